"""Angular power spectra P(l) for the convergence-map simulator.

A spectrum is a callable ``P(l) -> array`` (``l``: multipoles, any shape; ``P``: steradians, the
flat-sky convention ``<k(l) k*(l')> = (2 pi)^2 delta(l - l') P(l)``) with ``to_json() -> dict`` so a
sample set records what it was drawn from. Three kinds:

* :class:`LinearConvergenceSpectrum` (the default): the Limber integral of the *linear* matter power
  spectrum of a flat LCDM cosmology for sources on one redshift plane. Stated parameters
  ``Omega_m = 0.3, Omega_b = 0.05, h = 0.7, sigma_8 = 0.8, n_s = 0.96, z_s = 1``; transfer function of
  Bardeen, Bond, Kaiser & Szalay (1986) with the shape parameter of Sugiyama (1995); linear growth
  from the integral of Heath (1977). Linear theory only: it misses the non-linear boost, which
  multiplies the true spectrum by several at l of a few thousand, so it is a physically shaped
  default, not a precision model.
* :class:`PowerLawSpectrum`: ``P(l) = amplitude (l / l_pivot)^index``.
* :class:`TabulatedSpectrum`: a table of (l, P), interpolated in log-log; a text file with two
  columns ``l P`` works through :meth:`TabulatedSpectrum.from_file`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from scigen.errors import InputError, require_file

C_OVER_H0 = 2997.92458  # c / H0 in Mpc/h


def _trapz(y, x, axis=-1):
    return np.trapezoid(y, x, axis=axis)


class LinearConvergenceSpectrum:
    """Linear-theory convergence spectrum of flat LCDM for sources at redshift ``z_source``.

    ``P(l) = 9/4 Omega_m^2 (H0/c)^4 int_0^chi_s dchi ((chi_s - chi)/chi_s)^2 (1+z)^2 P_lin((l+1/2)/chi, z)``
    (Limber approximation, distances in Mpc/h). Tabulated on ``n_l`` log-spaced multipoles in
    ``[l_min, l_max]`` at construction (about 10 ms) and interpolated in log-log; beyond the table
    the end segments extend as power laws.
    """

    kind = "linear_lcdm_convergence"

    def __init__(self, omega_m: float = 0.3, omega_b: float = 0.05, h: float = 0.7, sigma8: float = 0.8,
                 n_s: float = 0.96, z_source: float = 1.0, l_min: float = 1.0, l_max: float = 1e6,
                 n_l: int = 400) -> None:
        for name, value in (("omega_m", omega_m), ("h", h), ("sigma8", sigma8), ("z_source", z_source)):
            if not (np.isfinite(value) and value > 0):
                raise InputError(f"LinearConvergenceSpectrum: {name} must be positive, got {value}")
        if not 0 <= omega_b < omega_m:
            raise InputError(f"LinearConvergenceSpectrum: need 0 <= omega_b < omega_m, got {omega_b}, {omega_m}")
        self.params = {"omega_m": float(omega_m), "omega_b": float(omega_b), "h": float(h),
                       "sigma8": float(sigma8), "n_s": float(n_s), "z_source": float(z_source)}
        self._log_l = np.linspace(np.log(l_min), np.log(l_max), int(n_l))
        self._log_p = np.log(self._tabulate(np.exp(self._log_l)))

    # --- cosmology --------------------------------------------------------------------------------
    def _e(self, z):
        om = self.params["omega_m"]
        return np.sqrt(om * (1 + z) ** 3 + 1 - om)

    def _growth(self, z):
        """Linear growth D(z) normalised to D(0) = 1 (Heath 1977, valid for LCDM)."""
        a_grid = np.geomspace(1e-6, 1.0, 4001)
        f = 1.0 / (a_grid * self._e(1 / a_grid - 1)) ** 3
        cum = np.concatenate([[0.0], np.cumsum(0.5 * (f[1:] + f[:-1]) * np.diff(a_grid))])
        unnorm = self._e(1 / a_grid - 1) * cum
        a = 1.0 / (1.0 + np.atleast_1d(np.asarray(z, dtype=np.float64)))
        return np.interp(a, a_grid, unnorm) / unnorm[-1]

    def _transfer(self, k):
        """BBKS transfer function; ``k`` in h/Mpc, Sugiyama's shape parameter."""
        om, ob, h = self.params["omega_m"], self.params["omega_b"], self.params["h"]
        gamma = om * h * np.exp(-ob * (1 + np.sqrt(2 * h) / om))
        q = k / gamma
        return (np.log1p(2.34 * q) / (2.34 * q)
                * (1 + 3.89 * q + (16.1 * q) ** 2 + (5.46 * q) ** 3 + (6.71 * q) ** 4) ** -0.25)

    def _p_lin0(self, k):
        """Linear matter power at z = 0, (Mpc/h)^3, normalised to sigma_8."""
        shape = lambda kk: kk ** self.params["n_s"] * self._transfer(kk) ** 2  # noqa: E731
        kk = np.logspace(-5, 2, 4000)
        x = kk * 8.0
        window = 3 * (np.sin(x) - x * np.cos(x)) / x ** 3
        sigma2 = _trapz(kk ** 3 * shape(kk) * window ** 2, np.log(kk)) / (2 * np.pi ** 2)
        return self.params["sigma8"] ** 2 / sigma2 * shape(k)

    def _tabulate(self, ell):
        zs = self.params["z_source"]
        z = np.linspace(0.0, zs, 2049)
        chi = C_OVER_H0 * np.concatenate([[0.0], np.cumsum(0.5 * (1 / self._e(z[1:]) + 1 / self._e(z[:-1]))
                                                            * np.diff(z))])
        chi_s = chi[-1]
        z, chi = z[1:], chi[1:]  # the integrand vanishes at chi = 0
        growth = self._growth(z)
        k = (ell[:, None] + 0.5) / chi[None, :]
        integrand = ((chi_s - chi) / chi_s) ** 2 * (1 + z) ** 2 * growth ** 2 * self._p_lin0(k)
        pref = 9.0 / 4.0 * self.params["omega_m"] ** 2 / C_OVER_H0 ** 4
        return pref * _trapz(integrand, chi, axis=1)

    def __call__(self, ell) -> np.ndarray:
        ell = np.asarray(ell, dtype=np.float64)
        out = np.zeros_like(ell)
        pos = ell > 0
        log_l = np.log(ell[pos])
        slope_lo = (self._log_p[1] - self._log_p[0]) / (self._log_l[1] - self._log_l[0])
        slope_hi = (self._log_p[-1] - self._log_p[-2]) / (self._log_l[-1] - self._log_l[-2])
        logp = np.interp(log_l, self._log_l, self._log_p)
        logp = np.where(log_l < self._log_l[0], self._log_p[0] + slope_lo * (log_l - self._log_l[0]), logp)
        logp = np.where(log_l > self._log_l[-1], self._log_p[-1] + slope_hi * (log_l - self._log_l[-1]), logp)
        out[pos] = np.exp(logp)
        return out

    def to_json(self) -> dict:
        return {"kind": self.kind, **self.params}

    def __repr__(self) -> str:
        return f"LinearConvergenceSpectrum({', '.join(f'{k}={v}' for k, v in self.params.items())})"


