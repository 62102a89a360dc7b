"""Exercise checks for lesson 01 (physical diffusion): each prints ✓ or ✗ with the likely mistake."""

from __future__ import annotations

import math

import torch

from ..language import tr
from ..physics import random_walk
from .feedback import CheckResult, call_answer, close, report, robust_check, tensor_answer, which_mistake

__all__ = ["check_mean_distance", "check_settled_mean_square", "check_gap_half_life", "check_gaussian_score"]


# Particles per run when a check compares a prediction with a simulation: the mean distance's standard error is
# then 0.37% of it, so 5 standard errors (1.8%) separate every named mistake (≥ 12% away) from the right answer.
RUN_PARTICLES = 20_000


@robust_check
def check_mean_distance(fn) -> CheckResult:
    """Lesson 01, exercise 1 (predict, then run): ``fn(t, sigma)`` predicts the mean distance a particle has moved
    from its start after ``t`` kicks σ·N(0, I) in the plane, without walls; the check runs the walk and compares."""
    for t, sigma, seed in ((25, 0.03, 21), (100, 0.01, 22), (9, 0.2, 23)):
        got, problem = call_answer(fn, t, sigma, number=True)
        if problem:
            return report(False, problem)
        start = torch.zeros(RUN_PARTICLES, 2, dtype=torch.float64)
        end = random_walk(start, t, sigma, generator=torch.Generator().manual_seed(seed), walls=False)
        distances = end.norm(dim=1)
        ran, tolerance = distances.mean().item(), 5 * distances.std().item() / math.sqrt(RUN_PARTICLES)
        if not abs(got - ran) <= tolerance:
            rayleigh = math.sqrt(math.pi / 2)
            hint = which_mistake(
                got,
                {
                    tr(" — distances of kicks in random directions do not add; their variances do"): t
                    * sigma
                    * rayleigh,
                    tr(" — that is one kick's mean distance; after t kicks each coordinate has variance tσ²"): sigma
                    * rayleigh,
                    tr(" — that is the root-mean-square distance √E|x|²; the mean distance is √(π/2)·σ√t"): sigma
                    * math.sqrt(2 * t),
                    tr(
                        " — σ√t is one coordinate's standard deviation; the mean distance in the plane is √(π/2) times it"
                    ): (sigma * math.sqrt(t)),
                    tr(" — that is the variance of one coordinate, not a distance"): t * sigma**2,
                },
                rtol=0.02,
            )
            return report(
                False,
                tr(
                    "t={t}, sigma={sigma}: the walk of {n} particles moved {ran:.4f} on average (± {tolerance:.4f}), "
                    "your prediction {got:.4f}{hint}",
                    t=t,
                    sigma=sigma,
                    n=f"{RUN_PARTICLES:,}",
                    ran=ran,
                    tolerance=tolerance,
                    got=got,
                    hint=hint,
                ),
            )
    return report(True, tr("mean distance after t kicks = √(π/2)·σ√t: variances add, so the distance grows like √t"))


def _settle(beta: float, m: float = 0.3) -> float:
    """Run the mean-square recursion of the buggy step x ← (1 − β)x + √β ε until it stops moving."""
    for _ in range(200_000):
        m, last = (1 - beta) ** 2 * m + beta, m
        if abs(m - last) < 1e-15:
            break
    return m


@robust_check
def check_settled_mean_square(fn) -> CheckResult:
    """Lesson 01, exercise 2 (find the bug): ``fn(beta)`` predicts where E[x²] settles under the buggy step
    (1 − β)·x + √β·ε repeated with a constant β; the check runs the mean-square recursion until it stops."""
    for beta in (0.02, 0.3, 0.001):
        got, problem = call_answer(fn, beta, number=True)
        if problem:
            return report(False, problem)
        ran = _settle(beta)
        if not close(got, ran, rtol=2e-4):  # 1/(2 − β) in float32 loses ~3e-5 to cancellation
            hint = which_mistake(
                got,
                {
                    tr(" — 1 is where the correct step √(1 − β)·x settles; the bug multiplies x² by (1 − β)²"): 1.0,
                    tr(" — 1/2 is only the small-β limit: solve m = (1 − β)²·m + β exactly"): 0.5,
                    tr(" — that is the standard deviation; the exercise asks for the mean square E[x²]"): math.sqrt(
                        ran
                    ),
                },
                rtol=2e-4,
            )
            return report(
                False,
                tr(
                    "beta={beta}: the buggy step settles at E[x²] = {ran:.6g}, your prediction {got:.6g}{hint}",
                    beta=beta,
                    ran=ran,
                    got=got,
                    hint=hint,
                ),
            )
    return report(True, tr("the buggy step settles at E[x²] = β/(1 − (1 − β)²) = 1/(2 − β) ≈ 1/2, not 1"))


# β at which the half-life is checked: 0.3 and 0.9 separate ln 2/β from ln 2/(−ln(1 − β)) by far more than the
# tolerance; 0.02 is the step of the worked solution, 1e-4 the schedule's first β
HALF_LIFE_BETAS = (0.3, 0.02, 0.9, 1e-4)


def gap_after(m0: float, beta: float, steps: int) -> float:
    """1 − E[x²] after ``steps`` variance-preserving steps with a constant β, run by the recursion m ← (1 − β)m + β."""
    m = m0
    for _ in range(steps):
        m = (1 - beta) * m + beta
    return 1 - m


