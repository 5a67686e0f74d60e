/* conflux side of the PyTorch cross-check of an MLP 2-16-16-1 (tanh) with MSE loss.
   Writes
     DIR/mlp_init.h5     a checkpoint (cfxcheckpoint.h) of the initial weights;
     DIR/mlp_results.h5  /x, /target, /y (forward output), /loss, /grad/<key> (gradients of the
                         loss at the initial weights), /adam/<key> and /adamw/<key> (weights
                         after 3 steps of Adam with L2 weight decay, and AdamW),
   which check_mlp.py compares with torch. Usage: ref_mlp -dir DIR */
#include <conflux/conflux.h>
#include <conflux/cfxoptim.h>
#include <conflux/cfxcheckpoint.h>
#include <hdf5.h>

#define B     32
#define DIN   2
#define WIDTH 16
#define NSTEP 3

typedef struct {
  CfxTensor w[3], b[3], x, target;
  CfxParamSet ps;
} Model;

static PetscErrorCode ModelCreate(Model *m)
{
  const PetscInt shapes[3][2] = {{WIDTH, DIN}, {WIDTH, WIDTH}, {1, WIDTH}};
  PetscInt xs[2] = {B, DIN}, ts[2] = {B, 1};
  CfxRNG rng;

  PetscFunctionBeginUser;
  PetscCall(CfxRNGSetSeed(&rng, 11, 0));
  PetscCall(CfxParamSetCreate(PETSC_COMM_SELF, &m->ps));
  for (PetscInt l = 0; l < 3; l++) {
    char name[64];
    PetscReal bound = 1 / PetscSqrtReal((PetscReal)shapes[l][1]);
    PetscCall(CfxTensorCreate(2, shapes[l], &m->w[l]));
    PetscCall(CfxTensorCreate(1, shapes[l], &m->b[l]));
    PetscCall(CfxTensorFillUniform(m->w[l], &rng, -bound, bound));
    PetscCall(CfxTensorFillUniform(m->b[l], &rng, -bound, bound));
    PetscCall(PetscSNPrintf(name, sizeof(name), "mlp.linear%d.weight", (int)l));
    PetscCall(CfxParamSetAdd(m->ps, name, m->w[l]));
    PetscCall(PetscSNPrintf(name, sizeof(name), "mlp.linear%d.bias", (int)l));
    PetscCall(CfxParamSetAdd(m->ps, name, m->b[l]));
  }
  PetscCall(CfxParamSetSetUp(m->ps));
  PetscCall(CfxTensorCreate(2, xs, &m->x));
  PetscCall(CfxTensorCreate(2, ts, &m->target));
  PetscCall(CfxTensorFillUniform(m->x, &rng, -1, 1));
  for (PetscInt i = 0; i < B; i++) m->target->data[i] = PetscSinReal(3 * m->x->data[2 * i]) * m->x->data[2 * i + 1];
  PetscFunctionReturn(0);
}

static PetscErrorCode ModelDestroy(Model *m)
{
  PetscFunctionBeginUser;
  PetscCall(CfxParamSetDestroy(&m->ps));
  for (PetscInt l = 0; l < 3; l++) {
    PetscCall(CfxTensorDestroy(&m->w[l]));
    PetscCall(CfxTensorDestroy(&m->b[l]));
  }
  PetscCall(CfxTensorDestroy(&m->x));
  PetscCall(CfxTensorDestroy(&m->target));
  PetscFunctionReturn(0);
}

/* Forward, loss and gradients (into the parameter set); y copied out if asked. */
static PetscErrorCode LossAndGrad(Model *m, CfxTape tape, PetscReal *loss, PetscReal y[])
{
  CfxActivation act[3] = {CFX_ACT_TANH, CFX_ACT_TANH, CFX_ACT_NONE};
  CfxTensor h          = m->x, l;

  PetscFunctionBeginUser;
  PetscCall(CfxParamSetZeroGrad(m->ps));
  for (PetscInt k = 0; k < 3; k++) PetscCall(CfxOpLinear(tape, h, m->w[k], m->b[k], act[k], &h));
  if (y) PetscCall(PetscArraycpy(y, h->data, B));
  PetscCall(CfxOpMSELoss(tape, h, m->target, &l));
  *loss = l->data[0];
  PetscCall(CfxTapeBackward(tape, l));
  PetscCall(CfxTapeReset(tape));
  PetscFunctionReturn(0);
}

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

