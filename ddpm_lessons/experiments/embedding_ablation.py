"""Lesson 04's time-input ablation, recorded: four ways to tell an MLP denoiser the time, over several seeds.

``python -m ddpm_lessons.experiments.embedding_ablation [--seeds 0 1 2] [--curve 500 1500 3000]
[--variants sinusoidal scalar raw none] [--samples 1000] [--keep 600] [--workers 1] [--out FILE]``

The variants are :class:`~ddpm_lessons.models.MLPDenoiser`'s ``time_input`` values, in the recipe lesson 04
trains live: two moons (20,000 points), hidden width 128, three blocks, the linear schedule with T = 1000, batch
256, lr 10⁻³ with 100 warm-up steps, EMA decay 0.995, one CPU thread. Within a seed every variant shares the
training set (``toy_data("moons", 20000, seed=seed)``), the initial seed (``torch.manual_seed(seed)`` before the
model is built), the training draws (``train(seed=seed)``) and the sampling noise (DDPM-1000 with σ² = β, sampling
seed 1). The initial weights are not shared, though: the input layer is built first and its size depends on the
time input (2 + 32, 2 + 1 or 2 inputs), so it consumes a different number of random draws and every later layer
starts from different weights ("scalar" and "raw" alone start identically). Within a seed the variants therefore
differ in their time input and in their initial weights; the seeds average over the second. Across seeds all of
those change but the sampling noise.

Measured on the EMA weights after each step count in ``--curve`` (a learning curve; each segment resumes the
previous one's checkpoint exactly, so the curve's points are those of one long run — tested): ``swd``, the sliced
Wasserstein distance (:func:`~ddpm_lessons.evaluation.metrics.sliced_wasserstein`) between ``--samples`` samples
and a fixed reference set of moons (``seed=99``). Fresh data's level of the same comparison — the reference set
against 20 fresh draws of the same size (:func:`~ddpm_lessons.evaluation.references.data_reference`) — is stored
beside the runs, so a model reads as "inside fresh data's range" or "k standard deviations above". Two moons is
not a mixture with a known density, so no mode report applies.

The record keeps, for the first seed only, the first ``--keep`` final samples of each variant (for the lesson's
figure). :func:`verdicts` turns the record into the only sentences it supports: an ordering of two variants where
it holds in every seed, "not distinguishable at this budget" where it flips.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from ..data.toy import toy_data
from ..evaluation.metrics import sliced_wasserstein
from ..evaluation.references import ReferenceLevel, data_reference
from ..models import MLPDenoiser, count_parameters
from ..sampling import sample
from ..schedule import DiffusionSchedule
from ..validation import MAX_BATCH, InputError, check_positive_int, check_size
from .record import add_common_arguments, check_seeds, finish, run_jobs, spread, train_in_segments

__all__ = [
    "DEFAULTS",
    "RECIPE",
    "VARIANTS",
    "converged",
    "measure",
    "measure_one",
    "parser",
    "main",
    "reference_level",
    "reference_of",
    "summary",
    "verdicts",
]

PROG = "ddpm_lessons.experiments.embedding_ablation"
VARIANTS = MLPDenoiser.TIME_INPUTS  # ("sinusoidal", "scalar", "raw", "none")
RECIPE = {  # lesson 04's live recipe (section 2), unchanged
    "data": "moons",
    "n_train": 20_000,
    "hidden": 128,
    "num_layers": 3,
    "timesteps": 1000,
    "batch_size": 256,
    "lr": 1e-3,
    "warmup": 100,
    "ema_decay": 0.995,
    "sample_seed": 1,
    "reference_seed": 99,
    "reference_draws": 20,
    "reference_first_seed": 1000,
}
DEFAULTS = {"seeds": (0, 1, 2), "curve": (500, 1500, 3000), "samples": 1000, "keep": 600}
# "Converged" (:func:`converged`): over the curve's last segment the mean over seeds moved by less than this many of
# fresh data's standard deviations — at this sample size the metric no longer shows what more training gives.
CONVERGED_WITHIN_STDS = 1.0


def reference_set(samples: int) -> torch.Tensor:
    """The fixed moons every model's samples are compared with (``RECIPE["reference_seed"]``)."""
    return toy_data(RECIPE["data"], samples, seed=RECIPE["reference_seed"])


