/* Counter-based random numbers (Philox4x32-10). A generator is a key (seed, stream) and a
   counter: draw k of stream s under seed S is the same value on any rank, in any order, so
   "sample i depends only on (seed, i)" holds by construction (use the sample index as the
   stream). The struct is plain data: checkpoint it by copying its three fields. */
#pragma once

#include <conflux/cfxsys.h>
#include <stdint.h>

typedef struct {
  uint64_t seed;    /* user seed (-seed) */
  uint64_t stream;  /* independent stream, e.g. sample index or MPI rank */
  uint64_t counter; /* number of blocks drawn so far */
} CfxRNG;

PETSC_EXTERN PetscErrorCode CfxRNGSetSeed(CfxRNG *, uint64_t, uint64_t);
PETSC_EXTERN void CfxRNGPhilox4x32(const uint32_t[4], const uint32_t[2], uint32_t[4]);
PETSC_EXTERN PetscReal CfxRNGUniform(CfxRNG *);
PETSC_EXTERN PetscReal CfxRNGNormal(CfxRNG *);
PETSC_EXTERN uint64_t CfxRNGBits(CfxRNG *);
PETSC_EXTERN PetscErrorCode CfxRNGFillUniform(CfxRNG *, PetscInt, PetscReal, PetscReal, PetscReal[]);
PETSC_EXTERN PetscErrorCode CfxRNGFillNormal(CfxRNG *, PetscInt, PetscReal, PetscReal, PetscReal[]);
