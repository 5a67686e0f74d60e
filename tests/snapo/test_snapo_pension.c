/* S2 pension ALM: (1) the adjoint against central differences with common random numbers on
   every key-rate node, every asset parameter and some policy weights; (2) the Taylor
   remainder of slope 2 in a random direction over all inputs; (3) a reference value: with
   equal weights (policy parameters zero), no contributions and no risk aversion,
   E[A_T] follows m_{t+1} = m_t sum_j w_j exp(mu_j dt) - c exactly, and the PV of the
   liabilities is summed here independently of the model's matrix form, so the Monte Carlo
   value must match (A_T mean - PV_T)/PV_0 within 4 standard errors. Small sizes (T = 24,
   M = 60, K = 10) keep it to a second. */
#include "snapocheck.h"

/* PV_t by direct summation with the same interpolation rule as docs/snapo.md */
static PetscReal PV(const CfxSnapoPensionParams *p, const PetscReal r[], PetscInt t)
{
  PetscReal s = 0, h = p->tau_max / p->nnodes;
  for (PetscInt m = t + 1; m <= p->nmonths; m++) {
    PetscReal tau = (m - t) / 12.0, u = tau / h - 1, rt;
    if (u <= 0)
      rt = r[0];
    else if (u >= p->nnodes - 1)
      rt = r[p->nnodes - 1];
    else {
      PetscInt k = (PetscInt)u;
      rt         = r[k] * (1 - (u - k)) + r[k + 1] * (u - k);
    }
    s += p->benefit * exp(-rt * tau);
  }
  return s;
}

int main(int argc, char **argv)
{
  CfxSnapoPensionParams p;
  CfxSnapoPension ps;
  CfxSnapoModelOps m;
  CfxSnapoPolicy pol;
  CfxSnapoMLP mlp;
  CfxParamSet set;
  SnapoCheck s;
  PetscInt np, nchk = 0, chk[40][2];
  PetscReal err = 0, slope[3], scale[16], r[10];
  PetscBool rel[16];
  CfxTensor curve, assets;

  PetscCall(CfxInitialize(&argc, &argv, NULL, NULL));
  PetscCall(CfxSnapoPensionSetDefaults(&p));
  p.nsteps  = 24;
  p.nmonths = 60;
  p.tau_max = 5;
  PetscCall(CfxSnapoPensionCreate(&p, NULL, &ps));
  PetscCall(CfxSnapoPensionGetModel(ps, &m));
  PetscCall(CfxSnapoPensionGetInputs(ps, &curve, &assets));
  PetscCall(CfxSnapoMLPCreate(PETSC_COMM_WORLD, 4, 8, 2, 4, 1.0, 3, &mlp));
  PetscCall(CfxSnapoMLPGetPolicy(&mlp, &pol));
  PetscCall(CfxParamSetCreate(PETSC_COMM_WORLD, &set));
  PetscCall(CfxModuleAddParameters(mlp.net, set));
  PetscCall(CfxParamSetSetUp(set));
  PetscCall(CfxParamSetGetNumParameters(set, &np));
  s.m      = &m;
  s.pol    = &pol;
  s.npaths = 40;
  s.block  = 16;
  s.seed   = 5;
  s.n      = np + 2;
  for (PetscInt k = 0; k < np; k++) PetscCall(CfxParamSetGetParameter(set, k, NULL, &s.t[k], NULL));
  s.t[np]     = curve;
  s.t[np + 1] = assets;

  /* (1) central differences: all 10 nodes, all 8 asset parameters, 4 policy entries */
  for (PetscInt k = 0; k < 10; k++) chk[nchk][0] = np, chk[nchk++][1] = k;
  for (PetscInt k = 0; k < 8; k++) chk[nchk][0] = np + 1, chk[nchk++][1] = k;
  chk[nchk][0] = 0, chk[nchk++][1] = 3;
  chk[nchk][0] = 1, chk[nchk++][1] = 2;
  chk[nchk][0] = np - 2, chk[nchk++][1] = 5;
  chk[nchk][0] = np - 1, chk[nchk++][1] = 1;
  PetscCall(SnapoCheckCentral(&s, nchk, (const PetscInt(*)[2])chk, 1e-6, &err));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "pension adjoint vs central differences (CRN): normwise relative error %.2e\n", (double)err));
  PetscCheck(err <= 1e-6, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "pension adjoint vs central differences: %g > 1e-6", (double)err);

  /* (2) Taylor remainder over every input */
  for (PetscInt k = 0; k < np; k++) scale[k] = 0.3, rel[k] = PETSC_FALSE;
  scale[np] = scale[np + 1] = 0.2;
  rel[np] = rel[np + 1] = PETSC_TRUE;
  PetscCall(SnapoCheckTaylor(&s, scale, rel, 0.1, slope));
  for (PetscInt j = 0; j < 3; j++) PetscCheck(PetscAbsReal(slope[j] - 2) <= 0.1, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "pension Taylor slope %g, expected 2 +- 0.1", (double)slope[j]);

  /* (3) reference value: equal weights, no contributions, no risk aversion */
  PetscCall(CfxSnapoPensionDestroy(&ps));
  p.kappa    = 0;
  p.aversion = 0;
  PetscCall(CfxSnapoPensionCreate(&p, NULL, &ps));
  PetscCall(CfxSnapoPensionGetModel(ps, &m));
  PetscCall(CfxSnapoPensionDefaultCurve(&p, r));
  {
    PetscReal *val, g = 0, mean, pv0 = PV(&p, r, 0), ref;
    PetscInt n;
    CfxSnapoResult res;
    PetscCall(CfxParamSetGetSize(set, &n));
    PetscCall(CfxParamSetGetArrays(set, &val, NULL));
    for (PetscInt i = 0; i < n; i++) val[i] = 0;
    for (PetscInt j = 0; j < 4; j++) g += 0.25 * exp(p.mu[j] / 12);
    mean = p.funding0 * pv0;
    for (PetscInt t = 0; t < p.nsteps; t++) mean = mean * g - p.benefit;
    ref = (mean - PV(&p, r, p.nsteps)) / pv0;
    PetscCall(CfxSnapoEvaluate(PETSC_COMM_WORLD, &m, &pol, 20000, 2000, 11, PETSC_FALSE, 0, NULL, &res));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "reference: Monte Carlo %.6f +- %.6f, exact %.6f (%.1f standard errors)\n", (double)res.value, (double)res.stderr_mc, (double)ref,
                          (double)(PetscAbsReal(res.value - ref) / res.stderr_mc)));
    PetscCheck(PetscAbsReal(res.value - ref) <= 4 * res.stderr_mc, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "pension value %g is %g standard errors from the exact %g", (double)res.value,
               (double)(PetscAbsReal(res.value - ref) / res.stderr_mc), (double)ref);
  }
  PetscCall(CfxParamSetDestroy(&set));
  PetscCall(CfxSnapoMLPDestroy(&mlp));
  PetscCall(CfxSnapoPensionDestroy(&ps));
  PetscCall(CfxFinalize());
  return 0;
}
