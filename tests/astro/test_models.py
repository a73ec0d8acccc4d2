"""The astro models: engine conformance, physical units out of cosmoGAN, periodic convolutions, AC-GAN labels."""

import copy
import json

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from scigen.astro.maps import MapSimulator
from scigen.astro.matching import match_target
from scigen.astro.models import CosmoGAN, GalaxyACGAN, GalaxyVAE
from scigen.astro.transforms import CosmoGANTransform
from scigen.engine import ArrayDataset, load_model, seeded
from scigen.nn import r1_penalty
from scigen.nn.conv import Up
from scigen.testing import check_model


@pytest.fixture(scope="module")
def tiny_maps():
    maps = MapSimulator(16, 0.875, lognormal=True).sample(32, seed=3)
    return maps, CosmoGANTransform.fit(maps)


CONFORMANCE = [("zeros", "transpose", 5, None, "separate"), ("circular", "transpose", 5, None, "separate"),
               ("circular", "transpose", 4, None, "separate"), ("circular", "transpose_blur", 5, None, "separate"),
               ("circular", "nearest", 5, None, "separate"), ("circular", "bilinear", 5, None, "separate"),
               ("circular", "transpose", 5, 0.99, "separate"), ("circular", "transpose", 5, None, "joint"),
               ("circular", "transpose", 5, None, "spectral"), ("circular", "transpose", 5, None, "matched"),
               ("circular", "transpose", 5, 0.99, "batchnorm"), ("circular", "transpose", 4, None, "r1")]


@pytest.mark.parametrize("padding, upsample, kernel, ema, d", CONFORMANCE)
def test_cosmogan_conformance(tmp_path, tiny_maps, padding, upsample, kernel, ema, d):
    maps, t = tiny_maps
    ds = ArrayDataset(samples=torch.from_numpy(t.forward(maps))[:, None])
    d_options = ({"d_norm": "spectral"} if d == "spectral" else
                 {"match_spectrum": 1.0, "match_pixels": 1.0, "match_modes": 1.0, "match_target": match_target(maps)}
                 if d == "matched" else
                 {"sample_norm": "batch", "sample_batch": 8} if d == "batchnorm" else
                 {"r1": 1.0, "r1_every": 2} if d == "r1" else {"d_batch": d})
    check_model(lambda: CosmoGAN(map_size=16, width=4, max_width=16, kernel_size=kernel, padding_mode=padding,
                                 upsample=upsample, ema=ema, transform=json.loads(t.to_json()), **d_options,
                                 map_attrs={"fov_deg": 0.875}),
                ds, tmp_path, expect_shape=(16, 16), expect_dtype=torch.float32)


def test_cosmogan_learning_rate_decay_survives_a_resume(tmp_path, tiny_maps):
    """Both learning rates fall linearly from step 2 to step 6, and a run resumed in rounds (as the
    benchmark trains) continues the schedule: 0.525 x lr at step 4, 0.05 x lr from step 6 on."""
    from scigen.engine import TrainConfig, fit

    maps, t = tiny_maps
    ds = ArrayDataset(samples=torch.from_numpy(t.forward(maps))[:, None])
    model = CosmoGAN(map_size=16, width=4, max_width=16, lr=1e-3, lr_decay=[2, 6], transform=json.loads(t.to_json()))
    for steps, factor in ((4, 0.525), (8, 0.05)):
        config = TrainConfig(steps=steps, batch_size=8, seed=0, log_every=1, threads=1)
        fit(model, ds, config, out_dir=tmp_path / "run", resume=steps > 4)
        state = torch.load(tmp_path / "run" / "checkpoints" / f"step_{steps:08d}" / "trainer.pt", weights_only=True)
        for name in ("generator", "discriminator"):
            assert state["optimizers"][name]["param_groups"][0]["lr"] == pytest.approx(factor * 1e-3)
    with pytest.raises(ValueError, match="start < end"):
        CosmoGAN(map_size=16, lr_decay=[6, 2])


