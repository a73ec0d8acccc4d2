"""A torch ``Dataset`` over an HDF5 sample set, safe with DataLoader workers (fork and spawn).

The file is opened lazily in each process (h5py handles cannot be pickled or shared across fork),
so only the path travels to workers. Sets smaller than ``in_memory_limit`` bytes are read once per
process and served from memory; larger ones are read sample by sample from the (small) chunks.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch.utils.data import Dataset

from scigen.io.samples import SampleSet, SampleSetFile

_DEFAULT_IN_MEMORY = 1 << 30  # 1 GiB


class SampleSetDataset(Dataset):
    """Items are dicts ``{"samples": Tensor, "condition": Tensor (k,), "labels": Tensor ()}``.

    Only the keys the file has are present. ``samples`` keeps its stored dtype unless ``dtype`` is
    given (e.g. ``torch.float32`` for int8 spins); ``transform`` maps the item dict to a new one.
    """

    def __init__(
        self,
        source: str | os.PathLike | SampleSet,
        *,
        dtype: torch.dtype | None = None,
        transform: Callable[[dict], dict] | None = None,
        in_memory_limit: int = _DEFAULT_IN_MEMORY,
    ) -> None:
        self.dtype = dtype
        self.transform = transform
        self._memory: SampleSet | None = None
        self._file: SampleSetFile | None = None
        if isinstance(source, SampleSet):
            self.path = source.path
            self._memory = source
            self._len = len(source)
            self.attrs = dict(source.attrs)
            return
        self.path = Path(source)
        with SampleSetFile(self.path) as f:
            self._len = len(f)
            self.attrs = dict(f.attrs)
            nbytes = len(f) * int(np.prod(f.sample_shape, dtype=np.int64)) * f.dtype.itemsize
        self._load_all = nbytes <= in_memory_limit

    def __len__(self) -> int:
        return self._len

    def _read(self, index: int) -> SampleSet:
        if self._memory is None and self._load_all:
            with SampleSetFile(self.path) as f:
                self._memory = f.load()
        if self._memory is not None:
            return self._memory.subset(slice(index, index + 1))
        if self._file is None:
            self._file = SampleSetFile(self.path)
        return self._file.read(slice(index, index + 1))

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        part = self._read(int(index))
        item = {"samples": torch.from_numpy(np.ascontiguousarray(part.samples[0]))}
        if self.dtype is not None:
            item["samples"] = item["samples"].to(self.dtype)
        if part.condition is not None:
            item["condition"] = torch.from_numpy(part.condition[0].astype(np.float32))
        if part.labels is not None:
            item["labels"] = torch.as_tensor(part.labels[0], dtype=torch.long)
        return self.transform(item) if self.transform else item

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_file"] = None  # reopened lazily in the worker
        if self.path is not None:
            state["_memory"] = None  # re-read in the worker rather than pickled through a pipe
        return state
