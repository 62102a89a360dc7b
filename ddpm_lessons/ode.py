"""Solving the probability-flow ODE in DDIM's variables (lesson 09b; issue 22, lesson A): Euler (= DDIM with η = 0),
Heun and DPM-Solver++(2M), on DDIM's evenly spaced timesteps or Karras et al.'s ρ spacing.

With σ = √((1 − ᾱ)/ᾱ) and y = x/√ᾱ, the probability-flow ODE of the DDPM path becomes dy/dσ = ε*(x, σ)
(Song et al. 2021, "Denoising Diffusion Implicit Models"; Karras et al. 2022, "Elucidating the Design Space of Diffusion-Based Generative
Models", eq. 4 with s(t) = 1/√(1 + σ²)). One Euler step from σ to σ′,

    x′ = √ᾱ′ [x/√ᾱ + (σ′ − σ) ε],

is exactly DDIM's update (DDIM eq. 12, η = 0; lesson 07b's :func:`ddpm_lessons.ddim_step`). Heun's method (Karras et
al. 2022's deterministic sampler) averages the slope at both ends: two network evaluations per step, one on
the last step to σ = 0, where it is Euler. DPM-Solver++(2M) (Lu et al. 2022, Algorithm 2) integrates the linear part
of the same ODE exactly in λ = −log σ and extrapolates x̂₀ = y − σ ε from its last two evaluations: one evaluation
per step, second order (:func:`ddpm_lessons.steps.dpmpp_2m_step` has the derivation). States ``x`` are always on the
DDPM scale (x = √ᾱ y).

The levels of a discrete-time model: :func:`ode_timesteps` (DDIM's uniform indices, or ``spacing="karras"``) and
:func:`karras_timesteps` (Karras et al. 2022, eq. 5, snapped to the trained indices).

The checked edge: each function checks its arguments once and calls :func:`ddpm_lessons.steps.euler_step` and
:func:`ddpm_lessons.steps.heun_step`, the one Heun stepper that :func:`ddpm_lessons.sample` also runs.
"""

from __future__ import annotations

import numbers
from functools import partial

import torch

from . import steps
from .sampling import RHO, SPACINGS, ddim_timesteps, karras_indices
from .validation import (
    InputError,
    check_choice,
    check_finite_result,
    check_level_value,
    check_positive_int,
    check_real,
    check_same_shape,
    check_schedule,
    check_tensor,
)

__all__ = [
    "sigma_from_alpha_bar",
    "alpha_bar_from_sigma",
    "euler_step",
    "heun_step",
    "ode_sample",
    "ode_timesteps",
    "karras_timesteps",
    "ode_nfe",
]

METHODS = ("euler", "heun", "dpmpp-2m")


def sigma_from_alpha_bar(alpha_bar):
    """σ = √((1 − ᾱ)/ᾱ), the noise-to-signal ratio (0 for clean data, ∞ as ᾱ → 0); ᾱ a number or a tensor in (0, 1]."""
    check_level_value(alpha_bar, "alpha_bar")
    return ((1 - alpha_bar) / alpha_bar) ** 0.5


def alpha_bar_from_sigma(sigma):
    """ᾱ = 1/(1 + σ²), the inverse of :func:`sigma_from_alpha_bar`; σ a number or a tensor, finite and >= 0."""
    check_level_value(sigma, "sigma", low_open=False, high=None)
    return 1 / (1 + sigma**2)


def _sigma(value, name):
    if isinstance(value, torch.Tensor):
        if value.dim() != 0 or not bool(torch.isfinite(value)) or bool(value < 0):
            raise InputError(f"{name} must be a finite number >= 0 (a 0-d tensor at most), got {value}")
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"{name} must be a real number >= 0, got {type(value).__name__}")
    return check_real(value, name, minimum=0.0)


def euler_step(x: torch.Tensor, sigma, sigma_next, eps: torch.Tensor) -> torch.Tensor:
    """One Euler step of dy/dσ = ε from σ to σ′: x′ = √ᾱ(σ′) [x/√ᾱ(σ) + (σ′ − σ) ε] (equal to DDIM with η = 0).

    Works in both directions (σ′ < σ generates, σ′ > σ encodes); σ′ = 0 returns x̂₀ itself.
    """
    check_tensor(x, "x")
    check_tensor(eps, "eps")
    check_same_shape(x, eps, "x", "eps")
    x_next = steps.euler_step(x, _sigma(sigma, "sigma"), _sigma(sigma_next, "sigma_next"), eps)
    return _finite_on_host(x_next, {"x": x, "eps": eps})


