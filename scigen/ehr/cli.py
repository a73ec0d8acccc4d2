"""``scigen ehr <verb>``: health-record tables, missingness masks and imputation scores.

    scigen ehr datasets                                         # list the shipped tables
    scigen ehr datasets --export support2 --out support2.csv    # write one out
    scigen ehr schema --data records.csv --label diagnosis --out schema.json
    scigen ehr mask --data records.csv --label diagnosis --mechanism mar --rate 0.2 --seed 0 \\
        --out masked.csv --removed removed.csv
    scigen ehr score-imputation --true records.csv --imputed imputed.csv --removed removed.csv

The model verbs (impute, train-classifier, predict, synthesize) live in :mod:`scigen.ehr.cli_models`.

Every verb that reads a table takes either ``--data FILE`` (CSV/TSV/Parquet) or ``--table NAME``
(a shipped table), and optionally ``--schema schema.json`` (else the schema is inferred, with
``--label``, ``--id`` and ``--types col=kind,...``).
"""

from __future__ import annotations

import argparse
import json
import sys


def _types(text: str | None) -> dict:
    if not text:
        return {}
    from scigen.errors import InputError

    out = {}
    for item in text.split(","):
        if "=" not in item:
            raise InputError(f"--types takes col=kind pairs separated by commas, got '{item}'")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def _add_input(p: argparse.ArgumentParser, *, label_help: str = "label column (the class to predict); never masked",
               id_help: str = "identifier column; never masked, never a feature") -> None:
    """The table-input options every ehr verb shares: --data | --table, --label, --id, --schema, --types."""
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", help="table file (.csv, .csv.gz, .tsv, .parquet)")
    src.add_argument("--table", help="a shipped table (see `scigen ehr datasets`)")
    p.add_argument("--label", help=label_help)
    p.add_argument("--id", help=id_help)
    p.add_argument("--schema", help="schema JSON (from `scigen ehr schema`) instead of inferring one")
    p.add_argument("--types", help="kind overrides for inference: col=numeric|binary|categorical,...")


def _load(args):
    from scigen.ehr.data import read_table
    from scigen.ehr.datasets import load_table
    from scigen.errors import InputError

    if args.table:
        if args.schema or args.types:
            raise InputError("--schema/--types apply to --data files; shipped tables come with their schema")
        return load_table(args.table)
    return read_table(args.data, label=args.label, id=args.id, schema=args.schema, types=_types(args.types))


def _datasets(args) -> int:
    from scigen.ehr.data import write_table
    from scigen.ehr.datasets import list_tables, load_table
    from scigen.errors import InputError

    if args.export:
        if not args.out:
            raise InputError("--export needs --out FILE")
        df, schema = load_table(args.export)
        write_table(df, args.out)
        if args.schema_out:
            schema.to_json(args.schema_out)
        print(f"wrote {args.out} ({df.shape[0]} rows x {df.shape[1]} columns, label '{schema.label}')")
        return 0
    for t in list_tables():
        print(f"{t.name:14s} label {t.label:10s} {t.description}\n{'':14s} source: {t.source}; licence: {t.licence}")
    return 0


def _schema(args) -> int:
    df, schema = _load(args)
    text = schema.to_json(args.out) if args.out else schema.to_json()
    if not args.out:
        print(text)
    else:
        kinds = {}
        for c in schema.columns:
            kinds[c.kind] = kinds.get(c.kind, 0) + 1
        print(f"wrote {args.out}: {len(schema.columns)} columns {kinds}, label '{schema.label}', id '{schema.id}'")
    return 0


def _mask(args) -> int:
    from scigen.ehr.data import write_table
    from scigen.ehr.missing import AMPUTE_ATTR, ampute

    df, schema = _load(args)
    keep = [k for k in (args.keep or "").split(",") if k]
    predictors = [k for k in args.predictors.split(",") if k] if args.predictors else None
    masked, removed = ampute(df, args.mechanism, args.rate, args.seed, schema=schema, keep=keep,
                             predictors=predictors, mnar_model=args.mnar_model, strength=args.strength)
    write_table(masked, args.out)
    if args.removed:
        write_table(removed, args.removed)
    info = masked.attrs[AMPUTE_ATTR]
    extra = f", predictors {info['predictors']}" if info["predictors"] else ""
    print(f"wrote {args.out}: {args.mechanism.upper()} removed {info['removed']} of {info['maskable']} maskable "
          f"entries (rate {info['realised_rate']:.4f}, target {args.rate}{extra}); "
          f"{info['overall_missing_rate']:.1%} of feature entries now missing"
          + (f"; removed-entry mask in {args.removed}" if args.removed else ""))
    return 0


