"""conflux snapo end to end, on a 30-day gas storage (so every run takes a fraction of a second):
-help lists the options and writes nothing; -train lowers nothing it should not and raises the
batch value; the result file holds the value, policy, inputs, named sensitivities (adjoint and
bump agree) and timings, and no .tmp is left; a stored policy reloaded with -policy gives the
same value bitwise; a curve file is read; 1 and 2 ranks agree; an existing file is not
replaced without -force; bad options fail with one message.

usage: test_snapo_cli.py CONFLUX MPIEXEC WORKDIR
"""
import os
import subprocess
import sys

import h5py
import numpy as np

conflux, mpiexec, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
os.chdir(work)
failures = []
SMALL = ["-problem", "gas_storage", "-gas_nsteps", "30", "-paths", "64", "-block", "16"]


def run(args, nranks=1, timeout=120):
    cmd = ([mpiexec, "-n", str(nranks), "--oversubscribe"] if nranks > 1 else []) + [conflux, "snapo"] + args
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + detail))
    if not ok:
        failures.append(name)


for f in os.listdir("."):
    os.remove(f)

# -help: usage, options with their defaults, exit 0, no file written
r = run(["-help", "-o", "help.h5"])
check("help_status", r.returncode == 0, r.stderr)
check("help_usage", "Usage: conflux snapo -problem" in r.stdout, r.stdout[:300])
check("help_defaults", "-gas_kappa <10. : 10.>" in r.stdout and "-train_iters <now 500" in r.stdout and "-train_lr <0.02" in r.stdout, r.stdout[-3000:])
check("help_writes_nothing", not os.path.exists("help.h5"))

# training with a monitor, then adjoint and bump sensitivities
r = run(SMALL + ["-train", "-train_iters", "12", "-train_paths", "32", "-train_monitor_every", "4", "-sensitivities", "both", "-bump_h", "1e-6", "-o", "r.h5"])
check("train_status", r.returncode == 0, r.stdout + r.stderr)
out = r.stdout
check("monitor_lines", out.count("  step ") == 3 and "step   12/12" in out, out)
check("headline", "storage value J =" in out and "33 sensitivities from one reverse sweep" in out and "33 revaluations" in out, out)
check("no_tmp_left", not os.path.exists("r.h5.tmp"))
with h5py.File("r.h5", "r") as f:
    check("attrs", f.attrs["problem"] in ("gas_storage", b"gas_storage"), str(dict(f.attrs)))
    v, se = f["value"][0], f["value_stderr"][0]
    check("value_finite", np.isfinite(v) and se > 0, f"{v} {se}")
    hist = f["training/batch_value"][:]
    check("history", hist.shape == (12,) and hist[-4:].mean() > hist[:4].mean(), str(hist))
    names = ["forward_curve", "sigma", "kappa", "cost"]
    check("sens_names", all(n in f["sensitivities"] for n in names) and all(n in f["sensitivities_bump"] for n in names), str(list(f["sensitivities"])))
    check("curve_len", f["sensitivities/forward_curve"].shape == (30,) and f["inputs/forward_curve"].shape == (30,))
    adj = np.concatenate([f["sensitivities/" + n][:] for n in names])
    bump = np.concatenate([f["sensitivities_bump/" + n][:] for n in names])
    err = np.abs(adj - bump).max() / np.abs(adj).max()
    check("adjoint_vs_bump", err < 1e-4, f"max rel diff {err:.2e}")
    # the per-unit cost is paid on every unit moved: dJ/dc must be negative
    check("dJ_dcost_negative", f["sensitivities/cost"][0] < 0, str(f["sensitivities/cost"][0]))
    check("timings", all(k in f["timings"] for k in ["forward_cpu", "adjoint_cpu", "bump_cpu", "train_cpu"]), str(list(f["timings"])))
    check("policy", len(f["policy"]) >= 6, str(list(f["policy"])))

# the stored policy reproduces the value bitwise (same seed, same paths)
r = run(SMALL + ["-policy", "r.h5", "-sensitivities", "none", "-o", "r2.h5"])
check("reload_status", r.returncode == 0, r.stderr)
with h5py.File("r.h5", "r") as a, h5py.File("r2.h5", "r") as b:
    check("reload_same_value", a["value"][0] == b["value"][0], f"{a['value'][0]!r} vs {b['value'][0]!r}")
    check("none_has_no_sens", "sensitivities" not in b)

