static const char help[] = "HFluxNO blocks: gradient checks (central differences) of the block-diagonal linear map, patch embedding, RG-LRU, temporal and spatial blocks, pooling, hypernetwork, flux "
                           "network, conservative update and the whole one-step loss; bias-HyperInit; exact conservation of rollouts (scalar and two channels); the paper's flux-network size.\n";

#include <conflux/conflux.h>

#define TOL 1e-6
/* Difference step 3e-5 (-h to change): the whole model's error is round-off of the vectorised
   activations amplified by 1/h below that (C = 2: 1.8e-6-class at h = 1e-6, 6e-7 at 1e-5,
   1.5e-7 at 3e-5) and truncation above (4.3e-7 at 1e-4); every single block is below 1e-8. */
static PetscReal gc_h = 3e-5;

/* A tiny configuration: every block present, a few hundred parameters. */
static PetscErrorCode TinyConfig(PetscInt C, CfxHFluxNOConfig *c)
{
  PetscFunctionBeginUser;
  PetscCall(CfxHFluxNOConfigDefault(c));
  c->channels    = C;
  c->cells       = 8;
  c->frames      = 3;
  c->patch       = 2;
  c->dim         = 4;
  c->pairs       = 1;
  c->lru_width   = 4;
  c->lru_blocks  = 2;
  c->conv_kernel = 2;
  c->heads       = 2;
  c->mlp_width   = 3;
  c->hyper_width = 4;
  c->hyper_depth = 1;
  c->head_blocks = 2;
  c->stencil     = 3;
  c->lift        = 3;
  c->flux_width  = 3;
  c->flux_depth  = 1;
  c->ratio       = 0.4;
  c->seed        = 7;
  PetscFunctionReturn(0);
}

static PetscErrorCode NewModel(const CfxHFluxNOConfig *c, CfxHFluxNO *m)
{
  PetscFunctionBeginUser;
  PetscCall(CfxHFluxNOCreate(PETSC_COMM_SELF, m));
  PetscCall(CfxHFluxNOSetConfig(*m, c));
  PetscCall(CfxHFluxNOSetUp(*m));
  PetscFunctionReturn(0);
}

static PetscErrorCode NewInput(PetscInt ndim, const PetscInt shape[], uint64_t stream, PetscReal lo, PetscReal hi, CfxTensor *t)
{
  CfxRNG rng;

  PetscFunctionBeginUser;
  PetscCall(CfxTensorCreate(ndim, shape, t));
  PetscCall(CfxRNGSetSeed(&rng, 99, stream));
  PetscCall(CfxTensorFillUniform(*t, &rng, lo, hi));
  PetscCall(CfxTensorSetRequiresGrad(*t, PETSC_TRUE));
  PetscFunctionReturn(0);
}

/* Inputs of a check: the tensor x (if any) and every parameter whose name starts with prefix. */
static PetscErrorCode Collect(CfxHFluxNO m, CfxTensor x, const char prefix[], PetscInt *n, CfxTensor in[])
{
  CfxParamSet ps;
  PetscInt np;
  size_t len;

  PetscFunctionBeginUser;
  PetscCall(CfxHFluxNOGetParamSet(m, &ps));
  PetscCall(CfxParamSetGetNumParameters(ps, &np));
  PetscCall(PetscStrlen(prefix, &len));
  *n = 0;
  if (x) in[(*n)++] = x;
  for (PetscInt i = 0; i < np; i++) {
    const char *name;
    CfxTensor t;
    PetscBool match;
    PetscCall(CfxParamSetGetParameter(ps, i, &name, &t, NULL));
    PetscCall(PetscStrncmp(name, prefix, len, &match));
    if (match) in[(*n)++] = t;
  }
  PetscFunctionReturn(0);
}

typedef struct {
  CfxHFluxNO m;
  PetscInt which;
  PetscBool flag;
  CfxTensor extra;
} Ctx;

