"""Analytic results for Gaussian random fields in 2-D: the yardsticks of the map statistics.

* Minkowski functionals per unit area of the excursion set ``u > mu + nu sigma_0`` (Tomita 1986; in the
  normalisation of Schmalzing & Gorski 1998: V0 area fraction, V1 a quarter of the boundary length,
  V2 the Euler characteristic, all per unit area)::

      V0 = erfc(nu / sqrt 2) / 2
      V1 = (1/8) (sigma_1 / (sqrt 2 sigma_0)) exp(-nu^2/2)
      V2 = sigma_1^2 / (2 sigma_0^2) / (2 pi)^{3/2} nu exp(-nu^2/2)

  with ``sigma_0^2 = <u^2>`` and ``sigma_1^2 = <|grad u|^2>``.
* The density of peaks of height nu (Bond & Efstathiou 1987, 2-D).
* :func:`grid_moments`: sigma_0, sigma_1, sigma_2 of a periodic map of a given spectrum and smoothing,
  either with the continuum derivative or with the *same* finite differences the estimators use
  (the continuum sigma_1 biases V1/V2 by a few per cent against a finite-difference estimator).
"""

from __future__ import annotations

import numpy as np
from scipy.special import erf, erfc


def tomita_minkowski(nu, sigma0: float, sigma1: float, bin_width: float | None = None):
    """V0, V1, V2 of a Gaussian field at thresholds ``nu`` (units of sigma_0).

    ``sigma1`` sets the units of V1 (1/length) and V2 (1/length^2). With ``bin_width``, V1 and V2 are
    averaged over ``[nu - w/2, nu + w/2]`` as the binned delta-function estimators measure them.
    Returns three arrays shaped like ``nu``.
    """
    nu = np.asarray(nu, dtype=np.float64)
    tau = sigma1 / (np.sqrt(2.0) * sigma0)
    v0 = 0.5 * erfc(nu / np.sqrt(2.0))
    if bin_width:
        a, b = nu - bin_width / 2, nu + bin_width / 2
        gauss = np.sqrt(np.pi / 2) * (erf(b / np.sqrt(2)) - erf(a / np.sqrt(2))) / bin_width
        nu_gauss = (np.exp(-a ** 2 / 2) - np.exp(-b ** 2 / 2)) / bin_width
    else:
        gauss = np.exp(-nu ** 2 / 2)
        nu_gauss = nu * gauss
    v1 = tau / 8.0 * gauss
    v2 = tau ** 2 / (2 * np.pi) ** 1.5 * nu_gauss
    return v0, v1, v2


def peak_density(nu, sigma0: float, sigma1: float, sigma2: float) -> np.ndarray:
    """Peaks per unit area per unit nu of a 2-D Gaussian field (Bond & Efstathiou 1987).

    ``gamma = sigma1^2 / (sigma0 sigma2)``, ``theta_*^2 = 2 sigma1^2 / sigma2^2``; ``sigma2^2 = <(lap u)^2>``.
    """
    nu = np.asarray(nu, dtype=np.float64)
    g = sigma1 ** 2 / (sigma0 * sigma2)
    theta2 = 2 * sigma1 ** 2 / sigma2 ** 2
    x = g * nu
    one = 1 - g ** 2
    three = 3 - 2 * g ** 2
    big_g = ((x ** 2 - g ** 2) * (1 - 0.5 * erfc(x / np.sqrt(2 * one)))
             + x * one * np.exp(-x ** 2 / (2 * one)) / np.sqrt(2 * np.pi * one)
             + np.exp(-x ** 2 / three) / np.sqrt(three) * (1 - 0.5 * erfc(x / np.sqrt(2 * one * three))))
    return np.exp(-nu ** 2 / 2) * big_g / ((2 * np.pi) ** 1.5 * theta2)


def grid_moments(power_grid: np.ndarray, fov_deg: float, smoothing_px: float = 0.0,
                 derivative: str = "central") -> tuple[float, float, float]:
    """sigma_0, sigma_1 [1/deg], sigma_2 [1/deg^2] of periodic maps with per-mode power ``power_grid``.

    Args:
        power_grid: (H, W) P(l) [sr] on the full ``fft2`` grid (as ``MapSimulator.power_grid``).
        fov_deg: width of the map [deg]. smoothing_px: Gaussian smoothing sigma [pixels] (0 = none).
        derivative: "central" for the estimators' finite differences (gradient ``(u[i+1]-u[i-1])/2``,
            Laplacian from second differences), "spectral" for the continuum derivative.
    """
    h, w = power_grid.shape
    ky = 2 * np.pi * np.fft.fftfreq(h)[:, None]  # radians per pixel
    kx = 2 * np.pi * np.fft.fftfreq(w)[None, :]
    window2 = np.exp(-(kx ** 2 + ky ** 2) * smoothing_px ** 2)
    area = np.deg2rad(fov_deg) ** 2 * h / w
    weight = power_grid * window2 / area
    if derivative == "central":
        grad2 = np.sin(kx) ** 2 + np.sin(ky) ** 2
        lap = (2 - 2 * np.cos(kx)) + (2 - 2 * np.cos(ky))
    elif derivative == "spectral":
        grad2 = kx ** 2 + ky ** 2
        lap = kx ** 2 + ky ** 2
    else:
        raise ValueError(f"derivative must be 'central' or 'spectral', got {derivative!r}")
    pixel_deg = fov_deg / w
    s0 = np.sqrt(weight.sum())
    s1 = np.sqrt((weight * grad2).sum()) / pixel_deg
    s2 = np.sqrt((weight * lap ** 2).sum()) / pixel_deg ** 2
    return float(s0), float(s1), float(s2)
