"""``compare(real, fake)``: every statistic on real and fake, per condition group, against the noise floor.

For one statistic in one group (one temperature, one class, or the whole set):

1. ``params = statistic.prepare(real_group, condition)`` once (shared bins, thresholds, scales);
2. ``R = compute(real)``, ``F = compute(fake)``, ``distance = d(R, F)``;
3. the **noise floor**: ``n_splits`` times, split the real group into two disjoint random halves
   A, B (or draw two bootstrap resamples of sizes N_real and N_fake), and take ``d(A, B)``, carried
   over to the real-vs-fake sample sizes by :func:`scigen.validate.distances.size_correction`; the
   floor is the root-mean-square over the splits (for a Gaussian difference: its standard
   deviation, so that factor 3 is a 3-sigma rule);
4. verdict: **pass** when ``distance <= factor * floor`` or ``distance <= statistic.tolerance``.

Groups present in only one of the sets are reported ("missing" in fake: fails; "unmatched", only in
fake: reported, does not fail). Then the generic checks run (:mod:`scigen.validate.checks`).
"""

from __future__ import annotations

import inspect
import logging
from typing import Callable, Sequence

import numpy as np

from scigen.errors import InputError, ScigenError
from scigen.validate.data import (MIN_GROUP, Dataset, sort_key, as_dataset, check_compatible, check_domains,
                                  describe, group_label)
from scigen.validate.distances import default_distance, scaling_of, size_correction
from scigen.validate.noise_floor import part_evaluator, real_splits
from scigen.validate.report import CheckResult, Report, StatResult
from scigen.validate.statistic import Statistic, StatValue, as_statistic, statistics_for

log = logging.getLogger("scigen.validate")
FLOOR_METHODS = ("halves", "bootstrap")


class _RealDataError(InputError):
    """A statistic failed on the real data with a user-facing error: the inputs do not fit it."""


class NotApplicable(Exception):
    """Raise from a statistic's ``prepare`` or ``compute`` when it does not apply to these inputs
    (e.g. novelty without a training set); the result is reported as "skipped" with the message."""


