/* 1-D convolution (cross-correlation, as torch.nn.Conv1d) with stride, zero/periodic/valid
   padding and groups, by im2col + GEMM per (sample, group). */
#include "cfxtensorimpl.h"
#include <cblas.h>

const char *const CfxPadTypes[] = {"zero", "periodic", "valid", "CfxPadType", "CFX_PAD_", NULL};

typedef struct {
  CfxTensor x, w, b, y;
  PetscInt B, Cin, N, Cout, K, G, Cg, Og, Nout, stride, Np;
  PetscInt *map; /* padded position -> input index, or -1 for a zero pad */
} ConvCtx;

/* cols[(c*K + k) * Nout + t] = x_b[c0 + c, map[t*stride + k]] */
static void Im2Col(const ConvCtx *c, const PetscReal *xb, PetscReal *cols)
{
  for (PetscInt ch = 0; ch < c->Cg; ch++)
    for (PetscInt k = 0; k < c->K; k++) {
      PetscReal *col      = cols + (ch * c->K + k) * c->Nout;
      const PetscReal *xc = xb + ch * c->N;
      for (PetscInt t = 0; t < c->Nout; t++) {
        PetscInt j = c->map[t * c->stride + k];
        col[t]     = j >= 0 ? xc[j] : 0.0;
      }
    }
}

static void Col2Im(const ConvCtx *c, const PetscReal *cols, PetscReal *gxb)
{
  for (PetscInt ch = 0; ch < c->Cg; ch++)
    for (PetscInt k = 0; k < c->K; k++) {
      const PetscReal *col = cols + (ch * c->K + k) * c->Nout;
      PetscReal *gc        = gxb + ch * c->N;
      for (PetscInt t = 0; t < c->Nout; t++) {
        PetscInt j = c->map[t * c->stride + k];
        if (j >= 0) gc[j] += col[t];
      }
    }
}

