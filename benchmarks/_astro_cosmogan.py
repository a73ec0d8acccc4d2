"""The cosmoGAN sections of ``benchmarks/astro.py`` (kept apart to keep each file small): train within
a wall-clock budget, generate, validate against held-out maps, and the markdown of a run (see that
module's docstring)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

WORK = Path(__file__).resolve().parents[1] / "runs" / "benchmarks" / "astro"
# per-mode spectrum and pixel matching, no ring term, batch-statistics sampling, 4 x 4 kernels: the
# settings of the cosmogan_k4_modes_* sections and of the GPU's cosmogan_matched job
MODES_SETTINGS = dict(kernel_size=4, match=10.0, match_spectrum=0.0, match_modes=10.0, sample_norm="batch")
# the best CPU recipe so far (docs/astro.md section 6, "In short"): those, plus map means, smoothed
# pixels and contour length matched, lr 1e-4 decayed from step 3,500 to 7,000, the checkpoint chosen by
# the worst statistic over 1,000 validation maps
CONTOUR_RECIPE = dict(MODES_SETTINGS, match_means=10.0, match_smoothed=10.0, match_boundary=10.0, lr=1e-4,
                      lr_decay=(3500, 7000), n_val=1000, select="worst")


def _stat_rows(report) -> list[dict]:
    return [{"name": r.name, "verdict": r.verdict, "distance": r.distance, "floor": r.noise_floor, "ratio": r.ratio,
             "within_2x": bool(r.ratio is not None and r.ratio <= 2.0)} for r in report.statistics]


def run_folder(quick: bool, **options) -> Path:
    """The folder :func:`cosmogan_quality` trains in for these arguments (its defaults for the rest):
    one name per setting, so each section keeps its own run and another section can find it."""
    import inspect

    bound = inspect.signature(cosmogan_quality).bind(quick, **options)
    bound.apply_defaults()
    a = SimpleNamespace(**bound.arguments)
    return WORK / (("quick" if a.quick else "full") + ("" if a.upsample == "transpose" else f"_{a.upsample}")
                   + ("" if a.kernel_size == 5 else f"_k{a.kernel_size}") + ("" if a.ema is None else "_ema")
                   + ("" if a.d_batch == "separate" else f"_d{a.d_batch}")
                   + ("" if a.d_norm == "batch" else f"_d{a.d_norm}")
                   + ("" if not a.match else "_matched" if a.match == 10 else f"_matched{a.match:g}")
                   + ("" if a.match_spectrum is None else f"_rings{a.match_spectrum:g}")
                   + ("" if not a.match_modes else f"_modes{a.match_modes:g}")
                   + ("" if not a.match_means else f"_means{a.match_means:g}")
                   + ("" if not a.match_smoothed else f"_smoothed{a.match_smoothed:g}")
                   + ("" if not a.match_boundary else f"_boundary{a.match_boundary:g}")
                   + ("" if not a.match_histogram else f"_histogram{a.match_histogram:g}")
                   + ("" if a.sample_norm == "running" else f"_{a.sample_norm}norm")
                   + ("" if not a.r1 else f"_r1{a.r1:g}")
                   + ("" if a.pixel_transform == "cosmogan" else f"_{a.pixel_transform}")
                   + ("" if a.lr == 2e-4 else f"_lr{a.lr:g}") + ("" if a.lr_decay is None else "_decay")
                   + ("" if a.n_val == 300 else f"_val{a.n_val}") + ("" if a.select == "mean" else f"_{a.select}")
                   + ("" if not a.train_seed else f"_seed{a.train_seed}")
                   + ("" if a.width == 16 else f"_w{a.width}") + ("" if a.max_steps == 8000 else f"_steps{a.max_steps}")
                   + ("" if a.threads == 1 else f"_{a.threads}threads"))


def cosmogan_quality(quick: bool, upsample: str = "transpose", kernel_size: int = 5, *, ema: float | None = None,
                     width: int = 16, d_batch: str = "separate", d_norm: str = "batch", match: float = 0.0,
                     match_modes: float = 0.0, match_spectrum: float | None = None, match_means: float = 0.0,
                     match_smoothed: float = 0.0, match_boundary: float = 0.0, match_histogram: float = 0.0,
                     sample_norm: str = "running", pixel_transform: str = "cosmogan", r1: float = 0.0,
                     lr: float = 2e-4,
                     lr_decay: tuple[int, int] | None = None,
                     budget_s: float = 30 * 60.0, max_steps: int = 8000, round_steps: int = 500, every: int = 250,
                     n_val: int = 300, select: str = "mean", keep_checkpoints: int = 1, train_seed: int = 0, device: str = "cpu", threads: int = 1,
                     work: Path | None = None) -> dict:
    """Train cosmoGAN within a wall-clock budget, generate, validate (see the module docstring).

    The defaults are the CPU benchmark's (width 16, 30 min, at most 8,000 steps, one thread);
    ``benchmarks/_gpu_train.py`` runs the paper's width 64 on a GPU through the same path. ``match`` weighs
    the pixel-quantile and (unless ``match_spectrum`` is given) the per-ring spectrum matching losses,
    ``match_modes`` the per-mode one, ``match_means`` the spread of the maps' means, ``match_smoothed`` the
    smoothed maps' pixel quantiles (``scigen.astro.matching``)."""
    work = work or run_folder(**{name: value for name, value in locals().items() if name != "work"})  # the arguments
    import json

    from scigen.astro.data import load_maps
    from scigen.astro.maps import MapSimulator, write_maps
    from scigen.astro.pipeline import generate, train_gan, validate_maps
    from scigen.engine import TrainConfig, read_checkpoint_config
    from scigen.io import read_sample_set

    match_spectrum = match if match_spectrum is None else match_spectrum
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    sim = MapSimulator(64, 3.5, lognormal=True)
    n_train, n_val, n_test = (512, 100, 200) if quick else (8000, n_val, 1000)
    write_maps(work / "maps_train.h5", n_train, sim, seed=0)
    write_maps(work / "maps_val.h5", n_val, sim, seed=3)  # selects the checkpoint: never the test set
    write_maps(work / "maps_test.h5", n_test, sim, seed=1)
    if quick:
        budget_s, max_steps, round_steps, every = 60.0, 100, 50, 25
    train_maps, val_maps = load_maps(work / "maps_train.h5"), load_maps(work / "maps_val.h5")
    test = read_sample_set(work / "maps_test.h5").samples
    run, steps, trained_s, load, speeds = work / "cosmo_run", 0, 0.0, [os.getloadavg()[0]], []
    last = 0.0
    while steps < max_steps and trained_s + last <= budget_s:  # exact-resume rounds while the next one fits
        steps += round_steps
        config = TrainConfig(steps=steps, batch_size=64, seed=train_seed, log_every=50, threads=threads, device=device,
                             keep_checkpoints=keep_checkpoints, checkpoint_every=every, eval_every=every)
        r = train_gan(train_maps, run, config, width=width, kernel_size=kernel_size, upsample=upsample, ema=ema,
                      d_batch=d_batch, d_norm=d_norm, match_spectrum=match_spectrum, match_pixels=match,
                      match_modes=match_modes, match_means=match_means,
                      match_smoothed=match_smoothed, match_boundary=match_boundary,
                      match_histogram=match_histogram, sample_norm=sample_norm, pixel_transform=pixel_transform, r1=r1,
                      lr=lr, lr_decay=lr_decay,
                      resume=steps > round_steps, validation=val_maps, validation_maps=n_val, select=select)
        last = r.elapsed_s
        trained_s += r.elapsed_s
        load.append(os.getloadavg()[0])
        speeds.append(r.steps_per_s)
        print(f"cosmoGAN {steps} steps, {trained_s:.0f} s, best {r.best}", flush=True)
    evals = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    trajectory = [{"step": e["step"], **{k[5:]: v for k, v in e.items() if k.startswith("eval_")}}
                  for e in evals if "eval_stat_score" in e]
    best_step = read_checkpoint_config(run, "best")["step"]
    t0 = time.perf_counter()
    generate(run, n_test, work / "maps_fake.h5", seed=2, overwrite=True, which="best")
    gen_s = time.perf_counter() - t0
    generate(run, n_test, work / "maps_fake_latest.h5", seed=2, overwrite=True)
    fake = read_sample_set(work / "maps_fake.h5").samples
    by_n = {}
    for n in ((50, 200) if quick else (100, 300, 1000)):
        full = n == n_test
        t0 = time.perf_counter()
        rep = validate_maps(test[:n], fake[:n], work / "report" if full else None, fov_deg=3.5,
                            train=train_maps.maps[:2000] if full else None, checks="default" if full else None)
        by_n[str(n)] = {"statistics": _stat_rows(rep), "validate_s": time.perf_counter() - t0,
                        "checks": [{"name": c.name, "verdict": c.verdict, "measure": c.statistic_name,
                                    "value": c.statistic, "p": c.p_value} for c in rep.checks]}
    latest = validate_maps(test, read_sample_set(work / "maps_fake_latest.h5").samples, fov_deg=3.5, checks=None)
    seam = float(np.mean((fake[:, :, 0] - fake[:, :, -1]) ** 2) / np.mean(np.diff(fake, axis=2) ** 2))
    real_seam = float(np.mean((test[:, :, 0] - test[:, :, -1]) ** 2) / np.mean(np.diff(test, axis=2) ** 2))
    return {"maps": {"size": 64, "fov_deg": 3.5, "train": n_train, "validation": n_val, "test": n_test,
                     "kind": "log-normal"},
            "width": width, "device": device, "threads": threads,
            "padding": read_checkpoint_config(run)["config"]["padding_mode"], "upsample": upsample,
            "kernel_size": kernel_size, "ema": ema, "d_batch": d_batch, "d_norm": d_norm, "match": match,
            "match_spectrum": match_spectrum, "match_modes": match_modes, "match_means": match_means,
            "match_smoothed": match_smoothed, "match_boundary": match_boundary, "match_histogram": match_histogram,
            "sample_norm": sample_norm, "r1": r1, "lr": lr,
            "lr_decay": None if lr_decay is None else list(lr_decay), "train_seed": train_seed,
            "select": select, "budget_s": budget_s,
            "steps": steps, "best_step": best_step, "train_s": trained_s, "steps_per_s": speeds, "load_avg": load,
            "eval_every": every, "trajectory": trajectory, "generate_maps_per_s": n_test / gen_s, "by_n": by_n,
            "latest_at_test": _stat_rows(latest), "seam_ratio_fake": seam, "seam_ratio_real": real_seam}


