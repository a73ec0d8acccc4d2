"""SMILES/SDF files in and out (atomic), and the shipped data."""

import gzip

import numpy as np
import pytest
from rdkit import Chem

from scigen.chem.files import read_smiles, write_sdf, write_smiles
from scigen.errors import InputError


def test_smi_round_trip_with_names_and_header(tmp_path):
    smiles, names = ["CCO", "c1ccccc1", "CC(=O)O"], ["ethanol", "benzene", "acetic acid"]
    p = write_smiles(tmp_path / "a.smi", smiles, names=names)
    mols = read_smiles(p)
    assert list(mols.smiles) == smiles and list(mols.names) == names and mols.smiles.dtype == object
    (tmp_path / "h.smi").write_text("SMILES Name\n# a comment\n\nCCO x\nCCN\n")
    m2 = read_smiles(tmp_path / "h.smi")
    assert list(m2.smiles) == ["CCO", "CCN"] and list(m2.names) == ["x", ""]
    assert list(read_smiles(p, limit=2).smiles) == smiles[:2]
    assert [f.name for f in tmp_path.iterdir() if ".tmp-" in f.name] == []  # no temporaries left


def test_csv_and_gzip(tmp_path):
    p = write_smiles(tmp_path / "a.csv.gz", ["CCO", "CCN"], names=["a", "b"], columns={"qed": [0.4, 0.5]})
    with gzip.open(p, "rt") as fh:
        assert fh.readline().strip() == "smiles,name,qed"
    mols = read_smiles(p)
    assert list(mols.smiles) == ["CCO", "CCN"] and list(mols.names) == ["a", "b"]
    (tmp_path / "b.csv").write_text("id,Canonical_SMILES\n1,CCO\n2,CCC\n")
    assert list(read_smiles(tmp_path / "b.csv").smiles) == ["CCO", "CCC"]
    (tmp_path / "c.csv").write_text("id,structure\n1,CCO\n")
    with pytest.raises(InputError, match="no SMILES column"):
        read_smiles(tmp_path / "c.csv")
    assert list(read_smiles(tmp_path / "c.csv", column="structure").smiles) == ["CCO"]
    with pytest.raises(InputError, match="cannot write SMILES"):
        write_smiles(tmp_path / "x.xyz", ["C"])
    with pytest.raises(InputError, match="unknown molecule file type"):
        (tmp_path / "d.mol2").write_text("x")
        read_smiles(tmp_path / "d.mol2")
    with pytest.raises(InputError, match="whitespace"):
        write_smiles(tmp_path / "e.smi", ["C C"])


def test_sdf_written_and_reread_by_rdkit(tmp_path):
    smiles = ["CC(=O)Oc1ccccc1C(=O)O", "C1CC", "Cn1c(=O)c2c(ncn2C)n(C)c1=O"]
    path, skipped = write_sdf(tmp_path / "out.sdf", smiles, names=["aspirin", "broken", "caffeine"],
                              properties={"score": [1, 2, 3]})
    assert skipped == 1
    mols = [m for m in Chem.SDMolSupplier(str(path))]
    assert len(mols) == 2 and all(m is not None for m in mols)
    assert [m.GetProp("_Name") for m in mols] == ["aspirin", "caffeine"]
    assert [Chem.MolToSmiles(m) for m in mols] == [Chem.CanonSmiles(smiles[0]), Chem.CanonSmiles(smiles[2])]
    assert [m.GetProp("score") for m in mols] == ["1", "3"]
    assert any(abs(c) > 0 for c in mols[0].GetConformer().GetPositions().ravel())  # 2-D coordinates
    back = read_smiles(path)
    assert list(back.names) == ["aspirin", "caffeine"]
    p3, _ = write_sdf(tmp_path / "3d.sdf", ["CCO"], coords="3d", seed=1)
    m3 = next(iter(Chem.SDMolSupplier(str(p3), removeHs=False)))
    assert m3.GetConformer().Is3D() and m3.GetNumAtoms() == 9  # hydrogens embedded too


def test_shipped_moses_subsets():
    from scigen.chem.data import MOSES_SPLITS, load_moses
    from scigen.chem.filters import moses_filter
    from scigen.chem.mol import canonicalize

    for split, n in MOSES_SPLITS.items():
        assert len(load_moses(split)) == n
    test = load_moses("test")
    assert list(load_moses("test", 100)) == list(test[:100])
    sample = list(test[:300])
    assert all(c is not None for c in canonicalize(sample))
    assert moses_filter(dedupe=False)(sample).n_kept == 300  # MOSES molecules pass MOSES' filters
    train_first = set(canonicalize(load_moses("train", 10000)))
    assert not train_first & set(canonicalize(test[:2000]))  # test molecules are not in train
    with pytest.raises(InputError, match="split"):
        load_moses("valid")


def test_full_moses_splits_read_from_a_molsets_wheel(tmp_path):
    """A wheel laid out as molsets 0.3.1's (a zip with moses/dataset/data/<split>.csv.gz): the whole
    split as stored, seeded subsets that are reproducible and drawn without replacement, and errors
    that name the file and the fix."""
    import zipfile

    from scigen.chem.data import load_moses, read_molsets_wheel

    train = list(load_moses("train", 500))
    wheel = tmp_path / "molsets-0.3.1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("moses/dataset/data/train.csv.gz", gzip.compress(("SMILES,SPLIT\n" + "".join(
            f"{s},train\n" for s in train)).encode()))
    assert list(read_molsets_wheel(wheel, "train")) == train
    subset = read_molsets_wheel(wheel, "train", 200, seed=3)
    assert len(set(subset)) == 200 and set(subset) <= set(train)
    assert list(subset) == list(read_molsets_wheel(wheel, "train", 200, seed=3))
    assert list(subset) != list(read_molsets_wheel(wheel, "train", 200, seed=4))
    with pytest.raises(InputError, match="test_scaffolds.csv.gz.*pip download molsets"):
        read_molsets_wheel(wheel, "test_scaffolds")
    with pytest.raises(InputError, match="n must be in 1..500"):
        read_molsets_wheel(wheel, "train", 501)
    with pytest.raises(InputError, match="split"):
        read_molsets_wheel(wheel, "valid")


def test_approved_drugs_and_prototypes():
    from scigen.chem.data import load_approved_drugs, load_prototypes
    from scigen.chem.filters import moses_filter

    drugs = load_approved_drugs()
    assert len(drugs) == 2628 and set(drugs.columns) >= {"name", "first_approval", "smiles", "parent_smiles"}
    aspirin = drugs[drugs["name"] == "ASPIRIN"].iloc[0]
    assert aspirin["first_approval"] == 1950 and Chem.CanonSmiles(aspirin["parent_smiles"]) == Chem.CanonSmiles(
        "CC(=O)Oc1ccccc1C(=O)O")
    assert np.all(np.diff(drugs["first_approval"].to_numpy()) >= 0)
    assert all("." not in s for s in drugs["parent_smiles"])
    protos = load_prototypes()
    assert len(protos) == 16 and "caffeine" in list(protos.names)
    assert all(moses_filter(dedupe=False).passes(s) for s in protos.smiles)
