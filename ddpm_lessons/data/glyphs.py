"""Glyph digits: an MNIST-like data set of labelled digits 0–9, made offline from the fonts matplotlib ships.

The course's diffusion models train on these without any download (real MNIST stays opt-in through torchvision),
and a small classifier trained on them scores generated samples (:mod:`ddpm_lessons.classifier`).

How an image is made:

1. Every face in matplotlib's own ``fonts/ttf`` folder whose characters '0'–'9' really are digits (DejaVu Sans,
   Sans Mono, Serif in all styles; STIXGeneral; Computer Modern cmr10, cmss10, cmtt10, cmb10, cmti10) renders each
   digit once at high resolution. The digit is scaled so that its longer side fills 20/28 of the canvas and is
   centred by its centre of mass, as MNIST's digits are. Only matplotlib's bundled fonts are used, never the
   system's, so the data set is the same on every machine with the same matplotlib.
2. Each of these masters is thickened (disk dilation) or, for bold faces, thinned (erosion) in a few steps, so a
   sample can pick its stroke width regardless of the face: a hairline cmr10 '7' and a DejaVu Bold '7' can both
   come out with a pen-like stroke.
3. All samples are then drawn in batched torch ops: a random affine map (rotation, shear, scale, aspect, shift)
   plus a smooth random displacement field (the "elastic" wobble that makes printed digits look handwritten), read
   with ``grid_sample`` from masters kept at twice the output size and pre-blurred against aliasing.

Making the masters takes about a second and they are cached per process; 60,000 images then take about two seconds
on one CPU core. White digit on black, like MNIST; stored as uint8, served in [−1, 1] (pixel/127.5 − 1).
"""

from __future__ import annotations

import functools
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

from ..validation import (
    MAX_DATA_VALUES,
    MAX_EXAMPLES,
    MAX_GLYPH_SIZE,
    InputError,
    check_seed,
    check_size,
)

__all__ = ["GlyphDigits", "glyph_fonts"]

DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
BOX = 20 / 28  # MNIST: the digit's longer side fits a 20×20 box in the 28×28 image
MORPH_RADII = (-3, -2, -1, 0, 1, 2, 3, 4, 5, 6)  # disk radii in high-resolution pixels; < 0 thins the stroke
MIN_WIDTH = 11.0  # erosion never thins a face's median stroke below this many pixels (of a 128 render)
_CHUNK = 2048  # samples per batched pass; bounds memory, does not change the result


def _font_dir() -> str:
    import matplotlib

    return os.path.join(matplotlib.get_data_path(), "fonts", "ttf")


def glyph_fonts() -> list[tuple[str, str, str]]:
    """The faces the glyph digits are drawn from: ``[(family, style, file name), ...]``, sorted by file name.

    A face counts when its characters '0'–'9' map to glyphs named zero … nine; that excludes symbol fonts
    (cmsy10, cmex10, the STIX size and non-Unicode variants), cmmi10 (old-style numerals) and the Last Resort
    fallback font.
    """
    return list(_faces())


@functools.cache
def _faces() -> tuple[tuple[str, str, str], ...]:
    from matplotlib.ft2font import FT2Font

    faces = []
    for name in sorted(os.listdir(_font_dir())):
        if not name.endswith(".ttf"):
            continue
        font = FT2Font(os.path.join(_font_dir(), name))
        charmap = font.get_charmap()
        names = tuple(font.get_glyph_name(charmap[ord(c)]) if ord(c) in charmap else None for c in "0123456789")
        if names == DIGIT_NAMES:
            faces.append((font.family_name, font.style_name, name))
    if not faces:
        raise RuntimeError(f"no font with digit glyphs found in matplotlib's {_font_dir()}")
    return tuple(faces)


