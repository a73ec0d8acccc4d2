"""Run benchmarks and refresh RESULTS.md: ``python -m benchmarks [name[:section,...] ...] [--quick] [--list]``.

A benchmark module defines ``run(quick) -> dict`` and ``markdown(result) -> str``, or, when it has
parts worth rerunning alone, ``SECTIONS = {key: fn(quick) -> value}`` and ``markdown``: its result
is then ``{key: value}`` for every section plus ``measured`` ({key: {"date", "wall_s"}}).
``python -m benchmarks astro:cosmogan`` runs only that section and carries every other one over
from the recorded result, each keeping the date of the run that measured it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS_DIR = HERE / "results"
RESULTS_MD = HERE / "RESULTS.md"


ON_REQUEST = {"gpu"}  # run only when named: it measures runs trained on a lent GPU machine


def available() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.py") if not p.stem.startswith("_"))


def machine() -> dict:
    import torch

    cpu = platform.processor() or platform.machine()
    simd: list[str] = []
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and cpu == (platform.processor() or platform.machine()):
                cpu = line.split(":", 1)[1].strip()
            elif line.startswith("flags") and not simd:
                # what decides CPU speed of low-precision math (bf16 autocast is fast only with avx512_bf16/amx)
                simd = [f for f in line.split(":", 1)[1].split() if f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16")]
    except OSError:
        pass
    return {
        "cpu": cpu,
        "simd": simd,
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "date": _now(),
    }


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def parse_target(text: str) -> tuple[str, list[str] | None]:
    """``"astro:cosmogan,speed"`` -> ("astro", ["cosmogan", "speed"]); ``"astro"`` -> ("astro", None)."""
    name, _, sections = text.partition(":")
    return name, [s.strip() for s in sections.split(",") if s.strip()] or None


def recorded_path(name: str, quick: bool) -> Path:
    """Where a benchmark's result is kept (quick runs apart: they never replace the full results)."""
    return RESULTS_DIR / "quick" / f"{name}.json" if quick else RESULTS_DIR / f"{name}.json"


def run_benchmark(module, name: str, quick: bool, chosen: list[str] | None = None) -> dict:
    """The result of one benchmark: ``module.run``, or its ``SECTIONS`` (all, or ``chosen`` with the
    others carried over from the recorded result, see the module docstring)."""
    return merge_recorded(module, name, quick, run_sections(module, name, quick, chosen))


