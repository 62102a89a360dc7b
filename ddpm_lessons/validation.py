"""Input checks shared by the whole package: every bad input gets an error that names the parameter and what was expected.

Nothing here is taught in a lesson; it exists so that a learner's mistake (a float timestep, a batch mismatch, a
schedule left on another device) fails loudly at the call that made it instead of broadcasting silently.

The package has two layers. The public entry points (``process``, ``sampling``, ``ode``, ``score``, ``losses``)
call these checks once, at the top, and raise :class:`InputError` only; then they call the math layer
(:mod:`ddpm_lessons.kernels`, :mod:`ddpm_lessons.steps`, the indexing in :mod:`ddpm_lessons.schedule`), which
never checks and never waits for the device. This module imports no other module of the package.
"""

from __future__ import annotations

import abc
import math
import numbers

import torch


class InputError(ValueError, TypeError):
    """A bad argument from the caller, named in the message (a wrong type, shape, range or combination).

    The one exception type every public entry point raises for bad input. It subclasses ``ValueError`` (and
    ``TypeError``, which wrong types used to raise), so existing ``except ValueError`` / ``except TypeError`` code
    keeps working; the command line turns it, and only it, into a one-line "error: …" naming the flag.

    ``parameter`` names the argument at fault (the checks below set it), so the command line can map it to the flag
    that set it without reading the message.
    """

    def __init__(self, message: str, *, parameter: str | None = None):
        super().__init__(message)
        self.parameter = parameter


