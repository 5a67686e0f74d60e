/* Checkpoints (cfxcheckpoint.h), on any number of ranks:
   1. save then load into a fresh model and optimizer gives identical bits (parameters, Adam
      moments, step counts, RNG, loss history, model attributes); names with '/' and '%';
   2. a run stopped after 4 of 10 minibatch steps, saved, and resumed by a fresh program state
      matches the uninterrupted run bitwise (parameters and loss history);
   3. loading into a model of another width fails naming the parameter, expected and found
      shapes, and leaves the model unchanged; a missing or extra parameter is named too;
   4. a failed save (non-finite parameter; NAME.tmp not creatable) leaves the existing file
      byte-for-byte untouched and no NAME.tmp behind.
   Option: -dir DIR (where the files go). */
#include <conflux/conflux.h>
#include <conflux/cfxoptim.h>
#include <conflux/cfxcheckpoint.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIN   3
#define NDATA 64
#define MB    16

typedef struct {
  PetscInt width;
  CfxTensor w[3], b[3];
  CfxParamSet ps;
  CfxOptimizer opt;
  CfxTape tape;
  CfxRNG rng; /* minibatch sampling */
  PetscReal loss[64];
  PetscInt nloss, step;
} Run;

static PetscReal X[NDATA * DIN], Y[NDATA];
static char Dir[PETSC_MAX_PATH_LEN] = ".";
static char LastError[4096];

static PetscErrorCode CaptureError(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  /* keep the first (innermost) message of an error */
  if (p == PETSC_ERROR_INITIAL && mess && !LastError[0]) PetscStrncpy(LastError, mess, sizeof(LastError));
  return n;
}

static void MakeData(void)
{
  CfxRNG rng;
  CfxRNGSetSeed(&rng, 99, 0);
  for (PetscInt i = 0; i < NDATA; i++) {
    PetscReal *x = X + i * DIN;
    for (PetscInt k = 0; k < DIN; k++) x[k] = 2 * CfxRNGUniform(&rng) - 1;
    Y[i] = PetscCosReal(3 * x[0]) * x[1] + x[2];
  }
}

/* A 3-width-width-1 tanh MLP; `seed` sets the initial weights. Names include '/' and '%'. */
static PetscErrorCode RunCreate(PetscInt width, uint64_t seed, Run *r)
{
  const PetscInt shapes[3][2] = {{width, DIN}, {width, width}, {1, width}};
  const char *wname[3]        = {"mlp.linear0.weight", "mlp/hidden.weight", "head%out.weight"};
  const char *bname[3]        = {"mlp.linear0.bias", "mlp/hidden.bias", "head%out.bias"};
  CfxRNG init;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(r, sizeof(*r)));
  r->width = width;
  PetscCall(CfxRNGSetSeed(&init, seed, 0));
  PetscCall(CfxParamSetCreate(PETSC_COMM_WORLD, &r->ps));
  for (PetscInt l = 0; l < 3; l++) {
    PetscReal bound = 1 / PetscSqrtReal((PetscReal)shapes[l][1]);
    PetscCall(CfxTensorCreate(2, shapes[l], &r->w[l]));
    PetscCall(CfxTensorCreate(1, shapes[l], &r->b[l]));
    PetscCall(CfxTensorFillUniform(r->w[l], &init, -bound, bound));
    PetscCall(CfxTensorFillUniform(r->b[l], &init, -bound, bound));
    PetscCall(CfxParamSetAdd(r->ps, wname[l], r->w[l]));
    PetscCall(CfxParamSetAdd(r->ps, bname[l], r->b[l]));
  }
  PetscCall(CfxParamSetSetUp(r->ps));
  PetscCall(CfxOptimizerCreate(PETSC_COMM_WORLD, &r->opt));
  PetscCall(CfxOptimizerSetParamSet(r->opt, r->ps));
  PetscCall(CfxOptimizerSetType(r->opt, CFX_OPTIMIZER_ADAMW));
  PetscCall(CfxOptimizerSetLearningRate(r->opt, 3e-2));
  PetscCall(CfxOptimizerSetWeightDecay(r->opt, 1e-2));
  PetscCall(CfxOptimizerSetSchedule(r->opt, CFX_SCHEDULE_WARMUP_COSINE, 10, 2, 0, 0, 1e-3));
  PetscCall(CfxOptimizerSetUp(r->opt));
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &r->tape));
  PetscCall(CfxRNGSetSeed(&r->rng, 5, 1));
  PetscFunctionReturn(0);
}

