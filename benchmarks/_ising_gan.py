"""The ``gan`` section of ``benchmarks/ising.py``: the lattice GAN trained on CPU, generated and validated
per temperature, alone, after K exact Metropolis sweeps, and beside the no-GAN control (see that
module's docstring)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch

from scigen.ising import exact

# ---------------------------------------------------------------------------------------------
# The lattice GAN, trained on CPU and validated
# ---------------------------------------------------------------------------------------------

GAN_DIR = Path(__file__).resolve().parent.parent / "runs" / "bench_ising"
GAN_TEMPS = np.linspace(1.5, 3.5, 11).round(10).tolist()
HELD_OUT_TEMPS = [1.8, 2.2, 2.269, 2.4, 2.8, 3.2]
GAN_STEPS = 6000  # ~20 min wall at ~5 steps/s on one thread (the budget: <= 30 min on CPU)
REFINE_SWEEPS = (5, 20, 50, 100)  # Metropolis sweeps after the GAN (and in the no-GAN control)
KEY_STATS = ("energy", "abs_magnetization", "specific_heat", "susceptibility")


def _pass_counts(table: dict, names=KEY_STATS) -> dict:
    out = {}
    for name in names:
        rows = table.get(name, {})
        out[name] = {"passed": sum(r["verdict"] == "pass" for r in rows.values()), "of": len(rows)}
    return out


def _exact_check(fake, L: int) -> list[dict]:
    """Generated e and c against the exact finite lattice (Kaufman), z with the fake's own errors."""
    from scigen.ising.stats import observables

    rows = []
    temps = sorted(set(fake.condition[:, 0].tolist()))
    ex = exact.finite_lattice(L, temps)
    for i, T in enumerate(temps):
        o = observables(fake.samples[fake.condition[:, 0] == T], T)
        (e, e_err), (c, c_err) = o["energy"], o["specific_heat"]
        rows.append({"T": T, "e": e, "e_err": e_err, "e_exact": float(ex.energy[i]),
                     "c": c, "c_err": c_err, "c_exact": float(ex.specific_heat[i]),
                     "abs_m": o["abs_magnetization"][0], "chi": o["susceptibility"][0]})
    return rows


