/* Training checkpoints in HDF5 (DESIGN.md §5), readable with h5py:

     /                       attributes format = "conflux-checkpoint", format_version = "1",
                             conflux_version
     /model                  attribute kind (e.g. "mlp", shown by `conflux info`) and one
                             text attribute per hyperparameter (CfxCheckpointSetModelAttribute)
     /params/<key>           float64, the parameter's shape; attribute name = its full name
     /optimizer              attributes type, lr, weight_decay, betas, eps, momentum, ...
     /optimizer/step         int64 scalar: steps taken
     /optimizer/<state>/<key> float64, per parameter: exp_avg, exp_avg_sq (Adam/AdamW) or
                             momentum_buffer (SGD with momentum), torch.optim's state names
     /state/step, /state/epoch   int64 scalars
     /state/rng              uint64 [3]: CfxRNG seed, stream, counter
     /state/loss_history     float64 [n]

   Keys: a parameter's name (e.g. "fno.fourier0.weight_re", "block.self_attn.out_proj.weight")
   is used as the HDF5 link name directly; dots are legal there. Characters HDF5 would treat
   specially are percent-encoded: '/' -> "%2F" (it would create groups), '%' -> "%25", and a
   name that is exactly "." -> "%2E". The exact name is also stored in the attribute `name`
   (loading looks a parameter up by its key and checks that attribute).

   Saving is collective; parameters, optimizer state and training state must be identical on
   all ranks (data-parallel training keeps them so), and rank 0 writes. The file is written
   as NAME.tmp and renamed to NAME only after everything was written, so a failed or
   interrupted save leaves an existing NAME untouched; non-finite parameter values are
   refused. Loading is collective; every rank reads the file, checks that it holds exactly
   the parameters of the set with the same shapes (the error names the parameter, expected
   and found shapes) and finite values, and fills parameter values, optimizer state (if an
   optimizer is attached) and training state. Optimizer hyperparameters in the file are for
   information; the attached optimizer keeps its own (options decide them). */
#pragma once

#include <conflux/cfxtensor.h>
#include <conflux/cfxoptim.h>

typedef struct _p_CfxCheckpoint *CfxCheckpoint;

PETSC_EXTERN PetscErrorCode CfxCheckpointCreate(MPI_Comm, CfxCheckpoint *);
PETSC_EXTERN PetscErrorCode CfxCheckpointSetModelKind(CfxCheckpoint, const char[]);
PETSC_EXTERN PetscErrorCode CfxCheckpointSetModelAttribute(CfxCheckpoint, const char[], const char[]);
PETSC_EXTERN PetscErrorCode CfxCheckpointGetModelKind(CfxCheckpoint, const char **);
PETSC_EXTERN PetscErrorCode CfxCheckpointGetModelAttribute(CfxCheckpoint, const char[], const char **); /* NULL if absent */
PETSC_EXTERN PetscErrorCode CfxCheckpointSetParamSet(CfxCheckpoint, CfxParamSet);
PETSC_EXTERN PetscErrorCode CfxCheckpointSetOptimizer(CfxCheckpoint, CfxOptimizer); /* optional */
/* Training state: step, epoch, RNG, loss history (copied). */
PETSC_EXTERN PetscErrorCode CfxCheckpointSetStep(CfxCheckpoint, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode CfxCheckpointGetStep(CfxCheckpoint, PetscInt *, PetscInt *);
PETSC_EXTERN PetscErrorCode CfxCheckpointSetRNG(CfxCheckpoint, const CfxRNG *);
PETSC_EXTERN PetscErrorCode CfxCheckpointGetRNG(CfxCheckpoint, CfxRNG *);
PETSC_EXTERN PetscErrorCode CfxCheckpointSetLossHistory(CfxCheckpoint, PetscInt, const PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxCheckpointGetLossHistory(CfxCheckpoint, PetscInt *, const PetscReal **);
/* Replace an existing file on save (default true: checkpoints are rewritten as training goes). */
PETSC_EXTERN PetscErrorCode CfxCheckpointSetOverwrite(CfxCheckpoint, PetscBool);
PETSC_EXTERN PetscErrorCode CfxCheckpointSave(CfxCheckpoint, const char[]);
PETSC_EXTERN PetscErrorCode CfxCheckpointLoad(CfxCheckpoint, const char[]);
PETSC_EXTERN PetscErrorCode CfxCheckpointView(CfxCheckpoint, PetscViewer);
PETSC_EXTERN PetscErrorCode CfxCheckpointDestroy(CfxCheckpoint *);

/* The HDF5 link name of a parameter name (percent-encoding above), and back. */
/* The /model attributes of a checkpoint, read on their own: a model's hyperparameters decide
   which parameters the file must hold, so they are read before the model is built. */
typedef struct _p_CfxModelHeader *CfxModelHeader;
PETSC_EXTERN PetscErrorCode CfxModelHeaderOpen(MPI_Comm, const char[], CfxModelHeader *);
PETSC_EXTERN PetscErrorCode CfxModelHeaderGetText(CfxModelHeader, const char[], char[], size_t);
PETSC_EXTERN PetscErrorCode CfxModelHeaderGetInt(CfxModelHeader, const char[], PetscInt *);
PETSC_EXTERN PetscErrorCode CfxModelHeaderGetReal(CfxModelHeader, const char[], PetscReal *);
PETSC_EXTERN PetscErrorCode CfxModelHeaderGetEnum(CfxModelHeader, const char[], const char *const[], PetscInt, PetscInt *);
PETSC_EXTERN PetscErrorCode CfxModelHeaderClose(CfxModelHeader *);

PETSC_EXTERN PetscErrorCode CfxCheckpointEncodeName(const char[], char[], size_t);
PETSC_EXTERN PetscErrorCode CfxCheckpointDecodeName(const char[], char[], size_t);
