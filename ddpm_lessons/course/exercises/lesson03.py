"""Exercise checks for lesson 03 (the reverse process and the ELBO): each prints ✓ or ✗ with the likely mistake."""

from __future__ import annotations

import math

from ..language import tr
from .feedback import CheckResult, call_answer, close, number_answer, report, robust_check, which_mistake

__all__ = [
    "check_posterior_coefficients",
    "check_gaussian_kl",
    "check_eps_weight",
    "check_jump_posterior_variance",
]


def _pair(got, names: str):
    """((a, b), None) for two numbers, or (None, message)."""
    try:
        first, second = got
    except (TypeError, ValueError):
        return None, tr("return a pair ({names}); got {kind}", names=names, kind=type(got).__name__)
    (first, problem_1), (second, problem_2) = (
        number_answer(first, tr("the first")),
        number_answer(second, tr("the second")),
    )
    if problem_1 or problem_2:
        return None, tr("{problem} — return a pair ({names})", problem=problem_1 or problem_2, names=names)
    return (first, second), None


# A float32 answer loses up to ~2e-4 relative in 1 − ᾱ when ᾱ is near 1; the named mistakes differ by far more.


@robust_check
def check_posterior_coefficients(fn) -> CheckResult:
    """Lesson 03, exercise 1: ``fn(beta_t, alpha_bar_t, alpha_bar_prev)`` = (c0, ct) with
    μ̃_t = c0·x_0 + ct·x_t (DDPM eq. 7)."""
    for beta, alpha_bar_prev in ((0.02, 0.5), (1e-4, 1.0), (0.3, 0.9)):
        alpha_bar = alpha_bar_prev * (1 - beta)
        got, problem = call_answer(fn, beta, alpha_bar, alpha_bar_prev)
        if problem:
            return report(False, problem)
        c0 = math.sqrt(alpha_bar_prev) * beta / (1 - alpha_bar)
        ct = math.sqrt(1 - beta) * (1 - alpha_bar_prev) / (1 - alpha_bar)
        pair, problem = _pair(got, tr("coefficient of x_0, coefficient of x_t"))
        if problem:
            return report(False, problem)
        g0, gt = pair
        if not (close(g0, c0, rtol=1e-3, atol=1e-9) and close(gt, ct, rtol=1e-3, atol=1e-9)):
            swapped = close(g0, ct, rtol=1e-3, atol=1e-9) and close(gt, c0, rtol=1e-3, atol=1e-9)
            hint = tr(" — swapped? the first is the coefficient of x_0") if swapped else ""
            return report(
                False,
                tr(
                    "beta={beta}, alpha_bar_prev={alpha_bar_prev}: expected ({c0:.6g}, {ct:.6g}), "
                    "got ({g0:.6g}, {gt:.6g}){hint}",
                    beta=beta,
                    alpha_bar_prev=alpha_bar_prev,
                    c0=c0,
                    ct=ct,
                    g0=g0,
                    gt=gt,
                    hint=hint,
                ),
            )
    return report(
        True,
        tr(
            "{mean}; at t = 1 it is x_0 itself",
            mean="μ̃_t = √ᾱ_{t−1}β_t/(1−ᾱ_t)·x_0 + √α_t(1−ᾱ_{t−1})/(1−ᾱ_t)·x_t",
        ),
    )


@robust_check
def check_gaussian_kl(fn) -> CheckResult:
    """Lesson 03, exercise 2: ``fn(m1, v1, m2, v2)`` = KL(N(m1, v1) ‖ N(m2, v2)) in nats, for variances v."""
    cases = [(0.0, 1.0, 0.0, 1.0), (0.3, 0.5, -0.2, 2.0), (1.0, 0.01, 0.0, 0.01)]
    for m1, v1, m2, v2 in cases:
        got, problem = call_answer(fn, m1, v1, m2, v2, number=True)
        if problem:
            return report(False, problem)
        expected = 0.5 * (math.log(v2 / v1) + (v1 + (m1 - m2) ** 2) / v2 - 1)
        if not close(got, expected, rtol=1e-5, atol=1e-9):
            reversed_kl = 0.5 * (math.log(v1 / v2) + (v2 + (m1 - m2) ** 2) / v1 - 1)
            hint = which_mistake(
                got,
                {
                    tr(" — that is KL(N2 ‖ N1); KL is not symmetric"): reversed_kl,
                    tr(" — v1 and v2 are variances; do not square them again"): 0.5
                    * (math.log(v2**2 / v1**2) + (v1**2 + (m1 - m2) ** 2) / v2**2 - 1),
                },
                rtol=1e-5,
                atol=1e-9,
            )
            return report(
                False,
                tr(
                    "KL(N({m1}, {v1}) ‖ N({m2}, {v2})): expected {expected:.6g}, got {got:.6g}{hint}",
                    m1=m1,
                    v1=v1,
                    m2=m2,
                    v2=v2,
                    expected=expected,
                    got=got,
                    hint=hint,
                ),
            )
    return report(True, "KL = ½(ln(v2/v1) + (v1 + (m1 − m2)²)/v2 − 1)")  # a formula: no words to translate


