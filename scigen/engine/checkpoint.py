"""Checkpoints: directories written atomically, loaded without unpickling anything a user was sent.

A checkpoint directory holds::

    config.json    format, model name + constructor config, step, weights hash, versions, extra info
    model.pt       the unwrapped model's state dict (tensors only; loaded with weights_only=True)
    trainer.pt     optimizers, schedulers, grad scaler, RNG states, step and data position (resume only)

A run directory (what ``fit`` writes and ``--model DIR`` accepts) holds ``checkpoints/step_<n>/``
(the last few kept), ``checkpoints/best/`` when a selection metric is set, a ``latest`` file naming
the newest complete checkpoint, ``metrics.jsonl`` and ``train_config.json``. Each checkpoint
directory is renamed into place only when complete, and ``latest`` is rewritten atomically after it,
so killing the process at any moment leaves the previous checkpoint loadable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import torch

from scigen.engine.model import Model, check_config_serialisable, model_class
from scigen.errors import CheckpointError
from scigen.io.atomic import atomic_directory, write_text_atomic

FORMAT = "scigen.checkpoint/1"
_STEP_DIR = re.compile(r"^step_(\d+)$")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_checkpoint(
    path: str | os.PathLike,
    model: Model,
    *,
    state_dict: dict[str, torch.Tensor] | None = None,
    trainer_state: dict[str, Any] | None = None,
    step: int = 0,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write a checkpoint directory at ``path`` atomically (replacing one that exists).

    ``state_dict`` defaults to ``model.state_dict()``; pass the unwrapped one when the model's
    children are wrapped (DDP/compile). ``extra`` is stored in config.json (JSON-serialisable).
    """
    from scigen import __version__

    if not model.name:
        raise CheckpointError(f"{type(model).__name__} is not registered: decorate it with @register_model")
    config_json = check_config_serialisable(model)
    weights = state_dict if state_dict is not None else model.state_dict()
    weights = {k: v.detach().to("cpu").contiguous() for k, v in weights.items()}
    with atomic_directory(path, overwrite=True) as tmp:
        torch.save(weights, tmp / "model.pt")
        if trainer_state is not None:
            torch.save(trainer_state, tmp / "trainer.pt")
        meta = {
            "format": FORMAT,
            "model": model.name,
            "config": json.loads(config_json),
            "step": int(step),
            "weights_sha256": file_sha256(tmp / "model.pt"),
            "scigen_version": __version__,
            "torch_version": torch.__version__,
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "extra": extra or {},
        }
        (tmp / "config.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return Path(path)


def resolve_checkpoint(path: str | os.PathLike, which: str = "latest") -> Path:
    """The checkpoint directory for ``path``: a checkpoint itself, or a run directory.

    In a run directory ``which`` is "latest" (the newest complete checkpoint) or "best".
    """
    p = Path(path)
    if not p.exists():
        raise CheckpointError(f"model directory '{p}' does not exist: pass the --out directory of a training run")
    if (p / "config.json").is_file() and (p / "model.pt").is_file():
        return p
    if which == "best":
        best = p / "checkpoints" / "best"
        if not (best / "config.json").is_file():
            raise CheckpointError(f"'{p}' has no best checkpoint (training ran without a selection metric); use the latest")
        return best
    latest_file = p / "latest"
    if latest_file.is_file():
        candidate = p / latest_file.read_text(encoding="utf-8").strip()
        if (candidate / "config.json").is_file():
            return candidate
    steps = list_step_checkpoints(p)
    if steps:
        return steps[-1]
    raise CheckpointError(
        f"'{p}' holds no scigen checkpoint (no config.json + model.pt, no checkpoints/step_*): "
        "pass a training run's --out directory or one of its checkpoints"
    )


def list_step_checkpoints(run_dir: Path) -> list[Path]:
    """Complete step checkpoints of a run directory, oldest first."""
    folder = Path(run_dir) / "checkpoints"
    if not folder.is_dir():
        return []
    found = []
    for child in folder.iterdir():
        match = _STEP_DIR.match(child.name)
        if match and (child / "config.json").is_file():
            found.append((int(match.group(1)), child))
    return [p for _, p in sorted(found)]


def read_checkpoint_config(path: str | os.PathLike, which: str = "latest") -> dict[str, Any]:
    """config.json of the checkpoint at ``path`` (see :func:`resolve_checkpoint`), with its path added."""
    ckpt = resolve_checkpoint(path, which)
    try:
        meta = json.loads((ckpt / "config.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"'{ckpt / 'config.json'}' is unreadable ({exc}); the checkpoint is damaged") from None
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"'{ckpt}' is not a scigen checkpoint (format {meta.get('format')!r}, expected {FORMAT!r})")
    meta["path"] = str(ckpt)
    return meta


def load_state(path: Path, *, map_location="cpu") -> dict[str, Any]:
    """torch.load with ``weights_only=True``: tensors and plain containers only, never arbitrary objects."""
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"'{path}' is missing: the checkpoint is incomplete") from None
    except Exception as exc:  # unpickling refused or file damaged
        raise CheckpointError(f"'{path}' could not be loaded safely ({type(exc).__name__}: {exc})") from None


def load_model(
    path: str | os.PathLike,
    *,
    expected: str | type[Model] | None = None,
    which: str = "latest",
    map_location: str | torch.device = "cpu",
) -> Model:
    """Rebuild a model from a checkpoint or run directory, in eval mode.

    Args:
        path: a checkpoint directory or a run directory (see :func:`resolve_checkpoint`).
        expected: the model name or class the caller needs; a checkpoint of another model is a
            :class:`CheckpointError` naming both.
        which: "latest" or "best" in a run directory.
        map_location: where to put the weights.
    """
    meta = read_checkpoint_config(path, which)
    name = meta["model"]
    if expected is not None:
        want = expected if isinstance(expected, str) else expected.name
        if name != want:
            raise CheckpointError(f"'{meta['path']}' is a checkpoint of model '{name}', not '{want}': pass a {want} run")
    cls = model_class(name)
    try:
        model = cls(**meta["config"])
    except TypeError as exc:
        raise CheckpointError(f"'{meta['path']}': config does not fit {cls.__name__} ({exc}); was it written by another version?") from None
    weights = load_state(Path(meta["path"]) / "model.pt", map_location=map_location)
    missing, unexpected = _key_mismatch(model, weights)
    if missing or unexpected:
        raise CheckpointError(
            f"'{meta['path']}': weights do not fit {cls.__name__} (missing {missing[:3]}, unexpected {unexpected[:3]}); "
            "the checkpoint belongs to a differently configured or different model"
        )
    try:
        model.load_state_dict(weights)
    except RuntimeError as exc:
        raise CheckpointError(f"'{meta['path']}': weights do not fit {cls.__name__}: {str(exc).splitlines()[0]}") from None
    model.to(map_location)
    model.eval()
    model.checkpoint_info = {k: meta[k] for k in ("path", "model", "step", "weights_sha256", "extra")}
    return model


def _key_mismatch(model: torch.nn.Module, weights: dict) -> tuple[list[str], list[str]]:
    own = set(model.state_dict())
    got = set(weights)
    return sorted(own - got), sorted(got - own)


def point_latest(run_dir: Path, checkpoint: Path) -> None:
    """Make ``run_dir/latest`` name ``checkpoint`` (atomically)."""
    write_text_atomic(run_dir / "latest", str(checkpoint.relative_to(run_dir)) + "\n")


def prune_checkpoints(run_dir: Path, keep: int) -> None:
    """Delete all but the newest ``keep`` step checkpoints, and stray temporaries of earlier crashes."""
    steps = list_step_checkpoints(run_dir)
    for old in steps[: max(0, len(steps) - keep)]:
        shutil.rmtree(old, ignore_errors=True)


def remove_stale_temporaries(run_dir: Path) -> None:
    """Remove half-written checkpoint directories left by a killed process (names hold '.tmp-')."""
    folder = Path(run_dir) / "checkpoints"
    if not folder.is_dir():
        return
    for child in folder.iterdir():
        if ".tmp-" in child.name:
            shutil.rmtree(child, ignore_errors=True)
        elif ".old-" in child.name:
            # killed between the two renames of an overwrite: the old copy is the one to keep
            original = folder / child.name[1:].split(".old-")[0]
            if original.exists():
                shutil.rmtree(child, ignore_errors=True)
            else:
                os.replace(child, original)
