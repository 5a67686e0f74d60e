/* conflux side of the PyTorch cross-checks of an FNO1d and a pre-LN transformer block, each
   with an MSE loss. With -model fno|transformer, writes
     DIR/<model>_init.h5     a checkpoint (cfxcheckpoint.h) of the seeded initial weights;
     DIR/<model>_results.h5  /x, /target, /y (forward output), /loss and /grad/<key> (gradients
                             of the loss, keys as in checkpoints),
   which check_module.py compares with torch. Sizes are small, with odd lengths, so that the
   test takes a second. Usage: ref_module -model fno|transformer -dir DIR */
#include <conflux/conflux.h>
#include <conflux/cfxnn.h>
#include <conflux/cfxcheckpoint.h>
#include <hdf5.h>

static PetscErrorCode WriteArray(hid_t loc, const char name[], PetscInt ndim, const PetscInt shape[], const PetscReal *data)
{
  hsize_t dims[4];
  hid_t space, dset;

  PetscFunctionBeginUser;
  for (PetscInt d = 0; d < ndim; d++) dims[d] = (hsize_t)shape[d];
  space = H5Screate_simple((int)ndim, dims, NULL);
  dset  = H5Dcreate2(loc, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  PetscCheck(dset >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot create dataset %s", name);
  PetscCheck(H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write %s", name);
  H5Dclose(dset);
  H5Sclose(space);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char dir[PETSC_MAX_PATH_LEN] = ".", model[32] = "fno", path[PETSC_MAX_PATH_LEN];
  CfxModule m;
  CfxParamSet ps;
  CfxTape tape;
  CfxCheckpoint ck;
  CfxTensor x, target, y, loss;
  CfxRNG rng;
  PetscInt xs[3], np, one[1] = {1};
  PetscBool fno;
  hid_t file, g;

  PetscCall(CfxInitialize(&argc, &argv, NULL, "FNO1d / transformer-block reference data for the PyTorch cross-check"));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-dir", dir, sizeof(dir), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-model", model, sizeof(model), NULL));
  PetscCall(PetscStrcmp(model, "fno", &fno));
  PetscCall(CfxModuleCreate(PETSC_COMM_SELF, &m));
  if (fno) {
    /* in 1 (+ grid), width 8, 2 Fourier layers of 5 modes, projection 8-16-1, GELU; [3, 1, 30] */
    PetscCall(CfxModuleSetType(m, CFXFNO1D));
    PetscCall(CfxModuleFNO1dSetSizes(m, 1, 1, 8, 2, 5));
    PetscCall(CfxModuleFNO1dSetProjectionWidth(m, 16));
    PetscCall(CfxModuleFNO1dSetGrid(m, PETSC_TRUE));
    PetscCall(CfxModuleFNO1dSetActivation(m, CFX_ACT_GELU));
    xs[0] = 3;
    xs[1] = 1;
    xs[2] = 30;
  } else {
    PetscBool ok;
    PetscCall(PetscStrcmp(model, "transformer", &ok));
    PetscCheck(ok, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "-model must be fno or transformer, found %s", model);
    /* width 12, 3 heads, feed-forward 20, GELU, not causal; [2, 7, 12] */
    PetscCall(CfxModuleSetType(m, CFXTRANSFORMERBLOCK));
    PetscCall(CfxModuleTransformerBlockSetSizes(m, 12, 3, 20));
    PetscCall(CfxModuleTransformerBlockSetActivation(m, CFX_ACT_GELU));
    xs[0] = 2;
    xs[1] = 7;
    xs[2] = 12;
  }
  PetscCall(CfxModuleSetSeed(m, 5));
  PetscCall(CfxModuleSetUp(m));
  PetscCall(CfxParamSetCreate(PETSC_COMM_SELF, &ps));
  PetscCall(CfxModuleAddParameters(m, ps));
  PetscCall(CfxParamSetSetUp(ps));
  PetscCall(CfxRNGSetSeed(&rng, 17, 0));
  PetscCall(CfxTensorCreate(3, xs, &x));
  PetscCall(CfxTensorFillNormal(x, &rng, 0, 1));
  if (fno) {
    PetscCall(CfxTensorCreate(3, xs, &target));
    for (PetscInt i = 0; i < x->size; i++) target->data[i] = PetscSinReal(x->data[i]);
  } else {
    PetscCall(CfxTensorCreate(3, xs, &target));
    PetscCall(CfxTensorFillNormal(target, &rng, 0, 1));
  }

  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/%s_init.h5", dir, model));
  PetscCall(CfxCheckpointCreate(PETSC_COMM_SELF, &ck));
  PetscCall(CfxCheckpointSetModelKind(ck, model));
  PetscCall(CfxCheckpointSetParamSet(ck, ps));
  PetscCall(CfxCheckpointSave(ck, path));
  PetscCall(CfxCheckpointDestroy(&ck));

  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  PetscCall(CfxParamSetZeroGrad(ps));
  PetscCall(CfxModuleForward(m, tape, x, &y));
  PetscCall(CfxOpMSELoss(tape, y, target, &loss));
  PetscCall(CfxTapeBackward(tape, loss));

  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/%s_results.h5", dir, model));
  file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  PetscCheck(file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot create %s", path);
  PetscCall(WriteArray(file, "x", 3, xs, x->data));
  PetscCall(WriteArray(file, "target", 3, xs, target->data));
  PetscCall(WriteArray(file, "y", y->ndim, y->shape, y->data));
  PetscCall(WriteArray(file, "loss", 1, one, loss->data));
  g = H5Gcreate2(file, "grad", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  PetscCall(CfxParamSetGetNumParameters(ps, &np));
  for (PetscInt i = 0; i < np; i++) {
    const char *name;
    CfxTensor t;
    PetscInt off;
    char key[256];
    PetscCall(CfxParamSetGetParameter(ps, i, &name, &t, &off));
    PetscCall(CfxCheckpointEncodeName(name, key, sizeof(key)));
    PetscCall(WriteArray(g, key, t->ndim, t->shape, t->grad));
  }
  H5Gclose(g);
  H5Fclose(file);
  PetscCall(CfxTapeReset(tape));
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(CfxTensorDestroy(&x));
  PetscCall(CfxTensorDestroy(&target));
  PetscCall(CfxParamSetDestroy(&ps));
  PetscCall(CfxModuleDestroy(&m));
  PetscCall(CfxFinalize());
  return 0;
}