# a curve file: its values are the inputs, and a higher curve level changes the value
curve = 30.0 + np.arange(30) * 0.5
with h5py.File("curve.h5", "w") as f:
    f["forward_curve"] = curve
r = run(SMALL + ["-gas_curve", "curve.h5", "-policy", "r.h5", "-o", "rc.h5"])
check("curve_status", r.returncode == 0, r.stderr)
with h5py.File("rc.h5", "r") as f:
    check("curve_read", np.array_equal(f["inputs/forward_curve"][:], curve))
    # an upward-sloping curve pays for buying early and selling late
    check("curve_changes_value", f["value"][0] != v)

# the shipped curve file holds the default curve: same value as without it (to rounding of cos)
shipped = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "snapo", "forward_curve.h5")
r = run(["-problem", "gas_storage", "-paths", "64", "-block", "16", "-gas_curve", shipped, "-sensitivities", "none", "-o", "rs.h5"])
r0 = run(["-problem", "gas_storage", "-paths", "64", "-block", "16", "-sensitivities", "none", "-o", "rs0.h5"])
check("shipped_curve_status", r.returncode == 0 and r0.returncode == 0, r.stderr + r0.stderr)
with h5py.File("rs.h5", "r") as a, h5py.File("rs0.h5", "r") as b:
    check("shipped_curve_is_default", a["inputs/forward_curve"].shape == (365,) and abs(a["value"][0] - b["value"][0]) <= 1e-12 * abs(b["value"][0]), f"{a['value'][0]!r} vs {b['value'][0]!r}")

# pension and pharma run end to end (small sizes); pharma writes the 5 x 8 quality sensitivities
r = run(["-problem", "pension", "-pension_nsteps", "12", "-pension_nodes", "25", "-paths", "32", "-block", "16", "-train", "-train_iters", "3", "-train_paths", "16", "-o", "rp.h5"])
check("pension_status", r.returncode == 0, r.stdout + r.stderr)
with h5py.File("rp.h5", "r") as f:
    check("pension_sens", f["sensitivities/zero_curve"].shape == (25,) and f["sensitivities/asset_params"].shape == (8,) and np.all(np.isfinite(f["sensitivities/zero_curve"][:])))
r = run(["-problem", "pharma", "-paths", "8", "-block", "8", "-o", "rph.h5"])
check("pharma_status", r.returncode == 0 and "20 ICH Q8 sensitivities" in r.stdout, r.stdout + r.stderr)
with h5py.File("rph.h5", "r") as f:
    q = ["yield", "purity", "particle_size", "residual_solvent", "degradant"]
    check("pharma_quality", all(f["sensitivities_quality/" + n].shape == (8,) for n in q) and 0 < f["quality/purity"][0] < 1, str(list(f)))
    # a hotter dryer leaves less solvent and makes more degradant
    check("pharma_signs", f["sensitivities_quality/residual_solvent"][7] < 0 and f["sensitivities_quality/degradant"][7] > 0)

# S2 and S3 inputs from HDF5: the written inputs read back give the same value bitwise; a
# file of the wrong length fails naming the file, the dataset, and the expected and found sizes
PENSION = ["-problem", "pension", "-pension_nsteps", "12", "-pension_nodes", "25", "-paths", "32", "-block", "16", "-sensitivities", "none"]
PHARMA = ["-problem", "pharma", "-paths", "8", "-block", "8", "-sensitivities", "none"]
with h5py.File("rp.h5", "r") as f, h5py.File("zc.h5", "w") as g:
    g["zero_curve"] = f["inputs/zero_curve"][:]
with h5py.File("rph.h5", "r") as f, h5py.File("pp.h5", "w") as g:
    g["process_params"] = f["inputs/process_params"][:]
