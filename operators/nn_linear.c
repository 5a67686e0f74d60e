/* Linear layer and multilayer perceptron modules. */
#include "cfxmoduleimpl.h"

/* ---------------- Linear ---------------- */
typedef struct {
  PetscInt in, out;
  PetscBool bias;
  CfxActivation act;
  CfxTensor W, b;
} Mod_Linear;

static PetscErrorCode LinearSetSizes_Linear(CfxModule m, PetscInt in, PetscInt out)
{
  Mod_Linear *L = (Mod_Linear *)m->data;

  PetscFunctionBegin;
  PetscCheck(in >= 1 && out >= 1, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_OUTOFRANGE, "linear sizes must be >= 1, found in %" PetscInt_FMT ", out %" PetscInt_FMT, in, out);
  L->in  = in;
  L->out = out;
  PetscFunctionReturn(0);
}

static PetscErrorCode LinearSetBias_Linear(CfxModule m, PetscBool flg)
{
  PetscFunctionBegin;
  ((Mod_Linear *)m->data)->bias = flg;
  PetscFunctionReturn(0);
}

static PetscErrorCode LinearSetActivation_Linear(CfxModule m, CfxActivation act)
{
  PetscFunctionBegin;
  ((Mod_Linear *)m->data)->act = act;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleLinearSetSizes(CfxModule m, PetscInt in, PetscInt out)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(m, CFXMODULE_CLASSID, 1);
  PetscUseMethod(m, "CfxModuleLinearSetSizes_C", (CfxModule, PetscInt, PetscInt), (m, in, out));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleLinearSetBias(CfxModule m, PetscBool flg)
{
  PetscFunctionBegin;
  PetscUseMethod(m, "CfxModuleLinearSetBias_C", (CfxModule, PetscBool), (m, flg));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleLinearSetActivation(CfxModule m, CfxActivation act)
{
  PetscFunctionBegin;
  PetscUseMethod(m, "CfxModuleLinearSetActivation_C", (CfxModule, CfxActivation), (m, act));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetFromOptions_Linear(CfxModule m, PetscOptionItems *PetscOptionsObject)
{
  Mod_Linear *L = (Mod_Linear *)m->data;

  PetscFunctionBegin;
  PetscOptionsHeadBegin(PetscOptionsObject, "Linear module options");
  PetscCall(PetscOptionsInt("-linear_in", "Input features", "CfxModuleLinearSetSizes", L->in, &L->in, NULL));
  PetscCall(PetscOptionsInt("-linear_out", "Output features", "CfxModuleLinearSetSizes", L->out, &L->out, NULL));
  PetscCall(PetscOptionsBool("-linear_bias", "Use a bias", "CfxModuleLinearSetBias", L->bias, &L->bias, NULL));
  PetscCall(PetscOptionsEnum("-linear_activation", "Fused activation", "CfxModuleLinearSetActivation", CfxActivations, (PetscEnum)L->act, (PetscEnum *)&L->act, NULL));
  PetscOptionsHeadEnd();
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp_Linear(CfxModule m)
{
  Mod_Linear *L  = (Mod_Linear *)m->data;
  PetscInt sw[2] = {L->out, L->in};
  PetscReal bound;

  PetscFunctionBegin;
  PetscCheck(L->in >= 1 && L->out >= 1, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_WRONGSTATE, "set the linear sizes (CfxModuleLinearSetSizes or -linear_in/-linear_out)");
  bound = 1.0 / PetscSqrtReal((PetscReal)L->in);
  PetscCall(CfxModuleNewParameter_Private(m, "weight", 2, sw, &L->W));
  PetscCall(CfxModuleInitUniform_Private(m, L->W, -bound, bound));
  L->b = NULL;
  if (L->bias) {
    PetscCall(CfxModuleNewParameter_Private(m, "bias", 1, &L->out, &L->b));
    PetscCall(CfxModuleInitUniform_Private(m, L->b, -bound, bound));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Forward_Linear(CfxModule m, CfxTape tape, CfxTensor x, CfxTensor *y)
{
  Mod_Linear *L = (Mod_Linear *)m->data;

  PetscFunctionBegin;
  PetscCall(CfxOpLinear(tape, x, L->W, L->b, L->act, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode View_Linear(CfxModule m, PetscViewer v)
{
  Mod_Linear *L = (Mod_Linear *)m->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "%" PetscInt_FMT " -> %" PetscInt_FMT ", bias %s, activation %s\n", L->in, L->out, PetscBools[L->bias], CfxActivations[L->act]));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_Linear(CfxModule m)
{
  PetscFunctionBegin;
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleLinearSetSizes_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleLinearSetBias_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleLinearSetActivation_C", NULL));
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleCreate_Linear(CfxModule m)
{
  Mod_Linear *L;

  PetscFunctionBegin;
  PetscCall(PetscNew(&L));
  L->bias                = PETSC_TRUE;
  L->act                 = CFX_ACT_NONE;
  m->data                = L;
  m->ops->setfromoptions = SetFromOptions_Linear;
  m->ops->setup          = SetUp_Linear;
  m->ops->forward        = Forward_Linear;
  m->ops->view           = View_Linear;
  m->ops->destroy        = Destroy_Linear;
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleLinearSetSizes_C", LinearSetSizes_Linear));
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleLinearSetBias_C", LinearSetBias_Linear));
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleLinearSetActivation_C", LinearSetActivation_Linear));
  PetscFunctionReturn(0);
}

/* ---------------- MLP ---------------- */
typedef struct {
  PetscInt in, width, depth, out;
  CfxActivation act;
  CfxModule *layers; /* borrowed from the children list */
} Mod_MLP;

static PetscErrorCode MLPSetSizes_MLP(CfxModule m, PetscInt in, PetscInt width, PetscInt depth, PetscInt out)
{
  Mod_MLP *P = (Mod_MLP *)m->data;

  PetscFunctionBegin;
  PetscCheck(in >= 1 && width >= 1 && depth >= 0 && out >= 1, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_OUTOFRANGE,
             "MLP sizes: in, width, out >= 1 and depth >= 0, found %" PetscInt_FMT ", %" PetscInt_FMT ", %" PetscInt_FMT ", %" PetscInt_FMT, in, width, depth, out);
  P->in    = in;
  P->width = width;
  P->depth = depth;
  P->out   = out;
  PetscFunctionReturn(0);
}

static PetscErrorCode MLPSetActivation_MLP(CfxModule m, CfxActivation act)
{
  PetscFunctionBegin;
  ((Mod_MLP *)m->data)->act = act;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleMLPSetSizes(CfxModule m, PetscInt in, PetscInt width, PetscInt depth, PetscInt out)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(m, CFXMODULE_CLASSID, 1);
  PetscUseMethod(m, "CfxModuleMLPSetSizes_C", (CfxModule, PetscInt, PetscInt, PetscInt, PetscInt), (m, in, width, depth, out));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleMLPSetActivation(CfxModule m, CfxActivation act)
{
  PetscFunctionBegin;
  PetscUseMethod(m, "CfxModuleMLPSetActivation_C", (CfxModule, CfxActivation), (m, act));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetFromOptions_MLP(CfxModule m, PetscOptionItems *PetscOptionsObject)
{
  Mod_MLP *P = (Mod_MLP *)m->data;

  PetscFunctionBegin;
  PetscOptionsHeadBegin(PetscOptionsObject, "MLP module options");
  PetscCall(PetscOptionsInt("-mlp_in", "Input features", "CfxModuleMLPSetSizes", P->in, &P->in, NULL));
  PetscCall(PetscOptionsInt("-mlp_width", "Hidden width", "CfxModuleMLPSetSizes", P->width, &P->width, NULL));
  PetscCall(PetscOptionsInt("-mlp_depth", "Number of hidden layers", "CfxModuleMLPSetSizes", P->depth, &P->depth, NULL));
  PetscCall(PetscOptionsInt("-mlp_out", "Output features", "CfxModuleMLPSetSizes", P->out, &P->out, NULL));
  PetscCall(PetscOptionsEnum("-mlp_activation", "Hidden activation", "CfxModuleMLPSetActivation", CfxActivations, (PetscEnum)P->act, (PetscEnum *)&P->act, NULL));
  PetscOptionsHeadEnd();
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp_MLP(CfxModule m)
{
  Mod_MLP *P = (Mod_MLP *)m->data;

  PetscFunctionBegin;
  PetscCheck(P->in >= 1 && P->out >= 1 && P->width >= 1 && P->depth >= 0, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_WRONGSTATE,
             "set the MLP sizes (CfxModuleMLPSetSizes or -mlp_in/-mlp_width/-mlp_depth/-mlp_out)");
  PetscCall(PetscFree(P->layers));
  PetscCall(PetscMalloc1(P->depth + 1, &P->layers));
  for (PetscInt l = 0; l <= P->depth; l++) {
    char nm[32];
    PetscInt in = l == 0 ? P->in : P->width, out = l == P->depth ? P->out : P->width;
    PetscCall(PetscSNPrintf(nm, sizeof(nm), "linear%" PetscInt_FMT, l));
    PetscCall(CfxModuleNewChild_Private(m, nm, CFXLINEAR, &P->layers[l]));
    PetscCall(CfxModuleLinearSetSizes(P->layers[l], in, out));
    PetscCall(CfxModuleLinearSetActivation(P->layers[l], l == P->depth ? CFX_ACT_NONE : P->act));
    PetscCall(CfxModuleSetUp(P->layers[l]));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Forward_MLP(CfxModule m, CfxTape tape, CfxTensor x, CfxTensor *y)
{
  Mod_MLP *P = (Mod_MLP *)m->data;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CFXMODULE_Forward, m, 0, 0, 0));
  if (P->depth + 1 <= CFX_MLP_MAX_LAYERS) {
    /* all layers in one fused op (row blocks kept in cache; same values as layer by layer) */
    CfxTensor W[CFX_MLP_MAX_LAYERS], b[CFX_MLP_MAX_LAYERS];
    CfxActivation act[CFX_MLP_MAX_LAYERS];
    for (PetscInt l = 0; l <= P->depth; l++) {
      Mod_Linear *L = (Mod_Linear *)P->layers[l]->data;
      W[l]          = L->W;
      b[l]          = L->b;
      act[l]        = L->act;
    }
    PetscCall(CfxOpMLP(tape, x, P->depth + 1, W, b, act, y));
  } else
    for (PetscInt l = 0; l <= P->depth; l++) {
      PetscCall(CfxModuleForward(P->layers[l], tape, x, y));
      x = *y;
    }
  PetscCall(PetscLogEventEnd(CFXMODULE_Forward, m, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode View_MLP(CfxModule m, PetscViewer v)
{
  Mod_MLP *P = (Mod_MLP *)m->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "%" PetscInt_FMT " -> %" PetscInt_FMT " x %" PetscInt_FMT " hidden (%s) -> %" PetscInt_FMT "\n", P->in, P->width, P->depth, CfxActivations[P->act], P->out));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_MLP(CfxModule m)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(((Mod_MLP *)m->data)->layers));
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleMLPSetSizes_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleMLPSetActivation_C", NULL));
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleCreate_MLP(CfxModule m)
{
  Mod_MLP *P;

  PetscFunctionBegin;
  PetscCall(PetscNew(&P));
  P->in                  = -1;
  P->out                 = -1;
  P->width               = 64;
  P->depth               = 2;
  P->act                 = CFX_ACT_TANH;
  m->data                = P;
  m->ops->setfromoptions = SetFromOptions_MLP;
  m->ops->setup          = SetUp_MLP;
  m->ops->forward        = Forward_MLP;
  m->ops->view           = View_MLP;
  m->ops->destroy        = Destroy_MLP;
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleMLPSetSizes_C", MLPSetSizes_MLP));
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleMLPSetActivation_C", MLPSetActivation_MLP));
  PetscFunctionReturn(0);
}
