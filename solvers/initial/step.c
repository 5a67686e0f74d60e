/* Random piecewise-constant ("shock") data: J jumps, J uniform in {jmin, ..., jmax}, at
   positions uniform in [xmin, xmin + L), separating J + 1 constant values uniform in
   [-a, a]. On a periodic domain the first and last pieces generally differ too, so a
   periodic solver sees one more discontinuity at x = xmin. Values are point values at the
   cell centres (a cell cut by a jump takes the value of the side its centre lies on).
   Draw order: J, the J positions, the J + 1 values; independent of the grid. */
#include "icimpl.h"

static int CompareReal(const void *a, const void *b)
{
  const PetscReal x = *(const PetscReal *)a, y = *(const PetscReal *)b;
  return (x > y) - (x < y);
}

PetscErrorCode CfxICSampleStep(CfxIC ic, CfxRNG *rng, PetscInt n, PetscReal u[])
{
  PetscInt J;
  PetscReal *pos, *val;

  PetscFunctionBegin;
  J = ic->jmin + (PetscInt)(CfxRNGUniform(rng) * (PetscReal)(ic->jmax - ic->jmin + 1));
  if (J > ic->jmax) J = ic->jmax; /* CfxRNGUniform() < 1, so only reachable through rounding */
  PetscCall(PetscMalloc2(J, &pos, J + 1, &val));
  for (PetscInt i = 0; i < J; i++) pos[i] = ic->xmin + ic->L * CfxRNGUniform(rng);
  for (PetscInt i = 0; i <= J; i++) val[i] = ic->amplitude * (2 * CfxRNGUniform(rng) - 1);
  qsort(pos, (size_t)J, sizeof(PetscReal), CompareReal);
  for (PetscInt j = 0, piece = 0; j < n; j++) {
    const PetscReal x = ic->xmin + (j + 0.5) * ic->L / n;

    while (piece < J && pos[piece] <= x) piece++;
    u[j] = val[piece];
  }
  PetscCall(PetscFree2(pos, val));
  PetscFunctionReturn(0);
}
