"""Lessons 09a and 09b's score module: exact mixture scores against autograd, Tweedie against Bayes, conversions, the VP-SDE."""

import math

import pytest
import torch

from ddpm_lessons import DiffusionSchedule, InputError, sample, score
from ddpm_lessons.data import GaussianMixture, GaussianMixture1D, eight_gaussians, toy_data
from ddpm_lessons.evaluation import data_reference, mode_report, sliced_wasserstein


def _points(n=64, d=2, seed=0, scale=1.5):
    return scale * torch.randn(n, d, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("mixture", [eight_gaussians(), GaussianMixture1D()], ids=["2d", "1d"])
@pytest.mark.parametrize("alpha_bar", [1.0, 0.999, 0.5, 0.01])
def test_exact_score_equals_autograd_of_the_log_density(mixture, alpha_bar):
    x = _points(d=1 if isinstance(mixture, GaussianMixture1D) else 2).requires_grad_(True)
    (grad,) = torch.autograd.grad(score.noised_log_prob(mixture, x, alpha_bar).sum(), x)
    assert torch.allclose(score.noised_score(mixture, x.detach(), alpha_bar), grad, atol=1e-9, rtol=1e-9)


def test_log_density_matches_the_mixture_classes():
    x1 = _points(d=1)
    m1 = GaussianMixture1D()
    assert torch.allclose(score.noised_log_prob(m1, x1, 0.3), m1.noised_log_prob(x1[:, 0], 0.3), atol=1e-12)
    m2 = eight_gaussians()
    x2 = _points()
    assert torch.allclose(score.noised_log_prob(m2, x2, 1.0), m2.log_prob(x2), atol=1e-12)


def test_tweedie_equals_the_componentwise_posterior_mean_and_eps_star():
    mixture, x = eight_gaussians(), _points()
    alpha_bar = torch.linspace(0.01, 0.99, 64, dtype=torch.float64)
    s = score.noised_score(mixture, x, alpha_bar)
    bayes = score.posterior_mean(mixture, x, alpha_bar.sqrt(), (1 - alpha_bar).sqrt())
    assert torch.allclose(score.tweedie_x0(x, s, alpha_bar), bayes, atol=1e-10)
    eps_bayes = (x - alpha_bar.sqrt()[:, None] * bayes) / (1 - alpha_bar).sqrt()[:, None]
    assert torch.allclose(score.optimal_eps(mixture, x, alpha_bar), eps_bayes, atol=1e-10)


def test_a_single_gaussian_has_the_textbook_score():
    gaussian = GaussianMixture([1.0], [[0.5, -0.2]], [0.3])
    x, alpha_bar = _points(), 0.4
    mean, var = math.sqrt(alpha_bar) * torch.tensor([0.5, -0.2], dtype=torch.float64), alpha_bar * 0.09 + 0.6
    assert torch.allclose(score.noised_score(gaussian, x, alpha_bar), (mean - x) / var, atol=1e-12)


def test_conversions_round_trip_to_1e_10():
    g = torch.Generator().manual_seed(1)
    x, eps = torch.randn(50, 3, dtype=torch.float64, generator=g), torch.randn(50, 3, dtype=torch.float64, generator=g)
    for alpha_bar in (torch.rand(50, dtype=torch.float64, generator=g) * 0.98 + 0.01, 0.37):
        s = score.score_from_eps(eps, alpha_bar)
        assert torch.allclose(score.eps_from_score(s, alpha_bar), eps, atol=1e-10, rtol=0)
        x0 = score.x0_from_eps(x, eps, alpha_bar)
        assert torch.allclose(score.eps_from_x0(x, x0, alpha_bar), eps, atol=1e-10, rtol=0)
        assert torch.allclose(score.tweedie_x0(x, s, alpha_bar), x0, atol=1e-10, rtol=0)
        v = score.velocity_from_eps(x, eps, alpha_bar)
        assert torch.allclose(score.eps_from_velocity(x, v, alpha_bar), eps, atol=1e-10, rtol=0)
        assert torch.allclose(v, eps - x0, atol=1e-12)


def test_score_from_eps_divides_by_the_square_root():
    eps = torch.ones(2, 2, dtype=torch.float64)
    assert torch.allclose(score.score_from_eps(eps, 0.75), -eps / 0.5)


def test_conversions_accept_image_batches():
    x = torch.randn(4, 1, 3, 3, dtype=torch.float64)
    eps = torch.randn_like(x)
    alpha_bar = torch.tensor([0.1, 0.5, 0.9, 0.3], dtype=torch.float64)
    back = score.eps_from_x0(x, score.x0_from_eps(x, eps, alpha_bar), alpha_bar)
    assert torch.allclose(back, eps, atol=1e-10)


def test_vp_sde_matches_the_ddpm_chain_better_as_steps_shrink():
    sde = score.VPSDE.from_schedule(DiffusionSchedule.linear(1000))
    assert (sde.beta_min, sde.beta_max) == pytest.approx((0.1, 20.0))
    gaps = []
    for T in (100, 1000, 10_000):
        chain = DiffusionSchedule.linear(T, 0.1 / T, 20 / T, dtype=torch.float64).alphas_cumprod
        gaps.append((chain - sde.alpha_bar(torch.arange(1, T + 1, dtype=torch.float64) / T)).abs().max().item())
    assert gaps[0] > 5 * gaps[1] > 25 * gaps[2]
    assert gaps[1] < 1e-3


def test_drifts():
    sde, x, s = score.VPSDE(), _points(), _points(seed=1)
    beta = sde.beta(0.3)
    assert beta == pytest.approx(0.1 + 0.3 * 19.9)
    assert torch.allclose(sde.reverse_drift(x, 0.3, s), -0.5 * beta * x - beta * s)
    assert torch.allclose(sde.ode_drift(x, 0.3, s), -0.5 * beta * (x + s))
    assert torch.allclose(sde.drift(x, 0.3), -0.5 * beta * x)
    assert sde.diffusion(0.3) == pytest.approx(math.sqrt(beta))


@pytest.mark.slow
def test_reverse_sde_and_ddpm_with_the_exact_score_regenerate_the_mixture():
    torch.set_num_threads(1)
    mixture, n = eight_gaussians(), 1000
    reference = toy_data("gaussian_mixture", n, seed=1)
    level = data_reference(
        sliced_wasserstein, lambda k, seed: toy_data("gaussian_mixture", k, seed=seed), n, reference=reference
    )
    sde = score.VPSDE()
    x_T = torch.randn(n, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    fn = lambda x, tau: score.noised_score(mixture, x, sde.alpha_bar(tau))  # noqa: E731
    for ode in (False, True):
        x = sde.sample(fn, x_T, 300, ode=ode, generator=torch.Generator().manual_seed(3))
        # 300 steps of a discretised SDE/ODE: a few of fresh data's standard deviations above its mean, every mode found
        report = mode_report(x.float(), mixture, entropy_draws=1000)
        assert level.z(sliced_wasserstein(x.float(), reference)) < 6.0
        assert report["modes_covered"] == 8 and report["weights_tv"] < 0.1
    model = score.MixtureEps(mixture, DiffusionSchedule.linear(1000))
    x = sample(model, DiffusionSchedule.linear(1000), (n, 2), method="ddim", steps=50, progress=False)
    # DDIM-50 with the exact ε*: every mode, a few of fresh data's standard deviations above its mean (lesson 09b)
    assert level.z(sliced_wasserstein(x, reference)) < 6.0
    report = mode_report(x, mixture, entropy_draws=1000)
    assert report["modes_covered"] == 8 and report["weights_tv"] < 0.1


def test_a_mixture_is_checked_where_it_is_built():
    # score.py's own bad arguments are the property suite's (tests/test_properties.py); these are data's.
    with pytest.raises(ValueError, match="weights"):
        GaussianMixture([0.5, 0.6], [[0.0], [1.0]], [1.0, 1.0])
    with pytest.raises(ValueError, match="stds"):
        GaussianMixture([1.0], [[0.0]], [0.0])


def test_mixture_eps_is_a_model_for_sample():
    mixture, schedule = eight_gaussians(), DiffusionSchedule.linear(100)
    model = score.MixtureEps(mixture, schedule)
    x = torch.randn(5, 2)
    t = torch.full((5,), 40)
    expected = score.optimal_eps(mixture, x.double(), schedule.to(dtype=torch.float64).alphas_cumprod[40])
    assert torch.allclose(model(x, t).double(), expected, atol=1e-6)
    assert model(x, t).dtype == torch.float32
    with pytest.raises(ValueError, match="timesteps"):
        model(x, torch.full((5,), 100))


def test_eight_gaussians_is_the_toy_set():
    mixture = eight_gaussians()
    a = mixture.sample(4000, generator=torch.Generator().manual_seed(0))
    b = toy_data("gaussian_mixture", 4000, seed=5)
    level = data_reference(
        sliced_wasserstein, lambda n, seed: toy_data("gaussian_mixture", n, seed=seed), 4000, reference=b
    )
    assert level.z(sliced_wasserstein(a, b)) < 3.0
    assert mixture.dim == 2 and mixture.means.shape == (8, 2)


def test_point_cloud_posterior_on_two_points_is_lesson_06s_tanh():
    # x0 = ±1, equally likely: E[x0 | x_t] = tanh(√ᾱ x_t/(1 − ᾱ)) (lesson 06, section 2b), Var = 1 − tanh²
    points = torch.tensor([[-1.0], [1.0]], dtype=torch.float64)
    x = torch.linspace(-2, 2, 41, dtype=torch.float64)[:, None]
    for alpha_bar in (0.9999, 0.6, 0.05):
        mean, variance = score.point_cloud_posterior(points, x, alpha_bar)
        expected = torch.tanh(math.sqrt(alpha_bar) * x / (1 - alpha_bar))
        assert torch.allclose(mean, expected, atol=1e-12)
        assert torch.allclose(variance, 1 - expected[:, 0] ** 2, atol=1e-12)


def test_point_cloud_posterior_equals_bayes_by_hand_across_chunks():
    g = torch.Generator().manual_seed(2)
    points = torch.randn(400_000, 10, generator=g, dtype=torch.float64)  # 4 M distances: one query per chunk
    x = torch.randn(3, 10, generator=g, dtype=torch.float64)
    alpha_bar = torch.tensor([0.3, 0.9, 0.99], dtype=torch.float64)
    mean, variance = score.point_cloud_posterior(points, x, alpha_bar)
    for i in range(3):
        a = alpha_bar[i]
        log_w = -((x[i] - a.sqrt() * points) ** 2).sum(1) / (2 * (1 - a))
        w = torch.softmax(log_w, 0)
        m = (w[:, None] * points).sum(0)
        assert torch.allclose(mean[i], m, atol=1e-10)
        assert torch.allclose(variance[i], (w * ((points - m) ** 2).sum(1)).sum() / 10, atol=1e-10)


def test_point_cloud_floor_is_the_expected_eps_error_of_eps_star():
    # E[‖ε − ε*‖² | x_t] = ᾱ/(1 − ᾱ) tr Var[x0 | x_t]: its average must match the sampled error of ε* itself
    g = torch.Generator().manual_seed(3)
    points = torch.randn(50, 2, generator=g, dtype=torch.float64)
    alpha_bar, n = 0.97, 100_000
    x0 = points[torch.randint(0, 50, (n,), generator=g)]
    eps = torch.randn(n, 2, generator=g, dtype=torch.float64)
    x_t = math.sqrt(alpha_bar) * x0 + math.sqrt(1 - alpha_bar) * eps
    mean, variance = score.point_cloud_posterior(points, x_t, alpha_bar)
    eps_star = (x_t - math.sqrt(alpha_bar) * mean) / math.sqrt(1 - alpha_bar)
    sampled = ((eps - eps_star) ** 2).mean(1)
    floor = alpha_bar / (1 - alpha_bar) * variance
    assert 0.05 < floor.mean() < 0.95  # neither memorised away nor all noise: a test that can fail
    assert abs(sampled.mean() - floor.mean()) < 4 * sampled.std() / math.sqrt(n)


def test_point_cloud_posterior_keeps_a_tiny_noise_exact():
    # noise sd 1e-5 around one of two points 1 apart: the posterior is that point, its variance tiny but not negative
    points = torch.tensor([[0.0, 0.0], [1.0, 0.0]], dtype=torch.float64)
    alpha_bar = 1 - 1e-10
    x = math.sqrt(alpha_bar) * points[:1] + 1e-5 * torch.tensor([[0.3, -0.2]], dtype=torch.float64)
    mean, variance = score.point_cloud_posterior(points, x, alpha_bar)
    assert torch.allclose(mean, points[:1], atol=1e-12) and 0 <= variance.item() < 1e-12


@pytest.mark.parametrize(
    "points, x, alpha_bar, parameter",
    [
        (torch.zeros(5), torch.zeros(2, 1), 0.5, "points"),
        (torch.zeros(5, 2), torch.zeros(2, 3), 0.5, "x"),
        (torch.zeros(5, 2), torch.zeros(2, 2), 1.0, "alpha_bar"),
        (torch.zeros(5, 2), torch.zeros(2, 2), torch.tensor([0.5, 0.5, 0.5]), "alpha_bar"),
        (torch.full((5, 2), math.nan), torch.zeros(2, 2), 0.5, "points"),
    ],
)
def test_point_cloud_posterior_refuses_bad_input_by_name(points, x, alpha_bar, parameter):
    with pytest.raises(InputError) as caught:
        score.point_cloud_posterior(points, x, alpha_bar)
    assert caught.value.parameter == parameter


def test_v_prediction_conversions_round_trip_and_match_the_definition():
    # Salimans & Ho 2022: v = √ᾱ ε − √(1 − ᾱ) x₀, for x_t = √ᾱ x₀ + √(1 − ᾱ) ε (issue 22, lesson A)
    g = torch.Generator().manual_seed(4)
    x0, eps = torch.randn(50, 3, dtype=torch.float64, generator=g), torch.randn(50, 3, dtype=torch.float64, generator=g)
    for alpha_bar in (torch.rand(50, dtype=torch.float64, generator=g) * 0.98 + 0.01, 0.37, 1e-4, 1 - 1e-4):
        ab = torch.as_tensor(alpha_bar, dtype=torch.float64).reshape(-1, 1)
        x = ab.sqrt() * x0 + (1 - ab).sqrt() * eps
        v = ab.sqrt() * eps - (1 - ab).sqrt() * x0
        assert torch.allclose(score.v_from_eps(x, eps, alpha_bar), v, rtol=0, atol=1e-10)
        assert torch.allclose(score.eps_from_v(x, v, alpha_bar), eps, rtol=0, atol=1e-12)
        assert torch.allclose(score.x0_from_v(x, v, alpha_bar), x0, rtol=0, atol=1e-12)
        round_trip = score.eps_from_v(x, score.v_from_eps(x, eps, alpha_bar), alpha_bar)
        assert torch.allclose(round_trip, eps, rtol=0, atol=1e-10)
        assert torch.allclose(score.x0_from_v(x, v, alpha_bar), score.x0_from_eps(x, eps, alpha_bar), atol=1e-8)
    v = score.v_from_eps(x, eps, 0.5)
    assert not torch.allclose(v, score.velocity_from_eps(x, eps, 0.5), atol=0.1), "v is not the flow velocity"


def test_v_conversions_refuse_bad_input_by_name():
    x = torch.zeros(4, 2, dtype=torch.float64)
    for function, other in ((score.v_from_eps, "eps"), (score.eps_from_v, "v"), (score.x0_from_v, "v")):
        with pytest.raises(InputError) as caught:
            function(x, torch.zeros(3, 2, dtype=torch.float64), 0.5)
        assert caught.value.parameter == other
        with pytest.raises(InputError) as caught:
            function(x, x, 0.0)
        assert caught.value.parameter == "alpha_bar"
