"""The variational bound and the simplified loss (lesson 03b; the seed's 损失函数 section).

−log p_θ(x_0) ≤ L = L_T + Σ_{t>1} L_{t−1} + L_0   (DDPM eq. 5), with

- L_T     = KL(q(x_T | x_0) ‖ p(x_T))                 the prior term, :func:`prior_kl_bpd`
- L_{t−1} = KL(q(x_{t−1} | x_t, x_0) ‖ p_θ(x_{t−1} | x_t))   the denoising terms, :func:`vb_term_bpd`
- L_0     = −log p_θ(x_0 | x_1)                     the decoder term, discretised (eq. 13)

Terms are reported in bits per dimension: nats averaged over all C·H·W dimensions, divided by ln 2. In code
indices, the term at index ``i > 0`` is paper L_{i}; the term at index 0 is L_0.

Training targets as loss weightings (issue 22, lesson A; Kingma & Gao 2023, Salimans & Ho 2022): an unweighted MSE
on x₀, v or the flow velocity is an ε-MSE weighted by a function of the signal-to-noise ratio,
:func:`target_weight`; min-SNR-γ (Hang et al. 2023) is one more weighting, :func:`min_snr_weight`.
"""

from __future__ import annotations

import math
import numbers

import torch
import torch.nn.functional as F

from . import kernels
from .process import VARIANCES
from .schedule import gather
from .validation import (
    InputError,
    as_timesteps,
    check_bool,
    check_choice,
    check_finite_result,
    check_generator,
    check_model,
    check_real,
    check_same_device,
    check_same_shape,
    check_schedule,
    check_schedule_device,
    check_tensor,
    schedule_steps,
)

__all__ = [
    "normal_kl",
    "discretized_gaussian_log_likelihood",
    "prior_kl_bpd",
    "vb_term_bpd",
    "eps_mse_weight",
    "weighted_eps_mse",
    "variational_bound_bpd",
    "simple_loss",
    "mean_flat",
    "TARGETS",
    "target_weight",
    "min_snr_weight",
]

TARGETS = ("eps", "x0", "v", "flow")  # what a network can be trained to predict (issue 22, lesson A)

LN2 = math.log(2.0)
BIN_HALF_WIDTH = 1.0 / 255.0


def mean_flat(x: torch.Tensor) -> torch.Tensor:
    """Mean over every dimension except the batch: ``(B, ...)`` → ``(B,)``."""
    check_tensor(x, "x")
    return check_finite_result(_mean_flat(x), {"x": x}, "the mean")


def _mean_flat(x: torch.Tensor) -> torch.Tensor:
    return x.reshape(x.shape[0], -1).mean(dim=1)


def normal_kl(mean1, logvar1, mean2, logvar2):
    """KL(N(mean1, e^logvar1) ‖ N(mean2, e^logvar2)) elementwise, in nats (Ho et al.'s ``normal_kl``).

    ½ (−1 + logvar2 − logvar1 + e^{logvar1 − logvar2} + (mean1 − mean2)² e^{−logvar2}).
    Arguments broadcast against each other (a variance of shape ``(B, 1, 1, 1)`` against means ``(B, C, H, W)``).
    """
    for value, name in ((mean1, "mean1"), (logvar1, "logvar1"), (mean2, "mean2"), (logvar2, "logvar2")):
        if not isinstance(value, torch.Tensor) or not value.is_floating_point():
            kind = f"dtype {value.dtype}" if isinstance(value, torch.Tensor) else type(value).__name__
            raise InputError(f"{name} must be a floating-point tensor, got {kind}", parameter=name)
    kl = _normal_kl(mean1, logvar1, mean2, logvar2)
    return check_finite_result(kl, {"mean1": mean1, "logvar1": logvar1, "mean2": mean2, "logvar2": logvar2}, "the KL")


def _normal_kl(mean1, logvar1, mean2, logvar2):
    return 0.5 * (-1.0 + logvar2 - logvar1 + torch.exp(logvar1 - logvar2) + (mean1 - mean2) ** 2 * torch.exp(-logvar2))


