/* Integration with CVODE and the conversion of its failures into PETSc errors. */
#include "odeimpl.h"

/* A CVODE return flag < 0 becomes a PETSc error naming the flag (CVodeGetReturnFlagName()),
   CVODE's message, the time reached and the target. A failure caused by a PETSc error inside
   a user callback returns that error instead. */
static PetscErrorCode CheckCVode(CfxODE ode, int flag, PetscReal treached, PetscReal tout)
{
  char name[64], hint[128] = "";
  char *sunname;
  PetscErrorCode cberr = ode->cberr;

  PetscFunctionBegin;
  if (flag >= 0) PetscFunctionReturn(0);
  ode->cberr = 0;
  if (cberr) PetscCall(cberr); /* the callback's own error message stands */
  sunname = CVodeGetReturnFlagName((long)flag);
  PetscCall(PetscStrncpy(name, sunname ? sunname : "unknown CVODE flag", sizeof(name)));
  free(sunname); /* CVODE allocates the name with malloc() */
  if (flag == CV_TOO_MUCH_WORK) PetscCall(PetscSNPrintf(hint, sizeof(hint), "; raise -ode_max_steps (now %" PetscInt_FMT ")", ode->maxSteps));
  if (flag == CV_TOO_MUCH_ACC) PetscCall(PetscSNPrintf(hint, sizeof(hint), "; loosen -ode_rtol/-ode_atol (now %g, %g)", (double)ode->rtol, (double)ode->atol));
  SETERRQ(ode->comm, (flag == CV_TOO_MUCH_WORK || flag == CV_TOO_MUCH_ACC || flag == CV_ERR_FAILURE || flag == CV_CONV_FAILURE) ? PETSC_ERR_NOT_CONVERGED : PETSC_ERR_LIB,
          "CVODE failed with %s (flag %d) at t = %.17g while integrating towards t = %g: %s%s", name, flag, (double)treached, (double)tout, ode->sunmsg[0] ? ode->sunmsg : "(no message from SUNDIALS)",
          hint);
}

