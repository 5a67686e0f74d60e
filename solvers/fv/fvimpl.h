/* Private declarations of the finite-volume solver, shared by the files of solvers/fv. */
#pragma once

#include <cfximpl.h>
#include <conflux/cfxfv.h>

#define CFXFV_MAX_COMP   2 /* largest system today: shallow water (h, hu) */
#define CFXFV_MAX_PARAMS 3
#define CFXFV_MAX_CRIT   64 /* critical points of a scalar flux inside one interval */

/* A physical flux. Scalar laws (ncomp == 1) also give f', and the critical points of f and of
   f' inside an interval, from which the exact Godunov flux (extrema of f) and the largest
   wave speed (extrema of f') on an interval follow without sampling. */
typedef struct {
  const char *name;
  PetscInt ncomp;
  PetscInt nparams;
  const char *paramNames[CFXFV_MAX_PARAMS];
  PetscReal paramDefaults[CFXFV_MAX_PARAMS];
  const char *formula;
  void (*flux)(const PetscReal *prm, const PetscReal *u, PetscReal *f);
  /* scalar laws */
  PetscReal (*dflux)(const PetscReal *prm, PetscReal u);
  PetscInt (*critical)(const PetscReal *prm, PetscReal lo, PetscReal hi, PetscReal *pts);   /* zeros of f' in (lo, hi) */
  PetscInt (*inflection)(const PetscReal *prm, PetscReal lo, PetscReal hi, PetscReal *pts); /* zeros of f'' in (lo, hi) */
  /* systems: smallest and largest characteristic speed at a state */
  void (*speeds)(const PetscReal *prm, const PetscReal *u, PetscReal *smin, PetscReal *smax);
} CfxFVPhysics;

PETSC_INTERN PetscErrorCode CfxFVPhysicsFind(const char[], const CfxFVPhysics **);
PETSC_INTERN PetscErrorCode CfxFVPhysicsListNames(char[], size_t);
PETSC_INTERN void CfxFVScalarSpeedRange(const CfxFVPhysics *, const PetscReal *, PetscReal, PetscReal, PetscReal *, PetscReal *);
PETSC_INTERN PetscReal CfxFVScalarMaxAbsSpeed(const CfxFVPhysics *, const PetscReal *, PetscReal, PetscReal);
PETSC_INTERN void CfxFVScalarFluxExtrema(const CfxFVPhysics *, const PetscReal *, PetscReal, PetscReal, PetscReal *, PetscReal *);

typedef void (*CfxFVRiemannFn)(const CfxFVPhysics *, const PetscReal *, const PetscReal *, const PetscReal *, PetscReal *);
PETSC_INTERN PetscErrorCode CfxFVRiemannGet(const CfxFVPhysics *, CfxFVRiemannType, CfxFVRiemannFn *);
/* Optional inlined loop over n faces (left state up[f], right state um[f+1]) for common pairs. */
typedef void (*CfxFVRiemannBatchFn)(const PetscReal *, PetscInt, const PetscReal *, const PetscReal *, PetscReal *);
PETSC_INTERN PetscErrorCode CfxFVRiemannBatchGet(const CfxFVPhysics *, CfxFVRiemannType, CfxFVRiemannBatchFn *);

/* Reconstruction of radius r: from n + 2r cells (component-interleaved, ncomp components), the
   values at the left edge (um) and right edge (up) of the n inner cells. */
PETSC_INTERN PetscInt CfxFVReconstructionRadius(CfxFVReconstructionType);
PETSC_INTERN void CfxFVReconstruct(CfxFVReconstructionType, CfxFVLimiterType, PetscInt n, PetscInt ncomp, const PetscReal *u, PetscReal *um, PetscReal *up);

struct _p_CfxFV {
  MPI_Comm comm;
  char *prefix;
  PetscBool setup;

  /* grid */
  PetscInt N;
  PetscReal xmin, xmax, dx;

  /* law */
  const CfxFVPhysics *phys;
  PetscReal prm[CFXFV_MAX_PARAMS];
  PetscReal nu;

  /* scheme */
  CfxFVRiemannType riemann;
  CfxFVRiemannFn riemannFn;
  CfxFVRiemannBatchFn riemannBatch;
  CfxFVReconstructionType recon;
  CfxFVLimiterType limiter;
  CfxFVBCType bc;
  CfxFVFaceFluxFn userFlux;
  void *userFluxCtx;
  PetscInt p, q; /* face-flux stencil: cells left and right of a face */

  /* time */
  PetscReal cfl, dtFixed;
  PetscInt sspOrder, sspStages;
  PetscBool monitor, warnedCFL;
  PetscReal t, lastDt;
  PetscInt steps;

  /* PETSc objects and work space */
  DM da;
  TS ts;
  Vec U, Uloc;
  PetscInt sw;     /* DMDA stencil width */
  PetscReal *work; /* reconstructed edge values and face fluxes */
  PetscInt nwork;
};

PETSC_INTERN PetscLogEvent CFXFV_RHS, CFXFV_Reconstruct, CFXFV_FaceFlux, CFXFV_Step;
PETSC_INTERN PetscErrorCode CfxFVRHSFunction(TS, PetscReal, Vec, Vec, void *);
PETSC_INTERN PetscErrorCode CfxFVCheckState(CfxFV, Vec, PetscReal);
