/* Tensors and tape-based reverse-mode automatic differentiation.

   Model: explicit forward and backward kernels per op (as in llm.c) recorded on a tape, so
   networks, losses, rollouts and simulator steps compose freely.

   Tensors
   -------
   A CfxTensor is a contiguous row-major array of doubles with 1 to 4 dimensions (a scalar is
   shape [1]) and an optional gradient buffer of the same size. Its fields are public and may
   be read (and `data` written) directly by kernels; change shapes only through the API.
   Two kinds exist:
   - persistent tensors (CfxTensorCreate / CfxTensorDestroy), used for parameters and data
     that outlive one training step; reference counted (CfxTensorReference);
   - step tensors (CfxTapeNewTensor), allocated from the tape's arena; they vanish at
     CfxTapeReset. Never keep a pointer to one across a reset.

   Gradients
   ---------
   A tensor takes part in differentiation when `requires_grad` is true. Persistent tensors
   get it from CfxTensorSetRequiresGrad (which allocates `grad`, zeroed); an op's output
   requires a gradient when any input does and the tape is recording. Step tensors get their
   gradient buffer lazily during CfxTapeBackward (zero-filled, from the arena), so a forward
   pass without backward allocates no gradients. Backward kernels *accumulate* (+=) into
   input gradients; persistent gradients therefore accumulate over steps until zeroed
   (CfxTensorZeroGrad, CfxParamSetZeroGrad), as in PyTorch.

   Tape
   ----
   CfxTapeCreate(comm, &tape); per step: build the graph with CfxOp* calls, CfxTapeBackward
   on a scalar, use the parameter gradients, CfxTapeReset (frees all step tensors and the
   recorded ops; the arena keeps its memory, grown to the high-water mark, so steady-state
   steps do no malloc). CfxTapeSetRecording(tape, PETSC_FALSE) runs ops without recording
   (inference, finite differences).

   User-defined ops
   ----------------
   Compute the forward into a step tensor from CfxTapeNewTensor, then, if
   CfxTapeNeedsGrad(tape, n, inputs) says so, mark the output (CfxTensorMarkRequiresGrad),
   store what the backward needs in memory from CfxTapeAlloc (arena, so no free), and call
   CfxTapeRecord(tape, out, backward, ctx). During CfxTapeBackward the function is called
   once, after every op that consumed `out`, and is skipped when `out` received no gradient.
   Inside it, CfxTensorGetGrad(tape, t, &g) returns t's gradient buffer (allocating a zeroed
   one if needed) or NULL when t needs no gradient; add into it.

   Flat parameter view
   -------------------
   A CfxParamSet gathers named parameters (from CfxModuleGetParameters, or added by hand) and
   repacks them into two contiguous buffers, one for values and one for gradients, so
   optimizers loop over one array, MPI data-parallel training sums gradients with one
   MPI_Allreduce, and TAO wraps the values in a Vec. After CfxParamSetSetUp each parameter
   tensor's `data` and `grad` point into those buffers (offsets in declaration order). */
#pragma once

#include <conflux/cfxsys.h>
#include <conflux/cfxrng.h>
#include <petscviewer.h>

#define CFX_TENSOR_MAX_DIMS 4

typedef struct _n_CfxTensor *CfxTensor;
struct _n_CfxTensor {
  PetscInt ndim;                       /* 1..4 */
  PetscInt shape[CFX_TENSOR_MAX_DIMS]; /* unused trailing entries are 1 */
  PetscInt size;                       /* product of shape */
  PetscReal *data;                     /* size values, row-major */
  PetscReal *grad;                     /* NULL until a gradient exists */
  PetscBool requires_grad;
  PetscBool persistent; /* created by CfxTensorCreate (not in an arena) */
  /* private */
  PetscInt refct;
  PetscBool owns_data; /* persistent tensor whose data/grad it frees itself */
};

typedef struct _p_CfxTape *CfxTape;
typedef struct _p_CfxArena *CfxArena;
typedef struct _p_CfxParamSet *CfxParamSet;

