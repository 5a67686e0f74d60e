/* Posterior function samples by pathwise conditioning: a prior sample f from M random Fourier
   features of the SE kernel (omega ~ N(0, diag(1/ell^2)), phase ~ U(0, 2 pi), weights ~ N(0, 1),
   f = sqrt(2 sf^2 / M) sum_m w_m cos(omega_m . z + b_m)) is corrected by the data,
     f_post = f + k(., X) K^{-1} (y - Phi f - eps),  eps ~ N(0, nugget on the noisy rows),
   where Phi applies the training functionals. Each sample is a function (a Lagrangian for
   LGP), rolled out by the same Newton iteration as the mean: its own variational integrator. */
#include "lgpimpl.h"
#include <conflux/cfxrng.h>

/* Training functionals applied to the current random-feature prior sample (output r). */
static PetscErrorCode ApplyFunctionals(CfxLGP lgp, PetscInt r, PetscReal out[])
{
  const PetscInt D = 2 * lgp->d;

  PetscFunctionBegin;
  for (PetscInt o = 0; o < lgp->n; o++) {
    PetscReal s = 0;
    for (PetscInt a = lgp->ostart[o]; a < lgp->ostart[o + 1]; a++) {
      const PetscReal *z = lgp->pts + lgp->apt[a] * D;
      for (PetscInt mf = 0; mf < lgp->rffM; mf++) {
        const PetscReal *om = lgp->rffOmega + mf * D, w = lgp->rffScale * lgp->rffW[mf * lgp->nrhs + r];
        PetscReal arg = lgp->rffPhase[mf];
        for (PetscInt j = 0; j < D; j++) arg += om[j] * z[j];
        s += lgp->ac[a] * (lgp->aj[a] < 0 ? w * PetscCosReal(arg) : -w * om[lgp->aj[a]] * PetscSinReal(arg));
      }
    }
    out[o] = s;
  }
  PetscFunctionReturn(0);
}

/*@C
  CfxLGPRolloutSamples - ns posterior function samples (M random features each, seed `seed`),
  each rolled out like CfxLGPRollout(): Q[ns][steps+1][d]. A sample whose Newton iteration
  fails is an error naming the sample and the step.
@*/
PetscErrorCode CfxLGPRolloutSamples(CfxLGP lgp, const PetscReal q0[], const PetscReal q1[], PetscInt steps, const PetscReal u[], PetscInt ns, PetscInt M, PetscInt seed, PetscReal Q[])
{
  const PetscInt D = 2 * lgp->d, n = lgp->n, nr = lgp->nrhs;
  PetscReal *Wmean, *alpha, *phi;
  CfxRNG rng;

  PetscFunctionBegin;
  PetscCheck(lgp->setup, lgp->comm, PETSC_ERR_ORDER, "CfxLGPRolloutSamples: call CfxLGPSetUp() or CfxLGPFit() first");
  PetscCheck(!lgp->dissipation, lgp->comm, PETSC_ERR_SUP, "CfxLGPRolloutSamples: posterior function samples of the dissipation GP are not implemented; use the linearised std");
  PetscCheck(ns >= 1 && M >= 1, lgp->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxLGPRolloutSamples: expected >= 1 samples and features, found %" PetscInt_FMT ", %" PetscInt_FMT, ns, M);
  PetscCall(CfxRNGSetSeed(&rng, (uint64_t)seed, 7));
  PetscCall(PetscMalloc3(M * D, &lgp->rffOmega, M, &lgp->rffPhase, M * nr, &lgp->rffW));
  PetscCall(PetscMalloc3(lgp->npts * nr * (D + 1), &Wmean, n * nr, &alpha, n, &phi));
  PetscCall(PetscArraycpy(Wmean, lgp->W, lgp->npts * nr * (D + 1)));
  lgp->rffScale = PetscSqrtReal(2 * lgp->kern.sf2 / M);
  for (PetscInt s = 0; s < ns; s++) {
    PetscErrorCode ierr;
    lgp->rffM = 0;
    for (PetscInt mf = 0; mf < M; mf++) {
      for (PetscInt j = 0; j < D; j++) lgp->rffOmega[mf * D + j] = CfxRNGNormal(&rng) / lgp->kern.ell[j];
      lgp->rffPhase[mf] = 2 * PETSC_PI * CfxRNGUniform(&rng);
      for (PetscInt r = 0; r < nr; r++) lgp->rffW[mf * nr + r] = CfxRNGNormal(&rng);
    }
    lgp->rffM = M;
    for (PetscInt r = 0; r < nr; r++) {
      PetscCall(ApplyFunctionals(lgp, r, phi));
      for (PetscInt o = 0; o < n; o++) alpha[r * n + o] = lgp->Y[r * n + o] - phi[o] - (lgp->onoise[o] ? lgp->noise * CfxRNGNormal(&rng) : 0);
    }
    PetscCall(CfxLGPSolve(lgp, nr, alpha));
    PetscCall(PetscArrayzero(lgp->W, lgp->npts * nr * (D + 1)));
    for (PetscInt r = 0; r < nr; r++)
      for (PetscInt o = 0; o < n; o++)
        for (PetscInt a = lgp->ostart[o]; a < lgp->ostart[o + 1]; a++) lgp->W[(lgp->apt[a] * nr + r) * (D + 1) + 1 + lgp->aj[a]] += alpha[r * n + o] * lgp->ac[a];
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = CfxLGPRollout(lgp, q0, q1, steps, u, Q + s * (steps + 1) * lgp->d, NULL, NULL);
    PetscCall(PetscPopErrorHandler());
    if (ierr) { /* restore the mean before reporting */
      const char *text;
      char *specific = NULL;
      PetscErrorMessage(ierr, &text, &specific);
      lgp->rffM = 0;
      PetscCall(PetscArraycpy(lgp->W, Wmean, lgp->npts * nr * (D + 1)));
      PetscCall(PetscFree3(lgp->rffOmega, lgp->rffPhase, lgp->rffW));
      PetscCall(PetscFree3(Wmean, alpha, phi));
      SETERRQ(lgp->comm, PETSC_ERR_NOT_CONVERGED, "posterior sample %" PetscInt_FMT " of %" PetscInt_FMT ": %s", s, ns, specific ? specific : "rollout failed");
    }
  }
  lgp->rffM = 0;
  PetscCall(PetscArraycpy(lgp->W, Wmean, lgp->npts * nr * (D + 1)));
  PetscCall(PetscFree3(lgp->rffOmega, lgp->rffPhase, lgp->rffW));
  PetscCall(PetscFree3(Wmean, alpha, phi));
  PetscFunctionReturn(0);
}
