/* conflux eval: roll a trained model (Flux NO or FNO baseline) out from the first frame of
   every test trajectory and compare with the test frames at the requested times.

   Test samples are split over ranks as the dataset's ownership (contiguous blocks); each rank
   rolls its block out as one batch. The model's time step is dt = r dx of the test grid (r its
   trained dt/dx), so a test file at another resolution is run at the same Courant number; each
   test frame spacing must be a whole number of model steps. */
#include "fluxno_data.h"
#include "hfluxno_cmd.h"

#define MAXTIMES 64

/* Rolls samples [lo, hi) out to the last frame; pred [hi-lo, nt, nx] at the test frames. */
static PetscErrorCode Predict(MPI_Comm comm, CfxFluxNO model, CfxTraj *tr, PetscReal *pred, PetscInt *stepsPerFrame)
{
  PetscReal r, dt, m;
  PetscInt B = tr->hi - tr->lo, N = tr->nx, K = tr->nt - 1, nsteps, spf;
  PetscReal *u0, *frames;
  CfxFluxNOType type;

  PetscFunctionBegin;
  PetscCall(CfxFluxNOGetType(model, &type));
  PetscCall(CfxFluxNOGetRatio(model, &r));
  PetscCheck(r > 0, comm, PETSC_ERR_ARG_WRONG, "the model records no dt/dx");
  dt  = r * tr->dx;
  m   = tr->dt / dt;
  spf = (PetscInt)round(m);
  PetscCheck(spf >= 1 && PetscAbsReal(m - spf) <= 1e-6 * m, comm, PETSC_ERR_ARG_INCOMP,
             "the test frames are %g apart but the model steps dt = (dt/dx) dx = %g x %g = %g: the frame spacing must be a whole number of model steps (found %.6g)", (double)tr->dt, (double)r,
             (double)tr->dx, (double)dt, (double)m);
  if (!strcmp(type, CFXFLUXNO_FNO1D))
    PetscCheck(spf == 1, comm, PETSC_ERR_ARG_INCOMP, "the FNO baseline maps one frame spacing of its training data; the test frames are %" PetscInt_FMT " of its steps apart", spf);
  nsteps = K * spf;
  PetscCall(PetscMalloc2(B * N + 1, &u0, B * (nsteps + 1) * N + 1, &frames));
  for (PetscInt b = 0; b < B; b++) PetscCall(PetscArraycpy(u0 + b * N, tr->U + b * tr->nt * N, N));
  if (B > 0) PetscCall(CfxFluxNORollout(model, B, N, u0, nsteps, frames));
  for (PetscInt b = 0; b < B; b++)
    for (PetscInt k = 0; k <= K; k++) PetscCall(PetscArraycpy(pred + (b * tr->nt + k) * N, frames + (b * (nsteps + 1) + k * spf) * N, N));
  PetscCall(PetscFree2(u0, frames));
  *stepsPerFrame = spf;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxCommandEval(MPI_Comm comm, int argc, char **argv)
{
  char mfile[PETSC_MAX_PATH_LEN] = "", data[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "", tlist[1024] = "";
  PetscReal times[MAXTIMES], *pred;
  PetscInt ntimes = 0, frame[MAXTIMES], ns, lo, hi, spf = 0;
  PetscBool force = PETSC_FALSE;
  PetscMPIInt size, rank;
  CfxFluxNO model;
  CfxFluxNOType type;
  CfxTraj tr;
  CfxDataset probe;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscOptionsBegin(comm, NULL, "conflux eval options", "conflux");
  PetscCall(PetscOptionsString("-model", "Trained model checkpoint", NULL, mfile, mfile, sizeof(mfile), NULL));
  PetscCall(PetscOptionsString("-data", "Test dataset (PDEBench layout); frame 0 of each sample is the initial condition", NULL, data, data, sizeof(data), NULL));
  PetscCall(PetscOptionsString("-times", "Comma-separated times to report (default: the last frame)", NULL, tlist, tlist, sizeof(tlist), NULL));
  PetscCall(PetscOptionsString("-o", "Write the predictions at every test frame to this dataset", NULL, out, out, sizeof(out), NULL));
  PetscCall(PetscOptionsBool("-force", "Replace an existing output file", NULL, force, &force, NULL));
  PetscOptionsEnd();
  PetscCheck(mfile[0], comm, PETSC_ERR_ARG_WRONG, "no model: give -model MODEL.h5");
  {
    /* an hfluxno checkpoint (or any model with -eval_context T) is evaluated with the paper's windowed protocol */
    PetscBool hflux, windows;
    PetscCall(CfxHFluxNOIsModelFile(mfile, &hflux));
    PetscCall(PetscOptionsHasName(NULL, NULL, "-eval_context", &windows));
    if (hflux || windows) {
      PetscCall(CfxHFluxNOCommandEval(comm, argc, argv));
      PetscFunctionReturn(0);
    }
  }
  PetscCheck(data[0], comm, PETSC_ERR_ARG_WRONG, "no test data: give -data FILE.h5");
  if (out[0]) PetscCall(CfxOutputCheckWritable(comm, out, force));

  PetscCall(CfxFluxNOLoad(comm, mfile, &model));
  PetscCall(CfxFluxNOGetType(model, &type));
  /* this rank's block of samples, as the dataset writer splits them */
  PetscCall(CfxDatasetOpen(comm, data, &probe));
  PetscCall(CfxDatasetGetSizes(probe, &ns, NULL, NULL, NULL));
  PetscCall(CfxDatasetGetOwnership(probe, &lo, &hi));
  PetscCall(CfxDatasetClose(&probe));
  PetscCall(CfxTrajOpen(comm, data, lo, hi, &tr));
  if (tlist[0])
    PetscCall(CfxParseTimes(comm, tlist, MAXTIMES, times, &ntimes));
  else {
    times[0] = tr.t[tr.nt - 1];
    ntimes   = 1;
  }
  for (PetscInt i = 0; i < ntimes; i++) {
    frame[i] = -1;
    for (PetscInt k = 0; k < tr.nt; k++)
      if (PetscAbsReal(tr.t[k] - times[i]) <= 1e-9 * PetscMax(1, PetscAbsReal(times[i]))) frame[i] = k;
    PetscCheck(frame[i] >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-times: t = %g is not a frame of %s (frames every %g from %g to %g)", (double)times[i], data, (double)tr.dt, (double)tr.t[0],
               (double)tr.t[tr.nt - 1]);
  }
  PetscCall(PetscMalloc1((hi - lo) * tr.nt * tr.nx + 1, &pred));
  PetscCall(Predict(comm, model, &tr, pred, &spf));

  PetscCall(PetscPrintf(comm, "eval: %s (%s) on %s: %" PetscInt_FMT " samples, %" PetscInt_FMT " cells, %" PetscInt_FMT " model step(s) per frame\n", mfile, type, data, ns, tr.nx, spf));
  PetscCall(PetscPrintf(comm, "%10s  %-24s  %-24s\n", "t", "rel L2 (mean +- std)", "Linf abs (mean +- std)"));
  for (PetscInt i = 0; i < ntimes; i++) {
    PetscReal s[4] = {0, 0, 0, 0}; /* sum and sum of squares of rel L2 and of Linf */
    for (PetscInt b = 0; b < hi - lo; b++) {
      const PetscReal *u = tr.U + (b * tr.nt + frame[i]) * tr.nx, *v = pred + (b * tr.nt + frame[i]) * tr.nx;
      PetscReal e2 = 0, u2 = 0, einf = 0, rel;
      for (PetscInt j = 0; j < tr.nx; j++) {
        e2 += (v[j] - u[j]) * (v[j] - u[j]);
        u2 += u[j] * u[j];
        einf = PetscMax(einf, PetscAbsReal(v[j] - u[j]));
      }
      rel = PetscSqrtReal(e2 / PetscMax(u2, PETSC_MIN_REAL));
      if (PetscIsInfOrNanReal(rel)) rel = PETSC_INFINITY;
      s[0] += rel;
      s[1] += rel * rel;
      s[2] += einf;
      s[3] += einf * einf;
    }
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, s, 4, MPIU_REAL, MPI_SUM, comm));
    {
      PetscReal m2 = s[0] / ns, mi = s[2] / ns;
      PetscReal sd2 = PetscSqrtReal(PetscMax(0, s[1] / ns - m2 * m2)), sdi = PetscSqrtReal(PetscMax(0, s[3] / ns - mi * mi));
      PetscCall(PetscPrintf(comm, "%10.4g  %.4e +- %.2e      %.4e +- %.2e\n", (double)times[i], (double)m2, (double)sd2, (double)mi, (double)sdi));
    }
  }
  PetscCall(PetscPrintf(comm, "(std: population standard deviation over the %" PetscInt_FMT " samples)\n", ns));

  if (out[0]) {
    CfxDataset ds;
    char buf[PETSC_MAX_PATH_LEN * 4] = "conflux eval";
    PetscCall(CfxDatasetCreate(comm, &ds));
    PetscCall(CfxDatasetSetSizes(ds, ns, tr.nt, tr.nx, 0));
    PetscCall(CfxDatasetSetCoordinates(ds, tr.x, tr.t));
    PetscCall(CfxDatasetSetOverwrite(ds, force));
    PetscCall(CfxDatasetSetAttribute(ds, "pde", tr.flux[0] ? tr.flux : "unknown"));
    PetscCall(CfxDatasetSetAttribute(ds, "flux", tr.flux[0] ? tr.flux : "unknown"));
    PetscCall(CfxDatasetSetAttribute(ds, "scheme", type));
    PetscCall(CfxDatasetSetAttribute(ds, "model", mfile));
    PetscCall(CfxDatasetSetAttribute(ds, "truth", data));
    for (int a = 1; a < argc; a++) {
      PetscCall(PetscStrlcat(buf, " ", sizeof(buf)));
      PetscCall(PetscStrlcat(buf, argv[a], sizeof(buf)));
    }
    PetscCall(CfxDatasetSetAttribute(ds, "created_by", buf));
    PetscCall(CfxDatasetWriteBegin(ds, out));
    PetscCall(CfxDatasetWriteSamples(ds, lo, hi - lo, pred, NULL));
    PetscCall(CfxDatasetClose(&ds));
    PetscCall(PetscPrintf(comm, "eval: wrote predictions at all %" PetscInt_FMT " frames to %s\n", tr.nt, out));
  }
  PetscCall(PetscFree(pred));
  PetscCall(CfxTrajDestroy(&tr));
  PetscCall(CfxFluxNODestroy(&model));
  PetscFunctionReturn(0);
}
