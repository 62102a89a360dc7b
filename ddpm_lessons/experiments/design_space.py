"""Lesson 11's recorded experiment (issue 22, lesson A): the training target, its weighting over noise levels and the
distribution of training noise levels, changed one at a time from L_simple, on the eight Gaussians — where the exact
ε* says what every network should have learnt.

Run: ``python -m ddpm_lessons.experiments.design_space --workers 2 --out data/design_space.json``.

**Why these variants.** An unweighted MSE on x₀, on v = √ᾱ ε − √(1 − ᾱ) x₀ or on ε is one objective, the ε-MSE,
with a different weight at each signal-to-noise ratio (1/SNR for x₀, 1 + 1/SNR for v; Salimans & Ho 2022, Kingma &
Gao 2023; :func:`ddpm_lessons.losses.target_weight`); min-SNR-γ (Hang et al. 2023) caps the ε-loss's weight at γ/SNR;
EDM's log-normal levels (Karras et al. 2022) move where the training examples are. All of them are minimised by the
same ε* (each is a positively weighted sum over levels of a loss minimised level by level), so with a network that
can reach it they differ only in how they get there and in where the network's remaining error sits. Each variant is
one change from ``eps``:

- ``eps``: L_simple (prediction ε, no weighting, t ~ U{0, …, T−1});
- ``x0``: the network predicts x₀;  ``v``: it predicts v;
- ``min-snr``: ε-prediction with min-SNR-5 weighting;
- ``lognormal``: ε-prediction with EDM's log-normal levels (ln σ ~ N(−1.2, 1.2²) on the trained indices).

**Training** is lesson 09b's converged recipe (:mod:`ddpm_lessons.experiments.flows`: the same MLP, batch 2,048, a
cosine decay to 0, EMA 0.995), and every run is trained again on half the steps (``half_budget``: the budget check).

**Measured** for every (variant, seed), with the EMA model:

- ``error_by_level``: at :data:`LEVEL_COUNT` timesteps evenly spread in log-SNR, the network's squared error against
  the exact ε* per coordinate, E‖ε̂ − ε*‖²/D, on fresh x_t (the output converted to ε with its prediction type), and
  the irreducible E‖ε* − ε‖²/D beside it: where each objective leaves its error;
- ``samples``: DDIM (uniform spacing) and DPM-Solver++(2M) (uniform and Karras ρ = 7) at :data:`SAMPLE_NFE`
  evaluations, each set scored by the sliced Wasserstein distance to the held-out cloud and by
  :func:`~ddpm_lessons.evaluation.modes.mode_report`; ``eps`` runs also score the exact ε* with the same samplers
  and starting points (no training: the samplers' own error);
- ``half_budget`` and the full run's end point: the off-mode share at 100 DDIM evaluations and the 20-NFE distance.
"""

from __future__ import annotations

import argparse
import math
import time

import torch

from ..data import eight_gaussians, toy_data
from ..models import MLPDenoiser
from ..sampling import sample
from ..schedule import DiffusionSchedule
from ..score import MixtureEps, optimal_eps
from ..steps import eps_from_prediction
from ..train import train
from ..validation import InputError, check_bool
from . import record
from .flows import DEFAULTS as FLOWS_RECIPE
from .flows import quality, reference_cloud

__all__ = [
    "VARIANTS",
    "DEFAULTS",
    "SETTINGS",
    "SAMPLERS",
    "SAMPLE_NFE",
    "LEVEL_COUNT",
    "level_indices",
    "error_by_level",
    "end_point",
    "measure_one",
    "final_point",
    "measure",
    "parser",
    "recipe_of",
    "main",
]

VARIANTS = ("eps", "x0", "v", "min-snr", "lognormal")
SETTINGS = {  # each variant's TrainConfig fields: one change from L_simple
    "eps": {},
    "x0": {"prediction": "x0"},
    "v": {"prediction": "v"},
    "min-snr": {"weighting": "min-snr", "snr_gamma": 5.0},
    "lognormal": {"levels": "lognormal"},
}
DEFAULTS = {  # lesson 09b's converged recipe (flows.DEFAULTS) on twice its steps
    "steps": 24_000,
    **{key: FLOWS_RECIPE[key] for key in ("batch_size", "lr", "ema_decay", "hidden", "layers", "n", "rho")},
}
SAMPLERS = (("ddim", "uniform"), ("dpmpp-2m", "uniform"), ("dpmpp-2m", "karras"))
SAMPLE_NFE = (5, 10, 20, 50)
END_NFE = 100  # the end point's off-mode share: DDIM with 100 evaluations, as lesson 09b compares trainings
CURVE_NFE = 20
LEVEL_COUNT = 12
ERROR_SAMPLES = 4000


