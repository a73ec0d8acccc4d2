"""Inputs of a comparison: the three kinds of samples, their condition groups, and the checks on them.

Samples come in three kinds, and everything in :mod:`scigen.validate` handles all three through
:func:`take` and :func:`n_samples`:

* numpy arrays ``(N, ...)`` of numbers (spins, maps, feature vectors);
* numpy arrays ``(N,)`` of strings (SMILES; dtype object or unicode);
* pandas DataFrames (EHR tables; one row per sample).

A :class:`Dataset` is one input (real, fake or train) with its per-sample group keys. Groups are the
distinct rows of ``condition`` (one temperature, one cosmology), else the distinct ``labels`` (one
class), else one group holding everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from scigen.errors import InputError

MIN_GROUP = 4  # fewest real samples in a group for a noise floor (two halves of two)


def n_samples(samples) -> int:
    """Number of samples in an array (N, ...), a string array (N,) or a DataFrame (N rows)."""
    return int(samples.shape[0]) if hasattr(samples, "shape") else len(samples)


def take(samples, index):
    """The samples at ``index`` (integer array or boolean mask), keeping the kind of ``samples``.

    DataFrames get a fresh 0..n-1 index so statistics can use positional and label indexing alike.
    """
    if _is_frame(samples):
        index = np.asarray(index)
        if index.dtype == bool:
            index = np.flatnonzero(index)
        return samples.iloc[index].reset_index(drop=True)
    if isinstance(samples, np.ndarray):
        return samples[index]
    index = np.asarray(index)
    if index.dtype == bool:
        index = np.flatnonzero(index)
    return [samples[i] for i in index]


def _is_frame(obj) -> bool:
    return type(obj).__name__ == "DataFrame" and hasattr(obj, "iloc")


def sample_kind(samples) -> str:
    """"table" (DataFrame), "strings" (array of str) or "array" (numbers)."""
    if _is_frame(samples):
        return "table"
    if isinstance(samples, np.ndarray) and samples.dtype.kind in "OUS":
        return "strings"
    return "array"


@dataclass
class Dataset:
    """One input of a comparison, checked and grouped.

    Attributes:
        samples: (N, ...) array, (N,) string array, or DataFrame.
        condition: (N, k) float condition or None.
        labels: (N,) labels (ints or strings) or None.
        attrs: provenance attributes (domain, producer, seed, ...).
        name: how messages refer to it (its file path, or "real"/"fake"/"train").
        path: file it came from, if any.
        keys: (N,) group key per sample (tuples), filled by :meth:`set_groups`.
        group_names: names of the condition components ("T") or ("label",).
    """

    samples: Any
    condition: np.ndarray | None = None
    labels: np.ndarray | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    name: str = "samples"
    path: Path | None = None
    keys: list[tuple] | None = None
    group_names: tuple[str, ...] = ()

    def __len__(self) -> int:
        return n_samples(self.samples)

    @property
    def kind(self) -> str:
        return sample_kind(self.samples)

    @property
    def domain(self) -> str | None:
        return self.attrs.get("domain") or None

    def subset(self, index) -> "Dataset":
        """The samples at ``index`` (integer array or boolean mask), with their condition, labels, keys."""
        index = np.asarray(index)
        if index.dtype == bool:
            index = np.flatnonzero(index)
        return Dataset(
            take(self.samples, index),
            None if self.condition is None else self.condition[index],
            None if self.labels is None else self.labels[index],
            self.attrs, self.name, self.path,
            None if self.keys is None else [self.keys[i] for i in index],
            self.group_names,
        )

    def per_sample_condition(self):
        """What a whole-set statistic gets as ``condition``: (N, k) condition, (N,) labels, or None."""
        if self.condition is not None:
            return self.condition
        return self.labels

    def set_groups(self, by: str | None) -> None:
        """Assign group keys: ``by`` is "condition", "labels" or None (one group)."""
        n = len(self)
        if by == "condition":
            if self.condition is None:
                raise InputError(f"{self.name}: has no condition to group by")
            names = self.attrs.get("condition_names")
            k = self.condition.shape[1]
            if not (isinstance(names, (list, tuple)) and len(names) == k):
                names = ["condition"] if k == 1 else [f"c{i}" for i in range(k)]
            self.group_names = tuple(str(s) for s in names)
            self.keys = [tuple(_round_key(v) for v in row) for row in self.condition]
        elif by == "labels":
            if self.labels is None:
                raise InputError(f"{self.name}: has no labels to group by")
            self.group_names = (str(self.attrs.get("label_name", "label")),)
            self.keys = [(_plain(v),) for v in self.labels]
        else:
            self.group_names = ()
            self.keys = [()] * n

    def group_index(self) -> dict[tuple, np.ndarray]:
        """Group key -> indices of its samples, keys in sorted order."""
        out: dict[tuple, list[int]] = {}
        for i, key in enumerate(self.keys or [()] * len(self)):
            out.setdefault(key, []).append(i)
        return {k: np.asarray(out[k], dtype=np.int64) for k in sorted(out, key=sort_key)}


def _round_key(v) -> float:
    return float(f"{float(v):.9g}")  # equal up to float noise in how the condition was stored


def _plain(v):
    if isinstance(v, np.generic):
        return v.item()
    return v


def sort_key(key: tuple):
    """Order of group keys: numbers ascending, then strings."""
    return tuple((0, v, "") if isinstance(v, (int, float)) else (1, 0, str(v)) for v in key)


def group_label(names: Sequence[str], key: tuple) -> str:
    """Human-readable name of a group: "T=2.269", "label=1", or "all" for the whole set."""
    if not key:
        return "all"
    return ", ".join(f"{n}={_fmt(v)}" for n, v in zip(names, key))


def _fmt(v) -> str:
    return f"{v:.6g}" if isinstance(v, float) else str(v)


def as_dataset(obj, name: str, *, label: str | None = None) -> Dataset:
    """Turn a SampleSet, array, list of strings, DataFrame or file path into a checked :class:`Dataset`.

    ``label`` names a DataFrame column whose values become the labels (the groups).
    """
    if isinstance(obj, Dataset):
        ds = obj
    elif isinstance(obj, (str, Path)):
        from scigen.validate.files import load_input

        ds = load_input(obj, label=label)
    elif hasattr(obj, "samples") and hasattr(obj, "attrs"):  # scigen.io.SampleSet
        path = getattr(obj, "path", None)
        ds = Dataset(obj.samples, obj.condition, obj.labels, dict(obj.attrs), str(path) if path else name,
                     Path(path) if path else None)
    elif _is_frame(obj):
        ds = Dataset(obj.reset_index(drop=True), name=name)
    elif isinstance(obj, (list, tuple)):
        ds = Dataset(np.array(list(obj), dtype=object), name=name)
    else:
        ds = Dataset(np.asarray(obj), name=name)
    if label is not None and ds.kind == "table" and ds.labels is None:
        if label not in ds.samples.columns:
            raise InputError(f"{ds.name}: no column '{label}' to use as the label; columns are "
                             f"{', '.join(map(str, ds.samples.columns))}")
        ds.labels = ds.samples[label].to_numpy()
        ds.attrs = {**ds.attrs, "label_name": label}
    check_dataset(ds)
    return ds


def check_dataset(ds: Dataset) -> None:
    """Empty sets, missing sample axis, NaN/inf in numbers or conditions: an error naming the input."""
    n = len(ds)
    if n == 0:
        raise InputError(f"{ds.name}: the sample set is empty (0 samples); nothing can be validated")
    kind = ds.kind
    if kind == "array":
        arr = ds.samples
        if arr.ndim < 1:
            raise InputError(f"{ds.name}: samples must have a leading sample axis (N, ...), got a scalar")
        if arr.dtype.kind not in "biuf":
            raise InputError(f"{ds.name}: samples of dtype {arr.dtype} are not numbers; pass numbers, "
                             "strings (SMILES) or a DataFrame (tables)")
        if arr.dtype.kind == "f":
            bad = ~np.isfinite(arr.reshape(n, -1)).all(axis=1)
            if bad.any():
                raise InputError(
                    f"{ds.name}: {int(bad.sum())} of {n} samples contain NaN or inf (first at index "
                    f"{int(np.flatnonzero(bad)[0])}); remove or repair them before validating"
                )
    elif kind == "strings":
        if ds.samples.ndim != 1:
            raise InputError(f"{ds.name}: string samples must be one-dimensional (N,), got {ds.samples.shape}")
        bad = [i for i, s in enumerate(ds.samples) if not isinstance(s, str)]
        if bad:
            raise InputError(f"{ds.name}: sample {bad[0]} is {ds.samples[bad[0]]!r}, not a string "
                             f"({len(bad)} such); empty or missing entries must be removed")
    else:  # table: missing entries are part of tabular data (missingness), inf is not
        frame = ds.samples
        num = frame.select_dtypes(include="number")
        if num.shape[1] and np.isinf(num.to_numpy(dtype=np.float64, na_value=np.nan)).any():
            col = next(c for c in num.columns if np.isinf(num[c].to_numpy(dtype=np.float64, na_value=0.0)).any())
            raise InputError(f"{ds.name}: column '{col}' contains inf; replace it by a number or NaN (missing)")
        empty = [c for c in frame.columns if frame[c].isna().all()]
        if empty:
            raise InputError(f"{ds.name}: column(s) {', '.join(map(str, empty))} are entirely missing; "
                             "drop them from the table")
    if ds.condition is not None:
        cond = np.asarray(ds.condition, dtype=np.float64)
        if cond.ndim == 1:
            cond = cond[:, None]
        if cond.shape[0] != n:
            raise InputError(f"{ds.name}: condition has {cond.shape[0]} rows for {n} samples")
        if not np.isfinite(cond).all():
            raise InputError(f"{ds.name}: the condition contains NaN or inf; every sample needs a finite condition")
        ds.condition = cond
    if ds.labels is not None:
        labels = np.asarray(ds.labels)
        if labels.shape != (n,):
            raise InputError(f"{ds.name}: labels have shape {labels.shape}, expected ({n},)")
        if labels.dtype.kind == "f" and not np.isfinite(labels).all():
            raise InputError(f"{ds.name}: the labels contain NaN; every sample needs a label (or drop --label)")
        ds.labels = labels


def check_compatible(ref: Dataset, other: Dataset, *, condition: bool = True) -> None:
    """``other`` must hold the same kind of samples as ``ref``: same sample shape, same table columns.

    A table's columns are reordered to the reference's order; extra or missing columns are an error.
    """
    if ref.kind != other.kind:
        raise InputError(f"{other.name} holds {other.kind} samples but {ref.name} holds {ref.kind} samples; "
                         "compare sets of the same kind")
    if ref.kind == "array" and ref.samples.shape[1:] != other.samples.shape[1:]:
        raise InputError(f"{other.name}: samples have shape {other.samples.shape[1:]} each, but {ref.name} "
                         f"has {ref.samples.shape[1:]}; both sets must hold samples of one shape")
    if ref.kind == "table":
        a, b = list(ref.samples.columns), list(other.samples.columns)
        if set(a) != set(b):
            missing = [c for c in a if c not in b]
            extra = [c for c in b if c not in a]
            raise InputError(f"{other.name}: columns differ from {ref.name} (missing: {missing or 'none'}, "
                             f"extra: {extra or 'none'}); both tables need the same columns")
        if a != b:
            other.samples = other.samples[a]
    if not condition:
        return
    if (ref.condition is None) != (other.condition is None):
        has, lacks = (ref, other) if ref.condition is not None else (other, ref)
        raise InputError(f"{lacks.name} has no condition but {has.name} has one: groups (e.g. temperatures) "
                         "cannot be matched; store the condition with the samples, or compare without groups "
                         "(group_by=None)")
    if ref.condition is not None and ref.condition.shape[1] != other.condition.shape[1]:
        raise InputError(f"{other.name}: condition has {other.condition.shape[1]} components, {ref.name} has "
                         f"{ref.condition.shape[1]}")


def check_domains(datasets: Sequence[Dataset]) -> str | None:
    """The common ``domain`` attribute of the inputs (None if none has one); disagreement is an error."""
    seen = {(d.domain, d.name) for d in datasets if d.domain}
    domains = {d for d, _ in seen}
    if len(domains) > 1:
        names = "; ".join(f"{n}: {d}" for d, n in sorted(seen))
        raise InputError(f"the inputs come from different domains ({names}); compare sets of one domain, "
                         "or pass domain= (--domain) to choose the statistics explicitly")
    return domains.pop() if domains else None


def describe(ds: Dataset | None) -> dict | None:
    """JSON-ready description of an input for the report: source, size, shape, provenance attributes."""
    if ds is None:
        return None
    out: dict[str, Any] = {"name": ds.name, "path": str(ds.path) if ds.path else None, "n": len(ds),
                           "kind": ds.kind}
    if ds.kind == "array":
        out["sample_shape"] = list(ds.samples.shape[1:])
        out["dtype"] = str(ds.samples.dtype)
    elif ds.kind == "table":
        out["columns"] = [str(c) for c in ds.samples.columns]
        out["missing_fraction"] = float(ds.samples.isna().to_numpy().mean())
    out["condition_dim"] = None if ds.condition is None else int(ds.condition.shape[1])
    out["has_labels"] = ds.labels is not None
    out["attrs"] = json_safe(ds.attrs)
    return out


def json_safe(obj):
    """Recursively convert numpy scalars/arrays, paths and non-finite floats into JSON values."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return json_safe(obj.tolist())
    if isinstance(obj, np.generic):
        return json_safe(obj.item())
    if isinstance(obj, float):
        return obj if np.isfinite(obj) else None
    if isinstance(obj, (str, int, bool)) or obj is None:
        return obj
    if isinstance(obj, bytes):
        return obj.decode("utf-8", "replace")
    return str(obj)
