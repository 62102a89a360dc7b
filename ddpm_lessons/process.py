"""The forward process q and the reverse process p_θ (lessons 02, 03 and 07).

Shapes: ``x`` is any batch ``(B, ...)`` — images ``(B, C, H, W)``, toy points ``(B, 2)``. ``t`` is either a Python
int (the same step for the whole batch) or an integer tensor of shape ``(B,)``; indices are 0-based, so code step
``i`` is paper step ``i + 1`` and the last sampling step ``i = 0`` adds no noise.
"""

from __future__ import annotations

import numbers

import torch

from .validation import (
    as_timesteps,
    broadcast_to_batch,
    check_bool,
    check_generator,
    check_model,
    check_real,
    check_same_device,
    check_same_shape,
    check_schedule,
    check_tensor,
    gather,
    schedule_from_arrays,
    schedule_steps,
)

__all__ = [
    "forward_diffusion_sample",
    "q_sample",
    "q_sample_iterative",
    "q_posterior_mean_variance",
    "predict_x0_from_eps",
    "predict_eps_from_x0",
    "reverse_log_variance",
    "p_mean_variance",
    "reverse_step",
    "denoising_step",
    "ddim_step",
    "guided_eps",
]

VARIANCES = ("beta", "posterior")


def forward_diffusion_sample(x_0, t, sqrt_alphas_cumprod, sqrt_one_minus_alphas_cumprod):
    """Sample x_t ~ q(x_t | x_0) in closed form: x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε (DDPM eq. 4; seed 闭式公式).

    The seed's function with the seed's signature. ``noise`` is drawn with ``torch.randn_like(x_0)``.

    Args:
        x_0: clean data, shape ``(B, ...)``.
        t: timestep indices, int or ``(B,)`` integer tensor, each in ``[0, T)``.
        sqrt_alphas_cumprod, sqrt_one_minus_alphas_cumprod: ``(T,)`` tensors √ᾱ and √(1 − ᾱ).

    Returns:
        ``(x_t, noise)``, both shaped like ``x_0``.
    """
    check_tensor(x_0, "x_0")
    for name, array in (
        ("sqrt_alphas_cumprod", sqrt_alphas_cumprod),
        ("sqrt_one_minus_alphas_cumprod", sqrt_one_minus_alphas_cumprod),
    ):
        if not isinstance(array, torch.Tensor) or not array.is_floating_point():
            raise TypeError(
                f"{name} must be a 1-D floating-point tensor of the T step values, got {type(array).__name__}"
            )
        if not bool(torch.isfinite(array).all()) or bool((array < 0).any()) or bool((array > 1).any()):
            raise ValueError(f"{name} must hold finite values in [0, 1] (square roots of ᾱ_t and 1 − ᾱ_t)")
    if sqrt_alphas_cumprod.shape != sqrt_one_minus_alphas_cumprod.shape or sqrt_alphas_cumprod.dim() != 1:
        raise ValueError(
            "sqrt_alphas_cumprod and sqrt_one_minus_alphas_cumprod must be 1-D tensors of the same length T, got "
            f"{tuple(sqrt_alphas_cumprod.shape)} and {tuple(sqrt_one_minus_alphas_cumprod.shape)}"
        )
    total = sqrt_alphas_cumprod.double() ** 2 + sqrt_one_minus_alphas_cumprod.double() ** 2
    if not torch.allclose(total, torch.ones_like(total), atol=1e-4):
        raise ValueError(
            "sqrt_alphas_cumprod² + sqrt_one_minus_alphas_cumprod² must be 1 at every t (ᾱ_t + (1 − ᾱ_t)); "
            "pass the two arrays of one schedule"
        )
    t = as_timesteps(t, x_0.shape[0], len(sqrt_alphas_cumprod), x_0.device)
    noise = torch.randn_like(x_0)
    sqrt_alpha_cumprod_t = gather(sqrt_alphas_cumprod, t, x_0, "sqrt_alphas_cumprod")
    sqrt_one_minus_alpha_cumprod_t = gather(sqrt_one_minus_alphas_cumprod, t, x_0, "sqrt_one_minus_alphas_cumprod")
    x_t = sqrt_alpha_cumprod_t * x_0 + sqrt_one_minus_alpha_cumprod_t * noise
    return x_t, noise


