"""Consistency models (Song, Dhariwal, Chen & Sutskever 2023, "Consistency Models"; issue 22, lesson B): one network
evaluation from noise to data.

The probability-flow ODE carries every x_t of one trajectory to the same x₀. A consistency function f(x_t, t) returns
that end point directly, so it is the same at every point of a trajectory (self-consistency) and is the identity at
the smallest noise level (the boundary condition). On the course's chain the ODE's own variables are y = x_t/√ᾱ_t
and σ_t = √((1 − ᾱ_t)/ᾱ_t) (lesson 09b); the network F_θ(x_t, t) is any course model, and

    f_θ(x_t, t) = c_skip(σ_t) y_t + c_out(σ_t) F_θ(x_t, t),                         (Song et al. 2023, eq. 6 and App. C)
    c_skip(σ) = σ_d² / ((σ − σ_min)² + σ_d²),   c_out(σ) = σ_d (σ − σ_min) / √(σ² + σ_d²),

with σ_min = σ_0, the smallest trained level (index 0), and σ_d the data's spread (``sigma_data``; EDM's 0.5 for data
in [−1, 1] — check your data's standard deviation). At σ = σ_min, c_skip = 1 and c_out = 0: f(x, 0) = y exactly,
whatever the network, so the boundary condition holds by construction. f returns a point at σ_min, where the data
carries noise of σ_min = 0.01 on the linear schedule: a sample, not a denoised mean. (The network's input
x_t = y/√(1 + σ²) is EDM's c_in y for σ_d = 1, while c_skip and c_out use ``sigma_data``: harmless — F is only asked to
fill in the rest — but not EDM's unit-variance recipe; lesson 11.)

Training pulls f together at adjacent levels t_{n+1} > t_n of the chain t_1 = 0 < t_2 < … < t_N = T − 1 (Karras et
al.'s ρ spacing, as Song et al. 2023 discretise, App. C; :func:`consistency_chain`). The pair (t_2, t_1 = 0) ties f to
the boundary, and self-consistency carries that up the chain: without it, any function constant along trajectories
(a constant included) would score as well as the true one. The target is evaluated without gradient at the current
weights, θ⁻ = stopgrad θ: Song & Dhariwal 2023 ("Improved Techniques for Training Consistency Models", §3) show that
the analysis holds for θ⁻ = θ and that the 2023 paper's EMA teacher network hurts, so the EMA is left out. The loss is
the 2023 paper's by default: ‖f_θ(x_{t_{n+1}}, t_{n+1}) − f_{θ⁻}(x_{t_n}, t_n)‖² (mean over elements), λ = 1 and n
uniform on a fixed chain. Two pieces of the improved recipe are options: ``weighting="inverse-gap"``, λ(σ_n) =
1/(σ_{n+1} − σ_n) (normalised to mean 1 over the chain's pairs, so the learning rate keeps its meaning), which weighs the
small steps near the boundary up; and ``distance="pseudo-huber"``, √(‖a − b‖² + c²) − c with c = 0.00054 √D (D the
data's dimension; quadratic below c, linear above, so a few large differences do not dominate). Its log-normal pairs
and doubling N are not built.

- **consistency distillation** (Algorithm 2): x_{t_n} is one deterministic DDIM step of a trained diffusion model
  (the ``teacher``) from x_{t_{n+1}} — one Euler step of the ODE (lesson 09b). The paper's experiments use Heun's
  second-order step; Euler is this course's simplification, and its bias is learnt with the rest (the student
  matches the teacher's Euler chain, not the exact ODE);
- **consistency training** (Algorithm 3), no teacher: x_{t_{n+1}} and x_{t_n} are the same x₀ noised with the same
  ε at the two levels. Given x_{t_{n+1}}, the lower point's expected position is the exact-score Euler step, at every
  N; the target f_{θ⁻} at that random point adds an O(Δσ²) bias and a variance, and Theorem 2 of Song et al. 2023 says
  the training loss equals the distillation loss with the exact score up to o(Δσ).

Dropout: the two passes draw their own masks (the course's MLPs have none; Song & Dhariwal share one).

- :func:`consistency_function` — f_θ from a network and the schedule; :func:`skip_and_out` the two coefficients;
  :func:`consistency_chain` — the training levels, and :func:`sampling_levels` — Algorithm 1's levels taken from them;
- :class:`ConsistencyObjective` — one objective of :func:`ddpm_lessons.train` for both algorithms;
- :func:`consistency_sample` — one step (f at the top of the chain), or Algorithm 1's multistep sampler: f, noise added
  again up to a lower level of the chain with fresh ε, f again.
"""

