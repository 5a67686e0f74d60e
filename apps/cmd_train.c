/* conflux train: fit a Flux NO (learned numerical flux) or the one-step FNO baseline to the
   consecutive frame pairs (U^n, U^{n+1}) of a trajectory dataset.

   Data parallel: every rank holds the (small) training set, each global batch is split into
   contiguous per-rank shares, the per-rank loss sums and gradients are summed with one
   MPI_Allreduce, and all ranks take the same optimizer step, so results do not depend on
   the rank count beyond round-off. The pair order of epoch e is a permutation drawn from
   stream e of -seed, so a resumed run continues exactly as an uninterrupted one.

   Optional (operators/jaws): K-step unrolled training (-train_unroll K: windows of K+1 frames,
   loss summed over the K predicted frames, backpropagation through the rollout, with
   -train_unroll_checkpoint recomputing each step's activations in the reverse sweep) and the
   JAWS Jacobian penalty (-jaws_lambda > 0). With K = 1 and lambda = 0 the loss is exactly
   CfxFluxNOLoss. */
#include "fluxno_data.h"
#include "hfluxno_cmd.h"
#include <conflux/cfxjaws.h>
#include <petsctime.h>
#include <sys/resource.h>
#include <unistd.h>

typedef enum { MODEL_FLUXNO, MODEL_FNO } ModelKind;
static const char *const ModelKinds[] = {"fluxno", "fno", "ModelKind", "MODEL_", NULL};

typedef struct {
  PetscInt s, n; /* sample (local index into the trajectory array) and frame */
} Pair;

/* Windows (s, n): frames n .. n+K of sample s inside the first nwin frames (K = 1: pairs). */
static PetscErrorCode CollectPairs(CfxTraj *tr, PetscInt nwin, PetscInt K, PetscInt *np, Pair **pairs)
{
  PetscInt ns = tr->hi - tr->lo, k = 0;

  PetscFunctionBegin;
  *np = ns * PetscMax(nwin - K, 0);
  PetscCall(PetscMalloc1(*np + 1, pairs));
  for (PetscInt s = 0; s < ns; s++)
    for (PetscInt n = 0; n + K < nwin; n++) {
      (*pairs)[k].s   = s;
      (*pairs)[k++].n = n;
    }
  PetscFunctionReturn(0);
}

/* Frames t_0 .. t_{nwin-1} lie in the time window [t_0, tmax]. */
static PetscInt WindowFrames(CfxTraj *tr, PetscReal tmax)
{
  PetscInt n = 0;
  if (tmax <= 0) return tr->nt;
  while (n < tr->nt && tr->t[n] <= tmax * (1 + 1e-12) + 1e-14) n++;
  return n;
}

/* Loss of pairs idx[0..n) on the tape: inputs U^n and targets U^{n+1} as [n, N] tensors. */
/* Input-noise training: each pair's input U^n gets N(0, sigma^2) added per cell (targets
   unchanged), drawn from a stream named by (seed, epoch, pair), so the noise does not depend on
   the rank count. It teaches the learned step to damp what the smooth data never shows, such as
   grid-scale modes seeded by round-off; sigma = 0 is off. */
typedef struct {
  PetscReal sigma;
  uint64_t seed;
  PetscInt epoch, npairs;
} InputNoise;

static PetscErrorCode BatchLoss(CfxFluxNO model, CfxTape tape, CfxTraj *tr, const Pair *pairs, const PetscInt idx[], PetscInt n, const InputNoise *nz, CfxTensor *loss, PetscReal *ltm,
                                PetscReal *lcons)
{
  PetscInt shape[2] = {n, tr->nx}, N = tr->nx;
  CfxTensor U, V;

  PetscFunctionBegin;
  PetscCall(CfxTapeNewTensorUninit(tape, 2, shape, &U));
  PetscCall(CfxTapeNewTensorUninit(tape, 2, shape, &V));
  for (PetscInt b = 0; b < n; b++) {
    const Pair *pr = &pairs[idx[b]];
    PetscCall(PetscArraycpy(U->data + b * N, tr->U + (pr->s * tr->nt + pr->n) * N, N));
    PetscCall(PetscArraycpy(V->data + b * N, tr->U + (pr->s * tr->nt + pr->n + 1) * N, N));
    if (nz && nz->sigma > 0) {
      CfxRNG rng;
      PetscCall(CfxRNGSetSeed(&rng, nz->seed, (uint64_t)4000000000ULL + (uint64_t)nz->epoch * (uint64_t)nz->npairs + (uint64_t)idx[b]));
      for (PetscInt j = 0; j < N; j++) U->data[b * N + j] += nz->sigma * CfxRNGNormal(&rng);
    }
  }
  PetscCall(CfxFluxNOLoss(model, tape, U, V, loss, ltm, lcons));
  PetscFunctionReturn(0);
}

