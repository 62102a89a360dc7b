"""Lesson 09a's and 09b's exercise checks: they accept the solutions and name the likely mistakes."""

import math

import torch

from ddpm_lessons.course import exercises
from ddpm_lessons.course.exercises import lesson09


def _em_step(x, beta, score, h, z):
    return x - h * (-0.5 * beta * x - beta * score) + math.sqrt(beta) * math.sqrt(h) * z


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


def test_reverse_sde_step(capsys):
    assert exercises.check_reverse_sde_step(_em_step)
    assert exercises.check_reverse_sde_step(lambda x, b, s, h, z: x + h * (0.5 * b * x + b * s) + math.sqrt(b * h) * z)
    assert not exercises.check_reverse_sde_step(
        lambda x, b, s, h, z: x - h * (-0.5 * b * x - b * s) + math.sqrt(b) * h * z
    )
    assert "the bug is still there" in capsys.readouterr().out
    assert not exercises.check_reverse_sde_step(
        lambda x, b, s, h, z: x + h * (-0.5 * b * x - b * s) + math.sqrt(b * h) * z
    )
    assert "dτ = −h" in capsys.readouterr().out
    assert not exercises.check_reverse_sde_step(
        lambda x, b, s, h, z: x - h * (-0.5 * b * x - b * s) + b * math.sqrt(h) * z
    )
    assert "g = √β" in capsys.readouterr().out
    assert not exercises.check_reverse_sde_step(lambda x, b, s, h, z: x + h * 0.5 * b * (x + s) + math.sqrt(b * h) * z)
    assert "probability-flow ODE" in capsys.readouterr().out
    assert not exercises.check_reverse_sde_step(lambda x, b, s, h, z: x - h * (-0.5 * b * x - b * s))
    assert "noise term is missing" in capsys.readouterr().out


def test_the_step_check_agrees_with_the_package():
    """The accepted step is VPSDE.sample's reverse step (the same z, the same h)."""
    from ddpm_lessons import DiffusionSchedule, score

    sde = score.VPSDE.from_schedule(DiffusionSchedule.linear(1000))
    x = torch.randn(6, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    s = torch.randn(6, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    z = torch.randn(6, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    tau, h = 0.6, 0.01
    package = x - h * sde.reverse_drift(x, tau, s) + sde.diffusion(tau) * math.sqrt(h) * z
    assert torch.allclose(_em_step(x, sde.beta(tau), s, h, z), package, atol=1e-12)


def _heun(y, sigma, sigma_next, slope):
    h = sigma_next - sigma
    d = slope(y, sigma)
    return y + h * 0.5 * (d + slope(y + h * d, sigma_next))


def test_heun_step(capsys):
    assert exercises.check_heun_step(_heun)
    # the same step written as the mean of an Euler step and a step with the end slope is accepted too
    assert exercises.check_heun_step(
        lambda y, s, s1, d: 0.5 * (y + (s1 - s) * d(y, s)) + 0.5 * (y + (s1 - s) * d(y + (s1 - s) * d(y, s), s1))
    )
    assert capsys.readouterr().out.startswith("✓")
    slips = {
        "the bug is still there": lambda y, s, s1, d: y + (s1 - s) * d(y + (s1 - s) * d(y, s), s1),
        "Euler (DDIM) step alone": lambda y, s, s1, d: y + (s1 - s) * d(y, s),
        "not their sum": lambda y, s, s1, d: y + (s1 - s) * (d(y, s) + d(y + (s1 - s) * d(y, s), s1)),
        "not at y": lambda y, s, s1, d: y + (s1 - s) * 0.5 * (d(y, s) + d(y, s1)),
        "not at σ": lambda y, s, s1, d: y + (s1 - s) * 0.5 * (d(y, s) + d(y + (s1 - s) * d(y, s), s)),
        "not sigma − sigma_next": lambda y, s, s1, d: y + (s - s1) * 0.5 * (d(y, s) + d(y + (s - s1) * d(y, s), s1)),
    }
    for phrase, wrong in slips.items():
        assert not exercises.check_heun_step(wrong)
        assert phrase in capsys.readouterr().out, phrase


def test_heun_step_accepts_karras_euler_last_step(capsys):
    # Karras et al.'s Alg. 1 takes an Euler step to σ = 0: a step that does so is right, and no checked step ends there
    def karras(y, s, s1, d):
        return y + (s1 - s) * d(y, s) if s1 == 0 else _heun(y, s, s1, d)

    assert exercises.check_heun_step(karras)


def test_heun_factor(capsys):
    assert exercises.check_heun_factor(lambda z: 1 + z + z**2 / 2)
    assert exercises.check_heun_factor(lambda z: 1 + z * (1 + z / 2))  # any form of the polynomial
    assert capsys.readouterr().out.startswith("✓")
    slips = {
        "buggy step's factor": lambda z: 1 + z + z**2,
        "Euler's factor": lambda z: 1 + z,
        "exact e^z": lambda z: math.exp(z),
        "not z²/4": lambda z: 1 + z + z**2 / 4,
    }
    for phrase, wrong in slips.items():
        assert not exercises.check_heun_factor(wrong)
        assert phrase in capsys.readouterr().out, phrase


def test_the_heun_check_agrees_with_the_package():
    """The accepted step is ode.ode_sample's Heun step on a one-step grid (y = x/√ᾱ: x = y/√(1 + σ²))."""
    from ddpm_lessons import ode

    y = torch.randn(6, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(4))
    sigma, sigma_next = 3.0, 1.5

    def slope(y, s):
        return torch.sin(3 * y) + s * y

    def eps(x, s):  # the package solves dy/dσ = ε(x, σ) with x = y/√(1 + σ²)
        return slope(x * math.sqrt(1 + s**2), s)

    x_end = ode.ode_sample(eps, y / math.sqrt(1 + sigma**2), [sigma, sigma_next], method="heun")
    assert torch.allclose(x_end * math.sqrt(1 + sigma_next**2), lesson09.heun_reference(y, sigma, sigma_next, slope))
    assert torch.allclose(_heun(y, sigma, sigma_next, slope), lesson09.heun_reference(y, sigma, sigma_next, slope))
