static const char help[] = "An out-of-tree program using the installed conflux.\n";

#include <conflux/conflux.h>
#include <petscvec.h> /* PETSc's headers come with conflux's usage requirements */

int main(int argc, char **argv)
{
  char version[64];
  PetscMPIInt size;
  Vec v;
  PetscScalar sum;

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(CfxGetVersionString(version, sizeof(version)));
  PetscCall(VecCreateMPI(PETSC_COMM_WORLD, PETSC_DECIDE, 10, &v));
  PetscCall(VecSet(v, 1.0));
  PetscCall(VecSum(v, &sum));
  PetscCheck(sum == 10.0, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "VecSum gave %g", (double)PetscRealPart(sum));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "consumer: linked %s, header %s, on %d ranks\n", version, CFX_VERSION_STRING, size));
  PetscCall(VecDestroy(&v));
  PetscCall(CfxFinalize());
  return 0;
}
