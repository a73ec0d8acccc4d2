"""Exact resume, checkpoint layout, the NaN guard, and training options."""

import json

import pytest
import torch

from scigen.engine import ArrayDataset, TrainConfig, fit, load_model, read_checkpoint_config, seeded
from scigen.engine.examples import DigitsVAE, RingGAN, load_digits_dataset, ring_of_gaussians
from scigen.engine.model import Model, register_model
from scigen.errors import CheckpointError, InputError, TrainingDivergedError


class Stop(Exception):
    pass


def _points(n=512):
    return ArrayDataset(samples=torch.from_numpy(ring_of_gaussians(n, seed=0)))


def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_interrupt_and_resume_equals_uninterrupted(tmp_path):
    config = TrainConfig(steps=40, batch_size=32, seed=5, checkpoint_every=10, log_every=5)
    with seeded(0):
        full = RingGAN(hidden=32)
    fit(full, _points(), config, out_dir=tmp_path / "full")

    def crash(state):
        if state.step == 27:  # between checkpoints 20 and 30, mid-epoch (16 batches per epoch)
            raise Stop

    with seeded(0):
        part = RingGAN(hidden=32)
    with pytest.raises(Stop):
        fit(part, _points(), config, out_dir=tmp_path / "crashed", callbacks=[crash])
    assert read_checkpoint_config(tmp_path / "crashed")["step"] == 20
    with seeded(99):
        resumed = RingGAN(hidden=32)
    result = fit(resumed, _points(), config, out_dir=tmp_path / "crashed", resume=True)
    assert result.steps == 40
    for key, value in _state(full).items():
        assert torch.equal(value, resumed.state_dict()[key]), key
    # the metrics log of the resumed run has each logged step exactly once
    steps = [json.loads(line)["step"] for line in (tmp_path / "crashed" / "metrics.jsonl").read_text().splitlines()]
    assert steps == sorted(set(steps)) and steps[-1] == 40


def test_run_directory_layout_and_reload(tmp_path):
    with seeded(0):
        model = RingGAN(hidden=16)
    fit(model, _points(), TrainConfig(steps=12, batch_size=32, checkpoint_every=4, keep_checkpoints=2), out_dir=tmp_path)
    steps = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    assert steps == ["step_00000008", "step_00000012"]  # older ones pruned
    assert (tmp_path / "latest").read_text().strip() == "checkpoints/step_00000012"
    meta = read_checkpoint_config(tmp_path)
    assert meta["model"] == "engine.ring_gan" and meta["config"]["hidden"] == 16 and len(meta["weights_sha256"]) == 64
    loaded = load_model(tmp_path)
    assert not loaded.training
    for key, value in model.state_dict().items():
        assert torch.equal(value, loaded.state_dict()[key])
    lines = (tmp_path / "metrics.jsonl").read_text().splitlines()
    assert json.loads(lines[-1])["step"] == 12 and "loss_d" in json.loads(lines[-1])


def test_existing_run_needs_resume(tmp_path):
    fit(RingGAN(hidden=8), _points(), TrainConfig(steps=2, batch_size=32), out_dir=tmp_path)
    with pytest.raises(CheckpointError, match="--resume"):
        fit(RingGAN(hidden=8), _points(), TrainConfig(steps=2, batch_size=32), out_dir=tmp_path)


@register_model("tests.exploding")
class Exploding(Model):
    """A regression model whose loss turns NaN at a chosen step."""

    def __init__(self, nan_at: int = 5):
        super().__init__()
        self.nan_at = nan_at
        self.net = torch.nn.Linear(2, 1)

    def configure_optimizers(self):
        return {"net": torch.optim.SGD(self.parameters(), lr=0.01)}

    def training_step(self, batch, ctx):
        loss = self.net(batch["samples"]).pow(2).mean()
        if ctx.step + 1 >= self.nan_at:
            loss = loss * float("nan")
        ctx.optimize("net", loss)
        return {"loss": loss}


def test_nan_stops_training_and_keeps_the_last_good_checkpoint(tmp_path):
    model = Exploding(nan_at=8)
    with pytest.raises(TrainingDivergedError) as info:
        fit(model, _points(), TrainConfig(steps=20, batch_size=32, checkpoint_every=5), out_dir=tmp_path)
    message = str(info.value)
    assert "step 8" in message and "step_00000005" in message
    good = load_model(tmp_path)
    assert read_checkpoint_config(tmp_path)["step"] == 5
    assert all(torch.isfinite(v).all() for v in good.state_dict().values())


def test_gradient_clipping_bounds_the_update():
    model = Exploding(nan_at=10**9)
    with torch.no_grad():
        model.net.weight.fill_(100.0)
    before = model.net.weight.clone()
    fit(model, _points(), TrainConfig(steps=1, batch_size=32, grad_clip=1.0))
    # SGD with lr 0.01 and a clipped gradient norm of 1 moves weights by at most 0.01
    assert (model.net.weight - before).norm() <= 0.01 + 1e-6


def test_bad_training_inputs():
    with pytest.raises(InputError, match="fewer than one global batch"):
        fit(RingGAN(hidden=8), _points(16), TrainConfig(steps=1, batch_size=32))
    with pytest.raises(InputError, match="precision"):
        fit(RingGAN(hidden=8), _points(), TrainConfig(steps=1, batch_size=32, precision="fp8"))
    with pytest.raises(InputError, match="CUDA"):
        if torch.cuda.is_available():
            raise InputError("CUDA present: nothing to check")
        fit(RingGAN(hidden=8), _points(), TrainConfig(steps=1, batch_size=32, device="cuda"))


def test_checkpoint_of_another_model_is_refused(tmp_path):
    fit(RingGAN(hidden=8), _points(), TrainConfig(steps=2, batch_size=32), out_dir=tmp_path / "gan")
    with pytest.raises(CheckpointError, match="engine.ring_gan.*not 'engine.digits_vae'"):
        load_model(tmp_path / "gan", expected=DigitsVAE)
    digits = ArrayDataset(samples=torch.from_numpy(load_digits_dataset()[0][:64]))
    with pytest.raises(CheckpointError, match="cannot resume"):
        fit(DigitsVAE(hidden=8), digits, TrainConfig(steps=4, batch_size=32), out_dir=tmp_path / "gan", resume=True)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_model(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CheckpointError, match="holds no scigen checkpoint"):
        load_model(tmp_path / "empty")


def test_weights_of_a_differently_sized_model_are_refused(tmp_path):
    fit(RingGAN(hidden=8), _points(), TrainConfig(steps=2, batch_size=32), out_dir=tmp_path)
    meta_path = tmp_path / "checkpoints" / "step_00000002" / "config.json"
    meta = json.loads(meta_path.read_text())
    meta["config"]["hidden"] = 16
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="do not fit"):
        load_model(tmp_path)


def test_checkpoints_refuse_pickled_objects(tmp_path):
    fit(RingGAN(hidden=8), _points(), TrainConfig(steps=2, batch_size=32), out_dir=tmp_path)
    weights = tmp_path / "checkpoints" / "step_00000002" / "model.pt"

    class Payload:
        def __reduce__(self):
            return (print, ("this must never run",))

    torch.save({"generator.0.weight": Payload()}, weights)
    with pytest.raises(CheckpointError, match="could not be loaded safely"):
        load_model(tmp_path)
