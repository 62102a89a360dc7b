"""The samplers' steps and their loop, unchecked (lessons 07a, 07b, 09b and issue 22's lesson A): DDPM, DDIM, Euler,
Heun and DPM-Solver++(2M), each written once.

- :func:`ddpm_step` — ancestral sampling, x_{t−1} = μ_θ(x_t, t) + σ_t z (DDPM Algorithm 2, line 4; eq. 11);
- :func:`ddim_step` — DDIM from index t to any earlier index, with noise η (Song et al. 2021, eq. 12 and 16);
- :func:`euler_step` — one Euler step of the probability-flow ODE dy/dσ = ε in its own variables σ = √((1 − ᾱ)/ᾱ),
  y = x/√ᾱ (Karras et al. 2022, eq. 4). It *is* DDIM's η = 0 step, written in (y, σ) instead of (x̂₀, ᾱ): lesson 09b
  prints the two side by side (they agree to round-off, not bit for bit), so both forms stay;
- :func:`heun_step` — Heun's method around either Euler form: the predictor, then the corrector with the mean
  slope ½ (ε + ε(x̃)) (Karras et al. 2022, Algorithm 1); :func:`ddpm_lessons.sample` runs it on DDIM's form,
  :func:`ddpm_lessons.ode.ode_sample` on the σ form;
- :func:`dpmpp_2m_step` and its memory :class:`DPMSolverPP2M` — DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++",
  Algorithm 2): the exponential integrator of the probability-flow ODE in λ = log(√ᾱ/√(1 − ᾱ)) = −log σ, with the
  data prediction x̂₀ extrapolated linearly in λ from the last two steps; one network evaluation per step;
- :func:`eps_from_prediction` — a network's output (ε, v of Salimans & Ho 2022, or x̂₀) as ε, before any step, and
  :func:`x0_from_prediction` — its own x̂₀ (v, x₀), which the steps take instead of eq. 15's (a :class:`Prediction`
  holds both, :func:`split_prediction` makes one): the only x̂₀ at ᾱ = 0, the first index of a zero-terminal-SNR
  schedule (issue 22, lesson A);
- :func:`run_chain` — the one sampling loop: over a step table of index pairs (t, t_prev), ask for ε, take a step.

Like :mod:`ddpm_lessons.kernels`, nothing here checks its arguments or waits for the device; the entry points
(:mod:`ddpm_lessons.process`, :mod:`ddpm_lessons.sampling`, :mod:`ddpm_lessons.ode`) check once and call these.
A new step function goes here, with the signature ``step(x, t, t_prev, eps, z) → x`` that :func:`run_chain` calls
once :func:`ddpm_lessons.sampling.SamplerSpec` binds its options.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch

from .kernels import eps_from_x0, reverse_mean, x0_from_eps
from .schedule import broadcast_to_batch, gather

__all__ = [
    "ddpm_step",
    "ddim_step",
    "euler_step",
    "heun_step",
    "dpmpp_2m_step",
    "DPMSolverPP2M",
    "eps_from_prediction",
    "x0_from_prediction",
    "Prediction",
    "split_prediction",
    "guided_eps",
    "model_eps",
    "run_chain",
]


def ddpm_step(schedule, x_t, t, eps, z, *, log_variance, clip_denoised: bool = False, keep=1.0, x0=None):
    """x_{t−1} = μ_θ(x_t, t) + σ_t z, σ_t² from ``log_variance`` (``(T,)``, see :func:`kernels.reverse_log_variance`).

    No noise where there is none to add: ``z`` None, or an int ``t == 0`` (the last step returns the mean). For a
    tensor ``t`` the caller passes ``keep``, the ``(B, 1, …)`` mask of elements with t > 0. ``x0``: the network's
    own x̂₀ (v- or x₀-prediction), used instead of the one from ε (needed where ᾱ_t = 0).
    """
    mean, _ = reverse_mean(schedule, x_t, t, eps, clip_denoised, x0)
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


def ddim_step(schedule, x_t, t, t_prev, eps, z, *, eta: float = 0.0, clip_denoised: bool = False, x0=None):
    """x at index ``t_prev`` < ``t`` (−1: x_0): √ᾱ_prev x̂_0 + √(1 − ᾱ_prev − σ²) ε + σ z, with
    σ = η √((1 − ᾱ_prev)/(1 − ᾱ_t)) √(1 − ᾱ_t/ᾱ_prev). ``t`` and ``t_prev`` both ints or both ``(B,)`` tensors;
    ``z`` is unused (may be None) when η = 0. With ``clip_denoised`` x̂_0 is clipped and ε re-derived from it.
    ``x0``: the network's own x̂_0 (v- or x₀-prediction) instead of eq. 15's from ε; at ᾱ_t = 0 (zero terminal SNR)
    the only one there is, with ε = x_t."""
    pred_x0 = x0_from_eps(schedule, x_t, t, eps) if x0 is None else x0
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


def dpmpp_2m_step(x, sigma, sigma_next, x0, previous=None, *, last: bool = False):
    """One step of DPM-Solver++(2M) from σ to σ′ < σ (Lu et al. 2022, "DPM-Solver++", Algorithm 2; issue 22, lesson A).

    The derivation. With α = √ᾱ = 1/√(1 + σ²), s = √(1 − ᾱ) = σ α and y = x/α, the probability-flow ODE is
    dy/dσ = ε = (y − x̂₀)/σ (x̂₀ = y − σ ε, DDPM eq. 15). In λ = log(α/s) = −log σ it is dy/dλ = x̂₀ − y: a linear
    part, integrated exactly (variation of constants), and x̂₀ under an integral weighted by e^{u}:

        y(λ′) = e^{−(λ′ − λ)} y(λ) + σ′ ∫_λ^{λ′} e^{u} x̂₀(u) du,   σ′ = e^{−λ′}   (the exponential integrator).

    Holding x̂₀ constant gives the first-order step (it *is* DDIM, η = 0), with h = λ′ − λ = log(σ/σ′):

        x′ = (s′/s) x − α′ (e^{−h} − 1) D,   D = x̂₀;

    extrapolating x̂₀ linearly in λ through the previous step's x̂₀ (at λ_prev, h_prev = λ − λ_prev, r = h_prev/h)
    gives the second-order multistep D = (1 + 1/(2r)) x̂₀ − 1/(2r) x̂₀_prev in the same update (Algorithm 2).

    σ must be finite: from σ = ∞ (ᾱ = 0, a zero-terminal-SNR schedule) the step is its limit h → ∞, x′ = s′ x + α′ x̂₀,
    which is DDIM's step from pure noise (x = ε there); :func:`ddpm_lessons.sample` takes that one instead.

    Args:
        x: the state at σ on the DDPM scale; sigma, sigma_next: σ and σ′ (numbers or 0-d tensors); x0: x̂₀ at (x, σ).
        previous: ``(x̂₀_prev, σ_prev)`` of the step before, or None on the first step (first order, as
            Algorithm 2 starts).
        last: the step to σ′ = 0 (λ′ = ∞): first order, which returns D = x̂₀ itself, as the paper's final step and
            k-diffusion do (the second-order weights need a finite h).
    """
    ratio = sigma_next / sigma  # e^{−h} = σ′/σ
    denoised = x0
    if previous is not None and not last:
        x0_prev, sigma_prev = previous
        h = _log(sigma / sigma_next)
        r = _log(sigma_prev / sigma) / h  # r = h_prev/h
        denoised = (1 + 1 / (2 * r)) * x0 - 1 / (2 * r) * x0_prev  # Algorithm 2's D_i
    alpha_next = (1 + sigma_next**2) ** -0.5
    noise_ratio = ratio * (1 + sigma**2) ** 0.5 * alpha_next  # s′/s = (σ′ α′)/(σ α)
    return noise_ratio * x - alpha_next * (ratio - 1) * denoised  # x′ = (s′/s) x − α′ (e^{−h} − 1) D


def _log(value):
    return torch.log(value) if isinstance(value, torch.Tensor) else math.log(value)


class DPMSolverPP2M:
    """DPM-Solver++(2M)'s memory along one chain: call it once per step, ``solver(x, σ, σ′, x̂₀, last=…)``; it
    remembers (x̂₀, σ) for the next step's second-order extrapolation (:func:`dpmpp_2m_step`)."""

    def __init__(self):
        self.previous = None

    def __call__(self, x, sigma, sigma_next, x0, *, last: bool):
        x_next = dpmpp_2m_step(x, sigma, sigma_next, x0, self.previous, last=last)
        self.previous = (x0, sigma)
        return x_next


