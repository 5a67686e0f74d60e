static const char help[] = "Dataset writer/reader round trip: collective writes, shard reads, float32/float64,\n"
                           "parameters, attributes, atomic output, refusal to overwrite.\n"
                           "Options: -o FILE (default dataset_roundtrip.h5), -keep (leave the file for other checks).\n";

#include <conflux/conflux.h>
#include <unistd.h>

#define NS 5
#define NT 4
#define NX 7
#define NC 2

/* Value of sample s, frame k, cell j, component c: distinct for every index, exact in float64. */
static PetscReal Value(PetscInt s, PetscInt k, PetscInt j, PetscInt c) { return 1000.0 * s + 100.0 * k + j + 0.125 * c + 1.0 / 3.0; }

static PetscErrorCode WriteFile(const char *name, CfxPrecision prec, PetscInt nc, PetscBool overwrite)
{
  CfxDataset ds;
  PetscReal x[NX], t[NT], *u, p[2];
  const char *const pnames[2] = {"coef_a", "nu"};
  PetscInt lo, hi, rounds, ncomp = nc ? nc : 1;
  PetscMPIInt size;

  PetscFunctionBeginUser;
  for (PetscInt j = 0; j < NX; j++) x[j] = (j + 0.5) / NX;
  for (PetscInt k = 0; k < NT; k++) t[k] = 0.25 * k;
  PetscCall(CfxDatasetCreate(PETSC_COMM_WORLD, &ds));
  PetscCall(CfxDatasetSetSizes(ds, NS, NT, NX, nc));
  PetscCall(CfxDatasetSetCoordinates(ds, x, t));
  PetscCall(CfxDatasetSetParameterNames(ds, 2, pnames));
  PetscCall(CfxDatasetSetAttribute(ds, "pde", "burgers"));
  PetscCall(CfxDatasetSetAttribute(ds, "cfl", "0.4"));
  PetscCall(CfxDatasetSetPrecision(ds, prec));
  PetscCall(CfxDatasetSetCompression(ds, prec == CFX_PRECISION_FLOAT32 ? 4 : 0));
  PetscCall(CfxDatasetSetOverwrite(ds, overwrite));
  PetscCall(CfxDatasetWriteBegin(ds, name));
  PetscCall(CfxDatasetGetOwnership(ds, &lo, &hi));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  rounds = (NS + size - 1) / size; /* every rank calls WriteSamples the same number of times */
  PetscCall(PetscMalloc1(NT * NX * ncomp, &u));
  for (PetscInt r = 0; r < rounds; r++) {
    PetscInt s = lo + r, n = s < hi ? 1 : 0;
    if (n) {
      for (PetscInt k = 0; k < NT; k++)
        for (PetscInt j = 0; j < NX; j++)
          for (PetscInt c = 0; c < ncomp; c++) u[(k * NX + j) * ncomp + c] = Value(s, k, j, c);
      p[0] = -0.5 + s;
      p[1] = 0.01 * s;
    }
    PetscCall(CfxDatasetWriteSamples(ds, s < hi ? s : 0, n, u, p));
  }
  PetscCall(PetscFree(u));
  {
    char tmp[PETSC_MAX_PATH_LEN];
    PetscCall(CfxOutputTempName(name, tmp, sizeof(tmp)));
    PetscCheck(access(tmp, F_OK) == 0, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s does not exist while writing", tmp);
  }
  PetscCall(CfxDatasetClose(&ds));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckFile(const char *name, CfxPrecision prec, PetscInt nc)
{
  CfxDataset ds;
  PetscInt ns, nt, nx, ncr, np, lo, hi, ncomp = nc ? nc : 1;
  const PetscReal *x, *t;
  const char *const *pnames;
  PetscReal *u, p[2], maxerr = 0;
  char value[64];
  PetscBool found, same;

  PetscFunctionBeginUser;
  PetscCall(CfxDatasetOpen(PETSC_COMM_WORLD, name, &ds));
  PetscCall(CfxDatasetGetSizes(ds, &ns, &nt, &nx, &ncr));
  PetscCheck(ns == NS && nt == NT && nx == NX && ncr == nc, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "sizes read back %" PetscInt_FMT " %" PetscInt_FMT " %" PetscInt_FMT " %" PetscInt_FMT, ns, nt, nx, ncr);
  PetscCall(CfxDatasetGetCoordinates(ds, &x, &t));
  for (PetscInt j = 0; j < NX; j++) PetscCheck(x[j] == (j + 0.5) / NX, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "x[%" PetscInt_FMT "] = %g", j, (double)x[j]);
  for (PetscInt k = 0; k < NT; k++) PetscCheck(t[k] == 0.25 * k, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "t[%" PetscInt_FMT "] = %g", k, (double)t[k]);
  PetscCall(CfxDatasetGetParameterNames(ds, &np, &pnames));
  PetscCheck(np == 2, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "np = %" PetscInt_FMT, np);
  PetscCall(PetscStrcmp(pnames[1], "nu", &same));
  PetscCheck(same, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "param name '%s'", pnames[1]);
  PetscCall(CfxDatasetGetAttribute(ds, "pde", value, sizeof(value), &found));
  PetscCall(PetscStrcmp(value, "burgers", &same));
  PetscCheck(found && same, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "attribute pde = '%s'", value);
  PetscCall(CfxDatasetGetAttribute(ds, "conflux_version", value, sizeof(value), &found));
  PetscCheck(found, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "conflux_version attribute missing");

  /* Each rank reads only its shard. */
  PetscCall(CfxDatasetGetOwnership(ds, &lo, &hi));
  PetscCall(PetscMalloc1((hi - lo) * NT * NX * ncomp + 1, &u));
  PetscCall(CfxDatasetReadSamples(ds, lo, hi - lo, u));
  for (PetscInt s = lo; s < hi; s++) {
    for (PetscInt k = 0; k < NT; k++)
      for (PetscInt j = 0; j < NX; j++)
        for (PetscInt c = 0; c < ncomp; c++) {
          PetscReal want = Value(s, k, j, c), got = u[(((s - lo) * NT + k) * NX + j) * ncomp + c];
          if (prec == CFX_PRECISION_FLOAT32) want = (PetscReal)(float)want;
          maxerr = PetscMax(maxerr, PetscAbsReal(got - want));
        }
    PetscCall(CfxDatasetReadParameters(ds, s, 1, p));
    PetscCheck(p[0] == -0.5 + s && p[1] == 0.01 * s, PETSC_COMM_SELF, PETSC_ERR_PLIB, "params of sample %" PetscInt_FMT ": %g %g", s, (double)p[0], (double)p[1]);
  }
  PetscCheck(maxerr == 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s round trip (%s): max error %g, expected 0 (bit-exact)", name, CfxPrecisions[prec], (double)maxerr);
  PetscCall(PetscFree(u));
  PetscCall(CfxDatasetClose(&ds));
  PetscFunctionReturn(0);
}

/* Calls f and returns its error code without PETSc's error printout. */
#define CATCH(ierr, call)                                            \
  do {                                                               \
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL)); \
    ierr = (call);                                                   \
    PetscCall(PetscPopErrorHandler());                               \
  } while (0)

int main(int argc, char **argv)
{
  char name[PETSC_MAX_PATH_LEN] = "dataset_roundtrip.h5", tmp[PETSC_MAX_PATH_LEN];
  PetscBool keep                = PETSC_FALSE;
  PetscErrorCode ierr;
  PetscMPIInt rank, size;

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-o", name, sizeof(name), NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-keep", &keep, NULL));
  if (rank == 0) (void)unlink(name);
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));

  PetscCall(WriteFile(name, CFX_PRECISION_FLOAT64, 0, PETSC_FALSE));
  PetscCall(CheckFile(name, CFX_PRECISION_FLOAT64, 0));

  /* An existing file is not replaced without overwrite, and stays intact. */
  {
    CfxDataset ds;
    PetscReal x[NX], t[NT];
    for (PetscInt j = 0; j < NX; j++) x[j] = j;
    for (PetscInt k = 0; k < NT; k++) t[k] = k;
    PetscCall(CfxDatasetCreate(PETSC_COMM_WORLD, &ds));
    PetscCall(CfxDatasetSetSizes(ds, NS, NT, NX, 0));
    PetscCall(CfxDatasetSetCoordinates(ds, x, t));
    CATCH(ierr, CfxDatasetWriteBegin(ds, name));
    PetscCall(CfxDatasetAbort(&ds));
  }
  PetscCheck(ierr == PETSC_ERR_FILE_OPEN, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "writing over an existing file without overwrite gave error %d", (int)ierr);
  PetscCall(CheckFile(name, CFX_PRECISION_FLOAT64, 0));

  /* With overwrite: float32, gzip, a system with 2 components. */
  PetscCall(WriteFile(name, CFX_PRECISION_FLOAT32, NC, PETSC_TRUE));
  PetscCall(CheckFile(name, CFX_PRECISION_FLOAT32, NC));

  /* Abort leaves no NAME.tmp and does not touch NAME. */
  {
    CfxDataset ds;
    PetscReal x[NX], t[NT];
    for (PetscInt j = 0; j < NX; j++) x[j] = j;
    for (PetscInt k = 0; k < NT; k++) t[k] = k;
    PetscCall(CfxDatasetCreate(PETSC_COMM_WORLD, &ds));
    PetscCall(CfxDatasetSetSizes(ds, NS, NT, NX, 0));
    PetscCall(CfxDatasetSetCoordinates(ds, x, t));
    PetscCall(CfxDatasetSetOverwrite(ds, PETSC_TRUE));
    PetscCall(CfxDatasetWriteBegin(ds, name));
    PetscCall(CfxDatasetAbort(&ds));
    PetscCall(CfxOutputTempName(name, tmp, sizeof(tmp)));
    PetscCheck(access(tmp, F_OK) != 0, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s left behind by CfxDatasetAbort", tmp);
    PetscCall(CheckFile(name, CFX_PRECISION_FLOAT32, NC));
  }
  if (!keep && rank == 0) {
    char xmf[PETSC_MAX_PATH_LEN];
    PetscCall(PetscSNPrintf(xmf, sizeof(xmf), "%s.xmf", name));
    (void)unlink(name);
    (void)unlink(xmf);
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "dataset: round trips bit-exact (float64, float32+gzip, 2 components) on %d rank(s); overwrite refused; abort clean\n", size));
  PetscCall(CfxFinalize());
  return 0;
}
