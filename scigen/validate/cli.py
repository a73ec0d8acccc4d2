"""``scigen validate``: compare a fake sample set with the real one and write report.json + report.html.

Exit status: 0 when the overall verdict passes, 1 when it fails (so a pipeline can gate on it),
2 on a user error (bad file, unknown domain or statistic), printed as one line.
"""

from __future__ import annotations


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "validate", help="compare generated samples with real ones; write report.json and report.html",
        description="Compare a fake (generated) sample set with the real one, statistic by statistic, against "
        "the real data's noise floor (two disjoint halves of the real data), plus generic two-sample tests and a "
        "memorisation check. Inputs: HDF5 sample sets (.h5), SMILES (.smi, or .csv with a 'smiles' column) or "
        "tables (.csv/.parquet). Exit 0: pass, 1: fail, 2: bad input.")
    p.add_argument("--real", required=True, help="real samples (the reference)")
    p.add_argument("--fake", required=True, help="generated samples")
    p.add_argument("--out", required=True, help="directory for report.json and report.html")
    p.add_argument("--train", help="the training set: enables the memorisation check (and novelty statistics)")
    p.add_argument("--domain", help="whose statistics to use (ising, astro, chem, ehr, generic); default: the "
                   "files' 'domain' attribute or their type")
    p.add_argument("--statistics", help="comma-separated statistic names (default: all of the domain's)")
    p.add_argument("--checks", default="default", help="generic checks: 'default' (marginals, energy, mmd, "
                   "classifier, memorisation), 'none', or a comma-separated list")
    p.add_argument("--label", help="table column holding each row's class; statistics are compared per class")
    p.add_argument("--factor", type=float, default=3.0, help="pass when distance <= FACTOR x noise floor (default 3)")
    p.add_argument("--noise-floor", choices=("halves", "bootstrap"), default="halves",
                   help="how the real data's noise floor is measured (default halves)")
    p.add_argument("--n-splits", type=int, default=20, help="random splits averaged in the noise floor (default 20)")
    p.add_argument("--max-samples", type=int, help="read at most this many samples of each input (random subset)")
    p.add_argument("--check-samples", type=int, default=1000,
                   help="samples per set used by the generic checks (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="seed of every random choice (default 0)")
    p.add_argument("--no-html", action="store_true", help="write report.json only")
    p.set_defaults(func=run)


def run(args) -> int:
    from scigen.errors import InputError
    from scigen.validate.comparison import compare
    from scigen.validate.files import load_input

    if args.max_samples is not None and args.max_samples < 4:
        raise InputError(f"--max-samples must be at least 4, got {args.max_samples}")
    read = dict(label=args.label, max_samples=args.max_samples, seed=args.seed)
    real = load_input(args.real, **read)
    fake = load_input(args.fake, **read)
    train = load_input(args.train, **read) if args.train else None
    names = [s.strip() for s in args.statistics.split(",") if s.strip()] if args.statistics else None
    checks = None if args.checks in ("none", "") else args.checks
    report = compare(real, fake, names, domain=args.domain, train=train, noise_floor=args.noise_floor,
                     n_splits=args.n_splits, factor=args.factor, seed=args.seed, checks=checks,
                     label=args.label, max_samples=args.check_samples)
    paths = report.write(args.out, html=not args.no_html)
    print(report.table())
    print("report: " + ", ".join(str(p) for p in paths.values()))
    return 0 if report.passed else 1
