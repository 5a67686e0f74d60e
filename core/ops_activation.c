/* Activation kernels, shared by CfxOpActivation and the fused linear/conv ops. */
#include "cfxtensorimpl.h"

const char *const CfxActivations[] = {"none", "tanh", "gelu", "relu", "sigmoid", "softplus", "silu", "CfxActivation", "CFX_ACT_", NULL};

/* Needs the pre-activation z in the backward (otherwise the output y is enough). */
PetscBool CfxActNeedsInput(CfxActivation act) { return (act == CFX_ACT_GELU || act == CFX_ACT_SOFTPLUS || act == CFX_ACT_SILU) ? PETSC_TRUE : PETSC_FALSE; }

/* CfxActForward (y = act(z), y may alias z) and CfxActBackward (dz (+)= dy * act'(z), z the
   pre-activation, y the output) are the vectorised kernels of fastmath.c. */