static PetscErrorCode BlockFn(CfxTape tape, PetscInt n, CfxTensor in[], void *vctx, CfxTensor *y)
{
  Ctx *c = (Ctx *)vctx;

  PetscFunctionBeginUser;
  switch (c->which) {
    case 0: PetscCall(CfxOpBlockDiagLinear(tape, in[0], in[1], in[2], 3, y)); break;
    case 1: PetscCall(CfxHFluxNOEmbed(c->m, tape, in[0], y)); break;
    case 2: PetscCall(CfxHFluxNORGLRU(c->m, 0, tape, in[0], y)); break;
    case 3: PetscCall(CfxHFluxNOTemporalBlock(c->m, 0, tape, in[0], y)); break;
    case 4: PetscCall(CfxHFluxNOSpatialBlock(c->m, 0, tape, in[0], y)); break;
    case 5: PetscCall(CfxHFluxNOPool(c->m, tape, in[0], y)); break;
    case 6: PetscCall(CfxHFluxNOHypernet(c->m, tape, in[0], y)); break;
    case 7: PetscCall(CfxHFluxNOFluxNetwork(c->m, tape, in[0], in[1], c->flag, y)); break;
    case 8: PetscCall(CfxHFluxNOConservativeUpdate(tape, in[0], in[1], 0.3, y)); break;
    case 9: PetscCall(CfxHFluxNOLoss(c->m, tape, c->extra, y)); break;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Check(const char *what, CfxTape tape, Ctx *ctx, PetscInt n, CfxTensor in[])
{
  PetscReal err;

  PetscFunctionBeginUser;
  PetscCall(CfxGradCheck(tape, BlockFn, ctx, n, in, gc_h, &err));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "gradient check %-34s (%2" PetscInt_FMT " inputs): rel err %.2e\n", what, n, (double)err));
  PetscCheck(err <= TOL, PETSC_COMM_SELF, PETSC_ERR_PLIB, "gradient check of %s: relative error %g > %g", what, (double)err, (double)TOL);
  PetscFunctionReturn(0);
}

