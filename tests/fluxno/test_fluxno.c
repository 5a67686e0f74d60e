/* Unit tests of CfxFluxNO: gradient checks of the Flux NO step and loss (Euler, RK2, FNO and
   MLP flux networks, FNO baseline), exact mass conservation of rollouts, determinism,
   checkpoint round trip, and the learned flux inside CfxFV agreeing with the model's own
   rollout (run on 1 and 2 ranks). */
#include <conflux/conflux.h>

typedef struct {
  CfxFluxNO m;
  CfxTensor target, U;
} GCtx;

/* loss(params[, U]) with fixed targets. The consistency target f(U) is data (no gradient to
   U), so U is an input only when lambda = 0. */
static PetscErrorCode LossFn(CfxTape tape, PetscInt n, CfxTensor in[], void *ctx, CfxTensor *out)
{
  GCtx *g = (GCtx *)ctx;

  PetscFunctionBeginUser;
  (void)n;
  (void)in;
  PetscCall(CfxFluxNOLoss(g->m, tape, g->U, g->target, out, NULL, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode NewModel(const char *type, CfxFluxNONetType net, CfxFluxNOTimeType time, uint64_t seed, PetscInt width, CfxFluxNO *m)
{
  PetscFunctionBeginUser;
  PetscCall(CfxFluxNOCreate(PETSC_COMM_SELF, m));
  PetscCall(CfxFluxNOSetType(*m, type));
  PetscCall(CfxFluxNOSetNetwork(*m, net));
  PetscCall(CfxFluxNOSetTimeStepping(*m, time));
  PetscCall(CfxFluxNOSetSizes(*m, width, net == CFXFLUXNO_NET_MLP ? 2 : 1, 3, width));
  PetscCall(CfxFluxNOSetRatio(*m, 0.2));
  PetscCall(CfxFluxNOSetPhysicalFlux(*m, "burgers", 0, NULL));
  PetscCall(CfxFluxNOSetConsistencyWeight(*m, 0.5));
  PetscCall(CfxFluxNOSetSeed(*m, seed));
  PetscCall(CfxFluxNOSetUp(*m));
  PetscFunctionReturn(0);
}

static PetscErrorCode GradientCheck(const char *type, CfxFluxNONetType net, CfxFluxNOTimeType time)
{
  GCtx g;
  CfxTape tape;
  CfxParamSet ps;
  CfxTensor in[64];
  PetscInt n, shape[2] = {2, 16};
  PetscReal err;
  CfxRNG rng;

  PetscFunctionBeginUser;
  PetscCall(NewModel(type, net, time, 7, 4, &g.m));
  PetscCall(CfxFluxNOGetParamSet(g.m, &ps));
  PetscCall(CfxParamSetGetNumParameters(ps, &n));
  PetscCheck(n < 63, PETSC_COMM_SELF, PETSC_ERR_PLIB, "too many parameters for the test");
  for (PetscInt i = 0; i < n; i++) PetscCall(CfxParamSetGetParameter(ps, i, NULL, &in[i], NULL));
  PetscCall(CfxRNGSetSeed(&rng, 99, 0));
  PetscCall(CfxTensorCreate(2, shape, &in[n]));
  PetscCall(CfxTensorFillUniform(in[n], &rng, -1, 1));
  PetscCall(CfxTensorSetRequiresGrad(in[n], PETSC_TRUE));
  PetscCall(CfxTensorCreate(2, shape, &g.target));
  PetscCall(CfxTensorFillUniform(g.target, &rng, -1, 1));
  g.U = in[n];
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  /* parameters, with the consistency term */
  PetscCall(CfxGradCheck(tape, LossFn, &g, n, in, 1e-6, &err));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "gradient check %-6s net %-3s %-5s, parameters (lambda 0.5): relative error %.2e\n", type, CfxFluxNONetTypes[net], CfxFluxNOTimeTypes[time], (double)err));
  PetscCheck(err <= 1e-6, PETSC_COMM_SELF, PETSC_ERR_PLIB, "gradient check failed: %g > 1e-6", (double)err);
  /* parameters and the state U, time-marching loss only */
  PetscCall(CfxFluxNOSetConsistencyWeight(g.m, 0));
  PetscCall(CfxGradCheck(tape, LossFn, &g, n + 1, in, 1e-6, &err));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "gradient check %-6s net %-3s %-5s, parameters and U (lambda 0): relative error %.2e\n", type, CfxFluxNONetTypes[net], CfxFluxNOTimeTypes[time], (double)err));
  PetscCheck(err <= 1e-6, PETSC_COMM_SELF, PETSC_ERR_PLIB, "gradient check failed: %g > 1e-6", (double)err);
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(CfxTensorDestroy(&in[n]));
  PetscCall(CfxTensorDestroy(&g.target));
  PetscCall(CfxFluxNODestroy(&g.m));
  PetscFunctionReturn(0);
}

static void InitialField(PetscInt B, PetscInt N, PetscReal *u)
{
  for (PetscInt b = 0; b < B; b++)
    for (PetscInt j = 0; j < N; j++) u[b * N + j] = 0.5 + PetscSinReal(2 * PETSC_PI * (j + 0.5) / N + b) + 0.3 * PetscCosReal(6 * PETSC_PI * (j + 0.5) / N);
}

