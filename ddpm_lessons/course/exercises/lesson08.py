"""Exercise checks for lesson 08 (what goes wrong): each prints ✓ or ✗ with the likely mistake."""

from __future__ import annotations

import math

import torch

from ..language import tr
from .feedback import CheckResult, call_answer, close, report, robust_check, tensor_answer

__all__ = ["check_to_model_range", "check_sampling_indices", "check_prior_mismatch_kl", "check_prior_kl_with_mean"]


@robust_check
def check_to_model_range(fn) -> CheckResult:
    """Lesson 08, exercise 1: ``fn(pixels)`` maps 8-bit pixels (uint8, 0 … 255) to the model's range [−1, 1]."""
    pixels = torch.tensor([[0, 1, 127, 128, 254, 255]], dtype=torch.uint8)
    got, problem = call_answer(fn, pixels.clone())
    if problem:
        return report(False, problem)
    if not isinstance(got, torch.Tensor) or not got.is_floating_point() or got.shape != pixels.shape:
        return report(False, tr("return a floating-point tensor shaped like pixels (convert with .float() first)"))
    expected = pixels.float() / 127.5 - 1
    got, problem = tensor_answer(got, expected, tr("the result"))
    if problem:
        return report(False, problem)
    if not close(got, expected, rtol=1e-5, atol=1e-6):
        if close(got, pixels.float() / 255, rtol=1e-5, atol=1e-6):
            hint = tr("that is [0, 1] — the bug this lesson demonstrates; the model expects [−1, 1]")
        else:
            hint = tr(
                "0 must map to −1 and 255 to 1; got {low:.3g} … {high:.3g}",
                low=got.min().item(),
                high=got.max().item(),
            )
        return report(False, hint)
    return report(True, tr("x = pixels/127.5 − 1: 0 → −1, 255 → 1"))


@robust_check
def check_sampling_indices(fn) -> CheckResult:
    """Lesson 08, exercise 2: ``fn(T)`` = the 0-based indices a DDPM sampler visits, in order: T−1, …, 1, 0."""
    for T in (1, 5, 1000):
        got, problem = call_answer(fn, T)
        if problem:
            return report(False, problem)
        try:
            got = [int(v) for v in got]
        except (TypeError, ValueError):
            return report(False, tr("return a list (or range) of integers"))
        expected = list(range(T - 1, -1, -1))
        if got != expected:
            if got == list(range(T, 0, -1)):
                hint = tr("those are the paper's steps T … 1; code indices are one less (T−1 … 0)")
            elif got == list(range(T - 1, 0, -1)):
                hint = tr("the last step, index 0, is missing: without it the sample keeps the noise of step 1")
            elif got == expected[::-1]:
                hint = tr("the sampler runs backwards in time: start at T−1")
            else:
                hint = tr(
                    "expected {first} … {last}, got {got_first} … {got_last}",
                    first=expected[:3],
                    last=expected[-2:],
                    got_first=got[:3],
                    got_last=got[-2:],
                )
            return report(False, tr("T={T}: {hint}", T=T, hint=hint))
    return report(True, tr("indices T−1, T−2, …, 0: T steps, the last one (index 0) without noise"))


