"""Exercise check for lesson 10's capstone (a DDPM written from scratch on 2-D data): prints ✓ or ✗ with the likely
problem, and never raises."""

from __future__ import annotations

import torch

from ...data.toy import TOY_DATASETS, toy_data
from ...evaluation.metrics import sliced_wasserstein, sliced_wasserstein_floor
from ..language import tr
from .feedback import CheckResult, call_answer, report, type_name

__all__ = ["check_capstone", "CAPSTONE_DATA", "CAPSTONE_FACTOR", "CAPSTONE_MIN_SAMPLES"]

CAPSTONE_DATA = ("gaussian_mixture", 0.6)
"""Lesson 10's data: ``0.6 * toy_data("gaussian_mixture", n)``, the eight Gaussians inside [−1, 1] (radius 0.72)."""
CAPSTONE_FACTOR = 3.0
"""The capstone passes when the sliced Wasserstein distance to held-out data is at most this many data floors."""
CAPSTONE_MIN_SAMPLES = 500
"""Fewer samples than this make the sliced distance too noisy to judge (its floor grows like 1/√n)."""

_REFERENCE_SEED = 10_001  # a held-out draw no lesson trains on


def _as_samples(value) -> tuple[torch.Tensor | None, str | None]:
    """``value`` as a float64 CPU tensor (n, 2), or a message saying what is wrong with it (never raises)."""
    if value is None:
        return None, tr("your samples are None: did you forget `return`?")
    if isinstance(value, (str, bytes, dict, set, bool)) or isinstance(value, (int, float, complex)):
        return None, tr("the samples must be a tensor of shape (n, 2), got {type}", type=type_name(value))
    try:
        if isinstance(value, torch.Tensor):
            if value.is_complex():
                return None, tr("the samples are a complex tensor; expected real points (n, 2)")
            tensor = value.detach().to(device="cpu", dtype=torch.float64)
        else:
            tensor = torch.as_tensor(value, dtype=torch.float64)
    except Exception as error:
        first = str(error).splitlines()[0] if str(error) else ""
        return None, tr(
            "could not read {type} as a tensor of shape (n, 2) ({error_type}: {error})",
            type=type_name(value),
            error_type=type(error).__name__,
            error=first,
        )
    shape = tuple(tensor.shape)
    if tensor.dim() == 2 and shape[0] == 2 and shape[1] != 2:
        return None, tr("the samples have shape {shape}: transposed? expected (n, 2), one row per point", shape=shape)
    if tensor.dim() != 2 or shape[1] != 2:
        return None, tr("the samples have shape {shape}; expected (n, 2), one row per 2-D point", shape=shape)
    if shape[0] < CAPSTONE_MIN_SAMPLES:
        return None, tr(
            "only {n} samples: draw at least {minimum} (the distance is too noisy below)",
            n=shape[0],
            minimum=CAPSTONE_MIN_SAMPLES,
        )
    bad = ~torch.isfinite(tensor)
    if bad.any():
        return None, tr(
            "{bad} of {total} sample coordinates are nan or inf: the training diverged (lr too large?) or the "
            "sampler divides by zero (√(1 − ᾱ) or β at the wrong index?)",
            bad=int(bad.sum()),
            total=tensor.numel(),
        )
    return tensor, None


def check_capstone(
    samples, dataset: str = CAPSTONE_DATA[0], scale: float = CAPSTONE_DATA[1], factor: float = CAPSTONE_FACTOR
) -> CheckResult:
    """Lesson 10, capstone: ``samples`` — a tensor ``(n, 2)`` from the learner's own sampler, or a function of no
    arguments that returns one — pass when their sliced Wasserstein distance to ``n`` held-out points of
    ``scale · toy_data(dataset)`` (lesson 10's data: the eight Gaussians scaled by 0.6) is at most ``factor`` times the data floor (the distance between two fresh draws of ``n``
    points, as in the lesson's tables), both from :mod:`ddpm_lessons.evaluation.metrics`. Prints ✓ or ✗ with the likely problem; never raises.
    """
    try:
        if callable(samples):
            samples, problem = call_answer(samples)
            if problem:
                return report(False, problem)
        elif (
            samples is not None
            and not isinstance(samples, (torch.Tensor, list, tuple))
            and not hasattr(samples, "__array__")
        ):
            return report(
                False,
                tr(
                    "the capstone wants your samples, a tensor of shape (n, 2), or pass your function itself (one "
                    "with no arguments that returns them); got {type}",
                    type=type_name(samples),
                ),
            )
        if dataset not in TOY_DATASETS or dataset == "mixture1d":
            names = sorted(set(TOY_DATASETS) - {"mixture1d"})
            return report(False, tr("dataset must be one of {names}, got {dataset!r}", names=names, dataset=dataset))
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0 < scale < float("inf"):
            return report(False, tr("scale must be a positive number, got {scale!r}", scale=scale))
        x, problem = _as_samples(samples)
        if problem:
            return report(False, problem)
        n = x.shape[0]
        draw = lambda size, seed: scale * toy_data(dataset, size, seed=seed).double()  # noqa: E731
        reference = draw(n, _REFERENCE_SEED)
        floor = sliced_wasserstein_floor(draw, n)  # the floor every lesson uses (two fresh draws, seeds 101 and 202)
        distance = sliced_wasserstein(x, reference)
        ratio = distance / floor
        if ratio <= factor:
            return report(
                True,
                tr(
                    "sliced W {distance:.4f} = {ratio:.2f}× the data floor {floor:.4f} (needed ≤ {factor:g}×)",
                    distance=distance,
                    ratio=ratio,
                    floor=floor,
                    factor=factor,
                ),
            )
        spread, spread_data = x.std(dim=0), reference.std(dim=0)
        shift = (x.mean(dim=0) - reference.mean(dim=0)).norm().item()
        width = (spread / spread_data).mean().item()
        if spread.max().item() < 0.05 * spread_data.min().item():
            hint = tr(
                "the samples have collapsed to a point or a line (std {std:.3g}): is the same x reused for every "
                "sample, or the noise z left out?",
                std=spread.max().item(),
            )
        elif sliced_wasserstein(x, torch.randn(n, 2, generator=torch.Generator().manual_seed(7), dtype=x.dtype)) < (
            0.5 * distance
        ):
            hint = tr(
                "they are closer to N(0, I) than to the data: does the loop update x at every step, and was the net "
                "trained?"
            )
        elif width > 1.25:
            hint = tr(
                "they are {width:.2f}× as wide as the data: noise at the last step, σ_t too large, or train longer",
                width=width,
            )
        elif width < 0.8:
            hint = tr(
                "they are only {width:.2f}× as wide as the data: is σ_t z added at each step but the last?", width=width
            )
        elif shift > 0.25 * spread_data.mean().item():
            hint = tr("their mean is off by {shift:.3f}: check the 1/√α_t and β_t/√(1 − ᾱ_t) coefficients", shift=shift)
        else:
            hint = tr("the shape is roughly right: train longer or with a larger batch, and use the EMA weights")
        return report(
            False,
            tr(
                "sliced W {distance:.4f} is {ratio:.2f}× the data floor {floor:.4f}, {excess:.2f}× more than the "
                "{factor:g}× needed; {hint}",
                distance=distance,
                ratio=ratio,
                floor=floor,
                excess=ratio / factor,
                factor=factor,
                hint=hint,
            ),
        )
    except Exception as error:  # never a traceback from inside the package
        return report(
            False,
            tr(
                "your samples could not be checked ({error_type}: {error})",
                error_type=type(error).__name__,
                error=error,
            ),
        )
