/* conflux snapo: train a SNAPO policy in one of the differentiable models (gas storage,
   pension ALM, pharma chain), evaluate it, and compute the sensitivities of its value to
   every model input by one adjoint sweep (or by bump-and-revalue); results go to HDF5. */
#include "commands.h"
#include <hdf5.h>
#include <time.h>

static const char *const Problems[]     = {"gas_storage", "pension", "pharma"};
static const char *const QualityNames[] = {"yield", "purity", "particle_size", "residual_solvent", "degradant"};
static const char *const SensMethods[]  = {"adjoint", "bump", "both", "none"};

/* A named slice of a model input tensor: the sensitivities are written per slice. */
typedef struct {
  const char *name, *description;
  CfxTensor t;
  PetscInt offset, count;
} Input;

typedef struct {
  CfxSnapoModelOps m;
  PetscInt ninputs;
  Input in[8];
  PetscInt npaths, block; /* defaults of -paths and -block */
  const char *value_name; /* what J is, for the printout */
  /* problem objects */
  CfxSnapoGas gas;
  CfxSnapoPension pension;
  CfxSnapoPharma pharma;
  CfxSnapoGasParams gp;
  PetscReal *curve;
} Problem;

const char CfxSnapoUsage[] = "Usage: conflux snapo -problem <gas_storage|pension|pharma> [-train] [-policy RESULT.h5] [-sensitivities adjoint|bump|both|none] -o RESULT.h5 [options]\n"
                             "A policy MLP acts in the differentiable model; -train fits it by Adam on common random numbers\n"
                             "(a fresh batch of -train_paths paths per step). The trained (or loaded) policy is then evaluated on\n"
                             "-paths paths: value J and its Monte Carlo error, and the sensitivity of J to every model input,\n"
                             "all from ONE reverse sweep (adjoint) or from one revaluation per input (bump). Paths are split over\n"
                             "the ranks under mpirun. Writes RESULT.h5 (as RESULT.h5.tmp, renamed on success):\n"
                             "  /value, /value_stderr, /paths, /seed; /policy/<parameter>; /inputs/<name>; /sensitivities/<name>\n"
                             "  (adjoint) and /sensitivities_bump/<name>; /training/batch_value; /timings/*; root attribute problem.\n"
                             "Options (default in brackets):\n"
                             "  -problem <gas_storage|pension|pharma>  model (docs/snapo.md)                      [gas_storage]\n"
                             "  -train                       train the policy first                                [false]\n"
                             "  -policy FILE                 start from /policy of an earlier result               [random init]\n"
                             "  -sensitivities <adjoint|bump|both|none>                                            [adjoint]\n"
                             "  -paths <n>, -block <n>       evaluation paths, paths per tape  [gas 10000, 1000; pension 4000, 500; pharma 256, 256]\n"
                             "  -seed <s>                    evaluation paths (common random numbers)              [1]\n"
                             "  -bump_h <h>                  one-sided bump h max(|p|, 1)                          [1e-4]\n"
                             "  -train_iters <n>             Adam steps                                            [500]\n"
                             "  -train_paths <n>             paths per step                                        [256]\n"
                             "  -train_seed <s>              step k uses seed s + k                                [1000]\n"
                             "  -train_lr, -train_schedule, -train_lr_min, ... every CfxOptimizer option           [0.02, cosine, 0.002]\n"
                             "  -train_monitor_every <k>     progress line every k steps                           [25]\n"
                             "  -policy_width, -policy_depth, -policy_gain, -policy_seed                           [16, 2, 5, 7]\n"
                             "  -reference                   gas: also the 2-D DP optimum and the ratio            [false]\n"
                             "  -gas_curve FILE              /forward_curve [T] (e.g. data/snapo/forward_curve.h5) [20 + 5 cos(2 pi (t-15)/365)]\n"
                             "  -gas_kappa, -gas_sigma, -gas_imax, -gas_i0, -gas_qin, -gas_qout, -gas_cost, -gas_penalty,\n"
                             "  -gas_beta, -gas_eps          S1 parameters                [10, 0.8, 1, 0, 0.01, 0.02, 0.1, 50, 1e4, 1e-4]\n"
                             "  -pension_nodes <K>           key-rate nodes = risk factors N_rf; -pension_* parameters        [10]\n"
                             "  -pension_curve FILE          /zero_curve [pension_nodes], rates as fractions [linear 0.025 -> 0.035]\n"
                             "  -pharma_*                    S3 process parameters (cooling, seed, wash, dryer T, kinetics)\n"
                             "  -pharma_params_file FILE     /process_params [8] in the order of /inputs/process_params (replaces -pharma_*)\n"
                             "pharma with adjoint sensitivities also runs one reverse sweep per quality output (yield, purity,\n"
                             "particle size, residual solvent, degradant) and writes /quality and /sensitivities_quality.\n"
                             "  -force                       replace an existing RESULT.h5\n";

