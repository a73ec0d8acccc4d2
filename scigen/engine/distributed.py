"""Scale-out with torch DistributedDataParallel, launched by ``torchrun``.

The same training command runs on one CPU, one GPU or many nodes: when ``torchrun`` has set
``WORLD_SIZE`` > 1 the engine joins the process group (NCCL on GPU, gloo on CPU), each rank takes its
share of every global batch, gradients are averaged across ranks, and only rank 0 writes logs and
checkpoints.
"""

from __future__ import annotations

import atexit
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistInfo:
    """Where this process stands: ``rank`` of ``world_size`` (``local_rank`` on its node)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    initialized_here: bool = False

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def setup(device_kind: str) -> DistInfo:
    """Join the process group when launched by torchrun with several processes; else single process.

    ``device_kind`` is "cuda" or "cpu" (NCCL for CUDA, gloo otherwise). The group is created once per
    process and kept until the process exits (re-creating it within one torchrun job is unreliable),
    so training and then generating in one script share it.
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo()
    rank = int(os.environ["RANK"])
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    initialized_here = False
    if not dist.is_initialized():
        backend = "nccl" if device_kind == "cuda" else "gloo"
        if device_kind == "cuda":
            torch.cuda.set_device(local_rank)
        dist.init_process_group(backend=backend)
        atexit.register(_destroy)
        initialized_here = True
    return DistInfo(rank=rank, world_size=world, local_rank=local_rank, initialized_here=initialized_here)


def _destroy() -> None:
    """At exit: every rank reaches the barrier before the group is torn down, so no rank closes its
    connections while another still uses them (a gloo worker then aborts: "terminate called
    without an active exception", seen once in ~15 runs of tests/engine/test_distributed.py)."""
    if dist.is_initialized():
        try:
            dist.barrier()
        except Exception:  # a rank already gone: tear down regardless
            pass
        dist.destroy_process_group()


def barrier(info: DistInfo) -> None:
    if info.enabled:
        dist.barrier()


def all_gather_objects(info: DistInfo, obj):
    """List of ``obj`` from every rank (just ``[obj]`` in a single process)."""
    if not info.enabled:
        return [obj]
    out = [None] * info.world_size
    dist.all_gather_object(out, obj)
    return out


def broadcast_object(info: DistInfo, obj):
    """Rank 0's ``obj`` on every rank."""
    if not info.enabled:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


class ResumableSampler(torch.utils.data.Sampler[int]):
    """Shuffled indices per epoch, sharded across ranks, restartable at any batch.

    The permutation of epoch ``e`` depends only on ``(seed, e)``. Rank ``r`` of ``w`` takes every
    ``w``-th index starting at ``r``, so at each step the union of the ranks' batches equals the batch
    a single process with the global batch size would see. Indices are truncated so every rank has
    the same number of full batches.

    With ``lengths`` ((n,) sizes, e.g. tokens per sequence) the epoch's permutation is cut into
    pools of ``pool_batches`` global batches, each pool is sorted by length and split into batches,
    and the batches are shuffled: batches hold samples of similar length (less padding), still
    random, still a function of ``(seed, epoch)``.
    """

    def __init__(self, n: int, *, batch_size: int, seed: int, shuffle: bool = True,
                 rank: int = 0, world_size: int = 1, lengths: torch.Tensor | None = None,
                 pool_batches: int = 50) -> None:
        self.n = n
        self.lengths = None if lengths is None else torch.as_tensor(lengths).reshape(-1)
        self.pool_batches = pool_batches
        self.batch_size = batch_size  # per rank
        self.seed = seed
        self.shuffle = shuffle
        self.rank = rank
        self.world_size = world_size
        self.epoch = 0
        self.start_batch = 0

    @property
    def batches_per_epoch(self) -> int:
        return self.n // (self.batch_size * self.world_size)

    def set_position(self, epoch: int, start_batch: int) -> None:
        self.epoch = epoch
        self.start_batch = start_batch

    def __iter__(self):
        if self.shuffle:
            g = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
            order = torch.randperm(self.n, generator=g)
        else:
            order = torch.arange(self.n)
        used = self.batches_per_epoch * self.batch_size * self.world_size
        order = order[:used]
        if self.lengths is not None:
            order = self._bucketed(order)
        mine = order[self.rank::self.world_size]
        return iter(mine[self.start_batch * self.batch_size:].tolist())

    def _bucketed(self, order: torch.Tensor) -> torch.Tensor:
        """``order`` regrouped into global batches of similar length, the batches in random order."""
        global_batch = self.batch_size * self.world_size
        pool = global_batch * self.pool_batches
        pools = []
        for start in range(0, len(order), pool):
            chunk = order[start:start + pool]
            pools.append(chunk[torch.argsort(self.lengths[chunk], stable=True)])
        batches = torch.cat(pools).view(-1, global_batch)
        if self.shuffle:
            g = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch + 7_919)
            batches = batches[torch.randperm(len(batches), generator=g)]
        return batches.reshape(-1)  # rank r's k-th batch: every w-th sample of global batch k

    def __len__(self) -> int:
        return (self.batches_per_epoch - self.start_batch) * self.batch_size
