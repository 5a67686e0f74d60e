static const char help[] = "CfxFV on all ranks of PETSC_COMM_WORLD against the same run on one rank (PETSC_COMM_SELF):\n"
                           "largest difference must be <= -tol (default 1e-13) for every configuration.\n";

#include "fvtest.h"

typedef struct {
  const char *flux;
  CfxFVRiemannType riemann;
  CfxFVReconstructionType recon;
  CfxFVBCType bc;
  PetscReal nu;
} Config;

static PetscErrorCode Initial(PetscReal x, PetscReal t, PetscReal *u, void *ctx)
{
  const Config *c = (const Config *)ctx;

  if (!strcmp(c->flux, CFXFV_SHALLOW_WATER)) {
    u[0] = (x < 0.5 ? 2 : 1) + 0.1 * PetscSinReal(2 * PETSC_PI * x);
    u[1] = 0.2 * PetscCosReal(2 * PETSC_PI * x);
  } else if (!strcmp(c->flux, CFXFV_BUCKLEY_LEVERETT))
    u[0] = x < 0.3 ? 0.9 : 0.1 + 0.05 * PetscSinReal(2 * PETSC_PI * x);
  else
    u[0] = 0.3 + PetscSinReal(2 * PETSC_PI * x) + (x > 0.6 && x < 0.8 ? 0.4 : 0);
  return 0;
}

static PetscErrorCode Run(MPI_Comm comm, const Config *c, PetscInt N, Vec *out)
{
  CfxFV fv;
  Vec U;
  PetscReal times[2] = {0.2, 0.45};

  PetscFunctionBeginUser;
  PetscCall(CfxFVCreate(comm, &fv));
  PetscCall(CfxFVSetGrid(fv, N, 0, 1));
  PetscCall(CfxFVSetPhysicalFlux(fv, c->flux));
  PetscCall(CfxFVSetRiemannType(fv, c->riemann));
  PetscCall(CfxFVSetReconstructionType(fv, c->recon));
  PetscCall(CfxFVSetBCType(fv, c->bc));
  PetscCall(CfxFVSetViscosity(fv, c->nu));
  PetscCall(CfxFVSetFromOptions(fv));
  PetscCall(CfxFVSetInitialCondition(fv, Initial, (void *)c));
  PetscCall(CfxFVSolve(fv, 2, times, NULL, NULL));
  PetscCall(CfxFVGetSolution(fv, &U));
  PetscCall(VecDuplicate(U, out));
  PetscCall(VecCopy(U, *out));
  PetscCall(CfxFVDestroy(&fv));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  const Config configs[] = {
      {CFXFV_BURGERS, CFXFV_RIEMANN_RUSANOV, CFXFV_RECONSTRUCTION_MUSCL, CFXFV_BC_PERIODIC, 0},  {CFXFV_BURGERS, CFXFV_RIEMANN_HLL, CFXFV_RECONSTRUCTION_WENO5, CFXFV_BC_PERIODIC, 0.01},
      {CFXFV_CUBIC, CFXFV_RIEMANN_GODUNOV, CFXFV_RECONSTRUCTION_WENO5, CFXFV_BC_OUTFLOW, 0},     {CFXFV_BUCKLEY_LEVERETT, CFXFV_RIEMANN_GODUNOV, CFXFV_RECONSTRUCTION_NONE, CFXFV_BC_OUTFLOW, 0},
      {CFXFV_SHALLOW_WATER, CFXFV_RIEMANN_ROE, CFXFV_RECONSTRUCTION_MUSCL, CFXFV_BC_OUTFLOW, 0}, {CFXFV_SHALLOW_WATER, CFXFV_RIEMANN_HLL, CFXFV_RECONSTRUCTION_WENO5, CFXFV_BC_PERIODIC, 0.005},
  };
  PetscInt N    = 97; /* odd: the ranks own unequal blocks */
  PetscReal tol = 1e-13;
  PetscMPIInt rank, size;

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n", &N, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-tol", &tol, NULL));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
    Vec Upar, Useq = NULL, Ugat;
    VecScatter sc;
    PetscReal diff = 0;

    PetscCall(Run(PETSC_COMM_WORLD, &configs[i], N, &Upar));
    if (rank == 0) PetscCall(Run(PETSC_COMM_SELF, &configs[i], N, &Useq));
    PetscCall(VecScatterCreateToZero(Upar, &sc, &Ugat));
    PetscCall(VecScatterBegin(sc, Upar, Ugat, INSERT_VALUES, SCATTER_FORWARD));
    PetscCall(VecScatterEnd(sc, Upar, Ugat, INSERT_VALUES, SCATTER_FORWARD));
    if (rank == 0) {
      PetscCall(VecAXPY(Ugat, -1, Useq));
      PetscCall(VecNorm(Ugat, NORM_INFINITY, &diff));
    }
    PetscCallMPI(MPI_Bcast(&diff, 1, MPIU_REAL, 0, PETSC_COMM_WORLD));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%-17s %-8s %-6s %-8s nu %-5g: %d ranks vs 1, max difference %.3e%s\n", configs[i].flux, CfxFVRiemannTypes[configs[i].riemann],
                          CfxFVReconstructionTypes[configs[i].recon], CfxFVBCTypes[configs[i].bc], (double)configs[i].nu, size, (double)diff, diff == 0 ? " (bitwise)" : ""));
    PetscCheck(diff <= tol, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: %d ranks and 1 rank differ by %g > %g", configs[i].flux, size, (double)diff, (double)tol);
    PetscCall(VecScatterDestroy(&sc));
    PetscCall(VecDestroy(&Ugat));
    PetscCall(VecDestroy(&Upar));
    PetscCall(VecDestroy(&Useq));
  }
  PetscCall(CfxFinalize());
  return 0;
}
