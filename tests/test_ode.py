"""Lesson 09b's ODE solvers: DDIM η = 0 is the Euler step, Heun has second-order error, sample(method="heun")."""

import math

import pytest
import torch

from ddpm_lessons import (
    DiffusionSchedule,
    InputError,
    MLPDenoiser,
    ddim_step,
    ddim_timesteps,
    ode,
    sample,
    sample_trajectory,
)


def _linear_solution_error(method, steps, a=-0.7, sigma_end=2.0):
    # dy/dσ = a y, y(0) = 1 ⇒ y(σ) = exp(aσ). The solvers work on the DDPM scale x = y/√(1 + σ²).
    levels = torch.linspace(0, sigma_end, steps + 1, dtype=torch.float64).tolist()
    eps_fn = lambda x, sigma: a * x * (1 + sigma**2) ** 0.5  # noqa: E731
    end = ode.ode_sample(eps_fn, torch.ones(1, 1, dtype=torch.float64), levels, method=method)
    return abs(end.item() * math.sqrt(1 + sigma_end**2) - math.exp(a * sigma_end))


def test_heun_is_second_order_and_euler_first_order_on_a_linear_ode():
    for method, order in (("euler", 1), ("heun", 2)):
        errors = [_linear_solution_error(method, n) for n in (20, 40, 80)]
        for coarse, fine in zip(errors[:-1], errors[1:]):
            assert coarse / fine == pytest.approx(2**order, rel=0.1), (method, errors)


@pytest.mark.parametrize("pair", [(999, 800), (600, 300), (50, 0), (20, -1), (0, -1)])
def test_ddim_eta0_is_the_euler_step(pair):
    schedule = DiffusionSchedule.linear(1000, dtype=torch.float64)
    g = torch.Generator().manual_seed(0)
    x, eps = (
        torch.randn(100, 2, dtype=torch.float64, generator=g),
        torch.randn(100, 2, dtype=torch.float64, generator=g),
    )
    i, j = pair
    ab = schedule.alphas_cumprod
    sigma_i = ode.sigma_from_alpha_bar(ab[i].item())
    sigma_j = ode.sigma_from_alpha_bar(ab[j].item()) if j >= 0 else 0.0
    assert torch.allclose(ode.euler_step(x, sigma_i, sigma_j, eps), ddim_step(schedule, x, i, j, eps), atol=1e-12)


def test_sigma_alpha_bar_round_trip():
    ab = torch.linspace(0.001, 1.0, 50, dtype=torch.float64)
    assert torch.allclose(ode.alpha_bar_from_sigma(ode.sigma_from_alpha_bar(ab)), ab, atol=1e-14)


def test_ode_timesteps_follow_ddim():
    schedule = DiffusionSchedule.linear(1000)
    indices, sigmas = ode.ode_timesteps(schedule, 4)
    pairs = ddim_timesteps(1000, 4)
    assert indices == [pairs[0][0]] + [j for _, j in pairs] == [999, 749, 499, 249, -1]
    assert sigmas[-1] == 0.0 and all(a > b for a, b in zip(sigmas[:-1], sigmas[1:]))
    assert (
        ode.ode_nfe("heun", 4) == 7 and ode.ode_nfe("euler", 4) == 4 and ode.ode_nfe("heun", 4, ends_at_zero=False) == 8
    )


def _model():
    torch.manual_seed(0)
    return MLPDenoiser(2, hidden=16, num_layers=1, num_timesteps=100).eval()


