/* Learned time steppers for 1D periodic conservation laws u_t + f(u)_x = 0 on a uniform grid:
   the Flux neural operator (Kim & Kang, arXiv 2401.01783) and the plain one-step FNO baseline.

   A CfxFluxNO has one of two types:

   "fluxno" (CFXFLUXNO_FLUX) learns the numerical flux of a conservative finite-volume scheme,
       U_j^{n+1} = U_j^n - r (F_{j+1/2} - F_{j-1/2}),   r = dt/dx,
       F_{j+1/2} = G(U_{j-p}, ..., U_{j+q}),
     with G either an FNO whose input channels are the p+q+1 shifted copies of the field
     (lift -> Fourier layers with pointwise branch, each followed by GELU -> projection;
     no coordinate channel, so G is translation equivariant and one forward pass gives every
     face) or a pointwise MLP on each face's stencil (strictly local). Mass sum_j U_j is
     conserved for any parameters. Steps: forward Euler, or SSP-RK2 (Heun) applying the flux
     operator twice. Training loss (sums over samples and cells, not means):
       L = sum (step(U^n) - U^{n+1})^2 + lambda sum_j (G(U_j, ..., U_j) - f(U_j))^2,
     the second term the consistency condition against a named physical flux f.

   "fno" (CFXFLUXNO_FNO1D) is the baseline U^n -> U^{n+1} of Li et al.: an FNO1d with a grid
     channel (CfxModule FNO1d), loss sum (FNO(U^n) - U^{n+1})^2.

   Both map a batch U [B, N] (N cells of a periodic grid) to [B, N]. Models are saved to and
   loaded from HDF5 checkpoints in the shared format of cfxcheckpoint.h: /model attributes
   give the kind ("fluxno" or "fno") and every hyperparameter; /params/<name> hold the
   parameters; /optimizer (training checkpoints) and /state the optimizer moments and training
   position so `conflux train -resume` continues. */
#pragma once

#include <conflux/cfxnn.h>
#include <conflux/cfxoptim.h>
#include <conflux/cfxfv.h>

typedef struct _p_CfxFluxNO *CfxFluxNO;
typedef const char *CfxFluxNOType;
#define CFXFLUXNO_FLUX  "fluxno"
#define CFXFLUXNO_FNO1D "fno"

typedef enum { CFXFLUXNO_NET_FNO, CFXFLUXNO_NET_MLP } CfxFluxNONetType;
PETSC_EXTERN const char *const CfxFluxNONetTypes[];
typedef enum { CFXFLUXNO_TIME_EULER, CFXFLUXNO_TIME_RK2 } CfxFluxNOTimeType;
PETSC_EXTERN const char *const CfxFluxNOTimeTypes[];

