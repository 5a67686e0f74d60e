#!/usr/bin/env bash
# Reproduces every figure of docs/results/snapo.md, one JSON line or command printout each.
# usage: bench/snapo_results.sh BUILD_DIR   (configured with -DCONFLUX_BUILD_BENCH=ON)
# Timings: process CPU seconds are the robust figure on a shared machine; wall seconds only
# mean something on a quiet one. The load average is printed before each part.
set -eu
B=${1:-build}
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
MPIEXEC=${MPIEXEC:-mpiexec}
load() { echo "== $1  (load average: $(cut -d' ' -f1-3 /proc/loadavg))"; }
load "S1 gas: training (500 Adam steps x 256 paths), value vs 2-D DP, constant-cost table (N = 1, 12, 52, 365)"
"$B/bench/snapo_gas" -cost_paths 256
load "S1 gas: training wall time with the paths split over 2 ranks (2 cores)"
"$MPIEXEC" -n 2 "$B/bench/snapo_gas" -cost_paths 0
load "S2 pension: constant-cost table (N_rf = 10 ... 500)"
"$B/bench/snapo_pension" -paths 128
load "S3 pharma: training, then 20 quality sensitivities from 5 reverse sweeps (and bump for comparison)"
"$B/bin/conflux" snapo -problem pharma -train -train_iters 300 -train_monitor_every 100 -sensitivities both -o snapo_pharma.h5 -force
load "S1 gas via the command: 365 + 3 sensitivities from one sweep, with the DP reference"
"$B/bin/conflux" snapo -problem gas_storage -train -gas_curve data/snapo/forward_curve.h5 -reference -o snapo_gas.h5 -force
