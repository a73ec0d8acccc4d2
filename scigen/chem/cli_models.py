"""``scigen chem`` verbs of the generators: train-lstm, train-vae, fine-tune, sample, generate, fit-prior.

Registered by :mod:`scigen.chem.cli` (see its docstring for the command lines); the work is done by
:mod:`scigen.chem.pipeline`, imported when a verb runs.
"""

from __future__ import annotations

import json

from scigen.chem.cli import _check_out


def _print_summary(summary: dict, skip=("kept",)) -> None:
    for key, value in summary.items():
        if key in skip:
            continue
        if isinstance(value, dict):
            value = json.dumps(value)
        print(f"  {key:>18}: {value}")


def _train_lstm(args) -> int:
    from scigen.chem.pipeline import make_filter, train_lstm
    from scigen.engine.cli import train_config_from_args

    summary = train_lstm(args.smiles, args.out, train_config_from_args(args), embed_dim=args.embed_dim,
                         hidden=args.hidden, layers=args.layers, dropout=args.dropout, lr=args.lr,
                         max_len=args.max_len, resume=args.resume, filt=make_filter(args.filter),
                         representation=args.representation)
    print(f"trained {summary['model']} into {args.out}:")
    _print_summary(summary)
    return 0


def _train_vae(args) -> int:
    from scigen.chem.pipeline import make_filter, train_vae
    from scigen.engine.cli import train_config_from_args

    summary = train_vae(args.smiles, args.out, train_config_from_args(args), latent_dim=args.latent_dim,
                        hidden=args.hidden, layers=args.layers, lr=args.lr, kl_weight=args.kl_weight,
                        kl_warmup_steps=args.kl_warmup, max_len=args.max_len, resume=args.resume,
                        filt=make_filter(args.filter), representation=args.representation)
    print(f"trained {summary['model']} into {args.out}:")
    _print_summary(summary)
    return 0


def _fine_tune(args) -> int:
    from scigen.chem.pipeline import fine_tune
    from scigen.engine.cli import train_config_from_args

    config = train_config_from_args(args, steps=args.steps or 0)
    summary = fine_tune(args.model, args.smiles, args.out, config, epochs=args.epochs, lr=args.lr,
                        measure_n=args.measure, temperature=args.temperature, seed=args.seed, resume=args.resume)
    print(f"fine-tuned {args.model} on {summary['molecules']} molecules into {args.out}:")
    _print_summary(summary)
    return 0


def _sample(args) -> int:
    from scigen.chem.pipeline import sample

    _set_threads(args.threads)

    for path in (args.out, args.sdf, args.raw):
        if path:
            _check_out(path, args.overwrite)
    summary = sample(args.model, args.n, args.out, temperature=args.temperature, seed=args.seed, filt=args.filter,
                     sdf=args.sdf, raw_out=args.raw, report=args.report, constrained=args.constrained,
                     method=args.method, beam_width=args.beam_width, latent_prior=args.latent_prior)
    _report_generation(summary, args.out)
    return 0


def _fit_prior(args) -> int:
    from pathlib import Path

    from scigen.chem.latent import fit_prior

    _set_threads(args.threads)
    out = args.out or str(Path(args.model) / "latent_prior.npz")
    _check_out(out, args.overwrite)
    _, summary = fit_prior(args.model, args.smiles, out, components=args.components,
                           max_molecules=args.max_molecules, seed=args.seed)
    print(f"fitted a {summary['components']}-component latent prior to the codes of {summary['n_encoded']:,} "
          f"molecules of {summary['source']} (of {summary['n_in']:,} read)")
    print(f"wrote {summary['out']}; sample from it with `scigen chem sample --model {args.model} "
          f"--latent-prior {summary['out']} ...`")
    return 0


