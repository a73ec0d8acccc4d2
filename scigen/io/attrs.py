"""Attributes of HDF5 sample sets: the provenance every new set carries, and the codec that stores
dicts and lists as JSON strings (HDF5 attributes hold only scalars, strings and arrays) and reads them
back as the same Python values."""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any

import numpy as np

SCHEMA = "scigen.sampleset/1"
_JSON_ATTRS = "scigen_json_attrs"  # names of attributes stored as JSON strings


def encode_attrs(h5obj, attrs: dict[str, Any]) -> None:
    """Write ``attrs`` onto an h5py File/Group/Dataset (None values skipped; dict/list/tuple as JSON)."""
    json_names = []
    for key, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, (dict, list, tuple)):
            h5obj.attrs[key] = json.dumps(value, default=_json_default)
            json_names.append(key)
        elif isinstance(value, Path):
            h5obj.attrs[key] = str(value)
        else:
            h5obj.attrs[key] = value
    if json_names:
        h5obj.attrs[_JSON_ATTRS] = json.dumps(json_names)


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"attribute value of type {type(obj).__name__} is not JSON serialisable")


def decode_attrs(h5obj) -> dict[str, Any]:
    """The attributes written by :func:`encode_attrs` as Python values (JSON ones decoded, numpy scalars unboxed)."""
    raw = dict(h5obj.attrs)
    json_names = json.loads(raw.pop(_JSON_ATTRS, "[]"))
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, bytes):
            value = value.decode("utf-8")
        if key in json_names:
            value = json.loads(value)
        elif isinstance(value, np.generic):
            value = value.item()
        out[key] = value
    return out


def provenance_attrs(domain: str | None, *, seed: int | None = None, producer: dict | None = None) -> dict:
    """The standard attributes of a new sample set: schema, domain, seed, producer, version, time."""
    from scigen import __version__

    return {
        "schema": SCHEMA,
        "domain": domain,
        "seed": seed,
        "producer": producer,
        "scigen_version": __version__,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
