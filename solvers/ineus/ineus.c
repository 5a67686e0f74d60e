/* CfxINEUS: the first-jump regression iteration with a frozen network copy, Adam inner steps,
   data parallel over the ranks of the communicator, stopping rule and history. */
#include "ineusimpl.h"
#include <time.h>

const char *const CfxINEUSMethods[] = {"ineus", "pinn", "bsde", "CfxINEUSMethod", "CFX_INEUS_METHOD_", NULL};
const char *const CfxINEUSReasons[] = {"iterating", "converged_tol", "max_outer", "time_budget", "CfxINEUSReason", "CFX_INEUS_", NULL};

/* Seconds on the solver's clock: wall time, or (-ineus_clock cpu) this process's CPU time,
   which other jobs on a shared machine do not inflate. */
static PetscErrorCode Clock(CfxINEUS s, PetscLogDouble *t)
{
  PetscFunctionBegin;
  if (s->cpu_clock) {
    struct timespec ts;
    PetscCheck(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
    *t = (PetscLogDouble)ts.tv_sec + 1e-9 * (PetscLogDouble)ts.tv_nsec;
  } else
    PetscCall(PetscTime(t));
  PetscFunctionReturn(0);
}

/* SplitMix64 finaliser: derived seeds for the independent random streams of the solver. */
static uint64_t Mix(uint64_t a, uint64_t b)
{
  uint64_t z = a + 0x9e3779b97f4a7c15ULL * (b + 1);
  z          = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z          = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

PetscErrorCode CfxINEUSCreate(MPI_Comm comm, CfxINEUS *s)
{
  CfxINEUS p;

  PetscFunctionBegin;
  PetscValidPointer(s, 2);
  PetscCall(CfxINEUSInitializePackage());
  PetscCall(PetscNew(&p));
  p->comm            = comm;
  p->width           = 64;
  p->depth           = 3;
  p->act             = CFX_ACT_TANH;
  p->outer           = 12;
  p->inner           = 300;
  p->batch           = 256;
  p->nval            = 1024;
  p->ntest           = 10000;
  p->lab.forced_jump = PETSC_TRUE;
  p->lab.antithetic  = PETSC_TRUE;
  p->lab.nsamples    = 4;
  p->tol             = 1e-3;
  p->lr              = 2e-3;
  p->lr_decay        = 0.7;
  p->lr_min          = 1e-4;
  p->seed            = 0;
  p->test_seed       = 20260;
  p->ckpt_every      = 1;
  p->query_fraction  = 0.5;
  p->average         = 0.5;
  p->pinn_jumps      = 8;
  p->bsde_steps      = 20;
  *s                 = p;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxINEUSDestroy(CfxINEUS *s)
{
  CfxINEUS p;

  PetscFunctionBegin;
  if (!s || !*s) PetscFunctionReturn(0);
  p = *s;
  PetscCall(CfxModuleDestroy(&p->net));
  PetscCall(CfxModuleDestroy(&p->frozen));
  PetscCall(CfxParamSetDestroy(&p->params));
  PetscCall(CfxParamSetDestroy(&p->fparams));
  PetscCall(CfxOptimizerDestroy(&p->opt));
  PetscCall(CfxTapeDestroy(&p->tape));
  PetscCall(CfxTapeDestroy(&p->etape));
  PetscCall(PetscFree(p->xc));
  PetscCall(PetscFree3(p->tval, p->xval, p->uval_prev));
  PetscCall(PetscFree4(p->ttest, p->xtest, p->utest, p->uexact));
  PetscCall(PetscFree(p->hist));
  PetscCall(PetscFree(p->prefix));
  PetscCall(PetscFree(p->ckpt));
  PetscCall(PetscFree(*s));
  PetscFunctionReturn(0);
}

/* The solver does not take ownership: keep the problem alive until the solver is destroyed. */
PetscErrorCode CfxINEUSSetPIDE(CfxINEUS s, CfxPIDE pide)
{
  PetscFunctionBegin;
  s->pide  = pide;
  s->setup = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxINEUSSetOptionsPrefix(CfxINEUS s, const char prefix[])
{
  PetscFunctionBegin;
  PetscCall(PetscFree(s->prefix));
  PetscCall(PetscStrallocpy(prefix, &s->prefix));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxINEUSSetMethod(CfxINEUS s, CfxINEUSMethod method)
{
  PetscFunctionBegin;
  s->method = method;
  s->setup  = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxINEUSGetMethod(CfxINEUS s, CfxINEUSMethod *method)
{
  PetscFunctionBegin;
  *method = s->method;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxINEUSSetTimeBudget(CfxINEUS s, PetscReal seconds)
{
  PetscFunctionBegin;
  PetscCheck(seconds >= 0, s->comm, PETSC_ERR_ARG_OUTOFRANGE, "Time budget must be >= 0 seconds, found %g", (double)seconds);
  s->time_budget = seconds;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxINEUSSetCheckpoint(CfxINEUS s, const char file[], PetscInt every)
{
  PetscFunctionBegin;
  PetscCheck(every >= 0, s->comm, PETSC_ERR_ARG_OUTOFRANGE, "Checkpoint period must be >= 0 outer iterations, found %" PetscInt_FMT, every);
  PetscCall(PetscFree(s->ckpt));
  if (file && file[0]) PetscCall(PetscStrallocpy(file, &s->ckpt));
  s->ckpt_every = every;
  PetscFunctionReturn(0);
}

/*@C
  CfxINEUSSetFromOptions - Network: -ineus_width, -ineus_depth, -ineus_activation; iteration:
  -ineus_outer, -ineus_inner, -ineus_batch (global), -ineus_label_samples,
  -ineus_forced_jump, -ineus_antithetic, -ineus_tol, -ineus_lr, -ineus_lr_decay (factor per
  outer iteration), -ineus_lr_min, -ineus_time_budget (seconds, 0 = none), -ineus_seed,
  -ineus_validation, -ineus_test, -ineus_test_seed, -ineus_monitor, -ineus_checkpoint,
  -ineus_checkpoint_every.
@*/
PetscErrorCode CfxINEUSSetFromOptions(CfxINEUS s)
{
  PetscInt seed = (PetscInt)s->seed, tseed = (PetscInt)s->test_seed;
  char ckpt[PETSC_MAX_PATH_LEN];
  PetscBool set;

  PetscFunctionBegin;
  PetscOptionsBegin(s->comm, s->prefix, "INEUS solver options", "CfxINEUS");
  PetscCall(PetscOptionsEnum("-ineus_method", "what to train: the INEUS-style iteration or a baseline", "CfxINEUSSetMethod", CfxINEUSMethods, (PetscEnum)s->method, (PetscEnum *)&s->method, NULL));
  PetscCall(PetscOptionsInt("-ineus_pinn_jumps", "PINN: jump samples per residual point (Monte Carlo jump integral)", "CfxINEUSSetFromOptions", s->pinn_jumps, &s->pinn_jumps, NULL));
  PetscCall(PetscOptionsInt("-ineus_bsde_steps", "deep BSDE: time steps", "CfxINEUSSetFromOptions", s->bsde_steps, &s->bsde_steps, NULL));
  PetscCall(PetscOptionsInt("-ineus_width", "hidden width of the MLP", "CfxINEUSSetFromOptions", s->width, &s->width, NULL));
  PetscCall(PetscOptionsInt("-ineus_depth", "hidden layers of the MLP", "CfxINEUSSetFromOptions", s->depth, &s->depth, NULL));
  PetscCall(PetscOptionsEnum("-ineus_activation", "hidden activation", "CfxINEUSSetFromOptions", CfxActivations, (PetscEnum)s->act, (PetscEnum *)&s->act, NULL));
  PetscCall(PetscOptionsInt("-ineus_outer", "maximum outer (Picard) iterations", "CfxINEUSSetFromOptions", s->outer, &s->outer, NULL));
  PetscCall(PetscOptionsInt("-ineus_inner", "Adam steps per outer iteration", "CfxINEUSSetFromOptions", s->inner, &s->inner, NULL));
  PetscCall(PetscOptionsInt("-ineus_batch", "points per Adam step (all ranks together)", "CfxINEUSSetFromOptions", s->batch, &s->batch, NULL));
  PetscCall(PetscOptionsInt("-ineus_label_samples", "independent (antithetic pairs of) paths averaged per label", "CfxINEUSSetFromOptions", s->lab.nsamples, &s->lab.nsamples, NULL));
  PetscCall(PetscOptionsBool("-ineus_forced_jump", "forced-jump label estimator", "CfxINEUSSetFromOptions", s->lab.forced_jump, &s->lab.forced_jump, NULL));
  PetscCall(PetscOptionsBool("-ineus_antithetic", "antithetic path pairs", "CfxINEUSSetFromOptions", s->lab.antithetic, &s->lab.antithetic, NULL));
  PetscCall(PetscOptionsReal("-ineus_tol", "stop when the relative change between iterates is below this", "CfxINEUSSetFromOptions", s->tol, &s->tol, NULL));
  PetscCall(PetscOptionsReal("-ineus_lr", "Adam learning rate of the first outer iteration", "CfxINEUSSetFromOptions", s->lr, &s->lr, NULL));
  PetscCall(PetscOptionsReal("-ineus_lr_decay", "learning-rate factor per outer iteration", "CfxINEUSSetFromOptions", s->lr_decay, &s->lr_decay, NULL));
  PetscCall(PetscOptionsReal("-ineus_lr_min", "smallest learning rate", "CfxINEUSSetFromOptions", s->lr_min, &s->lr_min, NULL));
  PetscCall(PetscOptionsReal("-ineus_time_budget", "time budget in seconds on the -ineus_clock (0: none)", "CfxINEUSSetFromOptions", s->time_budget, &s->time_budget, NULL));
  PetscCall(PetscOptionsInt("-ineus_seed", "random seed (initial network, points, labels)", "CfxINEUSSetFromOptions", seed, &seed, NULL));
  PetscCall(
      PetscOptionsReal("-ineus_query_fraction", "probability of moving a training point to a label query point (repeatedly)", "CfxPIDESampleQueryPoints", s->query_fraction, &s->query_fraction, NULL));
  PetscCall(PetscOptionsReal("-ineus_lr_cycle", "0: constant rate per outer iteration; f in (0, 1]: cosine decay from the rate to f times it within each outer iteration", "CfxINEUSSetFromOptions",
                             s->lr_cycle, &s->lr_cycle, NULL));
  PetscCall(
      PetscOptionsReal("-ineus_average", "fraction of the inner steps whose parameters are averaged into the iterate (0: the last step)", "CfxINEUSSetFromOptions", s->average, &s->average, NULL));
  PetscCall(
      PetscOptionsBool("-ineus_relative", "weight the loss by (c/max(|u_k|, c))^2, c = |mean g| + std g: relative error where u is large", "CfxINEUSSetFromOptions", s->relative, &s->relative, NULL));
  PetscCall(PetscOptionsBool("-ineus_terminal_ansatz", "network output u = g(x) + ((T - t)/T) N(t, x): the terminal condition holds exactly and N fits only the rest", "CfxINEUSSetFromOptions",
                             s->ansatz, &s->ansatz, NULL));
  {
    const char *const clocks[] = {"wall", "cpu", "clock", "", NULL};
    PetscInt c                 = s->cpu_clock ? 1 : 0;
    PetscCall(PetscOptionsEList("-ineus_clock", "clock of the time budget and of the history times: wall, or process CPU time (fair on a shared machine)", "CfxINEUSSetFromOptions", clocks, 2,
                                clocks[c], &c, NULL));
    s->cpu_clock = c == 1 ? PETSC_TRUE : PETSC_FALSE;
  }
  PetscCall(PetscOptionsInt("-ineus_validation", "validation points for the stopping rule", "CfxINEUSSetFromOptions", s->nval, &s->nval, NULL));
  PetscCall(PetscOptionsInt("-ineus_test", "fixed test points for error reports", "CfxINEUSSetFromOptions", s->ntest, &s->ntest, NULL));
  PetscCall(PetscOptionsInt("-ineus_test_seed", "seed of the test points", "CfxINEUSSetFromOptions", tseed, &tseed, NULL));
  PetscCall(PetscOptionsBool("-ineus_monitor", "one line per outer iteration (change, error estimate, test error, ETA)", "CfxINEUSSetFromOptions", s->monitor, &s->monitor, NULL));
  PetscCall(PetscStrncpy(ckpt, s->ckpt ? s->ckpt : "", sizeof(ckpt)));
  PetscCall(PetscOptionsString("-ineus_checkpoint", "checkpoint file written at the end of outer iterations", "CfxINEUSSetCheckpoint", ckpt, ckpt, sizeof(ckpt), &set));
  PetscCall(PetscOptionsInt("-ineus_checkpoint_every", "outer iterations between checkpoints (0: only at the end)", "CfxINEUSSetCheckpoint", s->ckpt_every, &s->ckpt_every, NULL));
  PetscOptionsEnd();
  PetscCall(CfxINEUSSetCheckpoint(s, ckpt, s->ckpt_every));
  PetscCheck(s->width >= 1 && s->depth >= 1 && s->outer >= 1 && s->inner >= 1 && s->batch >= 1 && s->nval >= 2 && s->ntest >= 1, s->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "INEUS sizes must be positive (width %" PetscInt_FMT ", depth %" PetscInt_FMT ", outer %" PetscInt_FMT ", inner %" PetscInt_FMT ", batch %" PetscInt_FMT ", validation %" PetscInt_FMT
             ", test %" PetscInt_FMT ")",
             s->width, s->depth, s->outer, s->inner, s->batch, s->nval, s->ntest);
  PetscCheck(s->lr > 0 && s->lr_decay > 0 && s->lr_decay <= 1 && s->lr_min > 0 && s->time_budget >= 0 && s->tol >= 0, s->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "INEUS needs lr > 0, 0 < lr_decay <= 1, lr_min > 0, time_budget >= 0, tol >= 0; found %g, %g, %g, %g, %g", (double)s->lr, (double)s->lr_decay, (double)s->lr_min, (double)s->time_budget,
             (double)s->tol);
  PetscCheck(s->pinn_jumps >= 1 && s->bsde_steps >= 1, s->comm, PETSC_ERR_ARG_OUTOFRANGE, "-ineus_pinn_jumps and -ineus_bsde_steps must be >= 1, found %" PetscInt_FMT " and %" PetscInt_FMT,
             s->pinn_jumps, s->bsde_steps);
  PetscCheck(s->method == CFX_INEUS_METHOD_INEUS || s->act == CFX_ACT_TANH, s->comm, PETSC_ERR_SUP, "-ineus_method %s needs -ineus_activation tanh (its derivatives are built for tanh), found %s",
             CfxINEUSMethods[s->method], CfxActivations[s->act]);
  PetscCheck(!s->ansatz || s->method == CFX_INEUS_METHOD_INEUS, s->comm, PETSC_ERR_SUP, "-ineus_terminal_ansatz is implemented for -ineus_method ineus only, found %s", CfxINEUSMethods[s->method]);
  PetscCheck(s->average >= 0 && s->average <= 1, s->comm, PETSC_ERR_ARG_OUTOFRANGE, "-ineus_average must be in [0, 1], found %g", (double)s->average);
  PetscCheck(seed >= 0 && tseed >= 0, s->comm, PETSC_ERR_ARG_OUTOFRANGE, "Seeds must be >= 0");
  s->seed      = (uint64_t)seed;
  s->test_seed = (uint64_t)tseed;
  s->setup     = PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode MakeNet(CfxINEUS s, const char *name, CfxModule *m)
{
  PetscFunctionBegin;
  PetscCall(CfxModuleCreate(PETSC_COMM_SELF, m));
  PetscCall(CfxModuleSetType(*m, CFXMLP));
  PetscCall(CfxModuleMLPSetSizes(*m, 1 + s->d, s->width, s->depth, 1));
  PetscCall(CfxModuleMLPSetActivation(*m, s->act));
  PetscCall(CfxModuleSetName(*m, name));
  PetscCall(CfxModuleSetSeed(*m, s->seed));
  PetscCall(CfxModuleSetUp(*m));
  PetscFunctionReturn(0);
}

/* Network values at n points, scaled back to u; recording off, in chunks. */
PetscErrorCode CfxINEUSNetEval(CfxINEUS s, CfxModule m, PetscInt n, const PetscReal t[], const PetscReal x[], PetscReal u[])
{
  const PetscInt d = s->d, chunk = 4096;
  PetscReal T;

  PetscFunctionBegin;
  PetscCall(CfxPIDEGetHorizon(s->pide, &T));
  PetscCall(CfxTapeSetRecording(s->etape, PETSC_FALSE));
  for (PetscInt a = 0; a < n; a += chunk) {
    PetscInt c = PetscMin(chunk, n - a), shape[2] = {c, 1 + d};
    CfxTensor in, out;
    PetscCall(CfxTapeNewTensorUninit(s->etape, 2, shape, &in));
    for (PetscInt i = 0; i < c; i++) {
      in->data[i * (1 + d)] = 2 * t[a + i] / T - 1;
      for (PetscInt j = 0; j < d; j++) in->data[i * (1 + d) + 1 + j] = (x[(a + i) * d + j] - s->xc[j]) / s->xs;
    }
    PetscCall(CfxModuleForward(m, s->etape, in, &out));
    if (s->ansatz)
      for (PetscInt i = 0; i < c; i++) {
        PetscReal g;
        PetscCall(CfxPIDETerminal(s->pide, &x[(a + i) * d], &g));
        u[a + i] = g + (T - t[a + i]) / T * s->us * out->data[i];
      }
    else
      for (PetscInt i = 0; i < c; i++) u[a + i] = s->uc + s->us * out->data[i];
    PetscCall(CfxTapeReset(s->etape));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode FrozenValue(PetscInt n, const PetscReal t[], const PetscReal x[], PetscReal u[], void *ctx)
{
  CfxINEUS s = (CfxINEUS)ctx;
  PetscFunctionBegin;
  PetscCall(CfxINEUSNetEval(s, s->frozen, n, t, x, u));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxINEUSEvaluate(CfxINEUS s, PetscInt n, const PetscReal t[], const PetscReal x[], PetscReal u[])
{
  PetscFunctionBegin;
  PetscCheck(s->setup, s->comm, PETSC_ERR_ORDER, "Call CfxINEUSSetUp() first");
  PetscCall(CfxINEUSNetEval(s, s->net, n, t, x, u));
  PetscFunctionReturn(0);
}

/*@C
  CfxINEUSSetUp - Sets up the problem, draws the validation and test sets, fixes the input
  and output scalings, and builds the network, its frozen copy and the Adam optimizer.
@*/
PetscErrorCode CfxINEUSSetUp(CfxINEUS s)
{
  PetscInt d, npar;
  PetscReal *g, m2 = 0;
  const PetscReal *x0;

  PetscFunctionBegin;
  if (s->setup) PetscFunctionReturn(0);
  PetscCheck(s->pide, s->comm, PETSC_ERR_ORDER, "Call CfxINEUSSetPIDE() first");
  PetscCall(CfxPIDESetUp(s->pide));
  PetscCall(CfxPIDEGetDimension(s->pide, &d));
  s->d = d;
  PetscCall(CfxPIDEHasExactSolution(s->pide, &s->has_exact));
  PetscCall(PetscFree(s->xc));
  PetscCall(PetscFree3(s->tval, s->xval, s->uval_prev));
  PetscCall(PetscFree4(s->ttest, s->xtest, s->utest, s->uexact));
  PetscCall(PetscCalloc1(d, &s->xc));
  PetscCall(PetscMalloc3(s->nval, &s->tval, s->nval * d, &s->xval, s->nval, &s->uval_prev));
  PetscCall(PetscMalloc4(s->ntest, &s->ttest, s->ntest * d, &s->xtest, s->ntest, &s->utest, s->ntest, &s->uexact));
  PetscCall(CfxPIDESamplePoints(s->pide, Mix(s->seed, 4), 0, s->nval, s->tval, s->xval));
  PetscCall(CfxPIDESamplePoints(s->pide, s->test_seed, 0, s->ntest, s->ttest, s->xtest));
  if (s->has_exact) PetscCall(CfxPIDEExactSolution(s->pide, s->ntest, s->ttest, s->xtest, s->uexact));
  /* scalings from the validation points: coordinate means, one pooled spread, and the mean
     and spread of the terminal values */
  for (PetscInt i = 0; i < s->nval; i++)
    for (PetscInt j = 0; j < d; j++) s->xc[j] += s->xval[i * d + j] / s->nval;
  for (PetscInt i = 0; i < s->nval; i++)
    for (PetscInt j = 0; j < d; j++) m2 += PetscSqr(s->xval[i * d + j] - s->xc[j]) / (s->nval * d);
  s->xs = m2 > 0 ? PetscSqrtReal(m2) : 1;
  PetscCall(PetscMalloc1(s->nval, &g));
  s->uc = 0;
  m2    = 0;
  for (PetscInt i = 0; i < s->nval; i++) {
    PetscCall(CfxPIDETerminal(s->pide, &s->xval[i * d], &g[i]));
    s->uc += g[i] / s->nval;
  }
  for (PetscInt i = 0; i < s->nval; i++) m2 += PetscSqr(g[i] - s->uc) / s->nval;
  s->us = m2 > 0 ? PetscSqrtReal(m2) : 1;
  PetscCall(PetscFree(g));
  if (s->has_exact) {
    PetscReal t0 = 0;
    PetscCall(CfxPIDEGetReferencePoint(s->pide, &x0));
    PetscCall(CfxPIDEExactSolution(s->pide, 1, &t0, x0, &s->u0exact));
  }
  /* network, frozen copy, optimizer */
  PetscCall(CfxModuleDestroy(&s->net));
  PetscCall(CfxModuleDestroy(&s->frozen));
  PetscCall(CfxParamSetDestroy(&s->params));
  PetscCall(CfxParamSetDestroy(&s->fparams));
  PetscCall(CfxOptimizerDestroy(&s->opt));
  PetscCall(MakeNet(s, "u", &s->net));
  PetscCall(MakeNet(s, "u", &s->frozen));
  PetscCall(CfxParamSetCreate(PETSC_COMM_SELF, &s->params));
  PetscCall(CfxModuleAddParameters(s->net, s->params));
  PetscCall(CfxParamSetSetUp(s->params));
  PetscCall(CfxParamSetCreate(PETSC_COMM_SELF, &s->fparams));
  PetscCall(CfxModuleAddParameters(s->frozen, s->fparams));
  PetscCall(CfxParamSetSetUp(s->fparams));
  PetscCall(CfxParamSetGetSize(s->params, &npar));
  PetscCall(CfxOptimizerCreate(PETSC_COMM_SELF, &s->opt));
  PetscCall(CfxOptimizerSetParamSet(s->opt, s->params));
  PetscCall(CfxOptimizerSetType(s->opt, CFX_OPTIMIZER_ADAM));
  PetscCall(CfxOptimizerSetLearningRate(s->opt, s->lr));
  PetscCall(CfxOptimizerSetUp(s->opt));
  if (!s->tape) PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &s->tape));
  if (!s->etape) PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &s->etape));
  s->nhist  = 0;
  s->k      = 0;
  s->steps  = 0;
  s->tspent = 0;
  s->reason = CFX_INEUS_ITERATING;
  s->setup  = PETSC_TRUE;
  PetscFunctionReturn(0);
}

static PetscErrorCode CopyToFrozen(CfxINEUS s)
{
  PetscReal *v, *fv;
  PetscInt n;

  PetscFunctionBegin;
  PetscCall(CfxParamSetGetArrays(s->params, &v, NULL));
  PetscCall(CfxParamSetGetArrays(s->fparams, &fv, NULL));
  PetscCall(CfxParamSetGetSize(s->params, &n));
  PetscCall(PetscArraycpy(fv, v, n));
  PetscFunctionReturn(0);
}

/* One Adam step on this rank's share of the global batch of step number `step`. */
static PetscErrorCode InnerStep(CfxINEUS s, PetscInt step, PetscReal *loss)
{
  const PetscInt d = s->d, M = s->batch;
  PetscMPIInt rank, size;
  PetscInt lo, hi, m, npar, shape[2];
  PetscReal *t, *x, *Y, *w, *grad, T, lsum, c = PetscAbsReal(s->uc) + s->us;
  CfxTensor in, target, out, L, sw;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CFX_INEUS_Step, 0, 0, 0, 0));
  PetscCallMPI(MPI_Comm_rank(s->comm, &rank));
  PetscCallMPI(MPI_Comm_size(s->comm, &size));
  lo = (M * rank) / size;
  hi = (M * (rank + 1)) / size;
  m  = hi - lo;
  PetscCall(CfxPIDEGetHorizon(s->pide, &T));
  PetscCall(PetscMalloc4(m, &t, m * d, &x, m, &Y, m, &w));
  PetscCall(CfxPIDESampleQueryPoints(s->pide, s->query_fraction, Mix(s->seed, 1), (uint64_t)step * M + lo, m, t, x));
  PetscCall(CfxPIDELabels(s->pide, &s->lab, FrozenValue, s, Mix(s->seed, 2), (uint64_t)step * M + lo, m, t, x, Y, NULL));
  /* Relative weights: the query points reach far into the tails where u (B2: exp) is large;
     plain MSE spends the network there. The weights depend on the point only (through the
     frozen iterate), so the weighted regression still targets Phi(u_k). */
  if (s->relative) {
    PetscCall(FrozenValue(m, t, x, w, s));
    for (PetscInt i = 0; i < m; i++) w[i] = c / PetscMax(PetscAbsReal(w[i]), c);
  } else
    for (PetscInt i = 0; i < m; i++) w[i] = 1;
  PetscCall(CfxParamSetZeroGrad(s->params));
  PetscCall(CfxTapeSetRecording(s->tape, PETSC_TRUE));
  lsum = 0;
  if (m > 0) {
    shape[0] = m;
    shape[1] = 1 + d;
    PetscCall(CfxTapeNewTensorUninit(s->tape, 2, shape, &in));
    shape[1] = 1;
    PetscCall(CfxTapeNewTensorUninit(s->tape, 2, shape, &target));
    PetscCall(CfxTapeNewTensorUninit(s->tape, 2, shape, &sw));
    for (PetscInt i = 0; i < m; i++) {
      PetscReal base = s->uc, factor = 1;
      if (s->ansatz) { /* u = g + ((T - t)/T) us N: fit (T - t)/T N to (Y - g)/us */
        PetscCall(CfxPIDETerminal(s->pide, &x[i * d], &base));
        factor = (T - t[i]) / T;
      }
      in->data[i * (1 + d)] = 2 * t[i] / T - 1;
      for (PetscInt j = 0; j < d; j++) in->data[i * (1 + d) + 1 + j] = (x[i * d + j] - s->xc[j]) / s->xs;
      target->data[i] = w[i] * (Y[i] - base) / s->us;
      sw->data[i]     = w[i] * factor; /* square root of the loss weight, times the ansatz factor */
    }
    PetscCall(CfxModuleForward(s->net, s->tape, in, &out));
    if (s->relative || s->ansatz) PetscCall(CfxOpMul(s->tape, out, sw, &out));
    PetscCall(CfxOpMSELoss(s->tape, out, target, &L));
    PetscCall(CfxOpScale(s->tape, L, (PetscReal)m / M, 0, &L)); /* share of the global mean */
    lsum = L->data[0];
    PetscCall(CfxTapeBackward(s->tape, L));
  }
  PetscCall(CfxTapeReset(s->tape));
  PetscCall(CfxParamSetGetArrays(s->params, NULL, &grad));
  PetscCall(CfxParamSetGetSize(s->params, &npar));
  if (size > 1) {
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, grad, (PetscMPIInt)npar, MPIU_REAL, MPI_SUM, s->comm));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &lsum, 1, MPIU_REAL, MPI_SUM, s->comm));
  }
  PetscCall(CfxOptimizerStep(s->opt));
  *loss = lsum * s->us * s->us; /* in units of u^2 */
  PetscCall(PetscFree4(t, x, Y, w));
  PetscCall(PetscLogEventEnd(CFX_INEUS_Step, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode AddRecord(CfxINEUS s, PetscReal time, PetscReal change, PetscReal loss)
{
  CfxINEUSRecord *r;
  PetscReal lam, T, q;

  PetscFunctionBegin;
  if (s->nhist == s->maxhist) {
    CfxINEUSRecord *h;
    s->maxhist = 2 * s->maxhist + 16;
    PetscCall(PetscMalloc1(s->maxhist, &h));
    if (s->nhist) PetscCall(PetscArraycpy(h, s->hist, s->nhist));
    PetscCall(PetscFree(s->hist));
    s->hist = h;
  }
  PetscCall(CfxPIDEGetJumpIntensity(s->pide, &lam));
  PetscCall(CfxPIDEGetHorizon(s->pide, &T));
  q              = 1 - PetscExpReal(-lam * T);
  r              = &s->hist[s->nhist++];
  r->outer       = s->k;
  r->steps       = s->steps;
  r->time        = time;
  r->change      = change;
  r->estimate    = q < 1 ? change * q / (1 - q) : PETSC_INFINITY;
  r->loss        = loss;
  r->rel_l2      = -1;
  r->point_error = -1;
  PetscCall(PetscLogEventBegin(CFX_INEUS_Eval, 0, 0, 0, 0));
  {
    const PetscReal *x0;
    PetscReal t0 = 0;
    PetscCall(CfxPIDEGetReferencePoint(s->pide, &x0));
    PetscCall(CfxINEUSNetEval(s, s->net, 1, &t0, x0, &r->point_value));
  }
  if (s->has_exact) {
    PetscReal num = 0, den = 0;
    PetscCall(CfxINEUSNetEval(s, s->net, s->ntest, s->ttest, s->xtest, s->utest));
    for (PetscInt i = 0; i < s->ntest; i++) {
      num += PetscSqr(s->utest[i] - s->uexact[i]);
      den += PetscSqr(s->uexact[i]);
    }
    r->rel_l2      = PetscSqrtReal(num / den);
    r->point_error = PetscAbsReal(r->point_value - s->u0exact) / PetscAbsReal(s->u0exact);
  }
  PetscCall(PetscLogEventEnd(CFX_INEUS_Eval, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* Relative change of the network on the validation set since the last call; keeps the new
   values for the next one. */
static PetscErrorCode ValidationChange(CfxINEUS s, PetscReal *change)
{
  PetscReal *u, num = 0, den = 0;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(s->nval, &u));
  PetscCall(CfxINEUSNetEval(s, s->net, s->nval, s->tval, s->xval, u));
  for (PetscInt i = 0; i < s->nval; i++) {
    num += PetscSqr(u[i] - s->uval_prev[i]);
    den += PetscSqr(u[i]);
  }
  PetscCall(PetscArraycpy(s->uval_prev, u, s->nval));
  PetscCall(PetscFree(u));
  *change = den > 0 ? PetscSqrtReal(num / den) : 0;
  PetscFunctionReturn(0);
}

static PetscErrorCode Monitor(CfxINEUS s, PetscReal q)
{
  const CfxINEUSRecord *r = &s->hist[s->nhist - 1];
  PetscReal per           = s->tspent / PetscMax(r->outer, 1), eta;
  PetscInt left           = s->outer - s->k;

  PetscFunctionBegin;
  /* iterations left: the cap, or until a q-contraction would bring the change below tol */
  if (r->change > s->tol && q < 1 && q > 0 && s->tol > 0) left = PetscMin(left, (PetscInt)PetscCeilReal(PetscLogReal(s->tol / r->change) / PetscLogReal(q)));
  eta = left * per;
  if (s->time_budget > 0) eta = PetscMin(eta, PetscMax(s->time_budget - s->tspent, 0));
  if (s->has_exact)
    PetscCall(PetscPrintf(s->comm, "%s k=%" PetscInt_FMT " steps=%" PetscInt_FMT " loss=%.3e change=%.3e est.err=%.3e | test relL2=%.3e point err=%.3e | %.1fs, ETA %.1fs\n",
                          CfxINEUSMethods[s->method], s->k, s->steps, (double)r->loss, (double)r->change, (double)r->estimate, (double)r->rel_l2, (double)r->point_error, (double)s->tspent,
                          (double)eta));
  else
    PetscCall(PetscPrintf(s->comm, "%s k=%" PetscInt_FMT " steps=%" PetscInt_FMT " loss=%.3e change=%.3e est.err=%.3e | u(0,x0)=%.6g | %.1fs, ETA %.1fs\n", CfxINEUSMethods[s->method], s->k, s->steps,
                          (double)r->loss, (double)r->change, (double)r->estimate, (double)r->point_value, (double)s->tspent, (double)eta));
  PetscFunctionReturn(0);
}

/* Why the iteration should stop now (CFX_INEUS_ITERATING: it should not). Decided from the
   state alone, so a run restored from a checkpoint stops where the uninterrupted one did. */
static CfxINEUSReason StopReason(CfxINEUS s)
{
  if (s->nhist > 0 && s->k >= 2 && s->hist[s->nhist - 1].change < s->tol) return CFX_INEUS_CONVERGED_TOL;
  if (s->k >= s->outer) return CFX_INEUS_MAX_OUTER;
  if (s->time_budget > 0 && s->tspent >= s->time_budget) return CFX_INEUS_TIME_BUDGET;
  return CFX_INEUS_ITERATING;
}

/*@C
  CfxINEUSSolve - Runs the outer iteration from the current state (a fresh SetUp starts from
  the seeded initial network; CfxINEUSLoadCheckpoint from the saved one) until the stopping
  rule, the iteration limit or the time budget ends it.
@*/
PetscErrorCode CfxINEUSSolve(CfxINEUS s)
{
  PetscReal lam, T, q, change = 0;
  PetscLogDouble tstart = 0, tnow = 0;

  PetscFunctionBegin;
  PetscCall(CfxINEUSSetUp(s));
  PetscCall(CfxPIDEGetJumpIntensity(s->pide, &lam));
  PetscCall(CfxPIDEGetHorizon(s->pide, &T));
  q = 1 - PetscExpReal(-lam * T);
  PetscCall(CfxINEUSNetEval(s, s->net, s->nval, s->tval, s->xval, s->uval_prev));
  if (s->nhist == 0) PetscCall(AddRecord(s, 0, 0, -1));
  while ((s->reason = StopReason(s)) == CFX_INEUS_ITERATING) {
    PetscReal lr = PetscMax(s->lr * PetscPowReal(s->lr_decay, (PetscReal)s->k), s->lr_min), lsum = 0;
    PetscInt ntail = 0, tail = PetscMax(s->inner / 4, 1), navg = 0, npar, avg_from = s->inner - PetscMax((PetscInt)(s->average * s->inner), 1);
    PetscBool out_of_time = PETSC_FALSE;
    PetscReal *theta, *avg = NULL;

    PetscCall(Clock(s, &tstart));
    PetscCall(PetscLogEventBegin(CFX_INEUS_Outer, 0, 0, 0, 0));
    PetscCall(CopyToFrozen(s));
    PetscCall(CfxOptimizerSetLearningRate(s->opt, lr));
    for (PetscInt i = 0; i < s->inner && !out_of_time; i++) {
      PetscReal loss = 0;
      if (s->lr_cycle > 0) { /* cosine from lr down to lr_cycle * lr within the outer iteration */
        PetscReal c = 0.5 * (1 + PetscCosReal(PETSC_PI * i / s->inner));
        PetscCall(CfxOptimizerSetLearningRate(s->opt, lr * (s->lr_cycle + (1 - s->lr_cycle) * c)));
      }
      if (s->method == CFX_INEUS_METHOD_PINN)
        PetscCall(CfxINEUSPINNStep(s, s->steps, &loss));
      else if (s->method == CFX_INEUS_METHOD_BSDE)
        PetscCall(CfxINEUSBSDEStep(s, s->steps, &loss));
      else
        PetscCall(InnerStep(s, s->steps, &loss));
      s->steps++;
      if (i >= s->inner - tail) {
        lsum += loss;
        ntail++;
      }
      if (s->average > 0 && i >= avg_from) { /* tail (Polyak) average of the parameters */
        PetscCall(CfxParamSetGetArrays(s->params, &theta, NULL));
        PetscCall(CfxParamSetGetSize(s->params, &npar));
        if (!avg) PetscCall(PetscCalloc1(npar, &avg));
        for (PetscInt j = 0; j < npar; j++) avg[j] += theta[j];
        navg++;
      }
      if (s->time_budget > 0) { /* all ranks take the same decision: rank 0's clock */
        int stop;
        PetscCall(Clock(s, &tnow));
        stop = s->tspent + (tnow - tstart) > s->time_budget;
        PetscCallMPI(MPI_Bcast(&stop, 1, MPI_INT, 0, s->comm));
        out_of_time = stop ? PETSC_TRUE : PETSC_FALSE;
      }
    }
    if (avg) { /* the iterate is the average: it carries less of the step noise */
      for (PetscInt j = 0; j < npar; j++) theta[j] = avg[j] / navg;
      PetscCall(PetscFree(avg));
    }
    s->k++;
    PetscCall(ValidationChange(s, &change));
    PetscCall(PetscLogEventEnd(CFX_INEUS_Outer, 0, 0, 0, 0));
    PetscCall(Clock(s, &tnow));
    s->tspent += tnow - tstart;
    PetscCallMPI(MPI_Bcast(&s->tspent, 1, MPIU_REAL, 0, s->comm));
    PetscCall(AddRecord(s, s->tspent, change, ntail ? lsum / ntail : -1));
    if (s->monitor) PetscCall(Monitor(s, q));
    if (s->ckpt && ((s->ckpt_every > 0 && s->k % s->ckpt_every == 0) || StopReason(s) != CFX_INEUS_ITERATING)) PetscCall(CfxINEUSSaveCheckpoint(s, s->ckpt));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode CfxINEUSGetConvergedReason(CfxINEUS s, CfxINEUSReason *reason)
{
  PetscFunctionBegin;
  *reason = s->reason;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxINEUSGetHistory(CfxINEUS s, PetscInt *n, const CfxINEUSRecord **h)
{
  PetscFunctionBegin;
  *n = s->nhist;
  *h = s->hist;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxINEUSGetTestSet(CfxINEUS s, PetscInt *n, const PetscReal **t, const PetscReal **x, const PetscReal **u)
{
  PetscFunctionBegin;
  PetscCheck(s->setup, s->comm, PETSC_ERR_ORDER, "Call CfxINEUSSetUp() first");
  *n = s->ntest;
  *t = s->ttest;
  *x = s->xtest;
  *u = s->has_exact ? s->uexact : NULL;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxINEUSView(CfxINEUS s, PetscViewer viewer)
{
  PetscFunctionBegin;
  if (!viewer) PetscCall(PetscViewerASCIIGetStdout(s->comm, &viewer));
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "CfxINEUS: MLP (1+%" PetscInt_FMT ") -> %" PetscInt_FMT " x %" PetscInt_FMT " %s -> 1; outer <= %" PetscInt_FMT ", %" PetscInt_FMT
                                   " Adam steps each, batch %" PetscInt_FMT ", lr %g (x%g per outer, >= %g)\n",
                                   s->d, s->width, s->depth, CfxActivations[s->act], s->outer, s->inner, s->batch, (double)s->lr, (double)s->lr_decay, (double)s->lr_min));
  PetscCall(PetscViewerASCIIPrintf(viewer, "  labels: %s, %s, %" PetscInt_FMT " samples; stop at relative change < %g; seed %" PetscInt64_FMT "\n", s->lab.forced_jump ? "forced jump" : "plain",
                                   s->lab.antithetic ? "antithetic" : "independent", s->lab.nsamples, (double)s->tol, (PetscInt64)s->seed));
  if (s->pide) PetscCall(CfxPIDEView(s->pide, viewer));
  PetscFunctionReturn(0);
}
