"""Lesson 09a's and 09b's exercise checks: they accept the solutions and name the likely mistakes."""

import math

import pytest
import torch

from ddpm_lessons.course import exercises
from ddpm_lessons.course.exercises import lesson09


def _u(x, x0, a, b, da, db):
    return da * x0 + db * (x - a * x0) / b


def test_conditional_velocity(capsys):
    assert exercises.check_conditional_velocity(_u)
    # the same velocity with ε written out first, or with the terms regrouped, is accepted too
    assert exercises.check_conditional_velocity(lambda x, x0, a, b, da, db: (db / b) * x + (da - db * a / b) * x0)
    wrong = {
        "straight path only": lambda x, x0, a, b, da, db: (x - a * x0) / b - x0,
        "sign of a′": lambda x, x0, a, b, da, db: -da * x0 + db * (x - a * x0) / b,
        "overall sign": lambda x, x0, a, b, da, db: -_u(x, x0, a, b, da, db),
        "not eliminated": lambda x, x0, a, b, da, db: da * x0 + db * x,
        "not x/b": lambda x, x0, a, b, da, db: da * x0 + db * x / b,
        "division by b": lambda x, x0, a, b, da, db: da * x0 + db * (x - a * x0),
        "swapped": lambda x, x0, a, b, da, db: da * x0 + db * (x - b * x0) / a,
        "moves too": lambda x, x0, a, b, da, db: db * (x - a * x0) / b,
        "expected a′ x₀": lambda x, x0, a, b, da, db: 2 * x - x0,  # no named slip: the general hint
    }
    for words, answer in wrong.items():
        assert not exercises.check_conditional_velocity(answer)
        assert words in capsys.readouterr().out, words


def test_the_straight_path_slip_is_caught_on_the_vp_path(capsys):
    """ε − x₀ is right on the straight path, so the check must go on to a path where it is wrong."""
    assert not exercises.check_conditional_velocity(lambda x, x0, a, b, da, db: (x - a * x0) / b - x0)
    assert "VP path" in capsys.readouterr().out


def test_the_velocity_check_agrees_with_the_package():
    """u(x | x₀) averaged over x₀ given x (x₀ → E[x₀|x], u is linear in x₀) is flow.exact_velocity on the straight
    path and the probability-flow velocity −½β(x + ∇log q) on the VP path, for the eight Gaussians."""
    from ddpm_lessons import DiffusionSchedule, flow, score
    from ddpm_lessons.data import eight_gaussians

    mixture = eight_gaussians()
    sde = score.VPSDE.from_schedule(DiffusionSchedule.linear(1000))
    x = torch.randn(50, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    for s in (0.1, 0.5, 0.9):
        x0_hat = score.posterior_mean(mixture, x, 1 - s, s)
        assert torch.allclose(_u(x, x0_hat, 1 - s, s, -1.0, 1.0), flow.exact_velocity(mixture, x, s), atol=1e-10)
    for tau in (0.1, 0.5, 0.9):
        ab, beta = sde.alpha_bar(tau), sde.beta(tau)
        a, b, da, db = ab**0.5, (1 - ab) ** 0.5, -0.5 * beta * ab**0.5, 0.5 * beta * ab / (1 - ab) ** 0.5
        x0_hat = score.posterior_mean(mixture, x, a, b)
        pf = -0.5 * beta * (x + score.noised_score(mixture, x, ab))
        assert torch.allclose(_u(x, x0_hat, a, b, da, db), pf, atol=1e-8)
    # the check's VP path is the course's schedule as an SDE (β from 0.1 to 20)
    assert abs(sde.beta_min - 0.1) < 1e-9 and abs(sde.beta_max - 20.0) < 1e-9


def test_noise_free_ink(capsys):
    s0, sigma = lesson09.INK["s0"], lesson09.INK["sigma"]
    exact = s0 / math.sqrt(s0**2 + sigma**2)
    assert abs(lesson09.noise_free_ink(True) - exact) < 0.05 * exact  # the run follows the derivation
    assert (
        abs(lesson09.noise_free_ink(False) - 1) < 0.05
    )  # half the drift (the PF-ODE) keeps the spread s0 (Euler, 500 steps)
    assert exercises.check_noise_free_ink(lambda: exact)
    assert capsys.readouterr().out.startswith("✓")
    assert not exercises.check_noise_free_ink(lambda: 1.0)
    assert "probability-flow ODE (half the drift)" in capsys.readouterr().out
    assert not exercises.check_noise_free_ink(lambda: 3.0)
    assert "below s0, not above" in capsys.readouterr().out
    assert not exercises.check_noise_free_ink(lambda: 0.5)
    assert "wrong amount" in capsys.readouterr().out
    assert not exercises.check_noise_free_ink(lambda: -0.1)
    assert "positive" in capsys.readouterr().out


def test_injected_noise(capsys):
    assert exercises.check_injected_noise(lambda n, g: g**2 / n)
    printed = capsys.readouterr().out
    assert printed.startswith("✓") and "the buggy sampler" in printed
    assert exercises.check_injected_noise(lambda n, g: 1.02 * g**2 / n)  # a prediction inside the run's 5 s.e.
    capsys.readouterr()
    for wrong, named in (
        (lambda n, g: g**2, "the right step g·√h·z"),
        (lambda n, g: (g / n) ** 2, "one step's variance"),
        (lambda n, g: g / math.sqrt(n), "standard deviation; predict the variance"),
        (lambda n, g: g / n, "one step's standard deviation"),
        (lambda n, g: 0.0, "the limit n → ∞"),
        (lambda n, g: 1.5 * g**2 / n, "add their variances over the n steps"),
    ):
        assert not exercises.check_injected_noise(wrong)
        assert named in capsys.readouterr().out, named


def test_the_buggy_noise_starves_the_reverse_sampler():
    """The walk follows g²/n (the bug) and g² (the right step); the buggy reverse sampler falls towards the noise-free
    drift's s0/√(s0² + σ²) as n grows, while the right one approaches the drop's spread s0."""
    for n, g in lesson09.BUGGY_WALK["cases"]:
        assert lesson09.buggy_walk_variance(n, g, 0) == pytest.approx(g**2 / n, rel=0.05)
    assert lesson09.buggy_walk_variance(100, 0.5, 0, root=True) == pytest.approx(0.25, rel=0.05)
    s0, sigma = lesson09.INK["s0"], lesson09.INK["sigma"]
    limit = s0 / math.sqrt(s0**2 + sigma**2)
    buggy = [lesson09.reverse_ink(n, root=False) for n in lesson09.REVERSE_STEPS]
    assert buggy[0] > buggy[1] > buggy[2] and abs(buggy[2] - limit) < 0.02 * limit
    # the ✓ message's one-line explanation, (spread/s0)² ≈ limit² + (1 − limit²)/n, holds from n = 1,000 on
    for n, spread in zip(lesson09.REVERSE_STEPS[1:], buggy[1:]):
        assert spread == pytest.approx(math.sqrt(limit**2 + (1 - limit**2) / n), rel=0.02)
    assert abs(lesson09.reverse_ink(lesson09.REVERSE_STEPS[-1], root=True) - 1) < 0.01
