/* Block-diagonal linear map (the RG-LRU gates and the hypernetwork head): input block k of
   width Din/nb writes the contiguous output rows [floor(k Dout/nb), floor((k+1) Dout/nb)),
   so Dout need not be divisible by nb (the head writes all flux-network parameters). */
#include <cfxtensorimpl.h>
#include <conflux/cfxhfluxno.h>
#include <cblas.h>

typedef struct {
  CfxTensor x, W, b, y;
  PetscInt R, Din, Dout, nb;
} BDCtx;

static inline PetscInt RowStart(PetscInt k, PetscInt Dout, PetscInt nb) { return (PetscInt)(((long long)k * Dout) / nb); }

static PetscErrorCode BlockDiagBackward(CfxTape tape, void *ctx)
{
  BDCtx *c = (BDCtx *)ctx;
  PetscReal *gx, *gW, *gb;
  PetscInt dk = c->Din / c->nb;

  PetscFunctionBegin;
  PetscCall(CfxTensorGetGrad(tape, c->x, &gx));
  PetscCall(CfxTensorGetGrad(tape, c->W, &gW));
  PetscCall(CfxTensorGetGrad(tape, c->b, &gb));
  for (PetscInt k = 0; k < c->nb; k++) {
    PetscInt r0 = RowStart(k, c->Dout, c->nb), nr = RowStart(k + 1, c->Dout, c->nb) - r0;
    const PetscReal *G = c->y->grad + r0;
    if (!nr) continue;
    /* gx[:, k dk ..] += G[:, r0 ..] W[r0 .., :] */
    if (gx) cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)c->R, (int)dk, (int)nr, 1.0, G, (int)c->Dout, c->W->data + r0 * dk, (int)dk, 1.0, gx + k * dk, (int)c->Din);
    /* gW[r0 .., :] += G[:, r0 ..]^T x[:, k dk ..] */
    if (gW) cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)nr, (int)dk, (int)c->R, 1.0, G, (int)c->Dout, c->x->data + k * dk, (int)c->Din, 1.0, gW + r0 * dk, (int)dk);
  }
  if (gb)
    for (PetscInt r = 0; r < c->R; r++)
      for (PetscInt o = 0; o < c->Dout; o++) gb[o] += c->y->grad[r * c->Dout + o];
  PetscFunctionReturn(0);
}

/*@C
  CfxOpBlockDiagLinear - y = blockdiag(W) x + b; see cfxhfluxno.h.
@*/
PetscErrorCode CfxOpBlockDiagLinear(CfxTape tape, CfxTensor x, CfxTensor W, CfxTensor b, PetscInt nb, CfxTensor *y)
{
  BDCtx c, *cc;
  CfxTensor in[3] = {x, W, b};
  PetscInt shape[CFX_TENSOR_MAX_DIMS], dk;

  PetscFunctionBegin;
  c.Din = x->shape[x->ndim - 1];
  PetscCheck(nb >= 1 && c.Din % nb == 0, tape->comm, PETSC_ERR_ARG_SIZ, "block-diagonal linear: %" PetscInt_FMT " blocks do not divide the input width %" PetscInt_FMT, nb, c.Din);
  dk = c.Din / nb;
  PetscCheck(W->ndim == 2 && W->shape[1] == dk, tape->comm, PETSC_ERR_ARG_SIZ, "block-diagonal linear: weight must be [Dout, Din/blocks = %" PetscInt_FMT "]", dk);
  c.Dout = W->shape[0];
  PetscCheck(c.Dout >= nb, tape->comm, PETSC_ERR_ARG_SIZ, "block-diagonal linear: %" PetscInt_FMT " outputs for %" PetscInt_FMT " blocks", c.Dout, nb);
  PetscCheck(!b || b->size == c.Dout, tape->comm, PETSC_ERR_ARG_SIZ, "block-diagonal linear: bias has %" PetscInt_FMT " entries, expected %" PetscInt_FMT, b ? b->size : 0, c.Dout);
  c.R  = x->size / c.Din;
  c.nb = nb;
  for (PetscInt i = 0; i < x->ndim; i++) shape[i] = x->shape[i];
  shape[x->ndim - 1] = c.Dout;
  PetscCall(CfxTapeNewOutput(tape, x->ndim, shape, PETSC_FALSE, 3, in, y));
  for (PetscInt r = 0; r < c.R; r++)
    for (PetscInt o = 0; o < c.Dout; o++) (*y)->data[r * c.Dout + o] = b ? b->data[o] : 0.0;
  for (PetscInt k = 0; k < nb; k++) {
    PetscInt r0 = RowStart(k, c.Dout, nb), nr = RowStart(k + 1, c.Dout, nb) - r0;
    if (!nr) continue;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)c.R, (int)nr, (int)dk, 1.0, x->data + k * dk, (int)c.Din, W->data + r0 * dk, (int)dk, 1.0, (*y)->data + r0, (int)c.Dout);
  }
  if ((*y)->requires_grad) {
    PetscCall(CfxTapeAlloc(tape, sizeof(*cc), (void **)&cc));
    c.x = x;
    c.W = W;
    c.b = b;
    c.y = *y;
    *cc = c;
    PetscCall(CfxTapeRecord(tape, *y, BlockDiagBackward, cc));
  }
  PetscFunctionReturn(0);
}