/* Training-loss options beyond the one-step loss: unroll length, recomputation, JAWS. */
typedef struct {
  PetscInt K;
  CfxJaws jaws;
  PetscReal lambda;     /* the JAWS weight (0: off) */
  CfxJawsCheckpoint ck; /* ck.inner != NULL: checkpointed steps */
} LossExtras;

/* Unrolled and/or JAWS-regularised loss of windows idx[0..n): the K-step rollout error from
   U^n (plus the consistency term of a Flux NO, evaluated at U^n as in CfxFluxNOLoss) and
   the JAWS penalty at U^n. part[1..3] get the rollout error, consistency and penalty. */
static PetscErrorCode BatchLossExtended(CfxFluxNO model, CfxTape tape, LossExtras *ex, CfxTraj *tr, const Pair *pairs, const PetscInt idx[], PetscInt n, CfxTensor *loss, PetscReal part[])
{
  const PetscInt K = ex->K, N = tr->nx;
  PetscInt shape[2] = {n, N}, tshape[3] = {n, K, N};
  CfxJawsStepFn step = ex->ck.inner ? CfxJawsCheckpointedStep : CfxJawsStepFluxNO;
  void *ctx          = ex->ck.inner ? (void *)&ex->ck : (void *)model;
  CfxFluxNOType type;
  CfxTensor U, T, L, FU = NULL;
  PetscReal lam;

  PetscFunctionBegin;
  PetscCall(CfxTapeNewTensorUninit(tape, 2, shape, &U));
  PetscCall(CfxTapeNewTensorUninit(tape, 3, tshape, &T));
  for (PetscInt b = 0; b < n; b++) {
    const Pair *pr = &pairs[idx[b]];
    PetscCall(PetscArraycpy(U->data + b * N, tr->U + (pr->s * tr->nt + pr->n) * N, N));
    PetscCall(PetscArraycpy(T->data + b * K * N, tr->U + (pr->s * tr->nt + pr->n + 1) * N, K * N));
  }
  PetscCall(CfxFluxNOGetType(model, &type));
  lam = 0;
  if (!strcmp(type, CFXFLUXNO_FLUX)) PetscCall(CfxFluxNOGetConsistencyWeight(model, &lam));
  part[2] = 0;
  if (lam > 0) {
    /* CfxFluxNOLoss gives step 1 plus the consistency term; steps 2..K follow from G(U^n) */
    CfxTensor T1, Tr, Lr, V1;
    PetscInt t1shape[2] = {n, N}, trshape[3] = {n, K - 1, N};
    PetscReal ltm, lcons;
    PetscCall(CfxOpSlice(tape, T, 1, 0, 1, &T1));
    PetscCall(CfxOpReshape(tape, T1, 2, t1shape, &T1));
    PetscCall(CfxFluxNOLoss(model, tape, U, T1, &L, &ltm, &lcons));
    part[1] = ltm;
    part[2] = lcons;
    if (K > 1 || ex->lambda > 0) PetscCall(step(ctx, tape, U, &V1));
    if (K > 1) {
      PetscCall(CfxOpSlice(tape, T, 1, 1, K, &Tr));
      PetscCall(CfxOpReshape(tape, Tr, 3, trshape, &Tr));
      PetscCall(CfxJawsUnrolledLoss(tape, step, ctx, K - 1, V1, Tr, &Lr, NULL));
      part[1] += Lr->data[0];
      PetscCall(CfxOpAdd(tape, L, Lr, &L));
    }
    if (ex->lambda > 0) FU = V1;
  } else {
    PetscCall(CfxJawsUnrolledLoss(tape, step, ctx, K, U, T, &L, &FU));
    part[1] = L->data[0];
  }
  part[3] = 0;
  if (ex->lambda > 0) {
    CfxTensor P;
    PetscCall(CfxJawsPenalty(ex->jaws, tape, step, ctx, U, FU, &P));
    part[3] = P->data[0];
    PetscCall(CfxOpAdd(tape, L, P, &L));
  }
  *loss = L;
  PetscFunctionReturn(0);
}

