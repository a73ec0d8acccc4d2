"""EHR benchmark: imputation RMSE (the GAIN way) and disease-prediction AUROC of the baselines.

Imputation (breast cancer table, 569 x 30, complete): for each setting (MCAR 20/50/80%, MAR 20%,
MNAR 20%) and seed 0..4, remove entries with :func:`scigen.ehr.missing.ampute`, impute the masked
table (transductive, as in GAIN), score :func:`scigen.ehr.metrics.gain_rmse` on the removed entries;
mean +- std over seeds and CPU seconds per seed, single thread. Downstream: logistic regression
trained on the imputed table (stratified 80/20 split per seed) and scored on the imputed test part.

Prediction: complete-data AUROC of logistic regression and gradient boosting on the breast cancer
table (stratified 80/20, 5 seeds); on support2 (natively missing, 9,105 patients, label death within
6 months) the imputer is fitted on the training part only and each classifier on the imputed
training part (stratified 70/30, 3 seeds).

Neural models (:func:`_neural_imputation`, :func:`_neural_prediction`): the DenoisingImputer with
its default settings on the same masks (5 seeds at 20% MCAR, seeds 0-2 elsewhere, compared with the
baselines on those same seeds); the ACGANClassifier (default settings; training step chosen on a
validation split of the training part, never on the test part) against logistic regression and
gradient boosting on the same data: complete breast cancer table (5 seeds), breast cancer completed by
the DenoisingImputer at 20/50/80% MCAR (3 seeds), support2 with the imputer fitted on the training
part (2 seeds). The baseline sections take ~45 min of CPU: a full run reuses them from the recorded
``results/ehr.json`` after checking that the masks are the same (the mean-imputation RMSE of every
seed recomputed and compared); ``SCIGEN_EHR_BASELINES=recompute`` recomputes them.

Sections: ``core`` (all of the above, ~20 min with the baselines reused) and ``synthetic`` (the
AC-GAN's synthetic records beside a Gaussian copula, independent columns and a copy of the training
records: fidelity, detection, TSTR and privacy; ``benchmarks/_ehr_synthetic.py``, ~10 min):
``python -m benchmarks ehr:synthetic``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np

ANCHOR_RMSE_20_MCAR = {  # ANCHORS.md, measured here (5 seeds)
    "mean": 0.1435, "knn": 0.0736, "iterative": 0.0516, "missforest": 0.0557,
}
GAIN_PAPER_BREAST = {"GAIN": "0.0546 +- 0.0006", "MICE": "0.0646", "MissForest": "0.0608", "EM": "0.0634",
                     "Autoencoder": "0.0697", "Matrix completion": "0.0946"}
ANCHOR_AUROC = {"logistic": 0.992, "gbm": 0.986}
SETTINGS = [("mcar", 0.2), ("mcar", 0.5), ("mcar", 0.8), ("mar", 0.2), ("mnar", 0.2)]
IMPUTERS = ["mean", "knn", "iterative", "missforest"]
RECORDED = Path(__file__).resolve().parent / "results" / "ehr.json"


def _stats(values) -> dict:
    v = np.asarray(values, dtype=float)
    return {"mean": float(v.mean()), "std": float(v.std(ddof=1)) if v.size > 1 else 0.0, "per_seed": v.tolist()}


def _split(y, seed, test_size):
    from sklearn.model_selection import train_test_split

    return train_test_split(np.arange(len(y)), test_size=test_size, random_state=seed, stratify=y)


def _imputation(quick: bool) -> dict:
    from scigen.ehr.baselines import BaselineImputer, make_classifier
    from scigen.ehr.datasets import load_table
    from scigen.ehr.metrics import auroc, gain_rmse
    from scigen.ehr.missing import ampute

    df, schema = load_table("breast_cancer")
    feats, label = schema.feature_names, schema.label
    seeds = [0] if quick else list(range(5))
    settings = SETTINGS[:1] if quick else SETTINGS
    mf_kw = {"n_estimators": 10, "max_iter": 3} if quick else {}
    out = {}
    for mech, rate in settings:
        key = f"{mech}_{int(rate * 100)}"
        rows: dict[str, dict[str, list]] = {m: {"rmse": [], "cpu": [], "auroc": []} for m in IMPUTERS}
        realised = []
        for seed in seeds:
            masked, removed = ampute(df, mech, rate, seed=seed, schema=schema)
            realised.append(masked.attrs["scigen_ehr_ampute"]["realised_rate"])
            tr, te = _split(df[label].to_numpy(), seed, 0.2)
            for method in IMPUTERS:
                kw = mf_kw if method == "missforest" else {}
                t0 = time.process_time()
                imputed = BaselineImputer(method, schema=schema, seed=seed, **kw).fit(masked).transform(masked)
                rows[method]["cpu"].append(time.process_time() - t0)
                rows[method]["rmse"].append(gain_rmse(df[feats], imputed[feats], removed[feats].to_numpy()))
                clf = make_classifier("logistic", schema, seed=seed).fit(imputed.iloc[tr], imputed[label].iloc[tr])
                rows[method]["auroc"].append(auroc(imputed[label].iloc[te], clf.predict_proba(imputed.iloc[te])[:, 1]))
        out[key] = {"mechanism": mech, "rate": rate, "realised_rate": _stats(realised),
                    "methods": {m: {"rmse": _stats(r["rmse"]), "cpu_s_per_seed": _stats(r["cpu"]),
                                    "downstream_auroc_logistic": _stats(r["auroc"])}
                                for m, r in rows.items() if r["rmse"]}}
        print(f"[ehr] {key}: " + ", ".join(f"{m} {v['rmse']['mean']:.4f}" for m, v in out[key]["methods"].items()),
              flush=True)
    return out


def _prediction(quick: bool) -> dict:
    from scigen.ehr.baselines import BaselineImputer, make_classifier
    from scigen.ehr.datasets import load_table
    from scigen.ehr.metrics import prediction_scores

    res: dict = {}
    df, schema = load_table("breast_cancer")
    y = df[schema.label].to_numpy()
    seeds = [0] if quick else list(range(5))
    complete: dict = {}
    for kind in ["logistic", "gbm"]:
        aucs, briers, cpu, ci0 = [], [], [], None
        for seed in seeds:
            tr, te = _split(y, seed, 0.2)
            t0 = time.process_time()
            clf = make_classifier(kind, schema, seed=seed).fit(df.iloc[tr], y[tr])
            cpu.append(time.process_time() - t0)
            sc = prediction_scores(y[te], clf.predict_proba(df.iloc[te])[:, 1], n_boot=500, seed=seed)
            aucs.append(sc["auroc"]["value"])
            briers.append(sc["brier"]["value"])
            ci0 = ci0 or sc["auroc"]
        complete[kind] = {"auroc": _stats(aucs), "brier": _stats(briers), "cpu_s_per_seed": _stats(cpu),
                          "auroc_ci_seed0": ci0}
    res["breast_cancer_complete"] = complete

    df, schema = load_table("support2")
    y = df[schema.label].to_numpy()
    seeds = [0] if quick else [0, 1, 2]
    imputers = ["mean", "iterative"] if quick else ["mean", "knn", "iterative"]
    table: dict = {}
    for method in imputers:
        rows = {kind: {"auroc": [], "auprc": [], "brier": [], "cpu": []} for kind in ("logistic", "gbm")}
        imp_cpu = []
        for seed in seeds:
            tr, te = _split(y, seed, 0.3)
            t0 = time.process_time()
            imp = BaselineImputer(method, schema=schema, seed=seed).fit(df.iloc[tr])
            a, b = imp.transform(df.iloc[tr]), imp.transform(df.iloc[te])
            imp_cpu.append(time.process_time() - t0)
            for kind, r in rows.items():
                t0 = time.process_time()
                clf = make_classifier(kind, schema, seed=seed).fit(a, y[tr])
                r["cpu"].append(time.process_time() - t0)
                sc = prediction_scores(y[te], clf.predict_proba(b)[:, 1], n_boot=200, seed=seed)
                for m in ("auroc", "auprc", "brier"):
                    r[m].append(sc[m]["value"])
        for kind, r in rows.items():
            table[f"{method}+{kind}"] = {"auroc": _stats(r["auroc"]), "auprc": _stats(r["auprc"]),
                                         "brier": _stats(r["brier"]), "imputer_cpu_s_per_seed": _stats(imp_cpu),
                                         "classifier_cpu_s_per_seed": _stats(r["cpu"])}
            print(f"[ehr] support2 {method}+{kind}: AUROC {np.mean(r['auroc']):.4f}", flush=True)
    res["support2"] = {"n": int(len(df)), "prevalence": float(y.mean()),
                       "missing_fraction": float(df[schema.feature_names].isna().to_numpy().mean()),
                       "results": table}
    return res


def _recorded_baselines(quick: bool) -> dict | None:
    """The baseline sections of the recorded full run, if there is one and they are to be reused."""
    if quick or os.environ.get("SCIGEN_EHR_BASELINES") == "recompute" or not RECORDED.is_file():
        return None
    old = json.loads(RECORDED.read_text())
    old = old.get("core", old)  # recorded before the benchmark had sections: the core result at the top
    if old.get("quick") or "imputation" not in old or "prediction" not in old:
        return None
    return {"imputation": old["imputation"], "prediction": old["prediction"],
            "recorded": old.get("baselines_recorded") or old.get("machine", {}).get("date")}


def _check_same_masks(imputation: dict) -> None:
    """Recompute the mean-imputation RMSE of every recorded setting and seed: equal means equal masks."""
    from scigen.ehr.baselines import BaselineImputer
    from scigen.ehr.datasets import load_table
    from scigen.ehr.metrics import gain_rmse
    from scigen.ehr.missing import ampute

    df, schema = load_table("breast_cancer")
    feats = schema.feature_names
    for key, entry in imputation.items():
        for seed, recorded in enumerate(entry["methods"]["mean"]["rmse"]["per_seed"]):
            masked, removed = ampute(df, entry["mechanism"], entry["rate"], seed=seed, schema=schema)
            now = gain_rmse(df[feats], BaselineImputer("mean", schema=schema).fit(masked).transform(masked)[feats],
                            removed[feats].to_numpy())
            if abs(now - recorded) > 1e-9:
                raise RuntimeError(f"{key} seed {seed}: the masks differ from the recorded run (mean-imputation RMSE "
                                   f"{now} vs {recorded}); rerun with SCIGEN_EHR_BASELINES=recompute")


def run(quick: bool = False) -> dict:
    from threadpoolctl import threadpool_limits

    from benchmarks._ehr_neural import neural_imputation, neural_prediction

    with threadpool_limits(1):
        t0 = time.time()
        recorded = _recorded_baselines(quick)
        if recorded is not None:
            _check_same_masks(recorded["imputation"])
            imputation, prediction = recorded["imputation"], recorded["prediction"]
            print(f"[ehr] baselines reused from the run of {recorded['recorded']} (same masks checked)", flush=True)
        else:
            imputation, prediction = _imputation(quick), _prediction(quick)
        t1, cpu1 = time.time(), time.process_time()
        neural_imp, tables = neural_imputation(quick, imputation)
        neural_pred = neural_prediction(quick, tables, prediction)
    return {"quick": quick, "wall_s": time.time() - t0, "threads": 1,
            "neural_wall_s": time.time() - t1, "neural_cpu_s": time.process_time() - cpu1,
            "baselines_recorded": recorded["recorded"] if recorded else None,
            "imputation": imputation, "prediction": prediction,
            "neural": {"imputation": neural_imp, "prediction": neural_pred},
            "anchors": {"rmse_20_mcar_here": ANCHOR_RMSE_20_MCAR, "gain_paper_breast": GAIN_PAPER_BREAST,
                        "auroc_complete_here": ANCHOR_AUROC}}


def _synthetic(quick: bool) -> dict:
    from benchmarks._ehr_synthetic import synthetic_records

    return synthetic_records(quick)


SECTIONS = {"core": run, "synthetic": _synthetic}


def _pm(s: dict, digits: int = 4) -> str:
    return f"{s['mean']:.{digits}f} +- {s['std']:.{digits}f}"


def markdown(result: dict) -> str:
    from benchmarks._ehr_synthetic import synthetic_markdown

    text = _core_markdown(result["core"]) if "core" in result else "## ehr: imputation and disease prediction\n"
    if "synthetic" in result:
        text = text.rstrip("\n") + "\n" + "\n".join(synthetic_markdown(result["synthetic"])) + "\n"
    return text


def _core_markdown(result: dict) -> str:
    imp = result["imputation"]
    lines = ["## ehr: imputation and disease prediction\n",
             "Breast cancer table (569 x 30). RMSE the GAIN way: min-max with the true data's range, over "
             "the removed entries only; mean +- std over seeds; single thread. `rate` is the fraction of the "
             "maskable entries removed (MAR: the 3 predictor columns stay observed). The neural models follow "
             "in their own tables (same masks and splits).\n"]
    keys = list(imp)
    methods = list(next(iter(imp.values()))["methods"])
    lines.append("| imputer | " + " | ".join(keys) + " | anchor (20% MCAR) | CPU s/seed (20% MCAR) |")
    lines.append("|---" * (len(keys) + 3) + "|")
    for m in methods:
        cells = [_pm(imp[k]["methods"][m]["rmse"]) for k in keys]
        anchor = ANCHOR_RMSE_20_MCAR.get(m)
        cpu = imp[keys[0]]["methods"][m]["cpu_s_per_seed"]["mean"]
        lines.append(f"| {m} | " + " | ".join(cells) + f" | {anchor if anchor else '-'} | {cpu:.2f} |")
    paper = ", ".join(f"{k} {v}" for k, v in GAIN_PAPER_BREAST.items())
    lines.append(f"\nGAIN paper, Breast at 20% MCAR: {paper}.\n")
    lines.append("Downstream AUROC (logistic regression on the imputed table, stratified 80/20 split per seed):\n")
    lines.append("| imputer | " + " | ".join(keys) + " |")
    lines.append("|---" * (len(keys) + 1) + "|")
    for m in methods:
        cells = [_pm(imp[k]["methods"][m]["downstream_auroc_logistic"], 3) for k in keys]
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    pred = result["prediction"]
    lines.append("\nComplete-data AUROC on the breast cancer table (stratified 80/20, mean +- std over seeds; "
                 "anchor: logistic 0.992, GBM 0.986):\n")
    lines.append("| classifier | AUROC | Brier | 95% CI seed 0 | CPU s/seed |")
    lines.append("|---|---|---|---|---|")
    for k, v in pred["breast_cancer_complete"].items():
        ci = v["auroc_ci_seed0"]
        lines.append(f"| {k} | {_pm(v['auroc'])} | {_pm(v['brier'])} | [{ci['low']:.3f}, {ci['high']:.3f}] | "
                     f"{v['cpu_s_per_seed']['mean']:.2f} |")
    s2 = pred["support2"]
    lines.append(f"\nsupport2 (n = {s2['n']}, {s2['missing_fraction']:.1%} of feature entries natively missing, "
                 f"prevalence of death within 6 months {s2['prevalence']:.3f}); imputer fitted on the training part, "
                 "stratified 70/30, mean +- std over seeds:\n")
    lines.append("| imputer + classifier | AUROC | AUPRC | Brier | CPU s/seed imputer / classifier |")
    lines.append("|---|---|---|---|---|")
    for k, v in s2["results"].items():
        lines.append(f"| {k} | {_pm(v['auroc'])} | {_pm(v['auprc'])} | {_pm(v['brier'])} | "
                     f"{v['imputer_cpu_s_per_seed']['mean']:.1f} / {v['classifier_cpu_s_per_seed']['mean']:.1f} |")
    from benchmarks._ehr_neural import markdown as neural_markdown

    if result.get("baselines_recorded"):
        lines.append(f"\nThe baseline tables above were measured in the run of {result['baselines_recorded']} "
                     "(reused: same masks, checked); the neural tables below in the run of this section's date "
                     f"({result['neural_cpu_s'] / 60:.0f} CPU min, {result['neural_wall_s'] / 60:.0f} min wall).\n")
    return "\n".join(lines) + "\n\n" + neural_markdown(result)
