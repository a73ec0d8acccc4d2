"""Electronic health records: typed tables, missingness, imputation and disease-prediction metrics.

    from scigen.ehr import load_table, ampute, BaselineImputer, imputation_scores

    df, schema = load_table("breast_cancer")               # or read_table("records.csv", label="diagnosis")
    masked, removed = ampute(df, "mcar", rate=0.2, seed=0)
    completed = BaselineImputer("iterative").fit(masked).transform(masked)
    print(imputation_scores(df, completed, removed).rmse)   # GAIN RMSE on the removed entries

Rooms: :mod:`~scigen.ehr.data` (files; :mod:`~scigen.ehr.schema` and :mod:`~scigen.ehr.encoding`
behind it), :mod:`~scigen.ehr.datasets` (shipped tables), :mod:`~scigen.ehr.missing` (masks),
:mod:`~scigen.ehr.metrics` and :mod:`~scigen.ehr.synthetic` (scores), :mod:`~scigen.ehr.stats`
(statistics registered with scigen.validate), :mod:`~scigen.ehr.baselines` (scikit-learn baselines),
:mod:`~scigen.ehr.imputer` (``DenoisingImputer``) and :mod:`~scigen.ehr.classifier` (``ACGANClassifier``)
on the networks of :mod:`~scigen.ehr.models`, :mod:`~scigen.ehr.pipeline` (the demo path).
Names load lazily, so ``import scigen.ehr`` stays cheap.
"""

from __future__ import annotations

from scigen._lazy import lazy_exports

_LAZY = {
    "ColumnSpec": "scigen.ehr.schema",
    "Schema": "scigen.ehr.schema",
    "infer_schema": "scigen.ehr.schema",
    "attach_schema": "scigen.ehr.schema",
    "schema_of": "scigen.ehr.schema",
    "TableEncoder": "scigen.ehr.encoding",
    "EncodedTable": "scigen.ehr.encoding",
    "read_table": "scigen.ehr.data",
    "write_table": "scigen.ehr.data",
    "load_table": "scigen.ehr.datasets",
    "list_tables": "scigen.ehr.datasets",
    "ampute": "scigen.ehr.missing",
    "gain_rmse": "scigen.ehr.metrics",
    "imputation_scores": "scigen.ehr.metrics",
    "prediction_scores": "scigen.ehr.metrics",
    "auroc": "scigen.ehr.metrics",
    "auprc": "scigen.ehr.metrics",
    "brier": "scigen.ehr.metrics",
    "marginal_distances": "scigen.ehr.synthetic",
    "correlation_difference": "scigen.ehr.synthetic",
    "tstr": "scigen.ehr.synthetic",
    "privacy_check": "scigen.ehr.synthetic",
    "BaselineImputer": "scigen.ehr.baselines",
    "make_classifier": "scigen.ehr.baselines",
    "baseline_records": "scigen.ehr.baselines",
    "make_imputer": "scigen.ehr.baselines",
    "DenoisingImputer": "scigen.ehr.imputer",
    "ACGANClassifier": "scigen.ehr.classifier",
}

__all__ = sorted(_LAZY)


__getattr__ = lazy_exports(__name__, _LAZY)


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
