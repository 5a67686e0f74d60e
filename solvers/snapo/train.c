/* SNAPO training: Adam (any CfxOptimizer) on the policy parameters, with the gradient of
   the mean objective over a batch of common-random-number paths from one reverse sweep. */
#include "snapoimpl.h"

/*@C
  CfxSnapoTrain - maximise J over the policy parameters held by the optimizer's parameter set.

  Step k (k = 1..iters) evaluates a fresh batch of `paths` paths drawn with seed `seed + k`
  (the batch is fixed during the step: common random numbers for its value and gradient),
  negates dJ/dtheta (the optimizer minimises) and takes one optimizer step. Gradients of
  the model inputs accumulate during training as a side effect; zero them before reading
  sensitivities. history[k-1] receives the batch value of step k (history may be NULL).
  With monitor > 0 a progress line is printed every `monitor` steps and at the last one.
@*/
PetscErrorCode CfxSnapoTrain(MPI_Comm comm, const CfxSnapoModelOps *m, const CfxSnapoPolicy *pol, CfxOptimizer opt, const CfxSnapoTrainParams *tp, PetscReal history[])
{
  CfxParamSet ps;
  PetscInt np, n;
  CfxTensor *par;
  PetscReal *val, *grad;
  PetscLogDouble t0, t;

  PetscFunctionBegin;
  PetscCall(SnapoInitializePackage());
  PetscCheck(tp->iters >= 0 && tp->paths > 0 && tp->block > 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "training needs iters >= 0, paths > 0 and block > 0, found %" PetscInt_FMT ", %" PetscInt_FMT ", %" PetscInt_FMT, tp->iters, tp->paths, tp->block);
  PetscCall(CfxOptimizerGetParamSet(opt, &ps));
  PetscCheck(ps, comm, PETSC_ERR_ARG_WRONGSTATE, "the optimizer has no parameter set (CfxOptimizerSetParamSet)");
  PetscCall(CfxParamSetGetNumParameters(ps, &np));
  PetscCall(CfxParamSetGetSize(ps, &n));
  PetscCall(CfxParamSetGetArrays(ps, &val, &grad));
  PetscCall(PetscMalloc1(np, &par));
  for (PetscInt k = 0; k < np; k++) PetscCall(CfxParamSetGetParameter(ps, k, NULL, &par[k], NULL));
  PetscCall(PetscTime(&t0));
  for (PetscInt it = 1; it <= tp->iters; it++) {
    CfxSnapoResult r;
    PetscReal lr, gn;

    PetscCall(CfxParamSetZeroGrad(ps));
    PetscCall(CfxOptimizerGetCurrentLearningRate(opt, &lr));
    PetscCall(CfxSnapoEvaluate(comm, m, pol, tp->paths, tp->block, tp->seed + (uint64_t)it, PETSC_TRUE, np, par, &r));
    for (PetscInt i = 0; i < n; i++) grad[i] = -grad[i];
    PetscCall(CfxOptimizerStep(opt));
    if (history) history[it - 1] = r.value;
    if (tp->monitor > 0 && (it % tp->monitor == 0 || it == tp->iters)) {
      PetscCall(CfxOptimizerGetLastGradientNorm(opt, &gn));
      PetscCall(PetscTime(&t));
      PetscCall(PetscPrintf(comm, "  step %4" PetscInt_FMT "/%" PetscInt_FMT "  J(batch) %10.5f +- %.4f  lr %.2e  |grad| %.3e  %6.1f s  ETA %.0f s\n", it, tp->iters, (double)r.value,
                            (double)r.stderr_mc, (double)lr, (double)gn, (double)(t - t0), (double)((t - t0) * (tp->iters - it) / it)));
    }
  }
  PetscCall(PetscFree(par));
  PetscFunctionReturn(0);
}
