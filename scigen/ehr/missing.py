"""Missingness masks for imputation experiments: MCAR, MAR and MNAR at a chosen rate and seed.

    masked, removed = ampute(df, "mar", rate=0.2, seed=0)      # removed: DataFrame of bool

Which entries can be removed: feature entries that are observed in ``df`` (natively missing entries
stay missing and are never counted as removed), outside the label and id columns, the ``keep``
columns and, under MAR, the predictor columns. ``rate`` is the fraction of those *maskable* entries
that is removed, the convention of Muzellec et al. (ICML 2020, "rate of missing values in the
variables that have missing values"); the realised rate is stored in ``masked.attrs``.

Mechanisms (Rubin's taxonomy):
    mcar   every maskable entry equally likely: exactly round(rate * n) of them, uniformly at random.
    mar    missingness depends only on observed values: a few fully observed columns (``predictors``,
           else ``max(1, round(obs_fraction * F))`` picked at random; never masked) drive a logistic
           model per target column, P(miss x_ij) = sigmoid(strength * w_j . z_i + b_j), z the
           standardised predictors, w_j random with w_j . z of unit variance, b_j fitted so the
           column's mean probability is ``rate``.
    mnar   missingness depends on the value itself (self-masking). ``mnar_model="logistic"``:
           P(miss x_ij) = sigmoid(strength * z_ij + b_j), z_ij the standardised value (higher values
           go missing more often; a random effect per level for categorical columns).
           ``mnar_model="quantile"``: values above the column's ``quantile`` (default (1 - rate) / 2)
           are removed with the probability that gives ``rate``, those below never (numeric
           columns; other kinds use the logistic model).
MAR and MNAR draw each entry independently, so their realised rate is within a few binomial
standard deviations sqrt(rate (1 - rate) / n) of ``rate``.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy.special import expit

from scigen.ehr.schema import Schema, attach_schema, category_codes, schema_of
from scigen.errors import InputError

MECHANISMS = ("mcar", "mar", "mnar")
AMPUTE_ATTR = "scigen_ehr_ampute"


def _standardise(x: np.ndarray) -> np.ndarray:
    mu = np.nanmean(x, axis=0)
    sd = np.nanstd(x, axis=0)
    return (x - mu) / np.where(sd > 0, sd, 1.0)


def _fit_intercepts(logits: np.ndarray, eligible: np.ndarray, rate: float) -> np.ndarray:
    """(T,) intercepts b with mean over eligible rows of sigmoid(logits + b) = rate, per column."""
    lo = np.full(logits.shape[1], -60.0)
    hi = np.full(logits.shape[1], 60.0)
    n = np.maximum(eligible.sum(axis=0), 1)
    for _ in range(80):
        mid = (lo + hi) / 2
        p = np.where(eligible, expit(logits + mid), 0.0).sum(axis=0) / n
        hi = np.where(p > rate, mid, hi)
        lo = np.where(p > rate, lo, mid)
    return (lo + hi) / 2


def _own_values(df: pd.DataFrame, schema: Schema, name: str, rng: np.random.Generator) -> np.ndarray:
    """(N,) standardised value of a column for self-masking (NaN where missing)."""
    spec = schema[name]
    s = df[name]
    if spec.kind == "numeric":
        x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        codes = category_codes(s, spec.categories)
        if spec.kind == "binary":
            x = codes.astype(np.float64)
        else:  # a random effect per level: some levels go missing more often than others
            effect = rng.standard_normal(len(spec.categories))
            x = effect[np.maximum(codes, 0)]
        x[codes < 0] = np.nan
    return _standardise(x[:, None])[:, 0]


def ampute(
    df: pd.DataFrame,
    mechanism: str = "mcar",
    rate: float = 0.2,
    seed: int | np.random.Generator = 0,
    *,
    schema: Schema | None = None,
    label: str | None = None,
    keep: Iterable[str] = (),
    predictors: Sequence[str] | None = None,
    obs_fraction: float = 0.1,
    mnar_model: str = "logistic",
    strength: float = 2.0,
    quantile: float | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Remove entries of ``df`` under ``mechanism`` (see the module doc).

    Args:
        df: the table (N rows); its label (``schema.label`` or ``label``) and id columns are never masked.
        mechanism: "mcar", "mar" or "mnar".
        rate: fraction in (0, 1) of the maskable entries to remove.
        seed: int or numpy Generator (the only randomness used).
        schema: the table's schema (default: the one attached to ``df``, else inferred with ``label``).
        keep: feature columns that stay fully observed.
        predictors: MAR only: the fully observed columns missingness depends on.
        obs_fraction: MAR only: fraction of feature columns used as predictors when none are given.
        mnar_model: "logistic" or "quantile".
        strength: slope of the MAR/MNAR logistic models (0 gives MCAR).
        quantile: MNAR "quantile" only: the level above which values may go missing.

    Returns:
        (masked copy of ``df`` with removed entries set missing, same dtypes where they can hold a
        missing value; ``removed``, a bool DataFrame like ``df``, True where an entry was removed).
        ``masked.attrs["scigen_ehr_ampute"]`` records mechanism, target and realised rate, predictors.
    """
    mechanism = str(mechanism).lower()
    if mechanism not in MECHANISMS:
        raise InputError(f"mechanism must be one of {MECHANISMS}, got {mechanism!r}")
    if not 0.0 < float(rate) < 1.0:
        raise InputError(f"rate must lie strictly between 0 and 1, got {rate}")
    if mnar_model not in ("logistic", "quantile"):
        raise InputError(f"mnar_model must be 'logistic' or 'quantile', got {mnar_model!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if schema is None:
        schema = schema_of(df, label=label)
    elif label is not None and label != schema.label:
        raise InputError(f"label '{label}' differs from the schema's label '{schema.label}'")
    schema.validate(df, require_label=schema.label is not None)
    keep = list(keep)
    features = schema.feature_names
    bad = [k for k in keep if k not in features]
    if bad:
        raise InputError(f"keep names column(s) {bad} that are not feature columns {features}")
    observed = df[features].notna().to_numpy()
    fully = [c for c, ok in zip(features, observed.all(axis=0)) if ok]

    preds: list[str] = []
    if mechanism == "mar":
        if predictors is not None:
            preds = list(predictors)
            bad = [p for p in preds if p not in features]
            if bad:
                raise InputError(f"MAR predictors {bad} are not feature columns {features}")
            partial = [p for p in preds if p not in fully]
            if partial:
                raise InputError(f"MAR predictors {partial} have missing values: MAR needs fully observed predictors")
        else:
            candidates = [c for c in fully]
            if not candidates:
                raise InputError("MAR needs at least one fully observed feature column to depend on; none is")
            k = min(len(candidates), max(1, int(round(obs_fraction * len(features)))))
            preds = [candidates[i] for i in sorted(rng.choice(len(candidates), size=k, replace=False))]
    targets = [c for c in features if c not in keep and c not in preds]
    if not targets:
        raise InputError("no column is left to mask (all are label, id, keep or MAR predictors)")
    tidx = [features.index(c) for c in targets]
    eligible = observed[:, tidx]  # (N, T)
    n_elig = int(eligible.sum())
    if n_elig == 0:
        raise InputError("no observed entry to mask")

    if mechanism == "mcar":
        flat = np.flatnonzero(eligible.ravel())
        chosen = rng.choice(flat, size=int(round(rate * n_elig)), replace=False)
        rem = np.zeros(eligible.size, dtype=bool)
        rem[chosen] = True
        rem = rem.reshape(eligible.shape)
    else:
        if mechanism == "mar":
            from scigen.ehr.encoding import TableEncoder

            sub = Schema([schema[c] for c in preds])
            z = _standardise(TableEncoder(sub, numeric="standard").fit_transform(df[preds]).values)
            w = rng.standard_normal((z.shape[1], len(targets)))
            lin = z @ w
            lin = lin / np.where(lin.std(axis=0) > 0, lin.std(axis=0), 1.0)
            logits = strength * lin
        else:
            own = np.stack([_own_values(df, schema, c, rng) for c in targets], axis=1)
            logits = strength * np.nan_to_num(own)
        prob = expit(logits + _fit_intercepts(logits, eligible, rate))
        if mechanism == "mnar" and mnar_model == "quantile":
            q = (1.0 - rate) / 2 if quantile is None else float(quantile)
            if not 0.0 <= q < 1.0 - rate + 1e-12:
                raise InputError(f"quantile must lie in [0, 1 - rate] = [0, {1 - rate:.3f}], got {q}")
            for j, c in enumerate(targets):
                if schema[c].kind != "numeric":
                    continue
                x = pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
                above = x > np.nanquantile(x, q)
                p_above = min(1.0, rate * eligible[:, j].sum() / max(1, (above & eligible[:, j]).sum()))
                prob[:, j] = np.where(above, p_above, 0.0)
        rem = (rng.random(prob.shape) < prob) & eligible

    removed = pd.DataFrame(False, index=df.index, columns=df.columns)
    for j, c in enumerate(targets):
        removed[c] = rem[:, j]
    masked = df.copy()
    for c in targets:
        col = rem[:, targets.index(c)]
        if col.any():
            masked[c] = _set_missing(masked[c], col)
    realised = float(rem.sum() / n_elig)
    info = {"mechanism": mechanism, "rate": float(rate), "realised_rate": realised,
            "removed": int(rem.sum()), "maskable": n_elig, "predictors": preds, "keep": keep,
            "overall_missing_rate": float(masked[features].isna().to_numpy().mean())}
    if mechanism == "mnar":
        info["mnar_model"] = mnar_model
    attach_schema(masked, schema)
    masked.attrs[AMPUTE_ATTR] = info
    removed.attrs[AMPUTE_ATTR] = dict(info)
    return masked, removed


def _set_missing(s: pd.Series, where: np.ndarray) -> pd.Series:
    """``s`` with entries at ``where`` missing; int/bool columns become nullable Int64/boolean."""
    dtype = s.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        s = s.astype({"i": "Int64", "u": "UInt64", "b": "boolean"}[dtype.kind])
    return s.mask(pd.Series(where, index=s.index))
