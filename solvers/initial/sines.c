/* Sums of sines in the style of PDEBench's initial conditions:
   u(x) = sum_{i=1}^{m} A_i sin(2 pi k_i (x - xmin) / L + phi_i),
   k_i uniform in {1, ..., kmax}, A_i uniform in [0, a], phi_i uniform in [0, 2 pi).
   Every term is L-periodic. Draw order per term: k_i, A_i, phi_i; independent of the grid. */
#include "icimpl.h"

PetscErrorCode CfxICSampleSines(CfxIC ic, CfxRNG *rng, PetscInt n, PetscReal u[])
{
  PetscFunctionBegin;
  for (PetscInt j = 0; j < n; j++) u[j] = 0;
  for (PetscInt i = 0; i < ic->nsines; i++) {
    PetscInt k = 1 + (PetscInt)(CfxRNGUniform(rng) * (PetscReal)ic->kmax);
    PetscReal A, phi;

    if (k > ic->kmax) k = ic->kmax; /* rounding only */
    A   = ic->amplitude * CfxRNGUniform(rng);
    phi = 2 * PETSC_PI * CfxRNGUniform(rng);
    for (PetscInt j = 0; j < n; j++) u[j] += A * PetscSinReal(2 * PETSC_PI * k * (j + 0.5) / n + phi);
  }
  PetscFunctionReturn(0);
}
