/* Training throughput of the Flux NO at paper scale (lift 4 -> 64, one Fourier layer of 5
   modes, projection 64 -> 128 -> 1; Euler step, consistency loss, Adam): the median time of one
   optimizer step on a batch of B frame pairs of N cells, after warm-up. Prints one JSON line.
   Usage: fluxno_train [-batch 100] [-n 128] [-steps 20]; compare with fluxno_train_torch.py
   (bench/fluxno_train.sh runs both). */
#include <conflux/conflux.h>
#include <petsctime.h>

static int CmpDouble(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
  PetscInt B = 100, N = 128, K = 20, shape[2];
  CfxFluxNO m;
  CfxOptimizer opt;
  CfxParamSet ps;
  CfxTape tape;
  CfxTensor U, V;
  CfxRNG rng;
  double *t;

  PetscCall(CfxInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-batch", &B, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n", &N, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-steps", &K, NULL));
  shape[0] = B;
  shape[1] = N;
  PetscCall(CfxFluxNOCreate(PETSC_COMM_SELF, &m));
  PetscCall(CfxFluxNOSetRatio(m, 1.28));
  PetscCall(CfxFluxNOSetPhysicalFlux(m, "burgers", 0, NULL));
  PetscCall(CfxFluxNOSetUp(m));
  PetscCall(CfxFluxNOGetParamSet(m, &ps));
  PetscCall(CfxOptimizerCreate(PETSC_COMM_SELF, &opt));
  PetscCall(CfxOptimizerSetParamSet(opt, ps));
  PetscCall(CfxOptimizerSetType(opt, CFX_OPTIMIZER_ADAM));
  PetscCall(CfxOptimizerSetWeightDecay(opt, 1e-3));
  PetscCall(CfxOptimizerSetUp(opt));
  PetscCall(CfxTensorCreate(2, shape, &U));
  PetscCall(CfxTensorCreate(2, shape, &V));
  PetscCall(CfxRNGSetSeed(&rng, 1, 0));
  PetscCall(CfxTensorFillUniform(U, &rng, -1, 1));
  PetscCall(CfxTensorFillUniform(V, &rng, -1, 1));
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  PetscCall(PetscMalloc1(K, &t));
  for (PetscInt k = -3; k < K; k++) {
    PetscLogDouble a, b;
    CfxTensor loss;
    PetscCall(PetscTime(&a));
    PetscCall(CfxParamSetZeroGrad(ps));
    PetscCall(CfxFluxNOLoss(m, tape, U, V, &loss, NULL, NULL));
    PetscCall(CfxTapeBackward(tape, loss));
    PetscCall(CfxTapeReset(tape));
    PetscCall(CfxOptimizerStep(opt));
    PetscCall(PetscTime(&b));
    if (k >= 0) t[k] = b - a;
  }
  qsort(t, (size_t)K, sizeof(double), CmpDouble);
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "{\"bench\":\"fluxno_train\",\"impl\":\"conflux\",\"batch\":%" PetscInt_FMT ",\"n\":%" PetscInt_FMT ",\"median_step_s\":%.6f,\"samples_per_s\":%.1f}\n", B, N,
                        t[K / 2], B / t[K / 2]));
  PetscCall(PetscFree(t));
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(CfxTensorDestroy(&U));
  PetscCall(CfxTensorDestroy(&V));
  PetscCall(CfxOptimizerDestroy(&opt));
  PetscCall(CfxFluxNODestroy(&m));
  PetscCall(CfxFinalize());
  return 0;
}
