/* Shape ops (reshape, permute, concat, slice) and periodic index ops (shift, stencil gather). */
#include "cfxtensorimpl.h"

/* ---------------- reshape ---------------- */
typedef struct {
  CfxTensor x, y;
} CopyCtx;

static PetscErrorCode ReshapeBackward(CfxTape tape, void *ctx)
{
  CopyCtx *c = (CopyCtx *)ctx;
  PetscReal *gx;

  PetscFunctionBegin;
  PetscCall(CfxTensorGetGrad(tape, c->x, &gx));
  if (gx)
    for (PetscInt i = 0; i < c->x->size; i++) gx[i] += c->y->grad[i];
  PetscFunctionReturn(0);
}

/*@C
  CfxOpReshape - Same values, new shape (same number of entries).
@*/
PetscErrorCode CfxOpReshape(CfxTape tape, CfxTensor x, PetscInt ndim, const PetscInt shape[], CfxTensor *y)
{
  CopyCtx *c;
  PetscInt size = 1;

  PetscFunctionBegin;
  PetscCall(CfxShapeCheck(tape->comm, ndim, shape));
  for (PetscInt i = 0; i < ndim; i++) size *= shape[i];
  PetscCheck(size == x->size, tape->comm, PETSC_ERR_ARG_SIZ, "reshape to %" PetscInt_FMT " entries from a tensor of %" PetscInt_FMT, size, x->size);
  PetscCall(CfxTapeNewOutput(tape, ndim, shape, PETSC_FALSE, 1, &x, y));
  PetscCall(PetscArraycpy((*y)->data, x->data, x->size));
  if ((*y)->requires_grad) {
    PetscCall(CfxTapeAlloc(tape, sizeof(*c), (void **)&c));
    c->x = x;
    c->y = *y;
    PetscCall(CfxTapeRecord(tape, *y, ReshapeBackward, c));
  }
  PetscFunctionReturn(0);
}

/* ---------------- permute ---------------- */
typedef struct {
  CfxTensor x, y;
  PetscInt n[4], s[4]; /* output extents, matching input strides */
} PermCtx;

#define PERM_LOOP(body)                                            \
  do {                                                             \
    PetscInt k = 0;                                                \
    for (PetscInt i0 = 0; i0 < c->n[0]; i0++)                      \
      for (PetscInt i1 = 0; i1 < c->n[1]; i1++)                    \
        for (PetscInt i2 = 0; i2 < c->n[2]; i2++) {                \
          PetscInt o = i0 * c->s[0] + i1 * c->s[1] + i2 * c->s[2]; \
          for (PetscInt i3 = 0; i3 < c->n[3]; i3++, k++) {         \
            PetscInt j = o + i3 * c->s[3];                         \
            body;                                                  \
          }                                                        \
        }                                                          \
  } while (0)

static PetscErrorCode PermuteBackward(CfxTape tape, void *ctx)
{
  PermCtx *c = (PermCtx *)ctx;
  PetscReal *gx, *G = c->y->grad;

  PetscFunctionBegin;
  PetscCall(CfxTensorGetGrad(tape, c->x, &gx));
  if (gx) PERM_LOOP(gx[j] += G[k]);
  PetscFunctionReturn(0);
}

/*@C
  CfxOpPermute - y.shape[i] = x.shape[perm[i]] (a permutation of 0..ndim-1).
@*/
PetscErrorCode CfxOpPermute(CfxTape tape, CfxTensor x, const PetscInt perm[], CfxTensor *y)
{
  PermCtx tmp, *c = &tmp;
  PetscInt xs[4], shape[4], seen[4] = {0, 0, 0, 0}, nd = x->ndim;
  PetscReal *Y, *X = x->data;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < nd; i++) {
    PetscCheck(perm[i] >= 0 && perm[i] < nd && !seen[perm[i]], tape->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "permute: entry %" PetscInt_FMT " (%" PetscInt_FMT ") does not form a permutation of 0..%" PetscInt_FMT, i, perm[i], nd - 1);
    seen[perm[i]] = 1;
  }
  xs[nd - 1] = 1;
  for (PetscInt i = nd - 2; i >= 0; i--) xs[i] = xs[i + 1] * x->shape[i + 1];
  for (PetscInt i = 0; i < nd; i++) shape[i] = x->shape[perm[i]];
  /* right-align on four axes */
  for (PetscInt i = 0; i < 4; i++) {
    PetscInt ii = i - (4 - nd);
    tmp.n[i]    = ii >= 0 ? shape[ii] : 1;
    tmp.s[i]    = ii >= 0 ? xs[perm[ii]] : 0;
  }
  PetscCall(CfxTapeNewOutput(tape, nd, shape, PETSC_FALSE, 1, &x, y));
  Y = (*y)->data;
  PERM_LOOP(Y[k] = X[j]);
  if ((*y)->requires_grad) {
    PetscCall(CfxTapeAlloc(tape, sizeof(*c), (void **)&c));
    *c   = tmp;
    c->x = x;
    c->y = *y;
    PetscCall(CfxTapeRecord(tape, *y, PermuteBackward, c));
  }
  PetscFunctionReturn(0);
}

