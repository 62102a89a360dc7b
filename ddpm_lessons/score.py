"""The score view of DDPM (lessons 09a and 09b): exact noised scores of Gaussian mixtures, ε ↔ score ↔ x̂₀ ↔ velocity, the VP-SDE.

For data q(x₀) = Σ_k π_k N(μ_k, s_k² I) and x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε, the noised marginal is again a mixture,
q_t(x) = Σ_k π_k N(√ᾱ_t μ_k, (ᾱ_t s_k² + 1 − ᾱ_t) I), so its score ∇log q_t, the optimal noise predictor
ε*(x_t, t) = −√(1 − ᾱ_t) ∇log q_t(x_t) (Vincent 2011; Song & Ermon 2019) and E[x₀ | x_t] (Tweedie's formula,
Efron 2011) are known exactly: lessons 09a and 09b compare every learned quantity with them.

- mixtures: :func:`noised_log_prob`, :func:`noised_score`, :func:`optimal_eps`, :func:`posterior_mean`
  (E[x₀ | x] for any Gaussian path x = a x₀ + b ε);
- a finite training set: :func:`point_cloud_posterior` (E[x₀ | x_t] and Var[x₀ | x_t] when the data are the N
  points themselves: lesson 06's floor of the training loss);
- conversions for x = √ᾱ x₀ + √(1 − ᾱ) ε: :func:`score_from_eps`, :func:`eps_from_score`, :func:`x0_from_eps`,
  :func:`eps_from_x0`, :func:`tweedie_x0`, :func:`velocity_from_eps`, :func:`eps_from_velocity`, and
  v-prediction's (Salimans & Ho 2022; issue 22, lesson A) :func:`v_from_eps`, :func:`eps_from_v`, :func:`x0_from_v`;
- :class:`VPSDE`: the variance-preserving SDE of Song et al. 2021 ("Score-Based Generative Modeling through
  Stochastic Differential Equations"), its reverse-time SDE (Anderson 1982) and its probability-flow ODE (Song et
  al. 2021), with an Euler(–Maruyama) sampler. Lesson 09a, section 2, and lesson 09b, section 1.

Shapes: points ``x`` are ``(B, D)``; ``alpha_bar`` is a number or a tensor of shape ``()`` or ``(B,)``.
"""

from __future__ import annotations

import math

import torch

from .validation import (
    InputError,
    as_timesteps,
    check_finite_result,
    check_levels,
    check_positive_int,
    check_real,
    check_same_shape,
    check_schedule,
    check_tensor,
)

__all__ = [
    "noised_log_prob",
    "noised_score",
    "optimal_eps",
    "posterior_mean",
    "point_cloud_posterior",
    "score_from_eps",
    "eps_from_score",
    "x0_from_eps",
    "eps_from_x0",
    "tweedie_x0",
    "velocity_from_eps",
    "eps_from_velocity",
    "v_from_eps",
    "eps_from_v",
    "x0_from_v",
    "VPSDE",
    "MixtureEps",
]


def _mixture(mixture, x: torch.Tensor):
    """(log π (K,), μ (K, D), s² (K,)) in x's dtype, for a GaussianMixture or a GaussianMixture1D."""
    for attribute in ("weights", "means", "stds"):
        if not hasattr(mixture, attribute):
            raise InputError(
                f"mixture must have weights, means and stds (a GaussianMixture), got {type(mixture).__name__}",
                parameter="mixture",
            )
    means = mixture.means if mixture.means.dim() == 2 else mixture.means[:, None]
    check_tensor(x, "x")
    if x.dim() != 2 or x.shape[1] != means.shape[1]:
        raise InputError(
            f"x must have shape (B, {means.shape[1]}) for this mixture, got {tuple(x.shape)}", parameter="x"
        )
    to = {"dtype": x.dtype, "device": x.device}
    return torch.log(mixture.weights.to(**to)), means.to(**to), (mixture.stds**2).to(**to)


