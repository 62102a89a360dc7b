"""The seed article's one photo (lessons 06–07): matplotlib's bundled Grace Hopper portrait, read from disk.

Nothing is downloaded: the file ships inside matplotlib's sample data, and any other image path works too.
"""

from __future__ import annotations

import numbers
import os
from pathlib import Path

import torch

from ..validation import MAX_IMAGE_SIZE, MAX_PHOTO_PIXELS, InputError, check_size

__all__ = ["DEFAULT_PHOTO_LABEL", "default_photo_path", "load_photo", "photo_transform"]

#: How a training record names the default photo (instead of a machine-specific path into site-packages).
DEFAULT_PHOTO_LABEL = "matplotlib grace_hopper.jpg"


def default_photo_path() -> Path:
    """The photo that ships with matplotlib's sample data (Grace Hopper), used for the seed's one-image demo."""
    import matplotlib

    path = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    if not path.is_file():
        raise FileNotFoundError(f"matplotlib's sample photo is missing at {path}; pass path= to load_photo")
    return path


def photo_transform(image_shape=(48, 48)):
    """The seed's transform: resize to ``image_shape``, to a tensor in [0, 1], then scale to [−1, 1]."""
    from torchvision import transforms

    image_shape = _check_image_shape(image_shape)
    return transforms.Compose(
        [
            transforms.Resize(tuple(image_shape)),
            transforms.ToTensor(),
            transforms.Lambda(lambda t: (t * 2) - 1),
        ]
    )


def load_photo(path=None, image_shape=(48, 48)) -> torch.Tensor:
    """Load a photo as the seed's ``main()`` does: RGB tensor ``(3, H, W)`` in [−1, 1].

    Args:
        path: an image file; default: matplotlib's bundled ``grace_hopper.jpg``. A file of more than
            ``MAX_PHOTO_PIXELS`` pixels (67 M) is refused from its header, before it is decoded: a small PNG can
            declare billions of pixels.
        image_shape: ``(H, W)`` after resizing (the seed uses 48×48), each side at most ``MAX_IMAGE_SIZE``.

    Raises:
        FileNotFoundError: no file at ``path``. :class:`~ddpm_lessons.InputError` (naming ``path`` or
        ``image_shape``): a directory, pipe or device instead of a file, a file that is not an image or is too
        large, or a bad ``image_shape``.
    """
    image_shape = _check_image_shape(image_shape)
    path = default_photo_path() if path is None else _check_path(path)
    rgb = _read_rgb(path)  # refused from its header before torchvision (seconds to import) is needed
    return photo_transform(image_shape)(rgb)


def _check_image_shape(image_shape) -> tuple[int, int]:
    if isinstance(image_shape, (str, bytes)) or not hasattr(image_shape, "__len__") or len(image_shape) != 2:
        raise InputError(
            f"image_shape must be (H, W) with positive sizes, got {image_shape!r}", parameter="image_shape"
        )
    if any(isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1 for s in image_shape):
        raise InputError(
            f"image_shape must be (H, W) with positive sizes, got {image_shape!r}", parameter="image_shape"
        )
    return tuple(check_size(s, "image_shape", MAX_IMAGE_SIZE, "MAX_IMAGE_SIZE") for s in image_shape)


def _check_path(path) -> Path:
    """``path`` as a Path to an existing regular file (a pipe would block the read, a device never end it)."""
    if not isinstance(path, (str, os.PathLike)):
        raise InputError(
            f"path must be an image file path (str or pathlib.Path), got {type(path).__name__}", parameter="path"
        )
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"photo not found: {path}")
    if not path.is_file():
        kind = "a directory" if path.is_dir() else "not a regular file (a pipe, socket or device)"
        raise InputError(f"photo {path} is {kind}, not an image file", parameter="path")
    return path


def _read_rgb(path: Path):
    """The decoded RGB image, after its header's size is checked against MAX_PHOTO_PIXELS."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:  # reads the header only
            width, height = image.size
            if width * height > MAX_PHOTO_PIXELS:
                raise InputError(
                    f"photo {path} is {width}×{height} = {width * height:,} pixels; the package's ceiling is "
                    f"MAX_PHOTO_PIXELS = {MAX_PHOTO_PIXELS:,} (a 64-megapixel photo): resize it first",
                    parameter="path",
                )
            return image.convert("RGB")
    except Image.DecompressionBombError:  # PIL's own guard fired first, at twice its limit
        raise InputError(
            f"photo {path} declares more than twice the pixels PIL decodes without a warning (a decompression "
            f"bomb?); the package's ceiling is MAX_PHOTO_PIXELS = {MAX_PHOTO_PIXELS:,} (a 64-megapixel photo)",
            parameter="path",
        ) from None
    except (UnidentifiedImageError, OSError) as error:
        raise InputError(f"photo {path} could not be read as an image ({error})", parameter="path") from None
