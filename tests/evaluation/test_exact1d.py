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
        mean, var = grid_moments(GRID, reverse_conditional(POINT, SCHEDULE, 0.3, t, t - 1, GRID))
        post_mean, post_var, _ = q_posterior_mean_variance(SCHEDULE, x0, x_t, t)
        assert mean == pytest.approx(post_mean.item(), abs=1e-4)
        assert var == pytest.approx(post_var.item(), rel=1e-3)
        _, var_standard = grid_moments(GRID, reverse_conditional(STANDARD, SCHEDULE, 0.3, t, t - 1, GRID))
        assert var_standard == pytest.approx(SCHEDULE.betas[t].item(), rel=1e-3)


@pytest.mark.parametrize("t, s", [(400, 50), (300, 0), (999, 500), (400, -1), (20, -1)])
def test_a_jump_back_matches_its_closed_form(t, s):
    """Standard data: q(x_s | x_t) = N(sqrt(r) x_t, 1 - r), r = abar_t / abar_s (abar_{-1} = 1), the whole density."""
    abar_t = SCHEDULE.alphas_cumprod[t].item()
    abar_s = 1.0 if s < 0 else SCHEDULE.alphas_cumprod[s].item()
    r = abar_t / abar_s
    wide = torch.linspace(-8, 8, 16001, dtype=F64)  # 1 - r is close to 1: section 1's grid would cut it off
    density = reverse_conditional(STANDARD, SCHEDULE, 0.3, t, s, wide)
    expected = torch.exp(log_normal(wide, math.sqrt(r) * 0.3, 1 - r))
    assert (density - expected).abs().max().item() < 1e-6 * expected.max().item()


@pytest.mark.parametrize("t, s", [(400, 50), (300, 5), (60, 30)])
def test_a_jump_back_from_a_point_is_the_jump_posterior(t, s):
    """One-point data c: q(x_s | x_t) = q(x_s | x_t, x0 = c), Gaussian with variance (1 - r)(1 - abar_s)/(1 - abar_t)
    and mean (sqrt(abar_s)(1 - r) c + sqrt(r)(1 - abar_s) x_t)/(1 - abar_t)."""
    abar_t, abar_s = SCHEDULE.alphas_cumprod[t].item(), SCHEDULE.alphas_cumprod[s].item()
    r = abar_t / abar_s
    mean, var = grid_moments(GRID, reverse_conditional(POINT, SCHEDULE, 0.3, t, s, GRID))
    assert var == pytest.approx((1 - r) * (1 - abar_s) / (1 - abar_t), rel=1e-3)
    assert mean == pytest.approx(
        (math.sqrt(abar_s) * (1 - r) * 0.45 + math.sqrt(r) * (1 - abar_s) * 0.3) / (1 - abar_t), abs=1e-4
    )


def test_the_distance_from_a_gaussian_is_zero_only_for_a_gaussian():
    gauss = torch.exp(log_normal(GRID, 0.2, 0.09))
    assert grid_moments(GRID, gauss) == pytest.approx((0.2, 0.09), rel=1e-6)
    assert abs(kl_from_gaussian(GRID, gauss)) < 1e-9
    # two far-apart bumps N(+-1, 0.01), weights 1/2: variance 1.01, KL = ln(1.01/0.01)/2 - ln 2 (entropy of the halves)
    two_bumps = 0.5 * torch.exp(log_normal(GRID, -1.0, 0.01)) + 0.5 * torch.exp(log_normal(GRID, 1.0, 0.01))
    assert grid_moments(GRID, two_bumps)[1] == pytest.approx(1.01, rel=1e-6)
    assert kl_from_gaussian(GRID, two_bumps) == pytest.approx(0.5 * math.log(101) - math.log(2), abs=1e-6)
    # a large jump back from t = 400 to the data is far from Gaussian, one small step is not
    mixture = GaussianMixture1D()
    assert kl_from_gaussian(GRID, reverse_conditional(mixture, SCHEDULE, 0.2, 400, -1, GRID)) > 0.1
    assert kl_from_gaussian(GRID, reverse_conditional(mixture, SCHEDULE, 0.2, 100, 99, GRID)) < 1e-3


