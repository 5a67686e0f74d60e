static const char help[] = "Viscous Burgers u_t + (u^2/2)_x = nu u_xx on [0, 1): finite volumes (CfxFV, parallel DMDA)\n"
                           "against the pseudo-spectral reference (CfxSpectralBurgers, run on every rank).\n"
                           "The initial datum is a Gaussian random field sample (CfxIC). The FV cell averages at\n"
                           "t_final are compared with the exact cell averages of the spectral solution (its Fourier\n"
                           "series integrated over each cell) on a sequence of grids; the L1 error falls at second\n"
                           "order for MUSCL. Writes HDF5 and an XDMF sidecar for the finest grid.\n\n"
                           "  -nu <nu>            viscosity (default 0.02)\n"
                           "  -t_final <T>        (default 0.3)\n"
                           "  -n_coarse <N>, -levels <L>   FV grids N, 2N, ..., 2^(L-1) N cells (default 64, 4)\n"
                           "  -n_ref <N>          spectral grid (default 1536)\n"
                           "  -seed <s>, -ic_*    initial data (CfxIC options; default GRF, length 0.1, std 1)\n"
                           "  -o <file.h5>        output (default viscous_burgers.h5)\n"
                           "  -fv_*, -spectral_*  solver options (FV default here: MUSCL-MC, Rusanov, SSP-RK3)\n";

#include <conflux/conflux.h>
#include <hdf5.h>
#include <stdio.h>
#include <string.h>

/* Fourier coefficients c_m = sum_j u_j e^{-2 pi i m j / n}, 0 <= m < n/2, of grid values at
   the points x_j = (j + 1/2)/n (direct sum: n is a few thousand at most here). */
static PetscErrorCode Coefficients(PetscInt n, const PetscReal u[], PetscReal re[], PetscReal im[])
{
  PetscFunctionBeginUser;
  for (PetscInt m = 0; 2 * m < n; m++) {
    re[m] = im[m] = 0;
    for (PetscInt j = 0; j < n; j++) {
      const PetscReal a = 2 * PETSC_PI * (PetscReal)((m * j) % n) / n;
      re[m] += u[j] * PetscCosReal(a);
      im[m] -= u[j] * PetscSinReal(a);
    }
  }
  PetscFunctionReturn(0);
}

/* Exact averages over cells [i h, (i+1) h), i = lo..hi-1, h = 1/N, of the trigonometric
   polynomial with those coefficients: mode m contributes its value at the cell centre times
   sin(k h/2)/(k h/2), k = 2 pi m. */
static PetscErrorCode CellAverages(PetscInt n, const PetscReal re[], const PetscReal im[], PetscInt N, PetscInt lo, PetscInt hi, PetscReal avg[])
{
  const PetscReal h = 1.0 / N, x0 = 0.5 / n;

  PetscFunctionBeginUser;
  for (PetscInt i = lo; i < hi; i++) {
    const PetscReal x = (i + 0.5) * h;
    PetscReal s       = re[0];
    for (PetscInt m = 1; 2 * m < n; m++) {
      const PetscReal k = 2 * PETSC_PI * m, a = k * (x - x0), sinc = PetscSinReal(0.5 * k * h) / (0.5 * k * h);
      s += 2 * sinc * (re[m] * PetscCosReal(a) - im[m] * PetscSinReal(a));
    }
    avg[i - lo] = s / n;
  }
  PetscFunctionReturn(0);
}

#define H5Call(call, what) PetscCheck((call) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "HDF5 failed to %s in %s", what, tmp)

/* Rank 0: x-coordinate, fv and spectral (cell averages) [N] for the finest grid, and the
   convergence table errors [levels, 2] (N, L1 error); file.tmp renamed on success; XDMF sidecar. */
