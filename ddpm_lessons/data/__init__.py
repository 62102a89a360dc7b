"""The data the lessons learn from, all offline: the seed's photo, toy distributions, glyph digits, opt-in real sets.

- :mod:`.photo` — the seed article's one photo (lessons 06–07).
- :mod:`.toy` — 2-D point clouds and a 1-D Gaussian mixture with an exact density (lessons 01–09b).
- :mod:`.glyphs` — handwriting-like digits rendered from matplotlib's fonts (lessons 03b–07).
- :mod:`.folder` — your own images: a folder of image files (optionally one sub-folder per class), resized and
  centre-cropped to a square, as a training set (``train --data folder``).
- :mod:`.realdata` — MNIST, Fashion-MNIST, CIFAR-10 through torchvision, opt-in, never downloaded by default.
"""

from .folder import FolderImages, SkippedFilesWarning, load_image_folder
from .glyphs import GlyphDigits, glyph_fonts
from .photo import default_photo_path, load_photo, photo_transform
from .toy import TOY_DATASETS, GaussianMixture, GaussianMixture1D, eight_gaussians, toy_data

__all__ = [
    "FolderImages",
    "SkippedFilesWarning",
    "load_image_folder",
    "GlyphDigits",
    "glyph_fonts",
    "default_photo_path",
    "load_photo",
    "photo_transform",
    "TOY_DATASETS",
    "GaussianMixture1D",
    "GaussianMixture",
    "eight_gaussians",
    "toy_data",
    "REAL_DATASETS",
    "RealDataset",
    "real_dataset",
]


def __getattr__(name):
    # torchvision's data-set classes take a second to import; only the opt-in real data sets need them.
    if name in ("REAL_DATASETS", "RealDataset", "real_dataset"):
        from . import realdata

        return getattr(realdata, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
