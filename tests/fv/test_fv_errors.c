static const char help[] = "Bad input to CfxFV: unknown names list the valid ones, a negative water depth stops the run naming\n"
                           "the cell, x and time, and a CFL number above the stability limit prints one warning.\n";

#include "fvtest.h"

static char LastError[4096];

/* Keeps the first message of an error and stays silent (the test checks the text itself). */
static PetscErrorCode Capture(MPI_Comm comm, int line, const char *func, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  if (p == PETSC_ERROR_INITIAL) PetscStrncpy(LastError, mess ? mess : "", sizeof(LastError));
  return n;
}

/* ierr must be an error whose message contains every one of the words. */
static PetscErrorCode ExpectError(PetscErrorCode ierr, const char *what, int nwords, const char *const words[])
{
  PetscFunctionBeginUser;
  PetscCheck(ierr != 0, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: expected an error, the call succeeded", what);
  for (int i = 0; i < nwords; i++) PetscCheck(strstr(LastError, words[i]), PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: error message \"%s\" does not contain \"%s\"", what, LastError, words[i]);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s -> error: %s\n", what, LastError));
  LastError[0] = 0;
  PetscFunctionReturn(0);
}

static PetscErrorCode SetFromOptionsWith(const char *opt, const char *value, PetscErrorCode *ierr)
{
  CfxFV fv;

  PetscFunctionBeginUser;
  PetscCall(CfxFVCreate(PETSC_COMM_WORLD, &fv));
  PetscCall(PetscOptionsSetValue(NULL, opt, value));
  PetscCall(PetscPushErrorHandler(Capture, NULL));
  *ierr = CfxFVSetFromOptions(fv);
  PetscCall(PetscPopErrorHandler());
  PetscCall(PetscOptionsClearValue(NULL, opt));
  PetscCall(CfxFVDestroy(&fv));
  PetscFunctionReturn(0);
}

/* Two streams running apart (v = -+2.5, h = 1, g = 1) exceed the dry-bed limit 2(cL + cR) = 4:
   the depth between them must go through zero, and a Roe solver without positivity fix
   produces a negative depth in the middle. */
static PetscErrorCode Separating(PetscReal x, PetscReal t, PetscReal *u, void *ctx)
{
  u[0] = 1;
  u[1] = x < 0.5 ? -2.5 : 2.5;
  return 0;
}

static PetscErrorCode Smooth(PetscReal x, PetscReal t, PetscReal *u, void *ctx)
{
  u[0] = 1 + 0.5 * PetscSinReal(2 * PETSC_PI * x);
  return 0;
}

/* Runs a smooth Burgers problem at the given CFL with stdout captured; returns the number of
   warning lines printed. */
static PetscErrorCode CountCFLWarnings(PetscReal cfl, PetscInt *count)
{
  CfxFV fv;
  FILE *saved    = PETSC_STDOUT, *tmp;
  PetscReal t[3] = {0.02, 0.04, 0.06};
  char line[1024];
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  tmp = tmpfile();
  PetscCheck(tmp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "tmpfile() failed");
  PetscCall(CfxFVCreate(PETSC_COMM_WORLD, &fv));
  PetscCall(CfxFVSetGrid(fv, 64, 0, 1));
  PetscCall(CfxFVSetReconstructionType(fv, CFXFV_RECONSTRUCTION_MUSCL));
  PetscCall(CfxFVSetCFL(fv, cfl));
  PetscCall(CfxFVSetInitialCondition(fv, Smooth, NULL));
  PETSC_STDOUT = tmp;
  PetscCall(CfxFVSolve(fv, 3, t, NULL, NULL));
  PETSC_STDOUT = saved;
  PetscCall(CfxFVDestroy(&fv));
  *count = 0;
  rewind(tmp);
  while (fgets(line, sizeof(line), tmp)) {
    if (strstr(line, "WARNING") && strstr(line, "exceeds the stability limit")) {
      (*count)++;
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "cfl %g -> %s", (double)cfl, line));
    }
  }
  fclose(tmp);
  PetscCallMPI(MPI_Bcast(count, 1, MPIU_INT, 0, PETSC_COMM_WORLD));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscErrorCode ierr;
  CfxFV fv;
  PetscInt count;

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));

  /* unknown names list the valid ones */
  {
    const char *const words[] = {"quadratic", "advection", "burgers", "cubic", "sine", "buckley_leverett", "shallow_water"};
    PetscCall(SetFromOptionsWith("-fv_flux", "quadratic", &ierr));
    PetscCall(ExpectError(ierr, "-fv_flux quadratic", 7, words));
    PetscCall(CfxFVCreate(PETSC_COMM_WORLD, &fv));
    PetscCall(PetscPushErrorHandler(Capture, NULL));
    ierr = CfxFVSetPhysicalFlux(fv, "quadratic");
    PetscCall(PetscPopErrorHandler());
    PetscCall(ExpectError(ierr, "CfxFVSetPhysicalFlux(\"quadratic\")", 7, words));
    PetscCall(CfxFVDestroy(&fv));
  }
  {
    const char *const words[] = {"exact", "godunov", "rusanov", "hll", "roe"};
    PetscCall(SetFromOptionsWith("-fv_riemann", "exact", &ierr));
    PetscCall(ExpectError(ierr, "-fv_riemann exact", 5, words));
  }
  {
    const char *const words[] = {"eno", "none", "muscl", "weno5"};
    PetscCall(SetFromOptionsWith("-fv_reconstruction", "eno", &ierr));
    PetscCall(ExpectError(ierr, "-fv_reconstruction eno", 4, words));
  }
  {
    const char *const words[] = {"superbee", "minmod", "mc", "vanleer"};
    PetscCall(SetFromOptionsWith("-fv_limiter", "superbee", &ierr));
    PetscCall(ExpectError(ierr, "-fv_limiter superbee", 4, words));
  }
  {
    const char *const words[] = {"reflecting", "periodic", "outflow"};
    PetscCall(SetFromOptionsWith("-fv_bc", "reflecting", &ierr));
    PetscCall(ExpectError(ierr, "-fv_bc reflecting", 3, words));
  }
  {
    const char *const words[] = {"9", "square"};
    PetscCall(PetscOptionsSetValue(NULL, "-fv_ssp_order", "3"));
    PetscCall(SetFromOptionsWith("-fv_ssp_stages", "5", &ierr));
    PetscCall(PetscOptionsClearValue(NULL, "-fv_ssp_order"));
    PetscCall(ExpectError(ierr, "-fv_ssp_stages 5 with SSP-RK3", 2, words));
  }
  { /* a parameter the flux does not have */
    const char *const words[] = {"M", "burgers"};
    PetscCall(CfxFVCreate(PETSC_COMM_WORLD, &fv));
    PetscCall(PetscPushErrorHandler(Capture, NULL));
    ierr = CfxFVSetFluxParameter(fv, "M", 2);
    PetscCall(PetscPopErrorHandler());
    PetscCall(ExpectError(ierr, "CfxFVSetFluxParameter(burgers, \"M\")", 2, words));
    PetscCall(CfxFVDestroy(&fv));
  }
  { /* exact Godunov is for scalar laws */
    const char *const words[] = {"godunov", "shallow_water", "rusanov"};
    PetscCall(CfxFVCreate(PETSC_COMM_WORLD, &fv));
    PetscCall(CfxFVSetPhysicalFlux(fv, CFXFV_SHALLOW_WATER));
    PetscCall(CfxFVSetRiemannType(fv, CFXFV_RIEMANN_GODUNOV));
    PetscCall(PetscPushErrorHandler(Capture, NULL));
    ierr = CfxFVSetUp(fv);
    PetscCall(PetscPopErrorHandler());
    PetscCall(ExpectError(ierr, "godunov for shallow water", 3, words));
    PetscCall(CfxFVDestroy(&fv));
  }
  { /* negative water depth: names the cell, its x and the time */
    const char *const words[] = {"Negative water depth", "in cell 4", "(x = 0.45)", "at time t = 0.0828"};
    PetscReal tf              = 0.2;
    PetscCall(CfxFVCreate(PETSC_COMM_WORLD, &fv));
    PetscCall(CfxFVSetGrid(fv, 10, 0, 1));
    PetscCall(CfxFVSetPhysicalFlux(fv, CFXFV_SHALLOW_WATER));
    PetscCall(CfxFVSetRiemannType(fv, CFXFV_RIEMANN_ROE));
    PetscCall(CfxFVSetReconstructionType(fv, CFXFV_RECONSTRUCTION_NONE));
    PetscCall(CfxFVSetBCType(fv, CFXFV_BC_OUTFLOW));
    PetscCall(CfxFVSetInitialCondition(fv, Separating, NULL));
    PetscCall(PetscPushErrorHandler(Capture, NULL));
    ierr = CfxFVSolve(fv, 1, &tf, NULL, NULL);
    PetscCall(PetscPopErrorHandler());
    PetscCall(ExpectError(ierr, "separating streams with Roe", 4, words));
    PetscCall(CfxFVDestroy(&fv));
  }
  { /* negative depth in the initial state */
    const char *const words[] = {"Negative water depth h = -0.1", "in cell 7", "(x = 0.75)", "at time t = 0"};
    PetscReal tf              = 0.2;
    Vec U;
    PetscMPIInt rank;
    PetscCall(CfxFVCreate(PETSC_COMM_WORLD, &fv));
    PetscCall(CfxFVSetGrid(fv, 10, 0, 1));
    PetscCall(CfxFVSetPhysicalFlux(fv, CFXFV_SHALLOW_WATER));
    PetscCall(CfxFVSetInitialCondition(fv, Separating, NULL));
    PetscCall(CfxFVGetSolution(fv, &U));
    PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
    if (rank == 0) PetscCall(VecSetValue(U, 2 * 7, -0.1, INSERT_VALUES)); /* h of cell 7 (DMDA order = natural order in 1D) */
    PetscCall(VecAssemblyBegin(U));
    PetscCall(VecAssemblyEnd(U));
    PetscCall(PetscPushErrorHandler(Capture, NULL));
    ierr = CfxFVSolve(fv, 1, &tf, NULL, NULL);
    PetscCall(PetscPopErrorHandler());
    PetscCall(ExpectError(ierr, "negative initial depth", 4, words));
    PetscCall(CfxFVDestroy(&fv));
  }

  /* CFL above the limit (1 for MUSCL with SSP-RK3, 4 stages) warns exactly once per solver */
  PetscCall(CountCFLWarnings(1.5, &count));
  PetscCheck(count == 1, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "CFL 1.5 above the limit 1: expected one warning line, found %" PetscInt_FMT, count);
  PetscCall(CountCFLWarnings(0.9, &count));
  PetscCheck(count == 0, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "CFL 0.9 below the limit 1: expected no warning, found %" PetscInt_FMT, count);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "CFL warnings: one at 1.5, none at 0.9\n"));
  PetscCall(CfxFinalize());
  return 0;
}
