/* Collective, parallel writing of a trajectory dataset. */
#include "datasetimpl.h"

static PetscErrorCode WriteCoordinate(CfxDataset ds, const char name[], PetscInt n, const PetscReal v[])
{
  hsize_t dim = (hsize_t)n;
  hid_t space, dset;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(ds->comm, &rank));
  space = H5Screate_simple(1, &dim, NULL);
  dset  = H5Dcreate2(ds->file, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  CfxH5Check(dset, ds->comm, PETSC_ERR_FILE_WRITE, "%s: cannot create dataset '%s'", ds->tmpname, name);
  /* Creating the dataset is collective; its few values are written by rank 0 alone with
     independent I/O. A collective write here would cost a two-phase I/O round (aggregator
     set-up and exchanges) for a few kB. */
  if (rank == 0) CfxH5Check(H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: cannot write dataset '%s'", ds->tmpname, name);
  H5Dclose(dset);
  H5Sclose(space);
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteParameterNames(CfxDataset ds)
{
  hsize_t dim = (hsize_t)ds->np;
  hid_t type, space, attr;

  PetscFunctionBegin;
  type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  space = H5Screate_simple(1, &dim, NULL);
  attr  = H5Acreate2(ds->params, "param_names", type, space, H5P_DEFAULT, H5P_DEFAULT);
  CfxH5Check(attr, ds->comm, PETSC_ERR_FILE_WRITE, "%s: cannot create attribute params/param_names", ds->tmpname);
  CfxH5Check(H5Awrite(attr, type, ds->pnames), ds->comm, PETSC_ERR_FILE_WRITE, "%s: cannot write attribute params/param_names", ds->tmpname);
  H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
  PetscFunctionReturn(0);
}

/*@C
  CfxDatasetWriteBegin - Collective. Creates NAME.tmp with the tensor, coordinate and params
  datasets and the root attributes; errors before touching anything if NAME exists and
  overwriting was not allowed (CfxDatasetSetOverwrite, -force).
@*/
PetscErrorCode CfxDatasetWriteBegin(CfxDataset ds, const char name[])
{
  hid_t fapl, dcpl, space;
  hsize_t dims[4], chunk[4];
  int rank;
  char version[64];

  PetscFunctionBegin;
  PetscValidPointer(ds, 1);
  PetscCheck(!ds->setup, ds->comm, PETSC_ERR_ORDER, "CfxDatasetWriteBegin() called twice");
  PetscCheck(ds->ns > 0, ds->comm, PETSC_ERR_ORDER, "call CfxDatasetSetSizes() before CfxDatasetWriteBegin()");
  PetscCheck(ds->x && ds->t, ds->comm, PETSC_ERR_ORDER, "call CfxDatasetSetCoordinates() before CfxDatasetWriteBegin()");
  PetscCall(PetscStrncpy(ds->filename, name, sizeof(ds->filename)));
  PetscCall(CfxOutputTempName(name, ds->tmpname, sizeof(ds->tmpname)));
  PetscCall(CfxOutputCheckWritable(ds->comm, name, ds->overwrite));
  PetscCall(CfxH5Quiet(ds));
  ds->setup   = PETSC_TRUE;
  ds->writing = PETSC_TRUE;

  fapl = H5Pcreate(H5P_FILE_ACCESS);
  CfxH5Check(H5Pset_fapl_mpio(fapl, ds->comm, MPI_INFO_NULL), ds->comm, PETSC_ERR_LIB, "H5Pset_fapl_mpio failed");
  ds->file = H5Fcreate(ds->tmpname, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  CfxH5Check(ds->file, ds->comm, PETSC_ERR_FILE_OPEN, "%s: cannot create file", ds->tmpname);
  ds->dxpl = H5Pcreate(H5P_DATASET_XFER);
  CfxH5Check(H5Pset_dxpl_mpio(ds->dxpl, H5FD_MPIO_COLLECTIVE), ds->comm, PETSC_ERR_LIB, "H5Pset_dxpl_mpio failed");

  rank    = ds->nc ? 4 : 3;
  dims[0] = (hsize_t)ds->ns;
  dims[1] = chunk[1] = (hsize_t)ds->nt;
  dims[2] = chunk[2] = (hsize_t)ds->nx;
  dims[3] = chunk[3] = (hsize_t)ds->nc;
  chunk[0]           = 1; /* one sample per chunk: a shard read touches only its own chunks */
  space              = H5Screate_simple(rank, dims, NULL);
  dcpl               = H5Pcreate(H5P_DATASET_CREATE);
  CfxH5Check(H5Pset_chunk(dcpl, rank, chunk), ds->comm, PETSC_ERR_LIB, "H5Pset_chunk failed");
  if (ds->gzip) CfxH5Check(H5Pset_deflate(dcpl, (unsigned)ds->gzip), ds->comm, PETSC_ERR_LIB, "H5Pset_deflate failed");
  /* Parallel HDF5 allocates every chunk of an unfiltered dataset when it is created and, by
     default, writes the fill value into all of them: the whole tensor would be written twice.
     Every sample is written before the file gets its final name (an unfinished file is
     deleted), so no fill is needed. */
  CfxH5Check(H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER), ds->comm, PETSC_ERR_LIB, "H5Pset_fill_time failed");
  ds->tensor = H5Dcreate2(ds->file, "tensor", ds->precision == CFX_PRECISION_FLOAT32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  CfxH5Check(ds->tensor, ds->comm, PETSC_ERR_FILE_WRITE, "%s: cannot create dataset 'tensor'", ds->tmpname);
  H5Pclose(dcpl);
  H5Sclose(space);

  if (ds->np) {
    dims[1]    = (hsize_t)ds->np;
    space      = H5Screate_simple(2, dims, NULL);
    ds->params = H5Dcreate2(ds->file, "params", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    CfxH5Check(ds->params, ds->comm, PETSC_ERR_FILE_WRITE, "%s: cannot create dataset 'params'", ds->tmpname);
    H5Sclose(space);
    PetscCall(WriteParameterNames(ds));
  }
  PetscCall(WriteCoordinate(ds, "x-coordinate", ds->nx, ds->x));
  PetscCall(WriteCoordinate(ds, "t-coordinate", ds->nt, ds->t));

  PetscCall(PetscSNPrintf(version, sizeof(version), "%s", CFX_VERSION_STRING));
  PetscCall(CfxH5SetAttributeText(ds->file, "conflux_version", version));
  for (PetscInt i = 0; i < ds->nattrs; i++) PetscCall(CfxH5SetAttributeText(ds->file, ds->attrName[i], ds->attrValue[i]));
  PetscFunctionReturn(0);
}

/*@C
  CfxDatasetWriteSamples - Collective: every rank calls it the same number of times. Writes
  samples [start, start + count) from u (count x n_t x n_x (x n_c) values, row-major) and their
  parameters (count x n_p, may be NULL when there are none). A rank with nothing to write in
  this round passes count = 0.
@*/
PetscErrorCode CfxDatasetWriteSamples(CfxDataset ds, PetscInt start, PetscInt count, const PetscReal u[], const PetscReal params[])
{
  hsize_t off[4] = {0, 0, 0, 0}, cnt[4];
  hid_t fspace, mspace;
  int rank        = ds->nc ? 4 : 3;
  PetscReal dummy = 0;

  PetscFunctionBegin;
  PetscValidPointer(ds, 1);
  PetscCheck(ds->writing && ds->file >= 0, ds->comm, PETSC_ERR_ORDER, "call CfxDatasetWriteBegin() first");
  PetscCheck(count >= 0 && start >= 0 && start + count <= ds->ns, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: samples [%" PetscInt_FMT ", %" PetscInt_FMT ") outside [0, %" PetscInt_FMT ")",
             ds->filename, start, start + count, ds->ns);
  PetscCheck(!count || !ds->np || params, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: the dataset has %" PetscInt_FMT " parameters; pass them", ds->filename, ds->np);
  PetscCall(PetscLogEventBegin(CFX_IO_Write, 0, 0, 0, 0));
  off[0] = (hsize_t)start;
  cnt[0] = (hsize_t)count;
  cnt[1] = (hsize_t)ds->nt;
  cnt[2] = (hsize_t)ds->nx;
  cnt[3] = (hsize_t)ds->nc;
  fspace = H5Dget_space(ds->tensor);
  mspace = H5Screate_simple(rank, cnt, NULL);
  if (count)
    H5Sselect_hyperslab(fspace, H5S_SELECT_SET, off, NULL, cnt, NULL);
  else {
    H5Sselect_none(fspace);
    H5Sselect_none(mspace);
  }
  if (!count) u = params = &dummy; /* HDF5 wants a buffer even for an empty selection */
  if (ds->precision == CFX_PRECISION_FLOAT32) {
    /* Convert here: a conversion inside HDF5 turns collective I/O into independent I/O,
       which parallel HDF5 refuses for compressed datasets. */
    size_t n = (size_t)count * ds->nt * CfxDatasetFrameSize(ds);
    float *f;
    PetscCall(PetscMalloc1(n ? n : 1, &f));
    for (size_t i = 0; i < n; i++) f[i] = (float)u[i];
    CfxH5Check(H5Dwrite(ds->tensor, H5T_NATIVE_FLOAT, mspace, fspace, ds->dxpl, f), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE,
               "%s: cannot write samples [%" PetscInt_FMT ", %" PetscInt_FMT ") of dataset 'tensor': %s", ds->tmpname, start, start + count, CfxH5ErrorText());
    PetscCall(PetscFree(f));
  } else
    CfxH5Check(H5Dwrite(ds->tensor, H5T_NATIVE_DOUBLE, mspace, fspace, ds->dxpl, u), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE,
               "%s: cannot write samples [%" PetscInt_FMT ", %" PetscInt_FMT ") of dataset 'tensor': %s", ds->tmpname, start, start + count, CfxH5ErrorText());
  H5Sclose(mspace);
  H5Sclose(fspace);
  if (ds->np) {
    cnt[1] = (hsize_t)ds->np;
    fspace = H5Dget_space(ds->params);
    mspace = H5Screate_simple(2, cnt, NULL);
    if (count)
      H5Sselect_hyperslab(fspace, H5S_SELECT_SET, off, NULL, cnt, NULL);
    else {
      H5Sselect_none(fspace);
      H5Sselect_none(mspace);
    }
    CfxH5Check(H5Dwrite(ds->params, H5T_NATIVE_DOUBLE, mspace, fspace, ds->dxpl, params), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE,
               "%s: cannot write parameters of samples [%" PetscInt_FMT ", %" PetscInt_FMT ")", ds->tmpname, start, start + count);
    H5Sclose(mspace);
    H5Sclose(fspace);
  }
  PetscCall(PetscLogEventEnd(CFX_IO_Write, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
