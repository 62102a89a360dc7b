"""Your own images (ddpm_lessons.data.folder): layout, labels, resizing, channels, every refusal and the skip rule."""

import os
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ddpm_lessons import InputError
from ddpm_lessons.data import FolderImages, SkippedFilesWarning, load_image_folder
from ddpm_lessons.data import folder as folder_module


def save(path, array, mode=None, **options):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(array), mode=mode).save(path, **options)
    return path


def grey(value, size=(8, 8)):
    return np.full(size, value, dtype=np.uint8)


def rgb(colour, size=(8, 8)):
    return np.broadcast_to(np.array(colour, dtype=np.uint8), (*size, 3)).copy()


def labelled(tmp_path, n=3):
    """root/cats: n RGB images of mixed sizes; root/dogs: n grey images."""
    for i in range(n):
        save(tmp_path / "cats" / f"{i}.png", rgb((200, 10 * i, 0), (10 + i, 12)))
        save(tmp_path / "dogs" / f"{i}.jpg", grey(40 * i, (9, 9 + 2 * i)))
    return tmp_path


def load_quietly(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a loader that warns here fails the test
        return load_image_folder(*args, **kwargs)


# ------------------------------------------------------------------------------------------------ what it loads
def test_class_folders_are_sorted_labels_and_the_order_is_the_sorted_paths(tmp_path):
    labelled(tmp_path)
    data = load_quietly(tmp_path, 8)
    assert isinstance(data, FolderImages) and isinstance(data, torch.utils.data.Dataset)
    assert data.classes == ["cats", "dogs"] and data.labels.tolist() == [0, 0, 0, 1, 1, 1]
    assert [p.relative_to(tmp_path).as_posix() for p in data.paths] == [
        "cats/0.png", "cats/1.png", "cats/2.png", "dogs/0.jpg", "dogs/1.jpg", "dogs/2.jpg"
    ]  # fmt: skip
    x, labels = data.tensors()
    assert x.shape == (6, 3, 8, 8) and x.dtype == torch.float32 and labels.dtype == torch.int64
    assert x.min() >= -1 and x.max() <= 1
    image, label = data[4]
    assert torch.equal(image, x[4]) and label == 1 and len(data) == 6
    again = load_quietly(tmp_path, 8)
    assert torch.equal(again.images, data.images) and again.description() == data.description()
    info = data.description()
    assert info["name"] == "folder" and info["root"] == str(tmp_path.resolve()) and info["classes"] == ["cats", "dogs"]
    assert info["n"] == 6 and info["channels"] == 3 and info["image_size"] == 8 and len(info["sha256"]) == 64


def test_images_in_the_root_are_an_unlabelled_set_and_one_class_folder_too(tmp_path):
    for i in range(3):
        save(tmp_path / "flat" / f"{i}.png", grey(50 * i))
        save(tmp_path / "one" / "only" / f"{i}.png", grey(50 * i))
    flat = load_quietly(tmp_path / "flat", 4)
    assert flat.labels is None and flat.classes == [] and flat.tensors()[1] is None
    assert flat[0].shape == (1, 4, 4)  # an unlabelled set's item is the image alone
    one = load_quietly(tmp_path / "one", 4)
    assert one.labels is None and one.classes == ["only"] and len(one) == 3


def test_pixels_scale_to_minus_one_and_one_exactly(tmp_path):
    save(tmp_path / "a.png", grey(0))
    save(tmp_path / "b.png", grey(255))
    x, _ = load_quietly(tmp_path, 4).tensors()
    assert torch.all(x[0] == -1) and torch.all(x[1] == 1)


def test_the_shorter_side_is_resized_and_the_centre_cropped(tmp_path):
    # 12 wide, 4 high: left third red, middle green, right third blue. Shorter side 4 -> 4, crop the centre 4x4.
    wide = np.zeros((4, 12, 3), np.uint8)
    wide[:, :4, 0], wide[:, 4:8, 1], wide[:, 8:, 2] = 255, 255, 255
    save(tmp_path / "wide.png", wide)
    image = load_quietly(tmp_path, 4).images[0]
    assert image.shape == (3, 4, 4) and torch.all(image[1] == 255) and torch.all(image[0] == 0)
    # A tall 40x20 image at size 10: resized to 10 wide and 20 high, then the middle 10 rows.
    tall = np.zeros((40, 20), np.uint8)
    tall[10:30] = 255
    save(tmp_path / "t" / "tall.png", tall)
    image = load_quietly(tmp_path / "t", 10).images[0, 0]
    assert image.shape == (10, 10) and torch.all(image[1:-1] == 255) and torch.all(image[[0, -1]] > 200)  # edges blur


def test_mixed_sizes_and_channel_modes_are_converted(tmp_path):
    labelled(tmp_path)
    data = load_quietly(tmp_path, 6)
    assert data.images.shape == (6, 3, 6, 6) and data.channels == 3
    greys = data.images[3:]  # a grey image in an RGB set repeats its channel
    assert torch.equal(greys[:, 0], greys[:, 1]) and torch.equal(greys[:, 1], greys[:, 2])
    assert load_quietly(tmp_path, 6, channels=1).images.shape == (6, 1, 6, 6)
    assert load_quietly(tmp_path / "dogs", 6).images.shape == (3, 1, 6, 6)  # all grey: one channel
    assert load_quietly(tmp_path / "dogs", 6, channels=3).images.shape == (3, 3, 6, 6)


def test_sixteen_bit_grey_is_scaled_and_transparency_is_flattened_onto_white(tmp_path):
    save(tmp_path / "a16.png", np.full((8, 8), 65535, np.uint16))
    save(tmp_path / "b16.png", np.full((8, 8), 257 * 100, np.uint16))
    clear = np.zeros((8, 8, 4), np.uint8)  # black, fully transparent
    save(tmp_path / "c_alpha.png", clear)
    data = load_quietly(tmp_path, 4)
    assert data.channels == 1  # every image grey (the transparent one is grey on white)
    assert torch.all(data.images[0] == 255) and torch.all(data.images[1] == 100) and torch.all(data.images[2] == 255)


def test_exif_orientation_is_applied(tmp_path):
    tall = np.zeros((12, 6), np.uint8)
    tall[:6] = 255  # top half white
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    path = tmp_path / "rotated.png"
    Image.fromarray(tall).save(path, exif=exif)
    image = load_quietly(tmp_path, 6).images[0, 0]
    assert torch.all(image[:, -2:] == 255) and torch.all(image[:, :2] == 0)  # white now on the right


def test_hidden_files_are_not_read(tmp_path):
    save(tmp_path / "a.png", grey(10))
    (tmp_path / ".DS_Store").write_bytes(b"\0\1junk")
    save(tmp_path / ".hidden" / "b.png", grey(20))
    assert len(load_quietly(tmp_path, 4)) == 1


# ---------------------------------------------------------------------------------------------- skipped files
def test_a_few_unreadable_files_are_skipped_and_listed(tmp_path):
    for i in range(10):
        save(tmp_path / f"{i}.png", grey(i))
    (tmp_path / "notes.txt").write_text("not an image")
    with pytest.warns(SkippedFilesWarning, match=r"1 file\(s\) .* skipped.*notes.txt \(not an image"):
        data = load_image_folder(tmp_path, 4)
    assert len(data) == 10 and [p.name for p, _ in data.skipped] == ["notes.txt"]


def test_a_truncated_image_is_skipped(tmp_path):
    for i in range(10):
        save(tmp_path / f"{i}.png", grey(i, (32, 32)))
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    whole = save(tmp_path / "z.jpg", noise).read_bytes()
    (tmp_path / "z.jpg").write_bytes(whole[: len(whole) * 2 // 3])  # the header reads, the pixels do not
    with pytest.warns(SkippedFilesWarning, match=r"z\.jpg \(cannot decode"):
        assert len(load_image_folder(tmp_path, 4)) == 10


def test_more_than_ten_percent_unreadable_is_an_error_listing_them(tmp_path):
    for i in range(8):
        save(tmp_path / f"{i}.png", grey(i))
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("junk")
    with pytest.raises(InputError, match=r"2 of 10 files cannot be read.*more than the 1 .*a\.txt.*b\.txt") as info:
        load_image_folder(tmp_path, 4)
    assert info.value.parameter == "root"


def test_a_pipe_and_a_broken_link_are_skipped_without_being_opened(tmp_path):
    for i in range(20):
        save(tmp_path / f"{i:02d}.png", grey(i))
    os.mkfifo(tmp_path / "pipe.png")  # opening it for reading would wait for a writer forever
    (tmp_path / "link.png").symlink_to(tmp_path / "missing.png")
    with pytest.warns(SkippedFilesWarning, match=r"link\.png \(not a regular file\); pipe\.png \(not a regular file\)"):
        assert len(load_image_folder(tmp_path, 4)) == 20


def test_one_unreadable_file_is_allowed_even_in_a_small_folder(tmp_path):
    save(tmp_path / "a.png", grey(1))
    (tmp_path / "b.txt").write_text("junk")
    with pytest.warns(SkippedFilesWarning, match="b.txt"):
        assert len(load_image_folder(tmp_path, 4)) == 1


def test_long_listings_are_cut(tmp_path):
    for i in range(30):
        (tmp_path / f"{i:02d}.txt").write_text("junk")
    with pytest.raises(InputError, match=r"holds no image PIL can read: 00\.txt .*19\.txt .*and 10 more"):
        load_image_folder(tmp_path, 4)


def test_files_beside_class_folders_are_listed_and_not_used(tmp_path):
    labelled(tmp_path, 2)
    (tmp_path / "README.txt").write_text("my data set")
    save(tmp_path / "stray.png", grey(3))
    with pytest.warns(SkippedFilesWarning, match=r"2 file\(s\) .* beside the class folders.*README\.txt.*stray\.png"):
        data = load_image_folder(tmp_path, 4)
    assert len(data) == 4 and data.classes == ["cats", "dogs"]


# -------------------------------------------------------------------------------------------------- refusals
@pytest.mark.parametrize(
    ("arguments", "parameter", "message"),
    [
        ({"root": 3}, "root", "root must be a folder path"),
        ({"image_size": 0}, "image_size", "image_size must be an integer >= 1"),
        ({"image_size": 2.5}, "image_size", "image_size must be an integer"),
        ({"image_size": 4096}, "image_size", "image_size must be an integer <= 1,024"),
        ({"channels": 2}, "channels", "channels must be 1 .grey., 3 .RGB. or None"),
        ({"channels": True}, "channels", "channels must be 1"),
        ({"max_images": 0}, "max_images", "max_images must be an integer >= 1"),
    ],
)
def test_bad_arguments_name_the_parameter(tmp_path, arguments, parameter, message):
    save(tmp_path / "a.png", grey(1))
    given = {"root": tmp_path, "image_size": 4, **arguments}
    with pytest.raises(InputError, match=message) as info:
        load_image_folder(given.pop("root"), given.pop("image_size"), **given)
    assert info.value.parameter == parameter


def test_a_missing_folder_a_file_and_an_empty_folder_are_refused(tmp_path):
    for root, message in (
        (tmp_path / "missing", "does not exist"),
        (save(tmp_path / "a.png", grey(1)), "is not a folder"),
        (tmp_path / "empty", "is empty"),
    ):
        if root.name == "empty":
            root.mkdir()
            (root / ".DS_Store").write_bytes(b"")
        with pytest.raises(InputError, match=f"root .*{root.name} {message}") as info:
            load_image_folder(root, 4)
        assert info.value.parameter == "root"


def test_a_folder_that_cannot_be_listed_is_refused(tmp_path, monkeypatch):
    labelled(tmp_path, 1)
    scandir, listdir = os.scandir, os.listdir

    def refuse(path, refused):
        if Path(path).name == refused:
            raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(os, "scandir", lambda path=".": refuse(path, "dogs") or scandir(path))
    with pytest.raises(InputError, match=r"cannot list the folder .*dogs \(Permission denied\)") as info:
        load_image_folder(tmp_path, 4)
    assert info.value.parameter == "root"
    monkeypatch.setattr(os, "listdir", lambda path=".": refuse(path, tmp_path.name) or listdir(path))
    with pytest.raises(InputError, match=f"cannot list the folder .*{tmp_path.name} \\(Permission denied\\)"):
        load_image_folder(tmp_path, 4)


def test_a_folder_without_images_is_refused_listing_its_files(tmp_path):
    (tmp_path / "a.txt").write_text("junk")
    with pytest.raises(InputError, match=r"holds no image PIL can read: a\.txt \(not an image"):
        load_image_folder(tmp_path, 4)


def test_an_empty_class_folder_and_one_without_readable_images_are_refused(tmp_path):
    labelled(tmp_path, 2)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="class folder 'empty' .* holds no files"):
        load_image_folder(tmp_path, 4)
    (tmp_path / "empty" / "x.txt").write_text("junk")  # one unreadable file of 5 is allowed, but leaves no image
    with pytest.raises(InputError, match=r"class folder\(s\) 'empty' .* hold no readable image: empty/x\.txt"):
        load_image_folder(tmp_path, 4)


def test_a_decompression_bomb_is_refused_by_name(tmp_path, monkeypatch):
    for i in range(20):
        save(tmp_path / f"{i}.png", grey(i, (8, 8)))
    save(tmp_path / "bomb.png", grey(0, (40, 40)))  # 1,600 pixels, over the limit set below
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(InputError, match=r"bomb\.png is refused as a possible decompression bomb .*1,000") as info:
        load_image_folder(tmp_path, 4)
    assert info.value.parameter == "root"
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 500)  # over twice the limit: PIL's own DecompressionBombError
    with pytest.raises(InputError, match=r"bomb\.png is refused as a possible decompression bomb"):
        load_image_folder(tmp_path, 4)


def test_too_many_files_or_values_are_refused_before_any_image_is_read(tmp_path, monkeypatch):
    for i in range(5):
        (tmp_path / f"{i}.png").write_bytes(b"never opened")

    def no_reading(*args, **kwargs):
        raise AssertionError("an image was read")

    monkeypatch.setattr(folder_module, "read_image", no_reading)
    with pytest.raises(InputError, match="holds 5 files, more than max_images = 4") as info:
        load_image_folder(tmp_path, 4, max_images=4)
    assert info.value.parameter == "max_images"
    monkeypatch.setattr(folder_module, "MAX_VALUES", 5 * 3 * 8 * 8 - 1)
    with pytest.raises(InputError, match=r"5 images of 3×8×8 are 960 values") as info:
        load_image_folder(tmp_path, 8)
    assert info.value.parameter == "image_size"
    with pytest.raises(AssertionError, match="an image was read"):
        load_image_folder(tmp_path, 8, channels=1)  # 320 values fit: reading starts


# ------------------------------------------------------------------------------------------------- training
def test_train_takes_the_data_set_itself(tmp_path):
    from ddpm_lessons import DiffusionSchedule, train
    from ddpm_lessons.models import ResidualUNet

    labelled(tmp_path, 4)
    data = load_quietly(tmp_path, 8)
    schedule = DiffusionSchedule.linear(10)
    torch.manual_seed(0)
    model = ResidualUNet(in_channels=3, base_channels=8, channel_mults=(1, 2), attention=False, num_classes=2)
    state = train(model, data, steps=2, schedule=schedule, batch_size=4, progress=False)
    torch.manual_seed(0)
    same = ResidualUNet(in_channels=3, base_channels=8, channel_mults=(1, 2), attention=False, num_classes=2)
    by_tensors = train(same, data.tensors(), steps=2, schedule=schedule, batch_size=4, progress=False)
    assert state.history["loss"] == by_tensors.history["loss"]
    unconditional = ResidualUNet(in_channels=3, base_channels=8, channel_mults=(1, 2), attention=False)
    with pytest.raises(InputError, match=r"unconditional; pass x alone \(of a data set: data.tensors\(\)\[0\]\)"):
        train(unconditional, data, steps=1, schedule=schedule, progress=False)
    train(unconditional, data.tensors()[0], steps=1, schedule=schedule, batch_size=4, progress=False)
