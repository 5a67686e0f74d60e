static const char help[] = "Burgers' equation u_t + (u^2/2)_x = 0 with the CfxFV finite-volume solver.\n"
                           "  -problem riemann : a jump uL | uR at x0 on [0, 1] (outflow); a shock when uL > uR, moving at\n"
                           "                     the Rankine-Hugoniot speed (uL + uR)/2, else a rarefaction fan;\n"
                           "  -problem smooth  : u0 = a + b sin(2 pi x) (periodic), which steepens into a shock at the\n"
                           "                     breaking time 1/(2 pi b); before it the solution is checked against\n"
                           "                     characteristics, after it the shock travels with the mean a.\n"
                           "Writes every output time to an HDF5 file (one dataset u_NNNN [N] per time, attribute 'time';\n"
                           "cell centres x [N]) and an XDMF sidecar FILE.xmf (a temporal collection; open it in ParaView).\n"
                           "Options:\n"
                           "  -problem <riemann|smooth>  (default riemann)\n"
                           "  -ul <1> -ur <0> -x0 <0.25>  Riemann states and jump position\n"
                           "  -a <0.5> -b <0.5>          smooth start\n"
                           "  -tfinal <t>                final time (riemann 0.5; smooth 2 breaking times)\n"
                           "  -nout <10>                 number of equally spaced output times\n"
                           "  -o <burgers_shock.h5>      output file\n"
                           "  -max_l1 <e>, -max_shock_cells <c>  fail if the final L1 error / shock offset exceeds them\n"
                           "plus every -fv_ option of CfxFV (-fv_n, -fv_riemann, -fv_reconstruction, ...; see -help).\n"
                           "Run: mpiexec -n 2 ./burgers_shock -problem smooth -fv_n 400 -fv_monitor\n";

#include <conflux/conflux.h>
#include <petscviewerhdf5.h>
#include <string.h>

typedef struct {
  PetscBool smooth;
  PetscReal uL, uR, x0, a, b;
  PetscViewer h5;
  PetscInt frame;    /* frames written so far (CfxFVSolve numbers its outputs per call) */
  char (*names)[32]; /* dataset name and time of each frame, for the XDMF sidecar */
  PetscReal *frameTime;
} Problem;

static PetscErrorCode Exact(PetscReal x, PetscReal t, PetscReal *u, void *ctx)
{
  Problem *p = (Problem *)ctx;

  if (p->smooth) { /* characteristics, valid before the breaking time: xi + u0(xi) t = x */
    PetscReal xi = x - (p->a + p->b * PetscSinReal(2 * PETSC_PI * x)) * t;
    for (int it = 0; it < 100; it++) {
      PetscReal u0 = p->a + p->b * PetscSinReal(2 * PETSC_PI * xi), step = (xi + u0 * t - x) / (1 + 2 * PETSC_PI * p->b * PetscCosReal(2 * PETSC_PI * xi) * t);
      xi -= step;
      if (PetscAbsReal(step) < 1e-15) break;
    }
    u[0] = p->a + p->b * PetscSinReal(2 * PETSC_PI * xi);
  } else {
    PetscReal xi = t > 0 ? (x - p->x0) / t : (x < p->x0 ? -1e300 : 1e300);
    if (p->uL > p->uR)
      u[0] = xi < 0.5 * (p->uL + p->uR) ? p->uL : p->uR;
    else
      u[0] = xi <= p->uL ? p->uL : (xi >= p->uR ? p->uR : xi);
  }
  return 0;
}

static PetscErrorCode WriteFrame(CfxFV fv, PetscInt k, PetscReal t, Vec U, void *ctx)
{
  Problem *p = (Problem *)ctx;
  char *name = p->names[p->frame];

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(name, sizeof(p->names[0]), "u_%04" PetscInt_FMT, p->frame));
  p->frameTime[p->frame++] = t;
  PetscCall(PetscObjectSetName((PetscObject)U, name));
  PetscCall(VecView(U, p->h5));
  PetscCall(PetscViewerHDF5WriteObjectAttribute(p->h5, (PetscObject)U, "time", PETSC_REAL, &t));
  PetscFunctionReturn(0);
}

/* Steepest descent of u (largest u_i - u_{i+1}) on the gathered solution: the shock's cell
   face, refined to where u crosses the mean of the two states around it. */
