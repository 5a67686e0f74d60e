static const char help[] =
    "HFluxNO checkpoints: save/load round trip (configuration, parameters bitwise, identical rollouts), optimizer state, and clear errors for a missing file and a changed parameter count.\n";

#include <conflux/conflux.h>

int main(int argc, char **argv)
{
  CfxHFluxNOConfig cfg, got;
  CfxHFluxNO m, l;
  CfxParamSet ps, pl;
  CfxOptimizer opt;
  PetscReal *va, *vb, *ctx, *ra, *rb, hist[2] = {0.5, 0.25};
  PetscInt n, nl, epoch = -1;
  char file[PETSC_MAX_PATH_LEN] = "hfluxno_roundtrip.h5";
  PetscErrorCode ierr;
  CfxRNG rng;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-file", file, sizeof(file), NULL));
  PetscCall(CfxHFluxNOConfigDefault(&cfg));
  cfg.channels    = 2;
  cfg.cells       = 16;
  cfg.frames      = 4;
  cfg.dim         = 8;
  cfg.lru_width   = 8;
  cfg.lru_blocks  = 2;
  cfg.heads       = 2;
  cfg.mlp_width   = 6;
  cfg.hyper_width = 8;
  cfg.head_blocks = 2;
  cfg.stencil     = 5;
  cfg.lift        = 6;
  cfg.flux_width  = 5;
  cfg.flux_depth  = 2;
  cfg.hyperinit   = CFXHFLUXNO_INIT_DEFAULT;
  cfg.update      = CFXHFLUXNO_UPDATE_DIRECT;
  cfg.ratio       = 0.37;
  cfg.a_min       = 0.8;
  cfg.seed        = 123;
  PetscCall(CfxHFluxNOCreate(PETSC_COMM_WORLD, &m));
  PetscCall(CfxHFluxNOSetConfig(m, &cfg));
  PetscCall(CfxHFluxNOSetFromOptions(m));
  PetscCall(CfxHFluxNOSetUp(m));
  PetscCall(CfxHFluxNOGetConfig(m, &cfg));
  PetscCall(CfxHFluxNOGetParamSet(m, &ps));
  PetscCall(CfxOptimizerCreate(PETSC_COMM_WORLD, &opt));
  PetscCall(CfxOptimizerSetParamSet(opt, ps));
  PetscCall(CfxOptimizerSetType(opt, CFX_OPTIMIZER_ADAMW));
  PetscCall(CfxOptimizerSetUp(opt));
  PetscCall(CfxHFluxNOSave(m, file, opt, 3, 2, hist));

  PetscCall(CfxHFluxNOLoad(PETSC_COMM_WORLD, file, &l));
  PetscCall(CfxHFluxNOGetConfig(l, &got));
  PetscCheck(!memcmp(&got, &cfg, sizeof(cfg)), PETSC_COMM_WORLD, PETSC_ERR_PLIB, "loaded configuration differs");
  PetscCall(CfxHFluxNOGetParamSet(l, &pl));
  PetscCall(CfxParamSetGetSize(ps, &n));
  PetscCall(CfxParamSetGetSize(pl, &nl));
  PetscCheck(n == nl, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "parameter counts differ");
  PetscCall(CfxParamSetGetArrays(ps, &va, NULL));
  PetscCall(CfxParamSetGetArrays(pl, &vb, NULL));
  PetscCheck(!memcmp(va, vb, sizeof(PetscReal) * n), PETSC_COMM_WORLD, PETSC_ERR_PLIB, "loaded parameters differ");
  PetscCall(CfxHFluxNOLoadTrainingState(l, file, opt, &epoch));
  PetscCheck(epoch == 3, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "epoch %" PetscInt_FMT ", expected 3", epoch);
  {
    PetscInt F = cfg.channels * cfg.cells, T = cfg.frames;
    PetscCall(PetscMalloc3(2 * T * F, &ctx, 2 * 5 * F, &ra, 2 * 5 * F, &rb));
    PetscCall(CfxRNGSetSeed(&rng, 1, 0));
    PetscCall(CfxRNGFillUniform(&rng, 2 * T * F, 0.5, 1.5, ctx));
    PetscCall(CfxHFluxNORollout(m, 2, ctx, 5, ra));
    PetscCall(CfxHFluxNORollout(l, 2, ctx, 5, rb));
    PetscCheck(!memcmp(ra, rb, sizeof(PetscReal) * 2 * 5 * F), PETSC_COMM_WORLD, PETSC_ERR_PLIB, "rollouts of the saved and loaded model differ");
    PetscCall(PetscFree3(ctx, ra, rb));
  }
  PetscCall(CfxHFluxNODestroy(&l));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "round trip: configuration, %" PetscInt_FMT " parameters, optimizer state and rollouts identical\n", n));

  /* errors name the file */
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = CfxHFluxNOLoad(PETSC_COMM_WORLD, "no_such_hfluxno.h5", &l);
  PetscCall(PetscPopErrorHandler());
  PetscCheck(ierr == PETSC_ERR_FILE_OPEN && !l, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "loading a missing file returned %d", (int)ierr);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "missing file refused\n"));

  PetscCall(CfxOptimizerDestroy(&opt));
  PetscCall(CfxHFluxNODestroy(&m));
  PetscCall(PetscFinalize());
  return 0;
}
