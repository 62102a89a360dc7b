"""Ink in water: the seed's physical analogy as a particle simulation (lesson 01).

Each ink particle takes independent Gaussian steps (Brownian motion) inside a glass, the box [0, 1]², and
bounces off its walls. Forward in time the drop spreads until the glass is evenly coloured; nothing in the
dynamics remembers where the drop started, which is why the reverse direction is hard.
"""

from __future__ import annotations

import torch

from ..validation import check_positive_int

__all__ = ["ink_drop", "reflect", "random_walk", "density"]


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


def density(positions: torch.Tensor, bins: int = 48) -> torch.Tensor:
    """Fraction of particles in each cell of a ``bins × bins`` grid over [0, 1]² (rows are y, top row y ≈ 1)."""
    counts = torch.histogramdd(positions.double(), bins=[bins, bins], range=[0.0, 1.0, 0.0, 1.0]).hist
    return (counts / positions.shape[0]).T.flip(0)
