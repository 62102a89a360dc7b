"""Exact computations on 1-D data, the checking machinery of lessons 03a and 03b (Ho et al. 2020 equation numbers).

For 1-D data what is hopeless for an image can be computed: a density on a fine grid, an integral over x_t by
quadrature, the model's own likelihood by pushing p(x_T) through every reverse step. The lessons show the maths and
call these functions to check it:

- :func:`reverse_conditional` — the true reverse conditional q(x_s | x_t) of a :class:`~ddpm_lessons.data.GaussianMixture1D`
  by Bayes' rule on a grid (lesson 03a, section 1), with :func:`grid_moments` and :func:`kl_from_gaussian`
  (how far a density on the grid is from the Gaussian with its mean and variance);
- :class:`ShortChain` — a chain of a few steps where everything about the variational bound is exact (lesson 03b,
  section 1): the model's likelihood −log p_θ(x₀) on a grid, sampled forward paths, the one-step, marginal and
  posterior densities that the bound's derivation rearranges, and the bound's terms L_T, L_{t−1}, L₀ from closed-form
  Gaussian KLs and quadrature — no sampling;
- :func:`log_normal` and :func:`kl_normal` — the 1-D Gaussian log-density and the KL of two Gaussians (variances, not
  log-variances; :func:`ddpm_lessons.normal_kl` is DDPM's form).

Everything is float64. Identities (Bayes' rule on a path, the telescoped sum, the coefficients) hold to 1e-10;
grid and quadrature results (moments, KLs, −log p_θ(x₀), the bound's terms) to about 1e-4 on the default grids.
Every function refuses, with an :class:`~ddpm_lessons.InputError` naming the argument, the inputs that would make a
grid or quadrature answer silently wrong: an unnormalised density, a density the grid does not contain or resolve,
quadrature nodes that miss part of N(0, 1), a model step narrower than the grid.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ..data.toy import GaussianMixture1D
from ..schedule import DiffusionSchedule
from ..validation import InputError, check_generator, check_positive_int, check_real

__all__ = ["log_normal", "kl_normal", "reverse_conditional", "grid_moments", "kl_from_gaussian", "ShortChain"]

MIN_GRID = 3
"""A grid needs at least three points for a mean, a variance and a step."""
MASS_TOL = 1e-3
"""How far from 1 a density's Riemann sum on its grid may be before it counts as unnormalised (or leaking)."""
EDGE_TOL = 1e-8
"""A density contained in its grid is below this share of its peak at both ends."""
MIN_STEPS_PER_SD = 3
"""A density is resolved by a grid when its standard deviation spans at least this many grid steps."""
NODE_REACH = 8.0
"""Quadrature nodes for N(0, 1) must cover [−8, 8] (the mass outside is 1e-15)."""


def _variance(var, name: str) -> torch.Tensor:
    var = torch.as_tensor(var, dtype=torch.float64) if not isinstance(var, torch.Tensor) else var
    if not bool(torch.isfinite(var).all()) or not bool((var > 0).all()):
        raise InputError(f"{name} must be a finite, positive variance, got {var.min().item()}", parameter=name)
    return var


def log_normal(x, mean, var) -> torch.Tensor:
    """log N(x; mean, var) element by element (``var`` is a variance, > 0); float64 unless every argument is a
    tensor of a lower precision (a float ``var`` becomes float64, so a float32 ``x`` still gives float32)."""
    var = _variance(var, "var")
    return -0.5 * (x - mean) ** 2 / var - 0.5 * torch.log(2 * math.pi * var)


def kl_normal(m1, v1, m2, v2) -> torch.Tensor:
    """D_KL(N(m1, v1) ‖ N(m2, v2)) per coordinate = ½(ln(v2/v1) + (v1 + (m1 − m2)²)/v2 − 1), variances given
    (> 0; Python floats become float64 tensors)."""
    m1, m2 = (torch.as_tensor(m, dtype=torch.float64) if not isinstance(m, torch.Tensor) else m for m in (m1, m2))
    v1, v2 = _variance(v1, "v1"), _variance(v2, "v2")
    return 0.5 * (torch.log(v2 / v1) + (v1 + (m1 - m2) ** 2) / v2 - 1)


