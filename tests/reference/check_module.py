"""PyTorch side of the FNO1d and transformer-block cross-checks: runs ref_module, builds the
same model in torch (float64) from the weights of its checkpoint (/params/<key>, attribute
name), and compares the forward output (<= 1e-12 relative) and the gradients of the MSE loss
(<= 1e-10 relative, per parameter). The torch models:
  fno          lift Conv1d(2, 8, 1) on [u, grid (j + 1/2)/N]; 2 layers h <- spectral(h) +
               Conv1d(8, 8, 1)(h), GELU between layers, spectral = rfft, keep 5 modes,
               einsum("bix,iox->box", complex(wr, wi)), irfft; projection Conv1d(8, 16, 1),
               GELU, Conv1d(16, 1, 1);
  transformer  torch.nn.TransformerEncoderLayer(12, 3, 20, dropout=0, activation="gelu",
               batch_first=True, norm_first=True).
Exit 77 (CTest: skipped) when torch cannot be imported.

usage: check_module.py fno|transformer REF_MODULE_EXECUTABLE WORKDIR"""
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

model, exe, work = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(work, exist_ok=True)
subprocess.run([exe, "-model", model, "-dir", work], check=True)
torch.set_default_dtype(torch.float64)

with h5py.File(os.path.join(work, f"{model}_init.h5"), "r") as f:
    init, keys = {}, {}
    for key, d in f["params"].items():
        name = d.attrs["name"]
        name = name.decode() if isinstance(name, bytes) else name
        init[name] = np.array(d)
        keys[name] = key
with h5py.File(os.path.join(work, f"{model}_results.h5"), "r") as f:
    x = torch.tensor(np.array(f["x"]))
    target = torch.tensor(np.array(f["target"]))
    y_ref = np.array(f["y"])
    loss_ref = float(np.array(f["loss"])[0])
    grad_ref = {k: np.array(v) for k, v in f["grad"].items()}


def local(name):
    """parameter name without the root module's own name"""
    return name.split(".", 1)[1] if "." in name and name.split(".", 1)[0] in ("fno1d", "transformerblock", "fno", "transformer") else name


class Spectral(torch.nn.Module):
    def __init__(self, w, m):
        super().__init__()
        self.m = m
        self.weight_re = torch.nn.Parameter(torch.zeros(w, w, m))
        self.weight_im = torch.nn.Parameter(torch.zeros(w, w, m))

    def forward(self, h):
        hf = torch.fft.rfft(h)
        out = torch.zeros(h.shape[0], self.weight_re.shape[1], h.shape[-1] // 2 + 1, dtype=torch.complex128)
        out[:, :, : self.m] = torch.einsum("bix,iox->box", hf[:, :, : self.m], torch.complex(self.weight_re, self.weight_im))
        return torch.fft.irfft(out, n=h.shape[-1])


class FNO(torch.nn.Module):
    def __init__(self, width=8, layers=2, modes=5, pwidth=16):
        super().__init__()
        self.lift = torch.nn.Conv1d(2, width, 1)
        for l in range(layers):
            setattr(self, f"fourier{l}", Spectral(width, modes))
            setattr(self, f"pointwise{l}", torch.nn.Conv1d(width, width, 1))
        self.proj0 = torch.nn.Conv1d(width, pwidth, 1)
        self.proj1 = torch.nn.Conv1d(pwidth, 1, 1)
        self.layers = layers

    def forward(self, u):
        n = u.shape[-1]
        grid = ((torch.arange(n) + 0.5) / n).expand(u.shape[0], 1, n)
        h = self.lift(torch.cat([u, grid], 1))
        for l in range(self.layers):
            h = getattr(self, f"fourier{l}")(h) + getattr(self, f"pointwise{l}")(h)
            if l < self.layers - 1:
                h = torch.nn.functional.gelu(h)
        return self.proj1(torch.nn.functional.gelu(self.proj0(h)))


if model == "fno":
    net = FNO()
else:
    net = torch.nn.TransformerEncoderLayer(12, 3, 20, dropout=0.0, activation="gelu", batch_first=True, norm_first=True)
params = dict(net.named_parameters())
loaded = set()
with torch.no_grad():
    for name, value in init.items():
        p = params[local(name)]
        assert tuple(p.shape) == value.shape, f"{name}: torch shape {tuple(p.shape)}, conflux {value.shape}"
        p.copy_(torch.tensor(value))
        loaded.add(local(name))
missing = set(params) - loaded
assert not missing, f"torch parameters without a conflux counterpart: {sorted(missing)}"
net.train()


def rel(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


failures = []


def check(what, err, tol):
    print(f"{what:56s} rel diff {err:.2e} (tol {tol:.0e})")
    if not err <= tol:
        failures.append(what)


y = net(x)
loss = torch.nn.functional.mse_loss(y, target)
loss.backward()
check(f"{model} forward output", rel(y_ref, y.detach().numpy()), 1e-12)
check(f"{model} MSE loss", abs(loss.item() - loss_ref) / loss_ref, 1e-12)
for name in init:
    check(f"gradient {name}", rel(grad_ref[keys[name]], params[local(name)].grad.numpy()), 1e-10)

if failures:
    print("FAILED:", ", ".join(failures))
    sys.exit(1)
print("PyTorch cross-check passed")