def _detects_amplitude(d_batch: str, seed: int = 0, factor: float = 0.9, steps: int = 200) -> float:
    """Held-out accuracy of a discriminator trained, as cosmoGAN's D is (batch norm in training
    mode), to tell log-normal maps from maps with ``factor`` x their amplitude."""
    torch.manual_seed(seed)
    maps = torch.from_numpy(MapSimulator(32, 2.0, lognormal=True).sample(1200, seed=7 + seed).astype(np.float32))
    maps = (0.5 * (maps - maps.mean()) / maps.std())[:, None]  # about the spread of the tanh-space maps
    real, dim = maps[:600], factor * maps[600:]
    model = CosmoGAN(map_size=32, width=8, max_width=32, d_batch=d_batch)
    opt = torch.optim.Adam(model.discriminator.parameters(), 2e-3, betas=(0.5, 0.999))
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        d_a, d_b = model._judge(real[rng.integers(0, 500, 32)], dim[rng.integers(0, 500, 32)])
        loss = F.softplus(-d_a).mean() + F.softplus(d_b).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():  # held-out maps, batched as in training
        right = [((d_a > 0).float().mean() + (d_b < 0).float().mean()) / 2
                 for d_a, d_b in (model._judge(real[i:i + 32], dim[i:i + 32]) for i in range(500, 596, 32))]
    return float(torch.stack(right).mean())


def test_r1_flattens_the_discriminator_on_real_maps(tmp_path, tiny_maps):
    """Trained alike but for the R1 weight, the penalised D ends with a smaller input gradient on the
    real maps (what the penalty is for), and logs the penalty it last computed."""
    from scigen.engine import TrainConfig, fit

    maps, t = tiny_maps
    real = torch.from_numpy(t.forward(maps))[:, None]
    norms = {}
    for gamma in (0.0, 10.0):
        with seeded(0):
            model = CosmoGAN(map_size=16, width=4, max_width=16, r1=gamma, r1_every=2, transform=json.loads(t.to_json()))
        fit(model, ArrayDataset(samples=real), TrainConfig(steps=40, batch_size=8, seed=0, log_every=10, threads=1),
            out_dir=tmp_path / f"r1_{gamma:g}")
        logged = [json.loads(line) for line in (tmp_path / f"r1_{gamma:g}" / "metrics.jsonl").read_text().splitlines()]
        assert ("r1_penalty" in logged[-1]) == (gamma > 0)
        x = real.clone().requires_grad_(True)
        norms[gamma] = r1_penalty(model.discriminator.train()(x), x).item()
    assert norms[10.0] < 0.5 * norms[0.0], norms
    with pytest.raises(ValueError, match="r1"):
        CosmoGAN(map_size=16, width=4, r1=-1.0)


def test_a_joint_batch_lets_the_discriminator_see_amplitude():
    """In separate batches, D's batch norm divides each batch by its own spread: maps at 90% of the
    real amplitude look alike to it. In one batch it tells them apart (docs/astro.md section 6)."""
    assert _detects_amplitude("joint") > 0.85
    assert _detects_amplitude("separate") < 0.65


def test_joint_batch_shares_the_batch_statistics(tiny_maps):
    maps, t = tiny_maps
    real = torch.from_numpy(t.forward(maps))[:8, None]
    noise = torch.Generator().manual_seed(0)
    fake_a, fake_b = (torch.rand(8, 1, 16, 16, generator=noise) * 2 - 1 for _ in range(2))
    judged = {}
    for mode in ("separate", "joint"):
        with seeded(0):
            m = CosmoGAN(map_size=16, width=4, max_width=16, d_batch=mode).train()
        judged[mode] = [m._judge(real, f)[0] for f in (fake_a, fake_b)]
    assert torch.equal(*judged["separate"])  # the real batch's logits ignore the generated batch
    assert not torch.allclose(*judged["joint"])  # ... unless they share the batch statistics
    with pytest.raises(ValueError, match="d_batch"):
        CosmoGAN(map_size=16, width=4, d_batch="mixed")


