/* The benchmark problems B1-B3 of the methods note, with their closed-form solutions.

   B1 (quadratic): b = 0, S = sigma I, Z ~ N(0, delta^2 I), G = Z, g = |x|^2/d,
      f = r |x|^2/d - (sigma^2 + lambda delta^2); u* = |x|^2/d for every t (the generator
      of |x|^2/d is sigma^2 from the diffusion plus lambda delta^2 from the jumps);
      x ~ U[-1, 1]^d. Defaults sigma 0.3, delta 0.1, lambda 1, r 0, T 1.
   B2 (exponential-affine): b = 0, S = sigma I, Z ~ N(0, delta^2 I), G = Z, f = 0,
      g = exp(theta.x) with theta = (a/sqrt d) 1, discount r;
      u* = exp(theta.x + (psi - r)(T - t)), psi = sigma^2 a^2/2 + lambda (exp(a^2 delta^2/2) - 1);
      x ~ N(0, 0.25 I). Defaults sigma 0.3, delta 0.5, lambda 1, r 0.05, a 1, T 1.
   B3 (Merton basket, log-prices x_i): independent Brownian motions with volatility sigma,
      common jump times (intensity lambda) with independent log-jumps Z_i ~ N(mu_J, delta_J^2)
      per asset, each asset compensated: b_i = r - sigma^2/2 - lambda kappa,
      kappa = exp(mu_J + delta_J^2/2) - 1; g = (exp(mean_i x_i) - K)^+ (geometric-mean call),
      discount r. The mean log-price is a one-dimensional Merton process with volatility
      sigma/sqrt(d) and jumps N(mu_J, delta_J^2/d), so u* is a Poisson-weighted sum of
      Black-Scholes terms (CfxPIDEMertonBasketPrice). x ~ N(x0, sample_std^2 I), x0 = 0.
      Defaults sigma 0.2, delta_J 0.15, mu_J -0.1, lambda 1, r 0.05, K 1, T 1, sample_std 0.1.
      The reference prices of the methods note (0.12761289, 0.06003008, 0.04953728 at
      d = 1, 10, 100) are those of independent marks; one mark shared by all assets would
      give 0.08562687 and 0.08179326 at d = 10 and 100. */
#include "ineusimpl.h"

/*@C
  CfxPIDESetProblem - Selects a built-in benchmark in dimension d with its default
  parameters (options may change them, see CfxPIDESetFromOptions()).
@*/
PetscErrorCode CfxPIDESetProblem(CfxPIDE p, CfxPIDEProblem problem, PetscInt d)
{
  PetscFunctionBegin;
  PetscCheck(problem >= CFX_PIDE_USER && problem <= CFX_PIDE_B3, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "Unknown PIDE problem %d", (int)problem);
  PetscCall(CfxPIDESetDimension(p, d));
  p->problem = problem;
  p->T       = 1.0;
  PetscCall(PetscMemzero(&p->par, sizeof(p->par)));
  switch (problem) {
    case CFX_PIDE_B1:
      p->par.sigma  = 0.3;
      p->par.delta  = 0.1;
      p->par.lambda = 1.0;
      break;
    case CFX_PIDE_B2:
      p->par.sigma  = 0.3;
      p->par.delta  = 0.5;
      p->par.lambda = 1.0;
      p->par.r      = 0.05;
      p->par.a      = 1.0;
      break;
    case CFX_PIDE_B3:
      p->par.sigma      = 0.2;
      p->par.delta      = 0.15;
      p->par.muJ        = -0.1;
      p->par.lambda     = 1.0;
      p->par.r          = 0.05;
      p->par.K          = 1.0;
      p->par.sample_std = 0.1;
      break;
    default: break;
  }
  PetscFunctionReturn(0);
}

static PetscReal NormalCDF(PetscReal z) { return 0.5 * erfc(-z / PETSC_SQRT2); }

