/* Private structure of CfxJaws, shared by the files of operators/jaws. */
#pragma once

#include <cfximpl.h>
#include <conflux/cfxjaws.h>

struct _p_CfxJaws {
  MPI_Comm comm;
  char *prefix;
  PetscReal lambda, beta, rho, eps;
  PetscInt probes;
  CfxJawsSensitivityType sens;
  CfxJawsWeightingType weighting;
  CfxJawsDifferenceType diff;
  uint64_t seed;
  uint64_t counter; /* probe draw of the next penalty */
  PetscInt sample0; /* global index of the next batch's first sample */
};

PETSC_INTERN PetscLogEvent CFXJAWS_Penalty, CFXJAWS_Checkpoint;
PETSC_INTERN PetscErrorCode CfxJawsInitializePackage(void);
