"""The generic checks every domain gets, run by :func:`scigen.validate.compare` on feature matrices.

==============  =========================================================================  =============
check           measure                                                                    null spread
==============  =========================================================================  =============
marginals       largest per-feature KS statistic (Bonferroni over features)                 KS p-values
energy          energy distance between the feature distributions                          permutations
mmd             MMD^2, RBF kernel, median-heuristic bandwidth                               permutations
classifier      held-out AUROC of a classifier telling real from fake (0.5: can't)          sqrt((m+n+1)/12mn)
memorisation    nearest-training-sample distances, fake vs held-out real                    see memorisation
==============  =========================================================================  =============

Each fails when its p-value is below ``alpha = erfc(factor / sqrt 2)`` (0.0027 for factor 3, the
two-sided normal tail at 3 sigma), unless its measure is within the tolerance the caller gave.
The sets are first subsampled to at most ``max_samples`` each, stratified so that every group
matched in both sets contributes equally many real and fake samples (the checks then compare the
distributions, not the group proportions, which the per-group statistics already cover).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from scigen.validate.data import Dataset, take
from scigen.validate.features import features_for, featurize
from scigen.validate.report import CheckResult

log = logging.getLogger("scigen.validate")
CHECKS = ("marginals", "energy", "mmd", "classifier", "memorisation")
TITLES = {
    "marginals": "Per-feature marginals (KS, Wasserstein)",
    "energy": "Energy distance (permutation test)",
    "mmd": "Maximum mean discrepancy, RBF kernel (permutation test)",
    "classifier": "Classifier two-sample test (held-out AUROC)",
    "memorisation": "Memorisation (nearest training sample)",
}


def resolve_checks(checks) -> list[str]:
    from scigen.errors import InputError

    if checks is None or checks == "none":
        return []
    if checks == "default" or checks == "all":
        return list(CHECKS)
    if isinstance(checks, str):
        checks = [c.strip() for c in checks.split(",") if c.strip()]
    unknown = [c for c in checks if c not in CHECKS]
    if unknown:
        raise InputError(f"unknown check(s) {', '.join(unknown)}; available: {', '.join(CHECKS)}")
    return list(dict.fromkeys(checks))


def stratified_pairs(real: Dataset, fake: Dataset, max_samples: int, rng: np.random.Generator):
    """Indices into real and fake: per group matched in both, the same number from each side."""
    rg, fg = real.group_index(), fake.group_index()
    common = [k for k in rg if k in fg]
    if not common:
        return np.zeros(0, int), np.zeros(0, int)
    sizes = np.array([min(len(rg[k]), len(fg[k])) for k in common], dtype=float)
    if len(common) == 1:  # one group: use all of each set (up to max_samples), sizes may differ
        k = common[0]
        nr, nf = min(len(rg[k]), max_samples), min(len(fg[k]), max_samples)
        return np.sort(rng.choice(rg[k], nr, replace=False)), np.sort(rng.choice(fg[k], nf, replace=False))
    scale = min(1.0, max_samples / sizes.sum())
    take_n = np.maximum(1, np.floor(sizes * scale)).astype(int)
    ri = [rng.choice(rg[k], t, replace=False) for k, t in zip(common, take_n)]
    fi = [rng.choice(fg[k], t, replace=False) for k, t in zip(common, take_n)]
    return np.sort(np.concatenate(ri)), np.sort(np.concatenate(fi))


def run_checks(checks, real: Dataset, fake: Dataset, train: Dataset | None, *, domain: str | None,
               features=None, factor: float = 3.0, seed: int = 0, max_samples: int = 1000,
               n_permutations: int = 500, classifier=None, tolerance: dict[str, float] | None = None,
               raise_errors: bool = False) -> list[CheckResult]:
    """Run the named checks (see :func:`resolve_checks`) and return their results."""
    from scipy.special import erfc

    names = resolve_checks(checks)
    if not names:
        return []
    alpha = float(erfc(factor / np.sqrt(2.0)))
    tolerance = tolerance or {}
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7919]))
    ri, fi = stratified_pairs(real, fake, max_samples, rng)
    results = []
    if len(ri) < 4 or len(fi) < 4:
        for name in names:
            results.append(CheckResult(name, TITLES[name], "insufficient", alpha=alpha, n_real=len(ri), n_fake=len(fi),
                                       reason="fewer than 4 samples in the groups matched in both sets"))
        return results
    fn = features if features is not None else features_for(domain)
    rs, fs = take(real.samples, ri), take(fake.samples, fi)
    ts = None
    if train is not None:
        n_t = min(len(train), max(10 * max_samples, 10000))  # nearest neighbours cost n_t per sample
        ti = np.sort(rng.choice(len(train), n_t, replace=False))
        ts = take(train.samples, ti)
    try:
        sets = [rs, fs] if ts is None else [rs, fs, ts]
        feats = featurize(sets, features=fn, names=[real.name, fake.name, getattr(train, "name", "train")])
    except Exception as exc:
        if raise_errors:
            raise
        return [CheckResult(n, TITLES[n], "error", alpha=alpha, reason=f"features failed: {type(exc).__name__}: {exc}")
                for n in names]
    xr, xf = feats[0], feats[1]
    for name in names:
        log.info("validate: check %s", name)
        try:
            if name == "memorisation":
                if ts is None:
                    res = CheckResult(name, TITLES[name], "skipped", alpha=alpha,
                                      reason="no training set given (train= / --train): memorisation not checked")
                else:
                    res = _memorisation(xr, xf, feats[2], rs, fs, ts, alpha)
            elif xr.shape[1] == 0:
                res = CheckResult(name, TITLES[name], "pass", alpha=alpha, n_real=len(xr), n_fake=len(xf),
                                  reason="every feature is constant and equal in both sets")
            else:
                res = _RUNNERS[name](xr, xf, alpha=alpha, seed=seed, n_permutations=n_permutations,
                                     classifier=classifier)
        except Exception as exc:
            if raise_errors:
                raise
            log.warning("check '%s' failed: %s", name, exc)
            res = CheckResult(name, TITLES[name], "error", alpha=alpha, reason=f"{type(exc).__name__}: {exc}")
        res.tolerance = tolerance.get(name)
        _apply_tolerance(res)
        results.append(res)
    return results


def _apply_tolerance(res: CheckResult) -> None:
    if res.verdict == "fail" and res.tolerance is not None and res.statistic is not None:
        effect = res.statistic - (res.null_mean or 0.0)
        if effect <= res.tolerance:
            res.verdict = "pass"
            res.reason += f"; but within the given tolerance ({effect:.3g} <= {res.tolerance:.3g})"


def _verdict(p: float, alpha: float, what: str) -> tuple[str, str]:
    if p < alpha:
        return "fail", f"{what}: p = {p:.2g} < alpha = {alpha:.2g}"
    return "pass", f"{what}: p = {p:.2g} >= alpha = {alpha:.2g}"


def _marginals(x, y, *, alpha, **_) -> CheckResult:
    from scipy import stats as st

    from scigen.validate.twosample import marginal_tests

    r = marginal_tests(x, y)
    d = x.shape[1]
    j = int(np.argmin(r["ks_p"]))
    p = float(min(1.0, r["ks_p"][j] * d))
    verdict, reason = _verdict(p, alpha, f"worst of {d} features is #{j} (KS {r['ks'][j]:.3g}), Bonferroni")
    order = np.argsort(r["ks_p"])[:10]
    return CheckResult("marginals", TITLES["marginals"], verdict, reason, "max KS", float(r["ks"].max()),
                       z=float(st.norm.isf(p / 2)) if p < 1 else 0.0, p_value=p, alpha=alpha,
                       n_real=len(x), n_fake=len(y),
                       details={"n_features": d, "ks": r["ks"].tolist(), "ks_p": r["ks_p"].tolist(),
                                "wasserstein_per_sd": r["wasserstein_per_sd"].tolist(),
                                "worst_features": order.tolist()})


def _perm(name, fn, x, y, *, alpha, seed, n_permutations, **_) -> CheckResult:
    r = fn(x, y, n_permutations=n_permutations, seed=seed)
    verdict, reason = _verdict(r.p_value, alpha, f"{n_permutations} permutations, z = {r.z:.3g}")
    hist, edges = np.histogram(r.null, bins=30)
    return CheckResult(name, TITLES[name], verdict, reason, "energy distance" if name == "energy" else "MMD^2",
                       r.statistic, r.null_mean, r.null_sd, r.z, r.p_value, alpha, n_real=len(x), n_fake=len(y),
                       details={"n_permutations": n_permutations, "null_hist": hist.tolist(),
                                "null_edges": edges.tolist(), "n_features": x.shape[1], **r.extra})


def _energy(x, y, **kw) -> CheckResult:
    from scigen.validate.twosample import energy_test

    return _perm("energy", energy_test, x, y, **kw)


def _mmd(x, y, **kw) -> CheckResult:
    from scigen.validate.twosample import mmd_test

    return _perm("mmd", mmd_test, x, y, **kw)


def _classifier(x, y, *, alpha, seed, classifier=None, **_) -> CheckResult:
    from scigen.validate.twosample import classifier_test

    r = classifier_test(x, y, classifier=classifier, seed=seed)
    lo, hi = r["ci"]
    verdict, reason = _verdict(r["p_value"], alpha, f"AUROC {r['auroc']:.3f} (95% CI {lo:.3f}-{hi:.3f})")
    details = {k: v for k, v in r.items() if k not in ("auroc", "ci", "null_sd", "z", "p_value")}
    return CheckResult("classifier", TITLES["classifier"], verdict, reason, "AUROC", r["auroc"], 0.5,
                       r["null_sd"], r["z"], r["p_value"], alpha, ci=r["ci"], n_real=len(x), n_fake=len(y),
                       details={**details, "n_features": x.shape[1]})


def _memorisation(xr, xf, xt, rs, fs, ts, alpha) -> CheckResult:
    from scigen.validate.memorisation import memorisation_test

    r = memorisation_test(xf, xr, xt, fake_raw=fs, real_raw=rs, train_raw=ts, alpha=alpha)
    q_fake, q_real = r.pop("q_fake"), r.pop("q_real")
    r.pop("d_fake"), r.pop("d_real")
    finite = np.r_[q_fake, q_real]
    finite = finite[np.isfinite(finite)]
    hi = float(max(np.quantile(finite, 0.99), 1e-12)) if finite.size else 1.0
    edges = np.linspace(0.0, hi, 31)
    r["hist_edges"] = edges.tolist()
    r["hist_fake"] = np.histogram(np.minimum(q_fake, hi), edges)[0].tolist()
    r["hist_real"] = np.histogram(np.minimum(q_real, hi), edges)[0].tolist()
    if r["real_copy_fraction"] > 0.5 and r["real_duplicate_fraction"] < 0.5 * r["real_copy_fraction"]:
        verdict = "error"
        reason = (f"{100 * r['real_copy_fraction']:.0f}% of the real samples are copies of training samples: the "
                  "memorisation check needs real data that was not used for training (held-out)")
    else:
        verdict = "fail" if r["flagged"] else "pass"
        reason = (f"fake copies of training samples {100 * r['fake_copy_fraction']:.1f}% (held-out real "
                  f"{100 * r['real_copy_fraction']:.1f}%); nearness AUC {r['nearness_auc']:.3f} (0.5: fake as near "
                  f"to the training set as fresh real data); p = {r['p_value']:.2g}")
    return CheckResult("memorisation", TITLES["memorisation"], verdict, reason, "nearness AUC",
                       r["nearness_auc"], 0.5, r["nearness_null_sd"], r["z_near"], r["p_value"], alpha,
                       n_real=len(xr), n_fake=len(xf), details=r)


_RUNNERS: dict[str, Any] = {"marginals": _marginals, "energy": _energy, "mmd": _mmd, "classifier": _classifier}
