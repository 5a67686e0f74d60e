/* Tests of the JAWS penalty and of unrolled training (operators/jaws):
   - the difference-quotient Jv agrees with the directional derivative from reverse-mode rows
     of the Jacobian (forward difference O(eps), central O(eps^2));
   - the Hutchinson sensitivity averaged over many probes estimates the squared row norms;
   - reverse-mode gradients of the penalty and of the checkpointed unrolled loss agree with
     central differences in the parameters, and checkpointing changes the gradient only at
     round-off while the tape holds less memory;
   - weights on a step function: small at the jumps, above 1 in the flat parts, mean 1;
   - on a tiny fitting problem the penalty lowers the largest Jacobian row norm;
   - determinism: the same seed and probe index give bitwise identical penalties, gradients
     and training runs. */
#include <conflux/conflux.h>

#define CHECK(cond, ...) PetscCheck(cond, PETSC_COMM_SELF, PETSC_ERR_PLIB, __VA_ARGS__)

static PetscErrorCode NewModelModes(const char *type, uint64_t seed, PetscInt modes, CfxFluxNO *m)
{
  PetscFunctionBeginUser;
  PetscCall(CfxFluxNOCreate(PETSC_COMM_SELF, m));
  PetscCall(CfxFluxNOSetType(*m, type));
  if (!strcmp(type, CFXFLUXNO_FLUX)) {
    PetscCall(CfxFluxNOSetNetwork(*m, CFXFLUXNO_NET_MLP));
    PetscCall(CfxFluxNOSetSizes(*m, 6, 2, -1, -1));
    PetscCall(CfxFluxNOSetRatio(*m, 0.4));
  } else
    PetscCall(CfxFluxNOSetSizes(*m, 8, 1, modes, 16));
  PetscCall(CfxFluxNOSetConsistencyWeight(*m, 0));
  PetscCall(CfxFluxNOSetSeed(*m, seed));
  PetscCall(CfxFluxNOSetUp(*m));
  PetscFunctionReturn(0);
}

static PetscErrorCode NewModel(const char *type, uint64_t seed, CfxFluxNO *m)
{
  PetscFunctionBeginUser;
  PetscCall(NewModelModes(type, seed, 4, m));
  PetscFunctionReturn(0);
}

/* Jacobian rows J[i, :] = d G(U)_i / dU of the step at U [B*N] by reverse mode, one sweep per
   output (the forward is rebuilt each time so no gradient is stale). */
static PetscErrorCode ReverseJacobian(CfxFluxNO m, PetscInt B, PetscInt N, const PetscReal U[], PetscReal J[])
{
  PetscInt shape[2] = {B, N}, n = B * N;
  CfxTape tape;
  PetscReal *seed;

  PetscFunctionBeginUser;
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  PetscCall(PetscCalloc1(n, &seed));
  for (PetscInt i = 0; i < n; i++) {
    CfxTensor Ut, V;
    PetscCall(CfxTapeNewTensorWithData(tape, 2, shape, U, &Ut));
    PetscCall(CfxTensorMarkRequiresGrad(Ut));
    PetscCall(CfxFluxNOStep(m, tape, Ut, &V));
    seed[i] = 1;
    PetscCall(CfxTapeBackwardWithSeed(tape, V, seed));
    seed[i] = 0;
    for (PetscInt j = 0; j < n; j++) J[i * n + j] = Ut->grad ? Ut->grad[j] : 0;
    PetscCall(CfxTapeReset(tape));
  }
  PetscCall(PetscFree(seed));
  PetscCall(CfxTapeDestroy(&tape));
  PetscFunctionReturn(0);
}

static PetscErrorCode RandomState(uint64_t stream, PetscInt n, PetscReal U[])
{
  CfxRNG rng;

  PetscFunctionBeginUser;
  PetscCall(CfxRNGSetSeed(&rng, 5, stream));
  PetscCall(CfxRNGFillUniform(&rng, n, -1, 1, U));
  PetscFunctionReturn(0);
}

