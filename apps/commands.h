/* The subcommands of the `conflux` command. Each lives in its own apps/cmd_<name>.c and
   is listed once in the table in apps/conflux.c. */
#pragma once

#include <conflux/conflux.h>

typedef struct {
  const char *name;                /* what the user types: `conflux <name>` */
  const char *summary;             /* one line for `conflux -help` */
  const char *usage;               /* full text for `conflux help <name>`: synopsis and options with defaults */
  PetscErrorCode (*run)(MPI_Comm); /* runs after PetscInitialize(); options come from the database */
} CfxCommand;

PETSC_INTERN PetscErrorCode CfxCommandVersion(MPI_Comm);
