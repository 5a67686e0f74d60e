/* Rollouts of the posterior mean: Newton on the learned forced DEL equations (a variational
   integrator), with damping, divergence detection and linearised uncertainty; the GP-NARX
   baseline steps explicitly. */
#include "lgpimpl.h"
#include <lapacke.h>

PETSC_INTERN PetscErrorCode CfxLGPPairMap(CfxLGP, PetscReal[2], PetscReal[2], PetscReal *);
PETSC_INTERN void CfxLGPPairPoint(CfxLGP, const PetscReal[2], const PetscReal[2], const PetscReal[], const PetscReal[], PetscReal[]);
PETSC_INTERN void CfxLGPKnownForce(CfxLGP, const PetscReal[], const PetscReal[], PetscReal[]);
PETSC_INTERN PetscErrorCode CfxLGPEnergyMean(CfxLGP, const PetscReal[], const PetscReal[], PetscReal *);

/* out = s X^T H Y for X = [x0 I; x1 I], Y = [y0 I; y1 I] (d x d). */
static void Contract(PetscInt d, PetscReal s, const PetscReal x[2], const PetscReal *H, const PetscReal y[2], PetscReal *out)
{
  const PetscInt D = 2 * d;
  for (PetscInt i = 0; i < d; i++)
    for (PetscInt j = 0; j < d; j++) {
      PetscReal v = 0;
      for (PetscInt a = 0; a < 2; a++)
        for (PetscInt b = 0; b < 2; b++) v += x[a] * y[b] * H[(a * d + i) * D + b * d + j];
      out[i * d + j] = s * v;
    }
}

/* Mean DEL residual F(q2) (with the left part Fa fixed) and dF/dq2. */
static PetscErrorCode Residual(CfxLGP lgp, const PetscReal Fa[], const PetscReal q1[], const PetscReal q2[], PetscReal F[], PetscReal J[], PetscReal *scale)
{
  const PetscInt d = lgp->d;
  PetscReal p[2] = {0, 0}, qq[2] = {0, 0}, s = 0, z[CFX_LGP_MAX_DIM], g[CFX_LGP_MAX_DIM], H[CFX_LGP_MAX_DIM * CFX_LGP_MAX_DIM];

  PetscFunctionBegin;
  PetscCall(CfxLGPPairMap(lgp, p, qq, &s));
  CfxLGPPairPoint(lgp, p, qq, q1, q2, z);
  PetscCall(CfxLGPMeanDerivatives(lgp, 0, z, NULL, g, J ? H : NULL));
  for (PetscInt i = 0; i < d; i++) {
    const PetscReal right = s * (p[0] * g[i] + p[1] * g[d + i]);
    F[i]                  = Fa[i] + right;
    if (scale) *scale = PetscMax(*scale, PetscMax(PetscAbsReal(Fa[i]), PetscAbsReal(right)));
  }
  if (J) Contract(d, s, p, H, qq, J);
  if (lgp->dissipation) { /* -(h/2) grad R(v), v = (q2 - q1)/h; d/dq2 = -(1/2) Hess R */
    PetscReal v[CFX_LGP_MAX_DIM], gR[CFX_LGP_MAX_DIM], HR[CFX_LGP_MAX_DIM * CFX_LGP_MAX_DIM];
    for (PetscInt i = 0; i < d; i++) v[i] = (q2[i] - q1[i]) / lgp->h;
    PetscCall(CfxLGPDissipationMean(lgp, v, gR, J ? HR : NULL));
    for (PetscInt i = 0; i < d; i++) F[i] -= 0.5 * lgp->h * gR[i];
    if (J)
      for (PetscInt i = 0; i < d * d; i++) J[i] -= 0.5 * HR[i];
  }
  PetscFunctionReturn(0);
}

static PetscReal NormInf(PetscInt n, const PetscReal *x)
{
  PetscReal m = 0;
  for (PetscInt i = 0; i < n; i++) m = PetscMax(m, PetscAbsReal(x[i]));
  return PetscIsInfOrNanReal(m) ? PETSC_INFINITY : m;
}

/* A failed step is an error naming the step, or (when `failed` is given) only reported. */
#define STEP_CHECK(cond, ...)                                   \
  do {                                                          \
    if (PetscUnlikely(!(cond))) {                               \
      if (failed) {                                             \
        *failed = PETSC_TRUE;                                   \
        PetscFunctionReturn(0);                                 \
      }                                                         \
      SETERRQ(lgp->comm, PETSC_ERR_NOT_CONVERGED, __VA_ARGS__); \
    }                                                           \
  } while (0)