/*@C
  CfxOpTranspose - Swaps two axes.
@*/
PetscErrorCode CfxOpTranspose(CfxTape tape, CfxTensor x, PetscInt a, PetscInt b, CfxTensor *y)
{
  PetscInt perm[4] = {0, 1, 2, 3};

  PetscFunctionBegin;
  PetscCheck(a >= 0 && a < x->ndim && b >= 0 && b < x->ndim, tape->comm, PETSC_ERR_ARG_OUTOFRANGE, "transpose axes %" PetscInt_FMT ", %" PetscInt_FMT " outside a rank-%" PetscInt_FMT " tensor", a, b,
             x->ndim);
  perm[a] = b;
  perm[b] = a;
  PetscCall(CfxOpPermute(tape, x, perm, y));
  PetscFunctionReturn(0);
}

/* ---------------- concat / slice ---------------- */
typedef struct {
  PetscInt n, outer, inner, total;
  CfxTensor *in, y;
} ConcatCtx;

static PetscErrorCode ConcatBackward(CfxTape tape, void *ctx)
{
  ConcatCtx *c = (ConcatCtx *)ctx;
  PetscInt off = 0;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < c->n; k++) {
    PetscReal *g;
    PetscInt len = c->in[k]->size / c->outer;
    PetscCall(CfxTensorGetGrad(tape, c->in[k], &g));
    if (g)
      for (PetscInt o = 0; o < c->outer; o++)
        for (PetscInt i = 0; i < len; i++) g[o * len + i] += c->y->grad[o * c->total + off + i];
    off += len;
  }
  PetscFunctionReturn(0);
}

/*@C
  CfxOpConcat - Joins n tensors along an axis; the other axes must agree.
@*/
PetscErrorCode CfxOpConcat(CfxTape tape, PetscInt n, const CfxTensor in[], PetscInt axis, CfxTensor *y)
{
  ConcatCtx c, *cc;
  PetscInt shape[4], off = 0;

  PetscFunctionBegin;
  PetscCheck(n >= 1, tape->comm, PETSC_ERR_ARG_OUTOFRANGE, "concat needs at least one tensor");
  PetscCheck(axis >= 0 && axis < in[0]->ndim, tape->comm, PETSC_ERR_ARG_OUTOFRANGE, "concat axis %" PetscInt_FMT " outside a rank-%" PetscInt_FMT " tensor", axis, in[0]->ndim);
  for (PetscInt i = 0; i < in[0]->ndim; i++) shape[i] = in[0]->shape[i];
  shape[axis] = 0;
  for (PetscInt k = 0; k < n; k++) {
    PetscCheck(in[k]->ndim == in[0]->ndim, tape->comm, PETSC_ERR_ARG_SIZ, "concat: tensor %" PetscInt_FMT " has rank %" PetscInt_FMT ", expected %" PetscInt_FMT, k, in[k]->ndim, in[0]->ndim);
    for (PetscInt i = 0; i < in[0]->ndim; i++)
      PetscCheck(i == axis || in[k]->shape[i] == in[0]->shape[i], tape->comm, PETSC_ERR_ARG_SIZ,
                 "concat: tensor %" PetscInt_FMT " has extent %" PetscInt_FMT " on axis %" PetscInt_FMT ", expected %" PetscInt_FMT, k, in[k]->shape[i], i, in[0]->shape[i]);
    shape[axis] += in[k]->shape[axis];
  }
  c.outer = 1;
  for (PetscInt i = 0; i < axis; i++) c.outer *= shape[i];
  PetscCall(CfxTapeNewOutput(tape, in[0]->ndim, shape, PETSC_FALSE, n, in, y));
  c.total = (*y)->size / c.outer;
  for (PetscInt k = 0; k < n; k++) {
    PetscInt len = in[k]->size / c.outer;
    for (PetscInt o = 0; o < c.outer; o++) PetscCall(PetscArraycpy((*y)->data + o * c.total + off, in[k]->data + o * len, len));
    off += len;
  }
  if ((*y)->requires_grad) {
    PetscCall(CfxTapeAlloc(tape, sizeof(*cc), (void **)&cc));
    PetscCall(CfxTapeAlloc(tape, sizeof(CfxTensor) * n, (void **)&c.in));
    for (PetscInt k = 0; k < n; k++) c.in[k] = in[k];
    c.n = n;
    c.y = *y;
    *cc = c;
    PetscCall(CfxTapeRecord(tape, *y, ConcatBackward, cc));
  }
  PetscFunctionReturn(0);
}