def _where_trained(c: dict) -> str:
    rates = f"{min(c['steps_per_s']):.2f}-{max(c['steps_per_s']):.2f} steps/s"
    head = f"{c['steps']} steps in {c['train_s'] / 60:.1f} min (budget {round(c['budget_s'] / 60, 1):g} min; "
    if str(c.get("device", "cpu")).startswith("cuda"):
        return f"trained on {c.get('gpu') or 'a GPU'} ({c.get('torch', '')}) for {head}{rates}, validations included)."
    threads = c.get("threads", 1)
    return (f"trained on the CPU for {head}{threads} torch thread{'s' if threads > 1 else ''}, {rates}; load average "
            f"{min(c['load_avg']):.1f}-{max(c['load_avg']):.1f} on 2 cores: other jobs shared them).")


def _matching_words(c: dict) -> str:
    """The statistic-matching part of a run's description ('' when off)."""
    rings, pixels, modes = c.get("match_spectrum", c.get("match")), c.get("match"), c.get("match_modes")
    terms = [f"{w:g} x {name}" for w, name in ((rings, "log power per ring"), (pixels, "pixel quantiles"),
                                             (modes, "power per Fourier mode"),
                                             (c.get("match_means"), "spread of the map means"),
                                             (c.get("match_smoothed"), "pixel quantiles after 2 px smoothing"),
                                             (c.get("match_boundary"), "contour length (V1) after 2 px smoothing"),
                                             (c.get("match_histogram"), "pixel histogram per bin"))
             if w]
    if not terms:
        return ""
    fitted = ", ".join(["P(l)"] + ["V0"] * bool(c.get("match_smoothed")) + ["V1"] * bool(c.get("match_boundary")))
    fitted += " and the histogram"
    return ("generator loss plus the statistic-matching losses " + ", ".join(terms)
            + f" ({fitted} are then not independent checks); ")


