"""DCGAN generator and discriminator, sized by image size, with optional conditioning.

Conditioning: a class label (``n_classes``; the generator embeds it, the discriminator adds an
auxiliary classifier head (AC-GAN, Odena et al. 2017) or a projection term (Miyato & Koyama 2018)),
and/or a continuous vector (``condition_dim``, e.g. temperature; concatenated to the latent code in
G and broadcast as extra input channels in D). ``padding_mode="circular"`` makes both networks
periodic, for data on a torus.
"""

from __future__ import annotations

import torch
from torch import nn

from scigen.nn.conv import Down, Up, init_dcgan_weights, plan_resolution
from scigen.nn.mlp import activation


def stage_widths(width: int, steps: int, max_width: int) -> list[int]:
    """Channel widths of the resolution stages from coarse to fine: width * 2^(steps-1) ... width."""
    return [min(width * 2 ** (steps - 1 - i), max_width) for i in range(steps)]


class DCGANGenerator(nn.Module):
    """(B, latent_dim) noise [+ labels (B,), condition (B, condition_dim)] -> (B, channels, H, W) images.

    Args:
        image_size: output height = width in pixels (see :func:`scigen.nn.conv.plan_resolution`).
        channels: output channels.
        latent_dim: noise dimension.
        width: channels of the finest hidden stage (doubling towards coarse stages, up to max_width).
        kernel_size: 4 (DCGAN) or 5 (cosmoGAN).
        padding_mode: "zeros" or "circular".
        upsample: "transpose", "transpose_blur", "nearest" or "bilinear" (see
            :class:`scigen.nn.conv.Up`). With "transpose_blur" the output stage is a plain
            transposed convolution: a fixed low-pass there would take power from the finest scales
            that no later layer could restore.
        n_classes, class_embed: class conditioning (an embedding of ``class_embed`` dims; 0 = off).
        condition_dim: continuous conditioning dimension (0 = off).
        out_act: "tanh", "sigmoid" or None for the output.
        norm: normalisation of hidden stages ("batch", "instance", "group", "none").
    """

    def __init__(self, image_size: int, channels: int = 1, latent_dim: int = 64, *, width: int = 64,
                 max_width: int = 512, kernel_size: int = 4, padding_mode: str = "zeros",
                 upsample: str = "transpose", n_classes: int = 0, class_embed: int = 16,
                 condition_dim: int = 0, out_act: str | None = "tanh", norm: str = "batch") -> None:
        super().__init__()
        self.start, steps = plan_resolution(image_size)
        widths = stage_widths(width, steps, max_width)
        self.n_classes, self.condition_dim = n_classes, condition_dim
        self.embed = nn.Embedding(n_classes, class_embed) if n_classes else None
        in_dim = latent_dim + (class_embed if n_classes else 0) + condition_dim
        self.project = nn.Linear(in_dim, widths[0] * self.start ** 2, bias=False)
        self.project_norm = nn.BatchNorm2d(widths[0]) if norm == "batch" else nn.Identity()
        blocks = []
        for c_in, c_out in zip(widths, widths[1:]):
            blocks.append(Up(c_in, c_out, kernel_size=kernel_size, padding_mode=padding_mode, mode=upsample, norm=norm))
        last = "transpose" if upsample == "transpose_blur" else upsample
        blocks.append(Up(widths[-1], channels, kernel_size=kernel_size, padding_mode=padding_mode, mode=last,
                         norm=None, act=None))
        self.blocks = nn.Sequential(*blocks)
        self.out_act = activation(out_act) if out_act and out_act != "sigmoid" else (nn.Sigmoid() if out_act else nn.Identity())
        self.widths = widths
        init_dcgan_weights(self)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None,
                condition: torch.Tensor | None = None) -> torch.Tensor:
        parts = [z]
        if self.embed is not None:
            if labels is None:
                raise ValueError("this generator is class-conditional: pass labels (B,)")
            parts.append(self.embed(labels))
        if self.condition_dim:
            if condition is None:
                raise ValueError(f"this generator is conditioned on a {self.condition_dim}-vector: pass condition (B, {self.condition_dim})")
            parts.append(condition.to(z.dtype))
        h = self.project(torch.cat(parts, dim=1)).view(z.shape[0], self.widths[0], self.start, self.start)
        h = torch.relu(self.project_norm(h))
        return self.out_act(self.blocks(h))


