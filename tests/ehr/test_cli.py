"""`scigen ehr ...`: datasets, schema, mask, score-imputation, and one-line errors."""

import json

import pandas as pd

from scigen.cli import main
from scigen.ehr.data import read_table


def test_mask_and_score_round_trip(tmp_path, capsys):
    src = tmp_path / "bc.csv"
    assert main(["ehr", "datasets", "--export", "breast_cancer", "--out", str(src),
                 "--schema-out", str(tmp_path / "bc.schema.json")]) == 0
    assert main(["ehr", "mask", "--data", str(src), "--label", "malignant", "--mechanism", "mnar", "--rate", "0.25",
                 "--seed", "0", "--out", str(tmp_path / "m.csv"), "--removed", str(tmp_path / "r.csv")]) == 0
    out = capsys.readouterr().out
    assert "MNAR removed" in out and "target 0.25" in out
    masked = pd.read_csv(tmp_path / "m.csv")
    removed = pd.read_csv(tmp_path / "r.csv")
    assert all(pd.api.types.is_bool_dtype(d) for d in removed.dtypes)
    assert abs(removed.drop(columns="malignant").to_numpy().mean() - 0.25) < 0.02
    assert masked["malignant"].notna().all() and not removed["malignant"].any()
    # mean-impute by hand, score it through the CLI
    imputed = masked.fillna(masked.mean())
    imputed.to_csv(tmp_path / "i.csv", index=False)
    assert main(["ehr", "score-imputation", "--true", str(src), "--imputed", str(tmp_path / "i.csv"),
                 "--removed", str(tmp_path / "r.csv"), "--schema", str(tmp_path / "bc.schema.json"),
                 "--out", str(tmp_path / "s.json")]) == 0
    scores = json.loads((tmp_path / "s.json").read_text())
    assert 0.1 < scores["rmse"] < 0.4 and scores["n_numeric"] == int(removed.to_numpy().sum())


def test_schema_and_shipped_table_mask(tmp_path, capsys):
    assert main(["ehr", "schema", "--table", "pbc", "--out", str(tmp_path / "pbc.json")]) == 0
    assert json.loads((tmp_path / "pbc.json").read_text())["label"] == "death_3y"
    assert main(["ehr", "mask", "--table", "pbc", "--mechanism", "mar", "--rate", "0.3",
                 "--out", str(tmp_path / "pbc_m.csv.gz")]) == 0
    df, schema = read_table(tmp_path / "pbc_m.csv.gz", schema=tmp_path / "pbc.json")
    assert df.shape == (394, 19)
    assert main(["ehr", "datasets"]) == 0
    assert "support2" in capsys.readouterr().out


def test_user_errors_are_one_line(tmp_path, capsys):
    pd.DataFrame({"a": [1.0, 2.0], "y": [0, 1]}).to_csv(tmp_path / "t.csv", index=False)
    assert main(["ehr", "mask", "--data", str(tmp_path / "t.csv"), "--label", "diagnosis",
                 "--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("scigen: error: label column 'diagnosis' not found") and err.count("\n") == 1
    assert main(["ehr", "mask", "--data", str(tmp_path / "none.csv"), "--out", str(tmp_path / "o.csv")]) == 2
    assert "none.csv" in capsys.readouterr().err
    assert main(["ehr", "mask", "--data", str(tmp_path / "t.csv"), "--rate", "1.5",
                 "--out", str(tmp_path / "o.csv")]) == 2
    assert not (tmp_path / "o.csv").exists()
