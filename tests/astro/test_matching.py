"""Statistic matching: the targets are the validated statistics, the losses see what D's batch norm
hides, and a generator trained on them moves toward the training maps."""

import json

import numpy as np
import pytest
import torch

from scigen.astro.maps import MapSimulator
from scigen.astro.matching import StatisticMatcher, match_target
from scigen.astro.models import CosmoGAN
from scigen.astro.stats import power_spectrum
from scigen.astro.transforms import CosmoGANTransform
from scigen.cli import main
from scigen.engine import ArrayDataset, TrainConfig, fit, load_model, read_checkpoint_config
from scigen.errors import InputError


@pytest.fixture(scope="module")
def lognormal():
    sim = MapSimulator(32, 1.75, lognormal=True)
    train = sim.sample(1000, seed=0)
    return train, sim.sample(64, seed=1), CosmoGANTransform.fit(train)


def test_targets_are_the_validated_spectrum_and_quantiles(lognormal):
    train, _, _ = lognormal
    target = match_target(train)
    pixel_sr = np.deg2rad(1.75 / 32) ** 2  # stats.power_spectrum's P(l) carries the pixel's solid angle
    ps = power_spectrum(train, fov_deg=1.75)
    np.testing.assert_allclose(np.exp(target["log_power"]) * pixel_sr, ps.extra["power"], rtol=1e-6)
    assert target["quantiles"] == sorted(target["quantiles"])
    assert np.interp(0.5, (np.arange(256) + 0.5) / 256, target["quantiles"]) == pytest.approx(np.median(train),
                                                                                               rel=1e-3)


def test_losses_are_small_for_real_maps_and_see_a_lost_amplitude(lognormal):
    train, held_out, t = lognormal
    matcher = StatisticMatcher(match_target(train), t)
    as_network = lambda maps: torch.from_numpy(t.forward(maps))[:, None]  # noqa: E731
    spectrum, pixels = matcher(as_network(held_out))
    mean = held_out.mean()
    dim_spectrum, dim_pixels = matcher(as_network(mean + 0.95 * (held_out - mean)))
    # a 5% amplitude loss: (log 0.9025)^2 = 0.0105 in every ring; pixels (0.05 x ~1 sigma)^2 ~ 0.0025
    assert spectrum < 0.003 and pixels < 0.001
    assert dim_spectrum > 5 * spectrum and 0.005 < dim_spectrum < 0.03  # plus the 64 maps' own scatter
    assert dim_pixels > 10 * pixels
    s = as_network(held_out).requires_grad_(True)
    sum(matcher(s)).backward()
    assert torch.isfinite(s.grad).all() and s.grad.abs().sum() > 0


def test_matching_pulls_the_generator_to_the_training_amplitude(tmp_path, lognormal):
    """With the matching losses weighted heavily, 150 steps bring the generated pixel std within 15%
    of the training maps' (it starts ~10x off), and the losses fall by more than 10x."""
    train, _, t = lognormal
    model = CosmoGAN(map_size=32, width=8, max_width=32, padding_mode="circular", match_spectrum=10.0,
                     match_pixels=100.0, match_target=match_target(train), transform=json.loads(t.to_json()))
    ds = ArrayDataset(samples=torch.from_numpy(t.forward(train))[:, None])
    config = TrainConfig(steps=150, batch_size=32, seed=0, log_every=1, threads=1)
    fit(model, ds, config, out_dir=tmp_path / "run")
    log = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    first = [e for e in log if "match_pixels" in e][:5]
    last = [e for e in log if "match_pixels" in e][-10:]
    for key in ("match_spectrum", "match_pixels"):
        assert np.mean([e[key] for e in last]) < np.mean([e[key] for e in first]) / 10
    model = load_model(tmp_path / "run")
    assert model.matcher is not None and model.match_weights == (10.0, 100.0)
    std = model.sample(256, generator=torch.Generator().manual_seed(0)).numpy().std()
    assert std == pytest.approx(train.std(), rel=0.15)


def test_matching_needs_its_target_and_the_cli_stores_it(tmp_path, lognormal):
    train, _, t = lognormal
    with pytest.raises(ValueError, match="match_target"):
        CosmoGAN(map_size=32, match_pixels=1.0, transform=json.loads(t.to_json()))
    with pytest.raises(InputError, match="malformed"):
        StatisticMatcher({"log_power": [0.0]}, t)
    data = tmp_path / "maps.h5"
    assert main(["astro", "simulate-maps", "--size", "32", "--fov", "1.75", "--maps", "40", "--lognormal",
                 "--seed", "0", "--out", str(data)]) == 0
    run = tmp_path / "run"
    assert main(["astro", "train-gan", "--data", str(data), "--out", str(run), "--width", "4", "--max-width", "16",
                 "--steps", "2", "--batch-size", "8", "--threads", "1", "--match-spectrum", "1",
                 "--match-pixels", "2"]) == 0
    cfg = read_checkpoint_config(run)["config"]
    assert (cfg["match_spectrum"], cfg["match_pixels"]) == (1.0, 2.0)
    assert cfg["match_target"]["shape"] == [32, 32] and len(cfg["match_target"]["quantiles"]) == 256


def test_losses_stay_float32_under_mixed_precision(lognormal):
    train, held_out, t = lognormal
    matcher = StatisticMatcher(match_target(train), t)
    s = torch.from_numpy(t.forward(held_out))[:, None]
    exact = matcher(s)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        mixed = matcher(s.to(torch.bfloat16))
    for a, b in zip(exact, mixed):
        assert b.dtype == torch.float32
        assert float(b) == pytest.approx(float(a), rel=0.05)  # only the bf16 input's rounding differs
