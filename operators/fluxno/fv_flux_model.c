/* A trained Flux NO as the numerical flux of the PETSc finite-volume solver (CfxFV).

   The face-flux callback of CfxFV hands each rank its faces' stencils (cells xs-p-1 ..
   xs+xm+q-1 with the model's (p, q), FV stencil (p+1, q)). An MLP flux network is local:
   it reads exactly those windows. An FNO flux network is global (its Fourier layer sees the
   whole periodic field), so the callback gathers the field on every rank (one
   MPI_Allgatherv per right-hand side) and evaluates all faces; every rank computes identical
   fluxes, so the scheme stays conservative and independent of the number of ranks, and it
   equals the model's own rollout (CfxFluxNOStep) to round-off. */
#include "fluxnoimpl.h"
#include <sys/stat.h>

typedef struct _FVFluxCtx *FVFluxCtx;
struct _FVFluxCtx {
  CfxFluxNO m;
  CfxFV fv;
  FVFluxCtx next;
};

/* Models loaded from -fv_flux_model, keyed by file name (and the file's modification time and
   size, so a rewritten file is read again) and communicator: conflux simulate creates one
   solver per sample, and they all share one loaded model instead of reading the file again. */
typedef struct _FVModelCache *FVModelCache;
struct _FVModelCache {
  char file[PETSC_MAX_PATH_LEN];
  MPI_Comm comm;
  time_t mtime;
  off_t size;
  CfxFluxNO m;
  FVModelCache next;
};

/* CfxFV has no destructor hook for a face-flux context, so contexts (a few pointers each) and
   cached models live in lists freed at PetscFinalize(). */
static FVFluxCtx ctxList        = NULL;
static FVModelCache modelCache  = NULL;
static PetscBool finalizeHooked = PETSC_FALSE;

