"""The StepContext a model's ``training_step`` optimises through."""

from __future__ import annotations

import contextlib

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from scigen.engine import distributed as dist_util
from scigen.engine.config import TrainConfig
from scigen.engine.model import Model
from scigen.engine.runtime import Runtime
from scigen.errors import TrainingDivergedError


class StepContext:
    """What a model's ``training_step`` uses to optimise: ``ctx.optimize`` and ``ctx.frozen``."""

    def __init__(self, model: Model, optimizers: dict, scaler, runtime: Runtime, config: TrainConfig,
                 dist: dist_util.DistInfo) -> None:
        self._model = model
        self._optimizers = optimizers
        self._scaler = scaler
        self.runtime = runtime
        self.device = runtime.device
        self.dist = dist
        self._clip = config.grad_clip
        self.step = 0

    def optimize(self, name: str, loss: torch.Tensor, *, retain_graph: bool = False) -> torch.Tensor:
        """Backpropagate ``loss`` and step optimizer ``name``; returns the gradient norm.

        Zeroes that optimizer's gradients first, backpropagates outside autocast (through the
        grad scaler in fp16), clips when configured, and stops training with
        :class:`TrainingDivergedError` on a non-finite loss or gradient.
        """
        try:
            opt = self._optimizers[name]
        except KeyError:
            raise KeyError(f"no optimizer '{name}'; configure_optimizers() returned {sorted(self._optimizers)}") from None
        opt.zero_grad(set_to_none=True)
        if not self.dist.enabled and not self._scaler.is_enabled() and not torch.isfinite(loss.detach()).all():
            raise TrainingDivergedError(f"loss of optimizer '{name}' is {loss.item()} at step {self.step + 1}")
        with torch.autocast(device_type=self.device.type, enabled=False):
            self._scaler.scale(loss).backward(retain_graph=retain_graph)
        if self._scaler.is_enabled():
            self._scaler.unscale_(opt)
        params = [p for group in opt.param_groups for p in group["params"] if p.grad is not None]
        norm = torch.nn.utils.clip_grad_norm_(params, self._clip if self._clip else float("inf"), foreach=True)
        if not self._scaler.is_enabled() and not torch.isfinite(norm):
            raise TrainingDivergedError(
                f"gradient norm of optimizer '{name}' is {norm.item()} at step {self.step + 1} "
                f"(loss {loss.detach().float().mean().item():.4g})"
            )
        self._scaler.step(opt)
        return norm.detach()

    @contextlib.contextmanager
    def frozen(self, *children: str):
        """Within the block, the named children get no gradients and (under DDP) no all-reduce.

        Use it for the half of a step that must not train a network: generating fakes in the D step,
        the G step's pass through D.
        """
        modules = []
        for name in children:
            module = getattr(self._model, name, None)
            if not isinstance(module, nn.Module):
                raise KeyError(f"frozen('{name}'): the model has no child module '{name}'")
            modules.append(module)
        saved = [(p, p.requires_grad) for m in modules for p in m.parameters()]
        for p, _ in saved:
            p.requires_grad_(False)
        try:
            with contextlib.ExitStack() as stack:
                for module in modules:
                    ddp = _find_ddp(module)
                    if ddp is not None:
                        stack.enter_context(ddp.no_sync())
                yield
        finally:
            for p, flag in saved:
                p.requires_grad_(flag)


def _find_ddp(module: nn.Module) -> DistributedDataParallel | None:
    if isinstance(module, DistributedDataParallel):
        return module
    inner = getattr(module, "_orig_mod", None)  # torch.compile wrapper
    return inner if isinstance(inner, DistributedDataParallel) else None
