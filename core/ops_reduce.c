/* Reductions (sum, mean over an axis or all) and the scalar losses. */
#include "cfxtensorimpl.h"

typedef struct {
  CfxTensor x, y;
  PetscInt outer, n, inner;
  PetscReal scale; /* 1 for sum, 1/n for mean */
} ReduceCtx;

static PetscErrorCode ReduceBackward(CfxTape tape, void *ctx)
{
  ReduceCtx *c = (ReduceCtx *)ctx;
  PetscReal *gx;
  const PetscReal *G = c->y->grad;

  PetscFunctionBegin;
  PetscCall(CfxTensorGetGrad(tape, c->x, &gx));
  if (!gx) PetscFunctionReturn(0);
  for (PetscInt o = 0; o < c->outer; o++)
    for (PetscInt j = 0; j < c->n; j++) {
      PetscReal *gp       = gx + (o * c->n + j) * c->inner;
      const PetscReal *Gp = G + o * c->inner;
      for (PetscInt i = 0; i < c->inner; i++) gp[i] += c->scale * Gp[i];
    }
  PetscFunctionReturn(0);
}

static PetscErrorCode CfxOpReduce(CfxTape tape, CfxTensor x, PetscInt axis, PetscBool mean, CfxTensor *y)
{
  ReduceCtx c, *cc;
  PetscInt shape[4], ndim = 0;
  PetscReal *Y;

  PetscFunctionBegin;
  PetscCheck(axis >= -1 && axis < x->ndim, tape->comm, PETSC_ERR_ARG_OUTOFRANGE, "reduction axis must be -1 (all) or in [0, %" PetscInt_FMT "), found %" PetscInt_FMT, x->ndim, axis);
  if (axis == -1) {
    c.outer = 1;
    c.n     = x->size;
    c.inner = 1;
  } else {
    c.outer = c.inner = 1;
    for (PetscInt i = 0; i < axis; i++) c.outer *= x->shape[i];
    for (PetscInt i = axis + 1; i < x->ndim; i++) c.inner *= x->shape[i];
    c.n = x->shape[axis];
    for (PetscInt i = 0; i < x->ndim; i++)
      if (i != axis) shape[ndim++] = x->shape[i];
  }
  if (!ndim) shape[ndim++] = 1;
  c.scale = mean ? 1.0 / (PetscReal)c.n : 1.0;
  PetscCall(CfxTapeNewOutput(tape, ndim, shape, PETSC_TRUE, 1, &x, y));
  Y = (*y)->data;
  for (PetscInt o = 0; o < c.outer; o++)
    for (PetscInt j = 0; j < c.n; j++) {
      const PetscReal *xp = x->data + (o * c.n + j) * c.inner;
      PetscReal *Yp       = Y + o * c.inner;
      for (PetscInt i = 0; i < c.inner; i++) Yp[i] += xp[i];
    }
  if (mean)
    for (PetscInt i = 0; i < (*y)->size; i++) Y[i] *= c.scale;
  if ((*y)->requires_grad) {
    PetscCall(CfxTapeAlloc(tape, sizeof(ReduceCtx), (void **)&cc));
    c.x = x;
    c.y = *y;
    *cc = c;
    PetscCall(CfxTapeRecord(tape, *y, ReduceBackward, cc));
  }
  PetscFunctionReturn(0);
}

