"""Ising observables as pure functions of spin configurations, and their registration with scigen.validate.

Conventions: spins (N, L, L) of +-1 (int8 or any numeric dtype, numpy or torch), periodic, J = 1,
k_B = 1, m = M/L^2, e = E/L^2 with E = -sum over nearest-neighbour bonds (each once), and

    c   = beta^2 N Var(e)                = beta^2 Var(E)/N
    chi = N (<m^2> - <|m|>^2) / T
    U4  = 1 - <m^4> / (3 <m^2>^2)        (Binder cumulant; 2/3 ordered, 0 Gaussian)
    G(r) = <s(x) s(x + r e_a)>           averaged over sites, both axes a, and samples; G(0) = 1
    xi  = sqrt(F(0)/F(k_min) - 1) / (2 sin(k_min/2)),  k_min = 2 pi / L   (second-moment length;
          F(k) = <|sum_x s_x e^{i k.x}|^2> / N, averaged over the two axes; meaningful at T >= Tc,
          where xi/L -> 0.9050 at Tc (Salas & Sokal 2000); below Tc it grows beyond L)

The finite-L <|m|> is not Onsager's spontaneous m near Tc; compare with ``exact.brute_force`` or
Monte Carlo, never with ``exact.onsager`` there.

Registered statistics (domain "ising", one value per temperature group, condition = [T]):
``abs_magnetization``, ``magnetization_squared``, ``energy`` (means of per-sample values: the
validation suite uses their spread), ``specific_heat``, ``susceptibility``, ``binder_cumulant``,
``correlation_length`` (errors by a 32-block jackknife), ``correlation_function`` (curve, per-sample
curves), ``energy_histogram`` and ``magnetization_histogram`` (fractions per bin, bins fixed from the
real data's group by ``prepare`` and aligned to the lattice's allowed values; values outside the
real range are counted in the edge bins and reported as ``extra["fraction_outside"]``).

The generic checks of ``scigen validate`` (classifier two-sample test, energy distance, MMD,
memorisation nearness) see each configuration through :func:`configuration_features`: e, |m| and
the correlation G(r) at r = 1, 2, 4, ... L/2, all invariant under the global spin flip and the
lattice's translations. Raw flattened spins hide what matters (a classifier cannot learn the
Hamiltonian from 1,024 +-1 pixels with random signs and positions), so a generator whose energies
are many noise floors off still passed those checks on raw spins.
"""

from __future__ import annotations

import numpy as np

from scigen.errors import InputError
from scigen.ising.timeseries import jackknife
from scigen.validate.statistic import Statistic, StatValue, register

__all__ = [
    "as_spins", "magnetization", "energy_per_spin", "correlation_function", "structure_factors",
    "specific_heat", "susceptibility", "binder_cumulant", "correlation_length", "histogram_bins",
    "observables", "configuration_features", "STATISTICS",
]

_JACKKNIFE_BLOCKS = 32
_MAX_BINS = 40


def as_spins(samples) -> np.ndarray:
    """Spin configurations as an int8 numpy array (N, L, L), checking shape and values."""
    try:
        import torch

        if isinstance(samples, torch.Tensor):
            samples = samples.detach().cpu().numpy()
    except ImportError:  # pragma: no cover
        pass
    s = np.asarray(samples)
    if s.ndim == 2:
        s = s[None]
    if s.ndim != 3 or s.shape[1] != s.shape[2] or s.shape[1] < 2:
        raise InputError(f"Ising samples must have shape (N, L, L), got {s.shape}")
    if s.dtype != np.int8:
        if not np.all(np.isin(s, (-1, 1))):
            raise InputError("Ising samples must be spins +-1 (stored as int8); found other values. "
                             "Map {0, 1} spins with 2 * s - 1 and round generator outputs to +-1 first")
        s = s.astype(np.int8)
    return s