static PetscErrorCode StepImpl(CfxLGP lgp, PetscInt step, const PetscReal q0[], const PetscReal q1[], const PetscReal u0[], const PetscReal u1[], PetscReal q2[], PetscBool *failed)
{
  const PetscInt d = lgp->d;
  PetscReal Fa[CFX_LGP_MAX_DIM], F[CFX_LGP_MAX_DIM], Ft[CFX_LGP_MAX_DIM], J[CFX_LGP_MAX_DIM * CFX_LGP_MAX_DIM], dq[CFX_LGP_MAX_DIM], yt[CFX_LGP_MAX_DIM];
  PetscReal p[2] = {0, 0}, qq[2] = {0, 0}, s = 0, z[CFX_LGP_MAX_DIM], g[CFX_LGP_MAX_DIM], nF, jump = 0, scale = 0;
  lapack_int ipiv[CFX_LGP_MAX_DIM];
  PetscInt it;

  PetscFunctionBegin;
  if (failed) *failed = PETSC_FALSE;
  PetscCheck(lgp->setup, lgp->comm, PETSC_ERR_ORDER, "CfxLGPStep: call CfxLGPSetUp() or CfxLGPFit() first");
  if (lgp->model == CFX_LGP_NARX) {
    PetscReal zz[CFX_LGP_MAX_DIM];
    for (PetscInt i = 0; i < d; i++) {
      zz[i]     = q0[i];
      zz[d + i] = q1[i];
    }
    for (PetscInt i = 0; i < d; i++) {
      PetscReal c;
      PetscCall(CfxLGPMeanDerivatives(lgp, i, zz, &c, NULL, NULL));
      q2[i] = (lgp->narxExtrapolate ? 2 * q1[i] - q0[i] : 0) + c;
    }
    STEP_CHECK(NormInf(d, q2) < PETSC_INFINITY, "GP-NARX rollout step %" PetscInt_FMT ": non-finite prediction", step);
    PetscFunctionReturn(0);
  }
  PetscCall(CfxLGPPairMap(lgp, p, qq, &s));
  CfxLGPPairPoint(lgp, p, qq, q0, q1, z);
  PetscCall(CfxLGPMeanDerivatives(lgp, 0, z, NULL, g, NULL));
  CfxLGPKnownForce(lgp, u0, u1, Fa);
  for (PetscInt i = 0; i < d; i++) {
    Fa[i] += s * (qq[0] * g[i] + qq[1] * g[d + i]);
    q2[i] = 2 * q1[i] - q0[i];
  }
  if (lgp->dissipation) { /* -(h/2) grad R at the velocity of (q0, q1) */
    PetscReal v[CFX_LGP_MAX_DIM], gR[CFX_LGP_MAX_DIM];
    for (PetscInt i = 0; i < d; i++) v[i] = (q1[i] - q0[i]) / lgp->h;
    PetscCall(CfxLGPDissipationMean(lgp, v, gR, NULL));
    for (PetscInt i = 0; i < d; i++) Fa[i] -= 0.5 * lgp->h * gR[i];
  }
  PetscCall(Residual(lgp, Fa, q1, q2, F, J, &scale));
  nF = NormInf(d, F);
  for (it = 0; it < lgp->newtonMaxit; it++) {
    PetscReal lambda = 1, ndq;
    lapack_int info;
    for (PetscInt i = 0; i < d; i++) dq[i] = -F[i];
    info = LAPACKE_dgesv(LAPACK_ROW_MAJOR, (lapack_int)d, 1, J, (lapack_int)d, ipiv, dq, 1);
    STEP_CHECK(info == 0, "LGP rollout step %" PetscInt_FMT ": the DEL Jacobian dF/dq_{k+1} is singular (LAPACK info %d) at Newton iteration %" PetscInt_FMT, step, (int)info, it);
    ndq = NormInf(d, dq);
    STEP_CHECK(ndq < PETSC_INFINITY, "LGP rollout step %" PetscInt_FMT ": non-finite Newton update at iteration %" PetscInt_FMT, step, it);
    if (ndq <= lgp->newtonTol * (1 + NormInf(d, q2))) { /* converged: take the last small step without line search */
      for (PetscInt i = 0; i < d; i++) q2[i] += dq[i];
      break;
    }
    for (;;) { /* backtracking on |F| */
      for (PetscInt i = 0; i < d; i++) yt[i] = q2[i] + lambda * dq[i];
      PetscCall(Residual(lgp, Fa, q1, yt, Ft, J, &scale));
      if (NormInf(d, Ft) <= (1 - 1e-4 * lambda) * nF) break;
      lambda *= 0.5;
      if (lambda < 1.0 / 1024 && (nF <= 1e3 * PETSC_MACHINE_EPSILON * scale || ndq <= 1e3 * lgp->newtonTol * (1 + NormInf(d, q2)))) break; /* at the round-off floor of F: converged */
      STEP_CHECK(lambda >= 1.0 / 1024, "LGP rollout step %" PetscInt_FMT ": Newton diverged (line search failed at iteration %" PetscInt_FMT ", |F| = %g, |dq| = %g)", step, it, (double)nF,
                 (double)ndq);
    }
    if (lambda < 1.0 / 1024) break;
    for (PetscInt i = 0; i < d; i++) {
      q2[i] = yt[i];
      F[i]  = Ft[i];
    }
    nF = NormInf(d, F);
  }
  STEP_CHECK(it < lgp->newtonMaxit, "LGP rollout step %" PetscInt_FMT ": Newton did not converge in %" PetscInt_FMT " iterations (|F| = %g)", step, lgp->newtonMaxit, (double)nF);
  for (PetscInt i = 0; i < d; i++) jump = PetscMax(jump, PetscAbsReal(q2[i] - q1[i]));
  STEP_CHECK(NormInf(d, q2) < PETSC_INFINITY && jump <= lgp->maxJump * lgp->maxStep,
             "LGP rollout step %" PetscInt_FMT ": diverged, |q_{k+1} - q_k| = %g exceeds max_jump %g times the largest training step %g", step, (double)jump, (double)lgp->maxJump,
             (double)lgp->maxStep);
  PetscFunctionReturn(0);
}

