/* First-order optimizers on a CfxParamSet's flat value and gradient arrays, learning-rate
   schedules, gradient-norm clipping, and L-BFGS through PETSc TAO for full-batch problems.

   Lifecycle (PETSc style):

     CfxOptimizerCreate(comm, &opt);
     CfxOptimizerSetParamSet(opt, params);         a set after CfxParamSetSetUp
     CfxOptimizerSetType(opt, CFX_OPTIMIZER_ADAMW); or -train_optimizer adamw
     CfxOptimizerSetOptionsPrefix(opt, "flux_");    options become -flux_train_lr ...
     CfxOptimizerSetFromOptions(opt);
     CfxOptimizerSetUp(opt);                       allocates the moments (zero)
     per step: zero grads, forward, CfxTapeBackward, (MPI gradient sum), CfxOptimizerStep(opt)
     CfxOptimizerDestroy(&opt);

   Update formulas are PyTorch 1.13's (torch.optim.SGD, Adam, AdamW, single-tensor path), with
   t the step count after incrementing and lr the scheduled rate of this step:
     SGD:   d = g + wd p;  b = d (first step) or mu b + (1 - dampening) d;
            d = d + mu b (Nesterov) or b;  p -= lr d
     Adam:  g += wd p (L2 penalty);  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
            p -= lr/(1 - b1^t) * m / (sqrt(v)/sqrt(1 - b2^t) + eps)
     AdamW: p *= 1 - lr wd (decoupled decay), then Adam's moment update with wd = 0.
   Clipping (-train_clip c > 0) scales all gradients by min(1, c/(||g||_2 + 1e-6)) before the
   update, as torch.nn.utils.clip_grad_norm_.

   Schedules give the rate of step k = 0, 1, ... (k steps already taken), base rate lr:
     constant        lr
     step            lr gamma^floor(k / step_size)                       (torch StepLR)
     cosine          lr_min + (lr - lr_min)(1 + cos(pi min(k, T)/T))/2     T = total steps
     warmup_cosine   lr (k + 1)/W for k < W, then cosine over the remaining T - W steps

   State for checkpoints: the step count and the named buffers of CfxOptimizerGetState
   ("exp_avg", "exp_avg_sq" for Adam/AdamW, "momentum_buffer" for SGD with momentum), each
   with as many entries as the parameter set. */
#pragma once

#include <conflux/cfxtensor.h>
#include <petsctao.h>

typedef struct _p_CfxOptimizer *CfxOptimizer;

typedef enum { CFX_OPTIMIZER_SGD, CFX_OPTIMIZER_ADAM, CFX_OPTIMIZER_ADAMW } CfxOptimizerType;
PETSC_EXTERN const char *const CfxOptimizerTypes[];

typedef enum { CFX_SCHEDULE_CONSTANT, CFX_SCHEDULE_STEP, CFX_SCHEDULE_COSINE, CFX_SCHEDULE_WARMUP_COSINE } CfxScheduleType;
PETSC_EXTERN const char *const CfxScheduleTypes[];

