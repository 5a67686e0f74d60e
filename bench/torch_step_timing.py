"""Shared by the PyTorch training-step references (train_mlp.py, train_fno.py, train_fluxno.py),
the twin of step_timing.h: the timed loop of forward + backward + Adam and the summary fields
every JSON line carries, so both sides of bench/run_training_bench.sh measure the same thing."""
import resource
import time

import torch


def time_steps(opt, loss_fn, warmup, reps):
    """Runs warmup + reps training steps; returns the sorted step times (s) after warm-up and the last loss."""
    times = []
    for r in range(warmup + reps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=False)
        loss = loss_fn()
        loss.backward()
        opt.step()
        t1 = time.perf_counter()
        if r >= warmup:
            times.append(t1 - t0)
    times.sort()
    return times, loss.item()


def summary(times, final_loss):
    """The timing fields of a JSON line: median and minimum step time, peak resident set, last loss."""
    return {"median_ms": round(1e3 * times[len(times) // 2], 4), "min_ms": round(1e3 * times[0], 4),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1), "final_loss": final_loss}
