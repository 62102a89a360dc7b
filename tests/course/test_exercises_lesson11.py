"""Lesson 11's exercise checks: they accept every correct form, name the likely mistakes and never raise."""

import math

import pytest
import torch

from ddpm_lessons.course import exercises
from ddpm_lessons.course.exercises import lesson11


def test_the_score_weight_accepts_every_correct_form(capsys):
    assert exercises.check_score_weight(lambda snr: 1 + snr)
    assert exercises.check_score_weight(lambda snr: 1 / (1 - snr / (1 + snr)))  # 1/(1 − ᾱ) with ᾱ = SNR/(1 + SNR)
    assert exercises.check_score_weight(lambda snr: torch.reciprocal(1 / (1 + snr)))  # written with torch
    assert exercises.check_score_weight(lambda snr: torch.tensor(1 + snr, dtype=torch.float32))  # float32
    assert "1 + SNR" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (lambda snr: 1 / snr, "x₀'s weight"),
        (lambda snr: 1 + 1 / snr, "v's weight"),
        (lambda snr: math.sqrt(1 + snr), "root mean square"),
        (lambda snr: (1 + snr) ** 2, "not by √(1 − ᾱ)"),
        (lambda snr: snr, "that is SNR"),
        (lambda snr: 1 / (1 + snr), "upside down: ŝ − s"),
        (lambda snr: 2.0, "expected 1 + SNR"),  # no named slip: the general hint
    ],
)
def test_the_score_weight_names_the_slip(answer, words, capsys):
    assert not exercises.check_score_weight(answer)
    assert words in capsys.readouterr().out


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (lambda snr: None, "must return a number"),
        (lambda snr: [1.0, 2.0], "must return a number"),
        (lambda snr: 1 / 0, "ZeroDivisionError"),
    ],
)
def test_the_score_weight_check_never_raises_on_an_odd_answer(answer, words, capsys):
    assert not exercises.check_score_weight(answer)
    assert words in capsys.readouterr().out


def test_unfinished_answers_get_a_reminder(capsys):
    def score_weight(snr):
        raise NotImplementedError

    def target_variance_prediction(limit):
        raise NotImplementedError

    assert not exercises.check_score_weight(score_weight)
    assert not exercises.check_target_variance_prediction(target_variance_prediction)
    assert capsys.readouterr().out.count("not implemented yet") == 2


def right(limit):
    return 0.854**2 / 0.5**2 if limit == "large" else 1.0


def test_the_target_variance_prediction_is_compared_with_the_run(capsys):
    assert exercises.check_target_variance_prediction(right)
    assert exercises.check_target_variance_prediction(lambda limit: torch.tensor(right(limit)))
    out = capsys.readouterr().out
    assert "Var[F_target] = 2.92" in out and "1.00" in out  # the run, at both limits


def test_the_measured_variances_match_the_derivation():
    measured, sigma_d = lesson11.measured_target_variances()
    assert math.isclose(sigma_d, 0.854, rel_tol=0.01)
    assert math.isclose(measured["large"], sigma_d**2 / 0.25, rel_tol=1e-3)
    assert math.isclose(measured["small"], 1.0, rel_tol=0.01)


@pytest.mark.parametrize(
    ("large", "small", "words"),
    [
        (0.854 / 0.5, 1.0, "not squared"),
        (1.0, 1.0, "normalises only when"),
        (0.854**2, 1.0, "σ_d² alone"),
        (0.25 / 0.854**2, 1.0, "upside down"),
        (2.0, 1.0, "Var = σ_d²/0.5²"),
        (2.92, 2.92, "whatever σ_data is"),
        (2.92, 0.0, "does not vanish"),
        (2.92, 0.5, "Var = 1"),
    ],
)
def test_the_target_variance_prediction_names_the_slip(large, small, words, capsys):
    assert not exercises.check_target_variance_prediction(lambda limit: large if limit == "large" else small)
    out = capsys.readouterr().out
    assert words in out and "Var[F_target] = 2.92" in out


@pytest.mark.parametrize(("answer", "words"), [(lambda limit: None, "must return a number"), ("0.5", "")])
def test_the_target_variance_check_never_raises_on_an_odd_answer(answer, words, capsys):
    assert not exercises.check_target_variance_prediction(answer)
    assert words in capsys.readouterr().out