def q_sample(schedule, x0, t, noise):
    """x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε for a given ε (DDPM eq. 4 with the reparameterization trick).

    Deterministic given ``noise``, so the same (x_0, t, ε) always gives the same x_t.

    Args:
        schedule: a :class:`DiffusionSchedule` on ``x0``'s device.
        x0: clean data ``(B, ...)``; t: int or ``(B,)`` integer tensor; noise: ε, same shape as ``x0``.

    Returns:
        x_t, shaped like ``x0``.
    """
    check_schedule(schedule)
    check_tensor(x0, "x0")
    check_tensor(noise, "noise")
    check_same_shape(x0, noise, "x0", "noise")
    t = schedule_steps(schedule, x0, t)
    return (
        gather(schedule.sqrt_alphas_cumprod, t, x0) * x0 + gather(schedule.sqrt_one_minus_alphas_cumprod, t, x0) * noise
    )


def q_sample_iterative(schedule, x0, t, generator=None):
    """x_t by running the chain one step at a time: x_k = √(1 − β_k) x_{k−1} + √β_k ε_k (DDPM eq. 2; seed 重参数化).

    Code index ``t`` means ``t + 1`` single steps (steps 0, 1, …, t), each with fresh independent noise. This is the
    slow route that the closed form :func:`q_sample` must agree with in distribution (lesson 02 checks it).

    Args:
        schedule, x0 ``(B, ...)``, t (int or ``(B,)``); generator: optional ``torch.Generator`` for the noise.

    Returns:
        x_t, shaped like ``x0``.
    """
    check_schedule(schedule)
    check_tensor(x0, "x0")
    check_generator(generator)
    t = schedule_steps(schedule, x0, t)
    x = x0
    shrink = torch.sqrt(schedule.alphas).tolist()
    spread = torch.sqrt(schedule.betas).tolist()
    for k in range(int(t.max()) + 1):
        eps = torch.randn(x0.shape, generator=generator, dtype=x0.dtype, device=x0.device)
        stepped = shrink[k] * x + spread[k] * eps
        active = k <= t
        x = stepped if bool(active.all()) else torch.where(broadcast_to_batch(active, x).bool(), stepped, x)
    return x


def q_posterior_mean_variance(schedule, x0, x_t, t):
    """The forward-process posterior q(x_{t−1} | x_t, x_0) = N(μ̃_t, β̃_t I) (DDPM eq. 6–7; seed 平均值推导).

    μ̃_t = [√ᾱ_{t−1} β_t / (1 − ᾱ_t)] x_0 + [√α_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t)] x_t.

    Returns:
        ``(mean, variance, log_variance_clipped)``: mean shaped like ``x0``; variance and log-variance shaped
        ``(B, 1, ..., 1)``. At t = 0 the mean is x_0 exactly and the variance is 0.
    """
    check_schedule(schedule)
    check_tensor(x0, "x0")
    check_tensor(x_t, "x_t")
    check_same_shape(x0, x_t, "x0", "x_t")
    t = schedule_steps(schedule, x0, t)
    mean = _posterior_mean(schedule, x0, x_t, t)
    return mean, gather(schedule.posterior_variance, t, x0), gather(schedule.posterior_log_variance_clipped, t, x0)


def predict_x0_from_eps(schedule, x_t, t, eps):
    """x̂_0 = (x_t − √(1 − ᾱ_t) ε) / √ᾱ_t, the closed form solved for x_0 (DDPM eq. 4 rearranged; eq. 15).

    Returns:
        x̂_0, shaped like ``x_t``.
    """
    _check_model_output(schedule, x_t, eps, "eps")
    return _x0_from_eps(schedule, x_t, schedule_steps(schedule, x_t, t), eps)


