static const char help[] = "Shallow-water dam break with CfxFV against the exact Riemann solution (left rarefaction, right shock).\n"
                           "Checks the exact solver itself (Rankine-Hugoniot at the shock, Riemann invariant across the fan), then\n"
                           "the L1 error of h and hu under refinement. Options: -n0, -levels, -min_order (asserted on a least-squares fit over the levels), -hl, -hr, -g, -fv_ (scheme).\n";

#include "fvtest.h"

typedef struct {
  PetscReal g, hL, hR, x0;
} DamBreak;

static PetscErrorCode Exact(PetscReal x, PetscReal t, PetscReal *u, void *ctx)
{
  DamBreak *d = (DamBreak *)ctx;
  PetscReal h, v, xi = t > 0 ? (x - d->x0) / t : (x < d->x0 ? -1e300 : 1e300);

  PetscCall(CfxFVShallowWaterRiemannSolution(d->g, d->hL, 0, d->hR, 0, xi, &h, &v));
  u[0] = h;
  u[1] = h * v;
  return 0;
}

/* The star state must satisfy the jump conditions of the right shock and the Riemann
   invariant v + 2 sqrt(g h) of the left rarefaction. */
static PetscErrorCode CheckExactSolver(DamBreak *d)
{
  PetscReal hs, vs, S, r1, r2, r3;

  PetscFunctionBeginUser;
  PetscCall(CfxFVShallowWaterStarState(d->g, d->hL, 0, d->hR, 0, &hs, &vs));
  PetscCheck(hs > d->hR && hs < d->hL, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "Dam-break star depth %g not between hR = %g and hL = %g", (double)hs, (double)d->hR, (double)d->hL);
  S  = hs * vs / (hs - d->hR); /* mass jump condition gives the shock speed */
  r1 = S * (hs * vs) - (hs * vs * vs + 0.5 * d->g * (hs * hs - d->hR * d->hR));
  r2 = vs + 2 * PetscSqrtReal(d->g * hs) - 2 * PetscSqrtReal(d->g * d->hL);
  PetscCall(CfxFVShallowWaterRiemannSolution(d->g, d->hL, 0, d->hR, 0, S * (1 - 1e-9), &r3, &vs));
  PetscCheck(PetscAbsReal(r3 - hs) < 1e-12, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "Just behind the shock the exact depth is %g, expected the star depth %g", (double)r3, (double)hs);
  PetscCall(CfxFVShallowWaterRiemannSolution(d->g, d->hL, 0, d->hR, 0, S * (1 + 1e-9), &r3, &vs));
  PetscCheck(r3 == d->hR, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "Just ahead of the shock the exact depth is %g, expected hR = %g", (double)r3, (double)d->hR);
  PetscCheck(PetscAbsReal(r1) < 1e-12 && PetscAbsReal(r2) < 1e-12, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "Exact dam-break solution violates momentum jump (%g) or Riemann invariant (%g)", (double)r1,
             (double)r2);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "exact: h* = %.12f, v* = %.12f, shock speed %.12f; residuals %.1e %.1e\n", (double)hs, (double)(hs * 0 + (S * (hs - d->hR)) / hs), (double)S, (double)r1,
                        (double)r2));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  DamBreak d  = {.g = 1, .hL = 2, .hR = 1, .x0 = 0.5};
  PetscInt n0 = 100, levels = 3;
  PetscReal minOrder = 0.8, tfinal = 0.2, err[8], order;

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n0", &n0, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-levels", &levels, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-min_order", &minOrder, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-hl", &d.hL, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-hr", &d.hR, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-g", &d.g, NULL));
  PetscCheck(levels >= 2 && levels <= 8, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-levels must be in [2, 8]");
  PetscCall(CheckExactSolver(&d));
  for (PetscInt l = 0; l < levels; l++) {
    CfxFV fv;
    PetscInt N = n0 << l;

    PetscCall(CfxFVCreate(PETSC_COMM_WORLD, &fv));
    PetscCall(CfxFVSetPhysicalFlux(fv, CFXFV_SHALLOW_WATER));
    PetscCall(CfxFVSetFluxParameter(fv, "g", d.g));
    PetscCall(CfxFVSetBCType(fv, CFXFV_BC_OUTFLOW));
    PetscCall(CfxFVSetFromOptions(fv));
    PetscCall(CfxFVSetGrid(fv, N, 0, 1));
    if (!l) PetscCall(CfxFVView(fv, NULL));
    PetscCall(CfxFVSetInitialCondition(fv, Exact, &d));
    PetscCall(CfxFVSolve(fv, 1, &tfinal, NULL, NULL));
    PetscCall(FVTestL1Error(fv, tfinal, Exact, &d, &err[l]));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "N %5" PetscInt_FMT "  L1 error (h, hu) %.4e", N, (double)err[l]));
    if (l) { PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  order %.3f", (double)FVTestOrder(err[l - 1], err[l]))); }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n"));
    PetscCall(CfxFVDestroy(&fv));
  }
  order = FVTestFitOrder(levels, err);
  PetscCheck(order >= minOrder, PETSC_COMM_WORLD, PETSC_ERR_NOT_CONVERGED, "Observed L1 order (least-squares fit over %" PetscInt_FMT " grids) %.3f is below the expected %.3f", levels, (double)order,
             (double)minOrder);
  PetscCheck(err[levels - 1] < err[0], PETSC_COMM_WORLD, PETSC_ERR_NOT_CONVERGED, "L1 error did not decrease under refinement");
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "dam break: observed L1 order (fit over %" PetscInt_FMT " grids) %.3f >= %.3f\n", levels, (double)order, (double)minOrder));
  PetscCall(CfxFinalize());
  return 0;
}
