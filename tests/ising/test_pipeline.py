"""The documented path end to end on a tiny lattice: simulate -> train -> generate -> validate, from the
command line and from Python; temperatures matched exactly, interpolation recorded."""

import json

import numpy as np
import pytest

from scigen.cli import main
from scigen.engine import TrainConfig
from scigen.errors import InputError, SampleSetError
from scigen.io import read_sample_set, write_sample_set
from scigen.ising import pipeline, simulate_to_file

TINY_MODEL = dict(latent_dim=8, width=8, max_width=16, embed_dim=4, noise_channels=2, head_width=4, d_hidden=16)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("ising") / "ising8.h5"
    simulate_to_file(path, 8, [2.0, 2.5, 3.0], 48, seed=2)
    return path


@pytest.fixture(scope="module")
def run(data, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "gan"
    pipeline.train(data, out, TrainConfig(steps=4, batch_size=16, seed=1, device="cpu"), eval_every=2, eval_samples=8,
                   **TINY_MODEL)
    return out


def test_cli_train_generate_validate(tmp_path, data, capsys):
    run = tmp_path / "run"
    assert main(["ising", "train", "--data", str(data), "--out", str(run), "--steps", "2", "--batch-size", "16",
                 "--width", "8", "--latent-dim", "8", "--eval-every", "1", "--eval-samples", "8"]) == 0
    assert "checkpoint" in capsys.readouterr().out and (run / "checkpoints" / "best").is_dir()
    fake = tmp_path / "fake.h5"
    assert main(["ising", "generate", "--model", str(run), "--samples", "40", "--out", str(fake), "--seed", "3"]) == 0
    text = capsys.readouterr().out
    assert "wrote 120 samples" in text and "trained" in text
    s = read_sample_set(fake)
    assert s.samples.shape == (120, 8, 8) and s.samples.dtype == np.int8
    real = read_sample_set(data)
    assert sorted(set(s.condition[:, 0])) == sorted(set(real.condition[:, 0]))  # the same floats
    assert s.attrs["domain"] == "ising" and s.attrs["condition_names"] == ["T"]
    assert s.attrs["producer"]["kind"] == "model" and s.attrs["producer"]["weights_sha256"]
    report_dir = tmp_path / "report"
    rc = main(["validate", "--real", str(data), "--fake", str(fake), "--out", str(report_dir), "--checks", "none"])
    assert rc in (0, 1)  # two training steps: the verdict is no test's business, the report's shape is
    rep = json.loads((report_dir / "report.json").read_text())
    assert (report_dir / "report.html").is_file()
    assert sorted(next(iter(g["key"].values())) for g in rep["groups"]) == [2.0, 2.5, 3.0]
    assert all(g["status"] == "matched" for g in rep["groups"])
    energy = [r for r in rep["statistics"] if r["name"] == "energy"]
    assert len(energy) == 3 and all(r["verdict"] in ("pass", "fail") for r in energy)


def test_generate_records_interpolation_and_snaps_to_trained_floats(tmp_path, run, data):
    trained = sorted(set(read_sample_set(data).condition[:, 0]))
    out = pipeline.generate(run, tmp_path / "f.h5", [2.0 + 1e-12, 2.25, 3.6], samples_per_temperature=10, seed=0)
    s = read_sample_set(out)
    assert s.attrs["temperature_kinds"] == ["trained", "interpolated", "extrapolated"]
    assert s.attrs["temperatures"] == [2.0, 2.25, 3.6] and s.attrs["trained_temperatures"] == trained
    assert list(s.condition[::10, 0]) == [2.0, 2.25, 3.6]  # ordered by temperature, 10 each
    # the samples depend only on the weights and the seed
    again = read_sample_set(pipeline.generate(run, tmp_path / "g.h5", [2.0, 2.25, 3.6], 10, seed=0))
    assert np.array_equal(again.samples, s.samples)
    balance = pipeline.sign_balance(s)
    assert [round(r["T"], 6) for r in balance] == [2.0, 2.25, 3.6]
    assert all(abs(r["positive"] + r["negative"] + r["zero"] - 1) < 1e-12 for r in balance)


def test_refinement_sweeps_are_recorded_and_move_towards_equilibrium(tmp_path, run):
    """refine_sweeps applies Metropolis sweeps at each sample's T after the GAN: 20 sweeps at T = 3.0
    (tau_int ~ 1 sweep there) bring an all-but-untrained GAN's samples to the exact finite-lattice
    energy, and the set records what was done."""
    from scigen.ising.exact import finite_lattice
    from scigen.ising.stats import energy_per_spin

    refined = read_sample_set(pipeline.generate(run, tmp_path / "ref.h5", [3.0], 300, seed=4, refine_sweeps=20))
    assert refined.attrs["refine_sweeps"] == 20 and refined.attrs["producer"]["refine_sweeps"] == 20
    assert set(np.unique(refined.samples)) <= {-1, 1} and refined.samples.dtype == np.int8
    e = energy_per_spin(refined.samples)
    assert abs(e.mean() - float(finite_lattice(8, 3.0).energy)) < 4 * e.std() / np.sqrt(len(e))


def test_interpolated_temperatures_validate_against_a_reference(tmp_path, run):
    ref = tmp_path / "ref.h5"
    simulate_to_file(ref, 8, [2.25], 40, seed=9)
    fake = pipeline.generate(run, tmp_path / "f.h5", [2.25], 40, seed=1)
    report = pipeline.validate(ref, fake, statistics=["energy", "abs_magnetization"], checks=None)
    assert [g["label"] for g in report.groups] == ["T=2.25"]
    rows = pipeline.ratio_table(report)
    assert set(rows) == {"energy", "abs_magnetization"} and list(rows["energy"]) == ["2.25"]
    assert rows["energy"]["2.25"]["verdict"] in ("pass", "fail") and rows["energy"]["2.25"]["ratio"] > 0


def test_resume_continues_the_run(tmp_path, data):
    out = tmp_path / "r"
    pipeline.train(data, out, TrainConfig(steps=2, batch_size=16, device="cpu"), eval_every=0, **TINY_MODEL)
    pipeline.train(data, out, TrainConfig(steps=4, batch_size=16, device="cpu"), eval_every=0, resume=True)
    lines = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert lines[-1]["step"] == 4


def test_bad_inputs_are_clear_errors(tmp_path, data):
    one_t = tmp_path / "one.h5"
    simulate_to_file(one_t, 8, [2.5], 32, seed=0)
    with pytest.raises(InputError, match="two"):
        pipeline.train(one_t, tmp_path / "x", TrainConfig(steps=1, batch_size=8))
    maps = tmp_path / "maps.h5"
    write_sample_set(maps, np.random.default_rng(0).normal(size=(8, 8, 8)).astype(np.float32), domain="astro")
    with pytest.raises(SampleSetError, match="not 'ising'"):
        pipeline.train(maps, tmp_path / "y", TrainConfig(steps=1, batch_size=8))
    with pytest.raises(FileNotFoundError):
        pipeline.train(tmp_path / "missing.h5", tmp_path / "z")
    assert main(["ising", "generate", "--model", str(tmp_path / "nowhere"), "--samples", "5",
                 "--out", str(tmp_path / "f.h5")]) == 2