from __future__ import annotations

import copy

import torch
import torch.nn as nn

from . import kernels
from .distill import PREDICTIONS
from .sampling import RHO, karras_indices
from .schedule import DiffusionSchedule, broadcast_to_batch
from .steps import ddim_step, split_prediction
from .validation import InputError, check_choice, check_positive_int, check_real, check_schedule, check_shape

WEIGHTINGS = ("uniform", "inverse-gap")
DISTANCES = ("l2", "pseudo-huber")

__all__ = [  # the checked entry points; skip_and_out and consistency_function are the math layer (unchecked)
    "WEIGHTINGS",
    "DISTANCES",
    "consistency_chain",
    "sampling_levels",
    "ConsistencyObjective",
    "consistency_sample",
]


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


def _check_sigma_data(sigma_data) -> float:
    sigma_data = check_real(sigma_data, "sigma_data", minimum=0.0)
    if sigma_data <= 0:
        raise InputError(f"sigma_data must be > 0, got {sigma_data:g}", parameter="sigma_data")
    return sigma_data


def consistency_chain(schedule: DiffusionSchedule, steps: int, rho: float = RHO) -> list[int]:
    """The ``steps`` training levels from T − 1 down to 0, on Karras et al.'s ρ spacing (:func:`~ddpm_lessons.sampling.
    karras_indices` without its final x₀): t_N = T − 1 > … > t_1 = 0, distinct (too many for ρ raises an
    :class:`~ddpm_lessons.InputError` naming ``steps``)."""
    return karras_indices(schedule, steps, rho)[:-1]


def sampling_levels(chain: list[int], nfe: int) -> list[int]:
    """Algorithm 1's ``nfe − 1`` re-noising levels, taken from the training ``chain`` (top first) at the evenly spaced
    positions round(j (N − 1)/nfe), j = 1 … nfe − 1: none for one evaluation."""
    if isinstance(chain, (str, bytes)) or not isinstance(chain, (list, tuple)) or len(chain) < 2:
        raise InputError(f"chain must be a list of at least two levels, got {chain!r:.60}", parameter="chain")
    nfe = check_positive_int(nfe, "nfe")
    if nfe > len(chain) - 1:
        raise InputError(f"nfe must be at most {len(chain) - 1} for a chain of {len(chain)} levels", parameter="nfe")
    return [chain[round(j * (len(chain) - 1) / nfe)] for j in range(1, nfe)]


