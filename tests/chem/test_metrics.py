"""MOSES metrics: exact values on sets whose answer is known, and hand-computed RDKit values."""

import warnings

import numpy as np
import pytest
from rdkit import Chem, DataStructs
from rdkit.Chem import Descriptors, rdFingerprintGenerator

from scigen.chem import metrics as M
from scigen.chem.data import load_moses
from scigen.errors import InputError

DIVERSE = ["CCO", "c1ccccc1", "CC(=O)Oc1ccccc1C(=O)O", "Cn1c(=O)c2c(ncn2C)n(C)c1=O", "CCCCCCCCCC",
           "O=C(O)CCCCC(=O)O", "c1ccc2ccccc2c1", "CN1CCC[C@H]1c1cccnc1", "FC(F)(F)c1ccc(Cl)cc1", "N#Cc1ccncc1"]


def _bitvects(smiles):
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=1024)
    return [gen.GetFingerprint(Chem.MolFromSmiles(s)) for s in smiles]


def test_validity_is_the_exact_fraction():
    garbage = ["C1CC", "xyz", "", "c1cccc1", "C(C)(C)(C)(C)C"]
    for k in range(len(garbage) + 1):
        assert M.validity(DIVERSE + garbage[:k]) == len(DIVERSE) / (len(DIVERSE) + k)
    with pytest.raises(InputError):
        M.validity([])


def test_uniqueness_counts_canonical_duplicates_at_k():
    dup = ["CCO", "OCC", "C(O)C", "CCN", "NCC", "c1ccccc1"]  # 3 distinct molecules
    assert M.uniqueness(dup) == 3 / 6
    assert M.uniqueness(dup, 3) == 1 / 3  # first 3 valid are one molecule
    assert M.uniqueness(DIVERSE * 3) == 1 / 3
    assert M.uniqueness(["C1CC"] + DIVERSE, 10) == 1.0  # counts the first k *valid* molecules
    with pytest.raises(InputError, match="compare sets only at the same k"):
        M.uniqueness(DIVERSE, 11)


def test_novelty():
    train = load_moses("train", 2000)
    assert M.novelty(train, train) == 0.0
    assert M.novelty(load_moses("test", 500), train) == 1.0
    # written differently from the training strings, still the same molecules: not novel
    rewritten = [Chem.MolToSmiles(Chem.MolFromSmiles(s), doRandom=True) for s in train[:50]]
    assert any(a != b for a, b in zip(rewritten, train[:50]))
    assert M.novelty(rewritten + ["CCO"], train) == 1 / 51


def test_internal_diversity():
    assert M.internal_diversity(["c1ccccc1O"] * 20) == pytest.approx(0.0, abs=1e-12)
    assert M.internal_diversity(["c1ccccc1O"] * 20, p=2) == pytest.approx(0.0, abs=1e-12)
    similar = ["CCCCCCCCCC", "CCCCCCCCCCC", "CCCCCCCCCCCC", "CCCCCCCCCO"]
    assert M.internal_diversity(DIVERSE) > M.internal_diversity(similar) > 0
    # hand computation with RDKit's own bit vectors and Tanimoto: 1 - mean over all n^2 pairs
    fps = _bitvects(DIVERSE)
    sims = np.array([DataStructs.BulkTanimotoSimilarity(f, fps) for f in fps])
    assert M.internal_diversity(DIVERSE) == pytest.approx(1 - sims.mean(), abs=1e-12)
    assert M.internal_diversity(DIVERSE, p=2) == pytest.approx(1 - np.sqrt((sims**2).mean(axis=1)).mean(), abs=1e-12)
    n = len(DIVERSE)  # self-pairs included: IntDiv1 = (1 - 1/n) x (1 - mean over distinct pairs)
    distinct = (sims.sum() - n) / (n * (n - 1))
    assert M.internal_diversity(DIVERSE) == pytest.approx((1 - 1 / n) * (1 - distinct), abs=1e-12)


def test_snn_matches_a_hand_computation():
    gen, ref = DIVERSE[:5], DIVERSE[3:] + ["CC(C)Cc1ccc(C(C)C(=O)O)cc1"]
    g, r = _bitvects(gen), _bitvects(ref)
    expected = np.mean([max(DataStructs.BulkTanimotoSimilarity(f, r)) for f in g])
    assert M.snn(gen, ref) == pytest.approx(expected, abs=1e-12)
    assert M.snn(DIVERSE, DIVERSE) == 1.0


