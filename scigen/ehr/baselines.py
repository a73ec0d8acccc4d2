"""Baseline imputers and classifiers the ehr benchmark compares the neural models against.

Thin scikit-learn configurations, DataFrame in and DataFrame out:

    imp = BaselineImputer("iterative", seed=0).fit(train)      # "mean", "knn", "iterative", "missforest"
    completed = imp.transform(masked)                          # same columns, order, dtypes; observed kept
    clf = make_classifier("logistic", schema).fit(X, y)        # "logistic", "gbm", "hgb"

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
