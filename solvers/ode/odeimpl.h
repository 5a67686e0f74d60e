/* Private state of CfxODE, shared by the files of solvers/ode/. */
#pragma once

#include <cfximpl.h>
#include <conflux/cfxode.h>
#include <petscviewer.h>
#include <cvodes/cvodes.h>
#include <nvector/nvector_serial.h>
#include <sunmatrix/sunmatrix_dense.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunnonlinsol/sunnonlinsol_fixedpoint.h>

struct _n_CfxODE {
  MPI_Comm comm;
  char *prefix;
  CfxODESystem system;
  PetscInt n; /* state size */
  CfxODERHSFn rhs;
  void *rhsctx;
  CfxODEEnergyFn energy;
  void *energyctx;
  CfxODERootFn root;
  void *rootctx;
  PetscInt nroots;
  /* Built-in system parameters: see ode_systems.c for their meaning per system. */
  PetscReal par[8];
  PetscReal *masses, *springs; /* coupled oscillators: N masses, N + 1 springs */

  CfxODEMethod method;
  PetscReal rtol, atol;
  PetscInt maxSteps;
  PetscBool monitor;

  /* SUNDIALS objects, made by SetUp; one SUNContext per CfxODE. */
  SUNContext sunctx;
  void *cvode;
  N_Vector y;
  SUNMatrix A;
  SUNLinearSolver LS;
  SUNNonlinearSolver NLS;
  PetscBool setup, initialized;
  PetscReal t; /* time of the state in y */
  /* What went wrong inside SUNDIALS: its last error message, and a PETSc error raised by a
     user callback (returned to CVODE as an unrecoverable failure). */
  char sunmsg[1024];
  PetscErrorCode cberr;
};

PETSC_INTERN PetscErrorCode CfxODEBuiltinRHS(PetscReal, const PetscReal[], PetscReal[], void *);
PETSC_INTERN PetscErrorCode CfxODEBuiltinEnergy(PetscReal, const PetscReal[], PetscReal *, void *);
PETSC_INTERN PetscErrorCode CfxODEInitializePackage(void);
PETSC_INTERN PetscLogEvent CFX_ODE_Solve, CFX_ODE_RHS;
