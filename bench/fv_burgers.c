static const char help[] = "Cell updates per second of CfxFV for Burgers (MUSCL-MC + Rusanov + SSP-RK3 with 4 stages, periodic,\n"
                           "CFL 0.5) against a plain C loop of the identical scheme in the same run, on 1 rank and on all ranks\n"
                           "of the run, plus a STREAM-triad bandwidth figure. Prints one JSON line per measurement.\n"
                           "Options: -n <cells, default 2^20> -steps <time steps per repetition, 10> -reps <5> -triad_n <2^24>\n"
                           "Run: mpiexec -n 2 ./fv_burgers   (OMP_NUM_THREADS=1; the 1-rank figures run on rank 0 while the others wait)\n";

#include <conflux/conflux.h>

/* ---- the plain C loop: periodic Burgers, MUSCL with the MC limiter, Rusanov, SSPRK(4,3) ---- */

static inline PetscReal Minmod(PetscReal a, PetscReal b) { return a * b <= 0 ? 0 : (a > 0 ? PetscMin(a, b) : PetscMax(a, b)); }
static inline PetscReal MC(PetscReal a, PetscReal b) { return Minmod(0.5 * (a + b), Minmod(2 * a, 2 * b)); }

/* L(u) = -(F_{i+1/2} - F_{i-1/2})/dx on n cells; g holds u with two ghost cells each side. */
static void PlainRHS(PetscInt n, PetscReal dx, PetscReal *g, const PetscReal *u, PetscReal *L, PetscReal *flux)
{
  for (PetscInt i = 0; i < n; i++) g[i + 2] = u[i];
  g[0]     = u[n - 2];
  g[1]     = u[n - 1];
  g[n + 2] = u[0];
  g[n + 3] = u[1];
  for (PetscInt f = 0; f <= n; f++) { /* face between cells f-1 and f: g[f+1] | g[f+2] */
    const PetscReal *w = g + f;
    PetscReal uL = w[1] + 0.5 * MC(w[1] - w[0], w[2] - w[1]), uR = w[2] - 0.5 * MC(w[2] - w[1], w[3] - w[2]);
    PetscReal a = PetscMax(PetscAbsReal(uL), PetscAbsReal(uR));
    flux[f]     = 0.25 * (uL * uL + uR * uR) - 0.5 * a * (uR - uL);
  }
  for (PetscInt i = 0; i < n; i++) L[i] = -(flux[i + 1] - flux[i]) / dx;
}

/* steps of SSPRK(4,3) (Kraaijevanger; SSP coefficient 2): the method TSSSPRKS3 uses with 4 stages */
static void PlainSolve(PetscInt n, PetscInt steps, PetscReal cfl, PetscReal *u, PetscReal *t)
{
  PetscReal dx = 1.0 / n, *g, *L, *flux, *u1, *u2;

  PetscMalloc1(n + 4, &g);
  PetscMalloc1(n, &L);
  PetscMalloc1(n + 1, &flux);
  PetscMalloc1(n, &u1);
  PetscMalloc1(n, &u2);
  for (PetscInt s = 0; s < steps; s++) {
    PetscReal a = 0, dt;
    for (PetscInt i = 0; i < n; i++) a = PetscMax(a, PetscAbsReal(u[i]));
    dt = cfl * dx / a;
    PlainRHS(n, dx, g, u, L, flux);
    for (PetscInt i = 0; i < n; i++) u1[i] = u[i] + 0.5 * dt * L[i];
    PlainRHS(n, dx, g, u1, L, flux);
    for (PetscInt i = 0; i < n; i++) u2[i] = u1[i] + 0.5 * dt * L[i];
    PlainRHS(n, dx, g, u2, L, flux);
    for (PetscInt i = 0; i < n; i++) u1[i] = 2.0 / 3 * u[i] + 1.0 / 3 * u2[i] + dt / 6 * L[i];
    PlainRHS(n, dx, g, u1, L, flux);
    for (PetscInt i = 0; i < n; i++) u[i] = u1[i] + 0.5 * dt * L[i];
    *t += dt;
  }
  PetscFree(g);
  PetscFree(L);
  PetscFree(flux);
  PetscFree(u1);
  PetscFree(u2);
}

static PetscErrorCode Initial(PetscReal x, PetscReal t, PetscReal *u, void *ctx)
{
  u[0] = 0.5 + PetscSinReal(2 * PETSC_PI * x);
  return 0;
}

