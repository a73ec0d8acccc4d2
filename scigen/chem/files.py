"""Molecules on disk: SMILES files (.smi, .csv, .tsv; optionally gzip'd) in and out, SDF in and out.

- ``.smi``: one molecule per line, the SMILES first, then optionally whitespace and a name; blank
  lines and lines starting with ``#`` are skipped; a first line whose first field is ``smiles``
  (any case) is a header.
- ``.csv`` / ``.tsv``: a table with a SMILES column (found case-insensitively among ``smiles``,
  ``canonical_smiles``, ``isomeric_smiles``, or named with ``column=``) and an optional name column
  (``name``, ``id``, ``title``, or ``name_column=``).
- ``.sdf``: read through RDKit (molecules that fail to parse are counted and skipped; SMILES are
  canonical isomeric), written through RDKit with 2-D coordinates.

Every writer is atomic (a complete file under the final name, or none).
"""

from __future__ import annotations

import gzip
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from scigen.errors import InputError, require_file
from scigen.io.atomic import atomic_path

SMILES_COLUMNS = ("smiles", "canonical_smiles", "isomeric_smiles")
NAME_COLUMNS = ("name", "id", "title", "molecule_chembl_id")


@dataclass
class Molecules:
    """SMILES strings read from a file.

    Attributes:
        smiles: (N,) object array of str.
        names: (N,) object array of str, or None when the file has no names.
        path: the file they came from.
        skipped: molecules that could not be read (SDF records RDKit rejects), by reason.
    """

    smiles: np.ndarray
    names: np.ndarray | None = None
    path: Path | None = None
    skipped: dict | None = None

    def __len__(self) -> int:
        return len(self.smiles)


def _suffixes(path: Path) -> tuple[str, bool]:
    """(format suffix without .gz, gzipped?)"""
    sfx = [s.lower() for s in path.suffixes]
    gz = bool(sfx) and sfx[-1] == ".gz"
    if gz:
        sfx = sfx[:-1]
    return (sfx[-1] if sfx else ""), gz


def _open_text(path: Path, gz: bool):
    return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8") if gz else open(path, encoding="utf-8")


def read_smiles(path: str | os.PathLike, *, column: str | None = None, name_column: str | None = None,
                limit: int | None = None) -> Molecules:
    """Read molecules from a .smi / .csv / .tsv (each optionally .gz) or .sdf file.

    Args:
        path: the file.
        column: the SMILES column of a table (default: found among ``smiles``, ``canonical_smiles``,
            ``isomeric_smiles``, any case).
        name_column: the name column of a table (default: ``name``/``id``/``title`` if present).
        limit: read at most this many molecules.

    Returns:
        :class:`Molecules` with the strings as written in the file (not validated: filter them
        with :mod:`scigen.chem.filters`).
    """
    p = require_file(path, "molecule file")
    fmt, gz = _suffixes(p)
    if fmt == ".smi" or fmt == ".smiles" or fmt == ".txt":
        smiles, names = _read_smi(p, gz, limit)
        return Molecules(_objects(smiles), None if names is None else _objects(names), p)
    if fmt in (".csv", ".tsv"):
        return _read_table(p, sep="\t" if fmt == ".tsv" else ",", column=column, name_column=name_column, limit=limit)
    if fmt in (".sdf", ".mol"):
        return read_sdf(p, limit=limit)
    raise InputError(f"'{p}': unknown molecule file type '{''.join(p.suffixes)}'; use .smi, .csv, .tsv "
                     "(optionally .gz) or .sdf")


def _objects(items: Sequence[str]) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _read_smi(p: Path, gz: bool, limit: int | None) -> tuple[list[str], list[str] | None]:
    smiles: list[str] = []
    names: list[str] = []
    any_name = False
    with _open_text(p, gz) as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 1)
            if not smiles and lineno == 1 and parts[0].lower() in SMILES_COLUMNS:
                continue  # header
            smiles.append(parts[0])
            if len(parts) > 1:
                any_name = True
                names.append(parts[1].strip())
            else:
                names.append("")
            if limit is not None and len(smiles) >= limit:
                break
    if not smiles:
        raise InputError(f"'{p}' holds no SMILES (a .smi file has one molecule per line: SMILES [name])")
    return smiles, (names if any_name else None)


