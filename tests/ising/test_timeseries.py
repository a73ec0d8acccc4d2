"""Autocorrelation times, burn-in and error bars on processes with known answers."""

import numpy as np
import pytest

from scigen.errors import InputError
from scigen.ising import timeseries as ts


def ar1(phi, n, chains, rng):
    """AR(1) x_t = phi x_{t-1} + noise, started in equilibrium: tau_int = (1 + phi) / (2 (1 - phi))."""
    x = np.empty((chains, n))
    x[:, 0] = rng.standard_normal(chains) / np.sqrt(1 - phi**2)
    noise = rng.standard_normal((chains, n))
    for t in range(1, n):
        x[:, t] = phi * x[:, t - 1] + noise[:, t]
    return x


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.9])
def test_tau_of_ar1(phi):
    rng = np.random.default_rng(1)
    x = ar1(phi, 4000, 16, rng)
    res = ts.integrated_time(x)
    exact = (1 + phi) / (2 * (1 - phi))
    assert res.reliable
    assert abs(res.tau - exact) < 3 * res.error + 0.02 * exact, (res, exact)
    assert res.window >= 5 * res.tau - 1e-9


def test_autocorrelation_of_ar1_decays_geometrically():
    x = ar1(0.8, 20000, 8, np.random.default_rng(2))
    rho = ts.autocorrelation(x, max_lag=5)
    np.testing.assert_allclose(rho, 0.8 ** np.arange(6), atol=0.02)


def test_short_series_is_a_lower_bound():
    x = ar1(0.995, 300, 1, np.random.default_rng(3))  # tau = 199.5, series of 300
    assert not ts.integrated_time(x).reliable


def test_constant_series():
    res = ts.integrated_time(np.ones((4, 100)))
    assert res.tau == 0.5


def test_mser_finds_the_transient():
    rng = np.random.default_rng(4)
    t = np.arange(2000)
    y = 5.0 * np.exp(-t / 60.0) + 0.1 * rng.standard_normal(2000)  # decays to noise by ~ 400
    d = ts.mser_burn_in(y)
    assert 200 <= d <= 600
    assert ts.mser_burn_in(0.1 * rng.standard_normal(2000)) < 200  # stationary: little or nothing cut


def test_blocking_error_of_correlated_mean():
    rng = np.random.default_rng(5)
    phi, n = 0.9, 1 << 16
    x = ar1(phi, n, 1, rng)[0]
    mean, err, block = ts.blocking_error(x)
    tau = (1 + phi) / (2 * (1 - phi))
    expected = np.sqrt(2 * tau / (1 - phi**2) / n)  # Var(x) = 1/(1 - phi^2)
    assert err == pytest.approx(expected, rel=0.25)
    assert block >= 8  # needed blocks of many steps
    naive = x.std() / np.sqrt(n)
    assert err > 3 * naive


def test_jackknife_of_mean_is_standard_error():
    x = np.random.default_rng(6).standard_normal(64)
    val, err = ts.jackknife(np.mean, [x], n_blocks=64)
    assert val == pytest.approx(x.mean())
    assert err == pytest.approx(x.std(ddof=1) / 8, rel=1e-10)  # exact identity for the mean


def test_jackknife_of_a_variance():
    rng = np.random.default_rng(7)
    errs = []
    for _ in range(200):
        x = rng.standard_normal(400)
        errs.append(ts.jackknife(lambda a: np.var(a, ddof=1), [x], n_blocks=32)[1])
    assert np.mean(errs) == pytest.approx(np.sqrt(2 / 399), rel=0.1)  # sd of a Gaussian variance


def test_bad_input():
    with pytest.raises(InputError, match="NaN"):
        ts.integrated_time([1.0, np.nan, 2.0, 3.0, 4.0])
    with pytest.raises(InputError, match="too short"):
        ts.integrated_time([1.0, 2.0])
    with pytest.raises(InputError, match="same number"):
        ts.jackknife(lambda a, b: 0.0, [np.ones(4), np.ones(5)])
