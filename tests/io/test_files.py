"""Reader robustness and interoperability, with fixtures built by h5py.

usage: test_files.py READ_DATASET CONFLUX TEST_DATASET MPIEXEC WORKDIR
"""
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import h5py
import numpy as np

read_dataset, conflux, test_dataset, mpiexec, work = sys.argv[1:6]
os.makedirs(work, exist_ok=True)
os.chdir(work)
failures = []


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def expect_ok(name, cmd, needle):
    rc, out, err = run(cmd)
    if rc != 0 or needle not in out:
        failures.append(f"{name}: expected success with '{needle}', got rc={rc} out={out!r} err={err!r}")
    else:
        print(f"ok   {name}")
    return out


def expect_error(name, cmd, needles):
    rc, out, err = run(cmd)
    lines = [l for l in err.splitlines() if l.strip()]
    missing = [n for n in needles if n not in err]
    if rc == 0 or missing or len(lines) != 1:
        failures.append(f"{name}: expected one error line containing {needles}, got rc={rc} stderr={err!r}")
    else:
        print(f"ok   {name}: {lines[0]}")


def pdebench_like(path, n=3, nt=201, nx=1024, dtype=np.float32):
    """The published PDEBench 1D layout: float32 tensor, t-coordinate with one extra entry."""
    rng = np.random.default_rng(0)
    with h5py.File(path, "w") as f:
        f["tensor"] = rng.standard_normal((n, nt, nx)).astype(dtype)
        f["x-coordinate"] = ((np.arange(nx) + 0.5) / nx).astype(np.float32)
        f["t-coordinate"] = np.linspace(0, 2.01, nt + 1).astype(np.float32)
    with h5py.File(path, "r") as f:
        return float(np.sum(f["tensor"][...].astype(np.float64)))


# 1. PDEBench files are read as they are, float32 and all, on 1 and 2 ranks.
total = pdebench_like("pdebench.h5")
for nranks in (1, 2):
    out = expect_ok(f"pdebench_read_{nranks}rank", [mpiexec, "-n", str(nranks), "--oversubscribe", read_dataset, "pdebench.h5"], "ok 3 201 1024 0")
    if out:
        got = float(out.split("sum")[1])
        if abs(got - total) > 1e-6 * max(1.0, abs(total)):
            failures.append(f"pdebench sum {got} != h5py's {total}")
expect_ok("pdebench_info", [conflux, "info", "pdebench.h5"], "trajectory dataset: 3 samples x 201 frames x 1024 cells (layout valid)")

# 2. Bad files: one line naming the file, the dataset, expected and found.
with open("text.h5", "w") as f:
    f.write("this is not HDF5\n")
