#!/usr/bin/env bash
# Double pendulum of docs/results/lgp.md: 16 trajectories of 40 snapshots (h = 0.1) from Halton
# states (q, v) in [-0.6, 0.6]^4, D-LGP (ell = 1, jitter 1e-14) and GP-NARX (ell = 1) on the same
# data; from q0 = (0.4, -0.2) at rest: 10^4-step mean rollouts with the true energy, and 300 steps
# with the linearised std; a JSON line per model and docs/images/lgp_double_pendulum.png.
# Usage (from the repository root, after building): bench/lgp_double_pendulum.sh [workdir]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
C=${C:-$root/build/bin/conflux}
PY=${CONFLUX_PYTHON:-/usr/bin/python3}
work=${1:-$root/build/lgp_double_pendulum}
steps=${STEPS:-10000}
mkdir -p "$work"
cd "$work"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
$C lgp simulate -system double_pendulum -init halton -box 0.6 -n_traj 16 -n_steps 40 -o dp.h5 -force
$C lgp simulate -system double_pendulum -n_traj 1 -amp 0.4 -n_steps 301 -o test.h5 -force
$C lgp fit -data dp.h5 -model dlgp -ml2 0 -lgp_jitter 1e-14 -o dlgp.h5 -force
$C lgp fit -data dp.h5 -model narx -ml2 0 -o narx.h5 -force
for m in dlgp narx; do
  $C lgp rollout -model $m.h5 -data test.h5 -steps "$steps" -std 0 -system double_pendulum -o long_$m.h5 -force
  $C lgp rollout -model $m.h5 -data test.h5 -steps 300 -system double_pendulum -o short_$m.h5 -force
done
"$PY" "$root/bench/lgp_double_pendulum_plot.py" . "$root/docs/images/lgp_double_pendulum.png"