static double Cpu(void) { return (double)clock() / CLOCKS_PER_SEC; }

static PetscErrorCode SetupGas(MPI_Comm comm, Problem *pb)
{
  char curve[PETSC_MAX_PATH_LEN] = "";
  PetscBool set;
  CfxTensor F, mkt;

  PetscFunctionBegin;
  PetscCall(CfxSnapoGasSetDefaults(&pb->gp));
  PetscOptionsBegin(comm, NULL, "conflux snapo: gas storage input", "CfxSnapoGas");
  PetscCall(PetscOptionsString("-gas_curve", "HDF5 file with /forward_curve [T] (default: 20 + 5 cos(2 pi (t - 15)/365))", NULL, curve, curve, sizeof(curve), &set));
  PetscOptionsEnd();
  PetscCall(CfxSnapoGasParamsSetFromOptions(comm, &pb->gp));
  if (curve[0]) {
    PetscInt n;
    PetscCall(CfxSnapoGasReadCurve(comm, curve, &n, &pb->curve));
    pb->gp.nsteps = n;
  } else {
    PetscCall(PetscMalloc1(pb->gp.nsteps, &pb->curve));
    PetscCall(CfxSnapoGasDefaultCurve(pb->gp.nsteps, pb->curve));
  }
  PetscCall(CfxSnapoGasCreate(&pb->gp, pb->curve, &pb->gas));
  PetscCall(CfxSnapoGasGetModel(pb->gas, &pb->m));
  PetscCall(CfxSnapoGasGetInputs(pb->gas, &F, &mkt));
  pb->ninputs    = 4;
  pb->in[0]      = (Input){"forward_curve", "dV/dF_t, one per daily decision", F, 0, F->size};
  pb->in[1]      = (Input){"sigma", "dV/dsigma (factor volatility)", mkt, 0, 1};
  pb->in[2]      = (Input){"kappa", "dV/dkappa (mean reversion)", mkt, 1, 1};
  pb->in[3]      = (Input){"cost", "dV/dc (cost per unit moved)", mkt, 2, 1};
  pb->npaths     = 10000;
  pb->block      = 1000;
  pb->value_name = "storage value";
  PetscFunctionReturn(0);
}

static PetscErrorCode SetupPension(MPI_Comm comm, Problem *pb)
{
  CfxSnapoPensionParams pp;
  CfxTensor curve, mkt;
  char file[PETSC_MAX_PATH_LEN] = "";
  PetscReal *r                  = NULL;

  PetscFunctionBegin;
  PetscCall(CfxSnapoPensionSetDefaults(&pp));
  PetscCall(CfxSnapoPensionParamsSetFromOptions(comm, &pp));
  PetscOptionsBegin(comm, NULL, "conflux snapo: pension input", "CfxSnapoPension");
  PetscCall(PetscOptionsString("-pension_curve", "HDF5 file with /zero_curve [pension_nodes] (default: linear 0.025 -> 0.035)", NULL, file, file, sizeof(file), NULL));
  PetscOptionsEnd();
  if (file[0]) PetscCall(CfxSnapoPensionReadCurve(comm, file, &pp, &r));
  PetscCall(CfxSnapoPensionCreate(&pp, r, &pb->pension));
  PetscCall(PetscFree(r));
  PetscCall(CfxSnapoPensionGetModel(pb->pension, &pb->m));
  PetscCall(CfxSnapoPensionGetInputs(pb->pension, &curve, &mkt));
  pb->ninputs    = 2;
  pb->in[0]      = (Input){"zero_curve", "dJ/dr_k at the key-rate nodes (the risk factors)", curve, 0, curve->size};
  pb->in[1]      = (Input){"asset_params", "dJ/d(mu_1..4, sigma_1..4) of the asset classes", mkt, 0, mkt->size};
  pb->npaths     = 4000;
  pb->block      = 500;
  pb->value_name = "ALM objective";
  PetscFunctionReturn(0);
}

