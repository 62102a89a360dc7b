"""Exercise checks for lesson 00 (start here): each prints ✓ or ✗ with the likely mistake."""

from __future__ import annotations

import torch

from .feedback import CheckResult, call_answer, report

__all__ = ["check_paper_to_code", "check_alpha_bar_at_paper_step"]


def check_paper_to_code(fn) -> CheckResult:
    """Lesson 00, exercise 1: ``fn(paper_t)`` = the code index of paper step ``paper_t`` (1 … T)."""
    for paper_t in (1, 2, 500, 1000):
        got, problem = call_answer(fn, paper_t)
        if problem:
            return report(False, problem)
        if got != paper_t - 1:
            hint = " — the code counts from 0" if got == paper_t else ""
            return report(False, f"paper step {paper_t} is code index {paper_t - 1}, got {got!r}{hint}")
    return report(True, "code index = paper step − 1")


def check_alpha_bar_at_paper_step(fn) -> CheckResult:
    """Lesson 00, exercise 2: ``fn(schedule, paper_t)`` = ᾱ at paper step ``paper_t`` (0 … T), with ᾱ_0 = 1."""
    from ...schedule import DiffusionSchedule

    schedule = DiffusionSchedule.linear(1000, dtype=torch.float64)
    for paper_t in (0, 1, 2, 500, 1000):
        expected = 1.0 if paper_t == 0 else schedule.alphas_cumprod[paper_t - 1].item()
        got, problem = call_answer(fn, schedule, paper_t, number=True)
        if problem:
            if paper_t == 0 and "IndexError" in problem:
                problem += " — paper step 0 is the clean data: ᾱ_0 = 1 (schedule.alphas_cumprod_prev[0])"
            return report(False, problem)
        if abs(float(got) - expected) > 1e-12:
            hint = ""
            if paper_t < 1000 and abs(float(got) - schedule.alphas_cumprod[paper_t].item()) < 1e-12:
                hint = " — off by one: paper step t is code index t − 1"
            elif paper_t == 0:
                hint = " — ᾱ_0 := 1: no noise has been added yet"
            return report(False, f"paper step {paper_t}: expected {expected:.6g}, got {float(got):.6g}{hint}")
    return report(True, "ᾱ at paper step t is alphas_cumprod[t − 1], and ᾱ_0 = 1")
