"""Reference levels a measurement is read against (issue 20; lessons 04 and 07–10).

A quality number means nothing alone. Two references make it readable:

- :func:`data_reference` — what *fresh data* scores on the same distance, over many independent draws, as a
  :class:`ReferenceLevel` with its mean, spread and every value. A model is "inside fresh data's range" or
  "k standard deviations above"; a ratio to one pair of draws (the old ``sliced_wasserstein_floor``) moves by a
  factor of 2.5 from one pair to the next and is not a unit.
- For a bits/dim number, the two ends of its scale: :func:`uniform_bits_per_dim` (a model that knows nothing,
  8 bits/dim for 256 levels) and :func:`discretized_entropy_bits_per_dim` (the best any model can do on data from a
  known mixture: the entropy of the data after the 256-bin discretization of DDPM's decoder, computed exactly).
  :func:`mixture_entropy` gives the continuous entropy (nats per dimension) with its Monte-Carlo error bar, the
  level a perfect sampler's negative log-likelihood under the mixture reaches.
- For images the entropy cannot be computed (no one sums over 256^784 digits); :func:`compressed_bits_per_dim`
  bounds it from above with a lossless compressor's code length, as every model's bits/dim does (lesson 03b).
"""

from __future__ import annotations

import bz2
import math
from dataclasses import dataclass
from functools import lru_cache

import torch

from ..validation import InputError, check_positive_int, check_real, check_seed

__all__ = [
    "ReferenceLevel",
    "data_reference",
    "uniform_bits_per_dim",
    "discretized_entropy_bits_per_dim",
    "mixture_entropy",
    "compressed_bits_per_dim",
]


@dataclass(frozen=True)
class ReferenceLevel:
    """The values a statistic takes on fresh data: ``values`` over independent draws of ``n`` points each."""

    name: str
    n: int
    values: tuple[float, ...]

    def __post_init__(self):
        check_positive_int(self.n, "n")
        values = tuple(self.values) if isinstance(self.values, (tuple, list)) else None
        if (
            values is None
            or len(values) < 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values)
        ):
            raise InputError(f"values must be at least two finite numbers, got {self.values!r:.80}", parameter="values")
        object.__setattr__(self, "values", tuple(float(v) for v in values))

    @property
    def mean(self) -> float:
        return sum(self.values) / len(self.values)

    @property
    def std(self) -> float:
        """The sample standard deviation (n − 1 in the denominator)."""
        mean = self.mean
        return math.sqrt(sum((v - mean) ** 2 for v in self.values) / (len(self.values) - 1))

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    def z(self, value: float) -> float:
        """How many of fresh data's standard deviations ``value`` lies above its mean (negative: below)."""
        return (float(value) - self.mean) / self.std

    def inside(self, value: float) -> bool:
        """True when ``value`` lies within the range fresh data spanned."""
        return self.low <= float(value) <= self.high

    def describe(self, value: float, digits: int = 3) -> str:
        """One phrase placing ``value`` against fresh data: inside its range, or k standard deviations above/below."""
        span = f"{self.low:.{digits}f}–{self.high:.{digits}f} over {len(self.values)} fresh draws"
        if self.inside(value):
            return f"{value:.{digits}f}: inside fresh data's range ({span})"
        side = "above" if value > self.high else "below"
        return f"{value:.{digits}f}: {abs(self.z(value)):.1f} standard deviations {side} fresh data's mean ({span})"


def data_reference(distance, draw, n: int, *, reference=None, draws: int = 20, seed: int = 1000, name: str = ""):
    """Fresh data's level of ``distance``, with its spread (issue 20 §1).

    Args:
        distance: ``distance(a, b) -> float`` between two point sets (e.g. ``sliced_wasserstein``).
        draw: ``draw(n, seed) -> Tensor`` — ``n`` fresh points from the data distribution.
        n: the number of points per draw (use the sample size the model is measured with: distances shrink with n).
        reference: the fixed set the model's samples are compared with. Given, each value is
            ``distance(reference, draw(n, seed + i))`` — the same comparison the model gets. Left out, each value is
            ``distance(draw(n, seed + 2i), draw(n, seed + 2i + 1))``: independent pairs.
        draws: how many values (≥ 2 for a spread; 20 or more for a range a model can be placed in).
        seed: the first draw's seed; draws use consecutive seeds, so keep them away from the model's data seeds.

    Returns: a :class:`ReferenceLevel`.
    """
    n = check_positive_int(n, "n")
    draws = check_positive_int(draws, "draws", minimum=2)
    seed = check_seed(seed)
    if not callable(distance) or not callable(draw):
        raise InputError(
            "distance and draw must be callables", parameter="distance" if not callable(distance) else "draw"
        )
    values = []
    for i in range(draws):
        if reference is not None:
            value = distance(reference, draw(n, seed + i))
        else:
            value = distance(draw(n, seed + 2 * i), draw(n, seed + 2 * i + 1))
        values.append(float(value))
    if not all(math.isfinite(v) for v in values):
        raise InputError(f"distance returned a non-finite value on fresh data: {values}", parameter="distance")
    return ReferenceLevel(name or getattr(distance, "__name__", "distance"), n, tuple(values))


def uniform_bits_per_dim(levels: int = 256) -> float:
    """A model that spreads its mass evenly over ``levels`` values per dimension: log2(levels) bits/dim."""
    return math.log2(check_positive_int(levels, "levels", minimum=2))


