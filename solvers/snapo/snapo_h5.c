/* Small serial HDF5 helpers for SNAPO inputs (forward curves) and result files. */
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

/*@C
  CfxSnapoGasReadCurve - read /forward_curve (1-D, positive, finite) from an HDF5 file.
@*/
PetscErrorCode CfxSnapoGasReadCurve(MPI_Comm comm, const char fname[], PetscInt *n, PetscReal **F)
{
  hid_t file, dset, space;
  hsize_t dims[1];
  int rank;

  PetscFunctionBegin;
  file = H5Fopen(fname, H5F_ACC_RDONLY, H5P_DEFAULT);
  PetscCheck(file >= 0, comm, PETSC_ERR_FILE_OPEN, "cannot open forward-curve file '%s'", fname);
  H5E_BEGIN_TRY { dset = H5Dopen2(file, "forward_curve", H5P_DEFAULT); }
  H5E_END_TRY;
  PetscCheck(dset >= 0, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s' has no dataset /forward_curve", fname);
  space = H5Dget_space(dset);
  rank  = H5Sget_simple_extent_ndims(space);
  PetscCheck(rank == 1, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': /forward_curve must be 1-D, found rank %d", fname, rank);
  H5Sget_simple_extent_dims(space, dims, NULL);
  *n = (PetscInt)dims[0];
  PetscCheck(*n > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': /forward_curve is empty", fname);
  PetscCall(PetscMalloc1(*n, F));
  PetscCheck(H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, *F) >= 0, comm, PETSC_ERR_FILE_READ, "'%s': cannot read /forward_curve", fname);
  H5Sclose(space);
  H5Dclose(dset);
  H5Fclose(file);
  for (PetscInt t = 0; t < *n; t++)
    PetscCheck(PetscIsNormalReal((*F)[t]) && (*F)[t] > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s': forward_curve[%" PetscInt_FMT "] = %g, expected a positive finite price", fname, t, (double)(*F)[t]);
  PetscFunctionReturn(0);
}
