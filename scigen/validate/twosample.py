"""Two-sample tests on feature matrices: 1-D (KS, Wasserstein), multivariate (energy distance, MMD
with permutation p-values), and the classifier two-sample test (held-out AUROC with a DeLong CI).

All take ``x`` = real features (n, d) and ``y`` = fake features (m, d), rows independent samples.
Apply them to per-sample quantities (one row per map, molecule, record), never to pooled correlated
pixels: neighbouring pixels of one map are not independent draws, and a KS test over them rejects
two independent draws of the same random field.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats as _st



@dataclass
class PermutationResult:
    """A statistic and its permutation null: ``z = (statistic - null_mean) / null_sd``, one-sided p."""

    statistic: float
    null_mean: float
    null_sd: float
    z: float
    p_value: float
    n_permutations: int
    null: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    extra: dict[str, Any] = field(default_factory=dict)


def ks_wasserstein(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """KS statistic and p-value, and the Wasserstein-1 distance (raw and in units of the std of ``a``)
    between two 1-D samples of independent values (per-sample statistics, one feature)."""
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    with warnings.catch_warnings():  # with ties (discrete values) scipy falls back to the asymptotic p
        warnings.simplefilter("ignore", RuntimeWarning)
        ks = _st.ks_2samp(a, b, method="auto" if a.size * b.size <= 10_000 else "asymp")  # exact is slow
    w = float(_st.wasserstein_distance(a, b))
    sd = float(a.std(ddof=1)) if a.size > 1 else 0.0
    return {"ks": float(ks.statistic), "ks_p": float(ks.pvalue), "wasserstein": w,
            "wasserstein_per_sd": w / sd if sd > 0 else None}


def marginal_tests(x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """Per-feature KS statistic, KS p-value and Wasserstein-1 in units of the real feature's std."""
    d = x.shape[1]
    ks = np.zeros(d)
    p = np.ones(d)
    w = np.zeros(d)
    for j in range(d):
        r = ks_wasserstein(x[:, j], y[:, j])
        ks[j], p[j] = r["ks"], r["ks_p"]
        w[j] = r["wasserstein_per_sd"] if r["wasserstein_per_sd"] is not None else r["wasserstein"]
    return {"ks": ks, "ks_p": p, "wasserstein_per_sd": w}


def _pairwise_distances(z: np.ndarray) -> np.ndarray:
    sq = np.einsum("ij,ij->i", z, z)
    d2 = sq[:, None] + sq[None, :] - 2.0 * (z @ z.T)
    np.maximum(d2, 0.0, out=d2)
    np.fill_diagonal(d2, 0.0)
    return d2


def _permute(m: np.ndarray, n: int, n_permutations: int, rng: np.random.Generator):
    """Block sums (XX, YY, XY) of symmetric ``m`` (zero diagonal) for the observed split (first n rows
    are X) and ``n_permutations`` random relabellings, all with one matrix product."""
    total_n = m.shape[0]
    s = np.zeros((total_n, n_permutations + 1))
    s[:n, 0] = 1.0
    for p in range(1, n_permutations + 1):
        s[rng.permutation(total_n)[:n], p] = 1.0
    ms = m @ s
    rows = m.sum(axis=1)
    sxx = (s * ms).sum(axis=0)
    sxy = (s * (rows[:, None] - ms)).sum(axis=0)
    syy = m.sum() - 2.0 * sxy - sxx
    return sxx, syy, sxy


def _result(values: np.ndarray, n_permutations: int, **extra) -> PermutationResult:
    obs, null = float(values[0]), values[1:]
    sd = float(null.std(ddof=1)) if null.size > 1 else 0.0
    mean = float(null.mean()) if null.size else 0.0
    z = (obs - mean) / sd if sd > 0 else (0.0 if obs <= mean else np.inf)
    p = float((1 + np.sum(null >= obs)) / (1 + null.size))
    return PermutationResult(obs, mean, sd, float(z), p, n_permutations, null, dict(extra))


