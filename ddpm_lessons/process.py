"""The forward process q and the reverse process p_θ (lessons 02, 03a, 03b and 07).

Shapes: ``x`` is any batch ``(B, ...)`` — images ``(B, C, H, W)``, toy points ``(B, 2)``. ``t`` is either a Python
int (the same step for the whole batch) or an integer tensor of shape ``(B,)``; indices are 0-based, so code step
``i`` is paper step ``i + 1`` and the last sampling step ``i = 0`` adds no noise.

The checked edge of the kernels: each function checks its arguments once (raising
:class:`~ddpm_lessons.InputError`) and then calls the unchecked math in :mod:`ddpm_lessons.kernels` and
:mod:`ddpm_lessons.steps`, where every equation is written once.

Non-finite values: a result holding NaN or inf is refused, naming the input that holds them (one reduction over
the result, see :func:`~ddpm_lessons.validation.check_finite_result`). The closed forms :func:`q_sample` and
:func:`forward_diffusion_sample` check on every device; the functions a sampling loop calls once per step
(:func:`reverse_step`, :func:`denoising_step`, :func:`ddim_step`, :func:`p_mean_variance`, the x̂₀ ↔ ε and
posterior functions) check tensors on the CPU only, where the check does not wait for a device; there,
:func:`ddpm_lessons.sample` checks its result once at the end of the chain.
"""

from __future__ import annotations

import numbers

import torch

from . import kernels, steps
from .schedule import broadcast_to_batch, check_forward_arrays, gather, schedule_from_arrays
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
    "forward_diffusion_sample",
    "q_sample",
    "check_forward_inputs",
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
    check_forward_arrays(sqrt_alphas_cumprod, sqrt_one_minus_alphas_cumprod, x_0)
    t = as_timesteps(t, x_0.shape[0], len(sqrt_alphas_cumprod), x_0.device)
    noise = torch.randn_like(x_0)
    x_t = kernels.q_sample(sqrt_alphas_cumprod, sqrt_one_minus_alphas_cumprod, x_0, t, noise)
    return check_finite_result(x_t, {"x_0": x_0}, "x_t"), noise


def q_sample(schedule, x0, t, noise):
    """x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε for a given ε (DDPM eq. 4 with the reparameterization trick).

    Deterministic given ``noise``, so the same (x_0, t, ε) always gives the same x_t.

    Args:
        schedule: a :class:`DiffusionSchedule` on ``x0``'s device.
        x0: clean data ``(B, ...)``; t: int or ``(B,)`` integer tensor; noise: ε, same shape as ``x0``.

    Returns:
        x_t, shaped like ``x0``; NaN or inf in ``x0`` or ``noise`` is refused naming it.
    """
    t = check_forward_inputs(schedule, x0, t, noise)
    x_t = kernels.q_sample(schedule.sqrt_alphas_cumprod, schedule.sqrt_one_minus_alphas_cumprod, x0, t, noise)
    return check_finite_result(x_t, {"x0": x0, "noise": noise}, "x_t")


def check_forward_inputs(schedule, x0, t, noise) -> torch.Tensor:
    """:func:`q_sample`'s checks, for any function with its signature (``train(forward=...)``; lesson 08's wrong
    forward process): the schedule, ``x0`` and ``noise`` of one shape on the schedule's device, and ``t`` returned
    as ``(B,)`` indices."""
    check_schedule(schedule)
    check_tensor(x0, "x0")
    check_tensor(noise, "noise")
    check_same_shape(x0, noise, "x0", "noise")
    check_schedule_device(schedule, x0)
    return schedule_steps(schedule, x0, t)


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
    every_element_until = int(t.min())  # read once: the loop below never asks the device
    for k in range(int(t.max()) + 1):
        eps = torch.randn(x0.shape, generator=generator, dtype=x0.dtype, device=x0.device)
        stepped = shrink[k] * x + spread[k] * eps  # eq. 2
        x = stepped if k <= every_element_until else torch.where(broadcast_to_batch(k <= t, x).bool(), stepped, x)
    return check_finite_result(x, {"x0": x0}, "x_t")


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
    check_schedule_device(schedule, x0)
    t = schedule_steps(schedule, x0, t)
    mean = _finite_on_host(kernels.posterior_mean(schedule, x0, x_t, t), {"x0": x0, "x_t": x_t}, "mean")
    return mean, gather(schedule.posterior_variance, t, x0), gather(schedule.posterior_log_variance_clipped, t, x0)


