"""MOSES / GuacaMol metrics of a generated set of SMILES, as pure functions.

Every function takes SMILES strings (lists or numpy arrays) or :class:`MoleculeSet` objects (to
reuse parsing across metrics). Definitions are MOSES' (Polykovskiy et al. 2020, molsets 0.3.1),
re-implemented and checked against molsets' own code in ``benchmarks/chem.py``:

- validity: fraction of strings RDKit parses and sanitises (empty strings are invalid).
- uniqueness@k: distinct canonical SMILES among the first k valid molecules, divided by k.
  It falls as n grows: compare only at equal k.
- novelty: fraction of the distinct valid generated molecules absent from the training set (both
  canonicalised by the same RDKit; MOSES compares against the training strings as written).
- IntDiv_p: 1 - mean_i (mean_j T(i, j)^p)^(1/p) over all pairs of valid molecules, self-pairs and
  duplicates included, T the Tanimoto similarity of Morgan r=2 1024-bit fingerprints (MOSES' code;
  its paper writes the p=2 mean outside the root). Self-pairs bias it down for small sets.
- SNN: mean over generated molecules of the Tanimoto similarity to the nearest reference molecule.
  Rises with the reference set's size.
- Frag / Scaf: cosine similarity of the BRICS-fragment / Bemis-Murcko-scaffold (>= 2 rings) count
  vectors of the two sets. Scaf depends strongly on the sets' sizes.
- Filters: fraction of valid molecules passing MOSES' filters.
- logP, SA, QED, weight: 1-D Wasserstein distance between the property values of the two sets.
- FCD: Frechet ChemNet Distance (:mod:`scigen.chem.fcd`); biased upward at small n.

Tanimoto of two empty fingerprints counts as 1 (as MOSES).
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Sequence

import numpy as np
from scipy.stats import wasserstein_distance

from scigen.chem.features import PROPERTIES, MoleculeSet
from scigen.errors import InputError

_BLOCK = 512  # rows of the similarity matrix computed at once (512 x 10k float64: 40 MB per array)


def as_set(smiles) -> MoleculeSet:
    """``smiles`` as a :class:`MoleculeSet` (parsed once)."""
    return smiles if isinstance(smiles, MoleculeSet) else MoleculeSet(smiles)


def _need_valid(ms: MoleculeSet, what: str, minimum: int = 1) -> None:
    if ms.n_valid < minimum:
        raise InputError(f"{what} needs at least {minimum} valid molecule(s); the set has {ms.n_valid} of "
                         f"{len(ms)} valid")


# ---- counting metrics -------------------------------------------------------------------------
def validity(smiles) -> float:
    """Fraction of the strings that are valid molecules."""
    ms = as_set(smiles)
    if len(ms) == 0:
        raise InputError("validity of an empty set is undefined: pass at least one SMILES string")
    return ms.n_valid / len(ms)


def uniqueness(smiles, k: int | None = None) -> float:
    """unique@k: distinct molecules among the first ``k`` valid ones, over k (all valid if k is None).

    Raises:
        InputError: fewer than ``k`` valid molecules (uniqueness depends on n: compare at equal k).
    """
    ms = as_set(smiles)
    _need_valid(ms, "uniqueness")
    if k is None:
        k = ms.n_valid
    if k > ms.n_valid:
        raise InputError(f"unique@{k} needs {k} valid molecules, the set has {ms.n_valid}: uniqueness falls "
                         "with n, so compare sets only at the same k (choose k <= the valid count)")
    return len(set(ms.valid[:k])) / k


def canonical_set(smiles) -> set[str]:
    """Distinct canonical SMILES of the valid molecules (e.g. of a training set)."""
    return as_set(smiles).unique


def novelty(smiles, train) -> float:
    """Fraction of distinct valid molecules not in ``train`` (SMILES, or a set of canonical SMILES)."""
    ms = as_set(smiles)
    _need_valid(ms, "novelty")
    train_set = train if isinstance(train, (set, frozenset)) else canonical_set(train)
    unique = ms.unique
    return len(unique - train_set) / len(unique)


def filters_pass(smiles) -> float:
    """Fraction of the valid molecules (duplicates included) that pass MOSES' filters."""
    ms = as_set(smiles)
    _need_valid(ms, "the filters metric")
    return float(ms.passes_filters().mean())