def energy_test(x: np.ndarray, y: np.ndarray, *, n_permutations: int = 200, seed: int = 0) -> PermutationResult:
    """Energy distance 2 E|X-Y| - E|X-X'| - E|Y-Y'| (Szekely & Rizzo; U-statistic within sets) with a
    permutation null. Zero in expectation for equal distributions; scales like 1/n (a variance)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    n, m = len(x), len(y)
    dist = np.sqrt(_pairwise_distances(np.vstack([x, y])))
    sxx, syy, sxy = _permute(dist, n, n_permutations, np.random.default_rng(seed))
    e = 2.0 * sxy / (n * m) - sxx / (n * (n - 1)) - syy / (m * (m - 1))
    return _result(e, n_permutations)


def mmd_test(x: np.ndarray, y: np.ndarray, *, bandwidth: float | None = None, n_permutations: int = 200,
             seed: int = 0) -> PermutationResult:
    """Unbiased MMD^2 with an RBF kernel exp(-|a-b|^2 / (2 h^2)) (Gretton et al. 2012), bandwidth h by
    the median heuristic (median pairwise distance of the pooled samples) unless given, with a
    permutation null."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    n, m = len(x), len(y)
    d2 = _pairwise_distances(np.vstack([x, y]))
    if bandwidth is None:
        off = d2[np.triu_indices_from(d2, k=1)]
        bandwidth = float(np.sqrt(np.median(off))) if off.size else 1.0
        if bandwidth <= 0:
            bandwidth = 1.0
    k = np.exp(-d2 / (2.0 * bandwidth**2))
    np.fill_diagonal(k, 0.0)
    sxx, syy, sxy = _permute(k, n, n_permutations, np.random.default_rng(seed))
    mmd2 = sxx / (n * (n - 1)) + syy / (m * (m - 1)) - 2.0 * sxy / (n * m)
    return _result(mmd2, n_permutations, bandwidth=bandwidth)



def delong(scores_pos: np.ndarray, scores_neg: np.ndarray) -> tuple[float, float]:
    """AUROC of scores (positives should score higher) and its DeLong variance (DeLong et al. 1988,
    computed with midranks as in Sun & Xu 2014)."""
    pos = np.asarray(scores_pos, float)
    neg = np.asarray(scores_neg, float)
    m, n = len(pos), len(neg)
    tz = _st.rankdata(np.concatenate([pos, neg]))
    tx, ty = _st.rankdata(pos), _st.rankdata(neg)
    auc = (tz[:m].sum() - m * (m + 1) / 2.0) / (m * n)
    v10 = (tz[:m] - tx) / n
    v01 = 1.0 - (tz[m:] - ty) / m
    var = (v10.var(ddof=1) / m if m > 1 else 0.0) + (v01.var(ddof=1) / n if n > 1 else 0.0)
    return float(auc), float(var)


def auroc_null_sd(m: int, n: int) -> float:
    """Standard deviation of the AUROC of an uninformative score: sqrt((m + n + 1) / (12 m n))."""
    return float(np.sqrt((m + n + 1) / (12.0 * m * n)))


def default_classifier(seed: int = 0):
    """Gradient-boosted trees: catch shifts, changes of width and of correlation alike, on any scale."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, max_leaf_nodes=15,
                                          early_stopping=False, random_state=seed)


def classifier_test(x: np.ndarray, y: np.ndarray, *, classifier=None, test_fraction: float = 0.5,
                    seed: int = 0) -> dict[str, Any]:
    """Classifier two-sample test: train a classifier to tell real (0) from fake (1) on a stratified
    part of the samples, score the held-out rest.

    Returns a dict: ``auroc`` (0.5 = indistinguishable, 1 = perfectly separated), ``ci`` (95 %,
    DeLong), ``se`` (DeLong), ``null_sd`` (sd of the AUROC of an uninformative classifier on this
    test set), ``z = (auroc - 0.5) / null_sd``, one-sided ``p_value``, test-set sizes and a
    down-sampled ROC curve (``fpr``, ``tpr``). ``classifier`` is any scikit-learn estimator with
    ``predict_proba`` or ``decision_function`` (default :func:`default_classifier`).
    """
    from sklearn.base import clone
    from sklearn.metrics import roc_curve
    from sklearn.model_selection import train_test_split

    feats = np.vstack([x, y]).astype(np.float64)
    target = np.r_[np.zeros(len(x), dtype=int), np.ones(len(y), dtype=int)]
    tr_x, te_x, tr_y, te_y = train_test_split(feats, target, test_size=test_fraction, stratify=target,
                                              random_state=seed)
    clf = clone(classifier) if classifier is not None else default_classifier(seed)
    clf.fit(tr_x, tr_y)
    if hasattr(clf, "predict_proba"):
        score = clf.predict_proba(te_x)[:, 1]
    else:
        score = clf.decision_function(te_x)
    pos, neg = score[te_y == 1], score[te_y == 0]
    auc, var = delong(pos, neg)
    se = float(np.sqrt(var))
    null_sd = auroc_null_sd(len(pos), len(neg))
    z = (auc - 0.5) / null_sd
    fpr, tpr, _ = roc_curve(te_y, score)
    keep = np.unique(np.linspace(0, len(fpr) - 1, min(len(fpr), 200)).astype(int))
    return {"auroc": auc, "ci": [max(0.0, auc - 1.96 * se), min(1.0, auc + 1.96 * se)], "se": se,
            "null_sd": null_sd, "z": float(z), "p_value": float(_st.norm.sf(z)),
            "n_test_real": int(len(neg)), "n_test_fake": int(len(pos)), "n_train": int(len(tr_y)),
            "classifier": type(clf).__name__, "fpr": fpr[keep].tolist(), "tpr": tpr[keep].tolist()}
