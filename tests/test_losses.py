"""The variational bound (DDPM eq. 5, 12, 13) and the simplified loss (eq. 14)."""

import math

import pytest
import torch

from ddpm_lessons import (
    DiffusionSchedule,
    InputError,
    discretized_gaussian_log_likelihood,
    eps_mse_weight,
    normal_kl,
    p_mean_variance,
    predict_eps_from_x0,
    prior_kl_bpd,
    q_posterior_mean_variance,
    q_sample,
    simple_loss,
    variational_bound_bpd,
    vb_term_bpd,
    weighted_eps_mse,
)

GRID = torch.arange(256, dtype=torch.float64) / 127.5 - 1.0  # the 256 values of 8-bit data in [-1, 1]


def test_normal_kl_zero_for_identical_and_known_value():
    m, lv = torch.tensor([0.3]), torch.tensor([-1.2])
    assert normal_kl(m, lv, m, lv).item() == 0.0
    # KL(N(0,1) || N(1,4)) = log 2 + (1 + 1)/(2*4) - 1/2
    kl = normal_kl(torch.tensor(0.0), torch.tensor(0.0), torch.tensor(1.0), torch.tensor(math.log(4.0)))
    assert kl.item() == pytest.approx(math.log(2) + 2 / 8 - 0.5, rel=1e-6)


@pytest.mark.parametrize("mean", [-1.2, -0.3, 0.0, 0.77, 1.5])
@pytest.mark.parametrize("scale", [1e-3, 0.05, 1.0, 3.0])
def test_discretized_bins_sum_to_one(mean, scale):
    x = GRID.reshape(1, 256)
    means = torch.full_like(x, mean)
    log_scales = torch.full_like(x, math.log(scale))
    total = torch.exp(discretized_gaussian_log_likelihood(x, means, log_scales)).sum().item()
    assert total == pytest.approx(1.0, abs=1e-6)


def test_discretized_bin_width_and_open_edges():
    middle = GRID[127].item()  # -1/255: 0 itself is not an 8-bit value
    x = torch.tensor([[middle, -1.0, 1.0]], dtype=torch.float64)
    means = torch.zeros_like(x)
    log_scales = torch.zeros_like(x)  # standard normal
    logp = discretized_gaussian_log_likelihood(x, means, log_scales)
    cdf = lambda v: 0.5 * (1 + math.erf(v / math.sqrt(2)))  # noqa: E731
    half = 1 / 255
    assert logp[0, 0].item() == pytest.approx(math.log(cdf(middle + half) - cdf(middle - half)), rel=1e-9)
    assert logp[0, 1].item() == pytest.approx(math.log(cdf(-1 + half)), rel=1e-9), "bin at -1 reaches -inf"
    assert logp[0, 2].item() == pytest.approx(math.log(1 - cdf(1 - half)), rel=1e-9), "bin at +1 reaches +inf"


def test_discretized_rejects_out_of_range_and_continuous_data():
    with pytest.raises(ValueError, match=r"x must lie in \[-1, 1\]"):
        discretized_gaussian_log_likelihood(torch.tensor([[1.5]]), torch.zeros(1, 1), torch.zeros(1, 1))
    with pytest.raises(ValueError, match="8-bit grid"):
        discretized_gaussian_log_likelihood(torch.tensor([[0.0]]), torch.zeros(1, 1), torch.zeros(1, 1))


def test_vb_term_refuses_off_grid_data_at_t0(linear64):
    x0 = torch.tensor([[3.0, -2.0]], dtype=torch.float64)
    with pytest.raises(ValueError, match="x0 must lie in"):
        vb_term_bpd(linear64, x0, x0, 0, torch.zeros_like(x0))


def test_prior_term_matches_paper(linear64):
    gen = torch.Generator().manual_seed(0)
    x0 = GRID[torch.randint(0, 256, (16, 3, 8, 8), generator=gen)]
    bpd = prior_kl_bpd(linear64, x0)
    assert bpd.shape == (16,)
    assert 1e-6 < bpd.min().item() and bpd.max().item() < 3e-5, "paper: L_T ~ 1e-5 bits/dim"
    ones = torch.ones(1, 10, dtype=torch.float64)
    assert prior_kl_bpd(linear64, ones).item() == pytest.approx(2.9e-5, rel=0.02)
    half = torch.full((1, 10), 0.5, dtype=torch.float64)
    assert prior_kl_bpd(linear64, half).item() == pytest.approx(7.3e-6, rel=0.02)


