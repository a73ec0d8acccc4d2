"""``scigen ehr impute | train-classifier | predict | synthesize``: the neural models on the command line.

    scigen ehr impute --data records.csv --label diagnosis --seed 0 --out imputed.csv [--model runs/imp]
    scigen ehr impute --data new.csv --load runs/imp --out new_imputed.csv     # reuse a fitted imputer
    scigen ehr train-classifier --data records.csv --label diagnosis --out runs/acgan
    scigen ehr predict --model runs/acgan --data new.csv --out predictions.csv
    scigen ehr synthesize --model runs/acgan --n 1000 --label 1 --out synthetic.csv
    scigen validate --real records.csv --fake synthetic.csv --out report/

Every output file is written atomically. Tables are read as by the other ``scigen ehr`` verbs
(``--data`` or ``--table``, ``--label``, ``--id``, ``--schema``, ``--types``).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def _add_fit_options(p: argparse.ArgumentParser, steps: int, batch_size: int) -> None:
    g = p.add_argument_group("training")
    g.add_argument("--steps", type=int, default=steps, help=f"training steps (default {steps})")
    g.add_argument("--batch-size", type=int, default=batch_size, help=f"batch size (default {batch_size})")
    g.add_argument("--hidden", type=int, default=None, help="network width (default: the estimator's)")
    g.add_argument("--seed", type=int, default=0, help="seed of initialisation, data order, noise (default 0)")
    g.add_argument("--device", default="auto", help="auto (CUDA if present), cpu, cuda")
    g.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    g.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar (default: only on a terminal)")


def _fit_kwargs(args) -> dict:
    kw = {"steps": args.steps, "batch_size": args.batch_size, "seed": args.seed, "device": args.device,
          "threads": args.threads, "progress": args.progress}
    if args.hidden is not None:
        kw["hidden"] = args.hidden
    return kw


def _fresh_dir(path, flag: str) -> Path:
    """A directory for a new run: absent or empty (an old run is never overwritten silently)."""
    from scigen.errors import InputError

    p = Path(path)
    if p.exists() and (not p.is_dir() or any(p.iterdir())):
        raise InputError(f"{flag} '{p}' already exists and is not empty; choose a new directory or remove it")
    return p


def _impute(args) -> int:
    from scigen.ehr.cli import _load
    from scigen.ehr.data import read_table, write_table
    from scigen.ehr.imputer import DenoisingImputer
    from scigen.errors import InputError

    if args.draws < 0:
        raise InputError(f"--draws must be 0 or more, got {args.draws}")
    if args.load:
        if args.model:
            raise InputError("--load applies a fitted imputer; --model saves a new one: give one of them")
        if args.table:
            raise InputError("--load needs --data FILE (the records to impute)")
        imp = DenoisingImputer.load(args.load)
        df, _ = read_table(args.data, schema=imp.schema_, require_label=False)
    else:
        df, schema = _load(args)
        out_dir = _fresh_dir(args.model, "--model") if args.model else None
        imp = DenoisingImputer(schema=schema, out_dir=out_dir, **_fit_kwargs(args)).fit(df)
        info = imp.fit_info_
        val = f", validation RMSE {info['val_rmse']:.4f}" if info.get("val_rmse") is not None else ""
        print(f"trained the imputer: {info['steps']} steps in {info['elapsed_s']:.0f} s{val}")
    missing = int(df[imp.schema_.feature_names].isna().to_numpy().sum())
    write_table(imp.transform(df), args.out)
    print(f"wrote {args.out}: {len(df)} records, {missing} missing entries filled")
    out = Path(args.out)
    for i, draw in enumerate(imp.multiple_imputation(df, args.draws, seed=args.seed) if args.draws else [], 1):
        name = out.name.split(".", 1)
        path = out.with_name(f"{name[0]}.draw{i}." + (name[1] if len(name) > 1 else "csv"))
        write_table(draw, path)
        print(f"wrote {path} (draw {i} of {args.draws})")
    if args.model:
        print(f"imputer kept in {args.model} (reuse: scigen ehr impute --load {args.model} --data new.csv ...)")
    return 0


def _train_classifier(args) -> int:
    from scigen.ehr.classifier import ACGANClassifier
    from scigen.ehr.cli import _load
    from scigen.ehr.imputer import DenoisingImputer
    from scigen.errors import InputError

    df, schema = _load(args)
    if schema.label is None:
        raise InputError("train-classifier needs the label column: pass --label COLUMN (or a schema with one)")
    out = _fresh_dir(args.out, "--out")
    imputer = DenoisingImputer(schema=schema, steps=args.imputer_steps, seed=args.seed, device=args.device,
                               threads=args.threads, progress=args.progress)
    clf = ACGANClassifier(schema=schema, imputer=imputer, out_dir=out, **_fit_kwargs(args)).fit(df)
    info = clf.fit_info_
    val = info.get("validation") or {}
    auc = f"; validation AUROC {val['val_auroc']:.4f}" if "val_auroc" in val else ""
    imputed = " (missing entries imputed by a DenoisingImputer kept in imputer/)" if clf.imputer_ else ""
    print(f"trained the AC-GAN on {info['n_train']} records ({info['n_validation']} held out to choose the step)"
          f"{imputed}: {info['steps']} steps in {info['elapsed_s']:.0f} s{auc}")
    print(f"run directory {out}; next: scigen ehr synthesize --model {out} --n 1000 --out synthetic.csv")
    return 0


def _predict(args) -> int:
    import pandas as pd

    from scigen.ehr.classifier import ACGANClassifier
    from scigen.ehr.data import read_table, write_table
    from scigen.ehr.metrics import prediction_scores

    clf = ACGANClassifier.load(args.model)
    schema = clf.schema_
    df, _ = read_table(args.data, schema=schema, require_label=False)
    prob = clf.predict_proba(df)
    out = pd.DataFrame(index=df.index)
    if schema.id is not None and schema.id in df.columns:
        out[schema.id] = df[schema.id]
    if schema.label in df.columns:
        out[schema.label] = df[schema.label]
    out["predicted"] = clf.classes_[prob.argmax(axis=1)]
    for j, c in enumerate(clf.classes_):
        out[f"p_{c}"] = prob[:, j]
    write_table(out, args.out)
    line = f"wrote {args.out}: predictions for {len(df)} records"
    if schema.label in df.columns and df[schema.label].notna().all() and df[schema.label].nunique() > 1:
        codes = clf.model_.layout.encoder.encode_labels(df)
        sc = prediction_scores(codes, prob, n_boot=200, seed=0)
        a = sc["auroc"]
        line += f"; AUROC {a['value']:.4f} (95% CI {a['low']:.3f}-{a['high']:.3f}) against '{schema.label}'"
    print(line)
    return 0


def _synthesize(args) -> int:
    from scigen.ehr.classifier import ACGANClassifier
    from scigen.ehr.data import write_table

    clf = ACGANClassifier.load(args.model)
    fake = clf.generate(args.n, label=args.label, seed=args.seed)
    write_table(fake, args.out)
    counts = fake[clf.label_].value_counts().to_dict()
    print(f"wrote {args.out}: {len(fake)} synthetic records, classes {counts}")
    print(f"next: scigen validate --real records.csv --fake {args.out} --out report/ --label {clf.label_}")
    return 0


def register_models(verbs) -> None:
    """Add the model verbs to the ``scigen ehr`` group (``verbs``: its sub-parsers)."""
    from scigen.ehr.cli import _add_input

    p = verbs.add_parser("impute", help="fill missing entries with the denoising-autoencoder imputer",
                         description="Fit a DenoisingImputer on the table and write it completed (observed entries, "
                         "columns and types unchanged), or apply a fitted one (--load).")
    _add_input(p, label_help="label column (never imputed, passes through)",
               id_help="identifier column (passes through)")
    p.add_argument("--out", required=True, help="the completed table")
    p.add_argument("--model", help="keep the fitted imputer in this (new) directory")
    p.add_argument("--load", help="apply the imputer kept in this directory instead of fitting one")
    p.add_argument("--draws", type=int, default=0,
                   help="also write this many multiple-imputation draws (OUT with .drawI before the suffix)")
    _add_fit_options(p, steps=3000, batch_size=128)
    p.set_defaults(func=_impute)

    p = verbs.add_parser("train-classifier", help="train the AC-GAN disease predictor and record generator",
                         description="Train an ACGANClassifier (records with missing entries are completed by a "
                         "DenoisingImputer first); the run directory keeps the model, its imputer and metrics.")
    _add_input(p)
    p.add_argument("--out", required=True, help="run directory (new)")
    p.add_argument("--imputer-steps", type=int, default=3000, help="training steps of the imputer (default 3000)")
    _add_fit_options(p, steps=3000, batch_size=64)
    p.set_defaults(func=_train_classifier)

    p = verbs.add_parser("predict", help="class probabilities of records from a trained AC-GAN")
    p.add_argument("--model", required=True, help="run directory of `scigen ehr train-classifier`")
    p.add_argument("--data", required=True, help="records to score (label column optional: then AUROC is printed)")
    p.add_argument("--out", required=True, help="predictions table: id, label, predicted, p_<class> per class")
    p.set_defaults(func=_predict)

    p = verbs.add_parser("synthesize", help="class-conditional synthetic records from a trained AC-GAN")
    p.add_argument("--model", required=True, help="run directory of `scigen ehr train-classifier`")
    p.add_argument("--n", type=int, required=True, help="number of records")
    p.add_argument("--label", help="class of every record (default: classes drawn with the training frequencies)")
    p.add_argument("--seed", type=int, default=0, help="seed of the draws (default 0)")
    p.add_argument("--out", required=True, help="synthetic table (.csv, .parquet)")
    p.set_defaults(func=_synthesize)
