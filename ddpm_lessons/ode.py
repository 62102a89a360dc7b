"""Solving the probability-flow ODE in DDIM's variables (lesson 09): Euler (= DDIM with η = 0) and Heun.

With σ = √((1 − ᾱ)/ᾱ) and y = x/√ᾱ, the probability-flow ODE of the DDPM path becomes dy/dσ = ε*(x, σ)
(Song et al. 2021, "Denoising Diffusion Implicit Models"; Karras et al. 2022, "Elucidating the Design Space of Diffusion-Based Generative
Models", eq. 4 with s(t) = 1/√(1 + σ²)). One Euler step from σ to σ′,

    x′ = √ᾱ′ [x/√ᾱ + (σ′ − σ) ε],

is exactly DDIM's update (DDIM eq. 12, η = 0; lesson 07's :func:`ddpm_lessons.ddim_step`). Heun's method (Karras et
al. 2022's deterministic sampler) averages the slope at both ends: two network evaluations per step, one on
the last step to σ = 0, where it is Euler. States ``x`` are always on the DDPM scale (x = √ᾱ y).
"""

from __future__ import annotations

import numbers

import torch

from .sampling import ddim_timesteps
from .validation import check_positive_int, check_real, check_same_shape, check_schedule, check_tensor

__all__ = [
    "sigma_from_alpha_bar",
    "alpha_bar_from_sigma",
    "euler_step",
    "heun_step",
    "ode_sample",
    "ode_timesteps",
    "ode_nfe",
]

METHODS = ("euler", "heun")


def sigma_from_alpha_bar(alpha_bar):
    """σ = √((1 − ᾱ)/ᾱ), the noise-to-signal ratio (0 for clean data, ∞ as ᾱ → 0)."""
    return ((1 - alpha_bar) / alpha_bar) ** 0.5


def alpha_bar_from_sigma(sigma):
    """ᾱ = 1/(1 + σ²), the inverse of :func:`sigma_from_alpha_bar`."""
    return 1 / (1 + sigma**2)


def _sigma(value, name):
    if isinstance(value, torch.Tensor):
        if value.dim() != 0 or not bool(torch.isfinite(value)) or bool(value < 0):
            raise ValueError(f"{name} must be a finite number >= 0 (a 0-d tensor at most), got {value}")
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number >= 0, got {type(value).__name__}")
    return check_real(value, name, minimum=0.0)


def euler_step(x: torch.Tensor, sigma, sigma_next, eps: torch.Tensor) -> torch.Tensor:
    """One Euler step of dy/dσ = ε from σ to σ′: x′ = √ᾱ(σ′) [x/√ᾱ(σ) + (σ′ − σ) ε] (equal to DDIM with η = 0).

    Works in both directions (σ′ < σ generates, σ′ > σ encodes); σ′ = 0 returns x̂₀ itself.
    """
    check_tensor(x, "x")
    check_tensor(eps, "eps")
    check_same_shape(x, eps, "x", "eps")
    sigma, sigma_next = _sigma(sigma, "sigma"), _sigma(sigma_next, "sigma_next")
    y = x * (1 + sigma**2) ** 0.5
    return (y + (sigma_next - sigma) * eps) / (1 + sigma_next**2) ** 0.5


def heun_step(x: torch.Tensor, sigma, sigma_next, eps: torch.Tensor, eps_next_fn) -> torch.Tensor:
    """One Heun step (Karras et al. 2022's deterministic sampler; lesson 09, section 4): the Euler predictor x̃ = :func:`euler_step`,
    then the corrector with the mean slope ½ (ε + ε(x̃, σ′)). At σ′ = 0 it is the Euler step (no evaluation there).

    Args:
        x: the state at σ; eps: ε at (x, σ); eps_next_fn: ``eps_next_fn(x̃) → ε`` at σ′ (one network call).
    """
    predicted = euler_step(x, sigma, sigma_next, eps)
    if float(sigma_next) == 0.0:
        return predicted
    if not callable(eps_next_fn):
        raise TypeError(f"eps_next_fn must be a function x -> eps at sigma_next, got {type(eps_next_fn).__name__}")
    eps_next = eps_next_fn(predicted)
    check_tensor(eps_next, "eps_next_fn(x)")
    check_same_shape(x, eps_next, "x", "eps_next_fn(x)")
    return euler_step(x, sigma, sigma_next, 0.5 * (eps + eps_next))


def ode_sample(eps_fn, x: torch.Tensor, sigmas, *, points=None, method: str = "euler", trajectory: bool = False):
    """Integrate the probability-flow ODE through the noise levels ``sigmas`` (in either direction).

    Args:
        eps_fn: ``eps_fn(x, point) → ε`` shaped like x: a network (point = a timestep index) or the exact ε*.
        x: the state at ``sigmas[0]`` on the DDPM scale, ``(B, ...)``.
        sigmas: the levels σ_0, σ_1, … to pass through (at least two); decreasing to generate, increasing to
            encode. points: what ``eps_fn`` receives at each level (default: the σ themselves; for a discrete
            DDPM model the timestep indices, from :func:`ode_timesteps`).
        method: ``"euler"`` (one evaluation per step, = DDIM η = 0) or ``"heun"`` (two, one on a last step to 0).
        trajectory: also return the list of states at every level.

    Returns:
        x at ``sigmas[-1]``, or ``(x, [states])`` with ``trajectory=True``.
    """
    check_tensor(x, "x")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if not callable(eps_fn):
        raise TypeError(f"eps_fn must be a function (x, point) -> eps, got {type(eps_fn).__name__}")
    sigmas = [_sigma(s, "sigmas") for s in sigmas]
    if len(sigmas) < 2:
        raise ValueError(f"sigmas must hold at least two noise levels, got {len(sigmas)}")
    points = list(sigmas) if points is None else list(points)
    if len(points) != len(sigmas):
        raise ValueError(f"points must have one entry per sigma ({len(sigmas)}), got {len(points)}")
    states = [x]
    for k in range(len(sigmas) - 1):
        eps = eps_fn(x, points[k])
        if method == "euler":
            x = euler_step(x, sigmas[k], sigmas[k + 1], eps)
        else:
            x = heun_step(x, sigmas[k], sigmas[k + 1], eps, lambda x_pred, p=points[k + 1]: eps_fn(x_pred, p))
        states.append(x)
    return (x, states) if trajectory else x


def ode_timesteps(schedule, steps: int) -> tuple[list[int], list[float]]:
    """The timestep indices and σ of ``steps`` ODE steps over a trained schedule: the points of
    :func:`ddpm_lessons.ddim_timesteps` (T − 1 … −1), σ_i = √((1 − ᾱ_i)/ᾱ_i) and σ = 0 at index −1 (x₀).

    A discrete-time model is only valid at its trained indices, so the solvers step between these σ_i.
    """
    check_schedule(schedule)
    steps = check_positive_int(steps, "steps")
    pairs = ddim_timesteps(len(schedule), steps)
    indices = [pairs[0][0]] + [prev for _, prev in pairs]
    alpha_bar = schedule.alphas_cumprod.double().cpu()
    sigmas = [float(sigma_from_alpha_bar(alpha_bar[i])) if i >= 0 else 0.0 for i in indices]
    return indices, sigmas


def ode_nfe(method: str, steps: int, *, ends_at_zero: bool = True) -> int:
    """Network evaluations of ``steps`` ODE steps: Euler ``steps``; Heun ``2·steps − 1`` (``2·steps`` if the last
    step does not end at σ = 0)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    steps = check_positive_int(steps, "steps")
    return steps if method == "euler" else 2 * steps - int(bool(ends_at_zero))
