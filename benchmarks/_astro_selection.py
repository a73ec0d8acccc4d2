"""What to draw from once cosmoGAN has trained (``benchmarks/astro.py``'s ``cosmogan_ensembles`` and
``cosmogan_reselect`` sections): mixtures of checkpoints, and the checkpoint chosen on several draws.

Every run of the "In short" recipe swings between checkpoints 250 steps apart (a statistic's distance
to its floor moves by 2x even after the learning rate has decayed to 5% of its peak).

* Mixtures (:func:`ensemble_spread`). If each checkpoint missed in its own direction, a mixture of
  several (each member drawing an equal share of the maps) would be closer than any of them: for a
  statistic that is a mean over maps, its bias is the mean of its members' biases. The members are
  chosen on the validation maps only: the ``ENSEMBLE_POOL`` checkpoints with the best validation
  scores of the training log, then greedy forward selection (Caruana et al. 2004) adding the one that
  lowers the mixture's worst validation ratio most.
* Selection on several draws (:func:`reselect_spread`). Training scores each checkpoint on one draw
  of generated maps, whose worst ratio varies by about 0.25 from draw to draw, so the lowest of some
  thirty scores is partly luck (the chosen checkpoint of seed 0's run scored 1.74 on the validation
  maps and has a median of 2.49 on the test maps). Each kept checkpoint is scored again on
  ``RESELECT_DRAWS`` more draws, and the one with the lowest median over all of its draws is chosen.

Each choice is then drawn ten times (``REDRAW_SEEDS``) and validated against the run's test maps, as
``cosmogan_redraws`` does for one checkpoint.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from benchmarks._astro_cosmogan import REDRAW_SEEDS, _draw_spread, _trained_run, validated_draws

ENSEMBLE_POOL = 8  # candidates: the checkpoints with the lowest validation worst-ratio in the training log
ENSEMBLE_SIZES = (2, 4)  # greedy selection stops at the largest; these sizes are drawn on the test maps


class CheckpointMixture:
    """Maps from several checkpoints of one run, with a model's ``sample(n, generator=...)``: (n, H, W)
    physical maps, member i drawing its equal share (the first ``n % k`` members one more) from
    ``generator`` in turn."""

    def __init__(self, checkpoints: list[Path]):
        from scigen.engine import load_model

        self.checkpoints = list(checkpoints)
        self.models = [load_model(c) for c in self.checkpoints]

    def sample(self, n: int, *, condition=None, generator=None):
        import torch

        k = len(self.models)
        shares = [n // k + (i < n % k) for i in range(k)]
        return torch.cat([m.sample(s, generator=generator) for m, s in zip(self.models, shares) if s])


def _logged_worst(run: Path) -> dict[int, float]:
    """Step -> worst validation ratio (not its log) of each checkpoint in ``run``'s training log."""
    evals = map(json.loads, (run / "cosmo_run" / "metrics.jsonl").read_text().splitlines())
    return {e["step"]: 10 ** e["eval_stat_worst"] for e in evals if "eval_stat_worst" in e}


def _pool(run: Path, size: int) -> list[Path]:
    """The ``size`` step checkpoints of ``run`` with the lowest validation worst ratio in its training log."""
    from scigen.engine.checkpoint import list_step_checkpoints

    kept = {int(p.name.split("_")[1]): p for p in list_step_checkpoints(run / "cosmo_run")}
    scored = sorted((worst, step) for step, worst in _logged_worst(run).items() if step in kept)
    return [kept[step] for _, step in scored[:size]]


