static const char help[] = "Times D-LGP set-up (Gram assembly + factorisation) for n ~ 2000 (50 pendulum trajectories x 42\n"
                           "snapshots), median of -reps runs; run with -log_view to split CfxLGPAssemble from CfxLGPFactor\n"
                           "(one LAPACK dpotrf when the first jitter succeeds, plus one dpotrs). Not a test:\n"
                           "build/tests/lgp_perf [-reps 5] [-n_traj 50] -log_view.\n";

#include "lgptest.h"
#include <petscblaslapack.h>

static int Cmp(const void *a, const void *b)
{
  const PetscLogDouble x = *(const PetscLogDouble *)a, y = *(const PetscLogDouble *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
  PetscInt ntraj = 50, reps = 5, n;
  PetscReal *th, *q, jit = 0;
  PetscBool piv = PETSC_FALSE;
  const PetscReal *K;
  PetscLogDouble ta[16], tp[16], t0, t1;
  CfxLGP lgp;

  PetscFunctionBeginUser;
  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n_traj", &ntraj, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-reps", &reps, NULL));
  reps = PetscMin(PetscMax(reps, 1), 16);
  PetscCall(PetscMalloc2(ntraj, &th, ntraj * 42, &q));
  for (PetscInt t = 0; t < ntraj; t++) th[t] = 0.2 + 1.4 * t / (ntraj - 1);
  PetscCall(LGPTestPendulum(ntraj, th, 42, 0.1, q));
  for (PetscInt r = 0; r < reps; r++) {
    PetscCall(CfxLGPCreate(PETSC_COMM_SELF, &lgp));
    PetscCall(CfxLGPSetData(lgp, ntraj, 42, 1, 0.1, q, 0, NULL));
    PetscCall(PetscTime(&t0));
    PetscCall(CfxLGPSetUp(lgp));
    PetscCall(PetscTime(&t1));
    ta[r] = t1 - t0;
    PetscCall(CfxLGPGetGram(lgp, &n, &K));
    PetscCall(CfxLGPGetFactorInfo(lgp, NULL, &jit, &piv, NULL));
    { /* LAPACK dpotrf alone on the same (jittered) matrix, same run */
      PetscReal *A, mean = 0;
      PetscBLASInt bn, info;
      PetscCall(PetscBLASIntCast(n, &bn));
      PetscCall(PetscMalloc1(n * n, &A));
      PetscCall(PetscArraycpy(A, K, n * n));
      for (PetscInt i = 0; i < n; i++) mean += K[i * n + i] / n;
      for (PetscInt i = 0; i < n; i++) A[i * n + i] += jit * mean;
      PetscCall(PetscTime(&t0));
      PetscCallBLAS("LAPACKpotrf", LAPACKpotrf_("L", &bn, A, &bn, &info));
      PetscCall(PetscTime(&t1));
      tp[r] = t1 - t0;
      PetscCheck(info == 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "dpotrf info %d", (int)info);
      PetscCall(PetscFree(A));
    }
    PetscCall(CfxLGPDestroy(&lgp));
  }
  qsort(ta, reps, sizeof(ta[0]), Cmp);
  qsort(tp, reps, sizeof(tp[0]), Cmp);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "{\"n\": %" PetscInt_FMT ", \"setup_assembly_factor_s\": %.4f, \"dpotrf_s\": %.4f, \"jitter\": %g, \"pivoted\": %d, \"reps\": %" PetscInt_FMT "}\n", n,
                        (double)ta[reps / 2], (double)tp[reps / 2], (double)jit, (int)piv, reps));
  PetscCall(PetscFree2(th, q));
  PetscCall(CfxFinalize());
  return 0;
}