def test_cosmogan_with_ema_samples_the_average_of_its_generators(tmp_path, tiny_maps):
    """With ``ema`` the generator's weights are averaged after every generator step and sampling
    uses the average: after training steps it differs from the live generator, and it is what
    ``sample`` draws from."""
    from scigen.engine import TrainConfig, fit

    maps, t = tiny_maps
    ds = ArrayDataset(samples=torch.from_numpy(t.forward(maps))[:, None])
    with seeded(0):
        model = CosmoGAN(map_size=16, width=4, max_width=16, ema=0.9, transform=json.loads(t.to_json()))
    start = [p.clone() for p in model.generator_ema.parameters()]
    fit(model, ds, TrainConfig(steps=6, batch_size=8, threads=1, progress=False))
    model.eval()
    live, avg = list(model.generator.parameters()), list(model.generator_ema.parameters())
    assert all(not p.requires_grad for p in avg)  # never trained, never wrapped for DDP
    assert any(not torch.equal(a, s) for a, s in zip(avg, start))  # it moved...
    assert any(not torch.equal(a, p) for a, p in zip(avg, live))  # ...but lags the live generator
    z_seed = torch.Generator().manual_seed(1)
    z = torch.randn(4, model.latent_dim, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(model.sample_network(4, generator=z_seed), model.generator_ema(z))
    # its batch-norm statistics are re-estimated from fixed noise: a reloaded model samples the same maps
    from scigen.engine import save_checkpoint

    save_checkpoint(tmp_path / "ck", model)
    torch.testing.assert_close(load_model(tmp_path / "ck").sample(3, generator=torch.Generator().manual_seed(5)),
                               model.sample(3, generator=torch.Generator().manual_seed(5)))
    other = CosmoGAN(map_size=16, width=4, max_width=16, ema=0.9, transform=json.loads(t.to_json())).eval()
    other.sample(2)  # calibrated for its own random weights...
    other.load_state_dict(model.state_dict())  # ...which loading replaces: measured again
    torch.testing.assert_close(other.sample(3, generator=torch.Generator().manual_seed(5)),
                               model.sample(3, generator=torch.Generator().manual_seed(5)))
    with pytest.raises(ValueError, match="ema"):
        CosmoGAN(map_size=16, width=4, ema=1.0)


@pytest.mark.parametrize("ema", [None, 0.99])
def test_batch_norm_sampling_runs_the_generator_as_in_training(tiny_maps, ema):
    """sample_norm="batch": maps come in batches of sample_batch normalised by their own statistics
    (as the training step runs the generator), the last batch padded and cut; the stored statistics
    are untouched; with stored statistics the same noise gives other maps."""
    maps, t = tiny_maps
    model = CosmoGAN(map_size=16, width=4, max_width=16, ema=ema, sample_norm="batch", sample_batch=8,
                     transform=json.loads(t.to_json())).eval()
    net = model.generator if ema is None else model.generator_ema
    state = {k: v.clone() for k, v in model.state_dict().items()}
    out = model.sample_network(19, generator=torch.Generator().manual_seed(1))
    z = torch.randn(24, 4 * 16, generator=torch.Generator().manual_seed(1))
    reference = copy.deepcopy(net).train()  # training mode: batch statistics (and it updates its own)
    with torch.no_grad():
        expected = torch.cat([reference(z[i:i + 8]) for i in (0, 8, 16)])[:19]
    assert out.shape == (19, 1, 16, 16)
    torch.testing.assert_close(out, expected)
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, state[key])
    model.sample_norm = "running"
    assert not torch.allclose(model.sample_network(19, generator=torch.Generator().manual_seed(1)), out, atol=1e-3)
    with pytest.raises(ValueError, match="sample_norm"):
        CosmoGAN(map_size=16, sample_norm="eval")


def test_cosmogan_samples_are_physical_maps(tmp_path, tiny_maps):
    """sample() = transform.inverse(network output): in the data's units, inside the transform's range."""
    maps, t = tiny_maps
    with seeded(0):
        model = CosmoGAN(map_size=16, width=4, max_width=16, transform=json.loads(t.to_json())).eval()
    net = model.sample_network(6, generator=torch.Generator().manual_seed(1))
    phys = model.sample(6, generator=torch.Generator().manual_seed(1))
    assert net.shape == (6, 1, 16, 16) and phys.shape == (6, 16, 16)
    assert float(net.abs().max()) < 1  # tanh space
    np.testing.assert_allclose(phys.numpy(), t.inverse(net[:, 0].numpy()), rtol=1e-6)
    np.testing.assert_allclose(t.forward(phys.numpy()), net[:, 0].numpy(), atol=2e-5)  # and back
    assert float(phys.min()) > t.offset  # the transform's range: above the offset, never tanh's [-1, 1]
    # the transform travels in the checkpoint's config: a reloaded model maps back identically
    from scigen.engine import save_checkpoint

    save_checkpoint(tmp_path / "ck", model)
    again = load_model(tmp_path / "ck", expected="astro.cosmogan")
    assert again.transform == t
    torch.testing.assert_close(again.sample(6, generator=torch.Generator().manual_seed(1)), phys)


def test_cosmogan_sized_by_map_size():
    """The paper's layout: 512-256-128-64 channels, 5x5 kernels, from s x s with s = size / 16."""
    for size, start in ((64, 4), (128, 8), (256, 16)):
        g = CosmoGAN(map_size=size).generator
        assert g.start == start and g.widths == [512, 256, 128, 64]
        convs = [m for m in g.modules() if isinstance(m, torch.nn.ConvTranspose2d)]
        assert all(c.kernel_size == (5, 5) and c.stride == (2, 2) for c in convs) and convs[-1].out_channels == 1
    d = CosmoGAN(map_size=64).discriminator
    assert [m.out_channels for m in d.modules() if isinstance(m, torch.nn.Conv2d)] == [64, 128, 256, 512]


