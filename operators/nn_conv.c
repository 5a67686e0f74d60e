/* Conv1d and SpectralConv1d modules. */
#include "cfxmoduleimpl.h"

/* ---------------- Conv1d ---------------- */
typedef struct {
  PetscInt in, out, k;
  CfxConv1dParams geo;
  PetscBool bias;
  CfxTensor W, b;
} Mod_Conv1d;

static PetscErrorCode Conv1dSetSizes_Conv1d(CfxModule m, PetscInt in, PetscInt out, PetscInt k)
{
  Mod_Conv1d *C = (Mod_Conv1d *)m->data;

  PetscFunctionBegin;
  PetscCheck(in >= 1 && out >= 1 && k >= 1, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_OUTOFRANGE,
             "conv1d sizes must be >= 1, found in %" PetscInt_FMT ", out %" PetscInt_FMT ", kernel %" PetscInt_FMT, in, out, k);
  C->in  = in;
  C->out = out;
  C->k   = k;
  PetscFunctionReturn(0);
}

static PetscErrorCode Conv1dSetGeometry_Conv1d(CfxModule m, const CfxConv1dParams *p)
{
  PetscFunctionBegin;
  ((Mod_Conv1d *)m->data)->geo = *p;
  PetscFunctionReturn(0);
}

static PetscErrorCode Conv1dSetBias_Conv1d(CfxModule m, PetscBool flg)
{
  PetscFunctionBegin;
  ((Mod_Conv1d *)m->data)->bias = flg;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleConv1dSetSizes(CfxModule m, PetscInt in, PetscInt out, PetscInt k)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(m, CFXMODULE_CLASSID, 1);
  PetscUseMethod(m, "CfxModuleConv1dSetSizes_C", (CfxModule, PetscInt, PetscInt, PetscInt), (m, in, out, k));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleConv1dSetGeometry(CfxModule m, const CfxConv1dParams *p)
{
  PetscFunctionBegin;
  PetscUseMethod(m, "CfxModuleConv1dSetGeometry_C", (CfxModule, const CfxConv1dParams *), (m, p));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleConv1dSetBias(CfxModule m, PetscBool flg)
{
  PetscFunctionBegin;
  PetscUseMethod(m, "CfxModuleConv1dSetBias_C", (CfxModule, PetscBool), (m, flg));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetFromOptions_Conv1d(CfxModule m, PetscOptionItems *PetscOptionsObject)
{
  Mod_Conv1d *C = (Mod_Conv1d *)m->data;

  PetscFunctionBegin;
  PetscOptionsHeadBegin(PetscOptionsObject, "Conv1d module options");
  PetscCall(PetscOptionsInt("-conv1d_in", "Input channels", "CfxModuleConv1dSetSizes", C->in, &C->in, NULL));
  PetscCall(PetscOptionsInt("-conv1d_out", "Output channels", "CfxModuleConv1dSetSizes", C->out, &C->out, NULL));
  PetscCall(PetscOptionsInt("-conv1d_kernel", "Kernel size", "CfxModuleConv1dSetSizes", C->k, &C->k, NULL));
  PetscCall(PetscOptionsInt("-conv1d_stride", "Stride", "CfxModuleConv1dSetGeometry", C->geo.stride, &C->geo.stride, NULL));
  PetscCall(PetscOptionsInt("-conv1d_padl", "Left padding", "CfxModuleConv1dSetGeometry", C->geo.padl, &C->geo.padl, NULL));
  PetscCall(PetscOptionsInt("-conv1d_padr", "Right padding", "CfxModuleConv1dSetGeometry", C->geo.padr, &C->geo.padr, NULL));
  PetscCall(PetscOptionsInt("-conv1d_groups", "Groups (in channels for depthwise)", "CfxModuleConv1dSetGeometry", C->geo.groups, &C->geo.groups, NULL));
  PetscCall(PetscOptionsEnum("-conv1d_pad", "Padding", "CfxModuleConv1dSetGeometry", CfxPadTypes, (PetscEnum)C->geo.pad, (PetscEnum *)&C->geo.pad, NULL));
  PetscCall(PetscOptionsBool("-conv1d_bias", "Use a bias", "CfxModuleConv1dSetBias", C->bias, &C->bias, NULL));
  PetscOptionsHeadEnd();
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp_Conv1d(CfxModule m)
{
  Mod_Conv1d *C = (Mod_Conv1d *)m->data;
  PetscInt sw[3];
  PetscReal bound;

  PetscFunctionBegin;
  PetscCheck(C->in >= 1 && C->out >= 1 && C->k >= 1, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_WRONGSTATE,
             "set the conv1d sizes (CfxModuleConv1dSetSizes or -conv1d_in/-conv1d_out/-conv1d_kernel)");
  PetscCheck(C->geo.groups >= 1 && C->in % C->geo.groups == 0 && C->out % C->geo.groups == 0, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_OUTOFRANGE,
             "conv1d groups %" PetscInt_FMT " must divide in %" PetscInt_FMT " and out %" PetscInt_FMT, C->geo.groups, C->in, C->out);
  sw[0] = C->out;
  sw[1] = C->in / C->geo.groups;
  sw[2] = C->k;
  bound = 1.0 / PetscSqrtReal((PetscReal)(sw[1] * sw[2]));
  PetscCall(CfxModuleNewParameter_Private(m, "weight", 3, sw, &C->W));
  PetscCall(CfxModuleInitUniform_Private(m, C->W, -bound, bound));
  C->b = NULL;
  if (C->bias) {
    PetscCall(CfxModuleNewParameter_Private(m, "bias", 1, &C->out, &C->b));
    PetscCall(CfxModuleInitUniform_Private(m, C->b, -bound, bound));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Forward_Conv1d(CfxModule m, CfxTape tape, CfxTensor x, CfxTensor *y)
{
  Mod_Conv1d *C = (Mod_Conv1d *)m->data;

  PetscFunctionBegin;
  /* kernel 1 without padding or stride is channel mixing: one GEMM per sample, no im2col */
  if (C->k == 1 && C->geo.stride == 1 && C->geo.groups == 1 && (C->geo.pad == CFX_PAD_VALID || (C->geo.padl == 0 && C->geo.padr == 0)))
    PetscCall(CfxOpChannelLinear(tape, x, C->W, C->b, CFX_ACT_NONE, y));
  else
    PetscCall(CfxOpConv1d(tape, x, C->W, C->b, &C->geo, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode View_Conv1d(CfxModule m, PetscViewer v)
{
  Mod_Conv1d *C = (Mod_Conv1d *)m->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(
      v, "%" PetscInt_FMT " -> %" PetscInt_FMT " channels, kernel %" PetscInt_FMT ", stride %" PetscInt_FMT ", padding %s (%" PetscInt_FMT ", %" PetscInt_FMT "), groups %" PetscInt_FMT "\n", C->in,
      C->out, C->k, C->geo.stride, CfxPadTypes[C->geo.pad], C->geo.padl, C->geo.padr, C->geo.groups));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_Conv1d(CfxModule m)
{
  PetscFunctionBegin;
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleConv1dSetSizes_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleConv1dSetGeometry_C", NULL));
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleConv1dSetBias_C", NULL));
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleCreate_Conv1d(CfxModule m)
{
  Mod_Conv1d *C;

  PetscFunctionBegin;
  PetscCall(PetscNew(&C));
  C->geo.stride          = 1;
  C->geo.groups          = 1;
  C->geo.pad             = CFX_PAD_ZERO;
  C->bias                = PETSC_TRUE;
  m->data                = C;
  m->ops->setfromoptions = SetFromOptions_Conv1d;
  m->ops->setup          = SetUp_Conv1d;
  m->ops->forward        = Forward_Conv1d;
  m->ops->view           = View_Conv1d;
  m->ops->destroy        = Destroy_Conv1d;
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleConv1dSetSizes_C", Conv1dSetSizes_Conv1d));
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleConv1dSetGeometry_C", Conv1dSetGeometry_Conv1d));
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleConv1dSetBias_C", Conv1dSetBias_Conv1d));
  PetscFunctionReturn(0);
}

/* ---------------- SpectralConv1d ---------------- */
typedef struct {
  PetscInt in, out, modes;
  CfxTensor wr, wi;
} Mod_Spectral;

static PetscErrorCode SpectralSetSizes_Spectral(CfxModule m, PetscInt in, PetscInt out, PetscInt modes)
{
  Mod_Spectral *S = (Mod_Spectral *)m->data;

  PetscFunctionBegin;
  PetscCheck(in >= 1 && out >= 1 && modes >= 1, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_OUTOFRANGE,
             "spectral conv sizes must be >= 1, found in %" PetscInt_FMT ", out %" PetscInt_FMT ", modes %" PetscInt_FMT, in, out, modes);
  S->in    = in;
  S->out   = out;
  S->modes = modes;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleSpectralConv1dSetSizes(CfxModule m, PetscInt in, PetscInt out, PetscInt modes)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(m, CFXMODULE_CLASSID, 1);
  PetscUseMethod(m, "CfxModuleSpectralConv1dSetSizes_C", (CfxModule, PetscInt, PetscInt, PetscInt), (m, in, out, modes));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetFromOptions_Spectral(CfxModule m, PetscOptionItems *PetscOptionsObject)
{
  Mod_Spectral *S = (Mod_Spectral *)m->data;

  PetscFunctionBegin;
  PetscOptionsHeadBegin(PetscOptionsObject, "SpectralConv1d module options");
  PetscCall(PetscOptionsInt("-spectral_in", "Input channels", "CfxModuleSpectralConv1dSetSizes", S->in, &S->in, NULL));
  PetscCall(PetscOptionsInt("-spectral_out", "Output channels", "CfxModuleSpectralConv1dSetSizes", S->out, &S->out, NULL));
  PetscCall(PetscOptionsInt("-spectral_modes", "Retained Fourier modes", "CfxModuleSpectralConv1dSetSizes", S->modes, &S->modes, NULL));
  PetscOptionsHeadEnd();
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp_Spectral(CfxModule m)
{
  Mod_Spectral *S = (Mod_Spectral *)m->data;
  PetscInt sw[3];
  PetscReal scale;

  PetscFunctionBegin;
  PetscCheck(S->in >= 1 && S->out >= 1 && S->modes >= 1, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_WRONGSTATE,
             "set the spectral conv sizes (CfxModuleSpectralConv1dSetSizes or -spectral_in/-spectral_out/-spectral_modes)");
  sw[0] = S->in;
  sw[1] = S->out;
  sw[2] = S->modes;
  scale = 1.0 / (PetscReal)(S->in * S->out);
  PetscCall(CfxModuleNewParameter_Private(m, "weight_re", 3, sw, &S->wr));
  PetscCall(CfxModuleNewParameter_Private(m, "weight_im", 3, sw, &S->wi));
  PetscCall(CfxModuleInitUniform_Private(m, S->wr, 0, scale));
  PetscCall(CfxModuleInitUniform_Private(m, S->wi, 0, scale));
  PetscFunctionReturn(0);
}

static PetscErrorCode Forward_Spectral(CfxModule m, CfxTape tape, CfxTensor x, CfxTensor *y)
{
  Mod_Spectral *S = (Mod_Spectral *)m->data;

  PetscFunctionBegin;
  PetscCall(CfxOpSpectralConv1d(tape, x, S->wr, S->wi, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode View_Spectral(CfxModule m, PetscViewer v)
{
  Mod_Spectral *S = (Mod_Spectral *)m->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "%" PetscInt_FMT " -> %" PetscInt_FMT " channels, %" PetscInt_FMT " modes\n", S->in, S->out, S->modes));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_Spectral(CfxModule m)
{
  PetscFunctionBegin;
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleSpectralConv1dSetSizes_C", NULL));
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxModuleCreate_SpectralConv1d(CfxModule m)
{
  Mod_Spectral *S;

  PetscFunctionBegin;
  PetscCall(PetscNew(&S));
  m->data                = S;
  m->ops->setfromoptions = SetFromOptions_Spectral;
  m->ops->setup          = SetUp_Spectral;
  m->ops->forward        = Forward_Spectral;
  m->ops->view           = View_Spectral;
  m->ops->destroy        = Destroy_Spectral;
  PetscCall(PetscObjectComposeFunction((PetscObject)m, "CfxModuleSpectralConv1dSetSizes_C", SpectralSetSizes_Spectral));
  PetscFunctionReturn(0);
}
