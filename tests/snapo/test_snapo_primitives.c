/* Adjoints of the SNAPO smooth primitives (and of the core smooth max/min and softmax they
   are used with), two ways:
   - dot-product identity <J v, w> = <v, J^T w>: J^T w from the tape's reverse sweep, J v from
     an independent complex-step tangent (f(x + i h v) with h = 1e-30, exact to rounding),
     agreement to 1e-12 relative to sum |(Jv)_i w_i|;
   - central differences (CfxGradCheck, step 1e-6), relative error <= 1e-6.
   Inputs are drawn on the scale of each primitive's kink (|x| ~ eps, y ~ q) so both branches
   and the transition region are exercised. Also: value limits (softplus-max -> max, smooth
   |x| -> |x|) and the storage action's feasibility on extreme z. */
#include <conflux/conflux.h>
#include <conflux/cfxsnapo.h>
#include <complex.h>

typedef double complex cplx;

static const CfxSnapoStorage ST = {1.0, 0.01, 0.02};

static cplx CSigmoid(cplx x) { return 1.0 / (1.0 + cexp(-x)); }

/* Complex versions of the formulas (written independently of the library kernels). */
typedef enum { K_SPMAX, K_SABS, K_SBOX, K_BOXMAP, K_STORAGE, K_SMAX, K_SMIN, K_SOFTMAX } Kind;
static const char *names[] = {"softplus-max", "smooth |x|", "sigmoid box", "box map", "storage action", "smooth max (core)", "smooth min (core)", "softmax weights (core)"};

#define BETA 7.0
#define EPS  0.05
#define LO   (-0.3)
#define HI   0.6

/* y = f(x) for n outputs from the input arrays (x0, x1 of n entries; softmax on rows of 4). */
static void CForward(Kind k, PetscInt n, const cplx *x0, const cplx *x1, cplx *y)
{
  for (PetscInt i = 0; i < n; i++) {
    switch (k) {
      case K_SPMAX: y[i] = clog(1.0 + cexp(BETA * x0[i])) / BETA; break;
      case K_SABS: y[i] = csqrt(x0[i] * x0[i] + EPS * EPS) - EPS; break;
      case K_SBOX: y[i] = CSigmoid(BETA * (x0[i] - LO)) * CSigmoid(BETA * (HI - x0[i])); break;
      case K_BOXMAP: y[i] = LO + (HI - LO) * CSigmoid(x0[i]); break;
      case K_STORAGE: {
        cplx yy  = ST.imax * CSigmoid(x0[i]) - x1[i];
        double q = creal(yy) >= 0 ? ST.qin : ST.qout;
        y[i]     = q * ctanh(yy / q);
      } break;
      case K_SMAX: y[i] = x1[i] + clog(1.0 + cexp(BETA * (x0[i] - x1[i]))) / BETA; break;
      case K_SMIN: y[i] = x0[i] - clog(1.0 + cexp(BETA * (x0[i] - x1[i]))) / BETA; break;
      case K_SOFTMAX:
        if (i % 4 == 0) {
          cplx s = 0;
          for (PetscInt j = 0; j < 4; j++) s += cexp(x0[i + j]);
          for (PetscInt j = 0; j < 4; j++) y[i + j] = cexp(x0[i + j]) / s;
        }
        break;
    }
  }
}

static PetscInt NumInputs(Kind k) { return (k == K_STORAGE || k == K_SMAX || k == K_SMIN) ? 2 : 1; }

static PetscErrorCode TapeForward(CfxTape tape, PetscInt nin, CfxTensor in[], void *ctx, CfxTensor *y)
{
  Kind k = *(Kind *)ctx;

  PetscFunctionBeginUser;
  (void)nin;
  switch (k) {
    case K_SPMAX: PetscCall(CfxOpSnapoSoftplusMax(tape, in[0], BETA, y)); break;
    case K_SABS: PetscCall(CfxOpSnapoSmoothAbs(tape, in[0], EPS, y)); break;
    case K_SBOX: PetscCall(CfxOpSnapoSigmoidBox(tape, in[0], LO, HI, BETA, y)); break;
    case K_BOXMAP: PetscCall(CfxOpSnapoBoxMap(tape, in[0], LO, HI, y)); break;
    case K_STORAGE: PetscCall(CfxOpSnapoStorageAction(tape, in[0], in[1], &ST, y)); break;
    case K_SMAX: PetscCall(CfxOpSmoothMax(tape, in[0], in[1], BETA, y)); break;
    case K_SMIN: PetscCall(CfxOpSmoothMin(tape, in[0], in[1], BETA, y)); break;
    case K_SOFTMAX: PetscCall(CfxOpSoftmax(tape, in[0], y)); break;
  }
  PetscFunctionReturn(0);
}

