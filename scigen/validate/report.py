"""The validation report: per-statistic and per-check results, the overall verdict, JSON and HTML.

A :class:`Report` is what :func:`scigen.validate.compare` returns::

    report.passed                  # overall verdict (bool)
    print(report.table())          # one line per statistic and group, then the checks
    report.failures()              # the results that failed
    report.write("out/")           # out/report.json + out/report.html, each written atomically

``report.to_dict()`` is exactly what ``report.json`` holds; its schema ships as
``scigen/validate/report_schema.json`` and is explained in ``docs/validation.md``.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from scigen.validate.data import json_safe

SCHEMA_ID = "scigen.validation-report/1"
VERDICTS = ("pass", "fail", "missing", "unmatched", "insufficient", "error", "skipped")
FAILING = ("fail", "missing", "insufficient", "error")  # verdicts that fail the overall report


@dataclass
class StatResult:
    """One statistic on one condition group (``group`` None: the whole set)."""

    name: str
    kind: str
    group: dict[str, Any] | None
    group_label: str
    verdict: str
    reason: str = ""
    n_real: int = 0
    n_fake: int = 0
    x: list | None = None
    real: list | float | None = None
    real_error: list | float | None = None
    fake: list | float | None = None
    fake_error: list | float | None = None
    noise_band: list | float | None = None
    distance: float | None = None
    distance_name: str = ""
    noise_scaling: str = ""
    noise_floor: float | None = None
    noise_floor_se: float | None = None
    noise_floor_splits: list[float] = field(default_factory=list)
    ratio: float | None = None
    tolerance: float | None = None
    tests: dict[str, Any] = field(default_factory=dict)
    distribution: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    xlabel: str = ""
    ylabel: str = ""

    @property
    def passed(self) -> bool:
        return self.verdict not in FAILING


@dataclass
class CheckResult:
    """One generic check (classifier test, energy distance, MMD, marginals, memorisation).

    ``statistic`` is the check's own measure (AUROC, energy distance, ...); ``z`` its distance from
    the "same distribution" expectation in units of that expectation's spread; ``p_value`` the
    probability of a value at least this extreme for two sets from one distribution. The check
    fails when ``p_value`` < ``alpha`` (the two-sided normal tail at the comparison's factor), unless
    ``statistic`` is within ``tolerance``.
    """

    name: str
    title: str
    verdict: str
    reason: str = ""
    statistic_name: str = ""
    statistic: float | None = None
    null_mean: float | None = None
    null_sd: float | None = None
    z: float | None = None
    p_value: float | None = None
    alpha: float | None = None
    ci: list[float] | None = None
    tolerance: float | None = None
    n_real: int = 0
    n_fake: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.verdict not in FAILING


@dataclass
class Report:
    """Everything a comparison found. ``passed`` is True when no statistic or check failed."""

    statistics: list[StatResult]
    checks: list[CheckResult]
    groups: list[dict[str, Any]]
    inputs: dict[str, Any]
    settings: dict[str, Any]
    created: str = field(default_factory=lambda: _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
    scigen_version: str = field(default_factory=lambda: __import__("scigen").__version__)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.statistics) and all(c.passed for c in self.checks)

    @property
    def verdict(self) -> str:
        return "pass" if self.passed else "fail"

    def failures(self) -> list[StatResult | CheckResult]:
        """The statistic results and checks that fail the report."""
        return [r for r in (*self.statistics, *self.checks) if not r.passed]

    def get(self, name: str, group: str | None = None) -> list[StatResult]:
        """Results of statistic ``name`` (all groups, or the one whose label is ``group``)."""
        return [r for r in self.statistics if r.name == name and (group is None or r.group_label == group)]

    def summary(self) -> dict[str, Any]:
        stats = self.statistics
        return {
            "statistics": len(stats),
            "statistics_passed": sum(r.verdict == "pass" for r in stats),
            "statistics_failed": sum(not r.passed for r in stats),
            "checks": len(self.checks),
            "checks_passed": sum(c.verdict == "pass" for c in self.checks),
            "checks_failed": sum(not c.passed for c in self.checks),
            "failed": [f"{r.name} [{r.group_label}]" if isinstance(r, StatResult) else r.name
                       for r in self.failures()],
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (``report.json``): see ``report_schema.json``."""
        return json_safe({
            "schema": SCHEMA_ID,
            "scigen_version": self.scigen_version,
            "created": self.created,
            "verdict": self.verdict,
            "passed": self.passed,
            "summary": self.summary(),
            "settings": self.settings,
            "inputs": self.inputs,
            "groups": self.groups,
            "statistics": [asdict(r) for r in self.statistics],
            "checks": [asdict(c) for c in self.checks],
        })

    def to_json(self, indent: int | None = 1) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def table(self) -> str:
        """A plain-text table: verdict, statistic, group, distance, noise floor, ratio; then the checks."""
        rows = [("verdict", "statistic", "group", "distance", "floor", "ratio")]
        for r in self.statistics:
            rows.append((r.verdict.upper() if not r.passed else r.verdict, r.name, r.group_label,
                         _num(r.distance), _num(r.noise_floor), _num(r.ratio)))
        widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
        if self.checks:
            lines.append("")
            crow = [("verdict", "check", "measure", "value", "p-value")]
            for c in self.checks:
                crow.append((c.verdict.upper() if not c.passed else c.verdict, c.name, c.statistic_name,
                             _num(c.statistic), _num(c.p_value)))
            w2 = [max(len(str(row[i])) for row in crow) for i in range(len(crow[0]))]
            lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, w2)).rstrip() for row in crow]
        s = self.summary()
        lines.append("")
        lines.append(f"overall: {self.verdict.upper()} ({s['statistics'] - s['statistics_failed']}/{s['statistics']} "
                     f"statistic results and {s['checks'] - s['checks_failed']}/{s['checks']} checks pass)")
        return "\n".join(lines)

    def write(self, out_dir: str | Path, *, html: bool = True) -> dict[str, Path]:
        """Write ``report.json`` (and ``report.html``) into ``out_dir``, each atomically. Returns the paths."""
        from scigen.io.atomic import write_text_atomic

        out = Path(out_dir)
        doc = self.to_dict()
        paths = {"json": write_text_atomic(out / "report.json", json.dumps(doc, indent=1, allow_nan=False))}
        if html:
            from scigen.validate.html import render_html

            paths["html"] = write_text_atomic(out / "report.html", render_html(doc))
        return paths

    def __repr__(self) -> str:
        s = self.summary()
        return (f"<Report {self.verdict}: {s['statistics']} statistic results ({s['statistics_failed']} failing), "
                f"{s['checks']} checks ({s['checks_failed']} failing)>")


def load_schema() -> dict:
    """The JSON schema of ``report.json`` (shipped in the package)."""
    text = resources.files("scigen.validate").joinpath("report_schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def _num(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            return str(v)
        return f"{v:.3g}"
    return str(v)
