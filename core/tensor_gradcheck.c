/* Gradient check of reverse mode against central differences. */
#include "cfxtensorimpl.h"

static PetscErrorCode Evaluate(CfxTape tape, CfxGradCheckFn f, void *ctx, PetscInt nin, CfxTensor in[], const PetscReal *r, PetscInt *ny, PetscReal *L)
{
  CfxTensor y;

  PetscFunctionBegin;
  PetscCall(CfxTapeReset(tape));
  PetscCall(f(tape, nin, in, ctx, &y));
  PetscCheck(!*ny || y->size == *ny, tape->comm, PETSC_ERR_PLIB, "gradient check: output size changed from %" PetscInt_FMT " to %" PetscInt_FMT, *ny, y->size);
  *ny = y->size;
  *L  = 0;
  /* compensated sum, so round-off in L stays far below the differences being measured */
  {
    PetscReal s = 0, comp = 0;
    for (PetscInt i = 0; i < y->size; i++) {
      PetscReal term = r[i] * y->data[i] - comp, t = s + term;
      comp = (t - s) - term;
      s    = t;
    }
    *L = s;
  }
  PetscFunctionReturn(0);
}

/*@C
  CfxGradCheck - Compares reverse-mode gradients with central differences; see cfxtensor.h.
  The tape is reset on return.
@*/
PetscErrorCode CfxGradCheck(CfxTape tape, CfxGradCheckFn f, void *ctx, PetscInt nin, CfxTensor in[], PetscReal h, PetscReal *relerr)
{
  CfxTensor y;
  PetscReal *r, **ga, **gf, Lp, Lm, total = 0;
  PetscInt ny = 0;
  PetscBool rec;
  CfxRNG rng;

  PetscFunctionBegin;
  PetscCheck(h > 0, tape->comm, PETSC_ERR_ARG_OUTOFRANGE, "gradient check step must be > 0, found %g", (double)h);
  for (PetscInt k = 0; k < nin; k++)
    PetscCheck(in[k]->persistent && in[k]->requires_grad, tape->comm, PETSC_ERR_ARG_WRONG, "gradient check input %" PetscInt_FMT " must be persistent with requires_grad set", k);
  PetscCall(CfxTapeGetRecording(tape, &rec));
  PetscCall(CfxTapeSetRecording(tape, PETSC_TRUE));
  PetscCall(CfxTapeReset(tape));
  for (PetscInt k = 0; k < nin; k++) PetscCall(CfxTensorZeroGrad(in[k]));
  PetscCall(f(tape, nin, in, ctx, &y));
  ny = y->size;
  PetscCall(PetscMalloc1(ny, &r));
  PetscCall(CfxRNGSetSeed(&rng, 20240611, 7));
  PetscCall(CfxRNGFillUniform(&rng, ny, -1.0, 1.0, r));
  PetscCall(CfxTapeBackwardWithSeed(tape, y, r));
  PetscCall(PetscMalloc1(nin, &ga));
  for (PetscInt k = 0; k < nin; k++) {
    PetscCall(PetscMalloc1(in[k]->size, &ga[k]));
    PetscCall(PetscArraycpy(ga[k], in[k]->grad, in[k]->size));
  }
  PetscCall(CfxTapeSetRecording(tape, PETSC_FALSE));
  /* central differences of every entry of every input */
  PetscCall(PetscMalloc1(nin, &gf));
  for (PetscInt k = 0; k < nin; k++) {
    PetscCall(PetscMalloc1(in[k]->size, &gf[k]));
    for (PetscInt i = 0; i < in[k]->size; i++) {
      PetscReal x0   = in[k]->data[i];
      in[k]->data[i] = x0 + h;
      PetscCall(Evaluate(tape, f, ctx, nin, in, r, &ny, &Lp));
      in[k]->data[i] = x0 - h;
      PetscCall(Evaluate(tape, f, ctx, nin, in, r, &ny, &Lm));
      in[k]->data[i] = x0;
      gf[k][i]       = (Lp - Lm) / (2 * h);
      total += gf[k][i] * gf[k][i];
    }
  }
  total   = PetscSqrtReal(total);
  *relerr = 0;
  for (PetscInt k = 0; k < nin; k++) {
    PetscReal num = 0, den = 0, nrma = 0, err;
    for (PetscInt i = 0; i < in[k]->size; i++) {
      num += (gf[k][i] - ga[k][i]) * (gf[k][i] - ga[k][i]);
      den += gf[k][i] * gf[k][i];
      nrma += ga[k][i] * ga[k][i];
    }
    /* An input whose gradient is (structurally) tiny against the whole gradient, such as the
       last bias of a conservative flux, is measured against 1e-4 of the whole gradient's norm:
       otherwise the ratio would compare finite-difference noise with round-off. */
    err = PetscSqrtReal(num) / PetscMax(PetscSqrtReal(den), PetscMax(1e-4 * total, PETSC_SMALL * PETSC_SMALL));
    PetscCall(PetscInfo(NULL, "gradient check input %" PetscInt_FMT ": |g_fd| %g |g_ad| %g rel err %g\n", k, (double)PetscSqrtReal(den), (double)PetscSqrtReal(nrma), (double)err));
    *relerr = PetscMax(*relerr, err);
    PetscCall(PetscFree(ga[k]));
    PetscCall(PetscFree(gf[k]));
  }
  PetscCall(PetscFree(gf));
  PetscCall(PetscFree(ga));
  PetscCall(PetscFree(r));
  PetscCall(CfxTapeReset(tape));
  PetscCall(CfxTapeSetRecording(tape, rec));
  PetscFunctionReturn(0);
}
