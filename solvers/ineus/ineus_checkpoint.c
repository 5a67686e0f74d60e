/* CfxINEUS checkpoints through CfxCheckpoint (io/checkpoint.c): the network parameters, the
   Adam state, the counters (step = Adam steps, epoch = outer iterations), the history as a
   table in the loss history, and the options the run depends on as model attributes, so a
   resumed run can refuse options that would make it differ from the uninterrupted one.
   Checkpoints are taken at the end of outer iterations, where the frozen copy is about to be
   overwritten by the network and the validation values are a function of the network: the
   state above is then all a continuation needs. */
#include "ineusimpl.h"
#include <conflux/cfxcheckpoint.h>

#define NCOLS 9
static const char history_columns[] = "outer,steps,time,change,estimate,loss,rel_l2,point_error,point_value";

/* The options that decide the iterates, as (name, text) pairs. */
static PetscErrorCode RunAttributes(CfxINEUS s, PetscInt *n, char names[][32], char values[][64])
{
  CfxPIDEProblem problem;
  PetscReal lam, T;
  PetscInt k = 0;

  PetscFunctionBegin;
  PetscCall(CfxPIDEGetProblem(s->pide, &problem));
  PetscCall(CfxPIDEGetJumpIntensity(s->pide, &lam));
  PetscCall(CfxPIDEGetHorizon(s->pide, &T));
#define ADD_TEXT(nm, ...)                                 \
  do {                                                    \
    PetscCall(PetscStrncpy(names[k], nm, 32));            \
    PetscCall(PetscSNPrintf(values[k], 64, __VA_ARGS__)); \
    k++;                                                  \
  } while (0)
  ADD_TEXT("problem", "%s", CfxPIDEProblems[problem]);
  ADD_TEXT("d", "%" PetscInt_FMT, s->d);
  ADD_TEXT("pide_lambda", "%.17g", (double)lam);
  ADD_TEXT("pide_T", "%.17g", (double)T);
  ADD_TEXT("pide_r", "%.17g", (double)s->pide->r);
  ADD_TEXT("ineus_width", "%" PetscInt_FMT, s->width);
  ADD_TEXT("ineus_depth", "%" PetscInt_FMT, s->depth);
  ADD_TEXT("ineus_activation", "%s", CfxActivations[s->act]);
  ADD_TEXT("ineus_seed", "%" PetscInt64_FMT, (PetscInt64)s->seed);
  ADD_TEXT("ineus_test_seed", "%" PetscInt64_FMT, (PetscInt64)s->test_seed);
  ADD_TEXT("ineus_validation", "%" PetscInt_FMT, s->nval);
  ADD_TEXT("ineus_test", "%" PetscInt_FMT, s->ntest);
  ADD_TEXT("ineus_inner", "%" PetscInt_FMT, s->inner);
  ADD_TEXT("ineus_batch", "%" PetscInt_FMT, s->batch);
  ADD_TEXT("ineus_label_samples", "%" PetscInt_FMT, s->lab.nsamples);
  ADD_TEXT("ineus_forced_jump", "%s", s->lab.forced_jump ? "true" : "false");
  ADD_TEXT("ineus_antithetic", "%s", s->lab.antithetic ? "true" : "false");
  ADD_TEXT("ineus_query_fraction", "%.17g", (double)s->query_fraction);
  ADD_TEXT("ineus_average", "%.17g", (double)s->average);
  ADD_TEXT("ineus_relative", "%d", (int)s->relative);
  ADD_TEXT("ineus_method", "%s", CfxINEUSMethods[s->method]);
  ADD_TEXT("ineus_pinn_jumps", "%d", (int)s->pinn_jumps);
  ADD_TEXT("ineus_bsde_steps", "%d", (int)s->bsde_steps);
  ADD_TEXT("ineus_lr", "%.17g", (double)s->lr);
  ADD_TEXT("ineus_lr_decay", "%.17g", (double)s->lr_decay);
  ADD_TEXT("ineus_lr_min", "%.17g", (double)s->lr_min);
  ADD_TEXT("ineus_lr_cycle", "%.17g", (double)s->lr_cycle);
  ADD_TEXT("ineus_terminal_ansatz", "%s", s->ansatz ? "true" : "false");
  ADD_TEXT("ineus_clock", "%s", s->cpu_clock ? "cpu" : "wall");
#undef ADD_TEXT
  *n = k;
  PetscFunctionReturn(0);
}

