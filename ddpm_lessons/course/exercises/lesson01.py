"""Exercise checks for lesson 01 (physical diffusion): each prints ✓ or ✗ with the likely mistake."""

from __future__ import annotations

import math

import torch

from ..language import tr
from ..physics import random_walk
from .feedback import CheckResult, call_answer, close, report, robust_check, tensor_answer, which_mistake

__all__ = ["check_mean_distance", "check_settled_mean_square", "check_variance_after", "check_gaussian_score"]


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


@robust_check
def check_variance_after(fn) -> CheckResult:
    """Lesson 01, exercise 3: ``fn(var0, betas)`` = pixel variance after variance-preserving steps with these β."""
    cases = [(0.0, [0.5]), (0.3, [0.1, 0.2, 0.3]), (4.0, [0.02] * 50), (1.0, [0.01, 0.5, 0.9])]
    for var0, betas in cases:
        got, problem = call_answer(fn, var0, list(betas), number=True)
        if problem:
            return report(False, problem)
        expected = var0
        for beta in betas:
            expected = (1 - beta) * expected + beta
        if not close(got, expected, rtol=1e-5):
            return report(
                False,
                tr(
                    "var0={var0}, betas={betas}{more}: expected {expected:.6g}, got {got:.6g} — one step maps v to "
                    "(1 − β)·v + β",
                    var0=var0,
                    betas=betas[:3],
                    more="…" if len(betas) > 3 else "",
                    expected=expected,
                    got=got,
                ),
            )
    return report(True, tr("v ← (1 − β)·v + β: every step pulls the variance towards 1"))


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
