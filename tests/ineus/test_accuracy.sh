#!/usr/bin/env bash
# B2 at d = 10 (issue item: relative L2 <= 5e-3 in a short run). 8 outer iterations of 300 Adam
# steps with the hard terminal-condition ansatz u = g(x) + ((T - t)/T) N(t, x) (default network
# and labels, about 14 CPU s): the relative L2 error on 2000 test points must be <= 5e-3 and the
# error at (0, 0) <= 3e-3. Without the jump term u(0,0) is off by 14% and the L2 error about as
# much; without the ansatz the same run ends near 1.4e-2 (docs/results/ineus.md).
set -u
conflux=$1 dir=$2
mkdir -p "$dir" && cd "$dir" || exit 1
out=$("$conflux" ineus -problem b2 -d 10 -ineus_outer 8 -ineus_inner 300 -ineus_terminal_ansatz -ineus_test 2000 -o b2.h5 -force 2>&1) || { echo "FAIL run: $out"; exit 1; }
echo "$out" | grep -E "^ineus k=|relative L2"
line=$(grep "^relative L2 error" <<<"$out")
awk '{ rel = $4; pt = $10; if (rel <= 5e-3 && pt <= 3e-3) { print "ok   B2 d=10: relative L2 " rel " <= 5e-3, point error " pt " <= 3e-3"; exit 0 } else { print "FAIL B2 d=10: relative L2 " rel " (<= 5e-3?), point error " pt " (<= 3e-3?)"; exit 1 } }' <<<"$line"
