/* conflux simulate: a classical solver over many random initial conditions, written as a
   PDEBench-layout HDF5 dataset. Samples are distributed over MPI ranks (each rank runs its
   samples with a solver on PETSC_COMM_SELF) and sample i depends only on (seed, i), so a file
   is bitwise the same for any number of ranks and either schedule. By default a rank takes
   the next sample from a shared counter whenever it is free (dynamic schedule): samples differ
   in cost (the CFL step follows each one's wave speed) and cores in speed, and a fixed split
   leaves the faster rank waiting. */
#include "commands.h"
#include <petsctime.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

typedef enum { PDE_ADVECTION, PDE_BURGERS, PDE_VISCOUS_BURGERS, PDE_CUBIC, PDE_SINE, PDE_BUCKLEY_LEVERETT, PDE_SHALLOW_WATER } PDEType;
static const char *const PDETypes[] = {"advection", "burgers", "viscous_burgers", "cubic", "sine", "buckley_leverett", "shallow_water", "PDEType", "PDE_", NULL};
/* The FV physical flux of each PDE and the names of its coefficients (FV flux parameters). */
static const char *const PDEFlux[]     = {CFXFV_ADVECTION, CFXFV_BURGERS, CFXFV_BURGERS, CFXFV_CUBIC, CFXFV_SINE, CFXFV_BUCKLEY_LEVERETT, CFXFV_SHALLOW_WATER};
static const char *const PDECoefs[][3] = {{"c", NULL, NULL}, {NULL, NULL, NULL}, {NULL, NULL, NULL}, {"a", "b", "c"}, {"a", "b", NULL}, {"M", NULL, NULL}, {"g", NULL, NULL}};

typedef enum { SOLVER_FV, SOLVER_SPECTRAL } SolverType;
static const char *const SolverTypes[] = {"fv", "spectral", "SolverType", "SOLVER_", NULL};

typedef enum { SCHEDULE_STATIC, SCHEDULE_DYNAMIC } ScheduleType;
static const char *const ScheduleTypes[] = {"static", "dynamic", "ScheduleType", "SCHEDULE_", NULL};

typedef struct {
  MPI_Comm comm;
  PDEType pde;
  SolverType solver;
  PetscInt nx, ns, nt, ncomp;
  PetscReal xmin, xmax, tfinal, nu;
  PetscBool nuRandom; /* -nu_range: viscosity drawn per sample in [nuLo, nuHi] */
  PetscReal nuLo, nuHi;
  PetscInt seed;
  CfxIC ic;
  /* coefficients: name, range; a sample draws each uniformly in [lo, hi] (lo = hi: fixed) */
  PetscInt ncoef;
  const char *coefName[3];
  PetscReal coefLo[3], coefHi[3];
  PetscBool coefRandom[3];
  char out[PETSC_MAX_PATH_LEN];
  PetscBool monitor;
  PetscReal *times;
} SimCtx;