def compare(real, fake, statistics: Sequence[Statistic | Callable | str] | None = None, *,
            domain: str | None = None, train=None, noise_floor: str = "halves", n_splits: int | dict = 20,
            factor: float = 3.0, seed: int = 0, checks: Sequence[str] | str | None = "default",
            features: Callable | None = None, group_by: str | None = "auto", label: str | None = None,
            max_samples: int = 1000, n_permutations: int = 500, classifier=None,
            check_tolerance: dict[str, float] | None = None, raise_errors: bool = False) -> Report:
    """Compare a fake (generated) sample set with the real one, statistic by statistic.

    Args:
        real, fake: :class:`scigen.io.SampleSet`, numpy array (N, ...), array/list of strings (N,),
            pandas DataFrame (rows are samples), or a path to a file (HDF5, .smi, .csv, .parquet).
        statistics: Statistic objects, plain functions ``f(samples) -> float | array``, or names of
            statistics registered for ``domain``; None takes all of ``domain``'s statistics.
        domain: whose statistics and feature function to use; default: the inputs' ``domain``
            attribute, else "generic".
        train: the training set (same kind of samples) for memorisation and for statistics whose
            ``prepare`` takes a ``train`` argument (novelty).
        noise_floor: "halves" (disjoint random halves of the real group) or "bootstrap" (two
            resamples with replacement, of sizes N_real and N_fake).
        n_splits: how many splits (or bootstrap pairs) the floor averages over (root-mean-square);
            a dict {statistic name: n} sets it per statistic (others get 20), e.g. fewer for a slow one.
        factor: pass when distance <= factor * noise floor. Checks use the equivalent two-sided
            normal level alpha = erfc(factor / sqrt 2) (0.0027 for 3).
        seed: seeds every random choice (splits, subsamples, permutations, classifier).
        checks: generic checks to run: "default" (all: marginals, energy, mmd, classifier,
            memorisation), None/() for none, or a list of names.
        features: ``samples -> (N, d)`` features for the checks (default: the domain's registered
            feature function, else :func:`scigen.validate.features.featurize`'s default).
        group_by: "auto" (condition if present, else labels if both sets have them, else none),
            "condition", "labels", or None (whole sets only).
        label: DataFrame column holding the class (becomes the labels, i.e. the groups).
        max_samples: samples per set used by the checks (subsampled, stratified by group).
        n_permutations: permutations for the energy/MMD p-values.
        classifier: scikit-learn estimator for the classifier test (default gradient-boosted trees).
        check_tolerance: per-check effect size that always passes, e.g. {"classifier": 0.05} passes
            an AUROC <= 0.55 however significant.
        raise_errors: re-raise an exception from a statistic instead of reporting it as "error".

    Returns:
        A :class:`scigen.validate.report.Report`.
    """
    if noise_floor not in FLOOR_METHODS:
        raise InputError(f"noise_floor must be one of {FLOOR_METHODS}, got {noise_floor!r}")
    splits_of = _splits_per_statistic(n_splits)
    if not factor > 0:
        raise InputError(f"factor must be positive, got {factor}")
    real_ds = as_dataset(real, "real", label=label)
    fake_ds = as_dataset(fake, "fake", label=label)
    train_ds = None if train is None else as_dataset(train, "train", label=label)
    check_compatible(real_ds, fake_ds)
    if train_ds is not None:
        check_compatible(real_ds, train_ds, condition=False)
    inferred = check_domains([d for d in (real_ds, fake_ds, train_ds) if d is not None])
    domain = domain or inferred or "generic"
    stats = resolve_statistics(statistics, domain)

    by = _group_mode(group_by, real_ds, fake_ds)
    for ds in (real_ds, fake_ds):
        ds.set_groups(by)
    if train_ds is not None:
        train_ds.set_groups(by if (by != "condition" or train_ds.condition is not None) and
                            (by != "labels" or train_ds.labels is not None) else None)
    real_groups, fake_groups = real_ds.group_index(), fake_ds.group_index()
    _check_group_sizes(real_ds, real_groups)
    group_rows = _group_table(real_ds, real_groups, fake_groups)

    results: list[StatResult] = []
    for stat in stats:
        log.info("validate: %s", stat.name)
        k = splits_of(stat.name)
        if stat.group_by_condition and by is not None:
            for gi, key in enumerate(sorted(set(real_groups) | set(fake_groups), key=sort_key)):
                results.append(_evaluate_group(stat, key, real_ds, fake_ds, train_ds, real_groups, fake_groups,
                                               _rng(seed, gi + 1), noise_floor, k, factor, raise_errors))
        else:
            results.append(_evaluate(stat, None, real_ds, fake_ds, train_ds, None,
                                     _rng(seed, 0), noise_floor, k, factor, raise_errors,
                                     strata=real_groups))

    from scigen.validate.checks import run_checks

    if checks and 1.0 / (n_permutations + 1) > _alpha(factor):
        raise InputError(
            f"n_permutations={n_permutations} cannot give a p-value below alpha={_alpha(factor):.2g} "
            f"(the smallest is 1/(n+1)), so the energy and MMD checks could never fail; use at least "
            f"{int(np.ceil(1 / _alpha(factor)))} permutations"
        )
    check_results: list[CheckResult] = run_checks(
        checks, real_ds, fake_ds, train_ds, domain=domain, features=features, factor=factor, seed=seed,
        max_samples=max_samples, n_permutations=n_permutations, classifier=classifier,
        tolerance=check_tolerance or {}, raise_errors=raise_errors)

    settings = {"domain": domain, "factor": factor, "noise_floor": noise_floor, "n_splits": n_splits,
                "seed": seed, "group_by": by, "statistics": [s.name for s in stats],
                "checks": [c.name for c in check_results], "max_samples": max_samples,
                "n_permutations": n_permutations, "alpha": _alpha(factor)}
    inputs = {"real": describe(real_ds), "fake": describe(fake_ds), "train": describe(train_ds)}
    return Report(results, check_results, group_rows, inputs, settings)


