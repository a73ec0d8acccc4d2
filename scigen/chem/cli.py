"""``scigen chem <verb>``: filter molecules, compute MOSES metrics, export the shipped data, convert files.

    scigen chem filter  --smiles in.smi --out clean.smi [--preset moses] [--allowed-atoms C,N,O,S,F,Cl,Br]
                        [--neutral] [--min-atoms 5] [--max-atoms 50] [--max-ring-size 7]
                        [--alerts mcf,pains,rdkit:BRENK] [--fragments largest] [--report drops.json]
    scigen chem metrics --smiles generated.smi [--test test.smi] [--train train.smi] [--out metrics.json]
    scigen chem data    --name moses-train --out train.smi [--n 10000]
    scigen chem convert --smiles in.smi --out out.sdf [--coords 3d]
    scigen chem vocab   --smiles train.smi --out vocab.json
    scigen chem train-lstm --smiles train.smi --out runs/lstm [--steps 5000 --batch-size 128 ...]
    scigen chem fine-tune  --model runs/lstm --smiles actives.smi --out runs/lstm-ft [--epochs 12]
    scigen chem sample     --model runs/lstm --n 10000 --out sampled.smi [--sdf sampled.sdf] [--temperature 1]
    scigen chem train-vae  --smiles train.smi --out runs/vae
    scigen chem generate   --model runs/vae --prototype "CC(=O)Oc1ccccc1C(=O)O" --n 1000 --diversity 0.5
                           --out variations.smi
    scigen chem fit-prior  --model runs/vae --smiles train.smi [--components 20]
    scigen chem sample     --model runs/vae --latent-prior runs/vae/latent_prior.npz --method beam --out s.smi

Inputs: .smi / .csv / .tsv (optionally .gz; a 'smiles' column or --column) or .sdf. Outputs by
extension: .smi, .csv, .tsv (optionally .gz) or .sdf; every file is written atomically. Train
verbs take the engine's options (--steps, --batch-size, --seed, --device, --threads, --resume ...).
Generated molecules are filtered (--filter valid|moses|none); the drop counts by reason are printed
and written beside the output (<name>.filter.json).
"""

from __future__ import annotations

import json

DATA_NAMES = ("moses-train", "moses-test", "moses-test-scaffolds", "approved-drugs", "prototypes", "nci-5k")


def _check_out(path: str, overwrite: bool) -> None:
    from pathlib import Path

    from scigen.errors import InputError

    if Path(path).exists() and not overwrite:
        raise InputError(f"'{path}' already exists: pass --overwrite or choose another --out")


def _write_molecules(path: str, smiles, names=None) -> str:
    from pathlib import Path

    from scigen.chem.files import write_sdf, write_smiles

    if Path(path).suffix.lower() == ".sdf":
        _, skipped = write_sdf(path, smiles, names=names)
        return f" ({skipped} invalid skipped)" if skipped else ""
    write_smiles(path, smiles, names=names)
    return ""


def _filter(args) -> int:
    from scigen.chem.files import read_smiles
    from scigen.chem.filters import MoleculeFilter, moses_filter
    from scigen.io.atomic import write_text_atomic

    if args.out:
        _check_out(args.out, args.overwrite)
    mols = read_smiles(args.smiles, column=args.column)
    base = moses_filter() if args.preset == "moses" else MoleculeFilter()
    changes = {"canonical": not args.no_canonical, "dedupe": not args.keep_duplicates, "fragments": args.fragments}
    if args.allowed_atoms:
        changes["allowed_atoms"] = frozenset(a.strip() for a in args.allowed_atoms.split(",") if a.strip())
    if args.neutral:
        changes["neutral"] = True
    for opt, key in (("min_atoms", "min_heavy_atoms"), ("max_atoms", "max_heavy_atoms"),
                     ("max_ring_size", "max_ring_size")):
        if getattr(args, opt) is not None:
            changes[key] = getattr(args, opt)
    if args.alerts is not None:
        changes["alerts"] = tuple(a.strip() for a in args.alerts.split(",") if a.strip())
    filt = base.with_options(**changes)
    result = filt(mols.smiles)
    print(f"{args.smiles}:")
    print(result.summary())
    if args.out:
        names = None if mols.names is None else [mols.names[i] for i in result.index]
        note = _write_molecules(args.out, result.kept, names)
        print(f"wrote {args.out}: {result.n_kept} molecules{note}")
    if args.report:
        write_text_atomic(args.report, json.dumps({"input": str(args.smiles), **result.to_dict()}, indent=1) + "\n")
        print(f"wrote {args.report}")
    return 0


