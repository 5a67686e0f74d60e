static const char help[] = "Tests CfxODE (SUNDIALS CVODE): harmonic and coupled oscillators against exact solutions,\n"
                           "pendulum period against the AGM formula, double-pendulum energy, forced damped pendulum,\n"
                           "and SUNDIALS failures turned into PETSc errors.\n";

#include <conflux/conflux.h>
#include <string.h>

static PetscErrorCode Oscillator(PetscReal t, const PetscReal y[], PetscReal f[], void *ctx)
{
  const PetscReal w = *(PetscReal *)ctx;

  f[0] = y[1];
  f[1] = -w * w * y[0];
  return 0;
}

static PetscErrorCode CreateODE(CfxODEMethod method, PetscReal rtol, PetscReal atol, CfxODE *ode)
{
  PetscFunctionBeginUser;
  PetscCall(CfxODECreate(PETSC_COMM_SELF, ode));
  PetscCall(CfxODESetMethod(*ode, method));
  PetscCall(CfxODESetTolerances(*ode, rtol, atol));
  PetscCall(CfxODESetMaxSteps(*ode, 200000));
  PetscCall(CfxODESetFromOptions(*ode));
  PetscFunctionReturn(0);
}

/* y = (cos w t, -w sin w t), by a user callback and by the built-in one-mass chain. */
static PetscErrorCode TestHarmonic(CfxODEMethod method)
{
  PetscReal w = 2.0, y0[2] = {1, 0}, times[20], Y[40], err = 0, errb = 0;
  const PetscReal m[1] = {1}, k[2] = {4, 0};
  CfxODE ode;
  PetscInt steps;

  PetscFunctionBeginUser;
  for (int i = 0; i < 20; i++) times[i] = 0.5 * (i + 1);
  /* BDF is at most fifth order, so it needs a tighter tolerance than Adams for the same error. */
  PetscCall(CreateODE(method, method == CFX_ODE_BDF ? 1e-14 : 1e-13, 1e-16, &ode));
  PetscCall(CfxODESetRHS(ode, 2, Oscillator, &w));
  PetscCall(CfxODESolve(ode, 0, y0, 20, times, Y));
  PetscCall(CfxODEGetStatistics(ode, &steps, NULL));
  for (int i = 0; i < 20; i++) err = PetscMax(err, PetscMax(PetscAbsReal(Y[2 * i] - PetscCosReal(w * times[i])), PetscAbsReal(Y[2 * i + 1] + w * PetscSinReal(w * times[i]))));
  PetscCall(CfxODESetCoupledOscillators(ode, 1, m, k));
  PetscCall(CfxODESolve(ode, 0, y0, 20, times, Y));
  for (int i = 0; i < 20; i++) errb = PetscMax(errb, PetscMax(PetscAbsReal(Y[2 * i] - PetscCosReal(w * times[i])), PetscAbsReal(Y[2 * i + 1] + w * PetscSinReal(w * times[i]))));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "harmonic oscillator, %s, rtol %g, t <= 10: max error %.3e (callback), %.3e (built-in chain), %" PetscInt_FMT " steps\n", CfxODEMethods[method],
                        method == CFX_ODE_BDF ? 1e-14 : 1e-13, (double)err, (double)errb, steps));
  PetscCheck(err <= 1e-10 && errb <= 1e-10, PETSC_COMM_SELF, PETSC_ERR_PLIB, "harmonic oscillator (%s): errors %g, %g exceed 1e-10", CfxODEMethods[method], (double)err, (double)errb);
  PetscCall(CfxODEDestroy(&ode));
  PetscFunctionReturn(0);
}

/* Two equal masses, three equal springs k: the normal modes q1 = q2 (frequency sqrt(k/m)) and
   q1 = -q2 (frequency sqrt(3k/m)); energy k q1^2/2 + k (q2-q1)^2/2 + k q2^2/2 at rest. */
