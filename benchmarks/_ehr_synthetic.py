"""The ``synthetic`` section of ``benchmarks/ehr.py``: how faithful, useful and private the AC-GAN's
synthetic records are, beside three reference generators fitted to the same training records.

For each table (breast cancer, complete; support2, natively missing) and seed, a stratified 70/30
split; support2's two parts are completed by a DenoisingImputer fitted on the training part, so every
generator and every comparison works on complete records (the AC-GAN models the completed table, not
the missingness). Generators, each asked for as many records as the training part holds:

* AC-GAN: :class:`scigen.ehr.ACGANClassifier` with its default settings, classes drawn with the
  training frequencies;
* Gaussian copula and independent columns: :func:`scigen.ehr.baselines.baseline_records`, fitted
  within each class;
* training records copied: the memoriser, whose fidelity is the real-vs-real floor (the training
  part against the test part) and which the privacy check must fail.

Scores, all against the real test part, which no generator saw: mean standardised Wasserstein
distance and largest Kolmogorov-Smirnov statistic of the numeric columns, mean total variation of
the categorical ones, mean absolute difference of the encoded correlation matrices, the classifier
two-sample AUROC (real test records against as many synthetic ones, features and class; 0.5 =
indistinguishable), TSTR AUROC over TRTR (logistic regression), and the distance-to-closest-record
privacy check against the training part.
"""

from __future__ import annotations

import time

import numpy as np

TABLES = ("breast_cancer", "support2")
GENERATOR_NAMES = ("AC-GAN", "Gaussian copula", "independent columns", "training records copied")


def _fidelity(train, test, fake, schema, seed: int) -> dict:
    from scigen.ehr.encoding import TableEncoder
    from scigen.ehr.synthetic import correlation_difference, marginal_distances, privacy_check, tstr
    from scigen.validate.twosample import classifier_test

    md = marginal_distances(test, fake, schema)
    numeric, other = md[md["kind"] == "numeric"], md[md["kind"] != "numeric"]
    enc = TableEncoder(schema).fit(train)

    def encoded(df):  # features and class code: the records as a whole
        return np.column_stack([enc.transform(df).values, enc.encode_labels(df)])

    picked = fake.sample(n=min(len(fake), len(test)), random_state=seed)
    detect = classifier_test(encoded(test), encoded(picked), seed=seed)
    useful = tstr(train, test, fake, schema, model="logistic", seed=seed, n_boot=0)
    private = privacy_check(train, fake, test, schema)
    return {"wasserstein_mean": float(numeric["wasserstein"].mean()) if len(numeric) else None,
            "ks_max": float(numeric["ks"].max()) if len(numeric) else None,
            "tv_mean": float(other["tv"].mean()) if len(other) else None,
            "correlation_mean_abs": correlation_difference(test, fake, schema)["mean_abs"],
            "detection_auroc": float(detect["auroc"]), "tstr_auroc": useful["tstr"]["auroc"]["value"],
            "trtr_auroc": useful["trtr"]["auroc"]["value"], "tstr_ratio": useful["auroc_ratio"],
            "privacy_passed": bool(private["passed"]), "close_fraction": private["close_fraction"],
            "identical": private["n_identical"]}


def _generators(train, schema, seed: int, quick: bool) -> dict:
    """name -> (synthetic records, CPU seconds to fit and draw them)."""
    from scigen.ehr.baselines import baseline_records
    from scigen.ehr.classifier import ACGANClassifier

    n, out = len(train), {}
    for name in GENERATOR_NAMES:
        c0 = time.process_time()
        if name == "AC-GAN":
            kw = {"steps": 300} if quick else {}
            clf = ACGANClassifier(schema=schema, seed=seed, imputer=None, threads=1, progress=False, **kw).fit(train)
            fake = clf.generate(n, seed=seed)
        elif name == "training records copied":
            fake = train.copy()
        else:
            fake = baseline_records(train, n, "copula" if name == "Gaussian copula" else "independent",
                                    schema=schema, seed=seed)
        out[name] = (fake, time.process_time() - c0)
    return out


