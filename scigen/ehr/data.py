"""Health-record tables on disk: CSV/TSV (optionally gzip) and Parquet in and out, with their schema.

    df, schema = read_table("records.csv", label="diagnosis", id="patient_id")
    schema.to_json("schema.json")                      # edit kinds by hand if needed, then
    df, schema = read_table("new.csv", schema="schema.json")
    write_table(imputed, "imputed.csv")               # atomic

Missing entries are what pandas reads as missing (empty cells, NA, NaN, null...), plus any extra
tokens given in ``na_values``. The schema and its encoder live in :mod:`scigen.ehr.schema` and
:mod:`scigen.ehr.encoding`; they are re-exported here, the data room of the ehr domain.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd

from scigen.ehr.encoding import EncodedTable, TableEncoder
from scigen.ehr.schema import ColumnSpec, Schema, attach_schema, infer_schema, schema_of
from scigen.errors import InputError, require_file

__all__ = ["ColumnSpec", "EncodedTable", "Schema", "TableEncoder", "attach_schema", "infer_schema",
           "read_table", "schema_of", "write_table", "table_format"]


def table_format(path: str | os.PathLike) -> str:
    """"csv", "tsv" or "parquet" from the file name (".csv", ".csv.gz", ".tsv", ".parquet", ".pq")."""
    name = Path(path).name.lower()
    for suffix in (".gz", ".bz2", ".xz", ".zip"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".tsv", ".tab")):
        return "tsv"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    raise InputError(f"'{path}': unknown table format; use a .csv, .csv.gz, .tsv or .parquet file")


def _parquet_engine(path) -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise InputError(f"'{path}': reading/writing Parquet needs pyarrow (pip install pyarrow), or use CSV") from None


def read_table(
    path: str | os.PathLike,
    *,
    label: str | None = None,
    id: str | None = None,
    schema: Schema | str | os.PathLike | None = None,
    types: Mapping[str, str] | None = None,
    na_values: Sequence[str] | None = None,
    require_label: bool = True,
) -> tuple[pd.DataFrame, Schema]:
    """Read a table and its schema.

    Args:
        path: a .csv/.csv.gz/.tsv/.parquet file.
        label: the label column (class to predict); None for an unlabelled table.
        id: an identifier column (carried along, never a feature).
        schema: a :class:`Schema` or a schema JSON file: the table is checked against it and cast to
            its dtypes (label/id/types are then taken from it). Else one is inferred.
        types: column -> kind overrides for inference ("numeric", "binary", "categorical", "id").
        na_values: extra strings that mean missing (e.g. ["?", "-99"]).
        require_label: with a schema, whether the label column must be present (False for new
            records to predict).

    Returns:
        (DataFrame in file column order, with the schema attached in ``df.attrs``; the Schema).
    """
    p = require_file(path, "table")
    fmt = table_format(p)
    try:
        if fmt == "parquet":
            _parquet_engine(p)
            df = pd.read_parquet(p)
            if na_values:
                df = df.replace(list(na_values), pd.NA)
        else:
            df = pd.read_csv(p, sep="\t" if fmt == "tsv" else ",", na_values=list(na_values or []))
    except InputError:
        raise
    except (ValueError, OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"could not read table '{p}': {exc}") from None
    if df.shape[1] == 0 or len(df) == 0:
        raise InputError(f"table '{p}' is empty ({df.shape[0]} rows, {df.shape[1]} columns)")
    df.columns = [str(c) for c in df.columns]
    if schema is not None:
        if not isinstance(schema, Schema):
            schema = Schema.from_json(schema)
        for given, own, role in ((label, schema.label, "label"), (id, schema.id, "id")):
            if given is not None and given != own:
                raise InputError(f"{role} '{given}' differs from the schema's {role} '{own}'")
        df = schema.conform(df, source=str(p), require_label=require_label)
        return df, schema
    schema = infer_schema(df, label=label, id=id, types=types, source=str(p))
    return attach_schema(df, schema), schema


def write_table(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write ``df`` atomically as CSV (index dropped; .gz compresses) or Parquet; returns the path."""
    from scigen.io.atomic import atomic_path

    fmt = table_format(path)
    if fmt == "parquet":
        _parquet_engine(path)
    with atomic_path(path) as tmp:
        if fmt == "parquet":
            df.to_parquet(tmp, index=False)
        else:
            # the temporary has no meaningful suffix: name the compression from the final path
            name = str(path).lower()
            compression = next(({"method": c} for s, c in ((".gz", "gzip"), (".bz2", "bz2"), (".xz", "xz"))
                                if name.endswith(s)), None)
            if compression and compression["method"] == "gzip":
                compression["mtime"] = 0  # same table, same bytes
            df.to_csv(tmp, sep="\t" if fmt == "tsv" else ",", index=False, compression=compression)
    return Path(path)
