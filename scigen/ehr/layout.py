"""Where each column of a table sits in the encoded vector of the ehr networks, and the losses/point
values per column kind (numeric z-scores, binary 0/1, categorical one-hot)."""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

from scigen.ehr.encoding import TableEncoder


class TableLayout:
    """Where each feature sits in the encoded vector, as tensors (built from an encoder's JSON state).

    Attributes:
        encoder: the :class:`TableEncoder` (numeric "standard", categorical "onehot").
        d: encoded width D; f: number of feature columns F.
        col_of: (D,) long, the feature index of each encoded column.
        numeric: (Nn,) long encoded indices of numeric columns; lo, hi: their observed range (z units).
        binary: (Nb,) long encoded indices of binary columns.
        blocks: [(start, stop)] encoded spans of categorical columns (one-hot).
    """

    def __init__(self, encoder_state: dict) -> None:
        enc = TableEncoder.from_dict(encoder_state)
        if enc.numeric != "standard" or enc.categorical != "onehot":
            raise ValueError("ehr models need a TableEncoder with numeric='standard' and categorical='onehot'")
        self.encoder = enc
        self.d, self.f = enc.n_encoded, len(enc.spans_)
        col_of, numeric, binary, blocks, lo, hi = [], [], [], [], [], []
        for j, spec in enumerate(enc.schema.features):
            sl = enc.spans_[spec.name]
            col_of += [j] * (sl.stop - sl.start)
            if spec.kind == "numeric":
                numeric.append(sl.start)
                off, scale = enc.params_[spec.name]
                a, b = enc.bounds_[spec.name]
                lo.append((a - off) / scale)
                hi.append((b - off) / scale)
            elif spec.kind == "binary":
                binary.append(sl.start)
            else:
                blocks.append((sl.start, sl.stop))
        self.col_of = torch.tensor(col_of, dtype=torch.long)
        self.numeric = torch.tensor(numeric, dtype=torch.long)
        self.binary = torch.tensor(binary, dtype=torch.long)
        self.blocks = blocks
        self.lo = torch.tensor(lo, dtype=torch.float32)
        self.hi = torch.tensor(hi, dtype=torch.float32)
        self.feature_kind = [s.kind for s in enc.schema.features]

    def expand(self, feature_mask: torch.Tensor) -> torch.Tensor:
        """(B, F) per-feature mask -> (B, D) per-encoded-column mask."""
        return feature_mask[:, self.col_of.to(feature_mask.device)]

    def feature_losses(self, pred: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """(B, F) loss of predictions (means / logits, (B, D)) against encoded targets x (B, D).

        Numeric: squared error in z units; binary: BCE with logits; categorical: cross-entropy.
        Entries whose target is missing get arbitrary finite values: weight them by a mask.
        """
        out = pred.new_zeros(pred.shape[0], self.f)
        dev = pred.device
        if self.numeric.numel():
            i = self.numeric.to(dev)
            out[:, self.col_of[self.numeric].to(dev)] = (pred[:, i] - x[:, i]) ** 2
        if self.binary.numel():
            i = self.binary.to(dev)
            out[:, self.col_of[self.binary].to(dev)] = F.binary_cross_entropy_with_logits(
                pred[:, i], x[:, i].clamp(0, 1), reduction="none")
        for a, b in self.blocks:
            ce = -(F.log_softmax(pred[:, a:b], dim=1) * x[:, a:b]).sum(dim=1)
            out[:, int(self.col_of[a])] = ce
        return out

    def point_values(self, pred: torch.Tensor) -> torch.Tensor:
        """Encoded values from predictions: numeric means clipped to the observed range, binary
        probabilities, categorical one-hot of the most probable level."""
        v = pred.clone()
        dev = pred.device
        if self.numeric.numel():
            i = self.numeric.to(dev)
            v[:, i] = torch.maximum(torch.minimum(pred[:, i], self.hi.to(dev)), self.lo.to(dev))
        if self.binary.numel():
            i = self.binary.to(dev)
            v[:, i] = torch.sigmoid(pred[:, i])
        for a, b in self.blocks:
            v[:, a:b] = F.one_hot(pred[:, a:b].argmax(dim=1), b - a).to(v.dtype)
        return v


def encoder_state(df, schema, grids_from=None) -> dict:
    """The JSON state of the encoder both models use, fitted on ``df`` (numeric z-scores, one-hot).
    ``grids_from``: the recorded table whose values give the measurement grids (``support_``) when
    ``df`` holds an imputer's entries, which lie between them."""
    enc = TableEncoder(schema, numeric="standard", categorical="onehot").fit(df)
    if grids_from is not None:
        enc.support_ = TableEncoder(schema).fit(grids_from).support_
    return enc.to_dict()


def to_tensors(encoded) -> tuple[torch.Tensor, torch.Tensor]:
    """(values (N, D) float32 with 0 where missing, observed (N, F) bool) from an EncodedTable."""
    values = torch.from_numpy(np.where(encoded.mask, encoded.values, 0.0).astype(np.float32))
    observed = torch.from_numpy(encoded.column_mask())
    return values, observed


__all__ = ["TableLayout", "encoder_state", "to_tensors"]
