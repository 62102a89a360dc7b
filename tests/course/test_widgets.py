"""The lesson explorers (ddpm_lessons.course.widgets): plain functions with known answers, and each widget reacting to its slider."""

import io

import ipywidgets as widgets
import numpy as np
import pytest
import torch
from PIL import Image

from ddpm_lessons import DiffusionSchedule
from ddpm_lessons.course.physics import ink_drop, random_walk
from ddpm_lessons.course.widgets import (
    alpha_bar_label,
    density_image,
    grid_image,
    guidance_explorer,
    ink_explorer,
    noised_image,
    noising_explorer,
    png_bytes,
    trajectory_explorer,
)


def decode(data: bytes) -> np.ndarray:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return np.asarray(Image.open(io.BytesIO(data)))


def parts(box):
    """The explorer's children by kind: (controls, label, image)."""
    assert isinstance(box, widgets.VBox)
    images = [c for c in box.children if isinstance(c, widgets.Image)]
    labels = [c for c in box.children if isinstance(c, widgets.Label)]
    assert len(images) == 1 and len(labels) == 1 and images[0].format == "png"
    return box.children, labels[0], images[0]


def photo(c=3, h=8, w=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (c, h, w), generator=g).float() / 127.5 - 1


# ------------------------------------------------------------------------------------------------ plain functions


@pytest.mark.parametrize("shape", [(5, 7), (5, 7, 3), (5, 7, 4)])
def test_png_round_trip(shape):
    array = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    assert np.array_equal(decode(png_bytes(array)), array)


def test_png_nearest_neighbour_scale_and_single_channel():
    array = np.array([[0, 255], [10, 20]], dtype=np.uint8)[..., None]
    big = decode(png_bytes(array, scale=3))
    assert big.shape == (6, 6)
    assert np.array_equal(big, np.kron(array[..., 0], np.ones((3, 3), dtype=np.uint8)))


def test_png_refuses_bad_input():
    with pytest.raises(TypeError, match="array"):
        png_bytes([[0, 1]])
    with pytest.raises(TypeError, match="uint8"):
        png_bytes(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="array"):
        png_bytes(np.zeros((2, 2, 2), dtype=np.uint8))
    with pytest.raises(ValueError, match="scale"):
        png_bytes(np.zeros((2, 2), dtype=np.uint8), scale=0)


def test_density_image_places_ink_where_the_particles_are():
    points = torch.tensor([[0.1, 0.9]] * 3 + [[0.9, 0.1]])  # three particles top left, one bottom right
    picture = density_image(points, bins=2)
    assert picture.shape == (2, 2, 3) and picture.dtype == np.uint8
    water, ink = [255, 255, 255], [22, 42, 120]
    assert picture[0, 0].tolist() == ink  # densest cell (rows are y, top row y ≈ 1)
    assert picture[0, 1].tolist() == water and picture[1, 0].tolist() == water
    assert picture[1, 1].tolist() == [round(255 + (v - 255) / 3) for v in ink]  # a third of the densest
    # a common scale: one particle in four is half of vmax = 0.5
    assert density_image(points, bins=2, vmax=0.5)[1, 1].tolist() == [round(255 + (v - 255) / 2) for v in ink]
    # gamma < 1 darkens thin ink: level (1/3) ** 0.5
    assert density_image(points, bins=2, gamma=0.5)[1, 1].tolist() == [round(255 + (v - 255) / 3**0.5) for v in ink]
    # extent moves the grid; particles outside it are not counted
    shifted = density_image(np.array([[10.5, 20.5]]), bins=2, extent=(10, 11, 20, 21))
    assert shifted[0, 1].tolist() == ink and (shifted.reshape(-1, 3) == ink).all(axis=1).sum() == 1


def test_density_image_refuses_bad_input():
    with pytest.raises(ValueError, match="points"):
        density_image(torch.zeros(5, 3))
    with pytest.raises(TypeError, match="bins"):
        density_image(torch.zeros(5, 2), bins=2.5)
    with pytest.raises(ValueError, match="extent"):
        density_image(torch.zeros(5, 2), extent=(1, 0, 0, 1))
    with pytest.raises(ValueError, match="vmax"):
        density_image(torch.zeros(5, 2), vmax=0)
    with pytest.raises(ValueError, match="gamma"):
        density_image(torch.zeros(5, 2), gamma=-1)


