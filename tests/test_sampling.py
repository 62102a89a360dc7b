"""sample(): DDPM, DDIM, guidance, trajectories, the DDIM timestep table."""

import pytest
import torch
from tiny_runs import SCHEDULE, tiny_unet

from ddpm_lessons import DiffusionSchedule, InputError
from ddpm_lessons.sampling import SamplerSpec, ddim_timesteps, sample, sample_trajectory


def test_ddim_timesteps_start_at_last_index_and_end_at_x0():
    pairs = ddim_timesteps(1000, 50)
    assert pairs[0][0] == 999 and pairs[-1][1] == -1 and len(pairs) == 50
    assert all(a > b for a, b in pairs)
    assert ddim_timesteps(10, 10) == [(i, i - 1) for i in range(9, -1, -1)]


def test_sample_ddpm_ddim_guidance_and_trajectory():
    model = tiny_unet(num_classes=10).eval()
    torch.nn.init.normal_(model.out[-1].weight, std=0.1)
    labels = torch.arange(4)
    a = sample(model, SCHEDULE, (4, 1, 8, 8), labels=labels, progress=False, seed=3)
    b = sample(model, SCHEDULE, (4, 1, 8, 8), labels=labels, progress=False, seed=3)
    assert torch.equal(a, b), "a seed reproduces the samples"
    x, traj = sample_trajectory(
        model, SCHEDULE, (4, 1, 8, 8), [49, -1], labels=labels, guidance=2.0, method="ddim", steps=10, progress=False
    )
    assert sorted(traj) == [-1, 49]
    assert torch.equal(traj[-1], x)
    plain = sample(model, SCHEDULE, (4, 1, 8, 8), labels=labels, guidance=2.0, method="ddim", steps=10, progress=False)
    assert isinstance(plain, torch.Tensor) and torch.equal(plain, x), "sample() always returns the samples alone"
    with pytest.raises(InputError, match="trajectory_at has steps the chain never visits: \\[20\\]"):
        sample_trajectory(model, SCHEDULE, (4, 1, 8, 8), [20], labels=labels, method="ddim", steps=10, progress=False)
    with pytest.raises(InputError, match="call model.eval\\(\\) before sampling"):
        sample(model.train(), SCHEDULE, (4, 1, 8, 8), labels=labels, progress=False)
    model.eval()
    x_full, traj_full = sample_trajectory(model, SCHEDULE, (4, 1, 8, 8), [49, 20, 0, -1], labels=labels, progress=False)
    assert sorted(traj_full) == [-1, 0, 20, 49]
    with pytest.raises(InputError, match="guidance needs labels"):
        sample(model, SCHEDULE, (4, 1, 8, 8), guidance=1.0, progress=False)


def test_sample_with_oracle_recovers_the_single_training_point():
    """With the exact eps of a one-point data set, DDPM sampling lands on that point (the photo demo's limit)."""
    s = DiffusionSchedule.linear(200, beta_start=5e-4, beta_end=0.1, dtype=torch.float64)
    target = torch.tensor([[0.3, -0.7]], dtype=torch.float64)

    class Oracle(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.dummy = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))

        def forward(self, x_t, t):
            return (x_t - s.sqrt_alphas_cumprod[t][:, None] * target) / s.sqrt_one_minus_alphas_cumprod[t][:, None]

    out = sample(Oracle().eval(), s, (5, 2), progress=False)
    assert torch.allclose(out, target.expand(5, 2), atol=1e-6)


@pytest.mark.parametrize(
    "options, words",
    [
        ({"method": "ddim"}, "method='ddim' needs steps"),
        ({"method": "heun"}, "method='heun' needs steps"),
        ({"eta": 0.5}, "eta applies to method='ddim' only (DDPM's variance"),
        ({"method": "heun", "steps": 3, "eta": 0.5}, "eta applies to method='ddim' only (Heun"),
        ({"method": "ddim", "steps": 3, "variance": "posterior"}, "variance and noise_scale apply to method='ddpm'"),
        ({"method": "heun", "steps": 3, "noise_scale": 0.5}, "variance and noise_scale apply to method='ddpm'"),
        ({"variance": "large"}, "variance must be one of ('beta', 'posterior')"),
    ],
)
def test_sampler_spec_refuses_each_option_that_does_not_apply(options, words):
    with pytest.raises(InputError) as error:
        SamplerSpec(**options)
    assert words in str(error.value)


