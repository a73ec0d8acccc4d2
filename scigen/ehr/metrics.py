"""Imputation and disease-prediction metrics (pure functions on arrays and DataFrames).

Imputation, the GAIN way (Yoon, Jordon & van der Schaar, ICML 2018, and their code): each column is
min-max normalised with the minimum and range of the *true* data (range + 1e-6), and the RMSE is
taken over the removed entries only, pooled over all columns:

    RMSE = sqrt( sum_{ij removed} (xhat_ij - x_ij)^2 / (range_j + 1e-6)^2  /  #removed )

For mixed tables the RMSE pools the numeric columns; binary and categorical columns are scored by
accuracy (fraction of removed entries given back their true category). On an all-numeric table
(the breast cancer benchmark) :func:`gain_rmse` is exactly GAIN's ``rmse_loss``.

Prediction: AUROC (Mann-Whitney, ties counted one half), AUPRC (average precision, the step-wise
area scikit-learn computes), Brier score, each with a percentile bootstrap confidence interval
over patients (:func:`prediction_scores`). Multi-class: one-vs-rest macro AUROC/AUPRC, Brier summed
over classes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from scigen.ehr.schema import Schema, schema_of
from scigen.errors import InputError

GAIN_EPS = 1e-6


# ---------------------------------------------------------------------------------------------
# imputation
# ---------------------------------------------------------------------------------------------
def _as_float(a, what: str) -> np.ndarray:
    if isinstance(a, (pd.DataFrame, pd.Series)):
        arr = a.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        arr = np.asarray(a, dtype=np.float64)
    if arr.ndim != 2:
        raise InputError(f"{what} must be 2-D (N, d), got shape {arr.shape}")
    return arr


def gain_rmse(true, imputed, removed) -> float:
    """GAIN's RMSE over removed entries of min-max normalised data (see module doc).

    Args:
        true: (N, d) true values (NaN allowed outside the removed entries: native missing values).
        imputed: (N, d) imputed values; must be finite on the removed entries.
        removed: (N, d) bool, True where an entry was removed and imputed.
    """
    x = _as_float(true, "true")
    xh = _as_float(imputed, "imputed")
    m = np.asarray(removed, dtype=bool)
    if not (x.shape == xh.shape == m.shape):
        raise InputError(f"true {x.shape}, imputed {xh.shape} and removed {m.shape} must have the same shape")
    if not m.any():
        raise InputError("no entry is marked removed: nothing to score")
    if np.isnan(x[m]).any():
        raise InputError("true values are missing on some removed entries: their truth is unknown")
    if not np.isfinite(xh[m]).all():
        raise InputError(f"imputed values are missing/inf on {int((~np.isfinite(xh[m])).sum())} removed entries")
    lo = np.nanmin(x, axis=0)
    scale = np.nanmax(x, axis=0) - lo + GAIN_EPS
    err = ((xh - x) / scale)[m]
    return float(np.sqrt(np.mean(err**2)))


@dataclass
class ImputationScores:
    """Imputation quality on removed entries.

    rmse: GAIN RMSE over numeric columns (None without removed numeric entries); rmse_per_column:
    the same per numeric column; accuracy: over binary+categorical removed entries (None without
    any); accuracy_per_column; n_numeric / n_categorical: removed entries scored.
    """

    rmse: float | None
    accuracy: float | None
    rmse_per_column: dict = field(default_factory=dict)
    accuracy_per_column: dict = field(default_factory=dict)
    n_numeric: int = 0
    n_categorical: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


def imputation_scores(true: pd.DataFrame, imputed: pd.DataFrame, removed: pd.DataFrame,
                      schema: Schema | None = None) -> ImputationScores:
    """Score an imputed table against the true one on the entries in ``removed`` (bool DataFrame).

    ``true`` is the table before masking; ``imputed`` has the same columns; ``removed`` is what
    :func:`scigen.ehr.missing.ampute` returned. Only feature columns of the schema are scored.
    """
    schema = schema or schema_of(true)
    for name, df in (("imputed", imputed), ("removed", removed)):
        missing = [c for c in schema.feature_names if c not in df.columns]
        if missing:
            raise InputError(f"{name} table lacks column(s) {missing}")
    if len(true) != len(imputed) or len(true) != len(removed):
        raise InputError(f"true ({len(true)}), imputed ({len(imputed)}) and removed ({len(removed)}) row counts differ")
    num = schema.names_of("numeric")
    cat = schema.names_of("binary", "categorical")
    rm = removed[schema.feature_names].to_numpy(dtype=bool)
    if not rm.any():
        raise InputError("no entry is marked removed: nothing to score")
    rmse = None
    per_col: dict[str, float] = {}
    n_num = 0
    if num:
        m = removed[num].to_numpy(dtype=bool)
        n_num = int(m.sum())
        if n_num:
            x = _as_float(true[num], "true")
            xh = _as_float(imputed[num], "imputed")
            rmse = gain_rmse(x, xh, m)
            for j, c in enumerate(num):
                if m[:, j].any():
                    per_col[c] = gain_rmse(x[:, [j]], xh[:, [j]], m[:, [j]])
    acc = None
    acc_col: dict[str, float] = {}
    n_cat = 0
    hits = 0
    for c in cat:
        m = removed[c].to_numpy(dtype=bool)
        if not m.any():
            continue
        t = true[c].to_numpy(dtype=object)[m]
        p = imputed[c].to_numpy(dtype=object)[m]
        if pd.isna(p).any():
            raise InputError(f"imputed column '{c}' is missing on {int(pd.isna(p).sum())} removed entries")
        ok = np.array([a == b for a, b in zip(t, p)], dtype=bool)
        acc_col[c] = float(ok.mean())
        hits += int(ok.sum())
        n_cat += int(m.sum())
    if n_cat:
        acc = hits / n_cat
    return ImputationScores(rmse, acc, per_col, acc_col, n_num, n_cat)


# ---------------------------------------------------------------------------------------------
# prediction
# ---------------------------------------------------------------------------------------------
def _binary_inputs(y, score) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y)
    s = np.asarray(score, dtype=np.float64)
    if y.ndim != 1 or s.shape != y.shape:
        raise InputError(f"labels (N,) and scores (N,) must match, got {y.shape} and {s.shape}")
    if not np.isfinite(s).all():
        raise InputError("scores contain NaN/inf")
    yb = y.astype(bool) if y.dtype != bool else y
    if set(np.unique(y).tolist()) - {0, 1, True, False}:
        raise InputError(f"binary labels must be 0/1, got values {np.unique(y)[:5]}")
    return yb, s


def auroc(y, score) -> float:
    """Area under the ROC curve of scores (N,) for 0/1 labels (N,); ties count one half.

    1 for a perfect ranking, 0.5 for a constant score. Raises when only one class is present.
    """
    yb, s = _binary_inputs(y, score)
    n1 = int(yb.sum())
    n0 = yb.size - n1
    if n1 == 0 or n0 == 0:
        raise InputError("AUROC needs both classes among the labels")
    r = rankdata(s)
    return float((r[yb].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def auprc(y, score) -> float:
    """Average precision: sum over score thresholds of (recall step) x precision (scikit-learn's)."""
    yb, s = _binary_inputs(y, score)
    if not yb.any():
        raise InputError("AUPRC needs at least one positive label")
    order = np.argsort(-s, kind="mergesort")
    s_sorted, y_sorted = s[order], yb[order]
    last = np.r_[np.flatnonzero(np.diff(s_sorted)), s.size - 1]  # last index of each distinct score
    tps = np.cumsum(y_sorted)[last]
    precision = tps / (last + 1)
    recall = tps / tps[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def brier(y, prob) -> float:
    """Brier score: mean squared difference between predicted probabilities and outcomes.

    Binary: y (N,) 0/1 and prob (N,) of class 1. Multi-class: y (N,) codes 0..K-1 and prob (N, K);
    the squared error is summed over classes (Brier's original score, 2x the binary one).
    """
    p = np.asarray(prob, dtype=np.float64)
    y = np.asarray(y)
    if p.ndim == 1:
        yb, p = _binary_inputs(y, p)
        return float(np.mean((p - yb) ** 2))
    onehot = np.eye(p.shape[1])[y.astype(np.int64)]
    return float(np.mean(np.sum((p - onehot) ** 2, axis=1)))


def _metric_fns(prob: np.ndarray):
    if prob.ndim == 1:
        return {"auroc": auroc, "auprc": auprc, "brier": brier,
                "accuracy": lambda y, p: float(np.mean((p >= 0.5) == y.astype(bool)))}

    def macro(fn):
        def f(y, p):
            present = [k for k in range(p.shape[1]) if 0 < np.sum(y == k) < y.size]
            if not present:
                raise InputError("one-vs-rest scores need at least two classes among the labels")
            return float(np.mean([fn(y == k, p[:, k]) for k in present]))
        return f

    return {"auroc": macro(auroc), "auprc": macro(auprc), "brier": brier,
            "accuracy": lambda y, p: float(np.mean(np.argmax(p, axis=1) == y))}


def prediction_scores(y, prob, *, n_boot: int = 1000, ci: float = 0.95, seed: int = 0) -> dict:
    """AUROC, AUPRC, Brier and accuracy with percentile-bootstrap confidence intervals.

    Args:
        y: (N,) labels: 0/1, or class codes 0..K-1 with ``prob`` (N, K).
        prob: (N,) probability of class 1, or (N, K) class probabilities.
        n_boot: bootstrap resamples of the N patients (0 skips the intervals).
        ci: coverage of the interval.
        seed: bootstrap seed.

    Returns:
        {"n": N, "prevalence": fraction of class 1 (per class when K > 2),
        metric: {"value", "low", "high", "se"}} for each metric; the
        interval bounds are the (1-ci)/2 and (1+ci)/2 quantiles over resamples that hold both classes.
    """
    y = np.asarray(y)
    p = np.asarray(prob, dtype=np.float64)
    if y.shape[0] != p.shape[0]:
        raise InputError(f"labels ({y.shape[0]}) and probabilities ({p.shape[0]}) differ in length")
    if p.ndim == 2 and p.shape[1] == 2:  # binary given as two columns
        p = p[:, 1]
    fns = _metric_fns(p)
    if p.ndim == 1:
        prevalence = float(np.mean(y.astype(np.float64)))
    else:
        prevalence = [float(np.mean(y == k)) for k in range(p.shape[1])]
    out: dict = {"n": int(y.size), "prevalence": prevalence}
    point = {k: f(y, p) for k, f in fns.items()}
    boots: dict[str, list[float]] = {k: [] for k in fns}
    rng = np.random.default_rng(seed)
    for _ in range(n_boot):
        idx = rng.integers(0, y.size, y.size)
        yb, pb = y[idx], p[idx]
        if np.unique(yb).size < 2:
            continue
        for k, f in fns.items():
            boots[k].append(f(yb, pb))
    a = (1 - ci) / 2
    for k, v in point.items():
        b = np.asarray(boots[k])
        if b.size:
            out[k] = {"value": v, "low": float(np.quantile(b, a)), "high": float(np.quantile(b, 1 - a)),
                      "se": float(b.std(ddof=1)) if b.size > 1 else None}
        else:
            out[k] = {"value": v, "low": None, "high": None, "se": None}
    out["n_boot"] = int(len(boots["auroc"]))
    return out
