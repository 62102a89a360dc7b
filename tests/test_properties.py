"""Checks of the whole public API: every public function of ``ddpm_lessons.__all__`` and of its modules (models,
``train``, the data loaders, evaluation, lessons 09–10's ``score``, ``ode`` and ``flow``) has a case here, every bad
argument of a case raises :class:`~ddpm_lessons.InputError` (a file: ``CheckpointError`` or ``InputError``) naming
the parameter — never accepted, never a NaN/inf/complex result, never another exception — and every valid call
gives finite values. ``test_every_public_function_has_a_bad_argument_case`` fails when a public function is added
without a case.

Each function is described once: how to build a valid call, and which kinds of bad value each parameter must
refuse. Hypothesis draws valid shapes, timesteps and schedule lengths for the finiteness properties at the end.
"""

import importlib
import inspect
import math
import pathlib
import tempfile
import warnings

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ddpm_lessons import (
    CheckpointError,
    DiagramWiredUNet,
    DiffusionSchedule,
    DiffusionUNet,
    InputError,
    ResidualUNet,
    SamplerSpec,
    TimePositionalEncoding,
    UNetStage,
    build_model,
    consistency,
    count_macs,
    count_parameters,
    ddim_step,
    ddim_timesteps,
    denoising_step,
    discretized_gaussian_log_likelihood,
    distill,
    edm,
    ema_update,
    eps_mse_weight,
    evaluation,
    flow,
    forward_diffusion_sample,
    get_beta_schedule,
    guided_eps,
    image_grid,
    leading_timesteps,
    level_probabilities,
    load_checkpoint,
    load_trained,
    mean_flat,
    min_snr_weight,
    model_eps,
    normal_kl,
    ode,
    p_mean_variance,
    pick_device,
    plot_generation_process,
    plot_noise_distribution,
    plot_noise_prediction,
    predict_eps_from_x0,
    predict_x0_from_eps,
    prior_kl_bpd,
    q_posterior_mean_variance,
    q_sample,
    q_sample_iterative,
    reverse_log_variance,
    sample,
    sample_trajectory,
    save_checkpoint,
    score,
    shipped_path,
    simple_loss,
    target_weight,
    tile_images,
    to_image,
    train,
    variational_bound_bpd,
    vb_term_bpd,
    verify_shipped,
    weighted_eps_mse,
)
from ddpm_lessons import data as data_module
from ddpm_lessons import experiments as experiments_module
from ddpm_lessons import models as models_module
from ddpm_lessons.config import CheckpointPolicy, TrainConfig
from ddpm_lessons.data import eight_gaussians, toy_data
from ddpm_lessons.evaluation import psnr, sliced_wasserstein
from ddpm_lessons.models import MLPDenoiser
from ddpm_lessons.process import reverse_step
from ddpm_lessons.train import learning_rate

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
    "learning_rate": (
        lambda **k: torch.tensor(learning_rate(k.get("settings", TrainConfig(decay_steps=10)), k.get("step", 3))),
        {"settings": [None, {"lr": 1e-3}], "step": [-1, 1.5, "3", True]},
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
        spacing=k.get("spacing", "karras"),
        rho=k.get("rho", 7.0),
        prediction=k.get("prediction", "eps"),
        progress=False,
    ),
    {
        "method": ["ddpm2", None, 1],
        "steps": [0, T + 1, 2.5, 40],  # 40 Karras steps do not fit T = 50
        "eta": NOT_FINITE + [-1.0, 2.0, "0"],
        "guidance": NOT_FINITE + [-1.0],
        "clip_denoised": ["no", 0, None],
        "seed": [-1, 0.5, "0"],
        "spacing": ["log", None, 1],
        "rho": NOT_FINITE + [0.0, -7.0, "7"],
        "prediction": ["score", None, "V"],
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
    "score.point_cloud_posterior": (
        lambda **k: score.point_cloud_posterior(
            k.get("points", POINTS[:4]), k.get("x", POINTS), k.get("alpha_bar", 0.5)
        )[0],
        {"points": NOT_A_TENSOR + [POINTS[0]], "x": NOT_A_TENSOR + [POINTS[:, :1]], "alpha_bar": ALPHA_BAR_BAD + [1.0]},
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
# lessons 03a/03b's exact 1-D machinery (evaluation.exact1d): float64 grids, a density normalised on its grid
GRID64 = torch.linspace(-8, 8, 1601, dtype=torch.float64)
NORMAL64 = torch.exp(-0.5 * GRID64**2) / math.sqrt(2 * math.pi)
SCHEDULE64 = DiffusionSchedule.linear(5, dtype=torch.float64)
BUMP = data_module.GaussianMixture1D(weights=(1.0,), means=(0.0,), stds=(0.5,))
CASES |= {
    "evaluation.log_normal": (
        lambda **k: evaluation.log_normal(GRID64[:5], 0.0, k.get("var", 1.0)),
        {"var": [0.0, -1.0, math.nan]},
    ),
    "evaluation.kl_normal": (
        lambda **k: evaluation.kl_normal(0.0, k.get("v1", 1.0), 0.5, k.get("v2", 2.0)),
        {"v1": [0.0, -1.0], "v2": [math.inf, 0.0]},
    ),
    "evaluation.grid_moments": (
        lambda **k: torch.tensor(evaluation.grid_moments(k.get("grid", GRID64), k.get("density", NORMAL64))),
        {"grid": [GRID64.float(), GRID64[:2], GRID64.flip(0)], "density": [2 * NORMAL64, NORMAL64[:5], -NORMAL64]},
    ),
    "evaluation.kl_from_gaussian": (
        lambda **k: torch.tensor(evaluation.kl_from_gaussian(k.get("grid", GRID64), k.get("density", NORMAL64))),
        {"grid": [GRID64.float()], "density": [2 * NORMAL64, NORMAL64 * math.nan]},
    ),
    "evaluation.reverse_conditional": (
        lambda **k: evaluation.reverse_conditional(
            k.get("mixture", BUMP),
            k.get("schedule", SCHEDULE64),
            k.get("x_t", 0.3),
            k.get("t", 3),
            k.get("s", 2),
            k.get("grid", GRID64),
        ),
        {
            "mixture": [object(), None],
            "schedule": [DiffusionSchedule.linear(5), "linear"],
            "x_t": [math.nan, "a"],
            "t": [5, -1],
            "s": [3, -2],
            "grid": [GRID64.float()],
        },
    ),
    "evaluation.ShortChain": (
        lambda **k: evaluation.ShortChain(k.get("schedule", SCHEDULE64), nodes=k.get("nodes")).model_mean(
            k.get("guess", lambda x, t: 0.5 * x), torch.zeros(3, dtype=torch.float64), k.get("t", 2)
        ),
        {
            "schedule": [DiffusionSchedule.linear(5), "linear"],
            "nodes": [torch.linspace(-1, 1, 401, dtype=torch.float64)],
            "guess": [None, lambda x, t: x[:1]],
            "t": [0, 6],
        },
    ),
}
# Every case but these (other modules' functions) raises the package's one exception type, InputError.
NOT_INPUT_ERROR = {"psnr", "sliced_wasserstein", "toy_data", "ema_update", "tile_images", "to_image"}


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


# ---------------------------------------------------------------------------------------------------------------
# Issue 25 §6–7: every public function has a bad-argument case; NaN/inf inputs and NaN model outputs are refused by
# name where the result would be NaN, results are never complex, fractions are never truncated, and payloads a
# weights-only load would refuse are refused at save time.

NAN_BATCH = batch().clone()
NAN_BATCH[0, 0] = math.nan
INF_BATCH = batch().clone()
INF_BATCH[1, 1] = math.inf
NAN_POINTS = POINTS.clone()
NAN_POINTS[0, 0] = math.nan
NOT_FINITE_TENSORS = [NAN_BATCH, INF_BATCH]
PIXELS = -torch.ones(2, 1, 4, 4)  # on the 8-bit grid
NAN_PIXELS = PIXELS.clone()
NAN_PIXELS[0, 0, 0, 0] = math.nan
SEEDS_BAD = [-1, 0.5, "0", 2**64]


def _record_files():
    """A complete record and a file that is not JSON, in a folder of their own (read_record's cases)."""
    import argparse
    import json

    folder = pathlib.Path(tempfile.mkdtemp(prefix="ddpm-record-"))
    good = {key: 1 for key in experiments_module.record.REQUIRED_KEYS} | {"runs": [{"seed": 0}]}
    (folder / "good.json").write_text(json.dumps(good))
    (folder / "broken.json").write_text("{")
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int)
    return folder / "good.json", folder / "broken.json", parser


RECORD, NOT_JSON, RECORD_PARSER = _record_files()
FRACTIONS = [1.5, 2.5]


class NaNAfter(torch.nn.Module):
    """An ε-model that returns NaN for t < 25 (a network that diverged)."""

    def __init__(self, dim=2):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))
        self.eval()

    def forward(self, x, t, *labels):
        return torch.where(broadcast_t(t < 25, x), torch.full_like(x, math.nan), torch.zeros_like(x))


