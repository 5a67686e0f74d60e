/* CfxOptimizer: SGD with momentum, Adam and AdamW on a parameter set's flat arrays, with
   PyTorch 1.13's exact update formulas (see cfxoptim.h), schedules and gradient clipping. */
#include <cfximpl.h>
#include <conflux/cfxoptim.h>

const char *const CfxOptimizerTypes[] = {"sgd", "adam", "adamw", "CfxOptimizerType", "CFX_OPTIMIZER_", NULL};
const char *const CfxScheduleTypes[]  = {"constant", "step", "cosine", "warmup_cosine", "CfxScheduleType", "CFX_SCHEDULE_", NULL};

struct _p_CfxOptimizer {
  MPI_Comm comm;
  char *prefix;
  CfxParamSet params;
  CfxOptimizerType type;
  PetscReal lr, weight_decay, beta1, beta2, eps, momentum, dampening, clip;
  PetscBool nesterov;
  CfxScheduleType schedule;
  PetscInt total_steps, warmup_steps, step_size;
  PetscReal gamma, lr_min;
  PetscInt n;       /* parameter entries */
  PetscInt step;    /* steps taken */
  PetscReal *m, *v; /* exp_avg, exp_avg_sq (Adam/AdamW) or momentum_buffer in m (SGD) */
  PetscReal last_gnorm;
  PetscBool setup;
};

static PetscLogEvent CFX_OptimizerStep;
static PetscBool CfxOptimPackageInitialized = PETSC_FALSE;

static PetscErrorCode CfxOptimInitializePackage(void)
{
  PetscFunctionBegin;
  if (CfxOptimPackageInitialized) PetscFunctionReturn(0);
  CfxOptimPackageInitialized = PETSC_TRUE;
  PetscCall(CfxInitializePackage());
  PetscCall(PetscLogEventRegister("CfxOptimizerStep", CFX_CLASSID, &CFX_OptimizerStep));
  PetscFunctionReturn(0);
}

/*@C
  CfxOptimizerCreate - An Adam optimizer with PyTorch's defaults (lr 1e-3, betas 0.9/0.999,
  eps 1e-8, no weight decay, no clipping, constant schedule).
@*/
PetscErrorCode CfxOptimizerCreate(MPI_Comm comm, CfxOptimizer *opt)
{
  CfxOptimizer o;

  PetscFunctionBegin;
  PetscValidPointer(opt, 2);
  PetscCall(CfxOptimInitializePackage());
  PetscCall(PetscNew(&o));
  o->comm        = comm;
  o->type        = CFX_OPTIMIZER_ADAM;
  o->lr          = 1e-3;
  o->beta1       = 0.9;
  o->beta2       = 0.999;
  o->eps         = 1e-8;
  o->schedule    = CFX_SCHEDULE_CONSTANT;
  o->total_steps = 1000;
  o->step_size   = 100;
  o->gamma       = 0.1;
  o->last_gnorm  = -1;
  *opt           = o;
  PetscFunctionReturn(0);
}