def test_the_distance_from_a_gaussian_stays_finite_for_heavy_tails():
    """A narrow bump with a rare wide one: its own Gaussian underflows far out, where the density does not."""
    wide = torch.linspace(-60, 60, 60001, dtype=F64)
    density = 0.999 * torch.exp(log_normal(wide, 0.0, 0.01)) + 0.001 * torch.exp(log_normal(wide, 0.0, 100.0))
    mean, var = grid_moments(wide, density)
    reference = torch.distributions.Normal(torch.tensor(mean, dtype=F64), math.sqrt(var)).log_prob(wide)
    expected = (density * (density.log() - reference)).sum().item() * (wide[1] - wide[0]).item()
    kl = kl_from_gaussian(wide, density)
    assert math.isfinite(kl) and kl == pytest.approx(expected, rel=1e-9)


def test_kl_normal_takes_floats():
    assert kl_normal(0.2, 0.5, -0.4, 1.3).item() == pytest.approx(
        kl_normal(*(torch.tensor(v, dtype=F64) for v in (0.2, 0.5, -0.4, 1.3))).item(), rel=1e-15
    )


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


def _linear_chain(gain=0.5, betas=(0.1, 0.5, 0.9)):
    """guess = gain * x_t: every step's mean is k_t x_t, so the chain is linear-Gaussian and everything is closed-form."""
    chain = ShortChain(DiffusionSchedule(list(betas), dtype=F64))
    k = gain * chain.coef_x0 + chain.coef_xt  # mu_theta = k_t x_t
    return chain, (lambda x_t, t: gain * torch.as_tensor(x_t, dtype=F64)), k


def test_the_exact_likelihood_of_a_linear_gaussian_chain_is_its_closed_form():
    chain, guess, k = _linear_chain()
    var = 1.0  # p(x_T) = N(0, 1); each step x_{t-1} = k_t x_t + sigma_t z: V_{t-1} = k_t^2 V_t + sigma_t^2
    for t in range(chain.T, 0, -1):
        var = k[t].item() ** 2 * var + chain.sigma2[t].item()
    x0 = torch.tensor([-1.3, -0.2, 0.0, 0.9, 2.0], dtype=F64)
    expected = -log_normal(x0, 0.0, var)
    assert torch.allclose(chain.exact_nll(guess, x0).flatten(), expected, atol=1e-6)


def test_every_bound_term_of_a_linear_gaussian_chain_is_its_closed_form():
    chain, guess, k = _linear_chain()
    abar, T = chain.alpha_bar, chain.T
    x0 = torch.tensor([-0.7, 0.0, 0.4], dtype=F64)
    L_T, terms = chain.bound_terms(guess, x0)
    # L_T = KL(N(sqrt(abar_T) x0, 1 - abar_T) || N(0, 1))
    expected_T = 0.5 * (-torch.log(1 - abar[T]) + (1 - abar[T]) + abar[T] * x0**2 - 1)
    assert torch.allclose(L_T, expected_T, atol=1e-12)
    assert len(terms) == T
    for t in range(1, T + 1):
        # x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) z; the mean error is a x0 + b z, so E[error^2] = a^2 x0^2 + b^2
        if t == 1:  # L_0 = E[-log N(x0; k_1 x_1, sigma_1^2)]
            a, b = 1 - k[1] * abar[1].sqrt(), -k[1] * (1 - abar[1]).sqrt()
            expected = 0.5 * torch.log(2 * math.pi * chain.sigma2[1]) + (a**2 * x0**2 + b**2) / (2 * chain.sigma2[1])
        else:  # L_{t-1} = E[KL(N(mu_tilde, beta_tilde) || N(k_t x_t, sigma_t^2))]
            a = chain.coef_x0[t] + (chain.coef_xt[t] - k[t]) * abar[t].sqrt()
            b = (chain.coef_xt[t] - k[t]) * (1 - abar[t]).sqrt()
            s2, bt = chain.sigma2[t], chain.beta_tilde[t]
            expected = 0.5 * (torch.log(s2 / bt) + (bt + a**2 * x0**2 + b**2) / s2 - 1)
        assert torch.allclose(terms[t - 1], expected, atol=1e-9), t
    assert bool((L_T + sum(terms) > chain.exact_nll(guess, x0).flatten()).all())


