/* Drivers: advance the Fourier state over an interval in fixed steps whose last one is
   shortened to land exactly on the interval's end, and collect outputs at requested times. */
#include "spectralimpl.h"

/* Advances sb->v from t0 to t1 > t0: full steps of dt, then one step of the remainder h, with
   coefficients computed for that h. A remainder below 1e-8 dt (a span that is a multiple of
   dt up to rounding) is merged into the previous step rather than taken as a tiny step. */
static PetscErrorCode Advance(CfxSpectralBurgers sb, PetscReal t0, PetscReal t1)
{
  const PetscReal span = t1 - t0, dt = sb->dt;
  PetscReal nsteps = PetscFloorReal(span / dt), h;

  PetscFunctionBegin;
  if (span <= 0) PetscFunctionReturn(0);
  PetscCheck(nsteps < (PetscReal)PETSC_MAX_INT, sb->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxSpectralBurgers: %g steps of dt = %g from t = %g to %g is too many", (double)nsteps, (double)dt, (double)t0,
             (double)t1);
  h = span - nsteps * dt;
  if (nsteps >= 1 && h < 1e-8 * dt) {
    nsteps -= 1;
    h = span - nsteps * dt;
  }
  if (nsteps >= 1) PetscCall(CfxSpectralCoefCompute(sb, dt, &sb->full));
  for (PetscInt s = 0; s < (PetscInt)nsteps; s++) PetscCall(CfxSpectralStep(sb, &sb->full));
  sb->steps += (PetscInt)nsteps;
  if (h > 0) {
    if (h == dt)
      PetscCall(CfxSpectralCoefCompute(sb, dt, &sb->full));
    else
      PetscCall(CfxSpectralCoefCompute(sb, h, &sb->last));
    PetscCall(CfxSpectralStep(sb, h == dt ? &sb->full : &sb->last));
    sb->steps++;
  }
  PetscFunctionReturn(0);
}

/* Errors if u is not finite; otherwise returns max|u| and the energy (1/2) int u^2 dx. */
static PetscErrorCode Check(CfxSpectralBurgers sb, PetscReal t, const PetscReal u[], PetscReal *umax, PetscReal *energy)
{
  PetscFunctionBegin;
  *umax   = 0;
  *energy = 0;
  for (PetscInt j = 0; j < sb->nx; j++) {
    PetscCheck(!PetscIsInfOrNanReal(u[j]), PETSC_COMM_SELF, PETSC_ERR_FP,
               "CfxSpectralBurgers: solution not finite at t = %g, x = %g, after %" PetscInt_FMT " steps of dt = %g (nu = %g, nx = %" PetscInt_FMT "); reduce -spectral_dt or refine the grid",
               (double)t, (double)(sb->xmin + (j + 0.5) * sb->L / sb->nx), sb->steps, (double)sb->dt, (double)sb->nu, sb->nx);
    *umax = PetscMax(*umax, PetscAbsReal(u[j]));
    *energy += 0.5 * u[j] * u[j] * sb->L / sb->nx;
  }
  PetscFunctionReturn(0);
}

/* The explicit part is RK4-like, stable for dt max|u| k_max up to about 2.8 (RK4 on the
   imaginary axis); say so through -info when the step is beyond that. */
static PetscErrorCode StabilityInfo(CfxSpectralBurgers sb, PetscReal umax)
{
  const PetscReal kmax = 2 * PETSC_PI * (sb->dealias ? sb->nx / 3.0 : sb->nx / 2.0) / sb->L, cfl = sb->dt * umax * kmax;

  PetscFunctionBegin;
  if (cfl > 2.8) PetscCall(PetscInfo(NULL, "CfxSpectralBurgers: dt max|u| k_max = %g exceeds ~2.8, the explicit stability limit; expect blow-up\n", (double)cfl));
  PetscFunctionReturn(0);
}

/*@C
  CfxSpectralBurgersIntegrate - Advances u[0..nx-1] (grid values) from t0 to t1 >= t0. The
  initial data are first projected onto the kept (dealiased) modes.
@*/
PetscErrorCode CfxSpectralBurgersIntegrate(CfxSpectralBurgers sb, PetscReal t0, PetscReal t1, PetscReal u[])
{
  PetscReal umax, energy;

  PetscFunctionBegin;
  PetscValidPointer(sb, 1);
  PetscValidRealPointer(u, 4);
  PetscCheck(t1 >= t0, sb->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxSpectralBurgersIntegrate: expected t1 >= t0, found t0 = %g, t1 = %g", (double)t0, (double)t1);
  PetscCall(CfxSpectralBurgersSetUp(sb));
  PetscCall(PetscLogEventBegin(CFX_Spectral_Solve, 0, 0, 0, 0));
  sb->steps = 0;
  PetscCall(Check(sb, t0, u, &umax, &energy));
  PetscCall(StabilityInfo(sb, umax));
  PetscCall(CfxSpectralToFourier(sb, u, sb->v));
  PetscCall(Advance(sb, t0, t1));
  PetscCall(CfxSpectralToGrid(sb, sb->v, u));
  PetscCall(Check(sb, t1, u, &umax, &energy));
  PetscCall(PetscLogEventEnd(CFX_Spectral_Solve, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  CfxSpectralBurgersSolve - Integrates from u0 at time t0 and stores the solution at the nt
  non-decreasing times t0 <= times[i] in U[i*nx .. i*nx + nx-1] (times[0] = t0 gives the
  dealiased initial data).
@*/
PetscErrorCode CfxSpectralBurgersSolve(CfxSpectralBurgers sb, PetscReal t0, const PetscReal u0[], PetscInt nt, const PetscReal times[], PetscReal U[])
{
  PetscReal t = t0, umax, energy;

  PetscFunctionBegin;
  PetscValidPointer(sb, 1);
  PetscValidRealPointer(u0, 3);
  PetscCheck(nt >= 0, sb->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxSpectralBurgersSolve: expected nt >= 0, found %" PetscInt_FMT, nt);
  if (!nt) PetscFunctionReturn(0);
  PetscValidRealPointer(times, 5);
  PetscValidRealPointer(U, 6);
  for (PetscInt i = 0; i < nt; i++)
    PetscCheck(times[i] >= (i ? times[i - 1] : t0), sb->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "CfxSpectralBurgersSolve: output times must be non-decreasing from t0 = %g; found times[%" PetscInt_FMT "] = %g after %g", (double)t0, i, (double)times[i],
               (double)(i ? times[i - 1] : t0));
  PetscCall(CfxSpectralBurgersSetUp(sb));
  PetscCall(PetscLogEventBegin(CFX_Spectral_Solve, 0, 0, 0, 0));
  sb->steps = 0;
  PetscCall(Check(sb, t0, u0, &umax, &energy));
  PetscCall(StabilityInfo(sb, umax));
  PetscCall(CfxSpectralToFourier(sb, u0, sb->v));
  for (PetscInt i = 0; i < nt; i++) {
    PetscReal *u = U + i * sb->nx;

    PetscCall(Advance(sb, t, times[i]));
    t = times[i];
    PetscCall(CfxSpectralToGrid(sb, sb->v, u));
    PetscCall(Check(sb, t, u, &umax, &energy));
    if (sb->monitor)
      PetscCall(PetscPrintf(sb->comm, "  spectral output %" PetscInt_FMT ": t = %g, steps %" PetscInt_FMT ", max|u| = %.6e, energy = %.12e\n", i, (double)t, sb->steps, (double)umax, (double)energy));
  }
  PetscCall(PetscLogEventEnd(CFX_Spectral_Solve, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
