"""Writing generated samples to HDF5 sample sets, sharded by rank under torchrun.

In a single process the set is written directly. Under ``torchrun`` each rank writes its share to
``<stem>.shard<r>-of-<w>.h5`` beside the output, and rank 0 joins them with an HDF5 virtual dataset
into the requested file (:func:`scigen.io.join_shards`), so a large set is generated in parallel
and read as one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from scigen.engine import distributed as dist_util
from scigen.io import SampleSetWriter, join_shards

SampleFn = Callable[[int, torch.Generator], dict[str, Any]]


def model_provenance(model) -> dict[str, Any]:
    """Producer attributes for samples drawn from ``model`` (checkpoint path, step and weights hash)."""
    info = getattr(model, "checkpoint_info", {}) or {}
    return {"kind": "model", "model": model.name, "config": model.config, "checkpoint": info.get("path"),
            "step": info.get("step"), "weights_sha256": info.get("weights_sha256")}


def _as_numpy(x):
    if x is None:
        return None
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def generate_to_file(
    path: str | os.PathLike,
    sample_fn: SampleFn,
    n: int,
    *,
    domain: str | None,
    batch_size: int = 1024,
    seed: int = 0,
    attrs: dict[str, Any] | None = None,
    producer: dict[str, Any] | None = None,
) -> Path:
    """Draw ``n`` samples in batches with ``sample_fn`` and write them as one sample set.

    Args:
        path: output HDF5 file.
        sample_fn: ``sample_fn(count, generator) -> {"samples": (count, ...), "condition": (count, k),
            "labels": (count,)}`` (condition/labels optional; arrays or tensors). It must draw all
            its randomness from ``generator`` so the output depends only on ``seed``.
        n: total number of samples (split across ranks under torchrun).
        domain, attrs, producer: sample-set attributes (see :mod:`scigen.io.samples`).
        batch_size: samples per call of ``sample_fn``.
        seed: rank r draws from a generator seeded with (seed, r).
    """
    if n < 1:
        raise ValueError(f"number of samples to generate must be at least 1, got {n}")
    out = Path(path)
    info = dist_util.setup("cuda" if torch.cuda.is_available() else "cpu")
    share = n // info.world_size + (1 if info.rank < n % info.world_size else 0)
    target = out if not info.enabled else out.with_name(f"{out.stem}.shard{info.rank:03d}-of-{info.world_size:03d}{out.suffix}")
    generator = torch.Generator().manual_seed(seed * 1_000_003 + info.rank)
    writer = None
    done = 0
    try:
        while done < share:
            count = min(batch_size, share - done)
            batch = {k: _as_numpy(v) for k, v in sample_fn(count, generator).items()}
            if writer is None:
                samples = batch["samples"]
                cond = batch.get("condition")
                writer = SampleSetWriter(
                    target, sample_shape=samples.shape[1:], dtype=samples.dtype, domain=domain,
                    condition_dim=None if cond is None else cond.reshape(len(samples), -1).shape[1],
                    with_labels=batch.get("labels") is not None, attrs=attrs, seed=seed, producer=producer,
                )
            cond = batch.get("condition")
            writer.append(batch["samples"], condition=None if cond is None else cond.reshape(count, -1),
                          labels=batch.get("labels"))
            done += count
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    if writer is not None:
        writer.close()
    if info.enabled:
        names = dist_util.all_gather_objects(info, str(target) if share else None)
        if info.is_main:
            join_shards([Path(p) for p in names if p], out)
        dist_util.barrier(info)
    return out
