/* conflux info FILE: what is in an HDF5 dataset or checkpoint, and whether it is sound. */
#include "commands.h"
#include <hdf5.h>
#include <petscviewer.h>
#include <errno.h>
#include <sys/stat.h>

typedef struct {
  PetscViewer v;
  PetscBool stats;
  PetscInt maxRows; /* rows of the leading dimension examined, <0: all */
  PetscInt ndatasets;
} InfoCtx;

static PetscErrorCode PrintAttributes(hid_t obj, PetscViewer v)
{
  H5O_info_t oinfo;

  PetscFunctionBegin;
  H5Oget_info2(obj, &oinfo, H5O_INFO_NUM_ATTRS);
  PetscCall(PetscViewerASCIIPushTab(v));
  for (hsize_t i = 0; i < oinfo.num_attrs; i++) {
    hid_t attr = H5Aopen_by_idx(obj, ".", H5_INDEX_NAME, H5_ITER_INC, i, H5P_DEFAULT, H5P_DEFAULT);
    hid_t type = H5Aget_type(attr), space = H5Aget_space(attr);
    char name[256];
    hssize_t n = H5Sget_simple_extent_npoints(space);

    H5Aget_name(attr, sizeof(name), name);
    if (H5Tget_class(type) == H5T_STRING && n == 1) {
      char value[1024];
      PetscBool found;
      PetscCall(CfxH5GetAttributeText(obj, name, value, sizeof(value), &found));
      PetscCall(PetscViewerASCIIPrintf(v, "@%s = %s\n", name, value));
    } else if (H5Tget_class(type) == H5T_STRING) {
      PetscCall(PetscViewerASCIIPrintf(v, "@%s = [%" PetscInt_FMT " strings]\n", name, (PetscInt)n));
    } else if ((H5Tget_class(type) == H5T_FLOAT || H5Tget_class(type) == H5T_INTEGER) && n >= 1 && n <= 8) {
      double vals[8];
      H5Aread(attr, H5T_NATIVE_DOUBLE, vals);
      PetscCall(PetscViewerASCIIPrintf(v, "@%s = ", name));
      PetscCall(PetscViewerASCIIUseTabs(v, PETSC_FALSE));
      for (hssize_t k = 0; k < n; k++) PetscCall(PetscViewerASCIIPrintf(v, "%s%.10g", k ? ", " : "", vals[k]));
      PetscCall(PetscViewerASCIIPrintf(v, "\n"));
      PetscCall(PetscViewerASCIIUseTabs(v, PETSC_TRUE));
    } else {
      PetscCall(PetscViewerASCIIPrintf(v, "@%s = [%" PetscInt_FMT " values]\n", name, (PetscInt)n));
    }
    H5Sclose(space);
    H5Tclose(type);
    H5Aclose(attr);
  }
  PetscCall(PetscViewerASCIIPopTab(v));
  PetscFunctionReturn(0);
}