def _check_grid(grid, name: str = "grid") -> float:
    """The step of an evenly spaced, increasing float64 grid of at least three points."""
    if not isinstance(grid, torch.Tensor) or grid.dtype != torch.float64 or grid.dim() != 1:
        kind = f"{grid.dtype} tensor of shape {tuple(grid.shape)}" if isinstance(grid, torch.Tensor) else type(grid)
        raise InputError(f"{name} must be a 1-D float64 tensor (torch.linspace), got {kind}", parameter=name)
    if len(grid) < MIN_GRID:
        raise InputError(f"{name} must have at least {MIN_GRID} points, got {len(grid)}", parameter=name)
    steps = grid.diff()
    if not bool(torch.isfinite(grid).all()) or not bool((steps > 0).all()):
        raise InputError(f"{name} must be finite and increasing", parameter=name)
    if float((steps - steps[0]).abs().max()) > 1e-9 * float(steps[0]) + 1e-12:
        raise InputError(f"{name} must be evenly spaced (torch.linspace)", parameter=name)
    return (grid[1] - grid[0]).item()


def _check_density(grid, density) -> float:
    dx = _check_grid(grid)
    if not isinstance(density, torch.Tensor) or density.shape != grid.shape or not density.is_floating_point():
        got = tuple(density.shape) if isinstance(density, torch.Tensor) else type(density).__name__
        raise InputError(
            f"density must be a float tensor of the grid's shape {tuple(grid.shape)}, got {got}", parameter="density"
        )
    if not bool(torch.isfinite(density).all()) or bool((density < 0).any()) or not float(density.sum()) > 0:
        raise InputError("density must be finite, non-negative and not all zero", parameter="density")
    mass = float(density.sum()) * dx
    if abs(mass - 1) > MASS_TOL:
        raise InputError(
            f"density must be normalised on the grid (density.sum() * dx == 1), got {mass:.6g}: divide by it first",
            parameter="density",
        )
    if max(float(density[0]), float(density[-1])) > EDGE_TOL * float(density.max()):
        raise InputError("density must fall to ~0 at both ends of the grid (widen the grid)", parameter="density")
    return dx


def _check_schedule(schedule) -> None:
    if not isinstance(schedule, DiffusionSchedule):
        raise InputError(f"schedule must be a DiffusionSchedule, got {type(schedule).__name__}", parameter="schedule")
    if schedule.betas.dtype != torch.float64:
        raise InputError(
            f"schedule must be float64 for these exact checks (DiffusionSchedule(..., dtype=torch.float64)), got "
            f"{schedule.betas.dtype}",
            parameter="schedule",
        )


def reverse_conditional(mixture, schedule, x_t, t: int, s: int, grid) -> torch.Tensor:
    """The true reverse conditional q(x_s | x_t) ∝ q(x_t | x_s) q(x_s) on ``grid`` (lesson 03a, section 1).

    ``t`` and ``s`` are code indices, ``s < t``; ``s = -1`` means the clean data x₀. q(x_t | x_s) is the forward jump
    N(√(ᾱ_t/ᾱ_s) x_s, 1 − ᾱ_t/ᾱ_s) and q(x_s) the mixture noised to step s (still a mixture, so exact). Returns the
    density on the grid, normalised so that ``density.sum() * dx == 1``."""
    if not isinstance(mixture, GaussianMixture1D):
        raise InputError(f"mixture must be a GaussianMixture1D, got {type(mixture).__name__}", parameter="mixture")
    _check_schedule(schedule)
    dx = _check_grid(grid)
    x_t = check_real(x_t, "x_t")
    t = check_positive_int(t, "t", minimum=0, maximum=len(schedule) - 1)
    s = check_positive_int(s, "s", minimum=-1, maximum=t - 1)  # -1: the clean data
    a_t = schedule.alphas_cumprod[t].item()
    a_s = 1.0 if s < 0 else schedule.alphas_cumprod[s].item()
    prior = mixture.log_prob(grid) if s < 0 else mixture.noised_log_prob(grid, a_s)
    ratio = a_t / a_s
    likelihood = -0.5 * (x_t - math.sqrt(ratio) * grid) ** 2 / (1 - ratio)  # log q(x_t | x_s), up to a constant
    log_post = prior + likelihood  # Bayes' rule: the evidence q(x_t) is the normalisation below
    post = torch.exp(log_post - log_post.max())
    if max(float(post[0]), float(post[-1])) > EDGE_TOL:  # renormalising would silently drop the mass outside
        raise InputError(
            f"grid [{grid[0].item():.3g}, {grid[-1].item():.3g}] does not contain q(x_s | x_t) at x_t = {x_t}: widen it",
            parameter="grid",
        )
    post = post / (post.sum() * dx)
    _, var = _moments(grid, post, dx)
    if var < (MIN_STEPS_PER_SD * dx) ** 2:  # a spike between grid points: its moments would be the grid's, not q's
        raise InputError(
            f"grid step {dx:.3g} does not resolve q(x_s | x_t) (standard deviation {math.sqrt(var):.3g} on the grid): "
            f"use a step below a third of it",
            parameter="grid",
        )
    return post


