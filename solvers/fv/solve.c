/* Time stepping of CfxFV: CFL-controlled steps of the TSSSP integrator that land exactly on
   each requested output time, plus the cell-average projection, mass and wave-speed helpers. */
#include "fvimpl.h"

/*@C
  CfxFVProjectFunction - Cell averages of fn(x, t) into V (a Vec of the solver's DMDA), by
  5-point Gauss-Legendre quadrature on each cell (exact for polynomials of degree 9, so the
  averages are accurate enough to measure WENO5's fifth order).
@*/
PetscErrorCode CfxFVProjectFunction(CfxFV fv, PetscReal t, CfxFVPointFn fn, void *ctx, Vec V)
{
  const PetscReal gx[5] = {-0.9061798459386640, -0.5384693101056831, 0, 0.5384693101056831, 0.9061798459386640};
  const PetscReal gw[5] = {0.2369268850561891, 0.4786286704993665, 0.5688888888888889, 0.4786286704993665, 0.2369268850561891};
  const PetscInt nc     = fv->phys->ncomp;
  PetscInt xs, xm;
  PetscReal *v, w[CFXFV_MAX_COMP];

  PetscFunctionBegin;
  PetscCall(CfxFVSetUp(fv));
  PetscCall(DMDAGetCorners(fv->da, &xs, NULL, NULL, &xm, NULL, NULL));
  PetscCall(VecGetArray(V, &v));
  for (PetscInt i = 0; i < xm; i++) {
    PetscReal xc = fv->xmin + (xs + i + 0.5) * fv->dx;
    for (PetscInt k = 0; k < nc; k++) v[i * nc + k] = 0;
    for (PetscInt g = 0; g < 5; g++) {
      PetscCall(fn(xc + 0.5 * fv->dx * gx[g], t, w, ctx));
      for (PetscInt k = 0; k < nc; k++) v[i * nc + k] += 0.5 * gw[g] * w[k];
    }
  }
  PetscCall(VecRestoreArray(V, &v));
  PetscFunctionReturn(0);
}

/*@C
  CfxFVSetInitialCondition - Sets the solution to the cell averages of fn(x, t) at the current
  time.
@*/
PetscErrorCode CfxFVSetInitialCondition(CfxFV fv, CfxFVPointFn fn, void *ctx)
{
  PetscFunctionBegin;
  PetscCall(CfxFVSetUp(fv));
  PetscCall(CfxFVProjectFunction(fv, fv->t, fn, ctx, fv->U));
  PetscFunctionReturn(0);
}

/*@C
  CfxFVComputeMaxWaveSpeed - Bound a on the characteristic speeds of the state U (collective):
  for scalar laws max |f'| over [min U, max U] (interior extrema of f' included, so a
  Buckley-Leverett Riemann problem between u = 0 and 1 is not mistaken for a still state);
  for shallow water max |v| + sqrt(g h). A non-finite value is an error naming the cell.
@*/
PetscErrorCode CfxFVComputeMaxWaveSpeed(CfxFV fv, Vec U, PetscReal *speed)
{
  const PetscInt nc = fv->phys->ncomp;
  const PetscReal *u;
  PetscInt xs, xm, bad = PETSC_MAX_INT, gbad;
  PetscReal loc[2] = {PETSC_MIN_REAL, PETSC_MIN_REAL}, glob[2];

  PetscFunctionBegin;
  PetscCall(DMDAGetCorners(fv->da, &xs, NULL, NULL, &xm, NULL, NULL));
  PetscCall(VecGetArrayRead(U, &u));
  for (PetscInt i = 0; i < xm; i++) {
    if (nc == 1) {
      loc[0] = PetscMax(loc[0], -u[i]);
      loc[1] = PetscMax(loc[1], u[i]);
      if (PetscIsInfOrNanReal(u[i]) && bad == PETSC_MAX_INT) bad = xs + i;
    } else {
      PetscReal smin, smax;
      fv->phys->speeds(fv->prm, u + i * nc, &smin, &smax);
      loc[0] = PetscMax(loc[0], PetscMax(-smin, smax));
      if ((PetscIsInfOrNanReal(u[i * nc]) || PetscIsInfOrNanReal(u[i * nc + 1])) && bad == PETSC_MAX_INT) bad = xs + i;
    }
  }
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscCall(MPIU_Allreduce(&bad, &gbad, 1, MPIU_INT, MPI_MIN, fv->comm));
  PetscCheck(gbad == PETSC_MAX_INT, fv->comm, PETSC_ERR_FP, "Non-finite solution in cell %" PetscInt_FMT " (x = %g) at time t = %.10g: the scheme is unstable (check -fv_cfl)", gbad,
             (double)(fv->xmin + (gbad + 0.5) * fv->dx), (double)fv->t);
  PetscCall(MPIU_Allreduce(loc, glob, 2, MPIU_REAL, MPI_MAX, fv->comm));
  if (nc == 1)
    *speed = CfxFVScalarMaxAbsSpeed(fv->phys, fv->prm, -glob[0], glob[1]);
  else
    *speed = glob[0];
  PetscFunctionReturn(0);
}

