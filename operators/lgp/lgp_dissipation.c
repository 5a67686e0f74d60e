/* Unknown dissipation: a Rayleigh dissipation function R(v) ~ GP(0, k_R) on the velocities,
   generalised force F = -grad_v R, conditioned jointly with the Lagrangian through the forced DEL
   equations (Lagrange-d'Alembert with f+-_d = (h/2) F(v) on each half interval):
     D2 L_d(q_{k-1}, q_k) + D1 L_d(q_k, q_{k+1}) - (h/2) (grad R(v_{k-1/2}) + grad R(v_{k+1/2}))
       = -(h/2) B (u_{k-1} + u_k),   v_{k+1/2} = (q_{k+1} - q_k)/h.
   Why this form is identifiable where a general force GP F(q, v, u) is not:
   - F depends on v only, so it cannot imitate a conservative force -grad V(q) (the data hold
     several velocities at each position);
   - F is a gradient in v, and the rows grad R(0) = 0 remove a constant force, which is the one
     velocity-independent force that is also a potential term (V = -c.q) of L;
   - the known input fixes the relative scale of L and R (homogeneous DEL rows only fix L, R up to
     a common factor), and L alone can never produce the loss of energy.
   R and L are independent GPs, so their atoms never correlate. R's hyperparameters are set, not
   fitted by ML-II. */
#include "lgpimpl.h"

/*@C
  CfxLGPSetDissipation - Adds (flg true) a Rayleigh dissipation GP R(v) with SE kernel, length
  scales ell[d] (NULL: 1 each) and signal std sf; the force is -grad R. Dlgp and clgp only.
@*/
PetscErrorCode CfxLGPSetDissipation(CfxLGP lgp, PetscBool flg, const PetscReal ell[], PetscReal sf)
{
  PetscFunctionBegin;
  PetscCheck(lgp->d, lgp->comm, PETSC_ERR_ORDER, "CfxLGPSetDissipation: call CfxLGPSetData() first");
  PetscCheck(sf > 0 && PetscIsNormalReal(sf), lgp->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxLGPSetDissipation: expected a positive signal std, found %g", (double)sf);
  for (PetscInt j = 0; j < lgp->d; j++) {
    const PetscReal l = ell ? ell[j] : 1;
    PetscCheck(l > 0 && PetscIsNormalReal(l), lgp->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxLGPSetDissipation: expected positive length scales, found ell[%" PetscInt_FMT "] = %g", j, (double)l);
    lgp->kernR.ell[j] = l;
  }
  lgp->kernR.sf2   = sf * sf;
  lgp->dissipation = flg;
  lgp->setup       = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxLGPGetDissipation(CfxLGP lgp, PetscBool *flg, PetscReal ell[], PetscReal *sf)
{
  PetscFunctionBegin;
  if (flg) *flg = lgp->dissipation;
  if (ell)
    for (PetscInt j = 0; j < lgp->d; j++) ell[j] = lgp->kernR.ell[j];
  if (sf) *sf = PetscSqrtReal(lgp->kernR.sf2);
  PetscFunctionReturn(0);
}

/* Prior covariance of the unit atoms d^{ja} at za and d^{jb} at zb: j = -1 value, 0 <= j < 2d a
   derivative of the Lagrangian GP, 2d <= j < 3d a velocity derivative of R (first d entries of z). */
PetscErrorCode CfxLGPAtomCovariance(CfxLGP lgp, const PetscReal za[], PetscInt ja, const PetscReal zb[], PetscInt jb, PetscReal *val)
{
  const PetscInt D = 2 * lgp->d;
  PetscReal r[CFX_LGP_MAX_DIM], a[CFX_LGP_MAX_DIM], il[CFX_LGP_MAX_DIM], g;

  PetscFunctionBegin;
  *val = 0;
  if ((ja >= D) != (jb >= D)) PetscFunctionReturn(0);
  if (ja >= D) {
    g    = CfxSEPrepare(&lgp->kernR, za, zb, r, a, il);
    *val = -CfxSEPoly(a, il, ja - D, jb - D, -1) * g;
  } else {
    g    = CfxSEPrepare(&lgp->kern, za, zb, r, a, il);
    *val = (jb >= 0 ? -1 : 1) * CfxSEPoly(a, il, ja, jb, -1) * g;
  }
  PetscFunctionReturn(0);
}

/* Posterior mean of grad R (d) and its Hessian (d x d, may be NULL) at velocity v; zero without
   dissipation. */
PetscErrorCode CfxLGPDissipationMean(CfxLGP lgp, const PetscReal v[], PetscReal grad[], PetscReal hess[])
{
  const PetscInt d = lgp->d, D = 2 * d;
  PetscReal r[CFX_LGP_MAX_DIM], a[CFX_LGP_MAX_DIM], il[CFX_LGP_MAX_DIM];

  PetscFunctionBegin;
  PetscCall(PetscArrayzero(grad, d));
  if (hess) PetscCall(PetscArrayzero(hess, d * d));
  if (!lgp->dissipation) PetscFunctionReturn(0);
  for (PetscInt p = lgp->nptsL; p < lgp->npts; p++) {
    const PetscReal *w = lgp->W + p * lgp->nrhs * (D + 1);
    const PetscReal g  = CfxSEPrepare(&lgp->kernR, v, lgp->pts + p * D, r, a, il);
    if (g == 0) continue;
    /* d^alpha_v sum_j w_j d_{v'_j} k(v - v') = -g sum_j w_j P_{alpha j} */
    for (PetscInt i = 0; i < d; i++) {
      PetscReal s = 0;
      for (PetscInt j = 0; j < d; j++) s -= w[1 + j] * CfxSEPoly(a, il, i, j, -1);
      grad[i] += s * g;
      if (hess)
        for (PetscInt l = i; l < d; l++) {
          PetscReal t = 0;
          for (PetscInt j = 0; j < d; j++) t -= w[1 + j] * CfxSEPoly(a, il, i, l, j);
          hess[i * d + l] += t * g;
          if (l != i) hess[l * d + i] += t * g;
        }
    }
  }
  PetscFunctionReturn(0);
}

/*@C
  CfxLGPDissipationForce - Posterior mean and variance (per component; var may be NULL) of the
  learned dissipative force F(v) = -grad R(v).
@*/
PetscErrorCode CfxLGPDissipationForce(CfxLGP lgp, const PetscReal v[], PetscReal mean[], PetscReal var[])
{
  const PetscInt d = lgp->d, D = 2 * d;
  CfxLGPAtom atoms[CFX_LGP_MAX_DIM / 2];
  PetscInt off[CFX_LGP_MAX_DIM / 2 + 1];
  PetscReal cov[CFX_LGP_MAX_DIM * CFX_LGP_MAX_DIM / 4];

  PetscFunctionBegin;
  PetscCheck(lgp->dissipation, lgp->comm, PETSC_ERR_ARG_WRONGSTATE, "CfxLGPDissipationForce: the model has no dissipation GP (-lgp_dissipation)");
  for (PetscInt i = 0; i < d; i++) {
    PetscCall(PetscArrayzero(atoms[i].z, CFX_LGP_MAX_DIM));
    PetscCall(PetscArraycpy(atoms[i].z, v, d));
    atoms[i].j = D + i;
    atoms[i].c = -1;
    off[i]     = i;
  }
  off[d] = d;
  PetscCall(CfxLGPPosteriorFunctionals(lgp, d, off, atoms, mean, var ? cov : NULL));
  if (var)
    for (PetscInt i = 0; i < d; i++) var[i] = cov[i * d + i];
  PetscFunctionReturn(0);
}
