/* Prints the relative consistency error of a trained Flux NO on the frames of a dataset:
   ||G(U_j, ..., U_j) - f(U_j)||_2 / ||f(U_j)||_2 over all frames of all samples.
   usage: fluxno_consistency -model MODEL.h5 -data FILE.h5 */
#include <conflux/conflux.h>

int main(int argc, char **argv)
{
  char mfile[PETSC_MAX_PATH_LEN], data[PETSC_MAX_PATH_LEN];
  CfxFluxNO m;
  CfxDataset ds;
  PetscInt ns, nt, nx;
  PetscReal *U, *G, *F, e = 0, f = 0;

  PetscCall(CfxInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-model", mfile, sizeof(mfile), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-data", data, sizeof(data), NULL));
  PetscCall(CfxFluxNOLoad(PETSC_COMM_SELF, mfile, &m));
  PetscCall(CfxDatasetOpen(PETSC_COMM_SELF, data, &ds));
  PetscCall(CfxDatasetGetSizes(ds, &ns, &nt, &nx, NULL));
  PetscCall(PetscMalloc3(ns * nt * nx, &U, ns * nt * nx, &G, ns * nt * nx, &F));
  PetscCall(CfxDatasetReadSamples(ds, 0, ns, U));
  PetscCall(CfxFluxNOConsistency(m, ns * nt, nx, U, G, F));
  for (PetscInt i = 0; i < ns * nt * nx; i++) {
    e += (G[i] - F[i]) * (G[i] - F[i]);
    f += F[i] * F[i];
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "consistency_rel_err %.6e\n", (double)PetscSqrtReal(e / f)));
  PetscCall(PetscFree3(U, G, F));
  PetscCall(CfxDatasetClose(&ds));
  PetscCall(CfxFluxNODestroy(&m));
  PetscCall(CfxFinalize());
  return 0;
}