static PetscErrorCode SimSetFromOptions(SimCtx *sim)
{
  PetscInt ipde = PDE_BURGERS, isolver = SOLVER_FV;
  PetscBool set;

  PetscFunctionBegin;
  sim->nx     = 256;
  sim->ns     = 16;
  sim->nt     = 101;
  sim->xmin   = 0;
  sim->xmax   = 1;
  sim->tfinal = 1;
  sim->nu     = -1;
  sim->seed   = 0;
  sim->out[0] = 0;
  PetscOptionsBegin(sim->comm, NULL, "conflux simulate options", "conflux");
  PetscCall(PetscOptionsEList("-pde", "Conservation law", NULL, PDETypes, 7, PDETypes[ipde], &ipde, NULL));
  PetscCall(PetscOptionsEList("-solver", "Solver: fv (CfxFV, all PDEs) or spectral (viscous Burgers only)", NULL, SolverTypes, 2, SolverTypes[isolver], &isolver, NULL));
  PetscCall(PetscOptionsInt("-nx", "Number of cells", NULL, sim->nx, &sim->nx, NULL));
  PetscCall(PetscOptionsInt("-nsamples", "Number of samples (trajectories)", NULL, sim->ns, &sim->ns, NULL));
  PetscCall(PetscOptionsInt("-nt", "Number of frames, including t = 0", NULL, sim->nt, &sim->nt, NULL));
  PetscCall(PetscOptionsReal("-t_final", "Time of the last frame", NULL, sim->tfinal, &sim->tfinal, NULL));
  PetscCall(PetscOptionsReal("-xmin", "Left end of the periodic domain", NULL, sim->xmin, &sim->xmin, NULL));
  PetscCall(PetscOptionsReal("-xmax", "Right end of the periodic domain", NULL, sim->xmax, &sim->xmax, NULL));
  PetscCall(PetscOptionsReal("-nu", "Viscosity (viscous_burgers: default 0.01; other PDEs: default 0)", NULL, sim->nu, &sim->nu, NULL));
  {
    PetscReal range[2];
    PetscInt n = 2;
    PetscCall(PetscOptionsRealArray("-nu_range", "Range lo,hi of the viscosity, drawn uniformly per sample after the flux coefficients (overrides -nu)", NULL, range, &n, &sim->nuRandom));
    if (sim->nuRandom) {
      PetscCheck(n == 2 && 0 < range[0] && range[0] <= range[1], sim->comm, PETSC_ERR_ARG_OUTOFRANGE, "-nu_range expects two numbers lo,hi with 0 < lo <= hi; found %" PetscInt_FMT " value(s)", n);
      sim->nuLo = range[0];
      sim->nuHi = range[1];
      sim->nu   = range[1]; /* positive: the params column "nu" exists; each sample sets its own */
    }
  }
  PetscCall(PetscOptionsInt("-seed", "Random seed; sample i depends only on (seed, i)", NULL, sim->seed, &sim->seed, NULL));
  PetscCall(PetscOptionsString("-o", "Output HDF5 file (written as FILE.tmp, renamed on success)", NULL, sim->out, sim->out, sizeof(sim->out), &set));
  PetscCall(PetscOptionsBool("-simulate_monitor", "Progress line (samples/s, ETA) on rank 0", NULL, sim->monitor, &sim->monitor, NULL));
  sim->pde    = (PDEType)ipde;
  sim->solver = (SolverType)isolver;
  sim->ncoef  = 0;
  for (PetscInt i = 0; i < 3 && PDECoefs[ipde][i]; i++) {
    char opt[64], text[128];
    PetscReal range[2];
    PetscInt n       = 2;
    sim->coefName[i] = PDECoefs[ipde][i];
    PetscCall(PetscSNPrintf(opt, sizeof(opt), "-coef_%s_range", PDECoefs[ipde][i]));
    PetscCall(PetscSNPrintf(text, sizeof(text), "Range lo,hi of the flux coefficient %s, drawn uniformly per sample (default: the flux's default, fixed)", PDECoefs[ipde][i]));
    PetscCall(PetscOptionsRealArray(opt, text, NULL, range, &n, &set));
    sim->coefRandom[i] = set;
    if (set) {
      PetscCheck(n == 2 && range[0] <= range[1], sim->comm, PETSC_ERR_ARG_OUTOFRANGE, "%s expects two numbers lo,hi with lo <= hi; found %" PetscInt_FMT " value(s)%s", opt, n,
                 n == 2 ? " with lo > hi" : "");
      sim->coefLo[i] = range[0];
      sim->coefHi[i] = range[1];
    }
    sim->ncoef++;
  }
  PetscOptionsEnd();

  PetscCheck(sim->out[0], sim->comm, PETSC_ERR_ARG_WRONG, "no output file: give -o FILE.h5");
  PetscCheck(sim->nx >= 8, sim->comm, PETSC_ERR_ARG_OUTOFRANGE, "-nx must be >= 8, found %" PetscInt_FMT, sim->nx);
  PetscCheck(sim->ns >= 1, sim->comm, PETSC_ERR_ARG_OUTOFRANGE, "-nsamples must be >= 1, found %" PetscInt_FMT, sim->ns);
  PetscCheck(sim->nt >= 2, sim->comm, PETSC_ERR_ARG_OUTOFRANGE, "-nt must be >= 2 (t = 0 and t_final), found %" PetscInt_FMT, sim->nt);
  PetscCheck(sim->tfinal > 0, sim->comm, PETSC_ERR_ARG_OUTOFRANGE, "-t_final must be > 0, found %g", (double)sim->tfinal);
  PetscCheck(sim->xmax > sim->xmin, sim->comm, PETSC_ERR_ARG_OUTOFRANGE, "-xmax must exceed -xmin, found [%g, %g]", (double)sim->xmin, (double)sim->xmax);
  if (sim->nu < 0) sim->nu = sim->pde == PDE_VISCOUS_BURGERS ? 0.01 : 0.0;
  PetscCheck(sim->pde != PDE_VISCOUS_BURGERS || sim->nu > 0, sim->comm, PETSC_ERR_ARG_OUTOFRANGE, "-pde viscous_burgers needs -nu > 0, found %g", (double)sim->nu);
  PetscCheck(sim->solver != SOLVER_SPECTRAL || (sim->pde == PDE_VISCOUS_BURGERS || (sim->pde == PDE_BURGERS && sim->nu > 0)), sim->comm, PETSC_ERR_ARG_INCOMP,
             "-solver spectral solves viscous Burgers only (-pde viscous_burgers, or burgers with -nu > 0); found -pde %s with nu = %g", PDETypes[sim->pde], (double)sim->nu);
  sim->ncomp = sim->pde == PDE_SHALLOW_WATER ? 2 : 1;

  PetscCall(CfxICCreate(PETSC_COMM_SELF, &sim->ic));
  PetscCall(CfxICSetDomain(sim->ic, sim->xmin, sim->xmax));
  PetscCall(CfxICSetFromOptions(sim->ic));
  PetscCall(PetscMalloc1(sim->nt, &sim->times));
  for (PetscInt k = 0; k < sim->nt; k++) sim->times[k] = sim->tfinal * k / (sim->nt - 1);
  PetscFunctionReturn(0);
}

/* Maps a random field v (unit scale) to admissible initial data of the PDE:
   Buckley-Leverett saturations must lie in [0, 1] (logistic map), shallow-water depths must be
   positive (h = 1 + v/4, velocity 0); a non-positive depth is an error, not clipped. */
static PetscErrorCode AdmissibleState(SimCtx *sim, PetscInt i, const PetscReal v[], PetscReal u[])
{
  PetscFunctionBegin;
  for (PetscInt j = 0; j < sim->nx; j++) {
    switch (sim->pde) {
      case PDE_BUCKLEY_LEVERETT: u[j] = 1.0 / (1.0 + PetscExpReal(-2.0 * v[j])); break;
      case PDE_SHALLOW_WATER:
        u[2 * j]     = 1.0 + 0.25 * v[j];
        u[2 * j + 1] = 0.0;
        PetscCheck(u[2 * j] > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "sample %" PetscInt_FMT ": initial depth h = 1 + v/4 = %g <= 0 at cell %" PetscInt_FMT "; lower -ic_amplitude", i,
                   (double)u[2 * j], j);
        break;
      default: u[j] = v[j];
    }
  }
  PetscFunctionReturn(0);
}

typedef struct {
  PetscReal *U; /* [nt, nx, ncomp] of the sample being computed */
  PetscInt n;
} FrameCtx;

static PetscErrorCode StoreFrame(CfxFV fv, PetscInt k, PetscReal t, Vec U, void *ctx)
{
  FrameCtx *fc = (FrameCtx *)ctx;
  const PetscScalar *u;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(U, &u));
  for (PetscInt j = 0; j < fc->n; j++) fc->U[k * fc->n + j] = PetscRealPart(u[j]);
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscFunctionReturn(0);
}

