static const char help[] = "conflux: PETSc-backed PDE solvers and learned models on HDF5 data.\n"
                           "Usage: conflux <subcommand> [options]; `conflux -help` lists the subcommands.\n";

#include "commands.h"

static const CfxCommand commands[] = {
    {"version", "print the conflux version and the versions of PETSc, MPI, HDF5, FFTW and SUNDIALS in use",
     "Usage: conflux version\n"
     "       conflux --version\n"
     "Prints the conflux version, then the library versions this process loaded.\n",
     CfxCommandVersion},
    {"simulate", "run a classical solver over random initial data and write an HDF5 dataset (PDEBench layout)",
     "Usage: conflux simulate -o FILE.h5 [options]      (under mpirun: samples are split over ranks)\n"
     "Writes /tensor [nsamples, nt, nx(, 2)], /x-coordinate, /t-coordinate, /params with\n"
     "param_names, root attributes (pde, flux, scheme, cfl, bc, seed, nu, ic, created_by), and\n"
     "FILE.h5.xmf for ParaView. Sample i depends only on (seed, i): the file is the same for any\n"
     "number of ranks. Written as FILE.h5.tmp and renamed on success.\n"
     "Options (default in brackets):\n"
     "  -pde <advection|burgers|viscous_burgers|cubic|sine|buckley_leverett|shallow_water>  [burgers]\n"
     "  -solver <fv|spectral>     spectral: viscous Burgers only                         [fv]\n"
     "  -nx <n>                   cells                                                  [256]\n"
     "  -nsamples <n>             trajectories                                           [16]\n"
     "  -nt <n>                   frames, including t = 0                                [101]\n"
     "  -t_final <t>              time of the last frame                                 [1]\n"
     "  -xmin <x> -xmax <x>       periodic domain                                        [0, 1]\n"
     "  -nu <nu>                  viscosity                      [0.01 for viscous_burgers, else 0]\n"
     "  -nu_range <lo,hi>         viscosity drawn per sample (stored in params as nu)   [off]\n"
     "  -seed <s>                 random seed                                            [0]\n"
     "  -ic <grf|step|sines>      initial data; -ic_length, -ic_amplitude, -ic_jumps_min/max,\n"
     "                            -ic_sines, -ic_sines_kmax (see docs/datasets.md)      [grf]\n"
     "  -coef_<name>_range lo,hi  draw flux coefficient <name> uniformly per sample: advection c;\n"
     "                            cubic a, b, c; sine a, b; buckley_leverett M; shallow_water g\n"
     "  -fv_*                     every CfxFV option (-fv_riemann, -fv_reconstruction,\n"
     "                            -fv_limiter, -fv_cfl, -fv_ssp_order, ...); -spectral_* likewise\n"
     "  -dataset_precision <float64|float32>, -dataset_gzip <0-9>                 [float64, 0]\n"
     "  -force                    replace an existing FILE.h5\n"
     "  -simulate_monitor         a progress line per sample of rank 0 (samples/s, ETA); on a\n"
     "                            terminal it is shown anyway, updated in place\n"
     "  -simulate_schedule <dynamic|static>  dynamic: a rank done with its share of a batch\n"
     "                            computes the last samples of the rank with most left (shared\n"
     "                            counters, MPI one-sided); static: fixed blocks [dynamic]\n"
     "  -simulate_buffer_mb <mb>  memory per rank for samples awaiting the collective write [256]\n"
     "  -simulate_timing          per-rank wall time: compute, waiting, writing, create/close\n"
     "Initial data are mapped to admissible states: buckley_leverett u = 1/(1+exp(-2v)),\n"
     "shallow_water h = 1 + v/4 with zero velocity.\n",
     CfxCommandSimulate},
    {"train", "train a Flux NO (learned numerical flux) or the one-step FNO baseline on a trajectory dataset",
     "Usage: conflux train -model <fluxno|fno|hfluxno> -data TRAIN.h5 [-val VAL.h5] -o MODEL.h5 [options]   (data parallel under mpirun)\n"
     "Fits the model to the consecutive frame pairs (U^n, U^{n+1}) of a PDEBench-layout dataset\n"
     "(float64 or float32; scalar law, uniform periodic grid, evenly spaced frames). The Flux NO\n"
     "learns F_{j+1/2} in U_j^{n+1} = U_j^n - (dt/dx)(F_{j+1/2} - F_{j-1/2}) with dt/dx from the data,\n"
     "loss sum (step - target)^2 + lambda sum (G(u,..,u) - f(u))^2 (f: the dataset's flux attribute\n"
     "or -fluxno_flux). Writes MODEL.h5 (atomically) with the optimizer state, so -resume continues.\n"
     "Options (default in brackets):\n"
     "  -train_epochs <n>            epochs                                                 [200]\n"
     "  -train_batch <n>             frame pairs per step, split over ranks                 [100]\n"
     "  -train_lr <lr>               Adam learning rate                                     [1e-3]\n"
     "  -train_weight_decay <wd>     L2 penalty (Adam) or decoupled decay (-train_optimizer adamw) [1e-3]\n"
     "  -train_schedule <constant|step|cosine|warmup_cosine>                                [step]\n"
     "  -train_decay_epochs <n>      step schedule: halve the rate every n epochs           [50]\n"
     "  -train_window <t>            train on frames with t <= this time                    [all]\n"
     "  -seed <s>                    initialisation and shuffling                           [0]\n"
     "  -train_checkpoint_every <k>  checkpoint every k epochs                              [0: end only]\n"
     "  -resume                      continue from the checkpoint -o\n"
     "  -train_monitor_every <k>     one monitor line (loss, val loss, rate, pairs/s, ETA) every k epochs [1]\n"
     "  -train_progress_seconds <s>  inside long epochs, a progress line at most every s seconds (0: off) [60]\n"
     "  -train_noise <sigma>         N(0, sigma^2) added to each training input U^n, targets unchanged [0: off]\n"
     "  -fluxno_lambda <l>           consistency weight                                     [0.01]\n"
     "  -fluxno_flux <name>          physical flux of the consistency loss     [the dataset's flux]\n"
     "  -fluxno_p, -fluxno_q         stencil: face j+1/2 reads U_{j-p}..U_{j+q}             [1, 2]\n"
     "  -fluxno_net <fno|mlp>        flux network                                           [fno]\n"
     "  -fluxno_time <euler|rk2>     time stepping of the learned scheme                    [euler]\n"
     "  -fluxno_width, -fluxno_layers, -fluxno_modes, -fluxno_proj_width\n"
     "                               sizes [fluxno: 64, 1, 5, 128; fno: 32, 3, 20, 128]\n"
     "  -force                       replace an existing MODEL.h5\n"
     "-model hfluxno (context-conditioned Flux NO, docs/hfluxno.md): random windows of T+1 frames\n"
     "(scalar or multi-channel data), one-step MSE, AdamW with warmup-cosine; -train_steps [2000],\n"
     "-train_warmup [5% of the steps], -train_batch [32] windows, -train_lr [1e-3], -train_weight_decay [1e-4],\n"
     "-train_checkpoint_every/-train_monitor_every in steps, -resume; sizes -hfluxno_* (-help).\n",
     CfxCommandTrain},
    {"eval", "roll a trained model out over a test dataset; relative L2 and Linf errors at given times",
     "Usage: conflux eval -model MODEL.h5 -data TEST.h5 [-times t1,t2,...] [-o PRED.h5]   (samples split over ranks)\n"
     "Starts every test sample from its frame 0, steps with dt = (dt/dx)_model x dx_test, and prints\n"
     "the relative L2 error ||u - u_true|| / ||u_true|| and the largest absolute error at each time\n"
     "(mean +- std over samples). -o writes the predictions at every test frame in the dataset layout\n"
     "(for `tools/plot compare TEST.h5 PRED.h5`).\n"
     "Options: -times (default: the last frame), -o FILE, -force\n"
     "An hfluxno MODEL.h5 is evaluated with the windowed protocol instead: every window of T + H\n"
     "frames, T context frames, H autoregressive steps (-eval_horizon [20]); relative l2 over the\n"
     "block, linf = max|err|/max|u|, one-step relative l2, mass drift (-eval_json FILE, -eval_batch).\n",
     CfxCommandEval},
    {"rollout", "run one initial condition through a trained model and write the trajectory",
     "Usage: conflux rollout -model MODEL.h5 -t_final T -o OUT.h5 [-data FILE.h5 -sample i | -nx n -ic grf -seed s] [-nframes n]\n"
     "The initial condition is frame 0 of a dataset sample, or a random field drawn as conflux\n"
     "simulate draws them (-ic, -ic_length, ...). Prints the relative mass drift.\n",
     CfxCommandRollout},
    {"info", "describe an HDF5 dataset or checkpoint: layout, attributes, value statistics, mass drift",
     "Usage: conflux info FILE.h5 [-info_stats <bool>] [-info_samples <n>]\n"
     "Prints every group and dataset with its type, shape, chunking and compression; every\n"
     "attribute; per dataset min / max / mean and the count of NaN and Inf values. For a\n"
     "trajectory dataset (tensor, x-coordinate, t-coordinate) it validates the layout as the\n"
     "readers do and reports the worst relative mass drift over samples,\n"
     "  max_k |sum_j u(k,j) - sum_j u(0,j)| / sum_j |u(0,j)|  (per component).\n"
     "For a checkpoint (/model) it summarises the model kind and parameter count.\n"
     "Options:\n"
     "  -info_stats <bool>    compute value statistics (default true)\n"
     "  -info_samples <n>     examine only the first n samples for statistics and drift (default: all)\n",
     CfxCommandInfo},
    {"lgp", "Lagrangian Gaussian processes: simulate ground truth, fit (D-LGP, C-LGP, GP-NARX), roll out with uncertainty",
     "Usage: conflux lgp simulate -o traj.h5 [-system pendulum|double_pendulum|coupled_oscillators|damped_driven_pendulum]\n"
     "       conflux lgp fit -data traj.h5 [-model dlgp|clgp|narx] -o model.h5\n"
     "       conflux lgp rollout -model model.h5 (-q0 a,.. -q1 b,.. | -data traj.h5 [-traj i]) -steps K -o pred.h5\n"
     "Trajectory files: /q [n_traj, n_steps, d], optional /u [n_traj, n_steps, m], root attribute h.\n"
     "simulate (CVODE, rtol 1e-11; unit masses, lengths, gravity, springs; released from rest at\n"
     "amplitude a times (1, -1/2, 1/4, ...), a evenly spaced in -amp):\n"
     "  -system <name>      (default pendulum)      -n_traj <n> (default 4)   -n_steps <n> (default 40)\n"
     "  -h <dt> (default 0.1)   -amp <lo,hi> (default 0.4,1.6)   -n_masses <n> coupled oscillators (default 2)\n"
     "  -noise <std> Gaussian position noise (default 0)   -seed <s> (default 0)\n"
     "  -springs <k0,..,kN> coupled-oscillator springs (default 1 each)\n"
     "  -init <rest|halton> halton: trajectory t starts at Halton point t+1 of (q, v) in [-box, box]^2d\n"
     "  -box <b> (default 1)   -q0 <d values> [-v0 <d values>]: one trajectory from this state\n"
     "  -gamma <g> (default 0.1) -drive <A> (default 0.5) -omega <W> (default 0.8): damped driven pendulum,\n"
     "     theta'' = -g theta' - sin theta + A cos(W t); u_k = A cos(W (k+1/2) h) is written as the known input\n"
     "  -o <file> (required)   -force   overwrite\n"
     "fit: -data <file> (required) -model <dlgp|clgp|narx> (default dlgp) -ml2 <bool> ML-II fit (default true)\n"
     "  -o <file> (required) -force; every -lgp_* option of CfxLGP (see docs/lgp.md), -lgp_tao_* for TAO;\n"
     "  -lgp_dissipation adds a GP for unknown dissipation (Rayleigh R(v), force -grad R)\n"
     "rollout: -model <file> (required) -q0, -q1 <d values> or -data <file> -traj <i> (default 0)\n"
     "  -steps <K> (default 1000) -std <bool> linearised std (default true) -o <file> (required) -force\n"
     "  -system <name> also writes the true energy along the mean (energy_true; -springs, -gamma, ... as in simulate)\n"
     "  writes /mean [K+1, d], /std [K+1, d], /energy [K+1] (LGP posterior-mean energy), attribute h\n",
     CfxCommandLGP},
    {"ineus", CfxCommandIneusSummary, CfxCommandIneusUsage, CfxCommandIneus},
    {"snapo", "SNAPO: train a neural policy in a differentiable simulator; value and all sensitivities from one adjoint sweep", CfxSnapoUsage, CfxCommandSnapo},
};
static const size_t ncommands = sizeof(commands) / sizeof(commands[0]);