static PetscErrorCode RunDestroy(Run *r)
{
  PetscFunctionBeginUser;
  PetscCall(CfxTapeDestroy(&r->tape));
  PetscCall(CfxOptimizerDestroy(&r->opt));
  PetscCall(CfxParamSetDestroy(&r->ps));
  for (PetscInt l = 0; l < 3; l++) {
    PetscCall(CfxTensorDestroy(&r->w[l]));
    PetscCall(CfxTensorDestroy(&r->b[l]));
  }
  PetscFunctionReturn(0);
}

/* One AdamW step on a minibatch drawn with the run's RNG. */
static PetscErrorCode RunStep(Run *r)
{
  PetscInt xs[2] = {MB, DIN}, ys[2] = {MB, 1};
  CfxActivation act[3] = {CFX_ACT_TANH, CFX_ACT_TANH, CFX_ACT_NONE};
  CfxTensor h, y, loss;

  PetscFunctionBeginUser;
  PetscCall(CfxTapeNewTensor(r->tape, 2, xs, &h));
  PetscCall(CfxTapeNewTensor(r->tape, 2, ys, &y));
  for (PetscInt i = 0; i < MB; i++) {
    PetscInt j = (PetscInt)(CfxRNGUniform(&r->rng) * NDATA);
    for (PetscInt k = 0; k < DIN; k++) h->data[i * DIN + k] = X[j * DIN + k];
    y->data[i] = Y[j];
  }
  for (PetscInt l = 0; l < 3; l++) PetscCall(CfxOpLinear(r->tape, h, r->w[l], r->b[l], act[l], &h));
  PetscCall(CfxOpMSELoss(r->tape, h, y, &loss));
  PetscCall(CfxParamSetZeroGrad(r->ps));
  PetscCall(CfxTapeBackward(r->tape, loss));
  r->loss[r->nloss++] = loss->data[0];
  PetscCall(CfxTapeReset(r->tape));
  PetscCall(CfxOptimizerStep(r->opt));
  r->step++;
  PetscFunctionReturn(0);
}

static PetscErrorCode RunSave(Run *r, const char file[])
{
  CfxCheckpoint ck;
  char w[16];
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(CfxCheckpointCreate(PETSC_COMM_WORLD, &ck));
  PetscCall(CfxCheckpointSetModelKind(ck, "mlp"));
  PetscCall(PetscSNPrintf(w, sizeof(w), "%d", (int)r->width));
  PetscCall(CfxCheckpointSetModelAttribute(ck, "width", w));
  PetscCall(CfxCheckpointSetModelAttribute(ck, "activation", "tanh"));
  PetscCall(CfxCheckpointSetParamSet(ck, r->ps));
  PetscCall(CfxCheckpointSetOptimizer(ck, r->opt));
  PetscCall(CfxCheckpointSetStep(ck, r->step, r->step / 4));
  PetscCall(CfxCheckpointSetRNG(ck, &r->rng));
  PetscCall(CfxCheckpointSetLossHistory(ck, r->nloss, r->loss));
  ierr = CfxCheckpointSave(ck, file); /* tests provoke failures: clean up either way */
  PetscCall(CfxCheckpointDestroy(&ck));
  PetscFunctionReturn(ierr);
}

static PetscErrorCode RunLoad(Run *r, const char file[], CfxCheckpoint *out)
{
  CfxCheckpoint ck;
  const PetscReal *loss;
  PetscInt epoch;

  PetscFunctionBeginUser;
  PetscCall(CfxCheckpointCreate(PETSC_COMM_WORLD, &ck));
  PetscCall(CfxCheckpointSetParamSet(ck, r->ps));
  PetscCall(CfxCheckpointSetOptimizer(ck, r->opt));
  PetscCall(CfxCheckpointLoad(ck, file));
  PetscCall(CfxCheckpointGetStep(ck, &r->step, &epoch));
  PetscCall(CfxCheckpointGetRNG(ck, &r->rng));
  PetscCall(CfxCheckpointGetLossHistory(ck, &r->nloss, &loss));
  PetscCall(PetscArraycpy(r->loss, loss, r->nloss));
  if (out)
    *out = ck;
  else
    PetscCall(CfxCheckpointDestroy(&ck));
  PetscFunctionReturn(0);
}

