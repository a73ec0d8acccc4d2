"""The 2D Ising model: fast Monte Carlo data, exact results, physical observables, and a
temperature-conditioned lattice GAN validated against them.

``from scigen import ising`` then ``ising.simulate(32, np.linspace(1.5, 3.5, 11), 2000, seed=0)``,
``ising.train("ising32.h5", "runs/ising32")``, ``ising.generate("runs/ising32", "fake.h5")``,
``ising.validate("heldout.h5", "fake.h5", "report/", train="ising32.h5")``; see docs/ising.md.
Submodules: ``kernels`` (Monte Carlo kernels: ``multispin``, ``cluster``), ``data`` (equilibrated
sample sets), ``exact`` (Onsager, Kaufman, brute force), ``stats`` (observables, registered with
scigen.validate), ``timeseries`` (autocorrelation times, burn-in, errors), ``models`` (the lattice
GAN), ``pipeline`` (train / generate / validate / demo). Names load lazily, so ``scigen --help``
does not import torch.
"""

from scigen._lazy import lazy_exports

__all__ = ["simulate", "simulate_to_file", "TC", "train", "generate", "validate", "LatticeGAN"]

_LAZY = {"simulate": "scigen.ising.data", "simulate_to_file": "scigen.ising.data", "TC": "scigen.ising.exact",
         "train": "scigen.ising.pipeline", "generate": "scigen.ising.pipeline", "validate": "scigen.ising.pipeline",
         "LatticeGAN": "scigen.ising.models"}


__getattr__ = lazy_exports(__name__, _LAZY)