/* The solver of one rank, set up once and reused for all its samples: creating a DMDA, TS
   and options database pass per sample costs more than a short sample's steps. Each sample
   sets its own initial state, coefficients and t = 0, so the result is the same as with a
   fresh solver (the scheme keeps no state between steps but the solution). */
typedef struct {
  CfxFV fv;
  CfxSpectralBurgers sb;
  PetscReal *v, *u0; /* the random field and the admissible initial state of a sample */
  PetscInt steps;    /* time steps of the last sample (FV) */
} SimWorker;

static PetscErrorCode SimWorkerCreate(SimCtx *sim, SimWorker *w)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(w, sizeof(*w)));
  PetscCall(PetscMalloc2(sim->nx, &w->v, sim->nx * sim->ncomp, &w->u0));
  if (sim->solver == SOLVER_SPECTRAL) {
    PetscCall(CfxSpectralBurgersCreate(PETSC_COMM_SELF, &w->sb));
    PetscCall(CfxSpectralBurgersSetGrid(w->sb, sim->nx, sim->xmin, sim->xmax));
    PetscCall(CfxSpectralBurgersSetViscosity(w->sb, sim->nu));
    PetscCall(CfxSpectralBurgersSetFromOptions(w->sb));
  } else {
    PetscCall(CfxFVCreate(PETSC_COMM_SELF, &w->fv));
    PetscCall(CfxFVSetGrid(w->fv, sim->nx, sim->xmin, sim->xmax));
    PetscCall(CfxFVSetPhysicalFlux(w->fv, PDEFlux[sim->pde]));
    PetscCall(CfxFVSetViscosity(w->fv, sim->nu));
    PetscCall(CfxFVSetFromOptions(w->fv));
    PetscCall(CfxFVSetUp(w->fv));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode SimWorkerDestroy(SimWorker *w)
{
  PetscFunctionBegin;
  PetscCall(CfxFVDestroy(&w->fv));
  PetscCall(CfxSpectralBurgersDestroy(&w->sb));
  PetscCall(PetscFree2(w->v, w->u0));
  PetscFunctionReturn(0);
}

/* One sample: initial data and coefficients from stream i of the seed, then the solver. */
static PetscErrorCode SimulateSample(SimCtx *sim, SimWorker *w, PetscInt i, PetscReal U[], PetscReal params[])
{
  CfxRNG rng;
  PetscInt fs = sim->nx * sim->ncomp;

  PetscFunctionBegin;
  PetscCall(CfxRNGSetSeed(&rng, (uint64_t)sim->seed, (uint64_t)i));
  PetscCall(CfxICSample(sim->ic, &rng, sim->nx, w->v));
  PetscCall(AdmissibleState(sim, i, w->v, w->u0));
  for (PetscInt c = 0; c < sim->ncoef; c++) params[c] = sim->coefRandom[c] ? sim->coefLo[c] + (sim->coefHi[c] - sim->coefLo[c]) * CfxRNGUniform(&rng) : 0;
  if (sim->nuRandom) {
    /* drawn after the coefficients, so adding -nu_range leaves them unchanged; CfxFV takes its
       viscosity before set-up, so this sample gets a fresh solver */
    PetscReal nu = sim->nuLo + (sim->nuHi - sim->nuLo) * CfxRNGUniform(&rng);
    sim->nu      = nu;
    if (sim->solver == SOLVER_SPECTRAL)
      PetscCall(CfxSpectralBurgersSetViscosity(w->sb, nu));
    else {
      PetscCall(CfxFVDestroy(&w->fv));
      PetscCall(CfxFVCreate(PETSC_COMM_SELF, &w->fv));
      PetscCall(CfxFVSetGrid(w->fv, sim->nx, sim->xmin, sim->xmax));
      PetscCall(CfxFVSetPhysicalFlux(w->fv, PDEFlux[sim->pde]));
      PetscCall(CfxFVSetViscosity(w->fv, nu));
      PetscCall(CfxFVSetFromOptions(w->fv));
      PetscCall(CfxFVSetUp(w->fv));
    }
  }
  if (sim->solver == SOLVER_SPECTRAL) {
    PetscCall(CfxSpectralBurgersSolve(w->sb, 0.0, w->u0, sim->nt, sim->times, U));
  } else {
    Vec X;
    PetscScalar *x;
    PetscInt steps0;
    FrameCtx fc = {U, fs};

    for (PetscInt c = 0; c < sim->ncoef; c++) {
      if (sim->coefRandom[c])
        PetscCall(CfxFVSetFluxParameter(w->fv, sim->coefName[c], params[c]));
      else
        PetscCall(CfxFVGetFluxParameter(w->fv, sim->coefName[c], &params[c])); /* the default or -fv_flux_<name> */
    }
    PetscCall(CfxFVGetSolution(w->fv, &X));
    PetscCall(VecGetArray(X, &x));
    for (PetscInt j = 0; j < fs; j++) x[j] = w->u0[j];
    PetscCall(VecRestoreArray(X, &x));
    PetscCall(CfxFVSetTime(w->fv, 0.0));
    PetscCall(CfxFVGetStepCount(w->fv, &steps0));
    PetscCall(CfxFVSolve(w->fv, sim->nt, sim->times, StoreFrame, &fc));
    PetscCall(CfxFVGetStepCount(w->fv, &w->steps));
    w->steps -= steps0;
  }
  if (sim->pde == PDE_VISCOUS_BURGERS || sim->nu > 0) params[sim->ncoef] = sim->nu;
  for (PetscInt k = 0; k < sim->nt * fs; k++) {
    if (PetscUnlikely(PetscIsInfOrNanReal(U[k])))
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FP, "sample %" PetscInt_FMT " (seed %" PetscInt_FMT ") blew up: non-finite value at t = %g, cell %" PetscInt_FMT "; lower -fv_cfl or change the scheme", i,
              sim->seed, (double)sim->times[k / fs], (k % fs) / sim->ncomp);
  }
  PetscFunctionReturn(0);
}