/* min / max / mean and non-finite counts of a numeric dataset, read one leading-index row at a time. */
static PetscErrorCode PrintStatistics(hid_t dset, InfoCtx *ctx, int rank, const hsize_t dims[])
{
  hsize_t rows = rank ? dims[0] : 1, rowlen = 1, off[H5S_MAX_RANK] = {0}, cnt[H5S_MAX_RANK];
  PetscReal *buf, mn = PETSC_MAX_REAL, mx = PETSC_MIN_REAL, sum = 0;
  PetscInt nnan = 0, ninf = 0, nfin = 0;
  hid_t fspace = H5Dget_space(dset), mspace;

  PetscFunctionBegin;
  for (int d = 1; d < rank; d++) rowlen *= dims[d];
  if (ctx->maxRows >= 0 && (hsize_t)ctx->maxRows < rows) rows = (hsize_t)ctx->maxRows;
  PetscCall(PetscMalloc1(rowlen ? rowlen : 1, &buf));
  for (int d = 0; d < rank; d++) cnt[d] = d ? dims[d] : 1;
  mspace = H5Screate_simple(1, &rowlen, NULL);
  for (hsize_t r = 0; r < rows && rowlen; r++) {
    if (rank) {
      off[0] = r;
      H5Sselect_hyperslab(fspace, H5S_SELECT_SET, off, NULL, cnt, NULL);
    }
    PetscCheck(H5Dread(dset, H5T_NATIVE_DOUBLE, rank ? mspace : H5S_ALL, rank ? fspace : H5S_ALL, H5P_DEFAULT, buf) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_READ,
               "cannot read row %" PetscInt_FMT " (truncated file?)", (PetscInt)r);
    for (hsize_t i = 0; i < rowlen; i++) {
      if (PetscIsNanReal(buf[i]))
        nnan++;
      else if (PetscIsInfReal(buf[i]))
        ninf++;
      else {
        mn = PetscMin(mn, buf[i]);
        mx = PetscMax(mx, buf[i]);
        sum += buf[i];
        nfin++;
      }
    }
  }
  H5Sclose(mspace);
  H5Sclose(fspace);
  PetscCall(PetscFree(buf));
  PetscCall(PetscViewerASCIIPushTab(ctx->v));
  if (nfin)
    PetscCall(PetscViewerASCIIPrintf(ctx->v, "min %-12.6g max %-12.6g mean %-12.6g NaN %" PetscInt_FMT "  Inf %" PetscInt_FMT "%s\n", (double)mn, (double)mx, (double)(sum / nfin), nnan, ninf,
                                     rows < (rank ? dims[0] : 1) ? "  (first rows only)" : ""));
  else
    PetscCall(PetscViewerASCIIPrintf(ctx->v, "no finite values; NaN %" PetscInt_FMT "  Inf %" PetscInt_FMT "\n", nnan, ninf));
  PetscCall(PetscViewerASCIIPopTab(ctx->v));
  PetscFunctionReturn(0);
}

static PetscErrorCode DescribeDataset(hid_t file, const char *name, InfoCtx *ctx)
{
  hid_t dset = H5Dopen2(file, name, H5P_DEFAULT), type, space, dcpl;
  hsize_t dims[H5S_MAX_RANK], chunk[H5S_MAX_RANK];
  int rank;
  char shape[256] = "", chunkText[256] = "";
  const char *kind;
  H5T_class_t cls;

  PetscFunctionBegin;
  PetscCheck(dset >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "cannot open dataset /%s", name);
  type  = H5Dget_type(dset);
  space = H5Dget_space(dset);
  rank  = H5Sget_simple_extent_ndims(space);
  H5Sget_simple_extent_dims(space, dims, NULL);
  cls = H5Tget_class(type);
  for (int d = 0; d < rank; d++) PetscCall(PetscSNPrintf(shape + strlen(shape), sizeof(shape) - strlen(shape), "%s%" PetscInt_FMT, d ? ", " : "", (PetscInt)dims[d]));
  kind = cls == H5T_FLOAT ? (H5Tget_size(type) == 4 ? "float32" : "float64") : cls == H5T_INTEGER ? "integer" : cls == H5T_STRING ? "string" : "other";
  dcpl = H5Dget_create_plist(dset);
  if (H5Pget_layout(dcpl) == H5D_CHUNKED) {
    int crank = H5Pget_chunk(dcpl, H5S_MAX_RANK, chunk);
    PetscCall(PetscStrcpy(chunkText, "  chunks ["));
    for (int d = 0; d < crank; d++) PetscCall(PetscSNPrintf(chunkText + strlen(chunkText), sizeof(chunkText) - strlen(chunkText), "%s%" PetscInt_FMT, d ? ", " : "", (PetscInt)chunk[d]));
    PetscCall(PetscStrlcat(chunkText, "]", sizeof(chunkText)));
    for (int f = 0; f < H5Pget_nfilters(dcpl); f++) {
      unsigned flags, cd[4];
      size_t ncd = 4;
      if (H5Pget_filter2(dcpl, (unsigned)f, &flags, &ncd, cd, 0, NULL, NULL) == H5Z_FILTER_DEFLATE)
        PetscCall(PetscSNPrintf(chunkText + strlen(chunkText), sizeof(chunkText) - strlen(chunkText), " gzip %u", ncd ? cd[0] : 0));
    }
  }
  H5Pclose(dcpl);
  PetscCall(PetscViewerASCIIPrintf(ctx->v, "/%-28s %-8s [%s]%s\n", name, kind, shape, chunkText));
  PetscCall(PrintAttributes(dset, ctx->v));
  if (ctx->stats && (cls == H5T_FLOAT || cls == H5T_INTEGER)) PetscCall(PrintStatistics(dset, ctx, rank, dims));
  ctx->ndatasets++;
  H5Sclose(space);
  H5Tclose(type);
  H5Dclose(dset);
  PetscFunctionReturn(0);
}

