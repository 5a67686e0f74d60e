/* Random initial data for dataset generation: periodic Gaussian random fields, random
   piecewise-constant ("step") data and PDEBench-style sums of sines.

   Every draw comes from a caller-supplied CfxRNG, so a sample is a pure function of the
   generator's settings, the grid and the RNG state it starts from. The usual pattern is
   CfxRNGSetSeed(&rng, seed, i) for sample i, which makes sample i depend only on (seed, i)
   and a dataset identical for any number of MPI ranks. The generator consumes draws from
   the RNG's current counter onward; anything the caller draws afterwards (per-sample PDE
   coefficients, say) continues from there.

   Grid: n points x_j = xmin + (j + 1/2) L / n, j = 0..n-1, L = xmax - xmin (cell centres of
   the periodic domain [xmin, xmax) of CfxICSetDomain()), the points conflux's FV and
   spectral solvers use.

   Options (with an optional prefix set by CfxICSetOptionsPrefix()):
     -ic <grf|step|sines>      kind of data (default grf)
     -ic_length <l>            GRF correlation length l (default 0.1, in units of x)
     -ic_amplitude <a>         GRF pointwise standard deviation; step values scale; sine
                               amplitude scale (default 1)
     -ic_jumps_min/-ic_jumps_max <j>   number of jumps of step data, uniform (default 1..5)
     -ic_sines <m>             number of sine terms (default 2)
     -ic_sines_kmax <k>        largest integer wave number of a sine term (default 4) */
#pragma once

#include <conflux/cfxsys.h>
#include <conflux/cfxrng.h>

typedef enum {
  CFX_IC_GRF,   /* periodic Gaussian random field, squared-exponential covariance */
  CFX_IC_STEP,  /* piecewise constant, random jumps */
  CFX_IC_SINES, /* sum of sines with random integer wave numbers, amplitudes, phases */
} CfxICType;
PETSC_EXTERN const char *const CfxICTypes[];

typedef struct _n_CfxIC *CfxIC;

PETSC_EXTERN PetscErrorCode CfxICCreate(MPI_Comm, CfxIC *);
PETSC_EXTERN PetscErrorCode CfxICDestroy(CfxIC *);
PETSC_EXTERN PetscErrorCode CfxICSetType(CfxIC, CfxICType);
PETSC_EXTERN PetscErrorCode CfxICGetType(CfxIC, CfxICType *);
PETSC_EXTERN PetscErrorCode CfxICSetDomain(CfxIC, PetscReal, PetscReal);
PETSC_EXTERN PetscErrorCode CfxICSetLength(CfxIC, PetscReal);
PETSC_EXTERN PetscErrorCode CfxICSetAmplitude(CfxIC, PetscReal);
PETSC_EXTERN PetscErrorCode CfxICSetJumps(CfxIC, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode CfxICSetSines(CfxIC, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode CfxICSetOptionsPrefix(CfxIC, const char[]);
PETSC_EXTERN PetscErrorCode CfxICSetFromOptions(CfxIC);
PETSC_EXTERN PetscErrorCode CfxICView(CfxIC, PetscViewer);
PETSC_EXTERN PetscErrorCode CfxICSample(CfxIC, CfxRNG *, PetscInt, PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxICGRFCovariance(CfxIC, PetscInt, PetscReal[]);
