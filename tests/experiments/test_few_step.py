"""Lesson B's recorded experiment (issue 22, few-step generation): it runs, is deterministic, measures every sampler
at every NFE it names, and refuses bad arguments."""

import pytest

from ddpm_lessons.experiments import few_step
from ddpm_lessons.validation import InputError

TINY = {
    "steps": 4,
    "round_steps": 2,
    "distill_from": 4,
    "chain": 8,
    "ema_decay": 0.0,
    "batch_size": 16,
    "hidden": 16,
    "layers": 2,
    "n": 64,
}


@pytest.mark.slow
def test_a_tiny_run_is_deterministic_and_measures_everything():
    one = few_step.measure((3,), **TINY)
    again = few_step.measure((3,), **TINY)
    strip = [{k: v for k, v in run.items() if not k.endswith("_s")} for run in one]
    assert strip == [{k: v for k, v in run.items() if not k.endswith("_s")} for run in again]
    teacher, training, reflow = one
    assert [r["nfe"] for r in teacher["rounds"]] == [2, 1]  # 4 → 2 → 1
    fields = {(r["field"], r["sampler"]) for r in teacher["samples"]}
    assert fields == {
        ("teacher", "ddim uniform"),
        ("teacher", "dpmpp-2m karras"),
        ("eps_star", "ddim uniform"),
        ("eps_star", "dpmpp-2m karras"),
        ("consistency distillation", "consistency"),
    }
    assert [r["nfe"] for r in training["samples"]] == [1, 2, 4]
    assert {r["field"] for r in reflow["samples"]} == {"flow", "reflow"}
    assert set(reflow["straightness"]) == {"flow", "reflow"}
    assert all("sw" in r and "off_mode" in r for job in one for r in job["samples"])


def test_bad_arguments_name_the_setting():
    for bad, name in (
        ({"distill_from": 6}, "distill_from"),
        ({"chain": 4}, "chain"),
        ({"cm_weighting": "snr"}, "cm_weighting"),
        ({"cm_distance": "l1"}, "cm_distance"),
        ({"chain": 200}, "chain"),
        ({"round_steps": 0}, "round_steps"),
        ({"steps": 1}, "steps"),
        ({"lr": 0.0}, "lr"),
    ):
        with pytest.raises(InputError, match=name):
            few_step.measure((0,), **{**TINY, **bad})
    with pytest.raises(InputError, match="variants"):
        few_step.measure((0,), variants=("teacher", "nope"), **TINY)
    with pytest.raises(InputError, match="recipe"):
        few_step.measure((0,), unknown=1, **TINY)
