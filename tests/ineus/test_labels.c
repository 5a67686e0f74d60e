static const char help[] = "Checks the single-jump labels: unbiased with the exact solution plugged in (B1-B3, every\n"
                           "estimator variant, a callback-defined problem), able to detect a wrong value function,\n"
                           "reproducible bit for bit, and the B2/B3 closed forms against the reference values.\n";

#include <conflux/conflux.h>

/* Mean and standard error over nrep labels drawn at one point (streams first..first+nrep-1). */
static PetscErrorCode LabelMoments(CfxPIDE p, const CfxPIDELabelOptions *o, CfxPIDEValueFn v, void *vctx, uint64_t seed, PetscReal t, const PetscReal x[], PetscInt nrep, PetscReal *mean,
                                   PetscReal *se)
{
  PetscInt d;
  PetscReal *tt, *xx, *Y, s = 0, s2 = 0;

  PetscFunctionBeginUser;
  PetscCall(CfxPIDEGetDimension(p, &d));
  PetscCall(PetscMalloc3(nrep, &tt, nrep * d, &xx, nrep, &Y));
  for (PetscInt i = 0; i < nrep; i++) {
    tt[i] = t;
    PetscCall(PetscArraycpy(&xx[i * d], x, d));
  }
  PetscCall(CfxPIDELabels(p, o, v, vctx, seed, 0, nrep, tt, xx, Y, NULL));
  for (PetscInt i = 0; i < nrep; i++) {
    s += Y[i];
    s2 += Y[i] * Y[i];
  }
  *mean = s / nrep;
  *se   = PetscSqrtReal(PetscMax(s2 / nrep - *mean * *mean, 0) / (nrep - 1));
  PetscCall(PetscFree3(tt, xx, Y));
  PetscFunctionReturn(0);
}

/* |mean - u*| < 4 SE at npts random points for every estimator variant. */
static PetscErrorCode CheckUnbiased(CfxPIDE p, const char *name, PetscInt npts, PetscInt nrep)
{
  PetscInt d;
  PetscReal *t, *x;

  PetscFunctionBeginUser;
  PetscCall(CfxPIDEGetDimension(p, &d));
  PetscCall(PetscMalloc2(npts, &t, npts * d, &x));
  PetscCall(CfxPIDESamplePoints(p, 7, 0, npts, t, x));
  for (int variant = 0; variant < 4; variant++) {
    CfxPIDELabelOptions o = {(variant & 1) ? PETSC_TRUE : PETSC_FALSE, (variant & 2) ? PETSC_TRUE : PETSC_FALSE, 1};
    PetscReal worst = 0, sesum = 0;
    for (PetscInt i = 0; i < npts; i++) {
      PetscReal mean, se, ue;
      PetscCall(CfxPIDEExactSolution(p, 1, &t[i], &x[i * d], &ue));
      PetscCall(LabelMoments(p, &o, CfxPIDEExactValue, p, 100 + i, t[i], &x[i * d], nrep, &mean, &se));
      PetscCheck(se > 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: zero label variance at point %" PetscInt_FMT " is implausible", name, i);
      PetscCheck(PetscAbsReal(mean - ue) < 4 * se, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s (forced %d, antithetic %d): label mean %.8g vs u* %.8g at t = %g differs by %.2f standard errors (se %.3g)",
                 name, (int)o.forced_jump, (int)o.antithetic, (double)mean, (double)ue, (double)t[i], (double)(PetscAbsReal(mean - ue) / se), (double)se);
      worst = PetscMax(worst, PetscAbsReal(mean - ue) / se);
      sesum += se * PetscSqrtReal((PetscReal)nrep);
    }
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "%-22s forced %d antithetic %d: worst |mean - u*| = %.2f se, mean label std %.4g\n", name, (int)o.forced_jump, (int)o.antithetic, (double)worst,
                          (double)(sesum / npts)));
  }
  PetscCall(PetscFree2(t, x));
  PetscFunctionReturn(0);
}

/* B2 without its jump term: u = exp(theta.x + (sigma^2 a^2/2 - r)(T - t)), a wrong value
   function the unbiasedness check must reject. */
static PetscErrorCode WrongValue(PetscInt n, const PetscReal t[], const PetscReal x[], PetscReal u[], void *ctx)
{
  PetscInt d = *(PetscInt *)ctx;
  for (PetscInt i = 0; i < n; i++) {
    PetscReal s = 0;
    for (PetscInt j = 0; j < d; j++) s += x[i * d + j];
    u[i] = PetscExpReal(s / PetscSqrtReal((PetscReal)d) + (0.045 - 0.05) * (1 - t[i]));
  }
  return 0;
}