def heun_step(x: torch.Tensor, sigma, sigma_next, eps: torch.Tensor, eps_next_fn) -> torch.Tensor:
    """One Heun step (Karras et al. 2022's deterministic sampler; lesson 09b, section 2): the Euler predictor x̃ = :func:`euler_step`,
    then the corrector with the mean slope ½ (ε + ε(x̃, σ′)). At σ′ = 0 it is the Euler step (no evaluation there).

    Args:
        x: the state at σ; eps: ε at (x, σ); eps_next_fn: ``eps_next_fn(x̃) → ε`` at σ′ (one network call).
    """
    check_tensor(x, "x")
    check_tensor(eps, "eps")
    check_same_shape(x, eps, "x", "eps")
    sigma, sigma_next = _sigma(sigma, "sigma"), _sigma(sigma_next, "sigma_next")
    last = float(sigma_next) == 0.0
    if not last and not callable(eps_next_fn):
        raise InputError(f"eps_next_fn must be a function x -> eps at sigma_next, got {type(eps_next_fn).__name__}")
    x_next = _heun(x, sigma, sigma_next, eps, _checked_eps(eps_next_fn, x, "eps_next_fn(x)"), last)
    return _finite_on_host(x_next, {"x": x, "eps": eps, "eps_next_fn(x)": x_next})


def _finite_on_host(x_next, inputs: dict):
    # A step is called once per level: checked where that costs no device wait (ode_sample checks its end anywhere).
    return check_finite_result(x_next, inputs, "the step's result") if x_next.device.type == "cpu" else x_next


def _heun(x, sigma, sigma_next, eps, eps_next_fn, last: bool):
    def euler(state, slope):
        return steps.euler_step(state, sigma, sigma_next, slope)

    return steps.heun_step(euler, x, eps, eps_next_fn, last=last)


def _checked_eps(eps_fn, x, name: str):
    # A caller's ε function is outside the package: what it returns is checked at each call.
    def checked(*args):
        eps = eps_fn(*args)
        check_tensor(eps, name)
        check_same_shape(x, eps, "x", name)
        return eps

    return checked


def ode_sample(eps_fn, x: torch.Tensor, sigmas, *, points=None, method: str = "euler", trajectory: bool = False):
    """Integrate the probability-flow ODE through the noise levels ``sigmas`` (in either direction).

    Args:
        eps_fn: ``eps_fn(x, point) → ε`` shaped like x: a network (point = a timestep index) or the exact ε*.
        x: the state at ``sigmas[0]`` on the DDPM scale, ``(B, ...)``.
        sigmas: the levels σ_0, σ_1, … to pass through (at least two); decreasing to generate, increasing to
            encode. points: what ``eps_fn`` receives at each level (default: the σ themselves; for a discrete
            DDPM model the timestep indices, from :func:`ode_timesteps`).
        method: ``"euler"`` (one evaluation per step, = DDIM η = 0), ``"heun"`` (two, one on a last step to 0) or
            ``"dpmpp-2m"`` (DPM-Solver++(2M): one per step; first step first order, a last step to σ = 0 returns
            x̂₀; every level but the last must have σ > 0).
        trajectory: also return the list of states at every level (the first as given, the others on the CPU).

    Returns:
        x at ``sigmas[-1]``, or ``(x, [states])`` with ``trajectory=True``. A result holding NaN or inf is refused
        once, at the end (naming ``eps_fn`` when ``x`` was finite): no step waits for the device.
    """
    check_tensor(x, "x")
    check_choice(method, METHODS, "method")
    if not callable(eps_fn):
        raise InputError(f"eps_fn must be a function (x, point) -> eps, got {type(eps_fn).__name__}")
    sigmas = [_sigma(s, "sigmas") for s in sigmas]
    if len(sigmas) < 2:
        raise InputError(f"sigmas must hold at least two noise levels, got {len(sigmas)}")
    points = list(sigmas) if points is None else list(points)
    if len(points) != len(sigmas):
        raise InputError(f"points must have one entry per sigma ({len(sigmas)}), got {len(points)}")
    eps_fn = _checked_eps(eps_fn, x, "eps_fn(x, point)")
    levels = range(len(sigmas))
    ends_at_zero = [float(sigma) == 0.0 for sigma in sigmas]  # read once, before the loop
    if method == "dpmpp-2m" and any(ends_at_zero[:-1]):
        raise InputError(
            "sigmas: DPM-Solver++ steps in log sigma, so every level but the last must be > 0", parameter="sigmas"
        )

    def eps_at(state, k: int):
        return eps_fn(state, points[k])

    solver = steps.DPMSolverPP2M() if method == "dpmpp-2m" else None
    step = partial(_ode_step, method, sigmas, ends_at_zero, eps_at, solver)
    keep = frozenset(levels[1:]) if trajectory else frozenset()
    end, states = steps.run_chain(x, list(zip(levels[:-1], levels[1:])), step, eps_at, keep=keep)
    check_finite_result(end, {"x": x, "eps_fn(x, point)": end}, "the ODE's end state")
    return (end, [x, *states.values()]) if trajectory else end


