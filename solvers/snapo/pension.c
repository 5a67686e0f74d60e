/* S2 pension asset-liability management as a SNAPO model built from conflux tape ops, so
   its adjoint is the composition of the ops' adjoints (no hand-written reverse code).

   Monthly steps t = 0..T-1. Liabilities: a level benefit of c per month for months
   1..M, discounted on a zero curve given at K key-rate nodes (the risk factors); the present
   value of the benefits still due after month t is
       PV_t = sum_{m > t} c exp(-r((m - t)/12) (m - t)/12),
   with r(tau) linear between the nodes tau_k = tau_max k/K (flat before the first). PV_t does
   not depend on the path; it is computed once per block on the tape from the curve tensor.
   Assets: 4 classes with correlated lognormal monthly returns
       log R_j = (mu_j - sigma_j^2/2) dt + sigma_j sqrt(dt) (L xi)_j,   L L^T = correlation.
   Policy: portfolio weights w = softmax(policy output [B, 4]) from the features
   (A_t/PV_t - 1, t/T - 1/2, 10 r_1, 10 (r_K - r_1)).
   Step: A_pre = A_t sum_j w_j R_j - c;  sponsor contribution when the funding ratio after the
   payment falls below 1, C_t = kappa PV_{t+1} SP_beta(1 - A_pre/PV_{t+1});  A_{t+1} = A_pre + C_t.
   Objective per path, s = (A_T - PV_T)/PV_0 the terminal surplus and c_tot = sum_t C_t/PV_0:
       J = s - (a/2) s^2 - gamma c_tot      (mean-variance surplus, costly contributions).
   A_0 = f_0 PV_0. Inputs with requires_grad: the curve [K] and the asset parameters
   [8] = (mu_1..4, sigma_1..4). */
#include "snapoimpl.h"

struct _n_CfxSnapoPension {
  CfxSnapoPensionParams p;
  CfxTensor curve, assets; /* inputs [K], [8] */
  CfxTensor P, tau, C, Lt; /* interpolation [M, K], maturities [M], cash-flow matrix [T+1, M], L^T [4, 4] */
  /* per block (step tensors, valid until the tape is reset) */
  CfxTensor pv, drift, vol, cf1, cf2;
};

