"""Exercise check for lesson 10's capstone (a DDPM written from scratch on 2-D data): prints ✓ or ✗ with the likely
problem, and never raises."""

from __future__ import annotations

from functools import lru_cache

import torch

from ...data.toy import eight_gaussians, toy_data
from ...evaluation.metrics import sliced_wasserstein
from ...evaluation.modes import mode_report
from ...evaluation.references import data_reference
from ..language import tr
from .feedback import CheckResult, call_answer, report, type_name

__all__ = ["check_capstone", "CAPSTONE_DATA", "CAPSTONE_MAX_TV", "CAPSTONE_MIN_SAMPLES"]

CAPSTONE_DATA = ("gaussian_mixture", 0.6)
"""Lesson 10's data: ``0.6 * toy_data("gaussian_mixture", n)``, the eight Gaussians inside [−1, 1] (radius 0.72)."""
CAPSTONE_MAX_TV = 0.1
"""The capstone passes when the samples cover all eight modes and the total variation between their shares of the
modes (the share near no mode included) and the mixture's weights is at most this
(:func:`~ddpm_lessons.evaluation.modes.mode_report`). Fresh data scores about 0.03 at n = 1,000; a model that has
found the modes but still puts a tenth of its samples between them fails."""
CAPSTONE_MIN_SAMPLES = 500
"""Fewer samples than this make the mode shares and the distance too noisy to judge (their spread grows like 1/√n)."""

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
    samples, dataset: str = CAPSTONE_DATA[0], scale: float = CAPSTONE_DATA[1], max_tv: float = CAPSTONE_MAX_TV
) -> CheckResult:
    """Lesson 10, capstone: ``samples`` — a tensor ``(n, 2)`` from the learner's own sampler, or a function of no
    arguments that returns one — pass when their mode report against the exact mixture of ``scale · toy_data(dataset)``
    (lesson 10's data: the eight Gaussians scaled by 0.6, ``eight_gaussians(1.2·scale, 0.1·scale)``) covers every
    mode and its weights TV is at most ``max_tv`` (:func:`~ddpm_lessons.evaluation.modes.mode_report`). The line also
    gives the sliced Wasserstein distance to ``n`` held-out points beside fresh data's range of it (20 draws,
    :func:`~ddpm_lessons.evaluation.references.data_reference`). Prints ✓ or ✗ with the likely problem; never raises.
    """
    try:
        return _judge_capstone(samples, dataset, scale, max_tv)
    except Exception as error:  # never a traceback from inside the package
        return report(
            False,
            tr(
                "your samples could not be checked ({error_type}: {error})",
                error_type=type(error).__name__,
                error=error,
            ),
        )


def _judge_capstone(samples, dataset: str, scale: float, max_tv: float) -> CheckResult:
    """:func:`check_capstone` without its safety net: reads the samples, measures them, and reports."""
    x, problem = _read_capstone_samples(samples, dataset, scale, max_tv)
    if problem:
        return report(False, problem)
    reference, level = _fresh_level(dataset, float(scale), x.shape[0])
    distance = sliced_wasserstein(x, reference)
    modes = mode_report(x, eight_gaussians(radius=1.2 * scale, std=0.1 * scale))
    values = {
        "covered": modes["modes_covered"],
        "modes": modes["modes"],
        "tv": modes["weights_tv"],
        "off": 100 * modes["off_mode"],
        "max_tv": max_tv,
        "distance": distance,
        "low": level.low,
        "high": level.high,
    }
    if modes["modes_covered"] == modes["modes"] and modes["weights_tv"] <= max_tv:
        return report(
            True,
            tr(
                "{covered} of {modes} modes covered, weights TV {tv:.3f} (needed ≤ {max_tv:g}), {off:.1f} % of the "
                "samples near no mode; sliced W {distance:.4f} (fresh data: {low:.4f}–{high:.4f})",
                **values,
            ),
        )
    return report(
        False,
        tr(
            "{covered} of {modes} modes covered, weights TV {tv:.3f} (needed: every mode and ≤ {max_tv:g}), "
            "{off:.1f} % of the samples near no mode; sliced W {distance:.4f} (fresh data: {low:.4f}–{high:.4f}); "
            "{hint}",
            **values,
            hint=_capstone_hint(x, reference, distance),
        ),
    )


