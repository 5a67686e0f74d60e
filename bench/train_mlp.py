"""PyTorch reference of bench/train_mlp.c: one training step (forward + backward + Adam) of an
MLP 2-64-64-64-1 with tanh, batch 4096, float64, torch.set_num_threads(2). Prints one JSON
line (median and minimum step time after warm-up, peak resident set, BLAS in use).
usage: train_mlp.py [--batch 4096] [--width 64] [--reps 20] [--warmup 5] [--threads 2]"""
import argparse
import json
import math

import torch
from torch_step_timing import summary, time_steps

ap = argparse.ArgumentParser()
ap.add_argument("--batch", type=int, default=4096)
ap.add_argument("--width", type=int, default=64)
ap.add_argument("--reps", type=int, default=20)
ap.add_argument("--warmup", type=int, default=5)
ap.add_argument("--threads", type=int, default=2)
a = ap.parse_args()

torch.set_num_threads(a.threads)
torch.set_default_dtype(torch.float64)
torch.manual_seed(1)
layers = []
sizes = [2, a.width, a.width, a.width, 1]
for i in range(4):
    layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
    if i < 3:
        layers.append(torch.nn.Tanh())
model = torch.nn.Sequential(*layers)
x = torch.rand(a.batch, 2) * 2 - 1
y = (torch.sin(math.pi * x[:, 0]) * x[:, 1]).unsqueeze(1)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)

times, final_loss = time_steps(opt, lambda: torch.nn.functional.mse_loss(model(x), y), a.warmup, a.reps)
# the BLAS library actually mapped into this process (Debian's torch uses the system libblas)
with open("/proc/self/maps") as maps:
    libs = sorted({line.split()[-1] for line in maps if "blas" in line.split()[-1]})
blas = ",".join(libs) or "none mapped"
print(json.dumps({"bench": "train_mlp", "impl": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas,
                  "batch": a.batch, "width": a.width, "reps": a.reps, **summary(times, final_loss)}))
