/* Data-parallel gradients: shards of the global batch per rank, one MPI_Allreduce on a flat
   buffer of all gradients plus the loss (see cfxtrain.h for the reproducibility argument). */
#include <cfximpl.h>
#include <conflux/cfxtrain.h>

struct _p_CfxDataParallel {
  MPI_Comm comm;
  PetscMPIInt rank, size;
  char *prefix;
  CfxParamSet params;
  PetscInt nshards; /* 0: one per rank */
  PetscInt n;       /* gradient entries */
  PetscReal *buf;   /* n gradient entries + the loss */
};

static PetscLogEvent CFX_DataParallelGradient, CFX_DataParallelAllreduce;
static PetscBool CfxTrainPackageInitialized = PETSC_FALSE;

static PetscErrorCode CfxTrainInitializePackage(void)
{
  PetscFunctionBegin;
  if (CfxTrainPackageInitialized) PetscFunctionReturn(0);
  CfxTrainPackageInitialized = PETSC_TRUE;
  PetscCall(CfxInitializePackage());
  PetscCall(PetscLogEventRegister("CfxDPGradient", CFX_CLASSID, &CFX_DataParallelGradient));
  PetscCall(PetscLogEventRegister("CfxDPAllreduce", CFX_CLASSID, &CFX_DataParallelAllreduce));
  PetscFunctionReturn(0);
}

/*@C
  CfxDataParallelCreate - Data-parallel gradient sums over `comm` for a set-up parameter set
  (identical on every rank).
@*/
PetscErrorCode CfxDataParallelCreate(MPI_Comm comm, CfxParamSet params, CfxDataParallel *dp)
{
  CfxDataParallel d;

  PetscFunctionBegin;
  PetscValidPointer(dp, 3);
  PetscCall(CfxTrainInitializePackage());
  PetscCall(PetscNew(&d));
  d->comm   = comm;
  d->params = params;
  PetscCallMPI(MPI_Comm_rank(comm, &d->rank));
  PetscCallMPI(MPI_Comm_size(comm, &d->size));
  PetscCall(CfxParamSetGetArrays(params, NULL, NULL)); /* errors if not set up */
  PetscCall(CfxParamSetGetSize(params, &d->n));
  PetscCall(PetscMalloc1(d->n + 1, &d->buf));
  *dp = d;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxDataParallelSetShards(CfxDataParallel dp, PetscInt nshards)
{
  PetscFunctionBegin;
  PetscCheck(nshards > 0 && nshards % dp->size == 0, dp->comm, PETSC_ERR_ARG_OUTOFRANGE, "number of shards must be a positive multiple of the %d ranks, found %" PetscInt_FMT, (int)dp->size, nshards);
  dp->nshards = nshards;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxDataParallelGetShards(CfxDataParallel dp, PetscInt *nshards)
{
  PetscFunctionBegin;
  *nshards = dp->nshards ? dp->nshards : dp->size;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxDataParallelSetOptionsPrefix(CfxDataParallel dp, const char prefix[])
{
  PetscFunctionBegin;
  PetscCall(PetscFree(dp->prefix));
  if (prefix && prefix[0]) PetscCall(PetscStrallocpy(prefix, &dp->prefix));
  PetscFunctionReturn(0);
}

/*@C
  CfxDataParallelSetFromOptions - -train_shards S: shards of the global batch (a multiple of
  the number of ranks; default one per rank).
@*/
PetscErrorCode CfxDataParallelSetFromOptions(CfxDataParallel dp)
{
  PetscInt s;
  PetscBool set;

  PetscFunctionBegin;
  PetscCall(CfxDataParallelGetShards(dp, &s));
  PetscOptionsBegin(dp->comm, dp->prefix, "Data-parallel training (CfxDataParallel)", "CfxDataParallel");
  PetscCall(PetscOptionsInt("-train_shards", "Shards of the global batch (a multiple of the number of ranks)", "CfxDataParallelSetShards", s, &s, &set));
  PetscOptionsEnd();
  if (set) PetscCall(CfxDataParallelSetShards(dp, s));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxDataParallelGetOwnedShards(CfxDataParallel dp, PetscInt *first, PetscInt *end)
{
  PetscInt s;

  PetscFunctionBegin;
  PetscCall(CfxDataParallelGetShards(dp, &s));
  if (first) *first = dp->rank * (s / dp->size);
  if (end) *end = (dp->rank + 1) * (s / dp->size);
  PetscFunctionReturn(0);
}

PetscErrorCode CfxDataParallelGetShardRange(CfxDataParallel dp, PetscInt batch, PetscInt shard, PetscInt *start, PetscInt *count)
{
  PetscInt s, a, b;

  PetscFunctionBegin;
  PetscCall(CfxDataParallelGetShards(dp, &s));
  PetscCheck(shard >= 0 && shard < s, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "shard %" PetscInt_FMT " not in [0, %" PetscInt_FMT ")", shard, s);
  a = (PetscInt)(((PetscInt64)shard * batch) / s);
  b = (PetscInt)(((PetscInt64)(shard + 1) * batch) / s);
  if (start) *start = a;
  if (count) *count = b - a;
  PetscFunctionReturn(0);
}

static PetscErrorCode CfxDataParallelAllreduce(CfxDataParallel dp)
{
  PetscReal *g;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CFX_DataParallelAllreduce, 0, 0, 0, 0));
  if (dp->size > 1) PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, dp->buf, (PetscMPIInt)(dp->n + 1), MPIU_REAL, MPIU_SUM, dp->comm));
  PetscCall(PetscLogEventEnd(CFX_DataParallelAllreduce, 0, 0, 0, 0));
  PetscCall(CfxParamSetGetArrays(dp->params, NULL, &g));
  PetscCall(PetscArraycpy(g, dp->buf, dp->n));
  PetscFunctionReturn(0);
}

