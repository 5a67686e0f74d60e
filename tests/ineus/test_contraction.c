static const char help[] = "Contraction of the first-jump Picard map with an oracle regression: Phi^k(u* + e) is\n"
                           "evaluated by nested unbiased labels (the regression replaced by the exact conditional\n"
                           "expectation), and the error must obey |Phi^k(u* + e) - u*| <= sup|e| P(Poisson(lambda(T-t)) >= k)\n"
                           "<= sup|e| (1 - exp(-lambda T))^k; for a constant e and r = 0 the bound is an equality.\n";

#include <conflux/conflux.h>

/* V_k = Phi^k(u* + eps h): level 0 is the perturbed exact solution, level k draws labels
   with V_{k-1} inside. Every call uses a fresh seed so levels are independent. */
typedef struct {
  CfxPIDE p;
  PetscInt d;
  PetscReal eps;
  PetscBool constant; /* h = 1, else h = cos(x_0 + t) */
  uint64_t calls;
} Oracle;

typedef struct {
  Oracle *o;
  PetscInt level;
} Level;

static PetscErrorCode LevelValue(PetscInt n, const PetscReal t[], const PetscReal x[], PetscReal u[], void *ctx)
{
  Level *L  = (Level *)ctx;
  Oracle *o = L->o;

  PetscFunctionBeginUser;
  if (L->level == 0) {
    PetscCall(CfxPIDEExactSolution(o->p, n, t, x, u));
    for (PetscInt i = 0; i < n; i++) u[i] += o->eps * (o->constant ? 1.0 : PetscCosReal(x[i * o->d] + t[i]));
  } else {
    Level below             = {o, L->level - 1};
    CfxPIDELabelOptions opt = {PETSC_TRUE, PETSC_FALSE, 1};
    PetscCall(CfxPIDELabels(o->p, &opt, LevelValue, &below, 1000 + o->calls++, 0, n, t, x, u, NULL));
  }
  PetscFunctionReturn(0);
}

static PetscReal PoissonTail(PetscReal mu, PetscInt k) /* P(Poisson(mu) >= k) */
{
  PetscReal w = PetscExpReal(-mu), c = 0;
  for (PetscInt j = 0; j < k; j++) {
    c += w;
    w *= mu / (j + 1);
  }
  return PetscMax(1 - c, 0);
}

static PetscErrorCode Check(CfxPIDEProblem prob, PetscInt d, const char *lambda, PetscBool constant, PetscInt kmax, PetscInt nrep, PetscInt npts)
{
  Oracle o;
  PetscReal *t, *x, *tt, *xx, *Y, lam, T, q;

  PetscFunctionBeginUser;
  PetscCall(CfxPIDECreate(PETSC_COMM_SELF, &o.p));
  PetscCall(CfxPIDESetProblem(o.p, prob, d));
  PetscCall(PetscOptionsSetValue(NULL, "-pide_lambda", lambda));
  PetscCall(CfxPIDESetFromOptions(o.p));
  PetscCall(PetscOptionsClearValue(NULL, "-pide_lambda"));
  PetscCall(CfxPIDESetUp(o.p));
  PetscCall(CfxPIDEGetJumpIntensity(o.p, &lam));
  PetscCall(CfxPIDEGetHorizon(o.p, &T));
  q          = 1 - PetscExpReal(-lam * T);
  o.d        = d;
  o.eps      = 1.0;
  o.constant = constant;
  o.calls    = 0;
  PetscCall(PetscMalloc5(npts, &t, npts * d, &x, nrep, &tt, nrep * d, &xx, nrep, &Y));
  PetscCall(CfxPIDESamplePoints(o.p, 5, 0, npts, t, x));
  for (PetscInt k = 1; k <= kmax; k++) {
    Level L         = {&o, k};
    PetscReal worst = 0;
    for (PetscInt i = 0; i < npts; i++) {
      PetscReal s = 0, s2 = 0, mean, se, ue, bound = o.eps * PoissonTail(lam * (T - t[i]), k), err;
      for (PetscInt j = 0; j < nrep; j++) {
        tt[j] = t[i];
        PetscCall(PetscArraycpy(&xx[j * d], &x[i * d], d));
      }
      PetscCall(LevelValue(nrep, tt, xx, Y, &L));
      for (PetscInt j = 0; j < nrep; j++) {
        s += Y[j];
        s2 += Y[j] * Y[j];
      }
      mean = s / nrep;
      se   = PetscSqrtReal(PetscMax(s2 / nrep - mean * mean, 0) / (nrep - 1));
      PetscCall(CfxPIDEExactSolution(o.p, 1, &t[i], &x[i * d], &ue));
      err = PetscAbsReal(mean - ue);
      PetscCheck(bound <= o.eps * PetscPowRealInt(q, k) * (1 + 1e-12), PETSC_COMM_SELF, PETSC_ERR_PLIB, "Poisson tail %g above q^k = %g", (double)bound, (double)PetscPowRealInt(q, k));
      PetscCheck(err <= bound + 4 * se, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s lambda %s: error %g after %" PetscInt_FMT " oracle iterations at t = %g exceeds the bound %g + 4 se (se %g)",
                 CfxPIDEProblems[prob], lambda, (double)err, k, (double)t[i], (double)bound, (double)se);
      if (constant) /* r = 0 and e = eps: the error is exactly eps P(N >= k) */
        PetscCheck(PetscAbsReal(err - bound) <= 4 * se, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s lambda %s: constant perturbation after %" PetscInt_FMT " iterations: error %g, expected %g (se %g)",
                   CfxPIDEProblems[prob], lambda, k, (double)err, (double)bound, (double)se);
      worst = PetscMax(worst, err / (o.eps * PetscPowRealInt(q, k)));
    }
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s d=%" PetscInt_FMT " lambda=%s %s perturbation: k=%" PetscInt_FMT " worst error / (sup|e0| q^k) = %.3f (q = %.3f)\n", CfxPIDEProblems[prob], d, lambda,
                          constant ? "constant" : "cos", k, (double)worst, (double)q));
  }
  PetscCall(PetscFree5(t, x, tt, xx, Y));
  PetscCall(CfxPIDEDestroy(&o.p));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(Check(CFX_PIDE_B1, 10, "1", PETSC_TRUE, 3, 3000, 4));
  PetscCall(Check(CFX_PIDE_B1, 10, "3", PETSC_TRUE, 3, 3000, 4));
  PetscCall(Check(CFX_PIDE_B1, 10, "0.3", PETSC_FALSE, 3, 3000, 4));
  PetscCall(Check(CFX_PIDE_B2, 10, "1", PETSC_FALSE, 3, 3000, 4));
  PetscCall(Check(CFX_PIDE_B3, 10, "1", PETSC_FALSE, 2, 3000, 4));
  PetscCall(CfxFinalize());
  return 0;
}
