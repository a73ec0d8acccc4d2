"""Run benchmarks and refresh RESULTS.md: ``python -m benchmarks [name ...] [--quick] [--list]``."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS_DIR = HERE / "results"
RESULTS_MD = HERE / "RESULTS.md"


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
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }


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
        parts.append(
            f"_Run {m.get('date', '?')} on {m.get('cpu', '?')} ({m.get('cores', '?')} cores"
            f"{', ' + ' '.join(m['simd']) if m.get('simd') else ''}, "
            f"{m.get('torch_threads', '?')} torch threads, GPU: {m.get('gpu') or 'none'}), "
            f"torch {m.get('torch', '?')}{', quick settings' if result.get('quick') else ''}._\n"
        )
    return write_text_atomic(RESULTS_MD, "\n".join(parts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all: {', '.join(available())})")
    parser.add_argument("--quick", action="store_true", help="small settings, to check the scripts run (results go to benchmarks/results/quick/, RESULTS.md is left alone)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(available()))
        return 0
    names = args.names or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; available: {available()}")
    from scigen.io.atomic import write_text_atomic

    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"== {name}", file=sys.stderr)
        result = module.run(quick=args.quick)
        result = {"name": name, "quick": args.quick, "machine": machine(), **result}
        # quick runs check that the scripts work; they never replace the recorded full results
        target = RESULTS_DIR / "quick" / f"{name}.json" if args.quick else RESULTS_DIR / f"{name}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        out = write_text_atomic(target, json.dumps(result, indent=2, default=float) + "\n")
        print(module.markdown(result))
        print(f"wrote {out}", file=sys.stderr)
    if not args.quick:
        print(f"wrote {rebuild_markdown()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