/* Gradient checks of every block on a model with C channels and the given head init. */
static PetscErrorCode CheckBlocks(PetscInt C, CfxHFluxNOInit init, CfxHFluxNOUpdate update)
{
  CfxHFluxNOConfig cfg;
  CfxHFluxNO m;
  CfxTape tape;
  CfxTensor in[128], x, tok, s, z, U, F, theta, w;
  PetscInt n, nflux, shape[4];
  Ctx ctx;
  char label[64];

  PetscFunctionBeginUser;
  PetscCall(TinyConfig(C, &cfg));
  cfg.hyperinit = init;
  cfg.update    = update;
  PetscCall(NewModel(&cfg, &m));
  PetscCall(CfxHFluxNOGetSizes(m, NULL, &nflux));
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  ctx.m     = m;
  ctx.flag  = PETSC_FALSE;
  ctx.extra = NULL;

  if (C == 1 && init == CFXHFLUXNO_INIT_DEFAULT && update == CFXHFLUXNO_UPDATE_CONSERVATIVE) {
    /* 1. the head's uneven output chunks (7 rows over 3 blocks) */
    PetscInt xs[2] = {5, 6}, ws[2] = {7, 2}, bs = 7;
    ctx.which = 0;
    PetscCall(NewInput(2, xs, 1, -1, 1, &in[0]));
    PetscCall(NewInput(2, ws, 2, -1, 1, &in[1]));
    PetscCall(NewInput(1, &bs, 3, -1, 1, &in[2]));
    PetscCall(Check("block-diagonal linear", tape, &ctx, 3, in));
    for (PetscInt i = 0; i < 3; i++) PetscCall(CfxTensorDestroy(&in[i]));
  }

  /* 2. patch embedding + position encoding */
  shape[0] = 2;
  shape[1] = cfg.frames;
  shape[2] = C;
  shape[3] = cfg.cells;
  PetscCall(NewInput(4, shape, 10, -1, 1, &x));
  ctx.which = 1;
  PetscCall(Collect(m, x, "encoder.embed", &n, in));
  PetscCall(Collect(m, NULL, "encoder.pos", &nflux, in + n));
  n += nflux;
  PetscCall(Check("patch embedding", tape, &ctx, n, in));

  /* token inputs for the encoder blocks */
  shape[0] = 2;
  shape[1] = cfg.frames;
  shape[2] = cfg.cells / cfg.patch;
  shape[3] = cfg.dim;
  PetscCall(NewInput(4, shape, 11, -1.5, 1.5, &tok));
  /* 3. RG-LRU on [R, T, L] */
  shape[0] = 3;
  shape[1] = cfg.frames + 2;
  shape[2] = cfg.lru_width;
  PetscCall(NewInput(3, shape, 12, -1.5, 1.5, &s));
  ctx.which = 2;
  PetscCall(Collect(m, s, "encoder.temporal0.lru", &n, in));
  PetscCall(Check("RG-LRU (block-diagonal gates)", tape, &ctx, n, in));
  /* 4. temporal block */
  ctx.which = 3;
  PetscCall(Collect(m, tok, "encoder.temporal0", &n, in));
  PetscCall(Check("temporal block", tape, &ctx, n, in));
  /* 5. spatial block */
  ctx.which = 4;
  PetscCall(Collect(m, tok, "encoder.spatial0", &n, in));
  PetscCall(Check("spatial block", tape, &ctx, n, in));
  /* 6. pooling */
  ctx.which = 5;
  PetscCall(Collect(m, tok, "encoder.norm", &n, in));
  PetscCall(Check("pooling", tape, &ctx, n, in));
  /* 7. hypernetwork */
  shape[0] = 3;
  shape[1] = cfg.dim;
  PetscCall(NewInput(2, shape, 13, -1, 1, &z));
  ctx.which = 6;
  PetscCall(Collect(m, z, "hyper.", &n, in));
  PetscCall(Check("hypernetwork trunk + head", tape, &ctx, n, in));
  /* 8. flux network with per-sample weights (face and cell-centred stencils) */
  PetscCall(CfxHFluxNOGetSizes(m, NULL, &nflux));
  shape[0] = 2;
  shape[1] = C;
  shape[2] = cfg.cells;
  PetscCall(NewInput(3, shape, 14, -1, 1, &U));
  shape[1] = nflux;
  PetscCall(NewInput(2, shape, 15, -0.6, 0.6, &theta));
  ctx.which = 7;
  in[0]     = U;
  in[1]     = theta;
  PetscCall(Check("flux network (faces)", tape, &ctx, 2, in));
  ctx.flag = PETSC_TRUE;
  PetscCall(Check("flux network (cell-centred)", tape, &ctx, 2, in));
  /* 9. conservative update */
  shape[0] = 2;
  shape[1] = C;
  shape[2] = cfg.cells;
  PetscCall(NewInput(3, shape, 16, -1, 1, &F));
  ctx.which = 8;
  in[0]     = U;
  in[1]     = F;
  PetscCall(Check("conservative update", tape, &ctx, 2, in));
  /* 10. the whole model: one-step loss on windows of T+1 frames, gradient w.r.t. every parameter */
  shape[0] = 2;
  shape[1] = cfg.frames + 1;
  shape[2] = C;
  shape[3] = cfg.cells;
  PetscCall(NewInput(4, shape, 17, -1, 1, &w));
  ctx.which = 9;
  ctx.extra = w;
  PetscCall(Collect(m, NULL, "", &n, in));
  PetscCall(PetscSNPrintf(label, sizeof(label), "whole model (C=%" PetscInt_FMT ", %s, %s)", C, CfxHFluxNOInits[init], CfxHFluxNOUpdates[update]));
  PetscCall(Check(label, tape, &ctx, n, in));

  PetscCall(CfxTensorDestroy(&x));
  PetscCall(CfxTensorDestroy(&tok));
  PetscCall(CfxTensorDestroy(&s));
  PetscCall(CfxTensorDestroy(&z));
  PetscCall(CfxTensorDestroy(&U));
  PetscCall(CfxTensorDestroy(&theta));
  PetscCall(CfxTensorDestroy(&F));
  PetscCall(CfxTensorDestroy(&w));
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(CfxHFluxNODestroy(&m));
  PetscFunctionReturn(0);
}

/* bias-HyperInit: head weight 0, so theta is the head bias for every input, the bias lies in
   each flux layer's default bounds, and the encoder receives no gradient at initialisation. */
