"""THE training engine: every model in every domain trains through :func:`fit`.

    from scigen.engine import Model, register_model, fit, TrainConfig, load_model

See :mod:`scigen.engine.model` for the model protocol, :mod:`scigen.engine.trainer` for what the
engine owns, :mod:`scigen.engine.checkpoint` for the on-disk format and ``docs/engine.md``.
"""

from scigen.engine.checkpoint import load_model, read_checkpoint_config, resolve_checkpoint, save_checkpoint
from scigen.engine.data import ArrayDataset
from scigen.engine.model import Model, model_class, register_model
from scigen.engine.runtime import resolve_device
from scigen.engine.seeding import seeded
from scigen.engine.config import TrainConfig, TrainResult, TrainState
from scigen.engine.context import StepContext
from scigen.engine.trainer import fit

__all__ = [
    "Model", "register_model", "model_class", "fit", "TrainConfig", "TrainResult", "TrainState", "StepContext",
    "ArrayDataset", "load_model", "save_checkpoint", "read_checkpoint_config", "resolve_checkpoint",
    "resolve_device", "seeded",
]
