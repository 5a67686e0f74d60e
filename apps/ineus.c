/* conflux ineus: solve a built-in PIDE benchmark with the INEUS-style solver and write the
   test points, predictions, exact values, error history and timings to HDF5. */
#include "commands.h"
#include <conflux/cfxio.h>
#include <hdf5.h>

const char CfxCommandIneusSummary[] = "solve a high-dimensional PIDE benchmark (B1-B3) with the INEUS-style iterative neural solver";
const char CfxCommandIneusUsage[]   = "Usage: conflux ineus -problem <b1|b2|b3> -d D -o FILE.h5 [options]     (under mpirun: data parallel)\n"
                                      "Fits u(t, x) by the first-jump Feynman-Kac regression iteration (docs/ineus.md) and writes\n"
                                      "/test/{t,x,u_pred,u_exact} on the fixed test points, /history/{outer,steps,time,change,\n"
                                      "estimate,loss,rel_l2,point_error,point_value} per outer iteration and root attributes\n"
                                      "(problem, method, d, seed, reason, clock, rel_l2, point_error, point_value, wall_time, solve_time,\n"
                                      "setup_time, created_by). Prints the relative L2 error on the test points and the relative\n"
                                      "error at (0, x0); one progress line per outer iteration (change, error estimate, ETA).\n"
                                      "A checkpoint is written after every outer iteration; -resume continues from it and ends\n"
                                      "bitwise as the uninterrupted run would (same options; -ineus_outer may be raised).\n"
                                      "Options (default in brackets):\n"
                                      "  -problem <b1|b2|b3>          benchmark of docs/ineus.md                              [b2]\n"
                                      "  -d <D>                       dimension                                               [10]\n"
                                      "  -method <ineus|pinn|bsde>    solver: INEUS-style iteration, PINN or deep BSDE (same MLP) [ineus]\n"
                                      "  -ineus_pinn_jumps <m>        PINN: jump samples per residual point                   [8]\n"
                                      "  -ineus_bsde_steps <N>        deep BSDE: time steps (value at x0 only)                [20]\n"
                                      "  -o <FILE.h5>                 result file (written as FILE.h5.tmp, renamed at the end) [required]\n"
                                      "  -force                       replace an existing FILE.h5\n"
                                      "  -time_budget <s>             solve-time budget in seconds, 0 = none (= -ineus_time_budget) [0]\n"
                                      "  -ineus_clock <wall|cpu>      clock of -time_budget and /history/time: wall or process CPU time [wall]\n"
                                      "  -ineus_terminal_ansatz <bool> u = g(x) + ((T - t)/T) N(t, x): exact terminal condition [false]\n"
                                      "  -checkpoint <file>           checkpoint file                                [FILE.h5.ckpt]\n"
                                      "  -resume                      continue from the checkpoint\n"
                                      "  -ineus_checkpoint_every <k>  outer iterations between checkpoints (0: only at the end) [1]\n"
                                      "  -ineus_outer <K>             maximum outer (Picard) iterations                        [12]\n"
                                      "  -ineus_inner <I>             Adam steps per outer iteration                           [300]\n"
                                      "  -ineus_batch <M>             points per Adam step, all ranks together                 [256]\n"
                                      "  -ineus_label_samples <n>     (antithetic pairs of) paths averaged per label           [4]\n"
                                      "  -ineus_forced_jump <bool>    forced-jump estimator                                    [true]\n"
                                      "  -ineus_antithetic <bool>     antithetic path pairs                                    [true]\n"
                                      "  -ineus_lr <lr>               Adam rate of the first outer iteration                   [2e-3]\n"
                                      "  -ineus_lr_decay <f>          rate factor per outer iteration                          [0.7]\n"
                                      "  -ineus_lr_min <lr>           smallest rate                                            [1e-4]\n"
                                      "  -ineus_lr_cycle <f>          cosine decay to f x rate within each outer iteration, 0 = off [0]\n"
                                      "  -ineus_average <f>           fraction of inner steps averaged into the iterate         [0.5]\n"
                                      "  -ineus_query_fraction <f>    move training points to label query points (repeatedly)  [0.5]\n"
                                      "  -ineus_tol <tol>             stop when the relative change between iterates is below  [1e-3]\n"
                                      "  -ineus_width, -ineus_depth   MLP hidden width and layers                              [64, 3]\n"
                                      "  -ineus_activation <name>     hidden activation                                        [tanh]\n"
                                      "  -ineus_seed <s>              seed of network, points and labels                       [0]\n"
                                      "  -ineus_validation <n>        validation points of the stopping rule                   [1024]\n"
                                      "  -ineus_test <n>, -ineus_test_seed <s>  fixed test points                       [10000, 20260]\n"
                                      "  -ineus_monitor <bool>        progress line per outer iteration                        [true here]\n"
                                      "  -pide_lambda, -pide_sigma, -pide_delta, -pide_r, -pide_T, -pide_a, -pide_mu_jump,\n"
                                      "  -pide_sample_std             problem parameters (defaults: the methods note, docs/ineus.md)\n";

