/* Path simulation and single-jump regression labels (first-jump Feynman-Kac identity).

   One draw of the label at (t, x), Delta = T - t, p0 = exp(-lambda Delta):
   - plain: tau = t + Exp(lambda); one branch:
       tau >= T: e^{-r Delta} g(X_T),     tau < T: e^{-r(tau - t)} v(tau, X_tau + G(X_tau, Z)),
     plus the source integral by one uniform node s in [t, min(tau, T)):
       (min(tau,T) - t) e^{-r(s-t)} f(s, X_s);
   - forced jump: s from Exp(lambda) conditioned on s < T (density lambda e^{-lambda(s-t)}/(1-p0)),
       p0 e^{-r Delta} g(X_T) + (1 - p0) e^{-r(s-t)} v(s, X_s + G) + (1 - p0)/lambda e^{-r(s-t)} f(s, X_s),
     which is the plain estimator averaged over the jump indicator (both branches kept) and
     the source term importance-sampled at the jump time; it never wastes a draw on a branch
     and is exact in the jump probability, which matters most when lambda Delta is small.
   Both are unbiased for Phi(v)(t, x), Phi the right-hand side of the identity.

   Antithetic pairs replay the same random numbers with the normals negated and every
   uniform U replaced by 1 - U (so the pair may take different jump times). All paths are
   simulated first and the value function is called once on the whole batch of post-jump
   points, so a network is evaluated as one GEMM chain. */
#include "ineusimpl.h"

typedef struct {
  PetscReal *bx, *Sx, *xi; /* drift, diffusion, normals (dw) */
} PathWork;

/* Advances X from t0 to t1: one exact Gaussian step for constant coefficients, otherwise
   Euler-Maruyama sub-steps of at most euler_dt. sign = -1 negates the normals. */
static PetscErrorCode Advance(CfxPIDE p, PetscReal t0, PetscReal t1, PetscReal X[], CfxRNG *rng, PetscReal sign, PathWork *w)
{
  const PetscInt d = p->d, dw = p->dw;
  PetscInt nsub;
  PetscReal h;

  PetscFunctionBegin;
  if (t1 <= t0) PetscFunctionReturn(0);
  if (!p->drift && !p->diffusion)
    nsub = 1;
  else
    nsub = (PetscInt)PetscCeilReal((t1 - t0) / p->euler_dt);
  h = (t1 - t0) / nsub;
  for (PetscInt k = 0; k < nsub; k++) {
    PetscReal tk = t0 + k * h, sh = PetscSqrtReal(h);
    const PetscReal *b = p->b_const, *S = p->S_const;

    if (p->drift) {
      PetscCall(p->drift(tk, X, w->bx, p->driftctx));
      b = w->bx;
    }
    if (p->diffusion) {
      PetscCall(p->diffusion(tk, X, w->Sx, p->diffctx));
      S = w->Sx;
    }
    for (PetscInt j = 0; j < dw; j++) w->xi[j] = sign * CfxRNGNormal(rng);
    if (b)
      for (PetscInt i = 0; i < d; i++) X[i] += b[i] * h;
    if (p->dtype == CFX_PIDE_DIFFUSION_DIAGONAL) {
      for (PetscInt i = 0; i < d; i++) X[i] += sh * S[i] * w->xi[i];
    } else {
      for (PetscInt i = 0; i < d; i++) {
        PetscReal s = 0;
        for (PetscInt j = 0; j < dw; j++) s += S[i * dw + j] * w->xi[j];
        X[i] += sh * s;
      }
    }
  }
  PetscFunctionReturn(0);
}

/* Post-jump point y = X + G(s, X, Z) with Z from the mark law of sign * normals. */
static PetscErrorCode Jump(CfxPIDE p, PetscReal s, const PetscReal X[], CfxRNG *rng, PetscReal sign, PetscReal *xiz, PetscReal *z, PetscReal *G, PetscReal y[])
{
  PetscFunctionBegin;
  for (PetscInt j = 0; j < p->nxi; j++) xiz[j] = sign * CfxRNGNormal(rng);
  if (p->mark)
    PetscCall(p->mark(xiz, z, p->markctx));
  else
    for (PetscInt j = 0; j < p->nz; j++) z[j] = p->mark_mean[j] + p->mark_std[j] * xiz[j];
  if (p->jump) {
    PetscCall(p->jump(s, X, z, G, p->jumpctx));
    for (PetscInt i = 0; i < p->d; i++) y[i] = X[i] + G[i];
  } else
    for (PetscInt i = 0; i < p->d; i++) y[i] = X[i] + z[i];
  PetscFunctionReturn(0);
}