def predict_eps_from_x0(schedule, x_t, t, x0):
    """ε = (x_t − √ᾱ_t x̂_0) / √(1 − ᾱ_t): the inverse of :func:`predict_x0_from_eps` (used after clipping x̂_0)."""
    _check_model_output(schedule, x_t, x0, "x0")
    return _eps_from_x0(schedule, x_t, schedule_steps(schedule, x_t, t), x0)


def reverse_log_variance(schedule, variance: str = "beta") -> torch.Tensor:
    """log σ_t² of the reverse process p_θ(x_{t−1}|x_t) for every step, shape ``(T,)`` (DDPM §3.2).

    ``"beta"``: σ_t² = β_t (the seed's choice, Ho et al.'s "fixedlarge"); ``"posterior"``: σ_t² = β̃_t
    ("fixedsmall"). At index 0 both use β̃ at index 1, as Ho et al.'s code does: no noise is added at the last
    sampling step, so this value only enters the decoder term L_0 of the variational bound.
    """
    check_schedule(schedule)
    _check_variance(variance)
    return _reverse_log_variance(schedule, variance)


def p_mean_variance(schedule, x_t, t, eps, *, variance: str = "beta", clip_denoised: bool = False):
    """Mean and variance of p_θ(x_{t−1} | x_t) for an ε-predicting model (DDPM eq. 11 and §3.2).

    The mean is μ̃_t(x_t, x̂_0) with x̂_0 from ``eps``; without clipping this equals the seed's step formula
    (1/√α_t)(x_t − β_t/√(1 − ᾱ_t) ε) (lesson 03 checks it for all T steps). With ``clip_denoised=True`` x̂_0 is
    clipped to [−1, 1] first.

    Args:
        schedule, x_t ``(B, ...)``, t (int or ``(B,)``), eps: the model's ε prediction shaped like ``x_t``.
        variance: ``"beta"`` (σ² = β_t) or ``"posterior"`` (σ² = β̃_t); see :func:`reverse_log_variance`.
        clip_denoised: clip x̂_0 to the data range [−1, 1].

    Returns:
        dict with ``mean`` and ``pred_x0`` (shaped like ``x_t``), ``variance`` and ``log_variance``
        (shaped ``(B, 1, ..., 1)``).
    """
    _check_model_output(schedule, x_t, eps, "eps")
    _check_variance(variance)
    clip_denoised = check_bool(clip_denoised, "clip_denoised")
    t = schedule_steps(schedule, x_t, t)
    mean, pred_x0 = _reverse_mean(schedule, x_t, t, eps, clip_denoised)
    log_variance = gather(_reverse_log_variance(schedule, variance), t, x_t)
    return {"mean": mean, "variance": torch.exp(log_variance), "log_variance": log_variance, "pred_x0": pred_x0}


def reverse_step(schedule, x_t, t, eps, *, variance: str = "beta", clip_denoised: bool = False, noise=None):
    """One reverse step x_t → x_{t−1} given ε_θ(x_t, t) (DDPM Algorithm 2, line 4; the seed's 反向去噪过程).

    x_{t−1} = μ_θ(x_t, t) + σ_t z with μ_θ from :func:`p_mean_variance` (eq. 11) and z ~ N(0, I), except at
    t = 0, where no noise is added. Both :func:`denoising_step` (the seed's function) and
    :func:`ddpm_lessons.sample` take their steps through here.

    Args:
        schedule; x_t ``(B, ...)``; t: int (one step for the batch: no device sync) or ``(B,)`` integer tensor;
        eps: ε_θ(x_t, t) shaped like x_t; variance, clip_denoised: as in :func:`p_mean_variance`;
        noise: z shaped like x_t (default ``torch.randn_like(x_t)``, drawn only if some t > 0).

    Returns:
        x_{t−1}, shaped like x_t.
    """
    _check_model_output(schedule, x_t, eps, "eps")
    _check_variance(variance)
    clip_denoised = check_bool(clip_denoised, "clip_denoised")
    steps = _host_or_tensor_steps(schedule, x_t, t)
    mean, _ = _reverse_mean(schedule, x_t, steps, eps, clip_denoised)
    if isinstance(steps, int):
        if steps == 0:
            return mean
        keep = 1.0
    else:
        nonzero = steps > 0
        if not bool(nonzero.any()):
            return mean
        keep = broadcast_to_batch(nonzero, x_t)
    z = _draw_or_check_noise(noise, x_t)
    sigma = torch.exp(0.5 * gather(_reverse_log_variance(schedule, variance), steps, x_t))
    return mean + keep * sigma * z


def _host_or_tensor_steps(schedule, x_t, t, name: str = "t", minimum: int = 0):
    # A Python int stays an int (validated on the host, no index tensor, no device sync); tensors are validated
    # into a (B,) index tensor.
    if isinstance(t, numbers.Integral) and not isinstance(t, bool):
        schedule_steps(schedule, x_t, int(t), name=name, minimum=minimum)
        return int(t)
    return schedule_steps(schedule, x_t, t, name=name, minimum=minimum)


def _check_model_output(schedule, x_t, out, name: str) -> None:
    check_schedule(schedule)
    check_tensor(x_t, "x_t")
    check_tensor(out, name)
    check_same_shape(x_t, out, "x_t", name)


def _check_variance(variance) -> None:
    if variance not in VARIANCES:
        raise ValueError(f"variance must be one of {VARIANCES}, got {variance!r}")


# The equations themselves, each written once. Callers above have validated the inputs and turned t into a
# (B,) index tensor on x's device; nothing below checks again or synchronises with the device.
def _x0_from_eps(schedule, x_t, t, eps):
    # x̂_0 = √(1/ᾱ_t) x_t − √(1/ᾱ_t − 1) ε                                     (eq. 15)
    return (
        gather(schedule.sqrt_recip_alphas_cumprod, t, x_t) * x_t
        - gather(schedule.sqrt_recipm1_alphas_cumprod, t, x_t) * eps
    )


def _eps_from_x0(schedule, x_t, t, x0):
    # ε = (√(1/ᾱ_t) x_t − x̂_0) / √(1/ᾱ_t − 1)                                  (eq. 15 solved for ε)
    return (gather(schedule.sqrt_recip_alphas_cumprod, t, x_t) * x_t - x0) / gather(
        schedule.sqrt_recipm1_alphas_cumprod, t, x_t
    )


def _posterior_mean(schedule, x0, x_t, t):
    # μ̃_t(x_t, x_0) = coef1 · x_0 + coef2 · x_t                                  (eq. 7)
    return gather(schedule.posterior_mean_coef1, t, x0) * x0 + gather(schedule.posterior_mean_coef2, t, x0) * x_t


def _reverse_mean(schedule, x_t, t, eps, clip_denoised: bool):
    # μ_θ(x_t, t) = μ̃_t(x_t, x̂_0(x_t, ε_θ))                                     (eq. 11 = eq. 7 at eq. 15's x̂_0)
    pred_x0 = _x0_from_eps(schedule, x_t, t, eps)
    if clip_denoised:
        pred_x0 = pred_x0.clamp(-1.0, 1.0)
    return _posterior_mean(schedule, pred_x0, x_t, t), pred_x0


def _reverse_log_variance(schedule, variance: str) -> torch.Tensor:
    if variance == "posterior":
        return schedule.posterior_log_variance_clipped
    return schedule.beta_log_variance_clipped


def _draw_or_check_noise(noise, x_t: torch.Tensor) -> torch.Tensor:
    if noise is None:
        return torch.randn_like(x_t)
    check_tensor(noise, "noise")
    check_same_shape(x_t, noise, "x_t", "noise")
    check_same_device(x_t, noise, "x_t", "noise")
    return noise


@torch.no_grad()
def denoising_step(x_t, t, model, alphas, alphas_cumprod, betas, *, variance="beta", clip_denoised=False, noise=None):
    """One reverse step x_t → x_{t−1} (DDPM Algorithm 2, line 4, eq. 11; the seed's 反向去噪过程).

    x_{t−1} = (1/√α_t) (x_t − (1 − α_t)/√(1 − ᾱ_t) · ε_θ(x_t, t)) + σ_t z, with z = 0 at t = 0.

    The seed's function: ``model(x_t, t)`` predicts ε and σ_t = √β_t. It asks the model for ε and takes the step
    with :func:`reverse_step`, the same step :func:`ddpm_lessons.sample` loops over. ``alphas`` and
    ``alphas_cumprod`` must be the ones ``betas`` defines (α = 1 − β, ᾱ its running product; checked).
    Keyword-only extensions:

    Args:
        variance: ``"beta"`` (σ_t² = β_t, the seed) or ``"posterior"`` (σ_t² = β̃_t).
        clip_denoised: clip x̂_0 to [−1, 1] before forming the posterior mean μ̃_t(x_t, x̂_0) (Ho et al.'s
            code); without clipping that mean equals eq. 11, so False reproduces the seed.
        noise: z to use instead of ``torch.randn_like(x_t)`` (for exact comparisons); ignored where t = 0.

    Shapes: x_t ``(B, ...)``; t int or ``(B,)``; alphas, alphas_cumprod, betas ``(T,)``. Returns x_{t−1} like x_t.
    Noise is added per element where t > 0, so a batch may mix timesteps.
    """
    check_tensor(x_t, "x_t")
    check_model(model)
    schedule = schedule_from_arrays(alphas, alphas_cumprod, betas, x_t)
    steps = schedule_steps(schedule, x_t, t)
    predicted_noise = model(x_t, steps)
    if not isinstance(predicted_noise, torch.Tensor) or predicted_noise.shape != x_t.shape:
        raise ValueError(f"model(x_t, t) must return a tensor shaped like x_t {tuple(x_t.shape)}")
    return reverse_step(schedule, x_t, t, predicted_noise, variance=variance, clip_denoised=clip_denoised, noise=noise)


