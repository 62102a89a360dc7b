"""ddpm_lessons.evaluation.references: fresh data's level with its spread, and the two ends of the bits/dim scale."""

import math
import statistics

import pytest
import torch

from ddpm_lessons import InputError
from ddpm_lessons.data import GaussianMixture, GaussianMixture1D, eight_gaussians, toy_data
from ddpm_lessons.evaluation.metrics import sliced_wasserstein
from ddpm_lessons.evaluation.references import (
    ReferenceLevel,
    compressed_bits_per_dim,
    data_reference,
    discretized_entropy_bits_per_dim,
    mixture_entropy,
    uniform_bits_per_dim,
)


def draw(n, seed):
    return toy_data("gaussian_mixture", n, seed=seed)


def test_reference_level_statistics_and_phrases():
    level = ReferenceLevel("d", 10, (1.0, 2.0, 3.0, 6.0))
    assert level.mean == statistics.mean(level.values)
    assert level.std == pytest.approx(statistics.stdev(level.values))
    assert (level.low, level.high) == (1.0, 6.0)
    assert level.inside(2.5) and not level.inside(6.5)
    assert level.z(level.mean + 2 * level.std) == pytest.approx(2.0)
    assert level.describe(2.0).startswith("2.000: inside fresh data's range (1.000–6.000 over 4 fresh draws)")
    assert "standard deviations above" in level.describe(20.0)
    assert "standard deviations below" in level.describe(0.0)


def test_data_reference_compares_what_the_model_is_compared_with():
    reference = draw(500, 7)
    level = data_reference(sliced_wasserstein, draw, 500, reference=reference, draws=5, seed=100)
    assert level.values == tuple(sliced_wasserstein(reference, draw(500, 100 + i)) for i in range(5))
    pairs = data_reference(sliced_wasserstein, draw, 500, draws=3, seed=100)
    assert pairs.values[1] == sliced_wasserstein(draw(500, 102), draw(500, 103))
    assert pairs.name == "sliced_wasserstein" and pairs.n == 500


def test_data_reference_separates_a_shifted_model_from_fresh_data():
    reference = draw(1000, 7)
    level = data_reference(sliced_wasserstein, draw, 1000, reference=reference, draws=20)
    shifted = sliced_wasserstein(reference, draw(1000, 1) + 0.3)
    fresh = sliced_wasserstein(reference, draw(1000, 999))
    assert level.z(shifted) > 10 and not level.inside(shifted)
    assert abs(level.z(fresh)) < 5


@pytest.mark.parametrize(
    "kwargs, parameter",
    [({"n": 0}, "n"), ({"draws": 1}, "draws"), ({"seed": -1}, "seed"), ({"draws": 2.5}, "draws")],
)
def test_data_reference_refuses_bad_arguments(kwargs, parameter):
    arguments = {"n": 10, "draws": 3, "seed": 0} | kwargs
    with pytest.raises(InputError) as caught:
        data_reference(sliced_wasserstein, draw, arguments.pop("n"), **arguments)
    assert caught.value.parameter == parameter


def test_data_reference_refuses_non_finite_distances():
    with pytest.raises(InputError, match="non-finite") as caught:
        data_reference(lambda a, b: math.nan, draw, 10, draws=2)
    assert caught.value.parameter == "distance"


def test_uniform_bits_per_dim():
    assert uniform_bits_per_dim() == 8.0 and uniform_bits_per_dim(2) == 1.0
    with pytest.raises(InputError):
        uniform_bits_per_dim(1)


def test_discretized_entropy_limits():
    # all mass inside one bin: zero bits; on the edge between two bins (0 lies between levels 127 and 128 of 256):
    # one bit; an enormous spread: half the mass in each edge bin, one bit per dimension
    level = -1 + 2 * 100 / 255
    assert discretized_entropy_bits_per_dim(GaussianMixture1D((1.0,), (level,), (1e-4,))) == pytest.approx(0, abs=1e-9)
    assert discretized_entropy_bits_per_dim(GaussianMixture1D((1.0,), (0.0,), (1e-4,))) == pytest.approx(1, abs=1e-9)
    assert discretized_entropy_bits_per_dim(GaussianMixture1D((1.0,), (0.0,), (1e6,))) == pytest.approx(1, abs=1e-3)
    # two levels, one at each end: a fair coin per dimension
    assert discretized_entropy_bits_per_dim(GaussianMixture1D((1.0,), (0.0,), (1e-4,)), levels=2) == pytest.approx(1)


