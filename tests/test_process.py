"""The forward and reverse processes: closed form vs chain, the posterior, eq. 11, DDIM, t = 0 special cases."""

import math

import pytest
import torch

from ddpm_lessons import (
    DiffusionSchedule,
    ddim_step,
    denoising_step,
    forward_diffusion_sample,
    guided_eps,
    p_mean_variance,
    predict_eps_from_x0,
    predict_x0_from_eps,
    q_posterior_mean_variance,
    q_sample,
    q_sample_iterative,
    sample,
)

N_DRAWS = 2_000
# Each statistical check below compares a sample statistic with its exact value. With N independent Gaussian
# draws of variance v, the sample mean has standard error sqrt(v/N) and the sample variance v*sqrt(2/(N-1)); we
# allow Z = 5 standard errors, a false-alarm chance of about 6e-7 per comparison (and the draws are seeded anyway).
# N = 2,000 (not 20,000) keeps the 1,000-step chain cheap: the tolerances widen by sqrt(10) accordingly, and the
# exactness they used to stand in for is checked without statistics by the test after this one: the chain is
# the closed form applied to one exactly unit-variance combination of its own draws.
Z = 5.0


@pytest.mark.parametrize("t", [0, 1, 9, 99, 499, 999])
def test_closed_form_matches_iterated_chain(linear64, t):
    s = linear64
    x0_row = torch.tensor([-1.0, -0.3, 0.5, 1.0], dtype=torch.float64)
    x0 = x0_row.expand(N_DRAWS, 4).contiguous()
    gen = torch.Generator().manual_seed(1234 + t)
    chain = q_sample_iterative(s, x0, t, generator=gen)
    closed = q_sample(s, x0, t, torch.randn(x0.shape, generator=gen, dtype=torch.float64))

    mean_exact = s.sqrt_alphas_cumprod[t].item() * x0_row
    var_exact = 1.0 - s.alphas_cumprod[t].item()
    mean_tol = Z * math.sqrt(var_exact / N_DRAWS)
    var_tol = Z * var_exact * math.sqrt(2.0 / (N_DRAWS - 1))
    for samples in (chain, closed):
        assert torch.allclose(samples.mean(dim=0), mean_exact, rtol=0, atol=mean_tol)
        assert torch.allclose(
            samples.var(dim=0), torch.full((4,), var_exact, dtype=torch.float64), rtol=0, atol=var_tol
        )


@pytest.mark.parametrize("t", [0, 1, 9, 99, 499, 999])
def test_iterated_chain_is_the_closed_form_of_its_own_draws(linear64, t):
    # x_t = √ᾱ_t x_0 + Σ_k d_k ε_k with d_k = √β_k ∏_{j>k} √α_j (eq. 2 unrolled). Σ_k d_k² = 1 − ᾱ_t exactly, so
    # ε = Σ_k d_k ε_k / √(1 − ᾱ_t) is a unit Gaussian, and the chain must equal q_sample(x_0, t, ε) (eq. 4).
    s = linear64
    x0 = torch.tensor([[-1.0, -0.3, 0.5, 1.0]] * 3, dtype=torch.float64)
    chain = q_sample_iterative(s, x0, t, generator=torch.Generator().manual_seed(t))
    replay = torch.Generator().manual_seed(t)
    draws = torch.stack([torch.randn(x0.shape, generator=replay, dtype=torch.float64) for _ in range(t + 1)])
    later = torch.cat([torch.cumprod(s.alphas[1 : t + 1].flip(0), 0).flip(0), torch.ones(1, dtype=torch.float64)])
    d = (s.betas[: t + 1] * later).sqrt()
    assert abs((d**2).sum().item() - (1 - s.alphas_cumprod[t].item())) < 1e-12
    eps = (d[:, None, None] * draws).sum(0) / (1 - s.alphas_cumprod[t]).sqrt()
    assert torch.allclose(chain, q_sample(s, x0, t, eps), rtol=0, atol=1e-12)


