/* CfxJaws object: creation, setters, options, viewing; the complexity indicator and weights,
   and the Rademacher probes. */
#include "jawsimpl.h"

const char *const CfxJawsSensitivityTypes[] = {"squared", "hinge", "CfxJawsSensitivityType", "CFXJAWS_", NULL};
const char *const CfxJawsWeightingTypes[]   = {"adaptive", "uniform", "CfxJawsWeightingType", "CFXJAWS_", NULL};
const char *const CfxJawsDifferenceTypes[]  = {"forward", "central", "CfxJawsDifferenceType", "CFXJAWS_", NULL};

PetscLogEvent CFXJAWS_Penalty, CFXJAWS_Checkpoint;
static PetscBool CfxJawsPackageInitialized = PETSC_FALSE;

static PetscErrorCode CfxJawsFinalizePackage(void)
{
  PetscFunctionBegin;
  CfxJawsPackageInitialized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Registers the log events CfxJawsPenalty and CfxJawsCheckpoint. */
PetscErrorCode CfxJawsInitializePackage(void)
{
  PetscFunctionBegin;
  if (CfxJawsPackageInitialized) PetscFunctionReturn(0);
  CfxJawsPackageInitialized = PETSC_TRUE;
  PetscCall(CfxInitializePackage());
  PetscCall(PetscLogEventRegister("CfxJawsPenalty", CFX_CLASSID, &CFXJAWS_Penalty));
  PetscCall(PetscLogEventRegister("CfxJawsCheckpoint", CFX_CLASSID, &CFXJAWS_Checkpoint));
  PetscCall(PetscRegisterFinalize(CfxJawsFinalizePackage));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxJawsCreate(MPI_Comm comm, CfxJaws *jaws)
{
  CfxJaws j;

  PetscFunctionBegin;
  PetscValidPointer(jaws, 2);
  PetscCall(CfxJawsInitializePackage());
  PetscCall(PetscNew(&j));
  j->comm      = comm;
  j->lambda    = 0;
  j->beta      = 1;
  j->rho       = 1;
  j->eps       = 1e-3;
  j->probes    = 1;
  j->sens      = CFXJAWS_SQUARED;
  j->weighting = CFXJAWS_ADAPTIVE;
  j->diff      = CFXJAWS_FORWARD;
  PetscCall(PetscStrallocpy("jaws_", &j->prefix));
  *jaws = j;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxJawsSetLambda(CfxJaws j, PetscReal lambda)
{
  PetscFunctionBegin;
  PetscCheck(lambda >= 0 && PetscIsNormalReal(lambda + 1), j->comm, PETSC_ERR_ARG_OUTOFRANGE, "JAWS weight lambda must be >= 0 and finite, found %g", (double)lambda);
  j->lambda = lambda;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxJawsGetLambda(CfxJaws j, PetscReal *lambda)
{
  PetscFunctionBegin;
  *lambda = j->lambda;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxJawsSetBeta(CfxJaws j, PetscReal beta)
{
  PetscFunctionBegin;
  PetscCheck(beta >= 0 && PetscIsNormalReal(beta + 1), j->comm, PETSC_ERR_ARG_OUTOFRANGE, "JAWS beta must be >= 0 and finite, found %g", (double)beta);
  j->beta = beta;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxJawsSetContraction(CfxJaws j, PetscReal rho)
{
  PetscFunctionBegin;
  PetscCheck(rho >= 0 && rho <= 1, j->comm, PETSC_ERR_ARG_OUTOFRANGE, "JAWS contraction rho must lie in [0, 1], found %g", (double)rho);
  j->rho = rho;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxJawsSetSensitivityType(CfxJaws j, CfxJawsSensitivityType t)
{
  PetscFunctionBegin;
  j->sens = t;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxJawsSetWeightingType(CfxJaws j, CfxJawsWeightingType t)
{
  PetscFunctionBegin;
  j->weighting = t;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxJawsSetDifferenceType(CfxJaws j, CfxJawsDifferenceType t)
{
  PetscFunctionBegin;
  j->diff = t;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxJawsSetProbes(CfxJaws j, PetscInt n)
{
  PetscFunctionBegin;
  PetscCheck(n >= 1 && n <= 255, j->comm, PETSC_ERR_ARG_OUTOFRANGE, "JAWS probes must lie in [1, 255], found %" PetscInt_FMT, n);
  j->probes = n;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxJawsSetEpsilon(CfxJaws j, PetscReal eps)
{
  PetscFunctionBegin;
  PetscCheck(eps > 0 && PetscIsNormalReal(eps), j->comm, PETSC_ERR_ARG_OUTOFRANGE, "JAWS difference step eps must be positive and finite, found %g", (double)eps);
  j->eps = eps;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxJawsSetSeed(CfxJaws j, uint64_t seed)
{
  PetscFunctionBegin;
  j->seed = seed;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxJawsSetProbeIndex(CfxJaws j, uint64_t counter, PetscInt sample0)
{
  PetscFunctionBegin;
  PetscCheck(sample0 >= 0, j->comm, PETSC_ERR_ARG_OUTOFRANGE, "first sample index must be >= 0, found %" PetscInt_FMT, sample0);
  j->counter = counter;
  j->sample0 = sample0;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxJawsSetOptionsPrefix(CfxJaws j, const char prefix[])
{
  PetscFunctionBegin;
  PetscCall(PetscFree(j->prefix));
  PetscCall(PetscStrallocpy(prefix, &j->prefix));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxJawsSetFromOptions(CfxJaws j)
{
  PetscReal lambda = j->lambda, beta = j->beta, rho = j->rho, eps = j->eps;
  PetscInt probes = j->probes, sens = j->sens, weighting = j->weighting, diff = j->diff, seed = (PetscInt)j->seed;

  PetscFunctionBegin;
  PetscOptionsBegin(j->comm, j->prefix, "JAWS Jacobian regularisation of one-step models", "CfxJaws");
  PetscCall(PetscOptionsReal("-lambda", "Weight of the Jacobian penalty (0: off)", "CfxJawsSetLambda", lambda, &lambda, NULL));
  PetscCall(PetscOptionsReal("-beta", "Weight decay with complexity: w = 1/(1 + beta c), normalised to mean 1", "CfxJawsSetBeta", beta, &beta, NULL));
  PetscCall(PetscOptionsReal("-rho", "Contraction of the hinge sensitivity max(0, (Jv)^2 - rho^2 v^2)", "CfxJawsSetContraction", rho, &rho, NULL));
  PetscCall(PetscOptionsEList("-sensitivity", "Local sensitivity R_x", "CfxJawsSetSensitivityType", CfxJawsSensitivityTypes, 2, CfxJawsSensitivityTypes[sens], &sens, NULL));
  PetscCall(PetscOptionsEList("-weighting", "Spatial weights: adaptive (JAWS) or uniform", "CfxJawsSetWeightingType", CfxJawsWeightingTypes, 2, CfxJawsWeightingTypes[weighting], &weighting, NULL));
  PetscCall(PetscOptionsInt("-probes", "Rademacher probes per penalty", "CfxJawsSetProbes", probes, &probes, NULL));
  PetscCall(PetscOptionsReal("-eps", "Difference step of the Jacobian-vector product", "CfxJawsSetEpsilon", eps, &eps, NULL));
  PetscCall(PetscOptionsEList("-difference", "Difference quotient of Jv", "CfxJawsSetDifferenceType", CfxJawsDifferenceTypes, 2, CfxJawsDifferenceTypes[diff], &diff, NULL));
  PetscCall(PetscOptionsInt("-seed", "Seed of the probes", "CfxJawsSetSeed", seed, &seed, NULL));
  PetscOptionsEnd();
  PetscCall(CfxJawsSetLambda(j, lambda));
  PetscCall(CfxJawsSetBeta(j, beta));
  PetscCall(CfxJawsSetContraction(j, rho));
  PetscCall(CfxJawsSetProbes(j, probes));
  PetscCall(CfxJawsSetEpsilon(j, eps));
  PetscCheck(seed >= 0, j->comm, PETSC_ERR_ARG_OUTOFRANGE, "-%sseed must be >= 0, found %" PetscInt_FMT, j->prefix ? j->prefix : "", seed);
  j->sens      = (CfxJawsSensitivityType)sens;
  j->weighting = (CfxJawsWeightingType)weighting;
  j->diff      = (CfxJawsDifferenceType)diff;
  j->seed      = (uint64_t)seed;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxJawsView(CfxJaws j, PetscViewer viewer)
{
  PetscBool iascii;

  PetscFunctionBegin;
  if (!viewer) PetscCall(PetscViewerASCIIGetStdout(j->comm, &viewer));
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &iascii));
  if (!iascii) PetscFunctionReturn(0);
  if (j->lambda == 0) {
    PetscCall(PetscViewerASCIIPrintf(viewer, "CfxJaws: off (lambda = 0)\n"));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscViewerASCIIPrintf(viewer, "CfxJaws: lambda = %g, %s weights", (double)j->lambda, CfxJawsWeightingTypes[j->weighting]));
  if (j->weighting == CFXJAWS_ADAPTIVE) PetscCall(PetscViewerASCIIPrintf(viewer, " 1/(1 + %g c(x))", (double)j->beta));
  PetscCall(PetscViewerASCIIPrintf(viewer, ", %s sensitivity", CfxJawsSensitivityTypes[j->sens]));
  if (j->sens == CFXJAWS_HINGE) PetscCall(PetscViewerASCIIPrintf(viewer, " (rho = %g)", (double)j->rho));
  PetscCall(PetscViewerASCIIPrintf(viewer, ", %" PetscInt_FMT " Rademacher probe(s), %s difference eps = %g\n", j->probes, CfxJawsDifferenceTypes[j->diff], (double)j->eps));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxJawsDestroy(CfxJaws *jaws)
{
  PetscFunctionBegin;
  if (!jaws || !*jaws) PetscFunctionReturn(0);
  PetscCall(PetscFree((*jaws)->prefix));
  PetscCall(PetscFree(*jaws));
  PetscFunctionReturn(0);
}

/* c(x) = |U(x+1) - U(x-1)| / mean |U(x+1) - U(x-1)| per sample (periodic); w = 1/(1 + beta c)
   scaled to mean 1 (or 1 everywhere for uniform weighting). Plain arrays: no gradient. */
PetscErrorCode CfxJawsComputeWeights(CfxJaws j, PetscInt B, PetscInt N, const PetscReal U[], PetscReal c[], PetscReal w[])
{
  PetscFunctionBegin;
  PetscCheck(B >= 1 && N >= 3, j->comm, PETSC_ERR_ARG_SIZ, "JAWS weights need >= 1 sample of >= 3 cells, found %" PetscInt_FMT " x %" PetscInt_FMT, B, N);
  for (PetscInt b = 0; b < B; b++) {
    const PetscReal *u = U + b * N;
    PetscReal *cb = c ? c + b * N : NULL, *wb = w + b * N, mean = 0, wmean = 0;
    for (PetscInt x = 0; x < N; x++) {
      PetscReal d = PetscAbsReal(u[(x + 1) % N] - u[(x + N - 1) % N]);
      wb[x]       = d; /* |central difference|, turned into weights below */
      mean += d;
    }
    mean /= N;
    PetscCheck(!PetscIsInfOrNanReal(mean), j->comm, PETSC_ERR_FP, "JAWS weights: sample %" PetscInt_FMT " of the state is not finite", b);
    for (PetscInt x = 0; x < N; x++) {
      PetscReal cx = mean > 0 ? wb[x] / mean : 0;
      if (cb) cb[x] = cx;
      wb[x] = j->weighting == CFXJAWS_UNIFORM ? 1.0 : 1.0 / (1.0 + j->beta * cx);
      wmean += wb[x];
    }
    wmean /= N;
    for (PetscInt x = 0; x < N; x++) wb[x] /= wmean;
  }
  PetscFunctionReturn(0);
}

/* Rademacher entries from stream (counter << 36) | (k << 28) | sample of the seed: one stream
   per (draw, probe, global sample), so probes do not depend on the batch split. */
PetscErrorCode CfxJawsProbe(CfxJaws j, uint64_t counter, PetscInt k, PetscInt sample0, PetscInt B, PetscInt N, PetscReal v[])
{
  PetscFunctionBegin;
  PetscCheck(counter < ((uint64_t)1 << 28), j->comm, PETSC_ERR_ARG_OUTOFRANGE, "JAWS probe counter %llu exceeds 2^28", (unsigned long long)counter);
  PetscCheck(k >= 0 && k < 256, j->comm, PETSC_ERR_ARG_OUTOFRANGE, "JAWS probe index %" PetscInt_FMT " outside [0, 256)", k);
  PetscCheck(sample0 >= 0 && sample0 + B <= ((PetscInt)1 << 28), j->comm, PETSC_ERR_ARG_OUTOFRANGE, "JAWS sample index %" PetscInt_FMT " outside [0, 2^28)", sample0 + B);
  for (PetscInt b = 0; b < B; b++) {
    CfxRNG rng;
    uint64_t bits = 0;
    PetscCall(CfxRNGSetSeed(&rng, j->seed, (counter << 36) | ((uint64_t)k << 28) | (uint64_t)(sample0 + b)));
    for (PetscInt x = 0; x < N; x++) {
      if (x % 64 == 0) bits = CfxRNGBits(&rng);
      v[b * N + x] = (bits >> (x % 64)) & 1 ? 1.0 : -1.0;
    }
  }
  PetscFunctionReturn(0);
}
