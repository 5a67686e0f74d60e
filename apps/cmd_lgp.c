/* conflux lgp simulate|fit|rollout: Lagrangian Gaussian processes on position snapshots. */
#include "commands.h"
#include <hdf5.h>

static const char *const Systems[] = {"pendulum", "double_pendulum", "coupled_oscillators", "damped_driven_pendulum", "LGPSystem", "LGP_SYSTEM_", NULL};

/* The ground-truth systems with unit parameters (documented in `conflux help lgp`). */
static PetscErrorCode SetupSystem(CfxODE ode, PetscInt sys, PetscInt d, const PetscReal springs[], PetscReal gamma, PetscReal A, PetscReal Omega)
{
  PetscFunctionBegin;
  switch (sys) {
    case 0: PetscCall(CfxODESetPendulum(ode, 1, 1, 1)); break;
    case 1: PetscCall(CfxODESetDoublePendulum(ode, 1, 1, 1, 1, 1)); break;
    case 2: {
      PetscReal m[CFX_LGP_MAX_DIM / 2];
      for (PetscInt i = 0; i < d; i++) m[i] = 1;
      PetscCall(CfxODESetCoupledOscillators(ode, d, m, springs));
    } break;
    case 3: PetscCall(CfxODESetForcedDampedPendulum(ode, 1, 1, 1, gamma, A, Omega)); break;
  }
  PetscFunctionReturn(0);
}

static PetscInt SystemDim(PetscInt sys, PetscInt n) { return sys == 1 ? 2 : sys == 2 ? n : 1; }

/* -springs k_0,..,k_N of the coupled oscillators: N + 1 values, default 1 each. */
static PetscErrorCode CheckSprings(MPI_Comm comm, PetscInt d, PetscBool set, PetscInt n, PetscReal k[])
{
  PetscFunctionBegin;
  if (!set)
    for (PetscInt i = 0; i <= d; i++) k[i] = 1;
  PetscCheck(!set || n == d + 1, comm, PETSC_ERR_ARG_SIZ, "-springs: expected %" PetscInt_FMT " spring constants (one more than -n_masses), found %" PetscInt_FMT, d + 1, n);
  PetscFunctionReturn(0);
}

/* Radical inverse of i in base b: coordinate of the i-th Halton point. */
static PetscReal Halton(PetscInt i, PetscInt b)
{
  PetscReal f = 1, x = 0;
  for (; i > 0; i /= b) {
    f /= b;
    x += f * (PetscReal)(i % b);
  }
  return x;
}

