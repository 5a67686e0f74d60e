/* FNO1d: the Fourier neural operator on a periodic 1-D grid (channels-first [B, C, N]). */
#include "cfxmoduleimpl.h"

typedef struct {
  PetscInt in, out, width, layers, modes, pwidth;
  PetscBool grid;
  CfxActivation act;
  CfxModule lift, proj0, proj1, *fourier, *pointwise; /* borrowed from the children */
} Mod_FNO;

static PetscErrorCode FNOSetSizes_FNO(CfxModule m, PetscInt in, PetscInt out, PetscInt width, PetscInt layers, PetscInt modes)
{
  Mod_FNO *F = (Mod_FNO *)m->data;

  PetscFunctionBegin;
  PetscCheck(in >= 1 && out >= 1 && width >= 1 && layers >= 1 && modes >= 1, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_OUTOFRANGE,
             "FNO1d sizes must be >= 1, found in %" PetscInt_FMT ", out %" PetscInt_FMT ", width %" PetscInt_FMT ", layers %" PetscInt_FMT ", modes %" PetscInt_FMT, in, out, width, layers, modes);
  F->in     = in;
  F->out    = out;
  F->width  = width;
  F->layers = layers;
  F->modes  = modes;
  PetscFunctionReturn(0);
}

static PetscErrorCode FNOSetProjectionWidth_FNO(CfxModule m, PetscInt p)
{
  PetscFunctionBegin;
  PetscCheck(p >= 1, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_OUTOFRANGE, "FNO1d projection width must be >= 1, found %" PetscInt_FMT, p);
  ((Mod_FNO *)m->data)->pwidth = p;
  PetscFunctionReturn(0);
}

static PetscErrorCode FNOSetGrid_FNO(CfxModule m, PetscBool flg)
{
  PetscFunctionBegin;
  ((Mod_FNO *)m->data)->grid = flg;
  PetscFunctionReturn(0);
}

