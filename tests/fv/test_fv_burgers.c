static const char help[] = "CfxFV against exact solutions of scalar laws:\n"
                           "  Burgers from u0 = a + b sin(2 pi x) before the shock, against characteristics (Newton per point);\n"
                           "  Burgers Riemann problems: shock position vs Rankine-Hugoniot, rarefaction fan u = x/t;\n"
                           "  Buckley-Leverett Riemann problem (non-convex: rarefaction attached to a shock at u* = sqrt(M/(1+M))).\n"
                           "Options: -fv_ options of the scheme under test; -case smooth|shock|rarefaction|buckley; -n0, -levels, -min_order\n";

#include "fvtest.h"

typedef struct {
  PetscReal a, b;   /* smooth case: u0 = a + b sin(2 pi x) */
  PetscReal uL, uR; /* Riemann cases */
  PetscReal x0, M;  /* initial jump position; Buckley-Leverett M */
} Problem;

/* Characteristics: u(x, t) = u0(xi) with xi + u0(xi) t = x; Newton from xi = x - u0(x) t
   converges for t below the breaking time 1/(2 pi b), where the map is monotone. */
static PetscErrorCode Smooth(PetscReal x, PetscReal t, PetscReal *u, void *ctx)
{
  Problem *p   = (Problem *)ctx;
  PetscReal xi = x - (p->a + p->b * PetscSinReal(2 * PETSC_PI * x)) * t;

  for (int it = 0; it < 100; it++) {
    PetscReal u0 = p->a + p->b * PetscSinReal(2 * PETSC_PI * xi), du0 = 2 * PETSC_PI * p->b * PetscCosReal(2 * PETSC_PI * xi);
    PetscReal g = xi + u0 * t - x, step = g / (1 + du0 * t);
    xi -= step;
    if (PetscAbsReal(step) < 1e-15) break;
  }
  u[0] = p->a + p->b * PetscSinReal(2 * PETSC_PI * xi);
  return 0;
}

/* Burgers Riemann problem: shock with speed (uL + uR)/2 if uL > uR, else the fan u = (x - x0)/t. */
static PetscErrorCode BurgersRiemann(PetscReal x, PetscReal t, PetscReal *u, void *ctx)
{
  Problem *p   = (Problem *)ctx;
  PetscReal xi = t > 0 ? (x - p->x0) / t : (x > p->x0 ? PETSC_MAX_REAL : -PETSC_MAX_REAL);

  if (p->uL > p->uR)
    u[0] = xi < 0.5 * (p->uL + p->uR) ? p->uL : p->uR;
  else
    u[0] = xi <= p->uL ? p->uL : (xi >= p->uR ? p->uR : xi);
  return 0;
}

static PetscReal BLFlux(PetscReal M, PetscReal u) { return u * u / (u * u + M * (1 - u) * (1 - u)); }
static PetscReal BLSpeed(PetscReal M, PetscReal u)
{
  PetscReal D = u * u + M * (1 - u) * (1 - u);
  return 2 * M * u * (1 - u) / (D * D);
}

/* Buckley-Leverett with uL = 1, uR = 0 (Welge construction): u = 1 for xi <= 0, the fan
   f'(u) = xi on [u*, 1] for 0 < xi < f'(u*), u = 0 beyond the shock of speed f(u*)/u* = f'(u*). */
static PetscErrorCode Buckley(PetscReal x, PetscReal t, PetscReal *u, void *ctx)
{
  Problem *p      = (Problem *)ctx;
  PetscReal ustar = PetscSqrtReal(p->M / (1 + p->M)), s = BLSpeed(p->M, ustar);
  PetscReal xi = t > 0 ? (x - p->x0) / t : (x > p->x0 ? PETSC_MAX_REAL : -PETSC_MAX_REAL);

  if (xi <= 0)
    u[0] = 1;
  else if (xi >= s)
    u[0] = 0;
  else { /* f' decreases from f'(u*) to 0 on [u*, 1]: bisection */
    PetscReal lo = ustar, hi = 1;
    for (int it = 0; it < 200; it++) {
      PetscReal m = 0.5 * (lo + hi);
      if (BLSpeed(p->M, m) > xi)
        lo = m;
      else
        hi = m;
    }
    u[0] = 0.5 * (lo + hi);
  }
  return 0;
}

/* Position where the numerical solution first crosses (uL + uR)/2 from the left, interpolated
   linearly between cell centres (collective: the DMDA is gathered to every rank). */
