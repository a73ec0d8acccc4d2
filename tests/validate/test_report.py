"""The report: JSON against its schema, the HTML page, the Python API."""

import json
import re

import jsonschema
import numpy as np
import pytest

from scigen.io import SampleSet
from scigen.validate import Statistic, StatValue, compare, load_schema


def _report(shift=0.0):
    rng = np.random.default_rng(0)
    t = np.repeat([1.0, 1.5, 2.0, 2.5], 100)

    def draw(n_shift):
        x = rng.normal(size=(400, 5)) * t[:, None]
        x[t == 2.5] += n_shift
        return SampleSet(x, condition=t[:, None], attrs={"domain": "generic", "condition_names": ["T"],
                                                         "producer": {"kind": "simulator", "sigma": "T"}})

    energy = Statistic("energy", lambda s, c: StatValue((s**2).sum(1).mean(), per_sample=(s**2).sum(1)),
                       ylabel="E", description="sum of squares per sample")
    total = Statistic("total", lambda s, c: float(np.abs(s).mean()), group_by_condition=False)
    return compare(draw(0.0), draw(shift), ["mean", "std", "value_histogram", energy, total],
                   train=draw(0.0), seed=1)


@pytest.fixture(scope="module")
def failing_report():
    return _report(shift=1.0)


def test_report_json_validates_against_the_shipped_schema(failing_report, tmp_path):
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    paths = failing_report.write(tmp_path)
    doc = json.loads(paths["json"].read_text())
    jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
    assert doc["verdict"] == "fail" and doc["passed"] is False
    assert doc["inputs"]["real"]["attrs"]["producer"] == {"kind": "simulator", "sigma": "T"}
    assert doc["settings"]["factor"] == 3.0 and doc["settings"]["n_splits"] == 20
    stat = next(s for s in doc["statistics"] if s["name"] == "mean" and s["group_label"] == "T=2.5")
    assert stat["verdict"] == "fail" and stat["ratio"] > 3 and len(stat["x"]) == len(stat["real"]) == 5
    assert {s["group_label"] for s in doc["statistics"] if s["name"] == "total"} == {"all"}
    # a schema that is checked: a result without a verdict is rejected
    broken = json.loads(json.dumps(doc))
    del broken["statistics"][0]["verdict"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema, cls=jsonschema.Draft202012Validator)


def test_html_has_a_section_and_a_plot_for_every_statistic_and_check(failing_report, tmp_path):
    html = failing_report.write(tmp_path)["html"].read_text()
    assert html.startswith("<!DOCTYPE html>") and "http" not in re.sub(r'xmlns="[^"]*"', "", html).split("<style>")[0]
    sections = re.split(r"<h2 ", html)
    for name in ["mean", "std", "value_histogram", "energy", "total"]:
        sec = next(s for s in sections if s.startswith(f"id='stat-{name}'"))
        assert '<img alt="' in sec and "data:image/png;base64," in sec
    for check in ["marginals", "energy", "mmd", "classifier", "memorisation"]:
        sec = next(s for s in sections if s.startswith(f"id='check-{check}'"))
        assert "data:image/png;base64," in sec
    assert "FAIL" in html and "T=2.5" in html
    assert not list(tmp_path.glob("*.tmp-*"))  # atomic writes leave no temporaries


def test_python_api(failing_report):
    r = failing_report
    assert not r.passed and r.verdict == "fail"
    failed = {(f.name, getattr(f, "group_label", None)) for f in r.failures()}
    assert ("mean", "T=2.5") in failed and ("mean", "T=1") not in failed
    assert [x.group_label for x in r.get("mean")] == ["T=1", "T=1.5", "T=2", "T=2.5"]
    table = r.table()
    assert "mean" in table and "T=2.5" in table and "overall: FAIL" in table
    assert json.loads(r.to_json())["summary"]["statistics"] == len(r.statistics)
    assert "fail" in repr(r)


def test_a_passing_report_passes():
    r = _report(shift=0.0)
    stat_verdicts = {x.verdict for x in r.statistics}
    assert stat_verdicts == {"pass"}, r.table()
