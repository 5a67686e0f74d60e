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
PETSC_INTERN PetscLogEvent CFX_PIDE_Labels, CFX_INEUS_Step, CFX_INEUS_Outer;
