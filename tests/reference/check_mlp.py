"""PyTorch side of the MLP cross-check: runs ref_mlp, loads the initial weights from its
checkpoint (/params/<key>, attribute name), and compares with torch (float64):
forward output (<= 1e-12 relative), gradients of the MSE loss (<= 1e-10 relative, per
parameter), and the weights after 3 steps of torch.optim.Adam (L2 weight decay) and AdamW
(<= 1e-12 relative). Exit 77 (CTest: skipped) when torch cannot be imported.

usage: check_mlp.py REF_MLP_EXECUTABLE WORKDIR"""
import os
import subprocess
import sys

try:
    import torch
except ImportError:
    print("torch not importable: PyTorch cross-check skipped")
    sys.exit(77)
import h5py
import numpy as np

exe, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
subprocess.run([exe, "-dir", work], check=True)
torch.set_default_dtype(torch.float64)

with h5py.File(os.path.join(work, "mlp_init.h5"), "r") as f:
    assert f["model"].attrs["kind"] in (b"mlp", "mlp"), f["model"].attrs["kind"]
    init = {}
    for key, d in f["params"].items():
        name = d.attrs["name"]
        name = name.decode() if isinstance(name, bytes) else name
        init[name] = np.array(d)
with h5py.File(os.path.join(work, "mlp_results.h5"), "r") as f:
    x = torch.tensor(np.array(f["x"]))
    target = torch.tensor(np.array(f["target"]))
    y_ref = np.array(f["y"])
    loss_ref = float(np.array(f["loss"])[0])
    groups = {g: {k: np.array(v) for k, v in f[g].items()} for g in ("grad", "adam", "adamw")}


def fresh():
    return {k: torch.tensor(v, requires_grad=True) for k, v in init.items()}


def forward(p):
    h = torch.tanh(torch.nn.functional.linear(x, p["mlp.linear0.weight"], p["mlp.linear0.bias"]))
    h = torch.tanh(torch.nn.functional.linear(h, p["mlp.linear1.weight"], p["mlp.linear1.bias"]))
    return torch.nn.functional.linear(h, p["mlp.linear2.weight"], p["mlp.linear2.bias"])


def rel(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


failures = []


def check(what, err, tol):
    print(f"{what:48s} rel diff {err:.2e} (tol {tol:.0e})")
    if not err <= tol:
        failures.append(what)


p = fresh()
y = forward(p)
loss = torch.nn.functional.mse_loss(y, target)
loss.backward()
check("MLP forward output", rel(y.detach().numpy(), y_ref), 1e-12)
check("MSE loss", abs(loss.item() - loss_ref) / loss_ref, 1e-12)
for name, t in p.items():
    check(f"gradient {name}", rel(groups["grad"][name], t.grad.numpy()), 1e-10)

for kind, cls in (("adam", torch.optim.Adam), ("adamw", torch.optim.AdamW)):
    p = fresh()
    opt = cls(list(p.values()), lr=0.05, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.1)
    for _ in range(3):
        opt.zero_grad()
        torch.nn.functional.mse_loss(forward(p), target).backward()
        opt.step()
    err = max(rel(groups[kind][name], t.detach().numpy()) for name, t in p.items())
    check(f"weights after 3 {cls.__name__} steps", err, 1e-12)

if failures:
    print("FAILED:", ", ".join(failures))
    sys.exit(1)
print("PyTorch cross-check passed")
