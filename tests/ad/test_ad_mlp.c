static const char help[] =
    "The fused MLP op (CfxOpMLP) against the same layers as CfxOpLinear calls (forward and gradients to 1e-12), against central differences, and bitwise across thread counts.\n";

#include "adtest.h"
#include <string.h>
#if defined(_OPENMP)
#include <omp.h>
#endif

#define MAXL 4

typedef struct {
  const char *name;
  PetscInt ndim, xshape[3]; /* input; its last axis is the first layer's width */
  PetscInt L, width[MAXL + 1];
  CfxActivation act[MAXL];
  PetscBool nobias[MAXL];
  PetscBool fused; /* set by the driver */
} MLPCase;

/* in[0] = x, then per layer W and (unless nobias) b */
static PetscErrorCode FMLP(CfxTape tape, PetscInt n, CfxTensor in[], void *ctx, CfxTensor *y)
{
  MLPCase *c = (MLPCase *)ctx;
  CfxTensor W[MAXL], b[MAXL], h = in[0];
  PetscInt k = 1;

  PetscFunctionBeginUser;
  for (PetscInt l = 0; l < c->L; l++) {
    W[l] = in[k++];
    b[l] = c->nobias[l] ? NULL : in[k++];
  }
  PetscCheck(k == n, PETSC_COMM_SELF, PETSC_ERR_PLIB, "input count");
  if (c->fused)
    PetscCall(CfxOpMLP(tape, in[0], c->L, W, b, c->act, y));
  else {
    for (PetscInt l = 0; l < c->L; l++) PetscCall(CfxOpLinear(tape, h, W[l], b[l], c->act[l], &h));
    *y = h;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode CreateInputs(const MLPCase *c, PetscInt seed, PetscInt *n, CfxTensor in[])
{
  CfxRNG rng;
  PetscInt k = 0;

  PetscFunctionBeginUser;
  PetscCall(CfxRNGSetSeed(&rng, 99, (uint64_t)seed));
  PetscCall(CfxTensorCreate(c->ndim, c->xshape, &in[k]));
  PetscCall(CfxTensorFillUniform(in[k++], &rng, -1.5, 1.5));
  for (PetscInt l = 0; l < c->L; l++) {
    PetscInt ws[2] = {c->width[l + 1], c->width[l]};
    PetscCall(CfxTensorCreate(2, ws, &in[k]));
    PetscCall(CfxTensorFillUniform(in[k++], &rng, -1, 1));
    if (!c->nobias[l]) {
      PetscCall(CfxTensorCreate(1, ws, &in[k]));
      PetscCall(CfxTensorFillUniform(in[k++], &rng, -1, 1));
    }
  }
  for (PetscInt i = 0; i < k; i++) PetscCall(CfxTensorSetRequiresGrad(in[i], PETSC_TRUE));
  *n = k;
  PetscFunctionReturn(0);
}

/* y and the gradients of sum(r * y) with respect to every input, copied out (caller frees). */
static PetscErrorCode Evaluate(CfxTape tape, MLPCase *c, PetscBool fused, PetscInt n, CfxTensor in[], PetscReal **out, PetscInt *ny, PetscReal *grads[])
{
  CfxTensor y;
  PetscReal *r;
  CfxRNG rng;

  PetscFunctionBeginUser;
  c->fused = fused;
  for (PetscInt i = 0; i < n; i++) PetscCall(CfxTensorZeroGrad(in[i]));
  PetscCall(FMLP(tape, n, in, c, &y));
  PetscCall(PetscMalloc1(y->size, &r));
  PetscCall(CfxRNGSetSeed(&rng, 7, 0));
  for (PetscInt i = 0; i < y->size; i++) r[i] = 2 * CfxRNGUniform(&rng) - 1;
  PetscCall(CfxTapeBackwardWithSeed(tape, y, r));
  *ny = y->size;
  PetscCall(PetscMalloc1(y->size, out));
  PetscCall(PetscArraycpy(*out, y->data, y->size));
  for (PetscInt i = 0; i < n; i++) {
    PetscCall(PetscMalloc1(in[i]->size, &grads[i]));
    PetscCall(PetscArraycpy(grads[i], in[i]->grad, in[i]->size));
  }
  PetscCall(CfxTapeReset(tape));
  PetscCall(PetscFree(r));
  PetscFunctionReturn(0);
}

static PetscReal RelDiff(PetscInt n, const PetscReal *a, const PetscReal *b)
{
  PetscReal d = 0, s = 0;
  for (PetscInt i = 0; i < n; i++) {
    d += (a[i] - b[i]) * (a[i] - b[i]);
    s += b[i] * b[i];
  }
  return PetscSqrtReal(d) / PetscMax(PetscSqrtReal(s), PETSC_SMALL);
}

static void SetThreads(int t)
{
#if defined(_OPENMP)
  omp_set_num_threads(t);
#else
  (void)t;
#endif
}

/* Fused vs unfused to 1e-12 (normwise, output and every gradient), and the fused op bitwise
   the same on 1 and 2 threads. */
static PetscErrorCode CompareUnfused(CfxTape tape, MLPCase *c)
{
  CfxTensor in[1 + 2 * MAXL];
  PetscInt n, ny;
  PetscReal *yf, *yu, *y2, *gf[1 + 2 * MAXL], *gu[1 + 2 * MAXL], *g2[1 + 2 * MAXL], err;

  PetscFunctionBeginUser;
  PetscCall(CreateInputs(c, 1, &n, in));
  SetThreads(1);
  PetscCall(Evaluate(tape, c, PETSC_TRUE, n, in, &yf, &ny, gf));
  PetscCall(Evaluate(tape, c, PETSC_FALSE, n, in, &yu, &ny, gu));
  SetThreads(2);
  PetscCall(Evaluate(tape, c, PETSC_TRUE, n, in, &y2, &ny, g2));
  SetThreads(1);
  err = RelDiff(ny, yf, yu);
  for (PetscInt i = 0; i < n; i++) err = PetscMax(err, RelDiff(in[i]->size, gf[i], gu[i]));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%-44s fused vs layer by layer: rel diff %.2e\n", c->name, (double)err));
  PetscCheck(err <= 1e-12, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: fused MLP differs from the CfxOpLinear chain by %g (> 1e-12)", c->name, (double)err);
  PetscCheck(!memcmp(yf, y2, sizeof(PetscReal) * (size_t)ny), PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: fused MLP output differs between 1 and 2 threads", c->name);
  for (PetscInt i = 0; i < n; i++)
    PetscCheck(!memcmp(gf[i], g2[i], sizeof(PetscReal) * (size_t)in[i]->size), PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: gradient of input %" PetscInt_FMT " differs between 1 and 2 threads", c->name, i);
  PetscCall(PetscFree(yf));
  PetscCall(PetscFree(yu));
  PetscCall(PetscFree(y2));
  for (PetscInt i = 0; i < n; i++) {
    PetscCall(PetscFree(gf[i]));
    PetscCall(PetscFree(gu[i]));
    PetscCall(PetscFree(g2[i]));
    PetscCall(CfxTensorDestroy(&in[i]));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckFD(CfxTape tape, MLPCase *c)
{
  CfxTensor in[1 + 2 * MAXL];
  PetscInt n;
  PetscReal err;

  PetscFunctionBeginUser;
  PetscCall(CreateInputs(c, 2, &n, in));
  c->fused = PETSC_TRUE;
  PetscCall(CfxGradCheck(tape, FMLP, c, n, in, 1e-6, &err));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%-44s central differences: rel err %.2e\n", c->name, (double)err));
  PetscCheck(err <= AD_TOL, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: gradient check error %g exceeds %g", c->name, (double)err, AD_TOL);
  for (PetscInt i = 0; i < n; i++) PetscCall(CfxTensorDestroy(&in[i]));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  CfxTape tape;
  /* row counts cross the 256-row blocks and (8492 rows) the 32-block backward passes */
  MLPCase cmp[] = {
      {"[300,3] 3-8-8-2 tanh tanh none", 2, {300, 3}, 3, {3, 8, 8, 2}, {CFX_ACT_TANH, CFX_ACT_TANH, CFX_ACT_NONE}, {0}},
      {"[2,150,4] 4-6-1 gelu none, no bias 0", 3, {2, 150, 4}, 2, {4, 6, 1}, {CFX_ACT_GELU, CFX_ACT_NONE}, {PETSC_TRUE, PETSC_FALSE}},
      {"[1,5] 5-4-3 silu sigmoid", 2, {1, 5}, 2, {5, 4, 3}, {CFX_ACT_SILU, CFX_ACT_SIGMOID}, {0}},
      {"[8492,3] 3-5-5-5-1 tanh relu softplus none", 2, {8492, 3}, 4, {3, 5, 5, 5, 1}, {CFX_ACT_TANH, CFX_ACT_RELU, CFX_ACT_SOFTPLUS, CFX_ACT_NONE}, {0}},
      {"[513,2] 2-7-1 tanh tanh (act on output)", 2, {513, 2}, 2, {2, 7, 1}, {CFX_ACT_TANH, CFX_ACT_TANH}, {0}},
  };
  MLPCase fd[] = {
      {"[20,3] 3-6-6-2 tanh tanh none", 2, {20, 3}, 3, {3, 6, 6, 2}, {CFX_ACT_TANH, CFX_ACT_TANH, CFX_ACT_NONE}, {0}},
      {"[2,3,4] 4-5-1 gelu none, no bias 1", 3, {2, 3, 4}, 2, {4, 5, 1}, {CFX_ACT_GELU, CFX_ACT_NONE}, {PETSC_FALSE, PETSC_TRUE}},
      {"[260,2] 2-3-2 silu softplus (2 blocks)", 2, {260, 2}, 2, {2, 3, 2}, {CFX_ACT_SILU, CFX_ACT_SOFTPLUS}, {0}},
      {"[7,3] 3-4 sigmoid (one layer)", 2, {7, 3}, 1, {3, 4}, {CFX_ACT_SIGMOID}, {0}},
  };

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  for (size_t i = 0; i < sizeof(cmp) / sizeof(cmp[0]); i++) PetscCall(CompareUnfused(tape, &cmp[i]));
  for (size_t i = 0; i < sizeof(fd) / sizeof(fd[0]); i++) PetscCall(CheckFD(tape, &fd[i]));
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(CfxFinalize());
  return 0;
}
