"""Length-bucketed batches: every sample once per epoch, similar lengths per batch, resumable, DDP-consistent."""

import torch

from scigen.engine.data import ArrayDataset
from scigen.engine.distributed import ResumableSampler

import pytest


def _lengths(n=2000, seed=0):
    return torch.randint(5, 60, (n,), generator=torch.Generator().manual_seed(seed))


def _batches(sampler, b):
    idx = list(sampler)
    return [idx[i:i + b] for i in range(0, len(idx), b)]


def test_bucketed_batches_cover_the_epoch_and_cut_padding():
    lengths = _lengths()
    plain = ResumableSampler(2000, batch_size=32, seed=1)
    bucketed = ResumableSampler(2000, batch_size=32, seed=1, lengths=lengths, pool_batches=20)
    for s in (plain, bucketed):
        s.set_position(3, 0)
    batches = _batches(bucketed, 32)
    flat = [i for b in batches for i in b]
    assert len(flat) == len(set(flat)) == 62 * 32  # 62 full batches, no repeats
    # padding a length-trimmed batch costs: sum over batches of (B x max - sum of lengths)
    def padding(bs):
        return sum(32 * int(lengths[b].max()) - int(lengths[b].sum()) for b in bs)
    assert padding(batches) < 0.2 * padding(_batches(plain, 32))
    # still random: the batches' mean lengths are not in sorted order, and epochs differ
    means = [float(lengths[b].float().mean()) for b in batches]
    assert means != sorted(means)
    bucketed.set_position(4, 0)
    assert _batches(bucketed, 32) != batches


def test_bucketed_sampler_resumes_mid_epoch_and_shards_like_one_process():
    lengths = _lengths(1000, seed=2)
    whole = ResumableSampler(1000, batch_size=16, seed=5, lengths=lengths)
    whole.set_position(2, 0)
    full = _batches(whole, 16)
    whole.set_position(2, 7)
    assert _batches(whole, 16) == full[7:]
    ranks = []
    for r in range(2):
        s = ResumableSampler(1000, batch_size=8, seed=5, lengths=lengths, rank=r, world_size=2)
        s.set_position(2, 0)
        ranks.append(_batches(s, 8))
    assert [sorted(a + b) for a, b in zip(*ranks)] == [sorted(b) for b in full]


def test_array_dataset_checks_bucket_lengths():
    from scigen.errors import InputError

    ds = ArrayDataset(samples=torch.zeros(4, 3), bucket_lengths=[1, 2, 3, 3])
    assert ds.bucket_lengths.tolist() == [1, 2, 3, 3] and len(ds) == 4
    with pytest.raises(InputError, match="bucket_lengths"):
        ArrayDataset(samples=torch.zeros(4, 3), bucket_lengths=[1, 2])
