/* One time step of the Fourier-space system v_t = lin v + N(v), lin = -nu k^2 (diagonal),
   N(v) = -(i k / 2) F[(F^{-1} v)^2] restricted to the kept modes.

   ETDRK4 (Cox and Matthews; Kassam and Trefethen, SIAM J. Sci. Comput. 26 (2005)) needs
   phi-type functions of z = h lin such as (e^z - 1)/z and (-4 - z + e^z (4 - 3z + z^2))/z^3,
   which lose all their digits to cancellation for small |z| if evaluated as written. They
   are evaluated as the mean over M points of a circle of radius 1 centred at z (Cauchy's
   integral formula applied to these entire functions), where no cancellation happens. */
#include "spectralimpl.h"

#define CFX_SPECTRAL_CONTOUR                                 \
  32 /* points on the half circle; the trapezoid rule on the \
        circle converges geometrically for entire functions */

PetscErrorCode CfxSpectralCoefFree(CfxSpectralCoef *cf)
{
  PetscFunctionBegin;
  PetscCall(PetscFree6(cf->E, cf->E2, cf->Q, cf->f1, cf->f2, cf->f3));
  cf->h = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSpectralCoefCompute(CfxSpectralBurgers sb, PetscReal h, CfxSpectralCoef *cf)
{
  const PetscInt nc = sb->nc, M = CFX_SPECTRAL_CONTOUR;

  PetscFunctionBegin;
  if (cf->h == h) PetscFunctionReturn(0);
  PetscCall(PetscLogEventBegin(CFX_Spectral_Coef, 0, 0, 0, 0));
  if (!cf->E) PetscCall(PetscMalloc6(nc, &cf->E, nc, &cf->E2, nc, &cf->Q, nc, &cf->f1, nc, &cf->f2, nc, &cf->f3));
  for (PetscInt m = 0; m < nc; m++) {
    const PetscReal z = h * sb->lin[m];
    CfxCplx Q = 0, f1 = 0, f2 = 0, f3 = 0;

    cf->E[m]  = PetscExpReal(z);
    cf->E2[m] = PetscExpReal(0.5 * z);
    if (sb->scheme != CFX_SPECTRAL_ETDRK4) continue;
    /* The functions are real on the real axis, so the mean over the full circle is the real
       part of the mean over its upper half. */
    for (PetscInt j = 0; j < M; j++) {
      const CfxCplx r = z + cexp(I * PETSC_PI * (j + 0.5) / M), er = cexp(r), r3 = r * r * r;

      Q += (cexp(0.5 * r) - 1) / r;
      f1 += (-4 - r + er * (4 - 3 * r + r * r)) / r3;
      f2 += (2 + r + er * (r - 2)) / r3;
      f3 += (-4 - 3 * r - r * r + er * (4 - r)) / r3;
    }
    cf->Q[m]  = h * creal(Q) / M;
    cf->f1[m] = h * creal(f1) / M;
    cf->f2[m] = h * creal(f2) / M;
    cf->f3[m] = h * creal(f3) / M;
  }
  cf->h = h;
  PetscCall(PetscLogFlops((PetscLogDouble)nc * M * 60));
  PetscCall(PetscLogEventEnd(CFX_Spectral_Coef, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* Grid values -> unnormalised DFT coefficients of the kept modes. */
PetscErrorCode CfxSpectralToFourier(CfxSpectralBurgers sb, const PetscReal u[], CfxCplx v[])
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CFX_Spectral_FFT, 0, 0, 0, 0));
  for (PetscInt j = 0; j < sb->nx; j++) sb->real[j] = u[j];
  fftw_execute(sb->r2c);
  for (PetscInt m = 0; m < sb->nc; m++) v[m] = sb->mask[m] * sb->cplx[m];
  PetscCall(PetscLogFlops(2.5 * sb->nx * PetscLog2Real((PetscReal)sb->nx)));
  PetscCall(PetscLogEventEnd(CFX_Spectral_FFT, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* DFT coefficients -> grid values (c2r overwrites its input, hence the copy). */
PetscErrorCode CfxSpectralToGrid(CfxSpectralBurgers sb, const CfxCplx v[], PetscReal u[])
{
  const PetscReal scale = 1.0 / sb->nx;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CFX_Spectral_FFT, 0, 0, 0, 0));
  for (PetscInt m = 0; m < sb->nc; m++) sb->cplx[m] = v[m];
  fftw_execute(sb->c2r);
  for (PetscInt j = 0; j < sb->nx; j++) u[j] = scale * sb->real[j];
  PetscCall(PetscLogFlops(2.5 * sb->nx * PetscLog2Real((PetscReal)sb->nx)));
  PetscCall(PetscLogEventEnd(CFX_Spectral_FFT, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* Nv = -(i k / 2) F[u^2], u = F^{-1} v, on the kept modes. */
static PetscErrorCode Nonlinear(CfxSpectralBurgers sb, const CfxCplx v[], CfxCplx Nv[])
{
  const PetscReal scale = 1.0 / sb->nx;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CFX_Spectral_FFT, 0, 0, 0, 0));
  for (PetscInt m = 0; m < sb->nc; m++) sb->cplx[m] = v[m];
  fftw_execute(sb->c2r);
  for (PetscInt j = 0; j < sb->nx; j++) {
    const PetscReal u = scale * sb->real[j];
    sb->real[j]       = u * u;
  }
  fftw_execute(sb->r2c);
  PetscCall(PetscLogFlops(5.0 * sb->nx * PetscLog2Real((PetscReal)sb->nx)));
  PetscCall(PetscLogEventEnd(CFX_Spectral_FFT, 0, 0, 0, 0));
  for (PetscInt m = 0; m < sb->nc; m++) Nv[m] = (-0.5 * I * sb->k[m] * sb->mask[m]) * sb->cplx[m];
  PetscFunctionReturn(0);
}

/* Advances sb->v by the step length cf->h. */
PetscErrorCode CfxSpectralStep(CfxSpectralBurgers sb, const CfxSpectralCoef *cf)
{
  const PetscInt nc = sb->nc;
  const PetscReal h = cf->h;
  CfxCplx *v = sb->v, *a = sb->a, *b = sb->b, *c = sb->c, *Nv = sb->Nv, *Na = sb->Na, *Nb = sb->Nb, *Nc = sb->Nc;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CFX_Spectral_Step, 0, 0, 0, 0));
  PetscCall(Nonlinear(sb, v, Nv));
  if (sb->scheme == CFX_SPECTRAL_ETDRK4) {
    for (PetscInt m = 0; m < nc; m++) a[m] = cf->E2[m] * v[m] + cf->Q[m] * Nv[m];
    PetscCall(Nonlinear(sb, a, Na));
    for (PetscInt m = 0; m < nc; m++) b[m] = cf->E2[m] * v[m] + cf->Q[m] * Na[m];
    PetscCall(Nonlinear(sb, b, Nb));
    for (PetscInt m = 0; m < nc; m++) c[m] = cf->E2[m] * a[m] + cf->Q[m] * (2.0 * Nb[m] - Nv[m]);
    PetscCall(Nonlinear(sb, c, Nc));
    for (PetscInt m = 0; m < nc; m++) v[m] = cf->E[m] * v[m] + cf->f1[m] * Nv[m] + 2.0 * cf->f2[m] * (Na[m] + Nb[m]) + cf->f3[m] * Nc[m];
  } else {
    /* Lawson's integrating-factor RK4: classical RK4 on w = e^{-t lin} v, written in v. */
    for (PetscInt m = 0; m < nc; m++) a[m] = cf->E2[m] * (v[m] + 0.5 * h * Nv[m]);
    PetscCall(Nonlinear(sb, a, Na));
    for (PetscInt m = 0; m < nc; m++) b[m] = cf->E2[m] * v[m] + 0.5 * h * Na[m];
    PetscCall(Nonlinear(sb, b, Nb));
    for (PetscInt m = 0; m < nc; m++) c[m] = cf->E[m] * v[m] + h * cf->E2[m] * Nb[m];
    PetscCall(Nonlinear(sb, c, Nc));
    for (PetscInt m = 0; m < nc; m++) v[m] = cf->E[m] * v[m] + (h / 6) * (cf->E[m] * Nv[m] + 2.0 * cf->E2[m] * (Na[m] + Nb[m]) + Nc[m]);
  }
  PetscCall(PetscLogFlops(30.0 * nc));
  PetscCall(PetscLogEventEnd(CFX_Spectral_Step, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
