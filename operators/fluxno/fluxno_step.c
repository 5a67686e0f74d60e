/* Forward passes of CfxFluxNO: face fluxes, conservative Euler / SSP-RK2 steps, the one-step
   FNO baseline, training losses and tape-free rollouts. */
#include "fluxnoimpl.h"

/* The flux network on a stencil tensor: FNO net X [B, S, N] (channel s = U_{j-p+s}) or MLP
   net X [B, N, S]; returns G [B, N]. */
PetscErrorCode CfxFluxNOFluxNetwork_Private(CfxFluxNO m, CfxTape tape, CfxTensor X, CfxTensor *G)
{
  CfxTensor h, s, w;
  PetscInt shape[2] = {X->shape[0], m->net == CFXFLUXNO_NET_FNO ? X->shape[2] : X->shape[1]};

  PetscFunctionBegin;
  if (m->net == CFXFLUXNO_NET_MLP) {
    PetscCall(CfxModuleForward(m->mlp, tape, X, &h));
  } else {
    PetscCall(CfxModuleForward(m->lift, tape, X, &h));
    for (PetscInt l = 0; l < m->layers; l++) {
      PetscCall(CfxModuleForward(m->fourier[l], tape, h, &s));
      PetscCall(CfxModuleForward(m->pointwise[l], tape, h, &w));
      PetscCall(CfxOpAdd(tape, s, w, &h));
      PetscCall(CfxOpActivation(tape, h, CFX_ACT_GELU, &h));
    }
    PetscCall(CfxOpChannelLinear(tape, h, m->proj0W, m->proj0b, CFX_ACT_GELU, &h));
    PetscCall(CfxModuleForward(m->proj1, tape, h, &h));
  }
  PetscCall(CfxOpReshape(tape, h, 2, shape, G));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckBatch(CfxFluxNO m, CfxTensor U, const char *what)
{
  PetscFunctionBegin;
  PetscCheck(m->setup, m->comm, PETSC_ERR_ORDER, "call CfxFluxNOSetUp() before %s", what);
  PetscCheck(U->ndim == 2, m->comm, PETSC_ERR_ARG_SIZ, "%s: the state must be [batch, cells], found a rank-%" PetscInt_FMT " tensor", what, U->ndim);
  PetscCheck(U->shape[1] > m->p + m->q, m->comm, PETSC_ERR_ARG_SIZ, "%s: %" PetscInt_FMT " cells are fewer than the stencil's %" PetscInt_FMT, what, U->shape[1], m->p + m->q + 1);
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFluxNOFaceFlux(CfxFluxNO m, CfxTape tape, CfxTensor U, CfxTensor *G)
{
  PetscInt S = m->p + m->q + 1, offsets[64], perm[3] = {0, 2, 1};
  CfxTensor X;

  PetscFunctionBegin;
  PetscCall(CheckBatch(m, U, "CfxFluxNOFaceFlux()"));
  PetscCheck(!strcmp(m->type, CFXFLUXNO_FLUX), m->comm, PETSC_ERR_ARG_WRONG, "face fluxes exist only for type fluxno, this model is %s", m->type);
  PetscCheck(S <= 64, m->comm, PETSC_ERR_ARG_OUTOFRANGE, "stencil of %" PetscInt_FMT " cells exceeds 64", S);
  for (PetscInt s = 0; s < S; s++) offsets[s] = s - m->p;
  PetscCall(CfxOpStencilGather(tape, U, S, offsets, &X)); /* [B, N, S] */
  if (m->net == CFXFLUXNO_NET_FNO) PetscCall(CfxOpPermute(tape, X, perm, &X));
  PetscCall(CfxFluxNOFluxNetwork_Private(m, tape, X, G));
  PetscFunctionReturn(0);
}

/* U - r (G_j - G_{j-1}) */
static PetscErrorCode EulerStep(CfxFluxNO m, CfxTape tape, CfxTensor U, CfxTensor *V)
{
  CfxTensor G, Gm, D;

  PetscFunctionBegin;
  PetscCall(CfxFluxNOFaceFlux(m, tape, U, &G));
  PetscCall(CfxOpShift(tape, G, -1, &Gm));
  PetscCall(CfxOpSub(tape, G, Gm, &D));
  PetscCall(CfxOpScale(tape, D, m->ratio, 0.0, &D));
  PetscCall(CfxOpSub(tape, U, D, V));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFluxNOStep(CfxFluxNO m, CfxTape tape, CfxTensor U, CfxTensor *V)
{
  PetscFunctionBegin;
  PetscCall(CheckBatch(m, U, "CfxFluxNOStep()"));
  PetscCall(PetscLogEventBegin(CFXFLUXNO_Step, 0, 0, 0, 0));
  if (!strcmp(m->type, CFXFLUXNO_FNO1D)) {
    CfxTensor X, Y;
    PetscInt shape[3] = {U->shape[0], 1, U->shape[1]};
    PetscCall(CfxOpReshape(tape, U, 3, shape, &X));
    PetscCall(CfxModuleForward(m->fno, tape, X, &Y));
    PetscCall(CfxOpReshape(tape, Y, 2, U->shape, V));
  } else {
    PetscCheck(m->ratio > 0, m->comm, PETSC_ERR_ARG_WRONGSTATE, "the Flux NO needs dt/dx: call CfxFluxNOSetRatio() (training sets it from the data)");
    if (m->time == CFXFLUXNO_TIME_EULER)
      PetscCall(EulerStep(m, tape, U, V));
    else {
      /* SSP-RK2 (Heun): U1 = E(U), U^{n+1} = U/2 + E(U1)/2 */
      CfxTensor U1, U2, a, b;
      PetscCall(EulerStep(m, tape, U, &U1));
      PetscCall(EulerStep(m, tape, U1, &U2));
      PetscCall(CfxOpScale(tape, U, 0.5, 0.0, &a));
      PetscCall(CfxOpScale(tape, U2, 0.5, 0.0, &b));
      PetscCall(CfxOpAdd(tape, a, b, V));
    }
  }
  PetscCall(PetscLogEventEnd(CFXFLUXNO_Step, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* Constant stencils: every input channel holds U, laid out for the flux network. */
static PetscErrorCode ConstantStencil(CfxFluxNO m, CfxTape tape, CfxTensor U, CfxTensor *X)
{
  PetscInt S = m->p + m->q + 1, B = U->shape[0], N = U->shape[1];
  PetscInt fno[3] = {B, 1, N}, mlp[3] = {B, N, 1};
  CfxTensor R, copies[64];

  PetscFunctionBegin;
  PetscCall(CfxOpReshape(tape, U, 3, m->net == CFXFLUXNO_NET_FNO ? fno : mlp, &R));
  for (PetscInt s = 0; s < S; s++) copies[s] = R;
  PetscCall(CfxOpConcat(tape, S, copies, m->net == CFXFLUXNO_NET_FNO ? 1 : 2, X));
  PetscFunctionReturn(0);
}

/* Sum of squares of a - b. */
static PetscErrorCode SumSquares(CfxTape tape, CfxTensor a, CfxTensor b, CfxTensor *s)
{
  CfxTensor d;

  PetscFunctionBegin;
  PetscCall(CfxOpSub(tape, a, b, &d));
  PetscCall(CfxOpSquare(tape, d, &d));
  PetscCall(CfxOpSum(tape, d, -1, s));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFluxNOLoss(CfxFluxNO m, CfxTape tape, CfxTensor U, CfxTensor Unext, CfxTensor *loss, PetscReal *ltm, PetscReal *lcons)
{
  CfxTensor V, tm, cons = NULL;

  PetscFunctionBegin;
  PetscCall(CheckBatch(m, U, "CfxFluxNOLoss()"));
  PetscCheck(Unext->ndim == 2 && Unext->shape[0] == U->shape[0] && Unext->shape[1] == U->shape[1], m->comm, PETSC_ERR_ARG_SIZ, "CfxFluxNOLoss(): the targets must have the shape of the inputs");
  PetscCall(PetscLogEventBegin(CFXFLUXNO_Loss, 0, 0, 0, 0));
  PetscCall(CfxFluxNOStep(m, tape, U, &V));
  PetscCall(SumSquares(tape, V, Unext, &tm));
  if (ltm) *ltm = tm->data[0];
  if (lcons) *lcons = 0;
  if (!strcmp(m->type, CFXFLUXNO_FLUX) && m->lambda > 0) {
    CfxTensor X, G, F;
    PetscCall(ConstantStencil(m, tape, U, &X));
    PetscCall(CfxFluxNOFluxNetwork_Private(m, tape, X, &G));
    PetscCall(CfxTapeNewTensorUninit(tape, 2, U->shape, &F));
    CfxFluxNOPhysicalFlux(m->flux, m->fprm, m->nfprm, U->size, U->data, F->data);
    PetscCall(SumSquares(tape, G, F, &cons));
    if (lcons) *lcons = cons->data[0];
    PetscCall(CfxOpScale(tape, cons, m->lambda, 0.0, &cons));
    PetscCall(CfxOpAdd(tape, tm, cons, loss));
  } else
    *loss = tm;
  PetscCall(PetscLogEventEnd(CFXFLUXNO_Loss, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFluxNOConsistency(CfxFluxNO m, PetscInt B, PetscInt N, const PetscReal U[], PetscReal G[], PetscReal F[])
{
  PetscInt shape[2] = {B, N};
  CfxTensor T, X, Gt;
  PetscBool rec;

  PetscFunctionBegin;
  PetscCheck(!strcmp(m->type, CFXFLUXNO_FLUX), m->comm, PETSC_ERR_ARG_WRONG, "consistency is defined for type fluxno only, this model is %s", m->type);
  PetscCall(CfxTapeGetRecording(m->tape, &rec));
  PetscCall(CfxTapeSetRecording(m->tape, PETSC_FALSE));
  PetscCall(CfxTapeNewTensorWithData(m->tape, 2, shape, U, &T));
  PetscCall(CheckBatch(m, T, "CfxFluxNOConsistency()"));
  PetscCall(ConstantStencil(m, m->tape, T, &X));
  PetscCall(CfxFluxNOFluxNetwork_Private(m, m->tape, X, &Gt));
  PetscCall(PetscArraycpy(G, Gt->data, B * N));
  if (F) CfxFluxNOPhysicalFlux(m->flux, m->fprm, m->nfprm, B * N, U, F);
  PetscCall(CfxTapeReset(m->tape));
  PetscCall(CfxTapeSetRecording(m->tape, rec));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFluxNORollout(CfxFluxNO m, PetscInt B, PetscInt N, const PetscReal u0[], PetscInt nsteps, PetscReal frames[])
{
  PetscInt shape[2] = {B, N};
  PetscReal *cur;

  PetscFunctionBegin;
  PetscCheck(nsteps >= 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE, "number of steps must be >= 0, found %" PetscInt_FMT, nsteps);
  PetscCall(CfxTapeSetRecording(m->tape, PETSC_FALSE));
  PetscCall(PetscMalloc1(B * N, &cur));
  PetscCall(PetscArraycpy(cur, u0, B * N));
  for (PetscInt b = 0; b < B; b++) PetscCall(PetscArraycpy(frames + b * (nsteps + 1) * N, u0 + b * N, N));
  for (PetscInt k = 1; k <= nsteps; k++) {
    CfxTensor U, V;
    PetscCall(CfxTapeNewTensorWithData(m->tape, 2, shape, cur, &U));
    PetscCall(CfxFluxNOStep(m, m->tape, U, &V));
    PetscCall(PetscArraycpy(cur, V->data, B * N));
    PetscCall(CfxTapeReset(m->tape));
    for (PetscInt b = 0; b < B; b++) PetscCall(PetscArraycpy(frames + (b * (nsteps + 1) + k) * N, cur + b * N, N));
  }
  PetscCall(PetscFree(cur));
  PetscCall(CfxTapeSetRecording(m->tape, PETSC_TRUE));
  PetscFunctionReturn(0);
}
