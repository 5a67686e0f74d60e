static const char help[] = "Gradient checks of shape, index, convolution, spectral, normalisation, attention and recurrence ops; forward references for conv1d and the spectral convolution.\n";

#include "adtest.h"

typedef struct {
  int kind;
  PetscInt i[8];
  CfxConv1dParams conv;
} OpCtx;

enum { K_RESHAPE, K_PERMUTE, K_TRANSPOSE, K_CONCAT, K_SLICE, K_SHIFT, K_GATHER, K_CONV, K_SPECTRAL, K_LAYERNORM, K_LAYERNORM_NOAFFINE, K_RMSNORM, K_SOFTMAX, K_ATTENTION, K_SCAN, K_SCAN_H0 };

static PetscErrorCode FOp(CfxTape tape, PetscInt n, CfxTensor in[], void *ctx, CfxTensor *y)
{
  OpCtx *c = (OpCtx *)ctx;

  PetscFunctionBeginUser;
  switch (c->kind) {
    case K_RESHAPE: PetscCall(CfxOpReshape(tape, in[0], c->i[0], &c->i[1], y)); break;
    case K_PERMUTE: PetscCall(CfxOpPermute(tape, in[0], c->i, y)); break;
    case K_TRANSPOSE: PetscCall(CfxOpTranspose(tape, in[0], c->i[0], c->i[1], y)); break;
    case K_CONCAT: PetscCall(CfxOpConcat(tape, n, in, c->i[0], y)); break;
    case K_SLICE: PetscCall(CfxOpSlice(tape, in[0], c->i[0], c->i[1], c->i[2], y)); break;
    case K_SHIFT: PetscCall(CfxOpShift(tape, in[0], c->i[0], y)); break;
    case K_GATHER: PetscCall(CfxOpStencilGather(tape, in[0], c->i[0], &c->i[1], y)); break;
    case K_CONV: PetscCall(CfxOpConv1d(tape, in[0], in[1], n > 2 ? in[2] : NULL, &c->conv, y)); break;
    case K_SPECTRAL: PetscCall(CfxOpSpectralConv1d(tape, in[0], in[1], in[2], y)); break;
    case K_LAYERNORM: PetscCall(CfxOpLayerNorm(tape, in[0], in[1], in[2], 1e-5, y)); break;
    case K_LAYERNORM_NOAFFINE: PetscCall(CfxOpLayerNorm(tape, in[0], NULL, NULL, 1e-5, y)); break;
    case K_RMSNORM: PetscCall(CfxOpRMSNorm(tape, in[0], in[1], 1e-6, y)); break;
    case K_SOFTMAX: PetscCall(CfxOpSoftmax(tape, in[0], y)); break;
    case K_ATTENTION: PetscCall(CfxOpAttention(tape, in[0], in[1], in[2], c->i[0], (PetscBool)c->i[1], y)); break;
    case K_SCAN: PetscCall(CfxOpLinearRecurrence(tape, in[0], in[1], in[2], NULL, y)); break;
    case K_SCAN_H0: PetscCall(CfxOpLinearRecurrence(tape, in[0], in[1], in[2], in[3], y)); break;
  }
  PetscFunctionReturn(0);
}

