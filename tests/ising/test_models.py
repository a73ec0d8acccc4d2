"""The lattice GAN: engine conformance, exact +-1 spins, conditioning, and the symmetry that holds by
construction (not a training outcome)."""

import numpy as np
import pytest
import torch

from scigen.engine import ArrayDataset, seeded
from scigen.errors import InputError
from scigen.ising import simulate
from scigen.ising.gan_physics import _group_stats, moment_loss, physics_features
from scigen.ising.models import LatticeGAN, _straight_through
from scigen.ising.pipeline import temperature_moments
from scigen.ising.stats import energy_per_spin, magnetization
from scigen.testing import check_model

TINY = dict(size=8, t_range=[2.0, 3.0], temperatures=[2.0, 3.0], latent_dim=8, width=8, max_width=16,
            embed_dim=4, noise_channels=2, head_width=4, d_hidden=16)


@pytest.fixture(scope="module")
def l8():
    return simulate(8, [2.0, 3.0], 64, seed=5)


@pytest.mark.parametrize("output", ["bernoulli", "sign"])
def test_conformance(tmp_path, l8, output):
    ds = ArrayDataset(samples=torch.from_numpy(l8.samples), condition=torch.from_numpy(l8.condition))
    check_model(lambda: LatticeGAN(**TINY, output=output, match=0.5), ds, tmp_path, sample_kwargs={"condition": 2.5},
                expect_shape=(8, 8), expect_dtype=torch.int8)


def test_samples_are_exact_spins_and_honour_the_condition():
    with seeded(0):
        model = LatticeGAN(**TINY).eval()
    g = lambda: torch.Generator().manual_seed(7)  # noqa: E731
    s = model.sample(12, condition=2.5, generator=g())
    assert s.shape == (12, 8, 8) and s.dtype == torch.int8 and set(s.unique().tolist()) <= {-1, 1}
    # a scalar T is the same as one T per sample; (n,) and (n, 1) are accepted
    assert torch.equal(s, model.sample(12, condition=np.full(12, 2.5), generator=g()))
    assert torch.equal(s, model.sample(12, condition=torch.full((12, 1), 2.5), generator=g()))
    # the temperature reaches the network: same noise, another T, other logits
    a = model.logits(4, condition=2.0, generator=g())
    b = model.logits(4, condition=3.0, generator=g())
    assert a.shape == (4, 1, 8, 8) and not torch.allclose(a, b)
    mixed = model.logits(4, condition=[2.0, 3.0, 2.0, 3.0], generator=g())
    assert torch.allclose(mixed[0], a[0]) and torch.allclose(mixed[1], b[1])
    assert model.normalise(torch.tensor([[2.0], [2.5], [3.0]])).flatten().tolist() == [-1.0, 0.0, 1.0]
    for bad in (None, [2.0, 3.0], -1.0, float("nan")):
        with pytest.raises(InputError):
            model.sample(3, condition=bad)


def _biased(symmetric: bool) -> LatticeGAN:
    """An untrained model whose generator strongly prefers +1 spins (a one-sign collapse)."""
    with seeded(1):
        model = LatticeGAN(**TINY, output="sign", symmetric=symmetric, ema=0.0).eval()
    last = model.generator.head[-1]
    with torch.no_grad():
        last.weight.zero_()
        last.bias.fill_(5.0)
    return model


def test_both_magnetisation_signs_by_construction():
    """symmetric=True: every sample gets an independent random global sign, whatever G does; the
    same collapsed generator without it gives one sign only (so the test can fail)."""
    n = 400
    m = magnetization(_biased(True).sample(n, condition=2.2, generator=torch.Generator().manual_seed(3)).numpy())
    positive = np.mean(m > 0)
    assert abs(positive - 0.5) < 4 * np.sqrt(0.25 / n) and np.all(np.abs(m) == 1.0)
    m = magnetization(_biased(False).sample(n, condition=2.2, generator=torch.Generator().manual_seed(3)).numpy())
    assert np.all(m == 1.0)