class PowerLawSpectrum:
    """``P(l) = amplitude * (l / l_pivot) ** index`` (steradians); ``P(0) = 0``."""

    kind = "power_law"

    def __init__(self, amplitude: float = 1e-9, index: float = -1.0, l_pivot: float = 1000.0) -> None:
        if not (amplitude > 0 and l_pivot > 0):
            raise InputError(f"PowerLawSpectrum: amplitude and l_pivot must be positive, got {amplitude}, {l_pivot}")
        self.amplitude, self.index, self.l_pivot = float(amplitude), float(index), float(l_pivot)

    def __call__(self, ell) -> np.ndarray:
        ell = np.asarray(ell, dtype=np.float64)
        safe = np.where(ell > 0, ell, 1.0)
        return np.where(ell > 0, self.amplitude * (safe / self.l_pivot) ** self.index, 0.0)

    def to_json(self) -> dict:
        return {"kind": self.kind, "amplitude": self.amplitude, "index": self.index, "l_pivot": self.l_pivot}

    def __repr__(self) -> str:
        return f"PowerLawSpectrum(amplitude={self.amplitude}, index={self.index}, l_pivot={self.l_pivot})"


class TabulatedSpectrum:
    """P(l) from a table, interpolated linearly in (log l, log P); zero at l = 0.

    Multipoles outside ``[l.min(), l.max()]`` are an error (the simulator needs the spectrum on
    every mode of the grid: from ``2 pi / fov`` up to ``sqrt(2) pi / pixel``).
    """

    kind = "table"

    def __init__(self, ell, power, source: str | None = None) -> None:
        ell = np.asarray(ell, dtype=np.float64).ravel()
        power = np.asarray(power, dtype=np.float64).ravel()
        where = f"spectrum table{f' {source!r}' if source else ''}"
        if ell.shape != power.shape or ell.size < 2:
            raise InputError(f"{where}: need two equal-length columns l and P with at least 2 rows")
        if np.any(ell <= 0) or np.any(power < 0) or not np.all(np.isfinite(power)):
            raise InputError(f"{where}: l must be > 0 and P >= 0 and finite")
        order = np.argsort(ell)
        self.ell, self.power, self.source = ell[order], power[order], source
        self._log_p = np.log(np.maximum(self.power, 1e-300))

    @classmethod
    def from_file(cls, path) -> "TabulatedSpectrum":
        """Two whitespace- or comma-separated columns ``l P`` (``#`` comments allowed)."""
        p = require_file(path, "power spectrum table")
        try:
            table = np.loadtxt(p, delimiter="," if p.suffix == ".csv" else None, ndmin=2)
        except ValueError as exc:
            raise InputError(f"power spectrum table '{p}': cannot read two numeric columns l, P ({exc})") from None
        if table.shape[1] < 2:
            raise InputError(f"power spectrum table '{p}': need two columns l, P; found {table.shape[1]}")
        return cls(table[:, 0], table[:, 1], source=str(p))

    def __call__(self, ell) -> np.ndarray:
        ell = np.asarray(ell, dtype=np.float64)
        pos = ell > 0
        lo, hi = self.ell[0], self.ell[-1]
        if np.any(pos & ((ell < lo * (1 - 1e-9)) | (ell > hi * (1 + 1e-9)))):
            raise InputError(
                f"spectrum table{f' {self.source!r}' if self.source else ''} covers l = {lo:g}..{hi:g} but "
                f"multipoles {ell[pos].min():g}..{ell[pos].max():g} are needed; extend the table"
            )
        out = np.zeros_like(ell)
        out[pos] = np.exp(np.interp(np.log(ell[pos]), np.log(self.ell), self._log_p))
        return out

    def to_json(self) -> dict:
        return {"kind": self.kind, "source": self.source, "l": self.ell.tolist(), "P": self.power.tolist()}

    def __repr__(self) -> str:
        return f"TabulatedSpectrum({self.ell.size} rows, l={self.ell[0]:g}..{self.ell[-1]:g})"


