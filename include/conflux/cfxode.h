/* CfxODE: ordinary differential equations y' = f(t, y) through SUNDIALS CVODE (the CVODES
   library), BDF with a dense direct linear solver or Adams with fixed-point iteration.

   Ground truth for mechanical systems: built-in right-hand sides with their energy functions,
   all with the state ordered positions first, then velocities,
     y = (q_1, ..., q_d, q_1', ..., q_d'),  n = 2 d,
   the layout Lagrangian learning (q, q') expects:
   - pendulum (d = 1):             q = angle theta from the downward vertical;
       theta'' = -(g/l) sin theta;  E = m l^2 theta'^2 / 2 + m g l (1 - cos theta).
   - double pendulum (d = 2):      q = (theta_1, theta_2), both from the downward vertical,
       bob 1 (m1) on a rod l1 from the pivot, bob 2 (m2) on a rod l2 from bob 1;
       E = (m1+m2) l1^2 w1^2/2 + m2 l2^2 w2^2/2 + m2 l1 l2 w1 w2 cos(theta_1 - theta_2)
           - (m1+m2) g l1 cos theta_1 - m2 g l2 cos theta_2.
   - coupled oscillators (d = N):  q_i = displacement of mass i of a chain
       wall -k_0- m_1 -k_1- m_2 - ... - m_N -k_N- wall (N + 1 springs; a zero k_0 or k_N
       frees that end); m_i q_i'' = -k_{i-1} (q_i - q_{i-1}) + k_i (q_{i+1} - q_i), q_0 = q_{N+1} = 0;
       E = sum m_i q_i'^2 / 2 + sum_{i=0}^{N} k_i (q_{i+1} - q_i)^2 / 2.
   - forced damped pendulum (d = 1):
       theta'' = -gamma theta' - (g/l) sin theta + A cos(Omega t);
       E = m l^2 theta'^2 / 2 + m g l (1 - cos theta) (mechanical energy, not conserved).
   User systems: CfxODESetRHS() with any ordering, CfxODESetEnergyFunction() optional.

   SUNDIALS failures become PETSc errors whose message holds CVODE's flag name (e.g.
   CV_TOO_MUCH_WORK), CVODE's own message text and the time reached.

   Options (prefix -ode_ unless CfxODESetOptionsPrefix() adds one):
     -ode_method <bdf|adams>   (default bdf)
     -ode_rtol <r>             relative tolerance (default 1e-6)
     -ode_atol <a>             absolute tolerance (default 1e-9)
     -ode_max_steps <n>        steps allowed between two output times (default 10000)
     -ode_monitor              one line per output time: t, steps, last step size */
#pragma once

#include <conflux/cfxsys.h>

typedef enum { CFX_ODE_BDF, CFX_ODE_ADAMS } CfxODEMethod;
PETSC_EXTERN const char *const CfxODEMethods[];

typedef enum {
  CFX_ODE_USER,
  CFX_ODE_PENDULUM,
  CFX_ODE_DOUBLE_PENDULUM,
  CFX_ODE_COUPLED_OSCILLATORS,
  CFX_ODE_FORCED_DAMPED_PENDULUM,
} CfxODESystem;
PETSC_EXTERN const char *const CfxODESystems[];

/* Right-hand side ydot = f(t, y); return non-zero (a PETSc error) to stop the integration. */
typedef PetscErrorCode (*CfxODERHSFn)(PetscReal t, const PetscReal y[], PetscReal ydot[], void *ctx);
/* Energy (or any scalar invariant) of a state. */
typedef PetscErrorCode (*CfxODEEnergyFn)(PetscReal t, const PetscReal y[], PetscReal *E, void *ctx);
/* Event functions g[0..nroots-1]; CfxODEIntegrate() stops where one changes sign. */
typedef PetscErrorCode (*CfxODERootFn)(PetscReal t, const PetscReal y[], PetscReal g[], void *ctx);

typedef struct _n_CfxODE *CfxODE;

PETSC_EXTERN PetscErrorCode CfxODECreate(MPI_Comm, CfxODE *);
PETSC_EXTERN PetscErrorCode CfxODEDestroy(CfxODE *);
PETSC_EXTERN PetscErrorCode CfxODESetRHS(CfxODE, PetscInt, CfxODERHSFn, void *);
PETSC_EXTERN PetscErrorCode CfxODESetEnergyFunction(CfxODE, CfxODEEnergyFn, void *);
PETSC_EXTERN PetscErrorCode CfxODESetPendulum(CfxODE, PetscReal, PetscReal, PetscReal);
PETSC_EXTERN PetscErrorCode CfxODESetDoublePendulum(CfxODE, PetscReal, PetscReal, PetscReal, PetscReal, PetscReal);
PETSC_EXTERN PetscErrorCode CfxODESetCoupledOscillators(CfxODE, PetscInt, const PetscReal[], const PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxODESetForcedDampedPendulum(CfxODE, PetscReal, PetscReal, PetscReal, PetscReal, PetscReal, PetscReal);
PETSC_EXTERN PetscErrorCode CfxODEGetSystem(CfxODE, CfxODESystem *);
PETSC_EXTERN PetscErrorCode CfxODEGetSize(CfxODE, PetscInt *);
PETSC_EXTERN PetscErrorCode CfxODESetRootFunction(CfxODE, PetscInt, CfxODERootFn, void *);
PETSC_EXTERN PetscErrorCode CfxODESetMethod(CfxODE, CfxODEMethod);
PETSC_EXTERN PetscErrorCode CfxODESetTolerances(CfxODE, PetscReal, PetscReal);
PETSC_EXTERN PetscErrorCode CfxODESetMaxSteps(CfxODE, PetscInt);
PETSC_EXTERN PetscErrorCode CfxODESetOptionsPrefix(CfxODE, const char[]);
PETSC_EXTERN PetscErrorCode CfxODESetFromOptions(CfxODE);
PETSC_EXTERN PetscErrorCode CfxODESetUp(CfxODE);
PETSC_EXTERN PetscErrorCode CfxODEView(CfxODE, PetscViewer);
PETSC_EXTERN PetscErrorCode CfxODESetInitialCondition(CfxODE, PetscReal, const PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxODEIntegrate(CfxODE, PetscReal, PetscReal *, PetscReal[], PetscInt *);
PETSC_EXTERN PetscErrorCode CfxODESolve(CfxODE, PetscReal, const PetscReal[], PetscInt, const PetscReal[], PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxODEEnergy(CfxODE, PetscReal, const PetscReal[], PetscReal *);
PETSC_EXTERN PetscErrorCode CfxODEGetStatistics(CfxODE, PetscInt *, PetscInt *);