def broadcast_t(mask, x):
    return mask.reshape(-1, *([1] * (x.dim() - 1)))


def flow_states():
    x = batch()
    return [x, x * 0.5, x * 0.25]


CASES["q_sample"][1]["x0"] = [*CASES["q_sample"][1]["x0"], *NOT_FINITE_TENSORS]
CASES["q_sample"][1]["noise"] = [*CASES["q_sample"][1]["noise"], *NOT_FINITE_TENSORS]
CASES["forward_diffusion_sample"][1]["x_0"] = [*CASES["forward_diffusion_sample"][1]["x_0"], *NOT_FINITE_TENSORS]
CASES["reverse_step"][1]["eps"] = [*CASES["reverse_step"][1]["eps"], *NOT_FINITE_TENSORS]
CASES["ddim_step"][1]["eps"] = [*CASES["ddim_step"][1]["eps"], *NOT_FINITE_TENSORS]
CASES["p_mean_variance"][1]["x_t"] = [*CASES["p_mean_variance"][1]["x_t"], *NOT_FINITE_TENSORS]
CASES["q_posterior_mean_variance"][1]["x0"] = [*CASES["q_posterior_mean_variance"][1]["x0"], *NOT_FINITE_TENSORS]
CASES["predict_x0_from_eps"][1]["eps"] = [*CASES["predict_x0_from_eps"][1]["eps"], *NOT_FINITE_TENSORS]
CASES["guided_eps"][1]["eps_uncond"] = [*CASES["guided_eps"][1]["eps_uncond"], *NOT_FINITE_TENSORS]
CASES["simple_loss"][1]["eps_pred"] = [*CASES["simple_loss"][1]["eps_pred"], *NOT_FINITE_TENSORS]
CASES["simple_loss"][1]["eps"] = NOT_A_TENSOR + NOT_FINITE_TENSORS
CASES["normal_kl"][1]["mean1"] = [*CASES["normal_kl"][1]["mean1"], *NOT_FINITE_TENSORS]
CASES["mean_flat"][1]["x"] = [*CASES["mean_flat"][1]["x"], *NOT_FINITE_TENSORS]
CASES["psnr"][1]["x"] = [*CASES["psnr"][1]["x"], *[NAN_BATCH]]
CASES["psnr"][1]["reference"] = NOT_A_TENSOR + [NAN_BATCH]
CASES["sliced_wasserstein"][1]["a"] = [*CASES["sliced_wasserstein"][1]["a"], *[torch.full((50, 2), math.nan)]]
CASES["sliced_wasserstein"][1]["seed"] = SEEDS_BAD
CASES["toy_data"][1]["seed"] = [*CASES["toy_data"][1]["seed"], *[2**64]]
CASES["sample"][1]["seed"] = [*CASES["sample"][1]["seed"], *[2**64]]
CASES["sample"][1]["shape"] = [(-1, 2), (1.5, 2), (0, 2), "3,2", (3, 3), None]
CASES["sample"][1]["model"] = NOT_A_MODEL + [NaNAfter()]
CASES["denoising_step"][1]["model"] = [*CASES["denoising_step"][1]["model"], *[NaNAfter()]]
CASES["get_beta_schedule"][1]["dtype"] = ["float64", torch.int64, 3]
CASES["get_beta_schedule"][1]["timesteps"] = [*CASES["get_beta_schedule"][1]["timesteps"], *FRACTIONS]
CASES["score.noised_score"][1]["x"] = [*CASES["score.noised_score"][1]["x"], *[NAN_POINTS]]
CASES["score.x0_from_eps"][1]["eps"] = [*CASES["score.x0_from_eps"][1]["eps"], *[NAN_POINTS]]
CASES["score.score_from_eps"][1]["eps"] = [*CASES["score.score_from_eps"][1]["eps"], *[NAN_POINTS]]
CASES["ode.euler_step"][1]["eps"] = [*CASES["ode.euler_step"][1]["eps"], *NOT_FINITE_TENSORS]
CASES["ode.ode_sample"][1]["eps_fn"] = [*CASES["ode.ode_sample"][1]["eps_fn"], *[lambda x, level: x * math.nan]]
CASES["get_beta_schedule"] = (
    lambda **k: get_beta_schedule(
        k.get("timesteps", 10), k.get("beta_start", 1e-4), k.get("beta_end", 0.02), dtype=k.get("dtype")
    ),
    CASES["get_beta_schedule"][1],
)
CASES["sliced_wasserstein"] = (
    lambda **k: torch.tensor(
        sliced_wasserstein(
            k.get("a", batch(50)),
            k.get("b", batch(50, 2) * 0.5 + 1),
            n_projections=k.get("n_projections", 16),
            seed=k.get("seed", 0),
        )
    ),
    CASES["sliced_wasserstein"][1],
)
NOT_INPUT_ERROR.clear()


train_module = importlib.import_module("ddpm_lessons.train")  # the module (ddpm_lessons.train is the function)
SCRATCH = pathlib.Path(tempfile.mkdtemp(prefix="ddpm-properties-"))
MISSING = SCRATCH / "missing.pt"
GARBAGE = SCRATCH / "garbage.pt"
GARBAGE.write_bytes(b"not a checkpoint")
MOONS = shipped_path("moons_ddpm.pt")
CLASSIFIER_PATH = shipped_path("glyph_classifier.pt")
FILE_BAD = [MISSING, SCRATCH, GARBAGE]  # refused as CheckpointError or InputError naming the path
SMALL_UNET = {"base_channels": 8, "channel_mults": (1,), "num_res_blocks": 1, "attention": False, "groups": 4}
T_IMAGES = torch.zeros(2, dtype=torch.long)
X_IMAGES = torch.zeros(2, 1, 8, 8)
X_RGB = torch.zeros(2, 3, 8, 8)
GLYPHS = torch.rand(4, 1, 28, 28, generator=torch.Generator().manual_seed(4)) * 2 - 1
GLYPH_LABELS = torch.tensor([0, 1, 2, 3])
UNIT_NET = dict(img_channels=3, time_dim=8, channel_sequence=(4, 8))


