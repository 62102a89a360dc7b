"""Offline toy distributions (lessons 01–09b): 2-D point clouds and Gaussian mixtures (1-D, and D-dimensional with
exact parameters) with a known density.

Everything here is generated from a seeded generator; nothing is downloaded.
"""

from __future__ import annotations

import math
import numbers

import torch

from ..validation import MAX_DATA_VALUES, MAX_EXAMPLES, InputError, check_seed, check_size

__all__ = ["TOY_DATASETS", "toy_data", "GaussianMixture1D", "GaussianMixture", "eight_gaussians"]


class GaussianMixture1D:
    """A 1-D Gaussian mixture with a known density (lesson 03a: the true reverse conditional by Bayes' rule).

    Default: weights (0.3, 0.5, 0.2), means (−0.8, 0.1, 0.7), standard deviations (0.08, 0.15, 0.05) — inside
    [−1, 1] like image data, with modes of different widths so the reverse conditional is visibly non-Gaussian.
    """

    def __init__(self, weights=(0.3, 0.5, 0.2), means=(-0.8, 0.1, 0.7), stds=(0.08, 0.15, 0.05)):
        self.weights = torch.tensor(weights, dtype=torch.float64)
        self.means = torch.tensor(means, dtype=torch.float64)
        self.stds = torch.tensor(stds, dtype=torch.float64)
        if not (len(self.weights) == len(self.means) == len(self.stds)) or (self.stds <= 0).any():
            raise InputError(
                "weights, means and stds must have equal lengths and stds must be positive", parameter="stds"
            )
        _check_mixture_values(self.weights, self.means, self.stds)

    def sample(self, n: int, generator=None) -> torch.Tensor:
        """``n`` draws, shape ``(n, 1)``, float32."""
        n = check_size(n, "n", MAX_EXAMPLES, "MAX_EXAMPLES")
        component = torch.multinomial(self.weights, n, replacement=True, generator=generator)
        z = torch.randn(n, generator=generator, dtype=torch.float64)
        return (self.means[component] + self.stds[component] * z).float()[:, None]

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log density at ``x`` (any shape), float64."""
        x = torch.as_tensor(x, dtype=torch.float64)[..., None]
        log_norm = -0.5 * ((x - self.means) / self.stds) ** 2 - torch.log(self.stds) - 0.5 * math.log(2 * math.pi)
        return torch.logsumexp(log_norm + torch.log(self.weights), dim=-1)

    def noised_log_prob(self, x: torch.Tensor, alpha_bar: float) -> torch.Tensor:
        """log q(x_t) for x_t = √ᾱ x_0 + √(1 − ᾱ) ε: still a mixture, with means √ᾱ μ and variances ᾱσ² + 1 − ᾱ."""
        mixture = GaussianMixture1D(
            self.weights.tolist(),
            (math.sqrt(alpha_bar) * self.means).tolist(),
            torch.sqrt(alpha_bar * self.stds**2 + 1 - alpha_bar).tolist(),
        )
        return mixture.log_prob(x)


class GaussianMixture:
    """A D-dimensional mixture of isotropic Gaussians Σ_k π_k N(μ_k, s_k² I) with its exact parameters (lessons 09a and 09b).

    Lessons 09a and 09b need the parameters themselves: the noised marginal of such a mixture is again a mixture, so its
    score, its optimal noise predictor and its flow-matching velocity have closed forms
    (:mod:`ddpm_lessons.score`). :func:`eight_gaussians` is the ``"gaussian_mixture"`` toy set as one of these.

    Args:
        weights: ``(K,)`` non-negative, summing to 1; means: ``(K, D)``; stds: ``(K,)`` positive.
    """

    def __init__(self, weights, means, stds):
        self.weights = torch.as_tensor(weights, dtype=torch.float64).clone()
        self.means = torch.as_tensor(means, dtype=torch.float64).clone()
        self.stds = torch.as_tensor(stds, dtype=torch.float64).clone()
        if (
            self.means.dim() != 2
            or self.weights.shape != (self.means.shape[0],)
            or self.stds.shape != self.weights.shape
        ):
            raise InputError(
                "weights must have shape (K,), means (K, D) and stds (K,), got "
                f"{tuple(self.weights.shape)}, {tuple(self.means.shape)} and {tuple(self.stds.shape)}",
                parameter="weights",
            )
        _check_mixture_values(self.weights, self.means, self.stds)

    @property
    def dim(self) -> int:
        """D, the dimension of a point."""
        return self.means.shape[1]

    def sample(self, n: int, generator=None) -> torch.Tensor:
        """``n`` draws, shape ``(n, D)``, float32."""
        n = check_size(n, "n", MAX_EXAMPLES, "MAX_EXAMPLES")
        if n * self.dim > MAX_DATA_VALUES:
            raise InputError(
                f"n must be at most {MAX_DATA_VALUES // self.dim:,} for points of dimension {self.dim}: {n:,} of "
                f"them are {n * self.dim:,} values; the package's ceiling is MAX_DATA_VALUES = {MAX_DATA_VALUES:,}",
                parameter="n",
            )
        component = torch.multinomial(self.weights, n, replacement=True, generator=generator)
        z = torch.randn(n, self.dim, generator=generator, dtype=torch.float64)
        return (self.means[component] + self.stds[component, None] * z).float()

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log density at points ``x`` of shape ``(B, D)``, float64 ``(B,)``."""
        x = torch.as_tensor(x, dtype=torch.float64)
        if x.dim() != 2 or x.shape[1] != self.dim:
            raise InputError(f"x must have shape (B, {self.dim}), got {tuple(x.shape)}")
        squared = ((x[:, None, :] - self.means[None]) ** 2).sum(-1)
        variances = self.stds**2
        log_norm = -0.5 * squared / variances - 0.5 * self.dim * torch.log(2 * math.pi * variances)
        return torch.logsumexp(log_norm + torch.log(self.weights), dim=-1)


