"""Joining sample-set shards (one per rank) into one file with HDF5 virtual datasets."""

from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np

from scigen.errors import SampleSetError
from scigen.io.atomic import atomic_path
from scigen.io.attrs import encode_attrs
from scigen.io.samples import SampleSetFile


def join_shards(shards: list[str | os.PathLike], path: str | os.PathLike) -> Path:
    """Join sample-set shards (one per rank) into one file with HDF5 virtual datasets.

    The joined file stores no samples: it maps ``samples``/``condition``/``labels`` onto the shards,
    referenced by paths relative to the joined file, so keep them side by side. Attributes come from
    the first shard, with ``shards`` (the file names) added. Shards must agree in sample shape,
    dtype, domain and which datasets they carry.
    """
    shards = [Path(s) for s in shards]
    if not shards:
        raise SampleSetError(f"join_shards('{path}'): no shard files given")
    out = Path(path)
    infos = []
    for s in shards:
        with SampleSetFile(s) as f:
            infos.append({
                "n": len(f), "shape": f.sample_shape, "dtype": f.dtype, "domain": f.domain,
                "cond": None if f.condition is None else f.condition.shape[1],
                "labels": f.labels is not None, "attrs": dict(f.attrs),
            })
    first = infos[0]
    for s, info in zip(shards, infos):
        for key in ("shape", "dtype", "domain", "cond", "labels"):
            if info[key] != first[key]:
                raise SampleSetError(
                    f"shard '{s}' differs from '{shards[0]}' in {key}: {info[key]} vs {first[key]}; "
                    "only shards of one generation run can be joined"
                )
    total = sum(i["n"] for i in infos)

    def layout(name, shape_tail, dtype):
        lay = h5py.VirtualLayout(shape=(total, *shape_tail), dtype=dtype)
        start = 0
        for s, info in zip(shards, infos):
            rel = os.path.relpath(s.resolve(), out.resolve().parent)
            src = h5py.VirtualSource(rel, name, shape=(info["n"], *shape_tail))
            lay[start:start + info["n"]] = src
            start += info["n"]
        return lay

    with atomic_path(out) as tmp:
        with h5py.File(tmp, "w", libver="latest") as f:
            f.create_virtual_dataset("samples", layout("samples", first["shape"], first["dtype"]))
            if first["cond"] is not None:
                f.create_virtual_dataset("condition", layout("condition", (first["cond"],), np.float64))
            if first["labels"]:
                f.create_virtual_dataset("labels", layout("labels", (), np.int64))
            encode_attrs(f, {**first["attrs"], "shards": [s.name for s in shards]})
    return out
