#!/usr/bin/python3
"""Error against solve time for conflux ineus result files (any methods, problems, d).

Usage: /usr/bin/python3 bench/ineus_plot.py OUT.png RESULT.h5 [RESULT.h5 ...]
One panel per problem/d: relative L2 (INEUS, PINN) and the error at (0, x0) (all methods,
dashed) after every outer iteration, against the solve seconds of /history/time."""
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    runs = {}
    for name in sys.argv[2:]:
        with h5py.File(name, "r") as f:
            key = "%s d=%s" % (text(f.attrs["problem"]), text(f.attrs["d"]))
            h = f["history"]
            runs.setdefault(key, []).append((text(f.attrs["method"]), h["time"][1:], h["rel_l2"][1:], h["point_error"][1:]))
    fig, axes = plt.subplots(1, len(runs), figsize=(4.5 * len(runs), 3.6), squeeze=False)
    for ax, (key, rs) in zip(axes[0], sorted(runs.items())):
        for method, t, rel, pt in rs:
            line = None
            if method != "bsde":
                (line,) = ax.loglog(t, rel, "o-", ms=3, label="%s rel. L2" % method)
            ax.loglog(t, pt, "s--", ms=3, color=line.get_color() if line else None, label="%s at (0, x0)" % method)
        ax.set_title(key)
        ax.set_xlabel("solve time [s]")
        ax.set_ylabel("error")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(sys.argv[1] + ".tmp.png", dpi=120)
    import os

    os.replace(sys.argv[1] + ".tmp.png", sys.argv[1])
    print("wrote", sys.argv[1])


if __name__ == "__main__":
    main()