/*@C
  CfxFVComputeMass - Integral of each component, sum_j U_j dx (collective).
@*/
PetscErrorCode CfxFVComputeMass(CfxFV fv, Vec U, PetscReal mass[])
{
  const PetscInt nc = fv->phys->ncomp;
  const PetscReal *u;
  PetscInt xm;
  PetscReal loc[CFXFV_MAX_COMP] = {0};

  PetscFunctionBegin;
  PetscCall(DMDAGetCorners(fv->da, NULL, NULL, NULL, &xm, NULL, NULL));
  PetscCall(VecGetArrayRead(U, &u));
  for (PetscInt i = 0; i < xm; i++)
    for (PetscInt k = 0; k < nc; k++) loc[k] += u[i * nc + k];
  PetscCall(VecRestoreArrayRead(U, &u));
  for (PetscInt k = 0; k < nc; k++) loc[k] *= fv->dx;
  PetscCall(MPIU_Allreduce(loc, mass, (PetscMPIInt)nc, MPIU_REAL, MPIU_SUM, fv->comm));
  PetscFunctionReturn(0);
}

/*@C
  CfxFVComputeRHS - The semi-discrete right-hand side F = dU/dt at time t.
@*/
PetscErrorCode CfxFVComputeRHS(CfxFV fv, PetscReal t, Vec U, Vec F)
{
  PetscFunctionBegin;
  PetscCall(CfxFVSetUp(fv));
  PetscCall(CfxFVRHSFunction(fv->ts, t, U, F, fv));
  PetscFunctionReturn(0);
}

static PetscErrorCode Monitor(CfxFV fv, PetscReal dt)
{
  const PetscInt nc = fv->phys->ncomp;
  PetscReal mass[CFXFV_MAX_COMP], umin, umax;

  PetscFunctionBegin;
  PetscCall(CfxFVComputeMass(fv, fv->U, mass));
  PetscCall(VecStrideMin(fv->U, 0, NULL, &umin));
  PetscCall(VecStrideMax(fv->U, 0, NULL, &umax));
  PetscCall(PetscPrintf(fv->comm, "fv t %.6e steps %" PetscInt_FMT " dt %.4e mass %.15e%s min %.6e max %.6e\n", (double)fv->t, fv->steps, (double)dt, (double)mass[0], nc > 1 ? " (h)" : "",
                        (double)umin, (double)umax));
  PetscFunctionReturn(0);
}