typedef struct {
  InfoCtx *ctx;
  PetscErrorCode ierr;
} VisitCtx;

static herr_t Visit(hid_t file, const char *name, const H5O_info_t *info, void *data)
{
  VisitCtx *vc = (VisitCtx *)data;

  if (name[0] == '.' && name[1] == 0) return 0;
  if (info->type == H5O_TYPE_GROUP) {
    hid_t g  = H5Gopen2(file, name, H5P_DEFAULT);
    vc->ierr = PetscViewerASCIIPrintf(vc->ctx->v, "/%s/  (group)\n", name);
    if (!vc->ierr) vc->ierr = PrintAttributes(g, vc->ctx->v);
    H5Gclose(g);
  } else if (info->type == H5O_TYPE_DATASET) {
    vc->ierr = DescribeDataset(file, name, vc->ctx);
  }
  return vc->ierr ? -1 : 0;
}

/* Worst relative mass drift over samples (per component), from the validated reader. */
static PetscErrorCode PrintMassDrift(const char *filename, InfoCtx *ctx)
{
  CfxDataset ds;
  PetscInt ns, nt, nx, nc, ncomp, worstSample = -1, worstFrame = -1, skipped = 0;
  PetscReal *u, worst = -1;

  PetscFunctionBegin;
  PetscCall(CfxDatasetOpen(PETSC_COMM_SELF, filename, &ds));
  PetscCall(CfxDatasetGetSizes(ds, &ns, &nt, &nx, &nc));
  ncomp = nc ? nc : 1;
  if (ctx->maxRows >= 0) ns = PetscMin(ns, ctx->maxRows);
  PetscCall(PetscMalloc1(nt * nx * ncomp, &u));
  PetscCall(PetscViewerASCIIPrintf(ctx->v, "trajectory dataset: %" PetscInt_FMT " samples x %" PetscInt_FMT " frames x %" PetscInt_FMT " cells", ns, nt, nx));
  if (nc) PetscCall(PetscViewerASCIIPrintf(ctx->v, " x %" PetscInt_FMT " components", nc));
  PetscCall(PetscViewerASCIIPrintf(ctx->v, " (layout valid)\n"));
  for (PetscInt s = 0; s < ns; s++) {
    PetscErrorCode ierr;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = CfxDatasetReadSamples(ds, s, 1, u);
    PetscCall(PetscPopErrorHandler());
    if (ierr == PETSC_ERR_FP) { /* non-finite values were counted above; drift is meaningless there */
      skipped++;
      continue;
    }
    PetscCall(ierr);
    for (PetscInt c = 0; c < ncomp; c++) {
      PetscReal m0 = 0, a0 = 0;
      for (PetscInt j = 0; j < nx; j++) {
        m0 += u[j * ncomp + c];
        a0 += PetscAbsReal(u[j * ncomp + c]);
      }
      for (PetscInt k = 1; k < nt; k++) {
        PetscReal m = 0, drift;
        for (PetscInt j = 0; j < nx; j++) m += u[(k * nx + j) * ncomp + c];
        drift = a0 > 0 ? PetscAbsReal(m - m0) / a0 : PetscAbsReal(m - m0);
        if (drift > worst) {
          worst       = drift;
          worstSample = s;
          worstFrame  = k;
        }
      }
    }
  }
  if (worstSample >= 0)
    PetscCall(PetscViewerASCIIPrintf(ctx->v, "mass drift: worst %.3e (sample %" PetscInt_FMT ", frame %" PetscInt_FMT "), relative to sum |u(t0)|; meaningful for periodic conservation laws\n",
                                     (double)worst, worstSample, worstFrame));
  if (skipped) PetscCall(PetscViewerASCIIPrintf(ctx->v, "mass drift: %" PetscInt_FMT " sample(s) skipped because they hold NaN or Inf\n", skipped));
  PetscCall(PetscFree(u));
  PetscCall(CfxDatasetClose(&ds));
  PetscFunctionReturn(0);
}

