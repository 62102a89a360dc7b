"""Exercise checks for lesson 02 (the forward process): each prints ✓ or ✗ with the likely mistake."""

from __future__ import annotations

import math

import torch

from .feedback import CheckResult, call_answer, close, number_answer, report, robust_check, tensor_answer, which_mistake

__all__ = ["check_alphas_cumprod", "check_merged_noise_std", "check_q_sample", "check_forward_jump"]

# A float32 cumulative product of the 1000 linear-schedule factors is off by ~4e-7 relative (lesson 02 prints it),
# a float32 loop similarly; the tolerance leaves room for other float32 forms, and every named mistake differs by
# at least 1e-2 somewhere (off by one: a factor 1 − β_T = 0.98 at the last step).
CUMPROD_RTOL = 5e-4


@robust_check
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
        got, problem = tensor_answer(got, schedule.alphas_cumprod, "the result")
        if problem:
            return report(False, f"{problem} (one ᾱ per step)")
        if not close(got, schedule.alphas_cumprod, rtol=CUMPROD_RTOL, atol=0):
            hint = which_mistake(
                got,
                {
                    "that is the product of the betas; ᾱ multiplies the alphas α = 1 − β": torch.cumprod(
                        schedule.betas, 0
                    ),
                    "that is α_t; ᾱ_t is the running product of all α up to t (torch.cumprod)": 1 - schedule.betas,
                    "off by one: ᾱ at index 0 is α_0 itself, not 1": schedule.alphas_cumprod_prev,
                },
                f"expected {[round(v, 6) for v in schedule.alphas_cumprod[:3].tolist()]} … at the start",
                rtol=CUMPROD_RTOL,
                atol=0,
            )
            return report(False, hint)
    return report(True, "ᾱ_t = cumprod(1 − β)")


@robust_check
def check_merged_noise_std(fn) -> CheckResult:
    """Lesson 02, exercise 2: ``fn(alpha_t, alpha_prev)`` = standard deviation of X + Y in the seed's derivation,
    X ~ N(0, α_t(1 − α_{t−1})), Y ~ N(0, 1 − α_t)."""
    for a, b in ((0.99, 0.995), (0.5, 0.9), (0.9, 0.2)):
        got, problem = call_answer(fn, a, b, number=True)
        if problem:
            return report(False, problem)
        expected = math.sqrt(1 - a * b)
        if not close(got, expected, rtol=1e-5):
            hint = which_mistake(
                got,
                {
                    " — that is the variance; the standard deviation is its square root": 1 - a * b,
                    " — standard deviations do not add; variances of independent Gaussians do": math.sqrt(a * (1 - b))
                    + math.sqrt(1 - a),
                },
                rtol=1e-5,
            )
            return report(False, f"alpha_t={a}, alpha_prev={b}: expected {expected:.6g}, got {got:.6g}{hint}")
    return report(True, "Var[X + Y] = α_t(1 − α_{t−1}) + 1 − α_t = 1 − α_t α_{t−1}")


@robust_check
def check_q_sample(fn) -> CheckResult:
    """Lesson 02, exercise 3: ``fn(x0, alpha_bar_t, noise)`` = the closed form √ᾱ_t x_0 + √(1 − ᾱ_t) ε."""
    g = torch.Generator().manual_seed(1)
    x0 = torch.rand(8, 1, 6, 6, generator=g) * 2 - 1
    noise = torch.randn(x0.shape, generator=g)
    for alpha_bar in (0.9999, 0.5, 0.05):
        got, problem = call_answer(fn, x0.clone(), alpha_bar, noise.clone())
        if problem:
            return report(False, problem)
        expected = math.sqrt(alpha_bar) * x0 + math.sqrt(1 - alpha_bar) * noise
        got, problem = tensor_answer(got, expected, "the result")
        if problem:
            return report(False, f"{problem} (shaped like x0)")
        if not close(got, expected, rtol=1e-5, atol=5e-5):
            hint = which_mistake(
                got,
                {
                    "the noise is scaled by (1 − ᾱ) instead of √(1 − ᾱ) — a bug shipped in a popular course; "
                    "then Var[x_t] ≠ 1": math.sqrt(alpha_bar) * x0 + (1 - alpha_bar) * noise,
                    "x_0 is scaled by ᾱ instead of √ᾱ": alpha_bar * x0 + math.sqrt(1 - alpha_bar) * noise,
                    "the signal and noise scales are swapped": math.sqrt(1 - alpha_bar) * x0
                    + math.sqrt(alpha_bar) * noise,
                },
                "compare with √ᾱ·x0 + √(1 − ᾱ)·ε",
                rtol=1e-5,
                atol=5e-5,
            )
            return report(False, f"alpha_bar={alpha_bar}: {hint}")
    return report(True, "x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε")


@robust_check
def check_forward_jump(fn) -> CheckResult:
    """Lesson 02, exercise 4 (derive): ``fn(alpha_bar_t, alpha_bar_s)`` = (scale, variance) of the forward jump
    q(x_t | x_s) = N(scale·x_s, variance) from step s to a later step t, given ᾱ_t and ᾱ_s."""
    for a_t, a_s in ((0.5, 0.9), (0.01, 0.6), (0.897, 0.9999)):
        got, problem = call_answer(fn, a_t, a_s)
        if problem:
            return report(False, problem)
        try:
            scale, variance = got
        except (TypeError, ValueError):
            return report(False, f"return a pair (scale, variance); got {type(got).__name__}")
        (scale, problem_scale), (variance, problem_var) = number_answer(scale, "scale"), number_answer(variance)
        if problem_scale or problem_var:
            return report(False, problem_scale or f"the variance: {problem_var}")
        expected_scale, expected_var = math.sqrt(a_t / a_s), 1 - a_t / a_s
        where = f"alpha_bar_t={a_t}, alpha_bar_s={a_s}"
        if not close(scale, expected_scale, rtol=1e-5):
            hint = which_mistake(
                scale,
                {
                    " — the signal scale is a square root: √(ᾱ_t/ᾱ_s)": a_t / a_s,
                    " — that is the scale from x₀, √ᾱ_t; from x_s the steps 1 … s are already done": math.sqrt(a_t),
                    " — the ratio is ᾱ_t/ᾱ_s (the steps s+1 … t), not its inverse": math.sqrt(a_s / a_t),
                },
                rtol=1e-5,
            )
            return report(False, f"{where}: scale expected {expected_scale:.6g}, got {scale:.6g}{hint}")
        if not close(variance, expected_var, rtol=1e-5):
            hint = which_mistake(
                variance,
                {
                    " — variances do not subtract: the jump multiplies the α of steps s+1 … t, so its variance is "
                    "1 − ᾱ_t/ᾱ_s": a_s - a_t,
                    " — that is the variance from x₀, 1 − ᾱ_t": 1 - a_t,
                    " — that is the standard deviation; the variance is 1 − ᾱ_t/ᾱ_s": math.sqrt(1 - a_t / a_s),
                },
                rtol=1e-5,
            )
            return report(False, f"{where}: variance expected {expected_var:.6g}, got {variance:.6g}{hint}")
    return report(True, "q(x_t | x_s) = N(√(ᾱ_t/ᾱ_s)·x_s, 1 − ᾱ_t/ᾱ_s): the closed form restarted at s")