static PetscErrorCode SetupPharma(MPI_Comm comm, Problem *pb)
{
  CfxSnapoPharmaParams pp;
  CfxTensor kin;
  char file[PETSC_MAX_PATH_LEN] = "";

  PetscFunctionBegin;
  PetscCall(CfxSnapoPharmaSetDefaults(&pp));
  PetscCall(CfxSnapoPharmaParamsSetFromOptions(comm, &pp));
  PetscOptionsBegin(comm, NULL, "conflux snapo: pharma input", "CfxSnapoPharma");
  PetscCall(PetscOptionsString("-pharma_params_file", "HDF5 file with /process_params [8] (replaces the -pharma_* values)", NULL, file, file, sizeof(file), NULL));
  PetscOptionsEnd();
  if (file[0]) PetscCall(CfxSnapoPharmaReadParams(comm, file, &pp));
  PetscCall(CfxSnapoPharmaCreate(&pp, &pb->pharma));
  PetscCall(CfxSnapoPharmaGetModel(pb->pharma, &pb->m));
  PetscCall(CfxSnapoPharmaGetInputs(pb->pharma, &kin));
  pb->ninputs    = 1;
  pb->in[0]      = (Input){"process_params", "dJ/dp, p = (ln A1, E1/R, ln A2, E2/R, cooling rate, seed loading, wash volumes, dryer T)", kin, 0, kin->size};
  pb->npaths     = 256;
  pb->block      = 256;
  pb->value_name = "yield with purity penalty";
  PetscFunctionReturn(0);
}

static PetscErrorCode ProblemDestroy(Problem *pb)
{
  PetscFunctionBegin;
  PetscCall(CfxSnapoGasDestroy(&pb->gas));
  PetscCall(CfxSnapoPensionDestroy(&pb->pension));
  PetscCall(CfxSnapoPharmaDestroy(&pb->pharma));
  PetscCall(PetscFree(pb->curve));
  PetscFunctionReturn(0);
}

static PetscErrorCode ZeroInputGrads(Problem *pb)
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < pb->ninputs; k++) PetscCall(CfxTensorZeroGrad(pb->in[k].t));
  PetscFunctionReturn(0);
}

/* Distinct input tensors (slices share them) for the gradient reduction. */
static PetscInt InputTensors(Problem *pb, CfxTensor t[])
{
  PetscInt n = 0;
  for (PetscInt k = 0; k < pb->ninputs; k++) {
    PetscBool seen = PETSC_FALSE;
    for (PetscInt j = 0; j < n; j++)
      if (t[j] == pb->in[k].t) seen = PETSC_TRUE;
    if (!seen) t[n++] = pb->in[k].t;
  }
  return n;
}

