"""Command-line options shared by every ``train`` verb, mapped onto :class:`TrainConfig`."""

from __future__ import annotations

import argparse
import dataclasses

from scigen.engine.config import TrainConfig


def add_training_arguments(parser: argparse.ArgumentParser, **defaults) -> None:
    """Add the engine's options (``--steps``, ``--batch-size``, ``--device``...) to ``parser``.

    ``defaults`` overrides TrainConfig's defaults for this command (e.g. ``steps=3000``).
    """
    base = dataclasses.replace(TrainConfig(), **defaults)
    g = parser.add_argument_group("training engine")
    g.add_argument("--steps", type=int, default=base.steps, help=f"training steps in total (default {base.steps})")
    g.add_argument("--batch-size", type=int, default=base.batch_size, help=f"global batch size (default {base.batch_size})")
    g.add_argument("--seed", type=int, default=base.seed, help=f"seed for initialisation, data order and noise (default {base.seed})")
    g.add_argument("--device", default=base.device, help="auto (CUDA if present), cpu, cuda, cuda:N")
    g.add_argument("--precision", default=base.precision, choices=["auto", "fp32", "bf16", "fp16"],
                   help="auto: bf16/fp16 on GPU, fp32 on CPU")
    g.add_argument("--compile", action="store_true", default=base.compile, help="torch.compile the networks")
    g.add_argument("--channels-last", action=argparse.BooleanOptionalAction, default=base.channels_last,
                   help="NHWC layout for conv models (default: on for conv models)")
    g.add_argument("--grad-clip", type=float, default=base.grad_clip, help="clip gradient norms to this value")
    g.add_argument("--log-every", type=int, default=base.log_every, help="steps between metrics-log lines")
    g.add_argument("--checkpoint-every", type=int, default=base.checkpoint_every, help="steps between checkpoints")
    g.add_argument("--keep-checkpoints", type=int, default=base.keep_checkpoints, help="step checkpoints to keep")
    g.add_argument("--num-workers", type=int, default=base.num_workers, help="data-loading worker processes")
    g.add_argument("--threads", type=int, default=base.threads, help="torch CPU threads (default: torch's choice)")
    g.add_argument("--resume", action="store_true", help="continue the run in --out from its latest checkpoint")
    g.add_argument("--progress", action=argparse.BooleanOptionalAction, default=base.progress,
                   help="progress bar (default: only on a terminal)")


def train_config_from_args(args: argparse.Namespace, **fixed) -> TrainConfig:
    """A :class:`TrainConfig` from parsed options; ``fixed`` sets fields the command decides itself."""
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    values = {name: getattr(args, name) for name in names if hasattr(args, name)}
    values.update(fixed)
    return TrainConfig(**values)
