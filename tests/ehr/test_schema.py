"""Schema inference, JSON round trips, the invertible encoder, table files and their error messages."""

import numpy as np
import pandas as pd
import pytest

from scigen.ehr.data import read_table, write_table
from scigen.ehr.encoding import TableEncoder
from scigen.ehr.schema import Schema, infer_schema
from scigen.errors import InputError, MissingFileError


def mixed_table(n: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "pid": np.arange(1000, 1000 + n),
        "age": np.round(rng.uniform(20, 90, n), 1),
        "n_visits": rng.integers(0, 12, n),                                   # int64, a count
        "albumin": np.round(rng.normal(3.5, 0.6, n), 2),
        "smoker": rng.random(n) < 0.3,                                        # bool
        "sex": rng.choice(["f", "m"], n),                                     # str, 2 levels
        "race": rng.choice(["white", "black", "asian", "other"], n),          # str, 4 levels
        "stage": pd.Categorical(rng.choice(["I", "II", "III"], n), categories=["I", "II", "III"], ordered=True),
        "ascites": rng.integers(0, 2, n).astype(float),                        # numeric 0/1
        "dead": rng.integers(0, 2, n),
    })
    df.loc[rng.random(n) < 0.2, "albumin"] = np.nan
    df.loc[rng.random(n) < 0.2, "race"] = np.nan
    df.loc[rng.random(n) < 0.1, "stage"] = np.nan
    df.loc[rng.random(n) < 0.1, "ascites"] = np.nan
    return df


def test_infer_mixed_table_kinds_categories_decimals():
    df = mixed_table()
    s = infer_schema(df, label="dead", id="pid")
    kinds = {c.name: c.kind for c in s.columns}
    assert kinds == {"pid": "id", "age": "numeric", "n_visits": "numeric", "albumin": "numeric",
                     "smoker": "binary", "sex": "binary", "race": "categorical", "stage": "categorical",
                     "ascites": "binary", "dead": "binary"}
    assert s.names == list(df.columns)
    assert s.feature_names == ["age", "n_visits", "albumin", "smoker", "sex", "race", "stage", "ascites"]
    assert s["race"].categories == ["asian", "black", "other", "white"]
    assert s["stage"].categories == ["I", "II", "III"] and s["stage"].ordered   # the dtype's order kept
    assert s["smoker"].categories == [False, True]
    assert s["ascites"].categories == [0.0, 1.0]
    assert (s["age"].decimals, s["n_visits"].decimals, s["albumin"].decimals) == (1, 0, 2)
    # an identifier-like column (named like one, all distinct) becomes the id unless told otherwise
    assert infer_schema(df, label="dead").id == "pid"
    assert infer_schema(df, label="dead", auto_id=False)["pid"].kind == "numeric"
    # override: the count as categorical
    s2 = infer_schema(df, label="dead", id="pid", types={"n_visits": "categorical"})
    assert s2["n_visits"].kind == "categorical"
    assert s2["n_visits"].categories == sorted(df["n_visits"].unique().tolist())


def test_schema_json_round_trip(tmp_path):
    s = infer_schema(mixed_table(), label="dead", id="pid")
    path = tmp_path / "schema.json"
    s.to_json(path)
    back = Schema.from_json(path)
    assert back.to_dict() == s.to_dict()
    assert Schema.from_json(s.to_json()).to_dict() == s.to_dict()


@pytest.mark.parametrize("numeric,categorical", [("minmax", "onehot"), ("standard", "index")])
def test_encode_decode_round_trip_is_exact(numeric, categorical):
    df = mixed_table()
    s = infer_schema(df, label="dead", id="pid")
    enc = TableEncoder(s, numeric=numeric, categorical=categorical).fit(df)
    et = enc.transform(df)
    assert et.values.shape == (len(df), enc.n_encoded) and et.mask.shape == et.values.shape
    assert np.array_equal(np.isnan(et.values), ~et.mask)
    back = enc.inverse_transform(et.values, et.mask, index=df.index, label_codes=enc.encode_labels(df), ids=df["pid"])
    assert list(back.columns) == list(df.columns)
    assert back.dtypes.equals(df.dtypes)
    assert back["stage"].cat.categories.tolist() == ["I", "II", "III"] and back["stage"].cat.ordered
    pd.testing.assert_frame_equal(back, df, check_exact=True)


