"""The temperature-conditioned lattice GAN ("ising.lattice_gan"), trained through ``scigen.engine``.

After Liu, Rodrigues & Cai (arXiv:1710.04987): a DCGAN that, given T, draws L x L Ising states. What
this one adds, each measured in ``benchmarks/ising.py``:

* **A torus.** Generator and discriminator are the ``scigen.nn`` DCGAN blocks with circular padding.
* **Exact spins, trained as sampled.** G gives a logit per site; a sample is s = +-1 with
  P(s = +1) = sigmoid(2 logit) (``output="bernoulli"``: mean spin tanh(logit)) or s = sign(logit)
  (``output="sign"``). Training uses the same draw, with the straight-through gradient of the mean
  spin tanh(logit), so D always sees exact +-1 spins, real and fake alike, and the sampler is the
  one that was trained. The Bernoulli draw is the per-site noise a 64-number latent code cannot
  supply: at high T a 32 x 32 state holds ~900 bits of entropy.
* **Both magnetisation signs, by construction** (``symmetric=True``): D canonicalises every
  configuration to m >= 0 before looking at it (D(s) = D(-s) exactly), and every sample is
  multiplied by an independent random sign. The generated P(s) equals P(-s) for any weights,
  trained or not, as the Hamiltonian's symmetry demands; GANs otherwise collapse onto one sign.
* **A discriminator that sees the physics.** Besides its convolutional features, D gets each
  configuration's e and |m|, and the spread of e and |m| among the batch's samples at the same
  temperature (a minibatch-statistics feature per temperature group; fake batches use the real
  batch's temperatures, so the groups match). Fluctuation statistics (c, chi) are variances over
  samples, which a per-sample D cannot see.
* **Conditioning.** T enters as t = 2 (T - T_lo) / (T_hi - T_lo) - 1 over the trained range
  ``t_range`` (stored in the config); G gets an embedding of t beside its noise, D gets t as an
  input channel and in its head.
* Non-saturating loss, R1 penalty on real data (Mescheder et al. 2018), Adam, and an exponential
  moving average of G's weights (``ema``) that ``sample`` uses.

The physics features and the moment loss live in :mod:`scigen.ising.gan_physics`.

Samples: ``sample(n, condition=T)`` returns (n, L, L) int8 +-1 on the CPU (T a number, or (n,) /
(n, 1) temperatures).
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from scigen.engine.model import Model, register_model
from scigen.engine.schedules import linear_decay, scale_learning_rates
from scigen.errors import InputError
from scigen.ising.gan_physics import (_group_moments, _group_summary, canonical_sign, moment_loss,
                                     physics_features, standardised)
from scigen.nn import MLP, Down, Up, init_dcgan_weights, plan_resolution
from scigen.nn.dcgan import stage_widths

__all__ = ["LatticeGAN", "LatticeGenerator", "LatticeDiscriminator", "physics_features", "canonical_sign",
           "moment_loss", "OUTPUTS"]

OUTPUTS = ("bernoulli", "sign")


class LatticeGenerator(nn.Module):
    """(B, latent_dim) noise and (B, 1) normalised temperature t -> (B, 1, L, L) logits.

    DCGAN-shaped: [z, embed(t)] -> linear -> (C, s, s), then :class:`scigen.nn.Up` stages doubling
    the resolution to L (circular transposed convolutions), then ``head_layers`` 3x3 circular
    convolutions at full resolution to one logit per site. Every stage also receives t as a constant
    channel and ``noise_channels`` fresh N(0, 1) maps at its resolution: the global code z sets the
    large-scale state (ordered domain, magnetisation), the per-site noise the local thermal
    fluctuations, which no fixed-size code can supply for a large lattice.
    """

    def __init__(self, size: int, latent_dim: int, *, width: int, max_width: int, kernel_size: int,
                 embed_dim: int, norm: str, noise_channels: int, head_width: int, head_layers: int) -> None:
        super().__init__()
        self.start, steps = plan_resolution(size)
        widths = stage_widths(width, steps, max_width)
        self.noise_channels = noise_channels
        self.embed = MLP(1, [64], embed_dim, act="leaky_relu")
        self.project = nn.Linear(latent_dim + embed_dim, widths[0] * self.start ** 2, bias=norm == "none")
        self.project_norm = nn.BatchNorm2d(widths[0]) if norm == "batch" else nn.Identity()
        self.widths = widths
        k = noise_channels + 1
        outs = widths[1:] + [head_width]
        self.ups = nn.ModuleList(Up(c_in + k, c_out, kernel_size=kernel_size, padding_mode="circular",
                                    norm=None if norm == "none" else norm)
                                 for c_in, c_out in zip(widths, outs))
        head, c = [], head_width
        for i in range(head_layers):
            last = i == head_layers - 1
            head.append(nn.Conv2d(c + k, 1 if last else head_width, 3, padding=1, padding_mode="circular"))
            if not last:
                head.append(nn.LeakyReLU(0.2))
            c = head_width
        self.head = nn.ModuleList(head)
        init_dcgan_weights(self)

    def _inject(self, h: torch.Tensor, t: torch.Tensor, noise) -> torch.Tensor:
        b, _, H, W = h.shape
        parts = [h, t.to(h.dtype).view(b, 1, 1, 1).expand(b, 1, H, W)]
        if self.noise_channels:
            parts.append(noise(b, self.noise_channels, H, W).to(h.dtype))
        return torch.cat(parts, dim=1)

    def forward(self, z: torch.Tensor, t: torch.Tensor, noise=None) -> torch.Tensor:
        """``noise(b, c, h, w)`` returns N(0, 1) maps on z's device (default: torch.randn)."""
        noise = noise or (lambda *shape: torch.randn(*shape, device=z.device))
        h = self.project(torch.cat([z, self.embed(t.to(z.dtype))], dim=1))
        h = torch.relu(self.project_norm(h.view(z.shape[0], self.widths[0], self.start, self.start)))
        for up in self.ups:
            h = up(self._inject(h, t, noise))
        for layer in self.head:
            h = layer(self._inject(h, t, noise)) if isinstance(layer, nn.Conv2d) else layer(h)
        return h