def _generate(args) -> int:
    from scigen.chem.pipeline import generate

    _set_threads(args.threads)

    for path in (args.out, args.sdf):
        if path:
            _check_out(path, args.overwrite)
    summary = generate(args.model, args.prototype, args.n, args.out, diversity=args.diversity,
                       temperature=args.temperature, method=args.method, beam_width=args.beam_width, seed=args.seed,
                       filt=args.filter, sdf=args.sdf, report=args.report, constrained=args.constrained)
    v = summary["variations"]
    sim = v["similarity"]
    print(f"prototype {summary['prototype_canonical']}, diversity {args.diversity}: validity {v['validity']:.3f}, "
          f"{v['distinct']} distinct ({v['novel_distinct']} other than the prototype), similarity to the prototype "
          + (f"mean {sim['mean']:.3f} (10-90%: {sim['p10']:.3f}-{sim['p90']:.3f})" if v["distinct"] else "n/a"))
    _report_generation(summary, args.out)
    return 0


def _set_threads(threads: int | None) -> None:
    if threads is not None:
        if threads < 1:
            from scigen.errors import InputError

            raise InputError(f"--threads must be >= 1, got {threads}")
        import torch

        torch.set_num_threads(threads)


def _report_generation(summary: dict, out) -> None:
    f = summary["filter"]
    print(f"generated {summary['n']}: kept {f['n_kept']}, dropped {sum(f['dropped'].values())} "
          f"({', '.join(f'{k} {v}' for k, v in f['dropped'].items()) or 'none'})")
    if f.get("alerts"):
        print("  alerts: " + ", ".join(f"{k} {v}" for k, v in list(f["alerts"].items())[:5]))
    if "molecules_per_s" in summary:
        print(f"  sampling: {summary['molecules_per_s']:.0f} molecules/s")
    for what, path in summary.get("files", {}).items():
        print(f"wrote {path} ({what})")


