"""Property-based checks of the public API (Hypothesis): for each public function, generated bad arguments raise a
ValueError or TypeError whose message names the parameter, and generated valid arguments give finite results.

Each function is described once: how to build a valid call, and which kinds of bad value each parameter must
refuse. Hypothesis draws the valid shapes and timesteps and the bad values; a failure prints the smallest example.
"""

import math

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ddpm_lessons import (
    DiffusionSchedule,
    InputError,
    TimePositionalEncoding,
    count_parameters,
    ddim_step,
    ddim_timesteps,
    denoising_step,
    ema_update,
    forward_diffusion_sample,
    get_beta_schedule,
    guided_eps,
    mean_flat,
    model_eps,
    normal_kl,
    ode,
    p_mean_variance,
    predict_x0_from_eps,
    q_posterior_mean_variance,
    q_sample,
    q_sample_iterative,
    sample,
    sample_trajectory,
    score,
    simple_loss,
    tile_images,
    to_image,
    variational_bound_bpd,
)
from ddpm_lessons.data import eight_gaussians, toy_data
from ddpm_lessons.evaluation import psnr, sliced_wasserstein
from ddpm_lessons.models import MLPDenoiser
from ddpm_lessons.process import reverse_step

T = 50
SCHEDULE = DiffusionSchedule.linear(T, beta_start=1e-3, beta_end=0.2)
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NOT_A_NUMBER = ["3", None, [1.0], True]
NOT_FINITE = [math.nan, math.inf, -math.inf]
NOT_A_TENSOR = ["x", None, [[0.0, 1.0]], 3.0]


def batch(b=4, d=2, dtype=torch.float32):
    return torch.randn(b, d, generator=torch.Generator().manual_seed(b * 10 + d), dtype=dtype)


