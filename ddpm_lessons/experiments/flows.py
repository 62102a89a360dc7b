"""Lesson 09b's recorded experiment: flow matching against the ε-model, one difference at a time, and Heun against
DDIM at equal network evaluations on two spacings (issue 20 §4–5).

Run: ``python -m ddpm_lessons.experiments.flows --workers 1 --out data/flows.json`` (the record ``data/flows.json``).

**What differs between the two objectives.** Both train the same MLP on the eight Gaussians, same optimiser and
steps. On the straight path x_s = (1 − s) x₀ + s ε the DDPM state x_t is the point s = √(1 − ᾱ)/(√ᾱ + √(1 − ᾱ))
(:func:`ddpm_lessons.flow.flow_time_from_alpha_bar`), and a velocity v̂ gives ε̂ = x_s + (1 − s) v̂, so

    ε̂ − ε = (1 − s)(v̂ − v):    the ε-loss is the velocity loss weighted by (1 − s)².

So flow matching as lesson 09b trains it (s ~ U[0, 1], unweighted) differs from the ε-model in three things: the
*noise levels* trained on (uniform t on the linear schedule puts 47 % of the ε-model's training at s > 0.8; uniform s
puts 20 % there), the *loss weighting* (1 − s)², and the *parameterisation* (the network outputs v from the
straight-path state at time 1000·s, instead of ε from x_t at index t). The variants measure each on its own:

- ``eps``: the ε-model (L_simple, t ~ U{0, …, T−1});
- ``flow``: flow matching as in the lesson (s ~ U[0, 1], unweighted);
- ``flow-eps-levels``: flow matching with the ε-model's levels (s = s(ᾱ_t), t ~ U{0, …, T−1});
- ``flow-eps-weight``: flow matching with the ε-model's weighting ((1 − s)² ‖v̂ − v‖², s ~ U[0, 1]);
- ``flow-eps-both``: both — the ε-model's loss exactly, written in v: only the parameterisation differs.

The record runs the chain eps – flow-eps-both – flow-eps-levels – flow (:data:`RECORDED`): each neighbour differs from
the next in one thing (the parameterisation, the weighting, the levels); ``flow-eps-weight`` is there to run as well.

**Training and convergence.** Adam with the learning rate decayed on a cosine from ``lr`` to 0 over the run's steps
(``decay="cosine"``; :func:`ddpm_lessons.train.learning_rate`), so the run ends annealed rather than wherever a constant
rate's noise leaves the weights. Each (variant, seed) trains with a learning curve (every ``every`` steps: the EMA
model's sliced Wasserstein distance at 20 network evaluations, and its off-mode share and −log q at 100,
:func:`curve_modes`), and once more with the same recipe and half the steps (``half_budget``, its own cosine over its
own steps): a run has converged when doubling its budget no longer changes what it is measured by. Each full run is
then measured at 5–100 evaluations: the ε-model with DDIM (its own grid of timesteps), each flow model with Euler on uniform s (its own grid) and on the s of DDIM's timesteps (the
ε-model's grid: there DDIM *is* flow Euler, lesson 09b's bridge), so the grid is a fourth difference, measured too.

**Samplers** (``eps`` runs): Heun against DDIM (Euler in (y, σ)) at equal network evaluations, NFE 5, 9, 19, 49,
on DDIM's uniform timesteps and on Karras et al. 2022's ρ = 7 spacing (:func:`karras_timesteps`), with the trained
ε_θ and the exact ε*. And Heun-3's failure on uniform spacing, taken apart (:func:`heun3_diagnosis`): the network's
error against ε* at the start, at the predicted (off-course) point and at on-course points of the same level, and
Heun-3 re-run with ε* at the predicted points only.

Every sample set is scored with the sliced Wasserstein distance to lesson 09b's held-out cloud (read it against
:func:`~ddpm_lessons.evaluation.references.data_reference`) and with
:func:`~ddpm_lessons.evaluation.modes.mode_report`.
"""

from __future__ import annotations

