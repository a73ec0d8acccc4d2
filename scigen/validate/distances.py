"""Distances between two values of a statistic, and how each one scales with sample size.

Default distance by what the statistic provides (the first argument is the reference, the real data):

* ``per_sample`` values: a scalar gets ``|z| = |F - R| / (s_R sqrt(1/n_R + 1/n_F))``; a curve or
  histogram the chi-square per degree of freedom of F - R with the real data's covariance of the
  mean, ``C_R (1/n_R + 1/n_F)`` (shrunk, see below);
* ``error`` only: ``|F - R| / sqrt(e_R^2 + e_F^2)``, or per component summed and divided by k;
* neither: the relative difference ``|F - R| / |R|`` (relative L2 for curves).

``noise_scaling`` says how a distance's typical size under "same distribution" depends on the sample
sizes, which is how the noise floor measured on two halves of the real data is carried over to
real-vs-fake sizes (see :func:`size_correction`):

* ``"standardised"``: already divided by its standard error (|z|, chi-square per dof): its null
  distribution does not depend on the sizes; no correction.
* ``"se"``: scales like a standard error, ~ sqrt(1/n1 + 1/n2) (a plain difference, relative L2, KS,
  Wasserstein). The default for a user's distance function.
* ``"variance"``: scales like a variance, ~ (1/n1 + 1/n2) (squared distances: MMD^2, energy distance).

Covariance: per-sample values are standardised component by component, their correlation matrix
is shrunk toward the identity with the Ledoit-Wolf shrinkage (Ledoit & Wolf 2004), i.e. the
covariance is shrunk toward its diagonal; with fewer than ``2 k`` samples for ``k`` components the
diagonal alone is used. The covariance of the real group is estimated once and used for every
comparison in that group (real vs fake and the halves), so the noise floor and the distance are
measured with the same yardstick.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from scigen.validate.statistic import StatValue

SCALINGS = ("standardised", "se", "variance")
_ZERO = 1e-12  # relative size under which a component's spread counts as zero


def noise_scaling(scaling: str) -> Callable:
    """Decorator: declare how a distance function scales with sample size (see the module docstring).

    Example::

        @noise_scaling("variance")
        def mmd2(real, fake): ...
    """
    if scaling not in SCALINGS:
        raise ValueError(f"noise_scaling must be one of {SCALINGS}, got {scaling!r}")

    def mark(fn):
        fn.noise_scaling = scaling
        return fn

    return mark


def scaling_of(distance) -> str:
    """The declared ``noise_scaling`` of a distance function ("se" when it declares none)."""
    return getattr(distance, "noise_scaling", "se")


def size_correction(scaling: str, n_real: int, n_fake: int, n_a: int, n_b: int) -> float:
    """Factor turning a distance between sets of sizes ``n_a``, ``n_b`` into one for ``n_real``, ``n_fake``.

    ``sqrt((1/n_real + 1/n_fake) / (1/n_a + 1/n_b))`` for "se", its square for "variance", 1 for
    "standardised". Two real halves of N/2 against real N vs fake N give 1/sqrt(2).
    """
    if scaling == "standardised":
        return 1.0
    ratio = (1.0 / n_real + 1.0 / n_fake) / (1.0 / n_a + 1.0 / n_b)
    return float(ratio if scaling == "variance" else np.sqrt(ratio))


def _components(v: StatValue) -> np.ndarray:
    return np.atleast_1d(v.value).astype(np.float64).ravel()


def _rows(v: StatValue) -> int:
    if v.per_sample is not None:
        return int(v.per_sample.shape[0])
    return int(v.n or 1)


class _Precision:
    """Standardised, regularised inverse covariance of a reference's per-sample values (k components)."""

    def __init__(self, per_sample: np.ndarray) -> None:
        ps = per_sample.reshape(per_sample.shape[0], -1).astype(np.float64)
        n, k = ps.shape
        self.k = k
        std = ps.std(axis=0, ddof=1) if n > 1 else np.zeros(k)
        scale = np.max(std) if std.size and np.max(std) > 0 else 1.0
        self.live = std > _ZERO * scale  # components that vary across real samples
        self.std = std
        m = int(self.live.sum())
        self.method, self.shrinkage = "diagonal", 1.0
        self.inv = np.eye(m)
        if m > 1 and n >= 2 * m:
            from sklearn.covariance import ledoit_wolf

            z = (ps[:, self.live] - ps[:, self.live].mean(axis=0)) / std[self.live]
            cov, shrink = ledoit_wolf(z, assume_centered=True)
            w, vecs = np.linalg.eigh(cov)
            w = np.maximum(w, 1e-10 * w.max())
            self.inv = (vecs / w) @ vecs.T
            self.method, self.shrinkage = "ledoit-wolf", float(shrink)

    def chi2(self, d: np.ndarray, factor: float, other_ps: np.ndarray | None, n_other: int,
             tiny: np.ndarray | None = None) -> tuple[float, int]:
        """Chi-square of difference ``d`` whose covariance is (reference covariance) * ``factor``.

        Components constant over the reference use the other set's spread (or are exact: 0 / inf).
        """
        tiny = np.zeros_like(d) if tiny is None else tiny
        u = d[self.live] / self.std[self.live]
        total = float(u @ self.inv @ u) / factor if u.size else 0.0
        dead = ~self.live
        if dead.any():
            dd, tiny_dead = d[dead], tiny[dead]
            var = None
            if other_ps is not None and other_ps.shape[0] > 1:
                var = other_ps.reshape(other_ps.shape[0], -1)[:, dead].var(axis=0, ddof=1) / max(n_other, 1)
            for j, dj in enumerate(dd):
                if abs(dj) <= tiny_dead[j]:  # equal up to rounding
                    continue
                total += dj * dj / var[j] if var is not None and var[j] > 0 else np.inf
        return total, self.k


