"""``scigen ising <verb>``: command-line access to the Ising domain.

Verbs: ``simulate`` (Monte Carlo sample sets), ``train`` (the temperature-conditioned lattice GAN,
through the engine) and ``generate`` (sample sets from a trained GAN). Each verb is a ``_add_<verb>(verbs)`` function plus a
handler; :func:`register` lists them, so a new verb is one more pair. Handlers import heavy modules
(torch) lazily and raise scigen.errors exceptions for user errors.
"""

from __future__ import annotations

import argparse

from scigen.errors import InputError


def parse_temperatures(text: str) -> list[float]:
    """'1.5:3.5:11' (start:stop:count, both ends included), '2.0,2.269,2.6' or '2.269' -> list of T."""
    import numpy as np

    where = f"--temperatures '{text}'"
    try:
        if ":" in text:
            parts = text.split(":")
            if len(parts) != 3:
                raise ValueError
            start, stop, count = float(parts[0]), float(parts[1]), int(parts[2])
            if count < 1:
                raise InputError(f"{where}: the count (after the second ':') must be >= 1")
            temps = np.linspace(start, stop, count).round(10).tolist()
        else:
            temps = [float(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise InputError(f"{where}: expected start:stop:count (e.g. 1.5:3.5:11) or a comma list "
                         "(e.g. 2.0,2.269,2.6)") from None
    if not temps or any(not (t > 0) or t != t or t == float("inf") for t in temps):
        raise InputError(f"{where}: temperatures must be finite and > 0 (units of J/k_B)")
    return temps


def _add_simulate(verbs) -> None:
    p = verbs.add_parser(
        "simulate", help="Monte Carlo sample set (equilibrated, decorrelated) at several temperatures",
        description="Simulate the 2D Ising model (periodic L x L, H = -J sum s_i s_j - h sum s_i) and write "
        "an HDF5 sample set: samples (N, L, L) int8, condition (N, 1) = T. Burn-in, autocorrelation "
        "times and thinning are measured per temperature and recorded in the file.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--size", type=int, required=True, help="lattice side L (even, >= 4)")
    p.add_argument("--temperatures", required=True, help="start:stop:count or a comma list, e.g. 1.5:3.5:11")
    p.add_argument("--samples", type=int, required=True, help="samples per temperature")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--out", required=True, help="output HDF5 file")
    p.add_argument("--algorithm", choices=("auto", "metropolis", "cluster"), default="auto",
                   help="auto: Metropolis, or Swendsen-Wang where it is cheaper per independent sample")
    p.add_argument("--J", type=float, default=1.0, help="coupling")
    p.add_argument("--h", type=float, default=0.0, help="magnetic field")
    p.add_argument("--device", default=None, help="torch device (default: cuda if available, else cpu)")
    p.add_argument("--chains", type=int, default=None, help="chains per temperature (multiple of 64)")
    p.add_argument("--thin", type=float, default=2.0, help="samples are THIN * tau_int sweeps apart")
    p.add_argument("--max-sweeps", type=int, default=1_000_000, help="give up beyond this many sweeps")
    p.add_argument("--threads", type=int, default=1,
                   help="torch CPU threads (0: torch's default); 1 is fastest for these small operations")
    p.set_defaults(func=_simulate)


def _simulate(args) -> int:
    import time

    from scigen.ising.data import simulate_to_file

    if args.samples < 1:
        raise InputError(f"--samples must be >= 1, got {args.samples}")
    temps = parse_temperatures(args.temperatures)
    t0 = time.perf_counter()
    result = simulate_to_file(args.out, args.size, temps, args.samples, args.seed, algorithm=args.algorithm,
                              J=args.J, h=args.h, device=args.device, chains=args.chains, thin=args.thin,
                              max_sweeps=args.max_sweeps, threads=args.threads or None)
    elapsed = time.perf_counter() - t0
    print(summary_table(result.attrs))
    print(f"wrote {len(result)} samples ({args.size}x{args.size}, {len(temps)} temperatures) to {args.out} "
          f"in {elapsed:.1f} s")
    return 0


def summary_table(attrs: dict) -> str:
    """A plain-text table of what the simulation did per temperature (from a sample set's attrs)."""
    import numpy as np

    rows = attrs["per_temperature"]
    exact_e = [None] * len(rows)
    if attrs.get("h", 0.0) == 0 and attrs.get("J", 1.0) > 0:
        from scigen.ising.exact import finite_lattice

        exact_e = finite_lattice(attrs["L"], [r["T"] for r in rows], attrs.get("J", 1.0)).energy.tolist()
    head = (f"{'T':>7} {'algorithm':>13} {'burn-in':>8} {'tau E':>7} {'tau |m|':>8} {'sweeps/sample':>13} "
            f"{'e (MC)':>17} {'e exact':>9} {'<|m|>':>15} {'time s':>7}")
    lines = [head, "-" * len(head)]
    for r, ex in zip(rows, exact_e):
        flag = "" if r.get("thinning_ok", True) else " *"
        e = f"{r['e_mc']:.4f}+-{r['e_mc_error']:.4f}"
        m = f"{r['abs_m_mc']:.4f}+-{r['abs_m_mc_error']:.4f}"
        lines.append(
            f"{r['T']:7.4f} {r['algorithm']:>13} {r['burn_in']:8d} {r['tau_energy']:7.2f} {r['tau_abs_m']:8.2f} "
            f"{r['thinning']:>13d}{flag} {e:>17} {'' if ex is None else f'{ex:9.4f}':>9} {m:>15} "
            f"{r['seconds']:7.2f}")
    if any(not r.get("thinning_ok", True) for r in rows):
        lines.append("* thinning is below thin * tau_int measured over the whole run (tau was underestimated "
                     "by the pilot); samples are less independent than asked")
    total = float(np.sum([r["seconds"] for r in rows]))
    lines.append(f"tau: integrated autocorrelation time in sweeps (0.5 = uncorrelated); chains per temperature: "
                 f"{attrs.get('chains_per_temperature')}; Monte Carlo time {total:.1f} s")
    return "\n".join(lines)


def _add_train(verbs) -> None:
    from scigen.engine.cli import add_training_arguments
    from scigen.ising.pipeline import DEFAULT_STEPS

    p = verbs.add_parser(
        "train", help="train the temperature-conditioned lattice GAN on a simulated sample set",
        description="Train the lattice GAN (DCGAN on a torus, conditioned on T, exact +-1 spins, both "
        "magnetisation signs by construction; see docs/ising.md) on an Ising sample set written by 'scigen "
        "ising simulate'. Every --eval-every steps the generated e, |m|, c and chi at the training temperatures "
        "are compared with the training data and the best checkpoint is kept (checkpoints/best), which "
        "'scigen ising generate' uses. CPU runs use one thread by default (two were far slower on a shared "
        "2-core machine).",
    )
    p.add_argument("--data", required=True, help="training sample set (HDF5 from scigen ising simulate)")
    p.add_argument("--out", required=True, help="run directory (checkpoints, metrics.jsonl)")
    m = p.add_argument_group("model")
    m.add_argument("--width", type=int, default=32, help="channels of the finest network stage (default 32)")
    m.add_argument("--latent-dim", type=int, default=64, help="size of the generator's global noise code (default 64)")
    m.add_argument("--output", choices=("sign", "bernoulli"), default="sign",
                   help="spins s = sign(logit) (default) or drawn with mean tanh(logit) (bernoulli)")
    m.add_argument("--match", type=float, default=None,
                   help="weight of the per-temperature moment matching of e and |m| in G's loss (default: the model's)")
    m.add_argument("--eval-every", type=int, default=None,
                   help="steps between physics evaluations that pick the best checkpoint (default steps/20; 0: off)")
    m.add_argument("--eval-samples", type=int, default=256, help="samples per temperature in each evaluation")
    add_training_arguments(p, steps=DEFAULT_STEPS, batch_size=64, threads=1)
    p.set_defaults(func=_train)


def _train(args) -> int:
    import json
    import time

    from scigen.engine.cli import train_config_from_args
    from scigen.ising.pipeline import train

    config = train_config_from_args(args)
    kwargs = {"width": args.width, "latent_dim": args.latent_dim, "output": args.output}
    if args.match is not None:
        kwargs["match"] = args.match
    t0 = time.perf_counter()
    run = train(args.data, args.out, config, resume=args.resume, eval_every=args.eval_every,
                eval_samples=args.eval_samples, **kwargs)
    elapsed = time.perf_counter() - t0
    best = run / "checkpoints" / "best" / "config.json"
    where = f"best checkpoint: step {json.loads(best.read_text())['step']}" if best.is_file() else "no best checkpoint"
    print(f"trained {config.steps} steps in {elapsed:.0f} s; run directory {run} ({where})")
    print(f"next: scigen ising generate --model {run} --samples 2000 --out fake.h5")
    return 0


def _add_generate(verbs) -> None:
    p = verbs.add_parser(
        "generate", help="draw spin configurations from a trained lattice GAN into an HDF5 sample set",
        description="Generate Ising configurations (samples (N, L, L) int8 +-1, condition (N, 1) = T) from a run of "
        "'scigen ising train'. Without --temperatures it generates at the training set's temperatures (the "
        "same floats, so 'scigen validate --real <training or held-out set>' pairs every group). Temperatures "
        "inside the trained range but not in the training set are interpolations: validate them against a "
        "reference simulated at those temperatures.",
    )
    p.add_argument("--model", required=True, help="training run directory (or a checkpoint)")
    p.add_argument("--temperatures", default=None,
                   help="start:stop:count or a comma list (default: the training temperatures)")
    p.add_argument("--samples", type=int, required=True, help="samples per temperature")
    p.add_argument("--out", required=True, help="output HDF5 file")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--checkpoint", choices=("auto", "best", "latest"), default="auto",
                   help="auto: the best checkpoint when the run has one, else the latest")
    p.add_argument("--batch-size", type=int, default=500, help="samples per generator call")
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda if available)")
    p.add_argument("--refine-sweeps", type=int, default=0,
                   help="checkerboard Metropolis sweeps at T applied to each generated sample (exact Boltzmann moves "
                   "that relax local structure; default 0: the GAN's own samples)")
    p.set_defaults(func=_generate)


