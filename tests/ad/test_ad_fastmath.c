static const char help[] = "Accuracy of the vectorised exp, tanh, GELU, sigmoid and SiLU kernels (values and derivatives) against long-double references.\n"
                           "The kernel set is chosen with the environment variable CFX_FASTMATH_ISA (base, avx2; default: the best the CPU has).\n";

/* Each activation is applied through CfxOpActivation / CfxOpExp to 2^17 points spread over
   its whole range (uniform, plus a log-spaced sweep of tiny to huge magnitudes of both signs),
   and its derivative is read back from the gradient of sum(act(x)). Both are compared with
   the same formula evaluated in long double; the error is
   measured in units of the reference's ulp (relative to the larger of |ref| and a floor that
   excludes values that are zero to working accuracy, e.g. GELU far in its negative tail). */
#include <conflux/conflux.h>
#include <float.h>

#define NPTS ((PetscInt)1 << 17)

typedef enum { F_EXP, F_TANH, F_GELU, F_SIGMOID, F_SILU } Fn;

/* References in long double (64-bit significand), so that they are exact to well below a
   double ulp even where the argument is large (exp(-x^2/2) at |x| = 30). */
static PetscReal RefValue(Fn f, PetscReal xd)
{
  long double x = xd;
  switch (f) {
    case F_EXP: return (PetscReal)expl(x);
    case F_TANH: return (PetscReal)tanhl(x);
    case F_GELU: return (PetscReal)(0.5L * x * erfcl(-x / sqrtl(2.0L)));
    case F_SIGMOID: return (PetscReal)(1.0L / (1.0L + expl(-x)));
    default: return (PetscReal)(x / (1.0L + expl(-x)));
  }
}

/* The derivative, and in *scale the size of the terms it is computed from: where they cancel
   (zeros of the GELU and SiLU derivatives; 1 - tanh^2 and s (1 - s) computed from the output
   near saturation) errors are measured in ulps of that size instead. */
static PetscReal RefDeriv(Fn f, PetscReal xd, PetscReal *scale)
{
  long double x = xd, s = 1.0L / (1.0L + expl(-x)), t = tanhl(x), cdf = 0.5L * erfcl(-x / sqrtl(2.0L)), pdf = expl(-0.5L * x * x) / sqrtl(2.0L * 3.14159265358979323846264338327950288L);
  switch (f) {
    case F_EXP: *scale = 0; return (PetscReal)expl(x);
    case F_TANH: *scale = (PetscReal)fabsl(t); return (PetscReal)(1.0L - t * t);
    case F_GELU: *scale = (PetscReal)(cdf + fabsl(x) * pdf); return (PetscReal)(cdf + x * pdf);
    case F_SIGMOID: *scale = (PetscReal)s; return (PetscReal)(s * (1.0L - s));
    default: *scale = (PetscReal)(s * (1.0L + fabsl(x) * (1.0L - s))); return (PetscReal)(s * (1.0L + x * (1.0L - s)));
  }
}

/* |a - ref| in ulps of max(|ref|, floor) */
static PetscReal Ulps(PetscReal a, PetscReal ref, PetscReal floor)
{
  PetscReal m = PetscMax(PetscAbsReal(ref), floor);
  if (a == ref) return 0;
  return PetscAbsReal(a - ref) / (m * DBL_EPSILON);
}

