"""Train / fine-tune / sample / generate-around-a-prototype wiring (used by the CLI, demo and benchmark).

    from scigen.engine import TrainConfig
    from scigen.chem import pipeline

    pipeline.train_lstm("train.smi", "runs/lstm", TrainConfig(steps=5000, batch_size=128))
    pipeline.sample("runs/lstm", 10_000, "sampled.smi", temperature=1.0, seed=1)   # filtered, drops counted
    pipeline.fine_tune("runs/lstm", "actives.smi", "runs/lstm-ft")                  # + similarity shift
    pipeline.train_vae("train.smi", "runs/vae", TrainConfig(steps=5000))
    pipeline.generate("runs/vae", "CC(=O)Oc1ccccc1C(=O)O", 1000, "variations.smi", diversity=0.5)

Training sets go through RDKit first (:func:`prepare_smiles`): invalid SMILES, duplicates and
molecules longer than the model's ``max_len`` tokens are skipped and counted (``data_report.json``
in the run directory), never fatal. Every generated molecule goes through a
:class:`~scigen.chem.filters.MoleculeFilter` (default: valid, canonical, deduplicated; ``"moses"``
adds MOSES' filters); the written report says how many were dropped and why.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from scigen.errors import InputError

LSTM, VAE = "chem.char_lstm", "chem.prototype_vae"
FILTERS = ("none", "valid", "moses")


# ---- inputs -------------------------------------------------------------------------------------
def read_input(smiles) -> tuple[list[str], str]:
    """(SMILES list, description) of a file path (str or Path) or a sequence of SMILES strings."""
    if isinstance(smiles, (str, Path)):
        from scigen.chem.files import read_smiles

        return [str(s) for s in read_smiles(smiles).smiles], str(smiles)
    return [str(s) for s in smiles], "the given SMILES"


@dataclass
class PreparedSet:
    """A training set after RDKit: canonical, deduplicated molecules and what was skipped why.
    ``texts`` are the same molecules in the model's representation (the SMILES, or their SELFIES)."""

    smiles: list[str]
    n_in: int
    dropped: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    representation: str = "smiles"

    def to_dict(self) -> dict:
        return {"n_in": self.n_in, "n_kept": len(self.smiles), "representation": self.representation,
                "dropped": dict(self.dropped.most_common()), "examples": self.examples}


def prepare_smiles(smiles: Sequence[str], *, max_len: int, filt=None, vocab=None,
                   representation: str = "smiles") -> PreparedSet:
    """Filter a training set: valid, canonical, deduplicated (or ``filt``), writable in
    ``representation`` ("smiles" or "selfies"), at most ``max_len`` tokens of it, and (when
    ``vocab`` is given) made of its tokens; the rest is counted by reason."""
    from scigen.chem.tokenizer import from_smiles, tokenize

    if filt is None:  # imported here so that a given filter spares RDKit (pre-filtered sets on a GPU machine)
        from scigen.chem.filters import MoleculeFilter

        filt = MoleculeFilter()
    result = filt(smiles)
    kept, texts, dropped, examples = [], [], Counter(result.dropped), dict(result.examples)
    for s in result.kept:
        reason = None
        try:
            text = from_smiles(s, representation)
            tokens = tokenize(text, representation)
        except InputError:
            reason = f"no_{representation}"
        if reason is None and len(tokens) > max_len:
            reason = "too_long"
        if reason is None and vocab is not None and any(t not in vocab for t in tokens):
            reason = "unknown_token"
        if reason:
            dropped[reason] += 1
            examples.setdefault(reason, [])
            if len(examples[reason]) < 3:
                examples[reason].append(s)
        else:
            kept.append(s)
            texts.append(text)
    return PreparedSet(kept, result.n_in, dropped, examples, texts, representation)


