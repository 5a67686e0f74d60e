#include "commands.h"

/* Prints the conflux version and the versions of the libraries this process loaded. */
PetscErrorCode CfxCommandVersion(MPI_Comm comm, int argc, char **argv)
{
  char version[64], deps[1024];

  PetscFunctionBegin;
  PetscCall(CfxGetVersionString(version, sizeof(version)));
  PetscCall(CfxGetDependencyVersions(deps, sizeof(deps)));
  PetscCall(PetscPrintf(comm, "%s\n(%s)\n", version, deps));
  PetscFunctionReturn(0);
}
