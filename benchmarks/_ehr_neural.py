"""The neural rows of the ehr benchmark (run by :mod:`benchmarks.ehr`): DenoisingImputer and ACGANClassifier.

Same data, masks (``ampute(df, mechanism, rate, seed)``) and train/test splits
(``benchmarks.ehr._split``) as the baselines; every model trains on one thread through the engine
with its default settings, and its training step is chosen on a validation split carved from the
training data (the estimators do this themselves), never on the test part.
"""

from __future__ import annotations

import time

import numpy as np

IMPUTATION_SEEDS = {"mcar_20": 5}   # seeds per setting (others: 3); quick: 1
PREDICTION_SETTINGS = ["mcar_20", "mcar_50", "mcar_80"]
SUPPORT2_SEEDS = [0, 1]


def _stats(values) -> dict:
    from benchmarks.ehr import _stats as stats

    return stats(values)


def _timed(fn):
    t0, w0 = time.process_time(), time.time()
    out = fn()
    return out, time.process_time() - t0, time.time() - w0


def neural_imputation(quick: bool, baselines: dict) -> tuple[dict, dict]:
    """DenoisingImputer RMSE per setting, with the baselines' figures on the same seeds.

    Returns (results by setting key, {(key, seed): imputed DataFrame} for the prediction section).
    """
    from benchmarks.ehr import _split
    from scigen.ehr.baselines import make_classifier
    from scigen.ehr.datasets import load_table
    from scigen.ehr.imputer import DenoisingImputer
    from scigen.ehr.metrics import auroc, gain_rmse
    from scigen.ehr.missing import ampute

    df, schema = load_table("breast_cancer")
    feats, label = schema.feature_names, schema.label
    settings = list(baselines)[:1] if quick else list(baselines)
    out, tables = {}, {}
    for key in settings:
        entry = baselines[key]
        n_seeds = 1 if quick else IMPUTATION_SEEDS.get(key, 3)
        seeds = list(range(n_seeds))
        rmse, cpu, wall, down, best_step = [], [], [], [], []
        for seed in seeds:
            masked, removed = ampute(df, entry["mechanism"], entry["rate"], seed=seed, schema=schema)
            kw = {"steps": 300, "hidden": 128} if quick else {}
            imp, c, w = _timed(lambda: DenoisingImputer(seed=seed, threads=1, progress=False, **kw).fit(masked))
            imputed = imp.transform(masked)
            tables[(key, seed)] = imputed
            rmse.append(gain_rmse(df[feats], imputed[feats], removed[feats].to_numpy()))
            cpu.append(c)
            wall.append(w)
            best_step.append((imp.fit_info_.get("best") or {}).get("step"))
            tr, te = _split(df[label].to_numpy(), seed, 0.2)
            clf = make_classifier("logistic", schema, seed=seed).fit(imputed.iloc[tr], imputed[label].iloc[tr])
            down.append(auroc(imputed[label].iloc[te], clf.predict_proba(imputed.iloc[te])[:, 1]))
        same = {m: _stats(v["rmse"]["per_seed"][:n_seeds]) for m, v in entry["methods"].items()}
        best = min(same, key=lambda m: same[m]["mean"])
        out[key] = {"seeds": seeds, "denoising": {"rmse": _stats(rmse), "cpu_s_per_seed": _stats(cpu),
                                                  "wall_s_per_seed": _stats(wall), "best_step": best_step,
                                                  "downstream_auroc_logistic": _stats(down)},
                    "baselines_same_seeds": same, "best_baseline": best,
                    "beats_every_baseline": bool(np.mean(rmse) < same[best]["mean"])}
        print(f"[ehr] denoising {key} ({n_seeds} seeds): {np.mean(rmse):.4f} vs best baseline {best} "
              f"{same[best]['mean']:.4f}; {np.mean(cpu):.0f} CPU s/seed", flush=True)
    return out, tables