def _render(file_name: str, digit: int, side: int) -> torch.Tensor:
    """One digit of one face on a ``(side, side)`` canvas in [0, 1]: longer side = BOX·side, centre of mass in the
    middle."""
    from matplotlib.ft2font import FT2Font

    try:
        from matplotlib.ft2font import LoadFlags

        no_hinting = LoadFlags.NO_HINTING
    except ImportError:  # matplotlib < 3.10
        from matplotlib.ft2font import LOAD_NO_HINTING as no_hinting

    font = FT2Font(os.path.join(_font_dir(), file_name))
    font.set_size(side * 1.2, 72)  # at 72 dpi one point is one pixel; digits are ~0.7 em tall
    font.set_text(str(digit), 0.0, flags=no_hinting)  # hinting snaps to a pixel grid that we then resize
    font.draw_glyphs_to_bitmap(antialiased=True)
    image = np.asarray(font.get_image(), dtype=np.float32) / 255.0
    rows, cols = np.nonzero(image > 0)
    glyph = torch.from_numpy(image[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1].copy())
    height, width = glyph.shape
    scale = BOX * side / max(height, width)
    new_h, new_w = max(1, round(height * scale)), max(1, round(width * scale))
    glyph = F.interpolate(glyph[None, None], size=(new_h, new_w), mode="bilinear", antialias=True, align_corners=False)[
        0, 0
    ].clamp(0, 1)
    mass = glyph.sum()
    com_y = float((glyph.sum(1) * torch.arange(new_h)).sum() / mass)
    com_x = float((glyph.sum(0) * torch.arange(new_w)).sum() / mass)
    top = min(max(round(side / 2 - 0.5 - com_y), 0), side - new_h)
    left = min(max(round(side / 2 - 0.5 - com_x), 0), side - new_w)
    canvas = torch.zeros(side, side)
    canvas[top : top + new_h, left : left + new_w] = glyph
    return canvas


def _morph_steps(images: torch.Tensor, radii, reduce) -> list[torch.Tensor]:
    """``reduce(variant)`` for ``(N, 1, H, W)`` images dilated (radius > 0) or eroded (radius < 0) by a disk of each
    radius in ``radii``; ``reduce`` shrinks each variant at once, so only one full-size copy is alive at a time.

    A disk of radius r is approximated by r unit steps alternating a 3×3 square and a 3×3 cross (an octagon), so
    every radius costs one cheap max-pool on top of the previous one; erosion is dilation of the negated image.
    """

    def step(x: torch.Tensor, k: int) -> torch.Tensor:
        if k % 2 == 0:
            return F.max_pool2d(x, 3, stride=1, padding=1)
        padded = F.pad(x, (1, 1, 1, 1), value=float("-inf"))
        out = torch.maximum(x, padded[:, :, :-2, 1:-1])
        out = torch.maximum(out, padded[:, :, 2:, 1:-1])
        out = torch.maximum(out, padded[:, :, 1:-1, :-2])
        return torch.maximum(out, padded[:, :, 1:-1, 2:])

    out = {0: reduce(images)}
    for sign in (1, -1):
        current = images * sign
        for k in range(max([abs(r) for r in radii if r * sign > 0], default=0)):
            current = step(current, k)
            if sign * (k + 1) in radii:
                out[sign * (k + 1)] = reduce(current * sign)
    return [out[r] for r in radii]


def _stroke_width(images: torch.Tensor) -> torch.Tensor:
    """Mean stroke width of ``(N, H, W)`` glyphs in pixels: 2·area / perimeter (a thin stroke of length L and width
    w has area L·w and perimeter ≈ 2L); the perimeter is the summed gradient magnitude of the coverage."""
    gy = images[:, 1:, :-1] - images[:, :-1, :-1]
    gx = images[:, :-1, 1:] - images[:, :-1, :-1]
    perimeter = (gx.square() + gy.square()).sqrt().sum((1, 2))
    return 2 * images.sum((1, 2)) / perimeter


