#!/usr/bin/env bash
# Reproduces B1 of docs/results/lgp.md (Offen's coupled oscillator, L = |v|^2/2 - |q|^2 + 0.1 q1 q2,
# i.e. the chain wall-1.9-m-0.1-m-1.9-wall): 300 snapshot triples released from Halton points (q, v)
# in [-1, 1]^4, h = 0.1, D-LGP with ell = 1 and GP-NARX on the same data, 1000-step rollouts from
# q0 = (0.2, 0.1), v0 = 0 against CVODE, a JSON summary per model and docs/images/lgp_b1.png.
# Usage (from the repository root, after building): bench/lgp_b1.sh [workdir] (default build/lgp_b1)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
C=${C:-$root/build/bin/conflux}
PY=${CONFLUX_PYTHON:-/usr/bin/python3}
work=${1:-$root/build/lgp_b1}
mkdir -p "$work"
cd "$work"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
sys="-system coupled_oscillators -springs 1.9,0.1,1.9"
$C lgp simulate $sys -init halton -box 1 -n_traj 300 -n_steps 3 -o b1.h5 -force
$C lgp simulate $sys -n_traj 1 -q0 0.2,0.1 -n_steps 1001 -o test.h5 -force
$C lgp fit -data b1.h5 -model dlgp -ml2 0 -lgp_jitter 1e-14 -o dlgp.h5 -force
$C lgp fit -data b1.h5 -model narx -ml2 0 -o narx.h5 -force
for m in dlgp narx; do
  $C lgp rollout -model $m.h5 -data test.h5 -steps 1000 $sys -o pred_$m.h5 -force
done
"$PY" "$root/bench/lgp_b1_plot.py" . "$root/docs/images/lgp_b1.png"