static PetscErrorCode CheckHyperInit(void)
{
  CfxHFluxNOConfig cfg;
  CfxHFluxNO m;
  CfxTape tape;
  CfxParamSet ps;
  CfxTensor z, theta, w, loss, hw, hb, ew;
  PetscInt nflux, shape[4], np;
  PetscReal gnorm = 0, hgrad = 0;
  CfxRNG rng;

  PetscFunctionBeginUser;
  PetscCall(TinyConfig(1, &cfg));
  PetscCall(NewModel(&cfg, &m));
  PetscCall(CfxHFluxNOGetSizes(m, NULL, &nflux));
  PetscCall(CfxHFluxNOGetParamSet(m, &ps));
  PetscCall(CfxParamSetFind(ps, "hyper.head.weight", &hw, NULL));
  PetscCall(CfxParamSetFind(ps, "hyper.head.bias", &hb, NULL));
  for (PetscInt i = 0; i < hw->size; i++) PetscCheck(hw->data[i] == 0.0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "bias-HyperInit: head weight %" PetscInt_FMT " is %g, expected 0", i, (double)hw->data[i]);
  /* layer 0 (conv): fan_in (C+1)*S = 6; layer 1: lift 3; layer 2: width 3 */
  {
    PetscInt in[3] = {(cfg.channels + 1) * cfg.stencil, cfg.lift, cfg.flux_width}, out[3] = {cfg.lift, cfg.flux_width, cfg.channels}, off = 0;
    PetscCheck(nflux == out[0] * (in[0] + 1) + out[1] * (in[1] + 1) + out[2] * (in[2] + 1), PETSC_COMM_SELF, PETSC_ERR_PLIB, "flux network has %" PetscInt_FMT " parameters", nflux);
    for (PetscInt l = 0; l < 3; l++) {
      PetscReal bound = 1 / PetscSqrtReal((PetscReal)in[l]), mx = 0;
      for (PetscInt i = 0; i < out[l] * (in[l] + 1); i++) mx = PetscMax(mx, PetscAbsReal(hb->data[off + i]));
      PetscCheck(mx <= bound && mx > 0.5 * bound, PETSC_COMM_SELF, PETSC_ERR_PLIB, "bias-HyperInit: flux layer %" PetscInt_FMT " max |value| %g, expected in (%g, %g]", l, (double)mx,
                 0.5 * (double)bound, (double)bound);
      off += out[l] * (in[l] + 1);
    }
  }
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  shape[0] = 3;
  shape[1] = cfg.dim;
  PetscCall(CfxTensorCreate(2, shape, &z));
  PetscCall(CfxRNGSetSeed(&rng, 5, 0));
  PetscCall(CfxTensorFillUniform(z, &rng, -3, 3));
  PetscCall(CfxHFluxNOHypernet(m, tape, z, &theta));
  for (PetscInt b = 0; b < 3; b++)
    for (PetscInt i = 0; i < nflux; i++) PetscCheck(theta->data[b * nflux + i] == hb->data[i], PETSC_COMM_SELF, PETSC_ERR_PLIB, "bias-HyperInit: theta differs from the head bias");
  PetscCall(CfxTapeReset(tape));
  shape[0] = 2;
  shape[1] = cfg.frames + 1;
  shape[2] = 1;
  shape[3] = cfg.cells;
  PetscCall(CfxTensorCreate(4, shape, &w));
  PetscCall(CfxTensorFillUniform(w, &rng, -1, 1));
  PetscCall(CfxParamSetZeroGrad(ps));
  PetscCall(CfxHFluxNOLoss(m, tape, w, &loss));
  PetscCall(CfxTapeBackward(tape, loss));
  PetscCall(CfxParamSetFind(ps, "encoder.embed.weight", &ew, NULL));
  PetscCall(CfxParamSetGetNumParameters(ps, &np));
  for (PetscInt i = 0; i < np; i++) {
    const char *name;
    CfxTensor t;
    PetscBool enc;
    PetscCall(CfxParamSetGetParameter(ps, i, &name, &t, NULL));
    PetscCall(PetscStrncmp(name, "encoder.", 8, &enc));
    for (PetscInt k = 0; k < t->size; k++) {
      if (enc) gnorm += PetscAbsReal(t->grad[k]);
      if (t == hw) hgrad += PetscAbsReal(t->grad[k]);
    }
  }
  PetscCheck(gnorm == 0.0 && hgrad > 0.0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "bias-HyperInit: encoder gradient %g (expected 0), head weight gradient %g (expected > 0)", (double)gnorm, (double)hgrad);
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "bias-HyperInit: head weight 0, theta = head bias for all inputs, encoder gradient 0, head gradient %.3e\n", (double)hgrad));
  PetscCall(CfxTensorDestroy(&z));
  PetscCall(CfxTensorDestroy(&w));
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(CfxHFluxNODestroy(&m));
  PetscFunctionReturn(0);
}

static PetscReal Gelu(PetscReal x) { return 0.5 * x * (1 + erf(x / PetscSqrtReal(2.0))); }
static PetscReal Sigmoid(PetscReal x) { return 1 / (1 + PetscExpReal(-x)); }

