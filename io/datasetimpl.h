/* Private to io/: the dataset object and HDF5 error plumbing. */
#pragma once

#include <cfximpl.h>
#include <conflux/cfxio.h>
#include <hdf5.h>
#include <petscviewer.h>

#define CFX_DATASET_MAX_ATTRS 32

struct _p_CfxDataset {
  MPI_Comm comm;
  char filename[PETSC_MAX_PATH_LEN]; /* final name */
  char tmpname[PETSC_MAX_PATH_LEN];  /* NAME.tmp while writing */
  PetscBool writing, reading;
  PetscInt ns, nt, nx, nc; /* nc = 0: scalar law, tensor has rank 3 */
  PetscInt np;
  PetscReal *x, *t;
  char **pnames;
  PetscInt nattrs;
  char *attrName[CFX_DATASET_MAX_ATTRS], *attrValue[CFX_DATASET_MAX_ATTRS];
  CfxPrecision precision;
  PetscInt gzip;
  PetscBool overwrite;
  PetscBool setup; /* sizes fixed */
  hid_t file, tensor, params, dxpl;
  H5E_auto2_t savedFunc; /* HDF5's error printer, silenced while conflux reports errors itself */
  void *savedData;
};

/* Frame count per sample and values per frame. */
static inline PetscInt CfxDatasetFrameSize(CfxDataset ds) { return ds->nx * (ds->nc ? ds->nc : 1); }

/* HDF5 calls return negative values on failure; conflux turns them into PETSc errors with context. */
#define CfxH5Check(expr, comm, code, ...) PetscCheck((expr) >= 0, comm, code, __VA_ARGS__)

PETSC_INTERN PetscErrorCode CfxIOInitializePackage(void);
PETSC_INTERN PetscLogEvent CFX_IO_Read, CFX_IO_Write;
PETSC_INTERN PetscErrorCode CfxH5Quiet(CfxDataset);
PETSC_INTERN PetscErrorCode CfxH5Loud(CfxDataset);
PETSC_INTERN PetscErrorCode CfxDatasetFreeContents(CfxDataset);
PETSC_INTERN const char *CfxH5ErrorText(void);
