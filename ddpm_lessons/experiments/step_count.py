"""Quality against the number of diffusion steps on the 1-D mixture, each difference measured on its own (lesson 08).

``python -m ddpm_lessons.experiments.step_count [--seeds 0 1 2 3 4] [--steps 20000] [--every 2000] [--workers 1]
[--out data/step_count.json]``

Lesson 08 used to train one model per T on ``schedule.respaced(T)`` and sample it with σ² = β. Three things then
change together with T: the size of each reverse step, the set of noise levels the network is trained on (T of
them), and — because β_t and β̃_t differ most when steps are big — what the variance choice costs. Here each is
measured on its own (every network the lesson's ``MLPDenoiser``, hidden 64, two blocks, sinusoidal t; batch 256,
lr 2·10⁻³, warm-up 100, EMA 0.995; data: 20,000 draws of :class:`~ddpm_lessons.data.GaussianMixture1D`):

- ``shared``: ONE network trained on the T = 1000 linear schedule, sampled on respaced chains T = 5, 20, 100, 1000
  (:meth:`~ddpm_lessons.schedule.DiffusionSchedule.respaced`: ᾱ at T evenly spaced indices; :class:`OnRespacedChain`
  hands the network the original index of each kept level) with σ² = β and with σ² = β̃. Within this network only
  the chain changes: the T column is the step size alone, the two variances are the variance choice alone.
- ``separate-T`` (T = 5, 20, 100): a network trained on ``schedule.respaced(T)`` (the lesson's old experiment),
  sampled with both variances. Against ``shared`` at the same T and variance: training on only those T noise
  levels, alone. (``separate`` at T = 1000 is ``shared``: the same run.) Each is also sampled with the timestep
  off by one (t ± 1, lesson 08 §3) with σ² = β.
- the gallery at the lesson's recipe (``--lesson-steps``, 4,000 steps): ``noise-bug`` (noise scaled by 1 − ᾱ),
  ``unit-range`` (data in [0, 1]; measured on that scale, where every distance is half as large), ``no-time``
  (no time input), each sampled on its own chain with σ² = β; and ``shared`` after ``--lesson-steps`` (the lesson's
  correct model), sampled correctly, without noise, and with the timestep off by one.
- the two halves of ``unit-range``, run only when named (``--variants half-scale shifted``, recorded in
  ``data/step_count_range.json``): (x + 1)/2 is a shift by 1 and then a halving, so ``half-scale`` trains on x/2
  (a quarter of the variance, centred as the data are) and ``shifted`` on x + 1 (the data's spread, its centre moved
  by one half-range, as [0, 1] moves it), each at the gallery's recipe and measured on its own scale like
  ``unit-range``.

Every run keeps a learning curve (``curve``): the Wasserstein-1 distance of ``--curve-n`` samples on its own chain
(σ² = β) to fixed data after every ``--every`` steps (each chunk resumes the previous chunk's checkpoint exactly, so
the curve's points are the states of one long run); "converged" means the curve has flattened. Quality of every
evaluation: W1 of ``--n`` samples to ``--n`` fixed data points (data seed 99) — in 1-D the sliced distance of
:func:`~ddpm_lessons.evaluation.metrics.sliced_wasserstein` is W1 itself — read against fresh data's level with its
spread (:func:`~ddpm_lessons.evaluation.references.data_reference`, recorded as ``data_reference``), and
:func:`~ddpm_lessons.evaluation.modes.mode_report` against the mixture. Seeds: seed s draws the data, initialises
the network and drives training; samples use seed s + 1 (so seed 0 is lesson 08's live run).
"""

from __future__ import annotations

import argparse
import time

import torch
from torch import nn

