/* One training step (forward + backward + Adam) of a Flux NO step, float64, as
   bench/train_fluxno.py does in PyTorch: the stencil (u[j-1], u[j], u[j+1], u[j+2]) of every
   face j+1/2 of a periodic grid goes through an MLP 4-64-64-1 with GELU, giving the face flux
   F[j]; the conservative update u[j] - (dt/dx) (F[j] - F[j-1]) with dt/dx = 1/2 is compared
   with a target by MSE. Batch 32 of N = 256 cells. Prints one JSON line: median and minimum
   step time over -reps repetitions after -warmup steps, and the peak resident set.
   Options: -batch, -n, -width, -reps (default 20), -warmup (default 5). */
#include <conflux/conflux.h>
#include <conflux/cfxnn.h>
#include <conflux/cfxoptim.h>
#include "step_timing.h"

int main(int argc, char **argv)
{
  PetscInt batch = 32, n = 256, width = 64, reps = 20, warmup = 5;
  const PetscInt off[4] = {-1, 0, 1, 2};
  CfxModule mlp;
  CfxTensor u, target;
  CfxParamSet ps;
  CfxTape tape;
  CfxOptimizer opt;
  CfxRNG rng;
  PetscReal *times, lossval = 0;
  double median_ms, min_ms, rss_mb;

  PetscCall(CfxInitialize(&argc, &argv, NULL, "Flux NO training-step benchmark"));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-batch", &batch, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n", &n, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-width", &width, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-reps", &reps, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-warmup", &warmup, NULL));
  PetscCall(CfxModuleCreate(PETSC_COMM_SELF, &mlp));
  PetscCall(CfxModuleSetType(mlp, CFXMLP));
  PetscCall(CfxModuleMLPSetSizes(mlp, 4, width, 2, 1));
  PetscCall(CfxModuleMLPSetActivation(mlp, CFX_ACT_GELU));
  PetscCall(CfxModuleSetSeed(mlp, 1));
  PetscCall(CfxModuleSetFromOptions(mlp));
  PetscCall(CfxModuleSetUp(mlp));
  PetscCall(CfxParamSetCreate(PETSC_COMM_SELF, &ps));
  PetscCall(CfxModuleAddParameters(mlp, ps));
  PetscCall(CfxParamSetSetUp(ps));
  {
    PetscInt s[2] = {batch, n};
    PetscCall(CfxRNGSetSeed(&rng, 2, 0));
    PetscCall(CfxTensorCreate(2, s, &u));
    PetscCall(CfxTensorCreate(2, s, &target));
    PetscCall(CfxTensorFillUniform(u, &rng, -1, 1));
    /* target: the exact half-cell upwind shift of u (a linear advection step at CFL 1/2) */
    for (PetscInt b = 0; b < batch; b++)
      for (PetscInt j = 0; j < n; j++) target->data[b * n + j] = 0.5 * (u->data[b * n + j] + u->data[b * n + (j + n - 1) % n]);
  }
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  PetscCall(CfxOptimizerCreate(PETSC_COMM_SELF, &opt));
  PetscCall(CfxOptimizerSetParamSet(opt, ps));
  PetscCall(CfxOptimizerSetFromOptions(opt));
  PetscCall(CfxOptimizerSetUp(opt));
  PetscCall(PetscMalloc1(reps, &times));
  for (PetscInt r = -warmup; r < reps; r++) {
    PetscLogDouble t0, t1;
    PetscInt sh[2] = {batch, n};
    CfxTensor st, F, Fm, dF, y, loss;
    PetscCall(PetscTime(&t0));
    PetscCall(CfxParamSetZeroGrad(ps));
    PetscCall(CfxOpStencilGather(tape, u, 4, off, &st)); /* [B, N, 4] */
    PetscCall(CfxModuleForward(mlp, tape, st, &F));      /* [B, N, 1]: F[j] at face j+1/2 */
    PetscCall(CfxOpReshape(tape, F, 2, sh, &F));
    PetscCall(CfxOpShift(tape, F, -1, &Fm)); /* F[j-1] */
    PetscCall(CfxOpSub(tape, F, Fm, &dF));
    PetscCall(CfxOpScale(tape, dF, -0.5, 0, &dF));
    PetscCall(CfxOpAdd(tape, u, dF, &y));
    PetscCall(CfxOpMSELoss(tape, y, target, &loss));
    lossval = loss->data[0];
    PetscCall(CfxTapeBackward(tape, loss));
    PetscCall(CfxTapeReset(tape));
    PetscCall(CfxOptimizerStep(opt));
    PetscCall(PetscTime(&t1));
    if (r >= 0) times[r] = t1 - t0;
  }
  StepTimingSummary(times, reps, &median_ms, &min_ms, &rss_mb);
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "{\"bench\": \"train_fluxno\", \"impl\": \"conflux\", \"batch\": %d, \"n\": %d, \"width\": %d, \"reps\": %d, \"median_ms\": %.4f, \"min_ms\": %.4f, \"peak_rss_mb\": %.1f, "
                        "\"final_loss\": %.6e}\n",
                        (int)batch, (int)n, (int)width, (int)reps, median_ms, min_ms, rss_mb, (double)lossval));
  PetscCall(PetscFree(times));
  PetscCall(CfxOptimizerDestroy(&opt));
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(CfxParamSetDestroy(&ps));
  PetscCall(CfxModuleDestroy(&mlp));
  PetscCall(CfxTensorDestroy(&u));
  PetscCall(CfxTensorDestroy(&target));
  PetscCall(CfxFinalize());
  return 0;
}
