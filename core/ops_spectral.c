/* Spectral convolution of the Fourier neural operator in 1-D:
     y = irfft( W_k . rfft(x)_k  for k < M, 0 otherwise ),
   with FFTW plans cached per (N, number of transforms) and the per-mode channel mixing done as
   one complex GEMM per retained mode: [B x Cin] x [Cin x Cout].

   Gradient conventions (complex numbers stand for pairs dL/dRe + i dL/dIm):
   - irfft: y_n = (1/N) sum_k c_k Re(Z_k e^{2 pi i k n / N}), c_k = 1 for k = 0 and the Nyquist
     mode, 2 otherwise, so dZ_k = (c_k / N) rfft(dy)_k;
   - products: Z = X W gives dX = dZ conj(W), dW = conj(X) dZ;
   - rfft: X_k = sum_n x_n e^{-2 pi i k n / N} gives dx_n = sum_k Re(dX_k e^{2 pi i k n/N}), which
     is FFTW's unnormalised c2r of dX with the modes 0 < k < N/2 halved. */
#include "cfxtensorimpl.h"
#include <cblas.h>
#include <fftw3.h>

typedef struct {
  PetscInt N, howmany;
  fftw_plan r2c, c2r;
} PlanEntry;

static PlanEntry *PlanCache      = NULL;
static PetscInt PlanCacheN       = 0;
static PetscBool PlanCacheHooked = PETSC_FALSE;

static PetscErrorCode PlanCacheDestroy(void)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < PlanCacheN; i++) {
    fftw_destroy_plan(PlanCache[i].r2c);
    fftw_destroy_plan(PlanCache[i].c2r);
  }
  free(PlanCache);
  PlanCache       = NULL;
  PlanCacheN      = 0;
  PlanCacheHooked = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Plans for `howmany` contiguous real rows of length N <-> complex rows of length N/2+1.
   Executed with fftw_execute_dft_r2c/c2r on arena arrays (64-byte aligned like the planning
   arrays, which FFTW's new-array execute requires). */
static PetscErrorCode GetPlans(PetscInt N, PetscInt howmany, PlanEntry **plan)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < PlanCacheN; i++)
    if (PlanCache[i].N == N && PlanCache[i].howmany == howmany) {
      *plan = &PlanCache[i];
      PetscFunctionReturn(0);
    }
  {
    PlanEntry *grown = (PlanEntry *)realloc(PlanCache, sizeof(PlanEntry) * (size_t)(PlanCacheN + 1));
    int n = (int)N, Nh = (int)(N / 2 + 1);
    double *r       = fftw_alloc_real((size_t)(N * howmany));
    fftw_complex *z = fftw_alloc_complex((size_t)(Nh * howmany));
    PetscCheck(grown && r && z, PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot allocate FFTW plan storage");
    PlanCache    = grown;
    PlanEntry *e = &PlanCache[PlanCacheN];
    e->N         = N;
    e->howmany   = howmany;
    e->r2c       = fftw_plan_many_dft_r2c(1, &n, (int)howmany, r, NULL, 1, n, z, NULL, 1, Nh, FFTW_ESTIMATE);
    e->c2r       = fftw_plan_many_dft_c2r(1, &n, (int)howmany, z, NULL, 1, Nh, r, NULL, 1, n, FFTW_ESTIMATE);
    fftw_free(r);
    fftw_free(z);
    PetscCheck(e->r2c && e->c2r, PETSC_COMM_SELF, PETSC_ERR_LIB, "FFTW could not plan %" PetscInt_FMT " transforms of length %" PetscInt_FMT, howmany, N);
    PlanCacheN++;
    if (!PlanCacheHooked) {
      PetscCall(PetscRegisterFinalize(PlanCacheDestroy));
      PlanCacheHooked = PETSC_TRUE;
    }
    *plan = e;
  }
  PetscFunctionReturn(0);
}

typedef struct {
  CfxTensor x, wr, wi, y;
  PetscInt B, Ci, Co, N, M;
  PetscReal *Xm; /* retained modes of rfft(x), [M][B][Ci] complex */
  PetscReal *Wp; /* packed weights [M][Ci][Co] complex */
} SpecCtx;

