/* Smooth primitives of SNAPO: scalar kernels with derivatives, and elementwise tape ops
   built on them through the public user-defined-op interface (CfxTapeRecord). */
#include <cfximpl.h>
#include <conflux/cfxsnapo.h>

PetscReal CfxSnapoSigmoid(PetscReal x)
{
  /* no overflow of exp for either sign */
  if (x >= 0) return 1.0 / (1.0 + exp(-x));
  PetscReal e = exp(x);
  return e / (1.0 + e);
}

/* softplus(b x)/b = max(x, 0) + log1p(exp(-b|x|))/b, stable for any b x; derivative s(b x). */
PetscReal CfxSnapoSoftplusMax(PetscReal x, PetscReal beta, PetscReal *d)
{
  PetscReal bx = beta * x;
  if (d) *d = CfxSnapoSigmoid(bx);
  return (x > 0 ? x : 0.0) + log1p(exp(-fabs(bx))) / beta;
}

/* sqrt(x^2 + e^2) - e, written as x^2/(sqrt(x^2 + e^2) + e) to avoid cancellation near 0. */
PetscReal CfxSnapoSmoothAbs(PetscReal x, PetscReal eps, PetscReal *d)
{
  PetscReal r = sqrt(x * x + eps * eps);
  if (d) *d = x / r;
  return x * x / (r + eps);
}

PetscReal CfxSnapoSigmoidBox(PetscReal x, PetscReal lo, PetscReal hi, PetscReal beta, PetscReal *d)
{
  PetscReal sl = CfxSnapoSigmoid(beta * (x - lo)), sh = CfxSnapoSigmoid(beta * (hi - x));
  /* s' = s (1 - s); d/dx [sl sh] = b sl (1 - sl) sh - b sl sh (1 - sh) = b sl sh (sh - sl) */
  if (d) *d = beta * sl * sh * (sh - sl);
  return sl * sh;
}

PetscReal CfxSnapoBoxMap(PetscReal x, PetscReal lo, PetscReal hi, PetscReal *d)
{
  PetscReal s = CfxSnapoSigmoid(x);
  if (d) *d = (hi - lo) * s * (1.0 - s);
  return lo + (hi - lo) * s;
}

/* q tanh(y/q) on the side of y's sign; derivative 1 - tanh^2 (equal to 1 at y = 0 on both
   sides, so the action is C^1 across the switch). */
PetscReal CfxSnapoStorageAction(const CfxSnapoStorage *st, PetscReal z, PetscReal inv, PetscReal *dadz, PetscReal *dadi)
{
  PetscReal s = CfxSnapoSigmoid(z), y = st->imax * s - inv, q = y >= 0 ? st->qin : st->qout;
  PetscReal th = tanh(y / q), dady = 1.0 - th * th;
  PetscReal a = q * th;
  if (dadz) *dadz = dady * st->imax * s * (1.0 - s);
  if (dadi) *dadi = -dady;
  /* |q tanh(y/q)| < |y| in exact arithmetic, but the rounded value can exceed |y| by an ulp,
     and I + a then leaves [0, I_max] by ~1e-26 (seen over 1e5 paths): cap |a| at |y|. This
     changes a only at rounding level, so the derivative above stays the exact one. */
  if (fabs(a) > fabs(y)) a = y;
  return a;
}

/* ---- Tape ops */
typedef enum { PRIM_SOFTPLUSMAX, PRIM_SMOOTHABS, PRIM_SIGMOIDBOX, PRIM_BOXMAP } PrimKind;

typedef struct {
  CfxTensor x, y;
  PetscReal *dydx; /* derivative saved in the forward (arena) */
} UnaryCtx;

static PetscErrorCode UnaryBackward(CfxTape tape, void *vctx)
{
  UnaryCtx *c = (UnaryCtx *)vctx;
  PetscReal *gx, *gy;

  PetscFunctionBegin;
  PetscCall(CfxTensorGetGrad(tape, c->y, &gy));
  PetscCall(CfxTensorGetGrad(tape, c->x, &gx));
  if (gx)
    for (PetscInt i = 0; i < c->x->size; i++) gx[i] += gy[i] * c->dydx[i];
  PetscFunctionReturn(0);
}