def _metrics(args) -> int:
    from scigen.chem.files import read_smiles
    from scigen.chem.metrics import moses_metrics
    from scigen.errors import InputError
    from scigen.io.atomic import write_text_atomic

    if args.out:
        _check_out(args.out, args.overwrite)
    try:
        k = tuple(int(v) for v in args.k.split(",") if v.strip())
    except ValueError:
        raise InputError(f"--k must be comma-separated integers, got {args.k!r}") from None
    gen = read_smiles(args.smiles, column=args.column).smiles
    test = None if args.test is None else read_smiles(args.test).smiles
    sf = False if args.no_scaffolds else (None if args.test_scaffolds is None else read_smiles(args.test_scaffolds).smiles)
    train = None if args.train is None else read_smiles(args.train).smiles
    if args.no_train:
        train = False
    values = moses_metrics(gen, test=test, test_scaffolds=sf, train=train, k=k, with_fcd=False if args.no_fcd else None)
    width = max(len(key) for key in values)
    print(f"{args.smiles}: {len(gen)} strings")
    for key, v in values.items():
        print(f"  {key:<{width}}  {v:.4f}")
    refs = {"test": args.test or "shipped MOSES test subset (10,000)",
            "test_scaffolds": None if args.no_scaffolds else (args.test_scaffolds or "shipped MOSES scaffold subset (10,000)"),
            "train": None if args.no_train else (args.train or "shipped MOSES train subset (100,000)")}
    if args.out:
        write_text_atomic(args.out, json.dumps({"generated": str(args.smiles), "n": len(gen), "references": refs,
                                                "metrics": values}, indent=1) + "\n")
        print(f"wrote {args.out}")
    return 0


def _data(args) -> int:
    from scigen.chem import data

    _check_out(args.out, args.overwrite)
    names = None
    if args.name.startswith("moses-"):
        smiles = data.load_moses(args.name.removeprefix("moses-").replace("-", "_"), args.n)
    elif args.name == "approved-drugs":
        from pathlib import Path

        from scigen.chem.files import write_sdf, write_smiles

        table = data.load_approved_drugs()
        if args.n:
            table = table.iloc[: args.n]
        extra = {"chembl_id": table["chembl_id"].tolist(), "first_approval": table["first_approval"].tolist()}
        if Path(args.out).suffix.lower() == ".sdf":
            write_sdf(args.out, table["parent_smiles"], names=table["name"], properties=extra)
        elif args.out.lower().endswith((".smi", ".smi.gz")):
            write_smiles(args.out, table["parent_smiles"], names=table["name"])
        else:
            write_smiles(args.out, table["parent_smiles"], names=table["name"], columns=extra)
        print(f"wrote {args.out}: {len(table)} approved drugs (parent SMILES, name"
              f"{'' if args.out.lower().endswith(('.smi', '.smi.gz')) else ', chembl_id, first_approval'})")
        return 0
    else:
        mols = data.load_prototypes() if args.name == "prototypes" else data.nci_first_5k()
        smiles, names = list(mols.smiles), None if mols.names is None else list(mols.names)
        if args.n:
            smiles, names = smiles[: args.n], None if names is None else names[: args.n]
    note = _write_molecules(args.out, smiles, names)
    print(f"wrote {args.out}: {len(smiles)} molecules ({args.name}){note}")
    return 0


def _convert(args) -> int:
    from pathlib import Path

    from scigen.chem.files import read_smiles, write_sdf

    _check_out(args.out, args.overwrite)
    mols = read_smiles(args.smiles, column=args.column)
    if Path(args.out).suffix.lower() == ".sdf":
        _, skipped = write_sdf(args.out, mols.smiles, names=mols.names, coords=None if args.coords == "none" else args.coords,
                               seed=args.seed)
        print(f"wrote {args.out}: {len(mols) - skipped} molecules ({skipped} invalid skipped)")
    else:
        _write_molecules(args.out, mols.smiles, mols.names)
        print(f"wrote {args.out}: {len(mols)} molecules")
    return 0


def _vocab(args) -> int:
    import numpy as np

    from scigen.chem.files import read_smiles
    from scigen.chem.tokenizer import Vocabulary, from_smiles

    _check_out(args.out, args.overwrite)
    mols = read_smiles(args.smiles, column=args.column)
    texts = [from_smiles(s, args.representation, where=f"molecule {i} of {args.smiles}")
             for i, s in enumerate(mols.smiles)]
    vocab = Vocabulary.build(texts, unk=args.unk, min_count=args.min_count, source=str(args.smiles),
                             representation=args.representation)
    lengths = np.array([len(vocab.tokenize(t)) for t in texts])
    vocab.save(args.out)
    top = ", ".join(f"{t} {c}" for t, c in sorted(vocab.counts.items(), key=lambda kv: -kv[1])[:12])
    print(f"wrote {args.out}: {len(vocab)} tokens ({vocab.n_special} special) from {len(mols)} molecules; "
          f"tokens per molecule: median {np.median(lengths):.0f}, 99th percentile {np.percentile(lengths, 99):.0f}, "
          f"max {lengths.max()}; most frequent: {top}")
    return 0


