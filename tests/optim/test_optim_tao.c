/* L-BFGS through PETSc TAO on flat parameters, objective and gradient from the tape:
   (1) the Rosenbrock function from (-1.2, 1) converges to (1, 1) within 1e-8;
   (2) a least-squares fit of a 1-16-16-1 tanh MLP to sin(pi x) drives the loss below 1e-6.
   Options: -tao_type (default lmvm; bqnls also works). */
#include <conflux/conflux.h>
#include <conflux/cfxoptim.h>

static PetscErrorCode RosenbrockLoss(CfxTape tape, CfxParamSet ps, CfxTensor *loss, void *ctx)
{
  CfxTensor x0, x1, r1, r2, x0sq, a, b;

  PetscFunctionBeginUser;
  PetscCall(CfxParamSetGetParameter(ps, 0, NULL, &x0, NULL));
  PetscCall(CfxParamSetGetParameter(ps, 1, NULL, &x1, NULL));
  PetscCall(CfxOpScale(tape, x0, -1, 1, &r1)); /* 1 - x0 */
  PetscCall(CfxOpSquare(tape, x0, &x0sq));
  PetscCall(CfxOpSub(tape, x1, x0sq, &r2)); /* x1 - x0^2 */
  PetscCall(CfxOpSquare(tape, r1, &a));
  PetscCall(CfxOpSquare(tape, r2, &b));
  PetscCall(CfxOpScale(tape, b, 100, 0, &b));
  PetscCall(CfxOpAdd(tape, a, b, loss));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestRosenbrock(void)
{
  CfxTensor x[2];
  CfxParamSet ps;
  CfxTape tape;
  Tao tao;
  Vec X;
  PetscInt shape[1] = {1}, its;
  PetscReal x0[2]   = {-1.2, 1}, *p, err;
  TaoConvergedReason reason;
  TaoType type;

  PetscFunctionBeginUser;
  PetscCall(CfxTensorCreateWithData(1, shape, &x0[0], &x[0]));
  PetscCall(CfxTensorCreateWithData(1, shape, &x0[1], &x[1]));
  PetscCall(CfxParamSetCreate(PETSC_COMM_SELF, &ps));
  PetscCall(CfxParamSetAdd(ps, "x0", x[0]));
  PetscCall(CfxParamSetAdd(ps, "x1", x[1]));
  PetscCall(CfxParamSetSetUp(ps));
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  PetscCall(TaoCreate(PETSC_COMM_SELF, &tao));
  PetscCall(TaoSetType(tao, TAOLMVM));
  PetscCall(CfxParamSetCreateVec(ps, &X));
  PetscCall(TaoSetSolution(tao, X));
  PetscCall(CfxTaoSetParamSetObjective(tao, PETSC_COMM_SELF, ps, tape, RosenbrockLoss, NULL));
  PetscCall(TaoSetTolerances(tao, 1e-14, 0, 0));
  PetscCall(TaoSetMaximumIterations(tao, 500));
  PetscCall(TaoSetOptionsPrefix(tao, "rosen_"));
  PetscCall(TaoSetFromOptions(tao));
  PetscCall(TaoSolve(tao));
  PetscCall(TaoGetConvergedReason(tao, &reason));
  PetscCall(TaoGetIterationNumber(tao, &its));
  PetscCall(CfxParamSetSetFromVec(ps, X));
  PetscCall(CfxParamSetGetArrays(ps, &p, NULL));
  err = PetscMax(PetscAbsReal(p[0] - 1), PetscAbsReal(p[1] - 1));
  PetscCall(TaoGetType(tao, &type));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "Rosenbrock, TAO %s: %d iterations, reason %s, |x - (1,1)|_inf = %.2e\n", type, (int)its, TaoConvergedReasons[reason], (double)err));
  PetscCheck(reason > 0, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "TAO did not converge on Rosenbrock: %s", TaoConvergedReasons[reason]);
  PetscCheck(err <= 1e-8, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "Rosenbrock minimiser off by %g > 1e-8", (double)err);
  PetscCall(VecDestroy(&X));
  PetscCall(TaoDestroy(&tao));
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(CfxParamSetDestroy(&ps));
  PetscCall(CfxTensorDestroy(&x[0]));
  PetscCall(CfxTensorDestroy(&x[1]));
  PetscFunctionReturn(0);
}

#define NPTS 40
#define H    16

typedef struct {
  CfxTensor xin, target; /* [NPTS, 1] */
} FitCtx;

