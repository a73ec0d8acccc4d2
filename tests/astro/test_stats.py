"""Cosmology statistics against Gaussian-field theory, periodicity, units, the registry."""

import numpy as np
import pytest

from scigen.astro.maps import MapSimulator
from scigen.astro.spectra import PowerLawSpectrum
from scigen.astro.stats import (field_moments, make_statistics, minkowski_functionals, peak_counts,
                                pixel_histogram, power_spectrum, smooth)
from scigen.astro.theory import grid_moments, peak_density, tomita_minkowski
from scigen.astro.transforms import CosmoGANTransform
from scigen.errors import InputError
from scigen.validate.statistic import statistics_for


@pytest.fixture(scope="module")
def big_gaussian():
    """64 Gaussian maps of 256^2 px, P(l) ~ l^-1 over 14 deg: many independent structures."""
    sim = MapSimulator(256, 14.0, PowerLawSpectrum(1e-9, -1.0))
    return sim, sim.sample(64, seed=21)


@pytest.mark.parametrize("smoothing", [2.0, 4.0])
def test_minkowski_functionals_match_tomita(big_gaussian, smoothing):
    sim, maps = big_gaussian
    out = minkowski_functionals(maps, smoothing_px=smoothing, fov_deg=sim.fov_deg, mean=0.0)
    # sigma_0 and sigma_1 of the smoothed field on this grid, with the estimator's central differences
    s0, s1, _ = grid_moments(sim.power_grid, sim.fov_deg, smoothing, derivative="central")
    assert out["sigma0"] == pytest.approx(s0, rel=0.01) and out["sigma1"] == pytest.approx(s1, rel=0.01)
    nu = out["nu"] * out["sigma"] / s0  # thresholds in units of the true sigma_0
    theory = tomita_minkowski(nu, s0, s1, bin_width=out["bin_width"][0] * out["sigma"] / s0)
    for name, th, tol in zip(("v0", "v1", "v2"), theory, (0.005, 0.015, 0.03)):
        measured = out[name].mean(axis=0)
        err = np.abs(measured - th).max() / np.abs(th).max()
        assert err < tol, f"{name}: max deviation {100 * err:.2f}% of the peak value"


def test_continuum_sigma1_would_bias_v1(big_gaussian):
    """ANCHORS' warning, checked: the continuum sigma_1 differs from the grid's by several per cent."""
    sim, _ = big_gaussian
    _, s1c, _ = grid_moments(sim.power_grid, sim.fov_deg, 2.0, derivative="central")
    _, s1s, _ = grid_moments(sim.power_grid, sim.fov_deg, 2.0, derivative="spectral")
    assert 1.02 < s1s / s1c < 1.1


def test_peak_counts_match_bond_efstathiou(big_gaussian):
    sim, maps = big_gaussian
    smoothing = 4.0
    s0, s1, s2 = grid_moments(sim.power_grid, sim.fov_deg, smoothing, derivative="spectral")
    edges = np.linspace(-4, 6, 41)
    out = peak_counts(maps, edges=edges, mean=0.0, sigma=s0, smoothing_px=smoothing, fov_deg=sim.fov_deg)
    theory = peak_density(out["nu"], s0, s1, s2) * np.diff(edges)
    assert out["total"].mean() == pytest.approx(theory.sum(), rel=0.04)
    measured = out["density"].mean(axis=0)
    assert np.abs(measured - theory).max() < 0.1 * theory.max()
    # more peaks above 2 sigma than below -1 sigma
    assert measured[out["nu"] > 2].sum() > measured[out["nu"] < -1].sum()


def test_power_spectrum_units_and_error():
    sim = MapSimulator(64, 3.5, PowerLawSpectrum(1e-9, 0.0))  # white: P(l) = 1e-9 sr everywhere
    maps = sim.sample(200, seed=1)
    ps = power_spectrum(maps, fov_deg=3.5)
    # rings of width 1 around k = 1..31 (cycles per map); the first holds |k| = 1 and sqrt 2, 4 modes each
    assert ps.per_sample.shape == (200, 31) and ps.x.shape == (31,)
    assert ps.extra["modes"][0] == 8
    np.testing.assert_allclose(ps.extra["power"], 1e-9, rtol=0.15)
    assert ps.x[0] == pytest.approx(2 * np.pi * (1 + np.sqrt(2)) / 2 / np.deg2rad(3.5))
    np.testing.assert_allclose(ps.value, 1e-9 * ps.x * (ps.x + 1) / (2 * np.pi), rtol=0.15)
    np.testing.assert_allclose(ps.error, ps.per_sample.std(axis=0, ddof=1) / np.sqrt(200))
    # unknown field of view: the axis is k (cycles per map width)
    ps_k = power_spectrum(maps)
    np.testing.assert_allclose(ps_k.x, np.arange(1, 32), atol=0.3)
    assert "unknown" in ps_k.extra["x_units"]


def test_statistics_are_invariant_under_periodic_shifts():
    maps = MapSimulator(64, 3.5, lognormal=True).sample(6, seed=2).astype(np.float64)
    rolled = np.roll(maps, shift=(17, -29), axis=(1, 2))
    np.testing.assert_allclose(power_spectrum(rolled, fov_deg=3.5).per_sample,
                               power_spectrum(maps, fov_deg=3.5).per_sample, rtol=1e-9)
    a = minkowski_functionals(maps, fov_deg=3.5)
    b = minkowski_functionals(rolled, fov_deg=3.5)
    for k in ("v0", "v1", "v2"):
        np.testing.assert_allclose(b[k], a[k], rtol=1e-8, atol=1e-12)
    np.testing.assert_array_equal(peak_counts(rolled, fov_deg=3.5)["density"],
                                  peak_counts(maps, fov_deg=3.5)["density"])
    edges = np.linspace(-0.02, 0.05, 11)
    np.testing.assert_array_equal(pixel_histogram(rolled, edges=edges).per_sample,
                                  pixel_histogram(maps, edges=edges).per_sample)
    # smoothing is periodic: a feature at the edge spreads across it
    spike = np.zeros((1, 32, 32))
    spike[0, 0, 0] = 1.0
    s = smooth(spike, 2.0)
    assert s[0, -1, -1] == pytest.approx(s[0, 1, 1])


