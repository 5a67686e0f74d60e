/* SNAPO: a neural policy inside a differentiable simulator (docs/snapo.md).

   Hard operating limits are replaced by smooth primitives, every simulator step is a tape op
   (or a custom op with its own adjoint), and ONE reverse sweep over the whole horizon gives
   the gradient of the objective J with respect to the policy parameters theta (training) and
   to every market or process input p (sensitivities) at the same time.

   Smooth primitives
   -----------------
   Each has a scalar kernel returning the value and the derivative (for hand-written adjoints
   of custom step ops) and a tape op (elementwise on a tensor):
     softplus-max   SP_b(x)         = softplus(b x)/b                 ~ max(x, 0), error <= log 2 / b
     smooth |x|     A_e(x)          = sqrt(x^2 + e^2) - e             ~ |x|, error <= e, A_e(0) = 0
     sigmoid box    B_b(x; lo, hi)  = s(b (x - lo)) s(b (hi - x))     ~ 1{lo <= x <= hi}
     box map        M(x; lo, hi)    = lo + (hi - lo) s(x)             maps R onto (lo, hi)
   (s = logistic sigmoid). Smooth max/min of two tensors and softmax weights are the core ops
   CfxOpSmoothMax, CfxOpSmoothMin (same softplus form) and CfxOpSoftmax; tests/snapo checks
   their adjoints with the same identities.

   Exactly feasible storage action (C^1 in z and I):
     I* = I_max s(z);  y = I* - I;  a = q_in tanh(y/q_in) if y >= 0, q_out tanh(y/q_out) if y < 0.
   |a| <= |y| and a has the sign of y, so I + a lies between I and I*: inventory stays in
   (0, I_max) and |a| < q_in (q_out) for every z, with no clipping.

   Simulation API
   --------------
   A model (CfxSnapoModel) is a state [B, ns] per block of B paths, a feature map, a step and
   a terminal value, each a function that builds tape ops (conflux ops or custom ops with
   their own adjoint). The policy is any CfxModule mapping features [B, nf] to [B, na].
   CfxSnapoEvaluate runs the paths in blocks of at most `block` paths: each block is one tape
   (forward over the full horizon, reverse sweep, reset), so memory is bounded by one block's
   horizon whatever the number of paths; gradients accumulate over blocks in the persistent
   parameter and input tensors. Paths are split over the ranks of the communicator and the
   sums are reduced, so the value and gradients do not depend on the block size and, up to
   rounding of the sum, not on the rank count. Path i uses CfxRNG stream i of the seed:
   the same draws for every evaluation with the same seed (common random numbers). */
#pragma once

#include <conflux/cfxtensor.h>
#include <conflux/cfxoptim.h>
#include <conflux/cfxnn.h>

/* ---- Scalar kernels: return the value, store the derivative(s) if the pointer is not NULL. */
PETSC_EXTERN PetscReal CfxSnapoSoftplusMax(PetscReal, PetscReal, PetscReal *);                      /* x, beta */
PETSC_EXTERN PetscReal CfxSnapoSmoothAbs(PetscReal, PetscReal, PetscReal *);                        /* x, eps */
PETSC_EXTERN PetscReal CfxSnapoSigmoidBox(PetscReal, PetscReal, PetscReal, PetscReal, PetscReal *); /* x, lo, hi, beta */
PETSC_EXTERN PetscReal CfxSnapoBoxMap(PetscReal, PetscReal, PetscReal, PetscReal *);                /* x, lo, hi */
PETSC_EXTERN PetscReal CfxSnapoSigmoid(PetscReal);
/* storage action a(z, I) and its partial derivatives da/dz, da/dI */
typedef struct {
  PetscReal imax, qin, qout; /* capacity, injection and withdrawal rate limits per step (> 0) */
} CfxSnapoStorage;
PETSC_EXTERN PetscReal CfxSnapoStorageAction(const CfxSnapoStorage *, PetscReal, PetscReal, PetscReal *, PetscReal *);

