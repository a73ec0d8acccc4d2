"""The convergence-map simulator: spectra, Gaussian and log-normal maps, seeds, sample sets."""

import numpy as np
import pytest
from scipy.stats import chi2

from scigen.astro.maps import MapSimulator, multipoles, simulate_maps, write_maps
from scigen.astro.spectra import (LinearConvergenceSpectrum, PowerLawSpectrum, TabulatedSpectrum,
                                  spectrum_from_json)
from scigen.astro.stats import power_spectrum, spectrum_bins
from scigen.errors import InputError
from scigen.io import read_sample_set


def expected_dl(sim: MapSimulator, x: np.ndarray) -> np.ndarray:
    """The estimator's expectation: the input P(l) averaged over the modes of each bin, times l(l+1)/2pi."""
    size = sim.size
    bins = spectrum_bins((size, size))
    p = bins.average(sim.power_grid[:, : size // 2 + 1])
    return p * x * (x + 1) / (2 * np.pi)


def spectrum_chi2(sim, maps):
    ps = power_spectrum(maps, fov_deg=sim.fov_deg)
    resid = (ps.value - expected_dl(sim, ps.x)) / ps.error
    return float(np.sum(resid ** 2)), resid.size


def test_lcdm_spectrum_is_physical():
    spec = LinearConvergenceSpectrum()
    ell = np.array([10.0, 100.0, 300.0, 1000.0, 3000.0])
    dl = ell * (ell + 1) * spec(ell) / (2 * np.pi)
    assert np.all(dl > 0) and np.all(np.isfinite(dl))
    # linear-theory convergence for z_s = 1: D_l peaks at a few 1e-5 around l ~ 300 and falls after
    assert 5e-6 < dl[2] < 5e-5 and dl[2] > dl[0] and dl[2] > dl[4]
    # linear growth of LCDM (Omega_m = 0.3): D(z=1) / D(0) = 0.61
    assert spec._growth(np.array([1.0]))[0] == pytest.approx(0.612, abs=0.01)
    # the spectrum grows with sigma_8 as sigma_8^2 and with the source redshift
    assert LinearConvergenceSpectrum(sigma8=1.6)(1000.0) == pytest.approx(4 * spec(1000.0), rel=1e-6)
    assert LinearConvergenceSpectrum(z_source=2.0)(1000.0) > 2 * spec(1000.0)


def test_spectra_json_round_trip(tmp_path):
    table = tmp_path / "pl.txt"
    ell = np.geomspace(1, 1e5, 50)
    np.savetxt(table, np.c_[ell, 1e-9 * (ell / 1000) ** -1.2], header="l P")
    specs = (LinearConvergenceSpectrum(sigma8=0.9), PowerLawSpectrum(2e-9, -1.2), TabulatedSpectrum.from_file(table))
    for spec in specs:
        again = spectrum_from_json(spec.to_json())
        probe = np.array([50.0, 700.0, 4000.0])
        np.testing.assert_allclose(again(probe), spec(probe), rtol=1e-6)
    # the table interpolates the power law exactly in log-log
    np.testing.assert_allclose(TabulatedSpectrum.from_file(table)([123.0]), PowerLawSpectrum(1e-9, -1.2)([123.0]),
                               rtol=1e-6)


def test_tabulated_spectrum_must_cover_the_grid():
    spec = TabulatedSpectrum([200.0, 1000.0], [1e-9, 1e-10])
    with pytest.raises(InputError, match="extend the table"):
        MapSimulator(64, 3.5, spec)


def test_gaussian_maps_recover_input_spectrum():
    sim = MapSimulator(64, 3.5)  # default: linear LCDM
    maps = sim.sample(600, seed=11)
    assert maps.shape == (600, 64, 64) and maps.dtype == np.float32
    value, dof = spectrum_chi2(sim, maps)
    assert chi2.sf(value, dof) > 1e-3, f"chi2 = {value:.1f} for {dof} bins"
    assert 0.6 < value / dof < 1.6
    # pixel variance = sum over the grid's modes of P(l) / area; every map has mean exactly zero
    assert maps.std() == pytest.approx(sim.sigma, rel=0.02)
    np.testing.assert_allclose(maps.mean(axis=(1, 2)), 0.0, atol=1e-6 * sim.sigma * 64)


def test_lognormal_maps_have_target_spectrum_mean_and_skewness():
    shift = 0.02
    sim = MapSimulator(64, 3.5, lognormal=True, shift=shift)
    maps = sim.sample(600, seed=12).astype(np.float64)
    value, dof = spectrum_chi2(sim, maps)
    assert chi2.sf(value, dof) > 1e-3, f"chi2 = {value:.1f} for {dof} bins"
    assert sim.clipped_power_fraction < 0.01
    # shifted log-normal: mean 0, bounded below by -shift, skewness (e^s2 + 2) sqrt(e^s2 - 1) with
    # e^s2 - 1 = var / shift^2
    eps = maps.var() / shift ** 2
    expected_skew = (eps + 3) * np.sqrt(eps)
    skew = ((maps - maps.mean()) ** 3).mean() / maps.std() ** 3
    assert abs(maps.mean()) < 3 * maps.std() / np.sqrt(600)
    assert maps.min() > -shift
    assert skew > 0.5 and skew == pytest.approx(expected_skew, rel=0.1)
    gauss = MapSimulator(64, 3.5).sample(200, seed=12)
    assert abs(((gauss - gauss.mean()) ** 3).mean() / gauss.std() ** 3) < 0.1


def test_power_law_spectrum_on_other_geometry():
    sim = MapSimulator(32, 10.0, PowerLawSpectrum(1e-8, -2.0))
    value, dof = spectrum_chi2(sim, sim.sample(800, seed=3))
    assert chi2.sf(value, dof) > 1e-3


def test_seeds_reproducible_and_batch_independent():
    sim = MapSimulator(32, 3.5, lognormal=True)
    a = sim.sample(10, seed=5)
    b = np.concatenate(list(sim.iter_batches(10, seed=5, batch=3)))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, sim.sample(10, seed=6))
    np.testing.assert_array_equal(simulate_maps(10, 32, 3.5, lognormal=True, seed=5), a)


def test_multipoles_axis():
    ell = multipoles((8, 8), fov_deg=2.0)
    assert ell[0, 1] == pytest.approx(2 * np.pi / np.deg2rad(2.0))
    assert ell[0, 0] == 0 and ell.shape == (8, 8)
    assert multipoles((8, 8), 2.0, real=True).shape == (8, 5)


def test_bad_geometry_and_shift():
    with pytest.raises(InputError, match="field of view"):
        MapSimulator(64, -1.0)
    with pytest.raises(InputError, match="size"):
        MapSimulator(2, 3.5)
    with pytest.raises(InputError, match="shift"):
        MapSimulator(64, 3.5, lognormal=True, shift=0.0)
    with pytest.raises(InputError, match="shift .* too small"):
        MapSimulator(64, 3.5, lognormal=True, shift=1e-4)


def test_write_maps_sample_set_and_fits(tmp_path):
    sim = MapSimulator(32, 2.0, lognormal=True, shift=0.03)
    summary = write_maps(tmp_path / "maps.h5", 12, sim, seed=4, batch=5, fits_dir=tmp_path / "fits")
    s = read_sample_set(tmp_path / "maps.h5")
    np.testing.assert_array_equal(s.samples, sim.sample(12, seed=4))
    assert s.samples.dtype == np.float32 and s.samples.shape == (12, 32, 32)
    assert s.attrs["domain"] == "astro" and s.attrs["seed"] == 4
    assert s.attrs["fov_deg"] == 2.0 and s.attrs["pixel_arcmin"] == pytest.approx(2.0 * 60 / 32)
    assert s.attrs["lognormal_shift"] == 0.03 and s.attrs["map_kind"] == "lognormal"
    assert s.attrs["spectrum"]["kind"] == "linear_lcdm_convergence"
    assert s.attrs["producer"]["kind"] == "simulator"
    assert summary["std"] == pytest.approx(float(s.samples.std()), rel=1e-4)
    from scigen.astro.fits import read_fits_folder

    stack = read_fits_folder(tmp_path / "fits")
    np.testing.assert_array_equal(stack.maps, s.samples)
    assert stack.pixel_scale_deg == pytest.approx(2.0 / 32)
    assert stack.images[0].header["SGSEED"] == 4
