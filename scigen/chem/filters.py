"""Molecule filters: validity, duplicates, fragments, allowed atoms, charge, size, rings, structural alerts.

A :class:`MoleculeFilter` takes SMILES strings and returns a :class:`FilterResult`: the kept
molecules (canonical SMILES by default), their positions in the input, and how many were dropped
for each reason. Invalid SMILES are counted (never raised). Each molecule is charged to the first
check it fails, in this order:

===================== ==========================================================================
reason                check
===================== ==========================================================================
empty                 empty string
invalid_syntax        does not parse (see :func:`scigen.chem.mol.invalid_reason`)
invalid_valence       an atom exceeds its allowed valence
invalid_aromaticity   aromatic system that cannot be kekulised
invalid_sanitization  another RDKit sanitisation failure
multi_fragment        more than one fragment (``fragments="reject"``; ``"largest"`` keeps the largest)
disallowed_atom       an element not in ``allowed_atoms``
charged               an atom with a formal charge (``neutral=True``)
too_few_atoms         fewer heavy atoms than ``min_heavy_atoms``
too_many_atoms        more heavy atoms than ``max_heavy_atoms``
large_ring            a ring (RDKit's SSSR) with more atoms than ``max_ring_size``
not_roundtrip         the non-isomeric SMILES does not parse back (``roundtrip=True``, as MOSES)
alert_mcf, alert_...  a structural alert of that catalog matches (names counted in ``alerts``)
duplicate             the same canonical molecule was already kept
===================== ==========================================================================

A repeated molecule that was dropped is counted again under its first copy's reason (a generator
that emits one charged molecule 100 times shows 100 "charged", not 1 + 99 duplicates).

Alert catalogs: "mcf" (MOSES' 22 medicinal-chemistry filters) and "pains" (the 480 WEHI PAINS
SMARTS of Baell & Holloway 2010, as MOSES ships them in ``wehi_pains.csv``) match on the molecule
with explicit hydrogens, exactly as MOSES does; "rdkit:PAINS", "rdkit:BRENK", "rdkit:NIH",
"rdkit:ZINC", "rdkit:CHEMBL..." use RDKit's FilterCatalog on the molecule as parsed.
:func:`moses_filter` is MOSES' "Filters": atoms C N S O F Cl Br H only, no charges, no ring of 8
or more atoms, no MCF or PAINS match.
"""

from __future__ import annotations

import csv
import functools
from collections import Counter
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Iterable, Sequence

import numpy as np
from rdkit import Chem
from rdkit.Chem import FilterCatalog

from scigen.chem.mol import check_smiles, largest_fragment, quiet
from scigen.errors import InputError

MOSES_ALLOWED_ATOMS = frozenset({"C", "N", "S", "O", "F", "Cl", "Br", "H"})
MOSES_ALERTS = ("mcf", "pains")
_EXAMPLES = 3  # inputs remembered per drop reason


# ---- alert catalogs ---------------------------------------------------------------------------
def _resource_rows(name: str) -> list[list[str]]:
    text = resources.files("scigen.chem.resources").joinpath(name).read_text(encoding="utf-8")
    return [row for row in csv.reader(text.splitlines()) if row]


