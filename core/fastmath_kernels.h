/* Branch-free double-precision exp, expm1, tanh, sigmoid and the normal CDF (for GELU), and
   the activation loops built on them. fastmath.c includes this file once per instruction set
   (baseline x86-64, AVX2+FMA, AVX-512) with CFX_SFX(name) giving each copy its own names, so
   every loop is compiled as a SIMD loop for that target and one copy is chosen at run time.

   Accuracy (tests/ad/test_ad_fastmath.c compares each function with glibc's libm over wide
   ranges and asserts a few ulp):
   - exp, expm1: x = k ln2 + r, |r| <= ln2/2, Cody-Waite reduction with a 42-bit ln2 so k ln2
     is exact, degree-13 Taylor polynomial of expm1(r) (truncation < 2e-18 relative);
   - tanh(x) = sign(x) u / (u + 2), u = expm1(2|x|), |x| clamped at 20 (tanh = 1 in double);
   - erf(a), a < 1.5: a P(a^2), P of degree 14; erfc(a), 1.5 <= a: exp(-a^2) F(1/a) / a with F
     of degree 22 on 1/a in [1/27, 2/3] (beyond, exp(-a^2) underflows). The
     coefficients and their relative errors (1.5e-16, 2.6e-16) come from
     core/fastmath_coeffs.py; x^2 is split exactly (Dekker) so exp(-a^2) keeps full accuracy. For -2.2 < x < -2.1
     (a just below 1.5) 1 - erf(a) loses up to 5 bits: GELU is within 30 ulp there.
   NaN propagates; exp overflows to inf above 709.78 and returns 0 below -708. */

#ifndef CFX_FASTMATH_CONSTANTS
#define CFX_FASTMATH_CONSTANTS
#define CFX_LN2_HI     0x1.62e42fefa3800p-1 /* 42 significant bits: k * CFX_LN2_HI is exact */
#define CFX_LN2_LO     5.497923018708371e-14
#define CFX_INV_LN2    1.4426950408889634
#define CFX_SHIFTER    0x1.8p52 /* adding it rounds to an integer kept in the low mantissa bits */
#define CFX_FM_SQRT1_2 0.70710678118654752440
#define CFX_FM_SQRT2PI 2.50662827463100050242 /* sqrt(2 pi) */
#define CFX_INV_SQRTPI 0.56418958354775628695 /* 1/sqrt(pi) */
/* erf(a)/a in u = a^2 on [0, 2.25], monomials in (u - C)/H; max relative error 1.48e-16 */
#define CFX_ERF_SMALL_C 1.125
#define CFX_ERF_SMALL_H 1.125
static const double CFX_ERF_SMALL[15] = {0.8168361747839192,     -0.2252525470353008,     0.06590879382585493,     -0.016287513685894407,   0.003385064146382805,
                                         -0.0006015929077912106, 9.302926096193184e-05,   -1.2707918282579539e-05, 1.5529303798830193e-06,  -1.7156383601471648e-07,
                                         1.7287475854659642e-08, -1.6004162691465598e-09, 1.3705874534419503e-10,  -1.1131449008454349e-11, 8.26507508064482e-13};
/* a exp(a^2) erfc(a) in t = 1/a on [1/27, 2/3], monomials in (t - C)/H; max relative error 2.57e-16 */
#define CFX_ERFC_LARGE_C 0.35185185185185186
#define CFX_ERFC_LARGE_H 0.31481481481481477
static const double CFX_ERFC_LARGE[23] = {0.534317723332143,       -0.04628840339300298,    -0.010378484119145623,   0.005858913797396926,    -0.0010825844557902213, -0.0002103616026835521,
                                          0.0002331520638910994,   -8.480090426750753e-05,  8.257400825734658e-06,   9.814548966826225e-06,   -7.36972482914844e-06,  2.713584682052381e-06,
                                          -2.685085122747812e-07,  -3.9752030333693903e-07, 3.3206972181271057e-07,  -1.4262854402420922e-07, 3.407241621289856e-08,  3.7019899527707138e-09,
                                          -1.9856157152879037e-08, 1.8460279592298013e-08,  -3.5690187536268124e-09, -3.57445854416554e-09,   1.5058762335923878e-09};
#endif

