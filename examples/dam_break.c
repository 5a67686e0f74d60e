static const char help[] = "Shallow-water dam break with the CfxFV finite-volume solver: still water of depth hL left of x0 and\n"
                           "hR right of it (wet bed) on [0, 1] with outflow boundaries. The exact solution is a left-moving\n"
                           "rarefaction and a right-moving shock around the star state (h*, v*), found by Newton's method.\n"
                           "Writes every output time to an HDF5 file (one dataset q_NNNN of shape [N, 2] = (h, hu) per time,\n"
                           "attribute 'time'; cell centres x [N]), an XDMF sidecar FILE.xmf (a temporal collection with\n"
                           "fields h and hu; open it in ParaView), and prints the L1 error against the exact solution.\n"
                           "Options:\n"
                           "  -hl <2> -hr <1> -x0 <0.5>  depths and dam position; gravity is -fv_flux_g (default 1)\n"
                           "  -tfinal <0.2> -nout <5>    final time and number of equally spaced outputs\n"
                           "  -o <dam_break.h5>          output file\n"
                           "  -max_l1 <e>                fail if the final L1 error of (h, hu) exceeds e\n"
                           "plus every -fv_ option of CfxFV (-fv_n, -fv_riemann rusanov|hll|roe, -fv_reconstruction, ...).\n"
                           "Run: mpiexec -n 2 ./dam_break -fv_n 800 -fv_riemann roe -fv_monitor\n";

#include <conflux/conflux.h>
#include <petscviewerhdf5.h>
#include <string.h>

typedef struct {
  PetscReal g, hL, hR, x0;
  PetscViewer h5;
  PetscInt nframes;  /* frames written so far */
  char (*names)[32]; /* dataset name and time of each frame, for the XDMF sidecar */
  PetscReal *frameTime;
} DamBreak;

static PetscErrorCode Exact(PetscReal x, PetscReal t, PetscReal *u, void *ctx)
{
  DamBreak *d = (DamBreak *)ctx;
  PetscReal h, v, xi = t > 0 ? (x - d->x0) / t : (x < d->x0 ? -1e300 : 1e300);

  PetscCall(CfxFVShallowWaterRiemannSolution(d->g, d->hL, 0, d->hR, 0, xi, &h, &v));
  u[0] = h;
  u[1] = h * v;
  return 0;
}

