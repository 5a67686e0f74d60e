/* Context-conditioned Flux NO (HFluxNO; Kim & Ko, arXiv 2605.05488): one model for a family
   of 1D periodic conservation laws u_t + f(u)_x = 0 whose flux is not known. A window of the
   last T frames is encoded into a context vector z; a hypernetwork maps z to every weight of a
   local flux network; the flux network gives the face fluxes of the conservative update

       U_j^{n+1} = U_j^n - r (F_{j+1/2} - F_{j-1/2}),   r = dt/dx,

   so every rollout conserves sum_j U_j exactly (to round-off) whatever the parameters.

   Architecture (all sizes in CfxHFluxNOConfig; docs/hfluxno.md):
   - input: window [B, T, C, N] (T frames, C channels, N cells); a coordinate channel
     x_j = (j + 1/2)/N is appended, so every frame has C + 1 channels;
   - patch embedding: Conv1d(C+1 -> D, kernel = stride = patch) per frame, P = N/patch tokens,
     plus a learned position encoding [P, D];
   - `pairs` pairs of blocks on the token grid [B, T, P, D]:
     temporal (per token along time, Griffin/TRecViT recurrent block):
       v = RMSNorm(x); y = GELU(W_y v); s = W_x v; s = causal depthwise conv (kernel k) of s
       along time; s = RG-LRU(s); x <- x + W_out (y * s);
     RG-LRU on s [T, L]: i_t = sigmoid(BD_i s_t), r_t = sigmoid(BD_r s_t) (block-diagonal
       linear maps with `lru_blocks` blocks), log a_t = -8 r_t softplus(Lambda), a_0 = 0,
       h_t = a_t h_{t-1} + sqrt(1 - a_t^2) (i_t * s_t); Lambda initialised so that
       softplus(Lambda) = -log rho, rho^2 ~ U[a_min^2, a_max^2];
     spatial (per frame across tokens): pre-LN transformer block, attention without biases
       (q, k, v, out projections [D, D]), MLP D -> mlp_width -> D with GELU;
   - pooling: LayerNorm, last time step, mean over tokens -> z [B, D];
   - hypernetwork trunk: MLP D -> hyper_width (GELU, hyper_depth hidden layers) -> hyper_width,
     then a block-diagonal linear head (head_blocks blocks: input block k of the trunk output
     writes output chunk k) producing theta [B, nflux], every parameter of the flux network;
   - flux network (weights theta per sample): the last frame with its coordinate channel,
     periodic, face j-1/2 reads the S = stencil cells j - ceil(S/2) .. j + floor(S/2) - 1
     (the paper's periodic pad (11, 10) and kernel 21 for S = 21): a wide-stencil conv
     (C+1)*S -> lift (no activation), then an MLP
     lift -> flux_width (GELU, flux_depth hidden layers) -> C: face fluxes F [B, C, N];
   - update: conservative (above) or, for the baseline, direct: U^{n+1}_j = U^n_j + r G_j with
     G the same network evaluated on cell-centred stencils (not conservative).
   Initialisation follows PyTorch/Equinox defaults; the head uses bias-HyperInit (weights 0,
   bias = a default initialisation of the flux network) unless hyperinit is "default".

   Parameters have '.'-joined names (encoder.embed.weight, encoder.temporal0.lru.lambda,
   encoder.spatial0.attn.q.weight, hyper.trunk0.weight, hyper.head.weight, ...). The flux
   network's parameters inside theta are laid out in order: conv weight [lift, S, C+1]
   (stencil-major), conv bias [lift], then per MLP layer weight [out, in], bias [out]. */
#pragma once

#include <conflux/cfxtensor.h>
#include <conflux/cfxoptim.h>

typedef enum { CFXHFLUXNO_INIT_BIAS, CFXHFLUXNO_INIT_DEFAULT } CfxHFluxNOInit;
PETSC_EXTERN const char *const CfxHFluxNOInits[];
typedef enum { CFXHFLUXNO_UPDATE_CONSERVATIVE, CFXHFLUXNO_UPDATE_DIRECT } CfxHFluxNOUpdate;
PETSC_EXTERN const char *const CfxHFluxNOUpdates[];

