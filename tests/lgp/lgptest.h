/* Shared helpers of the LGP tests: pendulum ground truth from CVODE. */
#pragma once

#include <conflux/conflux.h>

/* ntraj pendulum trajectories (m = l = g = 1) released from rest at theta0[t], nsteps
   snapshots at step h: q[t][k] = theta(k h). */
static inline PetscErrorCode LGPTestPendulum(PetscInt ntraj, const PetscReal theta0[], PetscInt nsteps, PetscReal h, PetscReal q[])
{
  CfxODE ode;
  PetscReal *times, *Y;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(nsteps, &times, 2 * nsteps, &Y));
  PetscCall(CfxODECreate(PETSC_COMM_SELF, &ode));
  PetscCall(CfxODESetPendulum(ode, 1, 1, 1));
  PetscCall(CfxODESetTolerances(ode, 1e-12, 1e-14));
  PetscCall(CfxODESetMaxSteps(ode, 100000));
  for (PetscInt k = 0; k < nsteps; k++) times[k] = k * h;
  for (PetscInt t = 0; t < ntraj; t++) {
    PetscReal y0[2] = {theta0[t], 0};
    PetscCall(CfxODESolve(ode, 0, y0, nsteps, times, Y));
    for (PetscInt k = 0; k < nsteps; k++) q[t * nsteps + k] = Y[2 * k];
  }
  PetscCall(CfxODEDestroy(&ode));
  PetscCall(PetscFree2(times, Y));
  PetscFunctionReturn(0);
}

/* Pendulum energy v^2/2 + 1 - cos q along a discrete trajectory, v by central differences. */
static inline PetscReal LGPTestPendulumEnergy(const PetscReal q[], PetscInt k, PetscReal h)
{
  const PetscReal v = (q[k + 1] - q[k - 1]) / (2 * h);
  return 0.5 * v * v + 1 - PetscCosReal(q[k]);
}