/* x = k ln2 + r: returns expm1(r) and sets *s = 2^k; x must lie in [-708, 709] */
static inline double CFX_SFX(Reduce)(double x, double *s)
{
  double kd = x * CFX_INV_LN2 + CFX_SHIFTER, r, p;
  uint64_t kb;

  memcpy(&kb, &kd, sizeof(kb));
  kd -= CFX_SHIFTER;
  r  = (x - kd * CFX_LN2_HI) - kd * CFX_LN2_LO;
  kb = (kb + 1023) << 52; /* the low mantissa bits of kd held k + 2^51 */
  memcpy(s, &kb, sizeof(kb));
  p = 1.0 / 6227020800.0;
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  return r + r * r * p;
}

static inline double CFX_SFX(Clamp)(double x)
{
  x = x > 709.0 ? 709.0 : x;
  return x < -708.0 ? -708.0 : x; /* NaN passes through both */
}

static inline double CFX_SFX(Exp)(double x)
{
  double s, p = CFX_SFX(Reduce)(CFX_SFX(Clamp)(x), &s), e = s + s * p;
  e = x > 709.782712893384 ? (double)INFINITY : e;
  return x < -708.0 ? 0.0 : e;
}

static inline double CFX_SFX(Expm1)(double x)
{
  double s, p = CFX_SFX(Reduce)(CFX_SFX(Clamp)(x), &s);
  return s * p + (s - 1.0);
}

static inline double CFX_SFX(Tanh)(double x)
{
  double a = fabs(x), u;
  a        = a > 20.0 ? 20.0 : a;
  u        = CFX_SFX(Expm1)(2.0 * a);
  return copysign(u / (u + 2.0), x);
}

static inline double CFX_SFX(Sigmoid)(double x) { return 1.0 / (1.0 + CFX_SFX(Exp)(-x)); }

/* Phi(x) = (1 + erf(x/sqrt2))/2 and phi(x) = exp(-x^2/2)/sqrt(2 pi) */
static inline double CFX_SFX(NormCdf)(double x, double *pdf)
{
  double v = x * CFX_FM_SQRT1_2, a = fabs(v), xc = fabs(x), u, lo, ps, pl, t, s, c, xh, xl, e, erfc_l, phi;

  /* x^2/2 = u + lo exactly (Dekker's product; |x| clamped where exp(-x^2/2) is 0 anyway), so
     exp(-x^2/2) has no error from rounding x^2, which would be x^2/2 ulp */
  xc = xc > 40.0 ? 40.0 : xc;
  u  = xc * xc;
  c  = 134217729.0 * xc;
  xh = c - (c - xc);
  xl = xc - xh;
  lo = 0.5 * (((xh * xh - u) + 2.0 * xh * xl) + xl * xl);
  u *= 0.5;
  e = CFX_SFX(Exp)(-u);
  e = e - e * lo;
  /* erf(a) for a < 1.5 (u = a^2 up to rounding) */
  s  = (u - CFX_ERF_SMALL_C) * (1.0 / CFX_ERF_SMALL_H);
  ps = CFX_ERF_SMALL[14];
#pragma GCC unroll 16
  for (int k = 13; k >= 0; k--) ps = ps * s + CFX_ERF_SMALL[k];
  ps *= a;
  /* erfc(a) for a >= 1.5 */
  t  = 1.0 / (a > 1.5 ? a : 1.5);
  t  = t < 1.0 / 27.0 ? 1.0 / 27.0 : t; /* beyond a = 27 exp(-a^2) is 0 */
  s  = (t - CFX_ERFC_LARGE_C) * (1.0 / CFX_ERFC_LARGE_H);
  pl = CFX_ERFC_LARGE[22];
#pragma GCC unroll 24
  for (int k = 21; k >= 0; k--) pl = pl * s + CFX_ERFC_LARGE[k];
  erfc_l = e * pl * t;
  phi    = a < 1.5 ? 0.5 + 0.5 * copysign(ps, v) : (v > 0 ? 1.0 - 0.5 * erfc_l : 0.5 * erfc_l);
  *pdf   = e * (1.0 / CFX_FM_SQRT2PI);
  return phi;
}

/* ---- loops ---- */
#define CFX_SIMD _Pragma("omp simd")

