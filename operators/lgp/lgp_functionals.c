/* Derived linear functionals of the posterior: L itself, energy, momentum, DEL residual.

   Both LGP variants write the discrete Lagrangian as L_d(x, y) = s f(P x + Q y), with f the GP
   and P, Q (2d x d) blocks of scaled identities:
     D-LGP: s = 1, P = [I; 0],       Q = [0; I]        (f = L_d on the pair),
     C-LGP: s = h, P = [I/2; -I/h],  Q = [I/2; I/h]    (f = L at the midpoint (q, v)),
   so D1 L_d = s P^T grad f, D2 L_d = s Q^T grad f, and every functional below is a sum of
   gradient atoms of f. */
#include "lgpimpl.h"

PETSC_INTERN PetscErrorCode CfxLGPPairMap(CfxLGP lgp, PetscReal p[2], PetscReal qq[2], PetscReal *s)
{
  PetscFunctionBegin;
  PetscCheck(lgp->model != CFX_LGP_NARX, lgp->comm, PETSC_ERR_ARG_WRONGSTATE, "LGP: this functional needs a Lagrangian model (dlgp or clgp), not narx");
  if (lgp->model == CFX_LGP_DLGP) {
    p[0] = 1, p[1] = 0, qq[0] = 0, qq[1] = 1, *s = 1;
  } else {
    p[0] = 0.5, p[1] = -1 / lgp->h, qq[0] = 0.5, qq[1] = 1 / lgp->h, *s = lgp->h;
  }
  PetscFunctionReturn(0);
}

/* z = P x + Q y */
PETSC_INTERN void CfxLGPPairPoint(CfxLGP lgp, const PetscReal p[2], const PetscReal qq[2], const PetscReal x[], const PetscReal y[], PetscReal z[])
{
  for (PetscInt i = 0; i < lgp->d; i++) {
    z[i]          = p[0] * x[i] + qq[0] * y[i];
    z[lgp->d + i] = p[1] * x[i] + qq[1] * y[i];
  }
}

static void SetAtom(CfxLGPAtom *A, PetscInt D, const PetscReal z[], PetscInt j, PetscReal c)
{
  for (PetscInt i = 0; i < D; i++) A->z[i] = z[i];
  A->j = j;
  A->c = c;
}

/*@C
  CfxLGPLagrangian - Posterior mean and variance of the latent function at z: L_d(q_k, q_{k+1})
  for D-LGP, L(q, v) for C-LGP, the NARX correction (output 0) for narx.
@*/
PetscErrorCode CfxLGPLagrangian(CfxLGP lgp, const PetscReal z[], PetscReal *mean, PetscReal *var)
{
  CfxLGPAtom A;

  PetscFunctionBegin;
  SetAtom(&A, 2 * lgp->d, z, -1, 1);
  PetscCall(CfxLGPPosteriorFunctional(lgp, 1, &A, mean, var));
  PetscFunctionReturn(0);
}

/* Atoms of the interval energy E(x, y) = 1/2 (D2 L_d - D1 L_d) . v - L_d / h, v = (y - x)/h
   (for C-LGP exactly v . L_v - L at the midpoint). */
static PetscErrorCode EnergyAtoms(CfxLGP lgp, const PetscReal x[], const PetscReal y[], CfxLGPAtom atoms[], PetscInt *na)
{
  const PetscInt d = lgp->d, D = 2 * d;
  PetscReal p[2] = {0, 0}, qq[2] = {0, 0}, s = 0, z[CFX_LGP_MAX_DIM];
  PetscInt a = 0;

  PetscFunctionBegin;
  PetscCall(CfxLGPPairMap(lgp, p, qq, &s));
  CfxLGPPairPoint(lgp, p, qq, x, y, z);
  for (PetscInt i = 0; i < d; i++) {
    const PetscReal v = (y[i] - x[i]) / lgp->h;
    for (PetscInt blk = 0; blk < 2; blk++)
      if (qq[blk] - p[blk] != 0) SetAtom(&atoms[a++], D, z, blk * d + i, 0.5 * s * (qq[blk] - p[blk]) * v);
  }
  SetAtom(&atoms[a++], D, z, -1, -s / lgp->h);
  *na = a;
  PetscFunctionReturn(0);
}