def test_noised_image_keeps_the_image_where_alpha_bar_is_one_and_is_noise_at_the_end():
    image = photo()
    noise = torch.randn(image.shape, generator=torch.Generator().manual_seed(1))
    tiny = DiffusionSchedule([1e-12] * 3 + [0.999999] * 2)  # ᾱ ≈ 1 for t < 3, ≈ 0 afterwards
    clean = ((image + 1) * 127.5).round().permute(1, 2, 0).numpy().astype(np.uint8)
    first = noised_image(image, tiny, 0, noise)
    assert first.dtype == np.uint8 and first.shape == (8, 8, 3)
    assert np.abs(first.astype(int) - clean).max() <= 1
    pure_noise = ((noise + 1) * 127.5).round().clamp(0, 255).permute(1, 2, 0).numpy()
    assert np.abs(noised_image(image, tiny, 4, noise).astype(int) - pure_noise).max() <= 1
    assert noised_image(photo(c=1), tiny, 0, noise[:1]).shape == (8, 8, 1)


def test_noised_image_matches_q_sample(linear64):
    from ddpm_lessons import q_sample

    image, noise = photo(), torch.randn(3, 8, 8, generator=torch.Generator().manual_seed(2))
    x_t = q_sample(linear64, image[None].double(), 300, noise[None].double())[0]
    expected = ((x_t + 1) * 127.5).round().clamp(0, 255).permute(1, 2, 0).numpy()
    assert np.abs(noised_image(image, linear64, 300, noise).astype(int) - expected).max() <= 1


def test_alpha_bar_label(linear64, cosine64):
    text = alpha_bar_label(linear64, 499)
    alpha_bar = linear64.alphas_cumprod[499].item()
    assert f"ᾱ_t = {alpha_bar:.4f}" in text and f"√ᾱ_t = {alpha_bar**0.5:.4f}" in text
    assert "t = 499" in text and "paper step 500" in text
    assert "ᾱ_t = 0.9999" in alpha_bar_label(linear64, 0)
    assert f"ᾱ_t = {cosine64.alphas_cumprod[999].item():.4f}" in alpha_bar_label(cosine64, 999)


def test_noising_functions_refuse_bad_input(linear64):
    image, noise = photo(), torch.zeros(3, 8, 8)
    with pytest.raises(ValueError, match="t must lie in"):
        noised_image(image, linear64, 1000, noise)
    with pytest.raises(TypeError, match="t must be an integer"):
        alpha_bar_label(linear64, 2.0)
    with pytest.raises(TypeError, match="schedule"):
        alpha_bar_label("linear", 3)
    with pytest.raises(ValueError, match="image"):
        noised_image(image[None], linear64, 3, noise)
    with pytest.raises(ValueError, match="noise"):
        noised_image(image, linear64, 3, noise[:1])


def test_grid_image_layout():
    batch = torch.stack([torch.full((1, 2, 3), v) for v in (-1.0, 0.0, 1.0)])  # black, grey, white
    grid = grid_image(batch, nrow=2, padding=1)
    assert grid.shape == (2 * 3 + 1, 2 * 4 + 1, 1) and grid.dtype == np.uint8
    assert (grid[1:3, 1:4] == 0).all() and (grid[1:3, 5:8] == 128).all() and (grid[4:6, 1:4] == 255).all()
    assert (grid[0] == 255).all() and (grid[4:6, 5:8] == 255).all()  # padding and the empty cell stay white
    assert grid_image(batch, nrow=10).shape == (6, 3 * 5 + 2, 1)
    with pytest.raises(ValueError, match="batch"):
        grid_image(torch.zeros(2, 2, 4, 4))
    with pytest.raises(ValueError, match="nrow"):
        grid_image(batch, nrow=0)


# ------------------------------------------------------------------------------------------------------ explorers


