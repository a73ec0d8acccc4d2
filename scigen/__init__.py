"""scigen: synthetic scientific data from deep generative models, validated statistic by statistic.

Importing ``scigen`` imports no domain; ``from scigen import ising`` (or astro, chem, ehr) loads one.
"""

__version__ = "0.1.0"

_DOMAINS = ("ising", "astro", "chem", "ehr")


def __getattr__(name):
    # `scigen.ising` etc. resolve lazily, so `import scigen` stays light (no torch, rdkit, astropy).
    if name in _DOMAINS:
        import importlib

        return importlib.import_module(f"scigen.{name}")
    raise AttributeError(f"module 'scigen' has no attribute {name!r}")
