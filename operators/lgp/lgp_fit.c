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

PETSC_INTERN PetscErrorCode CfxLGPSelectByValidation(CfxLGP);

/*@C
  CfxLGPFit - With CfxLGPSetSelectionGrid(lgp, PETSC_TRUE, ...) (-lgp_fit_select validation):
  chooses the length scales by held-out rollouts (see there). Otherwise ML-II: minimises the negative log marginal likelihood over the free
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
  if (lgp->selectValidation) {
    PetscCall(PetscLogEventBegin(CFX_LGP_Fit, 0, 0, 0, 0));
    PetscCall(CfxLGPSelectByValidation(lgp));
    PetscCall(PetscLogEventEnd(CFX_LGP_Fit, 0, 0, 0, 0));
    PetscFunctionReturn(0);
  }
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
  CfxLGPCosineInput - u_k = A cos(Omega (k + 1/2) h), k = 0..n-1: the known input of the damped
  driven pendulum benchmark (theta'' = -gamma theta' - sin theta + A cos(Omega t)). u_k acts on
  the interval (q_k, q_{k+1}), so it is sampled at the interval's midpoint, as the midpoint rule
  f+-_d = (h/2) F(midpoint, u) asks; sampling at t_k instead shifts the force by half a step, an
  O(h^2) error in every DEL row that made the learned models drift.
@*/
PetscErrorCode CfxLGPCosineInput(PetscInt n, PetscReal h, PetscReal A, PetscReal Omega, PetscReal u[])
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < n; k++) u[k] = A * PetscCosReal(Omega * (k + 0.5) * h);
  PetscFunctionReturn(0);
}

/* ---- Hyperparameter selection by held-out rollouts ----------------------------------------
   ML-II sees the DEL rows only through their zero targets and the few gauge rows, so it can
   prefer length scales that interpolate the data yet roll out poorly. Selection instead rolls
   the mean out on trajectories the model was not conditioned on and keeps the candidate with
   the smallest position error. */

/*@C
  CfxLGPSetValidationData - Held-out trajectories q[ntraj][nsteps][d] (and inputs u, required
  when the training data have inputs) for CfxLGPValidationError() and for selection by
  validation in CfxLGPFit(). Copies the data. Call after CfxLGPSetData().
@*/
PetscErrorCode CfxLGPSetValidationData(CfxLGP lgp, PetscInt ntraj, PetscInt nsteps, const PetscReal q[], const PetscReal u[])
{
  const PetscInt d = lgp->d, m = lgp->m;

  PetscFunctionBegin;
  PetscCheck(d, lgp->comm, PETSC_ERR_ORDER, "CfxLGPSetValidationData: call CfxLGPSetData() first");
  PetscCheck(ntraj >= 1 && nsteps >= 3, lgp->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxLGPSetValidationData: expected >= 1 trajectory of >= 3 snapshots, found %" PetscInt_FMT " x %" PetscInt_FMT, ntraj,
             nsteps);
  PetscCheck(!m || u, lgp->comm, PETSC_ERR_ARG_NULL, "CfxLGPSetValidationData: the training data have %" PetscInt_FMT " inputs; give u for the validation data too", m);
  PetscCall(CfxCheckFinite(lgp->comm, "CfxLGPSetValidationData: positions q", ntraj * nsteps * d, q));
  PetscCall(PetscFree2(lgp->vq, lgp->vu));
  PetscCall(PetscMalloc2(ntraj * nsteps * d, &lgp->vq, ntraj * nsteps * m, &lgp->vu));
  PetscCall(PetscArraycpy(lgp->vq, q, ntraj * nsteps * d));
  if (m) PetscCall(PetscArraycpy(lgp->vu, u, ntraj * nsteps * m));
  lgp->nvtraj  = ntraj;
  lgp->nvsteps = nsteps;
  PetscFunctionReturn(0);
}

