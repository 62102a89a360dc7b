"""EDM's preconditioning (Karras et al. 2022, Table 1; issue 22, lesson A): unit-variance input and training target at
every σ, the limits at σ → 0, and σ_data = 1 as v-prediction."""

import math

import pytest
import torch

from ddpm_lessons import InputError, edm

SIGMAS = (0.002, 0.05, 0.5, 1.0, 3.0, 20.0, 80.0)


def _data(n, sigma_data, generator):
    # deliberately not Gaussian: ±0.9 with a uniform spread of ±0.3, Var = 0.81 + 0.3²/3 = 0.84, scaled to σ_data
    sign = torch.randint(0, 2, (n,), generator=generator, dtype=torch.float64) * 2 - 1
    raw = 0.9 * sign + 0.3 * (2 * torch.rand(n, generator=generator, dtype=torch.float64) - 1)
    return sigma_data * raw / math.sqrt(0.84)


@pytest.mark.parametrize("sigma_data", [0.5, 1.0])
def test_the_network_input_and_its_effective_target_have_unit_variance_at_every_sigma(sigma_data):
    g = torch.Generator().manual_seed(0)
    n = 400_000
    x0 = _data(n, sigma_data, g)
    assert x0.std().item() == pytest.approx(sigma_data, rel=0.01)
    tolerance = 5 * math.sqrt(2 / n) * 2  # a few standard errors of a sample variance near 1 (kurtosis allowed)
    for sigma in SIGMAS:
        noise = torch.randn(n, generator=g, dtype=torch.float64)
        y = x0 + sigma * noise
        c = edm.preconditioning(sigma, sigma_data)
        network_input = c.c_in * y
        target = (x0 - c.c_skip * y) / c.c_out  # F's target when D = c_skip y + c_out F is trained towards x0
        assert network_input.var().item() == pytest.approx(1.0, abs=tolerance), sigma
        assert target.var().item() == pytest.approx(1.0, abs=tolerance), sigma
        # c_skip is the choice that makes c_out smallest: any other skip weight needs a larger output scale
        for other in (0.8 * c.c_skip, min(1.0, 1.2 * c.c_skip + 0.01)):
            needed = math.sqrt((1 - other) ** 2 * sigma_data**2 + other**2 * sigma**2)
            assert needed > c.c_out


def test_the_limits_and_c_noise():
    c = edm.preconditioning(0.0)
    assert (c.c_skip, c.c_out, c.c_noise) == (1.0, 0.0, -math.inf)
    assert c.c_in == pytest.approx(1 / edm.SIGMA_DATA)
    small = edm.preconditioning(1e-6)
    assert small.c_skip == pytest.approx(1.0, abs=1e-11) and small.c_out == pytest.approx(1e-6, rel=1e-6)
    large = edm.preconditioning(1e6)
    assert large.c_skip < 1e-12 and large.c_out == pytest.approx(edm.SIGMA_DATA, rel=1e-9)
    assert edm.preconditioning(80.0).c_noise == pytest.approx(math.log(80.0) / 4)


def test_tensors_of_sigma_give_the_same_scalings():
    sigmas = torch.tensor(SIGMAS, dtype=torch.float64)
    got = edm.preconditioning(sigmas, 0.5)
    for i, sigma in enumerate(SIGMAS):
        one = edm.preconditioning(sigma, 0.5)
        for name in edm.EDMScalings._fields:
            assert getattr(got, name)[i].item() == pytest.approx(getattr(one, name), rel=1e-12), name


def test_sigma_data_one_is_v_prediction():
    # σ_data = 1, σ = √((1 − ᾱ)/ᾱ): c_in y = x_t, c_skip = ᾱ, c_out = √(1 − ᾱ), so D = x̂₀ means F = −v
    from ddpm_lessons import score

    g = torch.Generator().manual_seed(1)
    x0, eps = torch.randn(20, 2, dtype=torch.float64, generator=g), torch.randn(20, 2, dtype=torch.float64, generator=g)
    for alpha_bar in (0.02, 0.5, 0.97):
        sigma = math.sqrt((1 - alpha_bar) / alpha_bar)
        x = math.sqrt(alpha_bar) * x0 + math.sqrt(1 - alpha_bar) * eps
        y = x / math.sqrt(alpha_bar)
        c = edm.preconditioning(sigma, 1.0)
        assert torch.allclose(c.c_in * y, x, atol=1e-12)
        f = -score.v_from_eps(x, eps, alpha_bar)
        assert torch.allclose(c.c_skip * y + c.c_out * f, x0, atol=1e-10)


@pytest.mark.parametrize(
    "sigma, sigma_data, parameter",
    [
        (-1.0, 0.5, "sigma"),
        (math.nan, 0.5, "sigma"),
        ("1", 0.5, "sigma"),
        (torch.tensor([1.0, -1.0]), 0.5, "sigma"),
        (1.0, 0.0, "sigma_data"),
        (1.0, -0.5, "sigma_data"),
        (1.0, math.inf, "sigma_data"),
    ],
)
def test_bad_input_is_refused_naming_the_parameter(sigma, sigma_data, parameter):
    with pytest.raises(InputError) as caught:
        edm.preconditioning(sigma, sigma_data)
    assert caught.value.parameter == parameter