static PetscErrorCode MLPLoss(CfxTape tape, CfxParamSet ps, CfxTensor *loss, void *ptr)
{
  FitCtx *fit = (FitCtx *)ptr;
  CfxTensor w[3], b[3], h;

  PetscFunctionBeginUser;
  for (PetscInt l = 0; l < 3; l++) {
    PetscCall(CfxParamSetGetParameter(ps, 2 * l, NULL, &w[l], NULL));
    PetscCall(CfxParamSetGetParameter(ps, 2 * l + 1, NULL, &b[l], NULL));
  }
  PetscCall(CfxOpLinear(tape, fit->xin, w[0], b[0], CFX_ACT_TANH, &h));
  PetscCall(CfxOpLinear(tape, h, w[1], b[1], CFX_ACT_TANH, &h));
  PetscCall(CfxOpLinear(tape, h, w[2], b[2], CFX_ACT_NONE, &h));
  PetscCall(CfxOpMSELoss(tape, h, fit->target, loss));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestMLPFit(void)
{
  const PetscInt wshape[3][2] = {{H, 1}, {H, H}, {1, H}};
  CfxTensor w[3], b[3];
  CfxParamSet ps;
  CfxTape tape;
  CfxRNG rng;
  FitCtx fit;
  Tao tao;
  Vec X;
  PetscInt shape[2] = {NPTS, 1}, its;
  PetscReal f0, f, gnorm, cnorm, xdata[NPTS], ydata[NPTS];
  TaoConvergedReason reason;
  TaoType type;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < NPTS; i++) {
    xdata[i] = -1 + 2.0 * i / (NPTS - 1);
    ydata[i] = PetscSinReal(PETSC_PI * xdata[i]);
  }
  PetscCall(CfxTensorCreateWithData(2, shape, xdata, &fit.xin));
  PetscCall(CfxTensorCreateWithData(2, shape, ydata, &fit.target));
  PetscCall(CfxRNGSetSeed(&rng, 7, 0));
  PetscCall(CfxParamSetCreate(PETSC_COMM_SELF, &ps));
  for (PetscInt l = 0; l < 3; l++) {
    char name[32];
    PetscReal bound = 1 / PetscSqrtReal((PetscReal)wshape[l][1]);
    PetscCall(CfxTensorCreate(2, wshape[l], &w[l]));
    PetscCall(CfxTensorCreate(1, wshape[l], &b[l]));
    PetscCall(CfxTensorFillUniform(w[l], &rng, -bound, bound));
    PetscCall(CfxTensorFillUniform(b[l], &rng, -bound, bound));
    PetscCall(PetscSNPrintf(name, sizeof(name), "linear%d.weight", (int)l));
    PetscCall(CfxParamSetAdd(ps, name, w[l]));
    PetscCall(PetscSNPrintf(name, sizeof(name), "linear%d.bias", (int)l));
    PetscCall(CfxParamSetAdd(ps, name, b[l]));
  }
  PetscCall(CfxParamSetSetUp(ps));
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  PetscCall(TaoCreate(PETSC_COMM_SELF, &tao));
  PetscCall(TaoSetType(tao, TAOLMVM));
  PetscCall(CfxParamSetCreateVec(ps, &X));
  PetscCall(TaoSetSolution(tao, X));
  PetscCall(CfxTaoSetParamSetObjective(tao, PETSC_COMM_SELF, ps, tape, MLPLoss, &fit));
  PetscCall(TaoSetTolerances(tao, 1e-12, 0, 0));
  PetscCall(TaoSetMaximumIterations(tao, 3000));
  PetscCall(TaoSetMaximumFunctionEvaluations(tao, 6000));
  PetscCall(TaoSetOptionsPrefix(tao, "fit_"));
  PetscCall(TaoSetFromOptions(tao));
  PetscCall(TaoComputeObjective(tao, X, &f0));
  PetscCall(TaoSolve(tao));
  PetscCall(TaoGetType(tao, &type));
  PetscCall(TaoGetSolutionStatus(tao, &its, &f, &gnorm, &cnorm, NULL, &reason));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "MLP 1-%d-%d-1 tanh fit of sin(pi x), TAO %s: %d iterations, reason %s, loss %.3e -> %.3e, |grad| %.2e\n", H, H, type, (int)its, TaoConvergedReasons[reason],
                        (double)f0, (double)f, (double)gnorm));
  PetscCheck(f <= 1e-6, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "least-squares MLP fit stalled at loss %g > 1e-6 (reason %s)", (double)f, TaoConvergedReasons[reason]);
  /* the parameter set holds the last evaluated point; the solution must reproduce f */
  PetscCall(CfxParamSetSetFromVec(ps, X));
  {
    CfxTensor loss;
    PetscCall(MLPLoss(tape, ps, &loss, &fit));
    PetscCheck(PetscAbsReal(loss->data[0] - f) <= 1e-12 * f + 1e-300, PETSC_COMM_SELF, PETSC_ERR_PLIB, "loss at the returned solution %g differs from TAO's %g", (double)loss->data[0], (double)f);
    PetscCall(CfxTapeReset(tape));
  }
  PetscCall(VecDestroy(&X));
  PetscCall(TaoDestroy(&tao));
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(CfxParamSetDestroy(&ps));
  for (PetscInt l = 0; l < 3; l++) {
    PetscCall(CfxTensorDestroy(&w[l]));
    PetscCall(CfxTensorDestroy(&b[l]));
  }
  PetscCall(CfxTensorDestroy(&fit.xin));
  PetscCall(CfxTensorDestroy(&fit.target));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(CfxInitialize(&argc, &argv, NULL, "L-BFGS through TAO on tape objectives"));
  PetscCall(TestRosenbrock());
  PetscCall(TestMLPFit());
  PetscCall(CfxFinalize());
  return 0;
}