def cosmogan_markdown(c: dict, title: str) -> list[str]:
    m = c["maps"]
    up = {"transpose": "stride-2 transposed convolutions (the paper's)",
          "transpose_blur": "stride-2 transposed convolutions, each hidden stage followed by a [1,2,1]^2/16 low-pass",
          "nearest": "x2 nearest-neighbour upsampling + convolution",
          "bilinear": "x2 bilinear upsampling + convolution"}[c.get("upsample", "transpose")]
    lines = ["", f"### {title}", "",
             f"{m['train']} simulated {m['kind']} maps {m['size']}^2 over {m['fov_deg']} deg; cosmoGAN width {c['width']} "
             f"(paper: 64), {c.get('kernel_size', 5)}x{c.get('kernel_size', 5)} kernels (paper: 5x5), "
             f"{c['padding']} padding, generator upsampling by {up}, batch 64, Adam {c.get('lr', 2e-4):g}/0.5, label flip 0.01; "
             + ("learning rates decayed linearly to 0.05x from step {0} to {1}; ".format(*c["lr_decay"])
                if c.get("lr_decay") else "")
             + (f"training seed {c['train_seed']}; " if c.get("train_seed") else "")
             + (f"generator weights averaged (EMA decay {c['ema']}); " if c.get("ema") else "")
             + (f"R1 penalty on the discriminator (gamma {c['r1']:g}, every 4 steps); " if c.get("r1") else "")
             + ("discriminator without batch norm, spectral normalisation on every layer; "
                if c.get("d_norm") == "spectral" else "")
             + ("real and generated maps through the discriminator in one batch; "
                if c.get("d_batch") == "joint" else "")
             + _matching_words(c)
             + ("sampled with batch statistics (batches of 64, as in training); "
                if c.get("sample_norm") == "batch" else "")
             + _where_trained(c) + " Best "
             f"checkpoint by {m['validation']} validation maps"
             + (" and the statistic furthest from its floor" if c.get("select") == "worst" else "")
             + f": step {c['best_step']}. Generated {m['test']} maps "
             f"({c['generate_maps_per_s']:.0f} maps/s) vs {m['test']} held-out test maps. Cells: distance / noise "
             "floor (chi^2 per dof for curves, so the ratio grows with the set size for any fixed bias); **bold** = "
             "within 2x the floor (the issue's target).", "",
             "| maps per set | " + " | ".join(r["name"] for r in next(iter(c["by_n"].values()))["statistics"]) + " |",
             "|---|" + "---|" * len(next(iter(c["by_n"].values()))["statistics"])]
    def cells(rows):
        return " | ".join((f"**{r['ratio']:.3g}**" if r["within_2x"] else f"{r['ratio']:.3g}")
                          if r["ratio"] is not None else r["verdict"] for r in rows)

    for n, v in c["by_n"].items():
        lines.append(f"| {n} | {cells(v['statistics'])} |")
    lines.append(f"| {m['test']}, latest checkpoint (step {c['steps']}) | {cells(c['latest_at_test'])} |")
    last = list(c["by_n"].values())[-1]
    if last["checks"]:
        lines += ["", "Generic checks at the largest size: " + "; ".join(
            f"{k['name']} {k['verdict']} ({k['measure']} {k['value']:.3g}, p = {k['p']:.2g})"
            if k["value"] is not None and k["p"] is not None else f"{k['name']} {k['verdict']}" for k in last["checks"]) + "."]
    lines += ["", f"Periodicity: mean squared jump across the wrap-around edge / between neighbours = "
              f"{c['seam_ratio_fake']:.2f} generated, {c['seam_ratio_real']:.2f} real.", "",
              f"Validation during training ({m['validation']} maps per set; score = mean log10 ratio):", "",
              "| step | score | " + " | ".join(k[:-6] for k in c["trajectory"][0] if k.endswith("_ratio")) + " |",
              "|---|---|" + "---|" * sum(k.endswith("_ratio") for k in c["trajectory"][0])]
    for t in c["trajectory"]:
        lines.append(f"| {t['step']} | {t['stat_score']:.2f} | " +
                     " | ".join(f"{v:.3g}" for k, v in t.items() if k.endswith("_ratio")) + " |")
    return lines