/*@C
  CfxFVStep - Takes one time step from the current time, of the CFL (or fixed) size but not
  beyond tmax (pass PETSC_MAX_REAL for no limit); returns the step taken in dt (may be NULL).
  A Courant number above the stability limit prints one warning per solver.
@*/
PetscErrorCode CfxFVStep(CfxFV fv, PetscReal tmax, PetscReal *dtTaken)
{
  PetscReal a, rate, courant, limit, dt;
  PetscBool last;

  PetscFunctionBegin;
  PetscCall(CfxFVSetUp(fv));
  PetscCheck(tmax > fv->t, fv->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxFVStep: tmax %g must exceed the current time %g", (double)tmax, (double)fv->t);
  PetscCall(PetscLogEventBegin(CFXFV_Step, 0, 0, 0, 0));
  PetscCall(CfxFVGetStabilityLimit(fv, &limit));
  PetscCall(CfxFVComputeMaxWaveSpeed(fv, fv->U, &a));
  rate = a / fv->dx + 2 * fv->nu / (fv->dx * fv->dx);
  if (fv->dtFixed > 0)
    dt = fv->dtFixed;
  else {
    PetscCheck(rate > 0, fv->comm, PETSC_ERR_ARG_WRONG, "The state at t = %g has no wave speed and nu = 0, so the CFL rule gives no time step: set a fixed step with -fv_dt", (double)fv->t);
    dt = fv->cfl / rate;
  }
  courant = dt * rate;
  if (courant > limit * (1 + 1e-12) && !fv->warnedCFL) {
    PetscCall(PetscPrintf(fv->comm,
                          "WARNING: CfxFV Courant number %g exceeds the stability limit %g of %s with SSP-RK%" PetscInt_FMT " (%" PetscInt_FMT " stages); the solution may oscillate or blow up\n",
                          (double)courant, (double)limit, fv->userFlux ? "the user face flux" : CfxFVReconstructionTypes[fv->recon], fv->sspOrder, fv->sspStages));
    fv->warnedCFL = PETSC_TRUE;
  }
  /* Shorten the step that would pass tmax; also absorb a remainder below round-off of tmax. */
  last = (PetscBool)(tmax < PETSC_MAX_REAL && fv->t + dt >= tmax - 64 * PETSC_MACHINE_EPSILON * PetscMax(1, PetscAbsReal(tmax)));
  if (last) dt = tmax - fv->t;
  PetscCall(TSSetTime(fv->ts, fv->t));
  PetscCall(TSSetTimeStep(fv->ts, dt));
  PetscCall(TSStep(fv->ts));
  fv->t = last ? tmax : fv->t + dt;
  fv->steps++;
  PetscCall(TSSetTime(fv->ts, fv->t));
  PetscCall(TSMonitor(fv->ts, fv->steps, fv->t, fv->U)); /* -fv_ts_monitor: TSStep alone does not call monitors */
  PetscCall(PetscLogEventEnd(CFXFV_Step, 0, 0, 0, 0));
  fv->lastDt = dt;
  if (dtTaken) *dtTaken = dt;
  PetscFunctionReturn(0);
}

/*@C
  CfxFVSolve - Advances the solution from the current time through the nout increasing output
  times, landing exactly on each (the step before an output time is shortened), and calls
  out(fv, k, t_k, U, ctx) at each (out may be NULL). An output time equal to the current time
  is reported without stepping. Each step takes dt = cfl / (a/dx + 2 nu/dx^2), or the fixed
  step of -fv_dt; a Courant number above the stability limit prints one warning.
@*/
PetscErrorCode CfxFVSolve(CfxFV fv, PetscInt nout, const PetscReal times[], CfxFVOutputFn out, void *ctx)
{
  PetscFunctionBegin;
  PetscCall(CfxFVSetUp(fv));
  PetscCheck(nout >= 0, fv->comm, PETSC_ERR_ARG_OUTOFRANGE, "Number of output times must be non-negative, found %" PetscInt_FMT, nout);
  for (PetscInt k = 0; k < nout; k++) {
    PetscCheck(times[k] >= (k ? times[k - 1] : fv->t), fv->comm, PETSC_ERR_ARG_OUTOFRANGE, "Output times must increase from the current time %g: times[%" PetscInt_FMT "] = %g follows %g",
               (double)fv->t, k, (double)times[k], (double)(k ? times[k - 1] : fv->t));
  }
  if (!nout) PetscFunctionReturn(0);
  for (PetscInt k = 0; k < nout; k++) {
    while (fv->t < times[k]) PetscCall(CfxFVStep(fv, times[k], NULL));
    PetscCall(CfxFVCheckState(fv, fv->U, fv->t));
    if (fv->monitor) PetscCall(Monitor(fv, fv->lastDt));
    if (out) PetscCall(out(fv, k, fv->t, fv->U, ctx));
  }
  PetscFunctionReturn(0);
}
