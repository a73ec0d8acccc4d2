"""RDKit plumbing and filters: canonical forms, invalid-SMILES reasons, drops by the right reason."""

import numpy as np
import pytest
from rdkit import Chem

from scigen.chem.filters import MoleculeFilter, alert_catalog, moses_filter, validity_filter
from scigen.chem.mol import canonical, canonicalize, check_smiles, deduplicate, invalid_reason, quiet
from scigen.errors import InputError


def test_canonicalisation_dedupes_equivalent_smiles():
    assert canonical("OCC") == canonical("CCO") == canonical("C(O)C") == "CCO"
    assert canonical("C1=CC=CC=C1") == "c1ccccc1"  # aromatic form
    assert canonical("F[C@H](Cl)Br") != canonical("F[C@@H](Cl)Br")  # isomeric: stereo kept
    assert canonical("F[C@H](Cl)Br", isomeric=False) == canonical("F[C@@H](Cl)Br", isomeric=False)
    kept, dropped = deduplicate(["OCC", "CCO", "C(O)C", "c1ccccc1", "C1=CC=CC=C1", "C1CC"])
    assert kept == ["CCO", "c1ccccc1"]
    assert dropped == {"duplicate": 3, "syntax": 1}
    assert canonicalize(["CCO", "", "C1CC"]) == ["CCO", None, None]


@pytest.mark.parametrize("smiles, reason", [
    ("", "empty"), ("   ", "empty"), ("C1CC", "syntax"), ("CC(C", "syntax"), ("c1ccsec1", "syntax"),
    ("C(C)(C)(C)(C)C", "valence"), ("C[N+](C)(C)(C)C", "valence"),
    ("c1cccc1", "aromaticity"), ("CCO", None), ("[Na+].[Cl-]", None),
])
def test_invalid_reasons(smiles, reason):
    assert invalid_reason(smiles) == reason


def test_fast_validity_check_agrees_with_molfromsmiles():
    """check_smiles (unsanitised parse + caught sanitisation) gives the verdict of MolFromSmiles."""
    from scigen.chem.data import nci_first_5k

    rng = np.random.default_rng(0)
    base = list(nci_first_5k().smiles[:1500])
    broken = []
    for s in base:  # delete one character, or insert a ring digit / bracket: many invalid strings
        j = int(rng.integers(0, len(s)))
        broken.append(s[:j] + s[j + 1:] if rng.random() < 0.5 else s[:j] + rng.choice(list("1(=[#")) + s[j:])
    n_invalid = 0
    with quiet():
        for s in base + broken:
            full = Chem.MolFromSmiles(s) is not None
            n_invalid += not full
            assert (check_smiles(s) is None) == full, s
    assert n_invalid > 500


def test_filter_drops_the_right_molecules_for_the_right_reasons():
    smiles = [
        "CC(=O)Oc1ccccc1C(=O)O",       # aspirin: passes
        "OC(=O)c1ccccc1OC(C)=O",       # aspirin again, written differently: duplicate
        "C[N+](C)(C)C",                # charged
        "CC[Se]CC",                    # disallowed atom
        "CC1=CC(=O)C=CC1=O",           # a quinone: PAINS quinone_A
        "CCCC=O",                      # an aldehyde: MCF7
        "C1CCCCCCC1",                  # cyclooctane: ring of 8
        "C1CC",                        # unclosed ring: invalid
        "",                            # empty
        "c1ccccc1O",                   # phenol: passes
    ]
    result = moses_filter()(smiles)
    assert result.kept == ["CC(=O)Oc1ccccc1C(=O)O", "Oc1ccccc1"]
    assert result.index.tolist() == [0, 9]
    assert dict(result.dropped) == {"duplicate": 1, "charged": 1, "disallowed_atom": 1, "alert_pains": 1,
                                    "alert_mcf": 1, "large_ring": 1, "invalid_syntax": 1, "empty": 1}
    assert result.alerts == {"quinone_A(370)": 1, "MCF7": 1}
    assert result.n_in == 10 and result.n_invalid == 2
    assert result.examples["charged"] == ["C[N+](C)(C)C"]
    assert "charged" in result.summary() and result.to_dict()["n_kept"] == 2


