"""How every exercise check talks to the learner: a ✓ or ✗ line, and a result that works with ``assert``.

:func:`call_answer` runs the learner's function and turns an unfinished or crashing answer into a message, so a
notebook with unsolved exercises still runs top to bottom.
"""

from __future__ import annotations

import torch

__all__ = ["CheckResult", "report", "call_answer"]


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


def call_answer(fn, *args, number: bool = False):
    """(result, None) or (None, message) when the learner's function is unfinished, crashes, or — with
    ``number=True`` — returns something that is not a single number."""
    try:
        result = fn(*args)
        if number:
            if isinstance(result, torch.Tensor) and result.numel() == 1:
                result = result.item()
            if isinstance(result, bool) or not isinstance(result, (int, float)):
                return None, f"{fn.__name__} must return a number, got {type(result).__name__}" + (
                    " (did you forget `return`?)" if result is None else ""
                )
            result = float(result)
        return result, None
    except NotImplementedError:
        return None, f"{fn.__name__} is not implemented yet: replace `raise NotImplementedError` with your code"
    except Exception as error:  # the learner sees their own error, briefly
        return None, f"{fn.__name__} raised {type(error).__name__}: {error}"