def greedy_members(pool: list[Path], validation: np.ndarray, size: int, seed: int = 0) -> list[dict]:
    """Forward selection on the validation maps, scored as training scores a checkpoint
    (:func:`scigen.astro.pipeline.statistics_evaluator`): start from ``pool[0]``, add the member whose
    mixture has the lowest worst ratio, up to ``size`` members. Returns one record per size:
    ``{"members": [paths], "worst": ratio, "ratios": {statistic: ratio}}``."""
    from scigen.astro.pipeline import statistics_evaluator

    evaluate = statistics_evaluator(validation, len(validation), fov_deg=3.5, seed=seed)

    def score(members):
        e = evaluate(CheckpointMixture(members))
        return 10 ** e["stat_worst"], {k[:-6]: v for k, v in e.items() if k.endswith("_ratio")}

    chosen = [pool[0]]
    worst, ratios = score(chosen)
    path = [{"members": list(chosen), "worst": worst, "ratios": ratios}]
    while len(chosen) < size:
        (worst, ratios), best = min(((score(chosen + [c]), c) for c in pool if c not in chosen),
                                    key=lambda t: t[0][0])
        chosen.append(best)
        path.append({"members": list(chosen), "worst": worst, "ratios": ratios})
    return path


def ensemble_spread(options: dict, quick: bool) -> dict:
    """For the run trained with ``options`` (every checkpoint kept): its chosen checkpoint alone, the
    mixture of the top-k validation checkpoints, and the greedy mixtures, each drawn ten times."""
    from scigen.engine.checkpoint import resolve_checkpoint
    from scigen.io import read_sample_set

    seeds, n = (REDRAW_SEEDS[:2], 100) if quick else (REDRAW_SEEDS, 1000)
    run = _trained_run(options, quick)
    test = read_sample_set(run / "maps_test.h5").samples[:n]
    validation = read_sample_set(run / "maps_val.h5").samples[:n]
    pool = _pool(run, 4 if quick else ENSEMBLE_POOL)
    sizes = [s for s in ENSEMBLE_SIZES if s <= len(pool)]

    def spread(members: list[Path]) -> dict:
        import torch

        mixture = CheckpointMixture(members)
        return {"steps": [int(p.name.split("_")[1]) for p in members], **validated_draws(
            lambda seed: mixture.sample(n, generator=torch.Generator().manual_seed(seed)).numpy(), test, seeds)}

    out: dict = {"seeds": list(seeds), "n": n, "run": run.name,
                 "chosen checkpoint alone": _draw_spread(resolve_checkpoint(run / "cosmo_run", "best"), test, seeds, n)}
    for k in sizes:
        out[f"top {k} by validation"] = spread(pool[:k])
    for record in greedy_members(pool, validation, max(sizes))[1:] if sizes else []:
        k = len(record["members"])
        if k in sizes:
            out[f"greedy {k}"] = {"validation_worst": record["worst"], **spread(record["members"])}
    return out


def ensemble_markdown(r: dict, title: str) -> list[str]:
    """The table of :func:`ensemble_spread`: per mixture its members, its validation score when chosen
    greedily, and its ten test draws."""
    lines = ["", f"### cosmoGAN: {title}", "",
             f"Run `{r['run']}`. Each line drew {len(r['seeds'])} independent sets of {r['n']:,} maps (generation "
             f"seeds {', '.join(map(str, r['seeds']))}), each validated against the run's same test maps; members "
             "share the maps equally. Worst of the six distance / floor ratios, and the pixel histogram's:", "",
             "| maps from | steps | validation worst | worst: median (range) | histogram: median (range) | draws "
             "with all six within 2x |", "|---|---|---|---|---|---|"]
    for label, c in r.items():
        if label in ("seeds", "n", "run"):
            continue
        hist = [d["pixel_histogram"] for d in c["draws"].values()]
        steps = ", ".join(f"{s:,}" for s in c.get("steps", [c.get("step")]))
        chosen = f"{c['validation_worst']:.2f}" if "validation_worst" in c else "-"
        lines.append(f"| {label} | {steps} | {chosen} | {np.median(c['worst']):.2f} ({min(c['worst']):.2f}-"
                     f"{max(c['worst']):.2f}) | {np.median(hist):.2f} ({min(hist):.2f}-{max(hist):.2f}) | "
                     f"{c['all_within_2x']} of {len(c['worst'])} |")
    return lines


RESELECT_DRAWS = (100, 101)  # generation seeds of the extra validation draws (training's own is its train_seed)
RESELECT_MAP_SEEDS = (4, 5)  # simulation seeds of fresh validation sets (train 0, test 1, validation 3)


