"""Lesson 04's time-input ablation: it runs, is deterministic, refuses bad arguments by name, and the committed
record is what its command says, converged, and backs every sentence the lesson builds on it."""

import json

import pytest

from ddpm_lessons.experiments import embedding_ablation as ablation
from ddpm_lessons.experiments.record import command_arguments, read_record
from ddpm_lessons.models import MLPDenoiser, count_parameters
from ddpm_lessons.validation import InputError

TINY = {"seeds": (3,), "curve": (2, 4), "samples": 8, "keep": 3, "variants": ("scalar", "none")}


@pytest.fixture(scope="module")
def recorded():
    return read_record("embedding_ablation")


def test_a_tiny_measurement_is_deterministic_and_keeps_the_first_seeds_samples():
    one = ablation.measure(**TINY)
    assert [(run["variant"], run["seed"]) for run in one] == [("scalar", 3), ("none", 3)]
    for run in one:
        assert [point["step"] for point in run["curve"]] == [2, 4] and run["swd"] == run["curve"][-1]["swd"]
        assert len(run["points"]) == 3 * 2 and run["parameters"] > 0
    again = ablation.measure(**TINY)
    strip = [{k: v for k, v in run.items() if not k.endswith("_s")} for run in one]
    assert strip == [{k: v for k, v in run.items() if not k.endswith("_s")} for run in again]
    two = ablation.measure(**{**TINY, "seeds": (3, 4), "variants": ("none",)})
    assert [len(run["points"]) for run in two] == [6, 0]  # only the first seed's samples are kept


def test_training_in_segments_equals_one_long_run():
    segmented = ablation.measure_one("scalar", 5, (2, 5), 8, keep=8)
    whole = ablation.measure_one("scalar", 5, (5,), 8, keep=8)
    assert segmented["curve"][-1] == whole["curve"][-1] and segmented["points"] == whole["points"]


def test_bad_arguments_name_the_parameter(monkeypatch):
    monkeypatch.setattr(ablation, "measure_one", lambda *a: pytest.fail("a run started"))
    for change, parameter in (
        ({"seeds": ()}, "seeds"),
        ({"seeds": (1, 1)}, "seeds"),
        ({"curve": ()}, "curve"),
        ({"curve": (4, 2)}, "curve"),
        ({"curve": (0, 2)}, "curve"),
        ({"samples": 1}, "samples"),
        ({"samples": 10**9}, "samples"),
        ({"keep": 9}, "keep"),
        ({"variants": ("scalar", "fourier")}, "variants"),
        ({"variants": ("scalar", "scalar")}, "variants"),
        ({"variants": ()}, "variants"),
    ):
        with pytest.raises(InputError) as error:
            ablation.measure(**{**TINY, **change})
        assert error.value.parameter == parameter, change


def test_the_command_line_writes_a_record_with_its_reference_level(tmp_path):
    out = tmp_path / "r.json"
    argv = ["--seeds", "2", "--curve", "1", "2", "--samples", "6", "--keep", "2", "--variants", "raw"]
    assert ablation.main([*argv, "--out", str(out)]) == 0
    written = read_record(out)
    args = command_arguments(written, ablation.parser())
    assert written["recipe"] == ablation.recipe_of(args) and written["seeds"] == args.seeds == [2]
    assert written["reference"]["n"] == 6 and len(written["reference"]["values"]) == ablation.RECIPE["reference_draws"]
    assert [run["variant"] for run in written["runs"]] == ["raw"] and not list(tmp_path.glob(".*.tmp"))
    assert ablation.verdicts(written) == {}  # one variant: nothing to compare


def test_verdicts_report_an_order_only_where_every_seed_agrees():
    def run(variant, seed, swd):
        return {
            "variant": variant,
            "seed": seed,
            "swd": swd,
            "curve": [{"step": 1, "swd": 1.0}, {"step": 2, "swd": swd}],
        }

    record = {
        "recipe": {"variants": ["a", "b", "c"]},
        "seeds": [0, 1],
        "runs": [run("a", 0, 0.1), run("b", 0, 0.2), run("c", 0, 0.3), run("a", 1, 0.1), run("b", 1, 0.05)]
        + [run("c", 1, 0.4)],
        "reference": {"name": "x", "n": 2, "values": [0.0, 0.1]},
    }
    assert ablation.verdicts(record) == {("a", "b"): "not distinguishable", ("a", "c"): "a < c", ("b", "c"): "b < c"}
    assert ablation.verdicts(record, step=1) == {pair: "not distinguishable" for pair in ablation.verdicts(record)}
    with pytest.raises(InputError, match="step must be one of"):
        ablation.verdicts(record, step=3)
    flat = ablation.converged(record)  # tolerance: one std of [0, 0.1] = 0.0707; every curve drops by more
    assert flat == {key: False for key in flat}
    assert ablation.summary(record)["a"]["swd"]["mean"] == pytest.approx(0.1)


def test_the_committed_record_is_what_its_command_resolves_to(recorded):
    args = command_arguments(recorded, ablation.parser())
    assert recorded["recipe"] == ablation.recipe_of(args) and recorded["seeds"] == args.seeds
    assert recorded["recipe"]["variants"] == list(ablation.VARIANTS) and len(recorded["seeds"]) >= 3
    assert sorted((run["variant"], run["seed"]) for run in recorded["runs"]) == sorted(
        (variant, seed) for variant in ablation.VARIANTS for seed in recorded["seeds"]
    )
    for run in recorded["runs"]:
        assert [point["step"] for point in run["curve"]] == recorded["recipe"]["curve"]
        assert run["parameters"] == count_parameters(MLPDenoiser(time_input=run["variant"]))
        kept = recorded["recipe"]["keep"] if run["seed"] == recorded["seeds"][0] else 0
        assert len(run["points"]) == 2 * kept
    fresh = ablation.reference_level(recorded["recipe"]["samples"])
    assert recorded["reference"]["values"] == [round(v, 6) for v in fresh.values]


def test_every_recorded_run_has_converged(recorded):
    flat = ablation.converged(recorded)
    assert all(flat.values()), [key for key, ok in flat.items() if not ok]


@pytest.mark.slow
def test_the_first_curve_point_of_the_first_run_re_runs_to_its_recorded_value(recorded):
    first = next(run for run in recorded["runs"] if run["seed"] == recorded["seeds"][0])
    step = recorded["recipe"]["curve"][0]
    again = ablation.measure_one(first["variant"], first["seed"], (step,), recorded["recipe"]["samples"])
    # bit-for-bit on the machine that wrote the record; elsewhere the kernels may round differently
    assert again["swd"] == pytest.approx(first["curve"][0]["swd"], abs=1e-3)


def test_the_record_is_json_with_the_frames_keys(recorded):
    assert json.loads(json.dumps(recorded)) == recorded and recorded["cpu_time_s"] > 0
