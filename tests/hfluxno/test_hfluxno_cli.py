"""conflux train -model hfluxno / conflux eval end to end on a tiny cubic family with random
coefficients (and two-channel shallow water): the loss decreases, 1 and 2 ranks train the same
model (-train_shards 2: bitwise), -resume continues bitwise, eval runs the windowed protocol
and every conservative rollout conserves mass to round-off, the direct baseline is accepted,
and mismatched data are refused with a clear message.

usage: test_hfluxno_cli.py CONFLUX MPIEXEC WORKDIR
"""
import json
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


cubic = ["-pde", "cubic", "-coef_a_range", "-1,1", "-coef_b_range", "-1,1", "-coef_c_range", "-1,1", "-nx", "16", "-t_final", "0.1", "-ic_amplitude", "0.5"]
must(run(["simulate"] + cubic + ["-nsamples", "4", "-nt", "21", "-o", "train.h5", "-force"]), "simulate train")
must(run(["simulate"] + cubic + ["-nsamples", "2", "-nt", "21", "-seed", "3", "-o", "test.h5", "-force"]), "simulate test")
small = ["-hfluxno_frames", "4", "-hfluxno_patch", "4", "-hfluxno_dim", "8", "-hfluxno_lru_width", "8", "-hfluxno_lru_blocks", "2", "-hfluxno_heads", "2",
         "-hfluxno_mlp_width", "8", "-hfluxno_hyper_width", "8", "-hfluxno_head_blocks", "2", "-hfluxno_stencil", "5", "-hfluxno_lift", "8",
         "-hfluxno_flux_width", "8", "-hfluxno_flux_depth", "2", "-train_batch", "8", "-train_warmup", "5"]

# 1. the loss decreases; monitor lines
out = must(run(["train", "-model", "hfluxno", "-data", "train.h5", "-o", "m.h5", "-force", "-train_steps", "300", "-train_monitor_every", "100", "-train_lr", "3e-3"] + small), "train hfluxno")
losses = [float(x) for x in re.findall(r"step +\d+/\d+ loss (\S+)", out)]
check("three monitor lines with windows/s", len(losses) == 3 and "windows/s" in out, out)
check("training loss decreases 3x in 300 steps (%s)" % losses, len(losses) == 3 and losses[-1] < losses[0] / 3, out)

# 2. data parallel: 1 and 2 ranks with 2 shards give bitwise the same parameters
must(run(["train", "-model", "hfluxno", "-data", "train.h5", "-o", "r1.h5", "-force", "-train_steps", "6", "-train_shards", "2"] + small), "train 1 rank")
must(run(["train", "-model", "hfluxno", "-data", "train.h5", "-o", "r2.h5", "-force", "-train_steps", "6", "-train_shards", "2"] + small, 2), "train 2 ranks")
p1, p2 = params("r1.h5"), params("r2.h5")
check("1 and 2 ranks (2 shards) give bitwise the same parameters", all(np.array_equal(p1[k], p2[k]) for k in p1))

# 3. -resume continues bitwise: 6 steps straight == 3 steps of the same schedule (-train_stop_after) + resume
must(run(["train", "-model", "hfluxno", "-data", "train.h5", "-o", "full.h5", "-force", "-train_steps", "6"] + small), "train 6")
must(run(["train", "-model", "hfluxno", "-data", "train.h5", "-o", "stop.h5", "-force", "-train_steps", "6", "-train_stop_after", "3"] + small), "train, stop after 3")
rr = must(run(["train", "-model", "hfluxno", "-data", "train.h5", "-o", "stop.h5", "-resume", "-train_steps", "6"] + small), "resume")
pa, pb = params("full.h5"), params("stop.h5")
check("-resume continues bitwise", "resuming at step 3" in rr and all(np.array_equal(pa[k], pb[k]) for k in pa), rr)

# 4. eval: the windowed protocol, exact conservation
ev = must(run(["eval", "-model", "m.h5", "-data", "test.h5", "-eval_horizon", "10", "-eval_json", "m.json"], 2), "eval")
with open("m.json") as f:
    js = json.load(f)
nwin = 2 * (21 - 4 - 10 + 1)
check("eval uses every window (%d)" % nwin, js["windows"] == nwin and js["horizon"] == 10 and len(js["rel_l2_per_step"]) == 10, ev)
check("conservative rollouts conserve mass (drift %.1e <= 1e-12)" % js["max_mass_drift"], js["max_mass_drift"] <= 1e-12, ev)
check("metrics finite and ordered (one-step %.3g < %d-step %.3g)" % (js["one_step_rel_l2"], 10, js["rel_l2"]), 0 < js["one_step_rel_l2"] < js["rel_l2"] < 10 and js["linf"] > 0, ev)

