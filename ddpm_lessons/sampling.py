"""Generating samples: DDPM ancestral sampling, DDIM, Heun, classifier-free guidance (lessons 07 and 09; the seed's
反向扩散).

:func:`sample` runs DDPM Algorithm 2 (every one of the T steps, σ² = β or β̃, optional x̂₀ clipping), DDIM with
any number of steps and any η, or Heun's second-order solver of the probability-flow ODE (lesson 09), optionally
with classifier-free guidance, and can return the trajectory at chosen steps. All noise comes from one seeded generator, so a seed reproduces the same samples.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import torch

from .process import VARIANCES, ddim_step, guided_eps, reverse_step
from .schedule import DiffusionSchedule
from .validation import check_bool, check_model, check_positive_int, check_real, check_schedule

__all__ = ["SAMPLERS", "ddim_timesteps", "sample", "sample_trajectory", "model_eps"]

SAMPLERS = ("ddpm", "ddim", "heun")


def ddim_timesteps(T: int, steps: int) -> list[tuple[int, int]]:
    """Pairs (t, t_prev) for ``steps`` DDIM steps over T, from t = T − 1 down to t_prev = −1 (x_0).

    ``steps + 1`` evenly spaced points on [−1, T − 1], rounded: the chain always starts at the last index T − 1
    (unlike diffusers' default "leading" spacing, which starts at 980 for 50 of 1000 steps) and ends at x_0.
    """
    T, steps = check_positive_int(T, "T"), check_positive_int(steps, "steps")
    if steps > T:
        raise ValueError(f"steps must be <= T = {T}, got {steps}")
    points = torch.linspace(-1, T - 1, steps + 1).round().long().tolist()[::-1]
    return list(zip(points[:-1], points[1:]))


def model_eps(
    model, x_t: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None = None, guidance: float = 0.0
) -> torch.Tensor:
    """ε_θ(x_t, t[, labels]); with ``guidance`` w > 0 the classifier-free combination (1 + w) ε_c − w ε_∅.

    The conditional and the null-label predictions are two calls of the batch's size, not one call on both
    stacked: on a CPU the stacked batch runs slower per example once it outgrows the caches (the shipped digit
    model: 2.4 ms per example at batch 100, 4.0 ms at 200), and the two calls give the same numbers.
    """
    check_model(model)
    guidance = check_real(guidance, "guidance", minimum=0.0)
    if labels is None:
        return model(x_t, t)
    if guidance == 0:
        return model(x_t, t, labels)
    eps_cond = model(x_t, t, labels)
    eps_uncond = model(x_t, t, torch.full_like(labels, model.null_label))
    return guided_eps(eps_cond, eps_uncond, guidance)


@torch.no_grad()
def sample(
    model,
    schedule: DiffusionSchedule,
    shape: Sequence[int],
    *,
    method: str = "ddpm",
    steps: int | None = None,
    eta: float = 0.0,
    variance: str = "beta",
    clip_denoised: bool = False,
    noise_scale: float = 1.0,
    labels: torch.Tensor | None = None,
    guidance: float = 0.0,
    seed: int = 0,
    progress: bool = True,
    device=None,
) -> torch.Tensor:
    """Draw samples from an ε-prediction model (DDPM Algorithm 2, eq. 11; DDIM eq. 12).

    DDPM takes every one of its T steps with :func:`ddpm_lessons.reverse_step` — the step the seed's
    :func:`ddpm_lessons.denoising_step` takes — and DDIM its steps with :func:`ddpm_lessons.ddim_step`.
    Arguments are checked once, here; the loop itself passes plain integer timesteps, so it never waits for
    the device to answer a check.

    Args:
        model: ``model(x_t, t[, labels]) → ε``, in eval mode.
        schedule: the schedule the model was trained with.
        shape: ``(B, ...)`` of the samples, e.g. ``(16, 1, 28, 28)``.
        method: ``"ddpm"`` (all T steps), ``"ddim"`` (``steps`` steps, η = ``eta``) or ``"heun"`` (``steps`` steps
            of Heun's method on the probability-flow ODE at DDIM's timesteps, 2·steps − 1 network calls; lesson 09,
            Karras et al. 2022's deterministic sampler).
        variance: DDPM's σ²: ``"beta"`` (the seed) or ``"posterior"`` (β̃).
        clip_denoised: clip x̂₀ to [−1, 1] at every step (for data in [−1, 1]; not for toy data).
        noise_scale: DDPM only: multiplies σ_t z (1 is Algorithm 2; 0 leaves the noise out, the mistake that lesson
            08's failure gallery shows; values in between are the "temperature" some papers lower).
        labels: ``(B,)`` long class labels for a conditional model; guidance: classifier-free weight w ≥ 0.
        seed: seeds x_T and every z. progress: ``tqdm.auto`` bar; device: must be the model's device (the
            default); move the model to sample elsewhere.

    Returns:
        The samples ``(B, ...)`` on the CPU. :func:`sample_trajectory` also returns the states along the way.
    """
    samples, _ = sample_trajectory(
        model, schedule, shape, (), method=method, steps=steps, eta=eta, variance=variance,
        clip_denoised=clip_denoised, noise_scale=noise_scale, labels=labels, guidance=guidance, seed=seed,
        progress=progress, device=device,
    )  # fmt: skip
    return samples


@torch.no_grad()
def sample_trajectory(
    model,
    schedule: DiffusionSchedule,
    shape: Sequence[int],
    trajectory_at: Sequence[int],
    *,
    method: str = "ddpm",
    steps: int | None = None,
    eta: float = 0.0,
    variance: str = "beta",
    clip_denoised: bool = False,
    noise_scale: float = 1.0,
    labels: torch.Tensor | None = None,
    guidance: float = 0.0,
    seed: int = 0,
    progress: bool = True,
    device=None,
) -> tuple[torch.Tensor, dict[int, torch.Tensor]]:
    """:func:`sample`, keeping x_t at the indices ``trajectory_at`` as well (lesson 07's generation plots).

    ``trajectory_at`` holds indices t at which to keep x_t, after the step that produced it: ``T − 1`` (or the
    first DDIM index) is x_T, the starting noise; ``-1`` is the final x_0. Every index must be one the chain visits.
    The other arguments are :func:`sample`'s, and the same seed gives the same samples.

    Returns:
        ``(samples, {t: x_t})``, all on the CPU.
    """
    from tqdm.auto import tqdm

    check_schedule(schedule)
    if method not in SAMPLERS:
        raise ValueError(f"method must be one of {SAMPLERS}, got {method!r}")
    if method in ("ddim", "heun") and steps is None:
        raise ValueError(f"method={method!r} needs steps (the number of {method.upper()} steps)")
    if method == "ddpm" and steps not in (None, len(schedule)):
        raise ValueError(f"method='ddpm' always takes all T = {len(schedule)} steps; use method='ddim' for fewer")
    eta = check_real(eta, "eta", minimum=0.0, maximum=1.0)
    noise_scale = check_real(noise_scale, "noise_scale", minimum=0.0)
    guidance = check_real(guidance, "guidance", minimum=0.0)
    clip_denoised = check_bool(clip_denoised, "clip_denoised")
    seed = check_positive_int(seed, "seed", minimum=0)
    if guidance and labels is None:
        raise ValueError("guidance needs labels (classifier-free guidance steers towards a class)")
    if method == "ddpm" and eta != 0:
        raise ValueError("eta applies to method='ddim' only (DDPM's variance is chosen with variance=...)")
    if method == "heun" and eta != 0:
        raise ValueError("eta applies to method='ddim' only (Heun solves the noise-free probability-flow ODE)")
    if method != "ddpm" and (variance != "beta" or noise_scale != 1.0):
        raise ValueError("variance and noise_scale apply to method='ddpm' only (DDIM's noise is chosen with eta=...)")
    if variance not in VARIANCES:
        raise ValueError(f"variance must be one of {VARIANCES}, got {variance!r}")
    model_T = getattr(model, "num_timesteps", None)
    if model_T is not None and model_T != len(schedule):
        raise ValueError(
            f"schedule has T = {len(schedule)} steps but the model was built for num_timesteps = {model_T}; "
            "sample with the schedule it was trained with"
        )
    if getattr(model, "training", False):
        raise ValueError(
            "the model is in training mode: call model.eval() before sampling (BatchNorm and dropout "
            "behave differently in training)"
        )
    first = next(model.parameters())
    if device is not None and torch.device(device) != first.device:
        raise ValueError(f"device {device} differs from the model's device {first.device}; move the model first")
    device = first.device
    dtype = first.dtype
    schedule = schedule.to(device=device)
    shape = tuple(shape)
    if labels is not None:
        if labels.shape != shape[:1]:
            raise ValueError(f"labels must have shape ({shape[0]},), got {tuple(labels.shape)}")
        labels = labels.to(device)

    generator = torch.Generator().manual_seed(seed)  # CPU draws, moved: the same samples on every device
    x = torch.randn(shape, generator=generator, dtype=dtype).to(device)
    if isinstance(trajectory_at, (str, bytes)) or not all(
        isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in trajectory_at
    ):
        raise TypeError(f"trajectory_at must be a sequence of integer step indices, got {trajectory_at!r}")
    keep = set(trajectory_at)
    trajectory = {}
    if method in ("ddim", "heun"):
        pairs = ddim_timesteps(len(schedule), steps)
    else:
        pairs = [(i, i - 1) for i in reversed(range(len(schedule)))]
    visited = {pairs[0][0]} | {t_prev for _, t_prev in pairs}
    if keep - visited:
        raise ValueError(
            f"trajectory_at has steps the chain never visits: {sorted(keep - visited)}; "
            f"this chain visits {sorted(visited, reverse=True)[:8]} … -1"
        )
    if pairs[0][0] in keep:  # x_T, the starting noise, is the state at index T - 1
        trajectory[pairs[0][0]] = x.cpu()
    for t_index, t_prev in tqdm(pairs, disable=not progress, desc=method, leave=False):
        t = torch.full((shape[0],), t_index, dtype=torch.long, device=device)
        eps = model_eps(model, x, t, labels, guidance)
        if method == "heun":
            x = _heun_step(model, schedule, x, t_index, t_prev, eps, labels, guidance, clip_denoised)
            if t_prev in keep:
                trajectory[t_prev] = x.cpu()
            continue
        z = torch.randn(shape, generator=generator, dtype=dtype).to(device)
        if method == "ddpm":
            z = z * noise_scale if noise_scale != 1.0 else z
            x = reverse_step(schedule, x, t_index, eps, variance=variance, clip_denoised=clip_denoised, noise=z)
        else:
            x = ddim_step(schedule, x, t_index, t_prev, eps, eta=eta, noise=z, clip_denoised=clip_denoised)
        if t_prev in keep:
            trajectory[t_prev] = x.cpu()
    return x.cpu(), trajectory


def _heun_step(model, schedule, x, t_index: int, t_prev: int, eps, labels, guidance, clip_denoised):
    # One Heun step of the probability-flow ODE between trained indices (lesson 09; Karras et al. 2022):
    # the predictor is DDIM's η = 0 step (an Euler step in y = x/√ᾱ, σ = √((1 − ᾱ)/ᾱ)); the corrector repeats the
    # step from x with the mean of ε at both ends. The last step, to x₀ (index −1), is Euler. Arguments were
    # checked by sample_trajectory.
    predicted = ddim_step(schedule, x, t_index, t_prev, eps, clip_denoised=clip_denoised)
    if t_prev < 0:
        return predicted
    t = torch.full((x.shape[0],), t_prev, dtype=torch.long, device=x.device)
    eps_next = model_eps(model, predicted, t, labels, guidance)
    return ddim_step(schedule, x, t_index, t_prev, 0.5 * (eps + eps_next), clip_denoised=clip_denoised)
