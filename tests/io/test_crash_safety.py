"""A process killed (SIGKILL) while writing a checkpoint or a sample set leaves no corrupt file."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from scigen.engine import load_model, read_checkpoint_config
from scigen.engine.checkpoint import list_step_checkpoints, remove_stale_temporaries
from scigen.io import read_sample_set

HERE = Path(__file__).parent


def _run_and_kill(kind: str, out: Path, delay: float) -> None:
    env = {**os.environ, "PYTHONPATH": str(HERE.parents[1]), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, str(HERE / "crash_writer.py"), kind, str(out)],
                            stdout=subprocess.PIPE, text=True, env=env)
    proc.stdout.readline()  # one complete write has finished
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def test_killed_during_checkpoint_writes(tmp_path):
    rng = random.Random(0)
    for trial in range(4):
        out = tmp_path / f"run{trial}"
        _run_and_kill("checkpoint", out, rng.uniform(0.05, 1.0))
        meta = read_checkpoint_config(out)
        model = load_model(out)  # the latest named checkpoint is complete
        values = torch.cat([p.flatten() for p in model.parameters()])
        assert torch.all(values == meta["step"])
        for ckpt in list_step_checkpoints(out):  # every directory with a final name is complete
            assert (ckpt / "model.pt").stat().st_size > 1_000_000
        remove_stale_temporaries(out)
        assert not [p for p in (out / "checkpoints").iterdir() if ".tmp-" in p.name]


def test_killed_during_sample_set_writes(tmp_path):
    rng = random.Random(1)
    for trial in range(4):
        out = tmp_path / f"set{trial}"
        _run_and_kill("samples", out, rng.uniform(0.05, 0.6))
        got = read_sample_set(out / "set.h5")  # the file present is a whole one
        assert got.samples.shape == (400, 64, 64)
        assert np.all(got.samples == got.attrs["step"])
