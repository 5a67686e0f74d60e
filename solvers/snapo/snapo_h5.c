/* Small serial HDF5 helpers for SNAPO inputs (gas forward curve, pension zero curve, pharma
   process parameters) and result files. */
#include "snapoimpl.h"

PetscErrorCode SnapoH5WriteArray(hid_t file, const char name[], PetscInt ndim, const PetscInt dims[], const PetscReal v[])
{
  hsize_t hd[2];
  hid_t space, dset, lcpl;

  PetscFunctionBegin;
  PetscCheck(ndim == 1 || ndim == 2, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "dataset '%s': rank %" PetscInt_FMT " not supported", name, ndim);
  for (PetscInt d = 0; d < ndim; d++) hd[d] = (hsize_t)dims[d];
  lcpl = H5Pcreate(H5P_LINK_CREATE);
  PetscCheck(lcpl >= 0 && H5Pset_create_intermediate_group(lcpl, 1) >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "HDF5 property list");
  space = H5Screate_simple((int)ndim, hd, NULL);
  dset  = H5Dcreate2(file, name, H5T_NATIVE_DOUBLE, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  PetscCheck(dset >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot create dataset '%s'", name);
  PetscCheck(H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write dataset '%s'", name);
  H5Dclose(dset);
  H5Sclose(space);
  H5Pclose(lcpl);
  PetscFunctionReturn(0);
}

PetscErrorCode SnapoH5WriteScalar(hid_t file, const char name[], PetscReal v)
{
  PetscInt one = 1;

  PetscFunctionBegin;
  PetscCall(SnapoH5WriteArray(file, name, 1, &one, &v));
  PetscFunctionReturn(0);
}

/*@C
  CfxSnapoGasWriteCurve - write /forward_curve [n] to a new HDF5 file (rank 0 of comm writes).
@*/
PetscErrorCode CfxSnapoGasWriteCurve(MPI_Comm comm, const char fname[], PetscInt n, const PetscReal F[])
{
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    hid_t file = H5Fcreate(fname, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    PetscCheck(file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot create '%s'", fname);
    PetscCall(SnapoH5WriteArray(file, "forward_curve", 1, &n, F));
    PetscCall(CfxH5SetAttributeText(file, "description", "gas forward curve F_t, one value per daily decision (price per unit)"));
    H5Fclose(file);
  }
  PetscCallMPI(MPI_Barrier(comm));
  PetscFunctionReturn(0);
}

/* Reads the 1-D float dataset /dset of an HDF5 file into a new array (length *n; expect > 0
   requires that length), refusing non-finite entries. Every message names the file, the
   dataset, and what was expected and found. */
PetscErrorCode SnapoH5ReadVector(MPI_Comm comm, const char fname[], const char dset_name[], PetscInt expect, PetscInt *n, PetscReal **v)
{
  hid_t file, dset, space;
  hsize_t dims[1];
  int rank;

  PetscFunctionBegin;
  H5E_BEGIN_TRY { file = H5Fopen(fname, H5F_ACC_RDONLY, H5P_DEFAULT); }
  H5E_END_TRY;
  PetscCheck(file >= 0, comm, PETSC_ERR_FILE_OPEN, "cannot open '%s' as HDF5 (expected a file with /%s)", fname, dset_name);
  H5E_BEGIN_TRY { dset = H5Dopen2(file, dset_name, H5P_DEFAULT); }
  H5E_END_TRY;
  if (dset < 0) H5Fclose(file);
  PetscCheck(dset >= 0, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s' has no dataset /%s", fname, dset_name);
  space = H5Dget_space(dset);
  rank  = H5Sget_simple_extent_ndims(space);
  if (rank == 1) H5Sget_simple_extent_dims(space, dims, NULL);
  H5Sclose(space);
  if (rank != 1 || dims[0] == 0 || (expect > 0 && (PetscInt)dims[0] != expect)) {
    H5Dclose(dset);
    H5Fclose(file);
    PetscCheck(rank == 1, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': /%s must be 1-D, found rank %d", fname, dset_name, rank);
    PetscCheck(dims[0] > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': /%s is empty", fname, dset_name);
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': /%s has %" PetscInt_FMT " entries, expected %" PetscInt_FMT, fname, dset_name, (PetscInt)dims[0], expect);
  }
  *n = (PetscInt)dims[0];
  PetscCall(PetscMalloc1(*n, v));
  PetscCheck(H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, *v) >= 0, comm, PETSC_ERR_FILE_READ, "'%s': cannot read /%s", fname, dset_name);
  H5Dclose(dset);
  H5Fclose(file);
  for (PetscInt i = 0; i < *n; i++)
    PetscCheck(PetscIsNormalReal((*v)[i]) || (*v)[i] == 0, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': %s[%" PetscInt_FMT "] = %g, expected a finite value", fname, dset_name, i, (double)(*v)[i]);
  PetscFunctionReturn(0);
}

/*@C
  CfxSnapoGasReadCurve - read /forward_curve (1-D, positive, finite) from an HDF5 file.
@*/
PetscErrorCode CfxSnapoGasReadCurve(MPI_Comm comm, const char fname[], PetscInt *n, PetscReal **F)
{
  PetscFunctionBegin;
  PetscCall(SnapoH5ReadVector(comm, fname, "forward_curve", -1, n, F));
  for (PetscInt t = 0; t < *n; t++)
    PetscCheck((*F)[t] > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': forward_curve[%" PetscInt_FMT "] = %g, expected a positive finite price", fname, t, (double)(*F)[t]);
  PetscFunctionReturn(0);
}

/*@C
  CfxSnapoPensionReadCurve - read the zero-rate curve /zero_curve [K] (K = the params' number of
  key-rate nodes, finite rates as fractions) from an HDF5 file, for CfxSnapoPensionCreate().
@*/
PetscErrorCode CfxSnapoPensionReadCurve(MPI_Comm comm, const char fname[], const CfxSnapoPensionParams *pp, PetscReal **curve)
{
  PetscInt n;

  PetscFunctionBegin;
  PetscCall(SnapoH5ReadVector(comm, fname, "zero_curve", pp->nnodes, &n, curve));
  for (PetscInt k = 0; k < n; k++)
    PetscCheck((*curve)[k] > -1 && (*curve)[k] < 1, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': zero_curve[%" PetscInt_FMT "] = %g, expected a rate as a fraction in (-1, 1)", fname, k,
               (double)(*curve)[k]);
  PetscFunctionReturn(0);
}

/*@C
  CfxSnapoPharmaReadParams - read /process_params [8] = (ln A1, E1/R, ln A2, E2/R, cooling rate,
  seed loading, wash volumes, dryer T) from an HDF5 file into the S3 parameters (the same order
  as the model's inputs and the result file's /inputs/process_params).
@*/
PetscErrorCode CfxSnapoPharmaReadParams(MPI_Comm comm, const char fname[], CfxSnapoPharmaParams *pp)
{
  PetscInt n;
  PetscReal *v;

  PetscFunctionBegin;
  PetscCall(SnapoH5ReadVector(comm, fname, "process_params", 8, &n, &v));
  for (PetscInt k = 4; k < 8; k++)
    PetscCheck(v[k] > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': process_params[%" PetscInt_FMT "] = %g, expected a positive cooling rate, seed loading, wash volume and dryer temperature", fname, k,
               (double)v[k]);
  pp->lnA1  = v[0];
  pp->E1    = v[1];
  pp->lnA2  = v[2];
  pp->E2    = v[3];
  pp->cool  = v[4];
  pp->seed  = v[5];
  pp->wash  = v[6];
  pp->t_dry = v[7];
  PetscCall(PetscFree(v));
  PetscFunctionReturn(0);
}
