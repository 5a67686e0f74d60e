/* Numerical fluxes F(uL, uR) at one face: exact Godunov (scalar laws), Rusanov / local
   Lax-Friedrichs, HLL and Roe with Harten's entropy fix. Each is consistent (F(u, u) = f(u)),
   so any of them conserves exactly when both neighbours of a face use the same value. */
#include "fvimpl.h"

/* Godunov for scalar laws, convex or not (Osher's formula for the exact Riemann solution at
   x/t = 0): min of f over [uL, uR] if uL <= uR, max of f over [uR, uL] otherwise. */
static void RiemannGodunov(const CfxFVPhysics *phys, const PetscReal *prm, const PetscReal *uL, const PetscReal *uR, PetscReal *F)
{
  PetscReal fmin, fmax;

  if (uL[0] <= uR[0]) {
    CfxFVScalarFluxExtrema(phys, prm, uL[0], uR[0], &fmin, &fmax);
    F[0] = fmin;
  } else {
    CfxFVScalarFluxExtrema(phys, prm, uR[0], uL[0], &fmin, &fmax);
    F[0] = fmax;
  }
}

/* Smallest and largest signal speed of the Riemann problem (uL, uR). Scalar laws: the range of
   f' over the interval between the states (which bounds every wave, shocks included, also for
   non-convex f). Shallow water: Einfeldt's estimates from the states and the Roe average. */
static void SignalSpeeds(const CfxFVPhysics *phys, const PetscReal *prm, const PetscReal *uL, const PetscReal *uR, PetscReal *sL, PetscReal *sR)
{
  if (phys->ncomp == 1) {
    CfxFVScalarSpeedRange(phys, prm, PetscMin(uL[0], uR[0]), PetscMax(uL[0], uR[0]), sL, sR);
  } else {
    PetscReal aL, bL, aR, bR;
    phys->speeds(prm, uL, &aL, &bL);
    phys->speeds(prm, uR, &aR, &bR);
    *sL = PetscMin(aL, aR);
    *sR = PetscMax(bL, bR);
    if (phys->speeds && uL[0] > 0 && uR[0] > 0) { /* Einfeldt: include the Roe-average speeds */
      PetscReal sqL = PetscSqrtReal(uL[0]), sqR = PetscSqrtReal(uR[0]);
      PetscReal v = (uL[1] / sqL + uR[1] / sqR) / (sqL + sqR), c = PetscSqrtReal(prm[0] * 0.5 * (uL[0] + uR[0]));
      *sL = PetscMin(aL, v - c);
      *sR = PetscMax(bR, v + c);
    }
  }
}

static void RiemannRusanov(const CfxFVPhysics *phys, const PetscReal *prm, const PetscReal *uL, const PetscReal *uR, PetscReal *F)
{
  PetscReal fL[CFXFV_MAX_COMP], fR[CFXFV_MAX_COMP], a;

  phys->flux(prm, uL, fL);
  phys->flux(prm, uR, fR);
  if (phys->ncomp == 1)
    a = CfxFVScalarMaxAbsSpeed(phys, prm, PetscMin(uL[0], uR[0]), PetscMax(uL[0], uR[0]));
  else {
    PetscReal aL, bL, aR, bR;
    phys->speeds(prm, uL, &aL, &bL);
    phys->speeds(prm, uR, &aR, &bR);
    a = PetscMax(PetscMax(-aL, bL), PetscMax(-aR, bR));
  }
  for (PetscInt k = 0; k < phys->ncomp; k++) F[k] = 0.5 * (fL[k] + fR[k]) - 0.5 * a * (uR[k] - uL[k]);
}

static void RiemannHLL(const CfxFVPhysics *phys, const PetscReal *prm, const PetscReal *uL, const PetscReal *uR, PetscReal *F)
{
  PetscReal fL[CFXFV_MAX_COMP], fR[CFXFV_MAX_COMP], sL, sR;

  phys->flux(prm, uL, fL);
  phys->flux(prm, uR, fR);
  SignalSpeeds(phys, prm, uL, uR, &sL, &sR);
  for (PetscInt k = 0; k < phys->ncomp; k++) {
    if (sL >= 0)
      F[k] = fL[k];
    else if (sR <= 0)
      F[k] = fR[k];
    else
      F[k] = (sR * fL[k] - sL * fR[k] + sL * sR * (uR[k] - uL[k])) / (sR - sL);
  }
}

/* Harten's entropy fix: |lambda| is replaced near zero by (lambda^2 + delta^2) / (2 delta),
   with Harten and Hyman's delta = max(0, lambda - lambda_L, lambda_R - lambda), which is
   positive exactly at transonic rarefactions. */
static PetscReal HartenAbs(PetscReal lam, PetscReal lamL, PetscReal lamR)
{
  PetscReal delta = PetscMax(0, PetscMax(lam - lamL, lamR - lam));
  if (PetscAbsReal(lam) >= delta) return PetscAbsReal(lam);
  return 0.5 * (lam * lam + delta * delta) / delta;
}