class Prediction(NamedTuple):
    """A network's output at (x_t, t) as the ε the steps take and, for a v- or x₀-prediction network, its own x̂₀
    (None for ε-prediction: the steps compute x̂₀ from ε by DDPM eq. 15, as they always have). What
    :func:`ddpm_lessons.sampling.sample_trajectory`'s network call hands :func:`run_chain` (issue 22, lesson A)."""

    eps: torch.Tensor
    x0: torch.Tensor | None


def x0_from_prediction(schedule, x_t, t, output, prediction: str):
    """The network's own x̂₀ at (x_t, t): None for ``"eps"`` (eq. 15 needs a division by √ᾱ_t, left to the steps),
    ``output`` for ``"x0"``, and x̂₀ = √ᾱ x_t − √(1 − ᾱ) v for ``"v"`` (Salimans & Ho 2022, §4): no division, so
    defined at ᾱ_t = 0 too (zero terminal SNR, Lin et al. 2024)."""
    if prediction == "eps":
        return None
    if prediction == "x0":
        return output
    a = gather(schedule.sqrt_alphas_cumprod, t, x_t)
    b = gather(schedule.sqrt_one_minus_alphas_cumprod, t, x_t)
    return a * x_t - b * output  # a x_t − b v = a² x₀ + a b ε − a b ε + b² x₀ = x₀


