/* PETSc TAO (L-BFGS: TAOLMVM, TAOBQNLS, ...) on the flat parameters of a CfxParamSet: the
   objective and gradient come from a loss built on the tape and its reverse sweep. */
#include <cfximpl.h>
#include <conflux/cfxoptim.h>

typedef struct {
  MPI_Comm comm; /* ranks whose losses and gradients are summed */
  CfxParamSet params;
  CfxTape tape;
  CfxLossFn loss;
  void *ctx;
  PetscInt n;
  PetscReal *buf; /* n gradient entries + the loss, for one MPI_Allreduce */
} CfxTaoCtx;

static PetscErrorCode CfxTaoCtxDestroy(void *p)
{
  CfxTaoCtx *c = (CfxTaoCtx *)p;

  PetscFunctionBegin;
  PetscCall(PetscFree(c->buf));
  PetscCall(PetscFree(c));
  PetscFunctionReturn(0);
}

static PetscErrorCode CfxTaoObjectiveAndGradient(Tao tao, Vec X, PetscReal *f, Vec G, void *ptr)
{
  CfxTaoCtx *c = (CfxTaoCtx *)ptr;
  const PetscScalar *x;
  PetscScalar *g;
  PetscReal *p, *pg;
  CfxTensor loss;
  PetscMPIInt size;

  PetscFunctionBegin;
  PetscCall(CfxParamSetGetArrays(c->params, &p, &pg));
  PetscCall(VecGetArrayRead(X, &x));
  if (x != p) PetscCall(PetscArraycpy(p, x, c->n));
  PetscCall(VecRestoreArrayRead(X, &x));
  PetscCall(CfxParamSetZeroGrad(c->params));
  PetscCall(CfxTapeReset(c->tape));
  PetscCall(c->loss(c->tape, c->params, &loss, c->ctx));
  PetscCheck(loss && loss->size == 1, c->comm, PETSC_ERR_ARG_WRONG, "the loss callback must return a scalar tensor (shape [1]), found %" PetscInt_FMT " entries", loss ? loss->size : 0);
  PetscCall(PetscArraycpy(c->buf, pg, c->n));
  c->buf[c->n] = loss->data[0];
  if (loss->requires_grad) {
    PetscCall(CfxTapeBackward(c->tape, loss));
    PetscCall(PetscArraycpy(c->buf, pg, c->n));
  }
  PetscCall(CfxTapeReset(c->tape));
  PetscCallMPI(MPI_Comm_size(c->comm, &size));
  if (size > 1) PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, c->buf, (PetscMPIInt)(c->n + 1), MPIU_REAL, MPIU_SUM, c->comm));
  *f = c->buf[c->n];
  PetscCall(VecGetArray(G, &g));
  PetscCall(PetscArraycpy(g, c->buf, c->n));
  PetscCall(VecRestoreArray(G, &g));
  PetscFunctionReturn(0);
}

/*@C
  CfxTaoSetParamSetObjective - Makes `tao` minimise the loss built by `fn` over the flat
  parameters of `params` (set up). Each evaluation copies TAO's point into the parameter
  values, runs fn on a reset tape, back-propagates, and returns loss and gradient, summed
  over `comm` (pass PETSC_COMM_SELF for a single process). The context lives as long as tao.
@*/
PetscErrorCode CfxTaoSetParamSetObjective(Tao tao, MPI_Comm comm, CfxParamSet params, CfxTape tape, CfxLossFn fn, void *ctx)
{
  CfxTaoCtx *c;
  PetscContainer container;

  PetscFunctionBegin;
  PetscValidHeaderSpecific(tao, TAO_CLASSID, 1);
  PetscCall(PetscNew(&c));
  c->comm   = comm;
  c->params = params;
  c->tape   = tape;
  c->loss   = fn;
  c->ctx    = ctx;
  PetscCall(CfxParamSetGetArrays(params, NULL, NULL));
  PetscCall(CfxParamSetGetSize(params, &c->n));
  PetscCall(PetscMalloc1(c->n + 1, &c->buf));
  PetscCall(PetscContainerCreate(PetscObjectComm((PetscObject)tao), &container));
  PetscCall(PetscContainerSetPointer(container, c));
  PetscCall(PetscContainerSetUserDestroy(container, CfxTaoCtxDestroy));
  PetscCall(PetscObjectCompose((PetscObject)tao, "CfxTaoCtx", (PetscObject)container));
  PetscCall(PetscContainerDestroy(&container));
  PetscCall(TaoSetObjectiveAndGradient(tao, NULL, CfxTaoObjectiveAndGradient, c));
  PetscFunctionReturn(0);
}

/*@C
  CfxParamSetCreateVec - A sequential Vec holding a copy of the parameter values.
@*/
PetscErrorCode CfxParamSetCreateVec(CfxParamSet params, Vec *x)
{
  PetscInt n;
  PetscReal *p;
  PetscScalar *a;

  PetscFunctionBegin;
  PetscCall(CfxParamSetGetSize(params, &n));
  PetscCall(CfxParamSetGetArrays(params, &p, NULL));
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, n, x));
  PetscCall(VecGetArray(*x, &a));
  PetscCall(PetscArraycpy(a, p, n));
  PetscCall(VecRestoreArray(*x, &a));
  PetscFunctionReturn(0);
}

/*@C
  CfxParamSetSetFromVec - Copies a Vec of CfxParamSetGetSize entries into the parameter values.
@*/
PetscErrorCode CfxParamSetSetFromVec(CfxParamSet params, Vec x)
{
  PetscInt n, nx;
  PetscReal *p;
  const PetscScalar *a;

  PetscFunctionBegin;
  PetscCall(CfxParamSetGetSize(params, &n));
  PetscCall(VecGetLocalSize(x, &nx));
  PetscCheck(n == nx, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "Vec has %" PetscInt_FMT " local entries, the parameter set %" PetscInt_FMT, nx, n);
  PetscCall(CfxParamSetGetArrays(params, &p, NULL));
  PetscCall(VecGetArrayRead(x, &a));
  PetscCall(PetscArraycpy(p, a, n));
  PetscCall(VecRestoreArrayRead(x, &a));
  PetscFunctionReturn(0);
}