static PetscErrorCode Describe(const char *filename, InfoCtx *ctx)
{
  hid_t file;
  struct stat st;
  VisitCtx vc = {ctx, 0};
  PetscBool isDataset, isCheckpoint;
  H5E_auto2_t efunc;
  void *edata;

  PetscFunctionBegin;
  PetscCheck(stat(filename, &st) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot read file: %s", filename, strerror(errno));
  PetscCheck(H5Fis_hdf5(filename) > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: not an HDF5 file", filename);
  H5Eget_auto2(H5E_DEFAULT, &efunc, &edata);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  file = H5Fopen(filename, H5F_ACC_RDONLY, H5P_DEFAULT);
  PetscCheck(file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: HDF5 cannot open the file (truncated or corrupt?)", filename);
  PetscCall(PetscViewerASCIIPrintf(ctx->v, "%s: HDF5, %.1f MB\n", filename, st.st_size / 1e6));
  PetscCall(PrintAttributes(file, ctx->v));
  PetscCheck(H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_INC, Visit, &vc, H5O_INFO_BASIC) >= 0 || vc.ierr, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot walk the file (truncated or corrupt?)",
             filename);
  PetscCall(vc.ierr);
  isDataset    = H5Lexists(file, "tensor", H5P_DEFAULT) > 0;
  isCheckpoint = H5Lexists(file, "model", H5P_DEFAULT) > 0;
  if (isCheckpoint) {
    char kind[256];
    PetscBool found;
    hid_t g = H5Gopen2(file, "model", H5P_DEFAULT);
    PetscCall(CfxH5GetAttributeText(g, "kind", kind, sizeof(kind), &found));
    H5Gclose(g);
    PetscCall(PetscViewerASCIIPrintf(ctx->v, "checkpoint: model kind %s\n", found ? kind : "(not recorded)"));
  }
  H5Fclose(file);
  H5Eset_auto2(H5E_DEFAULT, efunc, edata);
  if (isDataset)
    PetscCall(PrintMassDrift(filename, ctx));
  else if (!isCheckpoint)
    PetscCall(PetscViewerASCIIPrintf(ctx->v, "(neither a trajectory dataset nor a checkpoint: %" PetscInt_FMT " datasets)\n", ctx->ndatasets));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxCommandInfo(MPI_Comm comm, int argc, char **argv)
{
  const char *file;
  InfoCtx ctx = {NULL, PETSC_TRUE, -1, 0};
  PetscMPIInt rank;
  PetscErrorCode ierr = 0;

  PetscFunctionBegin;
  PetscCall(CfxCommandPositional(argc, argv, 1, &file));
  PetscOptionsBegin(comm, NULL, "conflux info options", "conflux");
  PetscCall(PetscOptionsBool("-info_stats", "Compute min/max/mean and NaN counts", NULL, ctx.stats, &ctx.stats, NULL));
  PetscCall(PetscOptionsInt("-info_samples", "Examine only the first n rows/samples (-1: all)", NULL, ctx.maxRows, &ctx.maxRows, NULL));
  PetscOptionsEnd();
  /* One rank reads and prints; the others learn whether it succeeded. */
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    PetscCall(PetscViewerASCIIGetStdout(PETSC_COMM_SELF, &ctx.v));
    ierr = Describe(file, &ctx);
  }
  PetscCallMPI(MPI_Bcast(&ierr, 1, MPI_INT, 0, comm));
  if (rank != 0 && ierr) return ierr; /* rank 0 has reported it */
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
