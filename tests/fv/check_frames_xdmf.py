"""Checks the XDMF sidecar FILE.xmf that examples/burgers_shock and examples/dam_break write beside
their HDF5 output (one dataset PREFIX_NNNN per output time, attribute 'time', cell centres /x).

Usage: check_frames_xdmf.py FILE.h5 PREFIX NFRAMES [COMPONENT ...]
With no component names the frames are [N] and the sidecar has one attribute 'u'; otherwise they are
[N, len(COMPONENTS)] and the sidecar has one attribute per component (a hyperslab of one column).

The sidecar is read the way an XDMF reader does: every DataItem is resolved to numbers (XML text,
HDF5 dataset, or hyperslab of one), its declared Dimensions are checked against what it resolves
to, and the result is compared with the HDF5 file: the temporal collection must list every frame
dataset of the file once, in time order, with the 'time' attribute as its Time, the geometry must
be /x, and each attribute must be the right column of its frame."""
import os
import sys
import xml.etree.ElementTree as ET

import h5py
import numpy as np

failures = []


def fail(msg):
    failures.append(msg)


def dims(item):
    return tuple(int(v) for v in item.get("Dimensions").split())


def resolve(item, xmfdir, h5name):
    """The numbers a DataItem stands for, shaped by its declared Dimensions."""
    if item.get("ItemType") == "HyperSlab":
        sel, src = list(item)
        data = resolve(src, xmfdir, h5name)
        start, stride, count = resolve(sel, xmfdir, h5name).astype(int).reshape(3, data.ndim)
        index = tuple(slice(s, s + st * c, st) for s, st, c in zip(start, stride, count))
        out = data[index]
        if out.size != int(np.prod(dims(item))):
            fail(f"hyperslab {start}/{stride}/{count} gives {out.size} values, Dimensions {dims(item)}")
            return out
        return out.reshape(dims(item))
    fmt = item.get("Format")
    if fmt == "XML":
        out = np.array([float(v) for v in item.text.split()])
        if out.size != int(np.prod(dims(item))):
            fail(f"XML DataItem has {out.size} values, Dimensions {dims(item)}")
        return out.reshape(dims(item))
    if fmt == "HDF":
        fname, dset = item.text.strip().split(":")
        if fname != h5name:
            fail(f"DataItem refers to file {fname!r}, expected {h5name!r} (relative to the .xmf)")
        prec = (item.get("NumberType"), item.get("Precision"))
        with h5py.File(os.path.join(xmfdir, fname), "r") as f:
            if dset not in f:
                fail(f"DataItem refers to {dset}, which {fname} does not have")
                return np.zeros(dims(item))
            d = f[dset]
            if d.shape != dims(item):
                fail(f"{dset}: Dimensions {dims(item)} in the sidecar, shape {d.shape} in the file")
            if prec != ("Float", str(d.dtype.itemsize)) or d.dtype.kind != "f":
                fail(f"{dset}: NumberType/Precision {prec} in the sidecar, dtype {d.dtype} in the file")
            return d[...]
    fail(f"DataItem with unknown Format {fmt!r}")
    return np.zeros(dims(item))


path, prefix, nframes, comps = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
xmf = path + ".xmf"
xmfdir, h5name = os.path.dirname(os.path.abspath(path)), os.path.basename(path)
with h5py.File(path, "r") as f:
    x = f["x"][...]
    frames = sorted(k for k in f.keys() if k.startswith(prefix + "_"))
    data = {k: f[k][...] for k in frames}
    ftime = {k: float(f[k].attrs["time"]) for k in frames}
    declared = f.attrs.get("components")
if comps and declared is not None:
    declared = declared.decode() if isinstance(declared, bytes) else str(declared)
    if [c.strip() for c in declared.split(",")] != comps:
        fail(f"the file declares components {declared!r}, the sidecar is checked for {comps}")
n = x.shape[0]
if len(frames) != nframes:
    fail(f"{path} has {len(frames)} {prefix}_NNNN datasets, expected {nframes}")

root = ET.parse(xmf).getroot()
if root.tag != "Xdmf" or root.get("Version") != "3.0":
    fail(f"root element {root.tag} version {root.get('Version')}")
coll = root.findall("./Domain/Grid")
if len(coll) != 1 or coll[0].get("GridType") != "Collection" or coll[0].get("CollectionType") != "Temporal":
    fail("the domain should hold one temporal collection")
grids = coll[0].findall("./Grid") if coll else []
names = [g.get("Name") for g in grids]
if names != frames:
    fail(f"the collection lists {names}, the file has {frames}")
times = []
for g in grids:
    name = g.get("Name")
    t = float(g.find("Time").get("Value"))
    times.append(t)
    if name in ftime and t != ftime[name]:
        fail(f"{name}: Time {t!r} in the sidecar, attribute 'time' {ftime[name]!r} in the file")
    topo = g.find("Topology")
    if topo.get("TopologyType") != "2DRectMesh" or dims(topo) != (1, n):
        fail(f"{name}: topology {topo.get('TopologyType')} {dims(topo)}, expected 2DRectMesh (1, {n})")
    geo = g.find("Geometry")
    items = geo.findall("DataItem")
    if geo.get("GeometryType") != "VXVY" or len(items) != 2:
        fail(f"{name}: geometry {geo.get('GeometryType')} with {len(items)} arrays, expected VXVY with 2")
        continue
    gx, gy = resolve(items[0], xmfdir, h5name), resolve(items[1], xmfdir, h5name)
    if items[0].text.strip() != f"{h5name}:/x" or not np.array_equal(gx, x) or gy.shape != (1,):
        fail(f"{name}: geometry x from {items[0].text.strip()} ({gx.shape}), y {gy.shape}")
    attrs = g.findall("Attribute")
    want = comps if comps else ["u"]
    if [a.get("Name") for a in attrs] != want:
        fail(f"{name}: attributes {[a.get('Name') for a in attrs]}, expected {want}")
        continue
    for c, a in enumerate(attrs):
        if a.get("Center") != "Node" or a.get("AttributeType") != "Scalar":
            fail(f"{name}/{a.get('Name')}: {a.get('AttributeType')} on {a.get('Center')}, expected Scalar on Node")
        v = resolve(a.find("DataItem"), xmfdir, h5name)
        if v.size != n:
            fail(f"{name}/{a.get('Name')}: {v.size} values for {n} nodes")
        elif name in data:
            ref = data[name] if not comps else data[name][:, c]
            if not np.array_equal(v.ravel(), ref):
                fail(f"{name}/{a.get('Name')}: the values the sidecar selects are not {'the frame' if not comps else f'column {c}'} of {name}")
if times != sorted(times) or len(set(times)) != len(times):
    fail(f"frame times are not increasing: {times}")
if failures:
    print("\n".join(f"check_frames_xdmf: {xmf}: {m}" for m in failures))
    sys.exit(1)
print(f"check_frames_xdmf: {xmf}: {len(grids)} frames of {n} cells, t = {times[0]:.4g} .. {times[-1]:.4g}, attributes {want}: OK")
