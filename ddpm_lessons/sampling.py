"""Generating samples: DDPM ancestral sampling, DDIM, Heun, classifier-free guidance (lessons 07a, 07b and 09b; the seed's
反向扩散).

:func:`sample` runs DDPM Algorithm 2 (every one of the T steps, σ² = β or β̃, optional x̂₀ clipping), DDIM with
any number of steps and any η, Heun's second-order solver of the probability-flow ODE (lesson 09b) or DPM-Solver++(2M)
(issue 22, lesson A), optionally with classifier-free guidance, and can return the trajectory at chosen steps. The
few-step samplers step between DDIM's evenly spaced timesteps (diffusers' "trailing"), diffusers' default "leading"
ones (:func:`leading_timesteps`) or Karras et al.'s ρ spacing (:func:`karras_indices`); a v- or x₀-prediction
network is sampled through its output converted to ε and its own x̂₀ (``prediction=``), which also samples a
zero-terminal-SNR schedule (Lin et al. 2024; issue 22, lesson A). All noise comes from one seeded generator, so a
seed reproduces the same samples.

:class:`SamplerSpec` holds the options and owns the rules between them (η only for DDIM, σ² only for DDPM, …);
:func:`sample_trajectory` checks once, builds the step table and the step function from the spec, and runs
:func:`ddpm_lessons.steps.run_chain`, the one sampling loop. A new sampler is a step function in
:mod:`ddpm_lessons.steps` plus its entry in :meth:`SamplerSpec.step_function`.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Sequence
from functools import partial

import torch

from .kernels import reverse_log_variance, x0_from_eps
from .models import check_class_labels, check_example_shape, takes_no_labels
from .process import VARIANCES
from .schedule import DiffusionSchedule
from .steps import DPMSolverPP2M, ddim_step, ddpm_step, heun_step, run_chain, split_prediction
from .steps import model_eps as unchecked_model_eps
from .validation import (
    InputError,
    all_finite,
    check_bool,
    check_choice,
    check_finite_result,
    check_model,
    check_positive_int,
    check_real,
    check_schedule,
    check_seed,
    check_shape,
    check_tensor,
)

__all__ = [
    "SAMPLERS",
    "SPACINGS",
    "PREDICTIONS",
    "SamplerSpec",
    "ddim_timesteps",
    "leading_timesteps",
    "karras_indices",
    "sample",
    "sample_trajectory",
    "model_eps",
]

SAMPLERS = ("ddpm", "ddim", "heun", "dpmpp-2m")
SPACINGS = ("uniform", "karras", "leading")
PREDICTIONS = ("eps", "v", "x0")
RHO = 7.0  # Karras et al. 2022's ρ (eq. 5; their Table 1)


def ddim_timesteps(T: int, steps: int) -> list[tuple[int, int]]:
    """Pairs (t, t_prev) for ``steps`` DDIM steps over T, from t = T − 1 down to t_prev = −1 (x_0).

    ``steps + 1`` evenly spaced points on [−1, T − 1], rounded: the chain always starts at the last index T − 1
    and ends at x_0. This is diffusers' ``timestep_spacing="trailing"`` (T = 1000, 50 steps: 999, 979, …, 19, then
    x_0; the two round a point exactly halfway between integers differently, which only a T that ``steps`` does not
    divide can produce), not its default ``"leading"`` (:func:`leading_timesteps`), which starts at 980 for 50 of
    1000 steps (Lin et al. 2024, §3.3; issue 22, lesson A).
    """
    T, steps = check_positive_int(T, "T"), check_positive_int(steps, "steps")
    if steps > T:
        raise InputError(f"steps must be <= T = {T}, got {steps}")
    points = torch.linspace(-1, T - 1, steps + 1).round().long().tolist()[::-1]
    return list(zip(points[:-1], points[1:]))


def leading_timesteps(T: int, steps: int) -> list[tuple[int, int]]:
    """Pairs (t, t_prev) of diffusers' default ``timestep_spacing="leading"`` (issue 22, lesson A; a known pitfall:
    huggingface/diffusers#2585, Lin et al. 2024, §3.3): the indices (0, 1, …, S − 1)·(T // S) reversed, then the
    step from index 0 to x_0 (index −1, ᾱ = 1, as diffusers' ``set_alpha_to_one``).

    The chain never starts at T − 1: 50 steps of 1000 start at 980, where √ᾱ is 0.0076 instead of 0.0063 (linear
    schedule), so the pure noise it starts from is not what the network saw at that index — one reason the lesson
    measures it against the course's :func:`ddim_timesteps` (diffusers' ``"trailing"``).
    """
    T, steps = check_positive_int(T, "T"), check_positive_int(steps, "steps")
    if steps > T:
        raise InputError(f"steps must be <= T = {T}, got {steps}", parameter="steps")
    points = [k * (T // steps) for k in reversed(range(steps))] + [-1]
    return list(zip(points[:-1], points[1:]))


def _check_rho(rho) -> float:
    # Karras et al.'s ρ: any positive real (ρ = 1 spaces σ evenly)
    rho = check_real(rho, "rho", minimum=0.0)
    if rho <= 0:
        raise InputError(f"rho must be > 0, got {rho:g}", parameter="rho")
    return rho


def karras_indices(schedule, steps: int, rho: float = RHO) -> list[int]:
    """The timestep indices of ``steps`` steps on Karras et al. 2022's ρ spacing (eq. 5; issue 22, lesson A), then −1.

    σ_k = (σ_max^{1/ρ} + k/(n − 1) (σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ for k = 0 … n − 1 (n = ``steps``; n = 1: σ_max
    alone), between the schedule's largest and smallest σ = √((1 − ᾱ)/ᾱ); a discrete-time network is valid only at
    its trained indices, so each σ_k is snapped to the index with the nearest log σ. The last step goes from
    σ_min's index to x₀ (index −1, σ = 0). ρ > 1 crowds the steps towards small σ (ρ = 1: evenly spaced σ).

    The rule for duplicates: two σ_k that snap to the same trained index are refused (an :class:`InputError` naming
    ``steps``: ask for fewer steps or a smaller ρ), never silently merged, so ``steps`` steps are always taken.
    """
    check_schedule(schedule)
    steps = check_positive_int(steps, "steps")
    rho = _check_rho(rho)
    if getattr(schedule, "zero_terminal", False):
        raise InputError(
            "schedule: Karras spacing needs a finite largest sigma, and a zero-terminal-SNR schedule ends at sigma = "
            "inf (alpha_bar = 0); space its steps uniformly or as diffusers' 'leading'",
            parameter="schedule",
        )
    alpha_bar = schedule.alphas_cumprod.double().cpu()
    sigmas = ((1 - alpha_bar) / alpha_bar) ** 0.5  # σ_i of every trained index (ode.sigma_from_alpha_bar)
    hi, lo = float(sigmas[-1]), float(sigmas[0])
    if steps == 1:
        targets = [hi]
    else:
        targets = [
            (hi ** (1 / rho) + k / (steps - 1) * (lo ** (1 / rho) - hi ** (1 / rho))) ** rho for k in range(steps)
        ]  # eq. 5
    log_sigmas = sigmas.log()
    indices = [int((log_sigmas - math.log(target)).abs().argmin()) for target in targets]
    if len(set(indices)) != len(indices):
        raise InputError(
            f"steps: {steps} Karras steps (rho = {rho:g}) do not fit the {len(schedule)} trained levels: two levels "
            "snap to the same timestep; ask for fewer steps or a smaller rho",
            parameter="steps",
        )
    return indices + [-1]


def model_eps(
    model, x_t: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None = None, guidance: float = 0.0
) -> torch.Tensor:
    """ε_θ(x_t, t[, labels]); with ``guidance`` w > 0 the classifier-free combination (1 + w) ε_c − w ε_∅.

    The conditional and the null-label predictions are two calls of the batch's size, not one call on both
    stacked: on a CPU the stacked batch runs slower per example once it outgrows the caches (the shipped digit
    model: 2.4 ms per example at batch 100, 4.0 ms at 200), and the two calls give the same numbers.
    """
    check_model(model)
    check_tensor(x_t, "x_t")
    guidance = check_real(guidance, "guidance", minimum=0.0)
    eps = unchecked_model_eps(model, x_t, t, labels, guidance)
    if isinstance(eps, torch.Tensor) and eps.device.type == "cpu":  # once per call: no wait for a device
        check_finite_result(eps, {"x_t": x_t, "model(x_t, t)": eps}, "eps")
    return eps


@dataclasses.dataclass(frozen=True)
class SamplerSpec:
    """How to sample, checked once: building one refuses every bad value and every option that does not apply.

    Attributes:
        method: ``"ddpm"`` (all T steps, DDPM Algorithm 2), ``"ddim"`` (``steps`` steps, η = ``eta``), ``"heun"``
            (``steps`` steps of Heun's method on the probability-flow ODE, 2·steps − 1 network calls; lesson 09b,
            Karras et al. 2022's deterministic sampler) or ``"dpmpp-2m"`` (DPM-Solver++(2M), Lu et al. 2022,
            Algorithm 2: ``steps`` network calls, first step first order, the last to x₀ the denoised x̂₀; issue 22,
            lesson A).
        steps: the number of steps of DDIM, Heun or DPM-Solver++ (required by them); DDPM takes all T (None or T).
        eta: DDIM's η in [0, 1] (0: deterministic; 1: DDPM's β̃ between consecutive steps). DDIM only.
        variance: DDPM's σ²: ``"beta"`` (the seed) or ``"posterior"`` (β̃). DDPM only.
        clip_denoised: clip x̂₀ to [−1, 1] at every step (for data in [−1, 1]; not for toy data).
        noise_scale: DDPM only: multiplies σ_t z (1 is Algorithm 2; 0 leaves the noise out, the mistake that lesson
            08's failure gallery shows; values in between are the "temperature" some papers lower).
        guidance: classifier-free weight w ≥ 0 (needs labels).
        seed: seeds x_T and every z.
        spacing: the few-step samplers' timesteps: ``"uniform"`` (DDIM's evenly spaced indices from T − 1,
            :func:`ddim_timesteps`: diffusers' ``"trailing"``), ``"karras"`` (Karras et al. 2022's eq. 5 on the
            trained levels, :func:`karras_indices`) or ``"leading"`` (diffusers' default, (0, …, S − 1)·(T // S),
            which never starts at T − 1: :func:`leading_timesteps`; issue 22, lesson A). Not DDPM's.
        rho: Karras et al.'s ρ > 0 (7 by default, their choice); ``spacing="karras"`` only.
        prediction: what the network outputs: ``"eps"`` (ε, DDPM's), ``"v"`` (v = √ᾱ ε − √(1 − ᾱ) x₀, Salimans &
            Ho 2022) or ``"x0"`` (x̂₀); every sampler converts it to ε (:func:`ddpm_lessons.steps.eps_from_prediction`)
            and takes a v- or x₀-model's own x̂₀ (:func:`ddpm_lessons.steps.split_prediction`).

    On a zero-terminal-SNR schedule (ᾱ_{T−1} = 0, :meth:`DiffusionSchedule.zero_terminal_snr`; issue 22, lesson A)
    the chain starts at SNR 0, where x̂₀ = (x − √(1 − ᾱ) ε)/√ᾱ is 0/0: ``prediction="eps"`` is refused there (the
    network's ε is x_T itself and says nothing about x₀), as is ``spacing="karras"`` (σ_max = ∞). With ``"v"``
    (x̂₀ = √ᾱ x − √(1 − ᾱ) v = −v) or ``"x0"`` every sampler runs: the step from ᾱ = 0 is DDIM's (DDPM's, DPM-Solver++'s
    first-order) with ε = x_T, and Heun's is its Euler predictor alone, as at its last step.
    """

    method: str = "ddpm"
    steps: int | None = None
    eta: float = 0.0
    variance: str = "beta"
    clip_denoised: bool = False
    noise_scale: float = 1.0
    guidance: float = 0.0
    seed: int = 0
    spacing: str = "uniform"
    rho: float = RHO
    prediction: str = "eps"

    def __post_init__(self):
        check_choice(self.method, SAMPLERS, "method")
        set_ = partial(object.__setattr__, self)
        if self.steps is not None:
            set_("steps", check_positive_int(self.steps, "steps"))
        elif self.method != "ddpm":
            raise InputError(
                f"method={self.method!r} needs steps (the number of {self.method.upper()} steps)", parameter="steps"
            )
        set_("eta", check_real(self.eta, "eta", minimum=0.0, maximum=1.0))
        set_("noise_scale", check_real(self.noise_scale, "noise_scale", minimum=0.0))
        set_("guidance", check_real(self.guidance, "guidance", minimum=0.0))
        set_("clip_denoised", check_bool(self.clip_denoised, "clip_denoised"))
        set_("seed", check_seed(self.seed))
        check_choice(self.variance, VARIANCES, "variance")
        self._check_spacing_and_prediction()
        if self.method != "ddim" and self.eta != 0:
            why = {
                "ddpm": "DDPM's variance is chosen with variance=...",
                "heun": "Heun solves the ODE",
                "dpmpp-2m": "DPM-Solver++ solves the ODE",
            }[self.method]
            raise InputError(f"eta applies to method='ddim' only ({why})", parameter="eta")
        if self.method != "ddpm" and (self.variance != "beta" or self.noise_scale != 1.0):
            raise InputError(
                "variance and noise_scale apply to method='ddpm' only (DDIM's noise is chosen with eta=...)"
            )

    def _check_spacing_and_prediction(self):
        check_choice(self.spacing, SPACINGS, "spacing")
        check_choice(self.prediction, PREDICTIONS, "prediction")
        object.__setattr__(self, "rho", _check_rho(self.rho))
        if self.method == "ddpm" and self.spacing != "uniform":
            raise InputError(
                "spacing applies to the few-step samplers only (method='ddpm' takes every one of the T steps)",
                parameter="spacing",
            )
        if self.spacing != "karras" and self.rho != RHO:
            raise InputError(
                "rho applies to spacing='karras' only (DDIM's uniform spacing has no rho)", parameter="rho"
            )

    @property
    def stochastic(self) -> bool:
        """Whether the steps take fresh noise z (DDPM, and DDIM with η > 0)."""
        return self.method == "ddpm" or self.eta > 0

    def check_schedule(self, schedule) -> None:
        """Refuse what this spec cannot sample on ``schedule``: on a zero-terminal-SNR schedule, ε-prediction (x̂₀ is
        undefined at SNR 0) and Karras spacing (σ_max = ∞)."""
        if not getattr(schedule, "zero_terminal", False):
            return
        if self.prediction == "eps":
            raise InputError(
                "prediction='eps' cannot be sampled on a zero-terminal-SNR schedule: at alpha_bar = 0 the network's "
                "eps equals x_T and x0 = (x - sqrt(1 - alpha_bar) eps)/sqrt(alpha_bar) is 0/0; sample a v- or "
                "x0-prediction model (prediction='v' or 'x0')",
                parameter="prediction",
            )
        if self.spacing == "karras":
            raise InputError(
                "spacing='karras' needs a finite largest sigma, and a zero-terminal-SNR schedule ends at sigma = inf; "
                "use spacing='uniform' or 'leading'",
                parameter="spacing",
            )

    def table(self, T: int, schedule=None) -> list[tuple[int, int]]:
        """The step table: pairs (t, t_prev) from T − 1 down to −1 (x₀); every index for DDPM, DDIM's, the leading
        ones or Karras's (which needs the ``schedule``'s levels) otherwise."""
        if schedule is not None:
            self.check_schedule(schedule)
        if self.spacing == "leading":
            return leading_timesteps(T, self.steps)
        if self.spacing == "karras":
            if schedule is None or len(schedule) != T:
                raise InputError(f"spacing='karras' needs the schedule of T = {T} steps", parameter="schedule")
            indices = karras_indices(schedule, self.steps, self.rho)
            return list(zip(indices[:-1], indices[1:]))
        if self.method != "ddpm":
            return ddim_timesteps(T, self.steps)
        if self.steps not in (None, T):
            raise InputError(f"method='ddpm' always takes all T = {T} steps; use method='ddim' for fewer")
        return [(i, i - 1) for i in reversed(range(T))]

    def step_function(self, schedule, eps_fn):
        """``step(x, t, t_prev, prediction, z) → x`` for :func:`ddpm_lessons.steps.run_chain`, with this spec's
        options; ``prediction`` is the :class:`~ddpm_lessons.steps.Prediction` (ε, the network's x̂₀ or None) that
        ``eps_fn(x, t)`` returns."""
        if self.method == "ddpm":
            log_variance = reverse_log_variance(schedule, self.variance)
            return partial(_ddpm, schedule, log_variance, self.clip_denoised)
        if self.method == "ddim":
            return partial(_ddim, schedule, self.eta, self.clip_denoised)
        terminal = len(schedule) - 1 if getattr(schedule, "zero_terminal", False) else None  # ᾱ = 0 there
        if self.method == "dpmpp-2m":  # a fresh memory per chain
            return partial(_dpmpp_2m, schedule, self.clip_denoised, terminal, DPMSolverPP2M())
        return partial(_heun, schedule, self.clip_denoised, eps_fn, terminal)


def _ddpm(schedule, log_variance, clip_denoised, x, t, t_prev, prediction, z):
    eps, x0 = prediction
    return ddpm_step(schedule, x, t, eps, z, log_variance=log_variance, clip_denoised=clip_denoised, x0=x0)


def _ddim(schedule, eta, clip_denoised, x, t, t_prev, prediction, z):
    eps, x0 = prediction
    return ddim_step(schedule, x, t, t_prev, eps, z, eta=eta, clip_denoised=clip_denoised, x0=x0)


def _heun(schedule, clip_denoised, eps_fn, terminal, x, t, t_prev, prediction, z):
    # Heun around DDIM's η = 0 step (an Euler step in y = x/√ᾱ, σ = √((1 − ᾱ)/ᾱ)); the last step, to x₀, is Euler,
    # and so is the first from ᾱ = 0 (σ = ∞) of a zero-terminal-SNR schedule, with the network's own x̂₀.
    eps, x0 = prediction
    if t == terminal:
        return ddim_step(schedule, x, t, t_prev, eps, None, clip_denoised=clip_denoised, x0=x0)

    def euler(state, slope):
        return ddim_step(schedule, state, t, t_prev, slope, None, clip_denoised=clip_denoised)

    return heun_step(euler, x, eps, lambda predicted: eps_fn(predicted, t_prev).eps, last=t_prev < 0)


def _dpmpp_2m(schedule, clip_denoised, terminal, solver, x, t, t_prev, prediction, z):
    # σ_t = √(1/ᾱ_t − 1) is the schedule's own array; the step to x₀ (t_prev = −1, σ = 0) is the denoised x̂₀. From
    # ᾱ = 0 (σ = ∞) the exponential integrator's step is its limit h → ∞, DDIM's from pure noise; the solver keeps
    # no memory of it (an extrapolation through λ = −∞ has weight 1/(2r) = 0), so the next step is first order too.
    eps, x0 = prediction
    if t == terminal:
        return ddim_step(schedule, x, t, t_prev, eps, None, clip_denoised=clip_denoised, x0=x0)
    pred_x0 = x0_from_eps(schedule, x, t, eps) if x0 is None else x0
    if clip_denoised:
        pred_x0 = pred_x0.clamp(-1.0, 1.0)
    sigma = schedule.sqrt_recipm1_alphas_cumprod[t]
    sigma_next = schedule.sqrt_recipm1_alphas_cumprod[t_prev] if t_prev >= 0 else 0.0
    return solver(x, sigma, sigma_next, pred_x0, last=t_prev < 0)


@torch.no_grad()
def sample(model, schedule: DiffusionSchedule, shape: Sequence[int], **options) -> torch.Tensor:
    """Draw samples from an ε-, v- or x₀-prediction model (DDPM Algorithm 2, eq. 11; DDIM eq. 12; Heun and
    DPM-Solver++(2M) on the probability-flow ODE).

    Every step is one of :mod:`ddpm_lessons.steps`: DDPM's is the step :func:`ddpm_lessons.denoising_step` (the
    seed's function) and :func:`ddpm_lessons.reverse_step` take, DDIM's is :func:`ddpm_lessons.ddim_step`'s.
    Arguments are checked once, before the loop; the loop passes plain integer timesteps, so it never waits for
    the device to answer a check.

    Args:
        model: ``model(x_t, t[, labels]) → ε``, in eval mode.
        schedule: the schedule the model was trained with.
        shape: ``(B, ...)`` of the samples, e.g. ``(16, 1, 28, 28)``.
        options: :func:`sample_trajectory`'s keywords: ``labels`` ``(B,)`` long class labels for a conditional
            model; ``progress`` (``tqdm.auto`` bar, default True); ``device`` (must be the model's, the default);
            and the fields of :class:`SamplerSpec` (``method``, ``steps``, ``eta``, ``variance``,
            ``clip_denoised``, ``noise_scale``, ``guidance``, ``seed``, ``spacing``, ``rho``, ``prediction``) or
            ``spec=SamplerSpec(...)``.

    Returns:
        The samples ``(B, ...)`` on the CPU. :func:`sample_trajectory` also returns the states along the way.
    """
    return sample_trajectory(model, schedule, shape, (), **options)[0]


@torch.no_grad()
def sample_trajectory(
    model, schedule, shape, trajectory_at, *, labels=None, progress=True, device=None, spec=None, **options
) -> tuple[torch.Tensor, dict[int, torch.Tensor]]:
    """:func:`sample`, keeping x_t at the indices ``trajectory_at`` as well (lesson 07a's generation plots).

    ``trajectory_at`` holds indices t at which to keep x_t, after the step that produced it: ``T − 1`` (or the
    first DDIM index) is x_T, the starting noise; ``-1`` is the final x_0. Every index must be one the chain visits.
    The other arguments are :func:`sample`'s, and the same seed gives the same samples.

    Returns:
        ``(samples, {t: x_t})``, all on the CPU.

    Non-finite values: samples holding NaN or inf are refused (:class:`~ddpm_lessons.InputError`) naming the
    model and the first step at which its output was not finite (or saying the chain overflowed its dtype).
    Each model output is reduced to one "all finite" flag that stays on the device; the flags and the samples
    are read once, at the end of the chain, so no step waits for the device.
    """
    from tqdm.auto import tqdm

    spec = _spec(spec, options)
    check_schedule(schedule)
    table = spec.table(len(schedule), schedule)
    device, dtype = _model_device_and_dtype(check_model(model), len(schedule), device)
    shape = check_shape(shape)
    check_example_shape(shape, model, "shape")
    labels = _labels(labels, model, shape, spec.guidance, device)
    keep = _trajectory_indices(trajectory_at, table)
    schedule = schedule.to(device=device)
    generator = torch.Generator().manual_seed(spec.seed)  # CPU draws, moved: the same samples on every device
    x = torch.randn(shape, generator=generator, dtype=dtype).to(device)
    start = {table[0][0]: x.cpu()} if table[0][0] in keep else {}  # x_T, the starting noise, is the state at T - 1

    finite = []  # (t, a 0-d bool tensor on the device): "the model's output at t was finite", read at the end

    def eps_fn(state, t: int):
        eps = unchecked_model_eps(
            model, state, torch.full((shape[0],), t, dtype=torch.long, device=device), labels, spec.guidance
        )
        finite.append((t, torch.isfinite(eps).all()))
        return split_prediction(schedule, state, t, eps, spec.prediction)  # (ε itself, None) when prediction="eps"

    def draw():
        z = torch.randn(shape, generator=generator, dtype=dtype).to(device)
        return z * spec.noise_scale if spec.noise_scale != 1.0 else z

    pairs = tqdm(table, disable=not progress, desc=spec.method, leave=False)
    step = spec.step_function(schedule, eps_fn)
    x, trajectory = run_chain(x, pairs, step, eps_fn, draw if spec.stochastic else None, keep)
    _check_finite_samples(x, finite, model)
    return x.cpu(), start | trajectory


def _check_finite_samples(x: torch.Tensor, finite: list, model) -> None:
    # One read of the samples; the flags are read only when the samples are bad, to name the first bad step.
    if all_finite(x):
        return
    bad = next((t for t, flag in finite if not bool(flag)), None)
    name = type(model).__name__
    if bad is not None:
        raise InputError(
            f"model ({name}) returned NaN or inf at step t = {bad}, so the samples are not finite; check its "
            "weights (load_trained refuses non-finite ones) and its output at that step",
            parameter="model",
        )
    raise InputError(
        f"the samples overflowed {x.dtype} although model ({name}) returned finite values at every step; "
        "its predictions are too large for this sampler (try clip_denoised=True)",
        parameter="model",
    )


def _spec(spec, options) -> SamplerSpec:
    if spec is None:
        return SamplerSpec(**options)
    if not isinstance(spec, SamplerSpec) or options:
        raise InputError(f"spec must be a SamplerSpec, given without its fields as keywords (got {sorted(options)})")
    return spec


def _model_device_and_dtype(model, T: int, device) -> tuple[torch.device, torch.dtype]:
    model_T = getattr(model, "num_timesteps", None)
    if model_T is not None and model_T != T:
        raise InputError(
            f"schedule has T = {T} steps but the model was built for num_timesteps = {model_T}; "
            "sample with the schedule it was trained with"
        )
    if getattr(model, "training", False):
        raise InputError(
            "the model is in training mode: call model.eval() before sampling (BatchNorm and dropout "
            "behave differently in training)"
        )
    first = next(model.parameters(), None) if hasattr(model, "parameters") else None
    if first is None:
        raise InputError("model must have parameters: sample() reads its device and dtype from them")
    if device is not None and torch.device(device) != first.device:
        raise InputError(f"device {device} differs from the model's device {first.device}; move the model first")
    return first.device, first.dtype


def _labels(labels, model, shape: tuple, guidance: float, device):
    # The request's labels, checked against the model as train() checks a data set's: a label equal to num_classes
    # would silently select the null class and give an unconditional sample.
    if labels is None:
        if guidance:
            raise InputError("guidance needs labels (classifier-free guidance steers towards a class)")
        return None
    if not isinstance(labels, torch.Tensor) or labels.shape != shape[:1]:
        got = tuple(labels.shape) if isinstance(labels, torch.Tensor) else type(labels).__name__
        raise InputError(f"labels must have shape ({shape[0]},), one per requested sample, got {got}")
    if takes_no_labels(model):
        raise InputError(f"labels were given but the model ({type(model).__name__}) is unconditional")
    num_classes = getattr(model, "num_classes", None)
    if isinstance(num_classes, int):
        labels = check_class_labels(labels, num_classes)
    return labels.to(device)


def _trajectory_indices(trajectory_at, table) -> frozenset:
    if isinstance(trajectory_at, (str, bytes)) or not all(
        isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in trajectory_at
    ):
        raise InputError(f"trajectory_at must be a sequence of integer step indices, got {trajectory_at!r}")
    keep = frozenset(trajectory_at)
    visited = {table[0][0]} | {t_prev for _, t_prev in table}
    if keep - visited:
        raise InputError(
            f"trajectory_at has steps the chain never visits: {sorted(keep - visited)}; "
            f"this chain visits {sorted(visited, reverse=True)[:8]} … -1"
        )
    return keep
