/* Private structure of CfxHFluxNO, shared by the files of operators/hfluxno. */
#pragma once

#include <cfximpl.h>
#include <conflux/cfxhfluxno.h>

#define CFXHFLUXNO_MAX_BLOCKS 8 /* temporal/spatial pairs, trunk and flux-network layers */

typedef struct {
  CfxTensor norm_w, y_w, y_b, x_w, x_b, conv_w, conv_b, gi_w, gi_b, gr_w, gr_b, lambda, out_w, out_b;
} CfxHFluxNOTemporal;

typedef struct {
  CfxTensor n1_w, n1_b, q, k, v, o, n2_w, n2_b, m1_w, m1_b, m2_w, m2_b;
} CfxHFluxNOSpatial;

struct _p_CfxHFluxNO {
  MPI_Comm comm;
  char *prefix;
  PetscBool setup;
  CfxHFluxNOConfig cfg;
  PetscInt ntok;  /* P = N / patch */
  PetscInt nflux; /* flux-network parameters per sample */
  /* flux-network layers inside theta: layer 0 is the stencil conv, then the MLP */
  PetscInt nfl, fl_in[CFXHFLUXNO_MAX_BLOCKS + 2], fl_out[CFXHFLUXNO_MAX_BLOCKS + 2], fl_off[CFXHFLUXNO_MAX_BLOCKS + 2];

  CfxTensor embed_w, embed_b, pos;
  CfxHFluxNOTemporal tb[CFXHFLUXNO_MAX_BLOCKS];
  CfxHFluxNOSpatial sb[CFXHFLUXNO_MAX_BLOCKS];
  CfxTensor norm_w, norm_b;
  CfxTensor trunk_w[CFXHFLUXNO_MAX_BLOCKS + 1], trunk_b[CFXHFLUXNO_MAX_BLOCKS + 1];
  CfxTensor head_w, head_b;
  PetscInt nown; /* tensors created here (released at Destroy) */
  CfxTensor *own;
  CfxParamSet ps;
  CfxTape tape; /* tape-free evaluation (rollouts) */
};

PETSC_INTERN PetscLogEvent CFXHFLUXNO_Step, CFXHFLUXNO_Encode, CFXHFLUXNO_Flux;
PETSC_INTERN PetscErrorCode CfxHFluxNOInitializePackage(void);
PETSC_INTERN PetscErrorCode CfxHFluxNOCheckConfig(MPI_Comm, const CfxHFluxNOConfig *);