def _classifiers(train, test, schema, seed: int, quick: bool) -> dict:
    """AUROC/AUPRC/Brier of logistic regression, gradient boosting and the AC-GAN on one split."""
    from scigen.ehr.baselines import make_classifier
    from scigen.ehr.classifier import ACGANClassifier
    from scigen.ehr.metrics import prediction_scores

    label = schema.label
    y_tr, y_te = train[label].to_numpy(), test[label].to_numpy()
    out = {}
    for kind in ("logistic", "gbm", "acgan"):
        if kind == "acgan":
            kw = {"steps": 300} if quick else {}
            clf, c, _ = _timed(lambda: ACGANClassifier(schema=schema, seed=seed, imputer=None, threads=1,
                                                       progress=False, **kw).fit(train))
        else:
            clf, c, _ = _timed(lambda: make_classifier(kind, schema, seed=seed).fit(train, y_tr))
        prob = clf.predict_proba(test)[:, 1]
        sc = prediction_scores(y_te, prob, n_boot=200, seed=seed)
        out[kind] = {"auroc": sc["auroc"]["value"], "auprc": sc["auprc"]["value"], "brier": sc["brier"]["value"],
                     "accuracy": float(np.mean((prob >= 0.5) == (y_te == 1))), "cpu_s": c}
    return out


def _collect(per_seed: list[dict]) -> dict:
    """{model: {metric: mean/std/per_seed}} from a list of _classifiers results."""
    return {m: {k: _stats([r[m][k] for r in per_seed]) for k in per_seed[0][m]} for m in per_seed[0]}


def neural_prediction(quick: bool, tables: dict, baselines: dict) -> dict:
    from benchmarks.ehr import _split
    from scigen.ehr.datasets import load_table
    from scigen.ehr.imputer import DenoisingImputer

    res: dict = {}
    df, schema = load_table("breast_cancer")
    y = df[schema.label].to_numpy()
    seeds = [0] if quick else list(range(5))
    runs = []
    for seed in seeds:
        tr, te = _split(y, seed, 0.2)
        runs.append(_classifiers(df.iloc[tr], df.iloc[te], schema, seed, quick))
    res["breast_cancer_complete"] = _collect(runs)
    print("[ehr] complete breast cancer AUROC: " + ", ".join(
        f"{m} {v['auroc']['mean']:.4f}" for m, v in res["breast_cancer_complete"].items()), flush=True)

    imputed: dict = {}
    for key in PREDICTION_SETTINGS:
        seeds_here = sorted(s for (k, s) in tables if k == key)[: (1 if quick else 3)]
        if not seeds_here:
            continue
        runs = []
        for seed in seeds_here:
            table = tables[(key, seed)]
            tr, te = _split(table[schema.label].to_numpy(), seed, 0.2)
            runs.append(_classifiers(table.iloc[tr], table.iloc[te], schema, seed, quick))
        imputed[key] = {"seeds": seeds_here, **_collect(runs)}
        print(f"[ehr] denoising-imputed {key} AUROC: " + ", ".join(
            f"{m} {imputed[key][m]['auroc']['mean']:.4f}" for m in ("logistic", "gbm", "acgan")), flush=True)
    res["breast_cancer_denoising_imputed"] = imputed

    df, schema = load_table("support2")
    y = df[schema.label].to_numpy()
    runs, imp_cpu = [], []
    for seed in ([0] if quick else SUPPORT2_SEEDS):
        tr, te = _split(y, seed, 0.3)
        kw = {"steps": 300, "hidden": 128} if quick else {}
        imp, c, _ = _timed(lambda: DenoisingImputer(schema=schema, seed=seed, threads=1, progress=False, **kw)
                           .fit(df.iloc[tr]))
        imp_cpu.append(c)
        train, test = imp.transform(df.iloc[tr]), imp.transform(df.iloc[te])
        runs.append(_classifiers(train, test, schema, seed, quick))
    n = len(runs)
    same = {k: _stats(v["auroc"]["per_seed"][:n]) for k, v in baselines["support2"]["results"].items()}
    res["support2"] = {"seeds": list(range(n)) if not quick else [0], "imputer_cpu_s_per_seed": _stats(imp_cpu),
                       "denoising": _collect(runs), "baselines_auroc_same_seeds": same}
    print("[ehr] support2 denoising+: " + ", ".join(
        f"{m} {v['auroc']['mean']:.4f}" for m, v in res["support2"]["denoising"].items()), flush=True)
    return res


