"""The simulator end to end: equilibrium values against the exact finite lattice, recorded
provenance, symmetry, reproducibility, files."""

import numpy as np
import pytest

from scigen.errors import InputError
from scigen.io import read_sample_set
from scigen.ising import exact, simulate, simulate_to_file
from scigen.ising.data import CLUSTER_TAU
from scigen.ising.stats import energy_per_spin, magnetization, specific_heat
from scigen.ising.timeseries import blocking_error

TEMPS = [2.0, 2.269, 3.0]


@pytest.fixture(scope="module")
def l16():
    return simulate(16, TEMPS, 1024, seed=3)


def test_energy_and_specific_heat_match_the_exact_finite_lattice(l16):
    ex = exact.finite_lattice(16, TEMPS)
    for i, T in enumerate(TEMPS):
        s = l16.samples[l16.condition[:, 0] == T]
        e = energy_per_spin(s)
        mean, err, _ = blocking_error(e)  # samples are ordered chain by chain, then in MC time
        assert err < 0.01
        assert abs(mean - ex.energy[i]) < 3 * err, (T, mean, err, ex.energy[i])
        c, c_err = specific_heat(s, T)
        assert c_err < 0.15 * c
        assert abs(c - ex.specific_heat[i]) < 3 * c_err, (T, c, c_err, ex.specific_heat[i])
        rec = l16.attrs["per_temperature"][i]  # Monte Carlo average over every production sweep
        assert abs(rec["e_mc"] - ex.energy[i]) < 3 * rec["e_mc_error"], rec


def test_sample_set_layout_and_records(l16):
    assert l16.samples.shape == (3 * 1024, 16, 16) and l16.samples.dtype == np.int8
    assert set(np.unique(l16.samples)) == {-1, 1}
    assert l16.condition.shape == (3 * 1024, 1)
    a = l16.attrs
    assert a["domain"] == "ising" and a["seed"] == 3 and a["L"] == 16 and a["temperatures"] == TEMPS
    assert a["producer"]["kind"] == "simulator"
    for rec, T in zip(a["per_temperature"], TEMPS):
        assert rec["T"] == T and rec["algorithm"] == "metropolis" and rec["samples"] == 1024
        assert rec["tau_reliable"] and rec["burn_in"] >= rec["mser_burn_in"]
        assert rec["thinning"] >= 2 * max(rec["tau_energy"], rec["tau_abs_m"])
        assert rec["burn_in"] >= 25 * max(rec["tau_energy"], rec["tau_abs_m"])
    taus = [r["tau_abs_m"] for r in a["per_temperature"]]
    assert taus[1] > 2 * max(taus[0], taus[2])  # critical slowing down at Tc


def test_both_signs_and_finite_size_magnetisation(l16):
    for T in TEMPS:
        m = magnetization(l16.samples[l16.condition[:, 0] == T])
        assert 0.4 < np.mean(m > 0) < 0.6  # symmetric at h = 0, also below Tc
    # finite-L <|m|> at Tc is far above Onsager's m(Tc) = 0: never compare the two there
    m = magnetization(l16.samples[l16.condition[:, 0] == 2.269])
    assert np.abs(m).mean() > 0.6


def test_reproducible_and_written_to_file(tmp_path):
    a = simulate(8, [2.5], 100, seed=7)
    b = simulate_to_file(tmp_path / "s.h5", 8, [2.5], 100, seed=7)
    assert np.array_equal(a.samples, b.samples)
    back = read_sample_set(tmp_path / "s.h5")
    assert np.array_equal(back.samples, a.samples) and np.array_equal(back.condition, a.condition)
    assert back.attrs["domain"] == "ising" and back.attrs["per_temperature"][0]["T"] == 2.5
    assert back.attrs["producer"]["name"] == "scigen.ising.simulate" and back.attrs["seed"] == 7
    assert not np.array_equal(simulate(8, [2.5], 100, seed=8).samples, a.samples)


def test_cluster_algorithm_and_auto_handover():
    ex = exact.finite_lattice(16, exact.TC)
    sw = simulate(16, [exact.TC], 512, seed=4, algorithm="cluster")
    rec = sw.attrs["per_temperature"][0]
    assert rec["algorithm"] == "swendsen-wang" and rec["tau_abs_m"] < 3
    assert abs(rec["e_mc"] - ex.energy) < 3 * rec["e_mc_error"]
    # with a cheap enough cluster update, "auto" hands the critical temperature over to it
    auto = simulate(16, [1.5, exact.TC], 256, seed=5, cluster_cost_ratio=1.0)
    recs = auto.attrs["per_temperature"]
    assert [r["algorithm"] for r in recs] == ["metropolis", "swendsen-wang"]
    assert recs[1]["metropolis_tau_lower_bound"] > CLUSTER_TAU
    assert abs(recs[1]["e_mc"] - ex.energy) < 3 * recs[1]["e_mc_error"]


def test_field_breaks_the_symmetry():
    s = simulate(8, [3.0], 128, seed=2, h=0.5)
    assert magnetization(s.samples).mean() > 0.3 and s.attrs["symmetrised"] is False


@pytest.mark.parametrize("kwargs, match", [
    (dict(size=7), "even"), (dict(temperatures=[2.0, 0.0]), "temperatures"),
    (dict(samples_per_temperature=0), "positive"), (dict(chains=100), "multiple of 64"),
    (dict(algorithm="cluster", h=0.1), "h = 0"), (dict(algorithm="wolff"), "one of"),
    (dict(thin=0.5), "thin"), (dict(max_sweeps=100), "max_sweeps"), (dict(device="nonsense"), "device"),
])
def test_bad_input(kwargs, match):
    args = dict(size=16, temperatures=[2.269], samples_per_temperature=64, seed=0)
    args.update(kwargs)
    with pytest.raises(InputError, match=match):
        simulate(**args)


def test_short_chains_control_starts_like_the_simulator_and_relaxes(tmp_path):
    from scigen.ising.data import short_chains

    none = read_sample_set(short_chains(tmp_path / "c0.h5", 8, [1.5, 3.0], 300, 0, seed=1))
    below, above = none.samples[:300], none.samples[300:]
    m0 = magnetization(below)
    assert set(np.unique(m0)) == {-1.0, 1.0} and 0.35 < np.mean(m0 > 0) < 0.65  # ordered, both signs
    assert abs(magnetization(above).mean()) < 0.05 and energy_per_spin(above).mean() > -0.2  # random start
    s = read_sample_set(short_chains(tmp_path / "c.h5", 8, [1.5, 3.0], 300, 100, seed=2))
    assert s.samples.dtype == np.int8 and s.condition[:, 0].tolist() == [1.5] * 300 + [3.0] * 300
    assert s.attrs["producer"]["sweeps"] == 100
    ex = exact.finite_lattice(8, [1.5, 3.0]).energy
    for i, rows in enumerate((slice(0, 300), slice(300, 600))):
        e = energy_per_spin(s.samples[rows])  # independent chains: plain standard errors
        assert abs(e.mean() - ex[i]) < 3.5 * e.std() / np.sqrt(300), (i, e.mean(), ex[i])
