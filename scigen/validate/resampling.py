"""Error bars for statistics that are not plain means of per-sample quantities.

A statistic like the specific heat C = L^2 var(e) / T^2 or the Binder cumulant is a smooth function
of per-sample values. :func:`jackknife` turns it into a :class:`StatValue` whose ``per_sample``
holds delete-one-block jackknife pseudo-values: their mean is the bias-corrected estimate and their
spread gives the jackknife standard error, so the suite's default distances (|z|, chi-square) and
noise floor work as for any per-sample mean::

    def specific_heat(spins, condition):
        e = energy_per_spin(spins)                     # (N,)
        T = condition[0]
        return jackknife(e, lambda blk: spins[0].size * blk.var() / T**2)
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from scigen.validate.statistic import StatValue


def jackknife(values, estimator: Callable[[np.ndarray], float | np.ndarray], n_blocks: int = 20) -> StatValue:
    """Delete-one-block jackknife of ``estimator`` over the per-sample ``values``.

    Args:
        values: (N, ...) per-sample quantities, in sample order; consecutive samples form a block,
            so correlated neighbours (a Markov chain) stay together.
        estimator: maps a subset of rows of ``values`` to a scalar or a (k,) array.
        n_blocks: number of blocks (at most N).
    Returns:
        StatValue with value = mean of the pseudo-values (bias-corrected), per_sample = the
        (n_blocks, ...) pseudo-values, error = jackknife standard error, n = N, and
        extra["estimate"] = estimator(values) on all samples.
    """
    values = np.asarray(values)
    n = values.shape[0]
    nb = int(max(2, min(n_blocks, n)))
    edges = np.linspace(0, n, nb + 1).round().astype(int)
    full = np.asarray(estimator(values), dtype=np.float64)
    leave = np.stack([np.asarray(estimator(np.concatenate([values[:edges[i]], values[edges[i + 1]:]])),
                                 dtype=np.float64) for i in range(nb)])
    pseudo = nb * full - (nb - 1) * leave
    error = pseudo.std(axis=0, ddof=1) / np.sqrt(nb)
    return StatValue(value=pseudo.mean(axis=0), per_sample=pseudo, error=error, n=n,
                     extra={"estimate": full.tolist() if full.ndim else float(full), "jackknife_blocks": nb})
