/* Partial integro-differential equations (PIDEs) in high dimension and an INEUS-style
   iterative neural solver for them (see docs/ineus.md).

   Problem class (CfxPIDE), on [0, T) x R^d:
     u_t + b.grad u + 1/2 tr(S S^T Hess u) + lambda E_Z[u(t, x + G(t, x, Z)) - u(t, x)]
         - r u + f(t, x) = 0,                 u(T, x) = g(x).
   b(t, x) in R^d is the drift (any jump compensator -lambda E[G].grad u is folded into it),
   S(t, x) the diffusion (diagonal d entries or a full d x dw matrix, row-major), lambda >= 0
   a constant jump intensity, Z the jump mark, r >= 0 a constant discount, f the source.

   The mark law is given as a transform of standard normals: the user states how many normals
   nxi a mark needs and a map xi -> Z (default: Z = mean + std * xi componentwise). This keeps
   every law the user can write by inverse transform, and makes antithetic sampling (xi ->
   -xi) possible for any law.

   Stochastic representation (first-jump Feynman-Kac identity, exact): X the diffusion
   without jumps from (t, x), tau = t + Exp(lambda) the first jump time,
     u(t,x) = E[ 1{tau >= T} e^{-r(T-t)} g(X_T) + 1{tau < T} e^{-r(tau-t)} u(tau, X_tau + G)
                 + int_t^{min(tau,T)} e^{-r(s-t)} f(s, X_s) ds ].
   CfxPIDELabels draws single-sample (or averaged) unbiased estimates of the right-hand side
   with a user-supplied function in place of u inside the expectation: these are the
   regression labels of the solver, and with the exact solution plugged in they are unbiased
   estimates of u itself (tests/ineus checks this).

   Coefficients set as constants (CfxPIDESetConstantDrift/Diffusion) are simulated by exact
   Gaussian steps; callbacks by Euler-Maruyama sub-steps of at most -pide_euler_dt.

   Randomness: every label, training point and test point draws from its own CfxRNG stream
   (seed, global index), so results do not depend on the number of ranks. */
#pragma once

#include <conflux/cfxsys.h>
#include <conflux/cfxrng.h>
#include <conflux/cfxnn.h>
#include <petscviewer.h>

typedef struct _n_CfxPIDE *CfxPIDE;

/* Built-in benchmark problems with closed-form solutions (docs/ineus.md, methods note B1-B3). */
typedef enum {
  CFX_PIDE_USER,
  CFX_PIDE_B1, /* quadratic: u* = |x|^2/d */
  CFX_PIDE_B2, /* exponential-affine: u* = exp(theta.x + (psi - r)(T - t)) */
  CFX_PIDE_B3  /* Merton basket, common jump times, geometric-mean call */
} CfxPIDEProblem;
PETSC_EXTERN const char *const CfxPIDEProblems[];

typedef enum {
  CFX_PIDE_DIFFUSION_DIAGONAL, /* S = diag(s_1..s_d): d entries */
  CFX_PIDE_DIFFUSION_FULL      /* S is d x dw, row-major */
} CfxPIDEDiffusionType;

/* Callbacks. Points are x[d]; every callback receives the user context. */
typedef PetscErrorCode (*CfxPIDEVectorFn)(PetscReal, const PetscReal[], PetscReal[], void *);                  /* b(t,x) or S(t,x) */
typedef PetscErrorCode (*CfxPIDEScalarFn)(PetscReal, const PetscReal[], PetscReal *, void *);                  /* f(t,x), u*(t,x) */
typedef PetscErrorCode (*CfxPIDETerminalFn)(const PetscReal[], PetscReal *, void *);                           /* g(x) */
typedef PetscErrorCode (*CfxPIDEMarkFn)(const PetscReal[], PetscReal[], void *);                               /* xi[nxi] -> Z[nz] */
typedef PetscErrorCode (*CfxPIDEJumpFn)(PetscReal, const PetscReal[], const PetscReal[], PetscReal[], void *); /* (t, x, Z) -> G */
typedef PetscErrorCode (*CfxPIDESampleFn)(CfxRNG *, PetscReal[], void *);                                      /* x ~ rho */
/* Batched value function v(t_i, x_i), i < n, x row-major [n, d]: the frozen network, an exact
   solution, or anything else placed inside the expectation. */
