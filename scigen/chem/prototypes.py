"""Measures for prototype-based generation (Harel & Radinsky): how far variations lie from their
prototype, and a retrospective test against drugs approved after a cut-off year.

- :func:`variation_metrics`: validity, distinct molecules, Tanimoto similarity (Morgan r=2, 1024
  bits, as every metric here) of the valid variations to the prototype, and how often the
  prototype itself comes back.
- :func:`diversity_sweep`: those measures at several ``diversity`` settings of a prototype VAE.
- :func:`retrospective`: in the spirit of Harel & Radinsky's retrospective experiment (they report
  35 FDA-approved drugs among their generated molecules): prototypes are the shipped ChEMBL
  approved drugs first approved before a cut-off year; every generated variation is compared with
  the drugs first approved in or after it. Molecules match when their canonical SMILES *without*
  stereo marks agree (models trained on MOSES have no stereo tokens).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from scigen.errors import InputError


def _nonisomeric(smiles: Sequence[str]) -> list[str | None]:
    from scigen.chem.mol import canonicalize

    return canonicalize(smiles, isomeric=False)


def _heavy_atoms(smiles: str) -> int:
    from scigen.chem.mol import parse

    mol = parse(smiles)
    return 0 if mol is None else mol.GetNumHeavyAtoms()


def variation_metrics(prototype: str, generated: Sequence[str]) -> dict:
    """Measures of raw generated strings around ``prototype``.

    Returns: n, validity (fraction of strings RDKit parses), distinct (distinct valid canonical
    molecules), uniqueness (distinct / valid), similarity (mean, median, 10th/90th percentile of the
    distinct molecules' Tanimoto similarity to the prototype), prototype_fraction (fraction of the
    valid strings that are the prototype itself), novel_distinct (distinct molecules other than it).
    """
    from scigen.chem.metrics import nearest_similarity
    from scigen.chem.mol import canonical, canonicalize

    proto = canonical(prototype)
    if proto is None:
        raise InputError(f"prototype '{prototype}' is not a valid molecule")
    can = [c for c in canonicalize(generated) if c is not None]
    distinct = sorted(set(can))
    out = {"n": len(generated), "validity": len(can) / len(generated) if generated else 0.0, "distinct": len(distinct),
           "uniqueness": len(distinct) / len(can) if can else 0.0,
           "prototype_fraction": can.count(proto) / len(can) if can else 0.0,
           "novel_distinct": len([c for c in distinct if c != proto])}
    if distinct:
        sims = nearest_similarity(distinct, [proto])
        q = np.quantile(sims, [0.1, 0.5, 0.9])
        out["similarity"] = {"mean": float(sims.mean()), "p10": float(q[0]), "median": float(q[1]), "p90": float(q[2])}
    else:
        out["similarity"] = {"mean": None, "p10": None, "median": None, "p90": None}  # no valid molecule
    return out


def diversity_sweep(model, prototype: str, diversities: Sequence[float] = (0.0, 0.5, 1.0, 2.0, 4.0), n: int = 500, *,
                    temperature: float = 1.0, seed: int = 0) -> list[dict]:
    """:func:`variation_metrics` of ``n`` variations of ``prototype`` at each diversity (same seed)."""
    import torch

    rows = []
    for d in diversities:
        raw = model.generate_from_prototype(prototype, n, d, temperature=temperature,
                                            generator=torch.Generator().manual_seed(seed))
        rows.append({"diversity": float(d), **variation_metrics(prototype, raw)})
    return rows


def encodable(model, smiles: Sequence[str]) -> list[bool]:
    """Whether each molecule's canonical SMILES fits the model: valid, only vocabulary tokens, at
    most ``model.max_len`` tokens (of SMILES, or of SELFIES for a SELFIES model)."""
    from scigen.chem.mol import canonical

    return fits_model(model, [canonical(s) if s else None for s in smiles])


def fits_model(model, canonical_smiles: Sequence[str | None]) -> list[bool]:
    """:func:`encodable` for SMILES already canonical (None for an invalid molecule): whether each
    has only vocabulary tokens and at most ``model.max_len`` of them."""
    vocab = model.vocabulary
    ok = []
    for c in canonical_smiles:
        if c is None:
            ok.append(False)
            continue
        try:
            tokens = vocab.tokenize(vocab.from_smiles(c))
        except InputError:
            ok.append(False)
            continue
        ok.append(len(tokens) <= model.max_len and all(t in vocab for t in tokens))
    return ok


def retrospective(model, cutoff_year: int = 1990, *, n_per_prototype: int = 100, diversity: float = 1.0,
                  temperature: float = 1.0, max_prototypes: int | None = None, min_heavy_atoms: int = 6,
                  seed: int = 0) -> dict:
    """Generate variations of the approved drugs first approved before ``cutoff_year`` and count
    those that are drugs first approved in or after it (stereo-insensitive match).

    Approved "drugs" with fewer than ``min_heavy_atoms`` heavy atoms (ammonia, ethanol, nitrous
    oxide: any generator writes them by chance) count on neither side.

    Prototypes are the drugs' parent molecules (salts stripped), without stereo marks, that the
    model can encode (:func:`encodable`); ``max_prototypes`` takes the latest-approved ones.

    Returns: cutoff_year, prototypes (used / before the cut-off), generated, valid, distinct,
    later_drugs (how many distinct drugs approved in or after the cut-off the set has),
    recovered (list of {name, first_approval, smiles, prototype}), and also_earlier (generated
    molecules that are approved drugs from before the cut-off other than their own prototype).
    """
    import torch

    from scigen.chem.data import load_approved_drugs

    drugs = load_approved_drugs()
    parent = _nonisomeric(list(drugs["parent_smiles"]))
    drugs = drugs.assign(key=parent).dropna(subset=["key"]).drop_duplicates("key")
    drugs = drugs[[_heavy_atoms(k) >= min_heavy_atoms for k in drugs["key"]]]
    before = drugs[drugs["first_approval"] < cutoff_year]
    after = drugs[drugs["first_approval"] >= cutoff_year]
    if before.empty or after.empty:
        raise InputError(f"cut-off year {cutoff_year} leaves no approved drugs on one side "
                         f"(range {drugs['first_approval'].min()}-{drugs['first_approval'].max()})")
    fit = before[encodable(model, list(before["key"]))]
    if max_prototypes is not None:
        fit = fit.iloc[-max_prototypes:]
    later = {k: (n, int(y)) for k, n, y in zip(after["key"], after["name"], after["first_approval"])}
    earlier = set(before["key"])
    gen = torch.Generator().manual_seed(seed)
    recovered: dict[str, dict] = {}
    also_earlier: set[str] = set()
    total = valid = 0
    distinct: set[str] = set()
    for proto, pname in zip(fit["key"], fit["name"]):
        raw = model.generate_from_prototype(proto, n_per_prototype, diversity, temperature=temperature, generator=gen)
        keys = [k for k in _nonisomeric([s or "" for s in raw]) if k]
        total += len(raw)
        valid += len(keys)
        distinct.update(keys)
        for k in set(keys):
            if k in later and k not in recovered:
                name, year = later[k]
                recovered[k] = {"name": name, "first_approval": year, "smiles": k, "prototype": pname}
            elif k in earlier and k != proto:
                also_earlier.add(k)
    return {"cutoff_year": cutoff_year, "min_heavy_atoms": min_heavy_atoms, "prototypes": len(fit), "prototypes_before_cutoff": len(before),
            "n_per_prototype": n_per_prototype, "diversity": diversity, "generated": total, "valid": valid,
            "distinct": len(distinct), "later_drugs": len(after), "recovered": list(recovered.values()),
            "also_earlier": len(also_earlier)}


def reconstruction(model, smiles: Sequence[str], *, batch_size: int = 512) -> dict:
    """How well a prototype VAE reconstructs molecules from their posterior means (diversity 0,
    greedy decoding): the fraction decoded to exactly their canonical SMILES, validity of the
    decodes, and their mean Tanimoto similarity to the input. Molecules the model cannot encode
    (:func:`encodable`) are counted and left out."""
    from scigen.chem.features import fingerprint
    from scigen.chem.mol import canonicalize, parse

    ok = encodable(model, smiles)
    inputs = [c for c in canonicalize([s for s, good in zip(smiles, ok) if good]) if c]
    if not inputs:
        raise InputError("none of the molecules can be encoded by this model (tokens or length)")
    decoded: list[str] = []
    for i in range(0, len(inputs), batch_size):
        mu, _ = model.encode_latent(inputs[i:i + batch_size])
        decoded += model.decode(mu, temperature=0.0)
    can = canonicalize(decoded)
    sims = []
    for s, c in zip(inputs, can):
        if c:
            a, b = fingerprint(parse(s)).astype(bool), fingerprint(parse(c)).astype(bool)
            union = (a | b).sum()
            sims.append((a & b).sum() / union if union else 1.0)
    return {"n": len(inputs), "skipped": len(smiles) - len(inputs),
            "exact": sum(c == s for c, s in zip(can, inputs)) / len(inputs), "validity": len(sims) / len(inputs),
            "similarity": float(np.mean(sims)) if sims else None}
