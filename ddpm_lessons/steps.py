"""The samplers' steps and their loop, unchecked (lessons 07a, 07b and 09b): DDPM, DDIM, Euler and Heun, each written once.

- :func:`ddpm_step` — ancestral sampling, x_{t−1} = μ_θ(x_t, t) + σ_t z (DDPM Algorithm 2, line 4; eq. 11);
- :func:`ddim_step` — DDIM from index t to any earlier index, with noise η (Song et al. 2021, eq. 12 and 16);
- :func:`euler_step` — one Euler step of the probability-flow ODE dy/dσ = ε in its own variables σ = √((1 − ᾱ)/ᾱ),
  y = x/√ᾱ (Karras et al. 2022, eq. 4). It *is* DDIM's η = 0 step, written in (y, σ) instead of (x̂₀, ᾱ): lesson 09b
  prints the two side by side (they agree to round-off, not bit for bit), so both forms stay;
- :func:`heun_step` — Heun's method around either Euler form: the predictor, then the corrector with the mean
  slope ½ (ε + ε(x̃)) (Karras et al. 2022, Algorithm 1); :func:`ddpm_lessons.sample` runs it on DDIM's form,
  :func:`ddpm_lessons.ode.ode_sample` on the σ form;
- :func:`run_chain` — the one sampling loop: over a step table of index pairs (t, t_prev), ask for ε, take a step.

Like :mod:`ddpm_lessons.kernels`, nothing here checks its arguments or waits for the device; the entry points
(:mod:`ddpm_lessons.process`, :mod:`ddpm_lessons.sampling`, :mod:`ddpm_lessons.ode`) check once and call these.
A new step function goes here, with the signature ``step(x, t, t_prev, eps, z) → x`` that :func:`run_chain` calls
once :func:`ddpm_lessons.sampling.SamplerSpec` binds its options.
"""

from __future__ import annotations

import torch

from .kernels import eps_from_x0, reverse_mean, x0_from_eps
from .schedule import broadcast_to_batch, gather

__all__ = ["ddpm_step", "ddim_step", "euler_step", "heun_step", "guided_eps", "model_eps", "run_chain"]


def ddpm_step(schedule, x_t, t, eps, z, *, log_variance, clip_denoised: bool = False, keep=1.0):
    """x_{t−1} = μ_θ(x_t, t) + σ_t z, σ_t² from ``log_variance`` (``(T,)``, see :func:`kernels.reverse_log_variance`).

    No noise where there is none to add: ``z`` None, or an int ``t == 0`` (the last step returns the mean). For a
    tensor ``t`` the caller passes ``keep``, the ``(B, 1, …)`` mask of elements with t > 0.
    """
    mean, _ = reverse_mean(schedule, x_t, t, eps, clip_denoised)
    if z is None or (isinstance(t, int) and t == 0):
        return mean
    sigma = torch.exp(0.5 * gather(log_variance, t, x_t))
    return mean + keep * sigma * z  # Algorithm 2, line 4


def _alpha_bar_prev(schedule, t_prev, x):
    # ᾱ at t_prev, with ᾱ := 1 at t_prev = −1 (the step to x_0): alphas_cumprod_prev[i + 1] = alphas_cumprod[i].
    if isinstance(t_prev, int):
        return gather(schedule.alphas_cumprod_prev, t_prev + 1, x)
    ones = torch.ones_like(schedule.alphas_cumprod[0])
    return broadcast_to_batch(torch.where(t_prev >= 0, schedule.alphas_cumprod[t_prev.clamp(min=0)], ones), x)


