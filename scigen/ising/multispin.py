"""Multi-spin coded checkerboard Metropolis: 64 chains per int64 word (see scigen.ising.kernels; bit-level
helpers in scigen.ising.multispin_bits)."""

from __future__ import annotations

import math
import sys

import numpy as np
import torch

from scigen.errors import InputError
from scigen.ising.lattice import INT64_MAX, INT64_MIN, check_size, check_temperatures, make_generator
from scigen.ising.multispin_bits import acceptance_bits, lane_counts

__all__ = ["MultispinMetropolis"]

# ---------------------------------------------------------------------------------------------
# Multi-spin coded checkerboard Metropolis
# ---------------------------------------------------------------------------------------------
#
# Layout: S[c, p, t, w, q, j] int64, c = colour (0: x + y even), p = row parity, t = temperature,
# w = word (64 chains each), site (y, x) = (2q + p, 2j + (p if c == 0 else 1 - p)). The four
# neighbours of colour c, parity p are sites of the other colour o: (source parity, axis, shift),
# where shift +1 means the value at index i comes from i - 1 (torch.roll(+1)).
_NEIGHBOURS = {
    (0, 0): ((0, -1, +1), (0, None, 0), (1, -2, +1), (1, None, 0)),
    (0, 1): ((1, None, 0), (1, -1, -1), (0, None, 0), (0, -2, -1)),
    (1, 0): ((0, None, 0), (0, -1, -1), (1, -2, +1), (1, None, 0)),
    (1, 1): ((1, -1, +1), (1, None, 0), (0, None, 0), (0, -2, -1)),
}


def _xor_shifted_views(out: torch.Tensor, a: torch.Tensor, b: torch.Tensor, axis, shift: int) -> list:
    """(out, a, b) view triples such that out = a ^ roll(b, shift, axis) is one bitwise_xor per triple.

    A shift is two slice operations (bulk and wrap-around); views of persistent tensors stay valid
    for in-place updates, so they are built once.
    """
    if axis is None:
        return [(out, a, b)]
    n = a.shape[axis]

    def sl(t, lo, hi):
        idx = [slice(None)] * t.dim()
        idx[axis] = slice(lo, hi)
        return t[tuple(idx)]

    if shift == 1:
        return [(sl(out, 1, n), sl(a, 1, n), sl(b, 0, n - 1)), (sl(out, 0, 1), sl(a, 0, 1), sl(b, n - 1, n))]
    return [(sl(out, 0, n - 1), sl(a, 0, n - 1), sl(b, 1, n)), (sl(out, n - 1, n), sl(a, n - 1, n), sl(b, 0, 1))]


