"""The GANs' shared R1 penalty."""

import torch

from scigen.nn import r1_penalty


def test_r1_penalty_is_the_squared_input_gradient():
    """For a linear judge D(x) = w.x + b the input gradient is w for every input: the penalty is ||w||^2,
    for maps (B, 1, H, W) and records (B, D) alike."""
    w = torch.randn(1, 16 * 16, generator=torch.Generator().manual_seed(0))
    for shape in ((5, 1, 16, 16), (5, 256)):
        x = torch.randn(*shape).requires_grad_(True)
        logits = (x.flatten(1) @ w.T).squeeze(1) + 0.3
        assert torch.isclose(r1_penalty(logits, x), w.square().sum(), rtol=1e-6)