def test_minmax_range_and_onehot_layout():
    df = mixed_table()
    s = infer_schema(df, label="dead", id="pid")
    enc = TableEncoder(s).fit(df)
    et = enc.transform(df)
    num = et.values[:, [enc.spans_[c].start for c in s.names_of("numeric")]]
    assert np.nanmin(num) == 0.0 and np.nanmax(num) == 1.0
    race = et.values[:, enc.spans_["race"]]
    present = df["race"].notna().to_numpy()
    assert np.all(race[present].sum(axis=1) == 1.0) and np.isnan(race[~present]).all()
    assert enc.columns_[enc.spans_["race"]] == ["race=asian", "race=black", "race=other", "race=white"]
    assert np.all(et.filled[~et.mask] == 0.0)
    assert et.column_mask().shape == (len(df), len(s.features))


def test_decode_model_outputs_in_original_form():
    """Probabilities and out-of-range values come back as valid categories, clipped and rounded numbers."""
    df = mixed_table()
    s = infer_schema(df, label="dead", id="pid")
    enc = TableEncoder(s).fit(df)
    rng = np.random.default_rng(1)
    out = enc.inverse_transform(rng.uniform(-0.3, 1.3, (25, enc.n_encoded)), label_codes=rng.integers(0, 2, 25))
    assert list(out.columns) == [c for c in df.columns if c != "pid"]
    assert out["n_visits"].dtype == np.int64 and out["smoker"].dtype == bool
    assert out["race"].isin(["asian", "black", "other", "white"]).all()
    assert out["stage"].dtype == df["stage"].dtype
    assert out["age"].between(df["age"].min(), df["age"].max()).all()
    assert np.array_equal(out["albumin"], out["albumin"].round(2))
    assert set(out["dead"]) <= {0, 1}
    # a text label: codes index its sorted levels, values pass through, bad ones are refused
    df2 = df.assign(dead=np.where(df["dead"] == 1, "yes", "no"))
    enc2 = TableEncoder(infer_schema(df2, label="dead")).fit(df2)
    codes = enc2.encode_labels(df2)
    assert np.array_equal(codes, (df2["dead"] == "yes").to_numpy().astype(int))
    x = enc2.transform(df2)
    assert enc2.inverse_transform(x.values, x.mask, label_codes=codes)["dead"].equals(df2["dead"])
    assert enc2.inverse_transform(x.values, x.mask, labels=df2["dead"])["dead"].equals(df2["dead"])
    with pytest.raises(InputError, match="label codes"):
        enc2.inverse_transform(x.values, label_codes=codes + 1)
    with pytest.raises(InputError, match="known categories"):
        enc2.inverse_transform(x.values, labels=np.where(codes == 1, "maybe", "no"))


def test_values_on_a_measurement_grid_decode_onto_it():
    """support2 stores creatinine as 1.19995, 0.799927, ... (a 0.1 mg/dL grid in single precision), which
    no number of decimals rounds onto. A column with few distinct values, each repeated, keeps them as
    its support and ``snap`` decodes onto it; a continuous column and the default decoding are untouched."""
    import json

    rng = np.random.default_rng(0)
    grid = np.float32(np.arange(4, 60) / 10).astype(np.float64)  # 0.4 ... 5.9 in float32: 0.399999976, ...
    df = pd.DataFrame({"crea": rng.choice(grid, 600), "age": rng.uniform(20, 90, 600), "dead": rng.integers(0, 2, 600)})
    enc = TableEncoder(infer_schema(df, label="dead"), numeric="standard").fit(df)
    assert set(enc.support_) == {"crea"} and len(enc.support_["crea"]) == len(np.unique(df["crea"]))
    enc = TableEncoder.from_dict(json.loads(json.dumps(enc.to_dict())))
    noisy = enc.transform(df).values + rng.normal(0, 0.05, (600, 2))
    snapped, plain = enc.inverse_transform(noisy, snap=True), enc.inverse_transform(noisy)
    assert snapped["crea"].isin(enc.support_["crea"]).all() and not plain["crea"].isin(grid).all()
    step = np.abs(snapped["crea"] - plain["crea"])
    assert step.max() <= 0.05 + 1e-6  # the nearest grid value: at most half a step away
    pd.testing.assert_series_equal(snapped["age"], plain["age"])