def predict_x0_from_eps(schedule, x_t, t, eps):
    """x̂_0 = (x_t − √(1 − ᾱ_t) ε) / √ᾱ_t, the closed form solved for x_0 (DDPM eq. 4 rearranged; eq. 15).

    Returns:
        x̂_0, shaped like ``x_t``.
    """
    _check_model_output(schedule, x_t, eps, "eps")
    x0 = kernels.x0_from_eps(schedule, x_t, schedule_steps(schedule, x_t, t), eps)
    return _finite_on_host(x0, {"x_t": x_t, "eps": eps}, "x0")


def predict_eps_from_x0(schedule, x_t, t, x0):
    """ε = (x_t − √ᾱ_t x̂_0) / √(1 − ᾱ_t): the inverse of :func:`predict_x0_from_eps` (used after clipping x̂_0)."""
    _check_model_output(schedule, x_t, x0, "x0")
    eps = kernels.eps_from_x0(schedule, x_t, schedule_steps(schedule, x_t, t), x0)
    return _finite_on_host(eps, {"x_t": x_t, "x0": x0}, "eps")


def reverse_log_variance(schedule, variance: str = "beta") -> torch.Tensor:
    """log σ_t² of the reverse process p_θ(x_{t−1}|x_t) for every step, shape ``(T,)`` (DDPM §3.2).

    ``"beta"``: σ_t² = β_t (the seed's choice, Ho et al.'s "fixedlarge"); ``"posterior"``: σ_t² = β̃_t
    ("fixedsmall"). At index 0 both use β̃ at index 1, as Ho et al.'s code does: no noise is added at the last
    sampling step, so this value only enters the decoder term L_0 of the variational bound.
    """
    check_schedule(schedule)
    check_choice(variance, VARIANCES, "variance")
    return kernels.reverse_log_variance(schedule, variance)