/* ---- Tape ops (elementwise; the storage action takes z and I of the same shape). */
PETSC_EXTERN PetscErrorCode CfxOpSnapoSoftplusMax(CfxTape, CfxTensor, PetscReal, CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxOpSnapoSmoothAbs(CfxTape, CfxTensor, PetscReal, CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxOpSnapoSigmoidBox(CfxTape, CfxTensor, PetscReal, PetscReal, PetscReal, CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxOpSnapoBoxMap(CfxTape, CfxTensor, PetscReal, PetscReal, CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxOpSnapoStorageAction(CfxTape, CfxTensor, CfxTensor, const CfxSnapoStorage *, CfxTensor *);

/* ---- Simulation API */
typedef struct {
  PetscInt nsteps;   /* decisions per path */
  PetscInt nstate;   /* state columns */
  PetscInt nfeature; /* policy input columns */
  PetscInt naction;  /* policy output columns */
  PetscInt nnoise;   /* standard normal draws per path and step */
  /* initial state [B, ns] (a step tensor) */
  PetscErrorCode (*initial)(CfxTape, PetscInt, void *, CfxTensor *);
  /* features o_t [B, nf] of the state at step t */
  PetscErrorCode (*features)(CfxTape, PetscInt, CfxTensor, void *, CfxTensor *);
  /* next state from (t, state, policy output [B, na], noise [B, nnoise] of step t); the
     running discounted reward is part of the state (the model's choice of column) */
  PetscErrorCode (*step)(CfxTape, PetscInt, CfxTensor, CfxTensor, const PetscReal *, void *, CfxTensor *);
  /* per-path objective [B] (or [B, 1]) from the final state: rewards + terminal value - penalties */
  PetscErrorCode (*objective)(CfxTape, CfxTensor, void *, CfxTensor *);
  void *ctx;
} CfxSnapoModelOps;

/* Result of one evaluation: J = mean over paths of the per-path objective, its Monte Carlo
   standard error, and the wall times of the forward and reverse sweeps (seconds, max over ranks). */
typedef struct {
  PetscReal value, stderr_mc;
  PetscInt npaths;
  PetscReal t_forward, t_reverse;
} CfxSnapoResult;

/* The policy: any map from features [B, nf] to outputs [B, na] built from tape ops, e.g. a
   CfxModule (cfxnn.h) through CfxModuleForward with the module as ctx. */
typedef struct {
  PetscErrorCode (*forward)(CfxTape, CfxTensor, void *, CfxTensor *);
  void *ctx;
} CfxSnapoPolicy;

/* Forward (and, with grad, the reverse sweep accumulating dJ/d(every persistent tensor with
   requires_grad): policy parameters and model inputs). Gradients are ADDED to the grad
   buffers of the nreduce tensors listed (zero them first), then summed over the ranks.
   Arguments: comm, model, policy, npaths, block (paths per tape), seed (fixes the common
   random numbers), grad, nreduce, tensors, result. */
PETSC_EXTERN PetscErrorCode CfxSnapoEvaluate(MPI_Comm, const CfxSnapoModelOps *, const CfxSnapoPolicy *, PetscInt, PetscInt, uint64_t, PetscBool, PetscInt, CfxTensor[], CfxSnapoResult *);

/* The standard policy: y = gain * MLP(x), tanh hidden layers, parameters named "policy.*"
   (add them to a CfxParamSet with CfxModuleAddParameters(p.net, set)). Arguments: comm,
   nin, width, depth (hidden layers), nout, gain, seed. */
typedef struct {
  CfxModule net;
  PetscReal gain;
} CfxSnapoMLP;
PETSC_EXTERN PetscErrorCode CfxSnapoMLPCreate(MPI_Comm, PetscInt, PetscInt, PetscInt, PetscInt, PetscReal, uint64_t, CfxSnapoMLP *);
PETSC_EXTERN PetscErrorCode CfxSnapoMLPGetPolicy(CfxSnapoMLP *, CfxSnapoPolicy *);
PETSC_EXTERN PetscErrorCode CfxSnapoMLPDestroy(CfxSnapoMLP *);

/* Training: `iters` optimizer steps maximising J over the parameters of the optimizer's
   parameter set; step k draws a fresh batch of `paths` common-random-number paths with seed
   seed + k. history (iters values, or NULL) receives each step's batch value; monitor > 0
   prints a progress line every monitor steps. */
typedef struct {
  PetscInt iters, paths, block;
  uint64_t seed;
  PetscInt monitor;
} CfxSnapoTrainParams;
PETSC_EXTERN PetscErrorCode CfxSnapoTrain(MPI_Comm, const CfxSnapoModelOps *, const CfxSnapoPolicy *, CfxOptimizer, const CfxSnapoTrainParams *, PetscReal[]);

/* ---- S1: natural gas storage (docs/snapo.md)
   Daily decisions t = 0..T-1 (dt = 1/365 yr). Log-OU factor X_0 = 0,
   X_{t+1} = alpha X_t + b xi_t, alpha = exp(-kappa dt), b = sigma sqrt((1 - alpha^2)/(2 kappa));
   spot S_t = F_t exp(X_t - v_t/2), v_t = Var X_t = sigma^2 (1 - exp(-2 kappa t dt))/(2 kappa),
   so E S_t = F_t. Action a_t = storage action of the policy output (inject > 0), cash flow
   r_t = -a_t S_t - c A_eps(a_t), I_{t+1} = I_t + a_t, no discounting. Per-path objective
   J = sum_t r_t - lambda SP_beta(I_0 - I_T) (terminal inventory at least I_0). With `hard`,
   |a| and max(., 0) replace A_eps and SP_beta (the non-smooth objective, for comparison).
   Differentiable inputs: the forward curve F [T] and market = (sigma, kappa, cost). */
typedef struct {
  PetscInt nsteps;                  /* T = 365 */
  PetscReal dt;                     /* 1/365 */
  PetscReal kappa, sigma;           /* 10, 0.8 per year */
  PetscReal imax, i0, qin, qout;    /* 1, 0, 1/100, 1/50 */
  PetscReal cost;                   /* 0.10 per unit injected or withdrawn */
  PetscReal penalty, beta, eps_abs; /* lambda = 50, beta = 1e4, eps = 1e-4 */
  PetscBool hard;
} CfxSnapoGasParams;
typedef struct _n_CfxSnapoGas *CfxSnapoGas;
PETSC_EXTERN PetscErrorCode CfxSnapoGasSetDefaults(CfxSnapoGasParams *);
/* Options -gas_kappa, -gas_sigma, -gas_imax, -gas_i0, -gas_qin, -gas_qout (per day),
   -gas_cost, -gas_penalty, -gas_beta, -gas_eps, -gas_nsteps (listed by -help). */
PETSC_EXTERN PetscErrorCode CfxSnapoGasParamsSetFromOptions(MPI_Comm, CfxSnapoGasParams *);
/* F_t = 20 + 5 cos(2 pi (t - 15)/365), t = 0..n-1 */
PETSC_EXTERN PetscErrorCode CfxSnapoGasDefaultCurve(PetscInt, PetscReal[]);
/* HDF5 forward curve: dataset /forward_curve [T] (double); Read allocates (PetscFree). */
PETSC_EXTERN PetscErrorCode CfxSnapoGasWriteCurve(MPI_Comm, const char[], PetscInt, const PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxSnapoGasReadCurve(MPI_Comm, const char[], PetscInt *, PetscReal **);
/* The model over curve F (params->nsteps entries); its inputs are persistent tensors with
   requires_grad: F [T] and market [3] = (sigma, kappa, cost). Policy features (5 columns):
   t/T - 1/2, cos(2 pi t/T), sin(2 pi t/T), 2 I/I_max - 1, X/sd with sd = sigma/sqrt(2 kappa)
   of the parameters at creation (a fixed normalisation, not an input); policy output 1 column. */
PETSC_EXTERN PetscErrorCode CfxSnapoGasCreate(const CfxSnapoGasParams *, const PetscReal[], CfxSnapoGas *);
PETSC_EXTERN PetscErrorCode CfxSnapoGasGetModel(CfxSnapoGas, CfxSnapoModelOps *);
PETSC_EXTERN PetscErrorCode CfxSnapoGasGetInputs(CfxSnapoGas, CfxTensor *, CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxSnapoGasSetHard(CfxSnapoGas, PetscBool);
PETSC_EXTERN PetscErrorCode CfxSnapoGasDestroy(CfxSnapoGas *);
/* Largest constraint violation seen since creation: max over evaluated path-steps of
   max(-I, I - I_max, a - q_in, -q_out - a) (0 when every action was feasible). */
PETSC_EXTERN PetscErrorCode CfxSnapoGasGetViolation(CfxSnapoGas, PetscReal *);

/* S1 references (gas_dp.c, gas_lsmc.c). Inventory grid of step min(q_in, q_out)/m ... see docs:
   Intrinsic: sigma = 0 (S = F), exact DP on the inventory grid I_k = k I_max/ninv.
   Stochastic: 2-D DP over (X on nx nodes spanning +-5 stationary sd, inventory grid),
   transition probabilities from normal-CDF bins of the exact OU step.
   LSMC: Longstaff-Schwartz regression of the continuation value on (1, S, S^2) per inventory
   node, npaths paths (seed); value = in-sample average of the realised cash flows. */
PETSC_EXTERN PetscErrorCode CfxSnapoGasIntrinsic(const CfxSnapoGasParams *, const PetscReal[], PetscInt, PetscReal *);
PETSC_EXTERN PetscErrorCode CfxSnapoGasDP(const CfxSnapoGasParams *, const PetscReal[], PetscInt, PetscInt, PetscReal *);
PETSC_EXTERN PetscErrorCode CfxSnapoGasLSMC(MPI_Comm, const CfxSnapoGasParams *, const PetscReal[], PetscInt, PetscInt, uint64_t, PetscReal *, PetscReal *);

/* ---- S2: pension asset-liability management (pension.c; docs/snapo.md). Built from tape
   ops. Monthly steps; liabilities are a level benefit for `nmonths` months discounted on a
   zero curve with `nnodes` key-rate nodes (the risk factors N_rf, maturities tau_max k/K);
   4 correlated lognormal asset classes; policy = softmax weights (4 logits) from the funding
   ratio, time and curve features; smooth sponsor contributions below full funding;
   J = s - (a/2) s^2 - gamma (contributions)/PV_0 with s the terminal surplus over PV_0.
   Inputs with requires_grad: curve [K] and assets [8] = (mu_1..4, sigma_1..4). */
typedef struct {
  PetscInt nsteps, nnodes, nmonths; /* T = 120, K = 10, M = 360 */
  PetscReal tau_max, benefit;       /* 30 years, 1/12 per month */
  PetscReal funding0, kappa, beta;  /* A_0/PV_0 = 0.9, 1/12 of the deficit per month, 50 */
  PetscReal aversion, gamma;        /* a = 2, gamma = 0.5 */
  PetscReal r_short, r_long;        /* default curve 0.025 -> 0.035 */
  PetscReal mu[4], sigma[4], corr[16];
} CfxSnapoPensionParams;
typedef struct _n_CfxSnapoPension *CfxSnapoPension;
PETSC_EXTERN PetscErrorCode CfxSnapoPensionSetDefaults(CfxSnapoPensionParams *);
/* Options -pension_nsteps, -pension_nodes, -pension_months, -pension_tau_max, -pension_benefit,
   -pension_funding0, -pension_kappa, -pension_beta, -pension_aversion, -pension_gamma,
   -pension_r_short, -pension_r_long, -pension_mu m1,..,m4, -pension_sigma s1,..,s4. */
PETSC_EXTERN PetscErrorCode CfxSnapoPensionParamsSetFromOptions(MPI_Comm, CfxSnapoPensionParams *);
PETSC_EXTERN PetscErrorCode CfxSnapoPensionDefaultCurve(const CfxSnapoPensionParams *, PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxSnapoPensionCreate(const CfxSnapoPensionParams *, const PetscReal[], CfxSnapoPension *); /* curve [K] or NULL */
PETSC_EXTERN PetscErrorCode CfxSnapoPensionGetModel(CfxSnapoPension, CfxSnapoModelOps *);
PETSC_EXTERN PetscErrorCode CfxSnapoPensionGetInputs(CfxSnapoPension, CfxTensor *, CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxSnapoPensionDestroy(CfxSnapoPension *);
PETSC_EXTERN PetscErrorCode CfxSnapoPensionReadCurve(MPI_Comm, const char[], const CfxSnapoPensionParams *, PetscReal **); /* /zero_curve [nnodes] */

/* ---- S3: pharmaceutical 4-unit chain (pharma.c; docs/snapo.md). Batch reactor A -> B -> C
   (Arrhenius, RK4, policy temperature in (290, 350) K per step), crystalliser, filter/wash,
   dryer; 5 quality outputs (yield, purity, particle size, residual solvent, degradant).
   The objective is the training objective (yield with a purity penalty) or, after
   CfxSnapoPharmaSetOutput(k), quality output k: 5 reverse sweeps give all sensitivities.
   Inputs [8] = (ln A1, E1/R, ln A2, E2/R, cooling rate, seed loading, wash volumes, dryer T). */
typedef struct {
  PetscInt nsteps;                   /* 40 RK4 steps */
  PetscReal t_react;                 /* 4 h */
  PetscReal lnA1, E1, lnA2, E2;      /* 25, 8000 K, 28.947, 10000 K */
  PetscReal cool, seed, wash, t_dry; /* 10 K/h, 2 %, 3 volumes, 330 K */
} CfxSnapoPharmaParams;
typedef struct _n_CfxSnapoPharma *CfxSnapoPharma;
PETSC_EXTERN PetscErrorCode CfxSnapoPharmaSetDefaults(CfxSnapoPharmaParams *);
/* Options -pharma_nsteps, -pharma_t_react, -pharma_lnA1, -pharma_E1, -pharma_lnA2, -pharma_E2,
   -pharma_cool, -pharma_seed, -pharma_wash, -pharma_t_dry. */
PETSC_EXTERN PetscErrorCode CfxSnapoPharmaParamsSetFromOptions(MPI_Comm, CfxSnapoPharmaParams *);
PETSC_EXTERN PetscErrorCode CfxSnapoPharmaCreate(const CfxSnapoPharmaParams *, CfxSnapoPharma *);
PETSC_EXTERN PetscErrorCode CfxSnapoPharmaSetOutput(CfxSnapoPharma, PetscInt); /* -1: training objective; 0..4 */
PETSC_EXTERN PetscErrorCode CfxSnapoPharmaGetModel(CfxSnapoPharma, CfxSnapoModelOps *);
PETSC_EXTERN PetscErrorCode CfxSnapoPharmaGetInputs(CfxSnapoPharma, CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxSnapoPharmaDestroy(CfxSnapoPharma *);
PETSC_EXTERN PetscErrorCode CfxSnapoPharmaReadParams(MPI_Comm, const char[], CfxSnapoPharmaParams *); /* /process_params [8] */
