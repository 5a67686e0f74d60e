/* HFluxNO model files in the shared checkpoint format (include/conflux/cfxcheckpoint.h):
     /model          attribute kind = "hfluxno" and every CfxHFluxNOConfig field as text
                     (channels, cells, frames, patch, dim, pairs, lru_width, lru_blocks,
                     conv_kernel, a_min, a_max, heads, mlp_width, hyper_width, hyper_depth,
                     head_blocks, stencil, lift, flux_width, flux_depth, hyperinit, update,
                     dt_over_dx, seed) and nparams
     /params/<name>  the parameters (names as in the parameter set)
     /optimizer, /state   optimizer moments and the training position (training checkpoints)
   Loading reads the configuration first (to build the model), then hands the parameter set to
   CfxCheckpointLoad, which checks every parameter's presence, shape and finiteness. */
#include "hfluxnoimpl.h"
#include <conflux/cfxcheckpoint.h>
#include <conflux/cfxio.h>
#include <hdf5.h>

/* The integer fields of the configuration, by attribute name. */
#define NINT 19
static PetscInt *IntField(CfxHFluxNOConfig *c, PetscInt i, const char **name)
{
  static const char *names[NINT] = {"channels",  "cells",       "frames",      "patch",       "dim",     "pairs", "lru_width",  "lru_blocks", "conv_kernel", "heads",
                                    "mlp_width", "hyper_width", "hyper_depth", "head_blocks", "stencil", "lift",  "flux_width", "flux_depth", NULL};
  PetscInt *f[NINT]              = {&c->channels,    &c->cells,      &c->frames,    &c->patch,       &c->dim,         &c->pairs,       &c->lru_width, &c->lru_blocks,
                                    &c->conv_kernel, &c->heads,      &c->mlp_width, &c->hyper_width, &c->hyper_depth, &c->head_blocks, &c->stencil,   &c->lift,
                                    &c->flux_width,  &c->flux_depth, NULL};
  *name                          = names[i];
  return f[i];
}

static PetscErrorCode SetAttr(CfxCheckpoint ck, const char name[], const char fmt[], double v)
{
  char buf[64];

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, sizeof(buf), fmt, v));
  PetscCall(CfxCheckpointSetModelAttribute(ck, name, buf));
  PetscFunctionReturn(0);
}

/*@C
  CfxHFluxNOSave - Writes the model (and, if opt is given, the optimizer state), the epoch and
  the loss history to an HDF5 checkpoint, atomically. Collective.
@*/
PetscErrorCode CfxHFluxNOSave(CfxHFluxNO m, const char file[], CfxOptimizer opt, PetscInt epoch, PetscInt nhist, const PetscReal hist[])
{
  CfxCheckpoint ck;
  CfxHFluxNOConfig c = m->cfg;
  PetscInt step      = 0, n;
  char buf[64];
  CfxRNG rng;

  PetscFunctionBegin;
  PetscCheck(m->setup, m->comm, PETSC_ERR_ORDER, "call CfxHFluxNOSetUp() before CfxHFluxNOSave()");
  PetscCall(CfxCheckpointCreate(m->comm, &ck));
  PetscCall(CfxCheckpointSetModelKind(ck, "hfluxno"));
  for (PetscInt i = 0; i < NINT - 1; i++) {
    const char *name;
    PetscInt *v = IntField(&c, i, &name);
    PetscCall(PetscSNPrintf(buf, sizeof(buf), "%" PetscInt_FMT, *v));
    PetscCall(CfxCheckpointSetModelAttribute(ck, name, buf));
  }
  PetscCall(SetAttr(ck, "a_min", "%.17g", (double)c.a_min));
  PetscCall(SetAttr(ck, "a_max", "%.17g", (double)c.a_max));
  PetscCall(SetAttr(ck, "dt_over_dx", "%.17g", (double)c.ratio));
  PetscCall(CfxCheckpointSetModelAttribute(ck, "hyperinit", CfxHFluxNOInits[c.hyperinit]));
  PetscCall(CfxCheckpointSetModelAttribute(ck, "update", CfxHFluxNOUpdates[c.update]));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "%" PetscInt64_FMT, (PetscInt64)c.seed));
  PetscCall(CfxCheckpointSetModelAttribute(ck, "seed", buf));
  PetscCall(CfxParamSetGetSize(m->ps, &n));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "%" PetscInt_FMT, n));
  PetscCall(CfxCheckpointSetModelAttribute(ck, "nparams", buf));
  PetscCall(CfxCheckpointSetParamSet(ck, m->ps));
  if (opt) {
    PetscCall(CfxCheckpointSetOptimizer(ck, opt));
    PetscCall(CfxOptimizerGetStepNumber(opt, &step));
  }
  PetscCall(CfxCheckpointSetStep(ck, step, epoch));
  PetscCall(CfxRNGSetSeed(&rng, c.seed, 0));
  PetscCall(CfxCheckpointSetRNG(ck, &rng));
  PetscCall(CfxCheckpointSetLossHistory(ck, nhist, hist));
  PetscCall(CfxCheckpointSave(ck, file));
  PetscCall(CfxCheckpointDestroy(&ck));
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadConfig(MPI_Comm comm, const char file[], CfxModelHeader r, CfxHFluxNOConfig *c, PetscInt *nstored)
{
  char kind[32];
  PetscInt e, seed;

  PetscFunctionBegin;
  PetscCall(CfxModelHeaderGetText(r, "kind", kind, sizeof(kind)));
  PetscCheck(!strcmp(kind, "hfluxno"), comm, PETSC_ERR_FILE_UNEXPECTED, "%s: model kind \"%s\", expected hfluxno", file, kind);
  PetscCall(CfxHFluxNOConfigDefault(c));
  for (PetscInt i = 0; i < NINT - 1; i++) {
    const char *name;
    PetscInt *v = IntField(c, i, &name);
    PetscCall(CfxModelHeaderGetInt(r, name, v));
  }
  PetscCall(CfxModelHeaderGetReal(r, "a_min", &c->a_min));
  PetscCall(CfxModelHeaderGetReal(r, "a_max", &c->a_max));
  PetscCall(CfxModelHeaderGetReal(r, "dt_over_dx", &c->ratio));
  PetscCall(CfxModelHeaderGetEnum(r, "hyperinit", CfxHFluxNOInits, 2, &e));
  c->hyperinit = (CfxHFluxNOInit)e;
  PetscCall(CfxModelHeaderGetEnum(r, "update", CfxHFluxNOUpdates, 2, &e));
  c->update = (CfxHFluxNOUpdate)e;
  PetscCall(CfxModelHeaderGetInt(r, "seed", &seed));
  c->seed = (uint64_t)seed;
  PetscCall(CfxModelHeaderGetInt(r, "nparams", nstored));
  PetscFunctionReturn(0);
}

