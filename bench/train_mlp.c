/* One training step (forward + backward + Adam) of an MLP 2-64-64-64-1 with tanh on a batch
   of 4096, float64, as bench/train_mlp.py does in PyTorch. Prints one JSON line: median and
   minimum step time over -reps repetitions after -warmup steps, and the peak resident set.
   Options: -batch, -width, -reps (default 20), -warmup (default 5), -fused (default true:
   the fused CfxOpMLP that the MLP module uses; false: one CfxOpLinear per layer). Run through
   bench/run_training_bench.sh for the comparison. */
#include <conflux/conflux.h>
#include <conflux/cfxoptim.h>
#include "step_timing.h"

int main(int argc, char **argv)
{
  PetscInt batch = 4096, width = 64, reps = 20, warmup = 5, nlayer = 4;
  PetscBool fused       = PETSC_TRUE;
  CfxActivation acts[4] = {CFX_ACT_TANH, CFX_ACT_TANH, CFX_ACT_TANH, CFX_ACT_NONE};
  CfxTensor w[4], b[4], x, y;
  CfxParamSet ps;
  CfxTape tape;
  CfxOptimizer opt;
  CfxRNG rng;
  PetscReal *times, lossval = 0;
  double median_ms, min_ms, rss_mb;

  PetscCall(CfxInitialize(&argc, &argv, NULL, "MLP training-step benchmark"));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-batch", &batch, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-width", &width, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-reps", &reps, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-warmup", &warmup, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-fused", &fused, NULL));
  PetscCall(CfxRNGSetSeed(&rng, 1, 0));
  PetscCall(CfxParamSetCreate(PETSC_COMM_SELF, &ps));
  for (PetscInt l = 0; l < nlayer; l++) {
    PetscInt in = l == 0 ? 2 : width, out = l == nlayer - 1 ? 1 : width, ws[2] = {out, in};
    PetscReal bound = 1 / PetscSqrtReal((PetscReal)in);
    char name[32];
    PetscCall(CfxTensorCreate(2, ws, &w[l]));
    PetscCall(CfxTensorCreate(1, ws, &b[l]));
    PetscCall(CfxTensorFillUniform(w[l], &rng, -bound, bound));
    PetscCall(CfxTensorFillUniform(b[l], &rng, -bound, bound));
    PetscCall(PetscSNPrintf(name, sizeof(name), "linear%d.weight", (int)l));
    PetscCall(CfxParamSetAdd(ps, name, w[l]));
    PetscCall(PetscSNPrintf(name, sizeof(name), "linear%d.bias", (int)l));
    PetscCall(CfxParamSetAdd(ps, name, b[l]));
  }
  PetscCall(CfxParamSetSetUp(ps));
  {
    PetscInt xs[2] = {batch, 2}, ys[2] = {batch, 1};
    PetscCall(CfxTensorCreate(2, xs, &x));
    PetscCall(CfxTensorCreate(2, ys, &y));
    PetscCall(CfxTensorFillUniform(x, &rng, -1, 1));
    for (PetscInt i = 0; i < batch; i++) y->data[i] = PetscSinReal(PETSC_PI * x->data[2 * i]) * x->data[2 * i + 1];
  }
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  PetscCall(CfxOptimizerCreate(PETSC_COMM_SELF, &opt));
  PetscCall(CfxOptimizerSetParamSet(opt, ps));
  PetscCall(CfxOptimizerSetFromOptions(opt));
  PetscCall(CfxOptimizerSetUp(opt));
  PetscCall(PetscMalloc1(reps, &times));
  for (PetscInt r = -warmup; r < reps; r++) {
    PetscLogDouble t0, t1;
    CfxTensor h = x, loss;
    PetscCall(PetscTime(&t0));
    PetscCall(CfxParamSetZeroGrad(ps));
    if (fused)
      PetscCall(CfxOpMLP(tape, x, nlayer, w, b, acts, &h));
    else
      for (PetscInt l = 0; l < nlayer; l++) PetscCall(CfxOpLinear(tape, h, w[l], b[l], acts[l], &h));
    PetscCall(CfxOpMSELoss(tape, h, y, &loss));
    lossval = loss->data[0];
    PetscCall(CfxTapeBackward(tape, loss));
    PetscCall(CfxTapeReset(tape));
    PetscCall(CfxOptimizerStep(opt));
    PetscCall(PetscTime(&t1));
    if (r >= 0) times[r] = t1 - t0;
  }
  StepTimingSummary(times, reps, &median_ms, &min_ms, &rss_mb);
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "{\"bench\": \"train_mlp\", \"impl\": \"conflux\", \"fused\": %s, \"batch\": %d, \"width\": %d, \"reps\": %d, \"median_ms\": %.4f, \"min_ms\": %.4f, \"peak_rss_mb\": %.1f, "
                        "\"final_loss\": %.6e}\n",
                        fused ? "true" : "false", (int)batch, (int)width, (int)reps, median_ms, min_ms, rss_mb, (double)lossval));
  PetscCall(PetscFree(times));
  PetscCall(CfxOptimizerDestroy(&opt));
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(CfxParamSetDestroy(&ps));
  for (PetscInt l = 0; l < nlayer; l++) {
    PetscCall(CfxTensorDestroy(&w[l]));
    PetscCall(CfxTensorDestroy(&b[l]));
  }
  PetscCall(CfxTensorDestroy(&x));
  PetscCall(CfxTensorDestroy(&y));
  PetscCall(CfxFinalize());
  return 0;
}
