"""Summary and figure of bench/lgp_double_pendulum.sh: true energy along 10^4-step rollouts and
the first 300 steps with 2-sigma bands. Usage: lgp_double_pendulum_plot.py WORKDIR OUT.png"""
import json
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

work, out = sys.argv[1], sys.argv[2]
truth = h5py.File(os.path.join(work, "test.h5"), "r")["q"][0]
labels = {"dlgp": "D-LGP, ℓ = 1", "narx": "GP-NARX, ℓ = 1"}
fig, ax = plt.subplots(1, 3, figsize=(17, 4.5))
for m, lab in labels.items():
    h = h5py.File(os.path.join(work, f"long_{m}.h5"), "r")
    e = h["energy_true"][:]
    dt = h.attrs["h"]
    n = len(e) - 1
    E0 = e[1]
    err = np.abs(e[1:n] - E0)
    early, late = err[: n // 10].max(), err[-(n // 10):].max()
    s = h5py.File(os.path.join(work, f"short_{m}.h5"), "r")
    q, sd = s["mean"][:], s["std"][:]
    k = len(q)
    pe = np.abs(q - truth[:k])
    cov = float(np.mean(pe[2:] <= 2 * sd[2:]))
    print(json.dumps({"model": m, "steps": n, "energy_err_early": float(early), "energy_err_late": float(late), "late_over_early": float(late / early),
                      "max_pos_err_300": float(pe.max()), "coverage_2sigma_300": cov}))
    t = np.arange(1, n) * dt
    ax[0].plot(t, e[1:n], lw=0.5, label=f"{lab} (late/early {late / early:.2f})")
    tt = np.arange(k) * dt
    for i, a in enumerate(ax[1:]):
        (l,) = a.plot(tt, q[:, i], lw=1, label=f"{lab} (max err {pe[:, i].max():.1e})")
        a.fill_between(tt, q[:, i] - 2 * sd[:, i], q[:, i] + 2 * sd[:, i], color=l.get_color(), alpha=0.25)
for i, a in enumerate(ax[1:]):
    a.plot(np.arange(len(truth)) * 0.1, truth[:, i], "k--", lw=0.8, label="truth (CVODE)")
    a.set(xlabel="t", ylabel=f"θ{i + 1}", title=f"θ{i + 1}: mean ± 2σ (linearised), 300 steps")
    a.legend(fontsize=7)
ax[0].set(xlabel="t", ylabel="true energy (central-difference velocities)", title="double pendulum, 10^4 steps")
ax[0].legend(fontsize=7)
fig.tight_layout()
fig.savefig(out, dpi=110)
print("wrote", out)
