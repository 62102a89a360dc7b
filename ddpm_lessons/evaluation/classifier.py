"""A small glyph-digit classifier, used as a yardstick for generated samples.

A diffusion model asked for a '7' should draw something this classifier calls a 7 (``accuracy``), and its samples
as a whole should spread like real glyph digits do: the Fréchet distance between Gaussians fitted to the
classifier's penultimate features of samples and of real images (``fid``; the same formula as the FID of Heusel et
al., but on a classifier that knows glyph digits instead of Inception, so the numbers are not comparable with
published FIDs). :func:`glyph_data_floor` gives both numbers for real data against real data, the best a model can
hope for at that sample size.

The course ships one trained classifier (``data/glyph_classifier.pt``, loaded by :func:`load_glyph_classifier`);
:func:`train_classifier` retrains it in a few minutes on a CPU.
"""

from __future__ import annotations

import math
import numbers
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..checkpoints import CheckpointError, load_checkpoint, save_checkpoint, shipped_path
from ..data.glyphs import GlyphDigits
from ..device import pick_device, seeded_generator
from ..validation import (
    MAX_BATCH,
    MAX_DATA_VALUES,
    MAX_WIDTH,
    InputError,
    check_bool,
    check_finite,
    check_image_batch,
    check_parameter_count,
    check_positive_int,
    check_seed,
    check_size,
)

__all__ = [
    "DEFAULT_CONFIG",
    "GlyphClassifier",
    "classifier_accuracy",
    "classifier_payload",
    "frechet_distance",
    "glyph_data_floor",
    "glyph_sample_metrics",
    "load_classifier",
    "load_glyph_classifier",
    "save_classifier",
    "train_classifier",
]

KIND = "glyph-classifier"
SHIPPED_NAME = "glyph_classifier.pt"
DEFAULT_CONFIG = {"channels": [32, 64], "hidden": 128, "dropout": 0.25}


def _normalise_config(config) -> dict:
    """``config`` as plain constructor kwargs (lists, ints, floats) so that it survives a ``weights_only`` load and
    compares equal after one; unknown keys are refused."""
    if not isinstance(config, dict):
        raise InputError(f"config must be a dict of GlyphClassifier arguments, got {type(config).__name__}")
    unknown = set(config) - set(DEFAULT_CONFIG)
    if unknown:
        raise InputError(f"config has unknown keys {sorted(unknown)}; expected some of {sorted(DEFAULT_CONFIG)}")
    merged = {**DEFAULT_CONFIG, **config}
    channels = merged["channels"]
    if isinstance(channels, (str, bytes)) or not hasattr(channels, "__len__") or len(channels) != 2:
        raise InputError(f"channels must be two integers (first and second conv layer), got {channels!r}")
    dropout = merged["dropout"]
    if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) or not 0.0 <= float(dropout) < 1.0:
        raise InputError(f"dropout must be a number in [0, 1), got {dropout!r}")
    normalised = {
        "channels": [check_size(c, "channels", MAX_WIDTH, "MAX_WIDTH") for c in channels],
        "hidden": check_size(merged["hidden"], "hidden", MAX_WIDTH, "MAX_WIDTH"),
        "dropout": float(dropout),
    }
    (c1, c2), hidden = normalised["channels"], normalised["hidden"]
    # conv1, conv2, fc, head: counted from the numbers, so a file's config is sized before anything is built
    count = (9 + 1) * c1 + (9 * c1 + 1) * c2 + (c2 * 7 * 7 + 1) * hidden + (hidden + 1) * 10
    check_parameter_count(count, "GlyphClassifier", "hidden")
    return normalised


