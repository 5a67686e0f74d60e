/* Physical fluxes f(u) of the conservation laws CfxFV solves, with what the numerical fluxes
   need from them: wave speeds, and for scalar laws the critical points of f and f' so that
   extrema of f (exact Godunov flux) and of |f'| (wave-speed bounds) on an interval are found
   exactly from endpoints plus interior critical points, for non-convex fluxes too. */
#include "fvimpl.h"

/* Real roots in the open interval (lo, hi) of c3 u^3 + c2 u^2 + c1 u + c0, appended to pts.
   The polynomial is split at the zeros of its derivative into monotone pieces, and each piece
   with a sign change is bisected to round-off, which cannot miss or duplicate a simple root. */
static PetscReal PolyEval(const PetscReal c[4], PetscReal u) { return ((c[3] * u + c[2]) * u + c[1]) * u + c[0]; }

static PetscInt PolyRoots(const PetscReal c[4], PetscReal lo, PetscReal hi, PetscReal *pts)
{
  PetscReal brk[4], d[4] = {c[1], 2 * c[2], 3 * c[3], 0};
  PetscInt nb = 0, n = 0;

  if (!(lo < hi)) return 0;
  brk[nb++] = lo;
  if (c[3] != 0 || c[2] != 0) { /* derivative zeros split the interval */
    PetscReal dz[2];
    PetscInt nd = 0;
    if (d[2] != 0) {
      PetscReal disc = d[1] * d[1] - 4 * d[2] * d[0];
      if (disc >= 0) {
        PetscReal s = PetscSqrtReal(disc), r = -0.5 * (d[1] + (d[1] >= 0 ? s : -s));
        PetscReal a = r / d[2], b = r != 0 ? d[0] / r : a;
        dz[nd++] = PetscMin(a, b);
        dz[nd++] = PetscMax(a, b);
      }
    } else if (d[1] != 0)
      dz[nd++] = -d[0] / d[1];
    for (PetscInt i = 0; i < nd; i++)
      if (dz[i] > lo && dz[i] < hi) brk[nb++] = dz[i];
  }
  brk[nb++] = hi;
  for (PetscInt i = 0; i + 1 < nb; i++) {
    PetscReal a = brk[i], b = brk[i + 1], fa = PolyEval(c, a), fb = PolyEval(c, b);
    if (i > 0 && fa == 0) {
      pts[n++] = a;
      continue;
    }
    if (fa * fb >= 0) continue;
    for (int it = 0; it < 200 && b - a > 4 * PETSC_MACHINE_EPSILON * (PetscAbsReal(a) + PetscAbsReal(b)); it++) {
      PetscReal m = 0.5 * (a + b), fm = PolyEval(c, m);
      if ((fm < 0) == (fa < 0)) {
        a  = m;
        fa = fm;
      } else
        b = m;
    }
    pts[n++] = 0.5 * (a + b);
  }
  return n;
}

/* Points u = (offset + k*period) inside (lo, hi), at most CFXFV_MAX_CRIT of them (a sine
   flux over an interval wider than that many periods would not be resolved anyway). */
static PetscInt PeriodicPoints(PetscReal offset, PetscReal period, PetscReal lo, PetscReal hi, PetscReal *pts)
{
  PetscInt n = 0;
  PetscReal k0;

  if (!(lo < hi) || period <= 0) return 0;
  k0 = PetscCeilReal((lo - offset) / period);
  for (PetscReal k = k0; n < CFXFV_MAX_CRIT; k += 1) {
    PetscReal u = offset + k * period;
    if (u >= hi) break;
    if (u > lo) pts[n++] = u;
  }
  return n;
}

/* advection: c u */
static void AdvFlux(const PetscReal *p, const PetscReal *u, PetscReal *f) { f[0] = p[0] * u[0]; }
static PetscReal AdvD(const PetscReal *p, PetscReal u) { return p[0]; }
static PetscInt NoPoints(const PetscReal *p, PetscReal lo, PetscReal hi, PetscReal *pts) { return 0; }

/* Burgers: u^2/2 */
static void BurgersFlux(const PetscReal *p, const PetscReal *u, PetscReal *f) { f[0] = 0.5 * u[0] * u[0]; }
static PetscReal BurgersD(const PetscReal *p, PetscReal u) { return u; }
static PetscInt BurgersCrit(const PetscReal *p, PetscReal lo, PetscReal hi, PetscReal *pts)
{
  if (lo < 0 && 0 < hi) {
    pts[0] = 0;
    return 1;
  }
  return 0;
}

