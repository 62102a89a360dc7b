"""Exercise checks for lesson 06 (training): each prints ✓ or ✗ with the likely mistake."""

from __future__ import annotations

import math

import torch

from ..language import tr
from .feedback import CheckResult, call_answer, close, report, robust_check, which_mistake

__all__ = ["check_best_x0_mse", "check_ema_window", "check_fixed_loss", "check_gaussian_loss_floor"]


@robust_check
def check_ema_window(fn) -> CheckResult:
    """Lesson 06, exercise 1 (derive): ``fn(decay)`` = N, the number of steps a plain mean needs to damp independent
    jitter of the weights as much as the EMA does: Var = Σ_k (1 − d)² d^{2k} σ² = (1 − d)/(1 + d) σ² = σ²/N."""
    for decay in (0.99, 0.5, 0.9, 0.999):
        got, problem = call_answer(fn, decay, number=True)
        if problem:
            return report(False, problem)
        expected = (1 + decay) / (1 - decay)
        # 1e-3: a float32 answer loses ~1e-4 of 1 − d at d = 0.999; every named mistake is off by far more
        if not close(got, expected, rtol=1e-3, atol=0):
            hint = which_mistake(
                got,
                {
                    tr(
                        " — that is 1/(1 − d), the steps after which a weight falls to 1/e (section 2c); a variance "
                        "weighs each step by its weight squared, (1 − d)² d^{2k}"
                    ): 1 / (1 - decay),
                    tr(" — that is d/(1 − d), the EMA's lag; the exercise asks for the variance's window"): decay
                    / (1 - decay),
                    tr(" — upside down: (1 − d)/(1 + d) is Var(EMA)/σ²; a mean of N steps has variance σ²/N"): (
                        1 - decay
                    )
                    / (1 + decay),
                    tr(" — that is Σ d^{2k} = 1/(1 − d²) alone; each weight (1 − d) d^k also carries (1 − d)"): 1
                    / (1 - decay**2),
                    tr(" — 2/(1 − d) is the limit for d near 1; the exact sum gives (1 + d)/(1 − d)"): 2 / (1 - decay),
                },
                rtol=1e-3,
                atol=0,
            )
            return report(
                False,
                tr(
                    "decay={decay}: expected {expected:.6g}, got {got:.6g}{hint}",
                    decay=decay,
                    expected=expected,
                    got=got,
                    hint=hint,
                ),
            )
    return report(True, tr("N = (1 + d)/(1 − d) ≈ 2/(1 − d): twice the lag's 1/(1 − d) window"))


def _oracle(schedule, point):
    """A perfect ε-model for data that is the single point ``point``: it solves x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε for ε."""
    alpha_bar = schedule.alphas_cumprod.double()

    def perfect(x_t, t):
        a = alpha_bar[t].reshape(-1, *([1] * (x_t.dim() - 1)))
        return ((x_t.double() - a.sqrt() * point) / (1 - a).sqrt()).to(x_t.dtype)

    return perfect


def _zero(x_t, t):
    return torch.zeros_like(x_t)


