/* HFluxNO encoder (recurrent ViT): patch embedding + position encoding, temporal blocks
   (RMSNorm, gated branch, causal depthwise conv, RG-LRU), spatial pre-LN attention blocks,
   pooling. Every block is a composition of tape ops, so its backward comes from theirs. */
#include "hfluxnoimpl.h"

#define GELU CFX_ACT_GELU

/* [B, T, C, N] -> [B*T, C+1, N] with the coordinate channel (j + 1/2)/N appended */
static PetscErrorCode WithCoordinates(CfxTape tape, CfxTensor u, PetscInt R, PetscInt C, PetscInt N, CfxTensor *v)
{
  CfxTensor ur, x, parts[2];
  PetscInt shape[3] = {R, C, N};

  PetscFunctionBegin;
  PetscCall(CfxOpReshape(tape, u, 3, shape, &ur));
  shape[1] = 1;
  PetscCall(CfxTapeNewTensorUninit(tape, 3, shape, &x));
  for (PetscInt r = 0; r < R; r++)
    for (PetscInt j = 0; j < N; j++) x->data[r * N + j] = (j + 0.5) / N;
  parts[0] = ur;
  parts[1] = x;
  PetscCall(CfxOpConcat(tape, 2, parts, 1, v));
  PetscFunctionReturn(0);
}

/*@C
  CfxHFluxNOEmbed - window [B, T, C, N] -> tokens [B, T, P, D]: Conv1d(C+1 -> D, kernel =
  stride = patch) on every frame with its coordinate channel, plus the position encoding.
@*/
PetscErrorCode CfxHFluxNOEmbed(CfxHFluxNO m, CfxTape tape, CfxTensor u, CfxTensor *tok)
{
  const CfxHFluxNOConfig *c = &m->cfg;
  PetscInt B, T = c->frames, P = m->ntok, D = c->dim, perm[3] = {0, 2, 1}, shape[4];
  CfxConv1dParams cp = {c->patch, 0, 0, 1, CFX_PAD_VALID};
  CfxTensor v, e, et, ep;

  PetscFunctionBegin;
  PetscCheck(m->setup, m->comm, PETSC_ERR_ORDER, "call CfxHFluxNOSetUp() first");
  PetscCheck(u->ndim == 4 && u->shape[1] == T && u->shape[2] == c->channels && u->shape[3] == c->cells, m->comm, PETSC_ERR_ARG_SIZ,
             "HFluxNO: window must be [B, T = %" PetscInt_FMT ", C = %" PetscInt_FMT ", N = %" PetscInt_FMT "], found [%" PetscInt_FMT ", %" PetscInt_FMT ", %" PetscInt_FMT ", %" PetscInt_FMT "]", T,
             c->channels, c->cells, u->shape[0], u->shape[1], u->shape[2], u->shape[3]);
  B = u->shape[0];
  PetscCall(WithCoordinates(tape, u, B * T, c->channels, c->cells, &v));
  PetscCall(CfxOpConv1d(tape, v, m->embed_w, m->embed_b, &cp, &e)); /* [B*T, D, P] */
  PetscCall(CfxOpPermute(tape, e, perm, &et));                      /* [B*T, P, D] */
  PetscCall(CfxOpAdd(tape, et, m->pos, &ep));
  shape[0] = B;
  shape[1] = T;
  shape[2] = P;
  shape[3] = D;
  PetscCall(CfxOpReshape(tape, ep, 4, shape, tok));
  PetscFunctionReturn(0);
}

