/* CfxLGP: Lagrangian Gaussian processes (see docs/lgp.md). Learns mechanical dynamics from
   position snapshots q_0..q_N (step h) by conditioning a Gaussian-process prior on a
   Lagrangian through the linear observation functionals of the discrete forced Euler-Lagrange
   (DEL) equations
     D2 L_d(q_{k-1}, q_k) + D1 L_d(q_k, q_{k+1}) = -(f+_d + f-_d),   f+-_d = (h/2) B u,
   then rolls the posterior mean out as a variational integrator.

   Models (-lgp_model):
   - dlgp: L_d ~ GP(0, k) on the pair z = (q_k, q_{k+1}) in R^{2d} (the discrete Lagrangian
           of the data's step is learned directly);
   - clgp: L ~ GP(0, k) on z = (q, v) in R^{2d}, composed with the midpoint rule
           L_d(x, y) = h L((x+y)/2, (y-x)/h);
   - narx: the unstructured baseline, a GP from (q_{k-1}, q_k) to q_{k+1} (one GP per
           component, shared hyperparameters), or with -lgp_narx_extrapolate to the
           correction q_{k+1} - (2 q_k - q_{k-1}).
   The kernel is the squared exponential with ARD length scales,
     k(z, z') = sf^2 exp(-1/2 sum_j (z_j - z'_j)^2 / ell_j^2).

   Every observation and every quantity asked of the posterior is a linear functional of the
   unknown function, written as a sum of derivative atoms c * d^{j} f(z) (j = -1 for the value,
   j >= 0 for the partial derivative along coordinate j), so the Gram matrix, cross-covariances
   and posterior means are all built from kernel derivatives of order <= 3.

   Options (prefix -lgp_):
     -lgp_model <dlgp|clgp|narx>        (default dlgp)
     -lgp_ell <l1,...,l2d>              initial/fixed ARD length scales (default 1 each)
     -lgp_sf <s>                        signal standard deviation (default 1)
     -lgp_noise <s>                     nugget std on DEL rows / NARX targets (default 1e-6)
     -lgp_gauge <none|value|momentum|both>  gauge rows (default both; dlgp/clgp)
     -lgp_gauge_point <z1,...,z2d>      base point z_b (default 0)
     -lgp_gauge_value <c>               L(z_b) (default 1)
     -lgp_gauge_momentum <p1,...,pd>    momentum at z_b (default 1 each)
     -lgp_jitter <t>                    first relative jitter tried (default 1e-10)
     -lgp_jitter_max <t>                largest relative jitter before pivoted Cholesky (default 1e-6)
     -lgp_fit_ell, -lgp_fit_sf, -lgp_fit_noise  which hyperparameters ML-II fits
                                        (defaults true; false for dlgp/clgp; true)
     -lgp_fit_bounds <lo,hi>            bounds on every log-hyperparameter (default -12,6)
     -lgp_narx_extrapolate              NARX learns the correction to 2 q_k - q_{k-1} (default false)
     -lgp_newton_tol <t>                Newton step tolerance, relative (default 1e-10)
     -lgp_newton_maxit <n>              Newton iterations per step (default 50)
     -lgp_dissipation                   joint GP for an unknown Rayleigh dissipation R(v), F = -grad R
     -lgp_dissipation_ell <l1,..,ld>    its ARD length scales (default 1 each)
     -lgp_dissipation_sf <s>            its signal std (default 0.1)
     -lgp_max_jump <f>                  divergence: |q_{k+1} - q_k| above f times the largest
                                        training step (default 10) */
#pragma once

#include <conflux/cfxsys.h>
#include <petscviewer.h>

#define CFX_LGP_MAX_DIM 16 /* 2d <= 16 */

typedef enum { CFX_LGP_DLGP, CFX_LGP_CLGP, CFX_LGP_NARX } CfxLGPModel;
PETSC_EXTERN const char *const CfxLGPModels[];
typedef enum { CFX_LGP_GAUGE_NONE, CFX_LGP_GAUGE_VALUE, CFX_LGP_GAUGE_MOMENTUM, CFX_LGP_GAUGE_BOTH } CfxLGPGauge;
PETSC_EXTERN const char *const CfxLGPGauges[];

/* One derivative atom of a linear functional: c * (d/dz_j) f(z), or c * f(z) when j = -1. */
typedef struct {
  PetscReal z[CFX_LGP_MAX_DIM];
  PetscInt j;
  PetscReal c;
} CfxLGPAtom;

