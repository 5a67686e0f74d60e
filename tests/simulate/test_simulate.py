"""conflux simulate end to end: rank-count independence (bitwise), layout and attributes,
coefficient ranges, atomic output under SIGTERM, refusal to overwrite, bad options.

usage: test_simulate.py CONFLUX MPIEXEC WORKDIR
"""
import hashlib
import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np

conflux, mpiexec, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
os.chdir(work)
failures = []


def run(args, nranks=1, timeout=300):
    cmd = ([mpiexec, "-n", str(nranks), "--oversubscribe"] if nranks > 1 else []) + [conflux, "simulate"] + args
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + detail))
    if not ok:
        failures.append(name)


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


# 1. Files made with 1 and 2 ranks hold identical bits (tensor and params), for a scalar law
#    with random coefficients and for shallow water, with an odd sample count.
cases = {
    "cubic": ["-pde", "cubic", "-coef_a_range", "-1,1", "-coef_b_range", "-1,1", "-coef_c_range", "-1,1", "-nx", "64", "-nsamples", "5", "-nt", "6", "-t_final", "0.2", "-seed", "11"],
    "swe": ["-pde", "shallow_water", "-ic", "step", "-nx", "64", "-nsamples", "3", "-nt", "5", "-t_final", "0.1", "-fv_riemann", "roe"],
    "spectral": ["-pde", "viscous_burgers", "-solver", "spectral", "-nx", "64", "-nsamples", "3", "-nt", "5", "-t_final", "0.1"],
}
for name, args in cases.items():
    outs = []
    for n in (1, 2):
        path = f"{name}_{n}.h5"
        p = run(args + ["-o", path, "-force"], nranks=n)
        check(f"{name}_{n}rank_runs", p.returncode == 0, p.stderr)
        outs.append(path)
    if all(os.path.exists(o) for o in outs):
        with h5py.File(outs[0]) as a, h5py.File(outs[1]) as b:
            same = np.array_equal(a["tensor"][...], b["tensor"][...]) and np.array_equal(a["params"][...], b["params"][...]) if "params" in a else np.array_equal(a["tensor"][...], b["tensor"][...])
            check(f"{name}_1_vs_2_ranks_bitwise", same, "tensor or params differ")
            for key in ("pde", "flux", "scheme", "cfl", "bc", "seed", "conflux_version", "created_by"):
                check(f"{name}_attr_{key}", key in a.attrs, f"missing root attribute {key}")

# Samples are computed in batches held in memory and written collectively once per batch. With
# a buffer of 2 samples the 5 samples go in batches of 2 + 2 + 1. Static schedule on 2 ranks:
# rank 0 owns 3 samples (2 + 1) and rank 1 owns 2 (2 + 0: it joins the last collective write
# with nothing). Dynamic schedule (the default): each batch of 2 is shared by whichever ranks
# claim its samples first, so a rank may write 0, 1 or 2 non-contiguous samples per batch. Every
# file must be bitwise the same as the unbatched 1-rank one, and -simulate_timing reports every
# rank's phases and the schedule.
one_sample_mb = 6 * 64 * 8 / 2**20
for schedule in ("dynamic", "static"):
    for n in (1, 2):
        path = f"cubic_batched_{schedule}_{n}.h5"
        p = run(cases["cubic"] + ["-o", path, "-force", "-simulate_buffer_mb", str(2.5 * one_sample_mb), "-simulate_timing", "-simulate_schedule", schedule], nranks=n)
        check(f"cubic_batched_{schedule}_{n}rank_runs", p.returncode == 0, p.stderr)
        check(f"cubic_batched_{schedule}_{n}rank_batches", f"{schedule} schedule, batches of up to 2 samples" in p.stdout and all(f"rank {r}: setup" in p.stdout for r in range(n)), p.stdout)
        if p.returncode == 0:
            with h5py.File("cubic_1.h5") as a, h5py.File(path) as b:
                same = all(np.array_equal(a[k][...], b[k][...]) for k in ("tensor", "params", "x-coordinate", "t-coordinate"))
                check(f"cubic_batched_{schedule}_{n}rank_bitwise", same, "differs from the unbatched 1-rank file")
    # unbatched, 2 ranks, this schedule: the whole file in one collective write
    p = run(cases["swe"] + ["-o", f"swe_{schedule}.h5", "-force", "-simulate_schedule", schedule], nranks=2)
    check(f"swe_{schedule}_2rank_runs", p.returncode == 0, p.stderr)
    if p.returncode == 0 and os.path.exists("swe_1.h5"):
        with h5py.File("swe_1.h5") as a, h5py.File(f"swe_{schedule}.h5") as b:
            check(f"swe_{schedule}_2rank_bitwise", np.array_equal(a["tensor"][...], b["tensor"][...]), "differs from the 1-rank file")
# Three ranks on two cores, tiny samples and a buffer of ~3 samples: the ranks run at uneven
# speed, so under the dynamic schedule ranks help each other and a rank holds samples out of
# index order (taken from a lower rank's share), which are sorted before the write. The file
# must still be bitwise the 1-rank one.
adv = ["-pde", "advection", "-coef_c_range", "0,1", "-nx", "256", "-nsamples", "31", "-nt", "21", "-t_final", "0.5", "-force"]
p1 = run(adv + ["-o", "adv_1.h5"])
p3 = run(adv + ["-o", "adv_3.h5", "-simulate_buffer_mb", "0.3", "-simulate_timing"], nranks=3)
check("adv_3rank_runs", p1.returncode == 0 and p3.returncode == 0, p1.stderr + p3.stderr)
if p1.returncode == 0 and p3.returncode == 0:
    with h5py.File("adv_1.h5") as a, h5py.File("adv_3.h5") as b:
        check("adv_3rank_bitwise", all(np.array_equal(a[k][...], b[k][...]) for k in ("tensor", "params")), "3-rank dynamic file differs from the 1-rank one")