def _blur(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of single-channel images ``(N, 1, H, W)`` (zero padding)."""
    radius = max(1, math.ceil(3 * sigma))
    taps = torch.exp(-0.5 * (torch.arange(-radius, radius + 1, dtype=images.dtype) / sigma) ** 2)
    taps = taps / taps.sum()
    images = F.conv2d(images, taps.reshape(1, 1, 1, -1), padding=(0, radius))
    return F.conv2d(images, taps.reshape(1, 1, -1, 1), padding=(radius, 0))


@functools.lru_cache(maxsize=4)
def _masters(size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(masters, widths)`` for ``size``-pixel images, cached per process.

    masters: ``(faces, 10, len(MORPH_RADII), 2·size, 2·size)`` in [0, 1], rendered at ``max(128, 4·size)`` pixels,
    thickened or thinned, then reduced. They are pre-blurred (σ = 0.4 output pixel), so that sampling them
    bilinearly straight at the output size does not alias (cheaper than supersampling: the grid is 4× smaller).
    widths: each face's median stroke width ``(faces,)`` in pixels of a 128-pixel render.
    Callers must not modify them in place (they are shared).
    """
    side, hi = 2 * size, max(128, 4 * size)
    unit = hi / 128  # radii and widths are quoted at 128 pixels
    faces = glyph_fonts()
    plain = torch.stack([torch.stack([_render(f, d, hi) for d in range(10)]) for _, _, f in faces]).flatten(0, 1)
    widths = _stroke_width(plain).reshape(len(faces), 10).median(1).values / unit

    def reduce(images: torch.Tensor) -> torch.Tensor:
        small = F.interpolate(images, size=(side, side), mode="bilinear", antialias=True, align_corners=False)
        return _blur(small, sigma=0.8).clamp(0, 1)

    small = torch.cat(_morph_steps(plain.unsqueeze(1), [round(r * unit) for r in MORPH_RADII], reduce), 1)
    return small.reshape(len(faces), 10, len(MORPH_RADII), side, side).contiguous(), widths


class GlyphDigits(torch.utils.data.Dataset):
    """``n`` labelled glyph digits, ``size × size`` grey-level, white on black, made from ``seed``.

    Args:
        n: number of images (int, 1 … ``MAX_EXAMPLES``; n·size² at most ``MAX_DATA_VALUES``).
        seed: int >= 0. The same seed (and n, size) gives identical bytes; different seeds give different images.
        size: side of the square images in pixels (int, 8 … ``MAX_GLYPH_SIZE`` = 64; 28 like MNIST).

    Labels are balanced: class c appears ``n // 10`` times, plus once more for the first ``n % 10`` classes, in an
    order shuffled by the seed.

    Attributes:
        images: uint8 ``(n, size, size)``.
        labels: int64 ``(n,)``, digits 0–9.
        fonts: int64 ``(n,)``, index into :func:`glyph_fonts` of the face each image was drawn from.

    ``dataset[i]`` is ``(x, label)`` with ``x`` float32 ``(1, size, size)`` in [−1, 1] and ``label`` an int;
    :meth:`tensors` gives the whole set at once for in-memory training.
    """

    def __init__(self, n: int = 60000, seed: int = 0, size: int = 28):
        self.n = check_size(n, "n", MAX_EXAMPLES, "MAX_EXAMPLES")
        self.seed = check_seed(seed)
        self.size = check_size(size, "size", MAX_GLYPH_SIZE, "MAX_GLYPH_SIZE", minimum=8)
        if self.n * self.size**2 > MAX_DATA_VALUES:  # tensors() returns them as float32
            raise InputError(
                f"n must be at most {MAX_DATA_VALUES // self.size**2:,} for {self.size}×{self.size} glyphs: "
                f"{self.n:,} of them are {self.n * self.size**2:,} values; the package's ceiling is MAX_DATA_VALUES "
                f"= {MAX_DATA_VALUES:,}",
                parameter="n",
            )
        self.images, self.labels, self.fonts = _generate(self.n, self.seed, self.size)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int):
        return self.images[index].unsqueeze(0).float() / 127.5 - 1.0, int(self.labels[index])

    def tensors(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(x, labels)``: x float32 ``(n, 1, size, size)`` in [−1, 1], labels int64 ``(n,)``."""
        return self.images.unsqueeze(1).float() / 127.5 - 1.0, self.labels.clone()

    def __repr__(self) -> str:
        return f"GlyphDigits(n={self.n}, seed={self.seed}, size={self.size})"


def _generate(n: int, seed: int, size: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    masters, widths = _masters(size)
    num_faces = masters.shape[0]
    gen = torch.Generator().manual_seed(seed)

    # Every random number is drawn here, up front, in a fixed order: the chunking below cannot change the result.
    labels = (torch.arange(n) % 10)[torch.randperm(n, generator=gen)]
    fonts = torch.randint(num_faces, (n,), generator=gen)
    uniform = torch.rand(n, 8, generator=gen)
    warp = torch.randn(n, 2, 4, 4, generator=gen)

    # Stroke width: aim at a random width and take the dilation that gets this face closest to it.
    # Erosion stops at MIN_WIDTH so that thin hairlines of bold serif faces survive.
    target = (0.12 + 0.09 * uniform[:, 0]) * (128 * BOX)  # a fraction of the digit's height
    width = widths[fonts]
    lowest = -((width - MIN_WIDTH).clamp(min=0) / 2).floor()
    radius = ((target - width) / 2).round().clamp(min=lowest).clamp(MORPH_RADII[0], MORPH_RADII[-1])
    variant = (radius - MORPH_RADII[0]).long()

    angle = math.radians(14) * (2 * uniform[:, 1] - 1)
    shear = 0.45 * uniform[:, 2] - 0.2  # leans right more often than left
    scale = 0.86 + 0.14 * uniform[:, 3]
    aspect = torch.exp(0.3 * (uniform[:, 4] - 0.5))
    shift = (2 * uniform[:, 5:7] - 1) * (2 * 1.5 / 28)  # ±1.5 pixels at size 28 (normalised units)
    gain = 1.0 + 0.6 * uniform[:, 7]  # saturates the stroke centre, as in MNIST

    # Forward map of the digit p ↦ A p + shift with A = R(angle) · Shear · diag(sx, sy); the sampling grid needs its
    # inverse (affine_grid maps output coordinates to input coordinates).
    cos, sin = angle.cos(), angle.sin()
    rotation = torch.stack([torch.stack([cos, -sin], -1), torch.stack([sin, cos], -1)], -2)
    shear_m = torch.eye(2).repeat(n, 1, 1)
    shear_m[:, 0, 1] = -shear
    stretch = torch.diag_embed(torch.stack([scale * aspect, scale / aspect], -1))
    inverse = torch.linalg.inv(rotation @ shear_m @ stretch)
    theta = torch.cat([inverse, -(inverse @ shift.unsqueeze(-1))], -1)  # (n, 2, 3)

    out = torch.empty(n, size, size, dtype=torch.uint8)
    for start in range(0, n, _CHUNK):
        stop = min(start + _CHUNK, n)
        source = masters[fonts[start:stop], labels[start:stop], variant[start:stop]].unsqueeze(1)
        grid = F.affine_grid(theta[start:stop], [stop - start, 1, size, size], align_corners=False)
        # A smooth displacement field: a 4×4 lattice of random offsets, interpolated bicubically to the grid.
        field = F.interpolate(warp[start:stop] * 0.05, size=(size, size), mode="bicubic", align_corners=True)
        grid = grid + field.permute(0, 2, 3, 1)
        image = F.grid_sample(source, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        image = (image[:, 0] * gain[start:stop, None, None]).clamp(0, 1)
        out[start:stop] = (image * 255).round().to(torch.uint8)
    return out, labels, fonts
