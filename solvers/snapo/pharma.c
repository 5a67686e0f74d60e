/* S3 pharmaceutical process chain as a SNAPO model built from conflux tape ops (adjoint by
   composition): batch reactor -> crystalliser -> filter/wash -> dryer, 5 quality outputs.

   Reactor A -> B -> C (B the product, C an impurity), Arrhenius rates
       k_i(T) = exp(ln A_i - (E_i/R)/T),   dA/dt = -k1 A,  dB/dt = k1 A - k2 B,  dC/dt = k2 B,
   integrated by RK4 with N steps of dt = t_R/N; the policy sets the temperature of each step,
   T = 290 + 60 s(z) in (290, 350) K (box map), from the features (t/N - 1/2, A, B, C). Feed
   A_0 = 1 + 0.05 xi (batch-to-batch variability, the first draw of the path).
   Downstream, with process parameters r (cooling rate, K/h), s (seed loading, %), w (wash
   volumes), T_d (dryer temperature, K) and a dryer time of 6 h:
     crystalliser  m = SP_200(B - c_sat), c_sat = 0.04 + 0.01 r;  occluded impurity phi C,
                   phi = 0.2 (1 + 0.1 r) + 0.05 (mother liquor)
     size          L = 100 (m / (0.01 s))^(1/3) / (1 + 0.05 r)          (micrometres)
     wash          impurity I = phi C exp(-0.8 w);  product m_f = m (1 - 0.01 w)
     dryer         solvent S = 0.3 exp(-6 k_d), k_d = exp(12 - 4000/T_d);
                   degradant D = m_f (1 - exp(-6 k_g)), k_g = exp(20 - 9000/T_d)
   Quality outputs q = (yield m_f - D, purity (m_f - D)/(m_f + I), size L, solvent S, degradant D).
   Training objective J = yield - 20 SP_200(0.98 - purity). CfxSnapoPharmaSetOutput(k) makes
   the objective quality output k instead, so 5 reverse sweeps give every d q_k / d p.
   Inputs p [8] = (ln A1, E1/R, ln A2, E2/R, r, s, w, T_d), requires_grad. */
#include "snapoimpl.h"

struct _n_CfxSnapoPharma {
  CfxSnapoPharmaParams p;
  CfxTensor par; /* [8] */
  PetscInt output;
};

