/* HDF5 checkpoints of CfxFluxNO (DESIGN.md section 5):
     /model              group; attributes kind ("fluxno" | "fno") and every hyperparameter as text
     /params/<name>      float64 parameter tensors, names as in the parameter set
     /optimizer/<name>   optimizer state buffers (flat), attributes type, step   (optional)
     /state              attributes epoch; dataset loss_history                  (optional)
   Written by rank 0 to FILE.tmp and renamed on success; read by every rank. A reader checks
   the kind, each hyperparameter, and each parameter's presence, shape and finiteness. */
#include "fluxnoimpl.h"
#include <hdf5.h>

#define H5Try(expr, code, ...) PetscCheck((expr) >= 0, PETSC_COMM_SELF, code, __VA_ARGS__)

static PetscErrorCode SetAttrInt(hid_t g, const char name[], PetscInt v)
{
  char buf[64];

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "%" PetscInt_FMT, v));
  PetscCall(CfxH5SetAttributeText(g, name, buf));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetAttrReal(hid_t g, const char name[], PetscReal v)
{
  char buf[64];

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "%.17g", (double)v));
  PetscCall(CfxH5SetAttributeText(g, name, buf));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteArray(hid_t loc, const char name[], PetscInt ndim, const PetscInt shape[], const PetscReal data[])
{
  hsize_t dims[4];
  hid_t space, dset;

  PetscFunctionBegin;
  for (PetscInt d = 0; d < ndim; d++) dims[d] = (hsize_t)shape[d];
  space = H5Screate_simple((int)ndim, dims, NULL);
  H5Try(space, PETSC_ERR_LIB, "H5Screate_simple failed for %s", name);
  dset = H5Dcreate2(loc, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Try(dset, PETSC_ERR_FILE_WRITE, "cannot create dataset %s", name);
  H5Try(H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), PETSC_ERR_FILE_WRITE, "cannot write dataset %s", name);
  H5Dclose(dset);
  H5Sclose(space);
  PetscFunctionReturn(0);
}

