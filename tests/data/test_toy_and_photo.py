"""Offline data: the seed's photo, toy distributions, the 1-D mixture's density; metrics and plots."""

import math

import matplotlib
import pytest
import torch

matplotlib.use("Agg")

from ddpm_lessons.data import TOY_DATASETS, GaussianMixture1D, default_photo_path, load_photo, toy_data  # noqa: E402


def test_photo_uses_the_seed_transform():
    photo = load_photo(image_shape=(48, 48))
    assert photo.shape == (3, 48, 48) and photo.dtype == torch.float32
    assert -1.0 <= photo.min().item() < -0.5 and 0.5 < photo.max().item() <= 1.0
    assert default_photo_path().name == "grace_hopper.jpg"
    assert load_photo(image_shape=(16, 24)).shape == (3, 16, 24)


def test_photo_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="photo not found: .*missing.jpg"):
        load_photo(tmp_path / "missing.jpg")
    bad = tmp_path / "not_an_image.jpg"
    bad.write_text("hello")
    with pytest.raises(ValueError, match="could not be read as an image"):
        load_photo(bad)
    with pytest.raises(ValueError, match="image_shape must be \\(H, W\\)"):
        load_photo(image_shape=(0, 4))


def test_photo_refusals_name_the_parameter_and_come_before_any_decoding(tmp_path, monkeypatch):
    import os
    import time

    from PIL import Image

    from ddpm_lessons.validation import InputError

    fifo = tmp_path / "photo.fifo"
    os.mkfifo(fifo)  # opening it would block until a writer comes
    bomb = tmp_path / "bomb.png"
    Image.new("1", (10_000, 7_000)).save(bomb)  # 70 M pixels in a few kB: above MAX_PHOTO_PIXELS, below PIL's guard
    assert bomb.stat().st_size < 200_000
    for call, parameter, words in (
        (lambda: load_photo(tmp_path), "path", "is a directory, not an image file"),
        (lambda: load_photo(fifo), "path", "is not a regular file"),
        (lambda: load_photo(3), "path", "path must be an image file path"),
        (lambda: load_photo(bomb), "path", r"is 10000×7000 = 70,000,000 pixels; the package's ceiling is MAX_PHOTO"),
        (lambda: load_photo(image_shape=(30_000, 30_000)), "image_shape", "image_shape must be an integer <= 1,024"),
        (lambda: load_photo(image_shape=(48,)), "image_shape", r"image_shape must be \(H, W\)"),
    ):
        monkeypatch.setattr(Image.Image, "convert", lambda *a, **k: pytest.fail("the image was decoded"))
        started = time.perf_counter()
        with pytest.raises(InputError, match=words) as info:
            call()
        assert info.value.parameter == parameter and time.perf_counter() - started < 1


def test_toy_sizes_have_a_ceiling():
    from ddpm_lessons.data import GaussianMixture, eight_gaussians
    from ddpm_lessons.validation import InputError

    for call, words in (
        (lambda: toy_data("moons", 10**10), "n must be an integer <= 10,000,000"),
        (lambda: GaussianMixture1D().sample(10**10), "n must be an integer <= 10,000,000"),
        (lambda: eight_gaussians().sample(10**10), "n must be an integer <= 10,000,000"),
        (lambda: GaussianMixture([1.0], torch.zeros(1, 1000), [1.0]).sample(10**6), "MAX_DATA_VALUES"),
    ):
        with pytest.raises(InputError, match=words) as info:
            call()
        assert info.value.parameter == "n"


@pytest.mark.parametrize("name", sorted(TOY_DATASETS))
def test_toy_data_is_seeded_and_shaped(name):
    a, b, c = toy_data(name, 500, seed=1), toy_data(name, 500, seed=1), toy_data(name, 500, seed=2)
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert a.shape == ((500, 1) if name == "mixture1d" else (500, 2)) and a.dtype == torch.float32
    assert a.abs().max() < 3.0, "roughly unit spread"


def test_toy_data_errors():
    with pytest.raises(ValueError, match="name must be one of"):
        toy_data("spiral", 10)
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        toy_data("moons", 0)


def test_mixture_density_integrates_to_one_and_matches_samples():
    mix = GaussianMixture1D()
    grid = torch.linspace(-7, 7, 40001, dtype=torch.float64)
    dx = (grid[1] - grid[0]).item()
    assert torch.exp(mix.log_prob(grid)).sum().item() * dx == pytest.approx(1.0, abs=1e-6)
    x = mix.sample(100_000, generator=torch.Generator().manual_seed(0)).double()
    mean = (mix.weights * mix.means).sum().item()
    assert x.mean().item() == pytest.approx(mean, abs=5 * x.std().item() / math.sqrt(len(x)))
    # q(x_t) of the noised mixture is again a density; at alpha_bar = 0 it is N(0, 1)
    assert torch.exp(mix.noised_log_prob(grid, 0.3)).sum().item() * dx == pytest.approx(1.0, abs=1e-6)
    standard = torch.exp(mix.noised_log_prob(torch.tensor([0.0]), 0.0)).item()
    assert standard == pytest.approx(1 / math.sqrt(2 * math.pi), rel=1e-9)
