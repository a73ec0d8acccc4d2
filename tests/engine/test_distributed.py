"""DDP with torchrun (gloo, 2 CPU processes) matches single-process training with the same global batch."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from scigen.engine import TrainConfig, fit, load_model
from scigen.io import SampleSetFile

HERE = Path(__file__).parent
pytestmark = pytest.mark.distributed


def torchrun(*args, nproc=2):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(HERE.parents[1])}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
           str(HERE / "ddp_train.py"), *map(str, args)]
    # its own session, so a timeout kills torchrun's workers too, not only torchrun
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        _, stderr = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    assert proc.returncode == 0, stderr[-3000:]


def test_two_process_ddp_matches_single_process(tmp_path):
    sys.path.insert(0, str(HERE))
    from ddp_train import build

    torchrun("autoencoder", tmp_path / "ddp", 30, 32)
    model, data = build("autoencoder")
    fit(model, data, TrainConfig(steps=30, batch_size=32, seed=1, device="cpu"), out_dir=tmp_path / "single")
    ddp = load_model(tmp_path / "ddp")
    single = load_model(tmp_path / "single")
    for key, value in single.state_dict().items():
        assert torch.allclose(value, ddp.state_dict()[key], atol=1e-5, rtol=0), key
    # only rank 0 wrote: one metrics log, one set of checkpoints, keys without DDP's "module." prefix
    assert not any("module." in k for k in ddp.state_dict())
    assert (tmp_path / "ddp" / "metrics.jsonl").read_text().count('"step": 30') == 1


def test_ddp_gan_with_frozen_halves_and_sharded_generation(tmp_path):
    torchrun("gan", tmp_path, 20, 64)
    gan = load_model(tmp_path)
    assert not any("module." in k for k in gan.state_dict())
    with SampleSetFile(tmp_path / "samples.h5") as joined:
        assert len(joined) == 1001 and joined.sample_shape == (2,)
        assert joined.attrs["shards"] == ["samples.shard000-of-002.h5", "samples.shard001-of-002.h5"]
        points = joined.load().samples
    # the two ranks drew different noise, so the halves are not copies of each other
    assert not torch.allclose(torch.from_numpy(points[:500]), torch.from_numpy(points[501:1001]))
