/* The baselines of the INEUS comparison, trained in the same loop as the INEUS-style
   iteration (same MLP, scalings, batch split over ranks, Adam, tail averaging, budget and
   history; ineus.c dispatches one Adam step here per inner step).

   PINN: at points (t, x) ~ U[0,T) x rho the residual
     R = u_t + b.grad u + 1/2 sum_k S_k^2 u_kk + lambda (1/m sum_j u(t, x + G_j) - u) - r u + f
   with the exact network derivatives (forward-mode jets, ineus_jet.c) and the jump integral as
   an m-sample Monte Carlo mean (-ineus_pinn_jumps), plus the terminal misfit at (T, x):
     loss = mean (R/us)^2 + mean ((u(T, x) - g(x))/us)^2.
   The Laplacian term needs a constant diagonal diffusion (all built-in problems).

   Deep BSDE with jumps, value at x0 (-ineus_bsde_steps N, h = T/N): paths X from x0 with
   Euler steps and Poisson(lambda h) jumps per step; Y_0 = u(0, x0) and
     Y_{n+1} = Y_n + (r Y_n - f) h + grad u(t_n, X_n).dX_n + [u(t_n, X_n + G) - u(t_n, X_n)]
               - lambda h [u(t_n, X_n + G') - u(t_n, X_n)],
   dX_n the diffusion increment, G the (sum of the) jumps of the step, G' an independent mark
   (the compensator lambda h E[u(x + G) - u(x)] by one sample); loss mean ((Y_N - g(X_N))/us)^2.
   The network over (t, x) plays Y_0, Z = S^T grad u and the jump integrand U. */
#include "ineusimpl.h"

static uint64_t Mix(uint64_t a, uint64_t b)
{
  uint64_t z = a + 0x9e3779b97f4a7c15ULL * (b + 1);
  z          = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z          = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Rank share [lo, hi) of a global batch of M. */
static PetscErrorCode Share(CfxINEUS s, PetscInt M, PetscInt *lo, PetscInt *m)
{
  PetscMPIInt rank, size;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(s->comm, &rank));
  PetscCallMPI(MPI_Comm_size(s->comm, &size));
  *lo = (M * rank) / size;
  *m  = (M * (rank + 1)) / size - *lo;
  PetscFunctionReturn(0);
}

/* Network inputs (2t/T - 1, (x - xc)/xs) of n points as a tape tensor [n, 1 + d]. */
static PetscErrorCode Inputs(CfxINEUS s, PetscInt n, const PetscReal t[], const PetscReal x[], CfxTensor *in)
{
  const PetscInt d  = s->d;
  PetscInt shape[2] = {n, 1 + d};
  PetscReal T;

  PetscFunctionBegin;
  PetscCall(CfxPIDEGetHorizon(s->pide, &T));
  PetscCall(CfxTapeNewTensorUninit(s->tape, 2, shape, in));
  for (PetscInt i = 0; i < n; i++) {
    (*in)->data[i * (1 + d)] = 2 * t[i] / T - 1;
    for (PetscInt j = 0; j < d; j++) (*in)->data[i * (1 + d) + 1 + j] = (x[i * d + j] - s->xc[j]) / s->xs;
  }
  PetscFunctionReturn(0);
}

/* Sums the gradients and the loss over the ranks and takes the Adam step. */
static PetscErrorCode Finish(CfxINEUS s, PetscReal *lsum)
{
  PetscMPIInt size;
  PetscInt npar;
  PetscReal *grad;

  PetscFunctionBegin;
  PetscCall(CfxTapeReset(s->tape));
  PetscCallMPI(MPI_Comm_size(s->comm, &size));
  PetscCall(CfxParamSetGetArrays(s->params, NULL, &grad));
  PetscCall(CfxParamSetGetSize(s->params, &npar));
  if (size > 1) {
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, grad, (PetscMPIInt)npar, MPIU_REAL, MPI_SUM, s->comm));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, lsum, 1, MPIU_REAL, MPI_SUM, s->comm));
  }
  PetscCall(CfxOptimizerStep(s->opt));
  PetscFunctionReturn(0);
}

/* Weights c[1 + d] of the diagonal second derivatives of N(z) = (u - uc)/us in the network
   inputs z = (2t/T - 1, (x - xc)/xs): sum_k c_k d2N/dz_k^2 = 1/2 sum_k S_k^2 u_kk / us. */