static PetscErrorCode TestCoupled(void)
{
  const PetscReal m[2] = {2, 2}, k[3] = {3, 3, 3}, T = 5;
  PetscReal ys[4] = {1, 1, 0, 0}, ya[4] = {0.5, -0.5, 0, 0}, Y[4], E0, E, err;
  CfxODE ode;

  PetscFunctionBeginUser;
  PetscCall(CreateODE(CFX_ODE_ADAMS, 1e-12, 1e-14, &ode));
  PetscCall(CfxODESetCoupledOscillators(ode, 2, m, k));
  PetscCall(CfxODEEnergy(ode, 0, ys, &E0));
  PetscCheck(PetscAbsReal(E0 - 3.0) < 1e-15, PETSC_COMM_SELF, PETSC_ERR_PLIB, "chain energy %g, expected 3", (double)E0);
  PetscCall(CfxODESolve(ode, 0, ys, 1, &T, Y));
  err = PetscMax(PetscAbsReal(Y[0] - PetscCosReal(PetscSqrtReal(1.5) * T)), PetscAbsReal(Y[1] - Y[0]));
  PetscCall(CfxODESolve(ode, 0, ya, 1, &T, Y));
  err = PetscMax(err, PetscMax(PetscAbsReal(Y[0] - 0.5 * PetscCosReal(PetscSqrtReal(4.5) * T)), PetscAbsReal(Y[1] + Y[0])));
  PetscCall(CfxODEEnergy(ode, T, Y, &E));
  PetscCall(CfxODEEnergy(ode, 0, ya, &E0));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "coupled oscillators, normal modes at t = 5: max error %.3e, energy change %.1e\n", (double)err, (double)PetscAbsReal(E - E0)));
  PetscCheck(err <= 1e-9, PETSC_COMM_SELF, PETSC_ERR_PLIB, "coupled oscillator normal modes: error %g", (double)err);
  PetscCheck(PetscAbsReal(E - E0) <= 1e-9 * E0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "coupled oscillators: energy changed by %g", (double)PetscAbsReal(E - E0));
  PetscCall(CfxODEDestroy(&ode));
  PetscFunctionReturn(0);
}

/* K(k) = pi / (2 AGM(1, sqrt(1 - k^2))), the complete elliptic integral of the first kind. */
static PetscReal EllipticK(PetscReal k)
{
  PetscReal a = 1, b = PetscSqrtReal(1 - k * k);

  for (int i = 0; i < 40 && PetscAbsReal(a - b) > 1e-16 * a; i++) {
    const PetscReal an = 0.5 * (a + b);
    b                  = PetscSqrtReal(a * b);
    a                  = an;
  }
  return PETSC_PI / (2 * a);
}

static PetscErrorCode Angle(PetscReal t, const PetscReal y[], PetscReal g[], void *ctx)
{
  g[0] = y[0];
  return 0;
}

/* Released at rest from theta0, the pendulum crosses theta = 0 at T/4, 3T/4, 5T/4, ...; CVODE's
   root finding locates the crossings. T = 4 sqrt(l/g) K(sin(theta0/2)). */
static PetscErrorCode TestPendulumPeriod(CfxODEMethod method, PetscReal theta0)
{
  const PetscReal l = 0.8, g = 9.81, Texact = 4 * PetscSqrtReal(l / g) * EllipticK(PetscSinReal(0.5 * theta0));
  PetscReal y0[2] = {theta0, 0}, y[2], t, cross[5], E0, E;
  PetscInt root, ncross = 0;
  CfxODE ode;

  PetscFunctionBeginUser;
  PetscCall(CreateODE(method, 1e-13, 1e-15, &ode));
  PetscCall(CfxODESetPendulum(ode, 1.0, l, g));
  PetscCall(CfxODESetRootFunction(ode, 1, Angle, NULL));
  PetscCall(CfxODESetInitialCondition(ode, 0, y0));
  t = 0;
  while (ncross < 5) {
    PetscCall(CfxODEIntegrate(ode, 10 * Texact, &t, y, &root));
    PetscCheck(root == 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "pendulum: reached t = %g with only %" PetscInt_FMT " zero crossings", (double)t, ncross);
    cross[ncross++] = t;
  }
  PetscCall(CfxODEEnergy(ode, 0, y0, &E0));
  PetscCall(CfxODEEnergy(ode, t, y, &E));
  {
    const PetscReal T1 = cross[2] - cross[0], T2 = cross[4] - cross[2], Tq = 4 * cross[0];
    const PetscReal err = PetscMax(PetscMax(PetscAbsReal(T1 - Texact), PetscAbsReal(T2 - Texact)), PetscAbsReal(Tq - Texact));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "pendulum, %s, theta0 = %g: period %.15f, AGM formula %.15f, max error %.2e; energy change %.1e\n", CfxODEMethods[method], (double)theta0, (double)T1,
                          (double)Texact, (double)err, (double)PetscAbsReal(E - E0)));
    PetscCheck(err <= 1e-9, PETSC_COMM_SELF, PETSC_ERR_PLIB, "pendulum period error %g exceeds 1e-9 (computed %.15g, exact %.15g)", (double)err, (double)T1, (double)Texact);
  }
  PetscCall(CfxODEDestroy(&ode));
  PetscFunctionReturn(0);
}

