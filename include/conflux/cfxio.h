/* HDF5 trajectory datasets in the PDEBench-compatible layout (DESIGN.md §5):

     /tensor         [n_samples, n_t, n_x]  or  [n_samples, n_t, n_x, n_c]   float64 | float32
     /x-coordinate   [n_x]  cell centres
     /t-coordinate   [n_t]  frame times (PDEBench files carry n_t + 1 entries; accepted on read)
     /params         [n_samples, n_p] with attribute param_names (optional)
     root attributes pde, flux, scheme, cfl, bc, seed, conflux_version, created_by, ...

   Writing is collective: every rank owns a contiguous block of samples
   (CfxDatasetGetOwnership) and writes it with CfxDatasetWriteSamples(), which all ranks call
   the same number of times (a rank with nothing left passes count 0). The file is written
   as NAME.tmp and renamed to NAME only by CfxDatasetClose() after a successful write, so an
   interrupted run never leaves a partial file under the final name; an XDMF sidecar NAME.xmf
   is written beside it.

   Reading never trusts the file: CfxDatasetOpen() checks ranks, shapes, dtypes and
   coordinate lengths and reports file, dataset, expected and found values;
   CfxDatasetReadSamples() checks the values read are finite. */
#pragma once

#include <conflux/cfxsys.h>
#include <hdf5.h>

typedef struct _p_CfxDataset *CfxDataset;

typedef enum { CFX_PRECISION_FLOAT64, CFX_PRECISION_FLOAT32 } CfxPrecision;
PETSC_EXTERN const char *const CfxPrecisions[];

/* Writing */
PETSC_EXTERN PetscErrorCode CfxDatasetCreate(MPI_Comm, CfxDataset *);
PETSC_EXTERN PetscErrorCode CfxDatasetSetSizes(CfxDataset, PetscInt, PetscInt, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode CfxDatasetSetCoordinates(CfxDataset, const PetscReal[], const PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxDatasetSetParameterNames(CfxDataset, PetscInt, const char *const[]);
PETSC_EXTERN PetscErrorCode CfxDatasetSetAttribute(CfxDataset, const char[], const char[]);
PETSC_EXTERN PetscErrorCode CfxDatasetSetPrecision(CfxDataset, CfxPrecision);
PETSC_EXTERN PetscErrorCode CfxDatasetSetCompression(CfxDataset, PetscInt);
PETSC_EXTERN PetscErrorCode CfxDatasetSetOverwrite(CfxDataset, PetscBool);
PETSC_EXTERN PetscErrorCode CfxDatasetSetFromOptions(CfxDataset);
PETSC_EXTERN PetscErrorCode CfxDatasetWriteBegin(CfxDataset, const char[]);
PETSC_EXTERN PetscErrorCode CfxDatasetWriteSamples(CfxDataset, PetscInt, PetscInt, const PetscReal[], const PetscReal[]);

/* Reading */
PETSC_EXTERN PetscErrorCode CfxDatasetOpen(MPI_Comm, const char[], CfxDataset *);
PETSC_EXTERN PetscErrorCode CfxDatasetReadSamples(CfxDataset, PetscInt, PetscInt, PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxDatasetReadParameters(CfxDataset, PetscInt, PetscInt, PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxDatasetGetAttribute(CfxDataset, const char[], char[], size_t, PetscBool *);

/* Both */
PETSC_EXTERN PetscErrorCode CfxDatasetGetSizes(CfxDataset, PetscInt *, PetscInt *, PetscInt *, PetscInt *);
PETSC_EXTERN PetscErrorCode CfxDatasetGetCoordinates(CfxDataset, const PetscReal *[], const PetscReal *[]);
PETSC_EXTERN PetscErrorCode CfxDatasetGetParameterNames(CfxDataset, PetscInt *, const char *const *[]);
PETSC_EXTERN PetscErrorCode CfxDatasetGetOwnership(CfxDataset, PetscInt *, PetscInt *);
PETSC_EXTERN PetscErrorCode CfxDatasetGetFileName(CfxDataset, const char *[]);
PETSC_EXTERN PetscErrorCode CfxDatasetView(CfxDataset, PetscViewer);
PETSC_EXTERN PetscErrorCode CfxDatasetClose(CfxDataset *);
PETSC_EXTERN PetscErrorCode CfxDatasetAbort(CfxDataset *);

/* XDMF sidecar for an existing dataset file (CfxDatasetClose() writes one automatically). */
PETSC_EXTERN PetscErrorCode CfxXdmfWriteDataset(MPI_Comm, const char[], const char[], PetscInt, PetscInt, PetscInt, PetscInt, const char[], PetscInt);
/* XDMF sidecar for 1D frames stored one dataset per output time (VecView of a DMDA vector with a
   PetscViewerHDF5), e.g. u_0000, u_0001, ... plus the cell centres: a temporal collection. */
PETSC_EXTERN PetscErrorCode CfxXdmfWriteFrames(MPI_Comm, const char[], const char[], const char[], PetscInt, PetscInt, const char *const[], const PetscReal[], PetscInt, const char *const[]);

/* Attributes as text on any HDF5 object (numbers are formatted with %.17g on reading). */
PETSC_EXTERN PetscErrorCode CfxH5SetAttributeText(hid_t, const char[], const char[]);
PETSC_EXTERN PetscErrorCode CfxH5GetAttributeText(hid_t, const char[], char[], size_t, PetscBool *);

/* Atomic output: NAME.tmp while writing, renamed on success. */
PETSC_EXTERN PetscErrorCode CfxOutputCheckWritable(MPI_Comm, const char[], PetscBool);
PETSC_EXTERN PetscErrorCode CfxOutputTempName(const char[], char[], size_t);
PETSC_EXTERN PetscErrorCode CfxOutputCommit(MPI_Comm, const char[]);