/* Mass of every frame equals the initial mass to 1e-12 relative; rollouts are deterministic. */
static PetscErrorCode Conservation(CfxFluxNONetType net, CfxFluxNOTimeType time)
{
  const PetscInt B = 2, N = 64, K = 200;
  CfxFluxNO m, m2;
  PetscReal *u0, *fr, *fr2, drift = 0;

  PetscFunctionBeginUser;
  PetscCall(NewModel(CFXFLUXNO_FLUX, net, time, 3, 16, &m));
  PetscCall(NewModel(CFXFLUXNO_FLUX, net, time, 3, 16, &m2));
  PetscCall(PetscMalloc3(B * N, &u0, B * (K + 1) * N, &fr, B * (K + 1) * N, &fr2));
  InitialField(B, N, u0);
  PetscCall(CfxFluxNORollout(m, B, N, u0, K, fr));
  PetscCall(CfxFluxNORollout(m2, B, N, u0, K, fr2));
  for (PetscInt b = 0; b < B; b++) {
    PetscReal m0 = 0, s = 0;
    for (PetscInt j = 0; j < N; j++) {
      m0 += u0[b * N + j];
      s += PetscAbsReal(u0[b * N + j]);
    }
    for (PetscInt k = 1; k <= K; k++) {
      PetscReal mk = 0;
      for (PetscInt j = 0; j < N; j++) mk += fr[(b * (K + 1) + k) * N + j];
      drift = PetscMax(drift, PetscAbsReal(mk - m0) / s);
    }
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "mass drift over %" PetscInt_FMT " steps (net %s, %s): %.2e\n", K, CfxFluxNONetTypes[net], CfxFluxNOTimeTypes[time], (double)drift));
  PetscCheck(drift <= 1e-12, PETSC_COMM_SELF, PETSC_ERR_PLIB, "mass drift %g > 1e-12", (double)drift);
  for (PetscInt i = 0; i < B * (K + 1) * N; i++) PetscCheck(fr[i] == fr2[i], PETSC_COMM_SELF, PETSC_ERR_PLIB, "two models from the same seed differ at %" PetscInt_FMT, i);
  PetscCheck(PetscAbsReal(fr[B * (K + 1) * N - 1] - u0[B * N - 1]) > 1e-6, PETSC_COMM_SELF, PETSC_ERR_PLIB, "the rollout did not move");
  PetscCall(PetscFree3(u0, fr, fr2));
  PetscCall(CfxFluxNODestroy(&m));
  PetscCall(CfxFluxNODestroy(&m2));
  PetscFunctionReturn(0);
}

/* Save, load, and the loaded model's rollout is bitwise the original's; other seeds differ. */
static PetscErrorCode RoundTrip(const char *type, CfxFluxNONetType net, const char *file)
{
  const PetscInt N = 32, K = 10;
  CfxFluxNO m, l, o;
  PetscReal u0[32], a[32 * 11], b[32 * 11], c[32 * 11];

  PetscFunctionBeginUser;
  PetscCall(NewModel(type, net, CFXFLUXNO_TIME_RK2, 11, 8, &m));
  PetscCall(NewModel(type, net, CFXFLUXNO_TIME_RK2, 12, 8, &o));
  PetscCall(CfxFluxNOSave(m, file, NULL, 0, 0, NULL));
  PetscCall(CfxFluxNOLoad(PETSC_COMM_SELF, file, &l));
  InitialField(1, N, u0);
  PetscCall(CfxFluxNORollout(m, 1, N, u0, K, a));
  PetscCall(CfxFluxNORollout(l, 1, N, u0, K, b));
  PetscCall(CfxFluxNORollout(o, 1, N, u0, K, c));
  for (PetscInt i = 0; i < N * (K + 1); i++) PetscCheck(a[i] == b[i], PETSC_COMM_SELF, PETSC_ERR_PLIB, "loaded %s model differs at %" PetscInt_FMT ": %g vs %g", type, i, (double)a[i], (double)b[i]);
  PetscCheck(PetscAbsReal(a[N * (K + 1) - 1] - c[N * (K + 1) - 1]) > 1e-10, PETSC_COMM_SELF, PETSC_ERR_PLIB, "seeds 11 and 12 gave the same model");
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "checkpoint round trip %s (net %s): bitwise equal rollouts\n", type, CfxFluxNONetTypes[net]));
  PetscCall(CfxFluxNODestroy(&m));
  PetscCall(CfxFluxNODestroy(&l));
  PetscCall(CfxFluxNODestroy(&o));
  PetscFunctionReturn(0);
}

typedef struct {
  PetscReal *frames; /* [nout, N] on every rank */
  PetscInt N;
} OutCtx;