/* B2 through callbacks: drift, diffusion (full matrix), mark transform, jump map, sampler. */
typedef struct {
  PetscInt d;
  CfxPIDE ref;
} UserCtx;
static PetscErrorCode UDrift(PetscReal t, const PetscReal x[], PetscReal b[], void *ctx)
{
  UserCtx *c = (UserCtx *)ctx;
  (void)t;
  (void)x;
  for (PetscInt i = 0; i < c->d; i++) b[i] = 0;
  return 0;
}
static PetscErrorCode UDiffusion(PetscReal t, const PetscReal x[], PetscReal S[], void *ctx)
{
  UserCtx *c = (UserCtx *)ctx;
  (void)t;
  (void)x;
  for (PetscInt i = 0; i < c->d * c->d; i++) S[i] = 0;
  for (PetscInt i = 0; i < c->d; i++) S[i * c->d + i] = 0.3;
  return 0;
}
static PetscErrorCode UMark(const PetscReal xi[], PetscReal z[], void *ctx)
{
  UserCtx *c = (UserCtx *)ctx;
  for (PetscInt i = 0; i < c->d; i++) z[i] = 0.5 * xi[i];
  return 0;
}
static PetscErrorCode UJump(PetscReal t, const PetscReal x[], const PetscReal z[], PetscReal G[], void *ctx)
{
  UserCtx *c = (UserCtx *)ctx;
  (void)t;
  (void)x;
  for (PetscInt i = 0; i < c->d; i++) G[i] = z[i];
  return 0;
}
static PetscErrorCode UTerminal(const PetscReal x[], PetscReal *g, void *ctx)
{
  UserCtx *c = (UserCtx *)ctx;
  return CfxPIDETerminal(c->ref, x, g);
}
static PetscErrorCode UExact(PetscReal t, const PetscReal x[], PetscReal *u, void *ctx)
{
  UserCtx *c = (UserCtx *)ctx;
  return CfxPIDEExactSolution(c->ref, 1, &t, x, u);
}
static PetscErrorCode USample(CfxRNG *rng, PetscReal x[], void *ctx)
{
  UserCtx *c = (UserCtx *)ctx;
  for (PetscInt i = 0; i < c->d; i++) x[i] = 0.5 * CfxRNGNormal(rng);
  return 0;
}