/* Chaotic double pendulum: the energy error should scale with the tolerance. */
static PetscErrorCode TestDoublePendulum(void)
{
  const PetscReal tol[3] = {1e-6, 1e-8, 1e-10}, T = 10;
  PetscReal y0[4] = {2.0, 2.5, 0, 0}, times[100], Y[400], drift[3], E0, E;
  CfxODE ode;

  PetscFunctionBeginUser;
  for (int i = 0; i < 100; i++) times[i] = T * (i + 1) / 100;
  for (int r = 0; r < 3; r++) {
    PetscInt steps;
    PetscCall(CreateODE(CFX_ODE_BDF, tol[r], 1e-3 * tol[r], &ode));
    PetscCall(CfxODESetDoublePendulum(ode, 1.0, 0.7, 1.0, 1.3, 9.81));
    PetscCall(CfxODEEnergy(ode, 0, y0, &E0));
    PetscCall(CfxODESolve(ode, 0, y0, 100, times, Y));
    PetscCall(CfxODEGetStatistics(ode, &steps, NULL));
    drift[r] = 0;
    for (int i = 0; i < 100; i++) {
      PetscCall(CfxODEEnergy(ode, times[i], Y + 4 * i, &E));
      drift[r] = PetscMax(drift[r], PetscAbsReal(E - E0) / PetscAbsReal(E0));
    }
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "double pendulum, BDF, rtol %g, t <= 10: max relative energy drift %.3e (%" PetscInt_FMT " steps)\n", (double)tol[r], (double)drift[r], steps));
    PetscCall(CfxODEDestroy(&ode));
  }
  for (int r = 0; r < 3; r++) PetscCheck(drift[r] <= 1e3 * tol[r], PETSC_COMM_SELF, PETSC_ERR_PLIB, "double pendulum energy drift %g at rtol %g", (double)drift[r], (double)tol[r]);
  for (int r = 1; r < 3; r++)
    PetscCheck(drift[r] <= 0.1 * drift[r - 1], PETSC_COMM_SELF, PETSC_ERR_PLIB, "double pendulum energy drift does not decrease with the tolerance: %g then %g", (double)drift[r - 1],
               (double)drift[r]);
  PetscFunctionReturn(0);
}

/* Small oscillations of the forced damped pendulum follow the linear equation
   theta'' + gamma theta' + w0^2 theta = A cos(W t) from rest, whose solution is a steady
   response R cos(W t - d) plus a decaying transient; sin(theta) - theta ~ theta^3/6 keeps the
   difference ~1e-9 relative for |theta| ~ 1e-4. */
static PetscErrorCode TestForcedDamped(void)
{
  const PetscReal l = 1, g = 4, gamma = 0.3, A = 1e-4, W = 1.3, w0 = PetscSqrtReal(g / l);
  const PetscReal R = A / PetscSqrtReal((w0 * w0 - W * W) * (w0 * w0 - W * W) + gamma * gamma * W * W), d = PetscAtan2Real(gamma * W, w0 * w0 - W * W);
  const PetscReal wd = PetscSqrtReal(w0 * w0 - 0.25 * gamma * gamma), C1 = -R * PetscCosReal(d), C2 = (0.5 * gamma * C1 - R * W * PetscSinReal(d)) / wd;
  PetscReal y0[2] = {0, 0}, times[50], Y[100], err = 0, peak = 0;
  CfxODE ode;

  PetscFunctionBeginUser;
  for (int i = 0; i < 50; i++) times[i] = 0.4 * (i + 1);
  PetscCall(CreateODE(CFX_ODE_ADAMS, 1e-12, 1e-18, &ode));
  PetscCall(CfxODESetForcedDampedPendulum(ode, 1.0, l, g, gamma, A, W));
  PetscCall(CfxODESolve(ode, 0, y0, 50, times, Y));
  for (int i = 0; i < 50; i++) {
    const PetscReal t = times[i], lin = R * PetscCosReal(W * t - d) + PetscExpReal(-0.5 * gamma * t) * (C1 * PetscCosReal(wd * t) + C2 * PetscSinReal(wd * t));
    err  = PetscMax(err, PetscAbsReal(Y[2 * i] - lin));
    peak = PetscMax(peak, PetscAbsReal(lin));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "forced damped pendulum, small amplitude (peak %.2e): relative difference from the linear solution %.2e\n", (double)peak, (double)(err / peak)));
  PetscCheck(err <= 1e-7 * peak, PETSC_COMM_SELF, PETSC_ERR_PLIB, "forced damped pendulum differs from the linear response by %g (peak %g)", (double)err, (double)peak);
  PetscCall(CfxODEDestroy(&ode));
  PetscFunctionReturn(0);
}

