/* Private to the conflux library: PETSc's implementation header (argument validation macros,
   as SLEPc uses them) and declarations shared between conflux source files. */
#pragma once

#include <petsc/private/petscimpl.h>
#include <conflux/cfxsys.h>