import argparse
import math
import statistics
import tempfile
import time
from pathlib import Path

import torch

from ..data import eight_gaussians, toy_data
from ..evaluation.metrics import sliced_wasserstein
from ..evaluation.modes import mode_report
from ..flow import FlowObjective, flow_sample, flow_time_from_alpha_bar, flow_times, vp_to_flow
from ..models import MLPDenoiser
from ..ode import euler_step, karras_timesteps, ode_sample, ode_timesteps
from ..sampling import sample
from ..schedule import DiffusionSchedule
from ..score import noised_log_prob, optimal_eps
from ..train import train
from ..validation import InputError, check_bool, check_positive_int
from . import record

__all__ = [
    "VARIANTS",
    "RECORDED",
    "DEFAULTS",
    "FlowVariantObjective",
    "karras_timesteps",
    "uniform_timesteps",
    "timesteps",
    "start_points",
    "curve_sw",
    "curve_modes",
    "curve_point",
    "sample_exact",
    "quality",
    "reference_cloud",
    "velocity_of",
    "heun3_diagnosis",
    "measure_one",
    "measure",
    "final_point",
    "parser",
    "main",
]

VARIANTS = ("eps", "flow", "flow-eps-levels", "flow-eps-weight", "flow-eps-both")
RECORDED = (
    "eps",
    "flow",
    "flow-eps-levels",
    "flow-eps-both",
)  # the record's chain: each neighbour differs in one thing
DEFAULTS = {
    "steps": 12000,
    "every": 500,
    "batch_size": 2048,
    "lr": 3e-3,
    "decay": "cosine",
    "ema_decay": 0.995,
    "hidden": 128,
    "layers": 3,
    "n": 2000,
    "rho": 7.0,
}
DECAYS = ("cosine", "none")  # the learning rate: cosine decay to 0 over the run's steps, or constant
TIME_SCALE = 1000.0  # s → the MLP's time input, as lesson 09b trains its flow model
FLOW_NFE = (1, 2, 5, 10, 20, 50, 100)
SAMPLER_NFE = (5, 9, 19, 49)  # Heun with 3, 5, 10, 25 steps: 2k − 1 evaluations
CURVE_NFE = 20
MODES_NFE = 100  # the learning curve's mode report: the NFE at which lesson 09b compares the trainings


class FlowVariantObjective(FlowObjective):
    """Flow matching with the ε-model's noise levels (``levels="eps"``: s = s(ᾱ_t), t ~ U{0, …, T−1}) and/or its loss
    weighting (``weight="eps"``: (1 − s)² ‖v_θ − (ε − x₀)‖², which equals ‖ε̂ − ε‖² for ε̂ = x_s + (1 − s) v_θ)."""

    def __init__(self, schedule: DiffusionSchedule, levels: str = "uniform", weight: str = "flow"):
        super().__init__(TIME_SCALE)
        if levels not in ("uniform", "eps"):
            raise InputError(f"levels must be 'uniform' or 'eps', got {levels!r}", parameter="levels")
        if weight not in ("flow", "eps"):
            raise InputError(f"weight must be 'flow' or 'eps', got {weight!r}", parameter="weight")
        alpha_bar = schedule.alphas_cumprod.double().cpu()
        self.levels_table = flow_time_from_alpha_bar(alpha_bar).float()  # s of each trained index
        self.levels, self.weight = levels, weight
        self.settings = {**self.settings, "levels": levels, "weight": weight}

    def draw(self, batch: int, generator: torch.Generator) -> torch.Tensor:
        if self.levels == "uniform":
            return torch.rand(batch, generator=generator)
        return self.levels_table[torch.randint(0, len(self.levels_table), (batch,), generator=generator)]

    def loss(self, model, x0, s, noise, labels):
        if self.weight == "flow":
            return super().loss(model, x0, s, noise, labels)
        x_s = _state(x0, noise, s)
        v = model(x_s, self.time_scale * s) if labels is None else model(x_s, self.time_scale * s, labels)
        scale = (1 - s.to(x0.dtype)).reshape(-1, *([1] * (x0.dim() - 1)))
        weighted = scale * (v - (noise - x0))  # (1 − s)(v̂ − v) = ε̂ − ε
        return weighted.pow(2).mean(), weighted.detach()