/* Inputs on the scale where each primitive bends. */
static void DrawInputs(Kind k, CfxRNG *rng, PetscInt n, PetscReal *x0, PetscReal *x1)
{
  for (PetscInt i = 0; i < n; i++) {
    switch (k) {
      case K_SPMAX:
      case K_SMAX:
      case K_SMIN:
        x0[i] = CfxRNGUniform(rng) * 1.0 - 0.5;
        x1[i] = CfxRNGUniform(rng) * 1.0 - 0.5;
        break;
      case K_SABS: x0[i] = (CfxRNGUniform(rng) * 2.0 - 1.0) * 4 * EPS; break;
      case K_SBOX: x0[i] = LO - 0.3 + CfxRNGUniform(rng) * (HI - LO + 0.6); break;
      case K_BOXMAP:
      case K_SOFTMAX: x0[i] = CfxRNGNormal(rng) * 2.0; break;
      case K_STORAGE:
        /* y = s(z) - I within a few q of 0 on both sides, plus some far from it */
        x1[i] = CfxRNGUniform(rng);
        {
          PetscReal y = (i % 3 == 0) ? CfxRNGUniform(rng) - x1[i] : (CfxRNGUniform(rng) * 2.0 - 1.0) * 0.06;
          PetscReal s = PetscMin(PetscMax(x1[i] + y, 1e-3), 1 - 1e-3);
          x0[i]       = log(s / (1 - s));
        }
        break;
    }
  }
}

static PetscErrorCode DotProductTest(CfxTape tape, Kind k, PetscInt n, PetscInt seed, PetscReal *relerr)
{
  PetscInt shape[2] = {n / 4, 4}, nin = NumInputs(k);
  CfxTensor in[2], y;
  CfxRNG rng;
  PetscReal x0[64], x1[64], v0[64], v1[64], w[64], jv[64];
  cplx c0[64], c1[64], cy[64];
  PetscReal lhs = 0, rhs = 0, scale = 0;
  const PetscReal h = 1e-30;

  PetscFunctionBeginUser;
  PetscCheck(n <= 64 && n % 4 == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "test size");
  PetscCall(CfxRNGSetSeed(&rng, 77, (uint64_t)seed));
  DrawInputs(k, &rng, n, x0, x1);
  for (PetscInt i = 0; i < n; i++) {
    v0[i] = CfxRNGNormal(&rng);
    v1[i] = CfxRNGNormal(&rng);
    w[i]  = CfxRNGNormal(&rng);
  }
  /* J v by complex step in direction (v0, v1) */
  for (PetscInt i = 0; i < n; i++) {
    c0[i] = x0[i] + I * h * v0[i];
    c1[i] = x1[i] + I * h * (nin > 1 ? v1[i] : 0.0);
  }
  CForward(k, n, c0, c1, cy);
  for (PetscInt i = 0; i < n; i++) jv[i] = cimag(cy[i]) / h;
  /* J^T w by the reverse sweep */
  PetscCall(CfxTensorCreateWithData(2, shape, x0, &in[0]));
  PetscCall(CfxTensorCreateWithData(2, shape, x1, &in[1]));
  for (PetscInt j = 0; j < nin; j++) PetscCall(CfxTensorSetRequiresGrad(in[j], PETSC_TRUE));
  PetscCall(TapeForward(tape, nin, in, &k, &y));
  /* the forward values agree with the independent formula */
  for (PetscInt i = 0; i < n; i++)
    PetscCheck(fabs(y->data[i] - creal(cy[i])) <= 1e-14 * (1 + fabs(creal(cy[i]))), PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: forward value %d is %.17g, expected %.17g", names[k], (int)i, y->data[i],
               creal(cy[i]));
  PetscCall(CfxTapeBackwardWithSeed(tape, y, w));
  for (PetscInt i = 0; i < n; i++) {
    lhs += jv[i] * w[i];
    scale += fabs(jv[i] * w[i]);
    rhs += v0[i] * in[0]->grad[i] + (nin > 1 ? v1[i] * in[1]->grad[i] : 0.0);
  }
  *relerr = fabs(lhs - rhs) / scale;
  PetscCall(CfxTapeReset(tape));
  PetscCall(CfxTensorDestroy(&in[0]));
  PetscCall(CfxTensorDestroy(&in[1]));
  PetscFunctionReturn(0);
}

