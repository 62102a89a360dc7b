"""The seed's three plot functions, in English (lessons 06 and 07), plus an image-grid helper.

Each draws a matplotlib figure and returns it (the seed's versions only called ``plt.show()``), so notebooks can
both show and test them. Tensors are expected in [−1, 1] and are mapped to [0, 1] for display.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import torch

from .validation import InputError, check_finite, check_image_batch, check_positive_int, check_tensor

__all__ = [
    "to_image",
    "plot_noise_distribution",
    "plot_noise_prediction",
    "plot_generation_process",
    "image_grid",
    "tile_images",
    "use_course_style",
]


def to_image(tensor: torch.Tensor) -> np.ndarray:
    """``(C, H, W)`` in [−1, 1] → ``(H, W, C)`` (or ``(H, W)`` for one channel) in [0, 1] for ``imshow``."""
    _check_one_image(tensor, "tensor")
    img = torch.clamp((tensor.detach().float().cpu() + 1) / 2, 0, 1).permute(1, 2, 0).numpy()
    return img[..., 0] if img.shape[-1] == 1 else img


def _check_one_image(tensor, name: str) -> None:
    if not isinstance(tensor, torch.Tensor) or tensor.dim() != 3 or not tensor.is_floating_point():
        got = f"{tuple(tensor.shape)} {tensor.dtype}" if isinstance(tensor, torch.Tensor) else type(tensor).__name__
        raise InputError(f"{name} must be one image, a float tensor of shape (C, H, W), got {got}", parameter=name)
    check_finite(tensor, name)


def plot_noise_distribution(noise, predicted_noise, ax=None):
    """Histograms of the true noise ε and the predicted noise ε_θ (seed ``plot_noise_distribution``)."""
    for name, value in (("noise", noise), ("predicted_noise", predicted_noise)):
        check_finite(check_tensor(value, name), name)
    fig, ax = plt.subplots(figsize=(10, 6)) if ax is None else (ax.figure, ax)
    ax.hist(noise.detach().cpu().numpy().flatten(), density=True, alpha=0.7, label="true noise ε", bins=50)
    ax.hist(
        predicted_noise.detach().cpu().numpy().flatten(), density=True, alpha=0.7, label="predicted noise ε_θ", bins=50
    )
    ax.set_xlabel("noise value")
    ax.set_ylabel("density")
    ax.set_title("Noise distribution: true vs predicted")
    ax.legend()
    ax.grid(True, alpha=0.3)
    return fig


def plot_noise_prediction(noise, predicted_noise):
    """The true and the predicted noise side by side as images (seed ``plot_noise_prediction``); ``(C, H, W)``."""
    _check_one_image(noise, "noise")
    _check_one_image(predicted_noise, "predicted_noise")
    fig, axes = plt.subplots(1, 2, figsize=(10, 5))
    for ax, tensor, title in zip(axes, (noise, predicted_noise), ("true noise ε", "predicted noise ε_θ")):
        ax.imshow(to_image(tensor), cmap="gray" if tensor.shape[0] == 1 else None)
        ax.set_title(title)
        ax.axis("off")
    fig.tight_layout()
    return fig


def plot_generation_process(generated_images):
    """Intermediate results of generation, left to right (seed ``plot_generation_process``).

    Args:
        generated_images: list of ``(step, image)`` with image a PIL image, an ``(H, W[, C])`` array, or a
            ``(C, H, W)`` tensor in [−1, 1].
    """
    pairs = generated_images if isinstance(generated_images, (list, tuple)) else None
    if not pairs or any(not isinstance(pair, (list, tuple)) or len(pair) != 2 for pair in pairs):
        raise InputError(
            f"generated_images must be a non-empty list of (step, image) pairs, got {generated_images!r:.80}",
            parameter="generated_images",
        )
    fig, axes = plt.subplots(1, len(generated_images), figsize=(len(generated_images) * 3, 3), squeeze=False)
    for ax, (step, image) in zip(axes[0], generated_images):
        if isinstance(image, torch.Tensor):
            image = to_image(image)
        ax.imshow(image, cmap="gray" if np.ndim(image) == 2 else None)
        ax.set_title(f"step {step}")
        ax.axis("off")
    fig.tight_layout()
    return fig


def tile_images(images: torch.Tensor, nrow: int, padding: int = 2) -> torch.Tensor:
    """Images ``(B, C, H, W)`` tiled ``nrow`` per row on a white (1.0) background, as one ``(C, H', W')`` image.

    ``H' = rows·(H+p)+p`` and ``W' = cols·(W+p)+p`` with ``p = padding``, ``cols = min(nrow, B)``,
    ``rows = ⌈B / nrow⌉``; image k sits in row ``k // nrow``, column ``k % nrow``. Values are kept as they are.
    """
    images = check_image_batch(images, "images", channels=None)
    nrow = check_positive_int(nrow, "nrow")
    padding = check_positive_int(padding, "padding", minimum=0)
    b, c, h, w = images.shape
    cols, rows = min(nrow, b), math.ceil(b / nrow)
    canvas = torch.ones(c, rows * (h + padding) + padding, cols * (w + padding) + padding)
    for k in range(b):
        r, col = divmod(k, nrow)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        canvas[:, top : top + h, left : left + w] = images[k].detach().float().cpu()
    return canvas


def image_grid(images: torch.Tensor, nrow: int | None = None, ax=None, title: str | None = None):
    """A grid of ``(B, C, H, W)`` images in [−1, 1] on one axis (:func:`tile_images`); returns the figure."""
    images = check_image_batch(images, "images", channels=None)
    b, c = images.shape[:2]
    nrow = math.ceil(math.sqrt(b)) if nrow is None else check_positive_int(nrow, "nrow")
    canvas = tile_images(images, nrow)
    rows, cols = math.ceil(b / nrow), min(nrow, b)
    fig, ax = plt.subplots(figsize=(cols * 0.9 + 1, rows * 0.9 + 1)) if ax is None else (ax.figure, ax)
    ax.imshow(to_image(canvas), cmap="gray" if c == 1 else None, vmin=0, vmax=1)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return fig


def use_course_style() -> None:
    """Matplotlib settings for figures that stay readable on a lecture projector (larger fonts, thicker lines)."""
    plt.rcParams.update(
        {
            "figure.dpi": 90,
            "font.size": 13,
            "axes.titlesize": 14,
            "axes.labelsize": 13,
            "legend.fontsize": 12,
            "xtick.labelsize": 12,
            "ytick.labelsize": 12,
            "lines.linewidth": 2.0,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "image.interpolation": "nearest",
        }
    )
