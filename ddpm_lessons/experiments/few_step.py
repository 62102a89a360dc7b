"""Lesson B's recorded experiment (issue 22, few-step generation): quality against network evaluations (NFE) on the
eight Gaussians for the teacher's own samplers, progressively distilled students, consistency models and a rectified
flow — each trained on this CPU, with the exact ε* as the bound no network can pass.

Run: ``python -m ddpm_lessons.experiments.few_step --workers 2 --out data/few_step.json``.

Every seed runs three jobs (``--variants``), each on lesson 09b's converged recipe (:mod:`.flows`: the same MLP,
batch 2,048, a cosine decay to 0 in every training, EMA 0.995):

- ``teacher``: a v-prediction model (``steps``; lesson 11), then
  (i) progressive distillation (:mod:`ddpm_lessons.distill`) from ``distill_from`` DDIM steps halved to 1, each round
  ``round_steps`` steps, every student starting from its teacher's EMA weights, measured at its own step count after
  its round (``rounds``); and (ii) consistency distillation (:mod:`ddpm_lessons.consistency`, ``steps`` steps,
  the network started from the teacher's weights; the whole budget, since a consistency model's residuals add up
  level by level and shrink slowly) on the ``chain``-level Karras chain;
- ``consistency-training``: a consistency model trained without a teacher (``steps``, from scratch, same chain);
- ``reflow``: a flow-matching model (lesson 09b's objective, ``steps``), its 100-step Euler map applied to 20,000 noise
  points (the pairs), and the rectified flow trained on them (``steps // 2``, started from the flow's weights);
  straightness before and after (chord and velocity deviation of 100-step trajectories, :mod:`ddpm_lessons.flow`).

Every sample set starts from the seed's points :func:`.flows.start_points` and is scored by :func:`.flows.quality`
(sliced Wasserstein distance to the held-out cloud, the mode report) at the NFE of :data:`NFE`: the teacher with DDIM
(uniform) and DPM-Solver++(2M) (Karras ρ = 7), the exact ε* with the same samplers and starts, each student at its own
step count, the consistency models with Algorithm 1, the flow and the rectified flow with Euler on uniform s. The consistency
models' chain has ``chain`` levels on Karras et al.'s ρ spacing down to index 0
(:func:`ddpm_lessons.consistency.consistency_chain`), and Algorithm 1 re-noises only to levels of it
(:func:`ddpm_lessons.consistency.sampling_levels`).
"""

from __future__ import annotations

import argparse
import copy
import time

import torch

from ..consistency import (
    DISTANCES,
    WEIGHTINGS,
    ConsistencyObjective,
    consistency_chain,
    consistency_sample,
    sampling_levels,
)
from ..data import eight_gaussians, toy_data
from ..distill import DistillationObjective
from ..flow import FlowObjective, ReflowObjective, chord_deviation, flow_sample, flow_times, velocity_deviation
from ..models import MLPDenoiser
from ..sampling import sample
from ..schedule import DiffusionSchedule
from ..score import MixtureEps
from ..train import train
from ..validation import InputError, check_choice, check_positive_int
from . import record
from .flows import DEFAULTS as FLOWS_RECIPE
from .flows import TIME_SCALE, quality, reference_cloud, start_points, velocity_of

__all__ = [
    "VARIANTS",
    "DEFAULTS",
    "NFE",
    "measure_one",
    "measure",
    "parser",
    "recipe_of",
    "main",
]

VARIANTS = ("teacher", "consistency-training", "reflow")
DEFAULTS = {
    **{key: FLOWS_RECIPE[key] for key in ("batch_size", "lr", "ema_decay", "hidden", "layers", "n")},
    "steps": 2 * FLOWS_RECIPE["steps"],  # the design-space record's budget (lesson 11)
    "round_steps": 2000,
    "distill_from": 512,
    "chain": 64,
    "rho": FLOWS_RECIPE["rho"],
    "cm_weighting": "inverse-gap",  # the consistency models' loss: Song & Dhariwal 2023's λ = 1/Δσ and pseudo-Huber,
    "cm_distance": "pseudo-huber",  # which settle faster than the 2023 paper's λ = 1 and squared distance here
}
NFE = (1, 2, 4, 8, 16)
PAIRS = 20_000  # reflow's coupling: as many pairs as the data set has points
STRAIGHTNESS_STEPS = 100


def _mlp(seed: int, settings: dict) -> MLPDenoiser:
    torch.manual_seed(seed)
    return MLPDenoiser(data_dim=2, hidden=settings["hidden"], num_layers=settings["layers"])


def _trainable(model):
    # a copy of an EMA network (eval mode, no gradients) to train further: Algorithm 2's θ ← η, reflow's start
    return copy.deepcopy(model).train().requires_grad_(True)


def _train(model, data, steps: int, seed: int, settings: dict, **objective):
    options = {key: settings[key] for key in ("batch_size", "lr", "ema_decay")}
    state = train(
        model, data, steps=steps, decay_steps=steps, seed=seed, device="cpu", progress=False, **options, **objective
    )
    return state.ema.eval()


