"""Learning-rate schedules: the factors the models' configure_schedulers hand to the engine."""

import pytest
import torch

from scigen.engine.schedules import cosine_decay, linear_decay, scale_learning_rates
from scigen.errors import InputError


def test_linear_decay_holds_then_falls_to_its_floor():
    f = linear_decay(10, 30, 0.05)
    assert [f(s) for s in (0, 10)] == [1.0, 1.0]
    assert f(20) == pytest.approx(0.525)  # half way: 1 - 0.95 / 2
    assert f(30) == f(1000) == pytest.approx(0.05)
    with pytest.raises(InputError, match="start < end"):
        linear_decay(30, 30, 0.05)


def test_cosine_decay_falls_on_half_a_cosine():
    f = cosine_decay(100, 0.1)
    assert f(0) == 1.0 and f(50) == pytest.approx(0.55) and f(100) == f(500) == pytest.approx(0.1)
    assert f(25) > 0.55 + (1 - 0.55) / 2  # slower than linear at the start


def test_every_optimiser_follows_the_factor():
    net = torch.nn.Linear(2, 1)
    optimizers = {"a": torch.optim.SGD(net.parameters(), lr=1.0), "b": torch.optim.Adam(net.parameters(), lr=0.1)}
    assert scale_learning_rates(optimizers, None) == {}
    schedulers = scale_learning_rates(optimizers, linear_decay(0, 4, 0.5))
    for _ in range(2):
        for name, s in schedulers.items():
            optimizers[name].step()  # no gradients: the weights stay, the schedule moves
            s.step()
    assert [o.param_groups[0]["lr"] for o in optimizers.values()] == pytest.approx([0.75, 0.075])
