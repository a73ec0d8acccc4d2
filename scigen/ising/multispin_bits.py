"""Bit-level pieces of the multi-spin Metropolis kernel (:mod:`scigen.ising.multispin`): the
acceptance classes as k-bit integer probabilities, and per-lane population counts of int64 words
(64 chains per word)."""

from __future__ import annotations

import math

import numpy as np
import torch

from scigen.ising.lattice import check_temperatures

__all__ = ["acceptance_bits", "lane_counts"]


def acceptance_bits(temperatures, J: float = 1.0, h: float = 0.0, rel_precision: float = 1e-6):
    """The Metropolis acceptance classes of the multi-spin kernel and their probabilities in k bits.

    A spin with k_anti anti-aligned neighbours (0..4) and value s has dE = 2 J (4 - 2 k_anti) + 2 h s.
    Classes with dE <= 0 always flip; the others flip with p = exp(-dE / T).

    Returns:
        (classes, p_int, k): classes is a list of (k_anti, s or None when h = 0) with dE > 0,
        p_int an object array (classes, nT) of Python ints round(p 2^k), and k the number of bits:
        32, or 64 where 2^-33 > rel_precision * min p (J = 1, h = 0: T < 0.88). Probabilities below
        2^-65 round to 0 (never accepted).
    """
    t = check_temperatures(temperatures)
    classes, energies = [], []
    for k_anti in range(5):
        for s in ((None,) if h == 0 else (+1, -1)):
            de = 2 * J * (4 - 2 * k_anti) + (0.0 if s is None else 2 * h * s)
            if de > 0:
                classes.append((k_anti, s))
                energies.append(de)
    if not classes:
        return [], np.zeros((0, t.size), dtype=object), 8
    p = np.exp(-np.asarray(energies)[:, None] / t[None, :])
    need = math.ceil(math.log2(1.0 / (2 * rel_precision * max(p.min(), 1e-300))))
    k = 32 if need <= 32 else 64  # a power of two for the comparison tree
    p_int = np.empty(p.shape, dtype=object)
    for idx, val in np.ndenumerate(p):
        p_int[idx] = int(round(float(val) * (1 << k)))
    return classes, p_int, k


def lane_counts(x: torch.Tensor, lut: torch.Tensor | None = None) -> torch.Tensor:
    """Per-bit-lane population counts: x (G, K) int64 -> (G, 64) int64, count of bit b over the K words.

    The K words are first summed pairwise, bit-sliced (ripple-carry adders on whole words), for up to
    eight levels while K stays even and above 64: K words become K/2^r (r+1)-bit numbers. Then one
    weighted ``bincount`` histograms the byte values at each byte position (weight 2^plane), and a
    256 x 8 table of bits turns the histograms into lane counts.
    """
    G = x.shape[0]
    planes = [x]
    for _ in range(8):
        if planes[0].shape[1] % 2 or planes[0].shape[1] <= 64:
            break
        a = [p[:, 0::2] for p in planes]
        b = [p[:, 1::2] for p in planes]
        out = [a[0] ^ b[0]]
        carry = a[0] & b[0]
        for aj, bj in zip(a[1:], b[1:]):
            t = aj ^ bj
            out.append(t ^ carry)
            carry = (aj & bj) | (carry & t)
        out.append(carry)
        planes = out
    P = len(planes)
    v = torch.stack(planes).contiguous().view(torch.uint8).view(P, G, -1, 8).to(torch.int64)
    dev = x.device
    offset = (torch.arange(G, device=dev).view(1, G, 1, 1) * 8 + torch.arange(8, device=dev).view(1, 1, 1, 8)) * 256
    weight = (2.0 ** torch.arange(P, device=dev, dtype=torch.float64)).view(P, 1, 1, 1).expand(v.shape)
    hist = torch.bincount((v + offset).reshape(-1), weights=weight.reshape(-1), minlength=G * 8 * 256)
    if lut is None:
        lut = ((torch.arange(256, device=dev).view(256, 1) >> torch.arange(8, device=dev)) & 1).double()
    counts = hist.view(G, 8, 256) @ lut  # (G, byte, bit): lane = 8 * byte + bit (little-endian)
    return counts.round().to(torch.int64).reshape(G, 64)
