#!/usr/bin/env python3
"""Tables of bench/fluxno_train_repro.sh: per model family and test set, the relative L2 (and
the largest absolute error at LINF_TIME, default 0.6, or the last time where a test set has no
such time) at each time as mean +- population std over seeds of the per-seed mean
over test samples, from the `conflux eval` outputs ev_<family>_s<seed>_<data>.txt in OUT.

usage: fluxno_repro_table.py OUT [LINF_TIME]"""
import glob
import os
import re
import sys

import numpy as np

NAMES = {"fx": "Flux NO (Euler)", "fxl0": "Flux NO, lambda = 0", "fxrk2": "Flux NO, SSP-RK2", "fno": "FNO baseline",
         "fxadv": "Flux NO (Euler, no noise)", "fxadvn": "Flux NO (Euler, -train_noise 1e-3)", "fnoadv": "FNO baseline"}
ROW = re.compile(r"^\s*([0-9.eE+-]+)\s+([0-9.eE+-]+|nan|inf)\s+\+-\s+(\S+)\s+([0-9.eE+-]+|nan|inf)\s+\+-\s+(\S+)\s*$")


def read(path):
    rows = {}
    for line in open(path):
        m = ROW.match(line)
        if m:
            rows[float(m.group(1))] = (float(m.group(2)), float(m.group(4)))
    if not rows:
        sys.exit("%s: no evaluation rows (t, rel L2 +- std, Linf +- std) found" % path)
    return rows


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    out = sys.argv[1]
    tlinf = float(sys.argv[2]) if len(sys.argv) == 3 else 0.6
    groups = {}
    for path in sorted(glob.glob(os.path.join(out, "ev_*_s*_*.txt"))):
        m = re.match(r"ev_(\w+?)_s(\d+)_(\w+)\.txt$", os.path.basename(path))
        if m:
            groups.setdefault((m.group(3), m.group(1)), {})[int(m.group(2))] = read(path)
    for data in sorted({d for d, _ in groups}):
        fams = [f for d, f in groups if d == data]
        times = sorted({t for f in fams for s in groups[(data, f)].values() for t in s})
        print("\n### test set %s\n" % data)
        tl = tlinf if tlinf in times else times[-1]
        print("| model | seeds | " + " | ".join("t = %g" % t for t in times) + " | t = %g Linf |" % tl)
        print("|---|---|" + "---|" * (len(times) + 1))
        for f in sorted(fams, key=lambda f: list(NAMES).index(f) if f in NAMES else 99):
            runs = groups[(data, f)]
            cells = []
            for t in times:
                v = np.array([runs[s][t][0] for s in sorted(runs) if t in runs[s]])
                cells.append("%.3g ± %.2g" % (v.mean(), v.std()) if v.size else "")
            v = np.array([runs[s][tl][1] for s in sorted(runs) if tl in runs[s]])
            cells.append("%.3g ± %.2g" % (v.mean(), v.std()) if v.size else "")
            print("| %s | %s | %s |" % (NAMES.get(f, f), ",".join(str(s) for s in sorted(runs)), " | ".join(cells)))


if __name__ == "__main__":
    main()
