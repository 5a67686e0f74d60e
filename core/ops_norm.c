/* Normalisations over the last axis: layer norm, RMS norm, softmax. */
#include "cfxtensorimpl.h"

typedef struct {
  CfxTensor x, w, b, y;
  PetscInt R, D;
  PetscReal *mu, *rstd; /* per row */
} NormCtx;

static PetscErrorCode LayerNormBackward(CfxTape tape, void *ctx)
{
  NormCtx *c = (NormCtx *)ctx;
  PetscReal *gx, *gw, *gb;
  PetscInt D = c->D;

  PetscFunctionBegin;
  PetscCall(CfxTensorGetGrad(tape, c->x, &gx));
  PetscCall(CfxTensorGetGrad(tape, c->w, &gw));
  PetscCall(CfxTensorGetGrad(tape, c->b, &gb));
  for (PetscInt r = 0; r < c->R; r++) {
    const PetscReal *X = c->x->data + r * D, *G = c->y->grad + r * D;
    PetscReal mu = c->mu[r], rs = c->rstd[r], m1 = 0, m2 = 0;
    for (PetscInt i = 0; i < D; i++) {
      PetscReal xh = (X[i] - mu) * rs, dxh = G[i] * (c->w ? c->w->data[i] : 1.0);
      m1 += dxh;
      m2 += dxh * xh;
      if (gw) gw[i] += G[i] * xh;
      if (gb) gb[i] += G[i];
    }
    m1 /= (PetscReal)D;
    m2 /= (PetscReal)D;
    if (gx)
      for (PetscInt i = 0; i < D; i++) {
        PetscReal xh = (X[i] - mu) * rs, dxh = G[i] * (c->w ? c->w->data[i] : 1.0);
        gx[r * D + i] += rs * (dxh - m1 - xh * m2);
      }
  }
  PetscFunctionReturn(0);
}

