/* Pseudo-spectral viscous Burgers, u_t + (u^2/2)_x = nu u_xx, on a periodic grid (FFTW).

   The grid has nx points x_j = xmin + (j + 1/2) L / nx, L = xmax - xmin (the cell centres of
   conflux's FV grid on [xmin, xmax] and the points of CfxIC samples). The state is kept as its discrete Fourier coefficients; the
   viscous term is integrated exactly (exponential time differencing, ETDRK4 of Kassam and
   Trefethen, or the integrating-factor RK4 of Lawson), the nonlinear term is evaluated on
   the grid with 2/3-rule dealiasing: only wave numbers |m| < nx/3 are kept, in the initial
   data too (the first call projects u0 onto them) and in every nonlinear product.

   Time steps are a fixed dt; the last step before each requested output time is shortened
   so that outputs land exactly on the requested times (the scheme's coefficients are
   recomputed for the shortened step).

   The solver is serial: one object integrates one sample. It takes a communicator like every
   conflux object (use PETSC_COMM_SELF for per-sample parallelism over MPI ranks); on a larger
   communicator each rank integrates its own copy without communicating.

   Options (prefix -spectral_ unless CfxSpectralBurgersSetOptionsPrefix() adds one):
     -spectral_nu <nu>                    viscosity (default 0.01)
     -spectral_dt <dt>                    time step (default 1e-3)
     -spectral_scheme <etdrk4|ifrk4>      time integrator (default etdrk4)
     -spectral_dealias <bool>             2/3-rule dealiasing (default true)
     -spectral_monitor                    one line per output time: t, steps, max|u|, energy
   The grid size is set with CfxSpectralBurgersSetGrid() (default 256 points on [0, 1)). */
#pragma once

#include <conflux/cfxsys.h>

typedef enum {
  CFX_SPECTRAL_ETDRK4, /* exponential time differencing RK4, phi functions by contour integrals */
  CFX_SPECTRAL_IFRK4,  /* integrating factor + classical RK4 */
} CfxSpectralScheme;
PETSC_EXTERN const char *const CfxSpectralSchemes[];

typedef struct _n_CfxSpectralBurgers *CfxSpectralBurgers;

PETSC_EXTERN PetscErrorCode CfxSpectralBurgersCreate(MPI_Comm, CfxSpectralBurgers *);
PETSC_EXTERN PetscErrorCode CfxSpectralBurgersDestroy(CfxSpectralBurgers *);
PETSC_EXTERN PetscErrorCode CfxSpectralBurgersSetGrid(CfxSpectralBurgers, PetscInt, PetscReal, PetscReal);
PETSC_EXTERN PetscErrorCode CfxSpectralBurgersGetGrid(CfxSpectralBurgers, PetscInt *, PetscReal *, PetscReal *);
PETSC_EXTERN PetscErrorCode CfxSpectralBurgersGetCoordinates(CfxSpectralBurgers, PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxSpectralBurgersSetViscosity(CfxSpectralBurgers, PetscReal);
PETSC_EXTERN PetscErrorCode CfxSpectralBurgersSetTimeStep(CfxSpectralBurgers, PetscReal);
PETSC_EXTERN PetscErrorCode CfxSpectralBurgersSetScheme(CfxSpectralBurgers, CfxSpectralScheme);
PETSC_EXTERN PetscErrorCode CfxSpectralBurgersSetDealias(CfxSpectralBurgers, PetscBool);
PETSC_EXTERN PetscErrorCode CfxSpectralBurgersSetOptionsPrefix(CfxSpectralBurgers, const char[]);
PETSC_EXTERN PetscErrorCode CfxSpectralBurgersSetFromOptions(CfxSpectralBurgers);
PETSC_EXTERN PetscErrorCode CfxSpectralBurgersSetUp(CfxSpectralBurgers);
PETSC_EXTERN PetscErrorCode CfxSpectralBurgersView(CfxSpectralBurgers, PetscViewer);
PETSC_EXTERN PetscErrorCode CfxSpectralBurgersIntegrate(CfxSpectralBurgers, PetscReal, PetscReal, PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxSpectralBurgersSolve(CfxSpectralBurgers, PetscReal, const PetscReal[], PetscInt, const PetscReal[], PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxSpectralBurgersGetStepCount(CfxSpectralBurgers, PetscInt *);
