/* S1 gas storage benchmark: (1) train the policy (MLP 5-16-16-1 tanh, output gain 5) with
   Adam on fresh common-random-number batches, evaluate it out of sample and compare with the
   2-D DP optimum; (2) the constant-cost table: T_fwd, T_adj (forward + reverse, all 365 + 3
   sensitivities) and the measured bump-and-revalue time for N bucketed forward-curve
   sensitivities, N in {1, 12, 52, 365} (N one-sided revaluations, each run). Wall and process
   CPU seconds are both printed (the CPU figure is robust to other load on the machine).
   One JSON line per measurement.
   Options: -iters 300 -train_paths 256 -eval_paths 20000 -cost_paths 256 -lr 0.02 -skip_train.
   The Adam update is written out here (PyTorch's formula) because the shared optimizer module
   had not landed on main when this was written; swap in CfxOptimizer when it does. */
#include <conflux/conflux.h>
#include <conflux/cfxsnapo.h>
#include <time.h>

typedef struct {
  CfxModule net;
  PetscReal gain;
} PolicyCtx;

static PetscErrorCode PolicyForward(CfxTape tape, CfxTensor x, void *ctx, CfxTensor *y)
{
  PolicyCtx *pc = (PolicyCtx *)ctx;
  CfxTensor z;

  PetscFunctionBeginUser;
  PetscCall(CfxModuleForward(pc->net, tape, x, &z));
  PetscCall(CfxOpScale(tape, z, pc->gain, 0, y));
  PetscFunctionReturn(0);
}

static double Cpu(void) { return (double)clock() / CLOCKS_PER_SEC; }