def half_life_rtol(beta: float) -> float:
    """The relative tolerance of :func:`check_gap_half_life` at ``beta``: float32 stores 1 − β within half an ulp
    below 1 (2⁻²⁵), so a float32 ln(1 − β) is off by up to 2⁻²⁵/β relative (1.7e-4 at β = 1e-4, measured). The
    tolerance is twice that, at least 1e-5; the named slips are still caught at β = 0.3 and 0.02."""
    return max(1e-5, 2**-24 / beta)


@robust_check
def check_gap_half_life(fn) -> CheckResult:
    """Lesson 01, exercise 3 (derive, then predict): ``fn(beta)`` = the number of variance-preserving steps with a
    constant β after which the gap 1 − E[x²] has halved: the gap is multiplied by 1 − β per step, so
    k½ = ln 2 / (−ln(1 − β)), a real number (≈ ln 2/β for a small β)."""
    for beta in HALF_LIFE_BETAS:
        got, problem = call_answer(fn, beta, number=True)
        if problem:
            return report(False, problem)
        expected = math.log(2) / -math.log1p(-beta)
        if close(got, expected, rtol=half_life_rtol(beta)):
            continue
        per_step = -math.log1p(-beta)
        hint = which_mistake(
            got,
            {
                tr(" — ln 2/β uses −ln(1 − β) ≈ β, true only for a small β: the gap is multiplied by exactly 1 − β"): (
                    math.log(2) / beta
                ),
                tr(" — the number of steps is positive: ln(1 − β) < 0, so divide ln 2 by −ln(1 − β)"): -expected,
                tr(" — that is the time for the gap to shrink by a factor e; halving it takes ln 2 times that"): 1
                / per_step,
                tr(" — twice the answer: x is multiplied by √(1 − β), but E[x²] and its gap to 1 by 1 − β per step"): 2
                * expected,
                tr(
                    " — half the answer: (1 − β)² is exercise 2's buggy step; the right step multiplies the gap by 1 − β"
                ): (expected / 2),
                tr(" — a whole number of steps: the half-life is the real number ln 2/(−ln(1 − β))"): math.ceil(
                    expected
                ),
            },
            tr(" — write one step for the gap: 1 − m′ = 1 − (1 − β)m − β; then solve (…)^k = 1/2 for k"),
            rtol=1e-5,
        )
        start, k = 0.3, math.ceil(expected)
        run = tr(
            " (the recursion from E[x²] = {start}: after {k} steps the gap is {share:.3f} of its start)",
            start=start,
            k=k,
            share=gap_after(start, beta, k) / (1 - start),
        )
        return report(
            False,
            tr(
                "beta={beta}: the gap halves after {expected:.6g} steps, your answer {got:.6g}{run}{hint}",
                beta=beta,
                expected=expected,
                got=got,
                run=run,
                hint=hint,
            ),
        )
    return report(
        True,
        tr(
            "1 − m′ = (1 − β)(1 − m): the gap to 1 shrinks by 1 − β per step, from below or from above, and halves "
            "every ln 2/(−ln(1 − β)) ≈ 0.69/β steps ({steps:.1f} at β = 0.02)",
            steps=math.log(2) / -math.log1p(-0.02),
        ),
    )


@robust_check
def check_gaussian_score(fn) -> CheckResult:
    """Lesson 01, exercise 4 (derive): ``fn(x, center, var)`` = ∇ₓ log N(x; center, var·I) for points ``x``
    ``(n, 2)``, a centre ``(2,)`` and a variance per coordinate ``var``: the score that drives the reverse-time
    dynamics."""
    g = torch.Generator().manual_seed(11)
    x = torch.rand(6, 2, generator=g, dtype=torch.float64)
    for center, var in (((0.5, 0.5), 0.01), ((0.2, 0.7), 0.0013)):
        center = torch.tensor(center, dtype=torch.float64)
        got, problem = call_answer(fn, x.clone(), center.clone(), var)
        if problem:
            return report(False, problem)
        expected = -(x - center) / var
        got, problem = tensor_answer(got, expected, tr("the score"))
        if problem:
            return report(False, tr("{problem} (one 2-D vector per point)", problem=problem))
        if not close(got, expected, rtol=1e-5, atol=1e-6):
            hint = which_mistake(
                got,
                {
                    tr("the sign is flipped: the score points towards the centre, where the density is highest"): (
                        x - center
                    )
                    / var,
                    tr("log N has −|x − c|²/(2v); its gradient is −(x − c)/v — the 2 cancels"): -(x - center)
                    / (2 * var),
                    tr("divide by the variance v, not by the standard deviation √v"): -(x - center) / math.sqrt(var),
                    tr("the gradient of −|x − c|²/(2v) still has the 1/v"): -(x - center),
                },
                tr("differentiate log N(x; c, vI) = −|x − c|²/(2v) + const with respect to x"),
                rtol=1e-5,
                atol=1e-6,
            )
            return report(False, tr("var={var}: {hint}", var=var, hint=hint))
    return report(True, tr("∇ log N(x; c, vI) = −(x − c)/v: it points back to the centre, stronger for a tight cloud"))
