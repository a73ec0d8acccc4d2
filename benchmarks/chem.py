"""Chemistry benchmark: filter throughput vs raw RDKit parsing, metric times at n=10k, and a
cross-check of every metric against MOSES' own code (molsets 0.3.1) on the same sets.

1. Throughput. The same mixed SMILES (MOSES test molecules, RDKit's NCI sample with its charged and
   metal-containing molecules, and corrupted strings) go through ``Chem.MolFromSmiles`` alone (the
   baseline, with RDKit's error log blocked as the filter blocks it) and through scigen's filters.
   Target: the validity filter at >= 90% of the raw parse rate. Best of 3 interleaved repeats.
2. Metric times: each metric of ``scigen.chem.metrics`` on n=10,000 generated-like molecules against
   a 10,000-molecule reference, from cold caches, in the order ``moses_metrics`` computes them.
3. Agreement with MOSES: molsets' ``get_all_metrics`` runs in a separate process, from the files of
   its wheel (``pip download molsets==0.3.1 --no-deps``; its code is run, not copied), with three
   compatibility shims for today's libraries (``DataFrame.append`` -> ``pd.concat``, ``np.NaN``,
   ``rdkit.six.iteritems``). Both sides get the same canonical reference and training sets.
   Target: every metric within 1e-3.
4. Generator quality (``quality``, in ``benchmarks/_chem_quality.py``): the character LSTM and the
   prototype VAE are trained one after the other (each alone, a torch thread per core) on 500,000
   molecules of the MOSES training split (from the molsets wheel; without it, the shipped 100,000),
   each for a fixed wall-time budget (27 and 20 min), then
   10,000 molecules are sampled at temperature 1 and scored with every MOSES metric (FCD at n=10k
   against the 10,000-molecule test subset) beside the MOSES anchors of the same model; drop counts
   of the RDKit filter, sampling molecules/s, validity/uniqueness/novelty at lower temperatures, the
   VAE's reconstruction; the fine-tuning shift (Gupta et al.: 12 epochs on 5 benzodiazepines from
   the shipped approved drugs; similarity of samples to them and to 3 held-out later
   benzodiazepines, before and after); prototype variations vs diversity; and a retrospective test
   (Harel & Radinsky) with approved drugs before 1980 as prototypes.
5. Variants of the prototype VAE (in ``benchmarks/_chem_variants.py``): the VAE of section 4, same
   data and budget, with one change, scored the same way plus the size of its molecules: trained on
   SELFIES (``vae_selfies``), with MOSES' KL weight (``vae_moses_kl``) and with two and four times
   the default's (``vae_kl0.1``, ``vae_kl0.2``). Every VAE's prior codes are also decoded greedily
   and by a beam of 5 (every MOSES metric again): an informative code keeps such samples distinct.
6. Syntax-constrained decoding (``constrained``): the runs of sections 4-5 sampled with and without
   the SMILES syntax mask (``scigen.chem.syntax``).

Sections (``python -m benchmarks chem:quality`` reruns one): throughput, metric_times, agreement,
quality, vae_selfies, vae_moses_kl, vae_kl0.1, vae_kl0.2, constrained.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

from benchmarks._chem_quality import _molsets_wheel, _quality_markdown, generator_quality, targets_summary_markdown
from benchmarks._chem_variants import SECTIONS as VAE_VARIANTS
from benchmarks._chem_variants import VARIANTS, constrained_markdown, variant_markdown


def _corrupt(smiles: list[str], n: int, rng: np.random.Generator) -> list[str]:
    """``n`` broken strings: a random character deleted or a ring digit / bracket inserted."""
    out = []
    for i in rng.integers(0, len(smiles), n):
        s = smiles[i]
        j = int(rng.integers(0, len(s)))
        out.append(s[:j] + s[j + 1:] if rng.random() < 0.5 else s[:j] + str(rng.choice(list("1(=[#"))) + s[j:])
    return out


def _inputs(n_moses: int, seed: int = 0) -> list[str]:
    from scigen.chem.data import load_moses, nci_first_5k

    rng = np.random.default_rng(seed)
    moses = list(load_moses("test", n_moses))
    nci = list(nci_first_5k().smiles)
    mixed = moses + nci + _corrupt(moses, len(moses) // 10, rng)
    return [mixed[i] for i in rng.permutation(len(mixed))]


def throughput(smiles: list[str], repeats: int = 3) -> dict:
    from rdkit import Chem

    from scigen.chem.filters import MoleculeFilter, moses_filter, validity_filter
    from scigen.chem.mol import quiet

    def raw():
        with quiet():
            return sum(Chem.MolFromSmiles(s) is not None for s in smiles)

    runs = {
        "raw MolFromSmiles": raw,
        "validity filter": lambda: validity_filter()(smiles).n_kept,
        "validity filter, no diagnosis": lambda: validity_filter(diagnose=False)(smiles).n_kept,
        "valid + canonical + dedupe": lambda: MoleculeFilter()(smiles).n_kept,
    }
    best = {k: float("inf") for k in runs}
    kept = {}
    for _ in range(repeats):
        for name, fn in runs.items():
            t = time.perf_counter()
            kept[name] = fn()
            best[name] = min(best[name], time.perf_counter() - t)
    sub = smiles[: max(1, len(smiles) // 5)]  # the alert filters are slow: time them once on a fifth
    t = time.perf_counter()
    mres = moses_filter()(sub)
    t_moses = time.perf_counter() - t
    raw_rate = len(smiles) / best["raw MolFromSmiles"]
    rows = {name: {"per_s": len(smiles) / dt, "ratio_to_raw": len(smiles) / dt / raw_rate, "kept": kept[name]}
            for name, dt in best.items()}
    rows["MOSES filters (alerts)"] = {"per_s": len(sub) / t_moses, "ratio_to_raw": len(sub) / t_moses / raw_rate,
                                      "kept": mres.n_kept, "n": len(sub)}
    vres = validity_filter()(smiles)
    return {"n": len(smiles), "n_valid": vres.n_kept, "dropped": dict(vres.dropped), "rates": rows,
            "moses_filter_drops": dict(mres.dropped)}


def metric_times(gen: list[str], ref: list[str], train: list[str], with_fcd: bool) -> dict:
    from scigen.chem import fcd as fcdmod
    from scigen.chem import metrics as M
    from scigen.chem.features import MoleculeSet, clear_caches

    clear_caches()
    fcdmod._CACHE.clear()
    times, values = {}, {}

    def timed(name, fn):
        t = time.perf_counter()
        values[name] = fn()
        times[name] = time.perf_counter() - t

    timed("parse + canonicalise generated", lambda: len(MoleculeSet(gen)))
    g = MoleculeSet(gen)
    timed("parse + canonicalise reference", lambda: len(MoleculeSet(ref)))
    r = MoleculeSet(ref)
    timed("valid", lambda: M.validity(g))
    timed(f"unique@{min(10000, g.n_valid)}", lambda: M.uniqueness(g, min(10000, g.n_valid)))
    timed("canonicalise train", lambda: len(M.canonical_set(train)))
    timed("Novelty", lambda: M.novelty(g, train))
    timed("IntDiv", lambda: M.internal_diversity(g, 1))
    timed("IntDiv2", lambda: M.internal_diversity(g, 2))
    timed("SNN/Test", lambda: M.snn(g, r))
    timed("Frag/Test", lambda: M.fragment_similarity(g, r))
    timed("Scaf/Test", lambda: M.scaffold_similarity(g, r))
    timed("Filters", lambda: M.filters_pass(g))
    timed("properties of both sets (logP, SA, QED, weight)", lambda: len(g.property("QED")) + len(r.property("QED")))
    for name in ("logP", "SA", "QED", "weight"):
        timed(name, lambda name=name: M.property_distance(g, r, name))
    if with_fcd:
        timed("FCD/Test", lambda: M.fcd(g, r))
    return {"seconds": times, "values": values, "n_gen": len(gen), "n_ref": len(ref), "n_train": len(train)}


# ---- MOSES' own code, run apart ---------------------------------------------------------------
_MOSES_RUNNER = r"""
import json, sys, types, warnings
warnings.simplefilter("ignore")
import numpy as np, pandas as pd
if not hasattr(np, "NaN"):
    np.NaN = np.nan
