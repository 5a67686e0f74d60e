/* `conflux train -model hfluxno` and `conflux eval` of an hfluxno checkpoint (apps/hfluxno_cmd.c). */
#pragma once

#include "commands.h"

PETSC_INTERN PetscErrorCode CfxHFluxNOCommandTrain(MPI_Comm, int, char **);
PETSC_INTERN PetscErrorCode CfxHFluxNOCommandEval(MPI_Comm, int, char **);
/* Whether FILE is a model checkpoint of kind "hfluxno" (false for anything else, no error). */
PETSC_INTERN PetscErrorCode CfxHFluxNOIsModelFile(const char[], PetscBool *);
