"""``scigen chem ...`` end to end on small files."""

import json

from rdkit import Chem

from scigen.chem.files import read_smiles, write_smiles
from scigen.cli import main


def test_filter_verb_writes_kept_molecules_and_drop_report(tmp_path, capsys):
    src = write_smiles(tmp_path / "in.smi", ["CCO", "OCC", "C[N+](C)(C)C", "C1CC", "CC[Se]C", "c1ccccc1"],
                       names=["a", "b", "c", "d", "e", "f"])
    out, report = tmp_path / "clean.smi", tmp_path / "drops.json"
    assert main(["chem", "filter", "--smiles", str(src), "--out", str(out), "--preset", "moses",
                 "--report", str(report)]) == 0
    kept = read_smiles(out)
    assert list(kept.smiles) == ["CCO", "c1ccccc1"] and list(kept.names) == ["a", "f"]
    drops = json.loads(report.read_text())
    assert drops["dropped"] == {"duplicate": 1, "charged": 1, "invalid_syntax": 1, "disallowed_atom": 1}
    printed = capsys.readouterr().out
    assert "charged" in printed and "wrote" in printed
    assert main(["chem", "filter", "--smiles", str(src), "--out", str(out)]) == 2  # exists: needs --overwrite
    assert main(["chem", "filter", "--smiles", str(src), "--out", str(tmp_path / "c.sdf"), "--neutral",
                 "--allowed-atoms", "C,N,O"]) == 0
    assert len([m for m in Chem.SDMolSupplier(str(tmp_path / "c.sdf"))]) == 2


def test_data_convert_vocab_metrics(tmp_path, capsys):
    test = tmp_path / "test.smi"
    assert main(["chem", "data", "--name", "moses-test", "--n", "120", "--out", str(test)]) == 0
    assert len(read_smiles(test)) == 120
    assert main(["chem", "data", "--name", "approved-drugs", "--out", str(tmp_path / "drugs.csv")]) == 0
    assert main(["chem", "convert", "--smiles", str(test), "--out", str(tmp_path / "t.sdf")]) == 0
    assert len([m for m in Chem.SDMolSupplier(str(tmp_path / "t.sdf"))]) == 120
    assert main(["chem", "vocab", "--smiles", str(test), "--out", str(tmp_path / "v.json")]) == 0
    assert json.loads((tmp_path / "v.json").read_text())["format"] == "scigen.chem.vocabulary/1"
    gen = write_smiles(tmp_path / "gen.smi", list(read_smiles(test).smiles[:60]) + ["C1CC"] * 4)
    out = tmp_path / "m.json"
    assert main(["chem", "metrics", "--smiles", str(gen), "--test", str(test), "--train", str(test), "--no-fcd",
                 "--no-scaffolds", "--k", "50", "--out", str(out)]) == 0
    metrics = json.loads(out.read_text())["metrics"]
    assert metrics["valid"] == 60 / 64 and metrics["Novelty"] == 0.0 and metrics["unique@50"] == 1.0
    assert main(["chem", "metrics", "--smiles", str(tmp_path / "missing.smi")]) == 2
    assert "does not exist" in capsys.readouterr().err