#undef STEP_CHECK

/*@C
  CfxLGPStep - One step of the learned model: q2 from q0, q1 (and inputs u0, u1 on the
  intervals (q0, q1), (q1, q2); NULL for none). LGP: Newton on the forced DEL of the posterior
  mean from 2 q1 - q0, backtracking on |F|, converged when the update is below
  newton_tol (1 + |q2|); failure (singular Jacobian, failed line search, iteration limit,
  non-finite iterate, or a jump above max_jump times the largest training step) is an error
  naming `step`. NARX: q2 = 2 q1 - q0 + mean correction.
@*/
PetscErrorCode CfxLGPStep(CfxLGP lgp, PetscInt step, const PetscReal q0[], const PetscReal q1[], const PetscReal u0[], const PetscReal u1[], PetscReal q2[])
{
  PetscFunctionBegin;
  PetscCall(StepImpl(lgp, step, q0, q1, u0, u1, q2, NULL));
  PetscFunctionReturn(0);
}

/* Mean rollout that stops at the first failed step instead of raising an error: *failStep is
   that step, or -1 when all steps succeeded (used to score hyperparameters on held-out data). */
PetscErrorCode CfxLGPRolloutTry(CfxLGP lgp, const PetscReal q0[], const PetscReal q1[], PetscInt steps, const PetscReal u[], PetscReal q[], PetscInt *failStep)
{
  const PetscInt d = lgp->d, m = lgp->m;

  PetscFunctionBegin;
  *failStep = -1;
  PetscCall(PetscArraycpy(q, q0, d));
  PetscCall(PetscArraycpy(q + d, q1, d));
  for (PetscInt k = 1; k < steps; k++) {
    PetscBool failed;
    PetscCall(StepImpl(lgp, k, q + (k - 1) * d, q + k * d, m ? u + (k - 1) * m : NULL, m ? u + k * m : NULL, q + (k + 1) * d, &failed));
    if (failed) {
      *failStep = k;
      break;
    }
  }
  PetscFunctionReturn(0);
}

