/* S1 gas storage: (1) the operating limits 0 <= I <= I_max, -q_out <= a <= q_in are never
   violated over 10^5 paths x 365 days under an aggressive policy whose outputs swing over
   +-100 (full injection to full withdrawal on the noise); (2) the smooth objective J_beta
   (softplus penalty of sharpness beta, smooth |a| of width 1/beta) converges to the
   hard-constraint value J as beta grows, within the bound lambda log(2)/beta + c T eps that
   holds path by path, and by at least a factor 3 per decade of beta (5 at the first decade, where eps = 1/beta
   is comparable to the actions, about 10 beyond). */
#include "snapotest.h"

/* a linear policy z = x W^T + b with large weights */
typedef struct {
  CfxTensor W, b;
} LinPolicy;

static PetscErrorCode LinForward(CfxTape tape, CfxTensor x, void *ctx, CfxTensor *y)
{
  LinPolicy *lp = (LinPolicy *)ctx;

  PetscFunctionBeginUser;
  PetscCall(CfxOpLinear(tape, x, lp->W, lp->b, CFX_ACT_NONE, y));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  CfxSnapoGasParams p;
  CfxSnapoGas gas;
  CfxSnapoModelOps m;
  CfxSnapoPolicy pol;
  LinPolicy lp;
  TestPolicy tp;
  CfxSnapoResult r, rh;
  PetscReal F[365], viol;
  PetscInt ws[2] = {1, 5}, one = 1, npaths = 100000;
  /* weights: strong on the factor X and on time, so actions slam between the rate limits */
  PetscReal w[5] = {30, 60, -40, 10, 100}, b0 = 0;

  PetscCall(CfxInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-npaths", &npaths, NULL));
  PetscCall(CfxSnapoGasSetDefaults(&p));
  PetscCall(CfxSnapoGasDefaultCurve(365, F));
  PetscCall(CfxSnapoGasCreate(&p, F, &gas));
  PetscCall(CfxSnapoGasGetModel(gas, &m));

  /* (1) feasibility over 1e5 paths */
  PetscCall(CfxTensorCreateWithData(2, ws, w, &lp.W));
  PetscCall(CfxTensorCreateWithData(1, &one, &b0, &lp.b));
  pol.forward = LinForward;
  pol.ctx     = &lp;
  PetscCall(CfxSnapoEvaluate(PETSC_COMM_WORLD, &m, &pol, npaths, 2000, 5, PETSC_FALSE, 0, NULL, &r));
  PetscCall(CfxSnapoGasGetViolation(gas, &viol));
  {
    PetscReal v = viol;
    PetscCallMPI(MPI_Allreduce(&v, &viol, 1, MPIU_REAL, MPIU_MAX, PETSC_COMM_WORLD));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%" PetscInt_FMT " paths x 365 days, aggressive policy: value %.4f +- %.4f, largest limit violation %g\n", npaths, (double)r.value, (double)r.stderr_mc,
                        (double)viol));
  PetscCheck(viol == 0, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "operating limits violated by %g", (double)viol);
  PetscCall(CfxTensorDestroy(&lp.W));
  PetscCall(CfxTensorDestroy(&lp.b));

  /* (2) J_beta -> J_hard */
  PetscCall(TestPolicyCreate(5, 8, 3, &tp));
  pol.forward = TestPolicyForward;
  pol.ctx     = &tp;
  PetscCall(CfxSnapoGasSetHard(gas, PETSC_TRUE));
  PetscCall(CfxSnapoEvaluate(PETSC_COMM_WORLD, &m, &pol, 256, 128, 9, PETSC_FALSE, 0, NULL, &rh));
  PetscCall(CfxSnapoGasDestroy(&gas));
  {
    PetscReal prev = 0;
    for (PetscReal beta = 1e2; beta <= 1e6; beta *= 10) {
      PetscReal err, bound;
      p.beta    = beta;
      p.eps_abs = 1 / beta;
      PetscCall(CfxSnapoGasCreate(&p, F, &gas));
      PetscCall(CfxSnapoGasGetModel(gas, &m));
      PetscCall(CfxSnapoEvaluate(PETSC_COMM_WORLD, &m, &pol, 256, 128, 9, PETSC_FALSE, 0, NULL, &r));
      PetscCall(CfxSnapoGasDestroy(&gas));
      err   = fabs(r.value - rh.value);
      bound = p.penalty * log(2.0) / beta + p.cost * 365 / beta;
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "beta %.0e: J_beta %.10f  J_hard %.10f  |diff| %.3e  (bound %.3e)\n", (double)beta, (double)r.value, (double)rh.value, (double)err, (double)bound));
      PetscCheck(err <= bound, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "|J_beta - J_hard| = %g above the bound %g at beta %g", (double)err, (double)bound, (double)beta);
      if (prev > 0) PetscCheck(err <= prev / 3, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "|J_beta - J_hard| fell only from %g to %g over a decade of beta", (double)prev, (double)err);
      prev = err;
    }
  }
  PetscCall(TestPolicyDestroy(&tp));
  PetscCall(CfxFinalize());
  return 0;
}
