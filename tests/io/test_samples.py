"""HDF5 sample sets: layout, provenance, streaming, shards, torch Dataset, and clear errors."""

import multiprocessing as mp

import h5py
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from scigen.errors import MissingFileError, SampleSetError
from scigen.io import (SampleSetDataset, SampleSetFile, SampleSetWriter, join_shards, read_attrs, read_sample_set,
                       write_sample_set)


def _spins(n, L=8, seed=0):
    return np.random.default_rng(seed).choice(np.array([-1, 1], dtype=np.int8), size=(n, L, L))


def test_round_trip_with_provenance(tmp_path):
    spins, temps = _spins(50), np.repeat([2.0, 3.0], 25)
    labels = np.arange(50) % 3
    path = write_sample_set(tmp_path / "set.h5", spins, domain="ising", condition=temps, labels=labels, seed=4,
                            producer={"kind": "simulator", "algorithm": "metropolis"}, attrs={"L": 8, "tau": [1.5, 2.5]})
    got = read_sample_set(path)
    assert np.array_equal(got.samples, spins) and got.samples.dtype == np.int8
    assert got.condition.shape == (50, 1) and np.array_equal(got.condition[:, 0], temps)
    assert np.array_equal(got.labels, labels)
    assert got.attrs["domain"] == "ising" and got.attrs["seed"] == 4 and got.attrs["L"] == 8
    assert got.attrs["producer"] == {"kind": "simulator", "algorithm": "metropolis"}
    assert got.attrs["tau"] == [1.5, 2.5] and got.attrs["schema"] == "scigen.sampleset/1"
    assert "scigen_version" in got.attrs and got.attrs["created"].endswith("+00:00")
    with h5py.File(path) as f:  # small chunks (~32 KiB) for fast per-sample reads, compressed
        assert f["samples"].chunks == (512, 8, 8) and f["samples"].compression == "lzf"
    assert read_attrs(path)["domain"] == "ising"


def test_streaming_write_and_read_in_batches(tmp_path):
    path = tmp_path / "big.h5"
    with SampleSetWriter(path, sample_shape=(8, 8), dtype=np.int8, domain="ising", condition_dim=1) as writer:
        for i in range(10):
            writer.append(_spins(100, seed=i), condition=np.full((100, 1), 2.0 + i))
        assert not path.exists()  # appears only when complete
        writer.set_attrs(tau=3.5)
    assert path.exists()
    with SampleSetFile(path) as f:
        assert len(f) == 1000 and f.sample_shape == (8, 8) and f.attrs["tau"] == 3.5
        seen = [batch.condition[0, 0] for batch in f.iter_batches(250)]
        assert seen == [2.0, 4.0, 7.0, 9.0]
        picked = f.read([999, 0, 500, 0])
        assert np.array_equal(picked.samples[1], picked.samples[3])
        assert list(picked.condition[:, 0]) == [11.0, 2.0, 7.0, 2.0]


def test_writer_error_leaves_no_file(tmp_path):
    path = tmp_path / "never.h5"
    with pytest.raises(SampleSetError, match="does not match sample shape"):
        with SampleSetWriter(path, sample_shape=(8, 8), dtype=np.int8, domain="ising") as writer:
            writer.append(_spins(10))
            writer.append(_spins(10, L=4))
    assert not path.exists() and list(tmp_path.iterdir()) == []


def test_join_shards_reads_as_one_set(tmp_path):
    a = write_sample_set(tmp_path / "part0.h5", _spins(30, seed=1), domain="ising", condition=np.full(30, 2.0))
    b = write_sample_set(tmp_path / "part1.h5", _spins(20, seed=2), domain="ising", condition=np.full(20, 3.0))
    joined = join_shards([a, b], tmp_path / "all.h5")
    got = read_sample_set(joined)
    assert len(got) == 50 and np.array_equal(got.samples[30:], read_sample_set(b).samples)
    assert got.attrs["shards"] == ["part0.h5", "part1.h5"]
    bad = write_sample_set(tmp_path / "other.h5", _spins(5, L=4), domain="ising", condition=np.full(5, 2.0))
    with pytest.raises(SampleSetError, match="differs"):
        join_shards([a, bad], tmp_path / "no.h5")


def test_clear_errors_for_bad_files(tmp_path):
    with pytest.raises(MissingFileError, match="nothing.h5"):
        read_sample_set(tmp_path / "nothing.h5")
    (tmp_path / "text.h5").write_text("not hdf5")
    with pytest.raises(SampleSetError, match="not a readable HDF5 file"):
        read_sample_set(tmp_path / "text.h5")
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["images"] = np.zeros((3, 2))
    with pytest.raises(SampleSetError, match=r"no 'samples' dataset \(found: images\)"):
        read_sample_set(tmp_path / "other.h5")
    with h5py.File(tmp_path / "mismatch.h5", "w") as f:
        f["samples"] = np.zeros((3, 2))
        f["condition"] = np.zeros((4, 1))
    with pytest.raises(SampleSetError, match="'condition' has shape"):
        read_sample_set(tmp_path / "mismatch.h5")
    with pytest.raises(SampleSetError, match="one row per sample"):
        write_sample_set(tmp_path / "x.h5", np.zeros((3, 2)), domain=None, condition=np.zeros((2, 1)))


@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_dataset_with_workers(tmp_path, context):
    spins = _spins(64)
    path = write_sample_set(tmp_path / "set.h5", spins, domain="ising", condition=np.linspace(1, 2, 64))
    for limit in (0, 1 << 30):  # read from the file per sample, and cached in memory
        ds = SampleSetDataset(path, dtype=torch.float32, in_memory_limit=limit)
        loader = DataLoader(ds, batch_size=16, num_workers=2, multiprocessing_context=mp.get_context(context))
        batches = list(loader)
        got = torch.cat([b["samples"] for b in batches])
        assert got.dtype == torch.float32 and torch.equal(got, torch.from_numpy(spins).float())
        assert torch.allclose(torch.cat([b["condition"] for b in batches])[:, 0].double(),
                              torch.linspace(1, 2, 64, dtype=torch.float64))
