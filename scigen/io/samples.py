"""HDF5 sample sets: the one on-disk format every domain reads and writes.

Layout of a sample set file::

    /samples     (N, ...)  the samples themselves (spins, maps, encoded records...), chunked + compressed
    /condition   (N, k)    optional float conditioning per sample (temperature, cosmology...)
    /labels      (N,)      optional integer class per sample
    attributes   schema="scigen.sampleset/1", domain, seed, producer (JSON: simulator parameters or
                 model checkpoint + hash), scigen_version, created (UTC ISO 8601), plus any
                 domain-specific attributes (numbers, strings, arrays; dicts/lists stored as JSON)

Files are written atomically (temporary file + rename) and read lazily in chunks, so a set larger
than memory streams through training and statistics. Chunks hold few samples (about 32 KiB), which
keeps per-sample random reads fast.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import h5py
import numpy as np

from scigen.errors import SampleSetError, require_file
from scigen.io.atomic import atomic_path
from scigen.io.attrs import decode_attrs, encode_attrs, provenance_attrs

_CHUNK_BYTES = 32 * 1024


@dataclass
class SampleSet:
    """A sample set in memory.

    Attributes:
        samples: (N, ...) array of samples.
        condition: (N, k) float array or None.
        labels: (N,) integer array or None.
        attrs: provenance and domain attributes (``domain``, ``seed``, ``producer``, ...).
        path: the file it was read from, if any.
    """

    samples: np.ndarray
    condition: np.ndarray | None = None
    labels: np.ndarray | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def __post_init__(self) -> None:
        _check_aligned(self.samples, self.condition, self.labels, where=str(self.path or "sample set"))

    def __len__(self) -> int:
        return int(self.samples.shape[0])

    @property
    def domain(self) -> str | None:
        return self.attrs.get("domain")

    def subset(self, index) -> "SampleSet":
        """A new SampleSet with the samples selected by ``index`` (mask, slice or integer array)."""
        return SampleSet(
            samples=self.samples[index],
            condition=None if self.condition is None else self.condition[index],
            labels=None if self.labels is None else self.labels[index],
            attrs=dict(self.attrs),
            path=self.path,
        )


def _check_aligned(samples, condition, labels, *, where: str) -> None:
    if samples.ndim < 1:
        raise SampleSetError(f"{where}: 'samples' must have a leading sample axis, got shape {samples.shape}")
    n = samples.shape[0]
    if condition is not None:
        if condition.ndim != 2 or condition.shape[0] != n:
            raise SampleSetError(
                f"{where}: 'condition' must have shape (N, k) with N={n} (one row per sample), "
                f"got {tuple(condition.shape)}; reshape a 1-D condition with condition[:, None]"
            )
    if labels is not None:
        if labels.ndim != 1 or labels.shape[0] != n:
            raise SampleSetError(
                f"{where}: 'labels' must have shape (N,) with N={n}, got {tuple(labels.shape)}"
            )


def _chunk_rows(sample_shape: tuple[int, ...], itemsize: int) -> int:
    per_sample = max(1, int(np.prod(sample_shape, dtype=np.int64)) * itemsize)
    return int(np.clip(_CHUNK_BYTES // per_sample, 1, 4096))


class SampleSetWriter:
    """Stream samples into a new HDF5 sample set; the file appears (atomically) on :meth:`close`.

    Example::

        with SampleSetWriter("fake.h5", sample_shape=(32, 32), dtype=np.int8, domain="ising",
                             condition_dim=1, seed=0, producer={"kind": "model", ...}) as w:
            for batch, temps in ...:
                w.append(batch, condition=temps)

    Args:
        path: destination file (created with its parent directories).
        sample_shape: shape of one sample.
        dtype: numpy dtype of ``samples``.
        domain: the domain name ("ising", "astro", "chem", "ehr") or None for plain arrays.
        condition_dim: k of the (N, k) ``condition`` dataset, or None for none.
        with_labels: whether an (N,) integer ``labels`` dataset is written.
        attrs: extra attributes (domain parameters); dicts/lists are stored as JSON.
        seed, producer: provenance (see :func:`provenance_attrs`).
        compression: h5py compression ("lzf", "gzip") or None.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        sample_shape: tuple[int, ...],
        dtype,
        domain: str | None,
        condition_dim: int | None = None,
        with_labels: bool = False,
        attrs: dict[str, Any] | None = None,
        seed: int | None = None,
        producer: dict | None = None,
        compression: str | None = "lzf",
    ) -> None:
        self.path = Path(path)
        self.sample_shape = tuple(int(s) for s in sample_shape)
        self._n = 0
        self._stack = ExitStack()
        self._tmp = self._stack.enter_context(atomic_path(self.path))
        self._file = h5py.File(self._tmp, "w")
        dtype = np.dtype(dtype)
        rows = _chunk_rows(self.sample_shape, dtype.itemsize)
        opts = {"compression": compression, "shuffle": compression is not None and dtype.itemsize > 1}
        self._samples = self._file.create_dataset(
            "samples", shape=(0, *self.sample_shape), maxshape=(None, *self.sample_shape),
            dtype=dtype, chunks=(rows, *self.sample_shape), **opts,
        )
        self._condition = None
        if condition_dim is not None:
            self._condition = self._file.create_dataset(
                "condition", shape=(0, condition_dim), maxshape=(None, condition_dim),
                dtype=np.float64, chunks=(1024, condition_dim),
            )
        self._labels = None
        if with_labels:
            self._labels = self._file.create_dataset(
                "labels", shape=(0,), maxshape=(None,), dtype=np.int64, chunks=(1024,)
            )
        encode_attrs(self._file, {**provenance_attrs(domain, seed=seed, producer=producer), **(attrs or {})})

    def __len__(self) -> int:
        return self._n

    def append(self, samples, condition=None, labels=None) -> None:
        """Append a batch: ``samples`` (B, *sample_shape), ``condition`` (B, k), ``labels`` (B,)."""
        samples = np.asarray(samples)
        where = f"writing '{self.path}'"
        if tuple(samples.shape[1:]) != self.sample_shape:
            raise SampleSetError(
                f"{where}: batch of shape {samples.shape} does not match sample shape {self.sample_shape}"
            )
        condition = None if condition is None else np.asarray(condition, dtype=np.float64)
        labels = None if labels is None else np.asarray(labels)
        _check_aligned(samples, condition, labels, where=where)
        if (condition is None) != (self._condition is None):
            raise SampleSetError(f"{where}: condition given {'without' if self._condition is None else 'missing'} "
                                 "a condition dataset; pass condition_dim to the writer and a condition per batch")
        if (labels is None) != (self._labels is None):
            raise SampleSetError(f"{where}: labels must be given for every batch exactly when with_labels=True")
        b = samples.shape[0]
        lo, hi = self._n, self._n + b
        self._samples.resize(hi, axis=0)
        self._samples[lo:hi] = samples
        if condition is not None:
            self._condition.resize(hi, axis=0)
            self._condition[lo:hi] = condition
        if labels is not None:
            self._labels.resize(hi, axis=0)
            self._labels[lo:hi] = labels
        self._n = hi

    def set_attrs(self, **attrs) -> None:
        """Add or replace attributes (for values known only at the end, such as measured tau)."""
        stored = decode_attrs(self._file)
        stored.update(attrs)
        for key in list(self._file.attrs):
            del self._file.attrs[key]
        encode_attrs(self._file, stored)

    def close(self) -> Path:
        """Finish the file and move it into place. Returns the final path."""
        if self._file is not None:
            self._file.close()
            self._file = None
            self._stack.close()
        return self.path

    def abort(self) -> None:
        """Discard everything written; the destination is left as it was."""
        if self._file is not None:
            self._file.close()
            self._file = None
            self._stack.__exit__(RuntimeError, RuntimeError("aborted"), None)

    def __enter__(self) -> "SampleSetWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def write_sample_set(
    path: str | os.PathLike,
    samples,
    *,
    domain: str | None,
    condition=None,
    labels=None,
    attrs: dict[str, Any] | None = None,
    seed: int | None = None,
    producer: dict | None = None,
    compression: str | None = "lzf",
) -> Path:
    """Write a whole in-memory sample set atomically. Shapes as in :class:`SampleSet`. Returns the path."""
    samples = np.asarray(samples)
    condition = None if condition is None else np.asarray(condition, dtype=np.float64)
    if condition is not None and condition.ndim == 1:
        condition = condition[:, None]
    labels = None if labels is None else np.asarray(labels)
    _check_aligned(samples, condition, labels, where=f"writing '{path}'")
    with SampleSetWriter(
        path, sample_shape=samples.shape[1:], dtype=samples.dtype, domain=domain,
        condition_dim=None if condition is None else condition.shape[1], with_labels=labels is not None,
        attrs=attrs, seed=seed, producer=producer, compression=compression,
    ) as writer:
        writer.append(samples, condition=condition, labels=labels)
    return Path(path)