def test_sample_heun_matches_ode_sample_and_is_deterministic():
    model, schedule = _model(), DiffusionSchedule.linear(100)
    for p in model.out.parameters():  # a non-zero output so that the corrector matters
        torch.nn.init.normal_(p, std=0.3)
    x = sample(model, schedule, (64, 2), method="heun", steps=5, seed=3, progress=False)
    indices, sigmas = ode.ode_timesteps(schedule, 5)
    x_T = torch.randn((64, 2), generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        expected = ode.ode_sample(
            lambda x, i: model(x, torch.full((64,), i)), x_T, sigmas, points=indices, method="heun"
        )
    assert torch.allclose(x, expected, atol=1e-5)
    euler = sample(model, schedule, (64, 2), method="ddim", steps=5, seed=3, progress=False)
    assert not torch.allclose(x, euler, atol=1e-3)  # Heun is not DDIM
    again, trajectory = sample_trajectory(
        model, schedule, (64, 2), [99, -1], method="heun", steps=5, seed=3, progress=False
    )
    assert torch.equal(again, x) and torch.equal(trajectory[-1], x) and torch.equal(trajectory[99], x_T)


def test_sample_heun_counts_network_calls():
    model, schedule = _model(), DiffusionSchedule.linear(100)
    calls = []
    handle = model.register_forward_hook(lambda *args: calls.append(1))
    sample(model, schedule, (4, 2), method="heun", steps=6, progress=False)
    handle.remove()
    assert len(calls) == ode.ode_nfe("heun", 6) == 11


def test_encoding_and_decoding_with_heun_round_trips():
    # One Gaussian: data → noise → data through the exact ε*; Heun closes the loop far better than Euler.
    from ddpm_lessons import score
    from ddpm_lessons.data import GaussianMixture

    gaussian = GaussianMixture([1.0], [[0.3, -0.2]], [0.5])
    eps_fn = lambda x, sigma: score.optimal_eps(gaussian, x, ode.alpha_bar_from_sigma(sigma))  # noqa: E731
    x0 = gaussian.sample(200, generator=torch.Generator().manual_seed(0)).double()
    levels = torch.logspace(-2, 2, 41, dtype=torch.float64).tolist()
    errors = {}
    for method in ("euler", "heun"):
        back = ode.ode_sample(eps_fn, ode.ode_sample(eps_fn, x0, levels, method=method), levels[::-1], method=method)
        errors[method] = (back - x0).abs().max().item()
    assert errors["heun"] < 5e-3 and errors["heun"] < errors["euler"] / 5, errors


def test_a_wrong_eps_function_is_named():
    x = torch.zeros(3, 2)
    with pytest.raises(InputError, match=r"eps_fn\(x, point\) must have the same shape as x"):
        ode.ode_sample(lambda x, s: x[:2], x, [1.0, 0.0])
    with pytest.raises(InputError, match=r"eps_next_fn\(x\) must be a torch.Tensor"):
        ode.heun_step(x, 1.0, 0.5, x, lambda x: None)


# --------------------------------------------------------------- issue 22, lesson A: DPM-Solver++(2M), Karras spacing
def _decreasing_linear_error(method, steps, a=-0.7, hi=2.0, lo=0.1):
    # dy/dσ = a y from σ = 2 down to 0.1 (DPM-Solver++ steps in log σ, so no level may be 0 but the last)
    levels = torch.linspace(hi, lo, steps + 1, dtype=torch.float64).tolist()
    eps_fn = lambda x, sigma: a * x * (1 + sigma**2) ** 0.5  # noqa: E731
    x = torch.ones(1, 1, dtype=torch.float64) / math.sqrt(1 + hi**2)
    end = ode.ode_sample(eps_fn, x, levels, method=method)
    return abs(end.item() * math.sqrt(1 + lo**2) - math.exp(a * (lo - hi)))


def test_dpmpp_2m_is_second_order_on_a_linear_ode():
    # measured: Euler ×1.94, 1.97; Heun ×3.90, 3.95; DPM-Solver++(2M) ×4.17, 4.16 per doubling from 20 steps
    for method, (low, high) in (("euler", (1.8, 2.2)), ("heun", (3.6, 4.4)), ("dpmpp-2m", (3.6, 4.6))):
        errors = [_decreasing_linear_error(method, n) for n in (20, 40, 80)]
        assert all(low < c / f < high for c, f in zip(errors[:-1], errors[1:])), (method, errors)


def _karras_levels(n, hi=80.0, lo=0.02, rho=7.0):
    return [(hi ** (1 / rho) + k / (n - 1) * (lo ** (1 / rho) - hi ** (1 / rho))) ** rho for k in range(n)]  # eq. 5


def test_each_solver_converges_at_its_order_on_continuous_karras_levels():
    # The exact ε* of the eight Gaussians at any σ, Karras et al.'s levels from σ = 80 to 0.02 (not snapped to a
    # schedule); the error against Heun on 1,024 levels at σ = 0.02, mean over 128 paths. Measured from 32 steps:
    # Euler ×2.08, 2.04; Heun ×4.57, 4.26; DPM-Solver++(2M) ×4.43, 4.06.
    from ddpm_lessons import score
    from ddpm_lessons.data import eight_gaussians

    mixture = eight_gaussians()
    eps_fn = lambda x, sigma: score.optimal_eps(mixture, x, ode.alpha_bar_from_sigma(sigma))  # noqa: E731
    x = torch.randn(128, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * 80 / math.sqrt(6401)
    reference = ode.ode_sample(eps_fn, x, _karras_levels(1024), method="heun")
    for method, (low, high) in (("euler", (1.8, 2.3)), ("heun", (3.4, 5.0)), ("dpmpp-2m", (3.4, 5.0))):
        errors = [
            (ode.ode_sample(eps_fn, x, _karras_levels(n), method=method) - reference).norm(dim=1).mean().item()
            for n in (32, 64, 128)
        ]
        assert all(low < c / f < high for c, f in zip(errors[:-1], errors[1:])), (method, errors)


def test_ode_timesteps_take_the_karras_spacing_and_dpmpp_counts_one_call_per_step():
    schedule = DiffusionSchedule.linear(1000)
    indices, sigmas = ode.ode_timesteps(schedule, 10, spacing="karras")
    assert (indices, sigmas) == ode.karras_timesteps(schedule, 10)
    assert indices[0] == 999 and indices[-2:] == [0, -1] and sigmas[-1] == 0.0
    assert all(a > b for a, b in zip(sigmas, sigmas[1:]))
    uniform = ode.ode_timesteps(schedule, 10)
    assert uniform[0] != indices and ode.ode_timesteps(schedule, 10, spacing="uniform") == uniform
    assert ode.ode_nfe("dpmpp-2m", 10) == 10 == ode.ode_nfe("dpmpp-2m", 10, ends_at_zero=False)
    for call, parameter in (
        (lambda: ode.ode_timesteps(schedule, 10, spacing="log"), "spacing"),
        (lambda: ode.ode_timesteps(schedule, 10, rho=3.0), "rho"),
        (lambda: ode.karras_timesteps(schedule, 10, rho=0.0), "rho"),
        (lambda: ode.karras_timesteps(schedule, 600), "steps"),
        (lambda: ode.ode_sample(lambda x, s: x, torch.zeros(2, 2), [1.0, 0.0, 0.5], method="dpmpp-2m"), "sigmas"),
    ):
        with pytest.raises(InputError) as caught:
            call()
        assert caught.value.parameter == parameter


def test_a_zero_terminal_schedule_is_refused_with_the_way_to_sample_it():
    schedule = DiffusionSchedule.linear(1000).zero_terminal_snr()
    for spacing in ("uniform", "karras"):
        with pytest.raises(InputError, match="prediction='v'") as caught:
            ode.ode_timesteps(schedule, 10, spacing=spacing)
        assert caught.value.parameter == "schedule"