def trained_state():
    return train(
        MLPDenoiser(hidden=8, num_layers=1, num_timesteps=T), batch(8), steps=1, schedule=SCHEDULE, progress=False
    )


def small_classifier():
    return evaluation.GlyphClassifier(channels=(4, 8), hidden=8).eval()


CASES |= {
    # process and losses
    "predict_eps_from_x0": (
        lambda **k: predict_eps_from_x0(SCHEDULE, k.get("x_t", batch()), k.get("t", 7), k.get("x0", batch())),
        {"x0": NOT_A_TENSOR + NOT_FINITE_TENSORS, "t": ["7", T, 1.5]},
    ),
    "reverse_log_variance": (
        lambda **k: reverse_log_variance(k.get("schedule", SCHEDULE), k.get("variance", "beta")),
        {"schedule": ["linear", None], "variance": ["large", None]},
    ),
    "discretized_gaussian_log_likelihood": (
        lambda **k: discretized_gaussian_log_likelihood(
            k.get("x", PIXELS), k.get("means", torch.zeros_like(PIXELS)), k.get("log_scales", torch.zeros(1))
        ),
        {
            "x": NOT_A_TENSOR + [PIXELS * 0.3, NAN_PIXELS],
            "means": NOT_A_TENSOR + [NAN_PIXELS, torch.zeros(2, 1, 4, 3)],
            "log_scales": ["0", None, torch.full((1,), math.nan), torch.zeros(3)],
        },
    ),
    "eps_mse_weight": (
        lambda **k: eps_mse_weight(k.get("schedule", SCHEDULE), k.get("t", 5), variance=k.get("variance", "beta")),
        {"schedule": ["linear"], "t": [T, 1.5, "5"], "variance": ["large"]},
    ),
    "prior_kl_bpd": (
        lambda **k: prior_kl_bpd(k.get("schedule", SCHEDULE), k.get("x0", batch())),
        {"schedule": ["linear"], "x0": NOT_A_TENSOR + NOT_FINITE_TENSORS},
    ),
    "vb_term_bpd": (
        lambda **k: vb_term_bpd(
            SCHEDULE, batch(), batch(), k.get("t", 5), k.get("eps", batch()), variance=k.get("variance", "beta")
        ),
        {"eps": NOT_A_TENSOR + NOT_FINITE_TENSORS, "t": [T, 1.5], "variance": ["large"]},
    ),
    "weighted_eps_mse": (
        lambda **k: weighted_eps_mse(SCHEDULE, k.get("t", 5), batch(), k.get("eps_pred", batch())),
        {"eps_pred": NOT_A_TENSOR + NOT_FINITE_TENSORS, "t": [0, T, 1.5]},
    ),
    # networks and models
    "MLPDenoiser": (
        lambda **k: MLPDenoiser(
            data_dim=k.get("data_dim", 2),
            hidden=k.get("hidden", 8),
            num_layers=k.get("num_layers", 1),
            num_timesteps=k.get("num_timesteps", T),
        )(batch(), torch.tensor([0, 1, 2, 3])),
        {"data_dim": [0, 1.5, "2"], "hidden": [0, 1.5], "num_layers": [-1, 1.5], "num_timesteps": [0, 2.5]},
    ),
    "ResidualUNet": (
        lambda **k: ResidualUNet(
            **(SMALL_UNET | {n: k[n] for n in ("in_channels", "base_channels", "channel_mults", "dropout") if n in k})
        ).eval()(X_IMAGES, T_IMAGES),
        {
            "in_channels": [0, 1.5],
            "base_channels": [0, 2.5, "8"],
            "channel_mults": [[], [1.5], "1"],
            "dropout": [math.nan, 1.5],
        },
    ),
    "UNetStage": (
        lambda **k: UNetStage(
            k.get("in_ch", 3), k.get("out_ch", 8), k.get("time_dim", 8), use_label_cond=k.get("use_label_cond", False)
        ).eval()(X_RGB, T_IMAGES),
        {"in_ch": [0, 1.5], "out_ch": [0, 2.5], "time_dim": [0, 3], "use_label_cond": ["no", None]},
    ),
    "DiffusionUNet": (
        lambda **k: DiffusionUNet(**(UNIT_NET | k)).eval()(X_RGB, T_IMAGES),
        {
            "img_channels": [0, 1.5],
            "time_dim": [0, 3],
            "channel_sequence": [[8], "48", [4, 1.5]],
            "label_conditioning": ["no"],
        },
    ),
    "DiagramWiredUNet": (
        lambda **k: DiagramWiredUNet(**(UNIT_NET | k)).eval()(X_RGB, T_IMAGES),
        {"img_channels": [0, 1.5], "time_dim": [0, 3], "channel_sequence": [[8], "48"], "label_conditioning": [1]},
    ),
    "build_model": (
        lambda **k: build_model(k.get("kind", "MLPDenoiser"), k.get("config", {"hidden": 8, "num_layers": 1}))(
            batch(), torch.tensor([0, 1, 2, 3])
        ),
        {"kind": ["transformer", None], "config": ["hidden=8", {"bogus": 1}]},
    ),
    "count_macs": (
        lambda **k: torch.tensor(float(count_macs(k.get("model", TINY_MODEL), batch(), torch.tensor([0, 1, 2, 3])))),
        {"model": NOT_A_MODEL},
    ),
    "models.check_example_shape": (
        lambda **k: models_module.check_example_shape(k.get("shape", (4, 2)), TINY_MODEL, "shape"),
        {"shape": [(4, 3), (4,), (4, 1, 2)]},
    ),
    "models.check_class_labels": (
        lambda **k: models_module.check_class_labels(k.get("labels", torch.tensor([0, 1])), k.get("num_classes", 2)),
        {
            "labels": [torch.tensor([0, 2]), torch.tensor([-1, 0]), torch.tensor([0.5, 1.0]), "0"],
            "num_classes": [0, 1.5],
        },
    ),
    "models.takes_no_labels": (
        lambda **k: torch.tensor(float(models_module.takes_no_labels(k.get("model", TINY_MODEL)))),
        {"model": NOT_A_MODEL},
    ),
    # sampling and schedules
    "SamplerSpec": (
        lambda **k: torch.tensor(float(SamplerSpec(**({"method": "ddim", "steps": 4} | k)).steps)),
        {"method": ["x", None], "steps": [0, 1.5], "eta": [math.nan, 2.0], "seed": SEEDS_BAD, "noise_scale": [-1.0]},
    ),
    "DiffusionSchedule": (
        lambda **k: DiffusionSchedule(k.get("betas", [0.1, 0.2]), dtype=k.get("dtype")).alphas_cumprod,
        {"betas": [[], [0.5, math.nan], [1.5], "x"], "dtype": ["float64", torch.int64]},
    ),
    # training
    "train": (
        lambda **k: next(
            train(
                MLPDenoiser(hidden=8, num_layers=1, num_timesteps=T),
                k.pop("data", batch(8)),
                steps=k.pop("steps", 1),
                schedule=SCHEDULE,
                progress=False,
                **k,
            ).ema.parameters()
        ),
        {
            "data": [batch(8)[:0], NAN_BATCH, "x", torch.zeros(4, 3)],
            "steps": [-1, 1.5, "1"],
            "lr": [math.nan, -1.0],
            "seed": SEEDS_BAD,
            "batch_size": [0, 2.5],
            "data_info": [{"path": pathlib.Path("x")}, {"n": np.float64(1.0)}, "moons"],
        },
    ),
    "TrainConfig": (
        lambda **k: torch.tensor(float(TrainConfig(**k).batch_size)),
        {"batch_size": [0, 2.5], "lr": [math.nan, -1.0], "optimizer": ["sgd"], "seed": SEEDS_BAD},
    ),
    "CheckpointPolicy": (
        lambda **k: torch.tensor(float(CheckpointPolicy(**({"path": str(SCRATCH / "p.pt")} | k)).resume)),
        {"path": [3], "every": [0, 1.5], "resume": ["no"]},
    ),
    "train.TrainState": (
        lambda **k: torch.tensor(
            float(
                train_module.TrainState(
                    k.get("model", TINY_MODEL),
                    TINY_MODEL,
                    None,
                    SCHEDULE,
                    k.get("step", 0),
                    k.get("history", {"loss": []}),
                    {},
                ).step
            )
        ),
        {"model": NOT_A_MODEL, "step": [-1, 1.5], "history": [None, {"loss": 3}]},
    ),
    "train.EpsObjective": (
        lambda **k: torch.tensor(
            float(len(train_module.EpsObjective(k.get("schedule", SCHEDULE), k.get("forward")).schedule))
        ),
        {"schedule": ["linear", None], "forward": [3, "q_sample"]},
    ),
    "train.checkpoint_payload": (
        lambda **k: torch.tensor(
            float(train_module.checkpoint_payload(k.get("state", STATE), k.get("generator", torch.Generator()))["step"])
        ),
        {"state": [None, "state"], "generator": [3, None]},
    ),
    "train.release_payload": (
        lambda **k: torch.tensor(float(train_module.release_payload(k.get("payload", PAYLOAD))["step"])),
        {"payload": [None, {}, {"kind": "ddpm"}]},
    ),
    "load_trained": (
        lambda **k: next(load_trained(k.get("path", MOONS), use_ema=k.get("use_ema", True))[0].parameters()),
        {"path": FILE_BAD, "use_ema": ["no", None]},
    ),
    # checkpoints and devices
    "save_checkpoint": (
        lambda **k: torch.tensor(
            float(len(save_checkpoint(k.get("path", SCRATCH / "ok.pt"), k.get("payload", {"a": 1}))))
        ),
        {
            "path": [SCRATCH, None],
            "payload": [{"p": pathlib.Path("x")}, {"n": np.float64(1.0)}, {"m": TINY_MODEL}, {"a": np.zeros(2)}],
        },
    ),
    "load_checkpoint": (
        lambda **k: torch.tensor(float(load_checkpoint(k.get("path", MOONS), verify=k.get("verify", True))["step"])),
        {"path": FILE_BAD, "verify": ["no", None]},
    ),
    "shipped_path": (
        lambda **k: torch.tensor(float(shipped_path(k.get("name", "moons_ddpm.pt")).exists())),
        {"name": ["nope.pt", 3]},
    ),
    "verify_shipped": (
        lambda **k: torch.tensor(float(len(verify_shipped(k.get("manifest", MOONS.parent / "MANIFEST.json"))))),
        {"manifest": FILE_BAD},
    ),
    "pick_device": (
        lambda **k: torch.zeros(1, device=pick_device(k.get("device", "cpu"))),
        {"device": ["bogus", "cuda:x"]},
    ),
    # data
    "data.GlyphDigits": (
        lambda **k: data_module.GlyphDigits(n=k.get("n", 4), seed=k.get("seed", 0), size=k.get("size", 28))[0][0],
        {"n": [0, 1.5], "seed": SEEDS_BAD, "size": [0, 1.5, "28"]},
    ),
    "data.load_photo": (
        lambda **k: data_module.load_photo(k.get("path"), image_shape=k.get("image_shape", (8, 8))),
        {"path": [MISSING, SCRATCH, GARBAGE], "image_shape": [(0, 4), (1.5, 4), "48"]},
    ),
    "data.photo_transform": (
        lambda **k: torch.tensor(float(callable(data_module.photo_transform(k.get("image_shape", (8, 8)))))),
        {"image_shape": [(0, 4), (1.5, 4), "48"]},
    ),
    "data.GaussianMixture1D": (
        lambda **k: data_module.GaussianMixture1D(**k).sample(4, generator=torch.Generator().manual_seed(0)),
        {"weights": [(math.nan, 0.5, 0.5), (0.5, 0.6, -0.1)], "stds": [(0.1, 0.1, -1.0), (0.1, 0.1, math.inf)]},
    ),
    "data.GaussianMixture": (
        lambda **k: data_module.GaussianMixture(
            k.get("weights", [0.5, 0.5]), k.get("means", [[0.0, 0.0], [1.0, 1.0]]), k.get("stds", [0.1, 0.1])
        ).sample(4, generator=torch.Generator().manual_seed(0)),
        {
            "weights": [[math.nan, 1.0], [0.5]],
            "means": [[[math.nan, 0.0], [1.0, 1.0]]],
            "stds": [[0.1, math.inf], [0.1, 0.0]],
        },
    ),
    "data.eight_gaussians": (
        lambda **k: data_module.eight_gaussians(k.get("radius", 1.2), k.get("std", 0.1)).means,
        {"radius": [math.nan, -1.0, "1"], "std": [0.0, math.nan]},
    ),
    "data.real_dataset": (
        lambda **k: data_module.real_dataset(k.get("name", "mnist"), k.get("root", SCRATCH)),
        {"name": ["bogus", None], "root": [MISSING]},
    ),
    "data.RealDataset": (
        lambda **k: (
            data_module.RealDataset(
                k.get("name", "mnist"),
                True,
                k.get("images", torch.zeros(2, 1, 4, 4)),
                k.get("labels", torch.zeros(2)),
                ["zero", "one"],
            ).images
        ),
        {"images": ["x", torch.zeros(2, 4)], "labels": ["x", torch.zeros(3)]},
    ),
    # lessons 09a/09b: score, ode, flow
    "score.noised_log_prob": (
        lambda **k: score.noised_log_prob(MIXTURE, k.get("x", POINTS), k.get("alpha_bar", 0.5)),
        {"x": NOT_A_TENSOR + [NAN_POINTS], "alpha_bar": ALPHA_BAR_BAD},
    ),
    "score.eps_from_score": (
        lambda **k: score.eps_from_score(k.get("score", POINTS), k.get("alpha_bar", 0.5)),
        {"score": NOT_A_TENSOR + [NAN_POINTS], "alpha_bar": ALPHA_BAR_BAD},
    ),
    "score.eps_from_x0": (
        lambda **k: score.eps_from_x0(POINTS, k.get("x0", POINTS), k.get("alpha_bar", 0.5)),
        {"x0": NOT_A_TENSOR + [NAN_POINTS], "alpha_bar": ALPHA_BAR_BAD + [1.0]},
    ),
    "score.tweedie_x0": (
        lambda **k: score.tweedie_x0(POINTS, k.get("score", POINTS), k.get("alpha_bar", 0.5)),
        {"score": NOT_A_TENSOR + [NAN_POINTS], "alpha_bar": ALPHA_BAR_BAD},
    ),
    "score.velocity_from_eps": (
        lambda **k: score.velocity_from_eps(POINTS, k.get("eps", POINTS), k.get("alpha_bar", 0.5)),
        {"eps": NOT_A_TENSOR + [NAN_POINTS], "alpha_bar": ALPHA_BAR_BAD},
    ),
    "score.eps_from_velocity": (
        lambda **k: score.eps_from_velocity(POINTS, k.get("velocity", POINTS), k.get("alpha_bar", 0.5)),
        {"velocity": NOT_A_TENSOR + [NAN_POINTS], "alpha_bar": ALPHA_BAR_BAD},
    ),
    "score.MixtureEps": (
        lambda **k: score.MixtureEps(k.get("mixture", MIXTURE), k.get("schedule", SCHEDULE))(
            POINTS.float(), torch.full((6,), 3)
        ),
        {"mixture": [None, "mixture"], "schedule": ["linear", None]},
    ),
    "ode.sigma_from_alpha_bar": (
        lambda **k: torch.tensor(ode.sigma_from_alpha_bar(k.get("alpha_bar", 0.5))),
        {"alpha_bar": [-1, 2, 0.0, math.nan, "0.5", torch.tensor(-1.0), torch.tensor([0.5, 1.5])]},
    ),
    "ode.alpha_bar_from_sigma": (
        lambda **k: torch.tensor(ode.alpha_bar_from_sigma(k.get("sigma", 1.0))),
        {"sigma": [-1.0, math.nan, "1", torch.tensor(math.nan)]},
    ),
    "ode.heun_step": (
        lambda **k: ode.heun_step(
            k.get("x", batch()),
            k.get("sigma", 2.0),
            k.get("sigma_next", 1.0),
            k.get("eps", batch()),
            k.get("eps_next_fn", lambda y: y * 0.1),
        ),
        {
            "sigma": NOT_FINITE + [-1.0, "2"],
            "eps": NOT_A_TENSOR + NOT_FINITE_TENSORS,
            "eps_next_fn": [None, "f", lambda y: y * math.nan],
        },
    ),
    "ode.ode_nfe": (
        lambda **k: torch.tensor(float(ode.ode_nfe(k.get("method", "heun"), k.get("steps", 4)))),
        {"method": ["rk4", None], "steps": [0, 1.5, "4"]},
    ),
    # issue 22, lesson A: v-prediction, Karras spacing, EDM preconditioning
    "score.v_from_eps": (
        lambda **k: score.v_from_eps(POINTS, k.get("eps", POINTS), k.get("alpha_bar", 0.5)),
        {"eps": NOT_A_TENSOR + [NAN_POINTS, POINTS[:3]], "alpha_bar": ALPHA_BAR_BAD},
    ),
    "score.eps_from_v": (
        lambda **k: score.eps_from_v(POINTS, k.get("v", POINTS), k.get("alpha_bar", 0.5)),
        {"v": NOT_A_TENSOR + [NAN_POINTS, POINTS[:3]], "alpha_bar": ALPHA_BAR_BAD},
    ),
    "score.x0_from_v": (
        lambda **k: score.x0_from_v(POINTS, k.get("v", POINTS), k.get("alpha_bar", 0.5)),
        {"v": NOT_A_TENSOR + [NAN_POINTS, POINTS[:3]], "alpha_bar": ALPHA_BAR_BAD},
    ),
    "ode.karras_timesteps": (
        lambda **k: torch.tensor(
            ode.karras_timesteps(k.get("schedule", SCHEDULE), k.get("steps", 5), k.get("rho", 7.0))[1]
        ),
        {"schedule": ["linear", None], "steps": [0, T, 2.5], "rho": [0.0, -1.0, math.nan, "7"]},
    ),
    "edm.preconditioning": (
        lambda **k: torch.tensor(edm.preconditioning(k.get("sigma", 2.0), k.get("sigma_data", 0.5))),
        {"sigma": NOT_FINITE + [-1.0, "2", torch.tensor([1.0, -1.0])], "sigma_data": NOT_FINITE + [0.0, -0.5, "1"]},
    ),
    # issue 22, lesson A: targets as weightings, leading spacing, log-normal training levels
    "target_weight": (
        lambda **k: target_weight(k.get("snr", 2.0), k.get("prediction", "v")),
        {"snr": [0.0, -1.0, math.nan, "2", torch.tensor([1, 2])], "prediction": ["flows", None]},
    ),
    "min_snr_weight": (
        lambda **k: min_snr_weight(k.get("snr", 2.0), k.get("prediction", "v"), k.get("gamma", 5.0)),
        {"snr": [-1.0, math.inf, "2"], "prediction": ["score", None], "gamma": [0.0, -1.0, math.nan, "5"]},
    ),
    "leading_timesteps": (
        lambda **k: torch.tensor(leading_timesteps(k.get("T", 100), k.get("steps", 10)), dtype=torch.float32),
        {"T": [0, "100", 1.5], "steps": [0, 101, "10", -1]},
    ),
    "level_probabilities": (
        lambda **k: level_probabilities(
            k.get("schedule", SCHEDULE), k.get("levels", "lognormal"), k.get("mean", -1.2), k.get("std", 1.2)
        ),
        {
            "schedule": ["linear", None],
            "levels": ["normal", None],
            "mean": [math.nan, "0", 1e6],
            "std": [0.0, math.inf],
        },
    ),
    "flow.flow_path": (
        lambda **k: flow.flow_path(k.get("x0", batch()), k.get("noise", batch()), k.get("s", 0.5)),
        {"x0": NOT_A_TENSOR + NOT_FINITE_TENSORS, "noise": [torch.zeros(4, 3)], "s": [1.5, -0.1, math.nan, "0.5"]},
    ),
    "flow.flow_target": (
        lambda **k: flow.flow_target(k.get("x0", batch()), k.get("noise", batch())),
        {"x0": NOT_A_TENSOR + NOT_FINITE_TENSORS, "noise": NOT_A_TENSOR + [torch.zeros(4, 3)]},
    ),
    "flow.flow_matching_loss": (
        lambda **k: flow.flow_matching_loss(
            k.get("velocity_fn", lambda x, s: x), batch(), batch(), k.get("s", torch.full((4,), 0.5))
        ),
        {"velocity_fn": [lambda x, s: x * math.nan, lambda x, s: x[:, :1]], "s": [torch.full((4,), 1.5), "0.5"]},
    ),
    "flow.FlowObjective": (
        lambda **k: torch.tensor(flow.FlowObjective(k.get("time_scale", 1000.0)).time_scale),
        {"time_scale": [math.nan, -1.0, "1000"]},
    ),
    "flow.train_flow": (
        lambda **k: (
            flow.train_flow(
                MLPDenoiser(hidden=8, num_layers=1),
                k.get("data", batch(8)),
                steps=k.get("steps", 1),
                time_scale=k.get("time_scale", 1000.0),
                progress=False,
            )[2][0]
            * torch.ones(1)
        ),
        {"data": [batch(8)[:0], NAN_BATCH, "x"], "steps": [-1, 1.5], "time_scale": [math.nan, "1"]},
    ),
    "flow.reflow_pairs": (
        lambda **k: flow.reflow_pairs(
            k.get("velocity_fn", lambda x, s: x * 0.1), k.get("noise", batch()), k.get("steps", 2)
        )[0],
        {
            "velocity_fn": [None, lambda x, s: x * math.nan],
            "noise": NOT_A_TENSOR + NOT_FINITE_TENSORS,
            "steps": [0, 1.5, "2"],
        },
    ),
    "flow.ReflowObjective": (
        lambda **k: flow.ReflowObjective(k.get("noise", batch()), k.get("time_scale", 1000.0)).coupled_noise,
        {"noise": NOT_A_TENSOR + NOT_FINITE_TENSORS, "time_scale": [math.nan, -1.0, "1000"]},
    ),
    "flow.flow_times": (lambda **k: torch.tensor(flow.flow_times(k.get("steps", 4))), {"steps": [0, 1.5, "4"]}),
    "flow.flow_sample": (
        lambda **k: flow.flow_sample(
            k.get("velocity_fn", lambda x, s: x * 0.1), batch(), k.get("times", [1.0, 0.5, 0.0]), points=k.get("points")
        ),
        {
            "velocity_fn": [None, lambda x, s: x * math.nan],
            "times": [[0.0, 1.0], [1.0], ["1", "0"], [1.0, math.nan], "10"],
            "points": [[1], 3],
        },
    ),
    "flow.exact_velocity": (
        lambda **k: flow.exact_velocity(MIXTURE, k.get("x", POINTS), k.get("s", 0.5)),
        {"x": NOT_A_TENSOR + [NAN_POINTS], "s": [0.0, 1.5, math.nan, "0.5"]},
    ),
    "flow.flow_time_from_alpha_bar": (
        lambda **k: torch.tensor(flow.flow_time_from_alpha_bar(k.get("alpha_bar", 0.5))),
        {"alpha_bar": [2, -0.5, math.nan, "0.5", torch.tensor([0.5, 2.0])]},
    ),
    "flow.vp_to_flow": (
        lambda **k: flow.vp_to_flow(k.get("x", batch()), k.get("alpha_bar", 0.5)),
        {"x": NOT_A_TENSOR + NOT_FINITE_TENSORS, "alpha_bar": [0.0, 1.5, math.nan]},
    ),
    "flow.flow_to_vp": (
        lambda **k: flow.flow_to_vp(k.get("x", batch()), k.get("alpha_bar", 0.5)),
        {"x": NOT_A_TENSOR + NOT_FINITE_TENSORS, "alpha_bar": [0.0, 1.5, math.nan]},
    ),
    "flow.eps_model_as_flow": (
        lambda **k: torch.tensor(
            flow.eps_model_as_flow(TINY_MODEL, k.get("schedule", SCHEDULE), k.get("indices", [10, -1]))[1]
        ),
        {"indices": [[1.5, -1], [T, -1], "10", [True]], "schedule": ["linear"]},
    ),
    "flow.chord_deviation": (
        lambda **k: flow.chord_deviation(k.get("states", flow_states())),
        {"states": [[batch()], batch(), [batch(), "x"], [batch(), NAN_BATCH], [batch(), torch.zeros(4, 3)]]},
    ),
    "flow.velocity_deviation": (
        lambda **k: flow.velocity_deviation(k.get("states", flow_states()), k.get("times", [1.0, 0.5, 0.0])),
        {"states": [[batch()], [batch(), NAN_BATCH, batch()]], "times": [[1.0], ["1", "0.5", "0"], [0.0, 0.5, 1.0]]},
    ),
    # evaluation
    "evaluation.psnr_to_rmse": (
        lambda **k: torch.tensor(evaluation.psnr_to_rmse(k.get("db", 25.0), k.get("data_range", 2.0))),
        {"db": [math.nan, 1e6, "25"], "data_range": [0.0, -2.0, math.inf]},
    ),
    "evaluation.GlyphClassifier": (
        lambda **k: evaluation.GlyphClassifier(**({"channels": (4, 8), "hidden": 8} | k)).eval()(GLYPHS),
        {"channels": [(), (4, 1.5), "48"], "hidden": [0, 1.5], "dropout": [math.nan, 1.5]},
    ),
    "evaluation.classifier_accuracy": (
        lambda **k: torch.tensor(
            evaluation.classifier_accuracy(
                k.get("model", small_classifier()),
                k.get("x", GLYPHS),
                k.get("labels", GLYPH_LABELS),
                batch_size=k.get("batch_size", 2),
            )
        ),
        {
            "model": NOT_A_MODEL,
            "x": NOT_A_TENSOR + [GLYPHS[:, :, :14], GLYPHS * math.nan],
            "labels": ["x", GLYPH_LABELS[:2], torch.tensor([0, 1, 2, 10])],
            "batch_size": [0, 1.5],
        },
    ),
    "evaluation.frechet_distance": (
        lambda **k: torch.tensor(
            evaluation.frechet_distance(k.get("feats_a", batch(20, 3)), k.get("feats_b", batch(20, 3) + 1))
        ),
        {"feats_a": NOT_A_TENSOR + [batch(20, 4), torch.full((20, 3), math.nan)], "feats_b": ["x", batch(1, 3)]},
    ),
    "evaluation.glyph_data_floor": (
        lambda **k: torch.tensor(
            float(
                evaluation.glyph_data_floor(
                    k.get("classifier", small_classifier()), k.get("n", 8), k.get("seeds", (1, 2))
                )["accuracy"]
            )
        ),
        {"classifier": NOT_A_MODEL, "n": [0, 1.5], "seeds": [(1,), (-1, 2)]},
    ),
    "evaluation.glyph_sample_metrics": (
        lambda **k: torch.tensor(
            float(
                evaluation.glyph_sample_metrics(
                    k.get("samples", GLYPHS), k.get("requested_labels", GLYPH_LABELS), small_classifier(), GLYPHS
                )["accuracy"]
            )
        ),
        {"samples": NOT_A_TENSOR + [GLYPHS * math.nan, GLYPHS[:, :, :14]], "requested_labels": ["x", GLYPH_LABELS[:2]]},
    ),
    "evaluation.load_classifier": (
        lambda **k: next(
            evaluation.load_classifier(k.get("path", CLASSIFIER_PATH), verify=k.get("verify", True)).parameters()
        ),
        {"path": FILE_BAD + [MOONS], "verify": ["no"]},
    ),
    "evaluation.save_classifier": (
        lambda **k: torch.tensor(
            float(
                len(
                    evaluation.save_classifier(
                        k.get("path", SCRATCH / "c.pt"), k.get("model", small_classifier()), k.get("config")
                    )
                )
            )
        ),
        {"path": [SCRATCH], "model": NOT_A_MODEL + [TINY_MODEL], "config": ["x", {"p": pathlib.Path("x")}]},
    ),
    "evaluation.train_classifier": (
        lambda **k: torch.zeros(1) if not k else evaluation.train_classifier(progress=False, **k),
        {"steps": [0, 1.5], "batch_size": [0, 2.5], "lr": [math.nan, -1.0], "seed": SEEDS_BAD, "n_train": [0, 1.5]},
    ),
    "evaluation.evaluate_checkpoint": (
        lambda **k: (
            torch.zeros(1) if not k else evaluation.evaluate_checkpoint(progress=False, **({"path": MOONS} | k))
        ),
        {"path": FILE_BAD, "quick": ["yes"], "verify": ["no"]},
    ),
    # the seed's plots
    "plot_noise_distribution": (
        lambda **k: (
            plot_noise_distribution(k.get("noise", batch()), k.get("predicted_noise", batch())),
            torch.zeros(1),
        )[1],
        {"noise": NOT_A_TENSOR + [NAN_BATCH], "predicted_noise": ["x", INF_BATCH]},
    ),
    "plot_noise_prediction": (
        lambda **k: (
            plot_noise_prediction(k.get("noise", IMAGES[0]), k.get("predicted_noise", IMAGES[1])),
            torch.zeros(1),
        )[1],
        {"noise": NOT_A_TENSOR, "predicted_noise": ["x", torch.zeros(3, 3)]},
    ),
    "plot_generation_process": (
        lambda **k: (
            plot_generation_process(k.get("generated_images", [(0, IMAGES[0]), (1, IMAGES[1])])),
            torch.zeros(1),
        )[1],
        {"generated_images": ["x", [], [(0, IMAGES[0]), "x"]]},
    ),
    "image_grid": (
        lambda **k: (image_grid(k.get("images", IMAGES), k.get("nrow", 3)), torch.zeros(1))[1],
        {"images": NOT_A_TENSOR + [torch.zeros(4, 8, 8)], "nrow": [0, 1.5, "3"]},
    ),
}
STATE = trained_state()
PAYLOAD = train_module.checkpoint_payload(STATE, torch.Generator())
# Files: a missing path, a folder or garbage is refused as CheckpointError (a file fault) or InputError, naming the file.
IMAGE_FOLDER = SCRATCH / "images"
IMAGE_FOLDER.mkdir()
for _i in range(2):
    __import__("PIL.Image").Image.new("RGB", (10, 12), (40 * _i, 90, 200)).save(IMAGE_FOLDER / f"{_i}.png")
