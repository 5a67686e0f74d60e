"""conflux train / eval / rollout and -fv_flux_model end to end on a tiny Burgers problem:
training loss decreases, a trained model is consistent (G(u,..,u) ~ f(u)), 1 and 2 ranks train
the same model, -resume continues exactly, eval predictions equal the PETSc FV solver with the
learned flux on 1 and 2 ranks, a PDEBench-layout float32 file works, and corrupt or mismatched
model files fail with a clear message.

usage: test_fluxno_cli.py CONFLUX MPIEXEC CONSISTENCY_TOOL WORKDIR
"""
import os
import re
import shutil
import subprocess
import sys

import h5py
import numpy as np

conflux, mpiexec, constool, work = sys.argv[1:5]
os.makedirs(work, exist_ok=True)
os.chdir(work)
failures = []
env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")


def run(args, nranks=1, timeout=240):
    cmd = ([mpiexec, "-n", str(nranks), "--oversubscribe"] if nranks > 1 else []) + [conflux] + args
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)


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


small = ["-fluxno_width", "16", "-train_batch", "20"]
must(run(["simulate", "-pde", "burgers", "-nx", "32", "-nsamples", "6", "-nt", "11", "-t_final", "0.1", "-ic_amplitude", "0.5", "-o", "train.h5", "-force"], 2), "simulate train")
must(run(["simulate", "-pde", "burgers", "-nx", "32", "-nsamples", "3", "-nt", "21", "-t_final", "0.2", "-ic_amplitude", "0.5", "-seed", "5", "-o", "test.h5", "-force"], 2), "simulate test")

# 1. the training loss decreases; the monitor line shows loss, validation loss, rate and ETA
out = must(run(["train", "-model", "fluxno", "-data", "train.h5", "-val", "test.h5", "-o", "m.h5", "-force", "-train_epochs", "40", "-train_monitor_every", "10"] + small), "train fluxno")
losses = [float(x) for x in re.findall(r"epoch +\d+/\d+ loss (\S+)", out)]
check("monitor lines with val loss, pairs/s and ETA", len(losses) == 5 and "val step" in out and "pairs/s" in out and "ETA" in out, out)
check("training loss decreases by 10x in 40 epochs", losses[-1] < 0.1 * losses[0], str(losses))

# 2. consistency of the trained model: ||G(u,..,u) - u^2/2|| / ||u^2/2|| over the data
cons = subprocess.run([constool, "-model", "m.h5", "-data", "train.h5"], capture_output=True, text=True, env=env).stdout
err = float(cons.split()[-1])
must(run(["train", "-model", "fluxno", "-data", "train.h5", "-o", "m1.h5", "-force", "-train_epochs", "1"] + small), "train 1 epoch")
err1 = float(subprocess.run([constool, "-model", "m1.h5", "-data", "train.h5"], capture_output=True, text=True, env=env).stdout.split()[-1])
check("trained model is consistent: rel error %.3f < 0.15 (after 1 epoch: %.3f)" % (err, err1), err < 0.15 and err < 0.5 * err1)