/*@C
  CfxOpLayerNorm - y = (x - mean) / sqrt(var + eps) * w + b over the last axis (biased
  variance, as torch.nn.LayerNorm); w, b [D] or NULL.
@*/
PetscErrorCode CfxOpLayerNorm(CfxTape tape, CfxTensor x, CfxTensor w, CfxTensor b, PetscReal eps, CfxTensor *y)
{
  NormCtx c, *cc;
  CfxTensor in[3] = {x, w, b};

  PetscFunctionBegin;
  c.D = x->shape[x->ndim - 1];
  c.R = x->size / c.D;
  PetscCheck(!w || w->size == c.D, tape->comm, PETSC_ERR_ARG_SIZ, "layer norm weight has %" PetscInt_FMT " entries, expected %" PetscInt_FMT, w ? w->size : 0, c.D);
  PetscCheck(!b || b->size == c.D, tape->comm, PETSC_ERR_ARG_SIZ, "layer norm bias has %" PetscInt_FMT " entries, expected %" PetscInt_FMT, b ? b->size : 0, c.D);
  PetscCheck(eps >= 0, tape->comm, PETSC_ERR_ARG_OUTOFRANGE, "layer norm eps must be >= 0, found %g", (double)eps);
  PetscCall(CfxTapeNewOutput(tape, x->ndim, x->shape, PETSC_FALSE, 3, in, y));
  PetscCall(CfxTapeScratch(tape, c.R, &c.mu));
  PetscCall(CfxTapeScratch(tape, c.R, &c.rstd));
  for (PetscInt r = 0; r < c.R; r++) {
    const PetscReal *X = x->data + r * c.D;
    PetscReal *Y = (*y)->data + r * c.D, mu = 0, var = 0;
    for (PetscInt i = 0; i < c.D; i++) mu += X[i];
    mu /= (PetscReal)c.D;
    for (PetscInt i = 0; i < c.D; i++) var += (X[i] - mu) * (X[i] - mu);
    var /= (PetscReal)c.D;
    c.mu[r]   = mu;
    c.rstd[r] = 1.0 / PetscSqrtReal(var + eps);
    for (PetscInt i = 0; i < c.D; i++) Y[i] = (X[i] - mu) * c.rstd[r] * (w ? w->data[i] : 1.0) + (b ? b->data[i] : 0.0);
  }
  if ((*y)->requires_grad) {
    PetscCall(CfxTapeAlloc(tape, sizeof(*cc), (void **)&cc));
    c.x = x;
    c.w = w;
    c.b = b;
    c.y = *y;
    *cc = c;
    PetscCall(CfxTapeRecord(tape, *y, LayerNormBackward, cc));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode RMSNormBackward(CfxTape tape, void *ctx)
{
  NormCtx *c = (NormCtx *)ctx;
  PetscReal *gx, *gw;
  PetscInt D = c->D;

  PetscFunctionBegin;
  PetscCall(CfxTensorGetGrad(tape, c->x, &gx));
  PetscCall(CfxTensorGetGrad(tape, c->w, &gw));
  for (PetscInt r = 0; r < c->R; r++) {
    const PetscReal *X = c->x->data + r * D, *G = c->y->grad + r * D;
    PetscReal rs = c->rstd[r], m2 = 0;
    for (PetscInt i = 0; i < D; i++) {
      PetscReal xh = X[i] * rs, dxh = G[i] * (c->w ? c->w->data[i] : 1.0);
      m2 += dxh * xh;
      if (gw) gw[i] += G[i] * xh;
    }
    m2 /= (PetscReal)D;
    if (gx)
      for (PetscInt i = 0; i < D; i++) gx[r * D + i] += rs * (G[i] * (c->w ? c->w->data[i] : 1.0) - X[i] * rs * m2);
  }
  PetscFunctionReturn(0);
}

/*@C
  CfxOpRMSNorm - y = x / sqrt(mean(x^2) + eps) * w over the last axis; w [D] or NULL.
@*/
PetscErrorCode CfxOpRMSNorm(CfxTape tape, CfxTensor x, CfxTensor w, PetscReal eps, CfxTensor *y)
{
  NormCtx c, *cc;
  CfxTensor in[2] = {x, w};

  PetscFunctionBegin;
  c.D = x->shape[x->ndim - 1];
  c.R = x->size / c.D;
  PetscCheck(!w || w->size == c.D, tape->comm, PETSC_ERR_ARG_SIZ, "RMS norm weight has %" PetscInt_FMT " entries, expected %" PetscInt_FMT, w ? w->size : 0, c.D);
  PetscCheck(eps >= 0, tape->comm, PETSC_ERR_ARG_OUTOFRANGE, "RMS norm eps must be >= 0, found %g", (double)eps);
  PetscCall(CfxTapeNewOutput(tape, x->ndim, x->shape, PETSC_FALSE, 2, in, y));
  PetscCall(CfxTapeScratch(tape, c.R, &c.rstd));
  for (PetscInt r = 0; r < c.R; r++) {
    const PetscReal *X = x->data + r * c.D;
    PetscReal *Y = (*y)->data + r * c.D, ms = 0;
    for (PetscInt i = 0; i < c.D; i++) ms += X[i] * X[i];
    c.rstd[r] = 1.0 / PetscSqrtReal(ms / (PetscReal)c.D + eps);
    for (PetscInt i = 0; i < c.D; i++) Y[i] = X[i] * c.rstd[r] * (w ? w->data[i] : 1.0);
  }
  if ((*y)->requires_grad) {
    PetscCall(CfxTapeAlloc(tape, sizeof(*cc), (void **)&cc));
    c.x  = x;
    c.w  = w;
    c.b  = NULL;
    c.y  = *y;
    c.mu = NULL;
    *cc  = c;
    PetscCall(CfxTapeRecord(tape, *y, RMSNormBackward, cc));
  }
  PetscFunctionReturn(0);
}

/* Row softmax kernels, shared with attention. */
void CfxSoftmaxRows(PetscInt R, PetscInt D, const PetscReal *X, PetscReal *Y)
{
  for (PetscInt r = 0; r < R; r++) {
    const PetscReal *x = X + r * D;
    PetscReal *y = Y + r * D, m = x[0], s = 0;
    for (PetscInt i = 1; i < D; i++) m = x[i] > m ? x[i] : m;
    for (PetscInt i = 0; i < D; i++) {
      y[i] = exp(x[i] - m);
      s += y[i];
    }
    s = 1.0 / s;
    for (PetscInt i = 0; i < D; i++) y[i] *= s;
  }
}

/* dX = Y * (dY - sum(dY * Y)), added (acc) or stored */
void CfxSoftmaxRowsBackward(PetscInt R, PetscInt D, const PetscReal *Y, const PetscReal *dY, PetscReal *dX, PetscBool acc)
{
  for (PetscInt r = 0; r < R; r++) {
    const PetscReal *y = Y + r * D, *g = dY + r * D;
    PetscReal *d = dX + r * D, s = 0;
    for (PetscInt i = 0; i < D; i++) s += g[i] * y[i];
    if (acc)
      for (PetscInt i = 0; i < D; i++) d[i] += y[i] * (g[i] - s);
    else
      for (PetscInt i = 0; i < D; i++) d[i] = y[i] * (g[i] - s);
  }
}

typedef struct {
  CfxTensor x, y;
} SoftmaxCtx;

static PetscErrorCode SoftmaxBackward(CfxTape tape, void *ctx)
{
  SoftmaxCtx *c = (SoftmaxCtx *)ctx;
  PetscReal *gx;
  PetscInt D = c->x->shape[c->x->ndim - 1];

  PetscFunctionBegin;
  PetscCall(CfxTensorGetGrad(tape, c->x, &gx));
  if (gx) CfxSoftmaxRowsBackward(c->x->size / D, D, c->y->data, c->y->grad, gx, PETSC_TRUE);
  PetscFunctionReturn(0);
}

/*@C
  CfxOpSoftmax - Softmax over the last axis (max-shifted, no overflow).
@*/
PetscErrorCode CfxOpSoftmax(CfxTape tape, CfxTensor x, CfxTensor *y)
{
  SoftmaxCtx *c;
  PetscInt D = x->shape[x->ndim - 1];

  PetscFunctionBegin;
  PetscCall(CfxTapeNewOutput(tape, x->ndim, x->shape, PETSC_FALSE, 1, &x, y));
  CfxSoftmaxRows(x->size / D, D, x->data, (*y)->data);
  if ((*y)->requires_grad) {
    PetscCall(CfxTapeAlloc(tape, sizeof(*c), (void **)&c));
    c->x = x;
    c->y = *y;
    PetscCall(CfxTapeRecord(tape, *y, SoftmaxBackward, c));
  }
  PetscFunctionReturn(0);
}