LEVEL = evaluation.ReferenceLevel("d", 10, (0.1, 0.2, 0.3))
CASES |= {
    "models.planned_parameters": (
        lambda **k: torch.tensor(
            float(models_module.planned_parameters(k.get("kind", "MLPDenoiser"), k.get("config", {"hidden": 8})))
        ),
        {"kind": ["Bogus", None], "config": ["hidden", None, {"bogus": 1}]},
    ),
    "models.check_data_shape": (
        lambda **k: torch.tensor(models_module.check_data_shape(k.get("data_shape", [2]), k.get("model", TINY_MODEL))),
        {"data_shape": [[3], [0], [1.5], "2", [10**9]], "model": NOT_A_MODEL},
    ),
    "data.load_image_folder": (
        lambda **k: data_module.load_image_folder(
            k.get("root", IMAGE_FOLDER),
            k.get("image_size", 8),
            channels=k.get("channels"),
            max_images=k.get("max_images", 10),
        ).tensors()[0],
        {
            "root": [MISSING, GARBAGE, SCRATCH / "empty"],
            "image_size": [0, 1.5, 10**6],
            "channels": [2, 1.5],
            "max_images": [0, 1],
        },
    ),
    "evaluation.mode_report": (
        lambda **k: torch.tensor(
            evaluation.mode_report(k.get("samples", POINTS.float()), k.get("mixture", MIXTURE), entropy_draws=100)[
                "nll"
            ]
        ),
        {"samples": NOT_A_TENSOR + [POINTS[:, :1], POINTS * math.nan], "mixture": [object(), None]},
    ),
    "experiments.spread": (
        lambda **k: torch.tensor(experiments_module.spread(k.get("values", [0.5, 1.5]))["std"]),
        {"values": [[], [1.0, math.nan], [math.inf]]},
    ),
    "experiments.read_record": (
        lambda **k: torch.tensor(experiments_module.read_record(k.get("name", RECORD))["wall_time_s"]),
        {"name": [pathlib.Path("no-such-record.json"), "no-such-record", NOT_JSON]},
    ),
    "experiments.command_arguments": (
        lambda **k: torch.tensor(
            experiments_module.command_arguments(k.get("record", {"command": "python -m x --n 2"}), RECORD_PARSER).n
        ),
        {"record": [{"command": "bash x.sh"}, {"command": "python -m"}]},
    ),
    "evaluation.ReferenceLevel": (
        lambda **k: torch.tensor(evaluation.ReferenceLevel("d", k.get("n", 10), k.get("values", (0.1, 0.2))).z(0.5)),
        {"n": [0, 1.5], "values": [(), (0.1,), (0.1, math.nan), "ab"]},
    ),
    "evaluation.data_reference": (
        lambda **k: torch.tensor(
            evaluation.data_reference(
                k.get("distance", evaluation.sliced_wasserstein),
                k.get("draw", lambda n, seed: toy_data("moons", n, seed=seed)),
                k.get("n", 20),
                draws=k.get("draws", 2),
                seed=k.get("seed", 0),
            ).mean
        ),
        {"distance": [None, "sw"], "draw": [None], "n": [0, 1.5], "draws": [1, 2.5], "seed": SEEDS_BAD},
    ),
    "evaluation.discretized_entropy_bits_per_dim": (
        lambda **k: torch.tensor(
            evaluation.discretized_entropy_bits_per_dim(
                k.get("mixture", MIXTURE), k.get("levels", 16), k.get("low", -1.0), k.get("high", 1.0)
            )
        ),
        {"mixture": [object(), None], "levels": [1, 1.5, 10**6], "low": [math.nan, "a"], "high": [-2.0, math.inf]},
    ),
    "evaluation.mixture_entropy": (
        lambda **k: torch.tensor(
            evaluation.mixture_entropy(k.get("mixture", MIXTURE), k.get("n", 100), k.get("seed", 0))
        ),
        {"mixture": [object(), None], "n": [1, 1.5], "seed": SEEDS_BAD},
    ),
    "evaluation.compressed_bits_per_dim": (
        lambda **k: torch.tensor(
            evaluation.compressed_bits_per_dim(
                k.get("images", torch.full((4, 4), -1.0)), k.get("levels", 256), k.get("low", -1.0), k.get("high", 1.0)
            )
        ),
        {
            "images": [None, [0.0], torch.empty(0), torch.full((2,), 0.001)],
            "levels": [1, 1.5, 257],
            "low": [math.nan],
            "high": [-2.0, math.inf],
        },
    ),
    "evaluation.uniform_bits_per_dim": (
        lambda **k: torch.tensor(evaluation.uniform_bits_per_dim(k.get("levels", 256))),
        {"levels": [1, 1.5, "256"]},
    ),
}
(SCRATCH / "empty").mkdir()

