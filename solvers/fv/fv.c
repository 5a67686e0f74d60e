/* CfxFV object: creation, setters, options, set-up and viewing. */
#include "fvimpl.h"
#include <conflux/cfxfluxno.h>

const char *const CfxFVRiemannTypes[]        = {"godunov", "rusanov", "hll", "roe", "CfxFVRiemannType", "CFXFV_RIEMANN_", NULL};
const char *const CfxFVReconstructionTypes[] = {"none", "muscl", "weno5", "CfxFVReconstructionType", "CFXFV_RECONSTRUCTION_", NULL};
const char *const CfxFVLimiterTypes[]        = {"minmod", "mc", "vanleer", "CfxFVLimiterType", "CFXFV_LIMITER_", NULL};
const char *const CfxFVBCTypes[]             = {"periodic", "outflow", "CfxFVBCType", "CFXFV_BC_", NULL};
static const char *const CfxFVFluxNames[]    = {CFXFV_ADVECTION, CFXFV_BURGERS, CFXFV_CUBIC, CFXFV_SINE, CFXFV_BUCKLEY_LEVERETT, CFXFV_SHALLOW_WATER};

PetscLogEvent CFXFV_RHS, CFXFV_Reconstruct, CFXFV_FaceFlux, CFXFV_Step;
static PetscBool CfxFVPackageInitialized = PETSC_FALSE;