static PetscErrorCode Gather(CfxFV fv, PetscInt k, PetscReal t, Vec U, void *ctx)
{
  OutCtx *oc = (OutCtx *)ctx;
  VecScatter sc;
  Vec all;
  const PetscScalar *a;

  PetscFunctionBeginUser;
  (void)fv;
  (void)t;
  PetscCall(VecScatterCreateToAll(U, &sc, &all));
  PetscCall(VecScatterBegin(sc, U, all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(sc, U, all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecGetArrayRead(all, &a));
  for (PetscInt j = 0; j < oc->N; j++) oc->frames[k * oc->N + j] = PetscRealPart(a[j]);
  PetscCall(VecRestoreArrayRead(all, &a));
  PetscCall(VecScatterDestroy(&sc));
  PetscCall(VecDestroy(&all));
  PetscFunctionReturn(0);
}

/* The learned flux inside CfxFV (on the world communicator) reproduces CfxFluxNORollout. */
static PetscErrorCode FVAgreement(CfxFluxNONetType net, CfxFluxNOTimeType time)
{
  const PetscInt N = 64, K = 40;
  CfxFluxNO m;
  CfxFV fv;
  Vec X;
  PetscScalar *x;
  PetscReal u0[64], ref[64 * 41], got[64 * 41], times[41], err = 0, dt = 0.2 / N;
  PetscInt xs, xm;
  DM da;
  OutCtx oc = {got, N};

  PetscFunctionBeginUser;
  PetscCall(NewModel(CFXFLUXNO_FLUX, net, time, 5, 16, &m));
  InitialField(1, N, u0);
  PetscCall(CfxFluxNORollout(m, 1, N, u0, K, ref));
  PetscCall(CfxFVCreate(PETSC_COMM_WORLD, &fv));
  PetscCall(CfxFVSetGrid(fv, N, 0, 1));
  PetscCall(CfxFVSetPhysicalFlux(fv, CFXFV_BURGERS));
  PetscCall(CfxFVSetFluxModel(fv, m));
  PetscCall(CfxFVGetSolution(fv, &X));
  PetscCall(CfxFVGetDM(fv, &da));
  PetscCall(DMDAGetCorners(da, &xs, NULL, NULL, &xm, NULL, NULL));
  PetscCall(VecGetArray(X, &x));
  for (PetscInt i = 0; i < xm; i++) x[i] = u0[xs + i];
  PetscCall(VecRestoreArray(X, &x));
  PetscCall(CfxFVSetTime(fv, 0));
  for (PetscInt k = 0; k <= K; k++) times[k] = k * dt;
  PetscCall(CfxFVSolve(fv, K + 1, times, Gather, &oc));
  for (PetscInt i = 0; i < N * (K + 1); i++) err = PetscMax(err, PetscAbsReal(got[i] - ref[i]));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "CfxFV with the learned flux (net %s, %s) vs rollout: max difference %.2e over %" PetscInt_FMT " steps\n", CfxFluxNONetTypes[net], CfxFluxNOTimeTypes[time],
                        (double)err, K));
  PetscCheck(err <= 1e-12, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "FV and rollout differ by %g > 1e-12", (double)err);
  PetscCall(CfxFVDestroy(&fv));
  PetscCall(CfxFluxNODestroy(&m));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscMPIInt size;
  char file[PETSC_MAX_PATH_LEN] = "fluxno_roundtrip.h5";

  PetscCall(CfxInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-file", file, sizeof(file), NULL));
  if (size == 1) {
    PetscCall(GradientCheck(CFXFLUXNO_FLUX, CFXFLUXNO_NET_FNO, CFXFLUXNO_TIME_EULER));
    PetscCall(GradientCheck(CFXFLUXNO_FLUX, CFXFLUXNO_NET_FNO, CFXFLUXNO_TIME_RK2));
    PetscCall(GradientCheck(CFXFLUXNO_FLUX, CFXFLUXNO_NET_MLP, CFXFLUXNO_TIME_EULER));
    PetscCall(GradientCheck(CFXFLUXNO_FNO1D, CFXFLUXNO_NET_FNO, CFXFLUXNO_TIME_EULER));
    PetscCall(Conservation(CFXFLUXNO_NET_FNO, CFXFLUXNO_TIME_EULER));
    PetscCall(Conservation(CFXFLUXNO_NET_FNO, CFXFLUXNO_TIME_RK2));
    PetscCall(Conservation(CFXFLUXNO_NET_MLP, CFXFLUXNO_TIME_EULER));
    PetscCall(RoundTrip(CFXFLUXNO_FLUX, CFXFLUXNO_NET_FNO, file));
    PetscCall(RoundTrip(CFXFLUXNO_FLUX, CFXFLUXNO_NET_MLP, file));
    PetscCall(RoundTrip(CFXFLUXNO_FNO1D, CFXFLUXNO_NET_FNO, file));
  }
  PetscCall(FVAgreement(CFXFLUXNO_NET_FNO, CFXFLUXNO_TIME_EULER));
  PetscCall(FVAgreement(CFXFLUXNO_NET_FNO, CFXFLUXNO_TIME_RK2));
  PetscCall(FVAgreement(CFXFLUXNO_NET_MLP, CFXFLUXNO_TIME_EULER));
  PetscCall(CfxFinalize());
  return 0;
}