p = run(cases["cubic"] + ["-o", "x.h5", "-simulate_schedule", "guided"])
check("bad_schedule", p.returncode != 0 and "guided" in p.stderr and not os.path.exists("x.h5"), p.stderr)
p = run(cases["cubic"] + ["-o", "x.h5", "-simulate_buffer_mb", "0"])
check("bad_buffer_size", p.returncode != 0 and "-simulate_buffer_mb must be positive" in p.stderr, p.stderr)

with h5py.File("cubic_1.h5") as f:
    t = f["tensor"]
    check("cubic_shape", t.shape == (5, 6, 64) and t.chunks == (1, 6, 64), f"{t.shape} {t.chunks}")
    names = [n.decode() if isinstance(n, bytes) else n for n in f["params"].attrs["param_names"]]
    check("cubic_param_names", names == ["a", "b", "c"], str(names))
    p = f["params"][...]
    check("cubic_params_in_range", np.all(np.abs(p) <= 1) and len(np.unique(p[:, 0])) == 5, str(p))
    x, tc = f["x-coordinate"][...], f["t-coordinate"][...]
    check("coordinates", np.allclose(x, (np.arange(64) + 0.5) / 64, rtol=0, atol=1e-15) and np.allclose(tc, np.linspace(0, 0.2, 6), rtol=0, atol=1e-15), f"{x[:3]} {tc}")
    mass = f["tensor"][...].sum(axis=2)
    drift = np.max(np.abs(mass - mass[:, :1]) / np.abs(f["tensor"][:, 0, :]).sum(axis=1, keepdims=True))
    check("cubic_mass_conserved", drift < 1e-13, f"relative mass drift {drift:.3e}")
with h5py.File("swe_1.h5") as f:
    check("swe_shape", f["tensor"].shape == (3, 5, 64, 2), str(f["tensor"].shape))
    check("swe_depth_positive", f["tensor"][..., 0].min() > 0, "non-positive depth")

# 2. An existing file is not replaced without -force, and stays intact.
before = sha("cubic_1.h5")
p = run(cases["cubic"] + ["-o", "cubic_1.h5"])
check("refuses_overwrite", p.returncode != 0 and "file exists" in p.stderr and "-force" in p.stderr and sha("cubic_1.h5") == before, p.stderr)

# 3. SIGTERM during a long run leaves the existing file under the final name untouched.
proc = subprocess.Popen([conflux, "simulate", "-o", "cubic_1.h5", "-force", "-pde", "burgers", "-nx", "512", "-nsamples", "100000", "-nt", "11"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
deadline = time.time() + 60
while not os.path.exists("cubic_1.h5.tmp") and time.time() < deadline and proc.poll() is None:
    time.sleep(0.05)
time.sleep(0.5)
proc.send_signal(signal.SIGTERM)
proc.wait(timeout=60)
check("sigterm_keeps_final_file", sha("cubic_1.h5") == before, "the final file changed")
with h5py.File("cubic_1.h5") as f:
    check("sigterm_final_file_readable", f["tensor"].shape == (5, 6, 64), "final file damaged")

# 4. Bad options: one line naming what is wrong and the valid choices.
p = run(["-o", "x.h5", "-pde", "nosuch"])
check("unknown_pde", p.returncode != 0 and "nosuch" in p.stderr and "shallow_water" in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr)
p = run(["-o", "x.h5", "-fv_riemann", "nosuch"])
check("unknown_riemann", p.returncode != 0 and "godunov, rusanov, hll, roe" in p.stderr, p.stderr)
p = run(["-o", "x.h5", "-pde", "cubic", "-solver", "spectral"])
check("spectral_needs_viscous_burgers", p.returncode != 0 and "spectral" in p.stderr and "viscous" in p.stderr, p.stderr)
p = run(["-nsamples", "2"])
check("missing_output", p.returncode != 0 and "-o FILE.h5" in p.stderr, p.stderr)
check("no_partial_outputs", not os.path.exists("x.h5") and not os.path.exists("x.h5.tmp"), "files left behind")

# 5. tools/plot draws each kind of picture from a simulated file, and rejects a bad file.
plot = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "plot")
for kind, extra in (("spacetime", []), ("snapshots", ["--frames", "0,2,5"]), ("compare", ["cubic_2.h5", "--labels", "two_ranks"])):
    p = subprocess.run(["bash", plot, kind, "cubic_1.h5"] + extra + ["-o", f"{kind}.png"], capture_output=True, text=True, timeout=120)
    ok = p.returncode == 0 and os.path.exists(f"{kind}.png") and open(f"{kind}.png", "rb").read(8) == b"\x89PNG\r\n\x1a\n" and os.path.getsize(f"{kind}.png") > 5000
    check(f"plot_{kind}", ok, p.stderr)
p = subprocess.run(["bash", plot, "snapshots", "cubic_1.h5", "--frames", "0,99", "-o", "bad.png"], capture_output=True, text=True, timeout=120)
check("plot_bad_frame", p.returncode != 0 and "frames [99] out of range" in p.stderr, p.stderr)

if failures:
    print(f"{len(failures)} check(s) failed: {failures}")
    sys.exit(1)
print("all simulate checks passed")
