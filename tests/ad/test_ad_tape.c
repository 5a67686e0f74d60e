static const char help[] = "Tape, arena and parameter-set behaviour: user-defined ops, lazy gradients, steady-state arena, flat parameter buffers.\n";

#include "adtest.h"

/* A user-defined op y = x^3 with its own backward, written as a simulator step would be. */
typedef struct {
  CfxTensor x, y;
} CubeCtx;

static PetscErrorCode CubeBackward(CfxTape tape, void *ctx)
{
  CubeCtx *c = (CubeCtx *)ctx;
  PetscReal *gx;

  PetscFunctionBeginUser;
  PetscCall(CfxTensorGetGrad(tape, c->x, &gx));
  if (gx)
    for (PetscInt i = 0; i < c->x->size; i++) gx[i] += 3 * c->x->data[i] * c->x->data[i] * c->y->grad[i];
  PetscFunctionReturn(0);
}

static PetscErrorCode Cube(CfxTape tape, CfxTensor x, CfxTensor *y)
{
  CubeCtx *c;

  PetscFunctionBeginUser;
  PetscCall(CfxTapeNewTensorUninit(tape, x->ndim, x->shape, y));
  for (PetscInt i = 0; i < x->size; i++) (*y)->data[i] = x->data[i] * x->data[i] * x->data[i];
  if (CfxTapeNeedsGrad(tape, 1, &x)) {
    PetscCall(CfxTensorMarkRequiresGrad(*y));
    PetscCall(CfxTapeAlloc(tape, sizeof(*c), (void **)&c));
    c->x = x;
    c->y = *y;
    PetscCall(CfxTapeRecord(tape, *y, CubeBackward, c));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode FCube(CfxTape tape, PetscInt n, CfxTensor in[], void *ctx, CfxTensor *y)
{
  CfxTensor t;

  PetscFunctionBeginUser;
  PetscCall(CfxOpMul(tape, in[0], in[1], &t));
  PetscCall(Cube(tape, t, y));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  CfxTape tape;
  CfxParamSet ps;
  CfxTensor W, b, x, h, y, loss, unused;
  PetscInt sw[2] = {4, 3}, sb[1] = {4}, sx[2] = {5, 3}, n, nops;
  PetscReal *data, *grad, w0;
  size_t used, cap[3];
  CfxRNG rng;
  CfxArena arena;
  ADCase cube = {"user-defined op (cube)", FCube, NULL, 2, {2, 2}, {{3, 4}, {3, 4}}, -1, 1};

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  PetscCall(ADRunCase(tape, &cube, 1));

  /* parameter set: values survive packing, data/grad point into the flat buffers in order */
  PetscCall(CfxRNGSetSeed(&rng, 5, 0));
  PetscCall(CfxTensorCreate(2, sw, &W));
  PetscCall(CfxTensorCreate(1, sb, &b));
  PetscCall(CfxTensorFillNormal(W, &rng, 0, 1));
  PetscCall(CfxTensorFillNormal(b, &rng, 0, 1));
  w0 = W->data[5];
  PetscCall(CfxParamSetCreate(PETSC_COMM_SELF, &ps));
  PetscCall(CfxParamSetAdd(ps, "layer.weight", W));
  PetscCall(CfxParamSetAdd(ps, "layer.bias", b));
  PetscCall(CfxParamSetSetUp(ps));
  PetscCall(CfxParamSetGetSize(ps, &n));
  PetscCall(CfxParamSetGetArrays(ps, &data, &grad));
  PetscCheck(n == 16, PETSC_COMM_SELF, PETSC_ERR_PLIB, "flat size %" PetscInt_FMT ", expected 16", n);
  PetscCheck(W->data == data && b->data == data + 12 && W->grad == grad && b->grad == grad + 12, PETSC_COMM_SELF, PETSC_ERR_PLIB, "parameters do not point into the flat buffers");
  PetscCheck(data[5] == w0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "packing changed a value");

  /* three identical steps: the graph is the same, gradients accumulate into the flat buffer,
     an op whose output is not used gets no backward, the arena stops growing */
  PetscCall(CfxTensorCreate(2, sx, &x));
  PetscCall(CfxTensorFillUniform(x, &rng, -1, 1));
  for (int step = 0; step < 3; step++) {
    PetscCall(CfxTapeReset(tape));
    PetscCall(CfxOpLinear(tape, x, W, b, CFX_ACT_TANH, &h));
    PetscCall(CfxOpExp(tape, h, &unused));
    PetscCall(CfxOpSum(tape, h, -1, &y));
    PetscCall(CfxOpSquare(tape, y, &loss));
    PetscCall(CfxTapeBackward(tape, loss));
    PetscCheck(unused->grad == NULL, PETSC_COMM_SELF, PETSC_ERR_PLIB, "an unused output received a gradient buffer");
    PetscCall(CfxTapeGetArena(tape, &arena));
    PetscCall(CfxArenaGetUsage(arena, &used, &cap[step]));
    PetscCheck(used <= cap[step], PETSC_COMM_SELF, PETSC_ERR_PLIB, "arena usage above capacity");
  }
  PetscCheck(cap[1] == cap[2], PETSC_COMM_SELF, PETSC_ERR_PLIB, "arena grew in a steady-state step: %zu -> %zu", cap[1], cap[2]);
  PetscCall(CfxTapeGetNumOps(tape, &nops));
  PetscCheck(nops == 4, PETSC_COMM_SELF, PETSC_ERR_PLIB, "expected 4 recorded ops (linear, exp, sum, square), found %" PetscInt_FMT, nops);
  {
    /* three accumulated steps equal 3x one step */
    PetscReal g3 = grad[7];
    PetscCall(CfxParamSetZeroGrad(ps));
    PetscCall(CfxTapeReset(tape));
    PetscCall(CfxOpLinear(tape, x, W, b, CFX_ACT_TANH, &h));
    PetscCall(CfxOpSum(tape, h, -1, &y));
    PetscCall(CfxOpSquare(tape, y, &loss));
    PetscCall(CfxTapeBackward(tape, loss));
    PetscCheck(PetscAbsReal(g3 - 3 * grad[7]) <= 1e-14 * PetscAbsReal(g3), PETSC_COMM_SELF, PETSC_ERR_PLIB, "gradients did not accumulate: %g vs 3 x %g", (double)g3, (double)grad[7]);
  }
  /* without recording nothing is taped and outputs need no gradient */
  PetscCall(CfxTapeReset(tape));
  PetscCall(CfxTapeSetRecording(tape, PETSC_FALSE));
  PetscCall(CfxOpLinear(tape, x, W, b, CFX_ACT_TANH, &h));
  PetscCall(CfxTapeGetNumOps(tape, &nops));
  PetscCheck(nops == 0 && !h->requires_grad, PETSC_COMM_SELF, PETSC_ERR_PLIB, "inference mode recorded ops");
  PetscCall(CfxTapeSetRecording(tape, PETSC_TRUE));
  PetscCall(CfxTapeReset(tape));

  /* the set released first: the tensors keep valid copies of values and gradients */
  PetscCall(CfxParamSetDestroy(&ps));
  PetscCheck(W->data[5] == w0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "value lost when the set was destroyed");
  PetscCall(CfxTensorDestroy(&W));
  PetscCall(CfxTensorDestroy(&b));
  PetscCall(CfxTensorDestroy(&x));
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "tape, arena and parameter set checks passed\n"));
  PetscCall(CfxFinalize());
  return 0;
}
