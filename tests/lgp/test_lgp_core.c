static const char help[] = "Tests CfxLGP numerics on small pendulum data: ML-II gradient against finite differences\n"
                           "(D-LGP, C-LGP, GP-NARX), the posterior satisfies its observations at the data (DEL residual,\n"
                           "gauge value and momentum), energy/momentum functionals, and the pivoted-Cholesky fallback.\n";

#include "lgptest.h"

static PetscErrorCode CheckGradient(CfxLGPModel model, const PetscReal q[], PetscInt ntraj, PetscInt nsteps, PetscReal h)
{
  CfxLGP lgp;
  PetscReal theta[4] = {PetscLogReal(0.9), PetscLogReal(1.3), PetscLogReal(1.2), PetscLogReal(1e-3)}, f, grad[4], worst = 0;
  PetscReal eps = 1e-2;
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-eps", &eps, NULL));

  PetscFunctionBeginUser;
  PetscCall(CfxLGPCreate(PETSC_COMM_SELF, &lgp));
  PetscCall(CfxLGPSetData(lgp, ntraj, nsteps, 1, h, q, 0, NULL));
  PetscCall(CfxLGPSetModel(lgp, model));
  PetscCall(CfxLGPSetJitter(lgp, 0, 0)); /* no jitter: the finite differences see exactly the function differentiated */
  PetscCall(CfxLGPNegLogMarginalLikelihood(lgp, theta, &f, grad));
  for (PetscInt m = 0; m < 4; m++) {
    PetscReal t[4], fv[4], fd;
    const PetscReal off[4] = {-2, -1, 1, 2};
    for (PetscInt s = 0; s < 4; s++) { /* fourth-order central stencil: truncation below the round-off of -log p */
      for (PetscInt i = 0; i < 4; i++) t[i] = theta[i];
      t[m] += off[s] * eps;
      PetscCall(CfxLGPNegLogMarginalLikelihood(lgp, t, &fv[s], NULL));
    }
    fd    = (8 * (fv[2] - fv[1]) - (fv[3] - fv[0])) / (12 * eps);
    worst = PetscMax(worst, PetscAbsReal(fd - grad[m]) / PetscMax(1.0, PetscAbsReal(grad[m])));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s: -log p = %.6e, gradient (%.4e, %.4e, %.4e, %.4e), max rel. FD error %.2e\n", CfxLGPModels[model], (double)f, (double)grad[0], (double)grad[1],
                        (double)grad[2], (double)grad[3], (double)worst));
  PetscCheck(worst < 1e-6, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: ML-II gradient disagrees with finite differences (max rel. error %g)", CfxLGPModels[model], (double)worst);
  PetscCall(CfxLGPDestroy(&lgp));
  PetscFunctionReturn(0);
}