def ddim_step(schedule, x_t, t, t_prev, eps, z, *, eta: float = 0.0, clip_denoised: bool = False):
    """x at index ``t_prev`` < ``t`` (−1: x_0): √ᾱ_prev x̂_0 + √(1 − ᾱ_prev − σ²) ε + σ z, with
    σ = η √((1 − ᾱ_prev)/(1 − ᾱ_t)) √(1 − ᾱ_t/ᾱ_prev). ``t`` and ``t_prev`` both ints or both ``(B,)`` tensors;
    ``z`` is unused (may be None) when η = 0. With ``clip_denoised`` x̂_0 is clipped and ε re-derived from it."""
    pred_x0 = x0_from_eps(schedule, x_t, t, eps)
    if clip_denoised:
        pred_x0 = pred_x0.clamp(-1.0, 1.0)
        eps = eps_from_x0(schedule, x_t, t, pred_x0)
    alpha_bar = gather(schedule.alphas_cumprod, t, x_t)
    alpha_bar_prev = _alpha_bar_prev(schedule, t_prev, x_t)
    sigma = (
        eta * torch.sqrt((1.0 - alpha_bar_prev) / (1.0 - alpha_bar)) * torch.sqrt(1.0 - alpha_bar / alpha_bar_prev)
    )  # eq. 16
    # η ≤ 1 keeps σ² ≤ 1 − ᾱ_prev, so the square root below is real; clamp only absorbs round-off.
    direction = torch.sqrt((1.0 - alpha_bar_prev - sigma**2).clamp(min=0.0)) * eps
    x_prev = torch.sqrt(alpha_bar_prev) * pred_x0 + direction  # eq. 12
    if eta == 0:
        return x_prev
    return x_prev + sigma * z


def euler_step(x, sigma, sigma_next, eps):
    """x′ = √ᾱ(σ′) [x/√ᾱ(σ) + (σ′ − σ) ε], one Euler step of dy/dσ = ε (either direction; σ′ = 0 gives x̂₀)."""
    y = x * (1 + sigma**2) ** 0.5  # y = x/√ᾱ, with 1/ᾱ = 1 + σ²
    return (y + (sigma_next - sigma) * eps) / (1 + sigma_next**2) ** 0.5  # Karras et al. eq. 4, s(σ) = 1/√(1 + σ²)


def heun_step(euler, x, eps, eps_next_fn, *, last: bool):
    """Heun's method around an Euler step ``euler(x, ε) → x′``: the predictor x̃ = euler(x, ε), then the corrector
    euler(x, ½ (ε + ε(x̃))) with ``eps_next_fn(x̃)`` the slope at the end. ``last`` (the step to σ = 0, where ε is
    not defined): the predictor alone, as Karras et al. do."""
    predicted = euler(x, eps)
    if last:
        return predicted
    return euler(x, 0.5 * (eps + eps_next_fn(predicted)))  # Karras et al. 2022, Algorithm 1, line 8


def guided_eps(eps_cond, eps_uncond, w):
    """ε̃ = (1 + w) ε_θ(x_t, c) − w ε_θ(x_t, ∅), classifier-free guidance (Ho & Salimans 2022, eq. 6)."""
    return (1.0 + w) * eps_cond - w * eps_uncond


def model_eps(model, x_t, t, labels=None, guidance: float = 0.0):
    """ε_θ(x_t, t[, labels]), guided by ``guidance`` w > 0: two calls of the batch's size, the second with the null
    label (on a CPU one call on both stacked runs slower per example once it outgrows the caches)."""
    if labels is None:
        return model(x_t, t)
    if guidance == 0:
        return model(x_t, t, labels)
    eps_cond = model(x_t, t, labels)
    eps_uncond = model(x_t, t, torch.full_like(labels, model.null_label))
    return guided_eps(eps_cond, eps_uncond, guidance)


def run_chain(x, pairs, step, eps_fn, draw=None, keep=frozenset()):
    """Run ``x`` through the step table ``pairs`` of (t, t_prev): ε = ``eps_fn(x, t)``, z = ``draw()`` (None without
    ``draw``), x = ``step(x, t, t_prev, ε, z)``. Returns ``(x, {t_prev: x on the CPU})`` for the t_prev in ``keep``."""
    trajectory = {}
    for t, t_prev in pairs:
        eps = eps_fn(x, t)
        x = step(x, t, t_prev, eps, None if draw is None else draw())
        if t_prev in keep:
            trajectory[t_prev] = x.cpu()
    return x, trajectory