/* Squared-exponential ARD kernel g(r) = sf2 exp(-1/2 sum r_j^2/ell_j^2), r = z - z'. */
typedef struct {
  PetscInt dim;
  PetscReal sf2;
  PetscReal ell[CFX_LGP_MAX_DIM];
} CfxSEKernel;

/* d^{idx} g (r) for a multi-index of order 0..3 (idx[0..order-1] in [0, dim)). */
PETSC_EXTERN PetscErrorCode CfxSEKernelDerivative(const CfxSEKernel *, const PetscReal[], PetscInt, const PetscInt[], PetscReal *);
/* d/d(log ell_m) of d^{idx} g (r), order 0..2. */
PETSC_EXTERN PetscErrorCode CfxSEKernelDerivativeLogEll(const CfxSEKernel *, const PetscReal[], PetscInt, const PetscInt[], PetscInt, PetscReal *);
/* Covariance of two atoms under the kernel: c_a c_b d^{j_a}_z d^{j_b}_{z'} k(z_a, z_b). */
PETSC_EXTERN PetscErrorCode CfxSEKernelAtomCovariance(const CfxSEKernel *, const CfxLGPAtom *, const CfxLGPAtom *, PetscReal *);

typedef struct _n_CfxLGP *CfxLGP;

/* A known prior mean m(z) of the latent function (L_d on the pair for dlgp, L(q, v) for clgp):
   its value, gradient [dim] and Hessian [dim*dim, row-major] at z; any output may be NULL. */
typedef PetscErrorCode (*CfxLGPMeanFn)(PetscInt dim, const PetscReal z[], PetscReal *val, PetscReal grad[], PetscReal hess[], void *ctx);

