/* S1 gas storage benchmark: (1) train the policy (MLP 5-16-16-1 tanh, output gain 5) with
   Adam on fresh common-random-number batches, evaluate it out of sample and compare with the
   2-D DP optimum; (2) the constant-cost table: T_fwd, T_adj (forward + reverse, all 365 + 3
   sensitivities) and the measured bump-and-revalue time for N bucketed forward-curve
   sensitivities, N in {1, 12, 52, 365} (N one-sided revaluations, each run). Wall and process
   CPU seconds are both printed (the CPU figure is robust to other load on the machine).
   One JSON line per measurement.
   Options: -iters 500 -train_paths 256 -eval_paths 20000 -cost_paths 256 -cost_reps 3 -skip_train,
   and every CfxOptimizer option (-train_lr 0.02, -train_schedule cosine, -train_lr_min 0.002).
   T_fwd and T_adj are the minimum over -cost_reps repetitions after a warm-up (the evaluation
   tape keeps its arena, so no repetition allocates); each bump revaluation runs once.
   Run with OPENBLAS_NUM_THREADS=1: the GEMMs are small, and OpenBLAS threads only spin. */
#include <conflux/conflux.h>
#include <conflux/cfxsnapo.h>
#include <time.h>

static double Cpu(void) { return (double)clock() / CLOCKS_PER_SEC; }

