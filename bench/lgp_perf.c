static const char help[] = "Times D-LGP set-up (Gram assembly + factorisation) for n ~ 2000 (50 pendulum trajectories x 42\n"
                           "snapshots), median of -reps runs, next to LAPACK dpotrf alone on the same (jittered) Gram\n"
                           "matrix in the same run, and the rollout speed of that model (mean only, and with the\n"
                           "linearised std). One JSON line. Run with -log_view to split CfxLGPAssemble from CfxLGPFactor:\n"
                           "build/bench/lgp_perf [-reps 5] [-n_traj 50] [-steps 2000] [-std_steps 200] -log_view.\n";

#include <conflux/conflux.h>
#include <petscblaslapack.h>

/* ntraj pendulum trajectories released from rest at theta0[t] (CVODE), nsteps snapshots at step h. */
static PetscErrorCode Pendulum(PetscInt ntraj, const PetscReal theta0[], PetscInt nsteps, PetscReal h, PetscReal q[])
{
  CfxODE ode;
  PetscReal *times, *Y;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(nsteps, &times, 2 * nsteps, &Y));
  PetscCall(CfxODECreate(PETSC_COMM_SELF, &ode));
  PetscCall(CfxODESetPendulum(ode, 1, 1, 1));
  PetscCall(CfxODESetTolerances(ode, 1e-12, 1e-14));
  PetscCall(CfxODESetMaxSteps(ode, 100000));
  for (PetscInt k = 0; k < nsteps; k++) times[k] = k * h;
  for (PetscInt t = 0; t < ntraj; t++) {
    PetscReal y0[2] = {theta0[t], 0};
    PetscCall(CfxODESolve(ode, 0, y0, nsteps, times, Y));
    for (PetscInt k = 0; k < nsteps; k++) q[t * nsteps + k] = Y[2 * k];
  }
  PetscCall(CfxODEDestroy(&ode));
  PetscCall(PetscFree2(times, Y));
  PetscFunctionReturn(0);
}
static int Cmp(const void *a, const void *b)
{
  const PetscLogDouble x = *(const PetscLogDouble *)a, y = *(const PetscLogDouble *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
  PetscInt ntraj = 50, reps = 5, n, steps = 2000, sstd = 200;
  PetscReal *Q, *S, rollMean, rollStd;
  PetscReal *th, *q, jit = 0;
  PetscBool piv = PETSC_FALSE;
  const PetscReal *K;
  PetscLogDouble ta[16], tp[16], t0, t1;
  CfxLGP lgp;

  PetscFunctionBeginUser;
  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n_traj", &ntraj, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-reps", &reps, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-steps", &steps, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-std_steps", &sstd, NULL));
  PetscCheck(ntraj >= 2 && steps >= 2 && sstd >= 2, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "expected -n_traj, -steps, -std_steps >= 2");
  reps = PetscMin(PetscMax(reps, 1), 16);
  PetscCall(PetscMalloc2(ntraj, &th, ntraj * 42, &q));
  for (PetscInt t = 0; t < ntraj; t++) th[t] = 0.2 + 1.4 * t / (ntraj - 1);
  PetscCall(Pendulum(ntraj, th, 42, 0.1, q));
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
  { /* rollout speed of the same model from theta0 = 1 (inside the data), mean only and with the linearised std */
    PetscReal q01[2] = {1.0, 0};
    PetscCall(Pendulum(1, &q01[0], 2, 0.1, q01));
    PetscCall(PetscMalloc2(steps + 1, &Q, steps + 1, &S));
    PetscCall(CfxLGPCreate(PETSC_COMM_SELF, &lgp));
    PetscCall(CfxLGPSetData(lgp, ntraj, 42, 1, 0.1, q, 0, NULL));
    PetscCall(CfxLGPSetUp(lgp));
    PetscCall(PetscTime(&t0));
    PetscCall(CfxLGPRollout(lgp, &q01[0], &q01[1], steps, NULL, Q, NULL, NULL));
    PetscCall(PetscTime(&t1));
    rollMean = steps / (t1 - t0);
    PetscCall(PetscTime(&t0));
    PetscCall(CfxLGPRollout(lgp, &q01[0], &q01[1], PetscMin(sstd, steps), NULL, Q, S, NULL));
    PetscCall(PetscTime(&t1));
    rollStd = PetscMin(sstd, steps) / (t1 - t0);
    PetscCall(CfxLGPDestroy(&lgp));
    PetscCall(PetscFree2(Q, S));
  }
  qsort(ta, reps, sizeof(ta[0]), Cmp);
  qsort(tp, reps, sizeof(tp[0]), Cmp);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                        "{\"bench\": \"lgp_perf\", \"n\": %" PetscInt_FMT ", \"setup_assembly_factor_s\": %.4f, \"dpotrf_s\": %.4f, \"setup_over_dpotrf\": %.2f, \"jitter\": %g, \"pivoted\": %d, "
                        "\"reps\": %" PetscInt_FMT ", \"rollout_steps_per_s\": %.1f, \"rollout_with_std_steps_per_s\": %.1f}\n",
                        n, (double)ta[reps / 2], (double)tp[reps / 2], (double)(ta[reps / 2] / tp[reps / 2]), (double)jit, (int)piv, reps, (double)rollMean, (double)rollStd));
  PetscCall(PetscFree2(th, q));
  PetscCall(CfxFinalize());
  return 0;
}