/*@C
  CfxLGPEnergy - Posterior mean and variance of the energy on the interval (x, y) = (q_k, q_{k+1}):
  E = 1/2 (D2 L_d - D1 L_d) . (y - x)/h - L_d / h, which for C-LGP is v . dL/dv - L at the
  midpoint. Linear in the GP, so its posterior is Gaussian.
@*/
PetscErrorCode CfxLGPEnergy(CfxLGP lgp, const PetscReal x[], const PetscReal y[], PetscReal *mean, PetscReal *var)
{
  CfxLGPAtom atoms[2 * CFX_LGP_MAX_DIM + 1];
  PetscInt na = 0;

  PetscFunctionBegin;
  PetscCall(EnergyAtoms(lgp, x, y, atoms, &na));
  PetscCall(CfxLGPPosteriorFunctional(lgp, na, atoms, mean, var));
  PetscFunctionReturn(0);
}

/* Posterior-mean energy from the mean's derivatives (cheap; used along rollouts). */
PETSC_INTERN PetscErrorCode CfxLGPEnergyMean(CfxLGP lgp, const PetscReal x[], const PetscReal y[], PetscReal *E)
{
  const PetscInt d = lgp->d;
  PetscReal p[2] = {0, 0}, qq[2] = {0, 0}, s = 0, z[CFX_LGP_MAX_DIM], val, grad[CFX_LGP_MAX_DIM];

  PetscFunctionBegin;
  PetscCall(CfxLGPPairMap(lgp, p, qq, &s));
  CfxLGPPairPoint(lgp, p, qq, x, y, z);
  PetscCall(CfxLGPMeanDerivatives(lgp, 0, z, &val, grad, NULL));
  *E = -s * val / lgp->h;
  for (PetscInt i = 0; i < d; i++) {
    const PetscReal v = (y[i] - x[i]) / lgp->h;
    for (PetscInt blk = 0; blk < 2; blk++) *E += 0.5 * s * (qq[blk] - p[blk]) * v * grad[blk * d + i];
  }
  PetscFunctionReturn(0);
}

/*@C
  CfxLGPMomentum - Posterior mean and variance (per component) of p_{k+1} = D2 L_d(x, y).
@*/
PetscErrorCode CfxLGPMomentum(CfxLGP lgp, const PetscReal x[], const PetscReal y[], PetscReal mean[], PetscReal var[])
{
  const PetscInt d = lgp->d, D = 2 * d;
  PetscReal p[2] = {0, 0}, qq[2] = {0, 0}, s = 0, z[CFX_LGP_MAX_DIM], cov[CFX_LGP_MAX_DIM * CFX_LGP_MAX_DIM];
  CfxLGPAtom atoms[2 * CFX_LGP_MAX_DIM];
  PetscInt off[CFX_LGP_MAX_DIM + 1], a = 0;

  PetscFunctionBegin;
  PetscCall(CfxLGPPairMap(lgp, p, qq, &s));
  CfxLGPPairPoint(lgp, p, qq, x, y, z);
  for (PetscInt i = 0; i < d; i++) {
    off[i] = a;
    for (PetscInt blk = 0; blk < 2; blk++)
      if (qq[blk] != 0) SetAtom(&atoms[a++], D, z, blk * d + i, s * qq[blk]);
  }
  off[d] = a;
  PetscCall(CfxLGPPosteriorFunctionals(lgp, d, off, atoms, mean, var ? cov : NULL));
  if (var)
    for (PetscInt i = 0; i < d; i++) var[i] = cov[i * d + i];
  PetscFunctionReturn(0);
}

