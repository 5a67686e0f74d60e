/* CfxSpectralBurgers: object lifecycle, options, set-up (wave numbers, dealiasing mask,
   FFTW plans) and viewing. The time stepping is in spectral_step.c, the drivers that land on
   output times in spectral_solve.c. */
#include "spectralimpl.h"

const char *const CfxSpectralSchemes[] = {"etdrk4", "ifrk4", "CfxSpectralScheme", "CFX_SPECTRAL_", NULL};
PetscLogEvent CFX_Spectral_FFT, CFX_Spectral_Step, CFX_Spectral_Coef, CFX_Spectral_Solve;
static PetscBool CfxSpectralPackageInitialized = PETSC_FALSE;

static PetscErrorCode CfxSpectralFinalizePackage(void)
{
  PetscFunctionBegin;
  CfxSpectralPackageInitialized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSpectralInitializePackage(void)
{
  PetscFunctionBegin;
  if (CfxSpectralPackageInitialized) PetscFunctionReturn(0);
  CfxSpectralPackageInitialized = PETSC_TRUE;
  PetscCall(CfxInitializePackage());
  PetscCall(PetscLogEventRegister("CfxSpecSolve", CFX_CLASSID, &CFX_Spectral_Solve));
  PetscCall(PetscLogEventRegister("CfxSpecStep", CFX_CLASSID, &CFX_Spectral_Step));
  PetscCall(PetscLogEventRegister("CfxSpecFFT", CFX_CLASSID, &CFX_Spectral_FFT));
  PetscCall(PetscLogEventRegister("CfxSpecCoef", CFX_CLASSID, &CFX_Spectral_Coef));
  PetscCall(PetscRegisterFinalize(CfxSpectralFinalizePackage));
  PetscFunctionReturn(0);
}

/*@C
  CfxSpectralBurgersCreate - Creates a pseudo-spectral viscous Burgers solver: 256 points on
  [0, 1), nu = 0.01, dt = 1e-3, ETDRK4, dealiased, until changed.
@*/
PetscErrorCode CfxSpectralBurgersCreate(MPI_Comm comm, CfxSpectralBurgers *sb)
{
  CfxSpectralBurgers s;

  PetscFunctionBegin;
  PetscValidPointer(sb, 2);
  PetscCall(CfxSpectralInitializePackage());
  PetscCall(PetscNew(&s));
  s->comm    = comm;
  s->nx      = 256;
  s->xmin    = 0;
  s->L       = 1;
  s->nu      = 0.01;
  s->dt      = 1e-3;
  s->scheme  = CFX_SPECTRAL_ETDRK4;
  s->dealias = PETSC_TRUE;
  *sb        = s;
  PetscFunctionReturn(0);
}

/* Frees everything SetUp made, so that changing a parameter simply forces a new SetUp. */
static PetscErrorCode CfxSpectralBurgersReset(CfxSpectralBurgers sb)
{
  PetscFunctionBegin;
  if (sb->r2c) fftw_destroy_plan(sb->r2c);
  if (sb->c2r) fftw_destroy_plan(sb->c2r);
  if (sb->real) fftw_free(sb->real);
  if (sb->cplx) fftw_free(sb->cplx);
  sb->r2c  = NULL;
  sb->c2r  = NULL;
  sb->real = NULL;
  sb->cplx = NULL;
  PetscCall(PetscFree3(sb->k, sb->lin, sb->mask));
  PetscCall(PetscFree4(sb->v, sb->a, sb->b, sb->c));
  PetscCall(PetscFree4(sb->Nv, sb->Na, sb->Nb, sb->Nc));
  PetscCall(CfxSpectralCoefFree(&sb->full));
  PetscCall(CfxSpectralCoefFree(&sb->last));
  sb->setup = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSpectralBurgersDestroy(CfxSpectralBurgers *sb)
{
  PetscFunctionBegin;
  if (!sb || !*sb) PetscFunctionReturn(0);
  PetscCall(CfxSpectralBurgersReset(*sb));
  PetscCall(PetscFree((*sb)->prefix));
  PetscCall(PetscFree(*sb));
  PetscFunctionReturn(0);
}

/*@C
  CfxSpectralBurgersSetGrid - nx points on the periodic domain [xmin, xmax) (the same
  arguments as CfxFVSetGrid(): the points are the cell centres of its grid).
@*/
PetscErrorCode CfxSpectralBurgersSetGrid(CfxSpectralBurgers sb, PetscInt nx, PetscReal xmin, PetscReal xmax)
{
  const PetscReal L = xmax - xmin;

  PetscFunctionBegin;
  PetscValidPointer(sb, 1);
  PetscCheck(nx >= 4 && nx <= INT_MAX, sb->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxSpectralBurgersSetGrid: expected 4 <= nx <= %d, found %" PetscInt_FMT, INT_MAX, nx);
  PetscCheck(!PetscIsInfOrNanReal(xmin) && !PetscIsInfOrNanReal(xmax) && L > 0 && PetscIsNormalReal(L), sb->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "CfxSpectralBurgersSetGrid: expected finite xmin < xmax, found [%g, %g)", (double)xmin, (double)xmax);
  PetscCall(CfxSpectralBurgersReset(sb));
  sb->nx   = nx;
  sb->xmin = xmin;
  sb->L    = L;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSpectralBurgersGetGrid(CfxSpectralBurgers sb, PetscInt *nx, PetscReal *xmin, PetscReal *xmax)
{
  PetscFunctionBegin;
  PetscValidPointer(sb, 1);
  if (nx) *nx = sb->nx;
  if (xmin) *xmin = sb->xmin;
  if (xmax) *xmax = sb->xmin + sb->L;
  PetscFunctionReturn(0);
}

/*@C
  CfxSpectralBurgersGetCoordinates - The nx grid points x_j = xmin + (j + 1/2) L / nx.
@*/
PetscErrorCode CfxSpectralBurgersGetCoordinates(CfxSpectralBurgers sb, PetscReal x[])
{
  PetscFunctionBegin;
  PetscValidPointer(sb, 1);
  PetscValidRealPointer(x, 2);
  for (PetscInt j = 0; j < sb->nx; j++) x[j] = sb->xmin + (j + 0.5) * sb->L / sb->nx;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSpectralBurgersSetViscosity(CfxSpectralBurgers sb, PetscReal nu)
{
  PetscFunctionBegin;
  PetscValidPointer(sb, 1);
  PetscCheck(nu >= 0 && !PetscIsInfOrNanReal(nu), sb->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxSpectralBurgersSetViscosity: expected a finite nu >= 0, found %g", (double)nu);
  if (nu != sb->nu) PetscCall(CfxSpectralBurgersReset(sb));
  sb->nu = nu;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSpectralBurgersSetTimeStep(CfxSpectralBurgers sb, PetscReal dt)
{
  PetscFunctionBegin;
  PetscValidPointer(sb, 1);
  PetscCheck(dt > 0 && PetscIsNormalReal(dt), sb->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxSpectralBurgersSetTimeStep: expected a positive finite dt, found %g", (double)dt);
  if (dt != sb->dt) PetscCall(CfxSpectralCoefFree(&sb->full));
  sb->dt = dt;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSpectralBurgersSetScheme(CfxSpectralBurgers sb, CfxSpectralScheme scheme)
{
  PetscFunctionBegin;
  PetscValidPointer(sb, 1);
  PetscCheck(scheme == CFX_SPECTRAL_ETDRK4 || scheme == CFX_SPECTRAL_IFRK4, sb->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxSpectralBurgersSetScheme: unknown scheme %d; expected etdrk4 or ifrk4",
             (int)scheme);
  if (scheme != sb->scheme) {
    PetscCall(CfxSpectralCoefFree(&sb->full));
    PetscCall(CfxSpectralCoefFree(&sb->last));
  }
  sb->scheme = scheme;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSpectralBurgersSetDealias(CfxSpectralBurgers sb, PetscBool dealias)
{
  PetscFunctionBegin;
  PetscValidPointer(sb, 1);
  if (dealias != sb->dealias) PetscCall(CfxSpectralBurgersReset(sb));
  sb->dealias = dealias;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSpectralBurgersSetOptionsPrefix(CfxSpectralBurgers sb, const char prefix[])
{
  PetscFunctionBegin;
  PetscValidPointer(sb, 1);
  PetscCall(PetscFree(sb->prefix));
  if (prefix) PetscCall(PetscStrallocpy(prefix, &sb->prefix));
  PetscFunctionReturn(0);
}

/*@C
  CfxSpectralBurgersSetFromOptions - Reads -spectral_nu, -spectral_dt, -spectral_scheme,
  -spectral_dealias and -spectral_monitor.
@*/
PetscErrorCode CfxSpectralBurgersSetFromOptions(CfxSpectralBurgers sb)
{
  PetscReal nu, dt;
  PetscInt scheme;
  PetscBool dealias;

  PetscFunctionBegin;
  PetscValidPointer(sb, 1);
  nu      = sb->nu;
  dt      = sb->dt;
  scheme  = (PetscInt)sb->scheme;
  dealias = sb->dealias;
  PetscOptionsBegin(sb->comm, sb->prefix, "Pseudo-spectral viscous Burgers (CfxSpectralBurgers)", "CfxSpectralBurgers");
  PetscCall(PetscOptionsReal("-spectral_nu", "Viscosity nu of u_t + (u^2/2)_x = nu u_xx", "CfxSpectralBurgersSetViscosity", nu, &nu, NULL));
  PetscCall(PetscOptionsReal("-spectral_dt", "Time step (the last step before each output time is shortened to land on it)", "CfxSpectralBurgersSetTimeStep", dt, &dt, NULL));
  PetscCall(PetscOptionsEList("-spectral_scheme", "Time integrator", "CfxSpectralBurgersSetScheme", CfxSpectralSchemes, 2, CfxSpectralSchemes[scheme], &scheme, NULL));
  PetscCall(PetscOptionsBool("-spectral_dealias", "2/3-rule dealiasing of the nonlinear term", "CfxSpectralBurgersSetDealias", dealias, &dealias, NULL));
  PetscCall(PetscOptionsBool("-spectral_monitor", "Print t, steps, max|u| and energy at each output time", "CfxSpectralBurgersSolve", sb->monitor, &sb->monitor, NULL));
  PetscOptionsEnd();
  PetscCall(CfxSpectralBurgersSetViscosity(sb, nu));
  PetscCall(CfxSpectralBurgersSetTimeStep(sb, dt));
  PetscCall(CfxSpectralBurgersSetScheme(sb, (CfxSpectralScheme)scheme));
  PetscCall(CfxSpectralBurgersSetDealias(sb, dealias));
  PetscFunctionReturn(0);
}

/*@C
  CfxSpectralBurgersSetUp - Wave numbers, dealiasing mask, work space and FFTW plans; called
  by Integrate/Solve if needed.
@*/
PetscErrorCode CfxSpectralBurgersSetUp(CfxSpectralBurgers sb)
{
  const PetscInt nx = sb->nx;

  PetscFunctionBegin;
  PetscValidPointer(sb, 1);
  if (sb->setup) PetscFunctionReturn(0);
  sb->nc = nx / 2 + 1;
  PetscCall(PetscMalloc3(sb->nc, &sb->k, sb->nc, &sb->lin, sb->nc, &sb->mask));
  PetscCall(PetscMalloc4(sb->nc, &sb->v, sb->nc, &sb->a, sb->nc, &sb->b, sb->nc, &sb->c));
  PetscCall(PetscMalloc4(sb->nc, &sb->Nv, sb->nc, &sb->Na, sb->nc, &sb->Nb, sb->nc, &sb->Nc));
  for (PetscInt m = 0; m < sb->nc; m++) {
    sb->k[m]   = 2 * PETSC_PI * m / sb->L;
    sb->lin[m] = -sb->nu * sb->k[m] * sb->k[m];
    /* Orszag's rule: products of modes |m| < nx/3 alias only onto modes >= nx/3, which are
       discarded. The Nyquist mode of an even grid has no derivative and is always dropped. */
    sb->mask[m] = (sb->dealias ? 3 * m < nx : 2 * m < nx) ? 1.0 : 0.0;
  }
  sb->real = fftw_alloc_real((size_t)nx);
  sb->cplx = (CfxCplx *)fftw_alloc_complex((size_t)sb->nc);
  PetscCheck(sb->real && sb->cplx, sb->comm, PETSC_ERR_MEM, "CfxSpectralBurgers: FFTW could not allocate buffers for nx = %" PetscInt_FMT, nx);
  sb->r2c = fftw_plan_dft_r2c_1d((int)nx, sb->real, (fftw_complex *)sb->cplx, FFTW_ESTIMATE);
  sb->c2r = fftw_plan_dft_c2r_1d((int)nx, (fftw_complex *)sb->cplx, sb->real, FFTW_ESTIMATE);
  PetscCheck(sb->r2c && sb->c2r, sb->comm, PETSC_ERR_LIB, "CfxSpectralBurgers: FFTW could not plan transforms of size %" PetscInt_FMT, nx);
  sb->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSpectralBurgersView(CfxSpectralBurgers sb, PetscViewer viewer)
{
  PetscBool ascii;

  PetscFunctionBegin;
  PetscValidPointer(sb, 1);
  if (!viewer) PetscCall(PetscViewerASCIIGetStdout(sb->comm, &viewer));
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &ascii));
  if (!ascii) PetscFunctionReturn(0);
  PetscCall(
      PetscViewerASCIIPrintf(viewer, "CfxSpectralBurgers: u_t + (u^2/2)_x = %g u_xx on [%g, %g), %" PetscInt_FMT " points\n", (double)sb->nu, (double)sb->xmin, (double)(sb->xmin + sb->L), sb->nx));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  PetscCall(PetscViewerASCIIPrintf(viewer, "scheme %s, dt %g, dealiasing %s (modes |m| < %" PetscInt_FMT " kept)\n", CfxSpectralSchemes[sb->scheme], (double)sb->dt, sb->dealias ? "2/3 rule" : "off",
                                   sb->dealias ? (sb->nx + 2) / 3 : (sb->nx + 1) / 2));
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSpectralBurgersGetStepCount(CfxSpectralBurgers sb, PetscInt *steps)
{
  PetscFunctionBegin;
  PetscValidPointer(sb, 1);
  PetscValidIntPointer(steps, 2);
  *steps = sb->steps;
  PetscFunctionReturn(0);
}