def _scored(samples, n, **row) -> dict:
    return {**row, **quality(samples.float(), reference_cloud(n), eight_gaussians())}


def _diffusion_rows(model, prediction: str, seed: int, n: int, rho: float, field: str) -> list[dict]:
    schedule, rows = DiffusionSchedule.linear(1000), []
    for method, spacing in (("ddim", "uniform"), ("dpmpp-2m", "karras")):
        for nfe in NFE:
            options = {"rho": rho} if spacing == "karras" else {}
            x = sample(
                model,
                schedule,
                (n, 2),
                method=method,
                spacing=spacing,
                steps=nfe,
                prediction=prediction,
                seed=10_000 + seed,
                progress=False,
                **options,
            )
            rows.append(_scored(x, n, sampler=f"{method} {spacing}", field=field, nfe=nfe))
    return rows


def _teacher_job(seed: int, settings: dict, data) -> dict:
    schedule, n = DiffusionSchedule.linear(1000), settings["n"]
    started = time.process_time()
    teacher = _train(_mlp(seed, settings), data, settings["steps"], seed, settings, schedule=schedule, prediction="v")
    teacher_s = time.process_time() - started
    rows = _diffusion_rows(teacher, "v", seed, n, settings["rho"], "teacher")
    rows += _diffusion_rows(MixtureEps(eight_gaussians(), schedule), "eps", seed, n, settings["rho"], "eps_star")
    teach_steps = settings["distill_from"]
    reference = sample(
        teacher, schedule, (n, 2), method="ddim", steps=teach_steps, prediction="v", seed=10_000 + seed, progress=False
    )
    rows.append(_scored(reference, n, sampler="ddim uniform", field="teacher", nfe=teach_steps))
    rounds, current, started = [], teacher, time.process_time()
    while teach_steps > 1:
        objective = DistillationObjective(current, schedule, teach_steps, "v")
        current = _train(_trainable(current), data, settings["round_steps"], seed, settings, objective=objective)
        teach_steps //= 2
        x = sample(
            current,
            schedule,
            (n, 2),
            method="ddim",
            steps=teach_steps,
            prediction="v",
            seed=10_000 + seed,
            progress=False,
        )
        rounds.append(_scored(x, n, nfe=teach_steps))
    distill_s = time.process_time() - started
    started = time.process_time()
    cd_objective = ConsistencyObjective(
        schedule, settings["chain"], teacher=teacher, teacher_prediction="v", **_cm_options(settings)
    )
    consistency = _train(_trainable(teacher), data, settings["steps"], seed, settings, objective=cd_objective)
    cd_s = time.process_time() - started
    rows += _consistency_rows(consistency, seed, n, "consistency distillation", settings["chain"], settings["rho"])
    return {
        "teacher_s": round(teacher_s, 1),
        "distill_s": round(distill_s, 1),
        "consistency_s": round(cd_s, 1),
        "rounds": rounds,
        "samples": rows,
    }


def _cm_options(settings: dict) -> dict:
    return {"rho": settings["rho"], "weighting": settings["cm_weighting"], "distance": settings["cm_distance"]}


def _consistency_rows(model, seed: int, n: int, field: str, chain: int, rho: float) -> list[dict]:
    schedule = DiffusionSchedule.linear(1000)
    levels = consistency_chain(schedule, chain, rho)  # re-noise only to levels the network was trained at
    return [
        _scored(
            consistency_sample(model, schedule, (n, 2), levels=sampling_levels(levels, nfe), seed=10_000 + seed),
            n,
            sampler="consistency",
            field=field,
            nfe=nfe,
        )
        for nfe in NFE
        if nfe <= 4  # Algorithm 1 with more levels re-noises and denoises the same one-step estimate again
    ]


def _consistency_training_job(seed: int, settings: dict, data) -> dict:
    objective = ConsistencyObjective(DiffusionSchedule.linear(1000), settings["chain"], **_cm_options(settings))
    started = time.process_time()
    model = _train(_mlp(seed, settings), data, settings["steps"], seed, settings, objective=objective)
    train_s = time.process_time() - started
    return {
        "train_s": round(train_s, 1),
        "samples": _consistency_rows(
            model, seed, settings["n"], "consistency training", settings["chain"], settings["rho"]
        ),
    }


def straightness(model, seed: int, n: int) -> dict:
    """Mean chord and velocity deviation of ``model``'s 100-step Euler trajectories from the seed's starting points."""
    _, states = flow_sample(velocity_of(model), start_points(n, seed), flow_times(STRAIGHTNESS_STEPS), trajectory=True)
    return {
        "chord_deviation": record.rounded(chord_deviation(states).mean().item()),
        "velocity_deviation": record.rounded(velocity_deviation(states, flow_times(STRAIGHTNESS_STEPS)).mean().item()),
    }


