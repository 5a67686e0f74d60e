/* CfxDataset: object lifecycle, setters and getters shared by writing and reading. */
#include "datasetimpl.h"
#include <unistd.h>

const char *const CfxPrecisions[] = {"float64", "float32", "CfxPrecision", "CFX_PRECISION_", NULL};

PetscLogEvent CFX_IO_Read, CFX_IO_Write;
static PetscBool CfxIOPackageInitialized = PETSC_FALSE;

static PetscErrorCode CfxIOFinalizePackage(void)
{
  PetscFunctionBegin;
  CfxIOPackageInitialized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxIOInitializePackage(void)
{
  PetscFunctionBegin;
  if (CfxIOPackageInitialized) PetscFunctionReturn(0);
  CfxIOPackageInitialized = PETSC_TRUE;
  PetscCall(CfxInitializePackage());
  PetscCall(PetscLogEventRegister("CfxDatasetRead", CFX_CLASSID, &CFX_IO_Read));
  PetscCall(PetscLogEventRegister("CfxDatasetWrite", CFX_CLASSID, &CFX_IO_Write));
  PetscCall(PetscRegisterFinalize(CfxIOFinalizePackage));
  PetscFunctionReturn(0);
}

/* conflux reports HDF5 failures itself, with file and dataset names; HDF5's own stack dump
   would only bury that line. The printer is restored when the dataset is closed. */
PetscErrorCode CfxH5Quiet(CfxDataset ds)
{
  PetscFunctionBegin;
  if (!ds->savedFunc) {
    H5Eget_auto2(H5E_DEFAULT, &ds->savedFunc, &ds->savedData);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  }
  PetscFunctionReturn(0);
}

static herr_t KeepDeepest(unsigned n, const H5E_error2_t *err, void *data)
{
  if (n == 0 && err->desc && err->desc[0]) snprintf((char *)data, 256, "%s (in %s)", err->desc, err->func_name);
  return 0;
}

/* The innermost message of HDF5's current error stack, to append to conflux's own message. */
const char *CfxH5ErrorText(void)
{
  static char text[256];

  text[0] = 0;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, KeepDeepest, text);
  return text[0] ? text : "no HDF5 detail";
}