static int CmpReal(const void *a, const void *b)
{
  PetscReal x = *(const PetscReal *)a, y = *(const PetscReal *)b;
  return (x > y) - (x < y);
}

static PetscReal Median(PetscInt n, PetscReal *v)
{
  qsort(v, (size_t)n, sizeof(PetscReal), CmpReal);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Times `steps` CfxFV steps on comm from the same initial state; returns the solution of the
   last repetition gathered on rank 0 of comm (for the comparison with the plain loop). */
static PetscErrorCode TimeCfxFV(MPI_Comm comm, PetscInt n, PetscInt steps, PetscInt reps, PetscReal *median, Vec *gathered)
{
  PetscReal *sec;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(reps, &sec));
  for (PetscInt r = 0; r <= reps; r++) { /* r = 0 is the warm-up */
    CfxFV fv;
    Vec U;
    PetscLogDouble w0, w1;
    PetscInt done;

    PetscCall(CfxFVCreate(comm, &fv));
    PetscCall(CfxFVSetGrid(fv, n, 0, 1));
    PetscCall(CfxFVSetPhysicalFlux(fv, CFXFV_BURGERS));
    PetscCall(CfxFVSetRiemannType(fv, CFXFV_RIEMANN_RUSANOV));
    PetscCall(CfxFVSetReconstructionType(fv, CFXFV_RECONSTRUCTION_MUSCL));
    PetscCall(CfxFVSetLimiterType(fv, CFXFV_LIMITER_MC));
    PetscCall(CfxFVSetSSP(fv, 3, 4));
    PetscCall(CfxFVSetCFL(fv, 0.5));
    PetscCall(CfxFVSetInitialCondition(fv, Initial, NULL));
    PetscCallMPI(MPI_Barrier(comm));
    PetscCall(PetscTime(&w0));
    for (PetscInt s = 0; s < steps; s++) PetscCall(CfxFVStep(fv, PETSC_MAX_REAL, NULL));
    PetscCallMPI(MPI_Barrier(comm));
    PetscCall(PetscTime(&w1));
    PetscCall(CfxFVGetStepCount(fv, &done));
    PetscCheck(done == steps, comm, PETSC_ERR_PLIB, "expected %" PetscInt_FMT " steps, took %" PetscInt_FMT, steps, done);
    if (r) sec[r - 1] = w1 - w0;
    if (r == reps) {
      VecScatter sc;
      PetscCall(CfxFVGetSolution(fv, &U));
      PetscCall(VecScatterCreateToZero(U, &sc, gathered));
      PetscCall(VecScatterBegin(sc, U, *gathered, INSERT_VALUES, SCATTER_FORWARD));
      PetscCall(VecScatterEnd(sc, U, *gathered, INSERT_VALUES, SCATTER_FORWARD));
      PetscCall(VecScatterDestroy(&sc));
    }
    PetscCall(CfxFVDestroy(&fv));
  }
  *median = Median(reps, sec);
  PetscCall(PetscFree(sec));
  PetscFunctionReturn(0);
}

/* STREAM triad a = b + s c on every rank at once; GB/s summed over ranks (24 bytes per element,
   the STREAM convention, i.e. without write-allocate traffic). */