def _find_column(columns: Sequence[str], wanted: str | None, candidates: Sequence[str], what: str, p: Path,
                 required: bool) -> str | None:
    if wanted is not None:
        if wanted not in columns:
            raise InputError(f"'{p}' has no column '{wanted}' (columns: {', '.join(map(str, columns))})")
        return wanted
    lower = {str(c).lower(): c for c in columns}
    for c in candidates:
        if c in lower:
            return lower[c]
    if required:
        raise InputError(f"'{p}' has no {what} column (columns: {', '.join(map(str, columns))}); name it "
                         f"'smiles' or pass its name (column= / --column)")
    return None


def _read_table(p: Path, *, sep: str, column: str | None, name_column: str | None, limit: int | None) -> Molecules:
    import pandas as pd

    try:
        df = pd.read_csv(p, sep=sep, nrows=limit, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"'{p}' is not a readable table ({exc})") from None
    col = _find_column(list(df.columns), column, SMILES_COLUMNS, "SMILES", p, True)
    ncol = _find_column(list(df.columns), name_column, NAME_COLUMNS, "name", p, name_column is not None)
    smiles = df[col].astype(str).str.strip().tolist()
    if not smiles:
        raise InputError(f"'{p}' holds no rows")
    names = None if ncol is None else _objects(df[ncol].astype(str).tolist())
    return Molecules(_objects(smiles), names, p)


def read_sdf(path: str | os.PathLike, *, limit: int | None = None) -> Molecules:
    """Molecules of an SDF file as canonical isomeric SMILES, with their ``_Name`` titles.

    Records RDKit cannot read are skipped and counted in ``skipped["unreadable"]``."""
    from rdkit import Chem

    from scigen.chem.mol import quiet

    p = require_file(path, "SDF file")
    _, gz = _suffixes(p)
    smiles, names, bad = [], [], 0
    with quiet(), (gzip.open(p, "rb") if gz else open(p, "rb")) as fh:
        for mol in Chem.ForwardSDMolSupplier(fh):
            if mol is None:
                bad += 1
                continue
            smiles.append(Chem.MolToSmiles(mol))
            names.append(mol.GetProp("_Name") if mol.HasProp("_Name") else "")
            if limit is not None and len(smiles) >= limit:
                break
    if not smiles:
        raise InputError(f"'{p}' holds no readable molecule ({bad} unreadable records)")
    return Molecules(_objects(smiles), _objects(names) if any(names) else None, p, {"unreadable": bad} if bad else {})


