/* One training step (forward + backward + Adam) of an FNO1d (width 32, 4 Fourier layers of
   16 modes, grid channel, projection 32-128-1, GELU) on a batch of 32 fields of N = 256,
   float64, as bench/train_fno.py does in PyTorch. Prints one JSON line: median and minimum
   step time over -reps repetitions after -warmup steps, and the peak resident set.
   Options: -batch, -n, -reps (default 20), -warmup (default 5). */
#include <conflux/conflux.h>
#include <conflux/cfxnn.h>
#include <conflux/cfxoptim.h>
#include "step_timing.h"

int main(int argc, char **argv)
{
  PetscInt batch = 32, n = 256, reps = 20, warmup = 5;
  CfxModule fno;
  CfxTensor x, y;
  CfxParamSet ps;
  CfxTape tape;
  CfxOptimizer opt;
  CfxRNG rng;
  PetscReal *times, lossval = 0;
  double median_ms, min_ms, rss_mb;

  PetscCall(CfxInitialize(&argc, &argv, NULL, "FNO1d training-step benchmark"));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-batch", &batch, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n", &n, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-reps", &reps, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-warmup", &warmup, NULL));
  PetscCall(CfxModuleCreate(PETSC_COMM_SELF, &fno));
  PetscCall(CfxModuleSetType(fno, CFXFNO1D));
  PetscCall(CfxModuleFNO1dSetSizes(fno, 1, 1, 32, 4, 16));
  PetscCall(CfxModuleFNO1dSetProjectionWidth(fno, 128));
  PetscCall(CfxModuleFNO1dSetGrid(fno, PETSC_TRUE));
  PetscCall(CfxModuleFNO1dSetActivation(fno, CFX_ACT_GELU));
  PetscCall(CfxModuleSetSeed(fno, 1));
  PetscCall(CfxModuleSetFromOptions(fno));
  PetscCall(CfxModuleSetUp(fno));
  PetscCall(CfxParamSetCreate(PETSC_COMM_SELF, &ps));
  PetscCall(CfxModuleAddParameters(fno, ps));
  PetscCall(CfxParamSetSetUp(ps));
  {
    PetscInt xs[3] = {batch, 1, n};
    PetscCall(CfxRNGSetSeed(&rng, 2, 0));
    PetscCall(CfxTensorCreate(3, xs, &x));
    PetscCall(CfxTensorCreate(3, xs, &y));
    PetscCall(CfxTensorFillNormal(x, &rng, 0, 1));
    for (PetscInt i = 0; i < batch * n; i++) y->data[i] = PetscSinReal(x->data[i]);
  }
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  PetscCall(CfxOptimizerCreate(PETSC_COMM_SELF, &opt));
  PetscCall(CfxOptimizerSetParamSet(opt, ps));
  PetscCall(CfxOptimizerSetFromOptions(opt));
  PetscCall(CfxOptimizerSetUp(opt));
  PetscCall(PetscMalloc1(reps, &times));
  for (PetscInt r = -warmup; r < reps; r++) {
    PetscLogDouble t0, t1;
    CfxTensor out, loss;
    PetscCall(PetscTime(&t0));
    PetscCall(CfxParamSetZeroGrad(ps));
    PetscCall(CfxModuleForward(fno, tape, x, &out));
    PetscCall(CfxOpMSELoss(tape, out, y, &loss));
    lossval = loss->data[0];
    PetscCall(CfxTapeBackward(tape, loss));
    PetscCall(CfxTapeReset(tape));
    PetscCall(CfxOptimizerStep(opt));
    PetscCall(PetscTime(&t1));
    if (r >= 0) times[r] = t1 - t0;
  }
  StepTimingSummary(times, reps, &median_ms, &min_ms, &rss_mb);
  PetscCall(
      PetscPrintf(PETSC_COMM_SELF,
                  "{\"bench\": \"train_fno\", \"impl\": \"conflux\", \"batch\": %d, \"n\": %d, \"reps\": %d, \"median_ms\": %.4f, \"min_ms\": %.4f, \"peak_rss_mb\": %.1f, \"final_loss\": %.6e}\n",
                  (int)batch, (int)n, (int)reps, median_ms, min_ms, rss_mb, (double)lossval));
  PetscCall(PetscFree(times));
  PetscCall(CfxOptimizerDestroy(&opt));
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(CfxParamSetDestroy(&ps));
  PetscCall(CfxModuleDestroy(&fno));
  PetscCall(CfxTensorDestroy(&x));
  PetscCall(CfxTensorDestroy(&y));
  PetscCall(CfxFinalize());
  return 0;
}
