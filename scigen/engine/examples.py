"""Small models that exercise the engine end to end: a GAN on a ring of Gaussians, a VAE on digits,
a deterministic autoencoder.

They are the engine's own test subjects and the demo's first section. ``RingGAN`` is the classic
mode-collapse check (Metz et al., "Unrolled GANs", 2017: 8 Gaussians on a circle of radius 2);
``DigitsVAE`` reconstructs scikit-learn's 8x8 handwritten digits (1,797 images, shipped with it).
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

from scigen.engine.model import Model, register_model
from scigen.nn.mlp import MLP
from scigen.nn.vae import kl_divergence, reparameterize


def ring_centers(modes: int = 8, radius: float = 2.0) -> np.ndarray:
    """(modes, 2) centres equally spaced on a circle of ``radius``."""
    angles = 2 * np.pi * np.arange(modes) / modes
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def ring_of_gaussians(n: int, *, modes: int = 8, radius: float = 2.0, std: float = 0.05, seed: int = 0) -> np.ndarray:
    """(n, 2) float32 points from an equal mixture of isotropic Gaussians on a ring."""
    rng = np.random.default_rng(seed)
    centers = ring_centers(modes, radius)
    which = rng.integers(0, modes, size=n)
    return (centers[which] + std * rng.standard_normal((n, 2))).astype(np.float32)


def ring_coverage(points: np.ndarray, *, modes: int = 8, radius: float = 2.0, std: float = 0.05,
                  min_share: float = 0.25) -> dict[str, float]:
    """How well ``points`` (N, 2) cover the ring's modes.

    A point is *high quality* when it lies within 3 std of its nearest centre. A mode is *covered*
    when it receives at least ``min_share`` of its fair share (N / modes) of high-quality points.
    Returns ``{"modes_covered", "high_quality"}`` (count, fraction).
    """
    centers = ring_centers(modes, radius)
    d = np.linalg.norm(points[:, None, :] - centers[None], axis=2)
    nearest, dist = d.argmin(axis=1), d.min(axis=1)
    good = dist < 3 * std
    counts = np.bincount(nearest[good], minlength=modes)
    covered = int((counts >= min_share * len(points) / modes).sum())
    return {"modes_covered": covered, "high_quality": float(good.mean())}


@register_model("engine.ring_gan")
class RingGAN(Model):
    """MLP GAN for 2-D points; non-saturating loss with an R1 penalty; samples are (n, 2) float32.

    The R1 gradient penalty on real data (Mescheder et al. 2018, weight ``r1``) makes training
    converge on mixtures instead of circling between modes.
    """

    def __init__(self, latent_dim: int = 2, hidden: int = 128, layers: int = 3, lr: float = 1e-3,
                 r1: float = 0.1) -> None:
        super().__init__()
        self.latent_dim, self.lr, self.r1 = latent_dim, lr, r1
        self.generator = MLP(latent_dim, [hidden] * layers, 2)
        self.discriminator = MLP(2, [hidden] * layers, 1, act="leaky_relu")

    def configure_optimizers(self):
        betas = (0.5, 0.999)
        return {
            "discriminator": torch.optim.Adam(self.discriminator.parameters(), lr=self.lr, betas=betas),
            "generator": torch.optim.Adam(self.generator.parameters(), lr=self.lr, betas=betas),
        }

    def training_step(self, batch, ctx):
        real = batch["samples"]
        z = torch.randn(real.shape[0], self.latent_dim, device=real.device)
        with ctx.frozen("generator"):
            fake = self.generator(z)
        real = real.detach().requires_grad_(self.r1 > 0)
        d_real, d_fake = self.discriminator(real), self.discriminator(fake)
        loss_d = F.softplus(-d_real).mean() + F.softplus(d_fake).mean()
        if self.r1 > 0:
            (grad,) = torch.autograd.grad(d_real.sum(), real, create_graph=True)
            loss_d = loss_d + 0.5 * self.r1 * grad.pow(2).sum(dim=1).mean()
        ctx.optimize("discriminator", loss_d)
        with ctx.frozen("discriminator"):
            loss_g = F.softplus(-self.discriminator(self.generator(z))).mean()
        ctx.optimize("generator", loss_g)
        return {"loss_d": loss_d, "loss_g": loss_g}

    @torch.no_grad()
    def sample(self, n, *, condition=None, generator=None):
        z = torch.randn(n, self.latent_dim, generator=generator, device="cpu").to(self.device)
        return self.generator(z)


def load_digits_dataset() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits as (1797, 64) float32 in [0, 1] and (1797,) labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return (digits.data / 16.0).astype(np.float32), digits.target.astype(np.int64)


@register_model("engine.digits_vae")
class DigitsVAE(Model):
    """MLP VAE for flat images in [0, 1]: Bernoulli likelihood, KL weight annealed linearly.

    ``sample(n)`` returns (n, dim) float32 mean images; ``reconstruct(x)`` the decoded posterior means.
    """

    def __init__(self, dim: int = 64, latent_dim: int = 8, hidden: int = 256, lr: float = 2e-3,
                 kl_warmup_steps: int = 500) -> None:
        super().__init__()
        self.latent_dim, self.lr, self.kl_warmup_steps = latent_dim, lr, kl_warmup_steps
        self.encoder = MLP(dim, [hidden, hidden], 2 * latent_dim)
        self.decoder = MLP(latent_dim, [hidden, hidden], dim)

    def configure_optimizers(self):
        return {"vae": torch.optim.Adam(self.parameters(), lr=self.lr)}

    def encode(self, x):
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar.clamp(-12, 8)

    def training_step(self, batch, ctx):
        x = batch["samples"]
        mu, logvar = self.encode(x)
        logits = self.decoder(reparameterize(mu, logvar))
        recon = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1).mean()
        kl = kl_divergence(mu, logvar).mean()
        beta = min(1.0, (ctx.step + 1) / max(1, self.kl_warmup_steps))
        loss = recon + beta * kl
        ctx.optimize("vae", loss)
        return {"loss": loss, "recon": recon, "kl": kl}

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        mu, _ = self.encode(x.to(self.device))
        return torch.sigmoid(self.decoder(mu))

    @torch.no_grad()
    def sample(self, n, *, condition=None, generator=None):
        z = torch.randn(n, self.latent_dim, generator=generator, device="cpu").to(self.device)
        return torch.sigmoid(self.decoder(z))


@register_model("engine.autoencoder")
class MLPAutoencoder(Model):
    """Deterministic MLP autoencoder (no noise, no batch statistics): the same data and weights give
    the same gradients however the batch is split across processes, which makes it the reference
    model for checking DDP against single-process training. ``sample`` decodes Gaussian codes."""

    def __init__(self, dim: int = 64, latent_dim: int = 8, hidden: int = 64, lr: float = 1e-3) -> None:
        super().__init__()
        self.latent_dim, self.lr = latent_dim, lr
        self.encoder = MLP(dim, [hidden], latent_dim, act="tanh")
        self.decoder = MLP(latent_dim, [hidden], dim, act="tanh")

    def configure_optimizers(self):
        return {"autoencoder": torch.optim.Adam(self.parameters(), lr=self.lr)}

    def training_step(self, batch, ctx):
        x = batch["samples"]
        loss = F.mse_loss(self.decoder(self.encoder(x)), x)
        ctx.optimize("autoencoder", loss)
        return {"loss": loss}

    @torch.no_grad()
    def sample(self, n, *, condition=None, generator=None):
        z = torch.randn(n, self.latent_dim, generator=generator, device="cpu").to(self.device)
        return self.decoder(z)