def p_mean_variance(schedule, x_t, t, eps, *, variance: str = "beta", clip_denoised: bool = False):
    """Mean and variance of p_θ(x_{t−1} | x_t) for an ε-predicting model (DDPM eq. 11 and §3.2).

    The mean is μ̃_t(x_t, x̂_0) with x̂_0 from ``eps``; without clipping this equals the seed's step formula
    (1/√α_t)(x_t − β_t/√(1 − ᾱ_t) ε) (lesson 03a checks it for all T steps). With ``clip_denoised=True`` x̂_0 is
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
    check_choice(variance, VARIANCES, "variance")
    clip_denoised = check_bool(clip_denoised, "clip_denoised")
    t = schedule_steps(schedule, x_t, t)
    mean, pred_x0 = kernels.reverse_mean(schedule, x_t, t, eps, clip_denoised)
    _finite_on_host(mean, {"x_t": x_t, "eps": eps}, "mean")
    log_variance = gather(kernels.reverse_log_variance(schedule, variance), t, x_t)
    return {"mean": mean, "variance": torch.exp(log_variance), "log_variance": log_variance, "pred_x0": pred_x0}


def reverse_step(schedule, x_t, t, eps, *, variance: str = "beta", clip_denoised: bool = False, noise=None):
    """One reverse step x_t → x_{t−1} given ε_θ(x_t, t) (DDPM Algorithm 2, line 4; the seed's 反向去噪过程).

    x_{t−1} = μ_θ(x_t, t) + σ_t z with μ_θ from :func:`p_mean_variance` (eq. 11) and z ~ N(0, I), except at
    t = 0, where no noise is added. The step itself is :func:`ddpm_lessons.steps.ddpm_step`, the one that
    :func:`denoising_step` (the seed's function) and :func:`ddpm_lessons.sample` take as well.

    Args:
        schedule; x_t ``(B, ...)``; t: int (one step for the batch: no device sync) or ``(B,)`` integer tensor;
        eps: ε_θ(x_t, t) shaped like x_t; variance, clip_denoised: as in :func:`p_mean_variance`;
        noise: z shaped like x_t (default ``torch.randn_like(x_t)``, drawn only if some t > 0).

    Returns:
        x_{t−1}, shaped like x_t.
    """
    _check_model_output(schedule, x_t, eps, "eps")
    _check_reverse_options(variance, clip_denoised, noise, x_t)
    x_prev = _ancestral(schedule, x_t, _host_or_tensor_steps(schedule, x_t, t), eps, variance, clip_denoised, noise)
    return _finite_on_host(x_prev, {"x_t": x_t, "eps": eps, "noise": noise}, "x_{t-1}")


def _ancestral(schedule, x_t, t, eps, variance: str, clip_denoised: bool, noise):
    # After the checks: the seed's noise rule (z drawn with torch.randn_like only if some t > 0), then the math.
    # A tensor t is looked at here, once per call, to decide whether noise is drawn at all.
    keep = 1.0
    if isinstance(t, int):
        noisy = t > 0
    else:
        nonzero = t > 0
        noisy = bool(nonzero.any())
        keep = broadcast_to_batch(nonzero, x_t)
    if noisy and noise is None:
        noise = torch.randn_like(x_t)
    log_variance = kernels.reverse_log_variance(schedule, variance)
    z = noise if noisy else None
    return steps.ddpm_step(schedule, x_t, t, eps, z, log_variance=log_variance, clip_denoised=clip_denoised, keep=keep)


def _host_or_tensor_steps(schedule, x_t, t, name: str = "t", minimum: int = 0):
    # A Python int stays an int (validated on the host, no index tensor, no device sync); tensors are validated
    # into a (B,) index tensor.
    if isinstance(t, numbers.Integral) and not isinstance(t, bool):
        schedule_steps(schedule, x_t, int(t), name=name, minimum=minimum)
        return int(t)
    return schedule_steps(schedule, x_t, t, name=name, minimum=minimum)


def _finite_on_host(result: torch.Tensor, inputs: dict, what: str) -> torch.Tensor:
    # The per-step functions: checked where it costs no device wait (see the module docstring).
    return check_finite_result(result, inputs, what) if result.device.type == "cpu" else result


def _check_model_output(schedule, x_t, out, name: str) -> None:
    check_schedule(schedule)
    check_tensor(x_t, "x_t")
    check_tensor(out, name)
    check_same_shape(x_t, out, "x_t", name)
    check_schedule_device(schedule, x_t)


def _check_reverse_options(variance, clip_denoised, noise, x_t) -> None:
    check_choice(variance, VARIANCES, "variance")
    check_bool(clip_denoised, "clip_denoised")
    _check_noise(noise, x_t)


def _check_noise(noise, x_t) -> None:
    if noise is not None:
        check_tensor(noise, "noise")
        check_same_shape(x_t, noise, "x_t", "noise")
        check_same_device(x_t, noise, "x_t", "noise")


@torch.no_grad()
def denoising_step(x_t, t, model, alphas, alphas_cumprod, betas, *, variance="beta", clip_denoised=False, noise=None):
    """One reverse step x_t → x_{t−1} (DDPM Algorithm 2, line 4, eq. 11; the seed's 反向去噪过程).

    x_{t−1} = (1/√α_t) (x_t − (1 − α_t)/√(1 − ᾱ_t) · ε_θ(x_t, t)) + σ_t z, with z = 0 at t = 0.

    The seed's function: ``model(x_t, t)`` predicts ε and σ_t = √β_t. It asks the model for ε and takes
    :func:`reverse_step`'s step (:func:`ddpm_lessons.steps.ddpm_step`, the one :func:`ddpm_lessons.sample` loops
    over). ``alphas`` and ``alphas_cumprod`` must be the ones ``betas`` defines (α = 1 − β, ᾱ its running
    product); that check runs once per set of arrays (:func:`ddpm_lessons.schedule.schedule_from_arrays` caches
    it), so a loop of T calls costs about T calls of :func:`reverse_step`.
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
    schedule = schedule_from_arrays(alphas, alphas_cumprod, betas, x_t)  # checked once per set of arrays (cached)
    _check_reverse_options(variance, clip_denoised, noise, x_t)
    t = _host_or_tensor_steps(schedule, x_t, t)
    batch_t = t if isinstance(t, torch.Tensor) else torch.full((x_t.shape[0],), t, dtype=torch.long, device=x_t.device)
    predicted_noise = model(x_t, batch_t)
    if not isinstance(predicted_noise, torch.Tensor) or predicted_noise.shape != x_t.shape:
        raise InputError(f"model(x_t, t) must return a tensor shaped like x_t {tuple(x_t.shape)}")
    x_prev = _ancestral(schedule, x_t, t, predicted_noise, variance, clip_denoised, noise)
    return _finite_on_host(x_prev, {"x_t": x_t, "model(x_t, t)": predicted_noise, "noise": noise}, "x_{t-1}")


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
    _check_noise(noise, x_t)
    t_idx = _host_or_tensor_steps(schedule, x_t, t)
    prev_idx = _host_or_tensor_steps(schedule, x_t, t_prev, name="t_prev", minimum=-1)
    if isinstance(t_idx, int) and isinstance(prev_idx, int):
        backwards = prev_idx < t_idx
    else:
        t_idx = schedule_steps(schedule, x_t, t_idx)
        prev_idx = schedule_steps(schedule, x_t, prev_idx, name="t_prev", minimum=-1)
        backwards = bool((prev_idx < t_idx).all())
    if not backwards:
        raise InputError("t_prev must be smaller than t for every element (DDIM steps go backwards in time)")
    if eta != 0 and noise is None:
        noise = torch.randn_like(x_t)
    x_prev = steps.ddim_step(schedule, x_t, t_idx, prev_idx, eps, noise, eta=eta, clip_denoised=clip_denoised)
    return _finite_on_host(x_prev, {"x_t": x_t, "eps": eps, "noise": noise}, "x_prev")


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
    _check_guidance_weight(w, eps_cond)
    guided = steps.guided_eps(eps_cond, eps_uncond, w)
    return _finite_on_host(guided, {"eps_cond": eps_cond, "eps_uncond": eps_uncond}, "the guided eps")


def _check_guidance_weight(w, eps_cond) -> None:
    if isinstance(w, bool) or not isinstance(w, (numbers.Real, torch.Tensor)):
        raise InputError(f"w must be a real number or a tensor, got {type(w).__name__}")
    if isinstance(w, torch.Tensor):
        per_example = (eps_cond.shape[0],) + (1,) * (eps_cond.dim() - 1)
        if w.dim() and tuple(w.shape) != per_example:
            raise InputError(f"w must be a number or a tensor of shape () or {per_example}, got {tuple(w.shape)}")
        if not bool(torch.isfinite(w).all()):
            raise InputError("w must be finite")
        if bool((w < 0).any()):
            raise InputError("w must be >= 0 (w = 0 is the plain conditional model)")
    elif check_real(w, "w") < 0:
        raise InputError(f"w must be >= 0 (w = 0 is the plain conditional model), got {w}")
