"""Pictures of conflux datasets (PDEBench layout: tensor [n_samples, n_t, n_x(, n_c)]).

  plot spacetime FILE.h5 [--sample I] [--component C] -o OUT.png
      space-time image of one sample (x across, t up)
  plot snapshots FILE.h5 [--sample I] [--frames 0,25,50] -o OUT.png
      overlaid snapshots of one sample at chosen frames (default: 5 evenly spaced)
  plot compare TRUTH.h5 PRED.h5 [PRED2.h5 ...] [--labels a,b] [--sample I] [--frames ...] -o OUT.png
      a rollout comparison: truth against one or more predictions, one panel per frame
"""
import argparse
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def fail(msg):
    print(f"plot: error: {msg}", file=sys.stderr)
    sys.exit(1)


def load(path, sample, component):
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        fail(f"{path}: cannot open as HDF5 ({e})")
    with f:
        for name in ("tensor", "x-coordinate", "t-coordinate"):
            if name not in f:
                fail(f"{path}: dataset '{name}' is missing (expected the conflux/PDEBench layout)")
        t = f["tensor"]
        if t.ndim not in (3, 4):
            fail(f"{path}: dataset 'tensor' has rank {t.ndim}, expected 3 or 4")
        if not 0 <= sample < t.shape[0]:
            fail(f"{path}: sample {sample} out of range [0, {t.shape[0]})")
        u = t[sample].astype(np.float64)
        if u.ndim == 3:
            if not 0 <= component < u.shape[2]:
                fail(f"{path}: component {component} out of range [0, {u.shape[2]})")
            u = u[..., component]
        x = f["x-coordinate"][...]
        tt = f["t-coordinate"][: u.shape[0]]
        pde = f.attrs.get("pde", b"")
        pde = pde.decode() if isinstance(pde, bytes) else str(pde)
    return x, tt, u, pde


def parse_frames(text, nt, count=5):
    if text:
        frames = [int(v) for v in text.split(",")]
        bad = [k for k in frames if not 0 <= k < nt]
        if bad:
            fail(f"frames {bad} out of range [0, {nt})")
        return frames
    return sorted(set(np.linspace(0, nt - 1, count).round().astype(int).tolist()))


def spacetime(a):
    x, t, u, pde = load(a.file, a.sample, a.component)
    fig, ax = plt.subplots(figsize=(6, 4.5))
    im = ax.imshow(u, origin="lower", aspect="auto", extent=[x[0], x[-1], t[0], t[-1]], cmap="RdBu_r")
    fig.colorbar(im, ax=ax, label="u")
    ax.set_xlabel("x")
    ax.set_ylabel("t")
    ax.set_title(f"{pde or a.file}: sample {a.sample}")
    return fig


def snapshots(a):
    x, t, u, pde = load(a.file, a.sample, a.component)
    fig, ax = plt.subplots(figsize=(6, 4))
    frames = parse_frames(a.frames, len(t))
    colors = plt.cm.viridis(np.linspace(0, 1, len(frames)))
    for c, k in zip(colors, frames):
        ax.plot(x, u[k], color=c, label=f"t = {t[k]:.3g}")
    ax.set_xlabel("x")
    ax.set_ylabel("u")
    ax.legend(fontsize=8)
    ax.set_title(f"{pde or a.file}: sample {a.sample}")
    return fig


def compare(a):
    x, t, truth, pde = load(a.file, a.sample, a.component)
    preds = [load(p, a.sample, a.component) for p in a.predictions]
    labels = a.labels.split(",") if a.labels else a.predictions
    if len(labels) != len(preds):
        fail(f"{len(labels)} labels for {len(preds)} predictions")
    for p, (_, tp, up, _) in zip(a.predictions, preds):
        if up.shape != truth.shape:
            fail(f"{p}: sample shape {up.shape} differs from the truth's {truth.shape}")
    frames = parse_frames(a.frames, len(t), 4)
    fig, axes = plt.subplots(1, len(frames), figsize=(3.2 * len(frames), 3.2), sharey=True, squeeze=False)
    for ax, k in zip(axes[0], frames):
        ax.plot(x, truth[k], "k-", lw=2, label="truth")
        for (_, _, up, _), lab in zip(preds, labels):
            err = np.linalg.norm(up[k] - truth[k]) / max(np.linalg.norm(truth[k]), 1e-300)
            ax.plot(x, up[k], "--", label=f"{lab} (rel L2 {err:.2e})")
        ax.set_title(f"t = {t[k]:.3g}")
        ax.set_xlabel("x")
        ax.legend(fontsize=6)
    axes[0][0].set_ylabel("u")
    fig.suptitle(f"{pde or a.file}: sample {a.sample}")
    return fig


def main():
    p = argparse.ArgumentParser(prog="tools/plot", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="kind", required=True)
    for name in ("spacetime", "snapshots", "compare"):
        s = sub.add_parser(name)
        s.add_argument("file", help="dataset (the truth, for compare)")
        if name == "compare":
            s.add_argument("predictions", nargs="+", help="prediction datasets in the same layout")
            s.add_argument("--labels", default="", help="comma-separated legend labels for the predictions")
        s.add_argument("--sample", type=int, default=0)
        s.add_argument("--component", type=int, default=0, help="for systems (n_c > 1)")
        if name != "spacetime":
            s.add_argument("--frames", default="", help="comma-separated frame indices")
        s.add_argument("-o", "--output", required=True, help="PNG file to write")
    a = p.parse_args()
    fig = {"spacetime": spacetime, "snapshots": snapshots, "compare": compare}[a.kind](a)
    fig.tight_layout()
    fig.savefig(a.output, dpi=110)
    print(f"plot: wrote {a.output}")


if __name__ == "__main__":
    main()