/*@C
  CfxHFluxNORGLRU - The RG-LRU of temporal block l on s [R, T, L]:
  i = sigmoid(BD_i s), r = sigmoid(BD_r s), a = exp(-8 r softplus(Lambda)), a_0 = 0,
  h_t = a_t h_{t-1} + sqrt(1 - a_t^2) (i_t s_t).
@*/
PetscErrorCode CfxHFluxNORGLRU(CfxHFluxNO m, PetscInt l, CfxTape tape, CfxTensor s, CfxTensor *h)
{
  const CfxHFluxNOTemporal *tb = &m->tb[l];
  PetscInt T = s->shape[1], mshape[2] = {T, 1};
  CfxTensor gi, gr, sp, ra, loga, a, mask, am, a2, om, mult, xi;

  PetscFunctionBegin;
  PetscCheck(l >= 0 && l < m->cfg.pairs, m->comm, PETSC_ERR_ARG_OUTOFRANGE, "HFluxNO: temporal block %" PetscInt_FMT " not in [0, %" PetscInt_FMT ")", l, m->cfg.pairs);
  PetscCall(CfxOpBlockDiagLinear(tape, s, tb->gi_w, tb->gi_b, m->cfg.lru_blocks, &gi));
  PetscCall(CfxOpActivation(tape, gi, CFX_ACT_SIGMOID, &gi));
  PetscCall(CfxOpBlockDiagLinear(tape, s, tb->gr_w, tb->gr_b, m->cfg.lru_blocks, &gr));
  PetscCall(CfxOpActivation(tape, gr, CFX_ACT_SIGMOID, &gr));
  PetscCall(CfxOpActivation(tape, tb->lambda, CFX_ACT_SOFTPLUS, &sp));
  PetscCall(CfxOpMul(tape, gr, sp, &ra));
  PetscCall(CfxOpScale(tape, ra, -8.0, 0.0, &loga));
  PetscCall(CfxOpExp(tape, loga, &a));
  /* a_0 = 0: the first step takes its input unscaled (no previous state to decay) */
  PetscCall(CfxTapeNewTensorUninit(tape, 2, mshape, &mask));
  for (PetscInt t = 0; t < T; t++) mask->data[t] = t ? 1.0 : 0.0;
  PetscCall(CfxOpMul(tape, a, mask, &am));
  PetscCall(CfxOpSquare(tape, am, &a2));
  PetscCall(CfxOpScale(tape, a2, -1.0, 1.0, &om));
  PetscCall(CfxOpSqrt(tape, om, &mult));
  PetscCall(CfxOpMul(tape, s, gi, &xi));
  PetscCall(CfxOpLinearRecurrence(tape, am, mult, xi, NULL, h));
  PetscFunctionReturn(0);
}

/*@C
  CfxHFluxNOTemporalBlock - Temporal block l on tokens [B, T, P, D], per token along time:
  x <- x + W_out (GELU(W_y v) * RGLRU(causalconv(W_x v))), v = RMSNorm(x).
@*/
PetscErrorCode CfxHFluxNOTemporalBlock(CfxHFluxNO m, PetscInt l, CfxTape tape, CfxTensor x, CfxTensor *y)
{
  const CfxHFluxNOConfig *c    = &m->cfg;
  const CfxHFluxNOTemporal *tb = &m->tb[l];
  PetscInt B = x->shape[0], T = x->shape[1], P = x->shape[2], D = x->shape[3], L = c->lru_width;
  PetscInt p4[4] = {0, 2, 1, 3}, p3[3] = {0, 2, 1}, shape[4];
  CfxConv1dParams cp = {1, c->conv_kernel - 1, 0, L, CFX_PAD_ZERO};
  CfxTensor xp, xr, v, gy, s, st, sc, s2, h, hg, o, r, rr;

  PetscFunctionBegin;
  PetscCheck(l >= 0 && l < c->pairs, m->comm, PETSC_ERR_ARG_OUTOFRANGE, "HFluxNO: temporal block %" PetscInt_FMT " not in [0, %" PetscInt_FMT ")", l, c->pairs);
  PetscCall(CfxOpPermute(tape, x, p4, &xp)); /* [B, P, T, D] */
  shape[0] = B * P;
  shape[1] = T;
  shape[2] = D;
  PetscCall(CfxOpReshape(tape, xp, 3, shape, &xr));
  PetscCall(CfxOpRMSNorm(tape, xr, tb->norm_w, 1e-6, &v));
  PetscCall(CfxOpLinear(tape, v, tb->y_w, tb->y_b, GELU, &gy));
  PetscCall(CfxOpLinear(tape, v, tb->x_w, tb->x_b, CFX_ACT_NONE, &s)); /* [BP, T, L] */
  PetscCall(CfxOpPermute(tape, s, p3, &st));                           /* [BP, L, T] */
  PetscCall(CfxOpConv1d(tape, st, tb->conv_w, tb->conv_b, &cp, &sc));  /* causal: left pad k-1 */
  PetscCall(CfxOpPermute(tape, sc, p3, &s2));
  PetscCall(CfxHFluxNORGLRU(m, l, tape, s2, &h));
  PetscCall(CfxOpMul(tape, h, gy, &hg));
  PetscCall(CfxOpLinear(tape, hg, tb->out_w, tb->out_b, CFX_ACT_NONE, &o));
  PetscCall(CfxOpAdd(tape, xr, o, &r));
  shape[0] = B;
  shape[1] = P;
  shape[2] = T;
  shape[3] = D;
  PetscCall(CfxOpReshape(tape, r, 4, shape, &rr));
  PetscCall(CfxOpPermute(tape, rr, p4, y)); /* back to [B, T, P, D] */
  PetscFunctionReturn(0);
}

