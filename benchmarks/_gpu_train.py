"""Train scigen's generators on a lent GPU within a wall-clock budget, and bring the results back.

The GPU machine has torch but neither RDKit nor astropy, and only a few files come back from it, so
the work is split in three steps::

    python -m benchmarks._gpu_train prepare .gpu/moses_train.smi.gz      # here: RDKit-filter MOSES train
    python -m benchmarks._gpu_train train --out $OUT --budget 360 \\
        --smiles .gpu/moses_train.smi.gz                                 # there: train side by side
    python -m benchmarks._gpu_train unpack FETCHED runs/benchmarks/gpu   # here: loadable run folders

``train`` runs each job in its own process, all sharing the one GPU:

- ``cosmogan``: the paper's width-64 cosmoGAN through the CPU section's own path
  (:func:`benchmarks._astro_cosmogan.cosmogan_quality`: same maps, seeds, validation-selected
  checkpoint), generated and validated on the machine;
- ``cosmogan_matched``: the same at width 64 with the CPU's best recipe (``MATCHED_RECIPE``: 4 x 4
  kernels; pixels, modes, map means, smoothed pixels and contour length matched at weight 10;
  batch-statistics sampling; learning rate 1e-4 decayed from step 3,500 to 7,000; checkpoint chosen by
  the worst statistic over 1,000 validation maps);
- ``vae``, ``vae_kl10`` and ``vae_kl20``: the prototype VAE with a 2 x 512 decoder, KL weight 0.05,
  0.1 and 0.2;
- ``lstm``: the character LSTM at 3 x 512.

Each chem job probes 100 steps, then takes as many steps as fit its budget (cosine learning-rate
decay needs the total); the scoring happens here (``python -m benchmarks gpu:chem_<job>``), where RDKit
and the ChemNet weights are. What comes back: ``bundle.tar.gz`` (summaries, metric logs, configs,
vocabularies, the cosmoGAN report) and each chem run's final ``model.pt`` in parts of at most
15 MiB (the device tool returns at most 8 files of 16 MiB).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from types import SimpleNamespace

from benchmarks._astro_cosmogan import CONTOUR_RECIPE
from benchmarks._chem_quality import LSTM_SIZE, VAE_SIZE

PART_BYTES = 15 << 20
MAX_LEN = 100
CHEM_JOBS = {  # tag: (kind, model size, batch)
    "vae": ("chem.prototype_vae", {**VAE_SIZE, "hidden": 512}, 512),
    "vae_kl10": ("chem.prototype_vae", {**VAE_SIZE, "hidden": 512, "kl_weight": 0.1}, 512),
    "vae_kl20": ("chem.prototype_vae", {**VAE_SIZE, "hidden": 512, "kl_weight": 0.2}, 512),
    "lstm": ("chem.char_lstm", {**LSTM_SIZE, "hidden": 512, "layers": 3}, 512),
}
QUICK_SIZES = {"chem.prototype_vae": {"hidden": 32, "dense": 32, "conv_channels": [8, 8, 8], "latent_dim": 8},
               "chem.char_lstm": {"hidden": 32, "layers": 1}}
COSMOGAN_JOBS = ("cosmogan", "cosmogan_matched")
JOBS = (*COSMOGAN_JOBS, *CHEM_JOBS)
MATCHED_RECIPE = {**CONTOUR_RECIPE, "max_steps": 8000}  # the CPU's best, at the paper's width here
EVAL_RESERVE_S = 90.0   # cosmoGAN's generation and validation after training
PREP_RESERVE_S = 45.0   # reading, tokenising and encoding 1.58M SMILES (24 s measured on the CPU here)


def prepare(out: Path, n: int | None = None) -> dict:
    """Here (RDKit): MOSES' whole train split from the molsets wheel, in seeded random order, through
    the training filter (valid, canonical, deduplicated, <= 100 tokens), gzipped one per line."""
    import numpy as np

    from benchmarks._chem_quality import _molsets_wheel
    from scigen.chem.data import read_molsets_wheel
    from scigen.chem.pipeline import prepare_smiles
    from scigen.io.atomic import atomic_path

    wheel = _molsets_wheel()
    if wheel is None:
        raise SystemExit("the molsets 0.3.1 wheel is needed: pip download molsets==0.3.1 --no-deps")
    smiles = read_molsets_wheel(wheel, "train", n, seed=0)
    smiles = smiles[np.random.default_rng(0).permutation(len(smiles))] if n is None else smiles
    prepared = prepare_smiles(list(smiles), max_len=MAX_LEN)
    with atomic_path(out) as tmp, gzip.open(tmp, "wt") as fh:
        fh.write("\n".join(prepared.smiles) + "\n")
    return {"source": wheel.name, **prepared.to_dict()}


class Prefiltered:
    """A training filter for SMILES that went through :func:`prepare` already (no RDKit there)."""

    def __call__(self, smiles):
        smiles = list(smiles)
        return SimpleNamespace(kept=smiles, dropped={}, examples={}, n_in=len(smiles))


def _last_rate(run: Path) -> float:
    return json.loads((run / "metrics.jsonl").read_text().splitlines()[-1])["steps_per_s"]


def chem_job(tag: str, smiles_path: Path, work: Path, budget_s: float, t0: float, device: str, quick: bool) -> dict:
    from scigen.chem import pipeline
    from scigen.engine import TrainConfig

    kind, size, batch = CHEM_JOBS[tag]
    if quick:
        size, batch = {**size, **QUICK_SIZES[kind]}, 64
    train_fn = pipeline.train_lstm if kind == "chem.char_lstm" else pipeline.train_vae
    with gzip.open(smiles_path, "rt") as fh:
        smiles = fh.read().split()
    smiles = smiles[:5000] if quick else smiles
    probe = work / f"{tag}-probe"
    train_fn(smiles[:20_000], probe, TrainConfig(steps=100, batch_size=batch, seed=0, device=device, log_every=50,
                                                 checkpoint_every=1000, threads=2), filt=Prefiltered(), **size)
    rate = _last_rate(probe)  # steps 51-100, with the other jobs running beside it
    shutil.rmtree(probe)
    left = budget_s - (time.time() - t0) - (5.0 if quick else PREP_RESERVE_S)
    steps = max(100, int(0.85 * left * rate))
    summary = train_fn(smiles, work / tag, TrainConfig(steps=steps, batch_size=batch, seed=0, device=device,
                                                      grad_clip=5.0, log_every=100, threads=2, keep_checkpoints=1,
                                                      checkpoint_every=max(1, steps // 6)),
                       filt=Prefiltered(), **size)
    summary.update({"probe_steps_per_s": rate, "budget_s": budget_s, "size": size, "batch_size": batch,
                    "wall_s": round(time.time() - t0, 1), "training_set": f"{smiles_path.name}: {len(smiles):,}"})
    return summary


def cosmogan_job(tag: str, work: Path, budget_s: float, t0: float, device: str, quick: bool) -> dict:
    from benchmarks._astro_cosmogan import cosmogan_quality

    left = budget_s - (time.time() - t0) - EVAL_RESERVE_S
    options = MATCHED_RECIPE if tag == "cosmogan_matched" else {}
    if quick:
        return cosmogan_quality(True, width=8, device=device, threads=2, work=work / tag, **options)
    options = {"max_steps": 10**6, "round_steps": 2000, "every": 500, **options}
    return cosmogan_quality(False, width=64, budget_s=left, device=device, threads=2, work=work / tag, **options)


def run_job(args) -> None:
    import torch

    t0, work = args.t0, Path(args.work)
    if args.job in COSMOGAN_JOBS:
        result = cosmogan_job(args.job, work, args.budget, t0, args.device, args.quick)
    else:
        result = chem_job(args.job, Path(args.smiles), work, args.budget, t0, args.device, args.quick)
    result["gpu"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    result["torch"] = torch.__version__
    (work / f"{args.job}.json").write_text(json.dumps(result, indent=1, default=str) + "\n")


def _progress(work: Path, jobs) -> str:
    parts = []
    for tag in jobs:
        log = work / tag / "metrics.jsonl"
        if tag in COSMOGAN_JOBS:
            log = work / tag / "cosmo_run" / "metrics.jsonl"
        try:
            last = json.loads(log.read_text().splitlines()[-1])
            parts.append(f"{tag} step {last.get('step')} {last.get('steps_per_s', 0):.1f}/s")
        except (OSError, IndexError, ValueError):
            parts.append(f"{tag} -")
    return "; ".join(parts)


def train(args) -> None:
    """Start every job, wait (ending any past the deadline), pack what comes back into ``args.out``."""
    work, out = Path(args.work), Path(args.out)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    procs, logs = {}, []
    for tag in args.jobs.split(","):
        cmd = [sys.executable, "-m", "benchmarks._gpu_train", "job", tag, "--work", str(work), "--t0", str(t0),
               "--budget", str(args.budget), "--smiles", str(args.smiles), "--device", args.device]
        cmd += ["--quick"] if args.quick else []
        logs.append(open(work / f"{tag}.log", "w"))
        procs[tag] = subprocess.Popen(cmd, stdout=logs[-1], stderr=subprocess.STDOUT, env=env)
    deadline, report = t0 + args.budget + args.grace, t0
    while any(p.poll() is None for p in procs.values()):
        time.sleep(2)
        if time.time() > report + 30:
            report = time.time()
            gpu = subprocess.run(["nvidia-smi", "--query-gpu=utilization.gpu,memory.used", "--format=csv,noheader"],
                                 capture_output=True, text=True).stdout.strip() if shutil.which("nvidia-smi") else ""
            print(f"[{report - t0:4.0f} s] {_progress(work, procs)}; GPU {gpu}", flush=True)
        if time.time() > deadline:
            for tag, p in procs.items():
                if p.poll() is None:
                    print(f"{tag}: past the deadline, ended", flush=True)
                    p.terminate()
            time.sleep(3)
    for log in logs:
        log.close()
    for tag, p in procs.items():
        print(f"--- {tag}: exit {p.returncode}; log tail:\n" + "".join((work / f"{tag}.log").read_text()
                                                                       .splitlines(True)[-6:]), flush=True)
    pack(work, out, procs)


def pack(work: Path, out: Path, jobs) -> None:
    """``bundle.tar.gz`` of the small files plus each chem run's latest model.pt in parts."""
    manifest = {}
    for tag in jobs:
        latest = work / tag / "latest"
        if tag in CHEM_JOBS and latest.is_file():
            model = work / tag / latest.read_text().strip() / "model.pt"
            data = model.read_bytes()
            names = []
            for i in range(0, len(data), PART_BYTES):
                names.append(f"{tag}.model.pt.{i // PART_BYTES}")
                (out / names[-1]).write_bytes(data[i:i + PART_BYTES])
            manifest[tag] = {"model": str(model.relative_to(work)), "parts": names, "bytes": len(data)}
    (work / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    skip = {".pt", ".h5"}
    with tarfile.open(out / "bundle.tar.gz", "w:gz") as tar:
        for path in sorted(work.rglob("*")):
            if path.is_file() and path.suffix not in skip:
                tar.add(path, arcname=str(path.relative_to(work)))
    print(f"packed: {sorted(p.name for p in out.iterdir())}", flush=True)


def unpack(fetched: Path, dest: Path) -> None:
    """Here: the bundle into ``dest`` and the model parts joined back into their checkpoints."""
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fetched / "bundle.tar.gz") as tar:
        tar.extractall(dest, filter="data")
    for tag, entry in json.loads((dest / "manifest.json").read_text()).items():
        data = b"".join((fetched / name).read_bytes() for name in entry["parts"])
        if len(data) != entry["bytes"]:
            raise SystemExit(f"{tag}: {len(data)} bytes came back, {entry['bytes']} were sent")
        (dest / entry["model"]).write_bytes(data)
    print(f"unpacked into {dest}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._gpu_train", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("out", type=Path)
    p.add_argument("--n", type=int, default=None)
    for name in ("train", "job"):
        p = sub.add_parser(name)
        if name == "job":
            p.add_argument("job", choices=JOBS)
            p.add_argument("--t0", type=float, required=True)
        else:
            p.add_argument("--out", required=True)
            p.add_argument("--jobs", default=",".join(JOBS))
            p.add_argument("--grace", type=float, default=150.0, help="seconds past the budget before a job is ended")
        p.add_argument("--work", default="/tmp/scigen-gpu-work")
        p.add_argument("--budget", type=float, default=360.0, help="seconds of training per job, all side by side")
        p.add_argument("--smiles", default=".gpu/moses_train.smi.gz")
        p.add_argument("--device", default="cuda")
        p.add_argument("--quick", action="store_true", help="tiny models and data: a check of the path, on any device")
    p = sub.add_parser("unpack")
    p.add_argument("fetched", type=Path)
    p.add_argument("dest", type=Path)
    args = parser.parse_args(argv)
    if args.command == "prepare":
        print(json.dumps(prepare(args.out, args.n), indent=1))
    elif args.command == "train":
        train(args)
    elif args.command == "job":
        run_job(args)
    else:
        unpack(args.fetched, args.dest)


if __name__ == "__main__":
    main()