def run_gan(quick: bool) -> dict:
    import shutil

    from scigen.engine import TrainConfig
    from scigen.io import read_sample_set
    from scigen.ising import pipeline
    from scigen.ising.data import short_chains, simulate_to_file

    torch.set_num_threads(1)
    L, n = (16, 200) if quick else (32, 2000)
    temps = [1.5, 2.5, 3.5] if quick else GAN_TEMPS
    held = [2.0, 3.0] if quick else HELD_OUT_TEMPS
    steps = 60 if quick else GAN_STEPS
    work = GAN_DIR / ("quick" if quick else "full")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    t0 = time.perf_counter()
    simulate_to_file(work / "train.h5", L, temps, n, seed=0)
    simulate_to_file(work / "real.h5", L, temps, n, seed=1)
    simulate_to_file(work / "reference.h5", L, held, n, seed=2)
    sim_wall = time.perf_counter() - t0

    config = TrainConfig(steps=steps, batch_size=64, seed=0, threads=1, log_every=100, device="cpu")
    c0, w0 = time.process_time(), time.perf_counter()
    run = pipeline.train(work / "train.h5", work / "run", config)
    train_cpu, train_wall = time.process_time() - c0, time.perf_counter() - w0
    meta = json.loads((run / "checkpoints" / "best" / "config.json").read_text())
    model_config = meta["config"]

    c0, w0 = time.process_time(), time.perf_counter()
    fake = pipeline.generate(run, work / "fake.h5", samples_per_temperature=n, seed=10)
    fake_held = pipeline.generate(run, work / "fake_heldout.h5", held, samples_per_temperature=n, seed=11)
    gen_cpu, gen_wall = time.process_time() - c0, time.perf_counter() - w0

    c0, w0 = time.process_time(), time.perf_counter()
    report = pipeline.validate(work / "real.h5", fake, work / "report", train=work / "train.h5")
    report_held = pipeline.validate(work / "reference.h5", fake_held, work / "report_heldout", train=work / "train.h5")
    val_cpu, val_wall = time.process_time() - c0, time.perf_counter() - w0
    # the hybrid: GAN samples + a few exact Metropolis sweeps, and its control (the same sweeps, no GAN)
    tables = {"refined": {}, "control": {}}
    refine_wall = {}
    for sweeps in REFINE_SWEEPS:
        w0 = time.perf_counter()
        refined = pipeline.generate(run, work / f"fake_refined{sweeps}.h5", samples_per_temperature=n, seed=10,
                                    refine_sweeps=sweeps)
        refine_wall[str(sweeps)] = time.perf_counter() - w0
        control = short_chains(work / f"control{sweeps}.h5", L, temps, n, sweeps, seed=12)
        for name, path in (("refined", refined), ("control", control)):
            rep = pipeline.validate(work / "real.h5", path, work / f"report_{name}{sweeps}",
                                    statistics=list(KEY_STATS), checks=None)
            tables[name][str(sweeps)] = pipeline.ratio_table(rep)
    # the same at the held-out temperatures (interpolation), with the most sweeps
    k = REFINE_SWEEPS[-1]
    held_refined = pipeline.generate(run, work / f"fake_heldout_refined{k}.h5", held, samples_per_temperature=n,
                                     seed=11, refine_sweeps=k)
    held_control = short_chains(work / f"control_heldout{k}.h5", L, held, n, k, seed=13)
    held_tables = {name: pipeline.ratio_table(pipeline.validate(work / "reference.h5", path,
                                                                 work / f"report_heldout_{name}{k}",
                                                                 statistics=list(KEY_STATS), checks=None))
                   for name, path in (("refined", held_refined), ("control", held_control))}
    trained_table, held_table = pipeline.ratio_table(report), pipeline.ratio_table(report_held)
    fake_set, held_set = read_sample_set(fake), read_sample_set(fake_held)
    return {
        "L": L, "samples_per_temperature": n, "temperatures": temps, "held_out_temperatures": held,
        "steps": steps, "batch_size": config.batch_size, "threads": 1, "best_step": meta["step"],
        "model": {k: model_config[k] for k in ("width", "latent_dim", "output", "match", "noise_channels",
                                               "symmetric", "physics", "batch_stats", "ema", "r1") if k in model_config},
        "parameters": _count_parameters(run),
        "simulate_wall_s": sim_wall, "train_wall_s": train_wall, "train_cpu_s": train_cpu,
        "steps_per_s": steps / train_wall, "generate_wall_s": gen_wall, "generate_cpu_s": gen_cpu,
        "validate_wall_s": val_wall, "validate_cpu_s": val_cpu,
        "verdict": report.verdict, "verdict_held_out": report_held.verdict,
        "trained": trained_table, "held_out": held_table,
        "pass_counts": _pass_counts(trained_table), "pass_counts_held_out": _pass_counts(held_table),
        "checks": {c.name: {"verdict": c.verdict, "statistic": c.statistic, "p_value": c.p_value}
                   for c in report.checks},
        "sign_balance": pipeline.sign_balance(fake_set), "sign_balance_held_out": pipeline.sign_balance(held_set),
        "exact": _exact_check(fake_set, L), "exact_held_out": _exact_check(held_set, L),
        "refine_sweeps": list(REFINE_SWEEPS), "refined": tables["refined"], "control": tables["control"],
        "refine_generate_wall_s": refine_wall,
        "pass_counts_refined": {k: _pass_counts(v) for k, v in tables["refined"].items()},
        "pass_counts_control": {k: _pass_counts(v) for k, v in tables["control"].items()},
        "held_out_refine_sweeps": k, "held_out_refined": held_tables["refined"],
        "held_out_control": held_tables["control"],
        "pass_counts_held_out_refined": _pass_counts(held_tables["refined"]),
        "pass_counts_held_out_control": _pass_counts(held_tables["control"]),
        "files": str(work),
    }


def _count_parameters(run) -> dict:
    from scigen.engine import load_model

    model = load_model(run)
    return {name: sum(p.numel() for p in getattr(model, name).parameters()) for name in ("generator", "discriminator")}


def _ratio(row: dict | None) -> str:
    if not row or row.get("ratio") is None:
        return "-"
    mark = "" if row["verdict"] == "pass" else " **x**"
    return f"{row['ratio']:.2f}{mark}"


def _three_way_rows(alone: dict, refined: dict, control: dict) -> list[str]:
    """Markdown table of e, |m|, c, chi per temperature: distance / noise floor of the GAN alone /
    GAN + sweeps / sweeps without the GAN (ratio tables as ``pipeline.ratio_table`` gives them)."""
    lines = ["| T | e | \\|m\\| | c | chi |", "|---|---|---|---|---|"]
    for t in sorted(refined.get("energy", {}), key=float):
        cells = [" / ".join(_ratio(tab.get(n, {}).get(t)) for tab in (alone, refined, control)) for n in KEY_STATS]
        lines.append(f"| {t} | " + " | ".join(cells) + " |")
    return lines


