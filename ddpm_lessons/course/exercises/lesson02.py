"""Exercise checks for lesson 02 (the forward process): each prints ✓ or ✗ with the likely mistake."""

from __future__ import annotations

import math

import torch

from ..language import tr
from .feedback import CheckResult, call_answer, close, number_answer, report, robust_check, which_mistake

__all__ = ["check_chain_coefficients", "check_finds_bug", "check_equal_power_step", "check_forward_jump"]


def _scale_and_variance(got):
    """(scale, variance, None) for a pair of single numbers, else (None, None, message)."""
    try:
        scale, variance = got
    except (TypeError, ValueError):
        return None, None, tr("return a pair (scale, variance); got {kind}", kind=type(got).__name__)
    (scale, problem_scale), (variance, problem_var) = number_answer(scale, "scale"), number_answer(variance)
    if problem_scale or problem_var:
        return None, None, problem_scale or tr("the variance: {problem}", problem=problem_var)
    return scale, variance, None


def _chain_cases():
    """(a, b) per-step coefficients: random points, and the DDPM step a = √α, b = √(1 − α) of the linear schedule."""
    g = torch.Generator().manual_seed(2)
    for n in (3, 7, 2):
        yield (
            0.5 + 0.6 * torch.rand(n, generator=g, dtype=torch.float64),
            0.05 + 0.75 * torch.rand(n, generator=g, dtype=torch.float64),
        )
    betas = torch.linspace(1e-4, 0.02, 1000, dtype=torch.float64)[:100]
    yield (1 - betas).sqrt(), betas.sqrt()


def _later_products(a: torch.Tensor) -> torch.Tensor:
    """∏_{r>s} a_r for every step s (1 for the last step)."""
    return torch.cat([torch.flip(torch.cumprod(torch.flip(a[1:], [0]), 0), [0]), a.new_ones(1)])


def _chain_scale_problem(scale, a, where):
    """What is wrong with the chain's scale (with the likely slip), or None when it is ∏ a_s."""
    expected = a.prod().item()
    if close(scale, expected, rtol=1e-5):
        return None
    hint = which_mistake(
        scale,
        {
            tr(" — the squares belong to the variance; the scale is the product of the a's"): expected**2,
            tr(" — the scales multiply, step after step; they do not add"): a.sum().item(),
        },
        rtol=1e-5,
    )
    return tr(
        "{where}: scale expected {expected:.6g}, got {got:.6g}{hint}",
        where=where,
        expected=expected,
        got=scale,
        hint=hint,
    )


def _chain_variance_problem(variance, a, b, where):
    """What is wrong with the chain's variance (with the likely slip), or None when it is Σ b_s² ∏_{r>s} a_r²."""
    later = _later_products(a)
    expected = (b**2 * later**2).sum().item()
    if close(variance, expected, rtol=1e-5):
        return None
    hint = which_mistake(
        variance,
        {
            tr(" — the noise added at step s is shrunk by every later step: multiply b_s² by a_r² for r > s"): (b**2)
            .sum()
            .item(),
            tr(" — 1 − ∏a² holds only for DDPM's choice b² = 1 − a²; here the b's are free"): 1 - a.prod().item() ** 2,
            tr(" — a step's own a does not shrink its own noise: only a_{s+1} … a_t act on b_s·ε_s"): (
                b**2 * (later * a) ** 2
            )
            .sum()
            .item(),
            tr(" — that is the standard deviation; the exercise asks for the variance"): math.sqrt(expected),
        },
        rtol=1e-5,
    )
    return tr(
        "{where}: variance expected {expected:.6g}, got {got:.6g}{hint}",
        where=where,
        expected=expected,
        got=variance,
        hint=hint,
    )


@robust_check
def check_chain_coefficients(fn) -> CheckResult:
    """Lesson 02, exercise 1 (derive): ``fn(a, b)`` = (scale, variance) of x_t given x_0 for the chain
    x_s = a_s·x_{s−1} + b_s·ε_s (s = 1 … t, independent ε_s): scale = ∏ a_s, variance = Σ_s b_s² ∏_{r>s} a_r²."""
    for a, b in _chain_cases():
        got, problem = call_answer(fn, a.clone(), b.clone())
        if problem:
            return report(False, problem)
        scale, variance, problem = _scale_and_variance(got)
        if problem:
            return report(False, problem)
        where = tr("for t = {n} steps", n=len(a))
        wrong = _chain_scale_problem(scale, a, where) or _chain_variance_problem(variance, a, b, where)
        if wrong:
            return report(False, wrong)
    return report(True, tr("scale ∏ a_s, variance Σ b_s² ∏_{r>s} a_r²: with a = √α, b = √(1 − α) it is 1 − ᾱ_t"))


def _closed_form_right(x0, alpha_bar_t, generator):
    noise = torch.randn(x0.shape, generator=generator, dtype=x0.dtype)
    return alpha_bar_t**0.5 * x0 + (1 - alpha_bar_t) ** 0.5 * noise


def _closed_form_right_other_noise(x0, alpha_bar_t, generator):
    noise = -torch.randn(x0.shape, generator=generator, dtype=x0.dtype)  # −ε is N(0, 1) as well
    return alpha_bar_t**0.5 * x0 + (1 - alpha_bar_t) ** 0.5 * noise


def _closed_form_noise_not_sqrt(x0, alpha_bar_t, generator):
    noise = torch.randn(x0.shape, generator=generator, dtype=x0.dtype)
    return alpha_bar_t**0.5 * x0 + (1 - alpha_bar_t) * noise


def _closed_form_signal_not_sqrt(x0, alpha_bar_t, generator):
    noise = torch.randn(x0.shape, generator=generator, dtype=x0.dtype)
    return alpha_bar_t * x0 + (1 - alpha_bar_t) ** 0.5 * noise


def _closed_form_swapped(x0, alpha_bar_t, generator):
    noise = torch.randn(x0.shape, generator=generator, dtype=x0.dtype)
    return (1 - alpha_bar_t) ** 0.5 * x0 + alpha_bar_t**0.5 * noise


def _verdict(fn, closed_form):
    """(True/False, None) for what the learner's measurement says about ``closed_form``, or (None, message)."""
    got, problem = call_answer(fn, closed_form)
    if problem:
        return None, problem
    if isinstance(got, torch.Tensor) and got.dtype == torch.bool and got.numel() == 1:
        got = bool(got.item())
    elif type(got).__name__ == "bool_":  # a NumPy bool
        got = bool(got)
    if not isinstance(got, bool):
        return None, tr(
            "{name} must return True (a bug found) or False, got {kind}", name=fn.__name__, kind=type(got).__name__
        )
    return got, None


@robust_check
def check_finds_bug(fn) -> CheckResult:
    """Lesson 02, exercise 2 (design a measurement): ``fn(closed_form)`` returns True when ``closed_form(x0,
    alpha_bar_t, generator)`` — which draws its own noise — is not the closed form, False when it is. The check
    hands it two right implementations (their noises drawn differently) and three wrong ones."""
    for right in (_closed_form_right, _closed_form_right_other_noise):
        verdict, problem = _verdict(fn, right)
        if problem:
            return report(False, problem)
        if verdict:
            return report(
                False,
                tr(
                    "your measurement calls a right closed form wrong (its noise is drawn another way, still N(0, 1)): "
                    "compare statistics of many draws — mean and variance of x_t — within a few standard errors, "
                    "not single draws"
                ),
            )
    for wrong, name in (
        (_closed_form_noise_not_sqrt, tr("the noise scaled by (1 − ᾱ) instead of √(1 − ᾱ)")),
        (_closed_form_signal_not_sqrt, tr("x₀ scaled by ᾱ instead of √ᾱ")),
        (
            _closed_form_swapped,
            tr("the signal and noise scales swapped — at ᾱ = 1/2 they are equal: measure at another ᾱ too"),
        ),
    ):
        verdict, problem = _verdict(fn, wrong)
        if problem:
            return report(False, problem)
        if not verdict:
            return report(False, tr("your measurement misses a wrong closed form: {name}", name=name))
    return report(True, tr("mean √ᾱ·x₀ and variance 1 − ᾱ, measured at more than one ᾱ, expose all three bugs"))


def _jump_scale_problem(scale, a_t, a_s, where):
    """What is wrong with the jump's scale (with the likely slip), or None when it is √(ᾱ_t/ᾱ_s)."""
    expected = math.sqrt(a_t / a_s)
    if close(scale, expected, rtol=1e-5):
        return None
    hint = which_mistake(
        scale,
        {
            tr(" — the signal scale is a square root: √(ᾱ_t/ᾱ_s)"): a_t / a_s,
            tr(" — that is the scale from x₀, √ᾱ_t; from x_s the steps 1 … s are already done"): math.sqrt(a_t),
            tr(" — the ratio is ᾱ_t/ᾱ_s (the steps s+1 … t), not its inverse"): math.sqrt(a_s / a_t),
        },
        rtol=1e-5,
    )
    return tr(
        "{where}: scale expected {expected:.6g}, got {got:.6g}{hint}",
        where=where,
        expected=expected,
        got=scale,
        hint=hint,
    )


