"""The ehr statistics registered with :mod:`scigen.validate` (domain "ehr").

Samples are pandas DataFrames, one row per patient; ``scigen.validate.compare`` groups them by the
label column (one group per class) and calls these per group. The table's schema is the one
attached to the real DataFrame (:func:`scigen.ehr.data.read_table` attaches it), else inferred
from the real group; label and id columns are never statistics' inputs.

    marginals     per feature column, numeric: 19 quantiles (5%..95%) of the values standardised by
                  the real column's mean and sd; binary/categorical: level frequencies. Distance: the
                  worst column's distance, the mean absolute quantile difference (a Wasserstein-1
                  distance over the central 90%, in real-sd units) or the total variation distance.
    correlations  Pearson correlations between encoded columns (numeric min-max, binary 0/1,
                  categorical one-hot; pairwise complete). Distance: mean absolute difference.

The other ehr metrics compare two tables at once or need a model, so they are plain functions:
imputation RMSE and accuracy and prediction scores in :mod:`scigen.ehr.metrics`; per-column
marginal distances, TSTR and the privacy check in :mod:`scigen.ehr.synthetic` (re-exported here).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scigen.ehr.encoding import TableEncoder
from scigen.ehr.metrics import (
    ImputationScores,
    auprc,
    auroc,
    brier,
    gain_rmse,
    imputation_scores,
    prediction_scores,
)
from scigen.ehr.schema import schema_of
from scigen.ehr.synthetic import correlation_difference, frequencies, marginal_distances, privacy_check, tstr
from scigen.errors import InputError
from scigen.validate.statistic import Statistic, StatValue, register

__all__ = ["ImputationScores", "auprc", "auroc", "brier", "correlation_difference", "gain_rmse",
           "imputation_scores", "marginal_distances", "prediction_scores", "privacy_check", "tstr",
           "table_features", "MARGINALS", "CORRELATIONS"]

QUANTILES = np.linspace(0.05, 0.95, 19)


def _table(samples) -> pd.DataFrame:
    if not isinstance(samples, pd.DataFrame):
        raise InputError(f"ehr statistics take pandas DataFrames (one row per record), got {type(samples).__name__}")
    return samples


# -- marginals ----------------------------------------------------------------------------------
def _marginals_prepare(real, condition=None) -> dict:
    real = _table(real)
    schema = schema_of(real)
    layout = []
    for spec in schema.features:
        if spec.kind == "numeric":
            x = pd.to_numeric(real[spec.name], errors="coerce").dropna().to_numpy(np.float64)
            if x.size == 0:
                continue  # a column missing throughout this group: nothing to compare
            sd = float(x.std())
            layout.append({"column": spec.name, "kind": "numeric", "mean": float(x.mean()), "sd": sd if sd > 0 else 1.0,
                           "size": len(QUANTILES)})
        else:
            layout.append({"column": spec.name, "kind": spec.kind, "categories": list(spec.categories),
                           "size": len(spec.categories)})
    if not layout:
        raise InputError("no feature column with observed values to compare")
    return {"layout": layout}


def _marginals(samples, condition, layout) -> StatValue:
    df = _table(samples)
    parts = []
    for item in layout:
        name = item["column"]
        if name not in df.columns:
            raise InputError(f"the table lacks feature column '{name}'")
        if item["kind"] == "numeric":
            x = pd.to_numeric(df[name], errors="coerce").dropna().to_numpy(np.float64)
            if x.size == 0:
                raise InputError(f"column '{name}' has no observed value in this set")
            parts.append(np.quantile((x - item["mean"]) / item["sd"], QUANTILES))
        else:
            parts.append(frequencies(df[name], item["categories"]))
    value = np.concatenate(parts)
    return StatValue(value=value, x=np.arange(value.size), n=len(df), extra={"layout": layout})


def _marginals_distance(real: StatValue, fake: StatValue) -> float:
    """Worst column: max over columns of W1 (numeric, via quantiles) or total variation (categorical).

    The maximum, not the mean: one column generated wrong among thirty must not be averaged away.
    """
    layout = real.extra["layout"]
    dists, j = [], 0
    for item in layout:
        a = real.value[j:j + item["size"]]
        b = fake.value[j:j + item["size"]]
        j += item["size"]
        diff = np.abs(a - b)
        dists.append(float(diff.mean()) if item["kind"] == "numeric" else float(0.5 * diff.sum()))
    return float(np.max(dists))


MARGINALS = register(Statistic(
    "marginals", _marginals, kind="curve", distance=_marginals_distance, prepare=_marginals_prepare,
    xlabel="column block (numeric: quantiles 5-95% in real sd units; categorical: level frequencies)",
    ylabel="standardised quantile / frequency",
    description="Per-column marginal distributions: numeric quantiles (Wasserstein-1 over the central 90%, "
                "real-sd units), categorical frequencies (total variation); distance of the worst column"),
    domain="ehr")


# -- correlations -------------------------------------------------------------------------------
def _correlations_prepare(real, condition=None) -> dict:
    real = _table(real)
    encoder = TableEncoder(schema_of(real)).fit(real)
    if encoder.n_encoded < 2:
        raise InputError("correlations need at least two encoded feature columns")
    return {"encoder": encoder}


def _correlations(samples, condition, encoder) -> StatValue:
    from scigen.ehr.synthetic import encoded_correlations

    c = encoded_correlations(_table(samples), encoder)
    iu = np.triu_indices(encoder.n_encoded, k=1)
    return StatValue(value=c[iu], x=np.arange(iu[0].size), n=len(samples))


def _correlations_distance(real: StatValue, fake: StatValue) -> float:
    return float(np.mean(np.abs(real.value - fake.value)))


CORRELATIONS = register(Statistic(
    "correlations", _correlations, kind="curve", distance=_correlations_distance, prepare=_correlations_prepare,
    xlabel="column pair (upper triangle of the encoded correlation matrix)", ylabel="Pearson correlation",
    description="Pairwise Pearson correlations of the encoded columns (numeric min-max, binary 0/1, categorical "
                "one-hot); distance: mean absolute difference"), domain="ehr")


# -- features for the generic checks (classifier two-sample test, memorisation) ------------------
def table_features(sets, schema=None) -> list[np.ndarray]:
    """Consistent (n_i, D) feature matrices of several tables: the first one (real) fixes the encoding.

    Numeric columns min-max scaled on the first table, binary 0/1, categorical one-hot; missing
    entries take the first table's column mean (no missing-indicator columns: generated records
    are complete, real ones often are not, and a classifier test should not win on that alone).
    Label and id columns (given by the schema, or an id inferred from its name and distinct values)
    are left out. Registered as the "ehr" domain's joint feature function, so the generic checks of
    ``scigen validate`` (classifier two-sample test, energy/MMD, memorisation) see tables this way.
    """
    frames = [_table(s) for s in sets]
    schema = schema or schema_of(frames[0])
    enc = TableEncoder(schema, handle_unknown="missing").fit(frames[0])
    ref = enc.transform(frames[0]).values
    fill = np.nan_to_num(np.nanmean(ref, axis=0))
    out = []
    for f in frames:
        v = enc.transform(f).values
        out.append(np.where(np.isnan(v), fill, v))
    return out


def _register_features() -> None:
    from scigen.validate.features import register_features

    register_features("ehr", table_features, joint=True)


_register_features()
