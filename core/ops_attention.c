/* Multi-head scaled dot-product attention and the gated linear recurrence scan. */
#include "cfxtensorimpl.h"
#include <cblas.h>

typedef struct {
  CfxTensor q, k, v, y;
  PetscInt B, T, D, H, dh;
  PetscBool causal;
  PetscReal scale;
  PetscReal *P; /* softmax probabilities [B][H][T][T] */
} AttnCtx;

static PetscErrorCode AttnBackward(CfxTape tape, void *ctx)
{
  AttnCtx *c = (AttnCtx *)ctx;
  PetscInt T = c->T, D = c->D, dh = c->dh;
  PetscReal *gq, *gk, *gv, *dP, *dS;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CFX_OpAttention, 0, 0, 0, 0));
  PetscCall(CfxTensorGetGrad(tape, c->q, &gq));
  PetscCall(CfxTensorGetGrad(tape, c->k, &gk));
  PetscCall(CfxTensorGetGrad(tape, c->v, &gv));
  PetscCall(CfxTapeScratch(tape, T * T, &dP));
  PetscCall(CfxTapeScratch(tape, T * T, &dS));
  for (PetscInt b = 0; b < c->B; b++)
    for (PetscInt h = 0; h < c->H; h++) {
      PetscInt off       = b * T * D + h * dh;
      const PetscReal *P = c->P + (b * c->H + h) * T * T, *dO = c->y->grad + off;
      /* dP = dO V^T, dV += P^T dO */
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)T, (int)T, (int)dh, 1.0, dO, (int)D, c->v->data + off, (int)D, 0.0, dP, (int)T);
      if (gv) cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)T, (int)dh, (int)T, 1.0, P, (int)T, dO, (int)D, 1.0, gv + off, (int)D);
      CfxSoftmaxRowsBackward(T, T, P, dP, dS, PETSC_FALSE);
      /* dQ += scale dS K, dK += scale dS^T Q */
      if (gq) cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)T, (int)dh, (int)T, c->scale, dS, (int)T, c->k->data + off, (int)D, 1.0, gq + off, (int)D);
      if (gk) cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)T, (int)dh, (int)T, c->scale, dS, (int)T, c->q->data + off, (int)D, 1.0, gk + off, (int)D);
    }
  PetscCall(PetscLogEventEnd(CFX_OpAttention, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  CfxOpAttention - softmax(q_h k_h^T / sqrt(dh)) v_h per head; see cfxtensor.h.
@*/
PetscErrorCode CfxOpAttention(CfxTape tape, CfxTensor q, CfxTensor k, CfxTensor v, PetscInt H, PetscBool causal, CfxTensor *y)
{
  AttnCtx c, *cc;
  CfxTensor in[3] = {q, k, v};
  PetscInt T, D;

  PetscFunctionBegin;
  PetscCheck(q->ndim == 3 && CfxShapeEqual(q, k) && CfxShapeEqual(q, v), tape->comm, PETSC_ERR_ARG_SIZ, "attention needs q, k, v of one shape [B, T, D]");
  PetscCheck(H >= 1 && q->shape[2] % H == 0, tape->comm, PETSC_ERR_ARG_SIZ, "attention: %" PetscInt_FMT " heads do not divide the width %" PetscInt_FMT, H, q->shape[2]);
  c.B = q->shape[0];
  c.T = T = q->shape[1];
  c.D = D  = q->shape[2];
  c.H      = H;
  c.dh     = D / H;
  c.causal = causal;
  c.scale  = 1.0 / PetscSqrtReal((PetscReal)c.dh);
  PetscCall(CfxTapeNewOutput(tape, 3, q->shape, PETSC_FALSE, 3, in, y));
  PetscCall(PetscLogEventBegin(CFX_OpAttention, 0, 0, 0, 0));
  PetscCall(CfxTapeScratch(tape, c.B * H * T * T, &c.P));
  for (PetscInt b = 0; b < c.B; b++)
    for (PetscInt h = 0; h < H; h++) {
      PetscInt off = b * T * D + h * c.dh;
      PetscReal *P = c.P + (b * H + h) * T * T;
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)T, (int)T, (int)c.dh, c.scale, q->data + off, (int)D, k->data + off, (int)D, 0.0, P, (int)T);
      if (causal) /* exp(-inf) = 0 exactly: masked weights and their gradients vanish */
        for (PetscInt i = 0; i < T; i++)
          for (PetscInt j = i + 1; j < T; j++) P[i * T + j] = -PETSC_INFINITY;
      CfxSoftmaxRows(T, T, P, P);
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)T, (int)c.dh, (int)T, 1.0, P, (int)T, v->data + off, (int)D, 0.0, (*y)->data + off, (int)D);
    }
  PetscCall(PetscLogEventEnd(CFX_OpAttention, 0, 0, 0, 0));
  if ((*y)->requires_grad) {
    PetscCall(CfxTapeAlloc(tape, sizeof(*cc), (void **)&cc));
    c.q = q;
    c.k = k;
    c.v = v;
    c.y = *y;
    *cc = c;
    PetscCall(CfxTapeRecord(tape, *y, AttnBackward, cc));
  }
  PetscFunctionReturn(0);
}