#define MAX_RUN_ATTRS 32

/*@C
  CfxINEUSSaveCheckpoint - Collective. Writes the solver state to `file` (atomically, through
  CfxCheckpointSave). Meant for the end of an outer iteration (CfxINEUSSolve calls it there).
@*/
PetscErrorCode CfxINEUSSaveCheckpoint(CfxINEUS s, const char file[])
{
  CfxCheckpoint ck;
  char names[MAX_RUN_ATTRS][32], values[MAX_RUN_ATTRS][64], buf[64];
  PetscInt nattr;
  PetscReal *table;

  PetscFunctionBegin;
  PetscCheck(s->setup, s->comm, PETSC_ERR_ORDER, "Call CfxINEUSSetUp() first");
  PetscCall(PetscLogEventBegin(CFX_INEUS_Checkpoint, 0, 0, 0, 0));
  PetscCall(CfxCheckpointCreate(s->comm, &ck));
  PetscCall(CfxCheckpointSetModelKind(ck, "ineus"));
  PetscCall(RunAttributes(s, &nattr, names, values));
  for (PetscInt i = 0; i < nattr; i++) PetscCall(CfxCheckpointSetModelAttribute(ck, names[i], values[i]));
  PetscCall(CfxCheckpointSetModelAttribute(ck, "history_columns", history_columns));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "%.17g", (double)s->tspent));
  PetscCall(CfxCheckpointSetModelAttribute(ck, "solve_time", buf));
  PetscCall(CfxCheckpointSetParamSet(ck, s->params));
  PetscCall(CfxCheckpointSetOptimizer(ck, s->opt));
  PetscCall(CfxCheckpointSetStep(ck, s->steps, s->k));
  PetscCall(PetscMalloc1(PetscMax(s->nhist * NCOLS, 1), &table));
  for (PetscInt i = 0; i < s->nhist; i++) {
    const CfxINEUSRecord *r  = &s->hist[i];
    const PetscReal v[NCOLS] = {(PetscReal)r->outer, (PetscReal)r->steps, r->time, r->change, r->estimate, r->loss, r->rel_l2, r->point_error, r->point_value};
    PetscCall(PetscArraycpy(&table[i * NCOLS], v, NCOLS));
  }
  PetscCall(CfxCheckpointSetLossHistory(ck, s->nhist * NCOLS, table));
  PetscCall(PetscFree(table));
  PetscCall(CfxCheckpointSave(ck, file));
  PetscCall(CfxCheckpointDestroy(&ck));
  PetscCall(PetscLogEventEnd(CFX_INEUS_Checkpoint, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  CfxINEUSLoadCheckpoint - Collective. Restores network, Adam state, counters, history and
  solve time from `file`, after CfxINEUSSetUp. Errors if the file is not an INEUS checkpoint
  or was written with different options (naming the option, both values).
@*/
PetscErrorCode CfxINEUSLoadCheckpoint(CfxINEUS s, const char file[])
{
  CfxCheckpoint ck;
  char names[MAX_RUN_ATTRS][32], values[MAX_RUN_ATTRS][64];
  const char *kind, *v;
  PetscInt nattr, step, epoch, ntab;
  const PetscReal *table;
  PetscBool same;

  PetscFunctionBegin;
  PetscCheck(s->setup, s->comm, PETSC_ERR_ORDER, "Call CfxINEUSSetUp() before CfxINEUSLoadCheckpoint()");
  PetscCall(PetscLogEventBegin(CFX_INEUS_Checkpoint, 0, 0, 0, 0));
  PetscCall(CfxCheckpointCreate(s->comm, &ck));
  PetscCall(CfxCheckpointSetParamSet(ck, s->params));
  PetscCall(CfxCheckpointSetOptimizer(ck, s->opt));
  PetscCall(CfxCheckpointLoad(ck, file));
  PetscCall(CfxCheckpointGetModelKind(ck, &kind));
  PetscCall(PetscStrcmp(kind, "ineus", &same));
  PetscCheck(same, s->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: not an INEUS checkpoint (model kind '%s', expected 'ineus')", file, kind ? kind : "(none)");
  PetscCall(RunAttributes(s, &nattr, names, values));
  for (PetscInt i = 0; i < nattr; i++) {
    char msg[512];
    PetscCall(CfxCheckpointGetModelAttribute(ck, names[i], &v));
    if (v) PetscCall(PetscStrcmp(v, values[i], &same));
    if (v && same) continue;
    if (v)
      PetscCall(PetscSNPrintf(msg, sizeof(msg), "%s was written with %s = %s, this run has %s: resuming needs the options of the interrupted run", file, names[i], v, values[i]));
    else
      PetscCall(PetscSNPrintf(msg, sizeof(msg), "%s: model attribute %s missing", file, names[i]));
    PetscCall(CfxCheckpointDestroy(&ck)); /* an error that callers may catch and go on */
    PetscCall(PetscLogEventEnd(CFX_INEUS_Checkpoint, 0, 0, 0, 0));
    SETERRQ(s->comm, v ? PETSC_ERR_ARG_INCOMP : PETSC_ERR_FILE_UNEXPECTED, "%s", msg);
  }
  PetscCall(CfxCheckpointGetModelAttribute(ck, "history_columns", &v));
  PetscCall(PetscStrcmp(v, history_columns, &same));
  PetscCheck(v && same, s->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: model attribute history_columns is '%s', expected '%s'", file, v ? v : "(missing)", history_columns);
  PetscCall(CfxCheckpointGetModelAttribute(ck, "solve_time", &v));
  PetscCheck(v, s->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: model attribute solve_time missing", file);
  PetscCall(PetscOptionsStringToReal(v, &s->tspent));
  PetscCall(CfxCheckpointGetStep(ck, &step, &epoch));
  PetscCall(CfxCheckpointGetLossHistory(ck, &ntab, &table));
  PetscCheck(ntab % NCOLS == 0 && ntab / NCOLS == epoch + 1, s->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: history has %" PetscInt_FMT " entries, expected %d x (outer iterations + 1) = %" PetscInt_FMT,
             file, ntab, NCOLS, NCOLS * (epoch + 1));
  if (s->maxhist < ntab / NCOLS) {
    PetscCall(PetscFree(s->hist));
    s->maxhist = ntab / NCOLS + 16;
    PetscCall(PetscMalloc1(s->maxhist, &s->hist));
  }
  s->nhist = ntab / NCOLS;
  for (PetscInt i = 0; i < s->nhist; i++) {
    const PetscReal *c = &table[i * NCOLS];
    CfxINEUSRecord *r  = &s->hist[i];
    r->outer           = (PetscInt)c[0];
    r->steps           = (PetscInt)c[1];
    r->time            = c[2];
    r->change          = c[3];
    r->estimate        = c[4];
    r->loss            = c[5];
    r->rel_l2          = c[6];
    r->point_error     = c[7];
    r->point_value     = c[8];
  }
  s->k      = epoch;
  s->steps  = step;
  s->reason = CFX_INEUS_ITERATING;
  PetscCall(CfxCheckpointDestroy(&ck));
  PetscCall(PetscLogEventEnd(CFX_INEUS_Checkpoint, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
