/* CfxLGP object: settings, observation functionals, Gram assembly, robust factorisation and
   posterior evaluation of linear functionals. */
#include "lgpimpl.h"
#include <lapacke.h>

const char *const CfxLGPModels[] = {"dlgp", "clgp", "narx", "CfxLGPModel", "CFX_LGP_", NULL};
const char *const CfxLGPGauges[] = {"none", "value", "momentum", "both", "CfxLGPGauge", "CFX_LGP_GAUGE_", NULL};

PetscLogEvent CFX_LGP_Assemble, CFX_LGP_Factor, CFX_LGP_Fit, CFX_LGP_Rollout;
static PetscBool registered = PETSC_FALSE;

static PetscErrorCode CfxLGPFinalizePackage(void)
{
  PetscFunctionBegin;
  registered = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxLGPInitializePackage(void)
{
  PetscFunctionBegin;
  if (registered) PetscFunctionReturn(0);
  registered = PETSC_TRUE;
  PetscCall(PetscLogEventRegister("CfxLGPAssemble", CFX_CLASSID, &CFX_LGP_Assemble));
  PetscCall(PetscLogEventRegister("CfxLGPFactor", CFX_CLASSID, &CFX_LGP_Factor));
  PetscCall(PetscLogEventRegister("CfxLGPFit", CFX_CLASSID, &CFX_LGP_Fit));
  PetscCall(PetscLogEventRegister("CfxLGPRollout", CFX_CLASSID, &CFX_LGP_Rollout));
  PetscCall(PetscRegisterFinalize(CfxLGPFinalizePackage));
  PetscFunctionReturn(0);
}

PetscInt CfxLGPDim(CfxLGP lgp) { return 2 * lgp->d; }

/*@C
  CfxLGPCreate - Creates an LGP model: D-LGP, unit length scales and signal std, noise 1e-6,
  gauge L(0) = 1 and momentum (1, ..., 1) at 0, relative jitter 1e-10 .. 1e-6.
@*/
PetscErrorCode CfxLGPCreate(MPI_Comm comm, CfxLGP *lgp)
{
  CfxLGP l;

  PetscFunctionBegin;
  PetscValidPointer(lgp, 2);
  PetscCall(CfxLGPInitializePackage());
  PetscCall(PetscNew(&l));
  l->comm      = comm;
  l->model     = CFX_LGP_DLGP;
  l->kern.sf2  = 1;
  l->kernR.sf2 = 0.01;
  for (PetscInt j = 0; j < CFX_LGP_MAX_DIM; j++) {
    l->kern.ell[j]  = 1;
    l->kernR.ell[j] = 1;
    l->pb[j]        = 1;
  }
  l->noise       = 1e-6;
  l->gauge       = CFX_LGP_GAUGE_BOTH;
  l->Lb          = 1;
  l->jitter0     = 1e-10;
  l->jitterMax   = 1e-6;
  l->fitEll      = PETSC_TRUE;
  l->fitNoise    = PETSC_TRUE;
  l->fitLo       = -12;
  l->fitHi       = 6;
  l->newtonTol   = 1e-10;
  l->newtonMaxit = 50;
  l->maxJump     = 10;
  l->ngrid       = 5;
  l->grid[0]     = 0.25;
  l->grid[1]     = 0.5;
  l->grid[2]     = 1;
  l->grid[3]     = 2;
  l->grid[4]     = 4;
  l->selScore    = -1;
  *lgp           = l;
  PetscFunctionReturn(0);
}

static PetscErrorCode CfxLGPReset(CfxLGP lgp)
{
  PetscFunctionBegin;
  PetscCall(PetscFree3(lgp->ostart, lgp->onoise, lgp->Y));
  PetscCall(PetscFree4(lgp->apt, lgp->aj, lgp->ac, lgp->pts));
  PetscCall(PetscFree3(lgp->K, lgp->F, lgp->alpha));
  PetscCall(PetscFree(lgp->piv));
  PetscCall(PetscFree(lgp->M));
  PetscCall(PetscFree(lgp->W));
  lgp->setup = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxLGPDestroy(CfxLGP *lgp)
{
  PetscFunctionBegin;
  if (!*lgp) PetscFunctionReturn(0);
  PetscCall(CfxLGPReset(*lgp));
  PetscCall(PetscFree3((*lgp)->q, (*lgp)->u, (*lgp)->B));
  PetscCall(PetscFree2((*lgp)->vq, (*lgp)->vu));
  PetscCall(PetscFree(*lgp));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxLGPSetModel(CfxLGP lgp, CfxLGPModel model)
{
  PetscFunctionBegin;
  PetscValidPointer(lgp, 1);
  PetscCheck(model >= CFX_LGP_DLGP && model <= CFX_LGP_NARX, lgp->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxLGPSetModel: unknown model %d", (int)model);
  PetscCall(CfxLGPReset(lgp));
  lgp->model  = model;
  lgp->fitSf  = model == CFX_LGP_NARX;
  lgp->fitEll = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxLGPGetModel(CfxLGP lgp, CfxLGPModel *model)
{
  PetscFunctionBegin;
  *model = lgp->model;
  PetscFunctionReturn(0);
}

/*@C
  CfxLGPSetData - Training trajectories q[ntraj][nsteps][d] at step h, and optionally inputs
  u[ntraj][nsteps][m] (u_k acts on the interval (q_k, q_{k+1})). Copies the data.
@*/
PetscErrorCode CfxLGPSetData(CfxLGP lgp, PetscInt ntraj, PetscInt nsteps, PetscInt d, PetscReal h, const PetscReal q[], PetscInt m, const PetscReal u[])
{
  PetscFunctionBegin;
  PetscValidPointer(lgp, 1);
  PetscCheck(ntraj >= 1, lgp->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxLGPSetData: expected at least 1 trajectory, found %" PetscInt_FMT, ntraj);
  PetscCheck(nsteps >= 3, lgp->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxLGPSetData: expected at least 3 snapshots per trajectory (one DEL equation), found %" PetscInt_FMT, nsteps);
  PetscCheck(d >= 1 && 2 * d <= CFX_LGP_MAX_DIM, lgp->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxLGPSetData: expected dimension d in [1, %d], found %" PetscInt_FMT, CFX_LGP_MAX_DIM / 2, d);
  PetscCheck(h > 0 && PetscIsNormalReal(h), lgp->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxLGPSetData: expected a positive time step h, found %g", (double)h);
  PetscCheck(m >= 0 && (!m || u), lgp->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxLGPSetData: expected m >= 0 and inputs when m > 0, found m = %" PetscInt_FMT, m);
  PetscCall(CfxCheckFinite(lgp->comm, "CfxLGPSetData: positions q", ntraj * nsteps * d, q));
  if (m) PetscCall(CfxCheckFinite(lgp->comm, "CfxLGPSetData: inputs u", ntraj * nsteps * m, u));
  PetscCall(CfxLGPReset(lgp));
  PetscCall(PetscFree3(lgp->q, lgp->u, lgp->B));
  PetscCall(PetscMalloc3(ntraj * nsteps * d, &lgp->q, ntraj * nsteps * m, &lgp->u, d * m, &lgp->B));
  PetscCall(PetscArraycpy(lgp->q, q, ntraj * nsteps * d));
  if (m) PetscCall(PetscArraycpy(lgp->u, u, ntraj * nsteps * m));
  for (PetscInt i = 0; i < d * m; i++) lgp->B[i] = (i / m == i % m) ? 1 : 0; /* default B = identity block */
  lgp->ntraj     = ntraj;
  lgp->nsteps    = nsteps;
  lgp->d         = d;
  lgp->m         = m;
  lgp->h         = h;
  lgp->kern.dim  = 2 * d;
  lgp->kernR.dim = d;
  lgp->maxStep   = 0;
  for (PetscInt t = 0; t < ntraj; t++)
    for (PetscInt k = 0; k + 1 < nsteps; k++)
      for (PetscInt i = 0; i < d; i++) lgp->maxStep = PetscMax(lgp->maxStep, PetscAbsReal(q[(t * nsteps + k + 1) * d + i] - q[(t * nsteps + k) * d + i]));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxLGPGetSizes(CfxLGP lgp, PetscInt *d, PetscReal *h, PetscInt *m)
{
  PetscFunctionBegin;
  if (d) *d = lgp->d;
  if (h) *h = lgp->h;
  if (m) *m = lgp->m;
  PetscFunctionReturn(0);
}

/*@C
  CfxLGPSetInputMatrix - The known input matrix B (d x m, row-major): the generalised force is
  B u, entering the DEL equations as f+-_d = (h/2) B u. Default: the identity block.
@*/
PetscErrorCode CfxLGPSetInputMatrix(CfxLGP lgp, const PetscReal B[])
{
  PetscFunctionBegin;
  PetscCheck(lgp->q, lgp->comm, PETSC_ERR_ORDER, "CfxLGPSetInputMatrix: call CfxLGPSetData() first");
  PetscCall(CfxCheckFinite(lgp->comm, "CfxLGPSetInputMatrix: B", lgp->d * lgp->m, B));
  PetscCall(PetscArraycpy(lgp->B, B, lgp->d * lgp->m));
  lgp->setup = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxLGPSetLengthScales(CfxLGP lgp, const PetscReal ell[])
{
  PetscFunctionBegin;
  PetscCheck(lgp->d, lgp->comm, PETSC_ERR_ORDER, "CfxLGPSetLengthScales: call CfxLGPSetData() first");
  for (PetscInt j = 0; j < 2 * lgp->d; j++) {
    PetscCheck(ell[j] > 0 && PetscIsNormalReal(ell[j]), lgp->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxLGPSetLengthScales: expected positive length scales, found ell[%" PetscInt_FMT "] = %g", j,
               (double)ell[j]);
    lgp->kern.ell[j] = ell[j];
  }
  lgp->setup = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxLGPGetLengthScales(CfxLGP lgp, PetscReal ell[])
{
  PetscFunctionBegin;
  for (PetscInt j = 0; j < 2 * lgp->d; j++) ell[j] = lgp->kern.ell[j];
  PetscFunctionReturn(0);
}

PetscErrorCode CfxLGPSetSignalStd(CfxLGP lgp, PetscReal sf)
{
  PetscFunctionBegin;
  PetscCheck(sf > 0 && PetscIsNormalReal(sf), lgp->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxLGPSetSignalStd: expected a positive value, found %g", (double)sf);
  lgp->kern.sf2 = sf * sf;
  lgp->setup    = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxLGPSetNoiseStd(CfxLGP lgp, PetscReal s)
{
  PetscFunctionBegin;
  PetscCheck(s >= 0 && !PetscIsInfOrNanReal(s), lgp->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxLGPSetNoiseStd: expected a value >= 0, found %g", (double)s);
  lgp->noise = s;
  lgp->setup = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxLGPGetHyperparameters(CfxLGP lgp, PetscReal ell[], PetscReal *sf, PetscReal *noise)
{
  PetscFunctionBegin;
  if (ell) PetscCall(CfxLGPGetLengthScales(lgp, ell));
  if (sf) *sf = PetscSqrtReal(lgp->kern.sf2);
  if (noise) *noise = lgp->noise;
  PetscFunctionReturn(0);
}

/*@C
  CfxLGPSetGauge - Which gauge rows to add: L(z_b) = Lb (value) and the momentum at z_b equal
  to pb (D2 L_d(z_b) for D-LGP, d_v L(z_b) for C-LGP). zb (2d entries) and pb (d) may be NULL
  for the defaults 0 and (1, ..., 1).
@*/
PetscErrorCode CfxLGPSetGauge(CfxLGP lgp, CfxLGPGauge gauge, const PetscReal zb[], PetscReal Lb, const PetscReal pb[])
{
  PetscFunctionBegin;
  PetscCheck(lgp->d, lgp->comm, PETSC_ERR_ORDER, "CfxLGPSetGauge: call CfxLGPSetData() first");
  lgp->gauge = gauge;
  for (PetscInt j = 0; j < 2 * lgp->d; j++) lgp->zb[j] = zb ? zb[j] : 0;
  for (PetscInt j = 0; j < lgp->d; j++) lgp->pb[j] = pb ? pb[j] : 1;
  lgp->Lb    = Lb;
  lgp->setup = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxLGPSetJitter(CfxLGP lgp, PetscReal j0, PetscReal jmax)
{
  PetscFunctionBegin;
  PetscCheck(j0 >= 0 && jmax >= j0, lgp->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxLGPSetJitter: expected 0 <= jitter <= jitter_max, found %g, %g", (double)j0, (double)jmax);
  lgp->jitter0   = j0;
  lgp->jitterMax = jmax;
  lgp->setup     = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/*@C
  CfxLGPSetNARXExtrapolate - GP-NARX learns the correction to linear extrapolation,
  q_{k+1} - (2 q_k - q_{k-1}), instead of q_{k+1} itself (default false: q_{k+1}).
@*/
PetscErrorCode CfxLGPSetNARXExtrapolate(CfxLGP lgp, PetscBool flg)
{
  PetscFunctionBegin;
  lgp->narxExtrapolate = flg;
  lgp->setup           = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/*@C
  CfxLGPSetPriorMean - A known prior mean m of the latent function (NULL to remove): the GP
  then models L - m. Used for a known part of the Lagrangian (e.g. the kinetic energy), and to
  check the machinery with an exactly known Lagrangian. With a prior mean the gauge rows may be
  dropped (-lgp_gauge none): m fixes the gauge. Not for narx; models with a prior mean cannot be
  saved (the callback is code).
@*/
PetscErrorCode CfxLGPSetPriorMean(CfxLGP lgp, CfxLGPMeanFn fn, void *ctx)
{
  PetscFunctionBegin;
  PetscValidPointer(lgp, 1);
  lgp->meanFn  = fn;
  lgp->meanCtx = ctx;
  lgp->setup   = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* c * (d/dz_j) m(z), or m(z) for j = -1 (0 without a prior mean). */
PetscErrorCode CfxLGPPriorMeanAtom(CfxLGP lgp, const PetscReal z[], PetscInt j, PetscReal *v)
{
  PetscReal g[CFX_LGP_MAX_DIM];

  PetscFunctionBegin;
  *v = 0;
  if (!lgp->meanFn || j >= 2 * lgp->d) PetscFunctionReturn(0); /* the prior mean is of L only */
  if (j < 0)
    PetscCall(lgp->meanFn(2 * lgp->d, z, v, NULL, NULL, lgp->meanCtx));
  else {
    PetscCall(lgp->meanFn(2 * lgp->d, z, NULL, g, NULL, lgp->meanCtx));
    *v = g[j];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode CfxLGPSetFitMask(CfxLGP lgp, PetscBool ell, PetscBool sf, PetscBool noise)
{
  PetscFunctionBegin;
  lgp->fitEll   = ell;
  lgp->fitSf    = sf;
  lgp->fitNoise = noise;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxLGPSetFromOptions(CfxLGP lgp)
{
  PetscInt model = lgp->model, gauge = lgp->gauge, D = 2 * lgp->d, n;
  PetscReal ell[CFX_LGP_MAX_DIM], sf = PetscSqrtReal(lgp->kern.sf2), bounds[2] = {lgp->fitLo, lgp->fitHi};
  PetscBool set;

  PetscFunctionBegin;
  PetscCheck(lgp->d, lgp->comm, PETSC_ERR_ORDER, "CfxLGPSetFromOptions: call CfxLGPSetData() first");
  PetscOptionsBegin(lgp->comm, NULL, "Lagrangian Gaussian process (CfxLGP)", "CfxLGP");
  PetscCall(PetscOptionsEList("-lgp_model", "Model", "CfxLGPSetModel", CfxLGPModels, 3, CfxLGPModels[model], &model, &set));
  if (set) PetscCall(CfxLGPSetModel(lgp, (CfxLGPModel)model));
  for (PetscInt j = 0; j < D; j++) ell[j] = lgp->kern.ell[j];
  n = D;
  PetscCall(PetscOptionsRealArray("-lgp_ell", "ARD length scales (2d values)", "CfxLGPSetLengthScales", ell, &n, &set));
  if (set) {
    PetscCheck(n == D || n == 1, lgp->comm, PETSC_ERR_ARG_SIZ, "-lgp_ell: expected %" PetscInt_FMT " values (or 1 for all), found %" PetscInt_FMT, D, n);
    for (PetscInt j = n; j < D; j++) ell[j] = ell[0];
    PetscCall(CfxLGPSetLengthScales(lgp, ell));
  }
  PetscCall(PetscOptionsReal("-lgp_sf", "Signal standard deviation", "CfxLGPSetSignalStd", sf, &sf, &set));
  if (set) PetscCall(CfxLGPSetSignalStd(lgp, sf));
  PetscCall(PetscOptionsReal("-lgp_noise", "Noise std on DEL rows (nugget) or NARX targets", "CfxLGPSetNoiseStd", lgp->noise, &lgp->noise, NULL));
  PetscCall(CfxLGPSetNoiseStd(lgp, lgp->noise));
  PetscCall(PetscOptionsEList("-lgp_gauge", "Gauge rows", "CfxLGPSetGauge", CfxLGPGauges, 4, CfxLGPGauges[gauge], &gauge, NULL));
  lgp->gauge = (CfxLGPGauge)gauge;
  n          = D;
  PetscCall(PetscOptionsRealArray("-lgp_gauge_point", "Gauge base point z_b (2d values)", "CfxLGPSetGauge", lgp->zb, &n, &set));
  PetscCheck(!set || n == D, lgp->comm, PETSC_ERR_ARG_SIZ, "-lgp_gauge_point: expected %" PetscInt_FMT " values, found %" PetscInt_FMT, D, n);
  PetscCall(PetscOptionsReal("-lgp_gauge_value", "L(z_b)", "CfxLGPSetGauge", lgp->Lb, &lgp->Lb, NULL));
  n = lgp->d;
  PetscCall(PetscOptionsRealArray("-lgp_gauge_momentum", "Momentum at z_b (d values)", "CfxLGPSetGauge", lgp->pb, &n, &set));
  PetscCheck(!set || n == lgp->d, lgp->comm, PETSC_ERR_ARG_SIZ, "-lgp_gauge_momentum: expected %" PetscInt_FMT " values, found %" PetscInt_FMT, lgp->d, n);
  PetscCall(PetscOptionsReal("-lgp_jitter", "First relative jitter tried", "CfxLGPSetJitter", lgp->jitter0, &lgp->jitter0, NULL));
  PetscCall(PetscOptionsReal("-lgp_jitter_max", "Largest relative jitter before pivoted Cholesky", "CfxLGPSetJitter", lgp->jitterMax, &lgp->jitterMax, NULL));
  PetscCall(CfxLGPSetJitter(lgp, lgp->jitter0, lgp->jitterMax));
  PetscCall(PetscOptionsBool("-lgp_fit_ell", "ML-II fits the length scales", "CfxLGPSetFitMask", lgp->fitEll, &lgp->fitEll, NULL));
  PetscCall(PetscOptionsBool("-lgp_fit_sf", "ML-II fits the signal std", "CfxLGPSetFitMask", lgp->fitSf, &lgp->fitSf, NULL));
  PetscCall(PetscOptionsBool("-lgp_fit_noise", "ML-II fits the noise std", "CfxLGPSetFitMask", lgp->fitNoise, &lgp->fitNoise, NULL));
  n = 2;
  PetscCall(PetscOptionsRealArray("-lgp_fit_bounds", "Bounds on every log-hyperparameter", "CfxLGPFit", bounds, &n, &set));
  PetscCheck(!set || (n == 2 && bounds[0] < bounds[1]), lgp->comm, PETSC_ERR_ARG_WRONG, "-lgp_fit_bounds: expected lo,hi with lo < hi");
  lgp->fitLo = bounds[0];
  lgp->fitHi = bounds[1];
  {
    PetscInt sel = lgp->selectValidation ? 1 : 0, ng = 16;
    PetscReal grid[16];
    const char *const sels[] = {"mlii", "validation", "LGPSelect", "LGP_SELECT_", NULL};
    PetscCall(PetscArraycpy(grid, lgp->grid, lgp->ngrid));
    PetscCall(PetscOptionsEList("-lgp_fit_select", "How CfxLGPFit chooses hyperparameters: ML-II or held-out rollouts", "CfxLGPSetSelectionGrid", sels, 2, sels[sel], &sel, NULL));
    PetscCall(PetscOptionsRealArray("-lgp_fit_ell_grid", "Length-scale candidates of -lgp_fit_select validation", "CfxLGPSetSelectionGrid", grid, &ng, &set));
    PetscCall(CfxLGPSetSelectionGrid(lgp, sel ? PETSC_TRUE : PETSC_FALSE, set ? ng : 0, grid));
  }
  {
    PetscBool dis = lgp->dissipation, s1, s2;
    PetscReal ellR[CFX_LGP_MAX_DIM], sfR = PetscSqrtReal(lgp->kernR.sf2);
    PetscInt nR = lgp->d;
    for (PetscInt j = 0; j < lgp->d; j++) ellR[j] = lgp->kernR.ell[j];
    PetscCall(PetscOptionsBool("-lgp_dissipation", "Joint GP for an unknown Rayleigh dissipation R(v), force -grad R", "CfxLGPSetDissipation", dis, &dis, NULL));
    PetscCall(PetscOptionsRealArray("-lgp_dissipation_ell", "Length scales of the dissipation GP (d values or 1)", "CfxLGPSetDissipation", ellR, &nR, &s1));
    PetscCheck(!s1 || nR == lgp->d || nR == 1, lgp->comm, PETSC_ERR_ARG_SIZ, "-lgp_dissipation_ell: expected %" PetscInt_FMT " values (or 1 for all), found %" PetscInt_FMT, lgp->d, nR);
    if (s1)
      for (PetscInt j = nR; j < lgp->d; j++) ellR[j] = ellR[0];
    PetscCall(PetscOptionsReal("-lgp_dissipation_sf", "Signal std of the dissipation GP", "CfxLGPSetDissipation", sfR, &sfR, &s2));
    PetscCall(CfxLGPSetDissipation(lgp, dis, ellR, sfR));
  }
  PetscCall(PetscOptionsBool("-lgp_narx_extrapolate", "NARX learns q_{k+1} - (2 q_k - q_{k-1}) instead of q_{k+1}", "CfxLGPSetNARXExtrapolate", lgp->narxExtrapolate, &lgp->narxExtrapolate, NULL));
  PetscCall(PetscOptionsReal("-lgp_newton_tol", "Newton step tolerance (relative)", "CfxLGPStep", lgp->newtonTol, &lgp->newtonTol, NULL));
  PetscCall(PetscOptionsInt("-lgp_newton_maxit", "Newton iterations per step", "CfxLGPStep", lgp->newtonMaxit, &lgp->newtonMaxit, NULL));
  PetscCall(PetscOptionsReal("-lgp_max_jump", "Divergence: a step larger than this times the largest training step", "CfxLGPStep", lgp->maxJump, &lgp->maxJump, NULL));
  PetscOptionsEnd();
  PetscCheck(lgp->newtonTol > 0 && lgp->newtonMaxit >= 1 && lgp->maxJump > 0, lgp->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-lgp_newton_tol, -lgp_newton_maxit, -lgp_max_jump: expected positive values, found %g, %" PetscInt_FMT ", %g", (double)lgp->newtonTol, lgp->newtonMaxit, (double)lgp->maxJump);
  lgp->setup = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Observation functionals from the data (see the header for the formulas). */
PetscErrorCode CfxLGPBuildFunctionals(CfxLGP lgp)
{
  const PetscInt d = lgp->d, N = lgp->nsteps, D = 2 * d, m = lgp->m;
  const PetscReal h = lgp->h;
  PetscInt ndel, ngauge = 0, npts, o = 0, a = 0, maxAtoms, nR = 0;

  PetscFunctionBegin;
  PetscCall(CfxLGPReset(lgp));
  ndel = lgp->ntraj * (N - 2);
  npts = lgp->ntraj * (N - 1);
  if (lgp->model == CFX_LGP_NARX) {
    lgp->n    = ndel;
    lgp->nrhs = d;
    npts      = ndel;
    maxAtoms  = ndel;
  } else {
    if (lgp->gauge == CFX_LGP_GAUGE_VALUE || lgp->gauge == CFX_LGP_GAUGE_BOTH) ngauge += 1;
    if (lgp->gauge == CFX_LGP_GAUGE_MOMENTUM || lgp->gauge == CFX_LGP_GAUGE_BOTH) ngauge += d;
    lgp->n    = ndel * d + ngauge;
    lgp->nrhs = 1;
    if (ngauge) npts++;
    maxAtoms = ndel * d * (lgp->model == CFX_LGP_DLGP ? 2 : 4) + ngauge;
    if (lgp->dissipation) { /* R points: the interval velocities, then v = 0 for the rows grad R(0) = 0 */
      nR = lgp->ntraj * (N - 1) + 1;
      lgp->n += d;
      maxAtoms += ndel * d * 2 + d;
    }
    PetscCheck(ngauge || m || lgp->meanFn, lgp->comm, PETSC_ERR_ARG_WRONG,
               "LGP: without gauge rows, known forcing or a prior mean every DEL observation is 0 and the posterior mean is L = 0; use -lgp_gauge value|momentum|both or give inputs u");
  }
  PetscCheck(!lgp->meanFn || lgp->model != CFX_LGP_NARX, lgp->comm, PETSC_ERR_ARG_WRONG, "LGP: a prior mean needs a Lagrangian model (dlgp or clgp), not narx");
  PetscCheck(!lgp->dissipation || lgp->model != CFX_LGP_NARX, lgp->comm, PETSC_ERR_ARG_WRONG, "LGP: -lgp_dissipation needs a Lagrangian model (dlgp or clgp), not narx");
  lgp->nptsL = npts;
  npts += nR;
  lgp->npts   = npts;
  lgp->natoms = maxAtoms;
  PetscCall(PetscMalloc3(lgp->n + 1, &lgp->ostart, lgp->n, &lgp->onoise, lgp->n * lgp->nrhs, &lgp->Y));
  PetscCall(PetscMalloc4(maxAtoms, &lgp->apt, maxAtoms, &lgp->aj, maxAtoms, &lgp->ac, npts * D, &lgp->pts));
  /* points */
  for (PetscInt t = 0; t < lgp->ntraj; t++) {
    const PetscReal *q = lgp->q + t * N * d;
    if (lgp->model == CFX_LGP_NARX) {
      for (PetscInt k = 1; k + 1 < N; k++) {
        PetscReal *z = lgp->pts + (t * (N - 2) + k - 1) * D;
        for (PetscInt i = 0; i < d; i++) {
          z[i]     = q[(k - 1) * d + i];
          z[d + i] = q[k * d + i];
        }
      }
    } else {
      for (PetscInt k = 0; k + 1 < N; k++) {
        PetscReal *z = lgp->pts + (t * (N - 1) + k) * D;
        for (PetscInt i = 0; i < d; i++) {
          const PetscReal x = q[k * d + i], y = q[(k + 1) * d + i];
          z[i]     = lgp->model == CFX_LGP_DLGP ? x : 0.5 * (x + y);
          z[d + i] = lgp->model == CFX_LGP_DLGP ? y : (y - x) / h;
        }
      }
    }
  }
  if (lgp->model != CFX_LGP_NARX && ngauge) PetscCall(PetscArraycpy(lgp->pts + (lgp->nptsL - 1) * D, lgp->zb, D));
  if (nR) {
    PetscCall(PetscArrayzero(lgp->pts + lgp->nptsL * D, nR * D));
    for (PetscInt t = 0; t < lgp->ntraj; t++)
      for (PetscInt k = 0; k + 1 < N; k++)
        for (PetscInt i = 0; i < d; i++) lgp->pts[(lgp->nptsL + t * (N - 1) + k) * D + i] = (lgp->q[(t * N + k + 1) * d + i] - lgp->q[(t * N + k) * d + i]) / h;
  }
  /* rows */
#define ATOM(p, j, c)  \
  do {                 \
    lgp->apt[a] = (p); \
    lgp->aj[a]  = (j); \
    lgp->ac[a]  = (c); \
    a++;               \
  } while (0)
  for (PetscInt t = 0; t < lgp->ntraj; t++) {
    const PetscReal *q = lgp->q + t * N * d;
    for (PetscInt k = 1; k + 1 < N; k++) {
      if (lgp->model == CFX_LGP_NARX) {
        lgp->ostart[o] = a;
        lgp->onoise[o] = PETSC_TRUE;
        ATOM(t * (N - 2) + k - 1, -1, 1.0);
        for (PetscInt i = 0; i < d; i++) lgp->Y[i * lgp->n + o] = q[(k + 1) * d + i] - (lgp->narxExtrapolate ? 2 * q[k * d + i] - q[(k - 1) * d + i] : 0);
        o++;
        continue;
      }
      for (PetscInt i = 0; i < d; i++) {
        const PetscInt pa = t * (N - 1) + k - 1, pbt = t * (N - 1) + k; /* (q_{k-1}, q_k), (q_k, q_{k+1}) */
        PetscReal f    = 0;
        lgp->ostart[o] = a;
        lgp->onoise[o] = PETSC_TRUE;
        if (lgp->model == CFX_LGP_DLGP) {
          ATOM(pa, d + i, 1.0); /* D2 L_d(q_{k-1}, q_k) */
          ATOM(pbt, i, 1.0);    /* D1 L_d(q_k, q_{k+1}) */
        } else {
          ATOM(pa, i, 0.5 * h); /* D2 L_d = (h/2) L_q + L_v at the left midpoint */
          ATOM(pa, d + i, 1.0);
          ATOM(pbt, i, 0.5 * h); /* D1 L_d = (h/2) L_q - L_v at the right midpoint */
          ATOM(pbt, d + i, -1.0);
        }
        if (nR) { /* f+_d + f-_d = -(h/2) (grad R(v_{k-1/2}) + grad R(v_{k+1/2})) */
          ATOM(lgp->nptsL + pa, D + i, -0.5 * h);
          ATOM(lgp->nptsL + pbt, D + i, -0.5 * h);
        }
        for (PetscInt j = 0; j < m; j++) f += lgp->B[i * m + j] * (lgp->u[(t * N + k - 1) * m + j] + lgp->u[(t * N + k) * m + j]);
        lgp->Y[o] = -0.5 * h * f; /* known forcing moved to the right side */
        o++;
      }
    }
  }
  if (lgp->model != CFX_LGP_NARX) {
    if (lgp->gauge == CFX_LGP_GAUGE_VALUE || lgp->gauge == CFX_LGP_GAUGE_BOTH) {
      lgp->ostart[o] = a;
      lgp->onoise[o] = PETSC_FALSE;
      ATOM(lgp->nptsL - 1, -1, 1.0);
      lgp->Y[o++] = lgp->Lb;
    }
    if (lgp->gauge == CFX_LGP_GAUGE_MOMENTUM || lgp->gauge == CFX_LGP_GAUGE_BOTH)
      for (PetscInt i = 0; i < d; i++) {
        lgp->ostart[o] = a;
        lgp->onoise[o] = PETSC_FALSE;
        ATOM(lgp->nptsL - 1, d + i, 1.0);
        lgp->Y[o++] = lgp->pb[i];
      }
    for (PetscInt i = 0; i < d && nR; i++) { /* grad R(0) = 0: no constant force (it would be a potential term of L) */
      lgp->ostart[o] = a;
      lgp->onoise[o] = PETSC_FALSE;
      ATOM(npts - 1, D + i, 1.0);
      lgp->Y[o++] = 0;
    }
  }
#undef ATOM
  lgp->ostart[o] = a;
  lgp->natoms    = a;
  if (lgp->meanFn) /* the GP models L - m: subtract the functionals of the prior mean */
    for (PetscInt r = 0; r < o; r++)
      for (PetscInt ia = lgp->ostart[r]; ia < lgp->ostart[r + 1]; ia++) {
        PetscReal v;
        PetscCall(CfxLGPPriorMeanAtom(lgp, lgp->pts + lgp->apt[ia] * D, lgp->aj[ia], &v));
        lgp->Y[r] -= lgp->ac[ia] * v;
      }
  PetscCheck(o == lgp->n, PETSC_COMM_SELF, PETSC_ERR_PLIB, "LGP: built %" PetscInt_FMT " rows, expected %" PetscInt_FMT, o, lgp->n);
  PetscCall(PetscMalloc3(lgp->n * lgp->n, &lgp->K, lgp->n * lgp->n, &lgp->F, lgp->n * lgp->nrhs, &lgp->alpha));
  PetscCall(PetscMalloc1(lgp->n, &lgp->piv));
  PetscCall(PetscMalloc1(lgp->npts * lgp->nrhs * (D + 1), &lgp->W));
  PetscFunctionReturn(0);
}

/* Gram matrix K (n x n, symmetric, both triangles) of the training functionals with the
   nugget on noisy rows; optionally also dK/dtheta contracted with Wt:
   grad[m] = 1/2 sum_ij Wt_ij dK_ij/dtheta_m, theta = (log ell, log sf, log noise). */
static PetscErrorCode Assemble(CfxLGP lgp, const PetscReal Wt[], PetscReal grad[])
{
  const PetscInt n = lgp->n, D = 2 * lgp->d;
  const CfxSEKernel *k = &lgp->kern;
  PetscReal *K         = lgp->K;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CFX_LGP_Assemble, 0, 0, 0, 0));
  if (grad) PetscCall(PetscArrayzero(grad, D + 2));
  for (PetscInt o = 0; o < n; o++) {
    for (PetscInt p = o; p < n; p++) {
      PetscReal s = 0, sR = 0, gl[CFX_LGP_MAX_DIM] = {0};
      PetscInt lastA = -1, lastB = -1;
      PetscReal r[CFX_LGP_MAX_DIM], a[CFX_LGP_MAX_DIM], il[CFX_LGP_MAX_DIM], g = 0;
      for (PetscInt ia = lgp->ostart[o]; ia < lgp->ostart[o + 1]; ia++)
        for (PetscInt ib = lgp->ostart[p]; ib < lgp->ostart[p + 1]; ib++) {
          const PetscInt ja = lgp->aj[ia], jb = lgp->aj[ib];
          const PetscReal c = lgp->ac[ia] * lgp->ac[ib] * (jb >= 0 ? -1 : 1);
          if ((ja >= D) != (jb >= D)) continue; /* L and the dissipation R are independent */
          if (lgp->apt[ia] != lastA || lgp->apt[ib] != lastB) {
            lastA = lgp->apt[ia];
            lastB = lgp->apt[ib];
            g     = CfxSEPrepare(ja >= D ? &lgp->kernR : k, lgp->pts + lastA * D, lgp->pts + lastB * D, r, a, il);
          }
          if (ja >= D) { /* R atoms: hyperparameters of R are not fitted by ML-II */
            sR += c * CfxSEPoly(a, il, ja - D, jb - D, -1) * g;
            continue;
          }
          s += c * CfxSEPoly(a, il, ja, jb, -1) * g;
          if (grad)
            for (PetscInt mm = 0; mm < D; mm++) gl[mm] += c * CfxSEPolyLogEll(a, il, r, mm, ja, jb) * g;
        }
      K[o * n + p] = K[p * n + o] = s + sR;
      if (grad) {
        const PetscReal w = (o == p ? 0.5 : 1.0) * Wt[o * n + p]; /* both triangles, halved */
        for (PetscInt mm = 0; mm < D; mm++) grad[mm] += w * gl[mm];
        grad[D] += w * 2 * s; /* d K_signal / d log sf = 2 K_signal */
      }
    }
    if (lgp->onoise[o]) {
      K[o * n + o] += lgp->noise * lgp->noise;
      if (grad) grad[D + 1] += 0.5 * Wt[o * n + o] * 2 * lgp->noise * lgp->noise;
    }
  }
  PetscCall(PetscLogEventEnd(CFX_LGP_Assemble, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxLGPAssemble(CfxLGP lgp, PetscReal grad[])
{
  PetscFunctionBegin;
  PetscCall(Assemble(lgp, NULL, grad));
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode CfxLGPAssembleGradient(CfxLGP lgp, const PetscReal Wt[], PetscReal grad[])
{
  PetscFunctionBegin;
  PetscCall(Assemble(lgp, Wt, grad));
  PetscFunctionReturn(0);
}

/* Cholesky of K + tau mean(diag K) I, tau = jitter0, 10 jitter0, ... up to jitterMax; if all
   fail, pivoted Cholesky (dpstrf) of K + jitterMax mean(diag) I, solves then use the
   pseudo-inverse of the rank-r factor. Then alpha = K^{-1} Y and the posterior-mean weights. */
PetscErrorCode CfxLGPFactor(CfxLGP lgp)
{
  const PetscInt n = lgp->n, D = 2 * lgp->d;
  PetscReal mean = 0, tau = lgp->jitter0;
  lapack_int info = 1, rank = 0;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CFX_LGP_Factor, 0, 0, 0, 0));
  for (PetscInt i = 0; i < n; i++) mean += lgp->K[i * n + i] / n;
  PetscCheck(mean > 0 && PetscIsNormalReal(mean), lgp->comm, PETSC_ERR_FP, "LGP: Gram matrix diagonal mean is %g; check the hyperparameters", (double)mean);
  PetscCall(PetscFree(lgp->M));
  lgp->pivoted = PETSC_FALSE;
  for (;;) {
    PetscCall(PetscArraycpy(lgp->F, lgp->K, n * n));
    for (PetscInt i = 0; i < n; i++) lgp->F[i * n + i] += tau * mean;
    info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (lapack_int)n, lgp->F, (lapack_int)n);
    PetscCheck(info >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "LAPACKE_dpotrf: argument %d invalid", (int)-info);
    if (info == 0 || tau >= lgp->jitterMax) break;
    tau = tau > 0 ? PetscMin(10 * tau, lgp->jitterMax) : PetscMax(1e-16, lgp->jitterMax * 1e-6);
  }
  lgp->jitter = tau;
  lgp->rank   = n;
  if (info > 0) { /* pivoted fallback */
    lapack_int *piv;
    PetscInt r;
    PetscCall(PetscMalloc1(n, &piv));
    PetscCall(PetscArraycpy(lgp->F, lgp->K, n * n));
    for (PetscInt i = 0; i < n; i++) lgp->F[i * n + i] += tau * mean;
    info = LAPACKE_dpstrf(LAPACK_COL_MAJOR, 'L', (lapack_int)n, lgp->F, (lapack_int)n, piv, &rank, -1.0);
    PetscCheck(info >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "LAPACKE_dpstrf: argument %d invalid", (int)-info);
    r = rank;
    PetscCheck(r >= 1, lgp->comm, PETSC_ERR_MAT_CH_ZRPVT, "LGP: pivoted Cholesky found rank 0 for the %" PetscInt_FMT " x %" PetscInt_FMT " Gram matrix", n, n);
    for (PetscInt i = 0; i < n; i++) lgp->piv[i] = piv[i] - 1;
    PetscCall(PetscFree(piv));
    for (PetscInt c = 0; c < n; c++) /* keep the n x r lower-trapezoidal factor L1 */
      for (PetscInt i = 0; i < n; i++)
        if (c >= r || i < c) lgp->F[c * n + i] = 0;
    PetscCall(PetscMalloc1(r * r, &lgp->M));
    for (PetscInt i = 0; i < r; i++)
      for (PetscInt j = 0; j < r; j++) {
        PetscReal s = 0;
        for (PetscInt l = 0; l < n; l++) s += lgp->F[i * n + l] * lgp->F[j * n + l];
        lgp->M[j * r + i] = s;
      }
    info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (lapack_int)r, lgp->M, (lapack_int)r);
    PetscCheck(info == 0, lgp->comm, PETSC_ERR_MAT_CH_ZRPVT, "LGP: L1^T L1 of the pivoted Cholesky factor (rank %" PetscInt_FMT ") is not positive definite (info %d)", r, (int)info);
    lgp->pivoted = PETSC_TRUE;
    lgp->rank    = r;
    PetscCall(PetscInfo(NULL, "LGP: Cholesky failed up to jitter %g; pivoted Cholesky rank %" PetscInt_FMT " of %" PetscInt_FMT "\n", (double)tau, r, n));
  }
  PetscCall(PetscArraycpy(lgp->alpha, lgp->Y, n * lgp->nrhs));
  PetscCall(CfxLGPSolve(lgp, lgp->nrhs, lgp->alpha));
  PetscCall(PetscArrayzero(lgp->W, lgp->npts * lgp->nrhs * (D + 1)));
  for (PetscInt r = 0; r < lgp->nrhs; r++)
    for (PetscInt o = 0; o < n; o++)
      for (PetscInt a = lgp->ostart[o]; a < lgp->ostart[o + 1]; a++) /* R atoms (j >= D) sit on R points: weight slot 1 + j - D */
        lgp->W[(lgp->apt[a] * lgp->nrhs + r) * (D + 1) + 1 + (lgp->aj[a] >= D ? lgp->aj[a] - D : lgp->aj[a])] += lgp->alpha[r * n + o] * lgp->ac[a];
  PetscCall(PetscLogEventEnd(CFX_LGP_Factor, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* b (n x nb, column-major) <- K^{-1} b, or the pseudo-inverse after the pivoted fallback. */
PetscErrorCode CfxLGPSolve(CfxLGP lgp, PetscInt nb, PetscReal b[])
{
  const PetscInt n = lgp->n;

  PetscFunctionBegin;
  if (!lgp->pivoted) {
    lapack_int info = LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', (lapack_int)n, (lapack_int)nb, lgp->F, (lapack_int)n, b, (lapack_int)n);
    PetscCheck(info == 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "LAPACKE_dpotrs failed (info %d)", (int)info);
  } else {
    const PetscInt r = lgp->rank;
    PetscReal *c, *bt;
    PetscCall(PetscMalloc2(r, &c, n, &bt));
    for (PetscInt k = 0; k < nb; k++) {
      PetscReal *x = b + k * n;
      for (PetscInt i = 0; i < n; i++) bt[i] = x[lgp->piv[i]];
      for (PetscInt j = 0; j < r; j++) {
        PetscReal s = 0;
        for (PetscInt i = 0; i < n; i++) s += lgp->F[j * n + i] * bt[i];
        c[j] = s;
      }
      /* (L1 L1^T)^+ = L1 (L1^T L1)^{-2} L1^T */
      PetscCheck(LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', (lapack_int)r, 1, lgp->M, (lapack_int)r, c, (lapack_int)r) == 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "LAPACKE_dpotrs failed");
      PetscCheck(LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', (lapack_int)r, 1, lgp->M, (lapack_int)r, c, (lapack_int)r) == 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "LAPACKE_dpotrs failed");
      for (PetscInt i = 0; i < n; i++) {
        PetscReal s = 0;
        for (PetscInt j = 0; j < r; j++) s += lgp->F[j * n + i] * c[j];
        x[lgp->piv[i]] = s;
      }
    }
    PetscCall(PetscFree2(c, bt));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode CfxLGPSetUp(CfxLGP lgp)
{
  PetscFunctionBegin;
  PetscValidPointer(lgp, 1);
  if (lgp->setup) PetscFunctionReturn(0);
  PetscCheck(lgp->q, lgp->comm, PETSC_ERR_ORDER, "CfxLGPSetUp: no data; call CfxLGPSetData() first");
  PetscCall(CfxLGPBuildFunctionals(lgp));
  PetscCall(CfxLGPAssemble(lgp, NULL));
  PetscCall(CfxLGPFactor(lgp));
  lgp->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxLGPGetFactorInfo(CfxLGP lgp, PetscInt *n, PetscReal *jitter, PetscBool *pivoted, PetscInt *rank)
{
  PetscFunctionBegin;
  PetscCheck(lgp->setup, lgp->comm, PETSC_ERR_ORDER, "CfxLGPGetFactorInfo: call CfxLGPSetUp() first");
  if (n) *n = lgp->n;
  if (jitter) *jitter = lgp->jitter;
  if (pivoted) *pivoted = lgp->pivoted;
  if (rank) *rank = lgp->rank;
  PetscFunctionReturn(0);
}

/* The Gram matrix without jitter (nugget included), n x n. */
PetscErrorCode CfxLGPGetGram(CfxLGP lgp, PetscInt *n, const PetscReal *K[])
{
  PetscFunctionBegin;
  PetscCheck(lgp->setup, lgp->comm, PETSC_ERR_ORDER, "CfxLGPGetGram: call CfxLGPSetUp() first");
  *n = lgp->n;
  *K = lgp->K;
  PetscFunctionReturn(0);
}

/* Posterior mean of the latent function (output r) at z: value, gradient[D], Hessian[D*D]
   (any may be NULL), from the per-point weights. */
PetscErrorCode CfxLGPMeanDerivatives(CfxLGP lgp, PetscInt rr, const PetscReal z[], PetscReal *val, PetscReal grad[], PetscReal hess[])
{
  const PetscInt D = 2 * lgp->d;
  PetscReal r[CFX_LGP_MAX_DIM], a[CFX_LGP_MAX_DIM], il[CFX_LGP_MAX_DIM];

  PetscFunctionBegin;
  if (val) *val = 0;
  if (grad) PetscCall(PetscArrayzero(grad, D));
  if (hess) PetscCall(PetscArrayzero(hess, D * D));
  if (lgp->meanFn) PetscCall(lgp->meanFn(D, z, val, grad, hess, lgp->meanCtx));
  for (PetscInt mf = 0; mf < lgp->rffM; mf++) { /* prior sample sqrt(2 sf2 / M) sum_m w_m cos(omega_m . z + b_m) */
    const PetscReal *om = lgp->rffOmega + mf * D, w = lgp->rffScale * lgp->rffW[mf * lgp->nrhs + rr];
    PetscReal arg = lgp->rffPhase[mf], c, sn;
    for (PetscInt j = 0; j < D; j++) arg += om[j] * z[j];
    c  = PetscCosReal(arg);
    sn = PetscSinReal(arg);
    if (val) *val += w * c;
    if (grad)
      for (PetscInt i = 0; i < D; i++) grad[i] -= w * om[i] * sn;
    if (hess)
      for (PetscInt i = 0; i < D; i++)
        for (PetscInt l = 0; l < D; l++) hess[i * D + l] -= w * om[i] * om[l] * c;
  }
  for (PetscInt p = 0; p < lgp->nptsL; p++) {
    const PetscReal *w = lgp->W + (p * lgp->nrhs + rr) * (D + 1);
    const PetscReal g  = CfxSEPrepare(&lgp->kern, z, lgp->pts + p * D, r, a, il);
    if (g == 0) continue;
    /* d^alpha_z [ w0 k + sum_j w_j d_{z'_j} k ] = g [ w0 P_alpha - sum_j w_j P_{alpha j} ] */
    if (val) {
      PetscReal s = w[0];
      for (PetscInt j = 0; j < D; j++) s -= w[1 + j] * CfxSEPoly(a, il, j, -1, -1);
      *val += s * g;
    }
    if (grad)
      for (PetscInt i = 0; i < D; i++) {
        PetscReal s = w[0] * CfxSEPoly(a, il, i, -1, -1);
        for (PetscInt j = 0; j < D; j++) s -= w[1 + j] * CfxSEPoly(a, il, i, j, -1);
        grad[i] += s * g;
      }
    if (hess)
      for (PetscInt i = 0; i < D; i++)
        for (PetscInt l = i; l < D; l++) {
          PetscReal s = w[0] * CfxSEPoly(a, il, i, l, -1);
          for (PetscInt j = 0; j < D; j++) s -= w[1 + j] * CfxSEPoly(a, il, i, l, j);
          hess[i * D + l] += s * g;
          if (l != i) hess[l * D + i] += s * g;
        }
  }
  PetscFunctionReturn(0);
}

/*@C
  CfxLGPPosteriorFunctionals - Posterior means (output 0) and covariance of nf linear
  functionals; functional f has atoms [off[f], off[f+1]). cov (nf x nf) may be NULL.
@*/
PetscErrorCode CfxLGPPosteriorFunctionals(CfxLGP lgp, PetscInt nf, const PetscInt off[], const CfxLGPAtom atoms[], PetscReal mean[], PetscReal cov[])
{
  const PetscInt n = lgp->n, D = 2 * lgp->d;
  PetscReal *kf, *kfs;

  PetscFunctionBegin;
  PetscCheck(lgp->setup, lgp->comm, PETSC_ERR_ORDER, "CfxLGPPosteriorFunctionals: call CfxLGPSetUp() or CfxLGPFit() first");
  PetscCall(PetscMalloc2(n * nf, &kf, n * nf, &kfs));
  for (PetscInt f = 0; f < nf; f++)
    for (PetscInt o = 0; o < n; o++) {
      PetscReal s = 0;
      for (PetscInt ia = off[f]; ia < off[f + 1]; ia++) {
        PetscCheck(atoms[ia].j >= -1 && atoms[ia].j < (lgp->dissipation ? D + lgp->d : D), lgp->comm, PETSC_ERR_ARG_OUTOFRANGE,
                   "LGP functional: atom derivative index %" PetscInt_FMT " outside [-1, %" PetscInt_FMT ")", atoms[ia].j, lgp->dissipation ? D + lgp->d : D);
        for (PetscInt ib = lgp->ostart[o]; ib < lgp->ostart[o + 1]; ib++) {
          PetscReal c;
          PetscCall(CfxLGPAtomCovariance(lgp, atoms[ia].z, atoms[ia].j, lgp->pts + lgp->apt[ib] * D, lgp->aj[ib], &c));
          s += atoms[ia].c * lgp->ac[ib] * c;
        }
      }
      kf[f * n + o] = s;
    }
  if (mean)
    for (PetscInt f = 0; f < nf; f++) {
      PetscReal s = 0;
      for (PetscInt o = 0; o < n; o++) s += kf[f * n + o] * lgp->alpha[o];
      for (PetscInt ia = off[f]; ia < off[f + 1]; ia++) {
        PetscReal v;
        PetscCall(CfxLGPPriorMeanAtom(lgp, atoms[ia].z, atoms[ia].j, &v));
        s += atoms[ia].c * v;
      }
      mean[f] = s;
    }
  if (cov) {
    PetscCall(PetscArraycpy(kfs, kf, n * nf));
    PetscCall(CfxLGPSolve(lgp, nf, kfs));
    for (PetscInt f = 0; f < nf; f++)
      for (PetscInt e = 0; e < nf; e++) {
        PetscReal prior = 0, red = 0;
        for (PetscInt ia = off[f]; ia < off[f + 1]; ia++)
          for (PetscInt ib = off[e]; ib < off[e + 1]; ib++) {
            PetscReal c;
            PetscCall(CfxLGPAtomCovariance(lgp, atoms[ia].z, atoms[ia].j, atoms[ib].z, atoms[ib].j, &c));
            prior += atoms[ia].c * atoms[ib].c * c;
          }
        for (PetscInt o = 0; o < n; o++) red += kf[f * n + o] * kfs[e * n + o];
        cov[f * nf + e] = prior - red;
      }
  }
  PetscCall(PetscFree2(kf, kfs));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxLGPPosteriorFunctional(CfxLGP lgp, PetscInt na, const CfxLGPAtom atoms[], PetscReal *mean, PetscReal *var)
{
  PetscInt off[2] = {0, na};

  PetscFunctionBegin;
  PetscCall(CfxLGPPosteriorFunctionals(lgp, 1, off, atoms, mean, var));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxLGPView(CfxLGP lgp, PetscViewer viewer)
{
  PetscBool iascii;

  PetscFunctionBegin;
  if (!viewer) PetscCall(PetscViewerASCIIGetStdout(lgp->comm, &viewer));
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &iascii));
  if (!iascii) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(viewer, "CfxLGP: model %s, d = %" PetscInt_FMT ", h = %g, %" PetscInt_FMT " trajectories x %" PetscInt_FMT " snapshots, m = %" PetscInt_FMT " inputs\n",
                                   CfxLGPModels[lgp->model], lgp->d, (double)lgp->h, lgp->ntraj, lgp->nsteps, lgp->m));
  PetscCall(PetscViewerASCIIPrintf(viewer, "  kernel: squared exponential, sf = %g, noise = %g, ell =", (double)PetscSqrtReal(lgp->kern.sf2), (double)lgp->noise));
  for (PetscInt j = 0; j < 2 * lgp->d; j++) PetscCall(PetscViewerASCIIPrintf(viewer, " %g", (double)lgp->kern.ell[j]));
  PetscCall(PetscViewerASCIIPrintf(viewer, "\n"));
  if (lgp->model != CFX_LGP_NARX) PetscCall(PetscViewerASCIIPrintf(viewer, "  gauge: %s, L(z_b) = %g\n", CfxLGPGauges[lgp->gauge], (double)lgp->Lb));
  if (lgp->setup)
    PetscCall(PetscViewerASCIIPrintf(viewer, "  Gram: n = %" PetscInt_FMT ", relative jitter %g, %s (rank %" PetscInt_FMT ")\n", lgp->n, (double)lgp->jitter,
                                     lgp->pivoted ? "pivoted Cholesky" : "Cholesky", lgp->rank));
  if (lgp->selScore >= 0) PetscCall(PetscViewerASCIIPrintf(viewer, "  length scales selected by held-out rollouts: max position error %g\n", (double)lgp->selScore));
  if (lgp->meanFn) PetscCall(PetscViewerASCIIPrintf(viewer, "  prior mean: user function\n"));
  if (lgp->dissipation) {
    PetscCall(PetscViewerASCIIPrintf(viewer, "  dissipation: Rayleigh GP R(v), F = -grad R, sf = %g, ell =", (double)PetscSqrtReal(lgp->kernR.sf2)));
    for (PetscInt j = 0; j < lgp->d; j++) PetscCall(PetscViewerASCIIPrintf(viewer, " %g", (double)lgp->kernR.ell[j]));
    PetscCall(PetscViewerASCIIPrintf(viewer, "\n"));
  }
  PetscFunctionReturn(0);
}