static PetscErrorCode WriteDataset(hid_t loc, const char *name, PetscInt rank, const hsize_t dims[], const PetscReal data[])
{
  hid_t space, dset;

  PetscFunctionBegin;
  space = H5Screate_simple((int)rank, dims, NULL);
  PetscCheck(space >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "H5Screate_simple failed for %s", name);
  dset = H5Dcreate2(loc, name, H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  PetscCheck(dset >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "H5Dcreate2 failed for %s", name);
  PetscCheck(H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "H5Dwrite failed for %s", name);
  H5Dclose(dset);
  H5Sclose(space);
  PetscFunctionReturn(0);
}

static PetscErrorCode SetAttrReal(hid_t loc, const char *name, PetscReal v)
{
  char buf[64];
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "%.17g", (double)v));
  PetscCall(CfxH5SetAttributeText(loc, name, buf));
  PetscFunctionReturn(0);
}

typedef struct {
  const char *file, *problem, *method, *cmdline, *reason, *clock;
  PetscInt d;
  uint64_t seed;
  PetscReal wall, setup_time;
} RunInfo;

/* Rank 0 writes NAME.tmp serially (the file is small); every rank then commits. */
static PetscErrorCode WriteResult(MPI_Comm comm, CfxINEUS s, const RunInfo *info)
{
  PetscMPIInt rank;
  PetscInt n, nh;
  const PetscReal *t, *x, *ue;
  const CfxINEUSRecord *h;
  PetscReal *up, *col;
  char tmp[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(CfxINEUSGetTestSet(s, &n, &t, &x, &ue));
  PetscCall(CfxINEUSGetHistory(s, &nh, &h));
  PetscCall(PetscMalloc2(n, &up, PetscMax(nh, 1), &col));
  PetscCall(CfxINEUSEvaluate(s, n, t, x, up));
  PetscCall(CfxOutputTempName(info->file, tmp, sizeof(tmp)));
  if (rank == 0) {
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), g;
    hsize_t dims[2];
    const CfxINEUSRecord *last = &h[nh - 1];
    const char *names[]        = {"outer", "steps", "time", "change", "estimate", "loss", "rel_l2", "point_error", "point_value"};

    PetscCheck(f >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot create file", tmp);
    PetscCall(CfxH5SetAttributeText(f, "problem", info->problem));
    PetscCall(CfxH5SetAttributeText(f, "method", info->method));
    PetscCall(CfxH5SetAttributeText(f, "created_by", info->cmdline));
    PetscCall(CfxH5SetAttributeText(f, "reason", info->reason));
    PetscCall(CfxH5SetAttributeText(f, "clock", info->clock)); /* of solve_time and /history/time */
    PetscCall(SetAttrReal(f, "d", (PetscReal)info->d));
    PetscCall(SetAttrReal(f, "seed", (PetscReal)info->seed));
    PetscCall(SetAttrReal(f, "rel_l2", last->rel_l2));
    PetscCall(SetAttrReal(f, "point_error", last->point_error));
    PetscCall(SetAttrReal(f, "point_value", last->point_value));
    PetscCall(SetAttrReal(f, "wall_time", info->wall));
    PetscCall(SetAttrReal(f, "solve_time", last->time));
    PetscCall(SetAttrReal(f, "setup_time", info->setup_time));
    g       = H5Gcreate2(f, "test", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    dims[0] = (hsize_t)n;
    dims[1] = (hsize_t)info->d;
    PetscCall(WriteDataset(g, "t", 1, dims, t));
    PetscCall(WriteDataset(g, "x", 2, dims, x));
    PetscCall(WriteDataset(g, "u_pred", 1, dims, up));
    if (ue) PetscCall(WriteDataset(g, "u_exact", 1, dims, ue));
    H5Gclose(g);
    g       = H5Gcreate2(f, "history", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    dims[0] = (hsize_t)nh;
    for (int c = 0; c < 9; c++) {
      for (PetscInt i = 0; i < nh; i++) {
        const CfxINEUSRecord *r = &h[i];
        const PetscReal v[9]    = {(PetscReal)r->outer, (PetscReal)r->steps, r->time, r->change, r->estimate, r->loss, r->rel_l2, r->point_error, r->point_value};
        col[i]                  = v[c];
      }
      PetscCall(WriteDataset(g, names[c], 1, dims, col));
    }
    H5Gclose(g);
    H5Fclose(f);
  }
  PetscCall(PetscFree2(up, col));
  PetscCall(CfxOutputCommit(comm, info->file));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxCommandIneus(MPI_Comm comm, int argc, char **argv)
{
  CfxPIDE pide;
  CfxINEUS s;
  CfxPIDEProblem problem = CFX_PIDE_B2;
  CfxINEUSReason reason;
  PetscInt d = 10, seed = 0;
  PetscReal budget              = 0;
  char file[PETSC_MAX_PATH_LEN] = "", clockname[16] = "wall", ckpt[PETSC_MAX_PATH_LEN] = "", method[32] = "ineus", cmdline[4096] = "conflux ineus";
  PetscBool set, force = PETSC_FALSE, resume = PETSC_FALSE, hasckpt;
  CfxINEUSMethod imethod = CFX_INEUS_METHOD_INEUS;
  PetscLogDouble t0, t1, t2;
  RunInfo info;

  PetscFunctionBegin;
  PetscCall(CfxCommandPositional(argc, argv, 0, NULL));
  for (int i = 1; i < argc; i++) {
    PetscCall(PetscStrlcat(cmdline, " ", sizeof(cmdline)));
    PetscCall(PetscStrlcat(cmdline, argv[i], sizeof(cmdline)));
  }
  PetscOptionsBegin(comm, NULL, "conflux ineus", "CfxINEUS");
  PetscCall(PetscOptionsEnum("-problem", "benchmark problem", NULL, CfxPIDEProblems, (PetscEnum)problem, (PetscEnum *)&problem, NULL));
  PetscCall(PetscOptionsInt("-d", "dimension", NULL, d, &d, NULL));
  PetscCall(PetscOptionsEnum("-method", "solver: ineus, or the pinn / bsde baseline", "CfxINEUSSetMethod", CfxINEUSMethods, (PetscEnum)imethod, (PetscEnum *)&imethod, NULL));
  PetscCall(PetscOptionsString("-o", "output HDF5 file (written as FILE.tmp, renamed on success)", NULL, file, file, sizeof(file), &set));
  PetscCall(PetscOptionsBool("-force", "replace an existing output file", NULL, force, &force, NULL));
  PetscCall(PetscOptionsReal("-time_budget", "solve-time budget in seconds (0: none)", NULL, budget, &budget, NULL));
  PetscCall(PetscOptionsString("-checkpoint", "checkpoint file (default: the output name + .ckpt)", NULL, ckpt, ckpt, sizeof(ckpt), &hasckpt));
  PetscCall(PetscOptionsBool("-resume", "continue from the checkpoint", NULL, resume, &resume, NULL));
  PetscCall(PetscOptionsInt("-ineus_seed", "random seed", NULL, seed, &seed, NULL));
  PetscOptionsEnd();
  PetscCheck(problem != CFX_PIDE_USER, comm, PETSC_ERR_ARG_WRONG, "-problem must be b1, b2 or b3 (user problems are set through the C API)");
  PetscCheck(set && file[0], comm, PETSC_ERR_ARG_WRONG, "conflux ineus needs -o FILE.h5");
  PetscCall(PetscStrncpy(method, CfxINEUSMethods[imethod], sizeof(method)));
  PetscCall(CfxOutputCheckWritable(comm, file, force));
  if (!hasckpt || !ckpt[0]) PetscCall(PetscSNPrintf(ckpt, sizeof(ckpt), "%s.ckpt", file));
  if (resume) {
    PetscBool exists = PETSC_FALSE;
    PetscCall(PetscTestFile(ckpt, 'r', &exists));
    PetscCheck(exists, comm, PETSC_ERR_FILE_OPEN, "-resume: checkpoint %s not found (set it with -checkpoint)", ckpt);
  } else
    PetscCall(CfxOutputCheckWritable(comm, ckpt, force));

  PetscCall(PetscTime(&t0));
  PetscCall(CfxPIDECreate(comm, &pide));
  PetscCall(CfxPIDESetProblem(pide, problem, d));
  PetscCall(CfxPIDESetFromOptions(pide));
  PetscCall(CfxINEUSCreate(comm, &s));
  PetscCall(CfxINEUSSetPIDE(s, pide));
  PetscCall(CfxINEUSSetTimeBudget(s, budget));
  PetscCall(CfxINEUSSetMethod(s, imethod));
  PetscCall(CfxINEUSSetCheckpoint(s, ckpt, 1));
  { /* the command shows progress unless told otherwise */
    PetscBool has;
    PetscCall(PetscOptionsHasName(NULL, NULL, "-ineus_monitor", &has));
    if (!has) PetscCall(PetscOptionsSetValue(NULL, "-ineus_monitor", "1"));
  }
  PetscCall(CfxINEUSSetFromOptions(s));
  PetscCall(CfxINEUSSetUp(s));
  PetscCall(CfxINEUSView(s, NULL));
  if (resume) {
    PetscInt nh;
    const CfxINEUSRecord *h;
    PetscCall(CfxINEUSLoadCheckpoint(s, ckpt));
    PetscCall(CfxINEUSGetHistory(s, &nh, &h));
    PetscCall(PetscPrintf(comm, "resuming from %s after %" PetscInt_FMT " outer iterations (%" PetscInt_FMT " Adam steps, %.1f s)\n", ckpt, h[nh - 1].outer, h[nh - 1].steps, (double)h[nh - 1].time));
  }
  PetscCall(PetscTime(&t1));
  PetscCall(CfxINEUSSolve(s));
  PetscCall(PetscTime(&t2));
  PetscCall(CfxINEUSGetConvergedReason(s, &reason));
  {
    PetscInt nh;
    const CfxINEUSRecord *h;
    PetscCall(CfxINEUSGetHistory(s, &nh, &h));
    PetscCall(PetscPrintf(comm, "%s d=%" PetscInt_FMT " method=%s: %" PetscInt_FMT " outer iterations, %" PetscInt_FMT " Adam steps, %.2f s solving (stopped: %s)\n", CfxPIDEProblems[problem], d,
                          method, h[nh - 1].outer, h[nh - 1].steps, (double)h[nh - 1].time, CfxINEUSReasons[reason]));
    if (h[nh - 1].rel_l2 >= 0)
      PetscCall(PetscPrintf(comm, "relative L2 error %.4e   point error at (0, x0) %.4e   u(0, x0) = %.8f\n", (double)h[nh - 1].rel_l2, (double)h[nh - 1].point_error, (double)h[nh - 1].point_value));
    else
      PetscCall(PetscPrintf(comm, "u(0, x0) = %.8f\n", (double)h[nh - 1].point_value));
  }
  info.file    = file;
  info.problem = CfxPIDEProblems[problem];
  info.method  = method;
  info.cmdline = cmdline;
  info.reason  = CfxINEUSReasons[reason];
  PetscCall(PetscOptionsGetString(NULL, NULL, "-ineus_clock", clockname, sizeof(clockname), &set));
  info.clock      = set ? clockname : "wall";
  info.d          = d;
  info.seed       = (uint64_t)seed;
  info.wall       = t2 - t0;
  info.setup_time = t1 - t0;
  PetscCall(WriteResult(comm, s, &info));
  PetscCall(PetscPrintf(comm, "wrote %s (checkpoint %s)\n", file, ckpt));
  PetscCall(CfxINEUSDestroy(&s));
  PetscCall(CfxPIDEDestroy(&pide));
  PetscFunctionReturn(0);
}