def eight_gaussians(radius: float = 1.2, std: float = 0.1) -> GaussianMixture:
    """The ``"gaussian_mixture"`` toy set's distribution: eight equal modes on a circle (the same parameters)."""
    for name, value in (("radius", radius), ("std", std)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value <= 0:
            raise InputError(f"{name} must be a finite number > 0, got {value!r}", parameter=name)
    angles = torch.arange(8, dtype=torch.float64) * math.pi / 4
    means = radius * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
    return GaussianMixture(torch.full((8,), 1 / 8, dtype=torch.float64), means, torch.full((8,), float(std)))


def _moons(n, g):
    upper = n // 2
    angles = torch.rand(n, generator=g) * math.pi
    x = torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
    x[upper:] = torch.stack([1 - torch.cos(angles[upper:]), 0.5 - torch.sin(angles[upper:])], dim=1)
    x = x + 0.05 * torch.randn(n, 2, generator=g)
    return (x - torch.tensor([0.5, 0.25])) * torch.tensor([1.0, 1.6]) / 1.1


def _swiss_roll(n, g):
    turns = 1.5 * math.pi * (1 + 2 * torch.rand(n, generator=g))
    x = torch.stack([turns * torch.cos(turns), turns * torch.sin(turns)], dim=1) / 10.0
    return x + 0.04 * torch.randn(n, 2, generator=g)


def _checkerboard(n, g):
    # Four by four cells on [-1.6, 1.6]², alternate cells filled; uniform inside the filled cells.
    cell = torch.randint(0, 8, (n,), generator=g)
    row = cell // 2
    col = 2 * (cell % 2) + (row % 2)
    offsets = torch.rand(n, 2, generator=g)
    return (torch.stack([col, row], dim=1).float() + offsets) * 0.8 - 1.6


def _gaussian_mixture(n, g):
    # Eight Gaussians on a circle of radius 1.2.
    k = torch.randint(0, 8, (n,), generator=g).float()
    centres = 1.2 * torch.stack([torch.cos(k * math.pi / 4), torch.sin(k * math.pi / 4)], dim=1)
    return centres + 0.1 * torch.randn(n, 2, generator=g)


TOY_DATASETS = {
    "moons": _moons,
    "swiss_roll": _swiss_roll,
    "checkerboard": _checkerboard,
    "gaussian_mixture": _gaussian_mixture,
    "mixture1d": lambda n, g: GaussianMixture1D().sample(n, generator=g),
}


def toy_data(name: str, n: int, *, seed: int = 0) -> torch.Tensor:
    """``n`` points of a toy distribution, float32 ``(n, 2)`` (``(n, 1)`` for ``"mixture1d"``), from a seeded generator.

    Names: ``moons``, ``swiss_roll``, ``checkerboard``, ``gaussian_mixture`` (eight modes on a circle), and
    ``mixture1d`` (:class:`GaussianMixture1D`). Each is scaled to roughly unit spread, like normalised data.
    """
    if name not in TOY_DATASETS:
        raise InputError(f"name must be one of {sorted(TOY_DATASETS)}, got {name!r}")
    n = check_size(n, "n", MAX_EXAMPLES, "MAX_EXAMPLES")
    generator = torch.Generator().manual_seed(check_seed(seed))
    return TOY_DATASETS[name](n, generator).float()


def _check_mixture_values(weights, means, stds) -> None:
    # NaN compares False with everything: test finiteness first, or NaN weights pass "non-negative, sum to 1"
    for name, value in (("weights", weights), ("means", means), ("stds", stds)):
        if not bool(torch.isfinite(value).all()):
            raise InputError(f"{name} must be finite, got {value.tolist()}", parameter=name)
    if not bool((stds > 0).all()):
        raise InputError(f"stds must be positive, got {stds.tolist()}", parameter="stds")
    if bool((weights < 0).any()) or abs(weights.sum().item() - 1) > 1e-9:
        raise InputError(f"weights must be non-negative and sum to 1, got {weights.tolist()}", parameter="weights")
