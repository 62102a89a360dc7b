"""Your own images: a folder of image files as a training set (``train --data folder --data-root PATH``).

The layout is torchvision's ``ImageFolder`` convention, made strict enough that a mistake is an error, not a
surprise:

- images directly in the folder: an unlabelled set;
- one sub-folder per class (``root/cats/*.png``, ``root/dogs/*.jpg``, any depth below the class folder): the class
  names sorted are the labels 0..K−1. With a single class folder there is nothing to tell apart, so the set is
  unlabelled (its name is still in ``classes``). Files beside the class folders are not used (a warning lists them).

Every file that is not hidden (a name starting with ``.``) is opened with PIL, whatever its extension, in sorted
order. Each image is turned upright by its EXIF orientation, flattened onto white when it has transparency, converted
to grey (``channels=1``, ITU-R 601 luma) or RGB (``channels=3``; 16-bit grey scaled to 8 bits), resized so that its
shorter side is ``image_size`` (bilinear, antialiased) and centre-cropped to ``image_size × image_size``. Without
``channels`` the set is grey when every image is grey, else RGB (grey images then repeat their one channel).

Held in memory as uint8 ``(N, C, S, S)`` and served as float32 in [−1, 1] (pixel/127.5 − 1), like
:class:`~ddpm_lessons.data.realdata.RealDataset`; :func:`~ddpm_lessons.train.train` takes the data set itself.

Rules, each checked before anything is decoded where it can be:

- a file PIL cannot read (not an image, truncated, an unsupported pixel mode, not a regular file) is skipped with a
  :class:`SkippedFilesWarning` that lists it, as long as the skipped files are at most 10 % of the files (or one
  file, whichever is more) and every class keeps an image; otherwise loading stops with an error listing them;
- an image of more than PIL's ``Image.MAX_IMAGE_PIXELS`` pixels (89.5 million by default: a decompression bomb, a
  tiny file that decodes to gigabytes) is refused by name, never skipped;
- at most ``max_images`` files (default :data:`MAX_IMAGES`, 10,000) and at most :data:`MAX_VALUES` pixel values in
  all (2³⁰: 1 GiB as uint8, 4 GiB as the float32 copy training uses), both checked from the file count before any
  image is read.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from ..validation import MAX_IMAGE_SIZE, InputError, check_positive_int

__all__ = ["MAX_IMAGES", "MAX_VALUES", "FolderImages", "SkippedFilesWarning", "load_image_folder"]

MAX_IMAGES = 10_000
"""Default ceiling on the number of files read (``max_images``): 10,000 RGB 64×64 images are 123 MB as uint8."""
MAX_VALUES = 2**30
"""Ceiling on N·C·S·S, whatever ``max_images`` says: 1 GiB of uint8, 4 GiB for the float32 copy that training uses."""
SKIP_FRACTION = 0.10
"""At most this fraction of the files (or one file, whichever is more) may be skipped as unreadable."""
_LISTED = 20  # files named in a message; the rest are counted
_GREY_MODES = ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N", "La")


class SkippedFilesWarning(UserWarning):
    """Some files of the image folder were not used (unreadable, not an image, or outside the class folders)."""


class FolderImages(Dataset):
    """A folder of images in memory (:func:`load_image_folder`), with the interface of the package's other sets.

    Items: ``(x, label)`` with ``x`` float32 ``(C, S, S)`` in [−1, 1] and ``label`` a Python int when the set is
    labelled, ``x`` alone when it is not. Attributes: ``root`` (resolved path), ``image_size``, ``channels``,
    ``classes`` (class-folder names, index = label; ``[]`` without class folders), ``images`` (uint8
    ``(N, C, S, S)``), ``labels`` (int64 ``(N,)``, or None when there are fewer than two classes), ``paths`` (the
    files used, in order) and ``skipped`` (``(path, reason)`` of the files not used).
    """

    def __init__(self, root, image_size, images, labels, classes, paths, skipped):
        self.root, self.image_size = Path(root), image_size
        self.images, self.labels = images, labels
        self.channels = images.shape[1]
        self.classes, self.paths, self.skipped = list(classes), list(paths), list(skipped)

    def __len__(self) -> int:
        return self.images.shape[0]

    def __getitem__(self, index: int):
        x = self.images[index].to(torch.float32) / 127.5 - 1.0
        return x if self.labels is None else (x, int(self.labels[index]))

    def tensors(self):
        """The whole set at once: ``x`` float32 ``(N, C, S, S)`` in [−1, 1] (0 → −1, 255 → 1 exactly) and the labels
        (int64 ``(N,)``, or None for an unlabelled set) — what ``train(model, data)`` uses when given the set."""
        x = self.images.to(torch.float32) / 127.5 - 1.0
        return x, None if self.labels is None else self.labels.clone()

    def description(self) -> dict:
        """Plain values naming the data (a checkpoint's ``data`` record): the folder, the size, the classes, and a
        sha256 of the pixels and labels, so that a resumed run refuses a folder whose images changed."""
        digest = hashlib.sha256(self.images.numpy().tobytes())
        if self.labels is not None:
            digest.update(self.labels.numpy().tobytes())
        return {
            "name": "folder",
            "root": str(self.root),
            "image_size": self.image_size,
            "channels": self.channels,
            "n": len(self),
            "classes": list(self.classes),
            "skipped": len(self.skipped),
            "sha256": digest.hexdigest(),
        }

    def __repr__(self) -> str:
        classes = f", classes={self.classes}" if self.classes else ""
        return f"FolderImages({str(self.root)!r}, n={len(self)}, shape={tuple(self.images.shape[1:])}{classes})"


def load_image_folder(root, image_size: int, *, channels: int | None = None, max_images: int = MAX_IMAGES):
    """Load every image in ``root`` (optionally one sub-folder per class) as a :class:`FolderImages`.

    Args:
        root: the folder (str or path).
        image_size: the side S of the square images: the shorter side is resized to S, then the centre S × S kept.
        channels: 1 (grey) or 3 (RGB); None: 1 when every image is grey, else 3.
        max_images: refuse a folder with more files than this (default :data:`MAX_IMAGES`) before reading any.

    Raises :class:`~ddpm_lessons.InputError` naming the parameter: ``root`` for a folder that is missing, not a
    folder, empty, without images, with too many unreadable files, an empty class folder or a decompression bomb;
    ``image_size``, ``channels``, ``max_images`` for bad values or a set too large for memory. Skipped files are
    listed in a :class:`SkippedFilesWarning`. The rules are in the module's docstring.
    """
    root = _check_arguments(root, image_size, channels, max_images)
    classes, files, strays = _find_files(root)
    _check_budget(root, len(files), image_size, channels, max_images)
    arrays, used, skipped = [], [], []
    for path, label in files:
        try:
            arrays.append(read_image(path, image_size, channels))
            used.append((path, label))
        except _Unreadable as error:
            skipped.append((path, str(error)))
    _check_skipped(root, classes, files, used, skipped)
    if strays:
        _warn(root, strays, "beside the class folders, not used (images go inside a class folder)")
    images = _stack(arrays, channels)
    labels = torch.tensor([label for _, label in used], dtype=torch.int64) if len(classes) >= 2 else None
    return FolderImages(root, image_size, images, labels, classes, [p for p, _ in used], skipped + strays)


def _check_arguments(root, image_size, channels, max_images) -> Path:
    if isinstance(root, bool) or not isinstance(root, (str, os.PathLike)):
        raise InputError(
            f"root must be a folder path (str or os.PathLike), got {type(root).__name__}", parameter="root"
        )
    check_positive_int(image_size, "image_size", maximum=MAX_IMAGE_SIZE)
    if channels not in (None, 1, 3) or isinstance(channels, bool):
        raise InputError(
            f"channels must be 1 (grey), 3 (RGB) or None (from the images), got {channels!r}", parameter="channels"
        )
    check_positive_int(max_images, "max_images")
    path = Path(root).expanduser()
    if not path.exists():
        raise InputError(f"root {path} does not exist; give the folder that holds your images", parameter="root")
    if not path.is_dir():
        raise InputError(f"root {path} is not a folder; give the folder that holds your images", parameter="root")
    return path.resolve()


def _visible(names) -> list[str]:
    return sorted(name for name in names if not name.startswith("."))


def _find_files(root: Path):
    """``(classes, [(file, label)], stray files)``: class folders and their files (any depth), or the root's files."""
    try:
        entries = _visible(os.listdir(root))
    except OSError as error:
        raise _unlistable(root, error) from None
    folders = [name for name in entries if (root / name).is_dir()]
    top = [(root / name, -1) for name in entries if name not in folders]
    if not entries:
        raise InputError(
            f"root {root} is empty (hidden files, named .*, are not read); put your images in it, or in one "
            "sub-folder per class",
            parameter="root",
        )
    if not folders:
        return [], [(path, 0) for path, _ in top], []
    files = []
    for label, name in enumerate(folders):
        found = [(path, label) for path in _walk(root / name)]
        if not found:
            raise InputError(
                f"class folder {name!r} in root {root} holds no files; remove it or add its images", parameter="root"
            )
        files += found
    return folders, files, [(path, "not in a class folder") for path, _ in top]


def _walk(folder: Path) -> list[Path]:
    """Every visible file below ``folder``, sorted; symbolic links to folders are not followed (no loops)."""
    found, errors = [], []
    for here, dirs, names in os.walk(folder, onerror=errors.append):
        dirs[:] = _visible(dirs)
        found += [Path(here) / name for name in _visible(names)]
    if errors:  # a folder that cannot be listed would otherwise be left out without a word
        raise _unlistable(Path(errors[0].filename or folder), errors[0])
    return sorted(found)


def _unlistable(folder: Path, error: OSError) -> InputError:
    return InputError(f"root: cannot list the folder {folder} ({error.strerror or error})", parameter="root")


def _check_budget(root: Path, n: int, image_size: int, channels, max_images: int) -> None:
    if n > max_images:
        raise InputError(
            f"root {root} holds {n:,} files, more than max_images = {max_images:,}; pass a larger max_images "
            "(they are all held in memory) or use fewer images",
            parameter="max_images",
        )
    values = n * (channels or 3) * image_size**2
    if values > MAX_VALUES:
        raise InputError(
            f"{n:,} images of {channels or 3}×{image_size}×{image_size} are {values:,} values ({4 * values / 2**30:.1f}"
            f" GiB as float32), more than the {MAX_VALUES:,} this loader holds in memory; use a smaller image_size "
            "or fewer images",
            parameter="image_size",
        )


class _Unreadable(ValueError):
    """A file that is skipped (with the reason), unlike a decompression bomb, which stops the loading."""


def read_image(path, image_size: int, channels: int | None = None) -> np.ndarray:
    """One image file as uint8 ``(S, S)`` (grey) or ``(S, S, 3)`` (RGB): upright, flattened onto white, shorter side
    resized to S (bilinear, antialiased), centre-cropped. ``channels`` None keeps grey images grey.

    A file that cannot be decoded raises ``ValueError`` with the reason; a decompression bomb an
    :class:`~ddpm_lessons.InputError` (``root``)."""
    from PIL import Image, ImageOps

    with _open(Path(path)) as image:
        try:
            image.draft(None, (image_size, image_size))  # JPEG decodes at a reduced scale, still ≥ S on both sides
            upright = _convert(ImageOps.exif_transpose(image), channels)
        except _Unreadable:
            raise
        # A file is untrusted input and PIL's decoders fail on a damaged one with many exception types (OSError,
        # SyntaxError, struct.error, IndexError, …): any of them means "this file cannot be used", so it is skipped.
        except Exception as error:  # noqa: BLE001
            raise _Unreadable(f"cannot decode: {type(error).__name__}: {error}") from None
    width, height = upright.size
    scale = image_size / min(width, height)
    size = (max(image_size, round(width * scale)), max(image_size, round(height * scale)))
    resized = upright.resize(size, Image.Resampling.BILINEAR)
    left, top = (size[0] - image_size) // 2, (size[1] - image_size) // 2
    return np.asarray(resized.crop((left, top, left + image_size, top + image_size)), dtype=np.uint8)


def _open(path: Path):
    from PIL import Image, UnidentifiedImageError

    if not path.is_file():  # a pipe would block the read forever; a broken link has nothing to read
        raise _Unreadable("not a regular file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # refused below, by name
            image = Image.open(path)
    except Image.DecompressionBombError as error:
        raise _bomb(path, str(error)) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        reason = "not an image PIL can read" if isinstance(error, UnidentifiedImageError) else f"unreadable ({error})"
        raise _Unreadable(reason) from None
    limit = Image.MAX_IMAGE_PIXELS
    if limit is not None and image.size[0] * image.size[1] > limit:
        image.close()
        raise _bomb(path, f"{image.size[0]}×{image.size[1]} pixels")
    return image


def _bomb(path: Path, detail: str) -> InputError:
    from PIL import Image

    return InputError(
        f"root: {path} is refused as a possible decompression bomb ({detail}, more than PIL's Image.MAX_IMAGE_PIXELS "
        f"= {Image.MAX_IMAGE_PIXELS:,}); shrink or remove it",
        parameter="root",
    )


def _convert(image, channels: int | None):
    """``image`` as mode L or RGB: transparency flattened onto white, 16-bit grey scaled to 8 bits."""
    from PIL import Image

    if image.mode == "F":
        raise _Unreadable("floating-point pixels (mode F) are not supported; save it as an 8- or 16-bit image")
    if image.mode.startswith("I"):  # 16-bit grey (I;16*, or I from some PNG decoders): 0..65535 → 0..255
        pixels = np.asarray(image, dtype=np.float64)
        pixels = pixels / 257 if image.mode != "I" or pixels.max() > 255 else pixels
        image = Image.fromarray(np.clip(np.round(pixels), 0, 255).astype(np.uint8), mode="L")
    if "A" in image.mode or "a" in image.mode or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
        image = image.convert("L" if _is_grey(rgba) and channels != 3 else "RGB")
    if channels is None:
        channels = 1 if image.mode in _GREY_MODES else 3
    return image.convert("L" if channels == 1 else "RGB")


def _is_grey(image) -> bool:
    """Whether an RGBA image's colour channels are all equal (a grey image with transparency)."""
    pixels = np.asarray(image)
    return bool((pixels[..., 0] == pixels[..., 1]).all() and (pixels[..., 1] == pixels[..., 2]).all())


def _check_skipped(root: Path, classes, files, used, skipped) -> None:
    allowed = max(1, int(SKIP_FRACTION * len(files)))
    if not used:
        raise InputError(f"root {root} holds no image PIL can read: {_listing(root, skipped)}", parameter="root")
    if len(skipped) > allowed:
        raise InputError(
            f"root {root}: {len(skipped)} of {len(files)} files cannot be read as images, more than the "
            f"{allowed} (10 %, or one file) that are skipped with a warning: {_listing(root, skipped)}",
            parameter="root",
        )
    empty = sorted(set(range(len(classes))) - {label for _, label in used})
    if empty:
        names = ", ".join(repr(classes[i]) for i in empty)
        raise InputError(
            f"class folder(s) {names} in root {root} hold no readable image: {_listing(root, skipped)}",
            parameter="root",
        )
    if skipped:
        _warn(root, skipped, "skipped: they cannot be read as images")


def _listing(root: Path, entries) -> str:
    names = [f"{_relative(root, path)} ({reason})" for path, reason in entries[:_LISTED]]
    more = len(entries) - _LISTED
    return "; ".join(names) + (f"; and {more} more" if more > 0 else "")


def _relative(root: Path, path: Path) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _warn(root: Path, entries, what: str) -> None:
    warnings.warn(
        f"{len(entries)} file(s) in {root} {what}: {_listing(root, entries)}", SkippedFilesWarning, stacklevel=3
    )


def _stack(arrays, channels) -> torch.Tensor:
    """uint8 ``(N, C, S, S)``: grey images repeat their channel when the set is RGB (``channels`` None, mixed)."""
    colour = channels == 3 or (channels is None and any(a.ndim == 3 for a in arrays))
    planes = [np.repeat(a[..., None], 3, axis=2) if colour and a.ndim == 2 else a for a in arrays]
    stacked = np.stack(planes)
    stacked = stacked.transpose(0, 3, 1, 2) if colour else stacked[:, None]
    return torch.from_numpy(np.ascontiguousarray(stacked))