FILE_ERROR = (CheckpointError, InputError, FileNotFoundError)  # the data loaders' documented missing-file error
FILE_PARAMETERS = {"path", "manifest", "name", "root"}  # name: shipped_path's file name

# What the coverage test accepts without a case, and why: no argument to get wrong, or types raised, not called.
NO_ARGUMENTS = {
    "ddpm_lessons.checkpoints.CheckpointError": "an exception type",
    "ddpm_lessons.validation.InputError": "an exception type",
    "ddpm_lessons.train.TrainingDivergedError": "an exception type",
    "ddpm_lessons.train.DataRangeWarning": "a warning type",
    "ddpm_lessons.device.environment_report": "takes no argument",
    "ddpm_lessons.plots.use_course_style": "takes no argument",
    "ddpm_lessons.data.glyphs.glyph_fonts": "takes no argument",
    "ddpm_lessons.data.photo.default_photo_path": "takes no argument",
    "ddpm_lessons.evaluation.classifier.load_glyph_classifier": "takes no argument",
    "ddpm_lessons.data.folder.SkippedFilesWarning": "a warning type",
}
# Types a checked function returns, whose constructor users do not call: covered through that function's case.
RETURN_TYPES = {
    "ddpm_lessons.data.folder.FolderImages": "data.load_image_folder",
    "ddpm_lessons.edm.EDMScalings": "edm.preconditioning",
}
PUBLIC_MODULES = (
    "ddpm_lessons",
    "ddpm_lessons.models",
    "ddpm_lessons.train",
    "ddpm_lessons.data",
    "ddpm_lessons.score",
    "ddpm_lessons.ode",
    "ddpm_lessons.edm",
    "ddpm_lessons.flow",
    "ddpm_lessons.distill",
    "ddpm_lessons.consistency",
    "ddpm_lessons.evaluation",
    "ddpm_lessons.experiments",
)
# valid calls that train, evaluate or need downloaded files: tests/evaluation and tests/data run them
EXPENSIVE_VALID_CALLS = {"evaluation.train_classifier", "evaluation.evaluate_checkpoint", "data.real_dataset"}
# issue 22, lesson B's entry points (tests/test_distill.py and test_consistency.py check what they compute)
FEW_STEP_SCHEDULE = DiffusionSchedule.linear(50)
FEW_STEP_NET = MLPDenoiser(data_dim=2, hidden=8, num_layers=1, num_timesteps=50).eval()
CASES |= {
    "distill.DistillationObjective": (
        lambda **k: (
            distill.DistillationObjective(
                k.get("teacher", FEW_STEP_NET),
                k.get("schedule", FEW_STEP_SCHEDULE),
                k.get("teacher_steps", 4),
                k.get("prediction", "v"),
            ).starts
        ),
        {
            "teacher": [None, "net"],
            "schedule": [None, "linear"],
            "teacher_steps": [3, 0, 51, 2.0, "4"],
            "prediction": ["score", None],
        },
    ),
    "distill.progressive_distillation": (
        lambda **k: (
            distill.progressive_distillation(
                k.get("teacher", FEW_STEP_NET),
                batch(8),
                FEW_STEP_SCHEDULE,
                teacher_steps=k.get("teacher_steps", 4),
                final_steps=k.get("final_steps", 2),
                steps_per_round=k.get("steps_per_round", 1),
                batch_size=4,
                ema_decay=k.get("ema_decay", 0.0),
                progress=False,
            )[0][1].history["loss"][0]
            * torch.ones(1)
        ),
        {
            "teacher": [None, "net"],
            "teacher_steps": [1, 3.0],
            "final_steps": [4, 3, 0],
            "steps_per_round": [0, 1.5],
            "ema_decay": [0.999],
        },
    ),
    "consistency.ConsistencyObjective": (
        lambda **k: (
            consistency.ConsistencyObjective(
                k.get("schedule", FEW_STEP_SCHEDULE),
                k.get("steps", 8),
                teacher=k.get("teacher"),
                teacher_prediction=k.get("teacher_prediction", "eps"),
                sigma_data=k.get("sigma_data", 0.5),
                rho=k.get("rho", 7.0),
                weighting=k.get("weighting", "uniform"),
                distance=k.get("distance", "l2"),
            ).weights
        ),
        {
            "schedule": [None, DiffusionSchedule.linear(50).zero_terminal_snr()],
            "steps": [1, 51, 40, "8"],
            "teacher": ["net"],
            "teacher_prediction": ["score"],
            "sigma_data": [0.0, -1.0, math.nan, "0.5"],
            "rho": [0.0, math.nan],
            "weighting": ["snr", None],
            "distance": ["l1", None],
        },
    ),
    "consistency.consistency_chain": (
        lambda **k: torch.tensor(
            consistency.consistency_chain(k.get("schedule", FEW_STEP_SCHEDULE), k.get("steps", 8), k.get("rho", 7.0))
        ),
        {"schedule": [None], "steps": [0, 40, 2.5], "rho": [0.0, math.nan, "7"]},
    ),
    "consistency.sampling_levels": (
        lambda **k: torch.tensor(consistency.sampling_levels(k.get("chain", [49, 20, 5, 0]), k.get("nfe", 2))),
        {"chain": [None, "49", [49]], "nfe": [0, 4, 1.5]},
    ),
    "consistency.consistency_sample": (
        lambda **k: consistency.consistency_sample(
            k.get("model", FEW_STEP_NET),
            k.get("schedule", FEW_STEP_SCHEDULE),
            k.get("shape", (4, 2)),
            levels=k.get("levels", [20]),
            sigma_data=k.get("sigma_data", 0.5),
            seed=k.get("seed", 0),
        ),
        {
            "model": [None, "net", MLPDenoiser(data_dim=2, hidden=8, num_layers=1, num_timesteps=50)],
            "schedule": [None],
            "shape": [5, "x", (0, 2), (4, 2.0)],
            "levels": [[49], [0], [5, 20], [2.5], "20"],
            "sigma_data": [0.0, math.nan],
            "seed": [-1, 1.5],
        },
    ),
}


