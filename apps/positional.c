#include "commands.h"

/* The leading arguments that are not options: `conflux info FILE [options]`. Exactly n are
   required; options (and their values) must come after them. */
PetscErrorCode CfxCommandPositional(int argc, char **argv, PetscInt n, const char *out[])
{
  PetscInt found = 0;

  PetscFunctionBegin;
  for (int i = 1; i < argc && argv[i][0] != '-'; i++) {
    if (found < n) out[found] = argv[i];
    found++;
  }
  PetscCheck(found == n, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "expected %" PetscInt_FMT " file argument%s before the options, found %" PetscInt_FMT " (see `conflux help %s`)", n, n == 1 ? "" : "s",
             found, "<subcommand>");
  PetscFunctionReturn(0);
}
