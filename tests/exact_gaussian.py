"""1-D Gaussian data N(MEAN, STD²), whose exact answers are affine in x: the exact ε*, the exact consistency function,
and a per-index affine network that can represent both (tests/test_distill.py, tests/test_consistency.py)."""

import torch
import torch.nn as nn

MEAN, STD = 0.3, 0.5


class GaussianEps(nn.Module):
    """The exact ε*(x, t) on ``schedule``: E[ε | x_t = x] = b (x − a MEAN)/(a² STD² + b²), a = √ᾱ_t, b = √(1 − ᾱ_t);
    as a v- or x₀-model with ``prediction``."""

    def __init__(self, schedule, prediction="eps"):
        super().__init__()
        self.schedule, self.prediction, self.num_timesteps = schedule, prediction, len(schedule)
        self.anchor = nn.Parameter(torch.zeros(()))  # a parameter, so deepcopy/train/sample see an ordinary module

    def forward(self, x, t):
        a = self.schedule.sqrt_alphas_cumprod[t].reshape(-1, 1).to(x.dtype)
        b = self.schedule.sqrt_one_minus_alphas_cumprod[t].reshape(-1, 1).to(x.dtype)
        eps = b * (x - a * MEAN) / (a**2 * STD**2 + b**2) + 0 * self.anchor
        x0 = (x - b * eps) / a
        return {"eps": eps, "x0": x0, "v": a * eps - b * x0}[self.prediction]


def exact_consistency(schedule, x, t):
    """Where the probability-flow ODE carries x_t at the chain's smallest level σ_0 (index 0, the consistency models'
    σ_min). In y = x/√ᾱ, σ = √((1 − ᾱ)/ᾱ) the marginal is N(MEAN, STD² + σ²) and the ODE dy/dσ = (y − MEAN) σ/(STD² + σ²)
    scales y − MEAN by √(STD² + σ²): f*(x, t) = MEAN + (y − MEAN) √(STD² + σ_0²)/√(STD² + σ_t²)."""
    sigmas = schedule.sqrt_recipm1_alphas_cumprod
    sigma = sigmas[t].reshape(-1, 1).to(x.dtype)
    y = x * (1 + sigma**2).sqrt()
    return MEAN + (y - MEAN) * (STD**2 + sigmas[0].to(x.dtype) ** 2).sqrt() / (STD**2 + sigma**2).sqrt()


class AffinePerIndex(nn.Module):
    """A network that can represent any affine map x ↦ w_t x + c_t per index t (the exact answers' form here)."""

    def __init__(self, T):
        super().__init__()
        self.num_timesteps, self.config = T, {"model": "AffinePerIndex", "T": T}  # config: checkpoints store it
        self.w, self.c = nn.Parameter(torch.zeros(T)), nn.Parameter(torch.zeros(T))

    def forward(self, x, t):
        return self.w[t].reshape(-1, 1).to(x.dtype) * x + self.c[t].reshape(-1, 1).to(x.dtype)