def ddim_step(schedule, x_t, t, t_prev, eps, *, eta=0.0, noise=None, clip_denoised=False):
    """One DDIM step from index t to an earlier index t_prev (Song et al. 2021, eq. 12 with σ from eq. 16).

    x_prev = √ᾱ_prev x̂_0 + √(1 − ᾱ_prev − σ²) ε + σ z,
    σ = η √((1 − ᾱ_prev)/(1 − ᾱ_t)) √(1 − ᾱ_t/ᾱ_prev), with ᾱ_prev := 1 when ``t_prev = -1`` (step to x_0).

    η = 0 is deterministic; η = 1 between consecutive steps reproduces DDPM's σ² = β̃_t. With
    ``clip_denoised``, x̂_0 is clipped to [−1, 1] and ε re-derived from it before the update.

    Args:
        schedule; x_t ``(B, ...)``; t, t_prev: int or ``(B,)`` with −1 ≤ t_prev < t < T; eps: ε_θ(x_t, t);
        eta: η in [0, 1]; noise: optional z shaped like x_t.

    Returns:
        x at index t_prev, shaped like x_t.
    """
    _check_model_output(schedule, x_t, eps, "eps")
    eta = check_real(eta, "eta", minimum=0.0, maximum=1.0)
    clip_denoised = check_bool(clip_denoised, "clip_denoised")
    t_idx = _host_or_tensor_steps(schedule, x_t, t)
    prev_idx = _host_or_tensor_steps(schedule, x_t, t_prev, name="t_prev", minimum=-1)
    if isinstance(t_idx, int) and isinstance(prev_idx, int):
        backwards = prev_idx < t_idx
    else:
        t_idx = schedule_steps(schedule, x_t, t_idx)
        prev_idx = schedule_steps(schedule, x_t, prev_idx, name="t_prev", minimum=-1)
        backwards = bool((prev_idx < t_idx).all())
    if not backwards:
        raise ValueError("t_prev must be smaller than t for every element (DDIM steps go backwards in time)")
    pred_x0 = _x0_from_eps(schedule, x_t, t_idx, eps)
    if clip_denoised:
        pred_x0 = pred_x0.clamp(-1.0, 1.0)
        eps = _eps_from_x0(schedule, x_t, t_idx, pred_x0)
    alpha_bar = gather(schedule.alphas_cumprod, t_idx, x_t)
    if isinstance(prev_idx, int):
        alpha_bar_prev = gather(schedule.alphas_cumprod_prev, prev_idx + 1, x_t)  # ᾱ_prev[i + 1] = ᾱ[i]; ᾱ := 1 at −1
    else:
        alpha_bar_prev = torch.where(
            prev_idx >= 0, schedule.alphas_cumprod[prev_idx.clamp(min=0)], torch.ones_like(schedule.alphas_cumprod[0])
        )
        alpha_bar_prev = broadcast_to_batch(alpha_bar_prev, x_t)
    # σ = η √((1 − ᾱ_prev)/(1 − ᾱ_t)) √(1 − ᾱ_t/ᾱ_prev)                          (eq. 16)
    sigma = eta * torch.sqrt((1.0 - alpha_bar_prev) / (1.0 - alpha_bar)) * torch.sqrt(1.0 - alpha_bar / alpha_bar_prev)
    # η ≤ 1 keeps σ² ≤ 1 − ᾱ_prev, so the square root below is real; clamp only absorbs round-off.
    direction = torch.sqrt((1.0 - alpha_bar_prev - sigma**2).clamp(min=0.0)) * eps
    # x_prev = √ᾱ_prev x̂_0 + √(1 − ᾱ_prev − σ²) ε + σ z                        (eq. 12)
    x_prev = torch.sqrt(alpha_bar_prev) * pred_x0 + direction
    if eta == 0:
        return x_prev
    return x_prev + sigma * _draw_or_check_noise(noise, x_t)


def guided_eps(eps_cond, eps_uncond, w):
    """Classifier-free guidance (Ho & Salimans 2022, eq. 6): ε̃ = (1 + w) ε_θ(x_t, c) − w ε_θ(x_t, ∅).

    Convention: ``w = 0`` is the plain conditional model, ``w > 0`` pushes samples towards the class. The other
    common form ε_∅ + s (ε_c − ε_∅) is the same with s = 1 + w.

    Args:
        eps_cond, eps_uncond: ε predictions with and without the label, same shape; w: guidance weight ≥ 0
        (a float, or a tensor broadcastable per example such as ``(B, 1, 1, 1)``).
    """
    check_tensor(eps_cond, "eps_cond")
    check_tensor(eps_uncond, "eps_uncond")
    check_same_shape(eps_cond, eps_uncond, "eps_cond", "eps_uncond")
    if isinstance(w, bool) or not isinstance(w, (numbers.Real, torch.Tensor)):
        raise TypeError(f"w must be a real number or a tensor, got {type(w).__name__}")
    if isinstance(w, torch.Tensor):
        per_example = (eps_cond.shape[0],) + (1,) * (eps_cond.dim() - 1)
        if w.dim() and tuple(w.shape) != per_example:
            raise ValueError(f"w must be a number or a tensor of shape () or {per_example}, got {tuple(w.shape)}")
        if not bool(torch.isfinite(w).all()):
            raise ValueError("w must be finite")
        if bool((w < 0).any()):
            raise ValueError("w must be >= 0 (w = 0 is the plain conditional model)")
    elif check_real(w, "w") < 0:
        raise ValueError(f"w must be >= 0 (w = 0 is the plain conditional model), got {w}")
    return (1.0 + w) * eps_cond - w * eps_uncond
