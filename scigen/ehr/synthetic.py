"""How good, how useful and how private synthetic health records are (real vs synthetic DataFrames).

Fidelity
    :func:`marginal_distances` per feature column: numeric columns on values standardised by the
    real column's mean and standard deviation, Wasserstein-1 distance and the Kolmogorov-Smirnov
    statistic; binary/categorical columns: total variation distance of the level frequencies
    (half the L1 distance, in [0, 1]); plus each side's missing fraction.
    :func:`correlation_difference` Pearson correlations of the encoded columns (numeric min-max,
    binary 0/1, categorical one-hot; pairwise-complete), mean and max absolute difference.
Utility
    :func:`tstr` train on synthetic, test on real (TSTR) AUROC next to train on real, test on real
    (TRTR) with the same classifier and the same real test set (Esteban, Hyland & Raetsch 2017).
Privacy
    :func:`privacy_check` distance to closest record (DCR) in the encoded space: each synthetic
    record's Euclidean distance to its nearest training record, compared with the same distance for
    real held-out records that the generator never saw. A generator that learned the distribution
    produces records no closer to the training set than fresh patients are; one that memorised
    produces records much closer (DCR near 0). The check fails when any synthetic record equals a
    training record (all feature values, in original units) or when more than ``max_close_fraction``
    (default 0.10, twice the 5% expected) of synthetic records are closer to the training set than
    the 5th percentile of the held-out DCRs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp, wasserstein_distance

from scigen.ehr.encoding import TableEncoder
from scigen.ehr.schema import Schema, category_codes, schema_of
from scigen.errors import InputError


def _check_columns(df: pd.DataFrame, schema: Schema, what: str) -> None:
    missing = [c for c in schema.feature_names if c not in df.columns]
    if missing:
        raise InputError(f"{what} table lacks feature column(s) {missing}")


def frequencies(s: pd.Series, categories: list) -> np.ndarray:
    """(K,) fraction of the observed entries at each category (unknown values count in the total only)."""
    codes = category_codes(s, categories)
    n_obs = int(s.notna().sum())
    counts = np.bincount(codes[codes >= 0], minlength=len(categories)).astype(np.float64)
    return counts / max(1, n_obs)


def marginal_distances(real: pd.DataFrame, fake: pd.DataFrame, schema: Schema | None = None) -> pd.DataFrame:
    """One row per feature column: kind, wasserstein, ks (numeric), tv (binary/categorical), missing rates.

    Numeric distances are in units of the real column's standard deviation.
    """
    schema = schema or schema_of(real)
    _check_columns(real, schema, "real")
    _check_columns(fake, schema, "synthetic")
    rows = []
    for spec in schema.features:
        r, f = real[spec.name], fake[spec.name]
        row = {"column": spec.name, "kind": spec.kind, "wasserstein": np.nan, "ks": np.nan, "tv": np.nan,
               "missing_real": float(r.isna().mean()), "missing_fake": float(f.isna().mean())}
        if spec.kind == "numeric":
            x = pd.to_numeric(r, errors="coerce").dropna().to_numpy(np.float64)
            y = pd.to_numeric(f, errors="coerce").dropna().to_numpy(np.float64)
            if x.size and y.size:
                mu, sd = x.mean(), x.std()
                sd = sd if sd > 0 else 1.0
                row["wasserstein"] = float(wasserstein_distance((x - mu) / sd, (y - mu) / sd))
                row["ks"] = float(ks_2samp(x, y).statistic)
        else:
            row["tv"] = float(0.5 * np.abs(frequencies(r, spec.categories) - frequencies(f, spec.categories)).sum())
        rows.append(row)
    return pd.DataFrame(rows).set_index("column")


def encoded_correlations(df: pd.DataFrame, encoder: TableEncoder) -> np.ndarray:
    """(D, D) Pearson correlations of the encoded columns (pairwise complete; 0 where undefined)."""
    enc = encoder.transform(df)
    c = pd.DataFrame(enc.values).corr(min_periods=3).to_numpy()
    return np.nan_to_num(c, nan=0.0)


def correlation_difference(real: pd.DataFrame, fake: pd.DataFrame, schema: Schema | None = None) -> dict:
    """Mean and max absolute difference of the encoded correlation matrices (upper triangle).

    Returns {"mean_abs", "max_abs", "worst_pair": (col_a, col_b), "columns": encoded names}.
    """
    schema = schema or schema_of(real)
    _check_columns(fake, schema, "synthetic")
    enc = TableEncoder(schema).fit(real)
    if enc.n_encoded < 2:
        raise InputError("correlations need at least two encoded columns")
    d = np.abs(encoded_correlations(real, enc) - encoded_correlations(fake, enc))
    iu = np.triu_indices(enc.n_encoded, k=1)
    # one-hot columns of the same variable are correlated by construction: they count like any other pair
    vals = d[iu]
    k = int(np.argmax(vals))
    return {"mean_abs": float(vals.mean()), "max_abs": float(vals[k]),
            "worst_pair": (enc.columns_[iu[0][k]], enc.columns_[iu[1][k]]), "columns": list(enc.columns_)}


def tstr(real_train: pd.DataFrame, real_test: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema | None = None,
         *, model: str = "logistic", seed: int = 0, n_boot: int = 500) -> dict:
    """TSTR vs TRTR: the same classifier trained on synthetic / on real training records, scored on real test.

    All three tables carry the label column. Returns {"tstr": scores, "trtr": scores, "auroc_ratio":
    TSTR AUROC / TRTR AUROC} with scores from :func:`scigen.ehr.metrics.prediction_scores`.
    """
    from scigen.ehr.baselines import make_classifier
    from scigen.ehr.metrics import prediction_scores

    schema = schema or schema_of(real_train)
    label = schema.label
    if label is None:
        raise InputError("TSTR needs a labelled schema (label column)")
    for what, df in (("real train", real_train), ("real test", real_test), ("synthetic", synthetic)):
        _check_columns(df, schema, what)
        if label not in df.columns:
            raise InputError(f"{what} table lacks the label column '{label}'")
        if df[label].nunique() < 2:
            raise InputError(f"{what} table has a single class in '{label}': TSTR needs both")
    enc = TableEncoder(schema).fit(real_train)
    y_test = enc.encode_labels(real_test)
    out = {}
    for name, train in (("tstr", synthetic), ("trtr", real_train)):
        clf = make_classifier(model, schema, seed=seed).fit(train, enc.encode_labels(train))
        prob = clf.predict_proba(real_test)
        out[name] = prediction_scores(y_test, prob if prob.shape[1] > 2 else prob[:, 1], n_boot=n_boot, seed=seed)
    out["auroc_ratio"] = out["tstr"]["auroc"]["value"] / out["trtr"]["auroc"]["value"]
    out["model"] = model
    return out


def _row_keys(df: pd.DataFrame, schema: Schema) -> pd.Series:
    """A hash per row of the feature values in schema dtypes (NaN equals NaN)."""
    conf = schema.conform(df, require_label=False)[schema.feature_names]
    for c in conf.columns:  # hash categories by value, not by code
        if isinstance(conf[c].dtype, pd.CategoricalDtype):
            conf[c] = conf[c].astype(object)
        elif pd.api.types.is_numeric_dtype(conf[c].dtype) and not pd.api.types.is_bool_dtype(conf[c].dtype):
            conf[c] = conf[c].astype("float64")
    return pd.util.hash_pandas_object(conf, index=False)


def nearest_distances(query: np.ndarray, reference: np.ndarray, *, batch: int = 512) -> np.ndarray:
    """(Nq,) Euclidean distance of each query row to its nearest reference row (NaN-aware).

    Missing coordinates are skipped and the squared distance rescaled by D / (coordinates present),
    scikit-learn's nan_euclidean convention.
    """
    from sklearn.metrics.pairwise import nan_euclidean_distances

    out = np.empty(query.shape[0])
    for i in range(0, query.shape[0], batch):
        d = nan_euclidean_distances(query[i:i + batch], reference)
        out[i:i + batch] = np.nanmin(np.where(np.isnan(d), np.inf, d), axis=1)
    return out


def privacy_check(train: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame, schema: Schema | None = None,
                  *, max_close_fraction: float = 0.10) -> dict:
    """Distance-to-closest-record check of synthetic records against the training records.

    Args:
        train: the records the generator was trained on.
        synthetic: generated records (same feature columns).
        holdout: real records the generator never saw (the yardstick).
        schema: the table's schema; distances use its features in the encoded space (min-max fitted on
            ``train``, one-hot categories), so each numeric feature spans [0, 1] on the training data.
        max_close_fraction: largest allowed fraction of synthetic records closer to ``train`` than the
            5th percentile of the holdout DCRs.

    Returns:
        {"n_identical": synthetic records equal to a training record, "dcr_synthetic": {"median",
        "p05"}, "dcr_holdout": {...}, "close_fraction", "passed": bool, "reasons": [...]}.
    """
    schema = schema or schema_of(train)
    for what, df in (("train", train), ("synthetic", synthetic), ("holdout", holdout)):
        _check_columns(df, schema, what)
    enc = TableEncoder(schema, handle_unknown="missing").fit(train)
    tr = enc.transform(train).values
    dcr_s = nearest_distances(enc.transform(synthetic).values, tr)
    dcr_h = nearest_distances(enc.transform(holdout).values, tr)
    keys_train = set(_row_keys(train, schema).to_numpy().tolist())
    n_identical = int(_row_keys(synthetic, schema).isin(keys_train).sum())
    p05_h = float(np.quantile(dcr_h, 0.05))
    close = float(np.mean(dcr_s < p05_h)) if p05_h > 0 else float(np.mean(dcr_s <= 0))
    reasons = []
    if n_identical:
        reasons.append(f"{n_identical} synthetic record(s) identical to a training record")
    if close > max_close_fraction:
        reasons.append(f"{close:.1%} of synthetic records are closer to the training set than the 5th percentile "
                       f"of real held-out records (allowed {max_close_fraction:.0%})")

    def summary(d):
        return {"median": float(np.median(d)), "p05": float(np.quantile(d, 0.05)), "min": float(d.min())}

    return {"n_identical": n_identical, "n_synthetic": int(len(synthetic)), "n_train": int(len(train)),
            "n_holdout": int(len(holdout)), "dcr_synthetic": summary(dcr_s), "dcr_holdout": summary(dcr_h),
            "close_fraction": close, "max_close_fraction": max_close_fraction, "passed": not reasons,
            "reasons": reasons}