def _log_bin_probability(upper_cdf, lower_cdf, upper_sf, lower_sf, centred):
    # Above the mean, 1 − Φ differences are exact where Φ differences would cancel; the result is the same bin mass.
    prob = torch.where(centred > 0, lower_sf - upper_sf, upper_cdf - lower_cdf)
    return torch.log(prob.clamp(min=1e-12))


def discretized_gaussian_log_likelihood(x, means, log_scales):
    """log p(x) of 8-bit data under a Gaussian integrated over each pixel's bin (DDPM eq. 13), in nats per element.

    Bins have half-width 1/255 around the 256 values x ∈ {−1, −1 + 2/255, …, 1}; the edge bins are open, so the
    bin at −1 reaches −∞ and the bin at +1 reaches +∞ and the 256 bin probabilities sum to 1. Uses the exact
    normal CDF (Ho et al. use a tanh approximation); probabilities are floored at 1e-12 before the log.

    Args:
        x: data in [−1, 1] on the 8-bit grid, shape ``(B, ...)``.
        means: Gaussian means, shaped like ``x``; log_scales: log standard deviations, broadcastable to ``x``.
    """
    check_tensor(x, "x")
    check_tensor(means, "means")
    check_same_shape(x, means, "x", "means")
    _check_8bit(x)
    if not isinstance(log_scales, torch.Tensor) or not log_scales.is_floating_point():
        raise InputError(f"log_scales must be a floating-point tensor, got {log_scales!r:.80}", parameter="log_scales")
    try:
        torch.broadcast_shapes(log_scales.shape, x.shape)
    except RuntimeError as error:
        raise InputError(
            f"log_scales of shape {tuple(log_scales.shape)} does not broadcast to x {tuple(x.shape)}",
            parameter="log_scales",
        ) from error
    log_p = _discretized_log_likelihood(x, means, log_scales)
    return check_finite_result(log_p, {"x": x, "means": means, "log_scales": log_scales}, "log p(x)")


def _check_8bit(x: torch.Tensor, name: str = "x") -> None:
    if bool((x.abs() > 1.0 + 1e-6).any()) or bool(x.isnan().any()):
        raise InputError(f"{name} must lie in [-1, 1] (8-bit data scaled by x/127.5 - 1)", parameter=name)
    levels = (x.double() + 1) * 127.5
    if bool(((levels - levels.round()).abs() > 1e-3).any()):
        raise InputError(
            f"{name} must lie on the 8-bit grid {-1, -1 + 2 / 255, ..., 1} (pixel/127.5 - 1); "
            "the discretized decoder is not defined for continuous data"
        )


def _discretized_log_likelihood(x, means, log_scales):
    # The decoder term L_0, eq. 13: the Gaussian's mass in each pixel's bin (edge bins open).
    centred = x - means
    inv_std = torch.exp(-log_scales)
    upper = inv_std * (centred + BIN_HALF_WIDTH)
    lower = inv_std * (centred - BIN_HALF_WIDTH)
    upper_cdf = torch.where(x > 0.999, torch.ones_like(upper), torch.special.ndtr(upper))
    lower_cdf = torch.where(x < -0.999, torch.zeros_like(lower), torch.special.ndtr(lower))
    upper_sf = torch.where(x > 0.999, torch.zeros_like(upper), torch.special.ndtr(-upper))
    lower_sf = torch.where(x < -0.999, torch.ones_like(lower), torch.special.ndtr(-lower))
    return _log_bin_probability(upper_cdf, lower_cdf, upper_sf, lower_sf, centred)


def prior_kl_bpd(schedule, x0):
    """L_T = KL(q(x_T | x_0) ‖ N(0, I)) in bits/dim, shape ``(B,)`` (DDPM eq. 5, first term).

    Per dimension ½(ᾱ_T x_0² − ᾱ_T − ln(1 − ᾱ_T)) nats; no parameters, so training ignores it (seed: 常数项).
    """
    check_schedule(schedule)
    check_tensor(x0, "x0")
    check_same_device(x0, schedule.betas, "x0", "schedule")
    return check_finite_result(_prior_kl_bpd(schedule, x0), {"x0": x0}, "L_T")


def _prior_kl_bpd(schedule, x0):
    # float64 and log1p: for small ᾱ_T the terms cancel almost exactly (float32 would return 0 for x0 = 0).
    alpha_bar = schedule.alphas_cumprod[-1].double()
    x = x0.double()
    kl = 0.5 * (alpha_bar * x**2 - alpha_bar - torch.log1p(-alpha_bar))
    return (_mean_flat(kl) / LN2).to(x0.dtype)


def vb_term_bpd(schedule, x0, x_t, t, eps, *, variance="beta", clip_denoised=False):
    """One term of the bound in bits/dim, shape ``(B,)`` (DDPM eq. 5): L_{t−1} for index t > 0, L_0 for t = 0.

    For t > 0: KL(q(x_{t−1}|x_t, x_0) ‖ p_θ(x_{t−1}|x_t)) averaged over dimensions. For t = 0: the decoder
    negative log-likelihood −log p_θ(x_0|x_1) with the discretised Gaussian (x_0 must be 8-bit data in [−1, 1]).

    Args:
        schedule; x0 clean data ``(B, ...)``; x_t a sample of q(x_t | x_0); t int or ``(B,)``;
        eps: the model's ε prediction at (x_t, t); variance: ``"beta"`` or ``"posterior"``; clip_denoised as in
        :func:`ddpm_lessons.p_mean_variance`.
    """
    check_schedule(schedule)
    for name, value in (("x0", x0), ("x_t", x_t), ("eps", eps)):
        check_tensor(value, name)
    check_same_shape(x0, x_t, "x0", "x_t")
    check_same_shape(x_t, eps, "x_t", "eps")
    check_schedule_device(schedule, x0)
    check_choice(variance, VARIANCES, "variance")
    check_bool(clip_denoised, "clip_denoised")
    t = schedule_steps(schedule, x0, t)
    first = t == 0
    if not bool(first.any()):
        first = False
    else:
        _check_8bit(x0[first], "x0")
    term = _vb_term_bpd(schedule, x0, x_t, t, eps, variance, clip_denoised, first)
    return check_finite_result(term, {"x0": x0, "x_t": x_t, "eps": eps}, "the term")


def _vb_term_bpd(schedule, x0, x_t, t, eps, variance, clip_denoised, first):
    # first: the elements at t = 0, a mask, or a host bool for a batch at one step (no device sync in a loop).
    true_mean = kernels.posterior_mean(schedule, x0, x_t, t)
    true_logvar = gather(schedule.posterior_log_variance_clipped, t, x0)
    mean, _ = kernels.reverse_mean(schedule, x_t, t, eps, clip_denoised)
    log_variance = gather(kernels.reverse_log_variance(schedule, variance), t, x_t)
    kl = _mean_flat(_normal_kl(true_mean, true_logvar, mean, log_variance)) / LN2  # L_{t−1}, eq. 5
    result = kl.clone()
    if first is False:
        return result
    decoder = _discretized_log_likelihood(x0[first], mean[first], 0.5 * log_variance[first])  # L_0, eq. 13
    result[first] = -_mean_flat(decoder) / LN2
    return result


def eps_mse_weight(schedule, t=None, *, variance="beta"):
    """The weight β_t² / (2 σ_t² α_t (1 − ᾱ_t)) that turns L_{t−1} into a weighted ε-MSE (DDPM eq. 12).

    Returns a tensor ``(T,)`` when ``t`` is None, else the weights at ``t`` (int or 1-D integer tensor). Index 0 (L_0,
    the decoder term) has no such form; its entry is the formula's value with σ at index 0, for plotting only.
    """
    check_schedule(schedule)
    check_choice(variance, VARIANCES, "variance")
    sigma2 = torch.exp(kernels.reverse_log_variance(schedule, variance))
    weights = schedule.betas**2 / (2.0 * sigma2 * schedule.alphas * (1.0 - schedule.alphas_cumprod))
    if t is None:
        return weights
    count = t.numel() if isinstance(t, torch.Tensor) else 1
    return weights[as_timesteps(t, count, len(schedule), weights.device)]


def weighted_eps_mse(schedule, t, eps, eps_pred, *, variance="beta"):
    """L_{t−1} in nats per example, written as a weighted ε-MSE (DDPM eq. 12), shape ``(B,)``.

    L_{t−1} = w_t ‖ε − ε_θ‖² + D·c_t, with w_t from :func:`eps_mse_weight`, D the number of dimensions and
    c_t = ½(β̃_t/σ_t² − 1 − ln(β̃_t/σ_t²)) the constant KL between the two variances (0 when σ_t² = β̃_t). Only
    defined for t ≥ 1: the term at index 0 is the decoder term L_0.
    """
    check_tensor(eps, "eps")
    check_tensor(eps_pred, "eps_pred")
    check_same_shape(eps, eps_pred, "eps", "eps_pred")
    check_schedule(schedule)
    check_same_device(eps, schedule.betas, "eps", "schedule")
    t = as_timesteps(t, eps.shape[0], len(schedule), eps.device, minimum=1)
    weight = eps_mse_weight(schedule, variance=variance)[t]
    ratio = (schedule.posterior_variance / torch.exp(kernels.reverse_log_variance(schedule, variance)))[t]
    const = 0.5 * (ratio - 1.0 - torch.log(ratio))
    dims = eps[0].numel()
    term = weight.to(eps.dtype) * (eps - eps_pred).reshape(eps.shape[0], -1).pow(2).sum(dim=1) + dims * const.to(
        eps.dtype
    )
    return check_finite_result(term, {"eps": eps, "eps_pred": eps_pred}, "L_{t-1}")


@torch.no_grad()
def variational_bound_bpd(model, schedule, x0, *, variance="beta", clip_denoised=False, generator=None):
    """Every term of the bound and their total, in bits/dim, for ``model`` on a batch (DDPM eq. 5).

    Follows Ho et al.'s ``calc_bpd_loop``: for each index t from T−1 down to 0, draw a fresh
    x_t ~ q(x_t | x_0), ask ``model(x_t, t)`` for ε, and evaluate the term. T model calls per batch.

    Args:
        model: callable ``(x_t, t) -> eps`` with t a ``(B,)`` long tensor.
        schedule; x0: 8-bit data in [−1, 1], ``(B, ...)``; variance, clip_denoised as in :func:`vb_term_bpd`;
        generator: optional ``torch.Generator`` for the noise.

    Returns:
        dict: ``prior_bpd`` (B,), ``terms_bpd`` (B, T) with column i the term at index i (L_0 in column 0),
        ``total_bpd`` (B,) = prior + Σ terms, ``eps_mse`` (B, T) the ε-MSE at each t.
    """
    check_model(model)
    check_schedule(schedule)
    check_tensor(x0, "x0")
    check_schedule_device(schedule, x0)
    check_choice(variance, VARIANCES, "variance")
    check_bool(clip_denoised, "clip_denoised")
    check_generator(generator)
    _check_8bit(x0, "x0")
    batch, T = x0.shape[0], len(schedule)
    terms = torch.zeros(batch, T, dtype=x0.dtype, device=x0.device)
    mse = torch.zeros_like(terms)
    for i in reversed(range(T)):
        t = torch.full((batch,), i, dtype=torch.long, device=x0.device)
        noise = torch.randn(x0.shape, generator=generator, dtype=x0.dtype, device=x0.device)
        x_t = kernels.q_sample(schedule.sqrt_alphas_cumprod, schedule.sqrt_one_minus_alphas_cumprod, x0, t, noise)
        eps = model(x_t, t)
        first = i == 0 and torch.ones(batch, dtype=torch.bool, device=x0.device)  # the decoder term at index 0
        terms[:, i] = _vb_term_bpd(schedule, x0, x_t, t, eps, variance, clip_denoised, first)
        mse[:, i] = _mean_flat((eps - noise) ** 2)
    check_finite_result(terms, {"x0": x0, "model(x_t, t)": mse}, "the bound")
    prior = _prior_kl_bpd(schedule, x0)
    return {"prior_bpd": prior, "terms_bpd": terms, "total_bpd": prior + terms.sum(dim=1), "eps_mse": mse}


def simple_loss(eps, eps_pred):
    """L_simple = E‖ε − ε_θ(√ᾱ_t x_0 + √(1 − ᾱ_t) ε, t)‖², the mean over all elements (DDPM eq. 14; seed 简化的损失函数).

    Shapes must match exactly (no broadcasting). Returns a scalar; NaN or inf in either argument is refused,
    naming it (the loss is checked once; :func:`ddpm_lessons.train` computes the same loss unchecked and reports
    a non-finite one as :class:`~ddpm_lessons.train.TrainingDivergedError`).
    """
    check_tensor(eps, "eps")
    check_tensor(eps_pred, "eps_pred")
    check_same_shape(eps, eps_pred, "eps", "eps_pred")
    return check_finite_result(F.mse_loss(eps_pred, eps), {"eps": eps, "eps_pred": eps_pred}, "L_simple")


def _snr_times_target_weight(snr, prediction: str):
    # SNR · w(SNR): the weight the MSE on ``prediction``'s target puts on ‖ε̂ − ε‖², times SNR (finite at SNR = 0)
    if prediction == "eps":
        return snr  # w = 1
    if prediction == "x0":
        return torch.ones_like(snr)  # w = 1/SNR: ‖x̂₀ − x₀‖² = ‖ε̂ − ε‖²/SNR
    if prediction == "v":
        return snr + 1  # w = 1/ᾱ = 1 + 1/SNR: ‖v̂ − v‖² = ‖ε̂ − ε‖²/ᾱ
    return (snr.sqrt() + 1) ** 2  # w = (1 + 1/√SNR)²: ‖û − u‖² = (1 + √((1 − ᾱ)/ᾱ))² ‖ε̂ − ε‖²


def _snr_tensor(snr, name: str = "snr", *, zero_ok: bool) -> torch.Tensor:
    if isinstance(snr, torch.Tensor):
        if not snr.is_floating_point():
            raise InputError(
                f"{name} must be a real number or a floating-point tensor, got dtype {snr.dtype}", parameter=name
            )
        values = snr
    elif isinstance(snr, bool) or not isinstance(snr, numbers.Real):
        raise InputError(
            f"{name} must be a real number or a floating-point tensor, got {type(snr).__name__}", parameter=name
        )
    else:
        values = torch.tensor(float(snr), dtype=torch.float64)
    bad = ~torch.isfinite(values) | ((values < 0) if zero_ok else (values <= 0))
    if bool(bad.any()):
        interval = "[0, inf)" if zero_ok else "(0, inf)"
        raise InputError(
            f"{name} must lie in {interval} (SNR = ᾱ/(1 − ᾱ)), got {values[bad].flatten()[0].item():g}", parameter=name
        )
    return values


def target_weight(snr, prediction: str) -> torch.Tensor:
    """The weight w(SNR) that an unweighted MSE on ``prediction``'s target puts on the ε-error ‖ε̂ − ε‖² (Kingma &
    Gao 2023, "Understanding Diffusion Objectives", §2 and Table 1; Salimans & Ho 2022, §4; issue 22, lesson A).

    Every target is a linear function of ε̂ at a given (x_t, ᾱ), so its error is a multiple of ε's. With
    x_t = √ᾱ x₀ + √(1 − ᾱ) ε and SNR = ᾱ/(1 − ᾱ):

    - ``"eps"``: w = 1 (L_simple, DDPM eq. 14).
    - ``"x0"``: x̂₀ = (x_t − √(1 − ᾱ) ε̂)/√ᾱ (DDPM eq. 15), so x̂₀ − x₀ = −√((1 − ᾱ)/ᾱ) (ε̂ − ε) and
      ‖x̂₀ − x₀‖² = ‖ε̂ − ε‖²/SNR: w = 1/SNR.
    - ``"v"``: v = √ᾱ ε − √(1 − ᾱ) x₀ (Salimans & Ho 2022, §4) is, at fixed x_t, v = (ε − √(1 − ᾱ) x_t)/√ᾱ, so
      v̂ − v = (ε̂ − ε)/√ᾱ and ‖v̂ − v‖² = ‖ε̂ − ε‖²/ᾱ = (1 + 1/SNR) ‖ε̂ − ε‖²: w = 1 + 1/SNR.
    - ``"flow"``: flow matching's velocity u = ε − x₀ on x_s = (1 − s) x₀ + s ε (lesson 09b) is the same point as
      x_t scaled by 1/(√ᾱ + √(1 − ᾱ)) (:func:`ddpm_lessons.flow.vp_to_flow`); û − u = (ε̂ − ε) − (x̂₀ − x₀) =
      (1 + √((1 − ᾱ)/ᾱ)) (ε̂ − ε): w = (1 + 1/√SNR)².

    All four are minimised by the same ε̂ = E[ε | x_t]; they differ only in how much each noise level counts.

    Args:
        snr: SNR > 0, a number or a floating-point tensor (any shape; e.g. ᾱ/(1 − ᾱ) of a schedule).
        prediction: one of :data:`TARGETS`.

    Returns:
        w(SNR), a tensor of ``snr``'s shape (float64 for a number).
    """
    check_choice(prediction, TARGETS, "prediction")
    snr = _snr_tensor(snr, zero_ok=False)
    return _snr_times_target_weight(snr, prediction) / snr


def min_snr_weight(snr, prediction: str, gamma: float = 5.0) -> torch.Tensor:
    """The per-example factor that makes the MSE on ``prediction``'s target the min-SNR-γ loss (Hang et al. 2023,
    "Efficient Diffusion Training via Min-SNR Weighting Strategy", eq. 7; issue 22, lesson A).

    Min-SNR-γ weights the x₀-MSE by min(SNR, γ), i.e. the ε-MSE by min(SNR, γ)/SNR (‖x̂₀ − x₀‖² = ‖ε̂ − ε‖²/SNR):
    no level counts more than the ε-loss would, and the nearly clean levels (SNR > γ) count less. A network trained
    on a target whose MSE already weights the ε-error by w(SNR) (:func:`target_weight`) needs the factor

        min(SNR, γ)/SNR / w(SNR):  ε: min(SNR, γ)/SNR;  x₀: min(SNR, γ);  v: min(SNR, γ)/(SNR + 1);
        flow: min(SNR, γ)/(√SNR + 1)²,

    so that factor × MSE(target) = min(SNR, γ)/SNR × ‖ε̂ − ε‖². Written as min(SNR, γ)/(SNR · w), every form but
    ε's is finite at SNR = 0 (a zero-terminal-SNR schedule, Lin et al. 2024), where it is 0.

    Args:
        snr: SNR ≥ 0 (> 0 for ``"eps"``, whose factor min(SNR, γ)/SNR is 0/0 at SNR = 0), a number or a tensor.
        prediction: one of :data:`TARGETS`; gamma: γ > 0 (Hang et al. use 5).
    """
    check_choice(prediction, TARGETS, "prediction")
    gamma = check_real(gamma, "gamma", minimum=0.0)
    if gamma <= 0:
        raise InputError(f"gamma must be > 0, got {gamma:g}", parameter="gamma")
    snr = _snr_tensor(snr, zero_ok=prediction != "eps")
    return torch.clamp(snr, max=gamma) / _snr_times_target_weight(snr, prediction)  # Hang et al. eq. 7