def _state(x0, noise, s):
    s = s.to(x0.dtype).reshape(-1, *([1] * (x0.dim() - 1)))
    return (1 - s) * x0 + s * noise


def _objective(variant: str, schedule: DiffusionSchedule):
    if variant == "eps":
        return None
    levels = "eps" if variant in ("flow-eps-levels", "flow-eps-both") else "uniform"
    weight = "eps" if variant in ("flow-eps-weight", "flow-eps-both") else "flow"
    return FlowVariantObjective(schedule, levels, weight)


def uniform_timesteps(schedule: DiffusionSchedule, steps: int) -> tuple[list[int], list[float]]:
    """DDIM's evenly spaced timestep indices and their σ, ending at σ = 0 (:func:`ddpm_lessons.ode.ode_timesteps`)."""
    return ode_timesteps(schedule, steps)


def reference_cloud(n: int) -> torch.Tensor:
    """Lesson 09b's held-out cloud (09a's too), every sample set's comparison: ``toy_data("gaussian_mixture", n, seed=1)``."""
    return toy_data("gaussian_mixture", n, seed=1)


def quality(samples: torch.Tensor, reference: torch.Tensor, mixture) -> dict:
    """Sliced Wasserstein distance to ``reference`` and the mode report's numbers (shares rounded)."""
    report = mode_report(samples, mixture, entropy_draws=20_000)
    return {
        "sw": record.rounded(sliced_wasserstein(samples.float(), reference)),
        "modes_covered": report["modes_covered"],
        "weights_tv": record.rounded(report["weights_tv"]),
        "off_mode": record.rounded(report["off_mode"]),
        "nll": record.rounded(report["nll"]),
        "mode_shares": [round(v, 4) for v in report["mode_shares"]],
    }


def _eps_fn(model):
    def eps(x, i):
        with torch.no_grad():
            return model(x.float(), torch.full((x.shape[0],), i)).to(x.dtype)

    return eps


def _exact_eps_fn(mixture, schedule):
    alpha_bar = schedule.alphas_cumprod.double().cpu()

    def eps(x, i):
        return optimal_eps(mixture, x.double(), float(alpha_bar[i])).to(x.dtype)

    return eps


def velocity_of(model):
    """A flow model ``model(x, 1000·s)`` as the ``velocity_fn(x, s)`` of :func:`ddpm_lessons.flow.flow_sample`."""

    def velocity(x, s):
        with torch.no_grad():
            return model(x, TIME_SCALE * s)

    return velocity


def _sample(variant, model, schedule, x_T, nfe: int, grid: str) -> torch.Tensor:
    """One sample set of ``nfe`` evaluations: DDIM for the ε-model; flow Euler on uniform s or on DDIM's s."""
    if variant == "eps":
        indices, sigmas = uniform_timesteps(schedule, nfe)
        return ode_sample(_eps_fn(model), x_T, sigmas, points=indices)
    if grid == "uniform":
        return flow_sample(velocity_of(model), x_T, flow_times(nfe))
    indices, _ = uniform_timesteps(schedule, nfe)
    alpha_bar = schedule.alphas_cumprod.double().cpu()
    times = [float(flow_time_from_alpha_bar(alpha_bar[i])) for i in indices[:-1]] + [0.0]
    return flow_sample(velocity_of(model), vp_to_flow(x_T, float(alpha_bar[indices[0]])), times)


def start_points(n: int, seed: int) -> torch.Tensor:
    """The ``n`` starting points x_T ~ N(0, I) of every sample set of one seed (generator seed 10,000 + seed)."""
    return torch.randn((n, 2), generator=torch.Generator().manual_seed(10_000 + seed))


