"""GPU budget: scigen's generators trained on a lent GPU, measured against the papers' GPU anchors.

The training happens on the GPU machine (``benchmarks/_gpu_train.py``: its docstring has the three
steps); these sections measure what came back, unpacked into ``runs/benchmarks/gpu`` (or
``SCIGEN_GPU_RUNS``). Run only on request, naming the sections of the runs there (a section whose run is
absent stops with a message naming the ones present):

- ``chem_<run>`` (``chem_lstm``, ``chem_vae``, ``chem_vae_kl10``, ``chem_vae_kl20``): one GPU-trained
  character LSTM or prototype VAE, scored here exactly as the CPU section scores its models (10k
  samples at temperature 1, every MOSES metric against the 176k-molecule test set at n = 10k, novelty
  against the 1.58M molecules they trained on), with the VAEs' prior codes also decoded greedily and by
  beam, their reconstruction and prototype sweeps, and the LSTM's fine-tuning shift. One section per
  run, so runs brought back by different leases keep each other's records: name the sections of the
  runs that came back (``python -m benchmarks gpu:chem_vae_kl10,cosmogan_matched``).
- ``cosmogan``: the paper's width-64 cosmoGAN, generated and validated on the GPU machine by the
  CPU section's own code; this section reads its record. ``cosmogan_matched`` likewise, for the
  statistic-matched job.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from benchmarks._astro_cosmogan import cosmogan_markdown
from benchmarks._chem_quality import MOSES_ANCHORS, prior_decoding_markdown

GPU_RUNS = Path(os.environ.get("SCIGEN_GPU_RUNS", Path(__file__).resolve().parents[1] / "runs" / "benchmarks" / "gpu"))
CHEM_TAGS = ("lstm", "vae", "vae_kl10", "vae_kl20")


def _runs() -> Path:
    if not (GPU_RUNS / "manifest.json").is_file():
        raise SystemExit(f"{GPU_RUNS}: no GPU runs here. Train them on a GPU machine and unpack them first "
                         "(python -m benchmarks._gpu_train --help), or set SCIGEN_GPU_RUNS")
    return GPU_RUNS


def _full_train_set() -> list[str]:
    from benchmarks._chem_quality import _molsets_wheel
    from scigen.chem.data import read_molsets_wheel

    wheel = _molsets_wheel()
    if wheel is None:
        raise SystemExit("novelty needs the 1.58M training molecules: pip download molsets==0.3.1 --no-deps")
    return list(read_molsets_wheel(wheel, "train"))


def _chem_model(tag: str):
    """The section scoring one GPU-trained chem run (``tag``, as ``_gpu_train.CHEM_JOBS`` names it), so
    runs brought back by different leases keep each other's records (one section per run)."""

    def section(quick: bool) -> dict:
        import shutil
        import time

        from benchmarks._chem_quality import _fine_tune_shift, _prototype_section, _score
        from scigen.chem.data import load_moses
        from scigen.engine import load_model

        runs = _runs()
        if not (runs / tag / "latest").is_file():
            raise SystemExit(f"{runs / tag}: no run '{tag}' was brought back from the GPU; sections for the runs "
                             f"there: {', '.join(sorted('chem_' + p.parent.name for p in runs.glob('*/latest')))}")
        n = 1000 if quick else 10_000
        train = _full_train_set()
        test, test_sf = list(load_moses("test", n)), list(load_moses("test_scaffolds", n))
        t0 = time.perf_counter()
        entry = {"n_sample": n, "n_train": len(train), "train": json.loads((runs / f"{tag}.json").read_text()),
                 **_score(load_model(runs / tag), n, test, test_sf, train)}
        if tag == "lstm":
            ft = runs.parent / (runs.name + "-lstm-ft")
            entry["fine_tune"] = _fine_tune_shift(runs / "lstm", ft, 200 if quick else 1000)
            shutil.rmtree(ft, ignore_errors=True)
        else:
            entry["prototypes"] = _prototype_section(runs / tag, quick)
        entry["score_s"] = time.perf_counter() - t0
        print(f"gpu chem: scored {tag} in {entry['score_s']:.0f} s", flush=True)
        return entry

    return section


def _cosmogan_record(tag: str):
    """The section reading a cosmoGAN job's record, which the GPU machine generated and validated."""
    return lambda quick: json.loads((_runs() / f"{tag}.json").read_text())


SECTIONS = {**{f"chem_{tag}": _chem_model(tag) for tag in CHEM_TAGS}, "cosmogan": _cosmogan_record("cosmogan"),
            "cosmogan_matched": _cosmogan_record("cosmogan_matched")}