/* One path: known part, weight of v and the point where v is needed (weight 0: none). */
static PetscErrorCode OnePath(CfxPIDE p, PetscBool forced, PetscReal t, const PetscReal x[], CfxRNG *rng, PetscReal sign, PathWork *w, PetscReal *X, PetscReal *xiz, PetscReal *z, PetscReal *G,
                              PetscReal *known, PetscReal *wv, PetscReal *tv, PetscReal yv[])
{
  const PetscReal T = p->T, lam = p->lambda, r = p->r, Delta = T - t;
  PetscReal u, u2, gT, f;

  PetscFunctionBegin;
  PetscCall(PetscArraycpy(X, x, p->d));
  u      = CfxRNGUniform(rng);
  u2     = CfxRNGUniform(rng);
  *known = 0;
  *wv    = 0;
  *tv    = T;
  if (sign < 0) {
    u  = 1 - u;
    u2 = 1 - u2;
  }
  if (forced && lam > 0) {
    PetscReal q = -expm1(-lam * Delta); /* 1 - p0, accurate for small lam Delta */
    PetscReal s = t - log1p(-u * q) / lam;
    if (s >= T) s = nextafter(T, 0.0); /* round-off guard: s < T exactly in law */
    PetscCall(Advance(p, t, s, X, rng, sign, w));
    if (p->source) {
      PetscCall(p->source(s, X, &f, p->sourcectx));
      *known += q / lam * PetscExpReal(-r * (s - t)) * f;
    }
    PetscCall(Jump(p, s, X, rng, sign, xiz, z, G, yv));
    *wv = q * PetscExpReal(-r * (s - t));
    *tv = s;
    PetscCall(Advance(p, s, T, X, rng, sign, w));
    PetscCall(p->terminal(X, &gT, p->terminalctx));
    *known += (1 - q) * PetscExpReal(-r * Delta) * gT;
  } else {
    PetscReal tau = lam > 0 ? t - PetscLogReal(u) / lam : PETSC_MAX_REAL, end = PetscMin(tau, T), s = t + u2 * (end - t);
    if (p->source) {
      PetscCall(Advance(p, t, s, X, rng, sign, w));
      PetscCall(p->source(s, X, &f, p->sourcectx));
      *known += (end - t) * PetscExpReal(-r * (s - t)) * f;
      PetscCall(Advance(p, s, end, X, rng, sign, w));
    } else
      PetscCall(Advance(p, t, end, X, rng, sign, w));
    if (tau >= T) {
      PetscCall(p->terminal(X, &gT, p->terminalctx));
      *known += PetscExpReal(-r * Delta) * gT;
    } else {
      PetscCall(Jump(p, tau, X, rng, sign, xiz, z, G, yv));
      *wv = PetscExpReal(-r * (tau - t));
      *tv = tau;
    }
  }
  PetscFunctionReturn(0);
}

