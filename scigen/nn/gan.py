"""Regularisers shared by the domains' GANs."""

from __future__ import annotations

import torch


def r1_penalty(logits: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
    """The R1 penalty's E over the batch of ||d logit / d input||^2 (Mescheder, Geiger & Nowozin 2018):
    a scalar whose graph is kept for the discriminator step. ``inputs`` (B, ...) must require grad and
    ``logits`` (B,) come from them; the caller weighs it by gamma / 2."""
    (grad,) = torch.autograd.grad(logits.float().sum(), inputs, create_graph=True)
    return grad.float().square().flatten(1).sum(1).mean()
