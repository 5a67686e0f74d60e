/* S1 reference values: intrinsic (sigma = 0) and stochastic dynamic programming on an
   inventory grid, and least-squares Monte Carlo. The action set on the grid I_k = k I_max/n
   is every move of whole grid steps within the rate limits; with n = 100 (step = q_in,
   q_out = 2 steps) this contains the bang-bang actions the linear cash flows favour, and the
   intrinsic value does not change with finer grids (docs/results/snapo.md). */
#include <cfximpl.h>
#include <conflux/cfxsnapo.h>
#include <petscblaslapack.h>

typedef struct {
  PetscInt n, mlo, mhi; /* grid intervals, moves m in [-mlo, mhi] grid steps */
  PetscReal h;
} InvGrid;

static PetscErrorCode InvGridSetUp(const CfxSnapoGasParams *p, PetscInt n, InvGrid *g)
{
  PetscFunctionBegin;
  PetscCheck(n >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "inventory grid needs >= 1 interval, found %" PetscInt_FMT, n);
  g->n   = n;
  g->h   = p->imax / n;
  g->mhi = (PetscInt)floor(p->qin / g->h + 1e-9);
  g->mlo = (PetscInt)floor(p->qout / g->h + 1e-9);
  PetscCheck(g->mhi >= 1 && g->mlo >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "inventory grid step %g is coarser than a rate limit (q_in %g, q_out %g): use more intervals", (double)g->h,
             (double)p->qin, (double)p->qout);
  PetscFunctionReturn(0);
}

static PetscReal Terminal(const CfxSnapoGasParams *p, PetscReal inv) { return -p->penalty * PetscMax(p->i0 - inv, 0); }

/* k index nearest to I_0 */
static PetscInt StartIndex(const CfxSnapoGasParams *p, const InvGrid *g) { return (PetscInt)floor(p->i0 / g->h + 0.5); }

/*@C
  CfxSnapoGasIntrinsic - the deterministic (sigma = 0, S_t = F_t) optimum by exact DP on an
  inventory grid of ninv intervals, with hard |a| and terminal constraint.
@*/
PetscErrorCode CfxSnapoGasIntrinsic(const CfxSnapoGasParams *p, const PetscReal F[], PetscInt ninv, PetscReal *value)
{
  InvGrid g;
  PetscReal *V, *W;

  PetscFunctionBegin;
  PetscCall(InvGridSetUp(p, ninv, &g));
  PetscCall(PetscMalloc2(g.n + 1, &V, g.n + 1, &W));
  for (PetscInt k = 0; k <= g.n; k++) V[k] = Terminal(p, k * g.h);
  for (PetscInt t = p->nsteps - 1; t >= 0; t--) {
    for (PetscInt k = 0; k <= g.n; k++) {
      PetscReal best = PETSC_MIN_REAL;
      for (PetscInt m = -PetscMin(g.mlo, k); m <= PetscMin(g.mhi, g.n - k); m++) {
        PetscReal a = m * g.h, v = -a * F[t] - p->cost * fabs(a) + V[k + m];
        best = PetscMax(best, v);
      }
      W[k] = best;
    }
    for (PetscInt k = 0; k <= g.n; k++) V[k] = W[k];
  }
  *value = V[StartIndex(p, &g)];
  PetscCall(PetscFree2(V, W));
  PetscFunctionReturn(0);
}

static PetscReal NormalCDF(PetscReal x) { return 0.5 * erfc(-x / PETSC_SQRT2); }

