/* ML-II: the negative log marginal likelihood of the training observations and its analytic
   gradient in theta = (log ell_1..log ell_2d, log sf, log noise), minimised by PETSc TAO
   (bound-constrained limited-memory quasi-Newton, TAOBLMVM) over the free entries. */
#include "lgpimpl.h"
#include <petsctao.h>

PETSC_INTERN PetscErrorCode CfxLGPAssembleGradient(CfxLGP, const PetscReal[], PetscReal[]);

static void SetTheta(CfxLGP lgp, const PetscReal theta[])
{
  const PetscInt D = 2 * lgp->d;
  for (PetscInt j = 0; j < D; j++) lgp->kern.ell[j] = PetscExpReal(theta[j]);
  lgp->kern.sf2 = PetscExpReal(2 * theta[D]);
  lgp->noise    = PetscExpReal(theta[D + 1]);
}

static void GetTheta(CfxLGP lgp, PetscReal theta[])
{
  const PetscInt D = 2 * lgp->d;
  for (PetscInt j = 0; j < D; j++) theta[j] = PetscLogReal(lgp->kern.ell[j]);
  theta[D]     = 0.5 * PetscLogReal(lgp->kern.sf2);
  theta[D + 1] = PetscLogReal(PetscMax(lgp->noise, 1e-300));
}

/*@C
  CfxLGPNegLogMarginalLikelihood - -log p(Y | theta) = 1/2 sum_r y_r^T K^{-1} y_r
  + nrhs/2 log det K + n nrhs/2 log(2 pi), and (if grad is not NULL) its gradient
  1/2 tr((nrhs K^{-1} - sum_r alpha_r alpha_r^T) dK/dtheta). The jitter is held fixed in the
  derivative. Leaves the model factorised at theta. With the pivoted fallback, K^{-1} is the
  pseudo-inverse and log det the sum over the rank's pivots.
@*/
PetscErrorCode CfxLGPNegLogMarginalLikelihood(CfxLGP lgp, const PetscReal theta[], PetscReal *f, PetscReal grad[])
{
  const PetscInt D = 2 * lgp->d;
  PetscInt n;
  PetscReal logdet = 0, quad = 0, *Wt;

  PetscFunctionBegin;
  PetscCheck(lgp->q, lgp->comm, PETSC_ERR_ORDER, "CfxLGPNegLogMarginalLikelihood: call CfxLGPSetData() first");
  for (PetscInt j = 0; j < D + 2; j++) PetscCheck(PetscIsNormalReal(theta[j]) || theta[j] == 0, lgp->comm, PETSC_ERR_FP, "ML-II: log-hyperparameter %" PetscInt_FMT " is %g", j, (double)theta[j]);
  if (!lgp->ostart) PetscCall(CfxLGPBuildFunctionals(lgp));
  SetTheta(lgp, theta);
  PetscCall(CfxLGPAssemble(lgp, NULL));
  PetscCall(CfxLGPFactor(lgp));
  lgp->setup = PETSC_TRUE;
  n          = lgp->n;
  for (PetscInt i = 0; i < lgp->rank; i++) logdet += 2 * PetscLogReal(lgp->F[i * n + i]);
  for (PetscInt i = 0; i < n * lgp->nrhs; i++) quad += lgp->Y[i] * lgp->alpha[i];
  *f = 0.5 * quad + 0.5 * lgp->nrhs * logdet + 0.5 * n * lgp->nrhs * PetscLogReal(2 * PETSC_PI);
  if (grad) {
    PetscCall(PetscCalloc1(n * n, &Wt));
    for (PetscInt i = 0; i < n; i++) Wt[i * n + i] = lgp->nrhs;
    PetscCall(CfxLGPSolve(lgp, n, Wt)); /* nrhs K^{-1} */
    for (PetscInt r = 0; r < lgp->nrhs; r++)
      for (PetscInt i = 0; i < n; i++)
        for (PetscInt j = 0; j < n; j++) Wt[i * n + j] -= lgp->alpha[r * n + i] * lgp->alpha[r * n + j];
    PetscCall(CfxLGPAssembleGradient(lgp, Wt, grad));
    PetscCall(PetscFree(Wt));
  }
  PetscFunctionReturn(0);
}

typedef struct {
  CfxLGP lgp;
  PetscInt nfree, idx[CFX_LGP_MAX_DIM + 2];
  PetscReal theta[CFX_LGP_MAX_DIM + 2];
} FitCtx;

static PetscErrorCode FormFunctionGradient(Tao tao, Vec x, PetscReal *f, Vec g, void *ctx)
{
  FitCtx *c = (FitCtx *)ctx;
  const PetscScalar *xa;
  PetscScalar *ga;
  PetscReal grad[CFX_LGP_MAX_DIM + 2];

  PetscFunctionBegin;
  (void)tao;
  PetscCall(VecGetArrayRead(x, &xa));
  for (PetscInt i = 0; i < c->nfree; i++) c->theta[c->idx[i]] = xa[i];
  PetscCall(VecRestoreArrayRead(x, &xa));
  PetscCall(CfxLGPNegLogMarginalLikelihood(c->lgp, c->theta, f, grad));
  PetscCall(VecGetArray(g, &ga));
  for (PetscInt i = 0; i < c->nfree; i++) ga[i] = grad[c->idx[i]];
  PetscCall(VecRestoreArray(g, &ga));
  PetscFunctionReturn(0);
}

