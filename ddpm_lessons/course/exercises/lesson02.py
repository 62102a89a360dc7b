"""Exercise checks for lesson 02 (the forward process): each prints ✓ or ✗ with the likely mistake."""

from __future__ import annotations

import math

import torch

from ..language import tr
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
        got, problem = tensor_answer(got, schedule.alphas_cumprod, tr("the result"))
        if problem:
            return report(False, tr("{problem} (one ᾱ per step)", problem=problem))
        if not close(got, schedule.alphas_cumprod, rtol=CUMPROD_RTOL, atol=0):
            hint = which_mistake(
                got,
                {
                    tr("that is the product of the betas; ᾱ multiplies the alphas α = 1 − β"): torch.cumprod(
                        schedule.betas, 0
                    ),
                    tr("that is α_t; ᾱ_t is the running product of all α up to t (torch.cumprod)"): 1 - schedule.betas,
                    tr("off by one: ᾱ at index 0 is α_0 itself, not 1"): schedule.alphas_cumprod_prev,
                },
                tr(
                    "expected {start} … at the start",
                    start=[round(v, 6) for v in schedule.alphas_cumprod[:3].tolist()],
                ),
                rtol=CUMPROD_RTOL,
                atol=0,
            )
            return report(False, hint)
    return report(True, tr("ᾱ_t = cumprod(1 − β)"))


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
                    tr(" — that is the variance; the standard deviation is its square root"): 1 - a * b,
                    tr(" — standard deviations do not add; variances of independent Gaussians do"): math.sqrt(
                        a * (1 - b)
                    )
                    + math.sqrt(1 - a),
                },
                rtol=1e-5,
            )
            return report(
                False,
                tr(
                    "alpha_t={a}, alpha_prev={b}: expected {expected:.6g}, got {got:.6g}{hint}",
                    a=a,
                    b=b,
                    expected=expected,
                    got=got,
                    hint=hint,
                ),
            )
    return report(True, "Var[X + Y] = α_t(1 − α_{t−1}) + 1 − α_t = 1 − α_t α_{t−1}")  # a formula: no words to translate


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
        got, problem = tensor_answer(got, expected, tr("the result"))
        if problem:
            return report(False, tr("{problem} (shaped like x0)", problem=problem))
        if not close(got, expected, rtol=1e-5, atol=5e-5):
            hint = which_mistake(
                got,
                {
                    tr(
                        "the noise is scaled by (1 − ᾱ) instead of √(1 − ᾱ) — a bug shipped in a popular course; "
                        "then Var[x_t] ≠ 1"
                    ): math.sqrt(alpha_bar) * x0 + (1 - alpha_bar) * noise,
                    tr("x_0 is scaled by ᾱ instead of √ᾱ"): alpha_bar * x0 + math.sqrt(1 - alpha_bar) * noise,
                    tr("the signal and noise scales are swapped"): math.sqrt(1 - alpha_bar) * x0
                    + math.sqrt(alpha_bar) * noise,
                },
                tr("compare with √ᾱ·x0 + √(1 − ᾱ)·ε"),
                rtol=1e-5,
                atol=5e-5,
            )
            return report(False, tr("alpha_bar={alpha_bar}: {hint}", alpha_bar=alpha_bar, hint=hint))
    return report(True, tr("x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε"))


def _jump_scale_problem(scale, a_t, a_s, where):
    """What is wrong with the jump's scale (with the likely slip), or None when it is √(ᾱ_t/ᾱ_s)."""
    expected = math.sqrt(a_t / a_s)
    if close(scale, expected, rtol=1e-5):
        return None
    hint = which_mistake(
        scale,
        {
            tr(" — the signal scale is a square root: √(ᾱ_t/ᾱ_s)"): a_t / a_s,
            tr(" — that is the scale from x₀, √ᾱ_t; from x_s the steps 1 … s are already done"): math.sqrt(a_t),
            tr(" — the ratio is ᾱ_t/ᾱ_s (the steps s+1 … t), not its inverse"): math.sqrt(a_s / a_t),
        },
        rtol=1e-5,
    )
    return tr(
        "{where}: scale expected {expected:.6g}, got {got:.6g}{hint}",
        where=where,
        expected=expected,
        got=scale,
        hint=hint,
    )


def _jump_variance_problem(variance, a_t, a_s, where):
    """What is wrong with the jump's variance (with the likely slip), or None when it is 1 − ᾱ_t/ᾱ_s."""
    expected = 1 - a_t / a_s
    if close(variance, expected, rtol=1e-5):
        return None
    hint = which_mistake(
        variance,
        {
            tr(
                " — variances do not subtract: the jump multiplies the α of steps s+1 … t, so its variance "
                "is 1 − ᾱ_t/ᾱ_s"
            ): a_s - a_t,
            tr(" — that is the variance from x₀, 1 − ᾱ_t"): 1 - a_t,
            tr(" — that is the standard deviation; the variance is 1 − ᾱ_t/ᾱ_s"): math.sqrt(1 - a_t / a_s),
        },
        rtol=1e-5,
    )
    return tr(
        "{where}: variance expected {expected:.6g}, got {got:.6g}{hint}",
        where=where,
        expected=expected,
        got=variance,
        hint=hint,
    )


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
            return report(False, tr("return a pair (scale, variance); got {kind}", kind=type(got).__name__))
        (scale, problem_scale), (variance, problem_var) = number_answer(scale, "scale"), number_answer(variance)
        if problem_scale or problem_var:
            return report(False, problem_scale or tr("the variance: {problem}", problem=problem_var))
        where = f"alpha_bar_t={a_t}, alpha_bar_s={a_s}"
        wrong = _jump_scale_problem(scale, a_t, a_s, where) or _jump_variance_problem(variance, a_t, a_s, where)
        if wrong:
            return report(False, wrong)
    return report(True, tr("q(x_t | x_s) = N(√(ᾱ_t/ᾱ_s)·x_s, 1 − ᾱ_t/ᾱ_s): the closed form restarted at s"))
