/* S3 pharma chain: (1) for each of the 5 quality outputs, the adjoint (one reverse sweep per
   output) against central differences on all 8 process inputs and two policy weights, and
   for the training objective as well; (2) the Taylor remainder of slope 2 over every input;
   (3) a reference: with the policy parameters zero the reactor runs at 320 K, where
   A -> B -> C has the closed form B(t) = A_0 k1/(k2 - k1) (exp(-k1 t) - exp(-k2 t)); the
   yield, linear in B above the solubility, must match the closed form with A_0 = 1 within
   4 Monte Carlo standard errors (the feed varies by 5 % per batch) plus the RK4 error. */
#include "snapocheck.h"

int main(int argc, char **argv)
{
  CfxSnapoPharmaParams p;
  CfxSnapoPharma ph;
  CfxSnapoModelOps m;
  CfxSnapoPolicy pol;
  CfxSnapoMLP mlp;
  CfxParamSet set;
  SnapoCheck s;
  PetscInt np, nchk = 0, chk[12][2];
  PetscReal err = 0, worst = 0, slope[3], scale[16];
  PetscBool rel[16];
  CfxTensor par;

  PetscCall(CfxInitialize(&argc, &argv, NULL, NULL));
  PetscCall(CfxSnapoPharmaSetDefaults(&p));
  PetscCall(CfxSnapoPharmaCreate(&p, &ph));
  PetscCall(CfxSnapoPharmaGetModel(ph, &m));
  PetscCall(CfxSnapoPharmaGetInputs(ph, &par));
  PetscCall(CfxSnapoMLPCreate(PETSC_COMM_WORLD, 4, 8, 2, 1, 1.0, 3, &mlp));
  PetscCall(CfxSnapoMLPGetPolicy(&mlp, &pol));
  PetscCall(CfxParamSetCreate(PETSC_COMM_WORLD, &set));
  PetscCall(CfxModuleAddParameters(mlp.net, set));
  PetscCall(CfxParamSetSetUp(set));
  PetscCall(CfxParamSetGetNumParameters(set, &np));
  s.m      = &m;
  s.pol    = &pol;
  s.npaths = 12;
  s.block  = 5;
  s.seed   = 8;
  s.n      = np + 1;
  for (PetscInt k = 0; k < np; k++) PetscCall(CfxParamSetGetParameter(set, k, NULL, &s.t[k], NULL));
  s.t[np] = par;
  for (PetscInt k = 0; k < 8; k++) chk[nchk][0] = np, chk[nchk++][1] = k;
  chk[nchk][0] = 0, chk[nchk++][1] = 1;
  chk[nchk][0] = np - 2, chk[nchk++][1] = 3;

  /* (1) every output and the training objective */
  for (PetscInt k = -1; k < 5; k++) {
    PetscCall(CfxSnapoPharmaSetOutput(ph, k));
    PetscCall(SnapoCheckCentral(&s, nchk, (const PetscInt(*)[2])chk, 1e-6, &err));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "pharma output %d: adjoint vs central differences, normwise relative error %.2e\n", (int)k, (double)err));
    worst = PetscMax(worst, err);
  }
  PetscCheck(worst <= 1e-6, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "pharma adjoint vs central differences: %g > 1e-6", (double)worst);

  /* (2) Taylor remainder of the training objective over every input */
  PetscCall(CfxSnapoPharmaSetOutput(ph, -1));
  for (PetscInt k = 0; k < np; k++) scale[k] = 0.3, rel[k] = PETSC_FALSE;
  scale[np] = 0.01;
  rel[np]   = PETSC_TRUE;
  PetscCall(SnapoCheckTaylor(&s, scale, rel, 0.1, slope));
  for (PetscInt j = 0; j < 3; j++) PetscCheck(PetscAbsReal(slope[j] - 2) <= 0.1, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "pharma Taylor slope %g, expected 2 +- 0.1", (double)slope[j]);

  /* (3) closed-form reactor at 320 K */
  {
    PetscReal *val, k1 = exp(p.lnA1 - p.E1 / 320), k2 = exp(p.lnA2 - p.E2 / 320), t = p.t_react;
    PetscReal B = k1 / (k2 - k1) * (exp(-k1 * t) - exp(-k2 * t)), m0 = B - (0.04 + 0.01 * p.cool);
    PetscReal kg = exp(20 - 9000 / p.t_dry), ref = m0 * (1 - 0.01 * p.wash) * exp(-6 * kg);
    PetscInt n;
    CfxSnapoResult res;
    PetscCall(CfxParamSetGetSize(set, &n));
    PetscCall(CfxParamSetGetArrays(set, &val, NULL));
    for (PetscInt i = 0; i < n; i++) val[i] = 0;
    PetscCall(CfxSnapoPharmaSetOutput(ph, 0));
    PetscCall(CfxSnapoEvaluate(PETSC_COMM_WORLD, &m, &pol, 4000, 1000, 21, PETSC_FALSE, 0, NULL, &res));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "reference yield at 320 K: Monte Carlo %.6f +- %.6f, closed form %.6f (%.1f standard errors)\n", (double)res.value, (double)res.stderr_mc, (double)ref,
                          (double)(PetscAbsReal(res.value - ref) / res.stderr_mc)));
    PetscCheck(PetscAbsReal(res.value - ref) <= 4 * res.stderr_mc + 1e-6, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "pharma yield %g vs closed form %g", (double)res.value, (double)ref);
  }
  PetscCall(CfxParamSetDestroy(&set));
  PetscCall(CfxSnapoMLPDestroy(&mlp));
  PetscCall(CfxSnapoPharmaDestroy(&ph));
  PetscCall(CfxFinalize());
  return 0;
}
