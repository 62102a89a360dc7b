"""Exercise checks for lesson 11 (the design space: targets as loss weightings, EDM's preconditioning, solvers and
schedules): each prints ✓ or ✗ with the likely mistake."""

from __future__ import annotations

import math

import torch

from ...data import eight_gaussians
from ...edm import preconditioning
from ..language import tr
from .feedback import CheckResult, call_answer, close, report, robust_check, which_mistake

__all__ = ["check_score_weight", "check_target_variance_prediction"]

# SNRs the score weight is evaluated at: from nearly pure noise to nearly clean data (SNR and 1 + SNR differ most at
# small SNR, 1 + SNR and its square at large)
SNRS = (1e-3, 0.05, 0.7, 1.0, 4.0, 150.0)


@robust_check
def check_score_weight(fn) -> CheckResult:
    """Lesson 11, exercise 1 (derive): ``fn(snr)`` = the weight w(SNR) with ‖ŝ − s‖² = w ‖ε̂ − ε‖² for the score
    target s = ∇log q(x_t | x₀) = −ε/√(1 − ᾱ) of denoising score matching: 1/(1 − ᾱ) = 1 + SNR (Song et al. 2021's
    weight 1 − ᾱ undoes it)."""
    for snr in SNRS:
        got, problem = call_answer(fn, snr, number=True)
        if problem:
            return report(False, problem)
        expected = 1 + snr
        if close(got, expected, rtol=1e-6, atol=1e-12):  # float32 answers pass too
            continue
        wrong = {
            tr("that is x₀'s weight 1/SNR: the score divides ε by √(1 − ᾱ), which blows up the clean levels' errors"): 1
            / snr,
            tr("that is v's weight 1 + 1/SNR, upside down: 1/(1 − ᾱ) = 1 + SNR, not 1/ᾱ"): 1 + 1 / snr,
            tr("that is the weight of the root mean square, not of the squared error: square 1/√(1 − ᾱ)"): math.sqrt(
                1 + snr
            ),
            tr("that divides ε by (1 − ᾱ), not by √(1 − ᾱ): the score is −ε/√(1 − ᾱ) (lesson 09a's common slip)"): (
                1 + snr
            )
            ** 2,
            tr("that is SNR = ᾱ/(1 − ᾱ); the weight is 1/(1 − ᾱ) = (1 − ᾱ + ᾱ)/(1 − ᾱ) = 1 + SNR"): snr,
            tr("that is 1 − ᾱ, upside down: ŝ − s = −(ε̂ − ε)/√(1 − ᾱ), so the weight is 1/(1 − ᾱ)"): 1 / (1 + snr),
        }
        hint = which_mistake(
            got, wrong, tr("at SNR = {snr:g} expected 1 + SNR = {expected:.6g}", snr=snr, expected=expected)
        )
        return report(False, hint)
    return report(
        True,
        tr(
            "‖ŝ − s‖² = ‖ε̂ − ε‖²/(1 − ᾱ) = (1 + SNR) ‖ε̂ − ε‖²: Song et al.'s weight 1 − ᾱ turns the score loss back "
            "into the ε-MSE"
        ),
    )


@robust_check
def check_target_variance_prediction(fn) -> CheckResult:
    """Lesson 11, exercise 2 (predict, then run): ``fn(limit)`` returns the predicted Var[F_target] per coordinate for
    ``limit`` "large" (σ → ∞) and "small" (σ → 0) when EDM's σ_data = 0.5 (Karras et al. 2022, Table 1) is used on the
    eight Gaussians, whose own σ_d is larger. The check measures it on 200,000 draws with
    :func:`ddpm_lessons.edm.preconditioning` and compares: σ_d²/0.5² and 1 (line 4 of the lesson's derivation)."""
    measured, sigma_true = measured_target_variances()
    answers = {}
    for limit in LIMITS:
        got, problem = call_answer(fn, limit, number=True)
        if problem:
            return report(False, problem)
        answers[limit] = got
    run = tr(
        "measured with edm.preconditioning(σ, 0.5) on 200,000 draws (σ_d = {sigma:.3f}): Var[F_target] = {large:.3f} at "
        "σ = {big:g}, {small:.3f} at σ = {tiny:g}",
        sigma=sigma_true,
        large=measured["large"],
        small=measured["small"],
        big=LIMITS["large"],
        tiny=LIMITS["small"],
    )
    for limit in LIMITS:
        if close(answers[limit], measured[limit], rtol=0.02, atol=0.0):
            continue
        wrong = _slips(sigma_true)[limit]
        expected = {
            "large": tr("as σ → ∞, c_skip → 0 and c_out → 0.5, so F_target → x₀/0.5: Var = σ_d²/0.5²"),
            "small": tr("as σ → 0, c_skip → 1 and c_out → σ, so F_target → −n: Var = 1"),
        }[limit]
        hint = which_mistake(answers[limit], wrong, expected, rtol=0.02, atol=0.0)
        return report(
            False, tr("{hint}. {run}; predicted {predicted:.3g}", hint=hint, run=run, predicted=answers[limit])
        )
    return report(
        True,
        tr(
            "{run}. The noise side keeps unit variance whatever σ_data is; the data side is off by σ_d²/σ_data² = "
            "{ratio:.2f}, so F must output values {root:.2f} times larger than the preconditioning planned",
            run=run,
            ratio=sigma_true**2 / 0.25,
            root=sigma_true / 0.5,
        ),
    )


# the two noise levels standing for σ → ∞ and σ → 0 (their distance from the limits is far below the check's 2 %)
LIMITS = {"large": 1e4, "small": 1e-4}


def measured_target_variances() -> tuple[dict[str, float], float]:
    """Var[F_target] per coordinate at LIMITS with σ_data = 0.5, on 200,000 centred draws of the eight Gaussians
    (seed 2, as in the lesson's section 2), and their own σ_d."""
    g = torch.Generator().manual_seed(2)
    mixture = eight_gaussians()
    x0 = mixture.sample(200_000, generator=g).double()
    x0 = x0 - x0.mean(0)
    n = torch.randn(x0.shape, dtype=torch.float64, generator=g)
    measured = {}
    for limit, sigma in LIMITS.items():
        c = preconditioning(sigma, 0.5)
        target = (x0 - c.c_skip * (x0 + sigma * n)) / c.c_out  # what D = x₀ asks of F
        measured[limit] = target.var(0).mean().item()
    return measured, x0.var(0).mean().sqrt().item()


def _slips(sigma_true: float) -> dict[str, dict[str, float]]:
    """the likely wrong predictions for each limit, with the message that names each"""
    return {
        "large": {
            tr("that is σ_d/0.5, not squared: a variance scales with the square of the data's scale"): sigma_true / 0.5,
            tr("preconditioning normalises only when σ_data is the data's own: at large σ F_target is x₀/0.5"): 1.0,
            tr("that is σ_d² alone: divide by c_out² → 0.5² (F_target → x₀/c_out)"): sigma_true**2,
            tr("that is 0.5²/σ_d², upside down: F_target → x₀/0.5 has variance σ_d²/0.5²"): 0.25 / sigma_true**2,
        },
        "small": {
            tr("at small σ F_target → −n, the noise, whatever σ_data is: the mismatch shows only on the data side"): (
                sigma_true**2 / 0.25
            ),
            tr("F_target does not vanish: c_out → σ shrinks with the noise it divides"): 0.0,
        },
    }
