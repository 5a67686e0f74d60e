#!/usr/bin/env bash
# Flux NO training throughput: conflux (1 process; OpenBLAS) vs the same model in PyTorch
# (2 threads, float64), measured one after the other in the same run. One JSON line each,
# then the ratio. Usage: bash bench/fluxno_train.sh [BUILD_DIR]  (needs -DCONFLUX_BUILD_BENCH=ON)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
# libconflux may resolve libopenblas.so.0 to the pthreads build; the fused ops call BLAS from
# inside OpenMP loops and expect the OpenMP build (single-threaded there), as PyTorch uses.
openmp_blas=/usr/lib/x86_64-linux-gnu/openblas-openmp
conflux_env=()
[[ -e $openmp_blas/libopenblas.so.0 ]] && conflux_env=(env "LD_LIBRARY_PATH=$openmp_blas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
c=$("${conflux_env[@]}" "$build/bench/fluxno_train" -batch 100 -n 128 -steps 20)
p=$(MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=4294967296 /usr/bin/python3 "$here/bench/fluxno_train_torch.py" 100 128 20)
echo "$c"
echo "$p"
/usr/bin/python3 -c "import json,sys; a=json.loads(sys.argv[1]); b=json.loads(sys.argv[2]); print(json.dumps({'bench':'fluxno_train_ratio','conflux_over_pytorch':round(a['samples_per_s']/b['samples_per_s'],3),'loadavg':open('/proc/loadavg').read().split()[0]}))" "$c" "$p"
