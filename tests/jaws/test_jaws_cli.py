"""conflux train with -train_unroll and -jaws_* end to end on a tiny viscous Burgers problem:
two identical runs give bitwise identical models; recomputing activations
(-train_unroll_checkpoint) gives the same model to round-off; 1 and 2 ranks give the same model
to round-off (probes are drawn per global sample, not per rank); the JAWS term is reported and
changes the model; -train_unroll 1 -jaws_lambda 0 is the plain one-step loss bitwise; the memory
line is printed; bad options fail with a message naming them.

usage: test_jaws_cli.py CONFLUX MPIEXEC WORKDIR
"""
import os
import re
import subprocess
import sys

import h5py
import numpy as np

conflux, mpiexec, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
os.chdir(work)
failures = []
env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")


def run(args, nranks=1):
    cmd = ([mpiexec, "-n", str(nranks), "--oversubscribe"] if nranks > 1 else []) + [conflux] + args
    return subprocess.run(cmd, capture_output=True, text=True, timeout=240, env=env)


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + detail), flush=True)
    if not ok:
        failures.append(name)


def must(r, what):
    if r.returncode != 0:
        print(r.stdout, r.stderr)
        check(what, False, "exit %d" % r.returncode)
        sys.exit(1)
    return r.stdout


def params(path):
    with h5py.File(path, "r") as f:
        return {k: f["params"][k][()] for k in f["params"]}


def maxrel(a, b):
    return max(np.abs(a[k] - b[k]).max() / max(np.abs(b[k]).max(), 1e-300) for k in b)


must(run(["simulate", "-pde", "viscous_burgers", "-nu", "0.01", "-nx", "32", "-nsamples", "4", "-nt", "11", "-t_final", "0.2", "-o", "vb.h5", "-force"]), "simulate")
base = ["train", "-model", "fno", "-data", "vb.h5", "-force", "-train_epochs", "3", "-train_batch", "8", "-fluxno_width", "8", "-fluxno_modes", "4", "-fluxno_layers", "2",
        "-fluxno_proj_width", "16"]
jaws = ["-train_unroll", "3", "-jaws_lambda", "10", "-jaws_probes", "2"]
o1 = must(run(base + jaws + ["-o", "a.h5"]), "train K=3 + JAWS")
must(run(base + jaws + ["-o", "b.h5"]), "train again")
pa, pb = params("a.h5"), params("b.h5")
check("two identical runs are bitwise identical", all(np.array_equal(pa[k], pb[k]) for k in pa))
check("the JAWS term is reported", re.search(r"jaws \d\.\d+e[-+]\d+", o1) is not None, o1)
check("time per epoch and peak memory are reported", re.search(r"s per epoch; peak tape memory [\d.]+ MB", o1) is not None, o1)
must(run(base + jaws + ["-train_unroll_checkpoint", "-o", "c.h5"]), "train with recomputation")
d = maxrel(params("c.h5"), pa)
check("recomputed activations give the same model (max rel diff %.1e <= 1e-10)" % d, d <= 1e-10)
must(run(base + jaws + ["-o", "d.h5"], 2), "train on 2 ranks")
d = maxrel(params("d.h5"), pa)
check("1 and 2 ranks give the same model (max rel diff %.1e <= 1e-10)" % d, d <= 1e-10)
must(run(base + ["-train_unroll", "3", "-o", "e.h5"]), "train K=3 without JAWS")
d = maxrel(params("e.h5"), pa)
check("the JAWS term changes the model (max rel diff %.1e > 1e-6)" % d, d > 1e-6)
must(run(base + ["-o", "f.h5"]), "train one-step")
must(run(base + ["-train_unroll", "1", "-jaws_lambda", "0", "-o", "g.h5"]), "train one-step explicit")
pf, pg = params("f.h5"), params("g.h5")
check("-train_unroll 1 -jaws_lambda 0 is the default loss bitwise", all(np.array_equal(pf[k], pg[k]) for k in pf))
r = run(base + ["-jaws_rho", "1.5", "-o", "h.h5"])
check("-jaws_rho 1.5 is refused with a message", r.returncode != 0 and "rho must lie in [0, 1]" in (r.stdout + r.stderr), r.stdout + r.stderr)
r = run(base + ["-train_unroll", "20", "-o", "h.h5"])
check("-train_unroll longer than the window is refused", r.returncode != 0 and "-train_unroll + 1" in (r.stdout + r.stderr), r.stdout + r.stderr)
# the penalty applies to the Flux NO as to the FNO (any one-step model)
fx = ["train", "-model", "fluxno", "-data", "vb.h5", "-force", "-train_epochs", "2", "-train_batch", "8", "-fluxno_width", "8", "-fluxno_layers", "2"]
o2 = must(run(fx + ["-jaws_lambda", "10", "-jaws_probes", "2", "-o", "fx_jaws.h5"]), "train Flux NO + JAWS")
must(run(fx + ["-o", "fx_plain.h5"]), "train Flux NO one-step")
check("Flux NO: the JAWS term is reported", re.search(r"jaws \d\.\d+e[-+]\d+", o2) is not None, o2)
d = maxrel(params("fx_jaws.h5"), params("fx_plain.h5"))
check("Flux NO: the JAWS term changes the model (max rel diff %.1e > 1e-6)" % d, d > 1e-6)
print("%d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
