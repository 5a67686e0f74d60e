static const char help[] = "Tests the random initial data: GRF covariance against the squared-exponential kernel,\n"
                           "periodicity, determinism from (seed, stream), step and sine data.\n";

#include <conflux/conflux.h>
#include <string.h>

/* The squared-exponential kernel on the unit-length periodic domain, summed over images and
   scaled to a^2 at lag 0: the covariance the GRF must have. */
static PetscReal KernelL(PetscReal d, PetscReal l, PetscReal a, PetscReal L)
{
  PetscReal s = 0, s0 = 0;

  for (int m = -4; m <= 4; m++) {
    s += PetscExpReal(-(d + m * L) * (d + m * L) / (2 * l * l));
    s0 += PetscExpReal(-(m * L) * (m * L) / (2 * l * l));
  }
  return a * a * s / s0;
}

static PetscReal Kernel(PetscReal d, PetscReal l, PetscReal a) { return KernelL(d, l, a, 1.0); }

/* Largest |DFT coefficient| / n of u over the wave numbers kmin <= k <= n/2 (a periodic
   smooth field has none there; a field that jumps at the period boundary decays like 1/k). */
static PetscReal HighModes(PetscInt n, const PetscReal u[], PetscInt kmin)
{
  PetscReal worst = 0;

  for (PetscInt k = kmin; k <= n / 2; k++) {
    PetscReal re = 0, im = 0;
    for (PetscInt j = 0; j < n; j++) {
      re += u[j] * PetscCosReal(2 * PETSC_PI * k * j / n);
      im -= u[j] * PetscSinReal(2 * PETSC_PI * k * j / n);
    }
    worst = PetscMax(worst, PetscSqrtReal(re * re + im * im) / n);
  }
  return worst;
}

static PetscErrorCode TestGRFCovariance(void)
{
  const PetscInt n = 64, M = 4000;
  const PetscReal l = 0.1, a = 1.5;
  CfxIC ic;
  CfxRNG rng;
  PetscReal *u, *sum, *sumsq, *C, worstz = 0, worstC = 0;

  PetscFunctionBeginUser;
  PetscCall(CfxICCreate(PETSC_COMM_SELF, &ic));
  PetscCall(CfxICSetLength(ic, l));
  PetscCall(CfxICSetAmplitude(ic, a));
  PetscCall(PetscMalloc4(n, &u, n, &sum, n, &sumsq, n, &C));
  /* The covariance the sampler realises equals the kernel up to the dropped modes k >= n/2,
     whose weight exp(-(pi n l)^2/2) is far below round-off here. */
  PetscCall(CfxICGRFCovariance(ic, n, C));
  for (PetscInt d = 0; d < n; d++) worstC = PetscMax(worstC, PetscAbsReal(C[d] - Kernel((PetscReal)d / n, l, a)));
  PetscCheck(worstC < 1e-12, PETSC_COMM_SELF, PETSC_ERR_PLIB, "GRF model covariance differs from the kernel by %g", (double)worstC);
  /* On [-1, 1) (period 2) the lags are j * 2/n and the images are 2 apart. */
  PetscCall(CfxICSetDomain(ic, -1, 1));
  PetscCall(CfxICGRFCovariance(ic, n, C));
  for (PetscInt d = 0; d < n; d++)
    PetscCheck(PetscAbsReal(C[d] - KernelL(2.0 * d / n, l, a, 2.0)) < 1e-12, PETSC_COMM_SELF, PETSC_ERR_PLIB, "GRF covariance on [-1, 1) at lag %g: %g, kernel %g", 2.0 * d / n, (double)C[d],
               (double)KernelL(2.0 * d / n, l, a, 2.0));
  PetscCall(CfxICSetDomain(ic, 0, 1));

  /* Empirical covariance at every lag d: per sample c_s(d) = (1/n) sum_j u_j u_{j+d} (the
     field is stationary), averaged over M independent samples. By the central limit theorem
     the average is within 5 standard errors (the spread of c_s(d) over the samples / sqrt(M))
     of the kernel, except with probability ~6e-7 per lag. */
  for (PetscInt d = 0; d < n; d++) sum[d] = sumsq[d] = 0;
  for (PetscInt s = 0; s < M; s++) {
    PetscCall(CfxRNGSetSeed(&rng, 2024, (uint64_t)s));
    PetscCall(CfxICSample(ic, &rng, n, u));
    for (PetscInt d = 0; d < n; d++) {
      PetscReal c = 0;
      for (PetscInt j = 0; j < n; j++) c += u[j] * u[(j + d) % n];
      c /= n;
      sum[d] += c;
      sumsq[d] += c * c;
    }
  }
  for (PetscInt d = 0; d < n; d++) {
    const PetscReal mean = sum[d] / M, sd = PetscSqrtReal(PetscMax(sumsq[d] / M - mean * mean, 0) / (M - 1)) + 1e-300;
    const PetscReal z = (mean - Kernel((PetscReal)d / n, l, a)) / sd;
    worstz            = PetscMax(worstz, PetscAbsReal(z));
    PetscCheck(PetscAbsReal(z) < 5, PETSC_COMM_SELF, PETSC_ERR_PLIB, "GRF covariance at lag %g: empirical %g, kernel %g, %g standard errors apart", (double)d / n, (double)mean,
               (double)Kernel((PetscReal)d / n, l, a), (double)z);
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "GRF covariance: %" PetscInt_FMT " samples, n = %" PetscInt_FMT ", l = %g: model vs kernel %.2e, worst lag %.2f standard errors\n", M, n, (double)l,
                        (double)worstC, (double)worstz));
  PetscCall(PetscFree4(u, sum, sumsq, C));
  PetscCall(CfxICDestroy(&ic));
  PetscFunctionReturn(0);
}

