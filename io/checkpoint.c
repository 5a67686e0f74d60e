/* CfxCheckpoint: parameters, optimizer state and training state in one HDF5 file, written
   atomically by rank 0 and read (validated, all-or-nothing) by every rank. Layout in
   cfxcheckpoint.h. */
#include <cfximpl.h>
#include <conflux/cfxcheckpoint.h>
#include <conflux/cfxio.h>
#include <hdf5.h>
#include <unistd.h>

#define CK_MAX_ATTRS 64

struct _p_CfxCheckpoint {
  MPI_Comm comm;
  char *kind;
  PetscInt nattrs;
  char *attrName[CK_MAX_ATTRS], *attrValue[CK_MAX_ATTRS];
  CfxParamSet params;
  CfxOptimizer opt;
  PetscInt step, epoch;
  CfxRNG rng;
  PetscInt nloss;
  PetscReal *loss;
  PetscBool overwrite;
};

#define H5Try(expr, code, ...) PetscCheck((expr) >= 0, PETSC_COMM_SELF, code, __VA_ARGS__)

static PetscLogEvent CFX_CheckpointSave, CFX_CheckpointLoad;
static PetscBool CfxCheckpointPackageInitialized = PETSC_FALSE;

static PetscErrorCode CfxCheckpointInitializePackage(void)
{
  PetscFunctionBegin;
  if (CfxCheckpointPackageInitialized) PetscFunctionReturn(0);
  CfxCheckpointPackageInitialized = PETSC_TRUE;
  PetscCall(CfxInitializePackage());
  PetscCall(PetscLogEventRegister("CfxCheckptSave", CFX_CLASSID, &CFX_CheckpointSave));
  PetscCall(PetscLogEventRegister("CfxCheckptLoad", CFX_CLASSID, &CFX_CheckpointLoad));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxCheckpointCreate(MPI_Comm comm, CfxCheckpoint *ck)
{
  CfxCheckpoint c;

  PetscFunctionBegin;
  PetscValidPointer(ck, 2);
  PetscCall(CfxCheckpointInitializePackage());
  PetscCall(PetscNew(&c));
  c->comm      = comm;
  c->overwrite = PETSC_TRUE;
  *ck          = c;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxCheckpointSetModelKind(CfxCheckpoint ck, const char kind[])
{
  PetscFunctionBegin;
  PetscCall(PetscFree(ck->kind));
  PetscCall(PetscStrallocpy(kind, &ck->kind));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxCheckpointGetModelKind(CfxCheckpoint ck, const char **kind)
{
  PetscFunctionBegin;
  *kind = ck->kind;
  PetscFunctionReturn(0);
}

/*@C
  CfxCheckpointSetModelAttribute - A hyperparameter of the model stored as a text attribute
  of /model (e.g. "width" = "64"); replaces an earlier value of the same name.
@*/
PetscErrorCode CfxCheckpointSetModelAttribute(CfxCheckpoint ck, const char name[], const char value[])
{
  PetscBool same;

  PetscFunctionBegin;
  PetscCall(PetscStrcmp(name, "kind", &same));
  PetscCheck(!same, ck->comm, PETSC_ERR_ARG_WRONG, "set the model kind with CfxCheckpointSetModelKind");
  for (PetscInt i = 0; i < ck->nattrs; i++) {
    PetscCall(PetscStrcmp(ck->attrName[i], name, &same));
    if (same) {
      PetscCall(PetscFree(ck->attrValue[i]));
      PetscCall(PetscStrallocpy(value, &ck->attrValue[i]));
      PetscFunctionReturn(0);
    }
  }
  PetscCheck(ck->nattrs < CK_MAX_ATTRS, ck->comm, PETSC_ERR_SUP, "at most %d model attributes", CK_MAX_ATTRS);
  PetscCall(PetscStrallocpy(name, &ck->attrName[ck->nattrs]));
  PetscCall(PetscStrallocpy(value, &ck->attrValue[ck->nattrs]));
  ck->nattrs++;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxCheckpointGetModelAttribute(CfxCheckpoint ck, const char name[], const char **value)
{
  PetscBool same;

  PetscFunctionBegin;
  *value = NULL;
  for (PetscInt i = 0; i < ck->nattrs; i++) {
    PetscCall(PetscStrcmp(ck->attrName[i], name, &same));
    if (same) *value = ck->attrValue[i];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode CfxCheckpointSetParamSet(CfxCheckpoint ck, CfxParamSet ps)
{
  PetscFunctionBegin;
  ck->params = ps;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxCheckpointSetOptimizer(CfxCheckpoint ck, CfxOptimizer opt)
{
  PetscFunctionBegin;
  ck->opt = opt;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxCheckpointSetStep(CfxCheckpoint ck, PetscInt step, PetscInt epoch)
{
  PetscFunctionBegin;
  ck->step  = step;
  ck->epoch = epoch;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxCheckpointGetStep(CfxCheckpoint ck, PetscInt *step, PetscInt *epoch)
{
  PetscFunctionBegin;
  if (step) *step = ck->step;
  if (epoch) *epoch = ck->epoch;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxCheckpointSetRNG(CfxCheckpoint ck, const CfxRNG *rng)
{
  PetscFunctionBegin;
  ck->rng = *rng;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxCheckpointGetRNG(CfxCheckpoint ck, CfxRNG *rng)
{
  PetscFunctionBegin;
  *rng = ck->rng;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxCheckpointSetLossHistory(CfxCheckpoint ck, PetscInt n, const PetscReal loss[])
{
  PetscFunctionBegin;
  PetscCheck(n >= 0, ck->comm, PETSC_ERR_ARG_OUTOFRANGE, "loss history length must be >= 0, found %" PetscInt_FMT, n);
  PetscCall(PetscFree(ck->loss));
  PetscCall(PetscMalloc1(PetscMax(n, 1), &ck->loss));
  if (n) PetscCall(PetscArraycpy(ck->loss, loss, n));
  ck->nloss = n;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxCheckpointGetLossHistory(CfxCheckpoint ck, PetscInt *n, const PetscReal **loss)
{
  PetscFunctionBegin;
  *n = ck->nloss;
  if (loss) *loss = ck->loss;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxCheckpointSetOverwrite(CfxCheckpoint ck, PetscBool flg)
{
  PetscFunctionBegin;
  ck->overwrite = flg;
  PetscFunctionReturn(0);
}

/*@C
  CfxCheckpointEncodeName - HDF5 link name of a parameter: '/' -> %2F, '%' -> %25, "." -> %2E.
@*/
PetscErrorCode CfxCheckpointEncodeName(const char name[], char key[], size_t len)
{
  size_t j = 0;

  PetscFunctionBegin;
  PetscCheck(name && name[0], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "parameter name is empty");
  if (!strcmp(name, ".")) {
    PetscCall(PetscStrncpy(key, "%2E", len));
    PetscFunctionReturn(0);
  }
  for (const char *c = name; *c; c++) {
    const char *rep = *c == '/' ? "%2F" : (*c == '%' ? "%25" : NULL);
    size_t need     = rep ? 3 : 1;
    PetscCheck(j + need < len, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "parameter name %s too long for its HDF5 key (%zu bytes)", name, len);
    if (rep) {
      memcpy(key + j, rep, 3);
      j += 3;
    } else
      key[j++] = *c;
  }
  key[j] = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxCheckpointDecodeName(const char key[], char name[], size_t len)
{
  size_t j = 0;

  PetscFunctionBegin;
  for (const char *c = key; *c; c++) {
    char out = *c;
    PetscCheck(j + 1 < len, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "HDF5 key %s too long", key);
    if (c[0] == '%' && c[1] && c[2]) {
      if (!strncmp(c, "%2F", 3))
        out = '/';
      else if (!strncmp(c, "%25", 3))
        out = '%';
      else if (!strncmp(c, "%2E", 3))
        out = '.';
      if (out != '%' || !strncmp(c, "%25", 3)) c += 2;
    }
    name[j++] = out;
  }
  name[j] = 0;
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- writing */

static PetscErrorCode WriteArray(hid_t loc, const char key[], PetscInt ndim, const PetscInt shape[], const PetscReal data[], const char fullname[])
{
  hsize_t dims[CFX_TENSOR_MAX_DIMS];
  hid_t space, dset;

  PetscFunctionBegin;
  for (PetscInt d = 0; d < ndim; d++) dims[d] = (hsize_t)shape[d];
  space = H5Screate_simple((int)ndim, dims, NULL);
  H5Try(space, PETSC_ERR_LIB, "H5Screate_simple failed for %s", key);
  dset = H5Dcreate2(loc, key, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Sclose(space);
  H5Try(dset, PETSC_ERR_FILE_WRITE, "cannot create dataset %s", key);
  if (H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
    H5Dclose(dset);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write dataset %s", key);
  }
  if (fullname) {
    PetscErrorCode ierr = CfxH5SetAttributeText(dset, "name", fullname);
    H5Dclose(dset);
    PetscCall(ierr);
  } else
    H5Dclose(dset);
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteScalar(hid_t loc, const char key[], hid_t type, const void *value, hsize_t n)
{
  hid_t space = n ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR), dset;

  PetscFunctionBegin;
  dset = H5Dcreate2(loc, key, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Sclose(space);
  H5Try(dset, PETSC_ERR_FILE_WRITE, "cannot create dataset %s", key);
  if (H5Dwrite(dset, type == H5T_STD_I64LE ? H5T_NATIVE_INT64 : H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, value) < 0) {
    H5Dclose(dset);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write dataset %s", key);
  }
  H5Dclose(dset);
  PetscFunctionReturn(0);
}

static PetscErrorCode SetAttributeReal(hid_t obj, const char name[], PetscReal v)
{
  char text[64];

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(text, sizeof(text), "%.17g", (double)v));
  PetscCall(CfxH5SetAttributeText(obj, name, text));
  PetscFunctionReturn(0);
}

/* Per-parameter datasets of a flat array (parameter values or an optimizer state) in group g. */
static PetscErrorCode WriteFlat(CfxCheckpoint ck, hid_t g, const PetscReal *flat, PetscBool checkFinite)
{
  PetscInt np;

  PetscFunctionBegin;
  PetscCall(CfxParamSetGetNumParameters(ck->params, &np));
  for (PetscInt i = 0; i < np; i++) {
    const char *name;
    CfxTensor t;
    PetscInt off;
    char key[PETSC_MAX_PATH_LEN], what[PETSC_MAX_PATH_LEN + 32];

    PetscCall(CfxParamSetGetParameter(ck->params, i, &name, &t, &off));
    if (checkFinite) {
      PetscCall(PetscSNPrintf(what, sizeof(what), "checkpoint parameter %s", name));
      PetscCall(CfxCheckFinite(PETSC_COMM_SELF, what, t->size, flat + off));
    }
    PetscCall(CfxCheckpointEncodeName(name, key, sizeof(key)));
    PetscCall(WriteArray(g, key, t->ndim, t->shape, flat + off, name));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteOptimizer(CfxCheckpoint ck, hid_t file)
{
  hid_t g, sg;
  CfxOptimizerType type;
  PetscInt k, step;
  int64_t step64;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  g = H5Gcreate2(file, "optimizer", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Try(g, PETSC_ERR_FILE_WRITE, "cannot create group /optimizer");
  PetscCall(CfxOptimizerGetType(ck->opt, &type));
  PetscCall(CfxOptimizerSetUp(ck->opt));
  PetscCall(CfxOptimizerGetStepNumber(ck->opt, &step));
  PetscCall(CfxOptimizerGetNumStates(ck->opt, &k));
  step64 = step;
  ierr   = CfxH5SetAttributeText(g, "type", CfxOptimizerTypes[type]);
  if (!ierr) {
    PetscReal lr;
    ierr = CfxOptimizerGetLearningRate(ck->opt, &lr);
    if (!ierr) ierr = SetAttributeReal(g, "lr", lr);
  }
  if (!ierr) ierr = WriteScalar(g, "step", H5T_STD_I64LE, &step64, 0);
  for (PetscInt s = 0; s < k && !ierr; s++) {
    const char *sname;
    PetscReal *buf;
    ierr = CfxOptimizerGetState(ck->opt, s, &sname, &buf);
    if (ierr) break;
    sg = H5Gcreate2(g, sname, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (sg < 0) {
      H5Gclose(g);
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot create group /optimizer/%s", sname);
    }
    ierr = WriteFlat(ck, sg, buf, PETSC_FALSE);
    H5Gclose(sg);
  }
  H5Gclose(g);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteContents(CfxCheckpoint ck, hid_t file)
{
  hid_t g;
  char version[64];
  PetscReal *p;
  int64_t v;
  uint64_t rng[3] = {ck->rng.seed, ck->rng.stream, ck->rng.counter};
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(CfxH5SetAttributeText(file, "format", "conflux-checkpoint"));
  PetscCall(CfxH5SetAttributeText(file, "format_version", "1"));
  PetscCall(CfxGetVersionString(version, sizeof(version)));
  PetscCall(CfxH5SetAttributeText(file, "conflux_version", version));

  g = H5Gcreate2(file, "model", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Try(g, PETSC_ERR_FILE_WRITE, "cannot create group /model");
  ierr = CfxH5SetAttributeText(g, "kind", ck->kind ? ck->kind : "unknown");
  for (PetscInt i = 0; i < ck->nattrs && !ierr; i++) ierr = CfxH5SetAttributeText(g, ck->attrName[i], ck->attrValue[i]);
  H5Gclose(g);
  PetscCall(ierr);

  PetscCall(CfxParamSetGetArrays(ck->params, &p, NULL));
  g = H5Gcreate2(file, "params", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Try(g, PETSC_ERR_FILE_WRITE, "cannot create group /params");
  ierr = WriteFlat(ck, g, p, PETSC_TRUE);
  H5Gclose(g);
  PetscCall(ierr);

  if (ck->opt) PetscCall(WriteOptimizer(ck, file));

  g = H5Gcreate2(file, "state", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Try(g, PETSC_ERR_FILE_WRITE, "cannot create group /state");
  v    = ck->step;
  ierr = WriteScalar(g, "step", H5T_STD_I64LE, &v, 0);
  v    = ck->epoch;
  if (!ierr) ierr = WriteScalar(g, "epoch", H5T_STD_I64LE, &v, 0);
  if (!ierr) ierr = WriteScalar(g, "rng", H5T_STD_U64LE, rng, 3);
  if (!ierr) {
    PetscInt shape[1] = {ck->nloss};
    ierr              = WriteArray(g, "loss_history", 1, shape, ck->loss, NULL);
  }
  H5Gclose(g);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteFile(CfxCheckpoint ck, const char tmp[])
{
  hid_t file;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  H5Try(file, PETSC_ERR_FILE_OPEN, "%s: HDF5 cannot create the file", tmp);
  ierr = WriteContents(ck, file);
  if (H5Fclose(file) < 0 && !ierr) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: closing the file failed", tmp);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/*@C
  CfxCheckpointSave - Collective. Writes the checkpoint to NAME.tmp on rank 0 and renames it
  to NAME when complete; on any failure the temporary file is removed and an existing NAME is
  left untouched.
@*/
PetscErrorCode CfxCheckpointSave(CfxCheckpoint ck, const char name[])
{
  PetscMPIInt rank;
  PetscErrorCode ierr = 0;
  char tmp[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCheck(ck->params, ck->comm, PETSC_ERR_ARG_WRONGSTATE, "%s: set the parameters with CfxCheckpointSetParamSet before saving", name);
  PetscCall(CfxParamSetGetArrays(ck->params, NULL, NULL));
  PetscCall(CfxOutputCheckWritable(ck->comm, name, ck->overwrite));
  PetscCall(CfxOutputTempName(name, tmp, sizeof(tmp)));
  PetscCall(PetscLogEventBegin(CFX_CheckpointSave, 0, 0, 0, 0));
  PetscCallMPI(MPI_Comm_rank(ck->comm, &rank));
  if (rank == 0) {
    H5E_auto2_t efunc;
    void *edata;
    H5Eget_auto2(H5E_DEFAULT, &efunc, &edata);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    ierr = WriteFile(ck, tmp);
    H5Eset_auto2(H5E_DEFAULT, efunc, edata);
    if (ierr) (void)unlink(tmp);
  }
  PetscCallMPI(MPI_Bcast(&ierr, 1, MPI_INT, 0, ck->comm));
  PetscCheck(!ierr, ck->comm, ierr, "%s: checkpoint not saved (reason above); an existing file of that name is unchanged", name);
  PetscCall(CfxOutputCommit(ck->comm, name));
  PetscCall(PetscLogEventEnd(CFX_CheckpointSave, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- reading */

/* Reads dataset key of group g (path for messages) with the given tensor shape into out. */
static PetscErrorCode ReadArray(const char file[], hid_t g, const char path[], const char key[], const char pname[], CfxTensor t, PetscReal out[])
{
  hid_t dset, space, type;
  hsize_t dims[8];
  int fnd;
  PetscBool match, isFloat;
  char expect[64], found[128];

  PetscFunctionBegin;
  PetscCheck(H5Lexists(g, key, H5P_DEFAULT) > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: parameter %s is missing (no dataset %s/%s)", file, pname, path, key);
  dset = H5Dopen2(g, key, H5P_DEFAULT);
  H5Try(dset, PETSC_ERR_FILE_READ, "%s: cannot open %s/%s", file, path, key);
  space = H5Dget_space(dset);
  type  = H5Dget_type(dset);
  fnd   = H5Sget_simple_extent_ndims(space);
  if (fnd >= 0 && fnd <= 8) H5Sget_simple_extent_dims(space, dims, NULL);
  match = (PetscBool)(fnd == t->ndim);
  for (PetscInt d = 0; match && d < t->ndim; d++)
    if (dims[d] != (hsize_t)t->shape[d]) match = PETSC_FALSE;
  isFloat = (PetscBool)(H5Tget_class(type) == H5T_FLOAT);
  if (!match || !isFloat) {
    size_t j            = 0;
    PetscErrorCode ierr = CfxTensorShapeString(t, expect, sizeof(expect));
    if (ierr) expect[0] = 0;
    found[j++] = '[';
    for (int d = 0; d < fnd && d < 8 && j < sizeof(found) - 24; d++) j += (size_t)snprintf(found + j, sizeof(found) - j, d ? ",%llu" : "%llu", (unsigned long long)dims[d]);
    found[j++] = ']';
    found[j]   = 0;
    H5Tclose(type);
    H5Sclose(space);
    H5Dclose(dset);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: parameter %s: the model expects shape %s, the checkpoint has %s%s (%s/%s)", file, pname, expect, found,
            match ? " of a non-float type" : "", path, key);
  }
  H5Tclose(type);
  H5Sclose(space);
  if (H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0) {
    H5Dclose(dset);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot read %s/%s", file, path, key);
  }
  H5Dclose(dset);
  PetscFunctionReturn(0);
}

/* Reads per-parameter datasets of group `path` into a flat array laid out as the set. */
static PetscErrorCode ReadFlat(CfxCheckpoint ck, const char file[], hid_t fid, const char path[], PetscReal flat[])
{
  hid_t g;
  PetscInt np;
  H5G_info_t info;
  PetscErrorCode ierr = 0;

  PetscFunctionBegin;
  PetscCheck(H5Lexists(fid, path, H5P_DEFAULT) > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: group %s is missing (not a conflux checkpoint, or saved without it)", file, path);
  g = H5Gopen2(fid, path, H5P_DEFAULT);
  H5Try(g, PETSC_ERR_FILE_READ, "%s: cannot open group %s", file, path);
  PetscCall(CfxParamSetGetNumParameters(ck->params, &np));
  for (PetscInt i = 0; i < np && !ierr; i++) {
    const char *name;
    CfxTensor t;
    PetscInt off;
    char key[PETSC_MAX_PATH_LEN];

    ierr = CfxParamSetGetParameter(ck->params, i, &name, &t, &off);
    if (!ierr) ierr = CfxCheckpointEncodeName(name, key, sizeof(key));
    if (!ierr) ierr = ReadArray(file, g, path, key, name, t, flat + off);
  }
  if (!ierr && H5Gget_info(g, &info) >= 0 && info.nlinks != (hsize_t)np) {
    /* name one entry the model does not have */
    char extra[PETSC_MAX_PATH_LEN] = "", key[PETSC_MAX_PATH_LEN], dname[PETSC_MAX_PATH_LEN];
    for (hsize_t l = 0; l < info.nlinks && !extra[0]; l++) {
      CfxTensor t;
      if (H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, l, key, sizeof(key), H5P_DEFAULT) < 0) break;
      if (CfxCheckpointDecodeName(key, dname, sizeof(dname))) break;
      if (CfxParamSetFind(ck->params, dname, &t, NULL)) break;
      if (!t) PetscCall(PetscStrncpy(extra, dname, sizeof(extra)));
    }
    H5Gclose(g);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s holds %llu parameters, the model %" PetscInt_FMT "%s%s", file, path, (unsigned long long)info.nlinks, np,
            extra[0] ? "; the model has no parameter " : "", extra);
  }
  H5Gclose(g);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadInts(const char file[], hid_t g, const char path[], const char key[], hid_t memtype, void *out, hssize_t n)
{
  hid_t dset, space;
  hssize_t np;

  PetscFunctionBegin;
  PetscCheck(H5Lexists(g, key, H5P_DEFAULT) > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s/%s is missing", file, path, key);
  dset = H5Dopen2(g, key, H5P_DEFAULT);
  H5Try(dset, PETSC_ERR_FILE_READ, "%s: cannot open %s/%s", file, path, key);
  space = H5Dget_space(dset);
  np    = H5Sget_simple_extent_npoints(space);
  H5Sclose(space);
  if (np != n) {
    H5Dclose(dset);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s/%s must have %lld entries, found %lld", file, path, key, (long long)n, (long long)np);
  }
  if (H5Dread(dset, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0) {
    H5Dclose(dset);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot read %s/%s as integers", file, path, key);
  }
  H5Dclose(dset);
  PetscFunctionReturn(0);
}

typedef struct {
  CfxCheckpoint ck;
  PetscErrorCode ierr;
} AttrIterCtx;

static herr_t CollectModelAttribute(hid_t loc, const char *name, const H5A_info_t *info, void *ptr)
{
  AttrIterCtx *ctx = (AttrIterCtx *)ptr;
  char value[4096];
  PetscBool found, isKind;

  (void)info;
  if ((ctx->ierr = CfxH5GetAttributeText(loc, name, value, sizeof(value), &found))) return -1;
  if (!found) return 0;
  if ((ctx->ierr = PetscStrcmp(name, "kind", &isKind))) return -1;
  if (isKind)
    ctx->ierr = CfxCheckpointSetModelKind(ctx->ck, value);
  else
    ctx->ierr = CfxCheckpointSetModelAttribute(ctx->ck, name, value);
  return ctx->ierr ? -1 : 0;
}

typedef struct {
  PetscReal *params, *state[2], *loss;
  PetscInt nstates, nloss, ostep, step, epoch;
  uint64_t rng[3];
} LoadBuffers;

static PetscErrorCode ReadContents(CfxCheckpoint ck, const char file[], hid_t fid, LoadBuffers *b)
{
  hid_t g;
  int64_t v;
  char text[256];
  PetscBool found;

  PetscFunctionBegin;
  /* model attributes */
  PetscCheck(H5Lexists(fid, "model", H5P_DEFAULT) > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: no /model group: not a conflux checkpoint", file);
  g = H5Gopen2(fid, "model", H5P_DEFAULT);
  H5Try(g, PETSC_ERR_FILE_READ, "%s: cannot open /model", file);
  {
    AttrIterCtx ctx = {ck, 0};
    hsize_t idx     = 0;
    herr_t st       = H5Aiterate2(g, H5_INDEX_NAME, H5_ITER_INC, &idx, CollectModelAttribute, &ctx);
    H5Gclose(g);
    PetscCall(ctx.ierr);
    H5Try(st, PETSC_ERR_FILE_READ, "%s: cannot read the attributes of /model", file);
  }
  /* parameters */
  PetscCall(ReadFlat(ck, file, fid, "params", b->params));
  {
    PetscInt n;
    PetscCall(CfxParamSetGetSize(ck->params, &n));
    PetscCall(CfxCheckFinite(PETSC_COMM_SELF, "checkpoint parameters", n, b->params));
  }
  /* optimizer */
  if (ck->opt) {
    CfxOptimizerType type;
    PetscCheck(H5Lexists(fid, "optimizer", H5P_DEFAULT) > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: an optimizer is attached but the checkpoint has no /optimizer", file);
    g = H5Gopen2(fid, "optimizer", H5P_DEFAULT);
    H5Try(g, PETSC_ERR_FILE_READ, "%s: cannot open /optimizer", file);
    PetscCall(CfxOptimizerGetType(ck->opt, &type));
    {
      PetscErrorCode ierr = CfxH5GetAttributeText(g, "type", text, sizeof(text), &found);
      if (!ierr) ierr = ReadInts(file, g, "/optimizer", "step", H5T_NATIVE_INT64, &v, 1);
      H5Gclose(g);
      PetscCall(ierr);
    }
    PetscCheck(found && !strcmp(text, CfxOptimizerTypes[type]), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: checkpoint optimizer is %s, the attached optimizer is %s", file,
               found ? text : "(not recorded)", CfxOptimizerTypes[type]);
    b->ostep = (PetscInt)v;
    for (PetscInt s = 0; s < b->nstates; s++) {
      const char *sname;
      char path[64];
      PetscCall(CfxOptimizerGetState(ck->opt, s, &sname, NULL));
      PetscCall(PetscSNPrintf(path, sizeof(path), "optimizer/%s", sname));
      PetscCall(ReadFlat(ck, file, fid, path, b->state[s]));
    }
  }
  /* training state */
  PetscCheck(H5Lexists(fid, "state", H5P_DEFAULT) > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: no /state group", file);
  g = H5Gopen2(fid, "state", H5P_DEFAULT);
  H5Try(g, PETSC_ERR_FILE_READ, "%s: cannot open /state", file);
  {
    PetscErrorCode ierr = ReadInts(file, g, "/state", "step", H5T_NATIVE_INT64, &v, 1);
    b->step             = (PetscInt)v;
    if (!ierr) ierr = ReadInts(file, g, "/state", "epoch", H5T_NATIVE_INT64, &v, 1);
    b->epoch = (PetscInt)v;
    if (!ierr) ierr = ReadInts(file, g, "/state", "rng", H5T_NATIVE_UINT64, b->rng, 3);
    if (!ierr) {
      hid_t dset = H5Dopen2(g, "loss_history", H5P_DEFAULT);
      if (dset < 0)
        ierr = PETSC_ERR_FILE_UNEXPECTED;
      else {
        hid_t space = H5Dget_space(dset);
        b->nloss    = (PetscInt)H5Sget_simple_extent_npoints(space);
        H5Sclose(space);
        ierr = PetscMalloc1(PetscMax(b->nloss, 1), &b->loss);
        if (!ierr && b->nloss && H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, b->loss) < 0) ierr = PETSC_ERR_FILE_READ;
        H5Dclose(dset);
      }
    }
    H5Gclose(g);
    PetscCheck(ierr != PETSC_ERR_FILE_UNEXPECTED && ierr != PETSC_ERR_FILE_READ, PETSC_COMM_SELF, ierr, "%s: cannot read /state/loss_history", file);
    PetscCall(ierr);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadFile(CfxCheckpoint ck, const char file[], LoadBuffers *b)
{
  hid_t fid;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCheck(access(file, R_OK) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot read the checkpoint file", file);
  PetscCheck(H5Fis_hdf5(file) > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: not an HDF5 file", file);
  fid = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
  H5Try(fid, PETSC_ERR_FILE_OPEN, "%s: HDF5 cannot open the file (truncated or corrupt?)", file);
  ierr = ReadContents(ck, file, fid, b);
  H5Fclose(fid);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/*@C
  CfxCheckpointLoad - Collective. Reads a checkpoint into the parameter set (and the attached
  optimizer and the training state). Everything is read and validated before anything is
  changed, so a failed load leaves the model as it was. The error names the file, the
  parameter and the expected and found shapes when they differ.
@*/
PetscErrorCode CfxCheckpointLoad(CfxCheckpoint ck, const char name[])
{
  LoadBuffers b;
  PetscInt n;
  PetscReal *p;
  PetscErrorCode ierr;
  H5E_auto2_t efunc;
  void *edata;

  PetscFunctionBegin;
  PetscCheck(ck->params, ck->comm, PETSC_ERR_ARG_WRONGSTATE, "%s: set the parameters with CfxCheckpointSetParamSet before loading", name);
  PetscCall(PetscLogEventBegin(CFX_CheckpointLoad, 0, 0, 0, 0));
  PetscCall(PetscMemzero(&b, sizeof(b)));
  PetscCall(CfxParamSetGetSize(ck->params, &n));
  PetscCall(CfxParamSetGetArrays(ck->params, &p, NULL));
  PetscCall(PetscMalloc1(PetscMax(n, 1), &b.params));
  if (ck->opt) {
    PetscCall(CfxOptimizerSetUp(ck->opt));
    PetscCall(CfxOptimizerGetNumStates(ck->opt, &b.nstates));
    for (PetscInt s = 0; s < b.nstates; s++) PetscCall(PetscMalloc1(PetscMax(n, 1), &b.state[s]));
  }
  H5Eget_auto2(H5E_DEFAULT, &efunc, &edata);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  ierr = ReadFile(ck, name, &b);
  H5Eset_auto2(H5E_DEFAULT, efunc, edata);
  if (!ierr) {
    PetscCall(PetscArraycpy(p, b.params, n));
    if (ck->opt) {
      PetscCall(CfxOptimizerSetStepNumber(ck->opt, b.ostep));
      for (PetscInt s = 0; s < b.nstates; s++) {
        PetscReal *buf;
        PetscCall(CfxOptimizerGetState(ck->opt, s, NULL, &buf));
        PetscCall(PetscArraycpy(buf, b.state[s], n));
      }
    }
    ck->step        = b.step;
    ck->epoch       = b.epoch;
    ck->rng.seed    = b.rng[0];
    ck->rng.stream  = b.rng[1];
    ck->rng.counter = b.rng[2];
    PetscCall(PetscFree(ck->loss));
    ck->loss  = b.loss;
    ck->nloss = b.nloss;
    b.loss    = NULL;
  }
  PetscCall(PetscFree(b.params));
  PetscCall(PetscFree(b.state[0]));
  PetscCall(PetscFree(b.state[1]));
  PetscCall(PetscFree(b.loss));
  PetscCall(ierr);
  PetscCall(PetscLogEventEnd(CFX_CheckpointLoad, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxCheckpointView(CfxCheckpoint ck, PetscViewer viewer)
{
  PetscFunctionBegin;
  if (!viewer) viewer = PETSC_VIEWER_STDOUT_(ck->comm);
  PetscCall(PetscViewerASCIIPrintf(viewer, "CfxCheckpoint: model %s, step %" PetscInt_FMT ", epoch %" PetscInt_FMT ", %" PetscInt_FMT " losses recorded\n", ck->kind ? ck->kind : "(unknown)", ck->step,
                                   ck->epoch, ck->nloss));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  for (PetscInt i = 0; i < ck->nattrs; i++) PetscCall(PetscViewerASCIIPrintf(viewer, "%s = %s\n", ck->attrName[i], ck->attrValue[i]));
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxCheckpointDestroy(CfxCheckpoint *ck)
{
  PetscFunctionBegin;
  if (!*ck) PetscFunctionReturn(0);
  for (PetscInt i = 0; i < (*ck)->nattrs; i++) {
    PetscCall(PetscFree((*ck)->attrName[i]));
    PetscCall(PetscFree((*ck)->attrValue[i]));
  }
  PetscCall(PetscFree((*ck)->kind));
  PetscCall(PetscFree((*ck)->loss));
  PetscCall(PetscFree(*ck));
  PetscFunctionReturn(0);
}
