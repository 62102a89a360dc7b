"""Flow matching on the straight path (lesson 09b): x_s = (1 − s) x₀ + s ε, s ∈ [0, 1], s = 1 is noise.

The conditional velocity is u = dx_s/ds = ε − x₀; a network v_θ(x_s, s) trained with E‖v_θ − (ε − x₀)‖² learns
the marginal velocity v*(x, s) = E[ε − x₀ | x_s = x] (Lipman et al. 2023, "Flow Matching for Generative
Modeling"; Liu et al. 2023, "Flow Straight and Fast" — rectified flow; Albergo & Vanden-Eijnden 2023). Samples come
from integrating dx/ds = v from s = 1 to 0 (:func:`flow_sample`, Euler).

- :func:`flow_path`, :func:`flow_target`, :func:`flow_matching_loss`; :func:`train_flow`, which is
  :func:`ddpm_lessons.train.train` with the :class:`FlowObjective`;
- :func:`exact_velocity`: v* for a Gaussian mixture (x_s is again a mixture);
- the bridge from DDPM: the flow state x_t/(√ᾱ + √(1 − ᾱ)) at s = √(1 − ᾱ)/(√ᾱ + √(1 − ᾱ)) lies on the straight
  path with the same x̂₀ and ε, so an ε-model is a velocity model (:func:`eps_model_as_flow`);
- :func:`chord_deviation` and :func:`velocity_deviation`: how much a trajectory bends, and how far it is from one
  constant velocity (what a single Euler step would need);
- reflow (Liu et al. 2023, §2.2; issue 22, lesson B): :func:`reflow_pairs` carries noise through a trained flow to
  its end points, and :class:`ReflowObjective` trains a new flow on those fixed pairs instead of independent ones.
  Flow matching with independent (x₀, ε) learns trajectories that must bend where paths cross (a single Euler step
  from s = 1 lands on E[x₀], the data's mean); the pairs of a flow's own map never cross (an ODE's trajectories do not
  meet), so the rectified flow's paths are straighter and few Euler steps go further.
"""

from __future__ import annotations

import numbers

import torch
import torch.nn as nn

from .config import CheckpointPolicy, TrainConfig
from .score import posterior_mean, velocity_from_eps
from .train import train
from .validation import (
    InputError,
    check_finite,
    check_finite_result,
    check_level_value,
    check_levels,
    check_positive_int,
    check_real,
    check_same_shape,
    check_schedule,
    check_tensor,
)

__all__ = [
    "flow_path",
    "flow_target",
    "flow_matching_loss",
    "FlowObjective",
    "train_flow",
    "flow_times",
    "flow_sample",
    "exact_velocity",
    "flow_time_from_alpha_bar",
    "vp_to_flow",
    "flow_to_vp",
    "eps_model_as_flow",
    "chord_deviation",
    "velocity_deviation",
    "reflow_pairs",
    "ReflowObjective",
]


def _times(s, x: torch.Tensor, name: str = "s") -> torch.Tensor:
    # s as (B, 1, ..., 1) in [0, 1], from a number or a (B,) tensor
    tensor = check_levels(s, x, name, low_open=False)
    return tensor.reshape(x.shape[0], *([1] * (x.dim() - 1)))