static PetscErrorCode CfxOptimizerCheckNotSetUp(CfxOptimizer o, const char what[])
{
  PetscFunctionBegin;
  PetscCheck(!o->setup, o->comm, PETSC_ERR_ARG_WRONGSTATE, "cannot change the %s after CfxOptimizerSetUp", what);
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOptimizerSetParamSet(CfxOptimizer o, CfxParamSet ps)
{
  PetscFunctionBegin;
  PetscCall(CfxOptimizerCheckNotSetUp(o, "parameter set"));
  o->params = ps;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOptimizerGetParamSet(CfxOptimizer o, CfxParamSet *ps)
{
  PetscFunctionBegin;
  *ps = o->params;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOptimizerSetType(CfxOptimizer o, CfxOptimizerType type)
{
  PetscFunctionBegin;
  PetscCheck(type >= CFX_OPTIMIZER_SGD && type <= CFX_OPTIMIZER_ADAMW, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "unknown optimizer type %d", (int)type);
  if (type != o->type) PetscCall(CfxOptimizerCheckNotSetUp(o, "optimizer type"));
  o->type = type;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOptimizerGetType(CfxOptimizer o, CfxOptimizerType *type)
{
  PetscFunctionBegin;
  *type = o->type;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOptimizerSetLearningRate(CfxOptimizer o, PetscReal lr)
{
  PetscFunctionBegin;
  PetscCheck(lr > 0 && PetscIsNormalReal(lr), o->comm, PETSC_ERR_ARG_OUTOFRANGE, "learning rate must be positive and finite, found %g", (double)lr);
  o->lr = lr;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOptimizerGetLearningRate(CfxOptimizer o, PetscReal *lr)
{
  PetscFunctionBegin;
  *lr = o->lr;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOptimizerSetWeightDecay(CfxOptimizer o, PetscReal wd)
{
  PetscFunctionBegin;
  PetscCheck(wd >= 0 && !PetscIsInfOrNanReal(wd), o->comm, PETSC_ERR_ARG_OUTOFRANGE, "weight decay must be >= 0 and finite, found %g", (double)wd);
  o->weight_decay = wd;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOptimizerSetBetas(CfxOptimizer o, PetscReal b1, PetscReal b2)
{
  PetscFunctionBegin;
  PetscCheck(b1 >= 0 && b1 < 1, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "beta1 must be in [0, 1), found %g", (double)b1);
  PetscCheck(b2 >= 0 && b2 < 1, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "beta2 must be in [0, 1), found %g", (double)b2);
  o->beta1 = b1;
  o->beta2 = b2;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOptimizerSetEpsilon(CfxOptimizer o, PetscReal eps)
{
  PetscFunctionBegin;
  PetscCheck(eps >= 0 && !PetscIsInfOrNanReal(eps), o->comm, PETSC_ERR_ARG_OUTOFRANGE, "epsilon must be >= 0 and finite, found %g", (double)eps);
  o->eps = eps;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOptimizerSetMomentum(CfxOptimizer o, PetscReal momentum, PetscReal dampening, PetscBool nesterov)
{
  PetscFunctionBegin;
  PetscCheck(momentum >= 0 && momentum < 1, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "momentum must be in [0, 1), found %g", (double)momentum);
  PetscCheck(dampening >= 0 && dampening <= 1, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "dampening must be in [0, 1], found %g", (double)dampening);
  PetscCheck(!nesterov || (momentum > 0 && dampening == 0), o->comm, PETSC_ERR_ARG_INCOMP, "Nesterov momentum needs momentum > 0 and zero dampening (found %g, %g)", (double)momentum,
             (double)dampening);
  if ((momentum > 0) != (o->momentum > 0)) PetscCall(CfxOptimizerCheckNotSetUp(o, "use of momentum"));
  o->momentum  = momentum;
  o->dampening = dampening;
  o->nesterov  = nesterov;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOptimizerSetClipNorm(CfxOptimizer o, PetscReal clip)
{
  PetscFunctionBegin;
  PetscCheck(clip >= 0 && !PetscIsInfOrNanReal(clip), o->comm, PETSC_ERR_ARG_OUTOFRANGE, "clipping norm must be >= 0 (0: off) and finite, found %g", (double)clip);
  o->clip = clip;
  PetscFunctionReturn(0);
}

static PetscErrorCode CfxOptimizerCheckSchedule(CfxOptimizer o)
{
  PetscFunctionBegin;
  switch (o->schedule) {
    case CFX_SCHEDULE_CONSTANT: break;
    case CFX_SCHEDULE_STEP:
      PetscCheck(o->step_size > 0, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "step schedule: step size must be positive, found %" PetscInt_FMT, o->step_size);
      PetscCheck(o->gamma > 0 && !PetscIsInfOrNanReal(o->gamma), o->comm, PETSC_ERR_ARG_OUTOFRANGE, "step schedule: gamma must be positive, found %g", (double)o->gamma);
      break;
    case CFX_SCHEDULE_COSINE:
    case CFX_SCHEDULE_WARMUP_COSINE:
      PetscCheck(o->total_steps > 0, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "%s schedule: total steps must be positive, found %" PetscInt_FMT, CfxScheduleTypes[o->schedule], o->total_steps);
      PetscCheck(o->warmup_steps >= 0 && o->warmup_steps < o->total_steps, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "%s schedule: warmup steps must be in [0, %" PetscInt_FMT "), found %" PetscInt_FMT,
                 CfxScheduleTypes[o->schedule], o->total_steps, o->warmup_steps);
      PetscCheck(o->lr_min >= 0 && o->lr_min <= o->lr, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "%s schedule: lr_min must be in [0, lr = %g], found %g", CfxScheduleTypes[o->schedule], (double)o->lr,
                 (double)o->lr_min);
      break;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOptimizerSetSchedule(CfxOptimizer o, CfxScheduleType type, PetscInt total, PetscInt warmup, PetscInt step_size, PetscReal gamma, PetscReal lr_min)
{
  PetscFunctionBegin;
  PetscCheck(type >= CFX_SCHEDULE_CONSTANT && type <= CFX_SCHEDULE_WARMUP_COSINE, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "unknown schedule %d", (int)type);
  o->schedule     = type;
  o->total_steps  = total;
  o->warmup_steps = warmup;
  o->step_size    = step_size;
  o->gamma        = gamma;
  o->lr_min       = lr_min;
  PetscCall(CfxOptimizerCheckSchedule(o));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOptimizerSetOptionsPrefix(CfxOptimizer o, const char prefix[])
{
  PetscFunctionBegin;
  PetscCall(PetscFree(o->prefix));
  if (prefix && prefix[0]) PetscCall(PetscStrallocpy(prefix, &o->prefix));
  PetscFunctionReturn(0);
}

/*@C
  CfxOptimizerSetFromOptions - Options (with the optimizer's prefix): -train_optimizer
  sgd|adam|adamw, -train_lr, -train_weight_decay, -train_beta1, -train_beta2, -train_eps,
  -train_momentum, -train_dampening, -train_nesterov, -train_clip, -train_schedule
  constant|step|cosine|warmup_cosine, -train_steps, -train_warmup, -train_step_size,
  -train_gamma, -train_lr_min.
@*/
PetscErrorCode CfxOptimizerSetFromOptions(CfxOptimizer o)
{
  PetscEnum type = (PetscEnum)o->type, sched = (PetscEnum)o->schedule;
  PetscReal lr = o->lr, wd = o->weight_decay, b1 = o->beta1, b2 = o->beta2, eps = o->eps, mom = o->momentum, damp = o->dampening, clip = o->clip;
  PetscBool nesterov = o->nesterov;

  PetscFunctionBegin;
  PetscOptionsBegin(o->comm, o->prefix, "Optimizer (CfxOptimizer)", "CfxOptimizer");
  PetscCall(PetscOptionsEnum("-train_optimizer", "Update rule", "CfxOptimizerSetType", CfxOptimizerTypes, type, &type, NULL));
  PetscCall(PetscOptionsReal("-train_lr", "Base learning rate", "CfxOptimizerSetLearningRate", lr, &lr, NULL));
  PetscCall(PetscOptionsReal("-train_weight_decay", "Weight decay (L2 penalty for sgd/adam, decoupled for adamw)", "CfxOptimizerSetWeightDecay", wd, &wd, NULL));
  PetscCall(PetscOptionsReal("-train_beta1", "Adam first-moment decay", "CfxOptimizerSetBetas", b1, &b1, NULL));
  PetscCall(PetscOptionsReal("-train_beta2", "Adam second-moment decay", "CfxOptimizerSetBetas", b2, &b2, NULL));
  PetscCall(PetscOptionsReal("-train_eps", "Adam denominator epsilon", "CfxOptimizerSetEpsilon", eps, &eps, NULL));
  PetscCall(PetscOptionsReal("-train_momentum", "SGD momentum", "CfxOptimizerSetMomentum", mom, &mom, NULL));
  PetscCall(PetscOptionsReal("-train_dampening", "SGD momentum dampening", "CfxOptimizerSetMomentum", damp, &damp, NULL));
  PetscCall(PetscOptionsBool("-train_nesterov", "SGD Nesterov momentum", "CfxOptimizerSetMomentum", nesterov, &nesterov, NULL));
  PetscCall(PetscOptionsReal("-train_clip", "Maximum gradient 2-norm (0: no clipping)", "CfxOptimizerSetClipNorm", clip, &clip, NULL));
  PetscCall(PetscOptionsEnum("-train_schedule", "Learning-rate schedule", "CfxOptimizerSetSchedule", CfxScheduleTypes, sched, &sched, NULL));
  PetscCall(PetscOptionsInt("-train_steps", "Total steps (cosine schedules)", "CfxOptimizerSetSchedule", o->total_steps, &o->total_steps, NULL));
  PetscCall(PetscOptionsInt("-train_warmup", "Warmup steps (warmup_cosine)", "CfxOptimizerSetSchedule", o->warmup_steps, &o->warmup_steps, NULL));
  PetscCall(PetscOptionsInt("-train_step_size", "Steps between decays (step schedule)", "CfxOptimizerSetSchedule", o->step_size, &o->step_size, NULL));
  PetscCall(PetscOptionsReal("-train_gamma", "Decay factor (step schedule)", "CfxOptimizerSetSchedule", o->gamma, &o->gamma, NULL));
  PetscCall(PetscOptionsReal("-train_lr_min", "Final rate (cosine schedules)", "CfxOptimizerSetSchedule", o->lr_min, &o->lr_min, NULL));
  PetscOptionsEnd();
  PetscCall(CfxOptimizerSetType(o, (CfxOptimizerType)type));
  PetscCall(CfxOptimizerSetLearningRate(o, lr));
  PetscCall(CfxOptimizerSetWeightDecay(o, wd));
  PetscCall(CfxOptimizerSetBetas(o, b1, b2));
  PetscCall(CfxOptimizerSetEpsilon(o, eps));
  PetscCall(CfxOptimizerSetMomentum(o, mom, damp, nesterov));
  PetscCall(CfxOptimizerSetClipNorm(o, clip));
  o->schedule = (CfxScheduleType)sched;
  PetscCall(CfxOptimizerCheckSchedule(o));
  PetscFunctionReturn(0);
}

/*@C
  CfxOptimizerSetUp - Allocates the state buffers (zero) for the parameter set.
@*/
PetscErrorCode CfxOptimizerSetUp(CfxOptimizer o)
{
  PetscFunctionBegin;
  if (o->setup) PetscFunctionReturn(0);
  PetscCheck(o->params, o->comm, PETSC_ERR_ARG_WRONGSTATE, "call CfxOptimizerSetParamSet before CfxOptimizerSetUp");
  PetscCall(CfxOptimizerCheckSchedule(o));
  PetscCall(CfxParamSetGetArrays(o->params, NULL, NULL)); /* errors if the set is not set up */
  PetscCall(CfxParamSetGetSize(o->params, &o->n));
  if (o->type != CFX_OPTIMIZER_SGD || o->momentum > 0) PetscCall(PetscCalloc1(PetscMax(o->n, 1), &o->m));
  if (o->type != CFX_OPTIMIZER_SGD) PetscCall(PetscCalloc1(PetscMax(o->n, 1), &o->v));
  o->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOptimizerScheduleLearningRate(CfxOptimizer o, PetscInt k, PetscReal *lr)
{
  PetscReal T, W, t;

  PetscFunctionBegin;
  PetscCheck(k >= 0, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "step index must be >= 0, found %" PetscInt_FMT, k);
  switch (o->schedule) {
    case CFX_SCHEDULE_CONSTANT: *lr = o->lr; break;
    case CFX_SCHEDULE_STEP: *lr = o->lr * PetscPowReal(o->gamma, (PetscReal)(k / o->step_size)); break;
    case CFX_SCHEDULE_COSINE:
      T   = (PetscReal)o->total_steps;
      t   = (PetscReal)PetscMin(k, o->total_steps);
      *lr = o->lr_min + (o->lr - o->lr_min) * (1 + PetscCosReal(PETSC_PI * t / T)) / 2;
      break;
    case CFX_SCHEDULE_WARMUP_COSINE:
      W = (PetscReal)o->warmup_steps;
      if (k < o->warmup_steps) {
        *lr = o->lr * (k + 1) / W;
      } else {
        T   = (PetscReal)o->total_steps - W;
        t   = (PetscReal)PetscMin(k - o->warmup_steps, o->total_steps - o->warmup_steps);
        *lr = o->lr_min + (o->lr - o->lr_min) * (1 + PetscCosReal(PETSC_PI * t / T)) / 2;
      }
      break;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOptimizerGetCurrentLearningRate(CfxOptimizer o, PetscReal *lr)
{
  PetscFunctionBegin;
  PetscCall(CfxOptimizerScheduleLearningRate(o, o->step, lr));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOptimizerGetLastGradientNorm(CfxOptimizer o, PetscReal *gnorm)
{
  PetscFunctionBegin;
  *gnorm = o->last_gnorm;
  PetscFunctionReturn(0);
}

/*@C
  CfxClipGradientNorm - ||g||_2 of n entries; if maxnorm > 0, scales g by
  min(1, maxnorm/(||g||_2 + 1e-6)) as torch.nn.utils.clip_grad_norm_. Errors on a non-finite norm.
@*/
PetscErrorCode CfxClipGradientNorm(PetscInt n, PetscReal g[], PetscReal maxnorm, PetscReal *norm)
{
  PetscReal s = 0, coef;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) s += g[i] * g[i];
  s = PetscSqrtReal(s);
  if (norm) *norm = s;
  PetscCheck(!PetscIsInfOrNanReal(s), PETSC_COMM_SELF, PETSC_ERR_FP, "gradient norm is %g (not finite): cannot take an optimizer step", (double)s);
  if (maxnorm > 0) {
    coef = maxnorm / (s + 1e-6);
    if (coef < 1)
      for (PetscInt i = 0; i < n; i++) g[i] *= coef;
  }
  PetscFunctionReturn(0);
}

static void SGDUpdate(CfxOptimizer o, PetscReal lr, PetscReal *restrict p, const PetscReal *restrict g)
{
  const PetscReal wd = o->weight_decay, mu = o->momentum, damp = 1 - o->dampening;
  PetscReal *restrict b = o->m;

  for (PetscInt i = 0; i < o->n; i++) {
    PetscReal d = wd != 0 ? g[i] + wd * p[i] : g[i];
    if (mu > 0) {
      b[i] = o->step == 0 ? d : mu * b[i] + damp * d;
      d    = o->nesterov ? d + mu * b[i] : b[i];
    }
    p[i] -= lr * d;
  }
}

/* Adam (decoupled = false) and AdamW (decoupled = true), torch 1.13 operation order. */
static void AdamUpdate(CfxOptimizer o, PetscReal lr, PetscBool decoupled, PetscReal *restrict p, const PetscReal *restrict g)
{
  const PetscReal b1 = o->beta1, b2 = o->beta2, eps = o->eps, wd = o->weight_decay;
  const PetscReal t         = (PetscReal)(o->step + 1);
  const PetscReal step_size = lr / (1 - PetscPowReal(b1, t)), bc2sqrt = PetscSqrtReal(1 - PetscPowReal(b2, t));
  const PetscReal decay = 1 - lr * wd;
  PetscReal *restrict m = o->m, *restrict v = o->v;

  for (PetscInt i = 0; i < o->n; i++) {
    PetscReal gi = g[i], denom;
    if (decoupled) {
      if (wd != 0) p[i] *= decay;
    } else if (wd != 0)
      gi = gi + wd * p[i];
    m[i]  = m[i] * b1 + (1 - b1) * gi;
    v[i]  = v[i] * b2 + (1 - b2) * gi * gi; /* addcmul: value * t1 * t2 */
    denom = PetscSqrtReal(v[i]) / bc2sqrt + eps;
    p[i]  = p[i] + (-step_size) * m[i] / denom; /* addcdiv: value * t1 / t2 */
  }
}

/*@C
  CfxOptimizerStep - One update of the parameter values from their gradients. Gradients are
  clipped in place when a clipping norm is set; the step count then increases by one.
@*/
PetscErrorCode CfxOptimizerStep(CfxOptimizer o)
{
  PetscReal *p, *g, lr;

  PetscFunctionBegin;
  if (!o->setup) PetscCall(CfxOptimizerSetUp(o));
  PetscCall(PetscLogEventBegin(CFX_OptimizerStep, 0, 0, 0, 0));
  PetscCall(CfxParamSetGetArrays(o->params, &p, &g));
  PetscCall(CfxClipGradientNorm(o->n, g, o->clip, &o->last_gnorm));
  PetscCall(CfxOptimizerScheduleLearningRate(o, o->step, &lr));
  switch (o->type) {
    case CFX_OPTIMIZER_SGD: SGDUpdate(o, lr, p, g); break;
    case CFX_OPTIMIZER_ADAM: AdamUpdate(o, lr, PETSC_FALSE, p, g); break;
    case CFX_OPTIMIZER_ADAMW: AdamUpdate(o, lr, PETSC_TRUE, p, g); break;
  }
  o->step++;
  PetscCall(PetscLogFlops(12.0 * o->n));
  PetscCall(PetscLogEventEnd(CFX_OptimizerStep, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOptimizerGetStepNumber(CfxOptimizer o, PetscInt *step)
{
  PetscFunctionBegin;
  *step = o->step;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOptimizerSetStepNumber(CfxOptimizer o, PetscInt step)
{
  PetscFunctionBegin;
  PetscCheck(step >= 0, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "step number must be >= 0, found %" PetscInt_FMT, step);
  o->step = step;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOptimizerGetSize(CfxOptimizer o, PetscInt *n)
{
  PetscFunctionBegin;
  PetscCheck(o->setup, o->comm, PETSC_ERR_ARG_WRONGSTATE, "call CfxOptimizerSetUp first");
  *n = o->n;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOptimizerGetNumStates(CfxOptimizer o, PetscInt *k)
{
  PetscFunctionBegin;
  PetscCheck(o->setup, o->comm, PETSC_ERR_ARG_WRONGSTATE, "call CfxOptimizerSetUp first");
  *k = (o->m ? 1 : 0) + (o->v ? 1 : 0);
  PetscFunctionReturn(0);
}

/*@C
  CfxOptimizerGetState - State buffer i: "exp_avg" (0) and "exp_avg_sq" (1) for Adam/AdamW,
  "momentum_buffer" (0) for SGD with momentum (torch.optim's state names).
@*/
PetscErrorCode CfxOptimizerGetState(CfxOptimizer o, PetscInt i, const char **name, PetscReal **data)
{
  PetscInt k;

  PetscFunctionBegin;
  PetscCall(CfxOptimizerGetNumStates(o, &k));
  PetscCheck(i >= 0 && i < k, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "optimizer state index %" PetscInt_FMT " not in [0, %" PetscInt_FMT ")", i, k);
  if (name) *name = o->type == CFX_OPTIMIZER_SGD ? "momentum_buffer" : (i == 0 ? "exp_avg" : "exp_avg_sq");
  if (data) *data = i == 0 ? o->m : o->v;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOptimizerView(CfxOptimizer o, PetscViewer viewer)
{
  PetscFunctionBegin;
  if (!viewer) viewer = PETSC_VIEWER_STDOUT_(o->comm);
  PetscCall(PetscViewerASCIIPrintf(viewer, "CfxOptimizer: %s, lr %g, weight decay %g, step %" PetscInt_FMT "\n", CfxOptimizerTypes[o->type], (double)o->lr, (double)o->weight_decay, o->step));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  if (o->type == CFX_OPTIMIZER_SGD)
    PetscCall(PetscViewerASCIIPrintf(viewer, "momentum %g, dampening %g, Nesterov %s\n", (double)o->momentum, (double)o->dampening, PetscBools[o->nesterov]));
  else
    PetscCall(PetscViewerASCIIPrintf(viewer, "betas (%g, %g), eps %g\n", (double)o->beta1, (double)o->beta2, (double)o->eps));
  PetscCall(PetscViewerASCIIPrintf(viewer, "schedule %s (total %" PetscInt_FMT ", warmup %" PetscInt_FMT ", step size %" PetscInt_FMT ", gamma %g, lr_min %g)\n", CfxScheduleTypes[o->schedule],
                                   o->total_steps, o->warmup_steps, o->step_size, (double)o->gamma, (double)o->lr_min));
  if (o->clip > 0) PetscCall(PetscViewerASCIIPrintf(viewer, "gradient clipping at norm %g\n", (double)o->clip));
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxOptimizerDestroy(CfxOptimizer *opt)
{
  PetscFunctionBegin;
  if (!*opt) PetscFunctionReturn(0);
  PetscCall(PetscFree((*opt)->m));
  PetscCall(PetscFree((*opt)->v));
  PetscCall(PetscFree((*opt)->prefix));
  PetscCall(PetscFree(*opt));
  PetscFunctionReturn(0);
}
