"""Checks the output of examples/pendulum: layout, initial states, periods against the AGM
formula, energy conservation, the XDMF sidecar, and (given a second file) that the 1- and
2-rank runs are bitwise identical."""
import sys
import xml.etree.ElementTree as ET

import h5py
import numpy as np


def fail(msg):
    print("check_pendulum_h5: " + msg)
    sys.exit(1)


path = sys.argv[1]
with h5py.File(path, "r") as f:
    Y, t, p = f["tensor"][...], f["t-coordinate"][...], f["params"][...]
    E, T, Tagm, bob = f["energy"][...], f["period"][...], f["period_agm"][...], f["bob"][...]
    ns, nt, nc = Y.shape
    if nc != 2 or t.shape != (nt,) or p.shape != (ns, 1) or E.shape != (ns, nt) or bob.shape != (nt, ns, 3):
        fail(f"shapes tensor {Y.shape}, t {t.shape}, params {p.shape}, energy {E.shape}, bob {bob.shape}")
    if f["params"].attrs["param_names"] != b"theta0":
        fail("params lacks param_names = theta0")
    if not np.allclose(t, np.linspace(0, t[-1], nt), rtol=0, atol=1e-14):
        fail("t-coordinate is not uniform from 0")
    if np.any(Y[:, 0, 0] != p[:, 0]) or np.any(Y[:, 0, 1] != 0):
        fail("first frame is not (theta0, 0)")
    err = np.max(np.abs(T - Tagm))
    if err > 1e-9:
        fail(f"period differs from the AGM formula by {err:.3e}")
    drift = np.max(np.abs(E - E[:, :1]) / E[:, :1])
    if drift > 1e-8:
        fail(f"relative energy drift {drift:.3e}")
    # The pendulum never swings past its release angle (energy conservation, |theta| <= theta0).
    if np.any(np.abs(Y[:, :, 0]) > p[:, :1] * (1 + 1e-9)):
        fail("|theta| exceeds theta0")
    if not np.allclose(bob[:, :, 0], np.sin(Y[:, :, 0]).T * f.attrs["length"], atol=1e-14):
        fail("bob positions do not match theta")

root = ET.parse(path + ".xmf").getroot()
grids = root.findall("./Domain/Grid/Grid")
if len(grids) != nt:
    fail(f"XDMF has {len(grids)} frames, expected {nt}")
for g in (grids[0], grids[-1]):
    items = [d for d in g.iter("DataItem") if d.get("Format") == "HDF"]
    refs = sorted(d.text.strip().split(":")[-1] for d in items)
    dims = sorted(d.get("Dimensions") for d in items)
    if refs != ["/bob", "/tensor"] or dims != sorted([f"{nt} {ns} 3", f"{ns} {nt} 2"]):
        fail(f"XDMF points at {refs} with dimensions {dims}")
times = [float(g.find("Time").get("Value")) for g in grids]
if not np.allclose(times, t, rtol=0, atol=0):
    fail("XDMF times differ from t-coordinate")

if len(sys.argv) > 2:
    with h5py.File(sys.argv[2], "r") as g:
        if not np.array_equal(Y, g["tensor"][...]) or not np.array_equal(T, g["period"][...]):
            fail(f"{path} and {sys.argv[2]} differ (1 vs 2 ranks)")
print(f"check_pendulum_h5: {ns} samples x {nt} frames OK; max |T - T_agm| = {err:.2e}, energy drift {drift:.2e}")