class MultispinMetropolis:
    """Checkerboard Metropolis for 64 x ``words`` chains at each of several temperatures, bit-packed.

    Args:
        size: L (even, >= 4).
        temperatures: (nT,) temperatures > 0.
        words: 64-chain words per temperature (chains = 64 * words).
        generator: seed (int) or torch.Generator on ``device``.
        J, h: coupling and field.
        device: torch device ("cpu", "cuda", ...).
        start: "hot" (random), "cold" (ordered: all +1, Neel for J < 0, along h), or "auto": cold below
            Tc(J) and hot above (a hot start deep in the ordered phase can freeze into long-lived
            stripe domains on a torus; a cold start at T >> J barely moves, because checkerboard
            Metropolis with acceptance ~1 flips whole sublattices back and forth).
        chunk_words: the acceptance step works on blocks of rows of about this many words (its
            temporaries are ~20 words per word and class), which keeps them in cache and bounds memory.

    Memory: L^2 bits per chain (L^2 / 64 int64 words per 64 chains), plus about ten buffers of the
    same size and the acceptance temporaries of one row block.
    """

    def __init__(self, size, temperatures, *, words: int = 1, generator=0, J: float = 1.0, h: float = 0.0,
                 device="cpu", start: str = "auto", chunk_words: int = 1 << 14) -> None:
        if sys.byteorder != "little":  # pragma: no cover - every torch platform today
            raise RuntimeError("the multi-spin kernel unpacks bits assuming a little-endian machine")
        self.L = check_size(size)
        self.temperatures = check_temperatures(temperatures)
        if int(words) < 1:
            raise InputError(f"words must be >= 1 (64 chains each), got {words}")
        self.words = int(words)
        self.J, self.h = float(J), float(h)
        if not math.isfinite(self.J) or self.J == 0 or not math.isfinite(self.h):
            raise InputError(f"J must be finite and non-zero and h finite, got J={J}, h={h}")
        self.device = torch.device(device)
        self.generator = make_generator(generator, self.device)
        self.chunk_words = int(chunk_words)
        half = self.L // 2
        nT = self.temperatures.size
        self.S = torch.empty((2, 2, nT, self.words, half, half), dtype=torch.int64, device=self.device)
        self._init_state(start)
        self._cls = None
        self._lut = None
        self._alloc()
        self._set_acceptance()

    # -- set-up ---------------------------------------------------------------------------------
    @property
    def chains(self) -> int:
        return 64 * self.words

    def _alloc(self) -> None:
        shape = self.S.shape[1:]
        self._d = torch.empty((4, *shape), dtype=torch.int64, device=self.device)
        self._t = torch.empty((2, *shape), dtype=torch.int64, device=self.device)
        self._flip = torch.empty(shape, dtype=torch.int64, device=self.device)
        self._acc = {}  # acceptance buffers per chunk shape
        self._xor_plan = {}
        for c in (0, 1):
            s, o, plan = self.S[c], self.S[1 - c], []
            for p in (0, 1):
                for n, (src, axis, shift) in enumerate(_NEIGHBOURS[(c, p)]):
                    plan += _xor_shifted_views(self._d[n, p], s[p], o[src], axis, shift)
            self._xor_plan[c] = plan

    def _init_state(self, start: str) -> None:
        from scigen.ising.exact import critical_temperature

        if start not in ("auto", "hot", "cold"):
            raise InputError(f"start must be 'auto', 'hot' or 'cold', got {start!r}")
        self.S.random_(INT64_MIN, INT64_MAX, generator=self.generator)
        cold = np.full(self.temperatures.size, start == "cold")
        if start == "auto":
            cold = self.temperatures < critical_temperature(self.J)
        up = -1 if self.h >= 0 else 0  # all bits set = all spins +1
        for t in np.nonzero(cold)[0]:
            if self.J > 0:
                self.S[:, :, t] = up
            else:  # Neel state: colour 0 up, colour 1 down
                self.S[0, :, t] = -1
                self.S[1, :, t] = 0

    def _set_acceptance(self) -> None:
        classes, p_int, k = acceptance_bits(self.temperatures, self.J, self.h)
        self.k_bits = k
        self._classes = classes
        nT, full = self.temperatures.size, 1 << k
        # bits[i, c, t]: bit i (0 = most significant) of class c's probability at temperature t, as a
        # word of all ones or zeros; a probability that rounds to 1 is stored as 1 - 2^-k.
        bits = np.zeros((k, len(classes), nT), dtype=np.int64)
        for (c, t), v in np.ndenumerate(p_int):
            v = min(int(v), full - 1)
            for i in range(k):
                bits[i, c, t] = -((v >> (k - 1 - i)) & 1)
        self._bits = torch.as_tensor(bits, device=self.device).view(k, len(classes), 1, nT, 1, 1, 1)
        self._k_first = min(10, k)
        self._bits1 = self._bits[: self._k_first]
        self._bits2 = torch.as_tensor(bits[self._k_first:], device=self.device)  # (k - k1, ncls, nT)

    def keep(self, index) -> None:
        """Keep only the temperatures at ``index`` (indices or boolean mask), e.g. drop finished ones."""
        idx = np.arange(self.temperatures.size)[np.asarray(index)]
        self.temperatures = self.temperatures[idx]
        self.S = self.S[:, :, torch.as_tensor(idx, device=self.device)].contiguous()
        self._cls = None
        self._alloc()
        if self.temperatures.size:
            self._set_acceptance()

    # -- dynamics -------------------------------------------------------------------------------
    def _anti(self, colour: int) -> torch.Tensor:
        """d[n] = 1 where the site of ``colour`` and its n-th neighbour are anti-aligned."""
        for out, a, b in self._xor_plan[colour]:
            torch.bitwise_xor(a, b, out=out)
        return self._d

    def _class_masks(self, d: torch.Tensor) -> torch.Tensor:
        """Bit masks (ncls, ...) of the acceptance classes: exactly k anti-aligned neighbours (and the
        spin's sign when h != 0). Overwrites the neighbour buffer ``d``."""
        s1, s2, c1 = self._t[0], self._t[1], d[0]
        torch.bitwise_xor(d[0], d[1], out=s1)
        c1 &= d[1]
        torch.bitwise_xor(d[2], d[3], out=s2)
        c2 = d[2]
        c2 &= d[3]
        ks = [k for k, _ in self._classes]
        if self._cls is None or self._cls.shape[1:] != s1.shape:
            self._cls = torch.empty((len(ks), *s1.shape), dtype=torch.int64, device=self.device)
        cls = self._cls
        if set(ks) <= {0, 1} and len(ks) == len(set(ks)):  # J > 0, h = 0: few in-place operations
            nocarry = c1
            nocarry |= c2
            nocarry.bitwise_not_()
            if 1 in ks:
                k1 = cls[ks.index(1)]
                torch.bitwise_xor(s1, s2, out=k1)
                k1 &= nocarry
            if 0 in ks:
                k0 = cls[ks.index(0)]
                s1 |= s2
                torch.bitwise_not(s1, out=k0)
                k0 &= nocarry
            return cls
        nots = torch.bitwise_not
        masks = {
            0: lambda: nots(s1 | s2 | c1 | c2),
            1: lambda: (s1 ^ s2) & nots(c1 | c2),
            2: lambda: (s1 & s2) | ((c1 ^ c2) & nots(s1 | s2)),
            3: lambda: (c1 & s2) | (c2 & s1),
            4: lambda: c1 & c2,
        }
        made = {k: masks[k]() for k in set(ks)}
        spin = self._spin_view
        for j, (k, sign) in enumerate(self._classes):
            m = made[k]
            if sign is not None:
                m = m & (spin if sign > 0 else nots(spin))
            cls[j] = m
        return cls

    @staticmethod
    def _tree_plan(lt: torch.Tensor, eq: torch.Tensor) -> list:
        """Views for reducing (lt, eq) bit-planes (n, ...), most significant first, to plane 0.

        Pairs combine as lt = lt_hi | (eq_hi & lt_lo), eq = eq_hi & eq_lo; an odd last plane is carried
        to the next level; log2(n) levels. Returns per level (lt_lo, eq_hi, lt_hi, eq_lo).
        """
        plan, n = [], lt.shape[0]
        while n > 1:
            m = 2 * (n // 2)
            plan.append((lt[1:m:2], eq[0:m:2], lt[0:m:2], eq[1:m:2]))
            lt, eq = lt[0:n:2], eq[0:n:2]
            n = lt.shape[0]
        return plan

    @staticmethod
    def _reduce(plan: list) -> None:
        for lo, hi_eq, hi, lo_eq in plan:
            lo &= hi_eq
            hi |= lo
            hi_eq &= lo_eq

    @classmethod
    def _compare_tree(cls, lt: torch.Tensor, eq: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Reduce (lt, eq) in place (see :meth:`_tree_plan`); returns the overall (lt, eq) planes."""
        cls._reduce(cls._tree_plan(lt, eq))
        return lt[0], eq[0]

    def _buffers(self, shape: tuple) -> tuple:
        buf = self._acc.get(shape)
        if buf is None:
            k1 = self._k_first
            tidx = torch.arange(self.temperatures.size, device=self.device).view(1, -1, 1, 1, 1)
            lt = torch.empty((k1, *shape), dtype=torch.int64, device=self.device)
            eq = torch.empty((k1, *shape), dtype=torch.int64, device=self.device)
            buf = self._acc[shape] = (
                torch.empty((k1, 1, *shape[1:]), dtype=torch.int64, device=self.device), lt, eq,
                tidx.expand(shape[1:]).reshape(-1), self._tree_plan(lt, eq),
            )
        return buf

    def _accept(self, cls: torch.Tensor, out: torch.Tensor) -> None:
        """out |= OR over classes of (class mask & Bernoulli word of the class's probability).

        Every bit draws a uniform k-bit number U and is accepted when U < p, its class's probability
        written with k bits, decided by the most significant differing bit. With lt_i = u_i & p_i and
        eq_i = u_i ^ p_i (U stands for its complement, which is just as uniform), a tree over the bits
        combines (lt, eq) pairs (:meth:`_compare_tree`). Two phases: the first k1 = 10 bits for every
        word; then only the words where some bit of the class is still undecided (U and p agree on
        10 bits: probability 2^-10 per bit, a few percent of the words) draw the remaining k - 10 bits.
        This spends about 11 random words per 64 spins instead of k = 32, with the same exact result.
        cls: (ncls, 2, nT, W, rows, L/2) masks of one block of rows.
        """
        shape = tuple(cls.shape)
        u, lt, eq, tidx, plan = self._buffers(shape)
        k1 = self._k_first
        u.random_(INT64_MIN, INT64_MAX, generator=self.generator)
        b1 = self._bits1
        torch.bitwise_and(u, b1, out=lt)
        torch.bitwise_xor(u, b1, out=eq)
        self._reduce(plan)
        r, undecided = lt[0], eq[0]
        r &= cls
        if self.k_bits > k1:
            undecided &= cls
            pending = undecided[0].clone() if undecided.shape[0] > 1 else undecided[0]
            for j in range(1, undecided.shape[0]):
                pending |= undecided[j]
            idx = torch.nonzero(pending.reshape(-1)).squeeze(1)
            if idx.numel():
                ncls = shape[0]
                t_of = tidx[idx]
                b2 = self._bits2[:, :, t_of]  # (k - k1, ncls, n)
                u2 = torch.empty((b2.shape[0], 1, idx.numel()), dtype=torch.int64, device=self.device)
                u2.random_(INT64_MIN, INT64_MAX, generator=self.generator)
                lt2, _ = self._compare_tree(u2 & b2, u2 ^ b2)
                und = undecided.reshape(ncls, -1)[:, idx]
                rf = r.reshape(ncls, -1)
                rf[:, idx] |= und & lt2
        for j in range(r.shape[0]):
            out |= r[j]

    def _half_sweep(self, colour: int) -> None:
        s = self.S[colour]
        self._spin_view = s
        cls = self._class_masks(self._anti(colour))
        flip = self._flip
        if cls.shape[0] == 0:
            s.bitwise_not_()
            return
        torch.bitwise_or(cls[0], cls[-1], out=flip)
        for j in range(1, cls.shape[0] - 1):
            flip |= cls[j]
        flip.bitwise_not_()  # classes with dE <= 0 always flip
        rows = s.shape[-2]
        per_row = max(1, s.numel() // rows)
        step = max(1, min(rows, self.chunk_words // per_row))
        for q0 in range(0, rows, step):
            self._accept(cls[..., q0:q0 + step, :], flip[..., q0:q0 + step, :])
        s ^= flip

    def sweep(self, n: int = 1) -> None:
        """``n`` full checkerboard sweeps (every spin of every chain gets one flip attempt per sweep)."""
        for _ in range(int(n)):
            self._half_sweep(0)
            self._half_sweep(1)

    def global_flip(self) -> None:
        """Flip every spin of a random half of the chains (an exact move of the h = 0 dynamics: dE = 0).

        Below Tc a local algorithm never tunnels between the +m and -m sectors on a finite run; this
        move makes the sign of m of each chain a fair coin, as the symmetric Hamiltonian demands.
        """
        if self.h != 0:
            raise InputError("global spin flips leave the distribution invariant only at h = 0")
        mask = torch.empty((1, 1, self.temperatures.size, self.words, 1, 1), dtype=torch.int64, device=self.device)
        mask.random_(INT64_MIN, INT64_MAX, generator=self.generator)
        self.S ^= mask

    # -- measurements ---------------------------------------------------------------------------
    def _popcount(self, x: torch.Tensor) -> torch.Tensor:
        """Number of set bits of each chain: x (..., nT, words, a, b) int64 -> (nT, chains) int64."""
        nT, W = self.temperatures.size, self.words
        lead = x.dim() - 4
        perm = (lead, lead + 1, *range(lead), lead + 2, lead + 3)
        return lane_counts(x.permute(perm).reshape(nT * W, -1), self._lut_for(x.device)).reshape(nT, W * 64)

    def _lut_for(self, device) -> torch.Tensor:
        if self._lut is None:
            self._lut = ((torch.arange(256, device=device).view(256, 1) >> torch.arange(8, device=device)) & 1).double()
        return self._lut

    def measure(self) -> tuple[np.ndarray, np.ndarray]:
        """Total energy E and magnetisation M of every chain: two (nT, chains) float64 arrays."""
        N = self.L * self.L
        up = self._popcount(self.S)
        anti = self._popcount(self._anti(0))  # the 4 bonds of every colour-0 site are all 2N bonds
        M = (2 * up - N).double()
        E = -self.J * (2 * N - 2 * anti).double() - self.h * M
        return E.cpu().numpy(), M.cpu().numpy()

    def spins(self, t: int | None = None) -> torch.Tensor:
        """The lattices as int8 +-1: (nT, chains, L, L), or (chains, L, L) of temperature index ``t``.

        Chain index = 64 * word + bit.
        """
        S = self.S if t is None else self.S[:, :, t:t + 1]
        nT, W, L, half = S.shape[2], self.words, self.L, self.L // 2
        v = S.contiguous().view(torch.uint8).view(2, 2, nT, W, half, half, 8)
        shifts = torch.arange(8, dtype=torch.uint8, device=self.device)
        bits = ((v.unsqueeze(-1) >> shifts) & 1).reshape(2, 2, nT, W, half, half, 64)
        bits = bits.permute(0, 1, 2, 3, 6, 4, 5).reshape(2, 2, nT, W * 64, half, half)
        out = torch.empty((nT, W * 64, L, L), dtype=torch.int8, device=self.device)
        for c in (0, 1):
            for p in (0, 1):
                x0 = p if c == 0 else 1 - p
                out[:, :, p::2, x0::2] = bits[c, p].to(torch.int8) * 2 - 1
        return out if t is None else out[0]

    def set_spins(self, spins: torch.Tensor) -> None:
        """Load lattices (nT, chains, L, L) of +-1 into the packed state (inverse of :meth:`spins`)."""
        nT, W, L, half = self.temperatures.size, self.words, self.L, self.L // 2
        if tuple(spins.shape) != (nT, 64 * W, L, L):
            raise InputError(f"set_spins: expected shape {(nT, 64 * W, L, L)}, got {tuple(spins.shape)}")
        bits = (spins.to(self.device) > 0).to(torch.int64).view(nT, W, 64, L, L)
        for c in (0, 1):
            for p in (0, 1):
                x0 = p if c == 0 else 1 - p
                b = bits[:, :, :, p::2, x0::2]  # (nT, W, 64, half, half)
                word = torch.zeros((nT, W, half, half), dtype=torch.int64, device=self.device)
                for i in range(64):
                    word |= b[:, :, i] << i
                self.S[c, p] = word