def test_pixel_histogram_density_and_outside_mass():
    rng = np.random.default_rng(0)
    maps = rng.normal(0, 1, (20, 32, 32))
    edges = np.linspace(-2, 2, 21)
    h = pixel_histogram(maps, edges=edges)
    assert h.per_sample.shape == (20, 20)
    inside = (h.value * np.diff(edges)).sum()
    assert inside == pytest.approx(1 - h.extra["outside"])
    assert h.extra["outside"] == pytest.approx(0.0455, abs=0.01)  # |x| > 2 sigma
    expected = np.array([np.histogram(m, edges)[0] for m in maps]) / (32 * 32 * np.diff(edges))
    np.testing.assert_allclose(h.per_sample, expected)


def test_transform_converts_back_before_statistics():
    maps = MapSimulator(32, 3.5, lognormal=True).sample(8, seed=3)
    t = CosmoGANTransform.fit(maps)
    net = t.forward(maps)
    a = power_spectrum(maps, fov_deg=3.5)
    b = power_spectrum(net, fov_deg=3.5, transform=t)
    np.testing.assert_allclose(b.value, a.value, rtol=1e-4)
    b_json = power_spectrum(net, fov_deg=3.5, transform=t.to_json())
    np.testing.assert_allclose(b_json.value, b.value)
    # without the transform the network-space maps have a very different spectrum
    assert not np.allclose(power_spectrum(net, fov_deg=3.5).value, a.value, rtol=0.5)


def test_registered_statistics_share_real_scales():
    names = {s.name for s in statistics_for("astro")}
    assert names == {"power_spectrum", "pixel_histogram", "minkowski_v0", "minkowski_v1", "minkowski_v2",
                     "peak_counts"}
    real = MapSimulator(32, 3.5, lognormal=True).sample(40, seed=4)
    fake = 1.5 * MapSimulator(32, 3.5, lognormal=True).sample(40, seed=5)  # too wide
    for stat in make_statistics(fov_deg=3.5):
        params = stat.prepare(real, None)
        r, f = stat.evaluate(real, None, **params), stat.evaluate(fake, None, **params)
        assert r.per_sample.shape[0] == 40 and r.x is not None and r.value.shape == r.x.shape
        assert not np.allclose(r.value, f.value, rtol=0.05), stat.name
    # fov from the real set's attributes, when prepare is given them
    ps = make_statistics()[0]
    params = ps.prepare(real, None, attrs={"fov_deg": 3.5})
    assert ps.evaluate(real, None, **params).x[0] == pytest.approx(2 * np.pi * 1.2071 / np.deg2rad(3.5), rel=1e-4)


def test_field_moments_and_bad_input():
    maps = MapSimulator(64, 3.5).sample(4, seed=0)
    m = field_moments(maps, smoothing_px=2.0, fov_deg=3.5)
    assert m["sigma0"] > 0 and m["sigma1"] > 0
    with pytest.raises(InputError, match="NaN"):
        power_spectrum(np.full((2, 8, 8), np.nan))
    with pytest.raises(InputError, match="shape"):
        power_spectrum(np.zeros(5))
    with pytest.raises(InputError, match="thresholds"):
        minkowski_functionals(maps, thresholds=[1.0])


def test_white_noise_power_on_rectangular_maps():
    """Unit white noise has P = pixel area [sr] at every l, whatever the map's aspect ratio."""
    maps = np.random.default_rng(0).standard_normal((300, 32, 64))
    ps = power_spectrum(maps, fov_deg=2.0)
    pixel_sr = (np.deg2rad(2.0) / 64) ** 2
    np.testing.assert_allclose(np.array(ps.extra["power"]) / pixel_sr, 1.0, atol=0.08)
    # the shorter axis' lowest mode is 2 cycles per width: the first ring holds only k_x = +-1
    assert ps.x[0] == pytest.approx(2 * np.pi / np.deg2rad(2.0))


def test_v0_is_exact_area_fraction_and_peaks_are_local_maxima():
    maps = MapSimulator(32, 3.5, lognormal=True).sample(5, seed=9).astype(np.float64)
    nu = np.array([-2.0, -0.7, 0.0, 0.4, 2.5])  # uneven thresholds take the general path
    out = minkowski_functionals(maps, thresholds=nu, smoothing_px=1.5)
    v = (smooth(maps, 1.5) - out["mean"]) / out["sigma"]
    direct = np.array([[(vi > t).mean() for t in nu] for vi in v])
    np.testing.assert_array_equal(out["v0"], direct)
    pk = peak_counts(maps, edges=np.array([-10.0, 10.0]), smoothing_px=1.5)
    u = smooth(maps, 1.5)
    brute = [sum(all(ui[y, x] > ui[(y + dy) % 32, (x + dx) % 32] for dy in (-1, 0, 1) for dx in (-1, 0, 1)
                     if dy or dx) for y in range(32) for x in range(32)) for ui in u]
    np.testing.assert_allclose(pk["density"][:, 0] * 32 * 32, brute)  # no fov: per pixel^2