def _chem_markdown(models: dict) -> list[str]:
    """``models``: tag -> its ``chem_<tag>`` section."""
    def f(v, digits=3):
        return "n/a" if v is None else (f"{v:.{digits}f}" if isinstance(v, float) else str(v))

    first = next(iter(models.values()))
    lines = ["", f"### Chemistry generators trained on the GPU ({first['n_sample']:,} samples at temperature 1, "
             f"scored here; novelty against the {first['n_train']:,} training molecules)", ""]
    for tag, m in models.items():
        t, size = m["train"], m["train"]["size"]
        shape = (f"{size['layers']} x {size['hidden']} LSTM" if tag == "lstm"
                 else f"decoder {size['layers']} x {size['hidden']}, latent {size['latent_dim']}, "
                      f"KL weight {size['kl_weight']}")
        lines.append(f"- `{tag}` ({shape}; {t['parameters'] / 1e6:.1f}M parameters): {t['steps']:,} steps of batch "
                     f"{t['batch_size']} ({t['epochs']:.1f} epochs) in {t['seconds'] / 60:.1f} min on "
                     f"{t.get('gpu') or '?'}, {t['precision']}, {t['steps_per_s']:.0f} steps/s with the other runs "
                     f"beside it on the one GPU; final loss {t['final'].get('loss', float('nan')):.3f}"
                     + (f", KL {t['final']['kl']:.1f} nats" if "kl" in t["final"] else "") + ".")
    lines += ["", "| metric | " + " | ".join(f"`{t}`" for t in models) + " | MOSES CharRNN | MOSES VAE |",
              "|---|" + "---|" * (len(models) + 2)]
    keys = list(dict.fromkeys(k for m in models.values() for k in m["metrics"]))
    for key in keys:
        cells = [f(m["metrics"].get(key), 4) for m in models.values()]
        lines.append(f"| {key} | " + " | ".join(cells) + f" | {f(MOSES_ANCHORS['chem.char_lstm'].get(key), 4)} | "
                     f"{f(MOSES_ANCHORS['chem.prototype_vae'].get(key), 4)} |")
    for tag, m in models.items():
        temps = "; ".join(f"T={t}: valid {f(v['valid'])}, novelty {f(v['Novelty'])}"
                          for t, v in m["temperatures"].items())
        line = f"- `{tag}`: sampling {m['sampling_per_s']:,.0f} molecules/s on this CPU; {temps}."
        if "prototypes" in m:
            rc, rt = m["prototypes"]["reconstruction"], m["prototypes"]["retrospective"]
            line += (f" Reconstruction of {rc['n']} test molecules (greedy, posterior mean): exact {f(rc['exact'])}, "
                     f"valid {f(rc['validity'])}, mean similarity {f(rc['similarity'])}. Retrospective: "
                     f"{len(rt['recovered'])} of {rt['later_drugs']} later drugs from {rt['prototypes']} prototypes.")
        if "fine_tune" in m:
            ft = m["fine_tune"]
            line += (f" Fine-tuning on 5 benzodiazepines: similarity to them {f(ft['before']['mean_max_similarity'])}"
                     f" -> {f(ft['after']['mean_max_similarity'])}, to 3 held-out ones "
                     f"{f(ft['held_out_similarity']['before']['mean_max_similarity'])} -> "
                     f"{f(ft['held_out_similarity']['after']['mean_max_similarity'])}.")
        lines.append(line)
    for tag, m in models.items():
        lines += prior_decoding_markdown(f"`{tag}`", m)
    lines += ["", "FCD/SNN/Scaf use a 10k test subset here and MOSES' full 176k set in the anchors; MOSES trained "
              "its models for 80-100 epochs."]
    return lines


def markdown(result: dict) -> str:
    lines = ["## GPU budget", "",
             "Trained on a lent GPU by `benchmarks/_gpu_train.py` within minutes, scored on the machine named "
             "below (chem) or on the GPU machine itself (cosmoGAN)."]
    models = {key[len("chem_"):]: result[key] for key in SECTIONS if key.startswith("chem_") and key in result}
    if models:
        lines += _chem_markdown(models)
    for key, what in (("cosmogan", "cosmoGAN"), ("cosmogan_matched", "cosmoGAN with statistic matching")):
        if key in result:
            c = result[key]
            lines += cosmogan_markdown(c, f"{what}, width {c['width']}, on {c.get('gpu') or 'a GPU'}")
    return "\n".join(lines) + "\n"