if not hasattr(pd.DataFrame, "append"):
    pd.DataFrame.append = lambda self, other, sort=False: pd.concat([self, other], sort=sort)
six = types.ModuleType("rdkit.six"); six.iteritems = lambda d: iter(d.items()); sys.modules["rdkit.six"] = six
import torch; torch.set_num_threads(1)
sys.path.insert(0, sys.argv[1])
from moses.metrics import get_all_metrics
d = json.load(open(sys.argv[2]))
m = get_all_metrics(d["gen"], k=d["k"], n_jobs=1, device="cpu", test=d["test"], test_scaffolds=d["test_scaffolds"],
                    train=d["train"])
json.dump({k: float(v) for k, v in m.items()}, open(sys.argv[3], "w"))
"""


def moses_reference(gen, test, test_scaffolds, train, k) -> tuple[dict | None, str]:
    """molsets' get_all_metrics on the same sets, in a subprocess; (metrics, note)."""
    wheel = _molsets_wheel()
    if wheel is None:
        return None, "molsets wheel unavailable (pip download failed): cross-check skipped"
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(wheel) as zf:
            names = [n for n in zf.namelist() if n.startswith("moses/metrics/") or n == "moses/utils.py"]
            zf.extractall(tmp, members=names)
        pkg = Path(tmp) / "moses"
        (pkg / "__init__.py").write_text("")
        (pkg / "dataset").mkdir()
        (pkg / "dataset" / "__init__.py").write_text(
            "def get_dataset(split):\n    raise RuntimeError('cross-check passes every set explicitly')\n"
            "get_statistics = get_dataset\n")
        inp, out = Path(tmp) / "in.json", Path(tmp) / "out.json"
        inp.write_text(json.dumps({"gen": gen, "test": test, "test_scaffolds": test_scaffolds, "train": train,
                                   "k": list(k)}))
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        r = subprocess.run([sys.executable, "-c", _MOSES_RUNNER, tmp, str(inp), str(out)], capture_output=True,
                           text=True, env=env)
        if r.returncode != 0:
            return None, f"molsets run failed: {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else r.returncode}"
        return json.loads(out.read_text()), f"molsets 0.3.1 from {wheel.name}"