def write_smiles(path: str | os.PathLike, smiles: Iterable[str], *, names: Iterable[str] | None = None,
                 columns: dict[str, Sequence] | None = None, raw: bool = False) -> Path:
    """Write SMILES atomically as .smi ("SMILES<TAB>name" lines) or .csv/.tsv (a ``smiles`` column,
    ``name`` if given, and any extra ``columns``); ``.gz`` compresses. Returns the path.

    ``raw=True`` writes a generator's strings exactly, invalid and empty ones included; only .csv/.tsv
    can hold them (a .smi line cannot be empty, and one starting with '#', a valid SMILES start,
    reads as a comment).
    """
    p = Path(path)
    fmt, gz = _suffixes(p)
    smiles = [str(s) for s in smiles]
    names = None if names is None else [str(n) for n in names]
    if names is not None and len(names) != len(smiles):
        raise InputError(f"writing '{p}': {len(names)} names for {len(smiles)} molecules")
    if raw and fmt not in (".csv", ".tsv"):
        raise InputError(f"raw samples go to a .csv or .tsv file (got '{p}'): a .smi file cannot hold empty strings, "
                         "and lines starting with '#' read as comments")
    if not raw and any(not s or any(c.isspace() for c in s) for s in smiles):
        raise InputError(f"writing '{p}': a SMILES string is empty or contains whitespace")
    if fmt in (".smi", ".smiles", ".txt"):
        if columns:
            raise InputError(f"writing '{p}': extra columns need a .csv or .tsv file")
        lines = smiles if names is None else [f"{s}\t{n}" for s, n in zip(smiles, names)]
        text = "".join(line + "\n" for line in lines)
    elif fmt in (".csv", ".tsv"):
        import pandas as pd

        table = {"smiles": smiles}
        if names is not None:
            table["name"] = names
        for key, values in (columns or {}).items():
            if len(values) != len(smiles):
                raise InputError(f"writing '{p}': column '{key}' has {len(values)} values for {len(smiles)} molecules")
            table[key] = list(values)
        text = pd.DataFrame(table).to_csv(index=False, sep="\t" if fmt == ".tsv" else ",", lineterminator="\n")
    else:
        raise InputError(f"cannot write SMILES to '{p}': use a .smi, .csv or .tsv name (optionally .gz), "
                         "or write_sdf for .sdf")
    data = text.encode("utf-8")
    with atomic_path(p) as tmp:
        if gz:
            with gzip.GzipFile(tmp, "wb", mtime=0) as fh:  # mtime=0: same data, same bytes
                fh.write(data)
        else:
            tmp.write_bytes(data)
    return p


def write_sdf(path: str | os.PathLike, smiles: Iterable[str], *, names: Iterable[str] | None = None,
              properties: dict[str, Sequence] | None = None, coords: str | None = "2d", seed: int = 0) -> tuple[Path, int]:
    """Write molecules to an SDF file atomically through RDKit.

    Args:
        smiles: the molecules; invalid ones are skipped (and counted).
        names: titles (``_Name``), default the SMILES.
        properties: extra SD fields, one value per molecule (e.g. {"QED": [...]}).
        coords: "2d" (default, RDKit depiction), "3d" (ETKDG embedding with ``seed`` + MMFF; slow;
            molecules that fail to embed keep 2-D coordinates) or None (all-zero coordinates).

    Returns:
        (path, number of molecules skipped as invalid).
    """
    from rdkit import Chem
    from rdkit.Chem import AllChem, rdDepictor

    from scigen.chem.mol import quiet

    if coords not in ("2d", "3d", None):
        raise InputError(f"coords must be '2d', '3d' or None, got {coords!r}")
    p = Path(path)
    smiles = list(smiles)
    names = None if names is None else list(names)
    if names is not None and len(names) != len(smiles):
        raise InputError(f"writing '{p}': {len(names)} names for {len(smiles)} molecules")
    for key, values in (properties or {}).items():
        if len(values) != len(smiles):
            raise InputError(f"writing '{p}': property '{key}' has {len(values)} values for {len(smiles)} molecules")
    skipped = 0
    with atomic_path(p) as tmp, quiet():
        writer = Chem.SDWriter(str(tmp))
        try:
            for i, s in enumerate(smiles):
                mol = Chem.MolFromSmiles(s) if s else None
                if mol is None:
                    skipped += 1
                    continue
                if coords == "3d":
                    molh = Chem.AddHs(mol)
                    params = AllChem.ETKDGv3()
                    params.randomSeed = int(seed)
                    if AllChem.EmbedMolecule(molh, params) == 0:
                        AllChem.MMFFOptimizeMolecule(molh)
                        mol = molh
                    else:
                        rdDepictor.Compute2DCoords(mol)
                elif coords == "2d":
                    rdDepictor.Compute2DCoords(mol)
                mol.SetProp("_Name", str(names[i]) if names is not None else s)
                mol.SetProp("SMILES", s)
                for key, values in (properties or {}).items():
                    mol.SetProp(key, str(values[i]))
                writer.write(mol)
        finally:
            writer.close()
    return p, skipped