/*@C
  CfxLGPFit - ML-II: minimises the negative log marginal likelihood over the free
  log-hyperparameters (CfxLGPSetFitMask()) within the bounds -lgp_fit_bounds, with TAO
  (type TAOBLMVM by default; options prefix -lgp_, e.g. -lgp_tao_monitor, -lgp_tao_max_it),
  then sets the model up at the optimum.
@*/
PetscErrorCode CfxLGPFit(CfxLGP lgp)
{
  const PetscInt D = 2 * lgp->d;
  FitCtx c;
  Tao tao;
  Vec x, lo, hi;
  PetscReal f0, f;
  PetscScalar *xa;
  TaoConvergedReason reason;

  PetscFunctionBegin;
  PetscCheck(lgp->q, lgp->comm, PETSC_ERR_ORDER, "CfxLGPFit: call CfxLGPSetData() first");
  PetscCall(PetscLogEventBegin(CFX_LGP_Fit, 0, 0, 0, 0));
  c.lgp   = lgp;
  c.nfree = 0;
  GetTheta(lgp, c.theta);
  if (lgp->fitEll)
    for (PetscInt j = 0; j < D; j++) c.idx[c.nfree++] = j;
  if (lgp->fitSf) c.idx[c.nfree++] = D;
  if (lgp->fitNoise) c.idx[c.nfree++] = D + 1;
  if (lgp->fitNoise && lgp->noise <= 0) c.theta[D + 1] = lgp->fitLo;
  PetscCall(CfxLGPBuildFunctionals(lgp));
  PetscCall(CfxLGPNegLogMarginalLikelihood(lgp, c.theta, &f0, NULL));
  if (c.nfree) {
    PetscCall(VecCreateSeq(PETSC_COMM_SELF, c.nfree, &x));
    PetscCall(VecDuplicate(x, &lo));
    PetscCall(VecDuplicate(x, &hi));
    PetscCall(VecGetArray(x, &xa));
    for (PetscInt i = 0; i < c.nfree; i++) xa[i] = PetscMin(PetscMax(c.theta[c.idx[i]], lgp->fitLo), lgp->fitHi);
    PetscCall(VecRestoreArray(x, &xa));
    PetscCall(VecSet(lo, lgp->fitLo));
    PetscCall(VecSet(hi, lgp->fitHi));
    PetscCall(TaoCreate(PETSC_COMM_SELF, &tao));
    PetscCall(TaoSetType(tao, TAOBLMVM));
    PetscCall(TaoSetOptionsPrefix(tao, "lgp_"));
    PetscCall(TaoSetSolution(tao, x));
    PetscCall(TaoSetVariableBounds(tao, lo, hi));
    PetscCall(TaoSetObjectiveAndGradient(tao, NULL, FormFunctionGradient, &c));
    PetscCall(TaoSetTolerances(tao, 1e-6, 1e-8, 0));
    PetscCall(TaoSetMaximumIterations(tao, 200));
    PetscCall(TaoSetFromOptions(tao));
    PetscCall(TaoSolve(tao));
    PetscCall(TaoGetConvergedReason(tao, &reason));
    PetscCall(VecGetArray(x, &xa));
    for (PetscInt i = 0; i < c.nfree; i++) c.theta[c.idx[i]] = xa[i];
    PetscCall(VecRestoreArray(x, &xa));
    PetscCall(PetscInfo(NULL, "LGP ML-II: TAO reason %s\n", TaoConvergedReasons[reason]));
    PetscCall(TaoDestroy(&tao));
    PetscCall(VecDestroy(&x));
    PetscCall(VecDestroy(&lo));
    PetscCall(VecDestroy(&hi));
  }
  PetscCall(CfxLGPNegLogMarginalLikelihood(lgp, c.theta, &f, NULL));
  PetscCall(PetscInfo(NULL, "LGP ML-II: -log p from %g to %g\n", (double)f0, (double)f));
  PetscCall(PetscLogEventEnd(CFX_LGP_Fit, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  CfxLGPGetNegLogMarginalLikelihood - -log p(Y) at the current hyperparameters (sets the model up).
@*/
PetscErrorCode CfxLGPGetNegLogMarginalLikelihood(CfxLGP lgp, PetscReal *nll)
{
  PetscReal theta[CFX_LGP_MAX_DIM + 2];

  PetscFunctionBegin;
  GetTheta(lgp, theta);
  PetscCall(CfxLGPNegLogMarginalLikelihood(lgp, theta, nll, NULL));
  PetscFunctionReturn(0);
}

/*@C
  CfxLGPCosineInput - u_k = A cos(Omega k h), k = 0..n-1: the known input of the damped driven
  pendulum benchmark (theta'' = -gamma theta' - sin theta + u).
@*/
PetscErrorCode CfxLGPCosineInput(PetscInt n, PetscReal h, PetscReal A, PetscReal Omega, PetscReal u[])
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < n; k++) u[k] = A * PetscCosReal(Omega * k * h);
  PetscFunctionReturn(0);
}
