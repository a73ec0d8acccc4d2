"""Exact results for the 2D Ising model on the square lattice (J > 0, h = 0, k_B = 1).

Three levels, all per site (intensive) and vectorised over temperature:

* :func:`onsager` -- the infinite lattice (Onsager 1944, Yang 1952): e(T), c(T), spontaneous m(T)
  and the free energy; ``TC`` = 2 / ln(1 + sqrt 2) for J = 1.
* :func:`finite_lattice` -- the exact partition function of an m x n periodic lattice (Kaufman 1949,
  in the form of Ferdinand & Fisher 1969, Phys. Rev. 185, 832): ln Z, e and c for any size and T.
* :func:`brute_force` -- exact sums over all 2^(m n) states for small lattices (m n <= 25), which
  also give <|m|>, <m^2>, <m^4>, the Binder cumulant and chi; it is what tests check the Kaufman
  formula against.

Conventions: periodic lattice, E = -J sum over nearest-neighbour bonds (each once, 2N bonds),
e = <E>/N, c = beta^2 Var(E)/N, chi = N (<m^2> - <|m|>^2)/T.

Numerics of :func:`finite_lattice`: ln Z is a signed log-sum of the four Kaufman terms (the fourth
changes sign at Tc), each a sum of ln(2 cosh x) / ln(2 sinh x) evaluated without overflow. e and c
come from analytic first and second K-derivatives (K = J/T) of every factor, written so that no
quantity is divided by the vanishing factor sinh(m gamma_0 / 2) at Tc. Against 50-digit arithmetic
(mpmath), relative errors of ln Z and e are ~1e-15; c is good to 1e-12 for L <= 256 and to ~1e-10 at
L = 1024-2048 (its variance form still multiplies weights good to N eps by O(L^2) numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import integrate, special

from scigen.errors import InputError

__all__ = [
    "TC", "critical_temperature", "Onsager", "onsager", "FiniteLattice", "finite_lattice",
    "BruteForce", "brute_force", "density_of_states",
]

TC = 2.0 / np.log1p(np.sqrt(2.0))  # 2.269185314213022 for J = 1


def critical_temperature(J: float = 1.0) -> float:
    """Tc = 2 J / ln(1 + sqrt 2) of the infinite square lattice."""
    return float(2.0 * abs(J) / np.log1p(np.sqrt(2.0)))


def _temps(T, what="T") -> np.ndarray:
    t = np.asarray(T, dtype=np.float64)
    if not np.all(np.isfinite(t)) or np.any(t <= 0):
        raise InputError(f"{what} must be finite and > 0 (temperatures in units of J/k_B), got {T!r}")
    return t


def _coupling(J) -> float:
    J = float(J)
    if not np.isfinite(J) or J <= 0:
        raise InputError(f"exact results need a ferromagnetic coupling J > 0, got J={J} (for J < 0 on an "
                         "even lattice, use |J|: the sublattice flip maps one onto the other)")
    return J


# ---------------------------------------------------------------------------------------------
# Infinite lattice
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Onsager:
    """Infinite-lattice values per site at temperatures T (arrays of T's shape).

    energy: e = <E>/N; specific_heat: c; magnetization: spontaneous m (0 above Tc);
    free_energy: f = -T ln Z / N.
    """

    T: np.ndarray
    energy: np.ndarray
    specific_heat: np.ndarray
    magnetization: np.ndarray
    free_energy: np.ndarray


def onsager(T, J: float = 1.0) -> Onsager:
    """Onsager's exact solution of the infinite square lattice at temperatures ``T`` (scalar or array).

    e = -J coth(2K) [1 + (2/pi) (2 tanh^2(2K) - 1) K1(q)],  q = 2 sinh(2K) / cosh^2(2K), K = J/T,
    c = (4/pi) (K coth 2K)^2 [K1(q) - E1(q) - (1 - tanh^2 2K)(pi/2 + (2 tanh^2 2K - 1) K1(q))],
    m = (1 - sinh(2K)^-4)^(1/8) below Tc (Yang 1952), and
    -f/T = ln(2 cosh 2K) + (1/pi) int_0^{pi/2} ln[(1 + sqrt(1 - q^2 sin^2 t)) / 2] dt,
    with K1, E1 the complete elliptic integrals of modulus q. c diverges (logarithmically) at Tc,
    where it is returned as inf.
    """
    J = _coupling(J)
    t = _temps(T)
    K = J / t
    s2, c2 = np.sinh(2 * K), np.cosh(2 * K)
    th2 = np.tanh(2 * K)
    q = np.minimum(2 * s2 / c2**2, 1.0)
    m_par = q * q
    at_tc = m_par >= 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        k1 = special.ellipk(np.where(at_tc, 0.5, m_par))
        e1 = special.ellipe(np.where(at_tc, 0.5, m_par))
        slope = 2 * th2**2 - 1
        kterm = np.where(at_tc, 0.0, slope * k1)
        energy = -J / th2 * (1 + (2 / np.pi) * kterm)
        heat = (4 / np.pi) * (K / th2) ** 2 * (k1 - e1 - (1 - th2**2) * (np.pi / 2 + kterm))
        heat = np.where(at_tc, np.inf, heat)
        mag = np.where(t < critical_temperature(J), np.clip(1 - s2 ** -4.0, 0, None) ** 0.125, 0.0)
    free = np.empty_like(t, dtype=np.float64)
    flat_q, flat_k, flat_f = q.ravel(), K.ravel(), free.reshape(-1)
    for i, (qi, ki) in enumerate(zip(flat_q, flat_k)):
        val, _ = integrate.quad(lambda th: np.log(0.5 * (1 + np.sqrt(max(1 - qi * qi * np.sin(th) ** 2, 0.0)))),
                                0.0, np.pi / 2, epsabs=1e-13, epsrel=1e-13, limit=200)
        flat_f[i] = np.log(2 * np.cosh(2 * ki)) + val / np.pi
    free = -t * free
    return Onsager(T=t, energy=energy, specific_heat=heat, magnetization=mag, free_energy=free)


# ---------------------------------------------------------------------------------------------
# Finite periodic lattice (Kaufman 1949, Ferdinand & Fisher 1969)
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FiniteLattice:
    """Exact values per site of a rows x cols periodic lattice at temperatures T.

    log_z: ln Z / N; energy: e = <E>/N; specific_heat: c = beta^2 Var(E)/N; free_energy: -T ln Z/N.
    """

    rows: int
    cols: int
    T: np.ndarray
    log_z: np.ndarray
    energy: np.ndarray
    specific_heat: np.ndarray

    @property
    def free_energy(self) -> np.ndarray:
        return -self.T * self.log_z


def _shape(L) -> tuple[int, int]:
    if np.ndim(L) == 0:
        rows = cols = int(L)
    else:
        if len(L) != 2:
            raise InputError(f"lattice size must be an int L or a pair (rows, cols), got {L!r}")
        rows, cols = (int(v) for v in L)
    if rows < 2 or cols < 2:
        raise InputError(f"lattice size must be at least 2 x 2, got {rows} x {cols}")
    return rows, cols


def _log2cosh(x):
    ax = np.abs(x)
    return ax + np.log1p(np.exp(-2 * ax))


def _log2sinh_abs(x):
    """ln|2 sinh x| (-inf at x = 0)."""
    ax = np.abs(x)
    with np.errstate(divide="ignore"):
        small = np.log(2 * np.sinh(np.minimum(ax, 1.0)))
    return np.where(ax < 1.0, small, ax + np.log1p(-np.exp(-2 * np.maximum(ax, 1.0))))


def finite_lattice(L, T, J: float = 1.0) -> FiniteLattice:
    """Exact ln Z, e and c per site of the periodic ``L`` x ``L`` (or (rows, cols)) lattice at ``T``.

    Z = (1/2) (2 sinh 2K)^(N/2) (Z1 + Z2 + Z3 + Z4), K = J/T, N = m n (m rows, n columns), with
    Z1 = prod_{r<n} 2 cosh(m g_{2r+1}/2), Z2 = prod 2 sinh(m g_{2r+1}/2),
    Z3 = prod_{r<n} 2 cosh(m g_{2r}/2),   Z4 = prod 2 sinh(m g_{2r}/2),
    cosh g_l = cosh 2K coth 2K - cos(pi l / n) (g_l > 0) for l >= 1 and g_0 = 2K + ln tanh K, which is
    negative above Tc (Z4 < 0 there). Accuracy: see the module docstring.

    Args:
        L: side length, or (rows, cols).
        T: temperature(s) > 0, scalar or array.
        J: coupling (> 0).
    """
    J = _coupling(J)
    m, n = _shape(L)
    t = _temps(T)
    K = (J / t).reshape(-1, 1)  # (nT, 1)
    N = m * n
    S, C = np.sinh(2 * K), np.cosh(2 * K)
    f = C * C / S
    f1 = 2 * C * (2 - (C / S) ** 2)
    f2 = 8 * S - 12 * C * C / S + 8 * C**4 / S**3

    ell = np.arange(2 * n)
    cosl = np.cos(np.pi * ell / n)
    arg = f - cosl  # (nT, 2n), > 1 for l >= 1
    g = np.arccosh(np.maximum(arg, 1.0))
    sg = np.sqrt(np.maximum(arg * arg - 1, 0.0))  # sinh g
    with np.errstate(divide="ignore", invalid="ignore"):
        g1 = f1 / sg
        g2 = (f2 - arg * g1 * g1) / sg
    g0 = 2 * K[:, 0] + np.log(np.tanh(K[:, 0]))
    g[:, 0] = g0
    g1[:, 0] = 2 + 2 / S[:, 0]
    g2[:, 0] = -4 * C[:, 0] / S[:, 0] ** 2
    x, x1, x2 = 0.5 * m * g, 0.5 * m * g1, 0.5 * m * g2

    odd, even = ell % 2 == 1, ell % 2 == 0
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        th, cth = np.tanh(x), 1.0 / np.tanh(x)
        sech2 = 1.0 / np.cosh(x) ** 2
        csch2 = 1.0 / np.sinh(x) ** 2
    lc = _log2cosh(x)
    ls = _log2sinh_abs(x)

    def cosh_term(mask):
        return (lc[:, mask].sum(1), (th * x1)[:, mask].sum(1),
                (sech2 * x1**2 + th * x2)[:, mask].sum(1))

    def sinh_term(mask):
        return (ls[:, mask].sum(1), (cth * x1)[:, mask].sum(1),
                (-csch2 * x1**2 + cth * x2)[:, mask].sum(1))

    l1, d1, dd1 = cosh_term(odd)
    l2, d2, dd2 = sinh_term(odd)
    l3, d3, dd3 = cosh_term(even)
    rest = even & (ell > 0)
    lp, dp, ddp = sinh_term(rest)  # P = prod over even l >= 2 of 2 sinh(x_l) > 0
    x0, x01, x02 = x[:, 0], x1[:, 0], x2[:, 0]
    l4 = lp + ls[:, 0]  # ln |Z4|
    sign4 = np.sign(x0)

    logs = np.stack([l1, l2, l3, l4])
    signs = np.stack([np.ones_like(l1), np.ones_like(l1), np.ones_like(l1), sign4])
    top = logs.max(axis=0)
    lsum = top + np.log(np.sum(signs * np.exp(logs - top), axis=0))  # > 0: Z1 + Z2 > |Z4|
    w = signs * np.exp(logs - lsum)  # Z_i / sum Z (w4 carries the sign of Z4)
    w4c = np.exp(lp + lc[:, 0] - lsum)  # P 2 cosh(x0) / sum Z
    w4 = w[3]
    # Derivatives of ln(sum Z) are taken for sum Z * exp(-D K) with D = d1: the second derivative is
    # unchanged, and the weights w (whose logs are differences of O(N) numbers, so they carry a
    # relative error ~N eps) then multiply only the small differences d_i - D, never D^2 ~ N^2.
    D = d1
    e1, e2, e3, ep = d1 - D, d2 - D, d3 - D, dp - D
    a = w[0] * e1 + w[1] * e2 + w[2] * e3 + (w4c * x01 + w4 * ep)
    b = (w[0] * (dd1 + e1**2) + w[1] * (dd2 + e2**2) + w[2] * (dd3 + e3**2)
         + w4 * x01**2 + w4c * x02 + 2 * w4c * x01 * ep + w4 * (ddp + ep**2))
    dz = D + a
    ddz_minus_dz2 = b - a * a
    Kf, Sf = K[:, 0], S[:, 0]
    log_z = np.log(0.5) + 0.5 * N * np.log(2 * Sf) + lsum
    dlog = N / np.tanh(2 * Kf) + dz
    ddlog = -2 * N / Sf**2 + ddz_minus_dz2
    shape = t.shape
    return FiniteLattice(rows=m, cols=n, T=t, log_z=(log_z / N).reshape(shape),
                         energy=(-J * dlog / N).reshape(shape),
                         specific_heat=(Kf**2 * ddlog / N).reshape(shape))


# ---------------------------------------------------------------------------------------------
# Brute force (small lattices)
# ---------------------------------------------------------------------------------------------

def density_of_states(L) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact joint density of states g(E, M) of a small periodic lattice by enumerating all states.

    Args:
        L: side, or (rows, cols), with rows * cols <= 25 (2^25 states; 4 x 4 takes milliseconds).

    Returns:
        (bond_sum, M, count): for every distinct pair, B = sum over bonds of s_i s_j (E = -J B - h M),
        the magnetisation M = sum s_i, and the number of states with them (int64).
    """
    m, n = _shape(L)
    N = m * n
    if N > 25:
        raise InputError(f"brute force enumerates 2^N states; {m} x {n} (N={N}) is too large (N <= 25)")
    idx = np.arange(N).reshape(m, n)
    right = np.stack([idx.ravel(), np.roll(idx, -1, axis=1).ravel()], 1)
    down = np.stack([idx.ravel(), np.roll(idx, -1, axis=0).ravel()], 1)
    bonds = np.concatenate([right, down])  # 2N bonds, each once (a 2-wide direction doubles up)
    counts = np.zeros((2 * N + 1, N + 1), dtype=np.int64)  # [anti-aligned bonds, up spins]
    chunk = 1 << 18
    for start in range(0, 1 << N, chunk):
        states = np.arange(start, min(start + chunk, 1 << N), dtype=np.int64)
        bits = ((states[None, :] >> np.arange(N)[:, None]) & 1).astype(np.int8)  # (N, chunk)
        up = bits.sum(0)
        anti = (bits[bonds[:, 0]] ^ bits[bonds[:, 1]]).sum(0)
        np.add.at(counts, (anti, up), 1)
    anti, up = np.nonzero(counts)
    return (2 * N - 2 * anti).astype(np.int64), (2 * up - N).astype(np.int64), counts[anti, up]


@dataclass(frozen=True)
class BruteForce(FiniteLattice):
    """Exact thermal averages per site of a small lattice at temperatures T (arrays of T's shape):
    the :class:`FiniteLattice` values plus the magnetisation moments, U4 and chi."""

    abs_magnetization: np.ndarray
    m2: np.ndarray
    m4: np.ndarray
    binder: np.ndarray
    susceptibility: np.ndarray


def brute_force(L, T, J: float = 1.0, h: float = 0.0) -> BruteForce:
    """Exact averages of a small periodic lattice (rows * cols <= 25) by summing over every state.

    Gives ln Z/N, e, c, <|m|>, <m^2>, <m^4>, U4 = 1 - <m^4>/(3 <m^2>^2) and
    chi = N (<m^2> - <|m|>^2)/T, with m = M/N. Any J (either sign) and field h.
    """
    m, n = _shape(L)
    N = m * n
    t = _temps(T)
    B, M, cnt = density_of_states((m, n))
    E = -float(J) * B - float(h) * M
    beta = (1.0 / t).reshape(-1, 1)
    expo = -beta * E[None, :] + np.log(cnt)[None, :]
    lz = special.logsumexp(expo, axis=1, keepdims=True)
    p = np.exp(expo - lz)  # (nT, states) probabilities
    mean = lambda v: (p * v[None, :]).sum(1)  # noqa: E731
    e1, e2 = mean(E), mean(E * E)
    mm = M / N
    am, m2, m4 = mean(np.abs(mm)), mean(mm**2), mean(mm**4)
    shape = t.shape
    r = lambda a: np.asarray(a).reshape(shape)  # noqa: E731
    return BruteForce(
        rows=m, cols=n, T=t, log_z=r(lz[:, 0] / N), energy=r(e1 / N),
        specific_heat=r(beta[:, 0] ** 2 * (e2 - e1**2) / N), abs_magnetization=r(am), m2=r(m2), m4=r(m4),
        binder=r(1 - m4 / (3 * m2**2)), susceptibility=r(N * (m2 - am**2) / t),
    )
