"""Morphology of maps: Gaussian smoothing, Minkowski functionals V0-V2 and peak counts (periodic).

Pure numpy on (N, H, W) maps in physical units (:func:`as_maps` validates them and undoes a pixel
transform); the registered statistics in :mod:`scigen.astro.stats` wrap these. Checked against
Gaussian-field theory in :mod:`scigen.astro.theory` (Tomita's formulas, Bond & Efstathiou's peaks).
"""

from __future__ import annotations

import numpy as np

from scigen.astro.transforms import as_transform
from scigen.errors import InputError

DEFAULT_SMOOTHING_PX = 2.0
DEFAULT_THRESHOLDS = np.round(np.linspace(-3.0, 3.0, 25), 6)   # MF thresholds nu [sigma]
DEFAULT_PEAK_EDGES = np.round(np.linspace(-2.0, 6.0, 17), 6)   # peak-height bins nu [sigma]


def as_maps(samples, transform=None) -> np.ndarray:
    """Validate maps and return them as float64 (N, H, W) in physical units."""
    maps = np.asarray(samples)
    if maps.ndim == 4 and maps.shape[1] == 1:
        maps = maps[:, 0]
    if maps.ndim == 2:
        maps = maps[None]
    if maps.ndim != 3 or maps.shape[0] == 0 or min(maps.shape[1:]) < 4:
        raise InputError(f"astro statistics need maps of shape (N, H, W) with H, W >= 4; got {np.shape(samples)}")
    t = as_transform(transform)
    maps = t.inverse(maps) if t is not None else maps
    maps = np.asarray(maps, dtype=np.float64)
    if not np.all(np.isfinite(maps)):
        raise InputError("astro statistics: the maps contain NaN/inf (masked pixels?); fill or drop those maps")
    return maps


def _pixel_deg(shape, fov_deg) -> float | None:
    return None if fov_deg is None else float(fov_deg) / shape[-1]


def smooth(maps: np.ndarray, smoothing_px: float) -> np.ndarray:
    """Periodic Gaussian smoothing (sigma in pixels) of (N, H, W) maps, by FFT."""
    if not smoothing_px:
        return maps
    h, w = maps.shape[-2:]
    ky = 2 * np.pi * np.fft.fftfreq(h)[:, None]
    kx = 2 * np.pi * np.fft.rfftfreq(w)[None, :]
    window = np.exp(-0.5 * (kx ** 2 + ky ** 2) * smoothing_px ** 2)
    return np.fft.irfft2(np.fft.rfft2(maps) * window, s=(h, w))


def field_moments(maps, smoothing_px: float = DEFAULT_SMOOTHING_PX, fov_deg=None, transform=None) -> dict:
    """Mean, sigma_0 and sigma_1 (central-difference gradient, per deg or per pixel) of smoothed maps."""
    u = smooth(as_maps(maps, transform), smoothing_px)
    ux = 0.5 * (np.roll(u, -1, axis=2) - np.roll(u, 1, axis=2))
    uy = 0.5 * (np.roll(u, -1, axis=1) - np.roll(u, 1, axis=1))
    px = _pixel_deg(u.shape, fov_deg) or 1.0
    sigma1 = float(np.sqrt(np.mean(ux ** 2 + uy ** 2))) / px
    return {"mean": float(u.mean()), "sigma0": float(u.std()), "sigma1": sigma1}


def _threshold_edges(nu: np.ndarray) -> np.ndarray:
    """Edges of the delta-function bins: midpoints between thresholds, the ends mirrored."""
    if nu.ndim != 1 or nu.size < 2 or np.any(np.diff(nu) <= 0):
        raise InputError("Minkowski thresholds must be at least 2 increasing values (units of sigma)")
    mid = 0.5 * (nu[1:] + nu[:-1])
    return np.concatenate([[nu[0] - (mid[0] - nu[0])], mid, [nu[-1] + (nu[-1] - mid[-1])]])