static PetscErrorCode PrimUnary(CfxTape tape, PrimKind kind, CfxTensor x, const PetscReal par[3], CfxTensor *out)
{
  CfxTensor y;
  PetscBool grad = CfxTapeNeedsGrad(tape, 1, &x);
  PetscReal *d   = NULL;

  PetscFunctionBegin;
  PetscValidPointer(x, 2);
  PetscValidPointer(out, 5);
  PetscCall(CfxTapeNewTensorUninit(tape, x->ndim, x->shape, &y));
  if (grad) PetscCall(CfxTapeAlloc(tape, (size_t)x->size * sizeof(PetscReal), (void **)&d));
  for (PetscInt i = 0; i < x->size; i++) {
    PetscReal di, xi = x->data[i];
    switch (kind) {
      case PRIM_SOFTPLUSMAX: y->data[i] = CfxSnapoSoftplusMax(xi, par[0], &di); break;
      case PRIM_SMOOTHABS: y->data[i] = CfxSnapoSmoothAbs(xi, par[0], &di); break;
      case PRIM_SIGMOIDBOX: y->data[i] = CfxSnapoSigmoidBox(xi, par[0], par[1], par[2], &di); break;
      case PRIM_BOXMAP: y->data[i] = CfxSnapoBoxMap(xi, par[0], par[1], &di); break;
    }
    if (d) d[i] = di;
  }
  if (grad) {
    UnaryCtx *c;
    PetscCall(CfxTensorMarkRequiresGrad(y));
    PetscCall(CfxTapeAlloc(tape, sizeof(*c), (void **)&c));
    c->x    = x;
    c->y    = y;
    c->dydx = d;
    PetscCall(CfxTapeRecord(tape, y, UnaryBackward, c));
  }
  *out = y;
  PetscFunctionReturn(0);
}

/*@C
  CfxOpSnapoSoftplusMax - y = softplus(beta x)/beta, a smooth max(x, 0) (beta > 0).
@*/
PetscErrorCode CfxOpSnapoSoftplusMax(CfxTape tape, CfxTensor x, PetscReal beta, CfxTensor *y)
{
  MPI_Comm comm;
  PetscReal par[3] = {beta, 0, 0};

  PetscFunctionBegin;
  PetscCall(CfxTapeGetComm(tape, &comm));
  PetscCheck(beta > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "softplus-max sharpness must be > 0, found %g", (double)beta);
  PetscCall(PrimUnary(tape, PRIM_SOFTPLUSMAX, x, par, y));
  PetscFunctionReturn(0);
}

/*@C
  CfxOpSnapoSmoothAbs - y = sqrt(x^2 + eps^2) - eps, a smooth |x| (eps > 0).
@*/
PetscErrorCode CfxOpSnapoSmoothAbs(CfxTape tape, CfxTensor x, PetscReal eps, CfxTensor *y)
{
  MPI_Comm comm;
  PetscReal par[3] = {eps, 0, 0};

  PetscFunctionBegin;
  PetscCall(CfxTapeGetComm(tape, &comm));
  PetscCheck(eps > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "smooth |x| width must be > 0, found %g", (double)eps);
  PetscCall(PrimUnary(tape, PRIM_SMOOTHABS, x, par, y));
  PetscFunctionReturn(0);
}

/*@C
  CfxOpSnapoSigmoidBox - y = s(beta (x - lo)) s(beta (hi - x)), a smooth indicator of [lo, hi].
@*/
PetscErrorCode CfxOpSnapoSigmoidBox(CfxTape tape, CfxTensor x, PetscReal lo, PetscReal hi, PetscReal beta, CfxTensor *y)
{
  MPI_Comm comm;
  PetscReal par[3] = {lo, hi, beta};

  PetscFunctionBegin;
  PetscCall(CfxTapeGetComm(tape, &comm));
  PetscCheck(beta > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "sigmoid box sharpness must be > 0, found %g", (double)beta);
  PetscCheck(lo < hi, comm, PETSC_ERR_ARG_OUTOFRANGE, "sigmoid box needs lo < hi, found [%g, %g]", (double)lo, (double)hi);
  PetscCall(PrimUnary(tape, PRIM_SIGMOIDBOX, x, par, y));
  PetscFunctionReturn(0);
}