typedef PetscErrorCode (*CfxPIDEValueFn)(PetscInt, const PetscReal[], const PetscReal[], PetscReal[], void *);

PETSC_EXTERN PetscErrorCode CfxPIDECreate(MPI_Comm, CfxPIDE *);
PETSC_EXTERN PetscErrorCode CfxPIDEDestroy(CfxPIDE *);
PETSC_EXTERN PetscErrorCode CfxPIDESetOptionsPrefix(CfxPIDE, const char[]);
/* Built-in problem in dimension d; parameters from the methods note, changeable by options
   -pide_lambda, -pide_sigma, -pide_delta, -pide_r, -pide_T (and B3: -pide_mu_jump). */
PETSC_EXTERN PetscErrorCode CfxPIDESetProblem(CfxPIDE, CfxPIDEProblem, PetscInt);
PETSC_EXTERN PetscErrorCode CfxPIDEGetProblem(CfxPIDE, CfxPIDEProblem *);
/* User problems: dimension and horizon, then coefficients. */
PETSC_EXTERN PetscErrorCode CfxPIDESetDimension(CfxPIDE, PetscInt);
PETSC_EXTERN PetscErrorCode CfxPIDEGetDimension(CfxPIDE, PetscInt *);
PETSC_EXTERN PetscErrorCode CfxPIDESetHorizon(CfxPIDE, PetscReal);
PETSC_EXTERN PetscErrorCode CfxPIDEGetHorizon(CfxPIDE, PetscReal *);
PETSC_EXTERN PetscErrorCode CfxPIDESetConstantDrift(CfxPIDE, const PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxPIDESetDrift(CfxPIDE, CfxPIDEVectorFn, void *);
/* Constant diffusion: diagonal (d entries) or full (d x dw). */
PETSC_EXTERN PetscErrorCode CfxPIDESetConstantDiffusion(CfxPIDE, CfxPIDEDiffusionType, PetscInt, const PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxPIDESetDiffusion(CfxPIDE, CfxPIDEDiffusionType, PetscInt, CfxPIDEVectorFn, void *);
/* Jumps: intensity, mark law (nxi normals -> nz mark entries; NULL map = Gaussian with the
   given mean and std arrays of length nz = nxi), jump map (NULL = additive G = Z, nz = d). */
PETSC_EXTERN PetscErrorCode CfxPIDESetJumpIntensity(CfxPIDE, PetscReal);
PETSC_EXTERN PetscErrorCode CfxPIDEGetJumpIntensity(CfxPIDE, PetscReal *);
PETSC_EXTERN PetscErrorCode CfxPIDESetGaussianMark(CfxPIDE, PetscInt, const PetscReal[], const PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxPIDESetMark(CfxPIDE, PetscInt, PetscInt, CfxPIDEMarkFn, void *);
PETSC_EXTERN PetscErrorCode CfxPIDESetJumpMap(CfxPIDE, CfxPIDEJumpFn, void *);
PETSC_EXTERN PetscErrorCode CfxPIDESetDiscount(CfxPIDE, PetscReal);
PETSC_EXTERN PetscErrorCode CfxPIDESetSource(CfxPIDE, CfxPIDEScalarFn, void *);
PETSC_EXTERN PetscErrorCode CfxPIDESetTerminal(CfxPIDE, CfxPIDETerminalFn, void *);
/* Sampling law rho of x (training and test points); t is uniform on [0, T). */
PETSC_EXTERN PetscErrorCode CfxPIDESetSampler(CfxPIDE, CfxPIDESampleFn, void *);
/* Optional exact solution (enables error reports) and the reference point x0 (default 0). */
PETSC_EXTERN PetscErrorCode CfxPIDESetExactSolution(CfxPIDE, CfxPIDEScalarFn, void *);
PETSC_EXTERN PetscErrorCode CfxPIDEHasExactSolution(CfxPIDE, PetscBool *);
PETSC_EXTERN PetscErrorCode CfxPIDESetReferencePoint(CfxPIDE, const PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxPIDEGetReferencePoint(CfxPIDE, const PetscReal **);
PETSC_EXTERN PetscErrorCode CfxPIDESetFromOptions(CfxPIDE);
PETSC_EXTERN PetscErrorCode CfxPIDESetUp(CfxPIDE);
PETSC_EXTERN PetscErrorCode CfxPIDEView(CfxPIDE, PetscViewer);

/* Pointwise evaluation. */
PETSC_EXTERN PetscErrorCode CfxPIDEExactSolution(CfxPIDE, PetscInt, const PetscReal[], const PetscReal[], PetscReal[]); /* n, t, x[n*d], u */
PETSC_EXTERN PetscErrorCode CfxPIDETerminal(CfxPIDE, const PetscReal[], PetscReal *);
PETSC_EXTERN PetscErrorCode CfxPIDESource(CfxPIDE, PetscReal, const PetscReal[], PetscReal *);
/* n points (t_i, x_i): point i uses stream first + i of seed. */
PETSC_EXTERN PetscErrorCode CfxPIDESamplePoints(CfxPIDE, uint64_t, uint64_t, PetscInt, PetscReal[], PetscReal[]);
/* Training points (t, x) that also cover the labels' query points: with probability f a
   point is replaced by the post-jump point of a path from it, repeatedly (geometric number of
   jumps); f = 0 is CfxPIDESamplePoints. Arguments (f, seed, first, n, t, x). */
PETSC_EXTERN PetscErrorCode CfxPIDESampleQueryPoints(CfxPIDE, PetscReal, uint64_t, uint64_t, PetscInt, PetscReal[], PetscReal[]);
/* Value-function adapter for the exact solution (ctx = the CfxPIDE). */
PETSC_EXTERN PetscErrorCode CfxPIDEExactValue(PetscInt, const PetscReal[], const PetscReal[], PetscReal[], void *);

/* Labels. Estimator options:
   - forced_jump: sample the jump time conditioned on tau < T and weight both branches
     (P(no jump) terminal term + P(jump) continuation), a Rao-Blackwellisation over the
     jump indicator; otherwise tau ~ Exp(lambda) and one branch is taken;
   - antithetic: each sample is the mean of the paths driven by (xi, U) and (-xi, 1 - U);
   - nsamples: independent (pairs of) paths averaged per label.
   Label i uses stream first + i of seed; Y[i] is the label, var[i] (may be NULL) the sample
   variance of the mean over the nsamples draws (0 when nsamples = 1). */
typedef struct {
  PetscBool forced_jump;
  PetscBool antithetic;
  PetscInt nsamples;
} CfxPIDELabelOptions;
PETSC_EXTERN PetscErrorCode CfxPIDELabels(CfxPIDE, const CfxPIDELabelOptions *, CfxPIDEValueFn, void *, uint64_t, uint64_t, PetscInt, const PetscReal[], const PetscReal[], PetscReal[], PetscReal[]);
/* Closed-form B3 price (geometric-mean basket call, Poisson sum of Black-Scholes terms) at
   time to maturity tau and mean log-price m: arguments (d, tau, m, K, r, sigma, lambda,
   mu_J, delta_J, &price); exported for tests and documentation. */
PETSC_EXTERN PetscErrorCode CfxPIDEMertonBasketPrice(PetscInt, PetscReal, PetscReal, PetscReal, PetscReal, PetscReal, PetscReal, PetscReal, PetscReal, PetscReal *);

/* ---- The solver.
   CfxINEUS fits a network u_theta(t, x) (a CfxModule MLP on (t, x), inputs and output scaled
   from the sampling law and the terminal values) by the first-jump regression iteration:
   outer iteration k freezes a copy theta_k, then takes -ineus_inner Adam steps on
   mean_i (u_theta(t_i, x_i) - Y_i)^2 with fresh points from the sampling law and labels
   Y_i = CfxPIDELabels(..., u_{theta_k}, ...), whose conditional mean is the Picard map
   Phi(u_{theta_k}) at (t_i, x_i). It stops when the relative change between iterates on a
   validation set falls below -ineus_tol (after at least two iterations), after -ineus_outer
   iterations, or when -ineus_time_budget seconds of solving have passed. The batch is split
   over the ranks of the communicator (sample j of step n is the same draw on any number of
   ranks) and the gradient is summed with one MPI_Allreduce: a fixed seed and rank count
   give bitwise identical runs, different rank counts agree to round-off.
   Checkpoints (-ineus_checkpoint FILE, -ineus_checkpoint_every k) are written through
   CfxCheckpoint at the end of outer iterations; CfxINEUSLoadCheckpoint restores network,
   Adam state, counters and history, and a following CfxINEUSSolve continues bitwise as the
   uninterrupted run would have (same options required; -ineus_outer and the time budget
   may grow). */
typedef struct _n_CfxINEUS *CfxINEUS;

typedef enum {
  CFX_INEUS_ITERATING,     /* not solved yet */
  CFX_INEUS_CONVERGED_TOL, /* relative change between iterates below -ineus_tol */
  CFX_INEUS_MAX_OUTER,     /* -ineus_outer iterations done */
  CFX_INEUS_TIME_BUDGET    /* -ineus_time_budget seconds used */
} CfxINEUSReason;
PETSC_EXTERN const char *const CfxINEUSReasons[];

/* What the outer loop trains (same MLP, scalings, test set, budget and history for all):
   the first-jump regression iteration, or a baseline -- a PINN (residual with the exact
   network Laplacian and the jump integral as an m-sample Monte Carlo mean, plus the terminal
   condition) or a deep BSDE with jumps from x0 (Y_0 = u(0, x0), Z = grad u, compensated jump
   term, loss |Y_N - g(X_N)|^2). Baselines: an "outer iteration" is -ineus_inner Adam steps. */
typedef enum { CFX_INEUS_METHOD_INEUS, CFX_INEUS_METHOD_PINN, CFX_INEUS_METHOD_BSDE } CfxINEUSMethod;
PETSC_EXTERN const char *const CfxINEUSMethods[];
PETSC_EXTERN PetscErrorCode CfxINEUSSetMethod(CfxINEUS, CfxINEUSMethod);
PETSC_EXTERN PetscErrorCode CfxINEUSGetMethod(CfxINEUS, CfxINEUSMethod *);
/* Value, directional derivatives and weighted diagonal second derivatives of a tanh MLP as
   tape ops (differentiable in the parameters): (module, tape, in [n, D], V [n, K, D] or NULL
   for the D coordinate directions, c[D] or NULL, &u [n, 1], &J [n, K, 1], &L [n, 1]). */
PETSC_EXTERN PetscErrorCode CfxINEUSMLPJet(CfxModule, CfxTape, CfxTensor, CfxTensor, const PetscReal[], CfxTensor *, CfxTensor *, CfxTensor *);
/* PINN residual pieces (ineus_baselines.c), separate from the network so that the residual of
   any u -- the exact solution in the tests -- can be assembled exactly as in training:
   (pide, seed, first stream, n, t, x, mj, xj[n*mj*d]) mj jump points x_i + G per point;
   (pide, xs, c[1 + d]) weights of d2N/dz_k^2 in the inputs z = (2t/T - 1, (x - xc)/xs);
   (pide, tape, n, t, x, xs, uc, us, N [n, 1], J [n, 1 + d, 1], L [n, 1], Nj [n, mj], &R [n, 1])
   the residual R = (u_t + b.grad u + 1/2 sum S_k^2 u_kk + lambda(mean_j u(t, xj) - u) - r u + f)/us
   of N = (u - uc)/us with input derivatives J, L = sum_k c_k d2N/dz_k^2 and jump values Nj. */
PETSC_EXTERN PetscErrorCode CfxPIDEJumpPoints(CfxPIDE, uint64_t, uint64_t, PetscInt, const PetscReal[], const PetscReal[], PetscInt, PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxPIDEPINNLaplacianWeights(CfxPIDE, PetscReal, PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxPIDEPINNResidual(CfxPIDE, CfxTape, PetscInt, const PetscReal[], const PetscReal[], PetscReal, PetscReal, PetscReal, CfxTensor, CfxTensor, CfxTensor, CfxTensor,
                                                CfxTensor *);

/* One row of the history, recorded after every outer iteration (and at the start, k = 0). */
typedef struct {
  PetscInt outer;        /* completed outer iterations */
  PetscInt steps;        /* Adam steps so far */
  PetscReal time;        /* solve seconds so far (excluding test-set evaluation), over sessions */
  PetscReal change;      /* ||u_k - u_{k-1}|| / ||u_k|| on the validation set (0 at k = 0) */
  PetscReal estimate;    /* error estimate change q/(1-q), q = 1 - exp(-lambda T) (the a
                            posteriori bound of a q-contraction; heuristic in L2, see docs) */
  PetscReal loss;        /* mean training loss over the last quarter of the iteration's steps */
  PetscReal rel_l2;      /* relative L2 error on the test set (-1 without exact solution) */
  PetscReal point_error; /* |u_theta(0, x0) - u*(0, x0)| / |u*(0, x0)| (-1 without exact solution) */
  PetscReal point_value; /* u_theta(0, x0) */
} CfxINEUSRecord;

PETSC_EXTERN PetscErrorCode CfxINEUSCreate(MPI_Comm, CfxINEUS *);
PETSC_EXTERN PetscErrorCode CfxINEUSDestroy(CfxINEUS *);
PETSC_EXTERN PetscErrorCode CfxINEUSSetPIDE(CfxINEUS, CfxPIDE);
PETSC_EXTERN PetscErrorCode CfxINEUSSetOptionsPrefix(CfxINEUS, const char[]);
/* Wall-time budget of CfxINEUSSolve in seconds (0: none); -ineus_time_budget. */
PETSC_EXTERN PetscErrorCode CfxINEUSSetTimeBudget(CfxINEUS, PetscReal);
/* Checkpoint file (NULL: none) written every `every` outer iterations (0: only when the
   solve ends); -ineus_checkpoint, -ineus_checkpoint_every. */
PETSC_EXTERN PetscErrorCode CfxINEUSSetCheckpoint(CfxINEUS, const char[], PetscInt);
PETSC_EXTERN PetscErrorCode CfxINEUSSetFromOptions(CfxINEUS);
PETSC_EXTERN PetscErrorCode CfxINEUSSetUp(CfxINEUS);
PETSC_EXTERN PetscErrorCode CfxINEUSSolve(CfxINEUS);
PETSC_EXTERN PetscErrorCode CfxINEUSGetConvergedReason(CfxINEUS, CfxINEUSReason *);
PETSC_EXTERN PetscErrorCode CfxINEUSSaveCheckpoint(CfxINEUS, const char[]);
/* After CfxINEUSSetUp; errors name any option that differs from the checkpoint's run. */
PETSC_EXTERN PetscErrorCode CfxINEUSLoadCheckpoint(CfxINEUS, const char[]);
PETSC_EXTERN PetscErrorCode CfxINEUSView(CfxINEUS, PetscViewer);
/* Network prediction at n points (x row-major [n, d]). */
PETSC_EXTERN PetscErrorCode CfxINEUSEvaluate(CfxINEUS, PetscInt, const PetscReal[], const PetscReal[], PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxINEUSGetHistory(CfxINEUS, PetscInt *, const CfxINEUSRecord **);
/* The fixed test set (created by SetUp from -ineus_test_seed): n, t, x, exact values (NULL
   without an exact solution). */
PETSC_EXTERN PetscErrorCode CfxINEUSGetTestSet(CfxINEUS, PetscInt *, const PetscReal **, const PetscReal **, const PetscReal **);
