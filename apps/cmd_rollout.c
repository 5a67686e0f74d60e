/* conflux rollout: one initial condition through a trained model, written as a one-sample
   dataset. The initial condition is frame 0 of a dataset sample (-data, -sample) or a fresh
   random field (-ic grf|step|sines with -nx, -seed, as conflux simulate draws them). */
#include "fluxno_data.h"

PetscErrorCode CfxCommandRollout(MPI_Comm comm, int argc, char **argv)
{
  char mfile[PETSC_MAX_PATH_LEN] = "", data[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "";
  PetscInt sample = 0, nx = 128, seed = 0, nframes = 0, nsteps, every;
  PetscReal tfinal = 0, r, dx, dt, *u0, *frames, *x, *t, *U, m0 = 0, drift = 0, scale = 0;
  PetscBool force = PETSC_FALSE;
  CfxFluxNO model;
  CfxFluxNOType type;
  CfxDataset ds;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscOptionsBegin(comm, NULL, "conflux rollout options", "conflux");
  PetscCall(PetscOptionsString("-model", "Trained model checkpoint", NULL, mfile, mfile, sizeof(mfile), NULL));
  PetscCall(PetscOptionsString("-data", "Take the initial condition from frame 0 of a sample of this dataset", NULL, data, data, sizeof(data), NULL));
  PetscCall(PetscOptionsInt("-sample", "Sample of -data", NULL, sample, &sample, NULL));
  PetscCall(PetscOptionsInt("-nx", "Cells of a random initial condition on [0, 1] (without -data)", NULL, nx, &nx, NULL));
  PetscCall(PetscOptionsInt("-seed", "Seed of a random initial condition", NULL, seed, &seed, NULL));
  PetscCall(PetscOptionsReal("-t_final", "Final time (a whole number of model steps)", NULL, tfinal, &tfinal, NULL));
  PetscCall(PetscOptionsInt("-nframes", "Frames written, including t = 0 (default: every step)", NULL, nframes, &nframes, NULL));
  PetscCall(PetscOptionsString("-o", "Output dataset (one sample)", NULL, out, out, sizeof(out), NULL));
  PetscCall(PetscOptionsBool("-force", "Replace an existing output file", NULL, force, &force, NULL));
  PetscOptionsEnd();
  PetscCheck(mfile[0], comm, PETSC_ERR_ARG_WRONG, "no model: give -model MODEL.h5");
  PetscCheck(out[0], comm, PETSC_ERR_ARG_WRONG, "no output: give -o FILE.h5");
  PetscCheck(tfinal > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "give -t_final > 0, found %g", (double)tfinal);
  PetscCall(CfxOutputCheckWritable(comm, out, force));
  PetscCall(CfxFluxNOLoad(comm, mfile, &model));
  PetscCall(CfxFluxNOGetType(model, &type));
  PetscCall(CfxFluxNOGetRatio(model, &r));

  if (data[0]) {
    CfxTraj tr;
    PetscCall(CfxTrajOpen(comm, data, sample, sample + 1, &tr));
    nx = tr.nx;
    dx = tr.dx;
    PetscCall(PetscMalloc2(nx, &u0, nx, &x));
    PetscCall(PetscArraycpy(u0, tr.U, nx));
    PetscCall(PetscArraycpy(x, tr.x, nx));
    PetscCall(CfxTrajDestroy(&tr));
  } else {
    CfxIC ic;
    CfxRNG rng;
    PetscCheck(nx >= 8, comm, PETSC_ERR_ARG_OUTOFRANGE, "-nx must be >= 8, found %" PetscInt_FMT, nx);
    dx = 1.0 / nx;
    PetscCall(PetscMalloc2(nx, &u0, nx, &x));
    for (PetscInt j = 0; j < nx; j++) x[j] = (j + 0.5) * dx;
    PetscCall(CfxICCreate(PETSC_COMM_SELF, &ic));
    PetscCall(CfxICSetDomain(ic, 0, 1));
    PetscCall(CfxICSetFromOptions(ic));
    PetscCall(CfxRNGSetSeed(&rng, (uint64_t)seed, 0));
    PetscCall(CfxICSample(ic, &rng, nx, u0));
    PetscCall(CfxICDestroy(&ic));
  }
  dt     = r * dx;
  nsteps = (PetscInt)round(tfinal / dt);
  PetscCheck(nsteps >= 1 && PetscAbsReal(nsteps * dt - tfinal) <= 1e-6 * tfinal, comm, PETSC_ERR_ARG_INCOMP, "-t_final %g is not a whole number of model steps dt = %g", (double)tfinal, (double)dt);
  if (nframes <= 0) nframes = nsteps + 1;
  PetscCheck(nframes >= 2 && nsteps % (nframes - 1) == 0, comm, PETSC_ERR_ARG_INCOMP, "-nframes %" PetscInt_FMT " must be 1 + a divisor of the %" PetscInt_FMT " steps", nframes, nsteps);
  every = nsteps / (nframes - 1);
  PetscCall(PetscMalloc3((nsteps + 1) * nx, &frames, nframes, &t, nframes * nx, &U));
  PetscCall(CfxFluxNORollout(model, 1, nx, u0, nsteps, frames));
  for (PetscInt k = 0; k < nframes; k++) {
    t[k] = k * every * dt;
    PetscCall(PetscArraycpy(U + k * nx, frames + k * every * nx, nx));
  }
  for (PetscInt j = 0; j < nx; j++) {
    m0 += u0[j];
    scale += PetscAbsReal(u0[j]);
  }
  for (PetscInt k = 0; k < nframes; k++) {
    PetscReal mk = 0;
    for (PetscInt j = 0; j < nx; j++) mk += U[k * nx + j];
    drift = PetscMax(drift, PetscAbsReal(mk - m0) / PetscMax(scale, PETSC_MIN_REAL));
  }
  PetscCall(CfxDatasetCreate(comm, &ds));
  PetscCall(CfxDatasetSetSizes(ds, 1, nframes, nx, 0));
  PetscCall(CfxDatasetSetCoordinates(ds, x, t));
  PetscCall(CfxDatasetSetOverwrite(ds, force));
  PetscCall(CfxDatasetSetAttribute(ds, "scheme", type));
  PetscCall(CfxDatasetSetAttribute(ds, "model", mfile));
  {
    char buf[PETSC_MAX_PATH_LEN * 4] = "conflux rollout";
    for (int a = 1; a < argc; a++) {
      PetscCall(PetscStrlcat(buf, " ", sizeof(buf)));
      PetscCall(PetscStrlcat(buf, argv[a], sizeof(buf)));
    }
    PetscCall(CfxDatasetSetAttribute(ds, "created_by", buf));
  }
  PetscCall(CfxDatasetWriteBegin(ds, out));
  PetscCall(CfxDatasetWriteSamples(ds, 0, rank == 0 ? 1 : 0, U, NULL));
  PetscCall(CfxDatasetClose(&ds));
  PetscCall(PetscPrintf(comm, "rollout: %s (%s), %" PetscInt_FMT " steps of dt = %g to t = %g; relative mass drift %.3e; wrote %s (%" PetscInt_FMT " frames)\n", mfile, type, nsteps, (double)dt,
                        (double)tfinal, (double)drift, out, nframes));
  PetscCall(PetscFree3(frames, t, U));
  PetscCall(PetscFree2(u0, x));
  PetscCall(CfxFluxNODestroy(&model));
  PetscFunctionReturn(0);
}
