/* HFluxNO hypernetwork, per-sample flux network, conservative update, step, loss, rollout. */
#include "hfluxnoimpl.h"

/*@C
  CfxHFluxNOHypernet - z [B, D] -> theta [B, nflux]: trunk MLP (GELU after each hidden layer)
  then the block-diagonal head.
@*/
PetscErrorCode CfxHFluxNOHypernet(CfxHFluxNO m, CfxTape tape, CfxTensor z, CfxTensor *theta)
{
  const CfxHFluxNOConfig *c = &m->cfg;
  CfxTensor h               = z;

  PetscFunctionBegin;
  for (PetscInt l = 0; l <= c->hyper_depth; l++) PetscCall(CfxOpLinear(tape, h, m->trunk_w[l], m->trunk_b[l], l < c->hyper_depth ? CFX_ACT_GELU : CFX_ACT_NONE, &h));
  PetscCall(CfxOpBlockDiagLinear(tape, h, m->head_w, m->head_b, c->head_blocks, theta));
  PetscFunctionReturn(0);
}

/* Layer l of the flux network with per-sample weights from theta: x [B, N, in] ->
   act(x W_b^T + b_b) [B, N, out]. */
static PetscErrorCode SampleLinear(CfxHFluxNO m, CfxTape tape, CfxTensor theta, PetscInt l, CfxTensor x, CfxActivation act, CfxTensor *y)
{
  PetscInt B = theta->shape[0], in = m->fl_in[l], out = m->fl_out[l], off = m->fl_off[l];
  PetscInt wshape[3] = {B, out, in}, bshape[3] = {B, 1, out};
  CfxTensor w, wr, b, br, xw, z;

  PetscFunctionBegin;
  PetscCall(CfxOpSlice(tape, theta, 1, off, off + out * in, &w));
  PetscCall(CfxOpReshape(tape, w, 3, wshape, &wr));
  PetscCall(CfxOpSlice(tape, theta, 1, off + out * in, off + out * (in + 1), &b));
  PetscCall(CfxOpReshape(tape, b, 3, bshape, &br));
  PetscCall(CfxOpMatmul(tape, x, PETSC_FALSE, wr, PETSC_TRUE, &xw));
  PetscCall(CfxOpAdd(tape, xw, br, &z));
  if (act == CFX_ACT_NONE)
    *y = z;
  else
    PetscCall(CfxOpActivation(tape, z, act, y));
  PetscFunctionReturn(0);
}