def synthetic_records(quick: bool) -> dict:
    from threadpoolctl import threadpool_limits

    from benchmarks.ehr import _split, _stats
    from scigen.ehr.datasets import load_table
    from scigen.ehr.imputer import DenoisingImputer

    result: dict = {"seeds": [0] if quick else [0, 1, 2], "tables": {}}
    with threadpool_limits(1):
        for table in TABLES:
            df, schema = load_table(table)
            y = df[schema.label].to_numpy()
            per_seed: dict = {name: [] for name in GENERATOR_NAMES}
            for seed in result["seeds"]:
                tr, te = _split(y, seed, 0.3)
                train, test = df.iloc[tr].reset_index(drop=True), df.iloc[te].reset_index(drop=True)
                if train[schema.feature_names].isna().any().any():
                    imp = DenoisingImputer(schema=schema, seed=seed, threads=1, progress=False,
                                           **({"steps": 300} if quick else {})).fit(train)
                    train, test = imp.transform(train), imp.transform(test)
                for name, (fake, cpu_s) in _generators(train, schema, seed, quick).items():
                    per_seed[name].append({**_fidelity(train, test, fake, schema, seed), "cpu_s": cpu_s})
                print(f"[ehr] synthetic records, {table} seed {seed}: detection AUROC " + ", ".join(
                    f"{k} {v[-1]['detection_auroc']:.3f}" for k, v in per_seed.items()), flush=True)
            result["tables"][table] = {
                "n": len(df), "n_train": len(tr), "n_test": len(te), "imputed": bool(df[schema.feature_names].isna().any().any()),
                "generators": {name: {k: (_stats([r[k] for r in runs]) if not isinstance(runs[0][k], (bool, type(None)))
                                          else [r[k] for r in runs]) for k in runs[0]}
                               for name, runs in per_seed.items()}}
    return result


def synthetic_markdown(r: dict) -> list[str]:
    def pm(s, digits=3):
        return "n/a" if s is None or isinstance(s, list) else f"{s['mean']:.{digits}f} +- {s['std']:.{digits}f}"

    lines = ["", "### Synthetic records: the AC-GAN beside a Gaussian copula, independent columns and a copy of the "
             "training records", "",
             f"Stratified 70/30 split per seed (seeds {', '.join(map(str, r['seeds']))}); each generator fitted on the "
             "training part and asked for as many records; every score against the real test part (see "
             "`benchmarks/_ehr_synthetic.py`). Marginals: mean standardised Wasserstein distance and largest KS "
             "statistic of the numeric columns, mean total variation of the categorical ones. Detection: classifier "
             "two-sample AUROC, real test records against as many synthetic ones (0.5 = indistinguishable). TSTR / "
             "TRTR: logistic regression trained on the synthetic / the real training records, AUROC on the real "
             "test part. Privacy: distance-to-closest-record check against the training part (passed in how many "
             "seeds). Mean +- std over seeds."]
    for table, t in r["tables"].items():
        note = (" Both parts completed by a DenoisingImputer fitted on the training part." if t["imputed"] else "")
        lines += ["", f"{table} ({t['n']:,} records: {t['n_train']:,} training, {t['n_test']:,} test).{note}", "",
                  "| generator | Wasserstein | KS max | TV | correlation diff | detection AUROC | TSTR / TRTR AUROC | "
                  "privacy passed | CPU s |", "|---|---|---|---|---|---|---|---|---|"]
        for name, g in t["generators"].items():
            passed = g["privacy_passed"]
            lines.append(f"| {name} | {pm(g['wasserstein_mean'])} | {pm(g['ks_max'])} | {pm(g['tv_mean'])} | "
                         f"{pm(g['correlation_mean_abs'])} | {pm(g['detection_auroc'])} | "
                         f"{g['tstr_auroc']['mean']:.3f} / {g['trtr_auroc']['mean']:.3f} | "
                         f"{sum(passed)} of {len(passed)} | {g['cpu_s']['mean']:.0f} |")
    return lines
