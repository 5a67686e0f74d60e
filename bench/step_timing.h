/* Shared by the training-step benchmarks (train_mlp.c, train_fno.c, train_fluxno.c): the summary every one of them
   prints, so that their JSON lines mean the same thing. Header-only because each benchmark source
   is its own program (bench/CMakeLists.txt). */
#ifndef CONFLUX_BENCH_STEP_TIMING_H
#define CONFLUX_BENCH_STEP_TIMING_H
#include <petscsys.h>
#include <stdlib.h>
#include <sys/resource.h>

static int StepTimingCompare(const void *a, const void *b)
{
  PetscReal x = *(const PetscReal *)a, y = *(const PetscReal *)b;
  return (x > y) - (x < y);
}

/* Sorts times[] (seconds) and returns the median and minimum in ms and the peak resident set
   of the process in MB. */
static inline void StepTimingSummary(PetscReal times[], PetscInt reps, double *median_ms, double *min_ms, double *peak_rss_mb)
{
  struct rusage ru;

  qsort(times, (size_t)reps, sizeof(PetscReal), StepTimingCompare);
  getrusage(RUSAGE_SELF, &ru);
  *median_ms   = 1e3 * (double)times[reps / 2];
  *min_ms      = 1e3 * (double)times[0];
  *peak_rss_mb = ru.ru_maxrss / 1024.0;
}
#endif
