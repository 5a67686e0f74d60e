#!/usr/bin/env bash
# Reproduction runs of docs/results/ineus.md: conflux ineus on the benchmark problems with the
# default options, one result file and log per run, then one summary line per run (relative L2
# error, point error, outer iterations, solve seconds) and whether the issue's target is met.
# Usage: bench/ineus_reproduce.sh [BUILD_DIR] [OUT_DIR] [RUNS...]   RUNS like b2:10 (default:
# b2:10 b1:10 b3:10). RUNS may name the method, b2:10:pinn (default ineus; pinn and bsde are
# the baselines). Extra conflux options through INEUS_OPTS (e.g. -time_budget 60 for equal
# budgets). Records the load average. Plot: bench/ineus_plot.py OUT_DIR/*.h5.
set -eu
build=${1:-build}; out=${2:-ineus_runs}; shift $(( $# >= 2 ? 2 : $# ))
runs=("$@"); [[ ${#runs[@]} -gt 0 ]] || runs=(b2:10 b1:10 b3:10)
conflux=$(cd "$build" && pwd)/bin/conflux
mkdir -p "$out" && cd "$out"
echo "# $(date -u) load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in "${runs[@]}"; do
  IFS=: read -r p d m <<<"$r"
  m=${m:-ineus} tag=$p-$d-${m}
  # ${INEUS_OPTS:-} unquoted on purpose: several options
  # shellcheck disable=SC2086
  /usr/bin/time -f "%U %e" -o "$tag.time" "$conflux" ineus -problem "$p" -d "$d" -method "$m" -o "$tag.h5" -force ${INEUS_OPTS:-} > "$tag.log" 2>&1
  rel=$(sed -n 's/^relative L2 error \([^ ]*\) .*point error at (0, x0) \([^ ]*\) .*/\1 \2/p' "$tag.log")
  it=$(sed -n 's/.*: \([0-9]*\) outer iterations, \([0-9]*\) Adam steps, \([0-9.]*\) s solving.*/\1 \2 \3/p' "$tag.log")
  case $p in b1) target=5e-3 col=1 ;; b2) target=1e-2 col=1 ;; b3) target=1e-2 col=2 ;; esac
  [[ $p == b2 && $d == 10 ]] && target=5e-3
  err=$(cut -d' ' -f$col <<<"$rel")
  met=$(awk -v e="$err" -v t="$target" 'BEGIN{print (e <= t) ? "met" : "NOT met"}')
  echo "$p d=$d $m relL2/point: $rel  outer/steps/solve_s: $it  user_s/wall_s: $(cat "$tag.time")  target $target: $met"
done
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
