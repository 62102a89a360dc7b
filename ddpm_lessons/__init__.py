"""ddpm_lessons — the companion package of the ddpm-lessons course on denoising diffusion probabilistic models.

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

from .embedding import TimePositionalEncoding
from .losses import (
    discretized_gaussian_log_likelihood,
    eps_mse_weight,
    mean_flat,
    normal_kl,
    prior_kl_bpd,
    simple_loss,
    variational_bound_bpd,
    vb_term_bpd,
    weighted_eps_mse,
)
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
from .schedule import DiffusionSchedule, get_beta_schedule
from .unet import DiffusionUNet, UNetStage
from .models import MLPDenoiser, ResidualUNet
from .train import train
from .sampling import sample

__version__ = "0.1.0"

# Heavier or optional pieces load on first use, so `import ddpm_lessons` stays quick (no pyplot, no font work).
_LAZY = {
    "plot_noise_distribution": "plots", "plot_noise_prediction": "plots", "plot_generation_process": "plots",
    "GlyphDigits": "glyphs", "GlyphClassifier": "classifier", "load_glyph_classifier": "classifier",
    "real_dataset": "realdata", "load_photo": "data", "toy_data": "data", "psnr": "metrics",
    "sliced_wasserstein": "metrics",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "DiffusionUNet", "UNetStage", "MLPDenoiser", "ResidualUNet", "train", "sample", *_LAZY,
    "DiffusionSchedule", "TimePositionalEncoding", "ddim_step", "denoising_step", "discretized_gaussian_log_likelihood",
    "eps_mse_weight", "forward_diffusion_sample", "get_beta_schedule", "guided_eps", "mean_flat", "normal_kl",
    "p_mean_variance", "predict_eps_from_x0", "predict_x0_from_eps", "prior_kl_bpd", "q_posterior_mean_variance",
    "q_sample", "q_sample_iterative", "reverse_log_variance", "simple_loss", "variational_bound_bpd", "vb_term_bpd",
    "weighted_eps_mse",
]
