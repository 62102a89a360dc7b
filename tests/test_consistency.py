"""ddpm_lessons.consistency: the parameterisation's boundary, both training algorithms and the sampler (issue 22)."""

import pytest
import torch
from exact_gaussian import MEAN, STD, AffinePerIndex, GaussianEps, exact_consistency

from ddpm_lessons import DiffusionSchedule, InputError, MLPDenoiser, sample, train
from ddpm_lessons.consistency import (
    ConsistencyObjective,
    consistency_chain,
    consistency_function,
    consistency_sample,
    sampling_levels,
    skip_and_out,
)


@pytest.fixture(scope="module")
def schedule64():
    return DiffusionSchedule.linear(1000, dtype=torch.float64)


class ExactNetwork(AffinePerIndex):
    """The F whose consistency function is the exact f* (solved from f = c_skip y + c_out F, for σ > σ_min)."""

    def __init__(self, schedule, sigma_data=0.5):
        super().__init__(len(schedule))
        self.schedule, self.sigma_data = schedule, sigma_data

    def forward(self, x, t):
        sigma = self.schedule.sqrt_recipm1_alphas_cumprod[t].reshape(-1, 1)
        c_skip, c_out = skip_and_out(sigma, self.schedule.sqrt_recipm1_alphas_cumprod[0], self.sigma_data)
        y = x * (1 + sigma**2).sqrt()
        return torch.where(
            c_out > 0, (exact_consistency(self.schedule, x, t) - c_skip * y) / c_out.clamp(min=1e-300), 0
        )


def test_the_boundary_holds_for_any_network(schedule64):
    torch.manual_seed(0)
    network = MLPDenoiser(data_dim=2, hidden=16, num_layers=1).double()
    x = torch.randn(10, 2, dtype=torch.float64)
    f = consistency_function(schedule64, network, x, torch.zeros(10, dtype=torch.long))
    assert torch.equal(f, x * (1 + schedule64.sqrt_recipm1_alphas_cumprod[0] ** 2).sqrt())  # y at σ_min, exactly
    sigma = torch.tensor([schedule64.sqrt_recipm1_alphas_cumprod[0].item(), 1e6], dtype=torch.float64)
    c_skip, c_out = skip_and_out(sigma, sigma[0], 0.5)
    assert c_skip[0] == 1 and c_out[0] == 0 and c_skip[1] < 1e-12 and c_out[1] == pytest.approx(0.5, rel=1e-6)


class SelfConsistentButWrong(ExactNetwork):
    """g = 0.5 f* + 0.15 above index 0: constant along every trajectory (so every pair above the boundary agrees), but
    not the identity at σ_min, which the parameterisation enforces at index 0."""

    def forward(self, x, t):
        sigma = self.schedule.sqrt_recipm1_alphas_cumprod[t].reshape(-1, 1)
        c_skip, c_out = skip_and_out(sigma, self.schedule.sqrt_recipm1_alphas_cumprod[0], self.sigma_data)
        y, g = x * (1 + sigma**2).sqrt(), 0.5 * exact_consistency(self.schedule, x, t) + 0.15
        return torch.where(c_out > 0, (g - c_skip * y) / c_out.clamp(min=1e-300), 0)


