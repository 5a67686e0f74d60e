/* JAWS: spatially adaptive Jacobian regularisation of one-step autoregressive surrogates, and
   K-step unrolled training with backpropagation through the rollout (optionally with
   recomputation, so memory does not grow with the activations of K steps).

   Source: Nie & Suzuki, "JAWS: Enhancing Long-term Rollout of Neural PDE Solvers via
   Spatially-Adaptive Jacobian Regularization" (arXiv 2603.05538). Only the abstract was
   available; the formulas below are a reconstruction consistent with it, not the paper's.

   For a one-step model G: U [B, N] -> [B, N] (any CfxJawsStepFn, e.g. a CfxFluxNO through
   CfxJawsStepFluxNO) the penalty of a batch is

       P = lambda / n_probes  sum_probes sum_b sum_x  w_b(x) R_b(x),

   a sum over samples and cells like the Flux NO training loss, where, for a Rademacher
   probe v (entries +-1),
       (Jv)(x) = (G(U + eps v) - G(U))(x) / eps            (forward difference), or
                 (G(U + eps v) - G(U - eps v))(x) / (2 eps) (central difference),
       R(x)    = (Jv)(x)^2                                 (squared), or
                 max(0, (Jv)(x)^2 - rho^2 v(x)^2)          (hinge: only expansion beyond rho).
   E_v[(Jv)(x)^2] = sum_y J_xy^2 is the squared norm of row x of the Jacobian: the
   sensitivity of the output at x to the whole input. The difference quotient is an ordinary
   function of the parameters, so first-order reverse mode differentiates P (no
   double-backward). The weights come from the input state and carry no gradient:
       c(x) = |U(x+1) - U(x-1)| / mean_x |U(x+1) - U(x-1)|   (0 for a constant state),
       w(x) = 1 / (1 + beta c(x)), normalised to mean 1 over x for each sample,
   so the contraction is strong where the state is smooth and relaxed at fronts. Uniform
   weighting (w = 1) is the plain Jacobian penalty.

   Probes are drawn from the Philox generator with stream (probe index << 40) + sample
   (see CfxJawsSetProbeIndex), so they depend on the global sample index, not on the rank
   that computes it, and a run is reproducible bitwise.

   Options (prefix "jaws_" unless changed): -jaws_lambda, -jaws_beta, -jaws_rho,
   -jaws_sensitivity squared|hinge, -jaws_weighting adaptive|uniform, -jaws_probes,
   -jaws_eps, -jaws_difference forward|central, -jaws_seed. */
#pragma once

#include <conflux/cfxtensor.h>
#include <conflux/cfxfluxno.h>

typedef struct _p_CfxJaws *CfxJaws;

typedef enum { CFXJAWS_SQUARED, CFXJAWS_HINGE } CfxJawsSensitivityType;
PETSC_EXTERN const char *const CfxJawsSensitivityTypes[];
typedef enum { CFXJAWS_ADAPTIVE, CFXJAWS_UNIFORM } CfxJawsWeightingType;
PETSC_EXTERN const char *const CfxJawsWeightingTypes[];
typedef enum { CFXJAWS_FORWARD, CFXJAWS_CENTRAL } CfxJawsDifferenceType;
PETSC_EXTERN const char *const CfxJawsDifferenceTypes[];

/* A one-step model on the tape: U [B, N] -> V [B, N]. */
typedef PetscErrorCode (*CfxJawsStepFn)(void *, CfxTape, CfxTensor, CfxTensor *);
/* CfxFluxNOStep as a CfxJawsStepFn (ctx is the CfxFluxNO). */
PETSC_EXTERN PetscErrorCode CfxJawsStepFluxNO(void *, CfxTape, CfxTensor, CfxTensor *);

PETSC_EXTERN PetscErrorCode CfxJawsCreate(MPI_Comm, CfxJaws *);
/* lambda >= 0 (0: off, the default), beta >= 0 (default 1), rho in [0, 1] (default 1). */
PETSC_EXTERN PetscErrorCode CfxJawsSetLambda(CfxJaws, PetscReal);
PETSC_EXTERN PetscErrorCode CfxJawsGetLambda(CfxJaws, PetscReal *);
PETSC_EXTERN PetscErrorCode CfxJawsSetBeta(CfxJaws, PetscReal);
PETSC_EXTERN PetscErrorCode CfxJawsSetContraction(CfxJaws, PetscReal);
PETSC_EXTERN PetscErrorCode CfxJawsSetSensitivityType(CfxJaws, CfxJawsSensitivityType);
PETSC_EXTERN PetscErrorCode CfxJawsSetWeightingType(CfxJaws, CfxJawsWeightingType);
PETSC_EXTERN PetscErrorCode CfxJawsSetDifferenceType(CfxJaws, CfxJawsDifferenceType);
/* probes per penalty (>= 1, default 1) and the difference step eps > 0 (default 1e-3) */
PETSC_EXTERN PetscErrorCode CfxJawsSetProbes(CfxJaws, PetscInt);
PETSC_EXTERN PetscErrorCode CfxJawsSetEpsilon(CfxJaws, PetscReal);
PETSC_EXTERN PetscErrorCode CfxJawsSetSeed(CfxJaws, uint64_t);
/* Probe draw of the next penalty: counter (e.g. the optimizer step) and the global index of
   the batch's first sample. Each penalty then advances the counter by one. */
PETSC_EXTERN PetscErrorCode CfxJawsSetProbeIndex(CfxJaws, uint64_t, PetscInt);
PETSC_EXTERN PetscErrorCode CfxJawsSetOptionsPrefix(CfxJaws, const char[]);
PETSC_EXTERN PetscErrorCode CfxJawsSetFromOptions(CfxJaws);
PETSC_EXTERN PetscErrorCode CfxJawsView(CfxJaws, PetscViewer);
PETSC_EXTERN PetscErrorCode CfxJawsDestroy(CfxJaws *);

/* Complexity indicator c and weights w (both [B*N], c may be NULL) of states U [B*N]. */
PETSC_EXTERN PetscErrorCode CfxJawsComputeWeights(CfxJaws, PetscInt, PetscInt, const PetscReal[], PetscReal[], PetscReal[]);
/* Rademacher probes for samples [sample0, sample0 + B) of draw `counter`, probe k: v [B*N]. */
PETSC_EXTERN PetscErrorCode CfxJawsProbe(CfxJaws, uint64_t, PetscInt, PetscInt, PetscInt, PetscInt, PetscReal[]);
/* Difference-quotient Jv on the tape for states U [B, N] and direction v [B*N]. FU = G(U) on
   the tape (forward difference) may be given to save one evaluation, or NULL. U is treated
   as data: the perturbed states carry no gradient to U. */
PETSC_EXTERN PetscErrorCode CfxJawsJVP(CfxJaws, CfxTape, CfxJawsStepFn, void *, CfxTensor, CfxTensor, const PetscReal[], CfxTensor *);
/* Local sensitivity R [B, N] averaged over the probes (squared or hinge), on the tape. */
PETSC_EXTERN PetscErrorCode CfxJawsLocalSensitivity(CfxJaws, CfxTape, CfxJawsStepFn, void *, CfxTensor, CfxTensor, CfxTensor *);
/* The penalty P (shape [1]) on the tape; advances the probe counter. */
PETSC_EXTERN PetscErrorCode CfxJawsPenalty(CfxJaws, CfxTape, CfxJawsStepFn, void *, CfxTensor, CfxTensor, CfxTensor *);

/* ---- K-step unrolled training.
   A checkpointed step runs the model's forward on an inner tape without recording and keeps
   only its input and output on the outer tape; its backward re-runs the step on the inner
   tape, back-propagates the incoming gradient (accumulating the parameter gradients) and
   passes the input gradient on. Memory: the K states instead of K steps of activations, for
   one extra forward per step. */
typedef struct {
  CfxJawsStepFn step;
  void *ctx;
  CfxTape inner; /* created by the caller, reset by the checkpointed step */
} CfxJawsCheckpoint;
/* A CfxJawsStepFn (ctx is a CfxJawsCheckpoint *). */
PETSC_EXTERN PetscErrorCode CfxJawsCheckpointedStep(void *, CfxTape, CfxTensor, CfxTensor *);
/* sum_{k=1..K} sum (G^k(U0) - target_k)^2 for U0 [B, N] and targets [B, K, N] (frames
   n+1 .. n+K of each sample); also returns G(U0) (the first predicted state) if asked. */
PETSC_EXTERN PetscErrorCode CfxJawsUnrolledLoss(CfxTape, CfxJawsStepFn, void *, PetscInt, CfxTensor, CfxTensor, CfxTensor *, CfxTensor *);