static void FormatDuration(double s, char buf[], size_t len)
{
  long t = (long)(s + 0.5);
  if (t >= 3600)
    snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  else
    snprintf(buf, len, "%02ld:%02ld", t / 60, t % 60);
}

static PetscErrorCode WriteAttributes(SimCtx *sim, CfxDataset ds, int argc, char **argv)
{
  char buf[PETSC_MAX_PATH_LEN * 4];

  PetscFunctionBegin;
  PetscCall(CfxDatasetSetAttribute(ds, "pde", PDETypes[sim->pde]));
  PetscCall(CfxDatasetSetAttribute(ds, "flux", PDEFlux[sim->pde]));
  /* The scheme attribute is the solver's own description of its configuration, so it records
     what ran (defaults included), not just what was typed. */
  {
    PetscViewer sv;
    char desc[2048];
    PetscReal cfl = 0.5; /* CfxFV's default Courant number */
    PetscBool set;

    FILE *fp = fmemopen(desc, sizeof(desc), "w");

    PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_SYS, "fmemopen failed");
    PetscCall(PetscMemzero(desc, sizeof(desc)));
    PetscCall(PetscViewerASCIIOpenWithFILE(PETSC_COMM_SELF, fp, &sv));
    if (sim->solver == SOLVER_SPECTRAL) {
      CfxSpectralBurgers sb;
      PetscCall(CfxSpectralBurgersCreate(PETSC_COMM_SELF, &sb));
      PetscCall(CfxSpectralBurgersSetGrid(sb, sim->nx, sim->xmin, sim->xmax));
      PetscCall(CfxSpectralBurgersSetViscosity(sb, sim->nu));
      PetscCall(CfxSpectralBurgersSetFromOptions(sb));
      PetscCall(CfxSpectralBurgersView(sb, sv));
      PetscCall(CfxSpectralBurgersDestroy(&sb));
      PetscCall(CfxDatasetSetAttribute(ds, "cfl", "n/a (fixed -spectral_dt)"));
    } else {
      CfxFV fv;
      PetscCall(CfxFVCreate(PETSC_COMM_SELF, &fv));
      PetscCall(CfxFVSetGrid(fv, sim->nx, sim->xmin, sim->xmax));
      PetscCall(CfxFVSetPhysicalFlux(fv, PDEFlux[sim->pde]));
      PetscCall(CfxFVSetViscosity(fv, sim->nu));
      PetscCall(CfxFVSetFromOptions(fv));
      PetscCall(CfxFVView(fv, sv));
      PetscCall(CfxFVDestroy(&fv));
      PetscCall(PetscOptionsGetReal(NULL, "fv_", "-cfl", &cfl, &set));
      PetscCall(PetscSNPrintf(buf, sizeof(buf), "%.17g", (double)cfl));
      PetscCall(CfxDatasetSetAttribute(ds, "cfl", buf));
    }
    PetscCall(PetscViewerDestroy(&sv));
    fclose(fp);
    desc[sizeof(desc) - 1] = 0;
    for (char *c = desc; *c; c++)
      if (*c == '\n') *c = c[1] ? ';' : 0;
    PetscCall(CfxDatasetSetAttribute(ds, "scheme", desc));
  }
  PetscCall(CfxDatasetSetAttribute(ds, "bc", "periodic"));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "%" PetscInt_FMT, sim->seed));
  PetscCall(CfxDatasetSetAttribute(ds, "seed", buf));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "%.17g", (double)sim->nu));
  PetscCall(CfxDatasetSetAttribute(ds, "nu", buf));
  {
    CfxICType t;
    PetscCall(CfxICGetType(sim->ic, &t));
    PetscCall(CfxDatasetSetAttribute(ds, "ic", CfxICTypes[t]));
  }
  buf[0] = 0;
  PetscCall(PetscStrlcat(buf, "conflux simulate", sizeof(buf)));
  for (int a = 1; a < argc; a++) {
    PetscCall(PetscStrlcat(buf, " ", sizeof(buf)));
    PetscCall(PetscStrlcat(buf, argv[a], sizeof(buf)));
  }
  PetscCall(CfxDatasetSetAttribute(ds, "created_by", buf));
  PetscFunctionReturn(0);
}

/* The batch buffer holds many samples (tens of MB). On Linux it is backed by transparent huge
   pages where the kernel allows them (madvise), so filling it costs one page fault per 2 MB
   instead of one per 4 KB: on virtual machines a page fault can cost tens of microseconds
   (44 us measured on the development VM, i.e. ~0.6 s for 53 MB). Freed with free(). */