def _temperature(condition, what: str) -> float:
    if condition is None or np.size(condition) < 1:
        raise InputError(f"{what} needs the temperature of the group: the sample set must carry a "
                         "condition (N, 1) with T (scigen ising simulate writes it)")
    T = float(np.ravel(condition)[0])
    if not np.isfinite(T) or T <= 0:
        raise InputError(f"{what}: temperature must be > 0, got {T}")
    return T


def magnetization(spins) -> np.ndarray:
    """m = M / L^2 of each sample: (N, L, L) -> (N,) float64."""
    s = as_spins(spins)
    return s.reshape(len(s), -1).mean(axis=1, dtype=np.float64)


def energy_per_spin(spins, J: float = 1.0, h: float = 0.0) -> np.ndarray:
    """e = E / L^2 of each sample, E = -J sum_<ij> s_i s_j - h sum_i s_i: (N, L, L) -> (N,) float64."""
    s = as_spins(spins).astype(np.int16)
    bonds = (s * np.roll(s, -1, axis=2)).sum((1, 2)) + (s * np.roll(s, -1, axis=1)).sum((1, 2))
    N = s.shape[1] * s.shape[2]
    return (-J * bonds - h * s.sum((1, 2))) / N


def correlation_function(spins, batch: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Spin-spin correlation along the axes of each sample, via FFT.

    Returns:
        (r, G): r = 0..L/2 (lattice units), G (N, L/2 + 1) with G[:, r] the average over sites and
        both axes of s(x) s(x + r) for one sample (periodic). G[:, 0] = 1.
    """
    s = as_spins(spins)
    n, L, _ = s.shape
    half = L // 2
    out = np.empty((n, half + 1))
    for lo in range(0, n, batch):
        x = s[lo:lo + batch].astype(np.float64)
        fx = np.fft.rfft(x, axis=2)
        gx = np.fft.irfft(fx * np.conj(fx), n=L, axis=2).sum(axis=1)  # (b, L): sum_y sum_x s s(x+r)
        fy = np.fft.rfft(x, axis=1)
        gy = np.fft.irfft(fy * np.conj(fy), n=L, axis=1).sum(axis=2)
        out[lo:lo + batch] = 0.5 * (gx + gy)[:, : half + 1] / (L * L)
    return np.arange(half + 1, dtype=np.float64), out


def structure_factors(spins) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample F(0) = M^2 / N and F(k_min) = |sum_x s_x e^{i 2 pi x / L}|^2 / N (both axes averaged)."""
    s = as_spins(spins).astype(np.float64)
    n, L, _ = s.shape
    N = L * L
    f0 = s.sum((1, 2)) ** 2 / N
    phase = np.exp(2j * np.pi * np.arange(L) / L)
    ax = np.abs(np.einsum("nyx,x->n", s, phase)) ** 2
    ay = np.abs(np.einsum("nyx,y->n", s, phase)) ** 2
    return f0, 0.5 * (ax + ay) / N


def _xi(f0, f1, L):
    ratio = np.mean(f0) / max(np.mean(f1), 1e-300)
    return np.sqrt(max(ratio - 1.0, 0.0)) / (2 * np.sin(np.pi / L))


def specific_heat(spins, T: float, J: float = 1.0, h: float = 0.0):
    """c = beta^2 N Var(e) and its jackknife error."""
    e = energy_per_spin(spins, J, h)
    N = as_spins(spins).shape[1] ** 2
    return jackknife(lambda x: N * np.var(x, ddof=1) / T**2 if len(x) > 1 else 0.0, [e], _JACKKNIFE_BLOCKS)


def susceptibility(spins, T: float):
    """chi = N (<m^2> - <|m|>^2) / T and its jackknife error."""
    m = magnetization(spins)
    N = as_spins(spins).shape[1] ** 2
    return jackknife(lambda x: N * (np.mean(x * x) - np.mean(np.abs(x)) ** 2) / T, [m], _JACKKNIFE_BLOCKS)


def binder_cumulant(spins):
    """U4 = 1 - <m^4> / (3 <m^2>^2) and its jackknife error."""
    m = magnetization(spins)

    def u4(x):
        m2 = np.mean(x * x)
        return 1.0 - np.mean(x**4) / (3 * m2 * m2) if m2 > 0 else 0.0

    return jackknife(u4, [m], _JACKKNIFE_BLOCKS)


def correlation_length(spins):
    """Second-moment correlation length (lattice units) and its jackknife error."""
    f0, f1 = structure_factors(spins)
    L = as_spins(spins).shape[1]
    return jackknife(lambda a, b: _xi(a, b, L), [f0, f1], _JACKKNIFE_BLOCKS)


def histogram_bins(values: np.ndarray, spacing: float, max_bins: int = _MAX_BINS) -> np.ndarray:
    """Bin edges covering ``values``, each bin holding the same number of allowed values.

    ``spacing`` is the lattice's step between allowed values (4/N for e, 2/N for m), so no bin is
    systematically emptier than its neighbours; at most ``max_bins`` bins.
    """
    v = np.asarray(values, dtype=np.float64)
    lo, hi = float(v.min()), float(v.max())
    count = int(round((hi - lo) / spacing)) + 1
    group = max(1, int(np.ceil(count / max_bins)))
    nb = int(np.ceil(count / group))
    return lo - spacing / 2 + group * spacing * np.arange(nb + 1)


def _histogram(values: np.ndarray, edges: np.ndarray) -> StatValue:
    nb = len(edges) - 1
    idx = np.searchsorted(edges, values, side="right") - 1
    outside = float(np.mean((idx < 0) | (idx >= nb)))
    idx = np.clip(idx, 0, nb - 1)
    onehot = np.zeros((len(values), nb))
    onehot[np.arange(len(values)), idx] = 1.0
    centres = 0.5 * (edges[:-1] + edges[1:])
    return StatValue(value=onehot.mean(0), x=centres, per_sample=onehot,
                     extra={"fraction_outside": outside, "edges": edges.tolist()})


# --- registered statistics ---------------------------------------------------------------------

def _stat_abs_m(samples, condition=None):
    a = np.abs(magnetization(samples))
    return StatValue(value=a.mean(), per_sample=a)


def _stat_m2(samples, condition=None):
    m = magnetization(samples)
    return StatValue(value=np.mean(m * m), per_sample=m * m)


def _stat_energy(samples, condition=None):
    e = energy_per_spin(samples)
    return StatValue(value=e.mean(), per_sample=e)


def _stat_c(samples, condition=None):
    v, err = specific_heat(samples, _temperature(condition, "specific_heat"))
    return StatValue(value=v, error=err)


def _stat_chi(samples, condition=None):
    v, err = susceptibility(samples, _temperature(condition, "susceptibility"))
    return StatValue(value=v, error=err)


def _stat_u4(samples, condition=None):
    v, err = binder_cumulant(samples)
    return StatValue(value=v, error=err)


def _stat_xi(samples, condition=None):
    v, err = correlation_length(samples)
    return StatValue(value=v, error=err)


def _stat_g(samples, condition=None):
    r, g = correlation_function(samples)
    return StatValue(value=g.mean(0), x=r, per_sample=g)


def _prepare_e(samples, condition=None):
    s = as_spins(samples)
    return {"edges": histogram_bins(energy_per_spin(s), 4.0 / s.shape[1] ** 2)}


def _prepare_m(samples, condition=None):
    s = as_spins(samples)
    return {"edges": histogram_bins(magnetization(s), 2.0 / s.shape[1] ** 2)}


def _stat_e_hist(samples, condition=None, edges=None):
    e = energy_per_spin(samples)
    if edges is None:
        edges = histogram_bins(e, 4.0 / as_spins(samples).shape[1] ** 2)
    return _histogram(e, np.asarray(edges))


def _stat_m_hist(samples, condition=None, edges=None):
    m = magnetization(samples)
    if edges is None:
        edges = histogram_bins(m, 2.0 / as_spins(samples).shape[1] ** 2)
    return _histogram(m, np.asarray(edges))


STATISTICS = [
    Statistic("abs_magnetization", _stat_abs_m, kind="scalar", description="mean absolute magnetisation per spin",
              ylabel="<|m|>"),
    Statistic("magnetization_squared", _stat_m2, kind="scalar", description="mean squared magnetisation per spin",
              ylabel="<m^2>"),
    Statistic("energy", _stat_energy, kind="scalar", description="mean energy per spin (J = 1)", ylabel="e = E/N"),
    Statistic("specific_heat", _stat_c, kind="scalar", description="c = beta^2 Var(E)/N (jackknife error)",
              ylabel="c"),
    Statistic("susceptibility", _stat_chi, kind="scalar", description="chi = N (<m^2> - <|m|>^2)/T (jackknife error)",
              ylabel="chi"),
    Statistic("binder_cumulant", _stat_u4, kind="scalar", description="U4 = 1 - <m^4>/(3 <m^2>^2) (jackknife error)",
              ylabel="U4"),
    Statistic("correlation_length", _stat_xi, kind="scalar",
              description="second-moment correlation length in lattice units (jackknife error)", ylabel="xi"),
    Statistic("correlation_function", _stat_g, kind="curve",
              description="spin-spin correlation G(r) along the lattice axes (periodic)", xlabel="r", ylabel="G(r)"),
    Statistic("energy_histogram", _stat_e_hist, kind="histogram", prepare=_prepare_e,
              description="distribution of the energy per spin (bins from the real data)", xlabel="e = E/N",
              ylabel="fraction"),
    Statistic("magnetization_histogram", _stat_m_hist, kind="histogram", prepare=_prepare_m,
              description="distribution of the magnetisation per spin (bins from the real data)", xlabel="m = M/N",
              ylabel="fraction"),
]

for _stat in STATISTICS:
    register(_stat, domain="ising")


def configuration_features(spins) -> np.ndarray:
    """Per-sample physics features (N, 2 + k): e, |m| and G(r) at r = 1, 2, 4, ..., L/2 (k values).

    Invariant under the global spin flip and lattice translations; the generic checks' feature
    function for the "ising" domain.
    """
    s = as_spins(spins)
    _, g = correlation_function(s)
    half = g.shape[1] - 1
    rs = sorted({min(2**i, half) for i in range(int(np.log2(max(half, 1))) + 1)})
    return np.column_stack([energy_per_spin(s), np.abs(magnetization(s)), g[:, rs]])


def _register_features() -> None:
    from scigen.validate.features import register_features

    register_features("ising", configuration_features)


_register_features()


def observables(spins, T: float) -> dict[str, tuple[float, float]]:
    """All scalar observables of one temperature's samples: name -> (value, standard error).

    Means (|m|, m^2, e) use std / sqrt(n) (thinned samples are ~independent); variances and ratios
    (c, chi, U4, xi) use the block jackknife.
    """
    s = as_spins(spins)
    n = len(s)
    out = {}
    m = magnetization(s)
    e = energy_per_spin(s)
    se = lambda x: float(np.std(x, ddof=1) / np.sqrt(n)) if n > 1 else float("nan")  # noqa: E731
    out["abs_magnetization"] = (float(np.abs(m).mean()), se(np.abs(m)))
    out["magnetization_squared"] = (float(np.mean(m * m)), se(m * m))
    out["energy"] = (float(e.mean()), se(e))
    for name, (v, err) in (("specific_heat", specific_heat(s, T)), ("susceptibility", susceptibility(s, T)),
                           ("binder_cumulant", binder_cumulant(s)), ("correlation_length", correlation_length(s))):
        out[name] = (float(v), float(err))
    return out