def _moments(grid, density, dx: float) -> tuple[float, float]:
    mean = (grid * density).sum() * dx
    var = ((grid - mean) ** 2 * density).sum() * dx
    return mean.item(), var.item()


def grid_moments(grid, density) -> tuple[float, float]:
    """(mean, variance) of a normalised density on an evenly spaced grid (Riemann sums); the density must be
    normalised (``density.sum() * dx == 1`` to 1e-3) and fall to ~0 at both ends of the grid."""
    dx = _check_density(grid, density)
    return _moments(grid, density, dx)


def kl_from_gaussian(grid, density) -> float:
    """D_KL(q ‖ N(mean, var)) in nats, with the Gaussian of q's own mean and variance: 0 only for a Gaussian q."""
    dx = _check_density(grid, density)
    mean, var = _moments(grid, density, dx)
    if var < (MIN_STEPS_PER_SD * dx) ** 2:
        raise InputError(f"grid step {dx:.3g} does not resolve density (sd {math.sqrt(var):.3g})", parameter="grid")
    log_gauss = log_normal(grid, mean, var)  # in log space: the Gaussian's tails would underflow to 0, KL to +inf
    keep = density > 0
    return (density[keep] * (torch.log(density[keep]) - log_gauss[keep])).sum().item() * dx


Guess = Callable[[torch.Tensor, int], torch.Tensor]
"""A model, given as its guess x̂₀(x_t, t) of the clean value at paper step t; its mean is μ̃_t(x_t, x̂₀) (eq. 7)."""