@pytest.mark.parametrize("mixture", [GaussianMixture1D(), eight_gaussians(radius=0.7, std=0.1)], ids=["1d", "2d"])
def test_discretized_entropy_matches_the_continuous_limit(mixture):
    # for densities smooth on the bin width Δ and inside [-1, 1]: H_Δ ≈ h / ln 2 − log2 Δ (bits per dimension)
    h, error = mixture_entropy(mixture, 400_000)
    limit = h / math.log(2) - math.log2(2 / 255)
    assert discretized_entropy_bits_per_dim(mixture) == pytest.approx(limit, abs=0.01 + 5 * error / math.log(2))


def test_discretized_entropy_factorizes_over_axes():
    one = discretized_entropy_bits_per_dim(GaussianMixture1D((1.0,), (0.2,), (0.05,)))
    two = discretized_entropy_bits_per_dim(GaussianMixture([1.0], [[0.2, 0.2]], [0.05]))
    assert two == pytest.approx(one, rel=1e-9)


def test_discretized_entropy_refuses_bad_arguments():
    with pytest.raises(InputError) as caught:
        discretized_entropy_bits_per_dim(GaussianMixture([1.0], [[0.0, 0.0, 0.0]], [0.1]))
    assert caught.value.parameter == "mixture"
    with pytest.raises(InputError) as caught:
        discretized_entropy_bits_per_dim(GaussianMixture1D(), low=1.0, high=-1.0)
    assert caught.value.parameter == "high"
    with pytest.raises(InputError) as caught:
        discretized_entropy_bits_per_dim(torch.zeros(3))
    assert caught.value.parameter == "mixture"


@pytest.mark.parametrize("dim", [1, 2])
def test_mixture_entropy_of_one_gaussian_is_the_closed_form(dim):
    s = 0.3
    mixture = GaussianMixture1D((1.0,), (0.1,), (s,)) if dim == 1 else GaussianMixture([1.0], [[0.1, -0.2]], [s])
    estimate, error = mixture_entropy(mixture, 100_000, seed=3)
    assert estimate == pytest.approx(0.5 * math.log(2 * math.pi * math.e * s**2), abs=5 * error)
    assert 0 < error < 0.01


def test_compressed_bits_per_dim_bounds_a_known_entropy_from_above():
    g = torch.Generator().manual_seed(0)
    coin = torch.randint(0, 2, (200, 28, 28), generator=g).float() * 2 - 1  # pixels -1 or 1: exactly 1 bit/dim
    uniform = torch.randint(0, 256, (200, 28, 28), generator=g).float() / 127.5 - 1  # 8 bits/dim
    assert 1.0 <= compressed_bits_per_dim(coin) < 1.4  # bz2 pays about a quarter bit over the entropy here
    assert 8.0 <= compressed_bits_per_dim(uniform) < 8.1
    assert compressed_bits_per_dim(torch.full((200, 28, 28), -1.0)) < 0.01  # a constant has entropy 0
    assert compressed_bits_per_dim(torch.tensor([0, 1, 1, 0]), levels=2, low=0, high=1) > 0


@pytest.mark.parametrize(
    "images, options, parameter",
    [
        (torch.tensor([0.001, 1.0]), {}, "images"),  # off the 8-bit grid
        (torch.tensor([-1.5, 1.0]), {}, "images"),  # below low
        (torch.tensor([float("nan")]), {}, "images"),
        (torch.empty(0), {}, "images"),
        ([0.0, 1.0], {}, "images"),
        (torch.tensor([True]), {}, "images"),
        (torch.zeros(3), {"levels": 1024}, "levels"),
        (torch.zeros(3), {"low": 1.0, "high": 0.0}, "high"),
    ],
)
def test_compressed_bits_per_dim_rejects_bad_input(images, options, parameter):
    with pytest.raises(InputError) as error:
        compressed_bits_per_dim(images, **options)
    assert error.value.parameter == parameter
