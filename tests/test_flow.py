"""Lesson 09b's flow matching: the path, the loss, training through train()'s loop, the Euler sampler, the exact
velocity, the bridge from DDPM."""

import pytest
import torch

from ddpm_lessons import DiffusionSchedule, InputError, MLPDenoiser, flow, ode, sample, score, train
from ddpm_lessons.checkpoints import CheckpointError, load_checkpoint
from ddpm_lessons.config import CheckpointPolicy, TrainConfig
from ddpm_lessons.data import GaussianMixture, GaussianMixture1D, eight_gaussians, toy_data


def test_path_target_and_loss():
    g = torch.Generator().manual_seed(0)
    x0, noise, s = torch.randn(50, 2, generator=g), torch.randn(50, 2, generator=g), torch.rand(50, generator=g)
    assert torch.allclose(flow.flow_path(x0, noise, s), (1 - s[:, None]) * x0 + s[:, None] * noise)
    assert torch.equal(flow.flow_path(x0, noise, 0.0), x0) and torch.equal(flow.flow_path(x0, noise, 1.0), noise)
    assert torch.equal(flow.flow_target(x0, noise), noise - x0)
    perfect = lambda x, times: noise - x0  # noqa: E731
    assert flow.flow_matching_loss(perfect, x0, noise, s).item() == 0.0
    zero = lambda x, times: torch.zeros_like(x)  # noqa: E731
    assert flow.flow_matching_loss(zero, x0, noise, s).item() == pytest.approx((noise - x0).pow(2).mean().item())