/*@C
  CfxHFluxNOFluxNetwork - Face fluxes F [B, C, N], F[..., j] = F_{j-1/2}, of U [B, C, N]
  (periodic, coordinate channel appended) with per-sample weights theta [B, nflux].
@*/
PetscErrorCode CfxHFluxNOFluxNetwork(CfxHFluxNO m, CfxTape tape, CfxTensor U, CfxTensor theta, PetscBool cell_centred, CfxTensor *F)
{
  const CfxHFluxNOConfig *c = &m->cfg;
  PetscInt B, C = c->channels, N = c->cells, S = c->stencil, *off, xs[3], perm[3] = {0, 2, 1};
  CfxTensor x, parts[2], v, g, h, f;

  PetscFunctionBegin;
  PetscCheck(U->ndim == 3 && U->shape[1] == C && U->shape[2] == N, m->comm, PETSC_ERR_ARG_SIZ, "HFluxNO flux network: U must be [B, C = %" PetscInt_FMT ", N = %" PetscInt_FMT "]", C, N);
  B = U->shape[0];
  PetscCheck(theta->ndim == 2 && theta->shape[0] == B && theta->shape[1] == m->nflux, m->comm, PETSC_ERR_ARG_SIZ, "HFluxNO flux network: theta must be [B = %" PetscInt_FMT ", %" PetscInt_FMT "]", B,
             m->nflux);
  PetscCall(PetscLogEventBegin(CFXHFLUXNO_Flux, 0, 0, 0, 0));
  xs[0] = B;
  xs[1] = 1;
  xs[2] = N;
  PetscCall(CfxTapeNewTensorUninit(tape, 3, xs, &x));
  for (PetscInt b = 0; b < B; b++)
    for (PetscInt j = 0; j < N; j++) x->data[b * N + j] = (j + 0.5) / N;
  parts[0] = U;
  parts[1] = x;
  PetscCall(CfxOpConcat(tape, 2, parts, 1, &v)); /* [B, C+1, N] */
  /* face j-1/2 reads cells j - ceil(S/2) .., the cell-centred stencil j - floor(S/2) .. */
  PetscCall(CfxTapeAlloc(tape, sizeof(PetscInt) * S, (void **)&off));
  for (PetscInt s = 0; s < S; s++) off[s] = s - (cell_centred ? S / 2 : (S + 1) / 2);
  PetscCall(CfxOpStencilGather(tape, v, S, off, &g)); /* [B, N, S*(C+1)] */
  PetscCall(SampleLinear(m, tape, theta, 0, g, CFX_ACT_NONE, &h));
  for (PetscInt l = 1; l < m->nfl; l++) PetscCall(SampleLinear(m, tape, theta, l, h, l < m->nfl - 1 ? CFX_ACT_GELU : CFX_ACT_NONE, &h));
  f = h; /* [B, N, C] */
  PetscCall(CfxOpPermute(tape, f, perm, F));
  PetscCall(PetscLogEventEnd(CFXHFLUXNO_Flux, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  CfxHFluxNOConservativeUpdate - U - r (F[j+1] - F[j]) along the last axis, periodic.
@*/
PetscErrorCode CfxHFluxNOConservativeUpdate(CfxTape tape, CfxTensor U, CfxTensor F, PetscReal r, CfxTensor *Un)
{
  CfxTensor Fr, dF, sdF;

  PetscFunctionBegin;
  PetscCall(CfxOpShift(tape, F, 1, &Fr)); /* F_{j+1/2} */
  PetscCall(CfxOpSub(tape, Fr, F, &dF));
  PetscCall(CfxOpScale(tape, dF, -r, 0.0, &sdF));
  PetscCall(CfxOpAdd(tape, U, sdF, Un));
  PetscFunctionReturn(0);
}

/*@C
  CfxHFluxNOStep - window [B, T, C, N] -> U^{n+1} [B, C, N].
@*/
PetscErrorCode CfxHFluxNOStep(CfxHFluxNO m, CfxTape tape, CfxTensor u, CfxTensor *un)
{
  const CfxHFluxNOConfig *c = &m->cfg;
  PetscInt T                = c->frames, shape[3];
  CfxTensor z, theta, last, U, F, G;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CFXHFLUXNO_Step, 0, 0, 0, 0));
  PetscCall(CfxHFluxNOEncode(m, tape, u, &z));
  PetscCall(CfxHFluxNOHypernet(m, tape, z, &theta));
  PetscCall(CfxOpSlice(tape, u, 1, T - 1, T, &last));
  shape[0] = u->shape[0];
  shape[1] = c->channels;
  shape[2] = c->cells;
  PetscCall(CfxOpReshape(tape, last, 3, shape, &U));
  if (c->update == CFXHFLUXNO_UPDATE_CONSERVATIVE) {
    PetscCall(CfxHFluxNOFluxNetwork(m, tape, U, theta, PETSC_FALSE, &F));
    PetscCall(CfxHFluxNOConservativeUpdate(tape, U, F, c->ratio, un));
  } else {
    CfxTensor sG;
    PetscCall(CfxHFluxNOFluxNetwork(m, tape, U, theta, PETSC_TRUE, &G));
    PetscCall(CfxOpScale(tape, G, c->ratio, 0.0, &sG));
    PetscCall(CfxOpAdd(tape, U, sG, un));
  }
  PetscCall(PetscLogEventEnd(CFXHFLUXNO_Step, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  CfxHFluxNOLoss - One-step MSE of windows [B, T+1, C, N]: the first T frames are the
  context, the last the target.
@*/
PetscErrorCode CfxHFluxNOLoss(CfxHFluxNO m, CfxTape tape, CfxTensor w, CfxTensor *loss)
{
  const CfxHFluxNOConfig *c = &m->cfg;
  PetscInt T                = c->frames, shape[3];
  CfxTensor ctx, tgt, tr, un;

  PetscFunctionBegin;
  PetscCheck(w->ndim == 4 && w->shape[1] == T + 1, m->comm, PETSC_ERR_ARG_SIZ, "HFluxNO loss: windows must be [B, T+1 = %" PetscInt_FMT ", C, N], found %" PetscInt_FMT " frames", T + 1,
             w->ndim == 4 ? w->shape[1] : -1);
  PetscCall(CfxOpSlice(tape, w, 1, 0, T, &ctx));
  PetscCall(CfxOpSlice(tape, w, 1, T, T + 1, &tgt));
  shape[0] = w->shape[0];
  shape[1] = c->channels;
  shape[2] = c->cells;
  PetscCall(CfxOpReshape(tape, tgt, 3, shape, &tr));
  PetscCall(CfxHFluxNOStep(m, tape, ctx, &un));
  PetscCall(CfxOpMSELoss(tape, un, tr, loss));
  PetscFunctionReturn(0);
}

/*@C
  CfxHFluxNORollout - nsteps autoregressive steps from a context of T frames per sample,
  re-encoding the sliding window each step; no tape recording. out [B, nsteps, C, N].
@*/
PetscErrorCode CfxHFluxNORollout(CfxHFluxNO m, PetscInt B, const PetscReal ctx[], PetscInt nsteps, PetscReal out[])
{
  const CfxHFluxNOConfig *c = &m->cfg;
  PetscInt T = c->frames, F = c->channels * c->cells, shape[4] = {B, T, c->channels, c->cells};
  PetscReal *win;
  CfxTensor w, un;
  PetscBool rec;

  PetscFunctionBegin;
  PetscCheck(m->setup, m->comm, PETSC_ERR_ORDER, "call CfxHFluxNOSetUp() first");
  PetscCall(PetscMalloc1(B * T * F, &win));
  PetscCall(PetscArraycpy(win, ctx, B * T * F));
  PetscCall(CfxTapeGetRecording(m->tape, &rec));
  PetscCall(CfxTapeSetRecording(m->tape, PETSC_FALSE));
  for (PetscInt n = 0; n < nsteps; n++) {
    PetscCall(CfxTapeReset(m->tape));
    PetscCall(CfxTapeNewTensorWithData(m->tape, 4, shape, win, &w));
    PetscCall(CfxHFluxNOStep(m, m->tape, w, &un));
    for (PetscInt b = 0; b < B; b++) {
      PetscReal *wb = win + b * T * F;
      PetscCall(PetscArraymove(wb, wb + F, (T - 1) * F));
      PetscCall(PetscArraycpy(wb + (T - 1) * F, un->data + b * F, F));
      PetscCall(PetscArraycpy(out + (b * nsteps + n) * F, un->data + b * F, F));
    }
  }
  PetscCall(CfxTapeReset(m->tape));
  PetscCall(CfxTapeSetRecording(m->tape, rec));
  PetscCall(PetscFree(win));
  PetscFunctionReturn(0);
}
