/* Reconstruction of face values from cell averages: piecewise constant (first order), MUSCL
   (piecewise linear with a slope limiter) and WENO5 of Jiang and Shu. Systems are
   reconstructed component by component in the conserved variables (no characteristic
   projection), which is what most dataset generators do and is adequate away from strong
   interacting discontinuities. */
#include "fvimpl.h"

/* Cells on each side of a cell that its edge values depend on. */
PetscInt CfxFVReconstructionRadius(CfxFVReconstructionType type)
{
  switch (type) {
    case CFXFV_RECONSTRUCTION_NONE: return 0;
    case CFXFV_RECONSTRUCTION_MUSCL: return 1;
    case CFXFV_RECONSTRUCTION_WENO5: return 2;
  }
  return 2;
}

static inline PetscReal Minmod(PetscReal a, PetscReal b)
{
  if (a * b <= 0) return 0;
  return a > 0 ? PetscMin(a, b) : PetscMax(a, b);
}

/* WENO5-JS value at the right edge of cell c from cells (c-2, c-1, c, c+1, c+2) = v[0..4]. */
static inline PetscReal Weno5(PetscReal v0, PetscReal v1, PetscReal v2, PetscReal v3, PetscReal v4)
{
  const PetscReal eps = 1e-6;
  PetscReal p0 = (2 * v0 - 7 * v1 + 11 * v2) / 6, p1 = (-v1 + 5 * v2 + 2 * v3) / 6, p2 = (2 * v2 + 5 * v3 - v4) / 6;
  PetscReal t0 = v0 - 2 * v1 + v2, t1 = v1 - 2 * v2 + v3, t2 = v2 - 2 * v3 + v4;
  PetscReal s0 = v0 - 4 * v1 + 3 * v2, s1 = v1 - v3, s2 = 3 * v2 - 4 * v3 + v4;
  PetscReal b0 = 13.0 / 12 * t0 * t0 + 0.25 * s0 * s0, b1 = 13.0 / 12 * t1 * t1 + 0.25 * s1 * s1, b2 = 13.0 / 12 * t2 * t2 + 0.25 * s2 * s2;
  PetscReal a0 = 0.1 / ((eps + b0) * (eps + b0)), a1 = 0.6 / ((eps + b1) * (eps + b1)), a2 = 0.3 / ((eps + b2) * (eps + b2));
  return (a0 * p0 + a1 * p1 + a2 * p2) / (a0 + a1 + a2);
}

/* MUSCL edge values with the limited slope given as an expression in the backward and forward
   differences a and b. */
#define MUSCL_LOOP(SLOPE)                                                          \
  do {                                                                             \
    const PetscReal *c0 = u + w * nc;                                              \
    for (PetscInt i = 0; i < n * nc; i++) {                                        \
      const PetscReal a = c0[i] - c0[i - nc], b = c0[i + nc] - c0[i], s = (SLOPE); \
      um[i] = c0[i] - 0.5 * s;                                                     \
      up[i] = c0[i] + 0.5 * s;                                                     \
    }                                                                              \
  } while (0)

void CfxFVReconstruct(CfxFVReconstructionType type, CfxFVLimiterType lim, PetscInt n, PetscInt nc, const PetscReal *u, PetscReal *um, PetscReal *up)
{
  const PetscInt w = CfxFVReconstructionRadius(type);

  switch (type) {
    case CFXFV_RECONSTRUCTION_NONE:
      for (PetscInt i = 0; i < n * nc; i++) um[i] = up[i] = u[w * nc + i];
      break;
    case CFXFV_RECONSTRUCTION_MUSCL:
      /* one loop per limiter so the limiter is inlined (this loop dominates MUSCL's cost) */
      switch (lim) {
        case CFXFV_LIMITER_MINMOD: MUSCL_LOOP(Minmod(a, b)); break;
        case CFXFV_LIMITER_MC: MUSCL_LOOP(Minmod(0.5 * (a + b), Minmod(2 * a, 2 * b))); break;
        case CFXFV_LIMITER_VANLEER: MUSCL_LOOP(a * b > 0 ? 2 * a * b / (a + b) : 0); break;
      }
      break;
    case CFXFV_RECONSTRUCTION_WENO5:
      for (PetscInt j = 0; j < n; j++) {
        const PetscReal *c = u + (j + w) * nc;
        for (PetscInt k = 0; k < nc; k++) {
          PetscReal v0 = c[k - 2 * nc], v1 = c[k - nc], v2 = c[k], v3 = c[k + nc], v4 = c[k + 2 * nc];
          up[j * nc + k] = Weno5(v0, v1, v2, v3, v4);
          um[j * nc + k] = Weno5(v4, v3, v2, v1, v0);
        }
      }
      break;
  }
}
