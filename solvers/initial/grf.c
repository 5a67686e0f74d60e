/* Periodic Gaussian random fields by spectral synthesis.

   A stationary field on the periodic domain [xmin, xmin + L) with covariance
   C(d) = sum_m exp(-(d + m L)^2 / (2 l^2)) (the squared-exponential kernel, summed over
   periodic images) has the Fourier series C(d) = (1/L) sum_n S(k_n) cos(k_n d),
   k_n = 2 pi n / L, S(k) = l sqrt(2 pi) exp(-k^2 l^2 / 2). So
     u(x) = a_0 + sum_{n>=1} a_n cos(k_n (x - xmin)) + b_n sin(k_n (x - xmin)),
   a_0 ~ N(0, S(0)/L), a_n, b_n ~ N(0, 2 S(k_n)/L), independent, has covariance C.
   On n grid points the modes 0 <= k < n/2 are kept (the Nyquist mode of an even grid is
   dropped: it cannot carry a sine), and the mode variances are scaled so that their sum,
   the pointwise variance of the discrete field, is exactly amplitude^2. For l of a few grid
   spacings or more the dropped tail is below round-off, so the correlation of the samples is
   the kernel itself. Each sample has a random mean (mode 0): the ensemble mean is zero, the
   spatial mean of one sample is not; dropping mode 0 would subtract l sqrt(2 pi)/L from the
   covariance at every lag.

   Draws are taken mode by mode (a_0, a_1, b_1, a_2, b_2, ...), so a sample on a finer grid
   is the same random function as on a coarser one, with more modes. */
#include "icimpl.h"

PetscErrorCode CfxICGRFFreeGrid(CfxIC ic)
{
  PetscFunctionBegin;
  if (ic->plan) fftw_destroy_plan(ic->plan);
  if (ic->coef) fftw_free(ic->coef);
  if (ic->field) fftw_free(ic->field);
  ic->plan  = NULL;
  ic->coef  = NULL;
  ic->field = NULL;
  ic->n     = 0;
  PetscCall(PetscFree(ic->sigma));
  PetscFunctionReturn(0);
}

/* Mode standard deviations for an n-point grid and the c2r plan that sums the series. */
PetscErrorCode CfxICGRFSetUpGrid(CfxIC ic, PetscInt n)
{
  const PetscInt nc = n / 2 + 1;
  PetscReal total   = 0;

  PetscFunctionBegin;
  if (ic->n == n) PetscFunctionReturn(0);
  PetscCall(CfxICGRFFreeGrid(ic));
  PetscCheck(n <= INT_MAX, ic->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxIC: grid of %" PetscInt_FMT " points exceeds FFTW's int sizes", n);
  PetscCall(PetscMalloc1(nc, &ic->sigma));
  for (PetscInt m = 0; m < nc; m++) {
    const PetscReal k = 2 * PETSC_PI * m / ic->L;
    const PetscReal S = ic->length * PetscSqrtReal(2 * PETSC_PI) * PetscExpReal(-0.5 * k * k * ic->length * ic->length);
    PetscReal var     = (m == 0 ? 1 : 2) * S / ic->L;

    if (2 * m == n) var = 0; /* Nyquist mode of an even grid */
    ic->sigma[m] = var;
    total += var;
  }
  PetscCheck(total > 0, ic->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxIC: GRF spectrum vanishes for length %g on [0, %g)", (double)ic->length, (double)ic->L);
  for (PetscInt m = 0; m < nc; m++) ic->sigma[m] = ic->amplitude * PetscSqrtReal(ic->sigma[m] / total);
  ic->coef  = fftw_alloc_complex((size_t)nc);
  ic->field = fftw_alloc_real((size_t)n);
  PetscCheck(ic->coef && ic->field, ic->comm, PETSC_ERR_MEM, "CfxIC: FFTW could not allocate a grid of %" PetscInt_FMT " points", n);
  /* FFTW_ESTIMATE: the plan (hence the rounding of every sample) does not depend on timing. */
  ic->plan = fftw_plan_dft_c2r_1d((int)n, ic->coef, ic->field, FFTW_ESTIMATE);
  PetscCheck(ic->plan, ic->comm, PETSC_ERR_LIB, "CfxIC: FFTW could not plan a c2r transform of size %" PetscInt_FMT, n);
  ic->n = n;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxICSampleGRF(CfxIC ic, CfxRNG *rng, PetscInt n, PetscReal u[])
{
  const PetscInt nc = n / 2 + 1;
  double *coef;

  PetscFunctionBegin;
  PetscCall(CfxICGRFSetUpGrid(ic, n));
  coef = (double *)ic->coef; /* interleaved (re, im), whether fftw_complex is double[2] or C99 complex */
  for (PetscInt m = 0; m < nc; m++) {
    /* (a - i b)/2 times the phase e^{i pi m / n} that moves the series to the cell centres:
       c2r computes c_0 + sum 2 Re(c_m e^{2 pi i m j / n}). */
    const PetscReal a = ic->sigma[m] * CfxRNGNormal(rng);
    const PetscReal b = m ? ic->sigma[m] * CfxRNGNormal(rng) : 0;
    const PetscReal c = PetscCosReal(PETSC_PI * m / n), s = PetscSinReal(PETSC_PI * m / n);

    if (m == 0) {
      coef[0] = a;
      coef[1] = 0;
    } else {
      coef[2 * m]     = 0.5 * (a * c + b * s);
      coef[2 * m + 1] = 0.5 * (a * s - b * c);
    }
  }
  fftw_execute(ic->plan);
  for (PetscInt j = 0; j < n; j++) u[j] = ic->field[j];
  PetscFunctionReturn(0);
}

/*@C
  CfxICGRFCovariance - The exact covariance the GRF sampler realises on an n-point grid,
  C[j] = cov(u(x_i), u(x_{i+j})) for lags j = 0..n-1 (C[0] = amplitude^2).
@*/
PetscErrorCode CfxICGRFCovariance(CfxIC ic, PetscInt n, PetscReal C[])
{
  PetscFunctionBegin;
  PetscValidPointer(ic, 1);
  PetscCheck(n >= 2, ic->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxICGRFCovariance: expected at least 2 grid points, found %" PetscInt_FMT, n);
  PetscValidRealPointer(C, 3);
  PetscCall(CfxICGRFSetUpGrid(ic, n));
  for (PetscInt j = 0; j < n; j++) {
    C[j] = 0;
    for (PetscInt m = 0; m < n / 2 + 1; m++) C[j] += ic->sigma[m] * ic->sigma[m] * PetscCosReal(2 * PETSC_PI * m * j / n);
  }
  PetscFunctionReturn(0);
}
