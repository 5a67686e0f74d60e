/* Private structure of CfxModule, shared by the module implementations in operators/. */
#pragma once

#include <petsc/private/petscimpl.h>
#include <conflux/cfxnn.h>

typedef struct _CfxModuleOps *CfxModuleOps;
struct _CfxModuleOps {
  PetscErrorCode (*setfromoptions)(CfxModule, PetscOptionItems *);
  PetscErrorCode (*setup)(CfxModule);
  PetscErrorCode (*forward)(CfxModule, CfxTape, CfxTensor, CfxTensor *);
  PetscErrorCode (*view)(CfxModule, PetscViewer);
  PetscErrorCode (*destroy)(CfxModule);
};

struct _p_CfxModule {
  PETSCHEADER(struct _CfxModuleOps);
  uint64_t seed;
  PetscBool setupcalled;
  PetscInt np, npmax; /* own parameters */
  char **pnames;
  CfxTensor *params;
  PetscInt nc, ncmax; /* child modules */
  char **cnames;
  CfxModule *children;
  void *data;
};

/* A zero parameter named <module name>.<local>, requiring a gradient. */
PETSC_INTERN PetscErrorCode CfxModuleNewParameter_Private(CfxModule, const char[], PetscInt, const PetscInt[], CfxTensor *);
/* Fill a parameter uniformly on (lo, hi) from the stream of its full name. */
PETSC_INTERN PetscErrorCode CfxModuleInitUniform_Private(CfxModule, CfxTensor, PetscReal, PetscReal);
/* A child module of the given type named <module name>.<local>, same seed; not set up. */
PETSC_INTERN PetscErrorCode CfxModuleNewChild_Private(CfxModule, const char[], CfxModuleType, CfxModule *);
/* Removes parameters and children (before a repeated SetUp). */
PETSC_INTERN PetscErrorCode CfxModuleClear_Private(CfxModule);

PETSC_INTERN PetscErrorCode CfxModuleCreate_Linear(CfxModule);
PETSC_INTERN PetscErrorCode CfxModuleCreate_MLP(CfxModule);
PETSC_INTERN PetscErrorCode CfxModuleCreate_Conv1d(CfxModule);
PETSC_INTERN PetscErrorCode CfxModuleCreate_SpectralConv1d(CfxModule);
PETSC_INTERN PetscErrorCode CfxModuleCreate_FNO1d(CfxModule);
PETSC_INTERN PetscErrorCode CfxModuleCreate_LayerNorm(CfxModule);
PETSC_INTERN PetscErrorCode CfxModuleCreate_MultiHeadAttention(CfxModule);
PETSC_INTERN PetscErrorCode CfxModuleCreate_TransformerBlock(CfxModule);

PETSC_INTERN PetscLogEvent CFXMODULE_Forward;
