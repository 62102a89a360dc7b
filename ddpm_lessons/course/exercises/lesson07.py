"""Exercise checks for lesson 07 (sampling): each prints ✓ or ✗ with the likely mistake."""

from __future__ import annotations

import math

import torch

from ..language import tr
from .feedback import CheckResult, call_answer, close, report, robust_check, tensor_answer, which_mistake

__all__ = ["check_reverse_step", "check_posterior_variance", "check_guided_eps", "check_ddim_deterministic_step"]


@robust_check
def check_reverse_step(fn) -> CheckResult:
    """Lesson 07, exercise 1: ``fn(x_t, eps, beta_t, alpha_bar_t, z, is_last)`` = one DDPM step (Algorithm 2,
    line 4): (x_t − β_t/√(1 − ᾱ_t)·ε)/√(1 − β_t) + √β_t·z, without the noise term when ``is_last``."""
    g = torch.Generator().manual_seed(4)
    x_t, eps, z = (torch.randn(6, 3, generator=g) for _ in range(3))
    for beta, alpha_bar, last in ((0.02, 0.3, False), (1e-4, 0.9999, True), (0.01, 0.05, False)):
        got, problem = call_answer(fn, x_t.clone(), eps.clone(), beta, alpha_bar, z.clone(), last)
        if problem:
            return report(False, problem)
        got, shape_problem = tensor_answer(got, x_t, tr("the result"))
        if shape_problem:
            return report(False, tr("{problem}: return a tensor shaped like x_t", problem=shape_problem))
        mean = (x_t - beta / math.sqrt(1 - alpha_bar) * eps) / math.sqrt(1 - beta)
        expected = mean if last else mean + math.sqrt(beta) * z
        if not close(got, expected, rtol=1e-5, atol=1e-6):
            wrong = {
                tr("the last step (t = 1, code index 0) must not add noise: return the mean there"): mean
                + math.sqrt(beta) * z,
                tr("the noise term is missing: add σ_t·z = √β_t·z except at the last step"): mean,
                tr("ε is scaled by β_t/(1 − ᾱ_t); the coefficient is β_t/√(1 − ᾱ_t)"): (
                    x_t - beta / (1 - alpha_bar) * eps
                )
                / math.sqrt(1 - beta)
                + (0 if last else math.sqrt(beta) * z),
                tr("σ_t z uses β_t; σ_t = √β_t"): mean + (0 if last else beta * z),
                tr("the mean is divided by √ᾱ_t; it is divided by √α_t = √(1 − β_t)"): (
                    x_t - beta / math.sqrt(1 - alpha_bar) * eps
                )
                / math.sqrt(alpha_bar)
                + (0 if last else math.sqrt(beta) * z),
            }
            hint = which_mistake(
                got,
                wrong,
                tr(
                    "compare with (x_t − β/√(1 − ᾱ)·ε)/√(1 − β) + √β·z at beta={beta}, alpha_bar={alpha_bar}",
                    beta=beta,
                    alpha_bar=alpha_bar,
                ),
                rtol=1e-5,
                atol=1e-6,
            )
            return report(False, hint)
    return report(True, tr("x_{t−1} = (x_t − β_t/√(1 − ᾱ_t)·ε_θ)/√α_t + σ_t z, with z = 0 at the last step"))


@robust_check
def check_posterior_variance(fn) -> CheckResult:
    """Lesson 07, exercise 2: ``fn(betas)`` = β̃_t = β_t (1 − ᾱ_{t−1})/(1 − ᾱ_t) for every 0-based index, with
    ᾱ_{−1} := 1 so that β̃ at index 0 is 0."""
    from ...schedule import DiffusionSchedule

    for schedule in (
        DiffusionSchedule.linear(50, dtype=torch.float64),
        DiffusionSchedule.cosine(20, dtype=torch.float64),
    ):
        got, problem = call_answer(fn, schedule.betas.clone())
        if problem:
            return report(False, problem)
        expected = schedule.posterior_variance
        got, shape_problem = tensor_answer(got, expected, tr("the result"))
        if shape_problem:
            return report(
                False, tr("{problem}: return one posterior variance per step, shape (T,)", problem=shape_problem)
            )
        # a float32 answer is off by up to ~1e-4 relative where 1 − ᾱ_t is small; every named mistake by far more
        if not close(got, expected, rtol=2e-4, atol=1e-9):
            if close(got, schedule.betas, rtol=2e-4):
                hint = tr("that is β_t itself; multiply by (1 − ᾱ_{t−1})/(1 − ᾱ_t)")
            elif abs(float(got[0])) > 1e-12:
                hint = tr(
                    "at index 0, ᾱ_{{t−1}} is ᾱ_0 := 1, so the posterior variance there is 0; got {value:.3g}",
                    value=float(got[0]),
                )
            else:
                hint = tr(
                    "expected {expected} … at the first three indices, got {got}",
                    expected=expected[:3].tolist(),
                    got=got[:3].tolist(),
                )
            return report(
                False,
                tr("{schedule} schedule with T = {T}: {hint}", schedule=schedule.name, T=len(schedule), hint=hint),
            )
    return report(True, tr("beta_tilde_t = β_t (1 − ᾱ_{t−1})/(1 − ᾱ_t), zero at the first step, below β_t elsewhere"))


