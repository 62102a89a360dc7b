"""The seed article's one photo (lessons 06–07): matplotlib's bundled Grace Hopper portrait, read from disk.

Nothing is downloaded: the file ships inside matplotlib's sample data, and any other image path works too.
"""

from __future__ import annotations

import numbers
from pathlib import Path

import torch

from ..validation import InputError

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


def _check_image_shape(image_shape) -> tuple[int, int]:
    if isinstance(image_shape, (str, bytes)) or not isinstance(image_shape, (tuple, list)) or len(image_shape) != 2:
        raise InputError(f"image_shape must be (H, W), got {image_shape!r}", parameter="image_shape")
    for size in image_shape:
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
            raise InputError(
                f"image_shape must be (H, W) with integer sizes >= 1, got {image_shape!r}", parameter="image_shape"
            )
    return tuple(int(size) for size in image_shape)


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
        path: an image file; default: matplotlib's bundled ``grace_hopper.jpg``.
        image_shape: ``(H, W)`` after resizing (the seed uses 48×48).
    """
    from PIL import Image, UnidentifiedImageError

    path = default_photo_path() if path is None else Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"photo not found: {path}")
    image_shape = _check_image_shape(image_shape)
    try:
        with Image.open(path) as image:
            rgb = image.convert("RGB")
    except (UnidentifiedImageError, OSError) as error:
        raise InputError(f"photo {path} could not be read as an image ({error})") from error
    return photo_transform(image_shape)(rgb)
