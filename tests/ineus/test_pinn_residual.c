static const char help[] = "The PINN residual of CfxINEUS, assembled as in training (CfxPIDEPINNResidual) from the exact\n"
                           "solution and its derivatives instead of the network, vanishes for B1 and B2 at d = 2 and 10:\n"
                           "|R| <= 5 se + 1e-6 at every point, se the Monte Carlo standard error of the jump mean over\n"
                           "40000 jump points (derivatives by central differences). Controls (B2): without the jump\n"
                           "values or without the time derivative the residual is more than 20 se away from zero.\n";

#include <conflux/conflux.h>

typedef enum { FULL, NO_JUMPS, NO_TIME } Variant;

/* Residual of the exact solution at n sampled points; returns max |R|, max |R|/se. */
static PetscErrorCode ExactResidual(CfxPIDE p, PetscInt n, PetscInt mj, Variant var, PetscReal *rmax, PetscReal *zmax)
{
  const PetscReal xs = 0.5, uc = 0.3, us = 1.7, h1 = 1e-5, h2 = 1e-4;
  PetscInt d, D;
  PetscReal T, lam, *t, *x, *xj, *tj, *c, *u, *uj, *Jd, *Ld;
  CfxTape tape;
  CfxTensor N, J, L, Nj, R;

  PetscFunctionBeginUser;
  PetscCall(CfxPIDEGetDimension(p, &d));
  PetscCall(CfxPIDEGetHorizon(p, &T));
  PetscCall(CfxPIDEGetJumpIntensity(p, &lam));
  D = 1 + d;
  PetscCall(PetscMalloc6(n, &t, n * d, &x, (size_t)n * mj * d, &xj, (size_t)n * mj, &tj, D, &c, n, &u));
  PetscCall(PetscMalloc3((size_t)n * mj, &uj, n * D, &Jd, n, &Ld));
  PetscCall(CfxPIDESamplePoints(p, 7, 0, n, t, x));
  PetscCall(CfxPIDEJumpPoints(p, 9, 0, n, t, x, mj, xj));
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt j = 0; j < mj; j++) tj[i * mj + j] = t[i];
  PetscCall(CfxPIDEExactSolution(p, n, t, x, u));
  PetscCall(CfxPIDEExactSolution(p, n * mj, tj, xj, uj));
  PetscCall(CfxPIDEPINNLaplacianWeights(p, xs, c));
  for (PetscInt i = 0; i < n; i++) { /* input derivatives of N = (u - uc)/us, z = (2t/T - 1, (x - xc)/xs) */
    PetscReal tp = t[i] + h1, tm = t[i] - h1, up, um, *y;
    PetscCall(PetscMalloc1(d, &y));
    PetscCall(CfxPIDEExactSolution(p, 1, &tp, &x[i * d], &up));
    PetscCall(CfxPIDEExactSolution(p, 1, &tm, &x[i * d], &um));
    Jd[i * D] = var == NO_TIME ? 0 : (up - um) / (2 * h1) * (T / 2) / us;
    Ld[i]     = 0;
    for (PetscInt k = 0; k < d; k++) {
      PetscReal a, b, a2, b2;
      PetscCall(PetscArraycpy(y, &x[i * d], d));
      y[k] = x[i * d + k] + h1;
      PetscCall(CfxPIDEExactSolution(p, 1, &t[i], y, &a));
      y[k] = x[i * d + k] - h1;
      PetscCall(CfxPIDEExactSolution(p, 1, &t[i], y, &b));
      y[k] = x[i * d + k] + h2;
      PetscCall(CfxPIDEExactSolution(p, 1, &t[i], y, &a2));
      y[k] = x[i * d + k] - h2;
      PetscCall(CfxPIDEExactSolution(p, 1, &t[i], y, &b2));
      Jd[i * D + 1 + k] = (a - b) / (2 * h1) * xs / us;
      Ld[i] += c[1 + k] * (a2 - 2 * u[i] + b2) / (h2 * h2) * xs * xs / us;
    }
    PetscCall(PetscFree(y));
  }
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  PetscCall(CfxTapeSetRecording(tape, PETSC_FALSE));
  {
    PetscInt sh1[2] = {n, 1}, sh3[3] = {n, D, 1}, shj[2] = {n, mj};
    PetscCall(CfxTapeNewTensorWithData(tape, 2, sh1, u, &N));
    PetscCall(CfxTapeNewTensorWithData(tape, 3, sh3, Jd, &J));
    PetscCall(CfxTapeNewTensorWithData(tape, 2, sh1, Ld, &L));
    PetscCall(CfxTapeNewTensorWithData(tape, 2, shj, uj, &Nj));
    for (PetscInt i = 0; i < n; i++) {
      N->data[i] = (u[i] - uc) / us;
      for (PetscInt j = 0; j < mj; j++) Nj->data[i * mj + j] = var == NO_JUMPS ? N->data[i] : (uj[i * mj + j] - uc) / us;
    }
  }
  PetscCall(CfxPIDEPINNResidual(p, tape, n, t, x, xs, uc, us, N, J, L, Nj, &R));
  *rmax = *zmax = 0;
  for (PetscInt i = 0; i < n; i++) {
    PetscReal m = 0, v = 0, se;
    for (PetscInt j = 0; j < mj; j++) m += Nj->data[i * mj + j] / mj;
    for (PetscInt j = 0; j < mj; j++) v += PetscSqr(Nj->data[i * mj + j] - m) / (mj - 1);
    se    = lam * PetscSqrtReal(v / mj);
    *rmax = PetscMax(*rmax, PetscAbsReal(R->data[i]));
    *zmax = PetscMax(*zmax, PetscAbsReal(R->data[i]) / (5 * se + 1e-6)); /* <= 1: within 5 se + 1e-6 */
  }
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(PetscFree6(t, x, xj, tj, c, u));
  PetscCall(PetscFree3(uj, Jd, Ld));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  const PetscInt n = 6, mj = 40000, dims[2] = {2, 10};
  PetscBool ok = PETSC_TRUE;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  for (int prob = CFX_PIDE_B1; prob <= CFX_PIDE_B2; prob++)
    for (PetscInt k = 0; k < 2; k++) {
      CfxPIDE p;
      PetscReal rmax, z;
      PetscCall(CfxPIDECreate(PETSC_COMM_SELF, &p));
      PetscCall(CfxPIDESetProblem(p, (CfxPIDEProblem)prob, dims[k]));
      PetscCall(CfxPIDESetUp(p));
      PetscCall(ExactResidual(p, n, mj, FULL, &rmax, &z));
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s %s d=%" PetscInt_FMT ": exact solution, max |R| %.3e, max |R|/(5 se + 1e-6) %.3f\n", z <= 1 ? "ok  " : "FAIL", CfxPIDEProblems[prob], dims[k],
                            (double)rmax, (double)z));
      if (z > 1) ok = PETSC_FALSE;
      if (prob == CFX_PIDE_B2) {
        const char *names[] = {"", "without the jump values", "without the time derivative"};
        for (Variant var = NO_JUMPS; var <= NO_TIME; var++) {
          PetscCall(ExactResidual(p, n, mj, var, &rmax, &z));
          PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s %s d=%" PetscInt_FMT " %s: max |R| %.3e, max |R|/(5 se + 1e-6) %.1f (> 4 expected)\n", z > 4 ? "ok  " : "FAIL", CfxPIDEProblems[prob], dims[k],
                                names[var], (double)rmax, (double)z));
          if (z <= 4) ok = PETSC_FALSE;
        }
      }
      PetscCall(CfxPIDEDestroy(&p));
    }
  PetscCheck(ok, PETSC_COMM_SELF, PETSC_ERR_PLIB, "PINN residual of the exact solution: see FAIL lines");
  PetscCall(PetscFinalize());
  return 0;
}
