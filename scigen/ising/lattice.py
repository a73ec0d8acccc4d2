"""Shared pieces of the Ising kernels: input checks, seeded generators, energies of int8 lattices."""

from __future__ import annotations

import numpy as np
import torch

from scigen.errors import InputError

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # full range of random int64 words


def check_size(size) -> int:
    """L as an int, or InputError: the checkerboard on a torus needs an even side >= 4."""
    L = int(size)
    if L != size or L < 4 or L % 2:
        raise InputError(f"lattice size must be an even integer >= 4 (checkerboard on a torus), got {size!r}")
    return L


def check_temperatures(temperatures) -> np.ndarray:
    """Temperatures as a 1-D float64 array, or InputError unless all are finite and > 0."""
    t = np.atleast_1d(np.asarray(temperatures, dtype=np.float64))
    if t.ndim != 1 or t.size == 0 or not np.all(np.isfinite(t)) or np.any(t <= 0):
        raise InputError(f"temperatures must be a non-empty list of finite values > 0, got {temperatures!r}")
    return t


def make_generator(seed_or_generator, device) -> torch.Generator:
    """A torch.Generator on ``device`` seeded with an int (or the generator passed in); never global RNG."""
    if isinstance(seed_or_generator, torch.Generator):
        return seed_or_generator
    if seed_or_generator is None:
        raise InputError("a seed (int) or a torch.Generator is required: scigen never uses global RNG state")
    g = torch.Generator(device=device)
    g.manual_seed(int(seed_or_generator))
    return g


def lattice_energy(spins: torch.Tensor, J: float = 1.0, h: float = 0.0) -> torch.Tensor:
    """Total energy E = -J sum_<ij> s_i s_j - h sum_i s_i of each periodic lattice (..., L, L) -> (...)."""
    s = spins.to(torch.int32)
    bonds = (s * s.roll(-1, -1)).sum((-1, -2)) + (s * s.roll(-1, -2)).sum((-1, -2))
    return -J * bonds.double() - h * s.sum((-1, -2)).double()


def lattice_magnetization(spins: torch.Tensor) -> torch.Tensor:
    """Total magnetisation M = sum_i s_i of each lattice (..., L, L) -> (...)."""
    return spins.to(torch.int32).sum((-1, -2)).double()
