"""Lazy public names for scigen's packages, so ``import scigen.<domain>`` stays light (no torch, RDKit
or astropy until a name that needs them is used)."""

from __future__ import annotations

import importlib
import sys
from typing import Callable


def lazy_exports(package: str, exports: dict[str, str]) -> Callable[[str], object]:
    """A module-level ``__getattr__`` for ``package``.

    ``exports`` maps each public name to the module that defines it (``"simulate":
    "scigen.ising.data"``); the module is imported on first access and the value cached in the
    package's namespace. Unknown names raise AttributeError as for any module.
    """

    def __getattr__(name: str):
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