static PetscErrorCode SameBits(const char *what, const void *a, const void *b, size_t bytes)
{
  PetscFunctionBeginUser;
  PetscCheck(!memcmp(a, b, bytes), PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s differ after a checkpoint round trip", what);
  PetscFunctionReturn(0);
}

/* Parameters, optimizer state and counters of two runs are bitwise equal. */
static PetscErrorCode CompareRuns(Run *a, Run *b)
{
  PetscReal *pa, *pb, *sa, *sb;
  PetscInt n, k, ta, tb;

  PetscFunctionBeginUser;
  PetscCall(CfxParamSetGetSize(a->ps, &n));
  PetscCall(CfxParamSetGetArrays(a->ps, &pa, NULL));
  PetscCall(CfxParamSetGetArrays(b->ps, &pb, NULL));
  PetscCall(SameBits("parameters", pa, pb, n * sizeof(PetscReal)));
  PetscCall(CfxOptimizerGetNumStates(a->opt, &k));
  for (PetscInt s = 0; s < k; s++) {
    const char *name;
    PetscCall(CfxOptimizerGetState(a->opt, s, &name, &sa));
    PetscCall(CfxOptimizerGetState(b->opt, s, NULL, &sb));
    PetscCall(SameBits(name, sa, sb, n * sizeof(PetscReal)));
  }
  PetscCall(CfxOptimizerGetStepNumber(a->opt, &ta));
  PetscCall(CfxOptimizerGetStepNumber(b->opt, &tb));
  PetscCheck(ta == tb && a->step == b->step && a->nloss == b->nloss, PETSC_COMM_SELF, PETSC_ERR_PLIB, "step counts differ: %d/%d vs %d/%d", (int)ta, (int)a->step, (int)tb, (int)b->step);
  PetscCall(SameBits("RNG state", &a->rng, &b->rng, sizeof(CfxRNG)));
  PetscCall(SameBits("loss history", a->loss, b->loss, a->nloss * sizeof(PetscReal)));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestRoundTrip(void)
{
  Run a, b;
  CfxCheckpoint ck;
  const char *attr, *kind;
  char file[PETSC_MAX_PATH_LEN];

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(file, sizeof(file), "%s/roundtrip.h5", Dir));
  PetscCall(RunCreate(16, 1, &a));
  for (PetscInt k = 0; k < 3; k++) PetscCall(RunStep(&a));
  PetscCall(RunSave(&a, file));
  PetscCall(RunCreate(16, 2, &b)); /* other initial weights, fresh optimizer and RNG */
  PetscCall(RunLoad(&b, file, &ck));
  PetscCall(CompareRuns(&a, &b));
  PetscCall(CfxCheckpointGetModelKind(ck, &kind));
  PetscCall(CfxCheckpointGetModelAttribute(ck, "width", &attr));
  PetscCheck(kind && !strcmp(kind, "mlp") && attr && !strcmp(attr, "16"), PETSC_COMM_SELF, PETSC_ERR_PLIB, "model attributes not restored (kind %s, width %s)", kind ? kind : "-", attr ? attr : "-");
  PetscCall(CfxCheckpointDestroy(&ck));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "save/load: parameters, AdamW moments, steps, RNG, loss history and model attributes bitwise identical\n"));
  PetscCall(RunDestroy(&a));
  PetscCall(RunDestroy(&b));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestResume(void)
{
  Run full, first, resumed;
  char file[PETSC_MAX_PATH_LEN];

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(file, sizeof(file), "%s/resume.h5", Dir));
  PetscCall(RunCreate(16, 1, &full));
  for (PetscInt k = 0; k < 10; k++) PetscCall(RunStep(&full));
  PetscCall(RunCreate(16, 1, &first));
  for (PetscInt k = 0; k < 4; k++) PetscCall(RunStep(&first));
  PetscCall(RunSave(&first, file));
  PetscCall(RunDestroy(&first));
  PetscCall(RunCreate(16, 3, &resumed));
  PetscCall(RunLoad(&resumed, file, NULL));
  PetscCheck(resumed.step == 4, PETSC_COMM_SELF, PETSC_ERR_PLIB, "resumed at step %d, expected 4", (int)resumed.step);
  for (PetscInt k = 4; k < 10; k++) PetscCall(RunStep(&resumed));
  PetscCall(CompareRuns(&full, &resumed));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "stopped after 4 of 10 steps and resumed: bitwise identical to the uninterrupted run (final loss %.6e)\n", (double)full.loss[9]));
  PetscCall(RunDestroy(&full));
  PetscCall(RunDestroy(&resumed));
  PetscFunctionReturn(0);
}