def agreement(gen, test, test_scaffolds, train, k, with_fcd: bool) -> dict:
    from scigen.chem.features import clear_caches
    from scigen.chem.metrics import moses_metrics
    from scigen.chem.mol import canonicalize

    # same canonical references on both sides (MOSES would use the strings as written)
    test_c = [s for s in canonicalize(test) if s]
    sf_c = [s for s in canonicalize(test_scaffolds) if s]
    train_c = [s for s in canonicalize(train) if s]
    clear_caches()
    t = time.perf_counter()
    ours = moses_metrics(gen, test=test_c, test_scaffolds=sf_c, train=train_c, k=k, with_fcd=with_fcd)
    t_ours = time.perf_counter() - t
    t = time.perf_counter()
    ref, note = moses_reference(gen, test_c, sf_c, train_c, k)
    t_ref = time.perf_counter() - t
    rows = {}
    for key, v in ours.items():
        rv = None if ref is None else ref.get(key)
        rows[key] = {"scigen": v, "moses": rv, "abs_diff": None if rv is None else abs(v - rv)}
    diffs = [r["abs_diff"] for r in rows.values() if r["abs_diff"] is not None]
    return {"n_gen": len(gen), "n_test": len(test_c), "n_train": len(train_c), "metrics": rows, "note": note,
            "max_abs_diff": max(diffs) if diffs else None, "seconds_scigen": t_ours, "seconds_moses": t_ref}


def _generated_like(n: int, seed: int = 1) -> list[str]:
    """A stand-in generated set of ``n`` strings: MOSES scaffold-test molecules (86%), NCI molecules
    (charged, metals, large rings, alerts: 5%), repeats (4%), corrupted strings (3%) and training
    molecules rewritten as random (non-canonical) SMILES (2%, not novel)."""
    from rdkit import Chem

    from scigen.chem.data import load_moses, nci_first_5k

    rng = np.random.default_rng(seed)
    n_nci, n_dup, n_bad, n_train = n // 20, n // 25, 3 * n // 100, n // 50
    base = list(load_moses("test_scaffolds", n - n_nci - n_dup - n_bad - n_train))
    nci = list(rng.choice(nci_first_5k().smiles, n_nci, replace=False))
    dups = list(rng.choice(base, n_dup))
    bad = _corrupt(base, n_bad, rng)
    train = [Chem.MolToSmiles(Chem.MolFromSmiles(s), doRandom=True) for s in load_moses("train", n_train)]
    gen = base + nci + dups + bad + train
    return [str(gen[i]) for i in rng.permutation(len(gen))]


@functools.lru_cache(maxsize=2)
def _metric_inputs(quick: bool) -> tuple:
    """(generated stand-in, test, scaffold test, train) SMILES and whether FCD runs, for the metric sections."""
    import torch

    from scigen.chem import fcd as fcdmod
    from scigen.chem.data import load_moses

    torch.set_num_threads(1)
    n = 1000 if quick else 10_000
    return (_generated_like(n), list(load_moses("test", n)), list(load_moses("test_scaffolds", n)),
            list(load_moses("train", 10_000 if quick else 100_000)), fcdmod.available())


