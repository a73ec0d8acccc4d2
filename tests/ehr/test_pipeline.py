"""The demo path (scigen demo's ehr section) on tiny settings: every output exists and the figures are sane."""

import json
from pathlib import Path

import pandas as pd

from scigen.demo import available_sections
from scigen.ehr.pipeline import demo


def test_demo_path_writes_everything(tmp_path):
    assert "ehr" in available_sections()
    out = demo(tmp_path / "ehr", seed=0, imputer_steps=150, acgan_steps=200)
    for key in ("masked", "imputed", "synthetic", "scores", "report"):
        assert Path(out[key]).exists(), key
    scores = json.loads((tmp_path / "ehr" / "scores.json").read_text())
    imp = scores["imputation"]
    assert imp["rmse"] < imp["rmse_mean_imputation"]
    assert scores["prediction"]["acgan"]["auroc"]["value"] > 0.8
    assert scores["privacy"]["n_identical"] == 0
    fake = pd.read_csv(out["synthetic"])
    real = pd.read_csv(out["masked"])
    assert list(fake.columns) == list(real.columns) and not fake.isna().to_numpy().any()
    assert out["verdict"] in ("pass", "fail") and out["report"].endswith("report.html")