@pytest.mark.parametrize("variance", ["beta", "posterior"])
def test_weighted_eps_mse_equals_gaussian_kl(linear64, variance):
    s = linear64
    gen = torch.Generator().manual_seed(42)
    B = 64
    x0 = torch.rand(B, 3, 4, 4, generator=gen, dtype=torch.float64) * 2 - 1
    t = torch.randint(1, len(s), (B,), generator=gen)
    t[:4] = torch.tensor([1, 2, 3, 999])
    eps = torch.randn(x0.shape, generator=gen, dtype=torch.float64)
    eps_model = eps + 0.3 * torch.randn(x0.shape, generator=gen, dtype=torch.float64)
    x_t = q_sample(s, x0, t, eps)
    true_mean, _, true_logvar = q_posterior_mean_variance(s, x0, x_t, t)
    model = p_mean_variance(s, x_t, t, eps_model, variance=variance)
    direct = normal_kl(true_mean, true_logvar, model["mean"], model["log_variance"]).reshape(B, -1).sum(dim=1)
    weighted = weighted_eps_mse(s, t, eps, eps_model, variance=variance)
    assert (direct - weighted).abs().max().item() < 1e-8 * max(1.0, direct.abs().max().item())
    assert torch.allclose(
        vb_term_bpd(s, x0, x_t, t, eps_model, variance=variance), direct / 48 / math.log(2), rtol=1e-10
    )


def test_eps_mse_weight_formula(linear64):
    s = linear64
    w_post = eps_mse_weight(s, variance="posterior")
    t = torch.arange(1, 1000)
    expected = s.betas[t] ** 2 / (2 * s.posterior_variance[t] * s.alphas[t] * (1 - s.alphas_cumprod[t]))
    assert torch.allclose(w_post[1:], expected, rtol=1e-12)
    w_beta = eps_mse_weight(s, torch.tensor([1, 999]), variance="beta")
    assert torch.allclose(w_beta, s.betas[[1, 999]] / (2 * s.alphas[[1, 999]] * (1 - s.alphas_cumprod[[1, 999]])))
    with pytest.raises(ValueError, match=r"t must lie in \[1, 1000\)"):
        weighted_eps_mse(
            s, torch.tensor([0]), torch.zeros(1, 2, dtype=torch.float64), torch.zeros(1, 2, dtype=torch.float64)
        )


def test_vb_term_at_t0_is_decoder_nll(linear64):
    s = linear64
    x0 = GRID[torch.randint(0, 256, (4, 1, 4, 4), generator=torch.Generator().manual_seed(1))]
    eps = torch.randn_like(x0)
    x_t = q_sample(s, x0, 0, eps)
    got = vb_term_bpd(s, x0, x_t, 0, eps)
    mean = p_mean_variance(s, x_t, 0, eps)["mean"]
    log_scale = 0.5 * s.posterior_log_variance_clipped[0]
    nll = -discretized_gaussian_log_likelihood(x0, mean, log_scale).reshape(4, -1).mean(dim=1) / math.log(2)
    assert torch.allclose(got, nll, rtol=1e-12)


def test_variational_bound_with_oracle_model():
    """A model that knows x0 predicts the true posterior mean: every KL term vanishes with sigma^2 = beta-tilde."""
    s = DiffusionSchedule.linear(50, beta_start=1e-3, beta_end=0.2, dtype=torch.float64)
    x0 = GRID[torch.randint(0, 256, (3, 2, 4, 4), generator=torch.Generator().manual_seed(2))]
    oracle = lambda x_t, t: predict_eps_from_x0(s, x_t, t, x0)  # noqa: E731
    out = variational_bound_bpd(oracle, s, x0, variance="posterior", generator=torch.Generator().manual_seed(0))
    assert out["terms_bpd"].shape == (3, 50) and out["prior_bpd"].shape == (3,)
    assert out["terms_bpd"][:, 1:].abs().max().item() < 1e-10
    assert torch.allclose(out["total_bpd"], out["prior_bpd"] + out["terms_bpd"].sum(dim=1))
    assert (out["terms_bpd"][:, 0] > 0).all(), "L_0 of a sharp decoder is still a positive codelength"
    blind = variational_bound_bpd(
        lambda x_t, t: torch.zeros_like(x_t), s, x0, generator=torch.Generator().manual_seed(0)
    )
    assert (blind["total_bpd"] > out["total_bpd"]).all()


def test_simple_loss_is_mean_squared_error():
    eps = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    pred = torch.zeros(2, 2)
    assert simple_loss(eps, pred).item() == pytest.approx(30 / 4)
    with pytest.raises(ValueError, match="eps_pred must have the same shape as eps"):
        simple_loss(eps, torch.zeros(2, 1))


# ------------------------------------------------------------------------ issue 22, lesson A: targets as weightings
def _squared_errors_of_each_target(snr):
    """Random x₀, ε and a random ε̂ at each SNR (float64); ε̂ converted to each target with the package's conversions
    (score.py's x̂₀, v and flow velocity); returns each target's per-example squared error."""
    from ddpm_lessons import flow, score

    g = torch.Generator().manual_seed(7)
    x0, eps, eps_hat = (torch.randn(len(snr), 3, generator=g, dtype=torch.float64) for _ in range(3))
    alpha_bar = snr / (1 + snr)  # SNR = ᾱ/(1 − ᾱ)
    a, b = alpha_bar.sqrt()[:, None], (1 - alpha_bar).sqrt()[:, None]
    x_t = a * x0 + b * eps
    errors = {
        "eps": eps_hat - eps,
        "x0": score.x0_from_eps(x_t, eps_hat, alpha_bar) - x0,
        "v": score.v_from_eps(x_t, eps_hat, alpha_bar) - (a * eps - b * x0),
        "flow": score.velocity_from_eps(x_t, eps_hat, alpha_bar) - flow.flow_target(x0, eps),
    }
    return {name: error.pow(2).sum(1) for name, error in errors.items()}