# name → (call with keyword overrides, {parameter: bad values}); every call without overrides is valid.
CASES = {
    "q_sample": (
        lambda **k: q_sample(
            k.get("schedule", SCHEDULE),
            k.get("x0", batch()),
            k.get("t", torch.tensor([0, 5, 9, 49])),
            k.get("noise", batch()),
        ),
        {
            "schedule": ["linear", None, 0.1],
            "x0": NOT_A_TENSOR + [torch.zeros(4, 2, dtype=torch.long)],
            "t": [torch.tensor([0, 1]), torch.tensor([0.5, 1, 2, 3]), 50, -1, "0", torch.tensor([0, 1, 2, 50])],
            "noise": NOT_A_TENSOR + [torch.zeros(4, 3)],
        },
    ),
    "reverse_step": (
        lambda **k: reverse_step(
            k.get("schedule", SCHEDULE),
            k.get("x_t", batch()),
            k.get("t", 10),
            k.get("eps", batch()),
            variance=k.get("variance", "beta"),
            clip_denoised=k.get("clip_denoised", False),
            noise=k.get("noise", batch()),
        ),
        {
            "t": [T, -1, 2.0, "1", torch.tensor([1, 2])],
            "eps": NOT_A_TENSOR + [torch.zeros(4, 3)],
            "variance": ["large", None, 1],
            "clip_denoised": ["no", 1, None],
            "noise": ["z", torch.zeros(3, 2)],
        },
    ),
    "ddim_step": (
        lambda **k: ddim_step(
            k.get("schedule", SCHEDULE),
            k.get("x_t", batch()),
            k.get("t", 20),
            k.get("t_prev", 10),
            k.get("eps", batch()),
            eta=k.get("eta", 0.5),
            noise=k.get("noise", batch()),
        ),
        {
            "t": [T, -1, 1.5, "20"],
            "eta": NOT_A_NUMBER + NOT_FINITE + [-0.1, 1.5],
            "eps": NOT_A_TENSOR + [torch.zeros(5, 2)],
        },
    ),
    "p_mean_variance": (
        lambda **k: p_mean_variance(
            k.get("schedule", SCHEDULE),
            k.get("x_t", batch()),
            k.get("t", 3),
            k.get("eps", batch()),
            variance=k.get("variance", "posterior"),
        ),
        {"variance": ["fixedlarge", None], "t": [T, -5], "x_t": NOT_A_TENSOR},
    ),
    "q_posterior_mean_variance": (
        lambda **k: q_posterior_mean_variance(
            k.get("schedule", SCHEDULE), k.get("x0", batch()), k.get("x_t", batch()), k.get("t", 7)
        ),
        {"x0": NOT_A_TENSOR + [torch.zeros(4, 5)], "t": [0.5, T]},
    ),
    "predict_x0_from_eps": (
        lambda **k: predict_x0_from_eps(
            k.get("schedule", SCHEDULE), k.get("x_t", batch()), k.get("t", 7), k.get("eps", batch())
        ),
        {"eps": NOT_A_TENSOR + [torch.zeros(2, 2)], "t": ["7", T]},
    ),
    "guided_eps": (
        lambda **k: guided_eps(k.get("eps_cond", batch()), k.get("eps_uncond", batch()), k.get("w", 2.0)),
        {"w": NOT_FINITE + ["2"], "eps_uncond": NOT_A_TENSOR + [torch.zeros(4, 3)]},
    ),
    "get_beta_schedule": (
        lambda **k: get_beta_schedule(k.get("timesteps", 10), k.get("beta_start", 1e-4), k.get("beta_end", 0.02)),
        {
            "timesteps": [0, -3, 2.5, "10", None],
            "beta_start": NOT_FINITE + [-0.1, 0.0],
            "beta_end": NOT_FINITE + [1.0, 2.0],
        },
    ),
    "DiffusionSchedule.linear": (
        lambda **k: DiffusionSchedule.linear(k.get("T", 10)).alphas_cumprod,
        {"T": [0, -1, 2.5, "10", 10**8]},
    ),
    "ddim_timesteps": (
        lambda **k: torch.tensor(ddim_timesteps(k.get("T", 100), k.get("steps", 10)), dtype=torch.float32),
        {"T": [0, "100", 1.5], "steps": [0, 101, "10", -1]},
    ),
    "TimePositionalEncoding": (
        lambda **k: TimePositionalEncoding(k.get("dim", 8))(torch.arange(4)),
        {"dim": [0, -2, 7, 2.0, "8"]},
    ),
    "normal_kl": (
        lambda **k: normal_kl(
            k.get("mean1", batch()), k.get("logvar1", batch()), k.get("mean2", batch()), k.get("logvar2", batch())
        ),
        {"mean1": NOT_A_TENSOR},
    ),
    "simple_loss": (
        lambda **k: simple_loss(k.get("eps", batch()), k.get("eps_pred", batch())),
        {"eps_pred": NOT_A_TENSOR + [torch.zeros(4, 3)]},
    ),
    "psnr": (
        lambda **k: psnr(
            k.get("x", batch().clamp(-1, 1)),
            k.get("reference", batch(4, 2).clamp(-1, 1) * 0.5),
            k.get("data_range", 2.0),
        ),
        {"x": NOT_A_TENSOR + [torch.zeros(4, 3)], "data_range": NOT_FINITE + [0.0, -1.0, "2"]},
    ),
    "sliced_wasserstein": (
        lambda **k: torch.tensor(
            sliced_wasserstein(
                k.get("a", batch(50)), k.get("b", batch(50, 2) * 0.5 + 1), n_projections=k.get("n_projections", 16)
            )
        ),
        {"a": NOT_A_TENSOR + [torch.zeros(50, 3)], "n_projections": [0, -1, 2.5, "16"]},
    ),
    "toy_data": (
        lambda **k: toy_data(k.get("name", "moons"), k.get("n", 20), seed=k.get("seed", 0)),
        {"name": ["moon", None, 3], "n": [0, -5, 2.5, "20"], "seed": [-1, 1.5, "0"]},
    ),
}
TINY_MODEL = MLPDenoiser(hidden=8, num_layers=1, num_timesteps=T).eval()
IMAGES = torch.rand(5, 1, 4, 4, generator=torch.Generator().manual_seed(1)) * 2 - 1
NOT_A_MODEL = ["model", None, 3]
CASES |= {
    "forward_diffusion_sample": (
        lambda **k: forward_diffusion_sample(
            k.get("x_0", batch()),
            k.get("t", torch.tensor([0, 5, 9, 49])),
            k.get("sqrt_alphas_cumprod", SCHEDULE.sqrt_alphas_cumprod),
            k.get("sqrt_one_minus_alphas_cumprod", SCHEDULE.sqrt_one_minus_alphas_cumprod),
        )[0],
        {
            "x_0": NOT_A_TENSOR,
            "t": [torch.tensor([0.0, 1, 2, 3]), torch.tensor([0, 1, 2, 50]), torch.tensor([0, 1])],
            "sqrt_alphas_cumprod": [[0.5] * T, SCHEDULE.sqrt_alphas_cumprod * 2, SCHEDULE.sqrt_alphas_cumprod * 0.5],
            "sqrt_one_minus_alphas_cumprod": [None, SCHEDULE.sqrt_one_minus_alphas_cumprod * math.nan],
        },
    ),
    "denoising_step": (
        lambda **k: denoising_step(
            k.get("x_t", batch()),
            k.get("t", torch.tensor([0, 5, 9, 49])),
            k.get("model", TINY_MODEL),
            k.get("alphas", SCHEDULE.alphas),
            k.get("alphas_cumprod", SCHEDULE.alphas_cumprod),
            k.get("betas", SCHEDULE.betas),
            variance=k.get("variance", "beta"),
            clip_denoised=k.get("clip_denoised", False),
            noise=k.get("noise", batch()),
        ),
        {
            "model": NOT_A_MODEL,
            "alphas": [SCHEDULE.alphas * 0.5, SCHEDULE.alphas[:10], "alphas"],
            "betas": [SCHEDULE.betas * math.nan, SCHEDULE.betas + 1],
            "variance": ["large", None],
            "clip_denoised": ["no", 1],
        },
    ),
    "q_sample_iterative": (
        lambda **k: q_sample_iterative(
            k.get("schedule", SCHEDULE), k.get("x0", batch()), k.get("t", 9), generator=k.get("generator", None)
        ),
        {"generator": [3, "seed"], "t": [T, -1, 2.5], "x0": NOT_A_TENSOR},
    ),
    "model_eps": (
        lambda **k: model_eps(
            k.get("model", TINY_MODEL),
            k.get("x_t", batch()),
            k.get("t", torch.tensor([0, 5, 9, 49])),
            guidance=k.get("guidance", 0.0),
        ),
        {"model": NOT_A_MODEL, "guidance": NOT_FINITE + [-1.0, "1"], "t": [[0, 1, 2, 3], torch.tensor([1])]},
    ),
    "sample_trajectory": (
        lambda **k: sample_trajectory(
            k.get("model", TINY_MODEL),
            SCHEDULE,
            (3, 2),
            k.get("trajectory_at", [T - 1, 10, -1]),
            method="ddpm",
            seed=0,
            progress=False,
        )[0],
        {"trajectory_at": ["10", [1.5], [T], [None]]},
    ),
    "variational_bound_bpd": (
        lambda **k: variational_bound_bpd(
            k.get("model", TINY_MODEL),
            SCHEDULE,
            k.get("x0", torch.round((batch(2).clamp(-1, 1) + 1) * 127.5) / 127.5 - 1),
            generator=torch.Generator().manual_seed(0),
        )["terms_bpd"],
        {"model": NOT_A_MODEL, "x0": NOT_A_TENSOR},
    ),
    "ema_update": (
        lambda **k: (
            ema_update(k.get("ema", EMA_COPY), k.get("model", TINY_MODEL), k.get("decay", 0.9)),
            next(EMA_COPY.parameters()),
        )[1],
        {
            "decay": NOT_FINITE + [1.5, -0.1, "0.9"],
            "ema": [MLPDenoiser(hidden=4, num_layers=1, num_timesteps=T), "ema"],
            "model": NOT_A_MODEL,
        },
    ),
    "mean_flat": (lambda **k: mean_flat(k.get("x", batch())), {"x": NOT_A_TENSOR + [torch.tensor(1.0)]}),
    "count_parameters": (
        lambda **k: torch.tensor(float(count_parameters(k.get("model", TINY_MODEL)))),
        {"model": NOT_A_MODEL},
    ),
    "tile_images": (
        lambda **k: tile_images(k.get("images", IMAGES), k.get("nrow", 3), padding=k.get("padding", 1)),
        {
            "images": NOT_A_TENSOR + [torch.zeros(4, 8, 8), torch.zeros(0, 1, 4, 4)],
            "nrow": [0, -1, 2.5, "3"],
            "padding": [-1, 1.5],
        },
    ),
    "to_image": (
        lambda **k: torch.from_numpy(to_image(k.get("tensor", IMAGES[0]))),
        {"tensor": NOT_A_TENSOR + [IMAGES, torch.zeros(8, 8)]},
    ),
}
EMA_COPY = MLPDenoiser(hidden=8, num_layers=1, num_timesteps=T).eval()
CASES["sample"] = (
    lambda **k: sample(
        k.get("model", TINY_MODEL),
        k.get("schedule", SCHEDULE),
        k.get("shape", (3, 2)),
        method=k.get("method", "ddim"),
        steps=k.get("steps", 5),
        eta=k.get("eta", 0.0),
        guidance=k.get("guidance", 0.0),
        clip_denoised=k.get("clip_denoised", False),
        seed=k.get("seed", 0),
        progress=False,
    ),
    {
        "method": ["ddpm2", None, 1],
        "steps": [0, T + 1, 2.5],
        "eta": NOT_FINITE + [-1.0, 2.0, "0"],
        "guidance": NOT_FINITE + [-1.0],
        "clip_denoised": ["no", 0, None],
        "seed": [-1, 0.5, "0"],
    },
)