def register_models(verbs, inputs) -> None:
    """Add the generator verbs to the ``scigen chem`` group (``inputs(p, what)`` adds --smiles/--column)."""
    from scigen.engine.cli import add_training_arguments

    def training_data(p):
        inputs(p, "training molecules (invalid, duplicate and too-long ones are skipped and counted)")
        p.add_argument("--out", required=True, help="run directory (checkpoints, metrics.jsonl, vocab.json)")
        p.add_argument("--max-len", type=int, default=100, help="most tokens per molecule (default 100)")
        p.add_argument("--representation", choices=("smiles", "selfies"), default="smiles",
                       help="strings the model learns: SMILES (default) or SELFIES, whose every sample "
                            "decodes to a valid molecule; it reads and writes SMILES either way")
        p.add_argument("--filter", choices=("valid", "moses"), default="valid",
                       help="training-set filter: valid+canonical+deduplicated (default) or MOSES' filters too")
        p.add_argument("--hidden", type=int, default=256, help="LSTM units per layer (default 256)")
        p.add_argument("--layers", type=int, default=2, help="LSTM layers (default 2)")
        p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (default 1e-3)")

    def generation(p, n_default):
        p.add_argument("--n", type=int, default=n_default, help=f"molecules to generate (default {n_default})")
        p.add_argument("--temperature", type=float, default=1.0, help="sampling temperature (0: greedy; default 1)")
        p.add_argument("--constrained", action="store_true",
                       help="mask tokens that would break SMILES syntax while sampling (unclosed rings or branches, "
                       "empty strings); valence and aromaticity errors remain")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--filter", choices=("valid", "moses", "none"), default="valid",
                       help="valid: drop invalid and duplicate molecules (default); moses: also MOSES' filters; "
                            "none: drop invalid only")
        p.add_argument("--sdf", help="also write the kept molecules as SDF (2-D coordinates)")
        p.add_argument("--report", help="drop counts as JSON (default: <out name>.filter.json)")
        p.add_argument("--threads", type=int,
                       help="torch threads (default: torch's; 1 is fastest on a machine busy with other jobs)")
        p.add_argument("--overwrite", action="store_true")

    p = verbs.add_parser("train-lstm", help="train the character LSTM generator (Ertl; MOSES CharRNN; Gupta)")
    training_data(p)
    p.add_argument("--embed-dim", type=int, default=64, help="token embedding width (default 64)")
    p.add_argument("--dropout", type=float, default=0.0)
    add_training_arguments(p, steps=5000, batch_size=128, grad_clip=5.0)
    p.set_defaults(func=_train_lstm)

    p = verbs.add_parser("train-vae", help="train the prototype-based SMILES VAE (Harel & Radinsky)")
    training_data(p)
    p.add_argument("--latent-dim", type=int, default=64, help="latent code width (default 64)")
    p.add_argument("--kl-weight", type=float, default=0.05,
                   help="final KL weight per token (default 0.05, for variations around a prototype; 0.4 with "
                        "`sample --method beam` for samples from the prior; MOSES' VAE weights its KL as 1.8 would "
                        "here, which collapses the code; docs/chem.md section 7)")
    p.add_argument("--kl-warmup", type=int, help="steps of linear KL annealing (default: half of --steps)")
    add_training_arguments(p, steps=5000, batch_size=128, grad_clip=5.0)
    p.set_defaults(func=_train_vae)

    p = verbs.add_parser("fine-tune", help="transfer learning: fine-tune a character LSTM on a few actives (Gupta)")
    p.add_argument("--model", required=True, help="run or checkpoint directory of a trained character LSTM")
    inputs(p, "fine-tuning molecules (actives or fragments)")
    p.add_argument("--out", required=True, help="run directory of the fine-tuned model")
    p.add_argument("--epochs", type=int, default=12, help="passes over the fine-tuning set (default 12, as Gupta et al.)")
    p.add_argument("--lr", type=float, help="learning rate (default: the model's)")
    p.add_argument("--measure", type=int, default=1000,
                   help="molecules sampled before/after to measure the shift toward the set (0: skip; default 1000)")
    p.add_argument("--temperature", type=float, default=1.0, help="temperature of those samples (default 1)")
    add_training_arguments(p, batch_size=8)
    p.set_defaults(steps=None)
    p._option_string_actions["--steps"].help = "training steps in total (default: --epochs passes over the set)"
    p.set_defaults(func=_fine_tune)

    p = verbs.add_parser("sample", help="sample molecules from a trained generator, filter them, write .smi/.csv/.sdf")
    p.add_argument("--model", required=True, help="run or checkpoint directory (character LSTM, or the VAE's prior)")
    p.add_argument("--out", required=True, help="kept molecules: .smi or .csv (optionally .gz)")
    p.add_argument("--raw", help="also write every raw sampled string (invalid and empty ones included) to this .csv")
    p.add_argument("--method", choices=("sample", "beam"), default="sample",
                   help="VAE decoding: sampling at --temperature, or each code's most likely SMILES by beam search")
    p.add_argument("--beam-width", type=int, default=5)
    p.add_argument("--latent-prior", help="VAE: draw codes from this fitted prior (.npz from fit-prior), not N(0, I)")
    generation(p, 10000)
    p.set_defaults(func=_sample)

    p = verbs.add_parser("fit-prior", help="fit a Gaussian mixture to a trained VAE's codes of its training set "
                                           "(ex-post density estimation), to sample from instead of N(0, I)")
    p.add_argument("--model", required=True, help="run or checkpoint directory of a prototype VAE")
    inputs(p, "molecules to encode (the model's training set)")
    p.add_argument("--out", help="the prior (.npz; default: <model>/latent_prior.npz)")
    p.add_argument("--components", type=int, default=20, help="mixture components (default 20)")
    p.add_argument("--max-molecules", type=int, default=20000,
                   help="encode at most this many (a random subset; default 20,000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, help="torch CPU threads (default: torch's)")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=_fit_prior)

    p = verbs.add_parser("generate", help="variations around a prototype molecule from a trained prototype VAE")
    p.add_argument("--model", required=True, help="run or checkpoint directory of a prototype VAE")
    p.add_argument("--prototype", required=True, help="SMILES of the prototype (e.g. a known drug)")
    p.add_argument("--diversity", type=float, default=0.5,
                   help="noise around the prototype's code, in posterior standard deviations (0: its own code)")
    p.add_argument("--method", choices=("sample", "beam"), default="sample", help="decoding: sampling or beam search")
    p.add_argument("--beam-width", type=int, default=5)
    p.add_argument("--out", required=True, help="kept variations: .smi, or .csv with their similarity to the prototype")
    generation(p, 1000)
    p.set_defaults(func=_generate)
