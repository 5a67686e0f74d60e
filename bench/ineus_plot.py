#!/usr/bin/python3
"""Error against solve time for conflux ineus result files (any methods, problems, d).

Usage: /usr/bin/python3 bench/ineus_plot.py OUT.png RESULT.h5 [RESULT.h5 ...]
One panel per problem (rows) and d (columns): relative L2 (INEUS, PINN) and the error at (0, x0)
(all methods, dashed; B1, where u*(0, x0) = 0: |u(0, x0)|) after every outer iteration, against
the solve seconds of /history/time (the files' clock: wall, or cpu for -ineus_clock cpu)."""
import sys

import h5py
import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    runs, clocks = {}, set()
    for name in sys.argv[2:]:
        with h5py.File(name, "r") as f:
            key = (text(f.attrs["problem"]), int(float(text(f.attrs["d"]))))
            h = f["history"]
            clocks.add(text(f.attrs["clock"]) if "clock" in f.attrs else "wall")
            pt = h["point_error"][1:]
            if len(pt) and not np.isfinite(pt).any():  # u*(0, x0) = 0 (B1): the value itself
                pt, ptlabel = np.abs(h["point_value"][1:]), "|u(0, x0)| (u* = 0)"
            else:
                ptlabel = "at (0, x0)"
            runs.setdefault(key, []).append((text(f.attrs["method"]), h["time"][1:], h["rel_l2"][1:], pt, ptlabel))
    clock = "/".join(sorted(clocks))
    problems = sorted({k[0] for k in runs})
    dims = sorted({k[1] for k in runs})
    fig, axes = plt.subplots(len(problems), len(dims), figsize=(4.2 * len(dims), 3.3 * len(problems)), squeeze=False)
    for i, p in enumerate(problems):
        for j, d in enumerate(dims):
            ax = axes[i][j]
            if (p, d) not in runs:
                ax.set_axis_off()
                continue
            for method, t, rel, pt, ptlabel in runs[(p, d)]:
                line = None
                if method != "bsde":
                    (line,) = ax.loglog(t, rel, "o-", ms=3, label="%s rel. L2" % method)
                ax.loglog(t, pt, "s--", ms=3, color=line.get_color() if line else None, label="%s %s" % (method, ptlabel))
            ax.set_title("%s d=%d" % (p, d))
            ax.set_xlabel("solve time [s] (%s)" % clock)
            ax.set_ylabel("error")
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(sys.argv[1] + ".tmp.png", dpi=120)
    import os

    os.replace(sys.argv[1] + ".tmp.png", sys.argv[1])
    print("wrote", sys.argv[1])


if __name__ == "__main__":
    main()
