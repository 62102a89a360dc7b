"""Glyph classifier: the Fréchet distance against closed forms, a short training run, safe checkpoints."""

import contextlib

import pytest
import torch

from ddpm_lessons.checkpoints import CheckpointError, save_checkpoint, sha256_file
from ddpm_lessons.data.glyphs import GlyphDigits
from ddpm_lessons.evaluation.classifier import (
    GlyphClassifier,
    classifier_accuracy,
    classifier_payload,
    frechet_distance,
    glyph_data_floor,
    glyph_sample_metrics,
    load_classifier,
    save_classifier,
    train_classifier,
)

TINY = {"channels": [8, 16], "hidden": 32, "dropout": 0.0}


@contextlib.contextmanager
def one_thread():
    """Tiny convolutions gain nothing from threads, and on a busy machine waiting threads make them many times
    slower; the caller's setting is restored."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@pytest.fixture(scope="module")
def trained():
    """A tiny classifier after a short run: enough to be far above chance, fast enough for every test run."""
    with one_thread():
        return train_classifier(
            steps=250, batch_size=64, lr=3e-3, n_train=2000, config=TINY, device="cpu", progress=False
        )


@pytest.fixture(scope="module")
def fresh():
    return GlyphDigits(500, seed=12345).tensors()


def _gaussian(n, mean, std, seed):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(n, len(std), generator=gen, dtype=torch.float64) * torch.tensor(std) + torch.tensor(mean)


# --- Fréchet distance ----------------------------------------------------------------------------------------------


def test_frechet_of_a_set_with_itself_is_zero():
    feats = _gaussian(500, [0.0] * 6, [1.0, 2.0, 0.5, 1.0, 3.0, 0.1], seed=0)
    assert frechet_distance(feats, feats) == pytest.approx(0.0, abs=1e-8)


def test_frechet_of_a_shifted_set_is_the_squared_shift():
    # Equal covariances: the trace term vanishes exactly and only ‖μ_a − μ_b‖² is left.
    feats = _gaussian(400, [0.0] * 5, [1.0, 0.3, 2.0, 1.0, 0.7], seed=1).float()
    shift = torch.tensor([0.5, -1.0, 2.0, 0.0, 0.25])
    assert frechet_distance(feats, feats + shift) == pytest.approx(float(shift.square().sum()), rel=1e-5)


def _exact_diagonal(x, std):
    """``x`` moved so that its sample covariance is exactly diag(std²) (its sample mean is kept)."""
    mean = x.mean(0)
    whitened = (x - mean) @ torch.linalg.inv(torch.linalg.cholesky(torch.cov(x.T))).T
    return whitened * torch.tensor(std, dtype=x.dtype) + mean


def test_frechet_matches_the_closed_form_for_diagonal_gaussians():
    # Diagonal covariances: d² = Σ (μa − μb)² + Σ (σa − σb)².
    std_a, std_b = [1.0, 2.0, 0.5, 3.0], [2.0, 0.5, 0.5, 1.0]
    a = _exact_diagonal(_gaussian(3000, [0.0, 1.0, -1.0, 0.0], std_a, seed=2), std_a)
    b = _exact_diagonal(_gaussian(3000, [0.5, 1.0, 0.0, 0.0], std_b, seed=3), std_b)
    expected = (a.mean(0) - b.mean(0)).square().sum() + (torch.tensor(std_a) - torch.tensor(std_b)).square().sum()
    assert frechet_distance(a, b) == pytest.approx(float(expected), rel=1e-9)
    # Raw samples land near the value for the true moments: 0.5² + 0 + 1² + 0 (means) + 1 + 1.5² + 0 + 2² (stds).
    raw_a = _gaussian(20000, [0.0, 1.0, -1.0, 0.0], std_a, seed=4)
    raw_b = _gaussian(20000, [0.5, 1.0, 0.0, 0.0], std_b, seed=5)
    assert frechet_distance(raw_a, raw_b) == pytest.approx(0.25 + 1.0 + 1.0 + 2.25 + 4.0, rel=0.03)


def test_frechet_is_symmetric_and_works_with_rank_deficient_covariances():
    a = _gaussian(50, [0.0] * 64, [1.0] * 64, seed=6)  # fewer samples than features: singular covariance
    b = _gaussian(80, [0.1] * 64, [1.5] * 64, seed=7)
    # square roots of eigenvalues clamped at 0: the two orders differ by round-off of order sqrt(eps)
    assert frechet_distance(a, b) == pytest.approx(frechet_distance(b, a), rel=1e-6)
    assert frechet_distance(a, b) > 0


def test_frechet_bad_input():
    with pytest.raises(ValueError, match="feats_b must have shape"):
        frechet_distance(torch.zeros(5, 3), torch.zeros(1, 3))
    with pytest.raises(ValueError, match="same feature size"):
        frechet_distance(torch.zeros(5, 3), torch.zeros(5, 4))
    with pytest.raises(TypeError, match="feats_a"):
        frechet_distance(torch.zeros(5, 3, dtype=torch.long), torch.zeros(5, 3))


# --- training and metrics ------------------------------------------------------------------------------------------


def test_a_short_run_is_far_above_chance(trained, fresh):
    model, history = trained
    x, labels = fresh
    assert not model.training
    assert len(history["loss"]) == len(history["accuracy"]) == len(history["lr"]) == 250
    assert sum(history["loss"][-20:]) < sum(history["loss"][:20])
    assert classifier_accuracy(model, x, labels) > 0.6


def test_training_is_seeded_and_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    before = torch.rand(3)
    torch.manual_seed(123)
    with one_thread():
        first, _ = train_classifier(steps=5, batch_size=16, n_train=100, config=TINY, device="cpu", progress=False)
        after = torch.rand(3)
        second, _ = train_classifier(steps=5, batch_size=16, n_train=100, config=TINY, device="cpu", progress=False)
    assert torch.equal(before, after)
    for (name, p), q in zip(first.state_dict().items(), second.state_dict().values()):
        assert torch.equal(p, q), name


def test_features_and_logits_shapes(trained, fresh):
    model, _ = trained
    x = fresh[0][:7]
    assert model(x).shape == (7, 10)
    assert model.features(x).shape == (7, 32) and bool((model.features(x) >= 0).all())
    with pytest.raises(ValueError, match=r"x must have shape \(B, 1, 28, 28\)"):
        model(torch.zeros(2, 28, 28))


def test_sample_metrics_and_data_floor(trained, fresh):
    model, _ = trained
    x, labels = fresh
    reference, _ = GlyphDigits(500, seed=777).tensors()
    real = glyph_sample_metrics(x, labels, model, reference)
    assert set(real) == {"accuracy", "fid"}
    assert real["accuracy"] == pytest.approx(classifier_accuracy(model, x, labels))
    wrong = glyph_sample_metrics(x, (labels + 1) % 10, model, reference)
    assert wrong["accuracy"] < 0.2
    noise = glyph_sample_metrics(torch.rand_like(x) * 2 - 1, labels, model, reference)
    assert noise["fid"] > 5 * real["fid"]
    floor = glyph_data_floor(model, n=300, seeds=(1, 2))
    assert floor["accuracy"] > 0.6 and floor["fid"] >= 0
    with pytest.raises(ValueError, match="requested_labels must have shape"):
        glyph_sample_metrics(x, labels[:-1], model, reference)
    with pytest.raises(ValueError, match="seeds must be two different"):
        glyph_data_floor(model, n=10, seeds=(3, 3))


# --- checkpoints ---------------------------------------------------------------------------------------------------


def test_save_load_round_trip_gives_identical_logits(trained, fresh, tmp_path):
    model, history = trained
    path = tmp_path / "clf.pt"
    digest = save_classifier(path, model, history=history)
    assert digest == sha256_file(path)
    loaded = load_classifier(path, expected_sha256=digest, config=TINY)
    assert not loaded.training and loaded.config == model.config
    x = fresh[0][:50]
    with torch.no_grad():
        assert torch.equal(loaded(x), model(x))
    payload = torch.load(path, weights_only=True)
    assert payload["kind"] == "glyph-classifier" and payload["step"] == 250
    assert payload["config"] == TINY and len(payload["history"]["loss"]) == 250


def test_truncated_file_names_the_file(trained, tmp_path):
    path = tmp_path / "truncated.pt"
    save_classifier(path, trained[0])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated.pt"):
        load_classifier(path)


def test_wrong_sha256_names_the_file(trained, tmp_path):
    path = tmp_path / "checked.pt"
    save_classifier(path, trained[0])
    with pytest.raises(CheckpointError, match="checked.pt.*sha256"):
        load_classifier(path, expected_sha256="0" * 64)


def test_other_config_is_refused(trained, tmp_path):
    model = trained[0]
    path = tmp_path / "other.pt"
    payload = classifier_payload(model)
    payload["config"]["hidden"] = 64  # the weights are for hidden = 32
    save_checkpoint(path, payload)
    with pytest.raises(CheckpointError, match="other.pt.*do not fit"):
        load_classifier(path)
    save_classifier(path, model)
    with pytest.raises(CheckpointError, match="other.pt.*expected"):
        load_classifier(path, config={"channels": [32, 64], "hidden": 128, "dropout": 0.25})
    payload = classifier_payload(model)
    payload["kind"] = "ddpm-unet"
    save_checkpoint(path, payload)
    with pytest.raises(CheckpointError, match="other.pt.*not a glyph-classifier"):
        load_classifier(path)
    payload = classifier_payload(model)
    payload["config"]["width"] = 3
    save_checkpoint(path, payload)
    with pytest.raises(CheckpointError, match="other.pt.*invalid classifier config"):
        load_classifier(path)


CALLED = []


def _record(message):
    CALLED.append(message)
    return message


class _Trap:
    """Unpickling this runs ``_record``: a stand-in for a file that executes code when loaded unsafely."""

    def __reduce__(self):
        return _record, ("unpickled",)


def test_loading_never_unpickles_arbitrary_objects(trained, tmp_path):
    path = tmp_path / "trap.pt"
    payload = classifier_payload(trained[0])
    payload["history"] = _Trap()
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match="trap.pt has no checksum"):
        load_classifier(path)
    with pytest.warns(UserWarning, match="without verifying"), pytest.raises(CheckpointError, match="read safely"):
        load_classifier(path, verify=False)
    assert CALLED == [], "weights_only loading must refuse to call arbitrary functions"


def test_payload_refuses_a_config_that_does_not_describe_the_model(trained):
    with pytest.raises(ValueError, match="does not describe the model"):
        classifier_payload(trained[0], config={"channels": [8, 16], "hidden": 64, "dropout": 0.0})
    with pytest.raises(ValueError, match="channels must be two integers"):
        GlyphClassifier(channels=(8,))
    with pytest.raises(ValueError, match="dropout must be"):
        GlyphClassifier(dropout=1.0)


def test_classifier_sizes_have_a_ceiling(monkeypatch):
    from ddpm_lessons.evaluation import classifier
    from ddpm_lessons.validation import InputError

    monkeypatch.setattr(classifier, "GlyphDigits", lambda *a, **k: pytest.fail("glyphs were drawn"))
    for call, name, words in (
        (lambda: GlyphClassifier(channels=(10**6, 8)), "channels", "MAX_WIDTH"),
        (lambda: GlyphClassifier(channels=(16_384, 16_384), hidden=16_384), "hidden", "MAX_PARAMETERS"),
        (lambda: train_classifier(batch_size=10**9, progress=False), "batch_size", "MAX_BATCH"),
        (lambda: train_classifier(n_train=10**8, progress=False), "n_train", "MAX_DATA_VALUES"),
        (lambda: glyph_data_floor(GlyphClassifier(channels=(4, 8), hidden=8), n=10**9), "n", "MAX_BATCH"),
    ):
        with pytest.raises(InputError, match=words) as info:
            call()
        assert info.value.parameter == name