PetscErrorCode CfxSnapoPensionSetDefaults(CfxSnapoPensionParams *p)
{
  const PetscReal mu[4] = {0.03, 0.07, 0.05, 0.02}, sig[4] = {0.05, 0.16, 0.10, 0.01};
  const PetscReal corr[16] = {1, -0.1, 0.2, 0.1, -0.1, 1, 0.5, 0, 0.2, 0.5, 1, 0, 0.1, 0, 0, 1};

  PetscFunctionBegin;
  p->nsteps   = 120;
  p->nnodes   = 10;
  p->nmonths  = 360;
  p->tau_max  = 30;
  p->benefit  = 1.0 / 12;
  p->funding0 = 0.9;
  p->kappa    = 1.0 / 12;
  p->beta     = 50;
  p->aversion = 2;
  p->gamma    = 0.5;
  p->r_short  = 0.025;
  p->r_long   = 0.035;
  for (PetscInt j = 0; j < 4; j++) {
    p->mu[j]    = mu[j];
    p->sigma[j] = sig[j];
  }
  for (PetscInt j = 0; j < 16; j++) p->corr[j] = corr[j];
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSnapoPensionParamsSetFromOptions(MPI_Comm comm, CfxSnapoPensionParams *p)
{
  PetscInt n4 = 4, n4b = 4;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "S2 pension ALM (CfxSnapoPension)", "CfxSnapoPension");
  PetscCall(PetscOptionsInt("-pension_nsteps", "Monthly decisions T", NULL, p->nsteps, &p->nsteps, NULL));
  PetscCall(PetscOptionsInt("-pension_nodes", "Key-rate nodes K of the zero curve (the risk factors N_rf)", NULL, p->nnodes, &p->nnodes, NULL));
  PetscCall(PetscOptionsInt("-pension_months", "Months M of benefit payments", NULL, p->nmonths, &p->nmonths, NULL));
  PetscCall(PetscOptionsReal("-pension_tau_max", "Longest node maturity (years)", NULL, p->tau_max, &p->tau_max, NULL));
  PetscCall(PetscOptionsReal("-pension_benefit", "Benefit paid per month", NULL, p->benefit, &p->benefit, NULL));
  PetscCall(PetscOptionsReal("-pension_funding0", "Initial funding ratio A_0/PV_0", NULL, p->funding0, &p->funding0, NULL));
  PetscCall(PetscOptionsReal("-pension_kappa", "Fraction of the deficit the sponsor pays per month", NULL, p->kappa, &p->kappa, NULL));
  PetscCall(PetscOptionsReal("-pension_beta", "Sharpness of the smooth deficit SP_beta", NULL, p->beta, &p->beta, NULL));
  PetscCall(PetscOptionsReal("-pension_aversion", "Risk aversion a of the surplus", NULL, p->aversion, &p->aversion, NULL));
  PetscCall(PetscOptionsReal("-pension_gamma", "Cost gamma per unit contributed", NULL, p->gamma, &p->gamma, NULL));
  PetscCall(PetscOptionsReal("-pension_r_short", "Default curve: rate at short maturities", NULL, p->r_short, &p->r_short, NULL));
  PetscCall(PetscOptionsReal("-pension_r_long", "Default curve: rate at long maturities", NULL, p->r_long, &p->r_long, NULL));
  PetscCall(PetscOptionsRealArray("-pension_mu", "Drifts of the 4 asset classes (bonds, equity, property, cash)", NULL, p->mu, &n4, NULL));
  PetscCall(PetscOptionsRealArray("-pension_sigma", "Volatilities of the 4 asset classes", NULL, p->sigma, &n4b, NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

/* Default zero curve r(tau) = r_short + (r_long - r_short)(1 - exp(-tau/5)) at the nodes. */
PetscErrorCode CfxSnapoPensionDefaultCurve(const CfxSnapoPensionParams *p, PetscReal r[])
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < p->nnodes; k++) {
    PetscReal tau = p->tau_max * (k + 1) / p->nnodes;
    r[k]          = p->r_short + (p->r_long - p->r_short) * (1 - exp(-tau / 5));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode PensionInitial(CfxTape tape, PetscInt nb, void *ctx, CfxTensor *state)
{
  CfxSnapoPension ps = (CfxSnapoPension)ctx;
  PetscInt K = ps->p.nnodes, M = ps->p.nmonths, T = ps->p.nsteps, sKM[2] = {K, 1}, sM1[2] = {M, 1}, sB1[2] = {nb, 1};
  CfxTensor rc, rM, x, D, pv, mu, sig, zero, a0, pv0, r1, rK, cs;
  PetscReal dt = 1.0 / 12;

  PetscFunctionBegin;
  /* PV_t for t = 0..T from the curve: rates at every month, discount factors, cash-flow sums */
  PetscCall(CfxOpReshape(tape, ps->curve, 2, sKM, &rc));
  PetscCall(CfxOpMatmul(tape, ps->P, PETSC_FALSE, rc, PETSC_FALSE, &rM));
  PetscCall(CfxOpReshape(tape, rM, 1, &M, &rM));
  PetscCall(CfxOpMul(tape, rM, ps->tau, &x));
  PetscCall(CfxOpScale(tape, x, -1, 0, &x));
  PetscCall(CfxOpExp(tape, x, &D));
  PetscCall(CfxOpReshape(tape, D, 2, sM1, &D));
  PetscCall(CfxOpMatmul(tape, ps->C, PETSC_FALSE, D, PETSC_FALSE, &pv));
  {
    PetscInt n = T + 1;
    PetscCall(CfxOpReshape(tape, pv, 1, &n, &ps->pv));
  }
  /* monthly drift and volatility of the log returns */
  PetscCall(CfxOpSlice(tape, ps->assets, 0, 0, 4, &mu));
  PetscCall(CfxOpSlice(tape, ps->assets, 0, 4, 8, &sig));
  PetscCall(CfxOpScale(tape, sig, PetscSqrtReal(dt), 0, &ps->vol));
  PetscCall(CfxOpSquare(tape, sig, &sig));
  PetscCall(CfxOpScale(tape, sig, -0.5 * dt, 0, &sig));
  PetscCall(CfxOpScale(tape, mu, dt, 0, &mu));
  PetscCall(CfxOpAdd(tape, mu, sig, &ps->drift));
  /* curve features 10 r_1 and 10 (r_K - r_1) */
  PetscCall(CfxOpSlice(tape, ps->curve, 0, 0, 1, &r1));
  PetscCall(CfxOpSlice(tape, ps->curve, 0, K - 1, K, &rK));
  PetscCall(CfxOpScale(tape, r1, 10, 0, &ps->cf1));
  PetscCall(CfxOpSub(tape, rK, r1, &rK));
  PetscCall(CfxOpScale(tape, rK, 10, 0, &ps->cf2));
  /* state (A_0 = f_0 PV_0, contributions 0) */
  PetscCall(CfxTapeNewTensor(tape, 2, sB1, &zero));
  PetscCall(CfxOpSlice(tape, ps->pv, 0, 0, 1, &pv0));
  PetscCall(CfxOpScale(tape, pv0, ps->p.funding0, 0, &a0));
  PetscCall(CfxOpAdd(tape, zero, a0, &a0));
  PetscCall(CfxTapeNewTensor(tape, 2, sB1, &cs));
  {
    CfxTensor parts[2] = {a0, cs};
    PetscCall(CfxOpConcat(tape, 2, parts, 1, state));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode PensionFeatures(CfxTape tape, PetscInt t, CfxTensor state, void *ctx, CfxTensor *feat)
{
  CfxSnapoPension ps = (CfxSnapoPension)ctx;
  PetscInt nb = state->shape[0], sB1[2] = {nb, 1};
  CfxTensor A, pvt, F, tf, c1, c2, zero;

  PetscFunctionBegin;
  PetscCall(CfxOpSlice(tape, state, 1, 0, 1, &A));
  PetscCall(CfxOpSlice(tape, ps->pv, 0, t, t + 1, &pvt));
  PetscCall(CfxOpDiv(tape, A, pvt, &F));
  PetscCall(CfxOpScale(tape, F, 1, -1, &F));
  PetscCall(CfxTapeNewTensorUninit(tape, 2, sB1, &tf));
  for (PetscInt b = 0; b < nb; b++) tf->data[b] = (PetscReal)t / ps->p.nsteps - 0.5;
  PetscCall(CfxTapeNewTensor(tape, 2, sB1, &zero));
  PetscCall(CfxOpAdd(tape, zero, ps->cf1, &c1));
  PetscCall(CfxOpAdd(tape, zero, ps->cf2, &c2));
  {
    CfxTensor parts[4] = {F, tf, c1, c2};
    PetscCall(CfxOpConcat(tape, 4, parts, 1, feat));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode PensionStep(CfxTape tape, PetscInt t, CfxTensor state, CfxTensor z, const PetscReal *xi, void *ctx, CfxTensor *next)
{
  CfxSnapoPension ps = (CfxSnapoPension)ctx;
  PetscInt nb = state->shape[0], sB4[2] = {nb, 4}, sB1[2] = {nb, 1};
  CfxTensor w, Z, lr, R, G, A, Cs, pv1, Fp, C;

  PetscFunctionBegin;
  PetscCheck(z && z->size == 4 * nb, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "pension policy must output 4 weights' logits per path: found %" PetscInt_FMT " entries for %" PetscInt_FMT " paths",
             z ? z->size : 0, nb);
  PetscCall(CfxOpSoftmax(tape, z, &w));
  PetscCall(CfxTapeNewTensorWithData(tape, 2, sB4, xi, &Z));
  PetscCall(CfxOpMatmul(tape, Z, PETSC_FALSE, ps->Lt, PETSC_FALSE, &Z)); /* rows L xi */
  PetscCall(CfxOpMul(tape, Z, ps->vol, &lr));
  PetscCall(CfxOpAdd(tape, lr, ps->drift, &lr));
  PetscCall(CfxOpExp(tape, lr, &R));
  PetscCall(CfxOpMul(tape, w, R, &R));
  PetscCall(CfxOpSum(tape, R, 1, &G));
  PetscCall(CfxOpReshape(tape, G, 2, sB1, &G));
  PetscCall(CfxOpSlice(tape, state, 1, 0, 1, &A));
  PetscCall(CfxOpSlice(tape, state, 1, 1, 2, &Cs));
  PetscCall(CfxOpMul(tape, A, G, &A));
  PetscCall(CfxOpScale(tape, A, 1, -ps->p.benefit, &A));
  /* sponsor contribution on the funding gap after the payment */
  PetscCall(CfxOpSlice(tape, ps->pv, 0, t + 1, t + 2, &pv1));
  PetscCall(CfxOpDiv(tape, A, pv1, &Fp));
  PetscCall(CfxOpScale(tape, Fp, -1, 1, &Fp));
  PetscCall(CfxOpSnapoSoftplusMax(tape, Fp, ps->p.beta, &C));
  PetscCall(CfxOpMul(tape, C, pv1, &C));
  PetscCall(CfxOpScale(tape, C, ps->p.kappa, 0, &C));
  PetscCall(CfxOpAdd(tape, A, C, &A));
  PetscCall(CfxOpAdd(tape, Cs, C, &Cs));
  {
    CfxTensor parts[2] = {A, Cs};
    PetscCall(CfxOpConcat(tape, 2, parts, 1, next));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode PensionObjective(CfxTape tape, CfxTensor state, void *ctx, CfxTensor *obj)
{
  CfxSnapoPension ps = (CfxSnapoPension)ctx;
  PetscInt nb = state->shape[0], T = ps->p.nsteps;
  CfxTensor A, Cs, pvT, pv0, s, s2, j;

  PetscFunctionBegin;
  PetscCall(CfxOpSlice(tape, state, 1, 0, 1, &A));
  PetscCall(CfxOpSlice(tape, state, 1, 1, 2, &Cs));
  PetscCall(CfxOpSlice(tape, ps->pv, 0, T, T + 1, &pvT));
  PetscCall(CfxOpSlice(tape, ps->pv, 0, 0, 1, &pv0));
  PetscCall(CfxOpSub(tape, A, pvT, &s));
  PetscCall(CfxOpDiv(tape, s, pv0, &s));
  PetscCall(CfxOpSquare(tape, s, &s2));
  PetscCall(CfxOpScale(tape, s2, -0.5 * ps->p.aversion, 0, &s2));
  PetscCall(CfxOpAdd(tape, s, s2, &j));
  PetscCall(CfxOpDiv(tape, Cs, pv0, &Cs));
  PetscCall(CfxOpScale(tape, Cs, -ps->p.gamma, 0, &Cs));
  PetscCall(CfxOpAdd(tape, j, Cs, &j));
  PetscCall(CfxOpReshape(tape, j, 1, &nb, obj));
  PetscFunctionReturn(0);
}

/* Lower Cholesky factor of a 4x4 correlation matrix (checked positive definite). */
static PetscErrorCode Cholesky4(const PetscReal c[16], PetscReal L[16])
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < 16; i++) L[i] = 0;
  for (PetscInt j = 0; j < 4; j++) {
    PetscReal d = c[5 * j];
    for (PetscInt k = 0; k < j; k++) d -= L[4 * j + k] * L[4 * j + k];
    PetscCheck(d > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "asset correlation matrix is not positive definite (pivot %" PetscInt_FMT " is %g)", j, (double)d);
    L[5 * j] = PetscSqrtReal(d);
    for (PetscInt i = j + 1; i < 4; i++) {
      PetscReal s = c[4 * i + j];
      for (PetscInt k = 0; k < j; k++) s -= L[4 * i + k] * L[4 * j + k];
      L[4 * i + j] = s / L[5 * j];
    }
  }
  PetscFunctionReturn(0);
}

/*@C
  CfxSnapoPensionCreate - the S2 model with curve r [K] (NULL: the default curve).
@*/
PetscErrorCode CfxSnapoPensionCreate(const CfxSnapoPensionParams *p, const PetscReal r[], CfxSnapoPension *out)
{
  CfxSnapoPension ps;
  PetscInt K = p->nnodes, M = p->nmonths, T = p->nsteps, eight = 8, sMK[2] = {M, K}, sTM[2] = {T + 1, M}, s44[2] = {4, 4};
  PetscReal L[16], mk[8];

  PetscFunctionBegin;
  PetscCheck(T >= 1 && K >= 2 && M > T && p->tau_max > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "pension needs T >= 1, K >= 2 nodes, M > T months and tau_max > 0; found %" PetscInt_FMT ", %" PetscInt_FMT ", %" PetscInt_FMT ", %g", T, K, M, (double)p->tau_max);
  PetscCheck(p->funding0 > 0 && p->benefit > 0 && p->kappa >= 0 && p->beta > 0 && p->aversion >= 0 && p->gamma >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "pension needs funding0, benefit, beta > 0 and kappa, aversion, gamma >= 0");
  for (PetscInt j = 0; j < 4; j++) PetscCheck(p->sigma[j] >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "asset volatility %" PetscInt_FMT " is %g, expected >= 0", j, (double)p->sigma[j]);
  PetscCall(PetscNew(&ps));
  ps->p = *p;
  PetscCall(CfxTensorCreate(1, &K, &ps->curve));
  if (r)
    PetscCall(PetscArraycpy(ps->curve->data, r, K));
  else
    PetscCall(CfxSnapoPensionDefaultCurve(p, ps->curve->data));
  for (PetscInt j = 0; j < 4; j++) {
    mk[j]     = p->mu[j];
    mk[4 + j] = p->sigma[j];
  }
  PetscCall(CfxTensorCreateWithData(1, &eight, mk, &ps->assets));
  PetscCall(CfxTensorSetRequiresGrad(ps->curve, PETSC_TRUE));
  PetscCall(CfxTensorSetRequiresGrad(ps->assets, PETSC_TRUE));
  /* interpolation of the curve at maturities n/12, n = 1..M (linear, flat before node 1 and after node K) */
  PetscCall(CfxTensorCreate(2, sMK, &ps->P));
  PetscCall(CfxTensorCreate(1, &M, &ps->tau));
  for (PetscInt n = 1; n <= M; n++) {
    PetscReal tau = n / 12.0, h = p->tau_max / K, u = tau / h - 1; /* node k at (k + 1) h */
    PetscReal *row       = ps->P->data + (n - 1) * K;
    ps->tau->data[n - 1] = tau;
    if (u <= 0)
      row[0] = 1;
    else if (u >= K - 1)
      row[K - 1] = 1;
    else {
      PetscInt k = (PetscInt)u;
      row[k]     = 1 - (u - k);
      row[k + 1] = u - k;
    }
  }
  /* C[t, n-1] = benefit for the payment n months after t (months t+1..M) */
  PetscCall(CfxTensorCreate(2, sTM, &ps->C));
  for (PetscInt t = 0; t <= T; t++)
    for (PetscInt n = 1; n <= M - t; n++) ps->C->data[t * M + n - 1] = p->benefit;
  PetscCall(Cholesky4(p->corr, L));
  PetscCall(CfxTensorCreate(2, s44, &ps->Lt));
  for (PetscInt i = 0; i < 4; i++)
    for (PetscInt j = 0; j < 4; j++) ps->Lt->data[4 * j + i] = L[4 * i + j];
  *out = ps;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSnapoPensionGetModel(CfxSnapoPension ps, CfxSnapoModelOps *m)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(m, sizeof(*m)));
  m->nsteps    = ps->p.nsteps;
  m->nstate    = 2;
  m->nfeature  = 4;
  m->naction   = 4;
  m->nnoise    = 4;
  m->initial   = PensionInitial;
  m->features  = PensionFeatures;
  m->step      = PensionStep;
  m->objective = PensionObjective;
  m->ctx       = ps;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSnapoPensionGetInputs(CfxSnapoPension ps, CfxTensor *curve, CfxTensor *assets)
{
  PetscFunctionBegin;
  if (curve) *curve = ps->curve;
  if (assets) *assets = ps->assets;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSnapoPensionDestroy(CfxSnapoPension *ps)
{
  PetscFunctionBegin;
  if (!*ps) PetscFunctionReturn(0);
  PetscCall(CfxTensorDestroy(&(*ps)->curve));
  PetscCall(CfxTensorDestroy(&(*ps)->assets));
  PetscCall(CfxTensorDestroy(&(*ps)->P));
  PetscCall(CfxTensorDestroy(&(*ps)->tau));
  PetscCall(CfxTensorDestroy(&(*ps)->C));
  PetscCall(CfxTensorDestroy(&(*ps)->Lt));
  PetscCall(PetscFree(*ps));
  PetscFunctionReturn(0);
}