from ..course.failures import TimeShifted, q_sample_noise_not_sqrt, sample_without_noise
from ..data import GaussianMixture1D
from ..evaluation.metrics import sliced_wasserstein
from ..evaluation.modes import mode_report
from ..evaluation.references import data_reference
from ..models import MLPDenoiser
from ..process import q_sample
from ..sampling import sample
from ..schedule import DiffusionSchedule
from ..validation import MAX_BATCH, MAX_T, InputError, check_positive_int, check_size
from . import record

__all__ = [
    "DATA_MAPS",
    "GALLERY",
    "RANGE_PARTS",
    "RECIPE",
    "STEP_COUNTS",
    "OnRespacedChain",
    "evaluate",
    "main",
    "measure",
    "measure_one",
    "parser",
    "variants",
]

PROG = "ddpm_lessons.experiments.step_count"
STEP_COUNTS = (5, 20, 100, 1000)
VARIANCES = ("beta", "posterior")
GALLERY = ("noise-bug", "unit-range", "no-time")
RANGE_PARTS = ("half-scale", "shifted")  # unit-range's two changes on their own; run only when named
# x' = (x + shift) * scale: how each variant rescales the data (and the fixed data it is measured against)
DATA_MAPS = {"unit-range": (1.0, 0.5), "half-scale": (0.0, 0.5), "shifted": (1.0, 1.0)}
RECIPE = {"batch_size": 256, "lr": 2e-3, "warmup": 100, "ema_decay": 0.995}
NETWORK = {"data_dim": 1, "hidden": 64, "num_layers": 2}
DATA_N, REFERENCE_SEED, REFERENCE_DRAWS, REFERENCE_FIRST_SEED = 20_000, 99, 30, 1000
MODE_KEYS = ("modes_covered", "mode_shares", "weights_tv", "off_mode", "nll")


class OnRespacedChain(nn.Module):
    """A network trained on a ``T``-step schedule, run on ``schedule.respaced(steps)``.

    Index k of the short chain is the noise level of index ``round(k (T − 1)/(steps − 1))`` of the long one (the
    indices :meth:`~ddpm_lessons.schedule.DiffusionSchedule.respaced` keeps), so the network is handed that index:
    the level it was trained on. ``num_timesteps`` is ``steps``, the chain :func:`~ddpm_lessons.sample` runs.
    """

    def __init__(self, model: nn.Module, T: int, steps: int):
        super().__init__()
        T = check_size(T, "T", MAX_T, "MAX_T")
        steps = check_positive_int(steps, "steps", maximum=T)
        self.model = model
        self.num_timesteps = steps
        self.register_buffer("indices", torch.linspace(0, T - 1, steps, dtype=torch.float64).round().long())
        self.eval()

    def forward(self, x: torch.Tensor, timesteps: torch.Tensor) -> torch.Tensor:
        return self.model(x, self.indices[timesteps])


def variants(step_counts=STEP_COUNTS, gallery=True) -> tuple[str, ...]:
    """``shared``, one ``separate-T`` per step count below the longest, then the gallery's bugs."""
    separate = tuple(f"separate-{T}" for T in sorted(step_counts)[:-1])
    return ("shared", *separate, *(GALLERY if gallery else ()))


def _mapped(x: torch.Tensor, data_map) -> torch.Tensor:
    """(x + shift) * scale for ``data_map`` = (shift, scale); None leaves x alone. (x + 1) * 0.5 is (x + 1)/2 exactly."""
    return x if data_map is None else (x + data_map[0]) * data_map[1]


def _data(seed: int, data_map=None) -> tuple[GaussianMixture1D, torch.Tensor]:
    mixture = GaussianMixture1D()
    data = mixture.sample(DATA_N, generator=torch.Generator().manual_seed(seed))
    return mixture, _mapped(data, data_map)


def _reference(mixture, n: int, data_map=None) -> torch.Tensor:
    reference = mixture.sample(n, generator=torch.Generator().manual_seed(REFERENCE_SEED))
    return _mapped(reference, data_map)


