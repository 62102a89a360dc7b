"""Issue 25 §4, bounded work: one size-bomb file per loader, written here into tmp_path, each refused fast by name.

A "size bomb" is a small file that asks for enormous work: a model configuration of ten million layers, a data
shape of a billion values, a schedule of ten million steps, an archive that declares gigabytes, a PNG header of
30000×30000 pixels. Every loader (load_checkpoint, load_trained, a shipped load through the manifest, the
classifier's load, evaluate, the command line's sample and evaluate, the photo loader) must refuse each before
allocating or building anything: within SECONDS, naming the parameter at fault and the ceiling.
"""

import struct
import time
import zipfile
import zlib

import pytest
import torch

from ddpm_lessons.checkpoints import CheckpointError, load_checkpoint, save_checkpoint, sha256_file
from ddpm_lessons.cli import main
from ddpm_lessons.data.photo import load_photo
from ddpm_lessons.evaluation.classifier import GlyphClassifier, load_classifier, save_classifier
from ddpm_lessons.evaluation.evaluate import evaluate_checkpoint
from ddpm_lessons.models import MLPDenoiser
from ddpm_lessons.train import load_trained
from ddpm_lessons.unet import DiffusionUNet
from ddpm_lessons.validation import MAX_T, InputError

SECONDS = 2.0  # a refusal reads the file and a few numbers; the work it refuses would take minutes to hours
TOY_SCHEDULE = {"name": "linear", "T": 20, "beta_start": 1e-4, "beta_end": 0.02}


def ddpm_file(path, model, *, data_shape, data=None, schedule=None, config=None, kind=None):
    """A DDPM checkpoint as train writes it (release form: EMA weights only), with any field replaced."""
    payload = {
        "kind": "ddpm",
        "model_kind": kind or type(model).__name__,
        "model_config": dict(model.config, **(config or {})),
        "schedule": schedule or TOY_SCHEDULE,
        "train_config": {"data_shape": list(data_shape), "data": data or {"name": "moons"}},
        "ema": model.state_dict(),
        "step": 1,
        "history": {"loss": [1.0]},
    }
    save_checkpoint(path, payload)
    return path


def toy_file(path, **changes):
    torch.manual_seed(0)
    return ddpm_file(path, MLPDenoiser(hidden=8, num_layers=1, num_timesteps=20), data_shape=[2], **changes)


def refused(call, error=(InputError, CheckpointError)):
    """The message of the error ``call()`` raises, after checking it came within SECONDS."""
    started = time.perf_counter()
    with pytest.raises(error) as info:
        call()
    assert time.perf_counter() - started < SECONDS, f"refused only after {time.perf_counter() - started:.1f} s"
    return str(info.value)


def cli_refused(argv, capsys):
    started = time.perf_counter()
    assert main(argv) == 2
    assert time.perf_counter() - started < SECONDS
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    return err


LOADERS = {
    "load_trained": lambda path, tmp: load_trained(path),
    "evaluate": lambda path, tmp: evaluate_checkpoint(path, quick=True, progress=False),
}

# (what the file asks for, the field changed, the words the refusal must contain)
CONFIG_BOMBS = [
    ("ten million layers", {"config": {"num_layers": 10**7}}, ["num_layers", "1,024", "MAX_LAYERS"]),
    ("a billion-wide layer", {"config": {"hidden": 10**9}}, ["hidden", "16,384", "MAX_WIDTH"]),
    ("a billion-wide time embedding", {"config": {"time_dim": 10**9}}, ["time_dim", "MAX_WIDTH"]),
    ("a billion-dimensional point", {"config": {"data_dim": 10**9}}, ["data_dim", "MAX_WIDTH"]),
    (
        "550 G parameters within each ceiling",
        {"config": {"hidden": 16_384, "num_layers": 1_024}},
        ["hidden", "MAX_PARAMETERS"],
    ),
    ("T = 10 million", {"schedule": {**TOY_SCHEDULE, "T": 10**7}}, ["T must be", "100,000", "MAX_T"]),
    ("a million custom betas", {"schedule": {"name": "custom", "betas": [0.01] * (MAX_T + 1)}}, ["betas", "MAX_T"]),
    ("a data shape of a billion values", {"data_shape": [10**9]}, ["data_shape", "MAX_EXAMPLE_VALUES"]),
    ("a data shape its model cannot take", {"data_shape": [3]}, ["data_shape", "(N, 2)"]),
]


