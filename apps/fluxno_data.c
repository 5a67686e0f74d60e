/* Trajectory data for `conflux train`, `eval` and `rollout`: a PDEBench-layout dataset of a
   scalar law on a uniform periodic grid with uniformly spaced frames. */
#include "fluxno_data.h"

/* Reads samples [lo, hi) (every rank may ask for any range) and checks the layout the learned
   steppers need: scalar, uniform cells, uniform frame spacing. */
PetscErrorCode CfxTrajOpen(MPI_Comm comm, const char file[], PetscInt lo, PetscInt hi, CfxTraj *tr)
{
  CfxDataset ds;
  const PetscReal *x, *t;
  PetscInt nc;
  PetscBool found;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(tr, sizeof(*tr)));
  PetscCall(CfxDatasetOpen(comm, file, &ds));
  PetscCall(CfxDatasetGetSizes(ds, &tr->ns, &tr->nt, &tr->nx, &nc));
  PetscCheck(nc <= 1, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: %" PetscInt_FMT " components per cell; the Flux NO and the FNO baseline here are for scalar laws", file, nc);
  PetscCheck(tr->nt >= 2, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: needs at least 2 frames, found %" PetscInt_FMT, file, tr->nt);
  PetscCall(CfxDatasetGetCoordinates(ds, &x, &t));
  PetscCall(PetscMalloc2(tr->nx, &tr->x, tr->nt, &tr->t));
  PetscCall(PetscArraycpy(tr->x, x, tr->nx));
  PetscCall(PetscArraycpy(tr->t, t, tr->nt));
  tr->dx = (x[tr->nx - 1] - x[0]) / (tr->nx - 1);
  tr->dt = (t[tr->nt - 1] - t[0]) / (tr->nt - 1);
  PetscCheck(tr->dx > 0 && tr->dt > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: x-coordinate and t-coordinate must increase", file);
  for (PetscInt j = 1; j < tr->nx; j++)
    PetscCheck(PetscAbsReal(x[j] - x[j - 1] - tr->dx) <= 1e-6 * tr->dx, comm, PETSC_ERR_FILE_UNEXPECTED,
               "%s: cells are not uniform (x[%" PetscInt_FMT "] - x[%" PetscInt_FMT "] = %g, mean spacing %g)", file, j, j - 1, (double)(x[j] - x[j - 1]), (double)tr->dx);
  for (PetscInt k = 1; k < tr->nt; k++)
    PetscCheck(PetscAbsReal(t[k] - t[k - 1] - tr->dt) <= 1e-6 * tr->dt, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: frames are not evenly spaced (t[%" PetscInt_FMT "] - t[%" PetscInt_FMT "] = %g, mean %g)",
               file, k, k - 1, (double)(t[k] - t[k - 1]), (double)tr->dt);
  PetscCall(CfxDatasetGetAttribute(ds, "flux", tr->flux, sizeof(tr->flux), &found));
  if (!found) tr->flux[0] = 0;
  if (hi < 0) {
    lo = 0;
    hi = tr->ns;
  }
  PetscCheck(lo >= 0 && lo <= hi && hi <= tr->ns, comm, PETSC_ERR_ARG_OUTOFRANGE, "%s: sample range [%" PetscInt_FMT ", %" PetscInt_FMT ") outside [0, %" PetscInt_FMT ")", file, lo, hi, tr->ns);
  tr->lo = lo;
  tr->hi = hi;
  PetscCall(PetscMalloc1((hi - lo) * tr->nt * tr->nx + 1, &tr->U));
  PetscCall(CfxDatasetReadSamples(ds, lo, hi - lo, tr->U));
  PetscCall(CfxDatasetClose(&ds));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxTrajDestroy(CfxTraj *tr)
{
  PetscFunctionBegin;
  PetscCall(PetscFree2(tr->x, tr->t));
  PetscCall(PetscFree(tr->U));
  PetscFunctionReturn(0);
}

/* Parses "a,b,c" into at most n reals. */
PetscErrorCode CfxParseTimes(MPI_Comm comm, const char text[], PetscInt nmax, PetscReal out[], PetscInt *n)
{
  const char *s = text;

  PetscFunctionBegin;
  *n = 0;
  while (*s) {
    char *end;
    PetscCheck(*n < nmax, comm, PETSC_ERR_ARG_OUTOFRANGE, "at most %" PetscInt_FMT " times, found more in \"%s\"", nmax, text);
    out[*n] = (PetscReal)strtod(s, &end);
    PetscCheck(end != s, comm, PETSC_ERR_ARG_WRONG, "cannot read a time in \"%s\" (expected t1,t2,...)", text);
    (*n)++;
    s = *end == ',' ? end + 1 : end;
    PetscCheck(*end == ',' || *end == 0, comm, PETSC_ERR_ARG_WRONG, "unexpected \"%s\" in the time list \"%s\"", end, text);
  }
  PetscFunctionReturn(0);
}

void CfxFormatDuration(double s, char buf[], size_t len)
{
  long t = (long)(s + 0.5);
  if (t >= 3600)
    snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  else
    snprintf(buf, len, "%02ld:%02ld", t / 60, t % 60);
}
