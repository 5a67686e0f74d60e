static const char help[] = "Gradient checks of composite models against central differences: MLP, FNO1d, pre-LN transformer block, 50-step flux rollout.\n";

#include "adtest.h"
#include <conflux/cfxnn.h>

/* The inputs of every check: the data tensor(s) first, then every module parameter. */
typedef struct {
  CfxModule m;
  CfxTensor target;
  PetscInt kind, steps;
} CompCtx;

enum { C_MLP, C_FNO, C_TRANSFORMER, C_ROLLOUT };

static PetscErrorCode FComposite(CfxTape tape, PetscInt n, CfxTensor in[], void *ctx, CfxTensor *y)
{
  CompCtx *c = (CompCtx *)ctx;
  CfxTensor out;

  PetscFunctionBeginUser;
  switch (c->kind) {
    case C_MLP:
      PetscCall(CfxModuleForward(c->m, tape, in[0], &out));
      PetscCall(CfxOpMSELoss(tape, out, c->target, y));
      break;
    case C_FNO:
      PetscCall(CfxModuleForward(c->m, tape, in[0], &out));
      PetscCall(CfxOpRelL2Loss(tape, out, c->target, y));
      break;
    case C_TRANSFORMER: PetscCall(CfxModuleForward(c->m, tape, in[0], y)); break;
    case C_ROLLOUT: {
      /* conservative finite-volume update with a learned flux at face j+1/2 from the stencil
         (u_{j-1}, u_j, u_{j+1}, u_{j+2}): u <- u - r (F_{j+1/2} - F_{j-1/2}) */
      const PetscInt off[4] = {-1, 0, 1, 2};
      CfxTensor u           = in[0], st, F, Fm, dF;
      PetscInt B = u->shape[0], N = u->shape[1], sh[2] = {B, N};
      for (PetscInt s = 0; s < c->steps; s++) {
        PetscCall(CfxOpStencilGather(tape, u, 4, off, &st));
        PetscCall(CfxModuleForward(c->m, tape, st, &F));
        PetscCall(CfxOpReshape(tape, F, 2, sh, &F));
        PetscCall(CfxOpShift(tape, F, -1, &Fm));
        PetscCall(CfxOpSub(tape, F, Fm, &dF));
        PetscCall(CfxOpScale(tape, dF, -0.1, 0, &dF));
        PetscCall(CfxOpAdd(tape, u, dF, &u));
      }
      PetscCall(CfxOpMSELoss(tape, u, c->target, y));
    } break;
  }
  PetscFunctionReturn(0);
}

/* Runs the check with inputs = data tensor + all parameters of c->m. */
static PetscErrorCode CheckModule(CfxTape tape, const char *name, CompCtx *c, CfxTensor x)
{
  PetscInt np;
  CfxTensor *in;
  PetscReal err;

  PetscFunctionBeginUser;
  PetscCall(CfxModuleGetNumParameters(c->m, &np));
  PetscCall(PetscMalloc1(np + 1, &in));
  in[0] = x;
  for (PetscInt i = 0; i < np; i++) PetscCall(CfxModuleGetParameter(c->m, i, NULL, 0, &in[i + 1]));
  PetscCall(CfxGradCheck(tape, FComposite, c, np + 1, in, 1e-6, &err));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%-40s rel err %.2e\n", name, (double)err));
  PetscCheck(err <= AD_TOL, PETSC_COMM_SELF, PETSC_ERR_PLIB, "gradient check %s: relative error %g exceeds %g", name, (double)err, AD_TOL);
  PetscCall(PetscFree(in));
  PetscFunctionReturn(0);
}

