/* Named parameters packed into one contiguous value buffer and one gradient buffer. */
#include "cfxtensorimpl.h"

struct _p_CfxParamSet {
  MPI_Comm comm;
  PetscInt n, nmax, total;
  char **names;
  CfxTensor *tensors;
  PetscInt *offsets;
  PetscReal *data, *grad;
  PetscBool setup;
};

PetscErrorCode CfxParamSetCreate(MPI_Comm comm, CfxParamSet *set)
{
  CfxParamSet s;

  PetscFunctionBegin;
  PetscValidPointer(set, 2);
  PetscCall(CfxTensorInitializePackage());
  PetscCall(PetscNew(&s));
  s->comm = comm;
  *set    = s;
  PetscFunctionReturn(0);
}

/*@C
  CfxParamSetAdd - Adds a persistent tensor under a unique name (e.g. "fno.fourier0.weight_re",
  used as the checkpoint dataset name). The set takes a reference.
@*/
PetscErrorCode CfxParamSetAdd(CfxParamSet s, const char name[], CfxTensor t)
{
  PetscFunctionBegin;
  PetscCheck(!s->setup, s->comm, PETSC_ERR_ARG_WRONGSTATE, "cannot add parameter %s after CfxParamSetSetUp", name);
  PetscCheck(t->persistent && t->owns_data, s->comm, PETSC_ERR_ARG_WRONG, "parameter %s must be a persistent tensor not already packed in another parameter set", name);
  for (PetscInt i = 0; i < s->n; i++) {
    PetscBool same;
    PetscCall(PetscStrcmp(s->names[i], name, &same));
    PetscCheck(!same, s->comm, PETSC_ERR_ARG_WRONG, "parameter name %s appears twice", name);
    PetscCheck(s->tensors[i] != t, s->comm, PETSC_ERR_ARG_WRONG, "tensor of parameter %s is already in the set as %s", name, s->names[i]);
  }
  if (s->n == s->nmax) {
    s->nmax = s->nmax ? 2 * s->nmax : 16;
    PetscCall(PetscRealloc(sizeof(char *) * s->nmax, &s->names));
    PetscCall(PetscRealloc(sizeof(CfxTensor) * s->nmax, &s->tensors));
    PetscCall(PetscRealloc(sizeof(PetscInt) * s->nmax, &s->offsets));
  }
  PetscCall(PetscStrallocpy(name, &s->names[s->n]));
  PetscCall(CfxTensorReference(t));
  s->tensors[s->n] = t;
  s->offsets[s->n] = s->total;
  s->total += t->size;
  s->n++;
  PetscFunctionReturn(0);
}

