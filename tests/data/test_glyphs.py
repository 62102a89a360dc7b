"""Glyph digits: shapes and ranges, determinism, balanced labels, distinct classes, bad input."""

import re

import pytest
import torch

from ddpm_lessons.data import glyphs
from ddpm_lessons.data.glyphs import GlyphDigits, glyph_fonts


@pytest.fixture(scope="module")
def small():
    return GlyphDigits(500, seed=0)


def test_storage_shapes_dtypes_and_range(small):
    assert len(small) == 500
    assert small.images.shape == (500, 28, 28) and small.images.dtype == torch.uint8
    assert small.labels.shape == (500,) and small.labels.dtype == torch.int64
    assert small.fonts.shape == (500,) and int(small.fonts.max()) < len(glyph_fonts())
    assert 0 <= int(small.labels.min()) and int(small.labels.max()) <= 9
    # White digit on black: every image has a bright stroke, the border is dark, most of the image is background.
    assert int(small.images.flatten(1).amax(1).min()) >= 200
    border = torch.cat([small.images[:, 0], small.images[:, -1], small.images[:, :, 0], small.images[:, :, -1]], 1)
    assert border.float().mean() < 5
    assert 0.05 < small.images.float().mean() / 255 < 0.35


def test_item_and_tensors_agree(small):
    x, label = small[3]
    assert x.shape == (1, 28, 28) and x.dtype == torch.float32 and isinstance(label, int)
    assert -1.0 <= float(x.min()) and float(x.max()) <= 1.0
    xs, labels = small.tensors()
    assert xs.shape == (500, 1, 28, 28) and xs.dtype == torch.float32 and labels.dtype == torch.int64
    assert torch.equal(xs[3], x) and int(labels[3]) == label
    assert torch.equal(xs, small.images.unsqueeze(1).float() / 127.5 - 1)
    assert float(xs.min()) == -1.0 and float(xs.max()) == 1.0


def test_same_seed_same_bytes_other_seed_other_images(small):
    again = GlyphDigits(500, seed=0)
    assert torch.equal(again.images, small.images) and torch.equal(again.labels, small.labels)
    other = GlyphDigits(500, seed=1)
    differ = (other.images != small.images).flatten(1).any(1).float().mean()
    assert differ > 0.99


def test_chunking_does_not_change_the_result(monkeypatch):
    reference = GlyphDigits(40, seed=4)
    monkeypatch.setattr(glyphs, "_CHUNK", 7)
    assert torch.equal(GlyphDigits(40, seed=4).images, reference.images)


def test_labels_are_balanced():
    assert torch.bincount(GlyphDigits(1000, seed=2).labels, minlength=10).tolist() == [100] * 10
    counts = torch.bincount(GlyphDigits(1005, seed=2).labels, minlength=10)
    assert counts.tolist() == [101] * 5 + [100] * 5


def test_other_sizes():
    ds = GlyphDigits(20, seed=0, size=16)
    assert ds.images.shape == (20, 16, 16) and ds[0][0].shape == (1, 16, 16)


def test_class_means_are_distinct():
    x, labels = GlyphDigits(2000, seed=3).tensors()
    means = torch.stack([x[labels == c].mean(0).flatten() for c in range(10)])
    rms = torch.cdist(means, means) / means.shape[1] ** 0.5
    off_diagonal = rms[~torch.eye(10, dtype=torch.bool)]
    assert float(off_diagonal.min()) > 0.1, rms


def test_fonts_are_matplotlibs_digit_faces():
    faces = glyph_fonts()
    files = {file for _, _, file in faces}
    assert {
        "DejaVuSans.ttf",
        "DejaVuSansMono-Bold.ttf",
        "DejaVuSerif-Italic.ttf",
        "STIXGeneral.ttf",
        "cmr10.ttf",
        "cmss10.ttf",
        "cmtt10.ttf",
        "cmb10.ttf",
    } <= files
    # Symbol fonts, old-style numerals and the fallback font would give wrong or missing digits.
    assert not files & {"cmsy10.ttf", "cmex10.ttf", "cmmi10.ttf", "LastResortHE-Regular.ttf", "STIXNonUni.ttf"}
    assert all(isinstance(family, str) and isinstance(style, str) for family, style, _ in faces)
    faces.clear()
    assert glyph_fonts(), "glyph_fonts returns a copy; the cache is not the caller's to change"


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"n": 0}, ValueError, "n"),
        ({"n": 2.5}, TypeError, "n"),
        ({"size": 7}, ValueError, "size"),
        ({"size": "28"}, TypeError, "size"),
        ({"seed": "0"}, TypeError, "seed"),
        ({"seed": 1.0}, TypeError, "seed"),
        ({"seed": True}, TypeError, "seed"),
        ({"seed": -1}, ValueError, "seed"),
        ({"n": 10**8}, ValueError, "n"),  # above MAX_EXAMPLES
        ({"n": 200_000, "size": 64}, ValueError, "n"),  # 819 M float values: above MAX_DATA_VALUES
        ({"size": 30_000}, ValueError, "size"),  # above MAX_GLYPH_SIZE: the masters alone would be terabytes
    ],
)
def test_bad_input_names_the_parameter(kwargs, error, name):
    with pytest.raises(error, match=rf"^{name} must be"):
        GlyphDigits(**{"n": 10, **kwargs})


def test_the_ceilings_are_checked_before_any_glyph_is_drawn(monkeypatch):
    import time

    from ddpm_lessons.data import glyphs

    monkeypatch.setattr(glyphs, "_generate", lambda *a: pytest.fail("glyphs were drawn"))
    for kwargs, words in (
        ({"n": 10**8}, "n must be an integer <= 10,000,000 (the package's ceiling MAX_EXAMPLES)"),
        ({"n": 200_000, "size": 64}, "MAX_DATA_VALUES = 536,870,912"),
        ({"size": 30_000}, "size must be an integer <= 64 (the package's ceiling MAX_GLYPH_SIZE)"),
    ):
        started = time.perf_counter()
        with pytest.raises(ValueError, match=re.escape(words)):
            GlyphDigits(**kwargs)
        assert time.perf_counter() - started < 1