def resolve_statistics(statistics, domain: str) -> list[Statistic]:
    """Statistics from objects, plain functions and registered names (see :func:`compare`)."""
    def registered(names=None):
        try:
            return statistics_for(domain, names)
        except ModuleNotFoundError as exc:
            raise InputError(f"domain '{domain}' has no statistics yet (module {exc.name} is not installed "
                             "or not written yet); use domain 'generic' or pass statistics explicitly") from None

    if statistics is None:
        stats = registered()
    else:
        if isinstance(statistics, (str, Statistic)) or callable(statistics):
            statistics = [statistics]
        stats = []
        for s in statistics:
            stats.extend(registered([s]) if isinstance(s, str) else [as_statistic(s)])
    if not stats:
        raise InputError("no statistics to compare: pass at least one")
    names = [s.name for s in stats]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"statistic names must be unique, repeated: {', '.join(dup)}")
    return stats


def _splits_per_statistic(n_splits):
    per = dict(n_splits) if isinstance(n_splits, dict) else {}
    default = 20 if isinstance(n_splits, dict) else n_splits
    for name, k in [("n_splits", default), *per.items()]:
        if not isinstance(k, (int, np.integer)) or k < 1:
            raise InputError(f"n_splits for '{name}' must be a positive integer, got {k!r}")
    return lambda name: int(per.get(name, default))


def _alpha(factor: float) -> float:
    from scipy.special import erfc

    return float(erfc(factor / np.sqrt(2.0)))


def _group_mode(group_by, real: Dataset, fake: Dataset) -> str | None:
    if group_by == "auto":
        if real.condition is not None:
            return "condition"
        if real.labels is not None and fake.labels is not None:
            return "labels"
        return None
    if group_by not in ("condition", "labels", None):
        raise InputError(f"group_by must be 'auto', 'condition', 'labels' or None, got {group_by!r}")
    return group_by


def _check_group_sizes(real: Dataset, groups: dict) -> None:
    sizes = np.array([len(v) for v in groups.values()])
    if len(sizes) > 1 and np.mean(sizes < MIN_GROUP) > 0.5:
        raise InputError(
            f"{real.name}: {len(sizes)} distinct condition values among {len(real)} samples, most with fewer "
            f"than {MIN_GROUP} samples: statistics are compared per distinct condition; bin the condition "
            "(e.g. round temperatures to the simulated grid) or compare whole sets (group_by=None)")


def _group_table(real: Dataset, rg: dict, fg: dict) -> list[dict]:
    rows = []
    for key in sorted(set(rg) | set(fg), key=sort_key):
        status = "matched" if key in rg and key in fg else ("real_only" if key in rg else "fake_only")
        rows.append({"key": dict(zip(real.group_names, key)) if key else None,
                     "label": group_label(real.group_names, key), "n_real": int(len(rg.get(key, ()))),
                     "n_fake": int(len(fg.get(key, ()))), "status": status})
    return rows


def _rng(seed: int, index: int) -> np.random.Generator:
    """The generator of one group's splits: the same splits for every statistic of that group."""
    return np.random.default_rng(np.random.SeedSequence([seed, index]))


