"""Monte Carlo kernels for the 2D Ising model (torch; CPU or GPU), vectorised over many lattices.

H = -J sum_<ij> s_i s_j - h sum_i s_i on a periodic L x L lattice (L even), spins +-1, k_B = 1.

Three kernels, each batched over chains and temperatures:

* :class:`MultispinMetropolis` -- the fast checkerboard Metropolis used for data. Multi-spin coding:
  bit b of an int64 word is the spin of chain b, so one word holds the same site of 64 independent
  chains at one temperature, and every bitwise operation updates 64 spins. The acceptance test
  draws, for every bit, a uniform number U made of k random words and compares it with the exact
  acceptance probability written with k bits (a bit-sliced comparison, evaluated as a binary tree
  over the bits). k = 32 represents every probability to a relative error below 1e-6 for T > 0.88 J
  (k = 64 below). Only words with a bit still undecided after the first 10 bits draw the rest, so a
  sweep costs ~11 random words per 64 spin updates. Random bits are never shared between chains.
* :func:`metropolis_sweep` -- the same checkerboard Metropolis on plain int8 lattices (B, L, L), one
  temperature per lattice. Readable reference, used to cross-check the multi-spin kernel.
* :func:`swendsen_wang_sweep` / :class:`SwendsenWang` -- the Swendsen-Wang cluster algorithm (h = 0).
  Bonds between aligned neighbours are activated with p = 1 - exp(-2 beta |J|), clusters are found
  for all lattices at once by min-label hooking (``scatter_reduce`` amin) with pointer jumping
  (5-8 rounds at Tc), and every cluster is flipped with probability 1/2. Its autocorrelation time
  stays O(1) at Tc (z ~ 0.25) where Metropolis grows as L^2.17.

The engines (:class:`MultispinMetropolis`, :class:`SwendsenWang`) share the small protocol that
:mod:`scigen.ising.data` drives: ``temperatures``, ``chains``, ``sweep(n)``, ``measure()`` ->
(E, M) per chain as (nT, chains) float64 numpy arrays of lattice totals, ``spins()`` -> (nT, chains,
L, L) int8, and ``keep(index)`` to drop temperatures that are done. They live in
:mod:`scigen.ising.multispin` and :mod:`scigen.ising.cluster`; this module gathers the kernels.
"""

from __future__ import annotations

import torch

from scigen.ising.cluster import SwendsenWang, swendsen_wang_sweep
from scigen.ising.lattice import lattice_energy, lattice_magnetization
from scigen.ising.multispin import MultispinMetropolis
from scigen.ising.multispin_bits import acceptance_bits, lane_counts

__all__ = [
    "MultispinMetropolis", "SwendsenWang", "metropolis_sweep", "swendsen_wang_sweep",
    "lattice_energy", "lattice_magnetization", "acceptance_bits", "lane_counts",
]


# ---------------------------------------------------------------------------------------------
# Reference kernel: int8 lattices
# ---------------------------------------------------------------------------------------------

def _checkerboard(L: int, device) -> torch.Tensor:
    y, x = torch.meshgrid(torch.arange(L, device=device), torch.arange(L, device=device), indexing="ij")
    return ((x + y) % 2).to(torch.bool)


def metropolis_sweep(spins: torch.Tensor, beta: torch.Tensor, generator: torch.Generator, J: float = 1.0,
                     h: float = 0.0) -> torch.Tensor:
    """One checkerboard Metropolis sweep of int8 lattices (B, L, L) in place; beta (B,). Returns spins.

    Each colour of the checkerboard is updated at once: dE = 2 s (J sum_nn s + h), accepted with
    probability min(1, exp(-beta dE)).
    """
    B, L, _ = spins.shape
    odd = _checkerboard(L, spins.device)
    b = beta.to(spins.device, torch.float32).view(B, 1, 1)
    for colour in (False, True):
        nn = (spins.roll(1, 1) + spins.roll(-1, 1) + spins.roll(1, 2) + spins.roll(-1, 2)).float()
        de = 2.0 * spins.float() * (J * nn + h)
        u = torch.rand(spins.shape, generator=generator, device=spins.device)
        flip = (u < torch.exp(-b * de)) & (odd == colour)
        spins[flip] *= -1
    return spins