/* ---------------- gated linear recurrence ---------------- */
typedef struct {
  CfxTensor a, b, x, h0, h;
  PetscInt B, T, D;
} ScanCtx;

static PetscErrorCode ScanBackward(CfxTape tape, void *ctx)
{
  ScanCtx *c = (ScanCtx *)ctx;
  PetscInt T = c->T, D = c->D;
  PetscReal *ga, *gb, *gx, *gh0, *carry;

  PetscFunctionBegin;
  PetscCall(CfxTensorGetGrad(tape, c->a, &ga));
  PetscCall(CfxTensorGetGrad(tape, c->b, &gb));
  PetscCall(CfxTensorGetGrad(tape, c->x, &gx));
  PetscCall(CfxTensorGetGrad(tape, c->h0, &gh0));
  PetscCall(CfxTapeScratch(tape, D, &carry));
  for (PetscInt s = 0; s < c->B; s++) {
    PetscCall(PetscArrayzero(carry, D));
    for (PetscInt t = T - 1; t >= 0; t--) {
      PetscInt o         = (s * T + t) * D;
      const PetscReal *G = c->h->grad + o, *A = c->a->data + o, *Bt = c->b->data + o, *X = c->x->data + o;
      const PetscReal *prev = t > 0 ? c->h->data + o - D : (c->h0 ? c->h0->data + s * D : NULL);
      for (PetscInt i = 0; i < D; i++) {
        PetscReal dh = G[i] + carry[i];
        if (ga && prev) ga[o + i] += dh * prev[i];
        if (gb) gb[o + i] += dh * X[i];
        if (gx) gx[o + i] += dh * Bt[i];
        carry[i] = dh * A[i];
      }
    }
    if (gh0)
      for (PetscInt i = 0; i < D; i++) gh0[s * D + i] += carry[i];
  }
  PetscFunctionReturn(0);
}

/*@C
  CfxOpLinearRecurrence - h_t = a_t * h_{t-1} + b_t * x_t along axis 1 of [B, T, D].
@*/
PetscErrorCode CfxOpLinearRecurrence(CfxTape tape, CfxTensor a, CfxTensor b, CfxTensor x, CfxTensor h0, CfxTensor *h)
{
  ScanCtx c, *cc;
  CfxTensor in[4] = {a, b, x, h0};

  PetscFunctionBegin;
  PetscCheck(x->ndim == 3 && CfxShapeEqual(a, x) && CfxShapeEqual(b, x), tape->comm, PETSC_ERR_ARG_SIZ, "linear recurrence needs a, b, x of one shape [B, T, D]");
  c.B = x->shape[0];
  c.T = x->shape[1];
  c.D = x->shape[2];
  PetscCheck(!h0 || h0->size == c.B * c.D, tape->comm, PETSC_ERR_ARG_SIZ, "linear recurrence: h0 has %" PetscInt_FMT " entries, expected B*D = %" PetscInt_FMT, h0 ? h0->size : 0, c.B * c.D);
  PetscCall(CfxTapeNewOutput(tape, 3, x->shape, PETSC_FALSE, 4, in, h));
  for (PetscInt s = 0; s < c.B; s++)
    for (PetscInt t = 0; t < c.T; t++) {
      PetscInt o            = (s * c.T + t) * c.D;
      const PetscReal *prev = t > 0 ? (*h)->data + o - c.D : (h0 ? h0->data + s * c.D : NULL);
      PetscReal *H          = (*h)->data + o;
      for (PetscInt i = 0; i < c.D; i++) H[i] = (prev ? a->data[o + i] * prev[i] : 0.0) + b->data[o + i] * x->data[o + i];
    }
  if ((*h)->requires_grad) {
    PetscCall(CfxTapeAlloc(tape, sizeof(*cc), (void **)&cc));
    c.a  = a;
    c.b  = b;
    c.x  = x;
    c.h0 = h0;
    c.h  = *h;
    *cc  = c;
    PetscCall(CfxTapeRecord(tape, *h, ScanBackward, cc));
  }
  PetscFunctionReturn(0);
}