@robust_check
def check_prior_mismatch_kl(fn) -> CheckResult:
    """Lesson 08, exercise 3: ``fn(alpha_bar_T, data_var)`` = KL(N(0, ᾱ_T v + 1 − ᾱ_T) ‖ N(0, 1)) in nats for
    zero-mean 1-D data of variance v: how far the last forward marginal is from the sampler's start N(0, 1)."""
    for alpha_bar, var in ((0.6, 0.36), (4e-5, 1.0), (0.9, 4.0)):
        got, problem = call_answer(fn, alpha_bar, var, number=True)
        if problem:
            return report(False, problem)
        s2 = alpha_bar * var + 1 - alpha_bar
        expected = 0.5 * (s2 - 1 - math.log(s2))
        if not close(got, expected, rtol=1e-5, atol=1e-9):
            reverse = 0.5 * (1 / s2 - 1 + math.log(s2))
            values = dict(alpha_bar=alpha_bar, var=var, got=got, expected=expected)
            if close(got, reverse, rtol=1e-5, atol=1e-9):
                message = tr(
                    "alpha_bar_T={alpha_bar}, data_var={var}: got {got:.6g} — that is KL(N(0,1) ‖ q); the order matters",
                    **values,
                )
            else:
                message = tr(
                    "alpha_bar_T={alpha_bar}, data_var={var}: got {got:.6g}; expected {expected:.6g} "
                    "(KL(N(0,s²)‖N(0,1)) = (s² − 1 − ln s²)/2)",
                    **values,
                )
            return report(False, message)
    return report(True, tr("KL = (s² − 1 − ln s²)/2 with s² = ᾱ_T v + 1 − ᾱ_T: zero only when ᾱ_T v + 1 − ᾱ_T = 1"))


@robust_check
def check_prior_kl_with_mean(fn) -> CheckResult:
    """Lesson 08, exercise 4 (derive): ``fn(alpha_bar_T, data_mean, data_var)`` = KL(q(x_T) ‖ N(0, 1)) in nats for
    1-D Gaussian data N(m, v): q(x_T) = N(√ᾱ_T m, ᾱ_T v + 1 − ᾱ_T), so with s² = ᾱ_T v + 1 − ᾱ_T the KL is
    (s² + ᾱ_T m² − 1 − ln s²)/2 — the centred formula plus the mean term ᾱ_T m²/2."""
    for alpha_bar, mean, var in ((0.6, -0.5, 0.36), (0.25, 2.0, 1.0), (0.9, 0.3, 4.0)):
        got, problem = call_answer(fn, alpha_bar, mean, var, number=True)
        if problem:
            return report(False, problem)
        s2 = alpha_bar * var + 1 - alpha_bar
        centred = 0.5 * (s2 - 1 - math.log(s2))
        expected = centred + 0.5 * alpha_bar * mean**2
        if close(got, expected, rtol=1e-5, atol=1e-9):
            continue
        values = dict(alpha_bar=alpha_bar, mean=mean, var=var, got=got, expected=expected)
        mistakes = {
            centred: tr("the mean term is missing: q(x_T) is centred at √ᾱ_T·m, not at 0"),
            centred + 0.5 * math.sqrt(alpha_bar) * mean**2: tr(
                "the mean of q(x_T) is √ᾱ_T·m, so its square is ᾱ_T·m², not √ᾱ_T·m²"
            ),
            centred + 0.5 * mean**2: tr("the data mean shrinks with the data: x_T's mean is √ᾱ_T·m, not m"),
            centred + alpha_bar * mean**2: tr("the mean term is μ²/2 = ᾱ_T·m²/2 (the ½ of the Gaussian exponent)"),
            0.5 * (1 / s2 - 1 + math.log(s2) + alpha_bar * mean**2 / s2): tr(
                "that is KL(N(0,1) ‖ q); the order matters"
            ),
        }
        hint = next((text for value, text in mistakes.items() if close(got, value, rtol=1e-5, atol=1e-9)), None)
        if hint is None:
            hint = tr("KL(N(μ, s²) ‖ N(0, 1)) = (s² + μ² − 1 − ln s²)/2 with μ = √ᾱ_T·m, s² = ᾱ_T·v + 1 − ᾱ_T")
        return report(
            False,
            tr(
                "alpha_bar_T={alpha_bar}, data_mean={mean}, data_var={var}: got {got:.6g}; expected {expected:.6g}",
                **values,
            )
            + " — "
            + hint,
        )
    return report(True, tr("KL = (s² + ᾱ_T m² − 1 − ln s²)/2: the centred part plus the mean term ᾱ_T m²/2"))