@pytest.mark.parametrize("k", [4, 5])
def test_circular_upsampling_is_a_transposed_convolution_on_a_torus(k):
    """Reference: the ordinary (zero-padded) transposed convolution of the input tiled 3 x 3, centre cut out."""
    torch.manual_seed(0)
    up = Up(3, 2, kernel_size=k, padding_mode="circular", norm=None, act=None)
    x = torch.randn(2, 3, 6, 6)
    tiled = x.repeat(1, 1, 3, 3)
    ref = F.conv_transpose2d(tiled, up.conv.weight, up.conv.bias, stride=2, padding=up.pad,
                             output_padding=up.output_padding)[..., 12:24, 12:24]
    torch.testing.assert_close(up(x), ref, rtol=1e-5, atol=1e-5)
    # a shift of the input by one pixel shifts the output by two: no edges anywhere
    torch.testing.assert_close(up(torch.roll(x, (1, 2), (2, 3))), torch.roll(up(x), (2, 4), (2, 3)),
                               rtol=1e-5, atol=1e-5)
    up_cl = up.to(memory_format=torch.channels_last)
    torch.testing.assert_close(up_cl(x.contiguous(memory_format=torch.channels_last)), ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_resize_upsampling_on_a_torus_has_no_edges(mode):
    """Circular resize-convolutions: shifting the input by one pixel shifts the output by two, exactly."""
    torch.manual_seed(0)
    up = Up(3, 2, kernel_size=5, padding_mode="circular", mode=mode, norm=None, act=None)
    x = torch.randn(2, 3, 6, 6)
    assert up(x).shape == (2, 2, 12, 12)
    torch.testing.assert_close(up(torch.roll(x, (1, 2), (2, 3))), torch.roll(up(x), (2, 4), (2, 3)),
                               rtol=1e-5, atol=1e-5)
    if mode == "bilinear":  # a constant stays constant (interpolation weights sum to one, across the edge too)
        flat = Up(1, 1, kernel_size=1, padding_mode="circular", mode=mode, norm=None, act=None)
        with torch.no_grad():
            flat.conv.weight.fill_(1.0)
            flat.conv.bias.zero_()
        torch.testing.assert_close(flat(torch.full((1, 1, 4, 4), 2.5)), torch.full((1, 1, 8, 8), 2.5))


@pytest.mark.parametrize("channels", [1, 3])
def test_galaxy_vae_conformance(tmp_path, channels):
    images = np.random.default_rng(0).random((24, channels, 20, 20), dtype=np.float32)  # 20 = 5 x 2 x 2
    check_model(lambda: GalaxyVAE(image_size=20, channels=channels, latent_dim=4, width=4, max_width=16),
                ArrayDataset(samples=torch.from_numpy(images)), tmp_path,
                expect_shape=(channels, 20, 20), expect_dtype=torch.float32)


def test_galaxy_acgan_conformance_and_labels(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.random((24, 3, 16, 16), dtype=np.float32)
    labels = np.arange(24) % 3
    names = ["elliptical", "spiral", "barred"]
    check_model(lambda: GalaxyACGAN(image_size=16, width=4, max_width=16, latent_dim=8, class_names=names),
                ArrayDataset(samples=torch.from_numpy(images), labels=torch.from_numpy(labels)), tmp_path,
                expect_shape=(3, 16, 16), expect_dtype=torch.float32, sample_kwargs={"condition": "spiral"})
    model = load_model(tmp_path / "full")
    g = torch.Generator().manual_seed(0)
    for condition, expected in (("barred", [2] * 5), (1, [1] * 5), (torch.tensor([0, 2, 1, 1, 0]), [0, 2, 1, 1, 0])):
        images, got = model.sample_with_labels(5, condition, generator=g)
        assert got.tolist() == expected and images.shape == (5, 3, 16, 16)
        assert 0 <= float(images.min()) and float(images.max()) <= 1
    # the class embedding is an input: same noise, another class, another image
    a = model.sample(4, condition=0, generator=torch.Generator().manual_seed(1))
    b = model.sample(4, condition=2, generator=torch.Generator().manual_seed(1))
    assert not torch.equal(a, b)
    probs = model.classify(images)
    assert probs.shape == (5, 3) and torch.allclose(probs.sum(1), torch.ones(5))
    with pytest.raises(ValueError, match="unknown class"):
        model.sample(2, condition="lenticular")
    with pytest.raises(ValueError, match="0..2"):
        model.sample(2, condition=torch.tensor([0, 3]))
