/* CfxModule: the generic part of every network module (type registry, names, parameters,
   children, options, viewing, destruction). */
#include "cfxmoduleimpl.h"

PetscClassId CFXMODULE_CLASSID = 0;
PetscLogEvent CFXMODULE_Forward;
static PetscFunctionList CfxModuleList       = NULL;
static PetscBool CfxModulePackageInitialized = PETSC_FALSE;

static PetscErrorCode CfxModuleFinalizePackage(void)
{
  PetscFunctionBegin;
  PetscCall(PetscFunctionListDestroy(&CfxModuleList));
  CfxModulePackageInitialized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleInitializePackage(void)
{
  PetscFunctionBegin;
  if (CfxModulePackageInitialized) PetscFunctionReturn(0);
  CfxModulePackageInitialized = PETSC_TRUE;
  PetscCall(CfxInitializePackage());
  PetscCall(PetscClassIdRegister("CfxModule", &CFXMODULE_CLASSID));
  PetscCall(PetscLogEventRegister("CfxModuleForward", CFXMODULE_CLASSID, &CFXMODULE_Forward));
  PetscCall(CfxModuleRegister(CFXLINEAR, CfxModuleCreate_Linear));
  PetscCall(CfxModuleRegister(CFXMLP, CfxModuleCreate_MLP));
  PetscCall(CfxModuleRegister(CFXCONV1D, CfxModuleCreate_Conv1d));
  PetscCall(CfxModuleRegister(CFXSPECTRALCONV1D, CfxModuleCreate_SpectralConv1d));
  PetscCall(CfxModuleRegister(CFXFNO1D, CfxModuleCreate_FNO1d));
  PetscCall(CfxModuleRegister(CFXLAYERNORM, CfxModuleCreate_LayerNorm));
  PetscCall(CfxModuleRegister(CFXMULTIHEADATTN, CfxModuleCreate_MultiHeadAttention));
  PetscCall(CfxModuleRegister(CFXTRANSFORMERBLOCK, CfxModuleCreate_TransformerBlock));
  PetscCall(PetscRegisterFinalize(CfxModuleFinalizePackage));
  PetscFunctionReturn(0);
}

/*@C
  CfxModuleRegister - Adds a module type (a constructor filling ops and data).
@*/
PetscErrorCode CfxModuleRegister(const char name[], PetscErrorCode (*create)(CfxModule))
{
  PetscFunctionBegin;
  PetscCall(PetscFunctionListAdd(&CfxModuleList, name, create));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleCreate(MPI_Comm comm, CfxModule *module)
{
  CfxModule m;

  PetscFunctionBegin;
  PetscValidPointer(module, 2);
  PetscCall(CfxModuleInitializePackage());
  PetscCall(PetscHeaderCreate(m, CFXMODULE_CLASSID, "CfxModule", "Neural network module", "CfxModule", comm, CfxModuleDestroy, CfxModuleView));
  m->seed = 0;
  *module = m;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleSetType(CfxModule m, CfxModuleType type)
{
  PetscErrorCode (*create)(CfxModule);
  PetscBool same;

  PetscFunctionBegin;
  PetscValidHeaderSpecific(m, CFXMODULE_CLASSID, 1);
  PetscCall(PetscObjectTypeCompare((PetscObject)m, type, &same));
  if (same) PetscFunctionReturn(0);
  PetscCheck(!((PetscObject)m)->type_name, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_WRONGSTATE, "module type is already %s; create a new module for type %s", ((PetscObject)m)->type_name, type);
  PetscCall(PetscFunctionListFind(CfxModuleList, type, &create));
  PetscCheck(create, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_UNKNOWN_TYPE, "unknown module type %s (known: linear, mlp, conv1d, spectralconv1d, fno1d, layernorm, mha, transformerblock)", type);
  PetscCall(PetscObjectChangeTypeName((PetscObject)m, type));
  PetscCall((*create)(m));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleGetType(CfxModule m, CfxModuleType *type)
{
  PetscFunctionBegin;
  *type = ((PetscObject)m)->type_name;
  PetscFunctionReturn(0);
}

/*@C
  CfxModuleSetName - Prefix of the parameter names ("fno" gives "fno.fourier0.weight_re").
  Set it before CfxModuleSetUp; the default is the type name.
@*/
PetscErrorCode CfxModuleSetName(CfxModule m, const char name[])
{
  PetscFunctionBegin;
  PetscCheck(!m->setupcalled, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_WRONGSTATE, "set the module name before CfxModuleSetUp");
  PetscCall(PetscObjectSetName((PetscObject)m, name));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleGetName(CfxModule m, const char **name)
{
  PetscFunctionBegin;
  if (!((PetscObject)m)->name) PetscCall(PetscObjectSetName((PetscObject)m, ((PetscObject)m)->type_name ? ((PetscObject)m)->type_name : "module"));
  *name = ((PetscObject)m)->name;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleSetOptionsPrefix(CfxModule m, const char prefix[])
{
  PetscFunctionBegin;
  PetscCall(PetscObjectSetOptionsPrefix((PetscObject)m, prefix));
  PetscFunctionReturn(0);
}

/*@C
  CfxModuleSetSeed - Seed of the parameter initialisation (default 0).
@*/
PetscErrorCode CfxModuleSetSeed(CfxModule m, uint64_t seed)
{
  PetscFunctionBegin;
  m->seed = seed;
  PetscFunctionReturn(0);
}

/*@C
  CfxModuleSetFromOptions - Reads -<prefix>module_type, -<prefix>module_seed and the
  type's options (see cfxnn.h).
@*/
PetscErrorCode CfxModuleSetFromOptions(CfxModule m)
{
  char type[64] = CFXMLP;
  PetscBool flg;
  PetscInt seed = (PetscInt)m->seed;

  PetscFunctionBegin;
  PetscValidHeaderSpecific(m, CFXMODULE_CLASSID, 1);
  PetscObjectOptionsBegin((PetscObject)m);
  if (((PetscObject)m)->type_name) PetscCall(PetscStrncpy(type, ((PetscObject)m)->type_name, sizeof(type)));
  PetscCall(PetscOptionsFList("-module_type", "Network module type", "CfxModuleSetType", CfxModuleList, type, type, sizeof(type), &flg));
  if (flg || !((PetscObject)m)->type_name) PetscCall(CfxModuleSetType(m, type));
  PetscCall(PetscOptionsInt("-module_seed", "Seed of the parameter initialisation", "CfxModuleSetSeed", seed, &seed, &flg));
  if (flg) {
    PetscCheck(seed >= 0, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_OUTOFRANGE, "-module_seed must be >= 0, found %" PetscInt_FMT, seed);
    m->seed = (uint64_t)seed;
  }
  if (m->ops->setfromoptions) PetscCall((*m->ops->setfromoptions)(m, PetscOptionsObject));
  PetscCall(PetscObjectProcessOptionsHandlers((PetscObject)m, PetscOptionsObject));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

/*@C
  CfxModuleSetUp - Creates and initialises the parameters (and child modules).
@*/
PetscErrorCode CfxModuleSetUp(CfxModule m)
{
  const char *name;

  PetscFunctionBegin;
  PetscValidHeaderSpecific(m, CFXMODULE_CLASSID, 1);
  if (m->setupcalled) PetscFunctionReturn(0);
  PetscCheck(((PetscObject)m)->type_name, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_WRONGSTATE, "set the module type (CfxModuleSetType or -module_type) before CfxModuleSetUp");
  PetscCall(CfxModuleGetName(m, &name));
  PetscCall(CfxModuleClear_Private(m));
  PetscCall((*m->ops->setup)(m));
  m->setupcalled = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@C
  CfxModuleForward - y = module(x) recorded on the tape.
@*/
PetscErrorCode CfxModuleForward(CfxModule m, CfxTape tape, CfxTensor x, CfxTensor *y)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(m, CFXMODULE_CLASSID, 1);
  PetscCheck(m->setupcalled, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_WRONGSTATE, "call CfxModuleSetUp before CfxModuleForward");
  PetscCall((*m->ops->forward)(m, tape, x, y));
  PetscFunctionReturn(0);
}

static uint64_t Fnv1a(const char *s)
{
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ULL;
  }
  return h;
}

PetscErrorCode CfxModuleNewParameter_Private(CfxModule m, const char local[], PetscInt ndim, const PetscInt shape[], CfxTensor *t)
{
  const char *name;
  char full[256];

  PetscFunctionBegin;
  PetscCall(CfxModuleGetName(m, &name));
  PetscCall(PetscSNPrintf(full, sizeof(full), "%s.%s", name, local));
  if (m->np == m->npmax) {
    m->npmax = m->npmax ? 2 * m->npmax : 8;
    PetscCall(PetscRealloc(sizeof(char *) * m->npmax, &m->pnames));
    PetscCall(PetscRealloc(sizeof(CfxTensor) * m->npmax, &m->params));
  }
  PetscCall(CfxTensorCreate(ndim, shape, t));
  PetscCall(CfxTensorSetRequiresGrad(*t, PETSC_TRUE));
  PetscCall(PetscStrallocpy(full, &m->pnames[m->np]));
  m->params[m->np++] = *t;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleInitUniform_Private(CfxModule m, CfxTensor t, PetscReal lo, PetscReal hi)
{
  CfxRNG rng;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < m->np; i++)
    if (m->params[i] == t) {
      PetscCall(CfxRNGSetSeed(&rng, m->seed, Fnv1a(m->pnames[i])));
      PetscCall(CfxTensorFillUniform(t, &rng, lo, hi));
      PetscFunctionReturn(0);
    }
  SETERRQ(PetscObjectComm((PetscObject)m), PETSC_ERR_PLIB, "tensor is not a parameter of this module");
}

PetscErrorCode CfxModuleNewChild_Private(CfxModule m, const char local[], CfxModuleType type, CfxModule *child)
{
  const char *name;
  char full[256];

  PetscFunctionBegin;
  PetscCall(CfxModuleGetName(m, &name));
  PetscCall(PetscSNPrintf(full, sizeof(full), "%s.%s", name, local));
  if (m->nc == m->ncmax) {
    m->ncmax = m->ncmax ? 2 * m->ncmax : 8;
    PetscCall(PetscRealloc(sizeof(char *) * m->ncmax, &m->cnames));
    PetscCall(PetscRealloc(sizeof(CfxModule) * m->ncmax, &m->children));
  }
  PetscCall(CfxModuleCreate(PetscObjectComm((PetscObject)m), child));
  PetscCall(CfxModuleSetType(*child, type));
  PetscCall(CfxModuleSetName(*child, full));
  PetscCall(CfxModuleSetSeed(*child, m->seed));
  PetscCall(PetscStrallocpy(local, &m->cnames[m->nc]));
  m->children[m->nc++] = *child;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleClear_Private(CfxModule m)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < m->np; i++) {
    PetscCall(CfxTensorDestroy(&m->params[i]));
    PetscCall(PetscFree(m->pnames[i]));
  }
  for (PetscInt i = 0; i < m->nc; i++) {
    PetscCall(CfxModuleDestroy(&m->children[i]));
    PetscCall(PetscFree(m->cnames[i]));
  }
  m->np = m->nc = 0;
  PetscFunctionReturn(0);
}

static PetscErrorCode Collect(CfxModule m, PetscInt target, PetscInt *count, const char **name, CfxTensor *t)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < m->np && *count <= target; i++, (*count)++)
    if (*count == target) {
      *name = m->pnames[i];
      *t    = m->params[i];
    }
  for (PetscInt c = 0; c < m->nc && *count <= target; c++) PetscCall(Collect(m->children[c], target, count, name, t));
  PetscFunctionReturn(0);
}

static PetscInt CountParams(CfxModule m, PetscBool values)
{
  PetscInt n = 0;
  for (PetscInt i = 0; i < m->np; i++) n += values ? m->params[i]->size : 1;
  for (PetscInt c = 0; c < m->nc; c++) n += CountParams(m->children[c], values);
  return n;
}

PetscErrorCode CfxModuleGetNumParameters(CfxModule m, PetscInt *n)
{
  PetscFunctionBegin;
  PetscCheck(m->setupcalled, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_WRONGSTATE, "call CfxModuleSetUp first");
  *n = CountParams(m, PETSC_FALSE);
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleGetNumParameterValues(CfxModule m, PetscInt *n)
{
  PetscFunctionBegin;
  PetscCheck(m->setupcalled, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_WRONGSTATE, "call CfxModuleSetUp first");
  *n = CountParams(m, PETSC_TRUE);
  PetscFunctionReturn(0);
}

/*@C
  CfxModuleGetParameter - Parameter i (depth-first order) and its full name.
@*/
PetscErrorCode CfxModuleGetParameter(CfxModule m, PetscInt i, char name[], size_t len, CfxTensor *t)
{
  PetscInt count = 0, n;
  const char *nm = NULL;
  CfxTensor tt   = NULL;

  PetscFunctionBegin;
  PetscCall(CfxModuleGetNumParameters(m, &n));
  PetscCheck(i >= 0 && i < n, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_OUTOFRANGE, "parameter index %" PetscInt_FMT " not in [0, %" PetscInt_FMT ")", i, n);
  PetscCall(Collect(m, i, &count, &nm, &tt));
  if (name) PetscCall(PetscStrncpy(name, nm, len));
  if (t) *t = tt;
  PetscFunctionReturn(0);
}

/*@C
  CfxModuleAddParameters - Adds every parameter, under its full name, to a parameter set
  (call CfxParamSetSetUp after adding all modules to get the flat buffers).
@*/
PetscErrorCode CfxModuleAddParameters(CfxModule m, CfxParamSet ps)
{
  PetscInt n;

  PetscFunctionBegin;
  PetscCall(CfxModuleGetNumParameters(m, &n));
  for (PetscInt i = 0; i < n; i++) {
    char name[256];
    CfxTensor t;
    PetscCall(CfxModuleGetParameter(m, i, name, sizeof(name), &t));
    PetscCall(CfxParamSetAdd(ps, name, t));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleView(CfxModule m, PetscViewer viewer)
{
  PetscBool iascii;

  PetscFunctionBegin;
  PetscValidHeaderSpecific(m, CFXMODULE_CLASSID, 1);
  if (!viewer) PetscCall(PetscViewerASCIIGetStdout(PetscObjectComm((PetscObject)m), &viewer));
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &iascii));
  if (!iascii) PetscFunctionReturn(0);
  PetscCall(PetscObjectPrintClassNamePrefixType((PetscObject)m, viewer));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  if (m->setupcalled) PetscCall(PetscViewerASCIIPrintf(viewer, "%" PetscInt_FMT " parameter values, seed %llu\n", CountParams(m, PETSC_TRUE), (unsigned long long)m->seed));
  if (m->ops->view) PetscCall((*m->ops->view)(m, viewer));
  for (PetscInt i = 0; i < m->np; i++) {
    char shp[64];
    PetscCall(CfxTensorShapeString(m->params[i], shp, sizeof(shp)));
    PetscCall(PetscViewerASCIIPrintf(viewer, "%s %s\n", m->pnames[i], shp));
  }
  for (PetscInt c = 0; c < m->nc; c++) PetscCall(CfxModuleView(m->children[c], viewer));
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleDestroy(CfxModule *m)
{
  PetscFunctionBegin;
  if (!*m) PetscFunctionReturn(0);
  PetscValidHeaderSpecific(*m, CFXMODULE_CLASSID, 1);
  if (--((PetscObject)(*m))->refct > 0) {
    *m = NULL;
    PetscFunctionReturn(0);
  }
  PetscCall(CfxModuleClear_Private(*m));
  PetscCall(PetscFree((*m)->pnames));
  PetscCall(PetscFree((*m)->params));
  PetscCall(PetscFree((*m)->cnames));
  PetscCall(PetscFree((*m)->children));
  if ((*m)->ops->destroy) PetscCall((*(*m)->ops->destroy)(*m));
  PetscCall(PetscHeaderDestroy(m));
  PetscFunctionReturn(0);
}
