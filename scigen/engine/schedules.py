"""Learning-rate schedules for :meth:`scigen.engine.Model.configure_schedulers`: multiplicative
factors of the optimisers' base rate, stepped once per training step (the engine saves and restores
them with a checkpoint, so a resumed run continues the schedule where it stopped)."""

from __future__ import annotations

import math
from typing import Callable

import torch

from scigen.errors import InputError


def linear_decay(start: int, end: int, final: float) -> Callable[[int], float]:
    """Factor 1 until step ``start``, falling linearly to ``final`` at step ``end``, then ``final``."""
    if not 0 <= start < end:
        raise InputError(f"a learning-rate decay needs 0 <= start < end steps, got [{start}, {end}]")

    def factor(step: int) -> float:
        return 1.0 - (1.0 - final) * min(1.0, max(0.0, (step - start) / (end - start)))

    return factor


def cosine_decay(steps: int, final: float) -> Callable[[int], float]:
    """Factor falling from 1 on half a cosine to ``final`` at step ``steps``, then ``final``."""

    def factor(step: int) -> float:
        t = min(step, steps) / steps
        return final + (1.0 - final) * 0.5 * (1.0 + math.cos(math.pi * t))

    return factor


def scale_learning_rates(optimizers: dict, factor: Callable[[int], float] | None) -> dict:
    """One ``LambdaLR`` per optimiser, all with ``factor`` (none when ``factor`` is None)."""
    if factor is None:
        return {}
    return {name: torch.optim.lr_scheduler.LambdaLR(opt, factor) for name, opt in optimizers.items()}
