"""PyTorch reference of bench/train_fno.c: one training step (forward + backward + Adam) of an
FNO1d (grid channel, lift 2->32, 4 Fourier layers of 16 modes with a pointwise branch and GELU,
projection 32-128-1), batch 32, N = 256, float64, torch.set_num_threads(2). One JSON line.
usage: train_fno.py [--batch 32] [--n 256] [--reps 20] [--warmup 5] [--threads 2]"""
import argparse
import json

import torch
from torch_step_timing import summary, time_steps

ap = argparse.ArgumentParser()
ap.add_argument("--batch", type=int, default=32)
ap.add_argument("--n", type=int, default=256)
ap.add_argument("--reps", type=int, default=20)
ap.add_argument("--warmup", type=int, default=5)
ap.add_argument("--threads", type=int, default=2)
a = ap.parse_args()
torch.set_num_threads(a.threads)
torch.set_default_dtype(torch.float64)
torch.manual_seed(1)
W, L, M, P = 32, 4, 16, 128


class Spectral(torch.nn.Module):
    def __init__(self):
        super().__init__()
        s = 1.0 / (W * W)
        self.wr = torch.nn.Parameter(s * torch.rand(W, W, M))
        self.wi = torch.nn.Parameter(s * torch.rand(W, W, M))

    def forward(self, x):
        xf = torch.fft.rfft(x)
        out = torch.zeros(x.shape[0], W, x.shape[-1] // 2 + 1, dtype=torch.complex128)
        out[:, :, :M] = torch.einsum("bix,iox->box", xf[:, :, :M], torch.complex(self.wr, self.wi))
        return torch.fft.irfft(out, n=x.shape[-1])


class FNO(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lift = torch.nn.Conv1d(2, W, 1)
        self.fourier = torch.nn.ModuleList([Spectral() for _ in range(L)])
        self.pointwise = torch.nn.ModuleList([torch.nn.Conv1d(W, W, 1) for _ in range(L)])
        self.proj0 = torch.nn.Conv1d(W, P, 1)
        self.proj1 = torch.nn.Conv1d(P, 1, 1)

    def forward(self, x):
        n = x.shape[-1]
        grid = ((torch.arange(n) + 0.5) / n).expand(x.shape[0], 1, n)
        h = self.lift(torch.cat([x, grid], 1))
        for i in range(L):
            h = self.fourier[i](h) + self.pointwise[i](h)
            if i < L - 1:
                h = torch.nn.functional.gelu(h)
        return self.proj1(torch.nn.functional.gelu(self.proj0(h)))


model = FNO()
x = torch.randn(a.batch, 1, a.n)
y = torch.sin(x)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
times, final_loss = time_steps(opt, lambda: torch.nn.functional.mse_loss(model(x), y), a.warmup, a.reps)
print(json.dumps({"bench": "train_fno", "impl": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(), "batch": a.batch, "n": a.n,
                  "reps": a.reps, **summary(times, final_loss)}))
