static const char help[] = "Reads a whole trajectory dataset through the validating reader, each rank its shard.\n"
                           "Usage: read_dataset FILE. Prints the sizes and the sum of all values; errors print one line.\n";

#include <conflux/conflux.h>

static PetscErrorCode ReadAll(const char *file)
{
  CfxDataset ds;
  PetscInt ns, nt, nx, nc, lo, hi;
  PetscReal *u, sum = 0, total;
  size_t n;

  PetscFunctionBeginUser;
  PetscCall(CfxDatasetOpen(PETSC_COMM_WORLD, file, &ds));
  PetscCall(CfxDatasetGetSizes(ds, &ns, &nt, &nx, &nc));
  PetscCall(CfxDatasetGetOwnership(ds, &lo, &hi));
  n = (size_t)nt * nx * (nc ? nc : 1);
  PetscCall(PetscMalloc1(n, &u));
  for (PetscInt s = lo; s < hi; s++) {
    PetscCall(CfxDatasetReadSamples(ds, s, 1, u));
    for (size_t i = 0; i < n; i++) sum += u[i];
  }
  PetscCallMPI(MPI_Allreduce(&sum, &total, 1, MPIU_REAL, MPI_SUM, PETSC_COMM_WORLD));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "ok %" PetscInt_FMT " %" PetscInt_FMT " %" PetscInt_FMT " %" PetscInt_FMT " sum %.6e\n", ns, nt, nx, nc, (double)total));
  PetscCall(PetscFree(u));
  PetscCall(CfxDatasetClose(&ds));
  PetscFunctionReturn(0);
}

/* Errors are returned to main rather than raised in it: PETSc aborts MPI for an error raised
   in main(), and this program's failures are expected outcomes checked by the test. */
int main(int argc, char **argv)
{
  PetscErrorCode ierr;

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(CfxPushOneLineErrorHandler("read_dataset"));
  if (argc < 2) {
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "usage: read_dataset FILE\n"));
    ierr = PETSC_ERR_ARG_WRONG;
  } else
    ierr = ReadAll(argv[1]);
  PetscCall(CfxFinalize());
  return ierr ? 1 : 0;
}