/* Mean one-step time-marching loss per pair over a validation set (ranks split the pairs). */
static PetscErrorCode ValidationLoss(MPI_Comm comm, CfxFluxNO model, CfxTape tape, CfxTraj *tr, const Pair *pairs, PetscInt np, PetscInt bs, PetscReal *val)
{
  PetscMPIInt size, rank;
  PetscInt lo, hi, *idx;
  PetscReal sum = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  lo = (np * rank) / size;
  hi = (np * (rank + 1)) / size;
  PetscCall(PetscMalloc1(np + 1, &idx));
  for (PetscInt i = 0; i < np; i++) idx[i] = i;
  PetscCall(CfxTapeSetRecording(tape, PETSC_FALSE));
  for (PetscInt b = lo; b < hi; b += bs) {
    CfxTensor loss;
    PetscReal ltm;
    PetscCall(BatchLoss(model, tape, tr, pairs, idx + b, PetscMin(bs, hi - b), NULL, &loss, &ltm, NULL));
    sum += ltm;
    PetscCall(CfxTapeReset(tape));
  }
  PetscCall(CfxTapeSetRecording(tape, PETSC_TRUE));
  PetscCall(PetscFree(idx));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &sum, 1, MPIU_REAL, MPI_SUM, comm));
  *val = sum / PetscMax(np, 1);
  PetscFunctionReturn(0);
}

