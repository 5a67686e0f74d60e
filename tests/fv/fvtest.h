/* Helpers shared by the finite-volume tests. */
#pragma once

#include <conflux/conflux.h>

/* L1 distance sum_j |U_j - exact cell average_j| dx between the solution and fn at time t. */
static inline PetscErrorCode FVTestL1Error(CfxFV fv, PetscReal t, CfxFVPointFn fn, void *ctx, PetscReal *err)
{
  Vec U, E;
  PetscInt N;
  PetscReal xmin, xmax;

  PetscFunctionBeginUser;
  PetscCall(CfxFVGetSolution(fv, &U));
  PetscCall(CfxFVGetGrid(fv, &N, &xmin, &xmax));
  PetscCall(VecDuplicate(U, &E));
  PetscCall(CfxFVProjectFunction(fv, t, fn, ctx, E));
  PetscCall(VecAXPY(E, -1, U));
  PetscCall(VecNorm(E, NORM_1, err));
  *err *= (xmax - xmin) / N;
  PetscCall(VecDestroy(&E));
  PetscFunctionReturn(0);
}

/* Observed order log(e_coarse/e_fine)/log(2) between successive halvings of dx. */
static inline PetscReal FVTestOrder(PetscReal ecoarse, PetscReal efine) { return PetscLog2Real(ecoarse / efine); }
