/* CfxHFluxNO object: configuration, options, parameters and their initialisation, viewing. */
#include "hfluxnoimpl.h"

const char *const CfxHFluxNOInits[]   = {"bias", "default", "CfxHFluxNOInit", "CFXHFLUXNO_INIT_", NULL};
const char *const CfxHFluxNOUpdates[] = {"conservative", "direct", "CfxHFluxNOUpdate", "CFXHFLUXNO_UPDATE_", NULL};

PetscLogEvent CFXHFLUXNO_Step, CFXHFLUXNO_Encode, CFXHFLUXNO_Flux;
static PetscBool CfxHFluxNOPackageInitialized = PETSC_FALSE;

static PetscErrorCode CfxHFluxNOFinalizePackage(void)
{
  PetscFunctionBegin;
  CfxHFluxNOPackageInitialized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Registers the log events CfxHFluxNOStep, CfxHFluxNOEncode, CfxHFluxNOFlux. */
PetscErrorCode CfxHFluxNOInitializePackage(void)
{
  PetscFunctionBegin;
  if (CfxHFluxNOPackageInitialized) PetscFunctionReturn(0);
  CfxHFluxNOPackageInitialized = PETSC_TRUE;
  PetscCall(CfxInitializePackage());
  PetscCall(PetscLogEventRegister("CfxHFluxNOStep", CFX_CLASSID, &CFXHFLUXNO_Step));
  PetscCall(PetscLogEventRegister("CfxHFluxNOEncode", CFX_CLASSID, &CFXHFLUXNO_Encode));
  PetscCall(PetscLogEventRegister("CfxHFluxNOFlux", CFX_CLASSID, &CFXHFLUXNO_Flux));
  PetscCall(PetscRegisterFinalize(CfxHFluxNOFinalizePackage));
  PetscFunctionReturn(0);
}

/*@C
  CfxHFluxNOConfigDefault - The CPU-sized configuration of hfluxno.md.
@*/
PetscErrorCode CfxHFluxNOConfigDefault(CfxHFluxNOConfig *c)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(c, sizeof(*c)));
  c->channels    = 1;
  c->cells       = 64;
  c->frames      = 8;
  c->patch       = 4;
  c->dim         = 32;
  c->pairs       = 1;
  c->lru_width   = 32;
  c->lru_blocks  = 4;
  c->conv_kernel = 4;
  c->a_min       = 0.9;
  c->a_max       = 0.999;
  c->heads       = 4;
  c->mlp_width   = 16;
  c->hyper_width = 32;
  c->hyper_depth = 1;
  c->head_blocks = 4;
  c->stencil     = 7;
  c->lift        = 32;
  c->flux_width  = 32;
  c->flux_depth  = 4;
  c->hyperinit   = CFXHFLUXNO_INIT_BIAS;
  c->update      = CFXHFLUXNO_UPDATE_CONSERVATIVE;
  c->ratio       = 0.5;
  c->seed        = 0;
  PetscFunctionReturn(0);
}

/*@C
  CfxHFluxNOConfigPaper - The paper's configuration (N 100, T 20, about 2.68M parameters).
@*/
PetscErrorCode CfxHFluxNOConfigPaper(CfxHFluxNOConfig *c)
{
  PetscFunctionBegin;
  PetscCall(CfxHFluxNOConfigDefault(c));
  c->cells       = 100;
  c->frames      = 20;
  c->dim         = 128;
  c->pairs       = 2;
  c->lru_width   = 128;
  c->lru_blocks  = 8;
  c->heads       = 8;
  c->mlp_width   = 64;
  c->hyper_width = 128;
  c->head_blocks = 4;
  c->stencil     = 21;
  c->lift        = 128;
  c->flux_width  = 128;
  c->flux_depth  = 4;
  PetscFunctionReturn(0);
}

#define CheckPos(v, what)      PetscCheck((v) >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "HFluxNO: %s must be >= 1, found %" PetscInt_FMT, what, (PetscInt)(v))
#define CheckDiv(a, b, wa, wb) PetscCheck((a) % (b) == 0, comm, PETSC_ERR_ARG_SIZ, "HFluxNO: %s (%" PetscInt_FMT ") must be divisible by %s (%" PetscInt_FMT ")", wa, (PetscInt)(a), wb, (PetscInt)(b))