@functools.lru_cache(maxsize=None)
def alert_catalog(name: str) -> tuple[FilterCatalog.FilterCatalog, bool]:
    """The RDKit FilterCatalog of alert set ``name`` and whether it matches on explicit-H molecules.

    ``"mcf"`` and ``"pains"`` are MOSES' SMARTS files (shipped in ``scigen/chem/resources``, MIT);
    ``"rdkit:<CATALOG>"`` is one of RDKit's FilterCatalogs (PAINS, PAINS_A/B/C, BRENK, NIH, ZINC,
    CHEMBL, CHEMBL_Glaxo, ...).
    """
    if name in ("mcf", "pains"):
        if name == "mcf":
            rows = [(smarts, label) for label, smarts in _resource_rows("mcf.csv")[1:]]
        else:
            rows = [(smarts.strip(), label.strip().removeprefix("<regId=").removesuffix(">"))
                    for smarts, label in _resource_rows("wehi_pains.csv")]
        catalog = FilterCatalog.FilterCatalog()
        for smarts, label in rows:
            pattern = Chem.MolFromSmarts(smarts)
            if pattern is None:  # pragma: no cover - the shipped files all parse
                raise InputError(f"alert {label} of '{name}' has invalid SMARTS {smarts!r}")
            catalog.AddEntry(FilterCatalog.FilterCatalogEntry(label, FilterCatalog.SmartsMatcher(label, pattern, 1)))
        return catalog, True
    if name.startswith("rdkit:"):
        which = name.split(":", 1)[1]
        options = FilterCatalog.FilterCatalogParams.FilterCatalogs
        if which not in options.names:
            raise InputError(f"unknown RDKit filter catalog {which!r}; choose from {', '.join(sorted(options.names))}")
        params = FilterCatalog.FilterCatalogParams()
        params.AddCatalog(options.names[which])
        return FilterCatalog.FilterCatalog(params), False
    raise InputError(f"unknown alert set {name!r}: use 'mcf', 'pains' or 'rdkit:<CATALOG>' "
                     "(e.g. rdkit:BRENK, rdkit:PAINS, rdkit:NIH)")


# ---- result -----------------------------------------------------------------------------------
@dataclass
class FilterResult:
    """What a filter kept and dropped.

    Attributes:
        kept: kept molecules, (canonical) SMILES in input order.
        index: (n_kept,) int64 positions of the kept molecules in the input.
        dropped: reason -> number of input molecules dropped for it.
        n_in: number of input strings.
        alerts: alert name -> number of molecules dropped by that alert (the first matching one).
        examples: reason -> up to 3 input strings dropped for it.
    """

    kept: list[str]
    index: np.ndarray
    dropped: Counter
    n_in: int
    alerts: Counter = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    @property
    def n_kept(self) -> int:
        return len(self.kept)

    @property
    def n_invalid(self) -> int:
        return sum(v for k, v in self.dropped.items() if k == "empty" or k.startswith("invalid_"))

    @property
    def fraction_kept(self) -> float:
        return self.n_kept / self.n_in if self.n_in else 0.0

    def to_dict(self) -> dict:
        """JSON-serialisable summary (without the kept molecules)."""
        return {"n_in": self.n_in, "n_kept": self.n_kept, "n_invalid": self.n_invalid,
                "dropped": dict(self.dropped.most_common()), "alerts": dict(self.alerts.most_common()),
                "examples": self.examples}

    def summary(self) -> str:
        """A short human-readable table of kept and dropped counts."""
        width = max([len(k) for k in self.dropped] + [8])
        lines = [f"{'input':<{width}} {self.n_in:>9}", f"{'kept':<{width}} {self.n_kept:>9}"
                 f"  ({100 * self.fraction_kept:.2f}%)"]
        for reason, n in self.dropped.most_common():
            lines.append(f"{reason:<{width}} {n:>9}  e.g. {self.examples.get(reason, [''])[0]}")
        if self.alerts:
            top = ", ".join(f"{k} {v}" for k, v in self.alerts.most_common(5))
            lines.append(f"most frequent alerts: {top}")
        return "\n".join(lines)