def bin_index(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin of each value in ``edges`` (B+1,), as int64 in [0, B); values outside get B (a dump bin)."""
    nb = edges.size - 1
    step = np.diff(edges)
    if np.allclose(step, step[0], rtol=1e-9, atol=0):
        idx = np.floor((values - edges[0]) * (1.0 / step[0])).astype(np.int64)
    else:
        idx = np.searchsorted(edges, values, side="right") - 1
    idx[(idx < 0) | (idx >= nb)] = nb
    return idx


def binned_sum(values: np.ndarray | None, index: np.ndarray, n_bins: int) -> np.ndarray:
    """Per-map sums of ``values`` (N, P) (counts when None) over ``index`` (N, P) from :func:`bin_index`."""
    n = index.shape[0]
    flat = (index + (n_bins + 1) * np.arange(n)[:, None]).ravel()
    sums = np.bincount(flat, weights=None if values is None else values.ravel(), minlength=n * (n_bins + 1))
    return sums.reshape(n, n_bins + 1)[:, :n_bins]


def minkowski_functionals(samples, condition=None, *, thresholds=DEFAULT_THRESHOLDS, mean=None, sigma=None,
                          smoothing_px: float = DEFAULT_SMOOTHING_PX, fov_deg=None, transform=None, **_) -> dict:
    """V0, V1, V2 per map at thresholds ``mean + nu * sigma`` of the smoothed maps.

    Args:
        samples: maps (N, H, W). thresholds: nu values (increasing, units of ``sigma``).
        mean, sigma: the threshold scale, taken from the *real* smoothed maps (default: these maps).
        smoothing_px: Gaussian smoothing sigma [pixels] before measuring (0 = none).
        fov_deg: map width [deg]; V1 is then per deg and V2 per deg^2 (else per pixel, per pixel^2).
    Returns:
        dict with ``nu`` (T,), ``v0``, ``v1``, ``v2`` (N, T), ``mean``, ``sigma`` used, and the maps'
        own ``sigma0``/``sigma1`` (central differences) for comparison with Tomita's formulas.
    Estimators (Schmalzing & Gorski 1998): V0 = fraction of pixels above the threshold; V1 and V2 are
    pixel averages of ``delta(u - t) |grad u| / 4`` and ``delta(u - t) kappa |grad u| / 2 pi`` with the
    delta function a top-hat of one threshold spacing and ``kappa |grad u| = (2 u_x u_y u_xy - u_x^2 u_yy -
    u_y^2 u_xx) / |grad u|^2``. Every derivative is the periodic central difference (applied twice for
    second derivatives), so Tomita's formulas hold with the ``sigma1`` returned here.
    """
    nu = np.asarray(thresholds, dtype=np.float64)
    edges = _threshold_edges(nu)
    u = smooth(as_maps(samples, transform), smoothing_px)
    mean = float(u.mean()) if mean is None else float(mean)
    sigma = float(u.std()) if sigma is None else float(sigma)
    if not sigma > 0:
        raise InputError("Minkowski functionals: the threshold scale sigma must be positive (constant maps?)")
    n, h, w = u.shape
    px = _pixel_deg(u.shape, fov_deg) or 1.0
    r = lambda a, s, ax: np.roll(a, s, axis=ax)  # noqa: E731
    ux = 0.5 * (r(u, -1, 2) - r(u, 1, 2))
    uy = 0.5 * (r(u, -1, 1) - r(u, 1, 1))
    # second derivatives as the central difference applied twice, so that <u u_xx> = -<u_x^2> holds on
    # the grid as in the continuum: V2 then matches Tomita's formula with the grid's own sigma_1
    uxx = 0.25 * (r(u, -2, 2) + r(u, 2, 2) - 2 * u)
    uyy = 0.25 * (r(u, -2, 1) + r(u, 2, 1) - 2 * u)
    uxy = 0.25 * (r(r(u, -1, 1), -1, 2) - r(r(u, -1, 1), 1, 2) - r(r(u, 1, 1), -1, 2) + r(r(u, 1, 1), 1, 2))
    grad2 = ux * ux + uy * uy
    grad = np.sqrt(grad2)
    curv = (2 * ux * uy * uxy - ux * ux * uyy - uy * uy * uxx) / np.maximum(grad2, 1e-300)
    v = ((u - mean) / sigma).reshape(n, -1)
    npix = h * w
    # V0 at each threshold: fraction above (bins between consecutive thresholds, summed from the top)
    # (count pixels by how many thresholds lie below them, then sum from the top)
    step = np.diff(nu)
    if np.allclose(step, step[0], rtol=1e-9, atol=0):
        below = np.clip(np.floor((v - nu[0]) * (1.0 / step[0])).astype(np.int64) + 1, 0, nu.size)
    else:
        below = np.searchsorted(nu, v, side="right")
    counts = binned_sum(None, below, nu.size + 1)
    v0 = np.cumsum(counts[:, ::-1], axis=1)[:, ::-1][:, 1:] / npix
    width = np.diff(edges)
    idx = bin_index(v, edges)
    v1 = binned_sum(grad.reshape(n, -1), idx, nu.size) / (4 * npix * width * sigma * px)
    v2 = binned_sum(curv.reshape(n, -1), idx, nu.size) / (2 * np.pi * npix * width * sigma * px * px)
    return {"nu": nu, "v0": v0, "v1": v1, "v2": v2, "mean": mean, "sigma": sigma, "sigma0": float(u.std()),
            "sigma1": float(np.sqrt(grad2.mean())) / px, "bin_width": width}


def peak_counts(samples, condition=None, *, edges=DEFAULT_PEAK_EDGES, mean=None, sigma=None,
                smoothing_px: float = DEFAULT_SMOOTHING_PX, fov_deg=None, transform=None, **_) -> dict:
    """Local maxima of the smoothed maps (higher than all 8 neighbours, periodic) per unit area.

    Returns dict with ``nu`` bin centres (B,), ``edges`` (B+1,), ``density`` (N, B) peaks per deg^2
    (per pixel^2 without ``fov_deg``) in each height bin, ``total`` (N,) all peaks per unit area.
    Heights are ``(u - mean) / sigma`` with mean/sigma from the real maps.
    """
    u = smooth(as_maps(samples, transform), smoothing_px)
    edges = np.asarray(edges, dtype=np.float64)
    mean = float(u.mean()) if mean is None else float(mean)
    sigma = float(u.std()) if sigma is None else float(sigma)
    n, h, w = u.shape
    peak = np.ones(u.shape, dtype=bool)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy or dx:
                peak &= u > np.roll(u, (dy, dx), axis=(1, 2))
    area = h * w * (_pixel_deg(u.shape, fov_deg) or 1.0) ** 2
    heights = ((u - mean) / sigma).reshape(n, -1)
    idx = bin_index(heights, edges)
    idx[~peak.reshape(n, -1)] = edges.size - 1
    counts = binned_sum(None, idx, edges.size - 1)
    return {"nu": 0.5 * (edges[1:] + edges[:-1]), "edges": edges, "density": counts / area,
            "total": peak.reshape(n, -1).sum(axis=1) / area, "mean": mean, "sigma": sigma}