def reference_level(samples: int) -> ReferenceLevel:
    """Fresh data's level of the comparison: the reference set against 20 fresh draws of ``samples`` points."""
    return data_reference(
        sliced_wasserstein,
        lambda n, seed: toy_data(RECIPE["data"], n, seed=seed),
        samples,
        reference=reference_set(samples),
        draws=RECIPE["reference_draws"],
        seed=RECIPE["reference_first_seed"],
        name="sliced W1 of fresh moons against the reference set",
    )


def measure_one(variant: str, seed: int, curve, samples: int, keep: int = 0) -> dict:
    """Train one (variant, seed) run to ``curve[-1]`` steps, measuring ``swd`` at every step count in ``curve``."""
    torch.set_num_threads(1)
    schedule = DiffusionSchedule.linear(RECIPE["timesteps"])
    data = toy_data(RECIPE["data"], RECIPE["n_train"], seed=seed)
    reference = reference_set(samples)
    torch.manual_seed(seed)
    model = MLPDenoiser(hidden=RECIPE["hidden"], num_layers=RECIPE["num_layers"], time_input=variant)
    settings = {key: RECIPE[key] for key in ("batch_size", "lr", "warmup", "ema_decay")}
    points, train_s, sample_s, cpu_started = [], 0.0, 0.0, time.process_time()
    for stop, state, seconds in train_in_segments(
        model, data, curve, prefix="ddpm-embedding-", schedule=schedule, seed=seed, device="cpu", **settings
    ):
        train_s += seconds
        started = time.perf_counter()
        drawn = sample(state.ema, schedule, (samples, 2), seed=RECIPE["sample_seed"], progress=False, device="cpu")
        sample_s += time.perf_counter() - started
        points.append({"step": stop, "swd": round(sliced_wasserstein(drawn, reference), 6)})
    losses = state.history["loss"]
    tail = losses[-max(1, len(losses) // 10) :]
    return {
        "variant": variant,
        "seed": seed,
        "parameters": count_parameters(model),
        "train_s": round(train_s, 1),
        "sample_s": round(sample_s, 1),
        "cpu_s": round(time.process_time() - cpu_started, 1),  # the process's own CPU time: wall times inflate
        "final_loss_mean_last_10pct": round(statistics.fmean(tail), 5),
        "curve": points,
        "swd": points[-1]["swd"],
        "points": [round(v, 4) for v in drawn[:keep].flatten().tolist()],
    }


def check_curve(curve) -> tuple[int, ...]:
    """Step counts of the learning curve: at least one, positive, strictly increasing."""
    curve = tuple(curve) if isinstance(curve, (tuple, list)) else None
    if not curve:
        raise InputError("curve must be a non-empty list of step counts", parameter="curve")
    for stop in curve:
        check_positive_int(stop, "curve", maximum=10**7)
    if any(b <= a for a, b in zip(curve, curve[1:])):
        raise InputError(f"curve must be strictly increasing step counts, got {list(curve)}", parameter="curve")
    return curve


def measure(
    seeds=DEFAULTS["seeds"],
    curve=DEFAULTS["curve"],
    samples: int = DEFAULTS["samples"],
    keep: int = DEFAULTS["keep"],
    variants=VARIANTS,
    workers: int = 1,
) -> list[dict]:
    """Every (variant, seed) run, in ``workers`` processes; the results do not depend on ``workers``."""
    seeds = check_seeds(seeds)
    curve = check_curve(curve)
    samples = check_size(samples, "samples", MAX_BATCH, "MAX_BATCH", minimum=2)
    keep = check_positive_int(keep, "keep", minimum=0, maximum=samples)
    variants = tuple(variants) if isinstance(variants, (tuple, list)) else ()
    if not variants or any(v not in VARIANTS for v in variants) or len(set(variants)) != len(variants):
        raise InputError(
            f"variants must name some of {list(VARIANTS)}, each once, got {variants!r}", parameter="variants"
        )
    jobs = [(v, s, curve, samples, keep if s == seeds[0] else 0) for s in seeds for v in variants]
    return run_jobs(measure_one, jobs, workers)


def summary(record: dict) -> dict:
    """Per variant: the spread over seeds (:func:`~ddpm_lessons.experiments.record.spread`) of the final ``swd``
    and of every curve point, and how many seeds end inside fresh data's range."""
    level = reference_of(record)
    table = {}
    for variant in record["recipe"]["variants"]:
        runs = [run for run in record["runs"] if run["variant"] == variant]
        steps = [point["step"] for point in runs[0]["curve"]]
        table[variant] = {
            "swd": spread(run["swd"] for run in runs),
            "curve": {step: spread(run["curve"][i]["swd"] for run in runs) for i, step in enumerate(steps)},
            "inside": sum(level.inside(run["swd"]) for run in runs),
            "z": spread(level.z(run["swd"]) for run in runs),
        }
    return table


def reference_of(record: dict) -> ReferenceLevel:
    """The record's fresh-data level as a :class:`~ddpm_lessons.evaluation.references.ReferenceLevel`."""
    stored = record["reference"]
    return ReferenceLevel(stored["name"], stored["n"], tuple(stored["values"]))


def converged(record: dict) -> dict:
    """Per variant, whether its learning curve has stopped improving as far as the metric can tell:

    - ``"flat"``: over the curve's last segment its mean over seeds changed by less than ``CONVERGED_WITHIN_STDS``
      of fresh data's standard deviations, and every run's last point lies within two of them of its best;
    - ``"at data's level"``: still falling, but every seed already ends inside fresh data's range, where this
      distance at this sample size cannot resolve further gains;
    - ``"still improving"`` otherwise.
    """
    level = reference_of(record)
    tolerance = CONVERGED_WITHIN_STDS * level.std
    result = {}
    for variant in record["recipe"]["variants"]:
        curves = [[point["swd"] for point in run["curve"]] for run in record["runs"] if run["variant"] == variant]
        if len(curves[0]) < 2:
            raise InputError("record's curves need two points or more to judge convergence", parameter="record")
        change = statistics.fmean(c[-2] for c in curves) - statistics.fmean(c[-1] for c in curves)
        near_best = all(c[-1] - min(c) <= 2 * tolerance for c in curves)
        if abs(change) < tolerance and near_best:
            result[variant] = "flat"
        elif all(level.inside(c[-1]) for c in curves):
            result[variant] = "at data's level"
        else:
            result[variant] = "still improving"
    return result


def verdicts(record: dict, step: int | None = None) -> dict:
    """For every pair of variants (a, b), at ``step`` (default: the end of training): ``"a < b"`` if a's distance
    is below b's in every seed, ``"b < a"`` likewise, else ``"not distinguishable"`` (the order flips between seeds).
    """
    variants = record["recipe"]["variants"]
    by = {}
    for run in record["runs"]:
        points = {point["step"]: point["swd"] for point in run["curve"]}
        if step is not None and step not in points:
            raise InputError(f"step must be one of the curve's steps {sorted(points)}, got {step!r}", parameter="step")
        by[run["variant"], run["seed"]] = points[step] if step is not None else run["swd"]
    result = {}
    for i, a in enumerate(variants):
        for b in variants[i + 1 :]:
            if all(by[a, seed] < by[b, seed] for seed in record["seeds"]):
                result[a, b] = f"{a} < {b}"
            elif all(by[b, seed] < by[a, seed] for seed in record["seeds"]):
                result[a, b] = f"{b} < {a}"
            else:  # the order flips between seeds, or ties
                result[a, b] = "not distinguishable"
    return result


def parser() -> argparse.ArgumentParser:
    """The command line; tests re-parse a record's command with it."""
    command = argparse.ArgumentParser(
        prog=f"python -m {PROG}", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_common_arguments(command, seeds=DEFAULTS["seeds"])
    command.add_argument("--curve", type=int, nargs="+", default=list(DEFAULTS["curve"]), help="step counts measured")
    command.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    command.add_argument("--samples", type=int, default=DEFAULTS["samples"], help="samples per measurement")
    command.add_argument("--keep", type=int, default=DEFAULTS["keep"], help="final samples kept (first seed only)")
    return command


def recipe_of(args: argparse.Namespace) -> dict:
    """Every setting the command resolves to (the record's ``recipe``)."""
    return {
        **RECIPE,
        "variants": list(args.variants),
        "curve": list(args.curve),
        "steps": args.curve[-1],
        "samples": args.samples,
        "keep": args.keep,
        "sampler": "ddpm-1000, sigma^2 = beta",
    }


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    started = time.perf_counter()
    runs = measure(args.seeds, args.curve, args.samples, args.keep, args.variants, args.workers)
    level = reference_level(args.samples)
    finish(
        prog=PROG,
        argv=argv,
        what="lesson 04's time inputs of an MLP denoiser on two moons: sliced W1 of samples to a fixed reference "
        "set over training, per seed",
        recipe=recipe_of(args),
        seeds=args.seeds,
        workers=args.workers,
        started=started,
        runs=runs,
        out=args.out,
        extra={"reference": {"name": level.name, "n": level.n, "values": [round(v, 6) for v in level.values]}},
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
