"""Benchmark of scigen.validate: how often the verdict rule fails a perfect generator (false-fail rate),
how often it catches a wrong one (power), calibration of the generic checks, and run time.

Contract of benchmarks/<name>.py: run(quick) -> dict, markdown(result) -> str.
"""

from __future__ import annotations

import time

import numpy as np

from scigen.validate import Statistic, StatValue, compare
from scigen.validate.distances import noise_scaling


def _m0(s, c):
    return StatValue(s[:, 0].mean(), per_sample=s[:, 0])


@noise_scaling("se")
def _absdiff(a, b):
    return float(abs(b.value - a.value))


def _stats():
    return [Statistic("scalar z", _m0), Statistic("scalar abs. difference (se)", _m0, distance=_absdiff),
            "mean", "std", "value_histogram"]


def _null(reps: int, n_splits: int, floor: str, n: int = 400, d: int = 8) -> dict:
    cov = 0.6 ** np.abs(np.subtract.outer(np.arange(d), np.arange(d)))
    fails: dict[str, list[bool]] = {}
    for rep in range(reps):
        rng = np.random.default_rng(10_000 + rep)
        real = rng.multivariate_normal(np.zeros(d), cov, n)
        fake = rng.multivariate_normal(np.zeros(d), cov, n // 2)
        r = compare(real, fake, _stats(), checks=None, n_splits=n_splits, noise_floor=floor, seed=rep)
        for x in r.statistics:
            fails.setdefault(x.name, []).append(x.verdict == "fail")
    return {k: float(np.mean(v)) for k, v in fails.items()}


def _power(reps: int, n: int = 500) -> dict:
    out = {}
    for shift in (0.1, 0.2, 0.3):
        f = []
        for rep in range(reps):
            rng = np.random.default_rng(20_000 + rep)
            r = compare(rng.normal(size=(n, 1)), rng.normal(size=(n, 1)) + shift,
                        [Statistic("m0", _m0)], checks=None, seed=rep)
            f.append(r.statistics[0].verdict == "fail")
        out[f"{shift:.1f}"] = float(np.mean(f))
    return out


def _checks(reps: int) -> dict:
    names = ["marginals", "energy", "mmd", "classifier", "memorisation"]
    null = {k: [] for k in names}
    alt = {k: [] for k in names[:4]}
    for rep in range(reps):
        rng = np.random.default_rng(30_000 + rep)
        real, train = rng.normal(size=(300, 6)), rng.normal(size=(600, 6))
        r = compare(real, rng.normal(size=(300, 6)), ["mean"], train=train, seed=rep, n_permutations=300)
        for c in r.checks:
            null[c.name].append(c.verdict == "fail")
        r = compare(real, 1.2 * rng.normal(size=(300, 6)), ["mean"], seed=rep, n_permutations=300,
                    checks=names[:4])
        for c in r.checks:
            alt[c.name].append(c.verdict == "fail")
    return {"false_fail": {k: float(np.mean(v)) for k, v in null.items()},
            "power_width_1.2": {k: float(np.mean(v)) for k, v in alt.items()}}


def _timing() -> dict:
    from scigen.io import SampleSet

    rng = np.random.default_rng(0)
    temps = np.repeat(np.linspace(1.5, 3.5, 11), 500)

    def spins():
        p = 1 / (1 + np.exp(-2 / temps))[:, None, None]
        return np.where(rng.random((len(temps), 32, 32)) < p, 1, -1).astype(np.int8)

    real, fake, train = (SampleSet(spins(), condition=temps[:, None]) for _ in range(3))
    t0 = time.perf_counter()
    compare(real, fake, checks=None)
    t1 = time.perf_counter()
    r = compare(real, fake, train=train)
    t2 = time.perf_counter()
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        r.write(tmp)
    t3 = time.perf_counter()
    return {"setup": "11 temperatures x 500 samples of 32x32 int8, generic statistics (33 results)",
            "statistics_s": t1 - t0, "statistics_and_checks_s": t2 - t1, "write_json_html_s": t3 - t2}


def run(quick: bool = False) -> dict:
    reps = 40 if quick else 300
    out = {"null_false_fail": {}}
    for k in (5, 20):
        out["null_false_fail"][f"halves, n_splits={k}"] = _null(reps, k, "halves")
    out["null_false_fail"]["bootstrap, n_splits=20"] = _null(reps // 2, 20, "bootstrap")
    out["power_scalar_mean_N500"] = _power(reps // 3)
    out["checks"] = _checks(10 if quick else 60)
    out["timing"] = _timing()
    out["reps"] = reps
    return out


def markdown(result: dict) -> str:
    lines = ["## validate", "",
             f"False-fail rate of the noise-floor rule (factor 3) for a perfect generator, per result "
             f"({result['reps']} repetitions; real N=400, fake N=200, 8 correlated Gaussian components):", "",
             "| floor | " + " | ".join(next(iter(result["null_false_fail"].values()))) + " |",
             "|---|" + "---|" * len(next(iter(result["null_false_fail"].values())))]
    for floor, rates in result["null_false_fail"].items():
        lines.append(f"| {floor} | " + " | ".join(f"{v:.3f}" for v in rates.values()) + " |")
    lines += ["", "Power, scalar mean, N=500 each, shift in units of sigma (3-sigma rule: 0.2 sigma = 3.2 SE): "
              + ", ".join(f"{k}: {v:.2f}" for k, v in result["power_scalar_mean_N500"].items()), ""]
    c = result["checks"]
    lines += ["| check | false-fail (same distribution) | power (width x1.2) |", "|---|---|---|"]
    for k, v in c["false_fail"].items():
        lines.append(f"| {k} | {v:.3f} | {c['power_width_1.2'].get(k, float('nan')):.2f} |")
    t = result["timing"]
    lines += ["", f"Time ({t['setup']}): statistics {t['statistics_s']:.1f} s, with all checks "
              f"{t['statistics_and_checks_s']:.1f} s, report JSON+HTML {t['write_json_html_s']:.1f} s."]
    return "\n".join(lines)

