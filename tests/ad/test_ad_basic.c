static const char help[] = "Gradient checks of the elementwise, linear-algebra, reduction and loss ops against central differences.\n";

#include "adtest.h"

/* ---- op wrappers: each builds one op from the inputs ---- */
typedef enum { E_ADD, E_SUB, E_MUL, E_DIV, E_SCALE, E_EXP, E_LOG, E_SQRT, E_SQUARE, E_SMAX, E_SMIN, E_SCLAMP } EKind;

static PetscErrorCode FElem(CfxTape tape, PetscInt n, CfxTensor in[], void *ctx, CfxTensor *y)
{
  PetscFunctionBeginUser;
  switch (*(EKind *)ctx) {
    case E_ADD: PetscCall(CfxOpAdd(tape, in[0], in[1], y)); break;
    case E_SUB: PetscCall(CfxOpSub(tape, in[0], in[1], y)); break;
    case E_MUL: PetscCall(CfxOpMul(tape, in[0], in[1], y)); break;
    case E_DIV: PetscCall(CfxOpDiv(tape, in[0], in[1], y)); break;
    case E_SCALE: PetscCall(CfxOpScale(tape, in[0], -1.7, 0.3, y)); break;
    case E_EXP: PetscCall(CfxOpExp(tape, in[0], y)); break;
    case E_LOG: PetscCall(CfxOpLog(tape, in[0], y)); break;
    case E_SQRT: PetscCall(CfxOpSqrt(tape, in[0], y)); break;
    case E_SQUARE: PetscCall(CfxOpSquare(tape, in[0], y)); break;
    case E_SMAX: PetscCall(CfxOpSmoothMax(tape, in[0], in[1], 5.0, y)); break;
    case E_SMIN: PetscCall(CfxOpSmoothMin(tape, in[0], in[1], 5.0, y)); break;
    case E_SCLAMP: PetscCall(CfxOpSmoothClamp(tape, in[0], -0.4, 0.5, 8.0, y)); break;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode FAct(CfxTape tape, PetscInt n, CfxTensor in[], void *ctx, CfxTensor *y)
{
  PetscFunctionBeginUser;
  PetscCall(CfxOpActivation(tape, in[0], *(CfxActivation *)ctx, y));
  PetscFunctionReturn(0);
}

typedef struct {
  PetscBool ta, tb;
} MMCtx;

static PetscErrorCode FMatmul(CfxTape tape, PetscInt n, CfxTensor in[], void *ctx, CfxTensor *y)
{
  MMCtx *c = (MMCtx *)ctx;

  PetscFunctionBeginUser;
  PetscCall(CfxOpMatmul(tape, in[0], c->ta, in[1], c->tb, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode FLinear(CfxTape tape, PetscInt n, CfxTensor in[], void *ctx, CfxTensor *y)
{
  PetscFunctionBeginUser;
  PetscCall(CfxOpLinear(tape, in[0], in[1], n > 2 ? in[2] : NULL, *(CfxActivation *)ctx, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode FChannelLinear(CfxTape tape, PetscInt n, CfxTensor in[], void *ctx, CfxTensor *y)
{
  PetscFunctionBeginUser;
  PetscCall(CfxOpChannelLinear(tape, in[0], in[1], n > 2 ? in[2] : NULL, *(CfxActivation *)ctx, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode FReduce(CfxTape tape, PetscInt n, CfxTensor in[], void *ctx, CfxTensor *y)
{
  PetscInt axis = *(PetscInt *)ctx;

  PetscFunctionBeginUser;
  if (axis >= 100)
    PetscCall(CfxOpMean(tape, in[0], axis - 101, y));
  else
    PetscCall(CfxOpSum(tape, in[0], axis, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode FLoss(CfxTape tape, PetscInt n, CfxTensor in[], void *ctx, CfxTensor *y)
{
  PetscFunctionBeginUser;
  if (*(PetscInt *)ctx == 0)
    PetscCall(CfxOpMSELoss(tape, in[0], in[1], y));
  else
    PetscCall(CfxOpRelL2Loss(tape, in[0], in[1], y));
  PetscFunctionReturn(0);
}

/* A 3-layer tanh MLP with an MSE loss: x, W1, b1, W2, b2, target. */
static PetscErrorCode FMLP(CfxTape tape, PetscInt n, CfxTensor in[], void *ctx, CfxTensor *y)
{
  CfxTensor h, o;

  PetscFunctionBeginUser;
  PetscCall(CfxOpLinear(tape, in[0], in[1], in[2], *(CfxActivation *)ctx, &h));
  PetscCall(CfxOpLinear(tape, h, in[3], in[4], CFX_ACT_NONE, &o));
  PetscCall(CfxOpMSELoss(tape, o, in[5], y));
  PetscFunctionReturn(0);
}

#define S1(a)  \
  {            \
    a, 1, 1, 1 \
  }
#define S2(a, b) \
  {              \
    a, b, 1, 1   \
  }
#define S3(a, b, c) \
  {                 \
    a, b, c, 1      \
  }
#define S4(a, b, c, d) \
  {                    \
    a, b, c, d         \
  }

int main(int argc, char **argv)
{
  CfxTape tape;
  EKind ek[12];
  CfxActivation acts[7] = {CFX_ACT_NONE, CFX_ACT_TANH, CFX_ACT_GELU, CFX_ACT_RELU, CFX_ACT_SIGMOID, CFX_ACT_SOFTPLUS, CFX_ACT_SILU};
  MMCtx mm[4]           = {{PETSC_FALSE, PETSC_FALSE}, {PETSC_TRUE, PETSC_FALSE}, {PETSC_FALSE, PETSC_TRUE}, {PETSC_TRUE, PETSC_TRUE}};
  PetscInt axes[6] = {-1, 0, 1, 2, 101, 100}, losses[2] = {0, 1}, seed = 0;
  char name[128];

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  for (int k = 0; k < 12; k++) ek[k] = (EKind)k;

  /* binary ops: equal shapes, bias-like, column-like and scalar broadcasting */
  {
    const char *names[4] = {"add", "sub", "mul", "div"};
    for (int k = 0; k < 4; k++) {
      ADCase cs[4] = {{"", FElem, &ek[k], 2, {2, 2}, {S2(3, 5), S2(3, 5)}},
                      {"", FElem, &ek[k], 2, {3, 1}, {S3(2, 3, 5), S1(5)}},
                      {"", FElem, &ek[k], 2, {3, 3}, {S3(2, 3, 1), S3(2, 1, 7)}},
                      {"", FElem, &ek[k], 2, {1, 2}, {S1(1), S2(4, 3)}}};
      for (int c = 0; c < 4; c++) {
        PetscCall(PetscSNPrintf(name, sizeof(name), "%s broadcast case %d", names[k], c));
        cs[c].name = name;
        if (k == 3) { /* keep denominators away from zero */
          cs[c].lo = 0.5;
          cs[c].hi = 1.5;
        }
        PetscCall(ADRunCase(tape, &cs[c], seed++));
      }
    }
  }
  /* unary maps and smooth min/max/clamp */
  {
    ADCase cs[] = {
        {"scale", FElem, &ek[E_SCALE], 1, {3}, {S3(2, 3, 5)}},
        {"exp", FElem, &ek[E_EXP], 1, {2}, {S2(7, 3)}},
        {"log", FElem, &ek[E_LOG], 1, {2}, {S2(7, 3)}, 0.3, 2.0},
        {"sqrt", FElem, &ek[E_SQRT], 1, {1}, {S1(11)}, 0.3, 2.0},
        {"square", FElem, &ek[E_SQUARE], 1, {4}, {S4(2, 1, 3, 2)}},
        {"smooth max", FElem, &ek[E_SMAX], 2, {2, 2}, {S2(5, 3), S2(5, 3)}},
        {"smooth min bcast", FElem, &ek[E_SMIN], 2, {2, 1}, {S2(5, 3), S1(3)}},
        {"smooth clamp", FElem, &ek[E_SCLAMP], 1, {2}, {S2(9, 4)}},
    };
    for (size_t c = 0; c < sizeof(cs) / sizeof(cs[0]); c++) PetscCall(ADRunCase(tape, &cs[c], seed++));
  }
  /* activations (random inputs almost surely avoid ReLU's kink by more than the FD step) */
  for (int a = 1; a < 7; a++) {
    ADCase c = {NULL, FAct, &acts[a], 1, {2}, {S2(13, 3)}, -3, 3};
    PetscCall(PetscSNPrintf(name, sizeof(name), "activation %s", CfxActivations[a]));
    c.name = name;
    PetscCall(ADRunCase(tape, &c, seed++));
  }
  /* matmul: all transposes, batched with shared and per-batch B, odd sizes */
  for (int t = 0; t < 4; t++) {
    PetscInt M = 3, K = 5, N = 4;
    ADCase c1 = {NULL, FMatmul, &mm[t], 2, {2, 2}, {{mm[t].ta ? K : M, mm[t].ta ? M : K}, {mm[t].tb ? N : K, mm[t].tb ? K : N}}};
    ADCase c2 = {NULL, FMatmul, &mm[t], 2, {3, 2}, {{2, mm[t].ta ? K : M, mm[t].ta ? M : K}, {mm[t].tb ? N : K, mm[t].tb ? K : N}}};
    ADCase c3 = {NULL, FMatmul, &mm[t], 2, {4, 4}, {{2, 3, mm[t].ta ? K : M, mm[t].ta ? M : K}, {2, 3, mm[t].tb ? N : K, mm[t].tb ? K : N}}};
    PetscCall(PetscSNPrintf(name, sizeof(name), "matmul ta=%d tb=%d", (int)mm[t].ta, (int)mm[t].tb));
    c1.name = c2.name = c3.name = name;
    PetscCall(ADRunCase(tape, &c1, seed++));
    PetscCall(ADRunCase(tape, &c2, seed++));
    PetscCall(ADRunCase(tape, &c3, seed++));
  }
  /* linear and channel linear with every fused activation, with and without bias */
  for (int a = 0; a < 7; a++) {
    ADCase c1 = {NULL, FLinear, &acts[a], 3, {3, 2, 1}, {S3(2, 3, 5), S2(4, 5), S1(4)}, -2, 2};
    ADCase c2 = {NULL, FLinear, &acts[a], 2, {2, 2}, {S2(7, 3), S2(5, 3)}, -2, 2};
    ADCase c3 = {NULL, FChannelLinear, &acts[a], 3, {3, 2, 1}, {S3(2, 3, 5), S2(4, 3), S1(4)}, -2, 2};
    ADCase c4 = {NULL, FChannelLinear, &acts[a], 2, {3, 3}, {S3(3, 2, 7), S3(5, 2, 1)}, -2, 2};
    PetscCall(PetscSNPrintf(name, sizeof(name), "linear/channel linear %s", CfxActivations[a]));
    c1.name = c2.name = c3.name = c4.name = name;
    PetscCall(ADRunCase(tape, &c1, seed++));
    PetscCall(ADRunCase(tape, &c2, seed++));
    PetscCall(ADRunCase(tape, &c3, seed++));
    PetscCall(ADRunCase(tape, &c4, seed++));
  }
  /* reductions over every axis and everything */
  for (int a = 0; a < 6; a++) {
    ADCase c = {NULL, FReduce, &axes[a], 1, {3}, {S3(3, 4, 5)}};
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s axis %d", axes[a] >= 100 ? "mean" : "sum", (int)(axes[a] >= 100 ? axes[a] - 101 : axes[a])));
    c.name = name;
    PetscCall(ADRunCase(tape, &c, seed++));
  }
  /* losses */
  for (int l = 0; l < 2; l++) {
    ADCase c = {l ? "relative L2 loss" : "MSE loss", FLoss, &losses[l], 2, {3, 3}, {S3(3, 2, 5), S3(3, 2, 5)}};
    PetscCall(ADRunCase(tape, &c, seed++));
  }
  /* composite: MLP 3 -> 9 -> 2 with GELU and tanh hidden layer, MSE */
  for (int a = 1; a <= 2; a++) {
    ADCase c = {a == 1 ? "MLP tanh + MSE" : "MLP gelu + MSE", FMLP, &acts[a], 6, {2, 2, 1, 2, 1, 2}, {S2(6, 3), S2(9, 3), S1(9), S2(2, 9), S1(2), S2(6, 2)}};
    PetscCall(ADRunCase(tape, &c, seed++));
  }
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(CfxFinalize());
  return 0;
}