typedef struct {
  CfxTensor x, y;
  PetscInt outer, len, xlen, off;
} SliceCtx;

static PetscErrorCode SliceBackward(CfxTape tape, void *ctx)
{
  SliceCtx *c = (SliceCtx *)ctx;
  PetscReal *gx;

  PetscFunctionBegin;
  PetscCall(CfxTensorGetGrad(tape, c->x, &gx));
  if (gx)
    for (PetscInt o = 0; o < c->outer; o++)
      for (PetscInt i = 0; i < c->len; i++) gx[o * c->xlen + c->off + i] += c->y->grad[o * c->len + i];
  PetscFunctionReturn(0);
}

/*@C
  CfxOpSlice - Entries start..end-1 along an axis.
@*/
PetscErrorCode CfxOpSlice(CfxTape tape, CfxTensor x, PetscInt axis, PetscInt start, PetscInt end, CfxTensor *y)
{
  SliceCtx c, *cc;
  PetscInt shape[4], inner = 1;

  PetscFunctionBegin;
  PetscCheck(axis >= 0 && axis < x->ndim, tape->comm, PETSC_ERR_ARG_OUTOFRANGE, "slice axis %" PetscInt_FMT " outside a rank-%" PetscInt_FMT " tensor", axis, x->ndim);
  PetscCheck(0 <= start && start < end && end <= x->shape[axis], tape->comm, PETSC_ERR_ARG_OUTOFRANGE, "slice [%" PetscInt_FMT ", %" PetscInt_FMT ") not inside [0, %" PetscInt_FMT ")", start, end,
             x->shape[axis]);
  for (PetscInt i = 0; i < x->ndim; i++) shape[i] = x->shape[i];
  shape[axis] = end - start;
  c.outer     = 1;
  for (PetscInt i = 0; i < axis; i++) c.outer *= x->shape[i];
  for (PetscInt i = axis + 1; i < x->ndim; i++) inner *= x->shape[i];
  c.len  = (end - start) * inner;
  c.xlen = x->shape[axis] * inner;
  c.off  = start * inner;
  PetscCall(CfxTapeNewOutput(tape, x->ndim, shape, PETSC_FALSE, 1, &x, y));
  for (PetscInt o = 0; o < c.outer; o++) PetscCall(PetscArraycpy((*y)->data + o * c.len, x->data + o * c.xlen + c.off, c.len));
  if ((*y)->requires_grad) {
    PetscCall(CfxTapeAlloc(tape, sizeof(*cc), (void **)&cc));
    c.x = x;
    c.y = *y;
    *cc = c;
    PetscCall(CfxTapeRecord(tape, *y, SliceBackward, cc));
  }
  PetscFunctionReturn(0);
}

/* ---------------- periodic shift and stencil gather ---------------- */
typedef struct {
  CfxTensor x, y;
  PetscInt rows, N, C, S;
  PetscInt *off; /* offsets reduced to [0, N) */
} GatherCtx;

static PetscErrorCode ShiftBackward(CfxTape tape, void *ctx)
{
  GatherCtx *c = (GatherCtx *)ctx;
  PetscReal *gx;
  PetscInt N = c->N, s = c->off[0];

  PetscFunctionBegin;
  PetscCall(CfxTensorGetGrad(tape, c->x, &gx));
  if (!gx) PetscFunctionReturn(0);
  for (PetscInt r = 0; r < c->rows; r++) {
    const PetscReal *G = c->y->grad + r * N;
    PetscReal *g       = gx + r * N;
    for (PetscInt j = 0; j < N - s; j++) g[j + s] += G[j];
    for (PetscInt j = N - s; j < N; j++) g[j + s - N] += G[j];
  }
  PetscFunctionReturn(0);
}