static PetscErrorCode ShockPosition(CfxFV fv, PetscReal *xs)
{
  Vec U, all;
  VecScatter sc;
  const PetscReal *u;
  PetscInt N, imax = 0;
  PetscReal xmin, xmax, dx, jump = -1;

  PetscFunctionBeginUser;
  PetscCall(CfxFVGetSolution(fv, &U));
  PetscCall(CfxFVGetGrid(fv, &N, &xmin, &xmax));
  dx = (xmax - xmin) / N;
  PetscCall(VecScatterCreateToAll(U, &sc, &all));
  PetscCall(VecScatterBegin(sc, U, all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(sc, U, all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecGetArrayRead(all, &u));
  for (PetscInt i = 0; i < N; i++) {
    PetscReal d = u[i] - u[(i + 1) % N];
    if (d > jump) {
      jump = d;
      imax = i;
    }
  }
  { /* the crossing of the mid level between the states 3 cells either side */
    PetscReal hi = u[(imax - 3 + N) % N], lo = u[(imax + 4) % N], mid = 0.5 * (hi + lo);
    *xs = xmin + (imax + 0.5) * dx;
    for (PetscInt j = -3; j <= 3; j++) {
      PetscReal a = u[(imax + j + N) % N], b = u[(imax + j + 1 + N) % N];
      if (a >= mid && b < mid) {
        *xs = xmin + (imax + j + 0.5) * dx + dx * (a - mid) / (a - b);
        break;
      }
    }
  }
  PetscCall(VecRestoreArrayRead(all, &u));
  PetscCall(VecDestroy(&all));
  PetscCall(VecScatterDestroy(&sc));
  PetscFunctionReturn(0);
}

static PetscErrorCode L1Error(CfxFV fv, PetscReal t, Problem *p, PetscReal *err)
{
  Vec U, E;
  PetscInt N;
  PetscReal xmin, xmax;

  PetscFunctionBeginUser;
  PetscCall(CfxFVGetSolution(fv, &U));
  PetscCall(CfxFVGetGrid(fv, &N, &xmin, &xmax));
  PetscCall(VecDuplicate(U, &E));
  PetscCall(CfxFVProjectFunction(fv, t, Exact, p, E));
  PetscCall(VecAXPY(E, -1, U));
  PetscCall(VecNorm(E, NORM_1, err));
  *err *= (xmax - xmin) / N;
  PetscCall(VecDestroy(&E));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  Problem p        = {.smooth = PETSC_FALSE, .uL = 1, .uR = 0, .x0 = 0.25, .a = 0.5, .b = 0.5};
  char problem[32] = "riemann", file[PETSC_MAX_PATH_LEN] = "burgers_shock.h5";
  PetscInt nout    = 10, N;
  PetscReal tfinal = -1, *times, maxL1 = -1, maxCells = -1, tb = 0, dx, err, xs, xexact;
  CfxFV fv;
  Vec x;
  DM da;

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "Burgers shock example", "");
  PetscCall(PetscOptionsString("-problem", "riemann or smooth", "", problem, problem, sizeof(problem), NULL));
  PetscCall(PetscOptionsReal("-ul", "Left state of the Riemann problem", "", p.uL, &p.uL, NULL));
  PetscCall(PetscOptionsReal("-ur", "Right state of the Riemann problem", "", p.uR, &p.uR, NULL));
  PetscCall(PetscOptionsReal("-x0", "Position of the jump", "", p.x0, &p.x0, NULL));
  PetscCall(PetscOptionsReal("-a", "Mean of the smooth start", "", p.a, &p.a, NULL));
  PetscCall(PetscOptionsReal("-b", "Amplitude of the smooth start", "", p.b, &p.b, NULL));
  PetscCall(PetscOptionsReal("-tfinal", "Final time (negative: problem default)", "", tfinal, &tfinal, NULL));
  PetscCall(PetscOptionsInt("-nout", "Number of output times", "", nout, &nout, NULL));
  PetscCall(PetscOptionsString("-o", "HDF5 output file", "", file, file, sizeof(file), NULL));
  PetscCall(PetscOptionsReal("-max_l1", "Fail if the final L1 error exceeds this (negative: no check)", "", maxL1, &maxL1, NULL));
  PetscCall(PetscOptionsReal("-max_shock_cells", "Fail if the shock is off by more cells than this (negative: no check)", "", maxCells, &maxCells, NULL));
  PetscOptionsEnd();
  PetscCheck(!strcmp(problem, "riemann") || !strcmp(problem, "smooth"), PETSC_COMM_WORLD, PETSC_ERR_ARG_UNKNOWN_TYPE, "Unknown -problem %s; valid: riemann, smooth", problem);
  PetscCheck(nout >= 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-nout must be positive, found %" PetscInt_FMT, nout);
  p.smooth = (PetscBool)!strcmp(problem, "smooth");
  if (p.smooth) {
    PetscCheck(p.b > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-b must be positive, found %g", (double)p.b);
    tb = 1 / (2 * PETSC_PI * p.b);
    if (tfinal < 0) tfinal = 2 * tb;
  } else if (tfinal < 0)
    tfinal = 0.5;

  PetscCall(CfxFVCreate(PETSC_COMM_WORLD, &fv));
  PetscCall(CfxFVSetPhysicalFlux(fv, CFXFV_BURGERS));
  PetscCall(CfxFVSetGrid(fv, 400, 0, 1));
  PetscCall(CfxFVSetBCType(fv, p.smooth ? CFXFV_BC_PERIODIC : CFXFV_BC_OUTFLOW));
  PetscCall(CfxFVSetFromOptions(fv));
  PetscCall(CfxFVView(fv, NULL));
  PetscCall(CfxFVSetInitialCondition(fv, Exact, &p));
  PetscCall(CfxFVGetGrid(fv, &N, NULL, NULL));
  dx = 1.0 / N;

  PetscCall(PetscViewerHDF5Open(PETSC_COMM_WORLD, file, FILE_MODE_WRITE, &p.h5));
  PetscCall(PetscViewerHDF5WriteAttribute(p.h5, "/", "pde", PETSC_STRING, "burgers"));
  PetscCall(PetscViewerHDF5WriteAttribute(p.h5, "/", "problem", PETSC_STRING, problem));
  PetscCall(CfxFVGetDM(fv, &da));
  PetscCall(DMGetCoordinates(da, &x));
  PetscCall(PetscObjectSetName((PetscObject)x, "x"));
  PetscCall(VecView(x, p.h5));

  PetscCall(PetscMalloc3(nout, &times, nout, &p.names, nout, &p.frameTime));
  if (p.smooth) { /* the first output just before breaking, where characteristics still hold */
    times[0] = 0.9 * tb;
    for (PetscInt k = 1; k < nout; k++) times[k] = times[0] + (tfinal - times[0]) * k / (nout - 1);
    PetscCall(CfxFVSolve(fv, 1, times, WriteFrame, &p));
    PetscCall(L1Error(fv, times[0], &p, &err));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "smooth start: breaking time %.6f; at t = %.6f the L1 error against characteristics is %.3e\n", (double)tb, (double)times[0], (double)err));
    if (nout > 1) PetscCall(CfxFVSolve(fv, nout - 1, times + 1, WriteFrame, &p));
    PetscCall(ShockPosition(fv, &xs));
    xexact = PetscFmodReal(0.5 + p.a * tfinal, 1.0); /* the shock forms at the down-slope zero of sin and moves with the mean a */
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "shock at t = %.4f: x = %.5f, expected %.5f (mean speed a = %g): off by %.2f cells\n", (double)tfinal, (double)xs, (double)xexact, (double)p.a,
                          (double)((xs - xexact) / dx)));
  } else {
    for (PetscInt k = 0; k < nout; k++) times[k] = tfinal * (k + 1) / nout;
    PetscCall(CfxFVSolve(fv, nout, times, WriteFrame, &p));
    PetscCall(L1Error(fv, tfinal, &p, &err));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "Riemann problem uL = %g, uR = %g at t = %g: L1 error against the exact solution %.3e\n", (double)p.uL, (double)p.uR, (double)tfinal, (double)err));
    if (p.uL > p.uR) {
      PetscCall(ShockPosition(fv, &xs));
      xexact = p.x0 + 0.5 * (p.uL + p.uR) * tfinal;
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "shock at x = %.5f, Rankine-Hugoniot %.5f: off by %.2f cells\n", (double)xs, (double)xexact, (double)((xs - xexact) / dx)));
    } else
      xs = xexact = 0;
    if (maxL1 >= 0) PetscCheck(err <= maxL1, PETSC_COMM_WORLD, PETSC_ERR_NOT_CONVERGED, "L1 error %g exceeds -max_l1 %g", (double)err, (double)maxL1);
  }
  if (maxCells >= 0)
    PetscCheck(PetscAbsReal(xs - xexact) <= maxCells * dx, PETSC_COMM_WORLD, PETSC_ERR_NOT_CONVERGED, "Shock off by %g cells, more than -max_shock_cells %g", (double)(PetscAbsReal(xs - xexact) / dx),
               (double)maxCells);
  if (p.smooth && maxL1 >= 0) PetscCheck(err <= maxL1, PETSC_COMM_WORLD, PETSC_ERR_NOT_CONVERGED, "L1 error %g before breaking exceeds -max_l1 %g", (double)err, (double)maxL1);
  PetscCall(PetscViewerDestroy(&p.h5));
  { /* XDMF sidecar (rank 0, once the HDF5 file is closed): the frames u_NNNN over the cell centres x */
    char xmf[PETSC_MAX_PATH_LEN];
    const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    const char **names;
    PetscMPIInt rank;
    PetscCall(PetscMalloc1(p.frame, &names));
    PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
    for (PetscInt k = 0; k < p.frame; k++) names[k] = p.names[k];
    PetscCall(PetscSNPrintf(xmf, sizeof(xmf), "%s.xmf", file));
    if (rank == 0) PetscCall(CfxXdmfWriteFrames(PETSC_COMM_SELF, xmf, base, "x", N, p.frame, names, p.frameTime, 0, NULL));
    PetscCall(PetscFree(names));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "wrote %" PetscInt_FMT " output times to %s and %s.xmf\n", p.frame, file, file));

  PetscCall(PetscFree3(times, p.names, p.frameTime));
  PetscCall(CfxFVDestroy(&fv));
  PetscCall(CfxFinalize());
  return 0;
}