CASES |= {
    "ode.euler_step": (
        lambda **k: ode.euler_step(
            k.get("x", batch()), k.get("sigma", 2.0), k.get("sigma_next", 0.5), k.get("eps", batch())
        ),
        {
            "sigma": NOT_FINITE + [-1.0, "2", torch.ones(2)],
            "sigma_next": ["0", None],
            "eps": NOT_A_TENSOR + [torch.zeros(2, 2)],
        },
    ),
    "ode.ode_sample": (
        lambda **k: ode.ode_sample(
            k.get("eps_fn", lambda x, level: x),
            batch(),
            k.get("sigmas", [2.0, 1.0, 0.0]),
            points=k.get("points", None),
            method=k.get("method", "heun"),
        ),
        {"eps_fn": [None, "eps"], "sigmas": [[1.0], [1.0, -1.0], ["1", 0.0]], "points": [[1]], "method": ["rk4", None]},
    ),
    "ode.ode_timesteps": (
        lambda **k: torch.tensor(ode.ode_timesteps(k.get("schedule", SCHEDULE), k.get("steps", 5))[1]),
        {"schedule": ["linear", None], "steps": [0, T + 1, 2.5]},
    ),
}
MIXTURE = eight_gaussians()
POINTS = torch.randn(6, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
ALPHA_BAR_BAD = NOT_FINITE + [0.0, 1.5, torch.full((3,), 0.5), "0.5"]
CASES |= {
    "score.noised_score": (
        lambda **k: score.noised_score(k.get("mixture", MIXTURE), k.get("x", POINTS), k.get("alpha_bar", 0.5)),
        {"mixture": [object(), None], "x": NOT_A_TENSOR + [POINTS[:, :1]], "alpha_bar": ALPHA_BAR_BAD},
    ),
    "score.optimal_eps": (
        lambda **k: score.optimal_eps(MIXTURE, POINTS, k.get("alpha_bar", 0.5)),
        {"alpha_bar": ALPHA_BAR_BAD + [1.0]},  # ε* needs noise: ᾱ = 1 is refused
    ),
    "score.posterior_mean": (
        lambda **k: score.posterior_mean(MIXTURE, POINTS, k.get("signal", 0.5), k.get("noise", 0.5)),
        {"signal": [-0.1, 1.5, "0.5"], "noise": [0.0, 1.5, None]},
    ),
    "score.x0_from_eps": (
        lambda **k: score.x0_from_eps(POINTS, k.get("eps", POINTS), k.get("alpha_bar", 0.5)),
        {"eps": NOT_A_TENSOR + [POINTS[:3]], "alpha_bar": ALPHA_BAR_BAD + [1.0]},
    ),
    "score.score_from_eps": (
        lambda **k: score.score_from_eps(k.get("eps", POINTS), k.get("alpha_bar", 0.5)),
        {"eps": NOT_A_TENSOR, "alpha_bar": ALPHA_BAR_BAD},
    ),
    "score.VPSDE": (
        lambda **k: score.VPSDE(k.get("beta_min", 0.1), k.get("beta_max", 20.0)).sample(
            lambda x, tau: -x, POINTS, k.get("steps", 4), tau_min=k.get("tau_min", 1e-3)
        ),
        {"beta_min": [-1.0, "0.1"], "beta_max": [0.05, math.nan], "steps": [0, 2.5], "tau_min": [1.0, -0.5]},
    ),
    "score.VPSDE.from_schedule": (
        lambda **k: torch.tensor(score.VPSDE.from_schedule(k.get("schedule", SCHEDULE)).beta_max),
        {"schedule": [DiffusionSchedule.cosine(10), "linear"]},
    ),
}
# Every case but these (other modules' functions) raises the package's one exception type, InputError.
NOT_INPUT_ERROR = {"psnr", "sliced_wasserstein", "toy_data", "ema_update", "tile_images", "to_image"}

BAD = [
    (name, parameter, i)
    for name, (_, bad) in CASES.items()
    for parameter, values in bad.items()
    for i in range(len(values))
]


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_valid_call_of_each_case_gives_finite_values(name):
    out = CASES[name][0]()
    outs = out if isinstance(out, (tuple, list)) else [out]
    for value in outs:
        if isinstance(value, torch.Tensor):
            assert torch.isfinite(value.float()).all(), name


@pytest.mark.parametrize("name", sorted(CASES))
@FAST
@given(data=st.data())
def test_bad_arguments_are_refused_naming_the_parameter(name, data):
    call, bad = CASES[name]
    parameter = data.draw(st.sampled_from(sorted(bad)), label="parameter")
    value = data.draw(st.sampled_from(bad[parameter]), label="value")
    expected = (ValueError, TypeError) if name in NOT_INPUT_ERROR else InputError
    with pytest.raises(expected) as error:
        call(**{parameter: value})
    message = str(error.value)
    assert parameter in message or parameter.replace("_", " ") in message, (parameter, value, message)


@FAST
@given(
    b=st.integers(1, 6),
    d=st.integers(1, 4),
    t=st.integers(0, T - 1),
    dtype=st.sampled_from([torch.float32, torch.float64]),
)
def test_the_forward_and_reverse_steps_stay_finite_for_any_valid_batch(b, d, t, dtype):
    schedule = SCHEDULE.to(dtype=dtype)
    x0, eps = batch(b, d, dtype), batch(b + 1, d, dtype)[:b]
    x_t = q_sample(schedule, x0, torch.full((b,), t), eps)
    for variance in ("beta", "posterior"):
        x_prev = reverse_step(schedule, x_t, t, eps, variance=variance, noise=torch.zeros_like(x_t))
        assert x_prev.shape == x0.shape and x_prev.dtype == dtype and torch.isfinite(x_prev).all()
    if t > 0:
        assert torch.isfinite(ddim_step(schedule, x_t, t, t - 1, eps, eta=1.0, noise=eps)).all()
    assert torch.allclose(predict_x0_from_eps(schedule, x_t, t, eps), x0, atol=1e-3 if dtype == torch.float32 else 1e-9)


@FAST
@given(T_=st.integers(1, 2000), s=st.floats(1e-4, 0.5))
def test_schedules_are_finite_for_any_valid_length(T_, s):
    for schedule in (DiffusionSchedule.linear(T_), DiffusionSchedule.cosine(T_, s=s)):
        for name in (
            "alphas_cumprod",
            "sqrt_recip_alphas_cumprod",
            "posterior_mean_coef1",
            "posterior_log_variance_clipped",
        ):
            assert torch.isfinite(getattr(schedule, name)).all(), (schedule, name)