# 3. data parallel: 1 and 2 ranks train the same model (round-off); 4. -resume continues exactly
must(run(["train", "-model", "fluxno", "-data", "train.h5", "-o", "r1.h5", "-force", "-train_epochs", "3"] + small), "train 1 rank")
# (with a progress line after every batch: rank 0 alone prints it, and it changes nothing)
out2 = must(run(["train", "-model", "fluxno", "-data", "train.h5", "-o", "r2.h5", "-force", "-train_epochs", "3", "-train_progress_seconds", "1e-9"] + small, 2), "train 2 ranks")
nb = int(re.search(r"(\d+) batches of", out2).group(1))
nprog = len(re.findall(r"^train: epoch +\d+/3 batch \d+/%d loss" % nb, out2, re.M))
check("-train_progress_seconds: %d progress lines, expected 3 x (%d - 1) from rank 0 alone" % (nprog, nb), nprog == 3 * (nb - 1))
p1, p2 = params("r1.h5"), params("r2.h5")
d = max(np.abs(p1[k] - p2[k]).max() / max(np.abs(p1[k]).max(), 1e-300) for k in p1)
check("1 and 2 ranks give the same parameters (max rel diff %.1e <= 1e-9)" % d, d <= 1e-9)
# input noise: drawn per (seed, epoch, pair), so 1 and 2 ranks still agree; and it changes the fit
must(run(["train", "-model", "fluxno", "-data", "train.h5", "-o", "n1.h5", "-force", "-train_epochs", "3", "-train_noise", "0.05"] + small), "train noise 1 rank")
must(run(["train", "-model", "fluxno", "-data", "train.h5", "-o", "n2.h5", "-force", "-train_epochs", "3", "-train_noise", "0.05"] + small, 2), "train noise 2 ranks")
q1, q2 = params("n1.h5"), params("n2.h5")
dn = max(np.abs(q1[k] - q2[k]).max() / max(np.abs(q1[k]).max(), 1e-300) for k in q1)
dq = max(np.abs(q1[k] - p1[k]).max() / max(np.abs(p1[k]).max(), 1e-300) for k in q1)
check("-train_noise: 1 and 2 ranks agree (%.1e <= 1e-9) and the noise changes the parameters (%.1e > 1e-3)" % (dn, dq), dn <= 1e-9 and dq > 1e-3)
r = run(["train", "-model", "fluxno", "-data", "train.h5", "-o", "bad.h5", "-force", "-train_noise", "-1"])
check("-train_noise -1 is refused", r.returncode != 0 and "-train_noise" in r.stderr and not os.path.exists("bad.h5"), r.stderr)
must(run(["train", "-model", "fno", "-data", "train.h5", "-o", "full.h5", "-force", "-train_epochs", "4", "-fluxno_width", "8", "-fluxno_modes", "4", "-train_batch", "20"]), "train fno 4")
must(run(["train", "-model", "fno", "-data", "train.h5", "-o", "part.h5", "-force", "-train_epochs", "2", "-fluxno_width", "8", "-fluxno_modes", "4", "-train_batch", "20"]), "train fno 2")
r = must(run(["train", "-model", "fno", "-data", "train.h5", "-o", "part.h5", "-resume", "-train_epochs", "4", "-train_batch", "20"]), "resume")
pa, pb = params("full.h5"), params("part.h5")
check("-resume continues bitwise", "resuming at epoch 2" in r and all(np.array_equal(pa[k], pb[k]) for k in pa), r)

# 5. eval on 1 and 2 ranks, and the learned flux inside conflux simulate (PETSc FV) on 1 and 2
#    ranks, all agree to 1e-12 (the simulate runs use the test file's seed, so the same data)
out = must(run(["eval", "-model", "m.h5", "-data", "test.h5", "-times", "0.1,0.2", "-o", "pred1.h5", "-force"]), "eval")
check("eval prints a row per time", len(re.findall(r"^\s+0\.[12]\s+\S+ \+- ", out, re.M)) == 2, out)
must(run(["eval", "-model", "m.h5", "-data", "test.h5", "-o", "pred2.h5", "-force"], 2), "eval 2 ranks")
sim = ["simulate", "-pde", "burgers", "-nx", "32", "-nsamples", "3", "-nt", "21", "-t_final", "0.2", "-ic_amplitude", "0.5", "-seed", "5", "-fv_flux_model", "m.h5", "-force"]
must(run(sim + ["-o", "fv1.h5"]), "simulate with the learned flux, 1 rank")
must(run(sim + ["-o", "fv2.h5", "-fv_n", "32"], 2), "simulate with the learned flux, 2 ranks")
with h5py.File("pred1.h5") as a, h5py.File("pred2.h5") as b, h5py.File("fv1.h5") as c, h5py.File("fv2.h5") as e:
    A = a["tensor"][:]
    d12, dfv1, dfv2 = np.abs(A - b["tensor"][:]).max(), np.abs(A - c["tensor"][:]).max(), np.abs(A - e["tensor"][:]).max()
