"""The cosmoGAN pixel transform: exact inverse, JSON storage, domain errors."""

import json

import numpy as np
import pytest

from scigen.astro.maps import MapSimulator
from scigen.astro.transforms import CosmoGANTransform, transform_from_json
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