def test_ink_explorer_follows_the_time_slider():
    g = torch.Generator().manual_seed(0)
    snapshots = random_walk(ink_drop(500, generator=g), 20, 0.05, generator=g, record_every=10)
    box = ink_explorer(snapshots, bins=16)
    controls, label, image = parts(box)
    slider = controls[0]
    assert slider.description == "time step" and list(slider.options) == [0, 10, 20]
    first, first_text = image.value, label.value
    assert decode(first).shape == (320, 320, 3)
    slider.value = 20
    assert image.value != first and label.value != first_text and label.value.startswith("step 20 of 20")
    slider.value = 0
    assert image.value == first  # cached, identical bytes
    # a (S, N, 2) tensor works too, with frames numbered 0 … S − 1
    stacked = torch.stack([p for _, p in snapshots])
    assert list(parts(ink_explorer(stacked, bins=16))[0][0].options) == [0, 1, 2]


def test_ink_explorer_refuses_bad_input():
    with pytest.raises(ValueError, match="positions"):
        ink_explorer(torch.zeros(10, 2))
    with pytest.raises(TypeError, match="positions"):
        ink_explorer([])
    with pytest.raises(ValueError, match="positions"):
        ink_explorer([(0, torch.zeros(3))])
    with pytest.raises(ValueError, match="bins"):
        ink_explorer(torch.zeros(2, 5, 2), bins=0)


def test_noising_explorer_slider_and_schedule_switch():
    schedules = {"linear": DiffusionSchedule.linear(100), "cosine": DiffusionSchedule.cosine(50)}
    box = noising_explorer(photo(h=16, w=16), schedules, seed=3)
    controls, label, image = parts(box)
    toggle = next(c for c in controls if isinstance(c, widgets.ToggleButtons))
    slider = next(c for c in controls if isinstance(c, widgets.IntSlider))
    assert toggle.description == "schedule" and list(toggle.options) == ["linear", "cosine"]
    assert slider.description == "t" and (slider.min, slider.max, slider.value) == (0, 99, 0)
    assert label.value == alpha_bar_label(schedules["linear"], 0)
    assert decode(image.value).shape == (16 * 18, 16 * 18, 3)
    before = image.value
    slider.value = 60
    assert image.value != before and label.value == alpha_bar_label(schedules["linear"], 60)
    noise = torch.randn(3, 16, 16, generator=torch.Generator().manual_seed(3))
    expected = noised_image(photo(h=16, w=16), schedules["linear"], 60, noise)
    assert np.abs(decode(image.value)[::18, ::18].astype(int) - expected).max() <= 1  # the same fixed ε
    shown = image.value
    toggle.value = "cosine"  # T = 50: the slider shrinks and clamps t
    assert slider.max == 49 and slider.value == 49
    assert label.value == alpha_bar_label(schedules["cosine"], 49) and image.value != shown


def test_noising_explorer_refuses_bad_input():
    with pytest.raises(TypeError, match="schedules"):
        noising_explorer(photo(), DiffusionSchedule.linear(10))
    with pytest.raises(TypeError, match=r"schedules\['a'\]"):
        noising_explorer(photo(), {"a": "linear"})
    with pytest.raises(TypeError, match="image"):
        noising_explorer(np.zeros((3, 8, 8)), {"a": DiffusionSchedule.linear(10)})
    with pytest.raises(TypeError, match="seed"):
        noising_explorer(photo(), {"a": DiffusionSchedule.linear(10)}, seed=1.5)


def fake_trajectory(T=10, keep=(9, 5, 0, -1)):
    g = torch.Generator().manual_seed(0)
    return {i: torch.rand(4, 1, 6, 6, generator=g) * 2 - 1 for i in keep}


def test_trajectory_explorer_scrubs_from_noise_to_x0():
    trajectory = fake_trajectory()
    controls, label, image = parts(trajectory_explorer(trajectory, nrow=2))
    slider = controls[0]
    assert slider.description == "steps taken" and list(slider.options) == [0, 4, 9, 10]
    assert "pure noise" in label.value
    expected = grid_image(trajectory[9], 2)
    shown = decode(image.value)
    scale = shown.shape[0] // expected.shape[0]
    assert np.array_equal(shown[::scale, ::scale], expected[..., 0])
    slider.value = 10
    assert "x_0" in label.value and "10 steps" in label.value
    assert np.array_equal(decode(image.value)[::scale, ::scale], grid_image(trajectory[-1], 2)[..., 0])
    slider.value = 4
    assert "index 5" in label.value
    assert list(parts(trajectory_explorer(fake_trajectory(keep=(5, -1)), T=10))[0][0].options) == [4, 10]