typedef struct {
  PetscInt channels, cells, frames; /* C, N, T */
  PetscInt patch, dim, pairs;       /* patch size, D, temporal+spatial pairs */
  PetscInt lru_width, lru_blocks, conv_kernel;
  PetscReal a_min, a_max;
  PetscInt heads, mlp_width;
  PetscInt hyper_width, hyper_depth, head_blocks;
  PetscInt stencil, lift, flux_width, flux_depth;
  CfxHFluxNOInit hyperinit;
  CfxHFluxNOUpdate update;
  PetscReal ratio; /* dt/dx */
  uint64_t seed;
} CfxHFluxNOConfig;

/* The CPU-sized configuration of hfluxno.md (N 64, T 8, patch 4, D 32, one pair, stencil 7,
   flux width 32) and the paper's (N 100, T 20, D 128, two pairs, stencil 21, width 128). */
PETSC_EXTERN PetscErrorCode CfxHFluxNOConfigDefault(CfxHFluxNOConfig *);
PETSC_EXTERN PetscErrorCode CfxHFluxNOConfigPaper(CfxHFluxNOConfig *);

typedef struct _p_CfxHFluxNO *CfxHFluxNO;

PETSC_EXTERN PetscErrorCode CfxHFluxNOCreate(MPI_Comm, CfxHFluxNO *);
PETSC_EXTERN PetscErrorCode CfxHFluxNOSetConfig(CfxHFluxNO, const CfxHFluxNOConfig *);
PETSC_EXTERN PetscErrorCode CfxHFluxNOGetConfig(CfxHFluxNO, CfxHFluxNOConfig *);
/* Options (prefix "hfluxno_" unless changed): -hfluxno_channels, -hfluxno_cells,
   -hfluxno_frames, -hfluxno_patch, -hfluxno_dim, -hfluxno_pairs, -hfluxno_lru_width,
   -hfluxno_lru_blocks, -hfluxno_conv_kernel, -hfluxno_a_min, -hfluxno_a_max, -hfluxno_heads,
   -hfluxno_mlp_width, -hfluxno_hyper_width, -hfluxno_hyper_depth, -hfluxno_head_blocks,
   -hfluxno_stencil, -hfluxno_lift, -hfluxno_flux_width,
   -hfluxno_flux_depth, -hfluxno_hyperinit (bias|default), -hfluxno_update
   (conservative|direct), -hfluxno_ratio, -hfluxno_seed, -hfluxno_paper (start from the
   paper's sizes). */
PETSC_EXTERN PetscErrorCode CfxHFluxNOSetOptionsPrefix(CfxHFluxNO, const char[]);
PETSC_EXTERN PetscErrorCode CfxHFluxNOSetFromOptions(CfxHFluxNO);
PETSC_EXTERN PetscErrorCode CfxHFluxNOSetUp(CfxHFluxNO);
PETSC_EXTERN PetscErrorCode CfxHFluxNOView(CfxHFluxNO, PetscViewer);
PETSC_EXTERN PetscErrorCode CfxHFluxNODestroy(CfxHFluxNO *);
/* The parameters as one flat set (created at SetUp; owned by the model) and counts. */
PETSC_EXTERN PetscErrorCode CfxHFluxNOGetParamSet(CfxHFluxNO, CfxParamSet *);
PETSC_EXTERN PetscErrorCode CfxHFluxNOGetSizes(CfxHFluxNO, PetscInt *, PetscInt *); /* all parameters, flux-network parameters per sample */

