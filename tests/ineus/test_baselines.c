static const char help[] = "The PINN and deep-BSDE baselines of CfxINEUS:\n"
                           "  1. the MLP jet (value, gradient, directional derivative, weighted diagonal second\n"
                           "     derivatives) equals the network and its central differences;\n"
                           "  2. each baseline trained briefly on a small problem lowers its loss below half the\n"
                           "     loss of its first Adam step, and its error below 0.8 times the first (PINN: relative L2; deep BSDE: at (0, x0)).\n";

#include <conflux/conflux.h>

/* Network value at one input row (no recording). */
static PetscErrorCode Value(CfxModule m, CfxTape tape, PetscInt D, const PetscReal z[], PetscReal *u)
{
  PetscInt shape[2] = {1, D};
  CfxTensor in, out;

  PetscFunctionBeginUser;
  PetscCall(CfxTapeSetRecording(tape, PETSC_FALSE));
  PetscCall(CfxTapeNewTensorWithData(tape, 2, shape, z, &in));
  PetscCall(CfxModuleForward(m, tape, in, &out));
  *u = out->data[0];
  PetscCall(CfxTapeReset(tape));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestJet(void)
{
  const PetscInt D = 4, n = 3;
  PetscInt shape[2] = {n, D}, vshape[3] = {n, 1, D};
  PetscReal z[12], v[12], c[4] = {0.3, 1.0, 0.0, 2.5}, errJ = 0, errL = 0, errV = 0, errU = 0, scale = 0;
  CfxModule m;
  CfxTape tape;
  CfxTensor in, Vt, u, J, L, u2, Jv;
  CfxRNG rng;

  PetscFunctionBeginUser;
  PetscCall(CfxModuleCreate(PETSC_COMM_SELF, &m));
  PetscCall(CfxModuleSetType(m, CFXMLP));
  PetscCall(CfxModuleMLPSetSizes(m, D, 12, 3, 1));
  PetscCall(CfxModuleMLPSetActivation(m, CFX_ACT_TANH));
  PetscCall(CfxModuleSetSeed(m, 7));
  PetscCall(CfxModuleSetUp(m));
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  PetscCall(CfxRNGSetSeed(&rng, 3, 0));
  for (PetscInt i = 0; i < n * D; i++) {
    z[i] = CfxRNGNormal(&rng);
    v[i] = CfxRNGNormal(&rng);
  }
  PetscCall(CfxTapeSetRecording(tape, PETSC_FALSE));
  PetscCall(CfxTapeNewTensorWithData(tape, 2, shape, z, &in));
  PetscCall(CfxTapeNewTensorWithData(tape, 3, vshape, v, &Vt));
  PetscCall(CfxINEUSMLPJet(m, tape, in, NULL, c, &u, &J, &L));
  PetscCall(CfxINEUSMLPJet(m, tape, in, Vt, NULL, &u2, &Jv, NULL));
  for (PetscInt i = 0; i < n; i++) {
    PetscReal u0, lap = 0, dv = 0, h1 = 1e-5, h2 = 1e-4, zz[4];
    PetscCall(Value(m, tape, D, &z[i * D], &u0));
    errU  = PetscMax(errU, PetscAbsReal(u0 - u->data[i]) + PetscAbsReal(u0 - u2->data[i]));
    scale = PetscMax(scale, PetscAbsReal(u0));
    for (PetscInt k = 0; k < D; k++) {
      PetscReal up, um, upp, umm, g, s2;
      PetscCall(PetscArraycpy(zz, &z[i * D], D));
      zz[k] += h1;
      PetscCall(Value(m, tape, D, zz, &up));
      zz[k] -= 2 * h1;
      PetscCall(Value(m, tape, D, zz, &um));
      g    = (up - um) / (2 * h1);
      errJ = PetscMax(errJ, PetscAbsReal(g - J->data[i * D + k]));
      dv += g * v[i * D + k];
      zz[k] = z[i * D + k] + h2;
      PetscCall(Value(m, tape, D, zz, &upp));
      zz[k] = z[i * D + k] - h2;
      PetscCall(Value(m, tape, D, zz, &umm));
      s2 = (upp - 2 * u0 + umm) / (h2 * h2);
      lap += c[k] * s2;
    }
    errL = PetscMax(errL, PetscAbsReal(lap - L->data[i]));
    errV = PetscMax(errV, PetscAbsReal(dv - Jv->data[i]));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "jet: |u - forward| %.1e, |grad - FD| %.1e, |dir - FD| %.1e, |sum c u_kk - FD| %.1e (|u| <= %.2f)\n", (double)errU, (double)errJ, (double)errV, (double)errL,
                        (double)scale));
  PetscCheck(errU < 1e-12 && errJ < 1e-8 && errV < 1e-8 && errL < 1e-5, PETSC_COMM_SELF, PETSC_ERR_PLIB, "MLP jet differs from the network's finite differences");
  PetscCall(CfxTapeReset(tape));
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(CfxModuleDestroy(&m));
  PetscFunctionReturn(0);
}