/*@C
  CfxPIDELabels - Unbiased estimates Y_i of Phi(v)(t_i, x_i), the right-hand side of the
  first-jump identity with v inside the expectation, for n points (x row-major [n, d]).

  Input Parameters:
+ p      - the set-up problem
. opts   - estimator options (NULL: forced jump, antithetic, one sample)
. v, vctx - batched value function used after the jump (the frozen network, or the exact
           solution to check unbiasedness)
. seed, first - label i draws from CfxRNG stream first + i of seed
- n, t, x - the points

  Output Parameters:
+ Y   - labels
- var - variance estimate of each label (NULL if not wanted; 0 when nsamples = 1)
@*/
PetscErrorCode CfxPIDELabels(CfxPIDE p, const CfxPIDELabelOptions *opts, CfxPIDEValueFn v, void *vctx, uint64_t seed, uint64_t first, PetscInt n, const PetscReal t[], const PetscReal x[],
                             PetscReal Y[], PetscReal var[])
{
  CfxPIDELabelOptions def = {PETSC_TRUE, PETSC_TRUE, 1};
  const PetscInt d        = p->d;
  PetscInt npair, npath, m;
  PetscReal *known, *wv, *tv, *yv, *vv, *X, *xiz, *z, *G;
  PathWork w;

  PetscFunctionBegin;
  PetscCheck(p->setup, p->comm, PETSC_ERR_ORDER, "Call CfxPIDESetUp() before CfxPIDELabels()");
  if (!opts) opts = &def;
  PetscCheck(opts->nsamples >= 1, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "Label samples per point must be >= 1, found %" PetscInt_FMT, opts->nsamples);
  PetscCheck(n >= 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "Number of labels must be >= 0, found %" PetscInt_FMT, n);
  for (PetscInt i = 0; i < n; i++) PetscCheck(t[i] >= 0 && t[i] <= p->T, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "Label time t[%" PetscInt_FMT "] = %g outside [0, T = %g]", i, (double)t[i], (double)p->T);
  PetscCall(PetscLogEventBegin(CFX_PIDE_Labels, 0, 0, 0, 0));
  npair = opts->antithetic ? 2 : 1;
  m     = opts->nsamples * npair; /* paths per label */
  npath = n * m;
  PetscCall(PetscMalloc5(npath, &known, npath, &wv, npath, &tv, (size_t)npath * d, &yv, npath, &vv));
  PetscCall(PetscMalloc4(d, &X, p->nxi, &xiz, PetscMax(p->nz, 1), &z, d, &G));
  PetscCall(PetscMalloc3(d, &w.bx, p->dtype == CFX_PIDE_DIFFUSION_FULL ? d * p->dw : d, &w.Sx, p->dw, &w.xi));
  for (PetscInt i = 0; i < n; i++) {
    CfxRNG rng;

    PetscCall(CfxRNGSetSeed(&rng, seed, first + (uint64_t)i));
    for (PetscInt k = 0; k < opts->nsamples; k++) {
      uint64_t start = rng.counter, end = start;
      for (PetscInt a = 0; a < npair; a++) {
        PetscInt j  = i * m + k * npair + a;
        rng.counter = start; /* the antithetic partner replays the same draws */
        PetscCall(OnePath(p, opts->forced_jump, t[i], &x[i * d], &rng, a ? -1.0 : 1.0, &w, X, xiz, z, G, &known[j], &wv[j], &tv[j], &yv[(size_t)j * d]));
        end = PetscMax(end, rng.counter);
      }
      rng.counter = end;
    }
  }
  /* v on every post-jump point at once (paths without a jump hold a harmless copy of x). */
  {
    PetscInt nv = 0;
    PetscReal *tq, *xq;
    PetscCall(PetscMalloc2(npath, &tq, (size_t)npath * d, &xq));
    for (PetscInt j = 0; j < npath; j++)
      if (wv[j] != 0) {
        tq[nv] = tv[j];
        PetscCall(PetscArraycpy(&xq[(size_t)nv * d], &yv[(size_t)j * d], d));
        nv++;
      }
    if (nv) PetscCall(v(nv, tq, xq, vv, vctx));
    for (PetscInt j = npath - 1; j >= 0; j--) /* scatter back: vv[nv-1] belongs to the last jumping path */
      if (wv[j] != 0) vv[j] = vv[--nv];
    PetscCall(PetscFree2(tq, xq));
  }
  for (PetscInt i = 0; i < n; i++) {
    PetscReal s = 0, s2 = 0;
    for (PetscInt k = 0; k < opts->nsamples; k++) {
      PetscReal yk = 0;
      for (PetscInt a = 0; a < npair; a++) {
        PetscInt j = i * m + k * npair + a;
        yk += known[j] + (wv[j] != 0 ? wv[j] * vv[j] : 0);
      }
      yk /= npair;
      s += yk;
      s2 += yk * yk;
    }
    Y[i] = s / opts->nsamples;
    if (var) var[i] = opts->nsamples > 1 ? PetscMax(s2 - s * s / opts->nsamples, 0) / (opts->nsamples - 1) / opts->nsamples : 0;
  }
  PetscCall(PetscFree3(w.bx, w.Sx, w.xi));
  PetscCall(PetscFree4(X, xiz, z, G));
  PetscCall(PetscFree5(known, wv, tv, yv, vv));
  PetscCall(PetscLogEventEnd(CFX_PIDE_Labels, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  CfxPIDESampleQueryPoints - Training points that cover where the labels query the value
  function. A point starts as (t, x) with t uniform on [0, T) and x from the sampling law;
  then, while a uniform draw is below `f`, it moves to the post-jump point of a path from it
  (jump time from Exp(lambda) conditioned on being before T, diffusion to it, one mark):
  the same move the forced-jump label makes before it calls the value function. The law is
  mu = (1 - f) (U[0,T) x rho) + f Q(mu), Q the law of the label's query point, so the network
  is trained wherever the next iteration will evaluate it (f = 0 gives CfxPIDESamplePoints).
  Point i uses stream first + i of seed.
@*/
PetscErrorCode CfxPIDESampleQueryPoints(CfxPIDE p, PetscReal f, uint64_t seed, uint64_t first, PetscInt n, PetscReal t[], PetscReal x[])
{
  const PetscInt d = p->d;
  PetscReal *X, *xiz, *z, *G;
  PathWork w;

  PetscFunctionBegin;
  PetscCheck(p->setup, p->comm, PETSC_ERR_ORDER, "Call CfxPIDESetUp() first");
  PetscCheck(f >= 0 && f < 1, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "Query fraction must be in [0, 1), found %g", (double)f);
  PetscCall(PetscMalloc4(d, &X, p->nxi, &xiz, PetscMax(p->nz, 1), &z, d, &G));
  PetscCall(PetscMalloc3(d, &w.bx, p->dtype == CFX_PIDE_DIFFUSION_FULL ? d * p->dw : d, &w.Sx, p->dw, &w.xi));
  for (PetscInt i = 0; i < n; i++) {
    CfxRNG rng;
    PetscReal *xi = &x[i * d];

    PetscCall(CfxRNGSetSeed(&rng, seed, first + (uint64_t)i));
    t[i] = p->T * CfxRNGUniform(&rng);
    PetscCall(p->sampler(&rng, xi, p->samplerctx));
    while (p->lambda > 0 && CfxRNGUniform(&rng) < f) {
      PetscReal q = -expm1(-p->lambda * (p->T - t[i])), s = t[i] - log1p(-CfxRNGUniform(&rng) * q) / p->lambda;
      if (s >= p->T) s = nextafter(p->T, 0.0);
      PetscCall(PetscArraycpy(X, xi, d));
      PetscCall(Advance(p, t[i], s, X, &rng, 1.0, &w));
      PetscCall(Jump(p, s, X, &rng, 1.0, xiz, z, G, xi));
      t[i] = s;
    }
  }
  PetscCall(PetscFree3(w.bx, w.Sx, w.xi));
  PetscCall(PetscFree4(X, xiz, z, G));
  PetscFunctionReturn(0);
}

/* Baseline helpers (ineus_baselines.c). One Euler-Maruyama step of the jump-free diffusion
   from (t, X) over h (exact for constant coefficients): X += b h + dX with dX = S sqrt(h) xi
   returned, the martingale increment the deep BSDE pairs with grad u. */
PetscErrorCode CfxPIDEEulerStep_Private(CfxPIDE p, PetscReal t, PetscReal h, PetscReal X[], CfxRNG *rng, PetscReal dX[])
{
  const PetscInt d = p->d, dw = p->dw;
  PetscReal *b, *S, *xi, sh = PetscSqrtReal(h);

  PetscFunctionBegin;
  PetscCall(PetscMalloc3(d, &b, p->dtype == CFX_PIDE_DIFFUSION_FULL ? d * dw : d, &S, dw, &xi));
  if (p->drift)
    PetscCall(p->drift(t, X, b, p->driftctx));
  else if (p->b_const)
    PetscCall(PetscArraycpy(b, p->b_const, d));
  else
    PetscCall(PetscArrayzero(b, d));
  if (p->diffusion)
    PetscCall(p->diffusion(t, X, S, p->diffctx));
  else
    PetscCall(PetscArraycpy(S, p->S_const, p->dtype == CFX_PIDE_DIFFUSION_FULL ? d * dw : d));
  for (PetscInt j = 0; j < dw; j++) xi[j] = CfxRNGNormal(rng);
  for (PetscInt i = 0; i < d; i++) {
    PetscReal s = 0;
    if (p->dtype == CFX_PIDE_DIFFUSION_DIAGONAL)
      s = S[i] * xi[i];
    else
      for (PetscInt j = 0; j < dw; j++) s += S[i * dw + j] * xi[j];
    dX[i] = sh * s;
    X[i] += b[i] * h + dX[i];
  }
  PetscCall(PetscFree3(b, S, xi));
  PetscFunctionReturn(0);
}

/* y = X + G(s, X, Z), one mark from rng. */
PetscErrorCode CfxPIDEJumpPoint_Private(CfxPIDE p, PetscReal s, const PetscReal X[], CfxRNG *rng, PetscReal y[])
{
  PetscReal *xiz, *z, *G;

  PetscFunctionBegin;
  PetscCall(PetscMalloc3(p->nxi, &xiz, PetscMax(p->nz, 1), &z, p->d, &G));
  PetscCall(Jump(p, s, X, rng, 1.0, xiz, z, G, y));
  PetscCall(PetscFree3(xiz, z, G));
  PetscFunctionReturn(0);
}

/* mj points x_i + G (one jump of the law at time t_i) per point i; point i draws from stream
   first + i of seed, so a batch split over calls or ranks gives the same points. */
PetscErrorCode CfxPIDEJumpPoints(CfxPIDE p, uint64_t seed, uint64_t first, PetscInt n, const PetscReal t[], const PetscReal x[], PetscInt mj, PetscReal xj[])
{
  const PetscInt d = p->d;

  PetscFunctionBegin;
  PetscCheck(n >= 0 && mj >= 1, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxPIDEJumpPoints needs n >= 0 and mj >= 1, found %" PetscInt_FMT " and %" PetscInt_FMT, n, mj);
  for (PetscInt i = 0; i < n; i++) {
    CfxRNG rng;
    PetscCall(CfxRNGSetSeed(&rng, seed, first + (uint64_t)i));
    for (PetscInt j = 0; j < mj; j++) PetscCall(CfxPIDEJumpPoint_Private(p, t[i], &x[i * d], &rng, &xj[((size_t)i * mj + j) * d]));
  }
  PetscFunctionReturn(0);
}