def _evaluate_group(stat, key, real, fake, train, rg, fg, rng, method, n_splits, factor, raise_errors):
    names = real.group_names
    base = dict(name=stat.name, kind=stat.kind, group=dict(zip(names, key)) if key else None,
                group_label=group_label(names, key), description=stat.description, xlabel=stat.xlabel,
                ylabel=stat.ylabel, tolerance=stat.tolerance)
    if key not in fg:
        return StatResult(**base, verdict="missing", n_real=len(rg[key]),
                          reason="no fake samples in this group: the generator did not cover it")
    if key not in rg:
        return StatResult(**base, verdict="unmatched", n_fake=len(fg[key]),
                          reason="no real samples in this group: nothing to compare with (not counted as a failure)")
    train_part = train
    if train is not None and train.group_names:  # a grouped training set: this group's part
        tg = train.group_index()
        train_part = train.subset(tg[key]) if key in tg else None
    return _evaluate(stat, key, real.subset(rg[key]), fake.subset(fg[key]), train_part,
                     np.asarray(key, dtype=object if any(isinstance(v, str) for v in key) else np.float64),
                     rng, method, n_splits, factor, raise_errors, base=base)


def _call_prepare(stat: Statistic, samples, condition, train, attrs) -> dict:
    """Call ``stat.prepare`` with the optional keywords it accepts: ``train`` (training samples or
    None) and ``attrs`` (the real set's attributes: field of view, pixel transform, ...)."""
    if stat.prepare is None:
        return {}
    sig = inspect.signature(stat.prepare)
    any_keyword = any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values())
    offered = {"train": train, "attrs": dict(attrs or {})}
    kwargs = {k: v for k, v in offered.items() if any_keyword or k in sig.parameters}
    return dict(stat.prepare(samples, condition, **kwargs) or {})


def _evaluate(stat, key, real: Dataset, fake: Dataset, train, condition, rng, method, n_splits, factor,
              raise_errors, base=None, strata=None) -> StatResult:
    base = base or dict(name=stat.name, kind=stat.kind, group=None, group_label="all",
                        description=stat.description, xlabel=stat.xlabel, ylabel=stat.ylabel,
                        tolerance=stat.tolerance)
    n_r, n_f = len(real), len(fake)
    if n_r < MIN_GROUP or n_f < 2:
        return StatResult(**base, verdict="insufficient", n_real=n_r, n_fake=n_f,
                          reason=f"too few samples for a noise floor (real {n_r}, need {MIN_GROUP}; "
                                 f"fake {n_f}, need 2)")
    whole = key is None
    cond_r = real.per_sample_condition() if whole else condition
    cond_f = fake.per_sample_condition() if whole else condition
    try:
        try:
            params = _call_prepare(stat, real.samples, cond_r, None if train is None else train.samples, real.attrs)
            ref = stat.evaluate(real.samples, cond_r, **params)
        except ScigenError as exc:  # fails on the real data: the statistic does not fit these inputs
            raise _RealDataError(f"statistic '{stat.name}' cannot be computed on {real.name} "
                                 f"[{base['group_label']}]: {exc}") from exc
        fk = stat.evaluate(fake.samples, cond_f, **params)
        if stat.kind == "scalar" and np.size(ref.value) > 1:  # a plain function that returned an array
            base = {**base, "kind": "curve"}
        dist = stat.distance or default_distance(base["kind"], ref)
        scaling = scaling_of(dist)
        d = float(dist(ref, fk))
        part = part_evaluator(stat, ref, real.samples, cond_r, whole, params)
        floors, diffs = [], []
        stratify = strata if whole and strata and len(strata) > 1 else None
        for ia, ib in real_splits(n_r, n_f, method, n_splits, rng, stratify):
            a, b = part(ia), part(ib)
            na, nb = (a.n, b.n) if method == "halves" else (ref.n, fk.n)
            floors.append(float(dist(a, b)) * size_correction(scaling, ref.n, fk.n, na, nb))
            diffs.append((np.asarray(b.value) - np.asarray(a.value)) * size_correction("se", ref.n, fk.n, na, nb))
    except NotApplicable as exc:
        return StatResult(**base, verdict="skipped", n_real=n_r, n_fake=n_f, reason=str(exc) or "not applicable")
    except _RealDataError:
        raise
    except Exception as exc:  # a statistic's failure is reported, not hidden, and fails the report
        if raise_errors:
            raise
        log.warning("statistic '%s' [%s] failed: %s", stat.name, base["group_label"], exc)
        return StatResult(**base, verdict="error", n_real=n_r, n_fake=n_f,
                          reason=f"{type(exc).__name__}: {exc}")
    floors = np.asarray(floors)
    floor = float(np.sqrt(np.mean(floors**2)))  # RMS: the standard deviation for a Gaussian difference
    floor_se = (float(np.std(floors**2, ddof=1) / (2 * floor * np.sqrt(len(floors))))
                if len(floors) > 1 and floor > 0 else None)
    band = np.sqrt(np.mean(np.square(diffs), axis=0))
    verdict, reason, ratio = _verdict(d, floor, factor, stat.tolerance)
    tests, distribution = _scalar_extras(base["kind"], ref, fk)
    extra = {k: v for k, v in {"real": ref.extra, "fake": fk.extra}.items() if v}
    if hasattr(dist, "describe"):
        extra["distance"] = dist.describe()
    return StatResult(
        **base, verdict=verdict, reason=reason, n_real=int(ref.n), n_fake=int(fk.n),
        x=None if ref.x is None else ref.x.tolist(), real=_plain(ref.value), real_error=_err(ref),
        fake=_plain(fk.value), fake_error=_err(fk), noise_band=_plain(band), distance=d,
        distance_name=getattr(dist, "name", None) or getattr(dist, "__name__", "distance"),
        noise_scaling=scaling, noise_floor=floor, noise_floor_se=floor_se, noise_floor_splits=floors.tolist(),
        ratio=ratio, tests=tests, distribution=distribution, extra=extra)


