"""ddpm_lessons.evaluation.exact1d: the reverse conditional on a grid and the short chain of lessons 03a and 03b,
each against an independent computation (a closed form, torch.distributions, sampling)."""

import math

import pytest
import torch

from ddpm_lessons import DiffusionSchedule, InputError, q_posterior_mean_variance
from ddpm_lessons.data import GaussianMixture1D
from ddpm_lessons.evaluation.exact1d import (
    ShortChain,
    grid_moments,
    kl_from_gaussian,
    kl_normal,
    log_normal,
    reverse_conditional,
)

F64 = torch.float64
SCHEDULE = DiffusionSchedule.linear(1000, dtype=F64)
GRID = torch.linspace(-2.5, 2.5, 5001, dtype=F64)
POINT = GaussianMixture1D(weights=(1.0,), means=(0.45,), stds=(1e-4,))
STANDARD = GaussianMixture1D(weights=(1.0,), means=(0.0,), stds=(1.0,))


def test_log_normal_and_kl_normal_agree_with_torch_distributions():
    x = torch.linspace(-3, 3, 7, dtype=F64)
    expected = torch.distributions.Normal(torch.tensor(0.3, dtype=F64), math.sqrt(0.7)).log_prob(x)
    assert torch.allclose(log_normal(x, 0.3, 0.7), expected, rtol=1e-12)
    m1, v1, m2, v2 = (torch.tensor(v, dtype=F64) for v in (0.2, 0.5, -0.4, 1.3))
    p, q = torch.distributions.Normal(m1, v1.sqrt()), torch.distributions.Normal(m2, v2.sqrt())
    assert kl_normal(m1, v1, m2, v2).item() == pytest.approx(torch.distributions.kl_divergence(p, q).item(), rel=1e-12)


def test_the_reverse_step_of_a_point_is_the_posterior_and_of_standard_data_has_variance_beta():
    x0, x_t = torch.tensor([[0.45]], dtype=F64), torch.tensor([[0.3]], dtype=F64)
    for t in (1, 100, 999):
        density = reverse_conditional(POINT, SCHEDULE, 0.3, t, t - 1, GRID)
        assert (density.sum() * (GRID[1] - GRID[0])).item() == pytest.approx(1.0, abs=1e-12)
        mean, var = grid_moments(GRID, density)
        post_mean, post_var, _ = q_posterior_mean_variance(SCHEDULE, x0, x_t, t)
        assert mean == pytest.approx(post_mean.item(), abs=1e-4)
        assert var == pytest.approx(post_var.item(), rel=1e-3)
        _, var_standard = grid_moments(GRID, reverse_conditional(STANDARD, SCHEDULE, 0.3, t, t - 1, GRID))
        assert var_standard == pytest.approx(SCHEDULE.betas[t].item(), rel=1e-3)


def test_the_distance_from_a_gaussian_is_zero_only_for_a_gaussian():
    gauss = torch.exp(log_normal(GRID, 0.2, 0.09))
    assert grid_moments(GRID, gauss) == pytest.approx((0.2, 0.09), rel=1e-6)
    assert abs(kl_from_gaussian(GRID, gauss)) < 1e-9
    two_bumps = torch.exp(log_normal(GRID, -1.0, 0.01)) + torch.exp(log_normal(GRID, 1.0, 0.01))
    assert kl_from_gaussian(GRID, two_bumps) > 0.3
    # a large jump back from t = 400 to the data is far from Gaussian, one small step is not
    mixture = GaussianMixture1D()
    assert kl_from_gaussian(GRID, reverse_conditional(mixture, SCHEDULE, 0.2, 400, -1, GRID)) > 0.1
    assert kl_from_gaussian(GRID, reverse_conditional(mixture, SCHEDULE, 0.2, 100, 99, GRID)) < 1e-3


def _chain_and_guess():
    chain = ShortChain(DiffusionSchedule([0.1, 0.5, 0.9], dtype=F64))
    return chain, lambda x_t, t: 0.5 * torch.as_tensor(x_t, dtype=F64)


def test_short_chain_coefficients_are_the_schedules():
    schedule = DiffusionSchedule([0.1, 0.5, 0.9], dtype=F64)
    chain = ShortChain(schedule)
    assert chain.T == 3 and chain.alpha_bar[0] == 1 and chain.beta[0] == 0
    assert torch.allclose(chain.alpha_bar[1:], schedule.alphas_cumprod)
    assert torch.allclose(chain.beta_tilde[1:], schedule.posterior_variance)
    assert torch.allclose(chain.coef_x0[1:], schedule.posterior_mean_coef1)
    assert torch.allclose(chain.coef_xt[1:], schedule.posterior_mean_coef2)


