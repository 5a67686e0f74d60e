/* Shared checks of a SNAPO model's adjoint: central differences with common random numbers
   on chosen entries, and the Taylor remainder in a random direction over every input. */
#pragma once

#include <conflux/conflux.h>
#include <conflux/cfxsnapo.h>

typedef struct {
  const CfxSnapoModelOps *m;
  const CfxSnapoPolicy *pol;
  PetscInt npaths, block, n; /* n tensors in t */
  uint64_t seed;
  CfxTensor t[16];
} SnapoCheck;

static inline PetscErrorCode SnapoCheckValue(SnapoCheck *s, PetscBool grad, CfxSnapoResult *r)
{
  PetscFunctionBeginUser;
  if (grad)
    for (PetscInt k = 0; k < s->n; k++) PetscCall(CfxTensorZeroGrad(s->t[k]));
  PetscCall(CfxSnapoEvaluate(PETSC_COMM_WORLD, s->m, s->pol, s->npaths, s->block, s->seed, grad, s->n, s->t, r));
  PetscFunctionReturn(0);
}

/* Adjoint vs central differences (relative step h max(1, |x|)) on entries (tensor, index);
   returns the normwise relative error sqrt(sum (ad - fd)^2 / sum fd^2). */
static inline PetscErrorCode SnapoCheckCentral(SnapoCheck *s, PetscInt nchk, const PetscInt chk[][2], PetscReal h0, PetscReal *err)
{
  CfxSnapoResult r0, r1;
  PetscReal num = 0, den = 0;
  PetscReal *ad;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(nchk, &ad));
  PetscCall(SnapoCheckValue(s, PETSC_TRUE, &r0));
  for (PetscInt c = 0; c < nchk; c++) ad[c] = s->t[chk[c][0]]->grad[chk[c][1]];
  for (PetscInt c = 0; c < nchk; c++) {
    CfxTensor x  = s->t[chk[c][0]];
    PetscInt i   = chk[c][1];
    PetscReal x0 = x->data[i], h = h0 * PetscMax(1, PetscAbsReal(x0)), jp, fd;
    x->data[i] = x0 + h;
    PetscCall(SnapoCheckValue(s, PETSC_FALSE, &r1));
    jp         = r1.value;
    x->data[i] = x0 - h;
    PetscCall(SnapoCheckValue(s, PETSC_FALSE, &r1));
    x->data[i] = x0;
    fd         = (jp - r1.value) / (2 * h);
    num += (ad[c] - fd) * (ad[c] - fd);
    den += fd * fd;
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  input %d[%3d]  adjoint % .12e  central diff % .12e\n", (int)chk[c][0], (int)i, (double)ad[c], (double)fd));
  }
  *err = PetscSqrtReal(num / den);
  PetscCall(PetscFree(ad));
  PetscFunctionReturn(0);
}

/* Taylor remainder |J(x + h d) - J(x) - h <grad J, d>| for h = h0, h0/2, h0/4, h0/8 with a
   random d over every input (scale[k] per tensor, times |x| when relative[k]); the three
   observed slopes. */
static inline PetscErrorCode SnapoCheckTaylor(SnapoCheck *s, const PetscReal scale[], const PetscBool relative[], PetscReal h0, PetscReal slope[3])
{
  PetscReal *d[16], *x0[16], rem[4], hs[4] = {h0, h0 / 2, h0 / 4, h0 / 8}, dot = 0;
  CfxSnapoResult r0, r1;
  CfxRNG rng;

  PetscFunctionBeginUser;
  PetscCall(CfxRNGSetSeed(&rng, 99, 0));
  PetscCall(SnapoCheckValue(s, PETSC_TRUE, &r0));
  for (PetscInt k = 0; k < s->n; k++) {
    PetscCall(PetscMalloc2(s->t[k]->size, &d[k], s->t[k]->size, &x0[k]));
    for (PetscInt i = 0; i < s->t[k]->size; i++) {
      x0[k][i] = s->t[k]->data[i];
      d[k][i]  = CfxRNGNormal(&rng) * scale[k] * (relative[k] ? PetscAbsReal(x0[k][i]) : 1);
      dot += d[k][i] * s->t[k]->grad[i];
    }
  }
  for (PetscInt j = 0; j < 4; j++) {
    for (PetscInt k = 0; k < s->n; k++)
      for (PetscInt i = 0; i < s->t[k]->size; i++) s->t[k]->data[i] = x0[k][i] + hs[j] * d[k][i];
    PetscCall(SnapoCheckValue(s, PETSC_FALSE, &r1));
    rem[j] = PetscAbsReal(r1.value - r0.value - hs[j] * dot);
  }
  for (PetscInt k = 0; k < s->n; k++) {
    for (PetscInt i = 0; i < s->t[k]->size; i++) s->t[k]->data[i] = x0[k][i];
    PetscCall(PetscFree2(d[k], x0[k]));
  }
  for (PetscInt j = 1; j < 4; j++) {
    slope[j - 1] = PetscLogReal(rem[j - 1] / rem[j]) / PetscLogReal(2);
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  Taylor remainder h %.3e: %.3e  slope %.3f\n", (double)hs[j], (double)rem[j], (double)slope[j - 1]));
  }
  PetscFunctionReturn(0);
}