/*@C
  CfxOpSnapoBoxMap - y = lo + (hi - lo) s(x): an unconstrained output mapped into (lo, hi).
@*/
PetscErrorCode CfxOpSnapoBoxMap(CfxTape tape, CfxTensor x, PetscReal lo, PetscReal hi, CfxTensor *y)
{
  MPI_Comm comm;
  PetscReal par[3] = {lo, hi, 0};

  PetscFunctionBegin;
  PetscCall(CfxTapeGetComm(tape, &comm));
  PetscCheck(lo < hi, comm, PETSC_ERR_ARG_OUTOFRANGE, "box map needs lo < hi, found [%g, %g]", (double)lo, (double)hi);
  PetscCall(PrimUnary(tape, PRIM_BOXMAP, x, par, y));
  PetscFunctionReturn(0);
}

typedef struct {
  CfxTensor z, inv, a;
  PetscReal *dz, *di;
} StorageCtx;

static PetscErrorCode StorageBackward(CfxTape tape, void *vctx)
{
  StorageCtx *c = (StorageCtx *)vctx;
  PetscReal *ga, *gz, *gi;

  PetscFunctionBegin;
  PetscCall(CfxTensorGetGrad(tape, c->a, &ga));
  PetscCall(CfxTensorGetGrad(tape, c->z, &gz));
  PetscCall(CfxTensorGetGrad(tape, c->inv, &gi));
  for (PetscInt i = 0; i < c->a->size; i++) {
    if (gz) gz[i] += ga[i] * c->dz[i];
    if (gi) gi[i] += ga[i] * c->di[i];
  }
  PetscFunctionReturn(0);
}

/*@C
  CfxOpSnapoStorageAction - the exactly feasible storage action a(z, I) (see cfxsnapo.h);
  z and I have the same shape.
@*/
PetscErrorCode CfxOpSnapoStorageAction(CfxTape tape, CfxTensor z, CfxTensor inv, const CfxSnapoStorage *st, CfxTensor *out)
{
  MPI_Comm comm;
  CfxTensor a, in[2] = {z, inv};
  PetscBool grad = CfxTapeNeedsGrad(tape, 2, in);
  PetscReal *dz = NULL, *di = NULL;

  PetscFunctionBegin;
  PetscCall(CfxTapeGetComm(tape, &comm));
  PetscCheck(st->imax > 0 && st->qin > 0 && st->qout > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "storage needs I_max, q_in, q_out > 0, found %g, %g, %g", (double)st->imax, (double)st->qin,
             (double)st->qout);
  PetscCheck(z->size == inv->size, comm, PETSC_ERR_ARG_SIZ, "storage action: z has %" PetscInt_FMT " entries, I has %" PetscInt_FMT, z->size, inv->size);
  PetscCall(CfxTapeNewTensorUninit(tape, z->ndim, z->shape, &a));
  if (grad) {
    PetscCall(CfxTapeAlloc(tape, (size_t)z->size * sizeof(PetscReal), (void **)&dz));
    PetscCall(CfxTapeAlloc(tape, (size_t)z->size * sizeof(PetscReal), (void **)&di));
  }
  for (PetscInt i = 0; i < z->size; i++) {
    PetscReal gz, gi;
    a->data[i] = CfxSnapoStorageAction(st, z->data[i], inv->data[i], &gz, &gi);
    if (grad) {
      dz[i] = gz;
      di[i] = gi;
    }
  }
  if (grad) {
    StorageCtx *c;
    PetscCall(CfxTensorMarkRequiresGrad(a));
    PetscCall(CfxTapeAlloc(tape, sizeof(*c), (void **)&c));
    c->z   = z;
    c->inv = inv;
    c->a   = a;
    c->dz  = dz;
    c->di  = di;
    PetscCall(CfxTapeRecord(tape, a, StorageBackward, c));
  }
  *out = a;
  PetscFunctionReturn(0);
}
