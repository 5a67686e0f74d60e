/* Private helpers of the SNAPO sources. */
#pragma once

#include <cfximpl.h>
#include <conflux/cfxsnapo.h>
#include <conflux/cfxio.h>
#include <hdf5.h>

/* Write a double dataset of rank 1 or 2 (serial HDF5, one process) with its path's groups
   created as needed. */
PETSC_INTERN PetscErrorCode SnapoH5WriteArray(hid_t, const char[], PetscInt, const PetscInt[], const PetscReal[]);
PETSC_INTERN PetscErrorCode SnapoH5WriteScalar(hid_t, const char[], PetscReal);
PETSC_INTERN PetscErrorCode SnapoH5ReadVector(MPI_Comm, const char[], const char[], PetscInt, PetscInt *, PetscReal **);
/* Registers the SNAPO log events and the evaluation tape's finalizer (idempotent). */
PETSC_INTERN PetscErrorCode SnapoInitializePackage(void);
