"""`scigen validate` end to end on small files: exit codes 0 (pass), 1 (fail), 2 (user error)."""

import json

import numpy as np
import pandas as pd
import pytest

from scigen.cli import main
from scigen.io import write_sample_set
from scigen.validate.files import load_input


@pytest.fixture
def sets(tmp_path):
    rng = np.random.default_rng(0)
    t = np.repeat([1.0, 2.0], 150)

    def write(name, x, **kw):
        return str(write_sample_set(tmp_path / name, x, domain=None, condition=t[:, None], seed=0,
                                    producer={"kind": "test"}, **kw))

    def draw():
        return (rng.normal(size=(300, 4, 4)) * t[:, None, None]).astype(np.float32)

    wide = draw()
    wide[t == 2.0] *= 1.5
    return {"real": write("real.h5", draw()), "fake": write("fake.h5", draw()), "wide": write("wide.h5", wide),
            "train": write("train.h5", draw()), "dir": tmp_path}


def test_pass_writes_both_reports_and_exits_0(sets, capsys):
    out = sets["dir"] / "report"
    code = main(["validate", "--real", sets["real"], "--fake", sets["fake"], "--train", sets["train"],
                 "--out", str(out), "--checks", "energy,memorisation"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    doc = json.loads((out / "report.json").read_text())
    assert doc["verdict"] == "pass" and doc["settings"]["domain"] == "generic"
    assert doc["inputs"]["fake"]["path"] == sets["fake"]
    assert (out / "report.html").stat().st_size > 10_000
    assert "overall: PASS" in printed and "value_histogram" in printed


def test_fail_exits_1(sets, capsys):
    out = sets["dir"] / "report"
    code = main(["validate", "--real", sets["real"], "--fake", sets["wide"], "--out", str(out),
                 "--checks", "none", "--statistics", "std,mean"])
    assert code == 1
    doc = json.loads((out / "report.json").read_text())
    failing = {(s["name"], s["group_label"]) for s in doc["statistics"] if s["verdict"] == "fail"}
    assert failing == {("std", "condition=2")}


@pytest.mark.parametrize("problem, message", [
    ("missing", "does not exist"),
    ("nan", "contain NaN"),
    ("shape", "samples have shape"),
    ("statistic", "has no statistic 'nope'"),
    ("domain", "no statistics registered for domain 'nosuch'"),
    ("smiles_generic", "cannot be computed"),
    ("suffix", "unknown file type"),
])
def test_user_errors_exit_2_with_one_line(sets, capsys, problem, message):
    d = sets["dir"]
    real, fake = sets["real"], sets["fake"]
    extra = []
    if problem == "missing":
        fake = str(d / "nope.h5")
    elif problem == "nan":
        x = np.ones((300, 4, 4), np.float32)
        x[3, 0, 0] = np.nan
        fake = str(write_sample_set(d / "nan.h5", x, domain=None, condition=np.repeat([1.0, 2.0], 150)[:, None]))
    elif problem == "shape":
        fake = str(write_sample_set(d / "shape.h5", np.ones((300, 5)), domain=None,
                                    condition=np.repeat([1.0, 2.0], 150)[:, None]))
    elif problem == "statistic":
        extra = ["--statistics", "mean,nope"]
    elif problem == "domain":
        extra = ["--domain", "nosuch"]
    elif problem == "smiles_generic":
        (d / "a.smi").write_text("CCO ethanol\nc1ccccc1 benzene\nCC(=O)O\nCCN\nCCCC\n")
        real = fake = str(d / "a.smi")
        extra = ["--domain", "generic", "--checks", "none"]
    elif problem == "suffix":
        (d / "x.txt").write_text("1 2 3\n")
        fake = str(d / "x.txt")
    code = main(["validate", "--real", real, "--fake", fake, "--out", str(d / "r"), *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("scigen: error:") and message in err and err.count("\n") == 1
    assert fake in err or problem not in ("missing", "nan", "suffix")


def test_tables_with_a_label_column(tmp_path, capsys):
    rng = np.random.default_rng(1)

    def table(n):
        y = rng.integers(0, 2, n)
        return pd.DataFrame({"age": rng.normal(60 + 5 * y, 8), "sbp": rng.normal(130, 15, n), "outcome": y})

    table(300).to_csv(tmp_path / "real.csv", index=False)
    table(300).to_csv(tmp_path / "fake.csv", index=False)
    code = main(["validate", "--real", str(tmp_path / "real.csv"), "--fake", str(tmp_path / "fake.csv"),
                 "--out", str(tmp_path / "r"), "--domain", "generic", "--label", "outcome", "--checks", "classifier"])
    assert code == 0, capsys.readouterr()
    doc = json.loads((tmp_path / "r" / "report.json").read_text())
    assert {s["group_label"] for s in doc["statistics"]} == {"outcome=0", "outcome=1"}


def test_file_readers(tmp_path):
    (tmp_path / "m.smi").write_text("SMILES Name\nCCO ethanol\n\n# comment\nc1ccccc1\n")
    smi = load_input(tmp_path / "m.smi")
    assert smi.samples.tolist() == ["CCO", "c1ccccc1"] and smi.samples.dtype == object and smi.domain == "chem"
    pd.DataFrame({"smiles": ["CCO", "CCN"], "active": [1, 0]}).to_csv(tmp_path / "m.csv", index=False)
    csv = load_input(tmp_path / "m.csv", label="active")
    assert csv.kind == "strings" and csv.domain == "chem" and csv.labels.tolist() == [1, 0]
    pd.DataFrame({"a": [1.0, 2.0, 3.0]}).to_csv(tmp_path / "t.csv", index=False)
    table = load_input(tmp_path / "t.csv", max_samples=2, seed=0)
    assert table.kind == "table" and table.domain == "ehr" and len(table) == 2


def test_parquet_tables(tmp_path):
    pytest.importorskip("pyarrow")  # pandas reads parquet through the optional pyarrow
    pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["x", "y", "x"]}).to_parquet(tmp_path / "t.parquet")
    table = load_input(tmp_path / "t.parquet", label="b")
    assert table.kind == "table" and table.domain == "ehr" and table.labels.tolist() == ["x", "y", "x"]