def _flow_rows(model, seed: int, n: int, field: str) -> list[dict]:
    return [
        _scored(
            flow_sample(velocity_of(model), start_points(n, seed), flow_times(nfe)),
            n,
            sampler="euler uniform s",
            field=field,
            nfe=nfe,
        )
        for nfe in NFE
    ]


def _reflow_job(seed: int, settings: dict, data) -> dict:
    n = settings["n"]
    started = time.process_time()
    flow = _train(_mlp(seed, settings), data, settings["steps"], seed, settings, objective=FlowObjective(TIME_SCALE))
    flow_s = time.process_time() - started
    noise = torch.randn((PAIRS, 2), generator=torch.Generator().manual_seed(20_000 + seed))
    started = time.process_time()
    ends = flow_sample(velocity_of(flow), noise, flow_times(STRAIGHTNESS_STEPS))
    rectified = _train(
        _trainable(flow), ends, settings["steps"] // 2, seed, settings, objective=ReflowObjective(noise, TIME_SCALE)
    )
    reflow_s = time.process_time() - started
    return {
        "flow_s": round(flow_s, 1),
        "reflow_s": round(reflow_s, 1),
        "straightness": {"flow": straightness(flow, seed, n), "reflow": straightness(rectified, seed, n)},
        "samples": _flow_rows(flow, seed, n, "flow") + _flow_rows(rectified, seed, n, "reflow"),
    }


JOBS = {"teacher": _teacher_job, "consistency-training": _consistency_training_job, "reflow": _reflow_job}


def measure_one(variant: str, seed: int, *recipe_values) -> dict:
    """One (variant, seed) job of the module docstring, on :data:`DEFAULTS`' settings in order."""
    if variant not in VARIANTS:
        raise InputError(f"variant must be one of {VARIANTS}, got {variant!r}", parameter="variant")
    settings = dict(zip(DEFAULTS, recipe_values))
    torch.set_num_threads(1)
    data = toy_data("gaussian_mixture", 20_000, seed=0)
    return {"variant": variant, "seed": seed, **JOBS[variant](seed, settings, data)}


def _check(settings: dict, variants) -> tuple:
    variants = record.check_training_recipe(
        **{k: settings[k] for k in ("steps", "batch_size", "lr", "ema_decay", "hidden", "layers", "n", "rho")},
        variants=variants,
        known=VARIANTS,
    )
    check_positive_int(settings["round_steps"], "round_steps")
    distill_from = check_positive_int(settings["distill_from"], "distill_from", minimum=2, maximum=1000)
    if distill_from & (distill_from - 1):
        raise InputError(
            f"distill_from must be a power of two (halved to 1), got {distill_from}", parameter="distill_from"
        )
    check_positive_int(settings["chain"], "chain", minimum=5)  # Algorithm 1 at 4 NFE needs 3 interior levels
    check_choice(settings["cm_weighting"], WEIGHTINGS, "cm_weighting")
    check_choice(settings["cm_distance"], DISTANCES, "cm_distance")
    try:
        consistency_chain(DiffusionSchedule.linear(1000), settings["chain"], settings["rho"])
    except InputError as error:
        raise InputError(f"chain: {error}", parameter="chain") from None
    return variants


def measure(seeds=(0, 1, 2), *, variants=VARIANTS, workers: int = 1, **recipe) -> list[dict]:
    """Every (variant, seed) job in ``workers`` processes; ``recipe`` overrides :data:`DEFAULTS`."""
    unknown = sorted(set(recipe) - set(DEFAULTS))
    if unknown:
        raise InputError(f"unknown recipe settings {unknown}; known: {sorted(DEFAULTS)}", parameter="recipe")
    settings = {**DEFAULTS, **recipe}
    variants = _check(settings, variants)
    seeds = record.check_seeds(seeds)
    return record.run_jobs(measure_one, [(v, s, *settings.values()) for s in seeds for v in variants], workers)


def parser() -> argparse.ArgumentParser:
    """The command's flags (the tests re-parse the record's command with it)."""
    return record.experiment_parser(
        "ddpm_lessons.experiments.few_step",
        __doc__.split("\n\n")[0],
        DEFAULTS,
        VARIANTS,
        choices={"cm_weighting": WEIGHTINGS, "cm_distance": DISTANCES},
    )


def recipe_of(args: argparse.Namespace) -> dict:
    """The recipe a parsed command resolves to (what the record stores)."""
    return record.recipe_from(args, DEFAULTS)


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    started = time.perf_counter()
    recipe = recipe_of(args)
    runs = measure(args.seeds, variants=args.variants, workers=args.workers, **{k: recipe[k] for k in DEFAULTS})
    record.finish(
        prog="ddpm_lessons.experiments.few_step",
        argv=argv,
        what="issue 22, lesson B: quality against network evaluations for the teacher's samplers, progressive "
        "distillation, consistency distillation and training, and reflow on the eight Gaussians",
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
