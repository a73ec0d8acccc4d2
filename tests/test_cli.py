"""The `scigen` command: help, version, one-line user errors, --verbose tracebacks."""

import subprocess
import sys

import pytest

from scigen import __version__
from scigen.cli import main


def test_help_and_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.strip() == f"scigen {__version__}"
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "validate" in out and "demo" in out


def test_user_error_is_one_line_and_exit_2(tmp_path, capsys):
    code = main(["demo", "--out", str(tmp_path), "--sections", "nonsense"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("scigen: error: --sections")


def test_verbose_shows_the_traceback(tmp_path):
    done = subprocess.run([sys.executable, "-m", "scigen.cli", "--verbose", "demo", "--out", str(tmp_path),
                           "--sections", "nonsense"], capture_output=True, text=True)
    assert done.returncode != 0 and "Traceback" in done.stderr


def test_importing_scigen_imports_no_domain():
    code = "import sys, scigen; print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'rdkit', 'astropy', 'scigen')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['scigen']"
