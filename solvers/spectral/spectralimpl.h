/* Private state of CfxSpectralBurgers, shared by the files of solvers/spectral/. */
#pragma once

#include <cfximpl.h>
#include <conflux/cfxspectral.h>
#include <petscviewer.h>
#include <complex.h>
#include <fftw3.h>

typedef double _Complex CfxCplx;

/* Per-mode coefficients of one step length h (ETDRK4 uses all five arrays, IFRK4 E and E2). */
typedef struct {
  PetscReal h; /* 0 when not computed */
  PetscReal *E, *E2, *Q, *f1, *f2, *f3;
} CfxSpectralCoef;

struct _n_CfxSpectralBurgers {
  MPI_Comm comm;
  char *prefix;
  PetscInt nx, nc; /* grid points, Fourier modes kept by r2c (nx/2 + 1) */
  PetscReal xmin, L, nu, dt;
  CfxSpectralScheme scheme;
  PetscBool dealias, monitor, setup;
  PetscInt steps; /* steps taken by the last Integrate/Solve */

  PetscReal *k, *lin; /* wave numbers 2 pi m / L and the linear symbol -nu k^2 */
  PetscReal *mask;    /* 1 for kept modes, 0 for dealiased ones and the Nyquist mode */
  CfxSpectralCoef full, last;

  /* FFTW buffers (aligned) and plans, made once in SetUp with FFTW_ESTIMATE so that the
     rounding of a run never depends on timing measurements. */
  double *real;
  CfxCplx *cplx;
  fftw_plan r2c, c2r;
  /* Fourier-space work vectors of length nc. */
  CfxCplx *v, *a, *b, *c, *Nv, *Na, *Nb, *Nc;
};

PETSC_INTERN PetscErrorCode CfxSpectralCoefCompute(CfxSpectralBurgers, PetscReal, CfxSpectralCoef *);
PETSC_INTERN PetscErrorCode CfxSpectralCoefFree(CfxSpectralCoef *);
PETSC_INTERN PetscErrorCode CfxSpectralStep(CfxSpectralBurgers, const CfxSpectralCoef *);
PETSC_INTERN PetscErrorCode CfxSpectralToFourier(CfxSpectralBurgers, const PetscReal[], CfxCplx[]);
PETSC_INTERN PetscErrorCode CfxSpectralToGrid(CfxSpectralBurgers, const CfxCplx[], PetscReal[]);
PETSC_INTERN PetscErrorCode CfxSpectralInitializePackage(void);
PETSC_INTERN PetscLogEvent CFX_Spectral_FFT, CFX_Spectral_Step, CFX_Spectral_Coef, CFX_Spectral_Solve;
