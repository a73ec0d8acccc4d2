"""What a training run is told (TrainConfig) and what it reports (TrainState, TrainResult)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scigen.errors import InputError


@dataclass
class TrainConfig:
    """How to train (not what): every field has a CLI flag of the same name (``--batch-size``...).

    Attributes:
        steps: training steps (one global batch each) to reach in total, resumed runs included.
        batch_size: global batch size, split evenly across DDP ranks.
        seed: seeds data order, model noise and dropout (rank r draws noise from seed + r).
        device: "auto" (CUDA if present, else CPU), "cpu", "cuda", "cuda:N".
        precision: "auto" (bf16, or fp16 + grad scaler, on GPU; fp32 on CPU), "fp32", "bf16", "fp16".
        compile: wrap the model's children in torch.compile (slow first step, faster after).
        channels_last: NHWC memory layout for conv models; None = on when the model has 2-D convs.
        grad_clip: clip each optimizer's gradient norm to this value (None: no clipping).
        log_every: steps between metrics-log lines (and progress-bar updates).
        checkpoint_every: steps between checkpoints (None: about ten per run); one is always
            written at the end.
        keep_checkpoints: how many step checkpoints to keep (the newest).
        eval_every: steps between calls of the ``evaluate`` function given to :func:`fit`.
        select_metric: a metric returned by ``evaluate`` that picks the "best" checkpoint.
        select_mode: "min" or "max" for ``select_metric``.
        num_workers: DataLoader worker processes (0 = load in the training process).
        threads: torch intra-op threads (None: torch's default).
        progress: show a progress bar (None: only when stdout and stderr are terminals).
    """

    steps: int = 1000
    batch_size: int = 64
    seed: int = 0
    device: str = "auto"
    precision: str = "auto"
    compile: bool = False
    channels_last: bool | None = None
    grad_clip: float | None = None
    log_every: int = 50
    checkpoint_every: int | None = None
    keep_checkpoints: int = 2
    eval_every: int | None = None
    select_metric: str | None = None
    select_mode: str = "min"
    num_workers: int = 0
    threads: int | None = None
    progress: bool | None = None

    def check(self) -> None:
        for name in ("steps", "batch_size", "log_every", "keep_checkpoints"):
            if getattr(self, name) < 1:
                raise InputError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ("checkpoint_every", "eval_every"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise InputError(f"{name} must be at least 1 (or None), got {value}")
        if self.select_mode not in ("min", "max"):
            raise InputError(f"select_mode must be 'min' or 'max', got {self.select_mode!r}")
        if self.select_metric and not self.eval_every:
            raise InputError("select_metric needs eval_every (and an evaluate function) to be measured")


@dataclass
class TrainState:
    """Where training stands; passed to callbacks after every step."""

    step: int = 0
    epoch: int = 0
    batch_in_epoch: int = 0
    metrics: dict[str, float] = field(default_factory=dict)
    best_value: float | None = None
    best_step: int | None = None


@dataclass
class TrainResult:
    run_dir: Path | None
    checkpoint: Path | None
    steps: int
    epochs: float
    elapsed_s: float
    steps_per_s: float
    metrics: dict[str, float]
    best: dict[str, Any] | None
    runtime: dict[str, Any]
