"""Exercise checks for lesson 01 (physical diffusion): each prints ✓ or ✗ with the likely mistake."""

from __future__ import annotations

import math

import torch

from .feedback import CheckResult, call_answer, report

__all__ = ["check_predicted_variance", "check_vp_step", "check_variance_after"]


def check_predicted_variance(fn) -> CheckResult:
    """Lesson 01, exercise 1: ``fn(t, sigma, var0)`` = variance of one coordinate after t random-walk steps."""
    cases = [(0, 0.1, 0.02), (10, 0.1, 0.0), (250, 0.01, 0.005), (7, 0.3, 1.0)]
    for t, sigma, var0 in cases:
        got, problem = call_answer(fn, t, sigma, var0, number=True)
        if problem:
            return report(False, problem)
        expected = var0 + t * sigma**2
        if abs(float(got) - expected) > 1e-9 * max(1.0, expected):
            hint = ""
            if abs(float(got) - (var0 + t * sigma)) < 1e-9:
                hint = " — each step adds the variance σ², not the standard deviation σ"
            elif abs(float(got) - t * sigma**2) < 1e-9:
                hint = " — don't forget the initial spread var0 of the ink drop"
            elif abs(float(got) - (math.sqrt(var0) + math.sqrt(t) * sigma) ** 2) < 1e-9:
                hint = " — independent variances add; standard deviations do not"
            return report(
                False, f"for t={t}, sigma={sigma}, var0={var0} expected {expected:.6g}, got {float(got):.6g}{hint}"
            )
    return report(True, "variances of independent steps add: var0 + t·σ²")


def check_vp_step(fn) -> CheckResult:
    """Lesson 01, exercise 2: ``fn(x, beta, noise)`` = one variance-preserving step √(1 − β) x + √β ε."""
    g = torch.Generator().manual_seed(0)
    x = torch.rand(4, 3, 5, 5, generator=g) * 2 - 1
    noise = torch.randn(x.shape, generator=g)
    for beta in (0.02, 0.3):
        got, problem = call_answer(fn, x.clone(), beta, noise)
        if problem:
            return report(False, problem)
        if not isinstance(got, torch.Tensor) or got.shape != x.shape:
            return report(False, f"return a tensor shaped like x {tuple(x.shape)}")
        expected = math.sqrt(1 - beta) * x + math.sqrt(beta) * noise
        if not torch.allclose(got, expected, atol=1e-6):
            wrong = {
                "the noise is scaled by β instead of √β": math.sqrt(1 - beta) * x + beta * noise,
                "x must shrink by √(1 − β) before the noise is added": x + math.sqrt(beta) * noise,
                "x shrinks by √(1 − β), not by (1 − β)": (1 - beta) * x + math.sqrt(beta) * noise,
                "that is pure addition: nothing keeps the variance bounded": x + noise * beta,
            }
            hint = next(
                (h for h, value in wrong.items() if torch.allclose(got, value, atol=1e-6)),
                "compare with √(1 − β)·x + √β·ε",
            )
            return report(False, f"beta={beta}: {hint}")
    return report(True, "√(1 − β)·x + √β·ε keeps a unit variance unit")


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
        if abs(float(got) - expected) > 1e-9:
            return report(
                False,
                f"var0={var0}, betas={betas[:3]}{'…' if len(betas) > 3 else ''}: expected {expected:.6g}, "
                f"got {float(got):.6g} — one step maps v to (1 − β)·v + β",
            )
    return report(True, "v ← (1 − β)·v + β: every step pulls the variance towards 1")
