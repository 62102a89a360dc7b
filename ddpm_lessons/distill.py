"""Progressive distillation (Salimans & Ho 2022, "Progressive Distillation for Fast Sampling of Diffusion Models",
Algorithm 2; issue 22, lesson B): a student that takes one DDIM step for two of its teacher's.

The teacher samples with N deterministic DDIM steps (η = 0) on the course's chain ``ddim_timesteps(T, N)``; the
student gets N/2 steps on every other point of that chain, t → s, and learns to land where two teacher steps
t → m → s land. Writing α = √ᾱ, σ = √(1 − ᾱ), one DDIM step from z_t with the estimate x̂ is (DDIM eq. 12, η = 0)

    z_s = α_s x̂ + σ_s (z_t − α_t x̂)/σ_t                                  (ε̂ = (z_t − α_t x̂)/σ_t, DDPM eq. 15)
        = (α_s − (σ_s/σ_t) α_t) x̂ + (σ_s/σ_t) z_t.

It is linear in x̂, so the one x̂ that makes the student's single step hit the teacher's z_s is

    x̃ = (z_s − (σ_s/σ_t) z_t) / (α_s − (σ_s/σ_t) α_t)                    (Algorithm 2's target)

— at s = −1 (x₀: α_s = 1, σ_s = 0) simply x̃ = z_s. The student (initialised as its teacher) regresses x̃ in its
own prediction: ε̃ = (z_t − α_t x̃)/σ_t for ε, x̃ for x₀, ṽ = α_t ε̃ − σ_t x̃ for v. The v-error is the x̂-error over
σ_t (‖Δv‖² = (1 + SNR_t) ‖Δx̂‖²), the paper's "SNR + 1" weighting; the x₀-error is the x̂-error itself (weight 1,
which is neither of the paper's choices: it underweights the clean end by SNR_t); the ε-error is SNR_t ‖Δx̂‖². An
ε-student fails at the top of the chain for two reasons (Salimans & Ho 2022, §4): that weight is tiny there (SNR is
4·10⁻⁵ at the last index of the linear schedule, 0 on a zero-terminal one), and its x̂ = (z − σ ε̂)/α multiplies any
error in ε̂ by 1/α ≈ 160. The paper names x, (x, ε) and v as stable outputs and uses v. Teacher and student share the
prediction here (the student starts as a copy), so an ε-trained teacher must be retrained as a v- (or x₀-) model first.
Then the student becomes the teacher and N halves again: N → N/2 → … → 1 (:func:`progressive_distillation`).

- :class:`DistillationObjective` — one halving as an objective of :func:`ddpm_lessons.train`'s shared loop (its
  minibatches, optimiser, EMA, checkpoints and resume); the levels it draws are the student's step numbers;
- :func:`teacher_two_steps` and :func:`distillation_target` — the equations above, in the math layer's style;
- :func:`progressive_distillation` — the rounds: each student starts from its teacher's EMA weights.

A student is sampled like any model: ``sample(student, schedule, shape, method="ddim", steps=N, eta=0,
prediction=...)``: the chains nest, ``ddim_timesteps(T, N)`` is every other point of ``ddim_timesteps(T, 2N)``
(both round the same evenly spaced reals; tests/test_distill.py checks every even 2N for nine T from 10 to 4,000).
"""

from __future__ import annotations

import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import kernels
from .config import TrainConfig
from .sampling import ddim_timesteps
from .schedule import DiffusionSchedule, broadcast_to_batch
from .steps import ddim_step, split_prediction
from .train import TrainState, train
from .validation import InputError, check_positive_int, check_schedule

__all__ = [  # the checked entry points; teacher_two_steps and distillation_target are the math layer (unchecked)
    "DistillationObjective",
    "progressive_distillation",
    "PREDICTIONS",
]

PREDICTIONS = ("eps", "x0", "v")


def chain_points(T: int, steps: int) -> list[int]:
    """The indices of ``steps`` DDIM steps over T, from T − 1 down to −1 (x₀): ``steps + 1`` points."""
    pairs = ddim_timesteps(T, steps)
    return [t for t, _ in pairs] + [pairs[-1][1]]


def _alpha_sigma(schedule: DiffusionSchedule, t: torch.Tensor, x: torch.Tensor):
    # α = √ᾱ and σ = √(1 − ᾱ) at index t, with ᾱ := 1 at t = −1 (x₀), shaped (B, 1, …) like x
    alpha_bar = torch.cat([torch.ones_like(schedule.alphas_cumprod[:1]), schedule.alphas_cumprod])[t + 1]
    alpha_bar = broadcast_to_batch(alpha_bar, x)
    return alpha_bar.sqrt(), (1 - alpha_bar).sqrt()