def run_sections(module, name: str, quick: bool, chosen: list[str] | None = None) -> dict:
    """Run ``module.run`` (returned as is), or the ``chosen`` sections (all by default): then
    ``{key: value, ..., "_measured": {key: {"date", "wall_s"}}}``."""
    sections = getattr(module, "SECTIONS", None)
    if sections is None:
        if chosen:
            raise SystemExit(f"benchmark '{name}' has no sections: run it whole (python -m benchmarks {name})")
        return module.run(quick=quick)
    chosen = chosen or list(sections)
    unknown = sorted(set(chosen) - set(sections))
    if unknown:
        raise SystemExit(f"benchmark '{name}': unknown section(s) {unknown}; sections: {list(sections)}")
    out: dict = {"_measured": {}}
    for key in [k for k in sections if k in chosen]:
        print(f"== {name}:{key}", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        out[key] = sections[key](quick)
        out["_measured"][key] = {"date": _now(), "wall_s": round(time.perf_counter() - t0, 1)}
    return out


def merge_recorded(module, name: str, quick: bool, ran: dict) -> dict:
    """The sections just run (``ran`` from :func:`run_sections`) with every other one carried over
    from the result recorded NOW, so two partial runs of one benchmark that overlap in time keep
    each other's sections (call it under :func:`results_lock` together with the write). A
    benchmark without sections (``module.run``'s result) is returned as it is."""
    if "_measured" not in ran:
        return ran
    sections, fresh_dates = module.SECTIONS, ran.pop("_measured")
    path = recorded_path(name, quick)
    partial = set(fresh_dates) != set(sections)
    previous = json.loads(path.read_text()) if partial and path.is_file() else {}
    measured = dict(previous.get("measured") or {})
    out: dict = {}
    for key in sections:
        if key in fresh_dates:
            out[key], measured[key] = ran[key], fresh_dates[key]
        elif key in previous:
            out[key] = previous[key]
            measured.setdefault(key, {"date": (previous.get("machine") or {}).get("date")})
    out["measured"] = {k: measured[k] for k in sections if k in measured}
    return out


@contextlib.contextmanager
def results_lock():
    """Exclusive lock on ``RESULTS_DIR`` (flock on the folder itself) for read-merge-write steps."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    fd = os.open(RESULTS_DIR, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def printable(module, result: dict) -> str:
    """The module's markdown of ``result``, or, when sections its markdown needs were never measured
    (a first ``--quick`` run of one section), a line naming them: the JSON holds what was measured."""
    try:
        return module.markdown(result)
    except KeyError:
        missing = [k for k in getattr(module, "SECTIONS", {}) if k not in result]
        if not missing:
            raise
        return (f"(no markdown: sections {missing} have no recorded result here; run them once, or read "
                "the JSON)")


def section_dates(result: dict) -> str:
    """A line naming when each section was measured, when they were not all measured in one run."""
    measured = result.get("measured") or {}
    days = {str(v.get("date"))[:16] for v in measured.values()}
    if len(days) <= 1:
        return ""
    return "_Sections measured: " + ", ".join(f"{k} {str(v.get('date'))[:16].replace('T', ' ')}"
                                                for k, v in measured.items()) + " (UTC)._\n"


def rebuild_markdown() -> Path:
    from scigen.io.atomic import write_text_atomic

    parts = [
        "# Benchmark results\n",
        "Made by `python -m benchmarks` (`make bench`) from `benchmarks/results/*.json`; do not edit by "
        "hand. Speed figures are ratios against a baseline measured in the same run on the same machine.\n",
    ]
    for path in sorted(RESULTS_DIR.glob("*.json")):
        result = json.loads(path.read_text())
        module = importlib.import_module(f"benchmarks.{path.stem}")
        m = result.get("machine", {})
        parts.append(module.markdown(result).rstrip() + "\n")
        dates = section_dates(result)
        if dates:
            parts.append(dates)
        parts.append(
            f"_Run {m.get('date', '?')} on {m.get('cpu', '?')} ({m.get('cores', '?')} cores"
            f"{', ' + ' '.join(m['simd']) if m.get('simd') else ''}, "
            f"{m.get('torch_threads', '?')} torch threads, GPU: {m.get('gpu') or 'none'}), "
            f"torch {m.get('torch', '?')}{', quick settings' if result.get('quick') else ''}._\n"
        )
    return write_text_atomic(RESULTS_MD, "\n".join(parts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all: {', '.join(available())}); "
                        "name:section,... runs only those sections of it")
    parser.add_argument("--quick", action="store_true", help="small settings, to check the scripts run (results go to benchmarks/results/quick/, RESULTS.md is left alone)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(available()))
        return 0
    targets = [parse_target(t) for t in args.names] or [(n, None) for n in available() if n not in ON_REQUEST]
    unknown = sorted({n for n, _ in targets} - set(available()))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; available: {available()}")
    from scigen.io.atomic import write_text_atomic

    for name, chosen in targets:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"== {name}", file=sys.stderr)
        ran = run_sections(module, name, args.quick, chosen)
        # quick runs check that the scripts work; they never replace the recorded full results
        target = recorded_path(name, args.quick)
        target.parent.mkdir(parents=True, exist_ok=True)
        with results_lock():  # another run may have recorded a section of this benchmark meanwhile
            result = {"name": name, "quick": args.quick, "machine": machine(),
                      **merge_recorded(module, name, args.quick, ran)}
            out = write_text_atomic(target, json.dumps(result, indent=2, default=float) + "\n")
        print(printable(module, result))
        print(f"wrote {out}", file=sys.stderr)
    if not args.quick:
        with results_lock():
            print(f"wrote {rebuild_markdown()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
