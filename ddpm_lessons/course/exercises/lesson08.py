"""Exercise checks for lesson 08 (what goes wrong): each prints ✓ or ✗ with the likely mistake.

Exercise 1 derives the noise level the (1 − ᾱ) bug really trains at, 2 finds three of the gallery's bugs in one
reverse step, 3 computes the prior mismatch of a short chain, 4 derives its mean term."""

from __future__ import annotations

import itertools
import math

import torch

from ..language import tr
from .feedback import CheckResult, call_answer, close, report, robust_check, tensor_answer, which_mistake

__all__ = ["check_bug_noise_level", "check_reverse_step", "check_prior_mismatch_kl", "check_prior_kl_with_mean"]


def _bug_level_slips(alpha_bar: float) -> dict:
    """The likely wrong answers of exercise 1, hint → the value that slip gives."""
    a = alpha_bar
    snr_bug = a / (1 - a) ** 2
    return {
        tr(" — that is ᾱ_t itself: the bug's noise (1 − ᾱ_t)·ε has variance (1 − ᾱ_t)², not 1 − ᾱ_t"): a,
        tr(" — that is the bug's SNR ᾱ_t/(1 − ᾱ_t)²; the level ᾱ′ has SNR ᾱ′/(1 − ᾱ′): solve that for ᾱ′"): snr_bug,
        tr(" — that is the ratio of the two SNRs, 1/(1 − ᾱ_t); the level ᾱ′ solves ᾱ′/(1 − ᾱ′) = ᾱ_t/(1 − ᾱ_t)²"): 1
        / (1 - a),
        tr(" — you compared amplitudes (√ᾱ_t against 1 − ᾱ_t); the SNR is a ratio of variances"): math.sqrt(a)
        / (math.sqrt(a) + 1 - a),
        tr(" — that is 1 − ᾱ′, the noise variance of the level, not ᾱ′"): (1 - a) ** 2 / (a + (1 - a) ** 2),
    }


@robust_check
def check_bug_noise_level(fn) -> CheckResult:
    """Lesson 08, exercise 1 (derive): ``fn(alpha_bar)`` = the level ᾱ′ of the correct forward process whose input
    the bug's x_t = √ᾱ_t x₀ + (1 − ᾱ_t) ε is, up to a constant factor: the level with the same signal-to-noise ratio,
    ᾱ′/(1 − ᾱ′) = ᾱ_t/(1 − ᾱ_t)², so ᾱ′ = ᾱ_t/(ᾱ_t + (1 − ᾱ_t)²)."""
    for alpha_bar in (0.3, 0.9989, 0.1, 4e-5):
        got, problem = call_answer(fn, alpha_bar, number=True)
        if problem:
            return report(False, problem)
        expected = alpha_bar / (alpha_bar + (1 - alpha_bar) ** 2)
        if close(got, expected, rtol=1e-5, atol=1e-12):
            continue
        hint = which_mistake(got, _bug_level_slips(alpha_bar), rtol=1e-5, atol=1e-12)
        return report(
            False,
            tr(
                "alpha_bar={alpha_bar}: expected {expected:.6g}, got {got:.6g}{hint}",
                alpha_bar=alpha_bar,
                expected=expected,
                got=got,
                hint=hint,
            ),
        )
    return report(
        True,
        tr(
            "ᾱ′ = ᾱ_t/(ᾱ_t + (1 − ᾱ_t)²) ≥ ᾱ_t: the SNR is 1/(1 − ᾱ_t) times too high, so at small t the network "
            "trains on far less noise than the sampler meets"
        ),
    )


class _RecordingEps(torch.nn.Module):
    """A stand-in ε-model for exercise 2: a known prediction that differs at every index, and a record of the
    indices it was asked for."""

    def __init__(self):
        super().__init__()
        self.asked: list[torch.Tensor] = []

    def forward(self, x, t):
        t = torch.as_tensor(t)
        self.asked.append(t.detach().clone())
        shape = (-1,) + (1,) * (x.dim() - 1)
        return torch.tanh(x) * (1 + t.to(x.dtype).reshape(shape) / 500) + 0.3


TRIED = (500, 10, 999, 1, 0)  # code indices exercise 2's check calls the step at: 1 and 0 test the last two steps