/*@C
  CfxSnapoGasDP - the stochastic optimum by 2-D DP over (X, I): X on nx nodes (odd) spanning
  +-5 stationary standard deviations, transition probabilities of the exact OU step from
  normal-CDF bins (end bins open), inventory grid of ninv intervals.
@*/
PetscErrorCode CfxSnapoGasDP(const CfxSnapoGasParams *p, const PetscReal F[], PetscInt ninv, PetscInt nx, PetscReal *value)
{
  InvGrid g;
  PetscInt nk;
  PetscReal *P, *V, *C, *x, dx, sd = p->sigma / sqrt(2 * p->kappa);
  PetscReal alpha = exp(-p->kappa * p->dt), b = p->sigma * sqrt((1 - alpha * alpha) / (2 * p->kappa));
  PetscBLASInt M, N, K;
  PetscReal one = 1, zero = 0;

  PetscFunctionBegin;
  PetscCheck(nx >= 3 && nx % 2 == 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "DP needs an odd number >= 3 of X nodes, found %" PetscInt_FMT, nx);
  PetscCheck(p->sigma > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "stochastic DP needs sigma > 0 (use the intrinsic DP for sigma = 0)");
  PetscCall(InvGridSetUp(p, ninv, &g));
  nk = g.n + 1;
  PetscCall(PetscMalloc4((size_t)nx * nx, &P, (size_t)nx * nk, &V, (size_t)nx * nk, &C, nx, &x));
  dx = 10 * sd / (nx - 1);
  for (PetscInt i = 0; i < nx; i++) x[i] = -5 * sd + i * dx;
  /* P[i][j] = Prob(X' in bin j | X = x_i), row-major */
  for (PetscInt i = 0; i < nx; i++) {
    PetscReal mu = alpha * x[i];
    for (PetscInt j = 0; j < nx; j++) {
      PetscReal up  = j == nx - 1 ? 1 : NormalCDF((x[j] + dx / 2 - mu) / b);
      PetscReal dn  = j == 0 ? 0 : NormalCDF((x[j] - dx / 2 - mu) / b);
      P[i * nx + j] = up - dn;
    }
  }
  /* V[i][k] (row-major nx x nk) */
  for (PetscInt i = 0; i < nx; i++)
    for (PetscInt k = 0; k < nk; k++) V[i * nk + k] = Terminal(p, k * g.h);
  PetscCall(PetscBLASIntCast(nk, &M));
  PetscCall(PetscBLASIntCast(nx, &N));
  PetscCall(PetscBLASIntCast(nx, &K));
  for (PetscInt t = p->nsteps - 1; t >= 0; t--) {
    PetscReal v = p->sigma * p->sigma * (1 - exp(-2 * p->kappa * t * p->dt)) / (2 * p->kappa);
    /* C = P V (continuation of a decision at t, state at t+1): column-major view C^T = V^T P^T */
    BLASgemm_("N", "N", &M, &N, &K, &one, V, &M, P, &K, &zero, C, &M);
    for (PetscInt i = 0; i < nx; i++) {
      PetscReal S = F[t] * exp(x[i] - 0.5 * v);
      for (PetscInt k = 0; k < nk; k++) {
        PetscReal best = PETSC_MIN_REAL;
        for (PetscInt m = -PetscMin(g.mlo, k); m <= PetscMin(g.mhi, g.n - k); m++) {
          PetscReal a = m * g.h, val = -a * S - p->cost * fabs(a) + C[i * nk + k + m];
          best = PetscMax(best, val);
        }
        V[i * nk + k] = best;
      }
    }
  }
  *value = V[(nx / 2) * nk + StartIndex(p, &g)];
  PetscCall(PetscFree4(P, V, C, x));
  PetscFunctionReturn(0);
}

