/* Atomic output files: write NAME.tmp, rename to NAME only when everything succeeded, and
   refuse to replace an existing NAME unless asked. */
#include <cfximpl.h>
#include <conflux/cfxio.h>
#include <errno.h>
#include <unistd.h>

/*@C
  CfxOutputTempName - The name a file is written under before it is committed: NAME.tmp.
@*/
PetscErrorCode CfxOutputTempName(const char name[], char tmp[], size_t len)
{
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(tmp, len, "%s.tmp", name));
  PetscFunctionReturn(0);
}

/*@C
  CfxOutputCheckWritable - Collective. Errors if `name` exists and `overwrite` is false, or if
  its directory cannot be written, before any work is done.
@*/
PetscErrorCode CfxOutputCheckWritable(MPI_Comm comm, const char name[], PetscBool overwrite)
{
  PetscMPIInt rank;
  int state[2] = {0, 0}; /* exists, errno of a failed write probe */

  PetscFunctionBegin;
  PetscCheck(name && name[0], comm, PETSC_ERR_ARG_NULL, "output file name is empty");
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    char dir[PETSC_MAX_PATH_LEN], *slash;
    state[0] = access(name, F_OK) == 0;
    PetscCall(PetscStrncpy(dir, name, sizeof(dir)));
    PetscCall(PetscStrrchr(dir, '/', &slash));
    if (slash == dir)
      PetscCall(PetscStrcpy(dir, ".")); /* no slash: current directory */
    else if (slash - 1 == dir)
      dir[1] = 0; /* "/name": the root */
    else
      slash[-1] = 0; /* PetscStrrchr points past the last slash */
    if (access(dir, W_OK) != 0) state[1] = errno ? errno : EACCES;
  }
  PetscCallMPI(MPI_Bcast(state, 2, MPI_INT, 0, comm));
  PetscCheck(!state[0] || overwrite, comm, PETSC_ERR_FILE_OPEN, "%s: file exists; not overwriting it (pass -force to replace it)", name);
  PetscCheck(!state[1], comm, PETSC_ERR_FILE_OPEN, "%s: cannot write in its directory: %s", name, strerror(state[1]));
  PetscFunctionReturn(0);
}

/*@C
  CfxOutputCommit - Collective. Renames NAME.tmp to NAME (rank 0), after every rank is done.
@*/
PetscErrorCode CfxOutputCommit(MPI_Comm comm, const char name[])
{
  PetscMPIInt rank;
  int err = 0;
  char tmp[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCall(CfxOutputTempName(name, tmp, sizeof(tmp)));
  PetscCallMPI(MPI_Barrier(comm));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0 && rename(tmp, name) != 0) err = errno;
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, PETSC_ERR_FILE_WRITE, "%s: cannot rename %s to it: %s", name, tmp, strerror(err));
  PetscFunctionReturn(0);
}
