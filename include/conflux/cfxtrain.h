/* Data-parallel training under MPI.

   The global batch of B samples is cut into S contiguous shards (shard s holds samples
   [floor(s B/S), floor((s+1) B/S))); S is a multiple of the number of ranks P (default S = P)
   and rank r owns shards r S/P .. (r+1) S/P - 1. For each of its shards a rank runs the
   user's loss callback (the mean loss over that shard's samples) on a reset tape and
   back-propagates from zeroed gradients; it adds count_s/B times that shard's gradient and
   loss to a local sum in shard order. One MPI_Allreduce on a flat buffer (all gradients and
   the loss) then gives every rank the gradient of the mean loss over the global batch, in
   the parameter set's gradient array, ready for CfxOptimizerStep.

   Reproducibility: a shard's gradient does not depend on which rank computes it, so for a
   fixed S the only rank-count dependence is the order of the final sums. With S = 2 a run on
   1 rank and on 2 ranks are bitwise identical (a + b is commutative); for other S they agree
   to round-off of the sum. Use -train_shards to fix S when comparing rank counts.

     CfxDataParallelCreate(comm, params, &dp);
     CfxDataParallelSetFromOptions(dp);             -train_shards S
     per step: CfxDataParallelComputeGradient(dp, tape, B, lossfn, ctx, &loss);
               CfxOptimizerStep(opt);
     CfxDataParallelDestroy(&dp);

   Callers computing gradients their own way can use CfxDataParallelSumGradients (weight the
   local gradient, one MPI_Allreduce). */
#pragma once

#include <conflux/cfxtensor.h>

typedef struct _p_CfxDataParallel *CfxDataParallel;

/* Mean loss over samples [start, start + count) of the global batch, built on the tape. */
typedef PetscErrorCode (*CfxBatchLossFn)(CfxTape, PetscInt, PetscInt, CfxTensor *, void *);

PETSC_EXTERN PetscErrorCode CfxDataParallelCreate(MPI_Comm, CfxParamSet, CfxDataParallel *);
PETSC_EXTERN PetscErrorCode CfxDataParallelSetShards(CfxDataParallel, PetscInt);
PETSC_EXTERN PetscErrorCode CfxDataParallelGetShards(CfxDataParallel, PetscInt *);
PETSC_EXTERN PetscErrorCode CfxDataParallelSetOptionsPrefix(CfxDataParallel, const char[]);
PETSC_EXTERN PetscErrorCode CfxDataParallelSetFromOptions(CfxDataParallel);
/* This rank's shards [first, end) and a shard's sample range for a batch of B samples. */
PETSC_EXTERN PetscErrorCode CfxDataParallelGetOwnedShards(CfxDataParallel, PetscInt *, PetscInt *);
PETSC_EXTERN PetscErrorCode CfxDataParallelGetShardRange(CfxDataParallel, PetscInt, PetscInt, PetscInt *, PetscInt *);
/* Gradient (into the parameter set) and value of the global mean loss; collective. */
PETSC_EXTERN PetscErrorCode CfxDataParallelComputeGradient(CfxDataParallel, CfxTape, PetscInt, CfxBatchLossFn, void *, PetscReal *);
/* grad <- sum over ranks of weight * grad (one MPI_Allreduce); collective. */
PETSC_EXTERN PetscErrorCode CfxDataParallelSumGradients(CfxDataParallel, PetscReal);
PETSC_EXTERN PetscErrorCode CfxDataParallelDestroy(CfxDataParallel *);
