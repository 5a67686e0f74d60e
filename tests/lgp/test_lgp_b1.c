static const char help[] = "B1, Offen's coupled oscillator: L = |v|^2/2 - |q|^2 + 0.1 q1 q2, D-LGP (SE, ell = 1) conditioned\n"
                           "on 300 snapshot triples (q0, q1, q2) released from Halton points (q, v) in [-1, 1]^4, h = 0.1;\n"
                           "rolled out 1000 steps from q0 = (0.2, 0.1), v0 = 0. The maximum position error against the\n"
                           "exact solution must stay <= 1e-3. Options: -n_samples n, -steps n.\n";

#include "lgptest.h"

/* Exact solution of q'' = -2 q + 0.1 (q2, q1): modes s = (q1+q2)/sqrt2 (omega^2 = 1.9) and
   w = (q1-q2)/sqrt2 (omega^2 = 2.1). */
static void Exact(const PetscReal q0[2], const PetscReal v0[2], PetscReal t, PetscReal q[2])
{
  const PetscReal r = PetscSqrtReal(0.5), ws = PetscSqrtReal(1.9), ww = PetscSqrtReal(2.1);
  const PetscReal s0 = r * (q0[0] + q0[1]), w0 = r * (q0[0] - q0[1]), sv = r * (v0[0] + v0[1]), wv = r * (v0[0] - v0[1]);
  const PetscReal s = s0 * PetscCosReal(ws * t) + sv / ws * PetscSinReal(ws * t), w = w0 * PetscCosReal(ww * t) + wv / ww * PetscSinReal(ww * t);
  q[0] = r * (s + w);
  q[1] = r * (s - w);
}

/* Radical inverse of i in base b (Halton sequence). */
static PetscReal Halton(PetscInt i, PetscInt b)
{
  PetscReal f = 1, x = 0;
  for (; i > 0; i /= b) {
    f /= b;
    x += f * (i % b);
  }
  return x;
}

int main(int argc, char **argv)
{
  const PetscInt base[4] = {2, 3, 5, 7};
  const PetscReal h = 0.1, q0[2] = {0.2, 0.1}, v0[2] = {0, 0};
  PetscInt ns = 300, steps = 1000, n;
  PetscInt inside = 0;
  PetscReal *q, *Q, *S, err = 0, emax = 0, emin = PETSC_MAX_REAL, jitter, E0, Eerr = 0;
  PetscBool piv;
  CfxLGP lgp;

  PetscFunctionBeginUser;
  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n_samples", &ns, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-steps", &steps, NULL));
  PetscCall(PetscMalloc3(ns * 6, &q, 2 * (steps + 1), &Q, 2 * (steps + 1), &S));
  for (PetscInt t = 0; t < ns; t++) { /* Halton points 1..ns in [-1, 1]^4 as (q, v) */
    PetscReal y[4];
    for (PetscInt j = 0; j < 4; j++) y[j] = -1 + 2 * Halton(t + 1, base[j]);
    for (PetscInt k = 0; k < 3; k++) Exact(y, y + 2, k * h, q + (t * 3 + k) * 2);
  }
  PetscCall(CfxLGPCreate(PETSC_COMM_SELF, &lgp));
  PetscCall(CfxLGPSetData(lgp, ns, 3, 2, h, q, 0, NULL));
  /* the relative jitter biases the posterior: 1e-10 (the default first try) gives 3.9e-3 here,
     1e-12 6.1e-4, 1e-14 2.4e-4; the Gram matrix (n = 603) factors without escalation at 1e-14 */
  PetscCall(CfxLGPSetJitter(lgp, 1e-14, 1e-6));
  PetscCall(CfxLGPSetFromOptions(lgp)); /* D-LGP, ell = 1, sf = 1, nugget 1e-6, gauge L(0) = 1, p(0) = (1, 1) */
  PetscCall(CfxLGPSetUp(lgp));
  PetscCall(CfxLGPGetFactorInfo(lgp, &n, &jitter, &piv, NULL));
  {
    PetscReal q1[2], qt[2], v[2];
    Exact(q0, v0, h, q1);
    PetscCall(CfxLGPRollout(lgp, q0, q1, steps, NULL, Q, S, NULL));
    /* true energy |v|^2/2 + |q|^2 - 0.1 q1 q2 along the prediction, v by central differences */
    E0 = q0[0] * q0[0] + q0[1] * q0[1] - 0.1 * q0[0] * q0[1];
    for (PetscInt k = 0; k <= steps; k++) {
      Exact(q0, v0, k * h, qt);
      for (PetscInt i = 0; i < 2; i++) {
        err = PetscMax(err, PetscAbsReal(Q[2 * k + i] - qt[i]));
        if (k >= 2 && PetscAbsReal(Q[2 * k + i] - qt[i]) <= 2 * S[2 * k + i]) inside++;
      }
      if (k > 0 && k < steps) {
        for (PetscInt i = 0; i < 2; i++) v[i] = (Q[2 * (k + 1) + i] - Q[2 * (k - 1) + i]) / (2 * h);
        Eerr = PetscMax(Eerr, PetscAbsReal(0.5 * (v[0] * v[0] + v[1] * v[1]) + Q[2 * k] * Q[2 * k] + Q[2 * k + 1] * Q[2 * k + 1] - 0.1 * Q[2 * k] * Q[2 * k + 1] - E0));
      }
    }
    for (PetscInt k = 2; k <= steps; k++) {
      emax = PetscMax(emax, PetscMax(S[2 * k], S[2 * k + 1]));
      emin = PetscMin(emin, PetscMin(S[2 * k], S[2 * k + 1]));
    }
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "B1: n = %" PetscInt_FMT " (%s, relative jitter %g); %" PetscInt_FMT " steps from q0 = (0.2, 0.1), v0 = 0: max position error %.3e, max |E - E0| %.3e (E0 %.4f), "
                        "linearised std %.2e .. %.2e, 2-sigma coverage %.3f\n",
                        n, piv ? "pivoted Cholesky" : "Cholesky", (double)jitter, steps, (double)err, (double)Eerr, (double)E0, (double)emin, (double)emax, (double)inside / (2 * (steps - 1))));
  /* Offen (arXiv 2404.19626) reports 4.3e-4 against his reference; the issue asks for <= 1e-3 */
  PetscCheck(err <= 1e-3, PETSC_COMM_SELF, PETSC_ERR_PLIB, "B1: max position error over %" PetscInt_FMT " steps %g > 1e-3", steps, (double)err);
  PetscCall(CfxLGPDestroy(&lgp));
  PetscCall(PetscFree3(q, Q, S));
  PetscCall(CfxFinalize());
  return 0;
}
