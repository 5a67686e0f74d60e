/* LGP files: trajectory datasets (/q, optional /u, root attribute h) and model files (the
   training data plus hyperparameters and settings; loading re-assembles and re-factorises).
   Readers check everything they use and name file, dataset, expected and found values.
   Files are written by rank 0 as NAME.tmp and renamed on success. */
#include "lgpimpl.h"
#include <conflux/cfxio.h>
#include <hdf5.h>

#define LGPH5Check(expr, comm, ...) PetscCheck((expr) >= 0, comm, PETSC_ERR_FILE_WRITE, __VA_ARGS__)

typedef struct {
  H5E_auto2_t func;
  void *data;
} H5Quiet;

static void Quiet(H5Quiet *s)
{
  H5Eget_auto2(H5E_DEFAULT, &s->func, &s->data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static void Loud(H5Quiet *s) { H5Eset_auto2(H5E_DEFAULT, s->func, s->data); }

static PetscErrorCode WriteArray(MPI_Comm comm, hid_t file, const char name[], int rank, const hsize_t dims[], const PetscReal v[])
{
  hid_t space, dset;

  PetscFunctionBegin;
  space = H5Screate_simple(rank, dims, NULL);
  LGPH5Check(space, comm, "cannot create the dataspace of %s", name);
  dset = H5Dcreate2(file, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  LGPH5Check(dset, comm, "cannot create dataset %s", name);
  LGPH5Check(H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), comm, "cannot write dataset %s", name);
  H5Dclose(dset);
  H5Sclose(space);
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteAttrReals(MPI_Comm comm, hid_t obj, const char name[], PetscInt n, const PetscReal v[])
{
  hsize_t dim = (hsize_t)n;
  hid_t space, attr;

  PetscFunctionBegin;
  space = n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dim, NULL);
  attr  = H5Acreate2(obj, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT);
  LGPH5Check(attr, comm, "cannot create attribute %s", name);
  LGPH5Check(H5Awrite(attr, H5T_NATIVE_DOUBLE, v), comm, "cannot write attribute %s", name);
  H5Aclose(attr);
  H5Sclose(space);
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadAttrReals(MPI_Comm comm, const char file[], hid_t obj, const char name[], PetscInt n, PetscReal v[])
{
  hid_t attr, space, type;
  hssize_t count;

  PetscFunctionBegin;
  PetscCheck(H5Aexists(obj, name) > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: attribute '%s' is missing (expected %" PetscInt_FMT " real number%s)", file, name, n, n == 1 ? "" : "s");
  attr  = H5Aopen(obj, name, H5P_DEFAULT);
  space = H5Aget_space(attr);
  type  = H5Aget_type(attr);
  count = H5Sget_simple_extent_npoints(space);
  PetscCheck(H5Tget_class(type) == H5T_FLOAT || H5Tget_class(type) == H5T_INTEGER, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: attribute '%s': expected a number, found a non-numeric type", file, name);
  PetscCheck(count == (hssize_t)n, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: attribute '%s': expected %" PetscInt_FMT " value%s, found %lld", file, name, n, n == 1 ? "" : "s", (long long)count);
  PetscCheck(H5Aread(attr, H5T_NATIVE_DOUBLE, v) >= 0, comm, PETSC_ERR_FILE_READ, "%s: cannot read attribute '%s'", file, name);
  H5Tclose(type);
  H5Sclose(space);
  H5Aclose(attr);
  for (PetscInt i = 0; i < n; i++) PetscCheck(!PetscIsInfOrNanReal(v[i]), comm, PETSC_ERR_FILE_UNEXPECTED, "%s: attribute '%s': entry %" PetscInt_FMT " is %g", file, name, i, (double)v[i]);
  PetscFunctionReturn(0);
}

/* Reads a rank-`rank` float dataset; dims out; data allocated. Errors name everything. */
static PetscErrorCode ReadArray(MPI_Comm comm, const char file[], hid_t fid, const char name[], int rank, hsize_t dims[], PetscReal **v)
{
  hid_t dset, space, type;
  int r;
  size_t total = 1;

  PetscFunctionBegin;
  PetscCheck(H5Lexists(fid, name, H5P_DEFAULT) > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset '%s' is missing", file, name);
  dset = H5Dopen2(fid, name, H5P_DEFAULT);
  PetscCheck(dset >= 0, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: '%s' is not a dataset", file, name);
  type = H5Dget_type(dset);
  PetscCheck(H5Tget_class(type) == H5T_FLOAT, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset '%s': expected floating-point values, found HDF5 type class %d", file, name, (int)H5Tget_class(type));
  space = H5Dget_space(dset);
  r     = H5Sget_simple_extent_ndims(space);
  PetscCheck(r == rank, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset '%s': expected %d dimensions, found %d", file, name, rank, r);
  H5Sget_simple_extent_dims(space, dims, NULL);
  for (int i = 0; i < rank; i++) total *= dims[i];
  PetscCall(PetscMalloc1(total ? total : 1, v));
  PetscCheck(total == 0 || H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, *v) >= 0, comm, PETSC_ERR_FILE_READ, "%s: cannot read dataset '%s'", file, name);
  for (size_t i = 0; i < total; i++)
    PetscCheck(!PetscIsInfOrNanReal((*v)[i]), comm, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset '%s': entry %zu is %g (expected finite values)", file, name, i, (double)(*v)[i]);
  H5Sclose(space);
  H5Tclose(type);
  H5Dclose(dset);
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteTrajectories(MPI_Comm comm, hid_t f, PetscInt ntraj, PetscInt nsteps, PetscInt d, PetscReal h, const PetscReal q[], PetscInt m, const PetscReal u[])
{
  hsize_t dims[3] = {(hsize_t)ntraj, (hsize_t)nsteps, (hsize_t)d};

  PetscFunctionBegin;
  PetscCall(WriteArray(comm, f, "q", 3, dims, q));
  if (m) {
    dims[2] = (hsize_t)m;
    PetscCall(WriteArray(comm, f, "u", 3, dims, u));
  }
  PetscCall(WriteAttrReals(comm, f, "h", 1, &h));
  PetscFunctionReturn(0);
}

/*@C
  CfxLGPTrajectoryWrite - Writes /q [ntraj, nsteps, d], /u [ntraj, nsteps, m] when m > 0, and
  the root attribute h (float64). Collective; rank 0 writes NAME.tmp and renames it.
@*/
PetscErrorCode CfxLGPTrajectoryWrite(MPI_Comm comm, const char name[], PetscInt ntraj, PetscInt nsteps, PetscInt d, PetscReal h, const PetscReal q[], PetscInt m, const PetscReal u[],
                                     PetscBool overwrite)
{
  PetscMPIInt rank;
  char tmp[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCall(CfxOutputCheckWritable(comm, name, overwrite));
  PetscCall(CfxOutputTempName(name, tmp, sizeof(tmp)));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    LGPH5Check(f, PETSC_COMM_SELF, "%s: cannot create", tmp);
    PetscCall(WriteTrajectories(PETSC_COMM_SELF, f, ntraj, nsteps, d, h, q, m, u));
    PetscCall(CfxH5SetAttributeText(f, "created_by", "conflux lgp"));
    H5Fclose(f);
  }
  PetscCall(CfxOutputCommit(comm, name));
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadTrajectories(MPI_Comm comm, const char name[], hid_t f, PetscInt *ntraj, PetscInt *nsteps, PetscInt *d, PetscReal *h, PetscReal **q, PetscInt *m, PetscReal **u)
{
  hsize_t dq[3], du[3];

  PetscFunctionBegin;
  PetscCall(ReadArray(comm, name, f, "q", 3, dq, q));
  PetscCheck(dq[0] >= 1 && dq[1] >= 3 && dq[2] >= 1 && 2 * dq[2] <= CFX_LGP_MAX_DIM, comm, PETSC_ERR_FILE_UNEXPECTED,
             "%s: dataset 'q': expected shape [n_traj >= 1, n_steps >= 3, 1 <= d <= %d], found [%llu, %llu, %llu]", name, CFX_LGP_MAX_DIM / 2, (unsigned long long)dq[0], (unsigned long long)dq[1],
             (unsigned long long)dq[2]);
  *ntraj  = (PetscInt)dq[0];
  *nsteps = (PetscInt)dq[1];
  *d      = (PetscInt)dq[2];
  PetscCall(ReadAttrReals(comm, name, f, "h", 1, h));
  PetscCheck(*h > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: attribute 'h': expected a positive time step, found %g", name, (double)*h);
  *m = 0;
  *u = NULL;
  if (H5Lexists(f, "u", H5P_DEFAULT) > 0) {
    PetscCall(ReadArray(comm, name, f, "u", 3, du, u));
    PetscCheck(du[0] == dq[0] && du[1] == dq[1] && du[2] >= 1, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset 'u': expected shape [%llu, %llu, m >= 1] to match 'q', found [%llu, %llu, %llu]", name,
               (unsigned long long)dq[0], (unsigned long long)dq[1], (unsigned long long)du[0], (unsigned long long)du[1], (unsigned long long)du[2]);
    *m = (PetscInt)du[2];
  }
  PetscFunctionReturn(0);
}

/*@C
  CfxLGPTrajectoryRead - Reads and validates a trajectory file; q (and u, NULL when absent) are
  allocated with PetscMalloc and must be freed with PetscFree.
@*/
PetscErrorCode CfxLGPTrajectoryRead(MPI_Comm comm, const char name[], PetscInt *ntraj, PetscInt *nsteps, PetscInt *d, PetscReal *h, PetscReal **q, PetscInt *m, PetscReal **u)
{
  H5Quiet s;
  hid_t f;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  Quiet(&s);
  f = H5Fopen(name, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) Loud(&s);
  PetscCheck(f >= 0, comm, PETSC_ERR_FILE_OPEN, "%s: cannot open as an HDF5 file", name);
  ierr = ReadTrajectories(comm, name, f, ntraj, nsteps, d, h, q, m, u);
  H5Fclose(f);
  Loud(&s);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/*@C
  CfxLGPSave - Writes the model: /q, /u, /B and attributes kind = "conflux-lgp", model, ell,
  sf, noise, gauge, gauge_point, gauge_value, gauge_momentum, jitter, jitter_max,
  narx_extrapolate, and with the dissipation GP dissipation_ell, dissipation_sf. Collective; rank 0 writes.
@*/
PetscErrorCode CfxLGPSave(CfxLGP lgp, const char name[], PetscBool overwrite)
{
  PetscMPIInt rank;
  char tmp[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCheck(lgp->q, lgp->comm, PETSC_ERR_ORDER, "CfxLGPSave: the model has no data");
  PetscCheck(!lgp->meanFn, lgp->comm, PETSC_ERR_SUP, "CfxLGPSave: a model with a prior mean function (a C callback) cannot be saved");
  PetscCall(CfxOutputCheckWritable(lgp->comm, name, overwrite));
  PetscCall(CfxOutputTempName(name, tmp, sizeof(tmp)));
  PetscCallMPI(MPI_Comm_rank(lgp->comm, &rank));
  if (rank == 0) {
    const PetscInt D = 2 * lgp->d;
    PetscReal sf = PetscSqrtReal(lgp->kern.sf2), jit[2] = {lgp->jitter0, lgp->jitterMax}, narx = lgp->narxExtrapolate ? 1 : 0;
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    LGPH5Check(f, PETSC_COMM_SELF, "%s: cannot create", tmp);
    PetscCall(WriteTrajectories(PETSC_COMM_SELF, f, lgp->ntraj, lgp->nsteps, lgp->d, lgp->h, lgp->q, lgp->m, lgp->u));
    if (lgp->m) {
      hsize_t db[2] = {(hsize_t)lgp->d, (hsize_t)lgp->m};
      PetscCall(WriteArray(PETSC_COMM_SELF, f, "B", 2, db, lgp->B));
    }
    PetscCall(CfxH5SetAttributeText(f, "kind", "conflux-lgp"));
    PetscCall(CfxH5SetAttributeText(f, "model", CfxLGPModels[lgp->model]));
    PetscCall(CfxH5SetAttributeText(f, "gauge", CfxLGPGauges[lgp->gauge]));
    PetscCall(WriteAttrReals(PETSC_COMM_SELF, f, "ell", D, lgp->kern.ell));
    PetscCall(WriteAttrReals(PETSC_COMM_SELF, f, "sf", 1, &sf));
    PetscCall(WriteAttrReals(PETSC_COMM_SELF, f, "noise", 1, &lgp->noise));
    PetscCall(WriteAttrReals(PETSC_COMM_SELF, f, "gauge_point", D, lgp->zb));
    PetscCall(WriteAttrReals(PETSC_COMM_SELF, f, "gauge_value", 1, &lgp->Lb));
    PetscCall(WriteAttrReals(PETSC_COMM_SELF, f, "gauge_momentum", lgp->d, lgp->pb));
    PetscCall(WriteAttrReals(PETSC_COMM_SELF, f, "jitter", 2, jit));
    PetscCall(WriteAttrReals(PETSC_COMM_SELF, f, "narx_extrapolate", 1, &narx));
    if (lgp->dissipation) {
      const PetscReal sfR = PetscSqrtReal(lgp->kernR.sf2);
      PetscCall(WriteAttrReals(PETSC_COMM_SELF, f, "dissipation_ell", lgp->d, lgp->kernR.ell));
      PetscCall(WriteAttrReals(PETSC_COMM_SELF, f, "dissipation_sf", 1, &sfR));
    }
    H5Fclose(f);
  }
  PetscCall(CfxOutputCommit(lgp->comm, name));
  PetscFunctionReturn(0);
}

static PetscErrorCode LoadFrom(MPI_Comm comm, const char name[], hid_t f, CfxLGP *out)
{
  PetscInt ntraj, nsteps, d, m, model, gauge;
  PetscReal h, *q = NULL, *u = NULL, *B = NULL, ell[CFX_LGP_MAX_DIM], sf, noise, zb[CFX_LGP_MAX_DIM], Lb, pb[CFX_LGP_MAX_DIM], jit[2], narx;
  char text[64];
  PetscBool found, match;
  CfxLGP lgp;

  PetscFunctionBegin;
  PetscCall(CfxH5GetAttributeText(f, "kind", text, sizeof(text), &found));
  PetscCheck(found && !strcmp(text, "conflux-lgp"), comm, PETSC_ERR_FILE_UNEXPECTED, "%s: attribute 'kind': expected \"conflux-lgp\", found %s%s%s", name, found ? "\"" : "", found ? text : "none",
             found ? "\"" : "");
  PetscCall(CfxH5GetAttributeText(f, "model", text, sizeof(text), &found));
  PetscCall(PetscEListFind(3, CfxLGPModels, text, &model, &match));
  PetscCheck(found && match, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: attribute 'model': expected dlgp, clgp or narx, found \"%s\"", name, found ? text : "");
  PetscCall(CfxH5GetAttributeText(f, "gauge", text, sizeof(text), &found));
  PetscCall(PetscEListFind(4, CfxLGPGauges, text, &gauge, &match));
  PetscCheck(found && match, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: attribute 'gauge': expected none, value, momentum or both, found \"%s\"", name, found ? text : "");
  PetscCall(ReadTrajectories(comm, name, f, &ntraj, &nsteps, &d, &h, &q, &m, &u));
  if (m) {
    hsize_t db[2];
    PetscCall(ReadArray(comm, name, f, "B", 2, db, &B));
    PetscCheck(db[0] == (hsize_t)d && db[1] == (hsize_t)m, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset 'B': expected shape [%" PetscInt_FMT ", %" PetscInt_FMT "], found [%llu, %llu]", name, d, m,
               (unsigned long long)db[0], (unsigned long long)db[1]);
  }
  PetscCall(ReadAttrReals(comm, name, f, "ell", 2 * d, ell));
  PetscCall(ReadAttrReals(comm, name, f, "sf", 1, &sf));
  PetscCall(ReadAttrReals(comm, name, f, "noise", 1, &noise));
  PetscCall(ReadAttrReals(comm, name, f, "gauge_point", 2 * d, zb));
  PetscCall(ReadAttrReals(comm, name, f, "gauge_value", 1, &Lb));
  PetscCall(ReadAttrReals(comm, name, f, "gauge_momentum", d, pb));
  PetscCall(ReadAttrReals(comm, name, f, "jitter", 2, jit));
  PetscCall(ReadAttrReals(comm, name, f, "narx_extrapolate", 1, &narx));
  PetscCall(CfxLGPCreate(comm, &lgp));
  PetscCall(CfxLGPSetData(lgp, ntraj, nsteps, d, h, q, m, u));
  if (m) PetscCall(CfxLGPSetInputMatrix(lgp, B));
  PetscCall(CfxLGPSetModel(lgp, (CfxLGPModel)model));
  PetscCall(CfxLGPSetLengthScales(lgp, ell));
  PetscCall(CfxLGPSetSignalStd(lgp, sf));
  PetscCall(CfxLGPSetNoiseStd(lgp, noise));
  PetscCall(CfxLGPSetGauge(lgp, (CfxLGPGauge)gauge, zb, Lb, pb));
  PetscCall(CfxLGPSetJitter(lgp, jit[0], jit[1]));
  PetscCall(CfxLGPSetNARXExtrapolate(lgp, narx != 0 ? PETSC_TRUE : PETSC_FALSE));
  if (H5Aexists(f, "dissipation_sf") > 0) { /* models with the dissipation GP */
    PetscReal ellR[CFX_LGP_MAX_DIM], sfR;
    PetscCall(ReadAttrReals(comm, name, f, "dissipation_ell", d, ellR));
    PetscCall(ReadAttrReals(comm, name, f, "dissipation_sf", 1, &sfR));
    PetscCheck(sfR > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: attribute 'dissipation_sf': expected > 0, found %g", name, (double)sfR);
    for (PetscInt j = 0; j < d; j++) PetscCheck(ellR[j] > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: attribute 'dissipation_ell': expected > 0, found %g at %" PetscInt_FMT, name, (double)ellR[j], j);
    PetscCall(CfxLGPSetDissipation(lgp, PETSC_TRUE, ellR, sfR));
  }
  PetscCall(PetscFree(q));
  PetscCall(PetscFree(u));
  PetscCall(PetscFree(B));
  *out = lgp;
  PetscFunctionReturn(0);
}

/*@C
  CfxLGPLoad - Reads a model written by CfxLGPSave() and sets it up (assembly and factorisation
  at the stored hyperparameters).
@*/
PetscErrorCode CfxLGPLoad(MPI_Comm comm, const char name[], CfxLGP *lgp)
{
  H5Quiet s;
  hid_t f;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscValidPointer(lgp, 3);
  *lgp = NULL;
  Quiet(&s);
  f = H5Fopen(name, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) Loud(&s);
  PetscCheck(f >= 0, comm, PETSC_ERR_FILE_OPEN, "%s: cannot open as an HDF5 file", name);
  ierr = LoadFrom(comm, name, f, lgp);
  H5Fclose(f);
  Loud(&s);
  PetscCall(ierr);
  PetscCall(CfxLGPSetUp(*lgp));
  PetscFunctionReturn(0);
}
