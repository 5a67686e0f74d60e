/* Private declarations of the LGP module. */
#pragma once

#include <cfximpl.h>
#include <conflux/cfxlgp.h>
#include <petscviewer.h>

/* Kernel polynomial factors: d^{idx} g(r) = P_idx(a, il) g(r), a_j = r_j / ell_j^2,
   il_j = 1 / ell_j^2. Indices < 0 are absent; the order is the count of indices >= 0. */
static inline PetscReal CfxSEPoly(const PetscReal *a, const PetscReal *il, PetscInt i, PetscInt j, PetscInt l)
{
  if (i < 0) { /* compact the index list */
    i = j;
    j = l;
    l = -1;
  }
  if (j < 0) {
    j = l;
    l = -1;
  }
  if (i < 0) return 1;
  if (j < 0) return -a[i];
  if (l < 0) return a[i] * a[j] - (i == j ? il[i] : 0);
  return -a[i] * a[j] * a[l] + (i == j ? il[i] * a[l] : 0) + (i == l ? il[i] * a[j] : 0) + (j == l ? il[j] * a[i] : 0);
}

/* d/d(log ell_m) of P_idx g, divided by g, for order <= 2 (r_m = a_m ell_m^2). */
static inline PetscReal CfxSEPolyLogEll(const PetscReal *a, const PetscReal *il, const PetscReal *r, PetscInt m, PetscInt i, PetscInt j)
{
  const PetscReal dg = a[m] * r[m]; /* d log g / d log ell_m */
  if (i < 0) {
    i = j;
    j = -1;
  }
  if (i < 0) return dg;
  if (j < 0) return (i == m ? 2 * a[i] : 0) - a[i] * dg;
  return (i == m ? -2 * a[i] * a[j] : 0) + (j == m ? -2 * a[i] * a[j] : 0) + (i == j && i == m ? 2 * il[i] : 0) + (a[i] * a[j] - (i == j ? il[i] : 0)) * dg;
}

/* a, il and g for r = z - z'. */
static inline PetscReal CfxSEPrepare(const CfxSEKernel *k, const PetscReal *z, const PetscReal *zp, PetscReal *r, PetscReal *a, PetscReal *il)
{
  PetscReal s = 0;
  for (PetscInt j = 0; j < k->dim; j++) {
    r[j]  = z[j] - zp[j];
    il[j] = 1 / (k->ell[j] * k->ell[j]);
    a[j]  = r[j] * il[j];
    s += r[j] * a[j];
  }
  return k->sf2 * PetscExpReal(-0.5 * s);
}

struct _n_CfxLGP {
  MPI_Comm comm;
  CfxLGPModel model;
  PetscBool setup;
  /* data */
  PetscInt ntraj, nsteps, d, m;
  PetscReal h;
  PetscReal *q, *u, *B; /* q[ntraj][nsteps][d], u[ntraj][nsteps][m], B[d][m] */
  PetscReal maxStep;
  /* kernel and hyperparameters */
  CfxSEKernel kern;
  PetscReal noise;
  PetscBool fitEll, fitSf, fitNoise;
  PetscReal fitLo, fitHi;
  /* Rayleigh dissipation R(v) ~ GP(0, kernR) on velocities (d-dimensional), force F = -grad R:
     atoms with j in [2d, 3d) are d R / d v_{j-2d} at a point whose first d coordinates hold v;
     points [nptsL, npts) carry them (see lgp_dissipation.c) */
  PetscBool dissipation;
  CfxSEKernel kernR;
  PetscInt nptsL;
  /* gauge */
  CfxLGPGauge gauge;
  PetscReal zb[CFX_LGP_MAX_DIM], Lb, pb[CFX_LGP_MAX_DIM];
  /* factorisation */
  PetscReal jitter0, jitterMax, jitter;
  PetscBool pivoted;
  PetscInt rank;
  /* training functionals: obs o has atoms [ostart[o], ostart[o+1]) at points apt[] */
  PetscInt n, nrhs, natoms, npts;
  PetscInt *ostart, *apt, *aj;
  PetscReal *ac, *pts, *Y; /* Y[n][nrhs] */
  PetscBool *onoise;       /* nugget on this row */
  PetscReal *K, *F, *alpha;
  PetscInt *piv;
  PetscReal *M; /* pivoted fallback: Cholesky of L1^T L1 */
  PetscReal *W; /* posterior-mean weights per point: W[p][nrhs][1 + D] (value, gradient) */
  /* a random-feature prior sample added to the mean (posterior function samples), M features */
  PetscInt rffM;
  PetscReal *rffOmega, *rffPhase, *rffW, rffScale; /* omega[M][D], phase[M], weights[M][nrhs] */
  /* rollout */
  PetscBool narxExtrapolate; /* NARX target q_{k+1} - (2 q_k - q_{k-1}) instead of q_{k+1} */
  PetscReal newtonTol, maxJump;
  PetscInt newtonMaxit;
  /* known prior mean of the latent function (CfxLGPSetPriorMean) */
  CfxLGPMeanFn meanFn;
  void *meanCtx;
  /* hyperparameter selection by held-out rollouts (lgp_fit.c) */
  PetscBool selectValidation;
  PetscInt nvtraj, nvsteps, ngrid;
  PetscReal *vq, *vu, grid[16], selScore;
};

PETSC_INTERN PetscErrorCode CfxLGPInitializePackage(void);
PETSC_INTERN PetscLogEvent CFX_LGP_Assemble, CFX_LGP_Factor, CFX_LGP_Fit, CFX_LGP_Rollout;
PETSC_INTERN PetscErrorCode CfxLGPBuildFunctionals(CfxLGP);
PETSC_INTERN PetscErrorCode CfxLGPAssemble(CfxLGP, PetscReal[]);
PETSC_INTERN PetscErrorCode CfxLGPFactor(CfxLGP);
PETSC_INTERN PetscErrorCode CfxLGPSolve(CfxLGP, PetscInt, PetscReal[]);
PETSC_INTERN PetscErrorCode CfxLGPMeanDerivatives(CfxLGP, PetscInt, const PetscReal[], PetscReal *, PetscReal[], PetscReal[]);
PETSC_INTERN PetscInt CfxLGPDim(CfxLGP);
PETSC_INTERN PetscErrorCode CfxLGPPriorMeanAtom(CfxLGP, const PetscReal[], PetscInt, PetscReal *);
PETSC_INTERN PetscErrorCode CfxLGPAtomCovariance(CfxLGP, const PetscReal[], PetscInt, const PetscReal[], PetscInt, PetscReal *);
PETSC_INTERN PetscErrorCode CfxLGPDissipationMean(CfxLGP, const PetscReal[], PetscReal[], PetscReal[]);
PETSC_INTERN PetscErrorCode CfxLGPRolloutTry(CfxLGP, const PetscReal[], const PetscReal[], PetscInt, const PetscReal[], PetscReal[], PetscInt *);
