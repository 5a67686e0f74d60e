/* CfxODE: lifecycle, systems, options and the SUNDIALS set-up. Integration and the
   translation of SUNDIALS failures into PETSc errors are in ode_solve.c. */
#include "odeimpl.h"

const char *const CfxODEMethods[] = {"bdf", "adams", "CfxODEMethod", "CFX_ODE_", NULL};
const char *const CfxODESystems[] = {"user", "pendulum", "double_pendulum", "coupled_oscillators", "forced_damped_pendulum", "CfxODESystem", "CFX_ODE_", NULL};
PetscLogEvent CFX_ODE_Solve, CFX_ODE_RHS;
static PetscBool CfxODEPackageInitialized = PETSC_FALSE;

static PetscErrorCode CfxODEFinalizePackage(void)
{
  PetscFunctionBegin;
  CfxODEPackageInitialized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxODEInitializePackage(void)
{
  PetscFunctionBegin;
  if (CfxODEPackageInitialized) PetscFunctionReturn(0);
  CfxODEPackageInitialized = PETSC_TRUE;
  PetscCall(CfxInitializePackage());
  PetscCall(PetscLogEventRegister("CfxODESolve", CFX_CLASSID, &CFX_ODE_Solve));
  PetscCall(PetscLogEventRegister("CfxODERHS", CFX_CLASSID, &CFX_ODE_RHS));
  PetscCall(PetscRegisterFinalize(CfxODEFinalizePackage));
  PetscFunctionReturn(0);
}

/*@C
  CfxODECreate - Creates an ODE integrator: BDF, rtol 1e-6, atol 1e-9, 10000 steps between
  outputs; give it a system (built-in or CfxODESetRHS()) before CfxODESetUp().
@*/
PetscErrorCode CfxODECreate(MPI_Comm comm, CfxODE *ode)
{
  CfxODE o;

  PetscFunctionBegin;
  PetscValidPointer(ode, 2);
  PetscCall(CfxODEInitializePackage());
  PetscCall(PetscNew(&o));
  o->comm     = comm;
  o->system   = CFX_ODE_USER;
  o->method   = CFX_ODE_BDF;
  o->rtol     = 1e-6;
  o->atol     = 1e-9;
  o->maxSteps = 10000;
  *ode        = o;
  PetscFunctionReturn(0);
}

/* Frees the SUNDIALS objects; the next use sets them up again. */
static PetscErrorCode CfxODEReset(CfxODE ode)
{
  PetscFunctionBegin;
  if (ode->cvode) CVodeFree(&ode->cvode);
  if (ode->LS) SUNLinSolFree(ode->LS);
  if (ode->A) SUNMatDestroy(ode->A);
  if (ode->NLS) SUNNonlinSolFree(ode->NLS);
  if (ode->y) N_VDestroy(ode->y);
  if (ode->sunctx) SUNContext_Free(&ode->sunctx);
  ode->cvode       = NULL;
  ode->LS          = NULL;
  ode->A           = NULL;
  ode->NLS         = NULL;
  ode->y           = NULL;
  ode->sunctx      = NULL;
  ode->setup       = PETSC_FALSE;
  ode->initialized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxODEDestroy(CfxODE *ode)
{
  PetscFunctionBegin;
  if (!ode || !*ode) PetscFunctionReturn(0);
  PetscCall(CfxODEReset(*ode));
  PetscCall(PetscFree2((*ode)->masses, (*ode)->springs));
  PetscCall(PetscFree((*ode)->prefix));
  PetscCall(PetscFree(*ode));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetBuiltin(CfxODE ode, CfxODESystem system, PetscInt n)
{
  PetscFunctionBegin;
  PetscCall(CfxODEReset(ode));
  ode->system    = system;
  ode->n         = n;
  ode->rhs       = CfxODEBuiltinRHS;
  ode->rhsctx    = ode;
  ode->energy    = CfxODEBuiltinEnergy;
  ode->energyctx = ode;
  PetscFunctionReturn(0);
}

#define CheckPositive(ode, name, v) \
  PetscCheck((v) > 0 && PetscIsNormalReal(v), (ode)->comm, PETSC_ERR_ARG_OUTOFRANGE, "%s: expected a positive finite %s, found %g", PETSC_FUNCTION_NAME, name, (double)(v))

/*@C
  CfxODESetRHS - A user system of n equations y' = f(t, y, ctx).
@*/
PetscErrorCode CfxODESetRHS(CfxODE ode, PetscInt n, CfxODERHSFn f, void *ctx)
{
  PetscFunctionBegin;
  PetscValidPointer(ode, 1);
  PetscCheck(n >= 1, ode->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxODESetRHS: expected at least one equation, found n = %" PetscInt_FMT, n);
  PetscValidFunction(f, 3);
  PetscCall(CfxODEReset(ode));
  ode->system    = CFX_ODE_USER;
  ode->n         = n;
  ode->rhs       = f;
  ode->rhsctx    = ctx;
  ode->energy    = NULL;
  ode->energyctx = NULL;
  PetscFunctionReturn(0);
}

/*@C
  CfxODESetEnergyFunction - The invariant CfxODEEnergy() evaluates (replaces a built-in one).
@*/
PetscErrorCode CfxODESetEnergyFunction(CfxODE ode, CfxODEEnergyFn E, void *ctx)
{
  PetscFunctionBegin;
  PetscValidPointer(ode, 1);
  ode->energy    = E;
  ode->energyctx = ctx;
  PetscFunctionReturn(0);
}

/*@C
  CfxODESetPendulum - theta'' = -(g/l) sin theta, state (theta, theta'); mass m for the energy.
@*/
PetscErrorCode CfxODESetPendulum(CfxODE ode, PetscReal m, PetscReal l, PetscReal g)
{
  PetscFunctionBegin;
  PetscValidPointer(ode, 1);
  CheckPositive(ode, "mass", m);
  CheckPositive(ode, "length", l);
  CheckPositive(ode, "gravity", g);
  PetscCall(SetBuiltin(ode, CFX_ODE_PENDULUM, 2));
  ode->par[0] = m;
  ode->par[1] = l;
  ode->par[2] = g;
  PetscFunctionReturn(0);
}

/*@C
  CfxODESetDoublePendulum - Masses m1, m2 on rods l1, l2 under gravity g; state
  (theta_1, theta_2, theta_1', theta_2').
@*/
PetscErrorCode CfxODESetDoublePendulum(CfxODE ode, PetscReal m1, PetscReal m2, PetscReal l1, PetscReal l2, PetscReal g)
{
  PetscFunctionBegin;
  PetscValidPointer(ode, 1);
  CheckPositive(ode, "mass m1", m1);
  CheckPositive(ode, "mass m2", m2);
  CheckPositive(ode, "length l1", l1);
  CheckPositive(ode, "length l2", l2);
  CheckPositive(ode, "gravity", g);
  PetscCall(SetBuiltin(ode, CFX_ODE_DOUBLE_PENDULUM, 4));
  ode->par[0] = m1;
  ode->par[1] = m2;
  ode->par[2] = l1;
  ode->par[3] = l2;
  ode->par[4] = g;
  PetscFunctionReturn(0);
}

/*@C
  CfxODESetCoupledOscillators - A chain of N masses m[0..N-1] between two walls, joined by
  N + 1 springs k[0..N] (k[0] to the left wall, k[N] to the right wall; 0 frees an end).
  State (q_1..q_N, q_1'..q_N').
@*/
PetscErrorCode CfxODESetCoupledOscillators(CfxODE ode, PetscInt N, const PetscReal m[], const PetscReal k[])
{
  PetscFunctionBegin;
  PetscValidPointer(ode, 1);
  PetscCheck(N >= 1, ode->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxODESetCoupledOscillators: expected at least one mass, found N = %" PetscInt_FMT, N);
  PetscValidRealPointer(m, 3);
  PetscValidRealPointer(k, 4);
  for (PetscInt i = 0; i < N; i++)
    PetscCheck(m[i] > 0 && PetscIsNormalReal(m[i]), ode->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxODESetCoupledOscillators: expected positive masses, found m[%" PetscInt_FMT "] = %g", i, (double)m[i]);
  for (PetscInt i = 0; i <= N; i++)
    PetscCheck(k[i] >= 0 && !PetscIsInfOrNanReal(k[i]), ode->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxODESetCoupledOscillators: expected spring constants >= 0, found k[%" PetscInt_FMT "] = %g", i,
               (double)k[i]);
  PetscCall(SetBuiltin(ode, CFX_ODE_COUPLED_OSCILLATORS, 2 * N));
  PetscCall(PetscFree2(ode->masses, ode->springs));
  PetscCall(PetscMalloc2(N, &ode->masses, N + 1, &ode->springs));
  PetscCall(PetscArraycpy(ode->masses, m, N));
  PetscCall(PetscArraycpy(ode->springs, k, N + 1));
  PetscFunctionReturn(0);
}

/*@C
  CfxODESetForcedDampedPendulum - theta'' = -gamma theta' - (g/l) sin theta + A cos(Omega t);
  mass m for the energy.
@*/
PetscErrorCode CfxODESetForcedDampedPendulum(CfxODE ode, PetscReal m, PetscReal l, PetscReal g, PetscReal gamma, PetscReal A, PetscReal Omega)
{
  PetscFunctionBegin;
  PetscValidPointer(ode, 1);
  CheckPositive(ode, "mass", m);
  CheckPositive(ode, "length", l);
  CheckPositive(ode, "gravity", g);
  PetscCheck(gamma >= 0 && !PetscIsInfOrNanReal(gamma), ode->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxODESetForcedDampedPendulum: expected damping >= 0, found %g", (double)gamma);
  PetscCheck(!PetscIsInfOrNanReal(A) && !PetscIsInfOrNanReal(Omega), ode->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxODESetForcedDampedPendulum: expected finite forcing, found A = %g, Omega = %g", (double)A,
             (double)Omega);
  PetscCall(SetBuiltin(ode, CFX_ODE_FORCED_DAMPED_PENDULUM, 2));
  ode->par[0] = m;
  ode->par[1] = l;
  ode->par[2] = g;
  ode->par[3] = gamma;
  ode->par[4] = A;
  ode->par[5] = Omega;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxODEGetSystem(CfxODE ode, CfxODESystem *system)
{
  PetscFunctionBegin;
  PetscValidPointer(ode, 1);
  PetscValidPointer(system, 2);
  *system = ode->system;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxODEGetSize(CfxODE ode, PetscInt *n)
{
  PetscFunctionBegin;
  PetscValidPointer(ode, 1);
  PetscValidIntPointer(n, 2);
  *n = ode->n;
  PetscFunctionReturn(0);
}

/*@C
  CfxODESetRootFunction - nroots event functions; CfxODEIntegrate() returns at their zeros
  (located by CVODE's root finding), CfxODESolve() passes over them.
@*/
PetscErrorCode CfxODESetRootFunction(CfxODE ode, PetscInt nroots, CfxODERootFn g, void *ctx)
{
  PetscFunctionBegin;
  PetscValidPointer(ode, 1);
  PetscCheck(nroots >= 0 && (g || !nroots), ode->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxODESetRootFunction: expected nroots >= 0 and a function when nroots > 0, found nroots = %" PetscInt_FMT, nroots);
  PetscCall(CfxODEReset(ode));
  ode->nroots  = nroots;
  ode->root    = g;
  ode->rootctx = ctx;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxODESetMethod(CfxODE ode, CfxODEMethod method)
{
  PetscFunctionBegin;
  PetscValidPointer(ode, 1);
  PetscCheck(method == CFX_ODE_BDF || method == CFX_ODE_ADAMS, ode->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxODESetMethod: unknown method %d; expected bdf or adams", (int)method);
  if (method != ode->method) PetscCall(CfxODEReset(ode));
  ode->method = method;
  PetscFunctionReturn(0);
}

/*@C
  CfxODESetTolerances - CVODE's scalar relative and absolute tolerances (local error per step
  below rtol |y_i| + atol).
@*/
PetscErrorCode CfxODESetTolerances(CfxODE ode, PetscReal rtol, PetscReal atol)
{
  PetscFunctionBegin;
  PetscValidPointer(ode, 1);
  PetscCheck(rtol >= 0 && atol >= 0 && rtol + atol > 0 && !PetscIsInfOrNanReal(rtol + atol), ode->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "CfxODESetTolerances: expected rtol, atol >= 0, not both 0, found rtol = %g, atol = %g", (double)rtol, (double)atol);
  ode->rtol = rtol;
  ode->atol = atol;
  if (ode->cvode) PetscCheck(CVodeSStolerances(ode->cvode, rtol, atol) == CV_SUCCESS, ode->comm, PETSC_ERR_LIB, "CVodeSStolerances(%g, %g) failed: %s", (double)rtol, (double)atol, ode->sunmsg);
  PetscFunctionReturn(0);
}

PetscErrorCode CfxODESetMaxSteps(CfxODE ode, PetscInt maxSteps)
{
  PetscFunctionBegin;
  PetscValidPointer(ode, 1);
  PetscCheck(maxSteps >= 1, ode->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxODESetMaxSteps: expected at least 1 step, found %" PetscInt_FMT, maxSteps);
  ode->maxSteps = maxSteps;
  if (ode->cvode) PetscCheck(CVodeSetMaxNumSteps(ode->cvode, (long)maxSteps) == CV_SUCCESS, ode->comm, PETSC_ERR_LIB, "CVodeSetMaxNumSteps(%" PetscInt_FMT ") failed: %s", maxSteps, ode->sunmsg);
  PetscFunctionReturn(0);
}

PetscErrorCode CfxODESetOptionsPrefix(CfxODE ode, const char prefix[])
{
  PetscFunctionBegin;
  PetscValidPointer(ode, 1);
  PetscCall(PetscFree(ode->prefix));
  if (prefix) PetscCall(PetscStrallocpy(prefix, &ode->prefix));
  PetscFunctionReturn(0);
}

/*@C
  CfxODESetFromOptions - Reads -ode_method, -ode_rtol, -ode_atol, -ode_max_steps, -ode_monitor.
@*/
PetscErrorCode CfxODESetFromOptions(CfxODE ode)
{
  PetscInt method, maxSteps;
  PetscReal rtol, atol;

  PetscFunctionBegin;
  PetscValidPointer(ode, 1);
  method   = (PetscInt)ode->method;
  maxSteps = ode->maxSteps;
  rtol     = ode->rtol;
  atol     = ode->atol;
  PetscOptionsBegin(ode->comm, ode->prefix, "ODE integration with SUNDIALS CVODE (CfxODE)", "CfxODE");
  PetscCall(PetscOptionsEList("-ode_method", "Linear multistep family: bdf (stiff, dense Newton) or adams (non-stiff, fixed point)", "CfxODESetMethod", CfxODEMethods, 2, CfxODEMethods[method],
                              &method, NULL));
  PetscCall(PetscOptionsReal("-ode_rtol", "Relative tolerance", "CfxODESetTolerances", rtol, &rtol, NULL));
  PetscCall(PetscOptionsReal("-ode_atol", "Absolute tolerance", "CfxODESetTolerances", atol, &atol, NULL));
  PetscCall(PetscOptionsInt("-ode_max_steps", "Steps allowed between two output times", "CfxODESetMaxSteps", maxSteps, &maxSteps, NULL));
  PetscCall(PetscOptionsBool("-ode_monitor", "Print t, steps and step size at each output time", "CfxODESolve", ode->monitor, &ode->monitor, NULL));
  PetscOptionsEnd();
  PetscCall(CfxODESetMethod(ode, (CfxODEMethod)method));
  PetscCall(CfxODESetTolerances(ode, rtol, atol));
  PetscCall(CfxODESetMaxSteps(ode, maxSteps));
  PetscFunctionReturn(0);
}

/* SUNDIALS reports errors here instead of on stderr: keep the text for the PETSc error, and
   pass warnings (error_code > 0) to -info. */
static void ErrorHandler(int code, const char *module, const char *function, char *msg, void *data)
{
  CfxODE ode = (CfxODE)data;

  if (code > 0) {
    (void)PetscInfo(NULL, "[%s WARNING] %s: %s\n", module, function, msg);
    return;
  }
  (void)PetscSNPrintf(ode->sunmsg, sizeof(ode->sunmsg), "[%s ERROR] %s: %s", module, function, msg);
}

static int RHSWrapper(realtype t, N_Vector y, N_Vector ydot, void *data)
{
  CfxODE ode = (CfxODE)data;
  PetscErrorCode ierr;

  /* The event is closed whatever the callback returns, so -log_view stays balanced. */
  if (PetscLogEventBegin(CFX_ODE_RHS, 0, 0, 0, 0)) return -1;
  ierr = ode->rhs(t, N_VGetArrayPointer(y), N_VGetArrayPointer(ydot), ode->rhsctx);
  if (PetscLogEventEnd(CFX_ODE_RHS, 0, 0, 0, 0)) return -1;
  if (ierr) {
    ode->cberr = ierr;
    return -1; /* unrecoverable: CVode returns CV_RHSFUNC_FAIL */
  }
  return 0;
}

static int RootWrapper(realtype t, N_Vector y, realtype *g, void *data)
{
  CfxODE ode = (CfxODE)data;
  PetscErrorCode ierr;

  ierr = ode->root(t, N_VGetArrayPointer(y), g, ode->rootctx);
  if (ierr) {
    ode->cberr = ierr;
    return -1;
  }
  return 0;
}

#define SunCall(ode, call) PetscCheck((call) == 0, (ode)->comm, PETSC_ERR_LIB, "SUNDIALS call %s failed: %s", #call, (ode)->sunmsg)

/*@C
  CfxODESetUp - Creates the SUNDIALS context, state vector, CVODE memory and solvers.
@*/
PetscErrorCode CfxODESetUp(CfxODE ode)
{
  PetscFunctionBegin;
  PetscValidPointer(ode, 1);
  if (ode->setup) PetscFunctionReturn(0);
  PetscCheck(ode->rhs && ode->n > 0, ode->comm, PETSC_ERR_ORDER, "CfxODESetUp: no system; call CfxODESetRHS() or one of the built-in systems (CfxODESetPendulum(), ...) first");
  ode->sunmsg[0] = 0;
  SunCall(ode, SUNContext_Create(NULL, &ode->sunctx));
  ode->y = N_VNew_Serial((sunindextype)ode->n, ode->sunctx);
  PetscCheck(ode->y, ode->comm, PETSC_ERR_MEM, "N_VNew_Serial(%" PetscInt_FMT ") failed", ode->n);
  N_VConst(0.0, ode->y);
  ode->cvode = CVodeCreate(ode->method == CFX_ODE_BDF ? CV_BDF : CV_ADAMS, ode->sunctx);
  PetscCheck(ode->cvode, ode->comm, PETSC_ERR_MEM, "CVodeCreate() failed");
  SunCall(ode, CVodeSetErrHandlerFn(ode->cvode, ErrorHandler, ode));
  SunCall(ode, CVodeInit(ode->cvode, RHSWrapper, 0.0, ode->y));
  SunCall(ode, CVodeSetUserData(ode->cvode, ode));
  SunCall(ode, CVodeSStolerances(ode->cvode, ode->rtol, ode->atol));
  SunCall(ode, CVodeSetMaxNumSteps(ode->cvode, (long)ode->maxSteps));
  if (ode->method == CFX_ODE_BDF) {
    /* Newton iteration with a dense LU of the difference-quotient Jacobian. */
    ode->A  = SUNDenseMatrix((sunindextype)ode->n, (sunindextype)ode->n, ode->sunctx);
    ode->LS = SUNLinSol_Dense(ode->y, ode->A, ode->sunctx);
    PetscCheck(ode->A && ode->LS, ode->comm, PETSC_ERR_MEM, "dense SUNDIALS matrix or linear solver of size %" PetscInt_FMT " could not be created", ode->n);
    SunCall(ode, CVodeSetLinearSolver(ode->cvode, ode->LS, ode->A));
  } else {
    /* Adams for non-stiff problems: fixed-point iteration, no Jacobian. */
    ode->NLS = SUNNonlinSol_FixedPoint(ode->y, 0, ode->sunctx);
    PetscCheck(ode->NLS, ode->comm, PETSC_ERR_MEM, "SUNNonlinSol_FixedPoint() failed");
    SunCall(ode, CVodeSetNonlinearSolver(ode->cvode, ode->NLS));
  }
  if (ode->nroots) SunCall(ode, CVodeRootInit(ode->cvode, (int)ode->nroots, RootWrapper));
  ode->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxODEView(CfxODE ode, PetscViewer viewer)
{
  PetscBool ascii;

  PetscFunctionBegin;
  PetscValidPointer(ode, 1);
  if (!viewer) PetscCall(PetscViewerASCIIGetStdout(ode->comm, &viewer));
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &ascii));
  if (!ascii) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(viewer, "CfxODE: %s system of %" PetscInt_FMT " equations, CVODE %s, rtol %g, atol %g, at most %" PetscInt_FMT " steps between outputs\n",
                                   CfxODESystems[ode->system], ode->n, ode->method == CFX_ODE_BDF ? "BDF (dense Newton)" : "Adams (fixed point)", (double)ode->rtol, (double)ode->atol, ode->maxSteps));
  if (ode->cvode && ode->initialized) {
    PetscInt steps, rhs;
    PetscCall(CfxODEGetStatistics(ode, &steps, &rhs));
    PetscCall(PetscViewerASCIIPushTab(viewer));
    PetscCall(PetscViewerASCIIPrintf(viewer, "t = %g: %" PetscInt_FMT " steps, %" PetscInt_FMT " right-hand side evaluations since the last initial condition\n", (double)ode->t, steps, rhs));
    PetscCall(PetscViewerASCIIPopTab(viewer));
  }
  PetscFunctionReturn(0);
}