static const CfxCommand *FindCommand(const char *name)
{
  for (size_t i = 0; i < ncommands; i++)
    if (!strcmp(commands[i].name, name)) return &commands[i];
  return NULL;
}

static PetscErrorCode PrintCommandList(MPI_Comm comm)
{
  PetscFunctionBegin;
  PetscCall(PetscPrintf(comm, "Usage: conflux <subcommand> [options]\n\nSubcommands:\n"));
  for (size_t i = 0; i < ncommands; i++) PetscCall(PetscPrintf(comm, "  %-10s %s\n", commands[i].name, commands[i].summary));
  PetscCall(PetscPrintf(comm, "  %-10s %s\n", "help", "`conflux help <subcommand>` describes one subcommand and its options"));
  PetscCall(PetscPrintf(comm, "\nEvery subcommand takes PETSc options (-log_view, -options_file f, ...) and runs under mpirun.\n"
                              "`conflux <subcommand> -help` also lists every option with its current value.\n"
                              "Errors print one line; -cfx_traceback shows PETSc's full traceback.\n"));
  PetscFunctionReturn(0);
}

static PetscErrorCode PrintUnknown(MPI_Comm comm, const char *what, const char *name)
{
  char list[1024] = "";

  PetscFunctionBegin;
  for (size_t i = 0; i < ncommands; i++) {
    PetscCall(PetscStrlcat(list, commands[i].name, sizeof(list)));
    PetscCall(PetscStrlcat(list, ", ", sizeof(list)));
  }
  PetscCall(PetscStrlcat(list, "help", sizeof(list)));
  PetscCall(PetscFPrintf(comm, PETSC_STDERR, "conflux: unknown %s '%s'; valid subcommands: %s\n", what, name, list));
  PetscFunctionReturn(0);
}