static PetscErrorCode ExpectLoadError(Run *r, const char file[], const char *needles[], PetscInt nneedles)
{
  CfxCheckpoint ck;
  PetscErrorCode ierr;
  PetscReal *p, *before;
  PetscInt n;

  PetscFunctionBeginUser;
  PetscCall(CfxParamSetGetSize(r->ps, &n));
  PetscCall(CfxParamSetGetArrays(r->ps, &p, NULL));
  PetscCall(PetscMalloc1(n, &before));
  PetscCall(PetscArraycpy(before, p, n));
  PetscCall(CfxCheckpointCreate(PETSC_COMM_WORLD, &ck));
  PetscCall(CfxCheckpointSetParamSet(ck, r->ps));
  LastError[0] = 0;
  PetscCall(PetscPushErrorHandler(CaptureError, NULL));
  ierr = CfxCheckpointLoad(ck, file);
  PetscCall(PetscPopErrorHandler());
  PetscCheck(ierr, PETSC_COMM_SELF, PETSC_ERR_PLIB, "loading a mismatched checkpoint succeeded");
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "refused as expected: %s\n", LastError));
  for (PetscInt i = 0; i < nneedles; i++) PetscCheck(strstr(LastError, needles[i]), PETSC_COMM_SELF, PETSC_ERR_PLIB, "error message \"%s\" does not contain \"%s\"", LastError, needles[i]);
  PetscCall(SameBits("parameters after a refused load", p, before, n * sizeof(PetscReal)));
  PetscCall(PetscFree(before));
  PetscCall(CfxCheckpointDestroy(&ck));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestMismatch(void)
{
  Run small;
  char file[PETSC_MAX_PATH_LEN];
  const char *shape[]   = {"parameter mlp.linear0.weight", "expects shape [8,3]", "checkpoint has [16,3]", "roundtrip.h5"};
  const char *missing[] = {"parameter extra.scale is missing"};
  const char *extra[]   = {"the model has no parameter head%out.bias"};

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(file, sizeof(file), "%s/roundtrip.h5", Dir));
  PetscCall(RunCreate(8, 1, &small));
  PetscCall(ExpectLoadError(&small, file, shape, 4));
  PetscCall(RunDestroy(&small));
  /* a model with one more parameter, and one with one fewer */
  {
    Run r;
    CfxTensor extraT;
    PetscInt one[1] = {1};
    PetscCall(RunCreate(16, 1, &r));
    PetscCall(CfxTensorCreate(1, one, &extraT));
    /* rebuild the set: same tensors plus extra.scale */
    PetscCall(CfxParamSetDestroy(&r.ps));
    PetscCall(CfxOptimizerDestroy(&r.opt));
    PetscCall(CfxParamSetCreate(PETSC_COMM_WORLD, &r.ps));
    PetscCall(CfxParamSetAdd(r.ps, "mlp.linear0.weight", r.w[0]));
    PetscCall(CfxParamSetAdd(r.ps, "mlp.linear0.bias", r.b[0]));
    PetscCall(CfxParamSetAdd(r.ps, "mlp/hidden.weight", r.w[1]));
    PetscCall(CfxParamSetAdd(r.ps, "mlp/hidden.bias", r.b[1]));
    PetscCall(CfxParamSetAdd(r.ps, "head%out.weight", r.w[2]));
    PetscCall(CfxParamSetAdd(r.ps, "extra.scale", extraT));
    PetscCall(CfxParamSetSetUp(r.ps));
    PetscCall(ExpectLoadError(&r, file, missing, 1));
    PetscCall(CfxParamSetDestroy(&r.ps));
    PetscCall(CfxParamSetCreate(PETSC_COMM_WORLD, &r.ps));
    PetscCall(CfxParamSetAdd(r.ps, "mlp.linear0.weight", r.w[0]));
    PetscCall(CfxParamSetAdd(r.ps, "mlp.linear0.bias", r.b[0]));
    PetscCall(CfxParamSetAdd(r.ps, "mlp/hidden.weight", r.w[1]));
    PetscCall(CfxParamSetAdd(r.ps, "mlp/hidden.bias", r.b[1]));
    PetscCall(CfxParamSetAdd(r.ps, "head%out.weight", r.w[2]));
    PetscCall(CfxParamSetSetUp(r.ps));
    PetscCall(ExpectLoadError(&r, file, extra, 1));
    PetscCall(CfxTensorDestroy(&extraT));
    PetscCall(CfxTapeDestroy(&r.tape));
    PetscCall(CfxParamSetDestroy(&r.ps));
    for (PetscInt l = 0; l < 3; l++) {
      PetscCall(CfxTensorDestroy(&r.w[l]));
      PetscCall(CfxTensorDestroy(&r.b[l]));
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadWholeFile(const char file[], char **buf, size_t *len)
{
  FILE *f;

  PetscFunctionBeginUser;
  f = fopen(file, "rb");
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot open %s", file);
  fseek(f, 0, SEEK_END);
  *len = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  PetscCall(PetscMalloc1(*len + 1, buf));
  PetscCheck(fread(*buf, 1, *len, f) == *len, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "short read of %s", file);
  fclose(f);
  PetscFunctionReturn(0);
}

static PetscErrorCode TestFailedSave(void)
{
  Run r;
  char file[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN], *before, *after;
  size_t nb, na;
  PetscReal *p, keep;
  PetscInt n;
  PetscErrorCode ierr;
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCall(PetscSNPrintf(file, sizeof(file), "%s/failsave.h5", Dir));
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s/failsave.h5.tmp", Dir));
  if (rank == 0) (void)rmdir(tmp); /* left behind by an interrupted earlier run */
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  PetscCall(RunCreate(16, 1, &r));
  PetscCall(RunStep(&r));
  PetscCall(RunSave(&r, file));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  PetscCall(ReadWholeFile(file, &before, &nb));
  PetscCall(RunStep(&r));

  /* (a) a NaN in the last parameter: the write fails after the other parameters are written */
  PetscCall(CfxParamSetGetArrays(r.ps, &p, NULL));
  PetscCall(CfxParamSetGetSize(r.ps, &n));
  keep         = p[n - 1];
  p[n - 1]     = NAN;
  LastError[0] = 0;
  PetscCall(PetscPushErrorHandler(CaptureError, NULL));
  ierr = RunSave(&r, file);
  PetscCall(PetscPopErrorHandler());
  PetscCheck(ierr, PETSC_COMM_SELF, PETSC_ERR_PLIB, "saving a NaN parameter succeeded");
  PetscCheck(rank || strstr(LastError, "checkpoint parameter head%out.bias: expected finite values, found NaN"), PETSC_COMM_SELF, PETSC_ERR_PLIB, "unexpected message: %s", LastError);
  p[n - 1] = keep;
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  PetscCall(ReadWholeFile(file, &after, &na));
  PetscCheck(na == nb && !memcmp(before, after, nb), PETSC_COMM_SELF, PETSC_ERR_PLIB, "a failed save changed the existing checkpoint");
  PetscCheck(access(tmp, F_OK) != 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "a failed save left %s behind", tmp);
  PetscCall(PetscFree(after));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "save of a NaN parameter refused (%s); existing file unchanged\n", LastError));

  /* (b) the temporary file cannot be created (a directory is in the way); every rank must have
     finished checking (a) before rank 0 puts the directory there */
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  if (rank == 0) PetscCheck(mkdir(tmp, 0755) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot create directory %s", tmp);
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  LastError[0] = 0;
  PetscCall(PetscPushErrorHandler(CaptureError, NULL));
  ierr = RunSave(&r, file);
  PetscCall(PetscPopErrorHandler());
  PetscCheck(rank || strstr(LastError, "HDF5 cannot create the file"), PETSC_COMM_SELF, PETSC_ERR_PLIB, "unexpected message: %s", LastError);
  PetscCheck(ierr, PETSC_COMM_SELF, PETSC_ERR_PLIB, "saving over a blocked temporary file succeeded");
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  PetscCall(ReadWholeFile(file, &after, &na));
  PetscCheck(na == nb && !memcmp(before, after, nb), PETSC_COMM_SELF, PETSC_ERR_PLIB, "a failed save changed the existing checkpoint");
  if (rank == 0) PetscCheck(rmdir(tmp) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot remove directory %s", tmp);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "save with an uncreatable temporary file refused (%s); existing file unchanged\n", LastError));
  PetscCall(PetscFree(after));
  PetscCall(PetscFree(before));
  PetscCall(RunDestroy(&r));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestNames(void)
{
  const char *names[] = {"a.b", "a/b", "100%", ".", "x%2Fy"};
  const char *keys[]  = {"a.b", "a%2Fb", "100%25", "%2E", "x%252Fy"};
  char key[64], back[64];

  PetscFunctionBeginUser;
  for (int i = 0; i < 5; i++) {
    PetscCall(CfxCheckpointEncodeName(names[i], key, sizeof(key)));
    PetscCall(CfxCheckpointDecodeName(key, back, sizeof(back)));
    PetscCheck(!strcmp(key, keys[i]) && !strcmp(back, names[i]), PETSC_COMM_SELF, PETSC_ERR_PLIB, "name %s -> key %s -> %s (expected key %s)", names[i], key, back, keys[i]);
  }
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(CfxInitialize(&argc, &argv, NULL, "Checkpoint tests"));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-dir", Dir, sizeof(Dir), NULL));
  MakeData();
  PetscCall(TestNames());
  PetscCall(TestRoundTrip());
  PetscCall(TestResume());
  PetscCall(TestMismatch());
  PetscCall(TestFailedSave());
  PetscCall(CfxFinalize());
  return 0;
}
