/* Shared pieces of the SNAPO tests: a small tanh MLP policy on the tape. */
#pragma once

#include <conflux/conflux.h>
#include <conflux/cfxsnapo.h>

typedef struct {
  PetscInt nin, width;
  CfxTensor W1, b1, W2, b2, W3, b3;
} TestPolicy;

static inline PetscErrorCode TestPolicyCreate(PetscInt nin, PetscInt width, uint64_t seed, TestPolicy *p)
{
  PetscInt s1[2] = {width, nin}, s2[2] = {width, width}, s3[2] = {1, width}, one = 1;
  CfxRNG rng;

  PetscFunctionBeginUser;
  p->nin   = nin;
  p->width = width;
  PetscCall(CfxRNGSetSeed(&rng, seed, 0));
  PetscCall(CfxTensorCreate(2, s1, &p->W1));
  PetscCall(CfxTensorCreate(1, &width, &p->b1));
  PetscCall(CfxTensorCreate(2, s2, &p->W2));
  PetscCall(CfxTensorCreate(1, &width, &p->b2));
  PetscCall(CfxTensorCreate(2, s3, &p->W3));
  PetscCall(CfxTensorCreate(1, &one, &p->b3));
  PetscCall(CfxTensorFillUniform(p->W1, &rng, -1 / sqrt((double)nin), 1 / sqrt((double)nin)));
  PetscCall(CfxTensorFillUniform(p->b1, &rng, -0.5, 0.5));
  PetscCall(CfxTensorFillUniform(p->W2, &rng, -1 / sqrt((double)width), 1 / sqrt((double)width)));
  PetscCall(CfxTensorFillUniform(p->W3, &rng, -1 / sqrt((double)width), 1 / sqrt((double)width)));
  {
    CfxTensor t[6] = {p->W1, p->b1, p->W2, p->b2, p->W3, p->b3};
    for (PetscInt k = 0; k < 6; k++) PetscCall(CfxTensorSetRequiresGrad(t[k], PETSC_TRUE));
  }
  PetscFunctionReturn(0);
}

static inline PetscErrorCode TestPolicyForward(CfxTape tape, CfxTensor x, void *ctx, CfxTensor *y)
{
  TestPolicy *p = (TestPolicy *)ctx;
  CfxTensor h1, h2;

  PetscFunctionBeginUser;
  PetscCall(CfxOpLinear(tape, x, p->W1, p->b1, CFX_ACT_TANH, &h1));
  PetscCall(CfxOpLinear(tape, h1, p->W2, p->b2, CFX_ACT_TANH, &h2));
  PetscCall(CfxOpLinear(tape, h2, p->W3, p->b3, CFX_ACT_NONE, y));
  PetscFunctionReturn(0);
}

static inline void TestPolicyTensors(TestPolicy *p, CfxTensor t[6])
{
  t[0] = p->W1;
  t[1] = p->b1;
  t[2] = p->W2;
  t[3] = p->b2;
  t[4] = p->W3;
  t[5] = p->b3;
}

static inline PetscErrorCode TestPolicyDestroy(TestPolicy *p)
{
  PetscFunctionBeginUser;
  PetscCall(CfxTensorDestroy(&p->W1));
  PetscCall(CfxTensorDestroy(&p->b1));
  PetscCall(CfxTensorDestroy(&p->W2));
  PetscCall(CfxTensorDestroy(&p->b2));
  PetscCall(CfxTensorDestroy(&p->W3));
  PetscCall(CfxTensorDestroy(&p->b3));
  PetscFunctionReturn(0);
}
