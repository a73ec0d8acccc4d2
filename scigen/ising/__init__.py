"""The 2D Ising model: fast Monte Carlo data, exact results, physical observables.

``from scigen import ising`` then ``ising.simulate(32, np.linspace(1.5, 3.5, 11), 2000, seed=0)``;
see docs/ising.md. Submodules: ``kernels`` (Monte Carlo kernels: ``multispin``, ``cluster``),
``data`` (equilibrated sample sets), ``exact`` (Onsager, Kaufman, brute force), ``stats``
(observables, registered with scigen.validate), ``timeseries`` (autocorrelation times, burn-in,
errors). Names load lazily, so ``scigen --help`` does not import torch.
"""

import importlib

__all__ = ["simulate", "simulate_to_file", "TC"]

_LAZY = {"simulate": "scigen.ising.data", "simulate_to_file": "scigen.ising.data", "TC": "scigen.ising.exact"}


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'scigen.ising' has no attribute {name!r}")
