/* Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11).
   Each draw consumes one 128-bit block: counter words (counter lo, counter hi, stream lo,
   stream hi), key words (seed lo, seed hi). One block per draw wastes bits but keeps the
   state a pure counter, which is what makes draws reproducible across rank counts. */
#include <cfximpl.h>
#include <conflux/cfxrng.h>

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

static inline void MulHiLo(uint32_t a, uint32_t b, uint32_t *hi, uint32_t *lo)
{
  uint64_t p = (uint64_t)a * (uint64_t)b;
  *hi        = (uint32_t)(p >> 32);
  *lo        = (uint32_t)p;
}

/* The Philox4x32-10 bijection of a counter under a key (the published test vectors check it). */
void CfxRNGPhilox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
  uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3], k0 = key[0], k1 = key[1];

  for (int r = 0; r < 10; r++) {
    uint32_t hi0, lo0, hi1, lo1;
    if (r) {
      k0 += PHILOX_W0;
      k1 += PHILOX_W1;
    }
    MulHiLo(PHILOX_M0, c0, &hi0, &lo0);
    MulHiLo(PHILOX_M1, c2, &hi1, &lo1);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

static inline void NextBlock(CfxRNG *rng, uint32_t out[4])
{
  const uint32_t ctr[4] = {(uint32_t)rng->counter, (uint32_t)(rng->counter >> 32), (uint32_t)rng->stream, (uint32_t)(rng->stream >> 32)};
  const uint32_t key[2] = {(uint32_t)rng->seed, (uint32_t)(rng->seed >> 32)};

  CfxRNGPhilox4x32(ctr, key, out);
  rng->counter++;
}

/*@C
  CfxRNGSetSeed - Starts stream `stream` of seed `seed` at its first draw.
@*/
PetscErrorCode CfxRNGSetSeed(CfxRNG *rng, uint64_t seed, uint64_t stream)
{
  PetscFunctionBegin;
  PetscValidPointer(rng, 1);
  rng->seed    = seed;
  rng->stream  = stream;
  rng->counter = 0;
  PetscFunctionReturn(0);
}

/* 64 random bits. */
uint64_t CfxRNGBits(CfxRNG *rng)
{
  uint32_t b[4];

  NextBlock(rng, b);
  return ((uint64_t)b[0] << 32) | b[1];
}

/* Uniform on the open interval (0, 1), 53 random bits: never 0, so log() of it is safe. */
PetscReal CfxRNGUniform(CfxRNG *rng) { return ((PetscReal)(CfxRNGBits(rng) >> 11) + 0.5) * 0x1.0p-53; }

/* Standard normal by Box-Muller from one block (the second variate is discarded so the state
   stays a bare counter). */
PetscReal CfxRNGNormal(CfxRNG *rng)
{
  uint32_t b[4];
  PetscReal u1, u2;

  NextBlock(rng, b);
  u1 = ((PetscReal)((((uint64_t)b[0] << 32) | b[1]) >> 11) + 0.5) * 0x1.0p-53;
  u2 = ((PetscReal)((((uint64_t)b[2] << 32) | b[3]) >> 11) + 0.5) * 0x1.0p-53;
  return PetscSqrtReal(-2.0 * PetscLogReal(u1)) * PetscCosReal(2.0 * PETSC_PI * u2);
}

/*@C
  CfxRNGFillUniform - n values uniform on (lo, hi).
@*/
PetscErrorCode CfxRNGFillUniform(CfxRNG *rng, PetscInt n, PetscReal lo, PetscReal hi, PetscReal x[])
{
  PetscFunctionBegin;
  PetscValidPointer(rng, 1);
  PetscCheck(n >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "CfxRNGFillUniform: n must be >= 0, found %" PetscInt_FMT, n);
  PetscCheck(lo <= hi, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "CfxRNGFillUniform: expected lo <= hi, found lo = %g > hi = %g", (double)lo, (double)hi);
  for (PetscInt i = 0; i < n; i++) x[i] = lo + (hi - lo) * CfxRNGUniform(rng);
  PetscFunctionReturn(0);
}

/*@C
  CfxRNGFillNormal - n values from N(mean, stddev^2).
@*/
PetscErrorCode CfxRNGFillNormal(CfxRNG *rng, PetscInt n, PetscReal mean, PetscReal stddev, PetscReal x[])
{
  PetscFunctionBegin;
  PetscValidPointer(rng, 1);
  PetscCheck(n >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "CfxRNGFillNormal: n must be >= 0, found %" PetscInt_FMT, n);
  PetscCheck(stddev >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "CfxRNGFillNormal: expected stddev >= 0, found %g", (double)stddev);
  for (PetscInt i = 0; i < n; i++) x[i] = mean + stddev * CfxRNGNormal(rng);
  PetscFunctionReturn(0);
}