def test_the_log_ratio_matches_an_independent_computation():
    """log q(x_{1:T} | x0) - log p_theta(x_{0:T}) from torch.distributions and k_t x_t, not from the chain's helpers."""
    chain, guess, k = _linear_chain()
    paths = chain.sample_paths(0.4, 50, torch.Generator().manual_seed(2))
    normal = torch.distributions.Normal
    expected = -normal(0.0, 1.0).log_prob(paths[-1])
    for t in range(1, chain.T + 1):
        expected = expected + normal(chain.alpha[t].sqrt() * paths[t - 1], chain.beta[t].sqrt()).log_prob(paths[t])
        expected = expected - normal(k[t] * paths[t], chain.sigma2[t].sqrt()).log_prob(paths[t - 1])
    assert torch.allclose(chain.log_ratio(guess, paths), expected, atol=1e-10)


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
        (lambda: grid_moments(GRID, 2 * torch.exp(log_normal(GRID, 0.0, 0.1))), "density"),  # mass 2
        (lambda: kl_from_gaussian(GRID, 2 * torch.exp(log_normal(GRID, 0.0, 0.1))), "density"),
        (lambda: grid_moments(GRID, torch.exp(log_normal(GRID, 2.0, 1.0)) / 0.8413), "density"),  # cut at the edge
        (lambda: reverse_conditional(POINT, SCHEDULE, 0.3, 0, -1, GRID), "grid"),  # a spike between grid points
        (lambda: reverse_conditional(STANDARD, SCHEDULE, 0.3, 999, 998, GRID[2000:3500]), "grid"),  # cut off
        (lambda: kl_normal(0.0, 0.0, 0.0, 1.0), "v1"),
        (lambda: kl_normal(0.0, 1.0, 0.0, -1.0), "v2"),
        (lambda: log_normal(torch.zeros(3, dtype=F64), 0.0, -1.0), "var"),
        (
            lambda: ShortChain(DiffusionSchedule([0.1, 0.2], dtype=F64), nodes=torch.linspace(-1, 1, 401, dtype=F64)),
            "nodes",
        ),
        (
            lambda: ShortChain(DiffusionSchedule([0.1, 0.2], dtype=F64), nodes=torch.linspace(-9, 9, 7, dtype=F64)),
            "nodes",
        ),
        (lambda: _linear_chain(1.5, (1e-6, 0.3, 0.6))[0].exact_nll(_linear_chain(1.5)[1], [0.1]), "likelihood_grid"),
        (
            lambda: ShortChain(
                DiffusionSchedule([0.1, 0.2], dtype=F64), likelihood_grid=torch.linspace(-1, 1, 401, dtype=F64)
            ).exact_nll(lambda x, t: 0 * x, [0.0]),
            "likelihood_grid",
        ),
        (lambda: _chain_and_guess()[0].model_mean(_chain_and_guess()[1], torch.zeros(3, dtype=F64), 0), "t"),
        (lambda: _chain_and_guess()[0].model_mean(_chain_and_guess()[1], torch.zeros(3, dtype=F64), 4), "t"),
        (lambda: _chain_and_guess()[0].model_mean("guess", torch.zeros(3, dtype=F64), 1), "guess"),
        (lambda: _chain_and_guess()[0].model_mean(lambda x, t: x[:1], torch.zeros(3, dtype=F64), 1), "guess"),
        (lambda: _chain_and_guess()[0].log_ratio(_chain_and_guess()[1], [torch.zeros(2, dtype=F64)] * 3), "paths"),
        (lambda: _chain_and_guess()[0].log_p_step(_chain_and_guess()[1], [torch.zeros(2, dtype=F64)] * 9, 2), "paths"),
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
