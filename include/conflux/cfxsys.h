/* conflux package-level services: initialisation, version, error helpers.
   Every other conflux header includes this one. */
#pragma once

#include <petscsys.h>
#include <conflux/cfxversion.h>

/* Class id under which conflux registers its log events; `-log_exclude conflux` and
   `-info_exclude conflux` act on it, as for any PETSc package. */
PETSC_EXTERN PetscClassId CFX_CLASSID;

PETSC_EXTERN PetscErrorCode CfxInitialize(int *, char ***, const char[], const char[]);
PETSC_EXTERN PetscErrorCode CfxFinalize(void);
PETSC_EXTERN PetscErrorCode CfxInitializePackage(void);
PETSC_EXTERN PetscErrorCode CfxFinalizePackage(void);
PETSC_EXTERN PetscErrorCode CfxInitialized(PetscBool *);

PETSC_EXTERN PetscErrorCode CfxGetVersion(PetscInt *, PetscInt *, PetscInt *);
PETSC_EXTERN PetscErrorCode CfxGetVersionString(char[], size_t);
PETSC_EXTERN PetscErrorCode CfxGetDependencyVersions(char[], size_t);

PETSC_EXTERN PetscErrorCode CfxCheckFinite(MPI_Comm, const char[], PetscInt, const PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxPushOneLineErrorHandler(const char[]);
