"""The unchecked kernels against the paper's formulas written out in float64 (DDPM eq. 4, 7, 11, 15)."""

import torch

from ddpm_lessons import kernels
from ddpm_lessons.schedule import broadcast_to_batch, gather

G = torch.Generator().manual_seed(0)
X0, XT, EPS = (torch.randn(5, 3, dtype=torch.float64, generator=G) for _ in range(3))
T_BATCH = torch.tensor([0, 1, 17, 500, 999])


def per_element(values):
    return values[:, None]


def test_q_sample_is_eq4_for_tensor_and_int_timesteps(linear64):
    s = linear64
    ab = per_element(s.alphas_cumprod[T_BATCH])
    expected = ab.sqrt() * X0 + (1 - ab).sqrt() * EPS
    got = kernels.q_sample(s.sqrt_alphas_cumprod, s.sqrt_one_minus_alphas_cumprod, X0, T_BATCH, EPS)
    assert torch.allclose(got, expected, rtol=0, atol=1e-14)
    one = kernels.q_sample(s.sqrt_alphas_cumprod, s.sqrt_one_minus_alphas_cumprod, X0, 17, EPS)
    batch = kernels.q_sample(s.sqrt_alphas_cumprod, s.sqrt_one_minus_alphas_cumprod, X0, torch.full((5,), 17), EPS)
    assert torch.equal(one, batch), "an int t is the same step for every element, to the bit"


def test_posterior_mean_is_eq7(linear64):
    s = linear64
    ab, ab_prev = per_element(s.alphas_cumprod[T_BATCH]), per_element(s.alphas_cumprod_prev[T_BATCH])
    beta, alpha = per_element(s.betas[T_BATCH]), per_element(s.alphas[T_BATCH])
    expected = ab_prev.sqrt() * beta / (1 - ab) * X0 + alpha.sqrt() * (1 - ab_prev) / (1 - ab) * XT
    assert torch.allclose(kernels.posterior_mean(s, X0, XT, T_BATCH), expected, rtol=0, atol=1e-12)


def test_x0_and_eps_are_eq15_and_inverse(linear64):
    s = linear64
    ab = per_element(s.alphas_cumprod[T_BATCH])
    x0 = kernels.x0_from_eps(s, XT, T_BATCH, EPS)
    assert torch.allclose(x0, (XT - (1 - ab).sqrt() * EPS) / ab.sqrt(), rtol=1e-12, atol=1e-12)
    assert torch.allclose(kernels.eps_from_x0(s, XT, T_BATCH, x0), EPS, rtol=1e-9, atol=1e-9)


def test_reverse_mean_is_eq11_and_clips_x0(linear64):
    s = linear64
    alpha, beta = per_element(s.alphas[T_BATCH]), per_element(s.betas[T_BATCH])
    ab = per_element(s.alphas_cumprod[T_BATCH])
    mean, _ = kernels.reverse_mean(s, XT, T_BATCH, EPS, clip_denoised=False)
    eq11 = (XT - beta / (1 - ab).sqrt() * EPS) / alpha.sqrt()
    assert torch.allclose(mean, eq11, rtol=1e-9, atol=1e-9)
    clipped_mean, clipped_x0 = kernels.reverse_mean(s, XT, T_BATCH, EPS * 50, clip_denoised=True)
    assert clipped_x0.abs().max() <= 1
    assert torch.equal(clipped_mean, kernels.posterior_mean(s, clipped_x0, XT, T_BATCH))


def test_reverse_log_variance_picks_beta_or_posterior(linear64):
    s = linear64
    assert torch.equal(kernels.reverse_log_variance(s, "posterior"), s.posterior_log_variance_clipped)
    assert torch.allclose(kernels.reverse_log_variance(s, "beta")[1:], s.betas[1:].log(), rtol=1e-14)


def test_gather_shapes_for_int_and_tensor_t(linear64):
    x = torch.zeros(5, 1, 2, 2, dtype=torch.float32)
    assert gather(linear64.betas, 3, x).shape == () and gather(linear64.betas, 3, x).dtype == torch.float32
    assert gather(linear64.betas, T_BATCH, x).shape == (5, 1, 1, 1)
    assert broadcast_to_batch(torch.tensor([True, False]), torch.zeros(2, 3)).tolist() == [[1.0], [0.0]]


def test_eps_from_x0_is_x_t_itself_at_alpha_bar_zero(linear64):
    # issue 22, lesson A: zero terminal SNR (Lin et al. 2024): x_T = ε exactly, whatever x̂₀; elsewhere eq. 15 as always
    zero = linear64.zero_terminal_snr()
    assert torch.equal(kernels.eps_from_x0(zero, XT, 999, X0), XT)
    t = torch.tensor([3, 999, 500, 999, 0])
    got = kernels.eps_from_x0(zero, XT, t, X0)
    assert torch.equal(got[[1, 3]], XT[[1, 3]]) and torch.isfinite(got).all()
    ab = zero.alphas_cumprod[t[[0, 2, 4]]][:, None]
    expected = (XT[[0, 2, 4]] - ab.sqrt() * X0[[0, 2, 4]]) / (1 - ab).sqrt()
    assert torch.allclose(got[[0, 2, 4]], expected, rtol=1e-9, atol=1e-9)
