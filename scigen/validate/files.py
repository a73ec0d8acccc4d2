"""Reading the inputs of ``scigen validate``: HDF5 sample sets, SMILES files and tables.

=====================  ===================================================  =========================
file                   samples                                              domain (unless the file
                                                                            says otherwise)
=====================  ===================================================  =========================
.h5 / .hdf5            ``/samples`` (N, ...), ``/condition``, ``/labels``    its ``domain`` attribute
.smi                   one SMILES per line (optional name after whitespace)  chem
.csv with a ``smiles``  that column (other columns ignored; ``label`` col.    chem
column                 becomes the labels)
.csv / .parquet        the table, one row per sample (a DataFrame)           ehr
=====================  ===================================================  =========================

SMILES come back as a numpy object array of Python ``str``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from scigen.errors import InputError, require_file
from scigen.validate.data import Dataset

HDF5_SUFFIXES = (".h5", ".hdf5", ".hdf")
TABLE_SUFFIXES = (".csv", ".parquet", ".pq", ".tsv")


def load_input(path: str | os.PathLike, *, label: str | None = None, max_samples: int | None = None,
               seed: int = 0) -> Dataset:
    """Read one input file into a :class:`Dataset` (see the module docstring for the formats).

    Args:
        path: the file.
        label: a table column (or, for a SMILES .csv, a column) that holds the class of each row.
        max_samples: read a random subset of at most this many samples (HDF5 reads only those).
        seed: seeds that subset.
    """
    p = require_file(path, "input file")
    suffix = "".join(p.suffixes[-2:]).lower() if p.suffix.lower() == ".gz" else p.suffix.lower()
    base = suffix.removesuffix(".gz")
    if base in HDF5_SUFFIXES:
        ds = _hdf5(p, max_samples, seed)
    elif base == ".smi":
        ds = Dataset(_read_smi(p), attrs={"domain": "chem", "format": "smi"}, name=str(p), path=p)
    elif base in TABLE_SUFFIXES:
        ds = _table(p, base, label)
    else:
        raise InputError(f"'{p}': unknown file type '{p.suffix}'; give an HDF5 sample set (.h5), SMILES "
                         "(.smi, or .csv with a 'smiles' column) or a table (.csv, .parquet)")
    if max_samples is not None and base not in HDF5_SUFFIXES and len(ds) > max_samples:
        idx = np.sort(np.random.default_rng(seed).choice(len(ds), max_samples, replace=False))
        ds = ds.subset(idx)
    return ds


def _hdf5(p: Path, max_samples, seed) -> Dataset:
    from scigen.io import SampleSetFile

    with SampleSetFile(p) as f:
        n = len(f)
        if max_samples is not None and n > max_samples:
            s = f.read(np.sort(np.random.default_rng(seed).choice(n, max_samples, replace=False)))
        else:
            s = f.load()
    return Dataset(s.samples, s.condition, s.labels, dict(s.attrs), str(p), p)


def _read_smi(p: Path) -> np.ndarray:
    import gzip

    opener = gzip.open if p.suffix.lower() == ".gz" else open
    out = []
    with opener(p, "rt", encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            token = text.split()[0]
            if lineno == 1 and token.lower() == "smiles":
                continue  # a header line
            out.append(token)
    if not out:
        raise InputError(f"'{p}' holds no SMILES (one per line expected, optionally followed by a name)")
    return np.array(out, dtype=object)


def _table(p: Path, base: str, label: str | None) -> Dataset:
    import pandas as pd

    try:
        if base in (".parquet", ".pq"):
            frame = pd.read_parquet(p)
        else:
            frame = pd.read_csv(p, sep="\t" if base == ".tsv" else ",")
    except ImportError as exc:
        raise InputError(f"'{p}': reading {base} needs an optional package ({exc}); install it or convert "
                         "the table to CSV") from None
    except Exception as exc:
        raise InputError(f"'{p}' could not be read as a table: {exc}") from None
    if frame.shape[0] == 0:
        raise InputError(f"'{p}': the table has no rows; nothing can be validated")
    smiles_col = next((c for c in frame.columns if str(c).strip().lower() == "smiles"), None)
    if smiles_col is not None:
        col = frame[smiles_col]
        if col.isna().any():
            raise InputError(f"'{p}': column '{smiles_col}' has {int(col.isna().sum())} empty entries "
                             f"(first at row {int(np.flatnonzero(col.isna().to_numpy())[0]) + 2} of the file)")
        labels = None
        if label is not None:
            if label not in frame.columns:
                raise InputError(f"'{p}': no column '{label}' (--label); columns: {', '.join(map(str, frame.columns))}")
            labels = frame[label].to_numpy()
        return Dataset(np.array([str(s).strip() for s in col], dtype=object), labels=labels,
                       attrs={"domain": "chem", "format": base.lstrip("."),
                              **({"label_name": label} if label else {})}, name=str(p), path=p)
    ds = Dataset(frame, attrs={"domain": "ehr", "format": base.lstrip(".")}, name=str(p), path=p)
    if label is not None:
        if label not in frame.columns:
            raise InputError(f"'{p}': no column '{label}' (--label); columns: {', '.join(map(str, frame.columns))}")
        ds.labels = frame[label].to_numpy()
        ds.attrs["label_name"] = label
    return ds