class GlyphClassifier(nn.Module):
    """A small CNN for 28×28 glyph digits in [−1, 1]: ``(B, 1, 28, 28)`` → logits ``(B, 10)``.

    conv 3×3 (``channels[0]``) → ReLU → max-pool → conv 3×3 (``channels[1]``) → ReLU → max-pool → linear
    (``hidden``) → ReLU → dropout → linear 10. :meth:`features` returns the ``hidden`` ReLU activations, the
    "penultimate features" that :func:`frechet_distance` compares.

    ``model.config`` holds the constructor arguments, as stored in a checkpoint.
    """

    def __init__(self, channels=(32, 64), hidden: int = 128, dropout: float = 0.25):
        super().__init__()
        self.config = _normalise_config({"channels": channels, "hidden": hidden, "dropout": dropout})
        (c1, c2), hidden = self.config["channels"], self.config["hidden"]
        self.conv1 = nn.Conv2d(1, c1, 3, padding=1)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1)
        self.fc = nn.Linear(c2 * 7 * 7, hidden)
        self.dropout = nn.Dropout(self.config["dropout"])
        self.head = nn.Linear(hidden, 10)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate features ``(B, hidden)`` of images ``(B, 1, 28, 28)`` in [−1, 1]."""
        if not isinstance(x, torch.Tensor) or not x.is_floating_point():
            raise InputError(f"x must be a floating-point torch.Tensor of shape (B, 1, 28, 28), got {_describe(x)}")
        if x.dim() != 4 or tuple(x.shape[1:]) != (1, 28, 28):
            raise InputError(f"x must have shape (B, 1, 28, 28), got {tuple(x.shape)}")
        h = F.max_pool2d(F.relu(self.conv1(x)), 2)  # (B, c1, 14, 14)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)  # (B, c2, 7, 7)
        return F.relu(self.fc(h.flatten(1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.features(x)))


def _describe(x) -> str:
    return f"dtype {x.dtype}" if isinstance(x, torch.Tensor) else type(x).__name__


def _device_of(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


def train_classifier(
    *,
    steps: int = 2000,
    batch_size: int = 128,
    lr: float = 2e-3,
    seed: int = 0,
    n_train: int = 60000,
    config: dict | None = None,
    device=None,
    progress: bool = True,
):
    """Train a :class:`GlyphClassifier` on ``GlyphDigits(n_train, seed=seed)`` with Adam and a cosine learning rate.

    Args:
        steps: optimizer steps. batch_size: images per step. lr: peak learning rate (decays to 0 on a cosine).
        seed: seeds the data set, the initial weights, dropout and the batch order; the caller's global RNG state
            is left as it was.
        n_train: training images. config: constructor arguments (default :data:`DEFAULT_CONFIG`).
        device: where to train (default: CUDA, then MPS, then CPU). progress: show a tqdm bar.

    Returns:
        ``(model, history)``: the model in eval mode and ``{"loss": [...], "accuracy": [...], "lr": [...]}``, one
        float per step (loss and accuracy on that step's batch).
    """
    steps = check_positive_int(steps, "steps")
    batch_size = check_size(batch_size, "batch_size", MAX_BATCH, "MAX_BATCH")
    # the glyph set's own ceiling (MAX_DATA_VALUES of 28×28 float images), named here as the argument given
    n_train = check_size(n_train, "n_train", MAX_DATA_VALUES // (28 * 28), "MAX_DATA_VALUES / 28²")
    seed = check_seed(seed)
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not 0.0 < float(lr) < math.inf:
        raise InputError(f"lr must be a positive number, got {lr!r}")
    config = _normalise_config(DEFAULT_CONFIG if config is None else config)
    device = pick_device(device)

    x, labels = GlyphDigits(n_train, seed=seed).tensors()
    x, labels = x.to(device), labels.to(device)
    # fork_rng restores the caller's global RNG state, which seeded_generator below reseeds.
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        batches = seeded_generator(seed)  # batch order; torch's global RNG: initial weights and dropout masks
        model = GlyphClassifier(**config).to(device).train()
        history = _fit(model, x, labels, batches, steps=steps, batch_size=batch_size, lr=float(lr), progress=progress)
    return model.eval(), history


def _fit(model, x, labels, batches: torch.Generator, *, steps: int, batch_size: int, lr: float, progress: bool):
    """Train ``model`` on ``(x, labels)`` in place with Adam and a cosine learning rate; return the history.

    ``batches`` draws the batch order; dropout draws from torch's global RNG, so call this inside the caller's
    seeded fork of it.
    """
    from tqdm.auto import tqdm

    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    history = {"loss": [], "accuracy": [], "lr": []}
    bar = tqdm(
        _batch_indices(len(x), batch_size, steps, batches), total=steps, desc="glyph classifier", disable=not progress
    )
    for index in bar:
        index = index.to(x.device)
        logits, loss = _train_step(model, optimizer, x[index], labels[index])
        history["lr"].append(float(schedule.get_last_lr()[0]))  # the rate this step used, before the decay
        schedule.step()
        history["loss"].append(loss.item())
        history["accuracy"].append(float((logits.argmax(1) == labels[index]).float().mean()))
        bar.set_postfix(loss=f"{history['loss'][-1]:.4f}", refresh=False)
    return history


def _batch_indices(n: int, batch_size: int, steps: int, generator: torch.Generator):
    """Yield ``steps`` batches of indices into ``n`` images: epochs in a shuffled order drawn from ``generator``.

    An epoch ends when the next batch would not be full; the few images left over wait for a later shuffle
    rather than make one step's batch smaller than the others.
    """
    order, position = torch.randperm(n, generator=generator), 0
    for _ in range(steps):
        if position + batch_size > n:  # a new epoch: reshuffle
            order, position = torch.randperm(n, generator=generator), 0
        yield order[position : position + batch_size]
        position += batch_size


def _train_step(model: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor, labels: torch.Tensor):
    """One optimizer step on the cross-entropy of ``model(x)``; returns ``(logits, loss)`` of this batch."""
    logits = model(x)
    loss = F.cross_entropy(logits, labels)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return logits, loss


# --- checkpoints ---------------------------------------------------------------------------------------------------


def classifier_payload(model: GlyphClassifier, history: dict | None = None, config: dict | None = None) -> dict:
    """The dict :func:`save_classifier` stores: ``{"kind", "config", "model", "history", "step"}``.

    ``config`` defaults to ``model.config`` and must describe ``model``; ``history`` holds lists of floats (as
    returned by :func:`train_classifier`) and ``step`` is the length of its ``"loss"`` list.
    """
    if not isinstance(model, GlyphClassifier):
        raise InputError(f"model must be a GlyphClassifier, got {type(model).__name__}")
    config = model.config if config is None else _normalise_config(config)
    if config != model.config:
        raise InputError(f"config {config} does not describe the model, whose config is {model.config}")
    history = {} if history is None else history
    if not isinstance(history, dict):
        raise InputError(f"history must be a dict of lists of floats, got {type(history).__name__}")
    return {
        "kind": KIND,
        "config": dict(config),
        "model": {name: tensor.detach().cpu().clone() for name, tensor in model.state_dict().items()},
        "history": {str(key): [float(v) for v in values] for key, values in history.items()},
        "step": len(history.get("loss", [])),
    }


def save_classifier(path, model: GlyphClassifier, config: dict | None = None, history: dict | None = None) -> str:
    """Save ``model`` atomically with :func:`ddpm_lessons.checkpoints.save_checkpoint`; returns the file's sha256."""
    return save_checkpoint(path, classifier_payload(model, history, config))


def load_classifier(
    path, *, expected_sha256: str | None = None, config: dict | None = None, verify: bool = True
) -> GlyphClassifier:
    """Load a classifier saved by :func:`save_classifier`, in eval mode on the CPU (``weights_only`` unpickling).

    Args:
        path: the checkpoint file.
        expected_sha256: if given, the file must have this sha256 before anything is read.
        config: if given, the file's config must equal it. verify: ``False`` loads a file that has no checksum
            (with a warning); see :func:`~ddpm_lessons.checkpoints.load_checkpoint`.

    Raises:
        CheckpointError naming the file: missing, truncated or damaged, wrong sha256, not a glyph classifier, a
        config that is invalid or not the expected one, or weights whose names or shapes do not fit the config.
    """
    path = Path(path)
    check_bool(verify, "verify")
    payload = load_checkpoint(path, expected_sha256=expected_sha256, verify=verify)
    if payload.get("kind") != KIND:
        raise CheckpointError(f"checkpoint {path} is not a {KIND} (kind {payload.get('kind')!r})")
    try:
        stored = _normalise_config(payload.get("config"))
        model = GlyphClassifier(**stored)
    except (TypeError, ValueError) as error:
        raise CheckpointError(f"checkpoint {path} has an invalid classifier config: {error}") from error
    if config is not None and _normalise_config(config) != stored:
        raise CheckpointError(f"checkpoint {path} holds config {stored}, expected {_normalise_config(config)}")
    state = payload.get("model")
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"checkpoint {path} has no state dict of tensors under 'model'")
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as error:  # missing or unexpected keys, or shapes that do not match the config
        raise CheckpointError(f"checkpoint {path}: the weights do not fit config {stored}: {error}") from error
    return model.eval()


