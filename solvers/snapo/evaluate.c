/* The SNAPO evaluation driver: paths in blocks, one tape per block over the whole horizon,
   one reverse sweep per block giving the gradient with respect to the policy parameters and
   every model input together. */
#include "snapoimpl.h"

static PetscLogEvent SNAPO_Forward, SNAPO_Reverse;
static PetscBool SnapoPackageInitialized = PETSC_FALSE;
/* One tape kept from evaluation to evaluation: its arena stays at the high-water size of a
   block's horizon, so repeated evaluations (training steps, bump revaluations) neither
   allocate nor first-touch fresh memory. Guarded against re-entrant use. */
static CfxTape SnapoTape        = NULL;
static PetscBool SnapoTapeInUse = PETSC_FALSE;

static PetscErrorCode SnapoFinalizePackage(void)
{
  PetscFunctionBegin;
  PetscCall(CfxTapeDestroy(&SnapoTape));
  SnapoTapeInUse          = PETSC_FALSE;
  SnapoPackageInitialized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode SnapoInitializePackage(void)
{
  PetscFunctionBegin;
  if (SnapoPackageInitialized) PetscFunctionReturn(0);
  SnapoPackageInitialized = PETSC_TRUE;
  PetscCall(PetscLogEventRegister("SnapoForward", CFX_CLASSID, &SNAPO_Forward));
  PetscCall(PetscLogEventRegister("SnapoReverse", CFX_CLASSID, &SNAPO_Reverse));
  PetscCall(PetscRegisterFinalize(SnapoFinalizePackage));
  PetscFunctionReturn(0);
}

/*@C
  CfxSnapoEvaluate - value (and gradients) of a policy in a model over npaths common-random-
  number paths; see cfxsnapo.h.
@*/
PetscErrorCode CfxSnapoEvaluate(MPI_Comm comm, const CfxSnapoModelOps *m, const CfxSnapoPolicy *pol, PetscInt npaths, PetscInt block, uint64_t seed, PetscBool grad, PetscInt nreduce, CfxTensor red[],
                                CfxSnapoResult *res)
{
  PetscMPIInt rank, size;
  PetscInt lo, hi, T = m->nsteps, nn = m->nnoise;
  CfxTape tape;
  PetscReal sums[4] = {0, 0, 0, 0}, tf = 0, tr = 0, *noise = NULL, *seedv = NULL;

  PetscFunctionBegin;
  PetscCall(SnapoInitializePackage());
  PetscCheck(npaths > 0 && block > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "need npaths > 0 and block > 0, found %" PetscInt_FMT " and %" PetscInt_FMT, npaths, block);
  PetscCheck(T > 0 && m->step && m->initial && m->objective, comm, PETSC_ERR_ARG_WRONGSTATE, "model needs nsteps > 0 and initial, step and objective functions");
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  /* contiguous path ranges per rank: path i is the same draws on any rank count */
  lo = (npaths * rank) / size;
  hi = (npaths * (rank + 1)) / size;
  PetscCheck(!SnapoTapeInUse, comm, PETSC_ERR_ARG_WRONGSTATE, "CfxSnapoEvaluate called from inside a model or policy callback of another evaluation");
  if (!SnapoTape) PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &SnapoTape));
  tape           = SnapoTape;
  SnapoTapeInUse = PETSC_TRUE;
  PetscCall(CfxTapeSetRecording(tape, grad));
  PetscCall(PetscMalloc2((size_t)PetscMax(block * T * nn, 1), &noise, block, &seedv));
  for (PetscInt b0 = lo; b0 < hi; b0 += block) {
    PetscInt nb = PetscMin(block, hi - b0);
    CfxTensor state, obj;
    PetscLogDouble t0, t1, t2;

    PetscCall(PetscTime(&t0));
    PetscCall(PetscLogEventBegin(SNAPO_Forward, 0, 0, 0, 0));
    /* noise[t][b][k]: path b0 + b draws its T*nn normals in order from its own stream */
    for (PetscInt b = 0; b < nb; b++) {
      CfxRNG rng;
      PetscCall(CfxRNGSetSeed(&rng, seed, (uint64_t)(b0 + b)));
      for (PetscInt t = 0; t < T; t++)
        for (PetscInt k = 0; k < nn; k++) noise[(t * nb + b) * nn + k] = CfxRNGNormal(&rng);
    }
    PetscCall(m->initial(tape, nb, m->ctx, &state));
    for (PetscInt t = 0; t < T; t++) {
      CfxTensor feat = NULL, act = NULL;
      if (pol && pol->forward) {
        PetscCall(m->features(tape, t, state, m->ctx, &feat));
        PetscCall(pol->forward(tape, feat, pol->ctx, &act));
      }
      PetscCall(m->step(tape, t, state, act, noise + (size_t)t * nb * nn, m->ctx, &state));
    }
    PetscCall(m->objective(tape, state, m->ctx, &obj));
    PetscCheck(obj->size == nb, comm, PETSC_ERR_PLIB, "objective has %" PetscInt_FMT " entries for a block of %" PetscInt_FMT " paths", obj->size, nb);
    for (PetscInt b = 0; b < nb; b++) {
      sums[0] += obj->data[b];
      sums[1] += obj->data[b] * obj->data[b];
    }
    PetscCall(PetscLogEventEnd(SNAPO_Forward, 0, 0, 0, 0));
    PetscCall(PetscTime(&t1));
    if (grad && obj->requires_grad) {
      PetscCall(PetscLogEventBegin(SNAPO_Reverse, 0, 0, 0, 0));
      for (PetscInt b = 0; b < nb; b++) seedv[b] = 1.0 / (PetscReal)npaths;
      PetscCall(CfxTapeBackwardWithSeed(tape, obj, seedv));
      PetscCall(PetscLogEventEnd(SNAPO_Reverse, 0, 0, 0, 0));
    }
    PetscCall(PetscTime(&t2));
    tf += t1 - t0;
    tr += t2 - t1;
    PetscCall(CfxTapeReset(tape));
  }
  PetscCall(PetscFree2(noise, seedv));
  SnapoTapeInUse = PETSC_FALSE;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, sums, 2, MPIU_REAL, MPIU_SUM, comm));
  if (grad)
    for (PetscInt k = 0; k < nreduce; k++) {
      PetscCheck(red[k]->grad, comm, PETSC_ERR_ARG_WRONGSTATE, "tensor %" PetscInt_FMT " to reduce has no gradient buffer (CfxTensorSetRequiresGrad)", k);
      PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, red[k]->grad, (PetscMPIInt)red[k]->size, MPIU_REAL, MPIU_SUM, comm));
    }
  {
    PetscReal tt[2] = {tf, tr};
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, tt, 2, MPIU_REAL, MPIU_MAX, comm));
    res->t_forward = tt[0];
    res->t_reverse = tt[1];
  }
  res->npaths = npaths;
  res->value  = sums[0] / npaths;
  {
    PetscReal var  = npaths > 1 ? (sums[1] - npaths * res->value * res->value) / (npaths - 1) : 0;
    res->stderr_mc = sqrt(PetscMax(var, 0) / npaths);
  }
  PetscFunctionReturn(0);
}
