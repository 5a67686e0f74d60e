#!/usr/bin/env bash
# Reproduces the B2 pendulum figures of docs/results/lgp.md: data from CVODE, LGP fits with fixed,
# ML-II and held-out-rollout length scales, GP-NARX, 10^4-step rollouts, a JSON summary per model
# and docs/images/lgp_pendulum.png. Usage (from the repository root, after building):
#   bench/lgp_pendulum.sh [workdir]        (default: build/lgp_pendulum)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
C=${C:-$root/build/bin/conflux}
PY=${CONFLUX_PYTHON:-/usr/bin/python3}
work=${1:-$root/build/lgp_pendulum}
steps=${STEPS:-10000}
mkdir -p "$work"
cd "$work"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
$C lgp simulate -o p.h5 -force > /dev/null
$C lgp simulate -o test.h5 -n_traj 1 -amp 1.0 -n_steps 201 -force > /dev/null
$C lgp simulate -o val.h5 -n_traj 2 -amp 0.6,1.4 -n_steps 120 -force > /dev/null
fit() { # name, options...
  local name=$1
  shift
  local t0=$(date +%s.%N)
  $C lgp fit -data p.h5 -o "$name.h5" -force "$@" | grep -E "ell =|selected" | sed "s/^/$name: /"
  echo "$name: fit wall time $(echo "$(date +%s.%N) - $t0" | bc) s"
}
fit dlgp -model dlgp -ml2 0
fit dlgp_mlii -model dlgp -ml2 1
fit dlgp_val -model dlgp -lgp_fit_select validation
fit clgp -model clgp -ml2 0 -lgp_ell 2,2
fit clgp_val -model clgp -validate val.h5
fit narx -model narx -ml2 0
for m in dlgp dlgp_mlii dlgp_val clgp clgp_val narx; do
  t0=$(date +%s.%N)
  if $C lgp rollout -model $m.h5 -data test.h5 -steps "$steps" -system pendulum -o pred_$m.h5 -force > /dev/null 2> err_$m.txt; then
    echo "$m: rollout wall time $(echo "$(date +%s.%N) - $t0" | bc) s"
  else
    echo "$m: rollout failed: $(head -c 300 err_$m.txt)"
  fi
done
"$PY" "$root/bench/lgp_pendulum_plot.py" . "$root/docs/images/lgp_pendulum.png"