def _generate(args) -> int:
    import time

    from scigen.io import read_sample_set
    from scigen.ising.pipeline import generate, sign_balance

    if args.samples < 1:
        raise InputError(f"--samples must be >= 1, got {args.samples}")
    temps = parse_temperatures(args.temperatures) if args.temperatures else None
    t0 = time.perf_counter()
    path = generate(args.model, args.out, temps, args.samples, args.seed, which=args.checkpoint,
                    batch_size=args.batch_size, device=args.device, refine_sweeps=args.refine_sweeps)
    elapsed = time.perf_counter() - t0
    data = read_sample_set(path)
    kinds = dict(zip(data.attrs["temperatures"], data.attrs["temperature_kinds"]))
    print(f"{'T':>8} {'kind':>13} {'samples':>8} {'m > 0':>7} {'m < 0':>7}")
    for row in sign_balance(data):
        print(f"{row['T']:8.4f} {kinds.get(row['T'], '?'):>13} {row['n']:8d} {row['positive']:7.3f} {row['negative']:7.3f}")
    print(f"wrote {len(data)} samples to {path} in {elapsed:.1f} s (model step {data.attrs['producer'].get('step')})")
    other = [t for t, k in kinds.items() if k != "trained"]
    if other:
        listing = ",".join(f"{t:g}" for t in other)
        print(f"{len(other)} temperature(s) are not in the training set ({listing}): validating against the "
              "training data would report them as unmatched. Simulate a reference there and compare:\n"
              f"  scigen ising simulate --size {data.attrs['L']} --temperatures {listing} --samples {args.samples} "
              f"--seed 1 --out reference.h5\n  scigen validate --real reference.h5 --fake {path} --out report/")
    return 0


VERBS = (_add_simulate, _add_train, _add_generate)


def register(subparsers) -> None:
    """Add ``scigen ising <verb>`` to the ``scigen`` command."""
    from scigen.cli import add_group

    verbs = add_group(subparsers, "ising", "2D Ising model: Monte Carlo data, exact results, observables")
    for add in VERBS:
        add(verbs)
