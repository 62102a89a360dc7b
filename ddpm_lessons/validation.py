"""Input checks shared by the whole package: every bad input gets an error that names the parameter and what was expected.

Nothing here is taught in a lesson; it exists so that a learner's mistake (a float timestep, a batch mismatch, a
schedule left on another device) fails loudly at the call that made it instead of broadcasting silently.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import numbers

import torch

class InputError(ValueError, TypeError):
    """A bad argument from the caller, named in the message (a wrong type, shape, range or combination).

    The one exception type every public entry point raises for bad input. It subclasses ``ValueError`` (and
    ``TypeError``, which wrong types used to raise), so existing ``except ValueError`` / ``except TypeError`` code
    keeps working; the command line turns it, and only it, into a one-line "error: …" naming the flag.
    """


def check_positive_int(value, name: str, minimum: int = 1, maximum: int | None = None) -> int:
    """Return ``value`` as an int, or raise if it is not an integer in ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InputError(f"{name} must be an integer >= {minimum}, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise InputError(f"{name} must be an integer >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise InputError(f"{name} must be an integer <= {maximum:,}, got {value:,}")
    return int(value)


_UNSEEN_TIMESTEPS = contextvars.ContextVar("unseen_timesteps", default=False)


@contextlib.contextmanager
def unseen_timesteps_allowed():
    """Let models be evaluated at timestep indices outside ``[0, T)``, on purpose: lesson 08's off-by-one bug
    (:class:`~ddpm_lessons.course.failures.TimeShifted`) shows what a network does at an index it never saw."""
    token = _UNSEEN_TIMESTEPS.set(True)
    try:
        yield
    finally:
        _UNSEEN_TIMESTEPS.reset(token)


def check_model_input(model, x, timesteps, *, data_dims: int, integer_time: bool = True) -> None:
    """What every network checks before its first layer: ``x`` a float tensor of the network's dtype with
    ``data_dims`` dimensions after the batch, and ``timesteps`` integer indices of shape ``(B,)`` — no broadcasting
    of one timestep over a batch. Values are checked against ``model.num_timesteps`` when the model knows its T
    and the tensor is on the CPU (elsewhere the check would wait for the device at every step); negative
    indices are refused by every network.
    ``integer_time=False`` also accepts float times (flow matching's continuous s, lesson 09)."""
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
    if timesteps.device.type != "cpu" or not timesteps.numel():
        return
    if _UNSEEN_TIMESTEPS.get() or timesteps.is_floating_point():
        return  # the failure gallery's off-by-one bug evaluates t = -1 and t = T on purpose
    if int(timesteps.min()) < 0:
        # Even a network that does not know its T (the U-Nets) reads t as a 0-based step index.
        raise InputError(f"timesteps must be >= 0 (0-based step indices), got {int(timesteps.min())}")
    T = getattr(model, "num_timesteps", None)
    if T is not None and int(timesteps.max()) >= T:
        raise InputError(f"timesteps must lie in [0, {T}) (the model's T), got {int(timesteps.max())}")


def check_tensor(x, name: str) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise InputError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise InputError(f"{name} must be a floating-point tensor, got dtype {x.dtype}")
    if x.dim() < 1:
        raise InputError(f"{name} must have a batch dimension (shape (B, ...)), got a 0-d tensor")
    return x


def check_same_shape(a: torch.Tensor, b: torch.Tensor, name_a: str, name_b: str) -> None:
    if a.shape != b.shape:
        raise InputError(
            f"{name_b} must have the same shape as {name_a} {tuple(a.shape)}, got {tuple(b.shape)} "
            "(nothing is broadcast)"
        )


def check_same_device(
    reference: torch.Tensor, other: torch.Tensor, name_ref: str, name_other: str, hint: str = ""
) -> None:
    if reference.device != other.device:
        raise InputError(
            f"{name_other} is on {other.device} but {name_ref} is on {reference.device}; "
            f"move {name_other} to {reference.device}{hint}"
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
        raise InputError(f"{name} must be an integer timestep index, got bool")
    if isinstance(t, numbers.Integral):
        if not minimum <= t < num_timesteps:  # checked on the host: a sampling loop's int never syncs the device
            raise InputError(
                f"{name} must lie in [{minimum}, {num_timesteps}) (0-based, T = {num_timesteps}), got {int(t)}"
            )
        return torch.full((batch_size,), int(t), dtype=torch.long, device=device)
    if isinstance(t, torch.Tensor):
        if t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
            raise InputError(
                f"{name} must hold integer timestep indices (torch.long), got dtype {t.dtype}; "
                "use torch.randint(...) or t.long() if the values really are integers"
            )
        if t.dim() == 0:
            t = t.reshape(1).expand(batch_size)
        elif t.dim() != 1:
            raise InputError(
                f"{name} must be an int or a 1-D tensor of shape ({batch_size},), got shape {tuple(t.shape)}"
            )
        elif t.shape[0] != batch_size:
            raise InputError(
                f"{name} has {t.shape[0]} timesteps but the batch has {batch_size} elements; pass one timestep per "
                "element, or a Python int for the same step everywhere"
            )
        t = t.to(device=device, dtype=torch.long)
    else:
        raise InputError(f"{name} must be an int or an integer torch.Tensor, got {type(t).__name__}")
    if t.numel() and (int(t.min()) < minimum or int(t.max()) >= num_timesteps):
        bad = int(t.min()) if int(t.min()) < minimum else int(t.max())
        raise InputError(f"{name} must lie in [{minimum}, {num_timesteps}) (0-based, T = {num_timesteps}), got {bad}")
    return t


def broadcast_to_batch(values: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Reshape per-example values ``(B,)`` to ``(B, 1, ..., 1)`` so they scale ``x`` of any rank."""
    return values.reshape(values.shape[0], *([1] * (x.dim() - 1))).to(x.dtype)


def gather(array: torch.Tensor, t, x: torch.Tensor, array_name: str = "schedule") -> torch.Tensor:
    """``array[t]`` shaped to broadcast against ``x``, in ``x``'s dtype.

    ``t`` is a ``(B,)`` index tensor (result ``(B, 1, ..., 1)``) or a Python int, one step for the whole batch
    (result 0-d: a plain index, the cheap path a sampling loop takes; the products it enters are the same).
    """
    check_same_device(
        x, array, "x", array_name, hint=f" (for a DiffusionSchedule: schedule.to(device={str(x.device)!r}))"
    )
    if isinstance(t, int):
        return array[t].to(x.dtype)
    return broadcast_to_batch(array[t], x)


def check_schedule(schedule, name: str = "schedule"):
    """``schedule`` if it is a :class:`~ddpm_lessons.schedule.DiffusionSchedule`, else a ``TypeError``."""
    from .schedule import DiffusionSchedule  # schedule.py imports this module, so the class is looked up late

    if not isinstance(schedule, DiffusionSchedule):
        raise InputError(f"{name} must be a DiffusionSchedule, got {type(schedule).__name__}")
    return schedule


def schedule_steps(schedule, x: torch.Tensor, t, name: str = "t", minimum: int = 0) -> torch.Tensor:
    """:func:`as_timesteps` for a batch ``x`` and a schedule of T steps: ``(B,)`` int64 indices on ``x``'s device."""
    return as_timesteps(t, x.shape[0], len(schedule), x.device, name=name, minimum=minimum)


def check_model(model, name: str = "model"):
    """``model`` if it can be called like a network (``model(x_t, t)``), else a ``TypeError`` naming ``name``."""
    if not callable(model):
        raise InputError(f"{name} must be a network called as {name}(x_t, t) (an nn.Module), got {type(model).__name__}")
    return model


def check_generator(generator, name: str = "generator"):
    """``generator`` if it is ``None`` or a ``torch.Generator`` (a seed is not one: ``torch.Generator().manual_seed(s)``)."""
    if generator is not None and not isinstance(generator, torch.Generator):
        raise InputError(
            f"{name} must be a torch.Generator or None, got {type(generator).__name__}; "
            "for a seed s pass torch.Generator().manual_seed(s)"
        )
    return generator


def check_bool(value, name: str) -> bool:
    """``value`` if it is True or False, else a ``TypeError``: the string ``"no"`` is not False, nor is 0."""
    if isinstance(value, bool):
        return value
    raise InputError(f"{name} must be True or False, got {type(value).__name__} {value!r}")


def check_real(value, name: str, *, minimum: float | None = None, maximum: float | None = None) -> float:
    """``value`` as a finite float within ``[minimum, maximum]`` (either bound optional), else a clear error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise InputError(f"{name} must be finite, got {value}")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        low = "-inf" if minimum is None else f"{minimum:g}"
        high = "inf" if maximum is None else f"{maximum:g}"
        raise InputError(f"{name} must lie in [{low}, {high}], got {value:g}")
    return value


def schedule_from_arrays(alphas, alphas_cumprod, betas, x: torch.Tensor):
    """The :class:`~ddpm_lessons.schedule.DiffusionSchedule` that the seed's three arrays describe, on ``x``'s
    device and in its dtype.

    The seed passes α, ᾱ and β separately; they must agree (α = 1 − β, ᾱ = ∏ α, to float32 round-off), or the
    step would silently mix two schedules.
    """
    from .schedule import DiffusionSchedule

    for name, array in (("alphas", alphas), ("alphas_cumprod", alphas_cumprod), ("betas", betas)):
        if not isinstance(array, torch.Tensor) or array.dim() != 1 or not array.is_floating_point():
            raise InputError(f"{name} must be a 1-D floating-point tensor of the T step values")
        check_same_device(x, array, "x", name)
    if not (len(alphas) == len(alphas_cumprod) == len(betas)):
        raise InputError(
            f"alphas, alphas_cumprod and betas must have the same length T, got {len(alphas)}, "
            f"{len(alphas_cumprod)} and {len(betas)}"
        )
    try:
        schedule = DiffusionSchedule(betas)  # checks every β lies in (0, 1) and is finite
    except ValueError as error:
        raise InputError(f"betas: {error}") from None
    reference = schedule.to(dtype=torch.float64)
    for name, array, expected in (
        ("alphas", alphas, reference.alphas),
        ("alphas_cumprod", alphas_cumprod, reference.alphas_cumprod),
    ):
        got = array.detach().to(device="cpu", dtype=torch.float64)
        if not torch.allclose(got, expected, rtol=1e-4, atol=1e-7):
            raise InputError(
                f"{name} does not match betas (expected {'1 − betas' if name == 'alphas' else 'cumprod(1 − betas)'}); "
                "pass the arrays of one schedule"
            )
    return schedule.to(device=x.device, dtype=x.dtype)


def check_image_batch(images, name: str, *, channels=(1, 3), size: tuple[int, int] | None = None) -> torch.Tensor:
    """``images`` if it is a float tensor ``(B, C, H, W)`` with B ≥ 1, C in ``channels`` (``None``: any C ≥ 1, and
    H, W ≥ 1) and (optionally) ``(H, W) == size``; else an error naming ``name`` and the expected shape (images live
    in [−1, 1])."""
    any_channels = channels is None
    channel_text = "C" if any_channels else "/".join(map(str, channels))
    expected = f"(B, {channel_text}, {'H, W' if size is None else ', '.join(map(str, size))})"
    if not isinstance(images, torch.Tensor) or not images.is_floating_point():
        got = f"dtype {images.dtype}" if isinstance(images, torch.Tensor) else type(images).__name__
        raise InputError(f"{name} must be a floating-point tensor of images {expected} in [-1, 1], got {got}")
    if (
        images.dim() != 4
        or images.shape[0] < 1
        or (any_channels and min(images.shape) < 1)
        or (not any_channels and images.shape[1] not in channels)
        or (size is not None and tuple(images.shape[2:]) != tuple(size))
    ):
        raise InputError(f"{name} must have shape {expected} with B >= 1, got {tuple(images.shape)}")
    return images
