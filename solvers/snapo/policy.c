/* The standard SNAPO policy: an MLP (CfxModule) on the model's features with a fixed output
   gain, so the initial outputs already span a useful range of the action map. */
#include "snapoimpl.h"

static PetscErrorCode MLPForward(CfxTape tape, CfxTensor x, void *ctx, CfxTensor *y)
{
  CfxSnapoMLP *p = (CfxSnapoMLP *)ctx;
  CfxTensor z;

  PetscFunctionBegin;
  PetscCall(CfxModuleForward(p->net, tape, x, &z));
  if (p->gain == 1)
    *y = z;
  else
    PetscCall(CfxOpScale(tape, z, p->gain, 0, y));
  PetscFunctionReturn(0);
}

/*@C
  CfxSnapoMLPCreate - policy y = gain * MLP(x): nin inputs, depth hidden layers of width
  units (tanh), nout outputs; parameters named "policy.*", initialised from seed. Options
  with prefix "policy_" (-policy_mlp_width, ...) are read by CfxModuleSetFromOptions.
@*/
PetscErrorCode CfxSnapoMLPCreate(MPI_Comm comm, PetscInt nin, PetscInt width, PetscInt depth, PetscInt nout, PetscReal gain, uint64_t seed, CfxSnapoMLP *p)
{
  PetscFunctionBegin;
  PetscCheck(nin > 0 && width > 0 && depth >= 1 && nout > 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "policy MLP needs nin, width, nout > 0 and depth >= 1, found %" PetscInt_FMT ", %" PetscInt_FMT ", %" PetscInt_FMT ", %" PetscInt_FMT, nin, width, nout, depth);
  PetscCheck(gain > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "policy output gain must be > 0, found %g", (double)gain);
  p->gain = gain;
  PetscCall(CfxModuleCreate(comm, &p->net));
  PetscCall(CfxModuleSetType(p->net, CFXMLP));
  PetscCall(CfxModuleMLPSetSizes(p->net, nin, width, depth, nout));
  PetscCall(CfxModuleMLPSetActivation(p->net, CFX_ACT_TANH));
  PetscCall(CfxModuleSetName(p->net, "policy"));
  PetscCall(CfxModuleSetSeed(p->net, seed));
  PetscCall(CfxModuleSetUp(p->net));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSnapoMLPGetPolicy(CfxSnapoMLP *p, CfxSnapoPolicy *pol)
{
  PetscFunctionBegin;
  pol->forward = MLPForward;
  pol->ctx     = p;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxSnapoMLPDestroy(CfxSnapoMLP *p)
{
  PetscFunctionBegin;
  PetscCall(CfxModuleDestroy(&p->net));
  PetscFunctionReturn(0);
}