def test_iterative_is_single_step_at_t0(linear64):
    x0 = torch.randn(5, 3, dtype=torch.float64)
    gen = torch.Generator().manual_seed(7)
    eps = torch.randn(x0.shape, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    expected = torch.sqrt(1 - linear64.betas[0]) * x0 + torch.sqrt(linear64.betas[0]) * eps
    assert torch.allclose(q_sample_iterative(linear64, x0, 0, generator=gen), expected, atol=1e-15)
    # t = 0 of the closed form is the same single step: alpha_bar_0 = alpha_0.
    assert torch.allclose(q_sample(linear64, x0, 0, eps), expected, atol=1e-15)


def test_iterative_respects_per_element_t(linear64):
    x0 = torch.ones(3, 2, dtype=torch.float64)
    t = torch.tensor([0, 5, 2])
    out = q_sample_iterative(linear64, x0, t, generator=torch.Generator().manual_seed(0))
    assert out.shape == x0.shape
    again = q_sample_iterative(linear64, x0, t, generator=torch.Generator().manual_seed(0))
    assert torch.equal(out, again)


def test_seed_forward_diffusion_sample_shapes_and_formula(linear64):
    torch.manual_seed(0)
    x0 = torch.rand(4, 3, 8, 8, dtype=torch.float64) * 2 - 1
    t = torch.tensor([0, 10, 500, 999])
    torch.manual_seed(1)
    x_t, noise = forward_diffusion_sample(x0, t, linear64.sqrt_alphas_cumprod, linear64.sqrt_one_minus_alphas_cumprod)
    assert x_t.shape == x0.shape and noise.shape == x0.shape
    torch.manual_seed(1)
    assert torch.equal(noise, torch.randn_like(x0)), "noise is torch.randn_like(x_0), as in the seed"
    assert torch.allclose(x_t, q_sample(linear64, x0, t, noise), atol=1e-15)


def test_posterior_mean_equals_seed_step_formula_for_every_t(linear64):
    """Paper eq. 11 equals mu-tilde(x_t, x0-hat) from the unclipped x0-hat, for all 1000 steps, to 1e-10."""
    s = linear64
    T = len(s)
    gen = torch.Generator().manual_seed(3)
    x_t = torch.randn(T, 3, 4, 4, generator=gen, dtype=torch.float64)
    eps = torch.randn(T, 3, 4, 4, generator=gen, dtype=torch.float64)
    t = torch.arange(T)
    view = (T, 1, 1, 1)
    eq11 = (1 / torch.sqrt(s.alphas)).view(view) * (x_t - (s.betas / s.sqrt_one_minus_alphas_cumprod).view(view) * eps)
    posterior = p_mean_variance(s, x_t, t, eps)["mean"]
    assert (eq11 - posterior).abs().max().item() < 1e-10
    seed_step = denoising_step(
        x_t, t, lambda x, tt: eps, s.alphas, s.alphas_cumprod, s.betas, noise=torch.zeros_like(x_t)
    )
    assert (seed_step - eq11).abs().max().item() < 1e-12


def test_posterior_at_t0_returns_x0(linear64):
    x0 = torch.randn(2, 5, dtype=torch.float64)
    x_t = torch.randn(2, 5, dtype=torch.float64)
    mean, var, logvar = q_posterior_mean_variance(linear64, x0, x_t, 0)
    assert torch.allclose(mean, x0, atol=1e-12)
    assert torch.equal(var, torch.zeros(2, 1, dtype=torch.float64))
    assert torch.allclose(logvar, torch.full((2, 1), -9.81672513529567, dtype=torch.float64), atol=1e-10)


def test_posterior_mean_matches_monte_carlo(linear64):
    """q(x_{t-1} | x_t, x_0): simulate x_{t-1} then x_t; regress on pairs with x_t near a value."""
    s = linear64
    t = 50
    x0 = torch.full((400_000, 1), 0.6, dtype=torch.float64)
    gen = torch.Generator().manual_seed(11)
    x_prev = q_sample(s, x0, t - 1, torch.randn(x0.shape, generator=gen, dtype=torch.float64))
    x_t = torch.sqrt(s.alphas[t]) * x_prev + torch.sqrt(s.betas[t]) * torch.randn(
        x0.shape, generator=gen, dtype=torch.float64
    )
    # Linear regression of x_prev on x_t is exact for jointly Gaussian variables.
    xt_c, xp_c = x_t - x_t.mean(), x_prev - x_prev.mean()
    slope = (xt_c * xp_c).sum() / (xt_c**2).sum()
    residual_var = (xp_c - slope * xt_c).var()
    assert slope.item() == pytest.approx(s.posterior_mean_coef2[t].item(), abs=0.01)
    assert residual_var.item() == pytest.approx(s.posterior_variance[t].item(), rel=0.01)


def test_x0_eps_round_trip(linear64):
    x_t = torch.randn(6, 2, dtype=torch.float64)
    eps = torch.randn(6, 2, dtype=torch.float64)
    t = torch.tensor([0, 1, 10, 100, 500, 999])
    x0 = predict_x0_from_eps(linear64, x_t, t, eps)
    assert torch.allclose(predict_eps_from_x0(linear64, x_t, t, x0), eps, atol=1e-9)
    assert torch.allclose(q_sample(linear64, x0, t, eps), x_t, atol=1e-12)


def test_last_step_adds_no_noise(linear64):
    x_t = torch.randn(3, 1, 4, 4, dtype=torch.float64)
    eps = torch.randn_like(x_t)
    model = lambda x, t: eps  # noqa: E731
    s = linear64
    big_noise = torch.full_like(x_t, 100.0)
    for clip in (False, True):
        for variance in ("beta", "posterior"):
            out = denoising_step(
                x_t,
                torch.zeros(3, dtype=torch.long),
                model,
                s.alphas,
                s.alphas_cumprod,
                s.betas,
                variance=variance,
                clip_denoised=clip,
                noise=big_noise,
            )
            pred_x0 = predict_x0_from_eps(s, x_t, 0, eps)
            expected = pred_x0.clamp(-1, 1) if clip else pred_x0
            assert torch.allclose(out, expected, atol=1e-10), "index 0 output is x0-hat (clipped when clipping)"


def test_denoising_step_variances_and_clipping(linear64):
    s = linear64
    x_t = torch.randn(4, 2, dtype=torch.float64) * 3
    eps = torch.randn_like(x_t)
    z = torch.randn_like(x_t)
    t = torch.tensor([1, 2, 10, 700])
    model = lambda x, tt: eps  # noqa: E731
    for variance, sigma2 in (("beta", s.betas[t]), ("posterior", s.posterior_variance[t])):
        out = denoising_step(x_t, t, model, s.alphas, s.alphas_cumprod, s.betas, variance=variance, noise=z)
        mean = p_mean_variance(s, x_t, t, eps, variance=variance)["mean"]
        assert torch.allclose(out, mean + torch.sqrt(sigma2)[:, None] * z, atol=1e-12)
        clipped = denoising_step(
            x_t, t, model, s.alphas, s.alphas_cumprod, s.betas, variance=variance, clip_denoised=True, noise=z
        )
        mv = p_mean_variance(s, x_t, t, eps, variance=variance, clip_denoised=True)
        assert torch.allclose(clipped, mv["mean"] + torch.sqrt(sigma2)[:, None] * z, atol=1e-12)
        assert mv["pred_x0"].abs().max() <= 1.0


def test_mixed_batch_adds_noise_only_where_t_positive(linear64):
    s = linear64
    x_t = torch.zeros(2, 3, dtype=torch.float64)
    eps = torch.zeros_like(x_t)
    out = denoising_step(
        x_t, torch.tensor([0, 5]), lambda x, t: eps, s.alphas, s.alphas_cumprod, s.betas, noise=torch.ones_like(x_t)
    )
    assert torch.equal(out[0], torch.zeros(3, dtype=torch.float64))
    assert torch.allclose(out[1], torch.full((3,), math.sqrt(s.betas[5].item()), dtype=torch.float64))


def test_ddim_eta1_gives_posterior_variance(linear64):
    s = linear64
    for t in (1, 2, 10, 100, 500, 999):
        x_t = torch.zeros(1, 1, dtype=torch.float64)
        eps = torch.zeros_like(x_t)
        z = torch.ones_like(x_t)
        with_noise = ddim_step(s, x_t, t, t - 1, eps, eta=1.0, noise=z)
        without = ddim_step(s, x_t, t, t - 1, eps, eta=1.0, noise=torch.zeros_like(z))
        sigma2 = (with_noise - without).item() ** 2
        assert sigma2 == pytest.approx(s.posterior_variance[t].item(), rel=1e-12, abs=1e-300)


def test_ddim_eta0_is_deterministic_and_recovers_x0(linear64):
    s = linear64
    gen = torch.Generator().manual_seed(5)
    x0 = torch.rand(3, 1, 4, 4, generator=gen, dtype=torch.float64) * 2 - 1
    eps = torch.randn(x0.shape, generator=gen, dtype=torch.float64)
    for t in (0, 10, 999):
        x_t = q_sample(s, x0, t, eps)
        first = ddim_step(s, x_t, t, -1, eps, eta=0.0)
        second = ddim_step(s, x_t, t, -1, eps, eta=0.0, noise=torch.randn_like(x_t))
        assert torch.equal(first, second), "eta = 0 ignores noise"
        assert torch.allclose(first, x0, atol=1e-10)
    # DDIM between two noise levels with the true eps lands exactly on q_sample at the earlier level.
    x_t = q_sample(s, x0, 900, eps)
    assert torch.allclose(ddim_step(s, x_t, 900, 400, eps), q_sample(s, x0, 400, eps), atol=1e-12)


def test_ddim_clipping_rederives_eps(linear64):
    s = linear64
    x_t = torch.full((1, 2), 5.0, dtype=torch.float64)
    eps = torch.zeros_like(x_t)
    out = ddim_step(s, x_t, 500, 250, eps, clip_denoised=True)
    x0_clipped = torch.ones_like(x_t)
    eps_rederived = predict_eps_from_x0(s, x_t, 500, x0_clipped)
    expected = s.sqrt_alphas_cumprod[250] * x0_clipped + s.sqrt_one_minus_alphas_cumprod[250] * eps_rederived
    assert torch.allclose(out, expected, atol=1e-12)


def test_guided_eps_convention():
    c, u = torch.full((2, 3), 2.0), torch.full((2, 3), 1.0)
    assert torch.equal(guided_eps(c, u, 0.0), c)
    assert torch.equal(guided_eps(c, u, 1.0), torch.full((2, 3), 3.0))
    with pytest.raises(ValueError, match="w must be >= 0"):
        guided_eps(c, u, -1.0)
    with pytest.raises(ValueError, match="eps_uncond must have the same shape as eps_cond"):
        guided_eps(c, u[:1], 1.0)


def test_float32_by_default():
    s = DiffusionSchedule.linear(100)
    x0 = torch.randn(2, 3)
    x_t = q_sample(s, x0, 5, torch.randn_like(x0))
    assert x_t.dtype == torch.float32


def test_sigma_squared_stays_below_one_minus_alpha_bar_prev_for_eta_one(linear64):
    # The reason η ≤ 1 suffices: σ²(η = 1) = β̃-like bound ≤ 1 − ᾱ_prev for every (t, t_prev) pair.
    ab = linear64.alphas_cumprod
    t, prev = torch.meshgrid(torch.arange(1, 1000), torch.arange(0, 999), indexing="ij")
    keep = prev < t
    a, ap = ab[t[keep]], ab[prev[keep]]
    sigma2 = (1 - ap) / (1 - a) * (1 - a / ap)
    assert bool((sigma2 <= 1 - ap + 1e-15).all())


def test_sample_takes_the_seeds_denoising_step_exactly(linear64):
    # Equation once: sample()'s DDPM loop and the seed's denoising_step go through the same reverse_step. The seed
    # hands over float32 arrays, so its schedule is re-derived from float32 β: equal to float32 round-off.
    torch.manual_seed(0)
    s = DiffusionSchedule.linear(50)

    class Tiny(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.tensor(0.3))

        def forward(self, x, t):
            return self.w * x + t[:, None].float() / 100

    model = Tiny().eval()
    generator = torch.Generator().manual_seed(7)
    x = torch.randn((4, 2), generator=generator)
    for i in reversed(range(len(s))):
        z = torch.randn((4, 2), generator=generator)
        x = denoising_step(x, i, model, s.alphas, s.alphas_cumprod, s.betas, noise=z)
    sampled = sample(model, s, (4, 2), seed=7, progress=False)
    assert torch.allclose(x, sampled, rtol=0, atol=1e-5), (x - sampled).abs().max()


def test_guided_eps_tensor_weight_shape_and_sign():
    c, u = torch.ones(3, 1, 2, 2), torch.zeros(3, 1, 2, 2)
    per_example = torch.tensor([0.0, 1.0, 2.0]).view(3, 1, 1, 1)
    assert torch.equal(guided_eps(c, u, per_example)[:, 0, 0, 0], torch.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="w must be a number or a tensor of shape \\(\\) or \\(3, 1, 1, 1\\)"):
        guided_eps(c, u, torch.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="w must be >= 0"):
        guided_eps(c, u, torch.tensor(-1.0))