def _ode_step(method, sigmas, ends_at_zero, eps_at, solver, x, k: int, k_next: int, eps, z):
    # One step of steps.run_chain's table from level k to k_next; ODE steps take no noise z.
    if method == "euler":
        return steps.euler_step(x, sigmas[k], sigmas[k_next], eps)
    if method == "dpmpp-2m":
        x0 = x * (1 + sigmas[k] ** 2) ** 0.5 - sigmas[k] * eps  # x̂₀ = y − σ ε
        return solver(x, sigmas[k], sigmas[k_next], x0, last=ends_at_zero[k_next])
    return _heun(x, sigmas[k], sigmas[k_next], eps, partial(eps_at, k=k_next), last=ends_at_zero[k_next])


def ode_timesteps(schedule, steps: int, *, spacing: str = "uniform", rho: float = RHO) -> tuple[list[int], list[float]]:
    """The timestep indices and σ of ``steps`` ODE steps over a trained schedule: the points of
    :func:`ddpm_lessons.ddim_timesteps` (T − 1 … −1), or with ``spacing="karras"`` those of :func:`karras_timesteps`
    (``rho`` its ρ), σ_i = √((1 − ᾱ_i)/ᾱ_i) and σ = 0 at index −1 (x₀).

    A discrete-time model is only valid at its trained indices, so the solvers step between these σ_i.
    """
    check_schedule(schedule)
    steps = check_positive_int(steps, "steps")
    check_choice(spacing, SPACINGS, "spacing")
    if getattr(schedule, "zero_terminal", False):
        raise InputError(
            "schedule: the ODE in (y, sigma) would start at sigma = inf, where a zero-terminal-SNR schedule puts "
            "alpha_bar = 0; sample such a model with ddpm_lessons.sample(..., prediction='v'), whose first DDIM step "
            "from alpha_bar = 0 is defined",
            parameter="schedule",
        )
    if spacing == "karras":
        return karras_timesteps(schedule, steps, rho)
    if rho != RHO:
        raise InputError("rho applies to spacing='karras' only (DDIM's uniform spacing has no rho)", parameter="rho")
    pairs = ddim_timesteps(len(schedule), steps)
    indices = [pairs[0][0]] + [prev for _, prev in pairs]
    return indices, _sigmas_at(schedule, indices)


def karras_timesteps(schedule, steps: int, rho: float = RHO) -> tuple[list[int], list[float]]:
    """The timestep indices and σ of ``steps`` steps on Karras et al. 2022's ρ spacing (eq. 5; issue 22, lesson A):
    :func:`ddpm_lessons.sampling.karras_indices` (each level snapped to the trained index of nearest log σ, two levels
    on one index refused naming ``steps``), their σ_i, and σ = 0 at index −1 (x₀)."""
    indices = karras_indices(schedule, steps, rho)
    return indices, _sigmas_at(schedule, indices)


def _sigmas_at(schedule, indices):
    alpha_bar = schedule.alphas_cumprod.double().cpu()
    return [float(sigma_from_alpha_bar(alpha_bar[i])) if i >= 0 else 0.0 for i in indices]


def ode_nfe(method: str, steps: int, *, ends_at_zero: bool = True) -> int:
    """Network evaluations of ``steps`` ODE steps: Euler and DPM-Solver++(2M) ``steps`` (one per step, the multistep
    reuses the last x̂₀); Heun ``2·steps − 1`` (``2·steps`` if the last step does not end at σ = 0)."""
    check_choice(method, METHODS, "method")
    steps = check_positive_int(steps, "steps")
    return 2 * steps - int(bool(ends_at_zero)) if method == "heun" else steps