/* Reads /policy/<name> for every parameter of the set (shapes must match). */
static PetscErrorCode LoadPolicy(MPI_Comm comm, const char file[], CfxParamSet ps)
{
  PetscInt np;
  hid_t f;

  PetscFunctionBegin;
  f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
  PetscCheck(f >= 0, comm, PETSC_ERR_FILE_OPEN, "-policy %s: cannot open the file", file);
  PetscCall(CfxParamSetGetNumParameters(ps, &np));
  for (PetscInt k = 0; k < np; k++) {
    const char *name;
    CfxTensor t;
    char path[256];
    hid_t d, s;
    hssize_t n;

    PetscCall(CfxParamSetGetParameter(ps, k, &name, &t, NULL));
    PetscCall(PetscSNPrintf(path, sizeof(path), "policy/%s", name));
    H5E_BEGIN_TRY { d = H5Dopen2(f, path, H5P_DEFAULT); }
    H5E_END_TRY;
    PetscCheck(d >= 0, comm, PETSC_ERR_FILE_UNEXPECTED, "-policy %s: no dataset /%s (is it a result of `conflux snapo` for the same problem and policy size?)", file, path);
    s = H5Dget_space(d);
    n = H5Sget_simple_extent_npoints(s);
    PetscCheck(n == (hssize_t)t->size, comm, PETSC_ERR_FILE_UNEXPECTED, "-policy %s: /%s has %lld values, the policy expects %" PetscInt_FMT, file, path, (long long)n, t->size);
    PetscCheck(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t->data) >= 0, comm, PETSC_ERR_FILE_READ, "-policy %s: cannot read /%s", file, path);
    H5Sclose(s);
    H5Dclose(d);
    for (PetscInt i = 0; i < t->size; i++)
      PetscCheck(PetscIsNormalReal(t->data[i]) || t->data[i] == 0, comm, PETSC_ERR_FILE_UNEXPECTED, "-policy %s: /%s[%" PetscInt_FMT "] is not finite", file, path, i);
  }
  H5Fclose(f);
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteArray(hid_t f, const char name[], PetscInt n, const PetscReal v[], const char desc[])
{
  hsize_t dims[1] = {(hsize_t)n};
  hid_t space = H5Screate_simple(1, dims, NULL), lcpl = H5Pcreate(H5P_LINK_CREATE), d;

  PetscFunctionBegin;
  H5Pset_create_intermediate_group(lcpl, 1);
  d = H5Dcreate2(f, name, H5T_IEEE_F64LE, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  PetscCheck(d >= 0 && H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write dataset %s", name);
  if (desc) PetscCall(CfxH5SetAttributeText(d, "description", desc));
  H5Dclose(d);
  H5Pclose(lcpl);
  H5Sclose(space);
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteScalar(hid_t f, const char name[], PetscReal v, const char desc[])
{
  PetscFunctionBegin;
  PetscCall(WriteArray(f, name, 1, &v, desc));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxCommandSnapo(MPI_Comm comm, int argc, char **argv)
{
  PetscInt problem = 0, sens = 0, npaths, block, width = 16, depth = 2, monitor = 25, nsens = 0, ntens;
  PetscInt seed = 1, pseed = 7;
  PetscReal gain = 5, bump_h = 1e-4, dp = 0, tdp = 0;
  PetscBool help, train = PETSC_FALSE, force = PETSC_FALSE, reference = PETSC_FALSE;
  char out[PETSC_MAX_PATH_LEN] = "", policyFile[PETSC_MAX_PATH_LEN] = "", tmp[PETSC_MAX_PATH_LEN];
  CfxSnapoTrainParams tp = {500, 256, 256, 1000, 25};
  Problem pb;
  CfxSnapoMLP mlp = {NULL, 1};
  CfxSnapoPolicy pol;
  CfxParamSet ps;
  CfxOptimizer opt = NULL;
  CfxSnapoResult rv, ra;
  CfxTensor tens[8];
  PetscReal qval[5], qsens[40], t_q = -1, c_q = 0, *adj = NULL, *bump = NULL, *hist = NULL, t_train = 0, c_train = 0, t_fwd = 0, c_fwd = 0, t_adj = 0, c_adj = 0, t_bump = 0, c_bump = 0;
  PetscLogDouble w0, w1;
  double c0;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCall(CfxCommandPositional(argc, argv, 0, NULL));
  PetscCall(PetscMemzero(&pb, sizeof(pb)));
  PetscOptionsBegin(comm, NULL, "conflux snapo", "CfxSnapo");
  PetscCall(PetscOptionsEList("-problem", "Model", NULL, Problems, 3, Problems[problem], &problem, NULL));
  PetscOptionsEnd();
  switch (problem) {
    case 0: PetscCall(SetupGas(comm, &pb)); break;
    case 1: PetscCall(SetupPension(comm, &pb)); break;
    case 2: PetscCall(SetupPharma(comm, &pb)); break;
  }
  npaths = pb.npaths;
  block  = pb.block;
  PetscOptionsBegin(comm, NULL, "conflux snapo: training, evaluation, output", "CfxSnapo");
  PetscCall(PetscOptionsBool("-train", "Train the policy (Adam on common random numbers) before evaluating it", NULL, train, &train, NULL));
  PetscCall(PetscOptionsString("-policy", "Start from the policy stored in this result file (/policy)", NULL, policyFile, policyFile, sizeof(policyFile), NULL));
  PetscCall(PetscOptionsEList("-sensitivities", "Sensitivities of the value to every input", NULL, SensMethods, 4, SensMethods[sens], &sens, NULL));
  PetscCall(PetscOptionsInt("-paths", "Evaluation paths (value, standard error, sensitivities)", NULL, npaths, &npaths, NULL));
  PetscCall(PetscOptionsInt("-block", "Paths per tape (memory bound)", NULL, block, &block, NULL));
  PetscCall(PetscOptionsInt("-seed", "Seed of the evaluation paths (training uses -train_seed + step)", NULL, seed, &seed, NULL));
  PetscCall(PetscOptionsReal("-bump_h", "Relative one-sided bump h max(|p|, 1) for -sensitivities bump", NULL, bump_h, &bump_h, NULL));
  PetscCall(PetscOptionsInt("-train_iters", "Optimizer steps", NULL, tp.iters, &tp.iters, NULL));
  PetscCall(PetscOptionsInt("-train_paths", "Paths per optimizer step (a fresh common-random-number batch each step)", NULL, tp.paths, &tp.paths, NULL));
  {
    PetscInt s = (PetscInt)tp.seed;
    PetscCall(PetscOptionsInt("-train_seed", "Seed of the training batches", NULL, s, &s, NULL));
    tp.seed = (uint64_t)s;
  }
  PetscCall(PetscOptionsInt("-train_monitor_every", "Progress line every k steps (0: none)", NULL, monitor, &monitor, NULL));
  PetscCall(PetscOptionsInt("-policy_width", "Hidden units per layer of the policy MLP", NULL, width, &width, NULL));
  PetscCall(PetscOptionsInt("-policy_depth", "Hidden layers of the policy MLP", NULL, depth, &depth, NULL));
  PetscCall(PetscOptionsReal("-policy_gain", "Output gain of the policy", NULL, gain, &gain, NULL));
  PetscCall(PetscOptionsInt("-policy_seed", "Seed of the policy initialisation", NULL, pseed, &pseed, NULL));
  if (problem == 0) PetscCall(PetscOptionsBool("-reference", "Also compute the 2-D DP optimum (nx = 201) and print the ratio", NULL, reference, &reference, NULL));
  PetscCall(PetscOptionsString("-o", "Output HDF5 file (written as FILE.tmp, renamed on success)", NULL, out, out, sizeof(out), NULL));
  PetscCall(PetscOptionsBool("-force", "Replace an existing output file", NULL, force, &force, NULL));
  PetscOptionsEnd();
  tp.monitor = monitor;
  tp.block   = PetscMin(tp.paths, PetscMax(block, 1));

  /* policy and its parameter set */
  PetscCall(CfxSnapoMLPCreate(comm, pb.m.nfeature, width, depth, pb.m.naction, gain, (uint64_t)pseed, &mlp));
  PetscCall(CfxSnapoMLPGetPolicy(&mlp, &pol));
  PetscCall(CfxParamSetCreate(comm, &ps));
  PetscCall(CfxModuleAddParameters(mlp.net, ps));
  PetscCall(CfxParamSetSetUp(ps));
  /* Adam with a cosine schedule; every -train_* optimizer option applies */
  PetscCall(CfxOptimizerCreate(comm, &opt));
  PetscCall(CfxOptimizerSetParamSet(opt, ps));
  PetscCall(CfxOptimizerSetType(opt, CFX_OPTIMIZER_ADAM));
  PetscCall(CfxOptimizerSetLearningRate(opt, 0.02));
  PetscCall(CfxOptimizerSetSchedule(opt, CFX_SCHEDULE_COSINE, tp.iters, 0, 100, 0.1, 0.002));
  PetscCall(CfxOptimizerSetFromOptions(opt));
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (help) { /* the options and their defaults are listed: do not run */
    PetscCall(CfxOptimizerDestroy(&opt));
    PetscCall(CfxParamSetDestroy(&ps));
    PetscCall(CfxSnapoMLPDestroy(&mlp));
    PetscCall(ProblemDestroy(&pb));
    PetscFunctionReturn(0);
  }
  PetscCheck(out[0], comm, PETSC_ERR_ARG_WRONG, "-o FILE is required");
  PetscCheck(npaths > 0 && block > 0 && bump_h > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "expected -paths > 0, -block > 0, -bump_h > 0; found %" PetscInt_FMT ", %" PetscInt_FMT ", %g", npaths, block,
             (double)bump_h);
  PetscCheck(tp.iters >= 0 && tp.paths > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "expected -train_iters >= 0 and -train_paths > 0; found %" PetscInt_FMT " and %" PetscInt_FMT, tp.iters, tp.paths);
  PetscCall(CfxOutputCheckWritable(comm, out, force));
  if (policyFile[0]) PetscCall(LoadPolicy(comm, policyFile, ps));

  PetscCall(PetscPrintf(comm, "conflux snapo: %s, T = %" PetscInt_FMT " decisions, policy MLP %" PetscInt_FMT "-%" PetscInt_FMT "x%" PetscInt_FMT "-%" PetscInt_FMT "%s\n", Problems[problem],
                        pb.m.nsteps, pb.m.nfeature, width, depth, pb.m.naction, policyFile[0] ? " (loaded)" : ""));
  if (train) {
    PetscCall(CfxOptimizerSetUp(opt));
    PetscCall(PetscMalloc1(PetscMax(tp.iters, 1), &hist));
    PetscCall(PetscPrintf(comm, "training: %" PetscInt_FMT " Adam steps x %" PetscInt_FMT " paths\n", tp.iters, tp.paths));
    PetscCall(PetscTime(&w0));
    c0 = Cpu();
    PetscCall(CfxSnapoTrain(comm, &pb.m, &pol, opt, &tp, hist));
    c_train = Cpu() - c0;
    PetscCall(PetscTime(&w1));
    t_train = w1 - w0;
    PetscCall(PetscPrintf(comm, "training took %.2f s wall, %.2f s CPU (rank 0)\n", (double)t_train, (double)c_train));
  }

  /* value (forward only), then forward + one reverse sweep for every sensitivity */
  ntens = InputTensors(&pb, tens);
  PetscCall(PetscTime(&w0));
  c0 = Cpu();
  PetscCall(CfxSnapoEvaluate(comm, &pb.m, &pol, npaths, block, (uint64_t)seed, PETSC_FALSE, 0, NULL, &rv));
  c_fwd = Cpu() - c0;
  PetscCall(PetscTime(&w1));
  t_fwd = w1 - w0;
  PetscCall(PetscPrintf(comm, "%s J = %.6f +- %.6f (%" PetscInt_FMT " paths, seed %" PetscInt_FMT "), forward %.3f s wall, %.3f s CPU\n", pb.value_name, (double)rv.value, (double)rv.stderr_mc, npaths,
                        seed, (double)t_fwd, (double)c_fwd));
  for (PetscInt k = 0; k < pb.ninputs; k++) nsens += pb.in[k].count;
  if (sens == 0 || sens == 2) {
    PetscInt off = 0;
    PetscCall(ZeroInputGrads(&pb));
    PetscCall(PetscTime(&w0));
    c0 = Cpu();
    PetscCall(CfxSnapoEvaluate(comm, &pb.m, &pol, npaths, block, (uint64_t)seed, PETSC_TRUE, ntens, tens, &ra));
    c_adj = Cpu() - c0;
    PetscCall(PetscTime(&w1));
    t_adj = w1 - w0;
    PetscCall(PetscMalloc1(nsens, &adj));
    for (PetscInt k = 0; k < pb.ninputs; k++, off += pb.in[k - 1].count) PetscCall(PetscArraycpy(adj + off, pb.in[k].t->grad + pb.in[k].offset, pb.in[k].count));
    PetscCall(PetscPrintf(comm, "adjoint: %" PetscInt_FMT " sensitivities from one reverse sweep, %.3f s wall, %.3f s CPU (forward + reverse; %.2f x the forward in CPU)\n", nsens, (double)t_adj,
                          (double)c_adj, (double)(c_adj / PetscMax(c_fwd, 1e-9))));
  }
  if (pb.pharma && (sens == 0 || sens == 2)) { /* one reverse sweep per quality output */
    CfxTensor par;
    PetscCall(CfxSnapoPharmaGetInputs(pb.pharma, &par));
    PetscCall(PetscTime(&w0));
    c0 = Cpu();
    for (PetscInt k = 0; k < 5; k++) {
      CfxSnapoResult rq;
      PetscCall(CfxSnapoPharmaSetOutput(pb.pharma, k));
      PetscCall(CfxTensorZeroGrad(par));
      PetscCall(CfxSnapoEvaluate(comm, &pb.m, &pol, npaths, block, (uint64_t)seed, PETSC_TRUE, 1, &par, &rq));
      qval[k] = rq.value;
      PetscCall(PetscArraycpy(qsens + 8 * k, par->grad, 8));
    }
    c_q = Cpu() - c0;
    PetscCall(PetscTime(&w1));
    t_q = w1 - w0;
    PetscCall(CfxSnapoPharmaSetOutput(pb.pharma, -1));
    PetscCall(PetscPrintf(comm, "quality: 5 outputs x 8 inputs from 5 reverse sweeps in %.1f ms wall, %.1f ms CPU; the 20 ICH Q8 sensitivities (process parameters):\n", (double)(1e3 * t_q),
                          (double)(1e3 * c_q)));
    PetscCall(PetscPrintf(comm, "  %-17s %12s %12s %12s %12s %12s\n", "output", "value", "d/d cool", "d/d seed", "d/d wash", "d/d T_dry"));
    for (PetscInt k = 0; k < 5; k++)
      PetscCall(PetscPrintf(comm, "  %-17s % .5e % .5e % .5e % .5e % .5e\n", QualityNames[k], (double)qval[k], (double)qsens[8 * k + 4], (double)qsens[8 * k + 5], (double)qsens[8 * k + 6],
                            (double)qsens[8 * k + 7]));
  }
  if (sens == 1 || sens == 2) {
    PetscInt off = 0;
    PetscCall(PetscMalloc1(nsens, &bump));
    PetscCall(PetscTime(&w0));
    c0 = Cpu();
    for (PetscInt k = 0; k < pb.ninputs; k++)
      for (PetscInt i = 0; i < pb.in[k].count; i++, off++) {
        PetscReal *x = pb.in[k].t->data + pb.in[k].offset + i, x0 = *x, h = bump_h * PetscMax(PetscAbsReal(x0), 1);
        CfxSnapoResult rb;
        *x = x0 + h;
        PetscCall(CfxSnapoEvaluate(comm, &pb.m, &pol, npaths, block, (uint64_t)seed, PETSC_FALSE, 0, NULL, &rb));
        *x        = x0;
        bump[off] = (rb.value - rv.value) / h;
      }
    c_bump = Cpu() - c0;
    PetscCall(PetscTime(&w1));
    t_bump = w1 - w0;
    PetscCall(PetscPrintf(comm, "bump-and-revalue: %" PetscInt_FMT " revaluations, %.3f s wall, %.3f s CPU\n", nsens, (double)t_bump, (double)c_bump));
    if (adj) {
      PetscReal md = 0, ma = 0;
      for (PetscInt i = 0; i < nsens; i++) {
        md = PetscMax(md, PetscAbsReal(adj[i] - bump[i]));
        ma = PetscMax(ma, PetscAbsReal(adj[i]));
      }
      PetscCall(PetscPrintf(comm, "max |bump - adjoint| = %.3e (max |adjoint| %.3e); speed-up of the adjoint %.1fx in CPU\n", (double)md, (double)ma, (double)(c_bump / PetscMax(c_adj, 1e-9))));
    }
  }
  /* headline sensitivities: scalars in full, vectors as their sum and largest entry */
  if (adj || bump) {
    const PetscReal *s = adj ? adj : bump;
    PetscInt off       = 0;
    for (PetscInt k = 0; k < pb.ninputs; off += pb.in[k].count, k++) {
      if (pb.in[k].count == 1)
        PetscCall(PetscPrintf(comm, "  dJ/d%-14s % .6e\n", pb.in[k].name, (double)s[off]));
      else {
        PetscReal sum = 0;
        PetscInt im   = 0;
        for (PetscInt i = 0; i < pb.in[k].count; i++) {
          sum += s[off + i];
          if (PetscAbsReal(s[off + i]) > PetscAbsReal(s[off + im])) im = i;
        }
        PetscCall(
            PetscPrintf(comm, "  dJ/d%-14s %" PetscInt_FMT " values, sum % .6e, largest |.| at [%" PetscInt_FMT "] % .6e\n", pb.in[k].name, pb.in[k].count, (double)sum, im, (double)s[off + im]));
      }
    }
  }
  if (reference) {
    CfxSnapoGasParams ph = pb.gp;
    ph.hard              = PETSC_TRUE;
    PetscCall(PetscTime(&w0));
    PetscCall(CfxSnapoGasDP(&ph, pb.curve, 100, 201, &dp));
    PetscCall(PetscTime(&w1));
    tdp = w1 - w0;
    PetscCall(PetscPrintf(comm, "2-D DP optimum (hard constraints, nx = 201): %.5f; policy value / DP = %.4f (%.2f s)\n", (double)dp, (double)(rv.value / dp), (double)tdp));
  }

  /* result file, written by rank 0 as FILE.tmp and renamed */
  PetscCall(CfxOutputTempName(out, tmp, sizeof(tmp)));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    PetscInt np, off = 0;
    char path[256];
    PetscCheck(f >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot create", tmp);
    PetscCall(CfxH5SetAttributeText(f, "problem", Problems[problem]));
    PetscCall(CfxH5SetAttributeText(f, "sensitivities", SensMethods[sens]));
    PetscCall(CfxH5SetAttributeText(f, "created_by", "conflux snapo"));
    PetscCall(WriteScalar(f, "value", rv.value, "J: mean over paths of the per-path objective"));
    PetscCall(WriteScalar(f, "value_stderr", rv.stderr_mc, "Monte Carlo standard error of J"));
    PetscCall(WriteScalar(f, "paths", (PetscReal)npaths, "evaluation paths"));
    PetscCall(WriteScalar(f, "seed", (PetscReal)seed, "seed of the evaluation paths"));
    PetscCall(CfxParamSetGetNumParameters(ps, &np));
    for (PetscInt k = 0; k < np; k++) {
      const char *name;
      CfxTensor t;
      PetscCall(CfxParamSetGetParameter(ps, k, &name, &t, NULL));
      PetscCall(PetscSNPrintf(path, sizeof(path), "policy/%s", name));
      PetscCall(WriteArray(f, path, t->size, t->data, NULL));
    }
    for (PetscInt k = 0; k < pb.ninputs; off += pb.in[k].count, k++) {
      PetscCall(PetscSNPrintf(path, sizeof(path), "inputs/%s", pb.in[k].name));
      PetscCall(WriteArray(f, path, pb.in[k].count, pb.in[k].t->data + pb.in[k].offset, NULL));
      if (adj) {
        PetscCall(PetscSNPrintf(path, sizeof(path), "sensitivities/%s", pb.in[k].name));
        PetscCall(WriteArray(f, path, pb.in[k].count, adj + off, pb.in[k].description));
      }
      if (bump) {
        PetscCall(PetscSNPrintf(path, sizeof(path), "sensitivities_bump/%s", pb.in[k].name));
        PetscCall(WriteArray(f, path, pb.in[k].count, bump + off, pb.in[k].description));
      }
    }
    if (t_q >= 0) {
      for (PetscInt k = 0; k < 5; k++) {
        PetscCall(PetscSNPrintf(path, sizeof(path), "quality/%s", QualityNames[k]));
        PetscCall(WriteScalar(f, path, qval[k], "mean over paths"));
        PetscCall(PetscSNPrintf(path, sizeof(path), "sensitivities_quality/%s", QualityNames[k]));
        PetscCall(WriteArray(f, path, 8, qsens + 8 * k, "d(output)/dp, p = (ln A1, E1/R, ln A2, E2/R, cooling rate, seed loading, wash volumes, dryer T)"));
      }
      PetscCall(WriteScalar(f, "timings/quality_wall", t_q, "5 reverse sweeps (with their forwards), seconds"));
      PetscCall(WriteScalar(f, "timings/quality_cpu", c_q, "process CPU seconds, rank 0"));
    }
    if (hist) PetscCall(WriteArray(f, "training/batch_value", tp.iters, hist, "batch value J per optimizer step"));
    PetscCall(WriteScalar(f, "timings/forward_wall", t_fwd, "seconds"));
    PetscCall(WriteScalar(f, "timings/forward_cpu", c_fwd, "process CPU seconds, rank 0"));
    if (adj) {
      PetscCall(WriteScalar(f, "timings/adjoint_wall", t_adj, "forward + reverse sweep, seconds"));
      PetscCall(WriteScalar(f, "timings/adjoint_cpu", c_adj, "process CPU seconds, rank 0"));
    }
    if (bump) {
      PetscCall(WriteScalar(f, "timings/bump_wall", t_bump, "all revaluations, seconds"));
      PetscCall(WriteScalar(f, "timings/bump_cpu", c_bump, "process CPU seconds, rank 0"));
    }
    if (train) {
      PetscCall(WriteScalar(f, "timings/train_wall", t_train, "seconds"));
      PetscCall(WriteScalar(f, "timings/train_cpu", c_train, "process CPU seconds, rank 0"));
    }
    if (reference) PetscCall(WriteScalar(f, "reference/dp_value", dp, "2-D DP optimum, hard constraints, nx = 201, inventory grid 100"));
    H5Fclose(f);
  }
  PetscCall(CfxOutputCommit(comm, out));
  PetscCall(PetscPrintf(comm, "wrote %s\n", out));
  PetscCall(PetscFree(adj));
  PetscCall(PetscFree(bump));
  PetscCall(PetscFree(hist));
  PetscCall(CfxOptimizerDestroy(&opt));
  PetscCall(CfxParamSetDestroy(&ps));
  PetscCall(CfxSnapoMLPDestroy(&mlp));
  PetscCall(ProblemDestroy(&pb));
  PetscFunctionReturn(0);
}
