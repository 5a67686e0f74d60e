static const char help[] = "Pendulum trajectories with SUNDIALS CVODE through CfxODE.\n"
                           "Sample i is released at rest from theta0_i = theta_max (i + 1) / nsamples; the samples are\n"
                           "divided among the MPI ranks. Each period is measured from the zero crossings of theta\n"
                           "(CVODE root finding) and compared with T = 4 sqrt(l/g) K(sin(theta0/2)), K by the\n"
                           "arithmetic-geometric mean. Writes an HDF5 file and an XDMF sidecar (ParaView shows the bobs).\n\n"
                           "  -nsamples <n>      number of pendulums (default 8)\n"
                           "  -theta_max <rad>   largest release angle (default 3.0)\n"
                           "  -length <l>, -gravity <g>   (default 1, 9.81)\n"
                           "  -t_final <T>, -nt <frames including t = 0>   (default 10, 201)\n"
                           "  -o <file.h5>       output (default pendulum.h5; written as file.h5.tmp, then renamed)\n"
                           "  -ode_*             CfxODE options (defaults here: adams, rtol 1e-13, atol 1e-15)\n";

#include <conflux/conflux.h>
#include <hdf5.h>
#include <stdio.h>
#include <string.h>

/* K(k) = pi / (2 AGM(1, sqrt(1 - k^2))). */
static PetscReal EllipticK(PetscReal k)
{
  PetscReal a = 1, b = PetscSqrtReal(1 - k * k);

  for (int i = 0; i < 40 && PetscAbsReal(a - b) > 1e-16 * a; i++) {
    const PetscReal an = 0.5 * (a + b);
    b                  = PetscSqrtReal(a * b);
    a                  = an;
  }
  return PETSC_PI / (2 * a);
}

static PetscErrorCode Angle(PetscReal t, const PetscReal y[], PetscReal g[], void *ctx)
{
  g[0] = y[0];
  return 0;
}

/* Period from the first and third zero crossings of theta (T/4 and 5T/4 after release). */
static PetscErrorCode MeasurePeriod(CfxODE ode, PetscReal theta0, PetscReal tmax, PetscReal *T)
{
  PetscReal y0[2] = {theta0, 0}, y[2], t = 0, cross[3];
  PetscInt root;

  PetscFunctionBeginUser;
  PetscCall(CfxODESetInitialCondition(ode, 0, y0));
  for (int c = 0; c < 3; c++) {
    PetscCall(CfxODEIntegrate(ode, tmax, &t, y, &root));
    PetscCheck(root == 0, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "theta0 = %g: no zero crossing before t = %g", (double)theta0, (double)tmax);
    cross[c] = t;
  }
  *T = cross[2] - cross[0];
  PetscFunctionReturn(0);
}

#define H5Call(call, what) PetscCheck((call) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "HDF5 failed to %s in %s", what, tmp)

/* Rank 0 writes: tensor [ns, nt, 2] (theta, theta'), t-coordinate [nt], params [ns, 1]
   (theta0), energy [ns, nt], period and period_agm [ns], bob [nt, ns, 3] (positions, for the
   XDMF view), as file.tmp renamed to file on success. */
