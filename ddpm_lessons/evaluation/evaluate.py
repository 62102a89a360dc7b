"""Measure a trained checkpoint against its quality bar (``python -m ddpm_lessons evaluate``; lessons 06–07).

What is measured depends on the data the checkpoint was trained on (recorded in it by ``train``):

- **photo** (the seed's one-image demo): PSNR of DDPM samples (the seed's sampler: σ² = β, no clipping) against
  the training photo; bar: every sample ≥ 25 dB.
- **2-D toy data**: sliced Wasserstein distance of 10,000 DDPM samples to a fixed set of fresh data, beside the
  same distance for 20 further fresh draws (:func:`~ddpm_lessons.evaluation.references.data_reference`: mean,
  standard deviation, range); bar: at most TOY_BAR_SDS = 3 standard deviations above fresh data's mean.
- **glyph digits** (class-conditional): 1,000 DDIM-50 samples with guidance, 100 per digit; the fraction the
  shipped classifier assigns to the requested digit (bar ≥ 95 %) and the Fréchet distance on classifier
  features, beside the data-vs-data values.
- **the glyph classifier** itself: accuracy on 10,000 fresh glyph digits drawn with another seed (bar ≥ 99 %).
"""

from __future__ import annotations

import time
from pathlib import Path

import torch

from ..checkpoints import CheckpointError, load_checkpoint
from ..sampling import sample
from ..train import load_trained
from ..validation import InputError, check_bool

__all__ = [
    "evaluate_checkpoint",
    "GLYPH_EVAL",
    "PHOTO_BAR_DB",
    "TOY_BAR_SDS",
    "GLYPH_BAR_ACCURACY",
    "MAX_EVALUATE_T",
]

PHOTO_BAR_DB = 25.0
TOY_BAR_SDS = 3.0  # a model within fresh data's spread, on the 20-draw reference level's scale
TOY_REFERENCE_DRAWS = 20
GLYPH_BAR_ACCURACY = 0.95
CLASSIFIER_BAR_ACCURACY = 0.99
CLASSIFIER_TEST_SEED = 12345
GLYPH_EVAL = {"method": "ddim", "steps": 50, "guidance": 2.0, "clip_denoised": True}
MAX_EVALUATE_T = 10_000
"""The longest chain an evaluation runs (the photo and toy bars sample every one of the checkpoint's T steps): 10×
the shipped checkpoints' T = 1,000, so an evaluation costs at most ~10× a shipped one's (moons: 72 s)."""


def _photo(model, schedule, payload, quick, progress, photo_path):
    from .metrics import psnr

    data_shape = tuple(payload["train_config"]["data_shape"])  # checked against the model by load_trained
    if len(data_shape) != 3 or data_shape[0] != 3:
        raise CheckpointError(
            f"a photo checkpoint draws RGB images (3, H, W), but this one's data_shape is {data_shape}"
        )
    photo = _training_photo(payload["train_config"].get("data", {}), data_shape[1:], photo_path)
    n = 2 if quick else 8
    prediction = payload["train_config"]["prediction"]  # load_trained fills it in for older checkpoints ("eps")
    samples = sample(model, schedule, (n, *photo.shape), seed=1, progress=progress, prediction=prediction)
    scores = psnr(samples, photo)
    return {
        "samples": n,
        "sampler": "ddpm-1000, sigma^2 = beta, no clipping (the seed's)",
        "psnr_db_mean": round(float(scores.mean()), 2),
        "psnr_db_min": round(float(scores.min()), 2),
        "bar": f"every sample >= {PHOTO_BAR_DB} dB",
        "meets_bar": bool(scores.min() >= PHOTO_BAR_DB),
    }


def _training_photo(info: dict, size: tuple[int, int], photo_path):
    """The photo the samples are compared with, at the checkpoint's data size. Its file comes only from the caller
    (``photo``, command line ``--photo``), never from a path stored in the checkpoint: a file must not make the
    package open another file. Without one, only a checkpoint trained on the default photo can be evaluated."""
    from ..data.photo import DEFAULT_PHOTO_LABEL, load_photo

    recorded = info.get("path") if isinstance(info, dict) else None
    if photo_path is None and recorded != DEFAULT_PHOTO_LABEL:
        raise InputError(
            f"this checkpoint was trained on the photo {str(recorded)!r}; evaluation never opens a path stored in a "
            "checkpoint: give the photo file (photo=..., command line --photo FILE)",
            parameter="photo",
        )
    try:
        return load_photo(photo_path, size)
    except FileNotFoundError as error:
        raise InputError(str(error), parameter="photo") from None
    except InputError as error:
        raise InputError(str(error), parameter="photo" if error.parameter == "path" else error.parameter) from None


def _check_chain_length(schedule, name: str) -> None:
    if len(schedule) > MAX_EVALUATE_T:
        raise CheckpointError(
            f"the {name} evaluation samples all T = {len(schedule):,} steps of this checkpoint's schedule; the "
            f"ceiling is MAX_EVALUATE_T = {MAX_EVALUATE_T:,} (10× the shipped checkpoints' T)"
        )