/*@C
  CfxOpSum - Sum over one axis (removed from the shape), or over everything with axis -1.
@*/
PetscErrorCode CfxOpSum(CfxTape tape, CfxTensor x, PetscInt axis, CfxTensor *y)
{
  PetscFunctionBegin;
  PetscCall(CfxOpReduce(tape, x, axis, PETSC_FALSE, y));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOpMean(CfxTape tape, CfxTensor x, PetscInt axis, CfxTensor *y)
{
  PetscFunctionBegin;
  PetscCall(CfxOpReduce(tape, x, axis, PETSC_TRUE, y));
  PetscFunctionReturn(0);
}

/* ---------------- losses ---------------- */
typedef struct {
  CfxTensor a, b, y;
  PetscInt nsamp, per;
  PetscReal *d, *t; /* relative L2: per-sample error and target norms */
} LossCtx;

static PetscErrorCode MSEBackward(CfxTape tape, void *ctx)
{
  LossCtx *c = (LossCtx *)ctx;
  PetscReal *ga, *gb, s = 2.0 * c->y->grad[0] / (PetscReal)c->a->size;

  PetscFunctionBegin;
  PetscCall(CfxTensorGetGrad(tape, c->a, &ga));
  PetscCall(CfxTensorGetGrad(tape, c->b, &gb));
  for (PetscInt i = 0; i < c->a->size; i++) {
    PetscReal r = s * (c->a->data[i] - c->b->data[i]);
    if (ga) ga[i] += r;
    if (gb) gb[i] -= r;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode LossSetUp(CfxTape tape, const char *name, CfxTensor a, CfxTensor b, CfxTensor *y)
{
  PetscInt one    = 1;
  CfxTensor in[2] = {a, b};

  PetscFunctionBegin;
  if (!CfxShapeEqual(a, b)) {
    char sa[64], sb[64];
    CfxShapeString(a->ndim, a->shape, sa, sizeof(sa));
    CfxShapeString(b->ndim, b->shape, sb, sizeof(sb));
    SETERRQ(tape->comm, PETSC_ERR_ARG_SIZ, "%s: prediction %s and target %s must have the same shape", name, sa, sb);
  }
  PetscCall(CfxTapeNewOutput(tape, 1, &one, PETSC_TRUE, 2, in, y));
  PetscFunctionReturn(0);
}

/*@C
  CfxOpMSELoss - mean over all entries of (a - b)^2.
@*/
PetscErrorCode CfxOpMSELoss(CfxTape tape, CfxTensor a, CfxTensor b, CfxTensor *y)
{
  PetscReal s = 0;
  LossCtx *c;

  PetscFunctionBegin;
  PetscCall(LossSetUp(tape, "MSE loss", a, b, y));
  for (PetscInt i = 0; i < a->size; i++) {
    PetscReal r = a->data[i] - b->data[i];
    s += r * r;
  }
  (*y)->data[0] = s / (PetscReal)a->size;
  if ((*y)->requires_grad) {
    PetscCall(CfxTapeAlloc(tape, sizeof(LossCtx), (void **)&c));
    c->a = a;
    c->b = b;
    c->y = *y;
    PetscCall(CfxTapeRecord(tape, *y, MSEBackward, c));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode RelL2Backward(CfxTape tape, void *ctx)
{
  LossCtx *c = (LossCtx *)ctx;
  PetscReal *ga, *gb, g = c->y->grad[0] / (PetscReal)c->nsamp;

  PetscFunctionBegin;
  PetscCall(CfxTensorGetGrad(tape, c->a, &ga));
  PetscCall(CfxTensorGetGrad(tape, c->b, &gb));
  for (PetscInt s = 0; s < c->nsamp; s++) {
    const PetscReal *A = c->a->data + s * c->per, *B = c->b->data + s * c->per;
    PetscReal d = c->d[s], t = c->t[s];
    if (d == 0) continue; /* not differentiable at a perfect match; take the zero subgradient */
    for (PetscInt i = 0; i < c->per; i++) {
      PetscReal r = g * (A[i] - B[i]) / (d * t);
      if (ga) ga[s * c->per + i] += r;
      if (gb) gb[s * c->per + i] += -r - g * d * B[i] / (t * t * t);
    }
  }
  PetscFunctionReturn(0);
}

/*@C
  CfxOpRelL2Loss - mean over samples (first axis) of ||a_i - b_i|| / ||b_i||. A target sample
  of zero norm is an error.
@*/
PetscErrorCode CfxOpRelL2Loss(CfxTape tape, CfxTensor a, CfxTensor b, CfxTensor *y)
{
  LossCtx c, *cc;
  PetscReal L = 0, *d, *t;

  PetscFunctionBegin;
  PetscCall(LossSetUp(tape, "relative L2 loss", a, b, y));
  c.nsamp = a->shape[0];
  c.per   = a->size / c.nsamp;
  PetscCall(CfxTapeScratch(tape, c.nsamp, &d));
  PetscCall(CfxTapeScratch(tape, c.nsamp, &t));
  for (PetscInt s = 0; s < c.nsamp; s++) {
    PetscReal dd = 0, tt = 0;
    for (PetscInt i = 0; i < c.per; i++) {
      PetscReal r = a->data[s * c.per + i] - b->data[s * c.per + i];
      dd += r * r;
      tt += b->data[s * c.per + i] * b->data[s * c.per + i];
    }
    PetscCheck(tt > 0, tape->comm, PETSC_ERR_ARG_WRONG, "relative L2 loss: target sample %" PetscInt_FMT " has zero norm", s);
    d[s] = PetscSqrtReal(dd);
    t[s] = PetscSqrtReal(tt);
    L += d[s] / t[s];
  }
  (*y)->data[0] = L / (PetscReal)c.nsamp;
  if ((*y)->requires_grad) {
    PetscCall(CfxTapeAlloc(tape, sizeof(LossCtx), (void **)&cc));
    c.a = a;
    c.b = b;
    c.y = *y;
    c.d = d;
    c.t = t;
    *cc = c;
    PetscCall(CfxTapeRecord(tape, *y, RelL2Backward, cc));
  }
  PetscFunctionReturn(0);
}