static PetscErrorCode CfxFVFinalizePackage(void)
{
  PetscFunctionBegin;
  CfxFVPackageInitialized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/*@C
  CfxFVInitializePackage - Registers the log events of the finite-volume solver (CfxFVRHS,
  CfxFVFaceFlux, CfxFVReconstruct, CfxFVStep). Called by CfxFVCreate().
@*/
PetscErrorCode CfxFVInitializePackage(void)
{
  PetscFunctionBegin;
  if (CfxFVPackageInitialized) PetscFunctionReturn(0);
  CfxFVPackageInitialized = PETSC_TRUE;
  PetscCall(CfxInitializePackage());
  PetscCall(PetscLogEventRegister("CfxFVStep", CFX_CLASSID, &CFXFV_Step));
  PetscCall(PetscLogEventRegister("CfxFVRHS", CFX_CLASSID, &CFXFV_RHS));
  PetscCall(PetscLogEventRegister("CfxFVFaceFlux", CFX_CLASSID, &CFXFV_FaceFlux));
  PetscCall(PetscLogEventRegister("CfxFVReconstruct", CFX_CLASSID, &CFXFV_Reconstruct));
  PetscCall(PetscRegisterFinalize(CfxFVFinalizePackage));
  PetscFunctionReturn(0);
}

/*@C
  CfxFVCreate - Creates a finite-volume solver with defaults: 100 cells on [0, 1], Burgers,
  Rusanov, MUSCL with the MC limiter, periodic, SSP-RK3 with 4 stages, CFL 0.5, options
  prefix "fv_".
@*/
PetscErrorCode CfxFVCreate(MPI_Comm comm, CfxFV *fv)
{
  CfxFV f;

  PetscFunctionBegin;
  PetscValidPointer(fv, 2);
  PetscCall(CfxFVInitializePackage());
  PetscCall(PetscNew(&f));
  f->comm      = comm;
  f->N         = 100;
  f->xmin      = 0;
  f->xmax      = 1;
  f->riemann   = CFXFV_RIEMANN_RUSANOV;
  f->recon     = CFXFV_RECONSTRUCTION_MUSCL;
  f->limiter   = CFXFV_LIMITER_MC;
  f->bc        = CFXFV_BC_PERIODIC;
  f->cfl       = 0.5;
  f->dtFixed   = 0;
  f->sspOrder  = 3;
  f->sspStages = 4;
  PetscCall(PetscStrallocpy("fv_", &f->prefix));
  PetscCall(CfxFVSetPhysicalFlux(f, CFXFV_BURGERS));
  *fv = f;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFVDestroy(CfxFV *fv)
{
  PetscFunctionBegin;
  if (!fv || !*fv) PetscFunctionReturn(0);
  PetscCall(TSDestroy(&(*fv)->ts));
  PetscCall(VecDestroy(&(*fv)->U));
  PetscCall(VecDestroy(&(*fv)->Uloc));
  PetscCall(DMDestroy(&(*fv)->da));
  PetscCall(PetscFree((*fv)->work));
  PetscCall(PetscFree((*fv)->prefix));
  PetscCall(PetscFree(*fv));
  PetscFunctionReturn(0);
}

#define CfxFVCheckNotSetUp(fv, what) PetscCheck(!(fv)->setup, (fv)->comm, PETSC_ERR_ORDER, "%s must be called before CfxFVSetUp()", what)

/*@C
  CfxFVSetOptionsPrefix - Prefix of the solver's options (default "fv_", giving -fv_cfl etc.).
  The TS created by CfxFVSetUp() gets the same prefix (-fv_ts_monitor).
@*/
PetscErrorCode CfxFVSetOptionsPrefix(CfxFV fv, const char prefix[])
{
  PetscFunctionBegin;
  PetscCall(PetscFree(fv->prefix));
  PetscCall(PetscStrallocpy(prefix, &fv->prefix));
  PetscFunctionReturn(0);
}

/*@C
  CfxFVSetGrid - N cells on [xmin, xmax].
@*/
PetscErrorCode CfxFVSetGrid(CfxFV fv, PetscInt N, PetscReal xmin, PetscReal xmax)
{
  PetscFunctionBegin;
  CfxFVCheckNotSetUp(fv, "CfxFVSetGrid()");
  PetscCheck(N >= 1, fv->comm, PETSC_ERR_ARG_OUTOFRANGE, "Number of cells must be positive, found %" PetscInt_FMT, N);
  PetscCheck(xmax > xmin, fv->comm, PETSC_ERR_ARG_OUTOFRANGE, "Domain [%g, %g] is empty: need xmax > xmin", (double)xmin, (double)xmax);
  fv->N    = N;
  fv->xmin = xmin;
  fv->xmax = xmax;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFVGetGrid(CfxFV fv, PetscInt *N, PetscReal *xmin, PetscReal *xmax)
{
  PetscFunctionBegin;
  if (N) *N = fv->N;
  if (xmin) *xmin = fv->xmin;
  if (xmax) *xmax = fv->xmax;
  PetscFunctionReturn(0);
}

/*@C
  CfxFVSetPhysicalFlux - Chooses the law by name (CFXFV_BURGERS, ...) and resets its parameters
  to their defaults. An unknown name is an error listing the valid ones.
@*/
PetscErrorCode CfxFVSetPhysicalFlux(CfxFV fv, const char name[])
{
  const CfxFVPhysics *phys;

  PetscFunctionBegin;
  CfxFVCheckNotSetUp(fv, "CfxFVSetPhysicalFlux()");
  PetscCall(CfxFVPhysicsFind(name, &phys));
  fv->phys = phys;
  for (PetscInt i = 0; i < CFXFV_MAX_PARAMS; i++) fv->prm[i] = i < phys->nparams ? phys->paramDefaults[i] : 0;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFVGetPhysicalFlux(CfxFV fv, const char **name)
{
  PetscFunctionBegin;
  *name = fv->phys->name;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFVGetNumComponents(CfxFV fv, PetscInt *nc)
{
  PetscFunctionBegin;
  *nc = fv->phys->ncomp;
  PetscFunctionReturn(0);
}

static PetscErrorCode FindParameter(CfxFV fv, const char name[], PetscInt *idx)
{
  char valid[64] = "";

  PetscFunctionBegin;
  for (PetscInt i = 0; i < fv->phys->nparams; i++) {
    PetscBool match;
    PetscCall(PetscStrcmp(name, fv->phys->paramNames[i], &match));
    if (match) {
      *idx = i;
      PetscFunctionReturn(0);
    }
    if (i) PetscCall(PetscStrlcat(valid, ", ", sizeof(valid)));
    PetscCall(PetscStrlcat(valid, fv->phys->paramNames[i], sizeof(valid)));
  }
  SETERRQ(fv->comm, PETSC_ERR_ARG_WRONG, "Flux %s has no parameter \"%s\"; its parameters: %s", fv->phys->name, name, fv->phys->nparams ? valid : "(none)");
}

/*@C
  CfxFVSetFluxParameter - Sets a parameter of the current physical flux by name: "c" of
  advection; "a", "b", "c" of cubic; "a", "b" of sine; "M" of buckley_leverett; "g" of
  shallow_water.
@*/
PetscErrorCode CfxFVSetFluxParameter(CfxFV fv, const char name[], PetscReal value)
{
  PetscInt i;

  PetscFunctionBegin;
  PetscCall(FindParameter(fv, name, &i));
  PetscCheck(PetscIsNormalReal(value) || value == 0, fv->comm, PETSC_ERR_ARG_OUTOFRANGE, "Flux parameter %s must be finite, found %g", name, (double)value);
  if (!strcmp(fv->phys->name, CFXFV_SHALLOW_WATER) || !strcmp(fv->phys->name, CFXFV_BUCKLEY_LEVERETT))
    PetscCheck(value > 0, fv->comm, PETSC_ERR_ARG_OUTOFRANGE, "Flux parameter %s of %s must be positive, found %g", name, fv->phys->name, (double)value);
  fv->prm[i] = value;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFVGetFluxParameter(CfxFV fv, const char name[], PetscReal *value)
{
  PetscInt i;

  PetscFunctionBegin;
  PetscCall(FindParameter(fv, name, &i));
  *value = fv->prm[i];
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFVSetRiemannType(CfxFV fv, CfxFVRiemannType t)
{
  PetscFunctionBegin;
  CfxFVCheckNotSetUp(fv, "CfxFVSetRiemannType()");
  fv->riemann = t;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFVSetReconstructionType(CfxFV fv, CfxFVReconstructionType t)
{
  PetscFunctionBegin;
  CfxFVCheckNotSetUp(fv, "CfxFVSetReconstructionType()");
  fv->recon = t;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFVSetLimiterType(CfxFV fv, CfxFVLimiterType t)
{
  PetscFunctionBegin;
  fv->limiter = t;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFVSetBCType(CfxFV fv, CfxFVBCType t)
{
  PetscFunctionBegin;
  CfxFVCheckNotSetUp(fv, "CfxFVSetBCType()");
  fv->bc = t;
  PetscFunctionReturn(0);
}

/*@C
  CfxFVSetCFL - Courant number: each step takes dt = cfl / (a/dx + 2 nu/dx^2), a the largest
  wave speed of the current state. A value above the scheme's stability limit
  (CfxFVGetStabilityLimit()) is accepted with a warning.
@*/
PetscErrorCode CfxFVSetCFL(CfxFV fv, PetscReal cfl)
{
  PetscFunctionBegin;
  PetscCheck(cfl > 0 && PetscIsNormalReal(cfl), fv->comm, PETSC_ERR_ARG_OUTOFRANGE, "CFL number must be positive and finite, found %g", (double)cfl);
  fv->cfl = cfl;
  PetscFunctionReturn(0);
}

/*@C
  CfxFVSetTimeStep - A fixed time step instead of the CFL rule (0 returns to the CFL rule).
@*/
PetscErrorCode CfxFVSetTimeStep(CfxFV fv, PetscReal dt)
{
  PetscFunctionBegin;
  PetscCheck(dt >= 0 && (dt == 0 || PetscIsNormalReal(dt)), fv->comm, PETSC_ERR_ARG_OUTOFRANGE, "Fixed time step must be positive (or 0 for the CFL rule), found %g", (double)dt);
  fv->dtFixed = dt;
  PetscFunctionReturn(0);
}

/*@C
  CfxFVSetSSP - Order (2 or 3) and number of stages of the SSP Runge-Kutta method (TSSSPRKS2
  with s >= 2 stages, or TSSSPRKS3 with s = n^2 >= 4 stages).
@*/
PetscErrorCode CfxFVSetSSP(CfxFV fv, PetscInt order, PetscInt stages)
{
  PetscInt n = (PetscInt)(PetscSqrtReal((PetscReal)stages) + 0.5);

  PetscFunctionBegin;
  PetscCheck(order >= 1 && order <= 3, fv->comm, PETSC_ERR_ARG_OUTOFRANGE, "SSP order must be 1 (forward Euler), 2 or 3, found %" PetscInt_FMT, order);
  PetscCheck(order != 1 || stages == 1, fv->comm, PETSC_ERR_ARG_OUTOFRANGE, "Forward Euler (order 1) has 1 stage, found %" PetscInt_FMT, stages);
  PetscCheck(order != 2 || stages >= 2, fv->comm, PETSC_ERR_ARG_OUTOFRANGE, "SSP-RK2 needs at least 2 stages, found %" PetscInt_FMT, stages);
  PetscCheck(order != 3 || (stages >= 4 && n * n == stages), fv->comm, PETSC_ERR_ARG_OUTOFRANGE, "SSP-RK3 (TSSSPRKS3) needs a square number of stages >= 4 (4, 9, 16, ...), found %" PetscInt_FMT,
             stages);
  fv->sspOrder  = order;
  fv->sspStages = stages;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFVSetViscosity(CfxFV fv, PetscReal nu)
{
  PetscFunctionBegin;
  CfxFVCheckNotSetUp(fv, "CfxFVSetViscosity()");
  PetscCheck(nu >= 0 && !PetscIsInfOrNanReal(nu), fv->comm, PETSC_ERR_ARG_OUTOFRANGE, "Viscosity must be non-negative and finite, found %g", (double)nu);
  fv->nu = nu;
  PetscFunctionReturn(0);
}

/*@C
  CfxFVSetFaceFlux - Replaces reconstruction + Riemann solver by a user face flux that reads p
  cells left and q cells right of each face (see CfxFVFaceFluxFn in cfxfv.h for the exact
  memory layout). fn = NULL returns to the built-in scheme. The DMDA stencil width grows to
  max(p, q - 1) so every rank has the cells its faces need.
@*/
PetscErrorCode CfxFVSetFaceFlux(CfxFV fv, CfxFVFaceFluxFn fn, void *ctx, PetscInt p, PetscInt q)
{
  PetscFunctionBegin;
  CfxFVCheckNotSetUp(fv, "CfxFVSetFaceFlux()");
  if (fn)
    PetscCheck(p >= 1 && q >= 1, fv->comm, PETSC_ERR_ARG_OUTOFRANGE, "Face-flux stencil needs p >= 1 and q >= 1 cells each side of a face, found p = %" PetscInt_FMT ", q = %" PetscInt_FMT, p, q);
  fv->userFlux    = fn;
  fv->userFluxCtx = ctx;
  fv->p           = fn ? p : 0;
  fv->q           = fn ? q : 0;
  PetscFunctionReturn(0);
}

/*@C
  CfxFVGetStabilityLimit - Largest Courant number for which the scheme is strong-stability
  preserving: the SSP coefficient of the time integrator (s - 1 for SSP-RK2 with s stages,
  s - sqrt(s) for SSP-RK3) times the forward-Euler limit of the spatial scheme (1 for first
  order and for a user flux, 1/2 for MUSCL and, as a practical bound, for WENO5).
@*/
PetscErrorCode CfxFVGetStabilityLimit(CfxFV fv, PetscReal *limit)
{
  PetscReal cssp = fv->sspOrder == 1 ? 1 : fv->sspOrder == 2 ? fv->sspStages - 1 : fv->sspStages - PetscSqrtReal((PetscReal)fv->sspStages);
  PetscReal nufe = (fv->userFlux || fv->recon == CFXFV_RECONSTRUCTION_NONE) ? 1.0 : 0.5;

  PetscFunctionBegin;
  *limit = cssp * nufe;
  PetscFunctionReturn(0);
}

/* An unknown value of an enumerated option is an error naming every valid value (PETSc's own
   message does not list them). Checked before PetscOptionsBegin(), since an error inside the
   options block would leak the block's state. */
static PetscErrorCode ValidateEList(CfxFV fv, const char opt[], const char *const list[], PetscInt n)
{
  char buf[256], valid[256] = "";
  PetscBool given, found    = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, fv->prefix, opt, buf, sizeof(buf), &given));
  if (!given) PetscFunctionReturn(0);
  for (PetscInt i = 0; i < n; i++) {
    PetscBool match;
    PetscCall(PetscStrcasecmp(buf, list[i], &match));
    found = (PetscBool)(found || match);
    if (i) PetscCall(PetscStrlcat(valid, ", ", sizeof(valid)));
    PetscCall(PetscStrlcat(valid, list[i], sizeof(valid)));
  }
  PetscCheck(found, fv->comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "Unknown value \"%s\" for -%s%s; valid values: %s", buf, fv->prefix ? fv->prefix : "", opt + 1, valid);
  PetscFunctionReturn(0);
}

/*@C
  CfxFVSetFromOptions - Reads -fv_n, -fv_xmin, -fv_xmax, -fv_flux, -fv_flux_<parameter>,
  -fv_riemann, -fv_reconstruction, -fv_limiter, -fv_bc, -fv_nu, -fv_cfl, -fv_dt,
  -fv_ssp_order, -fv_ssp_stages, -fv_monitor (with the object's prefix). Values are read
  first and applied through the setters afterwards, so bad values give the setters' errors.
@*/
PetscErrorCode CfxFVSetFromOptions(CfxFV fv)
{
  const PetscInt nflux = PETSC_STATIC_ARRAY_LENGTH(CfxFVFluxNames);
  PetscInt iflux = 0, riemann = fv->riemann, recon = fv->recon, limiter = fv->limiter, bc = fv->bc, N = fv->N, order = fv->sspOrder, stages = fv->sspStages;
  PetscReal xmin = fv->xmin, xmax = fv->xmax, nu = fv->nu, cfl = fv->cfl, dt = fv->dtFixed, prm[CFXFV_MAX_PARAMS];
  PetscBool setFlux, setPrm[CFXFV_MAX_PARAMS] = {PETSC_FALSE}, setOrder, setNu, monitor = fv->monitor;
  const CfxFVPhysics *phys = fv->phys;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < nflux; i++)
    if (!strcmp(CfxFVFluxNames[i], fv->phys->name)) iflux = i;
  PetscCall(ValidateEList(fv, "-flux", CfxFVFluxNames, nflux));
  PetscCall(ValidateEList(fv, "-riemann", CfxFVRiemannTypes, 4));
  PetscCall(ValidateEList(fv, "-reconstruction", CfxFVReconstructionTypes, 3));
  PetscCall(ValidateEList(fv, "-limiter", CfxFVLimiterTypes, 3));
  PetscCall(ValidateEList(fv, "-bc", CfxFVBCTypes, 2));
  PetscOptionsBegin(fv->comm, fv->prefix, "Finite-volume solver (CfxFV) options", "CfxFV");
  PetscCall(PetscOptionsInt("-n", "Number of cells", "CfxFVSetGrid", N, &N, NULL));
  PetscCall(PetscOptionsReal("-xmin", "Left end of the domain", "CfxFVSetGrid", xmin, &xmin, NULL));
  PetscCall(PetscOptionsReal("-xmax", "Right end of the domain", "CfxFVSetGrid", xmax, &xmax, NULL));
  PetscCall(PetscOptionsEList("-flux", "Physical flux f(u)", "CfxFVSetPhysicalFlux", CfxFVFluxNames, nflux, CfxFVFluxNames[iflux], &iflux, &setFlux));
  if (setFlux) PetscCall(CfxFVPhysicsFind(CfxFVFluxNames[iflux], &phys)); /* validated above */
  for (PetscInt i = 0; i < phys->nparams; i++) {
    char opt[64], text[128];
    prm[i] = phys == fv->phys ? fv->prm[i] : phys->paramDefaults[i];
    PetscCall(PetscSNPrintf(opt, sizeof(opt), "-flux_%s", phys->paramNames[i]));
    PetscCall(PetscSNPrintf(text, sizeof(text), "Parameter %s of the %s flux %s", phys->paramNames[i], phys->name, phys->formula));
    PetscCall(PetscOptionsReal(opt, text, "CfxFVSetFluxParameter", prm[i], &prm[i], &setPrm[i]));
  }
  PetscCall(PetscOptionsEList("-riemann", "Numerical flux", "CfxFVSetRiemannType", CfxFVRiemannTypes, 4, CfxFVRiemannTypes[riemann], &riemann, NULL));
  PetscCall(PetscOptionsEList("-reconstruction", "Reconstruction of face values", "CfxFVSetReconstructionType", CfxFVReconstructionTypes, 3, CfxFVReconstructionTypes[recon], &recon, NULL));
  PetscCall(PetscOptionsEList("-limiter", "MUSCL slope limiter", "CfxFVSetLimiterType", CfxFVLimiterTypes, 3, CfxFVLimiterTypes[limiter], &limiter, NULL));
  PetscCall(PetscOptionsEList("-bc", "Boundary condition", "CfxFVSetBCType", CfxFVBCTypes, 2, CfxFVBCTypes[bc], &bc, NULL));
  PetscCall(PetscOptionsReal("-nu", "Viscosity nu of the term nu u_xx", "CfxFVSetViscosity", nu, &nu, &setNu));
  PetscCall(PetscOptionsReal("-cfl", "Courant number dt (a/dx + 2 nu/dx^2)", "CfxFVSetCFL", cfl, &cfl, NULL));
  PetscCall(PetscOptionsReal("-dt", "Fixed time step (0: from -fv_cfl)", "CfxFVSetTimeStep", dt, &dt, NULL));
  PetscCall(PetscOptionsInt("-ssp_order", "Order of the SSP Runge-Kutta method (2 or 3)", "CfxFVSetSSP", order, &order, &setOrder));
  if (setOrder && order == 2 && stages == 4) stages = 2; /* the RK3 default stage count is not the natural RK2 one */
  PetscCall(PetscOptionsInt("-ssp_stages", "Stages of the SSP method (RK2: >= 2; RK3: 4, 9, 16, ...)", "CfxFVSetSSP", stages, &stages, NULL));
  PetscCall(PetscOptionsBool("-monitor", "One line per output time: t, steps, dt, mass, min/max", "CfxFVSolve", monitor, &monitor, NULL));
  PetscOptionsEnd();

  if (N != fv->N || xmin != fv->xmin || xmax != fv->xmax) PetscCall(CfxFVSetGrid(fv, N, xmin, xmax));
  if (setFlux && phys != fv->phys) PetscCall(CfxFVSetPhysicalFlux(fv, phys->name));
  for (PetscInt i = 0; i < phys->nparams; i++)
    if (setPrm[i]) PetscCall(CfxFVSetFluxParameter(fv, phys->paramNames[i], prm[i]));
  if (riemann != (PetscInt)fv->riemann) PetscCall(CfxFVSetRiemannType(fv, (CfxFVRiemannType)riemann));
  if (recon != (PetscInt)fv->recon) PetscCall(CfxFVSetReconstructionType(fv, (CfxFVReconstructionType)recon));
  if (bc != (PetscInt)fv->bc) PetscCall(CfxFVSetBCType(fv, (CfxFVBCType)bc));
  PetscCall(CfxFVSetLimiterType(fv, (CfxFVLimiterType)limiter));
  if (setNu) PetscCall(CfxFVSetViscosity(fv, nu));
  PetscCall(CfxFVSetCFL(fv, cfl));
  PetscCall(CfxFVSetTimeStep(fv, dt));
  PetscCall(CfxFVSetSSP(fv, order, stages));
  fv->monitor = monitor;
  PetscCall(CfxFVSetFluxModelFromOptions(fv, fv->prefix, fv->comm)); /* -fv_flux_model: a trained Flux NO as the face flux */
  PetscFunctionReturn(0);
}

/*@C
  CfxFVSetUp - Creates the DMDA (stencil width from the face-flux stencil), the solution Vec
  and the TS (TSSSP). Called by CfxFVSolve() and CfxFVGetSolution() if needed.
@*/
PetscErrorCode CfxFVSetUp(CfxFV fv)
{
  const PetscInt nc = fv->phys->ncomp;
  PetscInt xm, r;
  TSAdapt adapt;

  PetscFunctionBegin;
  if (fv->setup) PetscFunctionReturn(0);
  fv->dx = (fv->xmax - fv->xmin) / fv->N;
  if (!fv->userFlux) {
    PetscCall(CfxFVRiemannGet(fv->phys, fv->riemann, &fv->riemannFn));
    PetscCall(CfxFVRiemannBatchGet(fv->phys, fv->riemann, &fv->riemannBatch));
    r     = CfxFVReconstructionRadius(fv->recon);
    fv->p = fv->q = r + 1;
  }
  fv->sw = PetscMax(1, PetscMax(fv->p, fv->q - 1));
  PetscCall(DMDACreate1d(fv->comm, fv->bc == CFXFV_BC_PERIODIC ? DM_BOUNDARY_PERIODIC : DM_BOUNDARY_GHOSTED, fv->N, nc, fv->sw, NULL, &fv->da));
  PetscCall(DMSetUp(fv->da));
  PetscCall(DMDASetUniformCoordinates(fv->da, fv->xmin + 0.5 * fv->dx, fv->xmax - 0.5 * fv->dx, 0, 0, 0, 0));
  PetscCall(DMDAGetCorners(fv->da, NULL, NULL, NULL, &xm, NULL, NULL));
  PetscCheck(xm >= fv->sw, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "Each rank needs at least %" PetscInt_FMT " cells (the stencil width), this one has %" PetscInt_FMT ": use more cells or fewer ranks",
             fv->sw, xm);
  PetscCall(DMCreateGlobalVector(fv->da, &fv->U));
  PetscCall(DMCreateLocalVector(fv->da, &fv->Uloc));
  PetscCall(PetscObjectSetName((PetscObject)fv->U, "u"));
  fv->nwork = 3 * (xm + 2) * nc;
  PetscCall(PetscMalloc1(fv->nwork, &fv->work));

  PetscCall(TSCreate(fv->comm, &fv->ts));
  PetscCall(TSSetOptionsPrefix(fv->ts, fv->prefix));
  PetscCall(TSSetProblemType(fv->ts, TS_NONLINEAR));
  if (fv->sspOrder == 1)
    PetscCall(TSSetType(fv->ts, TSEULER)); /* the scheme of a learned flux trained with Euler steps */
  else {
    PetscCall(TSSetType(fv->ts, TSSSP));
    PetscCall(TSSSPSetType(fv->ts, fv->sspOrder == 2 ? TSSSPRKS2 : TSSSPRKS3));
    PetscCall(TSSSPSetNumStages(fv->ts, fv->sspStages));
  }
  PetscCall(TSSetRHSFunction(fv->ts, NULL, CfxFVRHSFunction, fv));
  PetscCall(TSSetSolution(fv->ts, fv->U));
  PetscCall(TSSetExactFinalTime(fv->ts, TS_EXACTFINALTIME_MATCHSTEP));
  PetscCall(TSSetMaxSteps(fv->ts, PETSC_MAX_INT - 1)); /* TSStep() insists on a limit; CfxFVStep() controls the end */
  PetscCall(TSGetAdapt(fv->ts, &adapt));
  PetscCall(TSAdaptSetType(adapt, TSADAPTNONE)); /* CfxFVSolve chooses every step */
  PetscCall(TSSetTime(fv->ts, fv->t));
  PetscCall(TSSetFromOptions(fv->ts)); /* -fv_ts_monitor etc.; the SSP settings above are its defaults */
  fv->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFVView(CfxFV fv, PetscViewer viewer)
{
  PetscBool iascii;
  PetscReal limit;

  PetscFunctionBegin;
  if (!viewer) PetscCall(PetscViewerASCIIGetStdout(fv->comm, &viewer));
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &iascii));
  if (!iascii) PetscFunctionReturn(0);
  PetscCall(CfxFVGetStabilityLimit(fv, &limit));
  PetscCall(PetscViewerASCIIPrintf(viewer, "CfxFV: finite volumes for u_t + f(u)_x = nu u_xx\n"));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  PetscCall(PetscViewerASCIIPrintf(viewer, "grid: %" PetscInt_FMT " cells on [%g, %g], dx = %g, boundary %s\n", fv->N, (double)fv->xmin, (double)fv->xmax, (double)((fv->xmax - fv->xmin) / fv->N),
                                   CfxFVBCTypes[fv->bc]));
  {
    char params[128] = "", one[48];
    for (PetscInt i = 0; i < fv->phys->nparams; i++) {
      PetscCall(PetscSNPrintf(one, sizeof(one), ", %s = %g", fv->phys->paramNames[i], (double)fv->prm[i]));
      PetscCall(PetscStrlcat(params, one, sizeof(params)));
    }
    PetscCall(PetscViewerASCIIPrintf(viewer, "flux: %s, f = %s%s; nu = %g\n", fv->phys->name, fv->phys->formula, params, (double)fv->nu));
  }
  if (fv->userFlux)
    PetscCall(PetscViewerASCIIPrintf(viewer, "numerical flux: user face flux, stencil p = %" PetscInt_FMT ", q = %" PetscInt_FMT "\n", fv->p, fv->q));
  else if (fv->recon == CFXFV_RECONSTRUCTION_MUSCL)
    PetscCall(PetscViewerASCIIPrintf(viewer, "numerical flux: %s, reconstruction muscl (limiter %s)\n", CfxFVRiemannTypes[fv->riemann], CfxFVLimiterTypes[fv->limiter]));
  else
    PetscCall(PetscViewerASCIIPrintf(viewer, "numerical flux: %s, reconstruction %s\n", CfxFVRiemannTypes[fv->riemann], CfxFVReconstructionTypes[fv->recon]));
  if (fv->dtFixed > 0)
    PetscCall(PetscViewerASCIIPrintf(viewer, "time: TSSSP %s with %" PetscInt_FMT " stages, fixed dt = %g (stability limit: Courant %g)\n",
                                     fv->sspOrder == 1   ? TSEULER
                                     : fv->sspOrder == 2 ? TSSSPRKS2
                                                         : TSSSPRKS3,
                                     fv->sspStages, (double)fv->dtFixed, (double)limit));
  else
    PetscCall(PetscViewerASCIIPrintf(viewer, "time: TSSSP %s with %" PetscInt_FMT " stages, CFL %g (stability limit %g)\n",
                                     fv->sspOrder == 1   ? TSEULER
                                     : fv->sspOrder == 2 ? TSSSPRKS2
                                                         : TSSSPRKS3,
                                     fv->sspStages, (double)fv->cfl, (double)limit));
  if (fv->setup) PetscCall(PetscViewerASCIIPrintf(viewer, "DMDA stencil width %" PetscInt_FMT ", t = %g after %" PetscInt_FMT " steps\n", fv->sw, (double)fv->t, fv->steps));
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFVGetDM(CfxFV fv, DM *da)
{
  PetscFunctionBegin;
  PetscCall(CfxFVSetUp(fv));
  *da = fv->da;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFVGetTS(CfxFV fv, TS *ts)
{
  PetscFunctionBegin;
  PetscCall(CfxFVSetUp(fv));
  *ts = fv->ts;
  PetscFunctionReturn(0);
}

/*@C
  CfxFVGetSolution - The solution Vec (owned by the solver; cell averages, components
  interleaved). Write the initial state into it or use CfxFVSetInitialCondition().
@*/
PetscErrorCode CfxFVGetSolution(CfxFV fv, Vec *U)
{
  PetscFunctionBegin;
  PetscCall(CfxFVSetUp(fv));
  *U = fv->U;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFVGetTime(CfxFV fv, PetscReal *t)
{
  PetscFunctionBegin;
  *t = fv->t;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFVSetTime(CfxFV fv, PetscReal t)
{
  PetscFunctionBegin;
  fv->t = t;
  if (fv->ts) PetscCall(TSSetTime(fv->ts, t));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFVGetStepCount(CfxFV fv, PetscInt *steps)
{
  PetscFunctionBegin;
  *steps = fv->steps;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFVEvaluatePhysicalFlux(CfxFV fv, const PetscReal u[], PetscReal f[])
{
  PetscFunctionBegin;
  fv->phys->flux(fv->prm, u, f);
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFVEvaluateNumericalFlux(CfxFV fv, const PetscReal uL[], const PetscReal uR[], PetscReal F[])
{
  CfxFVRiemannFn fn;

  PetscFunctionBegin;
  PetscCall(CfxFVRiemannGet(fv->phys, fv->riemann, &fn));
  fn(fv->phys, fv->prm, uL, uR, F);
  PetscFunctionReturn(0);
}