/* Blocks (for testing and reuse); tensors on the tape. Layouts: tokens [B, T, P, D]. */
PETSC_EXTERN PetscErrorCode CfxHFluxNOEmbed(CfxHFluxNO, CfxTape, CfxTensor, CfxTensor *);                   /* window [B,T,C,N] -> tokens */
PETSC_EXTERN PetscErrorCode CfxHFluxNOTemporalBlock(CfxHFluxNO, PetscInt, CfxTape, CfxTensor, CfxTensor *); /* block l */
PETSC_EXTERN PetscErrorCode CfxHFluxNORGLRU(CfxHFluxNO, PetscInt, CfxTape, CfxTensor, CfxTensor *);         /* block l's RG-LRU on [R, T, L] */
PETSC_EXTERN PetscErrorCode CfxHFluxNOSpatialBlock(CfxHFluxNO, PetscInt, CfxTape, CfxTensor, CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxHFluxNOPool(CfxHFluxNO, CfxTape, CfxTensor, CfxTensor *);     /* tokens -> z [B, D] */
PETSC_EXTERN PetscErrorCode CfxHFluxNOEncode(CfxHFluxNO, CfxTape, CfxTensor, CfxTensor *);   /* window -> z */
PETSC_EXTERN PetscErrorCode CfxHFluxNOHypernet(CfxHFluxNO, CfxTape, CfxTensor, CfxTensor *); /* z -> theta [B, nflux] */
/* Face fluxes F [B, C, N] (F[..., j] = F_{j-1/2}) of fields U [B, C, N] with per-sample flux
   network parameters theta [B, nflux]; with cell_centred, G[..., j] reads the stencil
   centred on cell j, cells j - floor(S/2) .. j + ceil(S/2) - 1 (the direct update's network). */
PETSC_EXTERN PetscErrorCode CfxHFluxNOFluxNetwork(CfxHFluxNO, CfxTape, CfxTensor, CfxTensor, PetscBool, CfxTensor *);
/* U - r (F[j+1] - F[j]) on [B, C, N] with F[j] = F_{j-1/2}, periodic. */
PETSC_EXTERN PetscErrorCode CfxHFluxNOConservativeUpdate(CfxTape, CfxTensor, CfxTensor, PetscReal, CfxTensor *);
/* One step: window [B, T, C, N] -> U^{n+1} [B, C, N] (U^n = the window's last frame). */
PETSC_EXTERN PetscErrorCode CfxHFluxNOStep(CfxHFluxNO, CfxTape, CfxTensor, CfxTensor *);
/* One-step MSE of windows of T + 1 frames [B, T+1, C, N] (mean over all entries). */
PETSC_EXTERN PetscErrorCode CfxHFluxNOLoss(CfxHFluxNO, CfxTape, CfxTensor, CfxTensor *);
/* Autoregressive rollout without a tape: context [B, T, C, N] (B*T*C*N values), nsteps steps,
   each re-encoding the sliding window; out [B, nsteps, C, N]. */
PETSC_EXTERN PetscErrorCode CfxHFluxNORollout(CfxHFluxNO, PetscInt, const PetscReal[], PetscInt, PetscReal[]);

/* Block-diagonal linear map: x [..., Din], W [Dout, Din/nb], b [Dout] or NULL. Input block k
   (columns k Din/nb ..) writes output rows [floor(k Dout/nb), floor((k+1) Dout/nb)). */
PETSC_EXTERN PetscErrorCode CfxOpBlockDiagLinear(CfxTape, CfxTensor, CfxTensor, CfxTensor, PetscInt, CfxTensor *);

/* Checkpoints in the CfxCheckpoint format (kind "hfluxno", every config field a /model
   attribute); opt may be NULL; epoch and loss history are stored for resuming. */
PETSC_EXTERN PetscErrorCode CfxHFluxNOSave(CfxHFluxNO, const char[], CfxOptimizer, PetscInt, PetscInt, const PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxHFluxNOLoad(MPI_Comm, const char[], CfxHFluxNO *);
PETSC_EXTERN PetscErrorCode CfxHFluxNOLoadTrainingState(CfxHFluxNO, const char[], CfxOptimizer, PetscInt *);
