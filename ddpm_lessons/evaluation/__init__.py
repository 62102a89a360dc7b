"""Measuring samples: PSNR, sliced Wasserstein distance, the glyph classifier and Fréchet distance, checkpoint
evaluation and the CPU benchmark (lessons 04–09b).

- :mod:`.metrics` — PSNR (lesson 06) and sliced Wasserstein distance (lesson 04); :mod:`.references` — fresh data's level of a distance with its spread, the two ends of a bits/dim scale; :mod:`.modes` — the mode report for a known mixture.
- :mod:`.classifier` — a small digit classifier: accuracy and Fréchet distance of generated digits (lessons 07a and 07b).
- :mod:`.references` — fresh data's level of a distance with its spread; the ends of the bits/dim scale (issue 20).
- :mod:`.modes` — ``mode_report``: modes found, their shares, off-mode samples and likelihood for a known mixture.
- :mod:`.exact1d` — exact computations on 1-D data, the checking machinery of lessons 03a and 03b: the true reverse
  conditional on a grid, and ``ShortChain``, a few-step chain whose likelihood and bound terms are exact.
- :mod:`.evaluate` — one verdict per shipped checkpoint (``python -m ddpm_lessons evaluate``).
- :mod:`.benchmark` — ``python -m ddpm_lessons.evaluation.benchmark``: training and sampling speed on this machine.
"""

from .classifier import (
    GlyphClassifier,
    classifier_accuracy,
    frechet_distance,
    glyph_data_floor,
    glyph_sample_metrics,
    load_classifier,
    load_glyph_classifier,
    save_classifier,
    train_classifier,
)
from .evaluate import GLYPH_EVAL, evaluate_checkpoint
from .exact1d import ShortChain, grid_moments, kl_from_gaussian, kl_normal, log_normal, reverse_conditional
from .metrics import psnr, psnr_to_rmse, sliced_wasserstein
from .modes import mode_report
from .references import (
    ReferenceLevel,
    compressed_bits_per_dim,
    data_reference,
    discretized_entropy_bits_per_dim,
    mixture_entropy,
    uniform_bits_per_dim,
)

__all__ = [
    "GlyphClassifier",
    "classifier_accuracy",
    "frechet_distance",
    "glyph_data_floor",
    "glyph_sample_metrics",
    "load_classifier",
    "load_glyph_classifier",
    "save_classifier",
    "train_classifier",
    "GLYPH_EVAL",
    "evaluate_checkpoint",
    "ShortChain",
    "grid_moments",
    "kl_from_gaussian",
    "kl_normal",
    "log_normal",
    "reverse_conditional",
    "psnr",
    "psnr_to_rmse",
    "sliced_wasserstein",
    "mode_report",
    "ReferenceLevel",
    "compressed_bits_per_dim",
    "data_reference",
    "discretized_entropy_bits_per_dim",
    "mixture_entropy",
    "uniform_bits_per_dim",
]
