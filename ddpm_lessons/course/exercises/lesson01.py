"""Exercise checks for lesson 01 (physical diffusion): each prints ✓ or ✗ with the likely mistake."""

from __future__ import annotations

import math

import torch

from ..language import tr
from .feedback import CheckResult, call_answer, close, report, robust_check, tensor_answer, which_mistake

__all__ = ["check_predicted_variance", "check_vp_step", "check_variance_after", "check_gaussian_score"]


@robust_check
def check_predicted_variance(fn) -> CheckResult:
    """Lesson 01, exercise 1: ``fn(t, sigma, var0)`` = variance of one coordinate after t random-walk steps."""
    cases = [(0, 0.1, 0.02), (10, 0.1, 0.0), (250, 0.01, 0.005), (7, 0.3, 1.0)]
    for t, sigma, var0 in cases:
        got, problem = call_answer(fn, t, sigma, var0, number=True)
        if problem:
            return report(False, problem)
        expected = var0 + t * sigma**2
        if not close(got, expected, rtol=1e-5):
            hint = which_mistake(
                got,
                {
                    tr(" — each step adds the variance σ², not the standard deviation σ"): var0 + t * sigma,
                    tr(" — don't forget the initial spread var0 of the ink drop"): t * sigma**2,
                    tr(" — independent variances add; standard deviations do not"): (
                        math.sqrt(var0) + math.sqrt(t) * sigma
                    )
                    ** 2,
                },
                rtol=1e-5,
            )
            return report(
                False,
                tr(
                    "for t={t}, sigma={sigma}, var0={var0} expected {expected:.6g}, got {got:.6g}{hint}",
                    t=t,
                    sigma=sigma,
                    var0=var0,
                    expected=expected,
                    got=got,
                    hint=hint,
                ),
            )
    return report(True, tr("variances of independent steps add: var0 + t·σ²"))


@robust_check
def check_vp_step(fn) -> CheckResult:
    """Lesson 01, exercise 2: ``fn(x, beta, noise)`` = one variance-preserving step √(1 − β) x + √β ε."""
    g = torch.Generator().manual_seed(0)
    x = torch.rand(4, 3, 5, 5, generator=g) * 2 - 1
    noise = torch.randn(x.shape, generator=g)
    for beta in (0.02, 0.3):
        got, problem = call_answer(fn, x.clone(), beta, noise.clone())
        if problem:
            return report(False, problem)
        expected = math.sqrt(1 - beta) * x + math.sqrt(beta) * noise
        got, problem = tensor_answer(got, expected, tr("the result"))
        if problem:
            return report(False, tr("{problem} (shaped like x)", problem=problem))
        if not close(got, expected, rtol=1e-5, atol=1e-6):
            hint = which_mistake(
                got,
                {
                    tr("the noise is scaled by β instead of √β"): math.sqrt(1 - beta) * x + beta * noise,
                    tr("x must shrink by √(1 − β) before the noise is added"): x + math.sqrt(beta) * noise,
                    tr("x shrinks by √(1 − β), not by (1 − β)"): (1 - beta) * x + math.sqrt(beta) * noise,
                    tr("that is pure addition: nothing keeps the variance bounded"): x + noise * beta,
                },
                tr("compare with √(1 − β)·x + √β·ε"),
                rtol=1e-5,
                atol=1e-6,
            )
            return report(False, tr("beta={beta}: {hint}", beta=beta, hint=hint))
    return report(True, tr("√(1 − β)·x + √β·ε keeps a unit variance unit"))


@robust_check
def check_variance_after(fn) -> CheckResult:
    """Lesson 01, exercise 3: ``fn(var0, betas)`` = pixel variance after variance-preserving steps with these β."""
    cases = [(0.0, [0.5]), (0.3, [0.1, 0.2, 0.3]), (4.0, [0.02] * 50), (1.0, [0.01, 0.5, 0.9])]
    for var0, betas in cases:
        got, problem = call_answer(fn, var0, list(betas), number=True)
        if problem:
            return report(False, problem)
        expected = var0
        for beta in betas:
            expected = (1 - beta) * expected + beta
        if not close(got, expected, rtol=1e-5):
            return report(
                False,
                tr(
                    "var0={var0}, betas={betas}{more}: expected {expected:.6g}, got {got:.6g} — one step maps v to "
                    "(1 − β)·v + β",
                    var0=var0,
                    betas=betas[:3],
                    more="…" if len(betas) > 3 else "",
                    expected=expected,
                    got=got,
                ),
            )
    return report(True, tr("v ← (1 − β)·v + β: every step pulls the variance towards 1"))


@robust_check
def check_gaussian_score(fn) -> CheckResult:
    """Lesson 01, exercise 4 (derive): ``fn(x, center, var)`` = ∇ₓ log N(x; center, var·I) for points ``x``
    ``(n, 2)``, a centre ``(2,)`` and a variance per coordinate ``var``: the score that drives the reverse-time
    dynamics."""
    g = torch.Generator().manual_seed(11)
    x = torch.rand(6, 2, generator=g, dtype=torch.float64)
    for center, var in (((0.5, 0.5), 0.01), ((0.2, 0.7), 0.0013)):
        center = torch.tensor(center, dtype=torch.float64)
        got, problem = call_answer(fn, x.clone(), center.clone(), var)
        if problem:
            return report(False, problem)
        expected = -(x - center) / var
        got, problem = tensor_answer(got, expected, tr("the score"))
        if problem:
            return report(False, tr("{problem} (one 2-D vector per point)", problem=problem))
        if not close(got, expected, rtol=1e-5, atol=1e-6):
            hint = which_mistake(
                got,
                {
                    tr("the sign is flipped: the score points towards the centre, where the density is highest"): (
                        x - center
                    )
                    / var,
                    tr("log N has −|x − c|²/(2v); its gradient is −(x − c)/v — the 2 cancels"): -(x - center)
                    / (2 * var),
                    tr("divide by the variance v, not by the standard deviation √v"): -(x - center) / math.sqrt(var),
                    tr("the gradient of −|x − c|²/(2v) still has the 1/v"): -(x - center),
                },
                tr("differentiate log N(x; c, vI) = −|x − c|²/(2v) + const with respect to x"),
                rtol=1e-5,
                atol=1e-6,
            )
            return report(False, tr("var={var}: {hint}", var=var, hint=hint))
    return report(True, tr("∇ log N(x; c, vI) = −(x − c)/v: it points back to the centre, stronger for a tight cloud"))