static PetscErrorCode BufferAllocate(size_t n, PetscReal **buf)
{
  const size_t align = (size_t)2 << 20, bytes = (n ? n : 1) * sizeof(PetscReal), padded = (bytes + align - 1) / align * align;
  void *p = NULL;

  PetscFunctionBegin;
  PetscCheck(posix_memalign(&p, align, padded) == 0 && p, PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot allocate a sample buffer of %zu bytes; lower -simulate_buffer_mb", padded);
#if defined(MADV_HUGEPAGE)
  (void)madvise(p, padded, MADV_HUGEPAGE); /* advice only: without huge pages it still works */
#endif
  *buf = (PetscReal *)p;
  PetscFunctionReturn(0);
}

/* Which samples a rank computes. Samples go in batches of at most `batch` that are written
   collectively, one call per batch on every rank.
   static:  rank r owns the contiguous block [lo, hi) (CfxDatasetGetOwnership) and batch b is
            the b-th slice of it;
   dynamic: batch b is the slice [b batch, (b + 1) batch) of all samples, split into one
            contiguous share per rank. A rank takes its own share from the front and then helps
            the rank with the most samples left by taking the last sample of that rank's share.
            Each share has one 64-bit counter, held by rank 0 in an MPI window: the low half
            counts samples taken from the front, the high half samples taken from the back, and
            one atomic fetch-and-add on the whole word claims a sample from either end (the
            claim is valid if front + back taken before it is below the share's size), so two
            ranks never take the same sample. Passive target: rank 0 need not take part, and on
            one node the counters live in shared memory. Ranks of different speed, or with
            samples of different cost, then finish a batch within one sample of each other.
            Before the write, samples taken from another rank's share are handed back to that
            rank, so that every rank writes exactly its contiguous share: a collective write of
            interleaved samples was up to 5x slower here (two-phase I/O). */
typedef struct {
  ScheduleType type;
  PetscMPIInt rank, size;
  PetscInt ns, batch, nbatch, lo, hi;
  MPI_Win win;
  int64_t *counter; /* rank 0: counter[b size + r] of rank r's share of batch b */
  int64_t *seen;    /* [size] a snapshot of one batch's counters */
  PetscBool ownDone;
} SampleQueue;

#define QUEUE_BACK ((int64_t)1 << 32) /* one sample taken from the back of a share */

static PetscErrorCode SampleQueueCreate(MPI_Comm comm, ScheduleType type, PetscInt ns, PetscInt lo, PetscInt hi, PetscInt cap, SampleQueue *q)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(q, sizeof(*q)));
  PetscCallMPI(MPI_Comm_rank(comm, &q->rank));
  PetscCallMPI(MPI_Comm_size(comm, &q->size));
  q->type = type;
  q->ns   = ns;
  q->lo   = lo;
  q->hi   = hi;
  q->win  = MPI_WIN_NULL;
  if (type == SCHEDULE_STATIC) {
    q->batch  = PetscMin(PetscMax(hi - lo, 1), cap);
    q->nbatch = (hi - lo + q->batch - 1) / q->batch;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &q->nbatch, 1, MPIU_INT, MPI_MAX, comm));
  } else {
    PetscInt n;
    q->batch  = PetscMin(ns, cap);
    q->nbatch = (ns + q->batch - 1) / q->batch;
    PetscCheck(q->batch < QUEUE_BACK, comm, PETSC_ERR_SUP, "-simulate_schedule dynamic: a batch of %" PetscInt_FMT " samples is too large; lower -simulate_buffer_mb", q->batch);
    n = q->rank == 0 ? q->nbatch * q->size : 0;
    PetscCallMPI(MPI_Win_allocate((MPI_Aint)(n * sizeof(int64_t)), sizeof(int64_t), MPI_INFO_NULL, comm, &q->counter, &q->win));
    PetscCallMPI(MPI_Win_lock_all(MPI_MODE_NOCHECK, q->win));
    for (PetscInt k = 0; k < n; k++) q->counter[k] = 0;
    PetscCallMPI(MPI_Win_sync(q->win));
    PetscCallMPI(MPI_Barrier(comm)); /* the counters are zero before anyone claims */
    PetscCall(PetscMalloc1(q->size, &q->seen));
  }
  PetscFunctionReturn(0);
}

/* Rank r's share of batch b (dynamic): samples [start, start + n), PETSc's PETSC_DECIDE split. */
static void SampleQueueShare(const SampleQueue *q, PetscInt b, PetscInt r, PetscInt *start, PetscInt *n)
{
  PetscInt nb = PetscMin(q->batch, q->ns - b * q->batch), base = nb / q->size, extra = nb % q->size;
  *start = b * q->batch + r * base + PetscMin(r, extra);
  *n     = base + (r < extra);
}

/* Samples of a share not taken yet, from a counter value. */
static PetscInt SampleQueueLeft(int64_t c, PetscInt n) { return PetscMax(0, n - (PetscInt)(c & (QUEUE_BACK - 1)) - (PetscInt)(c / QUEUE_BACK)); }

/* Claims a sample of rank r's share of batch b, from the front (own share) or the back (helping):
 *i is it, or -1 if the share has none left. */
static PetscErrorCode SampleQueueClaim(SampleQueue *q, PetscInt b, PetscInt r, PetscBool back, PetscInt *i)
{
  const int64_t inc = back ? QUEUE_BACK : 1;
  int64_t got;
  PetscInt start, n;

  PetscFunctionBegin;
  SampleQueueShare(q, b, r, &start, &n);
  PetscCallMPI(MPI_Fetch_and_op(&inc, &got, MPI_INT64_T, 0, (MPI_Aint)(b * q->size + r), MPI_SUM, q->win));
  PetscCallMPI(MPI_Win_flush(0, q->win));
  if (!SampleQueueLeft(got, n))
    *i = -1;
  else
    *i = back ? start + n - 1 - (PetscInt)(got / QUEUE_BACK) : start + (PetscInt)(got & (QUEUE_BACK - 1));
  PetscFunctionReturn(0);
}

/* The next sample of batch b for this rank (taken: how many it has had in this batch), or -1
   when the batch has none left. */