def md_gan(r: dict) -> str:
    pc, ph = r["pass_counts"], r["pass_counts_held_out"]
    names = ["energy", "abs_magnetization", "specific_heat", "susceptibility", "magnetization_squared",
             "binder_cumulant", "correlation_length", "correlation_function", "energy_histogram",
             "magnetization_histogram"]
    short = {"energy": "e", "abs_magnetization": "\\|m\\|", "specific_heat": "c", "susceptibility": "chi",
             "magnetization_squared": "m^2", "binder_cumulant": "U4", "correlation_length": "xi",
             "correlation_function": "G(r)", "energy_histogram": "P(e)", "magnetization_histogram": "P(m)"}

    def count(p, name):
        return f"{p[name]['passed']}/{p[name]['of']}"

    lines = [
        f"### Lattice GAN: L = {r['L']}, trained on CPU, validated per temperature\n",
        f"Training set: {len(r['temperatures'])} temperatures in [{min(r['temperatures'])}, {max(r['temperatures'])}], "
        f"{r['samples_per_temperature']} samples each (simulated, seed 0); validation against a held-out simulated set "
        f"(seed 1), memorisation checked against the training set. Training: {r['steps']} steps of batch "
        f"{r['batch_size']}, {r['threads']} thread, **{r['train_wall_s'] / 60:.1f} min wall** "
        f"({r['train_cpu_s'] / 60:.1f} min CPU, {r['steps_per_s']:.2f} steps/s on the shared machine); best "
        f"checkpoint (physics monitor on the training data) at step {r['best_step']}. G "
        f"{r['parameters']['generator']:,} / D {r['parameters']['discriminator']:,} parameters; model {r['model']}.\n",
        f"Target (issue 4): e and \\|m\\| pass at every trained temperature, c and chi at >= 80% of them. Here, "
        f"trained temperatures: e {count(pc, 'energy')}, \\|m\\| {count(pc, 'abs_magnetization')}, c "
        f"{count(pc, 'specific_heat')}, chi {count(pc, 'susceptibility')}; held-out temperatures (interpolation): "
        f"e {count(ph, 'energy')}, \\|m\\| {count(ph, 'abs_magnetization')}, c {count(ph, 'specific_heat')}, chi "
        f"{count(ph, 'susceptibility')}. Report verdicts: {r['verdict']} / {r['verdict_held_out']} (a report passes "
        "only when every statistic at every temperature and every generic check passes).\n",
        "Distance / noise floor per statistic and temperature (pass: <= 3; **x**: fail); last column: fraction of "
        "generated samples with m > 0:\n",
        "| T | " + " | ".join(short[n] for n in names) + " | m > 0 |",
        "|---|" + "---|" * (len(names) + 1),
    ]
    for table, balance, tag in ((r["trained"], r["sign_balance"], ""),
                                (r["held_out"], r["sign_balance_held_out"], " (held out)")):
        temps = sorted({t for n in names for t in table.get(n, {})}, key=float)
        signs = {f"{b['T']:.6g}": b["positive"] for b in balance}
        for t in temps:
            cells = [_ratio(table.get(n, {}).get(t)) for n in names]
            lines.append(f"| {t}{tag} | " + " | ".join(cells) + f" | {signs.get(t, float('nan')):.2f} |")
    lines += ["", "Generated e and c against the exact finite lattice (Kaufman), errors of the generated set:", "",
              "| T | e GAN | e exact | c GAN | c exact | \\|m\\| GAN | chi GAN |", "|---|---|---|---|---|---|---|"]
    for row in sorted(r["exact"] + r["exact_held_out"], key=lambda x: x["T"]):
        lines.append(f"| {row['T']:.6g} | {row['e']:.4f} +- {row['e_err']:.4f} | {row['e_exact']:.4f} | "
                     f"{row['c']:.3f} +- {row['c_err']:.3f} | {row['c_exact']:.3f} | {row['abs_m']:.4f} | "
                     f"{row['chi']:.3f} |")
    for k in r.get("refine_sweeps", []):
        ref, con = r["refined"][str(k)], r["control"][str(k)]
        lines += ["", f"GAN + {k} Metropolis sweeps at T (`generate(..., refine_sweeps={k})`) and its control, the "
                  f"same {k} sweeps from the simulator's starts (ordered below Tc, random above) without the GAN; "
                  "distance / noise floor at the trained temperatures (GAN alone / GAN + sweeps / control):", "",
                  *_three_way_rows(r["trained"], ref, con)]
        pr, pk = r["pass_counts_refined"][str(k)], r["pass_counts_control"][str(k)]
        lines.append(f"\nPassing with {k} sweeps (GAN alone / GAN + sweeps / control): " + ", ".join(
            f"{short[n]} {count(pc, n)} / {count(pr, n)} / {count(pk, n)}" for n in KEY_STATS) + ".")
    if "held_out_refined" in r:
        k, ref, con = r["held_out_refine_sweeps"], r["held_out_refined"], r["held_out_control"]
        lines += ["", f"At the held-out temperatures (interpolation): GAN alone / GAN + {k} sweeps / {k} sweeps "
                  "without the GAN, against the held-out reference set:", "",
                  *_three_way_rows(r["held_out"], ref, con)]
        pr, pk = r["pass_counts_held_out_refined"], r["pass_counts_held_out_control"]
        lines.append(f"\nPassing at held-out temperatures (GAN alone / GAN + {k} sweeps / control): " + ", ".join(
            f"{short[n]} {count(ph, n)} / {count(pr, n)} / {count(pk, n)}" for n in KEY_STATS) + ".")
    checks = ", ".join(f"{k} {v['verdict']}" + (f" ({v['statistic']:.3g})" if v.get("statistic") is not None else "")
                       for k, v in r["checks"].items())
    lines += ["", f"Generic checks (trained temperatures): {checks}. Times (wall): simulate {r['simulate_wall_s']:.0f} s, "
              f"generate {r['generate_wall_s']:.0f} s, validate {r['validate_wall_s']:.0f} s. Files: `{r['files']}`."]
    return "\n".join(lines) + "\n"
