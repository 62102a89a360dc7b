"""The checkpoints shipped in data/: listed in the manifest, verified by sha256, recorded bars met, and a
small fresh measurement of each (the full measurement is `python -m ddpm_lessons evaluate data/<file>`)."""

import json

import torch

from ddpm_lessons.checkpoints import DATA_DIR, MANIFEST, shipped_path, verify_shipped
from ddpm_lessons.train import load_trained

SHIPPED = ["glyph_classifier.pt", "glyph_ddpm.pt", "moons_ddpm.pt", "photo_ddpm.pt"]


def manifest():
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def test_every_shipped_file_is_listed_verified_and_small():
    entries = manifest()
    assert sorted(entries) == SHIPPED
    assert all(ok for _, ok, _ in verify_shipped()), verify_shipped()
    total = sum((DATA_DIR / name).stat().st_size for name in entries)
    assert total <= 20e6, f"shipped checkpoints total {total / 1e6:.1f} MB > 20 MB"
    for name, entry in entries.items():
        for key in ("command", "seed", "steps", "wall_time_s", "hardware", "sha256"):
            assert key in entry, f"{name}: manifest lacks {key}"
        assert entry["command"].startswith("python -m ddpm_lessons ")
        assert entry["metrics"]["meets_bar"], f"{name}: recorded evaluation misses its bar: {entry['metrics']}"


def test_recorded_numbers_are_the_bars_of_the_issue():
    entries = manifest()
    assert entries["photo_ddpm.pt"]["metrics"]["psnr_db_min"] >= 25.0
    assert entries["moons_ddpm.pt"]["metrics"]["samples"] == 10_000
    moons = entries["moons_ddpm.pt"]["metrics"]
    assert moons["data_draws"] >= 20 and moons["sds_above_data"] <= 3.0
    assert entries["glyph_ddpm.pt"]["metrics"]["samples"] == 1000
    assert entries["glyph_ddpm.pt"]["metrics"]["accuracy"] >= 0.95
    assert entries["glyph_classifier.pt"]["metrics"]["accuracy"] >= 0.99


def test_photo_sample_reaches_25_db():
    from ddpm_lessons.data import load_photo
    from ddpm_lessons.evaluation.metrics import psnr
    from ddpm_lessons.sampling import sample

    model, schedule, payload = load_trained(shipped_path("photo_ddpm.pt"), device="cpu")
    size = payload["train_config"]["data"]["image_size"]
    x = sample(model, schedule, (1, 3, size, size), seed=7, progress=False)
    assert psnr(x, load_photo(None, (size, size))).item() >= 25.0


def test_moons_samples_within_fresh_datas_spread():
    from ddpm_lessons.data import toy_data
    from ddpm_lessons.evaluation import data_reference
    from ddpm_lessons.evaluation.metrics import sliced_wasserstein
    from ddpm_lessons.sampling import sample

    model, schedule, _ = load_trained(shipped_path("moons_ddpm.pt"), device="cpu")
    x = sample(model, schedule, (2000, 2), seed=7, progress=False)
    reference = toy_data("moons", 2000, seed=99)
    level = data_reference(
        sliced_wasserstein, lambda n, seed: toy_data("moons", n, seed=seed), 2000, reference=reference
    )
    assert level.z(sliced_wasserstein(x, reference)) <= 3.0


def test_glyph_samples_are_the_requested_digits():
    from ddpm_lessons.evaluation.classifier import classifier_accuracy, load_glyph_classifier
    from ddpm_lessons.evaluation.evaluate import GLYPH_EVAL
    from ddpm_lessons.sampling import sample

    model, schedule, _ = load_trained(shipped_path("glyph_ddpm.pt"), device="cpu")
    labels = torch.arange(10).repeat_interleave(3)
    x = sample(
        model,
        schedule,
        (30, 1, 28, 28),
        labels=labels,
        method=GLYPH_EVAL["method"],
        steps=GLYPH_EVAL["steps"],
        guidance=GLYPH_EVAL["guidance"],
        clip_denoised=True,
        seed=7,
        progress=False,
    )
    assert classifier_accuracy(load_glyph_classifier(), x, labels) >= 0.9