def _components(mixture, x, a, b):
    # q(x) = Σ π_k N(a μ_k, (a² s_k² + b²) I): log π_k + log N_k (B, K), the centres a μ_k (B, K, D), variances (B, K)
    log_w, means, variances = _mixture(mixture, x)
    centres = a[:, :, None] * means[None]
    v = a**2 * variances[None] + b**2
    squared = ((x[:, None, :] - centres) ** 2).sum(-1)
    log_joint = log_w - 0.5 * squared / v - 0.5 * x.shape[1] * torch.log(2 * math.pi * v)
    return log_joint, centres, v, means, variances


def noised_log_prob(mixture, x: torch.Tensor, alpha_bar) -> torch.Tensor:
    """log q_t(x) of a mixture noised to level ᾱ: Σ_k π_k N(x; √ᾱ μ_k, (ᾱ s_k² + 1 − ᾱ) I), shape ``(B,)``.

    ``alpha_bar`` in (0, 1] (1 is the data itself). Computed with logsumexp, in x's dtype.
    """
    check_tensor(x, "x")
    ab = check_levels(alpha_bar, x, "alpha_bar")
    log_joint, *_ = _components(mixture, x, ab.sqrt(), (1 - ab).sqrt())
    return check_finite_result(torch.logsumexp(log_joint, dim=1), {"x": x}, "log q_t(x)")


def noised_score(mixture, x: torch.Tensor, alpha_bar) -> torch.Tensor:
    """The exact score ∇_x log q_t(x) = Σ_k r_k(x) (√ᾱ μ_k − x)/v_k, v_k = ᾱ s_k² + 1 − ᾱ, shape ``(B, D)``.

    r_k(x) are the responsibilities π_k N_k(x)/q_t(x) (softmax of the log joint). Equals the autograd gradient of
    :func:`noised_log_prob` (lesson 09a and tests/test_score.py check it).
    """
    check_tensor(x, "x")
    ab = check_levels(alpha_bar, x, "alpha_bar")
    log_joint, centres, v, *_ = _components(mixture, x, ab.sqrt(), (1 - ab).sqrt())
    r = torch.softmax(log_joint, dim=1)
    return check_finite_result(((r / v)[:, :, None] * (centres - x[:, None, :])).sum(1), {"x": x}, "the score")


def optimal_eps(mixture, x: torch.Tensor, alpha_bar) -> torch.Tensor:
    """ε*(x_t, t) = E[ε | x_t] = −√(1 − ᾱ_t) ∇log q_t(x_t): the minimiser of L_simple at each t, ``(B, D)``."""
    check_tensor(x, "x")
    ab = check_levels(alpha_bar, x, "alpha_bar", high_open=True)
    return -(1 - ab).sqrt() * noised_score(mixture, x, alpha_bar)


def posterior_mean(mixture, x: torch.Tensor, signal, noise) -> torch.Tensor:
    """E[x₀ | x] for x = a x₀ + b ε (``signal`` a ∈ [0, 1], ``noise`` b ∈ (0, 1]), computed per component:
    Σ_k r_k(x) [μ_k + a s_k²/(a² s_k² + b²) (x − a μ_k)] (Bayes' rule for a Gaussian; no score involved).

    For the DDPM path a = √ᾱ, b = √(1 − ᾱ), this is what :func:`tweedie_x0` must give from the score; for the
    flow-matching path a = 1 − s, b = s (:func:`ddpm_lessons.flow.exact_velocity`).
    """
    check_tensor(x, "x")
    a = check_levels(signal, x, "signal", low_open=False)
    b = check_levels(noise, x, "noise")
    log_joint, centres, v, means, variances = _components(mixture, x, a, b)
    r = torch.softmax(log_joint, dim=1)
    per_component = means[None] + (a * variances[None] / v)[:, :, None] * (x[:, None, :] - centres)
    return check_finite_result((r[:, :, None] * per_component).sum(1), {"x": x}, "E[x0 | x]")


