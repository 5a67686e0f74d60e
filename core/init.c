/* Package initialisation, version queries and the small error helpers every module uses. */
#include <cfximpl.h>
#include <fftw3.h>
#include <hdf5.h>
#include <sundials/sundials_version.h>

PetscClassId CFX_CLASSID                       = 0;
static PetscBool CfxPackageInitialized         = PETSC_FALSE;
static PetscBool CfxBeganPetsc                 = PETSC_FALSE;
static char CfxErrorPrefix[PETSC_MAX_PATH_LEN] = "conflux";

/*@C
  CfxFinalizePackage - Undoes CfxInitializePackage(); registered with PetscRegisterFinalize()
  so PetscFinalize() calls it.
@*/
PetscErrorCode CfxFinalizePackage(void)
{
  PetscFunctionBegin;
  CfxPackageInitialized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/*@C
  CfxInitializePackage - Registers the conflux class id and honours `-info_exclude conflux`
  and `-log_exclude conflux`. Idempotent; every conflux object's create function calls it,
  so a program that only calls PetscInitialize() still gets it.
@*/
PetscErrorCode CfxInitializePackage(void)
{
  char logList[256];
  PetscBool opt, pkg;

  PetscFunctionBegin;
  if (CfxPackageInitialized) PetscFunctionReturn(0);
  CfxPackageInitialized = PETSC_TRUE;
  PetscCall(PetscClassIdRegister("conflux", &CFX_CLASSID));
  {
    PetscClassId classids[1] = {CFX_CLASSID};
    PetscCall(PetscInfoProcessClass("conflux", 1, classids));
  }
  PetscCall(PetscOptionsGetString(NULL, NULL, "-log_exclude", logList, sizeof(logList), &opt));
  if (opt) {
    PetscCall(PetscStrInList("conflux", logList, ',', &pkg));
    if (pkg) PetscCall(PetscLogEventExcludeClass(CFX_CLASSID));
  }
  PetscCall(PetscRegisterFinalize(CfxFinalizePackage));
  PetscFunctionReturn(0);
}

/* Called by PETSc when libconflux is loaded as a dynamic PETSc library (-dll_append). */
PETSC_EXTERN PetscErrorCode PetscDLLibraryRegister_conflux(void)
{
  PetscFunctionBegin;
  PetscCall(CfxInitializePackage());
  PetscFunctionReturn(0);
}

/*@C
  CfxInitialize - PetscInitialize() followed by CfxInitializePackage(). If PETSc is already
  initialised (conflux embedded in a PETSc application), only the package is initialised and
  CfxFinalize() leaves PETSc running.
@*/
PetscErrorCode CfxInitialize(int *argc, char ***argv, const char file[], const char help[])
{
  PetscBool petscUp;

  PetscCall(PetscInitialized(&petscUp));
  if (!petscUp) {
    PetscCall(PetscInitialize(argc, argv, file, help));
    CfxBeganPetsc = PETSC_TRUE;
  }
  PetscCall(CfxInitializePackage());
  return 0;
}

/*@C
  CfxFinalize - Finalizes PETSc if CfxInitialize() started it.
@*/
PetscErrorCode CfxFinalize(void)
{
  if (CfxBeganPetsc) {
    CfxBeganPetsc = PETSC_FALSE;
    PetscCall(PetscFinalize());
  }
  return 0;
}

PetscErrorCode CfxInitialized(PetscBool *isUp)
{
  PetscFunctionBegin;
  PetscValidBoolPointer(isUp, 1);
  *isUp = CfxPackageInitialized;
  PetscFunctionReturn(0);
}

/*@C
  CfxGetVersion - The version of the conflux library this program runs with (not the one it
  was compiled against; compare with CFX_VERSION_MAJOR etc. to detect a mismatch).
@*/
PetscErrorCode CfxGetVersion(PetscInt *major, PetscInt *minor, PetscInt *patch)
{
  PetscFunctionBegin;
  if (major) *major = CFX_VERSION_MAJOR;
  if (minor) *minor = CFX_VERSION_MINOR;
  if (patch) *patch = CFX_VERSION_PATCH;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxGetVersionString(char str[], size_t len)
{
  PetscFunctionBegin;
  PetscValidCharPointer(str, 1);
  PetscCall(PetscSNPrintf(str, len, "conflux %s", CFX_VERSION_STRING));
  PetscFunctionReturn(0);
}

/*@C
  CfxGetDependencyVersions - One line naming the versions of PETSc, MPI, HDF5, FFTW and
  SUNDIALS that this process actually loaded, for bug reports and `conflux --version`.
@*/
PetscErrorCode CfxGetDependencyVersions(char str[], size_t len)
{
  char mpi[MPI_MAX_LIBRARY_VERSION_STRING], sundials[64];
  unsigned h5maj, h5min, h5rel;
  int mpilen;
  size_t i;
  PetscInt pmaj, pmin, psub;

  PetscFunctionBegin;
  PetscValidCharPointer(str, 1);
  PetscCall(PetscGetVersionNumber(&pmaj, &pmin, &psub, NULL));
  PetscCallMPI(MPI_Get_library_version(mpi, &mpilen));
  for (i = 0; mpi[i]; i++) { /* keep the first line/clause: "Open MPI v4.1.4" */
    if (mpi[i] == ',' || mpi[i] == '\n') {
      mpi[i] = 0;
      break;
    }
  }
  PetscCheck(H5get_libversion(&h5maj, &h5min, &h5rel) >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "H5get_libversion() failed");
  PetscCheck(SUNDIALSGetVersion(sundials, (int)sizeof(sundials)) == 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "SUNDIALSGetVersion() failed");
  PetscCall(
      PetscSNPrintf(str, len, "PETSc %" PetscInt_FMT ".%" PetscInt_FMT ".%" PetscInt_FMT "; %s; HDF5 %u.%u.%u; %s; SUNDIALS %s", pmaj, pmin, psub, mpi, h5maj, h5min, h5rel, fftw_version, sundials));
  PetscFunctionReturn(0);
}

/*@C
  CfxCheckFinite - Errors, naming `what` and the first offending index and value, if any
  of the n values is NaN or infinite. Collective only in the sense that every rank checks
  its own values; the error is raised on the ranks that hold a bad value.
@*/
PetscErrorCode CfxCheckFinite(MPI_Comm comm, const char what[], PetscInt n, const PetscReal x[])
{
  PetscFunctionBegin;
  PetscCheck(n >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "%s: length must be non-negative, found %" PetscInt_FMT, what, n);
  if (n) PetscValidRealPointer(x, 4);
  for (PetscInt i = 0; i < n; i++) {
    const char *found = PetscIsNanReal(x[i]) ? "NaN" : (x[i] > 0 ? "+Inf" : "-Inf");
    PetscCheck(!PetscIsInfOrNanReal(x[i]), PETSC_COMM_SELF, PETSC_ERR_FP, "%s: expected finite values, found %s at index %" PetscInt_FMT " of %" PetscInt_FMT, what, found, i, n);
  }
  PetscFunctionReturn(0);
}

/* Prints one line, "<prefix>: error: <message>", where the error starts, and nothing for the
   frames it passes through. With `-cfx_traceback` conflux keeps PETSc's full traceback. */
static PetscErrorCode CfxOneLineErrorHandler(MPI_Comm comm, int line, const char *func, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  PetscMPIInt rank = 0, size = 1, worldRank = 0;

  (void)line;
  (void)func;
  (void)file;
  (void)ctx;
  if (p != PETSC_ERROR_INITIAL) return n;
  if (comm != MPI_COMM_NULL) {
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &worldRank);
  if (rank == 0) {
    const char *text = mess;
    if (!text || !text[0]) PetscErrorMessage(n, &text, NULL);
    if (size == 1 && worldRank != 0)
      fprintf(stderr, "%s: error [rank %d]: %s\n", CfxErrorPrefix, worldRank, text ? text : "unknown error");
    else
      fprintf(stderr, "%s: error: %s\n", CfxErrorPrefix, text ? text : "unknown error");
    fflush(stderr);
  }
  return n;
}

/*@C
  CfxPushOneLineErrorHandler - Replaces PETSc's multi-line traceback by one line prefixed by
  `prefix` (for command-line tools), unless `-cfx_traceback` is given.
@*/
PetscErrorCode CfxPushOneLineErrorHandler(const char prefix[])
{
  PetscBool traceback = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-cfx_traceback", &traceback, NULL));
  if (traceback) PetscFunctionReturn(0);
  if (prefix) PetscCall(PetscStrncpy(CfxErrorPrefix, prefix, sizeof(CfxErrorPrefix)));
  PetscCall(PetscPushErrorHandler(CfxOneLineErrorHandler, NULL));
  PetscFunctionReturn(0);
}
