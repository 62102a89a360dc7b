"""Real image data sets (MNIST, Fashion-MNIST, CIFAR-10), for learners who opt in to downloading them.

The course runs offline on its own glyph digits; lessons 06 and 07 offer these as an optional step up. They come
through ``torchvision.datasets`` and are presented with the same interface as ``GlyphDigits``: items
``(x, label)`` with ``x`` float32 in [−1, 1] of shape ``(1, 28, 28)`` (MNIST, Fashion-MNIST) or ``(3, 32, 32)``
(CIFAR-10) and ``label`` a Python int, plus ``tensors()`` for the whole split at once and ``classes``.

Nothing is downloaded unless ``download=True`` is passed; without the files, a ``FileNotFoundError`` says where
they are expected.
"""

from __future__ import annotations

import os

import torch
from torch.utils.data import Dataset
from torchvision import datasets

from ..validation import InputError, check_bool

__all__ = ["REAL_DATASETS", "RealDataset", "real_dataset"]


class _CIFAR10Unverified(datasets.CIFAR10):
    """CIFAR-10 that only checks its files exist, not their md5 checksums.

    torchvision compares every batch file and ``batches.meta`` with the md5 of the official release, so files
    written by a test (or converted by hand) are refused as "corrupted". ``check_integrity(path, None)`` is
    torchvision's own existence-only check; the download itself still verifies the archive's checksum.
    """

    train_list = [[name, None] for name, _ in datasets.CIFAR10.train_list]
    test_list = [[name, None] for name, _ in datasets.CIFAR10.test_list]
    meta = {**datasets.CIFAR10.meta, "md5": None}


def _mnist_files(cls):
    # torchvision downloads the .gz archives and reads the extracted idx files from root/<ClassName>/raw/.
    folder = os.path.join(cls.__name__, "raw")
    return folder, [os.path.splitext(name)[0] for name, _ in cls.resources]


def _cifar_files(cls):
    names = [name for name, _ in cls.train_list + cls.test_list] + [cls.meta["filename"]]
    return cls.base_folder, names


# name -> (torchvision class, its layout on disk, image shape)
REAL_DATASETS = {
    "mnist": (datasets.MNIST, _mnist_files(datasets.MNIST), (1, 28, 28)),
    "fashion-mnist": (datasets.FashionMNIST, _mnist_files(datasets.FashionMNIST), (1, 28, 28)),
    "cifar10": (datasets.CIFAR10, _cifar_files(datasets.CIFAR10), (3, 32, 32)),
}


def _to_unit_range(pixels: torch.Tensor) -> torch.Tensor:
    """uint8 pixels -> float32 in [−1, 1] by x/127.5 − 1 (0 -> −1 and 255 -> 1 exactly)."""
    return pixels.to(torch.float32) / 127.5 - 1.0


class RealDataset(Dataset):
    """One split of a real data set, held in memory as uint8 ``(n, C, H, W)`` and scaled on access.

    Keeping uint8 costs a quarter of float32 (CIFAR-10's training split: 150 MB instead of 600 MB).

    Attributes: ``name``, ``train``, ``classes`` (list of class names, index = label), ``images`` (uint8
    ``(n, C, H, W)``), ``labels`` (int64 ``(n,)``).
    """

    def __init__(self, name: str, train: bool, images: torch.Tensor, labels: torch.Tensor, classes):
        if not isinstance(images, torch.Tensor) or images.dim() != 4:
            raise InputError(f"images must be a tensor (n, C, H, W), got {images!r:.60}", parameter="images")
        if not isinstance(labels, torch.Tensor) or labels.shape != images.shape[:1]:
            raise InputError(f"labels must be a tensor ({images.shape[0]},), got {labels!r:.60}", parameter="labels")
        self.name = name
        self.train = train
        self.images = images
        self.labels = labels
        self.classes = list(classes)

    def __len__(self) -> int:
        return self.images.shape[0]

    def __getitem__(self, index: int):
        """``(x, label)``: ``x`` float32 ``(C, H, W)`` in [−1, 1], ``label`` a Python int."""
        return _to_unit_range(self.images[index]), int(self.labels[index])

    def tensors(self):
        """The whole split at once: ``x`` float32 ``(n, C, H, W)`` in [−1, 1] and ``labels`` int64 ``(n,)``."""
        return _to_unit_range(self.images), self.labels.clone()

    def __repr__(self) -> str:
        split = "train" if self.train else "test"
        return f"RealDataset({self.name!r}, {split}, n={len(self)}, shape={tuple(self.images.shape[1:])})"


