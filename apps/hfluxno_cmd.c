/* conflux train -model hfluxno / conflux eval for the context-conditioned Flux NO.

   Data: a PDEBench-layout dataset, scalar [ns, nt, nx] or multi-channel [ns, nt, nx, nc]
   (shallow water), uniform periodic cells and frames; the model advances one frame per step,
   so its dt/dx is the data's frame spacing over the cell size. Frames are held as [C, N].

   Training: every rank holds the (small) training set. Step k draws B windows of T + 1
   consecutive frames (sample, start) uniformly from stream k of -seed, identical on all ranks,
   so a resumed run continues exactly; CfxDataParallel splits the global batch into shards,
   each rank computes the mean one-step MSE gradient of its shards and one MPI_Allreduce sums
   them. AdamW with a warmup-cosine schedule (options -train_*). Checkpoints (with optimizer
   state) every -train_checkpoint_every steps and at the end; -resume continues from -o.

   Evaluation (the paper's protocol): every window of T + H consecutive frames of every test
   sample (H = -eval_horizon, 20); T context frames, H autoregressive steps re-encoding the
   sliding window; relative l2 over the H-step block, l_inf = max|err| / max|u| over the block,
   the one-step relative l2, and the mass drift of the rollout. Means (and population standard
   deviations) over all windows. */
#include "hfluxno_cmd.h"
#include <conflux/cfxtrain.h>
#include <petsctime.h>

typedef struct {
  PetscInt ns, nt, nx, nc; /* file sizes (nc >= 1) */
  PetscInt lo, hi;         /* samples held */
  PetscReal dx, dt;
  PetscReal *U; /* [hi - lo, nt, nc, nx] */
  char pde[64];
} HData;

static PetscErrorCode HDataOpen(MPI_Comm comm, const char file[], PetscInt lo, PetscInt hi, HData *d)
{
  CfxDataset ds;
  const PetscReal *x, *t;
  PetscReal *raw;
  PetscBool found;
  PetscInt F;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(d, sizeof(*d)));
  PetscCall(CfxDatasetOpen(comm, file, &ds));
  PetscCall(CfxDatasetGetSizes(ds, &d->ns, &d->nt, &d->nx, &d->nc));
  if (d->nc < 1) d->nc = 1;
  PetscCall(CfxDatasetGetCoordinates(ds, &x, &t));
  PetscCheck(d->nx >= 2 && d->nt >= 2, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: needs at least 2 cells and 2 frames, found %" PetscInt_FMT " and %" PetscInt_FMT, file, d->nx, d->nt);
  d->dx = (x[d->nx - 1] - x[0]) / (d->nx - 1);
  d->dt = (t[d->nt - 1] - t[0]) / (d->nt - 1);
  for (PetscInt j = 1; j < d->nx; j++)
    PetscCheck(PetscAbsReal(x[j] - x[j - 1] - d->dx) <= 1e-6 * d->dx, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: /x-coordinate is not uniform at %" PetscInt_FMT " (spacing %g, mean %g)", file, j,
               (double)(x[j] - x[j - 1]), (double)d->dx);
  for (PetscInt k = 1; k < d->nt; k++)
    PetscCheck(PetscAbsReal(t[k] - t[k - 1] - d->dt) <= 1e-6 * d->dt, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: /t-coordinate is not evenly spaced at %" PetscInt_FMT " (spacing %g, mean %g)", file, k,
               (double)(t[k] - t[k - 1]), (double)d->dt);
  PetscCall(CfxDatasetGetAttribute(ds, "pde", d->pde, sizeof(d->pde), &found));
  if (!found) PetscCall(PetscStrncpy(d->pde, "unknown", sizeof(d->pde)));
  if (hi < 0) {
    lo = 0;
    hi = d->ns;
  }
  d->lo = lo;
  d->hi = hi;
  F     = d->nc * d->nx;
  PetscCall(PetscMalloc1((hi - lo) * d->nt * F + 1, &d->U));
  PetscCall(PetscMalloc1((hi - lo) * d->nt * F + 1, &raw));
  PetscCall(CfxDatasetReadSamples(ds, lo, hi - lo, raw));
  PetscCall(CfxDatasetClose(&ds));
  /* the file interleaves components per cell ([nx, nc]); the model reads [nc, nx] */
  for (PetscInt f = 0; f < (hi - lo) * d->nt; f++)
    for (PetscInt j = 0; j < d->nx; j++)
      for (PetscInt c = 0; c < d->nc; c++) d->U[f * F + c * d->nx + j] = raw[f * F + j * d->nc + c];
  PetscCall(PetscFree(raw));
  PetscFunctionReturn(0);
}

