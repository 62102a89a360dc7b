"""Offline data: the seed's photo, toy distributions, the 1-D mixture's density; metrics and plots."""

import math

import matplotlib
import pytest
import torch

matplotlib.use("Agg")

from ddpm_lessons.evaluation.metrics import psnr, psnr_to_rmse, sliced_wasserstein  # noqa: E402
from ddpm_lessons.evaluation.references import data_reference  # noqa: E402


def test_psnr_values():
    ref = torch.zeros(3, 4, 4)
    assert psnr(ref + 0.1, ref).item() == pytest.approx(10 * math.log10(4 / 0.01), rel=1e-6)
    assert psnr(torch.stack([ref + 0.1, ref + 0.2]), ref).shape == (2,)
    assert psnr_to_rmse(25.0) == pytest.approx(0.1125, abs=1e-4)
    with pytest.raises(ValueError, match="reference must have the shape of one example"):
        psnr(torch.zeros(2, 3, 4, 4), torch.zeros(3, 5, 5))


def test_sliced_wasserstein_of_fresh_draws_and_of_a_shift():
    draw = lambda n, seed: torch.randn(n, 2, generator=torch.Generator().manual_seed(seed))  # noqa: E731
    floor = data_reference(sliced_wasserstein, draw, 5000).high  # the largest of 20 fresh pairs
    assert 0 < floor < 0.05
    shifted = sliced_wasserstein(draw(5000, 1), draw(5000, 2) + torch.tensor([0.5, 0.0]))
    # projecting a shift of 0.5 on a random unit direction moves it by 0.5·|cos θ|, on average 0.5·2/π
    assert shifted == pytest.approx(0.5 * 2 / math.pi, abs=3 * floor)
    assert sliced_wasserstein(draw(100, 1), draw(100, 1)) == 0.0


def test_psnr_pairwise_batches():
    x = torch.zeros(4, 3, 8, 8)
    ref = torch.zeros(4, 3, 8, 8) + torch.tensor([0.1, 0.2, 0.1, 0.2]).view(4, 1, 1, 1)
    scores = psnr(x, ref)
    assert scores.shape == (4,) and scores[0] > scores[1]


def test_metric_sizes_have_a_ceiling():
    from ddpm_lessons.validation import InputError

    points = torch.zeros(1000, 2)
    for call, name, words in (
        (lambda: sliced_wasserstein(points, points, n_projections=10**9), "n_projections", "MAX_BATCH"),
        (lambda: sliced_wasserstein(points, points, n_projections=300_000), "n_projections", "MAX_BATCH_VALUES"),
    ):
        with pytest.raises(InputError, match=words) as info:
            call()
        assert info.value.parameter == name