/* Trains `method` on problem/d for outer x inner steps; returns the last recorded loss and
   the error (relative L2 for the PINN, at (0, x0) for the deep BSDE; first block: the loss of the first Adam step, with inner = 1). */
static PetscErrorCode Train(CfxINEUSMethod method, CfxPIDEProblem prob, PetscInt d, const char *outer, const char *inner, PetscReal *loss, PetscReal *perr)
{
  CfxPIDE p;
  CfxINEUS s;
  PetscInt nh;
  const CfxINEUSRecord *h;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsSetValue(NULL, "-ineus_width", "16"));
  PetscCall(PetscOptionsSetValue(NULL, "-ineus_depth", "2"));
  PetscCall(PetscOptionsSetValue(NULL, "-ineus_batch", "64"));
  PetscCall(PetscOptionsSetValue(NULL, "-ineus_outer", outer));
  PetscCall(PetscOptionsSetValue(NULL, "-ineus_inner", inner));
  PetscCall(PetscOptionsSetValue(NULL, "-ineus_lr", "5e-3"));
  PetscCall(PetscOptionsSetValue(NULL, "-ineus_tol", "0"));
  PetscCall(PetscOptionsSetValue(NULL, "-ineus_bsde_steps", "10"));
  PetscCall(PetscOptionsSetValue(NULL, "-ineus_pinn_jumps", "4"));
  PetscCall(PetscOptionsSetValue(NULL, "-ineus_validation", "16"));
  PetscCall(PetscOptionsSetValue(NULL, "-ineus_test", "200"));
  PetscCall(CfxPIDECreate(PETSC_COMM_WORLD, &p));
  PetscCall(CfxPIDESetProblem(p, prob, d));
  PetscCall(CfxINEUSCreate(PETSC_COMM_WORLD, &s));
  PetscCall(CfxINEUSSetPIDE(s, p));
  PetscCall(CfxINEUSSetMethod(s, method));
  PetscCall(CfxINEUSSetFromOptions(s));
  PetscCall(CfxINEUSSolve(s));
  PetscCall(CfxINEUSGetHistory(s, &nh, &h));
  *loss = h[nh - 1].loss;
  *perr = method == CFX_INEUS_METHOD_BSDE ? h[nh - 1].point_error : h[nh - 1].rel_l2; /* the BSDE learns u(0, x0) only */
  PetscCall(CfxINEUSDestroy(&s));
  PetscCall(CfxPIDEDestroy(&p));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestBaseline(CfxINEUSMethod method, CfxPIDEProblem prob)
{
  PetscReal l0, p0, l1, p1;

  PetscFunctionBeginUser;
  PetscCall(Train(method, prob, 2, "1", "1", &l0, &p0));
  PetscCall(Train(method, prob, 2, "4", "40", &l1, &p1));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s on %s d=2: loss %.3e (first step) -> %.3e after 160 steps; error %.3e -> %.3e\n", CfxINEUSMethods[method], CfxPIDEProblems[prob], (double)l0, (double)l1,
                        (double)p0, (double)p1));
  PetscCheck(l1 < 0.5 * l0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: loss did not fall below half its first value", CfxINEUSMethods[method]);
  PetscCheck(p1 < 0.8 * p0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: error did not fall below 0.8 times its first value", CfxINEUSMethods[method]);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(TestJet());
  PetscCall(TestBaseline(CFX_INEUS_METHOD_PINN, CFX_PIDE_B1));
  PetscCall(TestBaseline(CFX_INEUS_METHOD_BSDE, CFX_PIDE_B2));
  PetscCall(PetscFinalize());
  return 0;
}