static PetscErrorCode CheckFn(CfxTape tape, Fn f, const char *name, PetscReal lo, PetscReal hi, PetscReal floor, PetscReal maxval, PetscReal maxder)
{
  PetscInt n = NPTS, shape[1] = {NPTS};
  CfxTensor x, y, s;
  CfxRNG rng;
  PetscReal ev = 0, ed = 0, xv = 0, xd = 0;

  PetscFunctionBeginUser;
  PetscCall(CfxTensorCreate(1, shape, &x));
  PetscCall(CfxRNGSetSeed(&rng, 7, (uint64_t)f));
  PetscCall(CfxTensorFillUniform(x, &rng, lo, hi));
  /* a quarter of the points log-spaced from 1e-300 up to max(|lo|, |hi|), alternating signs */
  for (PetscInt i = 0; i < n / 4; i++) {
    PetscReal t = (PetscReal)i / (n / 4 - 1), m = PetscExpReal(PetscLogReal(1e-300) * (1 - t) + PetscLogReal(PetscMax(-lo, hi)) * t);
    x->data[i] = (i % 2 ? -m : m);
    x->data[i] = PetscMin(PetscMax(x->data[i], lo), hi);
  }
  x->data[n / 4] = 0.0;
  PetscCall(CfxTensorSetRequiresGrad(x, PETSC_TRUE));
  PetscCall(CfxTensorZeroGrad(x));
  PetscCall(CfxTapeReset(tape));
  if (f == F_EXP)
    PetscCall(CfxOpExp(tape, x, &y));
  else
    PetscCall(CfxOpActivation(tape, x, f == F_TANH ? CFX_ACT_TANH : f == F_GELU ? CFX_ACT_GELU : f == F_SIGMOID ? CFX_ACT_SIGMOID : CFX_ACT_SILU, &y));
  PetscCall(CfxOpSum(tape, y, -1, &s));
  PetscCall(CfxTapeBackward(tape, s));
  for (PetscInt i = 0; i < n; i++) {
    PetscReal scale, d = RefDeriv(f, x->data[i], &scale);
    PetscReal uv = Ulps(y->data[i], RefValue(f, x->data[i]), floor), ud = Ulps(x->grad[i], d, PetscMax(scale, floor));
    if (!(uv <= ev)) {
      ev = uv;
      xv = x->data[i];
    }
    if (!(ud <= ed)) {
      ed = ud;
      xd = x->data[i];
    }
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%-8s value: max %.2f ulp (at x = %.17g); derivative: max %.2f ulp (at x = %.17g)\n", name, (double)ev, (double)xv, (double)ed, (double)xd));
  PetscCheck(ev <= maxval, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: value error %.2f ulp at x = %.17g exceeds %.1f ulp", name, (double)ev, (double)xv, (double)maxval);
  PetscCheck(ed <= maxder, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: derivative error %.2f ulp at x = %.17g exceeds %.1f ulp", name, (double)ed, (double)xd, (double)maxder);
  PetscCall(CfxTensorDestroy(&x));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  CfxTape tape;

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "CFX_FASTMATH_ISA=%s\n", getenv("CFX_FASTMATH_ISA") ? getenv("CFX_FASTMATH_ISA") : "(best)"));
  /* Bounds: 2-3 ulp where the kernel's own error dominates. exp returns 0 below -708 (libm:
     subnormals down to -745), so its range stops there and results below 1e-290 are compared
     in absolute terms. GELU: for x just above -2.12 (a = |x|/sqrt2 just below 1.5) the value is
     (1 - erf(a))/2 with 1 - erf(a) >= 0.034, which amplifies erf's ~1 ulp by up to 30. SiLU's
     derivative s (1 + x (1 - s)) takes 1 - s from the rounded output: |x|/2 ulp near x = 37. */
  PetscCall(CheckFn(tape, F_EXP, "exp", -708, 709, DBL_MIN, 2, 2));
  PetscCall(CheckFn(tape, F_TANH, "tanh", -25, 25, DBL_MIN, 3, 3));
  PetscCall(CheckFn(tape, F_GELU, "gelu", -40, 40, 1e-290, 48, 8));
  PetscCall(CheckFn(tape, F_SIGMOID, "sigmoid", -740, 740, 1e-290, 3, 3));
  PetscCall(CheckFn(tape, F_SILU, "silu", -740, 740, 1e-290, 3, 24));
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(CfxFinalize());
  return 0;
}
