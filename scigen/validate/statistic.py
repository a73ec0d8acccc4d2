"""The statistic protocol and registry every domain adds its characteristic statistics to.

A :class:`Statistic` maps one sample set (one condition group of it: one temperature, one class) to
a :class:`StatValue` and says how far apart two such values are. ``scigen.validate.compare`` does
the rest: it computes the statistic on real and fake data and on two disjoint halves of the real data
(the noise floor) and gives the verdict.

Domains register theirs at import time of ``scigen.<domain>.stats``::

    from scigen.validate.statistic import Statistic, StatValue, register

    def mean_energy(spins, condition):           # spins (N, L, L) int8, condition (1,) = [T]
        e = energy_per_spin(spins)               # (N,)
        return StatValue(value=e.mean(), per_sample=e)

    register(Statistic("energy", mean_energy, kind="scalar", ylabel="e = E/N"), domain="ising")

A user can also pass a plain function ``f(samples) -> float | array``; :func:`as_statistic` wraps it.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np

from scigen.errors import InputError

KINDS = ("scalar", "curve", "histogram")


@dataclass
class StatValue:
    """A statistic's value on one sample set.

    Attributes:
        value: () for a scalar, (k,) for a curve or a histogram (densities on fixed bins).
        x: (k,) axis of a curve/histogram (bin centres, separations r, multipoles l), else None.
        per_sample: (N,) or (N, k) per-sample values whose mean over samples is ``value``, when the
            statistic is a mean of per-sample quantities; distances then use the spread between
            samples (covariance), never a test over correlated raw pixels.
        error: standard error of ``value`` (same shape), when the statistic knows it (blocking,
            jackknife, bootstrap), else None.
        n: number of samples it was computed from.
        extra: anything else worth reporting (JSON-serialisable).
    """

    value: np.ndarray
    x: np.ndarray | None = None
    per_sample: np.ndarray | None = None
    error: np.ndarray | None = None
    n: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.value = np.asarray(self.value, dtype=np.float64)
        if self.x is not None:
            self.x = np.asarray(self.x, dtype=np.float64)
        if self.per_sample is not None:
            self.per_sample = np.asarray(self.per_sample, dtype=np.float64)
            if not self.n:
                self.n = int(self.per_sample.shape[0])
        if self.error is not None:
            self.error = np.asarray(self.error, dtype=np.float64)


@dataclass(frozen=True)
class Statistic:
    """One characteristic statistic.

    Attributes:
        name: unique within its domain ("energy", "power_spectrum", "validity").
        compute: ``compute(samples, condition, **params) -> StatValue | float | array``; ``samples``
            is (N, ...) of one condition group, ``condition`` that group's (k,) condition or None.
        kind: "scalar", "curve" or "histogram" (decides the default distance and the plot).
        distance: ``distance(real, fake) -> float`` on two StatValues (asymmetric allowed: the first
            argument is the reference, e.g. its covariance is used); None picks the suite's default
            for ``kind``.
        tolerance: an absolute distance that always passes (for statistics with a physical bound),
            beside the noise-floor rule.
        prepare: optional ``prepare(real_samples, condition, *, train=None, attrs=None) -> dict``
            called once per group on the real data; its dict is passed to ``compute`` for every set
            in that group (real, its halves, fake) so bins, thresholds and scales are shared. It
            receives ``train`` (the training samples, for novelty-like statistics) and ``attrs``
            (the real set's attributes, e.g. a field of view) when its signature names them.
        group_by_condition: compute per condition group (per temperature/class), where ``condition``
            is that group's (k,) value; or on the whole set, where ``condition`` is the per-sample
            (N, k) condition (or the (N,) labels when grouping is by label).
        description, xlabel, ylabel: for the report.
    """

    name: str
    compute: Callable[..., Any]
    kind: str = "scalar"
    distance: Callable[[StatValue, StatValue], float] | None = None
    tolerance: float | None = None
    prepare: Callable[[np.ndarray, np.ndarray | None], dict] | None = None
    group_by_condition: bool = True
    description: str = ""
    xlabel: str = ""
    ylabel: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InputError(f"statistic '{self.name}': kind must be one of {KINDS}, got {self.kind!r}")
        if not callable(self.compute):
            raise InputError(f"statistic '{self.name}': compute must be callable")

    def evaluate(self, samples: np.ndarray, condition: np.ndarray | None = None, **params) -> StatValue:
        """Compute on one group and normalise the result to a :class:`StatValue`."""
        out = self.compute(samples, condition, **params)
        if not isinstance(out, StatValue):
            out = StatValue(value=np.asarray(out, dtype=np.float64))
        if not out.n:
            out.n = int(len(samples))
        if not np.all(np.isfinite(out.value)):
            raise InputError(
                f"statistic '{self.name}' is not finite on a set of {len(samples)} samples "
                "(NaN/inf in the samples, or too few samples for it)"
            )
        return out


_REGISTRY: dict[str, dict[str, Statistic]] = {}
_DOMAIN_MODULES = {"ising": "scigen.ising.stats", "astro": "scigen.astro.stats",
                   "chem": "scigen.chem.stats", "ehr": "scigen.ehr.stats", "generic": "scigen.validate.generic"}


def register(statistic: Statistic, domain: str) -> Statistic:
    """Add ``statistic`` to ``domain``'s registry (replacing one of the same name). Returns it."""
    _REGISTRY.setdefault(domain, {})[statistic.name] = statistic
    return statistic


def statistics_for(domain: str, names: Iterable[str] | None = None) -> list[Statistic]:
    """The registered statistics of ``domain`` (importing its stats module), optionally by name."""
    module = _DOMAIN_MODULES.get(domain)
    if module is not None and domain not in _REGISTRY:
        importlib.import_module(module)
    available = _REGISTRY.get(domain, {})
    if not available:
        known = ", ".join(sorted(set(_DOMAIN_MODULES) | set(_REGISTRY)))
        raise InputError(f"no statistics registered for domain '{domain}' (known domains: {known})")
    if names is None:
        return list(available.values())
    chosen = []
    for name in names:
        if name not in available:
            raise InputError(
                f"domain '{domain}' has no statistic '{name}'; available: {', '.join(sorted(available))}"
            )
        chosen.append(available[name])
    return chosen


def as_statistic(obj: Statistic | Callable, *, kind: str | None = None, name: str | None = None) -> Statistic:
    """Accept a :class:`Statistic` or a plain function ``f(samples) -> float | array``.

    A plain function gives a "scalar" statistic unless ``kind`` says otherwise; ``compare`` treats a
    scalar statistic whose value has several components as a curve. Its name is the function's name
    unless ``name`` is given.
    """
    if isinstance(obj, Statistic):
        return obj
    if not callable(obj):
        raise InputError(f"a statistic must be a Statistic or a function, got {type(obj).__name__}")
    n_params = len(inspect.signature(obj).parameters)
    fn = obj

    def compute(samples, condition, **params):
        return fn(samples, condition, **params) if n_params >= 2 else fn(samples)

    return Statistic(name=name or getattr(obj, "__name__", "statistic"), compute=compute, kind=kind or "scalar",
                     description=(inspect.getdoc(obj) or "").split("\n")[0])
