/* CfxFV: finite volumes for conservation laws u_t + f(u)_x = nu u_xx on a PETSc DMDA, advanced
   in time by a PETSc TS (strong-stability-preserving Runge-Kutta, TSSSP).

   One dimension today. The object keeps the dimension out of its public setters (grid,
   fluxes, options), so a 2D DMDA with dimension-by-dimension fluxes can be added behind the
   same API; only CfxFVSetGrid() and the face-flux callback layout are 1D-specific. */
#pragma once

#include <petscdmda.h>
#include <petscts.h>
#include <conflux/cfxsys.h>

typedef struct _p_CfxFV *CfxFV;

/* Names of the physical fluxes (-fv_flux). Parameters (-fv_flux_<name>) in brackets:
   advection         c u                                  [c = 1]
   burgers           u^2/2
   cubic             a u^3 + b u^2 + c u                  [a = 1, b = 0, c = 0]
   sine              a sin(b u)                           [a = 1, b = 1]
   buckley_leverett  u^2 / (u^2 + M (1-u)^2)              [M = 0.5]
   shallow_water     (h, hu): (hu, hu^2/h + g h^2/2)      [g = 1] */
#define CFXFV_ADVECTION        "advection"
#define CFXFV_BURGERS          "burgers"
#define CFXFV_CUBIC            "cubic"
#define CFXFV_SINE             "sine"
#define CFXFV_BUCKLEY_LEVERETT "buckley_leverett"
#define CFXFV_SHALLOW_WATER    "shallow_water"

/* Numerical fluxes (-fv_riemann). Godunov is exact for scalar laws only. */
typedef enum { CFXFV_RIEMANN_GODUNOV, CFXFV_RIEMANN_RUSANOV, CFXFV_RIEMANN_HLL, CFXFV_RIEMANN_ROE } CfxFVRiemannType;
PETSC_EXTERN const char *const CfxFVRiemannTypes[];

/* Reconstruction of face values from cell averages (-fv_reconstruction). */
typedef enum { CFXFV_RECONSTRUCTION_NONE, CFXFV_RECONSTRUCTION_MUSCL, CFXFV_RECONSTRUCTION_WENO5 } CfxFVReconstructionType;
PETSC_EXTERN const char *const CfxFVReconstructionTypes[];

/* Slope limiters of MUSCL (-fv_limiter). */
typedef enum { CFXFV_LIMITER_MINMOD, CFXFV_LIMITER_MC, CFXFV_LIMITER_VANLEER } CfxFVLimiterType;
PETSC_EXTERN const char *const CfxFVLimiterTypes[];

/* Boundary conditions (-fv_bc): periodic, or outflow (zero-gradient ghost cells). */
typedef enum { CFXFV_BC_PERIODIC, CFXFV_BC_OUTFLOW } CfxFVBCType;
PETSC_EXTERN const char *const CfxFVBCTypes[];

/* A numerical flux over all faces of one rank's block, in one call.

   The solver owns cells i = xs .. xs+xm-1 (global indices) and needs the fluxes at the
   xm+1 faces i-1/2, i = xs .. xs+xm. A face flux declared with stencil (p, q) reads, for the
   face between cells i-1 and i, the p cells i-p .. i-1 on its left and the q cells
   i .. i+q-1 on its right. The callback receives
     nfaces     = xm + 1,
     ncomp      = number of conserved components (1 for scalars, 2 for shallow water),
     u_ghosted  = cell averages of the cells xs-p .. xs+xm+q-1, i.e. nfaces + p + q - 1 cells,
                  stored cell-major with components interleaved:
                  component k of the c-th cell of that range is u_ghosted[c*ncomp + k];
                  ghost cells already hold periodic or outflow (copied boundary cell) values;
     flux       = output, flux[f*ncomp + k] is component k of the flux through face f
                  (f = 0 .. nfaces-1, face f lies between u_ghosted cells f+p-1 and f+p),
                  positive in the +x direction.
   So face f sees exactly the cells u_ghosted[f .. f+p+q-1]: a learned flux can gather all
   windows into one [nfaces, p+q, ncomp] batch and run one forward pass. The arrays are
   contiguous double, valid only during the call; the callback must not keep them.
   The same face flux is computed by both ranks that touch a face, from identical inputs, so
   the scheme stays exactly conservative and rank-count independent if the callback is a
   deterministic function of its window. */
typedef PetscErrorCode (*CfxFVFaceFluxFn)(void *ctx, PetscInt nfaces, PetscInt ncomp, const PetscReal *u_ghosted, PetscReal *flux);

/* Called at each requested output time (step counts since CfxFVSolve() began). */
typedef PetscErrorCode (*CfxFVOutputFn)(CfxFV fv, PetscInt k, PetscReal t, Vec U, void *ctx);

/* Point values of the initial (or exact) state at x: u[0..ncomp-1]. */
typedef PetscErrorCode (*CfxFVPointFn)(PetscReal x, PetscReal t, PetscReal *u, void *ctx);

