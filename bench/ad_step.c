static const char help[] = "Times one forward + backward of the benchmark models on the conflux tape and prints one JSON line.\n"
                           "  -reps n      timed repetitions (median reported), default 20\n"
                           "  -warmup n    untimed repetitions first, default 3\n";

#include <conflux/conflux.h>

typedef enum { M_MLP, M_FNO, M_FLUX } Model;

typedef struct {
  Model kind;
  CfxModule net;
  CfxParamSet ps;
  CfxTensor x, target;
} Bench;

static PetscErrorCode Setup(Model kind, Bench *b)
{
  CfxRNG rng;
  PetscInt sx[3], st[3], nd;

  PetscFunctionBeginUser;
  b->kind = kind;
  PetscCall(CfxModuleCreate(PETSC_COMM_SELF, &b->net));
  switch (kind) {
    case M_MLP: /* MLP 2 -> 64 -> 64 -> 64 -> 1, tanh, batch 4096 */
      PetscCall(CfxModuleSetType(b->net, CFXMLP));
      PetscCall(CfxModuleMLPSetSizes(b->net, 2, 64, 3, 1));
      PetscCall(CfxModuleMLPSetActivation(b->net, CFX_ACT_TANH));
      nd    = 2;
      sx[0] = st[0] = 4096;
      sx[1]         = 2;
      st[1]         = 1;
      break;
    case M_FNO: /* FNO1d width 32, 4 layers, 16 modes, input u + grid, N = 256, batch 32 */
      PetscCall(CfxModuleSetType(b->net, CFXFNO1D));
      PetscCall(CfxModuleFNO1dSetSizes(b->net, 1, 1, 32, 4, 16));
      PetscCall(CfxModuleFNO1dSetGrid(b->net, PETSC_TRUE));
      nd    = 3;
      sx[0] = st[0] = 32;
      sx[1] = st[1] = 1;
      sx[2] = st[2] = 256;
      break;
    default: /* Flux NO step: stencil MLP 4 -> 64 -> 64 -> 1 (GELU) at every face, N = 256, batch 32 */
      PetscCall(CfxModuleSetType(b->net, CFXMLP));
      PetscCall(CfxModuleMLPSetSizes(b->net, 4, 64, 2, 1));
      PetscCall(CfxModuleMLPSetActivation(b->net, CFX_ACT_GELU));
      nd    = 2;
      sx[0] = st[0] = 32;
      sx[1] = st[1] = 256;
      break;
  }
  PetscCall(CfxModuleSetSeed(b->net, 1));
  PetscCall(CfxModuleSetUp(b->net));
  PetscCall(CfxParamSetCreate(PETSC_COMM_SELF, &b->ps));
  PetscCall(CfxModuleAddParameters(b->net, b->ps));
  PetscCall(CfxParamSetSetUp(b->ps));
  PetscCall(CfxRNGSetSeed(&rng, 2, 0));
  PetscCall(CfxTensorCreate(nd, sx, &b->x));
  PetscCall(CfxTensorCreate(nd, st, &b->target));
  PetscCall(CfxTensorFillUniform(b->x, &rng, -1, 1));
  PetscCall(CfxTensorFillUniform(b->target, &rng, -1, 1));
  PetscFunctionReturn(0);
}

static PetscErrorCode Step(CfxTape tape, Bench *b, PetscReal *loss)
{
  CfxTensor y, L;

  PetscFunctionBeginUser;
  PetscCall(CfxTapeReset(tape));
  PetscCall(CfxParamSetZeroGrad(b->ps));
  if (b->kind == M_FLUX) {
    const PetscInt off[4] = {-1, 0, 1, 2};
    PetscInt sh[2]        = {b->x->shape[0], b->x->shape[1]};
    CfxTensor st, F, Fm, dF;
    PetscCall(CfxOpStencilGather(tape, b->x, 4, off, &st));
    PetscCall(CfxModuleForward(b->net, tape, st, &F));
    PetscCall(CfxOpReshape(tape, F, 2, sh, &F));
    PetscCall(CfxOpShift(tape, F, -1, &Fm));
    PetscCall(CfxOpSub(tape, F, Fm, &dF));
    PetscCall(CfxOpScale(tape, dF, -0.5, 0, &dF));
    PetscCall(CfxOpAdd(tape, b->x, dF, &y));
  } else
    PetscCall(CfxModuleForward(b->net, tape, b->x, &y));
  PetscCall(CfxOpMSELoss(tape, y, b->target, &L));
  PetscCall(CfxTapeBackward(tape, L));
  *loss = L->data[0];
  PetscFunctionReturn(0);
}

static int CmpReal(const void *a, const void *b)
{
  PetscReal x = *(const PetscReal *)a, y = *(const PetscReal *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
  CfxTape tape;
  PetscInt reps = 20, warmup = 3;
  PetscReal med[3], loss;
  size_t used, cap;
  CfxArena arena;
  const char *names[3] = {"mlp", "fno", "flux"};
  PetscLogStage stages[3];

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-reps", &reps, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-warmup", &warmup, NULL));
  PetscCheck(reps >= 1 && warmup >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "-reps must be >= 1 and -warmup >= 0");
  PetscCall(PetscLogStageRegister("MLP step", &stages[0]));
  PetscCall(PetscLogStageRegister("FNO1d step", &stages[1]));
  PetscCall(PetscLogStageRegister("Flux step", &stages[2]));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "{\"bench\": \"ad_step\", \"what\": \"forward + backward, median ms\", \"reps\": %" PetscInt_FMT, reps));
  for (int k = 0; k < 3; k++) {
    Bench b;
    PetscReal *t;
    PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
    PetscCall(Setup((Model)k, &b));
    PetscCall(PetscMalloc1(reps, &t));
    PetscCall(PetscLogStagePush(stages[k]));
    for (PetscInt r = 0; r < warmup; r++) PetscCall(Step(tape, &b, &loss));
    for (PetscInt r = 0; r < reps; r++) {
      PetscLogDouble t0, t1;
      PetscCall(PetscTime(&t0));
      PetscCall(Step(tape, &b, &loss));
      PetscCall(PetscTime(&t1));
      t[r] = (PetscReal)(t1 - t0);
    }
    PetscCall(PetscLogStagePop());
    qsort(t, (size_t)reps, sizeof(PetscReal), CmpReal);
    med[k] = 1e3 * t[reps / 2];
    PetscCall(CfxTapeGetArena(tape, &arena));
    PetscCall(CfxArenaGetUsage(arena, &used, &cap));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, ", \"%s_ms\": %.4f, \"%s_min_ms\": %.4f, \"%s_arena_mb\": %.2f", names[k], (double)med[k], names[k], 1e3 * (double)t[0], names[k], (double)cap / 1048576.0));
    PetscCall(PetscFree(t));
    PetscCall(CfxTensorDestroy(&b.x));
    PetscCall(CfxTensorDestroy(&b.target));
    PetscCall(CfxModuleDestroy(&b.net));
    PetscCall(CfxParamSetDestroy(&b.ps));
    PetscCall(CfxTapeDestroy(&tape));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, ", \"openblas_threads\": \"%s\"}\n", getenv("OPENBLAS_NUM_THREADS") ? getenv("OPENBLAS_NUM_THREADS") : "default"));
  PetscCall(CfxFinalize());
  return 0;
}
