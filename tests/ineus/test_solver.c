static const char help[] = "CfxINEUS on small configurations:\n"
                           "  1. the same seed gives bitwise identical predictions and history; another seed differs;\n"
                           "  2. a run stopped after 2 outer iterations, checkpointed and resumed to 4 ends bitwise\n"
                           "     equal to the uninterrupted 4-iteration run (network, history); resuming with a\n"
                           "     different batch is refused naming the option;\n"
                           "  3. on the communicator of the test (1 or 2 ranks) the result equals a 1-rank solve on\n"
                           "     PETSC_COMM_SELF to round-off (relative 1e-9);\n"
                           "  4. the error on the test set falls over the outer iterations (B1, d = 2);\n"
                           "  5. with -ineus_terminal_ansatz the prediction at t = T is g(x) to round-off, before and\n"
                           "     after training (B3, d = 3), and away from t = T it is not g (the network part is used).\n"
                           "Options: -dir <directory for the checkpoints>\n";

#include <conflux/conflux.h>

static char Dir[PETSC_MAX_PATH_LEN] = ".";

/* A small configuration (options without prefix, set before SetFromOptions). */
static PetscErrorCode SmallOptions(const char *outer, const char *seed, const char *batch)
{
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsSetValue(NULL, "-ineus_width", "16"));
  PetscCall(PetscOptionsSetValue(NULL, "-ineus_depth", "2"));
  PetscCall(PetscOptionsSetValue(NULL, "-ineus_inner", "25"));
  PetscCall(PetscOptionsSetValue(NULL, "-ineus_batch", batch));
  PetscCall(PetscOptionsSetValue(NULL, "-ineus_label_samples", "2"));
  PetscCall(PetscOptionsSetValue(NULL, "-ineus_outer", outer));
  PetscCall(PetscOptionsSetValue(NULL, "-ineus_tol", "0"));
  PetscCall(PetscOptionsSetValue(NULL, "-ineus_seed", seed));
  PetscCall(PetscOptionsSetValue(NULL, "-ineus_validation", "64"));
  PetscCall(PetscOptionsSetValue(NULL, "-ineus_test", "200"));
  PetscFunctionReturn(0);
}

typedef struct {
  CfxPIDE pide;
  CfxINEUS s;
} Run;

static PetscErrorCode RunCreate(MPI_Comm comm, CfxPIDEProblem prob, PetscInt d, const char *outer, const char *seed, const char *batch, const char *ckpt, Run *r)
{
  PetscFunctionBeginUser;
  PetscCall(SmallOptions(outer, seed, batch));
  PetscCall(CfxPIDECreate(comm, &r->pide));
  PetscCall(CfxPIDESetProblem(r->pide, prob, d));
  PetscCall(CfxPIDESetFromOptions(r->pide));
  PetscCall(CfxINEUSCreate(comm, &r->s));
  PetscCall(CfxINEUSSetPIDE(r->s, r->pide));
  PetscCall(CfxINEUSSetCheckpoint(r->s, ckpt, 1));
  PetscCall(CfxINEUSSetFromOptions(r->s));
  PetscCall(CfxINEUSSetUp(r->s));
  PetscFunctionReturn(0);
}

static PetscErrorCode RunDestroy(Run *r)
{
  PetscFunctionBeginUser;
  PetscCall(CfxINEUSDestroy(&r->s));
  PetscCall(CfxPIDEDestroy(&r->pide));
  PetscFunctionReturn(0);
}

/* Predictions on the test set (caller frees). */
static PetscErrorCode Predict(Run *r, PetscInt *n, PetscReal **u)
{
  const PetscReal *t, *x, *ue;

  PetscFunctionBeginUser;
  PetscCall(CfxINEUSGetTestSet(r->s, n, &t, &x, &ue));
  PetscCall(PetscMalloc1(*n, u));
  PetscCall(CfxINEUSEvaluate(r->s, *n, t, x, *u));
  PetscFunctionReturn(0);
}

/* Bitwise comparison of predictions and of the history columns except the wall times. */
static PetscErrorCode SameRun(Run *a, Run *b, PetscBool *same)
{
  PetscInt na, nb, ha, hb;
  PetscReal *ua, *ub;
  const CfxINEUSRecord *ra, *rb;

  PetscFunctionBeginUser;
  PetscCall(Predict(a, &na, &ua));
  PetscCall(Predict(b, &nb, &ub));
  PetscCall(CfxINEUSGetHistory(a->s, &ha, &ra));
  PetscCall(CfxINEUSGetHistory(b->s, &hb, &rb));
  *same = (PetscBool)(na == nb && ha == hb && !memcmp(ua, ub, sizeof(PetscReal) * na));
  for (PetscInt i = 0; *same && i < ha; i++) {
    CfxINEUSRecord x = ra[i], y = rb[i];
    x.time = y.time = 0;
    *same           = (PetscBool)!memcmp(&x, &y, sizeof(x));
  }
  PetscCall(PetscFree(ua));
  PetscCall(PetscFree(ub));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestDeterminism(MPI_Comm comm)
{
  Run a, b, c;
  PetscBool same;

  PetscFunctionBeginUser;
  PetscCall(RunCreate(comm, CFX_PIDE_B2, 4, "2", "3", "64", NULL, &a));
  PetscCall(RunCreate(comm, CFX_PIDE_B2, 4, "2", "3", "64", NULL, &b));
  PetscCall(RunCreate(comm, CFX_PIDE_B2, 4, "2", "4", "64", NULL, &c));
  PetscCall(CfxINEUSSolve(a.s));
  PetscCall(CfxINEUSSolve(b.s));
  PetscCall(CfxINEUSSolve(c.s));
  PetscCall(SameRun(&a, &b, &same));
  PetscCheck(same, comm, PETSC_ERR_PLIB, "two runs with seed 3 differ");
  PetscCall(SameRun(&a, &c, &same));
  PetscCheck(!same, comm, PETSC_ERR_PLIB, "runs with seeds 3 and 4 are identical");
  PetscCall(PetscPrintf(comm, "determinism: same seed bitwise equal, other seed differs\n"));
  PetscCall(RunDestroy(&a));
  PetscCall(RunDestroy(&b));
  PetscCall(RunDestroy(&c));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestResume(MPI_Comm comm)
{
  Run full, part, resumed, wrong;
  char fa[PETSC_MAX_PATH_LEN], fb[PETSC_MAX_PATH_LEN];
  PetscBool same;
  PetscErrorCode ierr;
  PetscInt nh;
  const CfxINEUSRecord *h;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(fa, sizeof(fa), "%s/full.ckpt", Dir));
  PetscCall(PetscSNPrintf(fb, sizeof(fb), "%s/part.ckpt", Dir));
  PetscCall(RunCreate(comm, CFX_PIDE_B3, 3, "4", "5", "64", fa, &full));
  PetscCall(CfxINEUSSolve(full.s));
  PetscCall(RunCreate(comm, CFX_PIDE_B3, 3, "2", "5", "64", fb, &part));
  PetscCall(CfxINEUSSolve(part.s));
  PetscCall(RunDestroy(&part));
  /* a new process would start here: fresh objects, the checkpoint, a higher -ineus_outer */
  PetscCall(RunCreate(comm, CFX_PIDE_B3, 3, "4", "5", "64", fb, &resumed));
  PetscCall(CfxINEUSLoadCheckpoint(resumed.s, fb));
  PetscCall(CfxINEUSGetHistory(resumed.s, &nh, &h));
  PetscCheck(nh == 3 && h[2].outer == 2 && h[2].steps == 50, comm, PETSC_ERR_PLIB,
             "restored history has %" PetscInt_FMT " rows, last (outer %" PetscInt_FMT ", steps %" PetscInt_FMT "); expected 3, (2, 50)", nh, h[nh - 1].outer, h[nh - 1].steps);
  PetscCall(CfxINEUSSolve(resumed.s));
  PetscCall(SameRun(&full, &resumed, &same));
  PetscCheck(same, comm, PETSC_ERR_PLIB, "resumed run (2 + 2 outer iterations) differs from the uninterrupted 4-iteration run");
  PetscCall(PetscPrintf(comm, "resume: 2 + 2 outer iterations bitwise equal to 4\n"));
  /* options that change the iterates are refused */
  PetscCall(RunCreate(comm, CFX_PIDE_B3, 3, "4", "5", "32", NULL, &wrong));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = CfxINEUSLoadCheckpoint(wrong.s, fb);
  PetscCall(PetscPopErrorHandler());
  PetscCheck(ierr == PETSC_ERR_ARG_INCOMP, comm, PETSC_ERR_PLIB, "loading a checkpoint with a different -ineus_batch gave error %d, expected PETSC_ERR_ARG_INCOMP", (int)ierr);
  PetscCall(PetscPrintf(comm, "resume with a different -ineus_batch refused\n"));
  PetscCall(RunDestroy(&wrong));
  PetscCall(RunDestroy(&full));
  PetscCall(RunDestroy(&resumed));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestRanks(MPI_Comm comm)
{
  Run w, s;
  PetscInt nw, ns;
  PetscReal *uw, *us, num = 0, den = 0;
  PetscMPIInt size;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(RunCreate(comm, CFX_PIDE_B1, 5, "2", "7", "63", NULL, &w));
  PetscCall(RunCreate(PETSC_COMM_SELF, CFX_PIDE_B1, 5, "2", "7", "63", NULL, &s));
  PetscCall(CfxINEUSSolve(w.s));
  PetscCall(CfxINEUSSolve(s.s));
  PetscCall(Predict(&w, &nw, &uw));
  PetscCall(Predict(&s, &ns, &us));
  for (PetscInt i = 0; i < nw; i++) {
    num = PetscMax(num, PetscAbsReal(uw[i] - us[i]));
    den = PetscMax(den, PetscAbsReal(us[i]));
  }
  PetscCheck(num <= 1e-9 * den, comm, PETSC_ERR_PLIB, "%d-rank and 1-rank predictions differ by %g (max |u| %g), expected round-off", size, (double)num, (double)den);
  PetscCall(PetscPrintf(comm, "%d ranks vs 1 rank: max difference %.2e (max |u| %.3f)\n", size, (double)num, (double)den));
  PetscCall(PetscFree(uw));
  PetscCall(PetscFree(us));
  PetscCall(RunDestroy(&w));
  PetscCall(RunDestroy(&s));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestProgress(MPI_Comm comm)
{
  Run r;
  PetscInt nh;
  const CfxINEUSRecord *h;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsSetValue(NULL, "-ineus_lr", "1e-2"));
  PetscCall(RunCreate(comm, CFX_PIDE_B1, 2, "4", "1", "64", NULL, &r));
  PetscCall(PetscOptionsSetValue(NULL, "-ineus_inner", "100")); /* after RunCreate's small options */
  PetscCall(CfxINEUSSetFromOptions(r.s));
  PetscCall(CfxINEUSSetUp(r.s));
  PetscCall(PetscOptionsClearValue(NULL, "-ineus_lr"));
  PetscCall(CfxINEUSSolve(r.s));
  PetscCall(CfxINEUSGetHistory(r.s, &nh, &h));
  PetscCheck(nh == 5, comm, PETSC_ERR_PLIB, "history has %" PetscInt_FMT " rows, expected 5", nh);
  PetscCall(
      PetscPrintf(comm, "B1 d=2 test error per outer iteration: %.3e %.3e %.3e %.3e %.3e\n", (double)h[0].rel_l2, (double)h[1].rel_l2, (double)h[2].rel_l2, (double)h[3].rel_l2, (double)h[4].rel_l2));
  PetscCheck(h[4].rel_l2 < 0.25 * h[0].rel_l2 && h[4].rel_l2 < h[1].rel_l2, comm, PETSC_ERR_PLIB, "test error did not fall: %g at the start, %g after 1, %g after 4 iterations", (double)h[0].rel_l2,
             (double)h[1].rel_l2, (double)h[4].rel_l2);
  PetscCall(RunDestroy(&r));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestAnsatz(MPI_Comm comm)
{
  Run r;
  const PetscInt n = 20, d = 3;
  PetscReal t[20], tm[20], x[60], u[20], um[20], maxerr = 0, maxdiff = 0;
  CfxRNG rng;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsSetValue(NULL, "-ineus_terminal_ansatz", "1"));
  PetscCall(RunCreate(comm, CFX_PIDE_B3, d, "2", "3", "64", NULL, &r));
  PetscCall(PetscOptionsClearValue(NULL, "-ineus_terminal_ansatz"));
  PetscCall(CfxRNGSetSeed(&rng, 11, 0));
  for (PetscInt i = 0; i < n * d; i++) x[i] = 0.3 * CfxRNGNormal(&rng);
  for (PetscInt i = 0; i < n; i++) {
    t[i]  = 1; /* B3: T = 1 */
    tm[i] = 0.5;
  }
  for (PetscInt pass = 0; pass < 2; pass++) {
    PetscCall(CfxINEUSEvaluate(r.s, n, t, x, u));
    PetscCall(CfxINEUSEvaluate(r.s, n, tm, x, um));
    for (PetscInt i = 0; i < n; i++) {
      PetscReal g;
      PetscCall(CfxPIDETerminal(r.pide, &x[i * d], &g));
      maxerr  = PetscMax(maxerr, PetscAbsReal(u[i] - g));
      maxdiff = PetscMax(maxdiff, PetscAbsReal(um[i] - g));
    }
    if (pass == 0) PetscCall(CfxINEUSSolve(r.s));
  }
  PetscCall(PetscPrintf(comm, "terminal ansatz: max |u(T,x) - g(x)| = %.1e, max |u(T/2,x) - g(x)| = %.3e\n", (double)maxerr, (double)maxdiff));
  PetscCheck(maxerr <= 1e-14, comm, PETSC_ERR_PLIB, "terminal ansatz: u(T, x) differs from g(x) by %g", (double)maxerr);
  PetscCheck(maxdiff > 1e-6, comm, PETSC_ERR_PLIB, "terminal ansatz: u(T/2, x) equals g(x) (%g): the network part is not used", (double)maxdiff);
  PetscCall(RunDestroy(&r));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-dir", Dir, sizeof(Dir), NULL));
  PetscCall(TestDeterminism(PETSC_COMM_WORLD));
  PetscCall(TestResume(PETSC_COMM_WORLD));
  PetscCall(TestRanks(PETSC_COMM_WORLD));
  PetscCall(TestProgress(PETSC_COMM_WORLD));
  PetscCall(TestAnsatz(PETSC_COMM_WORLD));
  PetscCall(CfxFinalize());
  return 0;
}
