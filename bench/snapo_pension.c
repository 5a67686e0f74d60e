/* S2 pension constant-cost table: for N_rf key-rate nodes in {10, 25, 50, 100, 250, 500},
   T_fwd (forward only), T_adj (forward + one reverse sweep giving all N_rf + 8 sensitivities)
   and the measured bump-and-revalue time for the N_rf curve sensitivities (N_rf one-sided
   revaluations, each run), in process CPU seconds (robust to other load) and wall seconds.
   T_fwd and T_adj are the minimum over -reps repetitions after a warm-up. One JSON line per N_rf.
   Options: -paths 128 -reps 3 -nrf_max 500. Run with OPENBLAS_NUM_THREADS=1. */
#include <conflux/conflux.h>
#include <conflux/cfxsnapo.h>
#include <time.h>

static double Cpu(void) { return (double)clock() / CLOCKS_PER_SEC; }

int main(int argc, char **argv)
{
  const PetscInt list[] = {10, 25, 50, 100, 250, 500};
  PetscInt paths = 128, reps = 3, nmax = 500;

  PetscCall(CfxInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-paths", &paths, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-reps", &reps, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-nrf_max", &nmax, NULL));
  for (PetscInt li = 0; li < 6 && list[li] <= nmax; li++) {
    CfxSnapoPensionParams p;
    CfxSnapoPension ps;
    CfxSnapoModelOps m;
    CfxSnapoPolicy pol;
    CfxSnapoMLP mlp;
    CfxSnapoResult r, rb;
    CfxTensor curve, assets, in[2];
    PetscReal cf = PETSC_MAX_REAL, ca = PETSC_MAX_REAL, tf = PETSC_MAX_REAL, ta = PETSC_MAX_REAL, cb, tb, maxdiff = 0, maxg = 0;
    PetscLogDouble w0, w1;
    double c0;

    PetscCall(CfxSnapoPensionSetDefaults(&p));
    p.nnodes = list[li];
    PetscCall(CfxSnapoPensionCreate(&p, NULL, &ps));
    PetscCall(CfxSnapoPensionGetModel(ps, &m));
    PetscCall(CfxSnapoPensionGetInputs(ps, &curve, &assets));
    in[0] = curve;
    in[1] = assets;
    PetscCall(CfxSnapoMLPCreate(PETSC_COMM_WORLD, 4, 16, 2, 4, 1.0, 7, &mlp));
    PetscCall(CfxSnapoMLPGetPolicy(&mlp, &pol));
    PetscCall(CfxSnapoEvaluate(PETSC_COMM_WORLD, &m, &pol, paths, paths, 3, PETSC_TRUE, 2, in, &r)); /* warm-up */
    for (PetscInt k = 0; k < reps; k++) {
      PetscCall(PetscTime(&w0));
      c0 = Cpu();
      PetscCall(CfxSnapoEvaluate(PETSC_COMM_WORLD, &m, &pol, paths, paths, 3, PETSC_FALSE, 0, NULL, &r));
      cf = PetscMin(cf, Cpu() - c0);
      PetscCall(PetscTime(&w1));
      tf = PetscMin(tf, w1 - w0);
      PetscCall(CfxTensorZeroGrad(curve));
      PetscCall(CfxTensorZeroGrad(assets));
      PetscCall(PetscTime(&w0));
      c0 = Cpu();
      PetscCall(CfxSnapoEvaluate(PETSC_COMM_WORLD, &m, &pol, paths, paths, 3, PETSC_TRUE, 2, in, &r));
      ca = PetscMin(ca, Cpu() - c0);
      PetscCall(PetscTime(&w1));
      ta = PetscMin(ta, w1 - w0);
    }
    PetscCall(PetscTime(&w0));
    c0 = Cpu();
    for (PetscInt k = 0; k < p.nnodes; k++) {
      PetscReal x0 = curve->data[k], h = 1e-6;
      curve->data[k] = x0 + h;
      PetscCall(CfxSnapoEvaluate(PETSC_COMM_WORLD, &m, &pol, paths, paths, 3, PETSC_FALSE, 0, NULL, &rb));
      curve->data[k] = x0;
      maxdiff        = PetscMax(maxdiff, PetscAbsReal((rb.value - r.value) / h - curve->grad[k]));
      maxg           = PetscMax(maxg, PetscAbsReal(curve->grad[k]));
    }
    cb = Cpu() - c0;
    PetscCall(PetscTime(&w1));
    tb = w1 - w0;
    PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                          "{\"bench\": \"snapo_pension_cost\", \"N_rf\": %" PetscInt_FMT ", \"paths\": %" PetscInt_FMT
                          ", \"t_fwd_cpu\": %.4f, \"t_adj_cpu\": %.4f, \"t_bump_cpu\": %.4f, \"adj_over_fwd_cpu\": %.2f, \"speedup_cpu\": %.1f, \"t_fwd_wall\": %.4f, \"t_adj_wall\": %.4f, "
                          "\"t_bump_wall\": %.4f, \"max_abs_bump_minus_adjoint\": %.2e, \"max_abs_adjoint\": %.2e}\n",
                          p.nnodes, paths, cf, ca, cb, ca / cf, cb / ca, tf, ta, tb, (double)maxdiff, (double)maxg));
    PetscCall(CfxSnapoMLPDestroy(&mlp));
    PetscCall(CfxSnapoPensionDestroy(&ps));
  }
  PetscCall(CfxFinalize());
  return 0;
}