static PetscErrorCode FNOSetActivation_FNO(CfxModule m, CfxActivation act)
{
  PetscFunctionBegin;
  ((Mod_FNO *)m->data)->act = act;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleFNO1dSetSizes(CfxModule m, PetscInt in, PetscInt out, PetscInt width, PetscInt layers, PetscInt modes)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(m, CFXMODULE_CLASSID, 1);
  PetscUseMethod(m, "CfxModuleFNO1dSetSizes_C", (CfxModule, PetscInt, PetscInt, PetscInt, PetscInt, PetscInt), (m, in, out, width, layers, modes));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleFNO1dSetProjectionWidth(CfxModule m, PetscInt p)
{
  PetscFunctionBegin;
  PetscUseMethod(m, "CfxModuleFNO1dSetProjectionWidth_C", (CfxModule, PetscInt), (m, p));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleFNO1dSetGrid(CfxModule m, PetscBool flg)
{
  PetscFunctionBegin;
  PetscUseMethod(m, "CfxModuleFNO1dSetGrid_C", (CfxModule, PetscBool), (m, flg));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleFNO1dSetActivation(CfxModule m, CfxActivation act)
{
  PetscFunctionBegin;
  PetscUseMethod(m, "CfxModuleFNO1dSetActivation_C", (CfxModule, CfxActivation), (m, act));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetFromOptions_FNO(CfxModule m, PetscOptionItems *PetscOptionsObject)
{
  Mod_FNO *F = (Mod_FNO *)m->data;

  PetscFunctionBegin;
  PetscOptionsHeadBegin(PetscOptionsObject, "FNO1d module options");
  PetscCall(PetscOptionsInt("-fno_in", "Input channels", "CfxModuleFNO1dSetSizes", F->in, &F->in, NULL));
  PetscCall(PetscOptionsInt("-fno_out", "Output channels", "CfxModuleFNO1dSetSizes", F->out, &F->out, NULL));
  PetscCall(PetscOptionsInt("-fno_width", "Channels of the Fourier layers", "CfxModuleFNO1dSetSizes", F->width, &F->width, NULL));
  PetscCall(PetscOptionsInt("-fno_layers", "Number of Fourier layers", "CfxModuleFNO1dSetSizes", F->layers, &F->layers, NULL));
  PetscCall(PetscOptionsInt("-fno_modes", "Retained Fourier modes", "CfxModuleFNO1dSetSizes", F->modes, &F->modes, NULL));
  PetscCall(PetscOptionsInt("-fno_proj_width", "Hidden width of the projection", "CfxModuleFNO1dSetProjectionWidth", F->pwidth, &F->pwidth, NULL));
  PetscCall(PetscOptionsBool("-fno_grid", "Append the cell-centre coordinate as an input channel", "CfxModuleFNO1dSetGrid", F->grid, &F->grid, NULL));
  PetscCall(PetscOptionsEnum("-fno_activation", "Activation", "CfxModuleFNO1dSetActivation", CfxActivations, (PetscEnum)F->act, (PetscEnum *)&F->act, NULL));
  PetscOptionsHeadEnd();
  PetscFunctionReturn(0);
}

static PetscErrorCode NewPointwise(CfxModule m, const char *name, PetscInt in, PetscInt out, CfxModule *c)
{
  PetscFunctionBegin;
  PetscCall(CfxModuleNewChild_Private(m, name, CFXCONV1D, c));
  PetscCall(CfxModuleConv1dSetSizes(*c, in, out, 1));
  PetscCall(CfxModuleSetUp(*c));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp_FNO(CfxModule m)
{
  Mod_FNO *F = (Mod_FNO *)m->data;
  char nm[32];

  PetscFunctionBegin;
  PetscCheck(F->in >= 1 && F->out >= 1 && F->width >= 1 && F->layers >= 1 && F->modes >= 1, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_WRONGSTATE,
             "set the FNO1d sizes (CfxModuleFNO1dSetSizes or -fno_in/-fno_out/-fno_width/-fno_layers/-fno_modes)");
  PetscCall(PetscFree(F->fourier));
  PetscCall(PetscFree(F->pointwise));
  PetscCall(PetscMalloc1(F->layers, &F->fourier));
  PetscCall(PetscMalloc1(F->layers, &F->pointwise));
  PetscCall(NewPointwise(m, "lift", F->in + (F->grid ? 1 : 0), F->width, &F->lift));
  for (PetscInt l = 0; l < F->layers; l++) {
    PetscCall(PetscSNPrintf(nm, sizeof(nm), "fourier%" PetscInt_FMT, l));
    PetscCall(CfxModuleNewChild_Private(m, nm, CFXSPECTRALCONV1D, &F->fourier[l]));
    PetscCall(CfxModuleSpectralConv1dSetSizes(F->fourier[l], F->width, F->width, F->modes));
    PetscCall(CfxModuleSetUp(F->fourier[l]));
    PetscCall(PetscSNPrintf(nm, sizeof(nm), "pointwise%" PetscInt_FMT, l));
    PetscCall(NewPointwise(m, nm, F->width, F->width, &F->pointwise[l]));
  }
  PetscCall(NewPointwise(m, "proj0", F->width, F->pwidth, &F->proj0));
  PetscCall(NewPointwise(m, "proj1", F->pwidth, F->out, &F->proj1));
  PetscFunctionReturn(0);
}

static PetscErrorCode Forward_FNO(CfxModule m, CfxTape tape, CfxTensor x, CfxTensor *y)
{
  Mod_FNO *F = (Mod_FNO *)m->data;
  CfxTensor h, s, p;

  PetscFunctionBegin;
  PetscCheck(x->ndim == 3 && x->shape[1] == F->in, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_SIZ,
             "FNO1d input must be [B, %" PetscInt_FMT ", N], found rank %" PetscInt_FMT " with %" PetscInt_FMT " channels", F->in, x->ndim, x->ndim > 1 ? x->shape[1] : 0);
  PetscCall(PetscLogEventBegin(CFXMODULE_Forward, m, 0, 0, 0));
  if (F->grid) {
    CfxTensor g, in[2];
    PetscInt B = x->shape[0], N = x->shape[2], sg[3] = {B, 1, N};
    PetscCall(CfxTapeNewTensorUninit(tape, 3, sg, &g));
    for (PetscInt b = 0; b < B; b++)
      for (PetscInt j = 0; j < N; j++) g->data[b * N + j] = (j + 0.5) / (PetscReal)N;
    in[0] = x;
    in[1] = g;
    PetscCall(CfxOpConcat(tape, 2, in, 1, &x));
  }
  PetscCall(CfxModuleForward(F->lift, tape, x, &h));
  for (PetscInt l = 0; l < F->layers; l++) {
    PetscCall(CfxModuleForward(F->fourier[l], tape, h, &s));
    PetscCall(CfxModuleForward(F->pointwise[l], tape, h, &p));
    PetscCall(CfxOpAdd(tape, s, p, &h));
    if (l < F->layers - 1) PetscCall(CfxOpActivation(tape, h, F->act, &h));
  }
  /* projection: activation fused into the first channel linear */
  PetscCall(CfxOpChannelLinear(tape, h, F->proj0->params[0], F->proj0->params[1], F->act, &h));
  PetscCall(CfxModuleForward(F->proj1, tape, h, y));
  PetscCall(PetscLogEventEnd(CFXMODULE_Forward, m, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode View_FNO(CfxModule m, PetscViewer v)
{
  Mod_FNO *F = (Mod_FNO *)m->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(
      v, "in %" PetscInt_FMT "%s, width %" PetscInt_FMT ", %" PetscInt_FMT " Fourier layers of %" PetscInt_FMT " modes, projection %" PetscInt_FMT " -> %" PetscInt_FMT ", activation %s\n", F->in,
      F->grid ? " + grid" : "", F->width, F->layers, F->modes, F->pwidth, F->out, CfxActivations[F->act]));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_FNO(CfxModule m)
{
  Mod_FNO *F = (Mod_FNO *)m->data;

  PetscFunctionBegin;
  PetscCall(PetscFree(F->fourier));
  PetscCall(PetscFree(F->pointwise));
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleFNO1dSetSizes_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleFNO1dSetProjectionWidth_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleFNO1dSetGrid_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleFNO1dSetActivation_C", NULL));
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleCreate_FNO1d(CfxModule m)
{
  Mod_FNO *F;

  PetscFunctionBegin;
  PetscCall(PetscNew(&F));
  F->in                  = 1;
  F->out                 = 1;
  F->width               = 32;
  F->layers              = 4;
  F->modes               = 16;
  F->pwidth              = 128;
  F->act                 = CFX_ACT_GELU;
  m->data                = F;
  m->ops->setfromoptions = SetFromOptions_FNO;
  m->ops->setup          = SetUp_FNO;
  m->ops->forward        = Forward_FNO;
  m->ops->view           = View_FNO;
  m->ops->destroy        = Destroy_FNO;
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleFNO1dSetSizes_C", FNOSetSizes_FNO));
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleFNO1dSetProjectionWidth_C", FNOSetProjectionWidth_FNO));
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleFNO1dSetGrid_C", FNOSetGrid_FNO));
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleFNO1dSetActivation_C", FNOSetActivation_FNO));
  PetscFunctionReturn(0);
}