def evaluate(model, schedule, mixture, n: int, seed: int, *, data_map=None, **options) -> dict:
    """W1 of ``n`` samples to the fixed data, and the mode report (on the [−1, 1] scale), for one way of sampling.

    ``data_map``: (shift, scale) of a model trained on (x + shift) * scale (:data:`DATA_MAPS`); W1 is measured on
    that scale, the mode report on the samples mapped back. ``options``: ``variance`` ("beta" or "posterior"),
    ``shift`` (the timestep off by this much; 0: right), ``noise`` (False: the σ_t z term left out, lesson 08 §6).
    """
    variance, shift, noise = options.get("variance", "beta"), options.get("shift", 0), options.get("noise", True)
    net = TimeShifted(model, shift).eval() if shift else model
    if noise:
        samples = sample(net, schedule, (n, 1), seed=seed, variance=variance, progress=False)
    else:
        samples = sample_without_noise(net, schedule, (n, 1), seed=seed, variance=variance)
    back = samples if data_map is None else samples / data_map[1] - data_map[0]  # 2·s − 1 for [0, 1]: exact
    report = mode_report(back, mixture)
    return {
        "chain": len(schedule),
        "variance": variance,
        "shift": shift,
        "noise": noise,
        "w1": sliced_wasserstein(samples, _reference(mixture, n, data_map)),
        **{key: report[key] for key in MODE_KEYS},
    }


def predicted_noise_std(model, schedule, mixture, n: int, index: int = 10) -> float:
    """The std of ε_θ at code index ``index`` on the fixed data noised correctly (noise seed 7; lesson 08 §1): about
    1 for a network that removes noise of the right size."""
    noise = torch.randn(n, 1, generator=torch.Generator().manual_seed(7))
    x = q_sample(schedule, _reference(mixture, n), index, noise)
    with torch.no_grad():
        return model(x, torch.full((n,), index)).std().item()


def _chain(base: DiffusionSchedule, model, trained_T: int, steps: int):
    """(schedule, network) that sample ``model`` on a ``steps``-step chain."""
    if steps == trained_T:
        return (base if trained_T == len(base) else base.respaced(steps)), model
    return base.respaced(steps), OnRespacedChain(model, trained_T, steps)


def _train_with_curve(variant, seed, steps, every, lesson_steps, curve_n, on_lesson_step):
    """Train ``variant`` for ``steps`` in chunks of ``every``; W1 on its own chain after each; returns the EMA."""
    data_map, trained_T = DATA_MAPS.get(variant), _trained_T(variant)
    mixture, data = _data(seed, data_map)
    schedule = DiffusionSchedule.linear(1000)
    if trained_T != 1000:
        schedule = schedule.respaced(trained_T)
    torch.manual_seed(seed)
    model = MLPDenoiser(**NETWORK, time_input="none" if variant == "no-time" else "sinusoidal", num_timesteps=trained_T)
    forward = q_sample_noise_not_sqrt if variant == "noise-bug" else None
    curve, lesson, train_s, sample_s = [], None, 0.0, 0.0
    stops = sorted(set(range(every, steps, every)) | {steps})
    for stop, state, seconds in record.train_in_segments(
        model,
        data,
        stops,
        prefix="ddpm-step-count-",
        schedule=schedule,
        seed=seed,
        device="cpu",
        forward=forward,
        **RECIPE,
    ):
        train_s += seconds
        started = time.perf_counter()
        samples = sample(state.ema, schedule, (curve_n, 1), seed=seed + 1, progress=False)
        curve.append({"step": stop, "w1": sliced_wasserstein(samples, _reference(mixture, curve_n, data_map))})
        if stop == lesson_steps:
            lesson = on_lesson_step(state.ema, schedule, mixture)
        sample_s += time.perf_counter() - started
    return state.ema, schedule, mixture, {"curve": curve, "lesson": lesson, "train_s": train_s, "sample_s": sample_s}