/*@C
  CfxParamSetSetUp - Packs the parameters: values (and any gradients) move into the set's two
  contiguous buffers, each tensor's data/grad now point into them, and every parameter
  requires a gradient.
@*/
PetscErrorCode CfxParamSetSetUp(CfxParamSet s)
{
  PetscFunctionBegin;
  if (s->setup) PetscFunctionReturn(0);
  PetscCall(PetscCalloc1(PetscMax(s->total, 1), &s->data));
  PetscCall(PetscCalloc1(PetscMax(s->total, 1), &s->grad));
  for (PetscInt i = 0; i < s->n; i++) {
    CfxTensor t = s->tensors[i];
    PetscCheck(t->owns_data, s->comm, PETSC_ERR_ARG_WRONG, "parameter %s was packed into another set meanwhile", s->names[i]);
    PetscCall(PetscArraycpy(s->data + s->offsets[i], t->data, t->size));
    if (t->grad) PetscCall(PetscArraycpy(s->grad + s->offsets[i], t->grad, t->size));
    PetscCall(PetscFree(t->data));
    PetscCall(PetscFree(t->grad));
    t->data          = s->data + s->offsets[i];
    t->grad          = s->grad + s->offsets[i];
    t->owns_data     = PETSC_FALSE;
    t->requires_grad = PETSC_TRUE;
  }
  s->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxParamSetGetSize(CfxParamSet s, PetscInt *n)
{
  PetscFunctionBegin;
  *n = s->total;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxParamSetGetNumParameters(CfxParamSet s, PetscInt *n)
{
  PetscFunctionBegin;
  *n = s->n;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxParamSetGetParameter(CfxParamSet s, PetscInt i, const char **name, CfxTensor *t, PetscInt *offset)
{
  PetscFunctionBegin;
  PetscCheck(i >= 0 && i < s->n, s->comm, PETSC_ERR_ARG_OUTOFRANGE, "parameter index %" PetscInt_FMT " not in [0, %" PetscInt_FMT ")", i, s->n);
  if (name) *name = s->names[i];
  if (t) *t = s->tensors[i];
  if (offset) *offset = s->offsets[i];
  PetscFunctionReturn(0);
}

PetscErrorCode CfxParamSetFind(CfxParamSet s, const char name[], CfxTensor *t, PetscInt *offset)
{
  PetscFunctionBegin;
  if (t) *t = NULL;
  if (offset) *offset = -1;
  for (PetscInt i = 0; i < s->n; i++) {
    PetscBool same;
    PetscCall(PetscStrcmp(s->names[i], name, &same));
    if (same) {
      if (t) *t = s->tensors[i];
      if (offset) *offset = s->offsets[i];
      break;
    }
  }
  PetscFunctionReturn(0);
}

/*@C
  CfxParamSetGetArrays - The packed values and gradients (CfxParamSetGetSize entries each).
@*/
PetscErrorCode CfxParamSetGetArrays(CfxParamSet s, PetscReal **data, PetscReal **grad)
{
  PetscFunctionBegin;
  PetscCheck(s->setup, s->comm, PETSC_ERR_ARG_WRONGSTATE, "call CfxParamSetSetUp first");
  if (data) *data = s->data;
  if (grad) *grad = s->grad;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxParamSetZeroGrad(CfxParamSet s)
{
  PetscFunctionBegin;
  if (s->setup)
    PetscCall(PetscArrayzero(s->grad, s->total));
  else
    for (PetscInt i = 0; i < s->n; i++) PetscCall(CfxTensorZeroGrad(s->tensors[i]));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxParamSetView(CfxParamSet s, PetscViewer viewer)
{
  PetscFunctionBegin;
  if (!viewer) viewer = PETSC_VIEWER_STDOUT_(s->comm);
  PetscCall(PetscViewerASCIIPrintf(viewer, "CfxParamSet: %" PetscInt_FMT " parameters, %" PetscInt_FMT " values\n", s->n, s->total));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  for (PetscInt i = 0; i < s->n; i++) {
    char shp[64];
    CfxShapeString(s->tensors[i]->ndim, s->tensors[i]->shape, shp, sizeof(shp));
    PetscCall(PetscViewerASCIIPrintf(viewer, "%s %s\n", s->names[i], shp));
  }
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(0);
}

/*@C
  CfxParamSetDestroy - Releases the set. Parameters still referenced elsewhere (by their
  module) get their own copies of values and gradients first, so they stay valid.
@*/
PetscErrorCode CfxParamSetDestroy(CfxParamSet *set)
{
  CfxParamSet s;

  PetscFunctionBegin;
  if (!*set) PetscFunctionReturn(0);
  s = *set;
  for (PetscInt i = 0; i < s->n; i++) {
    CfxTensor t = s->tensors[i];
    if (s->setup && t->refct > 1) {
      PetscReal *d, *g;
      PetscCall(PetscMalloc1(t->size, &d));
      PetscCall(PetscMalloc1(t->size, &g));
      PetscCall(PetscArraycpy(d, t->data, t->size));
      PetscCall(PetscArraycpy(g, t->grad, t->size));
      t->data      = d;
      t->grad      = g;
      t->owns_data = PETSC_TRUE;
    }
    PetscCall(CfxTensorDestroy(&s->tensors[i]));
    PetscCall(PetscFree(s->names[i]));
  }
  PetscCall(PetscFree(s->names));
  PetscCall(PetscFree(s->tensors));
  PetscCall(PetscFree(s->offsets));
  PetscCall(PetscFree(s->data));
  PetscCall(PetscFree(s->grad));
  PetscCall(PetscFree(*set));
  PetscFunctionReturn(0);
}