def spectrum_from_json(d: dict | str):
    """Rebuild a spectrum from its ``to_json()`` dict (or JSON text)."""
    d = json.loads(d) if isinstance(d, str) else dict(d)
    kind = d.pop("kind", None)
    if kind == LinearConvergenceSpectrum.kind:
        return LinearConvergenceSpectrum(**d)
    if kind == PowerLawSpectrum.kind:
        return PowerLawSpectrum(**d)
    if kind == TabulatedSpectrum.kind:
        return TabulatedSpectrum(d["l"], d["P"], source=d.get("source"))
    raise InputError(f"unknown spectrum kind {kind!r}; known: linear_lcdm_convergence, power_law, table")


def as_spectrum(spec):
    """Accept None (the default LCDM spectrum), a spectrum object, a callable, a JSON dict, or a file path."""
    if spec is None:
        return LinearConvergenceSpectrum()
    if isinstance(spec, dict):
        return spectrum_from_json(spec)
    if isinstance(spec, (str, Path)):
        return TabulatedSpectrum.from_file(spec)
    if callable(spec):
        return spec
    raise InputError(f"a spectrum must be a callable P(l), a dict, or a table file; got {type(spec).__name__}")


def spectrum_json(spec) -> dict:
    """``spec.to_json()`` where it exists, else a description of a plain callable."""
    if hasattr(spec, "to_json"):
        return spec.to_json()
    return {"kind": "callable", "name": getattr(spec, "__name__", repr(spec))}