static PetscErrorCode Simulate(MPI_Comm comm)
{
  PetscInt sys = 0, ntraj = 4, nsteps = 40, nmass = 2, d, namp = 2;
  PetscReal h = 0.1, amp[2] = {0.4, 1.6}, noise = 0, gamma = 0.1, A = 0.5, Omega = 0.8, *q, *u = NULL, *times, *Y;
  PetscInt seed = 0, init = 0, nq0 = CFX_LGP_MAX_DIM, nv0 = CFX_LGP_MAX_DIM;
  PetscReal box = 1, q0[CFX_LGP_MAX_DIM] = {0}, v0[CFX_LGP_MAX_DIM] = {0}, springs[CFX_LGP_MAX_DIM / 2 + 1];
  PetscInt nsp                 = CFX_LGP_MAX_DIM / 2 + 1;
  PetscBool force              = PETSC_FALSE, setAmp, setQ0, setV0, setSp;
  const char *const inits[]    = {"rest", "halton", "LGPInit", "LGP_INIT_", NULL};
  char out[PETSC_MAX_PATH_LEN] = "";
  CfxODE ode;
  CfxRNG rng;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "conflux lgp simulate", "CfxLGP");
  PetscCall(PetscOptionsEList("-system", "Ground-truth system", NULL, Systems, 4, Systems[sys], &sys, NULL));
  PetscCall(PetscOptionsInt("-n_traj", "Trajectories", NULL, ntraj, &ntraj, NULL));
  PetscCall(PetscOptionsInt("-n_steps", "Snapshots per trajectory", NULL, nsteps, &nsteps, NULL));
  PetscCall(PetscOptionsInt("-n_masses", "Masses of the coupled oscillators", NULL, nmass, &nmass, NULL));
  PetscCall(PetscOptionsReal("-h", "Time step between snapshots", NULL, h, &h, NULL));
  PetscCall(PetscOptionsRealArray("-amp", "Release amplitudes lo,hi (from rest)", NULL, amp, &namp, &setAmp));
  PetscCall(PetscOptionsReal("-noise", "Std of Gaussian position noise", NULL, noise, &noise, NULL));
  PetscCall(PetscOptionsInt("-seed", "Noise seed", NULL, seed, &seed, NULL));
  PetscCall(PetscOptionsReal("-gamma", "Damping (damped_driven_pendulum)", NULL, gamma, &gamma, NULL));
  PetscCall(PetscOptionsReal("-drive", "Drive amplitude A, input u = A cos(Omega t)", NULL, A, &A, NULL));
  PetscCall(PetscOptionsReal("-omega", "Drive frequency Omega", NULL, Omega, &Omega, NULL));
  PetscCall(PetscOptionsEList("-init", "Initial states: from rest at -amp amplitudes, or Halton points (q, v) in [-box, box]^2d", NULL, inits, 2, inits[init], &init, NULL));
  PetscCall(PetscOptionsReal("-box", "Half width of the -init halton box", NULL, box, &box, NULL));
  PetscCall(PetscOptionsRealArray("-q0", "Initial position of a single trajectory (d values)", NULL, q0, &nq0, &setQ0));
  PetscCall(PetscOptionsRealArray("-v0", "Initial velocity of a single trajectory (d values; default 0)", NULL, v0, &nv0, &setV0));
  PetscCall(PetscOptionsRealArray("-springs", "Spring constants k_0,..,k_N of the coupled oscillators (default 1 each)", NULL, springs, &nsp, &setSp));
  PetscCall(PetscOptionsString("-o", "Output trajectory file", NULL, out, out, sizeof(out), NULL));
  PetscCall(PetscOptionsBool("-force", "Overwrite the output", NULL, force, &force, NULL));
  PetscOptionsEnd();
  PetscCheck(out[0], comm, PETSC_ERR_ARG_WRONG, "-o FILE is required");
  PetscCheck(ntraj >= 1 && nsteps >= 3 && h > 0 && noise >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "expected -n_traj >= 1, -n_steps >= 3, -h > 0, -noise >= 0; found %" PetscInt_FMT ", %" PetscInt_FMT ", %g, %g", ntraj, nsteps, (double)h, (double)noise);
  if (!setAmp) namp = 2;
  PetscCheck(namp == 2 || namp == 1, comm, PETSC_ERR_ARG_WRONG, "-amp: expected lo,hi");
  if (namp == 1) amp[1] = amp[0];
  d = SystemDim(sys, nmass);
  PetscCheck(2 * d <= CFX_LGP_MAX_DIM && d >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-n_masses: expected 1..%d, found %" PetscInt_FMT, CFX_LGP_MAX_DIM / 2, nmass);
  PetscCall(PetscMalloc4(ntraj * nsteps * d, &q, nsteps, &times, 2 * d * nsteps, &Y, ntraj * nsteps, &u));
  PetscCall(CfxODECreate(comm, &ode));
  PetscCall(CfxODESetTolerances(ode, 1e-11, 1e-13));
  PetscCall(CfxODESetMaxSteps(ode, 1000000));
  PetscCall(CheckSprings(comm, d, setSp, nsp, springs));
  PetscCheck(!setQ0 || (nq0 == d && ntraj == 1), comm, PETSC_ERR_ARG_WRONG, "-q0: expected %" PetscInt_FMT " values and -n_traj 1, found %" PetscInt_FMT " values and -n_traj %" PetscInt_FMT, d, nq0,
             ntraj);
  PetscCheck(!setV0 || (setQ0 && nv0 == d), comm, PETSC_ERR_ARG_WRONG, "-v0: expected %" PetscInt_FMT " values together with -q0, found %" PetscInt_FMT, d, nv0);
  PetscCheck(box > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-box: expected > 0, found %g", (double)box);
  PetscCall(SetupSystem(ode, sys, d, springs, gamma, A, Omega));
  PetscCall(CfxODESetFromOptions(ode));
  for (PetscInt k = 0; k < nsteps; k++) times[k] = k * h;
  PetscCall(CfxRNGSetSeed(&rng, (uint64_t)seed, 0));
  for (PetscInt t = 0; t < ntraj; t++) {
    static const PetscInt primes[CFX_LGP_MAX_DIM] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53};
    PetscReal y0[CFX_LGP_MAX_DIM] = {0}, a = ntraj > 1 ? amp[0] + (amp[1] - amp[0]) * t / (ntraj - 1) : amp[0];
    if (setQ0)
      for (PetscInt i = 0; i < d; i++) {
        y0[i]     = q0[i];
        y0[d + i] = v0[i];
      }
    else if (init == 1) /* Halton point t + 1 of dimension 2d, scaled to [-box, box] */
      for (PetscInt j = 0; j < 2 * d; j++) y0[j] = box * (2 * Halton(t + 1, primes[j]) - 1);
    else
      for (PetscInt i = 0; i < d; i++) y0[i] = i ? -0.5 * y0[i - 1] : a; /* (a, -a/2, a/4, ...) from rest */
    PetscCall(CfxODESolve(ode, 0, y0, nsteps, times, Y));
    for (PetscInt k = 0; k < nsteps; k++) {
      for (PetscInt i = 0; i < d; i++) q[(t * nsteps + k) * d + i] = Y[2 * d * k + i] + (noise > 0 ? noise * CfxRNGNormal(&rng) : 0);
    }
    PetscCall(CfxLGPCosineInput(nsteps, h, A, Omega, u + t * nsteps));
  }
  PetscCall(CfxLGPTrajectoryWrite(comm, out, ntraj, nsteps, d, h, q, sys == 3 ? 1 : 0, u, force));
  PetscCall(PetscPrintf(comm, "wrote %s: %s, %" PetscInt_FMT " trajectories x %" PetscInt_FMT " snapshots, d = %" PetscInt_FMT ", h = %g, noise %g%s\n", out, Systems[sys], ntraj, nsteps, d, (double)h,
                        (double)noise, sys == 3 ? ", input u = A cos(Omega t)" : ""));
  PetscCall(CfxODEDestroy(&ode));
  PetscCall(PetscFree4(q, times, Y, u));
  PetscFunctionReturn(0);
}