class ConsistencyObjective:
    """Consistency distillation (with ``teacher``) or consistency training (``teacher=None``) on the N-step chain
    ``ddim_timesteps(T, steps)`` as an objective of :func:`ddpm_lessons.train` (the protocol of
    :class:`~ddpm_lessons.train.EpsObjective`); see the module's docstring for the equations.

    Args:
        schedule: the :class:`DiffusionSchedule` (length T) the levels come from (and the teacher was trained on).
        steps: N, the chain's levels (:func:`consistency_chain`): its N − 1 adjacent pairs (t_{n+1}, t_n) are drawn
            uniformly; rho: the chain's ρ.
        teacher: a trained diffusion network for distillation (a frozen copy is kept), or None for training.
        teacher_prediction: what the teacher outputs (``"eps"``, ``"x0"`` or ``"v"``).
        sigma_data: σ_d of the parameterisation (0.5, EDM's, for data in [−1, 1]).
        weighting: ``"uniform"`` (λ = 1, the 2023 paper) or ``"inverse-gap"`` (λ ∝ 1/Δσ, Song & Dhariwal 2023);
        distance: ``"l2"`` (squared, mean over elements) or ``"pseudo-huber"`` (Song & Dhariwal 2023).
    """

    kind = "consistency"

    def __init__(
        self,
        schedule: DiffusionSchedule,
        steps: int,
        teacher: nn.Module | None = None,
        teacher_prediction: str = "eps",
        sigma_data: float = 0.5,
        rho: float = RHO,
        weighting: str = "uniform",
        distance: str = "l2",
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
        self.sigma_data = _check_sigma_data(sigma_data)
        self.teacher = None if teacher is None else copy.deepcopy(teacher).eval().requires_grad_(False)
        self.teacher_prediction, self.steps = teacher_prediction, steps
        self.chain = consistency_chain(schedule, steps, rho)  # t_N = T − 1 > … > t_1 = 0
        self.upper, self.lower = torch.tensor(self.chain[:-1]), torch.tensor(self.chain[1:])
        self.weighting = check_choice(weighting, WEIGHTINGS, "weighting")
        self.distance = check_choice(distance, DISTANCES, "distance")
        sigmas = schedule.sqrt_recipm1_alphas_cumprod.double().cpu()
        gaps = sigmas[self.upper] - sigmas[self.lower]
        weights = torch.ones_like(gaps) if weighting == "uniform" else 1 / gaps  # λ(σ_n) = 1/(σ_{n+1} − σ_n)
        self.weights = (weights / weights.mean()).to(schedule.dtype)
        self.settings = {
            "objective": "consistency distillation" if teacher is not None else "consistency training",
            "consistency_steps": steps,
            "consistency_rho": rho,
            "sigma_data": self.sigma_data,
            "teacher_prediction": teacher_prediction if teacher is not None else None,
            "consistency_weighting": weighting,
            "consistency_distance": distance,
        }

    def to(self, device) -> ConsistencyObjective:
        moved = copy.copy(self)
        moved.schedule = self.schedule.to(device=device)
        moved.teacher = None if self.teacher is None else self.teacher.to(device)
        moved.upper, moved.lower, moved.weights = (v.to(device) for v in (self.upper, self.lower, self.weights))
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
        squared = (predicted - target).pow(2).reshape(len(n), -1)
        if self.distance == "l2":
            per_example = squared.mean(dim=1)
        else:  # pseudo-Huber, c = 0.00054 √D (Song & Dhariwal 2023, §3.3)
            c = 0.00054 * squared.shape[1] ** 0.5
            per_example = (squared.sum(dim=1) + c**2).sqrt() - c
        return (self.weights[n] * per_example).mean(), predicted.detach() - target

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
    """Samples of a consistency model (Song et al. 2023, Algorithm 1): ŷ = f(x_T, T − 1) from pure noise, then for
    each index τ in ``levels`` (descending, each in 1 … T − 2) noise added again up to σ_τ — ŷ already sits at σ_min,
    so Algorithm 1 adds √(σ_τ² − σ_min²) z, on the DDPM scale x_τ = √ᾱ_τ (ŷ + √(σ_τ² − σ_min²) z) — and ŷ = f(x_τ, τ).
    One network evaluation plus one per level; returns ŷ on the CPU.

    ``model`` is the trained network F_θ (in eval mode); ``sigma_data`` must be the objective's. Take ``levels`` from
    the training chain (:func:`consistency_chain`): a network is trained only at the chain's levels.
    """
    check_schedule(schedule)
    if not isinstance(model, nn.Module):
        raise InputError(f"model must be an nn.Module (the trained F), got {type(model).__name__}", parameter="model")
    if model.training:
        raise InputError("the model is in training mode: call model.eval() before sampling", parameter="model")
    sigma_data = _check_sigma_data(sigma_data)
    T = len(schedule)
    levels = [] if levels is None else list(levels)
    if any(isinstance(v, bool) or not isinstance(v, int) or not 0 < v < T - 1 for v in levels) or levels != sorted(
        set(levels), reverse=True
    ):
        raise InputError(
            f"levels must be distinct integers in 1 … {T - 2}, in descending order; got {levels}", parameter="levels"
        )
    shape = check_shape(shape)
    first = next(model.parameters(), None)
    device = torch.device("cpu") if first is None else first.device
    generator = torch.Generator().manual_seed(check_positive_int(seed, "seed", minimum=0))
    schedule = schedule.to(device=device)
    sigmas = schedule.sqrt_recipm1_alphas_cumprod  # σ_t = √((1 − ᾱ_t)/ᾱ_t); σ_min = sigmas[0]
    x = torch.randn(shape, generator=generator).to(device)
    y = consistency_function(schedule, model, x, torch.full((shape[0],), T - 1, device=device), sigma_data, labels)
    for level in levels:
        noise = torch.randn(shape, generator=generator).to(device)
        spread = (sigmas[level] ** 2 - sigmas[0] ** 2).sqrt()
        x = schedule.sqrt_alphas_cumprod[level] * (y + spread * noise)  # x_τ = √ᾱ_τ (ŷ + √(σ_τ² − σ_min²) z)
        y = consistency_function(schedule, model, x, torch.full((shape[0],), level, device=device), sigma_data, labels)
    return y.cpu()