REDRAW_SEEDS = (2, 10, 11, 12, 13, 14, 15, 16, 17, 18)  # generation seeds; 2 is cosmogan_quality's
POSTHOC_AVERAGED = (5, 9, 13)  # posthoc_spread: how many of the last step checkpoints each weight average takes
POSTHOC_CALIBRATION_MAPS = 4000  # maps drawn (generation seed 99) to fit posthoc_spread's pixel remap


def _trained_run(options: dict, quick: bool = False) -> Path:
    """The folder of the (full or quick) run :func:`cosmogan_quality` trained with ``options``; stops if absent."""
    run = run_folder(quick, **options)
    if not (run / "cosmo_run" / "latest").is_file():
        raise SystemExit(f"{run}: no trained run here; run its section first (python -m benchmarks astro:...)")
    return run


def validated_draws(draw, test: np.ndarray, seeds) -> dict:
    """``draw(seed) -> maps`` for each generation seed, each set validated against ``test``:
    ``{"draws": {seed: {statistic: ratio}}, "worst": [per draw], "all_within_2x": count}``."""
    from scigen.astro.pipeline import validate_maps

    draws = {str(seed): {r.name: r.ratio for r in validate_maps(test, draw(seed), fov_deg=3.5, checks=None).statistics}
             for seed in seeds}
    worst = [max(d.values()) for d in draws.values()]
    return {"draws": draws, "worst": worst, "all_within_2x": sum(w <= 2.0 for w in worst)}