class ShortChain:
    """A diffusion chain of a few steps on 1-D data where the variational bound can be checked exactly (lesson 03b).

    The model is p_θ(x_{t−1} | x_t) = N(μ̃_t(x_t, x̂₀(x_t, t)), σ_t²) with the fixed variance σ_t² = β_t and
    p(x_T) = N(0, 1); it is given by its guess x̂₀ (:data:`Guess`). Arrays are indexed by *paper* step t = 0 … T
    (entry 0 is the clean data: β₀ = 0, ᾱ₀ = 1): ``beta``, ``alpha``, ``alpha_bar``, ``beta_tilde`` (β̃_t, eq. 7),
    ``coef_x0`` and ``coef_xt`` (μ̃_t = coef_x0·x₀ + coef_xt·x_t, eq. 7) and ``sigma2`` (= ``beta``).

    ``likelihood_grid`` carries the model's densities for :meth:`exact_nll`; ``nodes`` are the standard-normal
    quadrature nodes of :meth:`bound_terms` (x_t = mean + std·node).
    """

    def __init__(self, schedule, *, likelihood_grid=None, nodes=None):
        _check_schedule(schedule)
        self.T = len(schedule)
        beta = torch.cat([torch.zeros(1, dtype=torch.float64), schedule.betas])
        self.beta = beta
        self.alpha, self.alpha_bar = 1 - beta, torch.cumprod(1 - beta, 0)
        abar = self.alpha_bar
        self.coef_x0, self.coef_xt, self.beta_tilde = (torch.zeros(self.T + 1, dtype=torch.float64) for _ in range(3))
        self.coef_x0[1:] = abar[:-1].sqrt() * beta[1:] / (1 - abar[1:])  # eq. 7
        self.coef_xt[1:] = self.alpha[1:].sqrt() * (1 - abar[:-1]) / (1 - abar[1:])
        self.beta_tilde[1:] = (1 - abar[:-1]) / (1 - abar[1:]) * beta[1:]
        self.sigma2 = beta  # the model's fixed variance σ_t² = β_t
        if likelihood_grid is None:
            likelihood_grid = torch.linspace(-6, 6, 2401, dtype=torch.float64)
        if nodes is None:
            nodes = torch.linspace(-10, 10, 4001, dtype=torch.float64)
        self.likelihood_grid, self._dw = likelihood_grid, _check_grid(likelihood_grid, "likelihood_grid")
        _check_grid(nodes, "nodes")
        if nodes[0].item() > -NODE_REACH or nodes[-1].item() < NODE_REACH:
            raise InputError(f"nodes must cover [-{NODE_REACH:g}, {NODE_REACH:g}] (N(0, 1)'s mass)", parameter="nodes")
        self.nodes = nodes[:, None]
        self.node_weight = torch.exp(-0.5 * self.nodes**2) / math.sqrt(2 * math.pi) * (self.nodes[1] - self.nodes[0])
        if abs(self.node_weight.sum().item() - 1) > 1e-6:  # too coarse: the expectations would be scaled silently
            raise InputError(
                f"nodes too coarse: their N(0, 1) weights sum to {self.node_weight.sum().item():.6g}, not 1",
                parameter="nodes",
            )

    def _step(self, t, low: int = 1) -> int:
        return check_positive_int(t, "t", minimum=low, maximum=self.T)

    @staticmethod
    def _values(x0) -> torch.Tensor:
        x0 = torch.as_tensor(x0, dtype=torch.float64)
        if not bool(torch.isfinite(x0).all()):
            raise InputError("x0 must be finite", parameter="x0")
        return x0

    def _paths(self, paths) -> list:
        if not isinstance(paths, (list, tuple)) or len(paths) != self.T + 1:
            got = len(paths) if isinstance(paths, (list, tuple)) else type(paths).__name__
            raise InputError(
                f"paths must be the list [x_0, ..., x_T] of {self.T + 1} tensors, got {got}", parameter="paths"
            )
        return paths

    def model_mean(self, guess: Guess, x_t, t: int) -> torch.Tensor:
        """μ_θ(x_t, t) = coef_x0·x̂₀(x_t, t) + coef_xt·x_t: the posterior mean with the model's guess for x₀ (eq. 7).
        ``t`` is a paper step, 1 … T; ``guess(x_t, t)`` must return a finite tensor of ``x_t``'s shape."""
        t = self._step(t)
        if not callable(guess):
            raise InputError(
                f"guess must be a function (x_t, t) -> x0_hat, got {type(guess).__name__}", parameter="guess"
            )
        x0_hat = guess(x_t, t)
        shape = torch.as_tensor(x_t).shape
        if not isinstance(x0_hat, torch.Tensor) or x0_hat.shape != shape or not bool(torch.isfinite(x0_hat).all()):
            got = tuple(x0_hat.shape) if isinstance(x0_hat, torch.Tensor) else type(x0_hat).__name__
            raise InputError(
                f"guess must return a finite tensor of x_t's shape {tuple(shape)}, got {got}", parameter="guess"
            )
        return self.coef_x0[t] * x0_hat + self.coef_xt[t] * x_t

    def exact_nll(self, guess: Guess, x0) -> torch.Tensor:
        """−log p_θ(x₀) in nats for each value of ``x0``: the density of x_T ~ N(0, 1) pushed through the reverse
        steps t = T … 2 on the grid, p_θ(x_{t−1}) = ∫ p_θ(x_{t−1} | x_t) p_θ(x_t) dx_t (a matrix–vector product),
        then the last step's density at x₀. Shape ``(len(x0), 1)``."""
        x0 = self._values(x0).reshape(-1, 1)
        wide, dw = self.likelihood_grid, self._dw
        density = torch.exp(log_normal(wide, 0.0, 1.0))
        for t in range(self.T, 0, -1):
            self._check_resolved(guess, t, density)
            if t == 1:
                break
            step = torch.exp(log_normal(wide[:, None], self.model_mean(guess, wide, t)[None, :], self.sigma2[t]))
            density = step @ density * dw  # p(x_{t-1}) = integral of p(x_{t-1} | x_t) p(x_t) dx_t
        decoder = torch.exp(log_normal(x0, self.model_mean(guess, wide, 1)[None, :], self.sigma2[1]))
        return -torch.log(decoder @ density * dw)

    def _check_resolved(self, guess: Guess, t: int, density: torch.Tensor) -> None:
        """p_θ(x_t) must stay on the grid, and the step's mean must move less than its width per grid point
        (otherwise the Riemann sum over x_t misses the Gaussian between grid points)."""
        mass = density.sum().item() * self._dw
        if abs(mass - 1) > MASS_TOL:
            raise InputError(
                f"likelihood_grid loses p_theta(x_{t})'s mass (it sums to {mass:.6g}): widen it",
                parameter="likelihood_grid",
            )
        live = density > EDGE_TOL * density.max()  # where p_theta(x_t) matters
        moves = self.model_mean(guess, self.likelihood_grid, t).diff().abs()[live[1:] & live[:-1]]
        spacing = moves.max().item() if len(moves) else math.inf
        if spacing > self.sigma2[t].sqrt().item() / MIN_STEPS_PER_SD:
            raise InputError(
                f"likelihood_grid too coarse at t = {t}: the model's mean moves {spacing:.3g} per grid step, more than "
                f"a third of sigma_t = {self.sigma2[t].sqrt().item():.3g}",
                parameter="likelihood_grid",
            )

    def sample_paths(self, x0, n: int, generator) -> list[torch.Tensor]:
        """``n`` forward paths from the one value ``x0``: ``[x_0, x_1, …, x_T]``, each a tensor of ``n`` values,
        x_t = √α_t x_{t−1} + √β_t ε (one step at a time)."""
        x0 = check_real(x0, "x0")
        n = check_positive_int(n, "n")
        check_generator(generator)
        path = [torch.full((n,), x0, dtype=torch.float64)]
        for t in range(1, self.T + 1):
            noise = torch.randn(n, generator=generator, dtype=torch.float64)
            path.append(self.alpha[t].sqrt() * path[-1] + self.beta[t].sqrt() * noise)
        return path

    def log_q_step(self, paths, t: int) -> torch.Tensor:
        """log q(x_t | x_{t−1}) along the paths: the forward step N(√α_t x_{t−1}, β_t)."""
        t, paths = self._step(t), self._paths(paths)
        return log_normal(paths[t], self.alpha[t].sqrt() * paths[t - 1], self.beta[t])

    def log_q_marginal(self, x_t, t: int, x0) -> torch.Tensor:
        """log q(x_t | x₀) = log N(x_t; √ᾱ_t x₀, 1 − ᾱ_t) (eq. 4; t ≥ 1)."""
        t = self._step(t)
        return log_normal(x_t, self.alpha_bar[t].sqrt() * self._values(x0), 1 - self.alpha_bar[t])

    def log_q_posterior(self, x_prev, x_t, t: int, x0) -> torch.Tensor:
        """log q(x_{t−1} | x_t, x₀) = log N(x_{t−1}; μ̃_t, β̃_t) (eq. 6–7; t ≥ 2)."""
        t = self._step(t, low=2)
        x0 = self._values(x0)
        return log_normal(x_prev, self.coef_x0[t] * x0 + self.coef_xt[t] * x_t, self.beta_tilde[t])

    def log_p_step(self, guess: Guess, paths, t: int) -> torch.Tensor:
        """log p_θ(x_{t−1} | x_t) along the paths: N(μ_θ(x_t, t), σ_t²)."""
        t, paths = self._step(t), self._paths(paths)
        return log_normal(paths[t - 1], self.model_mean(guess, paths[t], t), self.sigma2[t])

    def log_ratio(self, guess: Guess, paths) -> torch.Tensor:
        """log q(x_{1:T} | x₀) − log p_θ(x_{0:T}) on every path, as products of one-step densities (Markov)."""
        T, paths = self.T, self._paths(paths)
        log_q = sum(log_normal(paths[t], self.alpha[t].sqrt() * paths[t - 1], self.beta[t]) for t in range(1, T + 1))
        log_p = log_normal(paths[T], 0.0, 1.0) + sum(
            log_normal(paths[t - 1], self.model_mean(guess, paths[t], t), self.sigma2[t]) for t in range(1, T + 1)
        )
        return log_q - log_p

    def bound_terms(self, guess: Guess, x0) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """``(L_T, [L_0, L_1, …, L_{T−1}])`` in nats for each value of ``x0``: L_T and every L_{t−1} from the closed
        form of a Gaussian KL, L₀ = E[−log p_θ(x₀ | x₁)], each averaged over x_t ~ q(x_t | x₀) by quadrature (eq. 5)."""
        x0 = self._values(x0).reshape(1, -1)
        one = torch.ones((), dtype=torch.float64)
        abar, T = self.alpha_bar, self.T
        L_T = kl_normal(abar[T].sqrt() * x0, 1 - abar[T], 0 * one, one)[0]
        terms = []
        for t in range(1, T + 1):
            x_t = abar[t].sqrt() * x0 + (1 - abar[t]).sqrt() * self.nodes
            mu = self.model_mean(guess, x_t, t)
            if t == 1:
                inner = -log_normal(x0, mu, self.sigma2[1])
            else:
                inner = kl_normal(self.coef_x0[t] * x0 + self.coef_xt[t] * x_t, self.beta_tilde[t], mu, self.sigma2[t])
            terms.append((inner * self.node_weight).sum(0))
        return L_T, terms