/* The posterior mean reproduces the (near noise-free) observations at the data. */
static PetscErrorCode CheckInterpolation(CfxLGPModel model, const PetscReal q[], PetscInt ntraj, PetscInt nsteps, PetscReal h)
{
  CfxLGP lgp;
  PetscReal worst = 0, maxvar = 0, pmax = 0, priorvar, zb[2] = {0, 0}, Lb, varL, pb, varp, E, varE, x = 0.3, y = 0.35;

  PetscFunctionBeginUser;
  PetscCall(CfxLGPCreate(PETSC_COMM_SELF, &lgp));
  PetscCall(CfxLGPSetData(lgp, ntraj, nsteps, 1, h, q, 0, NULL));
  PetscCall(CfxLGPSetModel(lgp, model));
  PetscCall(CfxLGPSetNoiseStd(lgp, 0));
  PetscCall(CfxLGPSetUp(lgp));
  for (PetscInt t = 0; t < ntraj; t++)
    for (PetscInt k = 1; k + 1 < nsteps; k++) {
      const PetscReal *qt = q + t * nsteps;
      PetscReal r, cov, p;
      PetscCall(CfxLGPDELResidual(lgp, &qt[k - 1], &qt[k], &qt[k + 1], NULL, NULL, &r, &cov));
      PetscCall(CfxLGPMomentum(lgp, &qt[k - 1], &qt[k], &p, NULL));
      pmax   = PetscMax(pmax, PetscAbsReal(p));
      worst  = PetscMax(worst, PetscAbsReal(r));
      maxvar = PetscMax(maxvar, cov);
    }
  /* the same functional far from the data keeps (nearly) its prior variance */
  {
    PetscReal a = 3, b = 3.05, c = 3.1, r, cov;
    PetscCall(CfxLGPDELResidual(lgp, &a, &b, &c, NULL, NULL, &r, &cov));
    priorvar = cov;
  }
  PetscCall(CfxLGPLagrangian(lgp, zb, &Lb, &varL));
  { /* gauge momentum row: d f / d z_{d} at z_b (D2 L_d for D-LGP, dL/dv for C-LGP) */
    CfxLGPAtom A = {{0, 0}, 1, 1.0};
    PetscCall(CfxLGPPosteriorFunctional(lgp, 1, &A, &pb, &varp));
  }
  PetscCall(CfxLGPEnergy(lgp, &x, &y, &E, &varE));
  PetscCall(PetscPrintf(
      PETSC_COMM_SELF,
      "%s: n = %d, max |DEL residual| at data %.2e of max |momentum| %.2e (max variance %.2e; far from data %.2e); L(z_b) = %.12f (var %.1e), p(z_b) = %.12f (var %.1e); E(0.3,0.35) = %.4f +- %.1e\n",
      CfxLGPModels[model], (int)(ntraj * (nsteps - 2) + 2), (double)worst, (double)pmax, (double)maxvar, (double)priorvar, (double)Lb, (double)varL, (double)pb, (double)varp, (double)E,
      (double)PetscSqrtReal(PetscMax(varE, 0))));
  PetscCheck(worst < 1e-5 * pmax && maxvar < 1e-6 * priorvar, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: posterior does not satisfy the DEL observations: residual %g, variance %g (prior %g)",
             CfxLGPModels[model], (double)worst, (double)maxvar, (double)priorvar);
  PetscCheck(PetscAbsReal(Lb - 1) < 1e-7 && PetscAbsReal(pb - 1) < 1e-7 && varL < 1e-6 && varp < 1e-6, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: gauge rows not satisfied: L(z_b) = %g, p(z_b) = %g",
             CfxLGPModels[model], (double)Lb, (double)pb);
  PetscCheck(varE > 0 && PetscIsNormalReal(E), PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: energy posterior degenerate: %g, variance %g", CfxLGPModels[model], (double)E, (double)varE);
  PetscCall(CfxLGPDestroy(&lgp));
  PetscFunctionReturn(0);
}

/* Two copies of the same trajectory make the Gram matrix exactly singular: without jitter
   Cholesky fails, the pivoted fallback finds the rank and the posterior still interpolates. */
static PetscErrorCode CheckPivoted(const PetscReal q[], PetscInt nsteps, PetscReal h)
{
  CfxLGP lgp;
  PetscReal *qq, worst = 0;
  PetscBool pivoted;
  PetscInt n, rank;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(2 * nsteps, &qq));
  PetscCall(PetscArraycpy(qq, q, nsteps));
  PetscCall(PetscArraycpy(qq + nsteps, q, nsteps));
  PetscCall(CfxLGPCreate(PETSC_COMM_SELF, &lgp));
  PetscCall(CfxLGPSetData(lgp, 2, nsteps, 1, h, qq, 0, NULL));
  PetscCall(CfxLGPSetNoiseStd(lgp, 0));
  PetscCall(CfxLGPSetJitter(lgp, 0, 0));
  PetscCall(CfxLGPSetUp(lgp));
  PetscCall(CfxLGPGetFactorInfo(lgp, &n, NULL, &pivoted, &rank));
  for (PetscInt k = 1; k + 1 < nsteps; k++) {
    PetscReal r;
    PetscCall(CfxLGPDELResidual(lgp, &q[k - 1], &q[k], &q[k + 1], NULL, NULL, &r, NULL));
    worst = PetscMax(worst, PetscAbsReal(r));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "duplicated data: n = %" PetscInt_FMT ", pivoted %s, rank %" PetscInt_FMT ", max |DEL residual| %.2e\n", n, pivoted ? "yes" : "no", rank, (double)worst));
  PetscCheck(pivoted && rank <= n - (nsteps - 2), PETSC_COMM_SELF, PETSC_ERR_PLIB, "expected the pivoted fallback with rank <= %" PetscInt_FMT ", found pivoted %d rank %" PetscInt_FMT,
             n - (nsteps - 2), (int)pivoted, rank);
  PetscCheck(worst < 1e-6, PETSC_COMM_SELF, PETSC_ERR_PLIB, "pivoted fallback: DEL residual %g at the data", (double)worst);
  PetscCall(CfxLGPDestroy(&lgp));
  PetscCall(PetscFree(qq));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscReal th[2] = {0.5, 1.1}, q[24], h = 0.1;

  PetscFunctionBeginUser;
  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(LGPTestPendulum(2, th, 12, h, q));
  PetscCall(CheckGradient(CFX_LGP_DLGP, q, 2, 12, h));
  PetscCall(CheckGradient(CFX_LGP_CLGP, q, 2, 12, h));
  PetscCall(CheckGradient(CFX_LGP_NARX, q, 2, 12, h));
  PetscCall(CheckInterpolation(CFX_LGP_DLGP, q, 2, 12, h));
  PetscCall(CheckInterpolation(CFX_LGP_CLGP, q, 2, 12, h));
  PetscCall(CheckPivoted(q, 12, h));
  PetscCall(CfxFinalize());
  return 0;
}