static PetscErrorCode SaveRank0(CfxFluxNO m, const char tmp[], CfxOptimizer opt, PetscInt epoch, PetscInt nhist, const PetscReal hist[])
{
  hid_t file, g, gp;
  PetscInt n;
  char buf[128] = "";

  PetscFunctionBegin;
  file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  H5Try(file, PETSC_ERR_FILE_OPEN, "cannot create checkpoint file %s", tmp);
  g = H5Gcreate2(file, "model", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  PetscCall(CfxH5SetAttributeText(g, "kind", m->type));
  PetscCall(CfxH5SetAttributeText(g, "format", "conflux-model-1"));
  PetscCall(SetAttrInt(g, "p", m->p));
  PetscCall(SetAttrInt(g, "q", m->q));
  PetscCall(CfxH5SetAttributeText(g, "net", CfxFluxNONetTypes[m->net]));
  PetscCall(SetAttrInt(g, "width", m->width));
  PetscCall(SetAttrInt(g, "layers", m->layers));
  PetscCall(SetAttrInt(g, "modes", m->modes));
  PetscCall(SetAttrInt(g, "proj_width", m->pwidth));
  PetscCall(CfxH5SetAttributeText(g, "time", CfxFluxNOTimeTypes[m->time]));
  PetscCall(SetAttrReal(g, "dt_over_dx", m->ratio));
  PetscCall(SetAttrReal(g, "lambda", m->lambda));
  PetscCall(CfxH5SetAttributeText(g, "flux", m->flux));
  for (PetscInt i = 0; i < m->nfprm; i++) {
    char one[40];
    PetscCall(PetscSNPrintf(one, sizeof(one), "%s%.17g", i ? "," : "", (double)m->fprm[i]));
    PetscCall(PetscStrlcat(buf, one, sizeof(buf)));
  }
  PetscCall(CfxH5SetAttributeText(g, "flux_params", buf));
  PetscCall(SetAttrInt(g, "seed", (PetscInt)m->seed));
  PetscCall(CfxParamSetGetSize(m->ps, &n));
  PetscCall(SetAttrInt(g, "nparams", n));
  H5Gclose(g);

  gp = H5Gcreate2(file, "params", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  PetscCall(CfxParamSetGetNumParameters(m->ps, &n));
  for (PetscInt i = 0; i < n; i++) {
    const char *name;
    CfxTensor t;
    PetscCall(CfxParamSetGetParameter(m->ps, i, &name, &t, NULL));
    PetscCall(WriteArray(gp, name, t->ndim, t->shape, t->data));
  }
  H5Gclose(gp);

  if (opt) {
    PetscInt ns, step, size;
    CfxOptimizerType type;
    g = H5Gcreate2(file, "optimizer", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    PetscCall(CfxOptimizerGetType(opt, &type));
    PetscCall(CfxH5SetAttributeText(g, "type", CfxOptimizerTypes[type]));
    PetscCall(CfxOptimizerGetStepNumber(opt, &step));
    PetscCall(SetAttrInt(g, "step", step));
    PetscCall(CfxOptimizerGetSize(opt, &size));
    PetscCall(CfxOptimizerGetNumStates(opt, &ns));
    for (PetscInt i = 0; i < ns; i++) {
      const char *name;
      PetscReal *a;
      PetscCall(CfxOptimizerGetState(opt, i, &name, &a));
      PetscCall(WriteArray(g, name, 1, &size, a));
    }
    H5Gclose(g);
    g = H5Gcreate2(file, "state", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    PetscCall(SetAttrInt(g, "epoch", epoch));
    if (nhist > 0) PetscCall(WriteArray(g, "loss_history", 1, &nhist, hist));
    H5Gclose(g);
  }
  H5Try(H5Fclose(file), PETSC_ERR_FILE_WRITE, "cannot close %s", tmp);
  PetscFunctionReturn(0);
}

/*@C
  CfxFluxNOSave - Writes the model (and, if opt is given, the optimizer state, the epoch and the
  loss history) to an HDF5 checkpoint, atomically (FILE.tmp renamed on success). Collective.
@*/
PetscErrorCode CfxFluxNOSave(CfxFluxNO m, const char file[], CfxOptimizer opt, PetscInt epoch, PetscInt nhist, const PetscReal hist[])
{
  char tmp[PETSC_MAX_PATH_LEN];
  PetscMPIInt rank;
  PetscErrorCode ierr = 0;

  PetscFunctionBegin;
  PetscCheck(m->setup, m->comm, PETSC_ERR_ORDER, "call CfxFluxNOSetUp() before CfxFluxNOSave()");
  PetscCall(PetscLogEventBegin(CFXFLUXNO_IO, 0, 0, 0, 0));
  PetscCall(CfxOutputTempName(file, tmp, sizeof(tmp)));
  PetscCallMPI(MPI_Comm_rank(m->comm, &rank));
  if (rank == 0) {
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = SaveRank0(m, tmp, opt, epoch, nhist, hist);
    PetscCall(PetscPopErrorHandler());
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &ierr, 1, MPI_INT, MPI_MAX, m->comm));
  if (ierr && rank == 0) (void)remove(tmp);
  PetscCheck(!ierr, m->comm, PETSC_ERR_FILE_WRITE, "could not write the checkpoint %s (HDF5 error writing %s)", file, tmp);
  PetscCall(CfxOutputCommit(m->comm, file));
  PetscCall(PetscLogEventEnd(CFXFLUXNO_IO, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* ---- reading */
typedef struct {
  MPI_Comm comm;
  const char *file;
  hid_t h, g;
} Reader;

static PetscErrorCode GetText(Reader *r, const char name[], char value[], size_t len)
{
  PetscBool found;

  PetscFunctionBegin;
  PetscCall(CfxH5GetAttributeText(r->g, name, value, len, &found));
  PetscCheck(found, r->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: /model has no attribute \"%s\" (not a conflux model checkpoint, or written by an incompatible version)", r->file, name);
  PetscFunctionReturn(0);
}

static PetscErrorCode GetInt(Reader *r, const char name[], PetscInt *v)
{
  char buf[64], *end;
  long x;

  PetscFunctionBegin;
  PetscCall(GetText(r, name, buf, sizeof(buf)));
  x = strtol(buf, &end, 10);
  PetscCheck(end != buf && *end == 0, r->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: /model attribute %s = \"%s\" is not an integer", r->file, name, buf);
  *v = (PetscInt)x;
  PetscFunctionReturn(0);
}

static PetscErrorCode GetReal(Reader *r, const char name[], PetscReal *v)
{
  char buf[64], *end;

  PetscFunctionBegin;
  PetscCall(GetText(r, name, buf, sizeof(buf)));
  *v = (PetscReal)strtod(buf, &end);
  PetscCheck(end != buf && *end == 0 && !PetscIsInfOrNanReal(*v), r->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: /model attribute %s = \"%s\" is not a finite number", r->file, name, buf);
  PetscFunctionReturn(0);
}

static PetscErrorCode GetEnum(Reader *r, const char name[], const char *const list[], PetscInt n, PetscInt *v)
{
  char buf[64];

  PetscFunctionBegin;
  PetscCall(GetText(r, name, buf, sizeof(buf)));
  for (PetscInt i = 0; i < n; i++)
    if (!strcmp(buf, list[i])) {
      *v = i;
      PetscFunctionReturn(0);
    }
  SETERRQ(r->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: /model attribute %s = \"%s\" is not one of the known values (%s, %s)", r->file, name, buf, list[0], list[1]);
}

/* Reads dataset `name` under loc into data, checking that it is a float array of the given
   shape with finite values. */
static PetscErrorCode ReadArray(Reader *r, hid_t loc, const char group[], const char name[], PetscInt ndim, const PetscInt shape[], PetscReal data[])
{
  hid_t dset, space;
  hsize_t dims[8];
  int nd;
  PetscInt size = 1;
  char want[64] = "", found[64] = "";

  PetscFunctionBegin;
  PetscCheck(H5Lexists(loc, name, H5P_DEFAULT) > 0, r->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: missing parameter /%s/%s (the file does not match the model its /model attributes describe)", r->file,
             group, name);
  dset = H5Dopen2(loc, name, H5P_DEFAULT);
  H5Try(dset, PETSC_ERR_FILE_READ, "%s: cannot open /%s/%s", r->file, group, name);
  space = H5Dget_space(dset);
  nd    = H5Sget_simple_extent_ndims(space);
  PetscCheck(nd >= 1 && nd <= 8, r->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: /%s/%s has rank %d", r->file, group, name, nd);
  H5Sget_simple_extent_dims(space, dims, NULL);
  H5Sclose(space);
  for (PetscInt d = 0; d < ndim; d++) {
    char one[24];
    PetscCall(PetscSNPrintf(one, sizeof(one), "%s%" PetscInt_FMT, d ? "," : "", shape[d]));
    PetscCall(PetscStrlcat(want, one, sizeof(want)));
    size *= shape[d];
  }
  for (int d = 0; d < nd; d++) {
    char one[24];
    PetscCall(PetscSNPrintf(one, sizeof(one), "%s%llu", d ? "," : "", (unsigned long long)dims[d]));
    PetscCall(PetscStrlcat(found, one, sizeof(found)));
  }
  {
    PetscBool same = (PetscBool)(nd == ndim);
    for (int d = 0; same && d < nd; d++) same = (PetscBool)(dims[d] == (hsize_t)shape[d]);
    PetscCheck(same, r->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: /%s/%s has shape [%s], the model expects [%s] (hyperparameters and parameters disagree)", r->file, group, name, found, want);
  }
  H5Try(H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), PETSC_ERR_FILE_READ, "%s: cannot read /%s/%s", r->file, group, name);
  H5Dclose(dset);
  for (PetscInt i = 0; i < size; i++)
    PetscCheck(!PetscIsInfOrNanReal(data[i]), r->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: /%s/%s holds a non-finite value (%g) at flat index %" PetscInt_FMT, r->file, group, name, (double)data[i], i);
  PetscFunctionReturn(0);
}

static PetscErrorCode OpenReader(MPI_Comm comm, const char file[], Reader *r)
{
  PetscBool exists;

  PetscFunctionBegin;
  r->comm = comm;
  r->file = file;
  PetscCall(PetscTestFile(file, 'r', &exists));
  PetscCheck(exists, comm, PETSC_ERR_FILE_OPEN, "model file %s does not exist or is not readable", file);
  PetscCheck(H5Fis_hdf5(file) > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "%s is not an HDF5 file (truncated or corrupt?)", file);
  r->h = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
  H5Try(r->h, PETSC_ERR_FILE_OPEN, "cannot open %s as HDF5 (truncated or corrupt?)", file);
  PetscCheck(H5Lexists(r->h, "model", H5P_DEFAULT) > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "%s has no /model group: it is not a model checkpoint (a dataset? see `conflux info %s`)", file, file);
  r->g = H5Gopen2(r->h, "model", H5P_DEFAULT);
  PetscFunctionReturn(0);
}

static PetscErrorCode LoadAll(MPI_Comm comm, const char file[], CfxFluxNO *model)
{
  Reader r;
  CfxFluxNO m;
  char kind[32], flux[32], prm[128];
  PetscInt p, q, net = 0, time = 0, width, layers, modes, pwidth, seed, nstored, n, nprm = 0;
  PetscReal ratio, lambda, fprm[3];
  hid_t gp;

  PetscFunctionBegin;
  PetscCall(OpenReader(comm, file, &r));
  PetscCall(GetText(&r, "kind", kind, sizeof(kind)));
  PetscCheck(!strcmp(kind, CFXFLUXNO_FLUX) || !strcmp(kind, CFXFLUXNO_FNO1D), comm, PETSC_ERR_FILE_UNEXPECTED, "%s: model kind \"%s\" is not fluxno or fno", file, kind);
  PetscCall(GetInt(&r, "p", &p));
  PetscCall(GetInt(&r, "q", &q));
  PetscCall(GetEnum(&r, "net", CfxFluxNONetTypes, 2, &net));
  PetscCall(GetInt(&r, "width", &width));
  PetscCall(GetInt(&r, "layers", &layers));
  PetscCall(GetInt(&r, "modes", &modes));
  PetscCall(GetInt(&r, "proj_width", &pwidth));
  PetscCall(GetEnum(&r, "time", CfxFluxNOTimeTypes, 2, &time));
  PetscCall(GetReal(&r, "dt_over_dx", &ratio));
  PetscCall(GetReal(&r, "lambda", &lambda));
  PetscCall(GetText(&r, "flux", flux, sizeof(flux)));
  PetscCall(GetText(&r, "flux_params", prm, sizeof(prm)));
  for (char *s = prm; *s && nprm < 3;) {
    char *end;
    fprm[nprm++] = (PetscReal)strtod(s, &end);
    PetscCheck(end != s, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: /model attribute flux_params = \"%s\" is not a list of numbers", file, prm);
    s = *end == ',' ? end + 1 : end;
  }
  PetscCall(GetInt(&r, "seed", &seed));
  PetscCall(GetInt(&r, "nparams", &nstored));

  PetscCall(CfxFluxNOCreate(comm, &m));
  *model = m;
  PetscCall(CfxFluxNOSetType(m, kind));
  PetscCall(CfxFluxNOSetStencil(m, p, q));
  PetscCall(CfxFluxNOSetNetwork(m, (CfxFluxNONetType)net));
  PetscCall(CfxFluxNOSetSizes(m, width, layers, modes, pwidth));
  PetscCall(CfxFluxNOSetTimeStepping(m, (CfxFluxNOTimeType)time));
  if (ratio > 0) PetscCall(CfxFluxNOSetRatio(m, ratio));
  PetscCall(CfxFluxNOSetConsistencyWeight(m, lambda));
  PetscCall(CfxFluxNOSetPhysicalFlux(m, flux, nprm, fprm));
  PetscCall(CfxFluxNOSetSeed(m, (uint64_t)seed));
  PetscCall(CfxFluxNOSetUp(m));
  PetscCall(CfxParamSetGetSize(m->ps, &n));
  PetscCheck(n == nstored, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: /model says %" PetscInt_FMT " parameter values, the model it describes has %" PetscInt_FMT, file, nstored, n);
  PetscCheck(H5Lexists(r.h, "params", H5P_DEFAULT) > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: no /params group", file);
  gp = H5Gopen2(r.h, "params", H5P_DEFAULT);
  PetscCall(CfxParamSetGetNumParameters(m->ps, &n));
  for (PetscInt i = 0; i < n; i++) {
    const char *name;
    CfxTensor t;
    PetscCall(CfxParamSetGetParameter(m->ps, i, &name, &t, NULL));
    PetscCall(ReadArray(&r, gp, "params", name, t->ndim, t->shape, t->data));
  }
  H5Gclose(gp);
  H5Gclose(r.g);
  H5Fclose(r.h);
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
  /* HDF5's own error stack would print pages for a corrupt file; our message says it all */
  H5Eget_auto2(H5E_DEFAULT, &func, &data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  ierr = LoadAll(comm, file, model);
  H5Eset_auto2(H5E_DEFAULT, func, data);
  if (ierr) PetscCall(CfxFluxNODestroy(model));
  PetscCall(ierr);
  PetscCall(PetscLogEventEnd(CFXFLUXNO_IO, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  CfxFluxNOLoadTrainingState - Restores the optimizer state (moments, step count) saved with a
  checkpoint and returns the epoch it was saved at. The optimizer must be set up for this model.
@*/
PetscErrorCode CfxFluxNOLoadTrainingState(CfxFluxNO m, const char file[], CfxOptimizer opt, PetscInt *epoch)
{
  Reader r;
  hid_t g;
  PetscInt ns, size, step;
  char buf[64];
  PetscBool found;

  PetscFunctionBegin;
  PetscCall(OpenReader(m->comm, file, &r));
  PetscCheck(H5Lexists(r.h, "optimizer", H5P_DEFAULT) > 0 && H5Lexists(r.h, "state", H5P_DEFAULT) > 0, m->comm, PETSC_ERR_FILE_UNEXPECTED,
             "%s holds no optimizer state (/optimizer, /state): it is a final model, not a training checkpoint", file);
  g = H5Gopen2(r.h, "optimizer", H5P_DEFAULT);
  PetscCall(CfxH5GetAttributeText(g, "step", buf, sizeof(buf), &found));
  PetscCheck(found, m->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: /optimizer has no step attribute", file);
  step = (PetscInt)strtol(buf, NULL, 10);
  PetscCall(CfxOptimizerGetSize(opt, &size));
  PetscCall(CfxOptimizerGetNumStates(opt, &ns));
  for (PetscInt i = 0; i < ns; i++) {
    const char *name;
    PetscReal *a;
    PetscCall(CfxOptimizerGetState(opt, i, &name, &a));
    PetscCall(ReadArray(&r, g, "optimizer", name, 1, &size, a));
  }
  PetscCall(CfxOptimizerSetStepNumber(opt, step));
  H5Gclose(g);
  g = H5Gopen2(r.h, "state", H5P_DEFAULT);
  PetscCall(CfxH5GetAttributeText(g, "epoch", buf, sizeof(buf), &found));
  PetscCheck(found, m->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: /state has no epoch attribute", file);
  *epoch = (PetscInt)strtol(buf, NULL, 10);
  H5Gclose(g);
  H5Gclose(r.g);
  H5Fclose(r.h);
  PetscFunctionReturn(0);
}