def _ddim(schedule, network, prediction: str, z, t, t_prev, labels):
    # one deterministic DDIM step of ``network`` (its own x̂₀ for v- and x₀-models, eq. 15's for ε-models)
    output = network(z, t) if labels is None else network(z, t, labels)
    estimate = split_prediction(schedule, z, t, output, prediction)
    return ddim_step(schedule, z, t, t_prev, estimate.eps, None, eta=0.0, x0=estimate.x0)


@torch.no_grad()
def teacher_two_steps(schedule, teacher, prediction: str, z_t, t, m, s, labels=None):
    """z_s after the teacher's two DDIM steps t → m → s (η = 0; Algorithm 2's "2 steps of DDIM with teacher"); ``t``, ``m``, ``s``
    integer tensors ``(B,)`` with t > m > s ≥ −1."""
    z_m = _ddim(schedule, teacher, prediction, z_t, t, m, labels)
    return _ddim(schedule, teacher, prediction, z_m, m, s, labels)


def distillation_target(schedule, z_t, t, z_s, s, prediction: str):
    """The student's target at (z_t, t): the x̃ whose one DDIM step t → s lands on ``z_s`` (Algorithm 2's x̃),
    in the student's ``prediction`` (ε̃, x̃ or ṽ; see the module's derivation)."""
    alpha_t, sigma_t = _alpha_sigma(schedule, t, z_t)
    alpha_s, sigma_s = _alpha_sigma(schedule, s, z_t)
    ratio = sigma_s / sigma_t
    x_tilde = (z_s - ratio * z_t) / (alpha_s - ratio * alpha_t)  # x̃ = (z_s − (σ_s/σ_t) z_t)/(α_s − (σ_s/σ_t) α_t)
    if prediction == "x0":
        return x_tilde
    eps_tilde = (z_t - alpha_t * x_tilde) / sigma_t  # DDPM eq. 15 solved for ε
    if prediction == "eps":
        return eps_tilde
    return alpha_t * eps_tilde - sigma_t * x_tilde  # v = α ε − σ x (Salimans & Ho 2022, §4)


class DistillationObjective:
    """One round of progressive distillation as an objective of :func:`ddpm_lessons.train` (the protocol of
    :class:`ddpm_lessons.train.EpsObjective`): the student learns ``teacher_steps // 2`` DDIM steps from a teacher
    sampled with ``teacher_steps``.

    Args:
        teacher: the teacher network (a frozen copy is kept: it is neither trained nor changed).
        schedule: the :class:`DiffusionSchedule` both networks were trained on (length T).
        teacher_steps: the teacher's DDIM steps N, even and at most T.
        prediction: what teacher and student output (``"eps"``, ``"x0"`` or ``"v"``; the student starts as a copy
            of its teacher, so they share it). v is the paper's choice (see the module's docstring).

    Each example draws a student step j uniformly from 0 … N/2 − 1 (Algorithm 2's t = i/N, its N being the student's
    steps, here N/2), is noised
    to the step's start t with the run's ε, and contributes ‖f_θ(z_t, t) − target‖² (mean over elements).
    """

    kind = "distill"

    def __init__(self, teacher: nn.Module, schedule: DiffusionSchedule, teacher_steps: int, prediction: str = "v"):
        if not isinstance(teacher, nn.Module):
            raise InputError(f"teacher must be an nn.Module, got {type(teacher).__name__}", parameter="teacher")
        self.schedule = check_schedule(schedule)
        T = len(schedule)
        teacher_steps = check_positive_int(teacher_steps, "teacher_steps", minimum=2)
        if teacher_steps % 2 or teacher_steps > T:
            raise InputError(
                f"teacher_steps must be even and at most T = {T}, got {teacher_steps}", parameter="teacher_steps"
            )
        points = chain_points(T, teacher_steps)  # the student's chain is points[::2] (module docstring)
        if prediction not in PREDICTIONS:
            raise InputError(f"prediction must be one of {PREDICTIONS}, got {prediction!r}", parameter="prediction")
        if prediction == "eps" and float(schedule.alphas_cumprod[-1]) == 0:
            raise InputError(
                "prediction='eps' has no x0 estimate at alpha_bar = 0 (a zero-terminal-SNR schedule); use 'v' or 'x0'",
                parameter="prediction",
            )
        self.teacher = copy.deepcopy(teacher).eval().requires_grad_(False)  # the caller's network is left as it is
        self.teacher_steps, self.prediction = teacher_steps, prediction
        chain = torch.tensor(points)
        self.starts, self.middles, self.ends = chain[0:-1:2], chain[1::2], chain[2::2]  # t, m, s of each student step
        self.settings = {
            "objective": "progressive distillation",
            "teacher_steps": teacher_steps,
            "student_steps": teacher_steps // 2,
            "prediction": prediction,
        }

    def to(self, device) -> DistillationObjective:
        moved = copy.copy(self)
        moved.schedule, moved.teacher = self.schedule.to(device=device), self.teacher.to(device)
        moved.starts, moved.middles, moved.ends = (v.to(device) for v in (self.starts, self.middles, self.ends))
        return moved

    def check(self, model: nn.Module) -> None:
        for name, network in (("model", model), ("teacher", self.teacher)):
            if getattr(network, "num_timesteps", None) not in (None, len(self.schedule)):
                raise InputError(
                    f"schedule has T = {len(self.schedule)} steps but the {name} was built for num_timesteps = "
                    f"{network.num_timesteps}",
                    parameter=name,
                )

    def draw(self, batch: int, generator: torch.Generator) -> torch.Tensor:
        return torch.randint(0, len(self.starts), (batch,), generator=generator)  # the student's step j

    def loss(self, model, x0, j, noise, labels):
        schedule = self.schedule
        t, m, s = self.starts[j], self.middles[j], self.ends[j]
        z_t = kernels.q_sample(schedule.sqrt_alphas_cumprod, schedule.sqrt_one_minus_alphas_cumprod, x0, t, noise)
        z_s = teacher_two_steps(schedule, self.teacher, self.prediction, z_t, t, m, s, labels)
        target = distillation_target(schedule, z_t, t, z_s, s, self.prediction)
        output = model(z_t, t) if labels is None else model(z_t, t, labels)
        return F.mse_loss(output, target), output.detach() - target

    def bucket(self, j: torch.Tensor, buckets: int) -> torch.Tensor:
        return (self.starts.cpu()[j.cpu()] * buckets) // len(self.schedule)  # by noise level t, as EpsObjective


