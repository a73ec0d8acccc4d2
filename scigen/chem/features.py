"""Per-molecule features the metrics are built from, computed once per molecule and cached.

Definitions follow MOSES (molsets 0.3.1, ``moses/metrics/utils.py``), re-implemented here:

- fingerprint: Morgan radius 2, 1024 bits, no chirality/features (RDKit's MorganGenerator gives
  bit-for-bit the vectors of MOSES' ``GetMorganFingerprintAsBitVect(mol, 2, nBits=1024)``).
- fragments: the SMILES of the pieces of ``FragmentOnBRICSBonds(mol)`` (dummy atoms included).
- scaffold: canonical SMILES of the Bemis-Murcko scaffold (``MurckoScaffold.GetScaffoldForMol``),
  kept only if it has at least 2 rings (MOSES' ``min_rings=2``); otherwise none.
- properties: logP (Crippen ``MolLogP``), SA (Ertl & Schuffenhauer, RDKit Contrib ``sascorer``),
  QED (Bickerton et al., ``rdkit.Chem.QED.qed``), weight (``Descriptors.MolWt``, g/mol).
- filters: whether the molecule passes MOSES' filters (:func:`scigen.chem.filters.moses_filter`).

A :class:`MoleculeSet` holds one set of SMILES strings: which are valid, their canonical SMILES
(features of a valid molecule are computed from the molecule parsed from its canonical SMILES, as
MOSES does), and features on demand. Caches are keyed by SMILES, so the halves of a set, or the
same set given twice, cost nothing more.
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from typing import Callable, Iterable

import numpy as np
from rdkit import Chem, RDConfig
from rdkit.Chem import AllChem, Crippen, Descriptors, rdFingerprintGenerator
from rdkit.Chem.QED import qed
from rdkit.Chem.Scaffolds import MurckoScaffold

from scigen.chem.filters import moses_filter
from scigen.chem.mol import quiet

FP_BITS = 1024
FP_RADIUS = 2
PROPERTIES = ("logP", "SA", "QED", "weight")
PROPERTY_UNITS = {"logP": "log10 octanol/water", "SA": "1 (easy) .. 10 (hard)", "QED": "0 .. 1", "weight": "g/mol"}
_CACHE_MAX = 1_000_000  # entries per cache before it is cleared


class _Cache(dict):
    """A dict that empties itself when it grows past ``_CACHE_MAX`` entries (bounded memory)."""

    def put(self, key, value):
        if len(self) >= _CACHE_MAX:
            self.clear()
        self[key] = value
        return value


_canonical_of = _Cache()   # input string -> canonical SMILES or "" (invalid)
_features: dict[str, _Cache] = {k: _Cache() for k in ("fp", "frag", "scaf", "props", "filters")}

_morgan = rdFingerprintGenerator.GetMorganGenerator(radius=FP_RADIUS, fpSize=FP_BITS)
_sascorer = None


def sa_score(mol: Chem.Mol) -> float:
    """Synthetic accessibility score (1 easy .. 10 hard) from RDKit's Contrib ``SA_Score``."""
    global _sascorer
    if _sascorer is None:
        path = f"{RDConfig.RDContribDir}/SA_Score/sascorer.py"
        spec = importlib.util.spec_from_file_location("scigen_rdkit_sascorer", path)
        if spec is None:  # pragma: no cover - RDKit wheels ship Contrib
            raise ImportError(f"RDKit's SA_Score is missing ({path}): install an RDKit that ships Contrib")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _sascorer = module
    return float(_sascorer.calculateScore(mol))


def fingerprint(mol: Chem.Mol) -> np.ndarray:
    """Morgan r=2 1024-bit fingerprint, (1024,) uint8 of 0/1."""
    return _morgan.GetFingerprintAsNumPy(mol).astype(np.uint8, copy=False)


def _packed_fingerprint(mol: Chem.Mol) -> np.ndarray:
    return np.packbits(fingerprint(mol))  # (128,) uint8: 8x less cache memory


def brics_fragments(mol: Chem.Mol) -> list[str]:
    """SMILES of the BRICS fragments of ``mol`` (with dummy atoms marking broken bonds)."""
    return Chem.MolToSmiles(AllChem.FragmentOnBRICSBonds(mol)).split(".")


