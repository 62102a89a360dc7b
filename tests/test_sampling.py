"""sample(): DDPM, DDIM, guidance, trajectories, the DDIM timestep table."""

import pytest
import torch
from tiny_runs import SCHEDULE, tiny_unet

from ddpm_lessons import DiffusionSchedule, InputError
from ddpm_lessons.sampling import SamplerSpec, ddim_timesteps, karras_indices, sample, sample_trajectory


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


# ----------------------------------------------------------------------------------- issue 22, lesson A's samplers
def _exact_model(T=1024):
    # the exact ε* of the eight Gaussians as a float64 "network" on a float64 linear schedule
    from ddpm_lessons import score
    from ddpm_lessons.data import eight_gaussians

    schedule = DiffusionSchedule.linear(T, dtype=torch.float64)
    return score.MixtureEps(eight_gaussians(), schedule).double(), schedule


def test_each_sampler_converges_on_the_exact_eps_at_its_order():
    """The error against a fine solve (Heun, all 1,024 indices) falls ×2 per doubling for DDIM (Euler, first order) and
    ×4 for Heun and DPM-Solver++(2M) (second order). Measured at index 127, before the last step to x₀: with linear β,
    σ² ≈ 1e-4 (t + 1) near t = 0, so the last uniform step to σ = 0 has a length ∝ 1/√steps for every solver and
    would hide the order. T = 1024 makes the uniform timesteps of 16, 32, 64 steps nested and exact."""
    model, schedule = _exact_model()

    def at_127(method, steps):
        _, kept = sample_trajectory(
            model, schedule, (128, 2), [127], method=method, steps=steps, seed=1, progress=False
        )
        return kept[127]

    reference = at_127("heun", 1024)
    bands = {"ddim": (1.8, 2.3), "heun": (3.4, 4.8), "dpmpp-2m": (3.3, 4.5)}
    for method, (low, high) in bands.items():
        errors = [(at_127(method, n) - reference).norm(dim=1).mean().item() for n in (16, 32, 64)]
        ratios = [coarse / fine for coarse, fine in zip(errors[:-1], errors[1:])]
        assert all(low < ratio < high for ratio in ratios), (method, errors, ratios)
        assert errors[-1] < (0.03 if method == "ddim" else 2e-3), (method, errors)


class _Linear(torch.nn.Module):
    """ε = 0.3 x + 0.001 t: a smooth made-up network, float64."""

    def __init__(self):
        super().__init__()
        self.anchor = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64), requires_grad=False)
        self.eval()

    def forward(self, x, t):
        return 0.3 * x + 0.001 * t.to(x.dtype)[:, None]


