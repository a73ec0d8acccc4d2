"""The schema of a health-record table: which column is numeric, binary or categorical, which is the label.

A :class:`Schema` lists every column of a table in order with its kind and what is needed to give
values back in the table's own form: the pandas dtype, the categories of binary/categorical columns,
and the number of decimals numeric values were recorded with. It is inferred from a DataFrame
(:func:`infer_schema`), can be overridden column by column (``types={"edema": "categorical"}``), and
is plain JSON (:meth:`Schema.to_json`) so a model checkpoint can store it beside its weights.

Kinds:
    numeric      float or integer measurements (units as in the table); ``decimals`` is the number of
                 decimals the observed values carry (0 for integers), None when they carry more than 8.
    binary       exactly two levels (0/1, True/False, "f"/"m", 1/2); ``categories`` = the two levels.
    categorical  three or more levels; ``categories`` in the table's order (category dtype) or sorted.
    id           an identifier column: carried along, never encoded, never masked.
The label column is binary or categorical and may not be missing.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from scigen.errors import InputError

KINDS = ("numeric", "binary", "categorical", "id")
MAX_DECIMALS = 8
SCHEMA_ATTR = "scigen_ehr_schema"  # key of DataFrame.attrs holding the schema dict


def _where(source: str | os.PathLike | None) -> str:
    return f" in '{source}'" if source else ""


def _py(v: Any) -> Any:
    """A numpy scalar as the plain Python value JSON can hold."""
    return v.item() if isinstance(v, np.generic) else v


@dataclass
class ColumnSpec:
    """One column: ``kind`` (see module doc), pandas ``dtype`` string, ``categories``, ``decimals``."""

    name: str
    kind: str
    dtype: str
    categories: list | None = None
    ordered: bool = False
    decimals: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InputError(f"column '{self.name}': kind must be one of {KINDS}, got {self.kind!r}")
        if self.kind in ("binary", "categorical") and not self.categories:
            raise InputError(f"column '{self.name}' is {self.kind} but has no categories")
        if self.kind == "binary" and len(self.categories) != 2:
            raise InputError(
                f"column '{self.name}' is binary but has {len(self.categories)} levels "
                f"{self.categories}: declare it 'categorical'"
            )
        if self.categories is not None:
            self.categories = [_py(c) for c in self.categories]


@dataclass
class Schema:
    """Every column of a table in order, plus the names of the label and id columns (or None)."""

    columns: list[ColumnSpec]
    label: str | None = None
    id: str | None = None
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            raise InputError(f"schema has duplicate column names {dup}")
        for role, name in (("label", self.label), ("id", self.id)):
            if name is not None and name not in names:
                raise InputError(f"schema {role} column '{name}' is not one of its columns {names}")
        if self.label is not None and self[self.label].kind not in ("binary", "categorical"):
            raise InputError(
                f"label column '{self.label}' must be binary or categorical (a class), "
                f"not {self[self.label].kind}"
            )

    # -- access -------------------------------------------------------------------------------
    def __getitem__(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise InputError(f"schema has no column '{name}'; columns: {self.names}")

    def __contains__(self, name: str) -> bool:
        return any(c.name == name for c in self.columns)

    @property
    def names(self) -> list[str]:
        """All column names in table order."""
        return [c.name for c in self.columns]

    @property
    def features(self) -> list[ColumnSpec]:
        """The feature columns (not label, not id), in table order."""
        return [c for c in self.columns if c.name not in (self.label, self.id) and c.kind != "id"]

    @property
    def feature_names(self) -> list[str]:
        return [c.name for c in self.features]

    def names_of(self, *kinds: str) -> list[str]:
        """Feature column names of the given kinds, in table order."""
        return [c.name for c in self.features if c.kind in kinds]

    # -- JSON ---------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"columns": [asdict(c) for c in self.columns], "label": self.label, "id": self.id,
                "meta": dict(self.meta)}

    @classmethod
    def from_dict(cls, d: Mapping) -> "Schema":
        try:
            cols = [ColumnSpec(**c) for c in d["columns"]]
        except (KeyError, TypeError) as exc:
            raise InputError(f"not a scigen ehr schema ({exc}): expected {{'columns': [...], 'label': ...}}")
        return cls(cols, label=d.get("label"), id=d.get("id"), meta=dict(d.get("meta") or {}))

    def to_json(self, path: str | os.PathLike | None = None) -> str:
        """The schema as JSON text; written atomically to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=2)
        if path is not None:
            from scigen.io.atomic import write_text_atomic

            write_text_atomic(path, text + "\n")
        return text

    @classmethod
    def from_json(cls, text_or_path: str | os.PathLike) -> "Schema":
        """Read a schema from a JSON file path or a JSON string."""
        s = str(text_or_path)
        if not s.lstrip().startswith("{"):
            from scigen.errors import require_file

            p = require_file(s, "schema file")
            s = p.read_text(encoding="utf-8")
            where = str(p)
        else:
            where = "schema JSON"
        try:
            return cls.from_dict(json.loads(s))
        except json.JSONDecodeError as exc:
            raise InputError(f"{where} is not valid JSON: {exc}") from None

    # -- use on data ----------------------------------------------------------------------------
    def validate(self, df: pd.DataFrame, *, source: str | None = None, require_label: bool = True) -> None:
        """Raise :class:`InputError` if ``df`` lacks a feature (or label) column, or has a missing label.

        The id column is optional (generated records have none).
        """
        need = self.feature_names + ([self.label] if require_label and self.label is not None else [])
        missing = [n for n in need if n not in df.columns]
        if missing:
            raise InputError(
                f"table{_where(source)} lacks column(s) {missing} of its schema; it has {list(df.columns)}"
            )
        if require_label and self.label is not None:
            _check_label(df, self.label, source)

    def conform(self, df: pd.DataFrame, *, source: str | None = None, require_label: bool = True) -> pd.DataFrame:
        """``df``'s schema columns, in schema order, cast to the schema's dtypes (categories checked)."""
        self.validate(df, source=source, require_label=require_label)
        cols = [n for n in self.names if n in df.columns]
        out = {}
        for name in cols:
            spec = self[name]
            s = df[name]
            if spec.kind in ("binary", "categorical"):
                _check_levels(s, spec, source)
            out[name] = cast_series(s, spec)
        res = pd.DataFrame(out, index=df.index)
        return attach_schema(res, self)


