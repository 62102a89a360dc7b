"""ddpm_lessons — the companion package of the ddpm-lessons course on denoising diffusion probabilistic models.

Where things live:

- **here, at the top** — the DDPM library a reader of the seed article looks for: ``schedule`` (β, ᾱ),
  ``process`` (forward and reverse steps), ``losses`` (the variational bound, L_simple, the weight each training
  target puts on the ε-error), ``embedding`` (time),
  ``unet`` (the article's network), ``models`` (a stronger U-Net, an MLP), ``sampling``, ``train``,
  ``config`` (``TrainConfig``, ``CheckpointPolicy``), ``checkpoints``, ``plots``, ``device``, ``validation``
  (``InputError`` and the argument checks), ``cli`` with ``flags`` and ``release`` (``python -m ddpm_lessons``);
- **the math layer** under those entry points — ``kernels`` (the Gaussian kernels, each equation once) and ``steps``
  (the DDPM, DDIM, Euler, Heun and DPM-Solver++(2M) steps and the one sampling loop): unchecked, never waiting for the device; the
  public functions above check their arguments once (raising ``InputError``) and call them;
- **lesson 09's continuation (09a, 09b)** — ``score`` (exact mixture scores, ε ↔ score ↔ x̂₀ ↔ velocity, the VP-SDE), ``ode``
  (the probability-flow ODE: Euler = DDIM η = 0, Heun, DPM-Solver++(2M); uniform and Karras spacing), ``flow`` (flow
  matching) and ``edm`` (Karras et al.'s preconditioning), imported as sub-modules
  (``from ddpm_lessons import score``); and issue 22's few-step generation: ``distill`` (progressive distillation) and ``consistency``
  (consistency models);
- :mod:`ddpm_lessons.data` — the photo, toy data, glyph digits, opt-in real data sets;
- :mod:`ddpm_lessons.evaluation` — PSNR, sliced Wasserstein, the digit classifier, checkpoint evaluation, benchmark;
- :mod:`ddpm_lessons.course` — exercise checks, the failure gallery, the ink simulation, notation, widgets, slides.

The library never imports ``course``; ``course`` builds on the library.

Every notebook in ``notebooks/`` imports its reference implementations from here. The seed article's functions
keep their names and signatures (``get_beta_schedule``, ``forward_diffusion_sample``, ``denoising_step``,
``TimePositionalEncoding``, …), so the article's code runs unchanged against this package.

Conventions used everywhere:

- **Timesteps are 0-based.** Code index ``i`` in ``0 … T−1`` is paper step ``t = i + 1``. ``alphas_cumprod[i]`` is
  ᾱ_{i+1}, ``alphas_cumprod_prev[0] = 1`` stands for ᾱ_0 := 1, and the last sampling step (index 0) adds no noise.
- **Data lives in [−1, 1]** (8-bit pixels mapped by x/127.5 − 1).
- **Shapes:** data ``(B, ...)`` of any rank; ``t`` is a Python int (one step for the whole batch) or an integer
  tensor ``(B,)``; schedules are ``(T,)``.
- **dtype and device:** float32 by default; float64 where a check needs it (``schedule.to(dtype=torch.float64)``).
  A schedule must be on the same device as the data it scales; otherwise a ``ValueError`` says how to move it.
"""

from . import consistency, distill, edm, flow, kernels, ode, score, steps
from .checkpoints import MANIFEST, CheckpointError, load_checkpoint, save_checkpoint, shipped_path, verify_shipped
from .device import environment_report, pick_device, pin_math_library
from .embedding import TimePositionalEncoding
from .losses import (
    discretized_gaussian_log_likelihood,
    eps_mse_weight,
    mean_flat,
    min_snr_weight,
    normal_kl,
    prior_kl_bpd,
    simple_loss,
    target_weight,
    variational_bound_bpd,
    vb_term_bpd,
    weighted_eps_mse,
)
from .models import MLPDenoiser, ResidualUNet, build_model, count_macs, count_parameters
from .process import (
    ddim_step,
    denoising_step,
    forward_diffusion_sample,
    guided_eps,
    p_mean_variance,
    predict_eps_from_x0,
    predict_x0_from_eps,
    q_posterior_mean_variance,
    q_sample,
    q_sample_iterative,
    reverse_log_variance,
)
from .sampling import SamplerSpec, ddim_timesteps, leading_timesteps, model_eps, sample, sample_trajectory
from .schedule import DiffusionSchedule, get_beta_schedule
from .train import DataRangeWarning, ema_update, level_probabilities, load_trained, train
from .unet import DiagramWiredUNet, DiffusionUNet, UNetStage
from .validation import InputError
from .version import __version__ as __version__

# One set of digits on Intel and AMD processors (device.MKL_BRANCH). Nothing imported above multiplies matrices, so MKL
# has not read its setting yet (tests/test_device.py checks it).
pin_math_library()

_PLOTS = (
    "plot_noise_distribution",
    "plot_noise_prediction",
    "plot_generation_process",
    "image_grid",
    "tile_images",
    "to_image",
    "use_course_style",
)


def __getattr__(name):
    # The seed's three plots need pyplot, which takes a moment to import; `import ddpm_lessons` stays quick.
    if name in _PLOTS:
        from . import plots

        return getattr(plots, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "MANIFEST",
    "CheckpointError",
    "load_checkpoint",
    "save_checkpoint",
    "shipped_path",
    "verify_shipped",
    "environment_report",
    "pick_device",
    "TimePositionalEncoding",
    "discretized_gaussian_log_likelihood",
    "eps_mse_weight",
    "mean_flat",
    "normal_kl",
    "prior_kl_bpd",
    "simple_loss",
    "variational_bound_bpd",
    "vb_term_bpd",
    "weighted_eps_mse",
    "target_weight",
    "min_snr_weight",
    "MLPDenoiser",
    "ResidualUNet",
    "build_model",
    "count_macs",
    "count_parameters",
    "ddim_step",
    "denoising_step",
    "forward_diffusion_sample",
    "guided_eps",
    "p_mean_variance",
    "predict_eps_from_x0",
    "predict_x0_from_eps",
    "q_posterior_mean_variance",
    "q_sample",
    "q_sample_iterative",
    "reverse_log_variance",
    "SamplerSpec",
    "ddim_timesteps",
    "leading_timesteps",
    "model_eps",
    "sample",
    "sample_trajectory",
    "DiffusionSchedule",
    "get_beta_schedule",
    "ema_update",
    "DataRangeWarning",
    "load_trained",
    "level_probabilities",
    "train",
    "DiagramWiredUNet",
    "DiffusionUNet",
    "UNetStage",
    "InputError",
    "consistency",
    "distill",
    "flow",
    "kernels",
    "edm",
    "ode",
    "score",
    "steps",
    *_PLOTS,
]
