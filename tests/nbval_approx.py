"""Strict nbval with one relaxation, for the cells tagged ``digits-vary-by-cpu`` (wired in the root conftest.py).

A cell that trains a network prints numbers that end a few float32 round-offs apart on two processors: their math
libraries sum in different orders, and thousands of optimiser steps carry the difference into the printed digits
(lesson 06's loss 0.1283 on one machine, 0.1264 on another; lesson 08's distance 0.0901 and 0.0900). In such a cell
every printed number is compared within :data:`RELATIVE` or :data:`LAST_DIGITS` units of its last printed digit,
whichever is larger; everything else in the text must match exactly, number for number. Untagged cells stay strict.
The cell's own asserts, which carry its claims, run unchanged.
"""

from __future__ import annotations

import copy
import re

TAG = "digits-vary-by-cpu"
RELATIVE = 0.03
"""3 %: the largest gap measured between two processors' runs of a tagged cell was 1.5 % (lesson 06's loss)."""
LAST_DIGITS = 2
"""Two units of the last printed digit: a one-decimal PSNR of 5.1 dB on one processor was 5.3 dB on another."""

NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?:[eE]([-+]?\d+))?(?![\w.])")


def _value_and_unit(match: re.Match) -> tuple[float, float]:
    text = match.group(0).replace(",", "")
    decimals = len(match.group(1) or "")
    exponent = int(match.group(2) or 0)
    return float(text), 10.0 ** (exponent - decimals)


def numbers_agree(reference: str, test: str) -> bool:
    """Whether ``test`` is ``reference`` with every number within the tolerance and all other text identical."""
    if reference == test:
        return True
    if NUMBER.sub("#", reference) != NUMBER.sub("#", test):
        return False
    for ref_match, test_match in zip(NUMBER.finditer(reference), NUMBER.finditer(test)):
        (ref_value, ref_unit), (test_value, test_unit) = _value_and_unit(ref_match), _value_and_unit(test_match)
        allowed = max(RELATIVE * max(abs(ref_value), abs(test_value)), LAST_DIGITS * max(ref_unit, test_unit))
        if abs(ref_value - test_value) > allowed * (1 + 1e-9):  # 5.3 - 5.1 is 0.2000000000000002 in binary
            return False
    return True


def _texts(output) -> list[tuple[tuple, str]]:
    if "text" in output:
        return [(("text",), output["text"])]
    return [(("data", key), value) for key, value in output.get("data", {}).items() if key.startswith("text/")]


def _as_text(value) -> str:
    return "".join(value) if isinstance(value, list) else value


def within_float_order(test: list, ref: list) -> list:
    """``test`` with each text output that agrees with its reference by :func:`numbers_agree` replaced by the
    reference's text, so that nbval's own comparison then passes it; any other difference is left for nbval to
    report, digit by digit."""
    if len(test) != len(ref):
        return test
    agreed = []
    for test_output, ref_output in zip(test, ref):
        test_output = copy.deepcopy(test_output)
        if test_output.get("output_type") == ref_output.get("output_type"):
            ref_texts = dict(_texts(ref_output))
            for path, value in _texts(test_output):
                if path in ref_texts and numbers_agree(_as_text(ref_texts[path]), _as_text(value)):
                    target = test_output
                    for key in path[:-1]:
                        target = target[key]
                    target[path[-1]] = ref_texts[path]
        agreed.append(test_output)
    return agreed