@pytest.mark.parametrize("loader", sorted(LOADERS))
@pytest.mark.parametrize(("case", "change", "words"), CONFIG_BOMBS, ids=[c[0] for c in CONFIG_BOMBS])
def test_a_checkpoint_that_asks_for_too_much_is_refused_by_name_before_anything_is_built(
    tmp_path, loader, case, change, words
):
    changes = dict(change)
    if "data_shape" in changes:
        torch.manual_seed(0)
        path = ddpm_file(tmp_path / "bomb.pt", MLPDenoiser(hidden=8, num_layers=1, num_timesteps=20), **changes)
    else:
        path = toy_file(tmp_path / "bomb.pt", **changes)
    message = refused(lambda: LOADERS[loader](path, tmp_path))
    assert all(word in message for word in words), message
    assert "bomb.pt" in message


def test_image_checkpoints_asking_for_too_much_are_refused_by_name(tmp_path):
    torch.manual_seed(0)
    net = DiffusionUNet(img_channels=3, time_dim=8, channel_sequence=(4, 8))
    photo = {"name": "photo", "path": "matplotlib grace_hopper.jpg", "image_size": 30000}
    cases = [
        ({"data_shape": [3, 30000, 30000]}, ["data_shape", "MAX_EXAMPLE_VALUES"]),  # 10 GB per sample
        ({"data_shape": [1, 8, 8]}, ["data_shape", "C = 3"]),  # not what its model takes
        ({"data_shape": [3, 8, 8], "config": {"channel_sequence": [10**6, 10**6]}}, ["channel_sequence", "MAX_WIDTH"]),
        ({"data_shape": [3, 8, 8], "config": {"channel_sequence": [4] * 100}}, ["channel_sequence", "MAX_LEVELS"]),
    ]
    for changes, words in cases:
        path = ddpm_file(tmp_path / "photo_bomb.pt", net, data=photo, **changes)
        for call in (lambda p=path: load_trained(p), lambda p=path: evaluate_checkpoint(p, quick=True, progress=False)):
            message = refused(call)
            assert all(word in message for word in words), message


def test_a_residual_unets_ceilings_hold_in_a_file(tmp_path):
    from ddpm_lessons.models import ResidualUNet

    torch.manual_seed(0)
    net = ResidualUNet(in_channels=1, base_channels=8, channel_mults=(1,), num_classes=10)
    for config, words in (
        ({"base_channels": 10**6}, ["base_channels", "MAX_WIDTH"]),
        ({"num_classes": 10**9}, ["num_classes", "MAX_CLASSES"]),
        ({"num_res_blocks": 10**7}, ["num_res_blocks", "MAX_LAYERS"]),
        ({"channel_mults": [1] * 100}, ["channel_mults", "MAX_LEVELS"]),
    ):
        path = ddpm_file(tmp_path / "unet_bomb.pt", net, data_shape=[1, 8, 8], config=config)
        message = refused(lambda p=path: load_trained(p))
        assert all(word in message for word in words), message