static PetscErrorCode ShockPosition(CfxFV fv, PetscReal level, PetscReal *xs)
{
  Vec U, all;
  VecScatter sc;
  const PetscReal *u;
  PetscInt N;
  PetscReal xmin, xmax, dx;

  PetscFunctionBeginUser;
  PetscCall(CfxFVGetSolution(fv, &U));
  PetscCall(CfxFVGetGrid(fv, &N, &xmin, &xmax));
  dx = (xmax - xmin) / N;
  PetscCall(VecScatterCreateToAll(U, &sc, &all));
  PetscCall(VecScatterBegin(sc, U, all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(sc, U, all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecGetArrayRead(all, &u));
  *xs = PETSC_MAX_REAL;
  for (PetscInt i = 0; i + 1 < N; i++) {
    if ((u[i] - level) * (u[i + 1] - level) <= 0 && u[i] != u[i + 1]) {
      *xs = xmin + (i + 0.5) * dx + dx * (u[i] - level) / (u[i] - u[i + 1]);
      break;
    }
  }
  PetscCall(VecRestoreArrayRead(all, &u));
  PetscCall(VecDestroy(&all));
  PetscCall(VecScatterDestroy(&sc));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char cas[32] = "smooth";
  Problem p    = {.a = 1, .b = 0.5, .uL = 1, .uR = 0, .x0 = 0.25, .M = 0.5};
  PetscInt n0 = 64, levels = 3;
  PetscReal minOrder = 0.8, tfinal, err[8], order = PETSC_MAX_REAL;
  CfxFVPointFn exact;
  PetscBool isSmooth, isShock, isRaref, isBuckley;

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-case", cas, sizeof(cas), NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n0", &n0, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-levels", &levels, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-min_order", &minOrder, NULL));
  PetscCheck(levels >= 2 && levels <= 8, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-levels must be in [2, 8]");
  PetscCall(PetscStrcmp(cas, "smooth", &isSmooth));
  PetscCall(PetscStrcmp(cas, "shock", &isShock));
  PetscCall(PetscStrcmp(cas, "rarefaction", &isRaref));
  PetscCall(PetscStrcmp(cas, "buckley", &isBuckley));
  PetscCheck(isSmooth || isShock || isRaref || isBuckley, PETSC_COMM_WORLD, PETSC_ERR_ARG_UNKNOWN_TYPE, "Unknown -case %s; valid: smooth, shock, rarefaction, buckley", cas);
  if (isSmooth) {
    exact  = Smooth;
    tfinal = 0.6 / (2 * PETSC_PI * p.b); /* 60% of the breaking time */
  } else if (isBuckley) {
    exact  = Buckley;
    tfinal = 0.3;
  } else {
    if (isRaref) {
      p.uL = -0.5;
      p.uR = 1;
    }
    exact  = BurgersRiemann;
    tfinal = 0.4;
  }
  for (PetscInt l = 0; l < levels; l++) {
    CfxFV fv;
    PetscInt N = n0 << l;

    PetscCall(CfxFVCreate(PETSC_COMM_WORLD, &fv));
    PetscCall(CfxFVSetPhysicalFlux(fv, isBuckley ? CFXFV_BUCKLEY_LEVERETT : CFXFV_BURGERS));
    if (isBuckley) PetscCall(CfxFVSetFluxParameter(fv, "M", p.M));
    PetscCall(CfxFVSetBCType(fv, isSmooth ? CFXFV_BC_PERIODIC : CFXFV_BC_OUTFLOW));
    PetscCall(CfxFVSetFromOptions(fv));
    PetscCall(CfxFVSetGrid(fv, N, 0, 1));
    if (!l) PetscCall(CfxFVView(fv, NULL));
    PetscCall(CfxFVSetInitialCondition(fv, exact, &p));
    PetscCall(CfxFVSolve(fv, 1, &tfinal, NULL, NULL));
    PetscCall(FVTestL1Error(fv, tfinal, exact, &p, &err[l]));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "N %5" PetscInt_FMT "  L1 error %.4e", N, (double)err[l]));
    if (l) {
      order = PetscMin(order, FVTestOrder(err[l - 1], err[l]));
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  order %.3f", (double)FVTestOrder(err[l - 1], err[l])));
    }
    if (isShock || isBuckley) {
      PetscReal xs, level, xexact, dx = 1.0 / N;
      if (isShock) {
        level  = 0.5 * (p.uL + p.uR);
        xexact = p.x0 + 0.5 * (p.uL + p.uR) * tfinal; /* Rankine-Hugoniot */
      } else {
        PetscReal ustar = PetscSqrtReal(p.M / (1 + p.M));
        level           = 0.5 * ustar;
        xexact          = p.x0 + BLFlux(p.M, ustar) / ustar * tfinal;
      }
      PetscCall(ShockPosition(fv, level, &xs));
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  shock at %.5f, Rankine-Hugoniot %.5f (%.2f dx)", (double)xs, (double)xexact, (double)((xs - xexact) / dx)));
      PetscCheck(PetscAbsReal(xs - xexact) <= dx, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "Shock at %g, Rankine-Hugoniot predicts %g: off by more than one cell (dx = %g)", (double)xs, (double)xexact,
                 (double)dx);
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n"));
    PetscCall(CfxFVDestroy(&fv));
  }
  PetscCheck(order >= minOrder, PETSC_COMM_WORLD, PETSC_ERR_NOT_CONVERGED, "Observed L1 order %.3f is below the expected %.3f", (double)order, (double)minOrder);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s: smallest observed L1 order %.3f >= %.3f\n", cas, (double)order, (double)minOrder));
  PetscCall(CfxFinalize());
  return 0;
}