def test_dpmpp_2m_in_sample_is_the_papers_update_by_hand():
    # three steps 29 → 19 → 9 → x₀ on T = 30: first order, second order (r = h_1/h_2), the denoised last step
    import math

    schedule, model = DiffusionSchedule.linear(30, 1e-3, 0.2, dtype=torch.float64), _Linear()
    got = sample(model, schedule, (3, 2), method="dpmpp-2m", steps=3, seed=5, progress=False)
    assert SamplerSpec(method="dpmpp-2m", steps=3).table(30) == [(29, 19), (19, 9), (9, -1)]
    x = torch.randn((3, 2), generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    ab = schedule.alphas_cumprod
    alpha, sigma = ab.sqrt(), (1 - ab).sqrt()
    lam = torch.log(alpha / sigma)
    x0 = {}
    for t, t_prev in ((29, 19), (19, 9)):
        x0[t] = (x - sigma[t] * model(x, torch.full((3,), t))) / alpha[t]
        h = lam[t_prev] - lam[t]
        d = x0[t]
        if t == 19:
            r = (lam[19] - lam[29]) / h
            d = (1 + 1 / (2 * r)) * x0[19] - 1 / (2 * r) * x0[29]
        x = sigma[t_prev] / sigma[t] * x - alpha[t_prev] * (math.exp(-h.item()) - 1) * d
    expected = (x - sigma[9] * model(x, torch.full((3,), 9))) / alpha[9]
    assert torch.allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_dpmpp_2m_counts_one_network_call_per_step_and_matches_ode_sample():
    from ddpm_lessons import ode

    model, schedule = _Linear(), DiffusionSchedule.linear(100, dtype=torch.float64)
    calls = []
    handle = model.register_forward_hook(lambda *args: calls.append(1))
    x = sample(model, schedule, (4, 2), method="dpmpp-2m", steps=6, spacing="karras", seed=2, progress=False)
    handle.remove()
    assert len(calls) == ode.ode_nfe("dpmpp-2m", 6) == 6
    indices, sigmas = ode.ode_timesteps(schedule, 6, spacing="karras")
    x_T = torch.randn((4, 2), generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    expected = ode.ode_sample(
        lambda x, i: model(x, torch.full((4,), i)), x_T, sigmas, points=indices, method="dpmpp-2m"
    )
    assert torch.allclose(x, expected, rtol=1e-10, atol=1e-10)


class _Target(torch.nn.Module):
    """The exact ε* model's output turned into v = √ᾱ ε − √(1 − ᾱ) x₀ or x̂₀ (a perfectly trained v- or x₀-model)."""

    def __init__(self, eps_model, schedule, target):
        super().__init__()
        self.eps_model, self.schedule, self.target = eps_model, schedule, target
        self.eval()

    def forward(self, x, t):
        eps = self.eps_model(x, t)
        a = self.schedule.sqrt_alphas_cumprod[t][:, None]
        b = self.schedule.sqrt_one_minus_alphas_cumprod[t][:, None]
        x0 = (x - b * eps) / a
        return a * eps - b * x0 if self.target == "v" else x0


@pytest.mark.parametrize(
    "options",
    [
        {"method": "ddpm"},
        {"method": "ddim", "steps": 10, "eta": 0.5},
        {"method": "heun", "steps": 8, "spacing": "karras"},
        {"method": "dpmpp-2m", "steps": 8},
    ],
    ids=["ddpm", "ddim", "heun", "dpmpp-2m"],
)
def test_a_v_or_x0_model_samples_like_the_eps_model_it_was_made_from(options):
    eps_model, schedule = _exact_model(T=100)
    reference = sample(eps_model, schedule, (64, 2), seed=3, progress=False, **options)
    for target in ("v", "x0"):
        model = _Target(eps_model, schedule, target)
        got = sample(model, schedule, (64, 2), seed=3, progress=False, prediction=target, **options)
        assert torch.allclose(got, reference, rtol=0, atol=1e-9), target
        wrong = sample(model, schedule, (64, 2), seed=3, progress=False, **options)
        assert not torch.allclose(wrong, reference, atol=1e-2), "read as ε, a v-model's output gives other samples"


def test_the_default_spacing_and_prediction_change_nothing():
    model = tiny_unet().eval()
    torch.nn.init.normal_(model.out[-1].weight, std=0.1)
    for method in ("ddim", "heun"):
        plain = sample(model, SCHEDULE, (2, 1, 8, 8), method=method, steps=5, seed=4, progress=False)
        spelled = sample(
            model,
            SCHEDULE,
            (2, 1, 8, 8),
            method=method,
            steps=5,
            seed=4,
            progress=False,
            spacing="uniform",
            rho=7.0,
            prediction="eps",
        )
        assert torch.equal(plain, spelled), method


def test_karras_spacing_in_sample_uses_the_snapped_levels():
    from ddpm_lessons import ode

    schedule = DiffusionSchedule.linear(1000)
    table = SamplerSpec(method="ddim", steps=10, spacing="karras").table(1000, schedule)
    indices, _ = ode.karras_timesteps(schedule, 10)
    assert table == list(zip(indices[:-1], indices[1:])) and table[-1] == (0, -1) and table[0][0] == 999
    assert SamplerSpec(method="ddim", steps=10, spacing="karras", rho=1.0).table(1000, schedule) != table


@pytest.mark.parametrize(
    "options, parameter, words",
    [
        (
            {"method": "ddim", "steps": 3, "spacing": "log"},
            "spacing",
            "spacing must be one of ('uniform', 'karras', 'leading')",
        ),
        ({"method": "rk4", "steps": 3}, "method", "method must be one of"),
        ({"method": "ddim", "steps": 3, "prediction": "score"}, "prediction", "prediction must be one of"),
        ({"method": "ddim", "steps": 3, "spacing": "karras", "rho": 0.0}, "rho", "rho must be > 0"),
        ({"method": "ddim", "steps": 3, "spacing": "karras", "rho": -2.0}, "rho", "rho must"),
        ({"method": "ddim", "steps": 3, "rho": 3.0}, "rho", "rho applies to spacing='karras' only"),
        ({"spacing": "karras"}, "spacing", "spacing applies to the few-step samplers only"),
        ({"method": "dpmpp-2m"}, "steps", "method='dpmpp-2m' needs steps"),
        ({"method": "dpmpp-2m", "steps": 3, "eta": 0.5}, "eta", "eta applies to method='ddim' only (DPM-Solver++"),
    ],
)
def test_sampler_spec_refuses_bad_spacing_rho_and_prediction_by_name(options, parameter, words):
    with pytest.raises(InputError) as error:
        SamplerSpec(**options)
    assert words in str(error.value) and error.value.parameter == parameter


def test_too_many_karras_steps_for_t_are_refused_naming_steps():
    model = tiny_unet().eval()
    with pytest.raises(InputError, match="Karras steps .* do not fit the 50 trained levels") as error:
        sample(model, SCHEDULE, (2, 1, 8, 8), method="dpmpp-2m", steps=30, spacing="karras", progress=False)
    assert error.value.parameter == "steps"
    with pytest.raises(InputError, match="steps must be <= T = 50"):
        sample(model, SCHEDULE, (2, 1, 8, 8), method="dpmpp-2m", steps=51, progress=False)


# ------------------------------------------- issue 22, lesson A: leading vs trailing spacing, zero terminal SNR
def test_the_uniform_spacing_is_diffusers_trailing_and_leading_starts_at_980():
    from ddpm_lessons.sampling import leading_timesteps

    pairs = ddim_timesteps(1000, 50)
    assert [t for t, _ in pairs[:3]] == [999, 979, 959] and pairs[-1] == (19, -1)
    for T, S in ((1000, 50), (1000, 10), (1000, 1000), (50, 5), (100, 25), (64, 16), (1000, 3), (1000, 7)):
        trailing = [round(T - k * T / S) - 1 for k in range(S)]  # diffusers: np.round(np.arange(T, 0, -T/S)) − 1
        assert [t for t, _ in ddim_timesteps(T, S)] == trailing, (T, S)
    leading = leading_timesteps(1000, 50)
    assert leading[0] == (980, 960) and leading[-2:] == [(20, 0), (0, -1)] and len(leading) == 50
    assert leading_timesteps(10, 3) == [(6, 3), (3, 0), (0, -1)]  # (0, 1, 2)·(10 // 3), reversed
    assert SamplerSpec(method="ddim", steps=50, spacing="leading").table(1000) == leading
    assert SamplerSpec(method="heun", steps=4, spacing="leading").table(50)[0] == (36, 24)


@pytest.mark.parametrize(
    "call, parameter, words",
    [
        (lambda f: f(10, 11), "steps", "steps must be <= T = 10, got 11"),
        (lambda f: f(10, 0), "steps", "steps must be"),
        (lambda f: f(0, 1), "T", "T must be"),
        (lambda f: SamplerSpec(method="ddpm", spacing="leading"), "spacing", "spacing applies to the few-step"),
        (lambda f: SamplerSpec(method="ddim", steps=3, spacing="leading", rho=3.0), "rho", "rho applies to"),
    ],
)
def test_leading_spacing_refuses_bad_input_by_name(call, parameter, words):
    from ddpm_lessons.sampling import leading_timesteps

    with pytest.raises(InputError) as error:
        call(leading_timesteps)
    assert words in str(error.value) and error.value.parameter == parameter


class _ExactDenoiser(torch.nn.Module):
    """The exact E[x₀ | x_t] of a Gaussian mixture (score.posterior_mean, Bayes' rule: defined at ᾱ = 0 too, where it
    is the mixture's mean) as a float64 x₀- or v-"network": v* = √ᾱ ε* − √(1 − ᾱ) x₀* = (√ᾱ x_t − x₀*)/√(1 − ᾱ)."""

    def __init__(self, mixture, schedule, target):
        super().__init__()
        self.mixture, self.target = mixture, target
        self.alphas_cumprod = schedule.alphas_cumprod.double()
        self.anchor = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64), requires_grad=False)
        self.eval()

    def forward(self, x, t):
        from ddpm_lessons import score

        ab = self.alphas_cumprod[t]
        a, b = ab.sqrt(), (1 - ab).sqrt()
        x0 = score.posterior_mean(self.mixture, x, a, b)
        return x0 if self.target == "x0" else (a[:, None] * x - x0) / b[:, None]


