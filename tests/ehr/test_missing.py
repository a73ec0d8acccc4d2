"""Missingness masks: realised rates, what MAR and MNAR depend on, what is never masked."""

import numpy as np
import pandas as pd
import pytest

from scigen.ehr.datasets import load_table
from scigen.ehr.missing import AMPUTE_ATTR, ampute
from scigen.ehr.metrics import auroc
from scigen.ehr.schema import infer_schema
from scigen.errors import InputError


@pytest.fixture(scope="module")
def breast():
    return load_table("breast_cancer")


@pytest.mark.parametrize("mechanism", ["mcar", "mar", "mnar"])
@pytest.mark.parametrize("rate", [0.2, 0.5, 0.8])
def test_realised_rate_close_to_target(breast, mechanism, rate):
    df, schema = breast
    masked, removed = ampute(df, mechanism, rate, seed=3)
    info = masked.attrs[AMPUTE_ATTR]
    n = info["maskable"]
    sigma = np.sqrt(rate * (1 - rate) / n)
    assert abs(info["realised_rate"] - rate) < (1e-3 if mechanism == "mcar" else 5 * sigma + 0.005)
    assert removed.to_numpy().sum() == info["removed"]
    # masked entries are exactly the removed ones (the table had none missing)
    assert np.array_equal(masked.isna().to_numpy(), removed.to_numpy())
    assert not removed["malignant"].any() and masked["malignant"].equals(df["malignant"])
    # MAR predictors stay observed
    for p in info["predictors"]:
        assert not removed[p].any()
    assert (mechanism == "mar") == bool(info["predictors"])


def test_seeded_and_reproducible(breast):
    df, _ = breast
    a = ampute(df, "mnar", 0.3, seed=7)[1]
    b = ampute(df, "mnar", 0.3, seed=7)[1]
    c = ampute(df, "mnar", 0.3, seed=8)[1]
    assert a.equals(b) and not a.equals(c)
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    assert ampute(df, "mar", 0.3, seed=g1)[1].equals(ampute(df, "mar", 0.3, seed=g2)[1])


def independent_table(n=20000, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x1": rng.standard_normal(n), "x2": rng.standard_normal(n),
                         "x3": rng.standard_normal(n), "y": rng.integers(0, 2, n)})


def test_mnar_self_masking_removes_high_values_more_often(breast):
    df, schema = breast
    _, removed = ampute(df, "mnar", 0.3, seed=0)
    aucs = [auroc(removed[c].to_numpy(), df[c].to_numpy()) for c in schema.feature_names]
    assert min(aucs) > 0.7  # in every column, removed values rank above kept ones
    # the quantile model never removes values at or below its quantile
    q = 0.35
    _, removed = ampute(df, "mnar", 0.3, seed=0, mnar_model="quantile", quantile=q)
    for c in schema.feature_names:
        low = df[c] <= df[c].quantile(q)
        assert not removed.loc[low, c].any()
    assert abs(removed.to_numpy().mean() - 0.3) < 0.02


def test_mar_depends_only_on_observed_columns():
    """x2 and x3 are independent of x1: under MAR their masks follow x1 and ignore their own values."""
    df = independent_table()
    schema = infer_schema(df, label="y")
    masked, removed = ampute(df, "mar", 0.3, seed=1, schema=schema, predictors=["x1"])
    assert not removed["x1"].any() and masked["x1"].notna().all()
    for c in ("x2", "x3"):
        r = removed[c].to_numpy()
        assert abs(auroc(r, df["x1"].to_numpy()) - 0.5) > 0.25   # driven by the observed x1
        assert abs(auroc(r, df[c].to_numpy()) - 0.5) < 0.02      # not by its own (hidden) value
    # same table under MNAR: the reverse
    _, removed = ampute(df, "mnar", 0.3, seed=1, schema=schema)
    for c in ("x2", "x3"):
        r = removed[c].to_numpy()
        assert auroc(r, df[c].to_numpy()) > 0.75
        assert abs(auroc(r, df["x1"].to_numpy()) - 0.5) < 0.02


def test_native_missing_id_label_and_keep_on_a_clinical_table():
    df, schema = load_table("pbc")
    native = df[schema.feature_names].isna()
    masked, removed = ampute(df, "mcar", 0.3, seed=0, keep=["age", "sex"])
    assert not removed[["id", "death_3y", "age", "sex"]].to_numpy().any()
    assert not (removed[schema.feature_names] & native).to_numpy().any()   # natively missing: not "removed"
    assert masked[schema.feature_names].isna().equals(native | removed[schema.feature_names])
    info = masked.attrs[AMPUTE_ATTR]
    maskable = (~native).drop(columns=["age", "sex"]).to_numpy().sum()
    assert info["maskable"] == maskable and info["removed"] == round(0.3 * maskable)
    # categories survive masking (a categorical column keeps its levels)
    assert set(masked["edema"].dropna()) <= {0.0, 0.5, 1.0}
    # MAR on a table with native gaps picks fully observed predictors only
    masked, removed = ampute(df, "mar", 0.3, seed=0)
    assert all(df[p].notna().all() for p in masked.attrs[AMPUTE_ATTR]["predictors"])


def test_integer_columns_become_nullable():
    df = independent_table(200)
    df["count"] = np.arange(200) % 7
    masked, _ = ampute(df, "mcar", 0.3, seed=0, schema=infer_schema(df, label="y"))
    assert str(masked["count"].dtype) == "Int64" and masked["count"].isna().any()


def test_bad_arguments(breast):
    df, _ = breast
    with pytest.raises(InputError, match="mechanism"):
        ampute(df, "mmar", 0.2)
    with pytest.raises(InputError, match="strictly between 0 and 1"):
        ampute(df, "mcar", 1.0)
    with pytest.raises(InputError, match="keep"):
        ampute(df, "mcar", 0.2, keep=["malignant"])
    pbc, _ = load_table("pbc")
    with pytest.raises(InputError, match="have missing values"):
        ampute(pbc, "mar", 0.2, predictors=["chol"])