BAD = [
    (name, parameter, i)
    for name, (_, bad) in CASES.items()
    for parameter, values in bad.items()
    for i in range(len(values))
]


def target(name: str):
    """The public object a case's name stands for (``score.VPSDE.from_schedule`` → the class VPSDE)."""
    import ddpm_lessons.process

    namespaces = (ddpm_lessons, evaluation, data_module, models_module, train_module, ddpm_lessons.process)
    parts = name.split(".")
    modules = {
        "train": train_module,
        "models": models_module,
        "data": data_module,
        "evaluation": evaluation,
        "experiments": experiments_module,
    }
    if (
        parts[0] in modules and len(parts) > 1
    ):  # "train.TrainState": the module train (ddpm_lessons.train is the function)
        namespaces, parts = (modules[parts[0]],), parts[1:]
    for namespace in namespaces:
        obj = namespace
        try:
            for part in parts:
                obj = getattr(obj, part)
        except AttributeError:
            continue
        while not (inspect.isclass(obj) or inspect.isfunction(obj)) and "." in name:  # a method: its class
            obj = getattr(obj, "__self__", None) or obj.__func__
        return obj
    raise KeyError(name)


def public_callables() -> dict:
    found = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__.startswith("ddpm_lessons"):
                found.setdefault(f"{obj.__module__}.{obj.__qualname__}", obj)
    return found