pdebench_like("whole.h5", n=4, nt=50, nx=256)
size = os.path.getsize("whole.h5")
with open("whole.h5", "rb") as src, open("truncated.h5", "wb") as dst:
    dst.write(src.read(size // 2))
with h5py.File("no_tensor.h5", "w") as f:
    f["x-coordinate"] = np.arange(4.0)
    f["t-coordinate"] = np.arange(3.0)
with h5py.File("rank2.h5", "w") as f:
    f["tensor"] = np.zeros((3, 10))
    f["x-coordinate"] = np.arange(10.0)
    f["t-coordinate"] = np.arange(3.0)
with h5py.File("xmismatch.h5", "w") as f:
    f["tensor"] = np.zeros((2, 5, 16))
    f["x-coordinate"] = np.arange(15.0)
    f["t-coordinate"] = np.arange(5.0)
with h5py.File("tmismatch.h5", "w") as f:
    f["tensor"] = np.zeros((2, 5, 16))
    f["x-coordinate"] = np.arange(16.0)
    f["t-coordinate"] = np.arange(9.0)
with h5py.File("inttensor.h5", "w") as f:
    f["tensor"] = np.zeros((2, 5, 16), dtype=np.int32)
    f["x-coordinate"] = np.arange(16.0)
    f["t-coordinate"] = np.arange(5.0)
with h5py.File("params_rows.h5", "w") as f:
    f["tensor"] = np.zeros((2, 5, 16))
    f["x-coordinate"] = np.arange(16.0)
    f["t-coordinate"] = np.arange(5.0)
    f["params"] = np.zeros((3, 2))
bad = np.zeros((2, 5, 16))
bad[1, 2, 3] = np.nan
with h5py.File("nan.h5", "w") as f:
    f["tensor"] = bad
    f["x-coordinate"] = np.arange(16.0)
    f["t-coordinate"] = np.arange(5.0)

cases = [
    ("missing_file", "absent.h5", ["absent.h5", "cannot read file", "No such file"]),
    ("not_hdf5", "text.h5", ["text.h5", "not an HDF5 file"]),
    ("truncated", "truncated.h5", ["truncated.h5", "truncated"]),
    ("missing_tensor", "no_tensor.h5", ["no_tensor.h5", "dataset 'tensor' is missing", "expected rank 3"]),
    ("wrong_rank", "rank2.h5", ["rank2.h5", "dataset 'tensor' has rank 2, expected rank 3"]),
    ("x_length", "xmismatch.h5", ["xmismatch.h5", "dataset 'x-coordinate' has length 15, expected [16]"]),
    ("t_length", "tmismatch.h5", ["tmismatch.h5", "dataset 't-coordinate' has length 9, expected [5] or [6]"]),
    ("int_tensor", "inttensor.h5", ["inttensor.h5", "dataset 'tensor' must hold floating-point values"]),
    ("params_rows", "params_rows.h5", ["params_rows.h5", "dataset 'params' has 3 rows, expected 2"]),
    ("nan_value", "nan.h5", ["nan.h5", "non-finite value (NaN) at sample 1, frame 2", "cell 3"]),
]
for name, path, needles in cases:
    expect_error(name, [read_dataset, path], needles)
for name, path, needles in cases[:3]:
    expect_error("info_" + name, [conflux, "info", path], needles[:2])
# info counts NaN instead of failing
expect_ok("info_counts_nan", [conflux, "info", "nan.h5"], "NaN 1")

# 3. A dataset written by conflux opens in h5py with the documented layout, and its XDMF
#    sidecar points at the right datasets with the right shapes.
for nranks in (1, 2):
    path = f"written{nranks}.h5"
    expect_ok(f"write_{nranks}rank", [mpiexec, "-n", str(nranks), "--oversubscribe", test_dataset, "-o", path, "-keep"], "round trips bit-exact")
    with h5py.File(path, "r") as f:
        if f["tensor"].shape != (5, 4, 7, 2) or f["tensor"].dtype != np.float32:
            failures.append(f"{path}: tensor {f['tensor'].shape} {f['tensor'].dtype}")
        if f["tensor"].chunks != (1, 4, 7, 2) or f["tensor"].compression != "gzip":
            failures.append(f"{path}: chunks {f['tensor'].chunks} compression {f['tensor'].compression}")
        names = [n.decode() if isinstance(n, bytes) else n for n in f["params"].attrs["param_names"]]
        if names != ["coef_a", "nu"] or f.attrs["pde"] not in ("burgers", b"burgers"):
            failures.append(f"{path}: param_names {names} pde {f.attrs['pde']}")
        expected = np.array([[[[1000.0 * s + 100.0 * k + j + 0.125 * c + 1 / 3 for c in range(2)] for j in range(7)] for k in range(4)] for s in range(5)], dtype=np.float32)
        if not np.array_equal(f["tensor"][...], expected):
            failures.append(f"{path}: values differ from what was written")
    root = ET.parse(path + ".xmf").getroot()
    grids = root.findall(".//Grid[@GridType='Uniform']")
    if len(grids) != 5:
        failures.append(f"{path}.xmf: {len(grids)} sample grids, expected 5")
    for g in grids:
        topo = g.find("Topology")
        if topo.get("Dimensions") != "4 7":
            failures.append(f"{path}.xmf: topology {topo.get('Dimensions')}")
        refs = [d.text.strip() for d in g.iter("DataItem") if d.get("Format") == "HDF"]
        if f"{path}:/x-coordinate" not in refs or f"{path}:/t-coordinate" not in refs or f"{path}:/tensor" not in refs:
            failures.append(f"{path}.xmf: references {refs}")
        for d in g.iter("DataItem"):
            if d.get("Format") == "HDF" and d.text.strip().endswith("/tensor") and d.get("Dimensions") != "5 4 7 2":
                failures.append(f"{path}.xmf: tensor dims {d.get('Dimensions')}")
        if len(g.findall("Attribute")) != 2:
            failures.append(f"{path}.xmf: {len(g.findall('Attribute'))} attributes, expected one per component")
    print(f"ok   xdmf_{nranks}rank")

if failures:
    print("\n".join("FAIL " + f for f in failures))
    sys.exit(1)
print(f"{len(cases) + 12} file checks passed")
