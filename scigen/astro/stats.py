"""Cosmology statistics of convergence maps, registered with ``scigen.validate`` (domain "astro").

Every function takes maps ``(N, H, W)`` (or ``(N, 1, H, W)``) in *physical* units; maps in a
network's tanh space are converted back first when ``transform=`` (a
pixel transform of :mod:`scigen.astro.transforms` or its JSON) is given. Every statistic is computed
per map, so comparisons use the spread between maps, never a test over correlated pixels. Geometry
follows :mod:`scigen.astro.maps`: square pixels, the width spans ``fov_deg``, periodic boundaries.

* :func:`power_spectrum`: azimuthal average of ``|FFT|^2`` in rings of ``|k|``, on the multipole axis
  ``l = 2 pi k / fov``, reported as ``D_l = l (l+1) P(l) / 2 pi``.
* :func:`pixel_histogram`: density of pixel values on fixed bins (set from the real data).
* :func:`minkowski_functionals` (from :mod:`~scigen.astro.morphology`): V0 (area fraction), V1
  (boundary length / 4), V2 (Euler characteristic), per unit area [deg^-1, deg^-2], at thresholds
  ``nu`` in units of the real maps' sigma after Gaussian smoothing; gradient estimators, periodic.
* :func:`peak_counts` (from :mod:`~scigen.astro.morphology`): local maxima (8 neighbours, periodic)
  per deg^2 in bins of height ``nu``.

With ``fov_deg=None`` the geometry is unknown: multipoles become ``k`` (cycles per map width) and
areas/lengths are per pixel. The registered statistics read ``fov_deg`` from the real set's
attributes when ``compare`` hands them to ``prepare`` (``attrs=``), else from their configuration.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from scigen.astro.morphology import (DEFAULT_PEAK_EDGES, DEFAULT_SMOOTHING_PX, DEFAULT_THRESHOLDS, as_maps,
                                     bin_index, binned_sum, field_moments, minkowski_functionals, peak_counts,
                                     smooth)
from scigen.errors import InputError
from scigen.validate.statistic import Statistic, StatValue, register

DEFAULT_HIST_BINS = 40


# --- power spectrum ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class SpectrumBins:
    """Ring bins of the ``rfft2`` modes of an (H, W) map: which bin each mode falls in, and its weight."""

    shape: tuple[int, int]
    edges_k: np.ndarray   # (B+1,) bin edges in |k| [cycles per width]
    matrix: object        # sparse (B, H * (W//2+1)): mode weight / modes in bin (the averaging operator)
    k_eff: np.ndarray     # (B,) mean |k| of the modes in each bin
    counts: np.ndarray    # (B,) number of (full-plane) modes in each bin

    def average(self, per_mode: np.ndarray) -> np.ndarray:
        """Bin averages of a per-mode quantity in the ``rfft2`` layout: (..., H, W//2+1) -> (..., B)."""
        lead = per_mode.shape[:-2]
        flat = per_mode.reshape(-1, self.matrix.shape[1])
        return np.asarray((self.matrix @ flat.T).T).reshape(*lead, self.matrix.shape[0])


@lru_cache(maxsize=32)
def spectrum_bins(shape: tuple[int, int], n_bins: int | None = None, binning: str = "linear") -> SpectrumBins:
    """Ring bins of ``|k|`` from 0.5 to ``W/2 - 0.5`` (the last whole ring below Nyquist).

    Default: rings of width 1 centred on k = 1, 2, ..., W/2 - 1 while that makes at most 32 bins,
    else 32 equal bins; ``n_bins`` and ``binning`` ("linear" or "log") choose others.
    """
    h, w = shape
    kmax = w / 2 - 0.5  # Nyquist of both axes is w/2 cycles per width (square pixels)
    if n_bins is None and binning == "linear" and kmax - 0.5 <= 32:
        n_bins = int(round(kmax - 0.5))
    n_bins = int(n_bins or 32)
    if binning == "linear":
        edges = np.linspace(0.5, kmax, n_bins + 1)
    elif binning == "log":
        edges = np.geomspace(0.5, kmax, n_bins + 1)
    else:
        raise InputError(f"power spectrum binning must be 'linear' or 'log', got {binning!r}")
    ky = np.fft.fftfreq(h) * h * (w / h)  # in cycles per *width*, so l = 2 pi k / fov on both axes
    kx = np.fft.rfftfreq(w) * w
    kk = np.hypot(ky[:, None], kx[None, :])
    # rfft2 stores k_x >= 0 only: interior columns stand for two modes (k and -k), the first and
    # (even W) the Nyquist column for one.
    weight = np.full(kk.shape, 2.0)
    weight[:, 0] = 1.0
    if w % 2 == 0:
        weight[:, -1] = 1.0
    index = np.digitize(kk, edges) - 1
    inside = (index >= 0) & (index < n_bins)
    counts = np.bincount(index[inside], weights=weight[inside], minlength=n_bins)
    if np.any(counts == 0):
        raise InputError(f"power spectrum: {np.sum(counts == 0)} of {n_bins} bins hold no Fourier mode for "
                         f"{h}x{w} maps; use fewer bins or 'linear' binning")
    k_sum = np.bincount(index[inside], weights=(weight * kk)[inside], minlength=n_bins)
    from scipy.sparse import csr_matrix

    flat = np.flatnonzero(inside)
    rows = index.ravel()[flat]
    matrix = csr_matrix((weight.ravel()[flat] / counts[rows], (rows, flat)), shape=(n_bins, kk.size))
    return SpectrumBins(shape, edges, matrix, k_sum / counts, counts)


def power_spectrum(samples, condition=None, *, fov_deg: float | None = None, n_bins: int | None = None,
                   binning: str = "linear", transform=None, **_) -> StatValue:
    """Per-map angular power spectrum, reported as ``D_l = l (l+1) P(l) / 2 pi``.

    Returns a StatValue with ``x`` the bins' mean multipole l (B,), ``per_sample`` D_l (N, B),
    ``value`` their mean and ``error`` the standard error; ``extra`` holds ``power`` (mean P(l) [sr]),
    ``edges_l`` and ``modes`` per bin.
    """
    maps = as_maps(samples, transform)
    n, h, w = maps.shape
    bins = spectrum_bins((h, w), n_bins, binning)
    fov_rad = np.deg2rad(fov_deg) if fov_deg is not None else 2 * np.pi  # unknown fov: l = k
    pixel = fov_rad / w
    ft = np.fft.rfft2(maps)
    power = (ft.real ** 2 + ft.imag ** 2) * (pixel * pixel / (h * w))  # P-hat per mode [sr]
    binned = bins.average(power)                                       # (N, B)
    ell = 2 * np.pi * bins.k_eff / fov_rad
    dl = binned * (ell * (ell + 1) / (2 * np.pi))
    return StatValue(
        value=dl.mean(axis=0), x=ell, per_sample=dl,
        error=dl.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else None,
        extra={"power": binned.mean(axis=0).tolist(), "edges_l": (2 * np.pi * bins.edges_k / fov_rad).tolist(),
               "modes": bins.counts.tolist(), "x_units": "multipole l" if fov_deg is not None else
               "k (cycles per map width; field of view unknown)"},
    )


# --- pixel histogram -------------------------------------------------------------------------------

def histogram_edges(real_maps, n_bins: int = DEFAULT_HIST_BINS, transform=None) -> np.ndarray:
    """Fixed bins for the pixel histogram: ``n_bins`` equal bins over the real maps' 0.05-99.95 percentiles."""
    maps = as_maps(real_maps, transform)
    lo, hi = np.percentile(maps, [0.05, 99.95])
    if hi <= lo:
        hi = lo + 1.0
    return np.linspace(lo, hi, n_bins + 1)


def pixel_histogram(samples, condition=None, *, edges=None, transform=None, **_) -> StatValue:
    """Per-map density of pixel values on ``edges`` (default: from these maps; pass the real maps' edges).

    The density is normalised by *all* pixels (values outside the edges count in the denominator),
    so mass a fake set puts outside the real range shows as a deficit; its fraction is ``extra['outside']``.
    """
    maps = as_maps(samples, transform)
    edges = histogram_edges(maps) if edges is None else np.asarray(edges, dtype=np.float64)
    n = maps.shape[0]
    nb = edges.size - 1
    flat = maps.reshape(n, -1)
    idx = bin_index(flat, edges)
    idx[flat == edges[-1]] = nb - 1  # the last bin is closed, as in numpy.histogram
    counts = binned_sum(None, idx, nb)
    density = counts / (flat.shape[1] * np.diff(edges))
    return StatValue(value=density.mean(axis=0), x=0.5 * (edges[1:] + edges[:-1]), per_sample=density,
                     error=density.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else None,
                     extra={"edges": edges.tolist(), "outside": float(1 - counts.sum() / flat.size)})


# --- registration ----------------------------------------------------------------------------------

_MF_CACHE: "OrderedDict[tuple, dict]" = OrderedDict()
_MF_CACHE_SIZE = 16


def _cached_mf(maps: np.ndarray, **params) -> dict:
    """Small LRU cache so V0, V1 and V2 (three statistics) share one computation on the same maps."""
    arr = np.ascontiguousarray(maps)
    key = (hashlib.blake2b(arr.view(np.uint8).ravel(), digest_size=16).hexdigest(), arr.shape, str(arr.dtype),
           repr(sorted((k, np.asarray(v).tolist() if isinstance(v, np.ndarray) else repr(v))
                       for k, v in params.items())))
    if key in _MF_CACHE:
        _MF_CACHE.move_to_end(key)
        return _MF_CACHE[key]
    out = minkowski_functionals(arr, **params)
    _MF_CACHE[key] = out
    while len(_MF_CACHE) > _MF_CACHE_SIZE:
        _MF_CACHE.popitem(last=False)
    return out


@dataclass(frozen=True)
class AstroStatsConfig:
    """Settings shared by the registered statistics (see :func:`make_statistics`)."""

    fov_deg: float | None = None
    smoothing_px: float = DEFAULT_SMOOTHING_PX
    thresholds: tuple = tuple(DEFAULT_THRESHOLDS)
    peak_edges: tuple = tuple(DEFAULT_PEAK_EDGES)
    hist_bins: int = DEFAULT_HIST_BINS
    ps_bins: int | None = None
    ps_binning: str = "linear"
    transform: object = None


def make_statistics(**config) -> list[Statistic]:
    """The astro statistics with the given settings (fields of :class:`AstroStatsConfig`).

    ``prepare`` runs on the real maps: it fixes the histogram bins and the threshold scale (mean and
    sigma of the smoothed real maps) and takes ``fov_deg`` (and a stored ``pixel_transform``) from the
    real set's attributes when given them, so real, its halves and fake are measured alike.
    """
    cfg = AstroStatsConfig(**config)

    def prepare(real, condition=None, attrs=None, **_):
        attrs = attrs or {}
        fov = cfg.fov_deg if cfg.fov_deg is not None else attrs.get("fov_deg")
        transform = cfg.transform if cfg.transform is not None else attrs.get("pixel_transform")
        maps = as_maps(real, transform)
        u = smooth(maps, cfg.smoothing_px)
        return {"fov_deg": None if fov is None else float(fov), "transform": transform,
                "edges": histogram_edges(maps, cfg.hist_bins), "mean": float(u.mean()), "sigma": float(u.std())}

    def ps(samples, condition=None, fov_deg=cfg.fov_deg, transform=cfg.transform, **_):
        return power_spectrum(samples, fov_deg=fov_deg, n_bins=cfg.ps_bins, binning=cfg.ps_binning,
                              transform=transform)

    def hist(samples, condition=None, edges=None, transform=cfg.transform, **_):
        return pixel_histogram(samples, edges=edges, transform=transform)

    def mf(which):
        def compute(samples, condition=None, fov_deg=cfg.fov_deg, transform=cfg.transform, mean=None, sigma=None,
                    **_):
            out = _cached_mf(as_maps(samples, transform), thresholds=np.asarray(cfg.thresholds), mean=mean,
                             sigma=sigma, smoothing_px=cfg.smoothing_px, fov_deg=fov_deg)
            per = out[which]
            return StatValue(value=per.mean(axis=0), x=out["nu"], per_sample=per,
                             error=per.std(axis=0, ddof=1) / np.sqrt(len(per)) if len(per) > 1 else None,
                             extra={"sigma0": out["sigma0"], "sigma1": out["sigma1"], "mean": out["mean"],
                                    "sigma": out["sigma"], "smoothing_px": cfg.smoothing_px})
        return compute

    def peaks(samples, condition=None, fov_deg=cfg.fov_deg, transform=cfg.transform, mean=None, sigma=None, **_):
        out = peak_counts(samples, edges=np.asarray(cfg.peak_edges), mean=mean, sigma=sigma,
                          smoothing_px=cfg.smoothing_px, fov_deg=fov_deg, transform=transform)
        d = out["density"]
        return StatValue(value=d.mean(axis=0), x=out["nu"], per_sample=d,
                         error=d.std(axis=0, ddof=1) / np.sqrt(len(d)) if len(d) > 1 else None,
                         extra={"total_per_area": float(out["total"].mean()), "smoothing_px": cfg.smoothing_px})

    area = "deg" if cfg.fov_deg is not None else "deg (pixel if fov unknown)"
    smoothing = f"after Gaussian smoothing of {cfg.smoothing_px:g} px"
    return [
        Statistic("power_spectrum", ps, kind="curve", prepare=prepare,
                  description="azimuthally averaged angular power spectrum, per map",
                  xlabel="multipole l", ylabel="l(l+1)P(l)/2pi"),
        Statistic("pixel_histogram", hist, kind="histogram", prepare=prepare,
                  description="pixel-value density on bins fixed by the real maps, per map",
                  xlabel="pixel value (physical units)", ylabel="density"),
        Statistic("minkowski_v0", mf("v0"), kind="curve", prepare=prepare,
                  description=f"Minkowski functional V0 (area fraction above nu sigma) {smoothing}",
                  xlabel="threshold nu [sigma of real maps]", ylabel="V0"),
        Statistic("minkowski_v1", mf("v1"), kind="curve", prepare=prepare,
                  description=f"Minkowski functional V1 (boundary length / 4 per area) {smoothing}",
                  xlabel="threshold nu [sigma of real maps]", ylabel=f"V1 [1/{area}]"),
        Statistic("minkowski_v2", mf("v2"), kind="curve", prepare=prepare,
                  description=f"Minkowski functional V2 (Euler characteristic per area) {smoothing}",
                  xlabel="threshold nu [sigma of real maps]", ylabel=f"V2 [1/{area}^2]"),
        Statistic("peak_counts", peaks, kind="histogram", prepare=prepare,
                  description=f"local maxima per unit area by height {smoothing}",
                  xlabel="peak height nu [sigma of real maps]", ylabel=f"peaks per {area}^2 per bin"),
    ]


for _stat in make_statistics():
    register(_stat, domain="astro")


__all__ = ["AstroStatsConfig", "as_maps", "field_moments", "histogram_edges", "make_statistics",
           "minkowski_functionals", "peak_counts", "pixel_histogram", "power_spectrum", "smooth", "spectrum_bins"]