def test_every_public_function_has_a_bad_argument_case():
    covered = set()
    for name in CASES:
        obj = target(name)
        covered.add(obj)
        if inspect.isfunction(obj) and "." in obj.__qualname__:  # DiffusionSchedule.linear covers the class
            covered.add(getattr(inspect.getmodule(obj), obj.__qualname__.split(".")[0]))
    missing = [
        qualified
        for qualified, obj in public_callables().items()
        if obj not in covered and qualified not in NO_ARGUMENTS and RETURN_TYPES.get(qualified) not in CASES
    ]
    assert not missing, "public functions without a bad-argument case in CASES:\n" + "\n".join(missing)
    assert len(public_callables()) > 100  # the enumeration itself works


def test_the_exemptions_are_public_and_take_nothing_to_check():
    public = public_callables()
    for qualified in NO_ARGUMENTS:
        obj = public[qualified]
        if not (inspect.isclass(obj) and issubclass(obj, (Exception, Warning))):
            assert not inspect.signature(obj).parameters, qualified


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_valid_call_of_each_case_gives_finite_values(name):
    if name in EXPENSIVE_VALID_CALLS:
        pytest.skip("the valid call trains or evaluates a model: tests/evaluation runs it")
    out = CASES[name][0]()
    outs = out if isinstance(out, (tuple, list)) else [out]
    for value in outs:
        if isinstance(value, torch.Tensor):
            assert not value.is_complex() and torch.isfinite(value.float()).all(), name


@pytest.mark.parametrize(("name", "parameter", "i"), BAD, ids=[f"{n}-{p}-{i}" for n, p, i in BAD])
def test_every_bad_argument_is_refused_naming_the_parameter(name, parameter, i):
    """Never accepted, never a NaN, inf or complex result, never an obscure error: InputError (CheckpointError or
    InputError for a file) whose message names the parameter (or, for a file, the file)."""
    call, bad = CASES[name]
    value = bad[parameter][i]
    expected = FILE_ERROR if parameter in FILE_PARAMETERS else InputError
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = call(**{parameter: value})
        except expected as error:
            message = str(error)
            # the parameter (or its singular: "every beta" for betas), or for a file the file's name
            named = any(word in message for word in (parameter, parameter.replace("_", " "), parameter.rstrip("s")))
            named = named or (parameter in FILE_PARAMETERS and str(getattr(value, "name", value)) in message)
            assert named, (parameter, value, message)
            return
    pytest.fail(f"{name}({parameter}={value!r:.60}) was accepted and returned {result!r:.80}")