int main(int argc, char **argv)
{
  CfxSnapoGasParams p;
  CfxSnapoGas gas;
  CfxSnapoModelOps m;
  CfxSnapoPolicy pol;
  PolicyCtx pc = {NULL, 5.0};
  CfxParamSet ps;
  CfxTensor F, mkt, red[16];
  CfxSnapoResult r;
  PetscReal Fv[365], lr = 0.02, *val, *grad, *m1, *m2, dp;
  PetscInt iters = 300, tpaths = 256, epaths = 20000, cpaths = 256, npar, n;
  PetscBool skip = PETSC_FALSE;
  PetscLogDouble w0, w1;
  double c0, c1;

  PetscCall(CfxInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-iters", &iters, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-train_paths", &tpaths, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-eval_paths", &epaths, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-cost_paths", &cpaths, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-lr", &lr, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-skip_train", &skip, NULL));
  PetscCall(CfxSnapoGasSetDefaults(&p));
  PetscCall(CfxSnapoGasDefaultCurve(365, Fv));
  PetscCall(CfxSnapoGasCreate(&p, Fv, &gas));
  PetscCall(CfxSnapoGasGetModel(gas, &m));
  PetscCall(CfxSnapoGasGetInputs(gas, &F, &mkt));
  PetscCall(CfxModuleCreate(PETSC_COMM_WORLD, &pc.net));
  PetscCall(CfxModuleSetType(pc.net, CFXMLP));
  PetscCall(CfxModuleMLPSetSizes(pc.net, 5, 16, 2, 1));
  PetscCall(CfxModuleMLPSetActivation(pc.net, CFX_ACT_TANH));
  PetscCall(CfxModuleSetName(pc.net, "policy"));
  PetscCall(CfxModuleSetSeed(pc.net, 7));
  PetscCall(CfxModuleSetUp(pc.net));
  PetscCall(CfxParamSetCreate(PETSC_COMM_WORLD, &ps));
  PetscCall(CfxModuleAddParameters(pc.net, ps));
  PetscCall(CfxParamSetSetUp(ps));
  PetscCall(CfxParamSetGetNumParameters(ps, &npar));
  PetscCheck(npar + 2 <= 16, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "too many parameter tensors");
  for (PetscInt k = 0; k < npar; k++) PetscCall(CfxParamSetGetParameter(ps, k, NULL, &red[k], NULL));
  red[npar]     = F;
  red[npar + 1] = mkt;
  pol.forward   = PolicyForward;
  pol.ctx       = &pc;
  PetscCall(CfxParamSetGetSize(ps, &n));
  PetscCall(CfxParamSetGetArrays(ps, &val, &grad));
  PetscCall(PetscCalloc2(n, &m1, n, &m2));

  if (!skip) {
    PetscCall(PetscTime(&w0));
    c0 = Cpu();
    for (PetscInt it = 1; it <= iters; it++) {
      /* constant rate for the first half, cosine to lr/10 over the second */
      PetscReal lrt = it <= iters / 2 ? lr : lr / 10 + 0.45 * lr * (1 + cos(PETSC_PI * (it - iters / 2) / (iters - iters / 2)));
      PetscCall(CfxParamSetZeroGrad(ps));
      PetscCall(CfxSnapoEvaluate(PETSC_COMM_WORLD, &m, &pol, tpaths, tpaths, (uint64_t)(1000 + it), PETSC_TRUE, npar, red, &r));
      for (PetscInt i = 0; i < n; i++) {
        PetscReal g = -grad[i]; /* maximise J */
        m1[i]       = 0.9 * m1[i] + 0.1 * g;
        m2[i]       = 0.999 * m2[i] + 0.001 * g * g;
        val[i] -= lrt / (1 - pow(0.9, (double)it)) * m1[i] / (sqrt(m2[i] / (1 - pow(0.999, (double)it))) + 1e-8);
      }
    }
    c1 = Cpu();
    PetscCall(PetscTime(&w1));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                          "{\"bench\": \"snapo_gas_train\", \"iters\": %" PetscInt_FMT ", \"paths_per_step\": %" PetscInt_FMT
                          ", \"wall_s\": %.2f, \"cpu_s_rank0\": %.2f, \"last_batch_value\": %.4f}\n",
                          iters, tpaths, w1 - w0, c1 - c0, (double)r.value));
    PetscCall(CfxSnapoEvaluate(PETSC_COMM_WORLD, &m, &pol, epaths, 1000, 7, PETSC_FALSE, 0, NULL, &r));
    {
      CfxSnapoGasParams ph = p;
      ph.hard              = PETSC_TRUE;
      PetscCall(CfxSnapoGasDP(&ph, Fv, 100, 201, &dp));
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "{\"bench\": \"snapo_gas_value\", \"eval_paths\": %" PetscInt_FMT ", \"value\": %.5f, \"stderr\": %.5f, \"dp_value\": %.5f, \"ratio_to_dp\": %.4f}\n",
                          epaths, (double)r.value, (double)r.stderr_mc, (double)dp, (double)(r.value / dp)));
  }

  /* constant-cost table */
  {
    PetscReal tf, ta, cf, ca;
    /* warm-up: the first recorded evaluation grows the tape arena to the horizon's size */
    PetscCall(CfxSnapoEvaluate(PETSC_COMM_WORLD, &m, &pol, cpaths, cpaths, 3, PETSC_FALSE, 0, NULL, &r));
    PetscCall(CfxSnapoEvaluate(PETSC_COMM_WORLD, &m, &pol, cpaths, cpaths, 3, PETSC_TRUE, npar + 2, red, &r));
    PetscCall(PetscTime(&w0));
    c0 = Cpu();
    PetscCall(CfxSnapoEvaluate(PETSC_COMM_WORLD, &m, &pol, cpaths, cpaths, 3, PETSC_FALSE, 0, NULL, &r));
    c1 = Cpu();
    PetscCall(PetscTime(&w1));
    tf = w1 - w0;
    cf = c1 - c0;
    PetscCall(CfxParamSetZeroGrad(ps));
    PetscCall(CfxTensorZeroGrad(F));
    PetscCall(CfxTensorZeroGrad(mkt));
    PetscCall(PetscTime(&w0));
    c0 = Cpu();
    PetscCall(CfxSnapoEvaluate(PETSC_COMM_WORLD, &m, &pol, cpaths, cpaths, 3, PETSC_TRUE, npar + 2, red, &r));
    c1 = Cpu();
    PetscCall(PetscTime(&w1));
    ta = w1 - w0;
    ca = c1 - c0;
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
  PetscCall(PetscFree2(m1, m2));
  PetscCall(CfxParamSetDestroy(&ps));
  PetscCall(CfxModuleDestroy(&pc.net));
  PetscCall(CfxSnapoGasDestroy(&gas));
  PetscCall(CfxFinalize());
  return 0;
}
