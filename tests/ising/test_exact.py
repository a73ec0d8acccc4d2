"""Exact results: Kaufman's finite lattice against brute force, anchors, and Onsager's limits."""

import numpy as np
import pytest

from scigen.errors import InputError
from scigen.ising import exact

TEMPS = np.array([0.3, 1.0, 1.5, 2.0, exact.TC, 2.5, 3.0, 5.0, 50.0])

# /work/shared/ANCHORS.md (Kaufman 1949 / Ferdinand & Fisher 1969 and Onsager, J = 1)
ANCHORS = {  # T: (L16 e, L16 c, L32 e, L32 c, inf e, inf c, inf m)
    1.5: (-1.951117, 0.19727, -1.951117, 0.19727, -1.951117, 0.19727, 0.98650),
    2.0: (-1.745531, 0.72551, -1.745565, 0.72487, -1.745565, 0.72487, 0.91132),
    2.5: (-1.131318, 1.06498, -1.107292, 0.88581, -1.106079, 0.86170, 0.0),
    3.0: (-0.817689, 0.40433, -0.817310, 0.40138, -0.817310, 0.40138, 0.0),
}


@pytest.mark.parametrize("shape", [(3, 3), (4, 4), (3, 4), (4, 3), (2, 3), (2, 2)])
def test_finite_lattice_equals_brute_force(shape):
    f = exact.finite_lattice(shape, TEMPS)
    b = exact.brute_force(shape, TEMPS)
    np.testing.assert_allclose(f.log_z, b.log_z, rtol=1e-13, atol=0)
    np.testing.assert_allclose(f.energy, b.energy, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(f.specific_heat, b.specific_heat, rtol=1e-11, atol=1e-10)


@pytest.mark.parametrize("L", [16, 128, 256])
def test_vectorised_over_temperature(L):
    T = np.linspace(0.5, 6.0, 45)
    f = exact.finite_lattice(L, T)
    assert np.all(np.isfinite(f.log_z)) and np.all(np.isfinite(f.energy)) and np.all(np.isfinite(f.specific_heat))
    for i in (0, 17, 30, 44):
        one = exact.finite_lattice(L, T[i])
        assert one.energy == pytest.approx(f.energy[i], rel=1e-13)
        assert one.specific_heat == pytest.approx(f.specific_heat[i], rel=1e-11)
    assert np.all(np.diff(f.energy) > 0)  # e rises with T


def test_finite_lattice_is_symmetric_in_rows_and_columns():
    a, b = exact.finite_lattice((6, 10), TEMPS), exact.finite_lattice((10, 6), TEMPS)
    np.testing.assert_allclose(a.log_z, b.log_z, rtol=1e-13)
    np.testing.assert_allclose(a.specific_heat, b.specific_heat, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("T", sorted(ANCHORS))
def test_anchor_values(T):
    e16, c16, e32, c32, ei, ci, mi = ANCHORS[T]
    f16, f32, inf = exact.finite_lattice(16, T), exact.finite_lattice(32, T), exact.onsager(T)
    assert f16.energy == pytest.approx(e16, abs=1e-6) and f16.specific_heat == pytest.approx(c16, abs=1e-5)
    assert f32.energy == pytest.approx(e32, abs=1e-6) and f32.specific_heat == pytest.approx(c32, abs=1e-5)
    assert inf.energy == pytest.approx(ei, abs=1e-6) and inf.specific_heat == pytest.approx(ci, abs=1e-5)
    assert inf.magnetization == pytest.approx(mi, abs=1e-5)


def test_large_lattice_approaches_onsager():
    T = np.array([1.5, 2.0, 3.0, 4.0])  # away from Tc finite-size corrections are exponentially small
    f, o = exact.finite_lattice(512, T), exact.onsager(T)
    np.testing.assert_allclose(f.energy, o.energy, rtol=1e-12)
    np.testing.assert_allclose(f.specific_heat, o.specific_heat, rtol=1e-9)
    # below Tc the torus has two ordered states: ln Z/N exceeds the infinite lattice's by ln(2)/N
    shift = np.where(T < exact.TC, -T * np.log(2) / 512**2, 0.0)
    np.testing.assert_allclose(f.free_energy - o.free_energy, shift, atol=1e-11)


def test_critical_point():
    assert exact.TC == pytest.approx(2.269185314213022, rel=1e-15)
    o = exact.onsager(exact.TC)
    assert o.energy == pytest.approx(-np.sqrt(2), rel=1e-12)  # e(Tc) = -sqrt(2) J
    assert np.isinf(o.specific_heat) and o.magnetization == 0
    # c diverges logarithmically: c(Tc +- dT) ~ -(8/pi) Kc^2 ln|1 - T/Tc|
    kc2 = (1 / exact.TC) ** 2
    c1, c2 = exact.onsager([exact.TC * (1 - 1e-4), exact.TC * (1 - 1e-6)]).specific_heat
    assert (c2 - c1) == pytest.approx((8 / np.pi) * kc2 * np.log(100), rel=5e-3)  # up to O(t ln t) terms
    # on finite lattices c(Tc) grows like (8/pi) Kc^2 ln L (Ferdinand & Fisher), corrections ~ 1/L
    c = [float(exact.finite_lattice(L, exact.TC).specific_heat) for L in (64, 128, 256, 512)]
    d = np.diff(c) - (8 / np.pi) * kc2 * np.log(2)
    assert np.all(d > 0) and d[1] / d[0] == pytest.approx(0.5, abs=0.05) and d[2] / d[1] == pytest.approx(0.5, abs=0.05)


def test_onsager_limits_and_consistency():
    o = exact.onsager([0.2, 1e4])
    assert o.energy[0] == pytest.approx(-2.0, abs=1e-8) and o.energy[1] == pytest.approx(-2e-4, rel=1e-6)
    assert o.specific_heat[0] < 1e-6 and o.specific_heat[1] < 1e-6
    assert o.magnetization[0] == pytest.approx(1.0, abs=1e-10) and o.magnetization[1] == 0
    assert -o.free_energy[1] / 1e4 == pytest.approx(np.log(2), rel=1e-7)
    # m vanishes continuously with exponent 1/8
    t = exact.TC * (1 - np.array([1e-4, 1e-6]))
    m = exact.onsager(t).magnetization
    assert np.log(m[0] / m[1]) / np.log(100) == pytest.approx(1 / 8, rel=1e-3)
    # the energy formula is the beta-derivative of the free-energy integral (independent formulas)
    for T in (1.2, 2.0, 2.6, 3.5):
        b, db = 1 / T, 1e-5
        lnz = lambda beta: -exact.onsager(1 / beta).free_energy * beta  # noqa: E731
        e_fd = -(lnz(b + db) - lnz(b - db)) / (2 * db)
        assert exact.onsager(T).energy == pytest.approx(e_fd, abs=1e-8)
        c_fd = b * b * (lnz(b + db) - 2 * lnz(b) + lnz(b - db)) / db**2
        assert exact.onsager(T).specific_heat == pytest.approx(c_fd, abs=2e-4)


def test_finite_lattice_against_high_precision():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 40
    L, T = 32, exact.TC

    def lnz(K):
        S, C = mp.sinh(2 * K), mp.cosh(2 * K)
        g = [2 * K + mp.log(mp.tanh(K))] + [mp.acosh(C * C / S - mp.cos(mp.pi * i / L)) for i in range(1, 2 * L)]
        z = [mp.fprod([f(L * g[i] / 2) * 2 for i in range(r, 2 * L, 2)]) for r in (1, 0) for f in (mp.cosh, mp.sinh)]
        return mp.log(mp.mpf(1) / 2) + L * L * mp.log(2 * S) / 2 + mp.log(mp.fsum(z))

    K = 1 / mp.mpf(T)
    e = -mp.diff(lnz, K) / L**2
    c = K**2 * mp.diff(lnz, K, 2) / L**2
    f = exact.finite_lattice(L, T)
    assert float(f.log_z) == pytest.approx(float(lnz(K) / L**2), rel=1e-14)
    assert float(f.energy) == pytest.approx(float(e), rel=1e-13)
    assert float(f.specific_heat) == pytest.approx(float(c), rel=1e-12)


def test_coupling_scales_temperature():
    a, b = exact.finite_lattice(8, 3.0, J=1.5), exact.finite_lattice(8, 2.0)
    assert a.energy == pytest.approx(1.5 * b.energy, rel=1e-13)
    assert a.specific_heat == pytest.approx(b.specific_heat, rel=1e-12)


def test_brute_force_moments():
    N = 16
    hot = exact.brute_force(4, 1e7)
    assert hot.m2 == pytest.approx(1 / N, rel=1e-5)  # independent spins
    assert hot.binder == pytest.approx(2 / (3 * N), rel=1e-4)  # <M^4> = 3N^2 - 2N
    cold = exact.brute_force(4, 0.2)
    assert cold.abs_magnetization == pytest.approx(1, abs=1e-6) and cold.binder == pytest.approx(2 / 3, abs=1e-6)
    # a field polarises; the Hamiltonian's symmetry maps h -> -h
    up, down = exact.brute_force(3, 2.0, h=0.5), exact.brute_force(3, 2.0, h=-0.5)
    assert up.energy == pytest.approx(down.energy)
    assert up.abs_magnetization > exact.brute_force(3, 2.0).abs_magnetization
    # the density of states counts every state once
    B, M, n = exact.density_of_states((3, 4))
    assert n.sum() == 2**12 and B.max() == 24 and set(np.unique(M)) <= set(range(-12, 13, 2))


def test_bad_input():
    with pytest.raises(InputError, match="J > 0"):
        exact.finite_lattice(8, 2.0, J=-1)
    with pytest.raises(InputError, match="> 0"):
        exact.onsager([1.0, -2.0])
    with pytest.raises(InputError, match="at least 2 x 2"):
        exact.finite_lattice(1, 2.0)
    with pytest.raises(InputError, match="too large"):
        exact.brute_force(6, 2.0)
