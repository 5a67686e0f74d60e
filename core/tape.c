/* The tape: records ops of one step with their backward closures and sweeps them in reverse. */
#include "cfxtensorimpl.h"

PetscLogEvent CFX_TapeBackward, CFX_OpMatmul, CFX_OpLinear, CFX_OpConv1d, CFX_OpSpectral, CFX_OpAttention, CFX_OpFFT;
static PetscBool CfxTensorPackageInitialized = PETSC_FALSE;

static PetscErrorCode CfxTensorFinalizePackage(void)
{
  PetscFunctionBegin;
  CfxTensorPackageInitialized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxTensorInitializePackage(void)
{
  PetscFunctionBegin;
  if (CfxTensorPackageInitialized) PetscFunctionReturn(0);
  CfxTensorPackageInitialized = PETSC_TRUE;
  PetscCall(CfxInitializePackage());
  PetscCall(PetscLogEventRegister("CfxTapeBackward", CFX_CLASSID, &CFX_TapeBackward));
  PetscCall(PetscLogEventRegister("CfxOpMatmul", CFX_CLASSID, &CFX_OpMatmul));
  PetscCall(PetscLogEventRegister("CfxOpLinear", CFX_CLASSID, &CFX_OpLinear));
  PetscCall(PetscLogEventRegister("CfxOpConv1d", CFX_CLASSID, &CFX_OpConv1d));
  PetscCall(PetscLogEventRegister("CfxOpSpectral", CFX_CLASSID, &CFX_OpSpectral));
  PetscCall(PetscLogEventRegister("CfxOpAttention", CFX_CLASSID, &CFX_OpAttention));
  PetscCall(PetscLogEventRegister("CfxOpFFT", CFX_CLASSID, &CFX_OpFFT));
  PetscCall(PetscRegisterFinalize(CfxTensorFinalizePackage));
  PetscFunctionReturn(0);
}

/*@C
  CfxTapeCreate - Creates an empty, recording tape with its own arena.
@*/
PetscErrorCode CfxTapeCreate(MPI_Comm comm, CfxTape *tape)
{
  CfxTape t;

  PetscFunctionBegin;
  PetscValidPointer(tape, 2);
  PetscCall(CfxTensorInitializePackage());
  PetscCall(PetscNew(&t));
  t->comm      = comm;
  t->recording = PETSC_TRUE;
  PetscCall(CfxArenaCreate(0, &t->arena));
  t->maxnodes = 256;
  PetscCall(PetscMalloc1(t->maxnodes, &t->nodes));
  *tape = t;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxTapeDestroy(CfxTape *tape)
{
  PetscFunctionBegin;
  if (!*tape) PetscFunctionReturn(0);
  PetscCall(CfxArenaDestroy(&(*tape)->arena));
  PetscCall(PetscFree((*tape)->nodes));
  PetscCall(PetscFree(*tape));
  PetscFunctionReturn(0);
}

/*@C
  CfxTapeReset - Forgets the recorded ops and frees every step tensor. Persistent tensors and
  their gradients are untouched.
@*/
PetscErrorCode CfxTapeReset(CfxTape tape)
{
  PetscFunctionBegin;
  PetscCheck(!tape->inbackward, tape->comm, PETSC_ERR_ARG_WRONGSTATE, "cannot reset a tape during its backward sweep");
  tape->nnodes = 0;
  PetscCall(CfxArenaReset(tape->arena));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxTapeGetComm(CfxTape tape, MPI_Comm *comm)
{
  PetscFunctionBegin;
  *comm = tape->comm;
  PetscFunctionReturn(0);
}

/*@C
  CfxTapeSetRecording - With PETSC_FALSE, ops compute their outputs but record nothing and
  their outputs need no gradient (inference, finite differences).
@*/
PetscErrorCode CfxTapeSetRecording(CfxTape tape, PetscBool flg)
{
  PetscFunctionBegin;
  tape->recording = flg;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxTapeGetRecording(CfxTape tape, PetscBool *flg)
{
  PetscFunctionBegin;
  *flg = tape->recording;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxTapeGetNumOps(CfxTape tape, PetscInt *n)
{
  PetscFunctionBegin;
  *n = tape->nnodes;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxTapeGetArena(CfxTape tape, CfxArena *arena)
{
  PetscFunctionBegin;
  *arena = tape->arena;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxTapeAlloc(CfxTape tape, size_t size, void **ptr)
{
  PetscFunctionBegin;
  PetscCall(CfxArenaAlloc(tape->arena, size, ptr));
  PetscFunctionReturn(0);
}

static PetscErrorCode CfxTapeNewTensor_Private(CfxTape tape, PetscInt ndim, const PetscInt shape[], PetscBool zero, CfxTensor *tensor)
{
  CfxTensor t;
  void *mem;
  PetscInt size = 1;

  PetscFunctionBegin;
  PetscCall(CfxShapeCheck(tape->comm, ndim, shape));
  for (PetscInt i = 0; i < ndim; i++) size *= shape[i];
  /* header and data in one allocation; the header is padded to the 64-byte alignment */
  PetscCall(CfxArenaAlloc(tape->arena, 128 + (size_t)size * sizeof(PetscReal), &mem));
  t = (CfxTensor)mem;
  PetscCall(PetscMemzero(t, sizeof(*t)));
  t->ndim = ndim;
  for (PetscInt i = 0; i < CFX_TENSOR_MAX_DIMS; i++) t->shape[i] = i < ndim ? shape[i] : 1;
  t->size = size;
  t->data = (PetscReal *)((char *)mem + 128);
  if (zero) PetscCall(PetscArrayzero(t->data, size));
  *tensor = t;
  PetscFunctionReturn(0);
}

/*@C
  CfxTapeNewTensor - A zero-filled step tensor (valid until CfxTapeReset).
@*/
PetscErrorCode CfxTapeNewTensor(CfxTape tape, PetscInt ndim, const PetscInt shape[], CfxTensor *t)
{
  PetscFunctionBegin;
  PetscCall(CfxTapeNewTensor_Private(tape, ndim, shape, PETSC_TRUE, t));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxTapeNewTensorUninit(CfxTape tape, PetscInt ndim, const PetscInt shape[], CfxTensor *t)
{
  PetscFunctionBegin;
  PetscCall(CfxTapeNewTensor_Private(tape, ndim, shape, PETSC_FALSE, t));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxTapeNewTensorWithData(CfxTape tape, PetscInt ndim, const PetscInt shape[], const PetscReal data[], CfxTensor *t)
{
  PetscFunctionBegin;
  PetscCall(CfxTapeNewTensor_Private(tape, ndim, shape, PETSC_FALSE, t));
  PetscCall(PetscArraycpy((*t)->data, data, (*t)->size));
  PetscFunctionReturn(0);
}

/*@C
  CfxTapeNeedsGrad - True when the tape records and one of the n tensors (NULL entries are
  skipped) requires a gradient: then an op must record itself.
@*/
PetscBool CfxTapeNeedsGrad(CfxTape tape, PetscInt n, const CfxTensor t[])
{
  if (!tape->recording) return PETSC_FALSE;
  for (PetscInt i = 0; i < n; i++)
    if (t[i] && t[i]->requires_grad) return PETSC_TRUE;
  return PETSC_FALSE;
}

PetscErrorCode CfxTapeNewOutput(CfxTape tape, PetscInt ndim, const PetscInt shape[], PetscBool zero, PetscInt nin, const CfxTensor in[], CfxTensor *out)
{
  PetscFunctionBegin;
  PetscCall(CfxTapeNewTensor_Private(tape, ndim, shape, zero, out));
  (*out)->requires_grad = CfxTapeNeedsGrad(tape, nin, in);
  PetscFunctionReturn(0);
}

/*@C
  CfxTapeRecord - Appends an op: during the reverse sweep fn(tape, ctx) is called if `out`
  (may be NULL: always) has received a gradient. ctx should live in the arena (CfxTapeAlloc).
@*/
PetscErrorCode CfxTapeRecord(CfxTape tape, CfxTensor out, CfxTapeBackwardFn fn, void *ctx)
{
  PetscFunctionBegin;
  PetscCheck(!tape->inbackward, tape->comm, PETSC_ERR_ARG_WRONGSTATE, "cannot record on a tape during its backward sweep (higher derivatives are not supported)");
  if (!tape->recording) PetscFunctionReturn(0);
  if (tape->nnodes == tape->maxnodes) {
    tape->maxnodes *= 2;
    PetscCall(PetscRealloc(sizeof(CfxTapeNode) * tape->maxnodes, &tape->nodes));
  }
  tape->nodes[tape->nnodes].out = out;
  tape->nodes[tape->nnodes].fn  = fn;
  tape->nodes[tape->nnodes].ctx = ctx;
  tape->nnodes++;
  PetscFunctionReturn(0);
}

/*@C
  CfxTensorGetGrad - The gradient buffer of t for a backward kernel to add into: allocated
  (zeroed, from the arena) on first use for step tensors; NULL when t needs no gradient.
@*/
PetscErrorCode CfxTensorGetGrad(CfxTape tape, CfxTensor t, PetscReal **g)
{
  PetscFunctionBegin;
  *g = NULL;
  if (!t || !t->requires_grad) PetscFunctionReturn(0);
  if (!t->grad) {
    PetscCheck(!t->persistent, tape->comm, PETSC_ERR_PLIB, "persistent tensor requires a gradient but has no buffer");
    PetscCall(CfxArenaAlloc(tape->arena, (size_t)t->size * sizeof(PetscReal), (void **)&t->grad));
    PetscCall(PetscArrayzero(t->grad, t->size));
  }
  *g = t->grad;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxTensorGetGradForWrite(CfxTape tape, CfxTensor t, PetscReal **g, PetscReal *beta)
{
  PetscFunctionBegin;
  *g    = NULL;
  *beta = 1.0;
  if (!t || !t->requires_grad) PetscFunctionReturn(0);
  if (!t->grad) {
    PetscCheck(!t->persistent, tape->comm, PETSC_ERR_PLIB, "persistent tensor requires a gradient but has no buffer");
    PetscCall(CfxArenaAlloc(tape->arena, (size_t)t->size * sizeof(PetscReal), (void **)&t->grad));
    *beta = 0.0;
  }
  *g = t->grad;
  PetscFunctionReturn(0);
}

/*@C
  CfxTapeBackwardWithSeed - Reverse sweep with d(loss)/d(out) = seed (out->size values, or
  NULL for ones): accumulates the vector-Jacobian product into the gradients of every tensor
  that requires one. The tape keeps its records; reset it before the next step.
@*/
PetscErrorCode CfxTapeBackwardWithSeed(CfxTape tape, CfxTensor out, const PetscReal seed[])
{
  PetscReal *g;

  PetscFunctionBegin;
  PetscCheck(out->requires_grad, tape->comm, PETSC_ERR_ARG_WRONGSTATE, "backward from a tensor that does not depend on anything requiring a gradient");
  PetscCall(PetscLogEventBegin(CFX_TapeBackward, 0, 0, 0, 0));
  PetscCall(CfxTensorGetGrad(tape, out, &g));
  for (PetscInt i = 0; i < out->size; i++) g[i] += seed ? seed[i] : 1.0;
  tape->inbackward = PETSC_TRUE;
  for (PetscInt i = tape->nnodes - 1; i >= 0; i--) {
    CfxTapeNode *n = &tape->nodes[i];
    if (n->out && !n->out->grad) continue; /* nothing flowed into this op */
    PetscCall(n->fn(tape, n->ctx));
  }
  tape->inbackward = PETSC_FALSE;
  PetscCall(PetscLogEventEnd(CFX_TapeBackward, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  CfxTapeBackward - Reverse sweep from a scalar loss (shape [1]).
@*/
PetscErrorCode CfxTapeBackward(CfxTape tape, CfxTensor loss)
{
  PetscFunctionBegin;
  PetscCheck(loss->size == 1, tape->comm, PETSC_ERR_ARG_SIZ, "CfxTapeBackward needs a scalar, found a tensor of %" PetscInt_FMT " entries; use CfxTapeBackwardWithSeed", loss->size);
  PetscCall(CfxTapeBackwardWithSeed(tape, loss, NULL));
  PetscFunctionReturn(0);
}