def level_indices(schedule: DiffusionSchedule, count: int = LEVEL_COUNT) -> list[int]:
    """``count`` distinct timestep indices whose log-SNR = log(ᾱ/(1 − ᾱ)) is evenly spread between the schedule's
    first and last index (each target snapped to the nearest index)."""
    alpha_bar = schedule.alphas_cumprod.double().cpu()
    log_snr = (alpha_bar / (1 - alpha_bar)).log()
    targets = torch.linspace(float(log_snr[0]), float(log_snr[-1]), count, dtype=torch.float64)
    indices = sorted({int((log_snr - target).abs().argmin()) for target in targets})
    if len(indices) != count:
        raise InputError(f"count: {count} levels do not fit {len(schedule)} timesteps", parameter="count")
    return indices


@torch.no_grad()
def error_by_level(model, prediction: str, schedule: DiffusionSchedule, mixture) -> list[dict]:
    """At each of :func:`level_indices`: the network's E‖ε̂ − ε*‖²/D and the irreducible E‖ε* − ε‖²/D on
    :data:`ERROR_SAMPLES` fresh x_t (data seed 9, noise seed 5; the same points for every model)."""
    x0 = mixture.sample(ERROR_SAMPLES, generator=torch.Generator().manual_seed(9)).double()
    noise = torch.randn(x0.shape, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    s64 = schedule.to(dtype=torch.float64)
    rows = []
    for i in level_indices(schedule):
        alpha_bar = float(s64.alphas_cumprod[i])
        x_t = math.sqrt(alpha_bar) * x0 + math.sqrt(1 - alpha_bar) * noise  # DDPM eq. 4
        t = torch.full((len(x0),), i)
        output = model(x_t.float(), t).double()
        eps_hat = eps_from_prediction(s64, x_t, t, output, prediction)
        eps_star = optimal_eps(mixture, x_t, alpha_bar)
        rows.append(
            {
                "t": i,
                "log_snr": record.rounded(math.log(alpha_bar / (1 - alpha_bar))),
                "network": record.rounded((eps_hat - eps_star).pow(2).mean().item()),
                "floor": record.rounded((eps_star - noise).pow(2).mean().item()),
            }
        )
    return rows


def _train(variant: str, seed: int, settings: dict, steps: int, data):
    torch.manual_seed(seed)
    model = MLPDenoiser(data_dim=2, hidden=settings["hidden"], num_layers=settings["layers"])
    options = {key: settings[key] for key in ("batch_size", "lr", "ema_decay")}
    state = train(
        model,
        data,
        schedule=DiffusionSchedule.linear(1000),
        steps=steps,
        decay_steps=steps,
        seed=seed,
        device="cpu",
        progress=False,
        **options,
        **SETTINGS[variant],
    )
    return state.ema.eval()


def _samples(model, prediction, seed, n, method, spacing, nfe, rho):
    options = {"method": method, "spacing": spacing, "prediction": prediction, "seed": 10_000 + seed}
    if spacing == "karras":
        options["rho"] = rho
    return sample(model, DiffusionSchedule.linear(1000), (n, 2), steps=nfe, progress=False, **options)


def end_point(model, prediction: str, seed: int, n: int, steps: int) -> dict:
    """What the budget check compares: the off-mode share and −log q at :data:`END_NFE` DDIM evaluations and the
    sliced distance at :data:`CURVE_NFE`, from the seed's starting points (generator seed 10,000 + seed)."""
    reference, mixture = reference_cloud(n), eight_gaussians()
    end = quality(_samples(model, prediction, seed, n, "ddim", "uniform", END_NFE, 7.0), reference, mixture)
    short = quality(_samples(model, prediction, seed, n, "ddim", "uniform", CURVE_NFE, 7.0), reference, mixture)
    return {"steps": steps, "sw": short["sw"], "off_mode_100": end["off_mode"], "nll_100": end["nll"]}


def _sample_table(model, prediction, seed, n, rho, field: str) -> list[dict]:
    reference, mixture = reference_cloud(n), eight_gaussians()
    return [
        {
            "method": method,
            "spacing": spacing,
            "nfe": nfe,
            "field": field,
            **quality(_samples(model, prediction, seed, n, method, spacing, nfe, rho), reference, mixture),
        }
        for method, spacing in SAMPLERS
        for nfe in SAMPLE_NFE
    ]


def measure_one(variant: str, seed: int, steps, batch_size, lr, ema_decay, hidden, layers, n, rho) -> dict:
    """Train one (variant, seed), and again on half the steps, then measure it (module docstring)."""
    settings = dict(zip(DEFAULTS, (steps, batch_size, lr, ema_decay, hidden, layers, n, rho)))
    torch.set_num_threads(1)
    data, schedule, mixture = (
        toy_data("gaussian_mixture", 20_000, seed=0),
        DiffusionSchedule.linear(1000),
        eight_gaussians(),
    )
    prediction = SETTINGS[variant].get("prediction", "eps")
    started = time.process_time()
    model = _train(variant, seed, settings, steps, data)
    half = _train(variant, seed, settings, steps // 2, data)
    train_s = time.process_time() - started
    started = time.process_time()
    run = {
        "variant": variant,
        "seed": seed,
        "train_s": round(train_s, 1),
        "end": end_point(model, prediction, seed, n, steps),
        "half_budget": end_point(half, prediction, seed, n, steps // 2),
        "error_by_level": error_by_level(model, prediction, schedule, mixture),
        "samples": _sample_table(model, prediction, seed, n, rho, "network"),
    }
    if variant == "eps":
        run["samples"] += _sample_table(MixtureEps(mixture, schedule), "eps", seed, n, rho, "eps_star")
    run["sample_s"] = round(time.process_time() - started, 1)
    return run


def final_point(variant: str, seed: int, steps, batch_size, lr, ema_decay, hidden, layers, n, rho) -> dict:
    """Train (variant, seed) for ``steps`` and return only its :func:`end_point` (``--final-only``: a longer budget
    check)."""
    settings = dict(zip(DEFAULTS, (steps, batch_size, lr, ema_decay, hidden, layers, n, rho)))
    torch.set_num_threads(1)
    model = _train(variant, seed, settings, steps, toy_data("gaussian_mixture", 20_000, seed=0))
    prediction = SETTINGS[variant].get("prediction", "eps")
    return {"variant": variant, "seed": seed, **end_point(model, prediction, seed, n, steps)}


def measure(seeds=(0, 1, 2), *, variants=VARIANTS, workers: int = 1, final_only: bool = False, **recipe) -> list[dict]:
    """Every (variant, seed) run in ``workers`` processes; ``recipe`` overrides :data:`DEFAULTS`; ``final_only``:
    each run's :func:`final_point` only."""
    unknown = sorted(set(recipe) - set(DEFAULTS))
    if unknown:
        raise InputError(f"unknown recipe settings {unknown}; known: {sorted(DEFAULTS)}", parameter="recipe")
    settings = {**DEFAULTS, **recipe}
    variants = record.check_training_recipe(**settings, variants=variants, known=VARIANTS)
    seeds = record.check_seeds(seeds)
    function = final_point if check_bool(final_only, "final_only") else measure_one
    return record.run_jobs(function, [(v, s, *settings.values()) for s in seeds for v in variants], workers)


def parser() -> argparse.ArgumentParser:
    """The command's flags (the tests re-parse the record's command with it)."""
    return record.experiment_parser(
        "ddpm_lessons.experiments.design_space",
        __doc__.split("\n\n")[0],
        DEFAULTS,
        VARIANTS,
        final_only="only each run's end point (a longer budget check)",
    )


def recipe_of(args: argparse.Namespace) -> dict:
    """The recipe a parsed command resolves to (what the record stores; ``final_only`` only when given)."""
    return record.recipe_from(args, DEFAULTS)


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    started = time.perf_counter()
    recipe = recipe_of(args)
    settings = {key: recipe[key] for key in DEFAULTS}
    runs = measure(args.seeds, variants=args.variants, workers=args.workers, final_only=args.final_only, **settings)
    record.finish(
        prog="ddpm_lessons.experiments.design_space",
        argv=argv,
        what="lesson 11: eps, x0 and v targets, min-SNR-5 weighting and EDM's log-normal levels, one change at a time "
        "from L_simple; the network's error against the exact eps* by log-SNR, and DDIM / DPM-Solver++(2M) samples",
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