/* One group holding a per-parameter copy of a flat array (keys as in checkpoints). */
static PetscErrorCode WriteFlat(hid_t file, const char group[], CfxParamSet ps, const PetscReal *flat)
{
  hid_t g = H5Gcreate2(file, group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  PetscInt np;

  PetscFunctionBeginUser;
  PetscCall(CfxParamSetGetNumParameters(ps, &np));
  for (PetscInt i = 0; i < np; i++) {
    const char *name;
    CfxTensor t;
    PetscInt off;
    char key[256];
    PetscCall(CfxParamSetGetParameter(ps, i, &name, &t, &off));
    PetscCall(CfxCheckpointEncodeName(name, key, sizeof(key)));
    PetscCall(WriteArray(g, key, t->ndim, t->shape, flat + off));
  }
  H5Gclose(g);
  PetscFunctionReturn(0);
}

/* NSTEP optimizer steps from the initial weights; returns the final flat weights. */
static PetscErrorCode RunSteps(CfxOptimizerType type, PetscReal *out)
{
  Model m;
  CfxTape tape;
  CfxOptimizer opt;
  PetscReal loss, *p;
  PetscInt n;

  PetscFunctionBeginUser;
  PetscCall(ModelCreate(&m));
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));
  PetscCall(CfxOptimizerCreate(PETSC_COMM_SELF, &opt));
  PetscCall(CfxOptimizerSetParamSet(opt, m.ps));
  PetscCall(CfxOptimizerSetType(opt, type));
  PetscCall(CfxOptimizerSetLearningRate(opt, 0.05));
  PetscCall(CfxOptimizerSetBetas(opt, 0.9, 0.99));
  PetscCall(CfxOptimizerSetWeightDecay(opt, 0.1));
  PetscCall(CfxOptimizerSetUp(opt));
  for (PetscInt k = 0; k < NSTEP; k++) {
    PetscCall(LossAndGrad(&m, tape, &loss, NULL));
    PetscCall(CfxOptimizerStep(opt));
  }
  PetscCall(CfxParamSetGetSize(m.ps, &n));
  PetscCall(CfxParamSetGetArrays(m.ps, &p, NULL));
  PetscCall(PetscArraycpy(out, p, n));
  PetscCall(CfxOptimizerDestroy(&opt));
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(ModelDestroy(&m));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char dir[PETSC_MAX_PATH_LEN] = ".", path[PETSC_MAX_PATH_LEN];
  Model m;
  CfxTape tape;
  CfxCheckpoint ck;
  PetscReal loss, y[B], *grad, *after;
  PetscInt n, xs[2] = {B, DIN}, ys[2] = {B, 1}, one[1] = {1};
  hid_t file;

  PetscCall(CfxInitialize(&argc, &argv, NULL, "MLP reference data for the PyTorch cross-check"));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-dir", dir, sizeof(dir), NULL));
  PetscCall(ModelCreate(&m));
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));

  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/mlp_init.h5", dir));
  PetscCall(CfxCheckpointCreate(PETSC_COMM_SELF, &ck));
  PetscCall(CfxCheckpointSetModelKind(ck, "mlp"));
  PetscCall(CfxCheckpointSetModelAttribute(ck, "activation", "tanh"));
  PetscCall(CfxCheckpointSetParamSet(ck, m.ps));
  PetscCall(CfxCheckpointSave(ck, path));
  PetscCall(CfxCheckpointDestroy(&ck));

  PetscCall(LossAndGrad(&m, tape, &loss, y));
  PetscCall(CfxParamSetGetSize(m.ps, &n));
  PetscCall(CfxParamSetGetArrays(m.ps, NULL, &grad));
  PetscCall(PetscMalloc1(n, &after));
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/mlp_results.h5", dir));
  file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  PetscCheck(file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot create %s", path);
  PetscCall(WriteArray(file, "x", 2, xs, m.x->data));
  PetscCall(WriteArray(file, "target", 2, ys, m.target->data));
  PetscCall(WriteArray(file, "y", 2, ys, y));
  PetscCall(WriteArray(file, "loss", 1, one, &loss));
  PetscCall(WriteFlat(file, "grad", m.ps, grad));
  PetscCall(RunSteps(CFX_OPTIMIZER_ADAM, after));
  PetscCall(WriteFlat(file, "adam", m.ps, after));
  PetscCall(RunSteps(CFX_OPTIMIZER_ADAMW, after));
  PetscCall(WriteFlat(file, "adamw", m.ps, after));
  H5Fclose(file);
  PetscCall(PetscFree(after));
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(ModelDestroy(&m));
  PetscCall(CfxFinalize());
  return 0;
}
