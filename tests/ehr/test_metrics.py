"""Imputation RMSE (GAIN), categorical accuracy, AUROC/AUPRC/Brier and their bootstrap intervals."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from scigen.ehr.metrics import auprc, auroc, brier, gain_rmse, imputation_scores, prediction_scores
from scigen.ehr.schema import infer_schema
from scigen.errors import InputError


def test_gain_rmse_matches_hand_computation():
    true = np.array([[0.0, 10.0],
                     [2.0, 30.0],
                     [4.0, 20.0]])
    imputed = true.copy()
    imputed[0, 0] = 1.0    # removed; error 1 on a range of 4
    imputed[2, 1] = 25.0   # removed; error 5 on a range of 20
    imputed[1, 1] = 99.0   # not removed: must not count
    removed = np.array([[True, False], [False, False], [False, True]])
    # GAIN divides by (max - min + 1e-6) after subtracting the min
    expected = np.sqrt(((1.0 / (4 + 1e-6)) ** 2 + (5.0 / (20 + 1e-6)) ** 2) / 2)
    assert gain_rmse(true, imputed, removed) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(np.sqrt((0.25**2 + 0.25**2) / 2), rel=1e-6)


def test_gain_rmse_uses_true_range_and_ignores_native_gaps():
    rng = np.random.default_rng(0)
    true = rng.normal(size=(50, 3)) * [1, 10, 100]
    removed = rng.random(true.shape) < 0.3
    imputed = np.where(removed, true + 0.1 * (true.max(0) - true.min(0)), true)
    assert gain_rmse(true, imputed, removed) == pytest.approx(0.1, rel=1e-4)  # 10% of each range
    native = true.copy()
    native[~removed & (rng.random(true.shape) < 0.1)] = np.nan
    # a native gap never removed is not scored (only the range may shift)
    assert np.isfinite(gain_rmse(native, imputed, removed))
    with pytest.raises(InputError, match="missing/inf on 1 removed"):
        bad = imputed.copy()
        bad[np.argwhere(removed)[0][0], np.argwhere(removed)[0][1]] = np.nan
        gain_rmse(true, bad, removed)


def test_imputation_scores_mixed_table():
    true = pd.DataFrame({"a": [0.0, 1.0, 2.0, 4.0], "c": ["x", "y", "y", "z"], "y": [0, 1, 0, 1]})
    schema = infer_schema(true, label="y")
    imputed = true.copy()
    imputed.loc[1, "a"] = 2.0           # removed, error 1/4
    imputed.loc[0, "c"] = "y"           # removed, wrong
    removed = pd.DataFrame(False, index=true.index, columns=true.columns)
    removed.loc[1, "a"] = True
    removed.loc[[0, 2], "c"] = True     # one wrong, one right
    s = imputation_scores(true, imputed, removed, schema)
    assert s.rmse == pytest.approx(1 / (4 + 1e-6))
    assert s.accuracy == 0.5 and s.accuracy_per_column == {"c": 0.5}
    assert (s.n_numeric, s.n_categorical) == (1, 2)
    assert set(s.rmse_per_column) == {"a"}


def test_auroc_perfect_constant_and_against_sklearn():
    y = np.array([0, 0, 1, 1, 0, 1])
    assert auroc(y, y * 0.9 + 0.05) == 1.0
    assert auroc(y, 1 - y) == 0.0
    assert auroc(y, np.full(6, 0.3)) == 0.5
    rng = np.random.default_rng(0)
    for _ in range(3):
        yy = rng.integers(0, 2, 200)
        s = np.round(rng.random(200) + 0.4 * yy, 1)  # ties on purpose
        assert auroc(yy, s) == pytest.approx(roc_auc_score(yy, s), abs=1e-12)
        assert auprc(yy, s) == pytest.approx(average_precision_score(yy, s), abs=1e-12)
        p = np.clip(s, 0, 1)
        assert brier(yy, p) == pytest.approx(brier_score_loss(yy, p), abs=1e-12)
    with pytest.raises(InputError, match="both classes"):
        auroc(np.ones(4), np.arange(4.0))


def test_prediction_scores_interval_contains_estimate_and_shrinks_with_n():
    rng = np.random.default_rng(1)

    def scores(n):
        y = rng.integers(0, 2, n)
        p = 1 / (1 + np.exp(-(2 * y - 1) * 1.0 - rng.normal(0, 1.5, n)))
        return prediction_scores(y, p, n_boot=300, seed=0)

    small, large = scores(200), scores(3200)
    for k in ("auroc", "auprc", "brier", "accuracy"):
        for r in (small, large):
            assert r[k]["low"] <= r[k]["value"] <= r[k]["high"]
    width = lambda r: r["auroc"]["high"] - r["auroc"]["low"]  # noqa: E731
    assert width(large) < 0.5 * width(small)  # ~1/sqrt(n): a quarter expected


def test_multiclass_scores():
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2])
    perfect = np.eye(3)[y]
    r = prediction_scores(y, perfect, n_boot=50)
    assert r["auroc"]["value"] == 1.0 and r["brier"]["value"] == 0.0 and r["accuracy"]["value"] == 1.0
    uniform = np.full((9, 3), 1 / 3)
    assert prediction_scores(y, uniform, n_boot=0)["auroc"]["value"] == 0.5