class DefaultDistance:
    """The suite's default distance for one statistic in one group, bound to the real group's value.

    ``name`` is what the report shows ("|z|", "chi2/dof", "relative L2"); ``noise_scaling`` as above.
    """

    def __init__(self, kind: str, reference: StatValue) -> None:
        self.kind = kind
        self.scalar = kind == "scalar" and _components(reference).size == 1
        self.precision = _Precision(reference.per_sample) if reference.per_sample is not None else None
        if self.precision is not None:
            self.mode = "per_sample"
        elif reference.error is not None:
            self.mode = "error"
        else:
            self.mode = "relative"
        self.noise_scaling = "se" if self.mode == "relative" else "standardised"
        if self.mode == "relative":
            self.name = "relative difference" if self.scalar else "relative L2"
        else:
            self.name = "|z|" if self.scalar else "chi2/dof"

    def describe(self) -> dict:
        out = {"name": self.name, "mode": self.mode, "noise_scaling": self.noise_scaling}
        if self.precision is not None and not self.scalar:
            out.update(covariance=self.precision.method, shrinkage=self.precision.shrinkage)
        return out

    def __call__(self, a: StatValue, b: StatValue) -> float:
        va, vb = _components(a), _components(b)
        if va.shape != vb.shape:
            raise ValueError(f"the two values have {va.size} and {vb.size} components; a curve must be "
                             "computed on the same x-axis for every set (share bins via prepare)")
        d = vb - va
        tiny = 1e-12 * (np.abs(va) + np.abs(vb))  # differences below this are rounding
        if self.mode == "per_sample":
            na, nb = _rows(a), _rows(b)
            chi2, k = self.precision.chi2(d, 1.0 / na + 1.0 / nb, b.per_sample, nb, tiny)
        elif self.mode == "error":
            ea = np.broadcast_to(np.asarray(a.error if a.error is not None else 0.0, float), va.shape).ravel()
            eb = np.broadcast_to(np.asarray(b.error if b.error is not None else 0.0, float), vb.shape).ravel()
            var = ea**2 + eb**2
            with np.errstate(divide="ignore", invalid="ignore"):
                terms = np.where(np.abs(d) <= tiny, 0.0, np.where(var > 0, d * d / np.where(var > 0, var, 1.0), np.inf))
            chi2, k = float(terms.sum()), d.size
        else:
            norm = float(np.linalg.norm(va))
            return float(np.linalg.norm(d) / norm) if norm > 0 else float(np.linalg.norm(d))
        return float(np.sqrt(chi2)) if self.scalar else chi2 / k


def default_distance(kind: str, reference: StatValue) -> DefaultDistance:
    """The default distance for a statistic of ``kind`` whose real-data value is ``reference``."""
    return DefaultDistance(kind, reference)


@noise_scaling("standardised")
def z_score(real: StatValue, fake: StatValue) -> float:
    """|fake - real| in standard errors (per-sample spread of ``real``, or the two ``error`` s)."""
    return DefaultDistance("scalar", real)(real, fake)


@noise_scaling("standardised")
def chi2_per_dof(real: StatValue, fake: StatValue) -> float:
    """Chi-square per component of fake - real with the real data's (shrunk) covariance of the mean."""
    return DefaultDistance("curve", real)(real, fake)


@noise_scaling("se")
def relative_l2(real: StatValue, fake: StatValue) -> float:
    """||fake - real|| / ||real|| (absolute ||fake - real|| when real is all zeros)."""
    d = _components(fake) - _components(real)
    norm = float(np.linalg.norm(_components(real)))
    return float(np.linalg.norm(d) / norm) if norm > 0 else float(np.linalg.norm(d))