def _sample_on_own_grid(model, variant: str, seed: int, n: int, nfe: int) -> torch.Tensor:
    # a learning curve's samples: DDIM's grid for the ε-model, uniform s for a flow, from start_points(n, seed)
    grid = "ddim" if variant == "eps" else "uniform"
    return _sample(variant, model, DiffusionSchedule.linear(1000), start_points(n, seed), nfe, grid)


def curve_sw(model, variant: str, seed: int, n: int) -> float:
    """A learning curve's metric: the sliced Wasserstein distance of ``model``'s samples at 20 evaluations on its own
    grid (DDIM for the ε-model, Euler on uniform s for a flow), from :func:`start_points`, to the held-out cloud."""
    x = _sample_on_own_grid(model, variant, seed, n, CURVE_NFE)
    return record.rounded(sliced_wasserstein(x.float(), reference_cloud(n)))


def curve_modes(model, variant: str, seed: int, n: int) -> dict:
    """A learning curve's second measure: the off-mode share and −log q of ``model``'s samples at 100 evaluations on
    its own grid, from :func:`start_points` — what lesson 09b compares the trained models by. The 20-NFE distance of
    :func:`curve_sw` sits near its sampler's own floor, so it cannot show whether the network's error still falls."""
    x = _sample_on_own_grid(model, variant, seed, n, MODES_NFE)
    report = mode_report(x.float(), eight_gaussians(), entropy_draws=2)
    return {"off_mode_100": record.rounded(report["off_mode"]), "nll_100": record.rounded(report["nll"])}


def timesteps(schedule: DiffusionSchedule, spacing: str, steps: int, rho: float = 7.0):
    """``(indices, sigmas)`` of ``steps`` steps on DDIM's uniform spacing or Karras et al.'s (``"karras"``)."""
    if spacing == "uniform":
        return uniform_timesteps(schedule, steps)
    if spacing == "karras":
        return karras_timesteps(schedule, steps, rho)
    raise InputError(f"spacing must be 'uniform' or 'karras', got {spacing!r}", parameter="spacing")


def sample_exact(schedule, mixture, x_T: torch.Tensor, spacing: str, method: str, steps: int, rho: float = 7.0):
    """Samples of the probability-flow ODE with the exact ε* (no network): ``method`` "ddim" (Euler) or "heun"."""
    indices, sigmas = timesteps(schedule, spacing, steps, rho)
    solver = {"ddim": "euler", "heun": "heun"}[method]
    return ode_sample(_exact_eps_fn(mixture, schedule), x_T.double(), sigmas, points=indices, method=solver)


def _train(variant, seed, schedule, data, settings, stop, folder, resume):
    torch.manual_seed(seed)
    model = MLPDenoiser(data_dim=2, hidden=settings["hidden"], num_layers=settings["layers"])
    options = {key: settings[key] for key in ("batch_size", "lr", "ema_decay")}
    options["decay_steps"] = settings["steps"] if settings["decay"] == "cosine" else 0
    objective = _objective(variant, schedule)
    kwargs = {"schedule": schedule} if objective is None else {"objective": objective}
    return train(
        model,
        data,
        steps=stop,
        seed=seed,
        device="cpu",
        progress=False,
        checkpoint_path=Path(folder) / "run.pt",
        resume=resume,
        **options,
        **kwargs,
    )