static PetscErrorCode LoadAll(MPI_Comm comm, const char file[], CfxHFluxNO m)
{
  CfxModelHeader r;
  CfxHFluxNOConfig c;
  PetscInt nstored, n;
  PetscErrorCode ierr;
  CfxCheckpoint ck;

  PetscFunctionBegin;
  PetscCall(CfxModelHeaderOpen(comm, file, &r));
  ierr = ReadConfig(comm, file, r, &c, &nstored);
  PetscCall(CfxModelHeaderClose(&r));
  PetscCall(ierr);
  PetscCall(CfxHFluxNOCheckConfig(comm, &c));
  PetscCall(CfxHFluxNOSetConfig(m, &c));
  PetscCall(CfxHFluxNOSetUp(m));
  PetscCall(CfxParamSetGetSize(m->ps, &n));
  PetscCheck(n == nstored, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: /model says %" PetscInt_FMT " parameter values, the configuration it describes has %" PetscInt_FMT, file, nstored, n);
  PetscCall(CfxCheckpointCreate(comm, &ck));
  PetscCall(CfxCheckpointSetParamSet(ck, m->ps));
  PetscCall(CfxCheckpointLoad(ck, file));
  PetscCall(CfxCheckpointDestroy(&ck));
  PetscFunctionReturn(0);
}

/*@C
  CfxHFluxNOLoad - Creates a model from a checkpoint written by CfxHFluxNOSave(). Collective.
@*/
PetscErrorCode CfxHFluxNOLoad(MPI_Comm comm, const char file[], CfxHFluxNO *model)
{
  PetscErrorCode ierr;
  herr_t (*func)(hid_t, void *);
  void *data;

  PetscFunctionBegin;
  PetscValidPointer(model, 3);
  PetscCall(CfxHFluxNOCreate(comm, model));
  /* HDF5's own error stack would print pages for a corrupt file; our message says it all */
  H5Eget_auto2(H5E_DEFAULT, &func, &data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  ierr = LoadAll(comm, file, *model);
  H5Eset_auto2(H5E_DEFAULT, func, data);
  if (ierr) PetscCall(CfxHFluxNODestroy(model));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/*@C
  CfxHFluxNOLoadTrainingState - Restores the optimizer state saved with a checkpoint and
  returns its epoch (the parameters are read again).
@*/
PetscErrorCode CfxHFluxNOLoadTrainingState(CfxHFluxNO m, const char file[], CfxOptimizer opt, PetscInt *epoch)
{
  CfxCheckpoint ck;

  PetscFunctionBegin;
  PetscCall(CfxCheckpointCreate(m->comm, &ck));
  PetscCall(CfxCheckpointSetParamSet(ck, m->ps));
  PetscCall(CfxCheckpointSetOptimizer(ck, opt));
  PetscCall(CfxCheckpointLoad(ck, file));
  PetscCall(CfxCheckpointGetStep(ck, NULL, epoch));
  PetscCall(CfxCheckpointDestroy(&ck));
  PetscFunctionReturn(0);
}