def declared_bomb(path, declared=3 << 30):
    """A small zip archive whose directory declares ``declared`` unpacked bytes (3 GiB, above the 2 GiB ceiling):
    what check_unpacked_size reads, as a deflated bomb would declare it; with its sidecar, so it verifies."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb/data.pkl", b"\0" * 1024)
        archive.filelist[-1].file_size = declared  # written into the central directory at close
    (path.parent / (path.name + ".sha256")).write_text(f"{sha256_file(path)}  {path.name}\n")
    return path


def test_an_archive_bomb_is_refused_by_every_loader_before_torch_load(tmp_path, monkeypatch, capsys):
    from ddpm_lessons import checkpoints

    bomb = declared_bomb(tmp_path / "bomb.pt")
    assert bomb.stat().st_size < 2000
    monkeypatch.setattr(checkpoints.torch, "load", lambda *a, **k: pytest.fail("torch.load reached"))
    words = "bomb.pt would unpack to 3,221,225,472 bytes (limit 2,147,483,648)"
    for load in (
        lambda: load_checkpoint(bomb),
        lambda: load_trained(bomb),
        lambda: load_classifier(bomb),
        lambda: evaluate_checkpoint(bomb, quick=True, progress=False),
    ):
        assert words in refused(load, CheckpointError)
    assert words in cli_refused(["sample", "--checkpoint", str(bomb), "--out", str(tmp_path / "s.png")], capsys)
    assert words in cli_refused(["evaluate", str(bomb), "--quick", "--no-progress"], capsys)
    # a shipped load: verified against its manifest entry, then bounded like any other
    shipped = tmp_path / "data"
    shipped.mkdir()
    listed = declared_bomb(shipped / "listed.pt")
    (shipped / "MANIFEST.json").write_text(f'{{"listed.pt": {{"sha256": "{sha256_file(listed)}"}}}}')
    message = refused(lambda: load_checkpoint(listed, manifest=shipped / "MANIFEST.json"), CheckpointError)
    assert "listed.pt would unpack to 3,221,225,472 bytes" in message


def test_a_manifest_entry_cannot_name_a_file_outside_its_folder(tmp_path):
    from ddpm_lessons.checkpoints import shipped_path, verify_shipped

    (tmp_path / "secret").write_text("not a checkpoint")
    data = tmp_path / "data"
    data.mkdir()
    manifest = data / "MANIFEST.json"
    manifest.write_text('{"../secret": {"sha256": "' + "0" * 64 + '"}}')
    message = refused(lambda: shipped_path("../secret", manifest=manifest), CheckpointError)
    assert "'../secret', which is not a file name in its folder" in message
    assert verify_shipped(manifest) == [("../secret", False, message)]


def test_a_classifier_file_asking_for_a_huge_network_is_refused_by_name(tmp_path):
    path = tmp_path / "classifier.pt"
    save_classifier(path, GlyphClassifier(channels=(2, 2), hidden=4))
    payload = load_checkpoint(path)
    for config, words in (
        ({"channels": [10**6, 10**6], "hidden": 4, "dropout": 0.0}, ["channels", "MAX_WIDTH"]),
        ({"channels": [16_384, 16_384], "hidden": 16_384, "dropout": 0.0}, ["hidden", "MAX_PARAMETERS"]),
    ):
        save_checkpoint(path, {**payload, "config": config})
        message = refused(lambda: load_classifier(path), CheckpointError)
        assert all(word in message for word in words), message


def test_evaluate_refuses_a_chain_longer_than_its_ceiling_before_sampling(tmp_path, monkeypatch):
    from ddpm_lessons.evaluation import evaluate

    torch.manual_seed(0)
    model = MLPDenoiser(hidden=8, num_layers=1, num_timesteps=100_000)  # a model trained for T = 100,000
    schedule = {**TOY_SCHEDULE, "T": 100_000, "beta_end": 1e-3}
    path = ddpm_file(tmp_path / "long.pt", model, data_shape=[2], schedule=schedule)
    monkeypatch.setattr(evaluate, "sample", lambda *a, **k: pytest.fail("sampling started"))
    message = refused(lambda: evaluate_checkpoint(path, quick=True, progress=False), CheckpointError)
    assert "T = 100,000" in message and "MAX_EVALUATE_T = 10,000" in message


def png_header_bomb(path, width=30_000, height=30_000):
    """A tiny PNG whose header declares width × height one-bit pixels (the issue's 30000×30000 bomb): the header
    is all an image loader reads before deciding to decode."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\0" * (1 + (width + 7) // 8)
    pixels = zlib.compress(row * 64, 9)  # the first rows only: a loader that decodes stops at the truncation
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))
    return path


