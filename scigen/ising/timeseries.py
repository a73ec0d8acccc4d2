"""Monte Carlo time series: autocorrelation, integrated autocorrelation time, burn-in, error bars.

Everything here is plain numpy and domain-free; the Ising simulator uses it to decide burn-in and
thinning, and the observables use its jackknife for the errors of variances (c, chi, U4).

Conventions (Sokal 1997, "Monte Carlo methods in statistical mechanics", Cargese lectures):

* normalised autocorrelation rho(t) = C(t) / C(0), C(t) the autocovariance at lag t (in sweeps);
* integrated autocorrelation time tau_int = 1/2 + sum_{t>=1} rho(t), so uncorrelated data has
  tau_int = 0.5 and the variance of a mean of n correlated measurements is 2 tau_int Var(x) / n;
* the sum is cut at the first window W with W >= c * tau_int(W) (automatic windowing, c = 5;
  Madras & Sokal 1988), and the error of tau_int is tau * sqrt(2 (2W + 1) / n).

Several independent chains (``x`` of shape (chains, n)) share one autocovariance: the chains'
products are pooled about the common mean, which is what makes 64 short chains as good as one long
one for tau.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from scigen.errors import InputError

__all__ = [
    "TauResult", "autocorrelation", "integrated_time", "mser_burn_in", "blocking_error", "jackknife",
]


def _as_chains(x, what: str) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2:
        raise InputError(f"{what}: expected a series (n,) or chains (chains, n), got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise InputError(f"{what}: the series contains NaN or inf")
    return a


def autocorrelation(x, max_lag: int | None = None) -> np.ndarray:
    """Normalised autocorrelation rho(t), t = 0..max_lag, of a series (n,) or chains (chains, n).

    The autocovariance at lag t is the mean of (x_i - xbar)(x_{i+t} - xbar) over all pairs of all
    chains (the unbiased 1/(n - t) normalisation), computed with FFTs in O(n log n). A constant
    series (no fluctuation at all, e.g. a frozen lattice at very low T) gets rho = (1, 0, 0, ...):
    there is nothing to decorrelate, so tau_int = 0.5.
    """
    a = _as_chains(x, "autocorrelation")
    chains, n = a.shape
    max_lag = n - 1 if max_lag is None else int(min(max_lag, n - 1))
    d = a - a.mean()
    size = 1 << int(np.ceil(np.log2(2 * n)))
    f = np.fft.rfft(d, n=size, axis=1)
    acov = np.fft.irfft(f * np.conj(f), n=size, axis=1)[:, : max_lag + 1].sum(axis=0)
    acov /= chains * (n - np.arange(max_lag + 1))
    if np.ptp(a) == 0 or acov[0] <= 0:
        out = np.zeros(max_lag + 1)
        out[0] = 1.0
        return out
    return acov / acov[0]


@dataclass(frozen=True)
class TauResult:
    """Integrated autocorrelation time of one observable.

    Attributes:
        tau: tau_int in units of the series' step (sweeps), Sokal convention (0.5 = uncorrelated).
        error: its statistical error (Madras-Sokal formula).
        window: the summation window W chosen by the automatic rule.
        n: total number of measurements used (chains x length).
        reliable: the series is long enough for the estimate: each chain is at least 25 tau long,
            the window fitted inside the series and the relative error is below 25%. Otherwise tau
            is at best a lower bound: a series much shorter than the true tau underestimates it.
    """

    tau: float
    error: float
    window: int
    n: int
    reliable: bool


def integrated_time(x, c: float = 5.0) -> TauResult:
    """tau_int of a series (n,) or of several chains (chains, n) with Sokal's automatic window.

    Args:
        x: measurements, one per sweep (or per any fixed unit of Monte Carlo time).
        c: window constant; the window is the smallest W with W >= c tau_int(W). 5 is the usual choice
            for roughly exponential decay (Sokal); larger c trades bias for noise.
    """
    a = _as_chains(x, "integrated_time")
    chains, n = a.shape
    if n < 4:
        raise InputError(f"integrated_time: a series of {n} measurements is too short (need >= 4)")
    rho = autocorrelation(a)
    taus = 0.5 + np.cumsum(rho[1:])  # tau(W) for W = 1..n-1
    w = np.arange(1, n)
    ok = np.nonzero(w >= c * taus)[0]
    if ok.size:
        window = int(w[ok[0]])
        fits = True
    else:  # never satisfied: the series is too short; report the largest sum as a lower bound
        window = int(np.argmax(taus)) + 1
        fits = False
    tau = float(max(taus[window - 1], 0.5)) if n > 1 else 0.5
    total = chains * n
    error = tau * float(np.sqrt(2.0 * (2 * window + 1) / total))
    reliable = fits and n >= 25 * tau and error <= 0.25 * tau
    return TauResult(tau=tau, error=error, window=window, n=total, reliable=bool(reliable))


def mser_burn_in(y, batch: int = 5) -> int:
    """Burn-in by the MSER-``batch`` rule (White 1997): the truncation point d minimising the squared
    standard error of the mean of what remains, sum_{i>=d} (y_i - ybar_d)^2 / (n - d)^2.

    Args:
        y: one series (n,), e.g. the energy averaged over many chains at each sweep (averaging over
            chains makes the initial transient stand out of the noise).
        batch: series is averaged in batches of this many steps first (MSER-5).

    Returns:
        the number of initial steps to discard (a multiple of ``batch``, at most half the series).
    """
    a = np.asarray(y, dtype=np.float64).ravel()
    nb = a.size // batch
    if nb < 4:
        return 0
    z = a[: nb * batch].reshape(nb, batch).mean(axis=1)
    # suffix sums give every truncation's mean and sum of squares in O(n)
    rev = z[::-1]
    cnt = np.arange(1, nb + 1)
    s1 = np.cumsum(rev)[::-1]
    s2 = np.cumsum(rev * rev)[::-1]
    m = cnt[::-1]
    ss = np.maximum(s2 - s1 * s1 / m, 0.0)
    stat = ss / (m.astype(np.float64) ** 2)
    half = nb // 2
    return int(np.argmin(stat[: half + 1])) * batch


def blocking_error(x) -> tuple[float, float, int]:
    """Mean and its standard error for one correlated series, by automatic blocking.

    Flyvbjerg-Petersen blocking (pairs averaged level by level), with the level chosen by Jonsson's
    automatic test (Phys. Rev. E 98, 043304 (2018)): the first level from which the remaining lag-1
    autocovariances are consistent with zero at the 99% level. The series is truncated to a power of
    two (the most recent measurements are kept).

    Returns:
        (mean, error, block size in steps).
    """
    a = np.asarray(x, dtype=np.float64).ravel()
    if a.size < 8:
        raise InputError(f"blocking_error: {a.size} measurements are too few (need >= 8)")
    d = int(np.floor(np.log2(a.size)))
    a = a[a.size - (1 << d):]
    mean = float(a.mean())
    s = np.zeros(d)
    gamma = np.zeros(d)
    sizes = np.zeros(d, dtype=np.int64)
    cur = a.copy()
    for i in range(d):
        n = cur.size
        sizes[i] = n
        dev = cur - cur.mean()
        s[i] = dev @ dev / n
        gamma[i] = (dev[:-1] @ dev[1:]) / n if n > 1 else 0.0
        cur = 0.5 * (cur[0::2] + cur[1::2]) if n > 1 else cur
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(s > 0, sizes * (gamma / np.where(s > 0, s, 1.0)) ** 2, 0.0)
    m = np.cumsum(terms[::-1])[::-1]
    from scipy.stats import chi2

    q = chi2.ppf(0.99, np.arange(1, d + 1))  # q[k] is the quantile for k+1 degrees of freedom
    level = d - 1
    for k in range(d):
        if m[k] < q[d - k - 1]:
            level = k
            break
    err = float(np.sqrt(s[level] / sizes[level])) if sizes[level] > 0 else float("nan")
    return mean, err, int(1 << level)


def jackknife(fn: Callable[..., float | np.ndarray], arrays: Sequence[np.ndarray], n_blocks: int = 32):
    """Delete-one-block jackknife of a statistic computed from per-sample arrays.

    Args:
        fn: ``fn(*subarrays) -> float or array``, e.g. a variance or a ratio of means.
        arrays: arrays with the same leading length n (per-sample values, in sample order).
        n_blocks: number of contiguous blocks (at most n); blocks absorb residual correlation between
            neighbouring samples.

    Returns:
        (value on all samples, jackknife standard error) with the shape of ``fn``'s output.
    """
    arrays = [np.asarray(a) for a in arrays]
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise InputError("jackknife: all arrays must have the same number of samples")
    full = np.asarray(fn(*arrays), dtype=np.float64)
    nb = int(min(n_blocks, n))
    if nb < 2:
        return full, np.full_like(full, np.nan)
    edges = np.linspace(0, n, nb + 1).astype(int)
    reps = []
    for b in range(nb):
        keep = np.r_[0:edges[b], edges[b + 1]:n]
        reps.append(np.asarray(fn(*[a[keep] for a in arrays]), dtype=np.float64))
    reps = np.stack(reps)
    err = np.sqrt((nb - 1) / nb * ((reps - reps.mean(axis=0)) ** 2).sum(axis=0))
    return full, err
