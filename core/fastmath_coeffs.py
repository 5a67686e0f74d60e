"""Generates the polynomial coefficients of core/fastmath_kernels.h (erf for GELU).

Each polynomial interpolates the function at Chebyshev nodes of its interval (computed with
40-digit mpmath), written in monomials of s = (x - c) / h, and is checked in double-precision
Horner evaluation against mpmath on 400 points; the printed maximum relative errors are
the ones quoted in the header.
  erf(a) / a             as a polynomial in u = a^2  on [0, 2.25]   (|a| < 1.5)
  a exp(a^2) erfc(a)     as a polynomial in t = 1/a  on [1/27, 2/3] (1.5 <= |a| <= 27;
                                                                    beyond, exp(-a^2) underflows)
usage: /usr/bin/python3 core/fastmath_coeffs.py"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40


def fit(f, lo, hi, deg, npts=400):
    c, h = (lo + hi) / 2, (hi - lo) / 2
    nodes = np.cos(np.pi * (np.arange(deg + 1) + 0.5) / (deg + 1))
    A, b = mp.matrix(deg + 1, deg + 1), mp.matrix(deg + 1, 1)
    for i, s in enumerate(nodes):
        for j in range(deg + 1):
            A[i, j] = mp.mpf(s) ** j
        b[i] = f(c + h * mp.mpf(s))
    coef = [float(v) for v in mp.lu_solve(A, b)]
    err = 0.0
    for x in np.linspace(lo, hi, npts):
        p = 0.0
        for cc in reversed(coef):
            p = p * ((x - c) / h) + cc
        ref = f(mp.mpf(x))
        err = max(err, abs(float((p - ref) / ref)))
    return c, h, coef, err


def small(u):
    return mp.erf(mp.sqrt(u)) / mp.sqrt(u) if u > 0 else 2 / mp.sqrt(mp.pi)


def large(t):
    return mp.erfc(1 / t) * mp.exp(1 / t**2) / t


for name, f, lo, hi, deg in (("ERF_SMALL", small, 0.0, 2.25, 14), ("ERFC_LARGE", large, 1 / 27.0, 2 / 3.0, 22)):
    c, h, coef, err = fit(f, lo, hi, deg)
    print(f"/* max relative error {err:.2e} */")
    print(f"#define CFX_{name}_C {c!r}")
    print(f"#define CFX_{name}_H {h!r}")
    print(f"static const double CFX_{name}[{deg + 1}] = {{" + ", ".join(repr(v) for v in coef) + "};")
