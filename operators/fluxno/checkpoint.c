/* Model files of CfxFluxNO, in the shared checkpoint format of io/checkpoint.c
   (include/conflux/cfxcheckpoint.h):
     /model              attributes kind ("fluxno" | "fno") and every hyperparameter as text
                         (p, q, net, width, layers, modes, proj_width, time, dt_over_dx,
                         lambda, flux, flux_params, seed, nparams)
     /params/<name>      float64 parameter tensors, names as in the parameter set
     /optimizer          the optimizer state (training checkpoints; written when an optimizer
                         is given)
     /state              step, epoch, RNG (the initialisation seed) and the loss history
   CfxCheckpoint writes the file atomically and validates every parameter's presence, shape and
   finiteness on loading. This file only turns the hyperparameters into /model attributes and
   back: loading reads them first (to build the networks), then hands the parameter set to
   CfxCheckpointLoad. */
#include "fluxnoimpl.h"
#include <conflux/cfxcheckpoint.h>
#include <hdf5.h>

static PetscErrorCode SetAttrInt(CfxCheckpoint ck, const char name[], PetscInt v)
{
  char buf[64];

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "%" PetscInt_FMT, v));
  PetscCall(CfxCheckpointSetModelAttribute(ck, name, buf));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetAttrReal(CfxCheckpoint ck, const char name[], PetscReal v)
{
  char buf[64];

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "%.17g", (double)v));
  PetscCall(CfxCheckpointSetModelAttribute(ck, name, buf));
  PetscFunctionReturn(0);
}

/* A checkpoint object describing model m (kind, hyperparameters, parameters) and opt. */
static PetscErrorCode ModelCheckpoint(CfxFluxNO m, CfxOptimizer opt, CfxCheckpoint *ck)
{
  char buf[128] = "";
  PetscInt n;

  PetscFunctionBegin;
  PetscCall(CfxCheckpointCreate(m->comm, ck));
  PetscCall(CfxCheckpointSetModelKind(*ck, m->type));
  PetscCall(SetAttrInt(*ck, "p", m->p));
  PetscCall(SetAttrInt(*ck, "q", m->q));
  PetscCall(CfxCheckpointSetModelAttribute(*ck, "net", CfxFluxNONetTypes[m->net]));
  PetscCall(SetAttrInt(*ck, "width", m->width));
  PetscCall(SetAttrInt(*ck, "layers", m->layers));
  PetscCall(SetAttrInt(*ck, "modes", m->modes));
  PetscCall(SetAttrInt(*ck, "proj_width", m->pwidth));
  PetscCall(CfxCheckpointSetModelAttribute(*ck, "time", CfxFluxNOTimeTypes[m->time]));
  PetscCall(SetAttrReal(*ck, "dt_over_dx", m->ratio));
  PetscCall(SetAttrReal(*ck, "lambda", m->lambda));
  PetscCall(CfxCheckpointSetModelAttribute(*ck, "flux", m->flux));
  for (PetscInt i = 0; i < m->nfprm; i++) {
    char one[40];
    PetscCall(PetscSNPrintf(one, sizeof(one), "%s%.17g", i ? "," : "", (double)m->fprm[i]));
    PetscCall(PetscStrlcat(buf, one, sizeof(buf)));
  }
  PetscCall(CfxCheckpointSetModelAttribute(*ck, "flux_params", buf));
  PetscCall(SetAttrInt(*ck, "seed", (PetscInt)m->seed));
  PetscCall(CfxParamSetGetSize(m->ps, &n));
  PetscCall(SetAttrInt(*ck, "nparams", n));
  PetscCall(CfxCheckpointSetParamSet(*ck, m->ps));
  if (opt) PetscCall(CfxCheckpointSetOptimizer(*ck, opt));
  PetscFunctionReturn(0);
}