# ---- fingerprint similarity -------------------------------------------------------------------
def tanimoto_blocks(a: np.ndarray, b: np.ndarray) -> Iterable[tuple[slice, np.ndarray]]:
    """Yield (row slice of ``a``, Tanimoto block (rows, len(b)) float64) of 0/1 fingerprints a vs b.

    Blocks of 512 rows keep memory at 512 x len(b); all-zero pairs count as 1 (as MOSES)."""
    bf = np.asarray(b, dtype=np.float32)
    b_counts = bf.sum(1, dtype=np.float64)
    for start in range(0, len(a), _BLOCK):
        rows = slice(start, start + _BLOCK)
        af = np.asarray(a[rows], dtype=np.float32)
        inter = (af @ bf.T).astype(np.float64)
        union = af.sum(1, dtype=np.float64)[:, None] + b_counts[None, :] - inter
        with np.errstate(invalid="ignore", divide="ignore"):
            t = inter / union
        t[union == 0] = 1.0
        yield rows, t


def diversity_per_molecule(fps: np.ndarray, p: int = 1) -> np.ndarray:
    """(n,) 1 - (mean_j T_ij^p)^(1/p) of each molecule i against the whole set (itself included);
    their mean is IntDiv_p."""
    per = np.empty(len(fps))
    for rows, t in tanimoto_blocks(fps, fps):
        per[rows] = (t if p == 1 else t**p).mean(axis=1)
    return 1.0 - per ** (1.0 / p)


def nearest_tanimoto(fps: np.ndarray, ref_fps: np.ndarray) -> np.ndarray:
    """(n,) Tanimoto similarity of each fingerprint in ``fps`` to its nearest one in ``ref_fps``."""
    best = np.empty(len(fps))
    for rows, t in tanimoto_blocks(fps, ref_fps):
        best[rows] = t.max(axis=1)
    return best


def internal_diversity(smiles, p: int = 1) -> float:
    """IntDiv_p = 1 - mean_i (mean_j T_ij^p)^(1/p) over all valid molecules (MOSES' definition)."""
    ms = as_set(smiles)
    _need_valid(ms, "internal diversity")
    return float(diversity_per_molecule(ms.fingerprints(), p).mean())


def nearest_similarity(smiles, reference) -> np.ndarray:
    """(n_valid,) Tanimoto similarity of each valid molecule to its nearest reference molecule."""
    ms, ref = as_set(smiles), as_set(reference)
    _need_valid(ms, "SNN")
    _need_valid(ref, "SNN (reference set)")
    return nearest_tanimoto(ms.fingerprints(), ref.fingerprints())


def snn(smiles, reference) -> float:
    """SNN: mean Tanimoto similarity of the valid molecules to their nearest reference molecule."""
    return float(nearest_similarity(smiles, reference).mean())


# ---- fragments, scaffolds, properties ---------------------------------------------------------
def cosine_counts(ref: Counter, gen: Counter) -> float:
    """Cosine similarity of two count dictionaries (absent keys are 0); NaN if either is empty."""
    if not ref or not gen:
        return float("nan")
    dot = sum(v * gen.get(k, 0) for k, v in ref.items())
    norm = np.sqrt(sum(v * v for v in ref.values())) * np.sqrt(sum(v * v for v in gen.values()))
    return float(dot / norm)


def fragment_similarity(smiles, reference) -> float:
    """Frag: cosine similarity of the BRICS fragment counts of the two sets."""
    return cosine_counts(as_set(reference).fragment_counts(), as_set(smiles).fragment_counts())