/* Central differences on the same inputs through the core gradient-check harness. */
static PetscErrorCode FDTest(CfxTape tape, Kind k, PetscInt seed, PetscReal *err)
{
  PetscInt shape[2] = {4, 4}, nin = NumInputs(k);
  CfxTensor in[2];
  CfxRNG rng;
  PetscReal x0[16], x1[16];

  PetscFunctionBeginUser;
  PetscCall(CfxRNGSetSeed(&rng, 78, (uint64_t)seed));
  DrawInputs(k, &rng, 16, x0, x1);
  PetscCall(CfxTensorCreateWithData(2, shape, x0, &in[0]));
  PetscCall(CfxTensorCreateWithData(2, shape, x1, &in[1]));
  for (PetscInt j = 0; j < nin; j++) PetscCall(CfxTensorSetRequiresGrad(in[j], PETSC_TRUE));
  PetscCall(CfxGradCheck(tape, TapeForward, &k, nin, in, k == K_SABS ? 1e-8 : 1e-6, err));
  PetscCall(CfxTensorDestroy(&in[0]));
  PetscCall(CfxTensorDestroy(&in[1]));
  PetscFunctionReturn(0);
}

/* Limits and feasibility. */
static PetscErrorCode LimitTests(void)
{
  PetscFunctionBeginUser;
  for (PetscReal b = 10; b <= 1e6; b *= 10) {
    PetscReal worst = 0;
    for (PetscReal x = -1; x <= 1; x += 1.0 / 64) worst = PetscMax(worst, fabs(CfxSnapoSoftplusMax(x, b, NULL) - PetscMax(x, 0)));
    PetscCheck(worst <= log(2.0) / b * (1 + 1e-12), PETSC_COMM_SELF, PETSC_ERR_PLIB, "softplus-max error %g above log2/beta = %g", worst, log(2.0) / b);
  }
  for (PetscReal e = 1e-1; e >= 1e-6; e /= 10) {
    PetscReal worst = 0;
    for (PetscReal x = -1; x <= 1; x += 1.0 / 64) worst = PetscMax(worst, fabs(CfxSnapoSmoothAbs(x, e, NULL) - fabs(x)));
    PetscCheck(worst <= e, PETSC_COMM_SELF, PETSC_ERR_PLIB, "smooth |x| error %g above eps = %g", worst, e);
  }
  PetscCheck(CfxSnapoSmoothAbs(0, 1e-3, NULL) == 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "smooth |0| must be exactly 0");
  /* storage action on extreme z and every inventory level: never leaves [0, I_max] or the rate box */
  for (PetscReal z = -800; z <= 800; z += 0.37) {
    for (PetscReal inv = 0; inv <= ST.imax; inv += ST.imax / 97) {
      PetscReal a = CfxSnapoStorageAction(&ST, z, inv, NULL, NULL), next = inv + a;
      PetscCheck(next >= 0 && next <= ST.imax && a <= ST.qin && a >= -ST.qout, PETSC_COMM_SELF, PETSC_ERR_PLIB, "storage action infeasible: z %g I %g a %g", z, inv, a);
    }
  }
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  CfxTape tape;
  PetscReal worst_dot = 0, worst_fd = 0;

  PetscCall(CfxInitialize(&argc, &argv, NULL, NULL));
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  for (Kind k = K_SPMAX; k <= K_SOFTMAX; k++) {
    PetscReal dot = 0, fd;
    for (PetscInt s = 0; s < 5; s++) {
      PetscReal e;
      PetscCall(DotProductTest(tape, k, 64, 10 * k + s, &e));
      dot = PetscMax(dot, e);
    }
    PetscCall(FDTest(tape, k, k, &fd));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "%-24s dot-product identity %.2e   central differences %.2e\n", names[k], (double)dot, (double)fd));
    PetscCheck(dot <= 1e-12, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: dot-product identity off by %g > 1e-12", names[k], (double)dot);
    PetscCheck(fd <= 1e-6, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: central differences off by %g > 1e-6", names[k], (double)fd);
    worst_dot = PetscMax(worst_dot, dot);
    worst_fd  = PetscMax(worst_fd, fd);
  }
  PetscCall(LimitTests());
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "all primitives: worst dot-product %.2e, worst FD %.2e; limits and feasibility hold\n", (double)worst_dot, (double)worst_fd));
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(CfxFinalize());
  return 0;
}
