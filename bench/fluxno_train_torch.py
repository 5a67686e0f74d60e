"""The Flux NO training step of bench/fluxno_train.c in PyTorch (float64, 2 threads): lift
4 -> 64, one Fourier layer (5 modes) + pointwise, GELU, projection 64 -> 128 (GELU) -> 1;
Euler step with dt/dx = 1.28, loss sum of squares + 0.01 consistency against u^2/2, Adam with
weight decay 1e-3. Prints one JSON line with the median step time after warm-up."""
import json
import sys
import time

import torch

torch.set_num_threads(2)
torch.set_default_dtype(torch.float64)
B, N, K = (int(a) for a in (sys.argv[1:4] if len(sys.argv) > 3 else (100, 128, 20)))
W, M, P, S = 64, 5, 128, 4


class Flux(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lift = torch.nn.Conv1d(S, W, 1)
        self.wr = torch.nn.Parameter(torch.rand(W, W, M) / (W * W))
        self.wi = torch.nn.Parameter(torch.rand(W, W, M) / (W * W))
        self.pw = torch.nn.Conv1d(W, W, 1)
        self.p0 = torch.nn.Conv1d(W, P, 1)
        self.p1 = torch.nn.Conv1d(P, 1, 1)

    def forward(self, x):  # x [B, S, N]
        h = self.lift(x)
        hk = torch.fft.rfft(h)[..., :M]
        ok = torch.einsum("bim,iom->bom", hk, torch.complex(self.wr, self.wi))
        s = torch.fft.irfft(ok, n=x.shape[-1])
        h = torch.nn.functional.gelu(s + self.pw(h))
        return self.p1(torch.nn.functional.gelu(self.p0(h)))[:, 0]


net = Flux()
opt = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=1e-3)
u = torch.rand(B, N) * 2 - 1
v = torch.rand(B, N) * 2 - 1
times = []
for k in range(K + 3):
    t0 = time.perf_counter()
    opt.zero_grad()
    x = torch.stack([torch.roll(u, -i, -1) for i in range(-1, 3)], 1)
    G = net(x)
    step = u - 1.28 * (G - torch.roll(G, 1, -1))
    cons = net(u[:, None, :].expand(B, S, N).contiguous())
    loss = ((step - v) ** 2).sum() + 0.01 * ((cons - 0.5 * u * u) ** 2).sum()
    loss.backward()
    opt.step()
    if k >= 3:
        times.append(time.perf_counter() - t0)
times.sort()
med = times[len(times) // 2]
print(json.dumps({"bench": "fluxno_train", "impl": "pytorch " + torch.__version__, "threads": torch.get_num_threads(), "batch": B, "n": N, "median_step_s": round(med, 6), "samples_per_s": round(B / med, 1)}))