static PetscErrorCode SpecBackward(CfxTape tape, void *ctx)
{
  SpecCtx *c = (SpecCtx *)ctx;
  PetscInt B = c->B, Ci = c->Ci, Co = c->Co, N = c->N, M = c->M, Nh = N / 2 + 1;
  PetscReal *gx, *gr, *gi, *G, *dO, *dW                             = NULL, *dX, *spec;
  PlanEntry *pl;
  const double one[2] = {1, 0}, zero[2] = {0, 0};

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CFX_OpSpectral, 0, 0, 0, 0));
  PetscCall(CfxTensorGetGrad(tape, c->x, &gx));
  PetscCall(CfxTensorGetGrad(tape, c->wr, &gr));
  PetscCall(CfxTensorGetGrad(tape, c->wi, &gi));
  /* G = rfft(dy), [B*Co][Nh] complex */
  PetscCall(GetPlans(N, B * Co, &pl));
  PetscCall(CfxTapeScratch(tape, 2 * B * Co * Nh, &G));
  PetscCall(PetscLogEventBegin(CFX_OpFFT, 0, 0, 0, 0));
  fftw_execute_dft_r2c(pl->r2c, c->y->grad, (fftw_complex *)G);
  PetscCall(PetscLogEventEnd(CFX_OpFFT, 0, 0, 0, 0));
  /* dOut [M][B][Co] = (c_k / N) G_k */
  PetscCall(CfxTapeScratch(tape, 2 * M * B * Co, &dO));
  for (PetscInt k = 0; k < M; k++) {
    PetscReal s = ((k == 0 || 2 * k == N) ? 1.0 : 2.0) / (PetscReal)N;
    for (PetscInt r = 0; r < B * Co; r++) {
      dO[2 * (k * B * Co + r)]     = s * G[2 * (r * Nh + k)];
      dO[2 * (k * B * Co + r) + 1] = s * G[2 * (r * Nh + k) + 1];
    }
  }
  if (gr || gi) {
    PetscCall(CfxTapeScratch(tape, 2 * M * Ci * Co, &dW));
    for (PetscInt k = 0; k < M; k++)
      cblas_zgemm(CblasRowMajor, CblasConjTrans, CblasNoTrans, (int)Ci, (int)Co, (int)B, one, c->Xm + 2 * k * B * Ci, (int)Ci, dO + 2 * k * B * Co, (int)Co, zero, dW + 2 * k * Ci * Co, (int)Co);
    for (PetscInt i = 0; i < Ci; i++)
      for (PetscInt o = 0; o < Co; o++)
        for (PetscInt k = 0; k < M; k++) {
          PetscInt p = (k * Ci + i) * Co + o, q = (i * Co + o) * M + k;
          if (gr) gr[q] += dW[2 * p];
          if (gi) gi[q] += dW[2 * p + 1];
        }
  }
  if (gx) {
    PetscReal *xs;
    PetscCall(CfxTapeScratch(tape, 2 * M * B * Ci, &dX));
    for (PetscInt k = 0; k < M; k++)
      cblas_zgemm(CblasRowMajor, CblasNoTrans, CblasConjTrans, (int)B, (int)Ci, (int)Co, one, dO + 2 * k * B * Co, (int)Co, c->Wp + 2 * k * Ci * Co, (int)Co, zero, dX + 2 * k * B * Ci, (int)Ci);
    PetscCall(CfxTapeScratch(tape, 2 * B * Ci * Nh, &spec));
    PetscCall(PetscArrayzero(spec, 2 * B * Ci * Nh));
    for (PetscInt k = 0; k < M; k++) {
      PetscReal h = (k == 0 || 2 * k == N) ? 1.0 : 0.5;
      for (PetscInt r = 0; r < B * Ci; r++) {
        spec[2 * (r * Nh + k)]     = h * dX[2 * (k * B * Ci + r)];
        spec[2 * (r * Nh + k) + 1] = h * dX[2 * (k * B * Ci + r) + 1];
      }
    }
    PetscCall(GetPlans(N, B * Ci, &pl));
    PetscCall(CfxTapeScratch(tape, B * Ci * N, &xs));
    PetscCall(PetscLogEventBegin(CFX_OpFFT, 0, 0, 0, 0));
    fftw_execute_dft_c2r(pl->c2r, (fftw_complex *)spec, xs);
    PetscCall(PetscLogEventEnd(CFX_OpFFT, 0, 0, 0, 0));
    for (PetscInt i = 0; i < B * Ci * N; i++) gx[i] += xs[i];
  }
  PetscCall(PetscLogEventEnd(CFX_OpSpectral, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  CfxOpSpectralConv1d - FNO spectral convolution; x [B, Cin, N], wr, wi [Cin, Cout, M].
@*/
PetscErrorCode CfxOpSpectralConv1d(CfxTape tape, CfxTensor x, CfxTensor wr, CfxTensor wi, CfxTensor *y)
{
  SpecCtx c, *cc;
  PetscInt Nh, shape[3];
  CfxTensor in[3] = {x, wr, wi};
  PetscReal *X, *Out, *spec;
  PlanEntry *pl;
  const double one[2] = {1, 0}, zero[2] = {0, 0};

  PetscFunctionBegin;
  PetscCheck(x->ndim == 3, tape->comm, PETSC_ERR_ARG_SIZ, "spectral conv needs x [B, Cin, N], found rank %" PetscInt_FMT, x->ndim);
  PetscCheck(wr->ndim == 3 && CfxShapeEqual(wr, wi), tape->comm, PETSC_ERR_ARG_SIZ, "spectral conv weights must both be [Cin, Cout, modes]");
  c.B  = x->shape[0];
  c.Ci = x->shape[1];
  c.N  = x->shape[2];
  c.Co = wr->shape[1];
  c.M  = wr->shape[2];
  Nh   = c.N / 2 + 1;
  PetscCheck(wr->shape[0] == c.Ci, tape->comm, PETSC_ERR_ARG_SIZ, "spectral conv weight expects %" PetscInt_FMT " input channels, x has %" PetscInt_FMT, wr->shape[0], c.Ci);
  PetscCheck(c.M >= 1 && c.M <= Nh, tape->comm, PETSC_ERR_ARG_SIZ, "spectral conv keeps %" PetscInt_FMT " modes; N = %" PetscInt_FMT " has only %" PetscInt_FMT, c.M, c.N, Nh);
  shape[0] = c.B;
  shape[1] = c.Co;
  shape[2] = c.N;
  PetscCall(CfxTapeNewOutput(tape, 3, shape, PETSC_FALSE, 3, in, y));
  PetscCall(PetscLogEventBegin(CFX_OpSpectral, 0, 0, 0, 0));
  /* rfft of every (sample, channel) row */
  PetscCall(GetPlans(c.N, c.B * c.Ci, &pl));
  PetscCall(CfxTapeScratch(tape, 2 * c.B * c.Ci * Nh, &X));
  PetscCall(PetscLogEventBegin(CFX_OpFFT, 0, 0, 0, 0));
  if (fftw_alignment_of(x->data) == 0)
    fftw_execute_dft_r2c(pl->r2c, x->data, (fftw_complex *)X);
  else { /* persistent input with less alignment than the plan assumes */
    PetscReal *xa;
    PetscCall(CfxTapeScratch(tape, x->size, &xa));
    PetscCall(PetscArraycpy(xa, x->data, x->size));
    fftw_execute_dft_r2c(pl->r2c, xa, (fftw_complex *)X);
  }
  PetscCall(PetscLogEventEnd(CFX_OpFFT, 0, 0, 0, 0));
  /* mode-major copies of the retained modes and of the weights */
  PetscCall(CfxTapeScratch(tape, 2 * c.M * c.B * c.Ci, &c.Xm));
  PetscCall(CfxTapeScratch(tape, 2 * c.M * c.Ci * c.Co, &c.Wp));
  for (PetscInt k = 0; k < c.M; k++)
    for (PetscInt r = 0; r < c.B * c.Ci; r++) {
      c.Xm[2 * (k * c.B * c.Ci + r)]     = X[2 * (r * Nh + k)];
      c.Xm[2 * (k * c.B * c.Ci + r) + 1] = X[2 * (r * Nh + k) + 1];
    }
  for (PetscInt i = 0; i < c.Ci; i++)
    for (PetscInt o = 0; o < c.Co; o++)
      for (PetscInt k = 0; k < c.M; k++) {
        PetscInt p = (k * c.Ci + i) * c.Co + o, q = (i * c.Co + o) * c.M + k;
        c.Wp[2 * p]     = wr->data[q];
        c.Wp[2 * p + 1] = wi->data[q];
      }
  /* Out_k [B x Co] = X_k [B x Ci] W_k [Ci x Co] */
  PetscCall(CfxTapeScratch(tape, 2 * c.M * c.B * c.Co, &Out));
  for (PetscInt k = 0; k < c.M; k++)
    cblas_zgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)c.B, (int)c.Co, (int)c.Ci, one, c.Xm + 2 * k * c.B * c.Ci, (int)c.Ci, c.Wp + 2 * k * c.Ci * c.Co, (int)c.Co, zero,
                Out + 2 * k * c.B * c.Co, (int)c.Co);
  /* back to row-major spectra (zero above the retained modes), inverse transform, 1/N */
  PetscCall(CfxTapeScratch(tape, 2 * c.B * c.Co * Nh, &spec));
  PetscCall(PetscArrayzero(spec, 2 * c.B * c.Co * Nh));
  for (PetscInt k = 0; k < c.M; k++)
    for (PetscInt r = 0; r < c.B * c.Co; r++) {
      spec[2 * (r * Nh + k)]     = Out[2 * (k * c.B * c.Co + r)];
      spec[2 * (r * Nh + k) + 1] = Out[2 * (k * c.B * c.Co + r) + 1];
    }
  PetscCall(GetPlans(c.N, c.B * c.Co, &pl));
  PetscCall(PetscLogEventBegin(CFX_OpFFT, 0, 0, 0, 0));
  fftw_execute_dft_c2r(pl->c2r, (fftw_complex *)spec, (*y)->data);
  PetscCall(PetscLogEventEnd(CFX_OpFFT, 0, 0, 0, 0));
  {
    PetscReal s = 1.0 / (PetscReal)c.N, *Y = (*y)->data;
    for (PetscInt i = 0; i < (*y)->size; i++) Y[i] *= s;
  }
  PetscCall(PetscLogEventEnd(CFX_OpSpectral, 0, 0, 0, 0));
  if ((*y)->requires_grad) {
    PetscCall(CfxTapeAlloc(tape, sizeof(*cc), (void **)&cc));
    c.x  = x;
    c.wr = wr;
    c.wi = wi;
    c.y  = *y;
    *cc  = c;
    PetscCall(CfxTapeRecord(tape, *y, SpecBackward, cc));
  }
  PetscFunctionReturn(0);
}
