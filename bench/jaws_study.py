"""Metrics and plots of the JAWS six-arm study (bench/jaws_study.sh).

usage: jaws_study.py OUT IMAGEDIR
Reads OUT/{test,ood}.h5, OUT/pred/armA_sS_{test,ood}.h5 and OUT/logs/armA_sS.log; writes
OUT/tables.md (markdown tables) and IMAGEDIR/jaws_{rel_l2,ood,snapshots,spectrum}.png.

Definitions (per test sample, then mean over samples, then mean +- population std over seeds):
- relative L2 at time t: ||pred - ref||_2 / ||ref||_2 (inf if the prediction is not finite);
- time to blow-up: first frame with relative L2 > 1, a non-finite value, or max |pred| above
  10 max |u0|; 5 (the horizon) when none;
- high-wavenumber energy fraction: sum_{k >= N/8} |u_k|^2 / sum_{k >= 1} |u_k|^2 (rfft);
- shock sharpness: total variation sum |u_{j+1} - u_j| and max |u_{j+1} - u_j| / dx, each as
  the ratio prediction / reference (1 = as sharp as the reference, < 1 smeared);
- mass drift: max over frames of |sum pred(t) - sum ref(0)| / sum |ref(0)|."""
import glob
import os
import re
import sys

import h5py
import numpy as np

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

out, imgdir = sys.argv[1:3]
os.makedirs(imgdir, exist_ok=True)
NAMES = {1: "1 one-step", 2: "2 +uniform", 3: "3 +JAWS", 4: "4 K=4", 5: "5 K=4+JAWS", 6: "6 K=16", 7: "7 K=32"}


def load(path):
    with h5py.File(path, "r") as f:
        return f["tensor"][()], f["t-coordinate"][()], f["x-coordinate"][()]


def metrics(pred, ref, t, dx):
    ns, nt, nx = ref.shape
    with np.errstate(all="ignore"):
        err = np.linalg.norm(pred - ref, axis=2) / np.linalg.norm(ref, axis=2)
        err[~np.isfinite(err)] = np.inf
        bad = (err > 1) | ~np.isfinite(pred).all(axis=2) | (np.abs(pred).max(axis=2) > 10 * np.abs(ref[:, :1]).max(axis=2))
        tblow = np.array([t[np.argmax(b)] if b.any() else t[-1] for b in bad])
        m = {"err": err, "tblow": tblow}
        for name, tt in (("t1", 1.0), ("t2", 2.0), ("t5", 5.0)):
            k = int(np.argmin(np.abs(t - tt)))
            p, r = pred[:, k], ref[:, k]
            ph, rh = np.abs(np.fft.rfft(p, axis=1)) ** 2, np.abs(np.fft.rfft(r, axis=1)) ** 2
            kc = nx // 8
            m["hk_" + name] = ph[:, kc:].sum(1) / ph[:, 1:].sum(1)
            m["hkref_" + name] = rh[:, kc:].sum(1) / rh[:, 1:].sum(1)
            dp, dr = np.abs(np.diff(np.concatenate([p, p[:, :1]], 1), axis=1)), np.abs(np.diff(np.concatenate([r, r[:, :1]], 1), axis=1))
            m["tv_" + name] = dp.sum(1) / dr.sum(1)
            m["ux_" + name] = dp.max(1) / dr.max(1)
            m["err_" + name] = err[:, k]
        mass = np.abs(pred.sum(2) - ref[:, :1].sum(2)) / np.abs(ref[:, 0]).sum(1)[:, None]
        m["mass"] = np.where(np.isfinite(mass), mass, np.inf).max(1)
    return m


def logstats(path):
    s = open(path).read()
    r = {}
    g = re.search(r"([\d.]+) s per epoch; peak tape memory ([\d.]+) MB.*max RSS ([\d.]+) MB", s)
    if g:
        r["epoch_wall"], r["tape"], r["rss"] = map(float, g.groups())
    g = re.search(r"time: ([\d.]+) user s", s)
    ep = re.search(r"wrote .* after (\d+) epochs", s)
    if g and ep:
        r["epoch_user"] = float(g.group(1)) / int(ep.group(1))
    return r


def fmt(vals, f="%.3g"):
    v = np.array(vals, dtype=float)
    if not np.all(np.isfinite(v)):
        return "inf (%d/%d seeds)" % (np.sum(~np.isfinite(v)), len(v))
    return (f + " ± " + f) % (v.mean(), v.std()) if len(v) > 1 else f % v.mean()


res, logs = {}, {}
for p in sorted(glob.glob(os.path.join(out, "pred", "arm*_s*_test.h5"))):
    a, s = map(int, re.search(r"arm(\d+)_s(\d+)_test", p).groups())
    for kind in ("test", "ood"):
        ref, t, x = load(os.path.join(out, kind + ".h5"))
        pred, _, _ = load(p.replace("_test.h5", "_%s.h5" % kind))
        res.setdefault((kind, a), {})[s] = metrics(pred, ref, t, x[1] - x[0])
    logs.setdefault(a, {})[s] = logstats(os.path.join(out, "logs", "arm%d_s%d.log" % (a, s)))
arms = sorted({a for (_, a) in res})
ref, t, x = load(os.path.join(out, "test.h5"))


def col(kind, a, key, red=np.mean):
    return [red(m[key]) for m in res[(kind, a)].values()]


