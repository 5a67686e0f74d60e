/* BLAS calls made from inside an OpenMP loop (the fused MLP and channel-linear ops) must run on
   the calling thread. OpenBLAS's OpenMP build does that by itself. Its pthreads build, which
   Debian's libopenblas.so.0 resolves to by default, hands every call to its own thread pool:
   with two OpenMP threads each starting BLAS threads on a 2-core machine, a Flux NO training
   step took 0.69 s instead of 0.069 s. Around such loops the pthreads build is set to one
   thread and restored afterwards. The OpenBLAS entry points are weak, so any other BLAS links
   and is left alone; the OpenMP build is left alone too, because its thread-count setter calls
   omp_set_num_threads() and would serialise the caller's own loop. */
#include "cfxtensorimpl.h"

extern int openblas_get_parallel(void) __attribute__((weak));
extern int openblas_get_num_threads(void) __attribute__((weak));
extern void openblas_set_num_threads(int) __attribute__((weak));

int CfxBLASSerialBegin(void)
{
  int n;

  if (!openblas_get_parallel || !openblas_get_num_threads || !openblas_set_num_threads) return 0;
  if (openblas_get_parallel() != 1) return 0; /* 0: sequential build, 2: OpenMP build */
  n = openblas_get_num_threads();
  if (n <= 1) return 0;
  openblas_set_num_threads(1);
  return n;
}

void CfxBLASSerialEnd(int n)
{
  if (n > 1) openblas_set_num_threads(n);
}
