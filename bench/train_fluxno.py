"""PyTorch reference of bench/train_fluxno.c: one training step (forward + backward + Adam) of a
Flux NO step: the stencil (u[j-1], u[j], u[j+1], u[j+2]) of every face j+1/2 of a periodic grid
through an MLP 4-64-64-1 with exact GELU gives the face flux F[j]; the conservative update
u[j] - (F[j] - F[j-1]) / 2 is compared with a target by MSE. Batch 32, N = 256, float64,
torch.set_num_threads(2). One JSON line.
usage: train_fluxno.py [--batch 32] [--n 256] [--width 64] [--reps 20] [--warmup 5] [--threads 2]"""
import argparse
import json

import torch
from torch_step_timing import summary, time_steps

ap = argparse.ArgumentParser()
ap.add_argument("--batch", type=int, default=32)
ap.add_argument("--n", type=int, default=256)
ap.add_argument("--width", type=int, default=64)
ap.add_argument("--reps", type=int, default=20)
ap.add_argument("--warmup", type=int, default=5)
ap.add_argument("--threads", type=int, default=2)
a = ap.parse_args()
torch.set_num_threads(a.threads)
torch.set_default_dtype(torch.float64)
torch.manual_seed(1)
mlp = torch.nn.Sequential(torch.nn.Linear(4, a.width), torch.nn.GELU(), torch.nn.Linear(a.width, a.width), torch.nn.GELU(), torch.nn.Linear(a.width, 1))


def step(u):
    # torch.roll(u, s)[j] = u[j - s]
    st = torch.stack([torch.roll(u, 1, -1), u, torch.roll(u, -1, -1), torch.roll(u, -2, -1)], -1)
    F = mlp(st).squeeze(-1)
    return u - 0.5 * (F - torch.roll(F, 1, -1))


u = torch.rand(a.batch, a.n) * 2 - 1
target = 0.5 * (u + torch.roll(u, 1, -1))
opt = torch.optim.Adam(mlp.parameters(), lr=1e-3)
times, final_loss = time_steps(opt, lambda: torch.nn.functional.mse_loss(step(u), target), a.warmup, a.reps)
print(json.dumps({"bench": "train_fluxno", "impl": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(), "batch": a.batch, "n": a.n,
                  "width": a.width, "reps": a.reps, **summary(times, final_loss)}))