/*@C
  CfxSnapoGasLSMC - least-squares Monte Carlo: continuation value per inventory node regressed
  on (1, X, X^2) of the current factor; the decision maximises cash flow + regressed
  continuation; the value is the mean realised cash flow over the npaths paths (in sample).
  Path i uses CfxRNG stream i of seed, the same draws as CfxSnapoEvaluate.
@*/
PetscErrorCode CfxSnapoGasLSMC(MPI_Comm comm, const CfxSnapoGasParams *p, const PetscReal F[], PetscInt ninv, PetscInt npaths, uint64_t seed, PetscReal *value, PetscReal *se)
{
  InvGrid g;
  PetscInt nk, T = p->nsteps;
  PetscReal *X, *V, *W, *Vbuf, *Wbuf, *beta, alpha = exp(-p->kappa * p->dt), b = p->sigma * sqrt((1 - alpha * alpha) / (2 * p->kappa));

  PetscFunctionBegin;
  PetscCheck(npaths >= 10, comm, PETSC_ERR_ARG_OUTOFRANGE, "LSMC needs >= 10 paths, found %" PetscInt_FMT, npaths);
  PetscCall(InvGridSetUp(p, ninv, &g));
  nk = g.n + 1;
  PetscCall(PetscMalloc4((size_t)npaths * T, &X, (size_t)npaths * nk, &Vbuf, (size_t)npaths * nk, &Wbuf, 3 * nk, &beta));
  V = Vbuf;
  W = Wbuf;
  for (PetscInt i = 0; i < npaths; i++) {
    CfxRNG rng;
    PetscCall(CfxRNGSetSeed(&rng, seed, (uint64_t)i));
    X[i * T] = 0;
    for (PetscInt t = 0; t + 1 < T; t++) X[i * T + t + 1] = alpha * X[i * T + t] + b * CfxRNGNormal(&rng);
  }
  for (PetscInt i = 0; i < npaths; i++)
    for (PetscInt k = 0; k < nk; k++) V[i * nk + k] = Terminal(p, k * g.h);
  for (PetscInt t = T - 1; t >= 0; t--) {
    PetscReal v    = p->sigma * p->sigma * (1 - exp(-2 * p->kappa * t * p->dt)) / (2 * p->kappa);
    PetscReal G[9] = {0}, Gi[9], det;
    /* Gram matrix of (1, X, X^2), shared by all inventory nodes */
    for (PetscInt i = 0; i < npaths; i++) {
      PetscReal xx = X[i * T + t], f[3] = {1, xx, xx * xx};
      for (PetscInt r = 0; r < 3; r++)
        for (PetscInt c = 0; c < 3; c++) G[3 * r + c] += f[r] * f[c];
    }
    det = G[0] * (G[4] * G[8] - G[5] * G[7]) - G[1] * (G[3] * G[8] - G[5] * G[6]) + G[2] * (G[3] * G[7] - G[4] * G[6]);
    if (t == 0 || !(fabs(det) > 1e-12 * G[0] * G[4] * G[8])) {
      /* degenerate factor (X_0 = 0 on every path): the continuation is the mean */
      for (PetscInt k = 0; k < nk; k++) {
        PetscReal s = 0;
        for (PetscInt i = 0; i < npaths; i++) s += V[i * nk + k];
        beta[3 * k]     = s / npaths;
        beta[3 * k + 1] = beta[3 * k + 2] = 0;
      }
    } else {
      Gi[0] = (G[4] * G[8] - G[5] * G[7]) / det;
      Gi[1] = (G[2] * G[7] - G[1] * G[8]) / det;
      Gi[2] = (G[1] * G[5] - G[2] * G[4]) / det;
      Gi[3] = (G[5] * G[6] - G[3] * G[8]) / det;
      Gi[4] = (G[0] * G[8] - G[2] * G[6]) / det;
      Gi[5] = (G[2] * G[3] - G[0] * G[5]) / det;
      Gi[6] = (G[3] * G[7] - G[4] * G[6]) / det;
      Gi[7] = (G[1] * G[6] - G[0] * G[7]) / det;
      Gi[8] = (G[0] * G[4] - G[1] * G[3]) / det;
      for (PetscInt k = 0; k < nk; k++) {
        PetscReal r[3] = {0, 0, 0};
        for (PetscInt i = 0; i < npaths; i++) {
          PetscReal xx = X[i * T + t], y = V[i * nk + k];
          r[0] += y;
          r[1] += y * xx;
          r[2] += y * xx * xx;
        }
        for (PetscInt c = 0; c < 3; c++) beta[3 * k + c] = Gi[3 * c] * r[0] + Gi[3 * c + 1] * r[1] + Gi[3 * c + 2] * r[2];
      }
    }
    for (PetscInt i = 0; i < npaths; i++) {
      PetscReal xx = X[i * T + t], S = F[t] * exp(xx - 0.5 * v);
      for (PetscInt k = 0; k < nk; k++) {
        PetscReal best = PETSC_MIN_REAL, cash = 0;
        PetscInt mbest = 0;
        for (PetscInt m = -PetscMin(g.mlo, k); m <= PetscMin(g.mhi, g.n - k); m++) {
          PetscInt j  = k + m;
          PetscReal a = m * g.h, r = -a * S - p->cost * fabs(a), val = r + beta[3 * j] + beta[3 * j + 1] * xx + beta[3 * j + 2] * xx * xx;
          if (val > best) {
            best  = val;
            mbest = m;
            cash  = r;
          }
        }
        W[i * nk + k] = cash + V[i * nk + k + mbest];
      }
    }
    {
      PetscReal *tmp = V;
      V              = W;
      W              = tmp;
    }
  }
  {
    PetscInt k0 = StartIndex(p, &g);
    PetscReal s = 0, s2 = 0;
    for (PetscInt i = 0; i < npaths; i++) {
      s += V[i * nk + k0];
      s2 += V[i * nk + k0] * V[i * nk + k0];
    }
    *value = s / npaths;
    if (se) *se = sqrt(PetscMax(s2 / npaths - (*value) * (*value), 0) / (npaths - 1));
  }
  PetscCall(PetscFree4(X, Vbuf, Wbuf, beta));
  PetscFunctionReturn(0);
}