def check_mixture(mixture):
    """(weights, means as (K, D), stds) of a GaussianMixture or GaussianMixture1D, or InputError naming mixture."""
    if not all(hasattr(mixture, a) for a in ("weights", "means", "stds", "sample", "log_prob")):
        raise InputError(
            f"mixture must be a GaussianMixture or GaussianMixture1D, got {type(mixture).__name__}", parameter="mixture"
        )
    means = mixture.means if mixture.means.dim() == 2 else mixture.means[:, None]
    return mixture.weights, means, mixture.stds


def discretized_entropy_bits_per_dim(mixture, levels: int = 256, low: float = -1.0, high: float = 1.0) -> float:
    """The entropy of data from ``mixture`` after DDPM's discretization, in bits/dim: the best possible bits/dim.

    DDPM's decoder (§3.3) puts ``levels`` bins of width Δ = (high − low)/(levels − 1) centred on the levels, the two
    edge bins extended to ±∞. A mixture of isotropic Gaussians factorizes per component, so the mass of every cell
    is Σ_k π_k Π_d [Φ(b⁺) − Φ(b⁻)] — exact, no sampling. Computed over the full grid, so D ≤ 2.
    """
    weights, means, stds = check_mixture(mixture)
    levels, low, high = _check_grid(levels, low, high, max_levels=4096)
    dim = means.shape[1]
    if dim > 2:
        raise InputError(f"the exact grid needs a 1-D or 2-D mixture, got dimension {dim}", parameter="mixture")
    return _grid_entropy_bits(weights, means, stds, levels, low, high) / dim


def _check_grid(levels, low, high, *, max_levels: int) -> tuple[int, float, float]:
    """``levels`` evenly spaced values from ``low`` to ``high`` (2 ≤ levels ≤ max_levels, low < high), or InputError."""
    levels = check_positive_int(levels, "levels", minimum=2, maximum=max_levels)
    low, high = check_real(low, "low"), check_real(high, "high")
    if not high > low:
        raise InputError(f"high must be greater than low, got low={low}, high={high}", parameter="high")
    return levels, low, high


@lru_cache(maxsize=32)
def _edges(levels: int, low: float, high: float) -> torch.Tensor:
    half = (high - low) / (levels - 1) / 2
    inner = torch.linspace(low, high, levels, dtype=torch.float64)[:-1] + half
    return torch.cat([torch.tensor([-math.inf], dtype=torch.float64), inner, torch.tensor([math.inf])])


def _grid_entropy_bits(weights, means, stds, levels, low, high) -> float:
    edges = _edges(levels, low, high)
    normal = torch.distributions.Normal(0.0, 1.0)
    # per component and axis, the mass of each bin: (K, D, levels)
    cdf = normal.cdf((edges[None, None, :] - means[:, :, None]) / stds[:, None, None])
    bins = (cdf[..., 1:] - cdf[..., :-1]).clamp(min=0)
    cells = bins[:, 0, :]
    for axis in range(1, means.shape[1]):
        cells = (cells[:, :, None] * bins[:, axis, None, :]).flatten(1)
    mass = (weights[:, None] * cells).sum(0)
    mass = mass[mass > 0]
    return float(-(mass * torch.log2(mass)).sum())


def mixture_entropy(mixture, n: int = 200_000, seed: int = 0) -> tuple[float, float]:
    """The differential entropy of ``mixture`` in nats per dimension, and its standard error: (estimate, error).

    H = −E[log q(x)] has no closed form for a mixture; the mean of −log q over ``n`` draws estimates it, with
    standard error std(−log q)/√n. A perfect sampler's mean −log q (the ``nll`` of :func:`mode_report`) lands here.
    """
    check_mixture(mixture)
    n = check_positive_int(n, "n", minimum=2, maximum=10_000_000)
    seed = check_seed(seed)
    x = mixture.sample(n, generator=torch.Generator().manual_seed(seed))
    nll = -mixture.log_prob(x.squeeze(-1) if x.shape[-1] == 1 and mixture.means.dim() == 1 else x)
    dim = x.shape[-1]
    return float(nll.mean()) / dim, float(nll.std()) / math.sqrt(n) / dim


def compressed_bits_per_dim(images, levels: int = 256, low: float = -1.0, high: float = 1.0) -> float:
    """An upper bound on the entropy of image data in bits/dim: bz2's code length for all of ``images`` at once.

    For independent draws x₁ … x_n, a lossless code's expected length is at least H(x₁, …, x_n) = n·H(x) (Shannon's
    source-coding theorem), so compressed bits over the number of values bound H(x) per dimension from above — as
    every model's bits/dim does (cross-entropy ≥ entropy). Coding them together lets the compressor learn what the
    images share; one image alone mostly pays for bz2's own header. ``images``: a tensor of values on the ``levels``
    evenly spaced levels from ``low`` to ``high`` (lesson 03b's 8-bit digits in [−1, 1]), ``levels`` ≤ 256.
    """
    levels, low, high = _check_grid(levels, low, high, max_levels=256)
    if not isinstance(images, torch.Tensor) or images.numel() == 0 or images.dtype == torch.bool:
        raise InputError(f"images must be a non-empty numeric tensor, got {images!r:.80}", parameter="images")
    index = (images.detach().to("cpu", torch.float64) - low) * ((levels - 1) / (high - low))
    rounded = index.round()
    if (
        not torch.isfinite(index).all()
        or (index - rounded).abs().max() > 1e-3
        or rounded.min() < 0
        or rounded.max() > levels - 1
    ):
        raise InputError(
            f"images must hold values on the {levels} levels from {low} to {high} (8-bit data: pixel/127.5 − 1)",
            parameter="images",
        )
    code = bz2.compress(rounded.to(torch.uint8).numpy().tobytes(), 9)
    return 8 * len(code) / images.numel()
