#!/usr/bin/env bash
# Reproduction runs of docs/results/ineus.md: conflux ineus on the benchmark problems with the
# default options, one result file and log per run, then one summary line per run (relative L2
# error, point error, outer iterations, solve seconds) and whether the issue's target is met.
# Usage: bench/ineus_reproduce.sh [BUILD_DIR] [OUT_DIR] [RUNS...]   RUNS like b2:10 (default:
# b2:10 b1:10 b3:10). Extra conflux options through INEUS_OPTS. Records the load average.
set -eu
build=${1:-build}; out=${2:-ineus_runs}; shift $(( $# >= 2 ? 2 : $# ))
runs=("$@"); [[ ${#runs[@]} -gt 0 ]] || runs=(b2:10 b1:10 b3:10)
conflux=$(cd "$build" && pwd)/bin/conflux
mkdir -p "$out" && cd "$out"
echo "# $(date -u) load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in "${runs[@]}"; do
  p=${r%%:*} d=${r##*:}
  # ${INEUS_OPTS:-} unquoted on purpose: several options
  # shellcheck disable=SC2086
  /usr/bin/time -f "%U %e" -o "$p-$d.time" "$conflux" ineus -problem "$p" -d "$d" -o "$p-$d.h5" -force ${INEUS_OPTS:-} > "$p-$d.log" 2>&1
  rel=$(sed -n 's/^relative L2 error \([^ ]*\) .*point error at (0, x0) \([^ ]*\) .*/\1 \2/p' "$p-$d.log")
  it=$(sed -n 's/.*: \([0-9]*\) outer iterations, \([0-9]*\) Adam steps, \([0-9.]*\) s solving.*/\1 \2 \3/p' "$p-$d.log")
  case $p in b1) target=5e-3 col=1 ;; b2) target=1e-2 col=1 ;; b3) target=1e-2 col=2 ;; esac
  [[ $p == b2 && $d == 10 ]] && target=5e-3
  err=$(cut -d' ' -f$col <<<"$rel")
  met=$(awk -v e="$err" -v t="$target" 'BEGIN{print (e <= t) ? "met" : "NOT met"}')
  echo "$p d=$d relL2/point: $rel  outer/steps/solve_s: $it  user_s/wall_s: $(cat "$p-$d.time")  target $target: $met"
done
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
