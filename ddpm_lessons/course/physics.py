"""Ink in water: the seed's physical analogy as a particle simulation (lesson 01).

Each ink particle takes independent Gaussian steps (Brownian motion) inside a glass, the box [0, 1]², and
bounces off its walls. Forward in time the drop spreads until the glass is evenly coloured; nothing in the
dynamics remembers where the drop started, which is why the reverse direction is hard.
"""

from __future__ import annotations

import torch

from ..validation import check_positive_int

__all__ = ["ink_drop", "reflect", "random_walk", "reverse_walk", "density"]


def ink_drop(n: int, *, center=(0.5, 0.5), spread: float = 0.02, generator=None) -> torch.Tensor:
    """``n`` particle positions ``(n, 2)`` of a small Gaussian drop of ink (standard deviation ``spread``)."""
    n = check_positive_int(n, "n")
    return torch.tensor(center, dtype=torch.float32) + spread * torch.randn(n, 2, generator=generator)


def reflect(x: torch.Tensor, low: float = 0.0, high: float = 1.0) -> torch.Tensor:
    """Fold positions back into [low, high] as a wall reflects a particle (valid for steps shorter than the box)."""
    width = high - low
    x = (x - low).abs()
    return low + width - (width - x).abs()


def random_walk(
    positions: torch.Tensor,
    steps: int,
    sigma: float,
    *,
    generator=None,
    walls: bool = True,
    record_every: int | None = None,
):
    """Move every particle ``steps`` times by ``sigma · N(0, I)``, reflecting at the walls of [0, 1]².

    Returns the final positions, or with ``record_every`` a list of ``(step, positions)`` snapshots that
    starts at step 0.
    """
    steps = check_positive_int(steps, "steps", minimum=0)
    if sigma <= 0:
        raise ValueError(f"sigma must be > 0, got {sigma}")
    snapshots = [(0, positions.clone())] if record_every else None
    x = positions
    for step in range(1, steps + 1):
        x = x + sigma * torch.randn(x.shape, generator=generator)
        if walls:
            x = reflect(x)
        if record_every and step % record_every == 0:
            snapshots.append((step, x.clone()))
    return snapshots if record_every else x


def reverse_walk(
    positions: torch.Tensor,
    steps: int,
    sigma: float,
    *,
    start_variance: float,
    center=(0.5, 0.5),
    generator=None,
    record_every: int | None = None,
):
    """Run a Gaussian ink cloud's forward walk backwards: ``steps`` steps of the reverse-time dynamics (lesson 01).

    ``positions`` are the particles after ``steps`` forward kicks of ``sigma · N(0, I)`` from a drop
    N(center, start_variance·I), far enough from the walls that the cloud is still Gaussian:
    p_k = N(center, v_k I) with v_k = start_variance + k·σ². Each reverse step k → k − 1 is

        x ← x + σ² ∇log p_k(x) + σ √(v_{k−1}/v_k) · z,     ∇log p_k(x) = −(x − center)/v_k,

    the drift σ²∇log p_k of the time-reversed diffusion (Anderson 1982) plus slightly less noise than a forward
    kick: this is the exact reverse transition q(x_{k−1} | x_k) of the Gaussian cloud. Returns the final positions,
    or with ``record_every`` a list of ``(forward step, positions)`` snapshots from ``steps`` down to 0.
    """
    steps = check_positive_int(steps, "steps", minimum=0)
    if not sigma > 0:
        raise ValueError(f"sigma must be > 0, got {sigma}")
    if not start_variance > 0:
        raise ValueError(f"start_variance must be > 0 (the drop's variance per coordinate), got {start_variance}")
    if positions.ndim != 2 or positions.shape[1] != 2:
        raise ValueError(f"positions must have shape (n, 2), got {tuple(positions.shape)}")
    center = torch.as_tensor(center, dtype=positions.dtype)
    snapshots = [(steps, positions.clone())] if record_every else None
    x = positions
    for k in range(steps, 0, -1):
        variance, previous = start_variance + k * sigma**2, start_variance + (k - 1) * sigma**2
        score = -(x - center) / variance
        x = x + sigma**2 * score + sigma * (previous / variance) ** 0.5 * torch.randn(x.shape, generator=generator)
        if record_every and (k - 1) % record_every == 0:
            snapshots.append((k - 1, x.clone()))
    return snapshots if record_every else x


def density(positions: torch.Tensor, bins: int = 48) -> torch.Tensor:
    """Fraction of particles in each cell of a ``bins × bins`` grid over [0, 1]² (rows are y, top row y ≈ 1)."""
    counts = torch.histogramdd(positions.double(), bins=[bins, bins], range=[0.0, 1.0, 0.0, 1.0]).hist
    return (counts / positions.shape[0]).T.flip(0)
