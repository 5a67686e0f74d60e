static const char help[] = "Observed L1 convergence order of CfxFV on smooth periodic advection.\n"
                           "Options: -n0 <cells on the coarsest grid> -levels <grid halvings> -min_order <asserted order>\n"
                           "  -dt_coef <C>: fixed step dt = C dx^(5/3) (so SSP-RK3's error stays below WENO5's)\n"
                           "plus any -fv_ option (scheme under test).\n";

#include "fvtest.h"

/* u(x, t) = 1 + sin(2 pi (x - c t)) / 2 with speed c = 1 */
static PetscErrorCode Exact(PetscReal x, PetscReal t, PetscReal *u, void *ctx)
{
  u[0] = 1 + 0.5 * PetscSinReal(2 * PETSC_PI * (x - t));
  return 0;
}

int main(int argc, char **argv)
{
  PetscInt n0 = 32, levels = 3;
  PetscReal minOrder = 0.9, dtCoef = 0, tfinal = 1, err[8], order = PETSC_MAX_REAL;

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n0", &n0, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-levels", &levels, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-min_order", &minOrder, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-dt_coef", &dtCoef, NULL));
  PetscCheck(levels >= 2 && levels <= 8, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-levels must be in [2, 8]");
  for (PetscInt l = 0; l < levels; l++) {
    CfxFV fv;
    PetscInt N = n0 << l;

    PetscCall(CfxFVCreate(PETSC_COMM_WORLD, &fv));
    PetscCall(CfxFVSetPhysicalFlux(fv, CFXFV_ADVECTION));
    PetscCall(CfxFVSetGrid(fv, N, 0, 1));
    PetscCall(CfxFVSetFromOptions(fv));
    PetscCall(CfxFVSetGrid(fv, N, 0, 1)); /* the grid is this test's, whatever -fv_n says */
    if (dtCoef > 0) PetscCall(CfxFVSetTimeStep(fv, dtCoef * PetscPowReal(1.0 / N, 5.0 / 3)));
    if (!l) PetscCall(CfxFVView(fv, NULL));
    PetscCall(CfxFVSetInitialCondition(fv, Exact, NULL));
    PetscCall(CfxFVSolve(fv, 1, &tfinal, NULL, NULL));
    PetscCall(FVTestL1Error(fv, tfinal, Exact, NULL, &err[l]));
    if (l) order = PetscMin(order, FVTestOrder(err[l - 1], err[l]));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "N %5" PetscInt_FMT "  L1 error %.4e  order %s%.3f\n", N, (double)err[l], l ? "" : "-", l ? (double)FVTestOrder(err[l - 1], err[l]) : 0.0));
    PetscCall(CfxFVDestroy(&fv));
  }
  PetscCheck(order >= minOrder, PETSC_COMM_WORLD, PETSC_ERR_NOT_CONVERGED, "Observed L1 order %.3f is below the expected %.3f", (double)order, (double)minOrder);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "smallest observed order %.3f >= %.3f\n", (double)order, (double)minOrder));
  PetscCall(CfxFinalize());
  return 0;
}