/*@C
  CfxOpShift - Periodic shift along the last axis: y[..., j] = x[..., (j + s) mod N].
@*/
PetscErrorCode CfxOpShift(CfxTape tape, CfxTensor x, PetscInt s, CfxTensor *y)
{
  GatherCtx *c;
  PetscInt N = x->shape[x->ndim - 1], rows = x->size / N;

  PetscFunctionBegin;
  s = ((s % N) + N) % N;
  PetscCall(CfxTapeNewOutput(tape, x->ndim, x->shape, PETSC_FALSE, 1, &x, y));
  for (PetscInt r = 0; r < rows; r++) {
    const PetscReal *X = x->data + r * N;
    PetscReal *Y       = (*y)->data + r * N;
    for (PetscInt j = 0; j < N - s; j++) Y[j] = X[j + s];
    for (PetscInt j = N - s; j < N; j++) Y[j] = X[j + s - N];
  }
  if ((*y)->requires_grad) {
    PetscCall(CfxTapeAlloc(tape, sizeof(*c), (void **)&c));
    PetscCall(CfxTapeAlloc(tape, sizeof(PetscInt), (void **)&c->off));
    c->x      = x;
    c->y      = *y;
    c->rows   = rows;
    c->N      = N;
    c->off[0] = s;
    PetscCall(CfxTapeRecord(tape, *y, ShiftBackward, c));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode GatherBackward(CfxTape tape, void *ctx)
{
  GatherCtx *c = (GatherCtx *)ctx;
  PetscReal *gx;
  PetscInt N = c->N, C = c->C, S = c->S, W = S * C;

  PetscFunctionBegin;
  PetscCall(CfxTensorGetGrad(tape, c->x, &gx));
  if (!gx) PetscFunctionReturn(0);
  for (PetscInt b = 0; b < c->rows; b++)
    for (PetscInt s = 0; s < S; s++)
      for (PetscInt ch = 0; ch < C; ch++) {
        PetscReal *g       = gx + (b * C + ch) * N;
        const PetscReal *G = c->y->grad + b * N * W + s * C + ch;
        PetscInt o         = c->off[s];
        for (PetscInt j = 0; j < N - o; j++) g[j + o] += G[j * W];
        for (PetscInt j = N - o; j < N; j++) g[j + o - N] += G[j * W];
      }
  PetscFunctionReturn(0);
}

/*@C
  CfxOpStencilGather - x [B, C, N] (or [B, N]) -> y [B, N, S*C], y[b, j, s*C + c] =
  x[b, c, (j + offsets[s]) mod N].
@*/
PetscErrorCode CfxOpStencilGather(CfxTape tape, CfxTensor x, PetscInt S, const PetscInt offsets[], CfxTensor *y)
{
  GatherCtx c, *cc;
  PetscInt shape[3], W, *off;

  PetscFunctionBegin;
  PetscCheck(x->ndim == 2 || x->ndim == 3, tape->comm, PETSC_ERR_ARG_SIZ, "stencil gather needs x [B, N] or [B, C, N], found rank %" PetscInt_FMT, x->ndim);
  PetscCheck(S >= 1, tape->comm, PETSC_ERR_ARG_OUTOFRANGE, "stencil needs at least one offset");
  c.rows = x->shape[0];
  c.C    = x->ndim == 3 ? x->shape[1] : 1;
  c.N    = x->shape[x->ndim - 1];
  c.S    = S;
  W      = S * c.C;
  PetscCall(CfxTapeScratch(tape, S, &off));
  for (PetscInt s = 0; s < S; s++) off[s] = ((offsets[s] % c.N) + c.N) % c.N;
  shape[0] = c.rows;
  shape[1] = c.N;
  shape[2] = W;
  PetscCall(CfxTapeNewOutput(tape, 3, shape, PETSC_FALSE, 1, &x, y));
  for (PetscInt b = 0; b < c.rows; b++)
    for (PetscInt s = 0; s < S; s++)
      for (PetscInt ch = 0; ch < c.C; ch++) {
        const PetscReal *X = x->data + (b * c.C + ch) * c.N;
        PetscReal *Y       = (*y)->data + b * c.N * W + s * c.C + ch;
        PetscInt o         = off[s];
        for (PetscInt j = 0; j < c.N - o; j++) Y[j * W] = X[j + o];
        for (PetscInt j = c.N - o; j < c.N; j++) Y[j * W] = X[j + o - c.N];
      }
  if ((*y)->requires_grad) {
    PetscCall(CfxTapeAlloc(tape, sizeof(*cc), (void **)&cc));
    c.x   = x;
    c.y   = *y;
    c.off = off;
    *cc   = c;
    PetscCall(CfxTapeRecord(tape, *y, GatherBackward, cc));
  }
  PetscFunctionReturn(0);
}
