/* Vectorised activation and exp kernels (fastmath_kernels.h), compiled for three instruction
   sets and chosen once at run time from the CPU's features, and split over OpenMP threads
   for long arrays. Every element is computed independently and with the same operations
   whatever the thread count, so results do not depend on OMP_NUM_THREADS. */
#include "cfxtensorimpl.h"
#include <stdint.h>
#include <string.h>

/* The kernels raise no FP exceptions anyone checks: without this, GCC will not turn their
   selects (clamps, branch choices) into blends and leaves the loops scalar. */
#pragma GCC optimize("no-trapping-math")
#define CFX_SFX(name) name##_base
#include "fastmath_kernels.h"
#undef CFX_SFX

#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define CFX_SFX(name) name##_avx2
#include "fastmath_kernels.h"
#undef CFX_SFX
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx2,fma")
#define CFX_SFX(name) name##_avx512
#include "fastmath_kernels.h"
#undef CFX_SFX
#pragma GCC pop_options

typedef struct {
  void (*actf)(CfxActivation, PetscInt, const PetscReal *, PetscReal *);
  void (*actb)(CfxActivation, PetscInt, const PetscReal *, const PetscReal *, const PetscReal *, PetscReal *, PetscBool);
  void (*exp)(PetscInt, const PetscReal *, PetscReal *);
  void (*tanh)(PetscInt, const PetscReal *, PetscReal *);
  void (*normcdf)(PetscInt, const PetscReal *, PetscReal *, PetscReal *);
} Kernels;

static const Kernels kbase   = {ActForward_base, ActBackward_base, VecExp_base, VecTanh_base, VecNormCdf_base};
static const Kernels kavx2   = {ActForward_avx2, ActBackward_avx2, VecExp_avx2, VecTanh_avx2, VecNormCdf_avx2};
static const Kernels kavx512 = {ActForward_avx512, ActBackward_avx512, VecExp_avx512, VecTanh_avx512, VecNormCdf_avx512};

/* -1: not chosen yet; set once (a race would store the same value). CFX_FASTMATH_ISA=base|avx2
   forces a narrower set, so the three copies can be tested on one machine. */
static int isa = -1;