def _pm(s: dict, digits: int = 4) -> str:
    return f"{s['mean']:.{digits}f} +- {s['std']:.{digits}f}"


def markdown(result: dict) -> str:
    """The neural sections of the ehr part of RESULTS.md."""
    neural = result.get("neural") or {}
    imp, pred = neural.get("imputation"), neural.get("prediction")
    if not imp:
        return ""
    lines = ["### Denoising-autoencoder imputer vs the baselines (same masks, same seeds)\n",
             "DenoisingImputer with its default settings (3,000 steps, 4 x 512 MLP + linear skip, 30% extra "
             "entries hidden per step, step chosen on 5% held-out observed entries), one thread. Baselines: the "
             "recorded run above restricted to the same seeds. Bold: the best of the row.\n"]
    methods = list(next(iter(imp.values()))["baselines_same_seeds"])
    lines.append("| setting | seeds | denoising | " + " | ".join(methods) + " | denoising CPU s/seed |")
    lines.append("|---" * (len(methods) + 4) + "|")
    for key, v in imp.items():
        cells = {"denoising": v["denoising"]["rmse"], **v["baselines_same_seeds"]}
        best = min(cells, key=lambda m: cells[m]["mean"])
        text = {m: (f"**{_pm(s)}**" if m == best else _pm(s)) for m, s in cells.items()}
        lines.append(f"| {key} | {len(v['seeds'])} | {text['denoising']} | "
                     + " | ".join(text[m] for m in methods) + f" | {v['denoising']['cpu_s_per_seed']['mean']:.0f} |")
    lines.append("\nDownstream AUROC of logistic regression on the denoising-imputed table (same splits as above): "
                 + ", ".join(f"{k} {_pm(v['denoising']['downstream_auroc_logistic'], 3)}" for k, v in imp.items())
                 + ".\n")
    if not pred:
        return "\n".join(lines) + "\n"
    lines.append("### AC-GAN disease prediction vs logistic regression and gradient boosting (same data, same splits)\n")
    lines.append("ACGANClassifier with its default settings (3,000 steps; the step with the lowest log-loss on a "
                 "stratified 20% validation split of the training part is kept). Held-out test part; mean +- std "
                 f"over seeds. Hwang et al. (autoencoder + AC-GAN): AUROC {HWANG_AUROC}, accuracy {HWANG_ACC}.\n")
    lines.append("| data | seeds | logistic AUROC | GBM AUROC | AC-GAN AUROC | AC-GAN accuracy | AC-GAN Brier | "
                 "AC-GAN CPU s/seed |")
    lines.append("|---" * 8 + "|")
    complete = pred["breast_cancer_complete"]
    rows = [("breast cancer, complete", complete, len(complete["logistic"]["auroc"]["per_seed"]))]
    rows += [(f"breast cancer, {k} denoising-imputed", v, len(v["seeds"]))
             for k, v in pred["breast_cancer_denoising_imputed"].items()]
    s2 = pred["support2"]
    rows.append(("support2 (native missing), denoising-imputed", s2["denoising"], len(s2["seeds"])))
    for name, v, n in rows:
        lines.append(f"| {name} | {n} | {_pm(v['logistic']['auroc'])} | {_pm(v['gbm']['auroc'])} | "
                     f"{_pm(v['acgan']['auroc'])} | {_pm(v['acgan']['accuracy'], 3)} | {_pm(v['acgan']['brier'], 3)} | "
                     f"{v['acgan']['cpu_s']['mean']:.0f} |")
    base = ", ".join(f"{k} {_pm(v)}" for k, v in s2["baselines_auroc_same_seeds"].items())
    lines.append(f"\nsupport2 baselines on the same seeds (AUROC): {base}; the DenoisingImputer fitted on the "
                 f"training part took {s2['imputer_cpu_s_per_seed']['mean']:.0f} CPU s/seed.\n")
    return "\n".join(lines) + "\n"


HWANG_AUROC, HWANG_ACC = 0.9889, 0.9777  # arXiv:1711.04126, autoencoder + AC-GAN