def _jump_variance_problem(variance, a_t, a_s, where):
    """What is wrong with the jump's variance (with the likely slip), or None when it is 1 − ᾱ_t/ᾱ_s."""
    expected = 1 - a_t / a_s
    if close(variance, expected, rtol=1e-5):
        return None
    hint = which_mistake(
        variance,
        {
            tr(
                " — variances do not subtract: the jump multiplies the α of steps s+1 … t, so its variance "
                "is 1 − ᾱ_t/ᾱ_s"
            ): a_s - a_t,
            tr(" — that is the variance from x₀, 1 − ᾱ_t"): 1 - a_t,
            tr(" — that is the standard deviation; the variance is 1 − ᾱ_t/ᾱ_s"): math.sqrt(1 - a_t / a_s),
        },
        rtol=1e-5,
    )
    return tr(
        "{where}: variance expected {expected:.6g}, got {got:.6g}{hint}",
        where=where,
        expected=expected,
        got=variance,
        hint=hint,
    )


@robust_check
def check_forward_jump(fn) -> CheckResult:
    """Lesson 02, exercise 4 (derive): ``fn(alpha_bar_t, alpha_bar_s)`` = (scale, variance) of the forward jump
    q(x_t | x_s) = N(scale·x_s, variance) from step s to a later step t, given ᾱ_t and ᾱ_s."""
    for a_t, a_s in ((0.5, 0.9), (0.01, 0.6), (0.897, 0.9999)):
        got, problem = call_answer(fn, a_t, a_s)
        if problem:
            return report(False, problem)
        scale, variance, problem = _scale_and_variance(got)
        if problem:
            return report(False, problem)
        where = f"alpha_bar_t={a_t}, alpha_bar_s={a_s}"
        wrong = _jump_scale_problem(scale, a_t, a_s, where) or _jump_variance_problem(variance, a_t, a_s, where)
        if wrong:
            return report(False, wrong)
    return report(True, tr("q(x_t | x_s) = N(√(ᾱ_t/ᾱ_s)·x_s, 1 − ᾱ_t/ᾱ_s): the closed form restarted at s"))


def _first_step(alpha_bar: torch.Tensor, reached: torch.Tensor) -> int:
    """The first paper step (1 … T) where ``reached`` holds; T + 1 when it never does."""
    hits = reached.nonzero()
    return int(hits[0]) + 1 if len(hits) else len(alpha_bar) + 1


@robust_check
def check_equal_power_step(fn) -> CheckResult:
    """Lesson 02, exercise 3 (predict, then run): ``fn(schedule, m0)`` = the first paper step t at which the noise
    carries half of E[x_t²] for data with E[x_0²] = m0: (1 − ᾱ_t) ≥ ᾱ_t·m0. The check runs it on two schedules."""
    from ...schedule import DiffusionSchedule

    for schedule in (
        DiffusionSchedule.linear(1000, dtype=torch.float64),
        DiffusionSchedule.cosine(1000, dtype=torch.float64),
    ):
        alpha_bar = schedule.alphas_cumprod
        for m0 in (0.4, 1.0, 0.05, 3.0):
            got, problem = call_answer(fn, schedule, m0, number=True)
            if problem:
                return report(False, problem)
            expected = _first_step(alpha_bar, 1 - alpha_bar >= alpha_bar * m0)
            if got != expected:
                hint = which_mistake(
                    got,
                    {
                        tr(" — that is the code index; the exercise asks for the paper step (code index + 1)"): expected
                        - 1,
                        tr(
                            " — that is where ᾱ_t = 1/2, right for E[x₀²] = 1; the signal's part of E[x_t²] is ᾱ_t·m0"
                        ): (_first_step(alpha_bar, alpha_bar <= 0.5)),
                        tr(" — m0 scales the signal's part ᾱ_t·m0, not the noise's 1 − ᾱ_t"): _first_step(
                            alpha_bar, (1 - alpha_bar) * m0 >= alpha_bar
                        ),
                    },
                    rtol=0,
                    atol=0,
                )
                return report(
                    False,
                    tr(
                        "{name} schedule, m0={m0}: the noise first carries half of E[x_t²] at paper step {expected}, "
                        "your prediction {got:g}{hint}",
                        name=schedule.name,
                        m0=m0,
                        expected=expected,
                        got=got,
                        hint=hint,
                    ),
                )
    return report(True, tr("E[x_t²] = ᾱ_t·m0 + (1 − ᾱ_t): the noise's half comes earlier for dimmer data (smaller m0)"))