static PetscErrorCode FreeContexts(void)
{
  PetscFunctionBegin;
  while (ctxList) {
    FVFluxCtx c = ctxList;
    ctxList     = c->next;
    PetscCall(PetscFree(c));
  }
  while (modelCache) {
    FVModelCache e = modelCache;
    modelCache     = e->next;
    PetscCall(CfxFluxNODestroy(&e->m));
    PetscCall(PetscFree(e));
  }
  finalizeHooked = PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode HookFinalize(void)
{
  PetscFunctionBegin;
  if (!finalizeHooked) PetscCall(PetscRegisterFinalize(FreeContexts));
  finalizeHooked = PETSC_TRUE;
  PetscFunctionReturn(0);
}

static PetscErrorCode FaceFlux(void *vctx, PetscInt nfaces, PetscInt ncomp, const PetscReal *u, PetscReal *flux)
{
  FVFluxCtx c      = (FVFluxCtx)vctx;
  CfxFluxNO m      = c->m;
  const PetscInt S = m->p + m->q + 1;
  CfxTensor X, G;
  MPI_Comm comm;
  DM da;
  PetscInt xs, xm, N;

  PetscFunctionBegin;
  PetscCheck(ncomp == 1, PETSC_COMM_SELF, PETSC_ERR_SUP, "the learned flux is for scalar laws, the solver has %" PetscInt_FMT " components", ncomp);
  PetscCall(PetscLogEventBegin(CFXFLUXNO_FVFlux, 0, 0, 0, 0));
  PetscCall(CfxTapeSetRecording(m->tape, PETSC_FALSE));
  if (m->net == CFXFLUXNO_NET_MLP) {
    /* face f reads u[f .. f+S-1] */
    PetscInt shape[3] = {1, nfaces, S};
    PetscCall(CfxTapeNewTensorUninit(m->tape, 3, shape, &X));
    for (PetscInt f = 0; f < nfaces; f++)
      for (PetscInt s = 0; s < S; s++) X->data[f * S + s] = u[f + s];
    PetscCall(CfxFluxNOFluxNetwork_Private(m, m->tape, X, &G));
    PetscCall(PetscArraycpy(flux, G->data, nfaces));
  } else {
    PetscMPIInt size, *counts, *displs, mxm;
    PetscInt shape[2];
    PetscCall(CfxFVGetDM(c->fv, &da));
    PetscCall(PetscObjectGetComm((PetscObject)da, &comm));
    PetscCall(DMDAGetCorners(da, &xs, NULL, NULL, &xm, NULL, NULL));
    PetscCall(DMDAGetInfo(da, NULL, &N, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
    PetscCheck(xm == nfaces - 1, PETSC_COMM_SELF, PETSC_ERR_PLIB, "face count %" PetscInt_FMT " does not match the %" PetscInt_FMT " owned cells", nfaces, xm);
    if (m->fvN != N) {
      PetscCall(PetscFree(m->fvfull));
      PetscCall(PetscMalloc1(N, &m->fvfull));
      m->fvN = N;
    }
    PetscCallMPI(MPI_Comm_size(comm, &size));
    PetscCall(PetscMalloc2(size, &counts, size, &displs));
    PetscCall(PetscMPIIntCast(xm, &mxm));
    PetscCallMPI(MPI_Allgather(&mxm, 1, MPI_INT, counts, 1, MPI_INT, comm));
    displs[0] = 0;
    for (PetscMPIInt r = 1; r < size; r++) displs[r] = displs[r - 1] + counts[r - 1];
    /* the owned cells start after the p+1 ghost cells of the window */
    PetscCallMPI(MPI_Allgatherv(u + m->p + 1, mxm, MPIU_REAL, m->fvfull, counts, displs, MPIU_REAL, comm));
    PetscCall(PetscFree2(counts, displs));
    shape[0] = 1;
    shape[1] = N;
    PetscCall(CfxTapeNewTensorWithData(m->tape, 2, shape, m->fvfull, &X));
    PetscCall(CfxFluxNOFaceFlux(m, m->tape, X, &G));
    /* face f lies between cells xs+f-1 and xs+f: it is F_{j+1/2} with j = xs+f-1 (periodic) */
    for (PetscInt f = 0; f < nfaces; f++) flux[f] = G->data[(xs + f - 1 + N) % N];
  }
  PetscCall(CfxTapeReset(m->tape));
  PetscCall(CfxTapeSetRecording(m->tape, PETSC_TRUE));
  PetscCall(PetscLogEventEnd(CFXFLUXNO_FVFlux, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetFluxModel(CfxFV fv, CfxFluxNO m)
{
  PetscInt N;
  PetscReal xmin, xmax;
  FVFluxCtx c;

  PetscFunctionBegin;
  PetscCheck(m->setup, m->comm, PETSC_ERR_ORDER, "set up (or load) the model before CfxFVSetFluxModel()");
  PetscCheck(!strcmp(m->type, CFXFLUXNO_FLUX), m->comm, PETSC_ERR_ARG_WRONG, "only a fluxno model is a numerical flux; this model is of kind %s (a one-step map, use `conflux rollout`)", m->type);
  PetscCheck(m->ratio > 0, m->comm, PETSC_ERR_ARG_WRONGSTATE, "the model has no dt/dx (train it first)");
  PetscCall(CfxFVGetGrid(fv, &N, &xmin, &xmax));
  PetscCall(PetscNew(&c));
  PetscCall(HookFinalize());
  c->m    = m;
  c->fv   = fv;
  c->next = ctxList;
  ctxList = c;
  PetscCall(CfxFVSetFaceFlux(fv, FaceFlux, c, m->p + 1, m->q));
  PetscCall(CfxFVSetTimeStep(fv, m->ratio * (xmax - xmin) / N));
  if (m->time == CFXFLUXNO_TIME_RK2)
    PetscCall(CfxFVSetSSP(fv, 2, 2));
  else
    PetscCall(CfxFVSetSSP(fv, 1, 1));
  PetscFunctionReturn(0);
}

/*@C
  CfxFVSetFluxModel - Uses a trained Flux NO (type fluxno) as the solver's numerical flux: its
  face flux with FV stencil (p+1, q), the fixed step dt = r dx of the model's dt/dx = r, and
  its time stepping (forward Euler, or SSP-RK2 with 2 stages = Heun). Call before
  CfxFVSetUp(); the model must outlive the solver. The solver must be periodic and scalar
  (checked at the first right-hand side).
@*/
PetscErrorCode CfxFVSetFluxModel(CfxFV fv, CfxFluxNO m)
{
  PetscFunctionBegin;
  PetscCall(SetFluxModel(fv, m));
  PetscFunctionReturn(0);
}

/* The model in file, loaded once per (file, communicator) and reused while the file is
   unchanged. Every rank stats the file; the ranks agree on whether to reload. */
static PetscErrorCode CachedModel(MPI_Comm comm, const char file[], CfxFluxNO *m)
{
  struct stat st;
  int stale, hit = 0;
  FVModelCache e;

  PetscFunctionBegin;
  stale = stat(file, &st) != 0;
  for (e = modelCache; e && !stale; e = e->next) {
    PetscMPIInt cmp;
    PetscCallMPI(MPI_Comm_compare(comm, e->comm, &cmp));
    if ((cmp == MPI_IDENT || cmp == MPI_CONGRUENT) && !strcmp(e->file, file)) {
      hit = e->mtime == st.st_mtime && e->size == st.st_size;
      break;
    }
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &hit, 1, MPI_INT, MPI_LAND, comm));
  if (hit) {
    *m = e->m;
    PetscFunctionReturn(0);
  }
  PetscCall(CfxFluxNOLoad(comm, file, m));
  PetscCall(HookFinalize());
  PetscCall(PetscNew(&e));
  PetscCall(PetscStrncpy(e->file, file, sizeof(e->file)));
  e->comm    = comm;
  e->mtime   = stale ? 0 : st.st_mtime;
  e->size    = stale ? -1 : st.st_size;
  e->m       = *m;
  e->next    = modelCache;
  modelCache = e;
  PetscFunctionReturn(0);
}

/*@C
  CfxFVSetFluxModelFromOptions - Reads -fv_flux_model FILE.h5 (the option uses the solver's
  options prefix, "fv_" by default) and, when given, loads the checkpoint (once: solvers naming
  the same unchanged file share the loaded model) and calls CfxFVSetFluxModel(). Called by
  CfxFVSetFromOptions().
@*/
PetscErrorCode CfxFVSetFluxModelFromOptions(CfxFV fv, const char prefix[], MPI_Comm comm)
{
  char file[PETSC_MAX_PATH_LEN];
  PetscBool set;
  CfxFluxNO m;

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, prefix, "-flux_model", file, sizeof(file), &set));
  if (!set) PetscFunctionReturn(0);
  PetscCheck(file[0], comm, PETSC_ERR_ARG_WRONG, "-%sflux_model needs a file name", prefix ? prefix : "");
  PetscCall(CachedModel(comm, file, &m));
  PetscCall(SetFluxModel(fv, m));
  PetscFunctionReturn(0);
}
