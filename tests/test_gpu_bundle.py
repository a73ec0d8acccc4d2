"""The GPU round trip of benchmarks/_gpu_train.py: a trained run packed into parts small enough for
the device tool, unpacked here into a run directory that loads the same weights; RDKit-free
training from a pre-filtered set."""

import gzip
import json

import torch

from benchmarks import _gpu_train as gpu
from scigen.chem.data import load_moses
from scigen.engine import TrainConfig, load_model


def test_pack_and_unpack_give_back_the_trained_model(tmp_path, monkeypatch):
    from scigen.chem import pipeline

    smiles = list(load_moses("train", 200))
    work, out, here = tmp_path / "work", tmp_path / "out", tmp_path / "here"
    # a pre-filtered set trains without the RDKit filter, as on the GPU machine
    summary = pipeline.train_lstm(smiles, work / "lstm", TrainConfig(steps=3, batch_size=16, threads=1),
                                  hidden=32, layers=1, filt=gpu.Prefiltered())
    assert summary["molecules"] == 200 and summary["skipped"] == {}
    (work / "lstm.json").write_text(json.dumps(summary))
    monkeypatch.setattr(gpu, "PART_BYTES", 20_000)  # several parts, as a 20 MB model.pt makes at 15 MiB
    out.mkdir()
    gpu.pack(work, out, ["lstm"])
    parts = sorted(p.name for p in out.glob("lstm.model.pt.*"))
    assert len(parts) >= 2 and all((out / p).stat().st_size <= 20_000 for p in parts)
    gpu.unpack(out, here)
    original, back = load_model(work / "lstm"), load_model(here / "lstm")
    for (name, a), b in zip(original.state_dict().items(), back.state_dict().values()):
        assert torch.equal(a, b), name
    assert json.loads((here / "lstm.json").read_text())["steps"] == 3


def test_prepared_file_feeds_the_chem_job(tmp_path):
    path = tmp_path / "train.smi.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(load_moses("train", 300)) + "\n")
    result = gpu.chem_job("lstm", path, tmp_path, budget_s=30.0, t0=__import__("time").time(), device="cpu",
                          quick=True)
    assert result["molecules"] == 300 and result["steps"] >= 100 and result["probe_steps_per_s"] > 0
    assert (tmp_path / "lstm" / "latest").is_file() and not (tmp_path / "lstm-probe").exists()


def test_gpu_benchmark_runs_only_when_named():
    from benchmarks import __main__ as runner

    assert "gpu" in runner.available() and "gpu" in runner.ON_REQUEST
