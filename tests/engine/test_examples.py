"""The engine trains real models: a GAN covers a multimodal distribution, a VAE reconstructs digits,
and every example model passes the conformance suite."""

import numpy as np
import torch

from scigen.engine import ArrayDataset, TrainConfig, fit, seeded
from scigen.engine.examples import (DigitsVAE, MLPAutoencoder, RingGAN, load_digits_dataset, ring_coverage,
                                    ring_of_gaussians)
from scigen.testing import check_model


def test_ring_gan_covers_the_modes():
    data = ArrayDataset(samples=torch.from_numpy(ring_of_gaussians(20000, seed=0)))
    with seeded(0):
        model = RingGAN()
    result = fit(model, data, TrainConfig(steps=2000, batch_size=256, seed=0, log_every=500))
    fake = model.sample(5000, generator=torch.Generator().manual_seed(1)).numpy()
    coverage = ring_coverage(fake)
    assert coverage["modes_covered"] >= 7, coverage
    assert coverage["high_quality"] > 0.5, coverage
    # the real data scores as it should under the same measure
    assert ring_coverage(ring_of_gaussians(5000, seed=9))["modes_covered"] == 8
    assert result.steps == 2000


def test_ring_coverage_detects_mode_collapse():
    centers_two = ring_of_gaussians(5000, modes=8, seed=1)
    angle = np.arctan2(centers_two[:, 1], centers_two[:, 0])
    collapsed = centers_two[np.abs(angle) < 0.5]  # one mode only
    assert ring_coverage(collapsed)["modes_covered"] == 1


def test_digits_vae_reconstructs_held_out_digits():
    x, _ = load_digits_dataset()
    rng = np.random.default_rng(0)
    order = rng.permutation(len(x))
    train, test = x[order[:1500]], x[order[1500:]]
    with seeded(0):
        model = DigitsVAE()
    fit(model, ArrayDataset(samples=torch.from_numpy(train)), TrainConfig(steps=1500, batch_size=64, seed=0))
    recon = model.reconstruct(torch.from_numpy(test)).numpy()
    mse = ((recon - test) ** 2).mean()
    mse_mean_image = ((train.mean(0) - test) ** 2).mean()
    assert mse < 0.4 * mse_mean_image, (mse, mse_mean_image)
    samples = model.sample(16, generator=torch.Generator().manual_seed(0))
    assert samples.shape == (16, 64) and float(samples.min()) >= 0 and float(samples.max()) <= 1


def test_conformance_of_example_models(tmp_path):
    points = ArrayDataset(samples=torch.from_numpy(ring_of_gaussians(64, seed=0)))
    check_model(lambda: RingGAN(hidden=16), points, tmp_path / "gan", expect_shape=(2,), expect_dtype=torch.float32)
    digits = ArrayDataset(samples=torch.from_numpy(load_digits_dataset()[0][:64]))
    check_model(lambda: DigitsVAE(hidden=16), digits, tmp_path / "vae", expect_shape=(64,), expect_dtype=torch.float32)
    check_model(lambda: MLPAutoencoder(hidden=16), digits, tmp_path / "ae", expect_shape=(64,), expect_dtype=torch.float32)


def test_conformance_catches_a_model_that_ignores_its_generator(tmp_path):
    @__import__("scigen.engine", fromlist=["register_model"]).register_model("tests.unseeded_gan")
    class UnseededGAN(RingGAN):
        @torch.no_grad()
        def sample(self, n, *, condition=None, generator=None):
            return self.generator(torch.randn(n, self.latent_dim))  # ignores the generator

    points = ArrayDataset(samples=torch.from_numpy(ring_of_gaussians(64, seed=0)))
    try:
        check_model(lambda: UnseededGAN(hidden=16), points, tmp_path, expect_shape=(2,))
    except AssertionError as exc:
        assert "reproducible" in str(exc)
    else:
        raise AssertionError("check_model accepted a model whose samples ignore the seed")
