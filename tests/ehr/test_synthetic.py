"""Synthetic-record checks: privacy (DCR, copies), marginals, correlations, TSTR, registered statistics."""

import numpy as np
import pytest

from scigen.ehr.datasets import load_table
from scigen.ehr.synthetic import correlation_difference, marginal_distances, privacy_check, tstr


@pytest.fixture(scope="module")
def breast_splits():
    df, schema = load_table("breast_cancer")
    idx = np.random.default_rng(0).permutation(len(df))
    take = lambda i: df.iloc[i].reset_index(drop=True)  # noqa: E731
    return take(idx[:269]), take(idx[269:419]), take(idx[419:]), schema


def test_privacy_flags_a_copied_training_set(breast_splits):
    train, holdout, fresh, schema = breast_splits
    copied = privacy_check(train, train.iloc[:150], holdout, schema)
    assert copied["n_identical"] == 150 and copied["dcr_synthetic"]["median"] == 0.0
    assert copied["close_fraction"] == 1.0 and not copied["passed"]
    assert "identical" in copied["reasons"][0]
    # records the generator never saw (other real patients) pass
    ok = privacy_check(train, fresh, holdout, schema)
    assert ok["passed"] and ok["n_identical"] == 0 and ok["close_fraction"] < 0.10
    assert 0.5 < ok["dcr_synthetic"]["median"] / ok["dcr_holdout"]["median"] < 2.0
    # near copies (training records plus 0.5% noise) are not identical but far too close
    rng = np.random.default_rng(1)
    near = train.iloc[:150].copy()
    feats = schema.feature_names
    span = (train[feats].max() - train[feats].min()).to_numpy()
    near[feats] = near[feats].to_numpy() + rng.normal(0, 0.005, (150, len(feats))) * span
    res = privacy_check(train, near, holdout, schema)
    assert res["n_identical"] == 0 and not res["passed"] and res["close_fraction"] > 0.9


def test_privacy_on_a_mixed_table_with_gaps():
    df, schema = load_table("pbc")
    train, holdout = df.iloc[:250].reset_index(drop=True), df.iloc[250:].reset_index(drop=True)
    fake = train.iloc[:10].drop(columns=["id"])  # copies with NaNs and categories; no id column
    res = privacy_check(train, fake, holdout, schema)
    assert res["n_identical"] == 10 and not res["passed"]
    assert privacy_check(train, holdout, holdout.iloc[::-1], schema)["n_identical"] == 0


def test_marginal_distances_measure_shifts_in_sd_units():
    df, schema = load_table("pbc")
    same = marginal_distances(df, df, schema)
    assert np.nanmax(same[["wasserstein", "ks", "tv"]].to_numpy()) == 0.0
    fake = df.copy()
    fake["albumin"] = fake["albumin"] + fake["albumin"].std(ddof=0)
    fake["sex"] = "m"
    d = marginal_distances(df, fake, schema)
    assert d.loc["albumin", "wasserstein"] == pytest.approx(1.0, rel=1e-6)
    assert d.loc["albumin", "ks"] > 0.3  # 0.38 for a normal shifted by 1 sd
    assert d.loc["sex", "tv"] == pytest.approx((df["sex"] == "f").mean())
    assert d.loc["age", "wasserstein"] == 0.0
    assert d.loc["chol", "missing_real"] == pytest.approx(df["chol"].isna().mean())


def test_correlation_difference(breast_splits):
    train, _, _, schema = breast_splits
    assert correlation_difference(train, train, schema)["mean_abs"] == 0.0
    rng = np.random.default_rng(0)
    shuffled = train.copy()
    for c in schema.feature_names:  # same marginals, no correlations
        shuffled[c] = rng.permutation(shuffled[c].to_numpy())
    res = correlation_difference(train, shuffled, schema)
    assert res["mean_abs"] > 0.25 and res["max_abs"] > 0.9


def test_tstr_equals_trtr_for_real_records_and_drops_for_noise(breast_splits):
    train, test, other, schema = breast_splits
    res = tstr(train, test, other, schema, n_boot=100)
    assert res["trtr"]["auroc"]["value"] > 0.97
    assert abs(res["auroc_ratio"] - 1) < 0.03
    noise = other.copy()
    noise[schema.label] = np.random.default_rng(0).permutation(noise[schema.label].to_numpy())
    bad = tstr(train, test, noise, schema, n_boot=100)
    assert bad["tstr"]["auroc"]["value"] < 0.75


def test_registered_statistics_see_fakes(breast_splits):
    from scigen.ehr.stats import table_features
    from scigen.validate.statistic import statistics_for

    train, holdout, fresh, schema = breast_splits
    stats = {s.name: s for s in statistics_for("ehr")}
    assert {"marginals", "correlations"} <= set(stats)
    shifted = fresh.copy()
    shifted["mean radius"] = shifted["mean radius"] + 2 * train["mean radius"].std()
    shuffled = fresh.copy()
    rng = np.random.default_rng(0)
    for c in schema.feature_names:
        shuffled[c] = rng.permutation(shuffled[c].to_numpy())
    for name, bad in (("marginals", shifted), ("correlations", shuffled)):
        st = stats[name]
        params = st.prepare(train, None)
        ref = st.evaluate(train, None, **params)
        d_real = st.distance(ref, st.evaluate(holdout, None, **params))
        d_bad = st.distance(ref, st.evaluate(bad, None, **params))
        assert d_bad > 2 * d_real, name
    mats = table_features([train, fresh.drop(columns=[schema.label])])
    assert mats[0].shape[1] == mats[1].shape[1] == len(schema.feature_names)
    assert all(np.isfinite(m).all() for m in mats)