PetscErrorCode CfxPIDEPINNLaplacianWeights(CfxPIDE p, PetscReal xs, PetscReal c[])
{
  PetscFunctionBegin;
  PetscCheck(!p->diffusion && p->dtype == CFX_PIDE_DIFFUSION_DIAGONAL, p->comm, PETSC_ERR_SUP, "PINN residual: the exact Laplacian term is built for a constant diagonal diffusion");
  c[0] = 0;
  for (PetscInt k = 0; k < p->d; k++) c[1 + k] = 0.5 * PetscSqr(p->S_const[k] / xs);
  PetscFunctionReturn(0);
}

/* The PINN residual in network units, assembled from a function's derivatives (so it can be
   checked on the exact solution, tests/ineus/test_pinn_residual.c):
     R = (u_t + b.grad u + 1/2 sum_k S_k^2 u_kk + lambda (mean_j u(t, x + G_j) - u) - r u + f)/us
   from N = (u - uc)/us [n, 1], its input derivatives J [n, 1 + d, 1] (z as above), L = sum_k
   c_k d2N/dz_k^2 [n, 1] and the values Nj [n, mj] at the points of CfxPIDEJumpPoints. Tape ops,
   differentiable in whatever N, J, L and Nj depend on. */
PetscErrorCode CfxPIDEPINNResidual(CfxPIDE p, CfxTape tape, PetscInt n, const PetscReal t[], const PetscReal x[], PetscReal xs, PetscReal uc, PetscReal us, CfxTensor N, CfxTensor J, CfxTensor L,
                                   CfxTensor Nj, CfxTensor *R)
{
  const PetscInt d = p->d, D = 1 + d;
  PetscInt sh3[3] = {n, D, 1}, sh1[2] = {n, 1};
  PetscReal T, lam                    = p->lambda, *bx;
  CfxTensor Bw, dr, NjM, A;

  PetscFunctionBegin;
  PetscCall(CfxPIDEGetHorizon(p, &T));
  /* time and drift derivatives: sum_k w_k J_k with w_0 = 2/T, w_k = b_k/xs */
  PetscCall(CfxTapeNewTensorUninit(tape, 3, sh3, &Bw));
  PetscCall(PetscMalloc1(d, &bx));
  for (PetscInt i = 0; i < n; i++) {
    if (p->drift)
      PetscCall(p->drift(t[i], &x[i * d], bx, p->driftctx));
    else if (p->b_const)
      PetscCall(PetscArraycpy(bx, p->b_const, d));
    else
      PetscCall(PetscArrayzero(bx, d));
    Bw->data[i * D] = 2 / T;
    for (PetscInt k = 0; k < d; k++) Bw->data[i * D + 1 + k] = bx[k] / xs;
  }
  PetscCall(PetscFree(bx));
  PetscCall(CfxOpMul(tape, J, Bw, &dr));
  PetscCall(CfxOpSum(tape, dr, 1, &dr)); /* [n, 1] */
  PetscCall(CfxOpAdd(tape, dr, L, R));
  /* jumps: lambda (mean_j N_j - N); discount: -r N; known part (f - r uc)/us */
  PetscCall(CfxOpMean(tape, Nj, 1, &NjM));
  PetscCall(CfxOpReshape(tape, NjM, 2, sh1, &NjM));
  PetscCall(CfxOpScale(tape, NjM, lam, 0, &A));
  PetscCall(CfxOpAdd(tape, *R, A, R));
  PetscCall(CfxOpScale(tape, N, -(lam + p->r), 0, &A));
  PetscCall(CfxOpAdd(tape, *R, A, R));
  PetscCall(CfxTapeNewTensorUninit(tape, 2, sh1, &A));
  for (PetscInt i = 0; i < n; i++) {
    PetscReal f = 0;
    if (p->source) PetscCall(p->source(t[i], &x[i * d], &f, p->sourcectx));
    A->data[i] = (f - p->r * uc) / us;
  }
  PetscCall(CfxOpAdd(tape, *R, A, R));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxINEUSPINNStep(CfxINEUS s, PetscInt step, PetscReal *loss)
{
  CfxPIDE p        = s->pide;
  const PetscInt d = s->d, D = 1 + d, M = s->batch, mj = s->pinn_jumps;
  PetscInt lo, m;
  PetscReal *t, *x, *tj, *xj, *tT, *c, T, lsum = 0;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CFX_INEUS_Step, 0, 0, 0, 0));
  PetscCall(Share(s, M, &lo, &m));
  PetscCall(CfxPIDEGetHorizon(p, &T));
  PetscCall(PetscMalloc6(m, &t, m * d, &x, m * mj, &tj, (size_t)m * mj * d, &xj, m, &tT, D, &c));
  PetscCall(CfxPIDESamplePoints(p, Mix(s->seed, 11), (uint64_t)step * M + lo, m, t, x));
  PetscCall(CfxPIDEJumpPoints(p, Mix(s->seed, 12), (uint64_t)step * M + lo, m, t, x, mj, xj)); /* mj jump marks per point, stream of the point */
  for (PetscInt i = 0; i < m; i++) {
    for (PetscInt j = 0; j < mj; j++) tj[i * mj + j] = t[i];
    tT[i] = T;
  }
  PetscCall(CfxPIDEPINNLaplacianWeights(p, s->xs, c));
  PetscCall(CfxParamSetZeroGrad(s->params));
  PetscCall(CfxTapeSetRecording(s->tape, PETSC_TRUE));
  if (m > 0) {
    CfxTensor in, N, J, L, inj, Nj, inT, NT, R, gT, Lr, Lt, Ltot;
    PetscInt sh2[2] = {m, mj}, sh1[2] = {m, 1};

    PetscCall(Inputs(s, m, t, x, &in));
    PetscCall(CfxINEUSMLPJet(s->net, s->tape, in, NULL, c, &N, &J, &L));
    PetscCall(Inputs(s, m * mj, tj, xj, &inj));
    PetscCall(CfxModuleForward(s->net, s->tape, inj, &Nj));
    PetscCall(CfxOpReshape(s->tape, Nj, 2, sh2, &Nj));
    PetscCall(CfxPIDEPINNResidual(p, s->tape, m, t, x, s->xs, s->uc, s->us, N, J, L, Nj, &R));
    PetscCall(CfxOpSquare(s->tape, R, &Lr));
    PetscCall(CfxOpSum(s->tape, Lr, -1, &Lr));
    /* terminal condition at (T, x) */
    PetscCall(Inputs(s, m, tT, x, &inT));
    PetscCall(CfxModuleForward(s->net, s->tape, inT, &NT));
    PetscCall(CfxTapeNewTensorUninit(s->tape, 2, sh1, &gT));
    for (PetscInt i = 0; i < m; i++) {
      PetscCall(CfxPIDETerminal(p, &x[i * d], &gT->data[i]));
      gT->data[i] = (gT->data[i] - s->uc) / s->us;
    }
    PetscCall(CfxOpSub(s->tape, NT, gT, &Lt));
    PetscCall(CfxOpSquare(s->tape, Lt, &Lt));
    PetscCall(CfxOpSum(s->tape, Lt, -1, &Lt));
    PetscCall(CfxOpAdd(s->tape, Lr, Lt, &Ltot));
    PetscCall(CfxOpScale(s->tape, Ltot, 1.0 / M, 0, &Ltot)); /* this rank's share of the global means */
    lsum = Ltot->data[0];
    PetscCall(CfxTapeBackward(s->tape, Ltot));
  }
  PetscCall(Finish(s, &lsum));
  *loss = lsum * s->us * s->us;
  PetscCall(PetscFree6(t, x, tj, xj, tT, c));
  PetscCall(PetscLogEventEnd(CFX_INEUS_Step, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxINEUSBSDEStep(CfxINEUS s, PetscInt step, PetscReal *loss)
{
  CfxPIDE p        = s->pide;
  const PetscInt d = s->d, D = 1 + d, M = s->batch, N = s->bsde_steps;
  PetscInt lo, m;
  PetscReal *t, *X, *Xn, *dX, *Xj, *Xc, T, h, lam, lsum = 0;
  const PetscReal *x0;
  CfxRNG *rng;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CFX_INEUS_Step, 0, 0, 0, 0));
  PetscCall(Share(s, M, &lo, &m));
  PetscCall(CfxPIDEGetHorizon(p, &T));
  PetscCall(CfxPIDEGetReferencePoint(p, &x0));
  h   = T / N;
  lam = p->lambda;
  PetscCall(PetscMalloc6(m, &t, m * d, &X, m * d, &Xn, m * d, &dX, m * d, &Xj, m * d, &Xc));
  PetscCall(PetscMalloc1(m, &rng));
  for (PetscInt i = 0; i < m; i++) {
    PetscCall(CfxRNGSetSeed(&rng[i], Mix(s->seed, 21), (uint64_t)step * M + lo + i));
    PetscCall(PetscArraycpy(&X[i * d], x0, d));
    t[i] = 0;
  }
  PetscCall(CfxParamSetZeroGrad(s->params));
  PetscCall(CfxTapeSetRecording(s->tape, PETSC_TRUE));
  if (m > 0) {
    CfxTensor in, Y, V, Nn, Jv, A, B, inj, inc, Nj, Nc, g, L;
    PetscInt sh3[3] = {m, 1, D}, sh1[2] = {m, 1};

    PetscCall(Inputs(s, m, t, X, &in));
    PetscCall(CfxModuleForward(s->net, s->tape, in, &Y)); /* Y in network units: (Y - uc)/us */
    for (PetscInt n = 0; n < N; n++) {
      PetscReal tn = n * h;
      /* path step: diffusion increment, jumps of the step (Poisson count), compensator mark */
      for (PetscInt i = 0; i < m; i++) {
        PetscReal u = CfxRNGUniform(&rng[i]), w = PetscExpReal(-lam * h), cdf = w;
        PetscInt k = 0;
        t[i]       = tn;
        PetscCall(PetscArraycpy(&Xn[i * d], &X[i * d], d));
        PetscCall(CfxPIDEEulerStep_Private(p, tn, h, &Xn[i * d], &rng[i], &dX[i * d]));
        while (u > cdf && k < 50) { /* inversion of Poisson(lambda h) */
          k++;
          w *= lam * h / k;
          cdf += w;
        }
        PetscCall(PetscArraycpy(&Xj[i * d], &X[i * d], d));
        for (PetscInt j = 0; j < k; j++) PetscCall(CfxPIDEJumpPoint_Private(p, tn, &Xj[i * d], &rng[i], &Xj[i * d]));
        PetscCall(CfxPIDEJumpPoint_Private(p, tn, &X[i * d], &rng[i], &Xc[i * d]));
        for (PetscInt j = 0; j < d; j++) Xn[i * d + j] += Xj[i * d + j] - X[i * d + j];
      }
      /* Y += (r Y - f) h / us-scaled; grad u . dX by one directional jet; jump terms */
      PetscCall(Inputs(s, m, t, X, &in));
      PetscCall(CfxTapeNewTensorUninit(s->tape, 3, sh3, &V));
      for (PetscInt i = 0; i < m; i++) {
        V->data[i * D] = 0;
        for (PetscInt j = 0; j < d; j++) V->data[i * D + 1 + j] = dX[i * d + j] / s->xs;
      }
      PetscCall(CfxINEUSMLPJet(s->net, s->tape, in, V, NULL, &Nn, &Jv, NULL));
      PetscCall(CfxOpReshape(s->tape, Jv, 2, sh1, &Jv));
      PetscCall(CfxOpScale(s->tape, Y, 1 + p->r * h, 0, &A));
      PetscCall(CfxTapeNewTensorUninit(s->tape, 2, sh1, &B));
      for (PetscInt i = 0; i < m; i++) {
        PetscReal f = 0;
        if (p->source) PetscCall(p->source(tn, &X[i * d], &f, p->sourcectx));
        B->data[i] = (p->r * s->uc - f) * h / s->us;
      }
      PetscCall(CfxOpAdd(s->tape, A, B, &A));
      PetscCall(CfxOpAdd(s->tape, A, Jv, &A));
      PetscCall(Inputs(s, m, t, Xj, &inj));
      PetscCall(Inputs(s, m, t, Xc, &inc));
      PetscCall(CfxModuleForward(s->net, s->tape, inj, &Nj));
      PetscCall(CfxModuleForward(s->net, s->tape, inc, &Nc));
      PetscCall(CfxOpSub(s->tape, Nj, Nn, &B)); /* 0 without a jump */
      PetscCall(CfxOpAdd(s->tape, A, B, &A));
      PetscCall(CfxOpSub(s->tape, Nc, Nn, &B));
      PetscCall(CfxOpScale(s->tape, B, -lam * h, 0, &B));
      PetscCall(CfxOpAdd(s->tape, A, B, &Y));
      PetscCall(PetscArraycpy(X, Xn, m * d));
    }
    PetscCall(CfxTapeNewTensorUninit(s->tape, 2, sh1, &g));
    for (PetscInt i = 0; i < m; i++) {
      PetscCall(CfxPIDETerminal(p, &X[i * d], &g->data[i]));
      g->data[i] = (g->data[i] - s->uc) / s->us;
    }
    PetscCall(CfxOpSub(s->tape, Y, g, &L));
    PetscCall(CfxOpSquare(s->tape, L, &L));
    PetscCall(CfxOpSum(s->tape, L, -1, &L));
    PetscCall(CfxOpScale(s->tape, L, 1.0 / M, 0, &L));
    lsum = L->data[0];
    PetscCall(CfxTapeBackward(s->tape, L));
  }
  PetscCall(Finish(s, &lsum));
  *loss = lsum * s->us * s->us;
  PetscCall(PetscFree(rng));
  PetscCall(PetscFree6(t, X, Xn, dX, Xj, Xc));
  PetscCall(PetscLogEventEnd(CFX_INEUS_Step, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
