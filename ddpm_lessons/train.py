"""Training with L_simple (lesson 06; the seed's 训练 algorithm and its ``main()`` training loop).

One :func:`train` serves the notebooks and the CLI. Each step is DDPM Algorithm 1:

    x_0 ~ data,  t ~ Uniform{0, …, T−1},  ε ~ N(0, I),  gradient step on ‖ε − ε_θ(√ᾱ_t x_0 + √(1 − ᾱ_t) ε, t)‖²

with an exponential moving average (EMA) of the weights, optional label dropout for classifier-free guidance, and
checkpoints that resume exactly: every random draw comes from one seeded ``torch.Generator`` whose state is saved,
together with the model, EMA, optimizer, step, torch's global RNG state (dropout) and the loss history.
"""

from __future__ import annotations

import contextlib
import copy
import time
from pathlib import Path

import torch
import torch.nn as nn

from .checkpoints import CheckpointError, exclusive_run, load_checkpoint, save_checkpoint
from .config import TrainConfig
from .device import pick_device, seeded_generator
from .losses import simple_loss
from .models import build_model
from .process import q_sample
from .schedule import DiffusionSchedule
from .validation import check_bool, check_positive_int, check_real, check_schedule, check_tensor

__all__ = [
    "train",
    "TrainState",
    "TrainingDivergedError",
    "load_trained",
    "checkpoint_payload",
    "release_payload",
    "ema_update",
]


class TrainingDivergedError(FloatingPointError):
    """The loss became NaN or infinite; training stopped before the bad step touched the weights."""


@torch.no_grad()
def ema_update(ema: nn.Module, model: nn.Module, decay: float) -> None:
    """ema ← decay · ema + (1 − decay) · model for parameters; buffers (BatchNorm statistics) are copied."""
    decay = check_real(decay, "decay", minimum=0.0, maximum=1.0)
    for name, module in (("ema", ema), ("model", model)):
        if not isinstance(module, nn.Module):
            raise TypeError(f"{name} must be an nn.Module, got {type(module).__name__}")
    shapes = [[tuple(p.shape) for p in m.parameters()] + [tuple(b.shape) for b in m.buffers()] for m in (ema, model)]
    if shapes[0] != shapes[1]:
        raise ValueError("ema must be a copy of model (the same parameters and buffers, shape for shape)")
    for e, p in zip(ema.parameters(), model.parameters()):
        e.lerp_(p, 1.0 - decay)
    for e, b in zip(ema.buffers(), model.buffers()):
        e.copy_(b)


class TrainState:
    """What :func:`train` returns: the model, its EMA copy, the optimizer, the step reached and the history."""

    def __init__(self, model, ema, optimizer, schedule, step, history, config):
        self.model, self.ema, self.optimizer, self.schedule = model, ema, optimizer, schedule
        self.step, self.history, self.config = step, history, config

    def __repr__(self) -> str:
        last = self.history["loss"][-1] if self.history["loss"] else float("nan")
        return f"TrainState(step={self.step}, last loss={last:.4f}, model={type(self.model).__name__})"


def checkpoint_payload(state: TrainState, generator: torch.Generator) -> dict:
    """Everything needed to resume exactly, in types that load with ``weights_only=True``."""
    return {
        "kind": "ddpm",
        "model_kind": type(state.model).__name__,
        "model_config": state.model.config,
        "schedule": state.schedule.config,
        "train_config": state.config,
        "model": state.model.state_dict(),
        "ema": state.ema.state_dict(),
        "optimizer": state.optimizer.state_dict(),
        "step": state.step,
        "rng": _rng_state(generator),
        "history": state.history,
    }


