/* Shared helpers of the autodiff tests: run one gradient check on random inputs. */
#pragma once

#include <conflux/conflux.h>

#define AD_TOL 1e-6

typedef struct {
  const char *name;
  CfxGradCheckFn f;
  void *ctx;
  PetscInt nin;
  PetscInt ndim[6];
  PetscInt shape[6][4];
  PetscReal lo, hi; /* input range (default [-1, 1]) */
} ADCase;

/* Creates the inputs, runs CfxGradCheck with step 1e-6 and fails above AD_TOL. */
static inline PetscErrorCode ADRunCase(CfxTape tape, const ADCase *c, PetscInt seed)
{
  CfxTensor in[6];
  CfxRNG rng;
  PetscReal err, lo = c->lo, hi = c->hi;

  PetscFunctionBeginUser;
  if (lo == 0 && hi == 0) {
    lo = -1;
    hi = 1;
  }
  PetscCall(CfxRNGSetSeed(&rng, 1234, (uint64_t)seed));
  for (PetscInt k = 0; k < c->nin; k++) {
    PetscCall(CfxTensorCreate(c->ndim[k], c->shape[k], &in[k]));
    PetscCall(CfxTensorFillUniform(in[k], &rng, lo, hi));
    PetscCall(CfxTensorSetRequiresGrad(in[k], PETSC_TRUE));
  }
  PetscCall(CfxGradCheck(tape, c->f, c->ctx, c->nin, in, 1e-6, &err));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%-40s rel err %.2e\n", c->name, (double)err));
  PetscCheck(err <= AD_TOL, PETSC_COMM_SELF, PETSC_ERR_PLIB, "gradient check %s: relative error %g exceeds %g", c->name, (double)err, AD_TOL);
  for (PetscInt k = 0; k < c->nin; k++) PetscCall(CfxTensorDestroy(&in[k]));
  PetscFunctionReturn(0);
}
