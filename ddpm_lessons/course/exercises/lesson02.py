"""Exercise checks for lesson 02 (the forward process): each prints ✓ or ✗ with the likely mistake."""

from __future__ import annotations

import math

import torch

from .feedback import CheckResult, call_answer, report

__all__ = ["check_alphas_cumprod", "check_merged_noise_std", "check_q_sample"]


def check_alphas_cumprod(fn) -> CheckResult:
    """Lesson 02, exercise 1: ``fn(betas)`` = ᾱ_t = ∏_{s≤t} (1 − β_s) for a 1-D tensor of betas."""
    from ...schedule import DiffusionSchedule

    for schedule in (
        DiffusionSchedule.linear(1000, dtype=torch.float64),
        DiffusionSchedule([0.1, 0.5, 0.2], dtype=torch.float64),
    ):
        got, problem = call_answer(fn, schedule.betas.clone())
        if problem:
            return report(False, problem)
        if not isinstance(got, torch.Tensor) or got.shape != schedule.betas.shape:
            return report(False, f"return a tensor of shape {tuple(schedule.betas.shape)} (one ᾱ per step)")
        if not torch.allclose(got, schedule.alphas_cumprod, rtol=1e-9):
            if torch.allclose(got, torch.cumprod(schedule.betas, 0), rtol=1e-9):
                hint = "that is the product of the betas; ᾱ multiplies the alphas α = 1 − β"
            elif torch.allclose(got, 1 - schedule.betas, rtol=1e-9):
                hint = "that is α_t; ᾱ_t is the running product of all α up to t (torch.cumprod)"
            elif torch.allclose(got, schedule.alphas_cumprod_prev, rtol=1e-9):
                hint = "off by one: ᾱ at index 0 is α_0 itself, not 1"
            else:
                hint = f"expected {schedule.alphas_cumprod[:3].tolist()} … at the start"
            return report(False, hint)
    return report(True, "ᾱ_t = cumprod(1 − β)")


def check_merged_noise_std(fn) -> CheckResult:
    """Lesson 02, exercise 2: ``fn(alpha_t, alpha_prev)`` = standard deviation of X + Y in the seed's derivation,
    X ~ N(0, α_t(1 − α_{t−1})), Y ~ N(0, 1 − α_t)."""
    for a, b in ((0.99, 0.995), (0.5, 0.9), (0.9, 0.2)):
        got, problem = call_answer(fn, a, b, number=True)
        if problem:
            return report(False, problem)
        expected = math.sqrt(1 - a * b)
        if abs(float(got) - expected) > 1e-9:
            hint = ""
            if abs(float(got) - (1 - a * b)) < 1e-9:
                hint = " — that is the variance; the standard deviation is its square root"
            elif abs(float(got) - (math.sqrt(a * (1 - b)) + math.sqrt(1 - a))) < 1e-9:
                hint = " — standard deviations do not add; variances of independent Gaussians do"
            return report(False, f"alpha_t={a}, alpha_prev={b}: expected {expected:.6g}, got {float(got):.6g}{hint}")
    return report(True, "Var[X + Y] = α_t(1 − α_{t−1}) + 1 − α_t = 1 − α_t α_{t−1}")


def check_q_sample(fn) -> CheckResult:
    """Lesson 02, exercise 3: ``fn(x0, alpha_bar_t, noise)`` = the closed form √ᾱ_t x_0 + √(1 − ᾱ_t) ε."""
    g = torch.Generator().manual_seed(1)
    x0 = torch.rand(8, 1, 6, 6, generator=g) * 2 - 1
    noise = torch.randn(x0.shape, generator=g)
    for alpha_bar in (0.9999, 0.5, 0.05):
        got, problem = call_answer(fn, x0.clone(), alpha_bar, noise)
        if problem:
            return report(False, problem)
        if not isinstance(got, torch.Tensor) or got.shape != x0.shape:
            return report(False, f"return a tensor shaped like x0 {tuple(x0.shape)}")
        expected = math.sqrt(alpha_bar) * x0 + math.sqrt(1 - alpha_bar) * noise
        if not torch.allclose(got, expected, atol=1e-6):
            wrong = {
                "the noise is scaled by (1 − ᾱ) instead of √(1 − ᾱ) — a bug shipped in a popular course; "
                "then Var[x_t] ≠ 1": math.sqrt(alpha_bar) * x0 + (1 - alpha_bar) * noise,
                "x_0 is scaled by ᾱ instead of √ᾱ": alpha_bar * x0 + math.sqrt(1 - alpha_bar) * noise,
                "the signal and noise scales are swapped": math.sqrt(1 - alpha_bar) * x0 + math.sqrt(alpha_bar) * noise,
            }
            hint = next(
                (h for h, v in wrong.items() if torch.allclose(got, v, atol=1e-6)), "compare with √ᾱ·x0 + √(1 − ᾱ)·ε"
            )
            return report(False, f"alpha_bar={alpha_bar}: {hint}")
    return report(True, "x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε")
