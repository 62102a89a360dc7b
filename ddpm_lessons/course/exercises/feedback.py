"""How every exercise check talks to the learner: a ✓ or ✗ line, and a result that works with ``assert``.

A check never raises, whatever the answer: an unfinished function, one that crashes, returns ``None``, a list, a
tensor of the wrong dtype, shape or device — each gets a ✗ line that says what is wrong, so a notebook with
unsolved exercises still runs top to bottom. The pieces:

- :func:`call_answer` runs the learner's function and turns an unfinished or crashing answer into a message;
- :func:`tensor_answer` / :func:`number_answer` turn what came back into a float64 CPU tensor shaped like the
  expected one (or a float), or a message saying why not;
- :func:`close` compares anything with an expected value without raising (float32 answers pass at the tolerance
  the check chooses), and :func:`which_mistake` names the first known mistake an answer matches;
- :func:`robust_check` wraps a whole check so that nothing it does with an odd answer can raise.
"""

from __future__ import annotations

import functools
import math
import numbers

import torch

from ..language import tr

__all__ = [
    "CheckResult",
    "report",
    "type_name",
    "call_answer",
    "tensor_answer",
    "number_answer",
    "close",
    "which_mistake",
    "robust_check",
]


class CheckResult:
    """True or false like a bool, but shows nothing as a cell's last value: the printed ✓/✗ line is the feedback."""

    def __init__(self, ok: bool):
        self.ok = bool(ok)

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return f"CheckResult(ok={self.ok})"

    def _ipython_display_(self) -> None:
        pass


def report(ok: bool, message: str) -> CheckResult:
    print(("✓ " if ok else "✗ ") + message)
    return CheckResult(ok)


def type_name(value) -> str:
    """What a wrong answer was, in words for the feedback line: a tensor with its dtype, shape and device, else its
    type's name."""
    if isinstance(value, torch.Tensor):
        return tr(
            "a {dtype} tensor of shape {shape} on {device}",
            dtype=value.dtype,
            shape=tuple(value.shape),
            device=value.device,
        )
    return type(value).__name__


def number_answer(value, name: str | None = None) -> tuple[float | None, str | None]:
    """``(float, None)`` for a single real number — a Python number, a NumPy scalar or a one-element tensor on any
    device — or ``(None, message)``. ``name`` (default "your function") is how the message calls the value."""
    name = tr("your function") if name is None else name
    try:
        if isinstance(value, torch.Tensor) or (hasattr(value, "item") and getattr(value, "size", None) == 1):
            if getattr(value, "numel", lambda: value.size)() != 1:
                return None, tr("{name} must return a single number, got {kind}", name=name, kind=type_name(value))
            if isinstance(value, torch.Tensor) and value.is_complex():
                return None, tr("{name} must return a real number, got a complex tensor", name=name)
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            hint = tr(" (did you forget `return`?)") if value is None else ""
            return None, tr(
                "{name} must return a number, got {kind}{hint}", name=name, kind=type_name(value), hint=hint
            )
        value = float(value)
    except Exception as error:
        return None, tr(
            "{name} must return a number; reading it raised {error_type}: {error}",
            name=name,
            error_type=type(error).__name__,
            error=error,
        )
    if math.isnan(value):
        return None, tr("{name} returned nan (a 0/0 or the log of a negative number?)", name=name)
    return value, None


def call_answer(fn, *args, number: bool = False):
    """(result, None) or (None, message) when the learner's function is unfinished, crashes, or — with
    ``number=True`` — returns something that is not a single number (then the result is a float)."""
    name = getattr(fn, "__name__", None) or tr("your function")
    if not callable(fn):
        return None, _pass_the_function(fn)
    try:
        result = _call_with_numbers_or_tensors(fn, args)
    except NotImplementedError:
        return None, tr("{name} is not implemented yet: replace `raise NotImplementedError` with your code", name=name)
    except Exception as error:  # the learner sees their own error, briefly
        return None, tr("{name} raised {error_type}: {error}", name=name, error_type=type(error).__name__, error=error)
    if number:
        return number_answer(result, name)
    return result, None