check("eval 1 vs 2 ranks: %.1e <= 1e-12" % d12, d12 <= 1e-12)
check("FV with -fv_flux_model vs eval: 1 rank %.1e, 2 ranks %.1e <= 1e-12" % (dfv1, dfv2), dfv1 <= 1e-12 and dfv2 <= 1e-12 and np.abs(A).max() > 0.1)

# 6. mass conservation of a trained model's rollout; rollout of a fresh random IC
out = must(run(["rollout", "-model", "m.h5", "-data", "test.h5", "-sample", "1", "-t_final", "0.5", "-o", "roll.h5", "-force"]), "rollout")
drift = float(re.search(r"relative mass drift (\S+);", out).group(1))
check("rollout conserves mass: drift %.1e <= 1e-12" % drift, drift <= 1e-12, out)
must(run(["rollout", "-model", "m.h5", "-nx", "64", "-ic", "grf", "-seed", "3", "-t_final", "0.1", "-o", "roll2.h5", "-force"]), "rollout random IC")

# 7. a PDEBench-layout float32 file (n_t + 1 times, no attributes) trains and evaluates
with h5py.File("train.h5") as f, h5py.File("pdebench32.h5", "w") as g:
    g["tensor"] = f["tensor"][:].astype(np.float32)
    g["x-coordinate"] = f["x-coordinate"][:].astype(np.float32)
    t = f["t-coordinate"][:]
    g["t-coordinate"] = np.append(t, t[-1] + t[1] - t[0]).astype(np.float32)
r = run(["train", "-model", "fluxno", "-data", "pdebench32.h5", "-o", "m32.h5", "-force", "-train_epochs", "2"] + small)
check("float32 file without a flux attribute: lambda needs -fluxno_flux", r.returncode != 0 and "fluxno_flux" in r.stderr, r.stderr)
must(run(["train", "-model", "fluxno", "-data", "pdebench32.h5", "-o", "m32.h5", "-force", "-train_epochs", "2", "-fluxno_flux", "burgers"] + small), "train on float32")
must(run(["eval", "-model", "m32.h5", "-data", "pdebench32.h5"]), "eval on float32")
check("float32 PDEBench-layout file trains and evaluates", True)

# 8. corrupt or mismatched model files fail with a clear one-line reason
with open("m.h5", "rb") as f:
    open("trunc.h5", "wb").write(f.read()[:300])
shutil.copy("m.h5", "mismatch.h5")
with h5py.File("mismatch.h5", "r+") as f:
    f["model"].attrs.modify("width", np.bytes_("24"))
shutil.copy("m.h5", "nan.h5")
with h5py.File("nan.h5", "r+") as f:
    w = f["params/flux.lift.weight"]
    a = w[:]
    a.flat[3] = np.nan
    w[...] = a
# h5py writes str attributes as variable-length UTF-8 strings (the checkpoint's own are ASCII):
# they must be read, and an unknown value named with the known ones
shutil.copy("m.h5", "badenum.h5")
with h5py.File("badenum.h5", "r+") as f:
    f["model"].attrs["net"] = "conv3"
shutil.copy("m.h5", "noattr.h5")
with h5py.File("noattr.h5", "r+") as f:
    del f["model"].attrs["layers"]
cases = {"trunc.h5": "truncated or corrupt", "mismatch.h5": "the model it describes has", "badenum.h5": 'net = "conv3", expected one of fno, mlp', "noattr.h5": 'no attribute "layers"', "nan.h5": "expected finite values, found NaN", "test.h5": "no /model group", "missing.h5": "does not exist"}
for f, msg in cases.items():
    r = run(["eval", "-model", f, "-data", "test.h5"])
    check("bad model %s: fails with '%s'" % (f, msg), r.returncode != 0 and msg in r.stderr and len(r.stderr.strip().splitlines()) <= 2, r.stderr[-500:])
r = run(["simulate", "-pde", "burgers", "-nx", "32", "-nsamples", "1", "-nt", "3", "-t_final", "0.02", "-fv_flux_model", "full.h5", "-o", "x.h5", "-force"])
check("an FNO baseline is refused as an FV flux", r.returncode != 0 and "only a fluxno model" in r.stderr, r.stderr)

print("%d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
