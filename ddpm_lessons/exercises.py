"""Automatic checks for the lessons' exercises: ``check_<name>(your_function)`` says what is right or wrong.

Each check calls the learner's function on inputs with known answers, prints ``✓ …`` or ``✗ …`` with a hint
that names the likely mistake, and returns True or False. A function that still raises ``NotImplementedError``
gets a reminder instead of a traceback, so a notebook with unsolved exercises still runs top to bottom.
"""

from __future__ import annotations

import math

import torch

__all__ = ["check_paper_to_code", "check_alpha_bar_at_paper_step", "check_predicted_variance", "check_vp_step",
           "check_variance_after"]


def _report(ok: bool, message: str) -> bool:
    print(("✓ " if ok else "✗ ") + message)
    return ok


def _call(fn, *args):
    """(result, None) or (None, message) when the learner's function is unfinished or crashes."""
    try:
        return fn(*args), None
    except NotImplementedError:
        return None, f"{fn.__name__} is not implemented yet: replace `raise NotImplementedError` with your code"
    except Exception as error:  # the learner sees their own error, briefly
        return None, f"{fn.__name__} raised {type(error).__name__}: {error}"


def check_paper_to_code(fn) -> bool:
    """Lesson 00, exercise 1: ``fn(paper_t)`` = the code index of paper step ``paper_t`` (1 … T)."""
    for paper_t in (1, 2, 500, 1000):
        got, problem = _call(fn, paper_t)
        if problem:
            return _report(False, problem)
        if got != paper_t - 1:
            hint = " — the code counts from 0" if got == paper_t else ""
            return _report(False, f"paper step {paper_t} is code index {paper_t - 1}, got {got!r}{hint}")
    return _report(True, "code index = paper step − 1")


def check_alpha_bar_at_paper_step(fn) -> bool:
    """Lesson 00, exercise 2: ``fn(schedule, paper_t)`` = ᾱ at paper step ``paper_t`` (0 … T), with ᾱ_0 = 1."""
    from .schedule import DiffusionSchedule

    schedule = DiffusionSchedule.linear(1000, dtype=torch.float64)
    for paper_t in (0, 1, 2, 500, 1000):
        expected = 1.0 if paper_t == 0 else schedule.alphas_cumprod[paper_t - 1].item()
        got, problem = _call(fn, schedule, paper_t)
        if problem:
            if paper_t == 0 and "IndexError" in problem:
                problem += " — paper step 0 is the clean data: ᾱ_0 = 1 (schedule.alphas_cumprod_prev[0])"
            return _report(False, problem)
        if abs(float(got) - expected) > 1e-12:
            hint = ""
            if paper_t < 1000 and abs(float(got) - schedule.alphas_cumprod[paper_t].item()) < 1e-12:
                hint = " — off by one: paper step t is code index t − 1"
            elif paper_t == 0:
                hint = " — ᾱ_0 := 1: no noise has been added yet"
            return _report(False, f"paper step {paper_t}: expected {expected:.6g}, got {float(got):.6g}{hint}")
    return _report(True, "ᾱ at paper step t is alphas_cumprod[t − 1], and ᾱ_0 = 1")


def check_predicted_variance(fn) -> bool:
    """Lesson 01, exercise 1: ``fn(t, sigma, var0)`` = variance of one coordinate after t random-walk steps."""
    cases = [(0, 0.1, 0.02), (10, 0.1, 0.0), (250, 0.01, 0.005), (7, 0.3, 1.0)]
    for t, sigma, var0 in cases:
        got, problem = _call(fn, t, sigma, var0)
        if problem:
            return _report(False, problem)
        expected = var0 + t * sigma**2
        if not isinstance(got, (int, float)) and not (isinstance(got, torch.Tensor) and got.numel() == 1):
            return _report(False, f"return a number, got {type(got).__name__}")
        if abs(float(got) - expected) > 1e-9 * max(1.0, expected):
            hint = ""
            if abs(float(got) - (var0 + t * sigma)) < 1e-9:
                hint = " — each step adds the variance σ², not the standard deviation σ"
            elif abs(float(got) - t * sigma**2) < 1e-9:
                hint = " — don't forget the initial spread var0 of the ink drop"
            elif abs(float(got) - (math.sqrt(var0) + math.sqrt(t) * sigma) ** 2) < 1e-9:
                hint = " — independent variances add; standard deviations do not"
            return _report(False, f"for t={t}, sigma={sigma}, var0={var0} expected {expected:.6g}, got {float(got):.6g}{hint}")
    return _report(True, "variances of independent steps add: var0 + t·σ²")


def check_vp_step(fn) -> bool:
    """Lesson 01, exercise 2: ``fn(x, beta, noise)`` = one variance-preserving step √(1 − β) x + √β ε."""
    g = torch.Generator().manual_seed(0)
    x = torch.rand(4, 3, 5, 5, generator=g) * 2 - 1
    noise = torch.randn(x.shape, generator=g)
    for beta in (0.02, 0.3):
        got, problem = _call(fn, x.clone(), beta, noise)
        if problem:
            return _report(False, problem)
        if not isinstance(got, torch.Tensor) or got.shape != x.shape:
            return _report(False, f"return a tensor shaped like x {tuple(x.shape)}")
        expected = math.sqrt(1 - beta) * x + math.sqrt(beta) * noise
        if not torch.allclose(got, expected, atol=1e-6):
            wrong = {
                "the noise is scaled by β instead of √β": math.sqrt(1 - beta) * x + beta * noise,
                "x must shrink by √(1 − β) before the noise is added": x + math.sqrt(beta) * noise,
                "x shrinks by √(1 − β), not by (1 − β)": (1 - beta) * x + math.sqrt(beta) * noise,
                "that is pure addition: nothing keeps the variance bounded": x + noise * beta,
            }
            hint = next((h for h, value in wrong.items() if torch.allclose(got, value, atol=1e-6)), "compare with √(1 − β)·x + √β·ε")
            return _report(False, f"beta={beta}: {hint}")
    return _report(True, "√(1 − β)·x + √β·ε keeps a unit variance unit")


def check_variance_after(fn) -> bool:
    """Lesson 01, exercise 3: ``fn(var0, betas)`` = pixel variance after variance-preserving steps with these β."""
    cases = [(0.0, [0.5]), (0.3, [0.1, 0.2, 0.3]), (4.0, [0.02] * 50), (1.0, [0.01, 0.5, 0.9])]
    for var0, betas in cases:
        got, problem = _call(fn, var0, list(betas))
        if problem:
            return _report(False, problem)
        expected = var0
        for beta in betas:
            expected = (1 - beta) * expected + beta
        if abs(float(got) - expected) > 1e-9:
            return _report(False, f"var0={var0}, betas={betas[:3]}{'…' if len(betas) > 3 else ''}: expected {expected:.6g}, "
                                  f"got {float(got):.6g} — one step maps v to (1 − β)·v + β")
    return _report(True, "v ← (1 − β)·v + β: every step pulls the variance towards 1")
