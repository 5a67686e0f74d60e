/* Activation kernels, shared by CfxOpActivation and the fused linear/conv ops. */
#include "cfxtensorimpl.h"

const char *const CfxActivations[] = {"none", "tanh", "gelu", "relu", "sigmoid", "softplus", "silu", "CfxActivation", "CFX_ACT_", NULL};

#define CFX_SQRT1_2    0.70710678118654752440
#define CFX_1_SQRT_2PI 0.39894228040143267794

static inline PetscReal Sigmoid(PetscReal x)
{
  /* no overflow of exp for either sign */
  if (x >= 0) return 1.0 / (1.0 + exp(-x));
  PetscReal e = exp(x);
  return e / (1.0 + e);
}

static inline PetscReal Softplus(PetscReal x) { return (x > 0 ? x : 0) + log1p(exp(-fabs(x))); }

/* Needs the pre-activation z in the backward (otherwise the output y is enough). */
PetscBool CfxActNeedsInput(CfxActivation act) { return (act == CFX_ACT_GELU || act == CFX_ACT_SOFTPLUS || act == CFX_ACT_SILU) ? PETSC_TRUE : PETSC_FALSE; }

/* y = act(z); y may alias z. */
void CfxActForward(CfxActivation act, PetscInt n, const PetscReal *z, PetscReal *y)
{
  switch (act) {
    case CFX_ACT_NONE:
      if (y != z)
        for (PetscInt i = 0; i < n; i++) y[i] = z[i];
      break;
    case CFX_ACT_TANH:
      for (PetscInt i = 0; i < n; i++) y[i] = tanh(z[i]);
      break;
    case CFX_ACT_GELU:
      for (PetscInt i = 0; i < n; i++) y[i] = 0.5 * z[i] * (1.0 + erf(z[i] * CFX_SQRT1_2));
      break;
    case CFX_ACT_RELU:
      for (PetscInt i = 0; i < n; i++) y[i] = z[i] > 0 ? z[i] : 0.0;
      break;
    case CFX_ACT_SIGMOID:
      for (PetscInt i = 0; i < n; i++) y[i] = Sigmoid(z[i]);
      break;
    case CFX_ACT_SOFTPLUS:
      for (PetscInt i = 0; i < n; i++) y[i] = Softplus(z[i]);
      break;
    case CFX_ACT_SILU:
      for (PetscInt i = 0; i < n; i++) y[i] = z[i] * Sigmoid(z[i]);
      break;
  }
}

/* dz (+)= dy * act'(z). z is the pre-activation (may be NULL if !CfxActNeedsInput), y the
   output (may be NULL if CfxActNeedsInput, except for none). dz may alias dy when !acc. */
void CfxActBackward(CfxActivation act, PetscInt n, const PetscReal *z, const PetscReal *y, const PetscReal *dy, PetscReal *dz, PetscBool acc)
{
#define CFX_ACT_LOOP(expr)                                      \
  do {                                                          \
    if (acc)                                                    \
      for (PetscInt i = 0; i < n; i++) dz[i] += dy[i] * (expr); \
    else                                                        \
      for (PetscInt i = 0; i < n; i++) dz[i] = dy[i] * (expr);  \
  } while (0)
  switch (act) {
    case CFX_ACT_NONE: CFX_ACT_LOOP(1.0); break;
    case CFX_ACT_TANH: CFX_ACT_LOOP(1.0 - y[i] * y[i]); break;
    case CFX_ACT_GELU: CFX_ACT_LOOP(0.5 * (1.0 + erf(z[i] * CFX_SQRT1_2)) + z[i] * CFX_1_SQRT_2PI * exp(-0.5 * z[i] * z[i])); break;
    case CFX_ACT_RELU: CFX_ACT_LOOP(y[i] > 0 ? 1.0 : 0.0); break;
    case CFX_ACT_SIGMOID: CFX_ACT_LOOP(y[i] * (1.0 - y[i])); break;
    case CFX_ACT_SOFTPLUS: CFX_ACT_LOOP(Sigmoid(z[i])); break;
    case CFX_ACT_SILU: CFX_ACT_LOOP(Sigmoid(z[i]) * (1.0 + z[i] * (1.0 - Sigmoid(z[i])))); break;
  }
#undef CFX_ACT_LOOP
}