static PetscErrorCode WriteHDF5(const char *file, PetscInt ns, PetscInt nt, const PetscReal *Y, const PetscReal *t, const PetscReal *theta0, const PetscReal *E, const PetscReal *T,
                                const PetscReal *Tagm, PetscReal l, PetscReal g)
{
  char tmp[PETSC_MAX_PATH_LEN];
  hid_t f, s, d, a, st;
  hsize_t dims[3];
  PetscReal *bob;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp", file));
  f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  H5Call(f, "create the file");
  PetscCall(PetscMalloc1(nt * ns * 3, &bob));
  for (PetscInt i = 0; i < ns; i++)
    for (PetscInt k = 0; k < nt; k++) {
      const PetscReal th        = Y[(i * nt + k) * 2];
      bob[(k * ns + i) * 3 + 0] = l * PetscSinReal(th);
      bob[(k * ns + i) * 3 + 1] = -l * PetscCosReal(th);
      bob[(k * ns + i) * 3 + 2] = 0;
    }
  {
    const struct {
      const char *name;
      int rank;
      hsize_t d0, d1, d2;
      const PetscReal *data;
    } sets[] = {
        {"tensor", 3, (hsize_t)ns, (hsize_t)nt, 2, Y}, {"t-coordinate", 1, (hsize_t)nt, 0, 0, t},  {"params", 2, (hsize_t)ns, 1, 0, theta0},     {"energy", 2, (hsize_t)ns, (hsize_t)nt, 0, E},
        {"period", 1, (hsize_t)ns, 0, 0, T},           {"period_agm", 1, (hsize_t)ns, 0, 0, Tagm}, {"bob", 3, (hsize_t)nt, (hsize_t)ns, 3, bob},
    };
    for (size_t q = 0; q < sizeof(sets) / sizeof(sets[0]); q++) {
      dims[0] = sets[q].d0;
      dims[1] = sets[q].d1;
      dims[2] = sets[q].d2;
      s       = H5Screate_simple(sets[q].rank, dims, NULL);
      H5Call(s, "create a dataspace");
      d = H5Dcreate2(f, sets[q].name, H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      H5Call(d, sets[q].name);
      H5Call(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, sets[q].data), sets[q].name);
      if (!strcmp(sets[q].name, "params")) {
        hid_t as = H5Screate(H5S_SCALAR);
        st       = H5Tcopy(H5T_C_S1);
        H5Call(H5Tset_size(st, 6), "size a string");
        a = H5Acreate2(d, "param_names", st, as, H5P_DEFAULT, H5P_DEFAULT);
        H5Call(H5Awrite(a, st, "theta0"), "write param_names");
        H5Aclose(a);
        H5Tclose(st);
        H5Sclose(as);
      }
      H5Dclose(d);
      H5Sclose(s);
    }
  }
  {
    const struct {
      const char *name;
      const char *value;
    } attrs[] = {
        {"system", "pendulum"},
        {"state", "theta, dtheta/dt (positions then velocities)"},
        {"created_by", "conflux examples/pendulum"},
        {"energy", "m l^2 w^2/2 + m g l (1 - cos theta), m = 1"},
        {"period", "from the zero crossings of theta; period_agm = 4 sqrt(l/g) K(sin(theta0/2)) by the AGM"},
    };
    PetscReal lg[2] = {l, g};
    hid_t as        = H5Screate(H5S_SCALAR);
    for (size_t q = 0; q < sizeof(attrs) / sizeof(attrs[0]); q++) {
      st = H5Tcopy(H5T_C_S1);
      H5Call(H5Tset_size(st, strlen(attrs[q].value)), "size a string");
      a = H5Acreate2(f, attrs[q].name, st, as, H5P_DEFAULT, H5P_DEFAULT);
      H5Call(H5Awrite(a, st, attrs[q].value), attrs[q].name);
      H5Aclose(a);
      H5Tclose(st);
    }
    for (int q = 0; q < 2; q++) {
      a = H5Acreate2(f, q ? "gravity" : "length", H5T_IEEE_F64LE, as, H5P_DEFAULT, H5P_DEFAULT);
      H5Call(H5Awrite(a, H5T_NATIVE_DOUBLE, &lg[q]), "write a parameter");
      H5Aclose(a);
    }
    H5Sclose(as);
  }
  H5Call(H5Fclose(f), "close the file");
  PetscCheck(!rename(tmp, file), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "could not rename %s to %s", tmp, file);
  PetscCall(PetscFree(bob));
  PetscFunctionReturn(0);
}

/* XDMF: a temporal collection of point clouds (one point per pendulum bob) whose geometry
   and theta are hyperslabs of the HDF5 datasets, so ParaView animates the swinging bobs. */
