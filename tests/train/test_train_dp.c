/* Data-parallel training: 20 Adam steps of a 3-16-16-1 tanh MLP on a regression batch of 64
   samples, run (a) on all ranks of PETSC_COMM_WORLD with S shards (default 2, -train_shards),
   (b) on one rank with the same S shards, (c) on one rank with the whole batch (S = 1).
   Asserts the parameters of (a) vs (b) and (a) vs (c) agree to 1e-12 relative (max norm),
   and that the 2-shard gradient of an uneven batch (63 = 31 + 32) equals the full-batch one. */
#include <conflux/conflux.h>
#include <conflux/cfxoptim.h>
#include <conflux/cfxtrain.h>

#define DIN   3
#define WIDTH 16
#define BATCH 64
#define STEPS 20

typedef struct {
  PetscReal x[BATCH * DIN], y[BATCH];
  CfxTensor w[3], b[3];
} Problem;

static PetscErrorCode ShardLoss(CfxTape tape, PetscInt start, PetscInt count, CfxTensor *loss, void *ptr)
{
  Problem *pb    = (Problem *)ptr;
  PetscInt xs[2] = {count, DIN}, ys[2] = {count, 1};
  CfxActivation act[3] = {CFX_ACT_TANH, CFX_ACT_TANH, CFX_ACT_NONE};
  CfxTensor h, y;

  PetscFunctionBeginUser;
  PetscCall(CfxTapeNewTensorWithData(tape, 2, xs, pb->x + start * DIN, &h));
  PetscCall(CfxTapeNewTensorWithData(tape, 2, ys, pb->y + start, &y));
  for (PetscInt l = 0; l < 3; l++) PetscCall(CfxOpLinear(tape, h, pb->w[l], pb->b[l], act[l], &h));
  PetscCall(CfxOpMSELoss(tape, h, y, loss));
  PetscFunctionReturn(0);
}

/* Fresh model (same seed everywhere) and parameter set. */
static PetscErrorCode SetUpProblem(Problem *pb, CfxParamSet *ps)
{
  const PetscInt shapes[3][2] = {{WIDTH, DIN}, {WIDTH, WIDTH}, {1, WIDTH}};
  CfxRNG rng;

  PetscFunctionBeginUser;
  PetscCall(CfxRNGSetSeed(&rng, 2024, 1));
  for (PetscInt i = 0; i < BATCH; i++) {
    PetscReal *x = pb->x + i * DIN;
    for (PetscInt k = 0; k < DIN; k++) x[k] = 2 * CfxRNGUniform(&rng) - 1;
    pb->y[i] = PetscSinReal(2 * x[0]) + x[1] * x[2];
  }
  PetscCall(CfxParamSetCreate(PETSC_COMM_SELF, ps));
  for (PetscInt l = 0; l < 3; l++) {
    char name[32];
    PetscReal bound = 1 / PetscSqrtReal((PetscReal)shapes[l][1]);
    PetscCall(CfxTensorCreate(2, shapes[l], &pb->w[l]));
    PetscCall(CfxTensorCreate(1, shapes[l], &pb->b[l]));
    PetscCall(CfxTensorFillUniform(pb->w[l], &rng, -bound, bound));
    PetscCall(CfxTensorFillUniform(pb->b[l], &rng, -bound, bound));
    PetscCall(PetscSNPrintf(name, sizeof(name), "mlp.linear%d.weight", (int)l));
    PetscCall(CfxParamSetAdd(*ps, name, pb->w[l]));
    PetscCall(PetscSNPrintf(name, sizeof(name), "mlp.linear%d.bias", (int)l));
    PetscCall(CfxParamSetAdd(*ps, name, pb->b[l]));
  }
  PetscCall(CfxParamSetSetUp(*ps));
  PetscFunctionReturn(0);
}

static PetscErrorCode DestroyProblem(Problem *pb, CfxParamSet *ps)
{
  PetscFunctionBeginUser;
  PetscCall(CfxParamSetDestroy(ps));
  for (PetscInt l = 0; l < 3; l++) {
    PetscCall(CfxTensorDestroy(&pb->w[l]));
    PetscCall(CfxTensorDestroy(&pb->b[l]));
  }
  PetscFunctionReturn(0);
}

/* STEPS Adam steps on `comm` with `shards` shards (0: from -train_shards, default 2). */
static PetscErrorCode Train(MPI_Comm comm, PetscInt shards, PetscReal **params, PetscInt *n, PetscReal losses[STEPS], PetscInt *used)
{
  Problem pb;
  CfxParamSet ps;
  CfxTape tape;
  CfxOptimizer opt;
  CfxDataParallel dp;
  PetscReal *p;

  PetscFunctionBeginUser;
  PetscCall(SetUpProblem(&pb, &ps));
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  PetscCall(CfxOptimizerCreate(comm, &opt));
  PetscCall(CfxOptimizerSetParamSet(opt, ps));
  PetscCall(CfxOptimizerSetType(opt, CFX_OPTIMIZER_ADAM));
  PetscCall(CfxOptimizerSetLearningRate(opt, 1e-2));
  PetscCall(CfxOptimizerSetUp(opt));
  PetscCall(CfxDataParallelCreate(comm, ps, &dp));
  if (shards)
    PetscCall(CfxDataParallelSetShards(dp, shards));
  else {
    PetscCall(CfxDataParallelSetShards(dp, 2));
    PetscCall(CfxDataParallelSetFromOptions(dp));
  }
  PetscCall(CfxDataParallelGetShards(dp, used));
  for (PetscInt k = 0; k < STEPS; k++) {
    PetscCall(CfxDataParallelComputeGradient(dp, tape, BATCH, ShardLoss, &pb, &losses[k]));
    PetscCall(CfxOptimizerStep(opt));
  }
  PetscCall(CfxParamSetGetSize(ps, n));
  PetscCall(CfxParamSetGetArrays(ps, &p, NULL));
  PetscCall(PetscMalloc1(*n, params));
  PetscCall(PetscArraycpy(*params, p, *n));
  PetscCall(CfxDataParallelDestroy(&dp));
  PetscCall(CfxOptimizerDestroy(&opt));
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(DestroyProblem(&pb, &ps));
  PetscFunctionReturn(0);
}

