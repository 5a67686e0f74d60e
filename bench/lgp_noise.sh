#!/usr/bin/env bash
# Noise robustness of docs/results/lgp.md: the B2 pendulum data (4 trajectories from rest at
# 0.4..1.6 rad, 40 snapshots, h = 0.1) with Gaussian position noise std s in {0, 1e-5, 1e-4, 1e-3}
# (seed 3); D-LGP (ell = 1) with the default nugget 1e-6 and with a nugget matched to the DEL rows
# (about 25 s: the rows combine three positions with weights ~1/h), C-LGP (ell = 2, matched nugget),
# GP-NARX (nugget s); 200-step rollouts from the noise-free theta0 = 1 start. One JSON line per run.
# Usage (from the repository root, after building): bench/lgp_noise.sh [workdir] (default build/lgp_noise)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
C=${C:-$root/build/bin/conflux}
PY=${CONFLUX_PYTHON:-/usr/bin/python3}
work=${1:-$root/build/lgp_noise}
mkdir -p "$work"
cd "$work"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
$C lgp simulate -n_traj 1 -amp 1.0 -n_steps 201 -o test.h5 -force > /dev/null
run() { # noise, name, fit options...
  local s=$1 name=$2
  shift 2
  if $C lgp fit -data p_$s.h5 -ml2 0 "$@" -o m.h5 -force > fit.txt 2>&1 && $C lgp rollout -model m.h5 -data test.h5 -steps 200 -o pr.h5 -force > r.txt 2>&1; then
    "$PY" -c "
import h5py, json, numpy as np
t = h5py.File('test.h5')['q'][0, :, 0]; p = h5py.File('pr.h5'); m = p['mean'][:, 0]; sd = p['std'][:, 0]
e = np.abs(m - t)
print(json.dumps({'noise': $s, 'model': '$name', 'max_pos_err_200': float(e.max()), 'coverage_2sigma': float(np.mean(e[2:] <= 2 * sd[2:]))}))"
  else
    echo "{\"noise\": $s, \"model\": \"$name\", \"failed\": \"$(grep -m1 -o 'rollout step [0-9]*' r.txt fit.txt | head -1)\"}"
  fi
}
for s in 0 1e-5 1e-4 1e-3; do
  $C lgp simulate -noise $s -seed 3 -o p_$s.h5 -force > /dev/null
  m=$(awk "BEGIN{print 25 * $s}")
  [ "$s" = 0 ] && m=1e-6
  run $s dlgp_nugget1e-6 -model dlgp -lgp_noise 1e-6
  run $s dlgp_nugget_matched -model dlgp -lgp_noise $m
  run $s clgp_nugget_matched -model clgp -lgp_ell 2 -lgp_noise $m
  run $s narx_nugget_s -model narx -lgp_noise $([ "$s" = 0 ] && echo 1e-6 || echo $s)
done
