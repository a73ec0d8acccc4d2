"""An invertible encoding of a typed table into a float matrix plus its observation mask.

:class:`TableEncoder` turns the feature columns of a DataFrame into an (N, D) float64 matrix that
networks and scikit-learn estimators take, and back:

    numeric      min-max to [0, 1] over the fitted data (``numeric="minmax"``) or z-scores
                 (``numeric="standard"``); one encoded column each.
    binary       0/1 (1 = the second of the column's two categories); one encoded column.
    categorical  one-hot, one encoded column per category (``categorical="onehot"``), or the category
                 index 0..K-1 in one column (``categorical="index"``).

Missing entries come out as NaN in ``values`` with ``mask`` False over the whole span of their
column (all K one-hot columns of a missing category); :attr:`EncodedTable.filled` gives zeros there.
:meth:`TableEncoder.inverse_transform` gives a DataFrame in the original units, categories, dtypes
and column order (numeric values rounded to the decimals the data carried, integers kept integers),
so imputed and synthetic records read like the input. The fitted state is JSON
(:meth:`TableEncoder.to_dict`), saved with the schema in a model checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scigen.ehr.schema import ColumnSpec, Schema, _check_levels, attach_schema, cast_series, category_codes
from scigen.errors import InputError

NUMERIC_MODES = ("minmax", "standard")
# a numeric column whose fitted values take at most this many distinct values, each seen 5 times on
# average or more, is on a measurement grid (a lab reported in steps of 0.1, a score): ``support_``
SUPPORT_MAX_VALUES, SUPPORT_MIN_REPEATS = 1000, 5
CATEGORICAL_MODES = ("onehot", "index")


@dataclass
class EncodedTable:
    """An encoded table.

    Attributes:
        values: (N, D) float64, NaN where the entry is missing.
        mask: (N, D) bool, True where observed (the same over all columns of one original column).
        columns: (D,) encoded column names ("age", "race=white", ...).
        spans: original feature name -> slice of encoded columns.
        index: the DataFrame's row index (kept for decoding).
    """

    values: np.ndarray
    mask: np.ndarray
    columns: list[str]
    spans: dict[str, slice]
    index: pd.Index

    @property
    def filled(self) -> np.ndarray:
        """``values`` with missing entries set to 0 (the input a mask-aware network takes)."""
        return np.where(self.mask, self.values, 0.0)

    def column_mask(self) -> np.ndarray:
        """(N, F) bool, True where each original feature column is observed."""
        return np.stack([self.mask[:, sl.start] for sl in self.spans.values()], axis=1)


class TableEncoder:
    """Fit on a table, then encode (``transform``) and decode (``inverse_transform``) its features.

    Args:
        schema: the table's :class:`~scigen.ehr.schema.Schema`.
        numeric: "minmax" (to [0, 1]) or "standard" (z-score).
        categorical: "onehot" or "index".
        handle_unknown: "error" (default) raises on a category unseen in the schema; "missing" treats
            it as a missing entry.
    """

    def __init__(self, schema: Schema, *, numeric: str = "minmax", categorical: str = "onehot",
                 handle_unknown: str = "error") -> None:
        if numeric not in NUMERIC_MODES:
            raise InputError(f"numeric scaling must be one of {NUMERIC_MODES}, got {numeric!r}")
        if categorical not in CATEGORICAL_MODES:
            raise InputError(f"categorical encoding must be one of {CATEGORICAL_MODES}, got {categorical!r}")
        if handle_unknown not in ("error", "missing"):
            raise InputError(f"handle_unknown must be 'error' or 'missing', got {handle_unknown!r}")
        self.schema = schema
        self.numeric = numeric
        self.categorical = categorical
        self.handle_unknown = handle_unknown
        self.params_: dict[str, tuple[float, float]] | None = None  # numeric: (offset, scale)
        self.bounds_: dict[str, tuple[float, float]] | None = None  # numeric: observed (min, max)
        self.support_: dict[str, tuple[float, ...]] = {}  # numeric on a grid: its sorted distinct values
        self.columns_: list[str] = []
        self.spans_: dict[str, slice] = {}
        self._layout()

    # -- layout -------------------------------------------------------------------------------
    def _layout(self) -> None:
        cols, spans, j = [], {}, 0
        for spec in self.schema.features:
            if spec.kind == "categorical" and self.categorical == "onehot":
                names = [f"{spec.name}={c}" for c in spec.categories]
            else:
                names = [spec.name]
            spans[spec.name] = slice(j, j + len(names))
            cols += names
            j += len(names)
        self.columns_, self.spans_ = cols, spans

    @property
    def n_encoded(self) -> int:
        """D, the number of encoded columns."""
        return len(self.columns_)

    # -- fit ----------------------------------------------------------------------------------
    def fit(self, df: pd.DataFrame, y=None) -> "TableEncoder":
        """Learn the numeric scaling from the observed values of ``df`` (NaNs ignored)."""
        self.schema.validate(df, require_label=False)
        params, bounds, support = {}, {}, {}
        for spec in self.schema.features:
            if spec.kind != "numeric":
                continue
            x = pd.to_numeric(df[spec.name], errors="coerce").to_numpy(dtype=np.float64)
            x = x[np.isfinite(x)]
            if x.size == 0:
                raise InputError(f"column '{spec.name}' has no observed value to fit its scaling on")
            lo, hi = float(x.min()), float(x.max())
            bounds[spec.name] = (lo, hi)
            distinct = np.unique(x)
            if distinct.size <= SUPPORT_MAX_VALUES and x.size >= SUPPORT_MIN_REPEATS * distinct.size:
                support[spec.name] = tuple(distinct.tolist())
            if self.numeric == "minmax":
                params[spec.name] = (lo, hi - lo if hi > lo else 1.0)
            else:
                sd = float(x.std())
                params[spec.name] = (float(x.mean()), sd if sd > 0 else 1.0)
        self.params_, self.bounds_, self.support_ = params, bounds, support
        return self

    def _check_fitted(self) -> None:
        if self.params_ is None:
            raise InputError("TableEncoder is not fitted: call fit(df) first")

    # -- encode -------------------------------------------------------------------------------
    def transform(self, df: pd.DataFrame) -> EncodedTable:
        """Encode ``df``'s feature columns: (N, D) values (NaN where missing) and (N, D) mask."""
        self._check_fitted()
        self.schema.validate(df, require_label=False)
        n = len(df)
        values = np.full((n, self.n_encoded), np.nan)
        for spec in self.schema.features:
            sl = self.spans_[spec.name]
            s = df[spec.name]
            if spec.kind == "numeric":
                x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
                off, scale = self.params_[spec.name]
                values[:, sl.start] = (x - off) / scale
                continue
            codes = self._codes(s, spec)
            ok = codes >= 0
            if spec.kind == "binary" or self.categorical == "index":
                values[ok, sl.start] = codes[ok]
            else:
                block = np.zeros((n, sl.stop - sl.start))
                block[np.arange(n)[ok], codes[ok]] = 1.0
                block[~ok] = np.nan
                values[:, sl] = block
        mask = ~np.isnan(values)
        return EncodedTable(values, mask, list(self.columns_), dict(self.spans_), df.index)

    def _codes(self, s: pd.Series, spec: ColumnSpec) -> np.ndarray:
        """Category index per row, -1 where missing (or unknown with handle_unknown='missing')."""
        if self.handle_unknown == "error":
            _check_levels(s, spec, None)
        return category_codes(s, spec.categories)

    def fit_transform(self, df: pd.DataFrame, y=None) -> EncodedTable:
        return self.fit(df).transform(df)

    # -- decode -------------------------------------------------------------------------------
    def inverse_transform(
        self,
        values: np.ndarray,
        mask: np.ndarray | None = None,
        *,
        index: pd.Index | None = None,
        labels=None,
        label_codes=None,
        ids=None,
        clip: bool = True,
        round_values: bool = True,
        snap: bool = False,
    ) -> pd.DataFrame:
        """Decode an (N, D) encoded matrix into a DataFrame in the original form.

        Args:
            values: (N, D) encoded values (probabilities are fine for binary/one-hot columns:
                binary decodes as value >= 0.5, one-hot as the arg-max of its block).
            mask: optional (N, D) bool; entries with mask False come back missing (NaN / <NA>).
            index: row index of the result (default 0..N-1).
            labels: optional (N,) label values (the label's own categories); the label column is put
                back at its place in the schema's column order.
            label_codes: instead of ``labels``, (N,) class indices 0..K-1 (a generator's class input).
            ids: optional (N,) id values, put back likewise.
            clip: clip numeric values to the fitted data's observed [min, max].
            round_values: round numeric values to the decimals the column's data carried.
            snap: put each value of a column fitted on a measurement grid (``support_``: few distinct
                values, each repeated) on the nearest of them, as a generator's records should be.
        """
        self._check_fitted()
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 2 or values.shape[1] != self.n_encoded:
            raise InputError(
                f"encoded values must be (N, {self.n_encoded}) for this schema, got shape {values.shape}"
            )
        n = values.shape[0]
        if mask is not None:
            mask = np.asarray(mask, dtype=bool)
            if mask.shape != values.shape:
                raise InputError(f"mask shape {mask.shape} differs from values shape {values.shape}")
        index = pd.RangeIndex(n) if index is None else index
        out: dict[str, pd.Series] = {}
        for spec in self.schema.features:
            sl = self.spans_[spec.name]
            block = values[:, sl]
            missing = np.isnan(block).any(axis=1)
            if mask is not None:
                missing |= ~mask[:, sl.start]
            if spec.kind == "numeric":
                off, scale = self.params_[spec.name]
                x = block[:, 0] * scale + off
                if clip:
                    lo, hi = self.bounds_[spec.name]
                    x = np.clip(x, lo, hi)
                if snap and spec.name in self.support_:
                    x = _nearest(np.asarray(self.support_[spec.name]), x)
                if round_values and spec.decimals is not None:
                    x = np.round(x, spec.decimals)
                x[missing] = np.nan
                out[spec.name] = _restore(pd.Series(x, index=index, name=spec.name), spec)
            else:
                if spec.kind == "binary":
                    codes = (np.nan_to_num(block[:, 0]) >= 0.5).astype(np.int64)
                elif self.categorical == "index":
                    codes = np.clip(np.rint(np.nan_to_num(block[:, 0])), 0, len(spec.categories) - 1).astype(np.int64)
                else:
                    codes = np.argmax(np.nan_to_num(block, nan=-np.inf), axis=1)
                codes[missing] = -1
                out[spec.name] = _from_codes(codes, spec, index)
        extra = {}
        if labels is not None and label_codes is not None:
            raise InputError("pass labels (values) or label_codes (indices), not both")
        if (labels is not None or label_codes is not None) and self.schema.label is None:
            raise InputError("the schema has no label column to put labels in")
        if labels is not None:
            extra[self.schema.label] = self.decode_labels(labels, index=index)
        elif label_codes is not None:
            extra[self.schema.label] = self.decode_labels(label_codes, index=index, codes=True)
        if ids is not None and self.schema.id is not None:
            spec = self.schema[self.schema.id]
            extra[self.schema.id] = cast_series(pd.Series(np.asarray(ids), index=index, name=spec.name), spec)
        out.update(extra)
        order = [c for c in self.schema.names if c in out]
        return attach_schema(pd.DataFrame({c: out[c] for c in order}, index=index), self.schema)

    # -- labels -------------------------------------------------------------------------------
    def encode_labels(self, df_or_series) -> np.ndarray:
        """(N,) int64 class codes 0..K-1 of the label column (order of the schema's categories)."""
        label = self.schema.label
        if label is None:
            raise InputError("the schema has no label column: infer it with label=...")
        s = df_or_series[label] if isinstance(df_or_series, pd.DataFrame) else pd.Series(df_or_series)
        spec = self.schema[label]
        if s.isna().any():
            raise InputError(f"label column '{label}' has missing values: drop those rows first")
        _check_levels(pd.Series(s.to_numpy(), name=label), spec, None)
        return self._codes(pd.Series(s.to_numpy(), name=label), spec)

    def decode_labels(self, labels, *, index: pd.Index | None = None, codes: bool = False) -> pd.Series:
        """The label column from label values, or (``codes=True``) from class indices 0..K-1."""
        spec = self.schema[self.schema.label]
        arr = np.asarray(labels)
        index = pd.RangeIndex(len(arr)) if index is None else index
        if codes:
            if arr.dtype.kind not in "iu" or (arr.size and (arr.min() < 0 or arr.max() >= len(spec.categories))):
                raise InputError(f"label codes must be integers in 0..{len(spec.categories) - 1}")
            return _from_codes(arr.astype(np.int64), spec, index)
        s = pd.Series(arr, index=index, name=spec.name)
        _check_levels(s, spec, None)
        return cast_series(s, spec)

    # -- state --------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """JSON-serialisable state (schema, modes, fitted scaling)."""
        self._check_fitted()
        return {"schema": self.schema.to_dict(), "numeric": self.numeric, "categorical": self.categorical,
                "handle_unknown": self.handle_unknown,
                "params": {k: list(v) for k, v in self.params_.items()},
                "bounds": {k: list(v) for k, v in self.bounds_.items()},
                "support": {k: list(v) for k, v in self.support_.items()}}

    @classmethod
    def from_dict(cls, d: dict) -> "TableEncoder":
        enc = cls(Schema.from_dict(d["schema"]), numeric=d["numeric"], categorical=d["categorical"],
                  handle_unknown=d.get("handle_unknown", "error"))
        enc.params_ = {k: tuple(v) for k, v in d["params"].items()}
        enc.bounds_ = {k: tuple(v) for k, v in d["bounds"].items()}
        enc.support_ = {k: tuple(v) for k, v in d.get("support", {}).items()}  # absent before grids were kept
        return enc