static PetscErrorCode HDataDestroy(HData *d)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(d->U));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxHFluxNOIsModelFile(const char file[], PetscBool *is)
{
  herr_t (*func)(hid_t, void *);
  void *data;
  hid_t h, g;
  char kind[32];
  PetscBool found = PETSC_FALSE, exists;

  PetscFunctionBegin;
  *is = PETSC_FALSE;
  PetscCall(PetscTestFile(file, 'r', &exists));
  if (!exists) PetscFunctionReturn(0);
  H5Eget_auto2(H5E_DEFAULT, &func, &data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  h = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (h >= 0) {
    if (H5Lexists(h, "model", H5P_DEFAULT) > 0) {
      g = H5Gopen2(h, "model", H5P_DEFAULT);
      if (g >= 0) {
        if (CfxH5GetAttributeText(g, "kind", kind, sizeof(kind), &found)) found = PETSC_FALSE;
        H5Gclose(g);
      }
    }
    H5Fclose(h);
  }
  H5Eset_auto2(H5E_DEFAULT, func, data);
  *is = (PetscBool)(found && !strcmp(kind, "hfluxno"));
  PetscFunctionReturn(0);
}

/* ---------------- training ---------------- */
typedef struct {
  CfxHFluxNO model;
  HData *d;
  PetscInt T, nwin;
  const PetscInt *sel; /* this step's windows: global window indices */
} TrainCtx;

/* Mean one-step MSE of windows sel[start .. start+count) (CfxBatchLossFn). */
static PetscErrorCode ShardLoss(CfxTape tape, PetscInt start, PetscInt count, CfxTensor *loss, void *vctx)
{
  TrainCtx *c = (TrainCtx *)vctx;
  PetscInt F = c->d->nc * c->d->nx, per = c->d->nt - c->T, shape[4] = {count, c->T + 1, c->d->nc, c->d->nx};
  CfxTensor w;

  PetscFunctionBegin;
  PetscCall(CfxTapeNewTensorUninit(tape, 4, shape, &w));
  for (PetscInt b = 0; b < count; b++) {
    PetscInt g = c->sel[start + b], s = g / per, n = g % per;
    PetscCall(PetscArraycpy(w->data + b * (c->T + 1) * F, c->d->U + (s * c->d->nt + n) * F, (c->T + 1) * F));
  }
  PetscCall(CfxHFluxNOLoss(c->model, tape, w, loss));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxHFluxNOCommandTrain(MPI_Comm comm, int argc, char **argv)
{
  char data[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "";
  PetscInt bs = 32, seed = 0, every = 0, monitorEvery = 50, steps = 2000, warmup = -1, step0 = 0, nparam, stopAfter = -1, last;
  PetscBool resume = PETSC_FALSE, force = PETSC_FALSE, setSeed;
  PetscReal *hist, lr, gnorm, wsum = 0;
  PetscInt *sel, wcount = 0;
  HData d;
  CfxHFluxNO model;
  CfxHFluxNOConfig cfg;
  CfxParamSet ps;
  CfxOptimizer opt;
  CfxDataParallel dp;
  CfxTape tape;
  TrainCtx ctx;
  PetscMPIInt size;
  PetscLogDouble t0, tmon, now;

  PetscFunctionBegin;
  (void)argc;
  (void)argv;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscOptionsBegin(comm, NULL, "conflux train -model hfluxno options", "conflux");
  PetscCall(PetscOptionsString("-data", "Training dataset (PDEBench layout; scalar or [.., nx, nc])", NULL, data, data, sizeof(data), NULL));
  PetscCall(PetscOptionsString("-o", "Output checkpoint (written atomically)", NULL, out, out, sizeof(out), NULL));
  PetscCall(PetscOptionsInt("-train_batch", "Windows of T+1 frames per optimizer step (split over ranks)", NULL, bs, &bs, NULL));
  PetscCall(PetscOptionsInt("-train_steps", "Optimizer steps", NULL, steps, &steps, NULL));
  PetscCall(PetscOptionsInt("-train_warmup", "Warmup steps of the warmup-cosine schedule (default: 5% of -train_steps)", NULL, warmup, &warmup, NULL));
  PetscCall(PetscOptionsInt("-seed", "Seed of the initialisation and of the window draws", NULL, seed, &seed, &setSeed));
  PetscCall(PetscOptionsInt("-train_checkpoint_every", "Write the checkpoint (with optimizer state) every k steps (0: only at the end)", NULL, every, &every, NULL));
  PetscCall(PetscOptionsInt("-train_monitor_every", "Monitor line every k steps", NULL, monitorEvery, &monitorEvery, NULL));
  PetscCall(PetscOptionsInt("-train_stop_after", "Stop (writing the checkpoint) after this many steps of the -train_steps schedule; -resume continues", NULL, stopAfter, &stopAfter, NULL));
  PetscCall(PetscOptionsBool("-resume", "Continue from the checkpoint -o (model, optimizer moments, step)", NULL, resume, &resume, NULL));
  PetscCall(PetscOptionsBool("-force", "Replace an existing output file", NULL, force, &force, NULL));
  PetscOptionsEnd();
  PetscCheck(data[0], comm, PETSC_ERR_ARG_WRONG, "no training data: give -data FILE.h5");
  PetscCheck(out[0], comm, PETSC_ERR_ARG_WRONG, "no output: give -o MODEL.h5");
  if (warmup < 0) warmup = steps / 20;
  PetscCheck(bs >= 1 && steps >= 1 && warmup >= 0 && every >= 0 && monitorEvery >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-train_batch, -train_steps, -train_monitor_every must be >= 1 and -train_warmup, -train_checkpoint_every >= 0");
  if (!resume) PetscCall(CfxOutputCheckWritable(comm, out, force));
  PetscCall(HDataOpen(comm, data, 0, -1, &d));

  if (resume) {
    PetscCall(CfxHFluxNOLoad(comm, out, &model));
  } else {
    PetscCall(CfxHFluxNOCreate(comm, &model));
    PetscCall(CfxHFluxNOGetConfig(model, &cfg));
    /* the data decide channels, cells and dt/dx; options may still change the rest */
    cfg.channels = d.nc;
    cfg.cells    = d.nx;
    cfg.ratio    = d.dt / d.dx;
    if (setSeed) cfg.seed = (uint64_t)seed;
    PetscCall(CfxHFluxNOSetConfig(model, &cfg));
    PetscCall(CfxHFluxNOSetFromOptions(model));
    PetscCall(CfxHFluxNOSetUp(model));
  }
  PetscCall(CfxHFluxNOGetConfig(model, &cfg));
  PetscCheck(cfg.channels == d.nc && cfg.cells == d.nx, comm, PETSC_ERR_ARG_INCOMP, "%s has %" PetscInt_FMT " channel(s) x %" PetscInt_FMT " cells, the model %" PetscInt_FMT " x %" PetscInt_FMT, data,
             d.nc, d.nx, cfg.channels, cfg.cells);
  PetscCheck(PetscAbsReal(cfg.ratio - d.dt / d.dx) <= 1e-6 * cfg.ratio, comm, PETSC_ERR_ARG_INCOMP,
             "%s has dt/dx = %g, the model %g (-hfluxno_ratio must be the data's frame spacing over the cell size)", data, (double)(d.dt / d.dx), (double)cfg.ratio);
  PetscCheck(d.nt >= cfg.frames + 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "%s has %" PetscInt_FMT " frames; windows need T + 1 = %" PetscInt_FMT, data, d.nt, cfg.frames + 1);
  ctx.model = model;
  ctx.d     = &d;
  ctx.T     = cfg.frames;
  ctx.nwin  = d.ns * (d.nt - cfg.frames);

  PetscCall(CfxHFluxNOGetParamSet(model, &ps));
  PetscCall(CfxParamSetGetSize(ps, &nparam));
  PetscCall(CfxOptimizerCreate(comm, &opt));
  PetscCall(CfxOptimizerSetParamSet(opt, ps));
  PetscCall(CfxOptimizerSetType(opt, CFX_OPTIMIZER_ADAMW));
  PetscCall(CfxOptimizerSetLearningRate(opt, 1e-3));
  PetscCall(CfxOptimizerSetWeightDecay(opt, 1e-4));
  PetscCall(CfxOptimizerSetSchedule(opt, CFX_SCHEDULE_WARMUP_COSINE, steps, warmup, 1, 1.0, 0));
  PetscCall(CfxOptimizerSetFromOptions(opt));
  PetscCall(CfxOptimizerSetUp(opt));
  if (resume) PetscCall(CfxHFluxNOLoadTrainingState(model, out, opt, &step0));
  PetscCall(CfxDataParallelCreate(comm, ps, &dp));
  PetscCall(CfxDataParallelSetFromOptions(dp));

  PetscCall(CfxHFluxNOView(model, PETSC_VIEWER_STDOUT_(comm)));
  PetscCall(PetscPrintf(comm,
                        "train: %s (%s), %" PetscInt_FMT " samples x %" PetscInt_FMT " frames = %" PetscInt_FMT " windows of %" PetscInt_FMT " frames, dt/dx %g; %" PetscInt_FMT
                        " steps of %" PetscInt_FMT " windows on %d rank(s)%s\n",
                        data, d.pde, d.ns, d.nt, ctx.nwin, cfg.frames + 1, (double)cfg.ratio, steps, bs, size, resume ? "; resumed" : ""));
  if (resume) PetscCall(PetscPrintf(comm, "train: resuming at step %" PetscInt_FMT " of %" PetscInt_FMT "\n", step0, steps));

  PetscCall(PetscCalloc1(steps + 1, &hist));
  if (resume) {
    /* the loss history of the finished steps */
    CfxCheckpoint ck;
    PetscInt nh;
    const PetscReal *h;
    PetscCall(CfxCheckpointCreate(comm, &ck));
    PetscCall(CfxCheckpointSetParamSet(ck, ps));
    PetscCall(CfxCheckpointLoad(ck, out));
    PetscCall(CfxCheckpointGetLossHistory(ck, &nh, &h));
    PetscCall(PetscArraycpy(hist, h, PetscMin(nh, steps)));
    PetscCall(CfxCheckpointDestroy(&ck));
  }
  PetscCall(PetscMalloc1(bs, &sel));
  PetscCall(CfxTapeCreate(comm, &tape));
  PetscCall(PetscTime(&t0));
  tmon = t0;
  last = stopAfter >= 0 ? PetscMin(stopAfter, steps) : steps;
  for (PetscInt k = step0; k < last; k++) {
    CfxRNG rng;
    PetscReal loss;

    /* this step's windows from stream k: the same on every rank and after a resume */
    PetscCall(CfxRNGSetSeed(&rng, (uint64_t)seed, (uint64_t)(2000000 + k)));
    for (PetscInt b = 0; b < bs; b++) sel[b] = PetscMin((PetscInt)(CfxRNGUniform(&rng) * ctx.nwin), ctx.nwin - 1);
    ctx.sel = sel;
    PetscCall(CfxOptimizerGetCurrentLearningRate(opt, &lr));
    PetscCall(CfxDataParallelComputeGradient(dp, tape, bs, ShardLoss, &ctx, &loss));
    PetscCheck(!PetscIsInfOrNanReal(loss), comm, PETSC_ERR_FP, "step %" PetscInt_FMT ": the loss is %g; lower -train_lr", k, (double)loss);
    PetscCall(CfxOptimizerStep(opt));
    hist[k] = loss;
    wsum += loss;
    wcount++;
    if ((k + 1) % monitorEvery == 0 || k + 1 == last) {
      PetscCall(PetscTime(&now));
      PetscCall(CfxOptimizerGetLastGradientNorm(opt, &gnorm));
      PetscCall(PetscPrintf(comm, "train: step %6" PetscInt_FMT "/%" PetscInt_FMT " loss %.4e (mean of the last %" PetscInt_FMT "), grad norm %.3e, lr %.2e, %.1f windows/s\n", k + 1, steps,
                            (double)(wsum / wcount), wcount, (double)gnorm, (double)lr, wcount * bs / PetscMax(now - tmon, 1e-9)));
      wsum   = 0;
      wcount = 0;
      tmon   = now;
    }
    if (every > 0 && (k + 1) % every == 0 && k + 1 < last) PetscCall(CfxHFluxNOSave(model, out, opt, k + 1, k + 1, hist));
  }
  PetscCall(CfxHFluxNOSave(model, out, opt, PetscMax(last, step0), PetscMax(last, step0), hist));
  PetscCall(PetscTime(&now));
  PetscCall(PetscPrintf(comm, "train: wrote %s (%" PetscInt_FMT " parameters) after %" PetscInt_FMT " steps in %.1f s (%.2f ms per step)\n", out, nparam, PetscMax(last, step0), now - t0,
                        1e3 * (now - t0) / PetscMax(last - step0, 1)));
  PetscCall(PetscFree(sel));
  PetscCall(PetscFree(hist));
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(CfxDataParallelDestroy(&dp));
  PetscCall(CfxOptimizerDestroy(&opt));
  PetscCall(CfxHFluxNODestroy(&model));
  PetscCall(HDataDestroy(&d));
  PetscFunctionReturn(0);
}

/* ---------------- evaluation ---------------- */
PetscErrorCode CfxHFluxNOCommandEval(MPI_Comm comm, int argc, char **argv)
{
  char mfile[PETSC_MAX_PATH_LEN] = "", data[PETSC_MAX_PATH_LEN] = "", json[PETSC_MAX_PATH_LEN] = "";
  PetscInt H = 20, ebs = 64, ns, lo, hi, T, F, per, nw, nwg, Tctx = 0;
  /* sums over windows: rel l2, its square, linf, its square, one-step rel l2, its square; max drift */
  PetscReal s[6] = {0, 0, 0, 0, 0, 0}, drift = 0, *stepl2, *ctx, *pred, *frames = NULL;
  CfxHFluxNO model = NULL;
  CfxFluxNO fmodel = NULL; /* a context-free baseline (Flux NO or FNO) evaluated on the same windows */
  CfxHFluxNOConfig cfg;
  const char *label;
  PetscBool isH;
  CfxDataset probe;
  HData d;

  PetscFunctionBegin;
  (void)argc;
  (void)argv;
  PetscOptionsBegin(comm, NULL, "conflux eval (hfluxno) options", "conflux");
  PetscCall(PetscOptionsString("-model", "Trained hfluxno checkpoint", NULL, mfile, mfile, sizeof(mfile), NULL));
  PetscCall(PetscOptionsString("-data", "Test dataset (PDEBench layout)", NULL, data, data, sizeof(data), NULL));
  PetscCall(PetscOptionsInt("-eval_horizon", "Autoregressive steps H after the T context frames", NULL, H, &H, NULL));
  PetscCall(PetscOptionsInt("-eval_batch", "Windows rolled out together", NULL, ebs, &ebs, NULL));
  PetscCall(PetscOptionsString("-eval_json", "Also write the metrics to this JSON file", NULL, json, json, sizeof(json), NULL));
  PetscCall(
      PetscOptionsInt("-eval_context", "For a fluxno/fno model: evaluate it on the windows of an hfluxno model with this many context frames (it steps from the last one)", NULL, Tctx, &Tctx, NULL));
  PetscOptionsEnd();
  PetscCheck(mfile[0] && data[0], comm, PETSC_ERR_ARG_WRONG, "give -model MODEL.h5 and -data FILE.h5");
  PetscCheck(H >= 1 && ebs >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-eval_horizon and -eval_batch must be >= 1");
  PetscCall(CfxHFluxNOIsModelFile(mfile, &isH));
  if (isH) {
    PetscCall(CfxHFluxNOLoad(comm, mfile, &model));
    PetscCall(CfxHFluxNOGetConfig(model, &cfg));
    label = CfxHFluxNOUpdates[cfg.update];
  } else {
    CfxFluxNOType type;
    PetscCheck(Tctx >= 1, comm, PETSC_ERR_ARG_WRONG, "%s is not an hfluxno model: give -eval_context T to evaluate it on the same windows", mfile);
    PetscCall(CfxFluxNOLoad(comm, mfile, &fmodel));
    PetscCall(CfxFluxNOGetType(fmodel, &type));
    PetscCall(CfxHFluxNOConfigDefault(&cfg));
    cfg.frames = Tctx;
    PetscCall(CfxFluxNOGetRatio(fmodel, &cfg.ratio));
    label = type;
  }
  PetscCall(CfxDatasetOpen(comm, data, &probe));
  PetscCall(CfxDatasetGetSizes(probe, &ns, NULL, NULL, NULL));
  PetscCall(CfxDatasetGetOwnership(probe, &lo, &hi));
  PetscCall(CfxDatasetClose(&probe));
  PetscCall(HDataOpen(comm, data, lo, hi, &d));
  if (fmodel) {
    PetscCheck(d.nc == 1, comm, PETSC_ERR_ARG_INCOMP, "%s: the %s model is for scalar laws, the data have %" PetscInt_FMT " channels", mfile, label, d.nc);
    cfg.cells = d.nx;
  }
  PetscCheck(cfg.channels == d.nc && cfg.cells == d.nx, comm, PETSC_ERR_ARG_INCOMP, "%s has %" PetscInt_FMT " channel(s) x %" PetscInt_FMT " cells, the model %s %" PetscInt_FMT " x %" PetscInt_FMT,
             data, d.nc, d.nx, mfile, cfg.channels, cfg.cells);
  PetscCheck(PetscAbsReal(cfg.ratio - d.dt / d.dx) <= 1e-6 * cfg.ratio, comm, PETSC_ERR_ARG_INCOMP, "%s has dt/dx = %g, the model %s was trained at %g (one model step per frame)", data,
             (double)(d.dt / d.dx), mfile, (double)cfg.ratio);
  T = cfg.frames;
  PetscCheck(d.nt >= T + H, comm, PETSC_ERR_ARG_OUTOFRANGE, "%s has %" PetscInt_FMT " frames; windows need T + H = %" PetscInt_FMT, data, d.nt, T + H);
  F   = d.nc * d.nx;
  per = d.nt - T - H + 1;
  nw  = (hi - lo) * per;
  PetscCall(PetscCalloc1(H, &stepl2));
  PetscCall(PetscMalloc2(ebs * T * F, &ctx, ebs * H * F, &pred));
  for (PetscInt w0 = 0; w0 < nw; w0 += ebs) {
    PetscInt B = PetscMin(ebs, nw - w0);
    for (PetscInt b = 0; b < B; b++) {
      PetscInt s0 = (w0 + b) / per, n = (w0 + b) % per;
      PetscCall(PetscArraycpy(ctx + b * T * F, d.U + (s0 * d.nt + n) * F, T * F));
    }
    if (model)
      PetscCall(CfxHFluxNORollout(model, B, ctx, H, pred));
    else {
      /* the baseline starts from the last context frame */
      if (!frames) PetscCall(PetscMalloc1(ebs * (H + 1) * F, &frames));
      for (PetscInt b = 0; b < B; b++) PetscCall(PetscArraycpy(pred + b * F, ctx + (b * T + T - 1) * F, F));
      PetscCall(CfxFluxNORollout(fmodel, B, d.nx, pred, H, frames));
      for (PetscInt b = 0; b < B; b++) PetscCall(PetscArraycpy(pred + b * H * F, frames + (b * (H + 1) + 1) * F, H * F));
    }
    for (PetscInt b = 0; b < B; b++) {
      PetscInt s0 = (w0 + b) / per, n = (w0 + b) % per;
      const PetscReal *u = d.U + (s0 * d.nt + n + T) * F, *v = pred + b * H * F, *last = ctx + (b * T + T - 1) * F;
      PetscReal e2 = 0, u2 = 0, emax = 0, umax = 0, rel, linf;
      for (PetscInt k = 0; k < H; k++) {
        PetscReal ek = 0, uk = 0;
        for (PetscInt i = 0; i < F; i++) {
          PetscReal e = v[k * F + i] - u[k * F + i];
          ek += e * e;
          uk += u[k * F + i] * u[k * F + i];
          emax = PetscMax(emax, PetscAbsReal(e));
          umax = PetscMax(umax, PetscAbsReal(u[k * F + i]));
        }
        e2 += ek;
        u2 += uk;
        stepl2[k] += PetscSqrtReal(ek / PetscMax(uk, PETSC_MIN_REAL));
        if (k == 0) {
          rel = PetscSqrtReal(ek / PetscMax(uk, PETSC_MIN_REAL));
          s[4] += rel;
          s[5] += rel * rel;
        }
        for (PetscInt c = 0; c < d.nc; c++) {
          PetscReal m0 = 0, mk = 0, sc = 0;
          for (PetscInt j = 0; j < d.nx; j++) {
            m0 += last[c * d.nx + j];
            mk += v[k * F + c * d.nx + j];
            sc += PetscAbsReal(last[c * d.nx + j]);
          }
          drift = PetscMax(drift, PetscAbsReal(mk - m0) / PetscMax(sc, PETSC_MIN_REAL));
        }
      }
      rel  = PetscSqrtReal(e2 / PetscMax(u2, PETSC_MIN_REAL));
      linf = emax / PetscMax(umax, PETSC_MIN_REAL);
      if (PetscIsInfOrNanReal(rel)) rel = PETSC_INFINITY;
      if (PetscIsInfOrNanReal(linf)) linf = PETSC_INFINITY;
      s[0] += rel;
      s[1] += rel * rel;
      s[2] += linf;
      s[3] += linf * linf;
    }
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, s, 6, MPIU_REAL, MPI_SUM, comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, stepl2, (PetscMPIInt)H, MPIU_REAL, MPI_SUM, comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &drift, 1, MPIU_REAL, MPI_MAX, comm));
  nwg = ns * per;
  {
    PetscReal m[3], sd[3];
    for (PetscInt i = 0; i < 3; i++) {
      m[i]  = s[2 * i] / nwg;
      sd[i] = PetscSqrtReal(PetscMax(0, s[2 * i + 1] / nwg - m[i] * m[i]));
    }
    PetscCall(PetscPrintf(comm, "eval: %s (%s%s) on %s (%s): %" PetscInt_FMT " samples x %" PetscInt_FMT " windows of %" PetscInt_FMT " + %" PetscInt_FMT " frames = %" PetscInt_FMT " windows\n",
                          mfile, isH ? "hfluxno, update " : "", label, data, d.pde, ns, per, T, H, nwg));
    PetscCall(PetscPrintf(comm, "eval: %" PetscInt_FMT "-step rel l2 %.4e +- %.2e, linf %.4e +- %.2e, one-step rel l2 %.4e +- %.2e, max mass drift %.2e\n", H, (double)m[0], (double)sd[0],
                          (double)m[1], (double)sd[1], (double)m[2], (double)sd[2], (double)drift));
    PetscCall(PetscPrintf(comm, "eval: rel l2 at step"));
    for (PetscInt k = 0; k < H; k++)
      if (k == 0 || (k + 1) % 5 == 0) PetscCall(PetscPrintf(comm, " %" PetscInt_FMT ": %.3e", k + 1, (double)(stepl2[k] / nwg)));
    PetscCall(PetscPrintf(comm, "\n(std: population standard deviation over the windows)\n"));
    if (json[0]) {
      FILE *fp;
      char tmp[PETSC_MAX_PATH_LEN + 8];
      PetscMPIInt rank;
      PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp", json));
      PetscCall(PetscFOpen(comm, tmp, "w", &fp));
      PetscCall(PetscFPrintf(comm, fp, "{\"model\": \"%s\", \"data\": \"%s\", \"update\": \"%s\", \"windows\": %" PetscInt_FMT ", \"horizon\": %" PetscInt_FMT ", \"context\": %" PetscInt_FMT ",\n",
                             mfile, data, label, nwg, H, T));
      PetscCall(PetscFPrintf(comm, fp,
                             " \"rel_l2\": %.10e, \"rel_l2_std\": %.10e, \"linf\": %.10e, \"linf_std\": %.10e, \"one_step_rel_l2\": %.10e, \"one_step_rel_l2_std\": %.10e, \"max_mass_drift\": %.6e,\n",
                             (double)m[0], (double)sd[0], (double)m[1], (double)sd[1], (double)m[2], (double)sd[2], (double)drift));
      PetscCall(PetscFPrintf(comm, fp, " \"rel_l2_per_step\": ["));
      for (PetscInt k = 0; k < H; k++) PetscCall(PetscFPrintf(comm, fp, "%s%.10e", k ? ", " : "", (double)(stepl2[k] / nwg)));
      PetscCall(PetscFPrintf(comm, fp, "]}\n"));
      PetscCall(PetscFClose(comm, fp));
      PetscCallMPI(MPI_Comm_rank(comm, &rank));
      if (!rank) PetscCheck(rename(tmp, json) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot rename %s to %s", tmp, json);
    }
  }
  PetscCall(PetscFree(stepl2));
  PetscCall(PetscFree2(ctx, pred));
  PetscCall(HDataDestroy(&d));
  PetscCall(PetscFree(frames));
  PetscCall(CfxHFluxNODestroy(&model));
  PetscCall(CfxFluxNODestroy(&fmodel));
  PetscFunctionReturn(0);
}