/* Periodic smoothness, and a finer grid samples the same random function (n = 64 centres are
   every third n = 192 centre, offset 1). */
static PetscErrorCode TestGRFPeriodic(void)
{
  const PetscInt n = 64;
  CfxIC ic;
  CfxRNG rng;
  PetscReal u[64], v[192], high, diff = 0;

  PetscFunctionBeginUser;
  PetscCall(CfxICCreate(PETSC_COMM_SELF, &ic));
  PetscCall(CfxRNGSetSeed(&rng, 5, 11));
  PetscCall(CfxICSample(ic, &rng, n, u));
  PetscCall(CfxRNGSetSeed(&rng, 5, 11));
  PetscCall(CfxICSample(ic, &rng, 3 * n, v));
  for (PetscInt j = 0; j < n; j++) diff = PetscMax(diff, PetscAbsReal(u[j] - v[3 * j + 1]));
  PetscCheck(diff < 1e-12, PETSC_COMM_SELF, PETSC_ERR_PLIB, "GRF on 64 and 192 points differs by %g at common points", (double)diff);
  /* Wave numbers k >= 20 carry weight exp(-(2 pi k l)^2 / 4) < 1e-17 of the total. */
  high = HighModes(n, u, 20);
  PetscCheck(high < 1e-13, PETSC_COMM_SELF, PETSC_ERR_PLIB, "GRF sample has Fourier content %g at k >= 20: not smooth and periodic", (double)high);
  PetscCall(CfxICDestroy(&ic));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestDeterminism(CfxICType type)
{
  const PetscInt n = 100;
  CfxIC ic;
  CfxRNG r1, r2;
  PetscReal u[100], v[100], w[100];

  PetscFunctionBeginUser;
  PetscCall(CfxICCreate(PETSC_COMM_SELF, &ic));
  PetscCall(CfxICSetType(ic, type));
  PetscCall(CfxRNGSetSeed(&r1, 99, 3));
  PetscCall(CfxICSample(ic, &r1, n, u));
  /* Another generator object, after unrelated draws, reseeded to the same (seed, stream). */
  PetscCall(CfxRNGSetSeed(&r2, 1, 1));
  PetscCall(CfxICSample(ic, &r2, n, w));
  PetscCall(CfxRNGSetSeed(&r2, 99, 3));
  PetscCall(CfxICSample(ic, &r2, n, v));
  PetscCheck(!memcmp(u, v, sizeof(u)), PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: same seed and stream gave different bits", CfxICTypes[type]);
  PetscCall(CfxRNGSetSeed(&r2, 99, 4));
  PetscCall(CfxICSample(ic, &r2, n, v));
  PetscCheck(memcmp(u, v, sizeof(u)), PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: streams 3 and 4 gave the same sample", CfxICTypes[type]);
  PetscCall(CfxRNGSetSeed(&r2, 98, 3));
  PetscCall(CfxICSample(ic, &r2, n, v));
  PetscCheck(memcmp(u, v, sizeof(u)), PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: seeds 99 and 98 gave the same sample", CfxICTypes[type]);
  /* A shifted domain of the same length gives the same values (samples are functions of x - xmin). */
  PetscCall(CfxICSetDomain(ic, 0.25, 1.25));
  PetscCall(CfxRNGSetSeed(&r2, 99, 3));
  PetscCall(CfxICSample(ic, &r2, n, v));
  for (PetscInt j = 0; j < n; j++)
    PetscCheck(PetscAbsReal(u[j] - v[j]) < 1e-14, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: sample on [0.25, 1.25) differs from [0, 1) at %" PetscInt_FMT ": %g vs %g", CfxICTypes[type], j, (double)v[j],
               (double)u[j]);
  PetscCall(CfxICDestroy(&ic));
  PetscFunctionReturn(0);
}

/* Step data: between jmin and jmax jumps (every count occurs), values in [-a, a] with mean ~0. */
static PetscErrorCode TestStep(PetscInt jmin, PetscInt jmax, PetscReal a, PetscBool fromOptions)
{
  const PetscInt n = 512, M = 2000;
  CfxIC ic;
  CfxRNG rng;
  PetscInt seen[64] = {0};
  PetscReal u[512], mean = 0, count = 0;
  CfxICType type;

  PetscFunctionBeginUser;
  PetscCall(CfxICCreate(PETSC_COMM_SELF, &ic));
  if (fromOptions)
    PetscCall(CfxICSetFromOptions(ic));
  else {
    PetscCall(CfxICSetType(ic, CFX_IC_STEP));
    PetscCall(CfxICSetJumps(ic, jmin, jmax));
    PetscCall(CfxICSetAmplitude(ic, a));
  }
  PetscCall(CfxICGetType(ic, &type));
  PetscCheck(type == CFX_IC_STEP, PETSC_COMM_SELF, PETSC_ERR_PLIB, "-ic step not applied");
  for (PetscInt s = 0; s < M; s++) {
    PetscInt jumps = 0;
    PetscCall(CfxRNGSetSeed(&rng, 7, (uint64_t)s));
    PetscCall(CfxICSample(ic, &rng, n, u));
    for (PetscInt j = 0; j < n; j++) {
      PetscCheck(PetscAbsReal(u[j]) <= a, PETSC_COMM_SELF, PETSC_ERR_PLIB, "step value %g outside [-%g, %g]", (double)u[j], (double)a, (double)a);
      if (j && u[j] != u[j - 1]) jumps++;
      mean += u[j];
      count++;
    }
    /* Two jumps can fall between the same pair of cell centres (then they show as one or none). */
    PetscCheck(jumps <= jmax, PETSC_COMM_SELF, PETSC_ERR_PLIB, "sample %" PetscInt_FMT " has %" PetscInt_FMT " jumps, more than %" PetscInt_FMT, s, jumps, jmax);
    seen[jumps]++;
  }
  for (PetscInt j = jmin; j <= jmax; j++) PetscCheck(seen[j] > 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "no sample with %" PetscInt_FMT " jumps in %" PetscInt_FMT, j, M);
  for (PetscInt j = 0; j < jmin; j++) PetscCheck(seen[j] < M / 50, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%" PetscInt_FMT " samples with only %" PetscInt_FMT " visible jumps", seen[j], j);
  /* Cell values are correlated within a sample; 5 standard errors of M independent U[-a, a]
     piece values is a loose but valid bound for the mean of the cell average per sample. */
  mean /= count;
  PetscCheck(PetscAbsReal(mean) < 5 * a / PetscSqrtReal(3.0 * M), PETSC_COMM_SELF, PETSC_ERR_PLIB, "step values have mean %g", (double)mean);
  PetscCall(CfxICDestroy(&ic));
  PetscFunctionReturn(0);
}

/* Sines: exactly periodic trigonometric polynomials with wave numbers <= kmax and |u| <= m a. */
static PetscErrorCode TestSines(void)
{
  const PetscInt n = 128;
  CfxIC ic;
  CfxRNG rng;
  PetscReal u[128], high, peak = 0;

  PetscFunctionBeginUser;
  PetscCall(CfxICCreate(PETSC_COMM_SELF, &ic));
  PetscCall(CfxICSetType(ic, CFX_IC_SINES));
  PetscCall(CfxICSetSines(ic, 3, 5));
  for (PetscInt s = 0; s < 20; s++) {
    PetscCall(CfxRNGSetSeed(&rng, 8, (uint64_t)s));
    PetscCall(CfxICSample(ic, &rng, n, u));
    high = HighModes(n, u, 6);
    PetscCheck(high < 1e-13, PETSC_COMM_SELF, PETSC_ERR_PLIB, "sines sample %" PetscInt_FMT " has Fourier content %g above kmax = 5", s, (double)high);
    for (PetscInt j = 0; j < n; j++) peak = PetscMax(peak, PetscAbsReal(u[j]));
  }
  PetscCheck(peak <= 3 && peak > 0.5, PETSC_COMM_SELF, PETSC_ERR_PLIB, "sines peak %g outside (0.5, 3]", (double)peak);
  PetscCall(CfxICDestroy(&ic));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscBool optionsTest = PETSC_FALSE;

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-options_test", &optionsTest, NULL));
  if (optionsTest) {
    PetscCall(TestStep(2, 3, 0.5, PETSC_TRUE));
  } else {
    PetscCall(TestGRFCovariance());
    PetscCall(TestGRFPeriodic());
    for (int t = 0; t < 3; t++) PetscCall(TestDeterminism((CfxICType)t));
    PetscCall(TestStep(1, 5, 1, PETSC_FALSE));
    PetscCall(TestSines());
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "initial data tests passed\n"));
  PetscCall(CfxFinalize());
  return 0;
}
