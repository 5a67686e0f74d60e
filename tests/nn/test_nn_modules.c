static const char help[] = "Network modules: parameter names and counts, PyTorch-default initialisation bounds, seed determinism, options, flat parameter sets, output shapes.\n";

#include <conflux/conflux.h>

static PetscErrorCode NewMLP(uint64_t seed, CfxModule *m)
{
  PetscFunctionBeginUser;
  PetscCall(CfxModuleCreate(PETSC_COMM_SELF, m));
  PetscCall(CfxModuleSetType(*m, CFXMLP));
  PetscCall(CfxModuleMLPSetSizes(*m, 2, 64, 3, 1));
  PetscCall(CfxModuleSetSeed(*m, seed));
  PetscCall(CfxModuleSetUp(*m));
  PetscFunctionReturn(0);
}

/* Every entry inside [lo, hi], and the extremes reach 90% of the way (enough entries). */
static PetscErrorCode CheckRange(const char *name, CfxTensor t, PetscReal lo, PetscReal hi)
{
  PetscReal mn = PETSC_MAX_REAL, mx = -PETSC_MAX_REAL;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < t->size; i++) {
    mn = PetscMin(mn, t->data[i]);
    mx = PetscMax(mx, t->data[i]);
  }
  PetscCheck(mn >= lo && mx <= hi, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: values in [%g, %g], expected inside [%g, %g]", name, (double)mn, (double)mx, (double)lo, (double)hi);
  if (t->size >= 64)
    PetscCheck(mn < lo + 0.1 * (hi - lo) && mx > hi - 0.1 * (hi - lo), PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: values in [%g, %g] do not fill [%g, %g]", name, (double)mn, (double)mx, (double)lo,
               (double)hi);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  CfxModule a, b, fno, tb;
  CfxParamSet ps;
  CfxTape tape;
  PetscInt n, nv, total;
  char name[256];
  CfxTensor t, t2, x, y;
  PetscBool eq;

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(CfxTapeCreate(PETSC_COMM_SELF, &tape));

  /* MLP 2 -> 64 -> 64 -> 64 -> 1: 8 parameters, 8577 values, names and bounds */
  PetscCall(NewMLP(7, &a));
  PetscCall(CfxModuleGetNumParameters(a, &n));
  PetscCall(CfxModuleGetNumParameterValues(a, &nv));
  PetscCheck(n == 8 && nv == 2 * 64 + 64 + 2 * (64 * 64 + 64) + 64 + 1, PETSC_COMM_SELF, PETSC_ERR_PLIB, "MLP has %" PetscInt_FMT " parameters / %" PetscInt_FMT " values", n, nv);
  {
    const char *want[8] = {"mlp.linear0.weight", "mlp.linear0.bias", "mlp.linear1.weight", "mlp.linear1.bias", "mlp.linear2.weight", "mlp.linear2.bias", "mlp.linear3.weight", "mlp.linear3.bias"};
    PetscInt fan[8]     = {2, 2, 64, 64, 64, 64, 64, 64};
    for (PetscInt i = 0; i < 8; i++) {
      PetscBool same;
      PetscCall(CfxModuleGetParameter(a, i, name, sizeof(name), &t));
      PetscCall(PetscStrcmp(name, want[i], &same));
      PetscCheck(same, PETSC_COMM_SELF, PETSC_ERR_PLIB, "parameter %" PetscInt_FMT " is %s, expected %s", i, name, want[i]);
      PetscCall(CheckRange(name, t, -1 / PetscSqrtReal(fan[i]), 1 / PetscSqrtReal(fan[i])));
    }
  }
  /* same seed: identical bits; other seed: different */
  PetscCall(NewMLP(7, &b));
  for (PetscInt i = 0; i < n; i++) {
    PetscCall(CfxModuleGetParameter(a, i, NULL, 0, &t));
    PetscCall(CfxModuleGetParameter(b, i, NULL, 0, &t2));
    PetscCall(PetscArraycmp(t->data, t2->data, t->size, &eq));
    PetscCheck(eq, PETSC_COMM_SELF, PETSC_ERR_PLIB, "same seed gave different parameter %" PetscInt_FMT, i);
  }
  PetscCall(CfxModuleDestroy(&b));
  PetscCall(NewMLP(8, &b));
  PetscCall(CfxModuleGetParameter(a, 2, NULL, 0, &t));
  PetscCall(CfxModuleGetParameter(b, 2, NULL, 0, &t2));
  PetscCheck(t->data[0] != t2->data[0], PETSC_COMM_SELF, PETSC_ERR_PLIB, "different seeds gave the same weights");
  PetscCall(CfxModuleDestroy(&b));

  /* module forward equals the op sequence; output shape */
  {
    PetscInt sx[2] = {5, 2};
    CfxTensor h, W[4], B[4];
    PetscReal d = 0;
    for (PetscInt l = 0; l < 4; l++) {
      PetscCall(CfxModuleGetParameter(a, 2 * l, NULL, 0, &W[l]));
      PetscCall(CfxModuleGetParameter(a, 2 * l + 1, NULL, 0, &B[l]));
    }
    PetscCall(CfxTapeNewTensor(tape, 2, sx, &x));
    for (PetscInt i = 0; i < x->size; i++) x->data[i] = 0.1 * i - 0.3;
    PetscCall(CfxModuleForward(a, tape, x, &y));
    PetscCheck(y->ndim == 2 && y->shape[0] == 5 && y->shape[1] == 1, PETSC_COMM_SELF, PETSC_ERR_PLIB, "MLP output shape");
    h = x;
    for (PetscInt l = 0; l < 4; l++) PetscCall(CfxOpLinear(tape, h, W[l], B[l], l < 3 ? CFX_ACT_TANH : CFX_ACT_NONE, &h));
    for (PetscInt i = 0; i < 5; i++) d = PetscMax(d, PetscAbsReal(h->data[i] - y->data[i]));
    PetscCheck(d == 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "MLP forward differs from its ops by %g", (double)d);
    PetscCall(CfxTapeReset(tape));
  }

  /* options with a prefix: -net_mlp_width 5 -net_mlp_depth 1 -net_mlp_activation gelu */
  PetscCall(PetscOptionsSetValue(NULL, "-net_mlp_width", "5"));
  PetscCall(PetscOptionsSetValue(NULL, "-net_mlp_depth", "1"));
  PetscCall(PetscOptionsSetValue(NULL, "-net_mlp_in", "3"));
  PetscCall(PetscOptionsSetValue(NULL, "-net_mlp_out", "2"));
  PetscCall(CfxModuleCreate(PETSC_COMM_SELF, &b));
  PetscCall(CfxModuleSetOptionsPrefix(b, "net_"));
  PetscCall(CfxModuleSetName(b, "net"));
  PetscCall(CfxModuleSetFromOptions(b));
  PetscCall(CfxModuleSetUp(b));
  PetscCall(CfxModuleGetNumParameterValues(b, &nv));
  PetscCheck(nv == 3 * 5 + 5 + 5 * 2 + 2, PETSC_COMM_SELF, PETSC_ERR_PLIB, "options-built MLP has %" PetscInt_FMT " values, expected 32", nv);
  PetscCall(CfxModuleGetParameter(b, 0, name, sizeof(name), NULL));
  {
    PetscBool same;
    PetscCall(PetscStrcmp(name, "net.linear0.weight", &same));
    PetscCheck(same, PETSC_COMM_SELF, PETSC_ERR_PLIB, "named module's first parameter is %s", name);
  }

  /* FNO1d width 32, 4 layers, 16 modes, grid: names, shapes, spectral init bound, output shape */
  PetscCall(CfxModuleCreate(PETSC_COMM_SELF, &fno));
  PetscCall(CfxModuleSetType(fno, CFXFNO1D));
  PetscCall(CfxModuleSetName(fno, "fno"));
  PetscCall(CfxModuleFNO1dSetSizes(fno, 1, 1, 32, 4, 16));
  PetscCall(CfxModuleFNO1dSetGrid(fno, PETSC_TRUE));
  PetscCall(CfxModuleSetUp(fno));
  PetscCall(CfxModuleView(fno, PETSC_VIEWER_STDOUT_SELF));
  PetscCall(CfxModuleGetNumParameterValues(fno, &nv));
  /* lift 2->32 (+32), 4 x (2 x 32*32*16 + 32*32 + 32), proj 32->128 (+128), 128->1 (+1) */
  PetscCheck(nv == 2 * 32 + 32 + 4 * (2 * 32 * 32 * 16 + 32 * 32 + 32) + 32 * 128 + 128 + 128 + 1, PETSC_COMM_SELF, PETSC_ERR_PLIB, "FNO1d has %" PetscInt_FMT " values", nv);
  PetscCall(CfxModuleGetParameter(fno, 2, name, sizeof(name), &t));
  {
    PetscBool same;
    PetscCall(PetscStrcmp(name, "fno.fourier0.weight_re", &same));
    PetscCheck(same && t->shape[0] == 32 && t->shape[1] == 32 && t->shape[2] == 16, PETSC_COMM_SELF, PETSC_ERR_PLIB, "third FNO parameter is %s", name);
    PetscCall(CheckRange(name, t, 0, 1.0 / (32 * 32)));
  }
  {
    PetscInt sx[3] = {3, 1, 64};
    PetscCall(CfxTapeNewTensor(tape, 3, sx, &x));
    PetscCall(CfxModuleForward(fno, tape, x, &y));
    PetscCheck(y->ndim == 3 && y->shape[0] == 3 && y->shape[1] == 1 && y->shape[2] == 64, PETSC_COMM_SELF, PETSC_ERR_PLIB, "FNO1d output shape");
    PetscCall(CfxTapeReset(tape));
  }

  /* transformer block: PyTorch parameter names; attention biases start at zero */
  PetscCall(CfxModuleCreate(PETSC_COMM_SELF, &tb));
  PetscCall(CfxModuleSetType(tb, CFXTRANSFORMERBLOCK));
  PetscCall(CfxModuleSetName(tb, "block"));
  PetscCall(CfxModuleTransformerBlockSetSizes(tb, 16, 4, 32));
  PetscCall(CfxModuleSetUp(tb));
  {
    const char *want[] = {"block.norm1.weight",
                          "block.norm1.bias",
                          "block.self_attn.in_proj_weight",
                          "block.self_attn.in_proj_bias",
                          "block.self_attn.out_proj.weight",
                          "block.self_attn.out_proj.bias",
                          "block.norm2.weight",
                          "block.norm2.bias",
                          "block.linear1.weight",
                          "block.linear1.bias",
                          "block.linear2.weight",
                          "block.linear2.bias"};
    PetscCall(CfxModuleGetNumParameters(tb, &n));
    PetscCheck(n == 12, PETSC_COMM_SELF, PETSC_ERR_PLIB, "transformer block has %" PetscInt_FMT " parameters", n);
    for (PetscInt i = 0; i < n; i++) {
      PetscBool same;
      PetscCall(CfxModuleGetParameter(tb, i, name, sizeof(name), &t));
      PetscCall(PetscStrcmp(name, want[i], &same));
      PetscCheck(same, PETSC_COMM_SELF, PETSC_ERR_PLIB, "parameter %" PetscInt_FMT " is %s, expected %s", i, name, want[i]);
    }
    PetscCall(CfxModuleGetParameter(tb, 2, NULL, 0, &t));
    PetscCall(CheckRange("in_proj_weight", t, -PetscSqrtReal(6.0 / 64), PetscSqrtReal(6.0 / 64)));
    PetscCall(CfxModuleGetParameter(tb, 5, NULL, 0, &t));
    PetscCall(CheckRange("out_proj.bias", t, 0, 0));
  }

  /* one flat set over three modules: size adds up, parameters point into it */
  PetscCall(CfxParamSetCreate(PETSC_COMM_SELF, &ps));
  PetscCall(CfxModuleAddParameters(a, ps));
  PetscCall(CfxModuleAddParameters(fno, ps));
  PetscCall(CfxModuleAddParameters(tb, ps));
  PetscCall(CfxParamSetSetUp(ps));
  PetscCall(CfxParamSetGetSize(ps, &total));
  {
    PetscInt na, nf, nt, off;
    PetscReal *data;
    PetscCall(CfxModuleGetNumParameterValues(a, &na));
    PetscCall(CfxModuleGetNumParameterValues(fno, &nf));
    PetscCall(CfxModuleGetNumParameterValues(tb, &nt));
    PetscCheck(total == na + nf + nt, PETSC_COMM_SELF, PETSC_ERR_PLIB, "flat size %" PetscInt_FMT " != %" PetscInt_FMT, total, na + nf + nt);
    PetscCall(CfxParamSetFind(ps, "fno.fourier0.weight_re", &t, &off));
    PetscCall(CfxParamSetGetArrays(ps, &data, NULL));
    PetscCheck(t && t->data == data + off && off == na + 2 * 32 + 32, PETSC_COMM_SELF, PETSC_ERR_PLIB, "fno.fourier0.weight_re at offset %" PetscInt_FMT, off);
  }
  PetscCall(CfxParamSetView(ps, NULL));
  /* modules destroyed before the set: the set still owns valid storage */
  PetscCall(CfxModuleDestroy(&a));
  PetscCall(CfxModuleDestroy(&b));
  PetscCall(CfxModuleDestroy(&fno));
  PetscCall(CfxModuleDestroy(&tb));
  PetscCall(CfxParamSetZeroGrad(ps));
  PetscCall(CfxParamSetDestroy(&ps));
  PetscCall(CfxTapeDestroy(&tape));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "module checks passed\n"));
  PetscCall(CfxFinalize());
  return 0;
}