PetscErrorCode CfxPIDEMertonBasketPrice(PetscInt d, PetscReal tau, PetscReal m, PetscReal K, PetscReal r, PetscReal sigma, PetscReal lambda, PetscReal muJ, PetscReal deltaJ, PetscReal *price)
{
  PetscReal kappa = PetscExpReal(muJ + 0.5 * deltaJ * deltaJ) - 1, sum = 0, w;

  PetscFunctionBegin;
  PetscCheck(d >= 1 && tau >= 0 && K > 0 && sigma >= 0 && lambda >= 0 && deltaJ >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "Merton basket price needs d >= 1, tau >= 0, K > 0, sigma, lambda, delta_J >= 0; found d = %" PetscInt_FMT ", tau = %g, K = %g, sigma = %g, lambda = %g, delta_J = %g", d, (double)tau,
             (double)K, (double)sigma, (double)lambda, (double)deltaJ);
  if (tau == 0) {
    *price = PetscMax(PetscExpReal(m) - K, 0);
    PetscFunctionReturn(0);
  }
  w = PetscExpReal(-lambda * tau); /* Poisson(lambda tau) weight of n jumps */
  for (PetscInt n = 0; n < 400; n++) {
    PetscReal mn = m + (r - 0.5 * sigma * sigma - lambda * kappa) * tau + n * muJ;
    PetscReal vn = (sigma * sigma * tau + n * deltaJ * deltaJ) / d, term;

    if (vn > 0) {
      PetscReal sd = PetscSqrtReal(vn), d2 = (mn - PetscLogReal(K)) / sd;
      term = PetscExpReal(mn + 0.5 * vn) * NormalCDF(d2 + sd) - K * NormalCDF(d2);
    } else
      term = PetscMax(PetscExpReal(mn) - K, 0);
    sum += w * term;
    if (n > lambda * tau && w < 1e-20) break;
    w *= lambda * tau / (n + 1);
  }
  *price = PetscExpReal(-r * tau) * sum;
  PetscFunctionReturn(0);
}

static PetscReal SumSquares(PetscInt d, const PetscReal x[])
{
  PetscReal s = 0;
  for (PetscInt i = 0; i < d; i++) s += x[i] * x[i];
  return s;
}

static PetscReal Mean(PetscInt d, const PetscReal x[])
{
  PetscReal s = 0;
  for (PetscInt i = 0; i < d; i++) s += x[i];
  return s / d;
}

/* ---- B1 */
static PetscErrorCode B1Terminal(const PetscReal x[], PetscReal *g, void *ctx)
{
  CfxPIDE p = (CfxPIDE)ctx;
  *g        = SumSquares(p->d, x) / p->d;
  return 0;
}
static PetscErrorCode B1Source(PetscReal t, const PetscReal x[], PetscReal *f, void *ctx)
{
  CfxPIDE p = (CfxPIDE)ctx;
  (void)t;
  *f = p->par.r * SumSquares(p->d, x) / p->d - (p->par.sigma * p->par.sigma + p->par.lambda * p->par.delta * p->par.delta);
  return 0;
}
static PetscErrorCode B1Exact(PetscReal t, const PetscReal x[], PetscReal *u, void *ctx)
{
  (void)t;
  return B1Terminal(x, u, ctx);
}
static PetscErrorCode B1Sample(CfxRNG *rng, PetscReal x[], void *ctx)
{
  CfxPIDE p = (CfxPIDE)ctx;
  for (PetscInt i = 0; i < p->d; i++) x[i] = 2 * CfxRNGUniform(rng) - 1;
  return 0;
}

/* ---- B2 */
static PetscReal B2Psi(CfxPIDE p) { return 0.5 * PetscSqr(p->par.sigma * p->par.a) + p->par.lambda * (PetscExpReal(0.5 * PetscSqr(p->par.a * p->par.delta)) - 1); }
static PetscErrorCode B2Terminal(const PetscReal x[], PetscReal *g, void *ctx)
{
  CfxPIDE p = (CfxPIDE)ctx;
  *g        = PetscExpReal(p->par.a * Mean(p->d, x) * PetscSqrtReal((PetscReal)p->d));
  return 0;
}
static PetscErrorCode B2Exact(PetscReal t, const PetscReal x[], PetscReal *u, void *ctx)
{
  CfxPIDE p = (CfxPIDE)ctx;
  *u        = PetscExpReal(p->par.a * Mean(p->d, x) * PetscSqrtReal((PetscReal)p->d) + (B2Psi(p) - p->par.r) * (p->T - t));
  return 0;
}
static PetscErrorCode B2Sample(CfxRNG *rng, PetscReal x[], void *ctx)
{
  CfxPIDE p = (CfxPIDE)ctx;
  for (PetscInt i = 0; i < p->d; i++) x[i] = 0.5 * CfxRNGNormal(rng);
  return 0;
}

