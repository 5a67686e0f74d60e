static const char help[] = "The face-flux callback API of CfxFV: user face fluxes with declared stencils (p, q) must reproduce\n"
                           "the built-in schemes they re-implement, serially and in parallel, which checks the documented memory\n"
                           "layout (face f lies between window cells f+p-1 and f+p) and the ghost width grown to cover the stencil.\n";

#include "fvtest.h"

typedef struct {
  PetscInt p, q, calls;
} Stencil;

static inline PetscReal Minmod(PetscReal a, PetscReal b) { return a * b <= 0 ? 0 : (a > 0 ? PetscMin(a, b) : PetscMax(a, b)); }

/* Burgers Rusanov flux between the states a (left) and b (right). */
static inline PetscReal Rusanov(PetscReal a, PetscReal b)
{
  PetscReal s = PetscMax(PetscAbsReal(a), PetscAbsReal(b));
  return 0.5 * (0.5 * a * a + 0.5 * b * b) - 0.5 * s * (b - a);
}

/* First-order Rusanov that declares a wider, asymmetric stencil than it reads: only the two
   cells next to the face (u[f+p-1], u[f+p]) enter. */
static PetscErrorCode FirstOrderWide(void *ctx, PetscInt nfaces, PetscInt nc, const PetscReal *u, PetscReal *flux)
{
  Stencil *s = (Stencil *)ctx;

  PetscFunctionBeginUser;
  PetscCheck(nc == 1, PETSC_COMM_SELF, PETSC_ERR_PLIB, "expected a scalar law, got %" PetscInt_FMT " components", nc);
  for (PetscInt f = 0; f < nfaces; f++) flux[f] = Rusanov(u[f + s->p - 1], u[f + s->p]);
  s->calls++;
  PetscFunctionReturn(0);
}

/* MUSCL-minmod + Rusanov with the stencil (2, 2) it needs: window cells f .. f+3. */
static PetscErrorCode MusclMinmod(void *ctx, PetscInt nfaces, PetscInt nc, const PetscReal *u, PetscReal *flux)
{
  Stencil *s = (Stencil *)ctx;

  PetscFunctionBeginUser;
  for (PetscInt f = 0; f < nfaces; f++) {
    const PetscReal *w = u + f;
    PetscReal uL = w[1] + 0.5 * Minmod(w[1] - w[0], w[2] - w[1]), uR = w[2] - 0.5 * Minmod(w[2] - w[1], w[3] - w[2]);
    flux[f] = Rusanov(uL, uR);
  }
  s->calls++;
  PetscFunctionReturn(0);
}

static PetscErrorCode Initial(PetscReal x, PetscReal t, PetscReal *u, void *ctx)
{
  u[0] = 0.2 + PetscSinReal(2 * PETSC_PI * x) + (x > 0.55 && x < 0.7 ? 0.5 : 0);
  return 0;
}

static PetscErrorCode Run(CfxFVReconstructionType recon, CfxFVBCType bc, CfxFVFaceFluxFn fn, Stencil *st, Vec *out)
{
  CfxFV fv;
  Vec U;
  PetscReal tf = 0.4;

  PetscFunctionBeginUser;
  PetscCall(CfxFVCreate(PETSC_COMM_WORLD, &fv));
  PetscCall(CfxFVSetGrid(fv, 61, 0, 1));
  PetscCall(CfxFVSetPhysicalFlux(fv, CFXFV_BURGERS));
  PetscCall(CfxFVSetRiemannType(fv, CFXFV_RIEMANN_RUSANOV));
  PetscCall(CfxFVSetReconstructionType(fv, recon));
  PetscCall(CfxFVSetLimiterType(fv, CFXFV_LIMITER_MINMOD));
  PetscCall(CfxFVSetBCType(fv, bc));
  if (fn) PetscCall(CfxFVSetFaceFlux(fv, fn, st, st->p, st->q));
  PetscCall(CfxFVSetInitialCondition(fv, Initial, NULL));
  if (fn) PetscCall(CfxFVView(fv, NULL));
  PetscCall(CfxFVSolve(fv, 1, &tf, NULL, NULL));
  PetscCall(CfxFVGetSolution(fv, &U));
  PetscCall(VecDuplicate(U, out));
  PetscCall(VecCopy(U, *out));
  PetscCall(CfxFVDestroy(&fv));
  PetscFunctionReturn(0);
}

static PetscErrorCode Compare(const char *what, CfxFVReconstructionType recon, CfxFVBCType bc, CfxFVFaceFluxFn fn, PetscInt p, PetscInt q)
{
  Stencil st = {p, q, 0};
  Vec A, B;
  PetscReal diff, norm;

  PetscFunctionBeginUser;
  PetscCall(Run(recon, bc, NULL, NULL, &A));
  PetscCall(Run(recon, bc, fn, &st, &B));
  PetscCall(VecNorm(A, NORM_INFINITY, &norm));
  PetscCall(VecAXPY(B, -1, A));
  PetscCall(VecNorm(B, NORM_INFINITY, &diff));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s (p = %" PetscInt_FMT ", q = %" PetscInt_FMT ", %s): %" PetscInt_FMT " callback calls on rank 0, max difference to the built-in scheme %.3e\n", what, p, q,
                        CfxFVBCTypes[bc], st.calls, (double)diff));
  PetscCheck(st.calls > 0, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: the face-flux callback was never called", what);
  PetscCheck(diff <= 1e-14 * norm, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s: user face flux and built-in scheme differ by %g", what, (double)diff);
  PetscCall(VecDestroy(&A));
  PetscCall(VecDestroy(&B));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(Compare("first-order Rusanov, wide stencil", CFXFV_RECONSTRUCTION_NONE, CFXFV_BC_PERIODIC, FirstOrderWide, 3, 4));
  PetscCall(Compare("first-order Rusanov, wide stencil", CFXFV_RECONSTRUCTION_NONE, CFXFV_BC_OUTFLOW, FirstOrderWide, 1, 5));
  PetscCall(Compare("MUSCL-minmod Rusanov", CFXFV_RECONSTRUCTION_MUSCL, CFXFV_BC_PERIODIC, MusclMinmod, 2, 2));
  PetscCall(Compare("MUSCL-minmod Rusanov", CFXFV_RECONSTRUCTION_MUSCL, CFXFV_BC_OUTFLOW, MusclMinmod, 2, 2));
  PetscCall(CfxFinalize());
  return 0;
}