@pytest.mark.parametrize(
    "options",
    [
        {"method": "ddim", "steps": 50},
        {"method": "ddim", "steps": 50, "eta": 1.0, "clip_denoised": True},
        {"method": "ddim", "steps": 50, "spacing": "leading"},
        {"method": "heun", "steps": 25},
        {"method": "dpmpp-2m", "steps": 25},
        {"method": "ddpm"},
    ],
    ids=["ddim", "ddim-eta1-clip", "ddim-leading", "heun", "dpmpp-2m", "ddpm"],
)
def test_a_v_or_x0_model_samples_a_zero_terminal_snr_schedule_from_pure_noise(options):
    """From ᾱ_T = 0 exactly, on the exact field of the eight Gaussians (radius 1.2, s = 0.1): no NaN, and the samples'
    mean and covariance are the mixture's, 0 and (1.2²/2 + 0.1²) I = 0.73 I, within 0.06 (mean: 3 standard errors
    of 2,000 samples, 0.019 each; covariance: ≈ 3 standard errors, 0.02 each, plus the solver's error)."""
    from ddpm_lessons.data import eight_gaussians

    mixture = eight_gaussians()
    T = 250 if options["method"] == "ddpm" else 1000  # DDPM's 250 steps: β rescaled by 1000/T (the same levels)
    schedule = DiffusionSchedule.linear(T, 1e-4 * 1000 / T, 0.02 * 1000 / T, dtype=torch.float64).zero_terminal_snr()
    if options.get("clip_denoised"):
        mixture = eight_gaussians(radius=0.6, std=0.05)  # inside [−1, 1], where clipping x̂₀ changes nothing
    expected = mixture.means.pow(2).sum(1).mean() / 2 + mixture.stds[0] ** 2
    for target in ("v", "x0"):
        model = _ExactDenoiser(mixture, schedule, target)
        x = sample(model, schedule, (2000, 2), prediction=target, seed=0, progress=False, **options)
        assert torch.isfinite(x).all(), target
        mean, cov = x.mean(0), torch.cov(x.T)
        assert mean.abs().max() < 0.06, (target, mean)
        assert (cov - expected * torch.eye(2, dtype=torch.float64)).abs().max() < 0.06, (target, cov)
        nearest = torch.cdist(x, mixture.means).min(dim=1).values
        assert (nearest < 5 * mixture.stds[0]).float().mean() > 0.97, "mode by mode: each sample near a mode"