def load_glyph_classifier() -> GlyphClassifier:
    """The classifier the course ships, ``data/glyph_classifier.pt``, checked against ``data/MANIFEST.json``."""
    return load_classifier(shipped_path(SHIPPED_NAME))


# --- metrics -------------------------------------------------------------------------------------------------------


def _check_labels(labels, n: int, name: str) -> torch.Tensor:
    if not isinstance(labels, torch.Tensor) or labels.is_floating_point() or labels.dtype == torch.bool:
        raise InputError(f"{name} must be an integer tensor of shape ({n},) with digits 0-9, got {_describe(labels)}")
    if tuple(labels.shape) != (n,):
        raise InputError(f"{name} must have shape ({n},) (one label per image), got {tuple(labels.shape)}")
    if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) > 9):
        raise InputError(f"{name} must hold digits 0-9, got values from {int(labels.min())} to {int(labels.max())}")
    return labels


@torch.no_grad()
def _check_classifier(model, name: str) -> None:
    if not isinstance(model, GlyphClassifier):
        raise InputError(f"{name} must be a GlyphClassifier, got {type(model).__name__}", parameter=name)


def _batched(model: GlyphClassifier, x: torch.Tensor, batch_size: int, fn) -> torch.Tensor:
    """``fn(batch)`` over ``x`` in batches on the model's device, concatenated on the CPU; the model is put in eval
    mode for the call and its previous mode restored after."""
    was_training, device = model.training, _device_of(model)
    model.eval()
    try:
        return torch.cat([fn(x[i : i + batch_size].to(device)).cpu() for i in range(0, x.shape[0], batch_size)])
    finally:
        model.train(was_training)


