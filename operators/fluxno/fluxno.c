/* CfxFluxNO object: creation, setters, options, set-up (network construction) and viewing. */
#include "fluxnoimpl.h"

const char *const CfxFluxNONetTypes[]  = {"fno", "mlp", "CfxFluxNONetType", "CFXFLUXNO_NET_", NULL};
const char *const CfxFluxNOTimeTypes[] = {"euler", "rk2", "CfxFluxNOTimeType", "CFXFLUXNO_TIME_", NULL};

PetscLogEvent CFXFLUXNO_Step, CFXFLUXNO_Loss, CFXFLUXNO_IO, CFXFLUXNO_FVFlux;
static PetscBool CfxFluxNOPackageInitialized = PETSC_FALSE;

static PetscErrorCode CfxFluxNOFinalizePackage(void)
{
  PetscFunctionBegin;
  CfxFluxNOPackageInitialized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Registers the log events CfxFluxNOStep, CfxFluxNOLoss, CfxFluxNOIO, CfxFluxNOFVFlux. */
PetscErrorCode CfxFluxNOInitializePackage(void)
{
  PetscFunctionBegin;
  if (CfxFluxNOPackageInitialized) PetscFunctionReturn(0);
  CfxFluxNOPackageInitialized = PETSC_TRUE;
  PetscCall(CfxInitializePackage());
  PetscCall(PetscLogEventRegister("CfxFluxNOStep", CFX_CLASSID, &CFXFLUXNO_Step));
  PetscCall(PetscLogEventRegister("CfxFluxNOLoss", CFX_CLASSID, &CFXFLUXNO_Loss));
  PetscCall(PetscLogEventRegister("CfxFluxNOIO", CFX_CLASSID, &CFXFLUXNO_IO));
  PetscCall(PetscLogEventRegister("CfxFluxNOFVFlux", CFX_CLASSID, &CFXFLUXNO_FVFlux));
  PetscCall(PetscRegisterFinalize(CfxFluxNOFinalizePackage));
  PetscFunctionReturn(0);
}

/* ---- physical fluxes of the consistency loss (the scalar laws of CfxFV, same defaults) */
static const char *const FluxNames[] = {"none", "advection", "burgers", "cubic", "sine", "buckley_leverett"};
static const PetscInt FluxNParams[]  = {0, 1, 0, 3, 2, 1};

PetscErrorCode CfxFluxNOCheckFluxName(MPI_Comm comm, const char name[], PetscInt nprm)
{
  PetscFunctionBegin;
  for (size_t i = 0; i < sizeof(FluxNames) / sizeof(FluxNames[0]); i++) {
    if (!strcmp(name, FluxNames[i])) {
      PetscCheck(nprm <= FluxNParams[i], comm, PETSC_ERR_ARG_SIZ, "physical flux %s takes at most %" PetscInt_FMT " parameters, found %" PetscInt_FMT, name, FluxNParams[i], nprm);
      PetscFunctionReturn(0);
    }
  }
  SETERRQ(comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "unknown physical flux \"%s\" for the consistency loss; valid: none, advection, burgers, cubic, sine, buckley_leverett", name);
}

/* f(u) at n points with parameters prm; missing ones take CfxFV's defaults: advection c = 1,
   cubic (a, b, c) = (1, 0, 0), sine (a, b) = (1, 1), Buckley-Leverett M = 0.5. */
void CfxFluxNOPhysicalFlux(const char name[], const PetscReal prm[], PetscInt nprm, PetscInt n, const PetscReal u[], PetscReal f[])
{
#define PRM(i, d) ((i) < nprm ? prm[i] : (d))
  if (!strcmp(name, "advection")) {
    for (PetscInt i = 0; i < n; i++) f[i] = PRM(0, 1.0) * u[i];
  } else if (!strcmp(name, "burgers")) {
    for (PetscInt i = 0; i < n; i++) f[i] = 0.5 * u[i] * u[i];
  } else if (!strcmp(name, "cubic")) {
    for (PetscInt i = 0; i < n; i++) f[i] = ((PRM(0, 1.0) * u[i] + PRM(1, 0.0)) * u[i] + PRM(2, 0.0)) * u[i];
  } else if (!strcmp(name, "sine")) {
    for (PetscInt i = 0; i < n; i++) f[i] = PRM(0, 1.0) * PetscSinReal(PRM(1, 1.0) * u[i]);
  } else if (!strcmp(name, "buckley_leverett")) {
    for (PetscInt i = 0; i < n; i++) f[i] = u[i] * u[i] / (u[i] * u[i] + PRM(0, 0.5) * (1 - u[i]) * (1 - u[i]));
  } else {
    for (PetscInt i = 0; i < n; i++) f[i] = 0;
  }
#undef PRM
}

PetscErrorCode CfxFluxNOCreate(MPI_Comm comm, CfxFluxNO *model)
{
  CfxFluxNO m;

  PetscFunctionBegin;
  PetscValidPointer(model, 2);
  PetscCall(CfxFluxNOInitializePackage());
  PetscCall(PetscNew(&m));
  m->comm   = comm;
  m->p      = 1;
  m->q      = 2;
  m->net    = CFXFLUXNO_NET_FNO;
  m->width  = -1;
  m->layers = -1;
  m->modes  = -1;
  m->pwidth = -1;
  m->time   = CFXFLUXNO_TIME_EULER;
  m->ratio  = 0;
  m->lambda = 0.01;
  m->seed   = 0;
  PetscCall(PetscStrncpy(m->type, CFXFLUXNO_FLUX, sizeof(m->type)));
  PetscCall(PetscStrncpy(m->flux, "none", sizeof(m->flux)));
  PetscCall(PetscStrallocpy("fluxno_", &m->prefix));
  *model = m;
  PetscFunctionReturn(0);
}

#define CheckNotSetUp(m, what) PetscCheck(!(m)->setup, (m)->comm, PETSC_ERR_ORDER, "%s must be called before CfxFluxNOSetUp()", what)

PetscErrorCode CfxFluxNOSetType(CfxFluxNO m, CfxFluxNOType type)
{
  PetscFunctionBegin;
  CheckNotSetUp(m, "CfxFluxNOSetType()");
  PetscCheck(!strcmp(type, CFXFLUXNO_FLUX) || !strcmp(type, CFXFLUXNO_FNO1D), m->comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "unknown model type \"%s\"; valid: fluxno, fno", type);
  PetscCall(PetscStrncpy(m->type, type, sizeof(m->type)));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFluxNOGetType(CfxFluxNO m, CfxFluxNOType *type)
{
  PetscFunctionBegin;
  *type = m->type;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFluxNOSetStencil(CfxFluxNO m, PetscInt p, PetscInt q)
{
  PetscFunctionBegin;
  CheckNotSetUp(m, "CfxFluxNOSetStencil()");
  PetscCheck(p >= 0 && q >= 1, m->comm, PETSC_ERR_ARG_OUTOFRANGE, "Flux NO stencil needs p >= 0 and q >= 1 (face j+1/2 reads U_{j-p} .. U_{j+q}), found p = %" PetscInt_FMT ", q = %" PetscInt_FMT, p,
             q);
  m->p = p;
  m->q = q;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFluxNOGetStencil(CfxFluxNO m, PetscInt *p, PetscInt *q)
{
  PetscFunctionBegin;
  if (p) *p = m->p;
  if (q) *q = m->q;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFluxNOSetNetwork(CfxFluxNO m, CfxFluxNONetType net)
{
  PetscFunctionBegin;
  CheckNotSetUp(m, "CfxFluxNOSetNetwork()");
  m->net = net;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFluxNOGetNetwork(CfxFluxNO m, CfxFluxNONetType *net)
{
  PetscFunctionBegin;
  *net = m->net;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFluxNOSetSizes(CfxFluxNO m, PetscInt width, PetscInt layers, PetscInt modes, PetscInt pwidth)
{
  PetscFunctionBegin;
  CheckNotSetUp(m, "CfxFluxNOSetSizes()");
  PetscCheck(layers <= CFXFLUXNO_MAX_LAYERS, m->comm, PETSC_ERR_ARG_OUTOFRANGE, "at most %d layers, found %" PetscInt_FMT, CFXFLUXNO_MAX_LAYERS, layers);
  m->width  = width;
  m->layers = layers;
  m->modes  = modes;
  m->pwidth = pwidth;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFluxNOSetTimeStepping(CfxFluxNO m, CfxFluxNOTimeType t)
{
  PetscFunctionBegin;
  m->time = t;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFluxNOGetTimeStepping(CfxFluxNO m, CfxFluxNOTimeType *t)
{
  PetscFunctionBegin;
  *t = m->time;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFluxNOSetRatio(CfxFluxNO m, PetscReal r)
{
  PetscFunctionBegin;
  PetscCheck(r > 0 && PetscIsNormalReal(r), m->comm, PETSC_ERR_ARG_OUTOFRANGE, "dt/dx must be positive and finite, found %g", (double)r);
  m->ratio = r;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFluxNOGetRatio(CfxFluxNO m, PetscReal *r)
{
  PetscFunctionBegin;
  *r = m->ratio;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFluxNOSetPhysicalFlux(CfxFluxNO m, const char name[], PetscInt nprm, const PetscReal prm[])
{
  PetscFunctionBegin;
  PetscCall(CfxFluxNOCheckFluxName(m->comm, name, nprm));
  PetscCall(PetscStrncpy(m->flux, name, sizeof(m->flux)));
  m->nfprm = nprm;
  for (PetscInt i = 0; i < nprm; i++) m->fprm[i] = prm[i];
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFluxNOGetPhysicalFlux(CfxFluxNO m, const char **name)
{
  PetscFunctionBegin;
  *name = m->flux;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFluxNOSetConsistencyWeight(CfxFluxNO m, PetscReal lambda)
{
  PetscFunctionBegin;
  PetscCheck(lambda >= 0 && !PetscIsInfOrNanReal(lambda), m->comm, PETSC_ERR_ARG_OUTOFRANGE, "consistency weight lambda must be >= 0 and finite, found %g", (double)lambda);
  m->lambda = lambda;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFluxNOGetConsistencyWeight(CfxFluxNO m, PetscReal *lambda)
{
  PetscFunctionBegin;
  *lambda = m->lambda;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFluxNOSetSeed(CfxFluxNO m, uint64_t seed)
{
  PetscFunctionBegin;
  CheckNotSetUp(m, "CfxFluxNOSetSeed()");
  m->seed = seed;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFluxNOSetOptionsPrefix(CfxFluxNO m, const char prefix[])
{
  PetscFunctionBegin;
  PetscCall(PetscFree(m->prefix));
  PetscCall(PetscStrallocpy(prefix, &m->prefix));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFluxNOSetFromOptions(CfxFluxNO m)
{
  char type[16], flux[32];
  PetscInt net = m->net, time = m->time, p = m->p, q = m->q, sizes[4] = {m->width, m->layers, m->modes, m->pwidth}, seed = (PetscInt)m->seed, nprm = 3;
  PetscReal lambda = m->lambda, prm[3];
  PetscBool set, setFlux, setPrm;

  PetscFunctionBegin;
  CheckNotSetUp(m, "CfxFluxNOSetFromOptions()");
  PetscCall(PetscStrncpy(type, m->type, sizeof(type)));
  PetscCall(PetscStrncpy(flux, m->flux, sizeof(flux)));
  PetscOptionsBegin(m->comm, m->prefix, "Flux neural operator / FNO baseline options", "CfxFluxNO");
  PetscCall(PetscOptionsString("-type", "Model: fluxno (learned numerical flux) or fno (one-step FNO baseline)", "CfxFluxNOSetType", type, type, sizeof(type), NULL));
  PetscCall(PetscOptionsInt("-p", "Stencil: cells left of face j+1/2 beyond U_j", "CfxFluxNOSetStencil", p, &p, NULL));
  PetscCall(PetscOptionsInt("-q", "Stencil: cells right of face j+1/2", "CfxFluxNOSetStencil", q, &q, NULL));
  PetscCall(PetscOptionsEList("-net", "Flux network", "CfxFluxNOSetNetwork", CfxFluxNONetTypes, 2, CfxFluxNONetTypes[net], &net, NULL));
  PetscCall(PetscOptionsInt("-width", "Channel width (-1: 64 for fluxno, 32 for fno)", "CfxFluxNOSetSizes", sizes[0], &sizes[0], NULL));
  PetscCall(PetscOptionsInt("-layers", "Fourier layers (MLP: hidden layers) (-1: 1 fluxno, 3 MLP, 3 fno)", "CfxFluxNOSetSizes", sizes[1], &sizes[1], NULL));
  PetscCall(PetscOptionsInt("-modes", "Fourier modes kept (-1: 5 fluxno, 20 fno)", "CfxFluxNOSetSizes", sizes[2], &sizes[2], NULL));
  PetscCall(PetscOptionsInt("-proj_width", "Hidden width of the projection (-1: 128)", "CfxFluxNOSetSizes", sizes[3], &sizes[3], NULL));
  PetscCall(PetscOptionsEList("-time", "Time stepping of the learned scheme", "CfxFluxNOSetTimeStepping", CfxFluxNOTimeTypes, 2, CfxFluxNOTimeTypes[time], &time, NULL));
  PetscCall(PetscOptionsReal("-lambda", "Weight of the consistency loss", "CfxFluxNOSetConsistencyWeight", lambda, &lambda, NULL));
  PetscCall(
      PetscOptionsString("-flux", "Physical flux of the consistency loss (none, advection, burgers, cubic, sine, buckley_leverett)", "CfxFluxNOSetPhysicalFlux", flux, flux, sizeof(flux), &setFlux));
  PetscCall(PetscOptionsRealArray("-flux_params", "Parameters of that flux", "CfxFluxNOSetPhysicalFlux", prm, &nprm, &setPrm));
  PetscCall(PetscOptionsInt("-seed", "Seed of the parameter initialisation", "CfxFluxNOSetSeed", seed, &seed, &set));
  PetscOptionsEnd();
  PetscCall(CfxFluxNOSetType(m, type));
  PetscCall(CfxFluxNOSetStencil(m, p, q));
  m->net = (CfxFluxNONetType)net;
  PetscCall(CfxFluxNOSetSizes(m, sizes[0], sizes[1], sizes[2], sizes[3]));
  m->time = (CfxFluxNOTimeType)time;
  PetscCall(CfxFluxNOSetConsistencyWeight(m, lambda));
  if (setFlux || setPrm) PetscCall(CfxFluxNOSetPhysicalFlux(m, flux, setPrm ? nprm : 0, prm));
  if (set) PetscCall(CfxFluxNOSetSeed(m, (uint64_t)seed));
  PetscFunctionReturn(0);
}

static PetscErrorCode NewModule(CfxFluxNO m, const char name[], CfxModuleType type, CfxModule *mod)
{
  PetscFunctionBegin;
  PetscCall(CfxModuleCreate(m->comm, mod));
  PetscCall(CfxModuleSetType(*mod, type));
  PetscCall(CfxModuleSetName(*mod, name));
  PetscCall(CfxModuleSetSeed(*mod, m->seed));
  PetscFunctionReturn(0);
}

static PetscErrorCode NewPointwise(CfxFluxNO m, const char name[], PetscInt in, PetscInt out, CfxModule *mod)
{
  PetscFunctionBegin;
  PetscCall(NewModule(m, name, CFXCONV1D, mod));
  PetscCall(CfxModuleConv1dSetSizes(*mod, in, out, 1));
  PetscCall(CfxModuleSetUp(*mod));
  PetscCall(CfxModuleAddParameters(*mod, m->ps));
  PetscFunctionReturn(0);
}

/* Builds the networks (parameters initialised from the seed as PyTorch would) and the flat
   parameter set. */
PetscErrorCode CfxFluxNOSetUp(CfxFluxNO m)
{
  const PetscBool isflux = (PetscBool)!strcmp(m->type, CFXFLUXNO_FLUX);
  const PetscInt S       = m->p + m->q + 1;

  PetscFunctionBegin;
  if (m->setup) PetscFunctionReturn(0);
  if (m->width < 0) m->width = isflux ? 64 : 32;
  if (m->layers < 0) m->layers = isflux ? (m->net == CFXFLUXNO_NET_FNO ? 1 : 3) : 3;
  if (m->modes < 0) m->modes = isflux ? 5 : 20;
  if (m->pwidth < 0) m->pwidth = 128;
  PetscCheck(m->width >= 1 && m->layers >= 1 && m->layers <= CFXFLUXNO_MAX_LAYERS && m->modes >= 1 && m->pwidth >= 1, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "model sizes out of range: width %" PetscInt_FMT ", layers %" PetscInt_FMT " (1..%d), modes %" PetscInt_FMT ", projection width %" PetscInt_FMT " must be >= 1", m->width, m->layers,
             CFXFLUXNO_MAX_LAYERS, m->modes, m->pwidth);
  PetscCheck(m->lambda == 0 || !isflux || strcmp(m->flux, "none"), m->comm, PETSC_ERR_ARG_WRONGSTATE,
             "the consistency loss (lambda = %g) needs a physical flux: set -fluxno_flux (e.g. burgers) or -fluxno_lambda 0", (double)m->lambda);
  PetscCall(CfxParamSetCreate(m->comm, &m->ps));
  if (!isflux) {
    PetscCall(NewModule(m, "fno", CFXFNO1D, &m->fno));
    PetscCall(CfxModuleFNO1dSetSizes(m->fno, 1, 1, m->width, m->layers, m->modes));
    PetscCall(CfxModuleFNO1dSetProjectionWidth(m->fno, m->pwidth));
    PetscCall(CfxModuleFNO1dSetGrid(m->fno, PETSC_TRUE));
    PetscCall(CfxModuleSetUp(m->fno));
    PetscCall(CfxModuleAddParameters(m->fno, m->ps));
  } else if (m->net == CFXFLUXNO_NET_MLP) {
    PetscCall(NewModule(m, "flux", CFXMLP, &m->mlp));
    PetscCall(CfxModuleMLPSetSizes(m->mlp, S, m->width, m->layers, 1));
    PetscCall(CfxModuleMLPSetActivation(m->mlp, CFX_ACT_GELU));
    PetscCall(CfxModuleSetUp(m->mlp));
    PetscCall(CfxModuleAddParameters(m->mlp, m->ps));
  } else {
    char name[64];
    PetscCall(NewPointwise(m, "flux.lift", S, m->width, &m->lift));
    for (PetscInt l = 0; l < m->layers; l++) {
      PetscCall(PetscSNPrintf(name, sizeof(name), "flux.fourier%" PetscInt_FMT, l));
      PetscCall(NewModule(m, name, CFXSPECTRALCONV1D, &m->fourier[l]));
      PetscCall(CfxModuleSpectralConv1dSetSizes(m->fourier[l], m->width, m->width, m->modes));
      PetscCall(CfxModuleSetUp(m->fourier[l]));
      PetscCall(CfxModuleAddParameters(m->fourier[l], m->ps));
      PetscCall(PetscSNPrintf(name, sizeof(name), "flux.pointwise%" PetscInt_FMT, l));
      PetscCall(NewPointwise(m, name, m->width, m->width, &m->pointwise[l]));
    }
    PetscCall(NewPointwise(m, "flux.proj0", m->width, m->pwidth, &m->proj0));
    PetscCall(NewPointwise(m, "flux.proj1", m->pwidth, 1, &m->proj1));
    PetscCall(CfxModuleGetParameter(m->proj0, 0, NULL, 0, &m->proj0W));
    PetscCall(CfxModuleGetParameter(m->proj0, 1, NULL, 0, &m->proj0b));
  }
  PetscCall(CfxParamSetSetUp(m->ps));
  PetscCall(CfxTapeCreate(m->comm, &m->tape));
  m->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFluxNOGetParamSet(CfxFluxNO m, CfxParamSet *ps)
{
  PetscFunctionBegin;
  PetscCheck(m->setup, m->comm, PETSC_ERR_ORDER, "call CfxFluxNOSetUp() first");
  *ps = m->ps;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFluxNOView(CfxFluxNO m, PetscViewer viewer)
{
  PetscBool iascii;
  PetscInt n = 0;

  PetscFunctionBegin;
  if (!viewer) PetscCall(PetscViewerASCIIGetStdout(m->comm, &viewer));
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &iascii));
  if (!iascii) PetscFunctionReturn(0);
  if (m->setup) PetscCall(CfxParamSetGetSize(m->ps, &n));
  if (!strcmp(m->type, CFXFLUXNO_FLUX)) {
    PetscCall(PetscViewerASCIIPrintf(viewer, "CfxFluxNO fluxno: U_j += -r (F_{j+1/2} - F_{j-1/2}), r = dt/dx = %g, %s steps; stencil (p, q) = (%" PetscInt_FMT ", %" PetscInt_FMT ")\n",
                                     (double)m->ratio, CfxFluxNOTimeTypes[m->time], m->p, m->q));
    if (m->net == CFXFLUXNO_NET_FNO)
      PetscCall(PetscViewerASCIIPrintf(viewer,
                                       "  flux network: FNO, lift %" PetscInt_FMT " -> %" PetscInt_FMT ", %" PetscInt_FMT " Fourier layer(s) of %" PetscInt_FMT
                                       " modes + GELU, projection %" PetscInt_FMT " -> 1; %" PetscInt_FMT " parameters\n",
                                       m->p + m->q + 1, m->width, m->layers, m->modes, m->pwidth, n));
    else
      PetscCall(PetscViewerASCIIPrintf(viewer, "  flux network: MLP %" PetscInt_FMT " -> %" PetscInt_FMT " x %" PetscInt_FMT " (GELU) -> 1; %" PetscInt_FMT " parameters\n", m->p + m->q + 1, m->width,
                                       m->layers, n));
    PetscCall(PetscViewerASCIIPrintf(viewer, "  consistency: lambda = %g against the %s flux\n", (double)m->lambda, m->flux));
  } else {
    PetscCall(PetscViewerASCIIPrintf(viewer,
                                     "CfxFluxNO fno: one-step FNO U^n (+ grid) -> U^{n+1}, width %" PetscInt_FMT ", %" PetscInt_FMT " Fourier layers of %" PetscInt_FMT
                                     " modes, projection %" PetscInt_FMT "; %" PetscInt_FMT " parameters\n",
                                     m->width, m->layers, m->modes, m->pwidth, n));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFluxNODestroy(CfxFluxNO *model)
{
  CfxFluxNO m;

  PetscFunctionBegin;
  if (!model || !*model) PetscFunctionReturn(0);
  m = *model;
  PetscCall(CfxModuleDestroy(&m->lift));
  for (PetscInt l = 0; l < CFXFLUXNO_MAX_LAYERS; l++) {
    PetscCall(CfxModuleDestroy(&m->fourier[l]));
    PetscCall(CfxModuleDestroy(&m->pointwise[l]));
  }
  PetscCall(CfxModuleDestroy(&m->proj0));
  PetscCall(CfxModuleDestroy(&m->proj1));
  PetscCall(CfxModuleDestroy(&m->mlp));
  PetscCall(CfxModuleDestroy(&m->fno));
  PetscCall(CfxParamSetDestroy(&m->ps));
  PetscCall(CfxTapeDestroy(&m->tape));
  PetscCall(PetscFree(m->fvfull));
  PetscCall(PetscFree(m->prefix));
  PetscCall(PetscFree(*model));
  PetscFunctionReturn(0);
}