def _step_variants(model, x, i, schedule, z) -> dict:
    """Algorithm 2's step at code index ``i`` with each combination of the slips exercise 2 plants:
    (index offset, ε divided by √(1 − ᾱ) or by 1 − ᾱ, z scaled by √β or by β, where noise is added) → x.
    The last key: 0 noise at i > 0 (right), 1 noise at every index, 2 noise only at i > 1 (the paper's "z if t > 1"
    copied onto the 0-based code index)."""
    beta, alpha, alpha_bar = (schedule.betas[i].item(), schedule.alphas[i].item(), schedule.alphas_cumprod[i].item())
    variants = {}
    for offset, root, noise_root, last in itertools.product((0, 1, -1), (True, False), (True, False), (0, 1, 2)):
        with torch.no_grad():
            eps = model(x, torch.full((x.shape[0],), i + offset))
        coefficient = beta / (math.sqrt(1 - alpha_bar) if root else 1 - alpha_bar)
        mean = (x - coefficient * eps) / math.sqrt(alpha)
        sigma = math.sqrt(beta) if noise_root else beta
        noisy = i > (0, -1, 1)[last]
        variants[(offset, root, noise_root, last)] = mean + sigma * z if noisy else mean
    return variants


def _step_symptoms(matched) -> str:
    """What the step's results show, read from the variants they matched ((code index, key) pairs): symptoms only,
    never the corrected line, so that finding the fix stays the learner's work."""
    shifted = sorted((not 0 <= i + key[0] <= 999, i, key[0]) for i, key in matched if key[0])  # out of range first
    symptoms = [
        tr("at code index {i} your step asked the network for index {asked}", i=i, asked=i + offset)
        for _, i, offset in shifted[-1:]
    ]
    if any(not key[1] for _, key in matched):
        symptoms.append(tr("your mean is off by a factor that grows as t → 0 (compare code indices 500 and 10)"))
    if any(not key[2] for _, key in matched):
        symptoms.append(tr("the noise your step adds is smaller than σ_t² = β_t asks for"))
    if any(key[3] == 1 for _, key in matched):
        symptoms.append(tr("your result at code index 0 (the last step) is random: it changes with z"))
    if any(key[3] == 2 for _, key in matched):
        symptoms.append(tr("your result at code index 1 does not change with z: that step adds no noise"))
    return "; ".join(symptoms)


@robust_check
def check_reverse_step(fn) -> CheckResult:
    """Lesson 08, exercise 2 (find the bug): ``fn(model, x, i, schedule, z)`` = one step of DDPM's Algorithm 2 at
    code index ``i`` (0-based) with σ_t² = β_t and the given z: (x − β/√(1 − ᾱ)·ε_θ(x, i))/√α + √β·z, without the
    noise at i = 0. Checked at five indices (1 and 0 among them) with a stand-in model that records the indices it
    is asked for; the feedback names the symptom of every slip the results show, never the fix."""
    from ...schedule import DiffusionSchedule

    schedule = DiffusionSchedule.linear(1000, dtype=torch.float64)
    generator = torch.Generator().manual_seed(8)
    x = torch.randn(6, 1, generator=generator, dtype=torch.float64)
    z = torch.randn(6, 1, generator=generator, dtype=torch.float64)
    matched, unknown = [], None
    for i in TRIED:
        model = _RecordingEps()
        got, problem = call_answer(fn, model, x.clone(), i, schedule, z.clone())
        if problem:
            return report(False, problem)
        got, shape_problem = tensor_answer(got, x, tr("the result"))
        if shape_problem:
            return report(False, tr("{problem}: return a tensor shaped like x", problem=shape_problem))
        variants = _step_variants(_RecordingEps(), x, i, schedule, z)
        key = next((key for key, value in variants.items() if close(got, value, rtol=1e-5, atol=1e-6)), None)
        if key is None and unknown is None:
            asked = sorted({int(v) for t in model.asked for v in torch.as_tensor(t).flatten().tolist()})
            unknown = tr(
                "code index {i}: your result is not Algorithm 2's step (σ_t² = β_t) nor one of the slips this check "
                "knows; your step asked the network for indices {asked}",
                i=i,
                asked=asked,
            )
        matched.append((i, key))
    if unknown is not None:
        return report(False, unknown)
    if all(key == (0, True, True, 0) for _, key in matched):
        return report(
            True,
            tr(
                "x_(t−1) = (x_t − β_t/√(1 − ᾱ_t)·ε_θ(x_t, t))/√α_t + √β_t·z at the code's own index, and no noise at "
                "index 0: none of these slips crashes, each only makes the samples worse"
            ),
        )
    return report(False, tr("tried at code indices 500, 10, 999, 1 and 0: {hint}", hint=_step_symptoms(matched)))


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
