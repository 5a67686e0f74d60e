"""Summary and figure of bench/lgp_pendulum.sh: energy error against time for every model and
the first 200 steps with 2-sigma bands. Usage: lgp_pendulum_plot.py WORKDIR OUT.png"""
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
E0 = 1 - np.cos(1.0)
labels = {
    "dlgp": "D-LGP, ℓ = 1 (fixed)",
    "dlgp_mlii": "D-LGP, ML-II ℓ",
    "dlgp_val": "D-LGP, ℓ by held-out rollouts",
    "clgp": "C-LGP, ℓ = 2 (fixed)",
    "clgp_val": "C-LGP, ℓ by validation file",
    "narx": "GP-NARX, ℓ = 1",
}
fig, ax = plt.subplots(1, 2, figsize=(13, 4.5))
for m, lab in labels.items():
    f = os.path.join(work, f"pred_{m}.h5")
    if not os.path.exists(f):
        print(json.dumps({"model": m, "rollout": "failed"}))
        continue
    h = h5py.File(f, "r")
    q, s, e = h["mean"][:, 0], h["std"][:, 0], h["energy_true"][:]
    h5 = h.attrs["h"]
    n = len(q) - 1
    err = np.abs(e[1:n] - E0)
    early, late = err[: n // 10].max(), err[-(n // 10):].max()
    k = min(len(truth), len(q))
    pos = np.abs(q[2:k] - truth[2:k])
    cov = float(np.mean(pos <= 2 * s[2:k]))
    print(json.dumps({"model": m, "steps": n, "energy_err_early": float(early), "energy_err_late": float(late),
                      "late_over_early": float(late / early), "max_pos_err_200": float(pos.max()), "coverage_2sigma_200": cov}))
    t = np.arange(1, n) * h5
    ax[0].semilogy(t, err + 1e-16, lw=0.6, label=f"{lab} (late/early {late / early:.2f})")
    if m in ("dlgp_val", "dlgp_mlii", "narx"):
        tt = np.arange(k) * h5
        (l,) = ax[1].plot(tt, q[:k], lw=1, label=lab)
        ax[1].fill_between(tt, q[:k] - 2 * s[:k], q[:k] + 2 * s[:k], color=l.get_color(), alpha=0.2)
ax[1].plot(np.arange(len(truth)) * 0.1, truth, "k--", lw=1, label="truth (CVODE)")
ax[0].set(xlabel="t", ylabel="|E - E0| (true energy, central differences)", title="Pendulum, 10^4 steps")
ax[1].set(xlabel="t", ylabel="θ", title="first 200 steps, mean ± 2σ (linearised)")
ax[0].legend(fontsize=7)
ax[1].legend(fontsize=7)
fig.tight_layout()
fig.savefig(out, dpi=110)
print("wrote", out)
