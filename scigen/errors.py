"""The errors scigen raises for problems a user can fix.

Every message names the input (file, field, option) and says what to do about it. The command line
prints these as one line, without a traceback, and exits non-zero (``--verbose`` shows the traceback).
They subclass the built-in errors so ``except ValueError`` still catches them.
"""

from __future__ import annotations


class ScigenError(Exception):
    """Base class of every user-facing scigen error."""


class InputError(ScigenError, ValueError):
    """An input (array, file content, option value) is malformed or inconsistent."""


class MissingFileError(ScigenError, FileNotFoundError):
    """A file or directory the user named does not exist."""


class SampleSetError(InputError):
    """An HDF5 sample set lacks a dataset/attribute or has a shape that does not fit."""


class CheckpointError(InputError):
    """A checkpoint directory is missing, incomplete, or belongs to another model."""


class TrainingDivergedError(ScigenError, RuntimeError):
    """The loss or the gradients became NaN/inf; training stopped, the last good checkpoint stays."""


class ValidationFailed(ScigenError):
    """Raised by gates that must fail loudly (``scigen validate`` exits non-zero on a failed verdict)."""


def require_file(path, what: str = "input file"):
    """Return ``path`` as a :class:`pathlib.Path`, or raise :class:`MissingFileError` naming it."""
    from pathlib import Path

    p = Path(path)
    if not p.exists():
        raise MissingFileError(f"{what} '{p}' does not exist: check the path (cwd is '{Path.cwd()}')")
    return p
