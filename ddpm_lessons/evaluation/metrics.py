"""Sample-quality numbers the lessons and the shipped checkpoints report (lessons 06–08).

- :func:`psnr` — the seed's one-image demo: how close a sample is to the training photo.
- :func:`sliced_wasserstein` — 2-D toy data: distance between a sample cloud and the data, reported next to the
  same distance for fresh draws of the data, with its spread
  (:func:`~ddpm_lessons.evaluation.references.data_reference`).
- Glyph-digit accuracy and the Fréchet distance on classifier features live in :mod:`ddpm_lessons.classifier`.
"""

from __future__ import annotations

import math

import torch

from ..validation import (
    MAX_BATCH,
    MAX_BATCH_VALUES,
    InputError,
    check_finite_result,
    check_real,
    check_same_shape,
    check_seed,
    check_size,
    check_tensor,
)

__all__ = ["psnr", "sliced_wasserstein", "psnr_to_rmse"]


def psnr(x: torch.Tensor, reference: torch.Tensor, data_range: float = 2.0) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB per example, ``(B,)``: 10 log10(range² / MSE).

    Args:
        x: samples ``(B, C, H, W)`` or one image ``(C, H, W)``; reference: one image ``(C, H, W)`` compared with
            every sample, or a batch shaped like x (compared pairwise). data_range: 2 for data in [−1, 1] (the
            package's convention), 1 for [0, 1], 255 for 8-bit.
    Samples are clipped to the data range first (as when they are saved as an image); NaN in either argument
    is refused, naming it.
    """
    check_tensor(x, "x")
    check_tensor(reference, "reference")
    data_range = check_real(data_range, "data_range", minimum=0.0)
    if data_range == 0:
        raise InputError("data_range must be positive (2 for data in [-1, 1]), got 0", parameter="data_range")
    reference = reference.to(x.dtype).to(x.device)
    pairwise = x.shape == reference.shape and x.dim() >= 4
    if not pairwise:
        if x.shape == reference.shape:
            x = x.unsqueeze(0)
        if x.shape[1:] != reference.shape:
            raise InputError(
                f"reference must have the shape of one example {tuple(x.shape[1:])} or of x, "
                f"got {tuple(reference.shape)}",
                parameter="reference",
            )
        reference = reference.unsqueeze(0)
    low = -data_range / 2 if data_range == 2.0 else 0.0
    mse = (x.clamp(low, low + data_range) - reference).pow(2).reshape(x.shape[0], -1).mean(dim=1)
    return check_finite_result(
        10 * torch.log10(data_range**2 / mse.clamp(min=1e-20)), {"x": x, "reference": reference}, "PSNR"
    )


def sliced_wasserstein(a: torch.Tensor, b: torch.Tensor, n_projections: int = 512, seed: int = 0) -> float:
    """Sliced 1-Wasserstein distance between two equally sized point clouds ``(N, D)``.

    The mean, over ``n_projections`` random unit directions θ, of W1 between the 1-D projections θ·a and θ·b
    (for equal sample sizes, the mean absolute difference of the sorted projections). Seeded directions. NaN or
    inf in either cloud is refused, naming it.
    """
    check_tensor(a, "a")
    check_tensor(b, "b")
    check_same_shape(a, b, "a", "b")
    if a.dim() != 2:
        raise InputError(f"a and b must be point clouds of shape (N, D), got {tuple(a.shape)}", parameter="a")
    n_projections = check_size(n_projections, "n_projections", MAX_BATCH, "MAX_BATCH")
    if a.shape[0] * n_projections > MAX_BATCH_VALUES:  # the sorted projections: N × n_projections float64
        raise InputError(
            f"{a.shape[0]:,} points × {n_projections:,} projections are more values than the package's ceiling "
            f"MAX_BATCH_VALUES = {MAX_BATCH_VALUES:,}; use fewer projections",
            parameter="n_projections",
        )
    seed = check_seed(seed)
    g = torch.Generator().manual_seed(seed)
    directions = torch.randn(a.shape[1], n_projections, generator=g, dtype=torch.float64)
    directions /= directions.norm(dim=0, keepdim=True)
    pa, pb = (_sorted_columns(x.double().cpu() @ directions) for x in (a, b))
    return float(check_finite_result((pa - pb).abs().mean(), {"a": a, "b": b}, "the distance"))


def _sorted_columns(x: torch.Tensor) -> torch.Tensor:
    # each column sorted, laid out as x: sorting contiguous rows is about twice as fast as sorting along dim 0
    return torch.sort(x.T.contiguous(), dim=1).values.T.contiguous()


def psnr_to_rmse(db: float, data_range: float = 2.0) -> float:
    """The root-mean-square error that a PSNR in dB corresponds to (25 dB on [−1, 1] is an RMSE of 0.112)."""
    db = check_real(db, "db", minimum=-3000.0, maximum=3000.0)  # beyond ±3000 dB the RMSE over- or underflows
    data_range = check_real(data_range, "data_range", minimum=0.0)
    if data_range == 0:
        raise InputError("data_range must be positive (2 for data in [-1, 1]), got 0", parameter="data_range")
    return data_range / math.sqrt(10 ** (db / 10))