static PetscErrorCode Triad(PetscInt n, PetscInt reps, PetscReal *gbs)
{
  PetscReal *a, *b, *c, best = 1e300, sum;
  PetscMPIInt size;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(n, &a, n, &b, n, &c));
  for (PetscInt i = 0; i < n; i++) {
    a[i] = 0;
    b[i] = 1;
    c[i] = 2;
  }
  for (PetscInt r = 0; r <= reps; r++) {
    PetscLogDouble w0, w1;
    PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
    PetscCall(PetscTime(&w0));
    for (PetscInt i = 0; i < n; i++) a[i] = b[i] + 3.0 * c[i];
    PetscCall(PetscTime(&w1));
    if (r) best = PetscMin(best, w1 - w0);
    b[r % n] += a[(r * 7) % n] * 1e-300; /* keep the loop from being optimised away */
  }
  sum = 24.0 * n / best / 1e9;
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &sum, 1, MPIU_REAL, MPIU_SUM, PETSC_COMM_WORLD));
  *gbs = sum;
  PetscCall(PetscFree3(a, b, c));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscInt n = 1 << 20, steps = 10, reps = 5, triadN = 1 << 24;
  PetscMPIInt rank, size;
  PetscReal plain = 0, fv1 = 0, fvP = 0, gbs = 0, diff = 0, *sec;
  Vec g1 = NULL, gP = NULL;

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n", &n, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-steps", &steps, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-reps", &reps, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-triad_n", &triadN, NULL));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));

  /* 1 rank: the plain loop and CfxFV on rank 0 */
  if (rank == 0) {
    PetscReal *u, t = 0;
    const PetscReal *v;
    PetscCall(PetscMalloc1(reps, &sec));
    PetscCall(PetscMalloc1(n, &u));
    for (PetscInt r = 0; r <= reps; r++) {
      PetscLogDouble w0, w1;
      /* cell averages of the same initial state as CfxFV (5-point Gauss) */
      {
        CfxFV fv;
        Vec U;
        const PetscReal *x;
        PetscCall(CfxFVCreate(PETSC_COMM_SELF, &fv));
        PetscCall(CfxFVSetGrid(fv, n, 0, 1));
        PetscCall(CfxFVSetInitialCondition(fv, Initial, NULL));
        PetscCall(CfxFVGetSolution(fv, &U));
        PetscCall(VecGetArrayRead(U, &x));
        PetscCall(PetscArraycpy(u, x, n));
        PetscCall(VecRestoreArrayRead(U, &x));
        PetscCall(CfxFVDestroy(&fv));
      }
      PetscCall(PetscTime(&w0));
      PlainSolve(n, steps, 0.5, u, &t);
      PetscCall(PetscTime(&w1));
      if (r) sec[r - 1] = w1 - w0;
    }
    plain = Median(reps, sec);
    PetscCall(TimeCfxFV(PETSC_COMM_SELF, n, steps, reps, &fv1, &g1));
    PetscCall(VecGetArrayRead(g1, &v));
    for (PetscInt i = 0; i < n; i++) diff = PetscMax(diff, PetscAbsReal(v[i] - u[i]));
    PetscCall(VecRestoreArrayRead(g1, &v));
    PetscCall(PetscFree(u));
    PetscCall(PetscFree(sec));
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "{\"bench\":\"fv_burgers\",\"impl\":\"plain_c\",\"ranks\":1,\"n\":%" PetscInt_FMT ",\"steps\":%" PetscInt_FMT ",\"median_s\":%.4f,\"cell_updates_per_s\":%.4e}\n", n, steps,
                          (double)plain, (double)(n * steps / plain)));
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "{\"bench\":\"fv_burgers\",\"impl\":\"cfxfv\",\"ranks\":1,\"n\":%" PetscInt_FMT ",\"steps\":%" PetscInt_FMT
                          ",\"median_s\":%.4f,\"cell_updates_per_s\":%.4e,\"time_vs_plain\":%.3f,\"max_diff_vs_plain\":%.2e}\n",
                          n, steps, (double)fv1, (double)(n * steps / fv1), (double)(fv1 / plain), (double)diff));
  }
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  PetscCallMPI(MPI_Bcast(&fv1, 1, MPIU_REAL, 0, PETSC_COMM_WORLD));

  /* all ranks */
  if (size > 1) {
    PetscCall(TimeCfxFV(PETSC_COMM_WORLD, n, steps, reps, &fvP, &gP));
    if (rank == 0) {
      PetscCall(VecAXPY(gP, -1, g1));
      PetscCall(VecNorm(gP, NORM_INFINITY, &diff));
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                          "{\"bench\":\"fv_burgers\",\"impl\":\"cfxfv\",\"ranks\":%d,\"n\":%" PetscInt_FMT ",\"steps\":%" PetscInt_FMT
                          ",\"median_s\":%.4f,\"cell_updates_per_s\":%.4e,\"speedup_vs_1_rank\":%.3f,\"max_diff_vs_1_rank\":%.2e}\n",
                          size, n, steps, (double)fvP, (double)(n * steps / fvP), (double)(fv1 / fvP), (double)diff));
  }
  PetscCall(Triad(triadN, reps, &gbs));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "{\"bench\":\"stream_triad\",\"ranks\":%d,\"n\":%" PetscInt_FMT ",\"best_GB_per_s\":%.2f}\n", size, triadN, (double)gbs));
  PetscCall(VecDestroy(&g1));
  PetscCall(VecDestroy(&gP));
  PetscCall(CfxFinalize());
  return 0;
}