def _call_with_numbers_or_tensors(fn, args: tuple):
    """``fn(*args)``; if that is a TypeError and some arguments are Python floats, ``fn`` again with those floats as
    0-d float64 tensors. The lessons' own numbers (``schedule.betas[t]``, ``alphas_cumprod[t]``) are 0-d tensors, so
    an answer written with ``torch.sqrt`` or ``torch.log`` is as right as one written with ``math``; the first error is
    the one reported when both fail."""
    try:
        return fn(*args)
    except TypeError as error:
        if not any(type(a) is float for a in args):
            raise
        first = error
    tensors = tuple(torch.tensor(a, dtype=torch.float64) if type(a) is float else a for a in args)
    try:
        return fn(*tensors)
    except NotImplementedError:
        raise
    except Exception:
        raise first from None


def tensor_answer(value, expected: torch.Tensor, name: str | None = None) -> tuple[torch.Tensor | None, str | None]:
    """``(tensor, None)``: ``value`` as a float64 CPU tensor with ``expected``'s shape, converted from any float or
    integer dtype, any device, a list or a NumPy array; or ``(None, message)`` saying what is wrong with it.
    ``name`` (default "your answer") is how the message calls the value."""
    name = tr("your answer") if name is None else name
    shape = tuple(expected.shape)
    if value is None:
        return None, tr("{name} is None: did you forget `return`?", name=name)
    try:
        if isinstance(value, torch.Tensor):
            if value.is_complex():
                return None, tr("{name} is a complex tensor; expected real numbers", name=name)
            tensor = value.detach().to(device="cpu", dtype=torch.float64)
        elif isinstance(value, (str, bytes, dict, set)):
            return None, tr(
                "{name} must be a tensor of shape {shape}, got {kind}", name=name, shape=shape, kind=type_name(value)
            )
        else:
            tensor = torch.as_tensor(value, dtype=torch.float64)
    except Exception as error:
        return None, tr(
            "{name} must be a tensor of shape {shape}; could not read {kind} as one ({error_type}: {error})",
            name=name,
            shape=shape,
            kind=type_name(value),
            error_type=type(error).__name__,
            error=str(error).splitlines()[0] if str(error) else "",
        )
    if tuple(tensor.shape) != shape:
        return None, tr("{name} has shape {got}; expected {shape}", name=name, got=tuple(tensor.shape), shape=shape)
    if torch.isnan(tensor).any():
        return None, tr(
            "{name} contains nan at {count} of {total} entries",
            name=name,
            count=int(torch.isnan(tensor).sum()),
            total=tensor.numel(),
        )
    return tensor, None


def close(got, expected, *, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """``|got − expected| ≤ atol + rtol·|expected|`` everywhere, for numbers or tensors of any dtype and device;
    False (never an exception) when ``got`` cannot be compared."""
    try:
        if isinstance(expected, torch.Tensor):
            got, problem = tensor_answer(got, expected)
            if problem:
                return False
            expected = expected.detach().to(device="cpu", dtype=torch.float64)
            return bool(torch.allclose(got, expected, rtol=rtol, atol=atol))
        value, problem = number_answer(got)
        if problem:
            return False
        return abs(value - float(expected)) <= atol + rtol * abs(float(expected))
    except Exception:
        return False


def which_mistake(got, mistakes: dict, default: str = "", **tolerance) -> str:
    """The first hint in ``mistakes`` (hint → the value that mistake gives) that ``got`` matches, else ``default``."""
    return next((hint for hint, value in mistakes.items() if close(got, value, **tolerance)), default)


def _pass_the_function(value) -> str:
    return tr(
        "pass your function itself to the check (check_…(my_function), without parentheses); got {kind}",
        kind=type_name(value),
    )


def robust_check(check):
    """Decorate a ``check_…(fn)``: whatever the answer makes the check do, the learner gets a ✗ line, not a
    traceback from inside the package."""

    @functools.wraps(check)
    def wrapper(fn, *args, **kwargs) -> CheckResult:
        if not callable(fn):
            return report(False, _pass_the_function(fn))
        try:
            return check(fn, *args, **kwargs)
        except Exception as error:
            return report(
                False,
                tr(
                    "your answer could not be checked ({error_type}: {error}); the exercise says what to return — "
                    "a number, a pair or a tensor of a given shape",
                    error_type=type(error).__name__,
                    error=error,
                ),
            )

    return wrapper
