static const char help[] = "Tests the squared-exponential ARD kernel: closed-form derivatives of orders 1..3 in r and\n"
                           "of orders 0..2 in log length scales against central finite differences; atom covariances.\n";

#include <conflux/conflux.h>

/* Central difference of d^{idx[0..o-1]} g along coordinate j, compared with d^{idx, j} g. */
static PetscErrorCode CheckOrder(const CfxSEKernel *k, const PetscReal r[], PetscInt o, PetscReal *worst)
{
  const PetscReal eps = 1e-5;
  PetscInt idx[4], total = 1;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < o; i++) total *= k->dim;
  for (PetscInt c = 0; c < total; c++) {
    PetscInt t = c;
    for (PetscInt i = 0; i < o; i++) {
      idx[i] = t % k->dim;
      t /= k->dim;
    }
    for (PetscInt j = 0; j < k->dim; j++) {
      PetscReal rp[CFX_LGP_MAX_DIM], rm[CFX_LGP_MAX_DIM], fp, fm, exact, fd, scale;
      for (PetscInt i = 0; i < k->dim; i++) rp[i] = rm[i] = r[i];
      rp[j] += eps;
      rm[j] -= eps;
      PetscCall(CfxSEKernelDerivative(k, rp, o, idx, &fp));
      PetscCall(CfxSEKernelDerivative(k, rm, o, idx, &fm));
      idx[o] = j;
      PetscCall(CfxSEKernelDerivative(k, r, o + 1, idx, &exact));
      fd     = (fp - fm) / (2 * eps);
      scale  = PetscMax(1.0, PetscAbsReal(exact));
      *worst = PetscMax(*worst, PetscAbsReal(fd - exact) / scale);
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckLogEll(CfxSEKernel *k, const PetscReal r[], PetscInt o, PetscReal *worst)
{
  const PetscReal eps = 1e-6;
  PetscInt idx[2], total = 1;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < o; i++) total *= k->dim;
  for (PetscInt c = 0; c < total; c++) {
    PetscInt t = c;
    for (PetscInt i = 0; i < o; i++) {
      idx[i] = t % k->dim;
      t /= k->dim;
    }
    for (PetscInt m = 0; m < k->dim; m++) {
      PetscReal ell = k->ell[m], fp, fm, exact, fd;
      k->ell[m]     = ell * PetscExpReal(eps);
      PetscCall(CfxSEKernelDerivative(k, r, o, idx, &fp));
      k->ell[m] = ell * PetscExpReal(-eps);
      PetscCall(CfxSEKernelDerivative(k, r, o, idx, &fm));
      k->ell[m] = ell;
      PetscCall(CfxSEKernelDerivativeLogEll(k, r, o, idx, m, &exact));
      fd     = (fp - fm) / (2 * eps);
      *worst = PetscMax(*worst, PetscAbsReal(fd - exact) / PetscMax(1.0, PetscAbsReal(exact)));
    }
  }
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  CfxSEKernel k  = {4, 1.7, {0.6, 1.3, 0.9, 2.0}};
  PetscReal r[4] = {0.3, -0.5, 0.8, -0.2}, worst[3] = {0, 0, 0}, worstL[3] = {0, 0, 0}, c1, c2, g;
  CfxLGPAtom A = {{0.1, 0.2, -0.3, 0.4}, 2, 1.5}, B = {{-0.2, 0.5, 0.1, 0.0}, 1, -0.7};
  PetscInt ij[2] = {2, 1};

  PetscFunctionBeginUser;
  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  for (PetscInt o = 0; o < 3; o++) PetscCall(CheckOrder(&k, r, o, &worst[o]));
  for (PetscInt o = 0; o < 3; o++) PetscCall(CheckLogEll(&k, r, o, &worstL[o]));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "SE kernel, dim 4: max rel. FD error of order 1/2/3 derivatives: %.2e %.2e %.2e\n", (double)worst[0], (double)worst[1], (double)worst[2]));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "d/dlog(ell) of order 0/1/2 derivatives: %.2e %.2e %.2e\n", (double)worstL[0], (double)worstL[1], (double)worstL[2]));
  for (PetscInt o = 0; o < 3; o++) {
    PetscCheck(worst[o] < 1e-8, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "order %" PetscInt_FMT " kernel derivative disagrees with finite differences: %g", o + 1, (double)worst[o]);
    PetscCheck(worstL[o] < 1e-8, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "log-ell derivative of order %" PetscInt_FMT " disagrees with finite differences: %g", o, (double)worstL[o]);
  }
  /* cov(c_a d_j f(z_a), c_b d_l f(z_b)) = c_a c_b d_{z_j} d_{z'_l} k = -c_a c_b g_{jl}(z_a - z_b), and symmetry */
  PetscCall(CfxSEKernelAtomCovariance(&k, &A, &B, &c1));
  PetscCall(CfxSEKernelAtomCovariance(&k, &B, &A, &c2));
  for (PetscInt i = 0; i < 4; i++) r[i] = A.z[i] - B.z[i];
  PetscCall(CfxSEKernelDerivative(&k, r, 2, ij, &g));
  PetscCheck(PetscAbsReal(c1 + A.c * B.c * g) < 1e-14 && PetscAbsReal(c1 - c2) < 1e-14, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "atom covariance %g / %g, expected %g", (double)c1, (double)c2,
             (double)(-A.c * B.c * g));
  /* bad input is an error */
  {
    PetscInt bad = 7;
    PetscReal v;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    PetscCheck(CfxSEKernelDerivative(&k, r, 1, &bad, &v) != 0, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "index 7 of a 4-dimensional kernel was accepted");
    PetscCall(PetscPopErrorHandler());
  }
  PetscCall(CfxFinalize());
  return 0;
}