PetscErrorCode CfxHFluxNOCheckConfig(MPI_Comm comm, const CfxHFluxNOConfig *c)
{
  PetscFunctionBegin;
  CheckPos(c->channels, "channels");
  CheckPos(c->cells, "cells");
  CheckPos(c->frames, "frames");
  CheckPos(c->patch, "patch");
  CheckPos(c->dim, "dim");
  CheckPos(c->pairs, "pairs");
  CheckPos(c->lru_width, "lru_width");
  CheckPos(c->lru_blocks, "lru_blocks");
  CheckPos(c->conv_kernel, "conv_kernel");
  CheckPos(c->heads, "heads");
  CheckPos(c->mlp_width, "mlp_width");
  CheckPos(c->hyper_width, "hyper_width");
  CheckPos(c->head_blocks, "head_blocks");
  CheckPos(c->stencil, "stencil");
  CheckPos(c->lift, "lift");
  CheckPos(c->flux_width, "flux_width");
  PetscCheck(c->hyper_depth >= 0 && c->flux_depth >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "HFluxNO: hyper_depth and flux_depth must be >= 0, found %" PetscInt_FMT " and %" PetscInt_FMT, c->hyper_depth,
             c->flux_depth);
  PetscCheck(c->pairs <= CFXHFLUXNO_MAX_BLOCKS && c->hyper_depth <= CFXHFLUXNO_MAX_BLOCKS && c->flux_depth <= CFXHFLUXNO_MAX_BLOCKS, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HFluxNO: pairs, hyper_depth and flux_depth must be <= %d, found %" PetscInt_FMT ", %" PetscInt_FMT ", %" PetscInt_FMT, CFXHFLUXNO_MAX_BLOCKS, c->pairs, c->hyper_depth, c->flux_depth);
  CheckDiv(c->cells, c->patch, "cells", "patch");
  CheckDiv(c->dim, c->heads, "dim", "heads");
  CheckDiv(c->lru_width, c->lru_blocks, "lru_width", "lru_blocks");
  CheckDiv(c->hyper_width, c->head_blocks, "hyper_width", "head_blocks");
  PetscCheck(c->stencil <= c->cells, comm, PETSC_ERR_ARG_OUTOFRANGE, "HFluxNO: stencil %" PetscInt_FMT " wider than the grid of %" PetscInt_FMT " cells", c->stencil, c->cells);
  PetscCheck(0 < c->a_min && c->a_min < c->a_max && c->a_max < 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "HFluxNO: need 0 < a_min < a_max < 1, found %g, %g", (double)c->a_min, (double)c->a_max);
  PetscCheck(c->ratio > 0 && PetscIsNormalReal(c->ratio), comm, PETSC_ERR_ARG_OUTOFRANGE, "HFluxNO: dt/dx must be positive and finite, found %g", (double)c->ratio);
  PetscFunctionReturn(0);
}

PetscErrorCode CfxHFluxNOCreate(MPI_Comm comm, CfxHFluxNO *model)
{
  CfxHFluxNO m;

  PetscFunctionBegin;
  PetscValidPointer(model, 2);
  PetscCall(CfxHFluxNOInitializePackage());
  PetscCall(PetscNew(&m));
  m->comm = comm;
  PetscCall(CfxHFluxNOConfigDefault(&m->cfg));
  PetscCall(PetscStrallocpy("hfluxno_", &m->prefix));
  *model = m;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxHFluxNOSetConfig(CfxHFluxNO m, const CfxHFluxNOConfig *c)
{
  PetscFunctionBegin;
  PetscCheck(!m->setup, m->comm, PETSC_ERR_ORDER, "CfxHFluxNOSetConfig() must be called before CfxHFluxNOSetUp()");
  m->cfg = *c;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxHFluxNOGetConfig(CfxHFluxNO m, CfxHFluxNOConfig *c)
{
  PetscFunctionBegin;
  *c = m->cfg;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxHFluxNOSetOptionsPrefix(CfxHFluxNO m, const char prefix[])
{
  PetscFunctionBegin;
  PetscCall(PetscFree(m->prefix));
  PetscCall(PetscStrallocpy(prefix ? prefix : "", &m->prefix));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxHFluxNOSetFromOptions(CfxHFluxNO m)
{
  CfxHFluxNOConfig *c = &m->cfg;
  PetscBool paper     = PETSC_FALSE;
  PetscInt seed       = (PetscInt)c->seed;
  PetscEnum e;

  PetscFunctionBegin;
  PetscCheck(!m->setup, m->comm, PETSC_ERR_ORDER, "CfxHFluxNOSetFromOptions() must be called before CfxHFluxNOSetUp()");
  PetscOptionsBegin(m->comm, m->prefix, "Context-conditioned Flux NO (HFluxNO) options", "CfxHFluxNO");
  PetscCall(PetscOptionsBool("-paper", "Start from the paper's sizes (N 100, T 20, D 128, 2 pairs, stencil 21, width 128)", "CfxHFluxNOConfigPaper", paper, &paper, NULL));
  if (paper) PetscCall(CfxHFluxNOConfigPaper(c));
  PetscCall(PetscOptionsInt("-channels", "Field channels C (1 scalar, 2 shallow water)", "CfxHFluxNOSetConfig", c->channels, &c->channels, NULL));
  PetscCall(PetscOptionsInt("-cells", "Grid cells N", "CfxHFluxNOSetConfig", c->cells, &c->cells, NULL));
  PetscCall(PetscOptionsInt("-frames", "Context frames T", "CfxHFluxNOSetConfig", c->frames, &c->frames, NULL));
  PetscCall(PetscOptionsInt("-patch", "Patch size (tokens = N / patch)", "CfxHFluxNOSetConfig", c->patch, &c->patch, NULL));
  PetscCall(PetscOptionsInt("-dim", "Token width D", "CfxHFluxNOSetConfig", c->dim, &c->dim, NULL));
  PetscCall(PetscOptionsInt("-pairs", "Temporal + spatial block pairs", "CfxHFluxNOSetConfig", c->pairs, &c->pairs, NULL));
  PetscCall(PetscOptionsInt("-lru_width", "Recurrent width L of the temporal blocks", "CfxHFluxNOSetConfig", c->lru_width, &c->lru_width, NULL));
  PetscCall(PetscOptionsInt("-lru_blocks", "Blocks of the RG-LRU's block-diagonal gates", "CfxHFluxNOSetConfig", c->lru_blocks, &c->lru_blocks, NULL));
  PetscCall(PetscOptionsInt("-conv_kernel", "Kernel of the causal depthwise conv along time", "CfxHFluxNOSetConfig", c->conv_kernel, &c->conv_kernel, NULL));
  PetscCall(PetscOptionsReal("-a_min", "Smallest initial RG-LRU decay", "CfxHFluxNOSetConfig", c->a_min, &c->a_min, NULL));
  PetscCall(PetscOptionsReal("-a_max", "Largest initial RG-LRU decay", "CfxHFluxNOSetConfig", c->a_max, &c->a_max, NULL));
  PetscCall(PetscOptionsInt("-heads", "Attention heads of the spatial blocks", "CfxHFluxNOSetConfig", c->heads, &c->heads, NULL));
  PetscCall(PetscOptionsInt("-mlp_width", "Hidden width of the spatial blocks' MLP", "CfxHFluxNOSetConfig", c->mlp_width, &c->mlp_width, NULL));
  PetscCall(PetscOptionsInt("-hyper_width", "Width of the hypernetwork trunk", "CfxHFluxNOSetConfig", c->hyper_width, &c->hyper_width, NULL));
  PetscCall(PetscOptionsInt("-hyper_depth", "Hidden layers of the hypernetwork trunk", "CfxHFluxNOSetConfig", c->hyper_depth, &c->hyper_depth, NULL));
  PetscCall(PetscOptionsInt("-head_blocks", "Blocks of the block-diagonal hypernetwork head", "CfxHFluxNOSetConfig", c->head_blocks, &c->head_blocks, NULL));
  PetscCall(PetscOptionsInt("-stencil", "Cells read by each face flux", "CfxHFluxNOSetConfig", c->stencil, &c->stencil, NULL));
  PetscCall(PetscOptionsInt("-lift", "Output width of the flux network's stencil conv", "CfxHFluxNOSetConfig", c->lift, &c->lift, NULL));
  PetscCall(PetscOptionsInt("-flux_width", "Hidden width of the flux network's MLP", "CfxHFluxNOSetConfig", c->flux_width, &c->flux_width, NULL));
  PetscCall(PetscOptionsInt("-flux_depth", "Hidden layers of the flux network's MLP", "CfxHFluxNOSetConfig", c->flux_depth, &c->flux_depth, NULL));
  e = (PetscEnum)c->hyperinit;
  PetscCall(PetscOptionsEnum("-hyperinit", "Head initialisation (bias: bias-HyperInit)", "CfxHFluxNOSetConfig", CfxHFluxNOInits, e, &e, NULL));
  c->hyperinit = (CfxHFluxNOInit)e;
  e            = (PetscEnum)c->update;
  PetscCall(PetscOptionsEnum("-update", "Update: conservative flux difference or direct (baseline)", "CfxHFluxNOSetConfig", CfxHFluxNOUpdates, e, &e, NULL));
  c->update = (CfxHFluxNOUpdate)e;
  PetscCall(PetscOptionsReal("-ratio", "dt/dx of the learned scheme", "CfxHFluxNOSetConfig", c->ratio, &c->ratio, NULL));
  PetscCall(PetscOptionsInt("-seed", "Initialisation seed", "CfxHFluxNOSetConfig", seed, &seed, NULL));
  c->seed = (uint64_t)seed;
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

/* ---- parameters */
static uint64_t Fnv1a(const char *s)
{
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ULL;
  }
  return h;
}

/* Fill n values uniformly on (-bound, bound) from the stream of name. */
static PetscErrorCode FillUniform(CfxHFluxNO m, const char name[], PetscInt n, PetscReal bound, PetscReal v[])
{
  CfxRNG rng;

  PetscFunctionBegin;
  PetscCall(CfxRNGSetSeed(&rng, m->cfg.seed, Fnv1a(name)));
  PetscCall(CfxRNGFillUniform(&rng, n, -bound, bound, v));
  PetscFunctionReturn(0);
}

typedef enum { INIT_ZERO, INIT_ONE, INIT_UNIFORM, INIT_NORMAL } InitKind;

/* A named parameter of the given shape, initialised (uniform: on +-scale; normal: N(0, scale^2)). */
static PetscErrorCode NewParam(CfxHFluxNO m, const char name[], PetscInt ndim, const PetscInt shape[], InitKind kind, PetscReal scale, CfxTensor *t)
{
  CfxRNG rng;

  PetscFunctionBegin;
  PetscCall(CfxTensorCreate(ndim, shape, t));
  switch (kind) {
    case INIT_ZERO: break;
    case INIT_ONE: PetscCall(CfxTensorSetValues(*t, 1.0)); break;
    case INIT_UNIFORM: PetscCall(FillUniform(m, name, (*t)->size, scale, (*t)->data)); break;
    case INIT_NORMAL:
      PetscCall(CfxRNGSetSeed(&rng, m->cfg.seed, Fnv1a(name)));
      PetscCall(CfxTensorFillNormal(*t, &rng, 0.0, scale));
      break;
  }
  PetscCall(CfxTensorSetRequiresGrad(*t, PETSC_TRUE));
  PetscCall(CfxParamSetAdd(m->ps, name, *t));
  PetscCall(PetscRealloc(sizeof(CfxTensor) * (m->nown + 1), &m->own));
  m->own[m->nown++] = *t;
  PetscFunctionReturn(0);
}

/* Linear layer [out, in] (+ bias [out]) with PyTorch's default initialisation. */
static PetscErrorCode NewLinear(CfxHFluxNO m, const char base[], PetscInt out, PetscInt in, PetscBool bias, CfxTensor *W, CfxTensor *b)
{
  char name[256];
  PetscInt shape[2] = {out, in};
  PetscReal bound   = 1.0 / PetscSqrtReal((PetscReal)in);

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s.weight", base));
  PetscCall(NewParam(m, name, 2, shape, INIT_UNIFORM, bound, W));
  if (bias) {
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s.bias", base));
    PetscCall(NewParam(m, name, 1, &out, INIT_UNIFORM, bound, b));
  } else if (b)
    *b = NULL;
  PetscFunctionReturn(0);
}

static PetscErrorCode NewNorm(CfxHFluxNO m, const char base[], PetscInt D, PetscBool bias, CfxTensor *w, CfxTensor *b)
{
  char name[256];

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s.weight", base));
  PetscCall(NewParam(m, name, 1, &D, INIT_ONE, 0, w));
  if (bias) {
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s.bias", base));
    PetscCall(NewParam(m, name, 1, &D, INIT_ZERO, 0, b));
  }
  PetscFunctionReturn(0);
}

/* The flux network's layer layout inside theta. */
static PetscErrorCode FluxLayout(CfxHFluxNO m)
{
  const CfxHFluxNOConfig *c = &m->cfg;
  PetscInt off              = 0;

  PetscFunctionBegin;
  m->nfl = c->flux_depth + 2;
  for (PetscInt l = 0; l < m->nfl; l++) {
    m->fl_in[l]  = l == 0 ? (c->channels + 1) * c->stencil : (l == 1 ? c->lift : c->flux_width);
    m->fl_out[l] = l == 0 ? c->lift : (l == m->nfl - 1 ? c->channels : c->flux_width);
    m->fl_off[l] = off;
    off += m->fl_out[l] * (m->fl_in[l] + 1);
  }
  m->nflux = off;
  PetscFunctionReturn(0);
}

/* bias-HyperInit: the head's bias is a default (PyTorch) initialisation of the flux network,
   each layer's weight and bias uniform on +-1/sqrt(fan_in), drawn from the streams named
   "flux.layer<l>.weight" and "flux.layer<l>.bias". */
static PetscErrorCode FluxNetworkInit(CfxHFluxNO m, PetscReal theta[])
{
  char name[64];

  PetscFunctionBegin;
  for (PetscInt l = 0; l < m->nfl; l++) {
    PetscReal bound = 1.0 / PetscSqrtReal((PetscReal)m->fl_in[l]);
    PetscCall(PetscSNPrintf(name, sizeof(name), "flux.layer%" PetscInt_FMT ".weight", l));
    PetscCall(FillUniform(m, name, m->fl_out[l] * m->fl_in[l], bound, theta + m->fl_off[l]));
    PetscCall(PetscSNPrintf(name, sizeof(name), "flux.layer%" PetscInt_FMT ".bias", l));
    PetscCall(FillUniform(m, name, m->fl_out[l], bound, theta + m->fl_off[l] + m->fl_out[l] * m->fl_in[l]));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode CfxHFluxNOSetUp(CfxHFluxNO m)
{
  const CfxHFluxNOConfig *c = &m->cfg;
  PetscInt D = c->dim, L = c->lru_width, Cin = c->channels + 1, shape[3];
  char base[128], name[256];

  PetscFunctionBegin;
  if (m->setup) PetscFunctionReturn(0);
  PetscCall(CfxHFluxNOCheckConfig(m->comm, c));
  m->ntok = c->cells / c->patch;
  PetscCall(FluxLayout(m));
  PetscCall(CfxParamSetCreate(m->comm, &m->ps));

  /* patch embedding (Conv1d) and position encoding (normal, scale 1/sqrt(D) as TRecViT) */
  shape[0] = D;
  shape[1] = Cin;
  shape[2] = c->patch;
  PetscCall(NewParam(m, "encoder.embed.weight", 3, shape, INIT_UNIFORM, 1.0 / PetscSqrtReal((PetscReal)(Cin * c->patch)), &m->embed_w));
  PetscCall(NewParam(m, "encoder.embed.bias", 1, &D, INIT_UNIFORM, 1.0 / PetscSqrtReal((PetscReal)(Cin * c->patch)), &m->embed_b));
  shape[0] = m->ntok;
  shape[1] = D;
  PetscCall(NewParam(m, "encoder.pos", 2, shape, INIT_NORMAL, 1.0 / PetscSqrtReal((PetscReal)D), &m->pos));

  for (PetscInt l = 0; l < c->pairs; l++) {
    CfxHFluxNOTemporal *t = &m->tb[l];
    CfxHFluxNOSpatial *s  = &m->sb[l];
    PetscInt hb           = L / c->lru_blocks;

    PetscCall(PetscSNPrintf(base, sizeof(base), "encoder.temporal%" PetscInt_FMT, l));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s.norm", base));
    PetscCall(NewNorm(m, name, D, PETSC_FALSE, &t->norm_w, NULL));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s.linear_y", base));
    PetscCall(NewLinear(m, name, L, D, PETSC_TRUE, &t->y_w, &t->y_b));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s.linear_x", base));
    PetscCall(NewLinear(m, name, L, D, PETSC_TRUE, &t->x_w, &t->x_b));
    /* depthwise conv: fan_in = kernel */
    shape[0] = L;
    shape[1] = 1;
    shape[2] = c->conv_kernel;
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s.conv.weight", base));
    PetscCall(NewParam(m, name, 3, shape, INIT_UNIFORM, 1.0 / PetscSqrtReal((PetscReal)c->conv_kernel), &t->conv_w));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s.conv.bias", base));
    PetscCall(NewParam(m, name, 1, &L, INIT_UNIFORM, 1.0 / PetscSqrtReal((PetscReal)c->conv_kernel), &t->conv_b));
    /* block-diagonal gates [L, L/blocks], fan_in = L/blocks */
    shape[0] = L;
    shape[1] = hb;
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s.lru.input_gate.weight", base));
    PetscCall(NewParam(m, name, 2, shape, INIT_UNIFORM, 1.0 / PetscSqrtReal((PetscReal)hb), &t->gi_w));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s.lru.input_gate.bias", base));
    PetscCall(NewParam(m, name, 1, &L, INIT_UNIFORM, 1.0 / PetscSqrtReal((PetscReal)hb), &t->gi_b));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s.lru.recurrence_gate.weight", base));
    PetscCall(NewParam(m, name, 2, shape, INIT_UNIFORM, 1.0 / PetscSqrtReal((PetscReal)hb), &t->gr_w));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s.lru.recurrence_gate.bias", base));
    PetscCall(NewParam(m, name, 1, &L, INIT_UNIFORM, 1.0 / PetscSqrtReal((PetscReal)hb), &t->gr_b));
    /* Lambda: softplus(Lambda) = -log rho with rho^2 uniform on [a_min^2, a_max^2] */
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s.lru.lambda", base));
    PetscCall(NewParam(m, name, 1, &L, INIT_ZERO, 0, &t->lambda));
    {
      CfxRNG rng;
      PetscCall(CfxRNGSetSeed(&rng, c->seed, Fnv1a(name)));
      for (PetscInt i = 0; i < L; i++) {
        PetscReal r2       = c->a_min * c->a_min + CfxRNGUniform(&rng) * (c->a_max * c->a_max - c->a_min * c->a_min);
        PetscReal sp       = -0.5 * PetscLogReal(r2); /* softplus(Lambda) */
        t->lambda->data[i] = PetscLogReal(expm1(sp));
      }
    }
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s.linear_out", base));
    PetscCall(NewLinear(m, name, D, L, PETSC_TRUE, &t->out_w, &t->out_b));

    PetscCall(PetscSNPrintf(base, sizeof(base), "encoder.spatial%" PetscInt_FMT, l));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s.norm1", base));
    PetscCall(NewNorm(m, name, D, PETSC_TRUE, &s->n1_w, &s->n1_b));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s.attn.q", base));
    PetscCall(NewLinear(m, name, D, D, PETSC_FALSE, &s->q, NULL));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s.attn.k", base));
    PetscCall(NewLinear(m, name, D, D, PETSC_FALSE, &s->k, NULL));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s.attn.v", base));
    PetscCall(NewLinear(m, name, D, D, PETSC_FALSE, &s->v, NULL));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s.attn.out", base));
    PetscCall(NewLinear(m, name, D, D, PETSC_FALSE, &s->o, NULL));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s.norm2", base));
    PetscCall(NewNorm(m, name, D, PETSC_TRUE, &s->n2_w, &s->n2_b));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s.mlp1", base));
    PetscCall(NewLinear(m, name, c->mlp_width, D, PETSC_TRUE, &s->m1_w, &s->m1_b));
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s.mlp2", base));
    PetscCall(NewLinear(m, name, D, c->mlp_width, PETSC_TRUE, &s->m2_w, &s->m2_b));
  }
  PetscCall(NewNorm(m, "encoder.norm", D, PETSC_TRUE, &m->norm_w, &m->norm_b));

  /* hypernetwork trunk: hyper_depth hidden layers with GELU, then a linear layer */
  for (PetscInt l = 0; l <= c->hyper_depth; l++) {
    PetscCall(PetscSNPrintf(name, sizeof(name), "hyper.trunk%" PetscInt_FMT, l));
    PetscCall(NewLinear(m, name, c->hyper_width, l == 0 ? D : c->hyper_width, PETSC_TRUE, &m->trunk_w[l], &m->trunk_b[l]));
  }
  /* block-diagonal head */
  shape[0] = m->nflux;
  shape[1] = c->hyper_width / c->head_blocks;
  if (c->hyperinit == CFXHFLUXNO_INIT_BIAS) {
    PetscCall(NewParam(m, "hyper.head.weight", 2, shape, INIT_ZERO, 0, &m->head_w));
    PetscCall(NewParam(m, "hyper.head.bias", 1, &m->nflux, INIT_ZERO, 0, &m->head_b));
    PetscCall(FluxNetworkInit(m, m->head_b->data));
  } else {
    PetscReal bound = 1.0 / PetscSqrtReal((PetscReal)shape[1]);
    PetscCall(NewParam(m, "hyper.head.weight", 2, shape, INIT_UNIFORM, bound, &m->head_w));
    PetscCall(NewParam(m, "hyper.head.bias", 1, &m->nflux, INIT_UNIFORM, bound, &m->head_b));
  }
  PetscCall(CfxParamSetSetUp(m->ps));
  PetscCall(CfxTapeCreate(m->comm, &m->tape));
  m->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxHFluxNOGetParamSet(CfxHFluxNO m, CfxParamSet *ps)
{
  PetscFunctionBegin;
  PetscCheck(m->setup, m->comm, PETSC_ERR_ORDER, "call CfxHFluxNOSetUp() first");
  *ps = m->ps;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxHFluxNOGetSizes(CfxHFluxNO m, PetscInt *ntotal, PetscInt *nflux)
{
  PetscFunctionBegin;
  PetscCheck(m->setup, m->comm, PETSC_ERR_ORDER, "call CfxHFluxNOSetUp() first");
  if (ntotal) PetscCall(CfxParamSetGetSize(m->ps, ntotal));
  if (nflux) *nflux = m->nflux;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxHFluxNOView(CfxHFluxNO m, PetscViewer v)
{
  const CfxHFluxNOConfig *c = &m->cfg;
  PetscInt n                = 0;

  PetscFunctionBegin;
  if (!v) v = PETSC_VIEWER_STDOUT_(m->comm);
  if (m->setup) PetscCall(CfxParamSetGetSize(m->ps, &n));
  PetscCall(PetscViewerASCIIPrintf(v, "HFluxNO: C %" PetscInt_FMT ", N %" PetscInt_FMT ", T %" PetscInt_FMT ", dt/dx %g, update %s, %" PetscInt_FMT " parameters\n", c->channels, c->cells, c->frames,
                                   (double)c->ratio, CfxHFluxNOUpdates[c->update], n));
  PetscCall(PetscViewerASCIIPrintf(v,
                                   "  encoder: patch %" PetscInt_FMT " (%" PetscInt_FMT " tokens), D %" PetscInt_FMT ", %" PetscInt_FMT " pair(s); temporal: LRU width %" PetscInt_FMT
                                   ", %" PetscInt_FMT " gate blocks, conv %" PetscInt_FMT ", a in [%g, %g]; spatial: %" PetscInt_FMT " heads, MLP %" PetscInt_FMT "\n",
                                   c->patch, c->cells / c->patch, c->dim, c->pairs, c->lru_width, c->lru_blocks, c->conv_kernel, (double)c->a_min, (double)c->a_max, c->heads, c->mlp_width));
  PetscCall(PetscViewerASCIIPrintf(v, "  hypernetwork: trunk width %" PetscInt_FMT ", %" PetscInt_FMT " hidden layer(s), head %" PetscInt_FMT " blocks, init %s\n", c->hyper_width, c->hyper_depth,
                                   c->head_blocks, CfxHFluxNOInits[c->hyperinit]));
  PetscCall(PetscViewerASCIIPrintf(
      v, "  flux network: stencil %" PetscInt_FMT ", lift %" PetscInt_FMT ", MLP width %" PetscInt_FMT ", %" PetscInt_FMT " hidden layers, %" PetscInt_FMT " parameters per sample\n", c->stencil,
      c->lift, c->flux_width, c->flux_depth, m->setup ? m->nflux : 0));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxHFluxNODestroy(CfxHFluxNO *model)
{
  CfxHFluxNO m;

  PetscFunctionBegin;
  if (!model || !*model) PetscFunctionReturn(0);
  m = *model;
  for (PetscInt i = 0; i < m->nown; i++) PetscCall(CfxTensorDestroy(&m->own[i]));
  PetscCall(PetscFree(m->own));
  PetscCall(CfxParamSetDestroy(&m->ps));
  PetscCall(CfxTapeDestroy(&m->tape));
  PetscCall(PetscFree(m->prefix));
  PetscCall(PetscFree(m));
  *model = NULL;
  PetscFunctionReturn(0);
}
