"""Multi-layer perceptrons."""

from __future__ import annotations

from torch import nn

_ACTIVATIONS = {
    "relu": lambda: nn.ReLU(),
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "gelu": lambda: nn.GELU(),
    "silu": lambda: nn.SiLU(),
    "tanh": lambda: nn.Tanh(),
}


def activation(name: str) -> nn.Module:
    """A fresh activation module by name: relu, leaky_relu (slope 0.2), gelu, silu, tanh."""
    try:
        return _ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(f"unknown activation '{name}'; choose one of {sorted(_ACTIVATIONS)}") from None


class MLP(nn.Sequential):
    """Linear layers with activations between them: (B, in_dim) -> (B, out_dim).

    Args:
        in_dim, out_dim: input and output widths.
        hidden: widths of the hidden layers.
        act: activation between layers (see :func:`activation`).
        norm: None, "batch" or "layer" normalisation after each hidden linear layer.
        dropout: dropout probability after each hidden activation.
        out_act: optional activation on the output.
    """

    def __init__(self, in_dim: int, hidden: list[int] | tuple[int, ...], out_dim: int, *, act: str = "relu",
                 norm: str | None = None, dropout: float = 0.0, out_act: str | None = None) -> None:
        layers: list[nn.Module] = []
        width = in_dim
        for h in hidden:
            layers.append(nn.Linear(width, h))
            if norm == "batch":
                layers.append(nn.BatchNorm1d(h))
            elif norm == "layer":
                layers.append(nn.LayerNorm(h))
            elif norm is not None:
                raise ValueError(f"unknown norm '{norm}'; use None, 'batch' or 'layer'")
            layers.append(activation(act))
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = h
        layers.append(nn.Linear(width, out_dim))
        if out_act:
            layers.append(activation(out_act))
        super().__init__(*layers)