@robust_check
def check_eps_weight(fn) -> CheckResult:
    """Lesson 03, exercise 3: ``fn(beta_t, sigma2_t, alpha_bar_t)`` = β_t²/(2σ_t² α_t (1 − ᾱ_t)) (DDPM eq. 12)."""
    for beta, sigma2, alpha_bar in ((0.02, 0.02, 0.1), (1e-3, 5e-4, 0.99), (0.01, 0.008, 0.5)):
        got, problem = call_answer(fn, beta, sigma2, alpha_bar, number=True)
        if problem:
            return report(False, problem)
        expected = beta**2 / (2 * sigma2 * (1 - beta) * (1 - alpha_bar))
        if not close(got, expected, rtol=1e-5):
            hint = which_mistake(
                got,
                {
                    tr(" — the ε coefficient β_t/√(1 − ᾱ_t) is squared, so (1 − ᾱ_t) appears without a root"): beta**2
                    / (2 * sigma2 * (1 - beta) * math.sqrt(1 - alpha_bar)),
                    tr(" — the 1/√α_t in front of μ is squared too: divide by α_t = 1 − β_t"): beta**2
                    / (2 * sigma2 * (1 - alpha_bar)),
                    tr(" — the Gaussian KL has 1/(2σ²): don't drop the 2"): beta**2
                    / (sigma2 * (1 - beta) * (1 - alpha_bar)),
                },
                " (α_t = 1 − β_t)",
                rtol=1e-5,
            )
            return report(
                False,
                tr(
                    "beta={beta}, sigma2={sigma2}, alpha_bar={alpha_bar}: expected {expected:.6g}, got {got:.6g}{hint}",
                    beta=beta,
                    sigma2=sigma2,
                    alpha_bar=alpha_bar,
                    expected=expected,
                    got=got,
                    hint=hint,
                ),
            )
    return report(True, tr("w_t = β_t² / (2σ_t² α_t (1 − ᾱ_t)); L_simple sets every w_t to 1"))


@robust_check
def check_jump_posterior_variance(fn) -> CheckResult:
    """Lesson 03, exercise 4 (derive): ``fn(alpha_bar_t, alpha_bar_s)`` = the variance of q(x_s | x_t, x_0) for an
    earlier step s < t, by completing the square with the forward jump q(x_t | x_s) of lesson 02."""
    for a_t, a_s in ((0.5, 0.9), (0.02, 0.4), (0.897, 0.9999), (0.3, 0.31)):
        got, problem = call_answer(fn, a_t, a_s, number=True)
        if problem:
            return report(False, problem)
        ratio = a_t / a_s
        expected = 1 / (ratio / (1 - ratio) + 1 / (1 - a_s))  # = (1 − ᾱ_s)(1 − ᾱ_t/ᾱ_s)/(1 − ᾱ_t)
        if not close(got, expected, rtol=1e-3):
            hint = which_mistake(
                got,
                {
                    tr(" — precisions add, not variances: take 1/(ratio/(1 − ratio) + 1/(1 − ᾱ_s))"): ratio
                    / (1 - ratio)
                    + 1 / (1 - a_s),
                    tr(
                        " — that is the jump's own variance 1 − ᾱ_t/ᾱ_s; knowing x_0 as well multiplies it by "
                        "(1 − ᾱ_s)/(1 − ᾱ_t)"
                    ): 1 - ratio,
                    tr(
                        " — the jump's x_s coefficient is √(ᾱ_t/ᾱ_s): its square ᾱ_t/ᾱ_s, not ᾱ_t, enters the precision"
                    ): 1 / (a_t / (1 - ratio) + 1 / (1 - a_s)),
                    tr(" — that is the variance of q(x_s | x_0); conditioning on x_t shrinks it"): 1 - a_s,
                },
                rtol=1e-3,
            )
            return report(
                False,
                tr(
                    "alpha_bar_t={a_t}, alpha_bar_s={a_s}: expected {expected:.6g}, got {got:.6g}{hint}",
                    a_t=a_t,
                    a_s=a_s,
                    expected=expected,
                    got=got,
                    hint=hint,
                ),
            )
    return report(
        True, tr("Var = (1 − ᾱ_s)(1 − ᾱ_t/ᾱ_s)/(1 − ᾱ_t); with s = t − 1 it is the posterior variance (beta_tilde_t)")
    )