static PetscErrorCode SampleQueueNext(SampleQueue *q, PetscInt b, PetscInt taken, PetscInt *i)
{
  PetscFunctionBegin;
  if (q->type == SCHEDULE_STATIC) {
    PetscInt s = q->lo + b * q->batch + taken;
    *i         = taken < q->batch && s < q->hi ? s : -1;
    PetscFunctionReturn(0);
  }
  if (!taken) q->ownDone = PETSC_FALSE;
  if (!q->ownDone) {
    PetscCall(SampleQueueClaim(q, b, q->rank, PETSC_FALSE, i));
    if (*i >= 0) PetscFunctionReturn(0);
    q->ownDone = PETSC_TRUE;
  }
  for (;;) { /* help the rank with the most samples left; retry if they were taken meanwhile */
    PetscInt victim = -1, most = 0, start, n;
    PetscCallMPI(MPI_Get_accumulate(NULL, 0, MPI_INT64_T, q->seen, q->size, MPI_INT64_T, 0, (MPI_Aint)(b * q->size), q->size, MPI_INT64_T, MPI_NO_OP, q->win));
    PetscCallMPI(MPI_Win_flush(0, q->win));
    for (PetscMPIInt r = 0; r < q->size; r++) {
      SampleQueueShare(q, b, r, &start, &n);
      if (SampleQueueLeft(q->seen[r], n) > most) {
        most   = SampleQueueLeft(q->seen[r], n);
        victim = r;
      }
    }
    *i = -1;
    if (victim < 0) PetscFunctionReturn(0);
    PetscCall(SampleQueueClaim(q, b, victim, PETSC_TRUE, i));
    if (*i >= 0) PetscFunctionReturn(0);
  }
}

/* Samples claimed so far in batch b, by all ranks (dynamic; for the progress line). */
static PetscErrorCode SampleQueueClaimed(SampleQueue *q, PetscInt b, PetscInt *claimed)
{
  PetscInt start, n;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Get_accumulate(NULL, 0, MPI_INT64_T, q->seen, q->size, MPI_INT64_T, 0, (MPI_Aint)(b * q->size), q->size, MPI_INT64_T, MPI_NO_OP, q->win));
  PetscCallMPI(MPI_Win_flush(0, q->win));
  *claimed = b * q->batch;
  for (PetscMPIInt r = 0; r < q->size; r++) {
    SampleQueueShare(q, b, r, &start, &n);
    *claimed += n - SampleQueueLeft(q->seen[r], n);
  }
  PetscFunctionReturn(0);
}

/* Dynamic schedule, end of batch b: hands the samples this rank took from other ranks' shares
   back to their owners and receives those others took from its share. On entry U/P hold the
   *count samples idx[] in the order they were computed: the front of the own share first (in
   order), then samples from the backs of other shares. On return they hold exactly the own
   share, in order, and *count is its size. */
static PetscErrorCode SampleQueueHandBack(SampleQueue *q, MPI_Comm comm, PetscInt b, PetscInt *count, const PetscInt idx[], PetscReal U[], size_t per, PetscReal P[], PetscInt np)
{
  PetscMPIInt *scount, *sdisp, *rcount, *rdisp, nsend = 0, nrecv = 0;
  PetscInt own = 0, start, n, *ridx, *sidx;
  PetscReal *sU, *rU, *sP, *rP;
  MPI_Datatype sample, prm;

  PetscFunctionBegin;
  SampleQueueShare(q, b, q->rank, &start, &n);
  while (own < *count && idx[own] >= start && idx[own] < start + n) own++; /* the front run */
  PetscCall(PetscCalloc4(q->size, &scount, q->size, &sdisp, q->size, &rcount, q->size, &rdisp));
  for (PetscInt k = own; k < *count; k++) {
    PetscInt r = 0, s, m;
    for (; r < q->size; r++) {
      SampleQueueShare(q, b, r, &s, &m);
      if (idx[k] >= s && idx[k] < s + m) break;
    }
    PetscCheck(r < q->size && r != q->rank, PETSC_COMM_SELF, PETSC_ERR_PLIB, "sample %" PetscInt_FMT " of batch %" PetscInt_FMT " is in no other rank's share", idx[k], b);
    scount[r]++;
  }
  PetscCallMPI(MPI_Alltoall(scount, 1, MPI_INT, rcount, 1, MPI_INT, comm));
  for (PetscMPIInt r = 0; r < q->size; r++) {
    sdisp[r] = nsend;
    rdisp[r] = nrecv;
    nsend += scount[r];
    nrecv += rcount[r];
  }
  PetscCheck(own + nrecv == n, PETSC_COMM_SELF, PETSC_ERR_PLIB, "batch %" PetscInt_FMT ": rank %d holds %" PetscInt_FMT " of its %" PetscInt_FMT " samples and receives %d", b, (int)q->rank, own, n,
             (int)nrecv);
  /* pack by owner; within an owner any order (the receiver places them by index) */
  PetscCall(PetscMalloc4((size_t)nsend * per + 1, &sU, (size_t)nrecv * per + 1, &rU, (size_t)nsend * np + 1, &sP, (size_t)nrecv * np + 1, &rP));
  PetscCall(PetscMalloc2(nsend + 1, &sidx, nrecv + 1, &ridx));
  {
    PetscMPIInt *fill;
    PetscCall(PetscCalloc1(q->size, &fill));
    for (PetscInt k = own; k < *count; k++) {
      PetscInt r = 0, s, m, slot;
      for (; r < q->size; r++) {
        SampleQueueShare(q, b, r, &s, &m);
        if (idx[k] >= s && idx[k] < s + m) break;
      }
      slot       = sdisp[r] + fill[r]++;
      sidx[slot] = idx[k];
      PetscCall(PetscArraycpy(sU + (size_t)slot * per, U + (size_t)k * per, per));
      PetscCall(PetscArraycpy(sP + (size_t)slot * np, P + (size_t)k * np, np));
    }
    PetscCall(PetscFree(fill));
  }
  PetscCallMPI(MPI_Type_contiguous((PetscMPIInt)per, MPIU_REAL, &sample));
  PetscCallMPI(MPI_Type_commit(&sample));
  PetscCallMPI(MPI_Type_contiguous((PetscMPIInt)PetscMax(np, 1), MPIU_REAL, &prm));
  PetscCallMPI(MPI_Type_commit(&prm));
  PetscCallMPI(MPI_Alltoallv(sidx, scount, sdisp, MPIU_INT, ridx, rcount, rdisp, MPIU_INT, comm));
  PetscCallMPI(MPI_Alltoallv(sU, scount, sdisp, sample, rU, rcount, rdisp, sample, comm));
  if (np) PetscCallMPI(MPI_Alltoallv(sP, scount, sdisp, prm, rP, rcount, rdisp, prm, comm));
  PetscCallMPI(MPI_Type_free(&sample));
  PetscCallMPI(MPI_Type_free(&prm));
  for (PetscMPIInt k = 0; k < nrecv; k++) {
    PetscInt slot = ridx[k] - start;
    PetscCheck(slot >= own && slot < n, PETSC_COMM_SELF, PETSC_ERR_PLIB, "received sample %" PetscInt_FMT " outside the untaken part of rank %d's share", ridx[k], (int)q->rank);
    PetscCall(PetscArraycpy(U + (size_t)slot * per, rU + (size_t)k * per, per));
    PetscCall(PetscArraycpy(P + (size_t)slot * np, rP + (size_t)k * np, np));
  }
  PetscCall(PetscFree4(sU, rU, sP, rP));
  PetscCall(PetscFree2(sidx, ridx));
  PetscCall(PetscFree4(scount, sdisp, rcount, rdisp));
  *count = n;
  PetscFunctionReturn(0);
}

