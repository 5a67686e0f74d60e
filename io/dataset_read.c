/* Validated reading of trajectory datasets, conflux's own and PDEBench's. */
#include "datasetimpl.h"
#include <errno.h>
#include <unistd.h>

/* Opens `name` as a float dataset of rank `rank` (or either of two ranks when rank2 > 0) and
   returns its dimensions; every failure names the file, the dataset, expected and found. */
static PetscErrorCode OpenFloatDataset(CfxDataset ds, const char name[], const char expect[], int rank, int rank2, hid_t *dset, int *found, hsize_t dims[4], size_t *bytes)
{
  hid_t space, type;
  int r;

  PetscFunctionBegin;
  PetscCheck(H5Lexists(ds->file, name, H5P_DEFAULT) > 0, ds->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset '%s' is missing (expected %s)", ds->filename, name, expect);
  *dset = H5Dopen2(ds->file, name, H5P_DEFAULT);
  CfxH5Check(*dset, ds->comm, PETSC_ERR_FILE_READ, "%s: '%s' is not a dataset (expected %s)", ds->filename, name, expect);
  space = H5Dget_space(*dset);
  r     = H5Sget_simple_extent_ndims(space);
  PetscCheck(r == rank || (rank2 > 0 && r == rank2), ds->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset '%s' has rank %d, expected %s", ds->filename, name, r, expect);
  H5Sget_simple_extent_dims(space, dims, NULL);
  H5Sclose(space);
  type = H5Dget_type(*dset);
  PetscCheck(H5Tget_class(type) == H5T_FLOAT, ds->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset '%s' must hold floating-point values (float32 or float64), found another type", ds->filename, name);
  if (bytes) *bytes = H5Tget_size(type);
  H5Tclose(type);
  *found = r;
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadCoordinate(CfxDataset ds, const char name[], PetscInt want, PetscInt alsoOk, PetscReal **v, PetscInt *n)
{
  hid_t dset;
  hsize_t dims[4];
  int r;
  char expect[128];

  PetscFunctionBegin;
  if (alsoOk > 0)
    PetscCall(PetscSNPrintf(expect, sizeof(expect), "[%" PetscInt_FMT "] or [%" PetscInt_FMT "] to match 'tensor'", want, alsoOk));
  else
    PetscCall(PetscSNPrintf(expect, sizeof(expect), "[%" PetscInt_FMT "] to match 'tensor'", want));
  PetscCall(OpenFloatDataset(ds, name, expect, 1, 0, &dset, &r, dims, NULL));
  PetscCheck((PetscInt)dims[0] == want || (alsoOk > 0 && (PetscInt)dims[0] == alsoOk), ds->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset '%s' has length %" PetscInt_FMT ", expected %s", ds->filename,
             name, (PetscInt)dims[0], expect);
  *n = (PetscInt)dims[0];
  PetscCall(PetscMalloc1(*n, v));
  CfxH5Check(H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, *v), ds->comm, PETSC_ERR_FILE_READ, "%s: cannot read dataset '%s' (truncated file?)", ds->filename, name);
  H5Dclose(dset);
  for (PetscInt i = 0; i < *n; i++)
    PetscCheck(!PetscIsInfOrNanReal((*v)[i]), ds->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset '%s' has a non-finite value at index %" PetscInt_FMT, ds->filename, name, i);
  for (PetscInt i = 1; i < *n; i++)
    PetscCheck((*v)[i] > (*v)[i - 1], ds->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset '%s' must increase strictly; found %g after %g at index %" PetscInt_FMT, ds->filename, name, (double)(*v)[i],
               (double)(*v)[i - 1], i);
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadParameterNames(CfxDataset ds)
{
  hid_t attr, type, space, mtype;
  hsize_t n = 0;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(ds->np, &ds->pnames));
  if (H5Aexists(ds->params, "param_names") > 0) {
    attr  = H5Aopen(ds->params, "param_names", H5P_DEFAULT);
    type  = H5Aget_type(attr);
    space = H5Aget_space(attr);
    if (H5Sget_simple_extent_ndims(space) == 1) H5Sget_simple_extent_dims(space, &n, NULL);
    PetscCheck(H5Tget_class(type) == H5T_STRING && (PetscInt)n == ds->np, ds->comm, PETSC_ERR_FILE_UNEXPECTED,
               "%s: attribute params/param_names must be %" PetscInt_FMT " strings, found %" PetscInt_FMT " entries of another kind", ds->filename, ds->np, (PetscInt)n);
    if (H5Tis_variable_str(type) > 0) {
      char **names;
      PetscCall(PetscMalloc1(n, &names));
      mtype = H5Tcopy(H5T_C_S1);
      H5Tset_size(mtype, H5T_VARIABLE);
      CfxH5Check(H5Aread(attr, mtype, names), ds->comm, PETSC_ERR_FILE_READ, "%s: cannot read params/param_names", ds->filename);
      for (hsize_t i = 0; i < n; i++) PetscCall(PetscStrallocpy(names[i], &ds->pnames[i]));
      H5Dvlen_reclaim(mtype, space, H5P_DEFAULT, names);
      PetscCall(PetscFree(names));
    } else {
      size_t len = H5Tget_size(type);
      char *buf;
      PetscCall(PetscCalloc1(n * (len + 1), &buf));
      mtype = H5Tcopy(H5T_C_S1);
      H5Tset_size(mtype, len + 1);
      CfxH5Check(H5Aread(attr, mtype, buf), ds->comm, PETSC_ERR_FILE_READ, "%s: cannot read params/param_names", ds->filename);
      for (hsize_t i = 0; i < n; i++) PetscCall(PetscStrallocpy(buf + i * (len + 1), &ds->pnames[i]));
      PetscCall(PetscFree(buf));
    }
    H5Tclose(mtype);
    H5Sclose(space);
    H5Tclose(type);
    H5Aclose(attr);
  } else {
    for (PetscInt i = 0; i < ds->np; i++) {
      char name[32];
      PetscCall(PetscSNPrintf(name, sizeof(name), "p%" PetscInt_FMT, i));
      PetscCall(PetscStrallocpy(name, &ds->pnames[i]));
    }
  }
  PetscFunctionReturn(0);
}

/*@C
  CfxDatasetOpen - Collective. Opens a trajectory dataset for reading and validates its layout:
  'tensor' of rank 3 [n_samples, n_t, n_x] or 4 [..., n_c], float32 or float64;
  'x-coordinate' [n_x]; 't-coordinate' [n_t] or [n_t + 1] (PDEBench's files carry one extra
  time, which is ignored); optional 'params' [n_samples, n_p] with 'param_names'.
  Coordinates are read on every rank; samples are read with CfxDatasetReadSamples().
@*/
PetscErrorCode CfxDatasetOpen(MPI_Comm comm, const char name[], CfxDataset *dsout)
{
  CfxDataset ds;
  PetscMPIInt rank;
  int state[2] = {0, 0}, r;
  hid_t fapl;
  hsize_t dims[4];
  size_t bytes;
  PetscReal *x, *t;
  PetscInt nxc, ntc;

  PetscFunctionBegin;
  PetscValidPointer(dsout, 3);
  *dsout = NULL;
  PetscCall(CfxDatasetCreate(comm, &ds));
  ds->reading = PETSC_TRUE;
  PetscCall(PetscStrncpy(ds->filename, name, sizeof(ds->filename)));
  PetscCall(CfxH5Quiet(ds));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    if (access(name, R_OK) != 0)
      state[0] = errno;
    else
      state[1] = H5Fis_hdf5(name) > 0;
  }
  PetscCallMPI(MPI_Bcast(state, 2, MPI_INT, 0, comm));
  PetscCheck(!state[0], comm, PETSC_ERR_FILE_OPEN, "%s: cannot read file: %s", name, strerror(state[0]));
  PetscCheck(state[1], comm, PETSC_ERR_FILE_UNEXPECTED, "%s: not an HDF5 file (expected an HDF5 dataset with 'tensor', 'x-coordinate', 't-coordinate')", name);
  fapl = H5Pcreate(H5P_FILE_ACCESS);
  CfxH5Check(H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL), comm, PETSC_ERR_LIB, "H5Pset_fapl_mpio failed");
  ds->file = H5Fopen(name, H5F_ACC_RDONLY, fapl);
  H5Pclose(fapl);
  CfxH5Check(ds->file, comm, PETSC_ERR_FILE_READ, "%s: HDF5 cannot open the file (truncated or corrupt?)", name);

  PetscCall(OpenFloatDataset(ds, "tensor", "rank 3 [n_samples, n_t, n_x] or rank 4 [n_samples, n_t, n_x, n_c]", 3, 4, &ds->tensor, &r, dims, &bytes));
  ds->ns        = (PetscInt)dims[0];
  ds->nt        = (PetscInt)dims[1];
  ds->nx        = (PetscInt)dims[2];
  ds->nc        = r == 4 ? (PetscInt)dims[3] : 0;
  ds->precision = bytes == 4 ? CFX_PRECISION_FLOAT32 : CFX_PRECISION_FLOAT64;
  PetscCheck(ds->ns > 0 && ds->nt > 0 && ds->nx > 0 && (r == 3 || ds->nc > 0), comm, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset 'tensor' has an empty dimension", name);
  PetscCheck(bytes == 4 || bytes == 8, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset 'tensor' holds %d-byte floats, expected float32 or float64", name, (int)bytes);

  PetscCall(ReadCoordinate(ds, "x-coordinate", ds->nx, 0, &x, &nxc));
  PetscCall(ReadCoordinate(ds, "t-coordinate", ds->nt, ds->nt + 1, &t, &ntc));
  PetscCall(PetscMalloc2(ds->nx, &ds->x, ds->nt, &ds->t));
  PetscCall(PetscArraycpy(ds->x, x, ds->nx));
  PetscCall(PetscArraycpy(ds->t, t, ds->nt));
  PetscCall(PetscFree(x));
  PetscCall(PetscFree(t));

  if (H5Lexists(ds->file, "params", H5P_DEFAULT) > 0) {
    PetscCall(OpenFloatDataset(ds, "params", "rank 2 [n_samples, n_p]", 2, 0, &ds->params, &r, dims, NULL));
    PetscCheck((PetscInt)dims[0] == ds->ns, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset 'params' has %" PetscInt_FMT " rows, expected %" PetscInt_FMT " (one per sample of 'tensor')", name,
               (PetscInt)dims[0], ds->ns);
    ds->np = (PetscInt)dims[1];
    PetscCall(ReadParameterNames(ds));
  }
  *dsout = ds;
  PetscFunctionReturn(0);
}

/* First non-finite value of a block of samples, reported with its indices. */
static PetscErrorCode CheckSamplesFinite(CfxDataset ds, PetscInt start, PetscInt count, const PetscReal u[])
{
  const PetscInt fs = CfxDatasetFrameSize(ds), per = ds->nt * fs;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < count * per; i++) {
    if (PetscUnlikely(PetscIsInfOrNanReal(u[i]))) {
      PetscInt s = start + i / per, k = (i % per) / fs, j = (i % fs) / (ds->nc ? ds->nc : 1);
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FP,
              "%s: dataset 'tensor' has a non-finite value (%s) at sample %" PetscInt_FMT ", frame %" PetscInt_FMT " (t = %g), cell %" PetscInt_FMT "; expected finite values", ds->filename,
              PetscIsNanReal(u[i]) ? "NaN" : "Inf", s, k, (double)ds->t[k], j);
    }
  }
  PetscFunctionReturn(0);
}

/*@C
  CfxDatasetReadSamples - Not collective. Reads samples [start, start + count) into u as
  doubles (float32 files are converted) and checks every value is finite.
@*/
PetscErrorCode CfxDatasetReadSamples(CfxDataset ds, PetscInt start, PetscInt count, PetscReal u[])
{
  hsize_t off[4] = {0, 0, 0, 0}, cnt[4];
  hid_t fspace, mspace;
  int rank = ds->nc ? 4 : 3;

  PetscFunctionBegin;
  PetscValidPointer(ds, 1);
  PetscCheck(ds->reading, ds->comm, PETSC_ERR_ORDER, "dataset was not opened for reading (CfxDatasetOpen)");
  PetscCheck(start >= 0 && count >= 0 && start + count <= ds->ns, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: samples [%" PetscInt_FMT ", %" PetscInt_FMT ") requested, file has %" PetscInt_FMT,
             ds->filename, start, start + count, ds->ns);
  if (!count) PetscFunctionReturn(0);
  PetscCall(PetscLogEventBegin(CFX_IO_Read, 0, 0, 0, 0));
  off[0] = (hsize_t)start;
  cnt[0] = (hsize_t)count;
  cnt[1] = (hsize_t)ds->nt;
  cnt[2] = (hsize_t)ds->nx;
  cnt[3] = (hsize_t)ds->nc;
  fspace = H5Dget_space(ds->tensor);
  H5Sselect_hyperslab(fspace, H5S_SELECT_SET, off, NULL, cnt, NULL);
  mspace = H5Screate_simple(rank, cnt, NULL);
  CfxH5Check(H5Dread(ds->tensor, H5T_NATIVE_DOUBLE, mspace, fspace, H5P_DEFAULT, u), PETSC_COMM_SELF, PETSC_ERR_FILE_READ,
             "%s: cannot read samples [%" PetscInt_FMT ", %" PetscInt_FMT ") of dataset 'tensor' (truncated file?)", ds->filename, start, start + count);
  H5Sclose(mspace);
  H5Sclose(fspace);
  PetscCall(PetscLogEventEnd(CFX_IO_Read, 0, 0, 0, 0));
  PetscCall(CheckSamplesFinite(ds, start, count, u));
  PetscFunctionReturn(0);
}

/*@C
  CfxDatasetReadParameters - Not collective. Parameters of samples [start, start + count)
  (count x n_p values); errors if the file has no 'params'.
@*/
PetscErrorCode CfxDatasetReadParameters(CfxDataset ds, PetscInt start, PetscInt count, PetscReal p[])
{
  hsize_t off[2] = {0, 0}, cnt[2];
  hid_t fspace, mspace;

  PetscFunctionBegin;
  PetscValidPointer(ds, 1);
  PetscCheck(ds->reading && ds->params >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset 'params' is missing", ds->filename);
  PetscCheck(start >= 0 && count >= 0 && start + count <= ds->ns, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: parameters of samples [%" PetscInt_FMT ", %" PetscInt_FMT ") requested, file has %" PetscInt_FMT, ds->filename, start, start + count, ds->ns);
  if (!count || !ds->np) PetscFunctionReturn(0);
  off[0] = (hsize_t)start;
  cnt[0] = (hsize_t)count;
  cnt[1] = (hsize_t)ds->np;
  fspace = H5Dget_space(ds->params);
  H5Sselect_hyperslab(fspace, H5S_SELECT_SET, off, NULL, cnt, NULL);
  mspace = H5Screate_simple(2, cnt, NULL);
  CfxH5Check(H5Dread(ds->params, H5T_NATIVE_DOUBLE, mspace, fspace, H5P_DEFAULT, p), PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot read dataset 'params'", ds->filename);
  H5Sclose(mspace);
  H5Sclose(fspace);
  PetscCall(CfxCheckFinite(PETSC_COMM_SELF, "params", count * ds->np, p));
  PetscFunctionReturn(0);
}

/*@C
  CfxDatasetGetAttribute - A root attribute as text (numbers are formatted); *found is false
  when the file has none of that name.
@*/
PetscErrorCode CfxDatasetGetAttribute(CfxDataset ds, const char name[], char value[], size_t len, PetscBool *found)
{
  PetscFunctionBegin;
  PetscValidPointer(ds, 1);
  if (ds->reading) {
    PetscCall(CfxH5GetAttributeText(ds->file, name, value, len, found));
    PetscFunctionReturn(0);
  }
  *found   = PETSC_FALSE;
  value[0] = 0;
  for (PetscInt i = 0; i < ds->nattrs; i++) {
    PetscCall(PetscStrcmp(ds->attrName[i], name, found));
    if (*found) {
      PetscCall(PetscStrncpy(value, ds->attrValue[i], len));
      break;
    }
  }
  PetscFunctionReturn(0);
}
