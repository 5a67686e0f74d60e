#!/usr/bin/python3
"""Markdown tables of conflux ineus result files: the equal-budget comparison and the cost per
Adam step against d (solve seconds of /history/time over its Adam steps; the clock is the
file's `clock` attribute, cpu for process CPU time).

Usage: /usr/bin/python3 bench/ineus_budget_table.py RESULT.h5 [RESULT.h5 ...]"""
import sys

import h5py


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    rows = []
    for name in sys.argv[1:]:
        with h5py.File(name, "r") as f:
            a = {k: text(v) for k, v in f.attrs.items()}
            h = f["history"]
            steps, time = float(h["steps"][-1]), float(h["time"][-1])
            rows.append((a["problem"], int(a["d"]), a["method"], int(steps), time, 1e3 * time / max(steps, 1), float(a["rel_l2"]), float(a["point_error"]),
                         float(a["point_value"]), a.get("clock", "wall"), a["reason"]))
    order = {"ineus": 0, "pinn": 1, "bsde": 2}
    rows.sort(key=lambda r: (r[0], r[1], order.get(r[2], 9)))
    print("| problem | d | method | Adam steps | solve s (clock) | ms/step | rel. L2 | error at (0, x0) | u(0, x0) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for p, d, m, n, t, c, rel, pt, pv, clk, why in rows:
        # the deep BSDE fits u(0, x0) only: its L2 error over the test set is not its figure of merit
        rels = "(%.2e)" % rel if m == "bsde" else "%.2e" % rel
        pts = "%.2e" % pt if pt != float("inf") else "(u* = 0)"
        print("| %s | %d | %s | %d | %.1f (%s) | %.1f | %s | %s | %.5f |" % (p.upper(), d, m, n, t, clk, c, rels, pts, pv))


if __name__ == "__main__":
    main()
