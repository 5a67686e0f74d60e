static const char help[] = "Mass conservation of CfxFV with periodic boundaries: every physical flux with every numerical\n"
                           "flux that applies to it and every reconstruction, through shock formation.\n"
                           "Options: -n <cells> -tfinal <t> -tol <relative tolerance>\n";

#include "fvtest.h"

/* Smooth data with non-zero mean that steepens into shocks (or contact jumps for advection)
   before tfinal, inside the range where each flux is meant to be used. */
static PetscErrorCode Initial(PetscReal x, PetscReal t, PetscReal *u, void *ctx)
{
  const char *flux = (const char *)ctx;
  PetscReal s = PetscSinReal(2 * PETSC_PI * x), c = PetscCosReal(6 * PETSC_PI * x);

  if (!strcmp(flux, CFXFV_SHALLOW_WATER)) {
    u[0] = 1 + 0.4 * s + 0.1 * c;
    u[1] = 0.3 + 0.5 * s;
  } else if (!strcmp(flux, CFXFV_BUCKLEY_LEVERETT))
    u[0] = 0.5 + 0.4 * s + 0.05 * c;
  else
    u[0] = 0.5 + s + 0.2 * c + (x > 0.3 && x < 0.6 ? 0.5 : 0);
  return 0;
}

int main(int argc, char **argv)
{
  const char *fluxes[] = {CFXFV_ADVECTION, CFXFV_BURGERS, CFXFV_CUBIC, CFXFV_SINE, CFXFV_BUCKLEY_LEVERETT, CFXFV_SHALLOW_WATER};
  PetscInt n = 64, runs = 0;
  PetscReal tfinal = 0.5, tol = 1e-13, worst = 0;

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n", &n, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-tfinal", &tfinal, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-tol", &tol, NULL));
  for (int f = 0; f < 6; f++) {
    for (int r = CFXFV_RIEMANN_GODUNOV; r <= CFXFV_RIEMANN_ROE; r++) {
      if (f == 5 && r == CFXFV_RIEMANN_GODUNOV) continue; /* exact Godunov is for scalar laws */
      for (int rec = CFXFV_RECONSTRUCTION_NONE; rec <= CFXFV_RECONSTRUCTION_WENO5; rec++) {
        CfxFV fv;
        Vec U;
        PetscInt nc;
        PetscReal m0[2], m1[2], scale[2], rel = 0;

        PetscCall(CfxFVCreate(PETSC_COMM_WORLD, &fv));
        PetscCall(CfxFVSetGrid(fv, n, 0, 1));
        PetscCall(CfxFVSetPhysicalFlux(fv, fluxes[f]));
        if (f == 2) { /* a non-convex cubic with two inflection-free branches in range */
          PetscCall(CfxFVSetFluxParameter(fv, "b", -0.5));
          PetscCall(CfxFVSetFluxParameter(fv, "c", 0.1));
        }
        if (f == 3) PetscCall(CfxFVSetFluxParameter(fv, "b", 3));
        PetscCall(CfxFVSetRiemannType(fv, (CfxFVRiemannType)r));
        PetscCall(CfxFVSetReconstructionType(fv, (CfxFVReconstructionType)rec));
        PetscCall(CfxFVSetCFL(fv, 0.4));
        PetscCall(CfxFVSetFromOptions(fv));
        PetscCall(CfxFVSetInitialCondition(fv, Initial, (void *)fluxes[f]));
        PetscCall(CfxFVGetSolution(fv, &U));
        PetscCall(CfxFVGetNumComponents(fv, &nc));
        PetscCall(CfxFVComputeMass(fv, U, m0));
        for (PetscInt k = 0; k < nc; k++) {
          PetscCall(VecStrideNorm(U, k, NORM_1, &scale[k]));
          scale[k] /= n;
        }
        PetscCall(CfxFVSolve(fv, 1, &tfinal, NULL, NULL));
        PetscCall(CfxFVComputeMass(fv, U, m1));
        for (PetscInt k = 0; k < nc; k++) rel = PetscMax(rel, PetscAbsReal(m1[k] - m0[k]) / scale[k]);
        PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%-17s %-8s %-6s relative mass change %.2e\n", fluxes[f], CfxFVRiemannTypes[r], CfxFVReconstructionTypes[rec], (double)rel));
        PetscCheck(rel <= tol, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s flux, %s, %s: relative mass change %g exceeds %g", fluxes[f], CfxFVRiemannTypes[r], CfxFVReconstructionTypes[rec], (double)rel,
                   (double)tol);
        worst = PetscMax(worst, rel);
        runs++;
        PetscCall(CfxFVDestroy(&fv));
      }
    }
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%" PetscInt_FMT " runs, largest relative mass change %.2e <= %.0e\n", runs, (double)worst, (double)tol));
  PetscCall(CfxFinalize());
  return 0;
}