static void RiemannRoe(const CfxFVPhysics *phys, const PetscReal *prm, const PetscReal *uL, const PetscReal *uR, PetscReal *F)
{
  PetscReal fL[CFXFV_MAX_COMP], fR[CFXFV_MAX_COMP];

  phys->flux(prm, uL, fL);
  phys->flux(prm, uR, fR);
  if (phys->ncomp == 1) { /* scalar Roe speed a = [f]/[u] */
    PetscReal du = uR[0] - uL[0], aL = phys->dflux(prm, uL[0]), aR = phys->dflux(prm, uR[0]);
    PetscReal a = PetscAbsReal(du) > 1e-14 * (1 + PetscAbsReal(uL[0]) + PetscAbsReal(uR[0])) ? (fR[0] - fL[0]) / du : 0.5 * (aL + aR);
    F[0]        = 0.5 * (fL[0] + fR[0]) - 0.5 * HartenAbs(a, aL, aR) * du;
  } else { /* shallow water with Roe averages v = (sqrt(hL) vL + sqrt(hR) vR)/(sqrt(hL) + sqrt(hR)), c^2 = g (hL + hR)/2 */
    PetscReal g = prm[0], hL = uL[0], hR = uR[0], sqL = PetscSqrtReal(hL), sqR = PetscSqrtReal(hR);
    PetscReal vL = hL > 0 ? uL[1] / hL : 0, vR = hR > 0 ? uR[1] / hR : 0, cL = PetscSqrtReal(g * hL), cR = PetscSqrtReal(g * hR);
    PetscReal v, c, l1, l2, dh = hR - hL, dm = uR[1] - uL[1], a1, a2, s1, s2;

    if (sqL + sqR == 0) {
      F[0] = F[1] = 0;
      return;
    }
    v    = (sqL * vL + sqR * vR) / (sqL + sqR);
    c    = PetscSqrtReal(0.5 * g * (hL + hR));
    l1   = v - c;
    l2   = v + c;
    a1   = ((v + c) * dh - dm) / (2 * c); /* wave strengths along r1 = (1, l1), r2 = (1, l2) */
    a2   = (dm - (v - c) * dh) / (2 * c);
    s1   = HartenAbs(l1, vL - cL, vR - cR);
    s2   = HartenAbs(l2, vL + cL, vR + cR);
    F[0] = 0.5 * (fL[0] + fR[0]) - 0.5 * (s1 * a1 + s2 * a2);
    F[1] = 0.5 * (fL[1] + fR[1]) - 0.5 * (s1 * a1 * l1 + s2 * a2 * l2);
  }
}

PetscErrorCode CfxFVRiemannGet(const CfxFVPhysics *phys, CfxFVRiemannType type, CfxFVRiemannFn *fn)
{
  PetscFunctionBegin;
  switch (type) {
    case CFXFV_RIEMANN_GODUNOV:
      PetscCheck(phys->ncomp == 1, PETSC_COMM_SELF, PETSC_ERR_SUP, "-fv_riemann godunov is the exact solver of scalar laws; flux %s has %" PetscInt_FMT " components: use rusanov, hll or roe",
                 phys->name, phys->ncomp);
      *fn = RiemannGodunov;
      break;
    case CFXFV_RIEMANN_RUSANOV: *fn = RiemannRusanov; break;
    case CFXFV_RIEMANN_HLL: *fn = RiemannHLL; break;
    case CFXFV_RIEMANN_ROE:
      PetscCheck(phys->ncomp == 1 || phys->speeds == NULL || !strcmp(phys->name, CFXFV_SHALLOW_WATER), PETSC_COMM_SELF, PETSC_ERR_SUP, "Roe solver not available for flux %s", phys->name);
      *fn = RiemannRoe;
      break;
    default: SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Unknown Riemann solver %d", (int)type);
  }
  PetscFunctionReturn(0);
}

/* Inlined face loops for Burgers, the law most datasets use: the same arithmetic as the
   generic per-face functions above (so results are bitwise identical), without the indirect
   calls per face. Face f has the left state up[f] and the right state um[f+1]. */
static void BurgersRusanovBatch(const PetscReal *prm, PetscInt n, const PetscReal *up, const PetscReal *um, PetscReal *flux)
{
  for (PetscInt f = 0; f < n; f++) {
    const PetscReal uL = up[f], uR = um[f + 1], a = PetscMax(-PetscMin(uL, uR), PetscMax(uL, uR));
    flux[f] = 0.5 * (0.5 * uL * uL + 0.5 * uR * uR) - 0.5 * a * (uR - uL);
  }
}

static void BurgersGodunovBatch(const PetscReal *prm, PetscInt n, const PetscReal *up, const PetscReal *um, PetscReal *flux)
{
  for (PetscInt f = 0; f < n; f++) {
    const PetscReal uL = up[f], uR = um[f + 1], fL = 0.5 * uL * uL, fR = 0.5 * uR * uR;
    if (uL <= uR)
      flux[f] = (uL < 0 && 0 < uR) ? 0 : PetscMin(fL, fR);
    else
      flux[f] = PetscMax(fL, fR);
  }
}

PetscErrorCode CfxFVRiemannBatchGet(const CfxFVPhysics *phys, CfxFVRiemannType type, CfxFVRiemannBatchFn *fn)
{
  PetscFunctionBegin;
  *fn = NULL;
  if (!strcmp(phys->name, CFXFV_BURGERS)) {
    if (type == CFXFV_RIEMANN_RUSANOV) *fn = BurgersRusanovBatch;
    if (type == CFXFV_RIEMANN_GODUNOV) *fn = BurgersGodunovBatch;
  }
  PetscFunctionReturn(0);
}
