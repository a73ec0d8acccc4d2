"""The noise floor's resampling: how the real group is split, and how a statistic is evaluated on a part.

:func:`real_splits` gives the index pairs (disjoint halves, stratified by condition when asked, or
bootstrap resamples of the real and fake sizes); :func:`part_evaluator` evaluates a statistic on one
part, reusing per-sample values when the statistic is their mean. :func:`scigen.validate.compare`
turns the distances between the parts into the floor.
"""

from __future__ import annotations

import numpy as np

from scigen.validate.data import n_samples, take
from scigen.validate.statistic import Statistic, StatValue


def real_splits(n_real: int, n_fake: int, method: str, n_splits: int, rng, strata=None):
    """Index pairs (a, b) into the real group: disjoint halves (stratified) or bootstrap resamples."""
    out = []
    for _ in range(n_splits):
        if method == "bootstrap":
            out.append((rng.integers(0, n_real, n_real), rng.integers(0, n_real, n_fake)))
            continue
        if strata:
            a, b = [], []
            for idx in strata.values():
                p = rng.permutation(idx)
                h = len(p) // 2
                a.append(p[:h])
                b.append(p[h:])
            out.append((np.sort(np.concatenate(a)), np.sort(np.concatenate(b))))
        else:
            p = rng.permutation(n_real)
            h = n_real // 2
            out.append((np.sort(p[:h]), np.sort(p[h:])))
    return out


def part_evaluator(stat: Statistic, ref: StatValue, samples, cond, whole: bool, params: dict):
    """``index -> StatValue`` on a part of the real group. When the statistic is the mean of its
    per-sample values (one row per sample, default distance), a part's value is the mean of those
    rows, so the statistic is not recomputed; otherwise it is evaluated on the part."""
    ps = ref.per_sample
    n = n_samples(samples)
    if (stat.distance is None and ps is not None and ps.shape[0] == n and ref.n == n
            and ps[0].size == np.size(ref.value)):
        mean = ps.mean(axis=0).reshape(np.shape(ref.value))
        scale = max(float(np.max(np.abs(ref.value))), 1e-300)
        if np.allclose(mean, ref.value, rtol=1e-9, atol=1e-12 * scale):
            return lambda idx: StatValue(value=ps[idx].mean(axis=0).reshape(np.shape(ref.value)), x=ref.x,
                                         per_sample=ps[idx], n=len(idx))

    def evaluate(idx):
        c = cond[idx] if whole and cond is not None else cond
        return stat.evaluate(take(samples, idx), c, **params)

    return evaluate
