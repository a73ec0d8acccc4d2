"""Device, precision and thread choices, made once per run and recorded with it."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

import torch

from scigen.errors import InputError

log = logging.getLogger("scigen.engine")

PRECISIONS = ("auto", "fp32", "bf16", "fp16")


@dataclass(frozen=True)
class Runtime:
    """Resolved execution settings: ``device``, ``amp_dtype`` (None = fp32), whether a grad scaler runs."""

    device: torch.device
    amp_dtype: torch.dtype | None
    use_scaler: bool

    @property
    def precision(self) -> str:
        return {None: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}[self.amp_dtype]

    def autocast(self):
        """Autocast context for forward passes and losses (a no-op in fp32)."""
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.amp_dtype)


def resolve_device(device: str | torch.device = "auto", local_rank: int = 0) -> torch.device:
    """"auto" -> this rank's CUDA device when present, else CPU; "cuda" -> cuda:<local_rank>."""
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda":
        device = f"cuda:{local_rank}"
    try:
        resolved = torch.device(device)
    except RuntimeError:
        raise InputError(f"--device '{device}' is not a device torch knows; use auto, cpu, cuda or cuda:N") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise InputError(f"--device {device}: this machine has no CUDA GPU visible to torch; use --device cpu")
    return resolved


def resolve_runtime(device: torch.device, precision: str, model_supports_autocast: bool = True) -> Runtime:
    """Choose autocast dtype and scaler: bf16 (or fp16 + scaler) on GPU, fp32 on CPU unless asked.

    bf16 autocast on the CPU ran ~17x slower than fp32 on an AVX2-only CPU (1.9x faster with
    AVX512-BF16, 1.5-1.7x for nn.LSTM), so "auto" keeps CPU runs in fp32; "bf16" on CPU is honoured
    when asked for explicitly.
    """
    if precision not in PRECISIONS:
        raise InputError(f"--precision '{precision}' is not one of {', '.join(PRECISIONS)}")
    if not model_supports_autocast and precision in ("bf16", "fp16"):
        log.warning("this model runs in fp32 only; ignoring --precision %s", precision)
        precision = "fp32"
    if precision == "auto":
        if device.type == "cuda" and model_supports_autocast:
            precision = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        else:
            precision = "fp32"
    if precision == "fp16" and device.type != "cuda":
        raise InputError("--precision fp16 needs a CUDA device (CPU half precision is not supported for training); use bf16 or fp32")
    dtype = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}[precision]
    return Runtime(device=device, amp_dtype=dtype, use_scaler=precision == "fp16")


def set_threads(threads: int | None) -> None:
    """Set torch's intra-op thread count (None leaves torch's default)."""
    if threads is not None:
        if threads < 1:
            raise InputError(f"--threads must be at least 1, got {threads}")
        torch.set_num_threads(threads)


def move_to(batch, device: torch.device, channels_last: bool = False):
    """Move tensors in a (nested) batch to ``device``; 4-D float tensors to channels_last if asked."""
    if isinstance(batch, torch.Tensor):
        out = batch.to(device, non_blocking=True)
        if channels_last and out.dim() == 4 and out.is_floating_point():
            out = out.contiguous(memory_format=torch.channels_last)
        return out
    if isinstance(batch, dict):
        return {k: move_to(v, device, channels_last) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(move_to(v, device, channels_last) for v in batch)
    return batch