/* cubic: a u^3 + b u^2 + c u */
static void CubicFlux(const PetscReal *p, const PetscReal *u, PetscReal *f) { f[0] = ((p[0] * u[0] + p[1]) * u[0] + p[2]) * u[0]; }
static PetscReal CubicD(const PetscReal *p, PetscReal u) { return (3 * p[0] * u + 2 * p[1]) * u + p[2]; }
static PetscInt CubicCrit(const PetscReal *p, PetscReal lo, PetscReal hi, PetscReal *pts)
{
  const PetscReal c[4] = {p[2], 2 * p[1], 3 * p[0], 0};
  return PolyRoots(c, lo, hi, pts);
}
static PetscInt CubicInfl(const PetscReal *p, PetscReal lo, PetscReal hi, PetscReal *pts)
{
  const PetscReal c[4] = {2 * p[1], 6 * p[0], 0, 0};
  return PolyRoots(c, lo, hi, pts);
}

/* sine: a sin(b u); f' = a b cos(b u) vanishes at (k + 1/2) pi / b, f'' at k pi / b */
static void SineFlux(const PetscReal *p, const PetscReal *u, PetscReal *f) { f[0] = p[0] * PetscSinReal(p[1] * u[0]); }
static PetscReal SineD(const PetscReal *p, PetscReal u) { return p[0] * p[1] * PetscCosReal(p[1] * u); }
static PetscInt SineCrit(const PetscReal *p, PetscReal lo, PetscReal hi, PetscReal *pts)
{
  PetscReal b = PetscAbsReal(p[1]);
  return b > 0 ? PeriodicPoints(0.5 * PETSC_PI / b, PETSC_PI / b, lo, hi, pts) : 0;
}
static PetscInt SineInfl(const PetscReal *p, PetscReal lo, PetscReal hi, PetscReal *pts)
{
  PetscReal b = PetscAbsReal(p[1]);
  return b > 0 ? PeriodicPoints(0, PETSC_PI / b, lo, hi, pts) : 0;
}

/* Buckley-Leverett: u^2 / (u^2 + M (1-u)^2). With D = u^2 + M (1-u)^2,
   f' = 2 M u (1-u) / D^2 (zeros at 0 and 1) and f'' = 2 M n(u) / D^3 with
   n(u) = 2 (1+M) u^3 - 3 (1+M) u^2 + M. */
static PetscReal BLDen(PetscReal M, PetscReal u) { return u * u + M * (1 - u) * (1 - u); }
static void BLFlux(const PetscReal *p, const PetscReal *u, PetscReal *f) { f[0] = u[0] * u[0] / BLDen(p[0], u[0]); }
static PetscReal BLD(const PetscReal *p, PetscReal u)
{
  PetscReal D = BLDen(p[0], u);
  return 2 * p[0] * u * (1 - u) / (D * D);
}
static PetscInt BLCrit(const PetscReal *p, PetscReal lo, PetscReal hi, PetscReal *pts)
{
  PetscInt n = 0;
  if (lo < 0 && 0 < hi) pts[n++] = 0;
  if (lo < 1 && 1 < hi) pts[n++] = 1;
  return n;
}
static PetscInt BLInfl(const PetscReal *p, PetscReal lo, PetscReal hi, PetscReal *pts)
{
  const PetscReal M = p[0], c[4] = {M, 0, -3 * (1 + M), 2 * (1 + M)};
  return PolyRoots(c, lo, hi, pts);
}

/* shallow water: (h, m = h v) -> (m, m^2/h + g h^2/2); speeds v -+ sqrt(g h). A dry cell
   (h == 0) carries no momentum flux; negative depths are caught before this is called. */
static void SWFlux(const PetscReal *p, const PetscReal *u, PetscReal *f)
{
  PetscReal h = u[0], v = h > 0 ? u[1] / h : 0;
  f[0] = u[1];
  f[1] = u[1] * v + 0.5 * p[0] * h * h;
}
static void SWSpeeds(const PetscReal *p, const PetscReal *u, PetscReal *smin, PetscReal *smax)
{
  PetscReal h = u[0], v = h > 0 ? u[1] / h : 0, c = PetscSqrtReal(p[0] * PetscMax(h, 0));
  *smin = v - c;
  *smax = v + c;
}

