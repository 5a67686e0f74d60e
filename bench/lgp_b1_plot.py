"""Summary and figure of bench/lgp_b1.sh: position error, true energy and the trajectory with
2-sigma bands for D-LGP and GP-NARX. Usage: lgp_b1_plot.py WORKDIR OUT.png"""
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
fig, ax = plt.subplots(1, 3, figsize=(16, 4.5))
for m, lab in labels.items():
    h = h5py.File(os.path.join(work, f"pred_{m}.h5"), "r")
    q, s, e = h["mean"][:], h["std"][:], h["energy_true"][:]
    dt = h.attrs["h"]
    n = len(q) - 1
    t = np.arange(n + 1) * dt
    err = np.abs(q - truth[: n + 1]).max(axis=1)
    cov = float(np.mean(np.abs(q[2:] - truth[2 : n + 1]) <= 2 * s[2:]))
    E0 = e[1]
    print(json.dumps({"model": m, "steps": n, "max_pos_err": float(err.max()), "max_energy_err": float(np.abs(e[1:n] - E0).max()),
                      "coverage_2sigma": cov}))
    (l,) = ax[0].semilogy(t[2:], err[2:] + 1e-16, lw=0.8, label=f"{lab} (max {err.max():.2e})")
    ax[0].semilogy(t[2:], 2 * s[2:].max(axis=1), lw=0.6, ls=":", color=l.get_color(), label=f"{lab}: 2σ (linearised)")
    ax[1].plot(t[1:n], e[1:n], lw=0.8, label=lab)
    if m == "dlgp":
        for i in range(2):
            (l,) = ax[2].plot(t, q[:, i], lw=1, label=f"D-LGP q{i + 1}")
            ax[2].fill_between(t, q[:, i] - 2 * s[:, i], q[:, i] + 2 * s[:, i], color=l.get_color(), alpha=0.3)
for i in range(2):
    ax[2].plot(np.arange(len(truth)) * 0.1, truth[:, i], "k--", lw=0.7, label="truth (CVODE)" if i == 0 else None)
ax[0].set(xlabel="t", ylabel="max_i |q_i - q_i,true|", title="B1 coupled oscillator: position error, 1000 steps")
ax[1].set(xlabel="t", ylabel="true energy along the prediction", title="energy (central-difference velocities)")
ax[2].set(xlabel="t", ylabel="q", title="D-LGP mean ± 2σ, last 10 time units", xlim=(90, 100))
for a in ax:
    a.legend(fontsize=7)
fig.tight_layout()
fig.savefig(out, dpi=110)
print("wrote", out)