/* Relative error of the difference-quotient Jv against J v. */
static PetscErrorCode JVPError(CfxJaws j, CfxFluxNO m, PetscInt B, PetscInt N, const PetscReal U[], const PetscReal J[], const PetscReal v[], PetscReal *err)
{
  PetscInt shape[2] = {B, N}, n = B * N;
  CfxTape tape;
  CfxTensor Ut, Jv;
  PetscReal num = 0, den = 0;

  PetscFunctionBeginUser;
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  PetscCall(CfxTapeNewTensorWithData(tape, 2, shape, U, &Ut));
  PetscCall(CfxJawsJVP(j, tape, CfxJawsStepFluxNO, m, Ut, NULL, v, &Jv));
  for (PetscInt i = 0; i < n; i++) {
    PetscReal e = 0;
    for (PetscInt k = 0; k < n; k++) e += J[i * n + k] * v[k];
    num += (Jv->data[i] - e) * (Jv->data[i] - e);
    den += e * e;
  }
  *err = PetscSqrtReal(num / den);
  PetscCall(CfxTapeDestroy(&tape));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestJVP(const char *type)
{
  const PetscInt B = 2, N = 16, n = B * N;
  CfxFluxNO m;
  CfxJaws j;
  PetscReal U[32], v[32], *J, e3, e4, e5, c3, c4;

  PetscFunctionBeginUser;
  PetscCall(NewModel(type, 3, &m));
  PetscCall(CfxJawsCreate(PETSC_COMM_SELF, &j));
  PetscCall(RandomState(0, n, U));
  PetscCall(CfxJawsProbe(j, 0, 0, 0, B, N, v));
  PetscCall(PetscMalloc1(n * n, &J));
  PetscCall(ReverseJacobian(m, B, N, U, J));
  PetscCall(CfxJawsSetEpsilon(j, 1e-3));
  PetscCall(JVPError(j, m, B, N, U, J, v, &e3));
  PetscCall(CfxJawsSetEpsilon(j, 1e-4));
  PetscCall(JVPError(j, m, B, N, U, J, v, &e4));
  PetscCall(CfxJawsSetEpsilon(j, 1e-5));
  PetscCall(JVPError(j, m, B, N, U, J, v, &e5));
  PetscCall(CfxJawsSetDifferenceType(j, CFXJAWS_CENTRAL));
  PetscCall(CfxJawsSetEpsilon(j, 1e-2));
  PetscCall(JVPError(j, m, B, N, U, J, v, &c3));
  PetscCall(CfxJawsSetEpsilon(j, 1e-3));
  PetscCall(JVPError(j, m, B, N, U, J, v, &c4));
  PetscCall(
      PetscPrintf(PETSC_COMM_SELF, "JVP %-6s: forward eps 1e-3/1e-4/1e-5 rel err %.2e %.2e %.2e; central eps 1e-2/1e-3 %.2e %.2e\n", type, (double)e3, (double)e4, (double)e5, (double)c3, (double)c4));
  CHECK(e5 < 1e-4, "forward-difference JVP differs from reverse mode by %g at eps 1e-5", (double)e5);
  CHECK(e3 / e4 > 5 && e3 / e4 < 20, "forward-difference error is not O(eps): ratio %g over a decade", (double)(e3 / e4));
  CHECK(c3 / c4 > 50 && c3 / c4 < 200, "central-difference error is not O(eps^2): ratio %g over a decade", (double)(c3 / c4));
  CHECK(c4 < 1e-6, "central-difference JVP differs from reverse mode by %g at eps 1e-3", (double)c4);
  PetscCall(PetscFree(J));
  PetscCall(CfxJawsDestroy(&j));
  PetscCall(CfxFluxNODestroy(&m));
  PetscFunctionReturn(0);
}

/* Mean of R_x over many probes against the squared row norms sum_y J_xy^2. */
static PetscErrorCode TestHutchinson(void)
{
  const PetscInt N = 16, nprobe = 200, nrep = 10;
  PetscInt shape[2] = {1, N};
  CfxFluxNO m;
  CfxJaws j;
  CfxTape tape;
  PetscReal U[16], J[256], R[16] = {0}, worst = 0, tot = 0, totR = 0;

  PetscFunctionBeginUser;
  PetscCall(NewModel(CFXFLUXNO_FNO1D, 4, &m));
  PetscCall(RandomState(1, N, U));
  PetscCall(ReverseJacobian(m, 1, N, U, J));
  PetscCall(CfxJawsCreate(PETSC_COMM_SELF, &j));
  PetscCall(CfxJawsSetDifferenceType(j, CFXJAWS_CENTRAL));
  PetscCall(CfxJawsSetProbes(j, nprobe));
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  PetscCall(CfxTapeSetRecording(tape, PETSC_FALSE));
  for (PetscInt r = 0; r < nrep; r++) {
    CfxTensor Ut, Rt;
    PetscCall(CfxJawsSetProbeIndex(j, (uint64_t)r, 0));
    PetscCall(CfxTapeNewTensorWithData(tape, 2, shape, U, &Ut));
    PetscCall(CfxJawsLocalSensitivity(j, tape, CfxJawsStepFluxNO, m, Ut, NULL, &Rt));
    for (PetscInt x = 0; x < N; x++) R[x] += Rt->data[x] / nrep;
    PetscCall(CfxTapeReset(tape));
  }
  for (PetscInt x = 0; x < N; x++) {
    PetscReal row = 0;
    for (PetscInt y = 0; y < N; y++) row += J[x * N + y] * J[x * N + y];
    worst = PetscMax(worst, PetscAbsReal(R[x] - row) / row);
    tot += row;
    totR += R[x];
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "Hutchinson, %" PetscInt_FMT " probes: worst row rel err %.3f, Frobenius^2 %.5f vs exact %.5f\n", nprobe * nrep, (double)worst, (double)totR, (double)tot));
  CHECK(worst < 0.15 && PetscAbsReal(totR - tot) < 0.04 * tot, "Hutchinson sensitivity does not estimate the row norms (worst %g, total %g vs %g)", (double)worst, (double)totR, (double)tot);
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(CfxJawsDestroy(&j));
  PetscCall(CfxFluxNODestroy(&m));
  PetscFunctionReturn(0);
}

