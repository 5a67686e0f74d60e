/* CfxPIDE: the problem description (coefficients, jump law, terminal condition, sampling
   law, exact solution), its options and pointwise evaluation. Built-in problems are in
   pide_builtin.c, label generation in pide_labels.c. */
#include "ineusimpl.h"

const char *const CfxPIDEProblems[] = {"user", "b1", "b2", "b3", "CfxPIDEProblem", "CFX_PIDE_", NULL};
PetscLogEvent CFX_PIDE_Labels, CFX_INEUS_Step, CFX_INEUS_Outer, CFX_INEUS_Eval, CFX_INEUS_Checkpoint;
static PetscBool CfxINEUSPackageInitialized = PETSC_FALSE;

static PetscErrorCode CfxINEUSFinalizePackage(void)
{
  PetscFunctionBegin;
  CfxINEUSPackageInitialized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxINEUSInitializePackage(void)
{
  PetscFunctionBegin;
  if (CfxINEUSPackageInitialized) PetscFunctionReturn(0);
  CfxINEUSPackageInitialized = PETSC_TRUE;
  PetscCall(CfxInitializePackage());
  PetscCall(PetscLogEventRegister("CfxPIDELabels", CFX_CLASSID, &CFX_PIDE_Labels));
  PetscCall(PetscLogEventRegister("CfxINEUSStep", CFX_CLASSID, &CFX_INEUS_Step));
  PetscCall(PetscLogEventRegister("CfxINEUSOuter", CFX_CLASSID, &CFX_INEUS_Outer));
  PetscCall(PetscLogEventRegister("CfxINEUSEval", CFX_CLASSID, &CFX_INEUS_Eval));
  PetscCall(PetscLogEventRegister("CfxINEUSCheckpt", CFX_CLASSID, &CFX_INEUS_Checkpoint));
  PetscCall(PetscRegisterFinalize(CfxINEUSFinalizePackage));
  PetscFunctionReturn(0);
}

/*@C
  CfxPIDECreate - Creates an empty problem description (T = 1, no jumps, no discount, no
  source); give it a built-in problem (CfxPIDESetProblem) or dimension, coefficients,
  terminal condition and sampler.
@*/
PetscErrorCode CfxPIDECreate(MPI_Comm comm, CfxPIDE *pide)
{
  CfxPIDE p;

  PetscFunctionBegin;
  PetscValidPointer(pide, 2);
  PetscCall(CfxINEUSInitializePackage());
  PetscCall(PetscNew(&p));
  p->comm     = comm;
  p->problem  = CFX_PIDE_USER;
  p->T        = 1.0;
  p->euler_dt = 0.01;
  *pide       = p;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDEDestroy(CfxPIDE *pide)
{
  CfxPIDE p;

  PetscFunctionBegin;
  if (!pide || !*pide) PetscFunctionReturn(0);
  p = *pide;
  PetscCall(PetscFree(p->b_const));
  PetscCall(PetscFree(p->S_const));
  PetscCall(PetscFree2(p->mark_mean, p->mark_std));
  PetscCall(PetscFree(p->x0));
  PetscCall(PetscFree(p->prefix));
  PetscCall(PetscFree(*pide));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDESetOptionsPrefix(CfxPIDE p, const char prefix[])
{
  PetscFunctionBegin;
  PetscCall(PetscFree(p->prefix));
  PetscCall(PetscStrallocpy(prefix, &p->prefix));
  PetscFunctionReturn(0);
}

/* Any change of the description invalidates a previous SetUp. */
static PetscErrorCode Changed(CfxPIDE p)
{
  PetscFunctionBegin;
  p->setup = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDESetDimension(CfxPIDE p, PetscInt d)
{
  PetscFunctionBegin;
  PetscCheck(d >= 1, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "PIDE dimension must be >= 1, found %" PetscInt_FMT, d);
  if (p->d != d) {
    /* per-dimension arrays no longer fit */
    PetscCall(PetscFree(p->b_const));
    PetscCall(PetscFree(p->S_const));
    PetscCall(PetscFree2(p->mark_mean, p->mark_std));
    PetscCall(PetscFree(p->x0));
  }
  p->d = d;
  PetscCall(Changed(p));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDEGetDimension(CfxPIDE p, PetscInt *d)
{
  PetscFunctionBegin;
  *d = p->d;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDESetHorizon(CfxPIDE p, PetscReal T)
{
  PetscFunctionBegin;
  PetscCheck(T > 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "PIDE horizon T must be > 0, found %g", (double)T);
  p->T = T;
  PetscCall(Changed(p));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDEGetHorizon(CfxPIDE p, PetscReal *T)
{
  PetscFunctionBegin;
  *T = p->T;
  PetscFunctionReturn(0);
}

static PetscErrorCode NeedDimension(CfxPIDE p, const char *what)
{
  PetscFunctionBegin;
  PetscCheck(p->d >= 1, p->comm, PETSC_ERR_ORDER, "Call CfxPIDESetDimension() or CfxPIDESetProblem() before %s", what);
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDESetConstantDrift(CfxPIDE p, const PetscReal b[])
{
  PetscFunctionBegin;
  PetscCall(NeedDimension(p, "CfxPIDESetConstantDrift()"));
  if (!p->b_const) PetscCall(PetscMalloc1(p->d, &p->b_const));
  PetscCall(PetscArraycpy(p->b_const, b, p->d));
  p->drift = NULL;
  PetscCall(Changed(p));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDESetDrift(CfxPIDE p, CfxPIDEVectorFn fn, void *ctx)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(p->b_const));
  p->drift    = fn;
  p->driftctx = ctx;
  PetscCall(Changed(p));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckDiffusionShape(CfxPIDE p, CfxPIDEDiffusionType type, PetscInt dw)
{
  PetscFunctionBegin;
  PetscCall(NeedDimension(p, "setting the diffusion"));
  if (type == CFX_PIDE_DIFFUSION_DIAGONAL)
    PetscCheck(dw == p->d, p->comm, PETSC_ERR_ARG_SIZ, "Diagonal diffusion needs dw = d = %" PetscInt_FMT ", found dw = %" PetscInt_FMT, p->d, dw);
  else
    PetscCheck(dw >= 1, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "Full diffusion needs dw >= 1, found %" PetscInt_FMT, dw);
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDESetConstantDiffusion(CfxPIDE p, CfxPIDEDiffusionType type, PetscInt dw, const PetscReal S[])
{
  PetscInt n;

  PetscFunctionBegin;
  PetscCall(CheckDiffusionShape(p, type, dw));
  n = type == CFX_PIDE_DIFFUSION_DIAGONAL ? p->d : p->d * dw;
  PetscCall(PetscFree(p->S_const));
  PetscCall(PetscMalloc1(n, &p->S_const));
  PetscCall(PetscArraycpy(p->S_const, S, n));
  p->dtype     = type;
  p->dw        = dw;
  p->diffusion = NULL;
  PetscCall(Changed(p));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDESetDiffusion(CfxPIDE p, CfxPIDEDiffusionType type, PetscInt dw, CfxPIDEVectorFn fn, void *ctx)
{
  PetscFunctionBegin;
  PetscCall(CheckDiffusionShape(p, type, dw));
  PetscCall(PetscFree(p->S_const));
  p->dtype     = type;
  p->dw        = dw;
  p->diffusion = fn;
  p->diffctx   = ctx;
  PetscCall(Changed(p));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDESetJumpIntensity(CfxPIDE p, PetscReal lambda)
{
  PetscFunctionBegin;
  PetscCheck(lambda >= 0 && PetscIsNormalReal(lambda + 1), p->comm, PETSC_ERR_ARG_OUTOFRANGE, "Jump intensity must be finite and >= 0, found %g", (double)lambda);
  p->lambda = lambda;
  PetscCall(Changed(p));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDEGetJumpIntensity(CfxPIDE p, PetscReal *lambda)
{
  PetscFunctionBegin;
  *lambda = p->lambda;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDESetGaussianMark(CfxPIDE p, PetscInt nz, const PetscReal mean[], const PetscReal std[])
{
  PetscFunctionBegin;
  PetscCheck(nz >= 1, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "Mark dimension must be >= 1, found %" PetscInt_FMT, nz);
  for (PetscInt i = 0; i < nz; i++) PetscCheck(std[i] >= 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "Mark standard deviation %" PetscInt_FMT " must be >= 0, found %g", i, (double)std[i]);
  PetscCall(PetscFree2(p->mark_mean, p->mark_std));
  PetscCall(PetscMalloc2(nz, &p->mark_mean, nz, &p->mark_std));
  PetscCall(PetscArraycpy(p->mark_mean, mean, nz));
  PetscCall(PetscArraycpy(p->mark_std, std, nz));
  p->nxi  = nz;
  p->nz   = nz;
  p->mark = NULL;
  PetscCall(Changed(p));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDESetMark(CfxPIDE p, PetscInt nxi, PetscInt nz, CfxPIDEMarkFn fn, void *ctx)
{
  PetscFunctionBegin;
  PetscCheck(nxi >= 1 && nz >= 1, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "Mark law needs nxi >= 1 and nz >= 1, found %" PetscInt_FMT " and %" PetscInt_FMT, nxi, nz);
  PetscCheck(fn, p->comm, PETSC_ERR_ARG_NULL, "Mark transform must not be NULL (use CfxPIDESetGaussianMark for Gaussian marks)");
  PetscCall(PetscFree2(p->mark_mean, p->mark_std));
  p->nxi     = nxi;
  p->nz      = nz;
  p->mark    = fn;
  p->markctx = ctx;
  PetscCall(Changed(p));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDESetJumpMap(CfxPIDE p, CfxPIDEJumpFn fn, void *ctx)
{
  PetscFunctionBegin;
  p->jump    = fn;
  p->jumpctx = ctx;
  PetscCall(Changed(p));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDESetDiscount(CfxPIDE p, PetscReal r)
{
  PetscFunctionBegin;
  PetscCheck(r >= 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "Discount rate must be >= 0, found %g", (double)r);
  p->r = r;
  PetscCall(Changed(p));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDESetSource(CfxPIDE p, CfxPIDEScalarFn fn, void *ctx)
{
  PetscFunctionBegin;
  p->source    = fn;
  p->sourcectx = ctx;
  PetscCall(Changed(p));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDESetTerminal(CfxPIDE p, CfxPIDETerminalFn fn, void *ctx)
{
  PetscFunctionBegin;
  p->terminal    = fn;
  p->terminalctx = ctx;
  PetscCall(Changed(p));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDESetSampler(CfxPIDE p, CfxPIDESampleFn fn, void *ctx)
{
  PetscFunctionBegin;
  p->sampler    = fn;
  p->samplerctx = ctx;
  PetscCall(Changed(p));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDESetExactSolution(CfxPIDE p, CfxPIDEScalarFn fn, void *ctx)
{
  PetscFunctionBegin;
  p->exact    = fn;
  p->exactctx = ctx;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDEHasExactSolution(CfxPIDE p, PetscBool *has)
{
  PetscFunctionBegin;
  *has = p->exact ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDESetReferencePoint(CfxPIDE p, const PetscReal x0[])
{
  PetscFunctionBegin;
  PetscCall(NeedDimension(p, "CfxPIDESetReferencePoint()"));
  if (!p->x0) PetscCall(PetscCalloc1(p->d, &p->x0));
  PetscCall(PetscArraycpy(p->x0, x0, p->d));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDEGetReferencePoint(CfxPIDE p, const PetscReal **x0)
{
  PetscFunctionBegin;
  PetscCheck(p->setup, p->comm, PETSC_ERR_ORDER, "Call CfxPIDESetUp() first");
  *x0 = p->x0;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDEGetProblem(CfxPIDE p, CfxPIDEProblem *problem)
{
  PetscFunctionBegin;
  *problem = p->problem;
  PetscFunctionReturn(0);
}

/*@C
  CfxPIDESetFromOptions - -pide_euler_dt (largest Euler sub-step for non-constant
  coefficients), and for built-in problems their parameters: -pide_lambda, -pide_sigma,
  -pide_delta (mark std), -pide_r, -pide_T, -pide_a (B2), -pide_mu_jump, -pide_sample_std (B3).
@*/
PetscErrorCode CfxPIDESetFromOptions(CfxPIDE p)
{
  PetscFunctionBegin;
  PetscOptionsBegin(p->comm, p->prefix, "PIDE problem options", "CfxPIDE");
  PetscCall(PetscOptionsReal("-pide_euler_dt", "largest Euler-Maruyama sub-step (non-constant coefficients)", "CfxPIDESetFromOptions", p->euler_dt, &p->euler_dt, NULL));
  if (p->problem != CFX_PIDE_USER) {
    PetscCall(PetscOptionsReal("-pide_lambda", "jump intensity", "CfxPIDESetProblem", p->par.lambda, &p->par.lambda, NULL));
    PetscCall(PetscOptionsReal("-pide_sigma", "diffusion coefficient", "CfxPIDESetProblem", p->par.sigma, &p->par.sigma, NULL));
    PetscCall(PetscOptionsReal("-pide_delta", "jump mark standard deviation", "CfxPIDESetProblem", p->par.delta, &p->par.delta, NULL));
    PetscCall(PetscOptionsReal("-pide_r", "discount rate", "CfxPIDESetProblem", p->par.r, &p->par.r, NULL));
    PetscCall(PetscOptionsReal("-pide_T", "horizon", "CfxPIDESetProblem", p->T, &p->T, NULL));
    if (p->problem == CFX_PIDE_B2) PetscCall(PetscOptionsReal("-pide_a", "B2: |theta|", "CfxPIDESetProblem", p->par.a, &p->par.a, NULL));
    if (p->problem == CFX_PIDE_B3) {
      PetscCall(PetscOptionsReal("-pide_mu_jump", "B3: mean log jump", "CfxPIDESetProblem", p->par.muJ, &p->par.muJ, NULL));
      PetscCall(PetscOptionsReal("-pide_sample_std", "B3: std of the log-prices sampled around x0", "CfxPIDESetProblem", p->par.sample_std, &p->par.sample_std, NULL));
    }
  }
  PetscOptionsEnd();
  PetscCheck(p->euler_dt > 0, p->comm, PETSC_ERR_ARG_OUTOFRANGE, "-pide_euler_dt must be > 0, found %g", (double)p->euler_dt);
  PetscCall(Changed(p));
  PetscFunctionReturn(0);
}

/*@C
  CfxPIDESetUp - Checks that the description is complete (dimension, diffusion, terminal
  condition, sampler; a mark law when lambda > 0) and installs the built-in coefficients.
@*/
PetscErrorCode CfxPIDESetUp(CfxPIDE p)
{
  PetscFunctionBegin;
  if (p->setup) PetscFunctionReturn(0);
  if (p->problem != CFX_PIDE_USER) PetscCall(CfxPIDEBuiltinSetUp(p));
  PetscCall(NeedDimension(p, "CfxPIDESetUp()"));
  PetscCheck(p->S_const || p->diffusion, p->comm, PETSC_ERR_ORDER, "PIDE has no diffusion: call CfxPIDESetConstantDiffusion() or CfxPIDESetDiffusion()");
  PetscCheck(p->terminal, p->comm, PETSC_ERR_ORDER, "PIDE has no terminal condition: call CfxPIDESetTerminal()");
  PetscCheck(p->sampler, p->comm, PETSC_ERR_ORDER, "PIDE has no sampling law: call CfxPIDESetSampler()");
  if (p->lambda > 0) {
    PetscCheck(p->nxi >= 1, p->comm, PETSC_ERR_ORDER, "PIDE has jump intensity %g but no mark law: call CfxPIDESetGaussianMark() or CfxPIDESetMark()", (double)p->lambda);
    PetscCheck(p->jump || p->nz == p->d, p->comm, PETSC_ERR_ARG_SIZ, "Additive jumps (no jump map) need mark dimension = d = %" PetscInt_FMT ", found %" PetscInt_FMT, p->d, p->nz);
  }
  if (!p->x0) PetscCall(PetscCalloc1(p->d, &p->x0));
  p->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDEView(CfxPIDE p, PetscViewer viewer)
{
  PetscFunctionBegin;
  if (!viewer) PetscCall(PetscViewerASCIIGetStdout(p->comm, &viewer));
  PetscCall(
      PetscViewerASCIIPrintf(viewer, "CfxPIDE: problem %s, d = %" PetscInt_FMT ", T = %g, lambda = %g, r = %g\n", CfxPIDEProblems[p->problem], p->d, (double)p->T, (double)p->lambda, (double)p->r));
  PetscCall(PetscViewerASCIIPrintf(viewer, "  drift %s, diffusion %s %s (dw = %" PetscInt_FMT "), mark %s with %" PetscInt_FMT " normals, jump map %s, source %s, exact solution %s\n",
                                   p->drift ? "callback" : (p->b_const ? "constant" : "zero"), p->diffusion ? "callback" : "constant", p->dtype == CFX_PIDE_DIFFUSION_DIAGONAL ? "diagonal" : "full",
                                   p->dw, p->mark ? "callback" : "Gaussian", p->nxi, p->jump ? "callback" : "additive", p->source ? "callback" : "zero", p->exact ? "known" : "unknown"));
  if (p->drift || p->diffusion)
    PetscCall(PetscViewerASCIIPrintf(viewer, "  Euler-Maruyama sub-steps <= %g\n", (double)p->euler_dt));
  else
    PetscCall(PetscViewerASCIIPrintf(viewer, "  constant coefficients: exact Gaussian diffusion steps\n"));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDETerminal(CfxPIDE p, const PetscReal x[], PetscReal *g)
{
  PetscFunctionBegin;
  PetscCall(p->terminal(x, g, p->terminalctx));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDESource(CfxPIDE p, PetscReal t, const PetscReal x[], PetscReal *f)
{
  PetscFunctionBegin;
  if (p->source)
    PetscCall(p->source(t, x, f, p->sourcectx));
  else
    *f = 0;
  PetscFunctionReturn(0);
}

/*@C
  CfxPIDEExactSolution - u*(t_i, x_i) for n points (x row-major [n, d]).
@*/
PetscErrorCode CfxPIDEExactSolution(CfxPIDE p, PetscInt n, const PetscReal t[], const PetscReal x[], PetscReal u[])
{
  PetscFunctionBegin;
  PetscCheck(p->setup, p->comm, PETSC_ERR_ORDER, "Call CfxPIDESetUp() first");
  PetscCheck(p->exact, p->comm, PETSC_ERR_ORDER, "This PIDE has no exact solution (CfxPIDESetExactSolution)");
  for (PetscInt i = 0; i < n; i++) PetscCall(p->exact(t[i], &x[i * p->d], &u[i], p->exactctx));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxPIDEExactValue(PetscInt n, const PetscReal t[], const PetscReal x[], PetscReal u[], void *ctx)
{
  PetscFunctionBegin;
  PetscCall(CfxPIDEExactSolution((CfxPIDE)ctx, n, t, x, u));
  PetscFunctionReturn(0);
}

/*@C
  CfxPIDESamplePoints - n points with t uniform on [0, T) and x from the sampling law; point
  i uses CfxRNG stream first + i of seed, so a point does not depend on how points are split
  over ranks.
@*/
PetscErrorCode CfxPIDESamplePoints(CfxPIDE p, uint64_t seed, uint64_t first, PetscInt n, PetscReal t[], PetscReal x[])
{
  CfxRNG rng;

  PetscFunctionBegin;
  PetscCheck(p->setup, p->comm, PETSC_ERR_ORDER, "Call CfxPIDESetUp() first");
  for (PetscInt i = 0; i < n; i++) {
    PetscCall(CfxRNGSetSeed(&rng, seed, first + (uint64_t)i));
    t[i] = p->T * CfxRNGUniform(&rng);
    PetscCall(p->sampler(&rng, &x[i * p->d], p->samplerctx));
  }
  PetscFunctionReturn(0);
}
