/* The JAWS penalty on the tape: difference-quotient Jacobian-vector products, the local
   sensitivity R_x and the weighted sum. Everything is built from ordinary ops, so first-order
   reverse mode differentiates the penalty with respect to the parameters. */
#include "jawsimpl.h"

PetscErrorCode CfxJawsStepFluxNO(void *ctx, CfxTape tape, CfxTensor U, CfxTensor *V)
{
  PetscFunctionBegin;
  PetscCall(CfxFluxNOStep((CfxFluxNO)ctx, tape, U, V));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckState(CfxJaws j, CfxTensor U, CfxTensor FU)
{
  PetscFunctionBegin;
  PetscCheck(U->ndim == 2, j->comm, PETSC_ERR_ARG_SIZ, "JAWS: the state must be [batch, cells], found a rank-%" PetscInt_FMT " tensor", U->ndim);
  PetscCheck(!FU || (FU->ndim == 2 && FU->shape[0] == U->shape[0] && FU->shape[1] == U->shape[1]), j->comm, PETSC_ERR_ARG_SIZ, "JAWS: G(U) must have the shape of U");
  PetscFunctionReturn(0);
}

/* G(U + s v) with the perturbed state as data (no gradient to U). */
static PetscErrorCode StepAt(CfxTape tape, CfxJawsStepFn step, void *ctx, CfxTensor U, PetscReal s, const PetscReal v[], CfxTensor *V)
{
  CfxTensor P;

  PetscFunctionBegin;
  PetscCall(CfxTapeNewTensorUninit(tape, 2, U->shape, &P));
  for (PetscInt i = 0; i < U->size; i++) P->data[i] = U->data[i] + s * v[i];
  PetscCall(step(ctx, tape, P, V));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxJawsJVP(CfxJaws j, CfxTape tape, CfxJawsStepFn step, void *ctx, CfxTensor U, CfxTensor FU, const PetscReal v[], CfxTensor *Jv)
{
  CfxTensor Fp, Fm, D;

  PetscFunctionBegin;
  PetscCall(CheckState(j, U, FU));
  PetscCall(StepAt(tape, step, ctx, U, j->eps, v, &Fp));
  if (j->diff == CFXJAWS_CENTRAL) {
    PetscCall(StepAt(tape, step, ctx, U, -j->eps, v, &Fm));
    PetscCall(CfxOpSub(tape, Fp, Fm, &D));
    PetscCall(CfxOpScale(tape, D, 0.5 / j->eps, 0.0, Jv));
  } else {
    if (!FU) PetscCall(StepAt(tape, step, ctx, U, 0.0, v, &FU));
    PetscCall(CfxOpSub(tape, Fp, FU, &D));
    PetscCall(CfxOpScale(tape, D, 1.0 / j->eps, 0.0, Jv));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode CfxJawsLocalSensitivity(CfxJaws j, CfxTape tape, CfxJawsStepFn step, void *ctx, CfxTensor U, CfxTensor FU, CfxTensor *R)
{
  const PetscInt B = U->shape[0], N = U->shape[1];
  CfxTensor sum = NULL;
  PetscReal *v;

  PetscFunctionBegin;
  PetscCall(CheckState(j, U, FU));
  PetscCall(CfxTapeAlloc(tape, (size_t)U->size * sizeof(PetscReal), (void **)&v));
  if (!FU && j->diff == CFXJAWS_FORWARD && j->probes > 1) PetscCall(StepAt(tape, step, ctx, U, 0.0, v, &FU)); /* shared by the probes (v unused at s = 0) */
  for (PetscInt k = 0; k < j->probes; k++) {
    CfxTensor Jv, r;
    PetscCall(CfxJawsProbe(j, j->counter, k, j->sample0, B, N, v));
    PetscCall(CfxJawsJVP(j, tape, step, ctx, U, FU, v, &Jv));
    PetscCall(CfxOpSquare(tape, Jv, &r));
    if (j->sens == CFXJAWS_HINGE) {
      /* v(x)^2 = 1 for Rademacher probes */
      PetscCall(CfxOpScale(tape, r, 1.0, -j->rho * j->rho, &r));
      PetscCall(CfxOpActivation(tape, r, CFX_ACT_RELU, &r));
    }
    if (sum)
      PetscCall(CfxOpAdd(tape, sum, r, &sum));
    else
      sum = r;
  }
  PetscCall(CfxOpScale(tape, sum, 1.0 / j->probes, 0.0, R));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxJawsPenalty(CfxJaws j, CfxTape tape, CfxJawsStepFn step, void *ctx, CfxTensor U, CfxTensor FU, CfxTensor *P)
{
  CfxTensor R, W, WR;

  PetscFunctionBegin;
  PetscCall(CheckState(j, U, FU));
  PetscCall(PetscLogEventBegin(CFXJAWS_Penalty, 0, 0, 0, 0));
  PetscCall(CfxJawsLocalSensitivity(j, tape, step, ctx, U, FU, &R));
  PetscCall(CfxTapeNewTensorUninit(tape, 2, U->shape, &W)); /* data: no gradient through w */
  PetscCall(CfxJawsComputeWeights(j, U->shape[0], U->shape[1], U->data, NULL, W->data));
  PetscCall(CfxOpMul(tape, W, R, &WR));
  PetscCall(CfxOpSum(tape, WR, -1, &WR));
  PetscCall(CfxOpScale(tape, WR, j->lambda, 0.0, P));
  j->counter++;
  PetscCall(PetscLogEventEnd(CFXJAWS_Penalty, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