def check_positive_int(value, name: str, minimum: int = 1, maximum: int | None = None) -> int:
    """Return ``value`` as an int, or raise if it is not an integer in ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InputError(
            f"{name} must be an integer >= {minimum}, got {type(value).__name__} {value!r}", parameter=name
        )
    if value < minimum:
        raise InputError(f"{name} must be an integer >= {minimum}, got {value}", parameter=name)
    if maximum is not None and value > maximum:
        raise InputError(f"{name} must be an integer <= {maximum:,}, got {value:,}", parameter=name)
    return int(value)


def check_model_input(model, x, timesteps, *, data_dims: int, integer_time: bool = True) -> None:
    """What every network checks before its first layer: ``x`` a float tensor of the network's dtype with
    ``data_dims`` dimensions after the batch, and ``timesteps`` integer indices of shape ``(B,)`` — no broadcasting
    of one timestep over a batch. Values are checked against ``model.num_timesteps`` when the model knows its T
    and the tensor is on the CPU (elsewhere the check would wait for the device at every step); negative
    indices are refused by every network. A network's ``unchecked_forward`` skips this (lesson 08's off-by-one).
    ``integer_time=False`` also accepts float times (flow matching's continuous s, lesson 09b)."""
    x = check_tensor(x, "x")
    if x.dim() != data_dims + 1:
        raise InputError(f"x must have {data_dims + 1} dimensions (batch first), got shape {tuple(x.shape)}")
    weight = next(model.parameters(), None)
    if weight is not None and x.dtype != weight.dtype:
        raise InputError(
            f"x is {x.dtype} but {type(model).__name__}'s weights are {weight.dtype}; convert one of them "
            f"(x.to({weight.dtype}) or model.to({x.dtype}))"
        )
    if not isinstance(timesteps, torch.Tensor):
        raise InputError(f"timesteps must be a tensor of shape ({x.shape[0]},), got {type(timesteps).__name__}")
    if timesteps.is_complex() or timesteps.dtype == torch.bool or (integer_time and timesteps.is_floating_point()):
        raise InputError(f"timesteps must hold integer indices (torch.long), got dtype {timesteps.dtype}")
    if timesteps.shape != (x.shape[0],):
        raise InputError(
            f"timesteps must have shape ({x.shape[0]},), one per example, got {tuple(timesteps.shape)} "
            "(a single timestep is not broadcast over the batch)"
        )
    if timesteps.device.type != "cpu" or not timesteps.numel() or timesteps.is_floating_point():
        return
    if int(timesteps.min()) < 0:
        # Even a network that does not know its T (the U-Nets) reads t as a 0-based step index.
        raise InputError(f"timesteps must be >= 0 (0-based step indices), got {int(timesteps.min())}")
    T = getattr(model, "num_timesteps", None)
    if T is not None and int(timesteps.max()) >= T:
        raise InputError(f"timesteps must lie in [0, {T}) (the model's T), got {int(timesteps.max())}")


def check_tensor(x, name: str) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise InputError(f"{name} must be a torch.Tensor, got {type(x).__name__}", parameter=name)
    if not x.is_floating_point():
        raise InputError(f"{name} must be a floating-point tensor, got dtype {x.dtype}", parameter=name)
    if x.dim() < 1:
        raise InputError(f"{name} must have a batch dimension (shape (B, ...)), got a 0-d tensor", parameter=name)
    return x


def check_same_shape(a: torch.Tensor, b: torch.Tensor, name_a: str, name_b: str) -> None:
    if a.shape != b.shape:
        raise InputError(
            f"{name_b} must have the same shape as {name_a} {tuple(a.shape)}, got {tuple(b.shape)} "
            "(nothing is broadcast)",
            parameter=name_b,
        )


def check_same_device(
    reference: torch.Tensor, other: torch.Tensor, name_ref: str, name_other: str, hint: str = ""
) -> None:
    if reference.device != other.device:
        raise InputError(
            f"{name_other} is on {other.device} but {name_ref} is on {reference.device}; "
            f"move {name_other} to {reference.device}{hint}",
            parameter=name_other,
        )


def as_timesteps(
    t, batch_size: int, num_timesteps: int, device: torch.device, name: str = "t", minimum: int = 0
) -> torch.Tensor:
    """Validate timestep indices and return them as a ``(batch_size,)`` int64 tensor on ``device``.

    Accepted: a Python int (the same step for every batch element), a 0-d integer tensor (likewise), or a 1-D
    integer tensor of length ``batch_size``. Every value must lie in ``[minimum, num_timesteps)``. Floating-point
    timesteps are refused: they are code indices, not continuous times.
    """
    if isinstance(t, bool):
        raise InputError(f"{name} must be an integer timestep index, got bool", parameter=name)
    if isinstance(t, numbers.Integral):
        if not minimum <= t < num_timesteps:  # checked on the host: a sampling loop's int never syncs the device
            raise InputError(
                f"{name} must lie in [{minimum}, {num_timesteps}) (0-based, T = {num_timesteps}), got {int(t)}",
                parameter=name,
            )
        return torch.full((batch_size,), int(t), dtype=torch.long, device=device)
    if isinstance(t, torch.Tensor):
        if t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
            raise InputError(
                f"{name} must hold integer timestep indices (torch.long), got dtype {t.dtype}; "
                "use torch.randint(...) or t.long() if the values really are integers",
                parameter=name,
            )
        if t.dim() == 0:
            t = t.reshape(1).expand(batch_size)
        elif t.dim() != 1:
            raise InputError(
                f"{name} must be an int or a 1-D tensor of shape ({batch_size},), got shape {tuple(t.shape)}",
                parameter=name,
            )
        elif t.shape[0] != batch_size:
            raise InputError(
                f"{name} has {t.shape[0]} timesteps but the batch has {batch_size} elements; pass one timestep per "
                "element, or a Python int for the same step everywhere",
                parameter=name,
            )
        t = t.to(device=device, dtype=torch.long)
    else:
        raise InputError(f"{name} must be an int or an integer torch.Tensor, got {type(t).__name__}", parameter=name)
    if t.numel() and (int(t.min()) < minimum or int(t.max()) >= num_timesteps):
        bad = int(t.min()) if int(t.min()) < minimum else int(t.max())
        raise InputError(
            f"{name} must lie in [{minimum}, {num_timesteps}) (0-based, T = {num_timesteps}), got {bad}", parameter=name
        )
    return t


class ScheduleBase(abc.ABC):  # noqa: B024 (a marker: nothing to override)
    """The type :func:`check_schedule` accepts. :class:`~ddpm_lessons.schedule.DiffusionSchedule` derives from it,
    so this module checks a schedule without importing ``schedule.py`` (which imports this module)."""


def check_schedule(schedule, name: str = "schedule"):
    """``schedule`` if it is a :class:`~ddpm_lessons.schedule.DiffusionSchedule`, else an :class:`InputError`."""
    if not isinstance(schedule, ScheduleBase):
        raise InputError(f"{name} must be a DiffusionSchedule, got {type(schedule).__name__}", parameter=name)
    return schedule


def check_schedule_device(schedule, x: torch.Tensor, name: str = "schedule") -> None:
    """A schedule already checked by :func:`check_schedule` on ``x``'s device, else an :class:`InputError` saying
    how to move it (run after ``x`` is known to be a tensor, so a bad ``x`` is named first)."""
    hint = f" (for a DiffusionSchedule: schedule.to(device={str(x.device)!r}))"
    check_same_device(x, schedule.betas, "x", name, hint=hint)


def schedule_steps(schedule, x: torch.Tensor, t, name: str = "t", minimum: int = 0) -> torch.Tensor:
    """:func:`as_timesteps` for a batch ``x`` and a schedule of T steps: ``(B,)`` int64 indices on ``x``'s device."""
    return as_timesteps(t, x.shape[0], len(schedule), x.device, name=name, minimum=minimum)


def check_model(model, name: str = "model"):
    """``model`` if it can be called like a network (``model(x_t, t)``), else a ``TypeError`` naming ``name``."""
    if not callable(model):
        raise InputError(
            f"{name} must be a network called as {name}(x_t, t) (an nn.Module), got {type(model).__name__}",
            parameter=name,
        )
    return model


def check_generator(generator, name: str = "generator"):
    """``generator`` if it is ``None`` or a ``torch.Generator`` (a seed is not one: ``torch.Generator().manual_seed(s)``)."""
    if generator is not None and not isinstance(generator, torch.Generator):
        raise InputError(
            f"{name} must be a torch.Generator or None, got {type(generator).__name__}; "
            "for a seed s pass torch.Generator().manual_seed(s)",
            parameter=name,
        )
    return generator


def check_choice(value, choices: tuple, name: str):
    """``value`` if it is one of ``choices``, else an :class:`InputError` listing them."""
    if not isinstance(value, str) or value not in choices:
        raise InputError(f"{name} must be one of {choices}, got {value!r}", parameter=name)
    return value


def check_bool(value, name: str) -> bool:
    """``value`` if it is True or False, else a ``TypeError``: the string ``"no"`` is not False, nor is 0."""
    if isinstance(value, bool):
        return value
    raise InputError(f"{name} must be True or False, got {type(value).__name__} {value!r}", parameter=name)


def check_real(value, name: str, *, minimum: float | None = None, maximum: float | None = None) -> float:
    """``value`` as a finite float within ``[minimum, maximum]`` (either bound optional), else a clear error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"{name} must be a real number, got {type(value).__name__} {value!r}", parameter=name)
    value = float(value)
    if not math.isfinite(value):
        raise InputError(f"{name} must be finite, got {value}", parameter=name)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        low = "-inf" if minimum is None else f"{minimum:g}"
        high = "inf" if maximum is None else f"{maximum:g}"
        raise InputError(f"{name} must lie in [{low}, {high}], got {value:g}", parameter=name)
    return value


MAX_SEED = 2**64 - 1  # torch.Generator().manual_seed takes seeds up to 2⁶⁴ − 1


def check_seed(value, name: str = "seed") -> int:
    """``value`` as an int in ``[0, 2⁶⁴ − 1]`` (what ``torch.Generator().manual_seed`` accepts), else an error."""
    return check_positive_int(value, name, minimum=0, maximum=MAX_SEED)


def check_dtype(dtype, name: str = "dtype"):
    """``dtype`` if it is ``None`` or a floating-point ``torch.dtype`` (the string ``"float64"`` is not one)."""
    if dtype is None:
        return None
    if not isinstance(dtype, torch.dtype):
        raise InputError(
            f"{name} must be a torch dtype such as torch.float64, got {type(dtype).__name__} {dtype!r}", parameter=name
        )
    if not dtype.is_floating_point:
        raise InputError(f"{name} must be a floating-point torch dtype, got {dtype}", parameter=name)
    return dtype


def all_finite(x: torch.Tensor) -> bool:
    """True if no value of ``x`` is NaN or ±inf. The sum first — NaN and ±inf propagate into it, and one plain
    reduction costs a fifth of the element-wise test — and the element-wise test only when the sum is not finite
    (finite values can overflow in a sum). One read of a result: a device wait on an accelerator."""
    x = x.detach()
    return not x.numel() or bool(torch.isfinite(x.sum())) or bool(torch.isfinite(x).all())


def count_nonfinite(x: torch.Tensor) -> str:
    """How many values of ``x`` are NaN and how many infinite, in words (for an error message)."""
    nan, inf = int(torch.isnan(x).sum()), int(torch.isinf(x).sum())
    return f"{nan} NaN and {inf} infinite value(s) among {x.numel()}"


def check_finite(x: torch.Tensor, name: str) -> torch.Tensor:
    """``x`` if every value is finite, else an :class:`InputError` naming ``name`` and counting NaN and inf.

    One reduction and one read of its result: on an accelerator that waits for the device, so the entry points
    call it once per call, never the math layer and never once per step of a loop.
    """
    if not all_finite(x):
        raise InputError(f"{name} must be finite, got {count_nonfinite(x)}", parameter=name)
    return x


def check_finite_result(result: torch.Tensor, inputs: dict, what: str) -> torch.Tensor:
    """``result`` if it is finite; else an :class:`InputError` naming the first input (``{name: tensor}``) that
    holds NaN or inf, or, when every input is finite, saying the result overflowed ``what``'s dtype.

    Checking the result costs one reduction whatever the number of inputs; the inputs are only looked at to
    name the culprit once the result is known to be bad.
    """
    if all_finite(result):
        return result
    for name, value in inputs.items():
        if isinstance(value, torch.Tensor) and not all_finite(value):
            # "model(x_t, t)" names what a model returned; its parameter is the model
            raise InputError(f"{name} must be finite, got {count_nonfinite(value)}", parameter=name.split("(")[0])
    first = next(iter(inputs), "").split("(")[0] or None
    raise InputError(
        f"{what} is not finite ({count_nonfinite(result)}) although its inputs are: they are too large for "
        f"{result.dtype}",
        parameter=first,
    )


def check_level_value(value, name: str, *, low: float = 0.0, low_open: bool = True, high: float | None = 1.0):
    """``value`` unchanged if it is a real number or a floating-point tensor whose every value is finite and in the
    interval from ``low`` to ``high`` (``None``: no upper bound); else an :class:`InputError`. For the formulas
    with a square root or a logarithm of their argument (σ(ᾱ), s(ᾱ)), whose result would otherwise be complex or
    NaN."""
    interval = f"{'(' if low_open else '['}{low:g}, {'inf)' if high is None else f'{high:g}]'}"
    if isinstance(value, torch.Tensor):
        if not value.is_floating_point():
            raise InputError(f"{name} must be a floating-point tensor, got dtype {value.dtype}", parameter=name)
        values = value
    elif isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"{name} must be a real number in {interval}, got {type(value).__name__}", parameter=name)
    else:
        values = torch.tensor(float(value), dtype=torch.float64)
    too_low = (values <= low) if low_open else (values < low)
    too_high = torch.zeros_like(too_low) if high is None else values > high
    if values.numel() and (not bool(torch.isfinite(values).all()) or bool(too_low.any()) or bool(too_high.any())):
        shown = (
            float(values) if values.numel() == 1 else f"values from {values.min().item():g} to {values.max().item():g}"
        )
        raise InputError(f"{name} must lie in {interval}, got {shown}", parameter=name)
    return value


def check_image_batch(images, name: str, *, channels=(1, 3), size: tuple[int, int] | None = None) -> torch.Tensor:
    """``images`` if it is a float tensor ``(B, C, H, W)`` with B ≥ 1, C in ``channels`` (``None``: any C ≥ 1, and
    H, W ≥ 1) and (optionally) ``(H, W) == size``; else an error naming ``name`` and the expected shape (images live
    in [−1, 1])."""
    any_channels = channels is None
    channel_text = "C" if any_channels else "/".join(map(str, channels))
    expected = f"(B, {channel_text}, {'H, W' if size is None else ', '.join(map(str, size))})"
    if not isinstance(images, torch.Tensor) or not images.is_floating_point():
        got = f"dtype {images.dtype}" if isinstance(images, torch.Tensor) else type(images).__name__
        raise InputError(
            f"{name} must be a floating-point tensor of images {expected} in [-1, 1], got {got}", parameter=name
        )
    if (
        images.dim() != 4
        or images.shape[0] < 1
        or (any_channels and min(images.shape) < 1)
        or (not any_channels and images.shape[1] not in channels)
        or (size is not None and tuple(images.shape[2:]) != tuple(size))
    ):
        raise InputError(f"{name} must have shape {expected} with B >= 1, got {tuple(images.shape)}", parameter=name)
    return images


def check_levels(values, x: torch.Tensor, name: str, *, low_open: bool = True, high: float = 1.0, high_open=False):
    """Per-example levels (ᾱ, a flow time s, a signal scale): ``values`` (a number or a tensor ``()``/``(B,)``) as a ``(B, 1)`` tensor in x's dtype, each in the range."""
    if isinstance(values, bool) or not isinstance(values, (numbers.Real, torch.Tensor)):
        raise InputError(
            f"{name} must be a number or a tensor of shape () or ({x.shape[0]},), got {type(values)}", parameter=name
        )
    tensor = torch.as_tensor(values, dtype=x.dtype, device=x.device)
    if tensor.dim() == 0:
        tensor = tensor.expand(x.shape[0])
    if tensor.shape != (x.shape[0],):
        raise InputError(
            f"{name} must be a number or a tensor of shape () or ({x.shape[0]},), got {tuple(tensor.shape)}",
            parameter=name,
        )
    bad_low = (tensor <= 0) if low_open else (tensor < 0)
    bad_high = (tensor >= high) if high_open else (tensor > high)
    if not torch.isfinite(tensor).all() or bad_low.any() or bad_high.any():
        interval = f"{'(' if low_open else '['}0, {high:g}{')' if high_open else ']'}"
        raise InputError(
            f"{name} must lie in {interval}, got values from {tensor.min().item():g} to {tensor.max().item():g}",
            parameter=name,
        )
    return tensor[:, None]


# ---------------------------------------------------------------------------------------------------------- ceilings
# The largest size any argument, command-line flag or file may ask for. Each is checked before anything is allocated
# or built, so a typo or a hostile file is refused at once, by name, instead of allocating gigabytes or running for
# hours. Each lies far above every use in the course (lessons, recipes, shipped checkpoints, benchmark) — the reason
# is beside it — and far below what a laptop cannot hold.

MAX_T = 100_000  # diffusion steps: lesson 09a builds T = 10,000, everything else uses 1,000; 10× the largest
MAX_WIDTH = 16_384  # hidden, channel widths, time_dim, data_dim: the seed's widest level is 1,024; 16× it
MAX_LAYERS = 1_024  # MLP blocks, residual blocks per level: the course uses at most 3; a deep MLP is ~100
MAX_LEVELS = 12  # U-Net resolutions: the seed has 5; 11 halvings already reduce MAX_IMAGE_SIZE to one pixel
MAX_KERNEL_SIZE = 15  # UNetStage's kernel: the seed's is 3
MAX_CLASSES = 100_000  # class labels: the glyphs have 10, ImageNet-21k 21,841
MAX_PARAMETERS = 1 << 28  # 268 M: 4.3× the seed's 62.7 M DiffusionUNet, 1 GiB of float32 (= MAX_CHECKPOINT_BYTES)
MAX_IMAGE_SIZE = 1_024  # image side in pixels: the course uses 28–64 (the seed 48, the shipped photo 32); 16× 64
MAX_GLYPH_SIZE = 64  # glyph digits: 28 like MNIST; the cached masters cost 21 faces × 100 × (2·size)² floats
MAX_PHOTO_PIXELS = 1 << 26  # pixels of a photo file before resizing (67 M): a 64-MP camera photo has 64.1 M
MAX_EXAMPLE_VALUES = 3 * MAX_IMAGE_SIZE**2  # values in one example: an RGB image of MAX_IMAGE_SIZE (3.1 M)
MAX_BATCH = 1_000_000  # examples at once (a minibatch, a sample request): the course's largest is 10,000 samples
MAX_BATCH_VALUES = 1 << 28  # values in one batch or sample request (1 GiB of float32): 10,000 samples use 20,000
MAX_EXAMPLES = 10_000_000  # examples in a generated data set: the course's largest is 60,000 glyph digits
MAX_DATA_VALUES = 1 << 29  # values in a generated data set (2 GiB of float32): 60,000 glyphs hold 47 M


def check_size(value, name: str, ceiling: int, ceiling_name: str, minimum: int = 1) -> int:
    """``value`` as an int in ``[minimum, ceiling]``; above the ceiling, an :class:`InputError` naming ``name`` and
    the ceiling (``ceiling_name``, one of the constants above)."""
    value = check_positive_int(value, name, minimum=minimum)
    if value > ceiling:
        raise InputError(
            f"{name} must be an integer <= {ceiling:,} (the package's ceiling {ceiling_name}), got {value:,}",
            parameter=name,
        )
    return value


def check_shape(
    shape, name: str = "shape", *, examples: int = MAX_BATCH, total: int = MAX_BATCH_VALUES
) -> tuple[int, ...]:
    """A requested shape ``(N, ...)`` as a tuple of ints ≥ 1 within the ceilings: N ≤ ``examples``, one example ≤
    MAX_EXAMPLE_VALUES values, the whole ≤ ``total`` values — checked before anything of that shape is allocated."""
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__"):
        raise InputError(f"{name} must be a tuple of sizes (N, ...), got {type(shape).__name__}", parameter=name)
    shape = tuple(shape)
    if not shape or any(isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1 for s in shape):
        raise InputError(f"{name} must be a tuple of integer sizes >= 1, (N, ...), got {shape}", parameter=name)
    per_example = math.prod(int(s) for s in shape[1:])
    if shape[0] > examples:
        raise InputError(f"{name} asks for {shape[0]:,} examples; the ceiling is {examples:,}", parameter=name)
    if per_example > MAX_EXAMPLE_VALUES:
        raise InputError(
            f"{name} {shape} asks for {per_example:,} values per example; the ceiling is MAX_EXAMPLE_VALUES = "
            f"{MAX_EXAMPLE_VALUES:,} (an RGB image of {MAX_IMAGE_SIZE}×{MAX_IMAGE_SIZE})",
            parameter=name,
        )
    if shape[0] * per_example > total:
        raise InputError(
            f"{name} {shape} asks for {shape[0] * per_example:,} values at once; the ceiling is {total:,} "
            "(draw them in smaller batches)",
            parameter=name,
        )
    return tuple(int(s) for s in shape)


def check_parameter_count(count: int, model: str, parameter: str) -> int:
    """Refuse a network configuration whose parameter count (computed from the configuration, before building
    anything) is above MAX_PARAMETERS, naming the argument that sets its size."""
    if count > MAX_PARAMETERS:
        raise InputError(
            f"{model} with this {parameter} would have {count:,} parameters; the package's ceiling is "
            f"MAX_PARAMETERS = {MAX_PARAMETERS:,} (4× the seed's 62.7 M network)",
            parameter=parameter,
        )
    return count