def _draw_spread(checkpoint: Path, test: np.ndarray, seeds, n: int, post=None) -> dict:
    """``n`` maps from ``checkpoint`` per generation seed (through :func:`scigen.astro.pipeline.generate`,
    then ``post`` when given), each validated against ``test``: ``{"step", **validated_draws}``."""
    import tempfile

    from scigen.astro.pipeline import generate
    from scigen.engine import read_checkpoint_config
    from scigen.io import read_sample_set

    with tempfile.TemporaryDirectory() as tmp:
        def draw(seed):
            path = Path(tmp) / f"fake{seed}.h5"
            generate(checkpoint, n, path, seed=seed, overwrite=True)
            maps = read_sample_set(path).samples
            return maps if post is None else post(maps)

        return {"step": read_checkpoint_config(checkpoint)["step"], **validated_draws(draw, test, seeds)}


def redraw_spread(checkpoints: dict[str, tuple[dict, str]], quick: bool) -> dict:
    """How much one draw of 1,000 maps decides: each checkpoint (label -> (the :func:`cosmogan_quality`
    options of its section's run, "best" or "latest")) draws 1,000 maps with each of ``REDRAW_SEEDS``,
    and every draw is validated against the run's same 1,000 test maps. Returns ``{label: {"draws":
    {seed: {statistic: ratio}}, "worst": [per draw], "all_within_2x": count}, "seeds": [...],
    "n": maps per draw}``."""
    from scigen.engine.checkpoint import resolve_checkpoint
    from scigen.io import read_sample_set

    seeds, n = (REDRAW_SEEDS[:2], 100) if quick else (REDRAW_SEEDS, 1000)
    out: dict = {"seeds": list(seeds), "n": n}
    for label, (options, which) in checkpoints.items():
        run = _trained_run(options)
        test = read_sample_set(run / "maps_test.h5").samples[:n]
        checkpoint = resolve_checkpoint(run / "cosmo_run", which)
        out[label] = {"run": run.name, "which": which, **_draw_spread(checkpoint, test, seeds, n)}
    return out


def averaged_checkpoint(checkpoints: list[Path], out: Path) -> Path:
    """A checkpoint at ``out`` whose floating-point weights are the mean of ``checkpoints``' (their
    last one's config, step and integer buffers): the generator averaged over a stretch of training."""
    import torch

    from scigen.engine import load_model, read_checkpoint_config
    from scigen.engine.checkpoint import load_state, save_checkpoint

    model = load_model(checkpoints[-1])
    states = [load_state(c / "model.pt") for c in checkpoints]
    model.load_state_dict({k: torch.stack([s[k].float() for s in states]).mean(0).to(v.dtype)
                           if v.is_floating_point() else v for k, v in states[-1].items()})
    return save_checkpoint(out, model, step=read_checkpoint_config(checkpoints[-1])["step"])


