"""Training with L_simple (lesson 06; the seed's 训练 algorithm and its ``main()`` training loop).

One :func:`train` serves the notebooks and the CLI. Each step is DDPM Algorithm 1:

    x_0 ~ data,  t ~ Uniform{0, …, T−1},  ε ~ N(0, I),  gradient step on ‖ε − ε_θ(√ᾱ_t x_0 + √(1 − ᾱ_t) ε, t)‖²

with an exponential moving average (EMA) of the weights, optional label dropout for classifier-free guidance, and
checkpoints that resume exactly: every random draw comes from one seeded ``torch.Generator`` whose state is saved,
together with the model, EMA, optimizer, step, torch's global RNG state (dropout) and the loss history.

The run's settings are a :class:`~ddpm_lessons.config.TrainConfig` (or its fields as keywords), its checkpointing a
:class:`~ddpm_lessons.config.CheckpointPolicy`; both are checked before the first step. What is learnt is an
objective: :class:`EpsObjective` (L_simple, the default) or :class:`ddpm_lessons.flow.FlowObjective` (lesson 09b's
flow matching, through :func:`ddpm_lessons.flow.train_flow`) — one loop, one seeding, one checkpoint format.

Issue 22, lesson A (the design space): :class:`EpsObjective` also trains an x₀- or v-prediction network
(``prediction``, Salimans & Ho 2022), with min-SNR-γ weighting (``weighting``, Hang et al. 2023) and EDM's
log-normal training noise levels (``levels``, Karras et al. 2022; :func:`level_probabilities` gives the probability
of each timestep, for a lesson's plot of p(log-SNR)). The defaults train exactly what they always did, and older
checkpoints resume with the values their runs had (:data:`SETTINGS_ADDED_LATER`); :func:`load_trained` reports the
run's ``prediction`` in ``payload["train_config"]``, which ``sample(..., prediction=...)`` takes.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import inspect
import math
import time
import warnings
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import Dataset

from . import kernels
from .checkpoints import (
    CheckpointError,
    check_weights_only_payload,
    exclusive_run,
    load_checkpoint,
    save_checkpoint,
)
from .config import CheckpointPolicy, TrainConfig, check_option_names
from .device import pick_device, seeded_generator
from .losses import min_snr_weight
from .models import (
    build_model,
    check_class_labels,
    check_data_shape,
    check_example_shape,
    planned_parameters,
    takes_no_labels,
)
from .schedule import DiffusionSchedule, gather
from .validation import (
    InputError,
    check_bool,
    check_choice,
    check_positive_int,
    check_real,
    check_schedule,
    check_shape,
    check_tensor,
)

__all__ = [
    "train",
    "TrainState",
    "EpsObjective",
    "TrainConfig",
    "CheckpointPolicy",
    "TrainingDivergedError",
    "DataRangeWarning",
    "load_trained",
    "checkpoint_payload",
    "release_payload",
    "ema_update",
    "learning_rate",
    "level_probabilities",
    "LEVELS",
]


# TrainConfig fields newer than some checkpoints: the value those runs had (issue 22, lesson A added the last six)
SETTINGS_ADDED_LATER = {
    "decay_steps": 0,
    "prediction": "eps",
    "weighting": "none",
    "snr_gamma": 5.0,
    "levels": "uniform",
    "level_mean": -1.2,
    "level_std": 1.2,
}


class TrainingDivergedError(FloatingPointError):
    """The loss became NaN or infinite; training stopped before the bad step touched the weights."""


def learning_rate(settings: TrainConfig, step: int) -> float:
    """The learning rate of step ``step`` (0-based): linear warm-up over ``settings.warmup`` steps, then constant, or
    with ``settings.decay_steps`` a cosine decay from the peak to 0 over that many steps after the warm-up (Loshchilov
    & Hutter 2017, without restarts), 0 from then on. A function of the step alone, so a resumed run continues it."""
    if not isinstance(settings, TrainConfig):
        raise InputError(f"settings must be a TrainConfig, got {type(settings).__name__}", parameter="settings")
    return _learning_rate(settings, check_positive_int(step, "step", minimum=0))


def _learning_rate(settings: TrainConfig, step: int) -> float:
    lr = settings.lr * min(1.0, (step + 1) / settings.warmup) if settings.warmup else settings.lr
    if settings.decay_steps:
        progress = min(1.0, max(0, step - settings.warmup) / settings.decay_steps)
        lr *= 0.5 * (1.0 + math.cos(math.pi * progress))
    return lr


@torch.no_grad()
def ema_update(ema: nn.Module, model: nn.Module, decay: float) -> None:
    """ema ← decay · ema + (1 − decay) · model for parameters; buffers (BatchNorm statistics) are copied."""
    decay = check_real(decay, "decay", minimum=0.0, maximum=1.0)
    for name, module in (("ema", ema), ("model", model)):
        if not isinstance(module, nn.Module):
            raise InputError(f"{name} must be an nn.Module, got {type(module).__name__}")
    shapes = [[tuple(p.shape) for p in m.parameters()] + [tuple(b.shape) for b in m.buffers()] for m in (ema, model)]
    if shapes[0] != shapes[1]:
        raise InputError("ema must be a copy of model (the same parameters and buffers, shape for shape)")
    _ema_lerp(ema, model, decay)


@torch.no_grad()
def _ema_lerp(ema: nn.Module, model: nn.Module, decay: float) -> None:
    # ema_update without its checks: the training loop's copy of the model is known to match
    for e, p in zip(ema.parameters(), model.parameters()):
        e.lerp_(p, 1.0 - float(decay))
    for e, b in zip(ema.buffers(), model.buffers()):
        e.copy_(b)


class TrainState:
    """What :func:`train` returns: the model, its EMA copy, the optimizer, the step reached and the history.

    ``kind`` is the objective's (``"ddpm"`` for L_simple, ``"flow"`` for flow matching, whose ``schedule`` is None).
    """

    def __init__(self, model, ema, optimizer, schedule, step, history, config, kind: str = "ddpm"):
        for name, value in (("model", model), ("ema", ema)):
            if not isinstance(value, nn.Module):
                raise InputError(f"{name} must be an nn.Module, got {type(value).__name__}", parameter=name)
        check_positive_int(step, "step", minimum=0)
        if not isinstance(history, dict) or not isinstance(history.get("loss"), list):
            raise InputError("history must be a dict with a 'loss' list", parameter="history")
        self.model, self.ema, self.optimizer, self.schedule = model, ema, optimizer, schedule
        self.step, self.history, self.config, self.kind = step, history, config, kind

    def __repr__(self) -> str:
        last = self.history["loss"][-1] if self.history["loss"] else float("nan")
        return f"TrainState(step={self.step}, last loss={last:.4f}, model={type(self.model).__name__})"


def checkpoint_payload(state: TrainState, generator: torch.Generator) -> dict:
    """Everything needed to resume exactly, in types that load with ``weights_only=True``."""
    if not isinstance(state, TrainState):
        raise InputError(f"state must be a TrainState, got {type(state).__name__}", parameter="state")
    if not isinstance(generator, torch.Generator):
        raise InputError(f"generator must be a torch.Generator, got {type(generator).__name__}", parameter="generator")
    return {
        "kind": state.kind,
        "model_kind": type(state.model).__name__,
        "model_config": state.model.config,
        "schedule": None if state.schedule is None else state.schedule.config,
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
    needed = ("kind", "model_kind", "model_config", "schedule", "train_config", "ema", "step", "history")
    if not isinstance(payload, dict) or any(key not in payload for key in needed):
        got = sorted(payload) if isinstance(payload, dict) else type(payload).__name__
        raise InputError(
            f"payload must be a training checkpoint's dict with keys {needed}, got {got}", parameter="payload"
        )
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


class DataRangeWarning(UserWarning):
    """The training data lies far from [−1, 1], the range the schedule and the samplers assume; train() still runs."""


# The warning's thresholds. Every data set of the course lies well inside them: the toy sets (moons, swiss roll,
# checkerboard, eight Gaussians, the 1-D mixture) span at most ±1.7, the images [−1, 1]. Raw pixel data does not:
# 0..16 (scikit-learn's digits) and 0..255 (bytes) are all ≥ 0 with a maximum above 2, and anything beyond ±8 is
# far outside the unit-variance noise that q(x_T) ≈ N(0, I) compares it with.
_RANGE_LIMIT, _NONNEGATIVE_LIMIT = 8.0, 2.0


def _split_data(data):
    if isinstance(data, torch.Tensor):
        return data, None
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return data[0], data[1]
    if isinstance(data, Dataset) and callable(getattr(data, "tensors", None)):
        # The package's data sets (FolderImages, GlyphDigits, RealDataset) give (x, labels or None) at once.
        return _split_data(data.tensors())
    raise InputError(
        "data must be a tensor x (N, ...), a pair (x, labels) of tensors, or one of the package's data sets "
        "(e.g. ddpm_lessons.data.load_image_folder(...))"
    )


def _describe(x: torch.Tensor) -> str:
    return f"data has shape {tuple(x.shape)} and dtype {x.dtype}"


def _check_values(x) -> torch.Tensor:
    """``x`` a non-empty, finite float tensor: an integer image tensor is refused with how to rescale it."""
    if isinstance(x, torch.Tensor) and not (x.is_floating_point() or x.is_complex() or x.dtype == torch.bool):
        low, high = (int(x.min()), int(x.max())) if x.numel() else (0, 0)
        raise InputError(
            f"data must be a float tensor in [−1, 1]; {_describe(x)} with values in [{low}, {high}]: rescale it, "
            "e.g. x.float() / 127.5 - 1 for 0..255, or 2 * (x.float() - x.min()) / (x.max() - x.min()) - 1"
        )
    x = check_tensor(x, "data")
    if x.shape[0] == 0:
        raise InputError(f"data must hold at least one example, got shape {tuple(x.shape)}")
    if not torch.isfinite(x).all():
        bad = int((~torch.isfinite(x)).flatten(1).any(1).sum())
        raise InputError(f"data must be finite: {bad} of {x.shape[0]} examples hold NaN or inf values")
    return x


def _warn_range(x: torch.Tensor) -> None:
    low, high = float(x.min()), float(x.max())
    if max(abs(low), abs(high)) <= _RANGE_LIMIT and not (low >= 0 and high > _NONNEGATIVE_LIMIT):
        return
    warnings.warn(
        f"{_describe(x)} with values in [{low:g}, {high:g}], far from [−1, 1], the range the noise schedule assumes "
        f"(x_T ≈ N(0, I)); rescale it before training: 2 * (x - {low:g}) / ({high:g} - {low:g}) - 1 "
        "(x / 127.5 - 1 for 0..255, 2 * x / 16 - 1 for 0..16)",
        DataRangeWarning,
        stacklevel=4,  # _warn_range ← _check_data ← train ← the caller
    )


def _check_data(data, model: nn.Module, settings: TrainConfig):
    """``(x, labels or None)`` from ``data``, the whole set checked once against the model and the settings."""
    x, labels = _split_data(data)
    x = _check_values(x)
    check_example_shape(tuple(x.shape), model, "data", x.dtype)
    check_shape((settings.batch_size, *x.shape[1:]), "batch_size")  # one step's draws, before any is made
    _warn_range(x)
    if labels is not None and (not isinstance(labels, torch.Tensor) or labels.shape != (x.shape[0],)):
        shape = tuple(labels.shape) if isinstance(labels, torch.Tensor) else type(labels).__name__
        raise InputError(f"labels must be a tensor of shape ({x.shape[0]},) to match x, got {shape}")
    num_classes = getattr(model, "num_classes", None)
    if settings.label_dropout and num_classes is None:
        raise InputError("label_dropout needs a class-conditional model (num_classes set)")
    if labels is not None and takes_no_labels(model):
        raise InputError(
            f"labels were given but the model ({type(model).__name__}) is unconditional; pass x alone (of a data "
            "set: data.tensors()[0]), or build a class-conditional model (e.g. ResidualUNet(num_classes=...))"
        )
    if labels is None and isinstance(num_classes, int):
        raise InputError(
            f"labels are missing: the model is class-conditional (num_classes = {num_classes}); pass data=(x, labels)"
            " or build the model with num_classes=None"
        )
    if labels is not None and num_classes is not None:
        labels = check_class_labels(labels, num_classes)
    return x, labels


LEVELS = ("uniform", "lognormal")  # TrainConfig.levels: the distributions of the training timesteps


def level_probabilities(
    schedule: DiffusionSchedule,
    levels: str = "uniform",
    mean: float = TrainConfig.level_mean,
    std: float = TrainConfig.level_std,
):
    """The probability of drawing each timestep index in training, ``(T,)`` float64 on the CPU (issue 22, lesson A).

    ``"uniform"``: 1/T each, DDPM Algorithm 1's t ~ U{0, …, T − 1}. ``"lognormal"``: EDM's training noise-level
    distribution ln σ ~ N(P_mean, P_std²) (Karras et al. 2022, §5 and Table 1: P_mean = −1.2, P_std = 1.2),
    discretised onto the indices a discrete-time network was trained for: with σ_i = √((1 − ᾱ_i)/ᾱ_i),

        p_i ∝ N(ln σ_i; P_mean, P_std) · Δ(ln σ)_i,   Δ(ln σ)_i = (ln σ_{i+1} − ln σ_{i−1})/2 (one-sided at the ends)

    — the density times the width in ln σ that index i stands for (``torch.gradient``), so p approximates the
    log-normal's mass near σ_i whatever the spacing of the schedule; p is normalised over the indices (the tails
    beyond σ_0 and σ_{T−1} are dropped). An index with σ = ∞ (ᾱ = 0, a zero-terminal-SNR schedule) has density 0
    there and gets p = 0. To plot p against log-SNR use log SNR_i = −2 ln σ_i; p_i/Δ(ln σ)_i is the density in ln σ,
    largest at the index whose σ is nearest e^{P_mean}.

    EDM's σ is the noise scale of data with σ_data = 0.5 (their images in [−1, 1] have a standard deviation near
    0.5): P_mean = −1.2 (σ ≈ 0.30) puts the most training on noise comparable to the data's scale. For data of
    another scale the same relative placement needs P_mean shifted by ln(σ_data′/0.5) (:mod:`ddpm_lessons.edm`).

    Args:
        schedule: the training schedule; levels: one of :data:`LEVELS`; mean, std: P_mean and P_std > 0
            (``"lognormal"`` only: other values with ``"uniform"`` are refused).
    """
    check_schedule(schedule)
    check_choice(levels, LEVELS, "levels")
    mean, std = check_real(mean, "mean"), check_real(std, "std")
    if std <= 0:
        raise InputError(f"std must be > 0, got {std:g}", parameter="std")
    if levels == "uniform":
        if (mean, std) != (TrainConfig.level_mean, TrainConfig.level_std):
            raise InputError(
                "mean and std apply to levels='lognormal' only",
                parameter="mean" if mean != TrainConfig.level_mean else "std",
            )
        return torch.full((len(schedule),), 1.0 / len(schedule), dtype=torch.float64)
    alpha_bar = schedule.alphas_cumprod.double().cpu()
    finite = alpha_bar > 0
    log_sigma = 0.5 * torch.log((1 - alpha_bar[finite]) / alpha_bar[finite])  # ln σ_i (ode.sigma_from_alpha_bar)
    width = torch.gradient(log_sigma)[0] if len(log_sigma) > 1 else torch.ones(1, dtype=torch.float64)
    density = torch.exp(-0.5 * ((log_sigma - mean) / std) ** 2)  # N(ln σ; P_mean, P_std) up to its constant
    probabilities = torch.zeros_like(alpha_bar)
    probabilities[finite] = density * width
    if not probabilities.sum() > 0:
        raise InputError(
            f"mean: N({mean:g}, {std:g}²) puts no mass on the schedule's ln sigma in [{float(log_sigma[0]):.3g}, "
            f"{float(log_sigma[-1]):.3g}]",
            parameter="mean",
        )
    return probabilities / probabilities.sum()


class EpsObjective:
    """L_simple (eq. 14), what :func:`train` minimises by default: t ~ U{0, …, T−1}, x_t from the forward process,
    ‖ε − ε_θ(x_t, t)‖²; or, with ``config``'s target and levels (issue 22, lesson A), the same loop with another
    target, weighting or distribution of t.

    ``forward(schedule, x0, t, noise) → x_t`` is the forward-process draw; None uses the closed form
    :func:`~ddpm_lessons.process.q_sample`. Lesson 08 passes a deliberately wrong one
    (:mod:`ddpm_lessons.course.failures`); its ``__name__`` is stored in the run's config.

    ``config``: a :class:`~ddpm_lessons.config.TrainConfig` whose ``prediction``, ``weighting``/``snr_gamma`` and
    ``levels``/``level_mean``/``level_std`` this objective uses (None: ε, no weighting, uniform t — L_simple):

    - the loss is mean ‖f_θ(x_t, t) − target‖² over elements, the target ε, x₀ or v = √ᾱ_t ε − √(1 − ᾱ_t) x₀
      (Salimans & Ho 2022, §4); with ``weighting="min-snr"`` each example's mean squared error is multiplied by
      :func:`ddpm_lessons.losses.min_snr_weight` at its SNR_t (computed once for the T indices) before the batch
      mean. The defaults compute exactly what they always did (``F.mse_loss(ε_θ, ε)``).
    - t is drawn from :func:`level_probabilities` (``torch.multinomial`` on the run's generator) for
      ``levels="lognormal"``, with ``torch.randint`` as before for ``"uniform"``.
    - the residual for the loss-by-level history is f_θ − target of the run's own target, unweighted: the buckets
      hold the mean squared ε-error for ε-models, the x₀-error for x₀-models and the v-error for v-models;
      :func:`ddpm_lessons.losses.target_weight` converts between them (x₀-error = ε-error/SNR, v-error =
      ε-error (1 + 1/SNR)).

    On a zero-terminal-SNR schedule (ᾱ_{T−1} = 0, :meth:`DiffusionSchedule.zero_terminal_snr`) ε-prediction is
    refused: at SNR 0 the target ε equals the input x_T itself, a degenerate target from which no x̂₀ follows, so
    no sampler could use it (Lin et al. 2024, §3.2, train with v-prediction); ``"x0"`` and ``"v"`` are well defined.

    An objective (this one, or :class:`ddpm_lessons.flow.FlowObjective`) tells the shared loop of :func:`train` what
    differs between objectives: ``kind`` and ``settings`` (stored in the checkpoint), ``schedule`` (or None),
    ``to(device)``, ``check(model)`` (once, before training), ``draw(batch, generator)`` (the noise levels, drawn
    between the minibatch indices and ε), ``loss(model, x0, levels, noise, labels) → (loss, residual)`` and
    ``bucket(levels, buckets)`` (which bucket of the loss-by-level statistics each example falls in); and, only
    where the noise is tied to the data (:class:`ddpm_lessons.flow.ReflowObjective`), ``coupled_noise``: one ε per
    data point, shape of the data, which replaces the drawn ε of the minibatch's points.
    """

    kind = "ddpm"

    def __init__(self, schedule: DiffusionSchedule, forward=None, config: TrainConfig | None = None):
        self.schedule = check_schedule(schedule)
        if forward is not None and not callable(forward):
            raise InputError(
                f"forward must be a function (schedule, x0, t, noise) -> x_t, got {type(forward).__name__}"
            )
        if config is not None and not isinstance(config, TrainConfig):
            raise InputError(f"config must be a TrainConfig or None, got {type(config).__name__}", parameter="config")
        self.forward, self.config = forward, config or TrainConfig()
        self.settings = {} if forward is None else {"forward": getattr(forward, "__name__", repr(forward))}
        self.prediction = self.config.prediction
        if self.prediction == "eps" and float(schedule.alphas_cumprod[-1]) == 0:
            raise InputError(
                "prediction='eps' cannot be trained on a zero-terminal-SNR schedule: at alpha_bar = 0 the target eps "
                "is the input x_T itself and no x0 estimate follows from it; use prediction='v' or 'x0'",
                parameter="prediction",
            )
        cfg = self.config
        self.probabilities = (
            None
            if cfg.levels == "uniform"
            else level_probabilities(schedule, cfg.levels, cfg.level_mean, cfg.level_std)
        )
        self.weights = None
        if cfg.weighting == "min-snr":
            alpha_bar = schedule.alphas_cumprod.double()
            snr = alpha_bar / (1 - alpha_bar)  # SNR_t = ᾱ_t/(1 − ᾱ_t)
            self.weights = min_snr_weight(snr, self.prediction, cfg.snr_gamma).to(schedule.dtype)

    def to(self, device) -> EpsObjective:
        return EpsObjective(self.schedule.to(device=device), self.forward, self.config)

    def check(self, model: nn.Module) -> None:
        if getattr(model, "num_timesteps", None) not in (None, len(self.schedule)):
            raise InputError(
                f"schedule has T = {len(self.schedule)} steps but the model was built for num_timesteps = "
                f"{model.num_timesteps}; build the model with num_timesteps={len(self.schedule)}"
            )

    def draw(self, batch: int, generator: torch.Generator) -> torch.Tensor:
        if self.probabilities is not None:  # EDM's log-normal levels on the trained indices
            return torch.multinomial(self.probabilities, batch, replacement=True, generator=generator)
        return torch.randint(0, len(self.schedule), (batch,), generator=generator)  # t ~ U{0, …, T−1}

    def loss(self, model, x0, t, noise, labels):
        # The checked q_sample and simple_loss would wait for the device twice a step to look for NaN: the data
        # was checked once before step 1, the noise is drawn here, and descend() refuses a non-finite loss.
        schedule = self.schedule
        if self.forward is None:
            x_t = kernels.q_sample(schedule.sqrt_alphas_cumprod, schedule.sqrt_one_minus_alphas_cumprod, x0, t, noise)
        else:
            x_t = self.forward(schedule, x0, t, noise)
        output = model(x_t, t) if labels is None else model(x_t, t, labels)
        target = self.target(x0, t, noise)
        if self.weights is None:
            return F.mse_loss(output, target), output.detach() - target  # L_simple, eq. 14, for ε
        per_example = (output - target).pow(2).reshape(len(t), -1).mean(dim=1)
        return (self.weights[t] * per_example).mean(), output.detach() - target  # Hang et al. 2023, eq. 7

    def target(self, x0, t, noise):
        """What the network learns to output at (x_t, t): ε, x₀, or v = √ᾱ_t ε − √(1 − ᾱ_t) x₀ (Salimans & Ho)."""
        if self.prediction == "eps":
            return noise
        if self.prediction == "x0":
            return x0
        schedule = self.schedule
        return (
            gather(schedule.sqrt_alphas_cumprod, t, x0) * noise
            - gather(schedule.sqrt_one_minus_alphas_cumprod, t, x0) * x0
        )  # v, Salimans & Ho 2022, §4

    def bucket(self, t: torch.Tensor, buckets: int) -> torch.Tensor:
        return (t.cpu() * buckets) // len(self.schedule)


def _data_info(data_info) -> dict:
    # Checked now, not at the first checkpoint hours later: save_checkpoint would refuse what a resume cannot load.
    if data_info is not None and not isinstance(data_info, dict):
        raise InputError(f"data_info must be a dict or None, got {type(data_info).__name__}", parameter="data_info")
    check_weights_only_payload(data_info or {}, "data_info")
    return data_info or {}


def _check_resumable(payload: dict, path, state: TrainState) -> None:
    model, schedule = state.model, None if state.schedule is None else state.schedule.config
    if payload.get("kind") != state.kind:
        raise CheckpointError(
            f"checkpoint {path} is not a training checkpoint of this objective (kind={payload.get('kind')!r}, "
            f"this run's is {state.kind!r})"
        )
    if payload["model_kind"] != type(model).__name__ or payload["model_config"] != model.config:
        raise CheckpointError(
            f"checkpoint {path} belongs to a different model: {payload['model_kind']} {payload['model_config']} "
            f"vs {type(model).__name__} {model.config}"
        )
    if payload["schedule"] != schedule:
        raise CheckpointError(
            f"checkpoint {path} was trained with another schedule: {payload['schedule']} vs {schedule}"
        )
    saved = {**SETTINGS_ADDED_LATER, **payload["train_config"]}
    changed = {
        k: (saved.get(k), v) for k, v in state.config.items() if k not in ("steps", "progress") and saved.get(k) != v
    }
    if changed:
        raise CheckpointError(f"checkpoint {path} was trained with other settings (saved, now): {changed}")


def _resume(state: TrainState, generator: torch.Generator, checkpoint_path) -> None:
    """Load model, EMA, optimizer, RNG states, step and history from ``checkpoint_path`` into ``state``."""
    # RNG states must stay on the CPU; load_state_dict moves weights and optimizer state to the device.
    payload = load_checkpoint(checkpoint_path, map_location="cpu")
    _check_resumable(payload, checkpoint_path, state)
    state.model.load_state_dict(payload["model"])
    state.ema.load_state_dict(payload["ema"])
    state.optimizer.load_state_dict(payload["optimizer"])
    _restore_rng(payload["rng"], generator)
    state.step, state.history = payload["step"], payload["history"]


class _Run:
    """One call of :func:`train`: the state, the settings, the data and the generator, and the loop over them."""

    def __init__(self, model, data, settings: TrainConfig, objective, record: dict, device: torch.device):
        _check_coupling(objective, data[0])  # before anything is built
        self.settings, self.objective, self.device = settings, objective.to(device), device
        self.x, self.labels = data
        self.null = getattr(model, "num_classes", None)
        model = model.to(device)
        ema = copy.deepcopy(model).eval().requires_grad_(False)
        opt_class = torch.optim.AdamW if settings.optimizer == "adamw" else torch.optim.Adam
        optimizer = opt_class(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
        self.generator = seeded_generator(settings.seed)
        n = settings.loss_buckets
        history = {"loss": [], "bucket_loss": [0.0] * n, "bucket_count": [0] * n, "seconds": 0.0}
        self.state = TrainState(model, ema, optimizer, self.objective.schedule, 0, history, record, kind=objective.kind)

    def draw(self):
        """One step's random draws, all from the CPU generator: x_0, the levels (t or s), ε, then label dropout."""
        batch, generator, dropout = self.settings.batch_size, self.generator, self.settings.label_dropout
        idx = torch.randint(0, self.x.shape[0], (batch,), generator=generator)
        levels = self.objective.draw(batch, generator)
        noise = torch.randn((batch, *self.x.shape[1:]), generator=generator)
        coupled = getattr(self.objective, "coupled_noise", None)
        if coupled is not None:  # a fixed coupling (reflow): each x_0's own ε; ε was drawn all the same, so the
            noise = coupled[idx]  # generator's sequence is the one every other objective sees
        labels = None
        if self.labels is not None:
            labels = self.labels[idx].clone()
            if dropout:
                labels[torch.rand(batch, generator=generator) < dropout] = self.null
            labels = labels.to(self.device)
        return self.x[idx].to(self.device), levels.to(self.device), noise.to(self.device), labels

    def descend(self, loss: torch.Tensor) -> None:
        """One gradient step with warm-up, clipping and the EMA update; a non-finite loss never reaches the weights."""
        state, settings = self.state, self.settings
        if not torch.isfinite(loss):
            raise TrainingDivergedError(
                f"training diverged at step {state.step + 1}: the loss is {loss.item()} (lr={settings.lr:g}); "
                "no weights were updated with it, and the checkpoint on disk (if any) is the last good one"
            )
        lr = _learning_rate(settings, state.step)
        for group in state.optimizer.param_groups:
            group["lr"] = lr
        state.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if settings.grad_clip is not None:
            nn.utils.clip_grad_norm_(state.model.parameters(), settings.grad_clip)
        state.optimizer.step()
        _ema_lerp(state.ema, state.model, settings.ema_decay)
        state.history["loss"].append(float(loss.detach()))

    @torch.no_grad()
    def record_buckets(self, residual: torch.Tensor, levels: torch.Tensor) -> None:
        """Add each example's ‖prediction − target‖² / dim to the bucket of its level (lesson 06's loss-by-t plot)."""
        history, buckets = self.state.history, self.settings.loss_buckets
        per_example = residual.pow(2).reshape(len(levels), -1).mean(dim=1).cpu()
        index = self.objective.bucket(levels, buckets)
        for b in range(buckets):
            mask = index == b
            history["bucket_loss"][b] += float(per_example[mask].sum())
            history["bucket_count"][b] += int(mask.sum())

    def save(self, policy: CheckpointPolicy, started: float) -> float:
        """Add the time since ``started`` to the history, write the checkpoint (if any); returns the new start."""
        self.state.history["seconds"] += time.perf_counter() - started
        if policy.path is not None:
            save_checkpoint(policy.path, checkpoint_payload(self.state, self.generator))
        return time.perf_counter()

    def loop(self, steps: int, policy: CheckpointPolicy, progress: bool) -> TrainState:
        """DDPM Algorithm 1 (or the objective's variant) one step at a time, with periodic checkpoints."""
        from tqdm.auto import tqdm

        state = self.state
        last = steps if policy.stop_after is None else min(steps, state.step + policy.stop_after)
        bar = tqdm(total=steps, initial=state.step, disable=not progress, desc="training", leave=False)
        started = time.perf_counter()
        state.model.train()
        while state.step < last:
            x0, levels, noise, labels = self.draw()
            loss, residual = self.objective.loss(state.model, x0, levels, noise, labels)
            self.descend(loss)
            self.record_buckets(residual, levels)
            state.step += 1
            bar.update(1)
            if state.step % 50 == 0:
                bar.set_postfix(loss=f"{sum(state.history['loss'][-50:]) / 50:.4f}")
            if policy.every and state.step % policy.every == 0 and state.step < last:
                started = self.save(policy, started)
        bar.close()
        state.model.eval()
        self.save(policy, started)
        return state


# the TrainConfig fields only EpsObjective reads (issue 22, lesson A)
_TARGET_AND_LEVELS = ("prediction", "weighting", "snr_gamma", "levels", "level_mean", "level_std")

# train()'s keywords for the fields of a CheckpointPolicy (the names it has always taken)
_POLICY_KEYWORDS = {
    "checkpoint_path": "path",
    "checkpoint_every": "every",
    "resume": "resume",
    "stop_after": "stop_after",
}


def _settings(config, checkpoint, overrides: dict) -> tuple[TrainConfig, CheckpointPolicy]:
    """The run's :class:`TrainConfig` (``config`` with ``overrides``) and its :class:`CheckpointPolicy`."""
    fields = [f.name for f in dataclasses.fields(TrainConfig)]
    named = [name for name in inspect.signature(train).parameters if name not in ("model", "data", "overrides")]
    check_option_names(overrides, [*named, *fields, *_POLICY_KEYWORDS], "train()")
    if config is not None and not isinstance(config, TrainConfig):
        raise InputError(f"config must be a TrainConfig or None, got {type(config).__name__}")
    if checkpoint is not None and not isinstance(checkpoint, CheckpointPolicy):
        raise InputError(f"checkpoint must be a CheckpointPolicy or None, got {type(checkpoint).__name__}")
    keywords = {_POLICY_KEYWORDS[k]: v for k, v in overrides.items() if k in _POLICY_KEYWORDS}
    if checkpoint is not None and keywords:
        raise InputError(
            "give the checkpoint settings once: checkpoint=CheckpointPolicy(...) or the keywords "
            f"{', '.join(_POLICY_KEYWORDS)}, not both"
        )
    settings = (config or TrainConfig()).replace(**{k: v for k, v in overrides.items() if k in fields})
    return settings, checkpoint or CheckpointPolicy(**keywords)


def _objective(objective, schedule, forward, settings: TrainConfig):
    """L_simple on ``schedule`` (with ``forward`` and ``settings``' target and levels) by default, else
    ``objective``, which brings its own target and levels."""
    if objective is None:
        return EpsObjective(schedule, forward, settings)
    if schedule is not None or forward is not None:
        raise InputError("schedule and forward belong to the default objective (L_simple); give them or objective")
    changed = [name for name in _TARGET_AND_LEVELS if getattr(settings, name) != SETTINGS_ADDED_LATER[name]]
    if changed:
        raise InputError(
            f"{changed[0]} belongs to the default objective (EpsObjective); {type(objective).__name__} brings its "
            "own target and levels",
            parameter=changed[0],
        )
    missing = [
        name for name in ("kind", "settings", "to", "check", "draw", "loss", "bucket") if not hasattr(objective, name)
    ]
    if missing:
        raise InputError(f"objective must be an objective like EpsObjective; it lacks {', '.join(missing)}")
    return objective


def _check_coupling(objective, x_all: torch.Tensor) -> None:
    # a fixed coupling (reflow) must pair every data point with one noise of its shape
    coupled = getattr(objective, "coupled_noise", None)
    if coupled is not None and (not isinstance(coupled, torch.Tensor) or coupled.shape != x_all.shape):
        raise InputError(
            f"the objective's coupled_noise must hold one noise per data point, shape {tuple(x_all.shape)}; got "
            f"{tuple(coupled.shape) if isinstance(coupled, torch.Tensor) else type(coupled).__name__}",
            parameter="data",
        )


def train(
    model: nn.Module,
    data,
    config: TrainConfig | None = None,
    *,
    steps: int,
    schedule: DiffusionSchedule | None = None,
    forward=None,
    objective=None,
    checkpoint: CheckpointPolicy | None = None,
    device=None,
    progress: bool = True,
    data_info: dict | None = None,
    **overrides,
) -> TrainState:
    """Train an ε-prediction model with L_simple (DDPM Algorithm 1, eq. 14; seed §3 ``main()``), or with ``objective``.

    Args:
        model: a network ``model(x_t, t[, labels]) → ε``, e.g. :class:`~ddpm_lessons.models.ResidualUNet`.
        data: a float tensor ``x (N, ...)`` in [−1, 1], or ``(x, labels)`` with integer labels ``(N,)`` in
            ``[0, num_classes)`` for a class-conditional model, or one of the package's data sets (its ``tensors()``:
            :func:`~ddpm_lessons.data.load_image_folder`'s images of your own, ``GlyphDigits``, a ``RealDataset``).
            The whole set is checked once, before the first step: its shape against the model, integer images
            (refused, with how to rescale), labels against the model's conditioning; values far from [−1, 1] raise
            a :class:`DataRangeWarning` that says how to rescale.
        config: the run's :class:`~ddpm_lessons.config.TrainConfig` (None: its defaults), e.g. one of the course's
            measured recipes, ``TrainConfig.recipe("digits-fast")``; ``overrides`` are its field names
            (``batch_size=256, lr=1e-3, …``) and replace those fields. ``seed`` seeds the minibatch, level, noise and
            label-dropout draws (one CPU generator) and torch's global RNG (dropout); for a reproducible
            initialisation, build the model after ``torch.manual_seed(seed)``.
        steps: total optimisation steps (a resumed run continues up to this number).
        schedule, forward: the noise schedule (moved to the training device) and the forward-process draw of
            :class:`EpsObjective`; objective: another objective instead (e.g. :class:`ddpm_lessons.flow.FlowObjective`).
        checkpoint: a :class:`~ddpm_lessons.config.CheckpointPolicy` (where, how often, resume, stop after); or
            its fields as the keywords ``checkpoint_path``, ``checkpoint_every``, ``resume``, ``stop_after``.
        device: None picks CUDA, MPS or CPU; progress: show a ``tqdm.auto`` progress bar.
        data_info: a description of the data (name, size, seed), stored in the checkpoint for evaluation.

    Returns:
        :class:`TrainState` with ``model``, ``ema``, ``optimizer``, ``step`` and ``history`` (``loss`` per step,
        ``bucket_loss`` sum and ``bucket_count`` per timestep bucket, ``seconds``).

    Every argument is checked here, before anything is trained (:class:`~ddpm_lessons.validation.InputError`); a
    checkpoint that cannot be resumed raises :class:`~ddpm_lessons.checkpoints.CheckpointError`."""
    if not isinstance(model, nn.Module):
        raise InputError(f"model must be an nn.Module, got {type(model).__name__}")
    settings, policy = _settings(config, checkpoint, overrides)
    steps = check_positive_int(steps, "steps", minimum=0)
    check_bool(progress, "progress")
    objective = _objective(objective, schedule, forward, settings)
    objective.check(model)
    x_all, labels_all = _check_data(data, model, settings)
    record = settings.to_dict() | {"steps": steps, "data_shape": list(x_all.shape[1:]), "data": _data_info(data_info)}
    run = _Run(model, (x_all, labels_all), settings, objective, record | objective.settings, pick_device(device))
    # Resume: everything, including the generators, continues where the checkpoint left off. A run that writes a
    # checkpoint holds its lock from here to the end, so a second run on the same file stops at once.
    with exclusive_run(policy.path) if policy.path is not None else contextlib.nullcontext():
        if policy.resume and Path(policy.path).exists():
            _resume(run.state, run.generator, policy.path)
        return run.loop(steps, policy, progress)


def load_trained(path, *, expected_sha256: str | None = None, device=None, use_ema: bool = True, verify: bool = True):
    """Load a model trained by :func:`train` for sampling: returns ``(model, schedule, payload)``.

    ``use_ema`` picks the EMA weights (what the shipped samples use; release copies hold only these). The model
    is in eval mode on ``device``. ``payload["train_config"]`` holds every :class:`TrainConfig` field, those a
    checkpoint predates filled in with the values its run had (:data:`SETTINGS_ADDED_LATER`): in particular
    ``prediction``, what the network outputs (issue 22, lesson A). Sample a v- or x₀-model with it::

        model, schedule, payload = load_trained("v_model.pt")
        x = sample(model, schedule, (16, 1, 28, 28), method="ddim", steps=50,
                   prediction=payload["train_config"]["prediction"])

    (``python -m ddpm_lessons sample`` reads it from the checkpoint itself.) A student of progressive distillation
    (``payload["kind"] == "distill"``, :mod:`ddpm_lessons.distill`) loads the same way; it was taught
    ``payload["train_config"]["student_steps"]`` DDIM steps (``method="ddim", eta=0``) and is sampled with those. The file is verified as :func:`~ddpm_lessons.checkpoints.load_checkpoint` says
    (``verify=False`` loads a file without a checksum, with a warning).
    """
    check_bool(use_ema, "use_ema")
    payload = load_checkpoint(path, expected_sha256=expected_sha256, verify=check_bool(verify, "verify"))
    if payload.get("kind") not in ("ddpm", "distill"):
        raise CheckpointError(f"checkpoint {path} is not a DDPM checkpoint (kind={payload.get('kind')!r})")
    if not isinstance(payload.get("train_config"), dict) or "data_shape" not in payload["train_config"]:
        raise CheckpointError(f"checkpoint {path} has no train_config with the data_shape its samples take")
    try:
        if not use_ema and "model" not in payload:
            raise CheckpointError(
                f"checkpoint {path} is a release copy with EMA weights only",
                advice="use use_ema=True",
                parameter="use_ema",
            )
        weights = payload["ema" if use_ema else "model"]
        schedule = DiffusionSchedule.from_config(payload["schedule"])
        # The configuration is sized from its numbers first (ceilings included): a small file whose config asks for
        # gigabytes is refused before anything is built or allocated.
        wanted = planned_parameters(payload["model_kind"], payload["model_config"])
        stored = sum(v.numel() for k, v in weights.items() if isinstance(v, torch.Tensor) and "running" not in k)
        if wanted > stored:
            raise CheckpointError(
                f"checkpoint {path} does not match its model configuration: the configuration asks for {wanted:,} "
                f"parameters but the file holds {stored:,} weights"
            )
        model = build_model(payload["model_kind"], payload["model_config"])
        model.load_state_dict(weights)
        check_data_shape(payload["train_config"]["data_shape"], model)  # what sample and evaluate will draw
    except CheckpointError:
        raise
    except InputError as error:  # a size above a ceiling, or a data shape the model cannot take
        raise CheckpointError(f"checkpoint {path} cannot be used: {error}") from None
    except (KeyError, TypeError, ValueError, RuntimeError, AttributeError) as error:
        raise CheckpointError(f"checkpoint {path} does not match its model configuration: {error}") from error
    if not all(
        torch.isfinite(v).all() for v in weights.values() if isinstance(v, torch.Tensor) and v.is_floating_point()
    ):
        raise CheckpointError(f"checkpoint {path} holds NaN or infinite weights")
    device = pick_device(device)
    schedule = schedule.to(device=device)
    payload["train_config"] = {**SETTINGS_ADDED_LATER, **payload["train_config"]}  # what older runs used
    return model.to(device).eval(), schedule, payload
