static const char help[] = "Tests LGP files: trajectory and model round trips (the reloaded model predicts the same),\n"
                           "and clear errors on bad trajectory files (missing, wrong rank, mismatched u, missing or bad h,\n"
                           "non-finite values) that name the file, dataset, expected and found values.\n";

#include "lgptest.h"
#include <hdf5.h>

static PetscErrorCode WriteBad(const char *name, int qrank, const hsize_t *qdims, PetscBool withU, const hsize_t *udims, PetscBool withH, PetscReal h, PetscBool nan)
{
  hid_t f = H5Fcreate(name, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), s, ds;
  PetscReal buf[512];

  PetscFunctionBeginUser;
  for (int i = 0; i < 512; i++) buf[i] = 0.01 * i;
  if (nan) buf[5] = NAN;
  if (qrank) {
    s  = H5Screate_simple(qrank, qdims, NULL);
    ds = H5Dcreate2(f, "q", H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    H5Dclose(ds);
    H5Sclose(s);
  }
  if (withU) {
    s  = H5Screate_simple(3, udims, NULL);
    ds = H5Dcreate2(f, "u", H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    H5Dclose(ds);
    H5Sclose(s);
  }
  if (withH) {
    hid_t a;
    s = H5Screate(H5S_SCALAR);
    a = H5Acreate2(f, "h", H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_DOUBLE, &h);
    H5Aclose(a);
    H5Sclose(s);
  }
  H5Fclose(f);
  PetscFunctionReturn(0);
}

/* Reading `name` must fail with a message containing every string in want[]. */
static PetscErrorCode ExpectError(const char *name, const char *const want[])
{
  PetscInt nt, ns, d, m;
  PetscReal h, *q = NULL, *u = NULL;
  PetscErrorCode ierr;
  const char *text;
  char *specific;

  PetscFunctionBeginUser;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = CfxLGPTrajectoryRead(PETSC_COMM_SELF, name, &nt, &ns, &d, &h, &q, &m, &u);
  PetscCall(PetscPopErrorHandler());
  PetscCheck(ierr, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: a bad file was accepted", name);
  PetscCall(PetscFree(q));
  PetscCall(PetscFree(u));
  PetscErrorMessage(ierr, &text, &specific);
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %s -> %s\n", name, specific));
  for (int i = 0; want[i]; i++) PetscCheck(strstr(specific, want[i]), PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: error message '%s' lacks '%s'", name, specific, want[i]);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscReal th[2] = {0.5, 1.0}, q[40], h = 0.1, *qr, *ur, hr, Q1[51], Q2[51], S1[51], S2[51], u[40], diff = 0;
  PetscInt nt, ns, d, m;
  CfxLGP lgp, lgp2;

  PetscFunctionBeginUser;
  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  /* round trip of a trajectory file with inputs */
  PetscCall(LGPTestPendulum(2, th, 20, h, q));
  for (int i = 0; i < 40; i++) u[i] = 0.01 * (i % 7);
  PetscCall(CfxLGPTrajectoryWrite(PETSC_COMM_SELF, "lgp_traj.h5", 2, 20, 1, h, q, 1, u, PETSC_TRUE));
  PetscCall(CfxLGPTrajectoryRead(PETSC_COMM_SELF, "lgp_traj.h5", &nt, &ns, &d, &hr, &qr, &m, &ur));
  PetscCheck(nt == 2 && ns == 20 && d == 1 && m == 1 && hr == h, PETSC_COMM_SELF, PETSC_ERR_PLIB, "trajectory round trip: sizes %d %d %d %d h %g", (int)nt, (int)ns, (int)d, (int)m, (double)hr);
  for (int i = 0; i < 40; i++) PetscCheck(qr[i] == q[i] && ur[i] == u[i], PETSC_COMM_SELF, PETSC_ERR_PLIB, "trajectory round trip: entry %d differs", i);
  PetscCall(PetscFree(qr));
  PetscCall(PetscFree(ur));
  /* model round trip: the reloaded model rolls out identically */
  PetscCall(CfxLGPCreate(PETSC_COMM_SELF, &lgp));
  PetscCall(CfxLGPSetData(lgp, 2, 20, 1, h, q, 0, NULL));
  PetscCall(CfxLGPSetModel(lgp, CFX_LGP_CLGP));
  {
    PetscReal ell[2] = {1.5, 2.5};
    PetscCall(CfxLGPSetLengthScales(lgp, ell));
  }
  PetscCall(CfxLGPSetUp(lgp));
  PetscCall(CfxLGPSave(lgp, "lgp_model.h5", PETSC_TRUE));
  PetscCall(CfxLGPLoad(PETSC_COMM_SELF, "lgp_model.h5", &lgp2));
  PetscCall(CfxLGPRollout(lgp, &q[0], &q[1], 50, NULL, Q1, S1, NULL));
  PetscCall(CfxLGPRollout(lgp2, &q[0], &q[1], 50, NULL, Q2, S2, NULL));
  for (int k = 0; k <= 50; k++) diff = PetscMax(diff, PetscMax(PetscAbsReal(Q1[k] - Q2[k]), PetscAbsReal(S1[k] - S2[k])));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "model round trip: max difference of 50-step rollouts (mean, std) %.1e\n", (double)diff));
  PetscCheck(diff == 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "reloaded model differs by %g", (double)diff);
  PetscCall(CfxLGPDestroy(&lgp));
  PetscCall(CfxLGPDestroy(&lgp2));
  /* the same with inputs and the dissipation GP (its settings are attributes of the file); the inputs
     are arbitrary, not the data's forcing, so the model is only rolled out over 20 steps */
  {
    PetscReal ellR = 1.7, ellR2, sfR2, uu[51];
    PetscBool dis2;
    for (int k = 0; k <= 50; k++) uu[k] = 0.01 * (k % 7);
    PetscCall(CfxLGPCreate(PETSC_COMM_SELF, &lgp));
    PetscCall(CfxLGPSetData(lgp, 2, 20, 1, h, q, 1, u));
    PetscCall(CfxLGPSetDissipation(lgp, PETSC_TRUE, &ellR, 0.2));
    PetscCall(CfxLGPSetUp(lgp));
    PetscCall(CfxLGPSave(lgp, "lgp_model_dis.h5", PETSC_TRUE));
    PetscCall(CfxLGPLoad(PETSC_COMM_SELF, "lgp_model_dis.h5", &lgp2));
    PetscCall(CfxLGPGetDissipation(lgp2, &dis2, &ellR2, &sfR2));
    PetscCheck(dis2 && ellR2 == ellR && PetscAbsReal(sfR2 - 0.2) <= 1e-15, PETSC_COMM_SELF, PETSC_ERR_PLIB, "dissipation settings not restored: %d %g %g", (int)dis2, (double)ellR2, (double)sfR2);
    PetscCall(CfxLGPRollout(lgp, &q[0], &q[1], 20, uu, Q1, S1, NULL));
    PetscCall(CfxLGPRollout(lgp2, &q[0], &q[1], 20, uu, Q2, S2, NULL));
    diff = 0;
    for (int k = 0; k <= 20; k++) diff = PetscMax(diff, PetscMax(PetscAbsReal(Q1[k] - Q2[k]), PetscAbsReal(S1[k] - S2[k])));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "model round trip with inputs and dissipation GP: max difference of 20-step rollouts (mean, std) %.1e\n", (double)diff));
    PetscCheck(diff == 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "reloaded dissipation model differs by %g", (double)diff);
    PetscCall(CfxLGPDestroy(&lgp));
    PetscCall(CfxLGPDestroy(&lgp2));
  }
  /* bad files */
  {
    const hsize_t q3[3] = {2, 10, 1}, q2[2] = {2, 10}, ubad[3] = {2, 9, 1}, qshort[3] = {2, 2, 1};
    PetscCall(ExpectError("lgp_missing_file.h5", (const char *const[]){"lgp_missing_file.h5", "cannot open", NULL}));
    PetscCall(WriteBad("lgp_bad_noq.h5", 0, NULL, PETSC_FALSE, NULL, PETSC_TRUE, 0.1, PETSC_FALSE));
    PetscCall(ExpectError("lgp_bad_noq.h5", (const char *const[]){"lgp_bad_noq.h5", "'q'", "missing", NULL}));
    PetscCall(WriteBad("lgp_bad_rank.h5", 2, q2, PETSC_FALSE, NULL, PETSC_TRUE, 0.1, PETSC_FALSE));
    PetscCall(ExpectError("lgp_bad_rank.h5", (const char *const[]){"lgp_bad_rank.h5", "'q'", "expected 3 dimensions, found 2", NULL}));
    PetscCall(WriteBad("lgp_bad_short.h5", 3, qshort, PETSC_FALSE, NULL, PETSC_TRUE, 0.1, PETSC_FALSE));
    PetscCall(ExpectError("lgp_bad_short.h5", (const char *const[]){"'q'", "n_steps >= 3", "found [2, 2, 1]", NULL}));
    PetscCall(WriteBad("lgp_bad_u.h5", 3, q3, PETSC_TRUE, ubad, PETSC_TRUE, 0.1, PETSC_FALSE));
    PetscCall(ExpectError("lgp_bad_u.h5", (const char *const[]){"'u'", "[2, 10, m >= 1]", "found [2, 9, 1]", NULL}));
    PetscCall(WriteBad("lgp_bad_noh.h5", 3, q3, PETSC_FALSE, NULL, PETSC_FALSE, 0.1, PETSC_FALSE));
    PetscCall(ExpectError("lgp_bad_noh.h5", (const char *const[]){"attribute 'h'", "missing", NULL}));
    PetscCall(WriteBad("lgp_bad_h.h5", 3, q3, PETSC_FALSE, NULL, PETSC_TRUE, -0.1, PETSC_FALSE));
    PetscCall(ExpectError("lgp_bad_h.h5", (const char *const[]){"attribute 'h'", "positive", "-0.1", NULL}));
    PetscCall(WriteBad("lgp_bad_nan.h5", 3, q3, PETSC_FALSE, NULL, PETSC_TRUE, 0.1, PETSC_TRUE));
    PetscCall(ExpectError("lgp_bad_nan.h5", (const char *const[]){"'q'", "entry 5", "nan", NULL}));
  }
  PetscCall(CfxFinalize());
  return 0;
}