def test_eps_prediction_and_karras_spacing_are_refused_on_a_zero_terminal_snr_schedule():
    from ddpm_lessons.data import eight_gaussians

    schedule = DiffusionSchedule.linear(100, dtype=torch.float64).zero_terminal_snr()
    model = _ExactDenoiser(eight_gaussians(), schedule, "v")
    with pytest.raises(InputError) as error:
        sample(model, schedule, (4, 2), method="ddim", steps=5, progress=False)
    assert "x0 = (x - sqrt(1 - alpha_bar) eps)/sqrt(alpha_bar) is 0/0" in str(error.value)
    assert error.value.parameter == "prediction"
    with pytest.raises(InputError) as error:
        sample(model, schedule, (4, 2), method="dpmpp-2m", steps=5, spacing="karras", prediction="v", progress=False)
    assert "ends at sigma = inf" in str(error.value) and error.value.parameter == "spacing"
    with pytest.raises(InputError) as error:
        karras_indices(schedule, 5)
    assert "zero-terminal-SNR schedule ends at sigma = inf" in str(error.value) and error.value.parameter == "schedule"
    SamplerSpec(method="ddim", steps=5, prediction="x0").check_schedule(schedule)  # what is allowed passes
    SamplerSpec(method="ddim", steps=5).check_schedule(DiffusionSchedule.linear(100))