def test_encoder_state_is_json(tmp_path):
    import json

    df = mixed_table()
    enc = TableEncoder(infer_schema(df, label="dead")).fit(df)
    enc2 = TableEncoder.from_dict(json.loads(json.dumps(enc.to_dict())))
    assert np.array_equal(enc.transform(df).values, enc2.transform(df).values, equal_nan=True)


def test_clear_errors_name_file_and_column(tmp_path):
    df = mixed_table()
    with pytest.raises(InputError, match="label column 'outcome' not found in 'records.csv'"):
        infer_schema(df, label="outcome", source="records.csv")
    bad = df.copy()
    bad.loc[3, "dead"] = np.nan
    with pytest.raises(InputError, match="label column 'dead'.*1 missing"):
        infer_schema(bad, label="dead")
    bad = df.copy()
    bad["empty"] = np.nan
    with pytest.raises(InputError, match="column 'empty'.*no observed value"):
        infer_schema(bad, label="dead")
    bad = df.copy()
    bad["note"] = [f"free text {i}" for i in range(len(df))]
    with pytest.raises(InputError, match="column 'note'.*free text or an identifier"):
        infer_schema(bad, label="dead")
    with pytest.raises(InputError, match="types.*'nope'"):
        infer_schema(df, label="dead", types={"nope": "numeric"})
    s = infer_schema(df, label="dead", id="pid")
    enc = TableEncoder(s).fit(df)
    new = df.copy()
    new.loc[0, "race"] = "martian"
    with pytest.raises(InputError, match=r"column 'race'.*\['martian'\].*known categories"):
        enc.transform(new)
    lenient = TableEncoder(s, handle_unknown="missing").fit(df).transform(new)
    assert not lenient.mask[0, enc.spans_["race"]].any()
    with pytest.raises(InputError, match="lacks column"):
        enc.transform(df.drop(columns=["age"]))


def test_read_write_csv_and_parquet(tmp_path):
    df = mixed_table().drop(columns=["stage", "smoker"])
    for name in ("t.csv", "t.csv.gz", "t.tsv") + (("t.parquet",) if _has_pyarrow() else ()):
        path = write_table(df, tmp_path / name)
        back, s = read_table(path, label="dead", id="pid")
        assert list(back.columns) == list(df.columns)
        assert s["race"].kind == "categorical" and s["age"].decimals == 1
        assert np.allclose(back["albumin"], df["albumin"], equal_nan=True)
        assert back["race"].isna().sum() == df["race"].isna().sum()
    s.to_json(tmp_path / "schema.json")
    # a schema forces dtypes: 'ascites' stays 0/1 float, an integer column with a gap becomes Int64
    gap = df.copy()
    gap["n_visits"] = gap["n_visits"].astype(float)
    gap.loc[0, "n_visits"] = np.nan
    write_table(gap, tmp_path / "gap.csv")
    back, _ = read_table(tmp_path / "gap.csv", schema=tmp_path / "schema.json")
    assert str(back["n_visits"].dtype) == "Int64" and back["n_visits"].isna().sum() == 1
    with pytest.raises(MissingFileError, match="nothere.csv"):
        read_table(tmp_path / "nothere.csv")
    (tmp_path / "t.xlsx").write_text("x")
    with pytest.raises(InputError, match="unknown table format"):
        read_table(tmp_path / "t.xlsx")


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True
