/* Elementwise ops: binary with broadcasting, unary maps, activations, smooth min/max/clamp. */
#include "cfxtensorimpl.h"

/* ---------------- binary ops with NumPy broadcasting ---------------- */
typedef enum { BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV } BinKind;

typedef struct {
  BinKind kind;
  CfxTensor a, b, y;
  PetscInt n[4], sa[4], sb[4]; /* output extents and input strides (0 = broadcast) */
} BinCtx;

/* Right-aligns both shapes on 4 axes and fills the output extents and input strides. */
static PetscErrorCode BroadcastShapes(MPI_Comm comm, CfxTensor a, CfxTensor b, PetscInt *ndim, PetscInt n[4], PetscInt sa[4], PetscInt sb[4])
{
  PetscInt da[4], db[4], ma, mb;

  PetscFunctionBegin;
  *ndim = PetscMax(a->ndim, b->ndim);
  for (PetscInt i = 0; i < 4; i++) {
    PetscInt ia = i - (4 - a->ndim), ib = i - (4 - b->ndim);
    da[i] = ia >= 0 ? a->shape[ia] : 1;
    db[i] = ib >= 0 ? b->shape[ib] : 1;
    if (da[i] != db[i] && da[i] != 1 && db[i] != 1) {
      char sa_[64], sb_[64];
      CfxShapeString(a->ndim, a->shape, sa_, sizeof(sa_));
      CfxShapeString(b->ndim, b->shape, sb_, sizeof(sb_));
      SETERRQ(comm, PETSC_ERR_ARG_SIZ, "shapes %s and %s do not broadcast", sa_, sb_);
    }
    n[i] = PetscMax(da[i], db[i]);
  }
  ma = mb = 1;
  for (PetscInt i = 3; i >= 0; i--) {
    sa[i] = da[i] == 1 ? 0 : ma;
    sb[i] = db[i] == 1 ? 0 : mb;
    ma *= da[i];
    mb *= db[i];
  }
  PetscFunctionReturn(0);
}

#define BIN_LOOP(body)                                                 \
  do {                                                                 \
    PetscInt k = 0;                                                    \
    for (PetscInt i0 = 0; i0 < c->n[0]; i0++)                          \
      for (PetscInt i1 = 0; i1 < c->n[1]; i1++)                        \
        for (PetscInt i2 = 0; i2 < c->n[2]; i2++) {                    \
          PetscInt oa = i0 * c->sa[0] + i1 * c->sa[1] + i2 * c->sa[2]; \
          PetscInt ob = i0 * c->sb[0] + i1 * c->sb[1] + i2 * c->sb[2]; \
          for (PetscInt i3 = 0; i3 < c->n[3]; i3++, k++) {             \
            PetscInt ia = oa + i3 * c->sa[3], ib = ob + i3 * c->sb[3]; \
            (void)ia;                                                  \
            (void)ib;                                                  \
            body;                                                      \
          }                                                            \
        }                                                              \
  } while (0)

static void BinForward(const BinCtx *c, const PetscReal *A, const PetscReal *B, PetscReal *Y)
{
  switch (c->kind) {
    case BIN_ADD: BIN_LOOP(Y[k] = A[ia] + B[ib]); break;
    case BIN_SUB: BIN_LOOP(Y[k] = A[ia] - B[ib]); break;
    case BIN_MUL: BIN_LOOP(Y[k] = A[ia] * B[ib]); break;
    case BIN_DIV: BIN_LOOP(Y[k] = A[ia] / B[ib]); break;
  }
}

