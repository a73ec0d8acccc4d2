"""The model protocol: what a model tells the engine, and the registry that rebuilds it from disk.

A scigen model is an ``nn.Module`` subclass of :class:`Model`. It says which optimizers it has and
what one training step does with a batch; the engine (``scigen.engine.fit``) owns everything else.

    @register_model("engine.ring_gan")
    class RingGAN(Model):
        def __init__(self, latent_dim: int = 2, hidden: int = 128):
            super().__init__()
            self.generator = MLP(latent_dim, [hidden] * 3, 2)
            self.discriminator = MLP(2, [hidden] * 3, 1)

        def configure_optimizers(self):
            return {"discriminator": Adam(self.discriminator.parameters(), 1e-3),
                    "generator": Adam(self.generator.parameters(), 1e-3)}

        def training_step(self, batch, ctx):
            real = batch["samples"]
            with ctx.frozen("generator"):               # no G gradients, no G all-reduce
                fake = self.generator(torch.randn(len(real), 2, device=real.device))
            loss_d = ...
            ctx.optimize("discriminator", loss_d)
            with ctx.frozen("discriminator"):           # G step: D's gradients neither computed nor synced
                loss_g = ...
            ctx.optimize("generator", loss_g)
            return {"loss_d": loss_d, "loss_g": loss_g}

Rules that let the same model run on one CPU or under DDP on many GPUs:
- keep trainable parts as direct child modules and call them through ``forward`` (under DDP the
  engine swaps each child for its DDP wrapper during training);
- inside ``training_step`` read settings from the model itself (``self.latent_dim``), not from
  a child's attributes (a wrapper does not forward them);
- draw noise from torch's default generator (the engine seeds it per rank and restores it on resume).

The constructor's arguments are the model's config: they are captured automatically, must be
JSON-serialisable, and are saved with every checkpoint so ``load_model(dir)`` needs nothing else.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
from typing import Any, ClassVar

import torch
from torch import nn

from scigen.errors import CheckpointError

_MODELS: dict[str, type["Model"]] = {}
# Where the models of each registry prefix live, so a checkpoint can be loaded without the user
# importing anything first. Names are "<prefix>.<model>".
_PREFIX_MODULES = {
    "engine": "scigen.engine.examples",
    "ising": "scigen.ising.models",
    "astro": "scigen.astro.models",
    "chem": "scigen.chem.models",
    "ehr": "scigen.ehr.models",
}


class Model(nn.Module):
    """Base class of every trainable scigen model (see the module docstring for the protocol).

    Subclasses implement :meth:`configure_optimizers` and :meth:`training_step`; generative models
    also implement :meth:`sample`. Optional: :meth:`configure_schedulers`.

    Attributes:
        name: registry name, set by :func:`register_model` ("<domain>.<model>").
        supports_autocast: False for models that must run in fp32 even when mixed precision is on.
        config: the constructor arguments (JSON-serialisable), captured automatically.
    """

    name: ClassVar[str] = ""
    supports_autocast: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" not in cls.__dict__:
            return
        init = cls.__dict__["__init__"]
        signature = inspect.signature(init)

        @functools.wraps(init)
        def recording_init(self, *args, **kw):
            outermost = "_config" not in self.__dict__
            if outermost:
                bound = signature.bind(self, *args, **kw)
                bound.apply_defaults()
                config = {}
                for key, value in list(bound.arguments.items())[1:]:
                    kind = signature.parameters[key].kind
                    if kind is inspect.Parameter.VAR_KEYWORD:
                        config.update(value)
                    elif kind is inspect.Parameter.VAR_POSITIONAL:
                        raise TypeError(f"{cls.__name__}: *args cannot be part of a model config")
                    else:
                        config[key] = value
                self.__dict__["_config"] = config
            init(self, *args, **kw)

        cls.__init__ = recording_init

    @property
    def config(self) -> dict[str, Any]:
        """The constructor arguments this model was built with."""
        return dict(self.__dict__.get("_config", {}))

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        """Return the optimizers by name (``ctx.optimize(name, loss)`` steps one)."""
        raise NotImplementedError(f"{type(self).__name__} must implement configure_optimizers()")

    def configure_schedulers(self, optimizers: dict[str, torch.optim.Optimizer]) -> dict[str, Any]:
        """Optional learning-rate schedulers by name, stepped once per training step."""
        return {}

    def training_step(self, batch: Any, ctx) -> dict[str, Any]:
        """Do one training step on ``batch`` through ``ctx.optimize``; return metrics to log."""
        raise NotImplementedError(f"{type(self).__name__} must implement training_step()")

    def sample(self, n: int, *, condition: torch.Tensor | None = None,
               generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw ``n`` samples (shape and dtype documented by each model)."""
        raise NotImplementedError(f"{type(self).__name__} does not sample")

    def trainable_children(self) -> dict[str, nn.Module]:
        """Direct children with trainable parameters: the units the engine wraps for DDP/compile."""
        return {
            name: child for name, child in self.named_children()
            if any(p.requires_grad for p in child.parameters())
        }

    @property
    def device(self) -> torch.device:
        for tensor in self.parameters():
            return tensor.device
        return torch.device("cpu")


def register_model(name: str):
    """Class decorator: register a :class:`Model` subclass under ``name`` ("<domain>.<model>")."""

    def decorate(cls):
        if not (isinstance(cls, type) and issubclass(cls, Model)):
            raise TypeError(f"register_model('{name}') needs a scigen.engine.Model subclass, got {cls!r}")
        existing = _MODELS.get(name)
        if existing is not None and existing.__qualname__ != cls.__qualname__:
            raise ValueError(f"model name '{name}' is taken by {existing.__module__}.{existing.__qualname__}")
        cls.name = name
        _MODELS[name] = cls
        return cls

    return decorate


def model_class(name: str) -> type[Model]:
    """The registered class for ``name``, importing its domain's models module when needed."""
    if name not in _MODELS:
        prefix = name.split(".", 1)[0]
        module = _PREFIX_MODULES.get(prefix)
        if module is not None:
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as exc:
                raise CheckpointError(f"model '{name}' needs module {module}, which is not installed ({exc})") from None
    if name not in _MODELS:
        known = ", ".join(sorted(_MODELS)) or "none loaded"
        raise CheckpointError(f"unknown model '{name}' (registered: {known}); is the package that defines it installed?")
    return _MODELS[name]


def check_config_serialisable(model: Model) -> str:
    """The model's config as JSON, or a clear error naming the argument that cannot be stored."""
    for key, value in model.config.items():
        try:
            json.dumps(value)
        except TypeError:
            raise TypeError(
                f"{type(model).__name__}: constructor argument '{key}' ({type(value).__name__}) is not "
                "JSON-serialisable, so the checkpoint could not rebuild the model; pass plain numbers, "
                "strings, lists or dicts"
            ) from None
    return json.dumps(model.config, sort_keys=True)
