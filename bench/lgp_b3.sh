#!/usr/bin/env bash
# Reproduces B3 of docs/results/lgp.md (damped driven pendulum, theta'' = -0.2 theta' - sin theta
# + 0.3 cos(0.8 t), the drive as known input, the damping unknown): 4 trajectories x 40 snapshots
# from rest at 0.4..1.6 rad, D-LGP and C-LGP with the Rayleigh dissipation GP, D-LGP without it,
# 200-step rollouts from theta0 = 1 against CVODE, a JSON line per model and docs/images/lgp_b3.png.
# Usage (from the repository root, after building): bench/lgp_b3.sh [workdir] (default build/lgp_b3)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
C=${C:-$root/build/bin/conflux}
PY=${CONFLUX_PYTHON:-/usr/bin/python3}
work=${1:-$root/build/lgp_b3}
mkdir -p "$work"
cd "$work"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
sys="-system damped_driven_pendulum -gamma 0.2 -drive 0.3 -omega 0.8"
$C lgp simulate $sys -o d.h5 -force
$C lgp simulate $sys -n_traj 1 -amp 1.0 -n_steps 201 -o test.h5 -force
$C lgp fit -data d.h5 -model dlgp -ml2 0 -lgp_jitter 1e-14 -lgp_dissipation -lgp_dissipation_ell 2 -o dlgp_dis.h5 -force
$C lgp fit -data d.h5 -model clgp -ml2 0 -lgp_ell 2 -lgp_jitter 1e-14 -lgp_dissipation -lgp_dissipation_ell 2 -o clgp_dis.h5 -force
$C lgp fit -data d.h5 -model dlgp -ml2 0 -lgp_jitter 1e-14 -o dlgp.h5 -force
for m in dlgp_dis clgp_dis dlgp; do
  $C lgp rollout -model $m.h5 -data test.h5 -steps 200 $sys -o pred_$m.h5 -force > out_$m.txt 2>&1 && cat out_$m.txt || echo "$m: rollout failed: $(grep -m1 'rollout step' out_$m.txt)"
done
"$PY" "$root/bench/lgp_b3_plot.py" . "$root/docs/images/lgp_b3.png"