/*@C
  CfxLGPSetSelectionGrid - validation = PETSC_TRUE makes CfxLGPFit() choose the length scales
  by held-out rollouts instead of ML-II: every pair (a, b) of grid values is tried as
  ell = (a for the first d coordinates, b for the last d), scored by CfxLGPValidationError()
  on the validation data, or, without validation data, by leave-one-trajectory-out (each
  trajectory rolled out by the model conditioned on the others; mean of the fold errors).
  ngrid = 0 keeps the grid (default 0.25, 0.5, 1, 2, 4).
@*/
PetscErrorCode CfxLGPSetSelectionGrid(CfxLGP lgp, PetscBool validation, PetscInt ngrid, const PetscReal grid[])
{
  PetscFunctionBegin;
  PetscCheck(ngrid >= 0 && ngrid <= 16, lgp->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxLGPSetSelectionGrid: expected 0..16 grid values, found %" PetscInt_FMT, ngrid);
  for (PetscInt i = 0; i < ngrid; i++) {
    PetscCheck(grid[i] > 0 && PetscIsNormalReal(grid[i]), lgp->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxLGPSetSelectionGrid: expected positive length scales, found %g", (double)grid[i]);
    lgp->grid[i] = grid[i];
  }
  if (ngrid) lgp->ngrid = ngrid;
  lgp->selectValidation = validation;
  PetscFunctionReturn(0);
}

/*@C
  CfxLGPValidationError - Rolls the posterior mean out on each trajectory q[ntraj][nsteps][d]
  from its first two snapshots (inputs u when the model has them) and returns the largest
  position error over all steps; PETSC_INFINITY when a rollout fails (Newton divergence).
@*/
PetscErrorCode CfxLGPValidationError(CfxLGP lgp, PetscInt ntraj, PetscInt nsteps, const PetscReal q[], const PetscReal u[], PetscReal *err)
{
  const PetscInt d = lgp->d, m = lgp->m;
  PetscReal *Q;

  PetscFunctionBegin;
  PetscCheck(lgp->setup, lgp->comm, PETSC_ERR_ORDER, "CfxLGPValidationError: call CfxLGPSetUp() first");
  PetscCheck(!m || u, lgp->comm, PETSC_ERR_ARG_NULL, "CfxLGPValidationError: the model has %" PetscInt_FMT " inputs; give u", m);
  *err = 0;
  PetscCall(PetscMalloc1(nsteps * d, &Q));
  for (PetscInt t = 0; t < ntraj && *err < PETSC_INFINITY; t++) {
    const PetscReal *qt = q + t * nsteps * d;
    PetscInt fail;
    PetscCall(CfxLGPRolloutTry(lgp, qt, qt + d, nsteps - 1, m ? u + t * nsteps * m : NULL, Q, &fail));
    if (fail >= 0)
      *err = PETSC_INFINITY;
    else
      for (PetscInt i = 0; i < nsteps * d; i++) *err = PetscMax(*err, PetscAbsReal(Q[i] - qt[i]));
  }
  PetscCall(PetscFree(Q));
  PetscFunctionReturn(0);
}

/* A model with the settings of src conditioned on src's trajectories except `skip`. */
static PetscErrorCode LeaveOneOut(CfxLGP src, PetscInt skip, CfxLGP *out)
{
  const PetscInt N = src->nsteps, d = src->d, m = src->m;
  PetscReal *q, *u;
  CfxLGP l;

  PetscFunctionBegin;
  PetscCall(PetscMalloc2((src->ntraj - 1) * N * d, &q, (src->ntraj - 1) * N * m, &u));
  for (PetscInt t = 0, s = 0; t < src->ntraj; t++) {
    if (t == skip) continue;
    PetscCall(PetscArraycpy(q + s * N * d, src->q + t * N * d, N * d));
    if (m) PetscCall(PetscArraycpy(u + s * N * m, src->u + t * N * m, N * m));
    s++;
  }
  PetscCall(CfxLGPCreate(PETSC_COMM_SELF, &l));
  PetscCall(CfxLGPSetData(l, src->ntraj - 1, N, d, src->h, q, m, u));
  if (m) PetscCall(CfxLGPSetInputMatrix(l, src->B));
  PetscCall(CfxLGPSetModel(l, src->model));
  l->kern            = src->kern;
  l->noise           = src->noise;
  l->jitter0         = src->jitter0;
  l->jitterMax       = src->jitterMax;
  l->narxExtrapolate = src->narxExtrapolate;
  l->newtonTol       = src->newtonTol;
  l->newtonMaxit     = src->newtonMaxit;
  l->maxJump         = src->maxJump;
  l->maxStep         = PetscMax(l->maxStep, src->maxStep);
  l->meanFn          = src->meanFn;
  l->meanCtx         = src->meanCtx;
  PetscCall(CfxLGPSetGauge(l, src->gauge, src->zb, src->Lb, src->pb));
  PetscCall(PetscFree2(q, u));
  *out = l;
  PetscFunctionReturn(0);
}

/* Held-out score of the current hyperparameters of lgp. */
static PetscErrorCode SelectionScore(CfxLGP lgp, PetscReal *score)
{
  const PetscInt N = lgp->nsteps, d = lgp->d, m = lgp->m;

  PetscFunctionBegin;
  if (lgp->nvtraj) {
    PetscCall(CfxLGPSetUp(lgp));
    PetscCall(CfxLGPValidationError(lgp, lgp->nvtraj, lgp->nvsteps, lgp->vq, lgp->vu, score));
    PetscFunctionReturn(0);
  }
  PetscCheck(lgp->ntraj >= 2, lgp->comm, PETSC_ERR_ARG_WRONG, "LGP selection by validation: no validation data and only 1 trajectory to hold out");
  *score = 0;
  for (PetscInt t = 0; t < lgp->ntraj && *score < PETSC_INFINITY; t++) {
    CfxLGP l;
    PetscReal e;
    PetscCall(LeaveOneOut(lgp, t, &l));
    PetscCall(CfxLGPSetUp(l));
    PetscCall(CfxLGPValidationError(l, 1, N, lgp->q + t * N * d, m ? lgp->u + t * N * m : NULL, &e));
    *score = e < PETSC_INFINITY ? *score + e / lgp->ntraj : PETSC_INFINITY;
    PetscCall(CfxLGPDestroy(&l));
  }
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode CfxLGPSelectByValidation(CfxLGP lgp)
{
  const PetscInt d = lgp->d, D = 2 * d;
  PetscReal best = PETSC_INFINITY, bestEll[CFX_LGP_MAX_DIM];

  PetscFunctionBegin;
  PetscCheck(lgp->model != CFX_LGP_NARX || lgp->ntraj >= 2 || lgp->nvtraj, lgp->comm, PETSC_ERR_ARG_WRONG, "LGP selection by validation: nothing to validate on");
  for (PetscInt a = 0; a < lgp->ngrid; a++)
    for (PetscInt b = 0; b < lgp->ngrid; b++) {
      PetscReal score;
      for (PetscInt j = 0; j < D; j++) lgp->kern.ell[j] = lgp->grid[j < d ? a : b];
      lgp->setup = PETSC_FALSE;
      PetscCall(SelectionScore(lgp, &score));
      PetscCall(PetscInfo(NULL, "LGP selection: ell (%g, %g): held-out max position error %g\n", (double)lgp->grid[a], (double)lgp->grid[b], (double)score));
      if (score < best) {
        best = score;
        for (PetscInt j = 0; j < D; j++) bestEll[j] = lgp->kern.ell[j];
      }
    }
  PetscCheck(best < PETSC_INFINITY, lgp->comm, PETSC_ERR_NOT_CONVERGED, "LGP selection by validation: every candidate length scale diverged on the held-out rollouts");
  for (PetscInt j = 0; j < D; j++) lgp->kern.ell[j] = bestEll[j];
  lgp->selScore = best;
  lgp->setup    = PETSC_FALSE;
  PetscCall(CfxLGPSetUp(lgp));
  PetscFunctionReturn(0);
}