def scaffold(mol: Chem.Mol, min_rings: int = 2) -> str | None:
    """Canonical SMILES of the Bemis-Murcko scaffold, None if it has fewer than ``min_rings`` rings."""
    try:
        scaf = MurckoScaffold.GetScaffoldForMol(mol)
    except (ValueError, RuntimeError):
        return None
    s = Chem.MolToSmiles(scaf)
    if not s or scaf.GetRingInfo().NumRings() < min_rings:
        return None
    return s


def properties(mol: Chem.Mol) -> tuple[float, float, float, float]:
    """(logP, SA, QED, weight) of a molecule, in the order of :data:`PROPERTIES`."""
    return (float(Crippen.MolLogP(mol)), sa_score(mol), float(qed(mol)), float(Descriptors.MolWt(mol)))


_MOSES_FILTER = moses_filter(dedupe=False)


def passes_moses_filters(mol: Chem.Mol) -> bool:
    """Whether ``mol`` passes MOSES' filters (see :func:`scigen.chem.filters.moses_filter`)."""
    return _MOSES_FILTER.passes(mol)


_COMPUTE: dict[str, Callable] = {"fp": _packed_fingerprint, "frag": brics_fragments, "scaf": scaffold,
                                 "props": properties, "filters": passes_moses_filters}


def canonical_many(smiles: Iterable[str]) -> list[str | None]:
    """Canonical SMILES of each input string (None where invalid), cached per string."""
    cache, out = _canonical_of, []
    with quiet():
        for s in smiles:
            c = cache.get(s)
            if c is None:
                mol = Chem.MolFromSmiles(s) if isinstance(s, str) and s else None
                c = cache.put(s, "" if mol is None else Chem.MolToSmiles(mol))
            out.append(c or None)
    return out


def feature(kind: str, canonical: list[str]) -> list:
    """Feature ``kind`` ("fp": packed bits, "frag", "scaf", "props", "filters") of canonical SMILES, cached."""
    cache, compute, out = _features[kind], _COMPUTE[kind], []
    with quiet():
        for s in canonical:
            v = cache.get(s, cache)
            if v is cache:
                v = cache.put(s, compute(Chem.MolFromSmiles(s)))
            out.append(v)
    return out


def clear_caches() -> None:
    """Forget every cached canonical form and feature."""
    _canonical_of.clear()
    for c in _features.values():
        c.clear()


class MoleculeSet:
    """A set of SMILES strings, parsed once; features of its valid molecules on demand.

    Attributes:
        smiles: (N,) the input strings.
        canonical: (N,) canonical SMILES, None where invalid.
        valid: canonical SMILES of the valid molecules, in input order, duplicates kept (the set
            MOSES computes its metrics on).
    """

    def __init__(self, smiles: Iterable[str]) -> None:
        if isinstance(smiles, MoleculeSet):  # pragma: no cover - convenience
            smiles = smiles.smiles
        self.smiles = np.asarray(list(smiles) if not isinstance(smiles, np.ndarray) else smiles, dtype=object).ravel()
        self.canonical = canonical_many(self.smiles.tolist())
        self.valid = [c for c in self.canonical if c is not None]
        self._fps: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.smiles)

    @property
    def n_valid(self) -> int:
        return len(self.valid)

    @property
    def unique(self) -> set[str]:
        return set(self.valid)

    def fingerprints(self) -> np.ndarray:
        """(n_valid, 1024) uint8 Morgan fingerprints of the valid molecules."""
        if self._fps is None:
            fps = feature("fp", self.valid)
            self._fps = (np.unpackbits(np.vstack(fps), axis=1, count=FP_BITS) if fps
                         else np.zeros((0, FP_BITS), np.uint8))
        return self._fps

    def fragment_counts(self) -> Counter:
        """BRICS fragment SMILES -> occurrences over the valid molecules."""
        counts: Counter = Counter()
        for frags in feature("frag", self.valid):
            counts.update(frags)
        return counts

    def scaffold_counts(self) -> Counter:
        """Scaffold SMILES (>= 2 rings) -> occurrences over the valid molecules."""
        return Counter(s for s in feature("scaf", self.valid) if s is not None)

    def property(self, name: str) -> np.ndarray:
        """(n_valid,) values of property ``name`` (one of :data:`PROPERTIES`)."""
        i = PROPERTIES.index(name)
        return np.asarray([p[i] for p in feature("props", self.valid)], dtype=np.float64)

    def passes_filters(self) -> np.ndarray:
        """(n_valid,) bool: each valid molecule passes MOSES' filters."""
        return np.asarray(feature("filters", self.valid), dtype=bool)