/*@C
  CfxLGPGetDELFunctionals - Atoms of the d DEL functionals D2 L_d(q0, q1) + D1 L_d(q1, q2) of
  the latent functions (known forcing excluded; the dissipation GP included): functional i has
  atoms [off[i], off[i+1]); off has d + 1 entries, atoms room for 6 d.
@*/
PetscErrorCode CfxLGPGetDELFunctionals(CfxLGP lgp, const PetscReal q0[], const PetscReal q1[], const PetscReal q2[], PetscInt off[], CfxLGPAtom atoms[])
{
  const PetscInt d = lgp->d, D = 2 * d;
  PetscReal p[2] = {0, 0}, qq[2] = {0, 0}, s = 0, za[CFX_LGP_MAX_DIM], zb[CFX_LGP_MAX_DIM];
  PetscInt a = 0;

  PetscFunctionBegin;
  PetscCall(CfxLGPPairMap(lgp, p, qq, &s));
  CfxLGPPairPoint(lgp, p, qq, q0, q1, za);
  CfxLGPPairPoint(lgp, p, qq, q1, q2, zb);
  for (PetscInt i = 0; i < d; i++) {
    off[i] = a;
    for (PetscInt blk = 0; blk < 2; blk++) {
      if (qq[blk] != 0) SetAtom(&atoms[a++], D, za, blk * d + i, s * qq[blk]);
      if (p[blk] != 0) SetAtom(&atoms[a++], D, zb, blk * d + i, s * p[blk]);
    }
    if (lgp->dissipation) { /* -(h/2) (d_i R(v_a) + d_i R(v_b)) at the interval velocities */
      PetscReal va[CFX_LGP_MAX_DIM] = {0}, vb[CFX_LGP_MAX_DIM] = {0};
      for (PetscInt l = 0; l < d; l++) {
        va[l] = (q1[l] - q0[l]) / lgp->h;
        vb[l] = (q2[l] - q1[l]) / lgp->h;
      }
      SetAtom(&atoms[a++], D, va, D + i, -0.5 * lgp->h);
      SetAtom(&atoms[a++], D, vb, D + i, -0.5 * lgp->h);
    }
  }
  off[d] = a;
  PetscFunctionReturn(0);
}

/* (h/2) B (u0 + u1), the known generalised force of both half intervals. */
PETSC_INTERN void CfxLGPKnownForce(CfxLGP lgp, const PetscReal u0[], const PetscReal u1[], PetscReal f[])
{
  for (PetscInt i = 0; i < lgp->d; i++) {
    f[i] = 0;
    if (u0 && u1)
      for (PetscInt j = 0; j < lgp->m; j++) f[i] += 0.5 * lgp->h * lgp->B[i * lgp->m + j] * (u0[j] + u1[j]);
  }
}

/*@C
  CfxLGPDELResidual - Posterior mean and covariance (d x d, may be NULL) of the forced DEL
  residual D2 L_d(q0, q1) + D1 L_d(q1, q2) + (h/2) B (u0 + u1); u0, u1 may be NULL (no input).
@*/
PetscErrorCode CfxLGPDELResidual(CfxLGP lgp, const PetscReal q0[], const PetscReal q1[], const PetscReal q2[], const PetscReal u0[], const PetscReal u1[], PetscReal mean[], PetscReal cov[])
{
  CfxLGPAtom atoms[4 * CFX_LGP_MAX_DIM];
  PetscInt off[CFX_LGP_MAX_DIM + 1];
  PetscReal f[CFX_LGP_MAX_DIM];

  PetscFunctionBegin;
  PetscCall(CfxLGPGetDELFunctionals(lgp, q0, q1, q2, off, atoms));
  PetscCall(CfxLGPPosteriorFunctionals(lgp, lgp->d, off, atoms, mean, cov));
  CfxLGPKnownForce(lgp, u0, u1, f);
  if (mean)
    for (PetscInt i = 0; i < lgp->d; i++) mean[i] += f[i];
  PetscFunctionReturn(0);
}
