/* LayerNorm, multi-head self-attention and the pre-LN transformer block on [B, T, D]. */
#include "cfxmoduleimpl.h"

/* ---------------- LayerNorm ---------------- */
typedef struct {
  PetscInt dim;
  PetscReal eps;
  CfxTensor w, b;
} Mod_LN;

static PetscErrorCode LNSetSizes_LN(CfxModule m, PetscInt d)
{
  PetscFunctionBegin;
  PetscCheck(d >= 1, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_OUTOFRANGE, "layer norm size must be >= 1, found %" PetscInt_FMT, d);
  ((Mod_LN *)m->data)->dim = d;
  PetscFunctionReturn(0);
}

static PetscErrorCode LNSetEpsilon_LN(CfxModule m, PetscReal eps)
{
  PetscFunctionBegin;
  PetscCheck(eps >= 0, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_OUTOFRANGE, "layer norm eps must be >= 0, found %g", (double)eps);
  ((Mod_LN *)m->data)->eps = eps;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleLayerNormSetSizes(CfxModule m, PetscInt d)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(m, CFXMODULE_CLASSID, 1);
  PetscUseMethod(m, "CfxModuleLayerNormSetSizes_C", (CfxModule, PetscInt), (m, d));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleLayerNormSetEpsilon(CfxModule m, PetscReal eps)
{
  PetscFunctionBegin;
  PetscUseMethod(m, "CfxModuleLayerNormSetEpsilon_C", (CfxModule, PetscReal), (m, eps));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetFromOptions_LN(CfxModule m, PetscOptionItems *PetscOptionsObject)
{
  Mod_LN *L = (Mod_LN *)m->data;

  PetscFunctionBegin;
  PetscOptionsHeadBegin(PetscOptionsObject, "LayerNorm module options");
  PetscCall(PetscOptionsInt("-layernorm_dim", "Normalised size (last axis)", "CfxModuleLayerNormSetSizes", L->dim, &L->dim, NULL));
  PetscCall(PetscOptionsReal("-layernorm_eps", "Variance regulariser", "CfxModuleLayerNormSetEpsilon", L->eps, &L->eps, NULL));
  PetscOptionsHeadEnd();
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp_LN(CfxModule m)
{
  Mod_LN *L = (Mod_LN *)m->data;

  PetscFunctionBegin;
  PetscCheck(L->dim >= 1, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_WRONGSTATE, "set the layer norm size (CfxModuleLayerNormSetSizes or -layernorm_dim)");
  PetscCall(CfxModuleNewParameter_Private(m, "weight", 1, &L->dim, &L->w));
  PetscCall(CfxModuleNewParameter_Private(m, "bias", 1, &L->dim, &L->b));
  PetscCall(CfxTensorSetValues(L->w, 1.0));
  PetscFunctionReturn(0);
}

static PetscErrorCode Forward_LN(CfxModule m, CfxTape tape, CfxTensor x, CfxTensor *y)
{
  Mod_LN *L = (Mod_LN *)m->data;

  PetscFunctionBegin;
  PetscCall(CfxOpLayerNorm(tape, x, L->w, L->b, L->eps, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode View_LN(CfxModule m, PetscViewer v)
{
  Mod_LN *L = (Mod_LN *)m->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "size %" PetscInt_FMT ", eps %g\n", L->dim, (double)L->eps));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_LN(CfxModule m)
{
  PetscFunctionBegin;
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleLayerNormSetSizes_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleLayerNormSetEpsilon_C", NULL));
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleCreate_LayerNorm(CfxModule m)
{
  Mod_LN *L;

  PetscFunctionBegin;
  PetscCall(PetscNew(&L));
  L->eps                 = 1e-5;
  m->data                = L;
  m->ops->setfromoptions = SetFromOptions_LN;
  m->ops->setup          = SetUp_LN;
  m->ops->forward        = Forward_LN;
  m->ops->view           = View_LN;
  m->ops->destroy        = Destroy_LN;
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleLayerNormSetSizes_C", LNSetSizes_LN));
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleLayerNormSetEpsilon_C", LNSetEpsilon_LN));
  PetscFunctionReturn(0);
}

/* ---------------- MultiHeadAttention ---------------- */
typedef struct {
  PetscInt dim, heads;
  PetscBool causal;
  CfxTensor Win, bin;
  CfxModule out; /* borrowed child out_proj */
} Mod_MHA;

static PetscErrorCode MHASetSizes_MHA(CfxModule m, PetscInt d, PetscInt h)
{
  PetscFunctionBegin;
  PetscCheck(d >= 1 && h >= 1 && d % h == 0, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_OUTOFRANGE, "attention needs heads dividing the width, found width %" PetscInt_FMT ", heads %" PetscInt_FMT,
             d, h);
  ((Mod_MHA *)m->data)->dim   = d;
  ((Mod_MHA *)m->data)->heads = h;
  PetscFunctionReturn(0);
}

static PetscErrorCode MHASetCausal_MHA(CfxModule m, PetscBool flg)
{
  PetscFunctionBegin;
  ((Mod_MHA *)m->data)->causal = flg;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleMultiHeadAttentionSetSizes(CfxModule m, PetscInt d, PetscInt h)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(m, CFXMODULE_CLASSID, 1);
  PetscUseMethod(m, "CfxModuleMultiHeadAttentionSetSizes_C", (CfxModule, PetscInt, PetscInt), (m, d, h));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleMultiHeadAttentionSetCausal(CfxModule m, PetscBool flg)
{
  PetscFunctionBegin;
  PetscUseMethod(m, "CfxModuleMultiHeadAttentionSetCausal_C", (CfxModule, PetscBool), (m, flg));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetFromOptions_MHA(CfxModule m, PetscOptionItems *PetscOptionsObject)
{
  Mod_MHA *A = (Mod_MHA *)m->data;

  PetscFunctionBegin;
  PetscOptionsHeadBegin(PetscOptionsObject, "Multi-head attention options");
  PetscCall(PetscOptionsInt("-mha_dim", "Model width", "CfxModuleMultiHeadAttentionSetSizes", A->dim, &A->dim, NULL));
  PetscCall(PetscOptionsInt("-mha_heads", "Number of heads", "CfxModuleMultiHeadAttentionSetSizes", A->heads, &A->heads, NULL));
  PetscCall(PetscOptionsBool("-mha_causal", "Causal mask", "CfxModuleMultiHeadAttentionSetCausal", A->causal, &A->causal, NULL));
  PetscOptionsHeadEnd();
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp_MHA(CfxModule m)
{
  Mod_MHA *A = (Mod_MHA *)m->data;
  PetscInt D = A->dim, sw[2] = {3 * A->dim, A->dim}, sb = 3 * A->dim;
  PetscReal bound;

  PetscFunctionBegin;
  PetscCheck(A->dim >= 1 && A->heads >= 1 && A->dim % A->heads == 0, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_WRONGSTATE,
             "set the attention sizes (width divisible by heads), found width %" PetscInt_FMT ", heads %" PetscInt_FMT, A->dim, A->heads);
  bound = PetscSqrtReal(6.0 / (PetscReal)(D + 3 * D)); /* Xavier-uniform on the packed [3D, D] matrix */
  PetscCall(CfxModuleNewParameter_Private(m, "in_proj_weight", 2, sw, &A->Win));
  PetscCall(CfxModuleInitUniform_Private(m, A->Win, -bound, bound));
  PetscCall(CfxModuleNewParameter_Private(m, "in_proj_bias", 1, &sb, &A->bin));
  PetscCall(CfxModuleNewChild_Private(m, "out_proj", CFXLINEAR, &A->out));
  PetscCall(CfxModuleLinearSetSizes(A->out, D, D));
  PetscCall(CfxModuleSetUp(A->out));
  PetscCall(CfxTensorSetValues(A->out->params[1], 0.0)); /* out_proj.bias = 0 as in PyTorch */
  PetscFunctionReturn(0);
}

static PetscErrorCode Forward_MHA(CfxModule m, CfxTape tape, CfxTensor x, CfxTensor *y)
{
  Mod_MHA *A = (Mod_MHA *)m->data;
  CfxTensor qkv, q, k, v, o;
  PetscInt D = A->dim;

  PetscFunctionBegin;
  PetscCheck(x->ndim == 3 && x->shape[2] == D, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_SIZ, "attention input must be [B, T, %" PetscInt_FMT "]", D);
  PetscCall(CfxOpLinear(tape, x, A->Win, A->bin, CFX_ACT_NONE, &qkv));
  PetscCall(CfxOpSlice(tape, qkv, 2, 0, D, &q));
  PetscCall(CfxOpSlice(tape, qkv, 2, D, 2 * D, &k));
  PetscCall(CfxOpSlice(tape, qkv, 2, 2 * D, 3 * D, &v));
  PetscCall(CfxOpAttention(tape, q, k, v, A->heads, A->causal, &o));
  PetscCall(CfxModuleForward(A->out, tape, o, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode View_MHA(CfxModule m, PetscViewer v)
{
  Mod_MHA *A = (Mod_MHA *)m->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "width %" PetscInt_FMT ", %" PetscInt_FMT " heads%s\n", A->dim, A->heads, A->causal ? ", causal" : ""));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_MHA(CfxModule m)
{
  PetscFunctionBegin;
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleMultiHeadAttentionSetSizes_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleMultiHeadAttentionSetCausal_C", NULL));
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleCreate_MultiHeadAttention(CfxModule m)
{
  Mod_MHA *A;

  PetscFunctionBegin;
  PetscCall(PetscNew(&A));
  A->heads               = 1;
  m->data                = A;
  m->ops->setfromoptions = SetFromOptions_MHA;
  m->ops->setup          = SetUp_MHA;
  m->ops->forward        = Forward_MHA;
  m->ops->view           = View_MHA;
  m->ops->destroy        = Destroy_MHA;
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleMultiHeadAttentionSetSizes_C", MHASetSizes_MHA));
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleMultiHeadAttentionSetCausal_C", MHASetCausal_MHA));
  PetscFunctionReturn(0);
}

/* ---------------- TransformerBlock (pre-LN) ---------------- */
typedef struct {
  PetscInt dim, heads, ffn;
  PetscBool causal;
  CfxActivation act;
  CfxModule norm1, attn, norm2, lin1, lin2; /* borrowed children */
} Mod_TB;

static PetscErrorCode TBSetSizes_TB(CfxModule m, PetscInt d, PetscInt h, PetscInt f)
{
  Mod_TB *T = (Mod_TB *)m->data;

  PetscFunctionBegin;
  PetscCheck(d >= 1 && h >= 1 && d % h == 0 && f >= 1, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_OUTOFRANGE,
             "transformer sizes: width %" PetscInt_FMT " divisible by heads %" PetscInt_FMT ", feed-forward %" PetscInt_FMT " >= 1", d, h, f);
  T->dim   = d;
  T->heads = h;
  T->ffn   = f;
  PetscFunctionReturn(0);
}

static PetscErrorCode TBSetActivation_TB(CfxModule m, CfxActivation act)
{
  PetscFunctionBegin;
  ((Mod_TB *)m->data)->act = act;
  PetscFunctionReturn(0);
}

static PetscErrorCode TBSetCausal_TB(CfxModule m, PetscBool flg)
{
  PetscFunctionBegin;
  ((Mod_TB *)m->data)->causal = flg;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleTransformerBlockSetSizes(CfxModule m, PetscInt d, PetscInt h, PetscInt f)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(m, CFXMODULE_CLASSID, 1);
  PetscUseMethod(m, "CfxModuleTransformerBlockSetSizes_C", (CfxModule, PetscInt, PetscInt, PetscInt), (m, d, h, f));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleTransformerBlockSetActivation(CfxModule m, CfxActivation act)
{
  PetscFunctionBegin;
  PetscUseMethod(m, "CfxModuleTransformerBlockSetActivation_C", (CfxModule, CfxActivation), (m, act));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleTransformerBlockSetCausal(CfxModule m, PetscBool flg)
{
  PetscFunctionBegin;
  PetscUseMethod(m, "CfxModuleTransformerBlockSetCausal_C", (CfxModule, PetscBool), (m, flg));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetFromOptions_TB(CfxModule m, PetscOptionItems *PetscOptionsObject)
{
  Mod_TB *T = (Mod_TB *)m->data;

  PetscFunctionBegin;
  PetscOptionsHeadBegin(PetscOptionsObject, "Transformer block options");
  PetscCall(PetscOptionsInt("-transformer_dim", "Model width", "CfxModuleTransformerBlockSetSizes", T->dim, &T->dim, NULL));
  PetscCall(PetscOptionsInt("-transformer_heads", "Attention heads", "CfxModuleTransformerBlockSetSizes", T->heads, &T->heads, NULL));
  PetscCall(PetscOptionsInt("-transformer_ffn", "Feed-forward width", "CfxModuleTransformerBlockSetSizes", T->ffn, &T->ffn, NULL));
  PetscCall(PetscOptionsEnum("-transformer_activation", "Feed-forward activation", "CfxModuleTransformerBlockSetActivation", CfxActivations, (PetscEnum)T->act, (PetscEnum *)&T->act, NULL));
  PetscCall(PetscOptionsBool("-transformer_causal", "Causal attention mask", "CfxModuleTransformerBlockSetCausal", T->causal, &T->causal, NULL));
  PetscOptionsHeadEnd();
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp_TB(CfxModule m)
{
  Mod_TB *T = (Mod_TB *)m->data;

  PetscFunctionBegin;
  PetscCheck(T->dim >= 1 && T->heads >= 1 && T->dim % T->heads == 0 && T->ffn >= 1, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_WRONGSTATE,
             "set the transformer sizes (CfxModuleTransformerBlockSetSizes or -transformer_dim/-transformer_heads/-transformer_ffn)");
  PetscCall(CfxModuleNewChild_Private(m, "norm1", CFXLAYERNORM, &T->norm1));
  PetscCall(CfxModuleLayerNormSetSizes(T->norm1, T->dim));
  PetscCall(CfxModuleSetUp(T->norm1));
  PetscCall(CfxModuleNewChild_Private(m, "self_attn", CFXMULTIHEADATTN, &T->attn));
  PetscCall(CfxModuleMultiHeadAttentionSetSizes(T->attn, T->dim, T->heads));
  PetscCall(CfxModuleMultiHeadAttentionSetCausal(T->attn, T->causal));
  PetscCall(CfxModuleSetUp(T->attn));
  PetscCall(CfxModuleNewChild_Private(m, "norm2", CFXLAYERNORM, &T->norm2));
  PetscCall(CfxModuleLayerNormSetSizes(T->norm2, T->dim));
  PetscCall(CfxModuleSetUp(T->norm2));
  PetscCall(CfxModuleNewChild_Private(m, "linear1", CFXLINEAR, &T->lin1));
  PetscCall(CfxModuleLinearSetSizes(T->lin1, T->dim, T->ffn));
  PetscCall(CfxModuleLinearSetActivation(T->lin1, T->act));
  PetscCall(CfxModuleSetUp(T->lin1));
  PetscCall(CfxModuleNewChild_Private(m, "linear2", CFXLINEAR, &T->lin2));
  PetscCall(CfxModuleLinearSetSizes(T->lin2, T->ffn, T->dim));
  PetscCall(CfxModuleSetUp(T->lin2));
  PetscFunctionReturn(0);
}

static PetscErrorCode Forward_TB(CfxModule m, CfxTape tape, CfxTensor x, CfxTensor *y)
{
  Mod_TB *T = (Mod_TB *)m->data;
  CfxTensor a, x1, f;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CFXMODULE_Forward, m, 0, 0, 0));
  PetscCall(CfxModuleForward(T->norm1, tape, x, &a));
  PetscCall(CfxModuleForward(T->attn, tape, a, &a));
  PetscCall(CfxOpAdd(tape, x, a, &x1));
  PetscCall(CfxModuleForward(T->norm2, tape, x1, &f));
  PetscCall(CfxModuleForward(T->lin1, tape, f, &f));
  PetscCall(CfxModuleForward(T->lin2, tape, f, &f));
  PetscCall(CfxOpAdd(tape, x1, f, y));
  PetscCall(PetscLogEventEnd(CFXMODULE_Forward, m, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode View_TB(CfxModule m, PetscViewer v)
{
  Mod_TB *T = (Mod_TB *)m->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "pre-LN, width %" PetscInt_FMT ", %" PetscInt_FMT " heads, feed-forward %" PetscInt_FMT " (%s)%s\n", T->dim, T->heads, T->ffn, CfxActivations[T->act],
                                   T->causal ? ", causal" : ""));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_TB(CfxModule m)
{
  PetscFunctionBegin;
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleTransformerBlockSetSizes_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleTransformerBlockSetActivation_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleTransformerBlockSetCausal_C", NULL));
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleCreate_TransformerBlock(CfxModule m)
{
  Mod_TB *T;

  PetscFunctionBegin;
  PetscCall(PetscNew(&T));
  T->heads               = 1;
  T->act                 = CFX_ACT_GELU;
  m->data                = T;
  m->ops->setfromoptions = SetFromOptions_TB;
  m->ops->setup          = SetUp_TB;
  m->ops->forward        = Forward_TB;
  m->ops->view           = View_TB;
  m->ops->destroy        = Destroy_TB;
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleTransformerBlockSetSizes_C", TBSetSizes_TB));
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleTransformerBlockSetActivation_C", TBSetActivation_TB));
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleTransformerBlockSetCausal_C", TBSetCausal_TB));
  PetscFunctionReturn(0);
}
