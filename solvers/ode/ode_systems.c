/* Built-in right-hand sides and energies (state: positions, then velocities; see cfxode.h).
   Parameters in ode->par:
     pendulum:               m, l, g
     double pendulum:        m1, m2, l1, l2, g
     coupled oscillators:    ode->masses[N], ode->springs[N + 1]
     forced damped pendulum: m, l, g, gamma, A, Omega */
#include "odeimpl.h"

/* Double pendulum: the Euler-Lagrange equations are M(theta) [a1, a2] = r with
   M = [(m1+m2) l1^2, m2 l1 l2 cos D; m2 l1 l2 cos D, m2 l2^2], D = theta_1 - theta_2,
   r = [-m2 l1 l2 w2^2 sin D - (m1+m2) g l1 sin theta_1, m2 l1 l2 w1^2 sin D - m2 g l2 sin theta_2];
   det M = m2 l1^2 l2^2 (m1 + m2 sin^2 D) > 0, solved by Cramer's rule. */
static void DoublePendulum(const PetscReal p[], const PetscReal y[], PetscReal f[])
{
  const PetscReal m1 = p[0], m2 = p[1], l1 = p[2], l2 = p[3], g = p[4];
  const PetscReal D = y[0] - y[1], c = PetscCosReal(D), s = PetscSinReal(D), w1 = y[2], w2 = y[3];
  const PetscReal M11 = (m1 + m2) * l1 * l1, M12 = m2 * l1 * l2 * c, M22 = m2 * l2 * l2;
  const PetscReal r1  = -m2 * l1 * l2 * w2 * w2 * s - (m1 + m2) * g * l1 * PetscSinReal(y[0]);
  const PetscReal r2  = m2 * l1 * l2 * w1 * w1 * s - m2 * g * l2 * PetscSinReal(y[1]);
  const PetscReal det = M11 * M22 - M12 * M12;

  f[0] = w1;
  f[1] = w2;
  f[2] = (r1 * M22 - M12 * r2) / det;
  f[3] = (M11 * r2 - M12 * r1) / det;
}

PetscErrorCode CfxODEBuiltinRHS(PetscReal t, const PetscReal y[], PetscReal f[], void *ctx)
{
  CfxODE ode         = (CfxODE)ctx;
  const PetscReal *p = ode->par;

  PetscFunctionBegin;
  switch (ode->system) {
    case CFX_ODE_PENDULUM:
      f[0] = y[1];
      f[1] = -(p[2] / p[1]) * PetscSinReal(y[0]);
      break;
    case CFX_ODE_DOUBLE_PENDULUM: DoublePendulum(p, y, f); break;
    case CFX_ODE_COUPLED_OSCILLATORS: {
      const PetscInt N = ode->n / 2;
      for (PetscInt i = 0; i < N; i++) {
        const PetscReal left = i ? y[i - 1] : 0, right = i + 1 < N ? y[i + 1] : 0;
        f[i]     = y[N + i];
        f[N + i] = (-ode->springs[i] * (y[i] - left) + ode->springs[i + 1] * (right - y[i])) / ode->masses[i];
      }
    } break;
    case CFX_ODE_FORCED_DAMPED_PENDULUM:
      f[0] = y[1];
      f[1] = -p[3] * y[1] - (p[2] / p[1]) * PetscSinReal(y[0]) + p[4] * PetscCosReal(p[5] * t);
      break;
    default: SETERRQ(PETSC_COMM_SELF, PETSC_ERR_PLIB, "CfxODE: system %d has no built-in right-hand side", (int)ode->system);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode CfxODEBuiltinEnergy(PetscReal t, const PetscReal y[], PetscReal *E, void *ctx)
{
  CfxODE ode         = (CfxODE)ctx;
  const PetscReal *p = ode->par;

  PetscFunctionBegin;
  switch (ode->system) {
    case CFX_ODE_PENDULUM:
    case CFX_ODE_FORCED_DAMPED_PENDULUM: *E = p[0] * (0.5 * p[1] * p[1] * y[1] * y[1] + p[2] * p[1] * (1 - PetscCosReal(y[0]))); break;
    case CFX_ODE_DOUBLE_PENDULUM: {
      const PetscReal m1 = p[0], m2 = p[1], l1 = p[2], l2 = p[3], g = p[4], w1 = y[2], w2 = y[3];
      *E = 0.5 * (m1 + m2) * l1 * l1 * w1 * w1 + 0.5 * m2 * l2 * l2 * w2 * w2 + m2 * l1 * l2 * w1 * w2 * PetscCosReal(y[0] - y[1]) - (m1 + m2) * g * l1 * PetscCosReal(y[0]) -
           m2 * g * l2 * PetscCosReal(y[1]);
    } break;
    case CFX_ODE_COUPLED_OSCILLATORS: {
      const PetscInt N = ode->n / 2;
      *E               = 0;
      for (PetscInt i = 0; i < N; i++) *E += 0.5 * ode->masses[i] * y[N + i] * y[N + i];
      for (PetscInt i = 0; i <= N; i++) {
        const PetscReal left = i ? y[i - 1] : 0, right = i < N ? y[i] : 0;
        *E += 0.5 * ode->springs[i] * (right - left) * (right - left);
      }
    } break;
    default: SETERRQ(PETSC_COMM_SELF, PETSC_ERR_PLIB, "CfxODE: system %d has no built-in energy", (int)ode->system);
  }
  PetscFunctionReturn(0);
}
