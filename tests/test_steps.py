"""The step functions against reference formulas in float64, and the identities that tie them together:
DDIM with η = 1 between consecutive steps is DDPM with σ² = β̃; Euler in (y, σ) is DDIM with η = 0; Heun is exact
when the slope is linear in σ; the loop keeps the states it is asked for."""

import math

import torch

from ddpm_lessons import DiffusionSchedule, kernels, steps

G = torch.Generator().manual_seed(1)
X, EPS, Z = (torch.randn(4, 3, dtype=torch.float64, generator=G) for _ in range(3))


def test_ddpm_step_is_algorithm_2_and_adds_no_noise_at_index_0(linear64):
    s = linear64
    for t, variance in ((400, s.betas[400]), (1, s.betas[1])):
        mean = (X - s.betas[t] / (1 - s.alphas_cumprod[t]).sqrt() * EPS) / s.alphas[t].sqrt()
        got = steps.ddpm_step(s, X, t, EPS, Z, log_variance=kernels.reverse_log_variance(s, "beta"))
        assert torch.allclose(got, mean + variance.sqrt() * Z, rtol=1e-9, atol=1e-9)
    last = steps.ddpm_step(s, X, 0, EPS, Z, log_variance=s.beta_log_variance_clipped)
    assert torch.equal(last, kernels.reverse_mean(s, X, 0, EPS, False)[0])


def test_ddim_eta_one_between_consecutive_steps_is_ddpm_with_posterior_variance(linear64):
    s = linear64
    for t in (999, 500, 3, 1):
        ddim = steps.ddim_step(s, X, t, t - 1, EPS, Z, eta=1.0)
        ddpm = steps.ddpm_step(s, X, t, EPS, Z, log_variance=s.posterior_log_variance_clipped)
        assert torch.allclose(ddim, ddpm, rtol=1e-9, atol=1e-9), t


def test_ddim_reference_formula_and_tensor_timesteps(linear64):
    s = linear64
    t, t_prev, eta = 600, 200, 0.4
    ab, ab_prev = s.alphas_cumprod[t], s.alphas_cumprod[t_prev]
    sigma = eta * ((1 - ab_prev) / (1 - ab) * (1 - ab / ab_prev)).sqrt()
    x0 = (X - (1 - ab).sqrt() * EPS) / ab.sqrt()
    expected = ab_prev.sqrt() * x0 + (1 - ab_prev - sigma**2).sqrt() * EPS + sigma * Z
    assert torch.allclose(steps.ddim_step(s, X, t, t_prev, EPS, Z, eta=eta), expected, rtol=1e-9, atol=1e-9)
    per_element = steps.ddim_step(s, X, torch.full((4,), t), torch.full((4,), t_prev), EPS, Z, eta=eta)
    assert torch.allclose(per_element, expected, rtol=1e-12, atol=1e-12)
    to_x0 = steps.ddim_step(s, X, torch.tensor([t] * 4), torch.tensor([-1] * 4), EPS, None)
    assert torch.allclose(to_x0, x0, rtol=1e-9, atol=1e-9), "t_prev = -1 steps to x̂0 (ᾱ := 1)"


def test_euler_in_sigma_is_ddim_eta_zero(linear64):
    s = linear64
    ab = s.alphas_cumprod
    sigma = ((1 - ab) / ab).sqrt()
    for t, t_prev in ((999, 700), (300, 10), (20, -1)):
        sigma_prev = sigma[t_prev] if t_prev >= 0 else torch.tensor(0.0, dtype=torch.float64)
        euler = steps.euler_step(X, sigma[t], sigma_prev, EPS)
        assert torch.allclose(euler, steps.ddim_step(s, X, t, t_prev, EPS, None), rtol=1e-10, atol=1e-10)


def test_heun_is_exact_when_the_slope_is_linear_in_sigma():
    # dy/dσ = c0 + c1 σ integrates to y(σ′) = y(σ) + c0 (σ′ − σ) + c1 (σ′² − σ²)/2: the trapezoid rule is exact.
    c0, c1, sigma, sigma_next = 0.3, -0.7, 2.0, 0.5
    y = torch.tensor([[1.0, -2.0]], dtype=torch.float64)
    x = y / math.sqrt(1 + sigma**2)

    def eps_at(level):
        return torch.full_like(x, c0 + c1 * level)

    def euler(state, slope):
        return steps.euler_step(state, sigma, sigma_next, slope)

    got = steps.heun_step(euler, x, eps_at(sigma), lambda predicted: eps_at(sigma_next), last=False)
    exact = y + c0 * (sigma_next - sigma) + c1 * (sigma_next**2 - sigma**2) / 2
    assert torch.allclose(got * math.sqrt(1 + sigma_next**2), exact, rtol=0, atol=1e-14)
    assert torch.equal(steps.heun_step(euler, x, eps_at(sigma), None, last=True), euler(x, eps_at(sigma)))