PETSC_EXTERN PetscErrorCode CfxLGPCreate(MPI_Comm, CfxLGP *);
PETSC_EXTERN PetscErrorCode CfxLGPDestroy(CfxLGP *);
PETSC_EXTERN PetscErrorCode CfxLGPSetModel(CfxLGP, CfxLGPModel);
PETSC_EXTERN PetscErrorCode CfxLGPGetModel(CfxLGP, CfxLGPModel *);
PETSC_EXTERN PetscErrorCode CfxLGPSetData(CfxLGP, PetscInt, PetscInt, PetscInt, PetscReal, const PetscReal[], PetscInt, const PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxLGPGetSizes(CfxLGP, PetscInt *, PetscReal *, PetscInt *);
PETSC_EXTERN PetscErrorCode CfxLGPSetInputMatrix(CfxLGP, const PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxLGPSetLengthScales(CfxLGP, const PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxLGPGetLengthScales(CfxLGP, PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxLGPSetSignalStd(CfxLGP, PetscReal);
PETSC_EXTERN PetscErrorCode CfxLGPSetNoiseStd(CfxLGP, PetscReal);
PETSC_EXTERN PetscErrorCode CfxLGPGetHyperparameters(CfxLGP, PetscReal[], PetscReal *, PetscReal *);
PETSC_EXTERN PetscErrorCode CfxLGPSetGauge(CfxLGP, CfxLGPGauge, const PetscReal[], PetscReal, const PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxLGPSetJitter(CfxLGP, PetscReal, PetscReal);
PETSC_EXTERN PetscErrorCode CfxLGPSetFitMask(CfxLGP, PetscBool, PetscBool, PetscBool);
PETSC_EXTERN PetscErrorCode CfxLGPSetNARXExtrapolate(CfxLGP, PetscBool);
PETSC_EXTERN PetscErrorCode CfxLGPSetPriorMean(CfxLGP, CfxLGPMeanFn, void *);
/* Unknown dissipation: a Rayleigh function R(v) ~ GP(0, SE(ell_R [d], sf_R)) conditioned jointly
   with the Lagrangian, generalised force F = -grad_v R; ell NULL for 1 each. */
PETSC_EXTERN PetscErrorCode CfxLGPSetDissipation(CfxLGP, PetscBool, const PetscReal[], PetscReal);
PETSC_EXTERN PetscErrorCode CfxLGPGetDissipation(CfxLGP, PetscBool *, PetscReal[], PetscReal *);
PETSC_EXTERN PetscErrorCode CfxLGPDissipationForce(CfxLGP, const PetscReal[], PetscReal[], PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxLGPSetValidationData(CfxLGP, PetscInt, PetscInt, const PetscReal[], const PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxLGPSetSelectionGrid(CfxLGP, PetscBool, PetscInt, const PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxLGPValidationError(CfxLGP, PetscInt, PetscInt, const PetscReal[], const PetscReal[], PetscReal *);
PETSC_EXTERN PetscErrorCode CfxLGPSetFromOptions(CfxLGP);
PETSC_EXTERN PetscErrorCode CfxLGPSetUp(CfxLGP);
PETSC_EXTERN PetscErrorCode CfxLGPView(CfxLGP, PetscViewer);

/* Size of the Gram matrix, the jitter used and whether pivoted Cholesky was needed (and its rank). */
PETSC_EXTERN PetscErrorCode CfxLGPGetFactorInfo(CfxLGP, PetscInt *, PetscReal *, PetscBool *, PetscInt *);
PETSC_EXTERN PetscErrorCode CfxLGPGetGram(CfxLGP, PetscInt *, const PetscReal *[]);

/* ML-II: theta = (log ell_1..log ell_2d, log sf, log noise); -log p(y | theta) and its gradient. */
PETSC_EXTERN PetscErrorCode CfxLGPNegLogMarginalLikelihood(CfxLGP, const PetscReal[], PetscReal *, PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxLGPGetNegLogMarginalLikelihood(CfxLGP, PetscReal *);
PETSC_EXTERN PetscErrorCode CfxLGPFit(CfxLGP);
PETSC_EXTERN PetscErrorCode CfxLGPCosineInput(PetscInt, PetscReal, PetscReal, PetscReal, PetscReal[]);

/* Posterior of a linear functional of the latent function (L_d, L, or the NARX map). */
PETSC_EXTERN PetscErrorCode CfxLGPPosteriorFunctional(CfxLGP, PetscInt, const CfxLGPAtom[], PetscReal *, PetscReal *);
PETSC_EXTERN PetscErrorCode CfxLGPPosteriorFunctionals(CfxLGP, PetscInt, const PetscInt[], const CfxLGPAtom[], PetscReal[], PetscReal[]);
/* Derived functionals. z is (q_k, q_{k+1}) for dlgp, (q, v) for clgp. */
PETSC_EXTERN PetscErrorCode CfxLGPLagrangian(CfxLGP, const PetscReal[], PetscReal *, PetscReal *);
PETSC_EXTERN PetscErrorCode CfxLGPEnergy(CfxLGP, const PetscReal[], const PetscReal[], PetscReal *, PetscReal *);
PETSC_EXTERN PetscErrorCode CfxLGPMomentum(CfxLGP, const PetscReal[], const PetscReal[], PetscReal[], PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxLGPGetDELFunctionals(CfxLGP, const PetscReal[], const PetscReal[], const PetscReal[], PetscInt[], CfxLGPAtom[]);
PETSC_EXTERN PetscErrorCode CfxLGPDELResidual(CfxLGP, const PetscReal[], const PetscReal[], const PetscReal[], const PetscReal[], const PetscReal[], PetscReal[], PetscReal[]);

/* Rollouts: q0, q1 given; u[steps+1][m] or NULL; outputs q[(steps+1) d] (q[0..1] = q0, q1),
   std[(steps+1) d] (linearised, may be NULL), energy[steps+1] (posterior-mean energy of the
   model at the midpoint of (q_k, q_{k+1}); NULL allowed; the last entry repeats). */
PETSC_EXTERN PetscErrorCode CfxLGPStep(CfxLGP, PetscInt, const PetscReal[], const PetscReal[], const PetscReal[], const PetscReal[], PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxLGPRollout(CfxLGP, const PetscReal[], const PetscReal[], PetscInt, const PetscReal[], PetscReal[], PetscReal[], PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxLGPRolloutSamples(CfxLGP, const PetscReal[], const PetscReal[], PetscInt, const PetscReal[], PetscInt, PetscInt, PetscInt, PetscReal[]);

/* Files. Trajectories: /q [n_traj, n_steps, d], optional /u [n_traj, n_steps, m], root
   attribute h. Models: the data and hyperparameters; loading re-factorises. */
PETSC_EXTERN PetscErrorCode CfxLGPTrajectoryWrite(MPI_Comm, const char[], PetscInt, PetscInt, PetscInt, PetscReal, const PetscReal[], PetscInt, const PetscReal[], PetscBool);
PETSC_EXTERN PetscErrorCode CfxLGPTrajectoryRead(MPI_Comm, const char[], PetscInt *, PetscInt *, PetscInt *, PetscReal *, PetscReal **, PetscInt *, PetscReal **);
PETSC_EXTERN PetscErrorCode CfxLGPSave(CfxLGP, const char[], PetscBool);
PETSC_EXTERN PetscErrorCode CfxLGPLoad(MPI_Comm, const char[], CfxLGP *);
