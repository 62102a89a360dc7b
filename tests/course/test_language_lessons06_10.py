"""The checks of lessons 06–10 speak Chinese in the zh edition: each one, given a typical wrong answer after
``set_language("zh")``, prints a ✗ line in Chinese with nothing marked untranslated (course/translations/zh_lesson06.py
… zh_lesson10.py)."""

from __future__ import annotations

import math

import pytest
import torch

from ddpm_lessons.course import exercises
from ddpm_lessons.course.language import UNTRANSLATED, set_language, tr

sqrt = math.sqrt

WRONG_ANSWERS = {
    # lesson 06
    "check_ema_window": lambda decay: decay / (1 - decay),  # the lag, not the variance's window
    "check_fixed_loss": lambda model, schedule, x0, t: torch.tensor(2.0),  # what the lesson's bug scores
    "check_gaussian_loss_floor": lambda a, s2: (1 - a) / (a * s2 + 1 - a),  # the explained part, not the floor
    "check_best_x0_mse": lambda a, s2: (1 - a) / a,  # the x0-error of the answer eps = 0, not of the exact model
    # lessons 07a and 07b
    "check_no_noise_variance": lambda betas, data_var: data_var,  # the data's own variance
    "check_ddim_variance": lambda alpha_bars: 1.0,  # the small-step limit
    "check_diffusers_guidance": lambda model, x, t, labels, s: (
        (1 + s) * model(x, t, labels) - s * model(x, t, 0 * labels)
    ),
    "check_ddim_step_coefficients": lambda ab, ab_prev, sigma: (sqrt(ab_prev), sqrt(1 - ab_prev)),  # a not divided
    # lesson 08
    "check_bug_noise_level": lambda ab: ab,  # the bug's noise taken as variance 1 − ᾱ
    "check_reverse_step": lambda model, x, i, schedule, z: x,  # no step at all
    "check_prior_mismatch_kl": lambda ab, v: 1.0,
    "check_prior_kl_with_mean": lambda ab, m, v: 0.5 * (ab * v - ab - math.log(ab * v + 1 - ab)),  # no mean term
    # lessons 09a and 09b
    "check_conditional_velocity": lambda x, x0, a, b, da, db: (x - a * x0) / b - x0,  # ε − x₀ off the straight path
    "check_noise_free_ink": lambda: 1.0,  # the PF-ODE's spread
    "check_injected_noise": lambda n, g: g**2,  # the right step's variance
    "check_heun_factor": lambda z: 1 + z + z * z,  # the buggy step's factor
    "check_heun_step": lambda y, sigma, sigma_next, slope: y + (sigma_next - sigma) * slope(y, sigma),  # Euler
    "check_capstone": lambda: torch.zeros(100, 2),  # too few samples: the cheapest failing path, no distance computed
}


@pytest.fixture
def chinese():
    set_language("zh")
    yield
    set_language("en")


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("name", sorted(WRONG_ANSWERS))
def test_a_wrong_answer_gets_chinese_feedback(name, chinese, capsys):
    result = getattr(exercises, name)(WRONG_ANSWERS[name])
    printed = capsys.readouterr().out
    assert not result
    assert printed.startswith("✗ "), printed
    assert UNTRANSLATED not in printed, printed
    assert _chinese(printed), printed


def test_every_check_of_lessons_06_to_10_is_covered():
    from ddpm_lessons.course.exercises import lesson06, lesson07, lesson08, lesson09, lesson10

    names = {n for module in (lesson06, lesson07, lesson08, lesson09, lesson10) for n in module.__all__}
    assert {n for n in names if n.startswith("check_")} == set(WRONG_ANSWERS)


def test_the_capstones_distance_message_is_chinese(chinese, capsys):
    """The capstone's main verdict (the mode report), on samples from N(0, I): 500 points keep it quick."""
    samples = torch.randn(500, 2, generator=torch.Generator().manual_seed(3))
    assert not exercises.check_capstone(samples)
    printed = capsys.readouterr().out
    assert printed.startswith("✗ 覆盖了 8 个模式中的") and UNTRANSLATED not in printed, printed
    assert "N(0, I)" in printed


def test_a_template_without_values_keeps_its_braces_in_both_languages(capsys):
    template = " — x̂₀ divides x_t by √ᾱ_t: a is √(ᾱ_{t′}/ᾱ_t), not √ᾱ_{t′}"
    assert tr(template) == template
    set_language("zh")
    try:
        assert tr(template).startswith(" — x̂₀ ") and "√(ᾱ_{t′}/ᾱ_t)" in tr(template) and _chinese(tr(template))
    finally:
        set_language("en")


def test_english_feedback_is_unchanged(capsys):
    """The English notebooks' committed outputs depend on the English text: two messages as they were."""
    exercises.check_ema_window(WRONG_ANSWERS["check_ema_window"])
    exercises.check_capstone(WRONG_ANSWERS["check_capstone"])
    assert capsys.readouterr().out == (
        "✗ decay=0.99: expected 199, got 99 — that is d/(1 − d), the EMA's lag; the exercise asks for the variance's"
        " window\n✗ only 100 samples: draw at least 500 (the distance is too noisy below)\n"
    )


def test_a_wrongly_shaped_result_is_named_in_chinese(chinese, capsys):
    """The shared shape message (exercises/feedback.py) names the learner's result in Chinese too."""
    assert not exercises.check_diffusers_guidance(lambda model, x, t, labels, s: x[0])
    printed = capsys.readouterr().out
    assert "result" not in printed and UNTRANSLATED not in printed and "x_t" in printed, printed