static const Kernels *K(void)
{
  if (isa < 0) {
    const char *force = getenv("CFX_FASTMATH_ISA");
    int best;
    __builtin_cpu_init();
    best = (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")) ? 2 : (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) ? 1 : 0;
    if (force && !strcmp(force, "base"))
      best = 0;
    else if (force && !strcmp(force, "avx2") && best > 1)
      best = 1;
    isa = best;
  }
  return isa == 2 ? &kavx512 : isa == 1 ? &kavx2 : &kbase;
}

const char *CfxFastMathISA(void)
{
  (void)K();
  return isa == 2 ? "avx512" : isa == 1 ? "avx2" : "base";
}

/* Elements per OpenMP work item: arrays shorter than two chunks stay on the calling thread. */
#define CFX_CHUNK ((PetscInt)4096)

void CfxActForward(CfxActivation act, PetscInt n, const PetscReal *z, PetscReal *y)
{
  const Kernels *k = K();
  PetscInt nc      = (n + CFX_CHUNK - 1) / CFX_CHUNK;

#pragma omp parallel for schedule(static) if (nc > 1)
  for (PetscInt c = 0; c < nc; c++) {
    PetscInt lo = c * CFX_CHUNK, len = PetscMin(CFX_CHUNK, n - lo);
    k->actf(act, len, z + lo, y + lo);
  }
}

void CfxActBackward(CfxActivation act, PetscInt n, const PetscReal *z, const PetscReal *y, const PetscReal *dy, PetscReal *dz, PetscBool acc)
{
  const Kernels *k = K();
  PetscInt nc      = (n + CFX_CHUNK - 1) / CFX_CHUNK;

#pragma omp parallel for schedule(static) if (nc > 1)
  for (PetscInt c = 0; c < nc; c++) {
    PetscInt lo = c * CFX_CHUNK, len = PetscMin(CFX_CHUNK, n - lo);
    k->actb(act, len, z ? z + lo : NULL, y ? y + lo : NULL, dy + lo, dz + lo, acc);
  }
}

void CfxVecExp(PetscInt n, const PetscReal *x, PetscReal *y)
{
  const Kernels *k = K();
  PetscInt nc      = (n + CFX_CHUNK - 1) / CFX_CHUNK;

#pragma omp parallel for schedule(static) if (nc > 1)
  for (PetscInt c = 0; c < nc; c++) {
    PetscInt lo = c * CFX_CHUNK, len = PetscMin(CFX_CHUNK, n - lo);
    k->exp(len, x + lo, y + lo);
  }
}

void CfxVecTanh(PetscInt n, const PetscReal *x, PetscReal *y)
{
  const Kernels *k = K();
  k->tanh(n, x, y);
}

void CfxVecNormCdf(PetscInt n, const PetscReal *x, PetscReal *cdf, PetscReal *pdf)
{
  const Kernels *k = K();
  k->normcdf(n, x, cdf, pdf);
}

/* Serial kernels for callers that split the work over threads themselves (the fused MLP op):
   Y = act(Y + b) on R rows of C with the pre-activation in z (if not NULL), and
   dz = dy * act'(.) on n entries. Same arithmetic as the threaded versions. */
void CfxBiasActRows(CfxActivation act, PetscInt R, PetscInt C, const PetscReal *b, PetscReal *Y, PetscReal *z)
{
  const Kernels *k = K();
  PetscReal *t     = (z && act != CFX_ACT_NONE) ? z : Y;

  if (b)
    for (PetscInt r = 0; r < R; r++) {
      PetscReal *y = Y + r * C, *u = t + r * C;
#pragma omp simd
      for (PetscInt c = 0; c < C; c++) u[c] = y[c] + b[c];
    }
  else if (t != Y)
    memcpy(t, Y, sizeof(PetscReal) * (size_t)(R * C));
  if (act != CFX_ACT_NONE) k->actf(act, R * C, t, Y);
}

void CfxActBackwardRows(CfxActivation act, PetscInt n, const PetscReal *z, const PetscReal *y, const PetscReal *dy, PetscReal *dz)
{
  const Kernels *k = K();
  k->actb(act, n, z, y, dy, dz, PETSC_FALSE);
}

/* Rows per work item for a row length of len: about CFX_CHUNK elements. */
static inline PetscInt RowsPerBlock(PetscInt len) { return PetscMax(1, CFX_CHUNK / PetscMax(len, 1)); }

/* Y[r, c] = act(Y[r, c] + b[c]) for R rows of C (b may be NULL); z (if not NULL) receives the
   pre-activation. */
void CfxBiasActForward(CfxActivation act, PetscInt R, PetscInt C, const PetscReal *b, PetscReal *Y, PetscReal *z)
{
  const Kernels *k = K();
  PetscInt rb = RowsPerBlock(C), nb = (R + rb - 1) / rb;

#pragma omp parallel for schedule(static) if (nb > 1)
  for (PetscInt blk = 0; blk < nb; blk++) {
    PetscInt r0 = blk * rb, r1 = PetscMin(R, r0 + rb);
    PetscReal *t = (z && act != CFX_ACT_NONE) ? z : Y; /* the pre-activation goes straight to z when kept */
    for (PetscInt r = r0; r < r1; r++) {
      PetscReal *y = Y + r * C, *u = t + r * C;
      if (b) {
#pragma omp simd
        for (PetscInt c = 0; c < C; c++) u[c] = y[c] + b[c];
      } else if (u != y)
        memcpy(u, y, sizeof(PetscReal) * (size_t)C);
    }
    if (act != CFX_ACT_NONE) k->actf(act, (r1 - r0) * C, t + r0 * C, Y + r0 * C);
  }
}

/* dz = dy * act'(z) (z pre-activation, y output; see CfxActBackward) and gb[c] += sum_r dz[r, c]
   (gb may be NULL; with act none dz may be dy itself). The bias sum runs over fixed blocks of
   rows whose partial sums (part: one row of C per block, CfxBiasBlocks(R, C) rows) are added in
   block order, so the result does not depend on the thread count. */
PetscInt CfxBiasBlocks(PetscInt R, PetscInt C)
{
  PetscInt rb = RowsPerBlock(C);
  return (R + rb - 1) / rb;
}

void CfxBiasActBackward(CfxActivation act, PetscInt R, PetscInt C, const PetscReal *z, const PetscReal *y, const PetscReal *dy, PetscReal *dz, PetscReal *gb, PetscReal *part)
{
  const Kernels *k = K();
  PetscInt rb = RowsPerBlock(C), nb = (R + rb - 1) / rb;

#pragma omp parallel for schedule(static) if (nb > 1)
  for (PetscInt blk = 0; blk < nb; blk++) {
    PetscInt r0 = blk * rb, r1 = PetscMin(R, r0 + rb), off = r0 * C;
    if (act != CFX_ACT_NONE || dz != dy) k->actb(act, (r1 - r0) * C, z ? z + off : NULL, y ? y + off : NULL, dy + off, dz + off, PETSC_FALSE);
    if (gb) {
      PetscReal *p = part + blk * C;
      for (PetscInt c = 0; c < C; c++) p[c] = 0;
      for (PetscInt r = r0; r < r1; r++) {
        const PetscReal *d = dz + r * C;
#pragma omp simd
        for (PetscInt c = 0; c < C; c++) p[c] += d[c];
      }
    }
  }
  if (gb)
    for (PetscInt blk = 0; blk < nb; blk++)
      for (PetscInt c = 0; c < C; c++) gb[c] += part[blk * C + c];
}
