"""Explicit seeding without touching the caller's random state."""

from __future__ import annotations

import contextlib

import torch


@contextlib.contextmanager
def seeded(seed: int):
    """Run a block (typically model construction) with torch's RNG seeded to ``seed``.

    The global RNG state is restored afterwards, so seeding a model's initialisation does not change
    any other random stream of the caller.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield
