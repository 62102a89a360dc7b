"""Exercise checks for lesson 09's two parts, 09a (scores, Tweedie and the SDEs) and 09b (the probability-flow ODE,
solvers and flow matching): each prints ✓ or ✗ with the likely mistake."""

from __future__ import annotations

import functools
import math

import torch

from ..language import tr
from .feedback import CheckResult, call_answer, close, report, robust_check, tensor_answer, which_mistake

__all__ = [
    "check_conditional_velocity",
    "check_heun_factor",
    "check_heun_step",
    "check_noise_free_ink",
    "check_injected_noise",
]

# lesson 01's ink drop as lesson 09a runs it backwards (cell "ink after the reverse SDE"): a drop N(m, s0²) spread by
# Brownian motion dx = σ dW for τ ∈ [0, 1] into N(m, s0² + σ²)
INK = {"s0": 0.05, "sigma": 0.5, "m": 0.3, "steps": 500, "points": 20_000, "seed": 8}


def _tensors(seed: int, n: int = 3):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(5, 2, generator=g, dtype=torch.float64) for _ in range(n)]


def _answer(fn, expected, *args, shape_hint: str):
    got, problem = call_answer(fn, *args)
    if problem:
        return None, problem
    got, shape_problem = tensor_answer(got, expected, tr("the result"))
    if shape_problem:
        return None, tr("{problem}: {shape_hint}", problem=shape_problem, shape_hint=shape_hint)
    return got, None


# Gaussian paths x = a x₀ + b ε for the conditional-velocity check: (kind, time, a, b, a′, b′), straight first (most
# slips show there), then paths on which ε − x₀ is not the velocity: lesson 09a's VP path (β(τ) linear from 0.1 to 20,
# the course's schedule as an SDE), a cosine path and a variance-exploding one (a′ = 0)
def _vp(tau: float, beta_min: float = 0.1, beta_max: float = 20.0):
    beta = beta_min + tau * (beta_max - beta_min)
    ab = math.exp(-beta_min * tau - 0.5 * (beta_max - beta_min) * tau**2)
    # a = √ᾱ, b = √(1 − ᾱ) with dᾱ/dτ = −β ᾱ
    return (
        "vp",
        tau,
        math.sqrt(ab),
        math.sqrt(1 - ab),
        -0.5 * beta * math.sqrt(ab),
        0.5 * beta * ab / math.sqrt(1 - ab),
    )


def _cosine(s: float):
    angle = 0.5 * math.pi * s
    return (
        "cosine",
        s,
        math.cos(angle),
        math.sin(angle),
        -0.5 * math.pi * math.sin(angle),
        0.5 * math.pi * math.cos(angle),
    )


PATHS = (
    ("straight", 0.3, 0.7, 0.3, -1.0, 1.0),
    ("straight", 0.8, 0.2, 0.8, -1.0, 1.0),
    _vp(0.2),
    _vp(0.6),
    _cosine(0.4),
    ("ve", 0.5, 1.0, 1.0, 0.0, 2.0),
)


def _path_name(kind: str, time: float) -> str:
    return {
        "straight": lambda: tr("the straight path at s = {time}", time=time),
        "vp": lambda: tr("lesson 09a's VP path at τ = {time}", time=time),
        "cosine": lambda: tr("the cosine path a = cos(πs/2), b = sin(πs/2) at s = {time}", time=time),
        "ve": lambda: tr("the variance-exploding path a = 1, b = 2s at s = {time}", time=time),
    }[kind]()


@robust_check
def check_conditional_velocity(fn) -> CheckResult:
    """Lesson 09b, exercise 1 (a derivation): ``fn(x, x0, a, b, da, db)`` = u(x | x₀) = a′ x₀ + b′ (x − a x₀)/b, the
    velocity dx_s/ds = a′ x₀ + b′ ε of the Gaussian path x_s = a x₀ + b ε at the point x it passes through (ε
    eliminated: ε = (x − a x₀)/b). On the straight path it is (x − x₀)/s; on the VP path β(ᾱ x − √ᾱ x₀)/(2(1 − ᾱ)),
    the probability-flow velocity of a single data point x₀."""
    x, x0 = _tensors(21, 2)
    for kind, time, a, b, da, db in PATHS:
        eps = (x - a * x0) / b
        expected = da * x0 + db * eps
        got, problem = _answer(
            fn, expected, x.clone(), x0.clone(), a, b, da, db, shape_hint=tr("return a tensor shaped like x")
        )
        if problem:
            return report(False, problem)
        if close(got, expected, rtol=1e-5, atol=1e-6):  # float32 answers pass too
            continue
        wrong = {
            tr(
                "ε − x₀ is the velocity of the straight path only (a′ = −1, b′ = 1); on the path x = a x₀ + b ε it is a′ x₀ + b′ ε"
            ): eps - x0,
            tr(
                "the sign of a′: differentiate a x₀ to a′ x₀ (a′ = da/ds is negative where the signal fades), do not flip it"
            ): -da * x0 + db * eps,
            tr(
                "the overall sign: u = dx_s/ds points from data towards noise, a′ x₀ + b′ ε, not its negative"
            ): -expected,
            tr("ε was not eliminated: it is not x — solve x = a x₀ + b ε for ε = (x − a x₀)/b"): da * x0 + db * x,
            tr("ε = (x − a x₀)/b, not x/b: the a x₀ part of x was left in ε"): da * x0 + db * x / b,
            tr("missing the division by b: ε = (x − a x₀)/b"): da * x0 + db * (x - a * x0),
            tr("a and b are swapped: ε = (x − a x₀)/b, the noise's coefficient is b"): da * x0 + db * (x - b * x0) / a,
            tr("x₀ moves too: dx_s/ds = a′ x₀ + b′ ε, add the a′ x₀ term"): db * eps,
        }
        hint = which_mistake(got, wrong, tr("expected a′ x₀ + b′ (x − a x₀)/b"), rtol=1e-5, atol=1e-6)
        return report(False, tr("{hint} (on {path})", hint=hint, path=_path_name(kind, time)))
    return report(
        True,
        tr(
            "u(x | x₀) = a′ x₀ + b′ (x − a x₀)/b: (x − x₀)/s on the straight path, β(ᾱ x − √ᾱ x₀)/(2(1 − ᾱ)) on the VP "
            "path; averaged over x₀ given x it is the marginal velocity"
        ),
    )


# three slopes d(y, σ) = dy/dσ for the Heun check: two that depend on y and σ first (on a slope without σ, or linear in
# y, several slips coincide with Euler or with the right step), then the lesson's linear test ODE
HEUN_SLOPES = (
    lambda y, sigma: torch.sin(3 * y) + sigma * y,
    lambda y, sigma: 0.3 * y**2 - sigma,
    lambda y, sigma: -0.7 * y,
)
# (σ, σ_next): sampling steps go down in σ. None ends at σ = 0: there Karras et al.'s Alg. 1 (and ode.heun_step) take
# an Euler step, and a learner who writes that special case is right
HEUN_STEPS = ((2.0, 1.2), (0.5, 0.1), (6.0, 4.5))
# z = a·h for the one-step factor on dy/dσ = a y: sampling steps have h < 0, so z of either sign
HEUN_Z = (-0.3, -1.2, 0.7, -2.0)


def heun_reference(y, sigma, sigma_next, slope):
    """One Heun step of dy/dσ = slope(y, σ) (Karras et al. 2022, Alg. 1 with S_churn = 0): the Euler predictor
    ỹ = y + h d(y, σ), then the corrector y + h ½(d(y, σ) + d(ỹ, σ_next)), h = σ_next − σ."""
    h = sigma_next - sigma
    d = slope(y, sigma)
    return y + h * 0.5 * (d + slope(y + h * d, sigma_next))


@robust_check
def check_heun_factor(fn) -> CheckResult:
    """Lesson 09b, exercise 2 (derive): ``fn(z)`` = the factor one Heun step multiplies y by on dy/dσ = a y,
    z = a·h: 1 + z + z²/2, Taylor's e^z to z² (the buggy step's 1 + z + z² is wrong at z²)."""
    for z in HEUN_Z:
        got, problem = call_answer(fn, z, number=True)
        if problem:
            return report(False, problem)
        expected = 1 + z + z * z / 2
        if close(got, expected, rtol=1e-6, atol=1e-9):  # float32 answers pass too
            continue
        wrong = {
            tr("that is the buggy step's factor 1 + z + z²: the end slope alone doubles the z² term"): 1 + z + z * z,
            tr("that is Euler's factor 1 + z: the corrector adds a z² term"): 1 + z,
            tr("that is the exact e^z: one Heun step is a polynomial in z, right only up to z²"): math.exp(z),
            tr("the mean slope is ½(a y + a ỹ) with ỹ = (1 + z) y: the z² term is z²/2, not z²/4"): 1 + z + z * z / 4,
        }
        hint = which_mistake(got, wrong, tr("at z = {z} expected 1 + z + z²/2", z=z), rtol=1e-6, atol=1e-9)
        return report(False, hint)
    return report(True, tr("1 + z + z²/2 agrees with e^z = 1 + z + z²/2 + z³/6 + … up to z²: local error O(h³)"))


@robust_check
def check_heun_step(fn) -> CheckResult:
    """Lesson 09b, exercise 2 (find the bug): ``fn(y, sigma, sigma_next, slope)`` = one Heun step of
    dy/dσ = slope(y, σ) (:func:`heun_reference`); the lesson's buggy step corrects with the end slope alone."""
    (y,) = _tensors(23, 1)
    for number, slope in enumerate(HEUN_SLOPES, 1):
        for sigma, sigma_next in HEUN_STEPS:
            expected = heun_reference(y, sigma, sigma_next, slope)
            got, problem = _answer(
                fn, expected, y.clone(), sigma, sigma_next, slope, shape_hint=tr("return a tensor shaped like y")
            )
            if problem:
                return report(False, problem)
            if close(got, expected, rtol=1e-6, atol=1e-9):
                continue
            h = sigma_next - sigma
            d = slope(y, sigma)
            predicted = y + h * d
            wrong = {
                tr(
                    "the bug is still there: the corrector steps with the mean of the two slopes, ½(d(y, σ) + d(ỹ, σ′)), "
                    "not the end slope alone"
                ): y + h * slope(predicted, sigma_next),
                tr(
                    "that is the Euler (DDIM) step alone: Heun corrects it with the slope at the predicted point"
                ): predicted,
                tr("the mean of the slopes, not their sum: ½(d(y, σ) + d(ỹ, σ′))"): y
                + h * (d + slope(predicted, sigma_next)),
                tr("the end slope is taken at the predicted point ỹ = y + h·d(y, σ), not at y"): y
                + h * 0.5 * (d + slope(y, sigma_next)),
                tr("the end slope is taken at σ′ = sigma_next, the end of the step, not at σ"): y
                + h * 0.5 * (d + slope(predicted, sigma)),
                tr("the step is h = sigma_next − sigma (negative when σ goes down), not sigma − sigma_next"): y
                - h * 0.5 * (slope(y, sigma) + slope(y - h * d, sigma_next)),
            }
            hint = which_mistake(
                got,
                wrong,
                tr(
                    "slope {number}, sigma = {sigma}, sigma_next = {sigma_next}: expected "
                    "y + h·½(d(y, σ) + d(ỹ, σ′)) with ỹ = y + h·d(y, σ)",
                    number=number,
                    sigma=sigma,
                    sigma_next=sigma_next,
                ),
                rtol=1e-6,
                atol=1e-9,
            )
            return report(False, hint)
    return report(
        True,
        tr("y + h·½(d(y, σ) + d(ỹ, σ′)): the mean slope makes the step right to h², so the error falls like h²"),
    )


def noise_free_ink(full_drift: bool = True) -> float:
    """Lesson 01's ink, spread to N(m, s0² + σ²), run back from τ = 1 to 0 by Euler steps of the reverse SDE's drift
    σ² ∇log p_τ *without* its noise term (``full_drift``), or of half that drift (the probability-flow ODE): the
    final standard deviation divided by the drop's s0."""
    s0, sigma, m, steps = INK["s0"], INK["sigma"], INK["m"], INK["steps"]
    g = torch.Generator().manual_seed(INK["seed"])
    ink = m + math.sqrt(s0**2 + sigma**2) * torch.randn(INK["points"], generator=g, dtype=torch.float64)
    h, share = 1 / steps, 1.0 if full_drift else 0.5
    for k in range(steps):
        ink_score = -(ink - m) / (s0**2 + sigma**2 * (1 - k * h))  # the spread cloud's score at τ = 1 − k h
        ink = ink + share * sigma**2 * ink_score * h
    return ink.std().item() / s0


@robust_check
def check_noise_free_ink(fn) -> CheckResult:
    """Lesson 09a, exercise 1 (predict, then run): ``fn()`` returns the predicted ratio (final spread)/s0 of lesson 01's
    ink run back with the reverse SDE's drift σ²∇log p but no noise. The check runs it (:func:`noise_free_ink`) and
    accepts a prediction within 25 % of the run; the exact answer is s0/√(s0² + σ²)."""
    predicted, problem = call_answer(fn, number=True)
    if problem:
        return report(False, problem)
    measured, pf_ode = noise_free_ink(True), noise_free_ink(False)
    run = tr(
        "the run: spread/s0 = {measured:.3f} without the noise (the probability-flow ODE, half the drift: {pf_ode:.3f})",
        measured=measured,
        pf_ode=pf_ode,
    )
    if abs(predicted - measured) <= 0.25 * measured:
        return report(
            True,
            tr(
                "{run}; predicted {predicted:.3g}. Without the noise that spreads it, the whole σ²·score over-gathers the "
                "ink: |x − m| shrinks by s0²/(s0² + σ²), so the spread ends at s0·s0/√(s0² + σ²)",
                run=run,
                predicted=predicted,
            ),
        )
    if 0.8 <= predicted <= 1.25:
        hint = tr(
            "about 1 is what the probability-flow ODE (half the drift) or the SDE with its noise give; dropping the "
            "noise but keeping the whole σ²·score gathers the ink too much"
        )
    elif predicted > 1.25:
        hint = tr("the score points to the centre: the drift gathers the ink, so the spread ends below s0, not above")
    elif predicted <= 0:
        hint = tr("a spread is positive: predict the ratio (final standard deviation)/s0")
    else:
        hint = tr(
            "right direction, wrong amount: solve d|x − m|/dτ = σ²|x − m|/(s0² + σ²τ) from τ = 1 back to 0 — "
            "the distance to the centre is multiplied by s0²/(s0² + σ²)"
        )
    return report(False, tr("{hint}. {run}; predicted {predicted:.3g}", hint=hint, run=run, predicted=predicted))


# The buggy Euler–Maruyama step's noise alone (lesson 09a, exercise 2): Brownian motion dx = g dW for τ ∈ [0, 1] from a
# point, n steps of h = 1/n that add g·h·z instead of g·√h·z. 20,000 walkers: the sample variance's standard error is
# 1 % of it, and every named mistake is ≥ 25 % away at these (n, g).
BUGGY_WALK = {"walkers": 20_000, "seed": 24, "cases": ((10, 0.8), (100, 0.5), (1000, 2.0))}


def buggy_walk_variance(n: int, g: float, seed: int, root: bool = False) -> float:
    """Variance at τ = 1 of ``BUGGY_WALK["walkers"]`` walkers started at 0 that take ``n`` steps x ← x + g·h·z of
    h = 1/n (the bug), or x ← x + g·√h·z with ``root`` (the Euler–Maruyama step)."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.zeros(BUGGY_WALK["walkers"], dtype=torch.float64)
    h = 1 / n
    scale = g * (math.sqrt(h) if root else h)
    for _ in range(n):
        x = x + scale * torch.randn(x.shape, generator=gen, dtype=torch.float64)
    return x.var().item()


@functools.cache  # deterministic, and 10,000 steps take seconds: every ✓ in a session reuses it
def reverse_ink(steps: int, root: bool = True) -> float:
    """Lesson 01's ink, spread to N(m, s0² + σ²), run back from τ = 1 to 0 by ``steps`` Euler–Maruyama steps of the
    reverse-time SDE dx = −σ²∇log p_τ dτ + σ dW̄ (its noise σ·√h·z, or the bug's σ·h·z when ``root`` is False):
    the final standard deviation divided by the drop's s0."""
    s0, sigma, m = INK["s0"], INK["sigma"], INK["m"]
    g = torch.Generator().manual_seed(INK["seed"])
    ink = m + math.sqrt(s0**2 + sigma**2) * torch.randn(INK["points"], generator=g, dtype=torch.float64)
    h = 1 / steps
    noise = sigma * (math.sqrt(h) if root else h)
    for k in range(steps):
        ink_score = -(ink - m) / (s0**2 + sigma**2 * (1 - k * h))  # the spread cloud's score at τ = 1 − k h
        ink = ink + sigma**2 * ink_score * h + noise * torch.randn(ink.shape, generator=g, dtype=torch.float64)
    return ink.std().item() / s0


# the step counts the ✓ message runs: at n = 10 both samplers are set by the last Euler step (its drift shrinks the
# spread by 0.09, and the buggy noise σh happens to equal s0), which no noise formula explains; from n = 100 on, the
# buggy column follows the injected variance σ²/n and the right one Euler's shrinking drift error
REVERSE_STEPS = (100, 1000, 10_000)


def reverse_ink_measurement() -> str:
    """The ✓ line of :func:`check_injected_noise`: the injected variance, the ink's spread/s0 after ``REVERSE_STEPS``
    reverse steps with the buggy and the right noise, and the noise formula's account of the buggy column."""
    s0, sigma = INK["s0"], INK["sigma"]
    limit = s0 / math.sqrt(s0**2 + sigma**2)
    steps = ", ".join(f"{n:,}" for n in REVERSE_STEPS)
    buggy = ", ".join(f"{reverse_ink(n, root=False):.3f}" for n in REVERSE_STEPS)
    right = ", ".join(f"{reverse_ink(n, root=True):.3f}" for n in REVERSE_STEPS)
    # noise injected at τ reaches τ = 0 shrunk by s0²/(s0² + σ²τ) (exercise 1); summing the buggy steps' variances
    # σ²h² so shrunk gives (spread/s0)² ≈ limit² + (1 − limit²)/n, for h small against the score's time scale
    explained = ", ".join(f"{math.sqrt(limit**2 + (1 - limit**2) / n):.3f}" for n in REVERSE_STEPS)
    return tr(
        "n·(g h)² = g²/n → 0, where the right g·√h·z gives n·g²h = g² for every n. The measurement, the ink's "
        "spread/s0 after n = {steps} reverse steps: the buggy sampler {buggy}, the right one {right}. More steps "
        "starve the buggy sampler of noise: it falls to exercise 1's drift without noise, s0/√(s0² + σ²) = "
        "{limit:.4f}, not to 1 — each injected σ²h² reaches τ = 0 shrunk by exercise 1's factor s0²/(s0² + σ²τ), "
        "so (spread/s0)² ≈ {limit:.4f}² + (1 − {limit:.4f}²)/n: {explained}. The right sampler tends to 1. At "
        "n = 100 both also carry Euler's drift error near τ = 0, where the score changes within s0²/σ² = "
        "{scale:.2f} of time",
        steps=steps,
        buggy=buggy,
        right=right,
        limit=limit,
        explained=explained,
        scale=s0**2 / sigma**2,
    )


@robust_check
def check_injected_noise(fn) -> CheckResult:
    """Lesson 09a, exercise 2 (predict, then run): ``fn(n, g)`` predicts the variance at τ = 1 of Brownian motion
    dx = g dW from a point, simulated with the buggy noise g·h·z for n steps of h = 1/n: independent steps add their
    variances, n (g h)² = g²/n → 0 (the right g·√h·z gives n g² h = g²). The check runs the walk
    (:func:`buggy_walk_variance`); on ✓ it runs the buggy reverse sampler on lesson 01's ink (:func:`reverse_ink`)."""
    for number, (n, g) in enumerate(BUGGY_WALK["cases"]):
        got, problem = call_answer(fn, n, g, number=True)
        if problem:
            return report(False, problem)
        ran = buggy_walk_variance(n, g, BUGGY_WALK["seed"] + number)
        tolerance = 5 * ran * math.sqrt(2 / (BUGGY_WALK["walkers"] - 1))
        if abs(got - ran) <= tolerance:
            continue
        h = 1 / n
        hint = which_mistake(
            got,
            {
                tr(" — g² is what the right step g·√h·z gives: with g·h·z each step adds (g h)² = g²h², not g²h"): g**2,
                tr(" — that is one step's variance (g h)²: the n independent steps add their variances"): (g * h) ** 2,
                tr(" — that is a standard deviation; predict the variance"): g / math.sqrt(n),
                tr(" — g·h is one step's standard deviation; the n steps add their variances (g h)²"): g * h,
                tr(" — 0 is the limit n → ∞; with n steps each still adds (g h)²"): 0.0,
            },
            tr(" — each step adds an independent g·h·z; add their variances over the n steps"),
            rtol=0.02,
            atol=1e-12,
        )
        return report(
            False,
            tr(
                "n={n}, g={g}: the walk of {walkers} walkers with the buggy noise ends with variance {ran:.4g} "
                "(± {tolerance:.2g}), your prediction {got:.4g}{hint}",
                n=n,
                g=g,
                walkers=f"{BUGGY_WALK['walkers']:,}",
                ran=ran,
                tolerance=tolerance,
                got=got,
                hint=hint,
            ),
        )
    return report(True, reverse_ink_measurement())
