"""Train / generate / validate end to end on tiny settings: CLI verbs, files, provenance, galaxy models."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from scigen.astro.galaxies import render_galaxies
from scigen.astro.galaxy_pipeline import interpolate, train_acgan, train_vae
from scigen.astro.pipeline import train_gan
from scigen.cli import main
from scigen.engine import TrainConfig, read_checkpoint_config
from scigen.errors import InputError
from scigen.io import read_sample_set

TINY = ["--steps", "2", "--batch-size", "8", "--threads", "1"]


@pytest.fixture(scope="module")
def maps_h5(tmp_path_factory):
    out = tmp_path_factory.mktemp("maps") / "maps.h5"
    assert main(["astro", "simulate-maps", "--size", "16", "--fov", "0.875", "--maps", "24", "--lognormal",
                 "--seed", "0", "--out", str(out), "--fits-dir", str(out.parent / "fits")]) == 0
    return out


def test_train_gan_generate_h5_and_fits(tmp_path, maps_h5, capsys):
    run = tmp_path / "cosmo"
    assert main(["astro", "train-gan", "--data", str(maps_h5), "--out", str(run), "--width", "4",
                 "--max-width", "16", *TINY]) == 0
    meta = read_checkpoint_config(run)
    cfg = meta["config"]
    assert meta["model"] == "astro.cosmogan" and meta["step"] == 2
    assert cfg["padding_mode"] == "circular"  # "auto": the simulator's maps are periodic
    assert cfg["transform"]["kind"] == "cosmogan" and cfg["map_attrs"]["fov_deg"] == 0.875

    fake, fits_dir = tmp_path / "fake.h5", tmp_path / "fake_fits"
    assert main(["astro", "generate", "--model", str(run), "--maps", "5", "--out", str(fake),
                 "--fits-dir", str(fits_dir), "--seed", "7"]) == 0
    s = read_sample_set(fake)
    assert s.samples.shape == (5, 16, 16) and s.samples.dtype == np.float32
    assert s.attrs["domain"] == "astro" and s.attrs["fov_deg"] == 0.875 and s.attrs["seed"] == 7
    assert s.attrs["pixel_arcmin"] == pytest.approx(0.875 * 60 / 16)
    prod = s.attrs["producer"]
    assert prod["kind"] == "model" and prod["model"] == "astro.cosmogan"
    assert prod["weights_sha256"] == meta["weights_sha256"]
    # physical units: the log-normal maps' range (bounded below by -shift), not tanh's [-1, 1]
    from scigen.astro.transforms import CosmoGANTransform

    t = CosmoGANTransform.from_json(cfg["transform"])
    assert s.samples.min() > t.offset and np.abs(t.forward(s.samples)).max() < 1

    from astropy.io import fits

    files = sorted(fits_dir.glob("*.fits"))
    assert len(files) == 5
    with fits.open(files[3]) as hdul:
        h, data = hdul[0].header, hdul[0].data
    np.testing.assert_array_equal(data, s.samples[3])
    assert h["SGMODEL"] == "astro.cosmogan" and h["SGHASH"] == meta["weights_sha256"] and h["SGSEED"] == 7
    assert h["SGCKPT"] == meta["path"] and h["CDELT1"] == pytest.approx(0.875 / 16) and h["CUNIT1"] == "deg"
    assert h["BUNIT"] == "" and h["SGINDEX"] == 3

    # the same seed gives the same maps; existing outputs are refused
    assert main(["astro", "generate", "--model", str(run), "--maps", "5", "--out", str(tmp_path / "again.h5"),
                 "--seed", "7"]) == 0
    np.testing.assert_array_equal(read_sample_set(tmp_path / "again.h5").samples, s.samples)
    capsys.readouterr()
    assert main(["astro", "generate", "--model", str(run), "--maps", "5", "--out", str(fake)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_train_gan_from_fits_folder_and_resume(tmp_path, maps_h5):
    run = tmp_path / "cosmo"
    args = ["astro", "train-gan", "--data", str(maps_h5.parent / "fits"), "--out", str(run), "--width", "4",
            "--max-width", "16", "--batch-size", "8", "--threads", "1"]
    assert main([*args, "--steps", "2"]) == 0
    cfg = read_checkpoint_config(run)["config"]
    assert cfg["padding_mode"] == "zeros"  # FITS files do not say they are periodic
    assert cfg["map_attrs"]["fov_deg"] == pytest.approx(0.875)  # from the files' WCS
    assert main([*args, "--steps", "4", "--resume"]) == 0
    meta = read_checkpoint_config(run)
    assert meta["step"] == 4 and meta["config"]["transform"] == cfg["transform"]


def test_lognormal_pixel_space_trains_matches_and_generates_physical_maps(tmp_path, maps_h5):
    from scigen.astro.transforms import LogNormalTransform, transform_from_json

    run, fake = tmp_path / "cosmo", tmp_path / "fake.h5"
    assert main(["astro", "train-gan", "--data", str(maps_h5), "--out", str(run), "--width", "4", "--max-width", "16",
                 "--pixel-transform", "lognormal", "--match-pixels", "10", "--match-modes", "10", *TINY]) == 0
    t = transform_from_json(read_checkpoint_config(run)["config"]["transform"])
    assert isinstance(t, LogNormalTransform)
    assert main(["astro", "generate", "--model", str(run), "--maps", "8", "--out", str(fake)]) == 0
    maps = read_sample_set(fake).samples
    assert np.all(np.isfinite(maps)) and maps.min() > t.offset  # physical units, above the log-normal bound


def test_validation_keeps_the_best_checkpoint(tmp_path, maps_h5, capsys):
    run = tmp_path / "cosmo"
    assert main(["astro", "train-gan", "--data", str(maps_h5), "--out", str(run), "--width", "4", "--max-width", "16",
                 "--kernel-size", "4", "--ema", "0.99", "--d-batch", "joint", "--validation", str(maps_h5),
                 "--validation-maps", "24",
                 "--eval-every", "1", *TINY]) == 0
    assert "--checkpoint best" in capsys.readouterr().out
    assert read_checkpoint_config(run)["config"]["kernel_size"] == 4
    assert read_checkpoint_config(run)["config"]["ema"] == 0.99
    assert read_checkpoint_config(run)["config"]["d_batch"] == "joint"
    evals = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    scores = {e["step"]: e["eval_stat_score"] for e in evals if "eval_stat_score" in e}
    assert sorted(scores) == [1, 2] and all(f"eval_{s}_ratio" in evals[-1] for s in ("power_spectrum", "peak_counts"))
    best = read_checkpoint_config(run, "best")
    assert best["step"] == min(scores, key=scores.get)
    assert main(["astro", "generate", "--model", str(run), "--checkpoint", "best", "--maps", "3",
                 "--out", str(tmp_path / "best.h5")]) == 0
    assert read_sample_set(tmp_path / "best.h5").attrs["producer"]["step"] == best["step"]


def test_selection_by_the_worst_statistic(tmp_path, maps_h5):
    """--select worst keeps the checkpoint whose statistic furthest from its floor is nearest to it."""
    run = tmp_path / "cosmo"
    assert main(["astro", "train-gan", "--data", str(maps_h5), "--out", str(run), "--width", "4", "--max-width", "16",
                 "--validation", str(maps_h5), "--validation-maps", "24", "--select", "worst", "--eval-every", "1",
                 "--steps", "3", "--batch-size", "8", "--threads", "1"]) == 0
    evals = [e for e in map(json.loads, (run / "metrics.jsonl").read_text().splitlines()) if "eval_stat_worst" in e]
    assert [e["step"] for e in evals] == [1, 2, 3]
    for e in evals:
        logs = np.log10([max(v, 1e-3) for k, v in e.items() if k.endswith("_ratio")])
        assert len(logs) == 6 and e["eval_stat_worst"] == pytest.approx(logs.max())
        assert e["eval_stat_score"] == pytest.approx(logs.mean())
    assert read_checkpoint_config(run, "best")["step"] == min(evals, key=lambda e: e["eval_stat_worst"])["step"]
    with pytest.raises(InputError, match="select must be one of"):
        train_gan(maps_h5, tmp_path / "x", TrainConfig(steps=1, batch_size=8), select="max")


def test_cli_user_errors(tmp_path, maps_h5, capsys):
    # maps not square
    from scigen.io import write_sample_set

    write_sample_set(tmp_path / "rect.h5", np.zeros((16, 16, 8), np.float32), domain="astro")
    assert main(["astro", "train-gan", "--data", str(tmp_path / "rect.h5"), "--out", str(tmp_path / "r"), *TINY]) == 2
    assert "square" in capsys.readouterr().err
    # fewer maps than a batch
    assert main(["astro", "train-gan", "--data", str(maps_h5), "--out", str(tmp_path / "r"), "--steps", "2",
                 "--batch-size", "64"]) == 2
    assert "fewer than one batch" in capsys.readouterr().err
    # a VAE run is not a cosmoGAN
    images = render_galaxies(12, 16, seed=0)[0]
    train_vae(images, tmp_path / "vae", TrainConfig(steps=1, batch_size=4, threads=1), width=4, latent_dim=2)
    assert main(["astro", "generate", "--model", str(tmp_path / "vae"), "--out", str(tmp_path / "x.h5")]) == 2
    assert "astro.galaxy_vae" in capsys.readouterr().err
    # the AC-GAN needs labels
    from scigen.astro.images import write_image_folder

    write_image_folder(images.images, tmp_path / "flat")
    assert main(["astro", "train-acgan", "--images", str(tmp_path / "flat"), "--out", str(tmp_path / "ac"),
                 *TINY]) == 2
    assert "labelled" in capsys.readouterr().err


def test_galaxy_vae_beats_the_mean_image_and_interpolates(tmp_path):
    """After 200 steps on rendered galaxies the held-out reconstructions beat the best constant image
    (measured 0.73-0.83 of its error over 4 seeds), and the GIF walks through the encoded images."""
    galaxies = render_galaxies(240, 16, seed=0)[0]
    out = train_vae(galaxies, tmp_path / "gvae", TrainConfig(steps=200, batch_size=32, seed=1, threads=1),
                    latent_dim=8, width=8, max_width=32, kl_warmup_steps=50, holdout=0.2, lr=3e-3)
    h = out["heldout"]
    assert h["n"] == 48 and h["mse"] < 0.92 * h["baseline_mse"]
    saved = json.loads((tmp_path / "gvae" / "evaluation.json").read_text())
    assert saved["heldout"]["mse"] == pytest.approx(h["mse"])

    movie = interpolate(tmp_path / "gvae", tmp_path / "movie.gif", images=galaxies, n_points=3,
                        frames_per_segment=5, seed=2, scale=3)
    assert movie["frames"] == 15 and "3 encoded images" in movie["anchors"]
    with Image.open(movie["gif"]) as gif:
        assert gif.n_frames == 15 and gif.size == (48, 48) and gif.info.get("loop") == 0
        gif.seek(5)
        frame5 = np.asarray(gif.convert("RGB"), dtype=np.float32)[::3, ::3] / 255
    # frame 5 starts the second segment: the decoded posterior mean of the second chosen image
    pick = np.random.default_rng(2).choice(240, 3, replace=False)
    expected = out["model"].reconstruct(torch.from_numpy(galaxies.images[pick[1:2]]))[0].numpy()
    assert np.abs(frame5 - np.moveaxis(expected, 0, -1)).max() < 0.06  # GIF palette quantisation
    open_path = interpolate(tmp_path / "gvae", tmp_path / "open.gif", n_points=3, frames_per_segment=4, loop=False)
    assert open_path["frames"] == 9 and "prior" in open_path["anchors"]  # trained from an in-memory set
    with Image.open(open_path["gif"]) as gif:
        assert gif.n_frames == 9


def test_acgan_learns_class_colours_and_cli_generates_a_chosen_type(tmp_path):
    """200 steps: the held-out classifier beats chance clearly, and generated ellipticals are redder
    than generated spirals, as rendered ones are (4 seeds tried: accuracy 0.72-0.82, ellipticals
    0.04-0.08 redder in brightness-weighted R - B)."""
    galaxies = render_galaxies(300, 16, seed=0)[0]

    def colour(imgs):  # brightness-weighted R - B
        w = imgs.mean(1)
        return float((((imgs[:, 0] - imgs[:, 2]) * w).sum((1, 2)) / w.sum((1, 2))).mean())

    out = train_acgan(galaxies, tmp_path / "ac", TrainConfig(steps=200, batch_size=32, seed=0, threads=1),
                      width=8, max_width=32, latent_dim=16, holdout=0.2)
    assert out["heldout"]["n"] == 60 and out["heldout"]["accuracy"] > 0.55  # chance 1/3
    model = out["model"]
    g = torch.Generator().manual_seed(0)
    red = {name: colour(model.sample(60, condition=name, generator=g).numpy()) for name in ("elliptical", "spiral")}
    assert red["elliptical"] > red["spiral"] + 0.01, red

    assert main(["astro", "generate-galaxies", "--model", str(tmp_path / "ac"), "--n", "4", "--type", "spiral",
                 "--out", str(tmp_path / "spirals")]) == 0
    assert [p.name for p in (tmp_path / "spirals").iterdir()] == ["spiral"]
    assert len(list((tmp_path / "spirals" / "spiral").glob("*.png"))) == 4
    assert main(["astro", "generate-galaxies", "--model", str(tmp_path / "ac"), "--n", "6",
                 "--out", str(tmp_path / "all.h5")]) == 0
    s = read_sample_set(tmp_path / "all.h5")
    assert s.labels.tolist() == [0, 1, 2, 0, 1, 2] and s.attrs["class_names"] == ["elliptical", "spiral", "barred"]
    assert s.samples.shape == (6, 3, 16, 16) and s.attrs["producer"]["model"] == "astro.galaxy_acgan"
    assert main(["astro", "generate-galaxies", "--model", str(tmp_path / "ac"), "--n", "2", "--type", "lenticular",
                 "--out", str(tmp_path / "x")]) == 2


def test_cli_train_vae_and_interpolate(tmp_path, capsys):
    assert main(["astro", "render-galaxies", "--n", "24", "--size", "16", "--out", str(tmp_path / "g")]) == 0
    assert main(["astro", "train-vae", "--images", str(tmp_path / "g"), "--out", str(tmp_path / "v"), "--width", "4",
                 "--latent-dim", "4", "--mode", "grey", *TINY]) == 0
    assert read_checkpoint_config(tmp_path / "v")["config"]["channels"] == 1
    assert main(["astro", "interpolate", "--model", str(tmp_path / "v"), "--out", str(tmp_path / "m.gif"),
                 "--points", "2", "--frames", "3", "--scale", "2"]) == 0
    printed = capsys.readouterr().out
    assert "6 frames through 2 encoded images of" in printed  # the run's training folder still exists
    with Image.open(tmp_path / "m.gif") as gif:  # (2 steps: frames may be identical, which GIF merges)
        assert gif.size == (32, 32) and gif.mode in ("L", "P")


def test_validate_maps_uses_the_real_sets_geometry(tmp_path):
    from scigen.astro.maps import MapSimulator, write_maps
    from scigen.astro.pipeline import validate_maps

    sim = MapSimulator(16, 0.875, lognormal=True)
    write_maps(tmp_path / "real.h5", 120, sim, seed=1)
    gauss = MapSimulator(16, 0.875).sample(120, seed=2)  # same spectrum, but Gaussian: no skewness
    report = validate_maps(tmp_path / "real.h5", gauss, tmp_path / "report", checks=None, n_splits=8)
    (ps,) = report.get("power_spectrum")
    assert ps.x[0] == pytest.approx(2 * np.pi / np.deg2rad(0.875), rel=0.25)  # multipoles, not pixel k
    assert report.get("pixel_histogram")[0].verdict == "fail"
    assert (tmp_path / "report" / "report.html").exists()


def test_validation_with_fewer_maps_than_asked_says_so(maps_h5, caplog):
    """The default of 300 validation maps must work with a smaller held-out set; it says what it compares."""
    from scigen.astro.pipeline import statistics_evaluator

    with caplog.at_level("WARNING", logger="scigen.astro"):
        statistics_evaluator(maps_h5, 300)
    assert "hold 24 maps, fewer than the 300 asked for" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="scigen.astro"):
        statistics_evaluator(maps_h5, 24)
    assert not caplog.records
