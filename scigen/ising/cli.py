"""``scigen ising <verb>``: command-line access to the Ising domain.

Verbs: ``simulate`` (Monte Carlo sample sets). Each verb is a ``_add_<verb>(verbs)`` function plus a
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


VERBS = (_add_simulate,)


def register(subparsers) -> None:
    """Add ``scigen ising <verb>`` to the ``scigen`` command."""
    from scigen.cli import add_group

    verbs = add_group(subparsers, "ising", "2D Ising model: Monte Carlo data, exact results, observables")
    for add in VERBS:
        add(verbs)
