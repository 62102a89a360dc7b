"""Exercise checks for lesson 00 (start here): each prints ✓ or ✗ with the likely mistake."""

from __future__ import annotations

import math

import torch

from ..language import tr
from .feedback import CheckResult, call_answer, close, report, robust_check, which_mistake

__all__ = ["check_paper_to_code", "check_alpha_bar_at_paper_step", "check_constant_beta_alpha_bar"]


@robust_check
def check_paper_to_code(fn) -> CheckResult:
    """Lesson 00, exercise 1: ``fn(paper_t)`` = the code index of paper step ``paper_t`` (1 … T)."""
    for paper_t in (1, 2, 500, 1000):
        got, problem = call_answer(fn, paper_t, number=True)
        if problem:
            return report(False, problem)
        if got != paper_t - 1:
            hint = tr(" — the code counts from 0") if got == paper_t else ""
            return report(
                False,
                tr(
                    "paper step {paper_t} is code index {index}, got {got:g}{hint}",
                    paper_t=paper_t,
                    index=paper_t - 1,
                    got=got,
                    hint=hint,
                ),
            )
    return report(True, tr("code index = paper step − 1"))


@robust_check
def check_alpha_bar_at_paper_step(fn) -> CheckResult:
    """Lesson 00, exercise 2: ``fn(schedule, paper_t)`` = ᾱ at paper step ``paper_t`` (0 … T), with ᾱ_0 = 1."""
    from ...schedule import DiffusionSchedule

    schedule = DiffusionSchedule.linear(1000, dtype=torch.float64)
    for paper_t in (0, 1, 2, 500, 1000):
        expected = 1.0 if paper_t == 0 else schedule.alphas_cumprod[paper_t - 1].item()
        got, problem = call_answer(fn, schedule, paper_t, number=True)
        if problem:
            if paper_t == 0 and "IndexError" in problem:
                problem += tr(" — paper step 0 is the clean data: ᾱ_0 = 1 (schedule.alphas_cumprod_prev[0])")
            return report(False, problem)
        if not close(got, expected, rtol=1e-5):
            hint = ""
            if paper_t < 1000 and close(got, schedule.alphas_cumprod[paper_t].item(), rtol=1e-5):
                hint = tr(" — off by one: paper step t is code index t − 1")
            elif paper_t == 0:
                hint = tr(" — ᾱ_0 := 1: no noise has been added yet")
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
    return report(True, tr("ᾱ at paper step t is alphas_cumprod[t − 1], and ᾱ_0 = 1"))


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