def test_guided_eps_and_model_eps():
    cond, uncond = torch.ones(2, 3), torch.zeros(2, 3)
    assert torch.equal(steps.guided_eps(cond, uncond, 2.0), torch.full((2, 3), 3.0))

    class Conditional(torch.nn.Module):
        null_label = 9

        def forward(self, x, t, labels=None):
            return x * 0 + (labels.to(x.dtype)[:, None] if labels is not None else 1.0)

    model, labels = Conditional(), torch.tensor([1, 2])
    assert torch.equal(steps.model_eps(model, cond, torch.zeros(2), labels, 0.0), torch.tensor([[1.0] * 3, [2.0] * 3]))
    guided = steps.model_eps(model, cond, torch.zeros(2), labels, 1.0)  # 2 ε_c − ε_∅, ε_∅ = 9
    assert torch.equal(guided, torch.tensor([[-7.0] * 3, [-5.0] * 3]))


def test_run_chain_passes_the_table_and_keeps_the_asked_states():
    calls = []

    def step(x, t, t_prev, eps, z):
        calls.append((t, t_prev, eps.item(), z))
        return x + 1

    table = [(4, 2), (2, 0), (0, -1)]
    x, kept = steps.run_chain(torch.zeros(()), table, step, lambda x, t: x * 10, keep=frozenset({0, -1}))
    assert calls == [(4, 2, 0.0, None), (2, 0, 10.0, None), (0, -1, 20.0, None)]
    assert x.item() == 3 and {k: v.item() for k, v in kept.items()} == {0: 2.0, -1: 3.0}
    draws = iter([5, 6, 7])
    steps.run_chain(torch.zeros(()), table, step, lambda x, t: x, draw=lambda: next(draws))
    assert [call[3] for call in calls[3:]] == [5, 6, 7]


def test_a_float32_schedule_steps_float32_states():
    s = DiffusionSchedule.linear(10)
    x = torch.randn(2, 2)
    assert steps.ddim_step(s, x, 9, 4, x, x, eta=0.5).dtype == torch.float32


def _vp(schedule, t):
    # (α, σ, λ) of the DPM-Solver++ paper at index t: α = √ᾱ, σ = √(1 − ᾱ), λ = log(α/σ); index −1 is x₀ (σ = 0)
    if t < 0:
        return 1.0, 0.0, math.inf
    ab = schedule.alphas_cumprod[t].item()
    return math.sqrt(ab), math.sqrt(1 - ab), math.log(math.sqrt(ab) / math.sqrt(1 - ab))


def test_dpmpp_2m_steps_are_the_papers_update_by_hand(linear64):
    # Lu et al. 2022, Algorithm 2 in its own variables: x_i = (σ_i/σ_{i−1}) x_{i−1} − α_i (e^{−h_i} − 1) D_i,
    # D = x̂₀ on the first step, D = (1 + 1/(2r)) x̂₀_{i−1} − 1/(2r) x̂₀_{i−2} after it (r = h_{i−1}/h_i)
    s = linear64
    (a0, s0, l0), (a1, s1, l1), (a2, s2, l2) = (_vp(s, t) for t in (900, 500, 200))
    edm = [s_ / a for a, s_ in ((a0, s0), (a1, s1), (a2, s2))]  # the σ of (y, σ) that dpmpp_2m_step takes
    x0_a, x0_b = X, EPS  # two x̂₀ predictions, arbitrary
    first = steps.dpmpp_2m_step(X, edm[0], edm[1], x0_a)
    h1 = l1 - l0
    by_hand = (s1 / s0) * X - a1 * (math.exp(-h1) - 1) * x0_a
    assert torch.allclose(first, by_hand, rtol=1e-12, atol=1e-12)
    assert torch.allclose(first, steps.euler_step(X, edm[0], edm[1], (X / a0 - x0_a) / edm[0]), atol=1e-12), "= DDIM"
    second = steps.dpmpp_2m_step(first, edm[1], edm[2], x0_b, (x0_a, edm[0]))
    h2 = l2 - l1
    r = h1 / h2
    d = (1 + 1 / (2 * r)) * x0_b - 1 / (2 * r) * x0_a
    by_hand = (s2 / s1) * first - a2 * (math.exp(-h2) - 1) * d
    assert torch.allclose(second, by_hand, rtol=1e-12, atol=1e-12)
    last = steps.dpmpp_2m_step(second, edm[2], 0.0, Z, (x0_b, edm[1]), last=True)
    assert torch.equal(last, Z), "the step to σ = 0 returns the denoised x̂₀ (first order)"