static PetscErrorCode SampleQueueDestroy(SampleQueue *q)
{
  PetscFunctionBegin;
  if (q->win != MPI_WIN_NULL) {
    PetscCallMPI(MPI_Win_unlock_all(q->win));
    PetscCallMPI(MPI_Win_free(&q->win));
  }
  PetscCall(PetscFree(q->seen));
  PetscFunctionReturn(0);
}

/* Where a rank's time goes (-simulate_timing): wall seconds of each phase, and the slowest
   and fastest of its samples. `wait` is time spent in the agreement before each collective
   write, i.e. waiting for the other ranks to finish their batch (load imbalance). */
typedef struct {
  PetscLogDouble setup, begin, compute, wait, write, close, sampleMin, sampleMax;
  PetscInt samples, steps, batches;
} SimTiming;

static PetscErrorCode SimTimingView(MPI_Comm comm, const SimTiming *tm, PetscInt batch, const char schedule[])
{
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscPrintf(comm, "simulate timing (wall s per rank; %s schedule, batches of up to %" PetscInt_FMT " samples):\n", schedule, batch));
  PetscCall(PetscSynchronizedPrintf(comm,
                                    "  rank %d: setup %.3f, file create %.3f, compute %.3f (%" PetscInt_FMT " samples, %" PetscInt_FMT
                                    " steps, per sample %.4f..%.4f), wait %.3f, write %.3f (%" PetscInt_FMT " batches), close+rename+xmf %.3f\n",
                                    (int)rank, tm->setup, tm->begin, tm->compute, tm->samples, tm->steps, tm->samples ? tm->sampleMin : 0.0, tm->sampleMax, tm->wait, tm->write, tm->batches,
                                    tm->close));
  PetscCall(PetscSynchronizedFlush(comm, PETSC_STDOUT));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxCommandSimulate(MPI_Comm comm, int argc, char **argv)
{
  SimCtx sim;
  SimWorker w;
  SimTiming tm;
  SampleQueue q;
  CfxDataset ds;
  PetscInt lo, hi, fs, np, per, cap, done = 0, *idx;
  PetscInt ischedule = SCHEDULE_DYNAMIC;
  PetscReal *x, *U, *params, bufferMB = 256;
  const char *pnames[4];
  PetscMPIInt size, rank;
  PetscLogDouble t0, tlast = 0, now, ta, tb;
  PetscBool tty, timing    = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PetscTime(&t0));
  PetscCall(PetscMemzero(&sim, sizeof(sim)));
  PetscCall(PetscMemzero(&tm, sizeof(tm)));
  tm.sampleMin = PETSC_MAX_REAL;
  sim.comm     = comm;
  PetscCall(SimSetFromOptions(&sim));
  PetscOptionsBegin(comm, NULL, "conflux simulate: scheduling, buffering and diagnostics", "conflux");
  PetscCall(PetscOptionsEList("-simulate_schedule", "How samples go to ranks: dynamic (a rank done with its share helps the slowest) or static (contiguous blocks of equal size)", NULL, ScheduleTypes,
                              2, ScheduleTypes[ischedule], &ischedule, NULL));
  PetscCall(PetscOptionsReal("-simulate_buffer_mb", "Memory per rank for samples awaiting the collective write (MB); more samples per write means less waiting between ranks", NULL, bufferMB,
                             &bufferMB, NULL));
  PetscCall(PetscOptionsBool("-simulate_timing", "Print where each rank's time went (compute, waiting, writing)", NULL, timing, &timing, NULL));
  PetscOptionsEnd();
  PetscCheck(bufferMB > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-simulate_buffer_mb must be positive, found %g", (double)bufferMB);
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  fs  = sim.nx * sim.ncomp;
  per = sim.nt * fs;

  np = sim.ncoef;
  for (PetscInt c = 0; c < sim.ncoef; c++) pnames[c] = sim.coefName[c];
  if (sim.pde == PDE_VISCOUS_BURGERS || sim.nu > 0) pnames[np++] = "nu";
  PetscCall(PetscMalloc1(sim.nx, &x));
  for (PetscInt j = 0; j < sim.nx; j++) x[j] = sim.xmin + (j + 0.5) * (sim.xmax - sim.xmin) / sim.nx;

  PetscCall(CfxDatasetCreate(comm, &ds));
  PetscCall(CfxDatasetSetSizes(ds, sim.ns, sim.nt, sim.nx, sim.ncomp > 1 ? sim.ncomp : 0));
  PetscCall(CfxDatasetSetCoordinates(ds, x, sim.times));
  PetscCall(CfxDatasetSetParameterNames(ds, np, pnames));
  PetscCall(CfxDatasetSetFromOptions(ds));
  PetscCall(WriteAttributes(&sim, ds, argc, argv));
  PetscCall(SimWorkerCreate(&sim, &w));
  PetscCall(PetscTime(&ta));
  tm.setup = ta - t0;
  PetscCall(CfxDatasetWriteBegin(ds, sim.out));
  PetscCall(PetscTime(&tb));
  tm.begin = tb - ta;
  PetscCall(CfxDatasetGetOwnership(ds, &lo, &hi));

  /* Each rank computes its samples of a batch into memory, then all ranks write the batch in
     one collective call. Writing after every sample would make every sample a barrier. */
  cap = (PetscInt)PetscMax(1.0, PetscFloorReal(bufferMB * 1048576.0 / (sizeof(PetscReal) * (PetscReal)per)));
  PetscCall(SampleQueueCreate(comm, (ScheduleType)ischedule, sim.ns, lo, hi, cap, &q));
  PetscCall(BufferAllocate((size_t)q.batch * per, &U));
  PetscCall(PetscMalloc2((size_t)q.batch * np + 1, &params, q.batch, &idx));
  tty = (PetscBool)isatty(fileno(stdout));
  for (PetscInt b = 0; b < q.nbatch; b++) {
    PetscInt count = 0, i = -1;
    PetscErrorCode ierr = 0;

    for (;;) {
      PetscLogDouble s0, s1;
      PetscCall(SampleQueueNext(&q, b, count, &i));
      if (i < 0) break;
      PetscCall(PetscTime(&s0));
      ierr = SimulateSample(&sim, &w, i, U + (size_t)count * per, params + (size_t)count * np);
      PetscCall(PetscTime(&s1));
      idx[count++] = i;
      tm.compute += s1 - s0;
      tm.sampleMin = PetscMin(tm.sampleMin, s1 - s0);
      tm.sampleMax = PetscMax(tm.sampleMax, s1 - s0);
      tm.steps += w.steps;
      tm.samples++;
      done++;
      now = s1;
      if (ierr) break;
      if ((sim.monitor || (tty && now - tlast > 1.0)) && rank == 0) {
        /* static: rank 0's pace stands for all (equal shares); dynamic: the samples claimed so
           far, the other ranks' unfinished ones included */
        PetscInt all = PetscMin(sim.ns, done * size);
        double rate, eta;
        char etas[32];
        if (q.type == SCHEDULE_DYNAMIC) PetscCall(SampleQueueClaimed(&q, b, &all));
        rate = all / PetscMax(now - t0, 1e-9);
        eta  = (sim.ns - all) / rate;
        FormatDuration(eta, etas, sizeof(etas));
        PetscCall(PetscPrintf(PETSC_COMM_SELF, "%ssimulate: %" PetscInt_FMT "/%" PetscInt_FMT " samples, %.2f samples/s, ETA %s%s", tty && !sim.monitor ? "\r" : "", all, sim.ns, rate, etas,
                              tty && !sim.monitor ? "" : "\n"));
        tlast = now;
      }
    }
    /* A failed sample must not leave the other ranks waiting in the collective write: every
       rank learns of it, the partial NAME.tmp is removed, and the failing rank has printed why. */
    PetscCall(PetscTime(&ta));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &ierr, 1, MPI_INT, MPI_MAX, comm));
    PetscCall(PetscTime(&tb));
    tm.wait += tb - ta;
    if (ierr) {
      PetscCall(SampleQueueDestroy(&q));
      PetscCall(CfxDatasetAbort(&ds));
      PetscCall(SimWorkerDestroy(&w));
      free(U);
      PetscCall(PetscFree2(params, idx));
      PetscCall(PetscFree(x));
      PetscCall(PetscFree(sim.times));
      PetscCall(CfxICDestroy(&sim.ic));
      PetscFunctionReturn(ierr);
    }
    if (q.type == SCHEDULE_DYNAMIC) {
      PetscInt start, n;
      PetscCall(SampleQueueHandBack(&q, comm, b, &count, idx, U, (size_t)per, params, np));
      SampleQueueShare(&q, b, rank, &start, &n);
      PetscCall(CfxDatasetWriteSamples(ds, start, n, U, params));
    } else
      PetscCall(CfxDatasetWriteSamples(ds, count ? idx[0] : 0, count, U, params));
    PetscCall(PetscTime(&ta));
    tm.write += ta - tb;
    tm.batches++;
  }
  PetscCall(SampleQueueDestroy(&q));
  PetscCall(PetscTime(&ta));
  PetscCall(CfxDatasetClose(&ds));
  PetscCall(PetscTime(&now));
  tm.close = now - ta;
  {
    char total[32];
    FormatDuration(now - t0, total, sizeof(total));
    PetscCall(PetscPrintf(comm, "%ssimulate: %" PetscInt_FMT "/%" PetscInt_FMT " samples, %.2f samples/s, in %s\n", tty && !sim.monitor ? "\r" : "", sim.ns, sim.ns, sim.ns / PetscMax(now - t0, 1e-9),
                          total));
  }
  PetscCall(PetscPrintf(comm, "simulate: wrote %s (%" PetscInt_FMT " samples x %" PetscInt_FMT " frames x %" PetscInt_FMT " cells%s) and %s.xmf in %.2f s on %d rank(s)\n", sim.out, sim.ns, sim.nt,
                        sim.nx, sim.ncomp > 1 ? " x 2 components" : "", sim.out, now - t0, size));
  if (timing) PetscCall(SimTimingView(comm, &tm, q.batch, ScheduleTypes[q.type]));
  PetscCall(SimWorkerDestroy(&w));
  free(U);
  PetscCall(PetscFree2(params, idx));
  PetscCall(PetscFree(x));
  PetscCall(PetscFree(sim.times));
  PetscCall(CfxICDestroy(&sim.ic));
  PetscFunctionReturn(0);
}
