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

/* Order from a least-squares fit of log2(e_l) against the level l (dx halves per level): at a
   captured shock the error of one grid depends on where the shock sits inside its cell, so
   single halvings scatter around the true order while the fit over all levels does not. */
static inline PetscReal FVTestFitOrder(PetscInt n, const PetscReal *err)
{
  PetscReal sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (PetscInt l = 0; l < n; l++) {
    PetscReal y = PetscLog2Real(err[l]);
    sx += l;
    sy += y;
    sxx += (PetscReal)l * l;
    sxy += l * y;
  }
  return -(n * sxy - sx * sy) / (n * sxx - sx * sx);
}