def test_sampler_spec_tables_and_the_ddpm_step_count():
    assert SamplerSpec().table(4) == [(3, 2), (2, 1), (1, 0), (0, -1)]
    assert SamplerSpec(steps=4).table(4) == SamplerSpec().table(4), "DDPM accepts steps=T"
    assert SamplerSpec(method="ddim", steps=2).table(10) == ddim_timesteps(10, 2)
    with pytest.raises(InputError, match="method='ddpm' always takes all T = 10 steps"):
        SamplerSpec(steps=5).table(10)
    assert (
        SamplerSpec(method="ddim", steps=3, eta=0.5).stochastic and not SamplerSpec(method="heun", steps=3).stochastic
    )


def test_a_spec_and_its_keywords_draw_the_same_samples():
    model = tiny_unet().eval()
    torch.nn.init.normal_(model.out[-1].weight, std=0.1)
    options = {"method": "ddim", "steps": 5, "eta": 0.5, "seed": 4}
    by_keywords = sample(model, SCHEDULE, (2, 1, 8, 8), progress=False, **options)
    assert torch.equal(sample(model, SCHEDULE, (2, 1, 8, 8), progress=False, spec=SamplerSpec(**options)), by_keywords)
    with pytest.raises(InputError, match="spec must be a SamplerSpec, given without its fields"):
        sample(model, SCHEDULE, (2, 1, 8, 8), spec=SamplerSpec(**options), seed=1)


def test_sample_checks_the_request_against_the_model_as_train_checks_data():
    # Issue 26: a label equal to num_classes is the null class — refused, never an unconditional sample in
    # disguise; integer labels of any dtype are converted losslessly; the shape is checked before any step, by name.
    model = tiny_unet(num_classes=10).eval()
    as_long = sample(model, SCHEDULE, (4, 1, 8, 8), labels=torch.arange(4), progress=False)
    as_int32 = sample(model, SCHEDULE, (4, 1, 8, 8), labels=torch.arange(4, dtype=torch.int32), progress=False)
    assert torch.equal(as_long, as_int32)
    with pytest.raises(InputError, match=r"labels must lie in \[0, 10\) .* null class .* got 10") as info:
        sample(model, SCHEDULE, (4, 1, 8, 8), labels=torch.tensor([0, 1, 2, 10]), progress=False)
    assert info.value.parameter == "labels"
    with pytest.raises(InputError, match=r"labels must be an integer tensor"):
        sample(model, SCHEDULE, (4, 1, 8, 8), labels=torch.zeros(4), progress=False)
    with pytest.raises(
        InputError, match=r"shape is \(4, 8, 8\); .* expects \(N, C, H, W\) with C = 1; .*\(4, 1, 8, 8\)"
    ):
        sample(model, SCHEDULE, (4, 8, 8), labels=torch.arange(4), progress=False)
    with pytest.raises(InputError, match=r"shape is \(4, 1, 9, 8\), which ResidualUNet cannot take"):
        sample(model, SCHEDULE, (4, 1, 9, 8), labels=torch.arange(4), progress=False)
    with pytest.raises(InputError, match=r"labels were given but the model \(ResidualUNet\) is unconditional"):
        sample(tiny_unet().eval(), SCHEDULE, (4, 1, 8, 8), labels=torch.arange(4), progress=False)


class _NaNFrom(torch.nn.Module):
    """ε is 0 until step t = 4, NaN from there on (a network that diverges part of the way down)."""

    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))
        self.eval()

    def forward(self, x, t, *labels):
        return torch.where((t <= 4).reshape(-1, *([1] * (x.dim() - 1))), torch.full_like(x, float("nan")), 0 * x)


@pytest.mark.parametrize("method", ["ddpm", "ddim", "heun"])
def test_samples_from_a_model_that_returns_nan_are_refused_naming_the_model_and_the_first_bad_step(method):
    schedule = DiffusionSchedule.linear(10)
    steps = None if method == "ddpm" else 10
    with pytest.raises(InputError, match=r"model \(_NaNFrom\) returned NaN or inf at step t = 4") as error:
        sample(_NaNFrom(), schedule, (2, 3), method=method, steps=steps, progress=False)
    assert error.value.parameter == "model"


def test_samples_that_overflow_with_finite_model_outputs_are_refused_as_an_overflow():
    class Huge(_NaNFrom):
        def forward(self, x, t, *labels):
            return torch.full_like(x, 3e38)

    # ε = 3e38 is finite, but x̂₀ = (x − √(1 − ᾱ) ε)/√ᾱ at the cosine schedule's last step (ᾱ ≈ 1e-8) is not
    with pytest.raises(InputError, match="overflowed torch.float32 although model"):
        sample(Huge(), DiffusionSchedule.cosine(10), (2, 3), method="ddim", steps=5, progress=False)
