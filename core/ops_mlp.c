/* Fused multilayer perceptron: a chain of linear layers with activations, y = f_L(...f_1(x)),
   f_l(h) = act_l(h W_l^T + b_l), computed on fixed blocks of rows.

   Why: layer by layer, each [rows, width] activation makes a round trip through memory per
   op and every op is a separate threaded BLAS call plus a threaded activation pass (two
   fork/joins per layer, forward and backward). Here one parallel loop runs all layers of a
   block of CFX_MLP_ROWS rows while its activations stay in cache: the GEMM, bias and
   activation of a layer, and in the backward the activation derivative (1 - y^2 for tanh),
   the bias and weight gradients and the input gradient of the block, in one pass per layer.
   BLAS is called on one block at a time from inside the parallel loop (the OpenMP OpenBLAS
   then runs it on the calling thread).

   Results do not depend on the thread count: blocks have a fixed size, each row is computed
   by the same calls whichever thread runs it, and the weight and bias gradients are summed
   per block into its own slot and the slots added in block order. They differ from the
   unfused CfxOpLinear chain only in the order of the row sums of the parameter gradients
   (round-off; tests/ad/test_ad_mlp.c checks both against each other and against central
   differences). */
#include "cfxtensorimpl.h"
#include <cblas.h>
#include <string.h>
#if defined(_OPENMP)
#include <omp.h>
#endif

#define CFX_MLP_ROWS  256 /* rows per block: a [256, 64] activation is 128 KB, well inside L2 */
#define CFX_MLP_SLOTS 32  /* blocks per backward pass (partial-gradient slots) */
#define CFX_MLP_MAXL  CFX_MLP_MAX_LAYERS

static inline void Gemm(PetscBool ta, PetscBool tb, PetscInt m, PetscInt n, PetscInt k, const PetscReal *A, const PetscReal *B, PetscReal beta, PetscReal *C)
{
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, 1.0, A, (int)(ta ? m : k), B, (int)(tb ? k : n), beta, C, (int)n);
}

typedef struct {
  CfxTensor x, y, W[CFX_MLP_MAXL], b[CFX_MLP_MAXL];
  CfxActivation act[CFX_MLP_MAXL];
  PetscInt L, R, in[CFX_MLP_MAXL], out[CFX_MLP_MAXL], maxw;
  PetscReal *h[CFX_MLP_MAXL]; /* layer outputs [R, out_l]; h[L-1] is y's data */
  PetscReal *z[CFX_MLP_MAXL]; /* pre-activations, only for activations whose derivative needs them */
} MLPCtx;

static inline PetscInt NBlocks(PetscInt R) { return (R + CFX_MLP_ROWS - 1) / CFX_MLP_ROWS; }

static PetscErrorCode MLPBackward(CfxTape tape, void *ctx)
{
  MLPCtx *c  = (MLPCtx *)ctx;
  PetscInt L = c->L, R = c->R, nb = NBlocks(R), nthr = 1, npar = 0, off[CFX_MLP_MAXL + 1];
  PetscReal *gW[CFX_MLP_MAXL], *gb[CFX_MLP_MAXL], *gx, bx, *part, *scratch;
  const PetscReal *dy = c->y->grad;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CFX_OpLinear, 0, 0, 0, 0));
  PetscCall(CfxTensorGetGradForWrite(tape, c->x, &gx, &bx));
  /* per-slot partial gradients: layer l's weight then bias at off[l] */
  for (PetscInt l = 0; l < L; l++) {
    PetscCall(CfxTensorGetGrad(tape, c->W[l], &gW[l]));
    PetscCall(CfxTensorGetGrad(tape, c->b[l], &gb[l]));
    off[l] = npar;
    npar += (gW[l] ? c->out[l] * c->in[l] : 0) + (gb[l] ? c->out[l] : 0);
  }
  off[L] = npar;
#if defined(_OPENMP)
  nthr = omp_get_max_threads();
