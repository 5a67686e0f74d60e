static const char help[] = "Tests package initialisation, version queries and CfxCheckFinite().\n";

#include <conflux/conflux.h>

/* Runs CfxCheckFinite() with PETSc's error handler replaced, and returns the error code and message. */
static PetscErrorCode CheckFiniteCaught(PetscInt n, const PetscReal *x, PetscErrorCode *ierr, char msg[], size_t len)
{
  const char *text;
  char *specific;

  PetscFunctionBegin;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  *ierr = CfxCheckFinite(PETSC_COMM_SELF, "test field", n, x);
  PetscCall(PetscPopErrorHandler());
  msg[0] = 0;
  if (*ierr) {
    PetscCall(PetscErrorMessage(*ierr, &text, &specific));
    PetscCall(PetscStrncpy(msg, specific ? specific : "", len));
  }
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscInt major, minor, patch;
  char str[1024], msg[1024];
  PetscBool up, found;
  PetscErrorCode ierr;
  PetscReal good[3] = {1.0, -2.0, 0.0}, bad[4] = {1.0, 2.0, NAN, 3.0};
  PetscMPIInt size;

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(CfxInitialized(&up));
  PetscCheck(up, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "CfxInitialize() did not initialise the package");
  PetscCheck(CFX_CLASSID != 0, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "no class id registered");
  PetscCall(CfxInitializePackage()); /* idempotent */

  PetscCall(CfxGetVersion(&major, &minor, &patch));
  PetscCheck(major == CFX_VERSION_MAJOR && minor == CFX_VERSION_MINOR && patch == CFX_VERSION_PATCH, PETSC_COMM_WORLD, PETSC_ERR_PLIB,
             "library version %" PetscInt_FMT ".%" PetscInt_FMT ".%" PetscInt_FMT " differs from header %s", major, minor, patch, CFX_VERSION_STRING);
  PetscCall(CfxGetVersionString(str, sizeof(str)));
  PetscCall(PetscStrcmp(str, "conflux " CFX_VERSION_STRING, &found));
  PetscCheck(found, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "version string '%s'", str);
  PetscCall(CfxGetDependencyVersions(str, sizeof(str)));
  {
    const char *libs[] = {"PETSc", "HDF5", "SUNDIALS", "fftw"};
    for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++) {
      char *where;
      PetscCall(PetscStrstr(str, libs[i], &where));
      PetscCheck(where, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "dependency line '%s' does not name %s", str, libs[i]);
    }
  }

  PetscCall(CheckFiniteCaught(3, good, &ierr, msg, sizeof(msg)));
  PetscCheck(!ierr, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "finite values rejected: %s", msg);
  PetscCall(CheckFiniteCaught(0, NULL, &ierr, msg, sizeof(msg)));
  PetscCheck(!ierr, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "empty array rejected: %s", msg);
  PetscCall(CheckFiniteCaught(4, bad, &ierr, msg, sizeof(msg)));
  PetscCheck(ierr == PETSC_ERR_FP, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "NaN not reported as PETSC_ERR_FP (got %d)", (int)ierr);
  {
    char *where;
    PetscCall(PetscStrstr(msg, "test field: expected finite values, found NaN at index 2 of 4", &where));
    PetscCheck(where, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "unexpected message '%s'", msg);
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "sys: version, dependencies and finiteness checks pass on %d rank(s)\n", size));
  PetscCall(CfxFinalize());
  return 0;
}