static PetscErrorCode NewData(PetscInt ndim, const PetscInt shape[], CfxRNG *rng, PetscReal lo, PetscReal hi, PetscBool grad, CfxTensor *t)
{
  PetscFunctionBeginUser;
  PetscCall(CfxTensorCreate(ndim, shape, t));
  PetscCall(CfxTensorFillUniform(*t, rng, lo, hi));
  if (grad) PetscCall(CfxTensorSetRequiresGrad(*t, PETSC_TRUE));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  CfxTape tape;
  CfxRNG rng;
  CompCtx c;
  CfxTensor x;

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  PetscCall(CfxRNGSetSeed(&rng, 31, 0));

  /* MLP 3 -> 7 -> 7 -> 2 (GELU), MSE against a random target */
  {
    PetscInt sx[2] = {5, 3}, st[2] = {5, 2};
    PetscCall(CfxModuleCreate(PETSC_COMM_SELF, &c.m));
    PetscCall(CfxModuleSetType(c.m, CFXMLP));
    PetscCall(CfxModuleMLPSetSizes(c.m, 3, 7, 2, 2));
    PetscCall(CfxModuleMLPSetActivation(c.m, CFX_ACT_GELU));
    PetscCall(CfxModuleSetSeed(c.m, 1));
    PetscCall(CfxModuleSetUp(c.m));
    PetscCall(NewData(2, sx, &rng, -1, 1, PETSC_TRUE, &x));
    PetscCall(NewData(2, st, &rng, -1, 1, PETSC_FALSE, &c.target));
    c.kind = C_MLP;
    PetscCall(CheckModule(tape, "MLP 3-7-7-2 gelu, MSE", &c, x));
    PetscCall(CfxTensorDestroy(&x));
    PetscCall(CfxTensorDestroy(&c.target));
    PetscCall(CfxModuleDestroy(&c.m));
  }
  /* FNO1d: 2 input channels + grid, width 4, 2 Fourier layers of 3 modes, N = 10, rel L2 */
  {
    PetscInt sx[3] = {2, 2, 10}, st[3] = {2, 1, 10};
    PetscCall(CfxModuleCreate(PETSC_COMM_SELF, &c.m));
    PetscCall(CfxModuleSetType(c.m, CFXFNO1D));
    PetscCall(CfxModuleFNO1dSetSizes(c.m, 2, 1, 4, 2, 3));
    PetscCall(CfxModuleFNO1dSetProjectionWidth(c.m, 5));
    PetscCall(CfxModuleFNO1dSetGrid(c.m, PETSC_TRUE));
    PetscCall(CfxModuleSetSeed(c.m, 2));
    PetscCall(CfxModuleSetUp(c.m));
    PetscCall(NewData(3, sx, &rng, -1, 1, PETSC_TRUE, &x));
    PetscCall(NewData(3, st, &rng, -1, 1, PETSC_FALSE, &c.target));
    c.kind = C_FNO;
    PetscCall(CheckModule(tape, "FNO1d (grid, 2 layers), relative L2", &c, x));
    PetscCall(CfxTensorDestroy(&x));
    PetscCall(CfxTensorDestroy(&c.target));
    PetscCall(CfxModuleDestroy(&c.m));
  }
  /* pre-LN transformer block, width 6, 2 heads, feed-forward 8, T = 5 */
  {
    PetscInt sx[3] = {2, 5, 6};
    PetscCall(CfxModuleCreate(PETSC_COMM_SELF, &c.m));
    PetscCall(CfxModuleSetType(c.m, CFXTRANSFORMERBLOCK));
    PetscCall(CfxModuleTransformerBlockSetSizes(c.m, 6, 2, 8));
    PetscCall(CfxModuleSetSeed(c.m, 3));
    PetscCall(CfxModuleSetUp(c.m));
    /* nonzero biases, so their gradient paths are exercised at a generic point */
    {
      PetscInt np;
      PetscCall(CfxModuleGetNumParameters(c.m, &np));
      for (PetscInt i = 0; i < np; i++) {
        CfxTensor t;
        PetscCall(CfxModuleGetParameter(c.m, i, NULL, 0, &t));
        for (PetscInt j = 0; j < t->size; j++) t->data[j] += 0.1 * CfxRNGNormal(&rng);
      }
    }
    PetscCall(NewData(3, sx, &rng, -1, 1, PETSC_TRUE, &x));
    c.kind = C_TRANSFORMER;
    PetscCall(CheckModule(tape, "transformer block (pre-LN, 2 heads)", &c, x));
    PetscCall(CfxTensorDestroy(&x));
    PetscCall(CfxModuleDestroy(&c.m));
  }
  /* 50-step rollout of a conservative scheme with a stencil-MLP flux 4 -> 6 -> 1 (tanh) */
  {
    PetscInt sx[2] = {2, 8};
    PetscCall(CfxModuleCreate(PETSC_COMM_SELF, &c.m));
    PetscCall(CfxModuleSetType(c.m, CFXMLP));
    PetscCall(CfxModuleMLPSetSizes(c.m, 4, 6, 1, 1));
    PetscCall(CfxModuleMLPSetActivation(c.m, CFX_ACT_TANH));
    PetscCall(CfxModuleSetSeed(c.m, 4));
    PetscCall(CfxModuleSetUp(c.m));
    PetscCall(NewData(2, sx, &rng, -1, 1, PETSC_TRUE, &x));
    PetscCall(NewData(2, sx, &rng, -1, 1, PETSC_FALSE, &c.target));
    c.kind  = C_ROLLOUT;
    c.steps = 50;
    PetscCall(CheckModule(tape, "50-step flux rollout", &c, x));
    PetscCall(CfxTensorDestroy(&x));
    PetscCall(CfxTensorDestroy(&c.target));
    PetscCall(CfxModuleDestroy(&c.m));
  }
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(CfxFinalize());
  return 0;
}
