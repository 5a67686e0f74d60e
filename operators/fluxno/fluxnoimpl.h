/* Private structure of CfxFluxNO, shared by the files of operators/fluxno. */
#pragma once

#include <cfximpl.h>
#include <conflux/cfxfluxno.h>
#include <conflux/cfxio.h>

#define CFXFLUXNO_MAX_LAYERS 16

struct _p_CfxFluxNO {
  MPI_Comm comm;
  char type[16];
  char *prefix;
  PetscBool setup;

  /* hyperparameters (sizes < 0: the type's default, resolved at SetUp) */
  PetscInt p, q;
  CfxFluxNONetType net;
  PetscInt width, layers, modes, pwidth;
  CfxFluxNOTimeType time;
  PetscReal ratio, lambda;
  char flux[32];
  PetscInt nfprm;
  PetscReal fprm[3];
  uint64_t seed;

  /* networks: the flux FNO (lift, fourier/pointwise layers, projection), the flux MLP, or
     the baseline FNO1d */
  CfxModule lift, fourier[CFXFLUXNO_MAX_LAYERS], pointwise[CFXFLUXNO_MAX_LAYERS], proj0, proj1;
  CfxTensor proj0W, proj0b;
  CfxModule mlp, fno;
  CfxParamSet ps;
  CfxTape tape;      /* for tape-free evaluation (rollouts, consistency, the FV face flux) */
  PetscReal *fvfull; /* the FV face flux's gathered field, fvN entries */
  PetscInt fvN;
};

PETSC_INTERN PetscLogEvent CFXFLUXNO_Step, CFXFLUXNO_Loss, CFXFLUXNO_IO, CFXFLUXNO_FVFlux;
PETSC_INTERN PetscErrorCode CfxFluxNOInitializePackage(void);
/* The flux network on a prepared stencil tensor (see fluxno_step.c). */
PETSC_INTERN PetscErrorCode CfxFluxNOFluxNetwork_Private(CfxFluxNO, CfxTape, CfxTensor, CfxTensor *);
/* Physical flux by name; error naming the valid names. */
PETSC_INTERN PetscErrorCode CfxFluxNOCheckFluxName(MPI_Comm, const char[], PetscInt);
PETSC_INTERN void CfxFluxNOPhysicalFlux(const char[], const PetscReal[], PetscInt, PetscInt, const PetscReal[], PetscReal[]);