def test_the_exact_likelihood_integrates_to_one_and_lies_below_the_bound():
    chain, guess = _chain_and_guess()
    fine = torch.linspace(-5, 5, 2001, dtype=F64)
    mass = torch.exp(-chain.exact_nll(guess, fine)).sum().item() * (fine[1] - fine[0]).item()
    assert mass == pytest.approx(1.0, abs=1e-4)
    x0 = torch.tensor([-0.7, 0.0, 0.4], dtype=F64)
    L_T, terms = chain.bound_terms(guess, x0)
    assert len(terms) == chain.T and L_T.shape == (3,)
    assert bool((L_T + sum(terms) > chain.exact_nll(guess, x0).flatten()).all())


def test_the_bound_by_quadrature_equals_the_average_log_ratio_over_sampled_paths():
    chain, guess = _chain_and_guess()
    L_T, terms = chain.bound_terms(guess, 0.3)
    paths = chain.sample_paths(0.3, 100_000, torch.Generator().manual_seed(0))
    assert len(paths) == chain.T + 1 and paths[0].shape == (100_000,)
    ratio = chain.log_ratio(guess, paths)
    se = ratio.std().item() / math.sqrt(len(ratio))
    assert abs(ratio.mean().item() - (L_T + sum(terms)).item()) < 4 * se


def test_bayes_and_the_telescoped_sum_hold_on_every_path():
    chain, guess = _chain_and_guess()
    x0, T = -0.2, 3
    paths = chain.sample_paths(x0, 1000, torch.Generator().manual_seed(1))
    for t in range(2, T + 1):
        turned = (
            chain.log_q_posterior(paths[t - 1], paths[t], t, x0)
            + chain.log_q_marginal(paths[t], t, x0)
            - chain.log_q_marginal(paths[t - 1], t - 1, x0)
        )
        assert torch.allclose(chain.log_q_step(paths, t), turned, atol=1e-10)
    telescoped = (
        chain.log_q_marginal(paths[T], T, x0)
        - log_normal(paths[T], 0.0, 1.0)
        + sum(chain.log_q_posterior(paths[t - 1], paths[t], t, x0) - chain.log_p_step(guess, paths, t) for t in (2, 3))
        - chain.log_p_step(guess, paths, 1)
    )
    assert torch.allclose(telescoped, chain.log_ratio(guess, paths), atol=1e-9)


@pytest.mark.parametrize(
    "call, parameter",
    [
        (lambda: reverse_conditional("mixture", SCHEDULE, 0.2, 10, 9, GRID), "mixture"),
        (lambda: reverse_conditional(POINT, DiffusionSchedule.linear(10), 0.2, 5, 4, GRID), "schedule"),
        (lambda: reverse_conditional(POINT, SCHEDULE, float("nan"), 10, 9, GRID), "x_t"),
        (lambda: reverse_conditional(POINT, SCHEDULE, 0.2, 1000, 9, GRID), "t"),
        (lambda: reverse_conditional(POINT, SCHEDULE, 0.2, 10, 10, GRID), "s"),
        (lambda: reverse_conditional(POINT, SCHEDULE, 0.2, 10, -2, GRID), "s"),
        (lambda: reverse_conditional(POINT, SCHEDULE, 0.2, 10, 9, GRID.float()), "grid"),
        (lambda: reverse_conditional(POINT, SCHEDULE, 0.2, 10, 9, GRID[:2]), "grid"),
        (lambda: reverse_conditional(POINT, SCHEDULE, 0.2, 10, 9, GRID**3), "grid"),
        (lambda: reverse_conditional(POINT, SCHEDULE, 0.2, 10, 9, GRID.flip(0)), "grid"),
        (lambda: grid_moments(GRID, torch.ones(10, dtype=F64)), "density"),
        (lambda: grid_moments(GRID, -torch.ones_like(GRID)), "density"),
        (lambda: kl_from_gaussian(GRID, torch.zeros_like(GRID)), "density"),
        (lambda: ShortChain([0.1, 0.2]), "schedule"),
        (lambda: ShortChain(DiffusionSchedule([0.1, 0.2], dtype=F64), nodes=torch.zeros(5, dtype=F64)), "nodes"),
        (lambda: _chain_and_guess()[0].sample_paths(0.1, 0, None), "n"),
        (lambda: _chain_and_guess()[0].sample_paths(0.1, 10, 3), "generator"),
        (lambda: _chain_and_guess()[0].sample_paths(math.inf, 10, None), "x0"),
        (lambda: _chain_and_guess()[0].exact_nll(_chain_and_guess()[1], [0.1, math.nan]), "x0"),
        (lambda: _chain_and_guess()[0].log_q_step([torch.zeros(2)] * 4, 4), "t"),
        (lambda: _chain_and_guess()[0].log_q_posterior(torch.zeros(2), torch.zeros(2), 1, 0.0), "t"),
    ],
)
def test_bad_arguments_are_named(call, parameter):
    with pytest.raises(InputError) as raised:
        call()
    assert raised.value.parameter == parameter