def _agreement_section(quick: bool) -> dict:
    gen, test, test_sf, train, with_fcd = _metric_inputs(quick)
    out = agreement(gen, test, test_sf, train, k=(1000,) if quick else (1000, 10000), with_fcd=with_fcd)
    out["fcd"] = "fcd_torch installed" if with_fcd else "fcd_torch not installed: FCD skipped"
    return out


def _metric_times_section(quick: bool) -> dict:
    gen, test, _, train, with_fcd = _metric_inputs(quick)
    return metric_times(gen, test, train, with_fcd)


# ``python -m benchmarks chem:quality`` reruns one section (see benchmarks/__main__.py); one torch thread
SECTIONS = {
    "throughput": lambda quick: throughput(_inputs(2000 if quick else 10_000), repeats=1 if quick else 3),  # RDKit only
    "metric_times": _metric_times_section,
    "agreement": _agreement_section,
    "quality": generator_quality,
    **VAE_VARIANTS,  # vae_selfies, vae_moses_kl, vae_kl0.1, vae_kl0.2, constrained
}


def markdown(result: dict) -> str:
    tp = result["throughput"]
    lines = ["## chem", "",
             f"### Filter throughput ({tp['n']} SMILES: MOSES test, NCI, corrupted; {tp['n_valid']} valid)", "",
             "| pipeline | molecules/s | vs raw parse | kept |", "|---|---|---|---|"]
    for name, r in tp["rates"].items():
        lines.append(f"| {name} | {r['per_s']:,.0f} | {r['ratio_to_raw']:.3f} | {r['kept']} |")
    ok = tp["rates"]["validity filter"]["ratio_to_raw"] >= 0.9
    lines += ["", f"Target: validity filter >= 0.90 of the raw RDKit parse rate: "
              f"{'met' if ok else 'NOT met'}. Drops: {tp['dropped']}. The validity filter parses without "
              "sanitising and then sanitises with errors caught (the same verdict as MolFromSmiles on 457,644 "
              "strings, and the reason for free); it skips the explicit-H removal and stereo perception of a "
              "full parse, hence faster than the baseline. Canonical output needs the full parse.", ""]
    mt = result["metric_times"]
    lines += [f"### Metric times (n_gen={mt['n_gen']}, n_ref={mt['n_ref']}, n_train={mt['n_train']}, "
              "one thread, cold caches)", "", "| step | seconds | value |", "|---|---|---|"]
    for name, s in mt["seconds"].items():
        v = mt["values"].get(name)
        lines.append(f"| {name} | {s:.2f} | {v:.4f} |" if isinstance(v, float) else f"| {name} | {s:.2f} | {v} |")
    ag = result["agreement"]
    lines += ["", f"### Agreement with MOSES' code (n_gen={ag['n_gen']}, n_test={ag['n_test']}, "
              f"n_train={ag['n_train']}; {ag['note']})", "",
              "| metric | scigen | MOSES | abs diff |", "|---|---|---|---|"]
    for key, r in ag["metrics"].items():
        m = "n/a" if r["moses"] is None else f"{r['moses']:.4f}"
        d = "n/a" if r["abs_diff"] is None else f"{r['abs_diff']:.1e}"
        lines.append(f"| {key} | {r['scigen']:.4f} | {m} | {d} |")
    if ag["max_abs_diff"] is not None:
        verdict = "met" if ag["max_abs_diff"] <= 1e-3 else "NOT met"
        lines += ["", f"Largest difference {ag['max_abs_diff']:.1e} (target <= 1e-3: {verdict}); all metrics "
                  f"in {ag['seconds_scigen']:.0f} s (scigen) vs {ag['seconds_moses']:.0f} s (MOSES' code)."]
    lines += ["", f"FCD: {ag['fcd']}. MOSES' published figures use its full 176k test set: SNN, Scaf and FCD "
              "depend on set sizes, compare at equal n."]
    generators = {**({"LSTM": result["quality"]["lstm"], "VAE, KL weight 0.05 (default)": result["quality"]["vae"]}
                     if "quality" in result else {}),
                  **{VARIANTS[tag]["title"].replace("Prototype VAE", "VAE"): result[tag] for tag in VARIANTS
                     if tag in result}}
    if generators:
        lines += targets_summary_markdown(generators)
    if "quality" in result:
        fcd_real = result["agreement"]["metrics"].get("FCD/Test", {}).get("scigen")
        lines += _quality_markdown(result["quality"], fcd_real)
    for tag in VARIANTS:
        if tag in result:
            lines += variant_markdown(tag, result[tag], result.get("quality", {}).get("vae"))
    if "constrained" in result:
        lines += constrained_markdown(result["constrained"])
    return "\n".join(lines) + "\n"
