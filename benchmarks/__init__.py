"""scigen benchmarks: one module per domain (plus the engine), each with ``run`` and ``markdown``.

Contract of a benchmark module ``benchmarks/<name>.py``::

    def run(quick: bool = False) -> dict      # measures; returns JSON-serialisable results
    def markdown(result: dict) -> str         # the section of RESULTS.md for those results

or, instead of ``run``, ``SECTIONS = {key: fn(quick) -> value}``: parts that can be rerun alone
(``python -m benchmarks astro:cosmogan``), the others carried over with their dates.

``python -m benchmarks [name[:section,...] ...] [--quick]`` (or ``make bench``) runs them, writes
``benchmarks/results/<name>.json`` (with the machine it ran on) and rebuilds ``benchmarks/RESULTS.md``
from every stored result. Speed figures are ratios against a baseline measured in the same run.
"""