for name, args, opt, src in (("pension", PENSION, "-pension_curve", "zc.h5"), ("pharma", PHARMA, "-pharma_params_file", "pp.h5")):
    r0 = run(args + ["-o", name + "_a.h5"])
    r1 = run(args + [opt, src, "-o", name + "_b.h5"])
    check(name + "_file_status", r0.returncode == 0 and r1.returncode == 0, r0.stderr + r1.stderr)
    with h5py.File(name + "_a.h5", "r") as a, h5py.File(name + "_b.h5", "r") as b:
        check(name + "_file_same_value", a["value"][0] == b["value"][0], f"{a['value'][0]!r} vs {b['value'][0]!r}")
# and the file's values are the ones used: a shifted curve, a hotter dryer change the value
with h5py.File("zc.h5", "r") as f, h5py.File("zc_up.h5", "w") as g:
    g["zero_curve"] = f["zero_curve"][:] + 0.01
with h5py.File("pp.h5", "r") as f, h5py.File("pp_hot.h5", "w") as g:
    p = f["process_params"][:]
    p[7] += 10
    g["process_params"] = p
for name, args, opt, src in (("pension", PENSION, "-pension_curve", "zc_up.h5"), ("pharma", PHARMA, "-pharma_params_file", "pp_hot.h5")):
    r = run(args + [opt, src, "-o", name + "_c.h5"])
    check(name + "_file_used_status", r.returncode == 0, r.stderr)
    with h5py.File(name + "_a.h5", "r") as a, h5py.File(name + "_c.h5", "r") as c:
        check(name + "_file_used", a["value"][0] != c["value"][0] and np.array_equal(c["inputs/" + ("zero_curve" if name == "pension" else "process_params")][:], h5py.File(src, "r")[("zero_curve" if name == "pension" else "process_params")][:]))
with h5py.File("zc_bad.h5", "w") as g:
    g["zero_curve"] = np.full(7, 0.03)
r = run(PENSION + ["-pension_curve", "zc_bad.h5", "-o", "bad.h5"])
check("pension_curve_bad", r.returncode != 0 and "zc_bad.h5" in r.stderr and "zero_curve" in r.stderr and "7 entries, expected 25" in r.stderr and not os.path.exists("bad.h5"), r.stderr)
with h5py.File("pp_bad.h5", "w") as g:
    g["process_params"] = np.array([25, 8000, 28.9, 1e4, 10, float("nan"), 3, 330.0])
r = run(PHARMA + ["-pharma_params_file", "pp_bad.h5", "-o", "bad.h5"])
check("pharma_params_bad", r.returncode != 0 and "pp_bad.h5" in r.stderr and "process_params[5]" in r.stderr and not os.path.exists("bad.h5"), r.stderr)

# 1 and 2 ranks: the same paths, so the same value up to the order of the final sum
r = run(SMALL + ["-policy", "r.h5", "-o", "r_np2.h5"], nranks=2)
check("np2_status", r.returncode == 0, r.stderr)
check("np2_prints_once", r.stdout.count("wrote r_np2.h5") == 1, r.stdout)
with h5py.File("r2.h5", "r") as a, h5py.File("r_np2.h5", "r") as b, h5py.File("r.h5", "r") as c:
    check("np2_value", abs(a["value"][0] - b["value"][0]) <= 1e-12 * abs(a["value"][0]), f"{a['value'][0]!r} vs {b['value'][0]!r}")
    d = np.abs(b["sensitivities/forward_curve"][:] - c["sensitivities/forward_curve"][:]).max()
    check("np2_sens", d <= 1e-12 * np.abs(c["sensitivities/forward_curve"][:]).max(), f"{d:.2e}")

# refusal to overwrite; bad options
before = open("r.h5", "rb").read()
r = run(SMALL + ["-o", "r.h5"])
check("no_overwrite", r.returncode != 0 and open("r.h5", "rb").read() == before, r.stderr)
r = run(SMALL + ["-problem", "nosuch", "-o", "x.h5"])
check("bad_problem", r.returncode != 0 and not os.path.exists("x.h5"), r.stderr)
r = run(SMALL + ["-paths", "0", "-o", "x.h5"])
check("bad_paths", r.returncode != 0 and "-paths" in r.stderr and not os.path.exists("x.h5"), r.stderr)
r = run(["stray", "-o", "x.h5"])
check("positional_rejected", r.returncode != 0, r.stderr)

print("FAILED: " + ", ".join(failures) if failures else "all passed")
sys.exit(1 if failures else 0)