/*@C
  CfxODESetInitialCondition - Starts (or restarts) the integration at time t0 from y0[0..n-1].
@*/
PetscErrorCode CfxODESetInitialCondition(CfxODE ode, PetscReal t0, const PetscReal y0[])
{
  PetscReal *y;

  PetscFunctionBegin;
  PetscValidPointer(ode, 1);
  PetscValidRealPointer(y0, 3);
  PetscCall(CfxODESetUp(ode));
  PetscCall(CfxCheckFinite(ode->comm, "CfxODESetInitialCondition: y0", ode->n, y0));
  PetscCheck(!PetscIsInfOrNanReal(t0), ode->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxODESetInitialCondition: expected a finite t0, found %g", (double)t0);
  y = N_VGetArrayPointer(ode->y);
  for (PetscInt i = 0; i < ode->n; i++) y[i] = y0[i];
  ode->sunmsg[0] = 0;
  PetscCheck(CVodeReInit(ode->cvode, t0, ode->y) == CV_SUCCESS, ode->comm, PETSC_ERR_LIB, "CVodeReInit(t0 = %g) failed: %s", (double)t0, ode->sunmsg);
  ode->t           = t0;
  ode->initialized = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@C
  CfxODEIntegrate - Integrates from the current state towards tout >= current time and
  returns at tout, or earlier at a zero of a root function: *t is the time reached, y the
  state there, *root the index of the root function that vanished or -1. CVODE is given tout
  as its stop time, so it never steps past tout and y(tout) is not an interpolant.
@*/
PetscErrorCode CfxODEIntegrate(CfxODE ode, PetscReal tout, PetscReal *t, PetscReal y[], PetscInt *root)
{
  realtype tret = ode->t;
  int flag;

  PetscFunctionBegin;
  PetscValidPointer(ode, 1);
  PetscValidRealPointer(t, 3);
  PetscValidRealPointer(y, 4);
  PetscCheck(ode->initialized, ode->comm, PETSC_ERR_ORDER, "CfxODEIntegrate: call CfxODESetInitialCondition() first");
  PetscCheck(tout >= ode->t, ode->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxODEIntegrate: integrates forward only; found tout = %g before the current time %.17g", (double)tout, (double)ode->t);
  if (root) *root = -1;
  if (tout > ode->t) {
    PetscCall(PetscLogEventBegin(CFX_ODE_Solve, 0, 0, 0, 0));
    ode->sunmsg[0] = 0;
    ode->cberr     = 0;
    PetscCheck(CVodeSetStopTime(ode->cvode, tout) == CV_SUCCESS, ode->comm, PETSC_ERR_LIB, "CVodeSetStopTime(%g) failed: %s", (double)tout, ode->sunmsg);
    flag = CVode(ode->cvode, tout, ode->y, &tret, CV_NORMAL);
    PetscCall(PetscLogEventEnd(CFX_ODE_Solve, 0, 0, 0, 0)); /* before any error, to keep -log_view balanced */
    if (flag < 0) {
      realtype tcur = tret;
      if (CVodeGetCurrentTime(ode->cvode, &tcur) == CV_SUCCESS) tret = tcur;
    }
    PetscCall(CheckCVode(ode, flag, tret, tout));
    ode->t = tret;
    if (flag == CV_ROOT_RETURN && root) {
      int *found;
      PetscCall(PetscMalloc1(ode->nroots, &found));
      PetscCheck(CVodeGetRootInfo(ode->cvode, found) == CV_SUCCESS, ode->comm, PETSC_ERR_LIB, "CVodeGetRootInfo() failed: %s", ode->sunmsg);
      for (PetscInt i = 0; i < ode->nroots; i++)
        if (found[i]) {
          *root = i;
          break;
        }
      PetscCall(PetscFree(found));
    }
    if (flag != CV_ROOT_RETURN) ode->t = tout; /* CV_SUCCESS or CV_TSTOP_RETURN: at tout exactly */
  }
  *t = ode->t;
  PetscCall(PetscArraycpy(y, N_VGetArrayPointer(ode->y), ode->n));
  PetscFunctionReturn(0);
}

/*@C
  CfxODESolve - Integrates from y0 at t0 and stores y at the nt non-decreasing times
  times[i] >= t0 in Y[i*n .. i*n + n-1]. Zeros of root functions do not stop it.
@*/
PetscErrorCode CfxODESolve(CfxODE ode, PetscReal t0, const PetscReal y0[], PetscInt nt, const PetscReal times[], PetscReal Y[])
{
  PetscFunctionBegin;
  PetscValidPointer(ode, 1);
  PetscCheck(nt >= 0, ode->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxODESolve: expected nt >= 0, found %" PetscInt_FMT, nt);
  for (PetscInt i = 0; i < nt; i++)
    PetscCheck(times[i] >= (i ? times[i - 1] : t0), ode->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxODESolve: output times must be non-decreasing from t0 = %g; found times[%" PetscInt_FMT "] = %g after %g",
               (double)t0, i, (double)times[i], (double)(i ? times[i - 1] : t0));
  PetscCall(CfxODESetInitialCondition(ode, t0, y0));
  for (PetscInt i = 0; i < nt; i++) {
    PetscReal t = ode->t;
    do PetscCall(CfxODEIntegrate(ode, times[i], &t, Y + i * ode->n, NULL));
    while (t < times[i]);
    if (ode->monitor) {
      realtype h = 0;
      PetscInt steps, rhs;
      (void)CVodeGetLastStep(ode->cvode, &h);
      PetscCall(CfxODEGetStatistics(ode, &steps, &rhs));
      PetscCall(PetscPrintf(ode->comm, "  ode output %" PetscInt_FMT ": t = %g, steps %" PetscInt_FMT ", rhs evaluations %" PetscInt_FMT ", last step %.3e\n", i, (double)t, steps, rhs, (double)h));
    }
  }
  PetscFunctionReturn(0);
}

/*@C
  CfxODEEnergy - The system's energy (built-in systems, see cfxode.h) or the user's invariant.
@*/
PetscErrorCode CfxODEEnergy(CfxODE ode, PetscReal t, const PetscReal y[], PetscReal *E)
{
  PetscFunctionBegin;
  PetscValidPointer(ode, 1);
  PetscValidRealPointer(y, 3);
  PetscValidRealPointer(E, 4);
  PetscCheck(ode->energy, ode->comm, PETSC_ERR_ORDER, "CfxODEEnergy: the %s system has no energy function; set one with CfxODESetEnergyFunction()", CfxODESystems[ode->system]);
  PetscCall(ode->energy(t, y, E, ode->energyctx));
  PetscFunctionReturn(0);
}

/*@C
  CfxODEGetStatistics - Steps and right-hand-side evaluations since the last initial condition.
@*/
PetscErrorCode CfxODEGetStatistics(CfxODE ode, PetscInt *steps, PetscInt *rhs)
{
  long ns = 0, nf = 0;

  PetscFunctionBegin;
  PetscValidPointer(ode, 1);
  if (ode->cvode) {
    PetscCheck(CVodeGetNumSteps(ode->cvode, &ns) == CV_SUCCESS, ode->comm, PETSC_ERR_LIB, "CVodeGetNumSteps() failed");
    PetscCheck(CVodeGetNumRhsEvals(ode->cvode, &nf) == CV_SUCCESS, ode->comm, PETSC_ERR_LIB, "CVodeGetNumRhsEvals() failed");
  }
  if (steps) *steps = (PetscInt)ns;
  if (rhs) *rhs = (PetscInt)nf;
  PetscFunctionReturn(0);
}
