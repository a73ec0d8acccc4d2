"""Generic statistics for numeric samples of no particular domain (registered as domain "generic").

Each sample is flattened to a vector of D components (a table's numeric columns). All three are
means over samples of per-sample quantities, so their distances use the spread between samples
(chi-square with the real data's covariance), whatever the correlations inside a sample:

* ``mean``: mean of each component (at most 64, evenly spaced when D is larger);
* ``std``: standard deviation of each component; its per-sample values are the influence-function
  pseudo-values s + ((x - mean)^2 - s^2) / (2 s), whose mean is s and whose covariance / N is the
  delta-method covariance of s;
* ``value_histogram``: each sample's histogram of its own component values (fraction per bin, bins
  set on the real data, the outer bins open-ended), averaged over samples. For maps this is the
  pixel histogram computed per map, the version that respects the correlations between pixels.

Multivariate structure (correlations between components) is the job of the generic checks (energy
distance, MMD, classifier test), which every domain gets too.
"""

from __future__ import annotations

import numpy as np

from scigen.errors import InputError
from scigen.validate.data import sample_kind
from scigen.validate.statistic import Statistic, StatValue, register

MAX_COMPONENTS = 64
N_BINS = 25
MAX_CATEGORIES = 20


def numeric_matrix(samples) -> tuple[np.ndarray, list[str] | None]:
    """Samples as an (N, D) float matrix: arrays flattened, a table's numeric columns (with names)."""
    kind = sample_kind(samples)
    if kind == "strings":
        raise InputError("generic statistics need numeric samples, got strings; for SMILES use domain 'chem'")
    if kind == "table":
        num = samples.select_dtypes(include=["number", "bool"])
        if num.shape[1] == 0:
            raise InputError("generic statistics need numeric columns; this table has none (use domain 'ehr')")
        mat = num.to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isnan(mat).any():
            raise InputError("generic statistics need complete numeric data; the table has missing entries "
                             "(use domain 'ehr', whose statistics handle missingness)")
        return mat, [str(c) for c in num.columns]
    arr = np.asarray(samples)
    return arr.reshape(arr.shape[0], -1).astype(np.float64), None


def _components(real, condition=None) -> dict:
    mat, names = numeric_matrix(real)
    d = mat.shape[1]
    idx = np.arange(d) if d <= MAX_COMPONENTS else np.unique(np.linspace(0, d - 1, MAX_COMPONENTS).round().astype(int))
    return {"index": idx, "names": None if names is None else [names[i] for i in idx]}


def _mean(samples, condition, index, names):
    mat = numeric_matrix(samples)[0][:, index]
    return StatValue(value=mat.mean(axis=0), x=index, per_sample=mat,
                     extra={"x_names": names} if names else {})


def _std(samples, condition, index, names):
    mat = numeric_matrix(samples)[0][:, index]
    dev = mat - mat.mean(axis=0)
    s = np.sqrt(np.mean(dev**2, axis=0))
    safe = np.where(s > 0, s, 1.0)
    pseudo = np.where(s > 0, s + (dev**2 - s**2) / (2 * safe), 0.0)
    return StatValue(value=s, x=index, per_sample=pseudo, extra={"x_names": names} if names else {})


def _hist_prepare(real, condition=None) -> dict:
    from scigen.validate.comparison import NotApplicable

    if sample_kind(real) == "table":
        raise NotApplicable("a histogram pooled over table columns of different meaning says nothing; "
                            "per-column distributions are the 'marginals' check (and the ehr domain)")
    values = numeric_matrix(real)[0].ravel()
    uniq = np.unique(values)
    if uniq.size <= MAX_CATEGORIES:  # discrete values (spins, counts): one bin per value
        return {"categories": uniq, "edges": None}
    lo, hi = np.quantile(values, [0.005, 0.995])
    if hi <= lo:
        lo, hi = float(values.min()), float(values.max())
    return {"categories": None, "edges": np.linspace(lo, hi, N_BINS + 1)}


def _hist(samples, condition, categories, edges):
    mat = numeric_matrix(samples)[0]
    n, d = mat.shape
    if categories is not None:
        nb = categories.size + 1  # the last bin: values the real data never took
        pos = np.searchsorted(categories, mat)
        hit = (pos < categories.size) & (categories[np.minimum(pos, categories.size - 1)] == mat)
        bins = np.where(hit, pos, categories.size)
        x = np.r_[categories, categories.max() + 1.0]
    else:
        nb = len(edges) - 1
        bins = np.clip(np.searchsorted(edges, mat, side="right") - 1, 0, nb - 1)  # outer bins open-ended
        x = 0.5 * (edges[1:] + edges[:-1])
    counts = np.bincount((np.arange(n)[:, None] * nb + bins).ravel(), minlength=n * nb).reshape(n, nb)
    frac = counts / d
    return StatValue(value=frac.mean(axis=0), x=x, per_sample=frac)


MEAN = register(Statistic(
    "mean", _mean, kind="curve", prepare=_components, xlabel="component (flattened index)", ylabel="mean",
    description="Mean of each component over samples (at most 64 components, evenly spaced)"), domain="generic")
STD = register(Statistic(
    "std", _std, kind="curve", prepare=_components, xlabel="component (flattened index)",
    ylabel="standard deviation",
    description="Standard deviation of each component over samples"), domain="generic")
VALUE_HISTOGRAM = register(Statistic(
    "value_histogram", _hist, kind="histogram", prepare=_hist_prepare, xlabel="value",
    ylabel="fraction of a sample's components",
    description="Histogram of each sample's component values, averaged over samples "
                "(bins from the real data; outer bins open-ended)"), domain="generic")