def split_prediction(schedule, x_t, t, output, prediction: str) -> Prediction:
    """The network's ``output`` at (x_t, t) as a :class:`Prediction`: ε (:func:`eps_from_prediction`) and its own x̂₀
    (:func:`x0_from_prediction`, None for ``"eps"``)."""
    return Prediction(
        eps_from_prediction(schedule, x_t, t, output, prediction),
        x0_from_prediction(schedule, x_t, t, output, prediction),
    )


def eps_from_prediction(schedule, x_t, t, output, prediction: str):
    """The network's ``output`` at (x_t, t) as ε, for x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε: ``"eps"`` as it is; ``"v"``
    (Salimans & Ho 2022, §4: v = √ᾱ ε − √(1 − ᾱ) x₀) gives ε = √ᾱ v + √(1 − ᾱ) x_t; ``"x0"`` gives
    ε = (x_t − √ᾱ x̂₀)/√(1 − ᾱ) (DDPM eq. 15 solved for ε)."""
    if prediction == "eps":
        return output
    if prediction == "x0":
        return eps_from_x0(schedule, x_t, t, output)
    a = gather(schedule.sqrt_alphas_cumprod, t, x_t)
    b = gather(schedule.sqrt_one_minus_alphas_cumprod, t, x_t)
    return a * output + b * x_t  # a v + b x_t = a² ε − a b x₀ + a b x₀ + b² ε = ε


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
    ``draw``), x = ``step(x, t, t_prev, ε, z)``. Returns ``(x, {t_prev: x on the CPU})`` for the t_prev in ``keep``.
    What ``eps_fn`` returns goes to ``step`` unchanged (ε, or a :class:`Prediction` for :func:`ddpm_lessons.sample`)."""
    trajectory = {}
    for t, t_prev in pairs:
        eps = eps_fn(x, t)
        x = step(x, t, t_prev, eps, None if draw is None else draw())
        if t_prev in keep:
            trajectory[t_prev] = x.cpu()
    return x, trajectory