/* What the first argument asks for. Decided before PetscInitialize() so that `-help` and
   `-version` meant for conflux itself are not also handled by PETSc. */
typedef enum { ACTION_LIST, ACTION_VERSION, ACTION_HELP_ON, ACTION_RUN, ACTION_UNKNOWN } Action;

static int IsOneOf(const char *s, const char *const *set)
{
  for (; *set; set++)
    if (!strcmp(s, *set)) return 1;
  return 0;
}

int main(int argc, char **argv)
{
  static const char *const helpFlags[]    = {"-help", "--help", "-h", "help", NULL};
  static const char *const versionFlags[] = {"-version", "--version", "-v", "version", NULL};
  const CfxCommand *cmd                   = NULL;
  const char *topic                       = NULL;
  Action action;
  int status = 0, shift;
  MPI_Comm comm;

  if (argc < 2 || IsOneOf(argv[1], helpFlags)) {
    action = ACTION_LIST;
    if (argc >= 3 && !strcmp(argv[1], "help")) {
      topic  = argv[2];
      cmd    = FindCommand(topic);
      action = cmd ? ACTION_HELP_ON : ACTION_UNKNOWN;
    }
    if (argc < 2) status = 2;
  } else if (IsOneOf(argv[1], versionFlags)) {
    action = ACTION_VERSION;
  } else {
    topic  = argv[1];
    cmd    = FindCommand(topic);
    action = cmd ? ACTION_RUN : ACTION_UNKNOWN;
  }

  /* PETSc sees the arguments after the subcommand; the program name stays in argv[0]. */
  shift = action == ACTION_RUN ? 1 : (argc >= 2 ? (action == ACTION_HELP_ON || (action == ACTION_UNKNOWN && !strcmp(argv[1], "help")) ? 2 : 1) : 0);
  if (action == ACTION_UNKNOWN && strcmp(argv[1], "help")) shift = argc - 1; /* don't let PETSc parse a mistyped line */
  argv[shift] = argv[0];
  argc -= shift;
  argv += shift;

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  comm = PETSC_COMM_WORLD;
  switch (action) {
    case ACTION_LIST: PetscCall(PrintCommandList(comm)); break;
    case ACTION_VERSION: PetscCall(CfxCommandVersion(comm, argc, argv)); break;
    case ACTION_HELP_ON: PetscCall(PetscPrintf(comm, "conflux %s: %s\n\n%s", cmd->name, cmd->summary, cmd->usage)); break;
    case ACTION_UNKNOWN:
      PetscCall(PrintUnknown(comm, "subcommand", topic));
      status = 2;
      break;
    case ACTION_RUN: {
      char prefix[64];
      PetscBool hasHelp;

      PetscCall(PetscSNPrintf(prefix, sizeof(prefix), "conflux %s", cmd->name));
      PetscCall(CfxPushOneLineErrorHandler(prefix));
      PetscCall(PetscOptionsHasHelp(NULL, &hasHelp));
      if (hasHelp) PetscCall(PetscPrintf(comm, "%s", cmd->usage));
      status = cmd->run(comm, argc, argv) ? 1 : 0;
    } break;
  }
  PetscCall(CfxFinalize());
  return status;
}