def scaffold_similarity(smiles, reference) -> float:
    """Scaf: cosine similarity of the Bemis-Murcko scaffold (>= 2 rings) counts of the two sets."""
    return cosine_counts(as_set(reference).scaffold_counts(), as_set(smiles).scaffold_counts())


def property_values(smiles, name: str) -> np.ndarray:
    """(n_valid,) values of ``name`` ("logP", "SA", "QED", "weight") for the valid molecules."""
    if name not in PROPERTIES:
        raise InputError(f"unknown property {name!r}; choose from {', '.join(PROPERTIES)}")
    return as_set(smiles).property(name)


def property_distance(smiles, reference, name: str) -> float:
    """1-D Wasserstein distance between the property distributions of the two sets."""
    ms, ref = as_set(smiles), as_set(reference)
    _need_valid(ms, f"the {name} distance")
    _need_valid(ref, f"the {name} distance (reference set)")
    return float(wasserstein_distance(ref.property(name), ms.property(name)))


def fcd(smiles, reference, **kw) -> float:
    """Frechet ChemNet Distance between the valid molecules of the two sets (needs ``fcd_torch``)."""
    from scigen.chem import fcd as _fcd

    ms, ref = as_set(smiles), as_set(reference)
    _need_valid(ms, "FCD", 2)
    _need_valid(ref, "FCD (reference set)", 2)
    return _fcd.fcd(ref.valid, ms.valid, **kw)


# ---- all of them ------------------------------------------------------------------------------
def moses_metrics(generated, *, test=None, test_scaffolds=None, train=None, k: Sequence[int] = (1000, 10000),
                  with_fcd: bool | None = None) -> dict[str, float]:
    """Every MOSES metric of ``generated``, keyed as MOSES' ``get_all_metrics`` keys them.

    Args:
        generated: SMILES strings (invalid ones included: they count against validity).
        test: reference set for the "/Test" metrics and the property distances (default: the
            shipped 10,000-molecule MOSES test subset). MOSES uses its full 176,074-molecule test
            set: SNN and Scaf values depend on the reference size.
        test_scaffolds: reference for the "/TestSF" metrics (default: the shipped scaffold-test
            subset); pass False to skip them.
        train: training set for novelty (default: the shipped MOSES train subset); False skips it.
        k: the k of unique@k; a k larger than the number of valid molecules is left out.
        with_fcd: compute FCD (default: when ``fcd_torch`` is installed).

    Returns:
        {"valid", "unique@1000", "unique@10000", "FCD/Test", "SNN/Test", "Frag/Test", "Scaf/Test",
        "FCD/TestSF", ..., "IntDiv", "IntDiv2", "Filters", "logP", "SA", "QED", "weight", "Novelty"}.
    """
    from scigen.chem import data
    from scigen.chem import fcd as _fcd

    gen = as_set(generated)
    if with_fcd is None:
        with_fcd = _fcd.available()
    refs = {"Test": test if test is not None else data.load_moses("test")}
    if test_scaffolds is not False:
        refs["TestSF"] = test_scaffolds if test_scaffolds is not None else data.load_moses("test_scaffolds")
    out: dict[str, float] = {"valid": validity(gen)}
    for kk in k:
        if kk <= gen.n_valid:
            out[f"unique@{kk}"] = uniqueness(gen, kk)
    for tag, ref in refs.items():
        ref = as_set(ref)
        if with_fcd:
            out[f"FCD/{tag}"] = fcd(gen, ref)
        out[f"SNN/{tag}"] = snn(gen, ref)
        out[f"Frag/{tag}"] = fragment_similarity(gen, ref)
        out[f"Scaf/{tag}"] = scaffold_similarity(gen, ref)
    out["IntDiv"] = internal_diversity(gen, 1)
    out["IntDiv2"] = internal_diversity(gen, 2)
    out["Filters"] = filters_pass(gen)
    test_set = as_set(refs["Test"])
    for name in PROPERTIES:
        out[name] = property_distance(gen, test_set, name)
    if train is not False:
        out["Novelty"] = novelty(gen, train if train is not None else data.load_moses("train"))
    return out
