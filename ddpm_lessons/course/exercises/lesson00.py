"""Exercise checks for lesson 00 (start here): each prints ✓ or ✗ with the likely mistake."""

from __future__ import annotations

import math

import torch

from ..language import tr
from .feedback import CheckResult, call_answer, close, report, robust_check, which_mistake

__all__ = ["check_noise_std_at", "check_log_alpha_bar_T", "check_constant_beta_alpha_bar"]


@robust_check
def check_noise_std_at(fn) -> CheckResult:
    """Lesson 00, exercise 1 (find the bug): ``fn(schedule, paper_t)`` = √(1 − ᾱ_t), the standard deviation of the
    noise in x_t at paper step ``paper_t`` (0 … T), with ᾱ_0 = 1 (no noise at step 0)."""
    from ...schedule import DiffusionSchedule

    schedule = DiffusionSchedule.linear(1000, dtype=torch.float64)
    alpha_bar = schedule.alphas_cumprod
    for paper_t in (1, 2, 260, 1000, 0):
        expected = 0.0 if paper_t == 0 else math.sqrt(1 - alpha_bar[paper_t - 1].item())
        got, problem = call_answer(fn, schedule, paper_t, number=True)
        if problem:
            if "IndexError" in problem:
                problem += (
                    tr(" — paper step 0 is the clean data: ᾱ_0 = 1 (schedule.alphas_cumprod_prev[0])")
                    if paper_t == 0
                    else tr(" — paper step t is code index t − 1, so paper step T is the last index")
                )
            return report(False, problem)
        if not close(got, expected, rtol=1e-5, atol=1e-9):
            mistakes = {
                tr(" — index −1 is the last step, ᾱ_T: paper step 0 needs ᾱ_0 = 1, no noise"): math.sqrt(
                    1 - alpha_bar[-1].item()
                ),
            }
            if paper_t < 1000:
                shifted = 1 - alpha_bar[paper_t].item()
                mistakes[tr(" — both bugs are still there: the index and the missing square root")] = shifted
                mistakes[tr(" — off by one: paper step t is code index t − 1")] = math.sqrt(shifted)
            if paper_t > 0:
                mistakes[tr(" — that is the variance 1 − ᾱ_t; the standard deviation is its square root")] = expected**2
                mistakes[tr(" — that is the signal's scale √ᾱ_t; the noise's is √(1 − ᾱ_t)")] = math.sqrt(
                    alpha_bar[paper_t - 1].item()
                )
            hint = which_mistake(got, mistakes, rtol=1e-5, atol=1e-9)
            return report(
                False,
                tr(
                    "paper step {paper_t}: expected {expected:.6g}, got {got:.6g}{hint}",
                    paper_t=paper_t,
                    expected=expected,
                    got=got,
                    hint=hint,
                ),
            )
    return report(True, tr("noise std at paper step t = √(1 − alphas_cumprod[t − 1]), and 0 at step 0"))


# The prediction may use ln(1 − β) ≈ −β: for these schedules that is within 1.4% of the exact sum of logs.
PREDICTION_RTOL = 0.02


@robust_check
def check_log_alpha_bar_T(fn) -> CheckResult:
    """Lesson 00, exercise 2 (predict, then run): ``fn(T, beta_1, beta_T)`` predicts ln ᾱ_T of the linear schedule
    from β_1 to β_T over T steps; the check builds each schedule and compares within 2%."""
    for T, beta_1, beta_T in ((1000, 1e-4, 0.02), (2000, 1e-4, 0.02), (200, 1e-3, 0.04)):
        got, problem = call_answer(fn, T, beta_1, beta_T, number=True)
        if problem:
            return report(False, problem)
        betas = torch.linspace(beta_1, beta_T, T, dtype=torch.float64)
        ran = torch.log1p(-betas).sum().item()  # ln ∏(1 − β) of the schedule itself
        if not close(got, ran, rtol=PREDICTION_RTOL, atol=0):
            mean_beta = (beta_1 + beta_T) / 2
            hint = tr(" — that is ᾱ_T itself; the exercise asks for its logarithm") if 0 < got < 1 else ""
            hint = hint or which_mistake(
                got,
                {
                    tr(" — ᾱ_T < 1, so ln ᾱ_T is negative"): -ran,
                    tr(" — the average β of a linear schedule is (β_1 + β_T)/2: a factor ½ is missing"): -T
                    * 2
                    * mean_beta,
                    tr(" — that uses the largest β at every step; the β rise linearly from β_1"): -T * beta_T,
                    tr(" — that uses the smallest β at every step; the β rise linearly to β_T"): -T * beta_1,
                },
                rtol=1e-3,  # a slip is an exact formula: the tolerance only separates −Tβ_T from −T(β_1 + β_T)
                atol=0,
            )
            return report(
                False,
                tr(
                    "T={T}, beta from {beta_1} to {beta_T}: the schedule gives ln ᾱ_T = {ran:.4g}, your "
                    "prediction {got:.4g}{hint}",
                    T=T,
                    beta_1=beta_1,
                    beta_T=beta_T,
                    ran=ran,
                    got=got,
                    hint=hint,
                ),
            )
    return report(True, tr("ln ᾱ_T ≈ −Σ β_t = −T(β_1 + β_T)/2: twice the steps, ᾱ_T squared"))


@robust_check
def check_constant_beta_alpha_bar(fn) -> CheckResult:
    """Lesson 00, exercise 3 (derive): ``fn(beta, t)`` = ᾱ_t for a schedule with the same β at every step."""
    for beta, t in ((0.02, 1), (0.02, 100), (0.3, 7), (1e-3, 2000)):
        got, problem = call_answer(fn, beta, t, number=True)
        if problem:
            return report(False, problem)
        expected = (1 - beta) ** t
        if not close(got, expected, rtol=1e-5):
            hint = which_mistake(
                got,
                {
                    tr(" — 1 − tβ adds the betas; ᾱ multiplies the alphas α = 1 − β"): 1 - t * beta,
                    tr(" — e^(−tβ) is only the small-β approximation of the exact product"): math.exp(-t * beta),
                    tr(" — that is 1 − β^t; the power applies to α = 1 − β"): 1 - beta**t,
                    tr(" — that is β^t; ᾱ multiplies the alphas α = 1 − β, not the betas"): beta**t,
                },
                rtol=1e-5,
            )
            return report(
                False,
                tr(
                    "beta={beta}, t={t}: expected {expected:.6g}, got {got:.6g}{hint}",
                    beta=beta,
                    t=t,
                    expected=expected,
                    got=got,
                    hint=hint,
                ),
            )
    return report(True, tr("ᾱ_t = ∏ (1 − β) = (1 − β)^t"))