def test_conditional_paths_are_straight_and_marginal_trajectories_are_not():
    mixture = eight_gaussians()
    x0 = toy_data("gaussian_mixture", 300, seed=0).double()
    noise = torch.randn(300, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    conditional = [flow.flow_path(x0, noise, s) for s in flow.flow_times(40)]
    times = flow.flow_times(40)
    assert flow.chord_deviation(conditional).max() < 1e-10
    assert flow.velocity_deviation(conditional, times).max() < 1e-20
    _, marginal = flow.flow_sample(lambda x, s: flow.exact_velocity(mixture, x, s), noise, times, trajectory=True)
    assert flow.chord_deviation(marginal).median() > 0.1
    assert flow.velocity_deviation(marginal, times).median() > 1


def test_curvature_measures_tell_bending_from_changing_speed():
    start, end = torch.zeros(1, 2, dtype=torch.float64), torch.ones(1, 2, dtype=torch.float64)
    times = [1.0, 0.5, 0.0]
    slow_then_fast = [start, start + 0.1 * (end - start), end]  # straight, but not at one speed
    assert flow.chord_deviation(slow_then_fast).item() < 1e-12
    assert flow.velocity_deviation(slow_then_fast, times).item() == pytest.approx(0.64)
    corner = [start, torch.tensor([[1.0, 0.0]], dtype=torch.float64), end]
    assert flow.chord_deviation(corner).item() == pytest.approx(0.5)


def test_exact_velocity_is_the_posterior_expectation():
    # For one Gaussian N(m, c² I), x_s = (1 − s) x₀ + s ε is Gaussian and E[x₀ | x_s] is linear regression.
    m, c = torch.tensor([0.4, -0.3], dtype=torch.float64), 0.6
    gaussian = GaussianMixture([1.0], m[None], [c])
    x = torch.randn(20, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    for s in (0.1, 0.5, 0.9, 1.0):
        a, b = 1 - s, s
        x0_mean = m + a * c**2 / (a**2 * c**2 + b**2) * (x - a * m)
        expected = (x - a * x0_mean) / b - x0_mean
        assert torch.allclose(flow.exact_velocity(gaussian, x, s), expected, atol=1e-12)


def test_one_euler_step_with_the_exact_velocity_lands_on_the_data_mean():
    mixture = eight_gaussians()
    x = torch.randn(100, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    out = flow.flow_sample(lambda x, s: flow.exact_velocity(mixture, x, s), x, flow.flow_times(1))
    assert out.abs().max() < 1e-10  # the mixture's mean is the origin


def test_velocity_from_eps_star_is_the_exact_flow_velocity():
    mixture, x = eight_gaussians(), 1.5 * torch.randn(100, 2, dtype=torch.float64)
    for alpha_bar in (0.99, 0.4, 0.02):
        from_eps = score.velocity_from_eps(x, score.optimal_eps(mixture, x, alpha_bar), alpha_bar)
        v_star = flow.exact_velocity(mixture, flow.vp_to_flow(x, alpha_bar), flow.flow_time_from_alpha_bar(alpha_bar))
        assert torch.allclose(from_eps, v_star, atol=1e-9)
    assert torch.allclose(flow.flow_to_vp(flow.vp_to_flow(x, 0.3), 0.3), x, atol=1e-14)


def test_an_eps_model_sampled_as_a_flow_gives_ddim():
    torch.manual_seed(0)
    model, schedule = MLPDenoiser(2, hidden=16, num_layers=1, num_timesteps=100).eval(), DiffusionSchedule.linear(100)
    for p in model.out.parameters():
        torch.nn.init.normal_(p, std=0.3)
    indices, _ = ode.ode_timesteps(schedule, 7)
    velocity, times = flow.eps_model_as_flow(model, schedule, indices)
    x_T = torch.randn((64, 2), generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        as_flow = flow.flow_sample(
            velocity, flow.vp_to_flow(x_T, schedule.alphas_cumprod[99].item()), times, points=indices
        )
    ddim = sample(model, schedule, (64, 2), method="ddim", steps=7, seed=4, progress=False)
    assert torch.allclose(as_flow, ddim, atol=1e-5)


def test_train_flow_learns_and_is_seeded():
    data = toy_data("gaussian_mixture", 2000, seed=0)

    def run():
        torch.manual_seed(0)
        return flow.train_flow(MLPDenoiser(2, hidden=32, num_layers=1), data, steps=150, batch_size=64, lr=3e-3)

    torch.set_num_threads(1)
    _, ema, losses = run()
    _, ema_again, losses_again = run()
    assert losses == losses_again
    assert sum(losses[-20:]) / 20 < sum(losses[:20]) / 20
    assert not ema.training


def test_train_flow_runs_trains_loop_and_resumes_exactly(tmp_path):
    """train_flow is train() with the FlowObjective: its checkpoint policy, stopped and resumed, gives the losses and
    the weights of one uninterrupted run; the checkpoint records the objective."""
    data = toy_data("gaussian_mixture", 500, seed=0)
    recipe = TrainConfig(batch_size=32, lr=3e-3, warmup=3, seed=4)

    def run(**options):
        torch.manual_seed(0)
        return flow.train_flow(MLPDenoiser(2, hidden=16, num_layers=1), data, recipe, steps=9, **options)

    torch.set_num_threads(1)
    _, whole, losses = run()
    _, stopped, _ = run(checkpoint=CheckpointPolicy(tmp_path / "f.pt", every=2, stop_after=4))
    assert load_checkpoint(tmp_path / "f.pt")["step"] == 4
    _, resumed, resumed_losses = run(checkpoint=CheckpointPolicy(tmp_path / "f.pt", resume=True))
    assert resumed_losses == losses
    assert all(torch.equal(a, b) for a, b in zip(whole.state_dict().values(), resumed.state_dict().values()))
    payload = load_checkpoint(tmp_path / "f.pt")
    assert payload["kind"] == "flow" and payload["train_config"]["time_scale"] == 1000.0
    with pytest.raises(CheckpointError, match="other settings.*time_scale"):
        run(time_scale=500.0, checkpoint=CheckpointPolicy(tmp_path / "f.pt", resume=True))
    with pytest.raises(CheckpointError, match="not a training checkpoint of this objective"):
        train(
            MLPDenoiser(2, hidden=16, num_layers=1),
            data,
            schedule=DiffusionSchedule.linear(1000),
            steps=9,
            checkpoint_path=tmp_path / "f.pt",
            resume=True,
            progress=False,
        )


def test_bad_inputs_name_the_parameter():
    x = torch.zeros(3, 2)
    with pytest.raises(ValueError, match="s must lie"):
        flow.flow_path(x, x, 1.5)
    with pytest.raises(ValueError, match="noise must have the same shape"):
        flow.flow_path(x, x[:2], 0.5)
    with pytest.raises(ValueError, match="times"):
        flow.flow_sample(lambda x, s: x, x, [0.0, 1.0])
    with pytest.raises(ValueError, match="times"):
        flow.flow_sample(lambda x, s: x, x, [1.0])
    with pytest.raises(TypeError, match="velocity_fn"):
        flow.flow_sample(None, x, [1.0, 0.0])
    with pytest.raises(ValueError, match="velocity_fn"):
        flow.flow_sample(lambda x, s: x[:2], x, [1.0, 0.0])
    with pytest.raises(ValueError, match="steps"):
        flow.flow_times(0)
    with pytest.raises(ValueError, match="indices"):
        flow.eps_model_as_flow(None, DiffusionSchedule.linear(10), [10, -1])
    with pytest.raises(ValueError, match="s must lie"):
        flow.exact_velocity(eight_gaussians(), x, 0.0)
    with pytest.raises(ValueError, match="states"):
        flow.chord_deviation([x])
    with pytest.raises(ValueError, match="states and times"):
        flow.velocity_deviation([x, x], [1.0])
    with pytest.raises(ValueError, match="steps"):
        flow.train_flow(MLPDenoiser(2, hidden=8, num_layers=1), x, steps=0)


# ---- reflow (issue 22, lesson B) ----


def test_reflow_pairs_are_the_flows_own_map():
    # For 1-D Gaussian data N(0.3, 0.5²) the probability-flow map from N(0, 1) keeps order and marginals, so it is
    # the monotone map z ↦ 0.3 + 0.5 z; Euler steps of the exact velocity approach it at first order.
    mixture = GaussianMixture1D(weights=(1.0,), means=(0.3,), stds=(0.5,))
    noise = torch.randn(2000, 1, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    errors = {}
    for steps in (100, 400):
        data, paired = flow.reflow_pairs(lambda x, s: flow.exact_velocity(mixture, x, s), noise, steps)
        assert paired is noise
        errors[steps] = (data - (0.3 + 0.5 * noise)).abs().max().item()
    assert errors[400] < 0.01 and 3 < errors[100] / errors[400] < 5


def reflow_recipe():
    return dict(batch_size=256, lr=3e-3, warmup=0, ema_decay=0.99, seed=0, progress=False, device="cpu")


@pytest.mark.slow
def test_reflow_straightens_the_flow_so_one_euler_step_reaches_the_data():
    # Independent pairs: the learnt velocity at s = 1 is E[ε − x₀ | x_1 = z] = z − 0.3, so one Euler step sends every
    # z to the mean 0.3 (spread 0, not 0.5). The flow's own pairs (z, 0.3 + 0.5 z) never cross: the rectified flow
    # is the straight line between them and one Euler step lands on 0.3 + 0.5 z itself.
    noise = torch.randn(8192, 1, generator=torch.Generator().manual_seed(1))
    data = 0.3 + 0.5 * noise
    one_step = {}
    for name, objective in (("independent", flow.FlowObjective()), ("reflow", flow.ReflowObjective(noise))):
        torch.manual_seed(0)
        state = train(
            MLPDenoiser(data_dim=1, hidden=64, num_layers=2), data, steps=1500, objective=objective, **reflow_recipe()
        )
        start = torch.randn(4000, 1, generator=torch.Generator().manual_seed(2))
        velocity = lambda x, s, ema=state.ema: ema(x, 1000.0 * s)  # noqa: E731
        one_step[name] = (flow.flow_sample(velocity, start, flow.flow_times(1)), start)
    independent, start = one_step["independent"]
    reflowed, _ = one_step["reflow"]
    assert independent.std() < 0.1 and abs(independent.mean() - 0.3) < 0.05
    assert (reflowed - (0.3 + 0.5 * start)).abs().max() < 0.1 and abs(reflowed.std() - 0.5) < 0.03


def test_reflow_needs_one_noise_per_data_point():
    noise = torch.randn(10, 1)
    with pytest.raises(InputError, match="coupled_noise"):
        train(
            MLPDenoiser(data_dim=1, hidden=8, num_layers=1),
            torch.randn(12, 1),
            steps=1,
            objective=flow.ReflowObjective(noise),
            progress=False,
        )
    with pytest.raises(InputError, match="noise"):
        flow.ReflowObjective(torch.tensor([[float("nan")]]))
