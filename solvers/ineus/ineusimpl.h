/* Private state of CfxPIDE and the INEUS solver, shared by the files of solvers/ineus/. */
#pragma once

#include <cfximpl.h>
#include <conflux/cfxineus.h>

/* Parameters of the built-in problems (meaning per problem in pide_builtin.c). */
typedef struct {
  PetscReal sigma, delta, lambda, r, a, muJ, deltaJ, K, sample_std;
} CfxPIDEBuiltinParams;

struct _n_CfxPIDE {
  MPI_Comm comm;
  char *prefix;
  CfxPIDEProblem problem;
  PetscInt d;
  PetscReal T;
  /* drift: constant vector or callback */
  PetscReal *b_const;
  CfxPIDEVectorFn drift;
  void *driftctx;
  /* diffusion: type, noise dimension dw, constant array or callback */
  CfxPIDEDiffusionType dtype;
  PetscInt dw;
  PetscReal *S_const;
  CfxPIDEVectorFn diffusion;
  void *diffctx;
  /* jumps */
  PetscReal lambda;
  PetscInt nxi, nz;
  PetscReal *mark_mean, *mark_std; /* Gaussian mark when mark == NULL */
  CfxPIDEMarkFn mark;
  void *markctx;
  CfxPIDEJumpFn jump; /* NULL: G = Z */
  void *jumpctx;
  PetscReal r;
  CfxPIDEScalarFn source; /* NULL: f = 0 */
  void *sourcectx;
  CfxPIDETerminalFn terminal;
  void *terminalctx;
  CfxPIDESampleFn sampler;
  void *samplerctx;
  CfxPIDEScalarFn exact;
  void *exactctx;
  PetscReal *x0;
  PetscReal euler_dt;
  CfxPIDEBuiltinParams par;
  PetscBool setup;
};

PETSC_INTERN PetscErrorCode CfxPIDEBuiltinSetUp(CfxPIDE);
PETSC_INTERN PetscErrorCode CfxINEUSInitializePackage(void);
PETSC_INTERN PetscLogEvent CFX_PIDE_Labels, CFX_INEUS_Step, CFX_INEUS_Outer, CFX_INEUS_Eval, CFX_INEUS_Checkpoint;

#include <conflux/cfxnn.h>
#include <conflux/cfxoptim.h>

struct _n_CfxINEUS {
  MPI_Comm comm;
  char *prefix;
  CfxPIDE pide;
  PetscInt d;
  /* network and its frozen copy (the previous iterate u_k inside the labels) */
  CfxModule net, frozen;
  CfxParamSet params, fparams;
  CfxOptimizer opt;
  CfxTape tape, etape;
  PetscInt width, depth;
  CfxActivation act;
  /* scaling: x~ = (x - xc)/xs, t~ = 2t/T - 1, u = uc + us N */
  PetscReal *xc, xs, uc, us;
  /* iteration */
  PetscInt outer, inner, batch, nval, ntest;
  CfxPIDELabelOptions lab;
  PetscReal tol, lr, lr_decay, lr_min, time_budget, query_fraction, average;
  PetscBool relative;
  PetscBool ansatz;    /* u = g(x) + ((T - t)/T) us N: the terminal condition holds exactly */
  PetscBool cpu_clock; /* time budget and history times in process CPU seconds, not wall seconds */
  PetscReal lr_cycle;  /* > 0: cosine decay of the rate within each outer iteration down to lr_cycle times it */
  CfxINEUSMethod method;
  PetscInt pinn_jumps, bsde_steps; /* jump samples per PINN residual point, BSDE time steps */ /* loss weights (c/max(|u_k|, c))^2: relative error where |u| > c = |uc| + us */
  uint64_t seed, test_seed;
  PetscBool monitor;
  /* checkpoints: file and period in outer iterations (0: only at the end) */
  char *ckpt;
  PetscInt ckpt_every;
  /* sets */
  PetscReal *tval, *xval, *uval_prev;
  PetscReal *ttest, *xtest, *utest, *uexact;
  PetscReal u0exact;
  PetscBool has_exact;
  /* history and progress (restored by CfxINEUSLoadCheckpoint) */
  PetscInt nhist, maxhist;
  CfxINEUSRecord *hist;
  PetscInt k, steps; /* completed outer iterations and Adam steps */
  PetscReal tspent;  /* solve seconds so far, over all sessions */
  CfxINEUSReason reason;
  PetscBool setup;
};

PETSC_INTERN PetscErrorCode CfxINEUSNetEval(CfxINEUS, CfxModule, PetscInt, const PetscReal[], const PetscReal[], PetscReal[]);
PETSC_INTERN PetscErrorCode CfxPIDEEulerStep_Private(CfxPIDE, PetscReal, PetscReal, PetscReal[], CfxRNG *, PetscReal[]);
PETSC_INTERN PetscErrorCode CfxPIDEJumpPoint_Private(CfxPIDE, PetscReal, const PetscReal[], CfxRNG *, PetscReal[]);
PETSC_INTERN PetscErrorCode CfxINEUSPINNStep(CfxINEUS, PetscInt, PetscReal *);
PETSC_INTERN PetscErrorCode CfxINEUSBSDEStep(CfxINEUS, PetscInt, PetscReal *);