def _loss_with(fn, model, schedule, x0, t):
    """The learner's loss for ``model`` as a float, or (None, message); torch's global RNG is seeded and restored."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return call_answer(fn, model, schedule, x0.clone(), t.clone(), number=True)


@robust_check
def check_fixed_loss(fn) -> CheckResult:
    """Lesson 06, exercise 2 (find the bug): ``fn(model, schedule, x0, t)`` = L_simple of one batch, with the target
    the very noise that made x_t. Run on data that is one point, with a perfect model (loss ≈ 0; the bug that draws
    the target afresh gives ≈ 2) and with a model that always answers 0 (loss ≈ E[ε²] = 1, the mean, not a sum)."""
    from ...schedule import DiffusionSchedule

    schedule = DiffusionSchedule.linear(1000)
    point = torch.tensor([0.3, -0.7], dtype=torch.float64)
    x0 = point.float().expand(4096, 2).clone()
    t = torch.randint(0, 1000, (4096,), generator=torch.Generator().manual_seed(1))
    perfect, problem = _loss_with(fn, _oracle(schedule, point), schedule, x0, t)
    if problem:
        return report(False, problem)
    if not perfect < 1e-3:
        hint = which_mistake(
            perfect,
            {
                tr(
                    " — the target is a fresh draw, independent of the noise inside x_t: even a perfect model "
                    "then scores E‖ε' − ε‖² = 2 per element. Keep the noise that made x_t and compare with it"
                ): 2.0
            },
            rtol=0.1,
        )
        return report(
            False,
            tr(
                "a perfect model (it knows the data is one point) must score ≈ 0, yours gives {got:.4g}{hint}",
                got=perfect,
                hint=hint,
            ),
        )
    zero, problem = _loss_with(fn, _zero, schedule, x0, t)
    if problem:
        return report(False, problem)
    if not abs(zero - 1.0) < 0.1:
        hint = which_mistake(
            zero,
            {
                tr(" — that is a sum over the 2 coordinates; L_simple is the mean over every element"): 2.0,
                tr(" — that is the sum over the batch; L_simple is the mean"): 4096.0,
                tr(" — that is the sum over every element; L_simple is the mean"): 8192.0,
            },
            rtol=0.1,
        )
        return report(
            False,
            tr(
                "a model that always answers 0 must score E[ε²] = 1, yours gives {got:.4g}{hint}",
                got=zero,
                hint=hint,
            ),
        )
    return report(True, tr("the target is the noise inside x_t: a perfect model scores 0, the zero model 1"))


@robust_check
def check_gaussian_loss_floor(fn) -> CheckResult:
    """Lesson 06, exercise 3 (derive): ``fn(alpha_bar, s2)`` = E(ε − ε*)² for x₀ ~ N(0, s2) in one dimension:
    ε* = c x_t with c = Cov(ε, x_t)/Var(x_t) = √(1 − ᾱ)/(ᾱ s2 + 1 − ᾱ), floor = 1 − Cov²/Var = ᾱ s2/(ᾱ s2 + 1 − ᾱ)."""
    for alpha_bar, s2 in ((0.5, 1.0), (0.9999, 0.57), (0.5, 0.25), (0.01, 4.0), (0.9, 0.05)):
        got, problem = call_answer(fn, alpha_bar, s2, number=True)
        if problem:
            return report(False, problem)
        var = alpha_bar * s2 + 1 - alpha_bar
        expected = alpha_bar * s2 / var
        if not close(got, expected, rtol=1e-4, atol=1e-9):
            hint = which_mistake(
                got,
                {
                    tr(
                        " — that is (1 − ᾱ)/(ᾱ s² + 1 − ᾱ), the part of ε's variance that x_t explains; the floor "
                        "is what is left, 1 minus it"
                    ): (1 - alpha_bar) / var,
                    tr(" — that is 1 − c: the explained variance is c·Cov(ε, x_t) = Cov²/Var, not c itself"): 1
                    - math.sqrt(1 - alpha_bar) / var,
                    tr(" — x₀ enters x_t as √ᾱ x₀, so its variance there is ᾱ s², not √ᾱ s²"): math.sqrt(alpha_bar)
                    * s2
                    / (math.sqrt(alpha_bar) * s2 + 1 - alpha_bar),
                    tr(" — that is the floor for s² = 1; the data's variance s² scales the signal's part ᾱ s²"): (
                        alpha_bar
                    ),
                    tr(" — that is the standard deviation; the floor is a mean square"): math.sqrt(expected),
                },
                rtol=1e-4,
                atol=1e-9,
            )
            return report(
                False,
                tr(
                    "alpha_bar={alpha_bar}, s2={s2}: expected {expected:.6g}, got {got:.6g}{hint}",
                    alpha_bar=alpha_bar,
                    s2=s2,
                    expected=expected,
                    got=got,
                    hint=hint,
                ),
            )
    return report(True, tr("floor = ᾱ s²/(ᾱ s² + 1 − ᾱ): → 1 at small t, → 0 at large t"))


@robust_check
def check_best_x0_mse(fn) -> CheckResult:
    """Lesson 06, exercise 4 (predict, then derive): ``fn(alpha_bar, s2)`` = the x̂₀-MSE of the exact ε-model for
    x₀ ~ N(0, s2) in one dimension. Its x̂₀ is E[x₀ | x_t]; x_t/√ᾱ is a second, noisy view of x₀ (noise variance
    (1 − ᾱ)/ᾱ), precisions add: Var(x₀ | x_t) = 1/(1/s2 + ᾱ/(1 − ᾱ)) = (1 − ᾱ) s2/(ᾱ s2 + 1 − ᾱ) — equal to
    (1 − ᾱ)/ᾱ times exercise 3's floor, and never above s2."""
    for alpha_bar, s2 in ((0.3, 0.57), (0.9, 2.0), (0.01, 0.25), (0.9999, 0.57), (4e-5, 1.3)):
        got, problem = call_answer(fn, alpha_bar, s2, number=True)
        if problem:
            return report(False, problem)
        factor = (1 - alpha_bar) / alpha_bar
        floor = alpha_bar * s2 / (alpha_bar * s2 + 1 - alpha_bar)
        expected = factor * floor
        forgot_root = (1 - alpha_bar) * s2 / (s2 + 1 - alpha_bar)  # x_t read as the view of x₀, not x_t/√ᾱ
        # 1e-3: a float32 answer loses ~6e-4 of 1 − ᾱ at ᾱ = 0.9999; every named mistake is off by far more
        if not close(got, expected, rtol=1e-3, atol=1e-12):
            hint = which_mistake(
                got,
                {
                    tr(
                        " — that is s², the error of always answering the mean; x_t is a second view of x₀, so the "
                        "best answer given x_t does better (it reaches s² only as ᾱ → 0)"
                    ): s2,
                    tr(" — that is exercise 3's ε-floor; an x̂₀-error is (1 − ᾱ)/ᾱ times an ε-error"): floor,
                    tr(
                        " — that is (1 − ᾱ)/ᾱ, the x̂₀-error of the model that answers ε = 0 (x̂₀ = x_t/√ᾱ, ε-MSE 1); "
                        "the exact model's ε-MSE is the floor, not 1"
                    ): factor,
                    tr(" — ε-error to x̂₀-error is (1 − ᾱ)/ᾱ, not ᾱ/(1 − ᾱ): x̂₀ divides the noise by √ᾱ"): (
                        floor / factor
                    ),
                    tr(
                        " — x_t/√ᾱ, not x_t, is the noisy view of x₀: its noise variance is (1 − ᾱ)/ᾱ, not 1 − ᾱ"
                    ): forgot_root,
                    tr(
                        " — variances add for a sum of independent terms; two views of the same x₀ combine by "
                        "adding precisions (1/variance)"
                    ): s2 + factor,
                },
                rtol=1e-3,
                atol=1e-12,
            )
            return report(
                False,
                tr(
                    "alpha_bar={alpha_bar}, s2={s2}: expected {expected:.6g}, got {got:.6g}{hint}",
                    alpha_bar=alpha_bar,
                    s2=s2,
                    expected=expected,
                    got=got,
                    hint=hint,
                ),
            )
    return report(
        True,
        tr("best x̂₀-MSE = (1 − ᾱ) s²/(ᾱ s² + 1 − ᾱ) ≤ s²: → 0 at small t, → s² (not ∞) at large t"),
    )