PetscErrorCode CfxH5Loud(CfxDataset ds)
{
  PetscFunctionBegin;
  if (ds->savedFunc) H5Eset_auto2(H5E_DEFAULT, ds->savedFunc, ds->savedData);
  ds->savedFunc = NULL;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxH5SetAttributeText(hid_t obj, const char name[], const char value[])
{
  hid_t type, space, attr;

  PetscFunctionBegin;
  type = H5Tcopy(H5T_C_S1);
  CfxH5Check(type, PETSC_COMM_SELF, PETSC_ERR_LIB, "H5Tcopy failed");
  CfxH5Check(H5Tset_size(type, strlen(value) + 1), PETSC_COMM_SELF, PETSC_ERR_LIB, "H5Tset_size failed");
  space = H5Screate(H5S_SCALAR);
  if (H5Aexists(obj, name) > 0) CfxH5Check(H5Adelete(obj, name), PETSC_COMM_SELF, PETSC_ERR_LIB, "cannot replace attribute %s", name);
  attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  CfxH5Check(attr, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot create attribute %s", name);
  CfxH5Check(H5Awrite(attr, type, value), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write attribute %s", name);
  H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
  PetscFunctionReturn(0);
}

/* Reads a string attribute (fixed or variable length) as text; *found is false if absent. */
PetscErrorCode CfxH5GetAttributeText(hid_t obj, const char name[], char value[], size_t len, PetscBool *found)
{
  hid_t attr, type, mtype;
  char fname[PETSC_MAX_PATH_LEN] = "?";

  PetscFunctionBegin;
  *found   = PETSC_FALSE;
  value[0] = 0;
  if (H5Aexists(obj, name) <= 0) PetscFunctionReturn(0);
  (void)H5Fget_name(obj, fname, sizeof(fname)); /* for the error messages only */
  attr = H5Aopen(obj, name, H5P_DEFAULT);
  CfxH5Check(attr, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot open attribute %s", fname, name);
  type = H5Aget_type(attr);
  if (H5Tget_class(type) == H5T_STRING) {
    if (H5Tis_variable_str(type) > 0) {
      char *s = NULL;
      mtype   = H5Tcopy(H5T_C_S1);
      H5Tset_size(mtype, H5T_VARIABLE);
      H5Tset_cset(mtype, H5Tget_cset(type)); /* h5py writes UTF-8; HDF5 converts no character set */
      CfxH5Check(H5Aread(attr, mtype, &s), PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot read attribute %s as text", fname, name);
      PetscCall(PetscStrncpy(value, s ? s : "", len));
      H5free_memory(s);
      H5Tclose(mtype);
    } else {
      size_t n = H5Tget_size(type);
      char *s;
      PetscCall(PetscCalloc1(n + 1, &s));
      mtype = H5Tcopy(H5T_C_S1);
      H5Tset_size(mtype, n + 1);
      H5Tset_cset(mtype, H5Tget_cset(type));
      CfxH5Check(H5Aread(attr, mtype, s), PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot read attribute %s as text", fname, name);
      PetscCall(PetscStrncpy(value, s, len));
      PetscCall(PetscFree(s));
      H5Tclose(mtype);
    }
    *found = PETSC_TRUE;
  } else if (H5Tget_class(type) == H5T_INTEGER || H5Tget_class(type) == H5T_FLOAT) {
    double v;
    hid_t space = H5Aget_space(attr);
    if (H5Sget_simple_extent_npoints(space) == 1 && H5Aread(attr, H5T_NATIVE_DOUBLE, &v) >= 0) {
      PetscCall(PetscSNPrintf(value, len, "%.17g", v));
      *found = PETSC_TRUE;
    }
    H5Sclose(space);
  }
  H5Tclose(type);
  H5Aclose(attr);
  PetscFunctionReturn(0);
}

/*@C
  CfxDatasetCreate - Creates an empty dataset description for writing. Set sizes, coordinates,
  parameter names and attributes, then CfxDatasetWriteBegin().
@*/
PetscErrorCode CfxDatasetCreate(MPI_Comm comm, CfxDataset *ds)
{
  CfxDataset d;

  PetscFunctionBegin;
  PetscValidPointer(ds, 2);
  PetscCall(CfxIOInitializePackage());
  PetscCall(PetscNew(&d));
  PetscCall(PetscCommDuplicate(comm, &d->comm, NULL));
  d->file = d->tensor = d->params = d->dxpl = H5I_INVALID_HID;
  d->precision                              = CFX_PRECISION_FLOAT64;
  *ds                                       = d;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxDatasetSetSizes(CfxDataset ds, PetscInt ns, PetscInt nt, PetscInt nx, PetscInt nc)
{
  PetscFunctionBegin;
  PetscValidPointer(ds, 1);
  PetscCheck(!ds->setup, ds->comm, PETSC_ERR_ORDER, "sizes cannot change once writing began");
  PetscCheck(ns > 0 && nt > 0 && nx > 0 && nc >= 0, ds->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "dataset sizes must be n_samples, n_t, n_x > 0 and n_c >= 0; found %" PetscInt_FMT ", %" PetscInt_FMT ", %" PetscInt_FMT ", %" PetscInt_FMT, ns, nt, nx, nc);
  ds->ns = ns;
  ds->nt = nt;
  ds->nx = nx;
  ds->nc = nc;
  PetscCall(PetscFree(ds->x));
  PetscCall(PetscFree(ds->t));
  PetscFunctionReturn(0);
}

/*@C
  CfxDatasetSetCoordinates - Cell centres x[n_x] and frame times t[n_t] (copied).
@*/
PetscErrorCode CfxDatasetSetCoordinates(CfxDataset ds, const PetscReal x[], const PetscReal t[])
{
  PetscFunctionBegin;
  PetscValidPointer(ds, 1);
  PetscCheck(ds->nx > 0, ds->comm, PETSC_ERR_ORDER, "call CfxDatasetSetSizes() before CfxDatasetSetCoordinates()");
  PetscCall(CfxCheckFinite(ds->comm, "x-coordinate", ds->nx, x));
  PetscCall(CfxCheckFinite(ds->comm, "t-coordinate", ds->nt, t));
  PetscCall(PetscFree(ds->x));
  PetscCall(PetscFree(ds->t));
  PetscCall(PetscMalloc2(ds->nx, &ds->x, ds->nt, &ds->t));
  PetscCall(PetscArraycpy(ds->x, x, ds->nx));
  PetscCall(PetscArraycpy(ds->t, t, ds->nt));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxDatasetSetParameterNames(CfxDataset ds, PetscInt np, const char *const names[])
{
  PetscFunctionBegin;
  PetscValidPointer(ds, 1);
  PetscCheck(!ds->setup, ds->comm, PETSC_ERR_ORDER, "parameters cannot change once writing began");
  PetscCheck(np >= 0, ds->comm, PETSC_ERR_ARG_OUTOFRANGE, "number of parameters must be >= 0, found %" PetscInt_FMT, np);
  for (PetscInt i = 0; i < ds->np; i++) PetscCall(PetscFree(ds->pnames[i]));
  PetscCall(PetscFree(ds->pnames));
  ds->np = np;
  if (np) PetscCall(PetscCalloc1(np, &ds->pnames));
  for (PetscInt i = 0; i < np; i++) PetscCall(PetscStrallocpy(names[i], &ds->pnames[i]));
  PetscFunctionReturn(0);
}

/*@C
  CfxDatasetSetAttribute - A root attribute (string) written with the file, e.g. pde, flux,
  scheme, cfl, bc, seed. conflux_version is added automatically.
@*/
PetscErrorCode CfxDatasetSetAttribute(CfxDataset ds, const char name[], const char value[])
{
  PetscBool same;

  PetscFunctionBegin;
  PetscValidPointer(ds, 1);
  PetscCheck(!ds->setup, ds->comm, PETSC_ERR_ORDER, "attributes must be set before CfxDatasetWriteBegin()");
  for (PetscInt i = 0; i < ds->nattrs; i++) {
    PetscCall(PetscStrcmp(ds->attrName[i], name, &same));
    if (same) {
      PetscCall(PetscFree(ds->attrValue[i]));
      PetscCall(PetscStrallocpy(value, &ds->attrValue[i]));
      PetscFunctionReturn(0);
    }
  }
  PetscCheck(ds->nattrs < CFX_DATASET_MAX_ATTRS, ds->comm, PETSC_ERR_ARG_OUTOFRANGE, "at most %d root attributes", CFX_DATASET_MAX_ATTRS);
  PetscCall(PetscStrallocpy(name, &ds->attrName[ds->nattrs]));
  PetscCall(PetscStrallocpy(value, &ds->attrValue[ds->nattrs]));
  ds->nattrs++;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxDatasetSetPrecision(CfxDataset ds, CfxPrecision p)
{
  PetscFunctionBegin;
  PetscValidPointer(ds, 1);
  ds->precision = p;
  PetscFunctionReturn(0);
}

/*@C
  CfxDatasetSetCompression - gzip level 0 (none) to 9 for the tensor dataset.
@*/
PetscErrorCode CfxDatasetSetCompression(CfxDataset ds, PetscInt level)
{
  PetscFunctionBegin;
  PetscValidPointer(ds, 1);
  PetscCheck(level >= 0 && level <= 9, ds->comm, PETSC_ERR_ARG_OUTOFRANGE, "gzip level must be 0..9, found %" PetscInt_FMT, level);
  ds->gzip = level;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxDatasetSetOverwrite(CfxDataset ds, PetscBool overwrite)
{
  PetscFunctionBegin;
  PetscValidPointer(ds, 1);
  ds->overwrite = overwrite;
  PetscFunctionReturn(0);
}

/*@C
  CfxDatasetSetFromOptions - -dataset_precision {float64,float32}, -dataset_gzip level, -force.
@*/
PetscErrorCode CfxDatasetSetFromOptions(CfxDataset ds)
{
  PetscFunctionBegin;
  PetscValidPointer(ds, 1);
  PetscOptionsBegin(ds->comm, NULL, "Dataset output options", "CfxDataset");
  PetscCall(PetscOptionsEnum("-dataset_precision", "Floating-point type of the tensor dataset", "CfxDatasetSetPrecision", CfxPrecisions, (PetscEnum)ds->precision, (PetscEnum *)&ds->precision, NULL));
  PetscCall(PetscOptionsRangeInt("-dataset_gzip", "gzip level of the tensor dataset (0 = none)", "CfxDatasetSetCompression", ds->gzip, &ds->gzip, NULL, 0, 9));
  PetscCall(PetscOptionsBool("-force", "Replace an existing output file", "CfxDatasetSetOverwrite", ds->overwrite, &ds->overwrite, NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

PetscErrorCode CfxDatasetGetSizes(CfxDataset ds, PetscInt *ns, PetscInt *nt, PetscInt *nx, PetscInt *nc)
{
  PetscFunctionBegin;
  PetscValidPointer(ds, 1);
  if (ns) *ns = ds->ns;
  if (nt) *nt = ds->nt;
  if (nx) *nx = ds->nx;
  if (nc) *nc = ds->nc;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxDatasetGetCoordinates(CfxDataset ds, const PetscReal *x[], const PetscReal *t[])
{
  PetscFunctionBegin;
  PetscValidPointer(ds, 1);
  if (x) *x = ds->x;
  if (t) *t = ds->t;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxDatasetGetParameterNames(CfxDataset ds, PetscInt *np, const char *const *names[])
{
  PetscFunctionBegin;
  PetscValidPointer(ds, 1);
  if (np) *np = ds->np;
  if (names) *names = (const char *const *)ds->pnames;
  PetscFunctionReturn(0);
}

/*@C
  CfxDatasetGetOwnership - The samples [lo, hi) this rank writes or reads: contiguous blocks,
  the first n_samples % size ranks holding one more (PETSc's PETSC_DECIDE split).
@*/
PetscErrorCode CfxDatasetGetOwnership(CfxDataset ds, PetscInt *lo, PetscInt *hi)
{
  PetscMPIInt rank, size;
  PetscInt base, extra;

  PetscFunctionBegin;
  PetscValidPointer(ds, 1);
  PetscCallMPI(MPI_Comm_rank(ds->comm, &rank));
  PetscCallMPI(MPI_Comm_size(ds->comm, &size));
  base  = ds->ns / size;
  extra = ds->ns % size;
  if (lo) *lo = rank * base + PetscMin(rank, extra);
  if (hi) *hi = (rank + 1) * base + PetscMin(rank + 1, extra);
  PetscFunctionReturn(0);
}

PetscErrorCode CfxDatasetGetFileName(CfxDataset ds, const char *name[])
{
  PetscFunctionBegin;
  PetscValidPointer(ds, 1);
  *name = ds->filename;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxDatasetView(CfxDataset ds, PetscViewer viewer)
{
  PetscFunctionBegin;
  PetscValidPointer(ds, 1);
  if (!viewer) PetscCall(PetscViewerASCIIGetStdout(ds->comm, &viewer));
  PetscCall(PetscViewerASCIIPrintf(viewer, "CfxDataset %s: %" PetscInt_FMT " samples x %" PetscInt_FMT " frames x %" PetscInt_FMT " cells", ds->filename[0] ? ds->filename : "(no file)", ds->ns,
                                   ds->nt, ds->nx));
  if (ds->nc) PetscCall(PetscViewerASCIIPrintf(viewer, " x %" PetscInt_FMT " components", ds->nc));
  PetscCall(PetscViewerASCIIPrintf(viewer, ", %s, %" PetscInt_FMT " parameters\n", CfxPrecisions[ds->precision], ds->np));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxDatasetFreeContents(CfxDataset ds)
{
  PetscFunctionBegin;
  if (ds->tensor >= 0) H5Dclose(ds->tensor);
  if (ds->params >= 0) H5Dclose(ds->params);
  if (ds->dxpl >= 0) H5Pclose(ds->dxpl);
  if (ds->file >= 0) H5Fclose(ds->file);
  ds->file = ds->tensor = ds->params = ds->dxpl = H5I_INVALID_HID;
  PetscCall(CfxH5Loud(ds));
  PetscFunctionReturn(0);
}

static PetscErrorCode CfxDatasetDestroy_Private(CfxDataset *ds)
{
  CfxDataset d = *ds;

  PetscFunctionBegin;
  PetscCall(CfxDatasetFreeContents(d));
  PetscCall(PetscFree2(d->x, d->t));
  for (PetscInt i = 0; i < d->np; i++) PetscCall(PetscFree(d->pnames[i]));
  PetscCall(PetscFree(d->pnames));
  for (PetscInt i = 0; i < d->nattrs; i++) {
    PetscCall(PetscFree(d->attrName[i]));
    PetscCall(PetscFree(d->attrValue[i]));
  }
  PetscCall(PetscCommDestroy(&d->comm));
  PetscCall(PetscFree(*ds));
  PetscFunctionReturn(0);
}

/*@C
  CfxDatasetClose - Collective. For a dataset being written: closes the file, writes the XDMF
  sidecar and renames NAME.tmp to NAME. For one being read: closes it. Frees the object.
@*/
PetscErrorCode CfxDatasetClose(CfxDataset *ds)
{
  CfxDataset d;

  PetscFunctionBegin;
  if (!ds || !*ds) PetscFunctionReturn(0);
  d = *ds;
  if (d->writing) {
    PetscMPIInt rank;
    char xmf[PETSC_MAX_PATH_LEN];
    const char *base;

    PetscCall(CfxDatasetFreeContents(d));
    PetscCall(CfxOutputCommit(d->comm, d->filename));
    PetscCallMPI(MPI_Comm_rank(d->comm, &rank));
    PetscCall(PetscSNPrintf(xmf, sizeof(xmf), "%s.xmf", d->filename));
    base = strrchr(d->filename, '/') ? strrchr(d->filename, '/') + 1 : d->filename;
    if (rank == 0)
      PetscCall(CfxXdmfWriteDataset(PETSC_COMM_SELF, xmf, base, d->ns, d->nt, d->nx, d->nc, d->precision == CFX_PRECISION_FLOAT32 ? "Float" : "Double", d->precision == CFX_PRECISION_FLOAT32 ? 4 : 8));
  }
  PetscCall(CfxDatasetDestroy_Private(ds));
  PetscFunctionReturn(0);
}

/*@C
  CfxDatasetAbort - Collective. Gives up on a dataset being written: closes and deletes
  NAME.tmp, leaves NAME (if it existed) untouched. For a dataset being read, same as Close.
@*/
PetscErrorCode CfxDatasetAbort(CfxDataset *ds)
{
  CfxDataset d;
  PetscMPIInt rank;

  PetscFunctionBegin;
  if (!ds || !*ds) PetscFunctionReturn(0);
  d = *ds;
  PetscCall(CfxDatasetFreeContents(d));
  PetscCallMPI(MPI_Comm_rank(d->comm, &rank));
  if (d->writing) {
    PetscCallMPI(MPI_Barrier(d->comm));
    if (rank == 0) (void)unlink(d->tmpname);
    PetscCallMPI(MPI_Barrier(d->comm)); /* on return, no rank can still see NAME.tmp */
  }
  PetscCall(CfxDatasetDestroy_Private(ds));
  PetscFunctionReturn(0);
}