def _nearest(grid: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Each value of ``x`` replaced by the nearest of the sorted ``grid`` (NaN stays NaN)."""
    if grid.size == 1:
        return np.where(np.isnan(x), np.nan, grid[0])
    j = np.clip(np.searchsorted(grid, x), 1, grid.size - 1)  # grid[j - 1] <= x <= grid[j] inside the grid
    j = np.where(x - grid[j - 1] <= grid[j] - x, j - 1, j)
    return np.where(np.isnan(x), np.nan, grid[j])


def _from_codes(codes: np.ndarray, spec: ColumnSpec, index: pd.Index) -> pd.Series:
    """Series of category values for codes (-1 = missing), in the column's original dtype."""
    cats = list(spec.categories)
    if spec.dtype == "category":
        cat = pd.Categorical.from_codes(codes, categories=cats, ordered=spec.ordered)
        return pd.Series(cat, index=index, name=spec.name)
    lookup = np.empty(len(cats) + 1, dtype=object)
    lookup[:-1] = cats
    lookup[-1] = np.nan
    obj = pd.Series(lookup[codes], index=index, name=spec.name)  # -1 picks the trailing NaN
    return _restore(obj, spec)


def _restore(s: pd.Series, spec: ColumnSpec) -> pd.Series:
    """Cast a decoded column to the schema dtype (nullable integer/boolean when values are missing)."""
    if spec.dtype == "object":
        return s.astype(object).where(s.notna(), np.nan)
    return cast_series(s.infer_objects() if s.dtype == object else s, spec)
