"""Lesson 10's capstone check: correct samples pass (fresh data, the package's DDPM sampler with the exact ε*), the
named mistakes fail with their hint, and nothing an answer does makes the check raise."""

import numpy as np
import pytest
import torch

from ddpm_lessons import DiffusionSchedule, sample
from ddpm_lessons.course import exercises
from ddpm_lessons.course.exercises.lesson10 import CAPSTONE_DATA, CAPSTONE_MIN_SAMPLES
from ddpm_lessons.data import eight_gaussians, toy_data
from ddpm_lessons.score import MixtureEps

check = exercises.check_capstone


def _data(n=1000, seed=5):
    name, scale = CAPSTONE_DATA
    return scale * toy_data(name, n, seed=seed)


@pytest.fixture(scope="module")
def package_samples():
    """The package's own DDPM sampler (Algorithm 2) driven by the exact ε* of the capstone's mixture (lesson 09)."""
    torch.set_num_threads(1)
    schedule = DiffusionSchedule.linear(1000)
    mixture = eight_gaussians(radius=0.6 * 1.2, std=0.6 * 0.1)
    return sample(MixtureEps(mixture, schedule), schedule, (1000, 2), seed=3, progress=False)


def test_the_capstone_data_is_lesson_10s():
    assert CAPSTONE_DATA == ("gaussian_mixture", 0.6)


def test_correct_samples_pass(package_samples, capsys):
    assert check(package_samples), capsys.readouterr().out
    assert check(lambda: package_samples), capsys.readouterr().out  # a function returning them works too
    assert check(_data()) and check(_data(2000, 6).double()) and check(_data().numpy()) and check(_data().tolist())
    assert capsys.readouterr().out.count("✓") == 6


@pytest.mark.parametrize(
    "make, hint",
    [
        (lambda x: x.T, "transposed"),
        (lambda x: torch.zeros_like(x) + x.mean(0), "collapsed"),
        (lambda x: torch.randn(x.shape, generator=torch.Generator().manual_seed(1)), "closer to N(0, I)"),
        (lambda x: 1.5 * x, "as wide as the data"),
        (lambda x: 0.6 * x, "only"),
        (lambda x: x + 0.3, "mean is off"),
        (lambda x: x * float("nan"), "nan or inf"),
        (lambda x: torch.cat([x, x[:, :1]], dim=1), "expected (n, 2)"),
        (lambda x: x[: CAPSTONE_MIN_SAMPLES - 1], f"at least {CAPSTONE_MIN_SAMPLES}"),
        (lambda x: None, "forget `return`"),
    ],
    ids=["transposed", "collapsed", "noise", "too wide", "too narrow", "shifted", "nan", "3 columns", "few", "None"],
)
def test_named_mistakes_fail_with_their_hint(make, hint, capsys):
    assert not check(make(_data()))
    out = capsys.readouterr().out
    assert out.startswith("✗ ") and hint in out, out


def test_not_within_the_factor_says_by_how_much(capsys):
    blurred = _data() + 0.3 * torch.randn(1000, 2, generator=torch.Generator().manual_seed(2))
    assert not check(blurred)
    out = capsys.readouterr().out
    assert "× the data floor" in out and "more than the 3× needed" in out, out
    assert check(blurred, factor=100.0)  # the factor is the learner's to relax


@pytest.mark.parametrize(
    "answer",
    [
        0.5,
        "samples",
        {"x": 1},
        object(),
        True,
        1 + 2j,
        torch.zeros(1000, 2, dtype=torch.complex64),
        torch.zeros(1000, 2, device="meta"),
        np.zeros((3, 4, 5)),
        [[1.0], [2.0, 3.0]],
        (v for v in range(3)),
        lambda: (_ for _ in ()).throw(ValueError("mine")),
        lambda: torch.full((1000, 2), float("inf")),
    ],
)
def test_never_raises(answer, capsys):
    result = check(answer)
    out = capsys.readouterr().out
    assert not result and out.startswith("✗ ") and out.count("\n") == 1 and "Traceback" not in out, out


def test_bad_arguments_are_named(capsys):
    assert not check(_data(), dataset="photo")
    assert "dataset must be one of" in capsys.readouterr().out
    assert not check(_data(), scale=-1)
    assert "scale must be a positive number" in capsys.readouterr().out