int main(int argc, char **argv)
{
  CfxPIDE p;
  PetscInt nrep = 2000, npts = 4;

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  /* Closed forms against the values of the methods note. */
  {
    const PetscReal ref[3] = {0.12761289, 0.06003008, 0.04953728};
    const PetscInt dims[3] = {1, 10, 100};
    PetscReal price, u, t0 = 0, *x0;
    for (int k = 0; k < 3; k++) {
      PetscCall(CfxPIDEMertonBasketPrice(dims[k], 1.0, 0.0, 1.0, 0.05, 0.2, 1.0, -0.1, 0.15, &price));
      PetscCheck(PetscAbsReal(price - ref[k]) < 5e-9, PETSC_COMM_SELF, PETSC_ERR_PLIB, "B3 price at d = %" PetscInt_FMT ": expected %.8f, found %.10f", dims[k], (double)ref[k], (double)price);
    }
    PetscCall(CfxPIDECreate(PETSC_COMM_SELF, &p));
    PetscCall(CfxPIDESetProblem(p, CFX_PIDE_B2, 10));
    PetscCall(CfxPIDESetUp(p));
    PetscCall(PetscCalloc1(10, &x0));
    PetscCall(CfxPIDEExactSolution(p, 1, &t0, x0, &u));
    PetscCheck(PetscAbsReal(u - 1.136722) < 5e-7, PETSC_COMM_SELF, PETSC_ERR_PLIB, "B2 u*(0, 0): expected 1.136722, found %.8f", (double)u);
    PetscCall(PetscFree(x0));
    PetscCall(CfxPIDEDestroy(&p));
  }
  /* Unbiasedness on the three problems. */
  for (int prob = CFX_PIDE_B1; prob <= CFX_PIDE_B3; prob++) {
    const PetscInt dims[2] = {1, 10};
    for (int k = 0; k < 2; k++) {
      char name[64];
      PetscCall(CfxPIDECreate(PETSC_COMM_SELF, &p));
      PetscCall(CfxPIDESetProblem(p, (CfxPIDEProblem)prob, dims[k]));
      PetscCall(CfxPIDESetFromOptions(p));
      PetscCall(CfxPIDESetUp(p));
      PetscCall(PetscSNPrintf(name, sizeof(name), "%s d=%" PetscInt_FMT, CfxPIDEProblems[prob], dims[k]));
      PetscCall(CheckUnbiased(p, name, npts, nrep));
      PetscCall(CfxPIDEDestroy(&p));
    }
  }
  /* B1 with a small lambda T, where the forced-jump estimator matters. */
  PetscCall(CfxPIDECreate(PETSC_COMM_SELF, &p));
  PetscCall(CfxPIDESetProblem(p, CFX_PIDE_B1, 5));
  PetscCall(PetscOptionsSetValue(NULL, "-pide_lambda", "0.05"));
  PetscCall(CfxPIDESetFromOptions(p));
  PetscCall(PetscOptionsClearValue(NULL, "-pide_lambda"));
  PetscCall(CfxPIDESetUp(p));
  PetscCall(CheckUnbiased(p, "b1 d=5 lambda=0.05", npts, nrep));
  PetscCall(CfxPIDEDestroy(&p));

  /* A wrong value function (B2 without jumps) must be rejected: its labels are biased. */
  {
    PetscInt d  = 10;
    PetscReal t = 0.2, x[10] = {0}, mean = 0, se = 0, ue = 0; /* set by the calls below; initialised for -Wmaybe-uninitialized */
    CfxPIDELabelOptions o = {PETSC_TRUE, PETSC_TRUE, 1};
    PetscCall(CfxPIDECreate(PETSC_COMM_SELF, &p));
    PetscCall(CfxPIDESetProblem(p, CFX_PIDE_B2, d));
    PetscCall(CfxPIDESetUp(p));
    PetscCall(CfxPIDEExactSolution(p, 1, &t, x, &ue));
    PetscCall(LabelMoments(p, &o, WrongValue, &d, 5, t, x, nrep, &mean, &se));
    PetscCheck(PetscAbsReal(mean - ue) > 8 * se, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Labels with the jump-free value function should be biased: mean %g, u* %g, se %g", (double)mean, (double)ue,
               (double)se);
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "wrong value function detected: |mean - u*| = %.1f se\n", (double)(PetscAbsReal(mean - ue) / se)));

    /* Bitwise reproducibility, and independence of how points are split into calls. */
    {
      PetscReal tt[6], xx[60], Y1[6], Y2[6];
      PetscCall(CfxPIDESamplePoints(p, 3, 0, 6, tt, xx));
      PetscCall(CfxPIDELabels(p, &o, CfxPIDEExactValue, p, 11, 40, 6, tt, xx, Y1, NULL));
      PetscCall(CfxPIDELabels(p, &o, CfxPIDEExactValue, p, 11, 40, 2, tt, xx, Y2, NULL));
      PetscCall(CfxPIDELabels(p, &o, CfxPIDEExactValue, p, 11, 42, 4, tt + 2, xx + 20, Y2 + 2, NULL));
      for (int i = 0; i < 6; i++) PetscCheck(Y1[i] == Y2[i], PETSC_COMM_SELF, PETSC_ERR_PLIB, "Label %d differs between one call and split calls: %.17g vs %.17g", i, (double)Y1[i], (double)Y2[i]);
    }
    PetscCall(CfxPIDEDestroy(&p));
  }

  /* B2 rebuilt from callbacks: Euler sub-steps (exact in law for constant coefficients), full
     diffusion matrix, mark transform and jump map. */
  {
    UserCtx c;
    c.d = 4;
    PetscCall(CfxPIDECreate(PETSC_COMM_SELF, &c.ref));
    PetscCall(CfxPIDESetProblem(c.ref, CFX_PIDE_B2, c.d));
    PetscCall(CfxPIDESetUp(c.ref));
    PetscCall(CfxPIDECreate(PETSC_COMM_SELF, &p));
    PetscCall(CfxPIDESetDimension(p, c.d));
    PetscCall(CfxPIDESetDrift(p, UDrift, &c));
    PetscCall(CfxPIDESetDiffusion(p, CFX_PIDE_DIFFUSION_FULL, c.d, UDiffusion, &c));
    PetscCall(CfxPIDESetJumpIntensity(p, 1.0));
    PetscCall(CfxPIDESetMark(p, c.d, c.d, UMark, &c));
    PetscCall(CfxPIDESetJumpMap(p, UJump, &c));
    PetscCall(CfxPIDESetDiscount(p, 0.05));
    PetscCall(CfxPIDESetTerminal(p, UTerminal, &c));
    PetscCall(CfxPIDESetSampler(p, USample, &c));
    PetscCall(CfxPIDESetExactSolution(p, UExact, &c));
    PetscCall(PetscOptionsSetValue(NULL, "-pide_euler_dt", "0.1"));
    PetscCall(CfxPIDESetFromOptions(p));
    PetscCall(CfxPIDESetUp(p));
    PetscCall(CheckUnbiased(p, "user (callbacks) d=4", npts, nrep));
    PetscCall(CfxPIDEDestroy(&p));
    PetscCall(CfxPIDEDestroy(&c.ref));
  }
  PetscCall(CfxFinalize());
  return 0;
}