PetscErrorCode CfxSnapoPharmaSetDefaults(CfxSnapoPharmaParams *p)
{
  PetscFunctionBegin;
  p->nsteps  = 40;
  p->t_react = 4;
  p->lnA1    = 25;     /* k1(320 K) = 1 per hour */
  p->E1      = 8000;   /* K */
  p->lnA2    = 28.947; /* k2(320 K) ~ 0.1 per hour */
  p->E2      = 10000;
  p->cool    = 10;
  p->seed    = 2;
  p->wash    = 3;
  p->t_dry   = 330;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSnapoPharmaParamsSetFromOptions(MPI_Comm comm, CfxSnapoPharmaParams *p)
{
  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "S3 pharma chain (CfxSnapoPharma)", "CfxSnapoPharma");
  PetscCall(PetscOptionsInt("-pharma_nsteps", "RK4 steps (temperature decisions) in the reactor", NULL, p->nsteps, &p->nsteps, NULL));
  PetscCall(PetscOptionsReal("-pharma_t_react", "Reaction time (h)", NULL, p->t_react, &p->t_react, NULL));
  PetscCall(PetscOptionsReal("-pharma_lnA1", "ln pre-exponential factor of A -> B (1/h)", NULL, p->lnA1, &p->lnA1, NULL));
  PetscCall(PetscOptionsReal("-pharma_E1", "Activation temperature E1/R of A -> B (K)", NULL, p->E1, &p->E1, NULL));
  PetscCall(PetscOptionsReal("-pharma_lnA2", "ln pre-exponential factor of B -> C (1/h)", NULL, p->lnA2, &p->lnA2, NULL));
  PetscCall(PetscOptionsReal("-pharma_E2", "Activation temperature E2/R of B -> C (K)", NULL, p->E2, &p->E2, NULL));
  PetscCall(PetscOptionsReal("-pharma_cool", "Crystalliser cooling rate (K/h)", NULL, p->cool, &p->cool, NULL));
  PetscCall(PetscOptionsReal("-pharma_seed", "Seed loading (%)", NULL, p->seed, &p->seed, NULL));
  PetscCall(PetscOptionsReal("-pharma_wash", "Wash volumes", NULL, p->wash, &p->wash, NULL));
  PetscCall(PetscOptionsReal("-pharma_t_dry", "Dryer temperature (K)", NULL, p->t_dry, &p->t_dry, NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

static PetscErrorCode PharmaInitial(CfxTape tape, PetscInt nb, void *ctx, CfxTensor *state)
{
  PetscInt shape[2] = {nb, 3};

  PetscFunctionBegin;
  (void)ctx;
  PetscCall(CfxTapeNewTensor(tape, 2, shape, state)); /* the feed is set by the first step */
  PetscFunctionReturn(0);
}

static PetscErrorCode PharmaFeatures(CfxTape tape, PetscInt t, CfxTensor state, void *ctx, CfxTensor *feat)
{
  CfxSnapoPharma ph = (CfxSnapoPharma)ctx;
  PetscInt nb = state->shape[0], sB1[2] = {nb, 1};
  CfxTensor tf;

  PetscFunctionBegin;
  PetscCall(CfxTapeNewTensorUninit(tape, 2, sB1, &tf));
  for (PetscInt b = 0; b < nb; b++) tf->data[b] = (PetscReal)t / ph->p.nsteps - 0.5;
  {
    CfxTensor parts[2] = {tf, state};
    PetscCall(CfxOpConcat(tape, 2, parts, 1, feat));
  }
  PetscFunctionReturn(0);
}

/* rates k1, k2 [B, 1] at temperature T [B, 1] */
static PetscErrorCode Rates(CfxTape tape, CfxTensor par, CfxTensor T, CfxTensor *k1, CfxTensor *k2)
{
  CfxTensor lnA, E, x;

  PetscFunctionBegin;
  PetscCall(CfxOpSlice(tape, par, 0, 0, 1, &lnA));
  PetscCall(CfxOpSlice(tape, par, 0, 1, 2, &E));
  PetscCall(CfxOpDiv(tape, E, T, &x));
  PetscCall(CfxOpSub(tape, lnA, x, &x));
  PetscCall(CfxOpExp(tape, x, k1));
  PetscCall(CfxOpSlice(tape, par, 0, 2, 3, &lnA));
  PetscCall(CfxOpSlice(tape, par, 0, 3, 4, &E));
  PetscCall(CfxOpDiv(tape, E, T, &x));
  PetscCall(CfxOpSub(tape, lnA, x, &x));
  PetscCall(CfxOpExp(tape, x, k2));
  PetscFunctionReturn(0);
}

/* f(y) = (-k1 A, k1 A - k2 B, k2 B) for y [B, 3] */
static PetscErrorCode Rhs(CfxTape tape, CfxTensor y, CfxTensor k1, CfxTensor k2, CfxTensor *f)
{
  CfxTensor A, B, r1, r2, fa, fb;

  PetscFunctionBegin;
  PetscCall(CfxOpSlice(tape, y, 1, 0, 1, &A));
  PetscCall(CfxOpSlice(tape, y, 1, 1, 2, &B));
  PetscCall(CfxOpMul(tape, k1, A, &r1));
  PetscCall(CfxOpMul(tape, k2, B, &r2));
  PetscCall(CfxOpScale(tape, r1, -1, 0, &fa));
  PetscCall(CfxOpSub(tape, r1, r2, &fb));
  {
    CfxTensor parts[3] = {fa, fb, r2};
    PetscCall(CfxOpConcat(tape, 3, parts, 1, f));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode PharmaStep(CfxTape tape, PetscInt t, CfxTensor state, CfxTensor z, const PetscReal *xi, void *ctx, CfxTensor *next)
{
  CfxSnapoPharma ph = (CfxSnapoPharma)ctx;
  PetscInt nb       = state->shape[0];
  PetscReal h       = ph->p.t_react / ph->p.nsteps;
  CfxTensor y       = state, T, k1, k2, f1, f2, f3, f4, yt, acc;

  PetscFunctionBegin;
  PetscCheck(z && z->size == nb, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "pharma policy must output 1 value per path: found %" PetscInt_FMT " for %" PetscInt_FMT " paths", z ? z->size : 0, nb);
  if (t == 0) { /* feed A_0 = 1 + 0.05 xi */
    PetscInt shape[2] = {nb, 3};
    PetscCall(CfxTapeNewTensor(tape, 2, shape, &y));
    for (PetscInt b = 0; b < nb; b++) y->data[3 * b] = 1 + 0.05 * xi[b];
  }
  PetscCall(CfxOpSnapoBoxMap(tape, z, 290, 350, &T));
  {
    PetscInt sB1[2] = {nb, 1};
    PetscCall(CfxOpReshape(tape, T, 2, sB1, &T));
  }
  PetscCall(Rates(tape, ph->par, T, &k1, &k2));
  PetscCall(Rhs(tape, y, k1, k2, &f1));
  PetscCall(CfxOpScale(tape, f1, h / 2, 0, &yt));
  PetscCall(CfxOpAdd(tape, y, yt, &yt));
  PetscCall(Rhs(tape, yt, k1, k2, &f2));
  PetscCall(CfxOpScale(tape, f2, h / 2, 0, &yt));
  PetscCall(CfxOpAdd(tape, y, yt, &yt));
  PetscCall(Rhs(tape, yt, k1, k2, &f3));
  PetscCall(CfxOpScale(tape, f3, h, 0, &yt));
  PetscCall(CfxOpAdd(tape, y, yt, &yt));
  PetscCall(Rhs(tape, yt, k1, k2, &f4));
  /* y + h/6 (f1 + 2 f2 + 2 f3 + f4) */
  PetscCall(CfxOpAdd(tape, f2, f3, &acc));
  PetscCall(CfxOpScale(tape, acc, 2, 0, &acc));
  PetscCall(CfxOpAdd(tape, acc, f1, &acc));
  PetscCall(CfxOpAdd(tape, acc, f4, &acc));
  PetscCall(CfxOpScale(tape, acc, h / 6, 0, &acc));
  PetscCall(CfxOpAdd(tape, y, acc, next));
  PetscFunctionReturn(0);
}

/* the 5 quality outputs [B, 1] each from the reactor's final state */
static PetscErrorCode Quality(CfxTape tape, CfxSnapoPharma ph, CfxTensor y, CfxTensor q[5])
{
  CfxTensor B, C, r, s, w, Td, x, csat, m, phi, Imp, mf, L, kd, S, kg, D, Y, P;

  PetscFunctionBegin;
  PetscCall(CfxOpSlice(tape, y, 1, 1, 2, &B));
  PetscCall(CfxOpSlice(tape, y, 1, 2, 3, &C));
  PetscCall(CfxOpSlice(tape, ph->par, 0, 4, 5, &r));
  PetscCall(CfxOpSlice(tape, ph->par, 0, 5, 6, &s));
  PetscCall(CfxOpSlice(tape, ph->par, 0, 6, 7, &w));
  PetscCall(CfxOpSlice(tape, ph->par, 0, 7, 8, &Td));
  /* crystalliser */
  PetscCall(CfxOpScale(tape, r, 0.01, 0.04, &csat));
  PetscCall(CfxOpSub(tape, B, csat, &x));
  PetscCall(CfxOpSnapoSoftplusMax(tape, x, 200, &m));
  PetscCall(CfxOpScale(tape, r, 0.02, 0.25, &phi));
  /* size L = 100 (m / (0.01 s))^(1/3) / (1 + 0.05 r) */
  PetscCall(CfxOpScale(tape, s, 0.01, 0, &x));
  PetscCall(CfxOpDiv(tape, m, x, &x));
  PetscCall(CfxOpLog(tape, x, &x));
  PetscCall(CfxOpScale(tape, x, 1.0 / 3, PetscLogReal(100), &x));
  PetscCall(CfxOpExp(tape, x, &L));
  PetscCall(CfxOpScale(tape, r, 0.05, 1, &x));
  PetscCall(CfxOpDiv(tape, L, x, &L));
  /* wash */
  PetscCall(CfxOpScale(tape, w, -0.8, 0, &x));
  PetscCall(CfxOpExp(tape, x, &x));
  PetscCall(CfxOpMul(tape, phi, x, &x));
  PetscCall(CfxOpMul(tape, C, x, &Imp));
  PetscCall(CfxOpScale(tape, w, -0.01, 1, &x));
  PetscCall(CfxOpMul(tape, m, x, &mf));
  /* dryer, 6 h at T_d */
  {
    CfxTensor one;
    PetscInt n1 = 1;
    PetscCall(CfxTapeNewTensor(tape, 1, &n1, &one));
    one->data[0] = 1;
    PetscCall(CfxOpDiv(tape, one, Td, &x));
  }
  PetscCall(CfxOpScale(tape, x, -4000, 12, &kd));
  PetscCall(CfxOpExp(tape, kd, &kd));
  PetscCall(CfxOpScale(tape, kd, -6, 0, &S));
  PetscCall(CfxOpExp(tape, S, &S));
  PetscCall(CfxOpScale(tape, S, 0.3, 0, &S));
  PetscCall(CfxOpScale(tape, x, -9000, 20, &kg));
  PetscCall(CfxOpExp(tape, kg, &kg));
  PetscCall(CfxOpScale(tape, kg, -6, 0, &kg));
  PetscCall(CfxOpExp(tape, kg, &kg));
  PetscCall(CfxOpScale(tape, kg, -1, 1, &kg)); /* 1 - exp(-6 k_g) */
  PetscCall(CfxOpMul(tape, mf, kg, &D));
  PetscCall(CfxOpSub(tape, mf, D, &Y));
  PetscCall(CfxOpAdd(tape, mf, Imp, &x));
  PetscCall(CfxOpDiv(tape, Y, x, &P));
  q[0] = Y;
  q[1] = P;
  q[2] = L;
  {
    PetscInt nb = y->shape[0], sB1[2] = {nb, 1};
    CfxTensor zero;
    PetscCall(CfxTapeNewTensor(tape, 2, sB1, &zero));
    PetscCall(CfxOpAdd(tape, zero, S, &q[3])); /* S does not depend on the path: broadcast */
  }
  q[4] = D;
  PetscFunctionReturn(0);
}

static PetscErrorCode PharmaObjective(CfxTape tape, CfxTensor state, void *ctx, CfxTensor *obj)
{
  CfxSnapoPharma ph = (CfxSnapoPharma)ctx;
  PetscInt nb       = state->shape[0];
  CfxTensor q[5], j;

  PetscFunctionBegin;
  PetscCall(Quality(tape, ph, state, q));
  if (ph->output >= 0)
    j = q[ph->output];
  else {
    CfxTensor pen;
    PetscCall(CfxOpScale(tape, q[1], -1, 0.98, &pen));
    PetscCall(CfxOpSnapoSoftplusMax(tape, pen, 200, &pen));
    PetscCall(CfxOpScale(tape, pen, -20, 0, &pen));
    PetscCall(CfxOpAdd(tape, q[0], pen, &j));
  }
  PetscCall(CfxOpReshape(tape, j, 1, &nb, obj));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSnapoPharmaCreate(const CfxSnapoPharmaParams *p, CfxSnapoPharma *out)
{
  CfxSnapoPharma ph;
  PetscInt eight = 8;
  PetscReal v[8] = {p->lnA1, p->E1, p->lnA2, p->E2, p->cool, p->seed, p->wash, p->t_dry};

  PetscFunctionBegin;
  PetscCheck(p->nsteps >= 1 && p->t_react > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "pharma needs nsteps >= 1 and t_react > 0, found %" PetscInt_FMT " and %g", p->nsteps, (double)p->t_react);
  PetscCheck(p->cool >= 0 && p->seed > 0 && p->wash >= 0 && p->wash < 100 && p->t_dry > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "pharma needs cooling rate >= 0, seed > 0, 0 <= wash < 100, dryer temperature > 0; found %g, %g, %g, %g", (double)p->cool, (double)p->seed, (double)p->wash, (double)p->t_dry);
  PetscCall(PetscNew(&ph));
  ph->p      = *p;
  ph->output = -1;
  PetscCall(CfxTensorCreateWithData(1, &eight, v, &ph->par));
  PetscCall(CfxTensorSetRequiresGrad(ph->par, PETSC_TRUE));
  *out = ph;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSnapoPharmaSetOutput(CfxSnapoPharma ph, PetscInt k)
{
  PetscFunctionBegin;
  PetscCheck(k >= -1 && k < 5, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "pharma output %" PetscInt_FMT " not in -1 (training objective), 0..4", k);
  ph->output = k;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSnapoPharmaGetModel(CfxSnapoPharma ph, CfxSnapoModelOps *m)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(m, sizeof(*m)));
  m->nsteps    = ph->p.nsteps;
  m->nstate    = 3;
  m->nfeature  = 4;
  m->naction   = 1;
  m->nnoise    = 1;
  m->initial   = PharmaInitial;
  m->features  = PharmaFeatures;
  m->step      = PharmaStep;
  m->objective = PharmaObjective;
  m->ctx       = ph;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSnapoPharmaGetInputs(CfxSnapoPharma ph, CfxTensor *par)
{
  PetscFunctionBegin;
  *par = ph->par;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSnapoPharmaDestroy(CfxSnapoPharma *ph)
{
  PetscFunctionBegin;
  if (!*ph) PetscFunctionReturn(0);
  PetscCall(CfxTensorDestroy(&(*ph)->par));
  PetscCall(PetscFree(*ph));
  PetscFunctionReturn(0);
}