def _trained_T(variant: str) -> int:
    return int(variant.split("-")[1]) if variant.startswith("separate-") else 1000


def measure_one(
    variant: str, seed: int, steps: int, every: int, lesson_steps: int, n: int, curve_n: int, step_counts=STEP_COUNTS
) -> dict:
    """One (variant, seed) run: train with a learning curve, then measure (see the module docstring)."""
    gallery = variant in GALLERY + RANGE_PARTS
    steps = lesson_steps if gallery else steps
    extra = {"eps_std_at_10": None}  # the std of the predicted noise at index 10: the correct model and the noise bug

    def at_lesson_step(model, schedule, mixture):
        if variant != "shared":
            return None
        ways = ({}, {"noise": False}, {"shift": 1}, {"shift": -1})
        extra["eps_std_at_10"] = predicted_noise_std(model, schedule, mixture, n)
        return [evaluate(model, schedule, mixture, n, seed + 1, **way) for way in ways]

    model, schedule, mixture, run = _train_with_curve(
        variant, seed, steps, every, lesson_steps, curve_n, at_lesson_step
    )
    started = time.perf_counter()
    base = DiffusionSchedule.linear(1000)
    trained_T = _trained_T(variant)
    if gallery:
        final = [evaluate(model, schedule, mixture, n, seed + 1, data_map=DATA_MAPS.get(variant))]
        if variant == "noise-bug":
            extra["eps_std_at_10"] = predicted_noise_std(model, schedule, mixture, n)
    else:
        chains = step_counts if variant == "shared" else (trained_T,)
        final = []
        for chain in chains:
            chain_schedule, net = _chain(base, model, trained_T, chain)
            final += [evaluate(net, chain_schedule, mixture, n, seed + 1, variance=v) for v in VARIANCES]
        if variant != "shared":
            final += [evaluate(model, schedule, mixture, n, seed + 1, shift=shift) for shift in (1, -1)]
    return {
        "variant": variant,
        "seed": seed,
        "trained_T": trained_T,
        "steps": steps,
        "train_s": round(run["train_s"], 1),
        "sample_s": round(run["sample_s"] + time.perf_counter() - started, 1),
        "curve": run["curve"],
        "at_lesson_steps": run["lesson"],
        "final": final,
        **extra,
    }


def _check(seeds, steps, every, lesson_steps, n, curve_n, step_counts, names) -> None:
    record.check_seeds(seeds)
    steps = check_positive_int(steps, "steps", maximum=1_000_000)
    every = check_positive_int(every, "every", maximum=steps)
    lesson_steps = check_positive_int(lesson_steps, "lesson_steps", maximum=steps)
    if lesson_steps % every:
        raise InputError(
            f"lesson_steps must be a multiple of every = {every}, got {lesson_steps}", parameter="lesson_steps"
        )
    check_size(n, "n", MAX_BATCH, "MAX_BATCH")
    check_size(curve_n, "curve_n", MAX_BATCH, "MAX_BATCH")
    counts = tuple(step_counts)
    if not counts or len(set(counts)) != len(counts) or max(counts, default=0) != 1000:
        raise InputError(f"step_counts must be distinct and end at 1000, got {list(counts)}", parameter="step_counts")
    for count in counts:
        check_positive_int(count, "step_counts", minimum=2, maximum=1000)
    allowed = variants(counts) + RANGE_PARTS
    if not names or any(name not in allowed for name in names):
        raise InputError(f"variants must name some of {list(allowed)}, got {list(names)}", parameter="variants")