def reselect_spread(options: dict, quick: bool, fresh_maps: bool = False) -> dict:
    """For the run trained with ``options`` (every checkpoint kept): each step checkpoint's worst
    validation ratio on its training draw and on ``RESELECT_DRAWS`` (against the run's validation
    maps, or with ``fresh_maps`` against fresh simulated sets of seeds ``RESELECT_MAP_SEEDS``), the
    checkpoint with the lowest median chosen, and it and training's choice drawn ten times on the
    test maps. Returns ``{"run", "seeds", "n", "fresh_maps", "validation": {step: [worst per draw]},
    "chosen by one draw": spread, "chosen by the median of three": spread}``."""
    from scigen.astro.maps import MapSimulator
    from scigen.astro.pipeline import statistics_evaluator
    from scigen.engine import load_model, read_checkpoint_config
    from scigen.engine.checkpoint import list_step_checkpoints, resolve_checkpoint
    from scigen.io import read_sample_set

    seeds, n = (REDRAW_SEEDS[:2], 100) if quick else (REDRAW_SEEDS, 1000)
    run = _trained_run(options, quick)
    test = read_sample_set(run / "maps_test.h5").samples[:n]
    validation = read_sample_set(run / "maps_val.h5").samples[:n]
    logged = _logged_worst(run)
    sets = ([MapSimulator(64, 3.5, lognormal=True).sample(n, seed) for seed in RESELECT_MAP_SEEDS] if fresh_maps
            else [validation] * len(RESELECT_DRAWS))
    evaluators = [statistics_evaluator(maps, n, fov_deg=3.5, seed=seed) for maps, seed in zip(sets, RESELECT_DRAWS)]
    scores, paths = {}, {}
    for checkpoint in list_step_checkpoints(run / "cosmo_run"):
        step = read_checkpoint_config(checkpoint)["step"]
        model = load_model(checkpoint)
        scores[step] = [logged[step]] + [10 ** e(model)["stat_worst"] for e in evaluators]
        paths[step] = checkpoint
    by_median = min(scores, key=lambda step: (np.median(scores[step]), step))
    chosen = resolve_checkpoint(run / "cosmo_run", "best")
    return {"run": run.name, "seeds": list(seeds), "n": n, "fresh_maps": fresh_maps,
            "validation": {str(k): v for k, v in scores.items()},
            "chosen by one draw": _draw_spread(chosen, test, seeds, n),
            "chosen by the median of three": _draw_spread(paths[by_median], test, seeds, n)}


def reselect_markdown(results: dict[str, dict]) -> list[str]:
    """One table over the runs of :func:`reselect_spread` (label -> its result)."""
    if not results:
        return []
    r0 = next(iter(results.values()))
    against = (f"training's draw against the validation maps, and generation seeds {', '.join(map(str, RESELECT_DRAWS))} "
               f"against fresh sets simulated with seeds {', '.join(map(str, RESELECT_MAP_SEEDS))}"
               if r0.get("fresh_maps") else "the same validation maps (training's draw and generation seeds "
               f"{', '.join(map(str, RESELECT_DRAWS))})")
    lines = ["", "### cosmoGAN: the checkpoint chosen on three validation draws instead of one"
             + (", two of them against fresh validation maps" if r0.get("fresh_maps") else ""), "",
             f"Every kept checkpoint scored on {1 + len(RESELECT_DRAWS)} draws of {r0['n']:,} maps: {against}; "
             "the lowest median of the worst ratio chosen. Both choices then drew "
             f"{len(r0['seeds'])} sets of maps against the test maps (worst ratio, median (range)):", "",
             "| run | one draw: step | its three validation draws | test | median of three: step | its three validation "
             "draws | test |", "|---|---|---|---|---|---|---|"]
    for label, r in results.items():
        cells = []
        for key in ("chosen by one draw", "chosen by the median of three"):
            c = r[key]
            v = ", ".join(f"{x:.2f}" for x in r["validation"][str(c["step"])])
            cells += [f"{c['step']:,}", v, f"{np.median(c['worst']):.2f} ({min(c['worst']):.2f}-{max(c['worst']):.2f})"]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines
