"""Interactive explorers for the lessons: a slider, one PNG image, one line of text (lessons 01, 02 and 07).

Each explorer is a thin ipywidgets layer over plain functions that return numpy arrays, PNG bytes or strings, so
the unit tests check the pictures and the numbers without a browser. The widgets never redraw a matplotlib figure:
one ``ipywidgets.Image(format="png")`` gets new PNG bytes when a slider moves, and every PNG is rendered once and
kept, so moving back and forth costs nothing on a CPU.

Explorers (each returns an ``ipywidgets.VBox``, so it displays as the last value of a notebook cell):

- :func:`ink_explorer` — lesson 01: ink particles spreading in a glass, over time.
- :func:`noising_explorer` — lesson 02: x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε for every t, with a schedule switch.
- :func:`trajectory_explorer` — lesson 07a: a saved sampling trajectory, from x_T to x_0.
- :func:`guidance_explorer` — lesson 07b: samples for each classifier-free guidance weight w, with their metrics.

Plain functions: :func:`png_bytes`, :func:`density_image`, :func:`noised_image`, :func:`alpha_bar_label`,
:func:`grid_image`.
"""

from __future__ import annotations

import io
import math
import numbers
from collections.abc import Mapping

import numpy as np
import torch

from ..plots import tile_images
from ..process import q_sample
from ..schedule import DiffusionSchedule
from ..validation import check_image_batch, check_positive_int, check_schedule
from .language import tr

__all__ = [
    "png_bytes",
    "density_image",
    "ink_explorer",
    "noised_image",
    "alpha_bar_label",
    "noising_explorer",
    "grid_image",
    "trajectory_explorer",
    "guidance_explorer",
]

#: Longest side, in screen pixels, that a small picture is enlarged to (nearest neighbour, whole multiples).
DISPLAY_SIZE = 288

#: Longest side, in screen pixels, of the trajectory explorer's grid: a grid of several 28-pixel digits would
#: otherwise stay at about 150 pixels wide (lessons 07a and 07b, issue 11); about the width of a notebook's output area.
GRID_DISPLAY_SIZE = 640

_WATER = np.array([255, 255, 255], dtype=np.float64)
_INK = np.array([22, 42, 120], dtype=np.float64)


# ----------------------------------------------------------------------------------------------- plain helpers


def png_bytes(array, *, scale: int = 1) -> bytes:
    """Encode an image array as PNG bytes (every explorer's picture; lessons 01, 02 and 07).

    Args:
        array: ``uint8`` array of shape ``(H, W)`` (grey), ``(H, W, 1)``, ``(H, W, 3)`` (RGB) or ``(H, W, 4)``.
        scale: whole-number enlargement, nearest neighbour (each pixel becomes a ``scale × scale`` block), so
            small pictures stay sharp and readable on screen.

    Returns:
        The PNG file's bytes; decoding them gives back ``array`` enlarged ``scale`` times.
    """
    from PIL import Image

    if not isinstance(array, np.ndarray):
        raise TypeError(f"array must be a numpy array, got {type(array).__name__}")
    if array.dtype != np.uint8:
        raise TypeError(f"array must have dtype uint8 (pixel values 0-255), got {array.dtype}")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4))) or 0 in array.shape:
        raise ValueError(f"array must have shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), got {array.shape}")
    scale = check_positive_int(scale, "scale")
    if scale > 1:
        array = np.repeat(np.repeat(array, scale, axis=0), scale, axis=1)
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(array)).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _display_scale(array: np.ndarray, target: int = DISPLAY_SIZE) -> int:
    """The whole-number enlargement that brings the longer side of ``array`` close to ``target`` pixels."""
    return max(1, target // max(array.shape[0], array.shape[1]))


def _to_uint8(images: torch.Tensor) -> np.ndarray:
    """``(..., C, H, W)`` in [−1, 1] → ``(..., H, W, C)`` uint8, values outside [−1, 1] clipped."""
    x = ((images.detach().to("cpu", torch.float32) + 1) * 127.5).round().clamp(0, 255).to(torch.uint8)
    return x.movedim(-3, -1).numpy()


def _explorer(name: str, children):
    """The explorer's box. Its text form — what a static viewer shows instead of the widget, and what nbval
    compares — names the explorer instead of dumping the image bytes, so it is the same on every machine."""
    import ipywidgets as widgets

    class Explorer(widgets.VBox):
        def __repr__(self) -> str:
            return tr(
                "<{name}: sliders that show in JupyterLab's notebook view, not on slides or in static copies>",
                name=name,
            )

    return Explorer(children)


def _picture(png: bytes):
    """The one Image of an explorer, shown at its own pixel size (a VBox would otherwise stretch it to full width)."""
    import ipywidgets as widgets

    return widgets.Image(value=png, format="png", layout=widgets.Layout(align_self="flex-start"))


def _slider_layout():
    import ipywidgets as widgets

    return widgets.Layout(width="min(36rem, 95%)")


# ------------------------------------------------------------------------------------------ lesson 01: ink


def density_image(points, bins: int = 64, extent=None, *, vmax: float | None = None, gamma: float = 1.0) -> np.ndarray:
    """Ink colour of each cell of a ``bins × bins`` grid over the glass: a picture of particle density (lesson 01).

    Args:
        points: particle positions ``(N, 2)`` (tensor or array), columns x and y.
        bins: cells per side.
        extent: ``(xmin, xmax, ymin, ymax)`` of the grid; default ``(0, 1, 0, 1)``, the glass of
            :mod:`ddpm_lessons.physics`. Particles outside it are not counted.
        vmax: the fraction of all particles in one cell that is drawn as full ink; denser cells are clipped.
            Default: this picture's own densest cell.
        gamma: ink level = (fraction / vmax) ** gamma; below 1 it makes thin ink easier to see.

    Returns:
        ``uint8`` RGB array ``(bins, bins, 3)``: white water, dark blue ink in proportion to the fraction of
        particles in the cell (with ``gamma = 1``). Rows are y with the top row at ``ymax`` (as in
        :func:`physics.density`), columns x.
    """
    if isinstance(points, torch.Tensor):
        points = points.detach().to("cpu", torch.float64).numpy()
    if not isinstance(points, np.ndarray):
        raise TypeError(f"points must be a tensor or array of positions (N, 2), got {type(points).__name__}")
    if points.ndim != 2 or points.shape[1] != 2 or points.shape[0] < 1:
        raise ValueError(f"points must have shape (N, 2) with N >= 1, got {points.shape}")
    bins = check_positive_int(bins, "bins")
    xmin, xmax, ymin, ymax = _check_extent(extent)
    counts, _, _ = np.histogram2d(points[:, 0], points[:, 1], bins=bins, range=[[xmin, xmax], [ymin, ymax]])
    fraction = counts.T[::-1] / points.shape[0]  # rows y (top = ymax), columns x
    if vmax is None:
        vmax = fraction.max()
    elif isinstance(vmax, bool) or not isinstance(vmax, numbers.Real) or not vmax > 0:
        raise ValueError(f"vmax must be a positive fraction of the particles, got {vmax!r}")
    if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real) or not gamma > 0:
        raise ValueError(f"gamma must be a positive number, got {gamma!r}")
    level = np.clip(fraction / vmax, 0, 1) ** gamma if vmax > 0 else np.zeros_like(fraction)
    rgb = _WATER + level[..., None] * (_INK - _WATER)
    return rgb.round().astype(np.uint8)


def _check_extent(extent):
    if extent is None:
        return 0.0, 1.0, 0.0, 1.0
    try:
        values = tuple(float(v) for v in extent)
    except (TypeError, ValueError):
        raise TypeError(f"extent must be four numbers (xmin, xmax, ymin, ymax), got {extent!r}") from None
    if len(values) != 4 or not (values[0] < values[1] and values[2] < values[3]):
        raise ValueError(f"extent must be (xmin, xmax, ymin, ymax) with xmin < xmax and ymin < ymax, got {extent!r}")
    return values


def _frames(positions):
    """``(steps, [(N, 2) tensors])`` from a ``(S, N, 2)`` tensor or from random_walk's ``[(step, positions)]``."""
    if isinstance(positions, torch.Tensor):
        if positions.dim() != 3 or positions.shape[2] != 2 or positions.shape[0] < 1 or positions.shape[1] < 1:
            raise ValueError(
                "positions must be a tensor (S, N, 2) of N particle positions at S times, or the list of "
                f"(step, positions) pairs that physics.random_walk(..., record_every=k) returns; got shape "
                f"{tuple(positions.shape)}"
            )
        return list(range(positions.shape[0])), list(positions.detach().cpu())
    if isinstance(positions, (list, tuple)) and positions:
        steps, frames = [], []
        for item in positions:
            if not (
                isinstance(item, (list, tuple))
                and len(item) == 2
                and isinstance(item[1], torch.Tensor)
                and isinstance(item[0], numbers.Integral)
                and item[1].dim() == 2
                and item[1].shape[1] == 2
            ):
                raise ValueError(
                    "positions must hold (step, tensor (N, 2)) pairs as physics.random_walk(..., record_every=k) "
                    f"returns them; got an item {type(item).__name__} {getattr(item, 'shape', '')}".rstrip()
                )
            steps.append(int(item[0]))
            frames.append(item[1].detach().cpu())
        if len(set(steps)) != len(steps):
            raise ValueError(f"positions has repeated steps {steps}; each snapshot needs its own step")
        return steps, frames
    raise TypeError(
        "positions must be a tensor (S, N, 2) or a non-empty list of (step, positions) pairs from "
        f"physics.random_walk(..., record_every=k), got {type(positions).__name__}"
    )


def ink_explorer(positions, *, bins: int = 64, extent=None):
    """Lesson 01: a "time step" slider over a particle simulation of ink spreading in water.

    Args:
        positions: either the list of ``(step, positions (N, 2))`` snapshots that
            ``physics.random_walk(drop, steps, sigma, record_every=k)`` returns (the slider then shows those
            step numbers), or a tensor ``(S, N, 2)`` of positions at S times (the slider shows 0 … S − 1).
        bins: cells per side of the density picture.
        extent: ``(xmin, xmax, ymin, ymax)``; default the glass ``(0, 1, 0, 1)``.

    Every frame uses one colour scale (full ink = 16 times the evenly mixed density, square-root shading, so evenly
    mixed ink is a light tint), so the drop visibly fades as it spreads. Returns ``VBox([slider "time step", Label, Image])``; the label gives the step and the particles'
    spread (standard deviation of their positions).
    """
    import ipywidgets as widgets

    steps, frames = _frames(positions)
    bins = check_positive_int(bins, "bins")
    _check_extent(extent)
    vmax = 16.0 / bins**2
    cache: dict[int, bytes] = {}

    def render(step: int) -> bytes:
        if step not in cache:
            picture = density_image(frames[steps.index(step)], bins, extent, vmax=vmax, gamma=0.5)
            cache[step] = png_bytes(picture, scale=_display_scale(picture, 320))
        return cache[step]

    def describe(step: int) -> str:
        frame = frames[steps.index(step)]
        spread = frame.double().std(dim=0).mean().item() if frame.shape[0] > 1 else 0.0
        return tr(
            "step {step} of {last}: spread of the ink (std of the positions) = {spread:.3f}",
            step=step,
            last=steps[-1],
            spread=spread,
        )

    slider = widgets.SelectionSlider(
        options=steps,
        value=steps[0],
        description=tr("time step"),
        continuous_update=True,
        layout=_slider_layout(),
        style={"description_width": "initial"},
    )
    label = widgets.Label(describe(steps[0]))
    image = _picture(render(steps[0]))

    def update(change):
        image.value = render(change["new"])
        label.value = describe(change["new"])

    slider.observe(update, names="value")
    return _explorer(tr("ink explorer"), [slider, label, image])


# ------------------------------------------------------------------------------------ lesson 02: noising


def _check_photo(image) -> torch.Tensor:
    if not isinstance(image, torch.Tensor):
        raise TypeError(f"image must be a torch.Tensor (C, H, W) in [-1, 1], got {type(image).__name__}")
    if not image.is_floating_point():
        raise TypeError(f"image must be a floating-point tensor in [-1, 1], got dtype {image.dtype}")
    if image.dim() != 3 or image.shape[0] not in (1, 3):
        raise ValueError(f"image must have shape (C, H, W) with C = 1 or 3, got {tuple(image.shape)}")
    return image


def _check_t(t, schedule: DiffusionSchedule) -> int:
    T = len(schedule)
    if isinstance(t, bool) or not isinstance(t, numbers.Integral):
        raise TypeError(f"t must be an integer index in [0, {T}), got {type(t).__name__} {t!r}")
    if not 0 <= t < T:
        raise ValueError(f"t must lie in [0, {T}) (0-based, T = {T}), got {t}")
    return int(t)


def noised_image(image, schedule, t, noise) -> np.ndarray:
    """x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε as a picture (lesson 02; DDPM eq. 4 through :func:`process.q_sample`).

    Args:
        image: x_0, a tensor ``(C, H, W)`` in [−1, 1].
        schedule: a :class:`DiffusionSchedule`.
        t: 0-based step index in ``[0, T)`` (paper step t + 1).
        noise: ε, a tensor shaped like ``image``; pass the same ε for every t to watch one noise take over.

    Returns:
        ``uint8`` array ``(H, W, C)``: x_t mapped from [−1, 1] to 0 … 255, values outside clipped.
    """
    image = _check_photo(image)
    schedule = check_schedule(schedule)
    t = _check_t(t, schedule)
    if not isinstance(noise, torch.Tensor) or not noise.is_floating_point():
        raise TypeError(f"noise must be a floating-point tensor shaped like image, got {type(noise).__name__}")
    if noise.shape != image.shape:
        raise ValueError(f"noise must have the image's shape {tuple(image.shape)}, got {tuple(noise.shape)}")
    schedule = schedule.to(device=image.device)
    x_t = q_sample(schedule, image[None], t, noise.to(image.device, image.dtype)[None])[0]
    return _to_uint8(x_t)


def alpha_bar_label(schedule, t) -> str:
    """The numbers behind one step of the forward process, as a line of text (lesson 02).

    Returns e.g. ``"t = 499 (paper step 500): ᾱ_t = 0.0786 · signal std √ᾱ_t = 0.2804 · noise std √(1−ᾱ_t) =
    0.9599"``: how much of x_0 and how much of ε make up x_t.
    """
    schedule = check_schedule(schedule)
    t = _check_t(t, schedule)
    alpha_bar = float(schedule.alphas_cumprod[t])
    return tr(
        "t = {t} (paper step {paper_t}): ᾱ_t = {alpha_bar:.4f} · signal std √ᾱ_t = {signal:.4f}"
        " · noise std √(1−ᾱ_t) = {noise:.4f}",
        t=t,
        paper_t=t + 1,
        alpha_bar=alpha_bar,
        signal=math.sqrt(alpha_bar),
        noise=math.sqrt(max(0.0, 1.0 - alpha_bar)),
    )


def noising_explorer(image, schedules, *, seed: int = 0):
    """Lesson 02: a "t" slider over x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε, with a "schedule" switch.

    Args:
        image: x_0, a tensor ``(C, H, W)`` in [−1, 1], e.g. ``load_photo(image_shape=(32, 32))``.
        schedules: ``{name: DiffusionSchedule}``, e.g. ``{"linear": DiffusionSchedule.linear(1000),
            "cosine": DiffusionSchedule.cosine(1000)}``; they may have different T.
        seed: seeds the one noise ε used at every t and for every schedule, so only ᾱ_t changes.

    Returns ``VBox([ToggleButtons "schedule", IntSlider "t" (0-based, 0 … T − 1), Label, Image])``; the label
    is :func:`alpha_bar_label`, the image :func:`noised_image` enlarged to about 288 pixels.
    """
    import ipywidgets as widgets

    image = _check_photo(image).detach().to("cpu", torch.float32)
    _check_schedules(schedules)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an int, got {type(seed).__name__} {seed!r}")
    noise = torch.randn(image.shape, generator=torch.Generator().manual_seed(int(seed)))
    render = _noised_picture_renderer(image, schedules, noise)
    names = list(schedules)
    toggle = widgets.ToggleButtons(options=names, value=names[0], description=tr("schedule"))
    slider = widgets.IntSlider(
        value=0,
        min=0,
        max=len(schedules[names[0]]) - 1,
        description="t",
        continuous_update=True,
        layout=_slider_layout(),
    )
    label = widgets.Label(alpha_bar_label(schedules[names[0]], 0))
    picture = _picture(render(names[0], 0))

    def update(_change=None):
        name = toggle.value
        slider.max = len(schedules[name]) - 1  # clamps the value if this schedule is shorter
        picture.value = render(name, slider.value)
        label.value = alpha_bar_label(schedules[name], slider.value)

    toggle.observe(update, names="value")
    slider.observe(update, names="value")
    return _explorer(tr("noising explorer"), [toggle, slider, label, picture])


def _check_schedules(schedules) -> None:
    """Raise TypeError unless ``schedules`` is a non-empty ``{name (str): DiffusionSchedule}``."""
    if not isinstance(schedules, Mapping) or not schedules:
        raise TypeError(f"schedules must be a non-empty dict {{name: DiffusionSchedule}}, got {schedules!r}")
    for name, schedule in schedules.items():
        if not isinstance(name, str):
            raise TypeError(f"schedules must be keyed by names (str), got the key {name!r}")
        check_schedule(schedule, f"schedules[{name!r}]")


def _noised_picture_renderer(image: torch.Tensor, schedules, noise: torch.Tensor):
    """``render(name, t)``: the PNG of x_t for schedule ``name``, enlarged to about the display size.

    Every x_t of every schedule is computed at once up front, (T, C, H, W) → uint8 (T, H, W, C), so moving the
    slider costs no arithmetic; the PNGs are encoded only on first view (most t are never looked at) and kept.
    """
    scale = _display_scale(image[0])
    pictures = {}
    for name, schedule in schedules.items():
        T = len(schedule)
        x_all = q_sample(
            schedule.to(device="cpu", dtype=torch.float32),
            image.expand(T, *image.shape),
            torch.arange(T),
            noise.expand(T, *noise.shape),
        )
        pictures[name] = _to_uint8(x_all)
    cache: dict[tuple[str, int], bytes] = {}

    def render(name: str, t: int) -> bytes:
        if (name, t) not in cache:
            cache[name, t] = png_bytes(pictures[name][t], scale=scale)
        return cache[name, t]

    return render


# ------------------------------------------------------------------------------------ lessons 07a and 07b: sampling


def grid_image(batch, nrow: int = 10, *, padding: int = 2) -> np.ndarray:
    """Images ``(B, C, H, W)`` in [−1, 1] tiled ``nrow`` per row on a white background (lessons 07a and 07b).

    Returns a ``uint8`` array ``(rows·(H+p)+p, cols·(W+p)+p, C)`` with ``p = padding``, ``cols = min(nrow, B)``
    and ``rows = ⌈B / nrow⌉``; image k sits in row ``k // nrow``, column ``k % nrow``.
    """
    batch = check_image_batch(batch, "batch")
    nrow = check_positive_int(nrow, "nrow")
    padding = check_positive_int(padding, "padding", minimum=0)
    return _to_uint8(tile_images(batch, nrow, padding))


def trajectory_explorer(trajectory, *, nrow: int = 10, T: int | None = None):
    """Lesson 07a: a "steps taken" slider over a saved sampling trajectory, from pure noise x_T to x_0.

    Args:
        trajectory: ``{index: x (B, C, H, W)}`` as ``ddpm_lessons.sample_trajectory`` returns it:
            index ``T − 1`` is x_T (the starting noise), index i the state after the step at i, ``-1`` the final
            x_0.
        nrow: images per row of the grid.
        T: the number of diffusion steps; default the largest index + 1 (right when x_T was kept).

    The slider's values are the steps taken, ``T − 1 − index`` (0 for x_T, T for the final x_0), in sampling
    order. Returns ``VBox([SelectionSlider "steps taken", Label, Image])``; every grid is rendered up front.
    """

    if not isinstance(trajectory, Mapping) or not trajectory:
        raise TypeError(
            f"trajectory must be a non-empty dict {{index: tensor (B, C, H, W)}}, got {type(trajectory).__name__}"
        )
    for index, batch in trajectory.items():
        if isinstance(index, bool) or not isinstance(index, numbers.Integral) or index < -1:
            raise ValueError(f"trajectory keys must be step indices >= -1 (-1 = the final x_0), got {index!r}")
        check_image_batch(batch, f"trajectory[{index}]")
    nrow = check_positive_int(nrow, "nrow")
    largest = max(trajectory)
    T = largest + 1 if T is None else check_positive_int(T, "T")
    if T < 1:
        raise ValueError("trajectory holds only the final x_0 (index -1); pass T, the number of diffusion steps")
    if largest >= T:
        raise ValueError(f"T must be larger than every trajectory index, got T = {T} and index {largest}")
    indices = sorted(trajectory, reverse=True)  # noise first, -1 (x_0) last
    steps_taken = [T - 1 - int(i) for i in indices]
    pngs, texts = {}, {}
    for index, taken in zip(indices, steps_taken):
        grid = grid_image(trajectory[index], nrow)
        pngs[taken] = png_bytes(grid, scale=_display_scale(grid, GRID_DISPLAY_SIZE))
        if index == -1:
            texts[taken] = tr("after all {T} steps: the samples x_0", T=T)
        elif taken == 0:
            texts[taken] = tr(
                "0 steps taken: pure noise x_T (index {index}, paper t = {paper_t})", index=index, paper_t=index + 1
            )
        else:
            texts[taken] = tr(
                "after {taken} of {T} steps: x_t at index {index} (paper t = {paper_t})",
                taken=taken,
                T=T,
                index=index,
                paper_t=index + 1,
            )

    return _pre_rendered(tr("trajectory explorer"), tr("steps taken"), steps_taken, pngs, texts)


def _pre_rendered(name: str, description: str, options: list, pngs: dict, texts: dict):
    """A SelectionSlider over ``options`` that swaps in pictures and captions rendered beforehand."""
    import ipywidgets as widgets

    slider = widgets.SelectionSlider(
        options=options,
        value=options[0],
        description=description,
        continuous_update=True,
        layout=_slider_layout(),
        style={"description_width": "initial"},
    )
    label = widgets.Label(texts[options[0]])
    image = _picture(pngs[options[0]])

    def update(change):
        image.value = pngs[change["new"]]
        label.value = texts[change["new"]]

    slider.observe(update, names="value")
    return _explorer(name, [slider, label, image])


def _metrics_text(w, values) -> str:
    if values is None:
        return tr("w = {w:g}: no metrics for this weight", w=w)
    parts = []
    for key, value in values.items():
        name = "FID" if key.lower() == "fid" else key
        parts.append(f"{name} {value:.3g}" if isinstance(value, numbers.Real) else f"{name} {value}")
    return f"w = {w:g}: " + " · ".join(parts)


def guidance_explorer(samples_by_weight, *, metrics=None, nrow: int = 20):
    """Lesson 07b: a "guidance w" slider over samples drawn with classifier-free guidance weights w.

    Args:
        samples_by_weight: ``{w: samples (B, 1, 28, 28)}`` in [−1, 1] (any ``(B, C, H, W)`` works), one entry per
            guidance weight w.
        metrics: optional ``{w: {"accuracy": …, "fid": …, "confidence": …}}``; any metric names are shown, in
            the dict's order.
        nrow: images per row of the grid.

    The slider runs over the sorted weights. Returns ``VBox([SelectionSlider "guidance w", Label, Image])``; the
    grids for all weights are rendered up front.
    """

    if not isinstance(samples_by_weight, Mapping) or not samples_by_weight:
        raise TypeError(
            f"samples_by_weight must be a non-empty dict {{w: tensor (B, C, H, W)}}, got "
            f"{type(samples_by_weight).__name__}"
        )
    for w, batch in samples_by_weight.items():
        if isinstance(w, bool) or not isinstance(w, numbers.Real):
            raise TypeError(f"samples_by_weight must be keyed by guidance weights w (numbers), got the key {w!r}")
        check_image_batch(batch, f"samples_by_weight[{w!r}]")
    if metrics is not None:
        if not isinstance(metrics, Mapping) or not all(isinstance(v, Mapping) for v in metrics.values()):
            raise TypeError("metrics must be a dict {w: {metric name: value}}, e.g. {1.0: {'accuracy': 0.9}}")
        unknown = [w for w in metrics if w not in samples_by_weight]
        if unknown:
            raise ValueError(
                f"metrics has weights without samples: {unknown}; samples_by_weight has {sorted(samples_by_weight)}"
            )
    nrow = check_positive_int(nrow, "nrow")
    weights = sorted(samples_by_weight)
    pngs, texts = {}, {}
    for w in weights:
        grid = grid_image(samples_by_weight[w], nrow)
        pngs[w] = png_bytes(grid, scale=_display_scale(grid))
        texts[w] = f"w = {w:g}" if metrics is None else _metrics_text(w, metrics.get(w))

    return _pre_rendered(tr("guidance explorer"), tr("guidance w"), weights, pngs, texts)
