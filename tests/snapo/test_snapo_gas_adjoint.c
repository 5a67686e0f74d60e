/* S1 gas storage: the adjoint (one reverse sweep) against central differences with common
   random numbers, for policy weights, forward-curve points and the market inputs (sigma,
   kappa, cost); the Taylor remainder |J(x + h d) - J(x) - h <grad J, d>| of slope 2 in a random
   direction over all inputs at once; block-size independence and determinism. */
#include "snapotest.h"

#define NPATHS 48
#define SEED   2024

typedef struct {
  CfxSnapoModelOps m;
  CfxSnapoPolicy pol;
  CfxTensor all[8];
} Setup;

static PetscErrorCode Value(Setup *s, PetscInt block, PetscBool grad, CfxSnapoResult *r)
{
  PetscFunctionBeginUser;
  if (grad)
    for (PetscInt k = 0; k < 8; k++) PetscCall(CfxTensorZeroGrad(s->all[k]));
  PetscCall(CfxSnapoEvaluate(PETSC_COMM_WORLD, &s->m, &s->pol, NPATHS, block, SEED, grad, 8, s->all, r));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  CfxSnapoGasParams p;
  CfxSnapoGas gas;
  TestPolicy tp;
  Setup s;
  PetscReal F[365], num = 0, den = 0;
  CfxSnapoResult r0, r1;
  /* entries checked: (tensor index, entry) */
  const PetscInt chk[][2] = {
      {0, 0}, {0, 7}, {1, 3}, {2, 5}, {4, 2}, {5, 0}, {6, 0}, {6, 40}, {6, 120}, {6, 200}, {6, 300}, {6, 364}, {7, 0}, {7, 1}, {7, 2},
  };
  const PetscInt nchk = sizeof(chk) / sizeof(chk[0]);

  PetscCall(CfxInitialize(&argc, &argv, NULL, NULL));
  PetscCall(CfxSnapoGasSetDefaults(&p));
  PetscCall(CfxSnapoGasDefaultCurve(365, F));
  PetscCall(CfxSnapoGasCreate(&p, F, &gas));
  PetscCall(CfxSnapoGasGetModel(gas, &s.m));
  PetscCall(TestPolicyCreate(5, 8, 7, &tp));
  s.pol.forward = TestPolicyForward;
  s.pol.ctx     = &tp;
  TestPolicyTensors(&tp, s.all);
  PetscCall(CfxSnapoGasGetInputs(gas, &s.all[6], &s.all[7]));

  /* gradient from one reverse sweep */
  PetscCall(Value(&s, 16, PETSC_TRUE, &r0));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "J = %.10f +- %.2e over %d paths\n", (double)r0.value, (double)r0.stderr_mc, NPATHS));
  for (PetscInt c = 0; c < nchk; c++) {
    CfxTensor x  = s.all[chk[c][0]];
    PetscInt i   = chk[c][1];
    PetscReal x0 = x->data[i], h = 1e-5 * PetscMax(1, fabs(x0)), jp, jm, fd, ad = x->grad[i];
    x->data[i] = x0 + h;
    PetscCall(Value(&s, 16, PETSC_FALSE, &r1));
    jp         = r1.value;
    x->data[i] = x0 - h;
    PetscCall(Value(&s, 16, PETSC_FALSE, &r1));
    jm         = r1.value;
    x->data[i] = x0;
    fd         = (jp - jm) / (2 * h);
    num += (ad - fd) * (ad - fd);
    den += fd * fd;
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  input %d[%3d]  adjoint % .12e  central diff % .12e  rel %.1e\n", (int)chk[c][0], (int)i, (double)ad, (double)fd,
                          (double)(fabs(ad - fd) / PetscMax(fabs(fd), 1e-300))));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "adjoint vs central differences (CRN): normwise relative error %.2e\n", (double)sqrt(num / den)));
  PetscCheck(sqrt(num / den) <= 1e-6, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "adjoint vs central differences: %g > 1e-6", (double)sqrt(num / den));

  /* Taylor remainder in a random direction over every input (policy, curve, market) */
  {
    PetscReal *d[8], *x0[8], rem[4], hs[4] = {1e-2, 5e-3, 2.5e-3, 1.25e-3}, dot = 0;
    CfxRNG rng;
    PetscCall(CfxRNGSetSeed(&rng, 99, 0));
    PetscCall(Value(&s, 16, PETSC_TRUE, &r0));
    for (PetscInt k = 0; k < 8; k++) {
      PetscCall(PetscMalloc2(s.all[k]->size, &d[k], s.all[k]->size, &x0[k]));
      for (PetscInt i = 0; i < s.all[k]->size; i++) {
        x0[k][i] = s.all[k]->data[i];
        /* relative scale for the curve and market, absolute for weights */
        d[k][i] = CfxRNGNormal(&rng) * (k >= 6 ? 0.05 * fabs(x0[k][i]) : 0.3);
        dot += d[k][i] * s.all[k]->grad[i];
      }
    }
    for (PetscInt j = 0; j < 4; j++) {
      for (PetscInt k = 0; k < 8; k++)
        for (PetscInt i = 0; i < s.all[k]->size; i++) s.all[k]->data[i] = x0[k][i] + hs[j] * d[k][i];
      PetscCall(Value(&s, 16, PETSC_FALSE, &r1));
      rem[j] = fabs(r1.value - r0.value - hs[j] * dot);
    }
    for (PetscInt k = 0; k < 8; k++) {
      for (PetscInt i = 0; i < s.all[k]->size; i++) s.all[k]->data[i] = x0[k][i];
      PetscCall(PetscFree2(d[k], x0[k]));
    }
    for (PetscInt j = 1; j < 4; j++) {
      PetscReal slope = log(rem[j - 1] / rem[j]) / log(hs[j - 1] / hs[j]);
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "Taylor remainder h %.4f: %.3e  slope %.3f\n", (double)hs[j], (double)rem[j], (double)slope));
      PetscCheck(fabs(slope - 2) <= 0.1, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "Taylor remainder slope %g, expected 2 +- 0.1", (double)slope);
    }
  }

  /* determinism and block-size independence: same value bitwise, gradients to rounding */
  {
    PetscReal *g16, diff = 0, gmax = 0;
    PetscInt n = s.all[6]->size;
    PetscCall(Value(&s, 16, PETSC_TRUE, &r0));
    PetscCall(PetscMalloc1(n, &g16));
    PetscCall(PetscArraycpy(g16, s.all[6]->grad, n));
    PetscCall(Value(&s, 16, PETSC_TRUE, &r1));
    PetscCheck(r0.value == r1.value && r0.stderr_mc == r1.stderr_mc, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "two identical evaluations differ: %.17g vs %.17g", (double)r0.value, (double)r1.value);
    for (PetscInt i = 0; i < n; i++) PetscCheck(g16[i] == s.all[6]->grad[i], PETSC_COMM_WORLD, PETSC_ERR_PLIB, "two identical evaluations give different dJ/dF[%d]", (int)i);
    PetscCall(Value(&s, 5, PETSC_TRUE, &r1));
    PetscCheck(r0.value == r1.value, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "value depends on the block size: %.17g vs %.17g", (double)r0.value, (double)r1.value);
    for (PetscInt i = 0; i < n; i++) {
      diff = PetscMax(diff, fabs(g16[i] - s.all[6]->grad[i]));
      gmax = PetscMax(gmax, fabs(g16[i]));
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "deterministic; block 16 vs 5: same value, max |dJ/dF| difference %.1e (max |dJ/dF| %.2e)\n", (double)diff, (double)gmax));
    PetscCheck(diff <= 1e-13 * gmax, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "gradient depends on the block size beyond rounding: %g", (double)diff);
    PetscCall(PetscFree(g16));
  }
  PetscCall(TestPolicyDestroy(&tp));
  PetscCall(CfxSnapoGasDestroy(&gas));
  PetscCall(CfxFinalize());
  return 0;
}
