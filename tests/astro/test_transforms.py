"""The pixel transforms (cosmoGAN squash, log-normal): exact inverse, JSON storage, domain errors, and the
log-normal fit against the simulator's known shift."""

import json

import numpy as np
import pytest
import torch
from scipy.stats import kurtosis, skew

from scigen.astro.maps import MapSimulator
from scigen.astro.transforms import (CosmoGANTransform, LogNormalTransform, fit_transform,
                                     shifted_lognormal_offset, transform_from_json)
from scigen.errors import InputError


def test_cosmogan_formula_and_inverse():
    t = CosmoGANTransform(a=4.0)
    x = np.array([0.0, 1.0, 4.0, 12.0, 1000.0])
    np.testing.assert_allclose(t.forward(x), 2 * x / (x + 4) - 1, rtol=1e-6)
    assert t.forward(np.array([4.0]))[0] == pytest.approx(0.0, abs=1e-7)  # x = a lands on s = 0
    s = np.linspace(-0.99, 0.99, 7)
    np.testing.assert_allclose(t.inverse(s), 4 * (1 + s) / (1 - s), rtol=1e-5)


def test_fitted_transform_round_trips_maps():
    maps = MapSimulator(32, 3.5, lognormal=True).sample(20, seed=0)
    t = CosmoGANTransform.fit(maps)
    s = t.forward(maps)
    assert s.min() > -1 and s.max() < 1 and s.dtype == np.float32
    assert abs(float(np.median(s))) < 0.01  # the median sits at the middle of tanh's range
    np.testing.assert_allclose(t.inverse(s), maps, atol=1e-6 * maps.std() * 1e3, rtol=1e-4)
    assert np.all(np.diff(t.forward(np.sort(maps.ravel()))) >= 0)  # monotonic
    # tanh outputs of exactly +-1 stay finite
    assert np.all(np.isfinite(t.inverse(np.array([-1.0, 1.0]))))


def test_json_round_trip():
    t = CosmoGANTransform(a=4.0, offset=-0.03, scale=0.01)
    again = transform_from_json(t.to_json())
    assert again == t
    assert CosmoGANTransform.from_json(json.loads(t.to_json())) == t
    assert transform_from_json(None) is None
    with pytest.raises(InputError, match="unknown pixel transform"):
        transform_from_json({"kind": "sqrt"})


def test_values_outside_domain_are_an_error():
    t = CosmoGANTransform(offset=0.0, scale=1.0)
    with pytest.raises(InputError, match="offset"):
        t.forward(np.array([-0.5]))
    with pytest.raises(InputError, match="scale"):
        CosmoGANTransform(scale=0.0)
    with pytest.raises(InputError, match="NaN"):
        CosmoGANTransform.fit(np.array([np.nan, 1.0]))


def test_lognormal_fit_recovers_the_simulators_shift_and_gaussianises_the_maps():
    sim = MapSimulator(64, 3.5, lognormal=True)  # k = shift (exp(g - s^2/2) - 1): bounded below by -shift
    maps = sim.sample(400, seed=0)
    assert shifted_lognormal_offset(maps) == pytest.approx(-sim.shift, rel=0.02)
    t = fit_transform("lognormal", maps)
    assert isinstance(t, LogNormalTransform) and t.offset < maps.min()
    s = t.forward(maps)
    assert skew(maps.ravel()) > 1.0 and abs(skew(s.ravel())) < 0.05  # the network's space holds a Gaussian field
    assert abs(float(s.mean())) < 1e-3 and np.abs(s).max() == pytest.approx(0.9, abs=1e-6)  # headroom below +-1
    # the squash leaves a platykurtic field in the network's space; the log leaves a Gaussian one
    assert kurtosis(CosmoGANTransform.fit(maps).forward(maps).ravel()) < -0.1 and abs(kurtosis(s.ravel())) < 0.05


def test_lognormal_transform_inverts_exactly_in_numpy_and_torch():
    maps = MapSimulator(32, 3.5, lognormal=True).sample(20, seed=1)
    t = LogNormalTransform.fit(maps)
    s = t.forward(maps)
    np.testing.assert_allclose(t.inverse(s), maps, rtol=1e-5, atol=1e-8)
    torch_side = t.inverse_torch(torch.from_numpy(s).requires_grad_())
    np.testing.assert_allclose(torch_side.detach().numpy(), t.inverse(s), rtol=1e-5, atol=1e-8)
    torch_side.sum().backward()  # differentiable: the matching losses pull through it
    assert np.all(np.isfinite(t.inverse(np.array([-1.0, 1.0]))))
    assert transform_from_json(t.to_json()) == t and transform_from_json(json.loads(t.to_json())) == t


def test_lognormal_transform_refuses_what_it_cannot_represent():
    t = LogNormalTransform(offset=-0.02, center=-4.0, width=2.0)
    with pytest.raises(InputError, match="offset"):
        t.forward(np.array([-0.03]))
    with pytest.raises(InputError, match="skewness.*cosmogan"):  # a left-skewed field has no log-normal fit
        LogNormalTransform.fit(-MapSimulator(32, 3.5, lognormal=True).sample(5, seed=0))
    with pytest.raises(InputError, match="width"):
        LogNormalTransform(width=0.0)
    with pytest.raises(InputError, match="pixel transform must be one of"):
        fit_transform("sqrt", np.ones(4))