@pytest.mark.parametrize("side", [30_000, 9_000])  # beyond PIL's own bomb guard, and between ours and PIL's
def test_a_photo_header_bomb_is_refused_by_the_api_and_the_cli_naming_the_photo(tmp_path, capsys, side):
    bomb = png_header_bomb(tmp_path / "bomb.png", side, side)
    message = refused(lambda: load_photo(bomb, (32, 32)), InputError)
    assert "bomb.png" in message and "MAX_PHOTO_PIXELS = 67,108,864" in message
    with pytest.raises(InputError) as info:
        load_photo(bomb, (32, 32))
    assert info.value.parameter == "path"
    tiny = ["--steps", "1", "--batch-size", "2", "--no-progress", "--threads", "1"]
    argv = ["train", "--data", "photo", "--model", "seed-unet", "--photo", str(bomb), *tiny]
    err = cli_refused([*argv, "--out", str(tmp_path / "p.pt")], capsys)
    assert "MAX_PHOTO_PIXELS" in err and err.endswith("(--photo)\n")
    assert not (tmp_path / "p.pt").exists()


def test_evaluate_never_opens_a_path_stored_in_a_checkpoint(tmp_path, monkeypatch, capsys):
    from PIL import Image

    stored = tmp_path / "stored.png"
    Image.new("RGB", (8, 8), (200, 10, 10)).save(stored)
    torch.manual_seed(0)
    net = DiffusionUNet(img_channels=3, time_dim=8, channel_sequence=(4, 8))
    data = {"name": "photo", "path": str(stored), "image_size": 8}
    path = ddpm_file(tmp_path / "photo.pt", net, data=data, data_shape=[3, 8, 8])
    opened = []
    real_open = Image.open
    monkeypatch.setattr(Image, "open", lambda fp, *a, **k: opened.append(str(fp)) or real_open(fp, *a, **k))
    message = refused(lambda: evaluate_checkpoint(path, quick=True, progress=False), InputError)
    assert "never opens a path stored in a checkpoint" in message and "photo=" in message
    err = cli_refused(["evaluate", str(path), "--quick", "--no-progress"], capsys)
    assert "give the photo file (photo=..., command line --photo FILE)" in err
    assert opened == []
    # the photo the user names is the one compared with
    mine = tmp_path / "mine.png"
    Image.new("RGB", (8, 8), (10, 200, 10)).save(mine)
    result = evaluate_checkpoint(path, quick=True, progress=False, photo=mine)
    assert opened == [str(mine)] and result["samples"] == 2
    message = refused(lambda: evaluate_checkpoint(path, quick=True, progress=False, photo=tmp_path / "none.png"))
    assert "photo not found" in message
    err = cli_refused(["evaluate", str(path), "--quick", "--no-progress", "--photo", str(tmp_path)], capsys)
    assert "is a directory" in err and err.endswith("(--photo)\n")


@pytest.mark.parametrize("what", ["missing", "directory", "fifo"])
def test_a_photo_that_is_not_an_image_file_is_one_error_line_naming_photo(tmp_path, capsys, what):
    import os

    photo = tmp_path / "photo.png"
    if what == "directory":
        photo.mkdir()
    elif what == "fifo":
        os.mkfifo(photo)  # opening it would block: refused before any open
    tiny = ["--steps", "1", "--no-progress", "--threads", "1", "--out", str(tmp_path / "p.pt")]
    err = cli_refused(["train", "--data", "photo", "--model", "seed-unet", "--photo", str(photo), *tiny], capsys)
    assert "--photo" in err and "photo.png" in err
    torch.manual_seed(0)
    net = DiffusionUNet(img_channels=3, time_dim=8, channel_sequence=(4, 8))
    data = {"name": "photo", "path": "elsewhere.png", "image_size": 8}
    path = ddpm_file(tmp_path / "photo.pt", net, data=data, data_shape=[3, 8, 8])
    err = cli_refused(["evaluate", str(path), "--quick", "--no-progress", "--photo", str(photo)], capsys)
    assert "--photo" in err and "photo.png" in err
    with pytest.raises((InputError, FileNotFoundError)) as info:
        load_photo(photo)
    assert "photo.png" in str(info.value)