/* Forward of conv1d and of the spectral convolution against direct sums. */
static PetscErrorCode CheckForwardReferences(CfxTape tape)
{
  CfxRNG rng;
  CfxTensor x, w, b, wr, wi, y;
  PetscInt B = 2, Ci = 4, Co = 6, N = 11, K = 3, G = 2, sx[3] = {2, 4, 11}, sw[3] = {6, 2, 3}, sb[1] = {6};
  CfxConv1dParams p = {2, 2, 1, 2, CFX_PAD_PERIODIC};
  PetscReal err     = 0;

  PetscFunctionBeginUser;
  PetscCall(CfxRNGSetSeed(&rng, 99, 0));
  PetscCall(CfxTensorCreate(3, sx, &x));
  PetscCall(CfxTensorCreate(3, sw, &w));
  PetscCall(CfxTensorCreate(1, sb, &b));
  PetscCall(CfxTensorFillNormal(x, &rng, 0, 1));
  PetscCall(CfxTensorFillNormal(w, &rng, 0, 1));
  PetscCall(CfxTensorFillNormal(b, &rng, 0, 1));
  for (int pad = 0; pad < 2; pad++) {
    p.pad = pad ? CFX_PAD_PERIODIC : CFX_PAD_ZERO;
    PetscCall(CfxTapeReset(tape));
    PetscCall(CfxOpConv1d(tape, x, w, b, &p, &y));
    PetscCheck(y->shape[2] == (N + 3 - K) / 2 + 1, PETSC_COMM_SELF, PETSC_ERR_PLIB, "conv1d output length %" PetscInt_FMT, y->shape[2]);
    for (PetscInt s = 0; s < B; s++)
      for (PetscInt o = 0; o < Co; o++)
        for (PetscInt t = 0; t < y->shape[2]; t++) {
          PetscInt g  = o / (Co / G);
          PetscReal r = b->data[o];
          for (PetscInt c = 0; c < Ci / G; c++)
            for (PetscInt k = 0; k < K; k++) {
              PetscInt j = t * 2 + k - 2;
              if (pad)
                j = (j + N) % N;
              else if (j < 0 || j >= N)
                continue;
              r += w->data[(o * (Ci / G) + c) * K + k] * x->data[(s * Ci + g * (Ci / G) + c) * N + j];
            }
          err = PetscMax(err, PetscAbsReal(r - y->data[(s * Co + o) * y->shape[2] + t]));
        }
  }
  PetscCheck(err < 1e-13, PETSC_COMM_SELF, PETSC_ERR_PLIB, "conv1d forward differs from the direct sum by %g", (double)err);
  /* spectral: y_n = (1/N) sum_k c_k Re(Z_k e^{2 pi i k n/N}), Z_k = sum_i X_{ik} W_{iok}; M = N/2+1 keeps Nyquist for even N */
  for (int cs = 0; cs < 2; cs++) {
    PetscInt Ns = cs ? 12 : 11, M = cs ? 7 : 4, sxs[3] = {B, Ci, Ns}, sws[3] = {Ci, 3, M};
    CfxTensor xs;
    PetscCall(CfxTensorCreate(3, sxs, &xs));
    PetscCall(CfxTensorCreate(3, sws, &wr));
    PetscCall(CfxTensorCreate(3, sws, &wi));
    PetscCall(CfxTensorFillNormal(xs, &rng, 0, 1));
    PetscCall(CfxTensorFillNormal(wr, &rng, 0, 1));
    PetscCall(CfxTensorFillNormal(wi, &rng, 0, 1));
    PetscCall(CfxTapeReset(tape));
    PetscCall(CfxOpSpectralConv1d(tape, xs, wr, wi, &y));
    err = 0;
    for (PetscInt s = 0; s < B; s++)
      for (PetscInt o = 0; o < 3; o++)
        for (PetscInt n = 0; n < Ns; n++) {
          PetscReal r = 0;
          for (PetscInt k = 0; k < M; k++) {
            PetscReal zr = 0, zi = 0, ck = (k == 0 || 2 * k == Ns) ? 1 : 2;
            for (PetscInt i = 0; i < Ci; i++) {
              PetscReal xr = 0, xi = 0;
              for (PetscInt m = 0; m < Ns; m++) {
                xr += xs->data[(s * Ci + i) * Ns + m] * cos(2 * PETSC_PI * k * m / Ns);
                xi -= xs->data[(s * Ci + i) * Ns + m] * sin(2 * PETSC_PI * k * m / Ns);
              }
              PetscReal a = wr->data[(i * 3 + o) * M + k], bb = wi->data[(i * 3 + o) * M + k];
              zr += xr * a - xi * bb;
              zi += xr * bb + xi * a;
            }
            r += ck * (zr * cos(2 * PETSC_PI * k * n / Ns) - zi * sin(2 * PETSC_PI * k * n / Ns));
          }
          err = PetscMax(err, PetscAbsReal(r / Ns - y->data[(s * 3 + o) * Ns + n]));
        }
    PetscCheck(err < 1e-12, PETSC_COMM_SELF, PETSC_ERR_PLIB, "spectral conv (N = %" PetscInt_FMT ", M = %" PetscInt_FMT ") differs from the direct DFT by %g", Ns, M, (double)err);
    PetscCall(CfxTensorDestroy(&xs));
    PetscCall(CfxTensorDestroy(&wr));
    PetscCall(CfxTensorDestroy(&wi));
  }
  /* shift and stencil gather index conventions */
  {
    PetscInt sh[2] = {1, 5}, off[2] = {-1, 2};
    PetscReal v[5] = {0, 1, 2, 3, 4};
    CfxTensor t, s, gth;
    PetscCall(CfxTapeReset(tape));
    PetscCall(CfxTapeNewTensorWithData(tape, 2, sh, v, &t));
    PetscCall(CfxOpShift(tape, t, 2, &s));
    PetscCall(CfxOpStencilGather(tape, t, 2, off, &gth));
    for (PetscInt j = 0; j < 5; j++) {
      PetscCheck(s->data[j] == (PetscReal)((j + 2) % 5), PETSC_COMM_SELF, PETSC_ERR_PLIB, "shift: y[%" PetscInt_FMT "] = %g", j, (double)s->data[j]);
      PetscCheck(gth->data[2 * j] == (PetscReal)((j + 4) % 5) && gth->data[2 * j + 1] == (PetscReal)((j + 2) % 5), PETSC_COMM_SELF, PETSC_ERR_PLIB, "stencil gather: row %" PetscInt_FMT " is (%g, %g)",
                 j, (double)gth->data[2 * j], (double)gth->data[2 * j + 1]);
    }
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "conv1d and spectral conv forward match direct sums; shift and gather index as documented\n"));
  PetscCall(CfxTapeReset(tape));
  PetscCall(CfxTensorDestroy(&x));
  PetscCall(CfxTensorDestroy(&w));
  PetscCall(CfxTensorDestroy(&b));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  CfxTape tape;
  PetscInt seed = 100;
  OpCtx c[40];
  int nc = 0;

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  PetscCall(CheckForwardReferences(tape));
  {
    ADCase cs[40];
    int n = 0;
#define ADD(nm, k, nin, ...)                          \
  do {                                                \
    PetscCall(PetscMemzero(&c[nc], sizeof(c[nc])));   \
    c[nc].kind = k;                                   \
    ADCase t   = {nm, FOp, &c[nc], nin, __VA_ARGS__}; \
    cs[n++]    = t;                                   \
    nc++;                                             \
  } while (0)
    ADD("reshape", K_RESHAPE, 1, {3}, {{2, 3, 5}});
    c[nc - 1].i[0] = 2, c[nc - 1].i[1] = 5, c[nc - 1].i[2] = 6;
    ADD("permute 4d", K_PERMUTE, 1, {4}, {{2, 3, 4, 5}});
    c[nc - 1].i[0] = 2, c[nc - 1].i[1] = 0, c[nc - 1].i[2] = 3, c[nc - 1].i[3] = 1;
    ADD("transpose", K_TRANSPOSE, 1, {3}, {{2, 3, 5}});
    c[nc - 1].i[0] = 1, c[nc - 1].i[1] = 2;
    ADD("concat axis 1", K_CONCAT, 3, {3, 3, 3}, {{2, 1, 5}, {2, 3, 5}, {2, 2, 5}});
    c[nc - 1].i[0] = 1;
    ADD("concat axis 0", K_CONCAT, 2, {2, 2}, {{3, 4}, {1, 4}});
    c[nc - 1].i[0] = 0;
    ADD("slice", K_SLICE, 1, {3}, {{3, 7, 2}});
    c[nc - 1].i[0] = 1, c[nc - 1].i[1] = 2, c[nc - 1].i[2] = 6;
    ADD("shift +2", K_SHIFT, 1, {2}, {{3, 7}});
    c[nc - 1].i[0] = 2;
    ADD("shift -3", K_SHIFT, 1, {3}, {{2, 2, 9}});
    c[nc - 1].i[0] = -3;
    ADD("stencil gather [B,N]", K_GATHER, 1, {2}, {{3, 9}});
    c[nc - 1].i[0] = 4, c[nc - 1].i[1] = -1, c[nc - 1].i[2] = 0, c[nc - 1].i[3] = 1, c[nc - 1].i[4] = 2;
    ADD("stencil gather [B,C,N]", K_GATHER, 1, {3}, {{2, 3, 7}});
    c[nc - 1].i[0] = 3, c[nc - 1].i[1] = -2, c[nc - 1].i[2] = 0, c[nc - 1].i[3] = 3;
    ADD("conv1d zero pad, bias", K_CONV, 3, {3, 3, 1}, {{2, 3, 9}, {4, 3, 3}, {4}});
    c[nc - 1].conv = (CfxConv1dParams){1, 1, 1, 1, CFX_PAD_ZERO};
    ADD("conv1d periodic asym, stride 2", K_CONV, 3, {3, 3, 1}, {{2, 3, 10}, {5, 3, 4}, {5}});
    c[nc - 1].conv = (CfxConv1dParams){2, 2, 1, 1, CFX_PAD_PERIODIC};
    ADD("conv1d valid, groups 2", K_CONV, 2, {3, 3}, {{2, 4, 9}, {6, 2, 3}});
    c[nc - 1].conv = (CfxConv1dParams){1, 0, 0, 2, CFX_PAD_VALID};
    ADD("conv1d depthwise causal", K_CONV, 3, {3, 3, 1}, {{3, 5, 8}, {5, 1, 4}, {5}});
    c[nc - 1].conv = (CfxConv1dParams){1, 3, 0, 5, CFX_PAD_ZERO};
    ADD("conv1d stride 4 kernel 4 (patches)", K_CONV, 3, {3, 3, 1}, {{2, 2, 12}, {3, 2, 4}, {3}});
    c[nc - 1].conv = (CfxConv1dParams){4, 0, 0, 1, CFX_PAD_VALID};
    ADD("spectral N=16 M=5", K_SPECTRAL, 3, {3, 3, 3}, {{2, 3, 16}, {3, 4, 5}, {3, 4, 5}});
    ADD("spectral N=12 M=7 (Nyquist)", K_SPECTRAL, 3, {3, 3, 3}, {{2, 2, 12}, {2, 3, 7}, {2, 3, 7}});
    ADD("spectral N=9 M=5 (odd)", K_SPECTRAL, 3, {3, 3, 3}, {{3, 2, 9}, {2, 2, 5}, {2, 2, 5}});
    ADD("layer norm", K_LAYERNORM, 3, {3, 1, 1}, {{2, 3, 7}, {7}, {7}});
    ADD("layer norm no affine", K_LAYERNORM_NOAFFINE, 1, {2}, {{4, 5}});
    ADD("RMS norm", K_RMSNORM, 2, {3, 1}, {{2, 3, 6}, {6}});
    ADD("softmax", K_SOFTMAX, 1, {3}, {{2, 3, 7}}, -3, 3);
    ADD("attention 2 heads", K_ATTENTION, 3, {3, 3, 3}, {{2, 5, 6}, {2, 5, 6}, {2, 5, 6}});
    c[nc - 1].i[0] = 2;
    ADD("attention 3 heads causal", K_ATTENTION, 3, {3, 3, 3}, {{2, 4, 9}, {2, 4, 9}, {2, 4, 9}});
    c[nc - 1].i[0] = 3, c[nc - 1].i[1] = 1;
    ADD("linear recurrence", K_SCAN, 3, {3, 3, 3}, {{2, 7, 3}, {2, 7, 3}, {2, 7, 3}});
    ADD("linear recurrence with h0", K_SCAN_H0, 4, {3, 3, 3, 2}, {{3, 5, 2}, {3, 5, 2}, {3, 5, 2}, {3, 2}});
    for (int k = 0; k < n; k++) PetscCall(ADRunCase(tape, &cs[k], seed++));
  }
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(CfxFinalize());
  return 0;
}
