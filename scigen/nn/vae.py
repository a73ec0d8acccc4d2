"""Convolutional VAE encoder/decoder and the Gaussian latent helpers every VAE uses."""

from __future__ import annotations

import math

import torch
from torch import nn

from scigen.nn.conv import Down, plan_resolution
from scigen.nn.dcgan import DCGANGenerator, stage_widths


class ConvEncoder(nn.Module):
    """(B, channels, H, W) images -> (mu, logvar), each (B, latent_dim)."""

    def __init__(self, image_size: int, channels: int, latent_dim: int, *, width: int = 32, max_width: int = 256,
                 kernel_size: int = 4, padding_mode: str = "zeros", norm: str = "batch") -> None:
        super().__init__()
        end, steps = plan_resolution(image_size)
        widths = stage_widths(width, steps, max_width)[::-1]
        blocks, c_in = [], channels
        for i, c_out in enumerate(widths):
            blocks.append(Down(c_in, c_out, kernel_size=kernel_size, padding_mode=padding_mode,
                               norm=None if i == 0 else norm))
            c_in = c_out
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(c_in * end * end, 2 * latent_dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.head(self.blocks(x).flatten(1)).chunk(2, dim=1)
        return mu, logvar.clamp(-12.0, 8.0)


class ConvDecoder(DCGANGenerator):
    """(B, latent_dim) latent codes -> (B, channels, H, W); a DCGAN generator with a chosen output activation."""

    def __init__(self, image_size: int, channels: int, latent_dim: int, *, width: int = 32, max_width: int = 256,
                 kernel_size: int = 4, padding_mode: str = "zeros", out_act: str | None = "sigmoid",
                 norm: str = "batch", upsample: str = "transpose") -> None:
        super().__init__(image_size, channels, latent_dim, width=width, max_width=max_width, kernel_size=kernel_size,
                         padding_mode=padding_mode, out_act=out_act, norm=norm, upsample=upsample)


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """z = mu + sigma * eps, eps ~ N(0, I) from torch's default generator."""
    return mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(q(z|x) || N(0, I)) per sample, summed over latent dimensions: (B,)."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=1)


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor | float) -> torch.Tensor:
    """Spherical interpolation between latent vectors ``a`` and ``b`` (D,) at fractions ``t`` (T,) -> (T, D).

    Follows great circles, which keeps interpolants at the typical norm of Gaussian codes (White 2016).
    Falls back to linear interpolation for (anti)parallel vectors.
    """
    t = torch.as_tensor(t, dtype=a.dtype, device=a.device).reshape(-1, 1)
    cos = torch.dot(a, b) / (a.norm() * b.norm()).clamp_min(1e-12)
    omega = torch.arccos(cos.clamp(-1.0, 1.0))
    if omega.abs() < 1e-4 or abs(omega.item() - math.pi) < 1e-4:
        return (1 - t) * a + t * b
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)
