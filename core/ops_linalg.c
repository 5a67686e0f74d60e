/* Dense linear algebra ops on CBLAS: batched matmul, linear layer with fused activation,
   channel mixing (kernel-1 convolution) on channels-first data. */
#include "cfxtensorimpl.h"
#include <cblas.h>

/* C (m x n, row-major, ldc = n) = op(A) op(B) + beta C, op(A) m x k, op(B) k x n. */
static inline void Gemm(PetscBool ta, PetscBool tb, PetscInt m, PetscInt n, PetscInt k, const PetscReal *A, const PetscReal *B, PetscReal beta, PetscReal *C)
{
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, 1.0, A, (int)(ta ? m : k), B, (int)(tb ? k : n), beta, C, (int)n);
}

/* ---------------- matmul ---------------- */
typedef struct {
  CfxTensor a, b, c;
  PetscBool ta, tb, sharedB;
  PetscInt batch, M, N, K;
} MatmulCtx;

static PetscErrorCode MatmulBackward(CfxTape tape, void *ctx)
{
  MatmulCtx *c = (MatmulCtx *)ctx;
  PetscReal *ga, *gb;
  const PetscReal *G = c->c->grad, *A = c->a->data, *B = c->b->data;
  PetscInt M = c->M, N = c->N, K = c->K, sA = M * K, sB = c->sharedB ? 0 : K * N, sC = M * N;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CFX_OpMatmul, 0, 0, 0, 0));
  PetscCall(CfxTensorGetGrad(tape, c->a, &ga));
  PetscCall(CfxTensorGetGrad(tape, c->b, &gb));
  if (c->sharedB && !c->ta) {
    /* all batches are one M*batch x K matrix */
    M *= c->batch;
    if (ga) Gemm(PETSC_FALSE, (PetscBool)!c->tb, M, K, N, G, B, 1.0, ga);
    if (gb) {
      if (!c->tb)
        Gemm(PETSC_TRUE, PETSC_FALSE, K, N, M, A, G, 1.0, gb);
      else
        Gemm(PETSC_TRUE, PETSC_FALSE, N, K, M, G, A, 1.0, gb);
    }
  } else {
    for (PetscInt p = 0; p < c->batch; p++) {
      const PetscReal *Ap = A + p * sA, *Bp = B + p * sB, *Gp = G + p * sC;
      if (ga) {
        if (!c->ta)
          Gemm(PETSC_FALSE, (PetscBool)!c->tb, M, K, N, Gp, Bp, 1.0, ga + p * sA);
        else
          Gemm(c->tb, PETSC_TRUE, K, M, N, Bp, Gp, 1.0, ga + p * sA);
      }
      if (gb) {
        if (!c->tb)
          Gemm((PetscBool)!c->ta, PETSC_FALSE, K, N, M, Ap, Gp, 1.0, gb + p * sB);
        else
          Gemm(PETSC_TRUE, c->ta, N, K, M, Gp, Ap, 1.0, gb + p * sB);
      }
    }
  }
  PetscCall(PetscLogEventEnd(CFX_OpMatmul, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  CfxOpMatmul - C = op(A) op(B) over the last two axes; see cfxtensor.h.
@*/
PetscErrorCode CfxOpMatmul(CfxTape tape, CfxTensor a, PetscBool ta, CfxTensor b, PetscBool tb, CfxTensor *y)
{
  MatmulCtx c, *cc;
  PetscInt shape[4], M, K, N, Kb, batch = 1;
  CfxTensor in[2] = {a, b};

  PetscFunctionBegin;
  PetscCheck(a->ndim >= 2 && b->ndim >= 2, tape->comm, PETSC_ERR_ARG_SIZ, "matmul needs operands of rank >= 2, found %" PetscInt_FMT " and %" PetscInt_FMT, a->ndim, b->ndim);
  M  = ta ? a->shape[a->ndim - 1] : a->shape[a->ndim - 2];
  K  = ta ? a->shape[a->ndim - 2] : a->shape[a->ndim - 1];
  Kb = tb ? b->shape[b->ndim - 1] : b->shape[b->ndim - 2];
  N  = tb ? b->shape[b->ndim - 2] : b->shape[b->ndim - 1];
  PetscCheck(K == Kb, tape->comm, PETSC_ERR_ARG_SIZ, "matmul inner dimensions differ: %" PetscInt_FMT " and %" PetscInt_FMT, K, Kb);
  for (PetscInt i = 0; i < a->ndim - 2; i++) batch *= a->shape[i];
  c.sharedB = (PetscBool)(b->ndim == 2);
  if (!c.sharedB) {
    PetscCheck(b->ndim == a->ndim, tape->comm, PETSC_ERR_ARG_SIZ, "batched matmul needs B of rank 2 or of A's rank %" PetscInt_FMT ", found %" PetscInt_FMT, a->ndim, b->ndim);
    for (PetscInt i = 0; i < a->ndim - 2; i++)
      PetscCheck(a->shape[i] == b->shape[i], tape->comm, PETSC_ERR_ARG_SIZ, "batched matmul: batch axis %" PetscInt_FMT " is %" PetscInt_FMT " in A and %" PetscInt_FMT " in B", i, a->shape[i],
                 b->shape[i]);
  }
  for (PetscInt i = 0; i < a->ndim - 2; i++) shape[i] = a->shape[i];
  shape[a->ndim - 2] = M;
  shape[a->ndim - 1] = N;
  PetscCall(CfxTapeNewOutput(tape, a->ndim, shape, PETSC_FALSE, 2, in, y));
  PetscCall(PetscLogEventBegin(CFX_OpMatmul, 0, 0, 0, 0));
  if (c.sharedB && !ta)
    Gemm(PETSC_FALSE, tb, M * batch, N, K, a->data, b->data, 0.0, (*y)->data);
  else
    for (PetscInt p = 0; p < batch; p++) Gemm(ta, tb, M, N, K, a->data + p * M * K, b->data + (c.sharedB ? 0 : p * K * N), 0.0, (*y)->data + p * M * N);
  PetscCall(PetscLogEventEnd(CFX_OpMatmul, 0, 0, 0, 0));
  if ((*y)->requires_grad) {
    PetscCall(CfxTapeAlloc(tape, sizeof(MatmulCtx), (void **)&cc));
    c.a     = a;
    c.b     = b;
    c.c     = *y;
    c.ta    = ta;
    c.tb    = tb;
    c.batch = batch;
    c.M     = M;
    c.N     = N;
    c.K     = K;
    *cc     = c;
    PetscCall(CfxTapeRecord(tape, *y, MatmulBackward, cc));
  }
  PetscFunctionReturn(0);
}

/* ---------------- linear: y = act(x W^T + b) ---------------- */
typedef struct {
  CfxTensor x, W, b, y;
  PetscReal *z; /* pre-activation, kept when the activation's derivative needs it */
  CfxActivation act;
  PetscInt rows, in, out;
} LinearCtx;

/* dz = dy * act'(.) (in scratch, or dy itself without activation) and the bias gradient, in
   one pass over the rows (fastmath.c) */
static PetscErrorCode LinearBackward(CfxTape tape, void *ctx)
{
  LinearCtx *c = (LinearCtx *)ctx;
  PetscReal *gx, *gW, *gb, *dz, *part = NULL, bx, bw;
  PetscInt R = c->rows, Ci = c->in, Co = c->out;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CFX_OpLinear, 0, 0, 0, 0));
  PetscCall(CfxTensorGetGradForWrite(tape, c->x, &gx, &bx));
  PetscCall(CfxTensorGetGradForWrite(tape, c->W, &gW, &bw));
  PetscCall(CfxTensorGetGrad(tape, c->b, &gb));
  dz = c->y->grad;
  if (c->act != CFX_ACT_NONE) PetscCall(CfxTapeScratch(tape, R * Co, &dz));
  if (gb) PetscCall(CfxTapeScratch(tape, CfxBiasBlocks(R, Co) * Co, &part));
  CfxBiasActBackward(c->act, R, Co, c->z, c->y->data, c->y->grad, dz, gb, part);
  if (gx) Gemm(PETSC_FALSE, PETSC_FALSE, R, Ci, Co, dz, c->W->data, bx, gx);
  if (gW) Gemm(PETSC_TRUE, PETSC_FALSE, Co, Ci, R, dz, c->x->data, bw, gW);
  PetscCall(PetscLogEventEnd(CFX_OpLinear, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  CfxOpLinear - y = act(x W^T + b); x [..., in], W [out, in], b [out] or NULL.
@*/
PetscErrorCode CfxOpLinear(CfxTape tape, CfxTensor x, CfxTensor W, CfxTensor b, CfxActivation act, CfxTensor *y)
{
  PetscInt shape[4], Ci, Co, R;
  CfxTensor in[3] = {x, W, b};
  PetscReal *Y, *z = NULL;
  LinearCtx *c;

  PetscFunctionBegin;
  PetscCheck(W->ndim == 2, tape->comm, PETSC_ERR_ARG_SIZ, "linear weight must be [out, in], found rank %" PetscInt_FMT, W->ndim);
  Co = W->shape[0];
  Ci = W->shape[1];
  PetscCheck(x->shape[x->ndim - 1] == Ci, tape->comm, PETSC_ERR_ARG_SIZ, "linear: input's last axis is %" PetscInt_FMT ", weight expects %" PetscInt_FMT, x->shape[x->ndim - 1], Ci);
  PetscCheck(!b || b->size == Co, tape->comm, PETSC_ERR_ARG_SIZ, "linear: bias has %" PetscInt_FMT " entries, expected %" PetscInt_FMT, b ? b->size : 0, Co);
  R = x->size / Ci;
  for (PetscInt i = 0; i < x->ndim; i++) shape[i] = x->shape[i];
  shape[x->ndim - 1] = Co;
  PetscCall(CfxTapeNewOutput(tape, x->ndim, shape, PETSC_FALSE, 3, in, y));
  PetscCall(PetscLogEventBegin(CFX_OpLinear, 0, 0, 0, 0));
  Y = (*y)->data;
  Gemm(PETSC_FALSE, PETSC_TRUE, R, Co, Ci, x->data, W->data, 0.0, Y);
  if ((*y)->requires_grad && act != CFX_ACT_NONE && CfxActNeedsInput(act)) PetscCall(CfxTapeScratch(tape, R * Co, &z));
  CfxBiasActForward(act, R, Co, b ? b->data : NULL, Y, z);
  PetscCall(PetscLogEventEnd(CFX_OpLinear, 0, 0, 0, 0));
  if ((*y)->requires_grad) {
    PetscCall(CfxTapeAlloc(tape, sizeof(LinearCtx), (void **)&c));
    c->x    = x;
    c->W    = W;
    c->b    = b;
    c->y    = *y;
    c->z    = z;
    c->act  = act;
    c->rows = R;
    c->in   = Ci;
    c->out  = Co;
    PetscCall(CfxTapeRecord(tape, *y, LinearBackward, c));
  }
  PetscFunctionReturn(0);
}

/* ---------------- channel linear on [B, C, N] ----------------
   Threaded over samples (one fork/join per op; BLAS runs single-threaded on each sample's
   [Co, N] x [Ci, N] product inside the loop, so the activation pass of a sample follows its
   GEMM while the sample is in cache). The weight gradient is summed per fixed block of
   CFX_CHLIN_BLOCK samples into the block's own slot and the slots are added in order, the
   bias gradient per (sample, channel) row and then in row order: no dependence on the
   thread count. */
#define CFX_CHLIN_BLOCK 8

static PetscErrorCode ChannelLinearBackward(CfxTape tape, void *ctx)
{
  LinearCtx *c = (LinearCtx *)ctx;
  PetscReal *gx, *gW, *gb, *dz, *rowsum = NULL, *part = NULL, bx;
  PetscInt B = c->rows, Ci = c->in, Co = c->out, N = c->x->shape[2], nblk = (B + CFX_CHLIN_BLOCK - 1) / CFX_CHLIN_BLOCK;
  const PetscReal *X = c->x->data, *Wd = c->W->data, *Y = c->y->data, *dY = c->y->grad;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CFX_OpLinear, 0, 0, 0, 0));
  PetscCall(CfxTensorGetGradForWrite(tape, c->x, &gx, &bx));
  PetscCall(CfxTensorGetGrad(tape, c->W, &gW));
  PetscCall(CfxTensorGetGrad(tape, c->b, &gb));
  dz = c->y->grad;
  if (c->act != CFX_ACT_NONE) PetscCall(CfxTapeScratch(tape, c->y->size, &dz));
  if (gb) PetscCall(CfxTapeScratch(tape, B * Co, &rowsum));
  if (gW) PetscCall(CfxTapeScratch(tape, nblk * Co * Ci, &part));
  {
    int cfxBlasThreads = CfxBLASSerialBegin();
#pragma omp parallel for schedule(static) if (nblk > 1)
    for (PetscInt blk = 0; blk < nblk; blk++) {
      PetscInt p1 = PetscMin(B, (blk + 1) * CFX_CHLIN_BLOCK);
      for (PetscInt p = blk * CFX_CHLIN_BLOCK; p < p1; p++) {
        PetscInt off = p * Co * N;
        if (c->act != CFX_ACT_NONE) CfxActBackwardRows(c->act, Co * N, c->z ? c->z + off : NULL, Y + off, dY + off, dz + off);
        if (gb)
          for (PetscInt r = 0; r < Co; r++) {
            const PetscReal *d = dz + off + r * N;
            PetscReal sum      = 0;
#pragma omp simd reduction(+ : sum)
            for (PetscInt j = 0; j < N; j++) sum += d[j];
            rowsum[p * Co + r] = sum;
          }
        if (gx) Gemm(PETSC_TRUE, PETSC_FALSE, Ci, N, Co, Wd, dz + off, bx, gx + p * Ci * N);
        if (gW) Gemm(PETSC_FALSE, PETSC_TRUE, Co, Ci, N, dz + off, X + p * Ci * N, p == blk * CFX_CHLIN_BLOCK ? 0.0 : 1.0, part + blk * Co * Ci);
      }
    }
    CfxBLASSerialEnd(cfxBlasThreads);
  }
  if (gW)
    for (PetscInt blk = 0; blk < nblk; blk++) {
      const PetscReal *q = part + blk * Co * Ci;
#pragma omp simd
      for (PetscInt k = 0; k < Co * Ci; k++) gW[k] += q[k];
    }
  if (gb)
    for (PetscInt r = 0; r < B * Co; r++) gb[r % Co] += rowsum[r];
  PetscCall(PetscLogEventEnd(CFX_OpLinear, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  CfxOpChannelLinear - y[b] = act(W x[b] + bias) for x [B, Cin, N]; W holds Cout*Cin values.
@*/
PetscErrorCode CfxOpChannelLinear(CfxTape tape, CfxTensor x, CfxTensor W, CfxTensor b, CfxActivation act, CfxTensor *y)
{
  PetscInt B, Ci, Co, N, shape[3];
  CfxTensor in[3] = {x, W, b};
  PetscReal *Y, *z = NULL;
  LinearCtx *c;

  PetscFunctionBegin;
  PetscCheck(x->ndim == 3, tape->comm, PETSC_ERR_ARG_SIZ, "channel linear needs x [B, C, N], found rank %" PetscInt_FMT, x->ndim);
  B  = x->shape[0];
  Ci = x->shape[1];
  N  = x->shape[2];
  Co = W->shape[0];
  PetscCheck(W->size == Co * Ci, tape->comm, PETSC_ERR_ARG_SIZ, "channel linear: weight has %" PetscInt_FMT " entries, expected %" PetscInt_FMT " x %" PetscInt_FMT, W->size, Co, Ci);
  PetscCheck(!b || b->size == Co, tape->comm, PETSC_ERR_ARG_SIZ, "channel linear: bias has %" PetscInt_FMT " entries, expected %" PetscInt_FMT, b ? b->size : 0, Co);
  shape[0] = B;
  shape[1] = Co;
  shape[2] = N;
  PetscCall(CfxTapeNewOutput(tape, 3, shape, PETSC_FALSE, 3, in, y));
  PetscCall(PetscLogEventBegin(CFX_OpLinear, 0, 0, 0, 0));
  Y = (*y)->data;
  if ((*y)->requires_grad && act != CFX_ACT_NONE && CfxActNeedsInput(act)) PetscCall(CfxTapeScratch(tape, (*y)->size, &z));
  /* per sample: rows preset to the bias, GEMM adding onto them (no zeroing pass), activation */
  {
    int cfxBlasThreads = CfxBLASSerialBegin();
#pragma omp parallel for schedule(static) if (B > 1)
    for (PetscInt p = 0; p < B; p++) {
      PetscReal *Yp = Y + p * Co * N;
      if (b)
        for (PetscInt r = 0; r < Co; r++) {
          const PetscReal br = b->data[r];
          PetscReal *yr      = Yp + r * N;
#pragma omp simd
          for (PetscInt j = 0; j < N; j++) yr[j] = br;
        }
      Gemm(PETSC_FALSE, PETSC_FALSE, Co, N, Ci, W->data, x->data + p * Ci * N, b ? 1.0 : 0.0, Yp);
      CfxBiasActRows(act, Co, N, NULL, Yp, z ? z + p * Co * N : NULL);
    }
    CfxBLASSerialEnd(cfxBlasThreads);
  }
  PetscCall(PetscLogEventEnd(CFX_OpLinear, 0, 0, 0, 0));
  if ((*y)->requires_grad) {
    PetscCall(CfxTapeAlloc(tape, sizeof(LinearCtx), (void **)&c));
    c->x    = x;
    c->W    = W;
    c->b    = b;
    c->y    = *y;
    c->z    = z;
    c->act  = act;
    c->rows = B;
    c->in   = Ci;
    c->out  = Co;
    PetscCall(CfxTapeRecord(tape, *y, ChannelLinearBackward, c));
  }
  PetscFunctionReturn(0);
}