def test_repeated_dropped_molecules_count_under_their_reason():
    result = MoleculeFilter(neutral=True)(["C[N+](C)(C)C"] * 5 + ["CCO"] * 3)
    assert dict(result.dropped) == {"charged": 5, "duplicate": 2}
    assert result.kept == ["CCO"]
    kept_all = MoleculeFilter(dedupe=False)(["OCC", "CCO"])
    assert kept_all.kept == ["CCO", "CCO"]


def test_size_fragment_and_catalog_options():
    f = MoleculeFilter(min_heavy_atoms=3, max_heavy_atoms=6)
    r = f(["CC", "CCC", "CCCCCCC"])
    assert r.kept == ["CCC"] and dict(r.dropped) == {"too_few_atoms": 1, "too_many_atoms": 1}
    assert MoleculeFilter(fragments="largest")(["CCO.[Na+].[Cl-]"]).kept == ["CCO"]
    assert dict(MoleculeFilter(fragments="reject")(["CCO.[Na+].[Cl-]"]).dropped) == {"multi_fragment": 1}
    # canonical=False returns the input strings of the valid molecules
    assert MoleculeFilter(canonical=False)(["OCC", "C1CC"]).kept == ["OCC"]
    brenk = MoleculeFilter(alerts=("rdkit:BRENK",))(["CCCCCCCCCCCC(=O)Cl", "c1ccccc1O"])
    assert brenk.kept == ["Oc1ccccc1"] and list(brenk.dropped) == ["alert_rdkit_BRENK"]
    with pytest.raises(InputError, match="unknown alert set"):
        MoleculeFilter(alerts=("lilly",))
    with pytest.raises(InputError, match="unknown RDKit filter catalog"):
        MoleculeFilter(alerts=("rdkit:NOPE",))
    assert moses_filter().passes("CC(=O)Oc1ccccc1C(=O)O") and not moses_filter().passes("C[N+](C)(C)C")


def test_validity_filter_counts_invalid_never_raises():
    strings = ["CCO", "C1CC", "c1cccc1", "C(C)(C)(C)(C)C", "", "OCC", "xyz"]
    r = validity_filter()(strings)
    assert r.kept == ["CCO", "OCC"] and r.index.tolist() == [0, 5]
    assert dict(r.dropped) == {"invalid_syntax": 2, "invalid_aromaticity": 1, "invalid_valence": 1, "empty": 1}
    assert sum(r.dropped.values()) + r.n_kept == len(strings)
    assert dict(validity_filter(diagnose=False)(strings).dropped) == {"invalid_sanitization": 4, "empty": 1}


def test_moses_alerts_match_a_plain_substructure_loop():
    """The FilterCatalog built from MOSES' SMARTS files decides as any(HasSubstructMatch) on the
    explicit-H molecule does (MOSES' mol_passes_filters), on real, messy NCI molecules."""
    from scigen.chem.data import nci_first_5k

    mcf, _ = alert_catalog("mcf")
    pains, _ = alert_catalog("pains")
    assert mcf.GetNumEntries() == 22 and pains.GetNumEntries() == 480
    import csv
    from importlib import resources

    root = resources.files("scigen.chem.resources")
    smarts = [row[1] for row in list(csv.reader(root.joinpath("mcf.csv").read_text().splitlines()))[1:]]
    smarts += [row[0].strip() for row in csv.reader(root.joinpath("wehi_pains.csv").read_text().splitlines()) if row]
    patterns = [Chem.MolFromSmarts(s) for s in smarts]
    assert len(patterns) == 502 and all(p is not None for p in patterns)
    with quiet():
        mols = [m for m in (Chem.MolFromSmiles(s) for s in nci_first_5k().smiles[:400]) if m is not None]
    only_alerts = MoleculeFilter(alerts=("mcf", "pains"), dedupe=False)
    n_flagged = 0
    for mol in mols:
        h = Chem.AddHs(mol)
        plain = any(h.HasSubstructMatch(p) for p in patterns)
        n_flagged += plain
        assert only_alerts.passes(mol) == (not plain), Chem.MolToSmiles(mol)
    assert n_flagged > 60  # the NCI set trips many alerts: the comparison is not vacuous