def measure(
    seeds=(0, 1, 2),
    steps: int = 20_000,
    every: int = 2_000,
    lesson_steps: int = 4_000,
    n: int = 4_000,
    curve_n: int = 2_000,
    step_counts=STEP_COUNTS,
    names=None,
    gallery_seeds=None,
    workers: int = 1,
) -> list[dict]:
    """Every (variant, seed) run via :func:`~ddpm_lessons.experiments.record.run_jobs`; ``gallery_seeds`` (default:
    ``seeds``) are the seeds of the gallery's bugs."""
    names = tuple(variants(step_counts) if names is None else names)
    gallery_seeds = tuple(seeds if gallery_seeds is None else gallery_seeds)
    _check(seeds, steps, every, lesson_steps, n, curve_n, step_counts, names)
    record.check_seeds(gallery_seeds)
    jobs = [
        (name, seed, steps, every, lesson_steps, n, curve_n, tuple(step_counts))
        for seed in seeds
        for name in names
        if name not in GALLERY + RANGE_PARTS
    ]
    jobs += [
        (name, seed, steps, every, lesson_steps, n, curve_n, tuple(step_counts))
        for seed in gallery_seeds
        for name in names
        if name in GALLERY + RANGE_PARTS
    ]
    return record.run_jobs(measure_one, jobs, workers)


def reference_level(n: int, unit: bool = False):
    """Fresh data's W1 to the fixed data set (:func:`~ddpm_lessons.evaluation.references.data_reference`)."""
    mixture = GaussianMixture1D()

    def draw(size, seed):
        x = mixture.sample(size, generator=torch.Generator().manual_seed(seed))
        return (x + 1) / 2 if unit else x

    return data_reference(
        sliced_wasserstein,
        draw,
        n,
        reference=_reference(mixture, n, DATA_MAPS["unit-range"] if unit else None),
        draws=REFERENCE_DRAWS,
        seed=REFERENCE_FIRST_SEED,
        name="W1",
    )


def parser() -> argparse.ArgumentParser:
    """The command line (also used by the tests to re-parse a record's command)."""
    p = argparse.ArgumentParser(
        prog=f"python -m {PROG}", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    record.add_common_arguments(p, seeds=(0, 1, 2, 3, 4))
    p.add_argument("--gallery-seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds of the gallery's bugs")
    p.add_argument("--steps", type=int, default=20_000, help="training steps of the step-count networks")
    p.add_argument("--every", type=int, default=2_000, help="steps between learning-curve points")
    p.add_argument("--lesson-steps", type=int, default=4_000, help="the lesson's recipe: the gallery's steps")
    p.add_argument("--n", type=int, default=4_000, help="samples per evaluation (and fixed data points)")
    p.add_argument("--curve-n", type=int, default=2_000, help="samples per learning-curve point")
    p.add_argument("--step-counts", type=int, nargs="+", default=list(STEP_COUNTS))
    p.add_argument("--variants", nargs="+", default=None, help="default: all")
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    started = time.perf_counter()
    runs = measure(
        args.seeds,
        args.steps,
        args.every,
        args.lesson_steps,
        args.n,
        args.curve_n,
        args.step_counts,
        args.variants,
        args.gallery_seeds,
        args.workers,
    )
    level = reference_level(args.n)
    recipe = {
        "network": {**NETWORK, "time_input": "sinusoidal (no-time: none)"},
        **RECIPE,
        "data": f"GaussianMixture1D, {DATA_N} draws with the run's seed",
        "steps": args.steps,
        "every": args.every,
        "lesson_steps": args.lesson_steps,
        "n": args.n,
        "curve_n": args.curve_n,
        "step_counts": list(args.step_counts),
        "variants": list(args.variants or variants(args.step_counts)),
        "gallery_seeds": list(args.gallery_seeds),
        "metric": f"W1 of n samples to n fixed data points (data seed {REFERENCE_SEED}); samples with seed + 1",
    }
    record.finish(
        prog=PROG,
        argv=argv,
        what=__doc__.split("\n", 1)[0],
        recipe=recipe,
        seeds=args.seeds,
        workers=args.workers,
        started=started,
        runs=runs,
        out=args.out,
        extra={"data_reference": {"n": level.n, "values": list(level.values), "seed": REFERENCE_FIRST_SEED}},
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
