"""Lesson 10's capstone check: correct samples pass (fresh data, the package's DDPM sampler with the exact ε*), the
named mistakes fail with their hint, and nothing an answer does makes the check raise."""

import math

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
    """The package's own DDPM sampler (Algorithm 2) driven by the exact ε* of the capstone's mixture (lesson 09a)."""
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


def _ring(n=1000, seed=2):
    """Points on the modes' circle with the modes' radial spread: the right scale and radius, no modes."""
    g = torch.Generator().manual_seed(seed)
    angle, radius = 2 * math.pi * torch.rand(n, generator=g), 0.72 + 0.06 * torch.randn(n, generator=g)
    return torch.stack([radius * angle.cos(), radius * angle.sin()], dim=1)


def test_a_ring_fails_on_its_mode_report_though_it_touches_every_mode(capsys):
    assert not check(_ring())
    out = capsys.readouterr().out
    assert out.startswith("✗ 8 of 8 modes covered, weights TV 0.2") and "(needed: every mode and ≤ 0.1)" in out, out
    assert "% of the samples near no mode" in out and "fresh data: " in out, out
    assert check(_ring(), max_tv=0.3)  # the bar is the learner's to relax
    blurred = _data() + 0.3 * torch.randn(1000, 2, generator=torch.Generator().manual_seed(2))
    assert not check(blurred, max_tv=1.0)  # a cloud that misses the modes fails however loose the TV bar
    assert "modes covered" in capsys.readouterr().out


def test_the_bar_is_every_mode_and_a_small_weights_tv(capsys):
    data = _data(1400, 7)
    seven = data[data[:, 0] < 0.5][:1000]  # fresh data without the mode at angle 0: one mode missing
    assert len(seven) == 1000 and not check(seven)
    assert capsys.readouterr().out.startswith("✗ 7 of 8 modes covered")


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
    assert not check(_data(), dataset="moons")  # only the eight Gaussians have a known mixture for the report
    assert "dataset must be one of ['gaussian_mixture']" in capsys.readouterr().out
    assert not check(_data(), scale=-1)
    assert "scale must be a positive number" in capsys.readouterr().out
    for bad in (1.5, -0.1, True, "0.1"):
        assert not check(_data(), max_tv=bad)
        assert "max_tv must be a number in [0, 1]" in capsys.readouterr().out