static PetscErrorCode Fit(MPI_Comm comm)
{
  char data[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "", val[PETSC_MAX_PATH_LEN] = "";
  PetscInt ntraj, nsteps, d, m, model = 0;
  PetscReal h, *q, *u, nll;
  PetscBool force = PETSC_FALSE, fit = PETSC_TRUE, set;
  CfxLGP lgp;
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "conflux lgp fit", "CfxLGP");
  PetscCall(PetscOptionsString("-data", "Trajectory file", NULL, data, data, sizeof(data), NULL));
  PetscCall(PetscOptionsEList("-model", "Model (same as -lgp_model)", NULL, CfxLGPModels, 3, CfxLGPModels[model], &model, &set));
  PetscCall(PetscOptionsBool("-ml2", "Fit hyperparameters by ML-II (TAO), or by -lgp_fit_select", NULL, fit, &fit, NULL));
  PetscCall(PetscOptionsString("-validate", "Held-out trajectory file: choose the length scales by rollouts on it (-lgp_fit_select validation)", NULL, val, val, sizeof(val), NULL));
  PetscCall(PetscOptionsString("-o", "Output model file", NULL, out, out, sizeof(out), NULL));
  PetscCall(PetscOptionsBool("-force", "Overwrite the output", NULL, force, &force, NULL));
  PetscOptionsEnd();
  PetscCheck(data[0] && out[0], comm, PETSC_ERR_ARG_WRONG, "-data FILE and -o FILE are required");
  PetscCall(CfxOutputCheckWritable(comm, out, force));
  PetscCall(CfxLGPTrajectoryRead(comm, data, &ntraj, &nsteps, &d, &h, &q, &m, &u));
  PetscCall(CfxLGPCreate(comm, &lgp));
  PetscCall(CfxLGPSetData(lgp, ntraj, nsteps, d, h, q, m, u));
  if (set) PetscCall(CfxLGPSetModel(lgp, (CfxLGPModel)model));
  PetscCall(CfxLGPSetFromOptions(lgp));
  if (val[0]) {
    PetscInt vt, vn, vd, vm;
    PetscReal vh, *vq, *vu;
    PetscCall(CfxLGPTrajectoryRead(comm, val, &vt, &vn, &vd, &vh, &vq, &vm, &vu));
    PetscCheck(vd == d && vm == m && PetscAbsReal(vh - h) <= 1e-12 * h, comm, PETSC_ERR_FILE_UNEXPECTED,
               "%s: expected d = %" PetscInt_FMT ", m = %" PetscInt_FMT ", h = %g as in %s, found %" PetscInt_FMT ", %" PetscInt_FMT ", %g", val, d, m, (double)h, data, vd, vm, (double)vh);
    PetscCall(CfxLGPSetValidationData(lgp, vt, vn, vq, vu));
    PetscCall(CfxLGPSetSelectionGrid(lgp, PETSC_TRUE, 0, NULL));
    PetscCall(PetscFree(vq));
    PetscCall(PetscFree(vu));
    fit = PETSC_TRUE;
  }
  PetscCall(PetscTime(&t0));
  if (fit)
    PetscCall(CfxLGPFit(lgp));
  else
    PetscCall(CfxLGPSetUp(lgp));
  PetscCall(PetscTime(&t1));
  PetscCall(CfxLGPGetNegLogMarginalLikelihood(lgp, &nll));
  PetscCall(CfxLGPView(lgp, NULL));
  PetscCall(PetscPrintf(comm, "  -log marginal likelihood %.6e; %s in %.2f s\n", (double)nll, fit ? "ML-II fit" : "set-up", (double)(t1 - t0)));
  PetscCall(CfxLGPSave(lgp, out, force));
  PetscCall(PetscPrintf(comm, "wrote %s\n", out));
  PetscCall(CfxLGPDestroy(&lgp));
  PetscCall(PetscFree(q));
  PetscCall(PetscFree(u));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteDataset(hid_t f, const char name[], int rank, const hsize_t dims[], const PetscReal v[])
{
  hid_t space = H5Screate_simple(rank, dims, NULL), dset;

  PetscFunctionBegin;
  dset = H5Dcreate2(f, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  PetscCheck(dset >= 0 && H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write dataset %s", name);
  H5Dclose(dset);
  H5Sclose(space);
  PetscFunctionReturn(0);
}

static PetscErrorCode Rollout(MPI_Comm comm)
{
  char modelFile[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "", data[PETSC_MAX_PATH_LEN] = "", tmp[PETSC_MAX_PATH_LEN];
  PetscInt steps = 1000, d, m, n0, n1, traj = 0, sys = -1, nmass = 2, ntraj, nsteps, dd, mm;
  PetscReal q0[CFX_LGP_MAX_DIM], q1[CFX_LGP_MAX_DIM], h, hh, *Q, *S, *E = NULL, *Et = NULL, *u = NULL, *dq = NULL, *du = NULL, gamma = 0.1, A = 0.5, Omega = 0.8;
  PetscReal springs[CFX_LGP_MAX_DIM / 2 + 1];
  PetscInt nsp    = CFX_LGP_MAX_DIM / 2 + 1;
  PetscBool force = PETSC_FALSE, set0, set1, withStd = PETSC_TRUE, setSp;
  CfxLGP lgp;
  CfxLGPModel model;
  PetscMPIInt rank;
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "conflux lgp rollout", "CfxLGP");
  PetscCall(PetscOptionsString("-model", "Model file from `conflux lgp fit`", NULL, modelFile, modelFile, sizeof(modelFile), NULL));
  n0 = n1 = CFX_LGP_MAX_DIM;
  PetscCall(PetscOptionsRealArray("-q0", "First position (d values)", NULL, q0, &n0, &set0));
  PetscCall(PetscOptionsRealArray("-q1", "Second position (d values)", NULL, q1, &n1, &set1));
  PetscCall(PetscOptionsString("-data", "Take q0, q1 (and inputs u) from this trajectory file", NULL, data, data, sizeof(data), NULL));
  PetscCall(PetscOptionsInt("-traj", "Trajectory of -data to start from", NULL, traj, &traj, NULL));
  PetscCall(PetscOptionsInt("-steps", "Steps to predict", NULL, steps, &steps, NULL));
  PetscCall(PetscOptionsBool("-std", "Linearised standard deviation", NULL, withStd, &withStd, NULL));
  PetscCall(PetscOptionsEList("-system", "Also write the true energy of this system along the mean", NULL, Systems, 4, "none", &sys, NULL));
  PetscCall(PetscOptionsInt("-n_masses", "Masses of the coupled oscillators (-system)", NULL, nmass, &nmass, NULL));
  PetscCall(PetscOptionsReal("-gamma", "Damping (-system damped_driven_pendulum)", NULL, gamma, &gamma, NULL));
  PetscCall(PetscOptionsReal("-drive", "Drive amplitude (-system damped_driven_pendulum)", NULL, A, &A, NULL));
  PetscCall(PetscOptionsReal("-omega", "Drive frequency (-system damped_driven_pendulum)", NULL, Omega, &Omega, NULL));
  PetscCall(PetscOptionsRealArray("-springs", "Spring constants k_0,..,k_N (-system coupled_oscillators)", NULL, springs, &nsp, &setSp));
  PetscCall(PetscOptionsString("-o", "Output prediction file", NULL, out, out, sizeof(out), NULL));
  PetscCall(PetscOptionsBool("-force", "Overwrite the output", NULL, force, &force, NULL));
  PetscOptionsEnd();
  PetscCheck(modelFile[0] && out[0], comm, PETSC_ERR_ARG_WRONG, "-model FILE and -o FILE are required");
  PetscCheck(steps >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-steps: expected >= 1, found %" PetscInt_FMT, steps);
  PetscCall(CfxOutputCheckWritable(comm, out, force));
  PetscCall(CfxLGPLoad(comm, modelFile, &lgp));
  PetscCall(CfxLGPSetFromOptions(lgp)); /* Newton settings; hyperparameters stay as stored unless given */
  PetscCall(CfxLGPSetUp(lgp));
  PetscCall(CfxLGPGetSizes(lgp, &d, &h, &m));
  PetscCall(CfxLGPGetModel(lgp, &model));
  if (data[0]) {
    PetscCall(CfxLGPTrajectoryRead(comm, data, &ntraj, &nsteps, &dd, &hh, &dq, &mm, &du));
    PetscCheck(dd == d && mm == m && PetscAbsReal(hh - h) <= 1e-12 * h, comm, PETSC_ERR_FILE_UNEXPECTED,
               "%s: expected d = %" PetscInt_FMT ", m = %" PetscInt_FMT ", h = %g as in the model, found %" PetscInt_FMT ", %" PetscInt_FMT ", %g", data, d, m, (double)h, dd, mm, (double)hh);
    PetscCheck(traj >= 0 && traj < ntraj, comm, PETSC_ERR_ARG_OUTOFRANGE, "-traj: expected 0..%" PetscInt_FMT ", found %" PetscInt_FMT, ntraj - 1, traj);
    for (PetscInt i = 0; i < d; i++) {
      q0[i] = dq[(traj * nsteps) * d + i];
      q1[i] = dq[(traj * nsteps + 1) * d + i];
    }
    if (m) {
      PetscCheck(steps + 1 <= nsteps, comm, PETSC_ERR_ARG_OUTOFRANGE, "-steps %" PetscInt_FMT ": the inputs in %s cover only %" PetscInt_FMT " steps", steps, data, nsteps - 1);
      PetscCall(PetscMalloc1((steps + 1) * m, &u));
      PetscCall(PetscArraycpy(u, du + traj * nsteps * m, (steps + 1) * m));
    }
  } else {
    PetscCheck(set0 && set1 && n0 == d && n1 == d, comm, PETSC_ERR_ARG_WRONG, "-q0 and -q1: expected %" PetscInt_FMT " values each (or -data FILE), found %" PetscInt_FMT " and %" PetscInt_FMT, d,
               set0 ? n0 : 0, set1 ? n1 : 0);
    PetscCheck(!m, comm, PETSC_ERR_ARG_WRONG, "the model has %" PetscInt_FMT " inputs: give -data FILE with /u for the rollout", m);
  }
  PetscCall(PetscMalloc2((steps + 1) * d, &Q, (steps + 1) * d, &S));
  if (model != CFX_LGP_NARX) PetscCall(PetscMalloc1(steps + 1, &E));
  PetscCall(PetscTime(&t0));
  PetscCall(CfxLGPRollout(lgp, q0, q1, steps, u, Q, withStd ? S : NULL, E));
  PetscCall(PetscTime(&t1));
  if (!withStd) PetscCall(PetscArrayzero(S, (steps + 1) * d));
  if (sys >= 0) { /* true energy along the mean, velocities by central differences (one-sided at the ends) */
    CfxODE ode;
    PetscReal y[CFX_LGP_MAX_DIM];
    PetscCheck(SystemDim(sys, nmass) == d, comm, PETSC_ERR_ARG_WRONG, "-system %s has d = %" PetscInt_FMT ", the model d = %" PetscInt_FMT, Systems[sys], SystemDim(sys, nmass), d);
    PetscCall(PetscMalloc1(steps + 1, &Et));
    PetscCall(CfxODECreate(comm, &ode));
    PetscCall(CheckSprings(comm, d, setSp, nsp, springs));
    PetscCall(SetupSystem(ode, sys, d, springs, gamma, A, Omega));
    for (PetscInt k = 0; k <= steps; k++) {
      const PetscInt a = k > 0 ? k - 1 : 0, b = k < steps ? k + 1 : steps;
      for (PetscInt i = 0; i < d; i++) {
        y[i]     = Q[k * d + i];
        y[d + i] = (Q[b * d + i] - Q[a * d + i]) / ((b - a) * h);
      }
      PetscCall(CfxODEEnergy(ode, k * h, y, &Et[k]));
    }
    PetscCall(CfxODEDestroy(&ode));
  }
  PetscCall(CfxOutputTempName(out, tmp, sizeof(tmp)));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    hsize_t dims[2] = {(hsize_t)(steps + 1), (hsize_t)d};
    hid_t f         = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    PetscCheck(f >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot create", tmp);
    PetscCall(WriteDataset(f, "mean", 2, dims, Q));
    PetscCall(WriteDataset(f, "std", 2, dims, S));
    if (E) PetscCall(WriteDataset(f, "energy", 1, dims, E));
    if (Et) PetscCall(WriteDataset(f, "energy_true", 1, dims, Et));
    {
      hid_t space = H5Screate(H5S_SCALAR), attr = H5Acreate2(f, "h", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT);
      H5Awrite(attr, H5T_NATIVE_DOUBLE, &h);
      H5Aclose(attr);
      H5Sclose(space);
    }
    PetscCall(CfxH5SetAttributeText(f, "model", CfxLGPModels[model]));
    PetscCall(CfxH5SetAttributeText(f, "model_file", modelFile));
    H5Fclose(f);
  }
  PetscCall(CfxOutputCommit(comm, out));
  PetscCall(PetscPrintf(comm, "wrote %s: %" PetscInt_FMT " steps of %s in %.3f s (%.0f steps/s%s)\n", out, steps, CfxLGPModels[model], (double)(t1 - t0), (double)(steps / PetscMax(t1 - t0, 1e-9)),
                        withStd ? ", with linearised std" : ""));
  PetscCall(PetscFree2(Q, S));
  PetscCall(PetscFree(E));
  PetscCall(PetscFree(Et));
  PetscCall(PetscFree(u));
  PetscCall(PetscFree(dq));
  PetscCall(PetscFree(du));
  PetscCall(CfxLGPDestroy(&lgp));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxCommandLGP(MPI_Comm comm, int argc, char **argv)
{
  const char *action = NULL;

  PetscFunctionBegin;
  PetscCall(CfxCommandPositional(argc, argv, 1, &action));
  if (!strcmp(action, "simulate"))
    PetscCall(Simulate(comm));
  else if (!strcmp(action, "fit"))
    PetscCall(Fit(comm));
  else if (!strcmp(action, "rollout") || !strcmp(action, "predict"))
    PetscCall(Rollout(comm));
  else
    SETERRQ(comm, PETSC_ERR_ARG_WRONG, "unknown action '%s'; expected simulate, fit or rollout (see `conflux help lgp`)", action);
  PetscFunctionReturn(0);
}
