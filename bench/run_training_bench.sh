#!/usr/bin/env bash
# Training-step benchmarks, conflux vs PyTorch in the same run (DESIGN.md §8): float64,
# 2 threads each, OpenBLAS (OpenMP variant) as the system BLAS, glibc kept from returning
# large buffers to the OS. Prints each side's JSON line, then one ratio line per model
# (ratio = PyTorch median / conflux median; > 1 means conflux is faster).
# usage: bench/run_training_bench.sh [BUILD_DIR (default build)] [REPS (default 20)]
# Needs a build configured with -DCONFLUX_BUILD_BENCH=ON and Debian's python3-torch.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../build}"
reps="${2:-20}"
py=/usr/bin/python3
export OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2
export MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=4294967296
# libconflux links libopenblas.so.0, which Debian's alternatives may resolve to the pthread
# variant; load the OpenMP variant for conflux too, so both sides use the same BLAS.
openmp_blas=/usr/lib/x86_64-linux-gnu/openblas-openmp
conflux_env=()
[[ -e $openmp_blas/libopenblas.so.0 ]] && conflux_env=(env "LD_LIBRARY_PATH=$openmp_blas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
echo "# conflux BLAS: $( "${conflux_env[@]}" ldd "$build/lib/libconflux.so" | awk '/libopenblas/ {print $3}')"
echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg); system BLAS: $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)"

# Models measured so far; each has bench/train_<name>.c (build/bench/train_<name>) and
# bench/train_<name>.py.
for name in mlp fno fluxno; do
  exe="$build/bench/train_$name"
  script="$here/train_$name.py"
  if [[ ! -x $exe || ! -f $script ]]; then
    echo "{\"bench\": \"train_$name\", \"status\": \"not built\"}"
    continue
  fi
  c=$("${conflux_env[@]}" "$exe" -reps "$reps")
  t=$("$py" "$script" --reps "$reps")
  echo "$c"
  echo "$t"
  "$py" - "$c" "$t" <<'EOF'
import json, sys
c, t = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(json.dumps({"bench": c["bench"], "ratio_pytorch_over_conflux": round(t["median_ms"] / c["median_ms"], 3),
                  "conflux_median_ms": c["median_ms"], "pytorch_median_ms": t["median_ms"],
                  "conflux_peak_rss_mb": c["peak_rss_mb"], "pytorch_peak_rss_mb": t["peak_rss_mb"]}))
EOF
done
