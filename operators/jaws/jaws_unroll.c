/* K-step unrolled training: the rollout loss, and a checkpointed step that keeps only its
   input and output on the tape and recomputes its activations during the reverse sweep. */
#include "jawsimpl.h"

typedef struct {
  CfxJawsCheckpoint *ck;
  CfxTensor U, V;
} CheckpointCtx;

static PetscErrorCode CheckpointBackward(CfxTape tape, void *vctx)
{
  CheckpointCtx *c = (CheckpointCtx *)vctx;
  CfxTape inner    = c->ck->inner;
  CfxTensor Ui, Vi;
  PetscReal *gV, *gU;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CFXJAWS_Checkpoint, 0, 0, 0, 0));
  PetscCall(CfxTensorGetGrad(tape, c->V, &gV));
  PetscCall(CfxTapeReset(inner));
  PetscCall(CfxTapeSetRecording(inner, PETSC_TRUE));
  PetscCall(CfxTapeNewTensorWithData(inner, 2, c->U->shape, c->U->data, &Ui));
  if (c->U->requires_grad) PetscCall(CfxTensorMarkRequiresGrad(Ui));
  PetscCall(c->ck->step(c->ck->ctx, inner, Ui, &Vi));
  if (Vi->requires_grad) {
    /* parameter gradients accumulate in their persistent buffers */
    PetscCall(CfxTapeBackwardWithSeed(inner, Vi, gV));
    PetscCall(CfxTensorGetGrad(tape, c->U, &gU));
    if (gU && Ui->grad)
      for (PetscInt i = 0; i < c->U->size; i++) gU[i] += Ui->grad[i];
  }
  PetscCall(CfxTapeReset(inner));
  PetscCall(PetscLogEventEnd(CFXJAWS_Checkpoint, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxJawsCheckpointedStep(void *ctx, CfxTape tape, CfxTensor U, CfxTensor *V)
{
  CfxJawsCheckpoint *ck = (CfxJawsCheckpoint *)ctx;
  CfxTensor Ui, Vi;
  PetscBool rec;

  PetscFunctionBegin;
  PetscCheck(ck && ck->step && ck->inner, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "CfxJawsCheckpointedStep() needs a CfxJawsCheckpoint with a step function and an inner tape");
  PetscCheck(U->ndim == 2, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "checkpointed step: the state must be [batch, cells], found a rank-%" PetscInt_FMT " tensor", U->ndim);
  /* forward on the inner tape without recording, so no activation stays in the outer arena */
  PetscCall(CfxTapeReset(ck->inner));
  PetscCall(CfxTapeSetRecording(ck->inner, PETSC_FALSE));
  PetscCall(CfxTapeNewTensorWithData(ck->inner, 2, U->shape, U->data, &Ui));
  PetscCall(ck->step(ck->ctx, ck->inner, Ui, &Vi));
  PetscCall(CfxTapeNewTensorWithData(tape, Vi->ndim, Vi->shape, Vi->data, V));
  PetscCall(CfxTapeReset(ck->inner));
  PetscCall(CfxTapeSetRecording(ck->inner, PETSC_TRUE));
  PetscCall(CfxTapeGetRecording(tape, &rec));
  if (rec) {
    /* the step's parameters are assumed to require gradients */
    CheckpointCtx *c;
    PetscCall(CfxTensorMarkRequiresGrad(*V));
    PetscCall(CfxTapeAlloc(tape, sizeof(*c), (void **)&c));
    c->ck = ck;
    c->U  = U;
    c->V  = *V;
    PetscCall(CfxTapeRecord(tape, *V, CheckpointBackward, c));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode CfxJawsUnrolledLoss(CfxTape tape, CfxJawsStepFn step, void *ctx, PetscInt K, CfxTensor U0, CfxTensor T, CfxTensor *loss, CfxTensor *first)
{
  const PetscInt B = U0->shape[0], N = U0->shape[1];
  PetscInt shape[2] = {B, N};
  CfxTensor V = U0, sum = NULL;

  PetscFunctionBegin;
  PetscCheck(K >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "unroll length K must be >= 1, found %" PetscInt_FMT, K);
  PetscCheck(U0->ndim == 2, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "unrolled loss: the initial state must be [batch, cells], found a rank-%" PetscInt_FMT " tensor", U0->ndim);
  PetscCheck(T->ndim == 3 && T->shape[0] == B && T->shape[1] == K && T->shape[2] == N, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
             "unrolled loss: targets must be [%" PetscInt_FMT ", %" PetscInt_FMT ", %" PetscInt_FMT "]", B, K, N);
  for (PetscInt k = 0; k < K; k++) {
    CfxTensor Tk, d;
    PetscCall(step(ctx, tape, V, &V));
    if (k == 0 && first) *first = V;
    PetscCall(CfxOpSlice(tape, T, 1, k, k + 1, &Tk));
    PetscCall(CfxOpReshape(tape, Tk, 2, shape, &Tk));
    PetscCall(CfxOpSub(tape, V, Tk, &d));
    PetscCall(CfxOpSquare(tape, d, &d));
    PetscCall(CfxOpSum(tape, d, -1, &d));
    if (sum)
      PetscCall(CfxOpAdd(tape, sum, d, &sum));
    else
      sum = d;
  }
  *loss = sum;
  PetscFunctionReturn(0);
}
