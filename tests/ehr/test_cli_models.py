"""`scigen ehr impute | train-classifier | predict | synthesize`, then `scigen validate` on the result."""

import json

import numpy as np
import pandas as pd
import pytest

from scigen.cli import main

FIT = ["--steps", "120", "--hidden", "64", "--threads", "1", "--no-progress"]


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    d = tmp_path_factory.mktemp("ehr_cli")
    assert main(["ehr", "datasets", "--export", "breast_cancer", "--out", str(d / "full.csv")]) == 0
    assert main(["ehr", "mask", "--data", str(d / "full.csv"), "--label", "malignant", "--rate", "0.2",
                 "--out", str(d / "records.csv"), "--removed", str(d / "removed.csv")]) == 0
    return d


def test_impute_save_reuse_and_draws(records, capsys):
    d = records
    assert main(["ehr", "impute", "--data", str(d / "records.csv"), "--label", "malignant", "--seed", "0",
                 "--out", str(d / "imputed.csv"), "--model", str(d / "imp"), "--draws", "2", *FIT]) == 0
    out = capsys.readouterr().out
    assert "missing entries filled" in out and "imputed.draw2.csv" in out
    masked, imputed = pd.read_csv(d / "records.csv"), pd.read_csv(d / "imputed.csv")
    assert list(imputed.columns) == list(masked.columns) and not imputed.isna().to_numpy().any()
    obs = masked.notna().to_numpy()
    np.testing.assert_allclose(imputed.to_numpy()[obs], masked.to_numpy()[obs])
    draw1, draw2 = pd.read_csv(d / "imputed.draw1.csv"), pd.read_csv(d / "imputed.draw2.csv")
    assert (draw1.to_numpy() != draw2.to_numpy())[~obs].mean() > 0.5
    # the kept imputer gives the same table again, without training
    assert main(["ehr", "impute", "--data", str(d / "records.csv"), "--load", str(d / "imp"),
                 "--out", str(d / "again.csv")]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(d / "again.csv"), imputed)
    assert main(["ehr", "score-imputation", "--true", str(d / "full.csv"), "--imputed", str(d / "imputed.csv"),
                 "--removed", str(d / "removed.csv"), "--label", "malignant", "--out", str(d / "s.json")]) == 0
    assert json.loads((d / "s.json").read_text())["rmse"] < 0.14  # mean imputation scores ~0.14


def test_classifier_predict_synthesize_validate(records, capsys):
    d = records
    run = d / "acgan"
    assert main(["ehr", "train-classifier", "--data", str(d / "records.csv"), "--label", "malignant",
                 "--out", str(run), "--imputer-steps", "100", *FIT, "--steps", "300"]) == 0
    assert (run / "imputer").is_dir()
    assert main(["ehr", "predict", "--model", str(run), "--data", str(d / "full.csv"),
                 "--out", str(d / "pred.csv")]) == 0
    out = capsys.readouterr().out
    auc = float(out.split("AUROC ")[1].split()[0])
    assert auc > 0.9
    pred = pd.read_csv(d / "pred.csv")
    assert list(pred.columns) == ["malignant", "predicted", "p_0", "p_1"]
    np.testing.assert_allclose(pred["p_0"] + pred["p_1"], 1.0, atol=1e-6)
    assert main(["ehr", "synthesize", "--model", str(run), "--n", "200", "--label", "1",
                 "--out", str(d / "synthetic.csv")]) == 0
    fake = pd.read_csv(d / "synthetic.csv")
    full = pd.read_csv(d / "full.csv")
    assert list(fake.columns) == list(full.columns) and (fake["malignant"] == 1).all()
    assert main(["ehr", "synthesize", "--model", str(run), "--n", "300", "--out", str(d / "synth_all.csv")]) == 0
    status = main(["validate", "--real", str(d / "full.csv"), "--fake", str(d / "synth_all.csv"),
                   "--out", str(d / "report"), "--label", "malignant", "--n-splits", "4", "--no-html"])
    assert status in (0, 1)  # a verdict, not an input error
    report = json.loads((d / "report" / "report.json").read_text())
    assert {"marginals", "correlations"} <= {s["name"] for s in report["statistics"]}
    assert {"classifier", "marginals"} <= {c["name"] for c in report["checks"]}


def test_model_verb_errors_are_one_line(records, capsys):
    d = records
    (d / "taken").mkdir(exist_ok=True)
    (d / "taken" / "x").write_text("x")
    assert main(["ehr", "train-classifier", "--data", str(d / "records.csv"), "--label", "malignant",
                 "--out", str(d / "taken"), *FIT]) == 2
    assert "already exists and is not empty" in capsys.readouterr().err
    assert main(["ehr", "synthesize", "--model", str(d / "nowhere"), "--n", "5", "--out", str(d / "s.csv")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert main(["ehr", "train-classifier", "--data", str(d / "records.csv"), "--out", str(d / "nolabel"),
                 *FIT]) == 2
    assert "--label" in capsys.readouterr().err