def make_filter(name: str):
    """The generated-molecule filter by name: "valid" (valid molecules as canonical SMILES, repeats
    dropped), "moses" (plus MOSES' filters), "none" (invalid strings dropped, the rest as generated)."""
    from scigen.chem.filters import MoleculeFilter, moses_filter

    if name == "valid":
        return MoleculeFilter()
    if name == "moses":
        return moses_filter()
    if name == "none":
        return MoleculeFilter(canonical=False, dedupe=False)  # validity only: strings as generated
    raise InputError(f"filter must be one of {FILTERS}, got {name!r}")


# ---- training -----------------------------------------------------------------------------------
def _train(kind: str, smiles, out, config, model_kwargs: dict, *, max_len: int, resume: bool, filt=None,
           representation: str = "smiles") -> dict:
    import torch

    from scigen.chem.models import CharLSTM, PrototypeVAE, encode_texts
    from scigen.chem.tokenizer import Vocabulary
    from scigen.engine import ArrayDataset, TrainConfig, fit, seeded
    from scigen.io.atomic import write_text_atomic

    config = config or TrainConfig()
    raw, source = read_input(smiles)
    prepared = prepare_smiles(raw, max_len=max_len, filt=filt, representation=representation)
    if len(prepared.smiles) < 2:
        raise InputError(f"{source}: only {len(prepared.smiles)} usable molecule(s) of {len(raw)} after filtering "
                         f"(dropped: {dict(prepared.dropped)}); a generator needs a training set")
    vocab = Vocabulary.build(prepared.texts, representation=representation)
    ids = encode_texts(vocab, prepared.texts, max_len)
    if config.batch_size > len(ids):
        config = dataclasses.replace(config, batch_size=len(ids))
    cls = CharLSTM if kind == LSTM else PrototypeVAE
    with seeded(config.seed):
        model = cls(vocab=vocab.to_dict(), max_len=max_len, **model_kwargs)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    report = {"source": source, **prepared.to_dict()}
    write_text_atomic(out / "data_report.json", json.dumps(report, indent=1) + "\n")
    vocab.save(out / "vocab.json")
    t0 = time.perf_counter()
    # batches of similar length: token_nll trims each batch to its longest molecule
    dataset = ArrayDataset(samples=ids, bucket_lengths=(ids != Vocabulary.pad_id).sum(dim=1))
    result = fit(model, dataset, config, out_dir=out, resume=resume,
                 checkpoint_extra={"training_set": {"source": source, "n": len(ids)}})
    return {"run": str(out), "model": kind, "molecules": len(ids), "skipped": dict(prepared.dropped),
            "representation": representation, "vocab_size": len(vocab), "steps": result.steps,
            "epochs": round(result.epochs, 3),
            "seconds": round(time.perf_counter() - t0, 1), "steps_per_s": round(result.steps_per_s, 3),
            "threads": torch.get_num_threads(), "precision": result.runtime["precision"],
            "final": {k: round(v, 5) for k, v in result.metrics.items()},
            "parameters": sum(p.numel() for p in model.parameters())}


def train_lstm(smiles, out, config=None, *, embed_dim: int = 64, hidden: int = 256, layers: int = 2,
               dropout: float = 0.0, lr: float = 1e-3, decay: bool = True, max_len: int = 100, resume: bool = False,
               filt=None, representation: str = "smiles") -> dict:
    """Train the character LSTM on ``smiles`` (file or list) into run directory ``out``; returns a
    summary. ``decay``: cosine learning-rate decay to 5% over the run's steps; ``representation``:
    the strings the model learns, "smiles" or "selfies" (``max_len`` counts their tokens)."""
    from scigen.engine import TrainConfig

    config = config or TrainConfig()
    return _train(LSTM, smiles, out, config, dict(embed_dim=embed_dim, hidden=hidden, layers=layers, dropout=dropout,
                                                  lr=lr, lr_decay_steps=config.steps if decay else None),
                  max_len=max_len, resume=resume, filt=filt, representation=representation)


