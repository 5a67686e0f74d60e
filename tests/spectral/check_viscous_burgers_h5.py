"""Checks the output of examples/viscous_burgers: datasets and shapes, that the stored FV and
spectral cell averages reproduce the stored L1 error of the finest grid, that the errors fall
at about second order, and that the XDMF sidecar points at those datasets."""
import sys
import xml.etree.ElementTree as ET

import h5py
import numpy as np


def fail(msg):
    print("check_viscous_burgers_h5: " + msg)
    sys.exit(1)


path = sys.argv[1]
with h5py.File(path, "r") as f:
    x, fv, ref, err = f["x-coordinate"][...], f["fv"][...], f["spectral"][...], f["errors"][...]
    n = x.shape[0]
    if fv.shape != (n,) or ref.shape != (n,) or err.shape[1] != 2 or err[-1, 0] != n:
        fail(f"shapes x {x.shape}, fv {fv.shape}, spectral {ref.shape}, errors {err.shape}")
    if not np.allclose(x, (np.arange(n) + 0.5) / n, rtol=0, atol=1e-15):
        fail("x-coordinate is not the cell centres of [0, 1)")
    l1 = np.sum(np.abs(fv - ref)) / n
    if abs(l1 - err[-1, 1]) > 1e-12 * err[-1, 1]:
        fail(f"L1 of the stored fields {l1:.6e} differs from the stored error {err[-1, 1]:.6e}")
    orders = np.log2(err[:-1, 1] / err[1:, 1])
    if orders[-1] < 1.8:
        fail(f"orders {orders}")

root = ET.parse(path + ".xmf").getroot()
hdf = [d for d in root.iter("DataItem") if d.get("Format") == "HDF"]
refs = sorted(d.text.strip().split(":")[-1] for d in hdf)
dims = {d.get("Dimensions") for d in hdf}
topo = root.find("./Domain/Grid/Topology")
geo = [float(v) for d in root.findall("./Domain/Grid/Geometry/DataItem") for v in d.text.split()]
if refs != ["/fv", "/spectral"] or dims != {str(n)} or topo.get("Dimensions") != f"1 {n}":
    fail(f"XDMF points at {refs} with dimensions {dims}, topology {topo.get('Dimensions')}")
if not np.allclose(geo, [0, 0.5 / n, 1, 1.0 / n], rtol=1e-15, atol=0):
    fail(f"XDMF origin and spacing {geo}, expected cell centres of {n} cells")
print(f"check_viscous_burgers_h5: {n} cells OK; L1 error {l1:.3e}, orders {np.round(orders, 2)}")
