"""Convolutional stacks shared by the DCGAN and VAE blocks: downsampling and upsampling by 2.

Every block can use circular padding, so networks on periodic data (Ising lattices, periodic
convergence maps) see a torus rather than a square with edges.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from scigen.nn.mlp import activation


def plan_resolution(image_size: int, max_steps: int = 4, min_size: int = 4) -> tuple[int, int]:
    """(start size, number of x2 steps) to reach ``image_size`` from a small square.

    Halves while the size is even and stays >= ``min_size``, at most ``max_steps`` times:
    64 -> (4, 4), 256 -> (16, 4), 32 -> (4, 3), 40 -> (5, 3), 28 -> (7, 2).
    """
    size, steps = image_size, 0
    while steps < max_steps and size % 2 == 0 and size // 2 >= min_size:
        size //= 2
        steps += 1
    if steps == 0:
        raise ValueError(f"image size {image_size} cannot be reached by doubling from >= {min_size}; use an even size >= {2 * min_size}")
    return size, steps


def _norm(kind: str | None, channels: int) -> nn.Module:
    if kind is None or kind == "none":
        return nn.Identity()
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=True)
    if kind == "group":
        return nn.GroupNorm(min(8, channels), channels)
    raise ValueError(f"unknown norm '{kind}'; use none, batch, instance or group")


def _wrap(x: torch.Tensor, dim: int, n: int, shift: int) -> torch.Tensor:
    """Sum the entries of ``x`` along ``dim`` into ``n`` bins: index o goes to (o - shift) mod n."""
    index = (torch.arange(x.shape[dim], device=x.device) - shift) % n
    shape = list(x.shape)
    shape[dim] = n
    out = x.new_zeros(shape)
    if x.dim() == 4 and not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last):
        out = out.contiguous(memory_format=torch.channels_last)  # keep the engine's NHWC layout
    return out.index_add_(dim, index, x)


class Up(nn.Module):
    """x2 upsampling block: (B, c_in, H, W) -> (B, c_out, 2H, 2W), then norm and activation.

    ``mode="transpose"``: a stride-2 transposed convolution (DCGAN); with circular padding the input
    is padded periodically and the output cropped, which is exactly a transposed convolution on a
    torus. ``mode="nearest"``: nearest-neighbour upsampling then a convolution (no checkerboard
    artefacts). ``mode="bilinear"``: bilinear upsampling (a low-pass filter on the spectral images
    that x2 upsampling creates; wrapped around the torus with circular padding) then a convolution.
    ``mode="transpose_blur"``: the transposed convolution followed by a fixed binomial low-pass
    ([1, 2, 1] x [1, 2, 1] / 16, per channel), whose response is zero at the output's Nyquist
    frequency: the period-2 pattern that a stride-2 transposed convolution imprints (checkerboard;
    after later x2 stages, a lattice of spikes at multiples of the coarse stage's Nyquist frequency
    in the final power spectrum) is removed where it is made.
    """

    def __init__(self, c_in: int, c_out: int, *, kernel_size: int = 4, padding_mode: str = "zeros",
                 mode: str = "transpose", norm: str | None = "batch", act: str | None = "relu") -> None:
        super().__init__()
        self.mode, self.padding_mode, self.kernel_size = mode, padding_mode, kernel_size
        if mode in ("transpose", "transpose_blur"):
            # output = 2 * input needs output_padding op = 2 + 2p - k (0 or 1)
            self.pad = (kernel_size - 1) // 2
            self.output_padding = 2 + 2 * self.pad - kernel_size
            if self.output_padding not in (0, 1):
                raise ValueError(f"kernel size {kernel_size} cannot double the resolution")
            circular = padding_mode == "circular"
            self.conv = nn.ConvTranspose2d(c_in, c_out, kernel_size, stride=2,
                                           padding=0 if circular else self.pad,
                                           output_padding=0 if circular else self.output_padding,
                                           bias=norm in (None, "none"))
        elif mode in ("nearest", "bilinear"):
            self.conv = nn.Conv2d(c_in, c_out, kernel_size if kernel_size % 2 else kernel_size - 1,
                                  padding="same", padding_mode=padding_mode, bias=norm in (None, "none"))
        else:
            raise ValueError(f"unknown upsampling mode '{mode}'; use transpose, transpose_blur, nearest or bilinear")
        self.norm = _norm(norm, c_out)
        self.act = activation(act) if act else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mode == "nearest":
            x = self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))
        elif self.mode == "bilinear":
            if self.padding_mode == "circular":  # interpolate across the wrap-around edge, then crop
                x = F.interpolate(F.pad(x, (1, 1, 1, 1), mode="circular"), scale_factor=2, mode="bilinear",
                                  align_corners=False)[..., 2:-2, 2:-2]
            else:
                x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
            x = self.conv(x)
        elif self.padding_mode == "circular":
            # the full (unpadded) transposed convolution, its overhang wrapped around the torus:
            # full-output index o lands on output pixel (o - pad) mod 2n. Exact, and cheaper than
            # convolving a periodically padded input (which computes a much larger output at coarse stages).
            h, w = x.shape[-2:]
            x = F.conv_transpose2d(x, self.conv.weight, None, stride=2)
            x = _wrap(_wrap(x, 2, 2 * h, self.pad), 3, 2 * w, self.pad)
            if self.conv.bias is not None:
                x = x + self.conv.bias.view(1, -1, 1, 1)
        else:
            x = self.conv(x)
        if self.mode == "transpose_blur":
            x = binomial_blur(x, circular=self.padding_mode == "circular")
        return self.act(self.norm(x))


def binomial_blur(x: torch.Tensor, *, circular: bool = False) -> torch.Tensor:
    """(B, C, H, W) -> same shape, each channel convolved with [1, 2, 1] x [1, 2, 1] / 16.

    Mean-preserving, zero response at the Nyquist frequency of each axis. Edges: wrapped around
    (``circular``) or mirrored (reflect padding).
    """
    c = x.shape[1]
    k1 = x.new_tensor([1.0, 2.0, 1.0]) / 4
    kernel = (k1[:, None] * k1[None, :]).expand(c, 1, 3, 3)
    x = F.pad(x, (1, 1, 1, 1), mode="circular" if circular else "reflect")
    return F.conv2d(x, kernel.to(x.dtype), groups=c)


class Down(nn.Module):
    """x2 downsampling block: stride-2 convolution (B, c_in, H, W) -> (B, c_out, H/2, W/2), norm, act."""

    def __init__(self, c_in: int, c_out: int, *, kernel_size: int = 4, padding_mode: str = "zeros",
                 norm: str | None = "batch", act: str | None = "leaky_relu", spectral: bool = False) -> None:
        super().__init__()
        self.padding_mode = padding_mode
        # pad so that output = input / 2 for even inputs: total padding k - 2
        total = kernel_size - 2
        self.pads = (total // 2, total - total // 2) * 2
        conv = nn.Conv2d(c_in, c_out, kernel_size, stride=2, padding=0, bias=norm in (None, "none"))
        self.conv = nn.utils.parametrizations.spectral_norm(conv) if spectral else conv
        self.norm = _norm(norm, c_out)
        self.act = activation(act) if act else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mode = "circular" if self.padding_mode == "circular" else "constant"
        x = F.pad(x, self.pads, mode=mode)
        return self.act(self.norm(self.conv(x)))


def init_dcgan_weights(module: nn.Module) -> None:
    """DCGAN initialisation (Radford et al. 2015): conv weights N(0, 0.02), norm scales N(1, 0.02)."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            spectral = hasattr(m, "parametrizations") and "weight" in m.parametrizations
            nn.init.normal_(m.parametrizations.weight.original if spectral else m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d, nn.InstanceNorm2d, nn.GroupNorm)) and m.weight is not None:
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
