"""Exercise checks for lesson 06 (training): each prints ✓ or ✗ with the likely mistake."""

from __future__ import annotations

import math

import torch

from ..language import tr
from .feedback import CheckResult, call_answer, close, report, robust_check

__all__ = ["check_timestep_sampler", "check_ema_update", "check_simple_loss", "check_x0_error_factor"]


@robust_check
def check_timestep_sampler(fn) -> CheckResult:
    """Lesson 06, exercise 1: ``fn(batch_size, T, generator)`` = t ~ Uniform{0, …, T−1}, a long tensor (B,)."""
    got, problem = call_answer(fn, 20_000, 10, torch.Generator().manual_seed(0))
    if problem:
        return report(False, problem)
    if not isinstance(got, torch.Tensor) or got.shape != (20_000,) or got.dtype != torch.long:
        return report(
            False, tr("return a long tensor of shape (batch_size,) — e.g. torch.randint(0, T, (B,), generator=g)")
        )
    if int(got.min()) != 0 or int(got.max()) != 9:
        return report(
            False,
            tr(
                "values must cover 0 … T−1 = 9 (0-based code indices); got {low} … {high}",
                low=int(got.min()),
                high=int(got.max()),
            ),
        )
    counts = torch.bincount(got, minlength=10).double()
    # each count is Binomial(20000, 0.1): standard deviation 42; allow 5 of them
    if (counts - 2000).abs().max() > 5 * math.sqrt(20_000 * 0.1 * 0.9):
        return report(False, tr("t is not uniform: counts per step {counts}", counts=counts.long().tolist()))
    again, _ = call_answer(fn, 20_000, 10, torch.Generator().manual_seed(0))
    if not torch.equal(got, again):
        return report(False, tr("use the generator you are given, so that a seed reproduces the draws"))
    return report(True, tr("t ~ Uniform{0, …, T−1}, one per example, from the given generator"))


@robust_check
def check_ema_update(fn) -> CheckResult:
    """Lesson 06, exercise 2: ``fn(ema_value, value, decay)`` = decay·ema + (1 − decay)·value."""
    for ema, value, decay in ((1.0, 0.0, 0.9), (0.5, 2.0, 0.999), (3.0, 3.0, 0.5)):
        got, problem = call_answer(fn, ema, value, decay, number=True)
        if problem:
            return report(False, problem)
        expected = decay * ema + (1 - decay) * value
        if not close(got, expected, rtol=1e-5, atol=1e-9):
            values = dict(ema=ema, value=value, decay=decay, expected=expected, got=got)
            if close(got, (1 - decay) * ema + decay * value, rtol=1e-5, atol=1e-9):
                return report(
                    False,
                    tr(
                        "ema={ema}, value={value}, decay={decay}: expected {expected:.6g}, got {got:.6g} — decay "
                        "weighs the old average, (1 − decay) the new value",
                        **values,
                    ),
                )
            return report(
                False, tr("ema={ema}, value={value}, decay={decay}: expected {expected:.6g}, got {got:.6g}", **values)
            )
    return report(True, tr("ema ← decay·ema + (1 − decay)·value"))


@robust_check
def check_simple_loss(fn) -> CheckResult:
    """Lesson 06, exercise 3: ``fn(eps, eps_pred)`` = mean of (ε − ε_θ)² over all elements (L_simple)."""
    g = torch.Generator().manual_seed(3)
    eps, pred = torch.randn(4, 1, 5, 5, generator=g), torch.randn(4, 1, 5, 5, generator=g)
    got, problem = call_answer(fn, eps, pred, number=True)
    if problem:
        return report(False, problem)
    expected = ((eps - pred) ** 2).mean().item()
    if not close(got, expected, rtol=1e-5, atol=1e-7):
        if close(got, ((eps - pred) ** 2).sum().item(), rtol=1e-5):
            hint = tr("that is the sum; L_simple is the mean (the sum scales the loss by C·H·W)")
        elif close(got, (eps - pred).abs().mean().item(), rtol=1e-5):
            hint = tr("that is the mean absolute error; square the differences")
        else:
            hint = tr("expected {expected:.6f}, got {got:.6g}", expected=expected, got=got)
        return report(False, hint)
    return report(True, tr("L_simple = mean((ε − ε_θ)²)"))


@robust_check
def check_x0_error_factor(fn) -> CheckResult:
    """Lesson 06, exercise 4 (derive): ``fn(alpha_bar_t)`` = the factor that turns an ε-MSE into the MSE of
    x̂₀ = (x_t − √(1 − ᾱ_t) ε_θ)/√ᾱ_t: x̂₀ − x₀ = −√((1 − ᾱ_t)/ᾱ_t)(ε_θ − ε), so the factor is (1 − ᾱ_t)/ᾱ_t."""
    for alpha_bar in (0.9999, 0.5, 0.01, 4e-5):
        got, problem = call_answer(fn, alpha_bar, number=True)
        if problem:
            return report(False, problem)
        expected = (1 - alpha_bar) / alpha_bar
        # 1e-3: a float32 answer loses ~6e-4 of 1 − ᾱ at ᾱ = 0.9999; every named mistake is off by far more
        if not close(got, expected, rtol=1e-3, atol=0):
            wrong = {
                tr("that is √((1 − ᾱ)/ᾱ), the factor on the error itself; an MSE is a squared error, so square it"): (
                    math.sqrt(expected)
                ),
                tr("upside down: x̂₀ divides by √ᾱ_t, so the error grows as ᾱ_t → 0"): alpha_bar / (1 - alpha_bar),
                tr("that is 1 − ᾱ_t alone; x̂₀ also divides by √ᾱ_t, which squares to ᾱ_t"): 1 - alpha_bar,
                tr("that is 1/ᾱ_t; the ε-term of x_t carries √(1 − ᾱ_t), which squares to 1 − ᾱ_t"): 1 / alpha_bar,
            }
            hint = next(
                (text for text, value in wrong.items() if close(got, value, rtol=1e-3, atol=0)),
                tr(
                    "at alpha_bar_t = {alpha_bar}: expected {expected:.6g}, got {got:.6g}",
                    alpha_bar=alpha_bar,
                    expected=expected,
                    got=got,
                ),
            )
            return report(False, hint)
    return report(True, tr("x̂₀-MSE = (1 − ᾱ_t)/ᾱ_t × ε-MSE: tiny at small t, huge at large t"))