def test_trajectory_explorer_shows_digits_at_a_readable_size():
    # lesson 07a's call: ten 28-pixel digits five per row (a 146-pixel-wide grid) must not be shown at 146 pixels
    g = torch.Generator().manual_seed(0)
    trajectory = {i: torch.rand(10, 1, 28, 28, generator=g) * 2 - 1 for i in (9, -1)}
    image = parts(trajectory_explorer(trajectory, nrow=5))[2]
    grid, shown = grid_image(trajectory[9], 5), decode(image.value)
    assert shown.shape[1] >= 400 and shown.shape[1] <= 640
    scale = shown.shape[1] // grid.shape[1]
    assert scale >= 3 and np.array_equal(shown[::scale, ::scale], grid[..., 0])


def test_trajectory_explorer_refuses_bad_input():
    with pytest.raises(TypeError, match="trajectory"):
        trajectory_explorer([torch.zeros(1, 1, 4, 4)])
    with pytest.raises(ValueError, match="trajectory keys"):
        trajectory_explorer({-2: torch.zeros(1, 1, 4, 4)})
    with pytest.raises(ValueError, match=r"trajectory\[3\]"):
        trajectory_explorer({3: torch.zeros(1, 4, 4)})
    with pytest.raises(ValueError, match="pass T"):
        trajectory_explorer({-1: torch.zeros(1, 1, 4, 4)})
    with pytest.raises(ValueError, match="T must be larger"):
        trajectory_explorer(fake_trajectory(), T=5)


def test_guidance_explorer_shows_samples_and_metrics_per_weight():
    g = torch.Generator().manual_seed(0)
    samples = {w: torch.rand(6, 1, 28, 28, generator=g) * 2 - 1 for w in (3.0, 0.0, 1.0)}
    metrics = {
        0.0: {"accuracy": 0.5, "fid": 40.25, "confidence": 0.61},
        1.0: {"accuracy": 0.875, "fid": 20.0, "confidence": 0.8},
        3.0: {"accuracy": 0.97, "fid": 31.5, "confidence": 0.95},
    }
    controls, label, image = parts(guidance_explorer(samples, metrics=metrics, nrow=3))
    slider = controls[0]
    assert slider.description == "guidance w" and list(slider.options) == [0.0, 1.0, 3.0]
    assert label.value == "w = 0: accuracy 0.5 · FID 40.2 · confidence 0.61"
    first = image.value
    slider.value = 3.0
    assert image.value != first and "accuracy 0.97" in label.value and "FID 31.5" in label.value
    expected = grid_image(samples[3.0], 3)
    shown = decode(image.value)
    scale = shown.shape[0] // expected.shape[0]
    assert np.array_equal(shown[::scale, ::scale], expected[..., 0])
    _, plain_label, _ = parts(guidance_explorer(samples))
    assert plain_label.value == "w = 0"


def test_guidance_explorer_refuses_bad_input():
    samples = {1.0: torch.zeros(2, 1, 4, 4)}
    with pytest.raises(TypeError, match="samples_by_weight"):
        guidance_explorer({"w1": torch.zeros(2, 1, 4, 4)})
    with pytest.raises(ValueError, match="samples_by_weight"):
        guidance_explorer({1.0: torch.zeros(2, 4, 4)})
    with pytest.raises(TypeError, match="metrics"):
        guidance_explorer(samples, metrics={1.0: 0.9})
    with pytest.raises(ValueError, match="metrics"):
        guidance_explorer(samples, metrics={2.0: {"accuracy": 1.0}})
    with pytest.raises(TypeError, match="nrow"):
        guidance_explorer(samples, nrow="4")


def test_explorers_have_a_short_stable_text_form():
    # nbval compares the text/plain of a widget output: it must not contain image bytes or object addresses.
    from ddpm_lessons import DiffusionSchedule
    from ddpm_lessons.course.widgets import noising_explorer

    box = noising_explorer(torch.zeros(3, 8, 8), {"linear": DiffusionSchedule.linear(10)})
    text = box._repr_mimebundle_()["text/plain"]
    assert (
        text == "<noising explorer: sliders that show in JupyterLab's notebook view, not on slides or in static copies>"
    )
