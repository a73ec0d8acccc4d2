"""Engine overhead and CPU speed options, measured on one DCGAN in one run.

A DCGAN training step (64x64 single-channel images, batch 64, non-saturating loss, Adam) run
(a) by a hand-written plain-PyTorch loop and (b) through ``scigen.engine.fit`` on the same model,
data and thread count; then through the engine with channels_last, torch.compile and bf16
autocast. Configurations are interleaved over several rounds and the median step time is kept, so
a neighbour's load on a shared machine affects all of them alike. Target: engine overhead < 5%.
"""

from __future__ import annotations

import statistics
import time

import torch
from torch.nn import functional as F

from scigen.engine import ArrayDataset, Model, TrainConfig, fit, register_model, seeded
from scigen.nn import DCGANDiscriminator, DCGANGenerator


@register_model("benchmarks.dcgan")
class BenchDCGAN(Model):
    def __init__(self, image_size: int = 64, width: int = 32, latent_dim: int = 64):
        super().__init__()
        self.latent_dim = latent_dim
        self.generator = DCGANGenerator(image_size, 1, latent_dim, width=width)
        self.discriminator = DCGANDiscriminator(image_size, 1, width=width)

    def configure_optimizers(self):
        return {name: torch.optim.Adam(getattr(self, name).parameters(), 2e-4, betas=(0.5, 0.999))
                for name in ("discriminator", "generator")}

    def training_step(self, batch, ctx):
        real = batch["samples"]
        z = torch.randn(real.shape[0], self.latent_dim, device=real.device)
        with ctx.frozen("generator"):
            fake = self.generator(z)
        loss_d = F.softplus(-self.discriminator(real)).mean() + F.softplus(self.discriminator(fake)).mean()
        ctx.optimize("discriminator", loss_d)
        with ctx.frozen("discriminator"):
            loss_g = F.softplus(-self.discriminator(self.generator(z))).mean()
        ctx.optimize("generator", loss_g)
        return {"loss_d": loss_d, "loss_g": loss_g}


def plain_loop(model: BenchDCGAN, data: torch.Tensor, steps: int, batch: int, seed: int) -> float:
    """The same training written by hand; returns seconds per step."""
    torch.manual_seed(seed)
    opt_d = torch.optim.Adam(model.discriminator.parameters(), 2e-4, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(model.generator.parameters(), 2e-4, betas=(0.5, 0.999))
    g = torch.Generator().manual_seed(seed)
    model.train()
    t0 = time.perf_counter()
    for _ in range(steps):
        real = data[torch.randint(0, len(data), (batch,), generator=g)]
        z = torch.randn(batch, model.latent_dim)
        with torch.no_grad():
            fake = model.generator(z)
        loss_d = F.softplus(-model.discriminator(real)).mean() + F.softplus(model.discriminator(fake)).mean()
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        for p in model.discriminator.parameters():
            p.requires_grad_(False)
        loss_g = F.softplus(-model.discriminator(model.generator(z))).mean()
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        for p in model.discriminator.parameters():
            p.requires_grad_(True)
    return (time.perf_counter() - t0) / steps


def engine_loop(model: BenchDCGAN, data: torch.Tensor, steps: int, batch: int, seed: int, **options) -> float:
    """The same training through the engine; returns seconds per step (after a warm-up step)."""
    times = []

    def clock(state):
        times.append(time.perf_counter())

    fit(model, ArrayDataset(samples=data), TrainConfig(steps=steps + 1, batch_size=batch, seed=seed, device="cpu",
                                                       log_every=10**9, **options), callbacks=[clock])
    return (times[-1] - times[0]) / steps


def run(quick: bool = False) -> dict:
    torch.set_num_threads(1)
    size, width, batch = (32, 16, 32) if quick else (64, 32, 64)
    steps, rounds = (3, 2) if quick else (8, 5)
    data = torch.rand(1024, 1, size, size) * 2 - 1

    def fresh():
        with seeded(0):
            return BenchDCGAN(size, width)

    configs = {
        "plain PyTorch loop": lambda: plain_loop(fresh(), data, steps, batch, 0),
        "engine (fp32, NCHW)": lambda: engine_loop(fresh(), data, steps, batch, 0, channels_last=False, precision="fp32"),
        "engine + channels_last": lambda: engine_loop(fresh(), data, steps, batch, 0, channels_last=True, precision="fp32"),
        "engine + bf16 autocast": lambda: engine_loop(fresh(), data, max(1, steps // 4), batch, 0,
                                                      channels_last=False, precision="bf16"),
    }
    samples: dict[str, list[float]] = {name: [] for name in configs}
    for _ in range(rounds):
        for name, measure in configs.items():
            samples[name].append(measure())
    # torch.compile: cold first step, then steady state
    model = fresh()
    times = []
    t_start = time.perf_counter()
    fit(model, ArrayDataset(samples=data), TrainConfig(steps=steps + 1, batch_size=batch, device="cpu", compile=True,
                                                       channels_last=True, precision="fp32", log_every=10**9),
        callbacks=[lambda s: times.append(time.perf_counter())])
    compile_first = times[0] - t_start
    compiled = (times[-1] - times[0]) / steps
    base = statistics.median(samples["plain PyTorch loop"])
    rows = []
    for name, values in samples.items():
        median = statistics.median(values)
        rows.append({"config": name, "s_per_step": median, "speed_vs_plain": base / median,
                     "spread": (max(values) - min(values)) / median})
    rows.append({"config": "engine + channels_last + torch.compile", "s_per_step": compiled,
                 "speed_vs_plain": base / compiled, "spread": None, "first_step_s": compile_first})
    engine = statistics.median(samples["engine (fp32, NCHW)"])
    return {"model": f"DCGAN {size}x{size}x1, width {width}, batch {batch}", "threads": 1, "steps_per_measure": steps,
            "rounds": rounds, "rows": rows, "engine_overhead": engine / base - 1.0}


def markdown(result: dict) -> str:
    lines = [
        "## engine: overhead and CPU options",
        "",
        f"{result['model']}, {result['threads']} thread, median of {result['rounds']} interleaved rounds of "
        f"{result['steps_per_measure']} steps. Ratios are against the hand-written loop in the same run.",
        "",
        "| configuration | s / step | speed vs plain loop | spread of rounds |",
        "|---|---|---|---|",
    ]
    for row in result["rows"]:
        spread = "" if row["spread"] is None else f"{row['spread']:.0%}"
        extra = f" (first step {row['first_step_s']:.0f} s)" if "first_step_s" in row else ""
        lines.append(f"| {row['config']}{extra} | {row['s_per_step']:.3f} | {row['speed_vs_plain']:.2f}x | {spread} |")
    overhead = result["engine_overhead"]
    verdict = "meets" if overhead < 0.05 else "misses"
    lines += ["", f"Engine overhead vs the plain loop: {overhead:+.1%} ({verdict} the < 5% target)."]
    return "\n".join(lines)
