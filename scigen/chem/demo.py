"""The chemistry section of ``scigen demo``: data -> character LSTM -> sampled, filtered molecules ->
validation report, and variations around a prototype drug from a tiny prototype VAE.

Small settings (10,000 MOSES training molecules, a one-layer 128-unit LSTM for 1,500 steps, a
tiny VAE for 800, one torch thread) so it needs about a minute and a half of CPU time (more wall
time on a shared machine). Models this brief write many invalid SMILES (about half, here): the
filter report says how many, and the validation report judges the rest honestly (its verdict is
expected to fail on such short training; ``benchmarks/chem.py`` trains each model for 10-14 minutes
and reports the MOSES metrics).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

N_TRAIN, N_TEST, N_SAMPLE = 10_000, 1000, 1000
PROTOTYPE = ("aspirin", "CC(=O)Oc1ccccc1C(=O)O")


def run(out_dir: Path, seed: int = 0) -> dict:
    """Run the chemistry demo into ``out_dir``; returns its outputs (``report``, ``verdict``, ...)."""
    import torch

    from scigen.chem import pipeline
    from scigen.chem.data import load_moses
    from scigen.chem.files import write_smiles
    from scigen.engine import TrainConfig
    from scigen.io.atomic import write_text_atomic

    out_dir.mkdir(parents=True, exist_ok=True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        t0 = time.perf_counter()
        train_path = write_smiles(out_dir / "train.smi", load_moses("train", N_TRAIN))
        test_path = write_smiles(out_dir / "test.smi", load_moses("test", N_TEST))
        for run_dir in ("lstm", "vae"):  # the demo's own earlier output: start afresh
            shutil.rmtree(out_dir / run_dir, ignore_errors=True)
        lstm = pipeline.train_lstm(train_path, out_dir / "lstm",
                                   TrainConfig(steps=1500, batch_size=64, seed=seed, log_every=100, threads=1,
                                               grad_clip=5.0),
                                   embed_dim=32, hidden=128, layers=1, lr=8e-3, max_len=80)
        sampled = pipeline.sample(out_dir / "lstm", N_SAMPLE, out_dir / "sampled.smi", seed=seed + 1,
                                  raw_out=out_dir / "sampled_raw.csv")
        report = _validate(test_path, out_dir / "sampled.smi", train_path, out_dir / "report", seed)
        vae = pipeline.train_vae(train_path, out_dir / "vae",
                                 TrainConfig(steps=800, batch_size=64, seed=seed, log_every=100, threads=1,
                                             grad_clip=5.0),
                                 latent_dim=32, hidden=128, layers=1, lr=6e-3, max_len=80, embed_dim=16,
                                 conv_channels=[16, 16, 32], dense=128)
        variations = pipeline.generate(out_dir / "vae", PROTOTYPE[1], 200, out_dir / "aspirin_variations.csv",
                                       diversity=1.0, seed=seed + 2)
    finally:
        torch.set_num_threads(threads)
    f = sampled["filter"]
    v = variations["variations"]
    outputs = {
        "train": f"{lstm['molecules']} MOSES molecules ({out_dir / 'train.smi'})",
        "lstm": f"{lstm['steps']} steps in {lstm['seconds']:.0f} s, loss {lstm['final'].get('loss', float('nan')):.3f}",
        "sampled": f"{N_SAMPLE} -> {f['n_kept']} kept; dropped {json.dumps(f['dropped'])}",
        "sampling_per_s": f"{sampled['molecules_per_s']:.0f} molecules/s",
        "molecules": str(out_dir / "sampled.smi"),
        "vae": f"{vae['steps']} steps in {vae['seconds']:.0f} s",
        "variations": (f"{PROTOTYPE[0]}: validity {v['validity']:.2f}, {v['distinct']} distinct, mean similarity "
                       f"{v['similarity']['mean']:.2f} ({out_dir / 'aspirin_variations.csv'})"),
        **report,
        "total_s": round(time.perf_counter() - t0, 1),
    }
    write_text_atomic(out_dir / "summary.json", json.dumps(outputs, indent=1) + "\n")
    return outputs


def _validate(test_path: Path, fake_path: Path, train_path: Path, out: Path, seed: int) -> dict:
    """scigen.validate on the kept molecules vs the held-out test molecules (FCD with 5 splits)."""
    from scigen.validate import compare

    report = compare(str(test_path), str(fake_path), train=str(train_path), n_splits={"fcd": 5}, seed=seed)
    paths = report.write(out)
    failed = [name.replace(" [all]", "") for name in report.summary().get("failed", [])]
    return {"report": str(paths["html"]), "verdict": "pass" if report.passed else "fail",
            "failed": ", ".join(failed[:8]) + (" ..." if len(failed) > 8 else "")}
