/* XDMF sidecars so ParaView (or VisIt) opens a dataset directly. Each of the first
   CFX_XDMF_MAX_SAMPLES samples becomes a space-time grid (a 2D rectilinear mesh over
   t-coordinate x x-coordinate) whose values are a hyperslab of /tensor. */
#include <cfximpl.h>
#include <conflux/cfxio.h>

#define CFX_XDMF_MAX_SAMPLES 16

/*@C
  CfxXdmfWriteDataset - Writes `xmf` describing the dataset file `h5` (a path relative to the
  .xmf file), with tensor [ns, nt, nx(, nc)] stored as `numberType` ("Float"/"Double") of
  `precision` bytes. Written as xmf.tmp and renamed. Not collective: call on one rank.
@*/
PetscErrorCode CfxXdmfWriteDataset(MPI_Comm comm, const char xmf[], const char h5[], PetscInt ns, PetscInt nt, PetscInt nx, PetscInt nc, const char numberType[], PetscInt precision)
{
  char tmp[PETSC_MAX_PATH_LEN];
  FILE *fp;
  PetscInt ng = PetscMin(ns, CFX_XDMF_MAX_SAMPLES), ncomp = nc ? nc : 1;

  PetscFunctionBegin;
  PetscCall(CfxOutputTempName(xmf, tmp, sizeof(tmp)));
  fp = fopen(tmp, "w");
  PetscCheck(fp, comm, PETSC_ERR_FILE_OPEN, "%s: cannot create XDMF file", tmp);
  fprintf(fp, "<?xml version=\"1.0\" ?>\n<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n<Xdmf Version=\"3.0\">\n <Domain>\n");
  fprintf(fp, "  <!-- %s: %" PetscInt_FMT " samples; the first %" PetscInt_FMT " as space-time grids (rows: t-coordinate, columns: x-coordinate) -->\n", h5, ns, ng);
  fprintf(fp, "  <Grid Name=\"samples\" GridType=\"Collection\" CollectionType=\"Spatial\">\n");
  for (PetscInt s = 0; s < ng; s++) {
    fprintf(fp, "   <Grid Name=\"sample_%" PetscInt_FMT "\" GridType=\"Uniform\">\n", s);
    fprintf(fp, "    <Topology TopologyType=\"2DRectMesh\" Dimensions=\"%" PetscInt_FMT " %" PetscInt_FMT "\"/>\n", nt, nx);
    fprintf(fp, "    <Geometry GeometryType=\"VXVY\">\n");
    fprintf(fp, "     <DataItem Dimensions=\"%" PetscInt_FMT "\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:/x-coordinate</DataItem>\n", nx, h5);
    fprintf(fp, "     <DataItem Dimensions=\"%" PetscInt_FMT "\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:/t-coordinate</DataItem>\n", nt, h5);
    fprintf(fp, "    </Geometry>\n");
    for (PetscInt c = 0; c < ncomp; c++) {
      fprintf(fp, "    <Attribute Name=\"u%s%" PetscInt_FMT "\" AttributeType=\"Scalar\" Center=\"Node\">\n", nc ? "_" : "", c);
      fprintf(fp, "     <DataItem ItemType=\"HyperSlab\" Dimensions=\"%" PetscInt_FMT " %" PetscInt_FMT "\" Type=\"HyperSlab\">\n", nt, nx);
      if (nc) {
        fprintf(fp, "      <DataItem Dimensions=\"3 4\" Format=\"XML\">%" PetscInt_FMT " 0 0 %" PetscInt_FMT " 1 1 1 1 1 %" PetscInt_FMT " %" PetscInt_FMT " 1</DataItem>\n", s, c, nt, nx);
        fprintf(fp,
                "      <DataItem Dimensions=\"%" PetscInt_FMT " %" PetscInt_FMT " %" PetscInt_FMT " %" PetscInt_FMT "\" NumberType=\"%s\" Precision=\"%" PetscInt_FMT
                "\" Format=\"HDF\">%s:/tensor</DataItem>\n",
                ns, nt, nx, nc, numberType, precision, h5);
      } else {
        fprintf(fp, "      <DataItem Dimensions=\"3 3\" Format=\"XML\">%" PetscInt_FMT " 0 0 1 1 1 1 %" PetscInt_FMT " %" PetscInt_FMT "</DataItem>\n", s, nt, nx);
        fprintf(fp, "      <DataItem Dimensions=\"%" PetscInt_FMT " %" PetscInt_FMT " %" PetscInt_FMT "\" NumberType=\"%s\" Precision=\"%" PetscInt_FMT "\" Format=\"HDF\">%s:/tensor</DataItem>\n", ns,
                nt, nx, numberType, precision, h5);
      }
      fprintf(fp, "     </DataItem>\n    </Attribute>\n");
    }
    fprintf(fp, "   </Grid>\n");
  }
  fprintf(fp, "  </Grid>\n </Domain>\n</Xdmf>\n");
  PetscCheck(fclose(fp) == 0, comm, PETSC_ERR_FILE_WRITE, "%s: cannot finish writing XDMF file", tmp);
  PetscCheck(rename(tmp, xmf) == 0, comm, PETSC_ERR_FILE_WRITE, "%s: cannot rename %s to it", xmf, tmp);
  PetscFunctionReturn(0);
}