def train_vae(smiles, out, config=None, *, latent_dim: int = 64, hidden: int = 256, layers: int = 2,
              lr: float = 1e-3, decay: bool = True, kl_weight: float = 0.05, kl_warmup_steps: int | None = None,
              max_len: int = 100, resume: bool = False, filt=None, representation: str = "smiles",
              **encoder) -> dict:
    """Train the prototype VAE on ``smiles`` into ``out``; the KL weight ramps over the first half of
    training unless ``kl_warmup_steps`` is given; ``decay``: cosine learning-rate decay to 5%;
    ``representation``: "smiles" or "selfies" (valid samples by construction).
    ``encoder``: embed_dim, conv_channels, conv_kernels, dense."""
    from scigen.engine import TrainConfig

    config = config or TrainConfig()
    warmup = kl_warmup_steps if kl_warmup_steps is not None else max(1, config.steps // 2)
    return _train(VAE, smiles, out, config, dict(latent_dim=latent_dim, hidden=hidden, layers=layers, lr=lr,
                                                 lr_decay_steps=config.steps if decay else None,
                                                 kl_weight=kl_weight, kl_warmup_steps=warmup, **encoder),
                  max_len=max_len, resume=resume, filt=filt, representation=representation)


def load(model, expected: str | None = None):
    """A model from a run/checkpoint directory (or the model itself)."""
    from scigen.engine import Model, load_model

    if isinstance(model, Model):
        return model
    return load_model(model, expected=expected)


# ---- generation ---------------------------------------------------------------------------------
def filter_generated(raw: list[str], filt: str = "valid"):
    """:class:`~scigen.chem.filters.FilterResult` of generated strings through the named filter."""
    return make_filter(filt)(raw)


def _write_outputs(kept: list[str], out, sdf, report_path, report: dict, columns: dict | None = None) -> dict:
    from scigen.chem.files import write_sdf, write_smiles
    from scigen.io.atomic import write_text_atomic

    paths = {}
    if out is not None:
        out = Path(out)
        csv = out.suffix.lower() in (".csv", ".tsv") or out.name.lower().endswith((".csv.gz", ".tsv.gz"))
        if not kept:
            raise InputError(f"no generated molecule survived the filter ({report['filter']['dropped']}); "
                             f"nothing to write to '{out}'")
        write_smiles(out, kept, columns=columns if csv else None)
        paths["out"] = str(out)
        report_path = report_path or out.with_name(out.name.split(".")[0] + ".filter.json")
    if sdf is not None:
        write_sdf(sdf, kept, properties=columns)
        paths["sdf"] = str(sdf)
    if report_path is not None:
        write_text_atomic(report_path, json.dumps(report, indent=1) + "\n")
        paths["report"] = str(report_path)
    return paths


def sample(model, n: int, out=None, *, temperature: float = 1.0, seed: int = 0, filt: str = "valid", sdf=None,
           raw_out=None, report=None, constrained: bool = False, method: str = "sample", beam_width: int = 5,
           latent_prior=None) -> dict:
    """Sample ``n`` molecules from a trained generator (LSTM, or the VAE's prior), filter them and
    write the kept ones (``out``: .smi/.csv; ``sdf``: SDF too; ``raw_out``: every raw string, a .csv).
    ``constrained``: decode with the SMILES syntax mask (:mod:`scigen.chem.syntax`).
    VAE only: ``method`` "beam" decodes each code to its most likely SMILES (beam of ``beam_width``);
    ``latent_prior`` (a .npz from :func:`scigen.chem.latent.fit_prior`) draws the codes from the
    mixture fitted to the training set's codes instead of N(0, I).

    Returns a summary: counts kept and dropped by reason, molecules/s of sampling, file paths.
    """
    import torch

    m = load(model)
    vae_only = {"method": method != "sample", "latent_prior": latent_prior is not None}
    if m.name != VAE and any(vae_only.values()):
        raise InputError(f"{', '.join(k for k, v in vae_only.items() if v)}: only the prototype VAE decodes latent "
                         f"codes; {m.name} samples token by token (leave these options out)")
    options = {"temperature": temperature, "constrained": constrained}
    if m.name == VAE:
        from scigen.chem.latent import load_prior

        prior = None if latent_prior is None else load_prior(latent_prior, m)
        options.update(method=method, beam_width=beam_width, prior=prior)
    gen = torch.Generator().manual_seed(seed)
    t0 = time.perf_counter()
    raw = m.sample(n, generator=gen, **options)
    seconds = time.perf_counter() - t0
    result = filter_generated(raw, filt)
    summary = {"model": m.name, "checkpoint": (getattr(m, "checkpoint_info", None) or {}).get("path"), "n": n,
               "temperature": temperature, "constrained": constrained, "seed": seed,
               **({"method": method, "latent_prior": None if latent_prior is None else str(latent_prior)}
                  if m.name == VAE else {}),
               "sampling_seconds": round(seconds, 2),
               "molecules_per_s": round(n / seconds, 1), "filter": {"name": filt, **result.to_dict()}}
    if raw_out is not None:
        from scigen.chem.files import write_smiles

        write_smiles(raw_out, raw, raw=True)
    summary["files"] = _write_outputs(result.kept, out, sdf, report, summary)
    summary["kept"] = result.kept
    return summary


def similarity_to(smiles: Sequence[str], reference: Sequence[str]) -> np.ndarray:
    """(n_valid,) max Tanimoto similarity (Morgan r=2, 1024 bits) of each valid molecule of
    ``smiles`` to the ``reference`` molecules."""
    from scigen.chem.metrics import nearest_similarity

    return nearest_similarity(list(smiles), list(reference))


def generate(model, prototype: str, n: int, out=None, *, diversity: float = 0.5, temperature: float = 1.0,
             method: str = "sample", beam_width: int = 5, seed: int = 0, filt: str = "valid", sdf=None,
             report=None, constrained: bool = False) -> dict:
    """``n`` variations of ``prototype`` from a trained prototype VAE, filtered; each kept molecule
    gets its Tanimoto similarity to the prototype (a column of a .csv ``out``). The summary has the
    filter's drop counts, the kept molecules' similarity distribution and
    :func:`scigen.chem.prototypes.variation_metrics` of the raw strings."""
    import torch

    from scigen.chem.mol import canonical
    from scigen.chem.prototypes import variation_metrics

    m = load(model, expected=VAE)
    gen = torch.Generator().manual_seed(seed)
    t0 = time.perf_counter()
    raw = m.generate_from_prototype(prototype, n, diversity, temperature=temperature, method=method,
                                    beam_width=beam_width, generator=gen, constrained=constrained)
    seconds = time.perf_counter() - t0
    result = filter_generated(raw, filt)
    sims = similarity_to(result.kept, [canonical(prototype)]) if result.kept else np.zeros(0)
    summary = {"model": m.name, "prototype": prototype, "prototype_canonical": canonical(prototype), "n": n,
               "diversity": diversity, "temperature": temperature, "method": method, "constrained": constrained, "seed": seed,
               "seconds": round(seconds, 2), "filter": {"name": filt, **result.to_dict()},
               "kept_similarity": _describe(sims), "variations": variation_metrics(prototype, raw)}
    summary["files"] = _write_outputs(result.kept, out, sdf, report, summary,
                                      columns={"similarity": [round(float(s), 4) for s in sims]})
    summary["kept"] = result.kept
    return summary


def _describe(values: np.ndarray) -> dict:
    if len(values) == 0:
        return {"n": 0}
    q = np.quantile(values, [0.1, 0.5, 0.9])
    return {"n": int(len(values)), "mean": round(float(values.mean()), 4), "p10": round(float(q[0]), 4),
            "median": round(float(q[1]), 4), "p90": round(float(q[2]), 4)}


# ---- fine-tuning --------------------------------------------------------------------------------
def fine_tune(model, smiles, out=None, config=None, *, epochs: int = 12, lr: float | None = None,
              measure_n: int = 1000, temperature: float = 1.0, seed: int = 0, resume: bool = False) -> dict:
    """Transfer learning (Gupta et al.): train a character LSTM further on a few actives/fragments.

    ``model``: a run directory (loaded, trained, saved into ``out``) or a :class:`CharLSTM` (trained
    in place; ``out`` None keeps no checkpoint). Invalid SMILES among ``smiles`` are skipped and
    counted; a token outside the model's vocabulary is an :class:`InputError` naming the molecule.
    Trains ``epochs`` passes (``config.steps`` if set explicitly to a positive value) through the
    engine, batches of at most ``config.batch_size``. With ``measure_n`` > 0,
    measures the shift: ``measure_n`` molecules sampled before and after, their mean max-Tanimoto
    similarity to the fine-tuning set, and the mean log-likelihood of the set.
    """
    from scigen.chem.models import encode_texts
    from scigen.engine import ArrayDataset, TrainConfig, fit

    m = load(model, expected=LSTM)
    source_ckpt = (getattr(m, "checkpoint_info", None) or {}).get("path")
    raw, source = read_input(smiles)
    prepared = prepare_smiles(raw, max_len=m.max_len, representation=m.vocabulary.representation)
    if not prepared.smiles:
        raise InputError(f"{source}: no valid molecule to fine-tune on ({dict(prepared.dropped)})")
    ids = encode_texts(m.vocabulary, prepared.texts, m.max_len, source=source)  # unknown token: names it
    config = config or TrainConfig(steps=0)
    batch = min(config.batch_size, len(ids))
    steps = config.steps if config.steps and config.steps > 0 else epochs * (len(ids) // batch)
    config = dataclasses.replace(config, batch_size=batch, steps=steps)
    if lr is not None:
        m.lr = lr
    m.lr_decay_steps = None  # a constant learning rate while fine-tuning
    before = _shift_point(m, prepared.smiles, measure_n, temperature, seed) if measure_n else None
    m.train()
    result = fit(m, ArrayDataset(samples=ids), config, out_dir=out, resume=resume,
                 checkpoint_extra={"fine_tuned_from": source_ckpt, "fine_tuning_set": {"source": source, "n": len(ids)}})
    m.eval()
    after = _shift_point(m, prepared.smiles, measure_n, temperature, seed) if measure_n else None
    summary = {"run": None if out is None else str(out), "from": source_ckpt, "molecules": len(ids), "skipped": dict(prepared.dropped),
               "steps": result.steps, "epochs": round(result.epochs, 2), "batch_size": batch, "lr": m.lr,
               "seconds": round(result.elapsed_s, 1), "before": before, "after": after}
    if out is not None:
        from scigen.io.atomic import write_text_atomic

        write_text_atomic(Path(out) / "fine_tune_report.json", json.dumps(summary, indent=1) + "\n")
    return summary


def _shift_point(m, actives: list[str], n: int, temperature: float, seed: int) -> dict:
    """Where a model's samples stand relative to ``actives`` (canonical SMILES): validity, distinct
    valid molecules, the mean max-Tanimoto similarity of the distinct ones to the set and the
    fraction at or above 0.4, how many actives were sampled back and how many distinct molecules
    are not actives, and the actives' mean log-likelihood (nats per molecule)."""
    import torch

    raw = m.sample(n, generator=torch.Generator().manual_seed(seed), temperature=temperature)
    result = filter_generated(raw, "valid")
    sims = similarity_to(result.kept, actives) if result.kept else np.zeros(0)
    return {"n": n, "valid": round(1 - result.n_invalid / n, 4), "unique_valid": result.n_kept,
            "mean_max_similarity": round(float(sims.mean()), 4) if len(sims) else None,
            "fraction_similarity_ge_0.4": round(float((sims >= 0.4).mean()), 4) if len(sims) else None,
            "recovered_actives": len(set(result.kept) & set(actives)),
            "unique_not_actives": len(set(result.kept) - set(actives)),
            "actives_log_likelihood": round(float(np.mean(m.log_likelihood(actives))), 3)}


def demo(out_dir: Path, seed: int = 0) -> dict:
    """The chemistry section of ``scigen demo`` (see :mod:`scigen.chem.demo`)."""
    from scigen.chem.demo import run

    return run(Path(out_dir), seed)
