/* Neural-network modules on the conflux tape (cfxtensor.h).

   A CfxModule is a PETSc object with a type, a name, persistent parameters and child
   modules; its forward pass is a sequence of tape ops, so gradients come from
   CfxTapeBackward. Lifecycle, as for any PETSc object:

     CfxModuleCreate(comm, &m);
     CfxModuleSetType(m, CFXMLP);
     CfxModuleMLPSetSizes(m, 2, 64, 3, 1);      type-specific setters
     CfxModuleSetName(m, "net");                 prefix of parameter names (default: the type)
     CfxModuleSetOptionsPrefix(m, "flux_");      options -flux_mlp_width ...
     CfxModuleSetSeed(m, 42);                    or -<prefix>module_seed
     CfxModuleSetFromOptions(m);
     CfxModuleSetUp(m);                          allocates and initialises the parameters
     CfxModuleForward(m, tape, x, &y);           one step; x, y are tensors on the tape
     CfxModuleAddParameters(m, paramset);        names like "net.linear0.weight"
     CfxModuleDestroy(&m);

   Parameter names are '.'-joined paths: module name, child names, parameter name; they are
   the HDF5 dataset names of checkpoints. Each parameter is initialised from its own CfxRNG
   stream (seed = the module seed, stream = 64-bit FNV-1a hash of the full name), so a
   parameter's initial value depends only on (seed, name, shape), not on creation order.

   Initialisation follows PyTorch's defaults:
   - Linear (weight [out, in]) and Conv1d (weight [out, in/groups, k]): weight and bias
     uniform on (-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in (in/groups * k), which is
     kaiming_uniform_(a = sqrt(5)) and PyTorch's bias rule;
   - SpectralConv1d: weight_re and weight_im uniform on (0, 1/(in*out)) (the reference FNO
     code: scale * torch.rand);
   - LayerNorm: weight 1, bias 0;
   - MultiHeadAttention: in_proj_weight [3D, D] Xavier-uniform, bound sqrt(6/(D + 3D));
     in_proj_bias 0; out_proj.weight as Linear; out_proj.bias 0 (torch.nn.MultiheadAttention).

   Data layouts (row-major, batch first):
   - Linear, MLP, LayerNorm: [..., features];
   - Conv1d, SpectralConv1d, FNO1d: channels first [B, C, N];
   - MultiHeadAttention, TransformerBlock: [B, T, D]. */
#pragma once

#include <conflux/cfxtensor.h>

typedef struct _p_CfxModule *CfxModule;
typedef const char *CfxModuleType;
#define CFXLINEAR           "linear"
#define CFXMLP              "mlp"
#define CFXCONV1D           "conv1d"
#define CFXSPECTRALCONV1D   "spectralconv1d"
#define CFXFNO1D            "fno1d"
#define CFXLAYERNORM        "layernorm"
#define CFXMULTIHEADATTN    "mha"
#define CFXTRANSFORMERBLOCK "transformerblock"

PETSC_EXTERN PetscClassId CFXMODULE_CLASSID;

PETSC_EXTERN PetscErrorCode CfxModuleInitializePackage(void);
PETSC_EXTERN PetscErrorCode CfxModuleRegister(const char[], PetscErrorCode (*)(CfxModule));
PETSC_EXTERN PetscErrorCode CfxModuleCreate(MPI_Comm, CfxModule *);
PETSC_EXTERN PetscErrorCode CfxModuleSetType(CfxModule, CfxModuleType);
PETSC_EXTERN PetscErrorCode CfxModuleGetType(CfxModule, CfxModuleType *);
PETSC_EXTERN PetscErrorCode CfxModuleSetName(CfxModule, const char[]);
PETSC_EXTERN PetscErrorCode CfxModuleGetName(CfxModule, const char **);
PETSC_EXTERN PetscErrorCode CfxModuleSetOptionsPrefix(CfxModule, const char[]);
PETSC_EXTERN PetscErrorCode CfxModuleSetSeed(CfxModule, uint64_t);
PETSC_EXTERN PetscErrorCode CfxModuleSetFromOptions(CfxModule);
PETSC_EXTERN PetscErrorCode CfxModuleSetUp(CfxModule);
PETSC_EXTERN PetscErrorCode CfxModuleForward(CfxModule, CfxTape, CfxTensor, CfxTensor *);
/* Every parameter of the module tree, depth first in declaration order, with full names. */
PETSC_EXTERN PetscErrorCode CfxModuleGetNumParameters(CfxModule, PetscInt *);
PETSC_EXTERN PetscErrorCode CfxModuleGetParameter(CfxModule, PetscInt, char[], size_t, CfxTensor *);
PETSC_EXTERN PetscErrorCode CfxModuleGetNumParameterValues(CfxModule, PetscInt *); /* total entries */
PETSC_EXTERN PetscErrorCode CfxModuleAddParameters(CfxModule, CfxParamSet);
PETSC_EXTERN PetscErrorCode CfxModuleView(CfxModule, PetscViewer);
PETSC_EXTERN PetscErrorCode CfxModuleDestroy(CfxModule *);