def cast_series(s: pd.Series, spec: ColumnSpec) -> pd.Series:
    """``s`` in ``spec``'s dtype (integer dtypes with missing values become pandas' nullable Int64)."""
    if str(s.dtype) == spec.dtype and spec.dtype != "category":
        return s
    if spec.dtype == "category":
        cat = pd.Categorical(s, categories=spec.categories, ordered=spec.ordered)
        return pd.Series(cat, index=s.index, name=s.name)
    dtype = pd.api.types.pandas_dtype(spec.dtype)
    if isinstance(dtype, np.dtype) and dtype.kind in "iub" and s.isna().any():
        dtype = {"i": "Int64", "u": "UInt64", "b": "boolean"}[dtype.kind]
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        s = pd.to_numeric(s).round()
    return s.astype(dtype)


def attach_schema(df: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """Store ``schema`` in ``df.attrs`` (kept by ``.iloc``/``.copy``) so statistics can find it."""
    df.attrs[SCHEMA_ATTR] = schema.to_dict()
    return df


def schema_of(df: pd.DataFrame, *, label: str | None = None, id: str | None = None) -> Schema:
    """The schema attached to ``df`` (see :func:`attach_schema`), else one inferred from it."""
    d = df.attrs.get(SCHEMA_ATTR)
    if d is not None:
        return Schema.from_dict(d)
    return infer_schema(df, label=label, id=id)


def _check_label(df: pd.DataFrame, label: str, source) -> None:
    if label not in df.columns:
        raise InputError(
            f"label column '{label}' not found{_where(source)}; columns are {list(df.columns)}: "
            "pass the right name with label=/--label"
        )
    n_missing = int(df[label].isna().sum())
    if n_missing:
        raise InputError(
            f"label column '{label}'{_where(source)} has {n_missing} missing value(s): the label is never "
            "imputed; drop those rows (df.dropna(subset=[label])) first"
        )


def _levels(s: pd.Series) -> list:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return [_py(c) for c in s.cat.categories]
    vals = pd.unique(s.dropna())
    try:
        vals = sorted(vals)
    except TypeError:  # mixed types: keep order of appearance
        vals = list(vals)
    return [_py(v) for v in vals]


def _check_levels(s: pd.Series, spec: ColumnSpec, source) -> None:
    known = set(spec.categories)
    observed = s.dropna()
    bad = observed[~observed.isin(spec.categories)]
    if len(bad):
        unknown = sorted({str(v) for v in bad.unique()})[:5]
        raise InputError(
            f"column '{spec.name}'{_where(source)} has value(s) {unknown} not among its known categories "
            f"{sorted(map(str, known))}: refit on data that contains them, or set them to missing"
        )


def category_codes(s: pd.Series, categories: list) -> np.ndarray:
    """(N,) int64 index of each value in ``categories``; -1 where missing or not a known category."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    s = s.where(s.isin(categories))
    return np.asarray(pd.Categorical(s, categories=categories).codes, dtype=np.int64)


_ID_NAME = re.compile(r"^(id|pid|mrn|[a-z]+_id|(patient|subject|record|encounter|case)[ _.]?(id|no|number))$",
                      re.IGNORECASE)


def _guess_id(df: pd.DataFrame, exclude: set) -> str | None:
    """The first column named like an identifier whose values are all present and distinct, else None."""
    for name in df.columns:
        if name in exclude or not isinstance(name, str) or not _ID_NAME.match(name):
            continue
        s = df[name]
        kind_ok = pd.api.types.is_integer_dtype(s.dtype) or not pd.api.types.is_numeric_dtype(s.dtype)
        if kind_ok and not pd.api.types.is_bool_dtype(s.dtype) and s.notna().all() and s.is_unique:
            return name
    return None


def _decimals(x: np.ndarray) -> int | None:
    """Fewest decimals d <= MAX_DECIMALS with round(x, d) == x for every observed value, else None."""
    if x.size == 0:
        return None
    tol = 1e-9 * np.maximum(1.0, np.abs(x))
    for d in range(MAX_DECIMALS + 1):
        if np.all(np.abs(np.round(x, d) - x) <= tol):
            return d
    return None


def infer_schema(
    df: pd.DataFrame,
    *,
    label: str | None = None,
    id: str | None = None,
    types: Mapping[str, str] | None = None,
    max_categories: int = 50,
    source: str | os.PathLike | None = None,
    auto_id: bool = True,
) -> Schema:
    """Infer each column's kind from ``df``; ``types`` overrides it by column name.

    Rules: bool -> binary; category/string/object -> binary (2 levels) or categorical; numeric ->
    binary when it takes exactly two values, else numeric (integer-valued counts and scores such as
    stages stay numeric: override with ``types={"stage": "categorical"}``). A string column with more
    than ``max_categories`` levels is rejected (free text or an identifier: pass it as ``id``).
    With ``auto_id`` and no ``id`` given, a column named like an identifier ("id", "pid", "mrn",
    "patient_id", "record_id", ...) whose values are all present, distinct, integers or text
    becomes the id.
    Raises :class:`InputError` naming ``source`` and the column for an all-missing feature column,
    a missing or absent label, an unknown column in ``types``.
    """
    types = dict(types or {})
    unknown = [c for c in types if c not in df.columns]
    if unknown:
        raise InputError(
            f"types{_where(source)} names column(s) {unknown} that the table lacks; it has {list(df.columns)}"
        )
    if id is not None and id not in df.columns:
        raise InputError(f"id column '{id}' not found{_where(source)}; columns are {list(df.columns)}")
    if label is not None:
        _check_label(df, label, source)
    if id is None and auto_id:
        id = _guess_id(df, exclude={label, *types})
    if label is not None and label == id:
        raise InputError(f"column '{label}' cannot be both the label and the id")
    specs = []
    for name in df.columns:
        if not isinstance(name, str):
            raise InputError(f"column names must be strings{_where(source)}; got {name!r}")
        s = df[name]
        dtype = str(s.dtype)
        if name == id:
            specs.append(ColumnSpec(name, "id", dtype))
            continue
        observed = s.dropna()
        if observed.empty:
            raise InputError(
                f"column '{name}'{_where(source)} has no observed value (all {len(s)} missing): drop it"
            )
        kind = types.get(name)
        if kind is not None and kind not in KINDS:
            raise InputError(f"types['{name}'] must be one of {KINDS}, got {kind!r}")
        is_num = pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
        levels = None
        if kind is None:
            if pd.api.types.is_bool_dtype(s.dtype):
                kind = "binary"
            elif is_num:
                kind = "binary" if observed.nunique() == 2 else "numeric"
            else:
                levels = _levels(s)
                if len(levels) > max_categories and name != label:
                    raise InputError(
                        f"column '{name}'{_where(source)} has {len(levels)} distinct text values (more than "
                        f"max_categories={max_categories}): it looks like free text or an identifier; pass it as "
                        "the id column, drop it, or declare it categorical in types"
                    )
                kind = "binary" if len(levels) == 2 else "categorical"
        if name == label and kind == "numeric":
            n = observed.nunique()
            if n > max_categories:
                raise InputError(
                    f"label column '{name}'{_where(source)} has {n} distinct numeric values: a label is a class "
                    "(disease yes/no); threshold it into classes first"
                )
            kind = "binary" if n == 2 else "categorical"
        spec_kw: dict[str, Any] = {}
        if kind == "numeric":
            if not is_num:
                raise InputError(
                    f"column '{name}'{_where(source)} is declared numeric but holds non-numbers "
                    f"(e.g. {observed.iloc[0]!r})"
                )
            spec_kw["decimals"] = _decimals(observed.to_numpy(dtype=np.float64))
        elif kind in ("binary", "categorical"):
            levels = levels if levels is not None else _levels(s)
            if kind == "binary" and len(levels) == 1:
                levels = [False, True] if pd.api.types.is_bool_dtype(s.dtype) else levels
            spec_kw["categories"] = levels
            if isinstance(s.dtype, pd.CategoricalDtype):
                spec_kw["ordered"] = bool(s.cat.ordered)
        specs.append(ColumnSpec(name, kind, dtype, **spec_kw))
    schema = Schema(specs, label=label, id=id)
    if not schema.features:
        raise InputError(f"table{_where(source)} has no feature column besides the label/id")
    return schema