typedef struct {
  CfxFluxNO m;
  CfxJaws j;
  CfxTensor U, T;
  PetscInt K;
  CfxJawsCheckpoint ck; /* ck.inner NULL: plain steps */
} GCtx;

static PetscErrorCode PenaltyFn(CfxTape tape, PetscInt n, CfxTensor in[], void *ctx, CfxTensor *out)
{
  GCtx *g = (GCtx *)ctx;

  PetscFunctionBeginUser;
  (void)n;
  (void)in;
  PetscCall(CfxJawsSetProbeIndex(g->j, 0, 0)); /* the same probes at every evaluation */
  PetscCall(CfxJawsPenalty(g->j, tape, CfxJawsStepFluxNO, g->m, g->U, NULL, out));
  PetscFunctionReturn(0);
}

static PetscErrorCode UnrolledFn(CfxTape tape, PetscInt n, CfxTensor in[], void *ctx, CfxTensor *out)
{
  GCtx *g = (GCtx *)ctx;

  PetscFunctionBeginUser;
  (void)n;
  (void)in;
  if (g->ck.inner)
    PetscCall(CfxJawsUnrolledLoss(tape, CfxJawsCheckpointedStep, &g->ck, g->K, g->U, g->T, out, NULL));
  else
    PetscCall(CfxJawsUnrolledLoss(tape, CfxJawsStepFluxNO, g->m, g->K, g->U, g->T, out, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestGradients(void)
{
  GCtx g;
  CfxTape tape;
  CfxParamSet ps;
  CfxTensor in[64];
  PetscInt n, shape[2] = {2, 12}, tshape[3] = {2, 3, 12}, size;
  PetscReal err, *grads, *g0;
  size_t peak0, peak1, peakInner;
  CfxRNG rng;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&g, sizeof(g)));
  PetscCall(NewModel(CFXFLUXNO_FLUX, 8, &g.m));
  PetscCall(CfxFluxNOGetParamSet(g.m, &ps));
  PetscCall(CfxParamSetGetNumParameters(ps, &n));
  PetscCall(CfxParamSetGetSize(ps, &size));
  for (PetscInt i = 0; i < n; i++) PetscCall(CfxParamSetGetParameter(ps, i, NULL, &in[i], NULL));
  PetscCall(CfxRNGSetSeed(&rng, 11, 0));
  PetscCall(CfxTensorCreate(2, shape, &g.U));
  PetscCall(CfxTensorFillUniform(g.U, &rng, -1, 1));
  PetscCall(CfxTensorCreate(3, tshape, &g.T));
  PetscCall(CfxTensorFillUniform(g.T, &rng, -1, 1));
  PetscCall(CfxJawsCreate(PETSC_COMM_SELF, &g.j));
  PetscCall(CfxJawsSetLambda(g.j, 0.3));
  PetscCall(CfxJawsSetProbes(g.j, 2));
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  for (PetscInt variant = 0; variant < 2; variant++) {
    PetscCall(CfxJawsSetSensitivityType(g.j, variant ? CFXJAWS_HINGE : CFXJAWS_SQUARED));
    PetscCall(CfxJawsSetContraction(g.j, 0.5)); /* hinge active at some cells, not all */
    /* The penalty divides f(u + eps v) - f(u) by eps = 1e-3, so the few-ulp noise of the activation
       kernels is amplified by 1/eps before the central difference divides by h: at h = 1e-6 that
       noise alone reaches ~3e-5 relative, while h = 1e-5 keeps both it and the O(h^2) error far
       below the 1e-6 limit. */
    PetscCall(CfxGradCheck(tape, PenaltyFn, &g, n, in, 1e-5, &err));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "gradient check of the %s penalty in the parameters: relative error %.2e\n", CfxJawsSensitivityTypes[variant], (double)err));
    CHECK(err < 1e-6, "penalty gradient check failed: %g", (double)err);
  }
  /* K = 3 unrolled loss, plain and checkpointed */
  g.K = 3;
  PetscCall(CfxGradCheck(tape, UnrolledFn, &g, n, in, 1e-6, &err));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "gradient check of the 3-step unrolled loss: relative error %.2e\n", (double)err));
  CHECK(err < 1e-6, "unrolled-loss gradient check failed: %g", (double)err);
  g.ck.step = CfxJawsStepFluxNO;
  g.ck.ctx  = g.m;
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &g.ck.inner));
  PetscCall(CfxGradCheck(tape, UnrolledFn, &g, n, in, 1e-6, &err));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "gradient check of the checkpointed 3-step unrolled loss: relative error %.2e\n", (double)err));
  CHECK(err < 1e-6, "checkpointed unrolled-loss gradient check failed: %g", (double)err);
  PetscCall(CfxTapeDestroy(&g.ck.inner));

  /* the same gradient with and without recomputation, and the memory each tape needed */
  PetscCall(CfxParamSetGetArrays(ps, NULL, &grads));
  PetscCall(PetscMalloc1(size, &g0));
  {
    CfxTape t0, t1;
    CfxArena a;
    CfxTensor L;
    PetscReal diff = 0, nrm = 0;
    PetscInt lshape[2] = {16, 64}, ltshape[3] = {16, 8, 64};
    PetscCall(CfxTensorDestroy(&g.U));
    PetscCall(CfxTensorDestroy(&g.T));
    PetscCall(CfxTensorCreate(2, lshape, &g.U));
    PetscCall(CfxTensorFillUniform(g.U, &rng, -1, 1));
    PetscCall(CfxTensorCreate(3, ltshape, &g.T));
    PetscCall(CfxTensorFillUniform(g.T, &rng, -1, 1));
    g.K = 8;
    PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &t0));
    PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &t1));
    PetscCall(CfxParamSetZeroGrad(ps));
    PetscCall(UnrolledFn(t0, 0, NULL, &g, &L));
    PetscCall(CfxTapeBackward(t0, L));
    PetscCall(CfxTapeGetArena(t0, &a));
    PetscCall(CfxArenaGetUsage(a, &peak0, NULL));
    PetscCall(PetscArraycpy(g0, grads, size));
    PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &g.ck.inner));
    PetscCall(CfxParamSetZeroGrad(ps));
    PetscCall(UnrolledFn(t1, 0, NULL, &g, &L));
    PetscCall(CfxTapeBackward(t1, L));
    PetscCall(CfxTapeGetArena(t1, &a));
    PetscCall(CfxArenaGetUsage(a, &peak1, NULL));
    PetscCall(CfxTapeGetArena(g.ck.inner, &a));
    PetscCall(CfxArenaGetUsage(a, NULL, &peakInner));
    for (PetscInt i = 0; i < size; i++) {
      diff += (grads[i] - g0[i]) * (grads[i] - g0[i]);
      nrm += g0[i] * g0[i];
    }
    diff = PetscSqrtReal(diff / nrm);
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "8-step unroll, batch 16 x 64: gradient with recomputation differs by %.1e; tape memory %.0f kB plain, %.0f + %.0f kB with recomputation\n", (double)diff,
                          peak0 / 1024.0, peak1 / 1024.0, peakInner / 1024.0));
    CHECK(diff < 1e-13, "checkpointed and plain unrolled gradients differ by %g", (double)diff);
    CHECK(peak1 + peakInner < peak0 / 2, "recomputation did not halve the tape memory (%zu + %zu vs %zu bytes)", peak1, peakInner, peak0);
    PetscCall(CfxTapeDestroy(&g.ck.inner));
    PetscCall(CfxTapeDestroy(&t0));
    PetscCall(CfxTapeDestroy(&t1));
  }
  PetscCall(PetscFree(g0));
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(CfxTensorDestroy(&g.U));
  PetscCall(CfxTensorDestroy(&g.T));
  PetscCall(CfxJawsDestroy(&g.j));
  PetscCall(CfxFluxNODestroy(&g.m));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestWeights(void)
{
  const PetscInt N = 64;
  CfxJaws j;
  PetscReal U[128], c[128], w[128], mean = 0, wj, ws;

  PetscFunctionBeginUser;
  PetscCall(CfxJawsCreate(PETSC_COMM_SELF, &j));
  PetscCall(CfxJawsSetBeta(j, 1.0));
  /* sample 0: a step, 1 on cells 16..47; sample 1: a smooth tanh front at x = 32 on a sawtooth */
  for (PetscInt x = 0; x < N; x++) {
    U[x]     = (x >= 16 && x < 48) ? 1.0 : 0.0;
    U[N + x] = PetscTanhReal((x - 31.5) / 3.0) - (x - 31.5) / 32.0; /* periodic sawtooth with one steep front */
  }
  PetscCall(CfxJawsComputeWeights(j, 2, N, U, c, w));
  /* exact: |central difference| = 1 at cells 15, 16, 47, 48 and 0 elsewhere, so c = N/4 there */
  wj = (1.0 / (1.0 + N / 4.0)) * N / (N - 4 + 4.0 / (1.0 + N / 4.0));
  ws = N / (N - 4 + 4.0 / (1.0 + N / 4.0));
  for (PetscInt x = 0; x < N; x++) {
    PetscBool jump = (PetscBool)(x == 15 || x == 16 || x == 47 || x == 48);
    CHECK(PetscAbsReal(c[x] - (jump ? N / 4.0 : 0.0)) < 1e-14, "complexity at cell %" PetscInt_FMT " is %g", x, (double)c[x]);
    CHECK(PetscAbsReal(w[x] - (jump ? wj : ws)) < 1e-14, "weight at cell %" PetscInt_FMT " is %g, expected %g", x, (double)w[x], (double)(jump ? wj : ws));
    mean += w[x] / N;
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "step weights (beta 1): %.4f at the jumps, %.4f in the flat parts, mean %.15f\n", (double)wj, (double)ws, (double)mean));
  CHECK(wj < 0.1 && ws > 1 && PetscAbsReal(mean - 1) < 1e-14, "step-function weights not small at the jump / large elsewhere / mean 1");
  /* the smooth front: the smallest weight at the steepest cell, weights rise away from it */
  {
    PetscInt xmin = 0;
    PetscReal m2  = 0;
    for (PetscInt x = 0; x < N; x++) {
      if (w[N + x] < w[N + xmin]) xmin = x;
      m2 += w[N + x] / N;
    }
    CHECK((xmin == 31 || xmin == 32) && PetscAbsReal(m2 - 1) < 1e-14, "front weights: minimum at cell %" PetscInt_FMT ", mean %g", xmin, (double)m2);
    for (PetscInt x = 32; x < 37; x++) CHECK(w[N + x + 1] > w[N + x], "front weights do not rise away from the front at cell %" PetscInt_FMT, x);
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "tanh front: w %.3f at the front, %.3f at 8 cells, %.3f at 24 cells\n", (double)w[N + 32], (double)w[N + 40], (double)w[N + 56]));
  }
  /* uniform switch and a constant state */
  PetscCall(CfxJawsSetWeightingType(j, CFXJAWS_UNIFORM));
  PetscCall(CfxJawsComputeWeights(j, 2, N, U, NULL, w));
  for (PetscInt x = 0; x < 2 * N; x++) CHECK(w[x] == 1.0, "uniform weight %g at %" PetscInt_FMT, (double)w[x], x);
  PetscCall(CfxJawsSetWeightingType(j, CFXJAWS_ADAPTIVE));
  for (PetscInt x = 0; x < N; x++) U[x] = 0.7;
  PetscCall(CfxJawsComputeWeights(j, 1, N, U, c, w));
  for (PetscInt x = 0; x < N; x++) CHECK(w[x] == 1.0 && c[x] == 0.0, "constant state: weight %g, complexity %g", (double)w[x], (double)c[x]);
  PetscCall(CfxJawsDestroy(&j));
  PetscFunctionReturn(0);
}