/*@C
  CfxXdmfWriteFrames - Writes `xmf` describing a sequence of 1D frames stored as separate
  datasets of the HDF5 file `h5` (a path relative to the .xmf file), as written by VecView() of
  a 1D DMDA vector with a PetscViewerHDF5: frame k is dataset `frames[k]` at time `times[k]`,
  of shape [nx] (nc = 0) or [nx, nc] (one attribute per component, named `components[c]`), and
  the cell centres are dataset `xname` [nx]. Values are float64 (PetscReal). ParaView opens it
  as a temporal collection of 1 x nx rectilinear grids. Written as xmf.tmp and renamed. Not
  collective: call on one rank, after the HDF5 file is complete.
@*/
PetscErrorCode CfxXdmfWriteFrames(MPI_Comm comm, const char xmf[], const char h5[], const char xname[], PetscInt nx, PetscInt nframes, const char *const frames[], const PetscReal times[], PetscInt nc,
                                  const char *const components[])
{
  char tmp[PETSC_MAX_PATH_LEN];
  FILE *fp;

  PetscFunctionBegin;
  PetscValidCharPointer(xmf, 2);
  PetscValidCharPointer(h5, 3);
  PetscValidCharPointer(xname, 4);
  PetscCheck(nx > 0 && nframes >= 0 && nc >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "%s: need nx > 0, nframes >= 0, nc >= 0; found %" PetscInt_FMT ", %" PetscInt_FMT ", %" PetscInt_FMT, xmf, nx, nframes,
             nc);
  if (nframes) {
    PetscValidPointer(frames, 6);
    PetscValidRealPointer(times, 7);
  }
  if (nc) PetscValidPointer(components, 10);
  PetscCall(CfxOutputTempName(xmf, tmp, sizeof(tmp)));
  fp = fopen(tmp, "w");
  PetscCheck(fp, comm, PETSC_ERR_FILE_OPEN, "%s: cannot create XDMF file", tmp);
  fprintf(fp, "<?xml version=\"1.0\" ?>\n<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n<Xdmf Version=\"3.0\">\n <Domain>\n");
  fprintf(fp, "  <!-- %s: %" PetscInt_FMT " frames of %" PetscInt_FMT " cells, each a 1 x %" PetscInt_FMT " rectilinear grid with its time -->\n", h5, nframes, nx, nx);
  fprintf(fp, "  <Grid Name=\"frames\" GridType=\"Collection\" CollectionType=\"Temporal\">\n");
  for (PetscInt k = 0; k < nframes; k++) {
    fprintf(fp, "   <Grid Name=\"%s\" GridType=\"Uniform\">\n", frames[k]);
    fprintf(fp, "    <Time Value=\"%.17g\"/>\n", (double)times[k]);
    /* XDMF lists dimensions slowest first (y, then x); VXVY gives the x array, then y. */
    fprintf(fp, "    <Topology TopologyType=\"2DRectMesh\" Dimensions=\"1 %" PetscInt_FMT "\"/>\n", nx);
    fprintf(fp, "    <Geometry GeometryType=\"VXVY\">\n");
    fprintf(fp, "     <DataItem Dimensions=\"%" PetscInt_FMT "\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:/%s</DataItem>\n", nx, h5, xname);
    fprintf(fp, "     <DataItem Dimensions=\"1\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">0</DataItem>\n");
    fprintf(fp, "    </Geometry>\n");
    if (!nc) {
      fprintf(fp, "    <Attribute Name=\"u\" AttributeType=\"Scalar\" Center=\"Node\">\n");
      fprintf(fp, "     <DataItem Dimensions=\"%" PetscInt_FMT "\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:/%s</DataItem>\n", nx, h5, frames[k]);
      fprintf(fp, "    </Attribute>\n");
    }
    for (PetscInt c = 0; c < nc; c++) { /* column c of the [nx, nc] dataset: start, stride, count */
      fprintf(fp, "    <Attribute Name=\"%s\" AttributeType=\"Scalar\" Center=\"Node\">\n", components[c]);
      fprintf(fp, "     <DataItem ItemType=\"HyperSlab\" Dimensions=\"%" PetscInt_FMT "\" Type=\"HyperSlab\">\n", nx);
      fprintf(fp, "      <DataItem Dimensions=\"3 2\" Format=\"XML\">0 %" PetscInt_FMT " 1 1 %" PetscInt_FMT " 1</DataItem>\n", c, nx);
      fprintf(fp, "      <DataItem Dimensions=\"%" PetscInt_FMT " %" PetscInt_FMT "\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:/%s</DataItem>\n", nx, nc, h5, frames[k]);
      fprintf(fp, "     </DataItem>\n    </Attribute>\n");
    }
    fprintf(fp, "   </Grid>\n");
  }
  fprintf(fp, "  </Grid>\n </Domain>\n</Xdmf>\n");
  PetscCheck(fclose(fp) == 0, comm, PETSC_ERR_FILE_WRITE, "%s: cannot finish writing XDMF file", tmp);
  PetscCheck(rename(tmp, xmf) == 0, comm, PETSC_ERR_FILE_WRITE, "%s: cannot rename %s to it", xmf, tmp);
  PetscFunctionReturn(0);
}
