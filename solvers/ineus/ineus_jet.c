/* Value, input gradient and weighted diagonal second derivatives of a tanh MLP, built from
   tape ops so that all three are differentiable in the parameters (the PINN residual and the
   deep-BSDE Z term need the network's derivatives inside the loss; the tape has no double
   backward). Forward-mode jets through each layer z = W h + b, a = tanh(z):

     J_z = J_h W^T,                L_z = L_h W^T,
     J_a = s1 * J_z,               L_a = s1 * L_z + s2 * sum_k c_k (J_z)_k^2,

   with s1 = 1 - a^2 = tanh', s2 = -2 a s1 = tanh'', J [n, D, width] the derivatives along the
   D inputs and L [n, width] the weighted sum of the second derivatives sum_k c_k d^2/dx_k^2
   (only the diagonal of the Hessian is needed for a diagonal diffusion). The cost is about
   D + 2 forward passes: this is the cost of the PINN that grows with the dimension. */
#include "ineusimpl.h"

/*
  CfxINEUSMLPJet - for an MLP module with tanh hidden layers and one output, at inputs
  in [n, D]: the value u [n, 1]; derivatives J [n, K, 1] along K tangent directions, the rows
  of V [n, K, D] (V = NULL: the D coordinate directions, J = gradient, K = D); and, when
  L != NULL (only with V = NULL), L [n, 1] = sum_k c_k d^2u/d in_k^2 (c has D entries).
  J and L may be NULL when not wanted. A single direction (the deep-BSDE Z dW term) costs
  about two forward passes instead of D + 2.
*/
PetscErrorCode CfxINEUSMLPJet(CfxModule m, CfxTape tape, CfxTensor in, CfxTensor V, const PetscReal c[], CfxTensor *u, CfxTensor *J, CfxTensor *L)
{
  PetscInt np, n = in->shape[0], D = in->shape[1], nl;

  CfxTensor h, Jh = NULL, Lh = NULL, cw = NULL;

  PetscFunctionBegin;
  PetscCall(CfxModuleGetNumParameters(m, &np));
  PetscCheck(np % 2 == 0 && np >= 2, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "MLP jet: expected weight/bias pairs, found %" PetscInt_FMT " parameters", np);
  nl = np / 2;
  PetscCheck(nl >= 2, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "MLP jet needs at least one hidden layer");
  PetscCheck(!L || (c && !V), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "MLP jet: second derivatives need the weights c and coordinate directions (V = NULL)");
  if (L) {
    PetscInt shape[3] = {1, D, 1};
    PetscCall(CfxTapeNewTensorWithData(tape, 3, shape, c, &cw));
  }
  h = in;
  for (PetscInt l = 0; l < nl; l++) {
    char name[64];
    CfxTensor W, b, z, Jz = NULL, Lz = NULL;
    PetscBool last = l == nl - 1 ? PETSC_TRUE : PETSC_FALSE;

    PetscCall(CfxModuleGetParameter(m, 2 * l, name, sizeof(name), &W));
    PetscCheck(strstr(name, "weight"), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "MLP jet: parameter %" PetscInt_FMT " is '%s', expected a weight", 2 * l, name);
    PetscCall(CfxModuleGetParameter(m, 2 * l + 1, name, sizeof(name), &b));
    PetscCheck(strstr(name, "bias"), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "MLP jet: parameter %" PetscInt_FMT " is '%s', expected a bias", 2 * l + 1, name);
    PetscCall(CfxOpLinear(tape, h, W, b, CFX_ACT_NONE, &z));
    if (J || L) {
      if (l == 0 && V)
        PetscCall(CfxOpMatmul(tape, V, PETSC_FALSE, W, PETSC_TRUE, &Jz));
      else if (l == 0) { /* J_in = identity: J_z[i, k, :] = W[:, k] for every point */
        PetscInt shape[3] = {1, D, W->shape[0]};
        CfxTensor Wt;
        PetscCall(CfxOpTranspose(tape, W, 0, 1, &Wt));
        PetscCall(CfxOpReshape(tape, Wt, 3, shape, &Jz));
      } else {
        PetscCall(CfxOpMatmul(tape, Jh, PETSC_FALSE, W, PETSC_TRUE, &Jz));
        if (Lh) PetscCall(CfxOpLinear(tape, Lh, W, NULL, CFX_ACT_NONE, &Lz));
      }
    }
    if (last) {
      h  = z;
      Jh = Jz;
      Lh = Lz;
      break;
    }
    {
      CfxTensor a, a2, s1, s2, s1b, tmp;
      PetscInt shape3[3] = {n, 1, W->shape[0]};
      PetscCall(CfxOpActivation(tape, z, CFX_ACT_TANH, &a));
      if (J || L) {
        PetscCall(CfxOpSquare(tape, a, &a2));
        PetscCall(CfxOpScale(tape, a2, -1, 1, &s1)); /* 1 - a^2 */
        PetscCall(CfxOpReshape(tape, s1, 3, shape3, &s1b));
        PetscCall(CfxOpMul(tape, Jz, s1b, &Jh)); /* broadcast over the D derivatives */
        if (L) {
          CfxTensor q, qs;
          PetscCall(CfxOpMul(tape, a, s1, &tmp));
          PetscCall(CfxOpScale(tape, tmp, -2, 0, &s2));
          PetscCall(CfxOpSquare(tape, Jz, &q));
          PetscCall(CfxOpMul(tape, q, cw, &q));
          PetscCall(CfxOpSum(tape, q, 1, &qs)); /* [n, width] (or [1, width] at layer 0) */
          PetscCall(CfxOpMul(tape, s2, qs, &Lh));
          if (Lz) {
            PetscCall(CfxOpMul(tape, s1, Lz, &tmp));
            PetscCall(CfxOpAdd(tape, Lh, tmp, &Lh));
          }
        }
      }
      h = a;
    }
  }
  *u = h;
  if (J) *J = Jh;
  if (L) *L = Lh;
  PetscFunctionReturn(0);
}