/* Linear: y = act(x W^T + b). Options: -linear_in, -linear_out, -linear_bias, -linear_activation. */
PETSC_EXTERN PetscErrorCode CfxModuleLinearSetSizes(CfxModule, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode CfxModuleLinearSetBias(CfxModule, PetscBool);
PETSC_EXTERN PetscErrorCode CfxModuleLinearSetActivation(CfxModule, CfxActivation);

/* MLP: in -> width (depth hidden layers, activation after each) -> out (no activation).
   Sizes (in, width, depth, out); MLP 2->64->64->64->1 is (2, 64, 3, 1). Children linear0 ..
   linear<depth>. Options: -mlp_in, -mlp_width, -mlp_depth, -mlp_out, -mlp_activation. */
PETSC_EXTERN PetscErrorCode CfxModuleMLPSetSizes(CfxModule, PetscInt, PetscInt, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode CfxModuleMLPSetActivation(CfxModule, CfxActivation);

/* Conv1d: sizes (in, out, kernel); geometry as CfxOpConv1d. Options: -conv1d_in, -conv1d_out,
   -conv1d_kernel, -conv1d_stride, -conv1d_padl, -conv1d_padr, -conv1d_groups, -conv1d_pad
   (zero|periodic|valid), -conv1d_bias. */
PETSC_EXTERN PetscErrorCode CfxModuleConv1dSetSizes(CfxModule, PetscInt, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode CfxModuleConv1dSetGeometry(CfxModule, const CfxConv1dParams *);
PETSC_EXTERN PetscErrorCode CfxModuleConv1dSetBias(CfxModule, PetscBool);

/* SpectralConv1d: sizes (in, out, modes); parameters weight_re, weight_im [in, out, modes].
   Options: -spectral_in, -spectral_out, -spectral_modes. */
PETSC_EXTERN PetscErrorCode CfxModuleSpectralConv1dSetSizes(CfxModule, PetscInt, PetscInt, PetscInt);

/* FNO1d on [B, in, N] -> [B, out, N]: optional grid channel (cell centres (j + 1/2)/N
   appended as the last input channel), lift (channel linear in(+1) -> width), L Fourier layers
   h <- act(spectral_l(h) + pointwise_l(h)) (no activation after the last), projection
   width -> proj_width (act) -> out. Children lift, fourier<l>, pointwise<l>, proj0, proj1.
   Sizes (in, out, width, layers, modes). Options: -fno_in, -fno_out, -fno_width, -fno_layers,
   -fno_modes, -fno_proj_width (default 128), -fno_grid, -fno_activation (default gelu). */
PETSC_EXTERN PetscErrorCode CfxModuleFNO1dSetSizes(CfxModule, PetscInt, PetscInt, PetscInt, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode CfxModuleFNO1dSetProjectionWidth(CfxModule, PetscInt);
PETSC_EXTERN PetscErrorCode CfxModuleFNO1dSetGrid(CfxModule, PetscBool);
PETSC_EXTERN PetscErrorCode CfxModuleFNO1dSetActivation(CfxModule, CfxActivation);

/* LayerNorm over the last axis of size D; eps 1e-5. Options: -layernorm_dim, -layernorm_eps. */
PETSC_EXTERN PetscErrorCode CfxModuleLayerNormSetSizes(CfxModule, PetscInt);
PETSC_EXTERN PetscErrorCode CfxModuleLayerNormSetEpsilon(CfxModule, PetscReal);

/* Multi-head self-attention on [B, T, D]: packed in-projection, H heads, out-projection.
   Parameters in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias (PyTorch names).
   Options: -mha_dim, -mha_heads, -mha_causal. */
PETSC_EXTERN PetscErrorCode CfxModuleMultiHeadAttentionSetSizes(CfxModule, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode CfxModuleMultiHeadAttentionSetCausal(CfxModule, PetscBool);

/* Pre-LN transformer block on [B, T, D]:
     x <- x + MHA(LN1(x));  x <- x + linear2(act(linear1(LN2(x)))).
   Children norm1, self_attn, norm2, linear1, linear2 (torch.nn.TransformerEncoderLayer with
   norm_first=True). Sizes (D, heads, feed-forward width). Options: -transformer_dim,
   -transformer_heads, -transformer_ffn, -transformer_activation (default gelu),
   -transformer_causal. */
PETSC_EXTERN PetscErrorCode CfxModuleTransformerBlockSetSizes(CfxModule, PetscInt, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode CfxModuleTransformerBlockSetActivation(CfxModule, CfxActivation);
PETSC_EXTERN PetscErrorCode CfxModuleTransformerBlockSetCausal(CfxModule, PetscBool);
