"""Swendsen-Wang cluster updates for many int8 lattices at once (see scigen.ising.kernels)."""

from __future__ import annotations

import math

import numpy as np
import torch

from scigen.errors import InputError
from scigen.ising.lattice import check_size, check_temperatures, lattice_energy, lattice_magnetization, make_generator

__all__ = ["SwendsenWang", "swendsen_wang_sweep"]

# ---------------------------------------------------------------------------------------------
# Swendsen-Wang
# ---------------------------------------------------------------------------------------------

def _components(n: int, eu: torch.Tensor, ev: torch.Tensor) -> torch.Tensor:
    """Connected components of a graph with ``n`` nodes and edges (eu, ev): each node's smallest member.

    Min-label hooking: every edge pulls the parents of both ends down to the smaller one
    (``scatter_reduce`` amin), followed by pointer jumping, until nothing changes; then full
    compression. Labels only ever decrease and stay inside a component, so the fixed point is the
    component minimum. Rounds grow like log of the cluster diameter (5-8 at Tc for L <= 128).
    """
    parent = torch.arange(n, device=eu.device)
    while True:
        pu, pv = parent[eu], parent[ev]
        low = torch.minimum(pu, pv)
        old = parent.clone()
        parent.scatter_reduce_(0, pu, low, reduce="amin")
        parent.scatter_reduce_(0, pv, low, reduce="amin")
        parent = parent[parent]
        parent = parent[parent]
        if torch.equal(parent, old):
            break
    while True:
        nxt = parent[parent]
        if torch.equal(nxt, parent):
            return parent
        parent = nxt


def swendsen_wang_sweep(spins: torch.Tensor, beta: torch.Tensor, generator: torch.Generator,
                        J: float = 1.0) -> torch.Tensor:
    """One Swendsen-Wang update of int8 lattices (B, L, L) at inverse temperatures beta (B,); h = 0.

    Returns the new lattices (a new tensor). Works for J < 0 too (bonds join anti-aligned spins).
    """
    B, L, _ = spins.shape
    dev = spins.device
    p = (1.0 - torch.exp(-2.0 * beta.to(dev, torch.float64) * abs(J))).float().view(B, 1, 1)
    if J > 0:
        sat_r, sat_d = spins == spins.roll(-1, 2), spins == spins.roll(-1, 1)
    else:
        sat_r, sat_d = spins != spins.roll(-1, 2), spins != spins.roll(-1, 1)
    act_r = sat_r & (torch.rand(spins.shape, generator=generator, device=dev) < p)
    act_d = sat_d & (torch.rand(spins.shape, generator=generator, device=dev) < p)
    n = B * L * L
    idx = torch.arange(n, device=dev).view(B, L, L)
    eu = torch.cat([idx[act_r], idx[act_d]])
    ev = torch.cat([idx.roll(-1, 2)[act_r], idx.roll(-1, 1)[act_d]])
    root = _components(n, eu, ev)
    coin = torch.rand(n, generator=generator, device=dev) < 0.5
    flip = coin[root].view(B, L, L)
    return torch.where(flip, -spins, spins)


class SwendsenWang:
    """Swendsen-Wang chains: ``chains`` int8 lattices at each of several temperatures (h = 0).

    Args:
        spins: initial lattices (nT, chains, L, L) int8 (e.g. from :meth:`MultispinMetropolis.spins`),
            or None for a start chosen as in :class:`MultispinMetropolis` ("auto").
        size, temperatures, chains, generator, J, device: as for :class:`MultispinMetropolis`.
    """

    def __init__(self, size, temperatures, *, chains: int = 64, generator=0, J: float = 1.0,
                 device="cpu", spins: torch.Tensor | None = None) -> None:
        from scigen.ising.exact import critical_temperature

        self.L = check_size(size)
        self.temperatures = check_temperatures(temperatures)
        self.J = float(J)
        if not math.isfinite(self.J) or self.J == 0:
            raise InputError(f"J must be finite and non-zero, got {J}")
        self.h = 0.0
        self.device = torch.device(device)
        self.generator = make_generator(generator, self.device)
        nT = self.temperatures.size
        if spins is not None:
            if spins.dim() != 4 or spins.shape[0] != nT or tuple(spins.shape[2:]) != (self.L, self.L):
                raise InputError(f"SwendsenWang: spins must have shape (nT={nT}, chains, {self.L}, {self.L}), "
                                 f"got {tuple(spins.shape)}")
            self.s = spins.to(self.device, torch.int8).clone()
        else:
            self.s = torch.randint(0, 2, (nT, int(chains), self.L, self.L), generator=self.generator,
                                   device=self.device, dtype=torch.int8) * 2 - 1
            cold = self.temperatures < critical_temperature(self.J)
            self.s[torch.as_tensor(cold, device=self.device)] = 1
        self.chains = int(self.s.shape[1])

    def keep(self, index) -> None:
        idx = np.arange(self.temperatures.size)[np.asarray(index)]
        self.temperatures = self.temperatures[idx]
        self.s = self.s[torch.as_tensor(idx, device=self.device)]

    def sweep(self, n: int = 1) -> None:
        nT, R, L = self.temperatures.size, self.chains, self.L
        beta = torch.as_tensor(1.0 / self.temperatures, device=self.device).repeat_interleave(R)
        flat = self.s.view(nT * R, L, L)
        for _ in range(int(n)):
            flat = swendsen_wang_sweep(flat, beta, self.generator, self.J)
        self.s = flat.view(nT, R, L, L)

    def measure(self) -> tuple[np.ndarray, np.ndarray]:
        E = lattice_energy(self.s, self.J, 0.0)
        M = lattice_magnetization(self.s)
        return E.cpu().numpy(), M.cpu().numpy()

    def spins(self, t: int | None = None) -> torch.Tensor:
        """The lattices (nT, chains, L, L) int8, or (chains, L, L) of temperature index ``t``."""
        return self.s.clone() if t is None else self.s[t].clone()