/* Forward values against plain loops: the RG-LRU (gates, decay, a_0 = 0, scan), the flux
   network's stencil indexing and per-sample layers, and causality of the temporal block. */
static PetscErrorCode CheckReference(void)
{
  CfxHFluxNOConfig cfg;
  CfxHFluxNO m;
  CfxTape tape;
  CfxParamSet ps;
  CfxTensor s, h, gi_w, gi_b, gr_w, gr_b, lam, U, theta, F, tok, y1, y2;
  PetscInt R = 2, T, L, nb, dk, shape[4], nflux, C = 2, N, S, Cin;
  PetscReal err = 0, *hprev, *x0, *x1;
  CfxRNG rng;

  PetscFunctionBeginUser;
  PetscCall(TinyConfig(C, &cfg));
  cfg.hyperinit = CFXHFLUXNO_INIT_DEFAULT;
  PetscCall(NewModel(&cfg, &m));
  PetscCall(CfxHFluxNOGetParamSet(m, &ps));
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  PetscCall(CfxTapeSetRecording(tape, PETSC_FALSE));
  T        = cfg.frames + 2;
  L        = cfg.lru_width;
  nb       = cfg.lru_blocks;
  dk       = L / nb;
  shape[0] = R;
  shape[1] = T;
  shape[2] = L;
  PetscCall(NewInput(3, shape, 21, -1.5, 1.5, &s));
  PetscCall(CfxHFluxNORGLRU(m, 0, tape, s, &h));
  PetscCall(CfxParamSetFind(ps, "encoder.temporal0.lru.input_gate.weight", &gi_w, NULL));
  PetscCall(CfxParamSetFind(ps, "encoder.temporal0.lru.input_gate.bias", &gi_b, NULL));
  PetscCall(CfxParamSetFind(ps, "encoder.temporal0.lru.recurrence_gate.weight", &gr_w, NULL));
  PetscCall(CfxParamSetFind(ps, "encoder.temporal0.lru.recurrence_gate.bias", &gr_b, NULL));
  PetscCall(CfxParamSetFind(ps, "encoder.temporal0.lru.lambda", &lam, NULL));
  PetscCall(PetscMalloc1(L, &hprev));
  for (PetscInt r = 0; r < R; r++) {
    for (PetscInt i = 0; i < L; i++) hprev[i] = 0;
    for (PetscInt t = 0; t < T; t++) {
      const PetscReal *x = s->data + (r * T + t) * L;
      for (PetscInt o = 0; o < L; o++) {
        PetscInt k   = o / dk; /* L divisible by blocks: output block k reads input block k */
        PetscReal zi = gi_b->data[o], zr = gr_b->data[o], a, ht;
        for (PetscInt q = 0; q < dk; q++) {
          zi += gi_w->data[o * dk + q] * x[k * dk + q];
          zr += gr_w->data[o * dk + q] * x[k * dk + q];
        }
        a        = t ? PetscExpReal(-8 * Sigmoid(zr) * PetscLogReal(1 + PetscExpReal(lam->data[o]))) : 0.0;
        ht       = a * hprev[o] + PetscSqrtReal(1 - a * a) * Sigmoid(zi) * x[o];
        err      = PetscMax(err, PetscAbsReal(ht - h->data[(r * T + t) * L + o]));
        hprev[o] = ht;
      }
    }
  }
  PetscCall(PetscFree(hprev));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "RG-LRU against loops: max abs diff %.2e\n", (double)err));
  PetscCheck(err < 1e-13, PETSC_COMM_SELF, PETSC_ERR_PLIB, "RG-LRU differs from the reference loops by %g", (double)err);

  /* flux network, both samples, both channels */
  PetscCall(CfxHFluxNOGetSizes(m, NULL, &nflux));
  N        = cfg.cells;
  S        = cfg.stencil;
  Cin      = C + 1;
  shape[0] = 2;
  shape[1] = C;
  shape[2] = N;
  PetscCall(NewInput(3, shape, 22, -1, 1, &U));
  shape[1] = nflux;
  PetscCall(NewInput(2, shape, 23, -0.6, 0.6, &theta));
  PetscCall(CfxHFluxNOFluxNetwork(m, tape, U, theta, PETSC_FALSE, &F));
  err = 0;
  for (PetscInt b = 0; b < 2; b++)
    for (PetscInt j = 0; j < N; j++) {
      PetscReal in[64], hid[64], out[64];
      const PetscReal *th = theta->data + b * nflux;
      PetscInt nin = S * Cin, nout, off = 0;
      for (PetscInt q = 0; q < S; q++) {
        PetscInt cell = ((j + q - (S + 1) / 2) % N + N) % N; /* face j-1/2 reads j - ceil(S/2) .. */
        for (PetscInt c = 0; c < C; c++) in[q * Cin + c] = U->data[(b * C + c) * N + cell];
        in[q * Cin + C] = (cell + 0.5) / N;
      }
      for (PetscInt l = 0; l < cfg.flux_depth + 2; l++) {
        nout = l == 0 ? cfg.lift : (l == cfg.flux_depth + 1 ? C : cfg.flux_width);
        for (PetscInt o = 0; o < nout; o++) {
          PetscReal v = th[off + nout * nin + o];
          for (PetscInt q = 0; q < nin; q++) v += th[off + o * nin + q] * in[q];
          out[o] = (l > 0 && l <= cfg.flux_depth) ? Gelu(v) : v;
        }
        off += nout * (nin + 1);
        for (PetscInt o = 0; o < nout; o++) hid[o] = in[o] = out[o];
        nin = nout;
      }
      for (PetscInt c = 0; c < C; c++) err = PetscMax(err, PetscAbsReal(hid[c] - F->data[(b * C + c) * N + j]));
    }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "flux network against loops: max abs diff %.2e\n", (double)err));
  PetscCheck(err < 1e-12, PETSC_COMM_SELF, PETSC_ERR_PLIB, "flux network differs from the reference loops by %g", (double)err);

  /* causality: changing the last frame's tokens leaves earlier frames' outputs unchanged */
  shape[0] = 1;
  shape[1] = cfg.frames;
  shape[2] = N / cfg.patch;
  shape[3] = cfg.dim;
  PetscCall(NewInput(4, shape, 24, -1, 1, &tok));
  PetscCall(CfxHFluxNOTemporalBlock(m, 0, tape, tok, &y1));
  PetscCall(PetscMalloc2(y1->size, &x0, y1->size, &x1));
  PetscCall(PetscArraycpy(x0, y1->data, y1->size));
  PetscCall(CfxRNGSetSeed(&rng, 1, 1));
  for (PetscInt i = (cfg.frames - 1) * shape[2] * shape[3]; i < tok->size; i++) tok->data[i] += CfxRNGUniform(&rng);
  PetscCall(CfxHFluxNOTemporalBlock(m, 0, tape, tok, &y2));
  PetscCall(PetscArraycpy(x1, y2->data, y2->size));
  err = 0;
  for (PetscInt i = 0; i < (cfg.frames - 1) * shape[2] * shape[3]; i++) err = PetscMax(err, PetscAbsReal(x1[i] - x0[i]));
  PetscCheck(err == 0.0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "temporal block is not causal: earlier frames changed by %g", (double)err);
  err = 0;
  for (PetscInt i = (cfg.frames - 1) * shape[2] * shape[3]; i < tok->size; i++) err = PetscMax(err, PetscAbsReal(x1[i] - x0[i]));
  PetscCheck(err > 1e-3, PETSC_COMM_SELF, PETSC_ERR_PLIB, "temporal block ignores its last frame");
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "temporal block is causal in time\n"));
  PetscCall(PetscFree2(x0, x1));
  PetscCall(CfxTensorDestroy(&s));
  PetscCall(CfxTensorDestroy(&U));
  PetscCall(CfxTensorDestroy(&theta));
  PetscCall(CfxTensorDestroy(&tok));
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(CfxHFluxNODestroy(&m));
  PetscFunctionReturn(0);
}

