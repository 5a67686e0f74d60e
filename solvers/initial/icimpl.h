/* Private state of CfxIC, shared by the generator files of solvers/initial/. */
#pragma once

#include <cfximpl.h>
#include <conflux/cfxic.h>
#include <petscviewer.h>
#include <fftw3.h>

struct _n_CfxIC {
  MPI_Comm comm;
  char *prefix;
  CfxICType type;
  PetscReal xmin, L;   /* periodic domain [xmin, xmin + L) */
  PetscReal length;    /* GRF correlation length */
  PetscReal amplitude; /* GRF standard deviation / step and sine scale */
  PetscInt jmin, jmax; /* number of jumps of step data */
  PetscInt nsines, kmax;
  /* GRF synthesis: c2r plan and per-mode standard deviations for the grid size `n` they
     were made for (rebuilt when a sample of another size is asked for). */
  PetscInt n;
  PetscReal *sigma; /* n/2 + 1 mode standard deviations */
  fftw_complex *coef;
  double *field;
  fftw_plan plan;
};

PETSC_INTERN PetscErrorCode CfxICSampleGRF(CfxIC, CfxRNG *, PetscInt, PetscReal[]);
PETSC_INTERN PetscErrorCode CfxICSampleStep(CfxIC, CfxRNG *, PetscInt, PetscReal[]);
PETSC_INTERN PetscErrorCode CfxICSampleSines(CfxIC, CfxRNG *, PetscInt, PetscReal[]);
PETSC_INTERN PetscErrorCode CfxICGRFSetUpGrid(CfxIC, PetscInt);
PETSC_INTERN PetscErrorCode CfxICGRFFreeGrid(CfxIC);
PETSC_INTERN PetscErrorCode CfxICInitializePackage(void);
PETSC_INTERN PetscLogEvent CFX_IC_Sample;
