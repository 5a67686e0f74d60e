/* Squared-exponential ARD kernel and its closed-form derivatives (orders 0..3 in r, and the
   log-length-scale derivatives of orders 0..2 that the ML-II gradient needs). */
#include "lgpimpl.h"

static PetscErrorCode CheckKernel(const CfxSEKernel *k, PetscInt order, const PetscInt idx[], PetscInt maxOrder)
{
  PetscFunctionBegin;
  PetscCheck(k->dim >= 1 && k->dim <= CFX_LGP_MAX_DIM, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "SE kernel: expected dimension in [1, %d], found %" PetscInt_FMT, CFX_LGP_MAX_DIM, k->dim);
  PetscCheck(order >= 0 && order <= maxOrder, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "SE kernel: expected derivative order in [0, %" PetscInt_FMT "], found %" PetscInt_FMT, maxOrder, order);
  for (PetscInt i = 0; i < order; i++)
    PetscCheck(idx[i] >= 0 && idx[i] < k->dim, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "SE kernel: expected derivative index in [0, %" PetscInt_FMT "), found %" PetscInt_FMT, k->dim, idx[i]);
  for (PetscInt j = 0; j < k->dim; j++)
    PetscCheck(k->ell[j] > 0 && PetscIsNormalReal(k->ell[j]), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "SE kernel: expected positive length scales, found ell[%" PetscInt_FMT "] = %g", j,
               (double)k->ell[j]);
  PetscFunctionReturn(0);
}

/*@C
  CfxSEKernelDerivative - d^{idx} g(r) for g(r) = sf2 exp(-1/2 sum_j r_j^2 / ell_j^2), where
  idx holds `order` (0..3) coordinate indices. Since k(z, z') = g(z - z'), a derivative in z is
  one in r and a derivative in z' is minus one in r.
@*/
PetscErrorCode CfxSEKernelDerivative(const CfxSEKernel *k, const PetscReal r[], PetscInt order, const PetscInt idx[], PetscReal *val)
{
  PetscReal a[CFX_LGP_MAX_DIM], il[CFX_LGP_MAX_DIM], rr[CFX_LGP_MAX_DIM], zero[CFX_LGP_MAX_DIM] = {0}, g;
  PetscInt i[3] = {-1, -1, -1};

  PetscFunctionBegin;
  PetscCall(CheckKernel(k, order, idx, 3));
  for (PetscInt o = 0; o < order; o++) i[o] = idx[o];
  g    = CfxSEPrepare(k, r, zero, rr, a, il);
  *val = CfxSEPoly(a, il, i[0], i[1], i[2]) * g;
  PetscFunctionReturn(0);
}

/*@C
  CfxSEKernelDerivativeLogEll - d/d(log ell_m) of d^{idx} g(r), order 0..2.
@*/
PetscErrorCode CfxSEKernelDerivativeLogEll(const CfxSEKernel *k, const PetscReal r[], PetscInt order, const PetscInt idx[], PetscInt m, PetscReal *val)
{
  PetscReal a[CFX_LGP_MAX_DIM], il[CFX_LGP_MAX_DIM], rr[CFX_LGP_MAX_DIM], zero[CFX_LGP_MAX_DIM] = {0}, g;
  PetscInt i[2] = {-1, -1};

  PetscFunctionBegin;
  PetscCall(CheckKernel(k, order, idx, 2));
  PetscCheck(m >= 0 && m < k->dim, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "SE kernel: expected length-scale index in [0, %" PetscInt_FMT "), found %" PetscInt_FMT, k->dim, m);
  for (PetscInt o = 0; o < order; o++) i[o] = idx[o];
  g    = CfxSEPrepare(k, r, zero, rr, a, il);
  *val = CfxSEPolyLogEll(a, il, rr, m, i[0], i[1]) * g;
  PetscFunctionReturn(0);
}

/*@C
  CfxSEKernelAtomCovariance - cov(c_a d^{j_a} f(z_a), c_b d^{j_b} f(z_b)) for f ~ GP(0, k).
@*/
PetscErrorCode CfxSEKernelAtomCovariance(const CfxSEKernel *k, const CfxLGPAtom *A, const CfxLGPAtom *Bt, PetscReal *val)
{
  PetscReal a[CFX_LGP_MAX_DIM], il[CFX_LGP_MAX_DIM], r[CFX_LGP_MAX_DIM], g;

  PetscFunctionBegin;
  PetscCheck(A->j >= -1 && A->j < k->dim && Bt->j >= -1 && Bt->j < k->dim, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "SE kernel: atom derivative indices %" PetscInt_FMT ", %" PetscInt_FMT " outside [-1, %" PetscInt_FMT ")", A->j, Bt->j, k->dim);
  g    = CfxSEPrepare(k, A->z, Bt->z, r, a, il);
  *val = A->c * Bt->c * (Bt->j >= 0 ? -1 : 1) * CfxSEPoly(a, il, A->j, Bt->j, -1) * g;
  PetscFunctionReturn(0);
}