/* Linearised one-step map: q2 = G (q0, q1) + eps, eps ~ N(0, S); G is d x 2d. */
static PetscErrorCode Linearise(CfxLGP lgp, const PetscReal q0[], const PetscReal q1[], const PetscReal q2[], PetscReal G[], PetscReal S[])
{
  const PetscInt d = lgp->d, D = 2 * d;
  PetscReal p[2] = {0, 0}, qq[2] = {0, 0}, s = 0, za[CFX_LGP_MAX_DIM], zb[CFX_LGP_MAX_DIM];
  PetscReal Ha[CFX_LGP_MAX_DIM * CFX_LGP_MAX_DIM], Hb[CFX_LGP_MAX_DIM * CFX_LGP_MAX_DIM], A0[64], A1[64], T[64], J[64], Ji[64];
  CfxLGPAtom atoms[4 * CFX_LGP_MAX_DIM];
  PetscInt off[CFX_LGP_MAX_DIM + 1];
  lapack_int ipiv[CFX_LGP_MAX_DIM];

  PetscFunctionBegin;
  if (lgp->model == CFX_LGP_NARX) {
    PetscReal g[CFX_LGP_MAX_DIM], var;
    for (PetscInt i = 0; i < d; i++) {
      za[i]     = q0[i];
      za[d + i] = q1[i];
    }
    for (PetscInt i = 0; i < d; i++) {
      PetscCall(CfxLGPMeanDerivatives(lgp, i, za, NULL, g, NULL));
      for (PetscInt j = 0; j < d; j++) {
        G[i * D + j]     = (i == j && lgp->narxExtrapolate ? -1 : 0) + g[j];
        G[i * D + d + j] = (i == j && lgp->narxExtrapolate ? 2 : 0) + g[d + j];
      }
    }
    PetscCall(CfxLGPLagrangian(lgp, za, NULL, &var)); /* shared kernel: same latent variance for each output */
    for (PetscInt i = 0; i < d * d; i++) S[i] = (i / d == i % d) ? PetscMax(var, 0) : 0;
    PetscFunctionReturn(0);
  }
  PetscCall(CfxLGPPairMap(lgp, p, qq, &s));
  CfxLGPPairPoint(lgp, p, qq, q0, q1, za);
  CfxLGPPairPoint(lgp, p, qq, q1, q2, zb);
  PetscCall(CfxLGPMeanDerivatives(lgp, 0, za, NULL, NULL, Ha));
  PetscCall(CfxLGPMeanDerivatives(lgp, 0, zb, NULL, NULL, Hb));
  Contract(d, s, qq, Ha, p, A0); /* dF/dq0 */
  Contract(d, s, qq, Ha, qq, A1);
  Contract(d, s, p, Hb, p, T);
  for (PetscInt i = 0; i < d * d; i++) A1[i] += T[i]; /* dF/dq1 */
  Contract(d, s, p, Hb, qq, J);                       /* dF/dq2 */
  if (lgp->dissipation) {                             /* -(h/2) (grad R(v_a) + grad R(v_b)), v_a = (q1 - q0)/h, v_b = (q2 - q1)/h */
    PetscReal va[CFX_LGP_MAX_DIM], vb[CFX_LGP_MAX_DIM], g[CFX_LGP_MAX_DIM], Ra[64], Rb[64];
    for (PetscInt i = 0; i < d; i++) {
      va[i] = (q1[i] - q0[i]) / lgp->h;
      vb[i] = (q2[i] - q1[i]) / lgp->h;
    }
    PetscCall(CfxLGPDissipationMean(lgp, va, g, Ra));
    PetscCall(CfxLGPDissipationMean(lgp, vb, g, Rb));
    for (PetscInt i = 0; i < d * d; i++) {
      A0[i] += 0.5 * Ra[i];
      A1[i] += 0.5 * (Rb[i] - Ra[i]);
      J[i] -= 0.5 * Rb[i];
    }
  }
  for (PetscInt i = 0; i < d * d; i++) Ji[i] = (i / d == i % d) ? 1 : 0;
  PetscCheck(LAPACKE_dgesv(LAPACK_ROW_MAJOR, (lapack_int)d, (lapack_int)d, J, (lapack_int)d, ipiv, Ji, (lapack_int)d) == 0, lgp->comm, PETSC_ERR_NOT_CONVERGED,
             "LGP linearisation: singular DEL Jacobian");
  for (PetscInt i = 0; i < d; i++)
    for (PetscInt j = 0; j < d; j++) {
      PetscReal g0 = 0, g1 = 0;
      for (PetscInt l = 0; l < d; l++) {
        g0 -= Ji[i * d + l] * A0[l * d + j];
        g1 -= Ji[i * d + l] * A1[l * d + j];
      }
      G[i * D + j]     = g0;
      G[i * D + d + j] = g1;
    }
  /* S = J^{-1} cov(DEL residual of the GP at the predicted step) J^{-T} */
  PetscCall(CfxLGPGetDELFunctionals(lgp, q0, q1, q2, off, atoms));
  PetscCall(CfxLGPPosteriorFunctionals(lgp, d, off, atoms, NULL, T));
  for (PetscInt i = 0; i < d; i++)
    for (PetscInt j = 0; j < d; j++) {
      PetscReal v = 0;
      for (PetscInt a = 0; a < d; a++)
        for (PetscInt b = 0; b < d; b++) v += Ji[i * d + a] * T[a * d + b] * Ji[j * d + b];
      S[i * d + j] = v;
    }
  PetscFunctionReturn(0);
}

