static const char help[] = "Tests the Philox4x32-10 generator: published test vectors, moments, stream independence.\n";

#include <conflux/conflux.h>
#include <conflux/cfxrng.h>

/* Known-answer vectors of Philox4x32-10 from the Random123 distribution (kat_vectors). */
static PetscErrorCode CheckKnownAnswers(void)
{
  const uint32_t ctr[3][4]  = {{0, 0, 0, 0}, {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, {0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}};
  const uint32_t key[3][2]  = {{0, 0}, {0xffffffffu, 0xffffffffu}, {0xa4093822u, 0x299f31d0u}};
  const uint32_t want[3][4] = {{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}, {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}, {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}};

  PetscFunctionBeginUser;
  for (int t = 0; t < 3; t++) {
    uint32_t out[4];
    CfxRNGPhilox4x32(ctr[t], key[t], out);
    for (int w = 0; w < 4; w++) PetscCheck(out[w] == want[t][w], PETSC_COMM_SELF, PETSC_ERR_PLIB, "Philox KAT %d word %d: expected %08x, found %08x", t, w, want[t][w], out[w]);
  }
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  CfxRNG a, b;
  PetscInt n     = 200000;
  PetscReal mean = 0, var = 0, nmean = 0, nvar = 0, x;

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(CheckKnownAnswers());

  /* Moments: uniform mean 1/2, variance 1/12; normal 0 and 1 (5 standard errors). */
  PetscCall(CfxRNGSetSeed(&a, 42, 0));
  for (PetscInt i = 0; i < n; i++) {
    x = CfxRNGUniform(&a);
    PetscCheck(x > 0 && x < 1, PETSC_COMM_SELF, PETSC_ERR_PLIB, "uniform draw %g outside (0,1)", (double)x);
    mean += x;
    var += (x - 0.5) * (x - 0.5);
    x = CfxRNGNormal(&a);
    nmean += x;
    nvar += x * x;
  }
  mean /= n;
  var /= n;
  nmean /= n;
  nvar /= n;
  PetscCheck(PetscAbsReal(mean - 0.5) < 5 * PetscSqrtReal(1.0 / 12 / n), PETSC_COMM_SELF, PETSC_ERR_PLIB, "uniform mean %g", (double)mean);
  PetscCheck(PetscAbsReal(var - 1.0 / 12) < 5 * PetscSqrtReal(1.0 / 180 / n), PETSC_COMM_SELF, PETSC_ERR_PLIB, "uniform variance %g", (double)var);
  PetscCheck(PetscAbsReal(nmean) < 5 / PetscSqrtReal((PetscReal)n), PETSC_COMM_SELF, PETSC_ERR_PLIB, "normal mean %g", (double)nmean);
  PetscCheck(PetscAbsReal(nvar - 1) < 5 * PetscSqrtReal(2.0 / n), PETSC_COMM_SELF, PETSC_ERR_PLIB, "normal variance %g", (double)nvar);

  /* Reproducibility: draw k of (seed, stream) is a pure function of (seed, stream, k). */
  PetscCall(CfxRNGSetSeed(&a, 7, 3));
  PetscCall(CfxRNGSetSeed(&b, 7, 3));
  for (int i = 0; i < 10; i++) (void)CfxRNGBits(&a);
  b.counter = 10;
  PetscCheck(CfxRNGBits(&a) == CfxRNGBits(&b), PETSC_COMM_SELF, PETSC_ERR_PLIB, "draw 10 differs when reached by skipping");
  /* Different streams and seeds differ. */
  PetscCall(CfxRNGSetSeed(&a, 7, 3));
  PetscCall(CfxRNGSetSeed(&b, 7, 4));
  PetscCheck(CfxRNGBits(&a) != CfxRNGBits(&b), PETSC_COMM_SELF, PETSC_ERR_PLIB, "streams 3 and 4 gave the same first draw");
  PetscCall(CfxRNGSetSeed(&b, 8, 3));
  PetscCall(CfxRNGSetSeed(&a, 7, 3));
  PetscCheck(CfxRNGBits(&a) != CfxRNGBits(&b), PETSC_COMM_SELF, PETSC_ERR_PLIB, "seeds 7 and 8 gave the same first draw");
  {
    PetscErrorCode ierr;
    PetscReal v[2];
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = CfxRNGFillUniform(&a, 2, 1.0, 0.0, v);
    PetscCall(PetscPopErrorHandler());
    PetscCheck(ierr == PETSC_ERR_ARG_OUTOFRANGE, PETSC_COMM_SELF, PETSC_ERR_PLIB, "lo > hi not rejected");
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "rng: Philox4x32-10 test vectors, moments and streams pass\n"));
  PetscCall(CfxFinalize());
  return 0;
}