def _score_imputation(args) -> int:
    import pandas as pd

    from scigen.ehr.data import read_table
    from scigen.ehr.metrics import imputation_scores
    from scigen.errors import InputError

    true, schema = read_table(args.true, label=args.label, id=args.id, schema=args.schema,
                              types=_types(args.types), require_label=False)
    imputed, _ = read_table(args.imputed, schema=schema, require_label=False)
    removed, _ = read_table(args.removed, require_label=False)
    cols = schema.feature_names
    lacking = [c for c in cols if c not in removed.columns]
    if lacking:
        raise InputError(f"removed-entry mask '{args.removed}' lacks column(s) {lacking}")
    bad = [c for c in cols if not pd.api.types.is_bool_dtype(removed[c])]
    if bad:
        raise InputError(f"removed-entry mask '{args.removed}' must hold True/False; column(s) {bad} do not")
    scores = imputation_scores(true, imputed, removed, schema)
    text = json.dumps(scores.to_dict(), indent=2)
    if args.out:
        from scigen.io.atomic import write_text_atomic

        write_text_atomic(args.out, text + "\n")
    rmse = "n/a" if scores.rmse is None else f"{scores.rmse:.4f}"
    acc = "n/a" if scores.accuracy is None else f"{scores.accuracy:.4f}"
    print(f"RMSE (GAIN, min-max, removed numeric entries: {scores.n_numeric}) {rmse}; "
          f"categorical accuracy ({scores.n_categorical} entries) {acc}", file=sys.stdout)
    return 0


def register(subparsers) -> None:
    from scigen.cli import add_group

    from scigen.ehr.cli_models import register_models

    verbs = add_group(subparsers, "ehr", "health records: typed tables, masks, imputation, disease prediction, "
                      "synthetic records")

    p = verbs.add_parser("datasets", help="list the shipped clinical tables, or export one")
    p.add_argument("--export", metavar="NAME", help="table to write out")
    p.add_argument("--out", help="output file (.csv, .csv.gz, .parquet)")
    p.add_argument("--schema-out", help="also write its schema JSON here")
    p.set_defaults(func=_datasets)

    p = verbs.add_parser("schema", help="infer a table's schema (edit it, then pass it with --schema)")
    _add_input(p)
    p.add_argument("--out", help="schema JSON file (default: print)")
    p.set_defaults(func=_schema)

    p = verbs.add_parser("mask", help="remove entries under MCAR, MAR or MNAR at a given rate")
    _add_input(p)
    p.add_argument("--mechanism", choices=["mcar", "mar", "mnar"], default="mcar")
    p.add_argument("--rate", type=float, default=0.2, help="fraction of maskable entries removed (default 0.2)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--keep", help="feature columns never masked (comma separated)")
    p.add_argument("--predictors", help="MAR: fully observed columns the missingness depends on")
    p.add_argument("--mnar-model", choices=["logistic", "quantile"], default="logistic")
    p.add_argument("--strength", type=float, default=2.0, help="slope of the MAR/MNAR logistic model")
    p.add_argument("--out", required=True, help="masked table")
    p.add_argument("--removed", help="write the removed-entry mask (True/False table) here")
    p.set_defaults(func=_mask)

    p = verbs.add_parser("score-imputation", help="GAIN RMSE and categorical accuracy of an imputed table")
    p.add_argument("--true", required=True, help="the table before masking")
    p.add_argument("--imputed", required=True, help="the imputed table")
    p.add_argument("--removed", required=True, help="removed-entry mask from `scigen ehr mask --removed`")
    p.add_argument("--label", help="label column (not scored)")
    p.add_argument("--id", help="identifier column (not scored)")
    p.add_argument("--schema", help="schema JSON")
    p.add_argument("--types", help="kind overrides: col=kind,...")
    p.add_argument("--out", help="write the scores as JSON here")
    p.set_defaults(func=_score_imputation)

    register_models(verbs)
