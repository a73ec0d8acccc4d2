"""Monte Carlo kernels: bookkeeping exactness, acceptance probabilities, and detailed balance checked
against exact enumeration of small lattices."""

import numpy as np
import pytest
import torch

from scigen.errors import InputError
from scigen.ising import exact
from scigen.ising.kernels import (
    MultispinMetropolis, SwendsenWang, acceptance_bits, lane_counts, lattice_energy, lattice_magnetization,
    metropolis_sweep,
)


def test_lane_counts_match_bit_unpacking():
    g = torch.Generator().manual_seed(0)
    x = torch.empty((3, 4096 + 6), dtype=torch.int64).random_(-(2**63), 2**63 - 1, generator=g)
    ref = ((x.unsqueeze(-1) >> torch.arange(64)) & 1).sum(1)
    assert torch.equal(lane_counts(x), ref)
    assert torch.equal(lane_counts(x[:, :4096]), ((x[:, :4096].unsqueeze(-1) >> torch.arange(64)) & 1).sum(1))


@pytest.mark.parametrize("J,h", [(1.0, 0.0), (-1.0, 0.3), (0.7, -0.2)])
def test_packed_state_bookkeeping(J, h):
    m = MultispinMetropolis(8, [1.0, 2.5, 4.0], words=2, generator=1, J=J, h=h)
    m.sweep(7)
    spins = m.spins()
    assert spins.shape == (3, 128, 8, 8) and spins.dtype == torch.int8
    assert set(torch.unique(spins).tolist()) <= {-1, 1}
    E, M = m.measure()
    np.testing.assert_array_equal(E, lattice_energy(spins, J, h).numpy())
    np.testing.assert_array_equal(M, lattice_magnetization(spins).numpy())
    other = MultispinMetropolis(8, [1.0, 2.5, 4.0], words=2, generator=9, J=J, h=h)
    other.set_spins(spins)
    assert torch.equal(other.S, m.S)
    m.keep([2, 0])  # drop and reorder temperatures
    assert torch.equal(m.spins(), spins[[2, 0]]) and torch.equal(m.spins(1), spins[0])


def test_acceptance_probabilities_are_exact():
    T = np.array([0.8, 1.5, exact.TC, 3.5])
    m = MultispinMetropolis(32, T, words=1, generator=3)
    classes, p_int, k = acceptance_bits(T)
    assert classes == [(0, None), (1, None)] and k == 64  # T = 0.8 needs 64 bits for 1e-6 precision
    s = m.S[0]
    n = s[:, 0].numel() * 64 * 20
    for c, de in ((0, 8.0), (1, 4.0)):
        cls = torch.zeros((2, *s.shape), dtype=torch.int64)
        cls[c] = -1
        hits = np.zeros(len(T))
        for _ in range(20):
            out = torch.zeros_like(s)
            m._accept(cls, out)
            hits += lane_counts(out.transpose(0, 1).reshape(len(T), -1)).sum(1).numpy()
        p = np.exp(-de / T)
        z = (hits / n - p) / np.sqrt(p * (1 - p) / n)
        assert np.all(np.abs(z) < 4.5), z


def _mc_averages(engine, sweeps, L):
    N = L * L
    e, am, m2 = [], [], []
    for _ in range(sweeps):
        engine.sweep(1)
        E, M = engine.measure()
        e.append(E / N)
        am.append(np.abs(M) / N)
        m2.append((M / N) ** 2)
    out = {}
    for name, x in (("e", e), ("abs_m", am), ("m2", m2)):
        chain_means = np.mean(x, axis=0)  # (nT, chains)
        out[name] = (chain_means.mean(1), chain_means.std(1, ddof=1) / np.sqrt(chain_means.shape[1]))
    return out


def _check(out, bf, extra=""):
    for name, ref in (("e", bf.energy), ("abs_m", bf.abs_magnetization), ("m2", bf.m2)):
        val, err = out[name]
        z = (val - ref) / err
        assert np.all(np.abs(z) < 4.0), f"{name}{extra}: {val} vs exact {ref} (z = {z})"


@pytest.mark.parametrize("J,h", [(1.0, 0.0), (1.0, 0.4), (-1.0, 0.0)])
def test_multispin_metropolis_samples_the_boltzmann_distribution(J, h):
    T = np.array([1.5, 2.3, 4.0])
    m = MultispinMetropolis(4, T, words=2, generator=11, J=J, h=h)
    m.sweep(50)
    _check(_mc_averages(m, 600, 4), exact.brute_force(4, T, J=J, h=h), f" J={J} h={h}")


def test_swendsen_wang_samples_the_boltzmann_distribution():
    T = np.array([1.5, 2.3, 4.0])
    sw = SwendsenWang(4, T, chains=128, generator=12)
    sw.sweep(20)
    _check(_mc_averages(sw, 300, 4), exact.brute_force(4, T), " SW")


def test_int8_reference_kernel():
    L, T = 4, np.array([1.5, 2.3, 4.0])
    g = torch.Generator().manual_seed(13)
    spins = torch.ones((len(T) * 128, L, L), dtype=torch.int8)
    beta = torch.tensor(1 / T).repeat_interleave(128)
    for _ in range(50):
        metropolis_sweep(spins, beta, g, J=1.0, h=0.4)

    class Engine:  # the measuring protocol around the plain kernel
        def sweep(self, n):
            metropolis_sweep(spins, beta, g, J=1.0, h=0.4)

        def measure(self):
            s = spins.view(len(T), 128, L, L)
            return lattice_energy(s, 1.0, 0.4).numpy(), lattice_magnetization(s).numpy()

    _check(_mc_averages(Engine(), 600, L), exact.brute_force(L, T, h=0.4), " int8")


def test_high_temperature_limit_and_symmetry():
    m = MultispinMetropolis(16, [1e4], words=1, generator=5)  # hot start above Tc
    m.sweep(20)
    E, M = m.measure()
    assert abs(E.mean() / 256) < 0.05  # e -> 0 as T -> infinity (sd of the mean 0.011)
    assert (M > 0).sum() > 10 and (M < 0).sum() > 10  # both magnetisation signs
    sw = SwendsenWang(16, [1e4], chains=64, generator=6)
    sw.sweep(3)
    _, M = sw.measure()
    assert (M > 0).sum() > 10 and (M < 0).sum() > 10


def test_ordered_start_below_tc_and_global_flip():
    m = MultispinMetropolis(16, [1.0], words=1, generator=7)
    _, M = m.measure()
    assert np.all(M == 256)  # "auto" start: ordered below Tc
    m.global_flip()
    _, M = m.measure()
    assert set(np.unique(M)) == {-256, 256}


def test_reproducible_with_seed():
    a = MultispinMetropolis(8, [2.0, 3.0], generator=42)
    b = MultispinMetropolis(8, [2.0, 3.0], generator=42)
    a.sweep(5)
    b.sweep(5)
    assert torch.equal(a.S, b.S)


def test_bad_input():
    with pytest.raises(InputError, match="even"):
        MultispinMetropolis(7, [2.0])
    with pytest.raises(InputError, match="temperatures"):
        MultispinMetropolis(8, [2.0, -1.0])
    with pytest.raises(InputError, match="seed"):
        MultispinMetropolis(8, [2.0], generator=None)
    with pytest.raises(InputError, match="h = 0"):
        MultispinMetropolis(8, [2.0], h=0.1).global_flip()
    with pytest.raises(InputError, match="shape"):
        SwendsenWang(8, [2.0], spins=torch.ones((2, 64, 8, 8), dtype=torch.int8))
