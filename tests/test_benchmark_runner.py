"""The benchmark runner's sections: rerun one, carry the others over with the dates they were measured."""

import json
import types

import pytest

from benchmarks import __main__ as runner


def _module(calls):
    def section(key):
        def fn(quick):
            calls.append(key)
            return {"value": key, "quick": quick}
        return fn
    return types.SimpleNamespace(SECTIONS={"a": section("a"), "b": section("b")})


def test_parse_target():
    assert runner.parse_target("astro") == ("astro", None)
    assert runner.parse_target("astro:cosmogan, speed") == ("astro", ["cosmogan", "speed"])


def test_partial_run_carries_other_sections_over(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "RESULTS_DIR", tmp_path)
    calls = []
    full = runner.run_benchmark(_module(calls), "demo", quick=False)
    assert calls == ["a", "b"] and set(full["measured"]) == {"a", "b"}
    old = {"name": "demo", "machine": {"date": "2026-01-01T00:00:00+00:00"},
           "a": {"value": "old a"}, "b": {"value": "old b"}, "measured": {"a": {"date": "2026-01-01T00:00:00+00:00"}}}
    (tmp_path / "demo.json").write_text(json.dumps(old))
    calls.clear()
    part = runner.run_benchmark(_module(calls), "demo", quick=False, chosen=["b"])
    assert calls == ["b"]
    assert part["a"] == {"value": "old a"} and part["b"]["value"] == "b"
    assert part["measured"]["a"]["date"].startswith("2026-01-01")
    assert not part["measured"]["b"]["date"].startswith("2026-01-01")
    assert "Sections measured" in runner.section_dates(part)
    assert runner.section_dates(full) == ""


def test_unknown_section_and_sectionless_benchmark_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "RESULTS_DIR", tmp_path)
    with pytest.raises(SystemExit, match="unknown section"):
        runner.run_benchmark(_module([]), "demo", quick=False, chosen=["c"])
    plain = types.SimpleNamespace(run=lambda quick: {"x": 1})
    with pytest.raises(SystemExit, match="no sections"):
        runner.run_benchmark(plain, "plain", quick=False, chosen=["x"])
    assert runner.run_benchmark(plain, "plain", quick=False) == {"x": 1}


def test_every_benchmark_declares_run_or_sections():
    import importlib

    for name in runner.available():
        module = importlib.import_module(f"benchmarks.{name}")
        assert hasattr(module, "markdown") and (hasattr(module, "SECTIONS") or hasattr(module, "run")), name


def test_a_partial_first_run_prints_what_is_missing_instead_of_failing(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "RESULTS_DIR", tmp_path)
    module = _module([])
    module.markdown = lambda result: f"{result['a']['value']} and {result['b']['value']}"  # needs both
    part = runner.run_benchmark(module, "demo", quick=True, chosen=["b"])  # nothing recorded before
    assert "['a']" in runner.printable(module, part) and "no markdown" in runner.printable(module, part)
    assert runner.printable(module, runner.run_benchmark(module, "demo", quick=True)) == "a and b"
    module.markdown = lambda result: "b" if "b" in result else result["b"]  # copes with a section missing
    assert runner.printable(module, part) == "b"


def test_overlapping_partial_runs_keep_each_others_sections(tmp_path, monkeypatch):
    """Section b is recorded by another run while section a runs: recording a must keep b."""
    monkeypatch.setattr(runner, "RESULTS_DIR", tmp_path)
    other = {"name": "demo", "machine": {"date": "2026-01-01T00:00:00+00:00"}, "b": {"value": "b from the other run"},
             "measured": {"b": {"date": "2026-01-01T00:00:00+00:00"}}}

    def slow_a(quick):
        (tmp_path / "demo.json").write_text(json.dumps(other))  # the other run finishes meanwhile
        return {"value": "a"}

    module = types.SimpleNamespace(SECTIONS={"a": slow_a, "b": lambda quick: {"value": "b"}})
    with runner.results_lock():
        result = runner.run_benchmark(module, "demo", quick=False, chosen=["a"])
    assert result["a"] == {"value": "a"} and result["b"] == {"value": "b from the other run"}
    assert list(result["measured"]) == ["a", "b"]