def test_fragment_and_scaffold_similarity():
    assert M.fragment_similarity(DIVERSE, DIVERSE) == pytest.approx(1.0)
    # benzene-based molecules have no scaffold of >= 2 rings: MOSES' Scaf is undefined (NaN)
    assert np.isnan(M.scaffold_similarity(["c1ccccc1O", "c1ccccc1N"], ["c1ccccc1C"]))
    # two molecules on the naphthalene scaffold vs one on naphthalene and one on biphenyl: counts
    # {naph: 2} vs {naph: 1, biphenyl: 1} -> cosine 2 / (2 * sqrt 2)
    a = ["Oc1ccc2ccccc2c1", "Nc1ccc2ccccc2c1"]
    b = ["Cc1ccc2ccccc2c1", "Oc1ccc(-c2ccccc2)cc1"]
    assert M.scaffold_similarity(a, b) == pytest.approx(1 / np.sqrt(2))
    # BRICS: the ester of aspirin breaks; the fragments of aspirin vs itself twice: still cosine 1
    assert M.fragment_similarity([DIVERSE[2]] * 2, [DIVERSE[2]]) == pytest.approx(1.0)
    assert M.fragment_similarity(DIVERSE[:5], DIVERSE[5:]) == 0.0  # no fragment in common
    # hand count: BRICS pieces of phenyl acetate vs aspirin + phenyl acetate
    from collections import Counter

    from rdkit.Chem import BRICS

    def pieces(smiles):
        c = Counter()
        for s in smiles:
            c.update(Chem.MolToSmiles(BRICS.BreakBRICSBonds(Chem.MolFromSmiles(s))).split("."))
        return c

    gen, ref = ["CC(=O)Oc1ccccc1"], ["CC(=O)Oc1ccccc1C(=O)O", "CC(=O)Oc1ccccc1"]
    g, r = pieces(gen), pieces(ref)
    keys = sorted(set(g) | set(r))
    gv, rv = np.array([g[k] for k in keys], float), np.array([r[k] for k in keys], float)
    expected = gv @ rv / np.linalg.norm(gv) / np.linalg.norm(rv)
    assert 0 < expected < 1
    assert M.fragment_similarity(gen, ref) == pytest.approx(expected, abs=1e-12)


def test_property_values_and_distances():
    aspirin, caffeine = "CC(=O)Oc1ccccc1C(=O)O", "Cn1c(=O)c2c(ncn2C)n(C)c1=O"
    weights = M.property_values([aspirin, caffeine], "weight")
    assert weights == pytest.approx([180.159, 194.194], abs=1e-3)  # C9H8O4, C8H10N4O2 in g/mol
    assert M.property_distance([aspirin], [caffeine], "weight") == pytest.approx(194.194 - 180.159, abs=1e-3)
    assert M.property_values([aspirin], "QED")[0] == pytest.approx(0.5501, abs=1e-4)
    sa = M.property_values([aspirin, "CC1(C)C2CCC1(C)C(=O)C2"], "SA")
    assert 1 <= sa.min() and sa.max() <= 10
    assert M.property_distance(DIVERSE, DIVERSE, "logP") == 0.0
    with pytest.raises(InputError, match="unknown property"):
        M.property_values(DIVERSE, "TPSA")
    assert Descriptors.MolWt(Chem.MolFromSmiles(aspirin)) == weights[0]


def test_filters_fraction_counts_duplicates_over_valid():
    assert M.filters_pass(["CCO", "CCO", "C[N+](C)(C)C", "C1CC"]) == 2 / 3


def test_fcd_matches_fcd_torch_and_vanishes_on_identical_sets():
    pytest.importorskip("fcd_torch")
    import torch
    from fcd_torch import FCD

    a = list(load_moses("test", 60))
    b = list(load_moses("test_scaffolds", 60))
    ours = M.fcd(b, a)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.set_num_threads(1)
        theirs = FCD(device="cpu", n_jobs=1)(a, b)
    assert ours == pytest.approx(theirs, rel=1e-5)
    assert abs(M.fcd(a, a)) < 1e-4  # 60 molecules: rank-deficient 512x512 covariances, ~1e-6 round-off
    assert M.fcd(b, a) > M.fcd(a[30:], a[:30]) * 0.5 > 0


def test_moses_metrics_keys_and_values():
    gen = list(load_moses("test_scaffolds", 150)) + ["C1CC"] * 5 + list(load_moses("train", 45))
    out = M.moses_metrics(gen, test=load_moses("test", 150), test_scaffolds=False,
                          train=load_moses("train", 1000), k=(100, 1000), with_fcd=False)
    assert set(out) == {"valid", "unique@100", "SNN/Test", "Frag/Test", "Scaf/Test", "IntDiv", "IntDiv2", "Filters",
                        "logP", "SA", "QED", "weight", "Novelty"}  # unique@1000 left out: only 195 valid
    assert out["valid"] == 195 / 200 and out["Novelty"] == 150 / 195 and out["Filters"] == 1.0
    assert 0 < out["SNN/Test"] < 1 and 0.8 < out["IntDiv"] < 0.9