SNRS = torch.logspace(-3, 3, 25, dtype=torch.float64)


def test_each_target_weight_is_the_ratio_of_its_squared_error_to_the_eps_error():
    from ddpm_lessons.losses import TARGETS, target_weight

    squared = _squared_errors_of_each_target(SNRS)
    for prediction in TARGETS:
        ratio = squared[prediction] / squared["eps"]
        assert torch.allclose(target_weight(SNRS, prediction), ratio, rtol=1e-10, atol=0), prediction
    assert torch.allclose(target_weight(SNRS, "x0"), 1 / SNRS, rtol=1e-14)
    assert torch.allclose(target_weight(SNRS, "v"), 1 + 1 / SNRS, rtol=1e-14)
    assert torch.allclose(target_weight(SNRS, "flow"), (1 + SNRS**-0.5) ** 2, rtol=1e-14)
    assert target_weight(4.0, "v").item() == 1.25 and target_weight(4.0, "eps").dtype == torch.float64


def test_min_snr_weight_makes_every_target_weigh_the_eps_error_by_min_snr_gamma_over_snr():
    from ddpm_lessons.losses import TARGETS, min_snr_weight

    squared = _squared_errors_of_each_target(SNRS)
    wanted = torch.clamp(SNRS, max=5.0) / SNRS * squared["eps"]  # Hang et al.: min(SNR, γ)/SNR on the ε-MSE
    for prediction in TARGETS:
        got = min_snr_weight(SNRS, prediction, 5.0) * squared[prediction]
        assert torch.allclose(got, wanted, rtol=1e-10, atol=0), prediction
    assert torch.allclose(min_snr_weight(SNRS, "v", 2.0), torch.clamp(SNRS, max=2.0) / (SNRS + 1), rtol=1e-14)
    assert torch.allclose(min_snr_weight(SNRS, "x0"), torch.clamp(SNRS, max=5.0), rtol=0, atol=0)
    at_zero = min_snr_weight(torch.zeros(3, dtype=torch.float64), "v")
    assert torch.equal(at_zero, torch.zeros(3, dtype=torch.float64)), "finite (0) at SNR = 0 for v, x0 and flow"


@pytest.mark.parametrize(
    "call, parameter, words",
    [
        (lambda f: f(1.0, "score"), "prediction", "prediction must be one of ('eps', 'x0', 'v', 'flow')"),
        (lambda f: f(0.0, "v"), "snr", "snr must lie in (0, inf)"),
        (lambda f: f(-1.0, "x0"), "snr", "snr must lie in (0, inf)"),
        (lambda f: f(torch.tensor([1.0, float("nan")]), "eps"), "snr", "snr must lie in (0, inf)"),
        (lambda f: f(torch.tensor([1, 2]), "eps"), "snr", "snr must be a real number or a floating-point tensor"),
        (lambda f: f("1", "eps"), "snr", "snr must be a real number or a floating-point tensor, got str"),
        (lambda f: f(True, "eps"), "snr", "snr must be a real number"),
    ],
)
def test_target_weight_refuses_bad_input_by_name(call, parameter, words):
    from ddpm_lessons.losses import target_weight

    with pytest.raises(InputError) as error:
        call(target_weight)
    assert words in str(error.value) and error.value.parameter == parameter


@pytest.mark.parametrize(
    "kwargs, parameter, words",
    [
        ({"snr": 1.0, "prediction": "flows"}, "prediction", "prediction must be one of"),
        ({"snr": 0.0, "prediction": "eps"}, "snr", "snr must lie in (0, inf)"),
        ({"snr": -0.5, "prediction": "v"}, "snr", "snr must lie in [0, inf)"),
        ({"snr": float("inf"), "prediction": "v"}, "snr", "snr must lie in [0, inf)"),
        ({"snr": 1.0, "prediction": "v", "gamma": 0.0}, "gamma", "gamma must be > 0"),
        ({"snr": 1.0, "prediction": "v", "gamma": -1.0}, "gamma", "gamma must lie in [0, inf]"),
        ({"snr": 1.0, "prediction": "v", "gamma": "5"}, "gamma", "gamma must be a real number"),
    ],
)
def test_min_snr_weight_refuses_bad_input_by_name(kwargs, parameter, words):
    from ddpm_lessons.losses import min_snr_weight

    with pytest.raises(InputError) as error:
        min_snr_weight(**kwargs)
    assert words in str(error.value) and error.value.parameter == parameter
