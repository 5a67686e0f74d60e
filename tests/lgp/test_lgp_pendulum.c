static const char help[] = "Pendulum learned from positions only (4 trajectories from rest at 0.4..1.6 rad, 40 snapshots,\n"
                           "h = 0.1): D-LGP and C-LGP roll out 10^4 steps from theta0 = 1 with a bounded energy error,\n"
                           "GP-NARX (q_{k-1}, q_k) -> q_{k+1} on the same data drifts. Options: -steps n, -verbose.\n";

#include "lgptest.h"

typedef struct {
  PetscReal early, late, ratio, poserr, coverage, sampleStd, sampleCoverage;
} Result;

static PetscErrorCode Run(CfxLGPModel model, const PetscReal ell[2], const PetscReal q[], PetscReal h, PetscInt steps, const PetscReal truth[], PetscInt ntruth, Result *res)
{
  CfxLGP lgp;
  PetscReal *Q, *S, E0 = 1 - PetscCosReal(1.0);
  PetscInt inside = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(steps + 1, &Q, steps + 1, &S));
  PetscCall(CfxLGPCreate(PETSC_COMM_SELF, &lgp));
  PetscCall(CfxLGPSetData(lgp, 4, 40, 1, h, q, 0, NULL));
  PetscCall(CfxLGPSetModel(lgp, model));
  PetscCall(CfxLGPSetLengthScales(lgp, ell));
  PetscCall(CfxLGPSetUp(lgp));
  PetscCall(CfxLGPRollout(lgp, &truth[0], &truth[1], steps, NULL, Q, S, NULL));
  res->early = res->late = res->poserr = 0;
  for (PetscInt k = 1; k < steps; k++) {
    const PetscReal e = PetscAbsReal(LGPTestPendulumEnergy(Q, k, h) - E0);
    if (k <= steps / 10) res->early = PetscMax(res->early, e);
    if (k >= steps - steps / 10) res->late = PetscMax(res->late, e);
  }
  for (PetscInt k = 2; k < ntruth; k++) {
    res->poserr = PetscMax(res->poserr, PetscAbsReal(Q[k] - truth[k]));
    if (PetscAbsReal(Q[k] - truth[k]) <= 2 * S[k]) inside++;
  }
  if (model == CFX_LGP_DLGP) { /* posterior function samples, each its own variational integrator */
    const PetscInt ns = 16, K = 199;
    PetscReal *QS, sstd = 0, lstd = S[K];
    PetscInt in2 = 0;
    PetscCall(PetscMalloc1(ns * (K + 1), &QS));
    PetscCall(CfxLGPRolloutSamples(lgp, &truth[0], &truth[1], K, NULL, ns, 1000, 1, QS));
    for (PetscInt k = 2; k <= K; k++) {
      PetscReal m1 = 0, m2 = 0;
      for (PetscInt j = 0; j < ns; j++) m1 += QS[j * (K + 1) + k] / ns;
      for (PetscInt j = 0; j < ns; j++) m2 += PetscSqr(QS[j * (K + 1) + k] - m1) / (ns - 1);
      if (PetscAbsReal(m1 - truth[k]) <= 2 * PetscSqrtReal(m2)) in2++;
      if (k == K) sstd = PetscSqrtReal(m2);
    }
    res->sampleStd      = sstd;
    res->sampleCoverage = (PetscReal)in2 / (K - 1);
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "%s: %d posterior samples (1000 random features): std at step %d %.3e (linearised %.3e); 2-sigma coverage of the truth by the sample band over %d steps %.2f\n",
                          CfxLGPModels[model], (int)ns, (int)K, (double)sstd, (double)lstd, (int)K, (double)res->sampleCoverage));
    PetscCall(PetscFree(QS));
  }
  res->ratio    = res->late / res->early;
  res->coverage = (PetscReal)inside / (ntruth - 2);
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "%s ell (%g, %g), %" PetscInt_FMT " steps: energy error max first 10%% %.3e, last 10%% %.3e, late/early %.3f; first %" PetscInt_FMT
                        " steps: max position error %.3e, 2-sigma coverage %.2f\n",
                        CfxLGPModels[model], (double)ell[0], (double)ell[1], steps, (double)res->early, (double)res->late, (double)res->ratio, ntruth, (double)res->poserr, (double)res->coverage));
  PetscCall(CfxLGPDestroy(&lgp));
  PetscCall(PetscFree2(Q, S));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscReal th[4] = {0.4, 0.8, 1.2, 1.6}, q[160], h = 0.1, truth[200], th1 = 1.0;
  PetscReal ell1[2] = {1, 1}, ell2[2] = {2, 2};
  PetscInt steps = 10000;
  Result d, c, n;

  PetscFunctionBeginUser;
  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-steps", &steps, NULL));
  PetscCheck(steps >= 200, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-steps: expected >= 200, found %" PetscInt_FMT, steps);
  PetscCall(LGPTestPendulum(4, th, 40, h, q));
  PetscCall(LGPTestPendulum(1, &th1, 200, h, truth));
  PetscCall(Run(CFX_LGP_DLGP, ell1, q, h, steps, truth, 200, &d));
  PetscCall(Run(CFX_LGP_CLGP, ell2, q, h, steps, truth, 200, &c));
  PetscCall(Run(CFX_LGP_NARX, ell1, q, h, steps, truth, 200, &n));
  /* measured (10^4 steps): D-LGP 2.25e-3 / ratio 1.00, C-LGP 1.60e-2 / 1.00, NARX ratio 4.3 */
  PetscCheck(d.ratio <= 1.2 && d.late <= 5e-3, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "D-LGP energy error not bounded: late %g, ratio %g", (double)d.late, (double)d.ratio);
  PetscCheck(c.ratio <= 1.2 && c.late <= 3e-2, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "C-LGP energy error not bounded: late %g, ratio %g", (double)c.late, (double)c.ratio);
  PetscCheck(d.poserr <= 5e-3, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "D-LGP position error over 200 steps %g > 5e-3", (double)d.poserr);
  PetscCheck(d.sampleCoverage >= 0.9 && d.sampleStd > 0, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "D-LGP posterior samples: 2-sigma coverage %g < 0.9 or zero spread %g", (double)d.sampleCoverage,
             (double)d.sampleStd);
  if (steps >= 10000) PetscCheck(n.ratio >= 2, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "GP-NARX was expected to drift (late/early >= 2), found %g", (double)n.ratio);
  PetscCall(CfxFinalize());
  return 0;
}