@robust_check
def check_guided_eps(fn) -> CheckResult:
    """Lesson 07, exercise 3: ``fn(eps_cond, eps_uncond, w)`` = (1 + w)·ε_c − w·ε_∅ (classifier-free guidance)."""
    g = torch.Generator().manual_seed(5)
    cond, uncond = torch.randn(4, 1, 3, 3, generator=g), torch.randn(4, 1, 3, 3, generator=g)
    for w in (1.0, 0.0, 3.5):
        got, problem = call_answer(fn, cond.clone(), uncond.clone(), w)
        if problem:
            return report(False, problem)
        expected = (1 + w) * cond - w * uncond
        got, shape_problem = tensor_answer(got, expected, tr("the result"))
        if shape_problem:
            return report(False, tr("{problem}: return a tensor shaped like eps_cond", problem=shape_problem))
        if not close(got, expected, rtol=1e-5, atol=1e-6):
            if close(got, (1 + w) * uncond - w * cond, rtol=1e-5, atol=1e-6):
                hint = tr("ε_c and ε_∅ are swapped: guidance moves towards the conditional prediction")
            elif close(got, uncond + w * (cond - uncond), rtol=1e-5, atol=1e-6):
                hint = tr(
                    "that is ε_∅ + w(ε_c − ε_∅), the other convention: here w = 0 must give the conditional "
                    "model, so use s = 1 + w"
                )
            else:
                hint = tr("w = 0 must return eps_cond; larger w moves further from eps_uncond")
            return report(False, tr("w={w}: {hint}", w=w, hint=hint))
    return report(
        True, tr("guided ε = (1 + w)·ε_c − w·ε_∅: w = 0 is the conditional model, w > 0 pushes towards the class")
    )


@robust_check
def check_ddim_deterministic_step(fn) -> CheckResult:
    """Lesson 07, exercise 4 (derive): ``fn(x_t, eps, alpha_bar_t, alpha_bar_prev)`` = DDIM's η = 0 step (Song et
    al. 2021, eq. 12 with σ = 0): estimate x̂₀ = (x_t − √(1 − ᾱ_t) ε)/√ᾱ_t, then put the same ε back at the earlier
    noise level with lesson 02's closed form: √ᾱ_{t′} x̂₀ + √(1 − ᾱ_{t′}) ε."""
    g = torch.Generator().manual_seed(7)
    x_t, eps = torch.randn(5, 2, generator=g), torch.randn(5, 2, generator=g)
    for alpha_bar, alpha_bar_prev in ((0.1, 0.3), (0.5, 0.9), (0.97, 0.999)):
        got, problem = call_answer(fn, x_t.clone(), eps.clone(), alpha_bar, alpha_bar_prev)
        if problem:
            return report(False, problem)
        got, shape_problem = tensor_answer(got, x_t, tr("the result"))
        if shape_problem:
            return report(False, tr("{problem}: return a tensor shaped like x_t", problem=shape_problem))
        x0 = (x_t - math.sqrt(1 - alpha_bar) * eps) / math.sqrt(alpha_bar)
        expected = math.sqrt(alpha_bar_prev) * x0 + math.sqrt(1 - alpha_bar_prev) * eps
        if not close(got, expected, rtol=1e-5, atol=1e-6):
            wrong = {
                tr("that is x̂₀ itself: put the noise back at the earlier level, + √(1 − ᾱ_{t′}) ε"): x0,
                tr("the noise term uses 1 − ᾱ_{t′}; its standard deviation is √(1 − ᾱ_{t′})"): math.sqrt(alpha_bar_prev)
                * x0
                + (1 - alpha_bar_prev) * eps,
                tr("x̂₀ is scaled by √ᾱ_t, the current level; the earlier level is √ᾱ_{t′}"): math.sqrt(alpha_bar) * x0
                + math.sqrt(1 - alpha_bar_prev) * eps,
                tr("x̂₀ must divide by √ᾱ_t: x̂₀ = (x_t − √(1 − ᾱ_t) ε)/√ᾱ_t"): math.sqrt(alpha_bar_prev)
                * (x_t - math.sqrt(1 - alpha_bar) * eps)
                + math.sqrt(1 - alpha_bar_prev) * eps,
                tr("the ε removed from x_t carries √(1 − ᾱ_t), not 1 − ᾱ_t"): math.sqrt(alpha_bar_prev)
                * (x_t - (1 - alpha_bar) * eps)
                / math.sqrt(alpha_bar)
                + math.sqrt(1 - alpha_bar_prev) * eps,
            }
            hint = which_mistake(
                got,
                wrong,
                tr(
                    "compare with √ᾱ_{{t′}}·x̂₀ + √(1 − ᾱ_{{t′}})·ε at alpha_bar_t={alpha_bar}, "
                    "alpha_bar_prev={alpha_bar_prev}",
                    alpha_bar=alpha_bar,
                    alpha_bar_prev=alpha_bar_prev,
                ),
                rtol=1e-5,
                atol=1e-6,
            )
            return report(False, hint)
    return report(
        True, tr("x_{t′} = √ᾱ_{t′}·x̂₀ + √(1 − ᾱ_{t′})·ε_θ: the closed form run backwards, with no fresh noise")
    )
