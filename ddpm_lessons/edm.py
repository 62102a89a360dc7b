"""EDM's preconditioning (Karras et al. 2022, "Elucidating the Design Space of Diffusion-Based Generative Models",
Table 1 and eq. 7; issue 22, lesson A): the network F_θ wrapped so that its input and its training target have unit
variance at every noise level.

EDM writes a noisy example as y = x₀ + σ n (n ~ N(0, I), data of standard deviation σ_data): the course's
y = x_t/√ᾱ with σ = √((1 − ᾱ)/ᾱ) (:mod:`ddpm_lessons.ode`). The denoiser is

    D_θ(y; σ) = c_skip(σ) y + c_out(σ) F_θ(c_in(σ) y; c_noise(σ))     (eq. 7)

and :func:`preconditioning` gives the four scalings. With σ_data = 1 they are c_in = √ᾱ (the network sees x_t),
c_skip = ᾱ and c_out = √(1 − ᾱ): D = √ᾱ x_t − √(1 − ᾱ)(−F), so F = −v, the v-prediction of Salimans & Ho 2022.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch

from .validation import InputError, check_real

__all__ = ["EDMScalings", "preconditioning", "SIGMA_DATA"]

SIGMA_DATA = 0.5  # Karras et al.'s σ_data for images in [−1, 1]


class EDMScalings(NamedTuple):
    """The four scalings of eq. 7 at one σ: D = c_skip y + c_out F(c_in y; c_noise)."""

    c_skip: torch.Tensor | float
    c_out: torch.Tensor | float
    c_in: torch.Tensor | float
    c_noise: torch.Tensor | float


def preconditioning(sigma, sigma_data: float = SIGMA_DATA) -> EDMScalings:
    """c_skip, c_out, c_in, c_noise at noise level ``sigma`` (a number ≥ 0 or a tensor of them) for data of standard
    deviation ``sigma_data`` > 0 (Karras et al. 2022, Table 1, "Network and preconditioning").

    The derivation (mean-zero data of variance σ_d² = σ_data², noise independent of the data, S = σ² + σ_d²):

    - Input. Var[y] = Var[x₀] + σ² Var[n] = σ_d² + σ² (independence), so unit variance of c_in y asks
      c_in² (σ² + σ_d²) = 1:  c_in = 1/√(σ² + σ_d²).
    - Target. Training D to x₀ with loss weight λ(σ) is training F to the effective target
      F_target = (x₀ − c_skip y)/c_out = ((1 − c_skip) x₀ − c_skip σ n)/c_out, whose variance is
      ((1 − c_skip)² σ_d² + c_skip² σ²)/c_out² (independence again). Unit variance asks
      c_out² = (1 − c_skip)² σ_d² + c_skip² σ².
    - Skip. Choose c_skip to make c_out as small as possible, so F's errors are amplified least: the derivative in
      c_skip, −2 (1 − c_skip) σ_d² + 2 c_skip σ², vanishes at c_skip = σ_d²/S. Then 1 − c_skip = σ²/S and
      c_out² = (σ⁴ σ_d² + σ_d⁴ σ²)/S² = σ² σ_d²/S:  c_out = σ σ_d/√S.
    - Noise. c_noise = ¼ ln σ, an empirical choice that maps σ ∈ [0.002, 80] onto about [−1.6, 1.1].
    - The loss weight λ(σ) = 1/c_out² makes the effective weight on F's error 1 at every σ.

    Limits: c_skip → 1 and c_out → 0 as σ → 0 (D returns its input: clean data needs no denoising); c_skip → 0,
    c_out → σ_d as σ → ∞ (D predicts the data from the network alone). c_noise is −∞ at σ = 0.
    """
    sigma_data = check_real(sigma_data, "sigma_data", minimum=0.0)
    if sigma_data <= 0:
        raise InputError(f"sigma_data must be > 0, got {sigma_data:g}", parameter="sigma_data")
    sigma = _sigma(sigma)
    total = sigma**2 + sigma_data**2  # S = Var[y]
    c_skip = sigma_data**2 / total
    c_out = sigma * sigma_data / total**0.5
    c_in = 1 / total**0.5
    if isinstance(sigma, torch.Tensor):
        c_noise = torch.log(sigma) / 4
    else:
        c_noise = math.log(sigma) / 4 if sigma > 0 else -math.inf
    return EDMScalings(c_skip, c_out, c_in, c_noise)


def _sigma(sigma):
    if isinstance(sigma, torch.Tensor):
        if not sigma.is_floating_point() or not bool(torch.isfinite(sigma).all()) or bool((sigma < 0).any()):
            raise InputError("sigma must be a floating-point tensor of finite values >= 0", parameter="sigma")
        return sigma
    return check_real(sigma, "sigma", minimum=0.0)
