"""`scigen ising simulate` from the command line."""

import pytest

from scigen.cli import main
from scigen.errors import InputError
from scigen.io import read_sample_set
from scigen.ising.cli import parse_temperatures


def test_parse_temperatures():
    assert parse_temperatures("1.5:3.5:11") == pytest.approx([1.5 + 0.2 * i for i in range(11)])
    assert parse_temperatures("2.0,2.269,2.6") == [2.0, 2.269, 2.6]
    assert parse_temperatures("2.269") == [2.269]
    for bad in ("1:2", "a,b", "1.5:3.5:0", "2,-1", "", "nan"):
        with pytest.raises(InputError, match="--temperatures"):
            parse_temperatures(bad)


def test_simulate_command(tmp_path, capsys):
    out = tmp_path / "ising8.h5"
    rc = main(["ising", "simulate", "--size", "8", "--temperatures", "2.0,3.0", "--samples", "100", "--seed", "1",
               "--out", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "tau E" in text and "sweeps/sample" in text and "wrote 200 samples" in text
    s = read_sample_set(out)
    assert s.samples.shape == (200, 8, 8) and s.attrs["L"] == 8 and s.attrs["seed"] == 1
    assert sorted(set(s.condition[:, 0])) == [2.0, 3.0]


def test_user_errors_are_one_line(tmp_path, capsys):
    rc = main(["ising", "simulate", "--size", "7", "--temperatures", "2", "--samples", "10", "--out",
               str(tmp_path / "x.h5")])
    assert rc == 2
    err = capsys.readouterr().err
    assert "even integer" in err and "Traceback" not in err and not (tmp_path / "x.h5").exists()
    rc = main(["ising", "simulate", "--size", "8", "--temperatures", "1:2", "--samples", "10", "--out",
               str(tmp_path / "x.h5")])
    assert rc == 2 and "start:stop:count" in capsys.readouterr().err
