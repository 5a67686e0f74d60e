/* The semi-discrete right-hand side dU_j/dt = -(F_{j+1/2} - F_{j-1/2})/dx + nu (U_{j+1} - 2 U_j +
   U_{j-1})/dx^2 on one rank's block: ghost exchange, face fluxes of all faces in one call (the
   built-in reconstruction + Riemann solver, or a user face flux), then the flux difference. */
#include "fvimpl.h"

/* Built-in face flux, with the stencil (r+1, r+1) of a reconstruction of radius r: edge values
   of the nfaces+1 cells next to the faces, then the Riemann solver at each face. */
static PetscErrorCode CfxFVFaceFluxBuiltin(void *ctx, PetscInt nfaces, PetscInt nc, const PetscReal *u, PetscReal *flux)
{
  CfxFV fv      = (CfxFV)ctx;
  PetscReal *um = fv->work, *up = fv->work + (nfaces + 1) * nc;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CFXFV_Reconstruct, 0, 0, 0, 0));
  CfxFVReconstruct(fv->recon, fv->limiter, nfaces + 1, nc, u, um, up);
  PetscCall(PetscLogEventEnd(CFXFV_Reconstruct, 0, 0, 0, 0));
  if (fv->riemannBatch)
    fv->riemannBatch(fv->prm, nfaces, up, um, flux);
  else
    for (PetscInt f = 0; f < nfaces; f++) fv->riemannFn(fv->phys, fv->prm, up + f * nc, um + (f + 1) * nc, flux + f * nc);
  PetscFunctionReturn(0);
}

/* Zero-gradient ghost cells at outflow boundaries (DM_BOUNDARY_GHOSTED leaves them unset). */
static void FillOutflowGhosts(CfxFV fv, PetscReal *ul, PetscInt gxs, PetscInt gxm)
{
  const PetscInt nc = fv->phys->ncomp;
  for (PetscInt i = gxs; i < gxs + gxm; i++) {
    PetscInt src = i < 0 ? 0 : (i >= fv->N ? fv->N - 1 : i);
    if (src == i) continue;
    for (PetscInt k = 0; k < nc; k++) ul[(i - gxs) * nc + k] = ul[(src - gxs) * nc + k];
  }
}

PetscErrorCode CfxFVCheckState(CfxFV fv, Vec U, PetscReal t)
{
  const PetscReal *u;
  PetscInt xs, xm, bad = PETSC_MAX_INT, gbad;
  PetscReal hbad = PETSC_MIN_REAL, ghbad;

  PetscFunctionBegin;
  if (fv->phys->ncomp != 2) PetscFunctionReturn(0); /* only shallow water has an admissible set to check */
  PetscCall(DMDAGetCorners(fv->da, &xs, NULL, NULL, &xm, NULL, NULL));
  PetscCall(VecGetArrayRead(U, &u));
  for (PetscInt i = 0; i < xm; i++) {
    if (!(u[2 * i] >= 0)) {
      bad  = xs + i;
      hbad = u[2 * i];
      break;
    }
  }
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscCall(MPIU_Allreduce(&bad, &gbad, 1, MPIU_INT, MPI_MIN, fv->comm));
  if (gbad == PETSC_MAX_INT) PetscFunctionReturn(0);
  if (bad != gbad) hbad = PETSC_MIN_REAL;
  PetscCall(MPIU_Allreduce(&hbad, &ghbad, 1, MPIU_REAL, MPI_MAX, fv->comm));
  SETERRQ(fv->comm, PETSC_ERR_FP,
          "Negative water depth h = %g in cell %" PetscInt_FMT
          " (x = %g) at time t = %.10g: the bed runs dry (not modelled) or the scheme is not positivity preserving (first-order HLL or Rusanov within the CFL limit is)",
          (double)ghbad, gbad, (double)(fv->xmin + (gbad + 0.5) * fv->dx), (double)t);
}

PetscErrorCode CfxFVRHSFunction(TS ts, PetscReal t, Vec U, Vec F, void *ctx)
{
  CfxFV fv          = (CfxFV)ctx;
  const PetscInt nc = fv->phys->ncomp;
  PetscInt xs, xm, gxs, gxm, nfaces;
  PetscReal *ul, *f, *flux, idx = 1 / fv->dx, nudx2 = fv->nu / (fv->dx * fv->dx);

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CFXFV_RHS, 0, 0, 0, 0));
  PetscCall(CfxFVCheckState(fv, U, t));
  PetscCall(DMGlobalToLocalBegin(fv->da, U, INSERT_VALUES, fv->Uloc));
  PetscCall(DMGlobalToLocalEnd(fv->da, U, INSERT_VALUES, fv->Uloc));
  PetscCall(DMDAGetCorners(fv->da, &xs, NULL, NULL, &xm, NULL, NULL));
  PetscCall(DMDAGetGhostCorners(fv->da, &gxs, NULL, NULL, &gxm, NULL, NULL));
  PetscCall(VecGetArray(fv->Uloc, &ul));
  if (fv->bc == CFXFV_BC_OUTFLOW) FillOutflowGhosts(fv, ul, gxs, gxm);
  nfaces = xm + 1;
  flux   = fv->work + fv->nwork - nfaces * nc;
  PetscCall(PetscLogEventBegin(CFXFV_FaceFlux, 0, 0, 0, 0));
  if (fv->userFlux)
    PetscCall(fv->userFlux(fv->userFluxCtx, nfaces, nc, ul + (xs - fv->p - gxs) * nc, flux));
  else
    PetscCall(CfxFVFaceFluxBuiltin(fv, nfaces, nc, ul + (xs - fv->p - gxs) * nc, flux));
  PetscCall(PetscLogEventEnd(CFXFV_FaceFlux, 0, 0, 0, 0));
  PetscCall(VecGetArray(F, &f));
  for (PetscInt i = 0; i < xm * nc; i++) f[i] = -(flux[i + nc] - flux[i]) * idx;
  if (fv->nu != 0) {
    const PetscReal *c = ul + (xs - gxs) * nc;
    for (PetscInt i = 0; i < xm * nc; i++) f[i] += nudx2 * (c[i + nc] - 2 * c[i] + c[i - nc]);
  }
  PetscCall(VecRestoreArray(F, &f));
  PetscCall(VecRestoreArray(fv->Uloc, &ul));
  PetscCall(PetscLogFlops((PetscLogDouble)(3 * xm * nc)));
  PetscCall(PetscLogEventEnd(CFXFV_RHS, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
