/* Optimizer steps against updates computed by hand from the published formulas (PyTorch 1.13
   torch.optim.SGD/Adam/AdamW), gradient clipping, the four schedules, options, bad input. */
#include <conflux/conflux.h>

#define N 4

static const PetscReal P0[N] = {0.5, -1.5, 2.0, 0.0};
static const PetscReal G1[N] = {0.1, -0.2, 0.3, 1e-9};
static const PetscReal G2[N] = {-0.05, 0.4, 0.3, -2.0};

static PetscErrorCode MakeSet(CfxTensor *t, CfxParamSet *ps)
{
  PetscInt shape[1] = {N};

  PetscFunctionBeginUser;
  PetscCall(CfxTensorCreateWithData(1, shape, P0, t));
  PetscCall(CfxParamSetCreate(PETSC_COMM_SELF, ps));
  PetscCall(CfxParamSetAdd(*ps, "w", *t));
  PetscCall(CfxParamSetSetUp(*ps));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckClose(const char *what, const PetscReal *a, const PetscReal *b, PetscReal tol)
{
  PetscReal err = 0, ref = 0;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < N; i++) {
    err = PetscMax(err, PetscAbsReal(a[i] - b[i]));
    ref = PetscMax(ref, PetscAbsReal(b[i]));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%-44s max rel diff %.2e\n", what, (double)(err / ref)));
  PetscCheck(err <= tol * ref, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: difference %g exceeds %g", what, (double)(err / ref), (double)tol);
  PetscFunctionReturn(0);
}

/* Two steps (gradients G1 then G2) with the given optimizer; returns the values after each. */
static PetscErrorCode TwoSteps(CfxOptimizer opt, CfxParamSet ps, PetscReal after1[N], PetscReal after2[N])
{
  PetscReal *p, *g;

  PetscFunctionBeginUser;
  PetscCall(CfxParamSetGetArrays(ps, &p, &g));
  PetscCall(PetscArraycpy(g, G1, N));
  PetscCall(CfxOptimizerStep(opt));
  PetscCall(PetscArraycpy(after1, p, N));
  PetscCall(PetscArraycpy(g, G2, N));
  PetscCall(CfxOptimizerStep(opt));
  PetscCall(PetscArraycpy(after2, p, N));
  PetscFunctionReturn(0);
}

/* Adam/AdamW by hand: the textbook form m_hat/(sqrt(v_hat)+eps) with bias-corrected moments,
   written independently of the library's operation order. */
static void AdamByHand(PetscBool decoupled, PetscReal lr, PetscReal wd, PetscReal b1, PetscReal b2, PetscReal eps, PetscReal out1[N], PetscReal out2[N])
{
  PetscReal p[N], m[N] = {0}, v[N] = {0};
  const PetscReal *G[2] = {G1, G2};

  for (PetscInt i = 0; i < N; i++) p[i] = P0[i];
  for (PetscInt t = 1; t <= 2; t++) {
    for (PetscInt i = 0; i < N; i++) {
      PetscReal g = G[t - 1][i];
      if (decoupled)
        p[i] -= lr * wd * p[i];
      else
        g += wd * p[i];
      m[i]           = b1 * m[i] + (1 - b1) * g;
      v[i]           = b2 * v[i] + (1 - b2) * g * g;
      PetscReal mhat = m[i] / (1 - pow(b1, t)), vhat = v[i] / (1 - pow(b2, t));
      /* torch puts eps outside the bias correction: sqrt(v)/sqrt(1-b2^t) + eps == sqrt(vhat) + eps */
      p[i] -= lr * mhat / (sqrt(vhat) + eps);
    }
    for (PetscInt i = 0; i < N; i++) (t == 1 ? out1 : out2)[i] = p[i];
  }
}

static PetscErrorCode TestAdam(CfxOptimizerType type, PetscReal wd)
{
  CfxTensor t;
  CfxParamSet ps;
  CfxOptimizer opt;
  PetscReal a1[N], a2[N], h1[N], h2[N];
  char what[64];

  PetscFunctionBeginUser;
  PetscCall(MakeSet(&t, &ps));
  PetscCall(CfxOptimizerCreate(PETSC_COMM_SELF, &opt));
  PetscCall(CfxOptimizerSetParamSet(opt, ps));
  PetscCall(CfxOptimizerSetType(opt, type));
  PetscCall(CfxOptimizerSetLearningRate(opt, 0.01));
  PetscCall(CfxOptimizerSetBetas(opt, 0.8, 0.95));
  PetscCall(CfxOptimizerSetEpsilon(opt, 1e-8));
  PetscCall(CfxOptimizerSetWeightDecay(opt, wd));
  PetscCall(CfxOptimizerSetUp(opt));
  PetscCall(TwoSteps(opt, ps, a1, a2));
  AdamByHand(type == CFX_OPTIMIZER_ADAMW, 0.01, wd, 0.8, 0.95, 1e-8, h1, h2);
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s wd=%g step 1", CfxOptimizerTypes[type], (double)wd));
  PetscCall(CheckClose(what, a1, h1, 1e-14));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s wd=%g step 2", CfxOptimizerTypes[type], (double)wd));
  PetscCall(CheckClose(what, a2, h2, 1e-14));
  /* The first Adam step moves every entry by ~lr against the gradient sign (m_hat = g,
     v_hat = g^2), except where |g| is comparable with eps (entry 3: g = 1e-9). */
  if (wd == 0)
    for (PetscInt i = 0; i < 3; i++)
      PetscCheck(PetscAbsReal(P0[i] - a1[i] - 0.01 * (G1[i] > 0 ? 1 : -1)) < 1e-8, PETSC_COMM_SELF, PETSC_ERR_PLIB, "first Adam step of entry %d is not lr sign(g)", (int)i);
  {
    PetscInt k;
    const char *name;
    PetscReal *m, *v;
    PetscCall(CfxOptimizerGetNumStates(opt, &k));
    PetscCheck(k == 2, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Adam should expose 2 state buffers, found %d", (int)k);
    PetscCall(CfxOptimizerGetState(opt, 0, &name, &m));
    PetscCall(CfxOptimizerGetState(opt, 1, NULL, &v));
    PetscCheck(!strcmp(name, "exp_avg"), PETSC_COMM_SELF, PETSC_ERR_PLIB, "state 0 is %s", name);
    if (type == CFX_OPTIMIZER_ADAMW || wd == 0) { /* moments of the raw gradients: m = 0.8*0.2 G1 + 0.2 G2 */
      PetscReal mref[N];
      for (PetscInt i = 0; i < N; i++) mref[i] = 0.8 * 0.2 * G1[i] + 0.2 * G2[i];
      PetscCall(CheckClose("exp_avg after two steps", m, mref, 1e-15));
    }
    PetscCall(CfxOptimizerGetStepNumber(opt, &k));
    PetscCheck(k == 2, PETSC_COMM_SELF, PETSC_ERR_PLIB, "step count %d, expected 2", (int)k);
  }
  PetscCall(CfxOptimizerDestroy(&opt));
  PetscCall(CfxParamSetDestroy(&ps));
  PetscCall(CfxTensorDestroy(&t));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestSGD(PetscReal momentum, PetscReal dampening, PetscBool nesterov, PetscReal wd)
{
  CfxTensor t;
  CfxParamSet ps;
  CfxOptimizer opt;
  PetscReal a1[N], a2[N], h1[N], h2[N], lr = 0.1;
  char what[80];

  PetscFunctionBeginUser;
  PetscCall(MakeSet(&t, &ps));
  PetscCall(CfxOptimizerCreate(PETSC_COMM_SELF, &opt));
  PetscCall(CfxOptimizerSetParamSet(opt, ps));
  PetscCall(CfxOptimizerSetType(opt, CFX_OPTIMIZER_SGD));
  PetscCall(CfxOptimizerSetLearningRate(opt, lr));
  PetscCall(CfxOptimizerSetMomentum(opt, momentum, dampening, nesterov));
  PetscCall(CfxOptimizerSetWeightDecay(opt, wd));
  PetscCall(CfxOptimizerSetUp(opt));
  PetscCall(TwoSteps(opt, ps, a1, a2));
  for (PetscInt i = 0; i < N; i++) {
    /* step 1: buffer b1 = d1; step 2: b2 = mu b1 + (1 - dampening) d2 */
    PetscReal d1 = G1[i] + wd * P0[i], p1, d2, b1, b2;
    b1           = d1;
    p1           = P0[i] - lr * (momentum > 0 ? (nesterov ? d1 + momentum * b1 : b1) : d1);
    d2           = G2[i] + wd * p1;
    b2           = momentum * b1 + (1 - dampening) * d2;
    h1[i]        = p1;
    h2[i]        = p1 - lr * (momentum > 0 ? (nesterov ? d2 + momentum * b2 : b2) : d2);
  }
  PetscCall(PetscSNPrintf(what, sizeof(what), "sgd mu=%g damp=%g nesterov=%d wd=%g", (double)momentum, (double)dampening, (int)nesterov, (double)wd));
  PetscCall(CheckClose(what, a1, h1, 1e-15));
  PetscCall(CheckClose(what, a2, h2, 1e-15));
  PetscCall(CfxOptimizerDestroy(&opt));
  PetscCall(CfxParamSetDestroy(&ps));
  PetscCall(CfxTensorDestroy(&t));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestClip(void)
{
  PetscReal g[3] = {3, 0, -4}, g2[3] = {0.3, 0, -0.4}, norm;

  PetscFunctionBeginUser;
  PetscCall(CfxClipGradientNorm(3, g, 1.0, &norm));
  PetscCheck(norm == 5, PETSC_COMM_SELF, PETSC_ERR_PLIB, "norm %g, expected 5", (double)norm);
  PetscCheck(PetscAbsReal(g[0] - 3 / (5 + 1e-6)) < 1e-16 && PetscAbsReal(g[2] + 4 / (5 + 1e-6)) < 1e-16, PETSC_COMM_SELF, PETSC_ERR_PLIB, "clipped gradient (%g, %g) wrong", (double)g[0],
             (double)g[2]);
  PetscCall(CfxClipGradientNorm(3, g2, 1.0, &norm)); /* norm 0.5 < 1: untouched */
  PetscCheck(g2[0] == 0.3 && g2[2] == -0.4, PETSC_COMM_SELF, PETSC_ERR_PLIB, "gradient below the clipping norm was changed");
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "clipping: norm 5 scaled to %.15f, norm 0.5 untouched\n", (double)PetscSqrtReal(g[0] * g[0] + g[2] * g[2])));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckRate(CfxOptimizer opt, PetscInt k, PetscReal expect)
{
  PetscReal lr;

  PetscFunctionBeginUser;
  PetscCall(CfxOptimizerScheduleLearningRate(opt, k, &lr));
  PetscCheck(PetscAbsReal(lr - expect) <= 1e-15 * PetscAbsReal(expect) + 1e-18, PETSC_COMM_SELF, PETSC_ERR_PLIB, "rate at step %d is %.17g, expected %.17g", (int)k, (double)lr, (double)expect);
  PetscFunctionReturn(0);
}

static PetscErrorCode TestSchedules(void)
{
  CfxOptimizer opt;

  PetscFunctionBeginUser;
  PetscCall(CfxOptimizerCreate(PETSC_COMM_SELF, &opt));
  PetscCall(CfxOptimizerSetLearningRate(opt, 0.1));
  PetscCall(CheckRate(opt, 57, 0.1));
  PetscCall(CfxOptimizerSetSchedule(opt, CFX_SCHEDULE_STEP, 0, 0, 3, 0.5, 0));
  PetscCall(CheckRate(opt, 0, 0.1));
  PetscCall(CheckRate(opt, 2, 0.1));
  PetscCall(CheckRate(opt, 3, 0.05));
  PetscCall(CheckRate(opt, 8, 0.025));
  PetscCall(CfxOptimizerSetSchedule(opt, CFX_SCHEDULE_COSINE, 10, 0, 0, 0, 0.02));
  PetscCall(CheckRate(opt, 0, 0.1));
  PetscCall(CheckRate(opt, 5, 0.06));
  PetscCall(CheckRate(opt, 10, 0.02));
  PetscCall(CheckRate(opt, 30, 0.02));
  PetscCall(CheckRate(opt, 2, 0.02 + 0.08 * (1 + cos(PETSC_PI * 0.2)) / 2));
  PetscCall(CfxOptimizerSetSchedule(opt, CFX_SCHEDULE_WARMUP_COSINE, 12, 4, 0, 0, 0));
  PetscCall(CheckRate(opt, 0, 0.025));
  PetscCall(CheckRate(opt, 3, 0.1));
  PetscCall(CheckRate(opt, 4, 0.1));
  PetscCall(CheckRate(opt, 8, 0.05));
  PetscCall(CheckRate(opt, 12, 0));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "schedules constant/step/cosine/warmup_cosine: rates as expected\n"));
  PetscCall(CfxOptimizerDestroy(&opt));
  PetscFunctionReturn(0);
}

/* Options with a prefix; bad values are refused with a message naming them. */
static PetscErrorCode TestOptions(void)
{
  CfxOptimizer opt;
  CfxOptimizerType type;
  PetscReal lr;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsSetValue(NULL, "-net_train_optimizer", "adamw"));
  PetscCall(PetscOptionsSetValue(NULL, "-net_train_lr", "0.5"));
  PetscCall(PetscOptionsSetValue(NULL, "-net_train_schedule", "warmup_cosine"));
  PetscCall(PetscOptionsSetValue(NULL, "-net_train_steps", "100"));
  PetscCall(PetscOptionsSetValue(NULL, "-net_train_warmup", "10"));
  PetscCall(CfxOptimizerCreate(PETSC_COMM_SELF, &opt));
  PetscCall(CfxOptimizerSetOptionsPrefix(opt, "net_"));
  PetscCall(CfxOptimizerSetFromOptions(opt));
  PetscCall(CfxOptimizerGetType(opt, &type));
  PetscCall(CfxOptimizerGetLearningRate(opt, &lr));
  PetscCheck(type == CFX_OPTIMIZER_ADAMW && lr == 0.5, PETSC_COMM_SELF, PETSC_ERR_PLIB, "options not applied: type %s lr %g", CfxOptimizerTypes[type], (double)lr);
  PetscCall(CheckRate(opt, 4, 0.25));
  PetscCall(CfxOptimizerDestroy(&opt));
  PetscCall(PetscOptionsClearValue(NULL, "-net_train_warmup"));

  PetscCall(CfxOptimizerCreate(PETSC_COMM_SELF, &opt));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = CfxOptimizerSetLearningRate(opt, -1);
  PetscCheck(ierr == PETSC_ERR_ARG_OUTOFRANGE, PETSC_COMM_SELF, PETSC_ERR_PLIB, "a negative learning rate was accepted");
  ierr = CfxOptimizerSetSchedule(opt, CFX_SCHEDULE_WARMUP_COSINE, 10, 10, 0, 0, 0);
  PetscCheck(ierr == PETSC_ERR_ARG_OUTOFRANGE, PETSC_COMM_SELF, PETSC_ERR_PLIB, "warmup as long as the run was accepted");
  ierr = CfxOptimizerStep(opt);
  PetscCheck(ierr == PETSC_ERR_ARG_WRONGSTATE, PETSC_COMM_SELF, PETSC_ERR_PLIB, "a step without parameters was accepted");
  PetscCall(PetscPopErrorHandler());
  PetscCall(CfxOptimizerDestroy(&opt));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "options with prefix applied; bad input refused\n"));
  PetscFunctionReturn(0);
}

