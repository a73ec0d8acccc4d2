"""Train / generate / validate wiring for the lattice GAN, shared by the CLI, the benchmark and the demo.

::

    from scigen.ising import pipeline
    run = pipeline.train("ising32.h5", "runs/ising32", TrainConfig(steps=2500, batch_size=64, threads=1))
    fake = pipeline.generate(run, "fake.h5", samples_per_temperature=2000, seed=1)   # the training temperatures
    report = pipeline.validate("ising32_heldout.h5", fake, "report/", train="ising32.h5")

Temperatures are matched by exact value: ``generate`` writes the training set's own floats (snapping a
requested T within 1e-9 of a trained one to it), so ``scigen validate`` pairs the groups of the real
and generated sets. Each generated temperature is recorded as "trained", "interpolated" (inside the
trained range, not in the training set) or "extrapolated" (outside it): validate interpolated ones
against a reference simulated at those temperatures (``simulate`` with another seed).
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from scigen.errors import InputError

log = logging.getLogger("scigen.ising")

__all__ = ["load_spins", "train", "generate", "validate", "PhysicsMonitor", "classify_temperatures",
           "sign_balance", "ratio_table", "demo", "MODEL_NAME", "DEFAULT_STEPS"]

MODEL_NAME = "ising.lattice_gan"
DEMO_REFINE = 20  # Metropolis sweeps after the GAN in the demo's second report
DEFAULT_STEPS = 2500  # what benchmarks/ising.py measures (L = 32, 11 temperatures)
_SNAP = 1e-9  # relative distance within which a requested T is the trained one
_SCORE_KEYS = ("energy", "abs_magnetization", "specific_heat", "susceptibility")


# ----------------------------------------------------------------------------------------- data

def load_spins(source, what: str = "data"):
    """A sample set of Ising spins, checked: (N, L, L) +-1 samples with a temperature condition (N, 1).

    ``source`` is a path or a :class:`scigen.io.SampleSet`. Errors name the file and the fix.
    """
    from scigen.errors import SampleSetError, require_file
    from scigen.io import SampleSet, read_sample_set

    if isinstance(source, SampleSet):
        data, name = source, str(source.path or what)
    else:
        path = require_file(source, f"{what} (an Ising sample set from 'scigen ising simulate')")
        data, name = read_sample_set(path), str(path)
    s = data.samples
    if data.attrs.get("domain") not in (None, "ising"):
        raise SampleSetError(f"{name}: domain is '{data.attrs.get('domain')}', not 'ising'; pass a set written by "
                             "'scigen ising simulate' or 'scigen ising generate'")
    if s.ndim != 3 or s.shape[1] != s.shape[2]:
        raise SampleSetError(f"{name}: samples have shape {s.shape}; Ising samples are (N, L, L) spins")
    probe = s[: min(len(s), 256)]
    if not np.all((probe == 1) | (probe == -1)):
        raise SampleSetError(f"{name}: samples must be spins +-1 (int8); map {{0, 1}} spins with 2 s - 1")
    if data.condition is None or data.condition.shape[1] != 1:
        raise SampleSetError(f"{name}: needs the temperature of every sample as 'condition' (N, 1); "
                             "'scigen ising simulate' writes it")
    return data


def temperatures_of(data) -> list[float]:
    """The distinct temperatures of a sample set, ascending, as the exact floats stored."""
    return [float(t) for t in np.unique(data.condition[:, 0])]


def temperature_moments(data) -> np.ndarray:
    """(N, 4) float64: for each sample, its temperature's mean and std of e and of |m| over the set
    (mu_e, sigma_e, mu_|m|, sigma_|m|), the targets of the GAN's moment matching."""
    from scigen.ising.stats import energy_per_spin, magnetization

    e, a = energy_per_spin(data.samples), np.abs(magnetization(data.samples))
    out = np.empty((len(e), 4))
    for T in temperatures_of(data):
        rows = data.condition[:, 0] == T
        out[rows] = [e[rows].mean(), e[rows].std(), a[rows].mean(), a[rows].std()]
    return out