PETSC_EXTERN PetscErrorCode CfxOptimizerCreate(MPI_Comm, CfxOptimizer *);
PETSC_EXTERN PetscErrorCode CfxOptimizerSetParamSet(CfxOptimizer, CfxParamSet);
PETSC_EXTERN PetscErrorCode CfxOptimizerGetParamSet(CfxOptimizer, CfxParamSet *);
PETSC_EXTERN PetscErrorCode CfxOptimizerSetType(CfxOptimizer, CfxOptimizerType);
PETSC_EXTERN PetscErrorCode CfxOptimizerGetType(CfxOptimizer, CfxOptimizerType *);
PETSC_EXTERN PetscErrorCode CfxOptimizerSetLearningRate(CfxOptimizer, PetscReal);
PETSC_EXTERN PetscErrorCode CfxOptimizerGetLearningRate(CfxOptimizer, PetscReal *); /* base rate */
PETSC_EXTERN PetscErrorCode CfxOptimizerSetWeightDecay(CfxOptimizer, PetscReal);
PETSC_EXTERN PetscErrorCode CfxOptimizerSetBetas(CfxOptimizer, PetscReal, PetscReal);
PETSC_EXTERN PetscErrorCode CfxOptimizerSetEpsilon(CfxOptimizer, PetscReal);
/* momentum, dampening, Nesterov (SGD only) */
PETSC_EXTERN PetscErrorCode CfxOptimizerSetMomentum(CfxOptimizer, PetscReal, PetscReal, PetscBool);
/* Maximum gradient 2-norm; 0 disables clipping. */
PETSC_EXTERN PetscErrorCode CfxOptimizerSetClipNorm(CfxOptimizer, PetscReal);
/* type, total steps T, warmup steps W, step size and gamma (step schedule), lr_min */
PETSC_EXTERN PetscErrorCode CfxOptimizerSetSchedule(CfxOptimizer, CfxScheduleType, PetscInt, PetscInt, PetscInt, PetscReal, PetscReal);
PETSC_EXTERN PetscErrorCode CfxOptimizerSetOptionsPrefix(CfxOptimizer, const char[]);
PETSC_EXTERN PetscErrorCode CfxOptimizerSetFromOptions(CfxOptimizer);
PETSC_EXTERN PetscErrorCode CfxOptimizerSetUp(CfxOptimizer);
/* One update from the gradients in the parameter set (clipping them in place if enabled). */
PETSC_EXTERN PetscErrorCode CfxOptimizerStep(CfxOptimizer);
/* The rate the next step will use, and the gradient norm of the last step (before clipping). */
PETSC_EXTERN PetscErrorCode CfxOptimizerGetCurrentLearningRate(CfxOptimizer, PetscReal *);
PETSC_EXTERN PetscErrorCode CfxOptimizerGetLastGradientNorm(CfxOptimizer, PetscReal *);
/* Rate of step k (k steps already taken) under the configured schedule. */
PETSC_EXTERN PetscErrorCode CfxOptimizerScheduleLearningRate(CfxOptimizer, PetscInt, PetscReal *);
/* Checkpoint state: step count, and state buffers by index (name, array of GetSize entries,
   writable so a checkpoint can restore them). */
PETSC_EXTERN PetscErrorCode CfxOptimizerGetStepNumber(CfxOptimizer, PetscInt *);
PETSC_EXTERN PetscErrorCode CfxOptimizerSetStepNumber(CfxOptimizer, PetscInt);
PETSC_EXTERN PetscErrorCode CfxOptimizerGetNumStates(CfxOptimizer, PetscInt *);
PETSC_EXTERN PetscErrorCode CfxOptimizerGetState(CfxOptimizer, PetscInt, const char **, PetscReal **);
PETSC_EXTERN PetscErrorCode CfxOptimizerGetSize(CfxOptimizer, PetscInt *);
PETSC_EXTERN PetscErrorCode CfxOptimizerView(CfxOptimizer, PetscViewer);
PETSC_EXTERN PetscErrorCode CfxOptimizerDestroy(CfxOptimizer *);

/* Gradient 2-norm of a flat array and torch-style clipping; returns the norm before clipping. */
PETSC_EXTERN PetscErrorCode CfxClipGradientNorm(PetscInt, PetscReal[], PetscReal, PetscReal *);

/* ---- L-BFGS (or any TAO method) on the flat parameters, for full-batch problems.
   The loss callback builds a scalar loss on the tape from the parameter set's tensors (whose
   values TAO has set); CfxTaoSetParamSetObjective registers a TAO objective-and-gradient
   routine that runs it, calls CfxTapeBackward, copies the gradient and resets the tape.
   When `comm` has several ranks, each rank's loss and gradient are summed over it (one
   MPI_Allreduce), so a Tao on PETSC_COMM_SELF per rank, with the data sharded, takes
   identical iterations everywhere. The TAO solution Vec has GetSize entries; create it with
   CfxParamSetCreateVec and copy the result back with CfxParamSetSetFromVec. */
typedef PetscErrorCode (*CfxLossFn)(CfxTape, CfxParamSet, CfxTensor *, void *);
PETSC_EXTERN PetscErrorCode CfxTaoSetParamSetObjective(Tao, MPI_Comm, CfxParamSet, CfxTape, CfxLossFn, void *);
PETSC_EXTERN PetscErrorCode CfxParamSetCreateVec(CfxParamSet, Vec *); /* sequential copy of the values */
PETSC_EXTERN PetscErrorCode CfxParamSetSetFromVec(CfxParamSet, Vec);