class MinibatchStd(nn.Module):
    """Appends the batch's mean feature standard deviation as one channel (Karras et al. 2018).

    Lets the discriminator see the spread of a batch, which fights mode collapse and helps a GAN
    reproduce fluctuation statistics (variances such as specific heat and susceptibility).
    """

    def __init__(self, group: int = 4) -> None:
        super().__init__()
        self.group = group

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        g = min(self.group, b)
        while b % g:
            g -= 1
        y = x.float().reshape(g, b // g, c, h, w)
        std = (y.var(dim=0, unbiased=False) + 1e-8).sqrt().mean(dim=(1, 2, 3))  # (b // g,)
        std = std.to(x.dtype).repeat(g).view(b, 1, 1, 1).expand(b, 1, h, w)
        return torch.cat([x, std], dim=1)


class DCGANDiscriminator(nn.Module):
    """(B, channels, H, W) images [+ labels, condition] -> realness logit (B,).

    With ``n_classes`` and ``class_mode="aux"`` the forward returns ``(logit (B,), class_logits
    (B, n_classes))`` (AC-GAN); with ``class_mode="projection"`` the label enters the logit.

    Args mirror :class:`DCGANGenerator`; ``norm`` applies to all but the first stage (DCGAN);
    ``spectral`` adds spectral normalisation; ``minibatch_std`` appends the batch spread feature.
    """

    def __init__(self, image_size: int, channels: int = 1, *, width: int = 64, max_width: int = 512,
                 kernel_size: int = 4, padding_mode: str = "zeros", n_classes: int = 0, class_mode: str = "aux",
                 condition_dim: int = 0, norm: str = "batch", spectral: bool = False,
                 minibatch_std: bool = False, dropout: float = 0.0) -> None:
        super().__init__()
        if class_mode not in ("aux", "projection"):
            raise ValueError(f"class_mode must be 'aux' or 'projection', got {class_mode!r}")
        end, steps = plan_resolution(image_size)
        widths = stage_widths(width, steps, max_width)[::-1]  # fine -> coarse
        self.condition_dim, self.n_classes, self.class_mode = condition_dim, n_classes, class_mode
        blocks, c_in = [], channels + condition_dim
        for i, c_out in enumerate(widths):
            blocks.append(Down(c_in, c_out, kernel_size=kernel_size, padding_mode=padding_mode,
                               norm=None if i == 0 else norm, spectral=spectral))
            if dropout:
                blocks.append(nn.Dropout2d(dropout))
            c_in = c_out
        self.blocks = nn.Sequential(*blocks)
        self.mbstd = MinibatchStd() if minibatch_std else None
        features = (c_in + (1 if minibatch_std else 0)) * end * end
        sn = nn.utils.parametrizations.spectral_norm if spectral else (lambda layer: layer)
        self.head = sn(nn.Linear(features, 1))  # spectral: every layer (Miyato et al. 2018)
        self.aux = nn.Linear(features, n_classes) if n_classes and class_mode == "aux" else None
        self.project = nn.Embedding(n_classes, features) if n_classes and class_mode == "projection" else None
        init_dcgan_weights(self)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None, condition: torch.Tensor | None = None):
        if self.condition_dim:
            if condition is None:
                raise ValueError(f"this discriminator is conditioned on a {self.condition_dim}-vector: pass condition")
            maps = condition.to(x.dtype)[:, :, None, None].expand(-1, -1, *x.shape[-2:])
            x = torch.cat([x, maps], dim=1)
        h = self.blocks(x)
        if self.mbstd is not None:
            h = self.mbstd(h)
        h = h.flatten(1)
        logit = self.head(h).squeeze(1)
        if self.project is not None:
            if labels is None:
                raise ValueError("this discriminator projects class labels: pass labels (B,)")
            logit = logit + (self.project(labels) * h).sum(dim=1)
        if self.aux is not None:
            return logit, self.aux(h)
        return logit