int main(int argc, char **argv)
{
  CfxSnapoGasParams p;
  CfxSnapoGas gas;
  CfxSnapoModelOps m;
  CfxSnapoPolicy pol;
  CfxSnapoMLP mlp;
  CfxParamSet ps;
  CfxOptimizer opt;
  CfxTensor F, mkt, red[16];
  CfxSnapoResult r;
  CfxSnapoTrainParams tp = {500, 256, 256, 1000, 0};
  PetscReal Fv[365], dp;
  PetscInt epaths = 20000, cpaths = 256, reps = 3, npar;
  PetscBool skip = PETSC_FALSE;
  PetscLogDouble w0, w1;
  double c0, c1;

  PetscCall(CfxInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-iters", &tp.iters, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-train_paths", &tp.paths, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-eval_paths", &epaths, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-cost_paths", &cpaths, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-cost_reps", &reps, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-skip_train", &skip, NULL));
  tp.block = tp.paths;
  PetscCall(CfxSnapoGasSetDefaults(&p));
  PetscCall(CfxSnapoGasDefaultCurve(365, Fv));
  PetscCall(CfxSnapoGasCreate(&p, Fv, &gas));
  PetscCall(CfxSnapoGasGetModel(gas, &m));
  PetscCall(CfxSnapoGasGetInputs(gas, &F, &mkt));
  PetscCall(CfxSnapoMLPCreate(PETSC_COMM_WORLD, 5, 16, 2, 1, 5.0, 7, &mlp));
  PetscCall(CfxSnapoMLPGetPolicy(&mlp, &pol));
  PetscCall(CfxParamSetCreate(PETSC_COMM_WORLD, &ps));
  PetscCall(CfxModuleAddParameters(mlp.net, ps));
  PetscCall(CfxParamSetSetUp(ps));
  PetscCall(CfxParamSetGetNumParameters(ps, &npar));
  PetscCheck(npar + 2 <= 16, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "too many parameter tensors");
  for (PetscInt k = 0; k < npar; k++) PetscCall(CfxParamSetGetParameter(ps, k, NULL, &red[k], NULL));
  red[npar]     = F;
  red[npar + 1] = mkt;
  PetscCall(CfxOptimizerCreate(PETSC_COMM_WORLD, &opt));
  PetscCall(CfxOptimizerSetParamSet(opt, ps));
  PetscCall(CfxOptimizerSetType(opt, CFX_OPTIMIZER_ADAM));
  PetscCall(CfxOptimizerSetLearningRate(opt, 0.02));
  PetscCall(CfxOptimizerSetSchedule(opt, CFX_SCHEDULE_COSINE, tp.iters, 0, 100, 0.1, 0.002));
  PetscCall(CfxOptimizerSetFromOptions(opt));
  PetscCall(CfxOptimizerSetUp(opt));

  if (!skip) {
    PetscReal *hist;
    PetscCall(PetscMalloc1(PetscMax(tp.iters, 1), &hist));
    PetscCall(PetscTime(&w0));
    c0 = Cpu();
    PetscCall(CfxSnapoTrain(PETSC_COMM_WORLD, &m, &pol, opt, &tp, hist));
    c1 = Cpu();
    PetscCall(PetscTime(&w1));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                          "{\"bench\": \"snapo_gas_train\", \"iters\": %" PetscInt_FMT ", \"paths_per_step\": %" PetscInt_FMT
                          ", \"wall_s\": %.2f, \"cpu_s_rank0\": %.2f, \"last_batch_value\": %.4f}\n",
                          tp.iters, tp.paths, w1 - w0, c1 - c0, (double)hist[PetscMax(tp.iters, 1) - 1]));
    PetscCall(PetscFree(hist));
    PetscCall(CfxSnapoEvaluate(PETSC_COMM_WORLD, &m, &pol, epaths, 1000, 7, PETSC_FALSE, 0, NULL, &r));
    {
      CfxSnapoGasParams ph = p;
      ph.hard              = PETSC_TRUE;
      PetscCall(CfxSnapoGasDP(&ph, Fv, 100, 201, &dp));
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "{\"bench\": \"snapo_gas_value\", \"eval_paths\": %" PetscInt_FMT ", \"value\": %.5f, \"stderr\": %.5f, \"dp_value\": %.5f, \"ratio_to_dp\": %.4f}\n",
                          epaths, (double)r.value, (double)r.stderr_mc, (double)dp, (double)(r.value / dp)));
  }

  /* constant-cost table (-cost_paths 0 skips it) */
  if (cpaths > 0) {
    PetscReal tf = PETSC_MAX_REAL, ta = PETSC_MAX_REAL, cf = PETSC_MAX_REAL, ca = PETSC_MAX_REAL;
    /* warm-up: the first recorded evaluation grows the tape arena to the horizon's size */
    PetscCall(CfxSnapoEvaluate(PETSC_COMM_WORLD, &m, &pol, cpaths, cpaths, 3, PETSC_TRUE, npar + 2, red, &r));
    for (PetscInt k = 0; k < reps; k++) {
      PetscCall(PetscTime(&w0));
      c0 = Cpu();
      PetscCall(CfxSnapoEvaluate(PETSC_COMM_WORLD, &m, &pol, cpaths, cpaths, 3, PETSC_FALSE, 0, NULL, &r));
      c1 = Cpu();
      PetscCall(PetscTime(&w1));
      tf = PetscMin(tf, w1 - w0);
      cf = PetscMin(cf, c1 - c0);
      PetscCall(CfxParamSetZeroGrad(ps));
      PetscCall(CfxTensorZeroGrad(F));
      PetscCall(CfxTensorZeroGrad(mkt));
      PetscCall(PetscTime(&w0));
      c0 = Cpu();
      PetscCall(CfxSnapoEvaluate(PETSC_COMM_WORLD, &m, &pol, cpaths, cpaths, 3, PETSC_TRUE, npar + 2, red, &r));
      c1 = Cpu();
      PetscCall(PetscTime(&w1));
      ta = PetscMin(ta, w1 - w0);
      ca = PetscMin(ca, c1 - c0);
    }
    for (PetscInt N = 1; N <= 365;) {
      PetscReal tb, cb, maxdiff = 0;
      /* N buckets of the curve: bucket j covers days [365 j/N, 365 (j+1)/N) */
      PetscCall(PetscTime(&w0));
      c0 = Cpu();
      for (PetscInt j = 0; j < N; j++) {
        PetscInt lo = 365 * j / N, hi = 365 * (j + 1) / N;
        PetscReal h = 1e-4, adj = 0;
        CfxSnapoResult rb;
        for (PetscInt t = lo; t < hi; t++) F->data[t] += h;
        PetscCall(CfxSnapoEvaluate(PETSC_COMM_WORLD, &m, &pol, cpaths, cpaths, 3, PETSC_FALSE, 0, NULL, &rb));
        for (PetscInt t = lo; t < hi; t++) {
          F->data[t] = Fv[t];
          adj += F->grad[t];
        }
        maxdiff = PetscMax(maxdiff, fabs((rb.value - r.value) / h - adj));
      }
      c1 = Cpu();
      PetscCall(PetscTime(&w1));
      tb = w1 - w0;
      cb = c1 - c0;
      PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                            "{\"bench\": \"snapo_gas_cost\", \"N\": %" PetscInt_FMT ", \"paths\": %" PetscInt_FMT
                            ", \"t_fwd_wall\": %.4f, \"t_adj_wall\": %.4f, \"t_bump_wall\": %.4f, \"t_fwd_cpu\": %.4f, \"t_adj_cpu\": %.4f, \"t_bump_cpu\": %.4f, \"adj_over_fwd_cpu\": %.2f, "
                            "\"speedup_cpu\": %.1f, \"max_abs_bump_minus_adjoint\": %.2e}\n",
                            N, cpaths, tf, ta, tb, cf, ca, cb, ca / cf, cb / ca, (double)maxdiff));
      N = N == 1 ? 12 : (N == 12 ? 52 : (N == 52 ? 365 : 366));
    }
  }
  PetscCall(CfxOptimizerDestroy(&opt));
  PetscCall(CfxParamSetDestroy(&ps));
  PetscCall(CfxSnapoMLPDestroy(&mlp));
  PetscCall(CfxSnapoGasDestroy(&gas));
  PetscCall(CfxFinalize());
  return 0;
}