static PetscErrorCode ConvBackward(CfxTape tape, void *ctx)
{
  ConvCtx *c = (ConvCtx *)ctx;
  PetscReal *gx, *gw, *gb, *cols, *dcols;
  PetscInt CK = c->Cg * c->K;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CFX_OpConv1d, 0, 0, 0, 0));
  PetscCall(CfxTensorGetGrad(tape, c->x, &gx));
  PetscCall(CfxTensorGetGrad(tape, c->w, &gw));
  PetscCall(CfxTensorGetGrad(tape, c->b, &gb));
  PetscCall(CfxTapeScratch(tape, CK * c->Nout, &cols));
  PetscCall(CfxTapeScratch(tape, CK * c->Nout, &dcols));
  for (PetscInt b = 0; b < c->B; b++)
    for (PetscInt g = 0; g < c->G; g++) {
      const PetscReal *xb = c->x->data + (b * c->Cin + g * c->Cg) * c->N;
      const PetscReal *dY = c->y->grad + (b * c->Cout + g * c->Og) * c->Nout;
      const PetscReal *Wg = c->w->data + g * c->Og * CK;
      if (gw) {
        Im2Col(c, xb, cols);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)c->Og, (int)CK, (int)c->Nout, 1.0, dY, (int)c->Nout, cols, (int)c->Nout, 1.0, gw + g * c->Og * CK, (int)CK);
      }
      if (gx) {
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)CK, (int)c->Nout, (int)c->Og, 1.0, Wg, (int)CK, dY, (int)c->Nout, 0.0, dcols, (int)c->Nout);
        Col2Im(c, dcols, gx + (b * c->Cin + g * c->Cg) * c->N);
      }
      if (gb)
        for (PetscInt o = 0; o < c->Og; o++) {
          PetscReal s = 0;
          for (PetscInt t = 0; t < c->Nout; t++) s += dY[o * c->Nout + t];
          gb[g * c->Og + o] += s;
        }
    }
  PetscCall(PetscLogEventEnd(CFX_OpConv1d, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  CfxOpConv1d - y = conv1d(x, w) + b; see cfxtensor.h for shapes and padding.
@*/
PetscErrorCode CfxOpConv1d(CfxTape tape, CfxTensor x, CfxTensor w, CfxTensor bias, const CfxConv1dParams *p, CfxTensor *y)
{
  ConvCtx c, *cc;
  PetscInt padl = p->padl, padr = p->padr, shape[3], CK;
  CfxTensor in[3] = {x, w, bias};
  PetscReal *cols;

  PetscFunctionBegin;
  PetscCheck(x->ndim == 3 && w->ndim == 3, tape->comm, PETSC_ERR_ARG_SIZ, "conv1d needs x [B, Cin, N] and w [Cout, Cin/groups, K], found ranks %" PetscInt_FMT " and %" PetscInt_FMT, x->ndim, w->ndim);
  c.B      = x->shape[0];
  c.Cin    = x->shape[1];
  c.N      = x->shape[2];
  c.Cout   = w->shape[0];
  c.K      = w->shape[2];
  c.G      = p->groups > 0 ? p->groups : 1;
  c.stride = p->stride > 0 ? p->stride : 1;
  PetscCheck(p->stride >= 1 && p->groups >= 1, tape->comm, PETSC_ERR_ARG_OUTOFRANGE, "conv1d stride and groups must be >= 1, found %" PetscInt_FMT " and %" PetscInt_FMT, p->stride, p->groups);
  PetscCheck(c.Cin % c.G == 0 && c.Cout % c.G == 0, tape->comm, PETSC_ERR_ARG_SIZ, "conv1d groups %" PetscInt_FMT " must divide Cin %" PetscInt_FMT " and Cout %" PetscInt_FMT, c.G, c.Cin, c.Cout);
  c.Cg = c.Cin / c.G;
  c.Og = c.Cout / c.G;
  PetscCheck(w->shape[1] == c.Cg, tape->comm, PETSC_ERR_ARG_SIZ, "conv1d weight has %" PetscInt_FMT " input channels per group, expected Cin/groups = %" PetscInt_FMT, w->shape[1], c.Cg);
  PetscCheck(!bias || bias->size == c.Cout, tape->comm, PETSC_ERR_ARG_SIZ, "conv1d bias has %" PetscInt_FMT " entries, expected %" PetscInt_FMT, bias ? bias->size : 0, c.Cout);
  if (p->pad == CFX_PAD_VALID) padl = padr = 0;
  PetscCheck(padl >= 0 && padr >= 0, tape->comm, PETSC_ERR_ARG_OUTOFRANGE, "conv1d padding must be >= 0, found %" PetscInt_FMT ", %" PetscInt_FMT, padl, padr);
  c.Np = c.N + padl + padr;
  PetscCheck(c.Np >= c.K, tape->comm, PETSC_ERR_ARG_SIZ, "conv1d kernel %" PetscInt_FMT " longer than the padded input %" PetscInt_FMT, c.K, c.Np);
  c.Nout = (c.Np - c.K) / c.stride + 1;
  PetscCall(CfxTapeScratch(tape, c.Np, &c.map));
  for (PetscInt q = 0; q < c.Np; q++) {
    PetscInt j = q - padl;
    if (p->pad == CFX_PAD_PERIODIC)
      c.map[q] = ((j % c.N) + c.N) % c.N;
    else
      c.map[q] = (j >= 0 && j < c.N) ? j : -1;
  }
  shape[0] = c.B;
  shape[1] = c.Cout;
  shape[2] = c.Nout;
  PetscCall(CfxTapeNewOutput(tape, 3, shape, PETSC_FALSE, 3, in, y));
  PetscCall(PetscLogEventBegin(CFX_OpConv1d, 0, 0, 0, 0));
  CK = c.Cg * c.K;
  PetscCall(CfxTapeScratch(tape, CK * c.Nout, &cols));
  c.x = x;
  for (PetscInt b = 0; b < c.B; b++)
    for (PetscInt g = 0; g < c.G; g++) {
      PetscReal *Y = (*y)->data + (b * c.Cout + g * c.Og) * c.Nout;
      if (bias)
        for (PetscInt o = 0; o < c.Og; o++)
          for (PetscInt t = 0; t < c.Nout; t++) Y[o * c.Nout + t] = bias->data[g * c.Og + o];
      Im2Col(&c, x->data + (b * c.Cin + g * c.Cg) * c.N, cols);
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)c.Og, (int)c.Nout, (int)CK, 1.0, w->data + g * c.Og * CK, (int)CK, cols, (int)c.Nout, bias ? 1.0 : 0.0, Y, (int)c.Nout);
    }
  PetscCall(PetscLogEventEnd(CFX_OpConv1d, 0, 0, 0, 0));
  if ((*y)->requires_grad) {
    PetscCall(CfxTapeAlloc(tape, sizeof(*cc), (void **)&cc));
    c.w = w;
    c.b = bias;
    c.y = *y;
    *cc = c;
    PetscCall(CfxTapeRecord(tape, *y, ConvBackward, cc));
  }
  PetscFunctionReturn(0);
}
