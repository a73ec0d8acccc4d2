"""Ising benchmark: Monte Carlo speed, the cost of independent samples, and the lattice GAN validated.

Sections (each a ``run_*`` / ``md_*`` pair in ``PARTS``; add one to extend the benchmark):

* ``monte_carlo`` -- spin-flip attempts per CPU-second of the multi-spin checkerboard Metropolis
  kernel against the plain numpy checkerboard below (and the int8 torch reference kernel), measured
  in the same run, L = 64, 256, 1024, several lattices at once, T = Tc, one thread.
* ``cluster`` -- cost of one independent sample near Tc: Metropolis vs Swendsen-Wang, from measured
  tau_int (E and |M|) and CPU time per sweep. This is where ``scigen.ising.data``'s constants
  CLUSTER_COST_RATIO and CLUSTER_TAU (the "auto" choice) come from.
* ``simulate`` -- the documented command ``scigen ising simulate --size 32 --temperatures
  1.5:3.5:11 --samples 2000`` run through the Python API: time, and Monte Carlo energies against the
  exact finite lattice.

* ``gan`` -- the temperature-conditioned lattice GAN end to end (``run_gan``): simulate L = 32 at 11
  temperatures in [1.5, 3.5] (training set, seed 0), a held-out real set at the same temperatures
  (seed 1) and a reference at 6 temperatures that are not in the training set (seed 2); train on
  CPU for a fixed number of steps (one thread, wall time recorded), generate 2000 samples per
  temperature, and validate with ``scigen.validate`` against the held-out set (memorisation check
  against the training set) and, separately, at the held-out temperatures (interpolation). Records
  every statistic's distance / noise floor per T, the sign balance and e, c against the exact
  finite lattice; then the same GAN samples after K = 5, 20, 50, 100 exact Metropolis sweeps
  (``generate(..., refine_sweeps=K)``) beside their control, K sweeps from the simulator's starting
  states without the GAN (``scigen.ising.data.short_chains``), and the same with 100 sweeps at the
  held-out temperatures. Its files stay in
  ``runs/bench_ising/`` (reports, generated sets, the run).

``python -m benchmarks ising:gan`` runs only the named sections (comma-separated) and carries the
others over from ``benchmarks/results/ising.json``, each with the date it was measured (``measured``).

Times are CPU seconds of this process (``time.process_time``), which the other jobs on a shared
machine disturb far less than wall time; wall times are recorded beside them.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from scigen.ising import exact
from scigen.ising.kernels import MultispinMetropolis, SwendsenWang, metropolis_sweep
from scigen.ising.timeseries import integrated_time

from benchmarks._ising_gan import md_gan, run_gan


# ---------------------------------------------------------------------------------------------
# The baseline: a straightforward numpy checkerboard Metropolis sweep
# ---------------------------------------------------------------------------------------------

def numpy_checkerboard_sweep(spins: np.ndarray, beta: np.ndarray, rng: np.random.Generator) -> None:
    """One Metropolis sweep of int8 lattices (B, L, L) in place, J = 1, h = 0, beta (B,)."""
    L = spins.shape[-1]
    parity = np.add.outer(np.arange(L), np.arange(L)) % 2
    for colour in (0, 1):
        nn = np.roll(spins, 1, 1) + np.roll(spins, -1, 1) + np.roll(spins, 1, 2) + np.roll(spins, -1, 2)
        de = 2 * spins * nn
        accept = rng.random(spins.shape) < np.exp(-beta[:, None, None] * de)
        flip = accept & (parity == colour)
        spins[flip] *= -1


def _rate(step, flips_per_step: int, min_cpu: float) -> dict:
    """Run ``step`` until ``min_cpu`` CPU seconds have passed (after one warm-up call)."""
    step()
    n, cpu0, wall0 = 0, time.process_time(), time.perf_counter()
    while True:
        step()
        n += 1
        cpu = time.process_time() - cpu0
        if cpu >= min_cpu:
            break
    wall = time.perf_counter() - wall0
    return {"steps": n, "mflips_per_cpu_s": flips_per_step * n / cpu / 1e6,
            "mflips_per_wall_s": flips_per_step * n / wall / 1e6, "cpu_s_per_step": cpu / n}


def run_monte_carlo(quick: bool) -> dict:
    torch.set_num_threads(1)
    T = float(exact.TC)
    min_cpu = 0.5 if quick else 3.0
    rows = []
    for L, base_lattices, words in ((64, 16, 4), (256, 8, 1), (1024, 4 if quick else 8, 1)):
        rng = np.random.default_rng(0)
        s = rng.choice(np.array([-1, 1], dtype=np.int8), size=(base_lattices, L, L))
        beta = np.full(base_lattices, 1 / T)
        numpy_r = _rate(lambda: numpy_checkerboard_sweep(s, beta, rng), base_lattices * L * L, min_cpu)
        g = torch.Generator().manual_seed(0)
        ts = torch.from_numpy(s.copy())
        tb = torch.full((base_lattices,), 1 / T)
        int8_r = _rate(lambda: metropolis_sweep(ts, tb, g), base_lattices * L * L, min_cpu)
        m = MultispinMetropolis(L, [T], words=words, generator=0)
        multi_r = _rate(lambda: m.sweep(1), 64 * words * L * L, min_cpu)
        meas_r = _rate(m.measure, 64 * words * L * L, min_cpu / 2)
        rows.append({"L": L, "numpy_lattices": base_lattices, "multispin_lattices": 64 * words,
                     "numpy": numpy_r, "torch_int8": int8_r, "multispin": multi_r,
                     "measure_cpu_s": meas_r["cpu_s_per_step"],
                     "speedup_cpu": multi_r["mflips_per_cpu_s"] / numpy_r["mflips_per_cpu_s"],
                     "speedup_wall": multi_r["mflips_per_wall_s"] / numpy_r["mflips_per_wall_s"]})
    return {"T": T, "threads": 1, "rows": rows, "target_speedup": 10.0}


def md_monte_carlo(r: dict) -> str:
    base = [row["numpy"]["mflips_per_cpu_s"] for row in r["rows"]]
    lines = [
        "### Metropolis kernel speed (T = Tc, one thread)\n",
        "Spin-flip attempts per CPU-second (millions). Baseline: the plain numpy checkerboard in "
        f"`benchmarks/ising.py`, {min(base):.0f}-{max(base):.0f} in this run (ANCHORS: 11-21 for a straightforward "
        "numpy version here, 17-48 with int8 + lookup table, numba sequential 52-72). Target: >= 10x the baseline. "
        "Multi-spin: 64 chains per int64 word.\n",
        "| L | numpy (lattices) | torch int8 | multi-spin (lattices) | speed-up vs numpy (CPU / wall) "
        "| measure E, M (ms) |",
        "|---|---|---|---|---|---|",
    ]
    for row in r["rows"]:
        lines.append(
            f"| {row['L']} | {row['numpy']['mflips_per_cpu_s']:.1f} ({row['numpy_lattices']}) | "
            f"{row['torch_int8']['mflips_per_cpu_s']:.1f} | {row['multispin']['mflips_per_cpu_s']:.0f} "
            f"({row['multispin_lattices']}) | **{row['speedup_cpu']:.0f}x** / {row['speedup_wall']:.0f}x | "
            f"{1e3 * row['measure_cpu_s']:.2f} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Cluster vs Metropolis near Tc
# ---------------------------------------------------------------------------------------------

def _series(engine, sweeps: int) -> tuple[np.ndarray, np.ndarray]:
    N = engine.L * engine.L
    E, A = [], []
    for _ in range(sweeps):
        engine.sweep(1)
        e, m = engine.measure()
        E.append(e[0] / N)
        A.append(np.abs(m[0]) / N)
    return np.array(E).T, np.array(A).T  # (chains, sweeps)


def _kernel_cpu(engine, sweeps: int) -> float:
    c0 = time.process_time()
    engine.sweep(sweeps)
    return (time.process_time() - c0) / sweeps


def run_cluster(quick: bool) -> dict:
    torch.set_num_threads(1)
    T = float(exact.TC)
    sizes = (16, 32) if quick else (16, 32, 64, 128)
    rows = []
    for L in sizes:
        sw = SwendsenWang(L, [T], chains=64, generator=1)
        sw.sweep(100)  # equilibrate with the fast algorithm, then hand the states to both
        start = sw.spins()
        m = MultispinMetropolis(L, [T], words=1, generator=2)
        m.set_spins(start)
        tau_guess = 0.025 * L ** 2.17  # ANCHORS: z ~ 2.17, tau 47 at L = 32
        n_m = int(max(2000, (30 if quick else 60) * tau_guess))
        e, a = _series(m, n_m)
        te, ta = integrated_time(e), integrated_time(a)
        t_m = _kernel_cpu(m, 200 if L <= 64 else 50) / 64  # per chain and sweep
        n_sw = 300 if quick else (1500 if L <= 64 else 600)
        e2, a2 = _series(sw, n_sw)
        se, sa = integrated_time(e2), integrated_time(a2)
        t_sw = _kernel_cpu(sw, 20 if L <= 64 else 5) / 64
        tau_m, tau_sw = max(te.tau, ta.tau), max(se.tau, sa.tau)
        cost_m, cost_sw = 2 * tau_m * t_m, 2 * tau_sw * t_sw
        rows.append({
            "L": L, "metropolis_sweeps": n_m, "tau_m_energy": te.tau, "tau_m_abs_m": ta.tau,
            "tau_m_error": max(te.error, ta.error), "tau_m_reliable": te.reliable and ta.reliable,
            "sw_sweeps": n_sw, "tau_sw_energy": se.tau, "tau_sw_abs_m": sa.tau,
            "cpu_us_per_chain_sweep_metropolis": 1e6 * t_m, "cpu_us_per_chain_sweep_sw": 1e6 * t_sw,
            "cost_ratio_per_sweep": t_sw / t_m, "cost_per_sample_metropolis_us": 1e6 * cost_m,
            "cost_per_sample_sw_us": 1e6 * cost_sw,
            "cheaper": "metropolis" if cost_m <= cost_sw else "swendsen-wang",
        })
    return {"T": T, "rows": rows}


def md_cluster(r: dict) -> str:
    from scigen.ising.data import CLUSTER_COST_RATIO, CLUSTER_TAU

    lines = [
        "### Cost of an independent sample at Tc: Metropolis vs Swendsen-Wang (64 chains, one thread)\n",
        "tau_int in sweeps (Sokal convention, 0.5 = uncorrelated); cost = 2 tau_max x CPU time per chain-sweep. "
        f"`simulate(algorithm=\"auto\")` switches to Swendsen-Wang where Metropolis's tau_int > "
        f"CLUSTER_COST_RATIO x CLUSTER_TAU = {CLUSTER_COST_RATIO:g} x {CLUSTER_TAU:g}.\n",
        "| L | Metropolis tau E / \\|m\\| | SW tau E / \\|m\\| | us per chain-sweep M / SW (ratio) | "
        "us per independent sample M / SW | cheaper |",
        "|---|---|---|---|---|---|",
    ]
    for w in r["rows"]:
        lines.append(
            f"| {w['L']} | {w['tau_m_energy']:.1f} / {w['tau_m_abs_m']:.1f}"
            f"{'' if w['tau_m_reliable'] else ' (lower bound)'} | {w['tau_sw_energy']:.2f} / {w['tau_sw_abs_m']:.2f} | "
            f"{w['cpu_us_per_chain_sweep_metropolis']:.1f} / {w['cpu_us_per_chain_sweep_sw']:.0f} "
            f"({w['cost_ratio_per_sweep']:.0f}) | {w['cost_per_sample_metropolis_us']:.0f} / "
            f"{w['cost_per_sample_sw_us']:.0f} | {w['cheaper']} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# The documented simulate command
# ---------------------------------------------------------------------------------------------

def run_simulate(quick: bool) -> dict:
    from scigen.ising import simulate

    temps = np.linspace(1.5, 3.5, 11).round(10)
    n = 200 if quick else 2000
    c0, w0 = time.process_time(), time.perf_counter()
    s = simulate(32, temps, n, seed=0)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    recs = s.attrs["per_temperature"]
    ex = exact.finite_lattice(32, temps).energy
    z = [(r["e_mc"] - e) / r["e_mc_error"] for r, e in zip(recs, ex)]
    return {
        "command": f"scigen ising simulate --size 32 --temperatures 1.5:3.5:11 --samples {n} --seed 0",
        "cpu_s": cpu, "wall_s": wall, "threads": 1, "samples": len(s),
        "per_temperature": [{"T": r["T"], "algorithm": r["algorithm"], "burn_in": r["burn_in"],
                             "tau_energy": r["tau_energy"], "tau_abs_m": r["tau_abs_m"], "thinning": r["thinning"],
                             "thinning_ok": r["thinning_ok"], "e_mc": r["e_mc"], "e_mc_error": r["e_mc_error"],
                             "e_exact": float(e), "z": float(zz)} for r, e, zz in zip(recs, ex, z)],
        "max_abs_z": float(np.max(np.abs(z))),
    }


def md_simulate(r: dict) -> str:
    lines = [
        "### The documented command\n",
        f"`{r['command']}`: {r['samples']} samples in **{r['wall_s']:.1f} s wall** ({r['cpu_s']:.1f} s CPU, "
        f"{r['threads']} thread). Monte Carlo energy vs the exact 32 x 32 value: max |z| = {r['max_abs_z']:.2f} "
        f"over {len(r['per_temperature'])} temperatures.\n",
        "| T | algorithm | burn-in | tau E | tau \\|m\\| | sweeps/sample | e (MC) | e exact | z |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for p in r["per_temperature"]:
        lines.append(f"| {p['T']:.2f} | {p['algorithm']} | {p['burn_in']} | {p['tau_energy']:.2f} | "
                     f"{p['tau_abs_m']:.2f} | {p['thinning']}{'' if p['thinning_ok'] else ' (!)'} | "
                     f"{p['e_mc']:.5f} +- {p['e_mc_error']:.5f} | {p['e_exact']:.5f} | {p['z']:+.2f} |")
    return "\n".join(lines) + "\n"


# run and markdown of each section; ``python -m benchmarks ising:gan`` reruns one (see benchmarks/__main__.py)
PARTS = {
    "monte_carlo": (run_monte_carlo, md_monte_carlo),
    "cluster": (run_cluster, md_cluster),
    "simulate": (run_simulate, md_simulate),
    "gan": (run_gan, md_gan),
}
SECTIONS = {key: run for key, (run, _) in PARTS.items()}


def markdown(result: dict) -> str:
    parts = ["## Ising\n"]
    for key, (_, md) in PARTS.items():
        if key in result:
            when = ((result.get("measured") or {}).get(key) or {}).get("date")
            parts.append(md(result[key]) + (f"\n_Measured {when}._\n" if when else ""))
    return "\n".join(parts)