/*@C
  CfxDataParallelComputeGradient - Collective. Gradient of the mean loss over a global batch
  of `batch` samples into the parameter set's gradients (overwritten, not accumulated), and
  the loss value on every rank. `fn` is called once per owned shard with the shard's sample
  range and must return the mean loss over those samples (a scalar on the tape). Shards with
  no samples (batch < shards) are skipped.
@*/
PetscErrorCode CfxDataParallelComputeGradient(CfxDataParallel dp, CfxTape tape, PetscInt batch, CfxBatchLossFn fn, void *ctx, PetscReal *lossval)
{
  PetscInt first, end, nacc = 0;
  PetscReal *g;

  PetscFunctionBegin;
  PetscCheck(batch > 0, dp->comm, PETSC_ERR_ARG_OUTOFRANGE, "global batch size must be positive, found %" PetscInt_FMT, batch);
  PetscCall(PetscLogEventBegin(CFX_DataParallelGradient, 0, 0, 0, 0));
  PetscCall(CfxParamSetGetArrays(dp->params, NULL, &g));
  PetscCall(CfxDataParallelGetOwnedShards(dp, &first, &end));
  PetscCall(PetscArrayzero(dp->buf, dp->n + 1));
  for (PetscInt s = first; s < end; s++) {
    PetscInt start, count;
    CfxTensor loss;
    PetscReal w;

    PetscCall(CfxDataParallelGetShardRange(dp, batch, s, &start, &count));
    if (!count) continue;
    w = (PetscReal)count / (PetscReal)batch;
    PetscCall(CfxParamSetZeroGrad(dp->params));
    PetscCall(CfxTapeReset(tape));
    PetscCall(fn(tape, start, count, &loss, ctx));
    PetscCheck(loss && loss->size == 1, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "the batch loss callback must return a scalar tensor, found %" PetscInt_FMT " entries", loss ? loss->size : 0);
    if (loss->requires_grad) PetscCall(CfxTapeBackward(tape, loss));
    if (nacc == 0 && w == 1)
      PetscCall(PetscArraycpy(dp->buf, g, dp->n)); /* the whole batch: no rescaling */
    else
      for (PetscInt i = 0; i < dp->n; i++) dp->buf[i] += w * g[i];
    dp->buf[dp->n] += w * loss->data[0];
    nacc++;
    PetscCall(CfxTapeReset(tape));
  }
  PetscCall(CfxDataParallelAllreduce(dp));
  if (lossval) *lossval = dp->buf[dp->n];
  PetscCall(PetscLogEventEnd(CFX_DataParallelGradient, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  CfxDataParallelSumGradients - Collective. Replaces the parameter set's gradients by the sum
  over ranks of `weight` times them, with one MPI_Allreduce.
@*/
PetscErrorCode CfxDataParallelSumGradients(CfxDataParallel dp, PetscReal weight)
{
  PetscReal *g;

  PetscFunctionBegin;
  PetscCall(CfxParamSetGetArrays(dp->params, NULL, &g));
  for (PetscInt i = 0; i < dp->n; i++) dp->buf[i] = weight * g[i];
  dp->buf[dp->n] = 0;
  PetscCall(CfxDataParallelAllreduce(dp));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxDataParallelDestroy(CfxDataParallel *dp)
{
  PetscFunctionBegin;
  if (!*dp) PetscFunctionReturn(0);
  PetscCall(PetscFree((*dp)->buf));
  PetscCall(PetscFree((*dp)->prefix));
  PetscCall(PetscFree(*dp));
  PetscFunctionReturn(0);
}
