#!/usr/bin/env bash
# Under mpirun only rank 0 prints.
set -u
mpiexec=$1 conflux=$2
out=$("$mpiexec" -n 2 --oversubscribe "$conflux" --version 2>&1) || { echo "FAIL: mpiexec -n 2 conflux --version failed: $out"; exit 1; }
n=$(grep -Ec '^conflux [0-9]+\.[0-9]+\.[0-9]+$' <<<"$out")
[[ $n -eq 1 ]] || { echo "FAIL: version printed $n times under 2 ranks: $out"; exit 1; }
status=0
"$mpiexec" -n 2 --oversubscribe "$conflux" nosuch >/dev/null 2>&1 || status=$?
[[ $status -ne 0 ]] || { echo "FAIL: unknown subcommand exited 0 under mpirun"; exit 1; }
n=$("$mpiexec" -n 2 --oversubscribe "$conflux" nosuch 2>&1 | grep -c "unknown subcommand")
[[ $n -eq 1 ]] || { echo "FAIL: unknown-subcommand line printed $n times under 2 ranks"; exit 1; }
echo "ok: rank 0 alone prints under mpirun -n 2"
