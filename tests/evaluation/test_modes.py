"""ddpm_lessons.evaluation.modes: which modes samples found, in what proportions, and how likely they are."""

import math

import pytest
import torch

from ddpm_lessons import InputError
from ddpm_lessons.data import GaussianMixture1D, eight_gaussians
from ddpm_lessons.evaluation.modes import chi2_quantile, mode_report

MIXTURE = eight_gaussians()


@pytest.mark.parametrize("p", [0.5, 0.9, 0.999])
def test_chi2_quantile_closed_forms(p):
    assert chi2_quantile(p, 2) == pytest.approx(-2 * math.log(1 - p), rel=1e-9)  # χ²₂ is exponential with mean 2
    z = torch.special.ndtri(torch.tensor((1 + p) / 2, dtype=torch.float64)).item()
    assert chi2_quantile(p, 1) == pytest.approx(z**2, rel=1e-9)


def test_fresh_data_covers_every_mode_in_proportion():
    n = 4000
    report = mode_report(MIXTURE.sample(n, generator=torch.Generator().manual_seed(1)), MIXTURE, coverage=0.999)
    assert report["modes_covered"] == report["modes"] == 8
    assert sum(report["mode_shares"]) + report["off_mode"] == pytest.approx(1)
    # off_mode counts Binomial(n, 0.001) draws outside their sphere; the modes are far apart, so no sphere catches them
    assert report["off_mode"] <= (0.001 * n + 5 * math.sqrt(0.001 * n)) / n
    # each share has standard error √(π(1 − π)/n) ≈ 0.0052; the TV is at most half of 8 such errors summed
    assert report["weights_tv"] < 0.5 * 8 * 5 * math.sqrt(0.125 * 0.875 / n)
    assert report["nll"] == pytest.approx(report["entropy"], abs=5 * 0.6 / math.sqrt(n) + 5 * report["entropy_error"])


def test_a_structureless_blob_with_the_right_spread_finds_no_mode():
    data = MIXTURE.sample(2000, generator=torch.Generator().manual_seed(2))
    blob = torch.randn(2000, 2, generator=torch.Generator().manual_seed(3)) * data.std(0)
    report = mode_report(blob, MIXTURE)
    assert report["modes_covered"] == 0
    assert report["off_mode"] > 0.5 and report["weights_tv"] == pytest.approx(
        report["off_mode"] + 0.5 * sum(abs(s - 0.125) for s in report["mode_shares"]) - 0.5 * report["off_mode"]
    )
    assert report["nll"] > report["entropy"] + 3


def test_a_collapsed_sampler_covers_one_mode():
    one = MIXTURE.means[2].float() + 0.05 * torch.randn(1000, 2, generator=torch.Generator().manual_seed(4))
    report = mode_report(one, MIXTURE)
    assert report["modes_covered"] == 1 and report["mode_shares"][2] == 1.0
    assert report["weights_tv"] == pytest.approx(7 / 8)


def test_fair_share_decides_coverage():
    # mode 0 gets a quarter of its share: covered at fair_share 0.2, not at 0.5
    g = torch.Generator().manual_seed(5)
    data = MIXTURE.sample(4000, generator=g)
    owner = ((data[:, None].double() - MIXTURE.means[None]) ** 2).sum(-1).argmin(1)
    keep = (owner != 0) | (torch.arange(4000) % 4 == 0)
    assert mode_report(data[keep], MIXTURE, fair_share=0.2)["modes_covered"] == 8
    assert mode_report(data[keep], MIXTURE, fair_share=0.5)["modes_covered"] == 7


def test_one_dimensional_mixture_accepts_both_shapes():
    mixture = GaussianMixture1D()
    x = mixture.sample(3000, generator=torch.Generator().manual_seed(6))
    flat, column = mode_report(x[:, 0], mixture), mode_report(x, mixture)
    assert flat == column and flat["modes_covered"] == 3


@pytest.mark.parametrize(
    "samples, kwargs, parameter",
    [
        (torch.zeros(10, 3), {}, "samples"),
        (torch.zeros(0, 2), {}, "samples"),
        (torch.full((10, 2), math.nan), {}, "samples"),
        ([[0.0, 0.0]], {}, "samples"),
        (torch.zeros(10, 2), {"coverage": 1.0}, "probability"),
        (torch.zeros(10, 2), {"fair_share": 2.0}, "fair_share"),
        (torch.zeros(10, 2), {"entropy_draws": 1}, "entropy_draws"),
    ],
)
def test_bad_arguments_are_named(samples, kwargs, parameter):
    with pytest.raises(InputError) as caught:
        mode_report(samples, MIXTURE, **kwargs)
    assert caught.value.parameter == parameter