/*@C
  CfxHFluxNOSpatialBlock - Spatial block l on tokens [B, T, P, D], per frame across tokens:
  x <- x + W_o Attn(W_q n, W_k n, W_v n), n = LN1(x); x <- x + MLP(LN2(x)).
@*/
PetscErrorCode CfxHFluxNOSpatialBlock(CfxHFluxNO m, PetscInt l, CfxTape tape, CfxTensor x, CfxTensor *y)
{
  const CfxHFluxNOConfig *c   = &m->cfg;
  const CfxHFluxNOSpatial *sb = &m->sb[l];
  PetscInt shape[3]           = {x->shape[0] * x->shape[1], x->shape[2], x->shape[3]};
  CfxTensor xr, n1, q, k, v, a, ao, x1, n2, h, h2, x2;

  PetscFunctionBegin;
  PetscCheck(l >= 0 && l < c->pairs, m->comm, PETSC_ERR_ARG_OUTOFRANGE, "HFluxNO: spatial block %" PetscInt_FMT " not in [0, %" PetscInt_FMT ")", l, c->pairs);
  PetscCall(CfxOpReshape(tape, x, 3, shape, &xr));
  PetscCall(CfxOpLayerNorm(tape, xr, sb->n1_w, sb->n1_b, 1e-5, &n1));
  PetscCall(CfxOpLinear(tape, n1, sb->q, NULL, CFX_ACT_NONE, &q));
  PetscCall(CfxOpLinear(tape, n1, sb->k, NULL, CFX_ACT_NONE, &k));
  PetscCall(CfxOpLinear(tape, n1, sb->v, NULL, CFX_ACT_NONE, &v));
  PetscCall(CfxOpAttention(tape, q, k, v, c->heads, PETSC_FALSE, &a));
  PetscCall(CfxOpLinear(tape, a, sb->o, NULL, CFX_ACT_NONE, &ao));
  PetscCall(CfxOpAdd(tape, xr, ao, &x1));
  PetscCall(CfxOpLayerNorm(tape, x1, sb->n2_w, sb->n2_b, 1e-5, &n2));
  PetscCall(CfxOpLinear(tape, n2, sb->m1_w, sb->m1_b, GELU, &h));
  PetscCall(CfxOpLinear(tape, h, sb->m2_w, sb->m2_b, CFX_ACT_NONE, &h2));
  PetscCall(CfxOpAdd(tape, x1, h2, &x2));
  PetscCall(CfxOpReshape(tape, x2, x->ndim, x->shape, y));
  PetscFunctionReturn(0);
}

/*@C
  CfxHFluxNOPool - tokens [B, T, P, D] -> z [B, D]: LayerNorm of the last time step (the
  norm is per token, so normalising only that step is the same), mean over tokens.
@*/
PetscErrorCode CfxHFluxNOPool(CfxHFluxNO m, CfxTape tape, CfxTensor x, CfxTensor *z)
{
  PetscInt T = x->shape[1], shape[3] = {x->shape[0], x->shape[2], x->shape[3]};
  CfxTensor last, lr, n;

  PetscFunctionBegin;
  PetscCall(CfxOpSlice(tape, x, 1, T - 1, T, &last));
  PetscCall(CfxOpReshape(tape, last, 3, shape, &lr));
  PetscCall(CfxOpLayerNorm(tape, lr, m->norm_w, m->norm_b, 1e-5, &n));
  PetscCall(CfxOpMean(tape, n, 1, z));
  PetscFunctionReturn(0);
}

/*@C
  CfxHFluxNOEncode - window [B, T, C, N] -> context z [B, D].
@*/
PetscErrorCode CfxHFluxNOEncode(CfxHFluxNO m, CfxTape tape, CfxTensor u, CfxTensor *z)
{
  CfxTensor x;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CFXHFLUXNO_Encode, 0, 0, 0, 0));
  PetscCall(CfxHFluxNOEmbed(m, tape, u, &x));
  for (PetscInt l = 0; l < m->cfg.pairs; l++) {
    PetscCall(CfxHFluxNOTemporalBlock(m, l, tape, x, &x));
    PetscCall(CfxHFluxNOSpatialBlock(m, l, tape, x, &x));
  }
  PetscCall(CfxHFluxNOPool(m, tape, x, z));
  PetscCall(PetscLogEventEnd(CFXHFLUXNO_Encode, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
