"""Exponential moving averages of network weights (Polyak averaging for GAN generators).

GAN training oscillates: consecutive generators differ more than a good generator differs from
the data. Sampling from a running average of the generator's weights instead of the last iterate
damps that (Yazici et al., "The Unusual Effectiveness of Averaging in GAN Training", ICLR 2019;
Karras et al., progressive GANs, ICLR 2018, decay 0.999).
"""

from __future__ import annotations

import copy
from contextlib import contextmanager

import torch
from torch import nn


def unwrap(module: nn.Module) -> nn.Module:
    """The network inside DistributedDataParallel and torch.compile wrappers (any nesting)."""
    while True:
        if isinstance(module, nn.parallel.DistributedDataParallel):
            module = module.module
        elif hasattr(module, "_orig_mod"):
            module = module._orig_mod
        else:
            return module


def averaged_copy(module: nn.Module) -> nn.Module:
    """A frozen copy of ``module`` to hold its average (no gradients: the engine leaves it unwrapped)."""
    return copy.deepcopy(unwrap(module)).requires_grad_(False)


def ema_decay(decay: float, step: int) -> float:
    """The decay used at optimizer step ``step`` (0-based): ``min(decay, (1 + step) / (10 + step))``,
    so the random initial weights are forgotten within the first few hundred steps."""
    return min(decay, (1.0 + step) / (10.0 + step))


@torch.no_grad()
def update_average(average: nn.Module, live: nn.Module, decay: float) -> None:
    """``average <- decay * average + (1 - decay) * live``, parameter by parameter; floating-point
    buffers (batch-norm running statistics) likewise, integer buffers copied."""
    live = unwrap(live)
    for a, p in zip(average.parameters(), live.parameters(), strict=True):
        a.lerp_(p.detach().to(a.dtype), 1.0 - decay)
    for a, b in zip(average.buffers(), live.buffers(), strict=True):
        if a.is_floating_point():
            a.lerp_(b.to(a.dtype), 1.0 - decay)
        else:
            a.copy_(b)


@torch.no_grad()
def recalibrate_batch_norm(net: nn.Module, make_input, batches: int = 16) -> None:
    """Standing statistics (Brock, Donahue & Simonyan, BigGAN, ICLR 2019): reset the running mean
    and variance of every batch-norm layer in ``net`` and set them to the plain average over
    ``batches`` forward passes in training mode of ``make_input(i)``.

    An averaged network needs this: the average of running statistics is not the statistics of
    the averaged weights. ``net`` keeps its train/eval mode and momenta.
    """
    norms = [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return
    momenta, mode = [m.momentum for m in norms], net.training
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative moving average: the mean over the batches seen
    net.train()
    try:
        for i in range(batches):
            net(make_input(i))
    finally:
        for m, momentum in zip(norms, momenta):
            m.momentum = momentum
        net.train(mode)


@contextmanager
def batch_statistics(net: nn.Module):
    """Within the block, ``net``'s batch-norm layers normalise each batch by its own statistics, as
    in training, and leave their running statistics untouched (momentum 0 while inside); the rest
    of ``net`` keeps its mode. How a GAN generator is run while it trains, so samples drawn this way
    (in batches of the training size) have what the generator's losses saw."""
    norms = [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [(m.training, m.momentum) for m in norms]
    counts = [None if m.num_batches_tracked is None else m.num_batches_tracked.clone() for m in norms]
    for m in norms:
        m.train()
        m.momentum = 0.0
    try:
        yield net
    finally:
        for m, (training, momentum), count in zip(norms, saved, counts):
            m.train(training)
            m.momentum = momentum
            if count is not None:
                m.num_batches_tracked.copy_(count)