/* A non-finite gradient stops the step with an error and leaves the parameters unchanged. */
static PetscErrorCode TestNonFinite(void)
{
  CfxTensor t;
  CfxParamSet ps;
  CfxOptimizer opt;
  PetscReal *p, *g;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(MakeSet(&t, &ps));
  PetscCall(CfxOptimizerCreate(PETSC_COMM_SELF, &opt));
  PetscCall(CfxOptimizerSetParamSet(opt, ps));
  PetscCall(CfxParamSetGetArrays(ps, &p, &g));
  g[1] = NAN;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = CfxOptimizerStep(opt);
  PetscCall(PetscPopErrorHandler());
  PetscCheck(ierr == PETSC_ERR_FP, PETSC_COMM_SELF, PETSC_ERR_PLIB, "a NaN gradient was accepted");
  for (PetscInt i = 0; i < N; i++) PetscCheck(p[i] == P0[i], PETSC_COMM_SELF, PETSC_ERR_PLIB, "parameters changed by a refused step");
  PetscCall(CfxOptimizerDestroy(&opt));
  PetscCall(CfxParamSetDestroy(&ps));
  PetscCall(CfxTensorDestroy(&t));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(CfxInitialize(&argc, &argv, NULL, "Optimizer unit tests"));
  PetscCall(TestAdam(CFX_OPTIMIZER_ADAM, 0));
  PetscCall(TestAdam(CFX_OPTIMIZER_ADAM, 0.1));
  PetscCall(TestAdam(CFX_OPTIMIZER_ADAMW, 0.1));
  PetscCall(TestSGD(0, 0, PETSC_FALSE, 0));
  PetscCall(TestSGD(0.9, 0, PETSC_FALSE, 0));
  PetscCall(TestSGD(0.9, 0.3, PETSC_FALSE, 0.01));
  PetscCall(TestSGD(0.9, 0, PETSC_TRUE, 0.01));
  PetscCall(TestClip());
  PetscCall(TestSchedules());
  PetscCall(TestOptions());
  PetscCall(TestNonFinite());
  PetscCall(CfxFinalize());
  return 0;
}