/* ---- B3 */
static PetscErrorCode B3Terminal(const PetscReal x[], PetscReal *g, void *ctx)
{
  CfxPIDE p = (CfxPIDE)ctx;
  *g        = PetscMax(PetscExpReal(Mean(p->d, x)) - p->par.K, 0);
  return 0;
}
static PetscErrorCode B3Exact(PetscReal t, const PetscReal x[], PetscReal *u, void *ctx)
{
  CfxPIDE p = (CfxPIDE)ctx;
  PetscFunctionBegin;
  PetscCall(CfxPIDEMertonBasketPrice(p->d, p->T - t, Mean(p->d, x), p->par.K, p->par.r, p->par.sigma, p->par.lambda, p->par.muJ, p->par.delta, u));
  PetscFunctionReturn(0);
}
static PetscErrorCode B3Sample(CfxRNG *rng, PetscReal x[], void *ctx)
{
  CfxPIDE p = (CfxPIDE)ctx;
  for (PetscInt i = 0; i < p->d; i++) x[i] = p->x0[i] + p->par.sample_std * CfxRNGNormal(rng);
  return 0;
}

/* Installs the coefficients of the selected problem from its (possibly changed) parameters. */
PetscErrorCode CfxPIDEBuiltinSetUp(CfxPIDE p)
{
  const CfxPIDEBuiltinParams *q = &p->par;
  PetscInt d                    = p->d;
  PetscReal *v, *s;

  PetscFunctionBegin;
  PetscCheck(q->sigma >= 0 && q->delta >= 0 && q->lambda >= 0 && q->r >= 0 && p->T > 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Built-in PIDE parameters must satisfy sigma, delta, lambda, r >= 0 and T > 0; found %g, %g, %g, %g, %g", (double)q->sigma, (double)q->delta, (double)q->lambda, (double)q->r,
             (double)p->T);
  PetscCall(PetscMalloc2(d, &v, d, &s));
  for (PetscInt i = 0; i < d; i++) s[i] = q->sigma;
  PetscCall(CfxPIDESetConstantDiffusion(p, CFX_PIDE_DIFFUSION_DIAGONAL, d, s));
  for (PetscInt i = 0; i < d; i++) v[i] = 0;
  if (p->problem == CFX_PIDE_B3) {
    PetscReal kappa = PetscExpReal(q->muJ + 0.5 * q->delta * q->delta) - 1;
    for (PetscInt i = 0; i < d; i++) v[i] = q->r - 0.5 * q->sigma * q->sigma - q->lambda * kappa;
  }
  PetscCall(CfxPIDESetConstantDrift(p, v));
  for (PetscInt i = 0; i < d; i++) {
    v[i] = p->problem == CFX_PIDE_B3 ? q->muJ : 0;
    s[i] = q->delta;
  }
  PetscCall(CfxPIDESetGaussianMark(p, d, v, s));
  PetscCall(PetscFree2(v, s));
  PetscCall(CfxPIDESetJumpMap(p, NULL, NULL));
  PetscCall(CfxPIDESetJumpIntensity(p, q->lambda));
  PetscCall(CfxPIDESetDiscount(p, q->r));
  switch (p->problem) {
    case CFX_PIDE_B1:
      PetscCall(CfxPIDESetSource(p, B1Source, p));
      PetscCall(CfxPIDESetTerminal(p, B1Terminal, p));
      PetscCall(CfxPIDESetSampler(p, B1Sample, p));
      PetscCall(CfxPIDESetExactSolution(p, B1Exact, p));
      break;
    case CFX_PIDE_B2:
      PetscCall(CfxPIDESetSource(p, NULL, NULL));
      PetscCall(CfxPIDESetTerminal(p, B2Terminal, p));
      PetscCall(CfxPIDESetSampler(p, B2Sample, p));
      PetscCall(CfxPIDESetExactSolution(p, B2Exact, p));
      break;
    case CFX_PIDE_B3:
      PetscCheck(q->K > 0 && q->sample_std >= 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "B3 needs K > 0 and sample_std >= 0, found %g and %g", (double)q->K, (double)q->sample_std);
      PetscCall(CfxPIDESetSource(p, NULL, NULL));
      PetscCall(CfxPIDESetTerminal(p, B3Terminal, p));
      PetscCall(CfxPIDESetSampler(p, B3Sample, p));
      PetscCall(CfxPIDESetExactSolution(p, B3Exact, p));
      break;
    default: break;
  }
  PetscFunctionReturn(0);
}
