"""Physics inside the lattice GAN (:mod:`scigen.ising.models`): features its discriminator sees and
the optional moment-matching loss, all differentiable torch functions of spins (B, 1, L, L).

* :func:`canonical_sign` -- the per-sample sign that maps a configuration to m >= 0 (D(s) = D(-s)).
* :func:`physics_features` -- e and m per configuration (J = 1, periodic).
* :func:`standardised` -- (e, |m|) standardised by their real mean and spread at each temperature.
* per-temperature batch statistics (``_group_stats``, ``_group_summary``, ``_group_moments``), and
  :func:`moment_loss`, an unbiased estimate of the squared moment mismatch.
"""

from __future__ import annotations

import torch

__all__ = ["canonical_sign", "physics_features", "standardised", "moment_loss"]


def canonical_sign(x: torch.Tensor) -> torch.Tensor:
    """(B, 1) per-sample sign that maps each configuration (B, 1, L, L) to m >= 0 (+1 at m = 0)."""
    m = x.float().mean(dim=(1, 2, 3))
    return torch.where(m < 0, -1.0, 1.0).to(x.dtype).view(-1, 1, 1, 1)


def physics_features(x: torch.Tensor) -> torch.Tensor:
    """(B, 2) energy per spin e and magnetisation m of spins (B, 1, L, L) (J = 1, periodic), in fp32.

    Differentiable in ``x`` (the straight-through gradient reaches G through them).
    """
    x = x.float()
    e = -(x * torch.roll(x, 1, dims=2) + x * torch.roll(x, 1, dims=3)).mean(dim=(1, 2, 3))
    m = x.mean(dim=(1, 2, 3))
    return torch.stack([e, m], dim=1)


def _groups(t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Temperature groups of a batch: (inverse index (B,), counts (G,))."""
    _, inverse, counts = torch.unique(t.reshape(-1), return_inverse=True, return_counts=True)
    return inverse, counts


def _group_stats(f: torch.Tensor, t: torch.Tensor, scale: float) -> torch.Tensor:
    """Per temperature group of the batch: mean and ``scale`` x std of features f (B, k) -> (B, 2k)."""
    inverse, counts = _groups(t)
    n = counts.unsqueeze(1).to(f.dtype)
    mean = f.new_zeros(counts.numel(), f.shape[1]).index_add_(0, inverse, f) / n
    dev = f - mean[inverse]
    var = f.new_zeros(counts.numel(), f.shape[1]).index_add_(0, inverse, dev * dev) / n
    return torch.cat([mean[inverse], scale * (var[inverse] + 1e-8).sqrt()], dim=1)


def _group_summary(g: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """(B, 2k): sqrt(n) x the group mean and the group spread of standardised features g (B, k)."""
    inverse, counts = _groups(t)
    st = _group_stats(g, t, 1.0)
    k = g.shape[1]
    return torch.cat([st[:, :k] * counts[inverse].to(g.dtype).sqrt().unsqueeze(1), st[:, k:]], dim=1)


def standardised(x: torch.Tensor, targets: torch.Tensor, clip: float = 20.0) -> torch.Tensor:
    """(B, 2) g = (f - mu) / sigma for f = e and |m| of spins x (B, 1, L, L), softly bounded.

    ``targets`` (B, 4): mu_e, sigma_e, mu_|m|, sigma_|m| of each sample's temperature. The bound
    ``clip * asinh(g / clip)`` keeps gradients for configurations far from the target (it grows
    like log |g|) and changes g by under 0.2% for |g| < 3.
    """
    f = physics_features(x)
    f = torch.stack([f[:, 0], f[:, 1].abs()], dim=1)
    targets = targets.float()
    mu = torch.stack([targets[:, 0], targets[:, 2]], dim=1)
    sigma = torch.stack([targets[:, 1], targets[:, 3]], dim=1).clamp_min(1e-6)
    return clip * torch.asinh((f - mu) / sigma / clip)


@torch.no_grad()
def _group_moments(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """(B, 4) per-sample copies of its temperature group's mean and std of e and |m| (spins x): the
    reference moments when the dataset does not bring them (``moments``)."""
    f = physics_features(x)
    f = torch.stack([f[:, 0], f[:, 1].abs()], dim=1)
    st = _group_stats(f, t.float(), 1.0)  # (B, 4): mean e, mean |m|, std e, std |m|
    return torch.stack([st[:, 0], st[:, 2], st[:, 1], st[:, 3]], dim=1)


def moment_loss(fake: torch.Tensor, t: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Unbiased estimate of sum_k (E_fake[h_k])^2 per temperature, averaged over the batch's groups.

    With g the standardised e and |m| of the fake spins (:func:`standardised`) and h = (g, g^2 - 1),
    E[h] = 0 when the fake mean and variance of e and |m| at each temperature equal the real ones,
    which fixes e, |m|, c and chi. The square of a group's mean of h would also penalise the fake's
    spread (E[hbar^2] = (E h)^2 + Var(h)/n) and shrink fluctuations; the U-statistic
    sum_{i != j} h_i h_j / (n (n - 1)) over pairs within one group has expectation (E h)^2 exactly.
    """
    g = standardised(fake, targets)
    h = torch.cat([g, g * g - 1.0], dim=1)  # (B, 4)
    inverse, counts = _groups(t)
    sums = h.new_zeros(counts.numel(), 4).index_add_(0, inverse, h)
    squares = h.new_zeros(counts.numel(), 4).index_add_(0, inverse, h * h)
    n = counts.to(h.dtype).unsqueeze(1)
    pairs = (sums * sums - squares) / (n * (n - 1)).clamp_min(1.0)  # 0 for single-sample groups
    return pairs.sum(1).mean()
