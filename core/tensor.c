/* Persistent tensors (parameters, data) and shape helpers. */
#include "cfxtensorimpl.h"

PetscErrorCode CfxShapeCheck(MPI_Comm comm, PetscInt ndim, const PetscInt shape[])
{
  PetscFunctionBegin;
  PetscCheck(ndim >= 1 && ndim <= CFX_TENSOR_MAX_DIMS, comm, PETSC_ERR_ARG_OUTOFRANGE, "tensor rank must be in 1..%d, found %" PetscInt_FMT, CFX_TENSOR_MAX_DIMS, ndim);
  for (PetscInt i = 0; i < ndim; i++) PetscCheck(shape[i] >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "tensor dimension %" PetscInt_FMT " must be >= 1, found %" PetscInt_FMT, i, shape[i]);
  PetscFunctionReturn(0);
}

PetscBool CfxShapeEqual(CfxTensor a, CfxTensor b)
{
  if (a->ndim != b->ndim) return PETSC_FALSE;
  for (PetscInt i = 0; i < a->ndim; i++)
    if (a->shape[i] != b->shape[i]) return PETSC_FALSE;
  return PETSC_TRUE;
}

void CfxShapeString(PetscInt ndim, const PetscInt shape[], char buf[], size_t len)
{
  size_t n = 0;

  n += (size_t)snprintf(buf + n, len - n, "[");
  for (PetscInt i = 0; i < ndim && n < len; i++) n += (size_t)snprintf(buf + n, len - n, "%s%" PetscInt_FMT, i ? "," : "", shape[i]);
  if (n < len) snprintf(buf + n, len - n, "]");
}

PetscErrorCode CfxTensorShapeString(CfxTensor t, char buf[], size_t len)
{
  PetscFunctionBegin;
  CfxShapeString(t->ndim, t->shape, buf, len);
  PetscFunctionReturn(0);
}

/*@C
  CfxTensorCreate - Creates a persistent, zero-filled tensor of the given shape (reference
  count 1). Destroy it with CfxTensorDestroy().
@*/
PetscErrorCode CfxTensorCreate(PetscInt ndim, const PetscInt shape[], CfxTensor *tensor)
{
  CfxTensor t;

  PetscFunctionBegin;
  PetscValidPointer(tensor, 3);
  PetscCall(CfxShapeCheck(PETSC_COMM_SELF, ndim, shape));
  PetscCall(PetscNew(&t));
  t->ndim = ndim;
  t->size = 1;
  for (PetscInt i = 0; i < CFX_TENSOR_MAX_DIMS; i++) {
    t->shape[i] = i < ndim ? shape[i] : 1;
    t->size *= t->shape[i];
  }
  PetscCall(PetscCalloc1(t->size, &t->data));
  t->persistent = PETSC_TRUE;
  t->owns_data  = PETSC_TRUE;
  t->refct      = 1;
  *tensor       = t;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxTensorCreateWithData(PetscInt ndim, const PetscInt shape[], const PetscReal data[], CfxTensor *tensor)
{
  PetscFunctionBegin;
  PetscCall(CfxTensorCreate(ndim, shape, tensor));
  PetscCall(PetscArraycpy((*tensor)->data, data, (*tensor)->size));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxTensorReference(CfxTensor t)
{
  PetscFunctionBegin;
  PetscCheck(t->persistent, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "only persistent tensors are reference counted");
  t->refct++;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxTensorDestroy(CfxTensor *tensor)
{
  CfxTensor t;

  PetscFunctionBegin;
  if (!*tensor) PetscFunctionReturn(0);
  t = *tensor;
  PetscCheck(t->persistent, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "a step tensor (from the tape's arena) cannot be destroyed; it vanishes at CfxTapeReset");
  *tensor = NULL;
  if (--t->refct > 0) PetscFunctionReturn(0);
  if (t->owns_data) {
    PetscCall(PetscFree(t->data));
    PetscCall(PetscFree(t->grad));
  }
  PetscCall(PetscFree(t));
  PetscFunctionReturn(0);
}

/*@C
  CfxTensorSetRequiresGrad - Makes a persistent tensor a leaf of differentiation (allocates a
  zeroed gradient) or stops it being one.
@*/
PetscErrorCode CfxTensorSetRequiresGrad(CfxTensor t, PetscBool flg)
{
  PetscFunctionBegin;
  PetscCheck(t->persistent, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "use CfxTensorMarkRequiresGrad for step tensors");
  if (flg && !t->grad) {
    PetscCheck(t->owns_data, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "tensor belongs to a parameter set; its gradient is already there");
    PetscCall(PetscCalloc1(t->size, &t->grad));
  }
  t->requires_grad = flg;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxTensorMarkRequiresGrad(CfxTensor t)
{
  PetscFunctionBegin;
  t->requires_grad = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxTensorZeroGrad(CfxTensor t)
{
  PetscFunctionBegin;
  if (t->grad) PetscCall(PetscArrayzero(t->grad, t->size));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxTensorCopyData(CfxTensor src, CfxTensor dst)
{
  PetscFunctionBegin;
  PetscCheck(src->size == dst->size, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "copy needs equal sizes, found %" PetscInt_FMT " and %" PetscInt_FMT, src->size, dst->size);
  PetscCall(PetscArraycpy(dst->data, src->data, src->size));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxTensorSetValues(CfxTensor t, PetscReal v)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < t->size; i++) t->data[i] = v;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxTensorFillUniform(CfxTensor t, CfxRNG *rng, PetscReal lo, PetscReal hi)
{
  PetscFunctionBegin;
  PetscCall(CfxRNGFillUniform(rng, t->size, lo, hi, t->data));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxTensorFillNormal(CfxTensor t, CfxRNG *rng, PetscReal mean, PetscReal std)
{
  PetscFunctionBegin;
  PetscCall(CfxRNGFillNormal(rng, t->size, mean, std, t->data));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxTensorView(CfxTensor t, PetscViewer viewer)
{
  char shp[64];
  PetscReal nrm = 0;

  PetscFunctionBegin;
  if (!viewer) viewer = PETSC_VIEWER_STDOUT_SELF;
  CfxShapeString(t->ndim, t->shape, shp, sizeof(shp));
  for (PetscInt i = 0; i < t->size; i++) nrm += t->data[i] * t->data[i];
  PetscCall(PetscViewerASCIIPrintf(viewer, "CfxTensor %s (%s%s): ||data|| = %g\n", shp, t->persistent ? "persistent" : "step", t->requires_grad ? ", requires grad" : "", (double)PetscSqrtReal(nrm)));
  PetscFunctionReturn(0);
}