/* Largest Jacobian row norm of the step at U. */
static PetscErrorCode MaxRowNorm(CfxFluxNO m, PetscInt N, const PetscReal U[], PetscReal *mx)
{
  PetscReal J[24 * 24];

  PetscFunctionBeginUser;
  PetscCall(ReverseJacobian(m, 1, N, U, J));
  *mx = 0;
  for (PetscInt x = 0; x < N; x++) {
    PetscReal r = 0;
    for (PetscInt y = 0; y < N; y++) r += J[x * N + y] * J[x * N + y];
    *mx = PetscMax(*mx, PetscSqrtReal(r));
  }
  PetscFunctionReturn(0);
}

/* Fits the FNO baseline to an expansive linear map u -> u + 0.8 (u_{j+1} - u_{j-1}) (row norm
   sqrt(2.28)) for 300 Adam steps, with the given JAWS weight; returns the largest row norm of
   the fitted model's Jacobian at a held-out state and a copy of the final parameters. */
static PetscErrorCode Fit(PetscReal lambda, CfxJawsSensitivityType sens, PetscReal *rownorm, PetscReal *params, PetscInt *np)
{
  const PetscInt B = 8, N = 24;
  PetscInt shape[2] = {B, N};
  CfxFluxNO m;
  CfxJaws j;
  CfxParamSet ps;
  CfxOptimizer opt;
  CfxTape tape;
  PetscReal U[8 * 24], T[8 * 24], Ut[24], *vals;

  PetscFunctionBeginUser;
  PetscCall(NewModelModes(CFXFLUXNO_FNO1D, 21, 13, &m)); /* every mode of N = 24: the map is representable */
  PetscCall(CfxFluxNOGetParamSet(m, &ps));
  PetscCall(CfxOptimizerCreate(PETSC_COMM_SELF, &opt));
  PetscCall(CfxOptimizerSetParamSet(opt, ps));
  PetscCall(CfxOptimizerSetType(opt, CFX_OPTIMIZER_ADAM));
  PetscCall(CfxOptimizerSetLearningRate(opt, 1e-2));
  PetscCall(CfxOptimizerSetUp(opt));
  PetscCall(CfxJawsCreate(PETSC_COMM_SELF, &j));
  PetscCall(CfxJawsSetLambda(j, lambda));
  PetscCall(CfxJawsSetSensitivityType(j, sens));
  PetscCall(CfxJawsSetProbes(j, 2));
  PetscCall(CfxJawsSetSeed(j, 4));
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  for (PetscInt it = 0; it < 300; it++) {
    CfxTensor Ui, Ti, V, d, L, P;
    PetscCall(RandomState(100 + (uint64_t)it, B * N, U));
    for (PetscInt b = 0; b < B; b++)
      for (PetscInt x = 0; x < N; x++) T[b * N + x] = U[b * N + x] + 0.8 * (U[b * N + (x + 1) % N] - U[b * N + (x + N - 1) % N]);
    PetscCall(CfxTapeNewTensorWithData(tape, 2, shape, U, &Ui));
    PetscCall(CfxTapeNewTensorWithData(tape, 2, shape, T, &Ti));
    PetscCall(CfxFluxNOStep(m, tape, Ui, &V));
    PetscCall(CfxOpSub(tape, V, Ti, &d));
    PetscCall(CfxOpSquare(tape, d, &d));
    PetscCall(CfxOpSum(tape, d, -1, &L));
    if (lambda > 0) {
      PetscCall(CfxJawsSetProbeIndex(j, (uint64_t)it, 0));
      PetscCall(CfxJawsPenalty(j, tape, CfxJawsStepFluxNO, m, Ui, V, &P));
      PetscCall(CfxOpAdd(tape, L, P, &L));
    }
    PetscCall(CfxParamSetZeroGrad(ps));
    PetscCall(CfxTapeBackward(tape, L));
    PetscCall(CfxTapeReset(tape));
    PetscCall(CfxOptimizerStep(opt));
  }
  PetscCall(RandomState(7, N, Ut));
  PetscCall(MaxRowNorm(m, N, Ut, rownorm));
  PetscCall(CfxParamSetGetSize(ps, np));
  PetscCall(CfxParamSetGetArrays(ps, &vals, NULL));
  if (params) PetscCall(PetscArraycpy(params, vals, *np));
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(CfxJawsDestroy(&j));
  PetscCall(CfxOptimizerDestroy(&opt));
  PetscCall(CfxFluxNODestroy(&m));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestRowNormAndDeterminism(void)
{
  PetscReal r0, r1, r2, r3, *p1, *p2;
  PetscInt np;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(100000, &p1, 100000, &p2));
  PetscCall(Fit(0.0, CFXJAWS_SQUARED, &r0, NULL, &np));
  CHECK(np <= 100000, "test model too large");
  PetscCall(Fit(1.0, CFXJAWS_SQUARED, &r1, p1, &np));
  PetscCall(Fit(1.0, CFXJAWS_SQUARED, &r2, p2, &np));
  PetscCall(Fit(1.0, CFXJAWS_HINGE, &r3, NULL, &np));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "largest Jacobian row norm after fitting an expansive map (exact 1.510): %.3f without penalty, %.3f squared JAWS, %.3f hinge JAWS (rho 1)\n", (double)r0,
                        (double)r1, (double)r3));
  CHECK(r1 < 0.85 * r0, "the squared penalty did not lower the largest row norm: %g vs %g", (double)r1, (double)r0);
  /* the hinge acts on each probe's |(Jv)(x)|, whose largest value is the row's l1 norm, so it
     pulls the l2 row norm below rho rather than onto it */
  CHECK(r3 < 0.85 * r0 && r3 < 1.0, "the hinge penalty (rho 1) did not bring the largest row norm below 1: %g (unpenalised %g)", (double)r3, (double)r0);
  CHECK(r1 == r2, "two identical runs differ in the row norm");
  for (PetscInt i = 0; i < np; i++) CHECK(p1[i] == p2[i], "two identical runs differ in parameter %" PetscInt_FMT ": %.17g vs %.17g", i, (double)p1[i], (double)p2[i]);
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "two runs with the same seeds: %" PetscInt_FMT " parameters bitwise identical\n", np));
  PetscCall(PetscFree2(p1, p2));
  PetscFunctionReturn(0);
}

