"""Exercise checks for lesson 09 (scores, SDEs, the probability-flow ODE): each prints ✓ or ✗ with the likely mistake."""

from __future__ import annotations

import math

import torch

from ..language import tr
from .feedback import CheckResult, call_answer, close, report, robust_check, tensor_answer, which_mistake

__all__ = ["check_eps_from_score", "check_reverse_drift", "check_ode_euler_step"]


def _tensors(seed: int, n: int = 3):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(5, 2, generator=g, dtype=torch.float64) for _ in range(n)]


def _answer(fn, expected, *args, shape_hint: str):
    got, problem = call_answer(fn, *args)
    if problem:
        return None, problem
    got, shape_problem = tensor_answer(got, expected, tr("the result"))
    if shape_problem:
        return None, tr("{problem}: {shape_hint}", problem=shape_problem, shape_hint=shape_hint)
    return got, None


@robust_check
def check_eps_from_score(fn) -> CheckResult:
    """Lesson 09, exercise 1 (a derivation): ``fn(score, alpha_bar)`` = ε* = −√(1 − ᾱ) ∇log q_t, from Tweedie's
    formula E[x₀|x_t] = (x_t + (1 − ᾱ) ∇log q_t)/√ᾱ and E[ε|x_t] = (x_t − √ᾱ E[x₀|x_t])/√(1 − ᾱ)."""
    (score,) = _tensors(7, 1)
    for alpha_bar in (0.3, 0.95, 0.01):
        expected = -math.sqrt(1 - alpha_bar) * score
        got, problem = _answer(
            fn, expected, score.clone(), alpha_bar, shape_hint=tr("return a tensor shaped like score")
        )
        if problem:
            return report(False, problem)
        if not close(got, expected, rtol=1e-5, atol=1e-7):
            wrong = {
                tr(
                    "the sign: ε* points away from where the data is, against the score — ε* = −√(1 − ᾱ)·score"
                ): -expected,
                tr("multiply by √(1 − ᾱ), not by (1 − ᾱ): Tweedie's (1 − ᾱ) is divided by √(1 − ᾱ) once"): -(
                    1 - alpha_bar
                )
                * score,
                tr("that is the score from ε (÷√(1 − ᾱ)); the way back multiplies: ε* = −√(1 − ᾱ)·score"): -score
                / math.sqrt(1 - alpha_bar),
                tr("√ᾱ belongs to the signal, not to the noise: the factor is √(1 − ᾱ)"): -math.sqrt(alpha_bar) * score,
            }
            hint = which_mistake(
                got,
                wrong,
                tr("at alpha_bar = {alpha_bar} expected −√(1 − ᾱ)·score", alpha_bar=alpha_bar),
                rtol=1e-5,
                atol=1e-7,
            )
            return report(False, hint)
    return report(True, tr("ε*(x_t, t) = −√(1 − ᾱ_t) ∇log q_t(x_t): a noise predictor is a scaled score"))


@robust_check
def check_reverse_drift(fn) -> CheckResult:
    """Lesson 09, exercise 2 (a derivation): ``fn(x, beta, score)`` = f − g² ∇log q = −½ β x − β ∇log q, the drift of
    Anderson's reverse-time SDE for the VP-SDE (f = −½ β x, g = √β)."""
    x, score = _tensors(8, 2)
    for beta in (0.5, 12.0, 0.1):
        expected = -0.5 * beta * x - beta * score
        got, problem = _answer(
            fn, expected, x.clone(), beta, score.clone(), shape_hint=tr("return a tensor shaped like x")
        )
        if problem:
            return report(False, problem)
        if not close(got, expected, rtol=1e-5, atol=1e-7):
            wrong = {
                tr("that is the probability-flow ODE's drift −½β(x + score): the SDE takes the whole g² = β"): -0.5
                * beta
                * (x + score),
                tr("the score term enters with a minus: f − g²·score, so −½βx − β·score"): -0.5 * beta * x
                + beta * score,
                tr("g² = β, not g = √β: the score term is β·score"): -0.5 * beta * x - math.sqrt(beta) * score,
                tr("the forward drift is −½βx (not −βx)"): -beta * x - beta * score,
                tr("f alone is the forward drift; the reverse SDE subtracts g²·score"): -0.5 * beta * x,
            }
            hint = which_mistake(
                got, wrong, tr("at beta = {beta} expected −½βx − β·score", beta=beta), rtol=1e-5, atol=1e-7
            )
            return report(False, hint)
    return report(True, tr("reverse drift f − g²∇log q = −½βx − β∇log q; with half the score term it is the PF-ODE"))


@robust_check
def check_ode_euler_step(fn) -> CheckResult:
    """Lesson 09, exercise 3: ``fn(x, alpha_bar, alpha_bar_next, eps)`` = √ᾱ′ [x/√ᾱ + (σ′ − σ) ε] with
    σ = √((1 − ᾱ)/ᾱ): one Euler step of dy/dσ = ε, equal to DDIM's step with η = 0 (ᾱ′ = 1 is the step to x₀)."""
    x, eps = _tensors(9, 2)
    for alpha_bar, alpha_bar_next in ((0.2, 0.6), (0.001, 0.05), (0.9, 1.0)):
        sigma, sigma_next = math.sqrt((1 - alpha_bar) / alpha_bar), math.sqrt((1 - alpha_bar_next) / alpha_bar_next)
        expected = math.sqrt(alpha_bar_next) * (x / math.sqrt(alpha_bar) + (sigma_next - sigma) * eps)
        got, problem = _answer(
            fn,
            expected,
            x.clone(),
            alpha_bar,
            alpha_bar_next,
            eps.clone(),
            shape_hint=tr("return a tensor shaped like x"),
        )
        if problem:
            return report(False, problem)
        if not close(got, expected, rtol=1e-5, atol=1e-7):
            wrong = {
                tr("the result is still y = x/√ᾱ: multiply by √ᾱ′ to return to the DDPM scale"): x
                / math.sqrt(alpha_bar)
                + (sigma_next - sigma) * eps,
                tr("the step is (σ′ − σ)·ε, not (σ − σ′)·ε: σ shrinks towards the data"): math.sqrt(alpha_bar_next)
                * (x / math.sqrt(alpha_bar) + (sigma - sigma_next) * eps),
                tr("x must be divided by √ᾱ first (y = x/√ᾱ)"): math.sqrt(alpha_bar_next)
                * (x + (sigma_next - sigma) * eps),
                tr("σ is √((1 − ᾱ)/ᾱ), not √(1 − ᾱ)"): math.sqrt(alpha_bar_next)
                * (x / math.sqrt(alpha_bar) + (math.sqrt(1 - alpha_bar_next) - math.sqrt(1 - alpha_bar)) * eps),
            }
            hint = which_mistake(
                got,
                wrong,
                tr(
                    "from ᾱ = {alpha_bar} to ᾱ′ = {alpha_bar_next}: expected √ᾱ′ (x/√ᾱ + (σ′ − σ) ε)",
                    alpha_bar=alpha_bar,
                    alpha_bar_next=alpha_bar_next,
                ),
                rtol=1e-5,
                atol=1e-7,
            )
            return report(False, hint)
    return report(True, tr("x′ = √ᾱ′ [x/√ᾱ + (σ′ − σ) ε]: an Euler step in (y, σ), the DDIM η = 0 update"))