static PetscErrorCode WriteFrame(CfxFV fv, PetscInt k, PetscReal t, Vec U, void *ctx)
{
  DamBreak *d = (DamBreak *)ctx;
  char *name  = d->names[d->nframes];

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(name, sizeof(d->names[0]), "q_%04" PetscInt_FMT, k));
  d->frameTime[d->nframes++] = t;
  PetscCall(PetscObjectSetName((PetscObject)U, name));
  PetscCall(VecView(U, d->h5));
  PetscCall(PetscViewerHDF5WriteObjectAttribute(d->h5, (PetscObject)U, "time", PETSC_REAL, &t));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  DamBreak d                    = {.g = 1, .hL = 2, .hR = 1, .x0 = 0.5};
  char file[PETSC_MAX_PATH_LEN] = "dam_break.h5";
  PetscInt nout                 = 5, N;
  PetscReal tfinal = 0.2, maxL1 = -1, *times, hs, vs, err[2], xmin, xmax;
  CfxFV fv;
  Vec U, E, x;
  DM da;

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "Dam-break example", "");
  PetscCall(PetscOptionsReal("-hl", "Depth left of the dam", "", d.hL, &d.hL, NULL));
  PetscCall(PetscOptionsReal("-hr", "Depth right of the dam (> 0)", "", d.hR, &d.hR, NULL));
  PetscCall(PetscOptionsReal("-x0", "Dam position", "", d.x0, &d.x0, NULL));
  PetscCall(PetscOptionsReal("-tfinal", "Final time", "", tfinal, &tfinal, NULL));
  PetscCall(PetscOptionsInt("-nout", "Number of output times", "", nout, &nout, NULL));
  PetscCall(PetscOptionsString("-o", "HDF5 output file", "", file, file, sizeof(file), NULL));
  PetscCall(PetscOptionsReal("-max_l1", "Fail if the final L1 error exceeds this (negative: no check)", "", maxL1, &maxL1, NULL));
  PetscOptionsEnd();
  PetscCheck(nout >= 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-nout must be positive, found %" PetscInt_FMT, nout);
  PetscCheck(tfinal > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-tfinal must be positive, found %g", (double)tfinal);

  PetscCall(CfxFVCreate(PETSC_COMM_WORLD, &fv));
  PetscCall(CfxFVSetPhysicalFlux(fv, CFXFV_SHALLOW_WATER));
  PetscCall(CfxFVSetGrid(fv, 400, 0, 1));
  PetscCall(CfxFVSetRiemannType(fv, CFXFV_RIEMANN_HLL));
  PetscCall(CfxFVSetBCType(fv, CFXFV_BC_OUTFLOW));
  PetscCall(CfxFVSetFromOptions(fv));
  PetscCall(CfxFVGetFluxParameter(fv, "g", &d.g));
  PetscCall(CfxFVView(fv, NULL));
  PetscCall(CfxFVShallowWaterStarState(d.g, d.hL, 0, d.hR, 0, &hs, &vs));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "exact star state: h* = %.10f, v* = %.10f\n", (double)hs, (double)vs));
  PetscCall(CfxFVSetInitialCondition(fv, Exact, &d));

  PetscCall(PetscViewerHDF5Open(PETSC_COMM_WORLD, file, FILE_MODE_WRITE, &d.h5));
  PetscCall(PetscViewerHDF5WriteAttribute(d.h5, "/", "pde", PETSC_STRING, "shallow_water"));
  PetscCall(PetscViewerHDF5WriteAttribute(d.h5, "/", "components", PETSC_STRING, "h, hu"));
  PetscCall(CfxFVGetDM(fv, &da));
  PetscCall(DMGetCoordinates(da, &x));
  PetscCall(PetscObjectSetName((PetscObject)x, "x"));
  PetscCall(VecView(x, d.h5));
  PetscCall(PetscMalloc3(nout, &times, nout, &d.names, nout, &d.frameTime));
  for (PetscInt k = 0; k < nout; k++) times[k] = tfinal * (k + 1) / nout;
  PetscCall(CfxFVSolve(fv, nout, times, WriteFrame, &d));

  /* L1 error of each component against the exact cell averages */
  PetscCall(CfxFVGetSolution(fv, &U));
  PetscCall(CfxFVGetGrid(fv, &N, &xmin, &xmax));
  PetscCall(VecDuplicate(U, &E));
  PetscCall(CfxFVProjectFunction(fv, tfinal, Exact, &d, E));
  PetscCall(VecAXPY(E, -1, U));
  PetscCall(VecStrideNorm(E, 0, NORM_1, &err[0]));
  PetscCall(VecStrideNorm(E, 1, NORM_1, &err[1]));
  err[0] *= (xmax - xmin) / N;
  err[1] *= (xmax - xmin) / N;
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "t = %g, N = %" PetscInt_FMT ": L1 error against the exact solution: h %.3e, hu %.3e\n", (double)tfinal, N, (double)err[0], (double)err[1]));
  if (maxL1 >= 0) PetscCheck(err[0] + err[1] <= maxL1, PETSC_COMM_WORLD, PETSC_ERR_NOT_CONVERGED, "L1 error %g exceeds -max_l1 %g", (double)(err[0] + err[1]), (double)maxL1);
  PetscCall(PetscViewerDestroy(&d.h5));
  { /* XDMF sidecar (rank 0, once the HDF5 file is closed): h and hu of the frames q_NNNN over x */
    char xmf[PETSC_MAX_PATH_LEN];
    const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file, *comps[2] = {"h", "hu"};
    const char **names;
    PetscMPIInt rank;
    PetscCall(PetscMalloc1(d.nframes, &names));
    PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
    for (PetscInt k = 0; k < d.nframes; k++) names[k] = d.names[k];
    PetscCall(PetscSNPrintf(xmf, sizeof(xmf), "%s.xmf", file));
    if (rank == 0) PetscCall(CfxXdmfWriteFrames(PETSC_COMM_SELF, xmf, base, "x", N, d.nframes, names, d.frameTime, 2, comps));
    PetscCall(PetscFree(names));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "wrote %" PetscInt_FMT " output times to %s and %s.xmf\n", d.nframes, file, file));

  PetscCall(VecDestroy(&E));
  PetscCall(PetscFree3(times, d.names, d.frameTime));
  PetscCall(CfxFVDestroy(&fv));
  PetscCall(CfxFinalize());
  return 0;
}
