"""Exercise checks for lesson 11 (the design space: targets as loss weightings, EDM's preconditioning, solvers and
schedules): each prints ✓ or ✗ with the likely mistake."""

from __future__ import annotations

import math

from ...edm import preconditioning
from ..language import tr
from .feedback import CheckResult, call_answer, close, report, robust_check, which_mistake

__all__ = ["check_score_weight", "check_c_skip_prediction"]

# SNRs the score weight is evaluated at: from nearly pure noise to nearly clean data (SNR and 1 + SNR differ most at
# small SNR, 1 + SNR and its square at large)
SNRS = (1e-3, 0.05, 0.7, 1.0, 4.0, 150.0)
# σ_data values the c_skip prediction is compared at: the answer does not depend on it
SIGMA_DATAS = (0.5, 1.0, 2.0)


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
def check_c_skip_prediction(fn) -> CheckResult:
    """Lesson 11, exercise 2 (predict, then run): ``fn()`` returns the predicted c_skip at σ = σ_data. The check
    computes it with :func:`ddpm_lessons.edm.preconditioning` for three σ_data (always ½) and compares."""
    predicted, problem = call_answer(fn, number=True)
    if problem:
        return report(False, problem)
    measured = [float(preconditioning(s, s).c_skip) for s in SIGMA_DATAS]
    run = tr(
        "edm.preconditioning at σ = σ_data for σ_data = 0.5, 1 and 2: c_skip = {values}",
        values=", ".join(f"{m:.3f}" for m in measured),
    )
    if all(close(predicted, m, rtol=1e-3, atol=1e-3) for m in measured):
        return report(
            True,
            tr(
                "{run}; predicted {predicted:.3g}. σ_d²/(σ² + σ_d²) = ½ at σ = σ_d, whatever σ_d is: the denoiser keeps half "
                "of its input and the network supplies the rest",
                run=run,
                predicted=predicted,
            ),
        )
    wrong = {
        tr("1 is the limit σ → 0 (clean input, D returns it); at σ = σ_d the noise is as large as the signal"): 1.0,
        tr("0 is the limit σ → ∞ (pure noise, D ignores it)"): 0.0,
        tr("1/√2 is c_out/σ_d and c_in·σ_d at σ = σ_d; c_skip = σ_d²/(σ² + σ_d²) has no square root"): 1 / math.sqrt(2),
    }
    hint = which_mistake(predicted, wrong, tr("c_skip = σ_d²/(σ² + σ_d²): put σ = σ_d"), rtol=1e-3, atol=1e-3)
    return report(False, tr("{hint}. {run}; predicted {predicted:.3g}", hint=hint, run=run, predicted=predicted))