static PetscErrorCode WriteOutput(const char *file, PetscInt N, const PetscReal *fv, const PetscReal *ref, PetscInt levels, const PetscReal *table, PetscReal nu, PetscReal T)
{
  char tmp[PETSC_MAX_PATH_LEN], xmf[PETSC_MAX_PATH_LEN];
  const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
  PetscReal *x;
  hid_t f, s, d, a;
  hsize_t dims[2] = {(hsize_t)N, 0};
  FILE *fp;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp", file));
  PetscCall(PetscMalloc1(N, &x));
  for (PetscInt i = 0; i < N; i++) x[i] = (i + 0.5) / N;
  f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  H5Call(f, "create the file");
  {
    const char *names[3]     = {"x-coordinate", "fv", "spectral"};
    const PetscReal *data[3] = {x, fv, ref};
    for (int q = 0; q < 3; q++) {
      s = H5Screate_simple(1, dims, NULL);
      d = H5Dcreate2(f, names[q], H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      H5Call(d, names[q]);
      H5Call(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data[q]), names[q]);
      H5Dclose(d);
      H5Sclose(s);
    }
    dims[0] = (hsize_t)levels;
    dims[1] = 2;
    s       = H5Screate_simple(2, dims, NULL);
    d       = H5Dcreate2(f, "errors", H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Call(d, "errors");
    H5Call(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, table), "errors");
    H5Dclose(d);
    H5Sclose(s);
    s = H5Screate(H5S_SCALAR);
    for (int q = 0; q < 2; q++) {
      const PetscReal v = q ? T : nu;
      a                 = H5Acreate2(f, q ? "t_final" : "nu", H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT);
      H5Call(H5Awrite(a, H5T_NATIVE_DOUBLE, &v), "write an attribute");
      H5Aclose(a);
    }
    H5Sclose(s);
  }
  H5Call(H5Fclose(f), "close the file");
  PetscCheck(!rename(tmp, file), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "could not rename %s to %s", tmp, file);
  PetscCall(PetscFree(x));

  PetscCall(PetscSNPrintf(xmf, sizeof(xmf), "%s.xmf", file));
  fp = fopen(xmf, "w");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write %s", xmf);
  /* A structured line of N nodes at the cell centres (2D co-rectilinear mesh one node high;
     XDMF orders the origin and spacing slowest axis first: y, then x). */
  fprintf(fp, "<?xml version=\"1.0\" ?>\n<Xdmf Version=\"3.0\">\n <Domain>\n  <Grid Name=\"viscous_burgers\" GridType=\"Uniform\">\n   <Time Value=\"%.17g\"/>\n", (double)T);
  fprintf(fp, "   <Topology TopologyType=\"2DCoRectMesh\" Dimensions=\"1 %d\"/>\n   <Geometry GeometryType=\"ORIGIN_DXDY\">\n", (int)N);
  fprintf(fp, "    <DataItem Dimensions=\"2\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">0 %.17g</DataItem>\n", 0.5 / N);
  fprintf(fp, "    <DataItem Dimensions=\"2\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">1 %.17g</DataItem>\n   </Geometry>\n", 1.0 / N);
  for (int q = 0; q < 2; q++)
    fprintf(fp,
            "   <Attribute Name=\"%s\" AttributeType=\"Scalar\" Center=\"Node\">\n    <DataItem Dimensions=\"%d\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:/%s</DataItem>\n   "
            "</Attribute>\n",
            q ? "spectral" : "fv", (int)N, base, q ? "spectral" : "fv");
  fprintf(fp, "  </Grid>\n </Domain>\n</Xdmf>\n");
  PetscCheck(!fclose(fp), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "error closing %s", xmf);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscInt nref = 1536, ncoarse = 64, levels = 4, seed = 1, steps;
  PetscReal nu = 0.02, T = 0.3, times[2], *uref, *U, *re, *im, *table, refcheck = 0, order = 0;
  PetscReal *finest = NULL, *finestRef = NULL;
  char file[PETSC_MAX_PATH_LEN] = "viscous_burgers.h5";
  PetscMPIInt rank;
  CfxIC ic;
  CfxRNG rng;
  CfxSpectralBurgers sb;

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "Viscous Burgers: finite volumes vs spectral", NULL);
  PetscCall(PetscOptionsReal("-nu", "Viscosity", NULL, nu, &nu, NULL));
  PetscCall(PetscOptionsReal("-t_final", "Final time", NULL, T, &T, NULL));
  PetscCall(PetscOptionsInt("-n_coarse", "Cells of the coarsest FV grid", NULL, ncoarse, &ncoarse, NULL));
  PetscCall(PetscOptionsInt("-levels", "Number of FV grids", NULL, levels, &levels, NULL));
  PetscCall(PetscOptionsInt("-n_ref", "Points of the spectral reference", NULL, nref, &nref, NULL));
  PetscCall(PetscOptionsInt("-seed", "Seed of the initial data", NULL, seed, &seed, NULL));
  PetscCall(PetscOptionsString("-o", "Output HDF5 file", NULL, file, file, sizeof(file), NULL));
  PetscOptionsEnd();
  PetscCheck(levels >= 2 && ncoarse >= 8 && nref >= 16 && T > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "need levels >= 2, n_coarse >= 8, n_ref >= 16, t_final > 0");
  times[0] = 0;
  times[1] = T;

  /* Initial data: sample 0 of the seed, on the reference grid (every rank draws the same). */
  PetscCall(PetscMalloc5(nref, &uref, 2 * nref, &U, nref, &re, nref, &im, 2 * levels, &table));
  PetscCall(CfxICCreate(PETSC_COMM_SELF, &ic));
  PetscCall(CfxICSetFromOptions(ic));
  PetscCall(CfxRNGSetSeed(&rng, (uint64_t)seed, 0));
  PetscCall(CfxICSample(ic, &rng, nref, uref));
  PetscCall(CfxICDestroy(&ic));

  /* Spectral reference, and a self-check against the same run on 2/3 of the grid. */
  PetscCall(CfxSpectralBurgersCreate(PETSC_COMM_SELF, &sb));
  PetscCall(CfxSpectralBurgersSetViscosity(sb, nu));
  PetscCall(CfxSpectralBurgersSetTimeStep(sb, 2e-4));
  PetscCall(CfxSpectralBurgersSetFromOptions(sb));
  {
    const PetscInt nc = (2 * nref / 3) & ~1;
    PetscReal *uc, *Uc, *rc, *ic2, *avgF, *avgC;
    PetscCall(PetscMalloc6(nc, &uc, 2 * nc, &Uc, nc, &rc, nc, &ic2, ncoarse, &avgF, ncoarse, &avgC));
    PetscCall(Coefficients(nref, uref, re, im));
    PetscCall(CfxSpectralBurgersSetGrid(sb, nc, 0, 1));
    {
      /* the same initial function (a trigonometric polynomial) at the points of the coarser grid */
      const PetscReal x0 = 0.5 / nref;
      for (PetscInt j = 0; j < nc; j++) {
        const PetscReal x = (j + 0.5) / nc;
        PetscReal s       = re[0];
        for (PetscInt m = 1; 2 * m < nref; m++) s += 2 * (re[m] * PetscCosReal(2 * PETSC_PI * m * (x - x0)) - im[m] * PetscSinReal(2 * PETSC_PI * m * (x - x0)));
        uc[j] = s / nref;
      }
    }
    PetscCall(CfxSpectralBurgersSolve(sb, 0, uc, 2, times, Uc));
    PetscCall(CfxSpectralBurgersSetGrid(sb, nref, 0, 1));
    PetscCall(CfxSpectralBurgersSolve(sb, 0, uref, 2, times, U));
    PetscCall(CfxSpectralBurgersGetStepCount(sb, &steps));
    PetscCall(Coefficients(nref, U + nref, re, im));
    PetscCall(Coefficients(nc, Uc + nc, rc, ic2));
    PetscCall(CellAverages(nref, re, im, ncoarse, 0, ncoarse, avgF));
    PetscCall(CellAverages(nc, rc, ic2, ncoarse, 0, ncoarse, avgC));
    for (PetscInt i = 0; i < ncoarse; i++) refcheck = PetscMax(refcheck, PetscAbsReal(avgF[i] - avgC[i]));
    PetscCall(PetscFree6(uc, Uc, rc, ic2, avgF, avgC));
  }
  if (rank == 0) PetscCall(CfxSpectralBurgersView(sb, NULL));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "spectral reference: %" PetscInt_FMT " points, %" PetscInt_FMT " steps; differs from the run on 2/3 of the grid by %.2e (max over coarse cells)\n", nref,
                        steps, (double)refcheck));
  PetscCall(CfxSpectralBurgersDestroy(&sb));

  /* Initial cell averages for FV come from the reference's (dealiased) initial data. */
  PetscCall(Coefficients(nref, U, re, im));
  {
    PetscReal *c0re, *c0im, *cTre, *cTim;
    PetscCall(PetscMalloc4(nref, &c0re, nref, &c0im, nref, &cTre, nref, &cTim));
    PetscCall(PetscArraycpy(c0re, re, nref));
    PetscCall(PetscArraycpy(c0im, im, nref));
    PetscCall(Coefficients(nref, U + nref, cTre, cTim));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "     N    L1 error (FV - spectral cell averages)   order   steps\n"));
    for (PetscInt l = 0; l < levels; l++) {
      const PetscInt N = ncoarse << l;
      CfxFV fv;
      Vec Uv;
      PetscInt xs, xm, fvsteps;
      PetscReal *u, *ref, err = 0, errAll;

      PetscCall(CfxFVCreate(PETSC_COMM_WORLD, &fv));
      PetscCall(CfxFVSetPhysicalFlux(fv, CFXFV_BURGERS));
      PetscCall(CfxFVSetReconstructionType(fv, CFXFV_RECONSTRUCTION_MUSCL));
      PetscCall(CfxFVSetLimiterType(fv, CFXFV_LIMITER_MC));
      PetscCall(CfxFVSetRiemannType(fv, CFXFV_RIEMANN_RUSANOV));
      PetscCall(CfxFVSetViscosity(fv, nu));
      PetscCall(CfxFVSetFromOptions(fv));
      PetscCall(CfxFVSetGrid(fv, N, 0, 1));
      PetscCall(CfxFVSetUp(fv));
      PetscCall(CfxFVGetSolution(fv, &Uv));
      {
        DM da;
        PetscCall(CfxFVGetDM(fv, &da));
        PetscCall(DMDAGetCorners(da, &xs, NULL, NULL, &xm, NULL, NULL));
      }
      PetscCall(PetscMalloc1(xm, &ref));
      PetscCall(CellAverages(nref, c0re, c0im, N, xs, xs + xm, ref));
      PetscCall(VecGetArray(Uv, &u));
      for (PetscInt i = 0; i < xm; i++) u[i] = ref[i];
      PetscCall(VecRestoreArray(Uv, &u));
      PetscCall(CfxFVSolve(fv, 1, &T, NULL, NULL));
      PetscCall(CfxFVGetStepCount(fv, &fvsteps));
      PetscCall(CellAverages(nref, cTre, cTim, N, xs, xs + xm, ref));
      PetscCall(VecGetArray(Uv, &u));
      for (PetscInt i = 0; i < xm; i++) err += PetscAbsReal(u[i] - ref[i]) / N;
      PetscCallMPI(MPI_Allreduce(&err, &errAll, 1, MPIU_REAL, MPI_SUM, PETSC_COMM_WORLD));
      table[2 * l]     = (PetscReal)N;
      table[2 * l + 1] = errAll;
      order            = l ? PetscLog2Real(table[2 * l - 1] / errAll) : 0;
      if (l)
        PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %5" PetscInt_FMT "   %.6e                          %5.2f   %" PetscInt_FMT "\n", N, (double)errAll, (double)order, fvsteps));
      else
        PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %5" PetscInt_FMT "   %.6e                            -     %" PetscInt_FMT "\n", N, (double)errAll, fvsteps));
      if (l == levels - 1) { /* gather the finest FV solution and its reference on rank 0 */
        Vec seq;
        VecScatter sc;
        const PetscReal *s;
        PetscCall(VecRestoreArray(Uv, &u));
        PetscCall(VecScatterCreateToZero(Uv, &sc, &seq));
        PetscCall(VecScatterBegin(sc, Uv, seq, INSERT_VALUES, SCATTER_FORWARD));
        PetscCall(VecScatterEnd(sc, Uv, seq, INSERT_VALUES, SCATTER_FORWARD));
        if (rank == 0) {
          PetscCall(PetscMalloc2(N, &finest, N, &finestRef));
          PetscCall(VecGetArrayRead(seq, &s));
          PetscCall(PetscArraycpy(finest, s, N));
          PetscCall(VecRestoreArrayRead(seq, &s));
          PetscCall(CellAverages(nref, cTre, cTim, N, 0, N, finestRef));
        }
        PetscCall(VecScatterDestroy(&sc));
        PetscCall(VecDestroy(&seq));
      } else
        PetscCall(VecRestoreArray(Uv, &u));
      PetscCall(PetscFree(ref));
      PetscCall(CfxFVDestroy(&fv));
    }
    PetscCall(PetscFree4(c0re, c0im, cTre, cTim));
  }
  if (rank == 0) {
    PetscCall(WriteOutput(file, ncoarse << (levels - 1), finest, finestRef, levels, table, nu, T));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "wrote %s and %s.xmf\n", file, file));
    PetscCall(PetscFree2(finest, finestRef));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "observed order on the two finest grids: %.2f\n", (double)order));
  PetscCheck(refcheck < 1e-3 * table[2 * levels - 1], PETSC_COMM_WORLD, PETSC_ERR_NOT_CONVERGED,
             "the spectral reference (self-difference %g) is not accurate enough for the finest FV error %g; raise -n_ref", (double)refcheck, (double)table[2 * levels - 1]);
  /* MUSCL is second order away from extrema, where the limiter clips; in L1 the observed order
     approaches 2 (1.97 on 256 -> 512 cells with the defaults). */
  PetscCheck(order >= 1.8, PETSC_COMM_WORLD, PETSC_ERR_NOT_CONVERGED, "observed FV order %g on the finest grids, expected about 2", (double)order);
  PetscCall(PetscFree5(uref, U, re, im, table));
  PetscCall(CfxFinalize());
  return 0;
}
