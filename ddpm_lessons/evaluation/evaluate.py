"""Measure a trained checkpoint against its quality bar (``python -m ddpm_lessons evaluate``; lessons 06–07).

What is measured depends on the data the checkpoint was trained on (recorded in it by ``train``):

- **photo** (the seed's one-image demo): PSNR of DDPM samples (the seed's sampler: σ² = β, no clipping) against
  the training photo; bar: every sample ≥ 25 dB.
- **2-D toy data**: sliced Wasserstein distance of 10,000 DDPM samples to fresh data, next to the data-vs-data
  floor; bar: within 2× of the floor.
- **glyph digits** (class-conditional): 1,000 DDIM-50 samples with guidance, 100 per digit; the fraction the
  shipped classifier assigns to the requested digit (bar ≥ 95 %) and the Fréchet distance on classifier
  features, beside the data-vs-data values.
- **the glyph classifier** itself: accuracy on 10,000 fresh glyph digits drawn with another seed (bar ≥ 99 %).
"""

from __future__ import annotations

import time
from pathlib import Path

import torch

from ..checkpoints import load_checkpoint
from ..sampling import sample
from ..train import load_trained
from ..validation import check_bool

__all__ = ["evaluate_checkpoint", "GLYPH_EVAL", "PHOTO_BAR_DB", "TOY_BAR_RATIO", "GLYPH_BAR_ACCURACY"]

PHOTO_BAR_DB = 25.0
TOY_BAR_RATIO = 2.0
GLYPH_BAR_ACCURACY = 0.95
CLASSIFIER_BAR_ACCURACY = 0.99
CLASSIFIER_TEST_SEED = 12345
GLYPH_EVAL = {"method": "ddim", "steps": 50, "guidance": 2.0, "clip_denoised": True}


def _photo(model, schedule, payload, quick, progress):
    from ..data.photo import DEFAULT_PHOTO_LABEL, load_photo
    from .metrics import psnr

    info = payload["train_config"]["data"]
    size = info["image_size"]
    path = None if info["path"] == DEFAULT_PHOTO_LABEL else info["path"]
    photo = load_photo(path, (size, size))
    n = 2 if quick else 8
    samples = sample(model, schedule, (n, *photo.shape), seed=1, progress=progress)
    scores = psnr(samples, photo)
    return {
        "samples": n,
        "sampler": "ddpm-1000, sigma^2 = beta, no clipping (the seed's)",
        "psnr_db_mean": round(float(scores.mean()), 2),
        "psnr_db_min": round(float(scores.min()), 2),
        "bar": f"every sample >= {PHOTO_BAR_DB} dB",
        "meets_bar": bool(scores.min() >= PHOTO_BAR_DB),
    }


def _toy(model, schedule, payload, quick, progress):
    from ..data.toy import toy_data
    from .metrics import sliced_wasserstein, sliced_wasserstein_floor

    name = payload["train_config"]["data"]["name"]
    n = 2000 if quick else 10_000
    samples = sample(model, schedule, (n, *payload["train_config"]["data_shape"]), seed=1, progress=progress)
    distance = sliced_wasserstein(samples, toy_data(name, n, seed=999))
    floor = sliced_wasserstein_floor(lambda k, seed: toy_data(name, k, seed=seed), n)
    return {
        "samples": n,
        "sampler": "ddpm-1000, sigma^2 = beta",
        "swd": round(distance, 5),
        "swd_data_floor": round(floor, 5),
        "ratio": round(distance / floor, 3),
        "bar": f"swd <= {TOY_BAR_RATIO} x floor",
        "meets_bar": bool(distance <= TOY_BAR_RATIO * floor),
    }


def _glyphs(model, schedule, payload, quick, progress):
    from ..data.glyphs import GlyphDigits
    from .classifier import glyph_data_floor, glyph_sample_metrics, load_glyph_classifier

    classifier = load_glyph_classifier()
    per_digit = 10 if quick else 100
    labels = torch.arange(10).repeat_interleave(per_digit)
    samples = sample(
        model,
        schedule,
        (len(labels), *payload["train_config"]["data_shape"]),
        labels=labels,
        method=GLYPH_EVAL["method"],
        steps=GLYPH_EVAL["steps"],
        guidance=GLYPH_EVAL["guidance"],
        clip_denoised=GLYPH_EVAL["clip_denoised"],
        seed=1,
        progress=progress,
    )
    reference, _ = GlyphDigits(len(labels), seed=4242).tensors()
    metrics = glyph_sample_metrics(samples, labels, classifier, reference)
    floor = glyph_data_floor(classifier, n=len(labels))
    return {
        "samples": len(labels),
        "sampler": f"{GLYPH_EVAL}",
        "accuracy": round(metrics["accuracy"], 4),
        "fid": round(metrics["fid"], 3),
        "data_accuracy": round(floor["accuracy"], 4),
        "data_fid": round(floor["fid"], 3),
        "bar": f"accuracy >= {GLYPH_BAR_ACCURACY}",
        "meets_bar": bool(metrics["accuracy"] >= GLYPH_BAR_ACCURACY),
    }


def _classifier(path, quick, verify=True):
    from ..data.glyphs import GlyphDigits
    from .classifier import classifier_accuracy, load_classifier

    n = 1000 if quick else 10_000
    x, labels = GlyphDigits(n, seed=CLASSIFIER_TEST_SEED).tensors()
    accuracy = classifier_accuracy(load_classifier(path, verify=verify), x, labels)
    return {
        "test_set": f"GlyphDigits({n}, seed={CLASSIFIER_TEST_SEED})",
        "accuracy": round(accuracy, 4),
        "bar": f"accuracy >= {CLASSIFIER_BAR_ACCURACY}",
        "meets_bar": bool(accuracy >= CLASSIFIER_BAR_ACCURACY),
    }


def evaluate_checkpoint(path, *, quick: bool = False, device=None, progress: bool = True, verify: bool = True) -> dict:
    """Sample from the checkpoint's EMA weights and measure it against its bar; returns a dict of numbers.

    ``quick=True`` uses a handful of samples: a smoke check of the machinery, not the bar. ``verify=False`` evaluates
    a checkpoint that has no checksum (with a warning); the shipped classifier that scores glyph samples is always
    verified.
    """
    for name, value in (("quick", quick), ("progress", progress), ("verify", verify)):
        check_bool(value, name)
    started = time.perf_counter()
    if load_checkpoint(path, verify=verify).get("kind") == "glyph-classifier":
        return {**_classifier(path, quick, verify), "seconds": round(time.perf_counter() - started, 1)}
    model, schedule, payload = load_trained(Path(path), device=device, verify=verify)
    name = payload["train_config"].get("data", {}).get("name")
    if name == "photo":
        result = _photo(model, schedule, payload, quick, progress)
    elif name == "glyphs":
        result = _glyphs(model, schedule, payload, quick, progress)
    elif payload["model_kind"] == "MLPDenoiser" and name:
        result = _toy(model, schedule, payload, quick, progress)
    else:
        raise ValueError(f"no evaluation is defined for data {name!r} (checkpoint {path})")
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result
