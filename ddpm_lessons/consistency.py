"""Consistency models (Song, Dhariwal, Chen & Sutskever 2023, "Consistency Models"; issue 22, lesson B): one network
evaluation from noise to data.

The probability-flow ODE carries every x_t of one trajectory to the same x₀. A consistency function f(x_t, t) returns
that end point directly, so it is the same at every point of a trajectory (self-consistency) and is the identity at
the smallest noise level (the boundary condition). On the course's chain the ODE's own variables are y = x_t/√ᾱ_t
and σ_t = √((1 − ᾱ_t)/ᾱ_t) (lesson 09b); the network F_θ(x_t, t) is any course model, and

    f_θ(x_t, t) = c_skip(σ_t) y_t + c_out(σ_t) F_θ(x_t, t),                         (Song et al. 2023, eq. 6 and App. C)
    c_skip(σ) = σ_d² / ((σ − σ_min)² + σ_d²),   c_out(σ) = σ_d (σ − σ_min) / √(σ² + σ_d²),

with σ_min = σ_0, the chain's smallest level, and σ_d the data's spread (``sigma_data``). At σ = σ_min, c_skip = 1
and c_out = 0: f(x, 0) = y exactly, whatever the network, so the boundary condition holds by construction. (The
network's input x_t = y/√(1 + σ²) is EDM's c_in y for σ_d = 1; lesson 11.)

Training pulls f at two adjacent levels t_{n+1} > t_n of an N-step chain together, with the target evaluated
without gradient (θ⁻ = stopgrad θ, as in Song & Dhariwal 2023, "Improved Techniques for Training Consistency
Models"; the 2023 paper's EMA θ⁻ is one option more, not needed for the theory):

- **consistency distillation** (Algorithm 2): x_{t_n} is one deterministic DDIM step of a trained diffusion model
  (the ``teacher``) from x_{t_{n+1}} — one Euler step of the ODE (lesson 09b);
- **consistency training** (Algorithm 3), no teacher: x_{t_{n+1}} and x_{t_n} are the same x₀ noised with the same
  ε at the two levels. This is the one-sample estimate of the ODE step with the exact score, unbiased as N → ∞
  (Song et al. 2023, Theorem 2).

The loss is ‖f_θ(x_{t_{n+1}}, t_{n+1}) − f_{θ⁻}(x_{t_n}, t_n)‖² (mean over elements; λ = 1).

- :func:`consistency_function` — f_θ from a network and the schedule; :func:`skip_and_out` the two coefficients;
- :class:`ConsistencyObjective` — one objective of :func:`ddpm_lessons.train` for both algorithms;
- :func:`consistency_sample` — one step (f at the top of the chain), or Algorithm 1's multistep sampler: denoise with
  f, noise again to the next chosen level with fresh ε, denoise again.
"""

from __future__ import annotations

import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import kernels
from .distill import PREDICTIONS, chain_points
from .schedule import DiffusionSchedule, broadcast_to_batch
from .steps import ddim_step, split_prediction
from .validation import InputError, check_positive_int, check_real, check_schedule

__all__ = ["skip_and_out", "consistency_function", "ConsistencyObjective", "consistency_sample"]