static PetscErrorCode WriteXDMF(const char *file, PetscInt ns, PetscInt nt, const PetscReal *t)
{
  char xmf[PETSC_MAX_PATH_LEN];
  const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
  FILE *fp;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(xmf, sizeof(xmf), "%s.xmf", file));
  fp = fopen(xmf, "w");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write %s", xmf);
  fprintf(fp, "<?xml version=\"1.0\" ?>\n<Xdmf Version=\"3.0\">\n <Domain>\n  <Grid Name=\"pendulum\" GridType=\"Collection\" CollectionType=\"Temporal\">\n");
  for (PetscInt k = 0; k < nt; k++) {
    fprintf(fp, "   <Grid Name=\"frame %d\" GridType=\"Uniform\">\n    <Time Value=\"%.17g\"/>\n", (int)k, (double)t[k]);
    fprintf(fp, "    <Topology TopologyType=\"Polyvertex\" NumberOfElements=\"%d\"/>\n", (int)ns);
    fprintf(fp, "    <Geometry GeometryType=\"XYZ\">\n     <DataItem ItemType=\"HyperSlab\" Dimensions=\"%d 3\">\n", (int)ns);
    fprintf(fp, "      <DataItem Dimensions=\"3 3\" Format=\"XML\">%d 0 0 1 1 1 1 %d 3</DataItem>\n", (int)k, (int)ns);
    fprintf(fp, "      <DataItem Dimensions=\"%d %d 3\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:/bob</DataItem>\n     </DataItem>\n    </Geometry>\n", (int)nt, (int)ns, base);
    fprintf(fp, "    <Attribute Name=\"theta\" AttributeType=\"Scalar\" Center=\"Node\">\n     <DataItem ItemType=\"HyperSlab\" Dimensions=\"%d\">\n", (int)ns);
    fprintf(fp, "      <DataItem Dimensions=\"3 3\" Format=\"XML\">0 %d 0 1 1 1 %d 1 1</DataItem>\n", (int)k, (int)ns);
    fprintf(fp, "      <DataItem Dimensions=\"%d %d 2\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:/tensor</DataItem>\n     </DataItem>\n    </Attribute>\n   </Grid>\n", (int)ns, (int)nt,
            base);
  }
  fprintf(fp, "  </Grid>\n </Domain>\n</Xdmf>\n");
  PetscCheck(!fclose(fp), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "error closing %s", xmf);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscInt ns = 8, nt = 201, lo, hi, nloc;
  PetscReal thetaMax = 3.0, l = 1.0, g = 9.81, tFinal = 10, worst = 0, worstAll;
  PetscReal *t, *theta0, *Y, *E, *T, *Tagm;
  char file[PETSC_MAX_PATH_LEN] = "pendulum.h5";
  PetscMPIInt rank, size;
  CfxODE ode;

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "Pendulum example", NULL);
  PetscCall(PetscOptionsInt("-nsamples", "Number of pendulums", NULL, ns, &ns, NULL));
  PetscCall(PetscOptionsReal("-theta_max", "Largest release angle (rad)", NULL, thetaMax, &thetaMax, NULL));
  PetscCall(PetscOptionsReal("-length", "Pendulum length", NULL, l, &l, NULL));
  PetscCall(PetscOptionsReal("-gravity", "Gravity", NULL, g, &g, NULL));
  PetscCall(PetscOptionsReal("-t_final", "Final time", NULL, tFinal, &tFinal, NULL));
  PetscCall(PetscOptionsInt("-nt", "Frames, including t = 0", NULL, nt, &nt, NULL));
  PetscCall(PetscOptionsString("-o", "Output HDF5 file", NULL, file, file, sizeof(file), NULL));
  PetscOptionsEnd();
  PetscCheck(ns >= 1 && nt >= 2 && tFinal > 0 && thetaMax > 0 && thetaMax < PETSC_PI, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
             "need nsamples >= 1, nt >= 2, t_final > 0 and 0 < theta_max < pi; found %" PetscInt_FMT ", %" PetscInt_FMT ", %g, %g", ns, nt, (double)tFinal, (double)thetaMax);

  /* Contiguous blocks of samples per rank; sample i depends only on i. */
  lo   = (ns * rank) / size;
  hi   = (ns * (rank + 1)) / size;
  nloc = hi - lo;
  PetscCall(PetscMalloc6(nt, &t, ns, &theta0, ns * nt * 2, &Y, ns * nt, &E, ns, &T, ns, &Tagm));
  for (PetscInt k = 0; k < nt; k++) t[k] = tFinal * k / (nt - 1);
  for (PetscInt i = 0; i < ns; i++) {
    theta0[i] = thetaMax * (i + 1) / ns;
    Tagm[i]   = 4 * PetscSqrtReal(l / g) * EllipticK(PetscSinReal(0.5 * theta0[i]));
  }

  PetscCall(CfxODECreate(PETSC_COMM_SELF, &ode));
  PetscCall(CfxODESetPendulum(ode, 1.0, l, g));
  PetscCall(CfxODESetMethod(ode, CFX_ODE_ADAMS));
  PetscCall(CfxODESetTolerances(ode, 1e-13, 1e-15));
  PetscCall(CfxODESetMaxSteps(ode, 100000));
  PetscCall(CfxODESetRootFunction(ode, 1, Angle, NULL));
  PetscCall(CfxODESetFromOptions(ode));
  for (PetscInt i = lo; i < hi; i++) {
    PetscReal y0[2] = {theta0[i], 0};

    PetscCall(MeasurePeriod(ode, theta0[i], 10 * Tagm[i], &T[i]));
    PetscCall(CfxODESolve(ode, 0, y0, nt, t, Y + i * nt * 2));
    for (PetscInt k = 0; k < nt; k++) PetscCall(CfxODEEnergy(ode, t[k], Y + (i * nt + k) * 2, &E[i * nt + k]));
    worst = PetscMax(worst, PetscAbsReal(T[i] - Tagm[i]));
  }
  if (rank == 0) PetscCall(CfxODEView(ode, NULL));
  PetscCall(CfxODEDestroy(&ode));

  /* Gather every rank's samples on rank 0 (blocks are contiguous, so offsets follow lo). */
  {
    PetscMPIInt *cnt, *dsp, *cnt2, *dsp2, *cnt1, *dsp1;
    PetscCall(PetscMalloc6(size, &cnt, size, &dsp, size, &cnt2, size, &dsp2, size, &cnt1, size, &dsp1));
    for (PetscMPIInt r = 0; r < size; r++) {
      const PetscInt a = (ns * r) / size, b = (ns * (r + 1)) / size;
      cnt2[r] = (PetscMPIInt)((b - a) * nt * 2);
      dsp2[r] = (PetscMPIInt)(a * nt * 2);
      cnt[r]  = (PetscMPIInt)((b - a) * nt);
      dsp[r]  = (PetscMPIInt)(a * nt);
      cnt1[r] = (PetscMPIInt)(b - a);
      dsp1[r] = (PetscMPIInt)a;
    }
    PetscCallMPI(MPI_Gatherv(rank ? Y + lo * nt * 2 : MPI_IN_PLACE, (PetscMPIInt)(nloc * nt * 2), MPIU_REAL, Y, cnt2, dsp2, MPIU_REAL, 0, PETSC_COMM_WORLD));
    PetscCallMPI(MPI_Gatherv(rank ? E + lo * nt : MPI_IN_PLACE, (PetscMPIInt)(nloc * nt), MPIU_REAL, E, cnt, dsp, MPIU_REAL, 0, PETSC_COMM_WORLD));
    PetscCallMPI(MPI_Gatherv(rank ? T + lo : MPI_IN_PLACE, (PetscMPIInt)nloc, MPIU_REAL, T, cnt1, dsp1, MPIU_REAL, 0, PETSC_COMM_WORLD));
    PetscCall(PetscFree6(cnt, dsp, cnt2, dsp2, cnt1, dsp1));
  }
  PetscCallMPI(MPI_Allreduce(&worst, &worstAll, 1, MPIU_REAL, MPI_MAX, PETSC_COMM_WORLD));
  if (rank == 0) {
    PetscReal drift = 0;
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "%" PetscInt_FMT " pendulums (l = %g, g = %g) on %d rank(s):\n  theta0      period (CVODE roots)   period (AGM formula)   difference\n", ns, (double)l,
                          (double)g, size));
    for (PetscInt i = 0; i < ns; i++) {
      for (PetscInt k = 0; k < nt; k++) drift = PetscMax(drift, PetscAbsReal(E[i * nt + k] - E[i * nt]) / E[i * nt]);
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %-10.6f  %.15f    %.15f    %.2e\n", (double)theta0[i], (double)T[i], (double)Tagm[i], (double)(T[i] - Tagm[i])));
    }
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "max |period - AGM| = %.2e, max relative energy drift = %.2e\n", (double)worstAll, (double)drift));
    PetscCall(WriteHDF5(file, ns, nt, Y, t, theta0, E, T, Tagm, l, g));
    PetscCall(WriteXDMF(file, ns, nt, t));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "wrote %s (tensor [%" PetscInt_FMT ", %" PetscInt_FMT ", 2]) and %s.xmf\n", file, ns, nt, file));
  }
  PetscCheck(worstAll <= 1e-9, PETSC_COMM_WORLD, PETSC_ERR_NOT_CONVERGED, "period differs from the AGM formula by %g > 1e-9", (double)worstAll);
  PetscCall(PetscFree6(t, theta0, Y, E, T, Tagm));
  PetscCall(CfxFinalize());
  return 0;
}