/* Backward of a recorded op: ctx is what the forward stored (in the arena). */
typedef PetscErrorCode (*CfxTapeBackwardFn)(CfxTape, void *);

/* ---- Arena: bump allocator, 64-byte aligned; reset keeps one block of the high-water size. */
PETSC_EXTERN PetscErrorCode CfxArenaCreate(size_t, CfxArena *);
PETSC_EXTERN PetscErrorCode CfxArenaAlloc(CfxArena, size_t, void **);
PETSC_EXTERN PetscErrorCode CfxArenaReset(CfxArena);
PETSC_EXTERN PetscErrorCode CfxArenaGetUsage(CfxArena, size_t *, size_t *); /* in use, capacity */
PETSC_EXTERN PetscErrorCode CfxArenaDestroy(CfxArena *);

/* ---- Persistent tensors */
PETSC_EXTERN PetscErrorCode CfxTensorCreate(PetscInt, const PetscInt[], CfxTensor *); /* zero-filled */
PETSC_EXTERN PetscErrorCode CfxTensorCreateWithData(PetscInt, const PetscInt[], const PetscReal[], CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxTensorReference(CfxTensor);
PETSC_EXTERN PetscErrorCode CfxTensorDestroy(CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxTensorSetRequiresGrad(CfxTensor, PetscBool);
PETSC_EXTERN PetscErrorCode CfxTensorZeroGrad(CfxTensor);
PETSC_EXTERN PetscErrorCode CfxTensorCopyData(CfxTensor, CfxTensor); /* src, dst: same size */
PETSC_EXTERN PetscErrorCode CfxTensorSetValues(CfxTensor, PetscReal);
PETSC_EXTERN PetscErrorCode CfxTensorFillUniform(CfxTensor, CfxRNG *, PetscReal, PetscReal);
PETSC_EXTERN PetscErrorCode CfxTensorFillNormal(CfxTensor, CfxRNG *, PetscReal, PetscReal);
PETSC_EXTERN PetscErrorCode CfxTensorShapeString(CfxTensor, char[], size_t); /* "[4,3]" */
PETSC_EXTERN PetscErrorCode CfxTensorView(CfxTensor, PetscViewer);
/* Mark an op output as needing a gradient (for user-defined ops). */
PETSC_EXTERN PetscErrorCode CfxTensorMarkRequiresGrad(CfxTensor);

/* ---- Tape */
PETSC_EXTERN PetscErrorCode CfxTapeCreate(MPI_Comm, CfxTape *);
PETSC_EXTERN PetscErrorCode CfxTapeDestroy(CfxTape *);
PETSC_EXTERN PetscErrorCode CfxTapeReset(CfxTape);
PETSC_EXTERN PetscErrorCode CfxTapeGetComm(CfxTape, MPI_Comm *);
PETSC_EXTERN PetscErrorCode CfxTapeSetRecording(CfxTape, PetscBool);
PETSC_EXTERN PetscErrorCode CfxTapeGetRecording(CfxTape, PetscBool *);
PETSC_EXTERN PetscErrorCode CfxTapeGetNumOps(CfxTape, PetscInt *);
PETSC_EXTERN PetscErrorCode CfxTapeGetArena(CfxTape, CfxArena *);
/* Step tensors (zero-filled or uninitialised; "Uninit" is for kernels that overwrite all). */
PETSC_EXTERN PetscErrorCode CfxTapeNewTensor(CfxTape, PetscInt, const PetscInt[], CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxTapeNewTensorUninit(CfxTape, PetscInt, const PetscInt[], CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxTapeNewTensorWithData(CfxTape, PetscInt, const PetscInt[], const PetscReal[], CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxTapeAlloc(CfxTape, size_t, void **);
PETSC_EXTERN PetscBool CfxTapeNeedsGrad(CfxTape, PetscInt, const CfxTensor[]);
PETSC_EXTERN PetscErrorCode CfxTapeRecord(CfxTape, CfxTensor, CfxTapeBackwardFn, void *);
PETSC_EXTERN PetscErrorCode CfxTensorGetGrad(CfxTape, CfxTensor, PetscReal **);
/* Reverse sweep from a scalar (seed 1), or from any tensor with a given seed (a VJP). */
PETSC_EXTERN PetscErrorCode CfxTapeBackward(CfxTape, CfxTensor);
PETSC_EXTERN PetscErrorCode CfxTapeBackwardWithSeed(CfxTape, CfxTensor, const PetscReal[]);

/* ---- Ops. Every op: (tape, inputs..., parameters..., &output); the output is a step tensor. */
typedef enum {
  CFX_ACT_NONE,
  CFX_ACT_TANH,
  CFX_ACT_GELU, /* exact: x Phi(x) with erf */
  CFX_ACT_RELU,
  CFX_ACT_SIGMOID,
  CFX_ACT_SOFTPLUS, /* log(1 + e^x), computed stably */
  CFX_ACT_SILU
} CfxActivation;
PETSC_EXTERN const char *const CfxActivations[]; /* names for PetscOptionsEnum */

/* Elementwise binary ops with NumPy broadcasting (shapes aligned at the trailing axis; a
   dimension of 1 broadcasts). */
PETSC_EXTERN PetscErrorCode CfxOpAdd(CfxTape, CfxTensor, CfxTensor, CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxOpSub(CfxTape, CfxTensor, CfxTensor, CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxOpMul(CfxTape, CfxTensor, CfxTensor, CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxOpDiv(CfxTape, CfxTensor, CfxTensor, CfxTensor *);
/* y = alpha x + beta */
PETSC_EXTERN PetscErrorCode CfxOpScale(CfxTape, CfxTensor, PetscReal, PetscReal, CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxOpExp(CfxTape, CfxTensor, CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxOpLog(CfxTape, CfxTensor, CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxOpSqrt(CfxTape, CfxTensor, CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxOpSquare(CfxTape, CfxTensor, CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxOpActivation(CfxTape, CfxTensor, CfxActivation, CfxTensor *);
/* Smooth max(a,b) ~ b + softplus(k(a-b))/k, min(a,b) ~ a - softplus(k(a-b))/k (k > 0, error
   <= log(2)/k); clamp(x, lo, hi) = smooth min(smooth max(x, lo), hi) with scalar bounds. */
PETSC_EXTERN PetscErrorCode CfxOpSmoothMax(CfxTape, CfxTensor, CfxTensor, PetscReal, CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxOpSmoothMin(CfxTape, CfxTensor, CfxTensor, PetscReal, CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxOpSmoothClamp(CfxTape, CfxTensor, PetscReal, PetscReal, PetscReal, CfxTensor *);

/* C = op(A) op(B) with op = identity or transpose of the last two axes. A is [..., M, K]
   (or [..., K, M] transposed), B is [K, N] (shared) or [..., K, N] with the same leading
   (batch) dims as A. Shared B with untransposed A is one GEMM over all rows. */
PETSC_EXTERN PetscErrorCode CfxOpMatmul(CfxTape, CfxTensor, PetscBool, CfxTensor, PetscBool, CfxTensor *);
/* y = act(x W^T + b): x [..., in], W [out, in] (PyTorch layout), b [out] or NULL. The
   activation is fused (one pass, no extra tensor); CFX_ACT_NONE for a plain linear map. */
PETSC_EXTERN PetscErrorCode CfxOpLinear(CfxTape, CfxTensor, CfxTensor, CfxTensor, CfxActivation, CfxTensor *);
/* A chain of L linear layers, y = f_{L-1}(...f_0(x)), f_l(h) = act[l](h W[l]^T + b[l]), with
   W[l] [out_l, in_l] (in_l = out_{l-1}), b[l] [out_l] or NULL (b may be NULL: no biases).
   Same values as L calls of CfxOpLinear; computed on cache-sized row blocks in one threaded
   pass forward and one backward (the MLP module uses it). At most CFX_MLP_MAX_LAYERS layers. */
#define CFX_MLP_MAX_LAYERS 16
PETSC_EXTERN PetscErrorCode CfxOpMLP(CfxTape, CfxTensor, PetscInt, const CfxTensor[], const CfxTensor[], const CfxActivation[], CfxTensor *);
/* Channel mixing on channels-first data: x [B, Cin, N], W [Cout, Cin] (any shape with Cout*Cin
   entries, e.g. a kernel-1 conv weight [Cout, Cin, 1]), b [Cout] or NULL -> y [B, Cout, N]. */
PETSC_EXTERN PetscErrorCode CfxOpChannelLinear(CfxTape, CfxTensor, CfxTensor, CfxTensor, CfxActivation, CfxTensor *);

/* Reductions. axis in [0, ndim) removes that axis (a 1-D input gives shape [1]); axis -1
   reduces everything to shape [1]. */
PETSC_EXTERN PetscErrorCode CfxOpSum(CfxTape, CfxTensor, PetscInt, CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxOpMean(CfxTape, CfxTensor, PetscInt, CfxTensor *);
/* Losses (scalars): mean((a-b)^2) over all entries; relative L2 = mean over the first axis of
   ||a_i - b_i||_2 / ||b_i||_2 (gradients flow to both arguments). */
PETSC_EXTERN PetscErrorCode CfxOpMSELoss(CfxTape, CfxTensor, CfxTensor, CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxOpRelL2Loss(CfxTape, CfxTensor, CfxTensor, CfxTensor *);

/* Shape ops (copies; every output is a fresh contiguous tensor). */
PETSC_EXTERN PetscErrorCode CfxOpReshape(CfxTape, CfxTensor, PetscInt, const PetscInt[], CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxOpPermute(CfxTape, CfxTensor, const PetscInt[], CfxTensor *); /* y.shape[i] = x.shape[perm[i]] */
PETSC_EXTERN PetscErrorCode CfxOpTranspose(CfxTape, CfxTensor, PetscInt, PetscInt, CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxOpConcat(CfxTape, PetscInt, const CfxTensor[], PetscInt, CfxTensor *);  /* n, tensors, axis */
PETSC_EXTERN PetscErrorCode CfxOpSlice(CfxTape, CfxTensor, PetscInt, PetscInt, PetscInt, CfxTensor *); /* axis, start, end */

/* Periodic shift along the last axis: y[..., j] = x[..., (j + s) mod N]. */
PETSC_EXTERN PetscErrorCode CfxOpShift(CfxTape, CfxTensor, PetscInt, CfxTensor *);
/* Periodic stencil gather: x [B, C, N] (or [B, N] as C = 1) -> y [B, N, S*C] with
   y[b, j, s*C + c] = x[b, c, (j + offsets[s]) mod N]: every face's stencil as one row, so a
   pointwise MLP on the last axis is one GEMM over B*N rows. */
PETSC_EXTERN PetscErrorCode CfxOpStencilGather(CfxTape, CfxTensor, PetscInt, const PetscInt[], CfxTensor *);

/* Conv1d on x [B, Cin, N], weight [Cout, Cin/groups, K], bias [Cout] or NULL:
   output length (N + padl + padr - K)/stride + 1. Padding: zero, periodic (circular wrap), or
   valid (padl = padr = 0). groups divides Cin and Cout; groups = Cin = Cout is depthwise. */
typedef enum { CFX_PAD_ZERO, CFX_PAD_PERIODIC, CFX_PAD_VALID } CfxPadType;
PETSC_EXTERN const char *const CfxPadTypes[];
typedef struct {
  PetscInt stride, padl, padr, groups;
  CfxPadType pad;
} CfxConv1dParams;
PETSC_EXTERN PetscErrorCode CfxOpConv1d(CfxTape, CfxTensor, CfxTensor, CfxTensor, const CfxConv1dParams *, CfxTensor *);

/* Spectral convolution (FNO layer) on x [B, Cin, N]: y = irfft(W . rfft(x)) keeping modes
   0..M-1 (M <= N/2 + 1), with complex weights given as real and imaginary parts
   [Cin, Cout, M] (the layout of the reference FNO code); irfft normalised by 1/N as
   numpy/torch. FFTW plans are created once per (N, batch) and cached. */
PETSC_EXTERN PetscErrorCode CfxOpSpectralConv1d(CfxTape, CfxTensor, CfxTensor, CfxTensor, CfxTensor *);

/* Normalisation over the last axis. weight/bias of shape [D] may be NULL. */
PETSC_EXTERN PetscErrorCode CfxOpLayerNorm(CfxTape, CfxTensor, CfxTensor, CfxTensor, PetscReal, CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxOpRMSNorm(CfxTape, CfxTensor, CfxTensor, PetscReal, CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxOpSoftmax(CfxTape, CfxTensor, CfxTensor *); /* over the last axis */
/* Scaled dot-product attention with H heads: q, k, v [B, T, D] (D divisible by H) -> [B, T, D],
   softmax(q_h k_h^T / sqrt(D/H)) v_h per head h on columns h*D/H..; causal masks j > i. */
PETSC_EXTERN PetscErrorCode CfxOpAttention(CfxTape, CfxTensor, CfxTensor, CfxTensor, PetscInt, PetscBool, CfxTensor *);
/* Gated linear recurrence over axis 1: a, b, x [B, T, D], h0 [B, D] or NULL (zero):
   h_t = a_t * h_{t-1} + b_t * x_t; returns h [B, T, D]. Backward runs in reverse time. */
PETSC_EXTERN PetscErrorCode CfxOpLinearRecurrence(CfxTape, CfxTensor, CfxTensor, CfxTensor, CfxTensor, CfxTensor *);

/* ---- Gradient check against central differences.
   f builds an output tensor from the inputs on the tape. The check compares the reverse-mode
   gradient of L = sum(r * f(inputs)) (r fixed, random) with central differences of step h in
   every input entry, and returns the largest normwise relative error over the inputs,
   ||g_ad - g_fd||_2 / max(||g_fd||_2, 1e-4 ||whole g_fd||_2) (the floor keeps an input with a
   structurally zero gradient from comparing noise with noise). Inputs must be persistent
   tensors with requires_grad set. Costs 2 evaluations of f per input entry. */
typedef PetscErrorCode (*CfxGradCheckFn)(CfxTape, PetscInt, CfxTensor[], void *, CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxGradCheck(CfxTape, CfxGradCheckFn, void *, PetscInt, CfxTensor[], PetscReal, PetscReal *);

/* ---- Flat parameter sets */
PETSC_EXTERN PetscErrorCode CfxParamSetCreate(MPI_Comm, CfxParamSet *);
PETSC_EXTERN PetscErrorCode CfxParamSetAdd(CfxParamSet, const char[], CfxTensor); /* before SetUp */
PETSC_EXTERN PetscErrorCode CfxParamSetSetUp(CfxParamSet);
PETSC_EXTERN PetscErrorCode CfxParamSetGetSize(CfxParamSet, PetscInt *); /* total entries */
PETSC_EXTERN PetscErrorCode CfxParamSetGetNumParameters(CfxParamSet, PetscInt *);
PETSC_EXTERN PetscErrorCode CfxParamSetGetParameter(CfxParamSet, PetscInt, const char **, CfxTensor *, PetscInt *); /* name, tensor, offset */
PETSC_EXTERN PetscErrorCode CfxParamSetFind(CfxParamSet, const char[], CfxTensor *, PetscInt *);                    /* NULL, -1 if absent */
PETSC_EXTERN PetscErrorCode CfxParamSetGetArrays(CfxParamSet, PetscReal **, PetscReal **);                          /* values, grads */
PETSC_EXTERN PetscErrorCode CfxParamSetZeroGrad(CfxParamSet);
PETSC_EXTERN PetscErrorCode CfxParamSetView(CfxParamSet, PetscViewer);
PETSC_EXTERN PetscErrorCode CfxParamSetDestroy(CfxParamSet *);
