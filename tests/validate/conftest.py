"""Small synthetic data for the validation tests: Gaussian vectors and Gaussian random fields."""

import numpy as np
import pytest

from scigen.validate.statistic import Statistic, StatValue


def gaussian_random_fields(n: int, size: int, slope: float, rng: np.random.Generator) -> np.ndarray:
    """(n, size, size) periodic Gaussian random fields with power spectrum P(k) ~ k^-slope (numpy FFT),
    scaled to unit expected pixel variance (each set keeps its own sample variance)."""
    k = np.hypot(*np.meshgrid(np.fft.fftfreq(size), np.fft.fftfreq(size), indexing="ij"))
    amp = np.where(k > 0, k, np.inf) ** (-slope / 2)
    white = np.fft.fft2(rng.normal(size=(n, size, size)))
    field = np.fft.ifft2(white * amp).real
    return field / np.sqrt((amp**2).sum() / size**2)


def _spectrum_prepare(maps, condition):
    size = maps.shape[-1]
    k = np.hypot(*np.meshgrid(np.fft.fftfreq(size), np.fft.fftfreq(size), indexing="ij"))
    edges = np.linspace(1.0 / size, 0.5, 9)
    return {"kbin": np.digitize(k, edges) - 1, "edges": edges}


def _spectrum(maps, condition, kbin, edges):
    """Per-map azimuthally averaged power spectrum in 8 k-bins: the per-map statistic of a cosmologist."""
    power = np.abs(np.fft.fft2(maps)) ** 2
    nb = len(edges) - 1
    ps = np.stack([power[:, kbin == b].mean(axis=1) for b in range(nb)], axis=1)
    return StatValue(value=ps.mean(axis=0), x=0.5 * (edges[1:] + edges[:-1]), per_sample=ps)


POWER_SPECTRUM = Statistic("power_spectrum", _spectrum, kind="curve", prepare=_spectrum_prepare,
                           xlabel="k [1/pixel]", ylabel="P(k)", description="per-map power spectrum")


@pytest.fixture
def grf():
    return gaussian_random_fields


@pytest.fixture
def power_spectrum():
    return POWER_SPECTRUM