def release_payload(payload: dict) -> dict:
    """A slim copy of a training checkpoint for sampling: config, EMA weights, step, history — no optimizer state.

    A training checkpoint of a 1M-parameter model is about 17 MB (weights, EMA, two Adam moments); its release
    copy is a quarter of that. :func:`load_trained` reads both.
    """
    slim = {
        key: payload[key] for key in ("kind", "model_kind", "model_config", "schedule", "train_config", "ema", "step")
    }
    slim["history"] = {k: v for k, v in payload["history"].items() if k != "loss"}
    losses = payload["history"]["loss"]
    every = max(1, len(losses) // 1000)  # keep the curve's shape, not every step
    slim["history"]["loss"] = [
        sum(losses[i : i + every]) / len(losses[i : i + every]) for i in range(0, len(losses), every)
    ]
    slim["history"]["loss_every"] = every
    return slim


def _rng_state(generator: torch.Generator) -> dict:
    state = {"generator": generator.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()  # dropout on a GPU draws from the CUDA generators
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        state["mps"] = torch.mps.get_rng_state()
    return state


def _restore_rng(state: dict, generator: torch.Generator) -> None:
    generator.set_state(state["generator"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    if "mps" in state and getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        torch.mps.set_rng_state(state["mps"])


def _check_run_arguments(steps, checkpoint_every, stop_after, checkpoint_path, resume) -> None:
    check_positive_int(steps, "steps", minimum=0)
    if checkpoint_every is not None:
        check_positive_int(checkpoint_every, "checkpoint_every")
    if stop_after is not None:
        check_positive_int(stop_after, "stop_after")
    check_bool(resume, "resume")
    if resume and checkpoint_path is None:
        raise ValueError("resume=True needs checkpoint_path")


def _check_data(data, model: nn.Module, settings: TrainConfig):
    """``(x, labels or None)`` from ``data``, checked against the model and the label-dropout setting."""
    if isinstance(data, torch.Tensor):
        x, labels = data, None
    elif isinstance(data, (tuple, list)) and len(data) == 2:
        x, labels = data
    else:
        raise TypeError("data must be a tensor x (N, ...) or a pair (x, labels) of tensors")
    x = check_tensor(x, "data")
    if not torch.isfinite(x).all():
        bad = int((~torch.isfinite(x)).flatten(1).any(1).sum())
        raise ValueError(f"data must be finite: {bad} of {x.shape[0]} examples hold NaN or inf values")
    if labels is not None and (not isinstance(labels, torch.Tensor) or labels.shape != (x.shape[0],)):
        shape = tuple(labels.shape) if isinstance(labels, torch.Tensor) else type(labels).__name__
        raise ValueError(f"labels must be a tensor of shape ({x.shape[0]},) to match x, got {shape}")
    if settings.label_dropout and getattr(model, "num_classes", None) is None:
        raise ValueError("label_dropout needs a class-conditional model (num_classes set)")
    return x, labels


def _check_resumable(payload: dict, path, model: nn.Module, config: dict, schedule: DiffusionSchedule) -> None:
    if payload.get("kind") != "ddpm":
        raise CheckpointError(f"checkpoint {path} is not a DDPM training checkpoint (kind={payload.get('kind')!r})")
    if payload["model_kind"] != type(model).__name__ or payload["model_config"] != model.config:
        raise CheckpointError(
            f"checkpoint {path} belongs to a different model: {payload['model_kind']} {payload['model_config']} "
            f"vs {type(model).__name__} {model.config}"
        )
    if payload["schedule"] != schedule.config:
        raise CheckpointError(
            f"checkpoint {path} was trained with another schedule: {payload['schedule']} vs {schedule.config}"
        )
    changed = {
        k: (payload["train_config"].get(k), v)
        for k, v in config.items()
        if k not in ("steps", "progress") and payload["train_config"].get(k) != v
    }
    if changed:
        raise CheckpointError(f"checkpoint {path} was trained with other settings (saved, now): {changed}")


def _resume(state: TrainState, generator: torch.Generator, checkpoint_path) -> None:
    """Load model, EMA, optimizer, RNG states, step and history from ``checkpoint_path`` into ``state``."""
    # RNG states must stay on the CPU; load_state_dict moves weights and optimizer state to the device.
    payload = load_checkpoint(checkpoint_path, map_location="cpu")
    _check_resumable(payload, checkpoint_path, state.model, state.config, state.schedule)
    state.model.load_state_dict(payload["model"])
    state.ema.load_state_dict(payload["ema"])
    state.optimizer.load_state_dict(payload["optimizer"])
    _restore_rng(payload["rng"], generator)
    state.step, state.history = payload["step"], payload["history"]


def _draw_batch(x_all, labels_all, settings: TrainConfig, T: int, null_label, generator, device):
    """Algorithm 1's random draws for one step, all from the CPU ``generator``: x_0, t ~ U{0..T−1}, ε ~ N(0, I)."""
    batch = settings.batch_size
    idx = torch.randint(0, x_all.shape[0], (batch,), generator=generator)
    t = torch.randint(0, T, (batch,), generator=generator)
    noise = torch.randn((batch, *x_all.shape[1:]), generator=generator)
    labels = None
    if labels_all is not None:
        labels = labels_all[idx].clone()
        if settings.label_dropout:
            labels[torch.rand(batch, generator=generator) < settings.label_dropout] = null_label
        labels = labels.to(device)
    return x_all[idx].to(device), t.to(device), noise.to(device), labels


def _optimisation_step(state: TrainState, settings: TrainConfig, forward, x0, t, noise, labels) -> torch.Tensor:
    """One gradient step on L_simple (eq. 14) with warm-up, clipping and the EMA update; returns ε_θ (detached)."""
    x_t = forward(state.schedule, x0, t, noise)
    eps = state.model(x_t, t) if labels is None else state.model(x_t, t, labels)
    loss = simple_loss(noise, eps)
    if not torch.isfinite(loss):
        raise TrainingDivergedError(
            f"training diverged at step {state.step + 1}: the loss is {loss.item()} (lr={settings.lr:g}); "
            "no weights were updated with it, and the checkpoint on disk (if any) is the last good one"
        )
    lr = settings.lr * min(1.0, (state.step + 1) / settings.warmup) if settings.warmup else settings.lr
    for group in state.optimizer.param_groups:
        group["lr"] = lr
    state.optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if settings.grad_clip is not None:
        nn.utils.clip_grad_norm_(state.model.parameters(), settings.grad_clip)
    state.optimizer.step()
    ema_update(state.ema, state.model, settings.ema_decay)
    state.history["loss"].append(float(loss.detach()))
    return eps.detach()


@torch.no_grad()
def _record_bucket_loss(history: dict, eps: torch.Tensor, noise: torch.Tensor, t: torch.Tensor, T: int) -> None:
    """Add each example's ‖ε − ε_θ‖² / dim to the bucket of its timestep (lesson 06's loss-by-t plot)."""
    buckets = len(history["bucket_loss"])
    per_example = (eps - noise).pow(2).reshape(len(t), -1).mean(dim=1).cpu()
    index = (t.cpu() * buckets) // T
    for b in range(buckets):
        mask = index == b
        history["bucket_loss"][b] += float(per_example[mask].sum())
        history["bucket_count"][b] += int(mask.sum())


def train(
    model: nn.Module,
    data,
    *,
    schedule: DiffusionSchedule,
    steps: int,
    batch_size: int = TrainConfig.batch_size,
    lr: float = TrainConfig.lr,
    optimizer: str = TrainConfig.optimizer,
    weight_decay: float = TrainConfig.weight_decay,
    ema_decay: float = TrainConfig.ema_decay,
    label_dropout: float = TrainConfig.label_dropout,
    grad_clip: float | None = TrainConfig.grad_clip,
    warmup: int = TrainConfig.warmup,
    seed: int = TrainConfig.seed,
    device=None,
    checkpoint_path=None,
    checkpoint_every: int | None = None,
    resume: bool = False,
    loss_buckets: int = TrainConfig.loss_buckets,
    progress: bool = True,
    stop_after: int | None = None,
    data_info: dict | None = None,
    forward=None,
) -> TrainState:
    """Train an ε-prediction model with L_simple (DDPM Algorithm 1, eq. 14; seed §3 ``main()``).

    Args:
        model: a network ``model(x_t, t[, labels]) → ε``, e.g. :class:`~ddpm_lessons.models.ResidualUNet`.
        data: a tensor ``x (N, ...)`` in the model's data range, or ``(x, labels)`` with labels ``(N,)`` long.
        schedule: the noise schedule (moved to the training device).
        steps: total optimisation steps (a resumed run continues up to this number).
        batch_size, lr, optimizer, weight_decay, ema_decay, label_dropout, grad_clip, warmup, seed, loss_buckets:
            the run's :class:`~ddpm_lessons.config.TrainConfig` (defaults and meanings there). ``seed`` seeds the
            minibatch, timestep, noise and label-dropout draws (one CPU generator) and torch's global RNG (dropout);
            for a reproducible initialisation, build the model after ``torch.manual_seed(seed)``.
        device: None picks CUDA, MPS or CPU; checkpoint_path / checkpoint_every / resume: write a checkpoint every
            ``checkpoint_every`` steps and at the end; with ``resume=True`` continue from ``checkpoint_path``.
        progress: show a ``tqdm.auto`` progress bar; stop_after: stop (and checkpoint) after this many steps of
            this call, as an interruption would (used to test resuming).
        data_info: a description of the data (name, size, seed), stored in the checkpoint for evaluation.
        forward: ``forward(schedule, x0, t, noise) → x_t``, the forward-process draw; None uses the closed form
            :func:`~ddpm_lessons.process.q_sample`. Lesson 08 passes a deliberately wrong one
            (:mod:`ddpm_lessons.course.failures`); its ``__name__`` is stored in the config.

    Returns:
        :class:`TrainState` with ``model``, ``ema``, ``optimizer``, ``step`` and ``history`` (``loss`` per step,
        ``bucket_loss`` sum and ``bucket_count`` per timestep bucket, ``seconds``).
    """
    # 1. Arguments: the settings record validates itself; the run's own arguments and the data are checked here.
    settings = TrainConfig(
        batch_size=batch_size,
        lr=lr,
        optimizer=optimizer,
        weight_decay=weight_decay,
        ema_decay=ema_decay,
        label_dropout=label_dropout,
        grad_clip=grad_clip,
        warmup=warmup,
        seed=seed,
        loss_buckets=loss_buckets,
    )
    _check_run_arguments(steps, checkpoint_every, stop_after, checkpoint_path, resume)
    check_schedule(schedule)
    if getattr(model, "num_timesteps", None) not in (None, len(schedule)):
        raise ValueError(
            f"schedule has T = {len(schedule)} steps but the model was built for num_timesteps = "
            f"{model.num_timesteps}; build the model with num_timesteps={len(schedule)}"
        )
    x_all, labels_all = _check_data(data, model, settings)
    if forward is not None and not callable(forward):
        raise TypeError(f"forward must be a function (schedule, x0, t, noise) -> x_t, got {type(forward).__name__}")
    config = settings.to_dict() | {"steps": steps, "data_shape": list(x_all.shape[1:]), "data": data_info or {}}
    if forward is not None:
        config["forward"] = getattr(forward, "__name__", repr(forward))

    # 2. Model, EMA copy, optimizer and the random generators, on the chosen device.
    device = pick_device(device)
    model = model.to(device)
    ema = copy.deepcopy(model).eval().requires_grad_(False)
    opt_class = torch.optim.AdamW if settings.optimizer == "adamw" else torch.optim.Adam
    opt = opt_class(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
    generator = seeded_generator(settings.seed)
    history = {"loss": [], "bucket_loss": [0.0] * loss_buckets, "bucket_count": [0] * loss_buckets, "seconds": 0.0}
    state = TrainState(model, ema, opt, schedule.to(device=device), 0, history, config)

    # 3. Resume: everything, including the generators, continues where the checkpoint left off. A run that writes a
    #    checkpoint holds its lock from here to the end, so a second run on the same file stops at once.
    with exclusive_run(checkpoint_path) if checkpoint_path is not None else contextlib.nullcontext():
        if resume and Path(checkpoint_path).exists():
            _resume(state, generator, checkpoint_path)
        return _run(
            state,
            settings,
            forward,
            x_all,
            labels_all,
            generator,
            steps,
            stop_after,
            checkpoint_path,
            checkpoint_every,
            progress,
            device,
        )


def _run(
    state,
    settings,
    forward,
    x_all,
    labels_all,
    generator,
    steps,
    stop_after,
    checkpoint_path,
    checkpoint_every,
    progress,
    device,
) -> TrainState:
    """Step 4, the loop: Algorithm 1 one step at a time, with the per-timestep statistics and periodic checkpoints."""
    from tqdm.auto import tqdm

    model = state.model

    def save():
        if checkpoint_path is not None:
            save_checkpoint(checkpoint_path, checkpoint_payload(state, generator))

    forward = forward or q_sample
    T, null = len(state.schedule), getattr(model, "num_classes", None)
    last = steps if stop_after is None else min(steps, state.step + stop_after)
    bar = tqdm(total=steps, initial=state.step, disable=not progress, desc="training", leave=False)
    started = time.perf_counter()
    model.train()
    while state.step < last:
        x0, t, noise, labels = _draw_batch(x_all, labels_all, settings, T, null, generator, device)
        eps = _optimisation_step(state, settings, forward, x0, t, noise, labels)
        _record_bucket_loss(state.history, eps, noise, t, T)
        state.step += 1
        bar.update(1)
        if state.step % 50 == 0:
            bar.set_postfix(loss=f"{sum(state.history['loss'][-50:]) / 50:.4f}")
        if checkpoint_every and state.step % checkpoint_every == 0 and state.step < last:
            state.history["seconds"] += time.perf_counter() - started
            started = time.perf_counter()
            save()
    bar.close()
    state.history["seconds"] += time.perf_counter() - started
    model.eval()
    save()
    return state


def load_trained(path, *, expected_sha256: str | None = None, device=None, use_ema: bool = True, verify: bool = True):
    """Load a model trained by :func:`train` for sampling: returns ``(model, schedule, payload)``.

    ``use_ema`` picks the EMA weights (what the shipped samples use; release copies hold only these). The model
    is in eval mode on ``device``. The file is verified as :func:`~ddpm_lessons.checkpoints.load_checkpoint` says
    (``verify=False`` loads a file without a checksum, with a warning).
    """
    payload = load_checkpoint(path, expected_sha256=expected_sha256, verify=verify)
    if payload.get("kind") != "ddpm":
        raise CheckpointError(f"checkpoint {path} is not a DDPM checkpoint (kind={payload.get('kind')!r})")
    try:
        if not use_ema and "model" not in payload:
            raise CheckpointError(f"checkpoint {path} is a release copy with EMA weights only; use use_ema=True")
        weights = payload["ema" if use_ema else "model"]
        schedule = DiffusionSchedule.from_config(payload["schedule"])
        # The configuration is sized on the meta device first: a small file whose config asks for gigabytes is
        # refused before anything is allocated.
        with torch.device("meta"):
            wanted = sum(p.numel() for p in build_model(payload["model_kind"], payload["model_config"]).parameters())
        stored = sum(v.numel() for k, v in weights.items() if isinstance(v, torch.Tensor) and "running" not in k)
        if wanted > stored:
            raise CheckpointError(
                f"checkpoint {path} does not match its model configuration: the configuration asks for {wanted:,} "
                f"parameters but the file holds {stored:,} weights"
            )
        model = build_model(payload["model_kind"], payload["model_config"])
        model.load_state_dict(weights)
    except CheckpointError:
        raise
    except (KeyError, TypeError, ValueError, RuntimeError, AttributeError) as error:
        raise CheckpointError(f"checkpoint {path} does not match its model configuration: {error}") from error
    if not all(
        torch.isfinite(v).all() for v in weights.values() if isinstance(v, torch.Tensor) and v.is_floating_point()
    ):
        raise CheckpointError(f"checkpoint {path} holds NaN or infinite weights")
    device = pick_device(device)
    schedule = schedule.to(device=device)
    return model.to(device).eval(), schedule, payload