def test_the_chain_reaches_the_boundary_and_the_boundary_pins_the_answer(schedule64):
    objective = ConsistencyObjective(schedule64, 20)
    assert objective.chain == consistency_chain(schedule64, 20) and objective.chain[0] == 999
    assert objective.lower.min() == 0 and objective.upper.max() == 999 and len(objective.upper) == 19
    x0 = MEAN + STD * torch.randn(20_000, 1, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    noise = torch.randn(20_000, 1, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    n = torch.randint(0, 19, (20_000,), generator=torch.Generator().manual_seed(3))
    teacher = ConsistencyObjective(schedule64, 20, teacher=GaussianEps(schedule64))
    right = teacher.loss(ExactNetwork(schedule64), x0, n, noise, None)[0].item()
    wrong = teacher.loss(SelfConsistentButWrong(schedule64), x0, n, noise, None)[0].item()
    assert wrong > 20 * right  # 48x: only the pair that ends at index 0 (1 of 19) tells them apart, and it does


@pytest.mark.parametrize("distill", [True, False])
def test_the_exact_consistency_function_is_a_fixed_point(schedule64, distill):
    # With f* and (for distillation) the exact teacher, the loss is the step's error only and falls as the chain gets
    # finer. Distillation: one DDIM step's local error is O(Δσ²), so the squared loss goes as Δσ⁴; training: x_{t_n}
    # is off the ODE's trajectory by O(Δσ), the loss as Δσ² (4x the levels: 281x and 16.4x measured).
    x0 = MEAN + STD * torch.randn(20_000, 1, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    noise = torch.randn(20_000, 1, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    exact = ExactNetwork(schedule64)
    teacher = GaussianEps(schedule64) if distill else None
    losses = {}
    for steps in (16, 64):
        objective = ConsistencyObjective(schedule64, steps, teacher=teacher)
        n = torch.randint(0, steps - 1, (20_000,), generator=torch.Generator().manual_seed(3))
        losses[steps] = objective.loss(exact, x0, n, noise, None)[0].item()
    random = ConsistencyObjective(schedule64, 64, teacher=teacher)
    torch.manual_seed(0)
    wrong = MLPDenoiser(data_dim=1, hidden=8, num_layers=1).double()
    n = torch.randint(0, 63, (20_000,), generator=torch.Generator().manual_seed(3))
    assert losses[64] < losses[16] / (64 if distill else 8)
    assert losses[64] < (1e-4 if distill else 3e-2) * random.loss(wrong, x0, n, noise, None)[0].item()


@pytest.mark.slow
def test_consistency_distillation_learns_the_teachers_chain_in_one_step():
    # Distillation targets the teacher's own N-step DDIM chain (a 20-step chain of the exact ε* narrows the data's
    # spread 0.5 to 0.43 here). An affine network can represent that map; after 3,000 steps its single evaluation from
    # each x_T lands within 0.1 of the chain's end (the untrained network: more than 1 away), and the samples' mean
    # and spread match the chain's (the self-consistency target still moves when the levels below it move, so the
    # fixed point is approached slowly, from the bottom of the chain up).
    schedule = DiffusionSchedule.linear(1000)
    teacher = GaussianEps(schedule).eval()
    data = MEAN + STD * torch.randn(8192, 1, generator=torch.Generator().manual_seed(4))
    state = train(
        AffinePerIndex(1000),
        data,
        steps=3000,
        objective=ConsistencyObjective(schedule, 20, teacher=teacher),
        batch_size=512,
        lr=1e-2,
        warmup=0,
        ema_decay=0.99,
        seed=0,
        progress=False,
        device="cpu",
    )
    chain = sample(
        teacher, schedule, (20_000, 1), method="ddim", spacing="karras", steps=20, eta=0.0, seed=5, progress=False
    )  # the objective's chain (Karras ρ = 7, down to index 0), then the step to x₀
    one_step = consistency_sample(state.ema.eval(), schedule, (20_000, 1), seed=5)  # the same x_T (seed 5)
    untrained = consistency_sample(AffinePerIndex(1000).eval(), schedule, (20_000, 1), seed=5)
    assert (one_step - chain).abs().max() < 0.1 < 1 < (untrained - chain).abs().max()
    assert abs(one_step.mean() - chain.mean()) < 0.05 and abs(one_step.std() - chain.std()) < 0.02
    assert chain.std() < STD - 0.05  # the chain's own discretisation, which the student learns


def test_multistep_sampling_noises_again_and_denoises(schedule64):
    exact = ExactNetwork(schedule64).eval()
    one = consistency_sample(exact, schedule64, (4000, 1), seed=0)
    two = consistency_sample(
        exact, schedule64, (4000, 1), levels=sampling_levels(consistency_chain(schedule64, 20), 3), seed=0
    )
    for samples in (one, two):
        assert abs(samples.mean().item() - MEAN) < 0.03 and abs(samples.std().item() - STD) < 0.03
    assert not torch.equal(one, two)
    assert sampling_levels(consistency_chain(schedule64, 20), 1) == []
    assert sampling_levels(list(range(20, -1, -1)), 4) == [15, 10, 5]
    for bad in ([100, 500], [999], [0], [5, 5], [2.5]):
        with pytest.raises(InputError, match="levels"):
            consistency_sample(exact, schedule64, (4, 1), levels=bad)
    with pytest.raises(InputError, match="training mode"):
        consistency_sample(exact.train(), schedule64, (4, 1))


def test_bad_settings_are_refused():
    schedule = DiffusionSchedule.linear(1000)
    with pytest.raises(InputError, match="steps"):
        ConsistencyObjective(schedule, 1001)
    with pytest.raises(InputError, match="zero-terminal"):
        ConsistencyObjective(DiffusionSchedule.linear(1000).zero_terminal_snr(), 10)
    with pytest.raises(InputError, match="sigma_data"):
        ConsistencyObjective(schedule, 10, sigma_data=0.0)
    with pytest.raises(InputError, match="teacher_prediction"):
        ConsistencyObjective(schedule, 10, teacher=GaussianEps(schedule), teacher_prediction="score")
    with pytest.raises(InputError, match="num_timesteps"):
        ConsistencyObjective(schedule, 10).check(AffinePerIndex(50))


def test_the_improved_recipes_weighting_and_distance(schedule64):
    g = torch.Generator().manual_seed(6)
    x0 = torch.randn(512, 2, generator=g, dtype=torch.float64)
    noise = torch.randn(512, 2, generator=g, dtype=torch.float64)
    n = torch.randint(0, 19, (512,), generator=g)
    torch.manual_seed(0)
    network = MLPDenoiser(data_dim=2, hidden=16, num_layers=1).double()
    plain = ConsistencyObjective(schedule64, 20)
    loss, residual = plain.loss(network, x0, n, noise, None)
    assert torch.allclose(loss, residual.pow(2).mean())  # λ = 1, squared distance: the 2023 paper
    gap = ConsistencyObjective(schedule64, 20, weighting="inverse-gap")
    sigmas = schedule64.sqrt_recipm1_alphas_cumprod
    inverse = 1 / (sigmas[gap.upper] - sigmas[gap.lower])
    assert torch.allclose(gap.weights, inverse / inverse.mean()) and gap.weights[-1] > 100 * gap.weights[0]
    loss, residual = gap.loss(network, x0, n, noise, None)
    assert torch.allclose(loss, (gap.weights[n] * residual.pow(2).mean(dim=1)).mean())
    huber = ConsistencyObjective(schedule64, 20, distance="pseudo-huber")
    loss, residual = huber.loss(network, x0, n, noise, None)
    c = 0.00054 * 2**0.5
    assert torch.allclose(loss, ((residual.pow(2).sum(dim=1) + c**2).sqrt() - c).mean())
    for name, value in (("weighting", "snr"), ("distance", "l1")):
        with pytest.raises(InputError, match=name):
            ConsistencyObjective(schedule64, 20, **{name: value})
