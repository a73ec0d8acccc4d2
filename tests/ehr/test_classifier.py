"""ACGANClassifier: held-out AUROC on breast cancer, class-conditional records in the table's own
columns and types, no copied training record, persistence, errors, engine conformance."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.model_selection import train_test_split

from scigen.ehr.classifier import ACGANClassifier
from scigen.ehr.datasets import load_table
from scigen.ehr.imputer import DenoisingImputer
from scigen.ehr.metrics import auroc
from scigen.errors import InputError

FAST = dict(hidden=128, steps=500, batch_size=64, eval_every=100, threads=1, progress=False)


@pytest.fixture(scope="module")
def breast():
    df, schema = load_table("breast_cancer")
    tr, te = train_test_split(np.arange(len(df)), test_size=0.3, random_state=0, stratify=df[schema.label])
    train, test = df.iloc[tr].reset_index(drop=True), df.iloc[te].reset_index(drop=True)
    clf = ACGANClassifier(seed=0, **FAST).fit(train)
    return train, test, schema, clf


@pytest.fixture(scope="module")
def pbc():
    """Natively missing entries (imputed by the built-in DenoisingImputer), text binaries, a categorical."""
    df, schema = load_table("pbc")
    imputer = DenoisingImputer(hidden=64, layers=2, steps=150, eval_every=50, threads=1, progress=False)
    clf = ACGANClassifier(seed=0, imputer=imputer, **{**FAST, "steps": 300}).fit(df)
    return df, schema, clf


def test_held_out_auroc(breast):
    train, test, schema, clf = breast
    prob = clf.predict_proba(test)
    assert prob.shape == (len(test), 2) and np.allclose(prob.sum(axis=1), 1.0)
    auc = auroc(test[schema.label], prob[:, 1])
    assert auc > 0.95, auc            # chance is 0.5; logistic regression scores ~0.99 here
    assert clf.score(test) == pytest.approx(auc)
    pred = clf.predict(test)
    assert set(pred) <= set(train[schema.label].unique()) and (pred == test[schema.label]).mean() > 0.85
    assert clf.fit_info_["best"] is not None and clf.fit_info_["n_validation"] > 0


def test_generate_with_label_and_no_copies(breast):
    train, test, schema, clf = breast
    fake = clf.generate(200, label=1, seed=3)
    assert list(fake.columns) == list(train.columns) and (fake.dtypes == train.dtypes).all()
    assert (fake[schema.label] == 1).all() and not fake.isna().to_numpy().any()
    for c in schema.feature_names:  # inside the observed range
        assert fake[c].between(train[c].min(), train[c].max()).all(), c
    pd.testing.assert_frame_equal(fake, clf.generate(200, label=1, seed=3))
    assert not fake.equals(clf.generate(200, label=1, seed=4))
    feats = schema.feature_names
    copies = fake[feats].merge(train[feats].drop_duplicates(), how="inner")
    assert len(copies) == 0
    # the generator learned the classes: each class's mean radius lies nearer its own real class mean
    other = clf.generate(200, label=0, seed=3)
    real = train.groupby(schema.label)["mean radius"].mean()
    assert abs(fake["mean radius"].mean() - real[1]) < abs(fake["mean radius"].mean() - real[0])
    assert abs(other["mean radius"].mean() - real[0]) < abs(other["mean radius"].mean() - real[1])
    assert clf.generate(20, seed=1)[schema.label].nunique() >= 1


def test_records_come_from_the_last_step_and_predictions_from_the_chosen_one(tmp_path):
    """The step whose class head predicts best on validation records is often early (step 200 of
    3,000 on one breast-cancer split), when the generator has barely started; records are drawn from
    the last step's generator. Both survive save / load and loading a fit's ``out_dir``."""
    df, schema = load_table("breast_cancer")
    clf = ACGANClassifier(seed=4, out_dir=tmp_path / "run", **FAST).fit(df)  # a seed whose best step is early
    assert clf.model_.checkpoint_info["step"] == clf.fit_info_["best"]["step"] < FAST["steps"]
    assert clf.generator_model_.checkpoint_info["step"] == FAST["steps"]
    fake, prob = clf.generate(100, seed=2), clf.predict_proba(df)
    clf.save(tmp_path / "saved")
    for back in (ACGANClassifier.load(tmp_path / "saved"), ACGANClassifier.load(tmp_path / "run")):
        pd.testing.assert_frame_equal(back.generate(100, seed=2), fake)
        np.testing.assert_array_equal(back.predict_proba(df), prob)


def test_records_stay_on_the_grid_of_the_recorded_values(tmp_path):
    """A lab value recorded in steps of 0.1 with 40% of the entries missing: the imputer's entries are
    off the grid, but the generated records are on it (the grid comes from the recorded values)."""
    from scigen.ehr.schema import infer_schema

    rng = np.random.default_rng(0)
    n = 600
    x = rng.normal(size=n)
    df = pd.DataFrame({"lab": np.round(2.0 + 0.5 * x, 1), "age": np.round(60 + 10 * rng.normal(size=n) + 5 * x, 3),
                       "dead": (x + rng.normal(size=n) > 0).astype(int)})
    df.loc[rng.random(n) < 0.4, "lab"] = np.nan
    imputer = DenoisingImputer(hidden=64, layers=2, steps=150, eval_every=50, threads=1, progress=False)
    clf = ACGANClassifier(schema=infer_schema(df, label="dead"), seed=0, imputer=imputer,
                          **{**FAST, "steps": 200}).fit(df)
    grid = set(df["lab"].dropna())
    assert not set(clf.imputer_.transform(df)["lab"]) <= grid  # the completed table is off the grid
    fake = clf.generate(300, seed=0)
    assert fake["lab"].isin(grid).all() and fake["lab"].nunique() > 5


def test_pbc_with_missing_entries_and_types(pbc, tmp_path):
    df, schema, clf = pbc
    assert clf.imputer_ is not None
    prob = clf.predict_proba(df)
    assert prob.shape == (len(df), 2) and np.isfinite(prob).all()
    fake = clf.generate(50, label=1, seed=0)
    assert list(fake.columns) == list(df.columns) and (fake.dtypes == df.dtypes).all()
    assert (fake["id"] < 0).all() and fake["id"].is_unique  # ids that name no patient
    assert not fake.isna().to_numpy().any() and (fake["death_3y"] == 1).all()
    assert set(fake["sex"]) <= set(df["sex"].dropna()) and set(fake["edema"]) <= set(df["edema"].dropna())
    for grid in ("protime", "stage"):  # measured in steps (0.1 s, stages 1-4): on the training records' values
        assert fake[grid].isin(clf.encoder_.support_[grid]).all() and fake[grid].nunique() > 1, grid
    clf.save(tmp_path / "clf")
    back = ACGANClassifier.load(tmp_path / "clf")
    np.testing.assert_array_equal(back.predict_proba(df), prob)
    pd.testing.assert_frame_equal(back.generate(50, label=1, seed=0), fake)


def test_bad_input(breast):
    train, test, schema, clf = breast
    with pytest.raises(InputError, match="not a class"):
        clf.generate(5, label=7)
    with pytest.raises(InputError):
        clf.predict_proba(test.drop(columns=[schema.feature_names[0]]))
    with pytest.raises(InputError, match="not fitted"):
        ACGANClassifier().predict(test)
    with pytest.raises(InputError, match="lacks column.*malignant"):  # the attached schema names its label
        ACGANClassifier(**FAST).fit(test.drop(columns=[schema.label]))
    plain = pd.DataFrame(test[schema.feature_names].to_numpy(), columns=schema.feature_names)
    with pytest.raises(InputError, match="needs labels"):
        ACGANClassifier(**FAST).fit(plain)
    with pytest.raises(InputError, match="label 'diagnosis' not found|'diagnosis'"):
        ACGANClassifier(label="diagnosis", **FAST).fit(plain)
    with pytest.raises(InputError, match="at least 1"):
        clf.generate(0)


def test_network_conformance(tmp_path):
    from scigen.ehr.encoding import TableEncoder
    from scigen.ehr.models import ACGAN, encoder_state
    from scigen.engine import ArrayDataset
    from scigen.testing import check_model

    df, schema = load_table("breast_cancer")
    state = encoder_state(df, schema)
    enc = TableEncoder.from_dict(state)
    x = torch.from_numpy(enc.transform(df).values.astype(np.float32))
    y = torch.from_numpy(enc.encode_labels(df))
    check_model(lambda: ACGAN(state, [0.6, 0.4], hidden=32), ArrayDataset(samples=x, labels=y), tmp_path,
                expect_shape=(x.shape[1],), expect_dtype=torch.float32)
