"""Summary and figure of bench/lgp_b3.sh: trajectories with 2-sigma bands and the true energy
along each prediction. Usage: lgp_b3_plot.py WORKDIR OUT.png"""
import json
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

work, out = sys.argv[1], sys.argv[2]
truth = h5py.File(os.path.join(work, "test.h5"), "r")["q"][0, :, 0]
labels = {"dlgp_dis": "D-LGP + dissipation GP", "clgp_dis": "C-LGP (ℓ = 2) + dissipation GP", "dlgp": "D-LGP, no dissipation GP"}
fig, ax = plt.subplots(1, 2, figsize=(13, 4.5))
t = np.arange(len(truth)) * 0.1
Et = 0.5 * (np.gradient(truth, 0.1)) ** 2 + 1 - np.cos(truth)
for m, lab in labels.items():
    f = os.path.join(work, f"pred_{m}.h5")
    if not os.path.exists(f):
        print(json.dumps({"model": m, "rollout": "failed"}))
        continue
    h = h5py.File(f, "r")
    q, s, e = h["mean"][:, 0], h["std"][:, 0], h["energy_true"][:]
    k = len(q)
    err = np.abs(q - truth[:k])
    cov = float(np.mean(err[2:] <= 2 * s[2:]))
    print(json.dumps({"model": m, "steps": k - 1, "max_pos_err": float(err.max()), "coverage_2sigma": cov}))
    (l,) = ax[0].plot(t[:k], q, lw=1, label=f"{lab} (max err {err.max():.1e})")
    ax[0].fill_between(t[:k], q - 2 * s, q + 2 * s, color=l.get_color(), alpha=0.25)
    ax[1].plot(t[1 : k - 1], e[1 : k - 1], lw=1, color=l.get_color(), label=lab)
ax[0].plot(t, truth, "k--", lw=0.8, label="truth (CVODE)")
ax[1].plot(t[1:-1], Et[1:-1], "k--", lw=0.8, label="truth")
ax[0].set(xlabel="t", ylabel="θ", title="B3 damped driven pendulum: mean ± 2σ (linearised)")
ax[1].set(xlabel="t", ylabel="v²/2 + 1 - cos θ (central differences)", title="mechanical energy along the prediction")
for a in ax:
    a.legend(fontsize=7)
fig.tight_layout()
fig.savefig(out, dpi=110)
print("wrote", out)