# 4b. a context-free Flux NO (the pooled-family baseline) on the same windows (-eval_context T)
must(run(["train", "-model", "fluxno", "-data", "train.h5", "-o", "fno.h5", "-force", "-fluxno_lambda", "0", "-fluxno_flux", "none", "-fluxno_width", "8", "-train_epochs", "1", "-train_batch", "20"]), "train fluxno")
ev = must(run(["eval", "-model", "fno.h5", "-data", "test.h5", "-eval_horizon", "10", "-eval_context", "4", "-eval_json", "fno.json"]), "eval fluxno windows")
with open("fno.json") as f:
    jf = json.load(f)
check("fluxno on the hfluxno windows (%d), conservative (drift %.1e)" % (jf["windows"], jf["max_mass_drift"]), jf["windows"] == nwin and jf["update"] == "fluxno" and jf["max_mass_drift"] <= 1e-12, ev)
r = run(["eval", "-model", "fno.h5", "-data", "test.h5", "-eval_horizon", "10", "-eval_context", "0"])
check("-eval_context 0 on a fluxno model is refused", r.returncode != 0 and "-eval_context" in (r.stdout + r.stderr), r.stdout + r.stderr)

# 5. shallow water (two channels) and the direct baseline
must(run(["simulate", "-pde", "shallow_water", "-nx", "16", "-nsamples", "2", "-nt", "12", "-t_final", "0.05", "-ic_amplitude", "0.5", "-o", "sw.h5", "-force"]), "simulate sw")
must(run(["train", "-model", "hfluxno", "-data", "sw.h5", "-o", "sw.h5m", "-force", "-train_steps", "3", "-hfluxno_update", "direct"] + small + ["-train_warmup", "1"]), "train sw direct")
ev = must(run(["eval", "-model", "sw.h5m", "-data", "sw.h5", "-eval_horizon", "5", "-eval_json", "sw.json"]), "eval sw")
with open("sw.json") as f:
    js = json.load(f)
check("two-channel direct baseline evaluates (%d windows)" % js["windows"], js["update"] == "direct" and js["windows"] == 2 * (12 - 4 - 5 + 1), ev)

# 6. viscous Burgers family: f = b u^2 (cubic with a = c = 0), b and the viscosity drawn per sample
must(run(["simulate", "-pde", "cubic", "-fv_flux_a", "0", "-fv_flux_c", "0", "-coef_b_range", "0.5,1.5", "-nu_range", "0.005,0.015", "-nx", "16", "-nsamples", "4", "-nt", "6",
          "-t_final", "0.02", "-ic_amplitude", "0.5", "-o", "vb.h5", "-force"], 2), "simulate viscous burgers family")
with h5py.File("vb.h5", "r") as f:
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in f["params"].attrs["param_names"]]
    prm = f["params"][()]
nu = prm[:, names.index("nu")]
b = prm[:, names.index("b")]
check("-nu_range: per-sample viscosities in [0.005, 0.015], all different (%s)" % nu, np.all((nu >= 0.005) & (nu <= 0.015)) and len(set(nu)) == 4 and np.all((b >= 0.5) & (b <= 1.5)))
must(run(["simulate", "-pde", "cubic", "-fv_flux_a", "0", "-fv_flux_c", "0", "-coef_b_range", "0.5,1.5", "-nu", "0.01", "-nx", "16", "-nsamples", "4", "-nt", "6",
          "-t_final", "0.02", "-ic_amplitude", "0.5", "-o", "vb0.h5", "-force"]), "simulate fixed viscosity")
with h5py.File("vb0.h5", "r") as f:
    b0 = f["params"][()][:, names.index("b")]
check("-nu_range draws after the coefficients (same b as without it)", np.array_equal(b, b0))

# 7. mismatched data are refused with a clear message
r = run(["eval", "-model", "m.h5", "-data", "sw.h5"])
check("eval refuses data of another shape", r.returncode != 0 and "channel(s)" in (r.stdout + r.stderr), r.stdout + r.stderr)

if failures:
    print("FAILED:", failures)
    sys.exit(1)
print("all hfluxno CLI checks passed")