def _verdict(d: float, floor: float, factor: float, tolerance: float | None):
    if not np.isfinite(d):
        return "fail", "the distance is infinite: the real values are exactly constant and the fake differs", None
    ratio = d / floor if floor > 0 else (0.0 if d == 0 else float("inf"))
    if tolerance is not None and d <= tolerance:
        return "pass", f"within the statistic's tolerance ({d:.3g} <= {tolerance:.3g})", ratio
    if d <= factor * floor:
        return "pass", f"distance {d:.3g} <= {factor:g} x noise floor {floor:.3g}", ratio
    return "fail", f"distance {d:.3g} > {factor:g} x noise floor {floor:.3g} (ratio {ratio:.3g})", ratio


def _plain(v):
    a = np.asarray(v, dtype=np.float64)
    return float(a) if a.ndim == 0 else a.tolist()


def _err(v: StatValue):
    if v.error is not None:
        return _plain(v.error)
    if v.per_sample is not None and v.per_sample.shape[0] > 1:
        ps = v.per_sample.reshape(v.per_sample.shape[0], *np.shape(v.value)) if v.per_sample[0].size == np.size(
            v.value) else None
        if ps is not None:
            return _plain(ps.std(axis=0, ddof=1) / np.sqrt(ps.shape[0]))
    return None


def _scalar_extras(kind: str, ref: StatValue, fk: StatValue) -> tuple[dict, dict | None]:
    """For scalar per-sample statistics: KS and Wasserstein between the per-sample values (independent
    samples, so these 1-D tests are valid) and the two histograms for the report's plot."""
    if kind != "scalar" or ref.per_sample is None or fk.per_sample is None:
        return {}, None
    a, b = ref.per_sample.ravel(), fk.per_sample.ravel()
    if a.size != ref.n or b.size != fk.n:  # one value per sample (not jackknife blocks, not a curve)
        return {}, None
    from scigen.validate.twosample import ks_wasserstein

    tests = ks_wasserstein(a, b)
    lo, hi = float(min(a.min(), b.min())), float(max(a.max(), b.max()))
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, 31)
    dist = {"edges": edges.tolist(),
            "real": np.histogram(a, edges, density=True)[0].tolist(),
            "fake": np.histogram(b, edges, density=True)[0].tolist()}
    return tests, dist


__all__ = ["compare", "NotApplicable", "resolve_statistics", "FLOOR_METHODS"]