/*@C
  CfxLGPRollout - steps predictions from q0, q1: q[(steps+1) d] with q[0..d) = q0,
  q[d..2d) = q1. u (NULL, or (steps+1) x m) holds the input on each interval. std (may be NULL)
  gets the linearised predictive standard deviation of each position: the joint covariance of
  (q_{k-1}, q_k) is pushed through the linearised step and the posterior covariance of the
  DEL residual at the predicted step is added (J^{-1} S J^{-T}). energy (may be NULL, LGP only)
  gets the posterior-mean interval energy E(q_k, q_{k+1}) (last entry repeated).
@*/
PetscErrorCode CfxLGPRollout(CfxLGP lgp, const PetscReal q0[], const PetscReal q1[], PetscInt steps, const PetscReal u[], PetscReal q[], PetscReal std[], PetscReal energy[])
{
  const PetscInt d = lgp->d, D = 2 * d, m = lgp->m;
  PetscReal C[CFX_LGP_MAX_DIM * CFX_LGP_MAX_DIM] = {0}, Cn[CFX_LGP_MAX_DIM * CFX_LGP_MAX_DIM], G[8 * 16], S[64], GC[8 * 16];

  PetscFunctionBegin;
  PetscCheck(lgp->setup, lgp->comm, PETSC_ERR_ORDER, "CfxLGPRollout: call CfxLGPSetUp() or CfxLGPFit() first");
  PetscCheck(steps >= 1, lgp->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxLGPRollout: expected steps >= 1, found %" PetscInt_FMT, steps);
  PetscCheck(!m || u, lgp->comm, PETSC_ERR_ARG_NULL, "CfxLGPRollout: the model was trained with %" PetscInt_FMT " inputs; give u for every step", m);
  PetscCheck(!energy || lgp->model != CFX_LGP_NARX, lgp->comm, PETSC_ERR_ARG_WRONG, "CfxLGPRollout: GP-NARX has no energy; pass NULL");
  PetscCall(PetscLogEventBegin(CFX_LGP_Rollout, 0, 0, 0, 0));
  PetscCall(PetscArraycpy(q, q0, d));
  PetscCall(PetscArraycpy(q + d, q1, d));
  if (std) PetscCall(PetscArrayzero(std, (steps + 1) * d));
  for (PetscInt k = 1; k < steps; k++) {
    const PetscReal *u0 = m ? u + (k - 1) * m : NULL, *u1 = m ? u + k * m : NULL;
    PetscCall(CfxLGPStep(lgp, k, q + (k - 1) * d, q + k * d, u0, u1, q + (k + 1) * d));
    if (std) {
      PetscCall(Linearise(lgp, q + (k - 1) * d, q + k * d, q + (k + 1) * d, G, S));
      /* GC = G C (d x 2d) */
      for (PetscInt i = 0; i < d; i++)
        for (PetscInt j = 0; j < D; j++) {
          PetscReal v = 0;
          for (PetscInt l = 0; l < D; l++) v += G[i * D + l] * C[l * D + j];
          GC[i * D + j] = v;
        }
      /* new joint covariance of (q_k, q_{k+1}) */
      for (PetscInt i = 0; i < d; i++)
        for (PetscInt j = 0; j < d; j++) {
          Cn[i * D + j]       = C[(d + i) * D + d + j];
          Cn[i * D + d + j]   = GC[j * D + d + i];
          Cn[(d + j) * D + i] = GC[j * D + d + i];
          if (j < i) continue;
          { /* computed once per pair and mirrored: the propagation is only a congruence for symmetric C,
               and a round-off antisymmetric part would otherwise grow from step to step */
            PetscReal v = 0.5 * (S[i * d + j] + S[j * d + i]);
            for (PetscInt l = 0; l < D; l++) v += GC[i * D + l] * G[j * D + l];
            Cn[(d + i) * D + d + j] = Cn[(d + j) * D + d + i] = v;
          }
        }
      PetscCall(PetscArraycpy(C, Cn, D * D));
      for (PetscInt i = 0; i < d; i++) std[(k + 1) * d + i] = PetscSqrtReal(PetscMax(C[(d + i) * D + d + i], 0));
    }
  }
  if (energy) {
    for (PetscInt k = 0; k < steps; k++) PetscCall(CfxLGPEnergyMean(lgp, q + k * d, q + (k + 1) * d, &energy[k]));
    energy[steps] = energy[steps - 1];
  }
  PetscCall(PetscLogEventEnd(CFX_LGP_Rollout, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