def quantile_remap(generated: np.ndarray, reference: np.ndarray, levels: int = 1024):
    """A monotone map of pixel values taking ``generated``'s quantiles onto ``reference``'s (linear
    between ``levels`` quantiles, shifted beyond the ends): the one-point distribution corrected after
    the fact, as quantile mapping corrects a climate model's output. Returns ``maps -> maps`` (float32)."""
    q = (np.arange(levels) + 0.5) / levels
    src, dst = np.quantile(generated, q), np.quantile(reference, q)

    def remap(maps: np.ndarray) -> np.ndarray:
        out = np.interp(maps, src, dst)
        out = np.where(maps < src[0], maps - src[0] + dst[0], out)
        return np.where(maps > src[-1], maps - src[-1] + dst[-1], out).astype(np.float32)

    return remap


def posthoc_spread(quick: bool) -> dict:
    """Two fixes applied after training to the "In short" run (seed 0, every checkpoint kept), each
    measured as :func:`redraw_spread` measures a checkpoint: the chosen checkpoint's maps remapped
    pixel by pixel onto the training maps' quantiles (:func:`quantile_remap`, fitted on
    ``POSTHOC_CALIBRATION_MAPS`` maps of generation seed 99, never a test draw), and the generator's
    weights averaged over the last 5, 9 and 13 step checkpoints (:func:`averaged_checkpoint`)."""
    import tempfile

    from scigen.astro.pipeline import generate
    from scigen.engine.checkpoint import list_step_checkpoints, resolve_checkpoint
    from scigen.io import read_sample_set

    seeds, n = (REDRAW_SEEDS[:2], 100) if quick else (REDRAW_SEEDS, 1000)
    run = _trained_run(CONTOUR_RECIPE, quick)
    test = read_sample_set(run / "maps_test.h5").samples[:n]
    chosen = resolve_checkpoint(run / "cosmo_run", "best")
    steps = list_step_checkpoints(run / "cosmo_run")
    out: dict = {"seeds": list(seeds), "n": n, "run": run.name, "chosen": _draw_spread(chosen, test, seeds, n)}
    with tempfile.TemporaryDirectory() as tmp:
        calibration = Path(tmp) / "calibration.h5"
        generate(chosen, 200 if quick else POSTHOC_CALIBRATION_MAPS, calibration, seed=99)
        remap = quantile_remap(read_sample_set(calibration).samples, read_sample_set(run / "maps_train.h5").samples)
        out["chosen, pixels remapped onto the training quantiles"] = _draw_spread(chosen, test, seeds, n, post=remap)
        for k in sorted({min(k, len(steps)) for k in POSTHOC_AVERAGED}):
            averaged = averaged_checkpoint(steps[-k:], Path(tmp) / f"average{k}")
            first = int(steps[-k].name.split("_")[1])
            out[f"weights averaged over the last {k} checkpoints (from step {first:,})"] = _draw_spread(
                averaged, test, seeds, n)
    return out


def redraw_markdown(r: dict, title: str | None = None) -> list[str]:
    """The table of :func:`redraw_spread` (or :func:`posthoc_spread`): per checkpoint, the benchmark's
    draw beside all draws."""
    labels = [k for k in r if k not in ("seeds", "n", "run")]
    title = title or f"how much one draw of {r['n']:,} maps decides"
    lines = ["", f"### cosmoGAN: {title}", "",
             f"Each checkpoint drew {len(r['seeds'])} independent sets of {r['n']:,} maps (generation seeds "
             f"{', '.join(map(str, r['seeds']))}; {r['seeds'][0]} is the training sections' draw), each validated "
             "against the run's same test maps. Worst of the six distance / floor ratios, and the pixel histogram's:",
             "", "| checkpoint | first draw | worst: median (range) | histogram: median (range) | draws with all six "
             "within 2x |", "|---|---|---|---|---|"]
    for label in labels:
        c = r[label]
        hist = [d["pixel_histogram"] for d in c["draws"].values()]
        lines.append(f"| {label} (step {c['step']:,}) | {c['worst'][0]:.2f} | {np.median(c['worst']):.2f} "
                     f"({min(c['worst']):.2f}-{max(c['worst']):.2f}) | {np.median(hist):.2f} ({min(hist):.2f}-"
                     f"{max(hist):.2f}) | "
                     f"{c['all_within_2x']} of {len(c['worst'])} |")
    return lines