def _trained_match(T: float, trained) -> float | None:
    """The training temperature ``T`` stands for (equal within a relative ``_SNAP``), or None."""
    return next((float(s) for s in trained if abs(T - s) <= _SNAP * max(1.0, abs(s))), None)


def classify_temperatures(temperatures, trained, t_range) -> list[str]:
    """For each T: "trained" (one of ``trained``), "interpolated" (inside ``t_range``) or "extrapolated"."""
    return ["trained" if _trained_match(T, trained) is not None
            else "interpolated" if t_range[0] <= T <= t_range[1] else "extrapolated" for T in temperatures]


def _snap(temperatures, trained) -> list[float]:
    """Each T replaced by the training temperature it stands for (the same float), else kept."""
    out = []
    for T in temperatures:
        hit = _trained_match(T, trained)
        out.append(float(T) if hit is None else hit)
    return out


# ------------------------------------------------------------------------------------ training

class PhysicsMonitor:
    """``evaluate`` for :func:`scigen.engine.fit`: generated vs training observables per temperature.

    Every call draws ``n`` samples at each training temperature (fixed noise seed, so checkpoints
    are compared on the same draws) and returns, per observable (e, |m|, c, chi), the root mean
    square over temperatures of its z-score against the training data, and ``score``, their mean:
    the metric the "best" checkpoint is chosen by. It uses the training set only.
    """

    def __init__(self, data, n: int = 256, seed: int = 0) -> None:
        from scigen.ising.stats import observables

        self.n, self.seed = int(n), int(seed)
        self.temperatures = temperatures_of(data)
        self.reference = {}
        for T in self.temperatures:
            spins = data.samples[data.condition[:, 0] == T]
            self.reference[T] = (len(spins), observables(spins, T))

    def __call__(self, model) -> dict[str, float]:
        import torch

        from scigen.ising.stats import observables

        g = torch.Generator().manual_seed(self.seed)
        zs = {k: [] for k in _SCORE_KEYS}
        for T in self.temperatures:
            fake = observables(model.sample(self.n, condition=T, generator=g).numpy(), T)
            n_real, real = self.reference[T]
            for k in _SCORE_KEYS:
                (rv, re), (fv, fe) = real[k], fake[k]
                if k in ("energy", "abs_magnetization"):  # standard error from the real spread, both sizes
                    se = re * math.sqrt(n_real) * math.sqrt(1 / n_real + 1 / self.n)
                else:
                    se = math.sqrt(re * re + fe * fe)
                zs[k].append((fv - rv) / se if se > 0 else 0.0)
        out = {f"{k}_rmsz": float(np.sqrt(np.mean(np.square(v)))) for k, v in zs.items()}
        out["score"] = float(np.mean(list(out.values())))
        return out


def build_model(data, **model_kwargs):
    """A :class:`~scigen.ising.models.LatticeGAN` sized and conditioned for ``data`` (its L, T range)."""
    from scigen.ising.models import LatticeGAN

    temps = temperatures_of(data)
    if len(temps) < 2:
        raise InputError(f"the training set has one temperature ({temps[0]:g}); the GAN is conditioned on T "
                         "and needs at least two (simulate with --temperatures start:stop:count)")
    kwargs = {"size": int(data.samples.shape[1]), "t_range": [temps[0], temps[-1]], "temperatures": temps}
    kwargs.update(model_kwargs)
    return LatticeGAN(**kwargs)


