/* Private declarations shared by the tensor, tape and op sources. */
#pragma once

#include <cfximpl.h>
#include <petscviewer.h>
#include <conflux/cfxtensor.h>

struct _p_CfxArena {
  char **blocks; /* blocks[0] is the current one when nblocks == 1 */
  size_t *sizes; /* capacity of each block */
  PetscInt nblocks, maxblocks;
  size_t used;  /* bytes used in the last block */
  size_t total; /* bytes handed out since the last reset (incl. alignment) */
  size_t peak;  /* high-water mark of total */
};

typedef struct {
  CfxTensor out;
  CfxTapeBackwardFn fn;
  void *ctx;
} CfxTapeNode;

struct _p_CfxTape {
  MPI_Comm comm;
  CfxArena arena;
  CfxTapeNode *nodes;
  PetscInt nnodes, maxnodes;
  PetscBool recording;
  PetscBool inbackward;
};

/* Log events of the tape and the heavier ops (registered once). */
PETSC_INTERN PetscLogEvent CFX_TapeBackward, CFX_OpMatmul, CFX_OpLinear, CFX_OpConv1d, CFX_OpSpectral, CFX_OpAttention, CFX_OpFFT;
PETSC_INTERN PetscErrorCode CfxTensorInitializePackage(void);
PETSC_INTERN int CfxBLASSerialBegin(void);
PETSC_INTERN void CfxBLASSerialEnd(int);

/* Shape helpers */
PETSC_INTERN PetscErrorCode CfxShapeCheck(MPI_Comm, PetscInt, const PetscInt[]);
PETSC_INTERN PetscBool CfxShapeEqual(CfxTensor, CfxTensor);
PETSC_INTERN void CfxShapeString(PetscInt, const PetscInt[], char[], size_t);

/* An op output: a step tensor that requires grad iff recording and any input does. */
PETSC_INTERN PetscErrorCode CfxTapeNewOutput(CfxTape, PetscInt, const PetscInt[], PetscBool, PetscInt, const CfxTensor[], CfxTensor *);
/* Scratch memory from the arena, not zeroed */
#define CfxTapeScratch(tape, n, ptr) CfxArenaAlloc((tape)->arena, (size_t)(n) * sizeof(**(ptr)), (void **)(ptr))

/* Activation kernels shared by the fused ops: forward in place, and dz = dy * act'(z)
   given the pre-activation z and/or the output y. */
PETSC_INTERN void CfxActForward(CfxActivation, PetscInt, const PetscReal *, PetscReal *);
PETSC_INTERN void CfxActBackward(CfxActivation, PetscInt, const PetscReal *, const PetscReal *, const PetscReal *, PetscReal *, PetscBool);
PETSC_INTERN PetscBool CfxActNeedsInput(CfxActivation);
/* Vectorised kernels of fastmath.c: y = exp(x), y = tanh(x), the normal CDF and density;
   CfxFastMathISA names the instruction set in use (base, avx2, avx512). */
PETSC_INTERN void CfxVecExp(PetscInt, const PetscReal *, PetscReal *);
PETSC_INTERN void CfxVecTanh(PetscInt, const PetscReal *, PetscReal *);
PETSC_INTERN void CfxVecNormCdf(PetscInt, const PetscReal *, PetscReal *, PetscReal *);
PETSC_INTERN const char *CfxFastMathISA(void);
/* Fused bias + activation of the linear layers, row-major [R, C] (bias along C), forward and
   backward (fastmath.c). */
PETSC_INTERN void CfxBiasActForward(CfxActivation, PetscInt, PetscInt, const PetscReal *, PetscReal *, PetscReal *);
PETSC_INTERN PetscInt CfxBiasBlocks(PetscInt, PetscInt);
PETSC_INTERN void CfxBiasActBackward(CfxActivation, PetscInt, PetscInt, const PetscReal *, const PetscReal *, const PetscReal *, PetscReal *, PetscReal *, PetscReal *);
/* Serial versions (no OpenMP inside) for callers that thread over row blocks themselves. */
PETSC_INTERN void CfxBiasActRows(CfxActivation, PetscInt, PetscInt, const PetscReal *, PetscReal *, PetscReal *);
PETSC_INTERN void CfxActBackwardRows(CfxActivation, PetscInt, const PetscReal *, const PetscReal *, const PetscReal *, PetscReal *);
/* The gradient buffer of t for a kernel that overwrites all of it when *beta is 0 (a step
   tensor's first gradient: not zeroed) and adds into it when *beta is 1; NULL when t needs none. */
PETSC_INTERN PetscErrorCode CfxTensorGetGradForWrite(CfxTape, CfxTensor, PetscReal **, PetscReal *);

/* Row softmax kernels (ops_norm.c), shared with attention. */
PETSC_INTERN void CfxSoftmaxRows(PetscInt, PetscInt, const PetscReal *, PetscReal *);
PETSC_INTERN void CfxSoftmaxRowsBackward(PetscInt, PetscInt, const PetscReal *, const PetscReal *, PetscReal *, PetscBool);