def _toy(model, schedule, payload, quick, progress):
    from ..data.toy import TOY_DATASETS, toy_data
    from .metrics import sliced_wasserstein
    from .references import data_reference

    name = payload["train_config"]["data"]["name"]
    data_shape = tuple(payload["train_config"]["data_shape"])
    if name not in TOY_DATASETS or data_shape != tuple(toy_data(name, 1).shape[1:]):
        raise CheckpointError(f"data {name!r} of shape {data_shape} is not one of the toy sets {sorted(TOY_DATASETS)}")
    n = 2000 if quick else 10_000
    prediction = payload["train_config"]["prediction"]
    samples = sample(model, schedule, (n, *data_shape), seed=1, progress=progress, prediction=prediction)
    reference = toy_data(name, n, seed=999)
    distance = sliced_wasserstein(samples, reference)
    level = data_reference(
        sliced_wasserstein,
        lambda k, seed: toy_data(name, k, seed=seed),
        n,
        reference=reference,
        draws=TOY_REFERENCE_DRAWS,
        seed=1000,
    )
    return {
        "samples": n,
        "sampler": "ddpm-1000, sigma^2 = beta",
        "swd": round(distance, 5),
        "data_swd_mean": round(level.mean, 5),
        "data_swd_std": round(level.std, 5),
        "data_swd_range": [round(level.low, 5), round(level.high, 5)],
        "data_draws": len(level.values),
        "sds_above_data": round(level.z(distance), 2),
        "bar": f"swd <= data mean + {TOY_BAR_SDS:g} sd",
        "meets_bar": bool(level.z(distance) <= TOY_BAR_SDS),
    }


def _glyphs(model, schedule, payload, quick, progress):
    from ..data.glyphs import GlyphDigits
    from .classifier import glyph_data_floor, glyph_sample_metrics, load_glyph_classifier

    if tuple(payload["train_config"]["data_shape"]) != (1, 28, 28):
        raise CheckpointError(
            f"the glyph classifier scores 28×28 digits (1, 28, 28); this checkpoint's data_shape is "
            f"{tuple(payload['train_config']['data_shape'])}"
        )
    classifier = load_glyph_classifier()
    per_digit = 10 if quick else 100
    labels = torch.arange(10).repeat_interleave(per_digit)
    samples = sample(
        model,
        schedule,
        (len(labels), 1, 28, 28),
        labels=labels,
        method=GLYPH_EVAL["method"],
        steps=GLYPH_EVAL["steps"],
        guidance=GLYPH_EVAL["guidance"],
        clip_denoised=GLYPH_EVAL["clip_denoised"],
        prediction=payload["train_config"]["prediction"],
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


def evaluate_checkpoint(
    path, *, quick: bool = False, device=None, progress: bool = True, verify: bool = True, photo=None
) -> dict:
    """Sample from the checkpoint's EMA weights and measure it against its bar; returns a dict of numbers.

    ``quick=True`` uses a handful of samples: a smoke check of the machinery, not the bar. ``verify=False`` evaluates
    a checkpoint that has no checksum (with a warning); the shipped classifier that scores glyph samples is always
    verified. ``photo``: the image file a photo checkpoint was trained on, when it is not the default photo — the
    path recorded in the checkpoint is never opened. The work is bounded by the checkpoint's checks (sizes, data shape
    against the model) and by :data:`MAX_EVALUATE_T`.
    """
    for name, value in (("quick", quick), ("progress", progress), ("verify", verify)):
        check_bool(value, name)
    started = time.perf_counter()
    if load_checkpoint(path, verify=verify).get("kind") == "glyph-classifier":
        return {**_classifier(path, quick, verify), "seconds": round(time.perf_counter() - started, 1)}
    model, schedule, payload = load_trained(Path(path), device=device, verify=verify)
    data = payload["train_config"].get("data", {})
    name = data.get("name") if isinstance(data, dict) else None
    if photo is not None and name != "photo":
        raise InputError(
            f"photo is for a checkpoint trained on a photo; this one was trained on {name!r}", parameter="photo"
        )
    if name == "photo":
        _check_chain_length(schedule, name)
        result = _photo(model, schedule, payload, quick, progress, photo)
    elif name == "glyphs":
        result = _glyphs(model, schedule, payload, quick, progress)
    elif payload["model_kind"] == "MLPDenoiser" and name:
        _check_chain_length(schedule, "toy")
        result = _toy(model, schedule, payload, quick, progress)
    else:
        # A checkpoint of your own images (train --data folder) has no bar to meet; its folder is never re-read.
        raise InputError(
            f"no evaluation is defined for data {name!r} (checkpoint {path}); evaluate measures the course's data sets "
            "(photo, glyphs, toy points): look at samples instead (python -m ddpm_lessons sample --checkpoint …)",
            parameter="checkpoint",
        )
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result