#endif
  PetscCall(CfxTapeScratch(tape, (size_t)CFX_MLP_SLOTS * PetscMax(npar, 1), &part));
  PetscCall(CfxTapeScratch(tape, (size_t)nthr * 2 * CFX_MLP_ROWS * c->maxw, &scratch));
  for (PetscInt b0 = 0; b0 < nb; b0 += CFX_MLP_SLOTS) {
    PetscInt b1 = PetscMin(nb, b0 + CFX_MLP_SLOTS);
    {
      int cfxBlasThreads = CfxBLASSerialBegin();
#pragma omp parallel for schedule(static) if (b1 - b0 > 1)
      for (PetscInt blk = b0; blk < b1; blk++) {
        PetscInt r0 = blk * CFX_MLP_ROWS, n = PetscMin(R, r0 + CFX_MLP_ROWS) - r0, t = 0;
        PetscReal *sA, *sB, *p                                                       = part + (blk - b0) * npar;
        const PetscReal *d;
#if defined(_OPENMP)
        t = omp_get_thread_num();
#endif
        sA = scratch + (size_t)t * 2 * CFX_MLP_ROWS * c->maxw;
        sB = sA + CFX_MLP_ROWS * c->maxw;
        d  = dy + r0 * c->out[L - 1];
        for (PetscInt l = L - 1; l >= 0; l--) {
          PetscInt o = c->out[l], i = c->in[l];
          const PetscReal *hin = (l == 0 ? c->x->data : c->h[l - 1]) + r0 * i, *dz = d;
          PetscReal *pw = p + off[l], *pb = pw + (gW[l] ? o * i : 0);
          if (c->act[l] != CFX_ACT_NONE) {
            PetscReal *w = (d == sA) ? sB : sA;
            CfxActBackwardRows(c->act[l], n * o, c->z[l] ? c->z[l] + r0 * o : NULL, c->h[l] + r0 * o, d, w);
            dz = w;
          }
          if (gb[l]) {
            for (PetscInt k = 0; k < o; k++) pb[k] = 0;
            for (PetscInt r = 0; r < n; r++) {
              const PetscReal *dr = dz + r * o;
#pragma omp simd
              for (PetscInt k = 0; k < o; k++) pb[k] += dr[k];
            }
          }
          if (gW[l]) Gemm(PETSC_TRUE, PETSC_FALSE, o, i, n, dz, hin, 0.0, pw);
          if (l > 0) {
            PetscReal *w = (dz == sA) ? sB : sA; /* never the buffer dz is read from */
            Gemm(PETSC_FALSE, PETSC_FALSE, n, i, o, dz, c->W[l]->data, 0.0, w);
            d = w;
          } else if (gx)
            Gemm(PETSC_FALSE, PETSC_FALSE, n, i, o, dz, c->W[0]->data, bx, gx + r0 * i);
        }
      }
      CfxBLASSerialEnd(cfxBlasThreads);
    }
    /* add the slots in block order */
    for (PetscInt l = 0; l < L; l++) {
      PetscInt nw = gW[l] ? c->out[l] * c->in[l] : 0;
      for (PetscInt s = 0; s < b1 - b0; s++) {
        const PetscReal *p = part + s * npar + off[l];
        if (gW[l])
#pragma omp simd
          for (PetscInt k = 0; k < nw; k++) gW[l][k] += p[k];
        if (gb[l])
#pragma omp simd
          for (PetscInt k = 0; k < c->out[l]; k++) gb[l][k] += p[nw + k];
      }
    }
  }
  PetscCall(PetscLogEventEnd(CFX_OpLinear, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  CfxOpMLP - y = f_{L-1}(...f_0(x)), f_l(h) = act[l](h W[l]^T + b[l]): x [..., in], W[l]
  [out_l, in_l] with in_0 = in and in_l = out_{l-1}, b[l] [out_l] or NULL (b itself may be
  NULL: no biases). The same values as L calls of CfxOpLinear, computed on cache-sized row
  blocks in one threaded pass (see above); y [..., out_{L-1}].
@*/
PetscErrorCode CfxOpMLP(CfxTape tape, CfxTensor x, PetscInt L, const CfxTensor W[], const CfxTensor b[], const CfxActivation act[], CfxTensor *y)
{
  CfxTensor in[1 + 2 * CFX_MLP_MAXL];
  PetscInt shape[CFX_TENSOR_MAX_DIMS], R, nb, nthr = 1;
  MLPCtx c, *cc;
  PetscBool keep;
  PetscReal *scratch = NULL;

  PetscFunctionBegin;
  PetscCheck(L >= 1 && L <= CFX_MLP_MAXL, tape->comm, PETSC_ERR_ARG_OUTOFRANGE, "MLP op: number of layers must be in [1, %d], found %" PetscInt_FMT, CFX_MLP_MAXL, L);
  PetscCall(PetscMemzero(&c, sizeof(c)));
  c.L    = L;
  c.x    = x;
  c.maxw = 1;
  in[0]  = x;
  for (PetscInt l = 0; l < L; l++) {
    PetscInt want = l == 0 ? x->shape[x->ndim - 1] : c.out[l - 1];
    PetscCheck(W[l] && W[l]->ndim == 2, tape->comm, PETSC_ERR_ARG_SIZ, "MLP op: layer %" PetscInt_FMT " weight must be [out, in], found rank %" PetscInt_FMT, l, W[l] ? W[l]->ndim : 0);
    PetscCheck(W[l]->shape[1] == want, tape->comm, PETSC_ERR_ARG_SIZ, "MLP op: layer %" PetscInt_FMT " weight expects %" PetscInt_FMT " inputs, found %" PetscInt_FMT, l, W[l]->shape[1], want);
    c.W[l]   = W[l];
    c.b[l]   = b ? b[l] : NULL;
    c.act[l] = act[l];
    c.in[l]  = W[l]->shape[1];
    c.out[l] = W[l]->shape[0];
    PetscCheck(!c.b[l] || c.b[l]->size == c.out[l], tape->comm, PETSC_ERR_ARG_SIZ, "MLP op: layer %" PetscInt_FMT " bias has %" PetscInt_FMT " entries, expected %" PetscInt_FMT, l,
               c.b[l] ? c.b[l]->size : 0, c.out[l]);
    c.maxw        = PetscMax(c.maxw, PetscMax(c.in[l], c.out[l]));
    in[1 + 2 * l] = W[l];
    in[2 + 2 * l] = c.b[l];
  }
  R   = x->size / c.in[0];
  c.R = R;
  nb  = NBlocks(R);
  for (PetscInt i = 0; i < x->ndim; i++) shape[i] = x->shape[i];
  shape[x->ndim - 1] = c.out[L - 1];
  PetscCall(CfxTapeNewOutput(tape, x->ndim, shape, PETSC_FALSE, 1 + 2 * L, in, y));
  c.y  = *y;
  keep = (*y)->requires_grad;
  /* hidden outputs (and pre-activations) are kept for the backward; without it they live in
     per-thread block scratch */
  for (PetscInt l = 0; l < L - 1; l++)
    if (keep) PetscCall(CfxTapeScratch(tape, R * c.out[l], &c.h[l]));
  c.h[L - 1] = (*y)->data;
  for (PetscInt l = 0; l < L; l++)
    if (keep && c.act[l] != CFX_ACT_NONE && CfxActNeedsInput(c.act[l])) PetscCall(CfxTapeScratch(tape, R * c.out[l], &c.z[l]));
#if defined(_OPENMP)
  nthr = omp_get_max_threads();
#endif
  if (!keep) PetscCall(CfxTapeScratch(tape, (size_t)nthr * 2 * CFX_MLP_ROWS * c.maxw, &scratch));
  PetscCall(PetscLogEventBegin(CFX_OpLinear, 0, 0, 0, 0));
  {
    int cfxBlasThreads = CfxBLASSerialBegin();
#pragma omp parallel for schedule(static) if (nb > 1)
    for (PetscInt blk = 0; blk < nb; blk++) {
      PetscInt r0 = blk * CFX_MLP_ROWS, n = PetscMin(R, r0 + CFX_MLP_ROWS) - r0, t = 0;
      const PetscReal *hin = x->data + r0 * c.in[0];
      PetscReal *sA = NULL, *sB = NULL;
#if defined(_OPENMP)
      t = omp_get_thread_num();
#endif
      if (scratch) {
        sA = scratch + (size_t)t * 2 * CFX_MLP_ROWS * c.maxw;
        sB = sA + CFX_MLP_ROWS * c.maxw;
      }
      for (PetscInt l = 0; l < L; l++) {
        PetscInt o = c.out[l], i = c.in[l];
        PetscReal *hout = (l == L - 1 || !scratch) ? c.h[l] + r0 * o : (hin == sA ? sB : sA);
        /* the GEMM adds onto rows preset to the bias (as PyTorch's addmm): no separate zeroing
           pass inside BLAS and no bias pass afterwards */
        if (c.b[l])
          for (PetscInt r = 0; r < n; r++) memcpy(hout + r * o, c.b[l]->data, sizeof(PetscReal) * (size_t)o);
        Gemm(PETSC_FALSE, PETSC_TRUE, n, o, i, hin, c.W[l]->data, c.b[l] ? 1.0 : 0.0, hout);
        CfxBiasActRows(c.act[l], n, o, NULL, hout, c.z[l] ? c.z[l] + r0 * o : NULL);
        hin = hout;
      }
    }
    CfxBLASSerialEnd(cfxBlasThreads);
  }
  PetscCall(PetscLogEventEnd(CFX_OpLinear, 0, 0, 0, 0));
  if (keep) {
    PetscCall(CfxTapeAlloc(tape, sizeof(MLPCtx), (void **)&cc));
    *cc = c;
    PetscCall(CfxTapeRecord(tape, *y, MLPBackward, cc));
  }
  PetscFunctionReturn(0);
}
