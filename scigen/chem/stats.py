"""The chemistry statistics, registered with :mod:`scigen.validate` (domain "chem").

Samples are (N,) arrays of SMILES strings. Each statistic reports a value per set and a distance
between the real (test) set and the fake (generated) one; ``scigen.validate.compare`` measures the
same distance between two halves of the real set (the noise floor). Definitions are MOSES' (see
:mod:`scigen.chem.metrics`); how each one becomes a statistic:

==========  ===============================================  =================================  =========
name        value of one set                                 distance(real, fake)               tolerance
==========  ===============================================  =================================  =========
validity    fraction valid (error: binomial)                 |difference|                       0.05
uniqueness  unique@k, k = min(10000, N_real // 2) (shared)   |difference|                       0.01
novelty     fraction of unique valid not in train            |difference| (needs ``train``)     0.2
filters     fraction of valid passing MOSES' filters         |difference|                       0.02
intdiv1/2   IntDiv_p (per molecule: its mean dissimilarity)  |difference|                       0.01
snn         Morgan bit frequencies (per molecule: bits)      1 - SNN(fake -> real)              --
frag        BRICS fragment frequencies on real's fragments   1 - cosine similarity              --
scaf        scaffold frequencies on real's scaffolds         1 - cosine similarity              --
fcd         mean ChemNet activation (per molecule: all 512)  FCD (needs ``fcd_torch``)          --
logP, SA,   mean property (per molecule: the values)         Wasserstein-1 distance             --
QED, weight
==========  ===============================================  =================================  =========

Tolerances: an absolute distance that always passes, set from the spread of MOSES' published
models (validity 0.94-1.0, unique@10k >= 0.997, novelty 0.69-0.95, Filters 0.97-0.997, IntDiv within
0.001 of the test set's) and the targets of scigen's chemistry benchmark (validity >= 0.95,
uniqueness >= 0.99, novelty >= 0.80, against test-set values of 1, 1 and 1).

Caveats: uniqueness falls with n (hence one shared k); IntDiv counts self-pairs, so it is biased
low for small sets; SNN and Scaf rise with the reference set's size, so the noise floor, measured
between halves (reference N/2), is lenient for them; FCD is biased upward at small n (its floor is
scaled as a variance, ~1/n). The frag/scaf frequency vectors are over the real set's fragments
(scaffolds), sorted by real frequency; the fake's other fragments enter the cosine through the norm
(``extra["outside_sq"]``), which makes real-vs-fake and half-vs-half cosines exact.

Also registered: the feature function of the generic checks (classifier test, memorisation):
MOSES' four properties, a dozen descriptors and the 1024-bit Morgan fingerprint folded to 64 counts.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import wasserstein_distance

from scigen.chem import metrics as M
from scigen.chem.features import PROPERTIES, PROPERTY_UNITS, MoleculeSet
from scigen.validate.distances import noise_scaling
from scigen.validate.statistic import Statistic, StatValue, register

UNIQUE_K = 10_000


def _set(samples) -> MoleculeSet:
    return MoleculeSet(np.asarray(samples, dtype=object).ravel())


def _not_applicable(message: str) -> Exception:
    from scigen.validate.comparison import NotApplicable

    return NotApplicable(message)


def _fraction(k: int, n: int, **extra) -> StatValue:
    p = k / n if n else 0.0
    return StatValue(value=p, error=np.sqrt(p * (1 - p) / n) if n else 0.0, n=n, extra=extra)


@noise_scaling("se")
def absolute_difference(real: StatValue, fake: StatValue) -> float:
    """|fake - real| of two scalar values."""
    return float(abs(float(fake.value) - float(real.value)))


# ---- counting statistics ----------------------------------------------------------------------
def _validity(samples, condition=None) -> StatValue:
    ms = _set(samples)
    return _fraction(ms.n_valid, len(ms))


def _uniqueness_prepare(real, condition=None) -> dict:
    return {"k": max(1, min(UNIQUE_K, len(real) // 2))}


def _uniqueness(samples, condition=None, k: int = UNIQUE_K) -> StatValue:
    ms = _set(samples)
    if ms.n_valid == 0:
        return StatValue(value=0.0, n=0, extra={"k": 0, "note": "no valid molecule"})
    kk = min(k, ms.n_valid)
    extra = {"k": kk}
    if kk < k:
        extra["note"] = f"only {ms.n_valid} valid molecules: unique@{kk} instead of unique@{k} (not comparable)"
    return StatValue(value=M.uniqueness(ms, kk), n=kk, extra=extra)


def _novelty_prepare(real, condition=None, train=None) -> dict:
    if train is None:
        raise _not_applicable("novelty needs the training set: pass train= (scigen validate --train)")
    return {"train_set": frozenset(M.canonical_set(train))}


def _novelty(samples, condition=None, train_set=frozenset()) -> StatValue:
    ms = _set(samples)
    unique = ms.unique
    return _fraction(len(unique - train_set), len(unique), n_unique=len(unique))


def _filters(samples, condition=None) -> StatValue:
    ms = _set(samples)
    passes = ms.passes_filters()
    return _fraction(int(passes.sum()), len(passes))


# ---- fingerprints -----------------------------------------------------------------------------
def _intdiv(p: int):
    def compute(samples, condition=None) -> StatValue:
        ms = _set(samples)
        fps = ms.fingerprints()
        if len(fps) == 0:
            raise ValueError("no valid molecule: internal diversity is undefined")
        diversity = M.diversity_per_molecule(fps, p)  # each molecule's share; their mean is IntDiv_p
        return StatValue(value=diversity.mean(), per_sample=diversity, n=len(fps))

    compute.__name__ = f"intdiv{p}"
    return compute


def _bits(samples, condition=None) -> StatValue:
    fps = _set(samples).fingerprints()
    if len(fps) == 0:
        raise ValueError("no valid molecule: fingerprints are undefined")
    return StatValue(value=fps.mean(axis=0), x=np.arange(fps.shape[1]), per_sample=fps, n=len(fps))


@noise_scaling("standardised")
def snn_distance(real: StatValue, fake: StatValue) -> float:
    """1 - SNN: one minus the mean Tanimoto similarity of each fake molecule to its nearest real one."""
    best = M.nearest_tanimoto(np.asarray(fake.per_sample, dtype=np.uint8), np.asarray(real.per_sample, dtype=np.uint8))
    return float(1.0 - best.mean())


# ---- fragments and scaffolds ------------------------------------------------------------------
def _counts_prepare(kind: str):
    def prepare(real, condition=None) -> dict:
        counts = _counter(_set(real), kind)
        if not counts:
            what = "BRICS fragments" if kind == "frag" else "scaffolds with >= 2 rings"
            raise _not_applicable(f"the real set has no {what}")
        order = [key for key, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        return {"vocab": {key: i for i, key in enumerate(order)}}

    return prepare


def _counter(ms: MoleculeSet, kind: str):
    return ms.fragment_counts() if kind == "frag" else ms.scaffold_counts()


def _counts(kind: str):
    def compute(samples, condition=None, vocab=None) -> StatValue:
        ms = _set(samples)
        counts = _counter(ms, kind)
        vec = np.zeros(len(vocab))
        outside = 0.0
        for key, c in counts.items():
            i = vocab.get(key)
            if i is None:
                outside += float(c) ** 2
            else:
                vec[i] = c
        n = max(ms.n_valid, 1)  # per-molecule frequencies: the cosine does not depend on the scale
        return StatValue(value=vec / n, x=np.arange(1, len(vocab) + 1), n=ms.n_valid,
                         extra={"outside_sq": outside / n**2, "distinct": len(counts),
                                "distinct_outside_real": sum(1 for k in counts if k not in vocab)})

    compute.__name__ = kind
    return compute


@noise_scaling("standardised")
def cosine_distance(real: StatValue, fake: StatValue) -> float:
    """1 - cosine similarity of two count vectors (components outside the real vocabulary via the norm)."""
    a, b = np.asarray(real.value, float), np.asarray(fake.value, float)
    na = np.sqrt(a @ a + real.extra.get("outside_sq", 0.0))
    nb = np.sqrt(b @ b + fake.extra.get("outside_sq", 0.0))
    if na == 0 or nb == 0:
        return 1.0
    return float(1.0 - (a @ b) / (na * nb))


# ---- FCD --------------------------------------------------------------------------------------
def _fcd_prepare(real, condition=None) -> dict:
    from scigen.chem import fcd

    if not fcd.available():
        raise _not_applicable("FCD needs the 'fcd_torch' package (ships ChemNet's weights): pip install fcd_torch")
    return {}


def _chemnet(samples, condition=None) -> StatValue:
    from scigen.chem import fcd

    ms = _set(samples)
    if ms.n_valid < 2:
        raise ValueError(f"FCD needs at least 2 valid molecules, the set has {ms.n_valid}")
    act = fcd.chemnet_activations(ms.valid)
    return StatValue(value=act.mean(axis=0), x=np.arange(act.shape[1]), per_sample=act, n=len(act))


@noise_scaling("variance")
def fcd_distance(real: StatValue, fake: StatValue) -> float:
    """Frechet ChemNet Distance between the activations of the two sets."""
    from scigen.chem import fcd

    return fcd.frechet_distance(*fcd.gaussian_stats(real.per_sample), *fcd.gaussian_stats(fake.per_sample))


# ---- properties -------------------------------------------------------------------------------
def _property(name: str):
    def compute(samples, condition=None) -> StatValue:
        values = _set(samples).property(name)
        if len(values) == 0:
            raise ValueError(f"no valid molecule: {name} is undefined")
        return StatValue(value=values.mean(), per_sample=values, n=len(values))

    compute.__name__ = name
    return compute


@noise_scaling("se")
def wasserstein(real: StatValue, fake: StatValue) -> float:
    """Wasserstein-1 distance between the per-molecule values of the two sets (MOSES' property metric)."""
    return float(wasserstein_distance(np.ravel(real.per_sample), np.ravel(fake.per_sample)))


# ---- features for the generic checks ----------------------------------------------------------
N_FOLDED = 64
FEATURE_NAMES = (list(PROPERTIES) + ["heavy_atoms", "rings", "aromatic_rings", "hbd", "hba", "rotatable_bonds",
                                     "tpsa", "fraction_csp3", "n_N", "n_O", "n_S", "n_halogen", "abs_charge",
                                     "invalid"] + [f"morgan_fold_{i}" for i in range(N_FOLDED)])


def chem_features(samples) -> np.ndarray:
    """(N, 82) features of SMILES for the classifier and memorisation checks (zeros + ``invalid`` = 1
    for invalid strings): logP, SA, QED, weight, 13 descriptors, and the Morgan r=2 1024-bit
    fingerprint folded to 64 bit counts (bit i counts toward i mod 64)."""
    from rdkit import Chem
    from rdkit.Chem import Lipinski, rdMolDescriptors

    from scigen.chem.mol import quiet

    ms = _set(samples)
    out = np.zeros((len(ms), len(FEATURE_NAMES)))
    rows = [i for i, c in enumerate(ms.canonical) if c is not None]
    if rows:
        props = np.stack([ms.property(p) for p in PROPERTIES], axis=1)
        fps = ms.fingerprints().reshape(len(rows), -1, N_FOLDED).sum(axis=1)
        desc = []
        with quiet():
            for s in ms.valid:
                mol = Chem.MolFromSmiles(s)
                sym = [a.GetSymbol() for a in mol.GetAtoms()]
                desc.append([mol.GetNumHeavyAtoms(), rdMolDescriptors.CalcNumRings(mol),
                             rdMolDescriptors.CalcNumAromaticRings(mol), Lipinski.NumHDonors(mol),
                             Lipinski.NumHAcceptors(mol), rdMolDescriptors.CalcNumRotatableBonds(mol),
                             rdMolDescriptors.CalcTPSA(mol), rdMolDescriptors.CalcFractionCSP3(mol),
                             sym.count("N"), sym.count("O"), sym.count("S"),
                             sum(sym.count(h) for h in ("F", "Cl", "Br", "I")),
                             sum(abs(a.GetFormalCharge()) for a in mol.GetAtoms())])
        out[rows] = np.hstack([props, np.asarray(desc, float), np.zeros((len(rows), 1)), fps])
    invalid = np.array([c is None for c in ms.canonical])
    out[invalid, len(PROPERTIES) + 13] = 1.0
    return out


# ---- registration -----------------------------------------------------------------------------
STATISTICS = [
    Statistic("validity", _validity, distance=absolute_difference, tolerance=0.05,
              description="Fraction of SMILES that RDKit parses and sanitises.", ylabel="fraction valid"),
    Statistic("uniqueness", _uniqueness, prepare=_uniqueness_prepare, distance=absolute_difference, tolerance=0.01,
              description="unique@k: distinct canonical molecules among the first k valid ones, over k; "
                          "k = min(10000, N_real // 2) for every set (uniqueness falls with n).",
              ylabel="unique@k"),
    Statistic("novelty", _novelty, prepare=_novelty_prepare, distance=absolute_difference, tolerance=0.2,
              description="Fraction of distinct valid molecules absent from the training set (canonical SMILES).",
              ylabel="fraction novel"),
    Statistic("filters", _filters, distance=absolute_difference, tolerance=0.02,
              description="Fraction of valid molecules passing MOSES' filters (atoms C N S O F Cl Br H, no "
                          "charge, no ring >= 8, no MCF/PAINS alert).", ylabel="fraction passing"),
    Statistic("intdiv1", _intdiv(1), distance=absolute_difference, tolerance=0.01,
              description="Internal diversity IntDiv1 = 1 - mean Tanimoto similarity over all pairs (Morgan "
                          "r=2, 1024 bits; self-pairs included: biased low for small sets).", ylabel="IntDiv1"),
    Statistic("intdiv2", _intdiv(2), distance=absolute_difference, tolerance=0.01,
              description="Internal diversity IntDiv2 = 1 - mean_i sqrt(mean_j T_ij^2) (MOSES' code).",
              ylabel="IntDiv2"),
    Statistic("snn", _bits, kind="curve", distance=snn_distance,
              description="Similarity to nearest neighbour: distance = 1 - mean Tanimoto of each fake molecule "
                          "to its nearest real one (MOSES SNN/Test = 1 - distance); plot: Morgan bit frequencies. "
                          "Rises with the reference size.", xlabel="Morgan bit (r=2, 1024)", ylabel="frequency"),
    Statistic("frag", _counts("frag"), kind="histogram", prepare=_counts_prepare("frag"), distance=cosine_distance,
              description="BRICS fragment frequencies; distance = 1 - cosine similarity (MOSES Frag = 1 - distance).",
              xlabel="fragment rank in the real set", ylabel="occurrences per molecule"),
    Statistic("scaf", _counts("scaf"), kind="histogram", prepare=_counts_prepare("scaf"), distance=cosine_distance,
              description="Bemis-Murcko scaffold (>= 2 rings) frequencies; distance = 1 - cosine similarity (MOSES "
                          "Scaf = 1 - distance). Depends strongly on set sizes.",
              xlabel="scaffold rank in the real set", ylabel="occurrences per molecule"),
    Statistic("fcd", _chemnet, kind="curve", prepare=_fcd_prepare, distance=fcd_distance,
              description="Frechet ChemNet Distance (fcd_torch's ChemNet); biased upward at small n: compare at "
                          "equal n. Plot: mean activation per ChemNet unit.", xlabel="ChemNet unit",
              ylabel="mean activation"),
] + [
    Statistic(name, _property(name), distance=wasserstein,
              description=f"{name} ({PROPERTY_UNITS[name]}) distribution; distance = Wasserstein-1 (MOSES).",
              ylabel=name)
    for name in PROPERTIES
]

for _stat in STATISTICS:
    register(_stat, domain="chem")


def _register_features() -> None:
    from scigen.validate.features import register_features

    register_features("chem", chem_features)


_register_features()