def real_dataset(
    name: str, root, *, train: bool = True, download: bool = False, verify_checksums: bool = True
) -> RealDataset:
    """Load one split of MNIST, Fashion-MNIST or CIFAR-10 from ``root`` (used by lessons 06 and 07, optional).

    Args:
        name: ``"mnist"``, ``"fashion-mnist"`` or ``"cifar10"``.
        root: folder holding torchvision's layout (``root/MNIST/raw/``, ``root/FashionMNIST/raw/``,
            ``root/cifar-10-batches-py/``).
        train: the training split if True, else the test split.
        download: fetch the files into ``root`` if they are missing. Off by default: the course never downloads
            on its own.
        verify_checksums: CIFAR-10 only — compare the files with the official md5 checksums (torchvision's
            default). Turn off only for files you made yourself, e.g. in tests. MNIST and Fashion-MNIST are
            checksummed by torchvision only while downloading, so this changes nothing for them.

    Returns:
        a :class:`RealDataset`; items ``(x (C, H, W) float32 in [−1, 1], int label)``, ``C, H, W`` = ``1, 28, 28``
        or ``3, 32, 32``.
    """
    _check_real_dataset_arguments(name, root, train, download, verify_checksums)
    cls, (folder, files), shape = REAL_DATASETS[name]
    if cls is datasets.CIFAR10 and not verify_checksums:
        cls = _CIFAR10Unverified
    root = os.fspath(root)
    if not download:
        _require_files(name, root, folder, files)
    base = _open_torchvision(cls, root, folder, train=train, download=download)
    images, labels = _images_and_labels(name, base)
    if tuple(images.shape[1:]) != shape:
        raise InputError(f"{name} images in {root!r} have shape {tuple(images.shape[1:])}, expected {shape}")
    return RealDataset(name, train, images, labels, base.classes)


def _check_real_dataset_arguments(name, root, train, download, verify_checksums) -> None:
    """Raise a clear error, naming the parameter, for any bad argument of :func:`real_dataset`."""
    if not isinstance(name, str):
        raise InputError(f"name must be a string, one of {sorted(REAL_DATASETS)}, got {type(name).__name__}")
    if name not in REAL_DATASETS:
        raise InputError(f"name must be one of {sorted(REAL_DATASETS)}, got {name!r}")
    if not isinstance(root, (str, os.PathLike)):
        raise InputError(f"root must be a folder path (str or os.PathLike), got {type(root).__name__}")
    check_bool(train, "train")
    check_bool(download, "download")
    check_bool(verify_checksums, "verify_checksums")


def _require_files(name: str, root: str, folder: str, files) -> None:
    """Raise FileNotFoundError naming the folder and every missing file of data set ``name``.

    torchvision's own message ("Dataset not found. You can use download=True") names neither the folder nor the
    files, so look first and say exactly what is missing.
    """
    missing = [f for f in files if not os.path.isfile(os.path.join(root, folder, f))]
    if missing:
        raise FileNotFoundError(
            f"{name} is not in root {root!r}: expected the files {files} in {os.path.join(root, folder)!r}, "
            f"missing {missing}. Pass download=True (or the --download option of a course script) to fetch "
            "them once; nothing is downloaded unless you ask."
        )


def _open_torchvision(cls, root: str, folder: str, *, train: bool, download: bool):
    """The torchvision data set ``cls`` in ``root``; a checksum refusal of CIFAR-10 gets a message saying what to do."""
    try:
        return cls(root, train=train, download=download)
    except RuntimeError as error:
        if cls is datasets.CIFAR10 and not download:
            # All files exist (checked by _require_files), so torchvision refused them for their checksums.
            raise RuntimeError(
                f"cifar10 files in {os.path.join(root, folder)!r} do not match the official md5 checksums: "
                "delete them and pass download=True, or pass verify_checksums=False for files you made yourself"
            ) from error
        raise


def _images_and_labels(name: str, base) -> tuple[torch.Tensor, torch.Tensor]:
    """The images of torchvision's data set ``base`` as uint8 (n, C, H, W) and its labels as int64 (n,)."""
    if name == "cifar10":
        # torchvision keeps CIFAR-10 as a numpy (n, H, W, C) uint8 array and the labels as a list.
        images = torch.from_numpy(base.data).permute(0, 3, 1, 2).contiguous()
        labels = torch.as_tensor(base.targets, dtype=torch.int64)
    else:
        images = base.data.unsqueeze(1)  # (n, 28, 28) uint8 -> (n, 1, 28, 28)
        labels = base.targets.to(torch.int64)
    return images, labels
