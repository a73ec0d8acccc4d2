"""The ehr path end to end: records with missing entries -> imputation -> AC-GAN -> synthetic records -> report.

    from scigen.ehr.pipeline import demo
    outputs = demo("demo-output/ehr", seed=0)          # what `scigen demo --sections ehr` runs

:func:`demo` takes the breast cancer table (569 x 30, no download), removes 20% of the entries
completely at random, completes the table with a :class:`~scigen.ehr.imputer.DenoisingImputer`
(GAIN RMSE beside mean imputation on the same mask), trains an
:class:`~scigen.ehr.classifier.ACGANClassifier` on the completed training records (AUROC on the
held-out records beside logistic regression on the same data), generates as many synthetic records
as there are training records, and checks them: the validation report (real held-out records vs
synthetic, per class, with the memorisation check against the training records), train-on-synthetic
test-on-real AUROC and the distance-to-closest-record privacy check. A minute or two on 2 CPU cores.
"""

from __future__ import annotations

import json
from pathlib import Path


def demo(out_dir, seed: int = 0, *, imputer_steps: int = 1500, acgan_steps: int = 2000) -> dict:
    """Run the path on small settings and return what it wrote and measured (see the module docstring).

    Returns a dict of paths ("masked", "imputed", "synthetic", "model", "report", "scores") and
    headline figures (imputation RMSE vs mean, AUROC vs logistic regression, TSTR, privacy, verdict).
    """
    import numpy as np
    from sklearn.model_selection import train_test_split

    from scigen.ehr.baselines import BaselineImputer, make_classifier
    from scigen.ehr.classifier import ACGANClassifier
    from scigen.ehr.data import write_table
    from scigen.ehr.datasets import load_table
    from scigen.ehr.imputer import DenoisingImputer
    from scigen.ehr.metrics import gain_rmse, prediction_scores
    from scigen.ehr.missing import ampute
    from scigen.ehr.synthetic import privacy_check, tstr
    from scigen.io.atomic import write_text_atomic
    from scigen.validate import compare

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    df, schema = load_table("breast_cancer")
    feats, label = schema.feature_names, schema.label
    masked, removed = ampute(df, "mcar", 0.2, seed=seed, schema=schema)
    write_table(masked, out / "masked.csv")

    # 1. imputation (transductive, as GAIN scores it), against mean imputation on the same mask
    imp = DenoisingImputer(seed=seed, steps=imputer_steps, hidden=256, threads=1, progress=False).fit(masked)
    imputed = imp.transform(masked)
    write_table(imputed, out / "imputed.csv")
    mask = removed[feats].to_numpy()
    rmse = gain_rmse(df[feats], imputed[feats], mask)
    mean = BaselineImputer("mean", schema=schema).fit(masked).transform(masked)
    rmse_mean = gain_rmse(df[feats], mean[feats], mask)

    # 2. disease prediction on the completed records: AC-GAN class head vs logistic regression
    tr, te = train_test_split(np.arange(len(df)), test_size=0.3, random_state=seed, stratify=df[label])
    train, test = imputed.iloc[tr].reset_index(drop=True), imputed.iloc[te].reset_index(drop=True)
    clf = ACGANClassifier(seed=seed, steps=acgan_steps, imputer=None, threads=1, progress=False).fit(train)
    clf.save(out / "acgan")
    y_test = test[label].to_numpy()
    acgan = prediction_scores(y_test, clf.predict_proba(test)[:, 1], n_boot=200, seed=seed)
    logistic = make_classifier("logistic", schema, seed=seed).fit(train, train[label])
    logit = prediction_scores(y_test, logistic.predict_proba(test)[:, 1], n_boot=200, seed=seed)

    # 3. synthetic records and their checks
    fake = clf.generate(len(train), seed=seed + 1)
    write_table(fake, out / "synthetic.csv")
    privacy = privacy_check(train, fake, test, schema)
    on_synthetic = tstr(train, test, fake, schema, seed=seed, n_boot=200)
    report = compare(df.iloc[te].reset_index(drop=True), fake, domain="ehr", train=train, label=label, seed=seed)
    paths = report.write(out / "report")

    scores = {
        "imputation": {"rmse": rmse, "rmse_mean_imputation": rmse_mean, "setting": "breast cancer, 20% MCAR",
                       "fit": {k: v for k, v in imp.fit_info_.items() if k != "best"}},
        "prediction": {"acgan": acgan, "logistic": logit, "n_train": len(tr), "n_test": len(te)},
        "tstr": {"tstr_auroc": on_synthetic["tstr"]["auroc"]["value"],
                 "trtr_auroc": on_synthetic["trtr"]["auroc"]["value"], "ratio": on_synthetic["auroc_ratio"]},
        "privacy": privacy,
        "validation": {"verdict": report.verdict, "passed": bool(report.passed)},
    }
    write_text_atomic(out / "scores.json", json.dumps(scores, indent=2, default=float) + "\n")
    return {
        "masked": str(out / "masked.csv"), "imputed": str(out / "imputed.csv"),
        "synthetic": str(out / "synthetic.csv"), "model": str(out / "acgan"), "scores": str(out / "scores.json"),
        "report": str(paths["html"]), "verdict": report.verdict,
        "imputation_rmse": f"{rmse:.4f} (mean imputation {rmse_mean:.4f})",
        "auroc_heldout": f"AC-GAN {acgan['auroc']['value']:.4f}, logistic regression {logit['auroc']['value']:.4f}",
        "tstr_auroc": f"{on_synthetic['tstr']['auroc']['value']:.4f} (train on real "
                      f"{on_synthetic['trtr']['auroc']['value']:.4f})",
        "privacy": ("pass" if privacy["passed"] else "fail: " + "; ".join(privacy["reasons"]))
                   + f" ({privacy['n_identical']} copies of training records)",
    }