static PetscErrorCode BinBackward(CfxTape tape, void *ctx)
{
  BinCtx *c = (BinCtx *)ctx;
  PetscReal *ga, *gb;
  const PetscReal *A = c->a->data, *B = c->b->data, *G = c->y->grad;

  PetscFunctionBegin;
  PetscCall(CfxTensorGetGrad(tape, c->a, &ga));
  PetscCall(CfxTensorGetGrad(tape, c->b, &gb));
  if (ga) {
    switch (c->kind) {
      case BIN_ADD:
      case BIN_SUB: BIN_LOOP(ga[ia] += G[k]); break;
      case BIN_MUL: BIN_LOOP(ga[ia] += G[k] * B[ib]); break;
      case BIN_DIV: BIN_LOOP(ga[ia] += G[k] / B[ib]); break;
    }
  }
  if (gb) {
    switch (c->kind) {
      case BIN_ADD: BIN_LOOP(gb[ib] += G[k]); break;
      case BIN_SUB: BIN_LOOP(gb[ib] -= G[k]); break;
      case BIN_MUL: BIN_LOOP(gb[ib] += G[k] * A[ia]); break;
      case BIN_DIV: BIN_LOOP(gb[ib] -= G[k] * A[ia] / (B[ib] * B[ib])); break;
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode CfxOpBinary(CfxTape tape, BinKind kind, CfxTensor a, CfxTensor b, CfxTensor *y)
{
  BinCtx tmp, *c = &tmp;
  PetscInt ndim, shape[4];
  CfxTensor in[2] = {a, b};

  PetscFunctionBegin;
  PetscValidPointer(a, 3);
  PetscValidPointer(b, 4);
  PetscValidPointer(y, 5);
  PetscCall(BroadcastShapes(tape->comm, a, b, &ndim, tmp.n, tmp.sa, tmp.sb));
  for (PetscInt i = 0; i < ndim; i++) shape[i] = tmp.n[4 - ndim + i];
  PetscCall(CfxTapeNewOutput(tape, ndim, shape, PETSC_FALSE, 2, in, y));
  tmp.kind = kind;
  tmp.a    = a;
  tmp.b    = b;
  tmp.y    = *y;
  BinForward(c, a->data, b->data, (*y)->data);
  if ((*y)->requires_grad) {
    PetscCall(CfxTapeAlloc(tape, sizeof(BinCtx), (void **)&c));
    *c = tmp;
    PetscCall(CfxTapeRecord(tape, *y, BinBackward, c));
  }
  PetscFunctionReturn(0);
}

/*@C
  CfxOpAdd - y = a + b with broadcasting.
@*/
PetscErrorCode CfxOpAdd(CfxTape tape, CfxTensor a, CfxTensor b, CfxTensor *y)
{
  PetscFunctionBegin;
  PetscCall(CfxOpBinary(tape, BIN_ADD, a, b, y));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOpSub(CfxTape tape, CfxTensor a, CfxTensor b, CfxTensor *y)
{
  PetscFunctionBegin;
  PetscCall(CfxOpBinary(tape, BIN_SUB, a, b, y));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOpMul(CfxTape tape, CfxTensor a, CfxTensor b, CfxTensor *y)
{
  PetscFunctionBegin;
  PetscCall(CfxOpBinary(tape, BIN_MUL, a, b, y));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOpDiv(CfxTape tape, CfxTensor a, CfxTensor b, CfxTensor *y)
{
  PetscFunctionBegin;
  PetscCall(CfxOpBinary(tape, BIN_DIV, a, b, y));
  PetscFunctionReturn(0);
}

/* ---------------- unary maps ---------------- */
typedef enum { UN_SCALE, UN_EXP, UN_LOG, UN_SQRT, UN_SQUARE, UN_ACT, UN_CLAMP } UnKind;

typedef struct {
  UnKind kind;
  CfxActivation act;
  PetscReal p[3]; /* scale: alpha, beta; clamp: lo, hi, k */
  CfxTensor x, y;
} UnCtx;

static inline PetscReal Softplus(PetscReal x) { return (x > 0 ? x : 0) + log1p(exp(-fabs(x))); }
static inline PetscReal Sigmoid(PetscReal x)
{
  if (x >= 0) return 1.0 / (1.0 + exp(-x));
  PetscReal e = exp(x);
  return e / (1.0 + e);
}

static PetscErrorCode UnBackward(CfxTape tape, void *ctx)
{
  UnCtx *c = (UnCtx *)ctx;
  PetscReal *gx;
  const PetscReal *X = c->x->data, *Y = c->y->data, *G = c->y->grad;
  PetscInt n = c->x->size;

  PetscFunctionBegin;
  PetscCall(CfxTensorGetGrad(tape, c->x, &gx));
  if (!gx) PetscFunctionReturn(0);
  switch (c->kind) {
    case UN_SCALE:
      for (PetscInt i = 0; i < n; i++) gx[i] += c->p[0] * G[i];
      break;
    case UN_EXP:
      for (PetscInt i = 0; i < n; i++) gx[i] += G[i] * Y[i];
      break;
    case UN_LOG:
      for (PetscInt i = 0; i < n; i++) gx[i] += G[i] / X[i];
      break;
    case UN_SQRT:
      for (PetscInt i = 0; i < n; i++) gx[i] += 0.5 * G[i] / Y[i];
      break;
    case UN_SQUARE:
      for (PetscInt i = 0; i < n; i++) gx[i] += 2.0 * G[i] * X[i];
      break;
    case UN_ACT: CfxActBackward(c->act, n, X, Y, G, gx, PETSC_TRUE); break;
    case UN_CLAMP: {
      const PetscReal lo = c->p[0], hi = c->p[1], k = c->p[2];
      for (PetscInt i = 0; i < n; i++) {
        PetscReal z = lo + Softplus(k * (X[i] - lo)) / k;
        gx[i] += G[i] * Sigmoid(k * (X[i] - lo)) * (1.0 - Sigmoid(k * (z - hi)));
      }
    } break;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode CfxOpUnary(CfxTape tape, UnKind kind, CfxActivation act, const PetscReal p[], CfxTensor x, CfxTensor *y)
{
  UnCtx *c;
  PetscReal *Y;
  const PetscReal *X = x->data;
  PetscInt n         = x->size;

  PetscFunctionBegin;
  PetscValidPointer(x, 5);
  PetscValidPointer(y, 6);
  PetscCall(CfxTapeNewOutput(tape, x->ndim, x->shape, PETSC_FALSE, 1, &x, y));
  Y = (*y)->data;
  switch (kind) {
    case UN_SCALE:
      for (PetscInt i = 0; i < n; i++) Y[i] = p[0] * X[i] + p[1];
      break;
    case UN_EXP: CfxVecExp(n, X, Y); break;
    case UN_LOG:
      for (PetscInt i = 0; i < n; i++) Y[i] = log(X[i]);
      break;
    case UN_SQRT:
      for (PetscInt i = 0; i < n; i++) Y[i] = sqrt(X[i]);
      break;
    case UN_SQUARE:
      for (PetscInt i = 0; i < n; i++) Y[i] = X[i] * X[i];
      break;
    case UN_ACT: CfxActForward(act, n, X, Y); break;
    case UN_CLAMP:
      for (PetscInt i = 0; i < n; i++) {
        PetscReal z = p[0] + Softplus(p[2] * (X[i] - p[0])) / p[2];
        Y[i]        = z - Softplus(p[2] * (z - p[1])) / p[2];
      }
      break;
  }
  if ((*y)->requires_grad) {
    PetscCall(CfxTapeAlloc(tape, sizeof(UnCtx), (void **)&c));
    c->kind = kind;
    c->act  = act;
    c->x    = x;
    c->y    = *y;
    for (PetscInt i = 0; i < 3; i++) c->p[i] = p ? p[i] : 0;
    PetscCall(CfxTapeRecord(tape, *y, UnBackward, c));
  }
  PetscFunctionReturn(0);
}

/*@C
  CfxOpScale - y = alpha x + beta.
@*/
PetscErrorCode CfxOpScale(CfxTape tape, CfxTensor x, PetscReal alpha, PetscReal beta, CfxTensor *y)
{
  PetscReal p[3] = {alpha, beta, 0};

  PetscFunctionBegin;
  PetscCall(CfxOpUnary(tape, UN_SCALE, CFX_ACT_NONE, p, x, y));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOpExp(CfxTape tape, CfxTensor x, CfxTensor *y)
{
  PetscFunctionBegin;
  PetscCall(CfxOpUnary(tape, UN_EXP, CFX_ACT_NONE, NULL, x, y));
  PetscFunctionReturn(0);
}

/* log of non-positive entries gives -inf/nan as in libm; callers validate their inputs. */
PetscErrorCode CfxOpLog(CfxTape tape, CfxTensor x, CfxTensor *y)
{
  PetscFunctionBegin;
  PetscCall(CfxOpUnary(tape, UN_LOG, CFX_ACT_NONE, NULL, x, y));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOpSqrt(CfxTape tape, CfxTensor x, CfxTensor *y)
{
  PetscFunctionBegin;
  PetscCall(CfxOpUnary(tape, UN_SQRT, CFX_ACT_NONE, NULL, x, y));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOpSquare(CfxTape tape, CfxTensor x, CfxTensor *y)
{
  PetscFunctionBegin;
  PetscCall(CfxOpUnary(tape, UN_SQUARE, CFX_ACT_NONE, NULL, x, y));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOpActivation(CfxTape tape, CfxTensor x, CfxActivation act, CfxTensor *y)
{
  PetscFunctionBegin;
  PetscCheck(act >= CFX_ACT_NONE && act <= CFX_ACT_SILU, tape->comm, PETSC_ERR_ARG_OUTOFRANGE, "unknown activation %d", (int)act);
  PetscCall(CfxOpUnary(tape, UN_ACT, act, NULL, x, y));
  PetscFunctionReturn(0);
}

/*@C
  CfxOpSmoothClamp - y = smooth min(smooth max(x, lo), hi) with sharpness k > 0; the error
  against the hard clamp is at most log(2)/k at each bound.
@*/
PetscErrorCode CfxOpSmoothClamp(CfxTape tape, CfxTensor x, PetscReal lo, PetscReal hi, PetscReal k, CfxTensor *y)
{
  PetscReal p[3] = {lo, hi, k};

  PetscFunctionBegin;
  PetscCheck(k > 0, tape->comm, PETSC_ERR_ARG_OUTOFRANGE, "smooth clamp sharpness must be > 0, found %g", (double)k);
  PetscCheck(lo < hi, tape->comm, PETSC_ERR_ARG_OUTOFRANGE, "smooth clamp needs lo < hi, found lo = %g, hi = %g", (double)lo, (double)hi);
  PetscCall(CfxOpUnary(tape, UN_CLAMP, CFX_ACT_NONE, p, x, y));
  PetscFunctionReturn(0);
}

/*@C
  CfxOpSmoothMax - y = b + softplus(k (a - b)) / k (broadcasting), a smooth max(a, b).
@*/
PetscErrorCode CfxOpSmoothMax(CfxTape tape, CfxTensor a, CfxTensor b, PetscReal k, CfxTensor *y)
{
  CfxTensor d, s;

  PetscFunctionBegin;
  PetscCheck(k > 0, tape->comm, PETSC_ERR_ARG_OUTOFRANGE, "smooth max sharpness must be > 0, found %g", (double)k);
  PetscCall(CfxOpSub(tape, a, b, &d));
  PetscCall(CfxOpScale(tape, d, k, 0, &d));
  PetscCall(CfxOpActivation(tape, d, CFX_ACT_SOFTPLUS, &s));
  PetscCall(CfxOpScale(tape, s, 1.0 / k, 0, &s));
  PetscCall(CfxOpAdd(tape, b, s, y));
  PetscFunctionReturn(0);
}

/*@C
  CfxOpSmoothMin - y = a - softplus(k (a - b)) / k, a smooth min(a, b).
@*/
PetscErrorCode CfxOpSmoothMin(CfxTape tape, CfxTensor a, CfxTensor b, PetscReal k, CfxTensor *y)
{
  CfxTensor d, s;

  PetscFunctionBegin;
  PetscCheck(k > 0, tape->comm, PETSC_ERR_ARG_OUTOFRANGE, "smooth min sharpness must be > 0, found %g", (double)k);
  PetscCall(CfxOpSub(tape, a, b, &d));
  PetscCall(CfxOpScale(tape, d, k, 0, &d));
  PetscCall(CfxOpActivation(tape, d, CFX_ACT_SOFTPLUS, &s));
  PetscCall(CfxOpScale(tape, s, 1.0 / k, 0, &s));
  PetscCall(CfxOpSub(tape, a, s, y));
  PetscFunctionReturn(0);
}
