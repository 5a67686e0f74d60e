/* S1 natural gas storage as a SNAPO model: state [B, 3] = (inventory I, log factor X,
   running cash R). The step is one custom tape op with a hand-written adjoint that
   accumulates into the policy output, the state, the forward curve F_t it read and the
   market inputs (sigma, kappa, cost): every read of an input in the forward has its
   matching accumulation in the reverse sweep. */
#include <cfximpl.h>
#include <conflux/cfxsnapo.h>

struct _n_CfxSnapoGas {
  CfxSnapoGasParams p;
  CfxTensor F, market; /* [T], [3] = sigma, kappa, cost */
  PetscReal feat_sd;   /* fixed feature scale of X */
  PetscReal violation;
};

PetscErrorCode CfxSnapoGasSetDefaults(CfxSnapoGasParams *p)
{
  PetscFunctionBegin;
  p->nsteps  = 365;
  p->dt      = 1.0 / 365;
  p->kappa   = 10;
  p->sigma   = 0.8;
  p->imax    = 1;
  p->i0      = 0;
  p->qin     = 1.0 / 100;
  p->qout    = 1.0 / 50;
  p->cost    = 0.10;
  p->penalty = 50;
  p->beta    = 1e4;
  p->eps_abs = 1e-4;
  p->hard    = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSnapoGasParamsSetFromOptions(MPI_Comm comm, CfxSnapoGasParams *p)
{
  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "S1 gas storage (CfxSnapoGas)", "CfxSnapoGas");
  PetscCall(PetscOptionsInt("-gas_nsteps", "Daily decisions T (a curve file sets it)", NULL, p->nsteps, &p->nsteps, NULL));
  PetscCall(PetscOptionsReal("-gas_kappa", "Mean reversion of the log factor (per year)", NULL, p->kappa, &p->kappa, NULL));
  PetscCall(PetscOptionsReal("-gas_sigma", "Volatility of the log factor (per sqrt year)", NULL, p->sigma, &p->sigma, NULL));
  PetscCall(PetscOptionsReal("-gas_imax", "Capacity I_max", NULL, p->imax, &p->imax, NULL));
  PetscCall(PetscOptionsReal("-gas_i0", "Initial inventory I_0 (terminal I_T >= I_0)", NULL, p->i0, &p->i0, NULL));
  PetscCall(PetscOptionsReal("-gas_qin", "Injection limit per day", NULL, p->qin, &p->qin, NULL));
  PetscCall(PetscOptionsReal("-gas_qout", "Withdrawal limit per day", NULL, p->qout, &p->qout, NULL));
  PetscCall(PetscOptionsReal("-gas_cost", "Cost per unit injected or withdrawn", NULL, p->cost, &p->cost, NULL));
  PetscCall(PetscOptionsReal("-gas_penalty", "Terminal penalty weight lambda", NULL, p->penalty, &p->penalty, NULL));
  PetscCall(PetscOptionsReal("-gas_beta", "Sharpness beta of the terminal softplus penalty", NULL, p->beta, &p->beta, NULL));
  PetscCall(PetscOptionsReal("-gas_eps", "Width eps of the smooth |a| in the cost", NULL, p->eps_abs, &p->eps_abs, NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSnapoGasDefaultCurve(PetscInt n, PetscReal F[])
{
  PetscFunctionBegin;
  for (PetscInt t = 0; t < n; t++) F[t] = 20 + 5 * cos(2 * PETSC_PI * (t - 15) / 365.0);
  PetscFunctionReturn(0);
}

/* OU coefficients and their kappa-derivatives; v(t) and its partials. */
typedef struct {
  PetscReal alpha, b, dalpha_dk, db_ds, db_dk;
} OUCoef;

static void OUCoefficients(PetscReal sigma, PetscReal kappa, PetscReal dt, OUCoef *c)
{
  PetscReal e2 = exp(-2 * kappa * dt), h = (1 - e2) / (2 * kappa);
  PetscReal dh = (2 * kappa * dt * e2 - (1 - e2)) / (2 * kappa * kappa);
  c->alpha     = exp(-kappa * dt);
  c->dalpha_dk = -dt * c->alpha;
  c->b         = sigma * sqrt(h);
  c->db_ds     = sqrt(h);
  c->db_dk     = sigma * dh / (2 * sqrt(h));
}

static PetscReal Variance(PetscReal sigma, PetscReal kappa, PetscReal tau, PetscReal *dv_ds, PetscReal *dv_dk)
{
  PetscReal e = exp(-2 * kappa * tau), g = 1 - e;
  if (dv_ds) *dv_ds = 2 * sigma * g / (2 * kappa);
  if (dv_dk) *dv_dk = sigma * sigma * (2 * kappa * tau * e - g) / (2 * kappa * kappa);
  return sigma * sigma * g / (2 * kappa);
}

/* ---- initial state */
static PetscErrorCode GasInitial(CfxTape tape, PetscInt nb, void *ctx, CfxTensor *state)
{
  CfxSnapoGas gas   = (CfxSnapoGas)ctx;
  PetscInt shape[2] = {nb, 3};

  PetscFunctionBegin;
  PetscCall(CfxTapeNewTensor(tape, 2, shape, state));
  for (PetscInt b = 0; b < nb; b++) (*state)->data[3 * b] = gas->p.i0;
  PetscFunctionReturn(0);
}

/* ---- features */
typedef struct {
  CfxTensor state, feat;
  PetscReal si, sx;
} FeatCtx;

static PetscErrorCode FeatBackward(CfxTape tape, void *vctx)
{
  FeatCtx *c = (FeatCtx *)vctx;
  PetscReal *go, *gs;

  PetscFunctionBegin;
  PetscCall(CfxTensorGetGrad(tape, c->feat, &go));
  PetscCall(CfxTensorGetGrad(tape, c->state, &gs));
  if (gs)
    for (PetscInt b = 0; b < c->state->shape[0]; b++) {
      gs[3 * b] += go[5 * b + 3] * c->si;
      gs[3 * b + 1] += go[5 * b + 4] * c->sx;
    }
  PetscFunctionReturn(0);
}

static PetscErrorCode GasFeatures(CfxTape tape, PetscInt t, CfxTensor state, void *ctx, CfxTensor *feat)
{
  CfxSnapoGas gas = (CfxSnapoGas)ctx;
  PetscInt nb = state->shape[0], shape[2] = {nb, 5}, T = gas->p.nsteps;
  PetscReal ph = 2 * PETSC_PI * t / T, si = 2 / gas->p.imax, sx = 1 / gas->feat_sd;
  CfxTensor o;

  PetscFunctionBegin;
  PetscCall(CfxTapeNewTensorUninit(tape, 2, shape, &o));
  for (PetscInt b = 0; b < nb; b++) {
    PetscReal *ob = o->data + 5 * b;
    ob[0]         = (PetscReal)t / T - 0.5;
    ob[1]         = cos(ph);
    ob[2]         = sin(ph);
    ob[3]         = si * state->data[3 * b] - 1;
    ob[4]         = sx * state->data[3 * b + 1];
  }
  if (CfxTapeNeedsGrad(tape, 1, &state)) {
    FeatCtx *c;
    PetscCall(CfxTensorMarkRequiresGrad(o));
    PetscCall(CfxTapeAlloc(tape, sizeof(*c), (void **)&c));
    c->state = state;
    c->feat  = o;
    c->si    = si;
    c->sx    = sx;
    PetscCall(CfxTapeRecord(tape, o, FeatBackward, c));
  }
  *feat = o;
  PetscFunctionReturn(0);
}

/* ---- step */
typedef struct {
  CfxSnapoGas gas;
  CfxTensor state, z, next;
  PetscInt t;
  const PetscReal *xi; /* [B] noise of this step (the block's noise lives until the reset) */
} StepCtx;

static PetscErrorCode StepBackward(CfxTape tape, void *vctx)
{
  StepCtx *c            = (StepCtx *)vctx;
  CfxSnapoGas gas       = c->gas;
  const PetscReal sigma = gas->market->data[0], kappa = gas->market->data[1], cost = gas->market->data[2];
  const PetscReal Ft = gas->F->data[c->t];
  CfxSnapoStorage st = {gas->p.imax, gas->p.qin, gas->p.qout};
  OUCoef ou;
  PetscReal dv_ds, dv_dk, v = Variance(sigma, kappa, c->t * gas->p.dt, &dv_ds, &dv_dk);
  PetscReal *gn, *gs, *gz, *gF, *gm, gsig = 0, gkap = 0, gcost = 0, gFt = 0;

  PetscFunctionBegin;
  OUCoefficients(sigma, kappa, gas->p.dt, &ou);
  PetscCall(CfxTensorGetGrad(tape, c->next, &gn));
  PetscCall(CfxTensorGetGrad(tape, c->state, &gs));
  PetscCall(CfxTensorGetGrad(tape, c->z, &gz));
  PetscCall(CfxTensorGetGrad(tape, gas->F, &gF));
  PetscCall(CfxTensorGetGrad(tape, gas->market, &gm));
  for (PetscInt b = 0; b < c->state->shape[0]; b++) {
    const PetscReal *s = c->state->data + 3 * b, *g = gn + 3 * b;
    PetscReal dadz, dadi, dabs, a = CfxSnapoStorageAction(&st, c->z ? c->z->data[b] : 0, s[0], &dadz, &dadi);
    PetscReal S = Ft * exp(s[1] - 0.5 * v), absa;
    PetscReal ga, gI, gX, glogS;

    if (gas->p.hard) {
      absa = fabs(a);
      dabs = a > 0 ? 1 : (a < 0 ? -1 : 0);
    } else
      absa = CfxSnapoSmoothAbs(a, gas->p.eps_abs, &dabs);
    /* I' = I + a; X' = alpha X + b xi; R' = R - a S - c |a| */
    ga    = g[0] + g[2] * (-S - cost * dabs);
    glogS = g[2] * (-a * S);
    gI    = g[0] + ga * dadi;
    gX    = g[1] * ou.alpha + glogS;
    gFt += glogS / Ft;
    gcost += -g[2] * absa;
    gsig += -0.5 * glogS * dv_ds + g[1] * c->xi[b] * ou.db_ds;
    gkap += -0.5 * glogS * dv_dk + g[1] * (c->xi[b] * ou.db_dk + s[1] * ou.dalpha_dk);
    if (gs) {
      gs[3 * b] += gI;
      gs[3 * b + 1] += gX;
      gs[3 * b + 2] += g[2];
    }
    if (gz) gz[b] += ga * dadz;
  }
  if (gF) gF[c->t] += gFt;
  if (gm) {
    gm[0] += gsig;
    gm[1] += gkap;
    gm[2] += gcost;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode GasStep(CfxTape tape, PetscInt t, CfxTensor state, CfxTensor z, const PetscReal *xi, void *ctx, CfxTensor *next)
{
  CfxSnapoGas gas       = (CfxSnapoGas)ctx;
  const PetscReal sigma = gas->market->data[0], kappa = gas->market->data[1], cost = gas->market->data[2];
  const PetscReal Ft = gas->F->data[t];
  CfxSnapoStorage st = {gas->p.imax, gas->p.qin, gas->p.qout};
  PetscInt nb        = state->shape[0];
  CfxTensor n, in[4] = {state, z, gas->F, gas->market};
  OUCoef ou;
  PetscReal v = Variance(sigma, kappa, t * gas->p.dt, NULL, NULL), viol = gas->violation;

  PetscFunctionBegin;
  PetscCheck(!z || z->size == nb, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "gas storage policy output must have 1 column per path: %" PetscInt_FMT " entries for %" PetscInt_FMT " paths", z ? z->size : 0,
             nb);
  OUCoefficients(sigma, kappa, gas->p.dt, &ou);
  PetscCall(CfxTapeNewTensorUninit(tape, 2, state->shape, &n));
  for (PetscInt b = 0; b < nb; b++) {
    const PetscReal *s = state->data + 3 * b;
    PetscReal a        = CfxSnapoStorageAction(&st, z ? z->data[b] : 0, s[0], NULL, NULL);
    PetscReal S = Ft * exp(s[1] - 0.5 * v), absa = gas->p.hard ? fabs(a) : CfxSnapoSmoothAbs(a, gas->p.eps_abs, NULL);
    PetscReal *o = n->data + 3 * b;
    o[0]         = s[0] + a;
    o[1]         = ou.alpha * s[1] + ou.b * xi[b];
    o[2]         = s[2] - a * S - cost * absa;
    /* feasibility monitor (exact arithmetic of the stored values, no tolerance) */
    viol = PetscMax(viol, PetscMax(PetscMax(-o[0], o[0] - gas->p.imax), PetscMax(a - gas->p.qin, -gas->p.qout - a)));
  }
  gas->violation = viol;
  if (CfxTapeNeedsGrad(tape, z ? 4 : 3, z ? in : (CfxTensor[]){state, gas->F, gas->market})) {
    StepCtx *c;
    PetscCall(CfxTensorMarkRequiresGrad(n));
    PetscCall(CfxTapeAlloc(tape, sizeof(*c), (void **)&c));
    c->gas   = gas;
    c->state = state;
    c->z     = z;
    c->next  = n;
    c->t     = t;
    c->xi    = xi;
    PetscCall(CfxTapeRecord(tape, n, StepBackward, c));
  }
  *next = n;
  PetscFunctionReturn(0);
}

/* ---- objective: R_T - lambda SP_beta(I_0 - I_T) */
typedef struct {
  CfxSnapoGas gas;
  CfxTensor state, obj;
} ObjCtx;

static PetscErrorCode ObjBackward(CfxTape tape, void *vctx)
{
  ObjCtx *c = (ObjCtx *)vctx;
  PetscReal *go, *gs;

  PetscFunctionBegin;
  PetscCall(CfxTensorGetGrad(tape, c->obj, &go));
  PetscCall(CfxTensorGetGrad(tape, c->state, &gs));
  if (gs)
    for (PetscInt b = 0; b < c->obj->size; b++) {
      PetscReal d, x = c->gas->p.i0 - c->state->data[3 * b];
      if (c->gas->p.hard)
        d = x > 0 ? 1 : 0;
      else
        (void)CfxSnapoSoftplusMax(x, c->gas->p.beta, &d);
      gs[3 * b] += go[b] * c->gas->p.penalty * d;
      gs[3 * b + 2] += go[b];
    }
  PetscFunctionReturn(0);
}

static PetscErrorCode GasObjective(CfxTape tape, CfxTensor state, void *ctx, CfxTensor *obj)
{
  CfxSnapoGas gas = (CfxSnapoGas)ctx;
  PetscInt nb     = state->shape[0];
  CfxTensor o;

  PetscFunctionBegin;
  PetscCall(CfxTapeNewTensorUninit(tape, 1, &nb, &o));
  for (PetscInt b = 0; b < nb; b++) {
    PetscReal x   = gas->p.i0 - state->data[3 * b];
    PetscReal pen = gas->p.hard ? PetscMax(x, 0) : CfxSnapoSoftplusMax(x, gas->p.beta, NULL);
    o->data[b]    = state->data[3 * b + 2] - gas->p.penalty * pen;
  }
  if (CfxTapeNeedsGrad(tape, 1, &state)) {
    ObjCtx *c;
    PetscCall(CfxTensorMarkRequiresGrad(o));
    PetscCall(CfxTapeAlloc(tape, sizeof(*c), (void **)&c));
    c->gas   = gas;
    c->state = state;
    c->obj   = o;
    PetscCall(CfxTapeRecord(tape, o, ObjBackward, c));
  }
  *obj = o;
  PetscFunctionReturn(0);
}

/*@C
  CfxSnapoGasCreate - the S1 model over forward curve F (params->nsteps values).
@*/
PetscErrorCode CfxSnapoGasCreate(const CfxSnapoGasParams *p, const PetscReal F[], CfxSnapoGas *gas)
{
  CfxSnapoGas g;
  PetscInt three = 3;
  PetscReal m[3] = {p->sigma, p->kappa, p->cost};

  PetscFunctionBegin;
  PetscCheck(p->nsteps > 0 && p->dt > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "gas storage needs nsteps > 0 and dt > 0, found %" PetscInt_FMT " and %g", p->nsteps, (double)p->dt);
  PetscCheck(p->kappa > 0 && p->sigma >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "gas storage needs kappa > 0 and sigma >= 0, found %g and %g", (double)p->kappa, (double)p->sigma);
  PetscCheck(p->imax > 0 && p->qin > 0 && p->qout > 0 && p->i0 >= 0 && p->i0 <= p->imax, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "gas storage needs I_max, q_in, q_out > 0 and 0 <= I_0 <= I_max, found %g, %g, %g, %g", (double)p->imax, (double)p->qin, (double)p->qout, (double)p->i0);
  PetscCheck(p->beta > 0 && p->eps_abs > 0 && p->penalty >= 0 && p->cost >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "gas storage needs beta, eps > 0 and penalty, cost >= 0");
  for (PetscInt t = 0; t < p->nsteps; t++) PetscCheck(F[t] > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "forward curve must be positive: F[%" PetscInt_FMT "] = %g", t, (double)F[t]);
  PetscCall(PetscNew(&g));
  g->p = *p;
  PetscCall(CfxTensorCreateWithData(1, &p->nsteps, F, &g->F));
  PetscCall(CfxTensorCreateWithData(1, &three, m, &g->market));
  PetscCall(CfxTensorSetRequiresGrad(g->F, PETSC_TRUE));
  PetscCall(CfxTensorSetRequiresGrad(g->market, PETSC_TRUE));
  g->feat_sd = p->sigma > 0 ? p->sigma / sqrt(2 * p->kappa) : 1;
  *gas       = g;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSnapoGasGetModel(CfxSnapoGas gas, CfxSnapoModelOps *m)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(m, sizeof(*m)));
  m->nsteps    = gas->p.nsteps;
  m->nstate    = 3;
  m->nfeature  = 5;
  m->naction   = 1;
  m->nnoise    = 1;
  m->initial   = GasInitial;
  m->features  = GasFeatures;
  m->step      = GasStep;
  m->objective = GasObjective;
  m->ctx       = gas;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSnapoGasGetInputs(CfxSnapoGas gas, CfxTensor *F, CfxTensor *market)
{
  PetscFunctionBegin;
  if (F) *F = gas->F;
  if (market) *market = gas->market;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSnapoGasSetHard(CfxSnapoGas gas, PetscBool hard)
{
  PetscFunctionBegin;
  gas->p.hard = hard;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSnapoGasGetViolation(CfxSnapoGas gas, PetscReal *v)
{
  PetscFunctionBegin;
  *v = gas->violation;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSnapoGasDestroy(CfxSnapoGas *gas)
{
  PetscFunctionBegin;
  if (!*gas) PetscFunctionReturn(0);
  PetscCall(CfxTensorDestroy(&(*gas)->F));
  PetscCall(CfxTensorDestroy(&(*gas)->market));
  PetscCall(PetscFree(*gas));
  PetscFunctionReturn(0);
}