class LatticeDiscriminator(nn.Module):
    """(B, 1, L, L) spins, (B, 1) normalised temperature t, (B, 4) reference moments -> logit (B,).

    Two heads, summed: a DCGAN trunk of :class:`scigen.nn.Down` blocks (circular padding, t as a
    second input channel) with a linear head, and a small MLP on physics: t, each configuration's
    standardised energy and |m|, g = (f - mu_T) / sigma_T with the real data's mean and spread at
    its temperature (``physics=True``), and, per temperature group of the batch, sqrt(n) x the mean
    and the spread of g (``batch_stats=True``). Standardising puts a one-sigma difference in e at
    T = 1.5 (0.02) on the same footing as one at Tc (0.05), so D resolves both from the first
    steps. With ``symmetric=True`` every input is first flipped to m >= 0: D(s) = D(-s).
    """

    def __init__(self, size: int, *, width: int, max_width: int, kernel_size: int, norm: str | None,
                 physics: bool, batch_stats: bool, symmetric: bool, hidden: int = 64) -> None:
        super().__init__()
        end, steps = plan_resolution(size)
        widths = stage_widths(width, steps, max_width)[::-1]
        blocks, c_in = [], 2
        for i, c_out in enumerate(widths):
            blocks.append(Down(c_in, c_out, kernel_size=kernel_size, padding_mode="circular",
                               norm=None if i == 0 else norm))
            c_in = c_out
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(c_in * end * end + 1, 1)
        init_dcgan_weights(self)
        self.physics, self.batch_stats, self.symmetric = physics, batch_stats, symmetric
        extra = (2 if physics else 0) + (4 if batch_stats else 0)
        self.physics_head = MLP(1 + extra, [hidden, hidden], 1, act="leaky_relu") if extra else None

    def forward(self, x: torch.Tensor, t: torch.Tensor, targets: torch.Tensor | None = None) -> torch.Tensor:
        if self.symmetric:
            x = x * canonical_sign(x.detach())
        t = t.to(x.dtype).view(-1, 1)
        maps = t.view(-1, 1, 1, 1).expand(-1, 1, *x.shape[-2:])
        h = self.blocks(torch.cat([x, maps], dim=1)).flatten(1)
        logit = self.head(torch.cat([h, t], dim=1)).squeeze(1)
        if self.physics_head is None:
            return logit
        if targets is None:
            raise ValueError("this discriminator standardises e and |m|: pass targets (B, 4) = mu_e, sigma_e, "
                             "mu_|m|, sigma_|m| of each sample's temperature")
        g = standardised(x, targets)
        parts = [t.float()]
        if self.physics:
            parts.append(g)
        if self.batch_stats:
            parts.append(_group_summary(g, t.detach().float()))
        return logit + self.physics_head(torch.cat(parts, dim=1).to(h.dtype)).squeeze(1)