static void CFX_SFX(ActForward)(CfxActivation act, PetscInt n, const PetscReal *z, PetscReal *y)
{
  switch (act) {
    case CFX_ACT_NONE:
      if (y != z)
        for (PetscInt i = 0; i < n; i++) y[i] = z[i];
      break;
    case CFX_ACT_TANH: CFX_SIMD for (PetscInt i = 0; i < n; i++) y[i] = CFX_SFX(Tanh)(z[i]); break;
    case CFX_ACT_GELU:
      CFX_SIMD for (PetscInt i = 0; i < n; i++)
      {
        double pdf, zi = z[i];
        y[i] = zi * CFX_SFX(NormCdf)(zi, &pdf);
      }
      break;
    case CFX_ACT_RELU: CFX_SIMD for (PetscInt i = 0; i < n; i++) y[i] = z[i] > 0 ? z[i] : 0.0; break;
    case CFX_ACT_SIGMOID: CFX_SIMD for (PetscInt i = 0; i < n; i++) y[i] = CFX_SFX(Sigmoid)(z[i]); break;
    case CFX_ACT_SOFTPLUS: /* log1p stays with libm: not on any benchmarked path */
      for (PetscInt i = 0; i < n; i++) y[i] = (z[i] > 0 ? z[i] : 0) + log1p(CFX_SFX(Exp)(-fabs(z[i])));
      break;
    case CFX_ACT_SILU: CFX_SIMD for (PetscInt i = 0; i < n; i++) y[i] = z[i] * CFX_SFX(Sigmoid)(z[i]); break;
  }
}

/* dz (+)= dy * act'(z) (see CfxActBackward) */
static void CFX_SFX(ActBackward)(CfxActivation act, PetscInt n, const PetscReal *z, const PetscReal *y, const PetscReal *dy, PetscReal *dz, PetscBool acc)
{
#define CFX_ACT_LOOP(decl, expr)                \
  do {                                          \
    if (acc) {                                  \
      CFX_SIMD for (PetscInt i = 0; i < n; i++) \
      {                                         \
        decl;                                   \
        dz[i] += dy[i] * (expr);                \
      }                                         \
    } else {                                    \
      CFX_SIMD for (PetscInt i = 0; i < n; i++) \
      {                                         \
        decl;                                   \
        dz[i] = dy[i] * (expr);                 \
      }                                         \
    }                                           \
  } while (0)
  switch (act) {
    case CFX_ACT_NONE: CFX_ACT_LOOP((void)0, 1.0); break;
    case CFX_ACT_TANH: CFX_ACT_LOOP((void)0, 1.0 - y[i] * y[i]); break;
    case CFX_ACT_GELU: CFX_ACT_LOOP(double pdf; double cdf = CFX_SFX(NormCdf)(z[i], &pdf), cdf + z[i] * pdf); break;
    case CFX_ACT_RELU: CFX_ACT_LOOP((void)0, y[i] > 0 ? 1.0 : 0.0); break;
    case CFX_ACT_SIGMOID: CFX_ACT_LOOP((void)0, y[i] * (1.0 - y[i])); break;
    case CFX_ACT_SOFTPLUS: CFX_ACT_LOOP((void)0, CFX_SFX(Sigmoid)(z[i])); break;
    case CFX_ACT_SILU: CFX_ACT_LOOP(double s = CFX_SFX(Sigmoid)(z[i]), s * (1.0 + z[i] * (1.0 - s))); break;
  }
#undef CFX_ACT_LOOP
}

static void CFX_SFX(VecExp)(PetscInt n, const PetscReal *restrict x, PetscReal *restrict y) { CFX_SIMD for (PetscInt i = 0; i < n; i++) y[i] = CFX_SFX(Exp)(x[i]); }

static void CFX_SFX(VecTanh)(PetscInt n, const PetscReal *restrict x, PetscReal *restrict y) { CFX_SIMD for (PetscInt i = 0; i < n; i++) y[i] = CFX_SFX(Tanh)(x[i]); }

static void CFX_SFX(VecNormCdf)(PetscInt n, const PetscReal *restrict x, PetscReal *restrict cdf, PetscReal *restrict pdf)
{
  CFX_SIMD for (PetscInt i = 0; i < n; i++) cdf[i] = CFX_SFX(NormCdf)(x[i], &pdf[i]);
}

#undef CFX_SIMD
