/* Bump allocator for the intermediates of one training step.

   Allocation is a pointer increment in the current block; when a block is full a new one
   (at least twice the previous size) is chained. CfxArenaReset frees everything at once and,
   if more than one block was used, replaces them by a single block of the high-water size,
   so from the second step on a step performs no malloc at all. */
#include "cfxtensorimpl.h"

#define CFX_ARENA_ALIGN ((size_t)64)

static PetscErrorCode CfxArenaPushBlock(CfxArena a, size_t size)
{
  PetscFunctionBegin;
  if (a->nblocks == a->maxblocks) {
    PetscInt nmax = a->maxblocks ? 2 * a->maxblocks : 8;
    PetscCall(PetscRealloc(sizeof(char *) * nmax, &a->blocks));
    PetscCall(PetscRealloc(sizeof(size_t) * nmax, &a->sizes));
    a->maxblocks = nmax;
  }
  a->blocks[a->nblocks] = NULL;
  /* 64-byte alignment (cache lines, AVX-512, FFTW's SIMD paths); C11 aligned_alloc wants a
     multiple of the alignment. */
  size                  = (size + CFX_ARENA_ALIGN - 1) & ~(CFX_ARENA_ALIGN - 1);
  a->blocks[a->nblocks] = aligned_alloc(CFX_ARENA_ALIGN, size);
  PetscCheck(a->blocks[a->nblocks], PETSC_COMM_SELF, PETSC_ERR_MEM, "arena: cannot allocate a block of %zu bytes", size);
  a->sizes[a->nblocks] = size;
  a->nblocks++;
  a->used = 0;
  PetscFunctionReturn(0);
}

/*@C
  CfxArenaCreate - Creates an arena whose first block holds `size` bytes (0 for 1 MiB).
@*/
PetscErrorCode CfxArenaCreate(size_t size, CfxArena *arena)
{
  CfxArena a;

  PetscFunctionBegin;
  PetscValidPointer(arena, 2);
  PetscCall(PetscNew(&a));
  PetscCall(CfxArenaPushBlock(a, size ? size : ((size_t)1 << 20)));
  *arena = a;
  PetscFunctionReturn(0);
}

/*@C
  CfxArenaAlloc - Returns `size` bytes aligned to 64 bytes, valid until the next reset.
  The memory is not initialised.
@*/
PetscErrorCode CfxArenaAlloc(CfxArena a, size_t size, void **ptr)
{
  size_t need = (size + CFX_ARENA_ALIGN - 1) & ~(CFX_ARENA_ALIGN - 1);

  PetscFunctionBegin;
  if (!need) need = CFX_ARENA_ALIGN;
  if (a->used + need > a->sizes[a->nblocks - 1]) {
    size_t grow = 2 * a->sizes[a->nblocks - 1];
    PetscCall(CfxArenaPushBlock(a, grow > need ? grow : need));
  }
  *ptr = a->blocks[a->nblocks - 1] + a->used;
  a->used += need;
  a->total += need;
  if (a->total > a->peak) a->peak = a->total;
  PetscFunctionReturn(0);
}

/*@C
  CfxArenaReset - Releases every allocation. Keeps one block large enough for the largest
  step seen so far.
@*/
PetscErrorCode CfxArenaReset(CfxArena a)
{
  PetscFunctionBegin;
  if (a->nblocks > 1) {
    for (PetscInt i = 0; i < a->nblocks; i++) free(a->blocks[i]);
    a->nblocks = 0;
    PetscCall(CfxArenaPushBlock(a, a->peak));
  }
  a->used  = 0;
  a->total = 0;
  PetscFunctionReturn(0);
}

/*@C
  CfxArenaGetUsage - Bytes handed out since the last reset, and the capacity of the blocks.
@*/
PetscErrorCode CfxArenaGetUsage(CfxArena a, size_t *used, size_t *capacity)
{
  PetscFunctionBegin;
  if (used) *used = a->total;
  if (capacity) {
    *capacity = 0;
    for (PetscInt i = 0; i < a->nblocks; i++) *capacity += a->sizes[i];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode CfxArenaDestroy(CfxArena *arena)
{
  PetscFunctionBegin;
  if (!*arena) PetscFunctionReturn(0);
  for (PetscInt i = 0; i < (*arena)->nblocks; i++) free((*arena)->blocks[i]);
  PetscCall(PetscFree((*arena)->blocks));
  PetscCall(PetscFree((*arena)->sizes));
  PetscCall(PetscFree(*arena));
  PetscFunctionReturn(0);
}