lines = []
for kind in ("test", "ood"):
    lines += ["", "### %s (%s)" % ("in distribution, nu = 0.01" if kind == "test" else "out of distribution, nu = 0.005", kind), "",
              "| arm | rel L2 t=1 | rel L2 t=2 | rel L2 t=5 | blow-up time | samples blown up by t=5 |", "|---|---|---|---|---|---|"]
    for a in arms:
        blown = sum(int((m["tblow"] < t[-1]).sum()) for m in res[(kind, a)].values())
        tot = sum(len(m["tblow"]) for m in res[(kind, a)].values())
        lines.append("| %s | %s | %s | %s | %s | %d/%d |" % (NAMES[a], fmt(col(kind, a, "err_t1")), fmt(col(kind, a, "err_t2")), fmt(col(kind, a, "err_t5")), fmt(col(kind, a, "tblow")), blown, tot))
lines += ["", "### shock sharpness, spectrum and mass (in distribution)", "",
          "| arm | TV ratio t=1 | max u_x ratio t=1 | TV ratio t=2 | max u_x ratio t=2 | high-k fraction t=1 (ref %.2e) | high-k fraction t=5 (ref %.2e) | mass drift |" %
          (np.mean(col("test", arms[0], "hkref_t1")), np.mean(col("test", arms[0], "hkref_t5"))), "|---|---|---|---|---|---|---|---|"]
for a in arms:
    lines.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (NAMES[a], fmt(col("test", a, "tv_t1")), fmt(col("test", a, "ux_t1")), fmt(col("test", a, "tv_t2")), fmt(col("test", a, "ux_t2")),
                                                       fmt(col("test", a, "hk_t1")), fmt(col("test", a, "hk_t5")), fmt(col("test", a, "mass"))))
lines += ["", "### cost (training)", "", "| arm | user CPU s / epoch | wall s / epoch (loaded machine) | peak tape memory MB | max RSS MB |", "|---|---|---|---|---|"]
for a in arms:
    L = list(logs[a].values())
    lines.append("| %s | %s | %s | %s | %s |" % (NAMES[a], fmt([l.get("epoch_user", np.nan) for l in L]), fmt([l.get("epoch_wall", np.nan) for l in L]), fmt([l.get("tape", np.nan) for l in L], "%.1f"),
                                          fmt([l.get("rss", np.nan) for l in L], "%.0f")))
open(os.path.join(out, "tables.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))

colors = dict(zip(range(1, 8), ["k", "tab:orange", "tab:green", "tab:blue", "tab:red", "tab:purple", "tab:brown"]))
for kind, fname in (("test", "jaws_rel_l2.png"), ("ood", "jaws_ood.png")):
    plt.figure(figsize=(6.4, 4))
    for a in arms:
        E = np.array([np.minimum(m["err"], 1e3).mean(0) for m in res[(kind, a)].values()])
        plt.semilogy(t, E.mean(0), color=colors[a], label=NAMES[a])
    plt.axvline(1.0, color="gray", ls=":", lw=1)
    plt.xlabel("t (training window [0, 1])")
    plt.ylabel("relative L2 (mean over samples and seeds)")
    plt.title("viscous Burgers, nu = %s" % ("0.01" if kind == "test" else "0.005 (OOD)"))
    plt.legend(fontsize=8)
    plt.tight_layout()
    plt.savefig(os.path.join(imgdir, fname), dpi=110)
    plt.close()

seed0 = min(res[("test", arms[0])].keys())
fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
for ax, tt in zip(axes, (1.0, 2.0, 5.0)):
    k = int(np.argmin(np.abs(t - tt)))
    ax.plot(x, ref[0, k], "k", lw=2.5, alpha=0.4, label="reference")
    for a in arms:
        pred, _, _ = load(os.path.join(out, "pred", "arm%d_s%d_test.h5" % (a, seed0)))
        p = pred[0, k]
        if np.all(np.isfinite(p)) and np.abs(p).max() < 10 * np.abs(ref[0, 0]).max():
            ax.plot(x, p, color=colors[a], lw=1, label=NAMES[a])
    ax.set_title("test sample 0, seed %d, t = %g" % (seed0, tt))
    ax.set_xlabel("x")
axes[0].legend(fontsize=7)
plt.tight_layout()
plt.savefig(os.path.join(imgdir, "jaws_snapshots.png"), dpi=110)
plt.close()

plt.figure(figsize=(6.4, 4))
k5 = len(t) - 1
plt.semilogy(np.abs(np.fft.rfft(ref[:, k5], axis=1)) .mean(0)[1:] ** 2, "k", lw=2.5, alpha=0.4, label="reference")
for a in arms:
    pred, _, _ = load(os.path.join(out, "pred", "arm%d_s%d_test.h5" % (a, seed0)))
    with np.errstate(all="ignore"):
        S = (np.abs(np.fft.rfft(pred[:, k5], axis=1)) ** 2).mean(0)[1:]
    if np.all(np.isfinite(S)):
        plt.semilogy(S, color=colors[a], lw=1, label=NAMES[a])
plt.xlabel("wavenumber k")
plt.ylabel("|u_k|^2 at t = 5 (mean over samples)")
plt.legend(fontsize=8)
plt.tight_layout()
plt.savefig(os.path.join(imgdir, "jaws_spectrum.png"), dpi=110)
plt.close()