def train(data, out, config=None, *, resume: bool = False, eval_every: int | None = None, eval_samples: int = 256,
          **model_kwargs) -> Path:
    """Train the lattice GAN on an Ising sample set; returns the run directory.

    Args:
        data: path of an Ising sample set (``scigen ising simulate``) or a SampleSet.
        out: run directory (checkpoints, metrics.jsonl, train_config.json).
        config: :class:`scigen.engine.TrainConfig` (default: DEFAULT_STEPS steps, batch 64, 1 thread).
        resume: continue the run in ``out`` (the model is rebuilt from its checkpoint's config).
        eval_every: steps between :class:`PhysicsMonitor` evaluations, which pick the "best"
            checkpoint (default: about 20 per run; 0 turns selection off).
        eval_samples: samples per temperature in each evaluation.
        model_kwargs: :class:`~scigen.ising.models.LatticeGAN` options (width, output, match, ...).
    """
    import torch

    from scigen.engine import ArrayDataset, TrainConfig, fit, seeded
    from scigen.engine.checkpoint import list_step_checkpoints, read_checkpoint_config
    from scigen.ising.models import LatticeGAN

    data = load_spins(data, "training data")
    config = config or TrainConfig(steps=DEFAULT_STEPS, batch_size=64, threads=1)
    out = Path(out)
    if resume and list_step_checkpoints(out):
        meta = read_checkpoint_config(out)
        if meta["model"] != MODEL_NAME:
            raise InputError(f"--resume: '{out}' holds a '{meta['model']}' run, not {MODEL_NAME}")
        model = LatticeGAN(**meta["config"])
    else:
        model_kwargs.setdefault("lr_decay", [int(0.3 * config.steps), max(int(0.3 * config.steps) + 1, config.steps)])
        with seeded(config.seed):
            model = build_model(data, **model_kwargs)
    if eval_every is None:
        eval_every = max(50, config.steps // 20)
    if eval_every:
        import dataclasses

        config = dataclasses.replace(config, eval_every=eval_every, select_metric="score", select_mode="min")
    dataset = ArrayDataset(samples=torch.from_numpy(np.ascontiguousarray(data.samples)),
                           condition=torch.from_numpy(np.ascontiguousarray(data.condition, dtype=np.float64)),
                           moments=torch.from_numpy(temperature_moments(data)))
    source = {"path": str(data.path) if data.path else None, "seed": data.attrs.get("seed"),
              "producer": data.attrs.get("producer"), "n": len(data)}
    monitor = PhysicsMonitor(data, n=eval_samples, seed=config.seed) if eval_every else None
    fit(model, dataset, config, out_dir=out, resume=resume, evaluate=monitor, checkpoint_extra={"data": source})
    return out


# ---------------------------------------------------------------------------------- generation

def _load(model_dir, which: str, device=None):
    from scigen.engine import load_model, resolve_device

    if which == "auto":
        which = "best" if (Path(model_dir) / "checkpoints" / "best" / "config.json").is_file() else "latest"
    if which not in ("best", "latest"):
        raise InputError(f"which must be auto, best or latest, got {which!r}")
    return load_model(model_dir, expected=MODEL_NAME, which=which, map_location=resolve_device(device or "auto"))


def _rank_offset(n: int) -> int:
    """Index of this rank's first sample when generate_to_file shards ``n`` samples under torchrun."""
    world, rank = int(os.environ.get("WORLD_SIZE", "1")), int(os.environ.get("RANK", "0"))
    return rank * (n // world) + min(rank, n % world) if world > 1 else 0


def generate(model_dir, out, temperatures=None, samples_per_temperature: int = 1000, seed: int = 0, *,
             which: str = "auto", batch_size: int = 500, device=None, refine_sweeps: int = 0) -> Path:
    """Draw ``samples_per_temperature`` configurations at each temperature into an HDF5 sample set.

    Args:
        model_dir: a training run (or checkpoint) of the lattice GAN.
        out: output file (written atomically; sharded by rank under torchrun).
        temperatures: temperatures to generate at; default the training set's own (exact floats).
        samples_per_temperature: samples at each temperature.
        seed: the samples depend only on the weights and this seed.
        which: "best" (the checkpoint chosen by the physics monitor), "latest", or "auto" (best
            when the run has one).
        batch_size: samples per generator call.
        device: "cpu", "cuda" (default: CUDA when available). Noise is drawn on the CPU, so the
            samples depend on the device only through floating-point rounding.
        refine_sweeps: checkerboard Metropolis sweeps at each sample's T applied after the GAN
            (0: the GAN's own samples). Each sweep is an exact Boltzmann move, so it can only bring
            the samples closer to equilibrium; a few relax local structure (e, c away from Tc), while
            the large-scale state near Tc (|m|, chi) needs ~L^2.17 sweeps and stays the GAN's.

    The set: samples (N, L, L) int8 +-1 ordered by temperature, condition (N, 1) = T; attributes
    domain "ising", L, J, h, temperatures, condition_names ["T"], temperature_kinds (trained /
    interpolated / extrapolated per T), trained_temperatures, t_range, and producer (the model's
    checkpoint, step and weights hash, from :func:`scigen.engine.generate.model_provenance`).
    """
    import torch

    from scigen.engine.generate import generate_to_file, model_provenance

    model = _load(model_dir, which, device)
    trained = model.temperatures or []
    if temperatures is None:
        if not trained:
            raise InputError(f"'{model_dir}' does not record its training temperatures; pass --temperatures")
        temps = list(trained)
    else:
        temps = _snap([float(t) for t in temperatures], trained)
    if not temps or any(not (math.isfinite(t) and t > 0) for t in temps):
        raise InputError(f"temperatures must be finite and > 0, got {temps}")
    per_t = int(samples_per_temperature)
    if per_t < 1:
        raise InputError(f"samples per temperature must be >= 1, got {samples_per_temperature}")
    kinds = classify_temperatures(temps, trained, model.t_range)
    for T, kind in zip(temps, kinds):
        if kind == "extrapolated":
            log.warning("T=%g is outside the trained range %s: extrapolation, expect it to be wrong", T, model.t_range)
    total = per_t * len(temps)
    start = _rank_offset(total)
    table = np.asarray(temps, dtype=np.float64)
    cursor = [start]

    if refine_sweeps < 0:
        raise InputError(f"refine_sweeps must be >= 0, got {refine_sweeps}")

    def sample_fn(count, generator):
        idx = np.arange(cursor[0], cursor[0] + count) // per_t
        cursor[0] += count
        T = table[idx]
        spins = model.sample(count, condition=T, generator=generator)
        if refine_sweeps:
            from scigen.ising.kernels import metropolis_sweep

            beta = torch.from_numpy(1.0 / T)
            for _ in range(refine_sweeps):
                metropolis_sweep(spins, beta, generator)
        return {"samples": spins, "condition": T[:, None]}

    attrs = {"L": int(model.size), "J": 1.0, "h": 0.0, "temperatures": [float(t) for t in temps],
             "condition_names": ["T"], "samples_per_temperature": per_t, "temperature_kinds": kinds,
             "trained_temperatures": [float(t) for t in trained], "t_range": list(model.t_range),
             "order": "temperature", "output": model.output, "symmetrised": bool(model.symmetric),
             "refine_sweeps": int(refine_sweeps)}
    producer = {**model_provenance(model), "refine_sweeps": int(refine_sweeps)}
    return generate_to_file(out, sample_fn, total, domain="ising", batch_size=batch_size, seed=seed,
                            attrs=attrs, producer=producer)


def sign_balance(data) -> list[dict[str, float]]:
    """Per temperature: fraction of samples with m > 0, m < 0 and m = 0 (a symmetric model gives ~1/2, 1/2)."""
    from scigen.ising.stats import magnetization

    rows = []
    for T in temperatures_of(data):
        m = magnetization(data.samples[data.condition[:, 0] == T])
        rows.append({"T": T, "n": int(m.size), "positive": float(np.mean(m > 0)), "negative": float(np.mean(m < 0)),
                     "zero": float(np.mean(m == 0))})
    return rows


# ---------------------------------------------------------------------------------- validation

def validate(real, fake, out_dir=None, *, train=None, statistics=None, html: bool = True, **compare_kwargs):
    """Compare generated with real spins per temperature (``scigen.validate.compare``); write the report.

    ``real``, ``fake``, ``train``: paths or SampleSets. The real set should be held out (not the
    training set) for the memorisation check; pass the training set as ``train``. Returns the Report.
    """
    import scigen.ising.stats  # noqa: F401  (registers the statistics)
    from scigen.validate import compare

    real, fake = load_spins(real, "real data"), load_spins(fake, "generated data")
    train = load_spins(train, "training data") if train is not None else None
    for s in (real, fake, train):  # label the groups "T=2.269", not "condition=2.269"
        if s is not None and not s.attrs.get("condition_names"):
            s.attrs["condition_names"] = ["T"]
    report = compare(real, fake, statistics, domain="ising", train=train, **compare_kwargs)
    if out_dir is not None:
        report.write(out_dir, html=html)
    return report


def ratio_table(report) -> dict[str, dict[str, Any]]:
    """{statistic: {T as "%.6g" (or "all"): {"ratio", "verdict", "distance", "floor", "real", "fake"}}}."""
    table: dict[str, dict[str, Any]] = {}
    for r in report.statistics:
        T = next(iter(r.group.values())) if r.group else None
        table.setdefault(r.name, {})[f"{float(T):.6g}" if T is not None else "all"] = {
            "ratio": r.ratio, "verdict": r.verdict, "distance": r.distance, "floor": r.noise_floor,
            "real": r.real, "fake": r.fake}
    return table


# ---------------------------------------------------------------------------------------- demo

def demo(out_dir: Path, seed: int = 0) -> dict[str, Any]:
    """``scigen demo``'s Ising section: simulate, train briefly, generate, validate (a few minutes on CPU).

    Small settings: L = 16 at 5 temperatures, 600 training samples per T and a held-out real set of
    400; 600 training steps. A run this short does not pass every statistic; the point is the path
    and a report to read. Two more reports: the same samples after ``DEMO_REFINE`` exact
    Metropolis sweeps (``generate(..., refine_sweeps=...)``), and the control, as many sweeps without
    the GAN (:func:`~scigen.ising.data.short_chains`). Returns the outputs (paths, verdicts, counts).
    """
    from scigen.engine import TrainConfig
    from scigen.ising.data import short_chains, simulate_to_file

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    temps = [1.8, 2.1, 2.4, 2.7, 3.0]
    t0 = time.perf_counter()
    train_path, real_path = out_dir / "ising16_train.h5", out_dir / "ising16_real.h5"
    simulate_to_file(train_path, 16, temps, 600, seed)
    simulate_to_file(real_path, 16, temps, 400, seed + 1)
    t_sim = time.perf_counter() - t0
    run = out_dir / "run"
    shutil.rmtree(run, ignore_errors=True)  # the demo's own earlier output: start afresh
    config = TrainConfig(steps=600, batch_size=64, seed=seed, log_every=50, threads=1)
    train(train_path, run, config, eval_every=100, eval_samples=128, width=16)
    t_train = time.perf_counter() - t0 - t_sim
    fake_path = generate(run, out_dir / "ising16_fake.h5", samples_per_temperature=400, seed=seed + 2)
    report = validate(real_path, fake_path, out_dir / "report", train=train_path)
    summary = report.to_dict()["summary"]
    refined_path = generate(run, out_dir / "ising16_fake_refined.h5", samples_per_temperature=400, seed=seed + 2,
                            refine_sweeps=DEMO_REFINE)
    control_path = short_chains(out_dir / "ising16_control.h5", 16, temps, 400, DEMO_REFINE, seed + 3)
    passed = {}
    for name, path in (("refined", refined_path), ("control", control_path)):
        summary_k = validate(real_path, path, out_dir / f"report_{name}", checks=None).to_dict()["summary"]
        passed[name] = f"{summary_k.get('statistics_passed')}/{summary_k.get('statistics')}"
    return {"real": str(real_path), "train": str(train_path), "fake": str(fake_path), "model": str(run),
            "report": str(out_dir / "report" / "report.html"),
            "verdict": "pass" if report.passed else "fail",
            "statistics_passed": f"{summary.get('statistics_passed')}/{summary.get('statistics')}",
            f"gan_plus_{DEMO_REFINE}_sweeps_passed": f"{passed['refined']} ({out_dir / 'report_refined'})",
            f"{DEMO_REFINE}_sweeps_no_gan_passed": f"{passed['control']} ({out_dir / 'report_control'})",
            "simulate_s": round(t_sim, 1), "train_s": round(t_train, 1)}
