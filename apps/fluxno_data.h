/* Trajectory data shared by `conflux train`, `eval` and `rollout` (apps/fluxno_data.c). */
#pragma once

#include "commands.h"

typedef struct {
  PetscInt ns, nt, nx; /* sizes of the whole file */
  PetscInt lo, hi;     /* samples held in U */
  PetscReal *x, *t, dx, dt;
  PetscReal *U; /* [hi - lo, nt, nx] */
  char flux[64];
} CfxTraj;

PETSC_INTERN PetscErrorCode CfxTrajOpen(MPI_Comm, const char[], PetscInt, PetscInt, CfxTraj *); /* hi < 0: all samples */
PETSC_INTERN PetscErrorCode CfxTrajDestroy(CfxTraj *);
PETSC_INTERN PetscErrorCode CfxParseTimes(MPI_Comm, const char[], PetscInt, PetscReal[], PetscInt *);
PETSC_INTERN void CfxFormatDuration(double, char[], size_t);