class SampleSetFile:
    """A sample set opened lazily for reading: nothing is loaded until asked for.

    ``len(f)``, ``f.attrs``, ``f.sample_shape``, ``f.dtype``; ``f.read(index)`` reads samples by
    slice/indices; ``f.iter_batches(size)`` streams the set in order; ``f.load()`` reads it all.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = require_file(path, "sample set")
        try:
            self._file = h5py.File(self.path, "r")
        except OSError as exc:
            raise SampleSetError(
                f"'{self.path}' is not a readable HDF5 file ({exc}); a sample set is an HDF5 file "
                "written by scigen.io.write_sample_set or a `scigen ... simulate/generate` command"
            ) from None
        if "samples" not in self._file:
            found = ", ".join(sorted(self._file.keys())) or "nothing"
            self._file.close()
            raise SampleSetError(
                f"'{self.path}' has no 'samples' dataset (found: {found}); a scigen sample set keeps "
                "its (N, ...) samples under '/samples': rename the dataset or rewrite the file with "
                "scigen.io.write_sample_set"
            )
        self.samples = self._file["samples"]
        self.condition = self._file["condition"] if "condition" in self._file else None
        self.labels = self._file["labels"] if "labels" in self._file else None
        self.attrs = decode_attrs(self._file)
        shape = lambda d: None if d is None else tuple(d.shape)  # noqa: E731
        if self.condition is not None and (self.condition.ndim != 2 or self.condition.shape[0] != len(self)):
            raise SampleSetError(f"'{self.path}': 'condition' has shape {shape(self.condition)}, "
                                 f"expected ({len(self)}, k): one row per sample")
        if self.labels is not None and self.labels.shape != (len(self),):
            raise SampleSetError(f"'{self.path}': 'labels' has shape {shape(self.labels)}, expected ({len(self)},)")

    def __len__(self) -> int:
        return int(self.samples.shape[0])

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return tuple(self.samples.shape[1:])

    @property
    def dtype(self) -> np.dtype:
        return self.samples.dtype

    @property
    def domain(self) -> str | None:
        return self.attrs.get("domain")

    def read(self, index) -> SampleSet:
        """Read the samples at ``index`` (slice, or sorted/unsorted integer array) into memory."""
        if isinstance(index, slice):
            pick = lambda d: None if d is None else d[index]  # noqa: E731
        else:
            idx = np.asarray(index, dtype=np.int64)
            order = np.argsort(idx, kind="stable")
            sorted_idx = idx[order]
            unique, inverse = np.unique(sorted_idx, return_inverse=True)
            back = np.empty_like(order)
            back[order] = np.arange(len(order))

            def pick(d):
                if d is None:
                    return None
                return d[unique][inverse][back]
        return SampleSet(pick(self.samples), pick(self.condition), pick(self.labels), dict(self.attrs), self.path)

    def iter_batches(self, batch_size: int = 4096) -> Iterator[SampleSet]:
        """Stream the whole set in order, ``batch_size`` samples at a time."""
        for start in range(0, len(self), batch_size):
            yield self.read(slice(start, start + batch_size))

    def load(self, limit: int | None = None) -> SampleSet:
        """Read the first ``limit`` samples (all by default) into memory."""
        return self.read(slice(0, len(self) if limit is None else min(limit, len(self))))

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "SampleSetFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_sample_set(path: str | os.PathLike, limit: int | None = None) -> SampleSet:
    """Read a sample set (its first ``limit`` samples, all by default) into memory."""
    with SampleSetFile(path) as f:
        return f.load(limit)


def read_attrs(path: str | os.PathLike) -> dict[str, Any]:
    """The attributes of a sample set, without reading any samples."""
    with SampleSetFile(path) as f:
        return dict(f.attrs)