def _check_rounds(teacher_steps, final_steps, steps_per_round, decay) -> None:
    # N halved to final_steps, and an EMA that has left the old teacher behind by the end of each round
    teacher_steps = check_positive_int(teacher_steps, "teacher_steps", minimum=2)
    final_steps = check_positive_int(final_steps, "final_steps")
    if (
        final_steps >= teacher_steps
        or teacher_steps % final_steps
        or (teacher_steps // final_steps) & (teacher_steps // final_steps - 1)
    ):
        raise InputError(
            f"final_steps must be teacher_steps = {teacher_steps} halved one or more times, got {final_steps}",
            parameter="final_steps",
        )
    steps_per_round = check_positive_int(steps_per_round, "steps_per_round")
    if decay**steps_per_round >= 0.01:
        raise InputError(
            f"ema_decay = {decay} keeps {decay**steps_per_round:.0%} of the teacher in the EMA after {steps_per_round} "
            "steps, and the EMA teaches the next round; lower ema_decay or raise steps_per_round until "
            "ema_decay ** steps_per_round < 0.01",
            parameter="ema_decay",
        )


def progressive_distillation(
    teacher: nn.Module,
    data,
    schedule: DiffusionSchedule,
    *,
    teacher_steps: int,
    final_steps: int = 1,
    steps_per_round: int,
    prediction: str = "v",
    config: TrainConfig | None = None,
    device=None,
    progress: bool = False,
    **overrides,
) -> list[tuple[int, TrainState]]:
    """Halve the teacher's DDIM steps until ``final_steps`` (Algorithm 2's outer loop): each round a copy of the last
    student's EMA weights (first: of ``teacher``) trains ``steps_per_round`` steps of :class:`DistillationObjective`
    through :func:`ddpm_lessons.train` (``config`` and ``overrides`` as there: batch size, lr, EMA, seed …), then
    teaches the next round.

    Returns ``[(student_steps, state), …]``, one per round (N/2, N/4, …, ``final_steps``); ``state.ema`` is the
    student to sample with ``method="ddim", steps=student_steps``.

    The EMA starts as a copy of the student, that is of its teacher, so after R steps it still holds a share
    ``ema_decay``^R of the old teacher (0.999^2000 = 0.14); handed on, that blend cannot take the doubled step. A round
    is therefore refused unless ``ema_decay``^``steps_per_round`` < 0.01 (``ema_decay`` 0.995 over 2,000 steps: 4·10⁻⁵).
    Salimans & Ho also anneal the learning rate to 0 within each round (``decay_steps=steps_per_round``).
    """
    if not isinstance(teacher, nn.Module):
        raise InputError(f"teacher must be an nn.Module, got {type(teacher).__name__}", parameter="teacher")
    _check_rounds(
        teacher_steps, final_steps, steps_per_round, overrides.get("ema_decay", (config or TrainConfig()).ema_decay)
    )
    rounds, steps = [], teacher_steps
    while steps > final_steps:
        student = copy.deepcopy(teacher).train().requires_grad_(True)
        objective = DistillationObjective(teacher, schedule, steps, prediction)
        state = train(
            student,
            data,
            config,
            steps=steps_per_round,
            objective=objective,
            device=device,
            progress=progress,
            **overrides,
        )
        steps //= 2
        rounds.append((steps, state))
        teacher = state.ema
    return rounds
