/* Exact Riemann solution of the shallow-water equations (wet bed on both sides): the star
   depth from Newton's method on f_L(h) + f_R(h) + vR - vL = 0 (Toro, "Shock-capturing methods
   for free-surface shallow flows", ch. 5), then the self-similar solution sampled at x/t.
   Used as ground truth by the dam-break test and example. */
#include "fvimpl.h"

/* Velocity jump across a left/right wave connecting depth hK to h, and its derivative. */
static void WaveFunction(PetscReal g, PetscReal h, PetscReal hK, PetscReal *f, PetscReal *df)
{
  if (h <= hK) { /* rarefaction: Riemann invariant v + 2c */
    *f  = 2 * (PetscSqrtReal(g * h) - PetscSqrtReal(g * hK));
    *df = g / PetscSqrtReal(g * h);
  } else { /* shock: Rankine-Hugoniot */
    PetscReal s = PetscSqrtReal(0.5 * g * (h + hK) / (h * hK));
    *f          = (h - hK) * s;
    *df         = s - (h - hK) * g / (4 * s * h * h);
  }
}

/*@C
  CfxFVShallowWaterStarState - Depth and velocity between the two waves of the Riemann problem
  (hL, vL | hR, vR) with gravity g. Errors if a side is dry or the states separate into a dry
  region (2 (cL + cR) <= vR - vL).
@*/
PetscErrorCode CfxFVShallowWaterStarState(PetscReal g, PetscReal hL, PetscReal vL, PetscReal hR, PetscReal vR, PetscReal *hs, PetscReal *vs)
{
  PetscReal cL, cR, h, fL, fR, dL, dR;
  int it;

  PetscFunctionBegin;
  PetscCheck(g > 0 && hL > 0 && hR > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Exact shallow-water Riemann solver needs g > 0 and wet states, found g = %g, hL = %g, hR = %g", (double)g,
             (double)hL, (double)hR);
  cL = PetscSqrtReal(g * hL);
  cR = PetscSqrtReal(g * hR);
  PetscCheck(2 * (cL + cR) > vR - vL, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "States hL = %g, vL = %g, hR = %g, vR = %g create a dry region", (double)hL, (double)vL, (double)hR, (double)vR);
  h = PetscSqr(0.5 * (cL + cR) - 0.25 * (vR - vL)) / g; /* two-rarefaction guess */
  for (it = 0; it < 100; it++) {
    PetscReal step;
    WaveFunction(g, h, hL, &fL, &dL);
    WaveFunction(g, h, hR, &fR, &dR);
    step = (fL + fR + vR - vL) / (dL + dR);
    h    = PetscMax(h - step, 1e-3 * h); /* stay positive while converging */
    if (PetscAbsReal(step) <= 1e-15 * h) break;
  }
  PetscCheck(it < 100, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "Newton iteration for the shallow-water star depth did not converge");
  WaveFunction(g, h, hL, &fL, &dL);
  WaveFunction(g, h, hR, &fR, &dR);
  *hs = h;
  *vs = 0.5 * (vL + vR) + 0.5 * (fR - fL);
  PetscFunctionReturn(0);
}

/*@C
  CfxFVShallowWaterRiemannSolution - Depth h and velocity v at xi = (x - x0)/t of the exact
  solution of the Riemann problem (hL, vL | hR, vR) with gravity g.
@*/
PetscErrorCode CfxFVShallowWaterRiemannSolution(PetscReal g, PetscReal hL, PetscReal vL, PetscReal hR, PetscReal vR, PetscReal xi, PetscReal *h, PetscReal *v)
{
  PetscReal hs, vs, cs, cL, cR;

  PetscFunctionBegin;
  PetscCall(CfxFVShallowWaterStarState(g, hL, vL, hR, vR, &hs, &vs));
  cs = PetscSqrtReal(g * hs);
  cL = PetscSqrtReal(g * hL);
  cR = PetscSqrtReal(g * hR);
  if (xi <= vs) { /* left of the contact: left wave */
    if (hs > hL) {
      PetscReal S = vL - cL * PetscSqrtReal(0.5 * (hs + hL) * hs / (hL * hL));
      *h          = xi < S ? hL : hs;
      *v          = xi < S ? vL : vs;
    } else if (xi <= vL - cL) {
      *h = hL;
      *v = vL;
    } else if (xi >= vs - cs) {
      *h = hs;
      *v = vs;
    } else {
      PetscReal c = (vL + 2 * cL - xi) / 3;
      *v          = (vL + 2 * cL + 2 * xi) / 3;
      *h          = c * c / g;
    }
  } else {
    if (hs > hR) {
      PetscReal S = vR + cR * PetscSqrtReal(0.5 * (hs + hR) * hs / (hR * hR));
      *h          = xi > S ? hR : hs;
      *v          = xi > S ? vR : vs;
    } else if (xi >= vR + cR) {
      *h = hR;
      *v = vR;
    } else if (xi <= vs + cs) {
      *h = hs;
      *v = vs;
    } else {
      PetscReal c = (-vR + 2 * cR + xi) / 3;
      *v          = (vR - 2 * cR + 2 * xi) / 3;
      *h          = c * c / g;
    }
  }
  PetscFunctionReturn(0);
}