@lru_cache(maxsize=8)
def _fresh_level(dataset: str, scale: float, n: int):
    """The held-out reference of ``n`` points and fresh data's level of the sliced distance to it (20 draws; about
    a second, so computed once per setting)."""
    draw = lambda size, seed: scale * toy_data(dataset, size, seed=seed).double()  # noqa: E731
    reference = draw(n, _REFERENCE_SEED)
    return reference, data_reference(sliced_wasserstein, draw, n, reference=reference, draws=20)


def _read_capstone_samples(
    samples, dataset: str, scale: float, max_tv: float
) -> tuple[torch.Tensor | None, str | None]:
    """The samples as a float64 tensor (n, 2), or a message saying what is wrong with them or with the settings.

    The learner's function is called first, so an error inside it is named before any problem with the settings.
    """
    if callable(samples):
        samples, problem = call_answer(samples)
        if problem:
            return None, problem
    elif _cannot_be_samples(samples):
        return None, tr(
            "the capstone wants your samples, a tensor of shape (n, 2), or pass your function itself (one "
            "with no arguments that returns them); got {type}",
            type=type_name(samples),
        )
    problem = _capstone_setting_problem(dataset, scale, max_tv)
    if problem:
        return None, problem
    return _as_samples(samples)


def _cannot_be_samples(value) -> bool:
    """True when ``value`` is neither a tensor, a list or tuple, nor array-like: most likely the learner passed
    something else by mistake. None is let through so that :func:`_as_samples` can ask about a missing `return`."""
    return value is not None and not isinstance(value, (torch.Tensor, list, tuple)) and not hasattr(value, "__array__")


def _capstone_setting_problem(dataset, scale, max_tv) -> str | None:
    """What is wrong with ``dataset``, ``scale`` or ``max_tv``, or None. Only the eight Gaussians have a known
    mixture for the mode report."""
    if dataset != CAPSTONE_DATA[0]:
        return tr("dataset must be one of {names}, got {dataset!r}", names=[CAPSTONE_DATA[0]], dataset=dataset)
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0 < scale < float("inf"):
        return tr("scale must be a positive number, got {scale!r}", scale=scale)
    if isinstance(max_tv, bool) or not isinstance(max_tv, (int, float)) or not 0 <= max_tv <= 1:
        return tr("max_tv must be a number in [0, 1], got {max_tv!r}", max_tv=max_tv)
    return None


def _capstone_hint(x: torch.Tensor, reference: torch.Tensor, distance: float) -> str:
    """The likely bug behind samples that failed, guessed from how they differ from the reference data.

    The checks go from the most telling symptom to the least, so the first that fits is the one to fix first.
    """
    spread, spread_data = x.std(dim=0), reference.std(dim=0)
    shift = (x.mean(dim=0) - reference.mean(dim=0)).norm().item()
    width = (spread / spread_data).mean().item()
    if spread.max().item() < 0.05 * spread_data.min().item():
        return tr(
            "the samples have collapsed to a point or a line (std {std:.3g}): is the same x reused for every "
            "sample, or the noise z left out?",
            std=spread.max().item(),
        )
    if _closer_to_noise(x, distance):
        return tr(
            "they are closer to N(0, I) than to the data: does the loop update x at every step, and was the net "
            "trained?"
        )
    if width > 1.25:
        return tr(
            "they are {width:.2f}× as wide as the data: noise at the last step, σ_t too large, or train longer",
            width=width,
        )
    if width < 0.8:
        return tr(
            "they are only {width:.2f}× as wide as the data: is σ_t z added at each step but the last?", width=width
        )
    if shift > 0.25 * spread_data.mean().item():
        return tr("their mean is off by {shift:.3f}: check the 1/√α_t and β_t/√(1 − ᾱ_t) coefficients", shift=shift)
    return tr("the shape is roughly right: train longer or with a larger batch, and use the EMA weights")


def _closer_to_noise(x: torch.Tensor, distance: float) -> bool:
    """True when ``x`` is much nearer pure noise N(0, I) than the data: the sampler barely moved it. The noise is
    drawn from its own seeded generator, so the verdict is the same on every run."""
    noise = torch.randn(x.shape[0], 2, generator=torch.Generator().manual_seed(7), dtype=x.dtype)
    return sliced_wasserstein(x, noise) < 0.5 * distance
