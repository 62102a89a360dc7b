"""The Gaussian kernels of DDPM, unchecked (lessons 02, 03a, 03b and 07; Ho et al. 2020, equation numbers beside each line).

The math layer: the forward kernel q(x_t | x_0) (eq. 4), the forward posterior q(x_{t−1} | x_t, x_0) (eq. 6–7),
x̂₀ ↔ ε at a schedule index (eq. 15; at ᾱ = 0, the last index of a zero-terminal-SNR schedule, ε = x_t and x̂₀
must come from the network: ``reverse_mean`` takes it) and the reverse kernel p_θ(x_{t−1} | x_t) (eq. 11, §3.2). Each equation is
written here once; :mod:`ddpm_lessons.process` (the checked entry points), :mod:`ddpm_lessons.steps` (the
samplers' steps) and :mod:`ddpm_lessons.losses` call them.

Nothing here validates or waits for the device: arguments are what the entry points checked — ``t`` a Python int
(one step for the whole batch, the cheap path of a sampling loop) or a ``(B,)`` long tensor of valid indices on
``x``'s device, tensors of matching shapes, a schedule on ``x``'s device. Add a new kernel here, and its checks to
the entry point that exposes it.
"""

from __future__ import annotations

import torch

from .schedule import gather

__all__ = [
    "q_sample",
    "posterior_mean",
    "x0_from_eps",
    "eps_from_x0",
    "reverse_mean",
    "reverse_log_variance",
]


def q_sample(sqrt_alphas_cumprod, sqrt_one_minus_alphas_cumprod, x0, t, noise):
    """x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε, from the two ``(T,)`` arrays (a schedule's, or the seed's own)."""
    return gather(sqrt_alphas_cumprod, t, x0) * x0 + gather(sqrt_one_minus_alphas_cumprod, t, x0) * noise  # eq. 4


def posterior_mean(schedule, x0, x_t, t):
    """μ̃_t(x_t, x_0) = coef1 · x_0 + coef2 · x_t, the mean of q(x_{t−1} | x_t, x_0)."""
    return (
        gather(schedule.posterior_mean_coef1, t, x0) * x0 + gather(schedule.posterior_mean_coef2, t, x0) * x_t
    )  # eq. 7


def x0_from_eps(schedule, x_t, t, eps):
    """x̂_0 = √(1/ᾱ_t) x_t − √(1/ᾱ_t − 1) ε: the closed form solved for x_0."""
    return (
        gather(schedule.sqrt_recip_alphas_cumprod, t, x_t) * x_t
        - gather(schedule.sqrt_recipm1_alphas_cumprod, t, x_t) * eps  # eq. 15
    )


def eps_from_x0(schedule, x_t, t, x0):
    """ε = (√(1/ᾱ_t) x_t − x̂_0) / √(1/ᾱ_t − 1): eq. 15 solved for ε (used after clipping x̂_0). At ᾱ_t = 0 (the
    last index of a zero-terminal-SNR schedule) the formula is ∞/∞, and eq. 4 gives ε = x_t exactly: that is returned."""
    eps = (gather(schedule.sqrt_recip_alphas_cumprod, t, x_t) * x_t - x0) / gather(
        schedule.sqrt_recipm1_alphas_cumprod, t, x_t
    )
    if not getattr(schedule, "zero_terminal", False):  # a host flag: every other schedule as before
        return eps
    return torch.where(gather(schedule.alphas_cumprod, t, x_t) > 0, eps, x_t)  # x_t = ε at ᾱ_t = 0 (eq. 4)


def reverse_mean(schedule, x_t, t, eps, clip_denoised: bool, x0=None):
    """``(μ_θ(x_t, t), x̂_0)``: μ_θ = μ̃_t(x_t, x̂_0(x_t, ε_θ)) (eq. 11 = eq. 7 at eq. 15's x̂_0), with x̂_0 clipped
    to [−1, 1] first when ``clip_denoised`` (Ho et al.'s code). ``x0``: the network's own x̂_0 (a v- or x₀-prediction
    model), used instead of eq. 15's, which is undefined at ᾱ_t = 0."""
    pred_x0 = x0_from_eps(schedule, x_t, t, eps) if x0 is None else x0
    if clip_denoised:
        pred_x0 = pred_x0.clamp(-1.0, 1.0)
    return posterior_mean(schedule, pred_x0, x_t, t), pred_x0


def reverse_log_variance(schedule, variance: str) -> torch.Tensor:
    """log σ_t² for every step, ``(T,)`` (§3.2): ``"beta"`` σ² = β_t ("fixedlarge", the seed) or ``"posterior"``
    σ² = β̃_t ("fixedsmall"); index 0 is clipped as in Ho et al.'s code (see :class:`DiffusionSchedule`)."""
    if variance == "posterior":
        return schedule.posterior_log_variance_clipped
    return schedule.beta_log_variance_clipped