PETSC_EXTERN PetscErrorCode CfxFVInitializePackage(void);
PETSC_EXTERN PetscErrorCode CfxFVCreate(MPI_Comm, CfxFV *);
PETSC_EXTERN PetscErrorCode CfxFVDestroy(CfxFV *);
PETSC_EXTERN PetscErrorCode CfxFVSetOptionsPrefix(CfxFV, const char[]);
PETSC_EXTERN PetscErrorCode CfxFVSetFromOptions(CfxFV);
PETSC_EXTERN PetscErrorCode CfxFVSetUp(CfxFV);
PETSC_EXTERN PetscErrorCode CfxFVView(CfxFV, PetscViewer);

PETSC_EXTERN PetscErrorCode CfxFVSetGrid(CfxFV, PetscInt, PetscReal, PetscReal);
PETSC_EXTERN PetscErrorCode CfxFVGetGrid(CfxFV, PetscInt *, PetscReal *, PetscReal *);
PETSC_EXTERN PetscErrorCode CfxFVSetPhysicalFlux(CfxFV, const char[]);
PETSC_EXTERN PetscErrorCode CfxFVGetPhysicalFlux(CfxFV, const char **);
PETSC_EXTERN PetscErrorCode CfxFVSetFluxParameter(CfxFV, const char[], PetscReal);
PETSC_EXTERN PetscErrorCode CfxFVGetFluxParameter(CfxFV, const char[], PetscReal *);
PETSC_EXTERN PetscErrorCode CfxFVGetNumComponents(CfxFV, PetscInt *);
PETSC_EXTERN PetscErrorCode CfxFVSetRiemannType(CfxFV, CfxFVRiemannType);
PETSC_EXTERN PetscErrorCode CfxFVSetReconstructionType(CfxFV, CfxFVReconstructionType);
PETSC_EXTERN PetscErrorCode CfxFVSetLimiterType(CfxFV, CfxFVLimiterType);
PETSC_EXTERN PetscErrorCode CfxFVSetBCType(CfxFV, CfxFVBCType);
PETSC_EXTERN PetscErrorCode CfxFVSetCFL(CfxFV, PetscReal);
PETSC_EXTERN PetscErrorCode CfxFVSetTimeStep(CfxFV, PetscReal);
PETSC_EXTERN PetscErrorCode CfxFVSetSSP(CfxFV, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode CfxFVSetViscosity(CfxFV, PetscReal);
PETSC_EXTERN PetscErrorCode CfxFVSetFaceFlux(CfxFV, CfxFVFaceFluxFn, void *, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode CfxFVGetStabilityLimit(CfxFV, PetscReal *);

PETSC_EXTERN PetscErrorCode CfxFVGetDM(CfxFV, DM *);
PETSC_EXTERN PetscErrorCode CfxFVGetTS(CfxFV, TS *);
PETSC_EXTERN PetscErrorCode CfxFVGetSolution(CfxFV, Vec *);
PETSC_EXTERN PetscErrorCode CfxFVGetTime(CfxFV, PetscReal *);
PETSC_EXTERN PetscErrorCode CfxFVSetTime(CfxFV, PetscReal);
PETSC_EXTERN PetscErrorCode CfxFVGetStepCount(CfxFV, PetscInt *);
PETSC_EXTERN PetscErrorCode CfxFVProjectFunction(CfxFV, PetscReal, CfxFVPointFn, void *, Vec);
PETSC_EXTERN PetscErrorCode CfxFVSetInitialCondition(CfxFV, CfxFVPointFn, void *);
PETSC_EXTERN PetscErrorCode CfxFVComputeMaxWaveSpeed(CfxFV, Vec, PetscReal *);
PETSC_EXTERN PetscErrorCode CfxFVComputeMass(CfxFV, Vec, PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxFVComputeRHS(CfxFV, PetscReal, Vec, Vec);
PETSC_EXTERN PetscErrorCode CfxFVStep(CfxFV, PetscReal, PetscReal *);
PETSC_EXTERN PetscErrorCode CfxFVSolve(CfxFV, PetscInt, const PetscReal[], CfxFVOutputFn, void *);

/* Pointwise physical and numerical fluxes of the configured law, for tests and learned-flux
   training targets: f(u), and the numerical flux F(uL, uR) of the -fv_riemann choice. */
PETSC_EXTERN PetscErrorCode CfxFVEvaluatePhysicalFlux(CfxFV, const PetscReal[], PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxFVEvaluateNumericalFlux(CfxFV, const PetscReal[], const PetscReal[], PetscReal[]);

/* Exact Riemann solution of the shallow-water equations (wet states), for dam-break checks:
   the star state, and (h, v) at xi = (x - x0)/t. */
PETSC_EXTERN PetscErrorCode CfxFVShallowWaterStarState(PetscReal, PetscReal, PetscReal, PetscReal, PetscReal, PetscReal *, PetscReal *);
PETSC_EXTERN PetscErrorCode CfxFVShallowWaterRiemannSolution(PetscReal, PetscReal, PetscReal, PetscReal, PetscReal, PetscReal, PetscReal *, PetscReal *);