def _straight(x0: torch.Tensor, noise: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    # the straight path with s already shaped (B, 1, ..., 1)
    return (1 - s) * x0 + s * noise


def flow_path(x0: torch.Tensor, noise: torch.Tensor, s) -> torch.Tensor:
    """x_s = (1 − s) x₀ + s ε (the conditional optimal-transport path; ``s`` a number or ``(B,)`` in [0, 1])."""
    check_tensor(x0, "x0")
    check_tensor(noise, "noise")
    check_same_shape(x0, noise, "x0", "noise")
    return check_finite_result(_straight(x0, noise, _times(s, x0)), {"x0": x0, "noise": noise}, "x_s")


def flow_target(x0: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """The conditional velocity u = dx_s/ds = ε − x₀: the same at every s (the conditional path is straight)."""
    check_tensor(x0, "x0")
    check_tensor(noise, "noise")
    check_same_shape(x0, noise, "x0", "noise")
    return check_finite_result(noise - x0, {"x0": x0, "noise": noise}, "the velocity")


def flow_matching_loss(velocity_fn, x0: torch.Tensor, noise: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    """The conditional flow-matching loss, mean over the batch of ‖v_θ(x_s, s) − (ε − x₀)‖² / D (an MSE, like
    L_simple). ``velocity_fn(x, s) → v`` with ``s`` a ``(B,)`` tensor."""
    x_s = flow_path(x0, noise, s)
    v = velocity_fn(x_s, s)
    target = flow_target(x0, noise)
    check_tensor(v, "velocity_fn(x, s)")
    check_same_shape(target, v, "x0", "velocity_fn(x, s)")
    return check_finite_result((v - target).pow(2).mean(), {"velocity_fn(x, s)": v}, "the loss")


class FlowObjective:
    """Flow matching as an objective of :func:`ddpm_lessons.train.train` (its loop, seeding, EMA and checkpoints):
    s ~ U[0, 1], x_s = (1 − s) x₀ + s ε, loss mean ‖v_θ(x_s, time_scale·s) − (ε − x₀)‖² (:func:`flow_matching_loss`).

    ``time_scale`` maps s onto the range of timesteps the network's embedding was built for. The loss-by-level
    statistics of the history bucket s into equal ranges of [0, 1].
    """

    kind = "flow"
    schedule = None

    def __init__(self, time_scale: float = 1000.0):
        self.time_scale = check_real(time_scale, "time_scale", minimum=0.0)
        self.settings = {"objective": "flow matching", "time_scale": self.time_scale}

    def to(self, device) -> FlowObjective:
        return self

    def check(self, model: nn.Module) -> None:
        """Any network ``model(x, time_scale·s[, labels]) → v`` that takes real-valued times will do."""

    def draw(self, batch: int, generator: torch.Generator) -> torch.Tensor:
        return torch.rand(batch, generator=generator)  # s ~ U[0, 1]

    def loss(self, model, x0, s, noise, labels):
        x_s = _straight(x0, noise, s.to(x0.dtype).reshape(-1, *([1] * (x0.dim() - 1))))  # s in the data's dtype
        times = self.time_scale * s
        v = model(x_s, times) if labels is None else model(x_s, times, labels)
        target = noise - x0  # u = ε − x₀
        if v.shape != target.shape:
            raise InputError(f"the model must return a velocity of shape {tuple(target.shape)}, got {tuple(v.shape)}")
        return (v - target).pow(2).mean(), v.detach() - target

    def bucket(self, s: torch.Tensor, buckets: int) -> torch.Tensor:
        return (s.cpu() * buckets).long().clamp(max=buckets - 1)


class ReflowObjective(FlowObjective):
    """Flow matching on a fixed coupling (Liu et al. 2023, "Flow Straight and Fast", §2.2, the rectified flow's
    second pass): the data point x̂_i is always paired with its own noise ε_i = ``noise[i]``, x_s = (1 − s) x̂_i + s ε_i,
    target ε_i − x̂_i. Train with ``train(model, data, objective=ReflowObjective(noise))`` where ``data, noise`` come
    from :func:`reflow_pairs`; the loop draws its ε as always and replaces it by the minibatch's own (``coupled_noise``).
    """

    def __init__(self, noise: torch.Tensor, time_scale: float = 1000.0):
        super().__init__(time_scale)
        check_tensor(noise, "noise")
        check_finite(noise, "noise")
        self.coupled_noise = noise.detach().cpu()
        self.settings = {"objective": "reflow", "time_scale": self.time_scale, "pairs": int(noise.shape[0])}


def reflow_pairs(velocity_fn, noise: torch.Tensor, steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(data, noise)``: each noise point carried from s = 1 to s = 0 by ``steps`` Euler steps of ``velocity_fn``
    (:func:`flow_sample`), beside the noise it started from: the coupling :class:`ReflowObjective` trains on."""
    check_tensor(noise, "noise")
    check_finite(noise, "noise")
    end = flow_sample(velocity_fn, noise, flow_times(check_positive_int(steps, "steps")))
    return end, noise


def train_flow(
    model: nn.Module,
    data,
    config: TrainConfig | None = None,
    *,
    steps: int,
    time_scale: float = 1000.0,
    checkpoint: CheckpointPolicy | None = None,
    device="cpu",
    progress: bool = False,
    **overrides,
):
    """Train ``model(x, time_scale·s) → v`` with :func:`flow_matching_loss`: :func:`ddpm_lessons.train.train`'s loop
    (its seeding, optimiser, warm-up, gradient clipping, EMA and checkpoints) with :class:`FlowObjective`, s ~ U[0, 1]
    instead of a timestep index.

    ``config`` and ``overrides`` (``batch_size``, ``lr``, ``ema_decay``, ``grad_clip``, ``seed``, …) and
    ``checkpoint`` are :func:`~ddpm_lessons.train.train`'s, with the same defaults; ``device`` is the CPU unless
    given (None picks CUDA, MPS or CPU). ``time_scale`` maps s onto the range of timesteps the network's embedding
    was built for (an :class:`~ddpm_lessons.MLPDenoiser` takes real-valued timesteps). Returns ``(model, ema,
    losses)``; use the EMA copy for sampling (:func:`flow_sample` with ``lambda x, s: ema(x, time_scale * s)``).
    """
    steps = check_positive_int(steps, "steps")
    objective = FlowObjective(time_scale)
    options = {"checkpoint": checkpoint, "device": device, "progress": progress}
    state = train(model, data, config, steps=steps, objective=objective, **options, **overrides)
    return state.model, state.ema, state.history["loss"]


def flow_times(steps: int) -> list[float]:
    """``steps + 1`` equally spaced times from s = 1 (noise) to s = 0 (data)."""
    steps = check_positive_int(steps, "steps")
    return torch.linspace(1.0, 0.0, steps + 1, dtype=torch.float64).tolist()


@torch.no_grad()
def flow_sample(velocity_fn, x: torch.Tensor, times, *, points=None, trajectory: bool = False):
    """Euler integration of dx/ds = v(x, s) through ``times`` (s_0 > s_1 > … , e.g. :func:`flow_times`):
    x ← x + (s_{k+1} − s_k) v(x, point_k).

    Args:
        velocity_fn: ``velocity_fn(x, point) → v``; ``point`` is ``times[k]`` as a ``(B,)`` tensor in x's dtype,
            or ``points[k]`` if given (e.g. the timestep indices of :func:`eps_model_as_flow`).
        x: the start at ``times[0]`` (for s = 1, draw it from N(0, I)).
        trajectory: also return the list of states at every time.
    """
    check_tensor(x, "x")
    if not callable(velocity_fn):
        raise InputError(
            f"velocity_fn must be a function (x, s) -> v, got {type(velocity_fn).__name__}", parameter="velocity_fn"
        )
    times = _checked_times(times)
    if points is not None and (not hasattr(points, "__len__") or len(points) != len(times)):
        raise InputError(f"points must have one entry per time ({len(times)}), got {points!r:.80}", parameter="points")
    states = [x]
    for k in range(len(times) - 1):
        point = points[k] if points is not None else torch.full((x.shape[0],), times[k], dtype=x.dtype)
        v = velocity_fn(x, point)
        check_tensor(v, "velocity_fn(x, s)")
        check_same_shape(x, v, "x", "velocity_fn(x, s)")
        x = x + (times[k + 1] - times[k]) * v
        states.append(x)
    check_finite_result(x, {"x": states[0], "velocity_fn(x, s)": x}, "the end state")  # once: no step waits
    return (x, states) if trajectory else x


def _checked_times(times) -> list[float]:
    # s values as floats: real numbers or 0-d tensors (never strings), strictly decreasing in [0, 1]
    if isinstance(times, (str, bytes)) or not hasattr(times, "__iter__"):
        raise InputError(f"times must be a list of times in [0, 1], got {type(times).__name__}", parameter="times")
    values = [s.item() if isinstance(s, torch.Tensor) and s.dim() == 0 else s for s in times]
    values = [check_real(s, "times", minimum=0.0, maximum=1.0) for s in values]
    if len(values) < 2 or any(b >= a for a, b in zip(values[:-1], values[1:])):
        raise InputError(
            "times must hold at least two strictly decreasing values in [0, 1] (from noise to data)", parameter="times"
        )
    return values


def exact_velocity(mixture, x: torch.Tensor, s) -> torch.Tensor:
    """The marginal velocity v*(x, s) = E[ε − x₀ | x_s = x] of a Gaussian mixture on the straight path, s in (0, 1]:
    E[x₀ | x] from :func:`ddpm_lessons.score.posterior_mean` (a = 1 − s, b = s), E[ε | x] = (x − (1 − s) E[x₀|x])/s."""
    check_tensor(x, "x")
    s_col = check_levels(s, x, "s")
    x0_mean = posterior_mean(mixture, x, 1 - s_col[:, 0], s_col[:, 0])
    eps_mean = (x - (1 - s_col) * x0_mean) / s_col
    return check_finite_result(eps_mean - x0_mean, {"x": x}, "the velocity")


def flow_time_from_alpha_bar(alpha_bar):
    """s = √(1 − ᾱ)/(√ᾱ + √(1 − ᾱ)): the time on the straight path where x_t/(√ᾱ + √(1 − ᾱ)) lies; ᾱ in [0, 1]."""
    check_level_value(alpha_bar, "alpha_bar", low_open=False)
    a, b = alpha_bar**0.5, (1 - alpha_bar) ** 0.5
    return b / (a + b)


def vp_to_flow(x: torch.Tensor, alpha_bar) -> torch.Tensor:
    """x_t on the DDPM path → the point x_t/(√ᾱ + √(1 − ᾱ)) = (1 − s) x₀ + s ε of the straight path."""
    check_tensor(x, "x")
    ab = check_levels(alpha_bar, x, "alpha_bar").reshape(x.shape[0], *([1] * (x.dim() - 1)))
    return check_finite_result(x / (ab.sqrt() + (1 - ab).sqrt()), {"x": x}, "the flow state")


def flow_to_vp(x: torch.Tensor, alpha_bar) -> torch.Tensor:
    """The inverse of :func:`vp_to_flow`."""
    check_tensor(x, "x")
    ab = check_levels(alpha_bar, x, "alpha_bar").reshape(x.shape[0], *([1] * (x.dim() - 1)))
    return check_finite_result(x * (ab.sqrt() + (1 - ab).sqrt()), {"x": x}, "the VP state")


def eps_model_as_flow(model, schedule, indices):
    """A trained DDPM ε-model as a flow-matching velocity field, at the timestep ``indices`` it was trained on.

    Returns ``(velocity_fn, times)``: ``velocity_fn(x, i)`` maps a flow state x at index i to the VP state
    x (√ᾱ_i + √(1 − ᾱ_i)), asks the model for ε and returns u = ε − x̂₀ (:func:`ddpm_lessons.score.velocity_from_eps`);
    ``times`` are s_i = :func:`flow_time_from_alpha_bar` (ᾱ_i) with s = 0 for index −1. Pass both to
    :func:`flow_sample` with ``points=indices``; start from :func:`vp_to_flow` (x_T, ᾱ at ``indices[0]``).
    """
    check_schedule(schedule)
    if isinstance(indices, (str, bytes)) or not hasattr(indices, "__iter__"):
        raise InputError(f"indices must be a list of timestep indices, got {indices!r:.80}", parameter="indices")
    indices = [i.item() if isinstance(i, torch.Tensor) and i.dim() == 0 else i for i in indices]
    if any(isinstance(i, bool) or not isinstance(i, numbers.Integral) or not -1 <= i < len(schedule) for i in indices):
        raise InputError(
            f"indices must be integers in [-1, {len(schedule)}) (−1 is x₀), got {indices!r:.120}", parameter="indices"
        )
    indices = [int(i) for i in indices]
    alpha_bar = schedule.alphas_cumprod.double().cpu()
    times = [float(flow_time_from_alpha_bar(alpha_bar[i])) if i >= 0 else 0.0 for i in indices]

    def velocity_fn(x, i):
        if isinstance(i, bool) or not isinstance(i, numbers.Integral) or not 0 <= i < len(schedule):
            raise InputError(
                f"the point must be a trained timestep index in [0, {len(schedule)}), got {i!r}", parameter="points"
            )
        ab = float(alpha_bar[i])
        x_vp = flow_to_vp(x, ab)
        eps = model(x_vp, torch.full((x.shape[0],), i, dtype=torch.long, device=x.device))
        return velocity_from_eps(x_vp, eps, ab)

    return velocity_fn, times


def chord_deviation(states) -> torch.Tensor:
    """How much each trajectory bends: the largest distance of a state from the straight line through the first
    and the last state, over the length of that chord (0 for a straight path, however fast it is traversed).
    ``states``: the list :func:`flow_sample` returns, each ``(B, ...)``; result ``(B,)``."""
    _check_states(states)
    start = states[0].flatten(1)
    chord = states[-1].flatten(1) - start
    length = chord.norm(dim=1).clamp(min=1e-12)
    direction = chord / length[:, None]
    distances = []
    for x in states:
        offset = x.flatten(1) - start
        along = (offset * direction).sum(dim=1, keepdim=True)
        distances.append((offset - along * direction).norm(dim=1))
    return torch.stack(distances, dim=1).amax(dim=1) / length


def velocity_deviation(states, times) -> torch.Tensor:
    """How far each trajectory is from moving at one constant velocity (what a single Euler step assumes):
    Σ_k Δs_k ‖u_k − ū‖² / (|Δs| ‖ū‖²), with u_k = (x_{k+1} − x_k)/(s_{k+1} − s_k) the velocity of step k and
    ū = (x_end − x_start)/(s_end − s_start) the mean velocity (Liu et al. 2023 measure straightness like this).
    0 exactly for the conditional paths; ``states`` and ``times`` as given to and returned by :func:`flow_sample`;
    result ``(B,)``."""
    _check_states(states)
    if not hasattr(times, "__len__") or len(states) != len(times):
        raise InputError(f"states and times must have the same length, got {times!r:.80}", parameter="times")
    times = _checked_times(times)
    mean_velocity = (states[-1] - states[0]).flatten(1) / (times[-1] - times[0])
    total = torch.zeros(states[0].shape[0], dtype=states[0].dtype)
    for k in range(len(states) - 1):
        ds = times[k + 1] - times[k]
        u = (states[k + 1] - states[k]).flatten(1) / ds
        total = total + abs(ds) * (u - mean_velocity).pow(2).sum(dim=1)
    return total / (abs(times[-1] - times[0]) * mean_velocity.pow(2).sum(dim=1).clamp(min=1e-24))


def _check_states(states) -> None:
    # flow_sample's list of states: at least two finite tensors of one shape
    if isinstance(states, torch.Tensor) or not isinstance(states, (list, tuple)) or len(states) < 2:
        raise InputError(
            f"states must be a list of at least two states (B, ...), got {states!r:.80}", parameter="states"
        )
    for state in states:
        check_tensor(state, "states")
        check_same_shape(states[0], state, "states[0]", "states")
        check_finite(state, "states")
