"""A mode-aware report for samples of a known mixture (issue 20 §2; lessons 07a–10).

A distance between point clouds can score a structureless blob with the right spread close to the data. For data
whose density is known — :class:`~ddpm_lessons.data.GaussianMixture` (2-D, eight Gaussians) and
:class:`~ddpm_lessons.data.GaussianMixture1D` — we can ask the questions a reader means by "quality":

- which modes did the samples find (``modes_covered``), in what proportions (``mode_shares`` against the weights:
  ``weights_tv``), and how many samples landed near no mode at all (``off_mode``);
- how likely the samples are under the true density (``nll``, nats per dimension), beside the mixture's own entropy
  — the value a perfect sampler reaches (:func:`~ddpm_lessons.evaluation.references.mixture_entropy`).

"Near mode k" means inside the sphere that holds ``coverage`` (default 99.9 %) of mode k's own mass: for an isotropic
Gaussian ‖x − μ_k‖²/s_k² follows χ² with D degrees of freedom, so the radius is s_k √(χ²_D quantile).
A sample near several modes goes to the one with the largest π_k N(x; μ_k, s_k²) — the most probable source.
"""

from __future__ import annotations

import math

import torch

from ..validation import InputError, check_positive_int, check_real
from .references import check_mixture, mixture_entropy

__all__ = ["mode_report", "chi2_quantile"]


def chi2_quantile(probability: float, dim: int) -> float:
    """The ``probability`` quantile of χ² with ``dim`` degrees of freedom (bisection on the regularized gamma)."""
    probability = check_real(probability, "probability", minimum=0.0, maximum=1.0)
    if not 0 < probability < 1:
        raise InputError(f"probability must lie strictly between 0 and 1, got {probability}", parameter="probability")
    half = torch.tensor(dim / 2, dtype=torch.float64)
    low, high = 0.0, float(dim) + 100.0 * math.sqrt(2 * dim) + 100.0
    for _ in range(200):
        middle = (low + high) / 2
        if float(torch.special.gammainc(half, torch.tensor(middle / 2, dtype=torch.float64))) < probability:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def mode_report(samples, mixture, *, coverage: float = 0.999, fair_share: float = 0.5, entropy_draws: int = 200_000):
    """Which modes of ``mixture`` the ``samples`` found, in what proportions, and how likely they are.

    Args:
        samples: ``(N, D)`` points (``(N,)`` or ``(N, 1)`` for a 1-D mixture), finite.
        mixture: a ``GaussianMixture`` or ``GaussianMixture1D`` with the true parameters.
        coverage: the share of a mode's own mass its "near" sphere holds (see the module docstring).
        fair_share: a mode is covered when it holds at least this fraction of its expected share π_k.
        entropy_draws: draws for the Monte-Carlo estimate of the mixture's entropy (about 0.1 s for 200,000 in 2-D).

    Returns: a dict with ``modes_covered`` (int), ``modes`` (K), ``mode_shares`` (list of K floats: share of all
    samples assigned to each mode), ``weights`` (π), ``weights_tv`` (total variation between (shares, off_mode) and
    (π, 0)), ``off_mode`` (share near no mode), ``nll`` (mean −log q(x) in nats per dimension), ``entropy`` and
    ``entropy_error`` (the mixture's entropy per dimension and its Monte-Carlo standard error), ``n``.
    """
    weights, means, stds = check_mixture(mixture)
    x = _as_points(samples, means.shape[1])
    coverage = check_real(coverage, "coverage", minimum=0.0, maximum=1.0)
    fair_share = check_real(fair_share, "fair_share", minimum=0.0, maximum=1.0)
    entropy_draws = check_positive_int(entropy_draws, "entropy_draws", minimum=2, maximum=10_000_000)
    n, dim = x.shape
    squared = ((x[:, None, :] - means[None]) ** 2).sum(-1) / stds**2  # (N, K), χ²_D under mode k
    near = squared <= chi2_quantile(coverage, dim)
    log_joint = torch.log(weights) - 0.5 * squared - dim * torch.log(stds)  # log π_k N(x; μ_k, s_k²) + const
    owner = torch.where(near, log_joint, torch.full_like(log_joint, -math.inf)).argmax(1)
    assigned = near.any(1)
    counts = torch.bincount(owner[assigned], minlength=len(weights)).double()
    shares = counts / n
    off_mode = 1.0 - float(shares.sum())
    tv = 0.5 * (float((shares - weights).abs().sum()) + off_mode)
    entropy, error = mixture_entropy(mixture, entropy_draws)
    log_q = mixture.log_prob(x if mixture.means.dim() == 2 else x[:, 0])
    return {
        "n": n,
        "modes": len(weights),
        "modes_covered": int((shares >= fair_share * weights).sum()),
        "mode_shares": shares.tolist(),
        "weights": weights.tolist(),
        "weights_tv": tv,
        "off_mode": off_mode,
        "nll": float(-log_q.mean()) / dim,
        "entropy": entropy,
        "entropy_error": error,
    }


def _as_points(samples, dim: int) -> torch.Tensor:
    if not isinstance(samples, torch.Tensor):
        raise InputError(f"samples must be a torch.Tensor, got {type(samples).__name__}", parameter="samples")
    x = samples.detach().to("cpu", torch.float64)
    if dim == 1 and x.dim() == 1:
        x = x[:, None]
    if x.dim() != 2 or x.shape[1] != dim or x.shape[0] == 0:
        raise InputError(
            f"samples must have shape (N, {dim}) for this mixture, got {tuple(samples.shape)}", parameter="samples"
        )
    if not torch.isfinite(x).all():
        raise InputError("samples contain NaN or infinite values", parameter="samples")
    return x