def test_discriminator_is_blind_to_the_global_sign(l8):
    with seeded(2):
        model = LatticeGAN(**TINY).eval()
    x = torch.from_numpy(l8.samples[::8]).float().unsqueeze(1)
    t = model.normalise(torch.from_numpy(l8.condition[::8]))
    targets = torch.from_numpy(temperature_moments(l8)[::8])
    flips = torch.where(torch.rand(len(x), 1, 1, 1, generator=torch.Generator().manual_seed(0)) < 0.5, -1.0, 1.0)
    with torch.no_grad():
        assert torch.equal(model.discriminator(x, t, targets), model.discriminator(x * flips, t, targets))


def test_straight_through_spins_are_exact_and_carry_gradients():
    logits = torch.randn(6, 1, 8, 8, requires_grad=True)
    for output, u in (("sign", None), ("bernoulli", torch.rand(6, 1, 8, 8))):
        s = _straight_through(logits, output, u)
        assert set(s.detach().unique().tolist()) <= {-1.0, 1.0}
        (grad,) = torch.autograd.grad((s * torch.randn_like(s)).sum(), logits)
        assert torch.allclose(grad.abs() > 0, torch.ones_like(grad, dtype=torch.bool))
    # Bernoulli spins have mean tanh(logit): P(+1) = sigmoid(2 logit)
    lg = torch.full((20000, 1, 1, 1), 0.4)
    s = _straight_through(lg, "bernoulli", torch.rand(lg.shape, generator=torch.Generator().manual_seed(0)))
    assert abs(s.mean().item() - np.tanh(0.4)) < 4 * np.sqrt((1 - np.tanh(0.4) ** 2) / 20000)


def test_physics_features_and_group_statistics(l8):
    x = torch.from_numpy(l8.samples[:40]).float().unsqueeze(1)
    f = physics_features(x).numpy()
    assert np.allclose(f[:, 0], energy_per_spin(l8.samples[:40])) and np.allclose(f[:, 1], magnetization(l8.samples[:40]))
    vals = torch.randn(10, 2, dtype=torch.float64)
    t = torch.tensor([0, 1, 0, 0, 1, 2, 2, 1, 0, 2], dtype=torch.float64)
    out = _group_stats(vals, t, 3.0).numpy()
    for i in range(10):
        group = vals.numpy()[t.numpy() == t[i].item()]
        assert np.allclose(out[i, :2], group.mean(0)) and np.allclose(out[i, 2:], 3.0 * group.std(0), atol=1e-6)


def test_moment_loss_is_unbiased(l8):
    """Batches drawn from the target distribution itself score 0 on average (the U-statistic does not
    penalise spread, which a squared group mean would: E[mean^2] = Var/n); a shifted one scores > 0."""
    spins = torch.from_numpy(l8.samples).float().unsqueeze(1)
    temps = torch.from_numpy(l8.condition)
    targets = torch.from_numpy(temperature_moments(l8))  # the population's own moments per T
    rng = torch.Generator().manual_seed(0)
    same, shifted = [], []
    hot = temps[:, 0] == 3.0
    for _ in range(300):
        idx = torch.randint(0, len(spins), (16,), generator=rng)
        same.append(moment_loss(spins[idx], temps[idx], targets[idx]).item())
        hidx = torch.nonzero(hot)[torch.randint(0, int(hot.sum()), (16,), generator=rng), 0]
        cold_targets = targets[~hot][:16]  # T = 3.0 spins judged against T = 2.0 moments
        shifted.append(moment_loss(spins[hidx], temps[hidx], cold_targets).item())
    same, shifted = np.array(same), np.array(shifted)
    assert abs(same.mean()) < 4 * same.std() / np.sqrt(len(same))
    assert shifted.mean() > 10 * same.std() / np.sqrt(len(same)) + abs(same.mean())


def test_bad_settings_are_clear_errors():
    with pytest.raises(InputError, match="output"):
        LatticeGAN(**{**TINY, "output": "gumbel"})
    with pytest.raises(InputError, match="t_range"):
        LatticeGAN(**{**TINY, "t_range": [3.0, 2.0]})