/* Error handling: capture the first (initiating) message of a PETSc error. */
static char lastMessage[2048];
static PetscErrorCode Capture(MPI_Comm comm, int line, const char *func, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  if (p == PETSC_ERROR_INITIAL) PetscStrncpy(lastMessage, mess ? mess : "", sizeof(lastMessage));
  return n;
}

static PetscErrorCode FailingRHS(PetscReal t, const PetscReal y[], PetscReal f[], void *ctx)
{
  PetscFunctionBeginUser;
  PetscCheck(t < 0.5, PETSC_COMM_SELF, PETSC_ERR_USER, "model undefined beyond t = 0.5 (asked at t = %g)", (double)t);
  f[0] = -y[0];
  PetscFunctionReturn(0);
}

static PetscErrorCode TestFailures(void)
{
  PetscReal y0[2] = {1, 0}, T = 100, Y[2], y1 = 1;
  CfxODE ode;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  /* Too few steps allowed: CV_TOO_MUCH_WORK, with SUNDIALS' own text ("mxstep steps taken"). */
  PetscCall(CfxODECreate(PETSC_COMM_SELF, &ode));
  PetscCall(CfxODESetPendulum(ode, 1, 1, 9.81));
  PetscCall(CfxODESetMaxSteps(ode, 5));
  PetscCall(PetscPushErrorHandler(Capture, NULL));
  ierr = CfxODESolve(ode, 0, y0, 1, &T, Y);
  PetscCall(PetscPopErrorHandler());
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "max steps 5 -> error %d: %s\n", (int)ierr, lastMessage));
  PetscCheck(ierr == PETSC_ERR_NOT_CONVERGED, PETSC_COMM_SELF, PETSC_ERR_PLIB, "expected PETSC_ERR_NOT_CONVERGED, found %d", (int)ierr);
  PetscCheck(strstr(lastMessage, "CV_TOO_MUCH_WORK") && strstr(lastMessage, "mxstep") && strstr(lastMessage, "at t = "), PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "message lacks the flag name, SUNDIALS' text or the time: %s", lastMessage);
  /* The object stays usable after the failure. */
  PetscCall(CfxODESetMaxSteps(ode, 100000));
  PetscCall(CfxODESolve(ode, 0, y0, 1, &T, Y));
  PetscCall(CfxODEDestroy(&ode));

  /* A PETSc error inside a user callback comes back as that error, not as a CVODE one. */
  PetscCall(CfxODECreate(PETSC_COMM_SELF, &ode));
  PetscCall(CfxODESetRHS(ode, 1, FailingRHS, NULL));
  T              = 1;
  lastMessage[0] = 0;
  PetscCall(PetscPushErrorHandler(Capture, NULL));
  ierr = CfxODESolve(ode, 0, &y1, 1, &T, Y);
  PetscCall(PetscPopErrorHandler());
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "failing callback -> error %d: %s\n", (int)ierr, lastMessage));
  PetscCheck(ierr == PETSC_ERR_USER && strstr(lastMessage, "model undefined"), PETSC_COMM_SELF, PETSC_ERR_PLIB, "callback error not propagated: %d %s", (int)ierr, lastMessage);
  PetscCall(CfxODEDestroy(&ode));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(TestHarmonic(CFX_ODE_BDF));
  PetscCall(TestHarmonic(CFX_ODE_ADAMS));
  PetscCall(TestCoupled());
  PetscCall(TestPendulumPeriod(CFX_ODE_ADAMS, 2.0));
  PetscCall(TestPendulumPeriod(CFX_ODE_BDF, 0.3));
  PetscCall(TestDoublePendulum());
  PetscCall(TestForcedDamped());
  PetscCall(TestFailures());
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "ODE tests passed\n"));
  PetscCall(CfxFinalize());
  return 0;
}
