/* The subcommands of the `conflux` command. Each lives in its own apps/cmd_<name>.c and
   is listed once in the table in apps/conflux.c. */
#pragma once

#include <conflux/conflux.h>

typedef struct {
  const char *name;    /* what the user types: `conflux <name>` */
  const char *summary; /* one line for `conflux -help` */
  const char *usage;   /* full text for `conflux help <name>`: synopsis and options with defaults */
  /* Runs after PetscInitialize(); options come from the database, and argv[1..argc-1] are the
     arguments after the subcommand (positional ones such as file names are read from here). */
  PetscErrorCode (*run)(MPI_Comm, int, char **);
} CfxCommand;

PETSC_INTERN PetscErrorCode CfxCommandVersion(MPI_Comm, int, char **);
PETSC_INTERN PetscErrorCode CfxCommandInfo(MPI_Comm, int, char **);
PETSC_INTERN PetscErrorCode CfxCommandSimulate(MPI_Comm, int, char **);
PETSC_INTERN PetscErrorCode CfxCommandTrain(MPI_Comm, int, char **);
PETSC_INTERN PetscErrorCode CfxCommandEval(MPI_Comm, int, char **);
PETSC_INTERN PetscErrorCode CfxCommandRollout(MPI_Comm, int, char **);
PETSC_INTERN PetscErrorCode CfxCommandLGP(MPI_Comm, int, char **);
PETSC_INTERN PetscErrorCode CfxCommandIneus(MPI_Comm, int, char **);
PETSC_INTERN const char CfxCommandIneusSummary[], CfxCommandIneusUsage[];
PETSC_INTERN PetscErrorCode CfxCommandSnapo(MPI_Comm, int, char **);
PETSC_INTERN const char CfxSnapoUsage[]; /* its `conflux help snapo` text, beside the command */

PETSC_INTERN PetscErrorCode CfxCommandPositional(int, char **, PetscInt, const char *[]);
