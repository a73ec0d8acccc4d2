"""Baseline imputers, classifiers and record generators: the ANCHORS ordering, observed entries kept, types
kept, Pipelines; the copula keeps the dependence between columns that independent resampling loses."""

import numpy as np
import pandas as pd
import pytest

from scigen.ehr.baselines import BaselineImputer, baseline_records, make_classifier
from scigen.ehr.datasets import load_table
from scigen.ehr.metrics import auroc, imputation_scores
from scigen.ehr.missing import ampute
from scigen.errors import InputError


@pytest.fixture(scope="module")
def breast_masked():
    df, schema = load_table("breast_cancer")
    masked, removed = ampute(df, "mcar", 0.2, seed=0)
    return df, schema, masked, removed


def test_imputers_reproduce_anchor_ordering_on_breast_cancer(breast_masked):
    """ANCHORS (5 seeds, 20% MCAR): mean 0.1435 > KNN 0.0736 > missForest 0.0557 > IterativeImputer 0.0516."""
    df, schema, masked, removed = breast_masked
    rmse = {}
    small_forest = {"n_estimators": 10, "max_iter": 3}
    for method, kw in (("mean", {}), ("knn", {}), ("iterative", {}), ("missforest", small_forest)):
        out = BaselineImputer(method, schema=schema, seed=0, **kw).fit(masked).transform(masked)
        rmse[method] = imputation_scores(df, out, removed, schema).rmse
    assert rmse["mean"] > rmse["knn"] > rmse["missforest"] > rmse["iterative"]
    assert 0.125 < rmse["mean"] < 0.16 and 0.06 < rmse["knn"] < 0.085 and rmse["iterative"] < 0.06


def test_observed_entries_types_and_order_kept():
    df, schema = load_table("pbc")
    masked, removed = ampute(df, "mcar", 0.2, seed=1)
    for method in ("mean", "knn", "iterative"):
        out = BaselineImputer(method).fit(masked).transform(masked)     # schema from masked.attrs
        assert list(out.columns) == list(df.columns) and out.index.equals(df.index)
        assert out[schema.feature_names].notna().all().all()
        observed = masked.notna()
        pd.testing.assert_frame_equal(out.where(observed), masked.where(observed), check_dtype=False)
        assert set(out["edema"]) <= {0.0, 0.5, 1.0} and set(out["trt"]) <= {"D-penicillamine", "placebo"}
        assert set(out["ascites"]) <= {0.0, 1.0}
        for c in ("id", "death_3y"):
            assert out[c].dtype == df[c].dtype and out[c].equals(df[c])
        sc = imputation_scores(df, out, removed, schema)
        assert sc.n_categorical > 0 and 0.5 < sc.accuracy <= 1.0


def test_pipeline_imputer_then_classifier():
    from sklearn.pipeline import make_pipeline

    df, schema = load_table("pbc")
    train, test = df.iloc[:280], df.iloc[280:]
    pipe = make_pipeline(BaselineImputer("iterative", schema=schema), make_classifier("logistic", schema))
    pipe.fit(train, train[schema.label])
    p = pipe.predict_proba(test)[:, 1]
    assert 0.7 < auroc(test[schema.label], p) <= 1.0


@pytest.mark.parametrize("kind", ["logistic", "gbm", "hgb"])
def test_classifiers_on_complete_breast_cancer(kind):
    """ANCHORS: complete-data AUROC logistic 0.992, GBM 0.986."""
    df, schema = load_table("breast_cancer")
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(df))
    tr, te = df.iloc[idx[:400]], df.iloc[idx[400:]]
    clf = make_classifier(kind, schema, seed=0).fit(tr, tr[schema.label])
    assert auroc(te[schema.label], clf.predict_proba(te)[:, 1]) > 0.97


def test_bad_names():
    df, schema = load_table("breast_cancer")
    with pytest.raises(InputError, match="unknown imputer"):
        BaselineImputer("median").fit(df)
    with pytest.raises(InputError, match="unknown classifier"):
        make_classifier("svm", schema)
    with pytest.raises(InputError, match="not fitted"):
        BaselineImputer("mean").transform(df)


@pytest.fixture(scope="module")
def dependent_table():
    """Two classes; within each, y = x + noise (correlation ~0.9 in class "a", ~-0.9 in class "b") and a
    category that follows x's sign. 30% of the records are class "b"."""
    from scigen.ehr.schema import infer_schema

    rng = np.random.default_rng(0)
    n = 2000
    label = np.where(rng.random(n) < 0.3, "b", "a")
    x = rng.normal(size=n) * np.where(label == "a", 1.0, 3.0)
    y = np.where(label == "a", 1, -1) * x + 0.5 * rng.normal(size=n) * np.where(label == "a", 1.0, 3.0)
    kind = np.where(x + 0.3 * rng.normal(size=n) > 0, "high", "low")
    df = pd.DataFrame({"x": np.round(x, 3), "y": np.round(y, 3), "kind": kind, "group": label})
    return df, infer_schema(df, label="group")


def test_copula_keeps_the_dependence_that_independent_columns_lose(dependent_table):
    df, schema = dependent_table
    corr = {}
    for method in ("independent", "copula"):
        fake = baseline_records(df, 4000, method, schema=schema, seed=1)
        assert list(fake.columns) == ["x", "y", "kind", "group"]
        assert abs((fake["group"] == "b").mean() - (df["group"] == "b").mean()) < 0.03  # training frequencies
        for cls in ("a", "b"):
            real_c, fake_c = df[df["group"] == cls], fake[fake["group"] == cls]
            # each class's marginals: only that class's training values, in about the same spread
            assert set(fake_c["x"]).issubset(set(real_c["x"])) and set(fake_c["kind"]) <= {"high", "low"}
            assert abs(fake_c["y"].std() / real_c["y"].std() - 1) < 0.1
            corr[method, cls] = (np.corrcoef(fake_c["x"], fake_c["y"])[0, 1],
                                 np.corrcoef(fake_c["x"], fake_c["kind"] == "high")[0, 1])
    real_a = np.corrcoef(df.x[df.group == "a"], df.y[df.group == "a"])[0, 1]
    assert abs(corr["copula", "a"][0] - real_a) < 0.05 and abs(corr["copula", "b"][0] + real_a) < 0.05
    assert corr["copula", "a"][1] > 0.5  # the category follows x through its code
    assert all(abs(corr["independent", cls][k]) < 0.08 for cls in "ab" for k in (0, 1))


def test_record_generators_refuse_what_they_cannot_fit(dependent_table):
    df, schema = dependent_table
    gappy = df.copy()
    gappy.loc[:99, "y"] = np.nan  # 5% of the records
    with pytest.raises(InputError, match=r"complete records.*\['y'\].*impute"):
        baseline_records(gappy, 10, "copula", schema=schema)
    kept = baseline_records(gappy, 3000, "independent", schema=schema, seed=0)  # missing entries resampled too
    assert 0.03 < kept["y"].isna().mean() < 0.07
    with pytest.raises(InputError, match="unknown record generator"):
        baseline_records(df, 10, "bayesnet", schema=schema)
    with pytest.raises(InputError, match="at least 1"):
        baseline_records(df, 0, "copula", schema=schema)