static PetscReal RelDiff(PetscInt n, const PetscReal *a, const PetscReal *b)
{
  PetscReal d = 0, r = 0;
  for (PetscInt i = 0; i < n; i++) {
    d = PetscMax(d, PetscAbsReal(a[i] - b[i]));
    r = PetscMax(r, PetscAbsReal(b[i]));
  }
  return d / r;
}

/* Shard weights: an uneven split must give the full-batch gradient. */
static PetscErrorCode TestUnevenShards(void)
{
  Problem pb;
  CfxParamSet ps;
  CfxTape tape;
  CfxDataParallel dp;
  PetscReal *g, *gfull, lfull, l2;
  PetscInt n;

  PetscFunctionBeginUser;
  PetscCall(SetUpProblem(&pb, &ps));
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  PetscCall(CfxDataParallelCreate(PETSC_COMM_SELF, ps, &dp));
  PetscCall(CfxParamSetGetSize(ps, &n));
  PetscCall(CfxParamSetGetArrays(ps, NULL, &g));
  PetscCall(PetscMalloc1(n, &gfull));
  PetscCall(CfxDataParallelSetShards(dp, 1));
  PetscCall(CfxDataParallelComputeGradient(dp, tape, BATCH - 1, ShardLoss, &pb, &lfull));
  PetscCall(PetscArraycpy(gfull, g, n));
  PetscCall(CfxDataParallelSetShards(dp, 2));
  PetscCall(CfxDataParallelComputeGradient(dp, tape, BATCH - 1, ShardLoss, &pb, &l2));
  PetscCall(
      PetscPrintf(PETSC_COMM_SELF, "uneven shards 31+32 vs full batch of 63: gradient rel diff %.2e, loss rel diff %.2e\n", (double)RelDiff(n, g, gfull), (double)(PetscAbsReal(l2 - lfull) / lfull)));
  PetscCheck(RelDiff(n, g, gfull) <= 1e-13 && PetscAbsReal(l2 - lfull) <= 1e-14 * lfull, PETSC_COMM_SELF, PETSC_ERR_PLIB, "shard weighting wrong: gradient differs by %g",
             (double)RelDiff(n, g, gfull));
  PetscCall(PetscFree(gfull));
  PetscCall(CfxDataParallelDestroy(&dp));
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(DestroyProblem(&pb, &ps));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscReal *pw, *ps, *pf, lw[STEPS], ls[STEPS], lf[STEPS], dsame, dfull;
  PetscInt n, shards, dummy;
  PetscMPIInt size;

  PetscCall(CfxInitialize(&argc, &argv, NULL, "Data-parallel training: 1 vs P ranks"));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(Train(PETSC_COMM_WORLD, 0, &pw, &n, lw, &shards));
  PetscCall(Train(PETSC_COMM_SELF, shards, &ps, &n, ls, &dummy));
  PetscCall(Train(PETSC_COMM_SELF, 1, &pf, &n, lf, &dummy));
  dsame = RelDiff(n, pw, ps);
  dfull = RelDiff(n, pw, pf);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d steps of Adam, %d parameters, batch %d: loss %.6e -> %.6e\n", STEPS, (int)n, BATCH, (double)lw[0], (double)lw[STEPS - 1]));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d ranks x %d shards vs 1 rank x %d shards: max rel parameter diff %.3e\n", (int)size, (int)shards, (int)shards, (double)dsame));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d ranks x %d shards vs 1 rank, whole batch: max rel parameter diff %.3e\n", (int)size, (int)shards, (double)dfull));
  PetscCheck(lw[STEPS - 1] < 0.5 * lw[0], PETSC_COMM_WORLD, PETSC_ERR_PLIB, "training did not reduce the loss: %g -> %g", (double)lw[0], (double)lw[STEPS - 1]);
  PetscCheck(dsame <= 1e-12, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "parallel and serial runs with the same shards differ by %g > 1e-12", (double)dsame);
  PetscCheck(dfull <= 1e-12, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "parallel and whole-batch serial runs differ by %g > 1e-12", (double)dfull);
  PetscCall(TestUnevenShards());
  PetscCall(PetscFree(pw));
  PetscCall(PetscFree(ps));
  PetscCall(PetscFree(pf));
  PetscCall(CfxFinalize());
  return 0;
}