static const CfxFVPhysics Physics[] = {
    {CFXFV_ADVECTION, 1, 1, {"c"}, {1}, "c u", AdvFlux, AdvD, NoPoints, NoPoints, NULL},
    {CFXFV_BURGERS, 1, 0, {NULL}, {0}, "u^2/2", BurgersFlux, BurgersD, BurgersCrit, NoPoints, NULL},
    {CFXFV_CUBIC, 1, 3, {"a", "b", "c"}, {1, 0, 0}, "a u^3 + b u^2 + c u", CubicFlux, CubicD, CubicCrit, CubicInfl, NULL},
    {CFXFV_SINE, 1, 2, {"a", "b"}, {1, 1}, "a sin(b u)", SineFlux, SineD, SineCrit, SineInfl, NULL},
    {CFXFV_BUCKLEY_LEVERETT, 1, 1, {"M"}, {0.5}, "u^2/(u^2 + M (1-u)^2)", BLFlux, BLD, BLCrit, BLInfl, NULL},
    {CFXFV_SHALLOW_WATER, 2, 1, {"g"}, {1}, "(hu, hu^2/h + g h^2/2)", SWFlux, NULL, NULL, NULL, SWSpeeds},
};

PetscErrorCode CfxFVPhysicsListNames(char buf[], size_t len)
{
  PetscFunctionBegin;
  buf[0] = 0;
  for (size_t i = 0; i < sizeof(Physics) / sizeof(Physics[0]); i++) {
    if (i) PetscCall(PetscStrlcat(buf, ", ", len));
    PetscCall(PetscStrlcat(buf, Physics[i].name, len));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode CfxFVPhysicsFind(const char name[], const CfxFVPhysics **phys)
{
  char list[256];

  PetscFunctionBegin;
  for (size_t i = 0; i < sizeof(Physics) / sizeof(Physics[0]); i++) {
    PetscBool match;
    PetscCall(PetscStrcmp(name, Physics[i].name, &match));
    if (match) {
      *phys = &Physics[i];
      PetscFunctionReturn(0);
    }
  }
  PetscCall(CfxFVPhysicsListNames(list, sizeof(list)));
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_UNKNOWN_TYPE, "Unknown physical flux \"%s\"; valid fluxes: %s", name, list);
}

/* Range [smin, smax] of f' over [lo, hi]: f' is extreme at the endpoints or where f'' = 0. */
void CfxFVScalarSpeedRange(const CfxFVPhysics *phys, const PetscReal *prm, PetscReal lo, PetscReal hi, PetscReal *smin, PetscReal *smax)
{
  PetscReal pts[CFXFV_MAX_CRIT], a = phys->dflux(prm, lo), b = phys->dflux(prm, hi);
  PetscInt n = phys->inflection(prm, lo, hi, pts);

  *smin = PetscMin(a, b);
  *smax = PetscMax(a, b);
  for (PetscInt i = 0; i < n; i++) {
    a     = phys->dflux(prm, pts[i]);
    *smin = PetscMin(*smin, a);
    *smax = PetscMax(*smax, a);
  }
}

PetscReal CfxFVScalarMaxAbsSpeed(const CfxFVPhysics *phys, const PetscReal *prm, PetscReal lo, PetscReal hi)
{
  PetscReal smin, smax;
  CfxFVScalarSpeedRange(phys, prm, lo, hi, &smin, &smax);
  return PetscMax(-smin, smax);
}

/* min and max of f over [lo, hi]: at the endpoints or where f' = 0. */
void CfxFVScalarFluxExtrema(const CfxFVPhysics *phys, const PetscReal *prm, PetscReal lo, PetscReal hi, PetscReal *fmin, PetscReal *fmax)
{
  PetscReal pts[CFXFV_MAX_CRIT], a, b;
  PetscInt n;

  phys->flux(prm, &lo, &a);
  phys->flux(prm, &hi, &b);
  *fmin = PetscMin(a, b);
  *fmax = PetscMax(a, b);
  n     = phys->critical(prm, lo, hi, pts);
  for (PetscInt i = 0; i < n; i++) {
    phys->flux(prm, &pts[i], &a);
    *fmin = PetscMin(*fmin, a);
    *fmax = PetscMax(*fmax, a);
  }
}
