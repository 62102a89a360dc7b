"""Lesson 09's exercise checks: they accept the solutions and name the likely mistakes."""

import math

from ddpm_lessons.course import exercises


def _euler(x, ab, ab_next, eps):
    sigma, sigma_next = math.sqrt((1 - ab) / ab), math.sqrt((1 - ab_next) / ab_next)
    return math.sqrt(ab_next) * (x / math.sqrt(ab) + (sigma_next - sigma) * eps)


def test_eps_from_score(capsys):
    assert exercises.check_eps_from_score(lambda s, ab: -math.sqrt(1 - ab) * s)
    assert not exercises.check_eps_from_score(lambda s, ab: math.sqrt(1 - ab) * s)
    assert "the sign" in capsys.readouterr().out
    assert not exercises.check_eps_from_score(lambda s, ab: -(1 - ab) * s)
    assert "not by (1 − ᾱ)" in capsys.readouterr().out
    assert not exercises.check_eps_from_score(lambda s, ab: -s / math.sqrt(1 - ab))
    assert "the way back multiplies" in capsys.readouterr().out


def test_reverse_drift(capsys):
    assert exercises.check_reverse_drift(lambda x, b, s: -0.5 * b * x - b * s)
    assert not exercises.check_reverse_drift(lambda x, b, s: -0.5 * b * (x + s))
    assert "probability-flow ODE" in capsys.readouterr().out
    assert not exercises.check_reverse_drift(lambda x, b, s: -0.5 * b * x + b * s)
    assert "minus" in capsys.readouterr().out
    assert not exercises.check_reverse_drift(lambda x, b, s: -0.5 * b * x - math.sqrt(b) * s)
    assert "g² = β" in capsys.readouterr().out


def test_ode_euler_step(capsys):
    assert exercises.check_ode_euler_step(_euler)
    assert not exercises.check_ode_euler_step(lambda x, ab, abn, e: _euler(x, ab, abn, e) / math.sqrt(abn))
    assert "DDPM scale" in capsys.readouterr().out

    def wrong_direction(x, ab, abn, e):
        sigma, sigma_next = math.sqrt((1 - ab) / ab), math.sqrt((1 - abn) / abn)
        return math.sqrt(abn) * (x / math.sqrt(ab) + (sigma - sigma_next) * e)

    assert not exercises.check_ode_euler_step(wrong_direction)
    assert "(σ′ − σ)" in capsys.readouterr().out


def test_the_checks_agree_with_the_package():
    import torch

    from ddpm_lessons import DiffusionSchedule, ddim_step, score

    schedule = DiffusionSchedule.linear(100, dtype=torch.float64)
    x, eps = torch.randn(4, 2, dtype=torch.float64), torch.randn(4, 2, dtype=torch.float64)
    ab, ab_next = schedule.alphas_cumprod[60].item(), schedule.alphas_cumprod[30].item()
    assert torch.allclose(_euler(x, ab, ab_next, eps), ddim_step(schedule, x, 60, 30, eps), atol=1e-12)
    assert torch.allclose(score.eps_from_score(eps, ab), -math.sqrt(1 - ab) * eps)