def test_the_dpmpp_2m_memory_takes_a_first_order_step_first():
    solver = steps.DPMSolverPP2M()
    one = solver(X, 3.0, 1.0, EPS, last=False)
    assert torch.equal(one, steps.dpmpp_2m_step(X, 3.0, 1.0, EPS))
    two = solver(one, 1.0, 0.3, Z, last=False)
    assert torch.equal(two, steps.dpmpp_2m_step(one, 1.0, 0.3, Z, (EPS, 3.0)))
    assert not torch.allclose(two, steps.dpmpp_2m_step(one, 1.0, 0.3, Z), atol=1e-3), "the second step extrapolates"


def test_eps_from_prediction_inverts_each_target(linear64):
    s = linear64
    x0 = X
    for t in (999, 400, 0):
        a, b = s.sqrt_alphas_cumprod[t], s.sqrt_one_minus_alphas_cumprod[t]
        x_t = a * x0 + b * EPS
        v = a * EPS - b * x0  # Salimans & Ho 2022
        assert torch.equal(steps.eps_from_prediction(s, x_t, t, EPS, "eps"), EPS)
        assert torch.allclose(steps.eps_from_prediction(s, x_t, t, v, "v"), EPS, rtol=0, atol=1e-12)
        tolerance = 1e-12 / b.item()  # ε = (x_t − √ᾱ x₀)/√(1 − ᾱ) divides by √(1 − ᾱ) = 0.01 at t = 0
        assert torch.allclose(steps.eps_from_prediction(s, x_t, t, x0, "x0"), EPS, rtol=0, atol=tolerance)


# ------------------------------------------------- issue 22, lesson A: a network's own x̂₀, and steps from ᾱ = 0
def test_x0_from_prediction_is_the_networks_own_x0_for_each_target(linear64):
    s = linear64
    t = torch.tensor([0, 10, 500, 998])
    ab = s.alphas_cumprod[t][:, None]
    x_t = ab.sqrt() * X + (1 - ab).sqrt() * EPS
    v = ab.sqrt() * EPS - (1 - ab).sqrt() * X
    assert steps.x0_from_prediction(s, x_t, t, EPS, "eps") is None, "ε-models: the steps use eq. 15"
    assert torch.equal(steps.x0_from_prediction(s, x_t, t, X, "x0"), X)
    assert torch.allclose(steps.x0_from_prediction(s, x_t, t, v, "v"), X, rtol=0, atol=1e-12)
    split = steps.split_prediction(s, x_t, t, v, "v")
    assert torch.equal(split.eps, steps.eps_from_prediction(s, x_t, t, v, "v"))
    assert torch.equal(split.x0, steps.x0_from_prediction(s, x_t, t, v, "v"))
    assert steps.split_prediction(s, x_t, t, EPS, "eps") == (EPS, None)


def test_from_alpha_bar_zero_each_step_uses_the_given_x0_and_eps_equal_to_x(linear64):
    s = DiffusionSchedule.linear(1000, dtype=torch.float64).zero_terminal_snr()
    T, prev = 999, 979
    ab_prev = s.alphas_cumprod[prev]
    eps = steps.eps_from_prediction(s, X, T, -Z, "v")  # ᾱ = 0: ε = √ᾱ v + √(1 − ᾱ) x = x, x̂₀ = −v
    x0 = steps.x0_from_prediction(s, X, T, -Z, "v")
    assert torch.equal(eps, X) and torch.equal(x0, Z)
    ddim = steps.ddim_step(s, X, T, prev, eps, None, x0=x0)
    assert torch.allclose(ddim, ab_prev.sqrt() * Z + (1 - ab_prev).sqrt() * X, rtol=1e-12, atol=1e-12)
    clipped = steps.ddim_step(s, X, T, prev, eps, None, x0=x0 * 10, clip_denoised=True)
    expected = ab_prev.sqrt() * (x0 * 10).clamp(-1, 1) + (1 - ab_prev).sqrt() * X  # ε stays x_T at ᾱ = 0
    assert torch.allclose(clipped, expected, rtol=1e-12, atol=1e-12)
    # DDPM: μ̃ = coef1 x̂₀ + coef2 x_T with coef2 = 0 at ᾱ = 0 (α_T = 0), σ² = β_T = 1
    ddpm = steps.ddpm_step(s, X, T, eps, Z, log_variance=s.beta_log_variance_clipped, x0=x0)
    assert torch.allclose(ddpm, s.alphas_cumprod[T - 1].sqrt() * x0 + Z, rtol=1e-12, atol=1e-12)
    assert torch.isfinite(ddim).all() and torch.isfinite(ddpm).all()
