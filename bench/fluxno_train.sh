#!/usr/bin/env bash
# Flux NO training throughput: conflux (1 process; OpenBLAS) vs the same model in PyTorch
# (2 threads, float64), measured one after the other in the same run. One JSON line each,
# then the ratio. Usage: bash bench/fluxno_train.sh [BUILD_DIR]  (needs -DCONFLUX_BUILD_BENCH=ON)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
c=$("$build/bench/fluxno_train" -batch 100 -n 128 -steps 20)
p=$(MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=4294967296 /usr/bin/python3 "$here/bench/fluxno_train_torch.py" 100 128 20)
echo "$c"
echo "$p"
/usr/bin/python3 -c "import json,sys; a=json.loads(sys.argv[1]); b=json.loads(sys.argv[2]); print(json.dumps({'bench':'fluxno_train_ratio','conflux_over_pytorch':round(a['samples_per_s']/b['samples_per_s'],3),'loadavg':open('/proc/loadavg').read().split()[0]}))" "$c" "$p"