# ---- the filter -------------------------------------------------------------------------------
@dataclass(frozen=True)
class MoleculeFilter:
    """A configurable molecule filter (see the module docstring for the checks and their order).

    Attributes:
        allowed_atoms: element symbols allowed (e.g. {"C", "N", "O"}; explicit [H] atoms count as
            "H"), None for any.
        neutral: drop molecules with any formally charged atom.
        min_heavy_atoms, max_heavy_atoms: size limits in heavy (non-hydrogen) atoms, None for none.
        max_ring_size: drop a molecule with a ring of more atoms than this (MOSES: 7), None for none.
        alerts: alert sets to apply ("mcf", "pains", "rdkit:BRENK", ...).
        fragments: "keep" (default), "largest" (keep the largest fragment: strips salts), "reject".
        roundtrip: drop molecules whose non-isomeric canonical SMILES does not parse back (MOSES).
        canonical: return canonical isomeric SMILES (True) or the input strings as given (False).
        dedupe: drop repeated molecules (by canonical SMILES).
        diagnose: say why invalid SMILES are invalid (costs a second parse of each invalid string
            when molecules are canonicalised or checked; free for the validity-only filter); False
            counts them all as "invalid_sanitization".
    """

    allowed_atoms: frozenset[str] | None = None
    neutral: bool = False
    min_heavy_atoms: int | None = None
    max_heavy_atoms: int | None = None
    max_ring_size: int | None = None
    alerts: tuple[str, ...] = ()
    fragments: str = "keep"
    roundtrip: bool = False
    canonical: bool = True
    dedupe: bool = True
    diagnose: bool = True

    def __post_init__(self) -> None:
        if self.allowed_atoms is not None:
            object.__setattr__(self, "allowed_atoms", frozenset(self.allowed_atoms))
        object.__setattr__(self, "alerts", tuple(self.alerts))
        if self.fragments not in ("keep", "largest", "reject"):
            raise InputError(f"fragments must be 'keep', 'largest' or 'reject', got {self.fragments!r}")
        for a in self.alerts:
            alert_catalog(a)  # unknown names fail here, not on the first molecule
        for name in ("min_heavy_atoms", "max_heavy_atoms", "max_ring_size"):
            v = getattr(self, name)
            if v is not None and v < 0:
                raise InputError(f"{name} must be >= 0, got {v}")

    def with_options(self, **changes) -> "MoleculeFilter":
        """A copy with some options changed."""
        return replace(self, **changes)

    # one molecule ------------------------------------------------------------------------------
    def check(self, mol: Chem.Mol) -> tuple[str | None, str | None]:
        """First failed check of a parsed molecule (after fragment handling) -> (reason, alert name)."""
        if self.allowed_atoms is not None:
            allowed = self.allowed_atoms
            if any(a.GetSymbol() not in allowed for a in mol.GetAtoms()):
                return "disallowed_atom", None
        if self.neutral and any(a.GetFormalCharge() for a in mol.GetAtoms()):
            return "charged", None
        if self.min_heavy_atoms is not None or self.max_heavy_atoms is not None:
            n = mol.GetNumHeavyAtoms()
            if self.min_heavy_atoms is not None and n < self.min_heavy_atoms:
                return "too_few_atoms", None
            if self.max_heavy_atoms is not None and n > self.max_heavy_atoms:
                return "too_many_atoms", None
        if self.max_ring_size is not None:
            if any(len(r) > self.max_ring_size for r in mol.GetRingInfo().AtomRings()):
                return "large_ring", None
        if self.alerts:
            with_h = None
            for name in self.alerts:
                catalog, explicit_h = alert_catalog(name)
                if explicit_h:
                    with_h = Chem.AddHs(mol) if with_h is None else with_h
                    match = catalog.GetFirstMatch(with_h)
                else:
                    match = catalog.GetFirstMatch(mol)
                if match is not None:
                    return f"alert_{name.replace('rdkit:', 'rdkit_')}", match.GetDescription()
        if self.roundtrip:
            s = Chem.MolToSmiles(mol, isomericSmiles=False)
            if not s or Chem.MolFromSmiles(s) is None:
                return "not_roundtrip", None
        return None, None

    # many molecules ----------------------------------------------------------------------------
    def __call__(self, smiles: Iterable[str]) -> FilterResult:
        """Filter SMILES strings (any iterable, e.g. a file's lines); never raises on bad ones."""
        kept: list[str] = []
        index: list[int] = []
        dropped: Counter = Counter()
        alerts: Counter = Counter()
        examples: dict[str, list[str]] = {}
        verdict: dict[str, tuple[str | None, str | None]] = {}  # canonical -> (reason, alert) of first copy
        need_key = self.canonical or self.dedupe
        checks = (self.allowed_atoms is not None or self.neutral or self.min_heavy_atoms is not None
                  or self.max_heavy_atoms is not None or self.max_ring_size is not None or bool(self.alerts)
                  or self.roundtrip)
        from_smiles, to_smiles = Chem.MolFromSmiles, Chem.MolToSmiles
        n = -1

        def drop(reason: str, s: str) -> None:
            dropped[reason] += 1
            ex = examples.setdefault(reason, [])
            if len(ex) < _EXAMPLES:
                ex.append(s)

        if not (need_key or checks or self.fragments != "keep"):
            return self._validity_only(smiles)
        with quiet():
            for n, s in enumerate(smiles):
                mol = from_smiles(s) if s else None
                if mol is None:
                    if not s:
                        drop("empty", s)
                    else:
                        drop("invalid_" + ((check_smiles(s) or "sanitization") if self.diagnose else "sanitization"), s)
                    continue
                if self.fragments != "keep" and len(Chem.GetMolFrags(mol)) > 1:
                    if self.fragments == "reject":
                        drop("multi_fragment", s)
                        continue
                    mol = largest_fragment(mol)
                key = to_smiles(mol) if need_key else s
                seen = verdict.get(key) if need_key else None
                if seen is not None:
                    reason, alert = seen
                    if reason is None and self.dedupe:
                        drop("duplicate", s)
                        continue
                else:
                    reason, alert = self.check(mol) if checks else (None, None)
                    if need_key:
                        verdict[key] = (reason, alert)
                if reason is not None:
                    drop(reason, s)
                    if alert:
                        alerts[alert] += 1
                    continue
                kept.append(key if self.canonical else s)
                index.append(n)
        return FilterResult(kept=kept, index=np.asarray(index, dtype=np.int64), dropped=dropped, n_in=n + 1,
                            alerts=alerts, examples=examples)

    def _validity_only(self, smiles: Iterable[str]) -> FilterResult:
        """The pure validity filter: one unsanitised parse + caught sanitisation per string."""
        kept, index, dropped, examples = [], [], Counter(), {}
        n = -1
        with quiet():
            for n, s in enumerate(smiles):
                reason = check_smiles(s)
                if reason is None:
                    kept.append(s)
                    index.append(n)
                    continue
                reason = "empty" if reason == "empty" else "invalid_" + (reason if self.diagnose else "sanitization")
                dropped[reason] += 1
                ex = examples.setdefault(reason, [])
                if len(ex) < _EXAMPLES:
                    ex.append(s)
        return FilterResult(kept=kept, index=np.asarray(index, dtype=np.int64), dropped=dropped, n_in=n + 1,
                            examples=examples)

    def passes(self, smiles_or_mol) -> bool:
        """Whether one molecule (SMILES or RDKit Mol) passes every check (not the duplicate check)."""
        mol = smiles_or_mol
        if isinstance(smiles_or_mol, str):
            with quiet():
                mol = Chem.MolFromSmiles(smiles_or_mol) if smiles_or_mol else None
        if mol is None:
            return False
        if self.fragments != "keep" and len(Chem.GetMolFrags(mol)) > 1:
            if self.fragments == "reject":
                return False
            mol = largest_fragment(mol)
        with quiet():
            return self.check(mol)[0] is None


def moses_filter(**changes) -> MoleculeFilter:
    """MOSES' "Filters": atoms C N S O F Cl Br H only, no formal charges, no ring of >= 8 atoms,
    no match of MOSES' MCF or PAINS alerts (on the explicit-H molecule), and the non-isomeric
    SMILES must parse back. ``changes`` override options (e.g. ``dedupe=False``)."""
    return MoleculeFilter(allowed_atoms=MOSES_ALLOWED_ATOMS, neutral=True, max_ring_size=7,
                          alerts=MOSES_ALERTS, roundtrip=True).with_options(**changes)


def validity_filter(**changes) -> MoleculeFilter:
    """Keep valid molecules only, as given (no canonicalisation, no dedupe): the cheapest filter."""
    return MoleculeFilter(canonical=False, dedupe=False).with_options(**changes)


def filter_smiles(smiles: Sequence[str] | Iterable[str], filt: MoleculeFilter | None = None, **options) -> FilterResult:
    """Filter ``smiles`` with ``filt`` (default: a :class:`MoleculeFilter` built from ``options``)."""
    if filt is not None and options:
        filt = filt.with_options(**options)
    return (filt or MoleculeFilter(**options))(smiles)