PETSC_EXTERN PetscErrorCode CfxFluxNOCreate(MPI_Comm, CfxFluxNO *);
PETSC_EXTERN PetscErrorCode CfxFluxNOSetType(CfxFluxNO, CfxFluxNOType);
PETSC_EXTERN PetscErrorCode CfxFluxNOGetType(CfxFluxNO, CfxFluxNOType *);
/* Stencil (p, q): the flux at face j+1/2 reads U_{j-p} .. U_{j+q}. Default (1, 2). */
PETSC_EXTERN PetscErrorCode CfxFluxNOSetStencil(CfxFluxNO, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode CfxFluxNOGetStencil(CfxFluxNO, PetscInt *, PetscInt *);
PETSC_EXTERN PetscErrorCode CfxFluxNOSetNetwork(CfxFluxNO, CfxFluxNONetType);
PETSC_EXTERN PetscErrorCode CfxFluxNOGetNetwork(CfxFluxNO, CfxFluxNONetType *);
/* width, Fourier layers (MLP: hidden layers), modes, projection width. Defaults: fluxno FNO
   (64, 1, 5, 128); fluxno MLP (64, 3, -, -); fno (32, 3, 20, 128). */
PETSC_EXTERN PetscErrorCode CfxFluxNOSetSizes(CfxFluxNO, PetscInt, PetscInt, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode CfxFluxNOSetTimeStepping(CfxFluxNO, CfxFluxNOTimeType);
PETSC_EXTERN PetscErrorCode CfxFluxNOGetTimeStepping(CfxFluxNO, CfxFluxNOTimeType *);
/* r = dt/dx of the learned scheme (the data's frame spacing over the cell size). */
PETSC_EXTERN PetscErrorCode CfxFluxNOSetRatio(CfxFluxNO, PetscReal);
PETSC_EXTERN PetscErrorCode CfxFluxNOGetRatio(CfxFluxNO, PetscReal *);
/* Physical flux of the consistency loss: advection (f = c u), burgers (u^2/2), cubic
   (a u^3 + b u^2 + c u), sine (a sin(b u)), buckley_leverett (u^2/(u^2 + M(1-u)^2)), with
   parameters in the order named; "none" (lambda must then be 0). */
PETSC_EXTERN PetscErrorCode CfxFluxNOSetPhysicalFlux(CfxFluxNO, const char[], PetscInt, const PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxFluxNOGetPhysicalFlux(CfxFluxNO, const char **);
PETSC_EXTERN PetscErrorCode CfxFluxNOSetConsistencyWeight(CfxFluxNO, PetscReal);
PETSC_EXTERN PetscErrorCode CfxFluxNOGetConsistencyWeight(CfxFluxNO, PetscReal *);
PETSC_EXTERN PetscErrorCode CfxFluxNOSetSeed(CfxFluxNO, uint64_t);
/* Options (prefix "fluxno_" unless changed): -fluxno_type, -fluxno_p, -fluxno_q,
   -fluxno_net, -fluxno_width, -fluxno_layers, -fluxno_modes, -fluxno_proj_width,
   -fluxno_time, -fluxno_lambda, -fluxno_flux, -fluxno_seed. */
PETSC_EXTERN PetscErrorCode CfxFluxNOSetOptionsPrefix(CfxFluxNO, const char[]);
PETSC_EXTERN PetscErrorCode CfxFluxNOSetFromOptions(CfxFluxNO);
PETSC_EXTERN PetscErrorCode CfxFluxNOSetUp(CfxFluxNO);
PETSC_EXTERN PetscErrorCode CfxFluxNOView(CfxFluxNO, PetscViewer);
PETSC_EXTERN PetscErrorCode CfxFluxNODestroy(CfxFluxNO *);

/* The parameters as one flat set (created at SetUp; owned by the model). */
PETSC_EXTERN PetscErrorCode CfxFluxNOGetParamSet(CfxFluxNO, CfxParamSet *);

/* Face fluxes F[b, j] = F_{j+1/2} of a batch U [B, N] (type fluxno only). */
PETSC_EXTERN PetscErrorCode CfxFluxNOFaceFlux(CfxFluxNO, CfxTape, CfxTensor, CfxTensor *);
/* One time step U^n [B, N] -> U^{n+1} [B, N]. */
PETSC_EXTERN PetscErrorCode CfxFluxNOStep(CfxFluxNO, CfxTape, CfxTensor, CfxTensor *);
/* Training loss of a batch of pairs (U^n, U^{n+1}); also returns the time-marching and the
   consistency parts (either pointer may be NULL). */
PETSC_EXTERN PetscErrorCode CfxFluxNOLoss(CfxFluxNO, CfxTape, CfxTensor, CfxTensor, CfxTensor *, PetscReal *, PetscReal *);
/* For fields U [B, N]: the face fluxes G(U_j, ..., U_j) of constant stencils (every input
   channel U) and the physical flux f(U_j), both [B, N] (no tape). */
PETSC_EXTERN PetscErrorCode CfxFluxNOConsistency(CfxFluxNO, PetscInt, PetscInt, const PetscReal[], PetscReal[], PetscReal[]);
/* Rollout without a tape: nsteps steps from u0 [B*N], frames [B, nsteps+1, N] (frame 0 = u0). */
PETSC_EXTERN PetscErrorCode CfxFluxNORollout(CfxFluxNO, PetscInt, PetscInt, const PetscReal[], PetscInt, PetscReal[]);

/* Checkpoints (CfxCheckpoint format). Save writes FILE.tmp on rank 0 and renames it; opt (may
   be NULL), the epoch and the loss history are stored for resuming. Load reads every attribute and checks each parameter's presence,
   shape and finiteness, naming the file and what is wrong. */
PETSC_EXTERN PetscErrorCode CfxFluxNOSave(CfxFluxNO, const char[], CfxOptimizer, PetscInt, PetscInt, const PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxFluxNOLoad(MPI_Comm, const char[], CfxFluxNO *);
/* Restores the optimizer state and returns the epoch and loss history length saved with it. */
PETSC_EXTERN PetscErrorCode CfxFluxNOLoadTrainingState(CfxFluxNO, const char[], CfxOptimizer, PetscInt *);

/* The learned flux as the numerical flux of a CfxFV solver (type fluxno, periodic scalar law):
   sets the face flux with the model's stencil, the fixed time step r dx and the time stepping
   (Euler or SSP-RK2). The model is referenced, not copied. */
PETSC_EXTERN PetscErrorCode CfxFVSetFluxModel(CfxFV, CfxFluxNO);
/* Reads -<fv prefix>flux_model FILE.h5 and, if given, loads it and calls CfxFVSetFluxModel. */
PETSC_EXTERN PetscErrorCode CfxFVSetFluxModelFromOptions(CfxFV, const char[], MPI_Comm); /* solver, its options prefix, its comm */
