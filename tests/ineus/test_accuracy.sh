#!/usr/bin/env bash
# B2 at d = 10, a short run (4 outer iterations of 150 Adam steps, default network and labels):
# the relative L2 error on 2000 test points must be <= 4e-2 and the error at (0, 0) <= 3e-2.
# Without the jump term u(0,0) is off by 14% and the L2 error about as much; a network that
# only fits the sampling law stalls near 4.5e-2 at twice this budget. This is a regression
# guard, not the issue's 5e-3 target (docs/results/ineus.md: not reached yet).
set -u
conflux=$1 dir=$2
mkdir -p "$dir" && cd "$dir" || exit 1
out=$("$conflux" ineus -problem b2 -d 10 -ineus_outer 4 -ineus_inner 150 -ineus_test 2000 -o b2.h5 -force 2>&1) || { echo "FAIL run: $out"; exit 1; }
echo "$out" | grep -E "^ineus k=|relative L2"
line=$(grep "^relative L2 error" <<<"$out")
awk '{ rel = $4; pt = $10; if (rel <= 4e-2 && pt <= 3e-2) { print "ok   B2 d=10: relative L2 " rel " <= 4e-2, point error " pt " <= 3e-2"; exit 0 } else { print "FAIL B2 d=10: relative L2 " rel " (<= 4e-2?), point error " pt " (<= 3e-2?)"; exit 1 } }' <<<"$line"