PetscErrorCode CfxCommandTrain(MPI_Comm comm, int argc, char **argv)
{
  char data[PETSC_MAX_PATH_LEN] = "", val[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "";
  PetscReal progressEvery = 60, noise = 0;
  PetscBool tty;
  PetscInt kind = MODEL_FLUXNO, epochs = 200, bs = 100, seed = 0, every = 0, monitorEvery = 1, decay = 50, nwin, np, npv = 0, nbatches, epoch0 = 0, nparam;
  PetscReal tmax   = 0, *grads, *vals, *hist;
  PetscBool resume = PETSC_FALSE, force = PETSC_FALSE, setStep, setSeed, unrollCk = PETSC_FALSE, extended;
  LossExtras ex;
  size_t arenaOuter = 0, arenaInner = 0;
  struct rusage ru;
  CfxTraj tr, trv;
  Pair *pairs = NULL, *vpairs = NULL;
  CfxFluxNO model;
  CfxParamSet ps;
  CfxOptimizer opt;
  CfxTape tape;
  PetscMPIInt size, rank;
  PetscLogDouble t0, tepoch, now, tprogress = 0;

  PetscFunctionBegin;
  {
    /* -model hfluxno has its own driver (window sampling, multi-channel data) */
    char mname[32] = "";
    PetscCall(PetscOptionsGetString(NULL, NULL, "-model", mname, sizeof(mname), NULL));
    if (!strcmp(mname, "hfluxno")) {
      PetscCall(CfxHFluxNOCommandTrain(comm, argc, argv));
      PetscFunctionReturn(0);
    }
  }
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscOptionsBegin(comm, NULL, "conflux train options", "conflux");
  PetscCall(PetscOptionsEList("-model", "Model: fluxno (learned numerical flux), fno (one-step FNO baseline) or hfluxno (context-conditioned Flux NO, options: conflux train -model hfluxno -help)",
                              NULL, ModelKinds, 2, ModelKinds[kind], &kind, NULL));
  PetscCall(PetscOptionsString("-data", "Training dataset (PDEBench layout, float64 or float32)", NULL, data, data, sizeof(data), NULL));
  PetscCall(PetscOptionsString("-val", "Validation dataset (optional)", NULL, val, val, sizeof(val), NULL));
  PetscCall(PetscOptionsString("-o", "Output checkpoint (written atomically)", NULL, out, out, sizeof(out), NULL));
  PetscCall(PetscOptionsInt("-train_epochs", "Epochs (passes over all frame pairs)", NULL, epochs, &epochs, NULL));
  PetscCall(PetscOptionsInt("-train_batch", "Frame pairs per optimizer step (split over ranks)", NULL, bs, &bs, NULL));
  PetscCall(PetscOptionsInt("-train_decay_epochs", "Epochs between learning-rate halvings of the step schedule (sets -train_step_size)", NULL, decay, &decay, NULL));
  PetscCall(PetscOptionsReal("-train_window", "Train on frames with t <= this time (0: all frames)", NULL, tmax, &tmax, NULL));
  PetscCall(PetscOptionsInt("-seed", "Seed of the initialisation and of the pair shuffling", NULL, seed, &seed, &setSeed));
  PetscCall(PetscOptionsInt("-train_checkpoint_every", "Write the checkpoint (with optimizer state) every k epochs (0: only at the end)", NULL, every, &every, NULL));
  PetscCall(PetscOptionsInt("-train_monitor_every", "Monitor line every k epochs", NULL, monitorEvery, &monitorEvery, NULL));
  PetscCall(PetscOptionsReal("-train_progress_seconds",
                             "Inside a long epoch, a progress line (batch, running loss, pairs/s, epoch ETA) at most this often (0: never; a terminal gets it in place every second)", NULL,
                             progressEvery, &progressEvery, NULL));
  PetscCall(PetscOptionsBool("-resume", "Continue from the checkpoint -o (model, optimizer moments, epoch)", NULL, resume, &resume, NULL));
  PetscCall(PetscOptionsBool("-force", "Replace an existing output file", NULL, force, &force, NULL));
  PetscCall(PetscOptionsHasName(NULL, NULL, "-train_step_size", &setStep));
  ex.K = 1;
  PetscCall(PetscOptionsInt("-train_unroll", "Unrolled steps K per training window (backpropagation through the rollout)", NULL, ex.K, &ex.K, NULL));
  PetscCall(PetscOptionsBool("-train_unroll_checkpoint", "Recompute each unrolled step's activations in the reverse sweep (memory of the states only)", NULL, unrollCk, &unrollCk, NULL));
  PetscCall(PetscOptionsReal("-train_noise", "Std of Gaussian noise added to each training input U^n (targets unchanged; 0: off)", NULL, noise, &noise, NULL));
  PetscOptionsEnd();
  PetscCheck(ex.K >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-train_unroll must be >= 1, found %" PetscInt_FMT, ex.K);
  PetscCheck(noise == 0 || (noise > 0 && PetscIsNormalReal(noise)), comm, PETSC_ERR_ARG_OUTOFRANGE, "-train_noise must be a finite value >= 0, found %g", (double)noise);
  PetscCall(CfxJawsCreate(comm, &ex.jaws));
  PetscCall(CfxJawsSetSeed(ex.jaws, (uint64_t)seed));
  PetscCall(CfxJawsSetFromOptions(ex.jaws));
  PetscCall(CfxJawsGetLambda(ex.jaws, &ex.lambda));
  extended = (PetscBool)(ex.K > 1 || ex.lambda > 0);
  PetscCheck(!(extended && noise > 0), comm, PETSC_ERR_SUP, "-train_noise applies to one-step training only; it cannot be combined with -train_unroll > 1 or -jaws_lambda > 0");
  PetscCheck(data[0], comm, PETSC_ERR_ARG_WRONG, "no training data: give -data FILE.h5");
  PetscCheck(out[0], comm, PETSC_ERR_ARG_WRONG, "no output: give -o MODEL.h5");
  PetscCheck(epochs >= 1 && bs >= 1 && decay >= 1 && monitorEvery >= 1 && every >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-train_epochs, -train_batch, -train_decay_epochs, -train_monitor_every must be >= 1 (found %" PetscInt_FMT ", %" PetscInt_FMT ", %" PetscInt_FMT ", %" PetscInt_FMT ")", epochs, bs,
             decay, monitorEvery);
  if (!resume) PetscCall(CfxOutputCheckWritable(comm, out, force));

  PetscCall(CfxTrajOpen(comm, data, 0, -1, &tr));
  nwin = WindowFrames(&tr, tmax);
  PetscCheck(nwin >= ex.K + 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-train_window %g keeps %" PetscInt_FMT " frame(s) of %s; need at least %" PetscInt_FMT " (-train_unroll + 1)", (double)tmax, nwin, data,
             ex.K + 1);
  PetscCall(CollectPairs(&tr, nwin, ex.K, &np, &pairs));
  if (val[0]) {
    PetscCall(CfxTrajOpen(comm, val, 0, -1, &trv));
    PetscCheck(trv.nx == tr.nx, comm, PETSC_ERR_ARG_INCOMP, "%s has %" PetscInt_FMT " cells, the training data %s has %" PetscInt_FMT, val, trv.nx, data, tr.nx);
    PetscCall(CollectPairs(&trv, WindowFrames(&trv, tmax), 1, &npv, &vpairs));
  }

  if (resume) {
    PetscCall(CfxFluxNOLoad(comm, out, &model));
    {
      CfxFluxNOType type;
      PetscCall(CfxFluxNOGetType(model, &type));
      PetscCheck(!strcmp(type, ModelKinds[kind]), comm, PETSC_ERR_ARG_INCOMP, "-resume: %s holds a %s model, -model is %s", out, type, ModelKinds[kind]);
    }
  } else {
    PetscCall(CfxFluxNOCreate(comm, &model));
    PetscCall(CfxFluxNOSetType(model, ModelKinds[kind]));
    if (tr.flux[0] && kind == MODEL_FLUXNO) {
      /* the dataset names its flux; a flux without a consistency-loss formula is left to -fluxno_flux */
      PetscErrorCode ierr;
      PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
      ierr = CfxFluxNOSetPhysicalFlux(model, tr.flux, 0, NULL);
      PetscCall(PetscPopErrorHandler());
      (void)ierr;
    }
    if (setSeed) PetscCall(CfxFluxNOSetSeed(model, (uint64_t)seed));
    PetscCall(CfxFluxNOSetFromOptions(model));
    PetscCall(CfxFluxNOSetUp(model));
  }
  PetscCall(CfxFluxNOSetRatio(model, tr.dt / tr.dx));
  PetscCall(CfxFluxNOGetParamSet(model, &ps));
  PetscCall(CfxParamSetGetSize(ps, &nparam));
  PetscCall(CfxParamSetGetArrays(ps, &vals, &grads));

  nbatches = (np + bs - 1) / bs;
  PetscCall(CfxOptimizerCreate(comm, &opt));
  PetscCall(CfxOptimizerSetParamSet(opt, ps));
  PetscCall(CfxOptimizerSetType(opt, CFX_OPTIMIZER_ADAM));
  PetscCall(CfxOptimizerSetLearningRate(opt, 1e-3));
  PetscCall(CfxOptimizerSetWeightDecay(opt, 1e-3));
  PetscCall(CfxOptimizerSetSchedule(opt, CFX_SCHEDULE_STEP, epochs * nbatches, 0, decay * nbatches, 0.5, 0));
  PetscCall(CfxOptimizerSetFromOptions(opt));
  PetscCall(CfxOptimizerSetUp(opt));
  (void)setStep;
  if (resume) PetscCall(CfxFluxNOLoadTrainingState(model, out, opt, &epoch0));

  PetscCall(CfxFluxNOView(model, PETSC_VIEWER_STDOUT_(comm)));
  PetscCall(PetscPrintf(comm,
                        "train: %s, %" PetscInt_FMT " samples x %" PetscInt_FMT " frames (t <= %g) = %" PetscInt_FMT " pairs, %" PetscInt_FMT " cells, dt/dx = %g; %" PetscInt_FMT
                        " batches of %" PetscInt_FMT " per epoch on %d rank(s)%s\n",
                        data, tr.ns, nwin, (double)tr.t[nwin - 1], np, tr.nx, (double)(tr.dt / tr.dx), nbatches, bs, size, resume ? "; resumed" : ""));
  if (resume) PetscCall(PetscPrintf(comm, "train: resuming at epoch %" PetscInt_FMT " of %" PetscInt_FMT "\n", epoch0, epochs));
  if (extended) {
    PetscCall(PetscPrintf(comm, "train: windows of %" PetscInt_FMT " step(s) (backpropagation through the rollout%s)\n", ex.K, unrollCk ? ", activations recomputed per step" : ""));
    PetscCall(CfxJawsView(ex.jaws, PETSC_VIEWER_STDOUT_(comm)));
  }
  ex.ck.step  = CfxJawsStepFluxNO;
  ex.ck.ctx   = model;
  ex.ck.inner = NULL;
  if (unrollCk) PetscCall(CfxTapeCreate(comm, &ex.ck.inner));

  PetscCall(CfxTapeCreate(comm, &tape));
  tty = (PetscBool)isatty(fileno(stdout));
  PetscCheck(progressEvery >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-train_progress_seconds must be >= 0, found %g", (double)progressEvery);
  PetscCall(PetscMalloc1(epochs + 1, &hist));
  for (PetscInt e = 0; e < epochs; e++) hist[e] = 0;
  PetscCall(PetscTime(&t0));
  for (PetscInt e = epoch0; e < epochs; e++) {
    PetscInt *perm;
    PetscReal sums[4] = {0, 0, 0, 0}, vloss = -1, lr;
    CfxRNG rng;

    PetscCall(PetscTime(&tepoch));
    tprogress = tepoch;
    /* Fisher-Yates shuffle from stream e of the seed, identical on every rank */
    PetscCall(PetscMalloc1(np, &perm));
    for (PetscInt i = 0; i < np; i++) perm[i] = i;
    PetscCall(CfxRNGSetSeed(&rng, (uint64_t)seed, (uint64_t)(1000000 + e)));
    for (PetscInt i = np - 1; i > 0; i--) {
      PetscInt j = (PetscInt)(CfxRNGUniform(&rng) * (i + 1)), tmp;
      if (j > i) j = i;
      tmp     = perm[i];
      perm[i] = perm[j];
      perm[j] = tmp;
    }
    PetscCall(CfxOptimizerGetCurrentLearningRate(opt, &lr));
    for (PetscInt b = 0; b < nbatches; b++) {
      PetscInt start = b * bs, n = PetscMin(bs, np - start), lo = start + (n * rank) / size, hi = start + (n * (rank + 1)) / size;
      PetscReal part[4] = {0, 0, 0, 0};

      PetscCall(CfxParamSetZeroGrad(ps));
      if (hi > lo) {
        CfxTensor loss;
        if (extended) {
          /* probes from (optimizer step, position in the global batch): rank-count independent */
          PetscCall(CfxJawsSetProbeIndex(ex.jaws, (uint64_t)(e * nbatches + b), lo - start));
          PetscCall(BatchLossExtended(model, tape, &ex, &tr, pairs, perm + lo, hi - lo, &loss, part));
        } else {
          InputNoise nz = {noise, (uint64_t)seed, e, np};
          PetscCall(BatchLoss(model, tape, &tr, pairs, perm + lo, hi - lo, &nz, &loss, &part[1], &part[2]));
        }
        part[0] = loss->data[0];
        PetscCall(CfxTapeBackward(tape, loss));
        PetscCall(CfxTapeReset(tape));
      }
      if (size > 1) {
        PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, grads, (PetscMPIInt)nparam, MPIU_REAL, MPI_SUM, comm));
        PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, part, 4, MPIU_REAL, MPI_SUM, comm));
      }
      PetscCheck(!PetscIsInfOrNanReal(part[0]), comm, PETSC_ERR_FP, "epoch %" PetscInt_FMT ", batch %" PetscInt_FMT ": the loss is %g; lower -train_lr", e, b, (double)part[0]);
      PetscCall(CfxOptimizerStep(opt));
      for (PetscInt i = 0; i < 4; i++) sums[i] += part[i];
      if (progressEvery > 0 && rank == 0 && b + 1 < nbatches) {
        /* rank 0's clock alone decides, so no rank waits on another for a progress line */
        PetscCall(PetscTime(&now));
        if (now - tprogress >= (tty ? PetscMin(progressEvery, 1.0) : progressEvery)) {
          char eta[32];
          PetscInt seen = PetscMin(np, (b + 1) * bs);
          CfxFormatDuration((now - tepoch) / seen * (np - seen), eta, sizeof(eta));
          PetscCall(PetscPrintf(PETSC_COMM_SELF,
                                "%strain: epoch %4" PetscInt_FMT "/%" PetscInt_FMT " batch %" PetscInt_FMT "/%" PetscInt_FMT " loss %.4e per pair so far, %.0f pairs/s, epoch ETA %s%s",
                                tty ? "\r" : "", e + 1, epochs, b + 1, nbatches, (double)(sums[0] / seen), seen / PetscMax(now - tepoch, 1e-9), eta, tty ? "" : "\n"));
          tprogress = now;
        }
      }
    }
    if (tty && progressEvery > 0 && rank == 0 && tprogress > tepoch) PetscCall(PetscPrintf(PETSC_COMM_SELF, "\r%80s\r", ""));
    PetscCall(PetscFree(perm));
    hist[e] = sums[0] / np;
    PetscCall(PetscTime(&now));
    if (((e + 1) % monitorEvery == 0 || e == epochs - 1 || e == epoch0)) {
      char eta[32];
      double per = (now - t0) / (e + 1 - epoch0);
      if (val[0]) PetscCall(ValidationLoss(comm, model, tape, &trv, vpairs, npv, bs, &vloss));
      CfxFormatDuration(per * (epochs - e - 1), eta, sizeof(eta));
      PetscCall(PetscPrintf(comm, "train: epoch %4" PetscInt_FMT "/%" PetscInt_FMT " loss %.4e (step %.4e, consistency %.4e) per pair", e + 1, epochs, (double)hist[e], (double)(sums[1] / np),
                            (double)(sums[2] / np)));
      if (ex.lambda > 0) PetscCall(PetscPrintf(comm, ", jaws %.4e", (double)(sums[3] / np)));
      if (val[0]) PetscCall(PetscPrintf(comm, ", val step %.4e", (double)vloss));
      PetscCall(PetscPrintf(comm, ", lr %.2e, %.0f pairs/s, ETA %s\n", (double)lr, np / PetscMax(now - tepoch, 1e-9), eta));
    }
    if (every > 0 && (e + 1) % every == 0 && e + 1 < epochs) PetscCall(CfxFluxNOSave(model, out, opt, e + 1, e + 1, hist));
  }
  PetscCall(CfxFluxNOSave(model, out, opt, epochs, epochs, hist));
  PetscCall(PetscTime(&now));
  PetscCall(PetscPrintf(comm, "train: wrote %s after %" PetscInt_FMT " epochs in %.1f s\n", out, epochs, now - t0));
  {
    CfxArena arena;
    PetscCall(CfxTapeGetArena(tape, &arena));
    PetscCall(CfxArenaGetUsage(arena, NULL, &arenaOuter));
    if (ex.ck.inner) {
      PetscCall(CfxTapeGetArena(ex.ck.inner, &arena));
      PetscCall(CfxArenaGetUsage(arena, NULL, &arenaInner));
    }
    getrusage(RUSAGE_SELF, &ru);
    PetscCall(PetscPrintf(comm, "train: %.4f s per epoch; peak tape memory %.2f MB (rank 0; %.2f MB recomputation tape); max RSS %.1f MB (rank 0)\n", (now - t0) / PetscMax(epochs - epoch0, 1),
                          (double)(arenaOuter + arenaInner) / 1048576.0, (double)arenaInner / 1048576.0, (double)ru.ru_maxrss / 1024.0));
  }

  PetscCall(PetscFree(hist));
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(CfxTapeDestroy(&ex.ck.inner));
  PetscCall(CfxJawsDestroy(&ex.jaws));
  PetscCall(CfxOptimizerDestroy(&opt));
  PetscCall(CfxFluxNODestroy(&model));
  PetscCall(PetscFree(pairs));
  PetscCall(PetscFree(vpairs));
  if (val[0]) PetscCall(CfxTrajDestroy(&trv));
  PetscCall(CfxTrajDestroy(&tr));
  PetscFunctionReturn(0);
}
