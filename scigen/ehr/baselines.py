"""Baseline imputers, classifiers and record generators the ehr benchmark compares the neural models against.

Thin scikit-learn configurations and simple statistical models, DataFrame in and DataFrame out:

    imp = BaselineImputer("iterative", seed=0).fit(train)      # "mean", "knn", "iterative", "missforest"
    completed = imp.transform(masked)                          # same columns, order, dtypes; observed kept
    clf = make_classifier("logistic", schema).fit(X, y)        # "logistic", "gbm", "hgb"
    fake = baseline_records(train, 500, "copula", seed=0)      # "independent", "copula"

Record generators, fitted within each class and drawing the classes with the training frequencies:

    independent every feature column resampled on its own from the class's training values
                (missing entries included): the marginals, and no dependence between columns
    copula      a Gaussian copula (the dependence of the columns' normal scores, each column's
                empirical distribution as its marginal), the usual statistical baseline for
                synthetic tables; categories enter through their codes; complete records only

Imputers work in the encoded space of :class:`~scigen.ehr.encoding.TableEncoder` (numeric min-max
to [0, 1] as in GAIN, categorical one-hot) and decode back; a categorical entry gets the level
with the largest imputed one-hot value. Configurations:

    mean        SimpleImputer(strategy="mean") (the category mode for categorical columns)
    knn         KNNImputer(n_neighbors=5), distances on the min-max scaled columns
    iterative   IterativeImputer(BayesianRidge(), max_iter=10) (MICE-like, single imputation)
    missforest  IterativeImputer(ExtraTreesRegressor(n_estimators=100), max_iter=10): the
                missForest idea (Stekhoven & Buehlmann 2012) with extremely randomised trees
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from scigen.ehr.encoding import TableEncoder
from scigen.ehr.schema import Schema, attach_schema, cast_series, schema_of
from scigen.errors import InputError

IMPUTERS = ("mean", "knn", "iterative", "missforest")
CLASSIFIERS = ("logistic", "gbm", "hgb")
GENERATORS = ("independent", "copula")


def make_imputer(method: str, *, seed: int = 0, n_neighbors: int = 5, max_iter: int = 10,
                 n_estimators: int = 100):
    """The scikit-learn imputer (on float arrays with NaN) for ``method`` (see module doc)."""
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer

    if method == "mean":
        return SimpleImputer(strategy="mean", keep_empty_features=True)
    if method == "knn":
        return KNNImputer(n_neighbors=n_neighbors, keep_empty_features=True)
    if method == "iterative":
        from sklearn.linear_model import BayesianRidge

        return IterativeImputer(BayesianRidge(), max_iter=max_iter, random_state=seed, keep_empty_features=True)
    if method == "missforest":
        from sklearn.ensemble import ExtraTreesRegressor

        return IterativeImputer(ExtraTreesRegressor(n_estimators=n_estimators, random_state=seed, n_jobs=1),
                                max_iter=max_iter, random_state=seed, keep_empty_features=True)
    raise InputError(f"unknown imputer '{method}'; choose one of {IMPUTERS}")


class BaselineImputer(TransformerMixin, BaseEstimator):
    """A scikit-learn imputer on a typed table (works in a Pipeline).

    Args:
        method: "mean", "knn", "iterative" or "missforest".
        schema: the table's schema (default: the one attached to the fitted DataFrame, else inferred).
        seed: random state of the iterative imputers.
        n_neighbors, max_iter, n_estimators: passed to the imputer.

    ``transform`` returns the DataFrame with every missing feature entry filled, observed entries and
    the label/id columns unchanged, columns in the same order, in the schema's dtypes.
    """

    def __init__(self, method: str = "mean", schema: Schema | None = None, seed: int = 0,
                 n_neighbors: int = 5, max_iter: int = 10, n_estimators: int = 100) -> None:
        self.method = method
        self.schema = schema
        self.seed = seed
        self.n_neighbors = n_neighbors
        self.max_iter = max_iter
        self.n_estimators = n_estimators

    def fit(self, X: pd.DataFrame, y=None) -> "BaselineImputer":
        if not isinstance(X, pd.DataFrame):
            raise InputError(f"BaselineImputer takes a pandas DataFrame, got {type(X).__name__}")
        self.schema_ = self.schema or schema_of(X)
        self.encoder_ = TableEncoder(self.schema_).fit(X)
        self.imputer_ = make_imputer(self.method, seed=self.seed, n_neighbors=self.n_neighbors,
                                     max_iter=self.max_iter, n_estimators=self.n_estimators)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*Early stopping criterion not reached.*")
            self.imputer_.fit(self.encoder_.transform(X).values)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        if not hasattr(self, "imputer_"):
            raise InputError("BaselineImputer is not fitted: call fit(df) first")
        enc = self.encoder_.transform(X)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*Early stopping criterion not reached.*")
            filled = self.imputer_.transform(enc.values)
        decoded = self.encoder_.inverse_transform(filled, index=X.index, round_values=False)
        return fill_missing(X, decoded, self.schema_)


def fill_missing(X: pd.DataFrame, completed: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """``X`` with its missing feature entries taken from ``completed`` (same index), cast to schema dtypes.

    The one place where imputed values meet the observed ones: observed entries are never changed.
    """
    out = X.copy()
    for spec in schema.features:
        s = X[spec.name]
        if s.isna().any():
            if isinstance(s.dtype, pd.CategoricalDtype):
                s = s.astype(object)
            filled = s.where(s.notna(), completed[spec.name].astype(object))
            out[spec.name] = cast_series(filled.infer_objects(), spec)
    return attach_schema(out, schema)


def make_classifier(kind: str = "logistic", schema: Schema | None = None, *, seed: int = 0):
    """A scikit-learn Pipeline that predicts the label from a typed table's feature columns.

    Preprocessing (fitted on the training data): numeric columns median-imputed and standardised;
    binary/categorical columns mode-imputed and one-hot encoded (unknown levels ignored). Then:
    "logistic": LogisticRegression(C=1, max_iter=5000); "gbm": GradientBoostingClassifier (100 trees,
    depth 3); "hgb": HistGradientBoostingClassifier. Fit with ``clf.fit(df, df[label])``; extra
    columns (label, id) are dropped by the preprocessing.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    if schema is None:
        raise InputError("make_classifier needs the table's schema (which columns are categorical)")
    num = schema.names_of("numeric")
    cat = schema.names_of("binary", "categorical")
    parts = []
    if num:
        parts.append(("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), num))
    if cat:
        parts.append(("cat", make_pipeline(FunctionTransformer(_as_object, feature_names_out="one-to-one"),
                                           SimpleImputer(strategy="most_frequent", missing_values=None),
                                           OneHotEncoder(handle_unknown="ignore")), cat))
    pre = ColumnTransformer(parts, remainder="drop", sparse_threshold=0.0)
    if kind == "logistic":
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=1.0, max_iter=5000)
    elif kind == "gbm":
        from sklearn.ensemble import GradientBoostingClassifier

        model = GradientBoostingClassifier(random_state=seed)
    elif kind == "hgb":
        from sklearn.ensemble import HistGradientBoostingClassifier

        model = HistGradientBoostingClassifier(random_state=seed)
    else:
        raise InputError(f"unknown classifier '{kind}'; choose one of {CLASSIFIERS}")
    return Pipeline([("features", pre), ("model", model)])


def _as_object(X):
    """Categorical columns as an object array with None for missing (what SimpleImputer(None) fills)."""
    arr = np.asarray(pd.DataFrame(X).astype(object))
    return np.where(pd.isna(arr), None, arr)


def baseline_records(train: pd.DataFrame, n: int, method: str = "copula", *, schema: Schema | None = None,
                     seed: int = 0) -> pd.DataFrame:
    """``n`` synthetic records from a simple model of ``train`` fitted within each class (see the module doc).

    Returns the schema's feature columns and its label column (when it has one), in the schema's
    dtypes; every value is one the training records of that class carry. Raises InputError for an
    unknown method, ``n < 1``, or (copula) missing entries, naming the columns.
    """
    from scipy.stats import norm, rankdata

    from scigen.ehr.schema import category_codes

    if method not in GENERATORS:
        raise InputError(f"unknown record generator {method!r}; choose one of {GENERATORS}")
    if n < 1:
        raise InputError(f"n must be at least 1, got {n}")
    schema = schema or schema_of(train)
    table = schema.conform(train, require_label=False)
    feats = schema.features
    if method == "copula":
        gaps = [f.name for f in feats if table[f.name].isna().any()]
        if gaps:
            raise InputError(f"the copula needs complete records; column(s) {gaps} have missing entries: "
                             "impute them first (DenoisingImputer or BaselineImputer)")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 29]))
    label = schema.label if schema.label in table.columns else None
    labels = table[label].to_numpy(dtype=object) if label else np.zeros(len(table), dtype=object)
    drawn = rng.choice(labels, size=n, replace=True)
    values = np.empty((n, len(feats)))
    for cls in pd.unique(labels):
        rows, out = np.flatnonzero(labels == cls), np.flatnonzero(drawn == cls)
        if not out.size:
            continue
        block = np.column_stack([pd.to_numeric(table[f.name].iloc[rows], errors="coerce").to_numpy(np.float64)
                                 if f.kind == "numeric" else
                                 np.where((c := category_codes(table[f.name].iloc[rows], f.categories)) < 0, np.nan, c)
                                 for f in feats])
        if method == "independent":
            values[out] = block[rng.integers(0, len(rows), size=(out.size, len(feats))), np.arange(len(feats))]
            continue
        scores = norm.ppf(rankdata(block, axis=0) / (len(rows) + 1))
        corr = np.nan_to_num(np.corrcoef(scores, rowvar=False), nan=0.0) if len(rows) > 2 else np.eye(len(feats))
        corr = np.atleast_2d(corr)
        np.fill_diagonal(corr, 1.0)
        u = norm.cdf(rng.multivariate_normal(np.zeros(len(feats)), corr, size=out.size, method="eigh"))
        values[out] = np.column_stack([np.quantile(block[:, j], u[:, j], method="inverted_cdf")
                                       for j in range(len(feats))])
    columns = {}
    for j, f in enumerate(feats):
        col = values[:, j]
        if f.kind != "numeric":
            levels = np.asarray(f.categories, dtype=object)
            col = np.where(np.isnan(col), None, levels[np.nan_to_num(col).astype(int)])
        columns[f.name] = cast_series(pd.Series(col, name=f.name), f)
    if label:
        columns[label] = cast_series(pd.Series(drawn, name=label), schema[label])
    return attach_schema(pd.DataFrame(columns), schema)
