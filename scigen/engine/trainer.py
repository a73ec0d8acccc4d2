"""The one training loop every scigen model runs through.

``fit(model, dataset, TrainConfig(...), out_dir=...)`` owns device choice, mixed precision, optional
torch.compile and channels_last, gradient clipping, the NaN/inf guard, seeding, the progress bar,
the JSONL metrics log, periodic/best/final checkpoints, exact resume and DDP. The model owns only
what one step does (see :mod:`scigen.engine.model`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterable

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, Dataset

from scigen.engine import checkpoint as ckpt
from scigen.engine import distributed as dist_util
from scigen.engine.config import TrainConfig, TrainResult, TrainState
from scigen.engine.context import StepContext
from scigen.engine.data import identity_collate
from scigen.engine.model import Model
from scigen.engine.runtime import move_to, resolve_device, resolve_runtime, set_threads
from scigen.errors import CheckpointError, InputError, TrainingDivergedError
from scigen.io.atomic import write_text_atomic

log = logging.getLogger("scigen.engine")


def fit(
    model: Model,
    dataset: Dataset,
    config: TrainConfig | None = None,
    *,
    out_dir: str | Path | None = None,
    resume: bool = False,
    evaluate: Callable[[Model], dict[str, float]] | None = None,
    callbacks: Iterable[Callable[[TrainState], None]] = (),
    checkpoint_extra: dict[str, Any] | None = None,
) -> TrainResult:
    """Train ``model`` on ``dataset`` (map-style; items or batches of tensors/dicts).

    Args:
        model: a :class:`Model`.
        dataset: map-style dataset; a dataset with ``collated = True`` returns whole batches from
            ``__getitems__`` (see :class:`scigen.engine.data.ArrayDataset`).
        config: :class:`TrainConfig`.
        out_dir: run directory for checkpoints, ``metrics.jsonl`` and ``train_config.json``
            (None: nothing written).
        resume: continue from the latest checkpoint in ``out_dir`` (exactly: weights, optimizers,
            scaler, RNG, data position). Without it an ``out_dir`` holding checkpoints is an error.
        evaluate: called every ``config.eval_every`` steps on rank 0 with the model in eval mode;
            returns metrics to log (and to select the best checkpoint by).
        callbacks: called after every step with the :class:`TrainState`.
        checkpoint_extra: JSON-serialisable info stored in each checkpoint's config.json.
    """
    config = config or TrainConfig()
    config.check()
    set_threads(config.threads)
    kind = "cuda" if (config.device.startswith("cuda") or (config.device == "auto" and torch.cuda.is_available())) else "cpu"
    info = dist_util.setup(kind)
    return _Run(model, dataset, config, info, out_dir, resume, evaluate, list(callbacks), checkpoint_extra).run()


class _Run:
    def __init__(self, model, dataset, config, info, out_dir, resume, evaluate, callbacks, extra):
        self.model = model
        self.dataset = dataset
        self.config = config
        self.info = info
        self.run_dir = Path(out_dir) if out_dir is not None else None
        self.resume = resume
        self.evaluate = evaluate
        self.callbacks = callbacks
        self.extra = extra or {}
        self.state = TrainState()
        self.last_checkpoint: Path | None = None
        self.saved_step: int | None = None
        self._originals: dict[str, nn.Module] = {}

    # ----------------------------------------------------------------- setup
    def _prepare(self) -> None:
        cfg, info = self.config, self.info
        if not isinstance(self.model, Model):
            raise InputError(f"fit() needs a scigen.engine.Model, got {type(self.model).__name__}")
        if cfg.batch_size % info.world_size:
            raise InputError(f"batch_size {cfg.batch_size} must divide evenly over {info.world_size} processes")
        self.device = resolve_device(cfg.device, info.local_rank)
        self.runtime = resolve_runtime(self.device, cfg.precision, type(self.model).supports_autocast)
        has_conv = any(isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)) for m in self.model.modules())
        self.channels_last = has_conv if cfg.channels_last is None else cfg.channels_last
        self.model.to(self.device)
        if self.channels_last:
            self.model.to(memory_format=torch.channels_last)
        self.optimizers = self.model.configure_optimizers()
        if not isinstance(self.optimizers, dict) or not self.optimizers:
            raise InputError(f"{type(self.model).__name__}.configure_optimizers() must return a non-empty dict of optimizers")
        self.schedulers = self.model.configure_schedulers(self.optimizers) or {}
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=self.runtime.use_scaler)
        self.per_rank_batch = cfg.batch_size // info.world_size
        self.sampler = dist_util.ResumableSampler(
            len(self.dataset), batch_size=self.per_rank_batch, seed=cfg.seed, rank=info.rank, world_size=info.world_size,
            lengths=getattr(self.dataset, "bucket_lengths", None),
        )
        if self.sampler.batches_per_epoch == 0:
            raise InputError(f"the dataset has {len(self.dataset)} samples, fewer than one global batch of {cfg.batch_size}; lower --batch-size")
        if self.run_dir is not None:
            existing = ckpt.list_step_checkpoints(self.run_dir)
            if existing and not self.resume:
                raise CheckpointError(
                    f"'{self.run_dir}' already holds a training run ({existing[-1].name}); pass --resume to "
                    "continue it, or choose another --out"
                )
            if info.is_main:
                ckpt.remove_stale_temporaries(self.run_dir)
            dist_util.barrier(info)
        if self.resume and self.run_dir is not None and ckpt.list_step_checkpoints(self.run_dir):
            self._load_resume_state()
        elif self.resume and self.run_dir is None:
            raise InputError("resume=True needs out_dir, the run directory to resume")
        self._wrap_children()
        if self.config.checkpoint_every is None:
            self.config = dataclasses.replace(self.config, checkpoint_every=max(1, cfg.steps // 10))

    def _wrap_children(self) -> None:
        if not (self.info.enabled or self.config.compile):
            return
        for name, child in self.model.trainable_children().items():
            wrapped: nn.Module = child
            if self.info.enabled:
                ids = [self.device.index] if self.device.type == "cuda" else None
                wrapped = DistributedDataParallel(child, device_ids=ids)
            if self.config.compile:
                wrapped = torch.compile(wrapped)
            self._originals[name] = child
            setattr(self.model, name, wrapped)

    @contextlib.contextmanager
    def _unwrapped(self):
        """The model with its own children (for saving and evaluation), wrappers restored after."""
        wrapped = {name: getattr(self.model, name) for name in self._originals}
        for name, child in self._originals.items():
            setattr(self.model, name, child)
        try:
            yield self.model
        finally:
            for name, w in wrapped.items():
                setattr(self.model, name, w)

    # ----------------------------------------------------------- checkpoints
    def _trainer_state(self) -> dict[str, Any]:
        rng = {"cpu": torch.get_rng_state()}
        if self.device.type == "cuda":
            rng["cuda"] = torch.cuda.get_rng_state(self.device)
        all_rng = dist_util.all_gather_objects(self.info, rng)
        return {
            "step": self.state.step, "epoch": self.state.epoch, "batch_in_epoch": self.state.batch_in_epoch,
            "world_size": self.info.world_size, "seed": self.config.seed, "batch_size": self.config.batch_size,
            "optimizers": {k: o.state_dict() for k, o in self.optimizers.items()},
            "schedulers": {k: s.state_dict() for k, s in self.schedulers.items()},
            "scaler": self.scaler.state_dict(),
            "rng": all_rng,
            "best": {"value": self.state.best_value, "step": self.state.best_step},
        }

    def _save(self, name: str) -> Path | None:
        """Write checkpoint ``name`` ("step_<n>" or "best"); every rank must call it (RNG gather)."""
        if self.run_dir is None:
            return None
        if name.startswith("step_"):
            self.saved_step = self.state.step
        trainer_state = self._trainer_state()
        path = None
        if self.info.is_main:
            with self._unwrapped() as model:
                path = ckpt.save_checkpoint(
                    self.run_dir / "checkpoints" / name, model, trainer_state=trainer_state, step=self.state.step,
                    extra={**self.extra, "train": dataclasses.asdict(self.config), "runtime": self._runtime_info()},
                )
            if name.startswith("step_"):
                ckpt.point_latest(self.run_dir, path)
                ckpt.prune_checkpoints(self.run_dir, self.config.keep_checkpoints)
                self.last_checkpoint = path
        dist_util.barrier(self.info)
        return path

    def _load_resume_state(self) -> None:
        path = ckpt.resolve_checkpoint(self.run_dir)
        meta = ckpt.read_checkpoint_config(path)
        if meta["model"] != self.model.name:
            raise CheckpointError(f"cannot resume: '{path}' is a checkpoint of '{meta['model']}', this run trains '{self.model.name}'")
        weights = ckpt.load_state(path / "model.pt", map_location=self.device)
        try:
            self.model.load_state_dict(weights)
        except RuntimeError as exc:
            raise CheckpointError(f"cannot resume from '{path}': weights do not fit ({str(exc).splitlines()[0]})") from None
        state = ckpt.load_state(path / "trainer.pt", map_location="cpu")
        for name, opt in self.optimizers.items():
            opt.load_state_dict(state["optimizers"][name])
        for name, sched in self.schedulers.items():
            sched.load_state_dict(state["schedulers"][name])
        self.scaler.load_state_dict(state["scaler"])
        self.state = TrainState(step=state["step"], epoch=state["epoch"], batch_in_epoch=state["batch_in_epoch"],
                                best_value=state["best"]["value"], best_step=state["best"]["step"])
        if state["world_size"] == self.info.world_size and state["batch_size"] == self.config.batch_size:
            self._resume_rng = state["rng"][self.info.rank]
        else:
            log.warning("resuming with a different world size or batch size: data order and noise continue, "
                        "but not bit for bit")
            self._resume_rng = None
            self.state.batch_in_epoch = min(self.state.batch_in_epoch, self.sampler.batches_per_epoch)
        self.last_checkpoint = path
        self.saved_step = self.state.step
        self._resumed_from = path

    # ------------------------------------------------------------------ loop
    def _runtime_info(self) -> dict[str, Any]:
        return {"device": str(self.device), "precision": self.runtime.precision, "world_size": self.info.world_size,
                "channels_last": self.channels_last, "compile": self.config.compile, "threads": torch.get_num_threads()}

    def _loader(self) -> DataLoader:
        collated = getattr(self.dataset, "collated", False)
        return DataLoader(
            self.dataset, batch_size=self.per_rank_batch, sampler=self.sampler, drop_last=True,
            num_workers=self.config.num_workers, collate_fn=identity_collate if collated else None,
            pin_memory=self.device.type == "cuda",
            # its own generator: a DataLoader iterator otherwise draws its worker seed from the global
            # RNG, which would shift the model's noise stream on every resume
            generator=torch.Generator().manual_seed(self.config.seed * 7919 + self.state.epoch),
        )

    def run(self) -> TrainResult:
        self._resume_rng = None
        self._resumed_from = None
        self._prepare()
        devices = [self.device] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            if self._resume_rng is not None:
                torch.set_rng_state(self._resume_rng["cpu"])
                if "cuda" in self._resume_rng and self.device.type == "cuda":
                    torch.cuda.set_rng_state(self._resume_rng["cuda"], self.device)
            else:
                torch.manual_seed(self.config.seed * 1_000_003 + self.info.rank)
            try:
                return self._loop()
            finally:
                self._unwrap_children()

    def _unwrap_children(self) -> None:
        """Give the model back as it came: its own children, not the DDP/compile wrappers of training.
        A DDP wrapper left on the model keeps the process group's C++ state alive until interpreter
        shutdown, where gloo's threads were torn down out of order ("terminate called without an
        active exception"), and a second ``fit`` of the same model would wrap the wrapper."""
        for name, child in self._originals.items():
            setattr(self.model, name, child)
        self._originals.clear()

    def _loop(self) -> TrainResult:
        cfg, st = self.config, self.state
        log_file = self._open_log()
        progress = self._progress()
        ctx = StepContext(self.model, self.optimizers, self.scaler, self.runtime, cfg, self.info)
        sums: dict[str, torch.Tensor] = {}
        count = 0
        start_step, t0 = st.step, time.perf_counter()
        t_window = t0
        self.model.train()
        try:
            while st.step < cfg.steps:
                self.sampler.set_position(st.epoch, st.batch_in_epoch)
                finished_epoch = True
                for batch in self._loader():
                    batch = move_to(batch, self.device, self.channels_last)
                    ctx.step = st.step
                    with self.runtime.autocast():
                        out = self.model.training_step(batch, ctx) or {}
                    if self.scaler.is_enabled():
                        self.scaler.update()
                    for sched in self.schedulers.values():
                        sched.step()
                    st.step += 1
                    st.batch_in_epoch += 1
                    for k, v in out.items():
                        v = v.detach().float() if isinstance(v, torch.Tensor) else torch.tensor(float(v))
                        sums[k] = sums.get(k, 0.0) + v
                    count += 1
                    if st.step % cfg.log_every == 0 or st.step == cfg.steps:
                        now = time.perf_counter()
                        st.metrics = {k: float(v) / count for k, v in sums.items()}
                        st.metrics["steps_per_s"] = count / max(now - t_window, 1e-9)
                        self._log(log_file, st.metrics)
                        progress.update(count)
                        progress.set_postfix({k: f"{v:.4g}" for k, v in list(st.metrics.items())[:4]})
                        sums, count, t_window = {}, 0, now
                    if cfg.eval_every and self.evaluate and st.step % cfg.eval_every == 0:
                        self._run_evaluation(log_file)
                    if st.step % cfg.checkpoint_every == 0 and st.step < cfg.steps:
                        self._save(f"step_{st.step:08d}")
                    for callback in self.callbacks:
                        callback(st)
                    if st.step >= cfg.steps:
                        finished_epoch = st.batch_in_epoch >= self.sampler.batches_per_epoch
                        break
                if finished_epoch:
                    st.epoch += 1
                    st.batch_in_epoch = 0
            if self.evaluate and cfg.eval_every and cfg.steps % cfg.eval_every:
                self._run_evaluation(log_file)
            if self.saved_step != st.step:
                self._save(f"step_{st.step:08d}")
        except TrainingDivergedError as exc:
            where = f"the last good checkpoint is '{self.last_checkpoint}'" if self.last_checkpoint else "no checkpoint was written yet"
            raise TrainingDivergedError(
                f"training diverged: {exc}; {where}. Lower the learning rate, set --grad-clip, or check the data for NaN/inf"
            ) from None
        finally:
            progress.close()
            if log_file is not None:
                log_file.close()
        elapsed = time.perf_counter() - t0
        steps_done = st.step - start_step
        batches = self.sampler.batches_per_epoch
        return TrainResult(
            run_dir=self.run_dir, checkpoint=self.last_checkpoint, steps=st.step,
            epochs=st.epoch + st.batch_in_epoch / batches, elapsed_s=elapsed,
            steps_per_s=steps_done / elapsed if elapsed > 0 else float("nan"), metrics=dict(st.metrics),
            best={"metric": cfg.select_metric, "value": st.best_value, "step": st.best_step} if cfg.select_metric else None,
            runtime=self._runtime_info(),
        )

    def _run_evaluation(self, log_file) -> None:
        st, cfg = self.state, self.config
        metrics = None
        if self.info.is_main:
            with self._unwrapped() as model:
                model.eval()
                with torch.no_grad():
                    metrics = {k: float(v) for k, v in self.evaluate(model).items()}
                model.train()
        metrics = dist_util.broadcast_object(self.info, metrics)
        self._log(log_file, {f"eval_{k}": v for k, v in metrics.items()})
        st.metrics.update({f"eval_{k}": v for k, v in metrics.items()})
        if cfg.select_metric:
            if cfg.select_metric not in metrics:
                raise InputError(f"select_metric '{cfg.select_metric}' is not among the evaluated metrics {sorted(metrics)}")
            value = metrics[cfg.select_metric]
            better = st.best_value is None or (value < st.best_value if cfg.select_mode == "min" else value > st.best_value)
            if better:
                st.best_value, st.best_step = value, st.step
                self._save("best")

    # --------------------------------------------------------------- logging
    def _open_log(self):
        if not (self.info.is_main and self.run_dir is not None):
            return None
        self.run_dir.mkdir(parents=True, exist_ok=True)
        settings = {"model": self.model.name, "model_config": self.model.config, "train": dataclasses.asdict(self.config),
                    "runtime": self._runtime_info(), "dataset_size": len(self.dataset)}
        write_text_atomic(self.run_dir / "train_config.json", json.dumps(settings, indent=2, default=str) + "\n")
        path = self.run_dir / "metrics.jsonl"
        if self._resumed_from is not None and path.exists():
            kept = [line for line in path.read_text().splitlines() if line and json.loads(line).get("step", 0) <= self.state.step]
            write_text_atomic(path, "".join(line + "\n" for line in kept))
        elif path.exists():
            path.unlink()
        return open(path, "a", encoding="utf-8")

    def _log(self, log_file, metrics: dict[str, float]) -> None:
        if log_file is None:
            return
        record = {"step": self.state.step, "epoch": self.state.epoch, "time": time.time(), **metrics}
        log_file.write(json.dumps(record) + "\n")
        log_file.flush()

    def _progress(self):
        from tqdm.auto import tqdm

        show = self.config.progress
        if show is None:
            show = sys.stdout.isatty() and sys.stderr.isatty()
        return tqdm(total=self.config.steps, initial=self.state.step, disable=not (show and self.info.is_main),
                    unit="step", dynamic_ncols=True, leave=False)