/* Rollouts conserve sum_j U_j per channel to round-off; the direct baseline does not. */
static PetscErrorCode CheckConservation(PetscInt C, CfxHFluxNOUpdate update, PetscReal *maxdrift)
{
  CfxHFluxNOConfig cfg;
  CfxHFluxNO m;
  PetscInt B = 2, nsteps = 25, N, T, F;
  PetscReal *ctx, *out;
  CfxRNG rng;

  PetscFunctionBeginUser;
  PetscCall(TinyConfig(C, &cfg));
  cfg.hyperinit = CFXHFLUXNO_INIT_DEFAULT; /* encoder-dependent fluxes */
  cfg.update    = update;
  PetscCall(NewModel(&cfg, &m));
  N = cfg.cells;
  T = cfg.frames;
  F = C * N;
  PetscCall(PetscMalloc2(B * T * F, &ctx, B * nsteps * F, &out));
  PetscCall(CfxRNGSetSeed(&rng, 3, 0));
  PetscCall(CfxRNGFillUniform(&rng, B * T * F, 0.2, 1.0, ctx));
  PetscCall(CfxHFluxNORollout(m, B, ctx, nsteps, out));
  *maxdrift = 0;
  for (PetscInt b = 0; b < B; b++)
    for (PetscInt ch = 0; ch < C; ch++) {
      PetscReal m0 = 0, scale = 0;
      for (PetscInt j = 0; j < N; j++) {
        m0 += ctx[((b * T + T - 1) * C + ch) * N + j];
        scale += PetscAbsReal(ctx[((b * T + T - 1) * C + ch) * N + j]);
      }
      for (PetscInt n = 0; n < nsteps; n++) {
        PetscReal mn = 0;
        for (PetscInt j = 0; j < N; j++) {
          PetscReal v = out[((b * nsteps + n) * C + ch) * N + j];
          PetscCheck(PetscIsNormalReal(v) || v == 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "rollout value not finite");
          mn += v;
        }
        *maxdrift = PetscMax(*maxdrift, PetscAbsReal(mn - m0) / scale);
      }
    }
  PetscCall(PetscFree2(ctx, out));
  PetscCall(CfxHFluxNODestroy(&m));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  CfxHFluxNOConfig cfg;
  CfxHFluxNO m;
  PetscInt ntot, nflux;
  PetscReal drift;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-h", &gc_h, NULL));
  PetscCall(CheckBlocks(1, CFXHFLUXNO_INIT_DEFAULT, CFXHFLUXNO_UPDATE_CONSERVATIVE));
  PetscCall(CheckBlocks(2, CFXHFLUXNO_INIT_DEFAULT, CFXHFLUXNO_UPDATE_CONSERVATIVE));
  PetscCall(CheckBlocks(1, CFXHFLUXNO_INIT_BIAS, CFXHFLUXNO_UPDATE_DIRECT));
  PetscCall(CheckHyperInit());
  PetscCall(CheckReference());

  for (PetscInt C = 1; C <= 2; C++) {
    PetscCall(CheckConservation(C, CFXHFLUXNO_UPDATE_CONSERVATIVE, &drift));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "conservative rollout, C = %" PetscInt_FMT ": max |sum U^n - sum U^0| / sum |U^0| over 25 steps = %.2e\n", C, (double)drift));
    PetscCheck(drift < 1e-13, PETSC_COMM_SELF, PETSC_ERR_PLIB, "conservative rollout drifts by %g", (double)drift);
  }
  PetscCall(CheckConservation(1, CFXHFLUXNO_UPDATE_DIRECT, &drift));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "direct (baseline) rollout: mass drift %.2e (not conservative)\n", (double)drift));
  PetscCheck(drift > 1e-6, PETSC_COMM_SELF, PETSC_ERR_PLIB, "the direct update unexpectedly conserves mass (%g)", (double)drift);

  /* the paper's sizes: a flux network of 71,681 parameters, about 2.68M in all */
  PetscCall(CfxHFluxNOConfigPaper(&cfg));
  PetscCall(NewModel(&cfg, &m));
  PetscCall(CfxHFluxNOGetSizes(m, &ntot, &nflux));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "paper configuration: %" PetscInt_FMT " parameters, flux network %" PetscInt_FMT "\n", ntot, nflux));
  PetscCheck(nflux == 71681, PETSC_COMM_SELF, PETSC_ERR_PLIB, "paper flux network has %" PetscInt_FMT " parameters, expected 71681", nflux);
  PetscCheck(ntot > 2.6e6 && ntot < 2.76e6, PETSC_COMM_SELF, PETSC_ERR_PLIB, "paper model has %" PetscInt_FMT " parameters, expected about 2.68M", ntot);
  PetscCall(CfxHFluxNODestroy(&m));
  PetscCall(CfxHFluxNOConfigDefault(&cfg));
  PetscCall(NewModel(&cfg, &m));
  PetscCall(CfxHFluxNOGetSizes(m, &ntot, &nflux));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "default (CPU) configuration: %" PetscInt_FMT " parameters, flux network %" PetscInt_FMT "\n", ntot, nflux));
  PetscCall(CfxHFluxNODestroy(&m));
  PetscCall(PetscFinalize());
  return 0;
}