def point_cloud_posterior(points: torch.Tensor, x: torch.Tensor, alpha_bar) -> tuple[torch.Tensor, torch.Tensor]:
    """E[x₀ | x_t] ``(B, D)`` and the posterior variance per coordinate, tr Var[x₀ | x_t]/D ``(B,)``, when the data
    are the N ``points`` ``(N, D)`` themselves, q(x₀) = (1/N) Σ_j δ(x₀ − y_j) with y_j the j-th point, and
    x_t = √ᾱ x₀ + √(1 − ᾱ) ε.

    Lesson 06, section 2b. Bayes' rule over the N points gives the posterior weights, a softmax:
    w_j(x_t) ∝ exp(−‖x_t − √ᾱ y_j‖²/(2(1 − ᾱ))) = exp(−ᾱ‖x_t/√ᾱ − y_j‖²/(2(1 − ᾱ))), so
    E[x₀ | x_t] = Σ_j w_j y_j and ε*(x_t) = (x_t − √ᾱ E[x₀ | x_t])/√(1 − ᾱ) is the exact minimiser of L_simple on
    this training set (the memorising optimum; it reproduces the points only as the noise vanishes). Its floor
    (lesson 06, section 2b, "The moons' own floor"), E[‖ε − ε*‖² | x_t] = ᾱ/(1 − ᾱ) · tr Var[x₀ | x_t], is
    ``alpha_bar / (1 - alpha_bar) * variance`` per coordinate.

    Distances are taken from x_t/√ᾱ, and the variance as Σ_j w_j ‖y_j − E[x₀ | x_t]‖²/D (never negative), so that
    nothing cancels when the noise is small. ``alpha_bar`` in (0, 1): a number or a ``(B,)`` tensor. Computed in x's
    dtype, a few queries at a time (memory about 4 M distances per chunk).
    """
    check_tensor(points, "points")
    check_tensor(x, "x")
    if points.dim() != 2 or points.shape[0] < 1:
        raise InputError(f"points must have shape (N, D) with N >= 1, got {tuple(points.shape)}", parameter="points")
    if x.dim() != 2 or x.shape[1] != points.shape[1]:
        raise InputError(f"x must have shape (B, {points.shape[1]}) like points, got {tuple(x.shape)}", parameter="x")
    ab = check_levels(alpha_bar, x, "alpha_bar", high_open=True)
    points = points.to(dtype=x.dtype, device=x.device)
    chunk = max(1, 4_000_000 // (points.shape[0] * points.shape[1]))
    means, variances = [], []
    for start in range(0, x.shape[0], chunk):
        a = ab[start : start + chunk]  # (C, 1)
        centre = x[start : start + chunk] / a.sqrt()  # x_t/√ᾱ, where a point would sit without noise
        # one (C, N) tensor per coordinate: y_j − x_t/√ᾱ (a (C, N, D) tensor is slower to reduce over D)
        offsets = [points[:, k][None] - centre[:, k : k + 1] for k in range(points.shape[1])]
        squared = sum(offset**2 for offset in offsets)
        weights = torch.softmax(-a * squared / (2 * (1 - a)), dim=1)  # Bayes over the N points
        shifts = [(weights * offset).sum(1, keepdim=True) for offset in offsets]  # E[x₀ | x_t] − x_t/√ᾱ
        spread = sum((offset - shift) ** 2 for offset, shift in zip(offsets, shifts))  # ‖y_j − E[x₀ | x_t]‖²
        means.append(centre + torch.cat(shifts, dim=1))
        variances.append((weights * spread).sum(1) / x.shape[1])
    inputs = {"x": x, "points": points}
    mean, variance = torch.cat(means), torch.cat(variances)
    return check_finite_result(mean, inputs, "E[x0 | x]"), check_finite_result(variance, inputs, "Var[x0 | x]")


def _pair(x, other, name):
    check_tensor(x, "x")
    check_tensor(other, name)
    check_same_shape(x, other, "x", name)


def _scales(x, alpha_bar, *, strict=True):
    ab = check_levels(alpha_bar, x, "alpha_bar", high_open=strict)
    if x.dim() > 2:
        ab = ab.reshape(x.shape[0], *([1] * (x.dim() - 1)))
    return ab.sqrt(), (1 - ab).sqrt()


def score_from_eps(eps: torch.Tensor, alpha_bar) -> torch.Tensor:
    """s = −ε / √(1 − ᾱ_t): a noise prediction as a score estimate (divide by √(1 − ᾱ), not by 1 − ᾱ)."""
    check_tensor(eps, "eps")
    _, b = _scales(eps, alpha_bar)
    return check_finite_result(-eps / b, {"eps": eps}, "the score")


def eps_from_score(score: torch.Tensor, alpha_bar) -> torch.Tensor:
    """ε = −√(1 − ᾱ_t) s: the inverse of :func:`score_from_eps`."""
    check_tensor(score, "score")
    _, b = _scales(score, alpha_bar)
    return check_finite_result(-b * score, {"score": score}, "eps")


def x0_from_eps(x: torch.Tensor, eps: torch.Tensor, alpha_bar) -> torch.Tensor:
    """x̂₀ = (x_t − √(1 − ᾱ) ε)/√ᾱ (DDPM eq. 15) at a level ᾱ rather than a schedule index."""
    _pair(x, eps, "eps")
    a, b = _scales(x, alpha_bar)
    return check_finite_result((x - b * eps) / a, {"x": x, "eps": eps}, "x0")


def eps_from_x0(x: torch.Tensor, x0: torch.Tensor, alpha_bar) -> torch.Tensor:
    """ε = (x_t − √ᾱ x̂₀)/√(1 − ᾱ): the inverse of :func:`x0_from_eps`."""
    _pair(x, x0, "x0")
    a, b = _scales(x, alpha_bar)
    return check_finite_result((x - a * x0) / b, {"x": x, "x0": x0}, "eps")


def tweedie_x0(x: torch.Tensor, score: torch.Tensor, alpha_bar) -> torch.Tensor:
    """Tweedie's formula: E[x₀ | x_t] = (x_t + (1 − ᾱ_t) ∇log q_t(x_t))/√ᾱ_t (Efron 2011, for x_t = √ᾱ x₀ + √(1−ᾱ) ε)."""
    _pair(x, score, "score")
    a, b = _scales(x, alpha_bar, strict=False)
    return check_finite_result((x + b**2 * score) / a, {"x": x, "score": score}, "E[x0 | x]")


def velocity_from_eps(x: torch.Tensor, eps: torch.Tensor, alpha_bar) -> torch.Tensor:
    """The flow-matching velocity u = ε − x̂₀ of the straight path (1 − s) x₀ + s ε, from a noise prediction at x_t
    on the DDPM path (x̂₀ by eq. 15). The VP state x_t and the flow state x_t/(√ᾱ + √(1 − ᾱ)) share x̂₀ and ε, so
    this is the velocity at the flow state (see :mod:`ddpm_lessons.flow`). Not v-prediction (Salimans & Ho 2022),
    which is √ᾱ ε − √(1 − ᾱ) x₀."""
    return eps - x0_from_eps(x, eps, alpha_bar)


def eps_from_velocity(x: torch.Tensor, velocity: torch.Tensor, alpha_bar) -> torch.Tensor:
    """ε = (x_t + √ᾱ u)/(√ᾱ + √(1 − ᾱ)): the inverse of :func:`velocity_from_eps` (from x_t = √ᾱ (ε − u) + √(1 − ᾱ) ε)."""
    _pair(x, velocity, "velocity")
    a, b = _scales(x, alpha_bar)
    return check_finite_result((x + a * velocity) / (a + b), {"x": x, "velocity": velocity}, "eps")


def v_from_eps(x: torch.Tensor, eps: torch.Tensor, alpha_bar) -> torch.Tensor:
    """v-prediction's target v = √ᾱ ε − √(1 − ᾱ) x₀ (Salimans & Ho 2022, §4; issue 22, lesson A) from a noise
    prediction at x_t: with x̂₀ = (x_t − √(1 − ᾱ) ε)/√ᾱ it is v = (ε − √(1 − ᾱ) x_t)/√ᾱ. Not the flow-matching
    velocity of :func:`velocity_from_eps`: v is the rate of change of x_φ = cos φ x₀ + sin φ ε in the angle φ with
    (cos φ, sin φ) = (√ᾱ, √(1 − ᾱ)), whereas that velocity belongs to the straight path."""
    _pair(x, eps, "eps")
    a, b = _scales(x, alpha_bar, strict=False)
    return check_finite_result((eps - b * x) / a, {"x": x, "eps": eps}, "v")


def eps_from_v(x: torch.Tensor, v: torch.Tensor, alpha_bar) -> torch.Tensor:
    """ε = √ᾱ v + √(1 − ᾱ) x_t, the inverse of :func:`v_from_eps`: √ᾱ v + √(1 − ᾱ) x_t = ᾱ ε − √ᾱ√(1 − ᾱ) x₀
    + √(1 − ᾱ)√ᾱ x₀ + (1 − ᾱ) ε = ε. What :func:`ddpm_lessons.sample` does with ``prediction="v"``."""
    _pair(x, v, "v")
    a, b = _scales(x, alpha_bar, strict=False)
    return check_finite_result(a * v + b * x, {"x": x, "v": v}, "eps")


def x0_from_v(x: torch.Tensor, v: torch.Tensor, alpha_bar) -> torch.Tensor:
    """x̂₀ = √ᾱ x_t − √(1 − ᾱ) v (Salimans & Ho 2022, §4): the rotation of (x_t, v) back to (x₀, ε); no division,
    so it is well defined at every noise level, ᾱ → 0 included."""
    _pair(x, v, "v")
    a, b = _scales(x, alpha_bar, strict=False)
    return check_finite_result(a * x - b * v, {"x": x, "v": v}, "x0")


class VPSDE:
    """The variance-preserving SDE dx = −½ β(τ) x dτ + √β(τ) dW on τ ∈ [0, 1] (Song et al. 2021; lesson 09a, section 2).

    β(τ) = β_min + τ (β_max − β_min); the marginal is x_τ = √ᾱ(τ) x₀ + √(1 − ᾱ(τ)) ε with
    ᾱ(τ) = exp(−β_min τ − ½ (β_max − β_min) τ²). DDPM's linear schedule with T steps from β_1 to β_T is its
    discretisation with β_min = T β_1, β_max = T β_T (:meth:`from_schedule`) and code index i at τ = (i + 1)/T.
    """

    def __init__(self, beta_min: float = 0.1, beta_max: float = 20.0):
        self.beta_min = check_real(beta_min, "beta_min", minimum=0.0)
        self.beta_max = check_real(beta_max, "beta_max", minimum=self.beta_min)
        if self.beta_max <= 0:
            raise InputError(f"beta_max must be > 0, got {beta_max}")

    @classmethod
    def from_schedule(cls, schedule) -> VPSDE:
        """The SDE a linear :class:`~ddpm_lessons.schedule.DiffusionSchedule` discretises (β_min = T β_start, …)."""
        check_schedule(schedule)
        config = schedule.config
        if config.get("name") != "linear":
            raise InputError(
                f"schedule must be a linear schedule (DiffusionSchedule.linear), got {config.get('name')!r}"
            )
        return cls(config["T"] * config["beta_start"], config["T"] * config["beta_end"])

    def __repr__(self) -> str:
        return f"VPSDE(beta_min={self.beta_min:g}, beta_max={self.beta_max:g})"

    def _tau(self, tau):
        if isinstance(tau, torch.Tensor):
            if not bool(((tau >= 0) & (tau <= 1)).all()):
                raise InputError("tau must lie in [0, 1]")
            return tau
        return check_real(tau, "tau", minimum=0.0, maximum=1.0)

    def beta(self, tau):
        """β(τ) = β_min + τ (β_max − β_min)."""
        return self.beta_min + self._tau(tau) * (self.beta_max - self.beta_min)

    def alpha_bar(self, tau):
        """ᾱ(τ) = exp(−∫₀^τ β) = exp(−β_min τ − ½ (β_max − β_min) τ²)."""
        tau = self._tau(tau)
        exponent = -self.beta_min * tau - 0.5 * (self.beta_max - self.beta_min) * tau**2
        return torch.exp(exponent) if isinstance(tau, torch.Tensor) else math.exp(exponent)

    def drift(self, x: torch.Tensor, tau):
        """f(x, τ) = −½ β(τ) x, the forward drift."""
        return -0.5 * self.beta(tau) * check_tensor(x, "x")

    def diffusion(self, tau):
        """g(τ) = √β(τ), the forward diffusion coefficient."""
        tau = float(tau) if isinstance(tau, torch.Tensor) and tau.dim() == 0 else tau  # a 0-d tensor, as before
        return math.sqrt(self.beta(tau))

    def reverse_drift(self, x: torch.Tensor, tau, score: torch.Tensor) -> torch.Tensor:
        """f − g² ∇log q_τ = −½ β(τ) x − β(τ) ∇log q_τ(x): the drift of the reverse-time SDE (Anderson 1982),
        run from τ = 1 down to 0 as dx = [f − g² ∇log q_τ] dτ + g dW̄."""
        _pair(x, score, "score")
        beta = self.beta(tau)
        return -0.5 * beta * x - beta * score

    def ode_drift(self, x: torch.Tensor, tau, score: torch.Tensor) -> torch.Tensor:
        """f − ½ g² ∇log q_τ = −½ β(τ) (x + ∇log q_τ(x)): the probability-flow ODE (Song et al. 2021; lesson 09b, section 1)."""
        _pair(x, score, "score")
        return -0.5 * self.beta(tau) * (x + score)

    def sample(
        self, score_fn, x: torch.Tensor, steps: int, *, ode: bool = False, tau_min: float = 1e-3, generator=None
    ):
        """Integrate from τ = 1 to ``tau_min`` in ``steps`` equal steps h: the reverse SDE by Euler–Maruyama,
        x ← x − h [f − g² s] + g √h z, or with ``ode=True`` the probability-flow ODE by Euler, x ← x − h (f − ½ g² s).

        Args:
            score_fn: ``score_fn(x, tau) → ∇log q_τ(x)`` shaped like x (e.g. the exact mixture score).
            x: the start at τ = 1, ``(B, D)`` (draw it from N(0, I)); generator: for the SDE's z.
        """
        check_tensor(x, "x")
        steps = check_positive_int(steps, "steps")
        tau_min = check_real(tau_min, "tau_min", minimum=0.0, maximum=1.0)
        if tau_min >= 1:
            raise InputError(f"tau_min must be < 1, got {tau_min}")
        taus = torch.linspace(1.0, tau_min, steps + 1, dtype=torch.float64).tolist()
        for tau, tau_next in zip(taus[:-1], taus[1:]):
            h = tau - tau_next
            score = score_fn(x, tau)
            if ode:
                x = x - h * self.ode_drift(x, tau, score)
            else:
                z = torch.randn(x.shape, generator=generator, dtype=x.dtype).to(x.device)
                x = x - h * self.reverse_drift(x, tau, score) + self.diffusion(tau) * math.sqrt(h) * z
        return x


class MixtureEps(torch.nn.Module):
    """The exact ε*(x_t, t) of a Gaussian mixture as a "model" ``(x_t, t) → ε`` for a schedule (lessons 09a and 09b): what
    a perfectly trained ε-network would predict. Pass it to :func:`ddpm_lessons.sample` like a trained network to
    see a sampler's own error, free of the network's.

    It has no weights (one empty parameter tells :func:`~ddpm_lessons.sample` its device and dtype, float32);
    ε* is computed in float64 and returned in x's dtype.
    """

    def __init__(self, mixture, schedule):
        super().__init__()
        check_schedule(schedule)
        if not isinstance(getattr(mixture, "means", None), torch.Tensor):
            raise InputError(f"mixture must be a GaussianMixture, got {type(mixture).__name__}", parameter="mixture")
        _mixture(mixture, torch.zeros(1, mixture.means.shape[1] if mixture.means.dim() == 2 else 1))
        self.mixture = mixture
        self.alphas_cumprod = schedule.alphas_cumprod.detach().to(device="cpu", dtype=torch.float64)
        self.anchor = torch.nn.Parameter(torch.zeros(0), requires_grad=False)
        self.eval()

    def forward(self, x: torch.Tensor, timesteps: torch.Tensor) -> torch.Tensor:
        check_tensor(x, "x")
        t = as_timesteps(timesteps, x.shape[0], len(self.alphas_cumprod), torch.device("cpu"), name="timesteps")
        x64 = x.detach().to(device="cpu", dtype=torch.float64)
        return optimal_eps(self.mixture, x64, self.alphas_cumprod[t]).to(device=x.device, dtype=x.dtype)
