"""Datasets the engine feeds from, and how it batches them."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from scigen.errors import InputError


class ArrayDataset(Dataset):
    """In-memory tensors sharing a leading sample axis; items are dicts of the named tensors.

    ``ArrayDataset(samples=x, condition=c)`` yields ``{"samples": x[i], "condition": c[i]}``. Whole
    batches are gathered with one indexing operation (``__getitems__``), so small models are not
    slowed down by per-item collation.

    ``bucket_lengths`` ((N,) ints, e.g. tokens per sequence): the engine then batches samples of
    similar length together (:class:`scigen.engine.distributed.ResumableSampler`), so a sequence
    model that trims each batch to its longest sample computes less padding.
    """

    collated = True  # __getitems__ returns a finished batch

    def __init__(self, *, bucket_lengths=None, **arrays) -> None:
        if not arrays:
            raise InputError("ArrayDataset needs at least one named array, e.g. ArrayDataset(samples=x)")
        self.arrays = {k: v if isinstance(v, torch.Tensor) else torch.as_tensor(np.asarray(v)) for k, v in arrays.items()}
        lengths = {k: len(v) for k, v in self.arrays.items()}
        if len(set(lengths.values())) != 1:
            raise InputError(f"ArrayDataset arrays differ in length: {lengths}; give one row per sample in each")
        self._n = next(iter(lengths.values()))
        self.bucket_lengths = None
        if bucket_lengths is not None:
            self.bucket_lengths = torch.as_tensor(np.asarray(bucket_lengths)).reshape(-1)
            if len(self.bucket_lengths) != self._n:
                raise InputError(f"ArrayDataset: bucket_lengths has {len(self.bucket_lengths)} entries for "
                                 f"{self._n} samples; give one length per sample")

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {k: v[index] for k, v in self.arrays.items()}

    def __getitems__(self, indices: list[int]) -> dict[str, torch.Tensor]:
        idx = torch.as_tensor(indices, dtype=torch.long)
        return {k: v[idx] for k, v in self.arrays.items()}


def identity_collate(batch):
    """Collate function for datasets whose ``__getitems__`` already returns a batch."""
    return batch
