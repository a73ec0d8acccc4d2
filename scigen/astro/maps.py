"""Gaussian and log-normal convergence maps on a periodic square patch of sky.

Conventions (flat sky, used by the statistics too):

* a map is ``size x size`` pixels covering ``fov_deg x fov_deg`` degrees; pixel side
  ``d = fov / size`` (radians in formulas, arcmin in attributes);
* the multipole of Fourier mode ``(k_y, k_x)`` (integers from ``numpy.fft.fftfreq``) is
  ``l = 2 pi |k| / fov``;
* the spectrum P(l) is in steradians: the map's DFT ``K = fft2(k)`` has ``<|K|^2> = size^2 P(l) / d^2``,
  and the pixel variance is ``sum_modes P(l) / fov^2``.

Gaussian maps are exact draws of a periodic field with that spectrum on the grid's modes (the zero
mode is zero, so every map has mean exactly 0). Log-normal maps are shifted log-normal,
``k = shift * (exp(g - sigma_g^2 / 2) - 1)`` with Gaussian ``g``: mean 0, bounded below by ``-shift``,
positively skewed. Their *target* spectrum is matched: ``g``'s spectrum is built from the periodic
correlation function ``xi_g = ln(1 + xi_k / shift^2)``, so the log-normal field's own spectrum equals
the requested one on the grid (where ``xi_g`` would need negative power, that power is set to zero
and the fraction lost is reported as ``clipped_power_fraction``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from scigen.astro.spectra import as_spectrum, spectrum_json
from scigen.errors import InputError

#: shift used when none is given: of the order of the convergence minimum for sources at z ~ 1.
DEFAULT_SHIFT = 0.02


def pixel_rad(size: int, fov_deg: float) -> float:
    """Pixel side in radians."""
    return np.deg2rad(fov_deg) / size


def multipoles(shape: tuple[int, int], fov_deg: float, real: bool = False) -> np.ndarray:
    """|l| of every DFT mode of an (H, W) map whose *width* spans ``fov_deg`` (square pixels).

    Returns (H, W), or (H, W//2+1) for the ``rfft2`` layout when ``real``.
    """
    h, w = shape
    d = np.deg2rad(fov_deg) / w
    ly = 2 * np.pi * np.fft.fftfreq(h, d=d)
    lx = 2 * np.pi * (np.fft.rfftfreq(w, d=d) if real else np.fft.fftfreq(w, d=d))
    return np.hypot(ly[:, None], lx[None, :])


def _check_geometry(size: int, fov_deg: float) -> None:
    if int(size) != size or size < 4:
        raise InputError(f"map size must be an integer >= 4 pixels, got {size}")
    if not (np.isfinite(fov_deg) and 0 < fov_deg <= 60):
        raise InputError(f"field of view must be in (0, 60] degrees (flat-sky patch), got {fov_deg}")


def lognormal_gaussian_power(power_grid: np.ndarray, pixel: float, shift: float) -> tuple[np.ndarray, float]:
    """The Gaussian field's per-mode power that makes ``shift (exp(g - s^2/2) - 1)`` have ``power_grid``.

    Args:
        power_grid: (H, W) target P(l) [sr] on the full ``fft2`` grid.
        pixel: pixel side [rad]. shift: the log-normal shift (> 0).
    Returns:
        (H, W) power of ``g`` [sr] and the fraction of it clipped because it came out negative.
    """
    area_px = pixel * pixel
    xi_k = np.fft.ifft2(power_grid).real / area_px  # periodic correlation function on the grid
    if np.any(1 + xi_k / shift ** 2 <= 0):
        raise InputError(
            f"log-normal shift {shift} is too small for this spectrum (correlation {xi_k.min():.3g} < -shift^2); "
            "use a larger --shift"
        )
    xi_g = np.log1p(xi_k / shift ** 2)
    pg = np.fft.fft2(xi_g).real * area_px
    neg = pg < 0
    total = np.abs(pg).sum()
    clipped = float(-pg[neg].sum() / total) if total > 0 else 0.0
    pg[neg] = 0.0
    pg[0, 0] = 0.0
    return pg, clipped


@dataclass
class MapSimulator:
    """Draws periodic convergence maps of one geometry and spectrum.

    Args:
        size: pixels per side. fov_deg: side of the patch in degrees.
        spectrum: P(l) callable (see :mod:`scigen.astro.spectra`); None = linear LCDM, z_s = 1.
        lognormal: draw shifted log-normal maps instead of Gaussian ones.
        shift: the log-normal shift (the maps' lower bound is ``-shift``).
    """

    size: int = 64
    fov_deg: float = 3.5
    spectrum: object = None
    lognormal: bool = False
    shift: float = DEFAULT_SHIFT

    def __post_init__(self) -> None:
        _check_geometry(self.size, self.fov_deg)
        self.spectrum = as_spectrum(self.spectrum)
        if self.lognormal and not (np.isfinite(self.shift) and self.shift > 0):
            raise InputError(f"log-normal shift must be a positive number, got {self.shift}")
        self.pixel = pixel_rad(self.size, self.fov_deg)
        ell = multipoles((self.size, self.size), self.fov_deg)
        self.power_grid = np.asarray(self.spectrum(ell), dtype=np.float64)
        p = self.power_grid
        if p.shape != ell.shape or not np.all(np.isfinite(p)) or np.any(p < 0):
            raise InputError("the spectrum must return finite P(l) >= 0 with the shape of its input")
        self.power_grid[0, 0] = 0.0
        self.clipped_power_fraction = 0.0
        if self.lognormal:
            gauss_power, self.clipped_power_fraction = lognormal_gaussian_power(self.power_grid, self.pixel, self.shift)
        else:
            gauss_power = self.power_grid
        # amplitude applied to the DFT of unit white noise (whose <|W|^2> = size^2)
        self._amplitude = np.sqrt(gauss_power[:, : self.size // 2 + 1]) / self.pixel
        self.sigma_gauss = float(np.sqrt(gauss_power.sum()) / np.deg2rad(self.fov_deg))

    @property
    def sigma(self) -> float:
        """Expected pixel standard deviation of the maps (target spectrum summed over the grid's modes)."""
        return float(np.sqrt(self.power_grid.sum()) / np.deg2rad(self.fov_deg))

    def _gaussian(self, noise: np.ndarray) -> np.ndarray:
        field = np.fft.irfft2(np.fft.rfft2(noise) * self._amplitude, s=noise.shape[-2:])
        return field

    def iter_batches(self, n: int, seed: int, batch: int = 256) -> Iterator[np.ndarray]:
        """Yield ``n`` maps as float32 (b, size, size) batches; same maps for any ``batch``."""
        if int(n) != n or n < 1:
            raise InputError(f"number of maps must be a positive integer, got {n}")
        rng = np.random.default_rng(seed)
        done = 0
        while done < n:
            b = min(batch, n - done)
            g = self._gaussian(rng.standard_normal((b, self.size, self.size)))
            if self.lognormal:
                g = self.shift * np.expm1(g - 0.5 * self.sigma_gauss ** 2)
            done += b
            yield g.astype(np.float32)

    def sample(self, n: int, seed: int) -> np.ndarray:
        """``n`` maps, float32 (n, size, size), dimensionless convergence."""
        return np.concatenate(list(self.iter_batches(n, seed)), axis=0)

    def attrs(self) -> dict:
        """The sample-set attributes describing these maps."""
        return {
            "fov_deg": float(self.fov_deg),
            "pixel_arcmin": float(self.fov_deg * 60.0 / self.size),
            "map_kind": "lognormal" if self.lognormal else "gaussian",
            "spectrum": spectrum_json(self.spectrum),
            "lognormal_shift": float(self.shift) if self.lognormal else None,
            "clipped_power_fraction": self.clipped_power_fraction if self.lognormal else None,
            "units": "convergence (dimensionless)",
            "sigma_expected": self.sigma,
        }

    def producer(self, seed: int | None = None) -> dict:
        return {"kind": "simulator", "name": "scigen.astro.maps.MapSimulator", "size": int(self.size),
                "fov_deg": float(self.fov_deg), "lognormal": bool(self.lognormal),
                "shift": float(self.shift) if self.lognormal else None,
                "spectrum": spectrum_json(self.spectrum), "seed": seed}


def simulate_maps(n: int, size: int = 64, fov_deg: float = 3.5, spectrum=None, lognormal: bool = False,
                  shift: float = DEFAULT_SHIFT, seed: int = 0) -> np.ndarray:
    """``n`` periodic convergence maps, float32 (n, size, size). See :class:`MapSimulator`."""
    return MapSimulator(size, fov_deg, spectrum, lognormal, shift).sample(n, seed)


def write_maps(path, n: int, simulator: MapSimulator, seed: int, batch: int = 256, fits_dir=None,
               fits_cube: bool = False, fits_overwrite: bool = False) -> dict:
    """Simulate ``n`` maps into an HDF5 sample set at ``path`` (streamed, atomic); optionally FITS too.

    The set has domain "astro", samples (n, size, size) float32 and the attributes of
    :meth:`MapSimulator.attrs`. With ``fits_dir`` the same maps are written as FITS (one file per map,
    or one cube with ``fits_cube``; ``fits_overwrite`` replaces an existing one), with the pixel scale and
    provenance in their headers.
    Returns a summary dict (path, n, measured mean and std).
    """
    from scigen.io import SampleSetWriter

    total, total2, count = 0.0, 0.0, 0
    keep = [] if fits_dir is not None else None
    with SampleSetWriter(path, sample_shape=(simulator.size, simulator.size), dtype=np.float32, domain="astro",
                         attrs=simulator.attrs(), seed=seed, producer=simulator.producer(seed)) as writer:
        for maps in simulator.iter_batches(n, seed, batch):
            writer.append(maps)
            total += float(maps.sum(dtype=np.float64))
            total2 += float(np.square(maps, dtype=np.float64).sum())
            count += maps.size
            if keep is not None:
                keep.append(maps)
    summary = {"path": str(path), "n": int(n), "mean": total / count,
               "std": float(np.sqrt(max(total2 / count - (total / count) ** 2, 0.0)))}
    if keep is not None:
        from scigen.astro.fits import write_fits_maps

        summary["fits"] = str(write_fits_maps(
            np.concatenate(keep), fits_dir, cube=fits_cube, pixel_scale_deg=simulator.fov_deg / simulator.size,
            unit="", provenance={"model": "MapSimulator (" + simulator.attrs()["map_kind"] + ")", "seed": seed},
            extra={"FOV_DEG": (float(simulator.fov_deg), "side of the patch [deg]")}, overwrite=fits_overwrite,
        ))
    return summary
