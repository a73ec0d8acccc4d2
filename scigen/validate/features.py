"""Feature matrices for the generic checks (classifier test, energy distance/MMD, marginals, memorisation).

A domain registers a feature function ``samples -> (N, d) float array`` when its stats module is
imported, e.g. per-map power spectrum and pixel-histogram summaries (astro), Morgan fingerprints or
descriptors (chem)::

    from scigen.validate.features import register_features
    register_features("chem", fingerprint_matrix)

A function that must see every set to encode them alike (one-hot levels and scales fixed by the
real set, as for tables) registers with ``joint=True``: it takes the list of sets (real first) and
returns one (n_i, d) matrix per set.

Without one, :func:`featurize` uses a default per kind of sample: numeric arrays are flattened
(evenly spaced components kept when there are more than ``max_dims``), strings become character
counts plus length, tables become their numeric columns (missing entries filled with the first set's
median, plus a missing-indicator column when every set has missing entries there: a complete
generated table must not be told apart from a real one by its gaps alone) and one-hot categories.
"""

from __future__ import annotations

import importlib
from typing import Callable, Sequence

import numpy as np

from scigen.errors import InputError
from scigen.validate.data import sample_kind

_FEATURES: dict[str, Callable] = {}
MAX_CATEGORIES = 20


def register_features(domain: str, fn: Callable, *, joint: bool = False) -> Callable:
    """Make ``fn`` the feature function of ``domain``'s generic checks. Returns fn.

    ``fn(samples) -> (N, d)`` per set, or with ``joint=True`` ``fn([real, fake, ...]) -> [(n_i, d), ...]``
    (marked by the attribute ``scigen_joint_features``, which :func:`featurize` honours).
    """
    if not callable(fn):
        raise InputError(f"register_features('{domain}', ...): the feature function must be callable")
    if joint:
        fn.scigen_joint_features = True
    _FEATURES[domain] = fn
    return fn


def features_for(domain: str | None) -> Callable | None:
    """The registered feature function of ``domain`` (importing its stats module), or None."""
    if domain is None:
        return None
    if domain not in _FEATURES:
        from scigen.validate.statistic import _DOMAIN_MODULES

        module = _DOMAIN_MODULES.get(domain)
        if module is not None:
            try:
                importlib.import_module(module)
            except ModuleNotFoundError:
                return None
    return _FEATURES.get(domain)


def featurize(sets: Sequence, *, features: Callable | None = None, max_dims: int = 256,
              names: Sequence[str] | None = None, standardise: bool = True) -> list[np.ndarray]:
    """Feature matrices (n_i, d) of several sample sets of one kind, built consistently.

    Args:
        sets: sample sets (arrays, string arrays or DataFrames); the first is the reference (real).
        features: ``samples -> (N, d)`` function applied to each set (or, when it carries
            ``scigen_joint_features``, one call on all sets); None uses the default above.
        max_dims: most components kept by the default features.
        names: for error messages (one per set).
        standardise: shift and scale every feature by the pooled mean and std of all sets; features
            constant over all sets are dropped.
    Returns:
        One float64 array per set, all with the same number of columns.
    """
    names = list(names or [f"set {i}" for i in range(len(sets))])
    if features is not None:
        joint = getattr(features, "scigen_joint_features", False)
        outputs = features(list(sets)) if joint else [features(s) for s in sets]
        if len(outputs) != len(sets):
            raise InputError(f"the feature function returned {len(outputs)} matrices for {len(sets)} sets")
        mats = []
        for s, out, name in zip(sets, outputs, names):
            f = np.asarray(out, dtype=np.float64)
            if f.ndim == 1:
                f = f[:, None]
            if f.ndim != 2 or f.shape[0] != _len(s):
                raise InputError(f"{name}: the feature function returned shape {f.shape}, expected (N, d) "
                                 f"with N={_len(s)}")
            mats.append(f)
        if len({m.shape[1] for m in mats}) > 1:
            raise InputError(f"the feature function gave {[m.shape[1] for m in mats]} columns for "
                             f"{', '.join(names)}; it must give the same d for every set")
    else:
        kind = sample_kind(sets[0])
        if kind == "array":
            mats = _flatten(sets, max_dims)
        elif kind == "strings":
            mats = _char_counts(sets, max_dims)
        else:
            mats = _table(sets)
    for m, name in zip(mats, names):
        if not np.isfinite(m).all():
            raise InputError(f"{name}: features contain NaN or inf; the feature function must give finite values")
    if standardise:
        pooled = np.vstack(mats)
        mean, std = pooled.mean(axis=0), pooled.std(axis=0)
        keep = std > 1e-12 * max(float(np.abs(pooled).max()), 1.0)
        mats = [(m[:, keep] - mean[keep]) / std[keep] for m in mats]
    return mats


def _len(s) -> int:
    return int(s.shape[0]) if hasattr(s, "shape") else len(s)


def _flatten(sets, max_dims: int) -> list[np.ndarray]:
    flat = [np.asarray(s).reshape(_len(s), -1) for s in sets]
    d = flat[0].shape[1]
    if d > max_dims:
        idx = np.unique(np.linspace(0, d - 1, max_dims).round().astype(int))
        flat = [f[:, idx] for f in flat]
    return [f.astype(np.float64) for f in flat]


def _char_counts(sets, max_dims: int) -> list[np.ndarray]:
    from collections import Counter

    total: Counter = Counter()
    for s in sets:
        for text in s:
            total.update(text)
    vocab = [c for c, _ in total.most_common(max(1, max_dims - 1))]
    where = {c: i for i, c in enumerate(vocab)}
    out = []
    for s in sets:
        m = np.zeros((len(s), len(vocab) + 1))
        for i, text in enumerate(s):
            for c in text:
                j = where.get(c)
                if j is not None:
                    m[i, j] += 1
            m[i, -1] = len(text)
        out.append(m)
    return out


def _table(sets) -> list[np.ndarray]:
    import pandas as pd

    ref = sets[0]
    blocks: list[list[np.ndarray]] = [[] for _ in sets]
    for col in ref.columns:
        if pd.api.types.is_bool_dtype(ref[col]) or pd.api.types.is_numeric_dtype(ref[col]):
            cols = [s[col].to_numpy(dtype=np.float64, na_value=np.nan) for s in sets]
            fill = np.nanmedian(cols[0]) if np.isfinite(cols[0]).any() else 0.0
            all_missing = all(np.isnan(c).any() for c in cols)
            for b, c in zip(blocks, cols):
                miss = np.isnan(c)
                b.append(np.where(miss, fill, c)[:, None])
                if all_missing:
                    b.append(miss.astype(np.float64)[:, None])
        else:
            values = [s[col].astype("object").where(s[col].notna(), "<missing>").astype(str) for s in sets]
            cats = list(pd.concat(values).value_counts().index[:MAX_CATEGORIES])
            for b, v in zip(blocks, values):
                arr = v.to_numpy()
                onehot = np.stack([arr == c for c in cats], axis=1).astype(np.float64)
                other = 1.0 - onehot.sum(axis=1, keepdims=True)
                b.append(onehot)
                if len(cats) == MAX_CATEGORIES:
                    b.append(other)
    return [np.hstack(b) if b else np.zeros((_len(s), 0)) for b, s in zip(blocks, sets)]