def heun3_diagnosis(model, schedule, mixture, x_T: torch.Tensor, reference: torch.Tensor, seed: int) -> dict:
    """Heun with 3 steps on uniform spacing, taken apart at its first step (index 999 → 666).

    Returns the network's mean squared error against ε* (per coordinate) at the start x_T, at the predicted point
    x̃ (Euler step with ε_θ: off course) and at on-course points of the same level (x₀ + noise from the forward
    process); how far x̃ is from the predictor with ε* (the error at the start times the gain (σ − σ′)/√(1 + σ′²));
    −log q of x̃ and of on-course points under the noised mixture (nats per point); and the quality of Heun-3 with
    ε_θ everywhere and with ε* at the predicted points only.
    """
    indices, sigmas = uniform_timesteps(schedule, 3)
    net, exact = _eps_fn(model), _exact_eps_fn(mixture, schedule)
    alpha_bar = schedule.alphas_cumprod.double().cpu()
    i0, i1 = indices[0], indices[1]
    x = x_T.double()
    eps_start = net(x, i0)
    predicted = euler_step(x, sigmas[0], sigmas[1], eps_start)
    predicted_exact = euler_step(x, sigmas[0], sigmas[1], exact(x, i0))
    g = torch.Generator().manual_seed(20_000 + seed)
    x0 = mixture.sample(len(x), generator=g).double()
    on_course = math.sqrt(alpha_bar[i1]) * x0 + math.sqrt(1 - alpha_bar[i1]) * torch.randn(
        x.shape, generator=g, dtype=x.dtype
    )

    def mse(a, b):
        return record.rounded((a - b).pow(2).mean().item())

    def nll(points):
        return record.rounded(-noised_log_prob(mixture, points, float(alpha_bar[i1])).mean().item())

    return {
        "indices": indices,
        "sigmas": [record.rounded(s) for s in sigmas],
        "gain": record.rounded((sigmas[0] - sigmas[1]) / math.sqrt(1 + sigmas[1] ** 2)),
        "err_start": mse(eps_start, exact(x, i0)),
        "err_predicted": mse(net(predicted, i1), exact(predicted, i1)),
        "err_on_course": mse(net(on_course, i1), exact(on_course, i1)),
        "predictor_offset": record.rounded((predicted - predicted_exact).norm(dim=1).mean().item()),
        "nll_predicted": nll(predicted),
        "nll_on_course": nll(on_course),
        "heun3": quality(_heun(net, net, x, indices, sigmas).float(), reference, mixture),
        "heun3_exact_at_predicted": quality(_heun(net, exact, x, indices, sigmas).float(), reference, mixture),
    }


def _heun(eps_fn, corrector_fn, x, indices, sigmas):
    # Heun (Karras et al. 2022, Alg. 1, S_churn = 0) with the slope at each predicted point from corrector_fn
    for k in range(len(indices) - 1):
        eps = eps_fn(x, indices[k])
        predicted = euler_step(x, sigmas[k], sigmas[k + 1], eps)
        if indices[k + 1] < 0:
            x = predicted
        else:
            x = euler_step(x, sigmas[k], sigmas[k + 1], 0.5 * (eps + corrector_fn(predicted, indices[k + 1])))
    return x


