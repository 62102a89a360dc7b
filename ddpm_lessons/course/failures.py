"""Deliberately wrong pieces for the failure gallery (lesson 08; lesson 07a uses :func:`sample_without_noise`).

Each reproduces a bug found in public DDPM tutorials (see the course README), so the lesson can train or sample
with it and measure the damage against the correct version. Never use these for anything else. They are built on
the unchecked layer (:func:`ddpm_lessons.schedule.gather`, a network's ``unchecked_forward``): the checked entry
points would refuse exactly what these get wrong on purpose.

- :func:`q_sample_noise_not_sqrt` — noise scaled by (1 − ᾱ_t) instead of √(1 − ᾱ_t) in training.
- :class:`TimeShifted` — the sampler hands the network t + shift: an off-by-one between training and sampling.
- :func:`sample_without_noise` — DDPM ancestral sampling that drops the σ_t z term.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import torch
from torch import nn

from ..process import check_forward_inputs
from ..sampling import sample
from ..schedule import gather
from ..validation import InputError

__all__ = ["q_sample_noise_not_sqrt", "TimeShifted", "sample_without_noise"]


def q_sample_noise_not_sqrt(schedule, x0: torch.Tensor, t, noise: torch.Tensor) -> torch.Tensor:
    """WRONG on purpose: x_t = √ᾱ_t x_0 + (1 − ᾱ_t) ε — the noise is scaled by the variance, not the std.

    The correct closed form (DDPM eq. 4) is √ᾱ_t x_0 + √(1 − ᾱ_t) ε. With unit-variance data the wrong x_t has
    variance ᾱ_t + (1 − ᾱ_t)² < 1, so training sees less noise than the sampler will meet.
    Same signature as :func:`~ddpm_lessons.process.q_sample`, so it can be passed to ``train(forward=...)``.
    """
    t = check_forward_inputs(schedule, x0, t, noise)
    return gather(schedule.sqrt_alphas_cumprod, t, x0) * x0 + (1.0 - gather(schedule.alphas_cumprod, t, x0)) * noise


class TimeShifted(nn.Module):
    """WRONG on purpose: wraps a trained ε-model and hands it ``t + shift`` instead of ``t``.

    This is what happens when training draws 0-based indices t ∈ {0 … T−1} and the sampler passes paper steps
    t ∈ {1 … T} (``shift=1``), or the reverse (``shift=-1``). Indices are not clamped: the network is evaluated at
    a timestep it was never trained on at one end of the chain, as in the bug: the wrapped network's
    ``unchecked_forward`` (every network of the package has one) runs it without the range check of ``forward``;
    any other callable is called as it is.
    """

    def __init__(self, model: nn.Module, shift: int):
        super().__init__()
        if isinstance(shift, bool) or not isinstance(shift, numbers.Integral) or shift == 0:
            raise InputError(f"shift must be a non-zero integer, got {shift!r}")
        self.model = model
        self.shift = int(shift)

    def forward(self, x: torch.Tensor, timesteps: torch.Tensor, labels: torch.Tensor | None = None):
        shifted = timesteps + self.shift  # the point of the bug: an index the network never saw (t = T or -1)
        network = getattr(self.model, "unchecked_forward", self.model)
        return network(x, shifted) if labels is None else network(x, shifted, labels)


def sample_without_noise(
    model,
    schedule,
    shape: Sequence[int],
    *,
    seed: int = 0,
    variance: str = "beta",
    clip_denoised: bool = False,
    labels: torch.Tensor | None = None,
    guidance: float = 0.0,
) -> torch.Tensor:
    """WRONG on purpose: DDPM Algorithm 2 with the σ_t z term left out (x_{t−1} = μ_θ(x_t, t) only).

    It is :func:`ddpm_lessons.sample` with ``noise_scale=0``: x_T is drawn exactly as ``sample`` draws it for the
    same ``seed``, so the two can be compared sample by sample. Returns ``(B, ...)`` on the CPU.
    """
    return sample(
        model,
        schedule,
        shape,
        seed=seed,
        variance=variance,
        clip_denoised=clip_denoised,
        labels=labels,
        guidance=guidance,
        noise_scale=0.0,
        progress=False,
    )