def register(subparsers) -> None:
    from scigen.cli import add_group

    verbs = add_group(subparsers, "chem", "chemistry: filter SMILES, MOSES metrics, shipped data, file conversion")

    def inputs(p, what="molecules"):
        p.add_argument("--smiles", required=True, help=f"{what}: .smi, .csv/.tsv (optionally .gz) or .sdf")
        p.add_argument("--column", help="SMILES column of a table (default: 'smiles', any case)")

    p = verbs.add_parser("filter", help="parse, canonicalise, deduplicate and filter molecules; report drops by reason")
    inputs(p)
    p.add_argument("--out", help="kept molecules: .smi/.csv/.tsv(.gz) or .sdf")
    p.add_argument("--preset", choices=("none", "moses"), default="none",
                   help="'moses': MOSES' filters (atoms C N S O F Cl Br H, neutral, rings <= 7, MCF + PAINS)")
    p.add_argument("--allowed-atoms", help="comma-separated element symbols, e.g. C,N,O,S,F,Cl,Br,H")
    p.add_argument("--neutral", action="store_true", help="drop molecules with a formal charge")
    p.add_argument("--min-atoms", type=int, help="fewest heavy atoms")
    p.add_argument("--max-atoms", type=int, help="most heavy atoms")
    p.add_argument("--max-ring-size", type=int, help="drop molecules with a larger ring (MOSES: 7)")
    p.add_argument("--alerts", help="alert sets: mcf, pains, rdkit:PAINS, rdkit:BRENK, rdkit:NIH, ... ('' for none)")
    p.add_argument("--fragments", choices=("keep", "largest", "reject"), default="keep",
                   help="multi-fragment SMILES (salts): keep, keep the largest fragment, or drop")
    p.add_argument("--no-canonical", action="store_true", help="write the input strings, not canonical SMILES")
    p.add_argument("--keep-duplicates", action="store_true", help="do not drop repeated molecules")
    p.add_argument("--report", help="write the drop counts as JSON here")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=_filter)

    p = verbs.add_parser("metrics", help="MOSES metrics of generated SMILES (validity, uniqueness, novelty, FCD, ...)")
    inputs(p, "generated molecules")
    p.add_argument("--test", help="reference set (default: the shipped 10,000-molecule MOSES test subset)")
    p.add_argument("--test-scaffolds", help="scaffold reference (default: the shipped MOSES scaffold-test subset)")
    p.add_argument("--no-scaffolds", action="store_true", help="skip the /TestSF metrics")
    p.add_argument("--train", help="training set for novelty (default: the shipped 100,000-molecule MOSES train subset)")
    p.add_argument("--no-train", action="store_true", help="skip novelty")
    p.add_argument("--no-fcd", action="store_true", help="skip FCD (slowest: ~250 molecules/s on one core)")
    p.add_argument("--k", default="1000,10000", help="k of unique@k (default 1000,10000)")
    p.add_argument("--out", help="write the metrics as JSON here")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=_metrics)

    p = verbs.add_parser("data", help="export a shipped data set (MOSES subsets, ChEMBL approved drugs, prototypes)")
    p.add_argument("--name", required=True, choices=DATA_NAMES)
    p.add_argument("--out", required=True, help=".smi/.csv/.tsv(.gz) or .sdf")
    p.add_argument("--n", type=int, help="only the first n molecules (the MOSES files are shuffled)")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=_data)

    p = verbs.add_parser("convert", help="convert between .smi/.csv/.sdf (SDF with 2-D or 3-D coordinates)")
    inputs(p)
    p.add_argument("--out", required=True)
    p.add_argument("--coords", choices=("2d", "3d", "none"), default="2d", help="SDF coordinates (3d: ETKDG + MMFF)")
    p.add_argument("--seed", type=int, default=0, help="seed of the 3-D embedding")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=_convert)

    p = verbs.add_parser("vocab", help="build and save the token vocabulary of a SMILES set")
    inputs(p)
    p.add_argument("--out", required=True, help="vocabulary JSON")
    p.add_argument("--unk", action="store_true", help="add an <unk> token for tokens not seen")
    p.add_argument("--min-count", type=int, default=1, help="drop tokens seen fewer times (needs --unk)")
    p.add_argument("--representation", choices=("smiles", "selfies"), default="smiles",
                   help="tokens of the SMILES (default) or of their SELFIES")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=_vocab)
    from scigen.chem.cli_models import register_models

    register_models(verbs, inputs)