def _sampler_table(model, schedule, mixture, x_T, reference, rho) -> list[dict]:
    """Heun and DDIM at equal NFE on both spacings, with ε_θ and with ε*."""
    rows = []
    for spacing in ("uniform", "karras"):
        for nfe in SAMPLER_NFE:
            for method, steps in (("ddim", nfe), ("heun", (nfe + 1) // 2)):
                indices, sigmas = timesteps(schedule, spacing, steps, rho)
                solver = "euler" if method == "ddim" else "heun"
                learned = ode_sample(_eps_fn(model), x_T, sigmas, points=indices, method=solver)
                exact = sample_exact(schedule, mixture, x_T, spacing, method, steps, rho)
                for field, x in (("eps_theta", learned), ("eps_star", exact)):
                    row = {"spacing": spacing, "method": method, "steps": steps, "nfe": nfe, "field": field}
                    rows.append({**row, **quality(x.float(), reference, mixture)})
    return rows


def _train_with_checks(variant, seed, schedule, data, settings, every, n):
    # the learning curve (every `every` steps), then the budget check: the same recipe on half the steps
    steps, curve, train_s = settings["steps"], [], 0.0
    with tempfile.TemporaryDirectory(prefix="ddpm-flows-") as folder:
        for chunk, stop in enumerate(list(range(every, steps, every)) + [steps]):
            started = time.process_time()
            state = _train(variant, seed, schedule, data, settings, stop, folder, chunk > 0)
            train_s += time.process_time() - started
            curve.append(
                {"step": stop, "sw": curve_sw(state.ema, variant, seed, n), **curve_modes(state.ema, variant, seed, n)}
            )
    with tempfile.TemporaryDirectory(prefix="ddpm-flows-") as folder:
        started = time.process_time()
        half = _train(variant, seed, schedule, data, {**settings, "steps": steps // 2}, steps // 2, folder, False)
        train_s += time.process_time() - started
    return state, curve, _end_point(half.ema, variant, seed, steps // 2, n), train_s


def _end_point(ema, variant, seed, steps, n) -> dict:
    # what a learning-curve point records, for a run's last model: the budget check's and final_point's row
    return {"steps": steps, "sw": curve_sw(ema, variant, seed, n), **curve_modes(ema, variant, seed, n)}


def _sample_sets(variant, seed, model, schedule, mixture, x_T, reference, n):
    grids = ("ddim",) if variant == "eps" else ("uniform", "ddim")
    sets = [
        {
            "grid": grid,
            "nfe": nfe,
            **quality(_sample(variant, model, schedule, x_T, nfe, grid).float(), reference, mixture),
        }
        for grid in grids
        for nfe in FLOW_NFE
    ]
    if variant == "eps":  # DDPM's ancestral sampler, 1000 evaluations, for scale
        ancestral = sample(model, schedule, (n, 2), seed=10_000 + seed, progress=False)
        sets.append({"grid": "ddpm", "nfe": 1000, **quality(ancestral, reference, mixture)})
    return sets


def measure_one(
    variant: str,
    seed: int,
    steps: int,
    every: int,
    batch_size: int,
    lr: float,
    decay: str,
    ema_decay: float,
    hidden: int,
    layers: int,
    n: int,
    rho: float,
) -> dict:
    """Train one (variant, seed) with a learning curve, then measure it (module docstring)."""
    if variant not in VARIANTS:
        raise InputError(f"variant must be one of {VARIANTS}, got {variant!r}", parameter="variant")
    torch.set_num_threads(1)
    settings = {
        "batch_size": batch_size,
        "lr": lr,
        "decay": decay,
        "steps": steps,
        "ema_decay": ema_decay,
        "hidden": hidden,
        "layers": layers,
    }
    schedule, mixture = DiffusionSchedule.linear(1000), eight_gaussians()
    data, reference, x_T = toy_data("gaussian_mixture", 20_000, seed=0), reference_cloud(n), start_points(n, seed)
    state, curve, half_budget, train_s = _train_with_checks(variant, seed, schedule, data, settings, every, n)
    started = time.process_time()
    model = state.ema.eval()
    sets = _sample_sets(variant, seed, model, schedule, mixture, x_T, reference, n)
    losses = state.history["loss"]
    run = {
        "variant": variant,
        "seed": seed,
        "train_s": round(train_s, 1),
        "final_loss": record.rounded(statistics.fmean(losses[-max(1, len(losses) // 10) :])),
        "curve": curve,
        "half_budget": half_budget,
        "samples": sets,
    }
    if variant == "eps":
        run["samplers"] = _sampler_table(model, schedule, mixture, x_T, reference, rho)
        run["heun3"] = heun3_diagnosis(model, schedule, mixture, x_T, reference, seed)
    run["sample_s"] = round(time.process_time() - started, 1)
    return run


def curve_point(variant: str, seed: int, step: int, **recipe) -> float:
    """Re-run one learning-curve point: train (variant, seed) for the first ``step`` of the ``recipe``'s steps
    (:data:`DEFAULTS` otherwise; the learning rate follows the whole run's schedule) and return :func:`curve_sw` of its
    EMA model."""
    settings = {**DEFAULTS, **recipe, "every": step}
    _check_recipe(**settings, variants=(variant,))
    seed = record.check_seeds((seed,))[0]
    with tempfile.TemporaryDirectory(prefix="ddpm-flows-") as folder:
        state = _train(
            variant,
            seed,
            DiffusionSchedule.linear(1000),
            toy_data("gaussian_mixture", 20_000, seed=0),
            settings,
            step,
            folder,
            False,
        )
    return curve_sw(state.ema, variant, seed, settings["n"])


def _check_recipe(steps, every, batch_size, lr, decay, ema_decay, hidden, layers, n, rho, variants):
    steps = check_positive_int(steps, "steps")
    every = check_positive_int(every, "every")
    if every > steps:
        raise InputError(f"every must be at most steps ({steps}), got {every}", parameter="every")
    if decay not in DECAYS:
        raise InputError(f"decay must be one of {DECAYS}, got {decay!r}", parameter="decay")
    shared = {"batch_size": batch_size, "lr": lr, "ema_decay": ema_decay, "hidden": hidden, "layers": layers}
    return record.check_training_recipe(steps=steps, **shared, n=n, rho=rho, variants=variants, known=VARIANTS)


def measure(seeds=(0, 1, 2), *, variants=VARIANTS, workers: int = 1, final_only: bool = False, **recipe) -> list[dict]:
    """Every (variant, seed) run, in ``workers`` processes; ``recipe`` overrides :data:`DEFAULTS`. ``final_only``:
    each run's end point only (:func:`final_point`) instead of :func:`measure_one`'s full measurement."""
    unknown = sorted(set(recipe) - set(DEFAULTS))
    if unknown:
        raise InputError(f"unknown recipe settings {unknown}; known: {sorted(DEFAULTS)}", parameter="recipe")
    settings = {**DEFAULTS, **recipe}
    variants = _check_recipe(**settings, variants=variants)
    seeds = record.check_seeds(seeds)
    function = final_point if check_bool(final_only, "final_only") else measure_one
    jobs = [(v, s, *(settings[k] for k in DEFAULTS)) for s in seeds for v in variants]
    return record.run_jobs(function, jobs, workers)


def parser() -> argparse.ArgumentParser:
    """The command's flags (the tests re-parse the record's command with it)."""
    return record.experiment_parser(
        "ddpm_lessons.experiments.flows",
        __doc__.split("\n\n")[0],
        DEFAULTS,
        VARIANTS,
        default_variants=RECORDED,
        choices={"decay": DECAYS},
        final_only="only each run's end point (the double-budget check)",
    )


def recipe_of(args: argparse.Namespace) -> dict:
    """The recipe a parsed command resolves to (what the record stores; ``final_only`` only when given)."""
    return record.recipe_from(args, DEFAULTS)


def final_point(variant: str, seed: int, steps: int, *recipe_values) -> dict:
    """Train (variant, seed) for ``steps`` with the recipe's own cosine over them and return only the end point that
    the learning curves and the budget check record (``sw`` at 20 NFE, the mode report at 100): the record
    ``data/flows_double.json`` runs the record's recipe on twice its steps with it (``--final-only``)."""
    settings = dict(zip(DEFAULTS, (steps, *recipe_values)))
    torch.set_num_threads(1)
    started = time.process_time()
    with tempfile.TemporaryDirectory(prefix="ddpm-flows-") as folder:
        data = toy_data("gaussian_mixture", 20_000, seed=0)
        state = _train(variant, seed, DiffusionSchedule.linear(1000), data, settings, steps, folder, False)
    point = _end_point(state.ema, variant, seed, steps, settings["n"])
    return {"variant": variant, "seed": seed, **point, "cpu_s": round(time.process_time() - started, 1)}


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    started = time.perf_counter()
    recipe = recipe_of(args)
    settings = {k: v for k, v in recipe.items() if k not in ("variants", "final_only")}
    runs = measure(args.seeds, workers=args.workers, final_only=args.final_only, **settings, variants=args.variants)
    record.finish(
        prog="ddpm_lessons.experiments.flows",
        argv=argv,
        what="lesson 09: flow matching vs the eps-model with noise levels, loss weighting and sampling grid changed "
        "one at a time; Heun vs DDIM at equal NFE on uniform and Karras rho = 7 spacing; Heun-3's failure taken apart",
        recipe=recipe,
        seeds=args.seeds,
        workers=args.workers,
        started=started,
        runs=runs,
        out=args.out,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
