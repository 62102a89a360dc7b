"""real_dataset: torchvision's on-disk formats written small in tmp_path, loaded with the network switched off."""

import pickle
import socket
import struct
import urllib.request

import numpy as np
import pytest
import torch
import torchvision.datasets.cifar
import torchvision.datasets.mnist
import torchvision.datasets.utils

from ddpm_lessons.data.realdata import RealDataset, real_dataset

CIFAR_FILES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch", "batches.meta"]
CIFAR_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any attempt to reach the network fails the test."""

    def refuse(*args, **kwargs):
        pytest.fail(f"network access attempted: {args[:2]}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    for module in (torchvision.datasets.utils, torchvision.datasets.mnist, torchvision.datasets.cifar):
        for helper in ("download_url", "download_and_extract_archive"):
            if hasattr(module, helper):
                monkeypatch.setattr(module, helper, refuse)


def write_idx(path, array: np.ndarray) -> None:
    # idx format: two zero bytes, type code 0x08 (uint8), number of dimensions, then big-endian sizes and data.
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def mnist_arrays(n: int, seed: int):
    images = np.random.default_rng(seed).integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    images[0, 0, 0], images[0, 0, 1] = 0, 255  # the two ends of the range, at known places
    labels = np.arange(n, dtype=np.uint8) % 10
    return images, labels


def write_mnist(root, folder: str):
    raw = root / folder / "raw"
    raw.mkdir(parents=True)
    splits = {"train": mnist_arrays(5, seed=1), "t10k": mnist_arrays(3, seed=2)}
    for prefix, (images, labels) in splits.items():
        write_idx(raw / f"{prefix}-images-idx3-ubyte", images)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels)
    return splits


def write_cifar(root):
    folder = root / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(3)
    batches = {}
    for i, name in enumerate(CIFAR_FILES[:-1]):
        # Rows of 3072 bytes: the red plane, then green, then blue, each 32 x 32 row-major.
        data = rng.integers(0, 256, size=(2, 3072), dtype=np.uint8)
        data[0, 0], data[0, 1024] = 0, 255  # red and green of the first pixel
        labels = [(2 * i) % 10, (2 * i + 1) % 10]
        batches[name] = (data, labels)
        entry = {
            "batch_label": name,
            "labels": labels,
            "data": data,
            "filenames": [f"{name}_{j}.png" for j in range(2)],
        }
        (folder / name).write_bytes(pickle.dumps(entry))
    meta = {"num_cases_per_batch": 2, "label_names": CIFAR_NAMES, "num_vis": 3072}
    (folder / "batches.meta").write_bytes(pickle.dumps(meta))
    return batches


@pytest.mark.parametrize("name, folder", [("mnist", "MNIST"), ("fashion-mnist", "FashionMNIST")])
def test_mnist_like_loads_both_splits(tmp_path, name, folder):
    splits = write_mnist(tmp_path, folder)
    for train, prefix in [(True, "train"), (False, "t10k")]:
        images, labels = splits[prefix]
        data = real_dataset(name, tmp_path, train=train)
        assert isinstance(data, RealDataset) and isinstance(data, torch.utils.data.Dataset)
        assert len(data) == len(labels) and len(data.classes) == 10

        x, label = data[0]
        assert x.shape == (1, 28, 28) and x.dtype == torch.float32
        assert type(label) is int and label == int(labels[0])
        assert x[0, 0, 0].item() == -1.0 and x[0, 0, 1].item() == 1.0
        expected = torch.from_numpy(images.astype(np.float32) / 127.5 - 1.0).unsqueeze(1)
        assert torch.equal(torch.stack([data[i][0] for i in range(len(data))]), expected)

        xs, ys = data.tensors()
        assert xs.dtype == torch.float32 and ys.dtype == torch.int64
        assert torch.equal(xs, expected)
        assert ys.tolist() == [data[i][1] for i in range(len(data))] == labels.tolist()
        assert xs.min().item() >= -1.0 and xs.max().item() <= 1.0


def test_cifar10_loads_with_checksums_off(tmp_path):
    batches = write_cifar(tmp_path)
    train = real_dataset("cifar10", tmp_path, verify_checksums=False)
    test = real_dataset("cifar10", tmp_path, train=False, verify_checksums=False)
    assert train.classes == CIFAR_NAMES
    assert len(train) == 10 and len(test) == 2

    train_rows = np.concatenate([batches[f"data_batch_{i}"][0] for i in range(1, 6)])
    train_labels = sum((batches[f"data_batch_{i}"][1] for i in range(1, 6)), [])
    for data, rows, labels in [(train, train_rows, train_labels), (test, *batches["test_batch"])]:
        x, label = data[0]
        assert x.shape == (3, 32, 32) and x.dtype == torch.float32 and type(label) is int
        assert x[0, 0, 0].item() == -1.0 and x[1, 0, 0].item() == 1.0  # channel order kept: red, green
        expected = torch.from_numpy(rows.reshape(-1, 3, 32, 32).astype(np.float32) / 127.5 - 1.0)
        xs, ys = data.tensors()
        assert torch.equal(xs, expected)
        assert torch.equal(xs, torch.stack([data[i][0] for i in range(len(data))]))
        assert ys.dtype == torch.int64 and ys.tolist() == labels == [data[i][1] for i in range(len(data))]


def test_cifar10_checksums_are_checked_by_default(tmp_path):
    write_cifar(tmp_path)
    with pytest.raises(RuntimeError, match="verify_checksums=False"):
        real_dataset("cifar10", tmp_path)


def test_download_true_with_files_present_fetches_nothing(tmp_path):
    write_mnist(tmp_path, "MNIST")
    write_cifar(tmp_path)
    assert len(real_dataset("mnist", tmp_path, download=True)) == 5
    assert len(real_dataset("cifar10", tmp_path, download=True, verify_checksums=False)) == 10


@pytest.mark.parametrize(
    "name, folder, a_file",
    [
        ("mnist", "MNIST", "train-images-idx3-ubyte"),
        ("fashion-mnist", "FashionMNIST", "t10k-labels-idx1-ubyte"),
        ("cifar10", "cifar-10-batches-py", "batches.meta"),
    ],
)
def test_missing_files_say_where_and_how_to_fetch(tmp_path, name, folder, a_file):
    root = tmp_path / "nothing-here"
    with pytest.raises(FileNotFoundError) as info:
        real_dataset(name, root)
    message = str(info.value)
    assert str(root) in message and folder in message and a_file in message and "download=True" in message
    assert not root.exists()  # looking created nothing


def test_one_missing_file_is_named(tmp_path):
    write_mnist(tmp_path, "MNIST")
    (tmp_path / "MNIST" / "raw" / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match=r"missing \['t10k-labels-idx1-ubyte'\]"):
        real_dataset("mnist", tmp_path)


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="name must be one of.*cifar10.*fashion-mnist.*mnist"):
        real_dataset("imagenet", tmp_path)
    with pytest.raises(TypeError, match="name"):
        real_dataset(10, tmp_path)
    with pytest.raises(TypeError, match="root"):
        real_dataset("mnist", None)
    for keyword in ("train", "download", "verify_checksums"):
        with pytest.raises(TypeError, match=keyword):
            real_dataset("mnist", tmp_path, **{keyword: 1})
    with pytest.raises(TypeError):
        real_dataset("mnist", tmp_path, True)  # train is keyword-only


def test_only_download_true_reaches_the_downloader(tmp_path, monkeypatch):
    requested = []

    def record(url, *args, **kwargs):
        requested.append(url)
        raise RuntimeError("offline test")  # torchvision then tries the next mirror, then gives up

    monkeypatch.setattr(torchvision.datasets.mnist, "download_and_extract_archive", record)
    with pytest.raises(FileNotFoundError):
        real_dataset("mnist", tmp_path)
    assert requested == []
    with pytest.raises(RuntimeError, match="Error downloading"):
        real_dataset("mnist", tmp_path, download=True)
    assert requested and all(url.endswith("train-images-idx3-ubyte.gz") for url in requested)