def skip_and_out(sigma: torch.Tensor, sigma_min: float, sigma_data: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(c_skip(σ), c_out(σ)) of the module's parameterisation: 1 and 0 at σ = σ_min."""
    c_skip = sigma_data**2 / ((sigma - sigma_min) ** 2 + sigma_data**2)
    c_out = sigma_data * (sigma - sigma_min) / (sigma**2 + sigma_data**2).sqrt()
    return c_skip, c_out


def consistency_function(schedule: DiffusionSchedule, network, x_t, t, sigma_data: float = 0.5, labels=None):
    """f_θ(x_t, t) = c_skip(σ_t) x_t/√ᾱ_t + c_out(σ_t) F_θ(x_t, t): the x₀ a consistency model returns (``t`` an
    integer tensor ``(B,)`` of indices; the math layer's style: nothing checked)."""
    sigma = broadcast_to_batch(schedule.sqrt_recipm1_alphas_cumprod[t], x_t)  # σ_t = √((1 − ᾱ_t)/ᾱ_t)
    c_skip, c_out = skip_and_out(sigma, schedule.sqrt_recipm1_alphas_cumprod[0], sigma_data)
    y = x_t * (1 + sigma**2).sqrt()  # y = x_t/√ᾱ_t
    output = network(x_t, t) if labels is None else network(x_t, t, labels)
    return c_skip * y + c_out * output


class ConsistencyObjective:
    """Consistency distillation (with ``teacher``) or consistency training (``teacher=None``) on the N-step chain
    ``ddim_timesteps(T, steps)`` as an objective of :func:`ddpm_lessons.train` (the protocol of
    :class:`~ddpm_lessons.train.EpsObjective`); see the module's docstring for the equations.

    Args:
        schedule: the :class:`DiffusionSchedule` (length T) the levels come from (and the teacher was trained on).
        steps: N, the chain's steps: the adjacent pairs (t_{n+1}, t_n) are its consecutive indices ≥ 0.
        teacher: a trained diffusion network for distillation (a frozen copy is kept), or None for training.
        teacher_prediction: what the teacher outputs (``"eps"``, ``"x0"`` or ``"v"``).
        sigma_data: σ_d of the parameterisation (0.5, EDM's, for data in [−1, 1]).
    """

    kind = "consistency"

    def __init__(
        self,
        schedule: DiffusionSchedule,
        steps: int,
        teacher: nn.Module | None = None,
        teacher_prediction: str = "eps",
        sigma_data: float = 0.5,
    ):
        self.schedule = check_schedule(schedule)
        T = len(schedule)
        steps = check_positive_int(steps, "steps", minimum=2)
        if steps > T:
            raise InputError(f"steps must be at most T = {T}, got {steps}", parameter="steps")
        if float(schedule.alphas_cumprod[-1]) == 0:
            raise InputError(
                "a consistency model needs a finite sigma at the top of the chain; this schedule is zero-terminal-SNR",
                parameter="schedule",
            )
        if teacher is not None and not isinstance(teacher, nn.Module):
            raise InputError(f"teacher must be an nn.Module or None, got {type(teacher).__name__}", parameter="teacher")
        if teacher_prediction not in PREDICTIONS:
            raise InputError(
                f"teacher_prediction must be one of {PREDICTIONS}, got {teacher_prediction!r}",
                parameter="teacher_prediction",
            )
        self.sigma_data = check_real(sigma_data, "sigma_data", minimum=0.0)
        if self.sigma_data <= 0:
            raise InputError(f"sigma_data must be > 0, got {sigma_data:g}", parameter="sigma_data")
        self.teacher = None if teacher is None else copy.deepcopy(teacher).eval().requires_grad_(False)
        self.teacher_prediction, self.steps = teacher_prediction, steps
        points = [t for t in chain_points(T, steps) if t >= 0]  # t_N > … > t_1 = 0: N levels, N − 1 adjacent pairs
        self.upper, self.lower = torch.tensor(points[:-1]), torch.tensor(points[1:])
        self.settings = {
            "objective": "consistency distillation" if teacher is not None else "consistency training",
            "consistency_steps": steps,
            "sigma_data": self.sigma_data,
            "teacher_prediction": teacher_prediction if teacher is not None else None,
        }

    def to(self, device) -> ConsistencyObjective:
        moved = copy.copy(self)
        moved.schedule = self.schedule.to(device=device)
        moved.teacher = None if self.teacher is None else self.teacher.to(device)
        moved.upper, moved.lower = self.upper.to(device), self.lower.to(device)
        return moved

    def check(self, model: nn.Module) -> None:
        for name, network in (("model", model), ("teacher", self.teacher)):
            if network is not None and getattr(network, "num_timesteps", None) not in (None, len(self.schedule)):
                raise InputError(
                    f"schedule has T = {len(self.schedule)} steps but the {name} was built for num_timesteps = "
                    f"{network.num_timesteps}",
                    parameter=name,
                )

    def draw(self, batch: int, generator: torch.Generator) -> torch.Tensor:
        return torch.randint(0, len(self.upper), (batch,), generator=generator)  # the pair n, uniformly

    def loss(self, model, x0, n, noise, labels):
        schedule, upper, lower = self.schedule, self.upper[n], self.lower[n]
        x_upper = kernels.q_sample(
            schedule.sqrt_alphas_cumprod, schedule.sqrt_one_minus_alphas_cumprod, x0, upper, noise
        )
        with torch.no_grad():
            if self.teacher is None:  # Algorithm 3: the same x₀ and ε one level lower
                x_lower = kernels.q_sample(
                    schedule.sqrt_alphas_cumprod, schedule.sqrt_one_minus_alphas_cumprod, x0, lower, noise
                )
            else:  # Algorithm 2: one DDIM step (η = 0) of the teacher, an Euler step of the ODE
                output = self.teacher(x_upper, upper) if labels is None else self.teacher(x_upper, upper, labels)
                estimate = split_prediction(schedule, x_upper, upper, output, self.teacher_prediction)
                x_lower = ddim_step(schedule, x_upper, upper, lower, estimate.eps, None, eta=0.0, x0=estimate.x0)
            target = consistency_function(schedule, model, x_lower, lower, self.sigma_data, labels)  # θ⁻ = stopgrad θ
        predicted = consistency_function(schedule, model, x_upper, upper, self.sigma_data, labels)
        return F.mse_loss(predicted, target), predicted.detach() - target

    def bucket(self, n: torch.Tensor, buckets: int) -> torch.Tensor:
        return (self.upper.cpu()[n.cpu()] * buckets) // len(self.schedule)  # by noise level t, as EpsObjective


@torch.no_grad()
def consistency_sample(
    model: nn.Module,
    schedule: DiffusionSchedule,
    shape,
    *,
    levels=None,
    sigma_data: float = 0.5,
    seed: int = 0,
    labels=None,
) -> torch.Tensor:
    """Samples of a consistency model (Song et al. 2023, Algorithm 1): x̂₀ = f(x_T, T − 1) from pure noise, then for
    each index τ in ``levels`` (descending, each in 0 … T − 2) x_τ = √ᾱ_τ x̂₀ + √(1 − ᾱ_τ) z with fresh z and
    x̂₀ = f(x_τ, τ). One network evaluation plus one per level; returns x̂₀ on the CPU.

    ``model`` is the trained network F_θ (in eval mode); ``sigma_data`` must be the objective's.
    """
    check_schedule(schedule)
    if getattr(model, "training", False):
        raise InputError("the model is in training mode: call model.eval() before sampling", parameter="model")
    T = len(schedule)
    levels = [] if levels is None else list(levels)
    if any(not isinstance(level, int) or not 0 <= level < T - 1 for level in levels) or levels != sorted(
        set(levels), reverse=True
    ):
        raise InputError(
            f"levels must be distinct integers in 0 … {T - 2}, in descending order; got {levels}", parameter="levels"
        )
    shape = tuple(check_positive_int(size, "shape") for size in shape)
    device = next(model.parameters()).device
    generator = torch.Generator().manual_seed(check_positive_int(seed, "seed", minimum=0))
    schedule = schedule.to(device=device)
    x = torch.randn(shape, generator=generator).to(device)
    x0 = consistency_function(schedule, model, x, torch.full((shape[0],), T - 1, device=device), sigma_data, labels)
    for level in levels:
        noise = torch.randn(shape, generator=generator).to(device)
        index = torch.full((shape[0],), level, device=device)
        x = kernels.q_sample(schedule.sqrt_alphas_cumprod, schedule.sqrt_one_minus_alphas_cumprod, x0, index, noise)
        x0 = consistency_function(schedule, model, x, index, sigma_data, labels)
    return x0.cpu()
