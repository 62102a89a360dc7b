"""Lesson 11's exercise checks: they accept every correct form, name the likely mistakes and never raise."""

import math

import pytest
import torch

from ddpm_lessons import edm
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

    def c_skip_prediction():
        raise NotImplementedError

    assert not exercises.check_score_weight(score_weight)
    assert not exercises.check_c_skip_prediction(c_skip_prediction)
    assert capsys.readouterr().out.count("not implemented yet") == 2


def test_the_c_skip_prediction_is_compared_with_the_run(capsys):
    assert exercises.check_c_skip_prediction(lambda: 0.5)
    assert exercises.check_c_skip_prediction(lambda: torch.tensor(0.5))
    out = capsys.readouterr().out
    assert "0.500, 0.500, 0.500" in out  # the run, at the three σ_data
    assert all(edm.preconditioning(s, s).c_skip == 0.5 for s in lesson11.SIGMA_DATAS)


@pytest.mark.parametrize(
    ("answer", "words"),
    [(1.0, "limit σ → 0"), (0.0, "limit σ → ∞"), (1 / math.sqrt(2), "no square root"), (0.3, "put σ = σ_d")],
)
def test_the_c_skip_prediction_names_the_slip(answer, words, capsys):
    assert not exercises.check_c_skip_prediction(lambda: answer)
    out = capsys.readouterr().out
    assert words in out and "c_skip = 0.500" in out
