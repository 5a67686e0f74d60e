#!/usr/bin/env bash
# conflux ineus end to end: a run interrupted after 1 outer iteration (a complete 1-iteration
# run leaves the same checkpoint) and resumed with -resume to 3 iterations writes the same
# predictions and history (all columns but the wall times) as an uninterrupted 3-iteration
# run, bit for bit; bad input fails with one line; -help lists the options with defaults.
set -u
conflux=$1 python=$2 dir=$3
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || exit 1
small=(-problem b3 -d 3 -ineus_width 16 -ineus_depth 2 -ineus_inner 20 -ineus_batch 64 -ineus_label_samples 2
  -ineus_validation 64 -ineus_test 300 -ineus_tol 0 -ineus_seed 11)
fail() { echo "FAIL $*"; exit 1; }
"$conflux" ineus "${small[@]}" -ineus_outer 3 -o full.h5 > full.log 2>&1 || fail "full run: $(cat full.log)"
"$conflux" ineus "${small[@]}" -ineus_outer 1 -o part.h5 > part.log 2>&1 || fail "partial run: $(cat part.log)"
"$conflux" ineus "${small[@]}" -ineus_outer 3 -o part.h5 -force -resume > resume.log 2>&1 || fail "resumed run: $(cat resume.log)"
grep -q "resuming from part.h5.ckpt after 1 outer iterations" resume.log || fail "no resume line: $(cat resume.log)"
grep -Eq "relative L2 error [0-9.e+-]+ +point error at \(0, x0\)" full.log || fail "no error line: $(cat full.log)"
grep -Eq "^ineus k=3 .*ETA" full.log || fail "no progress line: $(cat full.log)"
"$python" - <<'PY' || exit 1
import h5py, numpy as np, sys
a, b = h5py.File("full.h5", "r"), h5py.File("part.h5", "r")
for k in ["t", "x", "u_pred", "u_exact"]:
    if not np.array_equal(a["test"][k][()], b["test"][k][()]): sys.exit("FAIL /test/%s differs after resume" % k)
for k in a["history"]:
    if k != "time" and not np.array_equal(a["history"][k][()], b["history"][k][()]): sys.exit("FAIL /history/%s differs after resume" % k)
if list(a["history"]["outer"][()]) != [0, 1, 2, 3]: sys.exit("FAIL history outer column %s" % a["history"]["outer"][()])
rel = np.linalg.norm(a["test"]["u_pred"][()] - a["test"]["u_exact"][()]) / np.linalg.norm(a["test"]["u_exact"][()])
if abs(rel - float(a.attrs["rel_l2"])) > 1e-12 * rel: sys.exit("FAIL rel_l2 attribute %s, recomputed %s" % (a.attrs["rel_l2"], rel))
print("ok   resume bitwise; rel_l2 attribute matches the written predictions (%.3e)" % rel)
PY
out=$("$conflux" ineus "${small[@]}" -o full.h5 2>&1) && fail "overwrite without -force succeeded"
grep -q "file exists" <<<"$out" || fail "overwrite message: $out"
for m in pinn bsde; do # the baselines run in the same command and write the same file layout
  "$conflux" ineus "${small[@]}" -ineus_outer 1 -method $m -o $m.h5 > $m.log 2>&1 || fail "-method $m: $(cat $m.log)"
  grep -Eq "^$m k=1 .*ETA" $m.log || fail "no $m progress line: $(cat $m.log)"
  "$python" -c "import h5py, sys; f = h5py.File('$m.h5', 'r'); m = f.attrs['method']; m = m.decode() if isinstance(m, bytes) else m; sys.exit(0 if m == '$m' and f['history']['outer'][-1] == 1 else 'FAIL $m.h5: method ' + str(m))" || exit 1
done
out=$("$conflux" ineus "${small[@]}" -o x.h5 -method pinn -force -resume -checkpoint part.h5.ckpt 2>&1) && fail "resuming an ineus checkpoint as pinn succeeded"
grep -q "ineus_method" <<<"$out" || fail "method mismatch message: $out"
out=$("$conflux" ineus "${small[@]}" -o x.h5 -method foo 2>&1) && fail "-method foo succeeded"
out=$("$conflux" ineus "${small[@]}" -o y.h5 -resume 2>&1) && fail "-resume without checkpoint succeeded"
grep -q "checkpoint y.h5.ckpt not found" <<<"$out" || fail "resume message: $out"
out=$("$conflux" ineus b2 -o z.h5 2>&1) && fail "stray positional argument accepted"
out=$("$conflux" ineus -help 2>&1)
grep -q -- "-ineus_inner <I> .*\[300\]" <<<"$out" || fail "-help: $out"
echo "ok   conflux ineus"
