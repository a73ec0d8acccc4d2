"""``scigen demo``: the whole path from data to validation report, on data that needs no download.

Sections run in order: ``engine`` (a GAN on a ring of Gaussians, trained through the engine), then
each domain whose pipeline offers a ``demo(out_dir, seed) -> dict`` function (small settings, a few
minutes on 2 CPU cores). Every section writes under ``--out`` and the summary says where.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import shutil
import time
from pathlib import Path

DOMAIN_SECTIONS = ("ising", "astro", "chem", "ehr")


def register(subparsers) -> None:
    p = subparsers.add_parser("demo", help="end-to-end demo: data -> training -> generation -> validation report",
                              description=__doc__)
    p.add_argument("--out", default="demo-output", help="output directory (default demo-output)")
    p.add_argument("--sections", default=None,
                   help=f"comma list of sections to run (default all available: engine,{','.join(DOMAIN_SECTIONS)})")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=run_cli)


def available_sections() -> list[str]:
    found = ["engine"]
    for domain in DOMAIN_SECTIONS:
        name = f"scigen.{domain}.pipeline"
        try:
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            spec = None
        if spec is not None and hasattr(importlib.import_module(name), "demo"):
            found.append(domain)
    return found


def engine_demo(out_dir: Path, seed: int = 0) -> dict:
    """Train the ring-of-Gaussians GAN, generate 5,000 points to HDF5, plot and validate them."""
    import torch

    from scigen.engine import ArrayDataset, TrainConfig, fit, load_model, seeded
    from scigen.engine.examples import RingGAN, ring_coverage, ring_of_gaussians
    from scigen.engine.generate import generate_to_file, model_provenance
    from scigen.io import read_sample_set, write_sample_set

    out_dir.mkdir(parents=True, exist_ok=True)
    real = ring_of_gaussians(20000, seed=seed)
    real_path = write_sample_set(out_dir / "ring_real.h5", real, domain=None, seed=seed,
                                 producer={"kind": "simulator", "name": "ring_of_gaussians", "modes": 8, "std": 0.05})
    with seeded(seed):
        model = RingGAN()
    shutil.rmtree(out_dir / "run", ignore_errors=True)  # the demo's own earlier output: start afresh
    result = fit(model, ArrayDataset(samples=torch.from_numpy(real)),
                 TrainConfig(steps=2000, batch_size=256, seed=seed, log_every=100, threads=1), out_dir=out_dir / "run")
    model = load_model(out_dir / "run", expected=RingGAN)
    fake_path = generate_to_file(
        out_dir / "ring_fake.h5", lambda n, g: {"samples": model.sample(n, generator=g)}, 5000,
        domain=None, seed=seed + 1, producer=model_provenance(model),
    )
    fake = read_sample_set(fake_path).samples
    coverage = ring_coverage(fake)
    plot = _scatter(real[:5000], fake, out_dir / "ring.png")
    outputs = {"real": str(real_path), "fake": str(fake_path), "model": str(out_dir / "run"), "plot": str(plot),
               "modes_covered": f"{coverage['modes_covered']}/8", "near_a_mode": f"{coverage['high_quality']:.0%}",
               "train_steps_per_s": f"{result.steps_per_s:.0f}"}
    report = _validate(real_path, fake_path, out_dir / "report")
    if report:
        outputs.update(report)
    return outputs


def _scatter(real, fake, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from scigen.io.atomic import atomic_path

    fig, axes = plt.subplots(1, 2, figsize=(8, 4), sharex=True, sharey=True)
    for ax, pts, title in zip(axes, (real, fake), ("real (ring of 8 Gaussians)", "generated")):
        ax.scatter(pts[:, 0], pts[:, 1], s=1, alpha=0.3)
        ax.set_title(title)
        ax.set_aspect("equal")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=80, format="png")
    plt.close(fig)
    return path


def _validate(real_path: Path, fake_path: Path, out: Path) -> dict | None:
    try:
        from scigen.validate import compare
    except ImportError:
        return None
    from scigen.io import read_sample_set

    report = compare(read_sample_set(real_path), read_sample_set(fake_path))
    paths = report.write(out)
    return {"report": str(paths["html"]), "verdict": "pass" if report.passed else "fail"}


def run_cli(args) -> int:
    from scigen.errors import InputError

    out = Path(args.out)
    sections = available_sections()
    if args.sections:
        wanted = [s.strip() for s in args.sections.split(",") if s.strip()]
        unknown = [s for s in wanted if s not in sections]
        if unknown:
            raise InputError(f"--sections: {unknown} not available here; available: {','.join(sections)}")
        sections = wanted
    summary = {}
    for section in sections:
        print(f"== {section}", flush=True)
        t0 = time.perf_counter()
        if section == "engine":
            outputs = engine_demo(out / "engine", args.seed)
        else:
            outputs = importlib.import_module(f"scigen.{section}.pipeline").demo(out / section, args.seed)
        outputs["seconds"] = round(time.perf_counter() - t0, 1)
        summary[section] = outputs
        for key, value in outputs.items():
            print(f"   {key:>18}: {value}")
    from scigen.io.atomic import write_text_atomic

    write_text_atomic(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    print(f"\nAll outputs are under {out.resolve()} (summary: {out / 'summary.json'})")
    for section, outputs in summary.items():
        if "report" in outputs:
            print(f"  {section:>7} report: {Path(outputs['report']).resolve()}")
    return 0