/* Same probe index: bitwise identical penalty; probes depend on the global sample only. */
static PetscErrorCode TestProbes(void)
{
  const PetscInt N = 70;
  CfxJaws j;
  PetscReal a[4 * 70], b[2 * 70], c[4 * 70];
  PetscInt plus = 0;
  PetscBool same;

  PetscFunctionBeginUser;
  PetscCall(CfxJawsCreate(PETSC_COMM_SELF, &j));
  PetscCall(CfxJawsSetSeed(j, 9));
  PetscCall(CfxJawsProbe(j, 5, 1, 10, 4, N, a));
  PetscCall(CfxJawsProbe(j, 5, 1, 12, 2, N, b)); /* samples 12, 13 drawn as a batch of their own */
  PetscCall(CfxJawsProbe(j, 6, 1, 10, 4, N, c));
  for (PetscInt i = 0; i < 2 * N; i++) CHECK(a[2 * N + i] == b[i], "probe of sample %" PetscInt_FMT " depends on the batch split", 12 + i / N);
  for (PetscInt i = 0; i < 4 * N; i++) {
    CHECK(a[i] == 1.0 || a[i] == -1.0, "probe entry %g is not +-1", (double)a[i]);
    plus += a[i] > 0;
  }
  PetscCall(PetscMemcmp(a, c, sizeof(a), &same));
  CHECK(!same, "different draws gave the same probes");
  CHECK(plus > 100 && plus < 180, "%" PetscInt_FMT " of 280 probe entries are +1", plus);
  PetscCall(CfxJawsDestroy(&j));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscFunctionBeginUser;
  PetscCall(CfxInitialize(&argc, &argv, NULL, NULL));
  PetscCall(TestJVP(CFXFLUXNO_FNO1D));
  PetscCall(TestJVP(CFXFLUXNO_FLUX));
  PetscCall(TestHutchinson());
  PetscCall(TestGradients());
  PetscCall(TestWeights());
  PetscCall(TestProbes());
  PetscCall(TestRowNormAndDeterminism());
  PetscCall(CfxFinalize());
  return 0;
}
