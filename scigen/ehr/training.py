"""Engine wiring shared by the scikit-learn-style ehr estimators (:mod:`~scigen.ehr.imputer`, :mod:`~scigen.ehr.classifier`).

The estimators train through :func:`scigen.engine.fit` like every scigen model: seeds, the NaN
guard, checkpoints and exact resume come from the engine. Each fit evaluates on a validation split
carved from the training data every ``eval_every`` steps and keeps the engine's "best" checkpoint
(never anything measured on test data). Without ``out_dir`` the run lives in a temporary directory
that is removed afterwards; with it, the run directory stays (``metrics.jsonl``, checkpoints) and
``Estimator.load(out_dir)`` rebuilds the fitted estimator from it.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from scigen.errors import CheckpointError, InputError


def as_frame(X, columns: list[str] | None = None) -> tuple[pd.DataFrame, bool]:
    """(DataFrame, was_array): arrays become DataFrames with columns x0..x{d-1} (or ``columns``)."""
    if isinstance(X, pd.DataFrame):
        return X, False
    arr = np.asarray(X)
    if arr.ndim != 2:
        raise InputError(f"expected a DataFrame or a 2-D array (N, d), got shape {arr.shape}")
    if arr.dtype.kind not in "biuf":
        raise InputError(f"array input must hold numbers (NaN = missing), got dtype {arr.dtype}; pass a DataFrame")
    cols = columns or [f"x{i}" for i in range(arr.shape[1])]
    if len(cols) != arr.shape[1]:
        raise InputError(f"the array has {arr.shape[1]} columns, the estimator was fitted on {len(cols)}")
    return pd.DataFrame(arr.astype(np.float64), columns=cols), True


def train(model, dataset, *, steps: int, batch_size: int, seed: int, evaluate: Callable | None,
          select_metric: str, select_mode: str, eval_every: int, out_dir=None, resume: bool = False,
          device: str = "auto", threads: int | None = None, progress: bool | None = None,
          checkpoint_every: int | None = None, extra: dict[str, Any] | None = None, return_final: bool = False):
    """Fit ``model`` through the engine and return (the best or final model in eval mode, TrainResult).

    The best checkpoint by ``select_metric`` (measured by ``evaluate`` on validation data) is
    returned when ``evaluate`` is given, else the final one. ``return_final``: return (best, TrainResult,
    final model) instead, the final one from the last step's checkpoint.
    """
    from scigen.engine import TrainConfig, fit, load_model

    if len(dataset) < 1:
        raise InputError("no training records")
    config = TrainConfig(
        steps=steps, batch_size=min(batch_size, len(dataset)), seed=seed, device=device, threads=threads,
        progress=progress, log_every=max(1, min(50, steps // 10)),
        checkpoint_every=checkpoint_every if (checkpoint_every or out_dir is not None) else steps,
        keep_checkpoints=1 if out_dir is None else 2,
        eval_every=min(eval_every, steps) if evaluate else None,
        select_metric=select_metric if evaluate else None, select_mode=select_mode)
    context = contextlib.nullcontext(out_dir) if out_dir is not None else tempfile.TemporaryDirectory(prefix="scigen-ehr-")
    with context as run:
        result = fit(model, dataset, config, out_dir=run, resume=resume, evaluate=evaluate, checkpoint_extra=extra)
        best = load_run(run, model.name)
        if return_final:
            return best, result, load_model(run, expected=model.name, which="latest")
    return best, result


def load_run(path, expected: str):
    """The model of a run or checkpoint directory: its "best" checkpoint when it has one, else the latest."""
    from scigen.engine import load_model

    p = Path(path)
    if (p / "checkpoints" / "best" / "config.json").is_file():
        return load_model(p, expected=expected, which="best")
    return load_model(p, expected=expected)


def checkpoint_extra(model) -> dict:
    """The ``extra`` dict stored with a loaded model's checkpoint (wrapper settings)."""
    info = getattr(model, "checkpoint_info", None) or {}
    extra = info.get("extra") or {}
    if "estimator" not in extra:
        raise CheckpointError(f"'{info.get('path')}' was not written by a scigen ehr estimator (no estimator settings)")
    return extra


def generator_for(seed: int, stream: int = 0):
    """A CPU torch.Generator seeded from (seed, stream)."""
    import torch

    return torch.Generator().manual_seed(int(np.random.SeedSequence([int(seed), int(stream)]).generate_state(1)[0]))