def _straight_through(logits: torch.Tensor, output: str, u: torch.Tensor | None) -> torch.Tensor:
    """+-1 spins from logits: forward the draw, backward the gradient of the mean spin tanh(logits)."""
    mean = torch.tanh(logits)
    if output == "sign":
        hard = torch.where(logits >= 0, 1.0, -1.0).to(mean.dtype)
    else:
        hard = torch.where(u < torch.sigmoid(2 * logits.float()), 1.0, -1.0).to(mean.dtype)
    return hard + (mean - mean.detach())  # exactly +-1 forward; d/dlogits of tanh backward


@register_model("ising.lattice_gan")
class LatticeGAN(Model):
    """Temperature-conditioned DCGAN for periodic L x L Ising configurations (see the module docstring).

    Args:
        size: lattice side L (plan_resolution must reach it: 8, 16, 32, 64, ...).
        t_range: [T_lo, T_hi], the trained temperature range (units of J/k_B); t = -1 .. 1 inside it.
        temperatures: the training set's temperatures (exact floats; ``generate`` defaults to them).
        latent_dim: noise dimension of G.
        width, max_width, kernel_size: DCGAN sizes (finest-stage channels, cap, kernel).
        embed_dim: size of G's temperature embedding.
        g_norm, d_norm: normalisation of hidden stages ("batch", "group", "instance", "none").
        output: "bernoulli" (s = +-1 with mean tanh(logit)) or "sign" (s = sign(logit)).
        symmetric: sign-invariant D and a random global sign per sample (both signs by construction).
        physics, batch_stats: D's extra inputs (per-sample e, |m|; per-temperature batch mean and
            spread of e and |m|).
        d_hidden: width of D's MLP head.
        lr_g, lr_d, betas: Adam settings.
        r1: weight of the R1 gradient penalty on real data (0: off).
        ema: decay of G's weight average used by ``sample`` (0: sample with G itself).
    """

    def __init__(self, size: int = 32, t_range: list[float] | None = None, temperatures: list[float] | None = None,
                 latent_dim: int = 64, width: int = 32, max_width: int = 256, kernel_size: int = 4,
                 embed_dim: int = 16, g_norm: str = "batch", d_norm: str = "none", output: str = "sign",
                 noise_channels: int = 4, head_width: int = 16, head_layers: int = 2,
                 symmetric: bool = True, physics: bool = True, batch_stats: bool = True, d_hidden: int = 64,
                 lr_g: float = 2e-4, lr_d: float = 2e-4, betas: list[float] | None = None, r1: float = 1.0,
                 r1_every: int = 4, match: float = 0.0, ema: float = 0.999,
                 lr_decay: list[int] | None = None, lr_final: float = 0.05) -> None:
        super().__init__()
        if output not in OUTPUTS:
            raise InputError(f"output must be one of {OUTPUTS}, got {output!r}")
        t_range = list(t_range) if t_range is not None else [1.5, 3.5]
        if len(t_range) != 2 or not (0 < t_range[0] < t_range[1]):
            raise InputError(f"t_range must be [T_lo, T_hi] with 0 < T_lo < T_hi, got {t_range}")
        self.size, self.latent_dim, self.output, self.symmetric = int(size), int(latent_dim), output, bool(symmetric)
        self.t_range = [float(t_range[0]), float(t_range[1])]
        self.temperatures = [float(t) for t in temperatures] if temperatures is not None else None
        self.lr_g, self.lr_d = float(lr_g), float(lr_d)
        self.betas = tuple(betas) if betas is not None else (0.5, 0.999)
        self.r1, self.r1_every, self.match, self.ema = float(r1), int(r1_every), float(match), float(ema)
        if lr_decay is not None and not (len(lr_decay) == 2 and 0 <= lr_decay[0] < lr_decay[1]):
            raise InputError(f"lr_decay must be [start_step, end_step] with start < end, got {lr_decay}")
        self.lr_decay, self.lr_final = (list(lr_decay) if lr_decay is not None else None), float(lr_final)
        self.generator = LatticeGenerator(self.size, self.latent_dim, width=width, max_width=max_width,
                                          kernel_size=kernel_size, embed_dim=embed_dim, norm=g_norm,
                                          noise_channels=noise_channels, head_width=head_width,
                                          head_layers=head_layers)
        self.discriminator = LatticeDiscriminator(self.size, width=width, max_width=max_width, kernel_size=kernel_size,
                                                  norm=None if d_norm == "none" else d_norm, physics=physics,
                                                  batch_stats=batch_stats, symmetric=symmetric, hidden=d_hidden)
        if self.ema > 0:
            self.generator_ema = copy.deepcopy(self.generator).requires_grad_(False)

    # ------------------------------------------------------------------ temperature
    def normalise(self, T: torch.Tensor) -> torch.Tensor:
        """Temperatures (B, 1) -> t = 2 (T - T_lo) / (T_hi - T_lo) - 1 (float32)."""
        lo, hi = self.t_range
        return (2.0 * (T.double() - lo) / (hi - lo) - 1.0).float()

    # ------------------------------------------------------------------ training
    def configure_optimizers(self):
        return {"discriminator": torch.optim.Adam(self.discriminator.parameters(), lr=self.lr_d, betas=self.betas),
                "generator": torch.optim.Adam(self.generator.parameters(), lr=self.lr_g, betas=self.betas)}

    def configure_schedulers(self, optimizers):
        decay = None if self.lr_decay is None else linear_decay(*self.lr_decay, self.lr_final)
        return scale_learning_rates(optimizers, decay)

    def training_step(self, batch, ctx):
        real = batch["samples"]
        if real.dim() == 3:
            real = real.unsqueeze(1)
        real = real.float()
        t = self.normalise(batch["condition"].view(-1, 1)).to(real.device)
        b = real.shape[0]
        z = torch.randn(b, self.latent_dim, device=real.device)
        u = torch.rand(real.shape, device=real.device) if self.output == "bernoulli" else None
        fake = _straight_through(self.generator(z, t), self.output, u)
        if self.symmetric:  # a random global sign, as at sampling time (D is blind to it anyway)
            fake = fake * (2.0 * torch.randint(0, 2, (b, 1, 1, 1), device=real.device) - 1.0)

        targets = batch.get("moments")
        targets = _group_moments(real, t) if targets is None else targets.view(b, 4).to(real.device).float()
        lazy_r1 = self.r1 > 0 and ctx.step % self.r1_every == 0
        real.requires_grad_(lazy_r1)
        d_real, d_fake = self.discriminator(real, t, targets), self.discriminator(fake.detach(), t, targets)
        loss_d = F.softplus(-d_real).mean() + F.softplus(d_fake).mean()
        if lazy_r1:  # lazy regularisation (Karras et al. 2020): every r1_every steps, weighted by it
            (grad,) = torch.autograd.grad(d_real.sum(), real, create_graph=True)
            penalty = grad.pow(2).flatten(1).sum(1).mean()
            loss_d = loss_d + 0.5 * self.r1 * self.r1_every * penalty
        ctx.optimize("discriminator", loss_d)

        with ctx.frozen("discriminator"):
            loss_g = F.softplus(-self.discriminator(fake, t, targets)).mean()
        metrics = {}
        if self.match > 0:
            match = moment_loss(fake, t, targets)
            loss_g = loss_g + self.match * match
            metrics["match"] = match
        ctx.optimize("generator", loss_g)
        if self.ema > 0:
            self._update_ema(ctx.step)
        return {"loss_d": loss_d, "loss_g": loss_g, "d_real": torch.sigmoid(d_real).mean(),
                "d_fake": torch.sigmoid(d_fake).mean(), **metrics}

    @torch.no_grad()
    def _update_ema(self, step: int) -> None:
        decay = min(self.ema, (1.0 + step) / (10.0 + step))
        live = self.generator  # may be a DDP/compile wrapper during training: same tensors, same order
        for p_ema, p in zip(self.generator_ema.parameters(), live.parameters()):
            p_ema.lerp_(p.detach(), 1.0 - decay)
        for b_ema, b in zip(self.generator_ema.buffers(), live.buffers()):
            b_ema.copy_(b)

    # ------------------------------------------------------------------ sampling
    def _temperatures(self, condition, n: int) -> torch.Tensor:
        if condition is None:
            raise InputError("LatticeGAN.sample needs condition=T: a temperature, or (n,) / (n, 1) temperatures")
        T = torch.as_tensor(np.asarray(condition, dtype=np.float64) if not isinstance(condition, torch.Tensor)
                            else condition, dtype=torch.float64).reshape(-1)
        if T.numel() == 1:
            T = T.expand(n)
        if T.numel() != n:
            raise InputError(f"condition has {T.numel()} temperatures for {n} samples; give one T or n of them")
        if not torch.isfinite(T).all() or (T <= 0).any():
            raise InputError("temperatures must be finite and > 0 (units of J/k_B)")
        return T.view(n, 1)

    @torch.no_grad()
    def logits(self, n: int, *, condition, generator: torch.Generator | None = None) -> torch.Tensor:
        """(n, 1, L, L) float32 generator logits at temperatures ``condition`` (noise from ``generator``)."""
        T = self._temperatures(condition, n)
        z = torch.randn(n, self.latent_dim, generator=generator).to(self.device)
        net = self.generator_ema if self.ema > 0 else self.generator
        noise = lambda *shape: torch.randn(*shape, generator=generator).to(self.device)  # noqa: E731
        return net(z, self.normalise(T).to(self.device), noise).float()

    @torch.no_grad()
    def sample(self, n, *, condition=None, generator=None):
        """(n, L, L) int8 spins +-1 (CPU) at temperature(s) ``condition``; all noise from ``generator``."""
        n = int(n)
        logits = self.logits(n, condition=condition, generator=generator).cpu()
        if self.output == "sign":
            spins = torch.where(logits >= 0, 1, -1)
        else:
            u = torch.rand(logits.shape, generator=generator)
            spins = torch.where(u < torch.sigmoid(2 * logits.double()), 1, -1)
        spins = spins.to(torch.int8)[:, 0]
        if self.symmetric:
            sign = 1 - 2 * torch.randint(0, 2, (n, 1, 1), generator=generator, dtype=torch.int8)
            spins = spins * sign
        return spins
