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

__all__ = [
    "CheckResult",
    "report",
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


def _type_name(value) -> str:
    if isinstance(value, torch.Tensor):
        return f"a {value.dtype} tensor of shape {tuple(value.shape)} on {value.device}"
    return type(value).__name__


def number_answer(value, name: str = "your function") -> tuple[float | None, str | None]:
    """``(float, None)`` for a single real number — a Python number, a NumPy scalar or a one-element tensor on any
    device — or ``(None, message)``."""
    try:
        if isinstance(value, torch.Tensor) or (hasattr(value, "item") and getattr(value, "size", None) == 1):
            if getattr(value, "numel", lambda: value.size)() != 1:
                return None, f"{name} must return a single number, got {_type_name(value)}"
            if isinstance(value, torch.Tensor) and value.is_complex():
                return None, f"{name} must return a real number, got a complex tensor"
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            hint = " (did you forget `return`?)" if value is None else ""
            return None, f"{name} must return a number, got {_type_name(value)}{hint}"
        value = float(value)
    except Exception as error:
        return None, f"{name} must return a number; reading it raised {type(error).__name__}: {error}"
    if math.isnan(value):
        return None, f"{name} returned nan (a 0/0 or the log of a negative number?)"
    return value, None


def call_answer(fn, *args, number: bool = False):
    """(result, None) or (None, message) when the learner's function is unfinished, crashes, or — with
    ``number=True`` — returns something that is not a single number (then the result is a float)."""
    name = getattr(fn, "__name__", "your function")
    if not callable(fn):
        return None, (
            f"pass your function itself to the check (check_…(my_function), without parentheses); got {_type_name(fn)}"
        )
    try:
        result = fn(*args)
    except NotImplementedError:
        return None, f"{name} is not implemented yet: replace `raise NotImplementedError` with your code"
    except Exception as error:  # the learner sees their own error, briefly
        return None, f"{name} raised {type(error).__name__}: {error}"
    if number:
        return number_answer(result, name)
    return result, None


def tensor_answer(value, expected: torch.Tensor, name: str = "your answer") -> tuple[torch.Tensor | None, str | None]:
    """``(tensor, None)``: ``value`` as a float64 CPU tensor with ``expected``'s shape, converted from any float or
    integer dtype, any device, a list or a NumPy array; or ``(None, message)`` saying what is wrong with it."""
    shape = tuple(expected.shape)
    if value is None:
        return None, f"{name} is None: did you forget `return`?"
    try:
        if isinstance(value, torch.Tensor):
            if value.is_complex():
                return None, f"{name} is a complex tensor; expected real numbers"
            tensor = value.detach().to(device="cpu", dtype=torch.float64)
        elif isinstance(value, (str, bytes, dict, set)):
            return None, f"{name} must be a tensor of shape {shape}, got {_type_name(value)}"
        else:
            tensor = torch.as_tensor(value, dtype=torch.float64)
    except Exception as error:
        return None, (
            f"{name} must be a tensor of shape {shape}; could not read {_type_name(value)} as one "
            f"({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''})"
        )
    if tuple(tensor.shape) != shape:
        return None, f"{name} has shape {tuple(tensor.shape)}; expected {shape}"
    if torch.isnan(tensor).any():
        return None, f"{name} contains nan at {int(torch.isnan(tensor).sum())} of {tensor.numel()} entries"
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


def robust_check(check):
    """Decorate a ``check_…(fn)``: whatever the answer makes the check do, the learner gets a ✗ line, not a
    traceback from inside the package."""

    @functools.wraps(check)
    def wrapper(fn, *args, **kwargs) -> CheckResult:
        if not callable(fn):
            return report(
                False,
                f"pass your function itself to the check (check_…(my_function), without parentheses); "
                f"got {_type_name(fn)}",
            )
        try:
            return check(fn, *args, **kwargs)
        except Exception as error:
            return report(
                False,
                f"your answer could not be checked ({type(error).__name__}: {error}); the exercise says what "
                "to return — a number, a pair or a tensor of a given shape",
            )

    return wrapper