/*@C
  CfxFluxNOSave - Writes the model (and, if opt is given, the optimizer state) with the epoch
  and the loss history to an HDF5 checkpoint, atomically (FILE.tmp renamed on success).
  Collective.
@*/
PetscErrorCode CfxFluxNOSave(CfxFluxNO m, const char file[], CfxOptimizer opt, PetscInt epoch, PetscInt nhist, const PetscReal hist[])
{
  CfxCheckpoint ck;
  PetscInt step = 0;
  CfxRNG rng;

  PetscFunctionBegin;
  PetscCheck(m->setup, m->comm, PETSC_ERR_ORDER, "call CfxFluxNOSetUp() before CfxFluxNOSave()");
  PetscCall(PetscLogEventBegin(CFXFLUXNO_IO, 0, 0, 0, 0));
  PetscCall(ModelCheckpoint(m, opt, &ck));
  if (opt) PetscCall(CfxOptimizerGetStepNumber(opt, &step));
  PetscCall(CfxCheckpointSetStep(ck, step, epoch));
  PetscCall(CfxRNGSetSeed(&rng, m->seed, 0));
  PetscCall(CfxCheckpointSetRNG(ck, &rng));
  PetscCall(CfxCheckpointSetLossHistory(ck, nhist, hist));
  PetscCall(CfxCheckpointSave(ck, file));
  PetscCall(CfxCheckpointDestroy(&ck));
  PetscCall(PetscLogEventEnd(CFXFLUXNO_IO, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* ---- the hyperparameters (/model attributes), read before the networks can be built */
/* Sets the hyperparameters of m (not yet set up) from the /model attributes; *nstored is the
   parameter count they record. */
static PetscErrorCode ReadAttributes(MPI_Comm comm, const char file[], CfxModelHeader r, CfxFluxNO m, PetscInt *nstored)
{
  char kind[32], flux[32], prm[128];
  PetscInt p, q, net = 0, time = 0, width, layers, modes, pwidth, seed, nprm = 0;
  PetscReal ratio, lambda, fprm[3];

  PetscFunctionBegin;
  PetscCall(CfxModelHeaderGetText(r, "kind", kind, sizeof(kind)));
  PetscCheck(!strcmp(kind, CFXFLUXNO_FLUX) || !strcmp(kind, CFXFLUXNO_FNO1D), comm, PETSC_ERR_FILE_UNEXPECTED, "%s: model kind \"%s\" is not fluxno or fno", file, kind);
  PetscCall(CfxModelHeaderGetInt(r, "p", &p));
  PetscCall(CfxModelHeaderGetInt(r, "q", &q));
  PetscCall(CfxModelHeaderGetEnum(r, "net", CfxFluxNONetTypes, 2, &net));
  PetscCall(CfxModelHeaderGetInt(r, "width", &width));
  PetscCall(CfxModelHeaderGetInt(r, "layers", &layers));
  PetscCall(CfxModelHeaderGetInt(r, "modes", &modes));
  PetscCall(CfxModelHeaderGetInt(r, "proj_width", &pwidth));
  PetscCall(CfxModelHeaderGetEnum(r, "time", CfxFluxNOTimeTypes, 2, &time));
  PetscCall(CfxModelHeaderGetReal(r, "dt_over_dx", &ratio));
  PetscCall(CfxModelHeaderGetReal(r, "lambda", &lambda));
  PetscCall(CfxModelHeaderGetText(r, "flux", flux, sizeof(flux)));
  PetscCall(CfxModelHeaderGetText(r, "flux_params", prm, sizeof(prm)));
  for (char *s = prm; *s && nprm < 3;) {
    char *end;
    fprm[nprm++] = (PetscReal)strtod(s, &end);
    PetscCheck(end != s, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: /model attribute flux_params = \"%s\" is not a list of numbers", file, prm);
    s = *end == ',' ? end + 1 : end;
  }
  PetscCall(CfxModelHeaderGetInt(r, "seed", &seed));
  PetscCall(CfxModelHeaderGetInt(r, "nparams", nstored));
  PetscCall(CfxFluxNOSetType(m, kind));
  PetscCall(CfxFluxNOSetStencil(m, p, q));
  PetscCall(CfxFluxNOSetNetwork(m, (CfxFluxNONetType)net));
  PetscCall(CfxFluxNOSetSizes(m, width, layers, modes, pwidth));
  PetscCall(CfxFluxNOSetTimeStepping(m, (CfxFluxNOTimeType)time));
  if (ratio > 0) PetscCall(CfxFluxNOSetRatio(m, ratio));
  PetscCall(CfxFluxNOSetConsistencyWeight(m, lambda));
  PetscCall(CfxFluxNOSetPhysicalFlux(m, flux, nprm, fprm));
  PetscCall(CfxFluxNOSetSeed(m, (uint64_t)seed));
  PetscFunctionReturn(0);
}

/* Opens file, checks that it is a model checkpoint and sets m's hyperparameters from it. */
static PetscErrorCode ReadHyperparameters(MPI_Comm comm, const char file[], CfxFluxNO m, PetscInt *nstored)
{
  CfxModelHeader r;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(CfxModelHeaderOpen(comm, file, &r));
  ierr = ReadAttributes(comm, file, r, m, nstored);
  PetscCall(CfxModelHeaderClose(&r));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

static PetscErrorCode LoadAll(MPI_Comm comm, const char file[], CfxFluxNO m)
{
  PetscInt nstored, n;
  CfxCheckpoint ck;

  PetscFunctionBegin;
  PetscCall(ReadHyperparameters(comm, file, m, &nstored));
  PetscCall(CfxFluxNOSetUp(m));
  PetscCall(CfxParamSetGetSize(m->ps, &n));
  PetscCheck(n == nstored, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: /model says %" PetscInt_FMT " parameter values, the model it describes has %" PetscInt_FMT, file, nstored, n);
  PetscCall(CfxCheckpointCreate(comm, &ck));
  PetscCall(CfxCheckpointSetParamSet(ck, m->ps));
  PetscCall(CfxCheckpointLoad(ck, file));
  PetscCall(CfxCheckpointDestroy(&ck));
  PetscFunctionReturn(0);
}

/*@C
  CfxFluxNOLoad - Creates a model from a checkpoint written by CfxFluxNOSave(). Collective;
  every rank reads the (small) file. Errors name the file and what is wrong with it.
@*/
PetscErrorCode CfxFluxNOLoad(MPI_Comm comm, const char file[], CfxFluxNO *model)
{
  PetscErrorCode ierr;
  herr_t (*func)(hid_t, void *);
  void *data;

  PetscFunctionBegin;
  PetscValidPointer(model, 3);
  *model = NULL;
  PetscCall(CfxFluxNOInitializePackage());
  PetscCall(PetscLogEventBegin(CFXFLUXNO_IO, 0, 0, 0, 0));
  PetscCall(CfxFluxNOCreate(comm, model));
  /* HDF5's own error stack would print pages for a corrupt file; our message says it all */
  H5Eget_auto2(H5E_DEFAULT, &func, &data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  ierr = LoadAll(comm, file, *model);
  H5Eset_auto2(H5E_DEFAULT, func, data);
  if (ierr) PetscCall(CfxFluxNODestroy(model));
  PetscCall(ierr);
  PetscCall(PetscLogEventEnd(CFXFLUXNO_IO, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  CfxFluxNOLoadTrainingState - Restores the optimizer state (moments, step count) saved with a
  checkpoint and returns the epoch it was saved at. The optimizer must be set up for this model.
  The parameters are read again (the same values CfxFluxNOLoad() gave).
@*/
PetscErrorCode CfxFluxNOLoadTrainingState(CfxFluxNO m, const char file[], CfxOptimizer opt, PetscInt *epoch)
{
  CfxCheckpoint ck;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CFXFLUXNO_IO, 0, 0, 0, 0));
  PetscCall(CfxCheckpointCreate(m->comm, &ck));
  PetscCall(CfxCheckpointSetParamSet(ck, m->ps));
  PetscCall(CfxCheckpointSetOptimizer(ck, opt));
  PetscCall(CfxCheckpointLoad(ck, file));
  PetscCall(CfxCheckpointGetStep(ck, NULL, epoch));
  PetscCall(CfxCheckpointDestroy(&ck));
  PetscCall(PetscLogEventEnd(CFXFLUXNO_IO, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
