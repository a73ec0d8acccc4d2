"""Observables: exact values on known configurations, estimators against exact Boltzmann samples of a
4 x 4 lattice, and their registration with scigen.validate."""

import numpy as np
import pytest

from scigen.errors import InputError
from scigen.ising import exact, stats
from scigen.validate.statistic import statistics_for


def exact_samples(L, T, n, seed):
    """Independent samples of the exact Boltzmann distribution of an L x L lattice (L^2 <= 16)."""
    N = L * L
    states = np.arange(1 << N)
    spins = (((states[:, None] >> np.arange(N)) & 1) * 2 - 1).astype(np.int8).reshape(-1, L, L)
    e = stats.energy_per_spin(spins) * N
    w = np.exp(-(e - e.min()) / T)
    idx = np.random.default_rng(seed).choice(len(states), size=n, p=w / w.sum())
    return spins[idx]


def test_known_configurations():
    up = np.ones((2, 8, 8), dtype=np.int8)
    neel = np.indices((8, 8)).sum(0) % 2 * 2 - 1
    neel = np.stack([neel, -neel]).astype(np.int8)
    np.testing.assert_array_equal(stats.energy_per_spin(up), [-2, -2])
    np.testing.assert_array_equal(stats.energy_per_spin(neel), [2, 2])
    np.testing.assert_array_equal(stats.magnetization(-up), [-1, -1])
    r, g = stats.correlation_function(up)
    np.testing.assert_allclose(g, 1.0)
    r, g = stats.correlation_function(neel)
    np.testing.assert_allclose(g, np.tile((-1.0) ** r, (2, 1)), atol=1e-12)
    assert list(r) == [0, 1, 2, 3, 4]


def test_correlation_function_properties():
    rng = np.random.default_rng(0)
    s = rng.choice(np.array([-1, 1], dtype=np.int8), size=(200, 16, 16))
    r, g = stats.correlation_function(s)
    np.testing.assert_allclose(g[:, 0], 1.0)  # G(0) = 1
    assert np.all(np.abs(g[:, 1:].mean(0)) < 0.02)  # independent spins
    # equals the direct sum along both axes
    direct = 0.5 * ((s * np.roll(s, -3, axis=2)).mean((1, 2)) + (s * np.roll(s, -3, axis=1)).mean((1, 2)))
    np.testing.assert_allclose(g[:, 3], direct, atol=1e-12)


@pytest.mark.parametrize("T", [1.8, 2.5, 4.0])
def test_estimators_on_exact_boltzmann_samples(T):
    s = exact_samples(4, T, 20000, seed=int(T * 10))
    bf = exact.brute_force(4, T)
    obs = stats.observables(s, T)
    for name, ref in (("energy", bf.energy), ("abs_magnetization", bf.abs_magnetization),
                      ("magnetization_squared", bf.m2), ("specific_heat", bf.specific_heat),
                      ("susceptibility", bf.susceptibility), ("binder_cumulant", bf.binder)):
        val, err = obs[name]
        assert err > 0 and abs(val - ref) < 4 * err, (name, T, val, err, ref)


def test_correlation_length():
    rng = np.random.default_rng(1)
    hot = rng.choice(np.array([-1, 1], dtype=np.int8), size=(4000, 16, 16))
    xi, err = stats.correlation_length(hot)  # 0 for independent spins, up to sqrt-amplified noise
    assert xi < 0.6 and err < 0.3
    # exact samples: xi grows as T falls towards Tc
    xs = [stats.correlation_length(exact_samples(4, T, 5000, seed=3))[0] for T in (5.0, 3.0, 2.3)]
    assert xs[0] < xs[1] < xs[2]


def test_histogram_bins_follow_the_lattice_grid():
    s = exact_samples(4, 2.5, 2000, seed=4)
    e = stats.energy_per_spin(s)
    edges = stats.histogram_bins(e, 4.0 / 16)
    pos = (e[:, None] - edges[None, :]) / (4.0 / 16)
    assert np.min(np.abs(pos - np.round(pos))) > 0.49  # allowed values sit mid-bin, never on an edge
    assert edges[0] < e.min() and edges[-1] > e.max()
    many = stats.histogram_bins(np.linspace(-2, 2, 1025), 4.0 / 1024)
    assert len(many) - 1 <= 40


def test_registered_statistics():
    reg = {s.name: s for s in statistics_for("ising")}
    assert set(reg) >= {"abs_magnetization", "magnetization_squared", "energy", "specific_heat", "susceptibility",
                        "binder_cumulant", "correlation_function", "correlation_length", "energy_histogram",
                        "magnetization_histogram"}
    assert all(s.group_by_condition for s in reg.values())
    s = exact_samples(4, 2.5, 3000, seed=5)
    cond = np.array([2.5])
    e = reg["energy"].evaluate(s, cond)
    assert e.per_sample.shape == (3000,) and e.value == pytest.approx(e.per_sample.mean())
    c = reg["specific_heat"].evaluate(s, cond)
    assert c.per_sample is None and c.error > 0
    g = reg["correlation_function"].evaluate(s, cond)
    assert g.per_sample.shape == (3000, 3) and g.value[0] == 1.0
    params = reg["energy_histogram"].prepare(s, cond)
    h = reg["energy_histogram"].evaluate(s, cond, **params)
    assert h.value.sum() == pytest.approx(1.0) and h.extra["fraction_outside"] == 0
    other = exact_samples(4, 1.5, 1000, seed=6)  # colder: mass beyond the real range lands in edge bins
    h2 = reg["energy_histogram"].evaluate(other, cond, **params)
    assert h2.value.sum() == pytest.approx(1.0) and h2.x.shape == h.x.shape
    m = reg["magnetization_histogram"].evaluate(s, cond, **reg["magnetization_histogram"].prepare(s, cond))
    assert m.value[: len(m.value) // 2].sum() == pytest.approx(m.value[len(m.value) // 2 + 1:].sum(), abs=0.05)


def test_bad_input():
    reg = {s.name: s for s in statistics_for("ising")}
    s = np.ones((10, 4, 4), dtype=np.int8)
    with pytest.raises(InputError, match="temperature"):
        reg["specific_heat"].evaluate(s, None)
    with pytest.raises(InputError, match="\\+-1"):
        stats.magnetization(np.zeros((3, 4, 4)))
    with pytest.raises(InputError, match="shape"):
        stats.magnetization(np.ones((3, 4, 5)))
