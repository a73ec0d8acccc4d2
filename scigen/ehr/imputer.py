"""``DenoisingImputer``: the mask-aware denoising autoencoder as a scikit-learn transformer.

    imp = DenoisingImputer(seed=0).fit(masked)             # DataFrame (or array with NaN) in
    completed = imp.transform(masked)                      # same columns, order, dtypes; observed kept
    draws = imp.multiple_imputation(masked, 5, seed=1)     # five plausible completions
    imp.save("runs/imp"); imp = DenoisingImputer.load("runs/imp")

It trains :class:`scigen.ehr.models.DenoisingAutoencoder` through the engine. A random
``val_fraction`` of the observed entries (of up to 2,000 rows) is hidden from training and scored
every ``eval_every`` steps; the step with the lowest validation loss is kept. ``transform`` gives
each missing entry its conditional mean (numeric) or most probable level (binary, categorical);
``multiple_imputation`` draws completions from the learned conditional distribution (missing
columns sampled one at a time, each conditioned on the ones drawn before), so the spread between
completions reflects the uncertainty of each entry and the dependence between entries.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from scigen.ehr.baselines import fill_missing
from scigen.ehr.encoding import TableEncoder
from scigen.ehr.schema import Schema, schema_of
from scigen.ehr.training import as_frame, checkpoint_extra, generator_for, load_run, train
from scigen.errors import InputError

MAX_VAL_ROWS = 2000
_SETTINGS = ("hidden", "layers", "dropout", "drop_rate", "steps", "batch_size", "lr", "weight_decay",
             "val_fraction", "eval_every", "seed")


class DenoisingImputer(TransformerMixin, BaseEstimator):
    """Impute a typed table with a mask-aware denoising autoencoder (works in a scikit-learn Pipeline).

    Args:
        schema: the table's :class:`~scigen.ehr.schema.Schema` (default: attached to the fitted
            DataFrame, else inferred). Label and id columns pass through untouched.
        hidden, layers, dropout: network width, depth and dropout.
        drop_rate: fraction of observed entries hidden from the input at each training step.
        steps, batch_size, lr, weight_decay: training length and AdamW settings (cosine decay).
        val_fraction: fraction of observed entries held out to select the training step (0: none,
            the final step is kept).
        eval_every: steps between validation evaluations.
        seed: initialisation, data order, drop masks and the validation split.
        out_dir: keep the engine's run directory here (checkpoints, metrics.jsonl); None: temporary.
        device, threads, progress: engine settings.

    Fitted attributes: ``model_`` (the network, eval mode), ``schema_``, ``encoder_``,
    ``columns_``, ``fit_info_`` (steps, best step, validation loss and RMSE, seconds).
    """

    def __init__(self, schema: Schema | None = None, hidden: int = 512, layers: int = 4, dropout: float = 0.0,
                 drop_rate: float = 0.3, steps: int = 3000, batch_size: int = 128, lr: float = 1e-3,
                 weight_decay: float = 0.0, val_fraction: float = 0.05, eval_every: int = 250, seed: int = 0,
                 out_dir=None, device: str = "auto", threads: int | None = None, progress: bool | None = None) -> None:
        self.schema = schema
        self.hidden = hidden
        self.layers = layers
        self.dropout = dropout
        self.drop_rate = drop_rate
        self.steps = steps
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.val_fraction = val_fraction
        self.eval_every = eval_every
        self.seed = seed
        self.out_dir = out_dir
        self.device = device
        self.threads = threads
        self.progress = progress

    # -- fit ----------------------------------------------------------------------------------
    def fit(self, X, y=None, *, resume: bool = False) -> "DenoisingImputer":
        import torch

        from scigen.ehr.models import DenoisingAutoencoder, encoder_state, to_tensors
        from scigen.engine import ArrayDataset, seeded

        if not 0.0 <= self.val_fraction < 0.5:
            raise InputError(f"val_fraction must lie in [0, 0.5), got {self.val_fraction}")
        if not 0.0 <= self.drop_rate < 1.0:
            raise InputError(f"drop_rate must lie in [0, 1), got {self.drop_rate}")
        df, was_array = as_frame(X)
        schema = self.schema or schema_of(df)
        state = encoder_state(df, schema)
        values, observed = to_tensors(TableEncoder.from_dict(state).transform(df))
        if not observed.any():
            raise InputError("the table has no observed feature entry to learn from")
        val = self._validation_entries(observed.numpy())
        avail = observed & ~torch.from_numpy(val)
        with seeded(self.seed):
            model = DenoisingAutoencoder(state, hidden=self.hidden, layers=self.layers, dropout=self.dropout,
                                         drop_rate=self.drop_rate, lr=self.lr, weight_decay=self.weight_decay,
                                         schedule_steps=self.steps)
        evaluate = _validation(values, avail, torch.from_numpy(val), model) if val.any() else None
        extra = {"estimator": "DenoisingImputer", "settings": {k: getattr(self, k) for k in _SETTINGS},
                 "columns": [str(c) for c in df.columns], "array_input": was_array}
        model, result = train(
            model, ArrayDataset(values=values, mask=avail.float()), steps=self.steps, batch_size=self.batch_size,
            seed=self.seed, evaluate=evaluate, select_metric="val_loss", select_mode="min",
            eval_every=self.eval_every, out_dir=self.out_dir, resume=resume, device=self.device,
            threads=self.threads, progress=self.progress, extra=extra)
        self._set_fitted(model, extra)
        self.fit_info_ = {"steps": result.steps, "elapsed_s": result.elapsed_s, "steps_per_s": result.steps_per_s,
                          "best": result.best, "validation_entries": int(val.sum()),
                          "val_rmse": result.metrics.get("eval_val_rmse")}
        return self

    def _validation_entries(self, observed: np.ndarray) -> np.ndarray:
        """(N, F) bool: the held-out observed entries (a fraction of those in up to MAX_VAL_ROWS rows)."""
        val = np.zeros_like(observed, dtype=bool)
        if self.val_fraction <= 0:
            return val
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, 17]))
        n = observed.shape[0]
        rows = rng.choice(n, min(n, MAX_VAL_ROWS), replace=False)
        sub = observed[rows] & (rng.random((rows.size, observed.shape[1])) < self.val_fraction)
        val[rows] = sub
        return val

    def _set_fitted(self, model, extra: dict) -> None:
        self.model_ = model
        self.encoder_ = model.layout.encoder
        self.schema_ = self.encoder_.schema
        self.columns_ = list(extra["columns"])
        self.array_input_ = bool(extra["array_input"])
        self.n_features_in_ = len(self.columns_)

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise InputError("DenoisingImputer is not fitted: call fit(df) first (or DenoisingImputer.load(dir))")

    # -- transform ----------------------------------------------------------------------------
    def _encode(self, X):
        from scigen.ehr.models import to_tensors

        self._check_fitted()
        df, was_array = as_frame(X, self.columns_ if self.array_input_ else None)
        self.schema_.validate(df, require_label=False)
        return df, was_array, to_tensors(self.encoder_.transform(df))

    def _decode(self, df: pd.DataFrame, was_array: bool, encoded) -> pd.DataFrame | np.ndarray:
        decoded = self.encoder_.inverse_transform(encoded.cpu().numpy(), index=df.index, round_values=False)
        out = fill_missing(df, decoded, self.schema_)
        return out.to_numpy(dtype=np.float64) if was_array else out

    def transform(self, X):
        """``X`` with every missing feature entry filled by its conditional mean / most probable level.

        Observed entries, label and id columns come back unchanged; columns, order and dtypes are
        kept (DataFrame in, DataFrame out; array in, float array out).
        """
        df, was_array, (values, observed) = self._encode(X)
        return self._decode(df, was_array, self.model_.impute(values, observed))

    def multiple_imputation(self, X, k: int = 5, *, seed: int = 0) -> list:
        """``k`` completions of ``X`` drawn from the model's conditional distribution (list of tables).

        Each completion keeps the observed entries; the missing ones are sampled column by column in
        a random order per row, each conditioned on the observed and already drawn entries.
        """
        if k < 1:
            raise InputError(f"k (number of imputations) must be at least 1, got {k}")
        df, was_array, (values, observed) = self._encode(X)
        return [self._decode(df, was_array, self.model_.draw(values, observed, generator_for(seed, i)))
                for i in range(k)]

    # -- persistence --------------------------------------------------------------------------
    def save(self, path) -> Path:
        """Write the fitted imputer as an engine checkpoint directory (weights, encoder, settings)."""
        from scigen.engine import save_checkpoint

        self._check_fitted()
        extra = {"estimator": "DenoisingImputer", "settings": {k: getattr(self, k) for k in _SETTINGS},
                 "columns": self.columns_, "array_input": self.array_input_}
        return save_checkpoint(path, self.model_, extra=extra)

    @classmethod
    def load(cls, path) -> "DenoisingImputer":
        """A fitted imputer from :meth:`save`'s directory or a fit's ``out_dir`` (its best checkpoint)."""
        model = load_run(path, "ehr.denoising_autoencoder")
        extra = checkpoint_extra(model)
        est = cls(**{k: v for k, v in extra["settings"].items() if k in _SETTINGS})
        est._set_fitted(model, extra)
        return est


def _validation(values, avail, val, model):
    """The engine's ``evaluate``: loss and RMSE (min-max units, numeric) on the held-out entries."""
    import torch

    lay = model.layout
    enc = lay.encoder
    span = []
    for spec in enc.schema.features:
        if spec.kind == "numeric":
            lo, hi = enc.bounds_[spec.name]
            span.append(enc.params_[spec.name][1] / (hi - lo + 1e-6))
    to_minmax = torch.tensor(span, dtype=torch.float32)
    num_cols = lay.col_of[lay.numeric]
    val_f = val.float()

    def evaluate(m) -> dict[str, float]:
        pred, _ = m.predict(values, avail)
        pred, x = pred.cpu(), values
        per = lay.feature_losses(pred, x)
        out = {"val_loss": float((per * val_f).sum() / val_f.sum())}
        w = val_f[:, num_cols]
        if lay.numeric.numel() and w.sum() > 0:
            err = (pred[:, lay.numeric] - x[:, lay.numeric]) * to_minmax
            out["val_rmse"] = float(torch.sqrt((err**2 * w).sum() / w.sum()))
        return out

    return evaluate