def classifier_accuracy(model: GlyphClassifier, x: torch.Tensor, labels: torch.Tensor, batch_size: int = 500) -> float:
    """Fraction of images ``x`` ``(N, 1, 28, 28)`` that ``model`` assigns to ``labels`` ``(N,)``."""
    _check_classifier(model, "model")
    x = check_finite(check_image_batch(x, "x", channels=(1,), size=(28, 28)), "x")
    labels = _check_labels(labels, x.shape[0], "labels")
    batch_size = check_positive_int(batch_size, "batch_size")
    predicted = _batched(model, x, batch_size, lambda b: model(b).argmax(1))
    return float((predicted == labels.cpu()).double().mean())


def frechet_distance(feats_a: torch.Tensor, feats_b: torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets ``(N_a, F)`` and ``(N_b, F)``.

    d² = ‖μ_a − μ_b‖² + tr(Σ_a + Σ_b − 2 (Σ_a^{1/2} Σ_b Σ_a^{1/2})^{1/2}), in float64 with torch only. The
    square roots of the symmetric positive semi-definite matrices come from ``torch.linalg.eigh``, with tiny
    negative eigenvalues (rounding) clamped to 0. Covariances are unbiased (divide by N − 1), as in the usual FID
    code. The value is what FID papers report (the squared distance, despite the name); it is clamped at 0.
    """
    for name, feats in (("feats_a", feats_a), ("feats_b", feats_b)):
        if not isinstance(feats, torch.Tensor) or not feats.is_floating_point():
            raise InputError(f"{name} must be a floating-point tensor of shape (N, F), got {_describe(feats)}")
        if feats.dim() != 2 or feats.shape[0] < 2:
            raise InputError(
                f"{name} must have shape (N, F) with N >= 2 (a covariance needs two rows), got {tuple(feats.shape)}"
            )
        check_finite(feats, name)
    if feats_a.shape[1] != feats_b.shape[1]:
        raise InputError(
            f"feats_a and feats_b must have the same feature size, got {feats_a.shape[1]} and {feats_b.shape[1]}"
        )
    a, b = feats_a.detach().cpu().double(), feats_b.detach().cpu().double()
    mean_a, mean_b = a.mean(0), b.mean(0)
    cov_a, cov_b = torch.cov(a.T).reshape(a.shape[1], -1), torch.cov(b.T).reshape(b.shape[1], -1)
    root_a = _psd_sqrt(cov_a)
    inner = root_a @ cov_b @ root_a
    trace_root = torch.linalg.eigvalsh((inner + inner.T) / 2).clamp(min=0).sqrt().sum()
    distance = (mean_a - mean_b).square().sum() + cov_a.trace() + cov_b.trace() - 2 * trace_root
    return max(float(distance), 0.0)


def _psd_sqrt(matrix: torch.Tensor) -> torch.Tensor:
    """Symmetric square root of a symmetric positive semi-definite matrix."""
    values, vectors = torch.linalg.eigh((matrix + matrix.T) / 2)  # symmetrise: rounding can break it slightly
    return (vectors * values.clamp(min=0).sqrt()) @ vectors.T


def glyph_sample_metrics(
    samples: torch.Tensor,
    requested_labels: torch.Tensor,
    classifier: GlyphClassifier,
    reference_x: torch.Tensor,
    batch_size: int = 500,
) -> dict:
    """Score class-conditional samples with the glyph classifier.

    Args:
        samples: generated images ``(N, 1, 28, 28)``, clipped to [−1, 1] here as they would be when saved.
        requested_labels: ``(N,)`` the digit each sample was asked to be.
        classifier: a trained :class:`GlyphClassifier` (e.g. :func:`load_glyph_classifier`).
        reference_x: real images ``(M, 1, 28, 28)``. Use a fresh glyph set (``GlyphDigits(M, seed=s).tensors()[0]``
            with a seed nobody trained on), not the model's training data, and M close to N: the Fréchet distance
            is biased upwards at small sizes, so compare numbers only at equal N and M.

    Returns:
        ``{"accuracy": fraction of samples classified as requested, "fid": Fréchet distance of the classifier's
        penultimate features, samples vs reference}``.
    """
    _check_classifier(classifier, "classifier")
    samples = check_finite(check_image_batch(samples, "samples", channels=(1,), size=(28, 28)), "samples").clamp(-1, 1)
    requested_labels = _check_labels(requested_labels, samples.shape[0], "requested_labels")
    reference_x = check_image_batch(reference_x, "reference_x", channels=(1,), size=(28, 28))
    accuracy = classifier_accuracy(classifier, samples, requested_labels, batch_size)
    feats_samples = _batched(classifier, samples, batch_size, classifier.features)
    feats_reference = _batched(classifier, reference_x, batch_size, classifier.features)
    return {"accuracy": accuracy, "fid": frechet_distance(feats_samples, feats_reference)}


def glyph_data_floor(classifier: GlyphClassifier, n: int = 1000, seeds=(1, 2)) -> dict:
    """:func:`glyph_sample_metrics` for real data against real data: ``GlyphDigits(n, seed=seeds[0])`` with its
    true labels as the "samples", ``GlyphDigits(n, seed=seeds[1])`` as the reference.

    These are the best values a perfect generator could reach with ``n`` samples (accuracy below 1 only by the
    classifier's own errors, fid above 0 only by sampling noise); report them beside a model's, computed at the
    same ``n``. The seeds must differ from each other and from the data the classifier was trained on (seed 0 by
    default).
    """
    _check_classifier(classifier, "classifier")
    n = check_size(n, "n", MAX_BATCH, "MAX_BATCH", minimum=2)
    if (
        not isinstance(seeds, (tuple, list))
        or len(seeds) != 2
        or any(isinstance(s, bool) or not isinstance(s, numbers.Integral) for s in seeds)
    ):
        raise InputError(f"seeds must be two integers (samples, reference), got {seeds!r}")
    if seeds[0] == seeds[1]:
        raise InputError(f"seeds must be two different integers, got {seeds!r} (the same set twice gives fid 0)")
    x, labels = GlyphDigits(n, seed=seeds[0]).tensors()
    reference, _ = GlyphDigits(n, seed=seeds[1]).tensors()
    return glyph_sample_metrics(x, labels, classifier, reference)
