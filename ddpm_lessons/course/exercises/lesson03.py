"""Exercise checks for lesson 03 (the reverse process and the ELBO): each prints ✓ or ✗ with the likely mistake."""

from __future__ import annotations

import math

from .feedback import CheckResult, call_answer, report

__all__ = ["check_posterior_coefficients", "check_gaussian_kl", "check_eps_weight"]


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
        try:
            g0, gt = (float(v) for v in got)
        except (TypeError, ValueError):
            return report(False, "return a pair (coefficient of x_0, coefficient of x_t)")
        if abs(g0 - c0) > 1e-9 or abs(gt - ct) > 1e-9:
            hint = (
                " — swapped? the first is the coefficient of x_0" if abs(g0 - ct) < 1e-9 and abs(gt - c0) < 1e-9 else ""
            )
            return report(
                False,
                f"beta={beta}, alpha_bar_prev={alpha_bar_prev}: expected ({c0:.6g}, {ct:.6g}), "
                f"got ({g0:.6g}, {gt:.6g}){hint}",
            )
    return report(True, "μ̃_t = √ᾱ_{t−1}β_t/(1−ᾱ_t)·x_0 + √α_t(1−ᾱ_{t−1})/(1−ᾱ_t)·x_t; at t = 1 it is x_0 itself")


def check_gaussian_kl(fn) -> CheckResult:
    """Lesson 03, exercise 2: ``fn(m1, v1, m2, v2)`` = KL(N(m1, v1) ‖ N(m2, v2)) in nats, for variances v."""
    cases = [(0.0, 1.0, 0.0, 1.0), (0.3, 0.5, -0.2, 2.0), (1.0, 0.01, 0.0, 0.01)]
    for m1, v1, m2, v2 in cases:
        got, problem = call_answer(fn, m1, v1, m2, v2, number=True)
        if problem:
            return report(False, problem)
        expected = 0.5 * (math.log(v2 / v1) + (v1 + (m1 - m2) ** 2) / v2 - 1)
        if abs(float(got) - expected) > 1e-9:
            hint = ""
            reversed_kl = 0.5 * (math.log(v1 / v2) + (v2 + (m1 - m2) ** 2) / v1 - 1)
            if abs(float(got) - reversed_kl) < 1e-9:
                hint = " — that is KL(N2 ‖ N1); KL is not symmetric"
            return report(
                False, f"KL(N({m1}, {v1}) ‖ N({m2}, {v2})): expected {expected:.6g}, got {float(got):.6g}{hint}"
            )
    return report(True, "KL = ½(ln(v2/v1) + (v1 + (m1 − m2)²)/v2 − 1)")


def check_eps_weight(fn) -> CheckResult:
    """Lesson 03, exercise 3: ``fn(beta_t, sigma2_t, alpha_bar_t)`` = β_t²/(2σ_t² α_t (1 − ᾱ_t)) (DDPM eq. 12)."""
    for beta, sigma2, alpha_bar in ((0.02, 0.02, 0.1), (1e-3, 5e-4, 0.99), (0.01, 0.008, 0.5)):
        got, problem = call_answer(fn, beta, sigma2, alpha_bar, number=True)
        if problem:
            return report(False, problem)
        expected = beta**2 / (2 * sigma2 * (1 - beta) * (1 - alpha_bar))
        if abs(float(got) - expected) > 1e-9 * expected:
            return report(
                False,
                f"beta={beta}, sigma2={sigma2}, alpha_bar={alpha_bar}: expected {expected:.6g}, "
                f"got {float(got):.6g} (α_t = 1 − β_t)",
            )
    return report(True, "w_t = β_t² / (2σ_t² α_t (1 − ᾱ_t)); L_simple sets every w_t to 1")
